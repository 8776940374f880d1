//! What lenient JSON readers do, as byte-level rewrites of a body into strict JSON, for the faults
//! and variants that stand for them (`mock::faults`, `mock::variants`).
//!
//! A real lenient server parses comments, trailing commas, `NaN`, raw control characters, lone
//! surrogates or a byte order mark where a strict one refuses them. The mock's deviations are
//! layers around the strict reference handler, so they do the same by rewriting the body before
//! the reference reads it: [`relax`] turns what a chosen lenient reader accepts into the strict
//! JSON it would have read, and leaves everything else alone (so a body that is broken in some
//! other way stays broken and is still rejected). The scanners ([`max_depth`],
//! [`longest_integer`], [`lone_surrogates`]) let a deviation see what a parser would trip over.
//! All of it only tells strings from the rest; the oracle's RFC 8259 reader is a separate
//! implementation, so the two still check each other.

/// What a lenient reader takes that RFC 8259 does not (each `true` is relaxed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Relax {
    /// `// ...` and `/* ... */` comments between tokens (Jackson's `ALLOW_COMMENTS`, JSON5).
    pub comments: bool,
    /// A comma before `]` or `}` (Jackson's `ALLOW_TRAILING_COMMA`, JSON5).
    pub trailing_commas: bool,
    /// `NaN`, `Infinity` and `-Infinity` as numbers (Python's `json`), read as `0`.
    pub non_finite: bool,
    /// Control characters unescaped inside strings (Python's `strict=False`).
    pub control_chars: bool,
    /// Lone surrogate escapes, read as this character (Go reads U+FFFD).
    pub lone_surrogates: Option<char>,
    /// A leading UTF-8 byte order mark, skipped.
    pub bom: bool,
    /// Numbers of any size, read as `0` (arbitrary precision: the value is never a member's).
    pub any_number: bool,
}

/// `body` as the reader `relax` describes reads it, written as strict JSON text.
pub fn relax(body: &[u8], relax: Relax) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    if relax.bom && body.starts_with(b"\xEF\xBB\xBF") {
        at = 3;
    }
    while at < body.len() {
        let rest = &body[at..];
        let byte = rest[0];
        if byte == b'"' {
            at += relax_string(rest, relax, &mut out);
            continue;
        }
        let starts = |word: &[u8]| rest.starts_with(word);
        if relax.comments && starts(b"//") {
            at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            out.push(b' ');
        } else if relax.comments && starts(b"/*") {
            match rest[2..].windows(2).position(|w| w == b"*/") {
                Some(end) => at += end + 4,
                None => {
                    out.extend_from_slice(rest);
                    break;
                }
            }
            out.push(b' ');
        } else if relax.trailing_commas && byte == b',' && closes_next(&rest[1..]) {
            at += 1;
        } else if relax.non_finite && (starts(b"NaN") || starts(b"Infinity")) {
            at += if starts(b"NaN") { 3 } else { 8 };
            out.push(b'0');
        } else if relax.non_finite && starts(b"-Infinity") {
            at += 9;
            out.push(b'0');
        } else if relax.any_number && (byte == b'-' || byte.is_ascii_digit()) {
            // A number token, or (when the grammar does not hold, as in `01`) the whole run of
            // token characters, copied as it is so that it stays refused.
            let length = number_length(rest);
            if length > 0 {
                out.push(b'0');
                at += length;
            } else {
                let run = rest.iter().take_while(|&&b| is_token_byte(b)).count();
                out.extend_from_slice(&rest[..run]);
                at += run;
            }
        } else if is_token_byte(byte) {
            let run = rest.iter().take_while(|&&b| is_token_byte(b)).count();
            out.extend_from_slice(&rest[..run]);
            at += run;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    out
}

/// Bytes of literals and numbers (and of their near misses, such as `0x1F` or `.5`).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"._+-".contains(&byte)
}

/// Whether the next byte after JSON whitespace closes an array or object.
fn closes_next(rest: &[u8]) -> bool {
    rest.iter()
        .find(|b| !b" \t\r\n".contains(b))
        .is_some_and(|&b| b == b']' || b == b'}')
}

/// The length of the JSON number at the start of `rest` (RFC 8259's grammar), or 0 when what
/// starts there is not one, so that `01` or `1.` stay as they are (and stay refused).
fn number_length(rest: &[u8]) -> usize {
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(rest.first() == Some(&b'-'));
    match rest.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(at),
        _ => return 0,
    }
    if rest.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return 0;
        }
        at += 1 + fraction;
    }
    if matches!(rest.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(rest.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return 0;
        }
        at += exponent;
    }
    let ends = rest
        .get(at)
        .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'.'));
    if ends {
        at
    } else {
        0
    }
}

