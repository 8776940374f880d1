//! The zoo's endpoint: a request (method, path, body bytes) in, an [`Answer`] out, with the
//! [`Choices`] a server takes where `CLAUSES.md` leaves one.
//!
//! Written from `CLAUSES.md` alone, apart from the reference mock and from `spec::` (it uses
//! neither `spec::rules` nor `spec::oracle`), so the zoo does not agree with the suite by
//! construction. It reads the body with `serde_json` into a `Value` and judges it member by member;
//! it keeps the connections it created (the newest [`CAPACITY`]) for show, list, delete and the
//! duplicate-name choice. What an answer looks like on the wire (JSON layout, escapes, headers,
//! framing) is each server's own business: the servers in the sibling files render an [`Answer`]
//! their way.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::Value;

/// What a server decides where the spec leaves it free.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choices {
    /// A2: accept `ct` as a service (an alias of CloudTable).
    pub accept_ct: bool,
    /// A5: refuse members the page does not list (in the body and in a tag).
    pub refuse_unknown: bool,
    /// A6: refuse empty strings where a string is required.
    pub refuse_empty: bool,
    /// A9: refuse a name a live connection of the project already has.
    pub refuse_repeated_name: bool,
    /// Implement show, list and delete; without it they are answered 405.
    pub family: bool,
    /// Name the offending value in error messages (the request's own string, echoed).
    pub echo: bool,
}

/// How many live connections a zoo server remembers (the oldest is forgotten first).
pub const CAPACITY: usize = 4096;

/// A connection a zoo server holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Its UUID.
    pub id: String,
    /// The project it was created in (the raw path segment).
    pub project: String,
    /// Its name.
    pub name: String,
    /// The service as the request spelled it.
    pub service: String,
}

/// What a server answers, before it is written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 201: the connection was created.
    Created(Connection),
    /// 200: show.
    Shown(Connection),
    /// 200: list.
    Listed(Vec<Connection>),
    /// 200: deleted.
    Deleted,
    /// An error answer: status, error code, message.
    Error {
        /// HTTP status (400, 404 or 405).
        status: u16,
        /// Non-empty error code.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
}

const SERVICES: [&str; 6] = [
    "CloudTable",
    "CloudTable.OpenTSDB",
    "MRS.OPENTSDB",
    "DWS",
    "RDS",
    "CSS",
];
const REQUIRED: [&str; 5] = ["name", "service", "security_group_id", "network_id", "url"];
const URL_LIMIT: usize = 512;

/// One zoo server's endpoint: its choices and its connections.
#[derive(Debug, Default)]
pub struct Endpoint {
    choices: Choices,
    live: Mutex<VecDeque<Connection>>,
}

impl Endpoint {
    /// An endpoint taking `choices`, holding no connection yet.
    pub fn new(choices: Choices) -> Endpoint {
        Endpoint {
            choices,
            live: Mutex::new(VecDeque::new()),
        }
    }

