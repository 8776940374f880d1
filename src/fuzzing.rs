//! Fuzz oracles: one function per cargo-fuzz target of `fuzz/fuzz_targets/`.
//!
//! Each takes its target's input (bytes, or an `Arbitrary` value), runs it through the stage
//! under test (the [`case`] loader, the [`check`]er, the reference [`mock`] in-process) and panics
//! only when a promise of that stage breaks: the loader always gives cases or an error with a line,
//! the checker is deterministic and passes only the status a case wants, the mock answers every
//! body the way the [`oracle`] says a conformant server does, and the checker owes each answer
//! of the generated answer space the verdict [`answers`] says. A mock failure panics with the
//! report's compiler-style rendering, curl line included. The targets themselves only name their
//! input type and call one of these; the generators they use live in [`crate::generate`].

use std::path::Path;

use bytes::Bytes;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::case::{self, Case, Expect, Source};
use crate::check::{self, answers, Outcome};
use crate::fixtures::Fixtures;
use crate::generate::structured::StructuredBody;
use crate::mock;
use crate::report;
use crate::result::CaseResult;
use crate::spec::oracle;
use crate::transport::{self, InProcess, Request, Response, Target, TransportError};

thread_local! {
    /// One reference mock per fuzzing thread, built on first use and cleared after each input
    /// (building a router per input cost more than the request itself).
    static MOCK: mock::Mock = mock::Mock::new(mock::MockConfig::default());
}

/// Target `case_file`: any bytes as a case file. The loader never panics; on UTF-8 text it gives
/// cases or an error whose line lies inside the text.
pub fn case_file(data: &[u8]) {
    let path = Path::new("cases/fuzzed.json");
    let Ok(text) = std::str::from_utf8(data) else {
        let _ = case::parse_file(
            path,
            "fuzzed",
            &String::from_utf8_lossy(data),
            &Fixtures::default(),
        );
        return;
    };
    let lines = text.matches('\n').count() + 1;
    let in_text = |line: usize| (1..=lines).contains(&line);
    match case::parse_file(path, "fuzzed", text, &Fixtures::default()) {
        Ok(cases) => {
            for case in cases {
                assert!(case.id.starts_with("fuzzed/"), "case id {:?}", case.id);
                let Source::File { line, .. } = case.source else {
                    panic!("the loader made a generated case: {}", case.source);
                };
                assert!(in_text(line), "{} of {lines} lines", case.source);
            }
        }
        Err(err) => {
            let line = err.line.unwrap_or_else(|| panic!("no line in {err}"));
            assert!(in_text(line), "line {line} of {lines} in {err}");
        }
    }
}

/// Input of `check_response`: an expectation and an answer (or none), read from bytes as
/// `<expect> <status>[ truncated]`, `name: value` header lines, a blank line, then the body.
///
/// Reading is lenient so that every input means something: an unknown expect is `either`, a
/// status that is not a number means no answer came (the rest of the line is why), a header line
/// without `:` is a name with an empty value, no blank line means no body.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// What the case wants.
    pub expect: Expect,
    /// The answer, or why none came.
    pub answer: Result<Response, TransportError>,
}

impl Exchange {
    /// Reads an exchange from any bytes (see [`Exchange`]).
    pub fn parse(data: &[u8]) -> Exchange {
        let (head, body) = match data.windows(2).position(|pair| pair == b"\n\n") {
            Some(at) => (&data[..at], &data[at + 2..]),
            None => (data, &[][..]),
        };
        let head = String::from_utf8_lossy(head);
        let mut lines = head.split('\n');
        let mut first = lines.next().unwrap_or_default().splitn(3, ' ');
        let expect = match first.next().unwrap_or_default() {
            "accept" => Expect::Accept,
            "reject" => Expect::Reject,
            _ => Expect::Either,
        };
        let status = first.next().unwrap_or_default();
        let rest = first.next().unwrap_or_default();
        let Ok(status) = status.parse::<u16>() else {
            let why = format!("{status} {rest}");
            return Exchange {
                expect,
                answer: Err(TransportError::Broken(why)),
            };
        };
        let headers = lines
            .map(|line| match line.split_once(':') {
                Some((name, value)) => (name.to_owned(), value.trim_start().to_owned()),
                None => (line.to_owned(), String::new()),
            })
            .collect();
        let answer = Ok(Response {
            status,
            headers,
            body: Bytes::copy_from_slice(body),
            body_truncated: rest == "truncated",
        });
        Exchange { expect, answer }
    }

