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

use crate::rules::{self, SERVICES, URL_MAX_CHARS};

/// Strings matching `regex`, compiled once here: a `&str` used as a strategy compiles its regex
/// again for every value it draws, which cost more than the rest of a draw.
fn pattern(regex: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(regex).expect("a valid regex")
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
        free_text(),
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
            let i = at.index(text.len());
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
    let name = prop_oneof![
        pattern_name(NAME_MAX_CHARS - 2..=NAME_MAX_CHARS + 2),
        (pattern_name(1..=20), select(vec![".", " ", "é", "名", "@"]))
            .prop_map(|(name, odd)| format!("{odd}{name}")),
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
