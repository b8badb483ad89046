//! The fuzzing loop: [`Fuzzer`] takes the APIs one by one and their operations in chain order
//! (creates first), plans each operation's cases, runs them through the ordinary [`Runner`]
//! (`jobs` at a time), shrinks each distinct failure, saves it when asked, and reports one
//! [`ScenarioResult`] per operation to the event sink: its steps are the failures (shrunk), its
//! `statuses_seen` what the passing requests got, for the coverage table and gate.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

use super::case::{Case, Kind};
use super::cases::{Inputs, NoCase, op_seed, plan_cases};
use super::chain::Chains;
use super::checks::FuzzCheck;
use super::leftover::{Cleanups, FailedDelete, report_under_delete};
pub use super::options::{Failure, FuzzOptions, FuzzSummary, Leftover, LeftoverWhy, Stopped};
use super::outcome::OperationResult;
use super::shrink::{Shrunk, Signature, shrink};
use crate::check::{CheckKind, Severity};
use crate::init::Doc;
use crate::init::emit::Emitted;
use crate::openapi::{ApiSpec, Registry};
use crate::plan::{Plan, Rejected};
use crate::run::{
    Counts, Event, EventSink, NoEvents, Outcome, Phase, RunSummary, Runner, ScenarioResult,
    StepResult,
};
use crate::scenario::{Found, Scenario};
use crate::source::Diagnostic;

/// Runs `conform fuzz`: generated cases for every operation of the APIs, through a [`Runner`].
pub struct Fuzzer {
    runner: Arc<Runner>,
    options: FuzzOptions,
    /// The names the run defines from outside (`--var`, `--env-file`), for the compiler.
    inputs: Vec<String>,
    /// Hears every step of every case (`--record`): the run's sink hears only one result per
    /// operation, and a case's steps would flood the live output.
    traffic: Option<Arc<dyn EventSink>>,
    /// What clean-up left and which deletes failed, from every case and shrinking run.
    cleanups: std::sync::Mutex<Cleanups>,
    /// The paths (API and template) already sent an undeclared method: once per path.
    probed: std::sync::Mutex<std::collections::BTreeSet<(String, String)>>,
}

/// A case with what it ran as and what came of it.
pub(super) struct Ran {
    pub(super) case: Case,
    pub(super) text: String,
    pub(super) result: ScenarioResult,
    pub(super) cleanup: Option<ScenarioResult>,
}

/// The cases of one operation that ran, and why the others did not.
pub(super) struct Batch {
    pub(super) ran: Vec<Ran>,
    /// A case got no answer, and the rest were not sent.
    pub(super) unanswered: bool,
    /// The operation's share of the time budget was spent, and the rest were not started.
    pub(super) late: bool,
    /// Negatives whose request, once serialised, conforms: dropped.
    pub(super) valid_on_the_wire: usize,
}

/// Whether a negative case was stopped before sending because its request conforms: the
/// pre-send check's verdict on a step that says `invalid_request: true` (nothing else ends a
/// negative's step unsent with a request finding).
fn conforms_once_sent(r: &Ran) -> bool {
    matches!(r.case.kind, Kind::Negative(_))
        && case_step(&r.result).is_some_and(|s| {
            s.attempts == 0
                && s.findings
                    .iter()
                    .any(|f| f.check == CheckKind::Request && f.severity == Severity::Error)
        })
}

impl Fuzzer {
    /// A fuzzer running its cases through `runner`, with `options` (seed, budget, jobs, ...).
    pub fn new(runner: Arc<Runner>, options: FuzzOptions) -> Self {
        Fuzzer {
            inputs: runner.options().inputs.names(),
            runner,
            options,
            traffic: None,
            cleanups: std::sync::Mutex::default(),
            probed: Default::default(),
        }
    }

    /// Every case's steps go to `sink` as they finish (the HAR recorder).
    pub fn with_traffic(mut self, sink: Option<Arc<dyn EventSink>>) -> Self {
        self.traffic = sink;
        self
    }

    pub(super) fn seed(&self) -> u64 {
        self.options.seed
    }

