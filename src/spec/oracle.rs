//! The spec oracle: any body bytes in, the [`Expect`]ation a conformant server meets out.
//!
//! It reads the clause model of `CLAUSES.md` directly and is written apart from the mock's
//! validation, so the two check each other: the fuzz targets and the generator's tests compare
//! them. It reads bodies with its own RFC 8259 reader ([`json_text`](super::json_text)), not with
//! the mock's `serde_json`. Every MUST the body breaks makes it `reject` (naming the clauses);
//! otherwise any MAY it touches (unknown members A5, empty strings A6, the `ct` alias A2, a service
//! that matches a listed one only under full Unicode case mapping) makes it `either`; otherwise
//! `accept`. Casing variants of a listed service are always valid. Under the profile `current` the
//! `cur.*` rules are MUSTs too (a name outside the pattern, a tag key or value of the wrong length,
//! over 20 tags: reject). The members, services and limits come from [`crate::spec::rules`].
//!
//! Where RFC 8259 lets a parser refuse a valid text or read it its own way (a leading byte order
//! mark, bytes inside a string that are not UTF-8, a lone surrogate escape, a repeated member
//! name, a number beyond binary64, nesting deeper than [`COMMON_DEPTH_LIMIT`]), the body is judged
//! under every reading a parser may take: `reject` when every reading breaks a MUST, else
//! `either`, naming `req.body.object` among the clauses. A body that is not JSON under any
//! reading (bad bytes between tokens, a UTF-16 text, comments, `NaN`) breaks `req.body.object`.
//!
//! It also says which request rules a body *exercises*, valid or not ([`Expectation::exercised`]):
//! every member present or missing (its `.required` and `.type`), tags (their type, each tag's
//! key and value, `req.tags.optional` when absent or empty), the service list (and
//! `req.service.case-insensitive` for a listed value in another casing), the url limit for a url
//! at least that long in characters, UTF-16 units or UTF-8 bytes (the units an implementation may
//! count in), and the MAYs it touches. The case loader and the generator derive every case's
//! request clauses from it.

use serde_json::{Map, Value};

use super::json_text::{self, Repeats};
use crate::spec::clause::{ClauseId, Profile};
use crate::spec::expect::Expect;
use crate::spec::rules::{self, current, Shape, MEMBERS, TAG_MEMBERS, URL_MAX_CHARS};

/// Nesting deeper than this is a depth a common parser refuses (.NET's `System.Text.Json`
/// default `MaxDepth`, the smallest of the common defaults; serde_json stops at 128, Ruby at 100,
/// Jackson and Python near 1000).
pub const COMMON_DEPTH_LIMIT: usize = 64;

/// What a conformant server does with a body, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// Accept, reject or either.
    pub expect: Expect,
    /// The clauses that decided it: the MUSTs broken (reject) or the MAYs touched (either).
    pub clauses: Vec<ClauseId>,
    /// Every request rule and MAY the body exercises, decided or not, in `CLAUSES.md` order.
    pub exercised: Vec<ClauseId>,
}

/// The expectation for `body`, sent as `application/json` to the create endpoint, under the
/// seed profile.
pub fn expectation(body: &[u8]) -> Expectation {
    expectation_under(body, Profile::Seed)
}

/// The expectation for `body` under `profile` (`current` adds the `cur.*` MUST clauses).
pub fn expectation_under(body: &[u8], profile: Profile) -> Expectation {
    let Ok(text) = json_text::read(body, Repeats::Last) else {
        let mut judged = Judged::default();
        judged.broken.push(ClauseId::ReqBodyObject);
        return decided(vec![judged], false);
    };
    let mut readings = vec![judge(&text.value, profile)];
    if text.repeated_name {
        let first = json_text::read(body, Repeats::First).expect("the same text reads again");
        readings.push(judge(&first.value, profile));
    }
    let refusable = text.leading_bom
        || text.lone_surrogate
        || text.invalid_utf8
        || text.repeated_name
        || text.beyond_binary64
        || text.depth > COMMON_DEPTH_LIMIT;
    decided(readings, refusable)
}

