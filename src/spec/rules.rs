//! The spec's request rules as data: the members, their shapes and clauses, the service list and
//! how it folds case, the url limit, and the limits of the `current` profile.
//!
//! Each fact of `CLAUSES.md` about a request body is written here once. The oracle
//! (`spec::oracle`), the reference mock, its faults and variants, the strategies and the
//! structured fuzz bodies all read it; they keep their own control flow (the oracle and the mock
//! still judge independently), but they cannot disagree on what the members, services or limits
//! are. The hand-written cases stay the independent check of these facts.

use crate::spec::clause::ClauseId;

/// The JSON shape a member must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string.
    Text,
    /// An array of tag objects, each with the [`TAG_MEMBERS`].
    Tags,
}

/// One member of a create body (or of a tag object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member's name, e.g. `security_group_id`.
    pub name: &'static str,
    /// What its value must be.
    pub shape: Shape,
    /// The clause that requires it; `None` for an optional member.
    pub required: Option<ClauseId>,
    /// The clause its shape breaks when wrong.
    pub typed: ClauseId,
}

const fn required_text(name: &'static str, required: ClauseId, typed: ClauseId) -> Member {
    Member {
        name,
        shape: Shape::Text,
        required: Some(required),
        typed,
    }
}

/// The members of a create body, in the page's order: five required strings, then `tags`.
pub const MEMBERS: &[Member] = &[
    required_text("name", ClauseId::ReqNameRequired, ClauseId::ReqNameType),
    required_text(
        "service",
        ClauseId::ReqServiceRequired,
        ClauseId::ReqServiceType,
    ),
    required_text(
        "security_group_id",
        ClauseId::ReqSecurityGroupIdRequired,
        ClauseId::ReqSecurityGroupIdType,
    ),
    required_text(
        "network_id",
        ClauseId::ReqNetworkIdRequired,
        ClauseId::ReqNetworkIdType,
    ),
    required_text("url", ClauseId::ReqUrlRequired, ClauseId::ReqUrlType),
    Member {
        name: "tags",
        shape: Shape::Tags,
        required: None,
        typed: ClauseId::ReqTagsType,
    },
];

/// The members of one tag object: `key` and `value`, both required strings.
pub const TAG_MEMBERS: &[Member] = &[
    required_text(
        "key",
        ClauseId::ReqTagsKeyRequired,
        ClauseId::ReqTagsKeyType,
    ),
    required_text(
        "value",
        ClauseId::ReqTagsValueRequired,
        ClauseId::ReqTagsValueType,
    ),
];

/// The member of a create body called `name`.
pub fn member(name: &str) -> Option<&'static Member> {
    MEMBERS.iter().find(|member| member.name == name)
}

/// Whether a create body may carry `name` without touching A5 (unknown members).
pub fn is_known_member(name: &str) -> bool {
    member(name).is_some()
}

/// Whether a tag object may carry `name` without touching A5.
pub fn is_known_tag_member(name: &str) -> bool {
    TAG_MEMBERS.iter().any(|member| member.name == name)
}

/// The required string members of a create body, in the page's order.
pub fn required_text_members() -> impl Iterator<Item = &'static Member> {
    MEMBERS
        .iter()
        .filter(|member| member.required.is_some() && member.shape == Shape::Text)
}

/// The names of [`required_text_members`], for strategies that pick among them.
pub fn required_text_names() -> Vec<&'static str> {
    required_text_members().map(|member| member.name).collect()
}

/// The services `req.service.enum` lists, in the page's spelling (A1: the page's
/// "CloudTable.OpenTSDB/CloudTable" is two values).
pub const SERVICES: &[&str] = &[
    "CloudTable",
    "CloudTable.OpenTSDB",
    "MRS.OPENTSDB",
    "DWS",
    "RDS",
    "CSS",
];

/// The alias the page's request example uses (`"service": "ct"`), not in the list (A2).
pub const CT_ALIAS: &str = "ct";

/// The listed service `text` names under `req.service.case-insensitive`: the listed values
/// compared with ASCII case folding, so `dws` and `Mrs.OpenTsdb` are listed and `DWЅ` (a
/// Cyrillic letter) or ` DWS` are not.
pub fn listed_service(text: &str) -> Option<&'static str> {
    SERVICES
        .iter()
        .copied()
        .find(|listed| listed.eq_ignore_ascii_case(text))
}

/// The longest `url` `req.url.max-length` allows, in characters (Unicode scalar values).
pub const URL_MAX_CHARS: usize = 512;

/// The limits of the newer page, judged under the profile `current` (`cur.*` clauses).
pub mod current {
    /// The longest `name` (`cur.name.pattern`), in characters; the shortest is 1.
    pub const NAME_MAX_CHARS: usize = 64;
    /// The longest tag `key` (`cur.tags.key.length`); the shortest is 1.
    pub const TAG_KEY_MAX_CHARS: usize = 128;
    /// The longest tag `value` (`cur.tags.value.length`); the shortest is 1.
    pub const TAG_VALUE_MAX_CHARS: usize = 255;
    /// The most tags (`cur.tags.max-count`).
    pub const TAGS_MAX: usize = 20;

    /// Whether `c` may appear in a `name` (`cur.name.pattern`): ASCII letters, digits, `_`, `-`.
    pub fn name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_' || c == '-'
    }

    /// Whether `name` follows `cur.name.pattern`: 1-64 of [`name_char`].
    pub fn name_matches(name: &str) -> bool {
        (1..=NAME_MAX_CHARS).contains(&name.chars().count()) && name.chars().all(name_char)
    }

    /// The allowed character counts of a tag member (`cur.tags.key.length`,
    /// `cur.tags.value.length`).
    pub fn tag_member_chars(member: &str) -> std::ops::RangeInclusive<usize> {
        match member {
            "key" => 1..=TAG_KEY_MAX_CHARS,
            _ => 1..=TAG_VALUE_MAX_CHARS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_fold_ascii_case_only() {
        assert_eq!(listed_service("mrs.opentsdb"), Some("MRS.OPENTSDB"));
        assert_eq!(listed_service("cloudtable"), Some("CloudTable"));
        assert_eq!(listed_service("DW\u{405}"), None);
        assert_eq!(listed_service(" DWS"), None);
        assert_eq!(listed_service(CT_ALIAS), None);
    }

    #[test]
    fn the_required_strings_are_the_first_five() {
        assert_eq!(
            required_text_names(),
            ["name", "service", "security_group_id", "network_id", "url"]
        );
        assert!(is_known_member("tags") && !is_known_member("Name"));
    }

    #[test]
    fn the_current_name_pattern() {
        assert!(current::name_matches("dlic-a_1"));
        assert!(!current::name_matches(""));
        assert!(!current::name_matches(&"a".repeat(65)));
        assert!(current::name_matches(&"a".repeat(64)));
        assert!(!current::name_matches("caf\u{e9}"));
    }
}
