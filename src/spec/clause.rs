//! The clause registry: every rule of `shared/spec/CLAUSES.md` as a typed [`ClauseId`].
//!
//! Case files, checker violations, reports and the mock's error messages all name rules by these
//! ids. In code an id is a [`ClauseId`] variant, so a misspelt one does not compile; in a case file
//! it is the id text, which the loader parses with [`ClauseId::parse`] and rejects when unknown. A
//! test cross-checks the table against `CLAUSES.md` (a copy ships in `tests/spec/`, itself checked
//! against the project's `shared/spec/` when that sits beside the checkout), so the two cannot
//! drift apart. Ambiguities (`A1`..`A9`) are MAY clauses: the suite records what a server chose
//! there and never fails it. The `cur.*` clauses belong to the opt-in [`Profile::Current`].

use std::fmt;

/// How strongly the spec states a rule, and so what breaking it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Either behaviour is conformant; the run records which one it saw.
    May,
    /// Breaking it is a warning (a failure only under `--strict`).
    Should,
    /// Breaking it is a failure.
    Must,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Level::May => "MAY",
            Level::Should => "SHOULD",
            Level::Must => "MUST",
        })
    }
}

/// Which revision of the page a run judges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The seed page (the default): the `req.*`, `resp.*` and `A*` clauses.
    #[default]
    Seed,
    /// The seed plus the newer page's `cur.*` MUST clauses (name pattern, tag lengths and count).
    Current,
}