/// The expectation from the readings of one body: `reject` when every reading breaks a MUST
/// (naming what they break), else `either` when a reading touches a MAY or a parser may refuse
/// the text (`refusable`, naming `req.body.object`), else `accept`.
fn decided(readings: Vec<Judged>, refusable: bool) -> Expectation {
    let rejected = readings.iter().all(|judged| !judged.broken.is_empty());
    let mut exercised = vec![ClauseId::ReqBodyObject];
    let (mut broken, mut open) = (Vec::new(), Vec::new());
    for judged in readings {
        exercised.extend(judged.exercised);
        broken.extend(judged.broken);
        open.extend(judged.open);
    }
    if refusable && !rejected {
        open.push(ClauseId::ReqBodyObject);
    }
    exercised.extend(broken.iter().chain(&open));
    exercised.sort_unstable();
    exercised.dedup();
    let (expect, mut clauses) = if rejected {
        (Expect::Reject, broken)
    } else if !open.is_empty() {
        (Expect::Either, open)
    } else {
        (Expect::Accept, Vec::new())
    };
    clauses.sort_unstable();
    clauses.dedup();
    Expectation {
        expect,
        clauses,
        exercised,
    }
}

/// The MUSTs one reading of a body breaks, the MAYs it touches, and what it exercises.
fn judge(value: &Value, profile: Profile) -> Judged {
    let mut judged = Judged::default();
    match value {
        Value::Object(members) => judge_members(members, profile, &mut judged),
        _ => judged.broken.push(ClauseId::ReqBodyObject),
    }
    judged
}

/// The MUSTs a body breaks, the MAYs it touches, and the rules it exercises besides.
#[derive(Default)]
struct Judged {
    broken: Vec<ClauseId>,
    open: Vec<ClauseId>,
    exercised: Vec<ClauseId>,
}

fn judge_members(members: &Map<String, Value>, profile: Profile, judged: &mut Judged) {
    for member in MEMBERS {
        let value = members.get(member.name);
        if value.is_some() {
            judged.exercised.extend(member.required);
            judged.exercised.push(member.typed);
        }
        match (value, member.shape) {
            (None, Shape::Tags) => judged.exercised.push(ClauseId::ReqTagsOptional),
            (None, _) => judged.broken.extend(member.required),
            (Some(Value::String(text)), Shape::Text) if text.is_empty() => {
                judged.open.push(ClauseId::A6)
            }
            (Some(Value::String(_)), Shape::Text) => {}
            (Some(tags), Shape::Tags) => judge_tags(tags, profile, judged),
            (Some(_), Shape::Text) => judged.broken.push(member.typed),
        }
    }
    if let Some(Value::String(service)) = members.get("service") {
        judge_service(service, judged);
    }
    if let Some(Value::String(url)) = members.get("url") {
        // UTF-8 bytes: the largest of the counts (characters, UTF-16 units, bytes).
        if url.len() >= URL_MAX_CHARS {
            judged.exercised.push(ClauseId::ReqUrlMaxLength);
        }
        if url.chars().count() > URL_MAX_CHARS {
            judged.broken.push(ClauseId::ReqUrlMaxLength);
        }
    }
    if profile == Profile::Current {
        if let Some(Value::String(name)) = members.get("name") {
            judged.exercised.push(ClauseId::CurNamePattern);
            if !current::name_matches(name) {
                judged.broken.push(ClauseId::CurNamePattern);
            }
        }
    }
    if members.keys().any(|key| !rules::is_known_member(key)) {
        judged.open.push(ClauseId::A5);
    }
}

fn judge_service(service: &str, judged: &mut Judged) {
    if service.is_empty() {
        return; // the A6 choice, already recorded
    }
    judged.exercised.push(ClauseId::ReqServiceEnum);
    let listed_lower = |candidate: &str| {
        rules::SERVICES
            .iter()
            .any(|listed| listed.to_lowercase() == candidate)
    };
    if let Some(listed) = rules::listed_service(service) {
        // req.service.case-insensitive: every ASCII casing of a listed value is that value.
        if listed != service {
            judged.exercised.push(ClauseId::ReqServiceCaseInsensitive);
        }
    } else if service.eq_ignore_ascii_case(rules::CT_ALIAS) {
        judged.open.push(ClauseId::A2);
    } else if listed_lower(&service.to_lowercase())
        || listed_lower(&service.to_uppercase().to_lowercase())
    {
        // Non-ASCII letters whose case mapping lands on a listed value (the Kelvin sign, long s):
        // whether "case does not matter" reaches them is not addressed.
        judged.open.push(ClauseId::ReqServiceCaseInsensitive);
    } else {
        judged.broken.push(ClauseId::ReqServiceEnum);
    }
}

