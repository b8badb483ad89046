//! The runner: [`Runner`] executes scenarios on tokio with one pooled HTTP client, scenarios
//! concurrently up to `jobs`, steps in order, `finally` steps always; it emits [`Event`]s and
//! returns a [`RunResult`]. Transport failures and timeouts become findings on their step,
//! never a panic or a hang.

mod events;
mod exchange;
mod rate;
mod result;
mod scope;
mod step;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use events::{Event, EventSink, NoEvents};
pub use result::{
    BodyDiff, Outcome, Phase, RequestRecord, ResponseRecord, RunResult, ScenarioResult, StepResult,
};
pub use step::{DEFAULT_POLL_EVERY, DEFAULT_POLL_TIMEOUT, DEFAULT_STEP_TIMEOUT};

use crate::check::Finding;
use crate::diag::Diagnostic;
use crate::redact::Redactor;
use crate::scenario::{self, Found, LoadedScenario, Pos, Scope, Template};
use crate::spec::Registry;
use crate::target::Targets;
use scope::StepScope;

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Scenarios in flight at once.
    pub jobs: usize,
    /// Stop starting scenarios after the first that does not pass.
    pub fail_fast: bool,
    /// Apply documented tables literally (`x-conform-strict`): their misses become violations.
    pub strict: bool,
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

/// One HTTP client for the whole process run: connections are pooled across scenarios.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        // Loopback mocks must not be routed through a CI proxy; real vendors are reached directly.
        .no_proxy()
        .build()
}

pub struct Runner {
    registry: Arc<Registry>,
    targets: Arc<Targets>,
    limiters: std::sync::Mutex<HashMap<String, Arc<rate::RateLimiter>>>,
    client: reqwest::Client,
    redactor: Arc<Redactor>,
    options: RunOptions,
}

