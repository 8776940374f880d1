//! Proptest strategies for request bodies: one plain function per field or mutation class.
//!
//! Each doc comment says what the strategy leans towards. Mostly-valid input finds more than
//! random noise, so invalid bodies are built by breaking one thing in an otherwise valid body.
//! The strategies do not decide what a server should answer: `oracle` judges every body they
//! make, so a strategy that strays into valid (or MAY) territory never causes a false alarm.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

use super::names;
use crate::spec::rules::{self, SERVICES, URL_MAX_CHARS};

/// Strings matching `regex`, one character class, alone or repeated (`[A-Z]`, `\PC{1,24}`):
/// the strings proptest's `string_regex` draws, from the same random numbers and shrinking the
/// same way, but with the characters collected straight into the `String`. (The regex strategy
/// boxes each character's value tree, turns every character into a byte vector and joins them
/// on each draw, which cost more than the rest of a body; a `&str` used as a strategy also
/// compiles its regex again for every value.)
fn pattern(regex: &str) -> BoxedStrategy<String> {
    use regex_syntax::hir::{Class, HirKind};
    let hir = regex_syntax::Parser::new()
        .parse(regex)
        .expect("a valid regex");
    let (class, lengths) = match hir.kind() {
        HirKind::Repetition(repeated) => {
            let most = repeated.max.expect("a bounded repetition");
            (
                repeated.sub.kind(),
                Some(repeated.min as usize..=most as usize),
            )
        }
        single => (single, None),
    };
    let HirKind::Class(Class::Unicode(class)) = class else {
        panic!("{regex}: a pattern is one character class, alone or repeated")
    };
    let ranges: Vec<_> = class
        .iter()
        .map(|range| range.start()..=range.end())
        .collect();
    let chars = proptest::char::ranges(ranges.into());
    match lengths {
        Some(lengths) => vec(chars, lengths).prop_map(String::from_iter).boxed(),
        None => chars.prop_map(String::from).boxed(),
    }
}

/// A body's members, in the order they will be written.
pub type Members = Map<String, Value>;

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

/// A valid body missing a random non-empty subset of the required members.
pub fn missing_required() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
    )
        .prop_map(|(mut members, missing)| {
            for member in missing {
                members.shift_remove(member);
            }
            members
        })
}

/// Any JSON value that is not a string: `null`, booleans, numbers, arrays and objects.
pub fn non_string_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        vec(pattern("[a-z]{0,8}"), 0..3).prop_map(Value::from),
        pattern("[a-z]{1,8}").prop_map(|text| serde_json::json!({ "value": text })),
    ]
}

/// A valid body with one or more required members given a non-string JSON value.
pub fn wrong_types() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
        vec(non_string_value(), 5),
    )
        .prop_map(|(mut members, wrong, values)| {
            for (member, value) in wrong.into_iter().zip(values) {
                members.insert(member.into(), value);
            }
            members
        })
}

/// Letters that look like Latin ones but are not, as `(latin, look-alike)`: Cyrillic, Cherokee
/// and full-width. The one table of them: [`near_miss_service`] swaps one letter for the first
/// entry of that letter or of its upper case, the structured fuzz bodies swap every letter that
/// has a Cyrillic entry. Written as escapes, since the point of
/// each is that it cannot be told apart on the page.
pub(crate) const LOOK_ALIKES: &[(char, char)] = &[
    ('C', '\u{421}'),  // CYRILLIC CAPITAL LETTER ES
    ('S', '\u{405}'),  // CYRILLIC CAPITAL LETTER DZE
    ('O', '\u{41e}'),  // CYRILLIC CAPITAL LETTER O
    ('T', '\u{422}'),  // CYRILLIC CAPITAL LETTER TE
    ('D', '\u{13a0}'), // CHEROKEE LETTER A
    ('B', '\u{412}'),  // CYRILLIC CAPITAL LETTER VE
    ('R', '\u{13a1}'), // CHEROKEE LETTER E
    ('M', '\u{41c}'),  // CYRILLIC CAPITAL LETTER EM
    ('W', '\u{ff37}'), // FULLWIDTH LATIN CAPITAL LETTER W
    ('P', '\u{420}'),  // CYRILLIC CAPITAL LETTER ER
    ('e', '\u{435}'),  // CYRILLIC SMALL LETTER IE
    ('a', '\u{430}'),  // CYRILLIC SMALL LETTER A
    ('l', '\u{4cf}'),  // CYRILLIC SMALL LETTER PALOCHKA
    ('c', '\u{441}'),  // CYRILLIC SMALL LETTER ES
    ('o', '\u{43e}'),  // CYRILLIC SMALL LETTER O
    ('p', '\u{440}'),  // CYRILLIC SMALL LETTER ER
    ('s', '\u{455}'),  // CYRILLIC SMALL LETTER DZE
];