/// Copies the string token at the start of `rest` into `out`, relaxed; gives its length in `rest`.
fn relax_string(rest: &[u8], relax: Relax, out: &mut Vec<u8>) -> usize {
    out.push(b'"');
    let mut at = 1;
    while at < rest.len() {
        let byte = rest[at];
        match byte {
            b'"' => {
                out.push(b'"');
                return at + 1;
            }
            b'\\' => {
                let unit = hex_unit(rest, at);
                match (relax.lone_surrogates, unit) {
                    (Some(instead), Some(0xD800..=0xDFFF)) => {
                        let low = hex_unit(rest, at + 6);
                        let paired = matches!(unit, Some(0xD800..=0xDBFF))
                            && matches!(low, Some(0xDC00..=0xDFFF));
                        if paired {
                            out.extend_from_slice(&rest[at..at + 12]);
                            at += 12;
                        } else {
                            out.extend_from_slice(
                                format!("\\u{:04x}", u32::from(instead)).as_bytes(),
                            );
                            at += 6;
                        }
                    }
                    _ => {
                        let end = (at + 2).min(rest.len());
                        out.extend_from_slice(&rest[at..end]);
                        at = end;
                    }
                }
            }
            0x00..=0x1F if relax.control_chars => {
                out.extend_from_slice(format!("\\u{byte:04x}").as_bytes());
                at += 1;
            }
            _ => {
                out.push(byte);
                at += 1;
            }
        }
    }
    at
}

/// The code unit of the `\uXXXX` escape at `at`, if one is there.
fn hex_unit(bytes: &[u8], at: usize) -> Option<u32> {
    let escape = bytes.get(at..at + 6)?;
    if !escape.starts_with(b"\\u") {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(&escape[2..]).ok()?, 16).ok()
}

/// Calls `visit(offset, byte)` for every byte outside strings.
fn outside_strings(body: &[u8], mut visit: impl FnMut(usize, u8)) {
    let mut in_string = false;
    let mut escaped = false;
    for (at, &byte) in body.iter().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else {
            visit(at, byte);
        }
    }
}

/// The deepest nesting of `[` and `{` outside strings (what a recursive parser recurses into
/// before it finds anything wrong).
pub fn max_depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    outside_strings(body, |_, byte| match byte {
        b'[' | b'{' => {
            depth += 1;
            deepest = deepest.max(depth);
        }
        b']' | b'}' => depth = depth.saturating_sub(1),
        _ => {}
    });
    deepest
}

/// The number tokens outside strings (with what lenient readers take for numbers, such as `01`).
pub fn number_tokens(body: &[u8]) -> Vec<Vec<u8>> {
    let mut outside = Vec::with_capacity(body.len());
    let mut last = None;
    outside_strings(body, |at, byte| {
        if last.is_some_and(|last: usize| last + 1 != at) {
            outside.push(b' ');
        }
        outside.push(byte);
        last = Some(at);
    });
    outside
        .split(|b| !(b.is_ascii_digit() || b"+-.eE".contains(b)))
        .filter(|token| token.iter().any(u8::is_ascii_digit))
        .map(<[u8]>::to_vec)
        .collect()
}

/// The most digits of an integer literal (a number without `.` or exponent) outside strings.
pub fn longest_integer(body: &[u8]) -> usize {
    number_tokens(body)
        .iter()
        .filter(|token| !token.iter().any(|b| b".eE".contains(b)))
        .map(|token| token.iter().filter(|b| b.is_ascii_digit()).count())
        .max()
        .unwrap_or(0)
}

/// Whether some number token is one an IEEE 754 double cannot take: it overflows, underflows to
/// zero, or is an integer beyond 2^53 (i-JSON, RFC 7493, asks for no more).
pub fn number_beyond_double(body: &[u8]) -> bool {
    number_tokens(body).iter().any(|token| {
        let text = String::from_utf8_lossy(token);
        let Ok(value) = text.parse::<f64>() else {
            return false;
        };
        let integer = !token.iter().any(|b| b".eE".contains(b));
        let mantissa_digits = text.split(['e', 'E']).next().unwrap_or_default();
        let beyond_2_53 = || {
            text.parse::<i128>()
                .map_or(true, |n| n.unsigned_abs() > 1 << 53)
        };
        value.is_infinite()
            || (value == 0.0 && mantissa_digits.bytes().any(|b| (b'1'..=b'9').contains(&b)))
            || (integer && beyond_2_53())
    })
}

/// `body` with every array or object nested deeper than `depth` replaced by `0` (a deep value
/// the server never looks into, kept as something of the same place).
pub fn flatten_deeper_than(body: &[u8], depth: usize) -> Vec<u8> {
    let mut cut = Vec::new();
    let (mut level, mut started) = (0usize, None);
    outside_strings(body, |at, byte| match byte {
        b'[' | b'{' => {
            level += 1;
            if level == depth + 1 {
                started = Some(at);
            }
        }
        b']' | b'}' => {
            if level == depth + 1 {
                if let Some(start) = started.take() {
                    cut.push(start..at + 1);
                }
            }
            level = level.saturating_sub(1);
        }
        _ => {}
    });
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    for range in cut {
        out.extend_from_slice(&body[at..range.start]);
        out.push(b'0');
        at = range.end;
    }
    out.extend_from_slice(&body[at..]);
    out
}

