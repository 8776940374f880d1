//! Fitting cases to a run: the profile they are judged by, the VPC objects the target's project
//! has, and the run id in generated names.
//!
//! [`Fit::case`] takes a case as loaded or generated (its expectation by the seed page) and gives
//! the case this run sends:
//! - **Profile.** Under `current`, a hand-written case keeps its (seed) expectation unless the
//!   oracle under `current` says reject with a `cur.*` clause: then it expects reject, naming those
//!   clauses (`valid/name-65-chars` becomes an invalid request). A generated body is judged by the
//!   oracle under the run's profile.
//! - **Names (generated and corpus bodies).** Every body that may create a connection (`accept`
//!   or `either` by the seed) gets the run id at the end of its `name` (`-{run}`; when that would
//!   pass the 64 characters of `cur.name.pattern`, the part before the name's run-unique tag of
//!   `generate::names` is shortened instead, keeping its length and the tag). Under `current`,
//!   such a name is first brought within `[A-Za-z0-9_-]` (other characters become `_`) so the
//!   valid classes stay valid; the class that probes the newer page's limits
//!   ([`CURRENT_LIMITS_CLASS`]) and corpus cases (whose string is the subject) keep their names.
//!   An empty name (A6) stays empty.
//! - **Fixtures.** With `--security-group-id` and `--network-id`, a body that may create a
//!   connection carries them in place of any non-empty `security_group_id` / `network_id`
//!   string (empty ones, A6, stay empty), hand-written and generated alike: a real project only
//!   accepts VPC objects it has.
//!
//! Bodies that are not JSON objects, and bodies expected to be rejected, are sent as they are.
//! The result is judged again, so a fitted body never carries a stale expectation.

use serde_json::{Map, Value};

use crate::case::{exercised_clauses, Case, Expect, Source};
use crate::check;
use crate::generate::{names, CURRENT_LIMITS_CLASS};
use crate::spec::clause::Profile;
use crate::spec::oracle;
use crate::spec::rules::current;

/// What a run fits its cases to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fit {
    /// The profile the run judges by.
    pub profile: Profile,
    /// The security group and subnet ids valid bodies carry, when given.
    pub vpc: Option<(String, String)>,
    /// The run id generated names end with, when the run has one.
    pub run_id: Option<String>,
}

impl Fit {
    /// `case` as this run sends it (see the module doc).
    pub fn case(&self, case: Case) -> Case {
        match case.source {
            Source::File { .. } => self.file_case(case),
            Source::Generated { class, .. } => {
                self.generated_case(case, class == CURRENT_LIMITS_CLASS)
            }
            // A corpus string is the subject of its case: a naughty name is sent as it is.
            Source::Corpus { .. } => self.generated_case(case, true),
        }
    }

    fn file_case(&self, mut case: Case) -> Case {
        if self.profile == Profile::Current && case.expect != Expect::Reject {
            let judged = oracle::expectation_under(&case.body, Profile::Current);
            let newer = judged
                .clauses
                .iter()
                .any(|clause| clause.profile() == Profile::Current);
            if judged.expect == Expect::Reject && newer {
                let judged_before = check::judged_clauses(case.expect);
                case.clauses
                    .retain(|clause| !judged_before.contains(clause));
                let declared = std::mem::take(&mut case.clauses);
                case.expect = Expect::Reject;
                case.clauses = exercised_clauses(&judged, Expect::Reject, &declared);
            }
        }
        if case.expect != Expect::Reject {
            if let Some(mut members) = object(&case.body) {
                if self.put_vpc(&mut members) {
                    case.body = encode(&members);
                }
            }
        }
        case
    }

    fn generated_case(&self, mut case: Case, keep_as_drawn: bool) -> Case {
        let may_create = case.expect != Expect::Reject;
        let mut changed = false;
        if let (true, Some(mut members)) = (may_create, object(&case.body)) {
            changed = self.put_vpc(&mut members);
            if let Some(Value::String(name)) = members.get_mut("name") {
                if !name.is_empty() {
                    let fitted = self.name(name, keep_as_drawn);
                    changed |= fitted != *name;
                    *name = fitted;
                }
            }
            if changed {
                case.body = encode(&members);
            }
        }
        // The generator judged the body as drawn under the seed profile (`judged_case`): only a
        // changed body, or another profile, is judged again.
        if !changed && self.profile == Profile::Seed {
            return case;
        }
        let judged = oracle::expectation_under(&case.body, self.profile);
        case.clauses = exercised_clauses(&judged, judged.expect, &[]);
        case.expect = judged.expect;
        case
    }

    /// A generated name as this run sends it: within the pattern under `current` (unless
    /// `keep_as_drawn`), ending in `-{run}`.
    fn name(&self, name: &str, keep_as_drawn: bool) -> String {
        let mut name: String = if self.profile == Profile::Current && !keep_as_drawn {
            name.chars()
                .map(|c| if current::name_char(c) { c } else { '_' })
                .take(current::NAME_MAX_CHARS)
                .collect()
        } else {
            name.to_owned()
        };
        if let Some(run) = &self.run_id {
            let suffix = format!("-{run}");
            let chars = name.chars().count();
            let room = current::NAME_MAX_CHARS.saturating_sub(suffix.chars().count());
            if chars > room && chars >= suffix.chars().count() {
                // Shortened before its run-unique tag (`generate::names`), which must stay whole.
                let keep = chars - suffix.chars().count();
                let (head, tag) = names::split_tag(&name);
                let head: String = head
                    .chars()
                    .take(keep.saturating_sub(tag.chars().count()))
                    .collect();
                name = head + tag;
            }
            name.push_str(&suffix);
        }
        name
    }