fn judge_tags(tags: &Value, profile: Profile, judged: &mut Judged) {
    let Value::Array(tags) = tags else {
        judged.broken.push(ClauseId::ReqTagsType);
        return;
    };
    if tags.is_empty() {
        judged.exercised.push(ClauseId::ReqTagsOptional);
    }
    if profile == Profile::Current && tags.len() >= current::TAGS_MAX {
        judged.exercised.push(ClauseId::CurTagsMaxCount);
    }
    if profile == Profile::Current && tags.len() > current::TAGS_MAX {
        judged.broken.push(ClauseId::CurTagsMaxCount);
    }
    for tag in tags {
        let Value::Object(tag) = tag else {
            judged.broken.push(ClauseId::ReqTagsType);
            continue;
        };
        for member in TAG_MEMBERS {
            let value = tag.get(member.name);
            if value.is_some() {
                judged.exercised.extend(member.required);
                judged.exercised.push(member.typed);
            }
            if profile == Profile::Current && matches!(value, Some(Value::String(_))) {
                judged.exercised.push(match member.name {
                    "key" => ClauseId::CurTagsKeyLength,
                    _ => ClauseId::CurTagsValueLength,
                });
            }
            match value {
                None => judged.broken.extend(member.required),
                Some(Value::String(text)) if profile == Profile::Current => {
                    let chars = text.chars().count();
                    if !current::tag_member_chars(member.name).contains(&chars) {
                        judged.broken.push(match member.name {
                            "key" => ClauseId::CurTagsKeyLength,
                            _ => ClauseId::CurTagsValueLength,
                        });
                    }
                }
                Some(Value::String(text)) if text.is_empty() => judged.open.push(ClauseId::A6),
                Some(Value::String(_)) => {}
                Some(_) => judged.broken.push(member.typed),
            }
        }
        if tag.keys().any(|key| !rules::is_known_tag_member(key)) {
            judged.open.push(ClauseId::A5);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect_of(body: &str) -> Expect {
        expectation(body.as_bytes()).expect
    }

    /// A9 (duplicate names) depends on what the server already holds; the oracle judges one
    /// body alone, so those cases are left out.
    #[test]
    fn agrees_with_every_hand_written_case() {
        let dir = crate::case::SHIPPED_DIR;
        let cases = crate::case::load_dir(dir.as_ref(), &Default::default()).unwrap();
        let disagreements: Vec<String> = cases
            .iter()
            .filter(|case| !case.clauses.contains(&ClauseId::A9))
            .filter(|case| expectation(&case.body).expect != case.expect)
            .map(|case| {
                format!(
                    "{}: case says {}, oracle says {:?}",
                    case.id,
                    case.expect,
                    expectation(&case.body)
                )
            })
            .collect();
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    }

    fn exercised(body: &str) -> Vec<&'static str> {
        expectation(body.as_bytes())
            .exercised
            .iter()
            .map(|c| c.id())
            .collect()
    }

    #[test]
    fn valid_bodies_exercise_what_they_hold() {
        let sg = r#""security_group_id":"s","network_id":"n""#;
        let minimal = format!(r#"{{"name":"n","service":"DWS",{sg},"url":"u"}}"#);
        assert_eq!(
            exercised(&minimal),
            [
                "req.body.object",
                "req.name.required",
                "req.name.type",
                "req.service.required",
                "req.service.type",
                "req.service.enum",
                "req.security_group_id.required",
                "req.security_group_id.type",
                "req.network_id.required",
                "req.network_id.type",
                "req.url.required",
                "req.url.type",
                "req.tags.optional",
            ]
        );
        let rich = format!(
            r#"{{"name":"n","service":"Mrs.OpenTsdb",{sg},"url":"{}","tags":[{{"key":"k","value":"v"}}]}}"#,
            r"\u00e9".repeat(256)
        );
        let rich = exercised(&rich);
        for clause in [
            "req.service.case-insensitive",
            "req.url.max-length",
            "req.tags.type",
            "req.tags.key.required",
            "req.tags.key.type",
            "req.tags.value.required",
            "req.tags.value.type",
        ] {
            assert!(rich.contains(&clause), "{clause} not in {rich:?}");
        }
        assert!(!rich.contains(&"req.tags.optional"));
        assert_eq!(exercised("[1]"), ["req.body.object"]);
    }

    #[test]
    fn unicode_case_mappings_are_open() {
        let body = |service: &str| {
            format!(
                r#"{{"name":"n","service":"{service}","security_group_id":"s","network_id":"n","url":"u"}}"#
            )
        };
        assert_eq!(expect_of(&body("c\u{17f}s")), Expect::Either);
        assert_eq!(expect_of(&body("Cloudtable.OpenTSDB")), Expect::Accept);
        assert_eq!(expect_of(&body("DW\u{405}")), Expect::Reject);
    }

    fn valid_with(extra: &str) -> String {
        format!(
            r#"{{"name":"n","service":"DWS","security_group_id":"s","network_id":"n","url":"u"{extra}}}"#
        )
    }

    #[test]
    fn rfc_8259_corners_a_parser_may_refuse_are_open() {
        let either = |body: &str| {
            let judged = expectation(body.as_bytes());
            assert_eq!(judged.expect, Expect::Either, "{body}");
            assert!(judged.clauses.contains(&ClauseId::ReqBodyObject), "{body}");
        };
        either(&format!("\u{feff}{}", valid_with("")));
        either(&valid_with("").replace(r#""name":"n""#, r#""name":"n\uDEAD""#));
        either(&valid_with(r#","url":"v""#));
        either(&valid_with(&format!(
            ",\"x\":{}1{}",
            "[".repeat(3000),
            "]".repeat(3000)
        )));
        either(&valid_with(",\"x\":1e999999"));
        either(&valid_with(&format!(",\"x\":{}", "9".repeat(5000))));
        // Every reading breaks a MUST: still a reject.
        let lone_service = valid_with("").replace(r#""DWS""#, r#""DW\uD800""#);
        assert_eq!(expect_of(&lone_service), Expect::Reject);
        assert_eq!(expect_of(&valid_with(r#","url":7"#)), Expect::Either);
        let both_bad = valid_with("").replace(r#""url":"u""#, r#""url":7,"url":8"#);
        assert_eq!(expect_of(&both_bad), Expect::Reject);
    }

    #[test]
    fn what_is_not_json_breaks_the_body_rule() {
        for body in [
            valid_with(",").as_bytes().to_vec(),
            valid_with(",\"x\":NaN").into_bytes(),
            valid_with("/* c */").into_bytes(),
            valid_with("")
                .replace("\"n\"", "\"\u{a0}n\"")
                .replace("{", "\u{a0}{")
                .into_bytes(),
            [b"\xFF\xFE".as_slice(), valid_with("").as_bytes()].concat(),
            valid_with("")
                .replacen("\"u\"", "\"u\u{1}\"", 1)
                .into_bytes(),
        ] {
            let judged = expectation(&body);
            assert_eq!(
                judged.expect,
                Expect::Reject,
                "{}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(judged.clauses, [ClauseId::ReqBodyObject]);
        }
        let latin1_url = valid_with("").replace("\"u\"", "\"caf%\"").into_bytes();
        let latin1_url: Vec<u8> = latin1_url
            .iter()
            .map(|&b| if b == b'%' { 0xE9 } else { b })
            .collect();
        let judged = expectation(&latin1_url);
        assert_eq!(judged.expect, Expect::Either, "a parser may read U+FFFD");
        assert_eq!(judged.clauses, [ClauseId::ReqBodyObject]);
    }
}
