//! `cargo bench --bench throughput`: the harness's own overhead, measured side by side with a raw
//! HTTP loop on the same in-process `fixture` mock, in one run.
//!
//! Machines are noisy, so the ratios (measured in the same process, against the same mock, a
//! moment apart) matter more than the absolute numbers. Everything is bounded: each loop stops at
//! a request count or a time budget, whichever comes first; only 127.0.0.1 is contacted.
//!
//! Modes:
//! - raw: one pooled client, sequential `GET /widgets/{id}` of one widget, body read and parsed;
//! - raw+validate: the same, plus validation against a JSON Schema validator compiled once (the
//!   spec's `Widget` schema, same draft and format options as the harness): the fair yardstick;
//! - raw+validate x8: eight tasks sharing the client;
//! - harness: a scenario (one create, `K` gets, each get schema-checked and body-matched) run
//!   through `Runner::run` with jobs = 1, then with jobs = 8 over 8 copies.
//!
//! Exits non-zero if the harness reports any scenario that did not pass: a benchmark of a failing
//! run is meaningless.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conform::run::{NoEvents, Outcome, RunOptions, RunResult, Runner};
use conform::scenario::Found;
use conform::spec::Registry;
use conform::target::{Target, Targets};
use reqwest::Url;
use serde_json::Value;

const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/specs");

/// Raw loops: requests per mode and round, and warm-up requests before each mode's first round.
const RAW_N: usize = 10_000;
const RAW_WARMUP: usize = 500;
/// Tasks (raw) and scenario copies / jobs (harness) in the concurrent modes.
const CONCURRENCY: usize = 8;
/// `getWidget` steps per scenario.
const K: usize = 50;
/// Sequential harness runs per round (each one `Runner::run` of one scenario).
const M: usize = 100;
/// Concurrent harness runs per round (each one `Runner::run` of `CONCURRENCY` copies).
const CONC_RUNS: usize = 12;
/// Every mode is measured this many times, interleaved; the median round is reported.
const ROUNDS: usize = 3;
/// Schema validations in the micro-benchmark.
const VALIDATE_N: usize = 200_000;
/// The most any one measured loop may take; loops stop early when it runs out. With 5 modes x
/// `ROUNDS` loops, warm-ups and the micro-benchmark, the whole run stays under ~20 s.
const BUDGET: Duration = Duration::from_millis(1_000);
const WARMUP_BUDGET: Duration = Duration::from_millis(300);
/// The most one raw request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// A safety net over the whole benchmark.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(40);

/// What one measured mode did.
struct Measured {
    requests: usize,
    wall: Duration,
    /// Per-request latencies (for the harness: per `getWidget` step, checks included).
    latencies: Vec<Duration>,
    /// Harness only: where the time of the scenario runs went.
    split: Split,
}

/// Sums over the scenarios a harness loop ran.
#[derive(Default)]
struct Split {
    scenarios: u32,
    /// In steps (request, checks, matching).
    steps: Duration,
    /// In `run_found` as a whole (adds loading, validating and setting up the scenario).
    scenario: Duration,
}

impl Measured {
    fn per_sec(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    fn percentile(&self, p: usize) -> Duration {
        let mut v = self.latencies.clone();
        v.sort_unstable();
        match v.len() {
            0 => Duration::ZERO,
            n => v[(n * p / 100).min(n - 1)],
        }
    }
}

/// The scenario files, in a folder of their own under the system temp dir, removed on drop.
struct ScenarioDir(PathBuf);

impl Drop for ScenarioDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scenario_text() -> String {
    let mut s = String::from(
        "name: throughput benchmark\n\
         api: fixture\n\
         steps:\n\
         \x20 - name: create\n\
         \x20   call: createWidget\n\
         \x20   body: {name: bench, size: 7}\n\
         \x20   expect:\n\
         \x20     status: 201\n\
         \x20   capture:\n\
         \x20     widget_id: /id\n",
    );
    for i in 0..K {
        s.push_str(&format!(
            "  - name: get {i}\n\
             \x20   call: getWidget\n\
             \x20   path: {{id: \"${{widget_id}}\"}}\n\
             \x20   expect:\n\
             \x20     status: 200\n\
             \x20     body: {{id: \"${{widget_id}}\", name: bench, size: 7}}\n"
        ));
    }
    s
}

fn write_scenarios(dir: &Path) -> Result<Vec<Found>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let text = scenario_text();
    (0..CONCURRENCY)
        .map(|i| {
            let path = dir.join(format!("bench-{i}.yaml"));
            std::fs::write(&path, &text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(Found {
                path,
                id: format!("bench-{i}.yaml"),
            })
        })
        .collect()
}

fn new_client() -> Result<reqwest::Client, String> {
    conform::run::http_client().map_err(|e| format!("cannot build the HTTP client: {e}"))
}

async fn create_widget(client: &reqwest::Client, base: &Url) -> Result<String, String> {
    let url = base
        .join("widgets")
        .map_err(|e| format!("bad mock URL: {e}"))?;
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(r#"{"name": "bench", "size": 7}"#)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("POST /widgets to the mock failed: {e}"))?;
    if resp.status().as_u16() != 201 {
        return Err(format!("POST /widgets answered {}, not 201", resp.status()));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("POST /widgets: reading the body failed: {e}"))?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("POST /widgets: the body is not JSON: {e}"))?;
    body.get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("POST /widgets answered without an id: {body}"))
}

