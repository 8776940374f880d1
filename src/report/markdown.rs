//! The Markdown summary: `--report-markdown PATH`, and on GitHub Actions the job summary
//! (`$GITHUB_STEP_SUMMARY`, appended to, as GitHub asks).
//!
//! Written at the end of the run from the record alone: the verdict, the counts, the clause ×
//! outcome matrix ([`super::matrix::markdown`]), the known-deviation baseline's entries, the
//! MAY choices, and the first [`FAILURES_SHOWN`] failures, each in a collapsible `<details>`
//! block holding its compiler-style text with the curl line. Failure texts are cut at
//! [`FAILURE_TEXT_MAX`] bytes, so the summary stays far below GitHub's 1 MiB limit per step.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::PathBuf;

use super::{matrix, may_choices, setup_problems, skip_reasons, summary_line, Reporter};
use crate::check::Outcome;
use crate::result::{CaseResult, RunMeta, RunRecord};
use crate::spec::clause::Profile;

/// How many failures the summary shows in full.
pub const FAILURES_SHOWN: usize = 20;

/// The most bytes of one failure's text the summary shows.
pub const FAILURE_TEXT_MAX: usize = 8 << 10;

/// Writes the summary to a file (replacing it) and/or appends it to another (the job summary).
pub struct MarkdownReport {
    meta: RunMeta,
    write_to: Option<PathBuf>,
    append_to: Option<PathBuf>,
}

impl MarkdownReport {
    /// A summary of the run described by `meta`, written to `write_to` and appended to
    /// `append_to` at the end.
    pub fn new(meta: RunMeta, write_to: Option<PathBuf>, append_to: Option<PathBuf>) -> Self {
        MarkdownReport {
            meta,
            write_to,
            append_to,
        }
    }
}

impl Reporter for MarkdownReport {
    fn result(&mut self, _result: &CaseResult, _failure: Option<&str>) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, record: &RunRecord) -> io::Result<()> {
        let text = render(&self.meta, record);
        if let Some(path) = &self.write_to {
            std::fs::write(path, &text)?;
        }
        if let Some(path) = &self.append_to {
            let mut file = OpenOptions::new().create(true).append(true).open(path)?;
            file.write_all(text.as_bytes())?;
        }
        Ok(())
    }
}

/// The whole summary.
pub fn render(meta: &RunMeta, record: &RunRecord) -> String {
    let tally = &record.tally;
    let mut out = String::new();
    let verdict = if record.conforms() {
        "✅ conforms"
    } else {
        "❌ does not conform"
    };
    let _ = writeln!(out, "## dli-conformance: {verdict}\n");
    let _ = write!(
        out,
        "Target `{}` · {} · spec {}",
        meta.target, meta.tool, meta.spec
    );
    if let Some(seed) = meta.seed {
        let _ = write!(out, " · seed `{seed}`");
    }
    if let Some(partition) = &meta.partition {
        let _ = write!(out, " · partition `{partition}`");
    }
    if record.strict {
        out.push_str(" · strict (warnings fail)");
    }
    let _ = writeln!(out, "\n\n{}\n", summary_line(record));

    out.push_str("| passed | failed | warned | known | setup problems | not run | total |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let c = &tally.counts;
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        c.pass,
        c.fail,
        c.warn,
        c.known,
        c.setup,
        c.skip,
        c.total()
    );

    if let Some(reason) = &record.stopped {
        let _ = writeln!(out, "**The run stopped early:** {}\n", escape(reason));
    }
    for problem in setup_problems(tally) {
        let _ = writeln!(out, "- **setup problem:** {}", escape(&problem));
    }
    for reason in skip_reasons(tally) {
        let _ = writeln!(out, "- **not run:** {}", escape(&reason));
    }
    if let Some(baseline) = &record.baseline {
        let _ = writeln!(
            out,
            "\n### Known-deviation baseline `{}`\n",
            escape(&baseline.path)
        );
        for entry in &baseline.entries {
            let _ = writeln!(out, "- {}", escape(&entry.describe()));
        }
    }

    let profile = meta.profile;
    let _ = writeln!(out, "\n### Clauses\n\n{}", matrix_for(record, profile));

    let failed = c.fail + c.warn;
    if failed > 0 {
        let shown = tally.failures.len().min(FAILURES_SHOWN);
        let kind = if c.fail > 0 { "Failures" } else { "Warnings" };
        let _ = writeln!(out, "### {kind} (the first {shown} of {failed} results)\n");
        if shown == 0 {
            out.push_str(
                "The failure texts are in the runs' own summaries and JSON reports (a merged \
                 report carries results, not texts).\n\n",
            );
        }
        for failure in tally.failures.iter().take(FAILURES_SHOWN) {
            let headline = failure.text.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code> {}</summary>\n",
                html(&failure.id),
                html(headline)
            );
            let text = cut(&failure.text, FAILURE_TEXT_MAX);
            let fence = fence_for(&text);
            let _ = writeln!(
                out,
                "{fence}text\n{}\n{fence}\n\n</details>\n",
                text.trim_end()
            );
        }
    }

    let choices = may_choices(tally);
    if !choices.is_empty() {
        out.push_str("### Choices on MAY clauses\n\n");
        for choice in choices {
            let _ = writeln!(out, "- {}", escape(&choice));
        }
        out.push('\n');
    }
    if tally.parity.compared + tally.parity.not_recorded > 0 {
        out.push_str("### Parity with the recording\n\n");
        for line in tally.parity.lines() {
            let _ = writeln!(out, "- {}", escape(line.trim_start()));
        }
        out.push('\n');
    }
    out
}

fn matrix_for(record: &RunRecord, profile: Profile) -> String {
    if record.tally.counts.total() == record.tally.counts.of(Outcome::Skip) {
        return "No result was judged.\n".into();
    }
    matrix::markdown(&record.tally, profile)
}

/// Text for a Markdown line: characters Markdown or HTML would read are escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A code fence longer than any run of backticks in `text`.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// At most `max` bytes of `text`, cut at a character boundary, with a note when cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n... (cut at {max} of {} bytes; the JSON report has it whole)",
        &text[..end],
        text.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_fences_outgrow_the_text_and_lines_are_escaped() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
        assert_eq!(escape("a|b <c> `d`"), "a\\|b &lt;c&gt; \\`d\\`");
        assert!(cut(&"é".repeat(10), 5).starts_with("éé\n... (cut at 5 of 20 bytes"));
    }
}
