//! Values at the edges of parsers: deep nesting, number literals no double holds, and strings
//! with controls, surrogate escapes, non-characters and invisible characters.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::raw::{json_escape, placed, string_spot, value_spot, Spot};
use super::valid::valid_members;
use crate::generate::names;

/// Nesting depths, leaning to the limits parsers set (64 in .NET, 100 in Ruby, 128 in serde_json,
/// 512, 1000 in Jackson and Python, 10 000 in Go) and one either side of them, up to 5000.
pub fn nesting_depth() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => select(vec![
            63, 64, 65, 99, 100, 101, 127, 128, 129, 255, 256, 257, 511, 512, 513, 999, 1000,
            1001, 1024, 2048, 4096, 5000,
        ]),
        1 => 1..=5000usize,
    ]
}

/// A JSON value nested `depth` levels deep: arrays, objects (`{"a":...}`) or both in turn, around
/// a scalar or an empty container.
pub fn nested_value() -> impl Strategy<Value = Vec<u8>> {
    (
        nesting_depth(),
        select(vec!["arrays", "objects", "mixed"]),
        select(vec!["1", "\"x\"", "null", "[]", "{}"]),
    )
        .prop_map(|(depth, shape, core)| {
            let mut open = Vec::with_capacity(depth * 5);
            let mut close = Vec::with_capacity(depth);
            for level in 0..depth {
                let array = match shape {
                    "arrays" => true,
                    "objects" => false,
                    _ => level % 2 == 0,
                };
                if array {
                    open.push(b'[');
                    close.push(b']');
                } else {
                    open.extend_from_slice(b"{\"a\":");
                    close.push(b'}');
                }
            }
            close.reverse();
            [open, core.as_bytes().to_vec(), close].concat()
        })
}

/// A valid body with a deeply nested value: mostly as an unknown member (A5: either, never 5xx),
/// sometimes as a required or tag member (a type error: reject).
pub fn deep_nesting() -> impl Strategy<Value = Vec<u8>> {
    (valid_members(), value_spot(), nested_value())
        .prop_map(|(members, spot, value)| placed(&members, spot, value))
}

/// Number literals no double holds: integers of 17 to 6000 digits (Python stops converting at
/// 4300), exponents up to ±9 223 372 036 854 775 808, fractions of 1000 digits, and `-0`.
pub fn huge_number() -> impl Strategy<Value = String> {
    let digits = |count: usize, seed: u8| -> String {
        (0..count)
            .map(|i| char::from(b'0' + ((i * 7 + usize::from(seed)) % 10) as u8))
            .collect()
    };
    prop_oneof![
        (
            prop_oneof![
                select(vec![17usize, 19, 20, 39, 309, 400, 1000, 4300, 4301, 5000]),
                17..=6000usize
            ],
            any::<u8>(),
            any::<bool>()
        )
            .prop_map(move |(count, seed, negative)| {
                let sign = if negative { "-" } else { "" };
                format!("{sign}9{}", digits(count - 1, seed))
            }),
        (
            select(vec![
                "308",
                "309",
                "400",
                "-324",
                "-400",
                "999999",
                "-999999",
                "2147483648",
                "9223372036854775808",
                "-9223372036854775809",
            ]),
            select(vec!["1", "-1", "1.5", "9.99"]),
            select(vec!["e", "E", "e+"]),
        )
            .prop_map(|(exponent, mantissa, e)| {
                let e = if exponent.starts_with('-') {
                    e.trim_end_matches('+')
                } else {
                    e
                };
                format!("{mantissa}{e}{exponent}")
            }),
        (1..=1000usize, any::<u8>())
            .prop_map(move |(count, seed)| format!("0.{}1", digits(count, seed))),
        select(vec!["-0", "-0.0", "-0e0", "0e-999999", "1E+2", "1e-0"]).prop_map(str::to_owned),
    ]
}

/// A valid body with huge or long numbers: as an unknown member, alone or in an array (A5),
/// sometimes as a required or tag member (a type error: reject).
pub fn huge_numbers() -> impl Strategy<Value = Vec<u8>> {
    (
        valid_members(),
        value_spot(),
        vec(huge_number(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(members, spot, numbers, array)| {
            let text = if array || numbers.len() > 1 {
                format!("[{}]", numbers.join(","))
            } else {
                numbers[0].clone()
            };
            placed(&members, spot, text.into_bytes())
        })
}

/// One piece of an odd string, as JSON string-token text.
fn odd_piece() -> impl Strategy<Value = String> {
    let escaped = |unit: u32| format!("\\u{unit:04X}");
    prop_oneof![
        // Plain letters keep the oddities apart.
        4 => "[a-z]{1,4}",
        // NUL and the other C0 controls, escaped as `\u` or the short escapes; DEL and C1 raw.
        2 => prop_oneof![
            Just("\\u0000".to_owned()),
            (1u32..0x20).prop_map(escaped),
            select(vec!["\\b", "\\f", "\\n", "\\r", "\\t", "\\/", "\\\\", "\\\""]).prop_map(str::to_owned),
            select(vec!['\u{7f}', '\u{80}', '\u{85}', '\u{9f}']).prop_map(String::from),
        ],
        // Surrogates: lone high, lone low, reversed, and well-formed pairs.
        2 => prop_oneof![
            (0xD800u32..=0xDBFF).prop_map(escaped),
            (0xDC00u32..=0xDFFF).prop_map(escaped),
            Just("\\uDD1E\\uD834".to_owned()),
            Just("\\uD834\\uDD1E".to_owned()),
            Just("\\uD83D\\uDE00".to_owned()),
            Just("\\uDBFF\\uDFFF".to_owned()),
        ],
        // Non-characters, raw and escaped.
        1 => (
            select(vec!['\u{FFFE}', '\u{FFFF}', '\u{FDD0}', '\u{FDEF}', '\u{1FFFE}', '\u{10FFFF}']),
            any::<bool>(),
        )
            .prop_map(|(c, raw)| if raw { String::from(c) } else { json_escape(c) }),
        // Bidi controls and zero-width characters.
        2 => select(vec![
            '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{061C}', '\u{200B}', '\u{200C}',
            '\u{200D}', '\u{2060}', '\u{FEFF}',
        ])
        .prop_map(String::from),
    ]
}

/// A valid body with one string member holding NUL and other controls, lone or paired surrogate
/// escapes, non-characters, bidi controls or zero-width characters (valid JSON: accept; a lone
/// surrogate: either; in `service`: reject), sometimes a raw control character (malformed).
pub fn odd_strings() -> impl Strategy<Value = Vec<u8>> {
    (
        valid_members(),
        string_spot(),
        vec(odd_piece(), 1..6),
        proptest::option::weighted(0.1, select(vec!['\u{0}', '\u{1}', '\t', '\n', '\u{1f}'])),
    )
        .prop_map(|(members, spot, mut pieces, raw_control)| {
            if let Some(control) = raw_control {
                // A raw control character: not allowed in a JSON string (malformed).
                pieces.insert(pieces.len() / 2, control.to_string());
            }
            let mut token = format!("\"{}", pieces.concat());
            if spot == Spot::Member("name") {
                token.push(names::MARKER);
            }
            token.push('"');
            placed(&members, spot, token.into_bytes())
        })
}
