//! Whitespace of every kind: JSON's own between tokens, Unicode's other whitespace and the byte
//! order mark, around values and between tokens.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::raw::render;
use super::valid::{url_of_chars, valid_members};
use crate::spec::rules::URL_MAX_CHARS;

/// The whitespace of JSON text (RFC 8259 §2): space, tab, line feed, carriage return.
pub const JSON_WHITESPACE: &[char] = &[' ', '\t', '\n', '\r'];

/// Whitespace that is not JSON's: the rest of Unicode's `White_Space` (vertical tab, form feed,
/// next line, no-break space, the typographic spaces, line and paragraph separators, ideographic
/// space), the byte order mark, and characters trimmed or collapsed like whitespace (Mongolian
/// vowel separator, zero-width space, word joiner, the separators `\x1c`-`\x1f` Python strips).
pub const OTHER_WHITESPACE: &[char] = &[
    '\u{B}', '\u{C}', '\u{1C}', '\u{1D}', '\u{1E}', '\u{1F}', '\u{85}', '\u{A0}', '\u{1680}',
    '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}',
    '\u{2008}', '\u{2009}', '\u{200A}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
    '\u{FEFF}', '\u{180E}', '\u{200B}', '\u{2060}',
];

/// Any whitespace character, JSON's or not.
pub fn any_whitespace() -> impl Strategy<Value = char> {
    prop_oneof![
        1 => select(JSON_WHITESPACE),
        3 => select(OTHER_WHITESPACE),
    ]
}

/// Padding of 1..=4 whitespace characters on one side or both.
fn padding() -> impl Strategy<Value = (String, String)> {
    (
        vec(any_whitespace(), 0..=4),
        vec(any_whitespace(), 0..=4),
        any::<bool>(),
    )
        .prop_map(|(left, right, left_only)| {
            let (mut left, right): (String, String) =
                (left.into_iter().collect(), right.into_iter().collect());
            if left.is_empty() && right.is_empty() {
                left.push(' ');
            }
            if left_only {
                (left, String::new())
            } else {
                (left, right)
            }
        })
}

/// Valid values padded with whitespace of every kind, and bodies with whitespace between tokens:
/// - a padded `service` (never listed: reject), a padded url of 505..=512 characters (over 512
///   with its padding: reject), padded names, ids and tag members (accept);
/// - JSON whitespace between every token (accept), or one other whitespace character among it
///   (not JSON: reject), or a byte order mark before the body (RFC 8259 lets a parser skip it:
///   either).
pub fn whitespace_padding() -> impl Strategy<Value = Vec<u8>> {
    let padded_member = (
        valid_members(),
        select(vec![
            "name",
            "service",
            "security_group_id",
            "network_id",
            "url",
            "key",
            "value",
        ]),
        padding(),
        url_of_chars(URL_MAX_CHARS - 7..=URL_MAX_CHARS),
    )
        .prop_map(|(mut members, member, (left, right), url)| {
            let core = match member {
                "name" => members["name"].as_str().unwrap_or_default().to_owned(),
                "url" => url,
                "key" | "value" => "dlic-tag".to_owned(),
                other => members[other].as_str().unwrap_or_default().to_owned(),
            };
            let padded = Value::String(format!("{left}{core}{right}"));
            if let "key" | "value" = member {
                let other = if member == "key" { "value" } else { "key" };
                members.insert(
                    "tags".into(),
                    serde_json::json!([{member: padded, other: "v"}]),
                );
            } else {
                members.insert(member.into(), padded);
            }
            render(&members, &[])
        });
    let between_tokens = (
        valid_members(),
        vec(vec(select(JSON_WHITESPACE), 0..=3), 24),
        proptest::option::weighted(
            0.3,
            (any::<prop::sample::Index>(), select(OTHER_WHITESPACE)),
        ),
        proptest::option::weighted(0.2, Just('\u{FEFF}')),
    )
        .prop_map(|(members, gaps, other, bom)| {
            let mut gaps: Vec<String> = gaps.into_iter().map(String::from_iter).collect();
            if let Some((at, c)) = other {
                let at = at.index(gaps.len());
                gaps[at].push(c);
            }
            let mut gaps = gaps.into_iter().cycle();
            let mut gap = || gaps.next().unwrap_or_default();
            let mut text = String::new();
            if let Some(bom) = bom {
                text.push(bom);
            }
            text.push_str(&gap());
            text.push('{');
            for (i, (name, value)) in members.iter().enumerate() {
                if i > 0 {
                    text.push_str(&gap());
                    text.push(',');
                }
                text.push_str(&gap());
                text.push_str(&serde_json::to_string(name).expect("a string serializes"));
                text.push_str(&gap());
                text.push(':');
                text.push_str(&gap());
                text.push_str(&serde_json::to_string(value).expect("a JSON value serializes"));
            }
            text.push_str(&gap());
            text.push('}');
            text.push_str(&gap());
            text.into_bytes()
        });
    prop_oneof![3 => padded_member, 1 => between_tokens]
}