/// One raw `GET`: body read, parsed, and validated if a validator is given.
async fn raw_get(
    client: &reqwest::Client,
    url: &Url,
    validator: Option<&jsonschema::Validator>,
) -> Result<(), String> {
    let resp = client
        .get(url.clone())
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("GET {url} failed: {e}"))?;
    if resp.status().as_u16() != 200 {
        return Err(format!("GET {url} answered {}, not 200", resp.status()));
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: reading the body failed: {e}"))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("GET {url}: the body is not JSON: {e}"))?;
    if let Some(v) = validator
        && !v.is_valid(&value)
    {
        return Err(format!(
            "GET {url}: the body does not match the Widget schema: {value}"
        ));
    }
    black_box(value);
    Ok(())
}

/// `tasks` tasks share `n` raw requests (stopping early when `budget` runs out).
async fn raw_loop(
    client: &reqwest::Client,
    url: &Url,
    validator: Option<&Arc<jsonschema::Validator>>,
    tasks: usize,
    n: usize,
    budget: Duration,
) -> Result<Measured, String> {
    let claimed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let (client, url, validator, claimed) = (
            client.clone(),
            url.clone(),
            validator.cloned(),
            Arc::clone(&claimed),
        );
        set.spawn(async move {
            let mut latencies = Vec::new();
            while claimed.fetch_add(1, Ordering::Relaxed) < n && started.elapsed() < budget {
                let t = Instant::now();
                raw_get(&client, &url, validator.as_deref()).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(n);
    while let Some(joined) = set.join_next().await {
        latencies.extend(joined.map_err(|e| format!("a raw request task failed: {e}"))??);
    }
    Ok(Measured {
        requests: latencies.len(),
        wall: started.elapsed(),
        latencies,
        split: Split::default(),
    })
}

/// Fails unless every scenario passed with every step run; returns the requests sent and the
/// latencies of the `getWidget` steps.
fn check_run(r: &RunResult, split: &mut Split) -> Result<(usize, Vec<Duration>), String> {
    let mut requests = 0;
    let mut latencies = Vec::new();
    for s in &r.scenarios {
        split.scenarios += 1;
        split.scenario += s.duration;
        if s.outcome != Outcome::Passed {
            return Err(format!(
                "the harness reported {:?} for {} during the benchmark:\n{}",
                s.outcome,
                s.id,
                conform::report::terminal::details(s, false)
            ));
        }
        if s.steps.len() != K + 1 {
            return Err(format!(
                "{}: {} steps ran, expected {}",
                s.id,
                s.steps.len(),
                K + 1
            ));
        }
        for st in &s.steps {
            requests += st.attempts as usize;
            split.steps += st.duration;
            if st.call == "getWidget" {
                latencies.push(st.duration);
            }
        }
    }
    Ok((requests, latencies))
}

/// `Runner::run` of `found`, `times` times (stopping early when `budget` runs out).
async fn harness_loop(
    runner: &Arc<Runner>,
    found: &[Found],
    times: usize,
    budget: Duration,
) -> Result<Measured, String> {
    let mut requests = 0;
    let mut latencies = Vec::new();
    let mut split = Split::default();
    let started = Instant::now();
    for _ in 0..times {
        if started.elapsed() >= budget {
            break;
        }
        let r = runner.run_all(found.to_vec(), Arc::new(NoEvents)).await;
        let (n, l) = check_run(&r, &mut split)?;
        requests += n;
        latencies.extend(l);
    }
    Ok(Measured {
        requests,
        wall: started.elapsed(),
        latencies,
        split,
    })
}

/// The rounds of one mode.
struct Mode {
    name: &'static str,
    rounds: Vec<Measured>,
}

impl Mode {
    /// The round with the median rate.
    fn median(&self) -> Option<&Measured> {
        let mut r: Vec<&Measured> = self.rounds.iter().collect();
        r.sort_by(|a, b| a.per_sec().total_cmp(&b.per_sec()));
        r.get(r.len() / 2).copied()
    }

    fn rate(&self) -> f64 {
        self.median().map_or(f64::NAN, Measured::per_sec)
    }

    /// (max - min) / median of the round rates, in percent.
    fn spread(&self) -> f64 {
        let rates = self.rounds.iter().map(Measured::per_sec);
        let (lo, hi) = rates.fold((f64::INFINITY, 0.0_f64), |(lo, hi), r| {
            (lo.min(r), hi.max(r))
        });
        (hi - lo) / self.rate() * 100.0
    }
}

const RAW: &str = "raw GET+parse";
const RAW_VALIDATE: &str = "raw GET+parse+validate";
const RAW_CONC: &str = "raw+validate x8 tasks";
const HARNESS: &str = "harness jobs=1";
const HARNESS_CONC: &str = "harness jobs=8 (8 copies)";

struct Report {
    compile: Duration,
    yardstick_compile: Duration,
    validate_ns: f64,
    validate_calls: usize,
    modes: Vec<Mode>,
}

async fn bench(dir: &Path) -> Result<Report, String> {
    // The spec, compiled once and shared by the runners.
    let registry = Arc::new(Registry::new(SPECS));
    let t = Instant::now();
    let spec = registry
        .api("fixture")
        .map_err(|d| format!("the fixture spec does not load: {d}"))?;
    let compile = t.elapsed();
    let schema = spec
        .operation("getWidget")
        .and_then(|op| op.response(200))
        .and_then(|r| r.content.first())
        .and_then(|m| m.schema.as_ref())
        .ok_or("the fixture spec has no JSON schema for getWidget 200")?;

    // The yardstick validator: the same schema and options, compiled once outside the harness.
    let t = Instant::now();
    let yardstick = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema.raw)
        .map_err(|e| format!("the Widget schema does not compile: {e}"))?;
    let yardstick = Arc::new(yardstick);
    let yardstick_compile = t.elapsed();

    let mock = conform::mock::start("fixture", 0, &conform::mock::MockOptions::default())
        .await
        .map_err(|e| format!("cannot start the fixture mock: {e}"))?;
    let base = mock.base_url.clone();
    let client = new_client()?;
    let id = create_widget(&client, &base).await?;
    let url = base
        .join(&format!("widgets/{id}"))
        .map_err(|e| format!("bad widget URL: {e}"))?;

    let found = write_scenarios(dir)?;
    let mut targets = Targets::default();
    let mut target = Target::new(base.clone());
    target.is_mock = true;
    targets.insert("fixture", target);
    let targets = Arc::new(targets);
    let runner = |jobs: usize| -> Result<Arc<Runner>, String> {
        let options = RunOptions {
            jobs,
            ..RunOptions::default()
        };
        Ok(Arc::new(Runner::new(
            Arc::clone(&registry),
            Arc::clone(&targets),
            new_client()?,
            options,
        )))
    };
    let seq = runner(1)?;
    let conc = runner(CONCURRENCY)?;

    // Every mode once per round, interleaved, so a noisy moment hits one round of each mode
    // rather than all of one mode; each mode warms up before its first round.
    let raw_modes: [(&str, Option<&Arc<jsonschema::Validator>>, usize); 3] = [
        (RAW, None, 1),
        (RAW_VALIDATE, Some(&yardstick), 1),
        (RAW_CONC, Some(&yardstick), CONCURRENCY),
    ];
    let mut modes: Vec<Mode> = [RAW, RAW_VALIDATE, RAW_CONC, HARNESS, HARNESS_CONC]
        .into_iter()
        .map(|name| Mode {
            name,
            rounds: Vec::new(),
        })
        .collect();
    for round in 0..ROUNDS {
        for (i, (_, validator, tasks)) in raw_modes.iter().enumerate() {
            if round == 0 {
                raw_loop(&client, &url, *validator, *tasks, RAW_WARMUP, WARMUP_BUDGET).await?;
            }
            let m = raw_loop(&client, &url, *validator, *tasks, RAW_N, BUDGET).await?;
            modes[i].rounds.push(m);
        }
        if round == 0 {
            harness_loop(&seq, &found[..1], 2, WARMUP_BUDGET).await?;
        }
        modes[3]
            .rounds
            .push(harness_loop(&seq, &found[..1], M, BUDGET).await?);
        if round == 0 {
            harness_loop(&conc, &found, 1, WARMUP_BUDGET).await?;
        }
        modes[4]
            .rounds
            .push(harness_loop(&conc, &found, CONC_RUNS, BUDGET).await?);
    }

    // Schema validation alone, on a real body from the mock.
    let bytes = client
        .get(url.clone())
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("GET {url} failed: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: reading the body failed: {e}"))?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("GET {url}: the body is not JSON: {e}"))?;
    if !schema.validator.is_valid(&body) {
        return Err(format!("the widget body does not match its schema: {body}"));
    }
    for _ in 0..1_000 {
        black_box(schema.validator.is_valid(black_box(&body)));
    }
    let t = Instant::now();
    let mut validate_calls = 0;
    while validate_calls < VALIDATE_N && (validate_calls % 1_000 != 0 || t.elapsed() < BUDGET) {
        black_box(schema.validator.is_valid(black_box(&body)));
        validate_calls += 1;
    }
    let validate_ns = t.elapsed().as_nanos() as f64 / validate_calls.max(1) as f64;

    mock.stop().await;
    Ok(Report {
        compile,
        yardstick_compile,
        validate_ns,
        validate_calls,
        modes,
    })
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn print(r: &Report, total: Duration) {
    println!(
        "conform throughput: fixture mock on 127.0.0.1, one process, tokio with 2 worker threads"
    );
    println!();
    println!(
        "spec compile (fixture, whole API)   {:>9.2} ms",
        r.compile.as_secs_f64() * 1e3
    );
    println!(
        "yardstick compile (Widget schema)   {:>9.2} ms",
        r.yardstick_compile.as_secs_f64() * 1e3
    );
    println!(
        "schema validate (Widget body)       {:>9.0} ns/call  ({} calls)",
        r.validate_ns, r.validate_calls
    );
    println!();
    println!(
        "{:<26} {:>9} {:>9} {:>8} {:>9} {:>9}",
        "mode (median of rounds)", "requests", "req/s", "spread", "p50 us", "p99 us"
    );
    for mode in &r.modes {
        let Some(m) = mode.median() else { continue };
        println!(
            "{:<26} {:>9} {:>9.0} {:>7.0}% {:>9.1} {:>9.1}",
            mode.name,
            m.requests,
            m.per_sec(),
            mode.spread(),
            us(m.percentile(50)),
            us(m.percentile(99))
        );
    }
    println!(
        "({ROUNDS} interleaved rounds per mode; spread = (max - min) / median of the round rates;"
    );
    println!(
        " harness requests include one create per {K} gets; harness latency is per getWidget step, checks included)"
    );
    if let Some(m) = r
        .modes
        .iter()
        .find(|m| m.name == HARNESS)
        .and_then(Mode::median)
    {
        let sp = &m.split;
        let n = f64::from(sp.scenarios.max(1));
        let ms = |d: Duration| d.as_secs_f64() * 1e3 / n;
        println!();
        println!(
            "harness jobs=1, per scenario run ({} gets + 1 create): {:.2} ms wall = {:.2} ms in steps + {:.2} ms loading/validating/setting up the scenario + {:.2} ms in Runner::run",
            K,
            ms(m.wall),
            ms(sp.steps),
            ms(sp.scenario.saturating_sub(sp.steps)),
            ms(m.wall.saturating_sub(sp.scenario)),
        );
    }
    println!();
    let rate = |name: &str| {
        r.modes
            .iter()
            .find(|m| m.name == name)
            .map_or(f64::NAN, Mode::rate)
    };
    let ratios = [
        ("harness sequential", HARNESS, "raw", RAW),
        ("harness sequential", HARNESS, "raw+validate", RAW_VALIDATE),
        ("harness jobs=8", HARNESS_CONC, "raw+validate x8", RAW_CONC),
    ];
    for (label, mode, base_label, base) in ratios {
        println!(
            "{label:<18} = {:.2} x {base_label}",
            rate(mode) / rate(base)
        );
    }
    println!();
    println!("total benchmark time {:.1} s", total.as_secs_f64());
}

fn main() -> ExitCode {
    let started = Instant::now();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("throughput: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = ScenarioDir(
        std::env::temp_dir().join(format!("conform-bench-{}-{nanos}", std::process::id())),
    );
    let outcome = runtime.block_on(async {
        tokio::time::timeout(TOTAL_TIMEOUT, bench(&dir.0))
            .await
            .unwrap_or_else(|_| Err(format!("the benchmark took longer than {TOTAL_TIMEOUT:?}")))
    });
    drop(dir);
    match outcome {
        Ok(report) => {
            print(&report, started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::FAILURE
        }
    }
}
