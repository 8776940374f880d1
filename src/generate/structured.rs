//! Structured create bodies: an [`Arbitrary`] description of a request body, then its bytes.
//!
//! [`StructuredBody`] takes unstructured bytes (from a fuzzer, or any other source of
//! randomness) and gives a create body shaped where the spec has edges: each member present,
//! absent or of another JSON type; strings empty, arbitrary or 500..=530 characters long in
//! one- to four-byte UTF-8 characters (around `req.url.max-length`); every listed service in
//! every casing, plus near misses (spaces, dropped or added characters, look-alike letters, the
//! long s whose upper case is `S`); tag lists of any shape; unknown members. The bytes go to a
//! target, the [`oracle`](crate::spec::oracle) says what a conformant server does with them. Its
//! `Debug` prints a case file (see [`crate::case`]) holding the body, so a failing input can be
//! pasted into `cases/regressions/` as it is. Variants are ordered so that running out of
//! input bytes gives the valid shape, and a member has the type the spec asks for three times
//! in four: inputs lean valid, where a server has the most to get right.

use std::borrow::Cow;
use std::fmt;

use arbitrary::Arbitrary;
use serde::{ser::SerializeMap, Serialize, Serializer};
use serde_json::{json, Value};

use crate::spec::rules::SERVICES;

/// A create body, member by member.
#[derive(Arbitrary, Clone, PartialEq)]
pub struct StructuredBody {
    /// `name`.
    pub name: Member<Text>,
    /// `service`.
    pub service: Member<Service>,
    /// `security_group_id`.
    pub security_group_id: Member<Text>,
    /// `network_id`.
    pub network_id: Member<Text>,
    /// `url`.
    pub url: Member<Text>,
    /// `tags`.
    pub tags: Member<Vec<Tag>>,
    /// Members the spec does not name, added after the known ones.
    pub unknown: Vec<Unknown>,
}

/// A member's presence and JSON type: the kind the spec asks for three times in four.
#[derive(Debug, Clone, PartialEq)]
pub enum Member<T> {
    /// The kind of value the spec asks for.
    Value(T),
    /// Left out.
    Absent,
    /// A value of another JSON type.
    Other(OtherJson),
}

/// A JSON value that is not a string.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub enum OtherJson {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A number with a fraction: the value divided by 100.
    Fraction(i32),
    /// An array of strings.
    Array(Vec<String>),
    /// An object of string members.
    Object(Vec<(String, String)>),
}

/// A string value.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub enum Text {
    /// A short, non-empty ASCII id made from the number, e.g. `dlic-0000002a`.
    Id(u32),
    /// Any string.
    Plain(String),
    /// `""` (A6).
    Empty,
    /// A long string, around the url's 512-character limit.
    Long(Long),
}

/// A string of 500..=530 characters: an optional `https://` prefix, then a fill repeated.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub struct Long {
    /// Characters beyond 500 (taken modulo 31).
    pub extra: u8,
    /// What the string is made of after the prefix.
    pub fill: Fill,
    /// Whether it starts with `https://`.
    pub https: bool,
}

/// What a [`Long`] string repeats.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// `a`: one byte a character.
    Ascii,
    /// `é`: two bytes.
    TwoBytes,
    /// `中`: three bytes.
    ThreeBytes,
    /// `😀`: four bytes.
    FourBytes,
    /// `aé中😀`: all four widths.
    Mixed,
    /// `e` and a combining acute accent: one visible letter, two characters.
    Combining,
}

/// A `service` string.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub enum Service {
    /// A listed value in some casing (valid).
    Listed(Listed, Casing),
    /// A listed value in some casing, then broken a little.
    NearMiss(Listed, Casing, NearMiss),
    /// The page example's `ct` (A2).
    Ct(Casing),
    /// `""` (A6).
    Empty,
    /// Any string.
    Other(String),
}

/// One of the listed services, in the order of [`SERVICES`].
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// `CloudTable`.
    CloudTable,
    /// `CloudTable.OpenTSDB`.
    CloudTableOpenTsdb,
    /// `MRS.OPENTSDB`.
    MrsOpenTsdb,
    /// `DWS`.
    Dws,
    /// `RDS`.
    Rds,
    /// `CSS`.
    Css,
}

