//! Unique names: the one place the tag that makes a generated or corpus body's `name` unique in
//! the run is built.
//!
//! A server may reject a second connection with a name it already holds (A9), so every body the
//! suite expects to be accepted (`accept` or `either`) must carry a name no other body of the run
//! has, or such a server is failed for a choice the spec allows. Hand-written cases choose their
//! names themselves; generated and corpus bodies get a tag here, built from where the body comes
//! from, so uniqueness is structural rather than left to chance:
//! - generated example `i` of class number `c`: `_g{c:02}n{i:05}`, [`GENERATED_TAG_CHARS`]
//!   characters while `i` is below 100 000, so a strategy whose subject is the name's length
//!   (the `current-limits` class) can leave room for it;
//! - the `k`-th simpler body tried while shrinking it: `_g{c:02}n{i:05}s{k}`;
//! - corpus case number `i`: `_c{i}`.
//!
//! The tag uses only `[A-Za-z0-9_]`, so it keeps a name valid under the profile `current`
//! (`cur.name.pattern`) when the rest is, and no hand-written name has its shape. A strategy marks
//! where the tag goes with [`MARKER`] inside the drawn name (after the drawn text, or wherever the
//! test's subject stays whole: inside whitespace padding, after a trailing escape); [`fill`] puts
//! the tag there once the example's index is known. A run id joining every name would be added in
//! [`tag`], and nowhere else.

/// Where a strategy wants the name tag: U+F8FF, a private-use character, which `\PC` regexes never
/// draw and no strategy sends for its own sake. Its three UTF-8 bytes also mean a body cut or
/// edited through the marker is no longer UTF-8, so it is rejected and needs no unique name.
pub const MARKER: char = '\u{F8FF}';

/// The length of a generated example's tag (`_g07n00012`), for examples below 100 000.
pub const GENERATED_TAG_CHARS: usize = 10;

/// Where a body comes from, for its name tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Example `index` of the generator class at position `class` in `generate::CLASSES`.
    Generated {
        /// The class's position.
        class: usize,
        /// The example's index.
        index: usize,
    },
    /// The `attempt`-th body tried while shrinking example `index` of class `class`.
    Shrunk {
        /// The class's position.
        class: usize,
        /// The example's index.
        index: usize,
        /// How many simpler bodies were tried before this one.
        attempt: usize,
    },
    /// Corpus case number `index` (in id order).
    Corpus {
        /// The case's position.
        index: usize,
    },
}

/// The tag a body from `origin` appends to its name.
pub fn tag(origin: Origin) -> String {
    match origin {
        Origin::Generated { class, index } => format!("_g{class:02}n{index:05}"),
        Origin::Shrunk {
            class,
            index,
            attempt,
        } => format!("_g{class:02}n{index:05}s{attempt}"),
        Origin::Corpus { index } => format!("_c{index}"),
    }
}

/// `body` with every [`MARKER`] replaced by `tag` (strategies keep the marker a raw character,
/// never a `\u` escape).
pub fn fill(body: &[u8], tag: &str) -> Vec<u8> {
    let mut raw = [0; 4];
    let raw = MARKER.encode_utf8(&mut raw).as_bytes();
    let mut out = Vec::with_capacity(body.len() + tag.len());
    let mut rest = body;
    while let Some(at) = rest.windows(raw.len()).position(|window| window == raw) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(tag.as_bytes());
        rest = &rest[at + raw.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// `name` split before its trailing tag (`_g07n00012`, `_g07n00012s3`, `_c12`); the tag is
/// empty when the name does not end in one.
pub fn split_tag(name: &str) -> (&str, &str) {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let is_tag = |tag: &str| {
        if let Some(rest) = tag.strip_prefix("_c") {
            return digits(rest);
        }
        let Some(rest) = tag.strip_prefix("_g") else {
            return false;
        };
        let Some((class, example)) = rest.split_once('n') else {
            return false;
        };
        let example =
            example.split_once('s').map_or(
                example,
                |(index, attempt)| {
                    if digits(attempt) {
                        index
                    } else {
                        ""
                    }
                },
            );
        class.len() == 2 && digits(class) && digits(example)
    };
    match name.rfind('_') {
        Some(at) if is_tag(&name[at..]) => name.split_at(at),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_distinct_and_fit_the_current_name_pattern() {
        let tags = [
            tag(Origin::Generated {
                class: 1,
                index: 23,
            }),
            tag(Origin::Generated {
                class: 12,
                index: 3,
            }),
            tag(Origin::Shrunk {
                class: 1,
                index: 23,
                attempt: 0,
            }),
            tag(Origin::Corpus { index: 123 }),
        ];
        assert_eq!(tags[0], "_g01n00023");
        assert_eq!(tags[0].len(), GENERATED_TAG_CHARS);
        for (i, a) in tags.iter().enumerate() {
            assert!(crate::spec::rules::current::name_matches(a), "{a}");
            for b in &tags[i + 1..] {
                assert!(
                    !a.ends_with(b.as_str()) && !b.ends_with(a.as_str()),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn names_split_before_their_tag() {
        assert_eq!(split_tag("abc_g07n00012"), ("abc", "_g07n00012"));
        assert_eq!(split_tag("a_b_g07n00012s3"), ("a_b", "_g07n00012s3"));
        assert_eq!(split_tag("x_c12"), ("x", "_c12"));
        assert_eq!(split_tag("x_c"), ("x_c", ""));
        assert_eq!(split_tag("x_g7n1"), ("x_g7n1", ""));
        assert_eq!(split_tag(" x_c12 "), (" x_c12 ", ""));
    }

    #[test]
    fn the_marker_is_filled() {
        let body = format!("{{\"name\":\"a{MARKER}\",\"x\":\"{MARKER}{MARKER}\"}}");
        assert_eq!(
            String::from_utf8(fill(body.as_bytes(), "_t")).unwrap(),
            "{\"name\":\"a_t\",\"x\":\"_t_t\"}"
        );
        assert_eq!(fill(b"\xEF\xA3", "_t"), b"\xEF\xA3");
    }
}