    /// The parameter values the user pinned (`--var`).
    pub(super) fn fixed(&self) -> &std::collections::BTreeMap<String, Value> {
        &self.options.fixed
    }

    /// The runner the cases run through.
    pub(super) fn runner(&self) -> &Runner {
        &self.runner
    }

    /// Fuzzes every operation of `apis` (every API of the registry when empty) and streams one
    /// result per operation to `sink`.
    pub async fn run(&self, apis: &[String], sink: Arc<dyn EventSink>) -> FuzzSummary {
        let started = Instant::now();
        let started_at = jiff::Timestamp::now().to_string();
        let run_id = self.runner.options().run_id.clone();
        let interrupt = self.runner.options().interrupt.clone();
        let apis: Vec<String> = if apis.is_empty() {
            self.runner.registry().api_names()
        } else {
            apis.to_vec()
        };
        let specs: Vec<(String, Result<Arc<ApiSpec>, Diagnostic>)> = apis
            .iter()
            .map(|a| (a.clone(), self.runner.registry().api(a)))
            .collect();
        let total = specs
            .iter()
            .map(|(_, s)| s.as_ref().map_or(1, |s| self.selected(s).count()))
            .sum();
        sink.event(&Event::RunStarted {
            run_id: &run_id,
            total: Some(total),
        });
        let watcher = interrupt.announce_to(Arc::clone(&sink));
        let mut out = FuzzSummary::new(run_id.clone(), started_at);
        let mut at = Progress {
            index: 0,
            remaining: total,
            deadline: self.options.time.map(|t| started + t),
            even: self.options.time.map_or(Duration::ZERO, |t| {
                t / u32::try_from(total.max(1)).unwrap_or(u32::MAX)
            }),
        };
        for (api, spec) in specs {
            match spec {
                Ok(spec) => self.api(&spec, &mut at, &sink, &mut out).await,
                Err(d) => {
                    let f = found_at(d.path.clone(), format!("fuzz/{api}"));
                    let r = ScenarioResult::errored(&f, d);
                    at.report(&r, &sink, &mut out);
                    at.remaining = at.remaining.saturating_sub(1);
                }
            }
        }
        watcher.abort();
        out.leftovers = self.cleanups().leftovers();
        out.summary.duration = started.elapsed();
        out.summary.interrupted = interrupt.signal();
        sink.event(&Event::RunFinished {
            summary: &out.summary,
        });
        out
    }

    /// Fuzzes the selected operations of one API, each in its share of the time left; then
    /// reports the failed clean-up deletes of operations that were not fuzzed.
    async fn api(
        &self,
        spec: &Arc<ApiSpec>,
        at: &mut Progress,
        sink: &Arc<dyn EventSink>,
        out: &mut FuzzSummary,
    ) {
        let interrupt = self.runner.options().interrupt.clone();
        let api = &spec.name;
        let doc = Doc::read(&spec.path).unwrap_or_else(|_| Doc::from_value(Value::Null));
        let mut chains = Chains::new(spec, &doc);
        for op in chains.order(spec) {
            if !self.selected(spec).any(|i| i == op) {
                continue;
            }
            let id = format!("fuzz/{api}/{}", spec.operations[op].id);
            let result = match stop_reason(&interrupt, at.deadline, self.options.time) {
                Some(why) => {
                    out.stopped.get_or_insert(why);
                    let f = found_at(PathBuf::from(&id), id.clone());
                    let mut r = ScenarioResult::skipped(&f, &format!("not run: {why}"));
                    r.api = api.clone();
                    r
                }
                None => {
                    sink.event(&Event::ScenarioStarted { id: &id });
                    let share = at.share();
                    self.operation(spec, op, &mut chains, share, out).await
                }
            };
            at.remaining = at.remaining.saturating_sub(1);
            at.report(&result, sink, out);
        }
        let unreported = self.cleanups().take_all_failed(api);
        for (delete, failed) in unreported {
            let op = &spec.operations[delete].id;
            let id = format!("fuzz/{api}/{op}");
            let name = format!("{op}: clean-up deletes only (the operation itself was not fuzzed)");
            let mut r = ScenarioResult::empty(&id, &id, &name, api, vec!["fuzz".into()]);
            report_under_delete(&mut r, failed);
            at.report(&r, sink, out);
        }
    }