/// How a listed value is cased.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Casing {
    /// As the page spells it.
    AsListed,
    /// All lower case.
    Lower,
    /// All upper case.
    Upper,
    /// Letter `i` swapped to the other case when bit `i % 32` is set.
    Toggled(u32),
}

/// A small change that takes a listed value off the list (or, for the long s, to a MAY).
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum NearMiss {
    /// A space before.
    LeadingSpace,
    /// A space after.
    TrailingSpace,
    /// The character at this index (modulo the length) left out.
    Drop(u8),
    /// This character inserted at this index (modulo the length + 1).
    Insert(u8, char),
    /// The character at this index (modulo the length) replaced by this one.
    Replace(u8, char),
    /// Every `s`/`S` replaced by the long s `ſ`, whose upper case is `S`.
    LongS,
    /// Latin letters replaced by their Cyrillic look-alikes where one exists.
    Cyrillic,
    /// Every character in its full-width form.
    FullWidth,
    /// A NUL character after.
    Nul,
    /// `.` replaced by `_`.
    DotToUnderscore,
    /// The value twice.
    Doubled,
    /// Another listed value after a comma.
    Joined(Listed),
}

/// One entry of `tags`.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub enum Tag {
    /// An object with `key` and `value` (each may be absent or mistyped) and extra members.
    Pair {
        /// `key`.
        key: Member<Text>,
        /// `value`.
        value: Member<Text>,
        /// Members a tag does not have.
        unknown: Vec<Unknown>,
    },
    /// Not an object.
    Other(OtherJson),
}

/// A member the spec does not name.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub struct Unknown {
    /// Its name.
    pub name: UnknownName,
    /// Its value (left out when absent).
    pub value: Member<Text>,
}

/// The name of a member the spec does not name.
#[derive(Arbitrary, Debug, Clone, PartialEq)]
pub enum UnknownName {
    /// `description`, which the newer page revisions use for other APIs.
    Description,
    /// A known member's name in upper case (`NAME`, `URL`...): a different member in JSON.
    Shouted(KnownName),
    /// A known member's name with a leading capital (`Name`, `Service`...).
    Capitalised(KnownName),
    /// Any name; it replaces a known member when it happens to equal one.
    Any(String),
}

/// A member name the spec does give.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownName {
    /// `name`.
    Name,
    /// `service`.
    Service,
    /// `security_group_id`.
    SecurityGroupId,
    /// `network_id`.
    NetworkId,
    /// `url`.
    Url,
    /// `tags`.
    Tags,
    /// `key` (of a tag).
    Key,
    /// `value` (of a tag).
    Value,
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Member<T> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.int_in_range(0..=7u8)? {
            0..=5 => Member::Value(u.arbitrary()?),
            6 => Member::Absent,
            _ => Member::Other(u.arbitrary()?),
        })
    }
}

impl StructuredBody {
    /// The body's bytes as sent: compact JSON, members in declaration order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let written = Written(Piece::Body(self), Strings::Expanded);
        // Room for a body with a long string or two, so the buffer seldom grows.
        let mut bytes = Vec::with_capacity(2048);
        serde_json::to_writer(&mut bytes, &written).expect("a body serializes");
        bytes
    }

    /// The body as JSON; long strings either written out or as case-file `$string` templates.
    fn to_json(&self, strings: Strings) -> Value {
        serde_json::to_value(Written(Piece::Body(self), strings)).expect("a body serializes")
    }

    /// The body's members in order.
    fn object(&self) -> Object<'_> {
        let mut object = Object::default();
        object.put("name", &self.name, Piece::Text);
        object.put("service", &self.service, Piece::Service);
        object.put("security_group_id", &self.security_group_id, Piece::Text);
        object.put("network_id", &self.network_id, Piece::Text);
        object.put("url", &self.url, Piece::Text);
        object.put("tags", &self.tags, |tags| Piece::Tags(tags));
        object.put_unknown(&self.unknown);
        object
    }
}

/// How long strings are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strings {
    /// In full, as sent.
    Expanded,
    /// As `{"$string": {...}}` templates, as a case file writes them.
    Templates,
}

