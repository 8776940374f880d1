//! A conformant server that echoes the request's strings in its answers the way Python's
//! `json.dumps` writes them (ASCII only, every other character as a `\u` escape, lone surrogates
//! too: `"\udada"`), as servers on Python or JavaScript stacks do. The default run against it has
//! no failure: the checker reads answers with the project's RFC 8259 reader, not serde_json.
//!
//! The server decides by the project's oracle (what it tests is the checker, not the decision),
//! answers 400 `DLI.0001` with the echo in `error_msg`, or 201 with the echo in `message`, with
//! Python's separators (`", "`, `": "`) and lower-case hex.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use common::{cli, serve, text};
use dli_conformance::spec::expect::Expect;
use dli_conformance::spec::{oracle, BODY_LIMIT};

/// A string as `json.dumps` writes it with its defaults (`ensure_ascii=True`).
fn dumps(units: &[u16]) -> String {
    let mut out = String::from("\"");
    for &unit in units {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5C => out.push_str("\\\\"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0x20..=0x7E => out.push(char::from(unit as u8)),
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}

/// The string tokens of `body`, decoded to UTF-16 code units as Python's `json.loads` keeps them
/// (a lone surrogate escape stays a lone surrogate); a string left open ends the scan.
fn strings(body: &[u8]) -> Vec<Vec<u16>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = body[at..].iter().position(|&b| b == b'"') {
        at += open + 1;
        let mut units = Vec::new();
        let mut run = Vec::new();
        loop {
            let Some(&byte) = body.get(at) else {
                return found;
            };
            at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    units.extend(String::from_utf8_lossy(&run).encode_utf16());
                    run.clear();
                    let escaped = body.get(at).copied().unwrap_or(b'\\');
                    at += 1;
                    let hex = body
                        .get(at..at + 4)
                        .and_then(|hex| std::str::from_utf8(hex).ok());
                    match (
                        escaped,
                        hex.and_then(|hex| u16::from_str_radix(hex, 16).ok()),
                    ) {
                        (b'u', Some(unit)) => {
                            units.push(unit);
                            at += 4;
                        }
                        (b'n', _) => units.push(0x0A),
                        (b't', _) => units.push(0x09),
                        (b'r', _) => units.push(0x0D),
                        (b'b', _) => units.push(0x08),
                        (b'f', _) => units.push(0x0C),
                        (other, _) => units.push(u16::from(other)),
                    }
                }
                other => run.push(other),
            }
        }
        units.extend(String::from_utf8_lossy(&run).encode_utf16());
        found.push(units);
    }
    found
}

/// The server: `echoed` counts the answers that carried a lone surrogate escape.
fn echoing_server(echoed: Arc<AtomicUsize>) -> axum::Router {
    let created = Arc::new(AtomicUsize::new(0));
    let create = move |body: Bytes| {
        let (echoed, created) = (echoed.clone(), created.clone());
        async move {
            if body.len() > BODY_LIMIT {
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            }
            let echo: Vec<u16> = strings(&body)
                .into_iter()
                .take(6)
                .flat_map(|units| [&units[..], &[0x2C, 0x20]].concat())
                .collect();
            let echo = dumps(&echo);
            if echo.contains("\\ud") {
                echoed.fetch_add(1, Ordering::Relaxed);
            }
            let (status, answer) = if oracle::expectation(&body).expect == Expect::Reject {
                let answer = format!(r#"{{"error_code": "DLI.0001", "error_msg": {echo}}}"#);
                (StatusCode::BAD_REQUEST, answer)
            } else {
                let n = created.fetch_add(1, Ordering::Relaxed) as u128 + 1;
                let id = uuid::Uuid::from_u128(n);
                let answer = format!(
                    r#"{{"is_success": true, "message": {echo}, "connection_id": "{id}"}}"#
                );
                (StatusCode::CREATED, answer)
            };
            (status, [(header::CONTENT_TYPE, "application/json")], answer).into_response()
        }
    };
    axum::Router::new().route(
        "/v2.0/{project_id}/datasource-connection",
        axum::routing::post(create),
    )
}

#[test]
fn dumps_writes_what_python_writes() {
    // python3 -c 'import json; print(json.dumps("a\udada\u00e9\n\"\U0001d11e"))'
    let units: Vec<u16> = [0x61, 0xDADA, 0xE9, 0x0A, 0x22, 0xD834, 0xDD1E].to_vec();
    assert_eq!(dumps(&units), r#""a\udada\u00e9\n\"\ud834\udd1e""#);
    assert_eq!(
        strings(br#"{"service": "\uDADA", "n": "x\"y"}"#),
        [
            "service".encode_utf16().collect::<Vec<_>>(),
            vec![0xDADA],
            "n".encode_utf16().collect(),
            "x\"y".encode_utf16().collect(),
        ]
    );
}

#[test]
fn a_server_echoing_lone_surrogates_passes_the_default_run() {
    let echoed = Arc::new(AtomicUsize::new(0));
    let url = serve(echoing_server(echoed.clone()));
    // The server implements the create endpoint only: `--keep` leaves out the cleanup, which
    // lists and deletes what the run created.
    let output = cli(&["run", "-q", "--keep", "--target", &url]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed, 0 warned; "), "{stdout}");
    let echoed = echoed.load(Ordering::Relaxed);
    assert!(echoed > 10, "only {echoed} answers echoed a lone surrogate");
}
