//! The runner: [`Runner`] takes a stream of scenario files and, with at most `jobs` of them
//! loaded or running at once, reads, parses and compiles each into a [`Plan`] inside its slot,
//! runs it on tokio with one pooled HTTP client (steps in order, `finally` steps always), and
//! streams every result as an [`Event`] to the reporters. It keeps no result itself: memory stays
//! flat however many scenarios run. Transport failures and timeouts become findings on their
//! step, never a panic or a hang.

pub mod client;
mod dropped;
mod events;
pub mod inputs;
mod interrupt;
mod probe;
pub mod proxy_env;
mod rate;
/// The settings' names, which moved below every layer that names one.
pub use crate::remedy;
mod arazzo;
mod result;
pub mod rounds;
mod scenario;
mod scope;
mod send;
mod step;

use crate::openapi::ParamIn;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use client::{ClientError, ClientIdentity, ClientOptions, ProxyPolicy};
pub use events::{Collect, Event, EventSink, NoEvents};
pub use probe::Probed;
pub use send::{ACCEPT_ENCODING, DEFAULT_MAX_BODY};
// What `conform proxy` shares with a run's exchanges (it needs the server, the `mock` feature).
pub use inputs::{InputError, Inputs};
pub use interrupt::{DEFAULT_CLEANUP_BUDGET, InFlight, Interrupt};
pub use result::{
    BodyDiff, Counts, ExitCode, Outcome, Phase, RequestRecord, ResponseRecord, RunResult,
    RunSummary, ScenarioResult, StatusSeen, StepResult,
};
#[cfg(feature = "mock")]
pub(crate) use send::{header_pairs, transport_message};
#[cfg(feature = "mock")]
pub(crate) use step::{RECORD_BODY_LIMIT, cut};

use crate::openapi::Registry;
use crate::plan::{self, DEFAULT_STEP_TIMEOUT, Plan, Rejected};
use crate::redact::Redactor;
use crate::scenario::{self as model, Found, Selection};
use crate::source::{Diagnostic, Pos};
use crate::targets::Targets;

#[derive(Debug, Clone)]
/// How a run behaves: concurrency, strictness, timeouts, limits, safety, interrupts and inputs. [`Default`] is what a bare `conform run` does.
pub struct RunOptions {
    /// Scenarios loaded or in flight at once.
    pub jobs: usize,
    /// Stop starting scenarios after the first that does not pass.
    pub fail_fast: bool,
    /// Apply documented tables literally (`x-conform-strict`): their misses become violations.
    pub strict: bool,
    /// The run's short id, `${run.id}` in scenarios ([`new_run_id`] by default).
    pub run_id: String,
    /// Timeout of one HTTP exchange for steps that do not set their own.
    pub step_timeout: Duration,
    /// Build and sign every request, record it, send nothing.
    pub dry_run: bool,
    /// Run scenarios that change state (any step that is not GET, HEAD or OPTIONS) against
    /// targets that are neither mocks nor on this machine.
    pub allow_writes: bool,
    /// Requests per second per target, at most.
    pub rate: Option<f64>,
    /// Every `until` poll waits at least this long (a real vendor is slower than a mock).
    pub min_poll_timeout: Duration,
    /// The stop signal (Ctrl-C): the CLI fires it, the runner winds down cleanly.
    pub interrupt: Interrupt,
    /// Response bodies larger than this are an error of the step, not read further.
    pub max_body: usize,
    /// `--var` and `--env-file`.
    pub inputs: Arc<Inputs>,
    /// `--repeat`: how many files a round has. No file of a round starts before the one
    /// before it is done, so each round ends with nothing in flight (where a soak measures),
    /// announced by [`Event::RoundFinished`].
    pub round_size: Option<usize>,
    /// How messages name the settings they ask to change (the CLI's flags, by default the
    /// runner's own words).
    pub remedies: Arc<dyn remedy::Remedies>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: default_jobs(),
            fail_fast: false,
            strict: false,
            run_id: new_run_id(),
            step_timeout: DEFAULT_STEP_TIMEOUT,
            dry_run: false,
            allow_writes: false,
            rate: None,
            min_poll_timeout: Duration::ZERO,
            interrupt: Interrupt::default(),
            max_body: send::DEFAULT_MAX_BODY,
            inputs: Arc::default(),
            round_size: None,
            remedies: Arc::new(remedy::OwnTerms),
        }
    }
}

