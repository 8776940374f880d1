//! Bytes that are not one JSON value: a valid body cut, edited or not UTF-8, and almost-JSON that
//! lenient parsers take and RFC 8259 does not.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::raw::render;
use super::valid::valid_members;
use crate::generate::names;
use crate::spec::rules;

/// Bytes that are not one JSON value: a valid body cut short, with a byte inserted, with text
/// after it, in single quotes, or not UTF-8 at all. Some of these edits can land on valid JSON;
/// the oracle sorts them out.
pub fn malformed_json() -> impl Strategy<Value = Vec<u8>> {
    (
        valid_members(),
        any::<prop::sample::Index>(),
        any::<u8>(),
        0..5u8,
    )
        .prop_map(|(members, at, byte, how)| {
            let text =
                serde_json::to_vec(&Value::Object(members)).expect("a JSON value serializes");
            let i = outside_name_marker(&text, at.index(text.len()));
            match how {
                0 => text[..i].to_vec(),
                1 => [&text[..i], &[byte], &text[i..]].concat(),
                2 => [text.as_slice(), b" x"].concat(),
                3 => text
                    .iter()
                    .map(|&b| if b == b'"' { b'\'' } else { b })
                    .collect(),
                _ => [&text[..i], &[0xff, 0xfe], &text[i..]].concat(),
            }
        })
}

/// `at`, or the start of the name marker when `at` falls inside its bytes: an edit there would
/// leave no marker for the name's tag, and a body a parser may still read (bytes that are not
/// UTF-8 inside a string are `either`) must carry a tagged, unique name.
fn outside_name_marker(text: &[u8], at: usize) -> usize {
    let mut marker = [0; 4];
    let marker = names::MARKER.encode_utf8(&mut marker).as_bytes();
    text.windows(marker.len())
        .position(|window| window == marker)
        .filter(|&start| start < at && at < start + marker.len())
        .unwrap_or(at)
}

/// Almost JSON, each a valid body with one thing a lenient parser takes and RFC 8259 does not:
/// comments, trailing commas, `NaN`/`Infinity`, single quotes, unquoted names, hexadecimal,
/// signed or zero-led numbers, invalid escapes, raw control characters, other literals, `=` for
/// `:`, a missing comma, two values. Always malformed: reject.
pub fn almost_json() -> impl Strategy<Value = Vec<u8>> {
    let edit = select(vec![
        "line-comment",
        "block-comment",
        "hash-comment",
        "trailing-comma",
        "trailing-comma-tags",
        "trailing-comma-tag",
        "non-finite",
        "single-quoted-value",
        "single-quoted-name",
        "unquoted-name",
        "odd-number",
        "invalid-escape",
        "raw-control",
        "other-literal",
        "equals",
        "missing-comma",
        "two-values",
    ]);
    (
        valid_members(),
        edit,
        any::<prop::sample::Index>(),
        select(vec![
            "NaN",
            "Infinity",
            "-Infinity",
            "+Infinity",
            "nan",
            "inf",
        ]),
        select(vec![
            "0x1F", "007", "+1", ".5", "5.", "1e", "1_000", "0b1", "1.e3", "- 1",
        ]),
        select(vec![
            "\\x41",
            "\\'",
            "\\a",
            "\\U0001F600",
            "\\u12",
            "\\u00G0",
            "\\0",
            "\\v",
        ]),
        select(vec!['\u{0}', '\t', '\n', '\r', '\u{1b}', '\u{1f}']),
        select(vec![
            "undefined",
            "None",
            "True",
            "False",
            "nil",
            "NULL",
            "tru",
            "nul",
        ]),
    )
        .prop_map(
            |(members, edit, at, non_finite, number, escape, control, literal)| {
                let valid = render(&members, &[]);
                let text = String::from_utf8(valid.clone()).expect("serde_json writes UTF-8");
                // Member boundaries: every `,"` that starts a member (names are plain ASCII).
                let starts: Vec<usize> = rules::MEMBERS
                    .iter()
                    .filter_map(|member| text.find(&format!(",\"{}\":", member.name)))
                    .collect();
                let boundary = if starts.is_empty() {
                    1
                } else {
                    starts[at.index(starts.len())]
                };
                let out = match edit {
                    "line-comment" => {
                        format!("{}// a comment\n{}", &text[..boundary], &text[boundary..])
                    }
                    "block-comment" => {
                        format!("{}/* a comment */{}", &text[..boundary], &text[boundary..])
                    }
                    "hash-comment" => {
                        format!("{}# a comment\n{}", &text[..boundary], &text[boundary..])
                    }
                    "trailing-comma" => format!("{},}}", &text[..text.len() - 1]),
                    "trailing-comma-tags" => String::from_utf8(render(
                        &members,
                        &[("tags", br#"[{"key":"k","value":"v"},]"#.to_vec())],
                    ))
                    .expect("UTF-8"),
                    "trailing-comma-tag" => String::from_utf8(render(
                        &members,
                        &[("tags", br#"[{"key":"k","value":"v",}]"#.to_vec())],
                    ))
                    .expect("UTF-8"),
                    "non-finite" => String::from_utf8(render(
                        &members,
                        &[("dlic_extra", non_finite.as_bytes().to_vec())],
                    ))
                    .expect("UTF-8"),
                    "single-quoted-value" => String::from_utf8(render(
                        &members,
                        &[("security_group_id", b"'sg'".to_vec())],
                    ))
                    .expect("UTF-8"),
                    "single-quoted-name" => text.replacen("\"url\":", "'url':", 1),
                    "unquoted-name" => text.replacen("\"url\":", "url:", 1),
                    "odd-number" => String::from_utf8(render(
                        &members,
                        &[("dlic_extra", number.as_bytes().to_vec())],
                    ))
                    .expect("UTF-8"),
                    "invalid-escape" => String::from_utf8(render(
                        &members,
                        &[("network_id", format!("\"net{escape}\"").into_bytes())],
                    ))
                    .expect("UTF-8"),
                    "raw-control" => String::from_utf8(render(
                        &members,
                        &[("network_id", format!("\"net{control}work\"").into_bytes())],
                    ))
                    .expect("UTF-8"),
                    "other-literal" => String::from_utf8(render(
                        &members,
                        &[("dlic_extra", literal.as_bytes().to_vec())],
                    ))
                    .expect("UTF-8"),
                    "equals" => text.replacen("\"url\":", "\"url\"=", 1),
                    "missing-comma" => format!("{}{}", &text[..boundary], &text[boundary + 1..]),
                    _ => format!("{text}{text}"),
                };
                out.into_bytes()
            },
        )
}
