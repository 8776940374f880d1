//! Targets as users write them, end to end through the binary: an IPv6 literal, `localhost`, a
//! path prefix, TLS signed by a private CA (`--ca-cert`, `SSL_CERT_FILE`), and a small-backlog
//! HTTP/1.0 server that answers one connection at a time (the run's own load must not fail it).
//! Every server is started here on loopback.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use common::{cli, command, serve, temp_dir, text};
use dli_conformance::mock;
use dli_conformance::transport::{InProcess, Request, Target};

/// Serves `router` on `[::1]` from a background thread; `None` when the machine has no IPv6
/// loopback.
fn serve_on_ipv6(router: axum::Router) -> Option<SocketAddr> {
    common::serve_on("[::1]:0", router)
}

/// Asserts a run ended with exit 0 and 0 failures.
fn assert_clean(output: &std::process::Output) {
    let (stdout, stderr) = text(output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed, "), "{stdout}");
}

#[test]
fn an_ipv6_literal_target_runs_clean() {
    let Some(address) = serve_on_ipv6(mock::router()) else {
        eprintln!("no IPv6 loopback on this machine: nothing to test");
        return;
    };
    let url = format!("http://[::1]:{}", address.port());
    assert_clean(&cli(&["run", "-q", "--examples", "4", "--target", &url]));
}

#[test]
fn localhost_reaches_a_server_on_ipv6_only() {
    let Some(address) = serve_on_ipv6(mock::router()) else {
        eprintln!("no IPv6 loopback on this machine: nothing to test");
        return;
    };
    let resolves_to_ipv6 = std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 1))
        .is_ok_and(|mut addresses| addresses.any(|a| a.is_ipv6()));
    if !resolves_to_ipv6 {
        eprintln!("localhost does not resolve to ::1 here: nothing to test");
        return;
    }
    let url = format!("http://localhost:{}", address.port());
    assert_clean(&cli(&["run", "-q", "--examples", "4", "--target", &url]));
}

#[test]
fn the_mock_listens_on_ipv6() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback on this machine: nothing to test");
        return;
    }
    let mut mock = command()
        .args(["mock", "--listen", "[::1]:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(mock.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://[::1]:"), "{url}");
    let output = cli(&["run", "-q", "--examples", "4", "--target", &url]);
    mock.kill().unwrap();
    mock.wait().unwrap();
    assert_clean(&output);
}

#[test]
fn a_path_prefix_is_kept_in_front_of_every_path() {
    let url = serve(axum::Router::new().nest("/dli", mock::router()));
    assert_clean(&cli(&[
        "run",
        "-q",
        "--examples",
        "4",
        "--target",
        &format!("{url}/dli"),
    ]));
    // Without the prefix the gateway answers 404: a setup problem, not a conformance failure.
    let output = cli(&["run", "-q", "--examples", "4", "--target", &url]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
}

/// A test-made CA and a leaf it signed for `127.0.0.1` and `localhost`.
struct PrivateCa {
    ca_pem: String,
    leaf: rcgen::CertifiedKey<rcgen::KeyPair>,
}

impl PrivateCa {
    fn new() -> PrivateCa {
        let mut ca_params = rcgen::CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "dli-conformance test CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        PrivateCa {
            ca_pem: ca.pem(),
            leaf: rcgen::CertifiedKey {
                cert,
                signing_key: leaf_key,
            },
        }
    }
}

/// A TCP listener that completes a TLS handshake before handing a connection to axum.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.tcp.accept().await else {
                continue;
            };
            // A client that refuses the certificate ends its handshake: wait for the next.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Serves the reference mock over TLS with `ca`'s leaf on 127.0.0.1; gives the port.
fn serve_tls(ca: &PrivateCa) -> u16 {
    let chain = vec![ca.leaf.cert.der().clone()];
    let key = rustls_pki_types_key(&ca.leaf.signing_key);
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let tls = TlsListener {
                tcp: tokio::net::TcpListener::from_std(listener).unwrap(),
                acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            };
            axum::serve(tls, mock::router()).await.unwrap();
        });
    });
    port
}

fn rustls_pki_types_key(
    key: &rcgen::KeyPair,
) -> tokio_rustls::rustls::pki_types::PrivateKeyDer<'static> {
    tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into())
}

