//! What a case expects and where it comes from: the two facts about a case that every stage
//! reads. The loader (`case`), the generators, the corpus, the oracle, the checker and the
//! reports all name them, so they live here, below all of them ([`crate::case`] re-exports them).

use std::fmt;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a conformant server does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// 201 with the success shape.
    Accept,
    /// 400 with the error envelope.
    Reject,
    /// A MAY: 201 or 400 are both conformant.
    Either,
}

impl Expect {
    /// Whether a conformant server may answer with `status`: 201 to accept, 400 to reject.
    pub fn wants(self, status: u16) -> bool {
        match self {
            Expect::Accept => status == 201,
            Expect::Reject => status == 400,
            Expect::Either => matches!(status, 201 | 400),
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Accept => "accept",
            Expect::Reject => "reject",
            Expect::Either => "either",
        })
    }
}

/// Where a case comes from: a line of a case file, or an example of a generated class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A hand-written test.
    File {
        /// The case file, as given to the loader (e.g. `cases/url.json`).
        path: PathBuf,
        /// 1-based line of the test object.
        line: usize,
    },
    /// A property-generated body.
    Generated {
        /// The generator class (see [`crate::generate::CLASSES`]).
        class: &'static str,
        /// The run seed it was drawn with.
        seed: u64,
        /// Its position among the class's examples.
        index: usize,
    },
    /// An input from a vendored public corpus (`cases/corpus/`, see [`crate::corpus`]).
    Corpus {
        /// The corpus file, as found below the case folder (e.g.
        /// `cases/corpus/jsontestsuite/test_parsing/n_array_comma.json`).
        path: PathBuf,
        /// 1-based line of the entry, for files holding many (the naughty strings).
        line: Option<usize>,
        /// Where the input goes: `whole-body`, `unknown-member`, or the member it is the value of.
        placement: &'static str,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Generated { class, seed, index } => {
                write!(f, "prop/{class} --seed {seed}, example {index}")
            }
            Source::Corpus {
                path,
                line,
                placement,
            } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                write!(f, " (as {placement})")
            }
        }
    }
}
