//! The zoo's hand-written HTTP/1 foundation on `std::net`: a blocking accept loop and a thread per
//! connection, no HTTP library. Takes a handler and a [`Framing`], gives the bound address. It
//! reads a request line, headers and a `Content-Length` body (a chunked request is answered 411),
//! and writes the answer as HTTP/1.0 with `Connection: close` (a connection per request) or as
//! HTTP/1.1, keeping the connection or closing it after every answer, with a Content-Length or in
//! chunks. The listen backlog is set
//! through `socket2`, so a server can keep it small.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use super::{Handler, Reply, BODY_LIMIT};

/// How a hand-written server frames its answers.
#[derive(Debug, Clone, Copy)]
pub struct Framing {
    /// Answer as HTTP/1.0 (and so close the connection after every answer).
    pub http10: bool,
    /// Close the connection after every answer (`Connection: close`), in HTTP/1.1 too.
    pub close: bool,
    /// Send bodies in chunks of this many bytes (HTTP/1.1 only).
    pub chunk: Option<usize>,
    /// The listen backlog.
    pub backlog: i32,
}

/// The longest request head (request line and headers) read.
const HEAD_LIMIT: u64 = 64 << 10;

/// How long an idle kept-alive connection is held.
const IDLE: Duration = Duration::from_secs(30);

/// Serves `handler` on `127.0.0.1:0` until `stopped` is set; gives the address.
pub(super) fn serve(
    handler: Handler,
    framing: Framing,
    stopped: Arc<AtomicBool>,
) -> io::Result<SocketAddr> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    socket.listen(framing.backlog)?;
    let listener: std::net::TcpListener = socket.into();
    let address = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stopped.load(Ordering::SeqCst) {
                return;
            }
            let Ok(stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                // A connection the client drops is its business.
                let _ = connection(stream, &handler, framing);
            });
        }
    });
    Ok(address)
}

/// Answers the requests of one connection.
fn connection(stream: TcpStream, handler: &Handler, framing: Framing) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        let keep = !framing.http10 && !framing.close && head.keep_alive;
        let reply = if head.chunked {
            plain_error(
                411,
                "a chunked request body is not supported; send a Content-Length",
            )
        } else if head.length > BODY_LIMIT {
            handler(&head.method, &head.target, None)
        } else {
            let mut body = vec![0; head.length];
            reader.read_exact(&mut body)?;
            handler(&head.method, &head.target, Some(&body))
        };
        writer.write_all(&encode(&reply, framing, keep))?;
        if !keep {
            return Ok(());
        }
    }
}

/// A request's line and the headers this server reads.
struct Head {
    method: String,
    target: String,
    length: usize,
    chunked: bool,
    keep_alive: bool,
}

/// The next request head, or `None` when the client closed the connection between requests.
fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Head>> {
    let mut lines = Vec::new();
    let mut limited = reader.take(HEAD_LIMIT);
    loop {
        let mut line = String::new();
        if limited.read_line(&mut line)? == 0 {
            return if lines.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            if lines.is_empty() {
                continue; // RFC 9112 §2.2: ignore an empty line before the request line.
            }
            break;
        }
        lines.push(line);
    }
    let mut request_line = lines[0].split(' ');
    let (Some(method), Some(target), Some(version)) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Err(io::ErrorKind::InvalidData.into());
    };
    let mut head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        length: 0,
        chunked: false,
        keep_alive: version == "HTTP/1.1",
    };
    for line in &lines[1..] {
        let Some((name, value)) = line.split_once(':') else {
            return Err(io::ErrorKind::InvalidData.into());
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => {
                head.length = value.parse().map_err(|_| io::ErrorKind::InvalidData)?;
            }
            "transfer-encoding" => head.chunked = true,
            "connection" if value.eq_ignore_ascii_case("close") => head.keep_alive = false,
            "connection" if value.eq_ignore_ascii_case("keep-alive") => head.keep_alive = true,
            _ => {}
        }
    }
    Ok(Some(head))
}

/// A 4xx answer of the foundation itself, before the endpoint sees the request.
fn plain_error(status: u16, message: &str) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: format!(r#"{{"error_code":"DLI.0001","error_msg":"{message}"}}"#).into_bytes(),
    }
}

/// The bytes of `reply` on the wire.
fn encode(reply: &Reply, framing: Framing, keep: bool) -> Vec<u8> {
    let version = if framing.http10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let mut out = format!(
        "{version} {} {}\r\nContent-Type: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type
    );
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !keep {
        out.push_str("Connection: close\r\n");
    }
    let chunk = framing.chunk.filter(|_| !framing.http10);
    let mut out = match chunk {
        Some(_) => out + "Transfer-Encoding: chunked\r\n\r\n",
        None => format!("{out}Content-Length: {}\r\n\r\n", reply.body.len()),
    }
    .into_bytes();
    match chunk {
        Some(size) => {
            for piece in reply.body.chunks(size) {
                out.extend_from_slice(format!("{:X}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
        None => out.extend_from_slice(&reply.body),
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        _ => "Unknown",
    }
}
