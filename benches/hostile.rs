//! `cargo bench --bench hostile [-- NAME...]`: the suite against targets that misbehave at the
//! transport level, each a small server on 127.0.0.1 started here.
//!
//! For each target it runs the built `dli-conformance run -q --target URL --report-json PATH
//! --report-junit PATH --report-markdown PATH` at default settings (killed after [`KILL_AFTER`]
//! if it does not end) and prints its wall time, exit code, the three reports' sizes and the
//! last line it wrote to stderr (the reason it gave). The
//! promise measured: every run ends within 30 s with exit 1 or 2, says why in one line, and
//! writes at most 50 MB of report. Numbers, not assertions: these machines are shared and
//! noisy. Give names to run only some targets (`-- slow-bytes redirect-loop`); `--list` lists
//! them; `HOSTILE_OUTPUT=DIR` keeps each run's stdout, stderr and report there.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long one run may take before it is killed (and reported as such).
const KILL_AFTER: Duration = Duration::from_secs(120);

/// A hostile target: its name, what it does, and how it treats one connection.
struct Hostile {
    name: &'static str,
    does: &'static str,
    kind: Kind,
}

enum Kind {
    /// Raw bytes on each accepted connection.
    Raw(fn(TcpStream) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
    /// An axum router.
    Http(fn() -> axum::Router),
}

const PATH: &str = "/v2.0/0123456789abcdef0123456789abcdef/datasource-connection";

const HOSTILE: &[Hostile] = &[
    Hostile {
        name: "slow-bytes",
        does: "answers a correct 201 one byte every 0.5 s",
        kind: Kind::Raw(|stream| Box::pin(slow_bytes(stream))),
    },
    Hostile {
        name: "silent-long-urls",
        does: "the reference mock, but never answers a body whose url is over 512 characters",
        kind: Kind::Http(silent_on_long_urls),
    },
    Hostile {
        name: "non-http",
        does: "answers every request with an SSH banner",
        kind: Kind::Raw(|stream| Box::pin(non_http(stream))),
    },
    Hostile {
        name: "reset",
        does: "resets every connection as soon as it is accepted",
        kind: Kind::Raw(|stream| Box::pin(reset(stream))),
    },
    Hostile {
        name: "redirect-loop",
        does: "answers every request 307 to the same URL",
        kind: Kind::Raw(|stream| Box::pin(redirect_loop(stream))),
    },
    Hostile {
        name: "endless-100",
        does: "answers `100 Continue` forever, every 1 ms",
        kind: Kind::Raw(|stream| Box::pin(endless_continue(stream))),
    },
    Hostile {
        name: "20000-headers",
        does: "answers 201 with 20 000 headers",
        kind: Kind::Raw(|stream| Box::pin(many_headers(stream))),
    },
    Hostile {
        name: "huge-201",
        does: "answers 201 with 64 MiB of JSON whitespace",
        kind: Kind::Raw(|stream| Box::pin(huge_created(stream))),
    },
    Hostile {
        name: "gzip-1mb",
        does: "answers every request 201 `Content-Encoding: gzip` (unasked), 1 MB of gzipped zeros",
        kind: Kind::Raw(|stream| Box::pin(gzip_answers(stream))),
    },
    Hostile {
        name: "all-404",
        does: "answers every request 404 APIG.0101 (a wrong project id)",
        kind: Kind::Raw(|stream| Box::pin(gateway(stream, "404 Not Found", "APIG.0101"))),
    },
    Hostile {
        name: "all-401",
        does: "answers every request 401 APIG.0301 (bad credentials)",
        kind: Kind::Raw(|stream| Box::pin(gateway(stream, "401 Unauthorized", "APIG.0301"))),
    },
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--") || arg == "--list")
        .collect();
    if args.iter().any(|arg| arg == "--list") {
        for hostile in HOSTILE {
            println!("{:<18} {}", hostile.name, hostile.does);
        }
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let binary = env!("CARGO_BIN_EXE_dli-conformance");
    let report = std::env::temp_dir().join(format!("dli-hostile-{}.json", std::process::id()));
    let junit = report.with_extension("xml");
    let markdown = report.with_extension("md");
    println!(
        "{:<18} {:>8} {:>5} {:>12} {:>10} {:>9}  reason (last line on stderr, else stdout)",
        "target", "seconds", "exit", "json bytes", "junit", "markdown"
    );
    for hostile in HOSTILE
        .iter()
        .filter(|h| args.is_empty() || args.iter().any(|a| a == h.name))
    {
        let address = runtime.block_on(start(hostile));
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(["run", "-q", "--target", &format!("http://{address}")])
            .arg("--report-json")
            .arg(&report)
            .arg("--report-junit")
            .arg(&junit)
            .arg("--report-markdown")
            .arg(&markdown)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = read_all(child.stdout.take().expect("a piped stdout"));
        let stderr = read_all(child.stderr.take().expect("a piped stderr"));
        let status = loop {
            if let Some(status) = child.try_wait().expect("the child can be waited for") {
                break status.code().map_or("signal".to_owned(), |c| c.to_string());
            }
            if started.elapsed() > KILL_AFTER {
                let _ = child.kill();
                let _ = child.wait();
                break "killed".to_owned();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let seconds = started.elapsed().as_secs_f64();
        let (stdout, stderr) = (stdout.join(), stderr.join());
        let (stdout, stderr) = (stdout.unwrap_or_default(), stderr.unwrap_or_default());
        if let Some(dir) = std::env::var_os("HOSTILE_OUTPUT") {
            let dir = std::path::Path::new(&dir);
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(format!("{}.stdout", hostile.name)), &stdout);
            let _ = std::fs::write(dir.join(format!("{}.stderr", hostile.name)), &stderr);
            let _ = std::fs::copy(&report, dir.join(format!("{}.json", hostile.name)));
        }
        let reason = stderr
            .lines()
            .last()
            .or_else(|| stdout.lines().last())
            .unwrap_or("(nothing)")
            .to_owned();
        let size = |path: &std::path::Path| {
            let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
            let _ = std::fs::remove_file(path);
            bytes
        };
        let (bytes, junit_bytes, markdown_bytes) = (size(&report), size(&junit), size(&markdown));
        println!(
            "{:<18} {seconds:>8.1} {status:>5} {bytes:>12} {junit_bytes:>10} {markdown_bytes:>9}  {reason}",
            hostile.name
        );
    }
}

/// Reads `source` to its end on a thread of its own.
fn read_all(mut source: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = source.read_to_string(&mut text);
        text
    })
}

/// Serves `hostile` on a free loopback port in the background; gives its address.
async fn start(hostile: &Hostile) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("a bound address");
    match hostile.kind {
        Kind::Raw(handle) => {
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(handle(stream));
                }
            });
        }
        Kind::Http(router) => {
            tokio::spawn(async move { axum::serve(listener, router()).await });
        }
    }
    address
}