fn look_alike_of(c: char) -> Option<char> {
    LOOK_ALIKES
        .iter()
        .find(|(latin, _)| *latin == c || *latin == c.to_ascii_uppercase())
        .map(|(_, alike)| *alike)
}

/// A listed service broken in one small way: a letter added, dropped or swapped for a look-alike,
/// a space before or after, a hyphen inside, two values joined, or a truncated prefix.
pub fn near_miss_service() -> impl Strategy<Value = String> {
    let edit = prop_oneof![
        Just("append"),
        Just("drop"),
        Just("look-alike"),
        Just("lead-space"),
        Just("trail-space"),
        Just("hyphen"),
        Just("join"),
        Just("prefix"),
    ];
    (
        service_in_random_case(),
        edit,
        any::<prop::sample::Index>(),
        pattern("[A-Z]"),
    )
        .prop_map(|(service, edit, at, letter)| {
            let chars: Vec<char> = service.chars().collect();
            let i = at.index(chars.len());
            match edit {
                "append" => format!("{service}{letter}"),
                "drop" => chars
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, c)| c)
                    .collect(),
                "look-alike" => {
                    let swappable: Vec<(usize, char)> = chars
                        .iter()
                        .enumerate()
                        .filter_map(|(j, &c)| look_alike_of(c).map(|alike| (j, alike)))
                        .collect();
                    if swappable.is_empty() {
                        return format!("{service}\u{425}");
                    }
                    let (j, alike) = swappable[at.index(swappable.len())];
                    chars
                        .iter()
                        .enumerate()
                        .map(|(k, &c)| if k == j { alike } else { c })
                        .collect()
                }
                "lead-space" => format!(" {service}"),
                "trail-space" => format!("{service} "),
                "hyphen" => {
                    let (head, tail) = chars.split_at(i.max(1));
                    format!(
                        "{}-{}",
                        head.iter().collect::<String>(),
                        tail.iter().collect::<String>()
                    )
                }
                "join" => format!("{service},{service}"),
                _ => chars[..i.max(1).min(chars.len() - 1)].iter().collect(),
            }
        })
}

/// Unknown services: short random words, leaning to upper-case ASCII like the listed ones.
pub fn unknown_service() -> impl Strategy<Value = String> {
    prop_oneof![
        pattern("[A-Z]{2,6}"),
        pattern("[A-Za-z.]{1,20}"),
        pattern("\\PC{1,8}")
    ]
}

/// `tags` broken in a way the spec forbids: not an array, an element that is not an object, a
/// missing key or value, or a key or value that is not a string.
pub fn malformed_tags() -> impl Strategy<Value = Value> {
    let bad_element = prop_oneof![
        non_string_value().prop_filter("objects are tags", |v| !v.is_object()),
        free_text().prop_map(Value::String),
        free_text().prop_map(|value| serde_json::json!({ "value": value })),
        free_text().prop_map(|key| serde_json::json!({ "key": key })),
        (non_string_value(), free_text())
            .prop_map(|(key, value)| serde_json::json!({"key": key, "value": value})),
        (free_text(), non_string_value())
            .prop_map(|(key, value)| serde_json::json!({"key": key, "value": value})),
    ];
    prop_oneof![
        non_string_value().prop_filter("arrays may be valid", |v| !v.is_array()),
        free_text().prop_map(Value::String),
        (vec(valid_tag(), 0..3), bad_element, vec(valid_tag(), 0..3)).prop_map(
            |(mut before, bad, after)| {
                before.push(bad);
                before.extend(after);
                Value::Array(before)
            }
        ),
    ]
}

/// A body that is JSON but not an object: arrays (some holding a valid body), strings, numbers,
/// booleans and `null`.
pub fn non_object_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        valid_members().prop_map(|members| Value::Array(vec![Value::Object(members)])),
        non_string_value().prop_filter("objects are bodies", |v| !v.is_object()),
        free_text().prop_map(Value::String),
    ]
}

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

