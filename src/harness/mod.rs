//! Scenarios as `cargo test` trials: [`Harness`] turns each scenario file of a corpus folder into
//! one [libtest-mimic](https://docs.rs/libtest-mimic) trial, run against a URL, an in-process
//! axum `Router` (any tower service) or the built-in mocks, and checked against a folder of specs.
//!
//! A crate's `tests/contract.rs`, with `harness = false` on its `[[test]]` in `Cargo.toml`:
//!
//! ```no_run
//! # fn app() -> axum::Router { axum::Router::new() }
//! fn main() {
//!     conform::harness::Harness::new()
//!         .cases("cases")
//!         .specs("specs")
//!         .serve("notes", app())
//!         .run()
//! }
//! ```
//!
//! Each trial is named after its file (`cases/notes/create.yaml`), so `cargo test notes`,
//! `--exact`, `--list`, `cargo nextest run` and `--partition slice:1/2` select scenarios. A
//! corpus folder that is missing, unreadable or empty is one failing trial named after it,
//! never zero trials: a test run from the wrong folder, or a corpus lost in a move, must not pass.
//! A failing trial's message is conform's diagnosis: the JSON location, the schema rule and the
//! scenario line of every finding.
//!
//! Nothing starts until a trial runs, and then only once per process: the runtime, the servers,
//! the HTTP client; each API's spec loads when a scenario of it first needs it. So listing is
//! cheap, and nextest's one process per trial pays only for what its one scenario needs.

mod corpus;
mod setup;

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use libtest_mimic::{self, Arguments, Conclusion, Failed, Trial};

use crate::run::{Outcome, RunOptions, ScenarioResult};
use crate::scenario::Found;
use crate::targets::Target;
use setup::{Setup, Source};

/// What a trial requires of its scenario's result; [`Harness::check`] replaces the default,
/// [`passes`].
pub type Check = Arc<dyn Fn(&ScenarioResult, &Found) -> Result<(), Failed> + Send + Sync>;

/// Why a trial could not run its scenario: the harness's own set-up failed. Every trial that
/// needs the failed part fails with this message.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The tokio runtime the trials share did not start.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(String),
    /// A URL given to [`Harness::target_url`] is not a usable base URL.
    #[error("the target URL `{url}` of API `{api}` is not usable: {reason}")]
    Url {
        /// The API it was given for.
        api: String,
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server of [`Harness::serve`] could not be bound on 127.0.0.1.
    #[error("cannot serve API `{api}` on 127.0.0.1: {reason}")]
    Bind {
        /// The API being served.
        api: String,
        /// The socket error.
        reason: String,
    },
    /// The HTTP client did not build.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The built-in mocks did not start.
    #[error("cannot start the built-in mocks: {0}")]
    Mocks(String),
}

/// One corpus folder as trials: where the scenarios are, where their specs are, where their calls
/// go and what their results must be. Build it, then [`Harness::run`] it (or take its
/// [`Harness::trials`] to run several corpora in one test binary).
#[must_use]
pub struct Harness {
    cases: PathBuf,
    name: Option<String>,
    specs: PathBuf,
    sources: Vec<(String, Source)>,
    mocks: bool,
    options: RunOptions,
    check: Check,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// Scenarios in `cases/`, specs in `specs/` (relative to the folder the test runs in, which
    /// `cargo test` makes the package's root), no target yet, and every scenario must pass.
    pub fn new() -> Self {
        Harness {
            cases: PathBuf::from("cases"),
            name: None,
            specs: PathBuf::from("specs"),
            sources: Vec::new(),
            mocks: false,
            options: RunOptions::default(),
            check: Arc::new(passes),
        }
    }

    /// The corpus folder: every `.yaml` and `.yml` file below it is one trial.
    pub fn cases(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cases = dir.into();
        self
    }

    /// The specs folder: `<specs>/<api>/openapi.yaml` (or `.json`) is the contract of `api`.
    pub fn specs(mut self, dir: impl Into<PathBuf>) -> Self {
        self.specs = dir.into();
        self
    }

    /// What trial names start with, instead of the corpus folder's path (`fixtures/pass` for
    /// `tests/fixtures/pass`): trial `<name>/<file>`, and `<name>` for a missing corpus.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sends the calls of `api` to `url` (its base: operation paths are appended to it). A URL
    /// that does not parse fails every trial that runs, with the reason.
    pub fn target_url(mut self, api: impl Into<String>, url: impl Into<String>) -> Self {
        self.sources.push((api.into(), Source::Url(url.into())));
        self
    }

    /// Sends the calls of `api` to `target` (a base URL with credentials).
    pub fn target(mut self, api: impl Into<String>, target: Target) -> Self {
        self.sources.push((api.into(), Source::Target(target)));
        self
    }

    /// Serves `service` (an axum `Router`, or any tower service of axum requests) for `api` on
    /// 127.0.0.1 at a port the system picks, in-process, from the first trial on; the calls of
    /// `api` go there.
    pub fn serve<S>(mut self, api: impl Into<String>, service: S) -> Self
    where
        S: tower_service::Service<axum::extract::Request, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        let router = axum::Router::new().fallback_service(service);
        self.sources.push((api.into(), Source::Serve(router)));
        self
    }

    /// Sends the calls of every API that has a built-in mock to it (targets given by
    /// [`Harness::target_url`], [`Harness::target`] or [`Harness::serve`] win). The mocks start
    /// once per process, shared by every harness that asks for them.
    #[cfg(feature = "mock")]
    pub fn mocks(mut self) -> Self {
        self.mocks = true;
        self
    }

    /// How the runner runs (`strict`, the step timeout, `inputs`...); the default otherwise.
    pub fn options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// What each scenario's result must be, instead of [`passes`]: a corpus of known violations
    /// checks that each fails as expected.
    pub fn check<F>(mut self, check: F) -> Self
    where
        F: Fn(&ScenarioResult, &Found) -> Result<(), Failed> + Send + Sync + 'static,
    {
        self.check = Arc::new(check);
        self
    }

    /// One trial per scenario file, in name order; one failing trial named after the corpus
    /// when it has none. Only the folder is listed here: nothing is read, started or sent.
    pub fn trials(self) -> Vec<Trial> {
        let name = self.name.clone().unwrap_or_else(|| slashed(&self.cases));
        let setup = Arc::new(Setup::new(
            self.specs,
            self.sources,
            self.mocks,
            self.options,
        ));
        corpus::trials(&self.cases, &name, &setup, &self.check)
    }

    /// Runs the trials with the command line's arguments (filters, `--list`, `--exact`...) and
    /// exits with libtest's status.
    pub fn run(self) -> ! {
        run(self.trials())
    }
}

/// Runs `trials` (from one or more [`Harness::trials`], and any of your own) with the command
/// line's arguments, and exits with libtest's status.
pub fn run(trials: impl IntoIterator<Item = Trial>) -> ! {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials.into_iter().collect()).exit()
}

/// The default [`Check`]: the scenario passed, else the trial fails with its [`diagnosis`].
pub fn passes(result: &ScenarioResult, _found: &Found) -> Result<(), Failed> {
    match result.outcome {
        Outcome::Passed => Ok(()),
        _ => Err(diagnosis(result).into()),
    }
}

/// What the terminal report says about a scenario, uncoloured: its outcome and, for each step
/// that did not pass, every finding with its JSON location, schema rule and scenario line.
pub fn diagnosis(result: &ScenarioResult) -> String {
    crate::report::terminal::details(result, false)
}

/// A path as a trial name: `/` between its parts whatever the platform.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
