//! An RFC 8259 reader for the oracle: body bytes in, a [`Text`] (the value, and which of the
//! RFC's implementation-defined corners the text touches) or a [`SyntaxError`] out.
//!
//! The oracle cannot judge by `serde_json`, for two reasons: the mock parses with it (the oracle
//! must stay independent of the mock), and it refuses valid JSON (numbers beyond `f64`, nesting
//! deeper than 128, lone surrogate escapes). This reader follows RFC 8259's grammar exactly and
//! reports, rather than refuses, what the RFC lets a parser refuse or read its own way:
//! - a leading UTF-8 byte order mark (§8.1: a parser MAY ignore it),
//! - bytes inside a string that are not UTF-8 (§8.1 asks senders for UTF-8 and leaves what a
//!   receiver does with other bytes open: Python and serde_json refuse the text, Go and Java
//!   decoders put U+FFFD in their place, as JSONTestSuite's `i_string_*utf-8*` texts record),
//! - escapes of lone surrogates (§8.2: behaviour "unpredictable"),
//! - repeated member names (§4: behaviour "unpredictable"),
//! - numbers beyond IEEE 754 binary64's range or exact integers (§6: parsers MAY limit range and
//!   precision),
//! - nesting depth (§9: parsers MAY limit it).
//!
//! Bytes outside strings that are not the grammar's (a UTF-16 text, a Latin-1 byte between
//! tokens) make no JSON text under any reading and are a [`SyntaxError`]; so are comments,
//! trailing commas, `NaN`, single quotes, unescaped control characters and any other extension.
//!
//! It never recurses (a body of 100 000 `[` costs no stack) and it builds only what the oracle
//! reads: containers up to depth [`BUILT_DEPTH`] (the body, its `tags`, each tag object) are
//! built as [`Value`]s; deeper containers are checked and stand in as empty ones of their kind,
//! a number beyond binary64 as `0` (others as the `i64` or `f64` they are), and a lone surrogate or a byte sequence that is not UTF-8 as U+FFFD (one
//! character, as Go and Java count it).

use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Containers up to this depth are built (the body is depth 1, `tags` 2, a tag object 3).
pub const BUILT_DEPTH: usize = 3;

/// Which value a repeated member name keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// The first one (some parsers).
    First,
    /// The last one (most parsers, serde_json, Python, Jackson's default).
    Last,
}

/// A JSON text that follows RFC 8259's grammar.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The value, built up to [`BUILT_DEPTH`].
    pub value: Value,
    /// The text began with a UTF-8 byte order mark.
    pub leading_bom: bool,
    /// Some string escaped a lone surrogate (read as U+FFFD).
    pub lone_surrogate: bool,
    /// Some string held bytes that are not UTF-8 (each bad sequence read as U+FFFD).
    pub invalid_utf8: bool,
    /// Some built object repeats a member name.
    pub repeated_name: bool,
    /// Some number lies beyond binary64: it overflows, underflows to zero, or is an integer
    /// beyond ±2^53 that a double cannot hold exactly.
    pub beyond_binary64: bool,
    /// The deepest nesting of arrays and objects (a scalar text is depth 0).
    pub depth: usize,
}

/// Why bytes are not a JSON text: a byte offset and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset into the body.
    pub offset: usize,
    /// What was expected or found, lower-case.
    pub what: &'static str,
}

/// Reads `bytes` as one JSON text; repeated names keep the value `repeats` says.
pub fn read(bytes: &[u8], repeats: Repeats) -> Result<Text, SyntaxError> {
    let (leading_bom, start) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(_) => (true, 3),
        None => (false, 0),
    };
    let mut reader = Reader {
        bytes,
        at: start,
        repeats,
        text: Text {
            value: Value::Null,
            leading_bom,
            lone_surrogate: false,
            invalid_utf8: false,
            repeated_name: false,
            beyond_binary64: false,
            depth: 0,
        },
    };
    reader.text.value = reader.document()?;
    Ok(reader.text)
}

