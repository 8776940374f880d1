//! Faults over a real socket: `dli-conformance mock --fault NAME` serves the same layer as the
//! in-process self-test, and its transport faults reach an HTTP client as a dropped connection
//! and as no answer at all. Every server here is started by the test on 127.0.0.1.

use std::time::Duration;

use bytes::Bytes;
use dli_conformance::mock::{deviation, faults};
use dli_conformance::transport::{self, HttpTarget, Request, TransportError};

/// Serves fault `name` on a free loopback port; gives its base URL.
async fn serve(name: &str) -> String {
    let fault = deviation::find(faults::FAULTS, name).expect("a listed fault");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, fault.router()).await });
    url
}

fn create(body: &str) -> Request {
    Request::create_connection("p", Bytes::from(body.to_owned()))
}

const VALID: &str =
    r#"{"name":"n","service":"DWS","security_group_id":"s","network_id":"n","url":"u"}"#;

#[tokio::test]
async fn a_dropped_connection_is_a_broken_exchange() {
    let target = HttpTarget::new(&serve("drop-on-empty-body").await).unwrap();
    let wait = Duration::from_secs(30);
    let answer = transport::send_with_timeout(&target, &create(""), wait).await;
    assert!(
        matches!(answer, Err(TransportError::Broken(_))),
        "{answer:?}"
    );
    let valid = transport::send_with_timeout(&target, &create(VALID), wait).await;
    assert_eq!(valid.unwrap().status, 201);
}

#[tokio::test]
async fn a_hanging_answer_ends_in_the_timeout() {
    let target = HttpTarget::new(&serve("hang-on-blank-body").await).unwrap();
    let wait = Duration::from_millis(200);
    let answer = transport::send_with_timeout(&target, &create(" \n "), wait).await;
    assert_eq!(answer, Err(TransportError::Timeout(wait)));
}

#[tokio::test]
async fn response_rewrites_reach_the_socket() {
    let target = HttpTarget::new(&serve("created-200").await).unwrap();
    let answer = transport::send_with_timeout(&target, &create(VALID), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
}
