//! Ctrl-C during `conform run`, sent as a real SIGINT to the real binary running against a mock
//! whose state change never completes: the first signal stops the polling, runs the `finally`
//! steps on the mock, writes every report with the interruption marked and exits 130; a second
//! one exits at once and names what may be left behind.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use conform::mock::MockOptions;
use serde_json::Value;

use crate::util::{self, Conform, Mocks, finish, signal};

/// Every wait here is bounded: a run that ignores the signal fails the test, never hangs it.
const BOUND: Duration = Duration::from_secs(60);

/// The JSON event lines of the child's stdout, read on a thread of their own.
fn events(child: &mut Child) -> mpsc::Receiver<Value> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Waits for the first event `matches` accepts and returns it.
fn wait_for(rx: &mpsc::Receiver<Value>, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) if matches(&v) => return v,
            Ok(_) => {}
            Err(e) => panic!("no {what} event within {BOUND:?}: {e}"),
        }
    }
}

/// A polling attempt of `getWidget` has been made: the run is inside the endless poll.
fn polling(rx: &mpsc::Receiver<Value>) -> String {
    let created = wait_for(rx, "createWidget step-finished", |v| {
        v["event"] == "step-finished" && v["step"]["call"] == "createWidget"
    });
    let body = created["step"]["response"]["body"]
        .as_str()
        .expect("the create response is recorded");
    let id = serde_json::from_str::<Value>(body).expect("a JSON body")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    // Some attempts of the 50 ms poll go by before the signal.
    std::thread::sleep(Duration::from_millis(300));
    id
}

fn widget_status(mocks: &Mocks, id: &str) -> u16 {
    let url = format!("{}widgets/{id}", mocks.base("fixture"));
    util::runtime().block_on(async {
        reqwest::get(&url)
            .await
            .expect("the mock answers")
            .status()
            .as_u16()
    })
}

/// `conform run` of a fixture folder against the in-process fixture mock.
fn against(mocks: &Mocks, folder: &str, extra: &[&str]) -> Conform {
    let target = format!("fixture={}", mocks.base("fixture"));
    let mut args = vec![
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        &target,
    ];
    args.extend_from_slice(extra);
    args.push(folder);
    Conform::new(&args)
}

#[test]
fn the_first_sigint_cleans_up_writes_the_reports_and_exits_130() {
    let mocks = Mocks::start(&["fixture"], &MockOptions::default());
    let mut conform = against(
        &mocks,
        "tests/fixtures/interrupt",
        &["--jobs", "1", "--format", "json"],
    );
    let reports = conform.reports().expect("a report folder");
    let mut child = conform.spawn();
    let rx = events(&mut child);
    let id = polling(&rx);
    assert_eq!(
        widget_status(&mocks, &id),
        200,
        "the widget exists while polling"
    );
    signal(&child, libc::SIGINT);
    wait_for(&rx, "interrupted", |v| {
        v["event"] == "interrupted" && v["signal"] == "SIGINT"
    });
    let finished = wait_for(&rx, "run-finished", |v| v["event"] == "run-finished");
    assert_eq!(finished["interrupted"], "SIGINT");
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");

    // `finally` ran on the mock: the widget the scenario created is gone.
    assert_eq!(
        widget_status(&mocks, &id),
        404,
        "finally deleted the widget"
    );

    // Every report exists and says the run was interrupted.
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON");
    assert_eq!(json["interrupted"], "SIGINT");
    assert_eq!(json["exit_code"], 130);
    let scenarios = json["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 2, "{json}");
    let first = &scenarios[0];
    assert_eq!(first["interrupted"], true, "{first}");
    let steps = first["steps"].as_array().expect("steps");
    let poll = steps
        .iter()
        .find(|s| s["call"] == "getWidget")
        .expect("the poll step");
    assert!(
        poll["findings"]
            .to_string()
            .contains("interrupted by SIGINT"),
        "{poll}"
    );
    let cleanup = steps
        .iter()
        .find(|s| s["phase"] == "finally")
        .expect("the finally step");
    assert_eq!(cleanup["outcome"], "passed", "{cleanup}");
    assert_eq!(cleanup["status"], 202, "{cleanup}");
    let later = &scenarios[1];
    assert_eq!(later["outcome"], "skipped", "{later}");
    assert!(
        later["skipped"]
            .as_str()
            .unwrap_or("")
            .contains("interrupted"),
        "{later}"
    );
    let summary = std::fs::read_to_string(reports.join("summary.md")).expect("summary.md");
    assert!(summary.contains("Interrupted by SIGINT"), "{summary}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
    assert!(
        junit.contains(r#"name="conform.interrupted" value="SIGINT""#),
        "{junit}"
    );
    let html = std::fs::read_to_string(reports.join("report.html")).expect("report.html");
    assert!(
        html.contains("Interrupted by SIGINT"),
        "report.html says so"
    );
}

#[test]
fn sigterm_is_an_interrupt_too_and_the_terminal_shows_the_clean_up() {
    let mocks = Mocks::start(&["fixture"], &MockOptions::default());
    let mut conform = against(&mocks, "tests/fixtures/interrupt", &["--jobs", "1"]);
    let mut child = conform.spawn();
    // The human view prints nothing before a scenario ends: wait on the mock instead.
    std::thread::sleep(Duration::from_millis(800));
    signal(&child, libc::SIGTERM);
    let stdout = child.stdout.take().expect("stdout");
    let (status, stderr) = finish(child);
    let mut out = String::new();
    let _ = std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut out);
    assert_eq!(status.code(), Some(130), "{out}\n{stderr}");
    assert!(out.contains("interrupted by SIGTERM"), "{out}");
    assert!(
        out.contains("clean-up PASS a-never-ready.yaml › deleteWidget → 202"),
        "the clean-up step is shown: {out}"
    );
    assert!(out.contains("1 skipped"), "the scenario not started: {out}");
}

#[test]
fn a_second_sigint_exits_at_once_and_names_what_may_be_left_behind() {
    let mocks = Mocks::start(&["fixture"], &MockOptions::default());
    let mut conform = against(
        &mocks,
        "tests/fixtures/interrupt-slow-cleanup",
        &["--format", "json"],
    );
    let mut child = conform.spawn();
    let rx = events(&mut child);
    let id = polling(&rx);
    signal(&child, libc::SIGINT);
    wait_for(&rx, "interrupted", |v| v["event"] == "interrupted");
    // The clean-up polls for a state that never comes; the second signal cuts it short.
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let (status, stderr) = finish(child);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("exiting now"), "{stderr}");
    assert!(
        stderr.contains(&format!("never-ready.yaml: id={id}")),
        "names the captured id: {stderr}"
    );
    assert_eq!(widget_status(&mocks, &id), 200, "nothing was cleaned up");
}