/// The string member `name` of a body, as a lenient server reads it (lone surrogates as U+FFFD,
/// a leading BOM skipped, the last of repeated names); `None` when the body is no JSON object
/// or has no such string.
pub fn string_member(body: &[u8], name: &str) -> Option<String> {
    match read(body, Repeats::Last).ok()?.value {
        Value::Object(members) => members.get(name)?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The bytes that end a run of plain characters in a string: the quote, the backslash and the
/// control characters (a table look-up rather than three comparisons a byte).
const ENDS_RUN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// A container being read.
enum Frame {
    Array {
        items: Option<Vec<Value>>,
    },
    Object {
        members: Option<Map<String, Value>>,
        key: String,
    },
}

impl Frame {
    fn built(self) -> Value {
        match self {
            Frame::Array { items } => Value::Array(items.unwrap_or_default()),
            Frame::Object { members, .. } => Value::Object(members.unwrap_or_default()),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    repeats: Repeats,
    text: Text,
}

impl Reader<'_> {
    fn fail<T>(&self, what: &'static str) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            offset: self.at,
            what,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// The whole text: one value between optional whitespace.
    fn document(&mut self) -> Result<Value, SyntaxError> {
        let value = self.value_iteratively()?;
        self.skip_whitespace();
        if self.at != self.bytes.len() {
            return self.fail("text after the value");
        }
        Ok(value)
    }

    /// One value, containers handled with an explicit stack instead of recursion.
    fn value_iteratively(&mut self) -> Result<Value, SyntaxError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_whitespace();
            let mut done = match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    self.at += 1;
                    let built = stack.len() < BUILT_DEPTH;
                    let depth = stack.len() + 1;
                    self.text.depth = self.text.depth.max(depth);
                    self.skip_whitespace();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.at += 1;
                            Value::Array(Vec::new())
                        } else {
                            stack.push(Frame::Array {
                                items: built.then(Vec::new),
                            });
                            continue 'value;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.at += 1;
                        Value::Object(Map::new())
                    } else {
                        let key = self.member_name()?;
                        stack.push(Frame::Object {
                            members: built.then(Map::new),
                            key,
                        });
                        continue 'value;
                    }
                }
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true", Value::Bool(true))?,
                Some(b'f') => self.literal(b"false", Value::Bool(false))?,
                Some(b'n') => self.literal(b"null", Value::Null)?,
                Some(_) => return self.fail("a value"),
                None => return self.fail("a value, found the end"),
            };
            // Hand the finished value to its container; close containers that end here.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(done);
                };
                match frame {
                    Frame::Array { items } => {
                        if let Some(items) = items {
                            items.push(done);
                        }
                    }
                    Frame::Object { members, key } => {
                        if let Some(members) = members {
                            match members.entry(std::mem::take(key)) {
                                Entry::Vacant(member) => {
                                    member.insert(done);
                                }
                                Entry::Occupied(mut member) => {
                                    self.text.repeated_name = true;
                                    if self.repeats == Repeats::Last {
                                        member.insert(done);
                                    }
                                }
                            }
                        }
                    }
                }
                self.skip_whitespace();
                let is_array = matches!(stack.last(), Some(Frame::Array { .. }));
                match (self.peek(), is_array) {
                    (Some(b','), true) => {
                        self.at += 1;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.at += 1;
                        self.skip_whitespace();
                        let name = self.member_name()?;
                        if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                            *key = name;
                        }
                        continue 'value;
                    }
                    (Some(b']'), true) | (Some(b'}'), false) => {
                        self.at += 1;
                        done = stack.pop().expect("a frame is open").built();
                    }
                    _ => return self.fail("',' or the end of the container"),
                }
            }
        }
    }

    /// `"name"` then `:`, with the whitespace around the colon.
    fn member_name(&mut self) -> Result<String, SyntaxError> {
        if self.peek() != Some(b'"') {
            return self.fail("a member name in double quotes");
        }
        let name = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return self.fail("':' after a member name");
        }
        self.at += 1;
        Ok(name)
    }

    fn literal(&mut self, word: &'static [u8], value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            self.fail("true, false or null")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, judged against binary64.
    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        let digits = |reader: &mut Reader| {
            let from = reader.at;
            while matches!(reader.peek(), Some(b'0'..=b'9')) {
                reader.at += 1;
            }
            reader.at - from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.fail("a digit"),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.at += 1;
            integer = false;
            if digits(self) == 0 {
                return self.fail("a digit after '.'");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return self.fail("a digit in the exponent");
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).expect("ASCII digits");
        let double: f64 = text.parse().expect("the grammar is a float's");
        let nonzero = text
            .split(['e', 'E'])
            .next()
            .is_some_and(|mantissa| mantissa.bytes().any(|b| matches!(b, b'1'..=b'9')));
        let beyond_2_53 = || {
            let digits = text.trim_start_matches('-');
            digits.len() > 16 || digits.parse::<u64>().is_ok_and(|n| n > 1 << 53)
        };
        let beyond =
            double.is_infinite() || (double == 0.0 && nonzero) || (integer && beyond_2_53());
        self.text.beyond_binary64 |= beyond;
        Ok(match text.parse::<i64>() {
            _ if beyond => Value::from(0),
            Ok(exact) => Value::from(exact),
            Err(_) => Value::from(double),
        })
    }

    /// A string token; escapes decoded, a lone surrogate read as U+FFFD.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.at;
            let rest = &self.bytes[run_start..];
            self.at += rest
                .iter()
                .position(|&byte| ENDS_RUN[usize::from(byte)])
                .unwrap_or(rest.len());
            let run = String::from_utf8_lossy(&self.bytes[run_start..self.at]);
            self.text.invalid_utf8 |= matches!(run, std::borrow::Cow::Owned(_));
            out.push_str(&run);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return self.fail("a valid escape"),
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                Some(_) => return self.fail("no unescaped control character in a string"),
                None => return self.fail("the string's closing quote"),
            }
        }
    }

    /// The four hex digits after `\u` (and a low surrogate's escape after a high one).
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let unit = self.hex4()?;
        match unit {
            0xD800..=0xDBFF => {
                let pair = self.bytes[self.at..].starts_with(b"\\u")
                    && self
                        .hex_at(self.at + 2)
                        .is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                if pair {
                    self.at += 2;
                    let low = self.hex4()?;
                    let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    Ok(char::from_u32(scalar).expect("a surrogate pair is a scalar"))
                } else {
                    self.text.lone_surrogate = true;
                    Ok('\u{FFFD}')
                }
            }
            0xDC00..=0xDFFF => {
                self.text.lone_surrogate = true;
                Ok('\u{FFFD}')
            }
            scalar => Ok(char::from_u32(scalar).expect("not a surrogate")),
        }
    }

    fn hex_at(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        match self.hex_at(self.at) {
            Some(unit) => {
                self.at += 4;
                Ok(unit)
            }
            None => self.fail("four hex digits after \\u"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Text {
        read(text.as_bytes(), Repeats::Last).unwrap_or_else(|err| panic!("{text:?}: {err:?}"))
    }

    fn bad(bytes: &[u8]) -> SyntaxError {
        read(bytes, Repeats::Last).expect_err(&String::from_utf8_lossy(bytes))
    }

    #[test]
    fn reads_the_grammar_and_nothing_else() {
        assert_eq!(
            ok(r#" {"a": [1, -0.5e+3, true, null, "x\u00e9\n"], "b": {}} "#).value,
            serde_json::json!({"a": [1, -500.0, true, null, "x\u{e9}\n"], "b": {}})
        );
        for text in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "[01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[NaN]",
            "[Infinity]",
            "{'a':1}",
            "{a:1}",
            "[1] x",
            "[\"\t\"]",
            "[\"\\x41\"]",
            "/**/[]",
            "[\"\\u12\"]",
            "[1e]",
            "[-]",
            "[tru]",
            "\u{a0}[]",
            "[]\u{feff}",
        ] {
            bad(text.as_bytes());
        }
        assert_eq!(bad(b"\xFF\xFE[\x00]\x00").offset, 0);
        assert_eq!(bad(b"[\"a\"\xff]").offset, 4);
        let latin1 = read(b"[\"caf\xe9\"]", Repeats::Last).unwrap();
        assert!(latin1.invalid_utf8);
        assert_eq!(latin1.value[0], "caf\u{fffd}");
        assert!(!ok("[\"caf\u{e9}\"]").invalid_utf8);
    }

    #[test]
    fn reports_the_implementation_defined_corners() {
        let text = ok("\u{feff}{\"a\": \"\\uD800\", \"b\": \"\\uD834\\uDD1E\"}");
        assert!(text.leading_bom && text.lone_surrogate);
        assert_eq!(text.value["a"], "\u{fffd}");
        assert_eq!(text.value["b"], "\u{1d11e}");
        assert!(ok("[\"\\uDC00\"]").lone_surrogate);
        assert!(!ok("[\"\\uD834\\uDD1E\"]").lone_surrogate);
        for number in [
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678901234567890",
        ] {
            assert!(ok(&format!("[{number}]")).beyond_binary64, "{number}");
        }
        for number in ["0e-400", "-0", "1.5", "9007199254740992", "1e308"] {
            assert!(!ok(&format!("[{number}]")).beyond_binary64, "{number}");
        }
        let repeated = r#"{"a": 1, "a": "x"}"#;
        assert!(ok(repeated).repeated_name);
        assert_eq!(ok(repeated).value["a"], "x");
        let first = read(repeated.as_bytes(), Repeats::First).unwrap();
        assert_eq!(first.value["a"], 1);
        assert_eq!(
            ok("[1e400, -0, 7e-1]").value,
            serde_json::json!([0, 0, 0.7])
        );
    }

    #[test]
    fn deep_texts_cost_no_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = ok(&deep);
        assert_eq!(text.depth, 100_000);
        assert_eq!(text.value, serde_json::json!([[[[]]]]));
        bad("[".repeat(100_000).as_bytes());
        let objects = format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000));
        assert_eq!(ok(&objects).depth, 5000);
    }

    #[test]
    fn string_members_read_leniently() {
        let body = b"\xEF\xBB\xBF{\"name\": \"a\\uDBFFb\", \"url\": 1}";
        assert_eq!(string_member(body, "name").as_deref(), Some("a\u{fffd}b"));
        assert_eq!(string_member(body, "url"), None);
        assert_eq!(string_member(b"[]", "name"), None);
    }
}
