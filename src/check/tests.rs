//! The checker's unit tests: statuses, success and error bodies, media types, gateway and quota
//! answers, implementation-defined JSON texts. The helpers here ([`answer`], [`clauses`],
//! [`CREATED`]) also serve the registry's tests in `ids.rs`.

use super::*;
use bytes::Bytes;

pub(super) fn answer(
    status: u16,
    content_type: &str,
    body: &str,
) -> Result<Response, TransportError> {
    Ok(Response {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: Bytes::from(body.to_owned()),
        body_truncated: false,
    })
}

pub(super) fn clauses(verdict: &Verdict) -> Vec<ClauseId> {
    verdict.violations.iter().map(|v| v.clause).collect()
}

pub(super) const CREATED: &str =
    r#"{"is_success":true,"message":"","connection_id":"68233202-63bf-4f27-a99b-fa5f5a2dbae1"}"#;
const ERROR: &str = r#"{"error_code":"DLI.0001","error_msg":"url: too long"}"#;

/// Every response clause is judged for some expectation, and only response clauses are.
#[test]
fn judged_clauses_are_the_response_clauses() {
    let judged: std::collections::BTreeSet<ClauseId> =
        [Expect::Accept, Expect::Reject, Expect::Either]
            .into_iter()
            .flat_map(judged_clauses)
            .filter(|clause| clause.id().starts_with("resp."))
            .collect();
    let responses: std::collections::BTreeSet<ClauseId> = ClauseId::ALL
        .iter()
        .copied()
        .filter(|clause| clause.id().starts_with("resp."))
        .collect();
    assert_eq!(judged, responses);
    for expect in [Expect::Accept, Expect::Reject, Expect::Either] {
        assert!(judged_clauses(expect).iter().all(|c| !c.is_request_rule()));
    }
}

#[test]
fn a_conformant_success_passes() {
    let verdict = check(
        Expect::Accept,
        &answer(201, "application/json; charset=utf-8", CREATED),
    );
    assert_eq!(verdict.outcome(), Outcome::Pass, "{verdict:?}");
    assert_eq!(verdict.decision, Decision::Accepted);
    assert_eq!(
        verdict.connection_id.as_deref(),
        Some("68233202-63bf-4f27-a99b-fa5f5a2dbae1")
    );
}

#[test]
fn status_200_breaks_created_status() {
    let verdict = check(Expect::Accept, &answer(200, "application/json", CREATED));
    assert_eq!(
        clauses(&verdict),
        [ClauseId::RespCreatedStatus, ClauseId::RespStatusDocumented]
    );
    assert_eq!(verdict.violations[0].expected, "201");
    assert_eq!(verdict.violations[0].actual, "200");
    assert_eq!(verdict.outcome(), Outcome::Fail);
}

#[test]
fn accepting_an_invalid_request_fails() {
    let verdict = check(Expect::Reject, &answer(201, "application/json", CREATED));
    assert_eq!(clauses(&verdict), [ClauseId::RespInvalidStatus]);
}

#[test]
fn either_takes_both_answers() {
    assert_eq!(
        check(Expect::Either, &answer(201, "application/json", CREATED)).outcome(),
        Outcome::Pass
    );
    let rejected = check(Expect::Either, &answer(400, "application/json", ERROR));
    assert_eq!(rejected.outcome(), Outcome::Pass);
    assert_eq!(rejected.decision, Decision::Rejected);
    let server_error = check(Expect::Either, &answer(500, "application/json", ERROR));
    assert_eq!(clauses(&server_error), [ClauseId::RespNoServerError]);
}