/// Scenarios mostly wait on the network, so more in flight than cores pays off; bounded so a
/// vendor is not flooded.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 4)
        .clamp(4, 32)
}

/// A short id that tells runs apart in names a scenario creates (`conform-${run.id}`).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Why no further scenario starts, if none does: fail-fast stopped the run, or an interrupt.
fn not_starting(stop: &AtomicBool, options: &RunOptions) -> Option<String> {
    if let Some(signal) = options.interrupt.signal() {
        Some(format!("not run: the run was interrupted ({signal})"))
    } else if stop.load(Ordering::SeqCst) {
        Some(format!(
            "not run: {} stopped the run",
            options.remedies.name(remedy::Setting::FailFast)
        ))
    } else {
        None
    }
}

/// The tokio runtime a run, a proxy or the mocks are driven on: multi-threaded, with I/O and
/// timers. The one place it is built, so every command runs on the same kind.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// One HTTP client for the whole process run: connections are pooled across scenarios. Every
/// target reached directly, no extra trust ([`ClientOptions::default`]); the binary builds its
/// client from `--cacert`, `--insecure`, `--cert`/`--key` and the proxy variables.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    ClientOptions::default().build()
}

/// Runs scenario files against their targets: plans each, sends its steps, checks the exchanges and emits [`Event`]s. Holds what a run shares: the HTTP client, the rate limiters, the redactor.
pub struct Runner {
    registry: Arc<Registry>,
    targets: Arc<Targets>,
    limiters: std::sync::Mutex<HashMap<String, Arc<rate::RateLimiter>>>,
    client: reqwest::Client,
    redactor: Arc<Redactor>,
    /// The names `--var` and `--env-file` define, which every scenario may use.
    input_names: Vec<String>,
    options: RunOptions,
    in_flight: Arc<InFlight>,
    /// The run's answers, for a connection a target drops after an error answer.
    answers: dropped::Answers,
    /// Scenario texts held in memory by path, read instead of the disk: scenarios built from a
    /// spec's examples (`--examples`) run through the same load, compile and run as files.
    sources: HashMap<std::path::PathBuf, String>,
}

/// What one slot did with a file.
enum Loaded {
    Plan(Box<Plan>),
    /// An Arazzo workflow, compiled.
    Workflow(Box<crate::arazzo::program::Program>),
    Rejected(Rejected),
    /// Parsed, but the selection (`--filter`, `--tag`) leaves it out.
    Deselected,
}

/// What the scenario tasks of one run share.
#[derive(Clone)]
struct Shared {
    /// Set by fail-fast: no further scenario starts.
    stop: Arc<AtomicBool>,
    sink: Arc<dyn EventSink>,
    /// Scenarios share it for reading; an `exclusive` one takes it for writing and so runs
    /// alone. Tokio's lock is fair: a waiting writer holds back readers queued after it.
    alone: Arc<tokio::sync::RwLock<()>>,
    selection: Arc<Selection>,
}

impl Shared {
    fn new(sink: Arc<dyn EventSink>, selection: Selection) -> Self {
        Shared {
            stop: Arc::new(AtomicBool::new(false)),
            sink,
            alone: Arc::new(tokio::sync::RwLock::new(())),
            selection: Arc::new(selection),
        }
    }
}

/// A file that could not be found or walked, known by its path.
fn unreadable(d: &Diagnostic) -> Found {
    Found {
        id: d.path.display().to_string(),
        path: d.path.clone(),
    }
}

