//! The zoo's hyper foundation: hyper 1's HTTP/1.1 connection server over tokio, without axum or
//! tower, on its own runtime in a background thread. Takes a handler, gives the bound address.
//! Answers carry a Content-Length, or go out in pieces of a given size (hyper then frames them
//! with the chunked transfer coding).

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::{Handler, Reply, BODY_LIMIT};

type Pieces = futures_util::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;
type Body = Either<Full<Bytes>, StreamBody<Pieces>>;

/// Serves `handler` on `127.0.0.1:0` until `stopped` is set; gives the address.
pub(super) fn serve(
    handler: Handler,
    chunk: Option<usize>,
    stopped: Arc<AtomicBool>,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                // Chunked answers go out frame by frame; without it Nagle's algorithm holds
                // the later frames for the client's delayed ACK.
                let _ = stream.set_nodelay(true);
                let handler = Arc::clone(&handler);
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let handler = Arc::clone(&handler);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = Limited::new(body, BODY_LIMIT).collect().await;
                        let body = body.ok().map(|collected| collected.to_bytes());
                        let reply =
                            handler(parts.method.as_str(), parts.uri.path(), body.as_deref());
                        Ok::<_, Infallible>(response(reply, chunk))
                    }
                });
                tokio::spawn(async move {
                    // A connection the client drops mid-answer is its business.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    Ok(address)
}

fn response(reply: Reply, chunk: Option<usize>) -> hyper::Response<Body> {
    let body = match chunk {
        None => Either::Left(Full::new(Bytes::from(reply.body))),
        Some(size) => {
            let pieces: Vec<_> = reply
                .body
                .chunks(size)
                .map(|piece| Ok(Frame::data(Bytes::copy_from_slice(piece))))
                .collect();
            Either::Right(StreamBody::new(futures_util::stream::iter(pieces)))
        }
    };
    let mut builder = hyper::Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type);
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(body)
        .expect("a zoo reply has a valid status and headers")
}
