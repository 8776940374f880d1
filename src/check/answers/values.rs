//! JSON values as a server holds them before writing ([`Json`]: strings as UTF-16 code units, so
//! lone surrogates fit), the [`Writer`] that writes them taking every free choice of RFC 8259
//! (whitespace, escape form, hex case) from a tape, and the strategies over strings, numbers,
//! values, extra members and `connection_id`s, conformant or not. It takes nothing but proptest
//! and gives its neighbours `conformant.rs` and `perturbed.rs` the values they build bodies from;
//! `mod.rs` re-exports the public ones as `check::answers::...`.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::check::is_uuid;

/// A JSON value as a server may hold it before writing: strings are UTF-16 code units, so they
/// can hold lone surrogates as JavaScript's and Python's strings can; numbers are their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (any form the grammar allows).
    Number(String),
    /// A string's code units.
    String(Vec<u16>),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in order (names may repeat).
    Object(Vec<(Vec<u16>, Json)>),
}

impl Json {
    pub(super) fn text(text: &str) -> Json {
        Json::String(text.encode_utf16().collect())
    }

    /// True for a value that reads as a non-empty string.
    pub(super) fn is_nonempty_string(&self) -> bool {
        matches!(self, Json::String(units) if !units.is_empty())
    }
}

/// Writes JSON texts, taking each free choice (whitespace, escape form, hex case) from a tape of
/// bytes, cyclically; an empty tape takes the plainest choice everywhere.
pub struct Writer<'a> {
    pub(super) tape: &'a [u8],
    at: usize,
    out: Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer taking its choices from `tape`.
    pub fn new(tape: &'a [u8]) -> Writer<'a> {
        Writer {
            tape,
            at: 0,
            out: Vec::new(),
        }
    }

    /// The next choice among `n` (0 when the tape is empty).
    pub(super) fn choose(&mut self, n: u8) -> u8 {
        if self.tape.is_empty() {
            return 0;
        }
        let byte = self.tape[self.at % self.tape.len()];
        self.at += 1;
        byte % n
    }

    /// Whitespace between tokens: mostly none, sometimes any mix of the four RFC 8259 allows.
    pub(super) fn whitespace(&mut self) {
        let ws: &[u8] = match self.choose(8) {
            0..=4 => b"",
            5 => b" ",
            6 => b"\n  ",
            _ => b"\r\n\t ",
        };
        self.out.extend_from_slice(ws);
    }

    /// `value`, with whitespace around it.
    pub fn value(&mut self, value: &Json) {
        self.whitespace();
        match value {
            Json::Null => self.out.extend_from_slice(b"null"),
            Json::Bool(true) => self.out.extend_from_slice(b"true"),
            Json::Bool(false) => self.out.extend_from_slice(b"false"),
            Json::Number(text) => self.out.extend_from_slice(text.as_bytes()),
            Json::String(units) => self.string(units),
            Json::Array(items) => {
                self.out.push(b'[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        self.out.push(b',');
                    }
                    self.value(item);
                }
                if items.is_empty() {
                    self.whitespace();
                }
                self.out.push(b']');
            }
            Json::Object(members) => {
                self.out.push(b'{');
                for (at, (name, item)) in members.iter().enumerate() {
                    if at > 0 {
                        self.out.push(b',');
                    }
                    self.whitespace();
                    self.string(name);
                    self.whitespace();
                    self.out.push(b':');
                    self.value(item);
                }
                if members.is_empty() {
                    self.whitespace();
                }
                self.out.push(b'}');
            }
        }
        self.whitespace();
    }

    /// A string token: each character written as itself where the grammar lets it, or as a short
    /// escape, or as `\u` escapes in either hex case; lone surrogates only as `\u` escapes.
    pub(super) fn string(&mut self, units: &[u16]) {
        self.out.push(b'"');
        for unit in char::decode_utf16(units.iter().copied()) {
            match unit {
                Ok(c) => self.char(c),
                Err(lone) => self.unicode_escape(lone.unpaired_surrogate()),
            }
        }
        self.out.push(b'"');
    }

    pub(super) fn char(&mut self, c: char) {
        let short = match c {
            '"' => Some(b'"'),
            '\\' => Some(b'\\'),
            '/' => Some(b'/'),
            '\u{8}' => Some(b'b'),
            '\u{c}' => Some(b'f'),
            '\n' => Some(b'n'),
            '\r' => Some(b'r'),
            '\t' => Some(b't'),
            _ => None,
        };
        let literal = !matches!(c, '"' | '\\' | '\0'..='\u{1f}');
        match self.choose(4) {
            0 | 1 if literal => {
                let mut buffer = [0; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
            0 | 2 if short.is_some() => self.out.extend([b'\\', short.unwrap_or(b'\\')]),
            _ => {
                let mut buffer = [0; 2];
                for unit in c.encode_utf16(&mut buffer) {
                    self.unicode_escape(*unit);
                }
            }
        }
    }

    pub(super) fn unicode_escape(&mut self, unit: u16) {
        let escape = if self.choose(2) == 0 {
            format!("\\u{unit:04x}")
        } else {
            format!("\\u{unit:04X}")
        };
        self.out.extend_from_slice(escape.as_bytes());
    }

    /// The text written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Code units of one character, leaning towards the ones writers treat specially: ASCII, the
/// characters with short escapes, control characters, astral characters (surrogate pairs) and
/// lone surrogates.
pub(super) fn units() -> impl Strategy<Value = Vec<u16>> {
    let char_units = |c: char| c.encode_utf16(&mut [0; 2]).to_vec();
    prop_oneof![
        6 => (0x20u8..0x7f).prop_map(|b| vec![u16::from(b)]),
        2 => select(&['"', '\\', '/', '\u{8}', '\u{c}', '\n', '\r', '\t', '\0', '\u{1f}', '\u{7f}'][..])
            .prop_map(char_units),
        2 => any::<char>().prop_map(char_units),
        1 => (0xD800u16..0xE000).prop_map(|lone| vec![lone]),
    ]
}

/// Any string's code units (empty too), up to 12 characters.
pub fn string() -> impl Strategy<Value = Vec<u16>> {
    vec(units(), 0..12).prop_map(|parts| parts.concat())
}

/// A string that never reads as a quota refusal's message (so that a conformant error answer is
/// never taken for one).
pub(super) fn message_string() -> impl Strategy<Value = Vec<u16>> {
    string().prop_filter("says nothing of a quota", |units| {
        let text = String::from_utf16_lossy(units).to_lowercase();
        !text.contains("quota") && !text.contains("配额")
    })
}

/// A number in any form the grammar allows: sign, leading zero, fraction, exponent in any case
/// and sign, and sizes past binary64 (long integers, huge and tiny exponents).
pub fn number() -> impl Strategy<Value = String> {
    let integer = prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,30}"];
    let fraction = proptest::option::of("\\.[0-9]{1,20}");
    let exponent = proptest::option::of("[eE][+-]?[0-9]{1,4}");
    (any::<bool>(), integer, fraction, exponent).prop_map(|(minus, integer, fraction, exponent)| {
        let sign = if minus { "-" } else { "" };
        format!(
            "{sign}{integer}{}{}",
            fraction.unwrap_or_default(),
            exponent.unwrap_or_default()
        )
    })
}

/// Any JSON value: scalars, and arrays and objects nested a few levels, with now and then an
/// array nested hundreds deep (past the 128 levels serde_json stops at).
pub fn json() -> impl Strategy<Value = Json> {
    let deep = (100usize..400).prop_map(|depth| {
        (0..depth).fold(Json::Array(Vec::new()), |inner, _| Json::Array(vec![inner]))
    });
    let leaf = prop_oneof![
        3 => Just(Json::Null),
        3 => any::<bool>().prop_map(Json::Bool),
        3 => number().prop_map(Json::Number),
        3 => string().prop_map(Json::String),
        1 => deep,
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Json::Array),
            vec((string(), inner), 0..4).prop_map(Json::Object),
        ]
    })
}