/// Member names the spec does not list, leaning to plausible ones (`description`, `Name`).
pub fn unknown_member() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "description",
            "Name",
            "URL",
            "tag",
            "connection_id",
            "queue",
            "options"
        ])
        .prop_map(str::to_owned),
        pattern("[a-z_]{1,12}"),
    ]
    .prop_filter("a listed member is not unknown", |name| {
        !rules::is_known_member(name)
    })
}

/// A valid body plus 1..4 unknown members of any JSON type (A5).
pub fn unknown_members() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        vec(
            (
                unknown_member(),
                prop_oneof![free_text().prop_map(Value::String), non_string_value()],
            ),
            1..4,
        ),
    )
        .prop_map(|(mut members, extra)| {
            members.extend(extra);
            members
        })
}

/// A valid body with a random non-empty subset of the required members set to `""` (A6).
pub fn empty_strings() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
    )
        .prop_map(|(mut members, emptied)| {
            for member in emptied {
                members.insert(member.into(), Value::String(String::new()));
            }
            members
        })
}

/// `ct` (the page example's service, A2) in random casing.
pub fn ct_alias() -> impl Strategy<Value = Value> {
    select(vec!["ct", "CT", "Ct", "cT"]).prop_map(Value::from)
}

/// A body's members as JSON text, in order, with some values given as raw JSON text instead:
/// `raw` maps a member name to the exact bytes of its value. Unlike `serde_json`, it writes any
/// text it is given (escapes of lone surrogates, thousands of nested brackets, huge numbers).
pub fn render(members: &Members, raw: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    let mut first = true;
    let mut write = |out: &mut Vec<u8>, name: &str, value: &[u8]| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        out.extend_from_slice(&serde_json::to_vec(name).expect("a string serializes"));
        out.push(b':');
        out.extend_from_slice(value);
    };
    for (name, value) in members {
        match raw.iter().find(|(raw_name, _)| raw_name == name) {
            Some((_, text)) => write(&mut out, name, text),
            None => write(
                &mut out,
                name,
                &serde_json::to_vec(value).expect("a JSON value serializes"),
            ),
        }
    }
    for (name, text) in raw {
        if !members.contains_key(*name) {
            write(&mut out, name, text);
        }
    }
    out.push(b'}');
    out
}

/// Where a raw value goes: a required string member, a tag's key or value, or an unknown member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// A required string member of the body (`name`, `url`, ...).
    Member(&'static str),
    /// The `key` or `value` of a one-tag `tags` array.
    Tag(&'static str),
    /// A member the spec does not list (A5).
    Unknown,
}

/// A valid body with `text` (raw JSON) at `spot`.
pub fn placed(members: &Members, spot: Spot, text: Vec<u8>) -> Vec<u8> {
    match spot {
        Spot::Member(name) => render(members, &[(name, text)]),
        Spot::Tag(member) => {
            let other = rules::TAG_MEMBERS
                .iter()
                .find(|tag| tag.name != member)
                .map_or("value", |tag| tag.name);
            let mut tag = format!("[{{\"{member}\":").into_bytes();
            tag.extend_from_slice(&text);
            tag.extend_from_slice(format!(",\"{other}\":\"dlic-tag\"}}]").as_bytes());
            render(members, &[("tags", tag)])
        }
        Spot::Unknown => render(members, &[("dlic_extra", text)]),
    }
}

/// A spot for a string: mostly `name`, `security_group_id`, `network_id`, `url` or a tag member;
/// sometimes `service`, where any unusual string is an unlisted service.
pub fn string_spot() -> impl Strategy<Value = Spot> {
    prop_oneof![
        6 => select(
            rules::required_text_names()
                .into_iter()
                .filter(|name| *name != "service")
                .collect::<Vec<_>>()
        )
        .prop_map(Spot::Member),
        2 => select(rules::TAG_MEMBERS.iter().map(|tag| tag.name).collect::<Vec<_>>())
            .prop_map(Spot::Tag),
        1 => Just(Spot::Member("service")),
    ]
}

/// A spot for a value of any type: mostly an unknown member (A5), sometimes a required member or
/// a tag member (where anything but a string breaks a type rule).
pub fn value_spot() -> impl Strategy<Value = Spot> {
    prop_oneof![
        8 => Just(Spot::Unknown),
        1 => select(rules::required_text_names()).prop_map(Spot::Member),
        1 => select(rules::TAG_MEMBERS.iter().map(|tag| tag.name).collect::<Vec<_>>())
            .prop_map(Spot::Tag),
    ]
}

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

/// `c` as JSON `\u` escapes (a surrogate pair above U+FFFF).
pub fn json_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|unit| format!("\\u{unit:04X}"))
        .collect()
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

