//! Placeholders: `{name}`, `{run}` and the run's fixtures replaced in a test's strings, an unknown
//! `{word}` an error; and the way back ([`literal_text`]) for writers of case files.

use serde_json::Value;

use crate::fixtures::Fixtures;

/// The connection name `{name}` stands for in case `{id_prefix}/{test}`.
pub fn derived_name(id_prefix: &str, test: &str, fixtures: &Fixtures) -> String {
    let id: String = format!("{id_prefix}-{test}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("dlic-{id}{}", fixtures.run_id)
}

/// The length of the `word` when `text` starts with `word}` (lower-case letters and `_`).
fn placeholder_len(text: &str) -> Option<usize> {
    let len = text
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .unwrap_or(text.len());
    (len > 0 && text[len..].starts_with('}')).then_some(len)
}

/// `text` written so that the loader reads it back unchanged: every `{` that starts a
/// placeholder-shaped `{word}` doubled. For writers of case files (regression cases).
pub fn literal_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        if c == '{' && placeholder_len(&text[at + 1..]).is_some() {
            out.push('{');
        }
        out.push(c);
    }
    out
}

/// `value` with [`literal_text`] applied to every string the loader expands (not to member
/// names, nor inside `$string` templates).
pub fn literal_value(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$string") => value.clone(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), literal_value(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(literal_value).collect()),
        Value::String(text) => Value::String(literal_text(text)),
        other => other.clone(),
    }
}

/// What placeholders stand for in one test.
pub(super) struct Expand<'a> {
    pub(super) fixtures: &'a Fixtures,
    pub(super) name: String,
}

impl Expand<'_> {
    /// `text` with every placeholder replaced; an unknown `{word}` is an error.
    pub(super) fn text(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            if after.starts_with('{') && placeholder_len(&after[1..]).is_some() {
                out.push('{');
                rest = &after[1..];
                continue;
            }
            let word_len = placeholder_len(after).unwrap_or(0);
            if word_len > 0 {
                let word = &after[..word_len];
                let value = match word {
                    "name" => Some(self.name.as_str()),
                    _ => self.fixtures.value(word),
                };
                out.push_str(value.ok_or_else(|| {
                    format!("unknown placeholder \"{{{word}}}\" (known: {{name}}, {{run}}, {{security_group_id}}, {{network_id}})")
                })?);
                rest = &after[word_len + 1..];
            } else {
                out.push('{');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}