impl Runner {
    pub fn new(
        registry: Arc<Registry>,
        targets: Arc<Targets>,
        client: reqwest::Client,
        options: RunOptions,
    ) -> Self {
        let redactor = Arc::new(Redactor::new(targets.secrets()));
        Runner {
            registry,
            targets,
            limiters: Default::default(),
            client,
            redactor,
            options,
        }
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
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

    /// Runs every found scenario and returns the results in the order found.
    pub async fn run(self: &Arc<Self>, found: Vec<Found>, sink: Arc<dyn EventSink>) -> RunResult {
        let started = Instant::now();
        let started_at = jiff::Timestamp::now().to_string();
        sink.event(&Event::RunStarted {
            run_id: &self.options.run_id,
            total: found.len(),
        });
        let permits = Arc::new(tokio::sync::Semaphore::new(self.options.jobs.max(1)));
        let stop = Arc::new(AtomicBool::new(false));
        // Scenarios share it for reading; an `exclusive` one takes it for writing and so runs
        // alone. Tokio's lock is fair: a waiting writer holds back readers queued after it.
        let alone = Arc::new(tokio::sync::RwLock::new(()));
        let mut tasks = tokio::task::JoinSet::new();
        let mut task_index = HashMap::new();
        for (index, f) in found.iter().cloned().enumerate() {
            let this = Arc::clone(self);
            let permits = Arc::clone(&permits);
            let stop = Arc::clone(&stop);
            let sink = Arc::clone(&sink);
            let alone = Arc::clone(&alone);
            let handle = tasks.spawn(async move {
                // Parsed once, here: whether it runs alone is known before it takes its turn.
                let parsed = scenario::load_found(&f);
                let exclusive = parsed.as_ref().is_ok_and(|(l, _)| l.scenario.exclusive);
                let _turn: Box<dyn Send> = if exclusive {
                    Box::new(alone.write_owned().await)
                } else {
                    Box::new(alone.read_owned().await)
                };
                let _permit = permits.acquire_owned().await.ok();
                let result = if stop.load(Ordering::SeqCst) {
                    skipped(&f, "not run: --fail-fast stopped the run")
                } else {
                    sink.event(&Event::ScenarioStarted { id: &f.id });
                    let r = this.run_parsed(&f, parsed, &*sink).await;
                    if this.options.fail_fast && r.outcome > Outcome::Skipped {
                        stop.store(true, Ordering::SeqCst);
                    }
                    r
                };
                sink.event(&Event::ScenarioFinished { result: &result });
                (index, result)
            });
            task_index.insert(handle.id(), index);
        }
        let mut slots: Vec<Option<ScenarioResult>> = vec![None; found.len()];
        let mut panics: HashMap<usize, String> = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((i, r)) => slots[i] = Some(r),
                // A panic in a scenario task is a bug of ours: the run goes on and the scenario
                // is reported as errored with the cause.
                Err(e) => {
                    if let Some(i) = task_index.get(&e.id()) {
                        panics.insert(*i, e.to_string());
                    }
                }
            }
        }
        let scenarios = slots
            .into_iter()
            .zip(found.iter())
            .enumerate()
            .map(|(i, (r, f))| {
                r.unwrap_or_else(|| {
                    let cause = panics.remove(&i).unwrap_or_else(|| "cancelled".into());
                    let msg = format!(
                        "internal error: the scenario task failed ({cause}); please report it"
                    );
                    errored(f, Diagnostic::new(&f.path, Pos::UNKNOWN, msg))
                })
            })
            .collect();
        let result = RunResult {
            run_id: self.options.run_id.clone(),
            started_at,
            duration: started.elapsed(),
            scenarios,
        };
        sink.event(&Event::RunFinished { result: &result });
        result
    }

    /// Loads, validates and runs one scenario file.
    pub async fn run_found(&self, f: &Found, sink: &dyn EventSink) -> ScenarioResult {
        self.run_parsed(f, scenario::load_found(f), sink).await
    }

    /// Validates and runs a scenario file already parsed (or the error of parsing it).
    async fn run_parsed(
        &self,
        f: &Found,
        parsed: Result<(LoadedScenario, String), Diagnostic>,
        sink: &dyn EventSink,
    ) -> ScenarioResult {
        let started = Instant::now();
        let (loaded, source) = match parsed {
            Ok(x) => x,
            Err(d) => return errored(f, d),
        };
        let problems = scenario::validate(&loaded.scenario, &loaded.path, &source, &self.registry);
        if !problems.is_empty() {
            let mut r = errored(f, problems[0].clone());
            r.errors = problems;
            fill_meta(&mut r, &loaded);
            return r;
        }
        let mut r = self.run_loaded(&loaded, sink).await;
        r.duration = started.elapsed();
        r
    }

    /// Runs a scenario that parsed and validated.
    pub async fn run_loaded(
        &self,
        loaded: &LoadedScenario,
        sink: &dyn EventSink,
    ) -> ScenarioResult {
        let started = Instant::now();
        let sc = &loaded.scenario;
        let mut result = ScenarioResult {
            id: loaded.id.clone(),
            path: loaded.path.display().to_string(),
            name: sc.name.value.clone(),
            api: sc.api.value.clone(),
            tags: loaded.tags().map(str::to_owned).collect(),
            outcome: Outcome::Passed,
            errors: Vec::new(),
            steps: Vec::new(),
            skipped: None,
            duration: Duration::ZERO,
        };
        let Some(target) = self.targets.get(&sc.api.value) else {
            result.errors.push(
                Diagnostic::new(
                    &loaded.path,
                    sc.api.pos,
                    format!("no target for API `{}`", sc.api.value),
                )
                .help(format!("pass `--target {}=http://host:port`", sc.api.value)),
            );
            result.outcome = Outcome::Errored;
            return result;
        };
        let spec = match self.registry.api(&sc.api.value) {
            Ok(s) => s,
            Err(d) => {
                result.errors.push(d);
                result.outcome = Outcome::Errored;
                return result;
            }
        };
        if !target.is_mock && loaded.tags().any(|t| t == "mock-only") {
            result.outcome = Outcome::Skipped;
            result.skipped = Some("tagged `mock-only`, and the target is not a mock".into());
            return result;
        }
        if !self.options.allow_writes && !self.options.dry_run && !target.is_local() {
            let writes = sc
                .steps
                .iter()
                .chain(&sc.finally)
                .filter_map(|s| spec.operation(&s.value.call.value))
                .find(|op| !matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS"));
            if let Some(op) = writes {
                result.errors.push(
                    Diagnostic::new(&loaded.path, sc.name.pos, format!("the scenario changes state on {} ({} {} via {}), which is not a mock", target.base_url, op.method, op.path, op.id))
                        .help("pass `--allow-writes` to confirm, `--dry-run` to see the requests, or `--tag` a read-only subset"),
                );
                result.outcome = Outcome::Errored;
                return result;
            }
        }
        let mut scope = StepScope {
            run_id: self.options.run_id.clone(),
            scenario_name: sc.name.value.clone(),
            vars: HashMap::new(),
        };
        let mut vars_failed = None;
        if let Some(entries) = sc.vars.as_ref().and_then(|v| v.as_map()) {
            for (k, node) in entries {
                match crate::check::body::render(node, &scope) {
                    Ok(v) => {
                        scope.vars.insert(k.value.clone(), v);
                    }
                    Err(f) => {
                        vars_failed = Some(f);
                        break;
                    }
                }
            }
        }
        let deadline = sc.timeout.as_ref().map(|t| Instant::now() + t.value.0);
        let limiter = self.limiter(&sc.api.value);
        let ctx = step::StepContext {
            client: &self.client,
            target,
            redactor: &self.redactor,
            strict: self.options.strict,
            step_timeout: self.options.step_timeout,
            dry_run: self.options.dry_run,
            min_poll_timeout: self.options.min_poll_timeout,
            rate: limiter.as_deref(),
            deadline,
        };
        if let Some(f) = vars_failed {
            result.steps.push(synthetic("vars", Phase::Main, *f));
        } else {
            for st in &sc.steps {
                let Some(op) = spec.operation(&st.value.call.value) else {
                    continue;
                };
                // A dry run has no responses, so values captured from them do not exist.
                if self.options.dry_run
                    && let Some(missing) = missing_var(&st.value, &scope)
                {
                    let why = format!("dry run: needs `${{{missing}}}` from an earlier response");
                    result
                        .steps
                        .push(skip(st, Phase::Main, why, &loaded.id, sink));
                    continue;
                }
                let r = step::run(st, Phase::Main, op, &mut scope, &ctx).await;
                sink.event(&Event::StepFinished {
                    scenario: &loaded.id,
                    step: &r,
                });
                let stop = r.outcome > Outcome::Skipped;
                result.steps.push(r);
                if stop {
                    break;
                }
            }
        }
        // Clean-up has its own budget: a scenario that ran out of time must still clean up.
        let finally_ctx = step::StepContext {
            deadline: None,
            ..ctx
        };
        for st in &sc.finally {
            let Some(op) = spec.operation(&st.value.call.value) else {
                continue;
            };
            if let Some(missing) = missing_var(&st.value, &scope) {
                let why =
                    format!("`${{{missing}}}` has no value (the step that sets it did not run)");
                result
                    .steps
                    .push(skip(st, Phase::Finally, why, &loaded.id, sink));
                continue;
            }
            let r = step::run(st, Phase::Finally, op, &mut scope, &finally_ctx).await;
            sink.event(&Event::StepFinished {
                scenario: &loaded.id,
                step: &r,
            });
            result.steps.push(r);
        }
        // Nothing ran (a dry run, or every step skipped): nothing was proven either way.
        let all_skipped =
            !result.steps.is_empty() && result.steps.iter().all(|s| s.outcome == Outcome::Skipped);
        result.outcome = result
            .steps
            .iter()
            .map(|s| s.outcome)
            .filter(|o| *o != Outcome::Skipped)
            .max()
            .unwrap_or(if all_skipped {
                Outcome::Skipped
            } else {
                Outcome::Passed
            });
        if all_skipped && self.options.dry_run {
            result.skipped = Some("dry run".into());
        }
        result.duration = started.elapsed();
        result
    }
}

