//! Lengths and counts at the limits: urls over and near 512 characters, and the newer page's
//! name pattern and tag limits (profile `current`).

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::valid::{url_of_chars, valid_members, valid_tag};
use super::Members;
use crate::generate::names;
use crate::spec::rules::{self, URL_MAX_CHARS};

/// A url over the limit: exactly 513 characters, up to 10 000, or multi-byte only.
pub fn url_over_limit() -> impl Strategy<Value = Value> {
    prop_oneof![
        url_of_chars(URL_MAX_CHARS + 1..=URL_MAX_CHARS + 1),
        url_of_chars(URL_MAX_CHARS + 1..=10_000),
        (
            URL_MAX_CHARS + 1..=URL_MAX_CHARS + 64,
            select(vec!['é', '中', '😀'])
        )
            .prop_map(|(length, wide)| std::iter::repeat_n(wide, length).collect::<String>()),
    ]
    .prop_map(Value::String)
}

/// A url within a few characters of the limit either side (505..=520), in mixed widths.
pub fn url_near_limit() -> impl Strategy<Value = Value> {
    url_of_chars(URL_MAX_CHARS - 7..=URL_MAX_CHARS + 8).prop_map(Value::String)
}

/// A name of `chars` characters of the newer page's pattern (`[A-Za-z0-9_-]`).
fn pattern_name(chars: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    let one = select(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
            .chars()
            .collect::<Vec<_>>(),
    );
    vec(one, chars).prop_map(|chars| chars.into_iter().collect())
}

/// A tag whose key and value lengths sit at the newer page's limits (128 and 255 characters,
/// two either side) or at zero.
fn tag_near_current_limits() -> impl Strategy<Value = Value> {
    use rules::current::{TAG_KEY_MAX_CHARS, TAG_VALUE_MAX_CHARS};
    let key = prop_oneof![
        3 => "[a-z]{1,16}".boxed(),
        2 => pattern_name(TAG_KEY_MAX_CHARS - 2..=TAG_KEY_MAX_CHARS + 2).boxed(),
        1 => Just(String::new()).boxed(),
    ];
    let value = prop_oneof![
        3 => "[a-z]{1,16}".boxed(),
        2 => pattern_name(TAG_VALUE_MAX_CHARS - 2..=TAG_VALUE_MAX_CHARS + 2).boxed(),
        1 => Just(String::new()).boxed(),
    ];
    (key, value).prop_map(|(key, value)| serde_json::json!({"key": key, "value": value}))
}

/// A valid body (by the seed page) along the newer page's limits (profile `current`): a name of
/// 62..=66 pattern characters, or a short one with a character outside the pattern (`.`, a
/// space, `é`, `名`); tag keys and values at 126..=130 and 253..=257 characters or empty; and
/// 18..=23 tags around the limit of 20. Under the seed these are all valid (or A6 for empty
/// tag members); under `current` they straddle `cur.name.pattern`, `cur.tags.key.length`,
/// `cur.tags.value.length` and `cur.tags.max-count`.
pub fn current_limits() -> impl Strategy<Value = Members> {
    use rules::current::{NAME_MAX_CHARS, TAGS_MAX};
    // The run-unique tag is part of the length under test: the drawn part is shorter by it.
    let tag = names::GENERATED_TAG_CHARS;
    let name = prop_oneof![
        pattern_name(NAME_MAX_CHARS - 2 - tag..=NAME_MAX_CHARS + 2 - tag)
            .prop_map(|name| format!("{name}{}", names::MARKER)),
        (pattern_name(1..=20), select(vec![".", " ", "é", "名", "@"]))
            .prop_map(|(name, odd)| format!("{odd}{name}{}", names::MARKER)),
    ];
    let tags = prop_oneof![
        vec(tag_near_current_limits(), 1..4),
        vec(valid_tag(), TAGS_MAX - 2..=TAGS_MAX + 3),
    ];
    (valid_members(), name, proptest::option::of(tags)).prop_map(|(mut members, name, tags)| {
        members.insert("name".into(), Value::String(name));
        if let Some(tags) = tags {
            members.insert("tags".into(), Value::Array(tags));
        }
        members
    })
}