    /// The answer to `method` on `path` (a query is ignored) with `body`.
    pub fn answer(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        let path = path.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["v2.0", project, "datasource-connection"]) => self.create(project, body),
            (_, ["v2.0", _, "datasource-connection", ..]) if !self.choices.family => {
                not_allowed(method)
            }
            ("GET", ["v2.0", project, "datasource-connection"]) => self.list(project),
            ("GET", ["v2.0", project, "datasource-connection", id]) => {
                self.find(project, id).map_or_else(missing, Answer::Shown)
            }
            ("DELETE", ["v2.0", project, "datasource-connection", id]) => {
                let mut live = self.live.lock().expect("the store lock is not poisoned");
                match live
                    .iter()
                    .position(|c| c.project == *project && c.id == *id)
                {
                    Some(at) => {
                        live.remove(at);
                        Answer::Deleted
                    }
                    None => missing(),
                }
            }
            (_, ["v2.0", _, "datasource-connection", ..]) => not_allowed(method),
            _ => Answer::Error {
                status: 404,
                code: "DLI.0002",
                message: format!("no such resource: {path}"),
            },
        }
    }

    fn create(&self, project: &str, body: &[u8]) -> Answer {
        let fields = match self.judge(body) {
            Ok(fields) => fields,
            Err(message) => return invalid(message),
        };
        let mut live = self.live.lock().expect("the store lock is not poisoned");
        if self.choices.refuse_repeated_name
            && live
                .iter()
                .any(|c| c.project == project && c.name == fields.0)
        {
            return Answer::Error {
                status: 400,
                code: "DLI.0006",
                message: self.about("a connection with this name exists", &fields.0),
            };
        }
        let connection = Connection {
            id: uuid::Uuid::new_v4().to_string(),
            project: project.to_owned(),
            name: fields.0,
            service: fields.1,
        };
        if live.len() == CAPACITY {
            live.pop_front();
        }
        live.push_back(connection.clone());
        Answer::Created(connection)
    }

    fn list(&self, project: &str) -> Answer {
        let live = self.live.lock().expect("the store lock is not poisoned");
        Answer::Listed(
            live.iter()
                .filter(|c| c.project == project)
                .cloned()
                .collect(),
        )
    }

    fn find(&self, project: &str, id: &str) -> Option<Connection> {
        let live = self.live.lock().expect("the store lock is not poisoned");
        live.iter()
            .find(|c| c.project == project && c.id == id)
            .cloned()
    }

    /// The name and service of a valid body, or why it is invalid.
    fn judge(&self, body: &[u8]) -> Result<(String, String), String> {
        let value: Value =
            serde_json::from_slice(body).map_err(|err| format!("the body is not JSON: {err}"))?;
        let Value::Object(object) = value else {
            return Err("the body is not a JSON object".into());
        };
        let mut strings = Vec::with_capacity(REQUIRED.len());
        for member in REQUIRED {
            match object.get(member) {
                None => return Err(format!("{member} is required")),
                Some(Value::String(text)) => strings.push(self.filled(member, text)?),
                Some(_) => return Err(format!("{member} must be a string")),
            }
        }
        let service = strings[1];
        let listed = SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service))
            || (self.choices.accept_ct && service.eq_ignore_ascii_case("ct"));
        if !listed {
            return Err(self.about("unsupported service", service));
        }
        if strings[4].chars().count() > URL_LIMIT {
            return Err(format!("url is longer than {URL_LIMIT} characters"));
        }
        if let Some(tags) = object.get("tags") {
            self.tags(tags)?;
        }
        if self.choices.refuse_unknown {
            let known = |k: &String| REQUIRED.contains(&k.as_str()) || k == "tags";
            if let Some(unknown) = object.keys().find(|k| !known(k)) {
                return Err(self.about("unknown member", unknown));
            }
        }
        Ok((strings[0].to_owned(), service.to_owned()))
    }

    fn tags(&self, tags: &Value) -> Result<(), String> {
        let Value::Array(tags) = tags else {
            return Err("tags must be an array".into());
        };
        for tag in tags {
            let Value::Object(tag) = tag else {
                return Err("each tag must be an object".into());
            };
            for member in ["key", "value"] {
                match tag.get(member) {
                    Some(Value::String(text)) => {
                        self.filled(member, text)?;
                    }
                    Some(_) => return Err(format!("tag {member} must be a string")),
                    None => return Err(format!("tag {member} is required")),
                }
            }
            if self.choices.refuse_unknown {
                if let Some(unknown) = tag.keys().find(|k| *k != "key" && *k != "value") {
                    return Err(self.about("unknown tag member", unknown));
                }
            }
        }
        Ok(())
    }

    /// `text`, unless it is empty and the server refuses empty strings.
    fn filled<'a>(&self, member: &str, text: &'a str) -> Result<&'a str, String> {
        if self.choices.refuse_empty && text.is_empty() {
            return Err(format!("{member} must not be empty"));
        }
        Ok(text)
    }

    /// `what`, followed by the offending value when the server echoes inputs.
    fn about(&self, what: &str, value: &str) -> String {
        if self.choices.echo {
            format!("{what}: {value}")
        } else {
            what.to_owned()
        }
    }
}

fn invalid(message: String) -> Answer {
    Answer::Error {
        status: 400,
        code: "DLI.0001",
        message,
    }
}