/// A step not run, reported as skipped with the reason.
fn skip(
    st: &scenario::Spanned<scenario::Step>,
    phase: Phase,
    why: String,
    scenario: &str,
    sink: &dyn EventSink,
) -> StepResult {
    let mut r = StepResult::not_run(st, phase);
    r.outcome = Outcome::Skipped;
    r.skipped = Some(why);
    sink.event(&Event::StepFinished { scenario, step: &r });
    r
}

/// The first variable a step uses that has no value yet (clean-up after an early failure).
fn missing_var(step: &scenario::Step, scope: &StepScope) -> Option<String> {
    let mut missing = None;
    let mut visit = |n: &scenario::Node| {
        n.walk(&mut |n| {
            if let (None, scenario::NodeKind::String(s)) = (&missing, &n.kind)
                && let Ok(t) = Template::parse(s)
            {
                missing = t
                    .vars()
                    .find(|v| v.default.is_none() && scope.get(&v.name).is_none())
                    .map(|v| v.name.clone());
            }
        });
    };
    for node in [&step.path, &step.query, &step.headers, &step.body]
        .into_iter()
        .flatten()
    {
        visit(node);
    }
    missing
}

fn synthetic(name: &str, phase: Phase, f: Finding) -> StepResult {
    StepResult {
        name: name.to_owned(),
        call: name.to_owned(),
        phase,
        pos: f.pos.unwrap_or_default(),
        outcome: Outcome::of(std::slice::from_ref(&f)),
        attempts: 0,
        request: None,
        response: None,
        findings: vec![f],
        body_diff: None,
        skipped: None,
        duration: Duration::ZERO,
    }
}

fn fill_meta(r: &mut ScenarioResult, loaded: &LoadedScenario) {
    r.name = loaded.scenario.name.value.clone();
    r.api = loaded.scenario.api.value.clone();
    r.tags = loaded.tags().map(str::to_owned).collect();
}

fn errored(f: &Found, d: Diagnostic) -> ScenarioResult {
    ScenarioResult {
        id: f.id.clone(),
        path: f.path.display().to_string(),
        name: f.id.clone(),
        api: String::new(),
        tags: Vec::new(),
        outcome: Outcome::Errored,
        errors: vec![d],
        steps: Vec::new(),
        skipped: None,
        duration: Duration::ZERO,
    }
}

fn skipped(f: &Found, why: &str) -> ScenarioResult {
    let mut r = errored(f, Diagnostic::new(&f.path, Pos::UNKNOWN, why));
    r.errors.clear();
    r.outcome = Outcome::Skipped;
    r.skipped = Some(why.to_owned());
    r
}
