//! Members broken one at a time: missing, of the wrong type, empty, unknown, renamed to another
//! case, malformed `tags`, and bodies that are JSON but not an object.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::services::CASE_MAPPED;
use super::valid::{free_text, valid_members, valid_tag};
use super::{pattern, Members};
use crate::spec::rules;

/// A valid body missing a random non-empty subset of the required members.
pub fn missing_required() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
    )
        .prop_map(|(mut members, missing)| {
            for member in missing {
                members.shift_remove(member);
            }
            members
        })
}

/// Any JSON value that is not a string: `null`, booleans, numbers, arrays and objects.
pub fn non_string_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        vec(pattern("[a-z]{0,8}"), 0..3).prop_map(Value::from),
        pattern("[a-z]{1,8}").prop_map(|text| serde_json::json!({ "value": text })),
    ]
}

/// A valid body with one or more required members given a non-string JSON value.
pub fn wrong_types() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
        vec(non_string_value(), 5),
    )
        .prop_map(|(mut members, wrong, values)| {
            for (member, value) in wrong.into_iter().zip(values) {
                members.insert(member.into(), value);
            }
            members
        })
}

/// `tags` broken in a way the spec forbids: not an array, an element that is not an object, a
/// missing key or value, or a key or value that is not a string.
pub fn malformed_tags() -> impl Strategy<Value = Value> {
    let bad_element = prop_oneof![
        non_string_value().prop_filter("objects are tags", |v| !v.is_object()),
        free_text().prop_map(Value::String),
        free_text().prop_map(|value| serde_json::json!({ "value": value })),
        free_text().prop_map(|key| serde_json::json!({ "key": key })),
        (non_string_value(), free_text())
            .prop_map(|(key, value)| serde_json::json!({"key": key, "value": value})),
        (free_text(), non_string_value())
            .prop_map(|(key, value)| serde_json::json!({"key": key, "value": value})),
    ];
    prop_oneof![
        non_string_value().prop_filter("arrays may be valid", |v| !v.is_array()),
        free_text().prop_map(Value::String),
        (vec(valid_tag(), 0..3), bad_element, vec(valid_tag(), 0..3)).prop_map(
            |(mut before, bad, after)| {
                before.push(bad);
                before.extend(after);
                Value::Array(before)
            }
        ),
    ]
}

/// A body that is JSON but not an object: arrays (some holding a valid body), strings, numbers,
/// booleans and `null`.
pub fn non_object_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        valid_members().prop_map(|members| Value::Array(vec![Value::Object(members)])),
        non_string_value().prop_filter("objects are bodies", |v| !v.is_object()),
        free_text().prop_map(Value::String),
    ]
}

/// Member names the spec does not list, leaning to plausible ones (`description`, `Name`).
pub fn unknown_member() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "description",
            "Name",
            "URL",
            "tag",
            "connection_id",
            "queue",
            "options"
        ])
        .prop_map(str::to_owned),
        pattern("[a-z_]{1,12}"),
    ]
    .prop_filter("a listed member is not unknown", |name| {
        !rules::is_known_member(name)
    })
}

/// A valid body plus 1..4 unknown members of any JSON type (A5).
pub fn unknown_members() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        vec(
            (
                unknown_member(),
                prop_oneof![free_text().prop_map(Value::String), non_string_value()],
            ),
            1..4,
        ),
    )
        .prop_map(|(mut members, extra)| {
            members.extend(extra);
            members
        })
}

/// A valid body with a random non-empty subset of the required members set to `""` (A6).
pub fn empty_strings() -> impl Strategy<Value = Members> {
    (
        valid_members(),
        proptest::sample::subsequence(rules::required_text_names(), 1..=5),
    )
        .prop_map(|(mut members, emptied)| {
            for member in emptied {
                members.insert(member.into(), Value::String(String::new()));
            }
            members
        })
}

/// A member name in another case: all upper, capitalised parts, letters flipped at random, or a
/// letter swapped for one that Unicode case mapping folds onto it (`ſervice`); never the name.
pub fn case_variant(name: &'static str) -> impl Strategy<Value = String> {
    (
        select(vec!["upper", "capitalised", "flipped", "unicode"]),
        vec(any::<bool>(), 24),
    )
        .prop_map(move |(how, flips)| {
            let variant: String = match how {
                "upper" => name.to_ascii_uppercase(),
                "capitalised" => name
                    .split('_')
                    .map(|part| {
                        let mut chars = part.chars();
                        chars.next().map_or(String::new(), |first| {
                            first.to_ascii_uppercase().to_string() + chars.as_str()
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("_"),
                "flipped" => name
                    .chars()
                    .zip(flips.iter().cycle())
                    .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c })
                    .collect(),
                _ => CASE_MAPPED
                    .iter()
                    .filter(|(ascii, _)| ascii.len() == 1)
                    .find_map(|(ascii, special)| {
                        name.find(ascii)
                            .map(|i| format!("{}{special}{}", &name[..i], &name[i + 1..]))
                    })
                    .unwrap_or_default(),
            };
            if variant == name || variant.is_empty() {
                name.to_ascii_uppercase()
            } else {
                variant
            }
        })
}

/// A valid body with 1..=3 members (required ones, or `tags`) renamed to another case, the real
/// ones absent: a required member is then missing (reject); a renamed `tags` is an unknown
/// member (A5: either).
pub fn member_name_case() -> impl Strategy<Value = Members> {
    let names: Vec<&'static str> = rules::MEMBERS.iter().map(|member| member.name).collect();
    (valid_members(), proptest::sample::subsequence(names, 1..=3))
        .prop_flat_map(|(members, renamed)| {
            let variants: Vec<_> = renamed.iter().map(|&name| case_variant(name)).collect();
            (Just(members), Just(renamed), variants)
        })
        .prop_map(|(mut members, renamed, variants)| {
            for (name, variant) in renamed.into_iter().zip(variants) {
                let value = members
                    .shift_remove(name)
                    .unwrap_or_else(|| serde_json::json!([]));
                members.insert(variant, value);
            }
            members
        })
}