    /// The names (lower-case) of the headers pinned for `api`'s target, sent on every request:
    /// a header parameter of that name is never generated.
    fn pinned_headers(&self, api: &str) -> Vec<String> {
        self.runner.targets().get(api).map_or_else(Vec::new, |t| {
            t.headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect()
        })
    }

    /// The clean-ups of the run so far (a panic elsewhere leaves them readable).
    fn cleanups(&self) -> std::sync::MutexGuard<'_, Cleanups> {
        self.cleanups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The operations of `spec` the selection takes, by index.
    fn selected<'s>(&'s self, spec: &'s ApiSpec) -> impl Iterator<Item = usize> + 's {
        spec.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| self.options.selection.selects(op))
            .map(|(i, _)| i)
    }

    /// The cases of one operation, chained to a resource that exists where a create worked.
    async fn cases(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        chains: &mut Chains,
    ) -> Result<Vec<Case>, NoCase> {
        let op = &spec.operations[op_index];
        let seed = op_seed(self.options.seed, &spec.name, &op.id);
        let mut auth_headers = self
            .runner
            .auth_headers(&spec.name, &op.method, &op.id, op.request_body.is_some())
            .await;
        auth_headers.extend(self.pinned_headers(&spec.name));
        let inputs = Inputs {
            op,
            fixed: &self.options.fixed,
            max_examples: self.options.max_examples,
            auth_headers: &auth_headers,
        };
        let mut cases = plan_cases(&inputs, seed)?;
        super::keys::distinct(op, &mut cases, seed);
        // Every other valid case acts on a resource that exists, when a create worked.
        self.chain_cases(spec, op_index, chains, &mut cases).await;
        Ok(cases)
    }

    /// Runs `cases`, `jobs` at a time, in order; none starts after an interrupt or the deadline,
    /// nor after a case got no answer; negatives valid on the wire are dropped and counted.
    pub(super) async fn run_cases(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        cases: Vec<Case>,
        chains: &Chains,
        deadline: Option<Instant>,
    ) -> Batch {
        let jobs = self.runner.options().jobs.max(1);
        let interrupt = self.runner.options().interrupt.clone();
        // Set once a case got no answer (a timeout, a refused connection). A server that did not
        // answer in time is often still working on it (httpbin's `/drip?delay=119` keeps a
        // thread asleep long after the client gave up), so more cases of the same operation
        // would pile up on it and starve every later operation: the rest are not sent.
        let unanswered = AtomicBool::new(false);
        let late = AtomicBool::new(false);
        let valid_on_the_wire = AtomicUsize::new(0);
        let ran: Vec<Option<Ran>> = futures_util::stream::iter(cases)
            .map(|case| {
                let interrupt = interrupt.clone();
                let (unanswered, valid_on_the_wire) = (&unanswered, &valid_on_the_wire);
                let late = &late;
                async move {
                    if interrupt.signal().is_some() || unanswered.load(Ordering::SeqCst) {
                        return None;
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        late.store(true, Ordering::SeqCst);
                        return None;
                    }
                    let ran = self.run_case(spec, op_index, case, chains).await;
                    if no_answer(&ran.result) {
                        unanswered.store(true, Ordering::SeqCst);
                    }
                    if conforms_once_sent(&ran) {
                        // A "negative" whose request serialises to a valid one (a string where
                        // an array of strings is due: `?tags=a` either way) breaks nothing on the
                        // wire: not sent, not an error of the run, counted.
                        valid_on_the_wire.fetch_add(1, Ordering::SeqCst);
                        return None;
                    }
                    Some(ran)
                }
            })
            .buffered(jobs)
            .collect()
            .await;
        Batch {
            ran: ran.into_iter().flatten().collect(),
            unanswered: unanswered.load(Ordering::SeqCst),
            late: late.load(Ordering::SeqCst),
            valid_on_the_wire: valid_on_the_wire.load(Ordering::SeqCst),
        }
    }

    /// Plans, runs, shrinks and saves the cases of one operation.
    async fn operation(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        chains: &mut Chains,
        share: Option<Share>,
        out: &mut FuzzSummary,
    ) -> ScenarioResult {
        let deadline = share.map(|s| s.until);
        let started = Instant::now();
        let op = &spec.operations[op_index];
        let api = spec.name.as_str();
        let id = format!("fuzz/{api}/{}", op.id);
        let found = Found {
            path: PathBuf::from(&id),
            id: id.clone(),
        };
        let cases = match self.cases(spec, op_index, chains).await {
            Ok(c) => c,
            Err(NoCase(why)) => {
                let mut r = ScenarioResult::skipped(&found, &format!("no case generated: {why}"));
                r.api = api.to_owned();
                return r;
            }
        };
        let planned = cases.len();
        let mut batch = self
            .run_waves(spec, op_index, cases, chains, deadline)
            .await;
        let ran = std::mem::take(&mut batch.ran);
        let interrupt = self.runner.options().interrupt.clone();
        let mut result = OperationResult::new(&id, api);
        for r in &ran {
            out.cases += 1;
            out.requests += requests(&r.result) + r.cleanup.as_ref().map_or(0, requests);
            super::stateful::remember(spec, op_index, chains, r);
            let Some(sig) = result.add(r, &op.id) else {
                continue;
            };
            let code = FuzzCheck::of(r.case.kind.label(), &r.result);
            if !self.options.checks.keeps_failure(code) {
                continue;
            }
            let failed = (spec, &*chains, op_index);
            self.keep_failure(failed, r, (&sig, code), deadline, &mut result, out)
                .await;
        }
        // An operation whose share of the time is spent sends nothing more, probes included.
        if !batch.late {
            self.probes((spec, &*chains, op_index), &ran, &mut result, out)
                .await;
        }
        let mut agg = result.finish(&op.id, ran.len());
        agg.name.push_str(&super::outcome::reached(op, &agg));
        agg.name.push_str(&notes(planned, ran.len(), &batch, share));
        report_under_delete(&mut agg, self.cleanups().take_failed(api, op_index));
        agg.interrupted = interrupt.signal().is_some();
        agg.duration = started.elapsed();
        agg
    }

    /// The checks of the operation that are not its cases: an undeclared method on its path,
    /// and its request without credentials.
    async fn probes(
        &self,
        (spec, chains, op_index): (&Arc<ApiSpec>, &Chains, usize),
        ran: &[Ran],
        result: &mut OperationResult,
        out: &mut FuzzSummary,
    ) {
        let op = &spec.operations[op_index];
        let valid = ran
            .iter()
            .find(|r| !matches!(r.case.kind, Kind::Negative(_)));
        let probed = (&*self.runner, &self.probed, &self.options.checks);
        let request = valid.map(|r| &r.case.request);
        super::methods::check_path(probed, spec, op, request, result, out).await;
        if self.options.checks.keeps(FuzzCheck::CredentialsIgnored) {
            let at = (spec, chains, op_index);
            super::auth::check_credentials(self, at, ran, result, out).await;
        }
        let checks = &self.options.checks;
        let wanted = (
            checks.keeps(FuzzCheck::CreateNotReadable),
            checks.keeps(FuzzCheck::UseAfterDelete),
        );
        if wanted.0 || wanted.1 {
            let at = (spec, chains, op_index);
            super::lifecycle::check_lifecycle(self, at, ran, wanted, result, out).await;
        }
    }

    /// Shrinks the failure of `r` (`sig`, breaking `code`), saves it when asked, and keeps it
    /// in `result` and in `out`'s failures.
    async fn keep_failure(
        &self,
        (spec, chains, op_index): (&Arc<ApiSpec>, &Chains, usize),
        r: &Ran,
        (sig, code): (&Signature, Option<FuzzCheck>),
        deadline: Option<Instant>,
        result: &mut OperationResult,
        out: &mut FuzzSummary,
    ) {
        let (api, op) = (spec.name.as_str(), &spec.operations[op_index]);
        let shrunk = shrink(
            self,
            (spec, chains),
            op_index,
            r,
            sig,
            self.options.shrink_runs,
            deadline,
        )
        .await;
        out.requests += shrunk.requests;
        let mut shrunk = shrunk;
        let code = FuzzCheck::of(shrunk.case.kind.label(), &shrunk.result).or(code);
        super::checks::tag(&mut shrunk.result.steps, code);
        let message = super::checks::labelled(code, &shrunk.signature.message);
        let saved = self.save(api, &op.id, &shrunk, &message, out);
        let mut failure = shrunk.failure(api, &op.id, saved.clone());
        failure.code = code;
        out.failures.push(failure);
        result.failure(shrunk, saved.as_deref());
    }

    /// Runs one case as a scenario, then deletes what a create case made.
    async fn run_case(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        case: Case,
        chains: &Chains,
    ) -> Ran {
        let op = &spec.operations[op_index];
        let emitted = case.emit(&spec.name, op, self.options.seed);
        let (result, text) = self
            .run_emitted(&spec.name, &op.id, case.number, emitted)
            .await;
        let cleanup = self.clean_up(spec, op_index, &case, &result, chains).await;
        Ran {
            case,
            text,
            result,
            cleanup,
        }
    }

    /// Deletes what a case created, when its answer was a success and the API has a delete for
    /// it; the delete's result. Cases and the candidates of shrinking alike: each create is
    /// removed by the run that sent it. What is not deleted is noted with the reason, and a
    /// delete that failed is kept to be reported under the delete operation.
    pub(super) async fn clean_up(
        &self,
        spec: &Arc<ApiSpec>,
        op_index: usize,
        case: &Case,
        result: &ScenarioResult,
        chains: &Chains,
    ) -> Option<ScenarioResult> {
        let created = succeeded(result);
        let response = last_response(result).filter(|_| created)?;
        let op = &spec.operations[op_index];
        let Some((delete, request)) = chains.cleanup(spec, op_index, &case.request, response)
        else {
            // Only a create the chains know is known to have made something.
            if let Some(has_delete) = chains.has_delete(op_index) {
                let why = if has_delete {
                    LeftoverWhy::NoId
                } else {
                    LeftoverWhy::NoDelete
                };
                self.cleanups().left(&spec.name, &op.id, why);
            }
            return None;
        };
        let delete_op = &spec.operations[delete];
        let c = Case {
            number: case.number,
            kind: Kind::Valid,
            request,
            chain: None,
        };
        let emitted = c.emit(&spec.name, delete_op, self.options.seed);
        let (deleted, _) = self
            .run_emitted(&spec.name, &delete_op.id, c.number, emitted)
            .await;
        let status = target_status(&deleted);
        // A 404 or 410 says it is gone already: nothing is left.
        let gone = status.is_some_and(|s| (200..300).contains(&s) || s == 404 || s == 410);
        let mut cleanups = self.cleanups();
        if !gone {
            let why = match status {
                None if self.runner.options().interrupt.signal().is_some() => {
                    LeftoverWhy::Interrupted
                }
                _ => LeftoverWhy::DeleteFailed {
                    delete: delete_op.id.clone(),
                    status,
                },
            };
            cleanups.left(&spec.name, &op.id, why);
        }
        if deleted.outcome > Outcome::Skipped {
            let failed = FailedDelete {
                case: case.number,
                create: op.id.clone(),
                result: deleted.clone(),
            };
            cleanups.failed(&spec.name, delete, failed);
        }
        Some(deleted)
    }

    /// Compiles and runs one generated scenario; gives back its text, which is what it ran as.
    pub(super) async fn run_emitted(
        &self,
        api: &str,
        op: &str,
        number: usize,
        emitted: Emitted,
    ) -> (ScenarioResult, String) {
        let id = format!("fuzz/{api}/{op}/case-{number}.yaml");
        let f = Found {
            path: PathBuf::from(&id),
            id,
        };
        let Emitted { text, scenario } = emitted;
        let result = match plan(
            &f,
            &text,
            scenario,
            self.runner.registry(),
            &self.inputs,
            &*self.runner.options().remedies,
        ) {
            Ok(plan) => match &self.traffic {
                Some(sink) => self.runner.run_plan(&plan, sink.as_ref()).await,
                None => self.runner.run_plan(&plan, &NoEvents).await,
            },
            Err(rejected) => ScenarioResult::rejected(&f, rejected),
        };
        (result, text)
    }

    /// Writes a shrunk failure's scenario (`--save-failures`), with what its final request found.
    pub(super) fn save(
        &self,
        api: &str,
        op: &str,
        s: &Shrunk,
        message: &str,
        out: &mut FuzzSummary,
    ) -> Option<PathBuf> {
        let dir = self.options.save_failures.as_ref()?;
        match super::save::write(dir, api, op, &s.case, &s.text, message) {
            Ok(p) => Some(p),
            Err(e) => {
                out.save_errors.push(e.to_string());
                None
            }
        }
    }
}

