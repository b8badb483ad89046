//! Streamed responses (server-sent events, NDJSON) read within the harness's limits: a stream
//! longer than `--max-body`, or one that never ends, is cut at the limit and what arrived is
//! checked, with a finding that says where and why it was cut (a warning: the harness's limit,
//! not the target's fault).

use std::time::{Duration, Instant};

use crate::util::{Conform, text};

fn run(file: &str, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let mut args = vec![
        "run",
        "--no-report",
        "--specs",
        "tests/fixtures/streams/specs",
    ];
    args.extend_from_slice(extra);
    args.push(file);
    let started = Instant::now();
    let out = Conform::new(&args).output();
    (out.status.code(), text(&out), started.elapsed())
}

#[test]
fn a_stream_longer_than_the_body_limit_is_cut_and_checked_as_far_as_it_came() {
    let (code, out, _) = run(
        "tests/fixtures/streams/limits/long.yaml",
        &["--max-body", "1KiB"],
    );
    assert_eq!(code, Some(0), "a cut is a warning, not a failure: {out}");
    assert!(
        out.contains("the stream grew past 1 KiB, the harness's body limit: cut there, the "),
        "{out}"
    );
    assert!(out.contains("item(s) before it were checked"), "{out}");
    assert!(!out.contains("not checked"), "{out}");
}

#[test]
fn a_stream_that_never_ends_is_cut_at_the_step_time_limit() {
    let (code, out, took) = run(
        "tests/fixtures/streams/limits/endless.yaml",
        &["--step-timeout", "1s"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("the stream was still open at the step's time limit (1.0s): cut there"),
        "{out}"
    );
    // An event every 50 ms for a second: well over ten of them arrived and were checked.
    let n: usize = out
        .split("cut there, the ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(n >= 10, "{n} item(s): {out}");
    assert!(
        took < Duration::from_secs(30),
        "bounded by the step's timeout: {took:?}"
    );
}

#[test]
fn every_report_names_the_bad_item_by_its_index_and_field() {
    let mut c = Conform::new(&[
        "run",
        "--specs",
        "tests/fixtures/streams/specs",
        "tests/fixtures/streams/violation/two-bad.yaml",
    ]);
    let out = c.run();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let dir = c.reports().expect("a report folder");
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    for pointer in ["\"/items/3/size\"", "\"/items/4\""] {
        assert!(json.contains(pointer), "{pointer} in {json}");
    }
    for file in ["report.html", "junit.xml"] {
        let report = std::fs::read_to_string(dir.join(file)).expect(file);
        assert!(
            report.contains("item 3: /size:") && report.contains("item 4:"),
            "{file}: {report}"
        );
    }
    // The summary gives each failed scenario its first finding.
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
    assert!(summary.contains("item 3: /size:"), "{summary}");
}

#[test]
fn a_stream_described_by_its_item_schema_is_not_a_body_without_a_schema() {
    let out = Conform::new(&[
        "specs",
        "check",
        "--specs",
        "tests/fixtures/streams/specs",
        "fixture",
    ])
    .output();
    let said = text(&out);
    // The 404 of `getWidget` has a schema, the streams an itemSchema: the rule has nothing to say
    // (tests/spec_lint.rs proves it fires on a body without either).
    assert!(said.contains("streams"), "the spec was linted: {said}");
    assert!(!said.contains("error[response-schema]"), "{said}");
}