#[test]
fn success_shape_rules() {
    let body = r#"{"is_success":"yes","message":3,"connection_id":"abc"}"#;
    let verdict = check(Expect::Accept, &answer(201, "text/plain", body));
    assert_eq!(
        clauses(&verdict),
        [
            ClauseId::RespCreatedJson,
            ClauseId::RespCreatedIsSuccessType,
            ClauseId::RespCreatedMessageType,
            ClauseId::RespCreatedConnectionIdType
        ]
    );
    let lying = check(
        Expect::Accept,
        &answer(
            201,
            "application/json",
            r#"{"is_success":false,"connection_id":"68233202-63bf-4f27-a99b-fa5f5a2dbae1"}"#,
        ),
    );
    assert_eq!(clauses(&lying), [ClauseId::RespCreatedIsSuccessTrue]);
    let no_id = check(
        Expect::Accept,
        &answer(201, "application/json", r#"{"is_success":true}"#),
    );
    assert_eq!(clauses(&no_id), [ClauseId::RespCreatedConnectionIdPresent]);
    assert_eq!(no_id.outcome(), Outcome::Warn);
    let array = check(Expect::Accept, &answer(201, "application/json", "[]"));
    assert_eq!(clauses(&array), [ClauseId::RespCreatedJson]);
    assert_eq!(array.violations[0].actual, "an array: []");
}

#[test]
fn two_content_types_are_not_json() {
    let mut twice = answer(201, "application/json", CREATED).unwrap();
    twice
        .headers
        .push(("content-type".into(), "text/html; charset=utf-8".into()));
    let verdict = check(Expect::Accept, &Ok(twice));
    assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson]);
    assert_eq!(
        verdict.violations[0].actual,
        r#"["application/json", "text/html; charset=utf-8"]"#
    );
}

#[test]
fn error_envelope_rules() {
    let plain = check(
        Expect::Reject,
        &answer(400, "text/plain", "Failed to parse"),
    );
    assert_eq!(
        clauses(&plain),
        [ClauseId::RespErrorEnvelope, ClauseId::RespErrorEnvelope]
    );
    let empty_code = check(
        Expect::Reject,
        &answer(
            400,
            "application/json",
            r#"{"error_code":"","error_msg":"x"}"#,
        ),
    );
    assert_eq!(empty_code.violations[0].pointer, "/body/error_code");
    let no_msg = check(
        Expect::Reject,
        &answer(400, "application/json", r#"{"error_code":"DLI.0001"}"#),
    );
    assert_eq!(no_msg.violations[0].pointer, "/body/error_msg");
    assert_eq!(no_msg.violations[0].actual, "absent");
}

#[test]
fn undocumented_and_server_errors() {
    let teapot = check(Expect::Reject, &answer(422, "application/json", ERROR));
    assert_eq!(
        clauses(&teapot),
        [ClauseId::RespInvalidStatus, ClauseId::RespStatusDocumented]
    );
    let crash = check(Expect::Reject, &answer(500, "application/json", ERROR));
    assert_eq!(
        clauses(&crash),
        [ClauseId::RespInvalidStatus, ClauseId::RespNoServerError]
    );
}

#[test]
fn gateway_answers_are_setup_problems() {
    let body = r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information","request_id":"x"}"#;
    let verdict = check(Expect::Accept, &answer(401, "application/json", body));
    assert_eq!(verdict.outcome(), Outcome::Setup);
    assert_eq!(
        verdict.setup.unwrap().message,
        "the target rejected the credentials: 401 APIG.0301"
    );
}

#[test]
fn no_answer_breaks_the_status_clause() {
    let hung = check(
        Expect::Reject,
        &Err(TransportError::Timeout(std::time::Duration::from_secs(10))),
    );
    assert_eq!(clauses(&hung), [ClauseId::RespInvalidStatus]);
    assert_eq!(hung.violations[0].actual, "no answer within 10 s");
}

/// What `json.dumps` (Python) writes when a server echoes a request's lone surrogate.
#[test]
fn lone_surrogates_echoed_in_error_messages_pass() {
    for body in [
        r#"{"error_code": "DLI.0001", "error_msg": "unsupported service: \udada"}"#,
        r#"{"error_code": "DLI.0001", "error_msg": "name: \ud800\udc00 and \udfff"}"#,
    ] {
        let verdict = check(Expect::Reject, &answer(400, "application/json", body));
        assert_eq!(verdict.outcome(), Outcome::Pass, "{body}: {verdict:?}");
    }
    let created = r#"{"is_success": true, "message": "\udada", "connection_id": "68233202-63BF-4F27-A99B-FA5F5A2DBAE1"}"#;
    let verdict = check(
        Expect::Accept,
        &answer(201, "Application/JSON;charset=UTF-8", created),
    );
    assert_eq!(verdict.outcome(), Outcome::Pass, "{verdict:?}");
}

/// The corners RFC 8259 leaves to the receiver pass; what its grammar refuses does not.
#[test]
fn implementation_defined_texts_pass_and_others_fail() {
    let id = "68233202-63bf-4f27-a99b-fa5f5a2dbae1";
    for body in [
        format!("\u{feff}{{\"connection_id\": \"{id}\"}}"),
        format!("{{\"connection_id\": \"{id}\", \"size\": 1e400, \"n\": 123456789012345678901234567890}}"),
        format!("{{\"connection_id\": \"{id}\", \"deep\": {}{}}}", "[".repeat(1000), "]".repeat(1000)),
        format!("{{\"message\": 3, \"message\": \"ok\", \"connection_id\": \"{id}\"}}"),
        format!(" \r\n\t{{\"connection_id\":\"\\u0036{}\"}}\n", &id[1..]),
    ] {
        let verdict = check(Expect::Accept, &answer(201, "application/json", &body));
        assert_eq!(verdict.outcome(), Outcome::Pass, "{body}: {verdict:?}");
    }
    let twice = r#"{"error_code": "", "error_msg": "x", "error_code": "DLI.0001"}"#;
    assert_eq!(
        check(Expect::Reject, &answer(400, "application/json", twice)).outcome(),
        Outcome::Pass
    );
    let both_bad = r#"{"error_code": "", "error_msg": "x", "error_code": 7}"#;
    let verdict = check(Expect::Reject, &answer(400, "application/json", both_bad));
    assert_eq!(clauses(&verdict), [ClauseId::RespErrorEnvelope]);
    for body in [r#"{"connection_id": NaN}"#, "{\"a\": 1,}", "{} {}"] {
        let verdict = check(Expect::Accept, &answer(201, "application/json", body));
        assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson], "{body}");
    }
    let number = check(
        Expect::Accept,
        &answer(
            201,
            "application/json",
            &format!(r#"{{"message": 3, "connection_id": "{id}"}}"#),
        ),
    );
    assert_eq!(number.violations[0].actual, "3");
}

