//! The CI gate end to end (issue 12's acceptance): JUnit that validates against the Jenkins
//! schema with one testcase per result, Markdown and text matrices agreeing with the JSON
//! report, the known-deviation baseline's life cycle, GitHub annotations and job summary,
//! partitions that add up to the unpartitioned run, and `--version`. Every target is a server
//! this file starts on 127.0.0.1 (the reference mock, or one of its faults).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cli, command, serve, temp_dir, text};
use dli_conformance::mock;
use serde_json::Value;

/// The Jenkins xunit plugin's JUnit schema (see `tests/junit/SOURCE.md`).
const JUNIT_XSD: &[u8] = include_bytes!("junit/junit-10.xsd");

/// A mock with one fault injected, on a socket.
fn faulty(name: &str) -> String {
    serve(mock::chosen_router(Some(name), None).unwrap())
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `name="..."` attributes of every `<tag ` element, in order (ids need no unescaping here).
fn attribute_values(xml: &str, tag: &str, attribute: &str) -> Vec<String> {
    xml.split(&format!("<{tag} "))
        .skip(1)
        .map(|element| {
            let head = &element[..element.find('>').unwrap()];
            let start = head
                .find(&format!("{attribute}=\""))
                .map(|at| at + attribute.len() + 2)
                .unwrap_or_else(|| panic!("<{tag} {head}> has no {attribute}"));
            head[start..start + head[start..].find('"').unwrap()].to_owned()
        })
        .collect()
}

/// XSD validation with libxml2 (the library behind `xmllint --schema`), loaded at run time so
/// the test needs no build step and no network: Debian's `libxml2` package, present on every
/// machine of this project's kind.
mod xsd {
    use std::ffi::{c_char, c_int, c_void, CStr};

    use libloading::{Library, Symbol};

    /// The leading members of libxml2's `xmlError`.
    #[repr(C)]
    struct ErrorHead {
        domain: c_int,
        code: c_int,
        message: *const c_char,
        level: c_int,
        file: *const c_char,
        line: c_int,
    }

    extern "C" fn collect(errors: *mut c_void, error: *const ErrorHead) {
        // SAFETY: libxml2 passes back the `Vec<String>` given below and a valid error.
        let (errors, error) = unsafe { (&mut *errors.cast::<Vec<String>>(), &*error) };
        let message = if error.message.is_null() {
            "(no message)".into()
        } else {
            // SAFETY: a NUL-terminated string owned by libxml2 for this call.
            unsafe { CStr::from_ptr(error.message) }
                .to_string_lossy()
                .trim_end()
                .to_owned()
        };
        errors.push(format!("line {}: {message}", error.line));
    }

    type Ptr = *mut c_void;
    const XML_PARSE_NONET: c_int = 1 << 11;

    /// Validates `xml` against the schema `xsd`; gives libxml2's errors when it is not valid.
    pub fn validate(xml: &[u8], xsd: &[u8]) -> Result<(), Vec<String>> {
        // SAFETY: libxml2's documented C API, called with buffers that outlive each call;
        // every object made is freed before returning.
        unsafe {
            let lib = Library::new("libxml2.so.2")
                .expect("libxml2 is installed (Debian: apt-get install libxml2)");
            let schema_parser: Symbol<unsafe extern "C" fn(*const c_char, c_int) -> Ptr> =
                lib.get(b"xmlSchemaNewMemParserCtxt\0").unwrap();
            let parse_schema: Symbol<unsafe extern "C" fn(Ptr) -> Ptr> =
                lib.get(b"xmlSchemaParse\0").unwrap();
            let new_validator: Symbol<unsafe extern "C" fn(Ptr) -> Ptr> =
                lib.get(b"xmlSchemaNewValidCtxt\0").unwrap();
            let set_errors: Symbol<
                unsafe extern "C" fn(Ptr, extern "C" fn(*mut c_void, *const ErrorHead), Ptr),
            > = lib.get(b"xmlSchemaSetValidStructuredErrors\0").unwrap();
            let read_memory: Symbol<
                unsafe extern "C" fn(
                    *const c_char,
                    c_int,
                    *const c_char,
                    *const c_char,
                    c_int,
                ) -> Ptr,
            > = lib.get(b"xmlReadMemory\0").unwrap();
            let validate_doc: Symbol<unsafe extern "C" fn(Ptr, Ptr) -> c_int> =
                lib.get(b"xmlSchemaValidateDoc\0").unwrap();
            let free_doc: Symbol<unsafe extern "C" fn(Ptr)> = lib.get(b"xmlFreeDoc\0").unwrap();
            let free_validator: Symbol<unsafe extern "C" fn(Ptr)> =
                lib.get(b"xmlSchemaFreeValidCtxt\0").unwrap();
            let free_schema: Symbol<unsafe extern "C" fn(Ptr)> =
                lib.get(b"xmlSchemaFree\0").unwrap();
            let free_parser: Symbol<unsafe extern "C" fn(Ptr)> =
                lib.get(b"xmlSchemaFreeParserCtxt\0").unwrap();

            let parser = schema_parser(xsd.as_ptr().cast(), xsd.len() as c_int);
            let schema = parse_schema(parser);
            assert!(!schema.is_null(), "the XSD parses");
            let validator = new_validator(schema);
            let mut errors: Vec<String> = Vec::new();
            set_errors(validator, collect, (&mut errors as *mut Vec<String>).cast());
            let doc = read_memory(
                xml.as_ptr().cast(),
                xml.len() as c_int,
                c"report.xml".as_ptr(),
                std::ptr::null(),
                XML_PARSE_NONET,
            );
            let verdict = if doc.is_null() {
                Err(vec!["not well-formed XML".to_owned()])
            } else {
                let code = validate_doc(validator, doc);
                free_doc(doc);
                match code {
                    0 => Ok(()),
                    _ if errors.is_empty() => Err(vec![format!("libxml2 error {code}")]),
                    _ => Err(std::mem::take(&mut errors)),
                }
            };
            free_validator(validator);
            free_schema(schema);
            free_parser(parser);
            verdict
        }
    }
}

#[test]
fn the_validator_rejects_what_jenkins_would() {
    let good = br#"<?xml version="1.0"?><testsuites><testsuite name="s" tests="1" failures="0" errors="0" time="0.100"><testcase name="a" classname="s" time="0.001"/></testsuite></testsuites>"#;
    assert_eq!(xsd::validate(good, JUNIT_XSD), Ok(()));
    let no_name = br#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase classname="s"/></testsuite></testsuites>"#;
    let errors = xsd::validate(no_name, JUNIT_XSD).unwrap_err();
    assert!(errors[0].contains("'name' is required"), "{errors:?}");
    let properties_in_case = br#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="a"><properties/></testcase></testsuite></testsuites>"#;
    assert!(xsd::validate(properties_in_case, JUNIT_XSD).is_err());
    let bad_time = br#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0" time="0.0001"/></testsuites>"#;
    assert!(xsd::validate(bad_time, JUNIT_XSD).is_err());
}

#[test]
fn junit_markdown_and_the_matrix_agree_with_the_json_report_on_a_faulty_mock() {
    let url = faulty("created-200");
    let dir = temp_dir("junit");
    let (json, xml, md) = (dir.join("r.json"), dir.join("r.xml"), dir.join("r.md"));
    let output = cli(&[
        "run",
        "-q",
        "--target",
        &url,
        "--examples",
        "8",
        "--seed",
        "3",
        "--report-json",
        json.to_str().unwrap(),
        "--report-junit",
        xml.to_str().unwrap(),
        "--report-markdown",
        md.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");

    let report = read_json(&json);
    let summary = &report["summary"];
    let results = report["results"].as_array().unwrap();
    let total = summary["total"].as_u64().unwrap();
    assert_eq!(results.len() as u64, total);
    let failed = summary["failed"].as_u64().unwrap();
    assert!(failed > 0);

    // JUnit: valid, one testcase per result, one suite per case file and class.
    let junit = std::fs::read_to_string(&xml).unwrap();
    if let Err(errors) = xsd::validate(junit.as_bytes(), JUNIT_XSD) {
        panic!("the JUnit report does not validate:\n{}", errors.join("\n"));
    }
    let names = attribute_values(&junit, "testcase", "name");
    let ids: Vec<String> = results
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted_names = names.clone();
    sorted_names.sort();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    assert_eq!(sorted_names, sorted_ids, "one testcase per result");
    let suites = attribute_values(&junit, "testsuite", "name");
    assert!(
        suites.contains(&"cases/valid.json".to_owned()),
        "{suites:?}"
    );
    assert!(suites.contains(&"prop/valid".to_owned()), "{suites:?}");
    let messages = attribute_values(&junit, "failure", "message");
    assert_eq!(messages.len() as u64, failed);
    // The fault's 200 is also an undocumented status, the only clause it breaks for a MAY
    // (`either`) case; a case expecting 201 names both.
    assert!(
        messages.iter().all(|m| m.contains("resp.created.status")
            || m.starts_with(
                "resp.status.documented (MUST): expected 201, 400 or 500, actual 200"
            )),
        "{messages:?}"
    );
    assert!(
        junit.contains("<failure message=\"resp.created.status (MUST): expected 201, actual 200")
    );
    assert!(
        junit.contains("curl -sS -X POST"),
        "the failure body has the curl line"
    );
    assert!(
        junit.contains("MAY [A2]: rejected"),
        "MAY choices in system-out"
    );

    // The matrix: JSON, Markdown and the end-of-run text give the same counts.
    let row = &report["clauses"]["resp.created.status"];
    let (pass, fail) = (row["pass"].as_u64().unwrap(), row["fail"].as_u64().unwrap());
    assert!(fail > 0 && row["level"] == "MUST");
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.starts_with("## dli-conformance: ❌ does not conform"));
    let counts = format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        summary["passed"],
        summary["failed"],
        summary["warned"],
        summary["known"],
        summary["setup"],
        summary["skipped"],
        summary["total"]
    );
    assert!(markdown.contains(&counts), "{counts}\n{markdown}");
    let md_row = format!(
        "| `resp.created.status` | MUST | {} | {pass} | **{fail}** | 0 | 0 | 0 | 0 | `{}` |",
        pass + fail,
        row["first_failure"].as_str().unwrap()
    );
    assert!(markdown.contains(&md_row), "{md_row}\n{markdown}");
    assert!(markdown.contains("<details><summary>"), "{markdown}");
    assert!(markdown.contains("curl -sS -X POST"), "{markdown}");
    let text_row = stdout
        .lines()
        .find(|line| line.starts_with("resp.created.status "))
        .unwrap_or_else(|| panic!("no matrix row in:\n{stdout}"));
    let cells: Vec<&str> = text_row.split_whitespace().collect();
    assert_eq!(
        cells[..5],
        [
            "resp.created.status",
            "MUST",
            &(pass + fail).to_string(),
            &pass.to_string(),
            &fail.to_string()
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_written_baseline_keeps_the_gate_green_until_it_expires_and_says_when_it_is_fixed() {
    let faulty = faulty("created-200");
    let dir = temp_dir("baseline");
    let baseline = dir.join("b.toml");
    let run = |url: &str, flag: &str, path: &Path| {
        let output = cli(&[
            "run",
            "-q",
            "--target",
            url,
            "--examples",
            "8",
            "--seed",
            "11",
            flag,
            path.to_str().unwrap(),
        ]);
        let (stdout, stderr) = text(&output);
        (output.status.code(), stdout, stderr)
    };

    let (code, stdout, _) = run(&faulty, "--write-baseline", &baseline);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("baseline written to"), "{stdout}");
    let written = std::fs::read_to_string(&baseline).unwrap();
    // Every case of valid.json that expects 201 breaks it: one entry for the file, unless
    // some case there does not.
    let valid = ["valid/*", "valid/minimal"]
        .into_iter()
        .find(|case| {
            written.contains(&format!(
                "case = \"{case}\"\nclause = \"resp.created.status\""
            ))
        })
        .unwrap_or_else(|| panic!("no entry for valid/minimal in:\n{written}"));
    assert!(
        written.contains("case = \"prop/valid\""),
        "by class: {written}"
    );
    assert!(written.contains("reason = \"TODO:"), "{written}");

    let (code, stdout, stderr) = run(&faulty, "--baseline", &baseline);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\ntest result: ok."),
        "no trial fails: {stdout}"
    );
    // The summary line; the last one says what became of the connections the run made.
    let summary = stdout
        .lines()
        .rev()
        .find(|line| line.contains(" passed, "))
        .unwrap();
    assert!(
        summary.contains(" 0 failed, ") && summary.contains(" known; "),
        "{summary}"
    );
    assert!(
        stdout.contains(&format!("  known: {valid} resp.created.status")),
        "{stdout}"
    );

    let expired = dir.join("expired.toml");
    let past: String = written
        .lines()
        .map(|line| match line.starts_with("expires = ") {
            true => "expires = 2001-01-01\n".to_owned(),
            false => format!("{line}\n"),
        })
        .collect();
    std::fs::write(&expired, past).unwrap();
    let (code, stdout, stderr) = run(&faulty, "--baseline", &expired);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: baseline entry expired: {valid} resp.created.status (expires 2001-01-01)"
        )),
        "{stderr}"
    );

    let clean = serve(mock::router());
    let (code, stdout, stderr) = run(&clean, "--baseline", &baseline);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("  fixed: {valid} resp.created.status")),
        "{stdout}"
    );
    assert!(stdout.contains("remove it"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_baseline_is_an_operational_error() {
    let dir = temp_dir("bad-baseline");
    let path = dir.join("b.toml");
    std::fs::write(
        &path,
        "[[known]]\ncase = \"valid/*\"\nclause = \"resp.created.stat\"\nreason = \"r\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let output = cli(&["run", "--baseline", path.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("entry 1 (case \"valid/*\"): unknown clause id \"resp.created.stat\""),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn on_github_actions_failures_annotate_their_case_file_and_fill_the_job_summary() {
    let url = faulty("created-200");
    let dir = temp_dir("github");
    let summary = dir.join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let run_in = |cwd: &Path| {
        command()
            .args(["run", "-q", "--target", &url, "--examples", "0"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .current_dir(cwd)
            .output()
            .unwrap()
    };
    let output = run_in(Path::new(env!("CARGO_MANIFEST_DIR")));
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cases/valid.json"));
    // The test object opens on the line before its name (0-based index = 1-based line - 1).
    let line = source
        .unwrap()
        .lines()
        .position(|line| line.contains("\"name\": \"minimal\""))
        .unwrap();
    let at = format!("::error file=cases/valid.json,line={line},");
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with(&at) && l.contains("title=valid/minimal "))
        .unwrap_or_else(|| panic!("no {at} annotation in:\n{stdout}"));
    assert!(
        annotation.contains("title=valid/minimal [resp.created.status]::"),
        "{annotation}"
    );
    assert!(
        annotation.contains("expected 201, actual 200%0Acurl -sS"),
        "{annotation}"
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.starts_with("earlier step\n## dli-conformance: ❌ does not conform"));

    // Elsewhere the shipped case files are not in the checkout: no annotation points at them.
    let output = run_in(&dir);
    let (stdout, _) = text(&output);
    assert!(!stdout.contains("::error"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the embedded mock with `extra` flags and a JSON report in `dir`; gives the report.
fn run_report(dir: &Path, name: &str, extra: &[&str]) -> Value {
    let path = dir.join(name);
    let mut args = vec![
        "run",
        "-q",
        "--examples",
        "12",
        "--seed",
        "5",
        // Names end in the run id: the same one on every shard, so the bytes compare.
        "--run-id",
        "shards",
        // Passing results keep their bodies only when asked: the requests are compared.
        "--report-bodies",
        "all",
        "--report-json",
    ];
    args.push(path.to_str().unwrap());
    args.extend(extra);
    let output = cli(&args);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    read_json(&path)
}

/// Result id -> request body, of a report.
fn requests(report: &Value) -> BTreeMap<String, Value> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["request"]["body"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_shards_of_a_partition_are_exactly_the_unpartitioned_run_and_merge_into_it() {
    let dir = temp_dir("partition");
    let whole = run_report(&dir, "all.json", &[]);
    let all_requests = requests(&whole);
    for scheme in ["count", "hash"] {
        let mut union = BTreeMap::new();
        let mut shard_paths = Vec::new();
        for k in 1..=3 {
            let name = format!("{scheme}-{k}.json");
            let partition = format!("{scheme}:{k}/3");
            let shard = run_report(&dir, &name, &["--partition", &partition]);
            assert_eq!(shard["partition"], partition.as_str());
            let mine = requests(&shard);
            assert!(!mine.is_empty() && mine.len() < all_requests.len());
            for (id, body) in mine {
                assert!(
                    union.insert(id.clone(), body).is_none(),
                    "{id} is on two shards"
                );
            }
            shard_paths.push(dir.join(name).to_str().unwrap().to_owned());
        }
        assert_eq!(union, all_requests, "{scheme}: same ids, same bytes");

        let merged_path = dir.join(format!("{scheme}-merged.json"));
        let mut args = vec!["merge-reports", "-o", merged_path.to_str().unwrap()];
        args.extend(shard_paths.iter().map(String::as_str));
        let output = cli(&args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        let merged = read_json(&merged_path);
        for key in [
            "total", "passed", "failed", "warned", "known", "setup", "skipped",
        ] {
            assert_eq!(
                merged["summary"][key], whole["summary"][key],
                "{scheme} {key}"
            );
        }
        assert_eq!(merged["clauses"], whole["clauses"], "{scheme}: the matrix");
        assert_eq!(merged["may_choices"], whole["may_choices"], "{scheme}");
        assert_eq!(requests(&merged), all_requests);
        assert!(stdout.contains(&whole_summary_counts(&whole)), "{stdout}");

        // A missing shard is refused rather than merged into a short count, and leaves no
        // output file.
        let short_path = dir.join(format!("{scheme}-short.json"));
        let output = cli(&[
            "merge-reports",
            "-o",
            short_path.to_str().unwrap(),
            &shard_paths[0],
            &shard_paths[2],
        ]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr.contains("shards missing: 2/3"), "{stderr}");
        assert!(!short_path.exists());

        // Without -o (the output forgotten), no file changes and the line to type is given.
        let before: Vec<Vec<u8>> = shard_paths
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let mut args = vec!["merge-reports"];
        args.extend(shard_paths.iter().map(String::as_str));
        let output = cli(&args);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr.contains("nothing was written: dli-conformance merge-reports -o merged.json "),
            "{stderr}"
        );
        // Nor does an output that is one of the inputs.
        let output = cli(&[
            "merge-reports",
            "-o",
            &shard_paths[0],
            &shard_paths[0],
            &shard_paths[1],
        ]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr.contains("is one of the reports to merge"),
            "{stderr}"
        );
        let after: Vec<Vec<u8>> = shard_paths
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert!(before == after, "{scheme}: a shard changed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `N passed, N failed, N warned` of a report's summary.
fn whole_summary_counts(report: &Value) -> String {
    let summary = &report["summary"];
    format!(
        "{} passed, {} failed, {} warned",
        summary["passed"], summary["failed"], summary["warned"]
    )
}

#[test]
fn merging_checks_connection_ids_across_shards() {
    // Every create of this fault returns its first id again. Alone, a run flags every create
    // after the first; split in two shards against one server, each shard flags its own
    // repeats and the merge flags the second shard's first create too.
    let dir = temp_dir("merge-ids");
    let run = |url: &str, name: &str, partition: Option<&str>| {
        let path = dir.join(name);
        let mut args = vec!["run", "-q", "--target", url, "--examples", "0"];
        args.extend(["--report-json", path.to_str().unwrap()]);
        if let Some(partition) = partition {
            args.extend(["--partition", partition]);
        }
        assert_eq!(cli(&args).status.code(), Some(1));
        path
    };
    let whole = read_json(&run(&faulty("connection-id-reused"), "all.json", None));
    let shared = faulty("connection-id-reused");
    let first = run(&shared, "1.json", Some("1/2"));
    let second = run(&shared, "2.json", Some("2/2"));
    let merged_path = dir.join("merged.json");
    let output = cli(&[
        "merge-reports",
        "-o",
        merged_path.to_str().unwrap(),
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error[resp.created.connection_id.unique]: 1 results"),
        "{stderr}"
    );
    let merged = read_json(&merged_path);
    let unique = "resp.created.connection_id.unique";
    assert_eq!(merged["summary"]["failed"], whole["summary"]["failed"]);
    // Counts match; the first failure is whichever shard came first.
    for outcome in ["pass", "fail", "warn", "known", "setup", "skip"] {
        assert_eq!(
            merged["clauses"][unique][outcome],
            whole["clauses"][unique][outcome]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_version_names_the_spec_revision_the_cases_follow() {
    let output = cli(&["--version"]);
    let (stdout, _) = text(&output);
    let sha = std::process::Command::new("sha256sum")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/spec/CLAUSES.md"
        ))
        .output()
        .expect("sha256sum (coreutils) runs");
    let sha = String::from_utf8(sha.stdout).unwrap();
    assert_eq!(
        stdout.trim_end(),
        format!(
            "dli-conformance {} (cases follow tests/spec/CLAUSES.md sha256:{})",
            env!("CARGO_PKG_VERSION"),
            &sha[..64]
        )
    );
}
