//! Every check can fail: the whole scenario corpus (`cases/`) runs against the reference mocks
//! once per fault profile, and each profile must be caught by at least one scenario with a
//! finding that names the broken rule. With no fault, every scenario passes. Prints the table
//! profile -> catching scenarios.

use std::sync::Arc;
use std::time::Duration;

use conform::check::{CheckKind, Finding};
use conform::mock::{Fault, MockOptions};
use conform::run::{NoEvents, Outcome, RunOptions, RunResult, StepResult};
use conform::scenario::discover;

use crate::util::{details, runner, runtime};

/// Whether a finding of `step` names the rule that `fault` breaks.
pub(crate) fn names_rule(fault: Fault, step: &StepResult, f: &Finding) -> bool {
    let kw = f.keyword.as_deref().unwrap_or("");
    let msg = f.message.as_str();
    let on_error = step.response.as_ref().is_some_and(|r| r.status >= 400);
    match fault {
        Fault::WrongSuccessStatus => {
            matches!(f.check, CheckKind::Status | CheckKind::UndocumentedStatus)
        }
        Fault::BodyOnEmptyResponse => {
            f.check == CheckKind::Content && msg.contains("documents no body")
        }
        Fault::MissingRequiredField => {
            kw == "required" && matches!(f.check, CheckKind::Schema | CheckKind::Body)
        }
        // A schema `type` error, a `$type` matcher, or an expected value of another JSON type
        // ("should be true (boolean), got "true" (string)").
        Fault::WrongType => {
            (f.check == CheckKind::Schema && kw == "type")
                || (f.check == CheckKind::Body && (kw == "$type" || msg.contains("), got")))
        }
        Fault::ExtraField => {
            f.check == CheckKind::Schema
                && matches!(
                    kw,
                    "additionalProperties" | "unevaluatedProperties" | "propertyNames"
                )
        }
        // The error body breaks the documented envelope, or the scenario's expectation of it.
        Fault::WrongErrorEnvelope | Fault::WrongErrorCode => {
            on_error && matches!(f.check, CheckKind::Schema | CheckKind::Body)
        }
        Fault::MissingHeader => f.check == CheckKind::Header,
        Fault::WrongContentType => f.check == CheckKind::Content && kw == "content",
        Fault::IdempotencyIgnored => matches!(f.check, CheckKind::Body | CheckKind::Status),
        Fault::ForbiddenTransition => matches!(f.check, CheckKind::Status | CheckKind::Body),
        Fault::NeverCompletes => f.check == CheckKind::Poll && kw == "until",
        Fault::Slow => f.check == CheckKind::Transport && msg.contains("no response within"),
        Fault::ConnectionReset => f.check == CheckKind::Transport,
        Fault::MalformedJson => f.check == CheckKind::Content && kw == "json",
        // The older page's 429 where the scenario expects the current page's 403.
        Fault::Quota429 => f.check == CheckKind::Status && msg.contains("got 429"),
        _ => false,
    }
}

fn run_corpus(rt: &tokio::runtime::Runtime, fault: Option<Fault>) -> RunResult {
    rt.block_on(async {
        let options = MockOptions {
            fault,
            slow_delay: Duration::from_millis(1500),
            ..Default::default()
        };
        let (targets, running) = conform::mock::start_all(&options)
            .await
            .expect("mocks start");
        let runner = Arc::new(runner(
            "specs",
            targets,
            RunOptions {
                step_timeout: Duration::from_secs(1),
                ..Default::default()
            },
        ));
        let found = discover(&[std::env::var("FD_CASES").unwrap_or("cases".into()).into()])
            .expect("cases/ is readable");
        let result = runner.run_all(found, Arc::new(NoEvents)).await;
        for m in running {
            m.stop().await;
        }
        result
    })
}

#[test]
fn every_fault_profile_is_caught_and_a_faithful_mock_passes() {
    if discover(&["cases".into()])
        .map(|f| f.is_empty())
        .unwrap_or(true)
    {
        panic!("cases/ holds no scenario: the fault-detection test needs the corpus");
    }
    let rt = runtime();

    let clean = run_corpus(&rt, None);
    let failing: Vec<String> = clean
        .scenarios
        .iter()
        .filter(|s| s.outcome > Outcome::Skipped)
        .map(details)
        .collect();
    assert!(
        failing.is_empty(),
        "with no fault every scenario must pass:\n{}",
        failing.join("\n")
    );

    let mut table = Vec::new();
    let mut uncaught = Vec::new();
    for &fault in Fault::ALL {
        let result = run_corpus(&rt, Some(fault));
        let catching: Vec<String> = result
            .scenarios
            .iter()
            .filter(|s| s.outcome > Outcome::Skipped)
            .filter(|s| s.findings().any(|(st, f)| names_rule(fault, st, f)))
            .map(|s| s.id.clone())
            .collect();
        if catching.is_empty() {
            uncaught.push(fault.name());
        }
        table.push((fault, catching));
    }
    println!("\nfault profile             caught by");
    for (fault, catching) in &table {
        let shown = if catching.is_empty() {
            "-- NOT CAUGHT --".to_owned()
        } else {
            format!("{} scenario(s): {}", catching.len(), catching.join(", "))
        };
        println!("{:<25} {shown}", fault.name());
    }
    assert!(
        uncaught.is_empty(),
        "fault profiles no scenario caught: {uncaught:?}"
    );
}
