//! JSON text written by hand: a body's members with some values given as raw text at a chosen
//! spot, for values `serde_json` cannot write (lone surrogates, huge numbers, deep nesting).

use proptest::prelude::*;
use proptest::sample::select;

use super::Members;
use crate::spec::rules;

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

/// `c` as JSON `\u` escapes (a surrogate pair above U+FFFF).
pub fn json_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|unit| format!("\\u{unit:04X}"))
        .collect()
}