/// Characters NFKC (compatibility) normalisation maps to `c`, an ASCII letter or `.`: fullwidth,
/// mathematical bold, sans-serif bold and monospace, circled, Roman numeral and modifier forms.
/// None of them maps to `c` under Unicode case mapping (a test checks both with ICU).
pub fn compatibility_forms(c: char) -> Vec<char> {
    let from = |base: u32, offset: u32| char::from_u32(base + offset).expect("in the block");
    let mut forms = Vec::new();
    if c.is_ascii_uppercase() {
        let i = u32::from(c) - u32::from('A');
        forms.extend([0xFF21, 0x1D400, 0x1D5D4, 0x1D670, 0x24B6].map(|base| from(base, i)));
    } else if c.is_ascii_lowercase() {
        let i = u32::from(c) - u32::from('a');
        forms.extend([0xFF41, 0x1D41A, 0x1D5EE, 0x1D68A, 0x24D0].map(|base| from(base, i)));
    }
    forms.extend(match c {
        'C' => &['\u{216D}'][..],
        'D' => &['\u{216E}', '\u{1D30}'],
        'M' => &['\u{216F}', '\u{1D39}'],
        'L' => &['\u{216C}', '\u{1D38}'],
        'T' => &['\u{1D40}'],
        'B' => &['\u{1D2E}'],
        'O' => &['\u{1D3C}'],
        'P' => &['\u{1D3E}'],
        'R' => &['\u{1D3F}'],
        'W' => &['\u{1D42}'],
        'E' => &['\u{1D31}'],
        'c' => &['\u{217D}'],
        'd' => &['\u{217E}', '\u{1D48}'],
        'l' => &['\u{217C}', '\u{2E1}'],
        'b' => &['\u{1D47}'],
        'e' => &['\u{1D49}'],
        'o' => &['\u{1D52}'],
        'p' => &['\u{1D56}'],
        't' => &['\u{1D57}'],
        'u' => &['\u{1D58}'],
        's' => &['\u{2E2}'],
        'w' => &['\u{2B7}'],
        'r' => &['\u{2B3}'],
        '.' => &['\u{FF0E}', '\u{2024}'],
        _ => &[],
    });
    forms
}

/// Characters whose Unicode case mapping (`to_uppercase`, `to_lowercase`) lands on ASCII
/// letters while they are not ASCII: long s, dotless i, the Kelvin sign, sharp s (`SS`).
pub const CASE_MAPPED: &[(&str, char)] = &[
    ("s", '\u{17F}'),
    ("i", '\u{131}'),
    ("k", '\u{212A}'),
    ("ss", '\u{DF}'),
];

/// A listed service made to look listed through Unicode: a letter (or all of them) swapped for a
/// compatibility form that NFKC maps back (reject: `req.service.enum`), an `s` for `ſ` or an `ss`
/// for `ß` (equal under Unicode case mapping: either, see the oracle), or a zero-width or
/// combining character inside (reject).
pub fn service_unicode() -> impl Strategy<Value = String> {
    (
        service_in_random_case(),
        select(vec![
            "compat-one",
            "compat-all",
            "case-map",
            "zero-width",
            "combining",
        ]),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(service, edit, at, pick)| {
            let chars: Vec<char> = service.chars().collect();
            let swap_one = |chars: &[char]| -> String {
                let swappable: Vec<usize> = (0..chars.len())
                    .filter(|&i| !compatibility_forms(chars[i]).is_empty())
                    .collect();
                let i = swappable[at.index(swappable.len())];
                let forms = compatibility_forms(chars[i]);
                let mut out = chars.to_vec();
                out[i] = forms[pick.index(forms.len())];
                out.into_iter().collect()
            };
            match edit {
                "compat-one" => swap_one(&chars),
                "compat-all" => chars
                    .iter()
                    .map(|&c| {
                        let forms = compatibility_forms(c);
                        if forms.is_empty() {
                            c
                        } else {
                            forms[pick.index(forms.len())]
                        }
                    })
                    .collect(),
                "case-map" => {
                    let lower = service.to_ascii_lowercase();
                    let mapped = CASE_MAPPED.iter().find_map(|(ascii, special)| {
                        lower.find(ascii).map(|i| {
                            format!("{}{special}{}", &service[..i], &service[i + ascii.len()..])
                        })
                    });
                    mapped.unwrap_or_else(|| swap_one(&chars))
                }
                "zero-width" => {
                    let mut out = chars.clone();
                    let zero = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];
                    out.insert(at.index(out.len() + 1), zero[pick.index(zero.len())]);
                    out.into_iter().collect()
                }
                _ => {
                    let mut out = chars.clone();
                    let marks = ['\u{301}', '\u{307}', '\u{338}', '\u{34F}'];
                    out.insert(at.index(out.len()) + 1, marks[pick.index(marks.len())]);
                    out.into_iter().collect()
                }
            }
        })
}

