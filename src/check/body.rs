//! Reading an answer's body: the RFC 8259 readings of it (last and, when a member name repeats,
//! first value of each repeated name), the body as an object, and the short renderings of JSON
//! values the checker's violations quote. It takes a [`Response`] from the transport and gives
//! the checker (`mod.rs`) values and strings; the reader itself is `crate::spec::json_text`.

use serde_json::{Map, Value};

use crate::spec::json_text::{self, Repeats};
use crate::transport::{Response, BODY_CAP};

/// The body's readings by the RFC 8259 reader: the value with the last of each repeated member
/// name, then (only when some name repeats) the value with the first.
pub(super) fn read_body(response: &Response) -> Result<Vec<Value>, String> {
    if response.body_truncated {
        return Err(format!("a body over the {BODY_CAP}-byte cap"));
    }
    if response.body.is_empty() {
        return Err("an empty body".into());
    }
    let body = &response.body[..];
    let last = json_text::read(body, Repeats::Last).map_err(|err| {
        let head = String::from_utf8_lossy(&body[..body.len().min(60)]);
        format!("{head:?} ({} at byte {})", err.what, err.offset)
    })?;
    let mut readings = vec![last.value];
    if last.repeated_name {
        let first = json_text::read(body, Repeats::First).expect("the same text reads again");
        readings.push(first.value);
    }
    Ok(readings)
}

pub(super) fn parse_object(response: &Response) -> Option<Map<String, Value>> {
    match read_body(response).ok()?.swap_remove(0) {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

pub(super) fn json_kind(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{kind}: {}", compact(value))
}

/// A JSON value on one line, cut to 80 characters.
pub(super) fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}