/// DLI.1028 is the quota answer whatever its message says; a message about the quota still
/// marks one with another code.
#[test]
fn the_quota_answer_is_known_by_its_code() {
    let coded = r#"{"error_code": "DLI.1028", "error_msg": "Insufficient resources"}"#;
    for expect in [Expect::Accept, Expect::Either] {
        let verdict = check(expect, &answer(400, "application/json", coded));
        assert_eq!(verdict.outcome(), Outcome::Setup, "{verdict:?}");
        assert_eq!(
            verdict.setup.unwrap().error_code.as_deref(),
            Some("DLI.1028")
        );
    }
    assert_eq!(
        check(Expect::Reject, &answer(400, "application/json", coded)).outcome(),
        Outcome::Pass
    );
    let worded = r#"{"error_code": "DLI.0009", "error_msg": "已超出配额"}"#;
    assert_eq!(
        check(Expect::Accept, &answer(400, "application/json", worded)).outcome(),
        Outcome::Setup
    );
    let other = r#"{"error_code": "DLI.0001", "error_msg": "url: too long"}"#;
    assert_eq!(
        check(Expect::Accept, &answer(400, "application/json", other)).outcome(),
        Outcome::Fail
    );
}

#[test]
fn truncated_bodies_are_not_json() {
    let mut big = answer(201, "application/json", CREATED).unwrap();
    big.body_truncated = true;
    let verdict = check(Expect::Accept, &Ok(big));
    assert_eq!(clauses(&verdict), [ClauseId::RespCreatedJson]);
}
