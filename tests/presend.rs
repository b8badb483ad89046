//! The checks of a scenario against its spec that happen before anything is sent (a status
//! outside 100–599, an undocumented expected status, an unknown parameter, a misspelt header),
//! through the real binary: exit 2, the scenario's `file:line:col`, and no connection made.

use std::net::TcpListener;

use std::process::Output;

use crate::util::{conform, text};

/// `conform run --no-report` on the fixture specs, with `args` after.
fn run(args: &[&str]) -> (Output, String) {
    let mut all = vec!["run", "--no-report", "--specs", "tests/fixtures/specs"];
    all.extend_from_slice(args);
    let out = conform(&all);
    let shown = text(&out);
    (out, shown)
}

/// A target that counts the connections made to it: nothing accepts them, but the kernel
/// completes the handshake, so a non-blocking `accept` after the run sees each one.
struct Counting(TcpListener);

impl Counting {
    fn start() -> Counting {
        let l = TcpListener::bind("127.0.0.1:0").expect("a local port");
        l.set_nonblocking(true).expect("non-blocking");
        Counting(l)
    }

    fn target(&self) -> String {
        format!("fixture=http://{}", self.0.local_addr().expect("address"))
    }

    fn connections(&self) -> usize {
        // Bounded: the backlog holds a few connections at most.
        (0..64).take_while(|_| self.0.accept().is_ok()).count()
    }
}

const FIXTURES: &[(&str, &str)] = &[
    (
        "tests/fixtures/invalid/status-out-of-range.yaml",
        "status-out-of-range.yaml:6:22: `2000` is not an HTTP status",
    ),
    (
        "tests/fixtures/invalid/undocumented-status.yaml",
        "undocumented-status.yaml:9:22: status 418 is not documented for getWidget",
    ),
    (
        "tests/fixtures/invalid/unknown-parameter.yaml",
        "unknown-parameter.yaml:6:13: `verbos` is not a query parameter of getWidget",
    ),
    (
        "tests/fixtures/invalid/unknown-parameter.yaml",
        "unknown-parameter.yaml:8:7: `X-Widget-Tenat` is not a header of getWidget",
    ),
];

#[test]
fn a_scenario_that_breaks_its_spec_exits_2_before_sending_anything() {
    for (file, message) in FIXTURES {
        let target = Counting::start();
        let t = target.target();
        let (out, shown) = run(&["--target", &t, file]);
        assert_eq!(out.status.code(), Some(2), "{shown}");
        assert!(shown.contains(message), "{message}:\n{shown}");
        assert_eq!(target.connections(), 0, "nothing may be sent: {shown}");
    }
}

#[test]
fn a_dry_run_of_such_a_scenario_shows_no_request() {
    let (out, shown) = run(&["--dry-run", "tests/fixtures/invalid/unknown-parameter.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("is not a query parameter"), "{shown}");
    // A dry run prints each request it would send as `GET http://...`.
    assert!(!shown.contains("GET http"), "{shown}");
}

#[test]
fn the_same_scenario_fixed_is_sent() {
    // The counter is not blind: a valid scenario does reach it (and then fails, unanswered).
    let target = Counting::start();
    let t = target.target();
    let (out, shown) = run(&[
        "--allow-writes",
        "--step-timeout",
        "1s",
        "--target",
        &t,
        "tests/fixtures/pass/negative.yaml",
    ]);
    assert_ne!(out.status.code(), Some(0), "{shown}");
    assert!(target.connections() > 0, "{shown}");
}

#[test]
fn an_undocumented_answer_the_step_expects_is_a_warning_that_strict_fails() {
    let file = "tests/fixtures/undocumented/expected-teapot.yaml";
    let finding = "status 418 is not documented for getWidget (documented: 200, 404), as the step \
                   expects (`undocumented: true`)";
    let (out, shown) = run(&[file]);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("warnings (they do not fail the run") && shown.contains(finding),
        "{shown}"
    );
    let (out, shown) = run(&["--strict", file]);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("violation [undocumented-status] status 418 is not documented"),
        "{shown}"
    );
    // Without the marker the same answer is a violation: tests/fixtures/violation/undocumented-status.yaml.
}
