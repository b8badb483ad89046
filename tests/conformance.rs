//! `cargo test` entry for scenarios, through [`conform::harness`]: one libtest-mimic trial per
//! scenario file, so filters, `cargo nextest run` and `--partition slice:1/2` work per scenario.
//!
//! - `cases/<api>/<file>`: the scenario corpus against the embedded mocks (APIs without a mock
//!   are reported as failing with "no target", never silently skipped);
//! - `fixtures/pass/...`: must pass against the fixture mock;
//! - `fixtures/violation/...`: must end with the outcome in the `.expected` file beside it, and
//!   the diagnosis must contain every line listed there;
//! - `fixtures/invalid/...`: must fail to load, with the listed `file:line:col` messages;
//! - `fixtures/arazzo/{pass,violation,invalid}/...`: the same for Arazzo workflows (one trial
//!   per workflow).
//!
//! A corpus folder that is missing, unreadable or empty is one failing trial named after it,
//! never zero trials; everything expensive starts lazily (the harness's policy).

use std::path::Path;

use conform::harness::{self, Failed, Harness};
use conform::run::{Outcome, ScenarioResult};
use conform::scenario::Found;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default)]
    outcome: Option<String>,
    contains: Vec<String>,
}

fn expected_beside(path: &Path) -> Result<Expected, Failed> {
    let file = path.with_extension("expected");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| Failed::from(format!("{}: {e}", file.display())))?;
    serde_saphyr::from_str(&text).map_err(|e| Failed::from(format!("{}: {e}", file.display())))
}

fn check_expected(r: &ScenarioResult, want_outcome: Outcome, path: &Path) -> Result<(), Failed> {
    let exp = expected_beside(path)?;
    let text = harness::diagnosis(r);
    let want = match exp.outcome.as_deref() {
        Some("failed") | None => want_outcome,
        Some("errored") => Outcome::Errored,
        Some(other) => {
            return Err(format!("unknown outcome `{other}` in the .expected file").into());
        }
    };
    if r.outcome != want {
        return Err(format!("expected outcome {want:?}, got {:?}\n{text}", r.outcome).into());
    }
    let missing: Vec<&String> = exp
        .contains
        .iter()
        .filter(|line| !text.contains(line.as_str()))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the diagnosis lacks:\n{}\n--- diagnosis ---\n{text}",
            missing
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
        .into());
    }
    Ok(())
}

/// An invalid scenario is rejected before anything is sent, with the diagnosis listed.
fn check_invalid(r: &ScenarioResult, found: &Found) -> Result<(), Failed> {
    if !r.steps.is_empty() {
        return Err(format!(
            "an invalid scenario must not run, but {} step(s) ran",
            r.steps.len()
        )
        .into());
    }
    check_expected(r, Outcome::Errored, &found.path)
}

/// A golden fixture corpus: `tests/fixtures/<kind>`, its trials named `fixtures/<kind>/...`.
fn fixtures(kind: &str) -> Harness {
    Harness::new()
        .cases(format!("tests/fixtures/{kind}"))
        .name(format!("fixtures/{kind}"))
        .specs("tests/fixtures/specs")
        .mocks()
}

fn main() {
    let corpus = Harness::new().cases("cases").specs("specs").mocks();
    let violation = fixtures("violation")
        .check(|r: &ScenarioResult, f: &Found| check_expected(r, Outcome::Failed, &f.path));
    let invalid = fixtures("invalid").check(check_invalid);
    // Arazzo workflows, one trial each, under the same three verdicts.
    let arazzo_violation = fixtures("arazzo/violation")
        .check(|r: &ScenarioResult, f: &Found| check_expected(r, Outcome::Failed, &f.path));
    let arazzo_invalid = fixtures("arazzo/invalid").check(check_invalid);
    harness::run(
        [
            corpus,
            fixtures("pass"),
            violation,
            invalid,
            fixtures("arazzo/pass"),
            arazzo_violation,
            arazzo_invalid,
        ]
        .into_iter()
        .flat_map(Harness::trials),
    )
}