impl Profile {
    /// The profile's name, as `--profile` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Seed => "seed",
            Profile::Current => "current",
        }
    }

    /// Whether the profile judges by `clause`.
    pub fn has(self, clause: ClauseId) -> bool {
        self == Profile::Current || clause.profile() == Profile::Seed
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Profile, String> {
        match text {
            "seed" => Ok(Profile::Seed),
            "current" => Ok(Profile::Current),
            other => Err(format!(
                "unknown profile {other:?} (expected `seed` or `current`)"
            )),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Declares [`ClauseId`]: one variant per clause, with its id text, level, profile and rule.
macro_rules! clauses {
    ($($variant:ident = $id:literal, $level:ident, $profile:ident, $rule:literal;)*) => {
        /// A clause of the spec. Its text form (`req.url.max-length`) is what case files, reports
        /// and error messages show.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ClauseId {
            $(#[doc = concat!("`", $id, "` (", stringify!($level), "): ", $rule, ".")] $variant,)*
        }

        impl ClauseId {
            /// Every clause, in the order `CLAUSES.md` lists them.
            pub const ALL: &'static [ClauseId] = &[$(ClauseId::$variant,)*];

            /// The stable id text, e.g. `req.url.max-length`.
            pub const fn id(self) -> &'static str {
                match self { $(ClauseId::$variant => $id,)* }
            }

            /// MUST, SHOULD or MAY.
            pub const fn level(self) -> Level {
                match self { $(ClauseId::$variant => Level::$level,)* }
            }

            /// The profile that introduced the clause.
            pub const fn profile(self) -> Profile {
                match self { $(ClauseId::$variant => Profile::$profile,)* }
            }

            /// The rule in one line.
            pub const fn rule(self) -> &'static str {
                match self { $(ClauseId::$variant => $rule,)* }
            }
        }
    };
}

clauses! {
    ReqPath = "req.path", Must, Seed, "POST /v2.0/{project_id}/datasource-connection";
    ReqBodyObject = "req.body.object", Must, Seed, "the body is a JSON object";
    ReqNameRequired = "req.name.required", Must, Seed, "`name` is present";
    ReqNameType = "req.name.type", Must, Seed, "`name` is a string";
    ReqServiceRequired = "req.service.required", Must, Seed, "`service` is present";
    ReqServiceType = "req.service.type", Must, Seed, "`service` is a string";
    ReqServiceEnum = "req.service.enum", Must, Seed, "`service` is one of the listed services";
    ReqServiceCaseInsensitive = "req.service.case-insensitive", Must, Seed, "service names match regardless of case";
    ReqSecurityGroupIdRequired = "req.security_group_id.required", Must, Seed, "`security_group_id` is present";
    ReqSecurityGroupIdType = "req.security_group_id.type", Must, Seed, "`security_group_id` is a string";
    ReqNetworkIdRequired = "req.network_id.required", Must, Seed, "`network_id` is present";
    ReqNetworkIdType = "req.network_id.type", Must, Seed, "`network_id` is a string";
    ReqUrlRequired = "req.url.required", Must, Seed, "`url` is present";
    ReqUrlType = "req.url.type", Must, Seed, "`url` is a string";
    ReqUrlMaxLength = "req.url.max-length", Must, Seed, "`url` is at most 512 characters";
    ReqTagsOptional = "req.tags.optional", Must, Seed, "`tags` may be absent or empty";
    ReqTagsType = "req.tags.type", Must, Seed, "`tags`, when present, is an array of objects";
    ReqTagsKeyRequired = "req.tags.key.required", Must, Seed, "each tag has `key`";
    ReqTagsKeyType = "req.tags.key.type", Must, Seed, "each tag's `key` is a string";
    ReqTagsValueRequired = "req.tags.value.required", Must, Seed, "each tag has `value`";
    ReqTagsValueType = "req.tags.value.type", Must, Seed, "each tag's `value` is a string";
    RespCreatedStatus = "resp.created.status", Must, Seed, "a valid request is answered 201";
    RespCreatedJson = "resp.created.json", Must, Seed, "the 201 body is a JSON object with Content-Type application/json";
    RespCreatedIsSuccessType = "resp.created.is_success.type", Must, Seed, "`is_success`, when present, is a boolean";
    RespCreatedIsSuccessTrue = "resp.created.is_success.true", Must, Seed, "a 201 never carries `is_success: false`";
    RespCreatedMessageType = "resp.created.message.type", Must, Seed, "`message`, when present, is a string";
    RespCreatedConnectionIdType = "resp.created.connection_id.type", Must, Seed, "`connection_id`, when present, is a UUID string";
    RespCreatedConnectionIdPresent = "resp.created.connection_id.present", Should, Seed, "a 201 carries `connection_id`";
    RespCreatedConnectionIdUnique = "resp.created.connection_id.unique", Must, Seed, "two successful creates never share a `connection_id`";
    RespInvalidStatus = "resp.invalid.status", Must, Seed, "an invalid request is answered 400";
    RespErrorEnvelope = "resp.error.envelope", Must, Seed, "every 4xx/5xx body is a JSON object with `error_code` and `error_msg`";
    RespNoServerError = "resp.no-server-error", Must, Seed, "no request is answered 5xx";
    RespStatusDocumented = "resp.status.documented", Must, Seed, "the endpoint answers only 201, 400 or 500";
    A1 = "A1", May, Seed, "`CloudTable.OpenTSDB/CloudTable` is two values, both accepted";
    A2 = "A2", May, Seed, "`ct` may be accepted as an alias or rejected";
    A3 = "A3", May, Seed, "`MRS.OpenTSDB` is `MRS.OPENTSDB` by case-insensitivity";
    A4 = "A4", May, Seed, "every response field is optional; types apply when present";
    A5 = "A5", May, Seed, "unknown request members may be ignored or rejected";
    A6 = "A6", May, Seed, "empty strings may be accepted or rejected";
    A7 = "A7", May, Seed, "the SDKs treat any status below 400 as success; the page says 201";
    A8 = "A8", May, Seed, "request Content-Type other than application/json is not addressed";
    A9 = "A9", May, Seed, "duplicate connection names may be accepted or rejected";
    CurNamePattern = "cur.name.pattern", Must, Current, "`name` is 1-64 characters of ASCII letters, digits, `_` and `-`";
    CurTagsKeyLength = "cur.tags.key.length", Must, Current, "each tag `key` is 1-128 characters";
    CurTagsValueLength = "cur.tags.value.length", Must, Current, "each tag `value` is 1-255 characters";
    CurTagsMaxCount = "cur.tags.max-count", Must, Current, "at most 20 tags";
}

impl ClauseId {
    /// The clause whose id text is `id`, if the spec has one.
    pub fn parse(id: &str) -> Option<ClauseId> {
        ClauseId::ALL
            .iter()
            .copied()
            .find(|clause| clause.id() == id)
    }

    /// Whether the clause is one of the two status rules through which the checker judges a
    /// request rule (`resp.created.status`, `resp.invalid.status`).
    pub fn is_status_rule(self) -> bool {
        matches!(
            self,
            ClauseId::RespCreatedStatus | ClauseId::RespInvalidStatus
        )
    }

    /// The clause whose id text is `id`, or an error quoting it (with a near id as a hint).
    pub fn parse_or_explain(id: &str) -> Result<ClauseId, String> {
        ClauseId::parse(id).ok_or_else(|| {
            let hint = ClauseId::ALL
                .iter()
                .map(|known| known.id())
                .find(|known| known.contains(id) || id.contains(known))
                .map(|near| format!(" (did you mean {near:?}?)"))
                .unwrap_or_default();
            format!("unknown clause id {id:?}{hint}")
        })
    }

    /// Whether the clause is a rule about requests (`req.*`, `cur.*`), which the checker can
    /// only see through the answer's status.
    pub fn is_request_rule(self) -> bool {
        self.id().starts_with("req.") || self.id().starts_with("cur.")
    }
}

impl fmt::Display for ClauseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

impl serde::Serialize for ClauseId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for ClauseId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ClauseId, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        ClauseId::parse_or_explain(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ClauseId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ClauseId".into()
    }

    /// Exactly the ids [`ClauseId::parse`] accepts, in the order of `CLAUSES.md`.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let ids: Vec<&str> = ClauseId::ALL.iter().map(|clause| clause.id()).collect();
        schemars::json_schema!({
            "description": "A clause id of CLAUSES.md, e.g. `req.url.max-length` or `A6`.",
            "enum": ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_parse_back() {
        for &clause in ClauseId::ALL {
            assert_eq!(ClauseId::parse(clause.id()), Some(clause));
        }
        assert_eq!(ClauseId::parse("req.url.max-lenght"), None);
    }

    #[test]
    fn profiles_judge_by_their_clauses() {
        assert!(Profile::Seed.has(ClauseId::ReqUrlMaxLength));
        assert!(!Profile::Seed.has(ClauseId::CurNamePattern));
        assert!(Profile::Current.has(ClauseId::CurNamePattern));
        assert_eq!("current".parse(), Ok(Profile::Current));
        assert!("newest".parse::<Profile>().is_err());
    }

    /// The copy of `CLAUSES.md` this crate was written against.
    const VENDORED: &str = include_str!("../../tests/spec/CLAUSES.md");

    /// The vendored copy is the project's `shared/spec/CLAUSES.md`, where that sits beside the
    /// checkout (as in CI): a changed spec fails here until the table and the copy follow it.
    #[test]
    fn vendored_spec_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/CLAUSES.md");
        match std::fs::read_to_string(path) {
            Ok(current) => assert!(
                current == VENDORED,
                "{path} changed: update tests/spec/CLAUSES.md and the table in src/clause.rs"
            ),
            Err(_) => eprintln!("note: {path} not found; checked the vendored copy only"),
        }
    }

    /// Every clause row of `CLAUSES.md` (rules, ambiguities, the `current` profile), in page
    /// order, with its level and the section's profile, is the table above.
    #[test]
    fn table_matches_clauses_md() {
        let mut in_spec = Vec::new();
        let mut profile = Profile::Seed;
        for line in VENDORED.lines() {
            if line.starts_with("## ") {
                profile = if line.contains("profile `current`") {
                    Profile::Current
                } else {
                    Profile::Seed
                };
            }
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if line.starts_with("| `") {
                let level = match cells[2] {
                    "MUST" => Level::Must,
                    "SHOULD" => Level::Should,
                    other => panic!("unexpected level {other:?} in {line}"),
                };
                for id in cells[1].split('/') {
                    in_spec.push((id.trim().trim_matches('`').to_owned(), level, profile));
                }
            } else if line.starts_with("| A") {
                in_spec.push((cells[1].to_owned(), Level::May, profile));
            }
        }
        let ours: Vec<(String, Level, Profile)> = ClauseId::ALL
            .iter()
            .map(|c| (c.id().to_owned(), c.level(), c.profile()))
            .collect();
        assert_eq!(ours, in_spec);
    }
}