fn missing() -> Answer {
    Answer::Error {
        status: 400,
        code: "DLI.0002",
        message: "no such connection".into(),
    }
}

fn not_allowed(method: &str) -> Answer {
    Answer::Error {
        status: 405,
        code: "DLI.0007",
        message: format!("{method} is not supported here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str =
        r#"{"name":"n","service":"dws","security_group_id":"s","network_id":"n","url":"u"}"#;
    const PATH: &str = "/v2.0/p/datasource-connection";

    fn status(endpoint: &Endpoint, body: &str) -> u16 {
        match endpoint.answer("POST", PATH, body.as_bytes()) {
            Answer::Created(_) => 201,
            Answer::Error { status, .. } => status,
            other => panic!("a create answered {other:?}"),
        }
    }

    #[test]
    fn valid_bodies_are_created_whatever_the_choices() {
        let strict = Endpoint::new(Choices {
            refuse_unknown: true,
            refuse_empty: true,
            refuse_repeated_name: true,
            ..Choices::default()
        });
        assert_eq!(status(&strict, VALID), 201);
        let url = "é".repeat(512);
        let long = VALID.replace(r#""url":"u""#, &format!(r#""url":"{url}","tags":[]"#));
        assert_eq!(status(&strict, &long.replace(r#""n""#, r#""m""#)), 201);
    }

    #[test]
    fn invalid_bodies_are_refused_whatever_the_choices() {
        let lenient = Endpoint::new(Choices {
            accept_ct: true,
            ..Choices::default()
        });
        for body in [
            "",
            "[]",
            "NaN",
            &VALID.replace(r#""dws""#, r#""hbase""#),
            &VALID.replace(r#""url":"u""#, &format!(r#""url":"{}""#, "u".repeat(513))),
            &VALID.replace(r#","url":"u""#, ""),
            &VALID.replace(r#""u""#, "7"),
            &VALID.replace(r#""u""#, r#""u","tags":[{"key":"k"}]"#),
            &VALID.replace(r#""u""#, r#""u","tags":{}"#),
        ] {
            assert_eq!(status(&lenient, body), 400, "{body}");
        }
    }

    #[test]
    fn the_choices_decide_the_mays() {
        let ct = VALID.replace(r#""dws""#, r#""CT""#);
        let unknown = VALID.replace(r#""u""#, r#""u","x":1"#);
        let empty = VALID.replace(r#""u""#, r#""""#);
        let lenient = Endpoint::new(Choices {
            accept_ct: true,
            ..Choices::default()
        });
        let strict = Endpoint::new(Choices {
            refuse_unknown: true,
            refuse_empty: true,
            refuse_repeated_name: true,
            ..Choices::default()
        });
        for body in [&ct, &unknown, &empty] {
            assert_eq!(status(&lenient, body), 201, "{body}");
            assert_eq!(status(&strict, body), 400, "{body}");
        }
        assert_eq!(status(&lenient, VALID), 201);
        assert_eq!(status(&lenient, VALID), 201);
        assert_eq!(status(&strict, VALID), 201);
        assert_eq!(status(&strict, VALID), 400);
    }

    #[test]
    fn the_family_shows_lists_and_deletes_or_is_not_allowed() {
        let endpoint = Endpoint::new(Choices {
            family: true,
            ..Choices::default()
        });
        let Answer::Created(created) = endpoint.answer("POST", PATH, VALID.as_bytes()) else {
            panic!("a valid body is created");
        };
        let one = format!("{PATH}/{}", created.id);
        assert_eq!(
            endpoint.answer("GET", &one, b""),
            Answer::Shown(created.clone())
        );
        assert_eq!(
            endpoint.answer("GET", PATH, b""),
            Answer::Listed(vec![created])
        );
        assert_eq!(endpoint.answer("DELETE", &one, b""), Answer::Deleted);
        assert!(matches!(
            endpoint.answer("GET", &one, b""),
            Answer::Error { status: 400, .. }
        ));
        let create_only = Endpoint::new(Choices::default());
        assert!(matches!(
            create_only.answer("DELETE", &one, b""),
            Answer::Error { status: 405, .. }
        ));
    }
}