/// A member name in another case: all upper, capitalised parts, letters flipped at random, or a
/// letter swapped for one that Unicode case mapping folds onto it (`ſervice`); never the name.
pub fn case_variant(name: &'static str) -> impl Strategy<Value = String> {
    (
        select(vec!["upper", "capitalised", "flipped", "unicode"]),
        vec(any::<bool>(), 24),
    )
        .prop_map(move |(how, flips)| {
            let variant: String = match how {
                "upper" => name.to_ascii_uppercase(),
                "capitalised" => name
                    .split('_')
                    .map(|part| {
                        let mut chars = part.chars();
                        chars.next().map_or(String::new(), |first| {
                            first.to_ascii_uppercase().to_string() + chars.as_str()
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("_"),
                "flipped" => name
                    .chars()
                    .zip(flips.iter().cycle())
                    .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c })
                    .collect(),
                _ => CASE_MAPPED
                    .iter()
                    .filter(|(ascii, _)| ascii.len() == 1)
                    .find_map(|(ascii, special)| {
                        name.find(ascii)
                            .map(|i| format!("{}{special}{}", &name[..i], &name[i + 1..]))
                    })
                    .unwrap_or_default(),
            };
            if variant == name || variant.is_empty() {
                name.to_ascii_uppercase()
            } else {
                variant
            }
        })
}

/// A valid body with 1..=3 members (required ones, or `tags`) renamed to another case, the real
/// ones absent: a required member is then missing (reject); a renamed `tags` is an unknown
/// member (A5: either).
pub fn member_name_case() -> impl Strategy<Value = Members> {
    let names: Vec<&'static str> = rules::MEMBERS.iter().map(|member| member.name).collect();
    (valid_members(), proptest::sample::subsequence(names, 1..=3))
        .prop_flat_map(|(members, renamed)| {
            let variants: Vec<_> = renamed.iter().map(|&name| case_variant(name)).collect();
            (Just(members), Just(renamed), variants)
        })
        .prop_map(|(mut members, renamed, variants)| {
            for (name, variant) in renamed.into_iter().zip(variants) {
                let value = members
                    .shift_remove(name)
                    .unwrap_or_else(|| serde_json::json!([]));
                members.insert(variant, value);
            }
            members
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_are_nfkc_forms_and_no_case_mappings() {
        let nfkc = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc();
        for c in ('A'..='Z').chain('a'..='z').chain(['.']) {
            for form in compatibility_forms(c) {
                assert!(!form.is_ascii(), "{c}: {form}");
                assert_eq!(
                    nfkc.normalize(&form.to_string()),
                    c.to_string(),
                    "{c}: {form:?}"
                );
                let cased = [
                    form.to_uppercase().to_string(),
                    form.to_lowercase().to_string(),
                ];
                assert!(
                    cased
                        .iter()
                        .all(|m| !m.eq_ignore_ascii_case(&c.to_string())),
                    "{form:?}"
                );
            }
        }
        for (ascii, special) in CASE_MAPPED {
            let mapped = [
                special.to_uppercase().to_string(),
                special.to_lowercase().to_string(),
            ];
            assert!(
                mapped.iter().any(|m| m.eq_ignore_ascii_case(ascii)),
                "{special:?}"
            );
        }
    }
}