/// A part of a body, as it is written.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Body(&'a StructuredBody),
    Text(&'a Text),
    Service(&'a Service),
    Tags(&'a [Tag]),
    Tag(&'a Tag),
    Other(&'a OtherJson),
    Str(&'a str),
}

/// A piece serialized straight to JSON text (a `serde_json::Value` in between cost the fuzz
/// targets more than the oracle), long strings as [`Strings`] says.
struct Written<'a>(Piece<'a>, Strings);

/// An object's members in order. A repeated name keeps its first place and takes the last
/// value, as it does in a JSON object built member by member (an unknown member can repeat a
/// known name).
#[derive(Default)]
struct Object<'a> {
    members: Vec<(Cow<'a, str>, Piece<'a>)>,
}

impl<'a> Object<'a> {
    fn insert(&mut self, name: Cow<'a, str>, piece: Piece<'a>) {
        match self.members.iter_mut().find(|(known, _)| *known == name) {
            Some((_, value)) => *value = piece,
            None => self.members.push((name, piece)),
        }
    }

    fn put<T>(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        member: &'a Member<T>,
        piece: impl Fn(&'a T) -> Piece<'a>,
    ) {
        match member {
            Member::Value(value) => self.insert(name.into(), piece(value)),
            Member::Absent => {}
            Member::Other(other) => self.insert(name.into(), Piece::Other(other)),
        }
    }

    fn put_unknown(&mut self, unknown: &'a [Unknown]) {
        for member in unknown {
            self.put(member.name.text(), &member.value, Piece::Text);
        }
    }
}

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Written(piece, strings) = *self;
        let object = |object: Object<'_>, serializer: S| {
            let mut map = serializer.serialize_map(Some(object.members.len()))?;
            for (name, piece) in &object.members {
                map.serialize_entry(name, &Written(*piece, strings))?;
            }
            map.end()
        };
        match piece {
            Piece::Body(body) => object(body.object(), serializer),
            Piece::Text(Text::Id(number)) => {
                serializer.collect_str(&format_args!("dlic-{number:08x}"))
            }
            Piece::Text(Text::Plain(text)) => serializer.serialize_str(text),
            Piece::Str(text) => serializer.serialize_str(text),
            Piece::Text(Text::Empty) => serializer.serialize_str(""),
            Piece::Text(Text::Long(long)) if strings == Strings::Templates => {
                let template = json!({"$string": {
                    "prefix": long.prefix(), "fill": long.fill.text(), "chars": long.chars()
                }});
                template.serialize(serializer)
            }
            Piece::Text(Text::Long(long)) => serializer.serialize_str(&long.render()),
            Piece::Service(service) => serializer.serialize_str(&service.text()),
            Piece::Tags(tags) => {
                serializer.collect_seq(tags.iter().map(|tag| Written(Piece::Tag(tag), strings)))
            }
            Piece::Tag(Tag::Pair {
                key,
                value,
                unknown,
            }) => {
                let mut tag = Object::default();
                tag.put("key", key, Piece::Text);
                tag.put("value", value, Piece::Text);
                tag.put_unknown(unknown);
                object(tag, serializer)
            }
            Piece::Tag(Tag::Other(other)) | Piece::Other(other) => match other {
                OtherJson::Null => serializer.serialize_unit(),
                OtherJson::Bool(flag) => serializer.serialize_bool(*flag),
                OtherJson::Integer(number) => serializer.serialize_i64(*number),
                OtherJson::Fraction(hundredths) => {
                    serializer.serialize_f64(f64::from(*hundredths) / 100.0)
                }
                OtherJson::Array(items) => serializer.collect_seq(items),
                OtherJson::Object(members) => {
                    let mut strings_only = Object::default();
                    for (name, text) in members {
                        strings_only.insert(name.into(), Piece::Str(text));
                    }
                    object(strings_only, serializer)
                }
            },
        }
    }
}

impl Long {
    /// Its length in characters: 500..=530.
    pub fn chars(&self) -> usize {
        500 + usize::from(self.extra % 31)
    }

    fn prefix(&self) -> &'static str {
        if self.https {
            "https://"
        } else {
            ""
        }
    }

    /// The string itself: the prefix, then the fill repeated up to [`Long::chars`] characters
    /// (whole repeats copied at once, the last one cut at a character boundary).
    pub fn render(&self) -> String {
        let prefix = self.prefix();
        let fill = self.fill.text();
        let fill_chars = fill.chars().count();
        let rest = self.chars() - prefix.chars().count();
        let mut text = String::with_capacity(prefix.len() + fill.len() * (rest / fill_chars + 1));
        text.push_str(prefix);
        text.push_str(&fill.repeat(rest / fill_chars));
        text.extend(fill.chars().take(rest % fill_chars));
        text
    }
}

