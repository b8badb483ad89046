//! The LivePerson corpus (`cases/liveperson-deletion/`) against its reference mock: with no
//! fault every scenario passes; each fault profile the mock applies is caught by at least one
//! scenario with a finding that names the broken rule; `--strict` turns the vendor-example
//! readings (`siteid`, integer `request_id`, nulls) from warnings into violations.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use conform::check::{CheckKind, Finding, Severity};
use conform::mock::{Fault, MockOptions};
use conform::run::{NoEvents, Outcome, RunOptions, RunResult, Runner, ScenarioResult};
use conform::spec::Registry;
use conform::target::Targets;

const API: &str = "liveperson-deletion";

/// Runs the whole corpus against a fresh mock with `fault`.
async fn run_corpus(fault: Option<Fault>, strict: bool) -> RunResult {
    let options = MockOptions {
        fault,
        // Past the 2 s step timeout, but no longer than needed to prove it.
        slow_delay: Duration::from_millis(2500),
        ..MockOptions::default()
    };
    let running = conform::mock::start(API, 0, &options)
        .await
        .expect("the mock starts");
    let mut targets = Targets::default();
    targets.insert(API, running.target());
    let found = conform::scenario::discover(&[PathBuf::from("cases").join(API)])
        .expect("the corpus is found");
    assert!(found.len() >= 8, "the corpus shrank: {} files", found.len());
    let runner = Arc::new(Runner::new(
        Arc::new(Registry::new("specs")),
        Arc::new(targets),
        conform::run::http_client().expect("a client"),
        RunOptions {
            strict,
            step_timeout: Duration::from_secs(2),
            ..RunOptions::default()
        },
    ));
    let result = runner.run(found, Arc::new(NoEvents)).await;
    running.stop().await;
    result
}

fn details(r: &ScenarioResult) -> String {
    conform::report::terminal::details(r, false)
}

fn text(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Whether `f` is the diagnosis of `fault`: the check and the rule it must name.
fn names_the_rule(fault: Fault, f: &Finding) -> bool {
    let schema_at = f.schema_at.as_deref().unwrap_or_default();
    let pointer = f.pointer.as_deref().unwrap_or_default();
    let keyword = f.keyword.as_deref().unwrap_or_default();
    match fault {
        // 201 is not among cancel's documented statuses.
        Fault::WrongSuccessStatus => {
            f.check == CheckKind::UndocumentedStatus && text(&f.actual) == "201"
        }
        Fault::MissingRequiredField => {
            f.check == CheckKind::Schema
                && keyword == "required"
                && (f.message.contains("\"request_id\"") || f.message.contains("\"is_canceled\""))
        }
        Fault::WrongType => {
            f.check == CheckKind::Schema && keyword == "type" && pointer.ends_with("/is_canceled")
        }
        // The second cancel, or the cancel after approval, answered 200 where 409 was due.
        Fault::ForbiddenTransition => {
            f.check == CheckKind::Status
                && text(&f.actual) == "200"
                && text(&f.expected) == "\"409\""
        }
        Fault::WrongErrorEnvelope => {
            f.check == CheckKind::Schema
                && keyword == "required"
                && schema_at.contains("/components/schemas/Error")
        }
        Fault::WrongErrorCode => f.check == CheckKind::Body && pointer == "/code",
        Fault::WrongContentType => {
            f.check == CheckKind::Content && f.message.contains("Content-Type `text/plain")
        }
        Fault::MalformedJson => {
            f.check == CheckKind::Content && f.message.contains("not well-formed JSON")
        }
        Fault::ConnectionReset => {
            f.check == CheckKind::Transport && f.message.contains("connection")
        }
        Fault::Slow => f.check == CheckKind::Transport && f.message.contains("no response within"),
        other => panic!("no diagnosis defined for `{other}`"),
    }
}

/// The profiles that apply to this API: the mock's own and the shared transport ones.
const FAULTS: &[Fault] = &[
    Fault::WrongSuccessStatus,
    Fault::MissingRequiredField,
    Fault::WrongType,
    Fault::ForbiddenTransition,
    Fault::WrongErrorEnvelope,
    Fault::WrongErrorCode,
    Fault::WrongContentType,
    Fault::MalformedJson,
    Fault::ConnectionReset,
    Fault::Slow,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_fault_every_scenario_passes() {
    let result = run_corpus(None, false).await;
    let failed: Vec<String> = result
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .map(details)
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    // The diagnoses the fault test looks for must not match a faithful mock's findings, or
    // "caught" would prove nothing.
    for &fault in FAULTS {
        let spurious: Vec<String> = result
            .scenarios
            .iter()
            .flat_map(|s| s.findings())
            .filter(|(_, f)| names_the_rule(fault, f))
            .map(|(_, f)| f.message.clone())
            .collect();
        assert!(spurious.is_empty(), "{fault} matches: {spurious:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_profile_is_caught_with_the_broken_rule() {
    let mut table = Vec::new();
    let mut missed = Vec::new();
    for &fault in FAULTS {
        let result = run_corpus(Some(fault), false).await;
        let catching: Vec<&str> = result
            .scenarios
            .iter()
            .filter(|s| s.outcome > Outcome::Skipped)
            .filter(|s| {
                s.findings()
                    .any(|(_, f)| f.severity >= Severity::Violation && names_the_rule(fault, f))
            })
            .map(|s| s.id.as_str())
            .collect();
        table.push(format!("{:<24} {}", fault.name(), catching.join(", ")));
        if catching.is_empty() {
            let all: Vec<String> = result.scenarios.iter().map(details).collect();
            missed.push(format!("{fault}:\n{}", all.join("\n")));
        }
    }
    println!("profile -> catching scenarios\n{}", table.join("\n"));
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n\n"));
}

/// The cancel records follow the vendor's examples; the table, read literally, disagrees on
/// `siteid`, `request_id`'s type and the nulls.
fn example_readings(r: &ScenarioResult, severity: Severity) -> Vec<String> {
    r.findings()
        .filter(|(_, f)| f.severity == severity && f.check == CheckKind::Schema)
        .filter(|(_, f)| {
            f.schema_at
                .as_deref()
                .is_some_and(|s| s.contains("CancelRecordAsDocumented"))
        })
        .map(|(_, f)| f.message.clone())
        .collect()
}

/// Every example reading is reported on `r`, each with `severity`, and none with `other`.
fn assert_readings(r: &ScenarioResult, severity: Severity, other: Severity) {
    let found = example_readings(r, severity);
    for word in ["siteId", "request_id", "approved_by", "approve_timestamp"] {
        assert!(
            found.iter().any(|m| m.contains(word)),
            "no {severity:?} about `{word}`: {found:#?}"
        );
    }
    assert!(example_readings(r, other).is_empty(), "{}", details(r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_turns_the_example_readings_into_violations() {
    let lifecycle = |result: RunResult| -> ScenarioResult {
        result
            .scenarios
            .into_iter()
            .find(|s| s.id == "cancel-lifecycle.yaml")
            .expect("the lifecycle scenario ran")
    };

    let lenient = lifecycle(run_corpus(None, false).await);
    assert_eq!(lenient.outcome, Outcome::Passed, "{}", details(&lenient));
    assert_readings(&lenient, Severity::Warning, Severity::Violation);

    let strict = lifecycle(run_corpus(None, true).await);
    assert_eq!(strict.outcome, Outcome::Failed, "{}", details(&strict));
    assert_readings(&strict, Severity::Violation, Severity::Warning);
}
