//! What the integration tests share: the repository root, runtimes, mocks served on ephemeral
//! ports, a runner over them, and the real `conform` binary, whose every `run` writes its report
//! files into a temporary folder unless the test chose a folder or `--no-report` itself.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use conform::mock::{MockOptions, Running};
use conform::openapi::Registry;
use conform::run::{RunOptions, Runner, ScenarioResult};
use conform::targets::Targets;

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

/// Serves `app` on an ephemeral port of 127.0.0.1 from a runtime of its own, which the caller
/// keeps as long as the server must answer; returns it with the base URL `http://127.0.0.1:PORT`.
pub fn serve(app: axum::Router) -> (tokio::runtime::Runtime, String) {
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a local port");
    let addr = listener.local_addr().expect("its address");
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (rt, format!("http://{addr}"))
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

/// The long flags `conform <command> --help` documents, read from the start of its option
/// lines: what completions, man page and CI recipe are checked against.
pub fn long_flags(command: &[&str]) -> Vec<String> {
    let mut args = command.to_vec();
    args.push("--help");
    let out = conform(&args);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split([',', ' ']).find(|w| w.starts_with("--")))
        // A repeatable flag shows as `--verbose...`; one with an optional value as
        // `--examples[=<API,...>]`.
        .map(|w| {
            w.split('[')
                .next()
                .unwrap_or(w)
                .trim_end_matches("...")
                .to_owned()
        })
        .collect()
}

/// The real binary with `args`, from the repository root, with `NO_COLOR=1`.
pub fn conform(args: &[&str]) -> Output {
    Conform::new(args).output()
}

/// The real binary, to be given a working folder or environment before it runs.
///
/// A `run` that names neither `--report` nor `--no-report` gets `--report` with a fresh
/// temporary folder: no test may write into the repository's `reports/` (where a person's last
/// run is) or race another test for it.
pub struct Conform {
    cmd: Command,
    args: Vec<OsString>,
    reports: Option<tempfile::TempDir>,
}

impl Conform {
    pub fn new(args: &[&str]) -> Conform {
        let mut args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let mut reports = None;
        // The first word that is neither an option nor the value of the global `--color`.
        let mut subcommand = None;
        let mut i = 0;
        while i < args.len() {
            if args[i] == "--color" {
                i += 2;
            } else if args[i].to_string_lossy().starts_with('-') {
                i += 1;
            } else {
                subcommand = Some(i);
                break;
            }
        }
        let chose = args.iter().any(|a| {
            let a = a.to_string_lossy();
            a == "--no-report" || a == "--report" || a.starts_with("--report=")
        });
        if let Some(at) = subcommand
            && (args[at] == "run" || args[at] == "fuzz")
            && !chose
        {
            let dir = temp_dir();
            args.splice(
                at + 1..at + 1,
                [
                    OsString::from("--report"),
                    dir.path().join("reports").into_os_string(),
                ],
            );
            reports = Some(dir);
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
        cmd.args(&args).current_dir(root()).env("NO_COLOR", "1");
        Conform { cmd, args, reports }
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

    /// The arguments the binary gets, `--report` included.
    pub fn args(&self) -> &[OsString] {
        &self.args
    }

    /// The folder given to `--report` by this helper, if it gave one.
    pub fn reports(&self) -> Option<PathBuf> {
        self.reports.as_ref().map(|d| d.path().join("reports"))
    }

    /// Runs the binary to the end; the temporary report folder stays until `self` is dropped.
    pub fn run(&mut self) -> Output {
        self.cmd.output().expect("the conform binary runs")
    }

    /// Runs the binary to the end and removes the temporary report folder.
    pub fn output(mut self) -> Output {
        self.run()
    }

    /// Starts the binary with stdout and stderr piped, for a test that talks to it while it
    /// runs (reads its events, sends it signals); the report folder lives as long as `self`.
    pub fn spawn(&mut self) -> std::process::Child {
        self.cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the conform binary starts")
    }

    /// Runs the binary with its stdout a pipe whose reader is gone before it writes (as
    /// `conform ... | head -1` once `head` has its line) and returns the exit status.
    pub fn closed_stdout(mut self) -> std::process::ExitStatus {
        let mut child = self
            .cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the conform binary starts");
        drop(child.stdout.take());
        child.wait().expect("the conform binary ends")
    }
}

/// A `conform` command that serves until stopped (`mock`, `proxy`): its stdout read as it
/// comes, the URL of its first listener (the first `NAME<TAB>URL` line).
pub struct Served {
    child: std::process::Child,
    pub url: String,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Served {
    /// Starts `conform args...` and waits (60 s at most) for the line naming its listener.
    pub fn start(args: &[&str]) -> Served {
        Served::spawn(Conform::new(args), args)
    }

    /// [`Served::start`] of a command given its environment first (`args` as given to it).
    pub fn spawn(mut conform: Conform, args: &[&str]) -> Served {
        use std::io::BufRead;
        let mut child = conform.spawn();
        let out = child.stdout.take().expect("piped stdout");
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let all = stdout.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Some((_, rest)) = line.split_once('\t') {
                    let _ = tx.send(rest.split(' ').next().unwrap_or("").to_owned());
                }
                let mut all = all.lock().expect("lock");
                all.push_str(&line);
                all.push('\n');
            }
        });
        let url = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(u) => u.trim_end_matches('/').to_owned(),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("conform {args:?} named no listener within 60 s: {err}");
            }
        };
        Served { child, url, stdout }
    }

    /// What it printed, once it has printed `needle` (60 s at most, then the test fails).
    pub fn stdout_once(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let out = self.stdout.lock().expect("lock").clone();
            if out.contains(needle) {
                return out;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no {needle:?} within 60 s in:\n{out}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Ctrl-C: the exit code, stdout and stderr.
    pub fn stop(self) -> (Option<i32>, String, String) {
        signal(&self.child, libc::SIGINT);
        let (status, err) = finish(self.child);
        // The reader thread has the last lines once the pipe closed; give it a moment.
        std::thread::sleep(std::time::Duration::from_millis(100));
        let out = self.stdout.lock().expect("lock").clone();
        (status.code(), out, err)
    }
}

/// How long a child may take to exit after a signal: one that ignores it fails the test.
pub const SIGNAL_BOUND: std::time::Duration = std::time::Duration::from_secs(60);

/// Sends `sig` to a child the test started.
pub fn signal(child: &std::process::Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) on the child we started and still own; no memory is involved.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig})");
}