impl Fill {
    fn text(self) -> &'static str {
        match self {
            Fill::Ascii => "a",
            Fill::TwoBytes => "é",
            Fill::ThreeBytes => "中",
            Fill::FourBytes => "😀",
            Fill::Mixed => "aé中😀",
            Fill::Combining => "e\u{301}",
        }
    }
}

impl Listed {
    fn text(self) -> &'static str {
        SERVICES[self as usize]
    }
}

impl Casing {
    fn apply(self, text: &str) -> String {
        match self {
            Casing::AsListed => text.to_owned(),
            Casing::Lower => text.to_lowercase(),
            Casing::Upper => text.to_uppercase(),
            Casing::Toggled(bits) => text
                .chars()
                .enumerate()
                .map(|(index, c)| {
                    if bits & (1 << (index % 32)) == 0 {
                        c
                    } else if c.is_ascii_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect(),
        }
    }
}

impl NearMiss {
    fn apply(&self, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        let at = |index: u8, len: usize| usize::from(index) % len.max(1);
        match self {
            NearMiss::LeadingSpace => chars.insert(0, ' '),
            NearMiss::TrailingSpace => chars.push(' '),
            NearMiss::Drop(index) => {
                let index = at(*index, chars.len());
                chars.remove(index);
            }
            NearMiss::Insert(index, c) => {
                let index = at(*index, chars.len() + 1);
                chars.insert(index, *c);
            }
            NearMiss::Replace(index, c) => {
                let index = at(*index, chars.len());
                chars[index] = *c;
            }
            NearMiss::LongS => {
                for c in &mut chars {
                    if c.eq_ignore_ascii_case(&'s') {
                        *c = 'ſ';
                    }
                }
            }
            NearMiss::Cyrillic => {
                for c in &mut chars {
                    *c = cyrillic_look_alike(*c).unwrap_or(*c);
                }
            }
            NearMiss::FullWidth => {
                for c in &mut chars {
                    if c.is_ascii_graphic() {
                        *c = char::from_u32(u32::from(*c) - 0x21 + 0xFF01).unwrap_or(*c);
                    }
                }
            }
            NearMiss::Nul => chars.push('\0'),
            NearMiss::DotToUnderscore => {
                for c in &mut chars {
                    if *c == '.' {
                        *c = '_';
                    }
                }
            }
            NearMiss::Doubled => return text.repeat(2),
            NearMiss::Joined(other) => return format!("{text},{}", other.text()),
        }
        chars.into_iter().collect()
    }
}

/// The Cyrillic letter that looks like Latin `c`, if any (from the one look-alike table).
fn cyrillic_look_alike(c: char) -> Option<char> {
    super::strategies::LOOK_ALIKES
        .iter()
        .find(|&&(latin, alike)| latin == c && ('\u{400}'..='\u{4ff}').contains(&alike))
        .map(|&(_, alike)| alike)
}

impl Service {
    /// The `service` string the variant stands for.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Service::Listed(listed, casing) => casing.apply(listed.text()).into(),
            Service::NearMiss(listed, casing, miss) => {
                miss.apply(&casing.apply(listed.text())).into()
            }
            Service::Ct(casing) => casing.apply("ct").into(),
            Service::Empty => "".into(),
            Service::Other(text) => text.into(),
        }
    }
}

impl UnknownName {
    /// The member name.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            UnknownName::Description => "description".into(),
            UnknownName::Shouted(known) => known.text().to_uppercase().into(),
            UnknownName::Capitalised(known) => {
                let text = known.text();
                (text[..1].to_uppercase() + &text[1..]).into()
            }
            UnknownName::Any(text) => text.into(),
        }
    }
}

impl KnownName {
    fn text(self) -> &'static str {
        match self {
            KnownName::Name => "name",
            KnownName::Service => "service",
            KnownName::SecurityGroupId => "security_group_id",
            KnownName::NetworkId => "network_id",
            KnownName::Url => "url",
            KnownName::Tags => "tags",
            KnownName::Key => "key",
            KnownName::Value => "value",
        }
    }
}