/// Whether `body` is JSON to a parser without a depth limit (serde_json's, on a thread whose
/// stack holds 10 000 levels and more).
pub fn parses_at_any_depth(body: &[u8]) -> bool {
    let body = body.to_vec();
    let parse = move || {
        let mut reader = serde_json::Deserializer::from_slice(&body);
        reader.disable_recursion_limit();
        <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut reader).is_ok()
            && reader.end().is_ok()
    };
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(parse)
        .ok()
        .and_then(|thread| thread.join().ok())
        .unwrap_or(false)
}

/// Whether some object of the (strict) JSON `body` repeats a member name; false for a body that
/// is no JSON (or deeper than serde_json reads).
pub fn repeats_a_name(body: &[u8]) -> bool {
    struct NoRepeats;
    impl<'de> serde::Deserialize<'de> for NoRepeats {
        fn deserialize<D: serde::Deserializer<'de>>(reader: D) -> Result<NoRepeats, D::Error> {
            reader.deserialize_any(NoRepeats)
        }
    }
    impl<'de> serde::de::Visitor<'de> for NoRepeats {
        type Value = NoRepeats;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<NoRepeats, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key) {
                    return Err(serde::de::Error::custom("repeated name"));
                }
                map.next_value::<NoRepeats>()?;
            }
            Ok(NoRepeats)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<NoRepeats, A::Error> {
            while seq.next_element::<NoRepeats>()?.is_some() {}
            Ok(NoRepeats)
        }
        fn visit_bool<E>(self, _: bool) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
        fn visit_i64<E>(self, _: i64) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
        fn visit_u64<E>(self, _: u64) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
        fn visit_f64<E>(self, _: f64) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
        fn visit_str<E>(self, _: &str) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
        fn visit_unit<E>(self) -> Result<NoRepeats, E> {
            Ok(NoRepeats)
        }
    }
    let json = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    json && serde_json::from_slice::<NoRepeats>(body).is_err()
}

/// How many lone surrogate escapes the strings of `body` hold.
pub fn lone_surrogates(body: &[u8]) -> usize {
    let relaxed = relax(
        body,
        Relax {
            lone_surrogates: Some('\u{FFFD}'),
            ..Relax::default()
        },
    );
    let before = body.windows(6).filter(|w| is_fffd_escape(w)).count();
    relaxed.windows(6).filter(|w| is_fffd_escape(w)).count() - before
}

fn is_fffd_escape(window: &[u8]) -> bool {
    window.eq_ignore_ascii_case(b"\\ufffd")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relaxed(body: &str, how: Relax) -> String {
        String::from_utf8(relax(body.as_bytes(), how)).unwrap()
    }

    #[test]
    fn each_relaxation_reads_only_its_extension() {
        let all = Relax {
            comments: true,
            trailing_commas: true,
            non_finite: true,
            control_chars: true,
            lone_surrogates: Some('\u{FFFD}'),
            bom: true,
            any_number: true,
        };
        assert_eq!(
            relaxed(
                "\u{feff}{\"a//\":[1e999,NaN,-Infinity,],/*x*/\"b\":\"\t\\uD800\"}",
                all
            ),
            "{\"a//\":[0,0,0], \"b\":\"\\u0009\\ufffd\"}"
        );
        assert_eq!(relaxed("[01, 1., .5, 0x1]", all), "[01, 1., .5, 0x1]");
        assert_eq!(relaxed("[\"\\\\uD800\"]", all), "[\"\\\\uD800\"]");
        assert_eq!(relaxed("[\"\\uD834\\uDD1E\"]", all), "[\"\\uD834\\uDD1E\"]");
        assert_eq!(relaxed("[NaN,]", Relax::default()), "[NaN,]");
    }

    #[test]
    fn deep_texts_are_read_and_flattened() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(parses_at_any_depth(deep.as_bytes()));
        assert!(!parses_at_any_depth(
            format!("{}1,]]", "[".repeat(20_000)).as_bytes()
        ));
        assert_eq!(
            flatten_deeper_than(b"{\"a\":[[\"]\"],[]],\"b\":[1]}", 2),
            b"{\"a\":[0,0],\"b\":[1]}"
        );
        assert!(repeats_a_name(br#"{"a":[{"b":1,"b":2}]}"#));
        assert!(!repeats_a_name(br#"{"a":[{"b":1},{"b":2}]}"#));
        assert!(number_beyond_double(b"[1e400]") && number_beyond_double(b"[-9007199254740993]"));
        assert!(!number_beyond_double(
            b"[\"1e400\", 0.1, 9007199254740992, 0e-999]"
        ));
    }

    #[test]
    fn scanners_see_past_strings() {
        assert_eq!(max_depth(b"[\"[[[\", {\"a\": [[]]}]"), 4);
        assert_eq!(
            longest_integer(b"[12345, \"1234567\", 123456.7, 1e1234567]"),
            5
        );
        assert_eq!(longest_integer(b"-123"), 3);
        assert_eq!(
            lone_surrogates(b"[\"\\uDC00\\ufffd\\uD834\\uDD1E\\uD800x\"]"),
            2
        );
    }
}
