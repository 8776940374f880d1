//! GitHub Actions annotations: when `GITHUB_ACTIONS=true`, each failing (or warning) case
//! from a case file in the checkout becomes an `::error file=...,line=...::` (or `::warning`)
//! workflow command, so the pull request shows it on the line of the case file.
//!
//! Only cases whose file exists below the working directory are annotated (the repository's
//! own `--cases`, or this repository's `cases/` when run from its root); generated results and
//! cases from the binary's shipped tree elsewhere have no file to point at and are left to the
//! job summary. Values are escaped as GitHub's toolkit escapes them: `%`, CR and LF in the
//! message; also `:` and `,` in properties. Annotations are printed at the end of the run,
//! after the trial output, from compact entries (one per failing case from a file).

use std::io::{self, Write};

use super::Reporter;
use crate::case::Source;
use crate::check::Outcome;
use crate::result::{CaseResult, RunRecord};

/// True when running as a GitHub Actions step.
pub fn on_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|value| value == "true")
}

/// Collects the annotations and prints them at the end.
#[derive(Default)]
pub struct Annotations {
    lines: Vec<String>,
}

impl Annotations {
    /// The workflow commands collected so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

impl Reporter for Annotations {
    fn result(&mut self, result: &CaseResult, failure: Option<&str>) -> io::Result<()> {
        let command = match result.outcome() {
            Outcome::Fail => "error",
            Outcome::Warn => "warning",
            _ => return Ok(()),
        };
        let Source::File { path, line } = &result.source else {
            return Ok(());
        };
        if path.is_absolute() || !path.is_file() {
            return Ok(());
        }
        let Some(first) = result.verdict.violations.first() else {
            return Ok(());
        };
        let title = format!("{} [{}]", result.id, first.clause);
        let mut message = format!(
            "{}: expected {}, actual {}",
            first.message, first.expected, first.actual
        );
        if let Some(curl) = failure.and_then(|text| {
            text.lines()
                .find_map(|line| line.trim_start().strip_prefix("= request: "))
        }) {
            message.push('\n');
            message.push_str(curl);
        }
        self.lines.push(format!(
            "::{command} file={},line={line},title={}::{}",
            escape_property(&path.to_string_lossy()),
            escape_property(&title),
            escape_data(&message)
        ));
        Ok(())
    }

    fn finish(&mut self, _record: &RunRecord) -> io::Result<()> {
        let mut out = io::stdout().lock();
        for line in &self.lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
