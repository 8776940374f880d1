//! The result sink: the one place judged results go, between the runner and the reports.
//!
//! The runner hands every [`CaseResult`] to [`Sink::record`] as soon as it is judged. The sink
//! folds it into the run's [`Tally`] (counts, clause matrix, MAY choices, setup problems, a
//! bounded set of rendered failures) and passes it to each streaming [`Reporter`], then the
//! result is dropped: memory stays flat however many requests a run sends. A reporter that
//! fails to write is dropped with its error kept, so a full disk costs the report, not the run;
//! [`Sink::finish`] closes the reports and gives the tally and those errors back.

use crate::report::{self, Reporter};
use crate::result::{CaseResult, RunRecord, Tally};

/// Where results go: the tally plus the streaming reports.
pub struct Sink {
    tally: Tally,
    reporters: Vec<(String, Box<dyn Reporter>)>,
    errors: Vec<String>,
    base_url: String,
}

impl Sink {
    /// A sink rendering curl lines against `base_url`, writing to no report yet.
    pub fn new(base_url: String) -> Sink {
        Sink {
            tally: Tally::default(),
            reporters: Vec::new(),
            errors: Vec::new(),
            base_url,
        }
    }

    /// Adds a streaming report, named (e.g. by its path) for error messages.
    pub fn add_reporter(&mut self, name: String, reporter: Box<dyn Reporter>) {
        self.reporters.push((name, reporter));
    }

    /// Folds `result` into the tally and passes it to every report. Gives the rendered failure
    /// text when the result failed, warned, met a setup problem or was not run.
    pub fn record(&mut self, result: &CaseResult) -> Option<String> {
        let failure = (result.outcome() != crate::check::Outcome::Pass)
            .then(|| report::render_failure(result, &self.base_url));
        self.tally.add(result, failure.clone());
        self.tally.parity.add(result, &self.base_url);
        let mut failed = Vec::new();
        for (index, (name, reporter)) in self.reporters.iter_mut().enumerate() {
            if let Err(err) = reporter.result(result, failure.as_deref()) {
                self.errors.push(format!("cannot write {name}: {err}"));
                failed.push(index);
            }
        }
        for index in failed.into_iter().rev() {
            self.reporters.remove(index);
        }
        failure
    }

    /// The tally so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Closes every report with `record` (whose tally is taken from the sink); gives the record
    /// and the errors reports met on the way.
    pub fn finish(mut self, mut record: RunRecord) -> (RunRecord, Vec<String>) {
        record.tally = std::mem::take(&mut self.tally);
        for (name, reporter) in &mut self.reporters {
            if let Err(err) = reporter.finish(&record) {
                self.errors.push(format!("cannot write {name}: {err}"));
            }
        }
        (record, self.errors)
    }
}

/// A reporter that fails on every write, for tests of the sink's error path.
#[cfg(test)]
struct Broken;

#[cfg(test)]
impl Reporter for Broken {
    fn result(&mut self, _: &CaseResult, _: Option<&str>) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }

    fn finish(&mut self, _: &RunRecord) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Expect, Source};
    use crate::check::Verdict;
    use crate::transport::Request;
    use std::time::Duration;

    #[test]
    fn a_broken_report_is_dropped_and_named() {
        let mut sink = Sink::new("http://127.0.0.1:1".into());
        sink.add_reporter("r.json".into(), Box::new(Broken));
        let result = CaseResult {
            id: "t/a".into(),
            clauses: Vec::new(),
            expect: Expect::Accept,
            source: Source::File {
                path: "cases/t.json".into(),
                line: 1,
            },
            request: Request::create_connection("p", bytes::Bytes::new()),
            response: None,
            verdict: Verdict::empty(),
            skipped: None,
            elapsed: Duration::ZERO,
            known: Vec::new(),
            parity: None,
        };
        assert_eq!(sink.record(&result), None);
        sink.record(&result);
        let record = RunRecord {
            target: String::new(),
            tally: Tally::default(),
            requests: 2,
            elapsed: Duration::ZERO,
            strict: false,
            stopped: None,
            baseline: None,
            concurrency: None,
        };
        let (record, errors) = sink.finish(record);
        assert_eq!(record.tally.counts.pass, 2);
        assert_eq!(errors, ["cannot write r.json: disk full"]);
    }
}
