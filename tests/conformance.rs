//! `cargo test` entry for scenarios: one libtest-mimic trial per scenario file, so filters,
//! `cargo nextest run` and `--partition slice:1/2` work per scenario.
//!
//! - `cases/<api>/<file>`: the scenario corpus against the embedded mocks (APIs without a mock
//!   are reported as failing with "no target", never silently skipped);
//! - `fixtures/pass/...`: must pass against the fixture mock;
//! - `fixtures/violation/...`: must end with the outcome in the `.expected` file beside it, and
//!   the diagnosis must contain every line listed there;
//! - `fixtures/invalid/...`: must fail to load, with the listed `file:line:col` messages.
//!
//! A corpus folder that is missing, unreadable or empty is one failing trial named after it,
//! never zero trials: a run from the wrong folder, or a corpus lost in a move, must not pass.
//!
//! Everything expensive (runtime, specs, mocks) starts lazily, so nextest's one-process-per-test
//! runs pay only for what their one scenario needs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use conform::run::{NoEvents, Outcome, RunOptions, Runner, ScenarioResult};
use conform::scenario::{Found, discover};
use conform::spec::Registry;
use conform::target::Targets;
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the test runtime starts")
    })
}

/// The mocks, started once per process on ephemeral ports and kept for its life.
fn mock_targets() -> &'static Result<Targets, String> {
    static MOCKS: OnceLock<Result<Targets, String>> = OnceLock::new();
    static RUNNING: OnceLock<Vec<conform::mock::Running>> = OnceLock::new();
    MOCKS.get_or_init(|| {
        let (targets, running) = runtime()
            .block_on(conform::mock::start_all(&Default::default()))
            .map_err(|e| e.to_string())?;
        let _ = RUNNING.set(running);
        Ok(targets)
    })
}

fn runner(specs: &str) -> Result<Arc<Runner>, Failed> {
    let targets = mock_targets()
        .as_ref()
        .map_err(|e| Failed::from(e.as_str()))?
        .clone();
    // One client per runner, built inside the runtime that drives it.
    let client = runtime()
        .block_on(async { conform::run::http_client() })
        .map_err(|e| Failed::from(format!("HTTP client: {e}")))?;
    Ok(Arc::new(Runner::new(
        Arc::new(Registry::new(specs)),
        Arc::new(targets),
        client,
        RunOptions::default(),
    )))
}

fn run(specs: &'static str, found: &Found) -> Result<ScenarioResult, Failed> {
    /// One runner per specs folder.
    type Runners = std::sync::Mutex<Vec<(&'static str, Arc<Runner>)>>;
    static RUNNERS: OnceLock<Runners> = OnceLock::new();
    let runners = RUNNERS.get_or_init(Default::default);
    let r = {
        let mut list = runners.lock().unwrap_or_else(|p| p.into_inner());
        match list.iter().find(|(s, _)| *s == specs) {
            Some((_, r)) => r.clone(),
            None => {
                let r = runner(specs)?;
                list.push((specs, r.clone()));
                r
            }
        }
    };
    Ok(runtime().block_on(r.run_found(found, &NoEvents)))
}

/// `exclusive` scenarios run alone within this process, as the runner runs them; the trials of
/// one process share the mocks. (Under nextest every trial has its own process and mocks.)
fn turn(found: &Found) -> Box<dyn std::any::Any> {
    static ALONE: std::sync::RwLock<()> = std::sync::RwLock::new(());
    let exclusive = conform::scenario::load(&found.path).is_ok_and(|(s, _)| s.exclusive);
    if exclusive {
        Box::new(ALONE.write().unwrap_or_else(|p| p.into_inner()))
    } else {
        Box::new(ALONE.read().unwrap_or_else(|p| p.into_inner()))
    }
}

fn details(r: &ScenarioResult) -> String {
    conform::report::terminal::details(r, false)
}

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
    let text = details(r);
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

/// The scenarios under `dir`; when there are none, the trial `name` that fails saying why.
fn trials_under(dir: &str, name: &str, trials: &mut Vec<Trial>) -> Vec<Found> {
    let root = PathBuf::from(dir);
    let why = if !root.is_dir() {
        let cwd = std::env::current_dir().unwrap_or_default();
        format!(
            "the corpus folder {dir}/ is missing (looked in {}; tests run from the repository root)",
            cwd.display()
        )
    } else {
        match discover(&[root]) {
            Ok(found) if !found.is_empty() => return found,
            Ok(_) => format!("the corpus folder {dir}/ holds no scenario"),
            Err(e) => format!("the corpus folder {dir}/ cannot be read: {e}"),
        }
    };
    trials.push(Trial::test(name, move || Err(why.into())));
    Vec::new()
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for found in trials_under("cases", "cases", &mut trials) {
        let name = format!("cases/{}", found.id);
        trials.push(Trial::test(name, move || {
            let _turn = turn(&found);
            let r = run("specs", &found)?;
            match r.outcome {
                Outcome::Passed => Ok(()),
                _ => Err(details(&r).into()),
            }
        }));
    }
    for found in trials_under("tests/fixtures/pass", "fixtures/pass", &mut trials) {
        trials.push(Trial::test(
            format!("fixtures/pass/{}", found.id),
            move || {
                let r = run("tests/fixtures/specs", &found)?;
                match r.outcome {
                    Outcome::Passed => Ok(()),
                    _ => Err(details(&r).into()),
                }
            },
        ));
    }
    for found in trials_under(
        "tests/fixtures/violation",
        "fixtures/violation",
        &mut trials,
    ) {
        trials.push(Trial::test(
            format!("fixtures/violation/{}", found.id),
            move || {
                let r = run("tests/fixtures/specs", &found)?;
                check_expected(&r, Outcome::Failed, &found.path)
            },
        ));
    }
    for found in trials_under("tests/fixtures/invalid", "fixtures/invalid", &mut trials) {
        trials.push(Trial::test(
            format!("fixtures/invalid/{}", found.id),
            move || {
                let r = run("tests/fixtures/specs", &found)?;
                if !r.steps.is_empty() {
                    return Err(format!(
                        "an invalid scenario must not run, but {} step(s) ran",
                        r.steps.len()
                    )
                    .into());
                }
                check_expected(&r, Outcome::Errored, &found.path)
            },
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}
