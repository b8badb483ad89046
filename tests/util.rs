//! What the integration tests share: the repository root, runtimes, mocks served on ephemeral
//! ports, a runner over them, and the real `conform` binary.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use conform::mock::{MockOptions, Running};
use conform::run::{RunOptions, Runner, ScenarioResult};
use conform::spec::Registry;
use conform::target::Targets;

/// The repository root, which is also where cargo and nextest run the tests from.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A multi-thread runtime with two workers, for tests that drive mocks and runs themselves.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Mocks on ephemeral ports, served by a runtime of their own that lives as long as they do, so
/// a test can run the binary (or anything blocking) against them.
pub struct Mocks {
    _rt: tokio::runtime::Runtime,
    pub running: Vec<Running>,
}

impl Mocks {
    pub fn start(apis: &[&str], options: &MockOptions) -> Mocks {
        let rt = runtime();
        let running = apis
            .iter()
            .map(|api| {
                rt.block_on(conform::mock::start(api, 0, options))
                    .expect("mock starts")
            })
            .collect();
        Mocks { _rt: rt, running }
    }

    /// The base URL of `api`'s mock, as a user would pass it.
    pub fn base(&self, api: &str) -> String {
        self.running
            .iter()
            .find(|m| m.api == api)
            .expect("started")
            .base_url
            .to_string()
    }
}

/// A runner over `targets` with the specs under `specs` and its own HTTP client.
pub fn runner(specs: impl Into<PathBuf>, targets: Targets, options: RunOptions) -> Runner {
    Runner::new(
        Arc::new(Registry::new(specs)),
        Arc::new(targets),
        conform::run::http_client().expect("HTTP client"),
        options,
    )
}

/// What a person reads about a scenario that did not pass, without color.
pub fn details(r: &ScenarioResult) -> String {
    conform::report::terminal::details(r, false)
}

/// stdout then stderr, for assertions and their messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The real binary with `args`, from the repository root, with `NO_COLOR=1`.
pub fn conform(args: &[&str]) -> Output {
    Conform::new(args).output()
}

/// The real binary, to be given a working folder or environment before it runs.
pub struct Conform {
    cmd: Command,
    args: Vec<OsString>,
}

impl Conform {
    pub fn new(args: &[&str]) -> Conform {
        let args = args.iter().map(OsString::from).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
        cmd.current_dir(root()).env("NO_COLOR", "1");
        Conform { cmd, args }
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Conform {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env_remove(mut self, var: &str) -> Conform {
        self.cmd.env_remove(var);
        self
    }

    pub fn envs<I, K, V>(mut self, vars: I) -> Conform
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.cmd.envs(vars);
        self
    }

    /// Runs the binary to the end.
    pub fn output(mut self) -> Output {
        self.cmd
            .args(&self.args)
            .output()
            .expect("the conform binary runs")
    }
}
