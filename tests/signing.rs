//! AK/SK signing against vectors the official Python SDK computed (`tests/signing/`, made by
//! `make_vectors.py`; no Python needed here): the SDK's own published vector and POSTs with JSON
//! bodies, a security token, a port, escapes, a query, an unsigned payload.

use dli_conformance::transport::sign::{self, Credentials, Exchange};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("signing/vectors.json");
    let document: Value = serde_json::from_str(text).unwrap();
    document["vectors"].as_array().unwrap().clone()
}

fn query_of(vector: &Value) -> Option<String> {
    let pairs = vector["query"].as_array().unwrap();
    (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|pair| {
                let value = match &pair[1] {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                format!("{}={value}", pair[0].as_str().unwrap())
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[test]
fn every_vector_signs_as_the_sdk_does() {
    let vectors = vectors();
    assert!(vectors.len() >= 10);
    assert_eq!(
        vectors[0]["expected"]["signature"],
        "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842",
        "the SDK's published vector comes first"
    );
    for vector in &vectors {
        let name = vector["name"].as_str().unwrap();
        let given = vector["headers"].as_object().unwrap();
        let date = given["X-Sdk-Date"].as_str().unwrap();
        let token = given
            .get(sign::SECURITY_TOKEN_HEADER)
            .map(|token| token.as_str().unwrap().to_owned());
        let credentials = Credentials::new(
            vector["ak"].as_str().unwrap(),
            vector["sk"].as_str().unwrap(),
            token,
        )
        .unwrap();
        // What the run holds before signing: its own headers, no date, no token.
        let mut headers: Vec<(String, String)> = given
            .iter()
            .filter(|(name, _)| *name != "X-Sdk-Date" && *name != sign::SECURITY_TOKEN_HEADER)
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        let query = query_of(vector);
        let body = vector["body"].as_str().unwrap().as_bytes();
        credentials.sign(
            vector["method"].as_str().unwrap(),
            vector["host"].as_str().unwrap(),
            vector["path"].as_str().unwrap(),
            query.as_deref(),
            &mut headers,
            body,
            date,
        );
        let header = |wanted: &str| {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.as_str())
        };
        let expected = &vector["expected"];
        assert_eq!(
            header("authorization"),
            expected["authorization"].as_str(),
            "vector {name}"
        );
        // Every header the SDK sends, the run sends too (Host comes from the transport).
        for (name, value) in expected["headers"].as_object().unwrap() {
            if name != "Host" {
                let ours = header(name).map(str::trim);
                assert_eq!(ours, value.as_str(), "vector {name}: header {name}");
            }
        }
        // The canonical request the SDK built, rebuilt from the request as it arrives.
        let mut arrived = headers.clone();
        arrived.push(("Host".into(), vector["host"].as_str().unwrap().into()));
        let exchange = Exchange {
            method: vector["method"].as_str().unwrap(),
            path: vector["path"].as_str().unwrap(),
            query: query.as_deref(),
            headers: &arrived,
            body,
        };
        let names: Vec<String> = expected["signed_headers"]
            .as_str()
            .unwrap()
            .split(';')
            .map(str::to_owned)
            .collect();
        assert_eq!(
            exchange.canonical_request(&names),
            expected["canonical_request"].as_str().unwrap(),
            "vector {name}"
        );
        let before_signing: Vec<(String, String)> = arrived
            .iter()
            .filter(|(header, _)| !header.eq_ignore_ascii_case("authorization"))
            .cloned()
            .collect();
        assert_eq!(
            sign::signed_header_names(&before_signing),
            names,
            "vector {name}"
        );
    }
}

#[test]
fn the_sdk_vectors_verify_and_a_tampered_one_does_not() {
    for vector in vectors() {
        let given = vector["headers"].as_object().unwrap();
        let mut arrived: Vec<(String, String)> = vector["expected"]["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        arrived.push((
            "Authorization".into(),
            vector["expected"]["authorization"].as_str().unwrap().into(),
        ));
        let date = sign::parse_sdk_date(given["X-Sdk-Date"].as_str().unwrap()).unwrap();
        let query = query_of(&vector);
        let exchange = Exchange {
            method: vector["method"].as_str().unwrap(),
            path: vector["path"].as_str().unwrap(),
            query: query.as_deref(),
            headers: &arrived,
            body: vector["body"].as_str().unwrap().as_bytes(),
        };
        let (ak, sk) = (
            vector["ak"].as_str().unwrap(),
            vector["sk"].as_str().unwrap(),
        );
        assert!(sign::verify(&exchange, ak, sk.as_bytes(), date).is_ok());
        let tampered = Exchange {
            method: "PUT",
            ..exchange
        };
        assert!(sign::verify(&tampered, ak, sk.as_bytes(), date).is_err());
    }
}