/// The plan of a generated scenario whose text is `text`, as if read from `f.path`: `scenario`
/// (what the text parses to, written with it) compiled as `conform run` compiles a file, every
/// check of the compiler applying, without parsing the text. With no `scenario` (the writer
/// could not vouch for one) the text is parsed, so its problem is reported as in the file.
pub(super) fn plan(
    f: &Found,
    text: &str,
    scenario: Option<Scenario>,
    registry: &Registry,
    inputs: &[String],
    remedies: &dyn crate::remedy::Remedies,
) -> Result<Plan, Rejected> {
    let scenario = match scenario {
        Some(s) => s,
        None => crate::scenario::parse(&f.path, text).map_err(|d| Rejected::unparsed(f, d))?,
    };
    crate::plan::compile(f, text, scenario, registry, inputs, remedies)
}

/// What an operation's result name adds about the cases of `planned` that did not run (`ran`
/// did): negatives dropped as valid on the wire, cases not sent after one got no answer or
/// once the operation's share of the time budget was spent.
fn notes(planned: usize, ran: usize, batch: &Batch, share: Option<Share>) -> String {
    let mut out = String::new();
    let dropped = batch.valid_on_the_wire;
    if dropped > 0 {
        out.push_str(&format!(
            "; {dropped} negative(s) dropped: valid once serialised"
        ));
    }
    let not_sent = planned - ran - dropped;
    if batch.unanswered && not_sent > 0 {
        out.push_str(&format!(
            "; {not_sent} more not sent: a case got no answer, and more would pile up on a busy target"
        ));
    } else if let Some(share) = share.filter(|_| batch.late && not_sent > 0) {
        out.push_str(&format!(
            "; stopped after {ran} of {planned} cases: its share of the time budget, {}, was spent",
            crate::units::human_duration(share.length)
        ));
    }
    out
}