/// A slot among the `jobs` in flight. A closed semaphore cannot happen (it is never closed);
/// without a permit the scenario still runs, which is the safe failure. An interrupt does not
/// wait for a slot: the files left are reported as not run at once.
async fn free_slot(
    permits: &Arc<tokio::sync::Semaphore>,
    interrupt: &Interrupt,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    tokio::select! {
        p = permits.clone().acquire_owned() => p.ok(),
        _ = interrupt.fired() => None,
    }
}

/// One file's task: load, wait for its turn, run.
struct Slot {
    runner: Arc<Runner>,
    shared: Shared,
    found: Found,
    index: usize,
}

impl Slot {
    /// The file's result; `None` when the selection leaves it out. `permit` holds its place
    /// among the `jobs` in flight until it is done.
    async fn run(
        self,
        permit: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Option<ScenarioResult> {
        let _permit = permit;
        let (this, f, sink) = (&self.runner, &self.found, &self.shared.sink);
        let plan = match this.load(f, &self.shared.selection) {
            Loaded::Deselected => {
                let index = self.index;
                sink.event(&Event::Deselected { index, id: &f.id });
                return None;
            }
            Loaded::Rejected(r) => return Some(ScenarioResult::rejected(f, r)),
            Loaded::Plan(p) => p,
            Loaded::Workflow(program) => {
                let _turn = self.shared.alone.clone().read_owned().await;
                if let Some(why) = not_starting(&self.shared.stop, &this.options) {
                    return Some(ScenarioResult::skipped(f, &why));
                }
                sink.event(&Event::ScenarioStarted { id: &f.id });
                let r = this.run_workflow(f, &program, &**sink).await;
                if this.options.fail_fast && r.outcome > Outcome::Skipped {
                    self.shared.stop.store(true, Ordering::SeqCst);
                }
                return Some(r);
            }
        };
        let alone = Arc::clone(&self.shared.alone);
        let _turn: Box<dyn Send> = if plan.exclusive {
            Box::new(alone.write_owned().await)
        } else {
            Box::new(alone.read_owned().await)
        };
        if let Some(why) = not_starting(&self.shared.stop, &this.options) {
            return Some(ScenarioResult::skipped(f, &why));
        }
        sink.event(&Event::ScenarioStarted { id: &f.id });
        let r = this
            .run_plan_recording(&plan, &**sink, sink.reads_passing_exchanges())
            .await;
        if this.options.fail_fast && r.outcome > Outcome::Skipped {
            self.shared.stop.store(true, Ordering::SeqCst);
        }
        Some(r)
    }
}

impl Runner {
    /// A runner over the specs in `registry` and the `targets` they are served by, sending through `client`; its redactor knows the targets' credentials and the inputs' secret-looking values.
    pub fn new(
        registry: Arc<Registry>,
        targets: Arc<Targets>,
        client: reqwest::Client,
        options: RunOptions,
    ) -> Self {
        let mut secrets = targets.secrets();
        secrets.extend(options.inputs.secrets());
        let redactor = Arc::new(Redactor::new(secrets));
        let input_names = options.inputs.names();
        Runner {
            registry,
            targets,
            limiters: Default::default(),
            client,
            redactor,
            input_names,
            options,
            in_flight: Arc::default(),
            answers: dropped::Answers::default(),
            sources: HashMap::new(),
        }
    }

    /// Scenario texts by path, served instead of reading those paths from disk.
    pub fn with_sources(mut self, sources: HashMap<std::path::PathBuf, String>) -> Self {
        self.sources = sources;
        self
    }

    /// What the running scenarios have captured: for a message when the process must exit
    /// before their clean-up ran.
    pub fn in_flight(&self) -> Arc<InFlight> {
        self.in_flight.clone()
    }