impl fmt::Debug for StructuredBody {
    /// A case file holding this body, with the oracle's expectation: paste it into
    /// `cases/regressions/`, then name the test and say what it found.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expectation = crate::spec::oracle::expectation(&self.to_bytes());
        let file = json!({"groups": [{
            "description": "A body found by the mock_structured fuzz target",
            "body": crate::case::literal_value(&self.to_json(Strings::Templates)),
            "tests": [{
                "name": "fuzzed",
                "description": "TODO: what is special about this body",
                "see": "TODO: where it was found, and one sentence of root cause",
                "expect": expectation.expect,
            }],
        }]});
        let text = serde_json::to_string_pretty(&file).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::Unstructured;

    use crate::case::{self, Expect};
    use crate::fixtures::Fixtures;
    use crate::spec::oracle;

    /// A few thousand bodies from a fixed byte stream (xorshift), so the tests are repeatable.
    fn bodies() -> Vec<StructuredBody> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..3000)
            .map(|round| {
                let bytes: Vec<u8> = (0..round % 400)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                StructuredBody::arbitrary_take_rest(Unstructured::new(&bytes)).unwrap()
            })
            .collect()
    }

    #[test]
    fn no_input_is_a_valid_body() {
        let body = StructuredBody::arbitrary_take_rest(Unstructured::new(&[])).unwrap();
        assert_eq!(oracle::expectation(&body.to_bytes()).expect, Expect::Accept);
        assert_eq!(
            String::from_utf8(body.to_bytes()).unwrap(),
            r#"{"name":"dlic-00000000","service":"CloudTable","security_group_id":"dlic-00000000","network_id":"dlic-00000000","url":"dlic-00000000","tags":[]}"#
        );
    }

    #[test]
    fn debug_is_a_case_file_with_the_same_bytes() {
        for body in bodies() {
            let text = format!("{body:?}");
            let cases = case::parse_file(
                "cases/regressions/fuzzed.json".as_ref(),
                "x",
                &text,
                &Fixtures::default(),
            )
            .unwrap_or_else(|err| panic!("{err}\n{text}"));
            assert_eq!(cases.len(), 1);
            assert_eq!(cases[0].body, body.to_bytes(), "{text}");
            assert_eq!(
                cases[0].expect,
                oracle::expectation(&body.to_bytes()).expect
            );
        }
    }

    #[test]
    fn shapes_reach_every_expectation_and_the_url_limit() {
        let bodies = bodies();
        let expects: Vec<Expect> = bodies
            .iter()
            .map(|body| oracle::expectation(&body.to_bytes()).expect)
            .collect();
        for kind in [Expect::Accept, Expect::Reject, Expect::Either] {
            assert!(expects.contains(&kind), "no {kind} body");
        }
        let long = Long {
            extra: 30,
            fill: Fill::Mixed,
            https: true,
        };
        assert_eq!(long.render().chars().count(), 530);
        assert!(long.render().starts_with("https://aé中😀a"));
        let at_limit = Long { extra: 12, ..long };
        assert_eq!(at_limit.render().chars().count(), 512);
        let fills = [
            Fill::Ascii,
            Fill::TwoBytes,
            Fill::ThreeBytes,
            Fill::FourBytes,
            Fill::Mixed,
            Fill::Combining,
        ];
        for (fill, https, extra) in fills
            .into_iter()
            .flat_map(|fill| [(fill, true), (fill, false)])
            .flat_map(|(fill, https)| (0..31).map(move |extra| (fill, https, extra)))
        {
            let long = Long { extra, fill, https };
            let cycled: String = long
                .prefix()
                .chars()
                .chain(fill.text().chars().cycle())
                .take(long.chars())
                .collect();
            assert_eq!(long.render(), cycled, "{long:?}");
        }
    }

    #[test]
    fn near_misses_leave_the_list() {
        let service = |miss| {
            Service::NearMiss(Listed::Dws, Casing::Lower, miss)
                .text()
                .into_owned()
        };
        assert_eq!(service(NearMiss::LongS), "dwſ");
        assert_eq!(service(NearMiss::Cyrillic), "dwѕ");
        assert_eq!(service(NearMiss::FullWidth), "ｄｗｓ");
        assert_eq!(service(NearMiss::Joined(Listed::Css)), "dws,CSS");
        assert_eq!(
            Service::Listed(Listed::MrsOpenTsdb, Casing::Toggled(0b1)).text(),
            "mRS.OPENTSDB"
        );
    }
}