/// Reads one request head (and whatever body came with it) so the client is not reset early.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buffer = vec![0u8; 64 << 10];
    let mut seen = Vec::new();
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => {
                seen.extend_from_slice(&buffer[..n]);
                if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|value| value.trim().parse().ok())
                        .unwrap_or(0);
                    let mut have = seen.len() - end - 4;
                    while have < length {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return false,
                            Ok(n) => have += n,
                        }
                    }
                    return true;
                }
            }
        }
    }
}

const CREATED: &str = "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 82\r\n\r\n{\"is_success\":true,\"message\":\"\",\"connection_id\":\"2f1c4a2e-8d5b-4c1e-9b7a-3e6f0d9c8b7a\"}";

async fn slow_bytes(mut stream: TcpStream) {
    while read_request(&mut stream).await {
        for byte in CREATED.as_bytes() {
            if stream.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

fn silent_on_long_urls() -> axum::Router {
    async fn hang_on_long_urls(request: Request<Body>, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let bytes = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let long = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("url")
                    .and_then(|u| u.as_str())
                    .map(|u| u.chars().count())
            })
            .is_some_and(|chars| chars > 512);
        if long {
            std::future::pending::<()>().await;
        }
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    }
    dli_conformance::mock::router().layer(middleware::from_fn(hang_on_long_urls))
}

async fn non_http(mut stream: TcpStream) {
    while read_request(&mut stream).await {
        if stream
            .write_all(b"SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n")
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn redirect_loop(mut stream: TcpStream) {
    let answer =
        format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {PATH}\r\ncontent-length: 0\r\n\r\n");
    while read_request(&mut stream).await {
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn endless_continue(mut stream: TcpStream) {
    if read_request(&mut stream).await {
        while stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .is_ok()
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

async fn many_headers(mut stream: TcpStream) {
    let mut answer = String::from("HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n");
    for index in 0..20_000 {
        answer.push_str(&format!("x-pad-{index}: {index}\r\n"));
    }
    let body = &CREATED[CREATED.find("\r\n\r\n").expect("a head") + 4..];
    answer.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    while read_request(&mut stream).await {
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn huge_created(mut stream: TcpStream) {
    const SIZE: usize = 64 << 20;
    let chunk = vec![b' '; 64 << 10];
    while read_request(&mut stream).await {
        let head = format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {SIZE}\r\n\r\n"
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..SIZE / chunk.len() {
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
        }
    }
}

/// One megabyte of gzip: zeros in stored deflate blocks (binary, mostly NUL bytes: the
/// costliest bytes to escape in a JSON report).
fn gzip_of_zeros() -> Vec<u8> {
    const SIZE: usize = 1 << 20;
    const BLOCK: usize = 65_535;
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut left = SIZE - 10 - 8;
    let mut plain = 0u32;
    while left > 5 {
        let len = (left - 5).min(BLOCK);
        left -= len + 5;
        out.push(u8::from(left <= 5));
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.extend_from_slice(&(!(len as u16)).to_le_bytes());
        out.resize(out.len() + len, 0);
        plain += len as u32;
    }
    let mut crc = !0u32;
    // Every byte is zero: nothing to xor in, eight shifts each.
    for _ in 0..plain {
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&plain.to_le_bytes());
    out
}

async fn gzip_answers(mut stream: TcpStream) {
    let body = gzip_of_zeros();
    while read_request(&mut stream).await {
        let head = format!(
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(head.as_bytes()).await.is_err()
            || stream.write_all(&body).await.is_err()
        {
            return;
        }
    }
}

async fn gateway(mut stream: TcpStream, status: &'static str, code: &'static str) {
    let body = format!("{{\"error_code\":\"{code}\",\"error_msg\":\"hostile\"}}");
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    while read_request(&mut stream).await {
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}