    /// The options it was built with.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The specs scenarios are checked against.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The rate limiter of `api`'s target; scenarios of one API share its budget.
    fn limiter(&self, api: &str) -> Option<Arc<rate::RateLimiter>> {
        let per_second = self.options.rate.filter(|r| *r > 0.0)?;
        let mut map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        Some(
            map.entry(api.to_owned())
                .or_insert_with(|| Arc::new(rate::RateLimiter::new(per_second)))
                .clone(),
        )
    }

    /// Reads, parses and compiles one file: read once, parsed once.
    pub fn compile(&self, f: &Found) -> Result<Plan, Rejected> {
        match self.load(f, &Selection::default()) {
            Loaded::Plan(p) => Ok(*p),
            Loaded::Rejected(r) => Err(r),
            Loaded::Workflow(_) => Err(Rejected::unparsed(
                f,
                Diagnostic::new(&f.path, Pos::UNKNOWN, "an Arazzo workflow, not a scenario"),
            )),
            Loaded::Deselected => Err(Rejected::unparsed(
                f,
                Diagnostic::new(&f.path, Pos::UNKNOWN, "not selected"),
            )),
        }
    }

    /// Parses and compiles a scenario text that has no file (`conform fuzz` makes them), as
    /// if it were read from `f.path`.
    pub fn compile_text(&self, f: &Found, text: &str) -> Result<Plan, Rejected> {
        let scenario = model::parse(&f.path, text).map_err(|d| Rejected::unparsed(f, d))?;
        plan::compile(
            f,
            text,
            scenario,
            &self.registry,
            &self.input_names,
            &*self.options.remedies,
        )
    }

    /// The targets the run sends to.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The headers `api`'s credentials put on a request of `operation_id` (a signature's
    /// date and nonce, a token), found by applying them to an empty request, and the
    /// operation's header parameters that their protocol owns ([`crate::targets::Auth::owns_header`]):
    /// a generated value for one of those would be replaced, or would test the signer.
    pub async fn auth_headers(
        &self,
        api: &str,
        method: &str,
        operation_id: &str,
        with_body: bool,
    ) -> Vec<String> {
        let Some(target) = self.targets.get(api) else {
            return Vec::new();
        };
        let Some(auth) = &target.auth else {
            return Vec::new();
        };
        let mut probe = crate::targets::Prepared {
            operation_id: operation_id.to_owned(),
            method: method.to_owned(),
            url: target.base_url.clone(),
            headers: Default::default(),
            // A body, when the request has one: signers add its digest (`Content-MD5`).
            body: if with_body {
                b"{}".to_vec().into()
            } else {
                Default::default()
            },
        };
        // A failed login is the first case's to report, with its step.
        let _ = auth.apply(&mut probe, &self.client).await;
        let mut names: Vec<String> = probe
            .headers
            .into_iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        if let Some(op) = self
            .registry
            .api(api)
            .ok()
            .and_then(|s| s.operation(operation_id).map(|o| o.params.clone()))
        {
            names.extend(
                op.iter()
                    .filter(|p| p.location == ParamIn::Header && auth.owns_header(&p.name))
                    .map(|p| p.name.to_ascii_lowercase()),
            );
        }
        names
    }

    /// An Arazzo document's workflow, compiled, when the selection admits it.
    fn load_workflow(&self, f: &Found, selection: &Selection) -> Loaded {
        match self.compile_workflow(f) {
            Ok(p) => {
                let name = &p.workflows[p.entry].name;
                if selection.admits(&f.id, name, &[]) {
                    Loaded::Workflow(Box::new(p))
                } else {
                    Loaded::Deselected
                }
            }
            Err(r) => Loaded::Rejected(r),
        }
    }