/// Why no further operation starts, if none does: an interrupt, or the time budget (`time`,
/// which set `deadline`) spent.
fn stop_reason(
    interrupt: &crate::run::Interrupt,
    deadline: Option<Instant>,
    time: Option<Duration>,
) -> Option<Stopped> {
    match (interrupt.signal(), deadline, time) {
        (Some(signal), _, _) => Some(Stopped::Interrupted(signal)),
        (None, Some(d), Some(time)) if Instant::now() >= d => Some(Stopped::TimeSpent(time)),
        _ => None,
    }
}

/// Where the run is: the next result's index, the operations still to come, the deadline and
/// each operation's even part of the whole budget (`--time` over the operations).
struct Progress {
    index: usize,
    remaining: usize,
    deadline: Option<Instant>,
    even: Duration,
}

impl Progress {
    /// The next operation's share of the time left. Every operation still to come keeps its
    /// even part of the budget; the one starting gets what is left beyond those parts (its own
    /// part and what the operations before it left unspent), and never less than an equal
    /// part of the time left. So a slow operation cannot take the time of those after it, and
    /// one after fast operations gets the time they did not need.
    fn share(&self) -> Option<Share> {
        let now = Instant::now();
        let left = self.deadline?.saturating_duration_since(now);
        Some(share_of(left, self.remaining, self.even, now))
    }