/// The child's exit status and stderr, waiting at most [`SIGNAL_BOUND`] (then it is killed and the
/// test fails).
pub fn finish(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let deadline = std::time::Instant::now() + SIGNAL_BOUND;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return (status, err);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("conform did not exit within {SIGNAL_BOUND:?} of the signal");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_run_without_a_report_choice_gets_a_temporary_report_folder() {
    let c = Conform::new(&["--color", "never", "run", "--jobs", "1", "cases"]);
    let dir = c.reports().expect("a temporary report folder");
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    let args: Vec<String> = c
        .args()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let report = dir.to_string_lossy();
    assert_eq!(
        args,
        [
            "--color", "never", "run", "--report", &report, "--jobs", "1", "cases"
        ]
    );
    for chosen in [
        &["run", "--no-report", "cases"][..],
        &["run", "--report", "/tmp/x", "cases"],
        &["run", "--report=/tmp/x", "cases"],
        &["list", "cases"],
        &["specs", "check"],
    ] {
        let c = Conform::new(chosen);
        assert!(c.reports().is_none(), "{chosen:?}");
        let left: Vec<OsString> = chosen.iter().map(OsString::from).collect();
        assert_eq!(c.args(), left, "left as written");
    }
}

/// The real binary writes where the helper said, and nothing else in the tests starts it.
#[test]
fn every_cli_run_writes_its_reports_into_a_temporary_folder() {
    let mut c = Conform::new(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "tests/fixtures/pass/negative.yaml",
    ]);
    let out = c.run();
    let dir = c.reports().expect("a temporary report folder");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for name in conform::report::write::FILES {
        assert!(dir.join(name).is_file(), "{name} in {}", dir.display());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("reports: {}", dir.display())),
        "{stdout}"
    );
    drop(c);
    assert!(!dir.exists(), "the folder goes with the helper");

    // Every test starts the binary through `Conform`, so the rule above holds for all of them.
    let marker = concat!("CARGO_BIN_EXE", "_conform");
    for entry in std::fs::read_dir(root().join("tests")).expect("tests/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("util.rs") {
            let source = std::fs::read_to_string(&path).expect("readable");
            assert!(
                !source.contains(marker),
                "{} starts the binary itself; use util::conform or util::Conform",
                path.display()
            );
        }
    }
}