    /// Writes the exchange in the form [`Exchange::parse`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        match &self.answer {
            Err(error) => format!("{} none {error}", self.expect).into_bytes(),
            Ok(response) => {
                let mut text = format!("{} {}", self.expect, response.status);
                if response.body_truncated {
                    text.push_str(" truncated");
                }
                for (name, value) in &response.headers {
                    text.push_str(&format!("\n{name}: {value}"));
                }
                let mut bytes = text.into_bytes();
                bytes.extend_from_slice(b"\n\n");
                bytes.extend_from_slice(&response.body);
                bytes
            }
        }
    }
}

/// Target `check_response`: the checker never panics, judges the same answer the same way twice,
/// and passes an answer only when its status is the one the expectation wants.
pub fn check_response(data: &[u8]) {
    let Exchange { expect, answer } = Exchange::parse(data);
    let verdict = check::check(expect, &answer);
    assert_eq!(verdict, check::check(expect, &answer), "not deterministic");
    if verdict.outcome() == Outcome::Pass {
        let status = answer.as_ref().map(|response| response.status);
        let wanted = status.as_ref().is_ok_and(|status| expect.wants(*status));
        assert!(wanted, "{verdict:?} passed {status:?} for {expect}");
    }
}

/// Target `answer_space`: libFuzzer's bytes pick one conformant, perturbed or quota answer from
/// [`answers::any_answer`]; the checker's verdict is the one [`answers::judge`] wants. Bytes that
/// leave a generator's filter unsatisfied are skipped.
///
/// The bytes seed proptest's ChaCha generator (through a hash), not its pass-through stream: past
/// the end of a pass-through stream proptest reads zeros, and rand's rejection sampling of a range
/// draws again and again on zeros, so an input that ran out hung the target. libFuzzer's coverage
/// still picks which inputs to keep; its mutations just do not map to single choices.
pub fn answer_space(data: &[u8]) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let config = Config {
        max_local_rejects: 64,
        max_global_rejects: 64,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    for (part, chunk) in seed.chunks_mut(8).enumerate() {
        let mut hasher = DefaultHasher::new();
        (part, data).hash(&mut hasher);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let Ok(tree) = answers::any_answer().new_tree(&mut runner) else {
        return;
    };
    if let Err(why) = answers::judge(&tree.current()) {
        panic!("the checker misjudged a generated answer: {why}");
    }
}

/// Target `mock_raw_body`: the mock answers any body as the oracle says (never 5xx, never panics).
/// The bytes up to the first newline are the `Content-Type` (none is sent when they are empty
/// or not a valid header value); the rest is the body.
pub fn mock_raw_body(data: &[u8]) {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&[][..], data),
    };
    let mut request =
        Request::create_connection(transport::DEFAULT_PROJECT_ID, body.to_vec().into());
    request.headers = std::str::from_utf8(content_type)
        .ok()
        .filter(|value| !value.is_empty() && http::HeaderValue::from_str(value).is_ok())
        .map(|value| ("Content-Type".to_owned(), value.to_owned()))
        .into_iter()
        .collect();
    mock_meets_oracle(request);
}

/// Target `mock_structured`: the mock and the oracle agree on a structured body (differential):
/// the mock's status is one the oracle's expectation wants. Only the status is compared (the
/// answers' shapes are `mock_raw_body`'s to check); a disagreement is sent again through
/// [`mock_meets_oracle`] for the report's rendering.
pub fn mock_structured(body: &StructuredBody) {
    let bytes = body.to_bytes();
    if bytes.len() > crate::spec::BODY_LIMIT {
        return;
    }
    let expect = oracle::expectation(&bytes).expect;
    let status = MOCK.with(|mock| {
        let status = mock.create(transport::DEFAULT_PROJECT_ID, &bytes).status();
        mock.clear();
        status
    });
    if !expect.wants(status.as_u16()) {
        mock_meets_oracle(Request::create_connection(
            transport::DEFAULT_PROJECT_ID,
            bytes.into(),
        ));
        panic!("the mock answered {status}; the oracle expects {expect}");
    }
}

/// Seed inputs built from one hand-written case, as `(target, bytes)`: its body for
/// `mock_raw_body` (as JSON) and `mock_structured` (as raw bytes to shape), and the mock's
/// answer to it for `check_response` (its random `connection_id` replaced by a fixed UUID, so
/// the seeds are the same on every machine). `case_file` is seeded with the case files.
pub fn seeds(case: &Case) -> Vec<(&'static str, Vec<u8>)> {
    let request = Request::create_connection(transport::DEFAULT_PROJECT_ID, case.body.clone());
    let answer = send_to_mock(&request).map(|mut response| {
        if let Some(id) = check::check(case.expect, &Ok(response.clone())).connection_id {
            let fixed = String::from_utf8_lossy(&response.body)
                .replace(&id, "00000000-0000-4000-8000-000000000000");
            response.body = Bytes::from(fixed.into_bytes());
            response
                .headers
                .retain(|(name, _)| name != "content-length");
            response
                .headers
                .push(("content-length".into(), response.body.len().to_string()));
        }
        response
    });
    let exchange = Exchange {
        expect: case.expect,
        answer,
    };
    let mut raw_body = b"application/json\n".to_vec();
    raw_body.extend_from_slice(&case.body);
    vec![
        ("check_response", exchange.to_bytes()),
        ("mock_raw_body", raw_body),
        ("mock_structured", case.body.to_vec()),
    ]
}