    /// Streams one result and counts it.
    fn report(
        &mut self,
        result: &ScenarioResult,
        sink: &Arc<dyn EventSink>,
        out: &mut FuzzSummary,
    ) {
        out.summary.counts.add(result.outcome);
        sink.event(&Event::ScenarioFinished {
            index: self.index,
            result,
        });
        self.index += 1;
    }
}

/// The share of an operation starting at `now` with `left` of the budget, `remaining`
/// operations to come (itself included), each of the later ones keeping `even`.
fn share_of(left: Duration, remaining: usize, even: Duration, now: Instant) -> Share {
    let n = remaining.max(1);
    let equal = left / u32::try_from(n).unwrap_or(u32::MAX);
    let later = even.saturating_mul(u32::try_from(n - 1).unwrap_or(u32::MAX));
    let length = equal.max(left.saturating_sub(later));
    Share {
        until: now + length,
        length,
    }
}

/// One operation's share of the time budget: none of its cases starts after `until`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Share {
    until: Instant,
    length: Duration,
}

impl FuzzSummary {
    /// Nothing run yet.
    fn new(run_id: String, started_at: String) -> Self {
        FuzzSummary {
            summary: RunSummary {
                run_id,
                started_at,
                duration: Duration::ZERO,
                counts: Counts::default(),
                interrupted: None,
            },
            requests: 0,
            cases: 0,
            failures: Vec::new(),
            stopped: None,
            save_errors: Vec::new(),
            leftovers: Vec::new(),
        }
    }
}