    fn load(&self, f: &Found, selection: &Selection) -> Loaded {
        // A file that does not read or parse is kept whatever the selection: its error must be
        // seen.
        let unparsed = |d| Loaded::Rejected(Rejected::unparsed(f, d));
        // The file is read once: whether it is an Arazzo document is told from its text.
        let text = if f.is_arazzo_by(None) {
            None
        } else {
            match self.sources.get(&f.path) {
                Some(text) => Some(text.clone()),
                None => match model::read(&f.path) {
                    Ok(text) => Some(text),
                    Err(d) => return unparsed(d),
                },
            }
        };
        let text = match text {
            Some(text) if !f.is_arazzo_by(Some(&text)) => text,
            _ => return self.load_workflow(f, selection),
        };
        let scenario = match model::parse(&f.path, &text) {
            Ok(s) => s,
            Err(d) => return unparsed(d),
        };
        let tags: Vec<&str> = scenario.tags.iter().map(|t| t.value.as_str()).collect();
        if !selection.admits(&f.id, &scenario.name.value, &tags) {
            return Loaded::Deselected;
        }
        match plan::compile(
            f,
            &text,
            scenario,
            &self.registry,
            &self.input_names,
            &*self.options.remedies,
        ) {
            Ok(p) => Loaded::Plan(Box::new(p)),
            Err(r) => Loaded::Rejected(r),
        }
    }