/// A JSON value that is not a string.
pub(super) fn non_string() -> impl Strategy<Value = Json> {
    json().prop_filter("not a string", |value| !matches!(value, Json::String(_)))
}

/// A JSON value that is not an object.
pub(super) fn non_object() -> impl Strategy<Value = Json> {
    json().prop_filter("not an object", |value| !matches!(value, Json::Object(_)))
}

/// Extra members, named anything but `known` (names compared as a reader decodes them).
pub(super) fn extras(
    known: &'static [&'static str],
) -> impl Strategy<Value = Vec<(Vec<u16>, Json)>> {
    let name = prop_oneof![
        select(
            &[
                "request_id",
                "error_details",
                "data",
                "is_success",
                "message",
                "code",
                ""
            ][..]
        )
        .prop_map(|name| name.encode_utf16().collect()),
        string(),
    ];
    vec((name, json()), 0..4).prop_map(move |members| {
        members
            .into_iter()
            .filter(|(name, _)| !known.contains(&String::from_utf16_lossy(name).as_str()))
            .collect()
    })
}

/// A UUID in the RFC 9562 string form, each hex letter upper- or lower-case.
pub(super) fn uuid_string() -> impl Strategy<Value = String> {
    (any::<u128>(), any::<u32>())
        .prop_map(|(id, case)| cased(&uuid::Uuid::from_u128(id).hyphenated().to_string(), case))
}

/// A `connection_id` value that is no UUID string: another type, another UUID form, or any
/// other string.
pub(super) fn not_a_uuid() -> impl Strategy<Value = Json> {
    let other_forms = any::<u128>().prop_flat_map(|id| {
        let id = uuid::Uuid::from_u128(id);
        select(vec![
            id.simple().to_string(),
            id.braced().to_string(),
            id.urn().to_string(),
            format!(" {id}"),
        ])
    });
    prop_oneof![
        non_string(),
        other_forms.prop_map(|id| Json::text(&id)),
        string().prop_filter_map("not a UUID", |units| {
            (!is_uuid(&String::from_utf16_lossy(&units))).then_some(Json::String(units))
        }),
    ]
}

/// `name` with each letter's case picked from `mask`.
pub(super) fn cased(name: &str, mask: u32) -> String {
    name.chars()
        .enumerate()
        .map(|(at, c)| {
            if mask >> (at % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}