/// The file a result of the fuzzer is reported under: it has none, only an id.
fn found_at(path: PathBuf, id: String) -> Found {
    Found { path, id }
}

/// Requests a scenario sent.
pub(super) fn requests(r: &ScenarioResult) -> usize {
    r.steps.iter().map(|s| s.attempts as usize).sum()
}

/// The case's own step: the last main step (a chain's create and wait come before it).
pub(super) fn case_step(r: &ScenarioResult) -> Option<&StepResult> {
    r.steps.iter().rev().find(|s| s.phase == Phase::Main)
}

/// The status of the case's own step.
pub(super) fn target_status(r: &ScenarioResult) -> Option<u16> {
    case_step(r).and_then(|s| s.status)
}

/// Whether the case's own step got a success status (a 2xx).
pub(super) fn succeeded(r: &ScenarioResult) -> bool {
    target_status(r).is_some_and(|s| (200..300).contains(&s))
}

pub(super) fn last_response(r: &ScenarioResult) -> Option<&crate::run::ResponseRecord> {
    case_step(r)?.response.as_ref()
}

/// Whether the case's own step got no answer at all: a transport finding and no status.
fn no_answer(r: &ScenarioResult) -> bool {
    case_step(r).is_some_and(|s| {
        s.status.is_none() && s.findings.iter().any(|f| f.check == CheckKind::Transport)
    })
}

/// Whether a finding counts as a failure of the target (a warning does not).
pub(super) fn fails(severity: Severity) -> bool {
    severity >= Severity::Violation
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::share_of;

    /// 40 s for 4 operations: each keeps 10 s; what the first ones leave unspent goes to the
    /// next, and one that overran leaves the rest an equal part of what is left.
    #[test]
    fn a_share_keeps_the_later_operations_parts_and_takes_what_was_left_unspent() {
        let (now, even, s) = (Instant::now(), Duration::from_secs(10), Duration::from_secs);
        assert_eq!(share_of(s(40), 4, even, now).length, s(10));
        // The first two took 1 s each: the third gets 38 - 10 s.
        assert_eq!(share_of(s(38), 2, even, now).length, s(28));
        // The first took 25 s: the others split the 15 s left.
        assert_eq!(share_of(s(15), 3, even, now).length, s(5));
        assert_eq!(share_of(s(7), 1, even, now).length, s(7));
        assert_eq!(share_of(s(0), 2, even, now).length, s(0));
    }
}