    /// Runs the scenario files `found` yields (in that order of start; results stream to `sink`
    /// as they finish, each with its index in `found`) and returns the counts. `total` is how
    /// many files `found` will yield, when the caller counted them (for a progress bar).
    ///
    /// At most `jobs` files are loaded or running at a time: the next file is not even read
    /// before a slot is free, so a run of any size holds `jobs` plans at most.
    pub async fn run<I>(
        self: &Arc<Self>,
        found: I,
        total: Option<usize>,
        selection: Selection,
        sink: Arc<dyn EventSink>,
    ) -> RunSummary
    where
        I: IntoIterator<Item = Result<Found, Diagnostic>>,
    {
        let started = Instant::now();
        let started_at = jiff::Timestamp::now().to_string();
        sink.event(&Event::RunStarted {
            run_id: &self.options.run_id,
            total,
        });
        let interrupt = &self.options.interrupt;
        let watcher = interrupt.announce_to(Arc::clone(&sink));
        let shared = Shared::new(Arc::clone(&sink), selection);
        let selection = Arc::clone(&shared.selection);
        let counts = Arc::new(std::sync::Mutex::new(Counts::default()));
        let permits = Arc::new(tokio::sync::Semaphore::new(self.options.jobs.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        // The tasks in flight (at most `jobs`), to report one that panicked.
        let mut in_flight: HashMap<tokio::task::Id, (usize, Found)> = HashMap::new();
        let finish = |index: usize, result: &ScenarioResult| {
            counts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(result.outcome);
            sink.event(&Event::ScenarioFinished { index, result });
        };
        let round_size = self.options.round_size.filter(|n| *n > 0);
        let mut rounds_done = 0;
        for (index, item) in found.into_iter().enumerate() {
            if let Some(size) = round_size
                && index > 0
                && index % size == 0
            {
                while let Some(joined) = tasks.join_next_with_id().await {
                    self.reap(joined, &mut in_flight, &finish);
                }
                rounds_done += 1;
                sink.event(&Event::RoundFinished { round: rounds_done });
            }
            let f = match item {
                Ok(f) => f,
                Err(d) => {
                    finish(index, &ScenarioResult::errored(&unreadable(&d), d));
                    continue;
                }
            };
            // Outside this shard: decided on the id and place alone, so the file is not read.
            if !selection.in_partition(index, &f.id) {
                sink.event(&Event::Deselected { index, id: &f.id });
                continue;
            }
            let permit = free_slot(&permits, interrupt).await;
            while let Some(joined) = tasks.try_join_next_with_id() {
                self.reap(joined, &mut in_flight, &finish);
            }
            if let Some(why) = not_starting(&shared.stop, &self.options) {
                drop(permit);
                finish(index, &ScenarioResult::skipped(&f, &why));
                continue;
            }
            let slot = Slot {
                runner: Arc::clone(self),
                shared: shared.clone(),
                found: f.clone(),
                index,
            };
            let handle = tasks.spawn(slot.run(permit));
            in_flight.insert(handle.id(), (index, f));
        }
        while let Some(joined) = tasks.join_next_with_id().await {
            self.reap(joined, &mut in_flight, &finish);
        }
        if round_size.is_some() {
            sink.event(&Event::RoundFinished {
                round: rounds_done + 1,
            });
        }
        watcher.abort();
        let counts = *counts.lock().unwrap_or_else(|p| p.into_inner());
        let summary = self.summary(started, started_at, counts);
        sink.event(&Event::RunFinished { summary: &summary });
        summary
    }

    /// The summary of a run that started at `started` (`started_at`, RFC 3339).
    fn summary(&self, started: Instant, started_at: String, counts: Counts) -> RunSummary {
        RunSummary {
            run_id: self.options.run_id.clone(),
            started_at,
            duration: started.elapsed(),
            counts,
            interrupted: self.options.interrupt.signal(),
        }
    }

    /// Reports a finished task's result, or the panic that ended it.
    fn reap(
        &self,
        joined: Result<(tokio::task::Id, Option<ScenarioResult>), tokio::task::JoinError>,
        in_flight: &mut HashMap<tokio::task::Id, (usize, Found)>,
        finish: &dyn Fn(usize, &ScenarioResult),
    ) {
        match joined {
            Ok((id, result)) => {
                if let (Some((index, _)), Some(r)) = (in_flight.remove(&id), result) {
                    finish(index, &r);
                }
            }
            // A panic in a scenario task is a bug of ours: the run goes on and the scenario
            // is reported as errored with the cause.
            Err(e) => {
                if let Some((index, f)) = in_flight.remove(&e.id()) {
                    let msg =
                        format!("internal error: the scenario task failed ({e}); please report it");
                    let d = Diagnostic::new(&f.path, Pos::UNKNOWN, msg);
                    finish(index, &ScenarioResult::errored(&f, d));
                }
            }
        }
    }

    /// Runs `found` and keeps every result whole, in the order found, with the events also
    /// sent to `sink`: for tests and library callers that want a [`RunResult`]. Memory grows with
    /// the run; the CLI streams instead.
    pub async fn run_all(
        self: &Arc<Self>,
        found: Vec<Found>,
        sink: Arc<dyn EventSink>,
    ) -> RunResult {
        struct Both(Arc<Collect>, Arc<dyn EventSink>);
        impl EventSink for Both {
            fn event(&self, event: &Event<'_>) {
                self.0.event(event);
                self.1.event(event);
            }

            fn reads_passing_exchanges(&self) -> bool {
                self.0.reads_passing_exchanges() || self.1.reads_passing_exchanges()
            }
        }
        let collect = Arc::new(Collect::default());
        let total = found.len();
        let both = Arc::new(Both(collect.clone(), sink));
        let summary = self
            .run(
                found.into_iter().map(Ok),
                Some(total),
                Selection::default(),
                both,
            )
            .await;
        RunResult {
            run_id: summary.run_id,
            started_at: summary.started_at,
            duration: summary.duration,
            scenarios: collect.take(),
        }
    }

    /// Loads, compiles and runs one scenario file (the test harness runs one file per trial).
    pub async fn run_found(&self, f: &Found, sink: &dyn EventSink) -> ScenarioResult {
        let started = Instant::now();
        let mut r = match self.load(f, &Selection::default()) {
            Loaded::Plan(plan) => self.run_plan(&plan, sink).await,
            Loaded::Workflow(program) => self.run_workflow(f, &program, sink).await,
            Loaded::Rejected(rejected) => ScenarioResult::rejected(f, rejected),
            Loaded::Deselected => ScenarioResult::skipped(f, "not selected"),
        };
        r.duration = started.elapsed();
        r
    }
}
