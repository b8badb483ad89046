//! What a fuzzing run is given and what it gives back besides its streamed results:
//! [`FuzzOptions`] (seed, budget, where failures are saved), [`FuzzSummary`], each
//! [`Failure`] found, and why the run stopped early ([`Stopped`]) if it did.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::checks::{Checks, FuzzCheck};
use super::select::Selection;
use crate::check::CheckKind;
use crate::run::RunSummary;

/// How much to generate and what to keep.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// The same seed gives the same requests.
    pub seed: u64,
    /// Cases per operation, at most.
    pub max_examples: usize,
    /// No case starts after this long.
    pub time: Option<Duration>,
    /// Requests spent shrinking one failure, at most.
    pub shrink_runs: usize,
    /// Where to write each failure as a scenario file.
    pub save_failures: Option<PathBuf>,
    /// Parameter values fixed by the user (`--var NAME=VALUE` naming a parameter).
    pub fixed: BTreeMap<String, Value>,
    /// The operations fuzzed: by id, path glob or tag, included and excluded.
    pub selection: Selection,
    /// Which checks are reported (and their probes sent).
    pub checks: Checks,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            seed: 0,
            max_examples: 50,
            time: None,
            shrink_runs: 48,
            save_failures: None,
            fixed: BTreeMap::new(),
            selection: Selection::default(),
            checks: Checks::default(),
        }
    }
}

/// One distinct failure found, after shrinking.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The API (spec) the operation belongs to.
    pub api: String,
    /// The operation that failed.
    pub operation: String,
    /// `valid`, `boundary` or `negative`; `probe` for a request of the fuzzer's own that no
    /// case makes (an undeclared method).
    pub kind: &'static str,
    /// What the case sent, in words.
    pub case: String,
    /// The check that failed.
    pub check: CheckKind,
    /// The rule of the catalogue it breaks; `None` for a failure of the run itself (a
    /// generated scenario that does not compile, a limit of the harness).
    pub code: Option<FuzzCheck>,
    /// The check's message.
    pub message: String,
    /// Requests the shrinking spent, and whether it made the request smaller.
    pub shrink_runs: usize,
    /// Whether shrinking found a smaller request that still fails.
    pub shrunk: bool,
    /// The scenario file written for it (`--save-failures`).
    pub saved: Option<PathBuf>,
}

/// What a fuzzing run did, beyond the results it streamed.
#[derive(Debug, Clone)]
pub struct FuzzSummary {
    /// The pass/fail counts, as for any run.
    pub summary: RunSummary,
    /// Requests sent, shrinking and clean-up included.
    pub requests: usize,
    /// Cases run.
    pub cases: usize,
    /// The distinct failures, after shrinking.
    pub failures: Vec<Failure>,
    /// Why generation stopped early (the time budget spent, an interrupt), if it did.
    pub stopped: Option<Stopped>,
    /// Files that could not be written (`--save-failures`).
    pub save_errors: Vec<String>,
    /// What the run created and did not delete, per create operation and reason.
    pub leftovers: Vec<Leftover>,
}

/// Resources one create operation made that the run did not delete, all for one reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Leftover {
    /// The API (spec) the operation belongs to.
    pub api: String,
    /// The create operation.
    pub operation: String,
    /// Why they were not deleted.
    pub why: LeftoverWhy,
    /// How many.
    pub count: usize,
}

/// Why a created resource was not deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeftoverWhy {
    /// The spec has no delete for what the operation creates.
    NoDelete,
    /// The answer to the create names no id the delete could take.
    NoId,
    /// The delete (this operation) failed: this status, or no answer at all.
    DeleteFailed {
        /// The delete operation.
        delete: String,
        /// Its status; none when it got no answer.
        status: Option<u16>,
    },
    /// The run was interrupted before the delete was answered.
    Interrupted,
}

impl std::fmt::Display for LeftoverWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeftoverWhy::NoDelete => write!(f, "the spec has no delete for it"),
            LeftoverWhy::NoId => write!(f, "its answer names no id to delete it by"),
            LeftoverWhy::DeleteFailed {
                delete,
                status: Some(s),
            } => write!(f, "the delete ({delete}) failed with status {s}"),
            LeftoverWhy::DeleteFailed {
                delete,
                status: None,
            } => write!(f, "the delete ({delete}) got no answer"),
            LeftoverWhy::Interrupted => write!(f, "the run was interrupted before the delete"),
        }
    }
}

/// Why a fuzzing run stopped before every operation was fuzzed. It says what happened in the
/// library's words; the command line names its own switch ([`Stopped::TimeSpent`] is `--time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stopped {
    /// The run was interrupted by this signal (`SIGINT`).
    Interrupted(&'static str),
    /// The time budget ([`FuzzOptions::time`], this long) was spent: no case starts after it.
    TimeSpent(Duration),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Interrupted(signal) => write!(f, "the run was interrupted ({signal})"),
            Stopped::TimeSpent(time) => write!(
                f,
                "the time budget of {} was spent",
                crate::units::human_duration(*time)
            ),
        }
    }
}
