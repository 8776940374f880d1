//! The zoo: conformant servers of the create endpoint that share no code with the reference mock.
//!
//! Each server is written from `CLAUSES.md` alone on another foundation than the mock's axum
//! (plain hyper 1 without axum, a raw `std::net` HTTP/1.0 or HTTP/1.1 server) and takes other
//! choices wherever the spec, RFC 8259 and HTTP leave one: the MAYs (A2, A5, A6, A9), which
//! optional 201 members it sends, its error codes and extra members, member order, whitespace and
//! escapes, headers, framing (chunked or not, keep-alive or a connection per request) and whether
//! it implements show, list and delete at all. They judge requests with [`endpoint`] (one
//! validator, its choices as knobs, written apart from `spec::`) and each writes its answers its
//! own way. [`ZOO`] lists them ([`python`] starts the Python ones of `tests/zoo/`); [`ZooServer::start`] serves one on `127.0.0.1:0` from background
//! threads and gives a [`Running`] handle with its base URL (dropping it stops the server).
//! `selftest` scores them beside the mock's variants; `tests/zoo.rs` runs the default run against
//! each (and against the Python servers of `tests/zoo/`).

pub mod endpoint;
mod hand_json;
mod hyper_chunked;
mod hyper_compact;
mod hyper_minimal;
mod on_hyper;
mod on_std;
pub mod python;
mod raw_close;
mod raw_http10;
mod raw_keepalive;

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use endpoint::{Answer, Choices, Endpoint};

/// The most request body bytes a zoo server reads; a longer body is answered 413.
pub const BODY_LIMIT: usize = 4 << 20;

/// An answer as a server writes it: status, content type, other headers and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The Content-Type header's value.
    pub content_type: &'static str,
    /// Other headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// What a server is built on, and how it frames its answers.
#[derive(Debug, Clone, Copy)]
pub enum Foundation {
    /// hyper 1's HTTP/1.1 server (keep-alive); answers sent in pieces of this many bytes when
    /// given (chunked transfer coding), else with a Content-Length.
    Hyper {
        /// Piece size of a chunked answer.
        chunk: Option<usize>,
    },
    /// A hand-written server on `std::net`, a thread per connection.
    Std(on_std::Framing),
}

/// One server of the zoo.
#[derive(Debug, Clone, Copy)]
pub struct ZooServer {
    /// Its name (`zoo/...` in the self-test).
    pub name: &'static str,
    /// What it is built on and which choices it takes, in one line.
    pub summary: &'static str,
    /// Its choices where the spec leaves one.
    pub choices: Choices,
    /// Its HTTP layer.
    pub foundation: Foundation,
    /// How it writes an answer.
    pub render: fn(&Answer) -> Reply,
}

/// Every Rust server of the zoo.
pub const ZOO: &[ZooServer] = &[
    hyper_compact::SERVER,
    hyper_chunked::SERVER,
    hyper_minimal::SERVER,
    raw_http10::SERVER,
    raw_keepalive::SERVER,
    raw_close::SERVER,
];

/// The zoo server called `name`.
pub fn find(name: &str) -> Option<&'static ZooServer> {
    ZOO.iter().find(|server| server.name == name)
}

/// A zoo server serving on loopback; dropping it stops accepting connections.
#[derive(Debug)]
pub struct Running {
    url: String,
    address: SocketAddr,
    stopped: Arc<AtomicBool>,
}

impl Running {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

impl ZooServer {
    /// Serves this server on `127.0.0.1:0` from background threads.
    pub fn start(&self) -> io::Result<Running> {
        let endpoint = Arc::new(Endpoint::new(self.choices));
        let render = self.render;
        let handler: Handler = Arc::new(move |method, path, body| match body {
            Some(body) => render(&endpoint.answer(method, path, body)),
            None => render(&Answer::Error {
                status: 413,
                code: "DLI.0009",
                message: format!("the body is over {BODY_LIMIT} bytes"),
            }),
        });
        let stopped = Arc::new(AtomicBool::new(false));
        let address = match self.foundation {
            Foundation::Hyper { chunk } => on_hyper::serve(handler, chunk, Arc::clone(&stopped))?,
            Foundation::Std(framing) => on_std::serve(handler, framing, Arc::clone(&stopped))?,
        };
        Ok(Running {
            url: format!("http://{address}"),
            address,
            stopped,
        })
    }
}

/// What a foundation calls per request: method, path and body (`None` when over
/// [`BODY_LIMIT`]) in, the reply out.
type Handler = Arc<dyn Fn(&str, &str, Option<&[u8]>) -> Reply + Send + Sync>;
