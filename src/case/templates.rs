//! Templates inside a body: `{"$string": ...}` (a string of an exact length, bounded by
//! [`TEMPLATE_MAX_CHARS`](super::TEMPLATE_MAX_CHARS)) and `{"$concat": [...]}`, rendered with the
//! placeholders of [`placeholders`](super::placeholders) replaced.

use serde_json::Value;

use super::format::StringTemplate;
use super::placeholders::Expand;
use super::TEMPLATE_MAX_CHARS;

impl Expand<'_> {
    /// `value` with its `$string` templates rendered and placeholders replaced in its strings.
    pub(super) fn value(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::Object(map) if map.contains_key("$string") => {
                if map.len() != 1 {
                    return Err("a `$string` object takes no other member".into());
                }
                let mut template: StringTemplate = serde_json::from_value(map["$string"].clone())
                    .map_err(|err| format!("$string: {err}"))?;
                // Placeholders count as what they stand for: a 64-character name stays 64
                // characters whatever the run id.
                template.prefix = self.text(&template.prefix)?;
                Value::String(render_template(&template)?)
            }
            Value::Object(map) if map.contains_key("$concat") => {
                let parts = match (map.len(), &map["$concat"]) {
                    (1, Value::Array(parts)) => parts,
                    _ => {
                        return Err("`$concat` takes an array of strings and no other member".into())
                    }
                };
                let mut text = String::new();
                for part in parts {
                    let part = part.as_str().ok_or("`$concat` takes an array of strings")?;
                    text.push_str(&self.text(part)?);
                }
                Value::String(text)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| self.value(v).map(|v| (k.clone(), v)))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::String(text) => Value::String(self.text(text)?),
            other => other.clone(),
        })
    }
}

fn render_template(template: &StringTemplate) -> Result<String, String> {
    let prefix_chars = template.prefix.chars().count();
    if template.fill.is_empty() {
        return Err("$string: `fill` must not be empty".into());
    }
    if template.chars > TEMPLATE_MAX_CHARS {
        return Err(format!(
            "$string: `chars` is {} but at most {TEMPLATE_MAX_CHARS} are allowed",
            template.chars
        ));
    }
    if template.chars < prefix_chars {
        return Err(format!(
            "$string: `chars` is {} but the prefix alone has {prefix_chars} characters",
            template.chars
        ));
    }
    let mut text = template.prefix.clone();
    text.extend(
        template
            .fill
            .chars()
            .cycle()
            .take(template.chars - prefix_chars),
    );
    Ok(text)
}
