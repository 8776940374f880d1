//! Run fixtures: the values a run puts into case bodies where they say `{run}`,
//! `{security_group_id}` or `{network_id}`.
//!
//! The case loader ([`crate::case::load_dir`]) takes a [`Fixtures`] and expands those placeholders
//! in every string a case file writes (see the `case` module doc). A run against a real project
//! gives the ids of a security group and a subnet that exist there, and a run id unique to the
//! run, so that the connections one run creates never share a name with an earlier run's (A9: a
//! server may reject duplicate names). [`Fixtures::default`] is what the tests, the reference mock
//! and the shipped snapshots use: an empty run id, so the names are the ones the case files show,
//! and the two ids of the page's request example.

/// What `{run}`, `{security_group_id}` and `{network_id}` stand for in case bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixtures {
    /// Appended verbatim where a body says `{run}` (and so to every `{name}`): empty, or a
    /// separator and a short token such as `-r5k2q` (see [`Fixtures::with_run`]).
    pub run_id: String,
    /// The `security_group_id` valid bodies carry.
    pub security_group_id: String,
    /// The `network_id` (subnet id) valid bodies carry.
    pub network_id: String,
}

/// The `security_group_id` of the page's request example, the default fixture.
pub const EXAMPLE_SECURITY_GROUP_ID: &str = "a07ab107-a4ad-4835-ad09-08a2f2efccdb";

/// The `network_id` of the page's request example, the default fixture.
pub const EXAMPLE_NETWORK_ID: &str = "e83ba67d-e812-42d3-908d-6ea0b2cc5ecb";

/// The longest run token [`Fixtures::with_run`] takes: with it the longest derived name of the
/// shipped cases stays within the 64 characters of `cur.name.pattern`.
pub const RUN_TOKEN_MAX_CHARS: usize = 12;

impl Default for Fixtures {
    /// No run id (names as written) and the ids of the page's request example.
    fn default() -> Fixtures {
        Fixtures {
            run_id: String::new(),
            security_group_id: EXAMPLE_SECURITY_GROUP_ID.into(),
            network_id: EXAMPLE_NETWORK_ID.into(),
        }
    }
}

impl Fixtures {
    /// The default fixtures with run id `-{token}`; `token` is 1 to [`RUN_TOKEN_MAX_CHARS`]
    /// ASCII letters, digits, `_` or `-`, so names stay within `[A-Za-z0-9_-]{1,64}`.
    pub fn with_run(token: &str) -> Result<Fixtures, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if token.is_empty()
            || token.chars().count() > RUN_TOKEN_MAX_CHARS
            || !token.chars().all(allowed)
        {
            return Err(format!(
                "run token {token:?} must be 1 to {RUN_TOKEN_MAX_CHARS} ASCII letters, digits, '_' or '-'"
            ));
        }
        Ok(Fixtures {
            run_id: format!("-{token}"),
            ..Fixtures::default()
        })
    }

    /// The value of placeholder `{key}`, for the fixtures' own keys.
    pub fn value(&self, key: &str) -> Option<&str> {
        match key {
            "run" => Some(&self.run_id),
            "security_group_id" => Some(&self.security_group_id),
            "network_id" => Some(&self.network_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_tokens_keep_names_in_the_pattern() {
        assert_eq!(Fixtures::with_run("r5k2q").unwrap().run_id, "-r5k2q");
        assert!(Fixtures::with_run("").is_err());
        assert!(Fixtures::with_run("a b").is_err());
        assert!(Fixtures::with_run(&"a".repeat(RUN_TOKEN_MAX_CHARS + 1)).is_err());
        assert_eq!(Fixtures::default().value("run"), Some(""));
        assert_eq!(Fixtures::default().value("name"), None);
    }
}
