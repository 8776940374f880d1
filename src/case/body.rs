//! A test's body bytes: the base body patched by `set`/`remove`, a whole `body`, a `raw_body` of
//! parts, hexadecimal, or a file inside the cases folder; at most one of them.

use std::io;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::format::{BaseText, RawBody, RawPart, Repeat, Spacing, Test};
use super::placeholders::Expand;
use super::{FILE_BODY_MAX_BYTES, TEMPLATE_MAX_CHARS};
use crate::shipped::CaseRoot;

pub(super) fn test_body(
    base: Option<&Value>,
    test: &Test,
    expand: &Expand,
    folders: &Folders,
) -> Result<Vec<u8>, String> {
    let given = [
        test.set.is_some() || test.remove.is_some(),
        test.body.is_some(),
        test.raw_body.is_some(),
        test.raw_body_hex.is_some(),
        test.raw_body_file.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err("a test takes at most one of `set`/`remove`, `body`, `raw_body`, `raw_body_hex` and `raw_body_file`".into());
    }
    let base = || -> Result<Value, String> {
        let base = base.ok_or(
            "the test needs a base body: give `body` to its group or file, or a body of its own",
        )?;
        expand.value(base).map_err(|m| format!("base body: {m}"))
    };
    if let Some(raw) = &test.raw_body {
        return raw_text(raw, expand, base).map(String::into_bytes);
    }
    if let Some(digits) = &test.raw_body_hex {
        return hex::decode(digits).map_err(|err| match err {
            hex::FromHexError::OddLength => "`raw_body_hex` has an odd number of digits".into(),
            other => format!("`raw_body_hex`: {other}, not a hex digit"),
        });
    }
    if let Some(relative) = &test.raw_body_file {
        return folders.read(relative);
    }
    let body = if let Some(body) = &test.body {
        expand.value(body).map_err(|m| format!("body: {m}"))?
    } else if test.set.is_some() || test.remove.is_some() {
        apply_patch(base()?, test, expand)?
    } else {
        base()?
    };
    Ok(serde_json::to_vec(&body).expect("a JSON value serializes"))
}

fn raw_text(
    raw: &RawBody,
    expand: &Expand,
    base: impl Fn() -> Result<Value, String>,
) -> Result<String, String> {
    let parts = match raw {
        RawBody::Text(text) => return expand.text(text),
        RawBody::Parts(parts) => parts,
    };
    let mut out = String::new();
    for part in parts {
        match part {
            RawPart::Text(text) => out.push_str(&expand.text(text)?),
            RawPart::Repeat(Repeat { text, times }) => {
                let text = expand.text(text)?;
                if text.chars().count().saturating_mul(*times) > TEMPLATE_MAX_CHARS {
                    return Err(format!("$repeat: over {TEMPLATE_MAX_CHARS} characters"));
                }
                out.push_str(&text.repeat(*times));
            }
            RawPart::Base(BaseText { style, cut }) => {
                let text = json_text(&base()?, *style);
                let keep = text.chars().count().checked_sub(*cut).ok_or_else(|| {
                    format!(
                        "$body: cannot cut {cut} characters off {} of JSON text",
                        text.chars().count()
                    )
                })?;
                out.extend(text.chars().take(keep));
            }
        }
    }
    Ok(out)
}

/// `value` as JSON text, compact or spaced.
fn json_text(value: &Value, style: Spacing) -> String {
    match style {
        Spacing::Compact => value.to_string(),
        Spacing::Spaced => {
            let mut out = Vec::new();
            let mut writer = serde_json::Serializer::with_formatter(&mut out, SpacedJson);
            value
                .serialize(&mut writer)
                .expect("a JSON value serializes");
            String::from_utf8(out).expect("JSON text is UTF-8")
        }
    }
}

/// JSON with `", "` between items and `": "` after member names, on one line.
struct SpacedJson;

impl SpacedJson {
    fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
}

impl serde_json::ser::Formatter for SpacedJson {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SpacedJson::separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SpacedJson::separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

fn apply_patch(base: Value, test: &Test, expand: &Expand) -> Result<Value, String> {
    let Value::Object(mut body) = base else {
        return Err("`set` and `remove` need the base body to be an object".into());
    };
    let set = test.set.clone().unwrap_or_default();
    for member in test.remove.iter().flatten() {
        if set.contains_key(member) {
            return Err(format!("the test both sets and removes {member:?}"));
        }
        if body.shift_remove(member).is_none() {
            return Err(format!(
                "the test removes {member:?}, which the base body does not have"
            ));
        }
    }
    for (member, value) in &set {
        let value = expand
            .value(value)
            .map_err(|m| format!("set.{member}: {m}"))?;
        body.insert(member.clone(), value);
    }
    Ok(Value::Object(body))
}

/// The cases folder (on disk or shipped) and the case file's folder below it.
pub(super) struct Folders<'r> {
    root: &'r CaseRoot,
    file: PathBuf,
}

impl<'r> Folders<'r> {
    pub(super) fn of(root: &'r CaseRoot, id_prefix: &str) -> Folders<'r> {
        let file = Path::new(id_prefix)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        Folders { root, file }
    }

    /// Reads `relative` (from a `raw_body_file`), which must stay inside the cases folder.
    fn read(&self, relative: &str) -> Result<Vec<u8>, String> {
        let outside = || {
            format!("`raw_body_file` {relative:?} is not a relative path inside the cases folder")
        };
        if relative.is_empty() || Path::new(relative).is_absolute() || relative.contains('\\') {
            return Err(outside());
        }
        let path = normalized(&self.file.join(relative));
        if !matches!(path.components().next(), Some(Component::Normal(_))) {
            return Err(outside());
        }
        let cannot = |err: io::Error| format!("cannot read `raw_body_file` {relative:?}: {err}");
        if self.root.len(&path).map_err(cannot)? > FILE_BODY_MAX_BYTES as u64 {
            return Err(format!(
                "`raw_body_file` {relative:?} is over {FILE_BODY_MAX_BYTES} bytes"
            ));
        }
        self.root
            .read(&path)
            .map(|bytes| bytes.into_owned())
            .map_err(cannot)
    }
}

/// `path` with `.` and `..` resolved as written (no file system look-up).
fn normalized(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}