    /// Puts the fixtures in place of non-empty string ids; whether anything changed.
    fn put_vpc(&self, members: &mut Map<String, Value>) -> bool {
        let Some((security_group_id, network_id)) = &self.vpc else {
            return false;
        };
        let mut changed = false;
        for (member, fixture) in [
            ("security_group_id", security_group_id),
            ("network_id", network_id),
        ] {
            if let Some(Value::String(given)) = members.get_mut(member) {
                if !given.is_empty() && given != fixture {
                    *given = fixture.clone();
                    changed = true;
                }
            }
        }
        changed
    }
}

fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body).ok()? {
        Value::Object(members) => Some(members),
        _ => None,
    }
}

fn encode(members: &Map<String, Value>) -> bytes::Bytes {
    bytes::Bytes::from(serde_json::to_vec(members).expect("a JSON value serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{class, CLASSES};
    use crate::spec::clause::ClauseId;

    fn file_case(body: &str, expect: Expect) -> Case {
        Case {
            id: "t/a".into(),
            description: String::new(),
            clauses: vec![ClauseId::RespCreatedStatus, ClauseId::RespCreatedJson],
            expect,
            body: bytes::Bytes::from(body.to_owned()),
            source: Source::File {
                path: "cases/t.json".into(),
                line: 1,
            },
            see: None,
        }
    }

    #[test]
    fn hand_written_cases_turn_reject_under_current_only_for_cur_clauses() {
        let current = Fit {
            profile: Profile::Current,
            ..Fit::default()
        };
        let long = format!(
            r#"{{"name":"{}","service":"DWS","security_group_id":"s","network_id":"n","url":"u"}}"#,
            "a".repeat(65)
        );
        let fitted = current.case(file_case(&long, Expect::Accept));
        assert_eq!(fitted.expect, Expect::Reject);
        assert!(fitted.clauses.contains(&ClauseId::CurNamePattern));
        assert!(fitted.clauses.contains(&ClauseId::RespInvalidStatus));
        assert!(!fitted.clauses.contains(&ClauseId::RespCreatedStatus));
        let seed = Fit::default().case(file_case(&long, Expect::Accept));
        assert_eq!(seed.expect, Expect::Accept);
        let fine = long.replace(&"a".repeat(65), "ok");
        assert_eq!(
            current.case(file_case(&fine, Expect::Accept)).expect,
            Expect::Accept
        );
    }

    #[test]
    fn fixtures_replace_ids_of_bodies_that_may_create() {
        let fit = Fit {
            vpc: Some(("SG".into(), "NET".into())),
            ..Fit::default()
        };
        let body =
            r#"{"name":"n","service":"DWS","security_group_id":"s","network_id":"","url":"u"}"#;
        let fitted = fit.case(file_case(body, Expect::Either));
        assert_eq!(
            std::str::from_utf8(&fitted.body).unwrap(),
            r#"{"name":"n","service":"DWS","security_group_id":"SG","network_id":"","url":"u"}"#
        );
        let rejected = fit.case(file_case(body, Expect::Reject));
        assert_eq!(rejected.body, body.as_bytes());
    }

    #[test]
    fn valid_classes_stay_valid_under_current_and_names_carry_the_run() {
        let fit = Fit {
            profile: Profile::Current,
            vpc: Some(("SG".into(), "NET".into())),
            run_id: Some("r5k2q".into()),
        };
        for case in class("valid").unwrap().sample(11, 200) {
            let fitted = fit.case(case);
            assert_eq!(fitted.expect, Expect::Accept, "{:?}", fitted.body);
            let body: Value = serde_json::from_slice(&fitted.body).unwrap();
            let name = body["name"].as_str().unwrap();
            assert!(
                current::name_matches(name) && name.ends_with("-r5k2q"),
                "{name}"
            );
            assert_eq!(body["security_group_id"], "SG");
        }
        let limits = class(CURRENT_LIMITS_CLASS).unwrap().sample(11, 300);
        let judged: Vec<Case> = limits.into_iter().map(|c| fit.case(c)).collect();
        for clause in [
            ClauseId::CurNamePattern,
            ClauseId::CurTagsKeyLength,
            ClauseId::CurTagsValueLength,
            ClauseId::CurTagsMaxCount,
        ] {
            assert!(
                judged
                    .iter()
                    .any(|c| c.expect == Expect::Reject && c.clauses.contains(&clause)),
                "no generated body breaks {clause}"
            );
        }
        assert!(judged.iter().any(|c| c.expect == Expect::Accept));
        assert!(CLASSES.iter().any(|c| c.name == CURRENT_LIMITS_CLASS));
    }

    #[test]
    fn long_names_keep_their_length() {
        let fit = Fit {
            profile: Profile::Current,
            run_id: Some("run1".into()),
            ..Fit::default()
        };
        let name = fit.name(&"a".repeat(64), true);
        assert_eq!(name, format!("{}-run1", "a".repeat(59)));
        assert_eq!(fit.name("x", false), "x-run1");
        assert_eq!(fit.name("名字", false), "__-run1");
        assert_eq!(Fit::default().name("名字", false), "名字");
    }
}
