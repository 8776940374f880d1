//! Valid bodies and their parts: text, names, urls, services in any casing, tags; the
//! bodies every other group breaks in one place.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::{pattern, Members};
use crate::generate::names;
use crate::spec::rules::{SERVICES, URL_MAX_CHARS};

/// Non-empty identifier-like text, mostly ASCII, sometimes any printable Unicode (names, ids).
pub fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => pattern("[a-zA-Z0-9_-]{1,32}"),
        1 => pattern("\\PC{1,24}"),
    ]
}

/// A name: [`free_text`] followed by the [`names::MARKER`] where the run-unique tag goes, so no
/// two bodies of a run share a name (A9).
pub fn drawn_name() -> impl Strategy<Value = String> {
    free_text().prop_map(|name| format!("{name}{}", names::MARKER))
}

/// One character of a url: mostly ASCII url characters, often 2-, 3- and 4-byte UTF-8.
pub fn url_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => select("abcdefghijklmnopqrstuvwxyz0123456789.:/-_?=&,".chars().collect::<Vec<_>>()),
        1 => select(vec!['é', 'ß', 'ж', 'ü']),
        1 => select(vec!['中', '数', '€', 'ア']),
        1 => select(vec!['😀', '𝔘', '🚀', '𠀀']),
    ]
}

/// A url of a character count (Unicode scalar values) drawn from `chars`: a random pattern of
/// up to 16 characters repeated to that length. The length shrinks by bisection towards the
/// range's lower end, the pattern towards ASCII.
pub fn url_of_chars(chars: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    (chars, vec(url_char(), 1..=16))
        .prop_map(|(length, pattern)| pattern.into_iter().cycle().take(length).collect())
}

/// Any listed service with each letter's case chosen at random: always a listed value.
pub fn service_in_random_case() -> impl Strategy<Value = String> {
    (select(SERVICES), vec(any::<bool>(), 32)).prop_map(|(service, upper)| {
        service
            .chars()
            .zip(upper.into_iter().cycle())
            .map(|(c, up)| {
                if up {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// A well-formed tag: string `key` and `value`, both non-empty.
pub fn valid_tag() -> impl Strategy<Value = Value> {
    (free_text(), free_text())
        .prop_map(|(key, value)| serde_json::json!({"key": key, "value": value}))
}

/// A valid body: every listed service in random casing, Unicode text, url lengths up to the
/// limit, and tags absent or 0..6 valid ones. Leans to short urls, with a share near 512.
pub fn valid_members() -> impl Strategy<Value = Members> {
    (
        drawn_name(),
        service_in_random_case(),
        free_text(),
        free_text(),
        prop_oneof![3 => url_of_chars(1..=64), 1 => url_of_chars(500..=URL_MAX_CHARS)],
        proptest::option::of(vec(valid_tag(), 0..6)),
    )
        .prop_map(
            |(name, service, security_group_id, network_id, url, tags)| {
                let mut members = Members::new();
                members.insert("name".into(), name.into());
                members.insert("service".into(), service.into());
                members.insert("security_group_id".into(), security_group_id.into());
                members.insert("network_id".into(), network_id.into());
                members.insert("url".into(), url.into());
                if let Some(tags) = tags {
                    members.insert("tags".into(), Value::Array(tags));
                }
                members
            },
        )
}

/// A valid body with `member` replaced by values from `value`.
pub fn with_member(
    member: &'static str,
    value: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Members> {
    (valid_members(), value).prop_map(move |(mut members, value)| {
        members.insert(member.into(), value);
        members
    })
}

/// `ct` (the page example's service, A2) in random casing.
pub fn ct_alias() -> impl Strategy<Value = Value> {
    select(vec!["ct", "CT", "Ct", "cT"]).prop_map(Value::from)
}
