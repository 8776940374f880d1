//! JSON written by hand for the zoo's `std::net` servers: string building and escapes of its own,
//! no serializer. Takes members (strings, booleans, numbers, nested objects and arrays) and a
//! [`Layout`], gives the text. It escapes what RFC 8259 §7 requires (`"`, `\`, controls), and,
//! when asked, every non-ASCII character as `\uXXXX` (a surrogate pair above U+FFFF) and `/` as
//! `\/`, which §7 allows.

/// A value to write.
#[derive(Debug, Clone)]
pub enum Json {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in this order.
    Object(Vec<(&'static str, Json)>),
}

/// How a text is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Whitespace after `{`, `[` and each `,` (RFC 8259 whitespace only: space, tab, CR, LF).
    pub open: &'static str,
    /// Whitespace before `}` and `]`.
    pub close: &'static str,
    /// The name separator with its whitespace, e.g. `":"` or `" : "`.
    pub colon: &'static str,
    /// Escape every non-ASCII character and `/`.
    pub ascii: bool,
}

impl Json {
    /// The text of this value under `layout`.
    pub fn write(&self, layout: Layout) -> String {
        let mut out = String::new();
        self.write_into(&mut out, layout);
        out
    }

    fn write_into(&self, out: &mut String, layout: Layout) {
        match self {
            Json::Str(text) => string(out, text, layout.ascii),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Int(value) => out.push_str(&value.to_string()),
            Json::Array(items) => {
                out.push('[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        out.push(',');
                    }
                    out.push_str(layout.open);
                    item.write_into(out, layout);
                }
                out.push_str(layout.close);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (at, (name, value)) in members.iter().enumerate() {
                    if at > 0 {
                        out.push(',');
                    }
                    out.push_str(layout.open);
                    string(out, name, layout.ascii);
                    out.push_str(layout.colon);
                    value.write_into(out, layout);
                }
                out.push_str(layout.close);
                out.push('}');
            }
        }
    }
}

fn string(out: &mut String, text: &str, ascii: bool) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if ascii => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' || (ascii && !c.is_ascii()) || c == '\u{7f}' => {
                let mut units = [0; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASCII: Layout = Layout {
        open: "",
        close: "",
        colon: ":",
        ascii: true,
    };

    #[test]
    fn strings_are_escaped_and_read_back_by_an_independent_parser() {
        let text = "a\"b\\c/d\u{1}\n\té\u{1F600}\u{7f}";
        let written = Json::Object(vec![("s", Json::Str(text.into()))]).write(ASCII);
        assert_eq!(
            written,
            r#"{"s":"a\"b\\c\/d\u0001\n\t\u00E9\uD83D\uDE00\u007F"}"#
        );
        let read: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(read["s"], text);
    }

    #[test]
    fn layouts_put_whitespace_only_where_json_allows_it() {
        let layout = Layout {
            open: "\r\n\t",
            close: "\n",
            colon: " : ",
            ascii: false,
        };
        let value = Json::Object(vec![
            ("a", Json::Array(vec![Json::Int(-1), Json::Bool(false)])),
            ("b", Json::Object(vec![])),
            ("é", Json::Str("é".into())),
        ]);
        let written = value.write(layout);
        let read: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(
            read,
            serde_json::json!({"a": [-1, false], "b": {}, "é": "é"})
        );
    }
}