/// Gives `request`'s body to this thread's mock as its create route would (see
/// [`mock::Mock::create`]: no router, no runtime in between) and reads the answer. The store is
/// cleared after each input, so every input meets a mock that has created nothing, as a fresh
/// one would, and an input leaves nothing allocated behind (libFuzzer re-runs an input whose
/// allocations outlive it, to look for a leak).
fn send_to_mock(request: &Request) -> Result<Response, TransportError> {
    use futures_util::FutureExt;
    let answer = MOCK.with(|mock| {
        let answer = mock
            .create(transport::DEFAULT_PROJECT_ID, &request.body)
            .into_response();
        mock.clear();
        answer
    });
    let (parts, body) = answer.into_parts();
    let collect = http_body_util::BodyExt::collect(body);
    let body = match collect.now_or_never() {
        Some(Ok(collected)) => collected.to_bytes(),
        Some(Err(err)) => return Err(TransportError::Broken(format!("body cut short: {err}"))),
        None => {
            return Err(TransportError::Broken(
                "the answer's body was not ready".into(),
            ))
        }
    };
    Ok(Response {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body,
        body_truncated: false,
    })
}

/// Sends `request` to a cleared mock and panics with a rendered failure unless the answer passes
/// the checker against the oracle's expectation. Bodies over the mock's [`crate::spec::BODY_LIMIT`]
/// are skipped: the mock answers them 413, as a gateway would.
fn mock_meets_oracle(request: Request) {
    if request.body.len() > crate::spec::BODY_LIMIT {
        return;
    }
    let expectation = oracle::expectation(&request.body);
    let answer = send_to_mock(&request);
    let verdict = check::check(expectation.expect, &answer);
    if verdict.outcome() != Outcome::Pass {
        let result = CaseResult {
            id: "fuzzed".into(),
            clauses: expectation.clauses,
            expect: expectation.expect,
            source: Source::File {
                path: "fuzz-input".into(),
                line: 1,
            },
            request,
            response: answer.ok(),
            verdict,
            skipped: None,
            elapsed: std::time::Duration::ZERO,
            known: Vec::new(),
            parity: None,
        };
        panic!(
            "the mock and the oracle disagree\n{}",
            report::render_failure(&result, &InProcess::new(axum::Router::new()).base_url())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_passes_its_target() {
        let dir = crate::case::SHIPPED_DIR;
        for case in case::load_dir(dir.as_ref(), &Fixtures::default()).unwrap() {
            for (target, bytes) in seeds(&case) {
                match target {
                    "check_response" => check_response(&bytes),
                    "mock_raw_body" => mock_raw_body(&bytes),
                    _ => {
                        let u = arbitrary::Unstructured::new(&bytes);
                        mock_structured(&arbitrary::Arbitrary::arbitrary_take_rest(u).unwrap())
                    }
                }
            }
        }
    }

    /// Inputs that run out at once (empty, all zeros) still make answers, and the right verdicts.
    #[test]
    fn short_inputs_make_answers() {
        for data in [&[][..], &[0; 64], &[255; 7]] {
            answer_space(data);
        }
    }

    #[test]
    fn exchanges_read_back_what_they_write() {
        let exchange =
            Exchange::parse(b"reject 400 truncated\ncontent-type: application/json\nx\n\n{}\n\n");
        let Ok(response) = &exchange.answer else {
            panic!("{exchange:?}");
        };
        assert_eq!(exchange.expect, Expect::Reject);
        assert!(response.body_truncated);
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(response.header("x"), Some(""));
        assert_eq!(&response.body[..], b"{}\n\n");
        assert_eq!(Exchange::parse(&exchange.to_bytes()), exchange);
        let none = Exchange::parse(b"accept none timed out");
        assert_eq!(
            none.answer,
            Err(TransportError::Broken("none timed out".into()))
        );
        assert_eq!(Exchange::parse(&none.to_bytes()).expect, Expect::Accept);
    }

    #[test]
    fn each_input_meets_an_empty_store() {
        let body =
            br#"{"name":"n","service":"DWS","security_group_id":"s","network_id":"n","url":"u"}"#;
        let request =
            Request::create_connection(transport::DEFAULT_PROJECT_ID, Bytes::from_static(body));
        for _ in 0..3 {
            assert_eq!(send_to_mock(&request).unwrap().status, 201);
            assert_eq!(MOCK.with(|mock| mock.stored()), 0);
        }
    }
}