#[test]
fn a_target_signed_by_a_private_ca_runs_clean_with_ca_cert() {
    let ca = PrivateCa::new();
    let dir = temp_dir("private-ca");
    let ca_file = dir.join("ca.pem");
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let port = serve_tls(&ca);
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}");
        let output = cli(&[
            "run",
            "-q",
            "--examples",
            "4",
            "--target",
            &url,
            "--ca-cert",
            ca_file.to_str().unwrap(),
        ]);
        assert_clean(&output);
    }

    // The system's trust store as curl reads it: SSL_CERT_FILE.
    let url = format!("https://127.0.0.1:{port}");
    let output = command()
        .args(["run", "-q", "--examples", "4", "--target", &url])
        .env("SSL_CERT_FILE", &ca_file)
        .output()
        .unwrap();
    assert_clean(&output);

    // Trusting nothing but the public roots, the run stops at the preflight and says what to do.
    let output = command()
        .args(["run", "-q", "--examples", "4", "--target", &url])
        .env("SSL_CERT_FILE", dir.join("none.pem"))
        .env("SSL_CERT_DIR", &empty)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("preflight") && stderr.contains("--ca-cert PATH"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An HTTP/1.0 server as Python's `http.server` is by default: one thread, one connection at
/// a time, a listen backlog of `backlog`, `Connection: close` after every answer, a pause of
/// `pause` before each. Answers come from the reference mock, except that a body containing
/// `silent_on` is read and never answered (its connection is kept open, unanswered).
fn serve_http10(
    backlog: u32,
    pause: std::time::Duration,
    silent_on: Option<&'static str>,
) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    let listener = runtime.block_on(async {
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(backlog).unwrap().into_std().unwrap()
    });
    listener.set_nonblocking(false).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mock = InProcess::new(mock::router());
    std::thread::spawn(move || {
        let mut unanswered = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((method, path, body)) = read_http_request(&mut stream) else {
                continue;
            };
            if silent_on.is_some_and(|marker| String::from_utf8_lossy(&body).contains(marker)) {
                unanswered.push(stream);
                continue;
            }
            std::thread::sleep(pause);
            let mut request = Request::create_connection("p", body.into());
            request.path = path;
            request.method = method;
            let Ok(answer) = runtime.block_on(mock.send(&request)) else {
                continue;
            };
            let mut head = format!("HTTP/1.0 {} Answer\r\n", answer.status);
            for (name, value) in &answer.headers {
                if !name.eq_ignore_ascii_case("content-length") {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                answer.body.len()
            ));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&answer.body);
        }
    });
    url
}

/// The method, path and body of one HTTP/1.x request (`Content-Length` framing).
fn read_http_request(stream: &mut std::net::TcpStream) -> Option<(http::Method, String, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let method = words.next()?.parse().ok()?;
    let path = words.next()?.to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

#[test]
fn a_small_backlog_server_answering_one_connection_at_a_time_gets_no_failure() {
    let url = serve_http10(1, std::time::Duration::from_millis(1), None);
    let report = temp_dir("small-backlog").join("report.json");
    // The default concurrency (64 in flight); a timeout of 2 s so dropped SYNs (resent after
    // 1 s, 3 s, ...) pass it within the test's time. `--keep`: the cleanup's deletions go 8 at a
    // time without resends, and are not what this test is about.
    let output = cli(&[
        "run",
        "-q",
        "--keep",
        "--examples",
        "8",
        "--timeout",
        "2",
        "--target",
        &url,
        "--report-json",
        report.to_str().unwrap(),
    ]);
    assert_clean(&output);
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let concurrency = &document["concurrency"];
    assert_eq!(concurrency["ceiling"], 64, "{concurrency}");
    assert_eq!(
        concurrency["resent"], concurrency["resent_answered"],
        "{concurrency}"
    );
}

#[test]
fn a_body_never_answered_even_alone_is_still_a_failure() {
    let url = serve_http10(1, std::time::Duration::ZERO, Some("dli-conformance-repeat"));
    let output = cli(&["run", "-q", "--timeout", "1", "--target", &url, "valid/"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("   = actual   = no answer within 1 s"),
        "{stdout}"
    );
}
