//! `cargo bench --bench flow`: what the project's goals in "Compile once, stream always" ask, in
//! one run, as ratios measured a moment apart on the same machine and against the same server.
//!
//! 1. The realistic flow: each scenario is three requests (create, get, delete) using every
//!    matcher kind (`$regex` with `\d`, `$type`, `$len`, `$contains`, equality, `$absent`),
//!    captures and `${...}` templates, every response schema-checked, all reports written;
//!    `conform run --jobs 8` against a raw reqwest loop sending the same requests at the same
//!    concurrency and validating each body with the same compiled validators. Goal: the
//!    harness at >= 0.8 of the raw loop. Beside them, when it is built
//!    (`scripts/hurl-install.sh`), Hurl runs the same flow from one file per flow (`hurl.rs`).
//!    Goal (issue 25): conform at >= 5x Hurl.
//! 2. CPU per flow of `conform run` (user + system, from `wait4`). Goal (issue 25): <= 0.15 ms.
//! 3. Peak RSS of `conform run` over 1,000, 10,000 and 100,000 one-step scenarios, with
//!    `--no-report` and with every report. Goals (issue 25): 100k/1k <= 1.1x either way. And
//!    `conform list` over the 100,000 files. Goal (issue 25): under 1 s.
//! 4. `conform fuzz` on the bench API against the same server: generated requests per second
//!    (shrinking off, no reports), beside the raw loop's request rate. Goal (issue "Tests the
//!    spec implies"): thousands per second.
//!
//! The harness is driven as a subprocess (the release binary cargo builds beside this bench), so
//! the benchmark depends on nothing of the library but the spec registry the raw loop takes its
//! validators from. The raw loop is a subprocess too (this executable, `--raw-client`), so both
//! clients are measured alike: wall time of the process, CPU and peak RSS from the kernel. The
//! server (`server.rs`) runs here, on 127.0.0.1 only, in a runtime of its own.
//!
//! Goals are printed, not asserted: machines are noisy. The benchmark fails (exit 1) if anything
//! the harness ran did not pass, if it ran fewer scenarios than were written, or if a child
//! outlives its time limit. Every loop is bounded in count and in time.
//!
//! Other modes: `-- --serve [SECS]` serves the bench API and prints its URL (at most 600 s), to
//! run or profile `conform` against it by hand; `-- --quick` is a smaller run for trying changes
//! (its figures are not the benchmark's); `-- --hurl-flow` prints the flow in Hurl's language.

mod child;
mod hurl;
mod hurl_flow;
mod raw;
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use child::Finished;
use server::Server;

/// The benchmark API's spec folder.
pub const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/flow/specs");
/// The name the benchmark API goes by in its specs folder and scenarios.
pub const BENCH_API: &str = "bench";
const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/flow/scenarios");
const FLOW_FILE: &str = "order-lifecycle.yaml";
const PROBE_FILE: &str = "order-probe.yaml";

/// Scenarios in flight (`--jobs`) and raw client tasks.
const JOBS: usize = 8;
/// Scenario files per generated subfolder.
const PER_FOLDER: usize = 1_000;
/// Worker threads of the server's runtime.
const SERVER_THREADS: usize = 2;

const FLOW_TIMEOUT: Duration = Duration::from_secs(60);
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

struct Plan {
    /// Realistic flows per round, for each client.
    flows: usize,
    rounds: usize,
    raw_warmup: usize,
    /// Scenario counts of the memory part, smallest first.
    sizes: &'static [usize],
    /// `conform fuzz --max-examples` (per operation; the bench API has three).
    fuzz_examples: usize,
}

const FULL: Plan = Plan {
    flows: 2_000,
    rounds: 3,
    raw_warmup: 200,
    sizes: &[1_000, 10_000, 100_000],
    fuzz_examples: 1_000,
};

const QUICK: Plan = Plan {
    flows: 400,
    rounds: 1,
    raw_warmup: 50,
    sizes: &[1_000, 10_000],
    fuzz_examples: 200,
};

/// A child's time limit in the memory part: generous for today's harness, still bounded.
fn rss_timeout(scenarios: usize) -> Duration {
    Duration::from_secs(30 + (scenarios as u64) / 700)
}

static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// A progress line on stderr, with the time since the benchmark started.
fn progress(what: &str) {
    let t = STARTED.get_or_init(Instant::now).elapsed();
    eprintln!("flow: [{:6.1} s] {what}", t.as_secs_f64());
}

fn conform_bin() -> Result<PathBuf, String> {
    let path = std::env::var_os("CONFORM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_conform")));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "the conform binary is not at {}: run `cargo build --release` first (cargo bench \
             builds it too), or point CONFORM_BIN at it",
            path.display()
        ))
    }
}

/// The temporary folder of one benchmark run, removed on drop.
///
/// It is on tmpfs (`/dev/shm`) where there is one: the memory part writes 100,000 scenario files
/// and 200 MB of reports, and on a disk shared with other builds that took a minute each way,
/// which measures the disk, not the harness. `CONFORM_BENCH_TMP` chooses another parent.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let builder = || {
            let mut b = tempfile::Builder::new();
            b.prefix("conform-flow-bench-");
            b
        };
        if let Some(parent) = std::env::var_os("CONFORM_BENCH_TMP") {
            let dir = builder().tempdir_in(&parent).map_err(|e| {
                format!(
                    "cannot create a folder in CONFORM_BENCH_TMP={}: {e}",
                    Path::new(&parent).display()
                )
            })?;
            return Ok(Scratch { dir });
        }
        let shm = Path::new("/dev/shm");
        if shm.is_dir()
            && let Ok(dir) = builder().tempdir_in(shm)
        {
            return Ok(Scratch { dir });
        }
        let dir = builder()
            .tempdir()
            .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        Ok(Scratch { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Writes `count` copies of the template `file` under `root` in subfolders of `PER_FOLDER`,
/// each copy named apart; returns the subfolders.
fn generate(root: &Path, file: &str, count: usize) -> Result<Vec<PathBuf>, String> {
    let template_path = Path::new(SCENARIOS).join(file);
    let template = std::fs::read_to_string(&template_path)
        .map_err(|e| format!("cannot read {}: {e}", template_path.display()))?;
    let (before, after) = template
        .split_once("\nname: ")
        .ok_or_else(|| format!("{} has no top-level `name:`", template_path.display()))?;
    let (name, rest) = after.split_once('\n').unwrap_or((after, ""));
    let stem = file.trim_end_matches(".yaml");
    let mut folders = Vec::new();
    for i in 0..count {
        let folder = root.join(format!("{:03}", i / PER_FOLDER));
        if i % PER_FOLDER == 0 {
            std::fs::create_dir_all(&folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
            folders.push(folder.clone());
        }
        let path = folder.join(format!("{stem}-{i:06}.yaml"));
        let text = format!("{before}\nname: {name} (copy {i})\n{rest}");
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(folders)
}

fn conform_run(bin: &Path, paths: &[PathBuf], base: &str, report: Option<&Path>) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("run")
        .args(paths)
        .arg("--specs")
        .arg(SPECS)
        .arg("--target")
        .arg(format!("{BENCH_API}={base}"))
        .arg("--jobs")
        .arg(JOBS.to_string())
        .arg("--quiet");
    match report {
        Some(dir) => cmd.arg("--report").arg(dir),
        None => cmd.arg("--no-report"),
    };
    cmd.env("NO_COLOR", "1").env_remove("CONFORM_TARGETS");
    cmd
}

/// `N passed, N failed[, N skipped] (...)`: the last such line of the human output.
fn summary(stdout: &str) -> Option<(usize, usize, usize)> {
    stdout.lines().rev().find_map(|line| {
        let (passed, rest) = line.trim().split_once(" passed, ")?;
        let (failed, rest) = rest.split_once(" failed")?;
        let skipped = match rest.strip_prefix(", ") {
            Some(r) => r.split_once(" skipped")?.0.parse().ok()?,
            None => 0,
        };
        Some((passed.parse().ok()?, failed.parse().ok()?, skipped))
    })
}

/// Fails unless the run exited 0 and passed exactly `expected` scenarios, none failed or skipped.
fn check_harness(f: &Finished, expected: usize, what: &str) -> Result<(), String> {
    let counted = summary(&f.stdout);
    match (f.code, counted) {
        (Some(0), Some((passed, 0, 0))) if passed == expected => Ok(()),
        _ => Err(format!(
            "{what}: conform did not pass all {expected} scenarios (exit {:?}, summary {:?}): a \
             benchmark of a failing run is meaningless\n{}",
            f.code,
            counted.map(|(p, f, s)| format!("{p} passed, {f} failed, {s} skipped")),
            f.tails()
        )),
    }
}

const REPORT_FILES: [&str; 4] = ["junit.xml", "report.json", "report.html", "summary.md"];

/// Fails unless every report was written; returns their total size in bytes.
fn check_reports(dir: &Path, what: &str) -> Result<u64, String> {
    let mut total = 0;
    for name in REPORT_FILES {
        let path = dir.join(name);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > 0 => total += m.len(),
            _ => return Err(format!("{what}: conform wrote no {}", path.display())),
        }
    }
    Ok(total)
}

/// One measured client run.
struct Sample {
    flows: usize,
    wall: Duration,
    cpu: Duration,
    max_rss: u64,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.flows as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    fn cpu_ms_per_flow(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e3 / self.flows.max(1) as f64
    }

    fn of(f: &Finished, flows: usize) -> Sample {
        Sample {
            flows,
            wall: f.wall,
            cpu: f.cpu,
            max_rss: f.max_rss,
        }
    }
}

/// The median by rate (the middle round, or the lower middle).
fn median(samples: &[Sample]) -> Option<&Sample> {
    let mut v: Vec<&Sample> = samples.iter().collect();
    v.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
    v.get(v.len().saturating_sub(1) / 2).copied()
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(f64::NAN)
}

fn spread(samples: &[Sample]) -> f64 {
    let rates: Vec<f64> = samples.iter().map(Sample::rate).collect();
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    (hi - lo) / median_f64(rates) * 100.0
}

fn raw_client(scratch: &Path, base: &str, flows: usize) -> Result<Sample, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the benchmark's own executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--raw-client")
        .arg(base)
        .arg(flows.to_string())
        .arg(JOBS.to_string());
    let f = child::run(&mut cmd, scratch, FLOW_TIMEOUT)?;
    let done = f
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("flows="))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok());
    match (f.code, done) {
        (Some(0), Some(done)) if done > 0 => Ok(Sample::of(&f, done)),
        _ => Err(format!(
            "the raw client failed (exit {:?})\n{}",
            f.code,
            f.tails()
        )),
    }
}

fn harness_flows(
    bin: &Path,
    scratch: &Path,
    folders: &[PathBuf],
    flows: usize,
    base: &str,
    what: &str,
) -> Result<Sample, String> {
    let reports = scratch.join("reports-flow");
    let f = child::run(
        &mut conform_run(bin, folders, base, Some(&reports)),
        scratch,
        FLOW_TIMEOUT,
    )?;
    check_harness(&f, flows, what)?;
    check_reports(&reports, what)?;
    let _ = std::fs::remove_dir_all(&reports);
    Ok(Sample::of(&f, flows))
}

struct Memory {
    scenarios: usize,
    no_report: Sample,
    reports: Sample,
    report_bytes: u64,
}

/// One `conform fuzz` run: its requests (as the sample's count), cases and failures found.
struct Fuzzed {
    sample: Sample,
    cases: usize,
    failures: usize,
}

/// `conform fuzz` against the bench server, shrinking off (each request is a generated one),
/// no reports: the request rate of generation, checks and chains.
fn fuzz_rate(bin: &Path, scratch: &Path, base: &str, examples: usize) -> Result<Fuzzed, String> {
    let mut cmd = Command::new(bin);
    cmd.arg("fuzz")
        .arg(BENCH_API)
        .arg("--specs")
        .arg(SPECS)
        .arg("--target")
        .arg(format!("{BENCH_API}={base}"))
        .args(["--seed", "1", "--shrink-runs", "0", "--no-report"])
        .arg("--max-examples")
        .arg(examples.to_string())
        .arg("--jobs")
        .arg(JOBS.to_string());
    cmd.env("NO_COLOR", "1").env_remove("CONFORM_TARGETS");
    let f = child::run(&mut cmd, scratch, FLOW_TIMEOUT)?;
    // `fuzz: N cases, M requests in S s (R/s), K distinct failure(s), seed 1`
    let line = f.stdout.lines().find(|l| l.starts_with("fuzz: "));
    let number = |after: &str| -> Option<usize> {
        let l = line?;
        let (head, _) = l.split_once(after)?;
        head.rsplit([' ', ',']).next()?.parse().ok()
    };
    match (
        f.code,
        number(" cases"),
        number(" requests"),
        number(" distinct"),
    ) {
        (Some(0 | 1), Some(cases), Some(requests), Some(failures)) if requests > 0 => Ok(Fuzzed {
            sample: Sample::of(&f, requests),
            cases,
            failures,
        }),
        _ => Err(format!(
            "conform fuzz did not run (exit {:?}, line {line:?})\n{}",
            f.code,
            f.tails()
        )),
    }
}

struct Results {
    plan: &'static Plan,
    base: String,
    scratch: PathBuf,
    check_run: Sample,
    raw: Vec<Sample>,
    harness: Vec<Sample>,
    hurl: hurl::Measured,
    memory: Vec<Memory>,
    fuzz: Fuzzed,
    list: Duration,
    listed: usize,
    generate_100k: Duration,
}

/// Parts 1 and 2: the check run, then each client's interleaved rounds.
struct Flows {
    check_run: Sample,
    raw: Vec<Sample>,
    harness: Vec<Sample>,
    hurl: hurl::Measured,
}

/// 1 + 2. The realistic flow. A check run of one flow per job first: it proves the scenario
/// passes against this server before anything is timed, and shows the harness's fixed cost.
fn realistic_flow(plan: &Plan, bin: &Path, tmp: &Path, base: &str) -> Result<Flows, String> {
    progress("check run: the flow must pass against this server");
    let check_dir = tmp.join("check");
    let check_folders = generate(&check_dir, FLOW_FILE, JOBS)?;
    let check_run = harness_flows(bin, tmp, &check_folders, JOBS, base, "check run")?;
    let flow_folders = generate(&tmp.join("flows"), FLOW_FILE, plan.flows)?;
    let hurl = hurl::prepare(tmp, plan.flows)?;
    let hurl_check = match &hurl {
        Ok(h) => {
            progress("Hurl's check run: its flow must pass against this server");
            Some(h.check(tmp, base)?)
        }
        Err(_) => None,
    };
    raw_client(tmp, base, plan.raw_warmup)?;
    let (mut raw, mut harness, mut hurl_rounds) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, so a noisy moment hits one round of each rather than all of one.
    for round in 0..plan.rounds {
        progress(&format!(
            "realistic flow, round {} of {}",
            round + 1,
            plan.rounds
        ));
        raw.push(raw_client(tmp, base, plan.flows)?);
        harness.push(harness_flows(
            bin,
            tmp,
            &flow_folders,
            plan.flows,
            base,
            "realistic flow",
        )?);
        if let Ok(h) = &hurl {
            hurl_rounds.push(h.round(tmp, base)?);
        }
    }
    let _ = std::fs::remove_dir_all(tmp.join("flows"));
    let _ = std::fs::remove_dir_all(tmp.join("hurl-flows"));
    let hurl = hurl.and_then(|h| {
        let check = hurl_check.ok_or("Hurl's check run did not run")?;
        Ok(h.finish(check, hurl_rounds))
    });
    Ok(Flows {
        check_run,
        raw,
        harness,
        hurl,
    })
}

/// Part 3's figures, and the tree of one-step scenarios `conform list` reads next.
struct Probes {
    root: PathBuf,
    largest: usize,
    memory: Vec<Memory>,
    generate_100k: Duration,
}

/// 3. Memory: one tree of one-step scenarios; the smaller runs take its first folders.
fn memory_part(plan: &Plan, bin: &Path, tmp: &Path, base: &str) -> Result<Probes, String> {
    let largest = plan.sizes.last().copied().unwrap_or(0);
    progress(&format!("writing {largest} one-step scenarios"));
    let t = Instant::now();
    let root = tmp.join("probes");
    let probe_folders = generate(&root, PROBE_FILE, largest)?;
    let generate_100k = t.elapsed();
    let mut memory = Vec::new();
    for &n in plan.sizes {
        let paths: Vec<PathBuf> = if n == largest {
            vec![root.clone()]
        } else {
            probe_folders[..n.div_ceil(PER_FOLDER)].to_vec()
        };
        memory.push(memory_at(bin, tmp, base, n, &paths)?);
    }
    Ok(Probes {
        root,
        largest,
        memory,
        generate_100k,
    })
}

/// `conform run` over the `n` one-step scenarios under `paths`, with `--no-report` and then
/// with every report.
fn memory_at(
    bin: &Path,
    tmp: &Path,
    base: &str,
    n: usize,
    paths: &[PathBuf],
) -> Result<Memory, String> {
    progress(&format!("{n} one-step scenarios, --no-report"));
    let what = format!("{n} one-step scenarios, --no-report");
    let f = child::run(
        &mut conform_run(bin, paths, base, None),
        tmp,
        rss_timeout(n),
    )?;
    check_harness(&f, n, &what)?;
    let no_report = Sample::of(&f, n);
    progress(&format!("{n} one-step scenarios, every report"));
    let what = format!("{n} one-step scenarios, every report");
    let reports_dir = tmp.join("reports-probe");
    let f = child::run(
        &mut conform_run(bin, paths, base, Some(&reports_dir)),
        tmp,
        rss_timeout(n),
    )?;
    check_harness(&f, n, &what)?;
    let report_bytes = check_reports(&reports_dir, &what)?;
    let _ = std::fs::remove_dir_all(&reports_dir);
    Ok(Memory {
        scenarios: n,
        no_report,
        reports: Sample::of(&f, n),
        report_bytes,
    })
}

/// `conform list` over the probe tree: its wall time and the scenarios it listed, which must
/// be all of them.
fn list_probes(bin: &Path, tmp: &Path, probes: &Probes) -> Result<(Duration, usize), String> {
    let largest = probes.largest;
    progress(&format!("conform list over {largest} files"));
    let mut cmd = Command::new(bin);
    cmd.arg("list").arg(&probes.root);
    let f = child::run(&mut cmd, tmp, LIST_TIMEOUT)?;
    let listed = f.stdout.lines().count();
    if f.code != Some(0) || listed != largest {
        return Err(format!(
            "conform list listed {listed} of {largest} scenarios (exit {:?})\n{}",
            f.code,
            f.tails()
        ));
    }
    Ok((f.wall, listed))
}

fn bench(plan: &'static Plan, bin: &Path) -> Result<Results, String> {
    let scratch = Scratch::new()?;
    let tmp = scratch.path();
    let server = Server::start(SERVER_THREADS)?;
    let base = server.base_url.clone();
    let Flows {
        check_run,
        raw,
        harness,
        hurl,
    } = realistic_flow(plan, bin, tmp, &base)?;
    let probes = memory_part(plan, bin, tmp, &base)?;
    let (list, listed) = list_probes(bin, tmp, &probes)?;
    // Last: fuzzing deletes what it finds, the probe scenarios' order among it.
    progress("conform fuzz against the same server");
    let fuzz = fuzz_rate(bin, tmp, &base, plan.fuzz_examples)?;
    drop(server);
    let scratch_path = tmp.to_path_buf();
    progress("removing the temporary files");
    drop(scratch);
    progress("done");
    Ok(Results {
        plan,
        base,
        scratch: scratch_path,
        check_run,
        raw,
        harness,
        hurl,
        memory: probes.memory,
        fuzz,
        list,
        listed,
        generate_100k: probes.generate_100k,
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets the goal"
    } else {
        "misses the goal"
    }
}

fn print(r: &Results, total: Duration) {
    println!(
        "conform flow benchmark: the harness as a subprocess against a server on {}",
        r.base
    );
    println!("scenario files and reports under {}", r.scratch.display());
    if std::ptr::eq(r.plan, &QUICK) {
        println!("QUICK MODE: smaller counts, one round; not the benchmark's figures");
    }
    println!();
    let Some(raw) = print_flow(r) else {
        return;
    };
    println!();
    let cpu = median_f64(r.harness.iter().map(Sample::cpu_ms_per_flow).collect());
    println!(
        "2. CPU per flow of conform run (user + system, median round): {cpu:.3} ms   (goal <= 0.15 ms: {})",
        verdict(cpu <= 0.15)
    );
    println!();
    print_memory(r);
    println!();
    print_fuzz(r, raw);
    println!();
    println!("total benchmark time {:.1} s", total.as_secs_f64());
}

/// Part 1: each client's median round, and their ratio. Returns the raw loop's median round,
/// which part 4 compares with; `None` (said) when no round ran.
fn print_flow(r: &Results) -> Option<&Sample> {
    let p = r.plan;
    println!(
        "1. realistic flow: create -> get -> delete, every matcher kind, captures, templates, schema checks"
    );
    println!(
        "   {} flows per round, concurrency {JOBS}, {} interleaved round(s), median round shown",
        p.flows, p.rounds
    );
    let (Some(raw), Some(harness)) = (median(&r.raw), median(&r.harness)) else {
        println!("   no rounds ran");
        return None;
    };
    println!(
        "   {:<40} {:>9} {:>8} {:>10} {:>11} {:>9}",
        "client", "flows/s", "spread", "wall ms", "cpu ms/flow", "peak RSS"
    );
    for (name, m, all) in [
        ("raw reqwest loop + same validators", raw, &r.raw),
        ("conform run --jobs 8, every report", harness, &r.harness),
    ] {
        println!(
            "   {:<40} {:>9.0} {:>7.0}% {:>10.0} {:>11.3} {:>6.1} MiB",
            name,
            m.rate(),
            spread(all),
            ms(m.wall),
            m.cpu_ms_per_flow(),
            mib(m.max_rss)
        );
    }
    let ratio = harness.rate() / raw.rate();
    println!(
        "   harness / raw = {ratio:.2}   (goal >= 0.80: {})",
        verdict(ratio >= 0.8)
    );
    println!(
        "   (both rates are whole processes: start, spec compile, the flows, exit; the harness's \
         fixed cost, a run of {JOBS} flows with reports: {:.0} ms wall)",
        ms(r.check_run.wall)
    );
    hurl::print(&r.hurl, harness, raw);
    Some(raw)
}

/// Part 3: peak RSS at each size, the largest over the smallest, and `conform list`.
fn print_memory(r: &Results) {
    println!("3. peak RSS of conform run --jobs 8 over one-step scenarios");
    println!(
        "   {:>10} {:>14} {:>10} {:>14} {:>10} {:>12}",
        "scenarios", "--no-report", "wall s", "every report", "wall s", "report size"
    );
    for m in &r.memory {
        println!(
            "   {:>10} {:>10.1} MiB {:>10.1} {:>10.1} MiB {:>10.1} {:>8.1} MiB",
            m.scenarios,
            mib(m.no_report.max_rss),
            m.no_report.wall.as_secs_f64(),
            mib(m.reports.max_rss),
            m.reports.wall.as_secs_f64(),
            mib(m.report_bytes)
        );
    }
    if let (Some(small), Some(big)) = (r.memory.first(), r.memory.last()) {
        print_memory_growth(small, big);
    }
    println!(
        "   conform list over {} files: {:.2} s   (goal < 1 s: {}; writing them took {:.1} s)",
        r.listed,
        r.list.as_secs_f64(),
        verdict(r.list < Duration::from_secs(1)),
        r.generate_100k.as_secs_f64()
    );
}

/// The largest run's peak RSS over the smallest's, against the goals, and the memory each
/// further scenario costs.
fn print_memory_growth(small: &Memory, big: &Memory) {
    let label = format!("{}k/{}k", big.scenarios / 1_000, small.scenarios / 1_000);
    let nr = big.no_report.max_rss as f64 / small.no_report.max_rss.max(1) as f64;
    let wr = big.reports.max_rss as f64 / small.reports.max_rss.max(1) as f64;
    println!(
        "   {label} --no-report = {nr:.2}x   (goal <= 1.1x: {})",
        verdict(nr <= 1.1)
    );
    println!(
        "   {label} every report = {wr:.2}x   (goal <= 1.1x: {})",
        verdict(wr <= 1.1)
    );
    let extra = big.scenarios.saturating_sub(small.scenarios).max(1) as f64;
    println!(
        "   marginal memory per scenario: {:.1} KiB --no-report, {:.1} KiB with reports",
        big.no_report
            .max_rss
            .saturating_sub(small.no_report.max_rss) as f64
            / 1024.0
            / extra,
        big.reports.max_rss.saturating_sub(small.reports.max_rss) as f64 / 1024.0 / extra
    );
}

/// Part 4: the fuzz request rate, beside the raw loop's (`raw`, its median round).
fn print_fuzz(r: &Results, raw: &Sample) {
    let f = &r.fuzz;
    let raw_requests = raw.rate() * 3.0;
    println!(
        "4. conform fuzz: {} generated cases on the bench API's 3 operations (--max-examples {}, \
         no shrinking, no reports)",
        f.cases, r.plan.fuzz_examples
    );
    println!(
        "   {} requests in {:.0} ms wall: {:.0} requests/s, {:.3} ms CPU per request, peak RSS \
         {:.1} MiB; {} distinct failure(s) against this server",
        f.sample.flows,
        ms(f.sample.wall),
        f.sample.rate(),
        f.sample.cpu_ms_per_flow(),
        mib(f.sample.max_rss),
        f.failures
    );
    println!(
        "   fuzz / raw loop requests = {:.2}   (the raw loop's {raw_requests:.0} requests/s, 3 per \
         flow; goal: thousands of generated requests/s: {})",
        f.sample.rate() / raw_requests,
        verdict(f.sample.rate() >= 1000.0)
    );
}

/// `--serve [SECS]`: the bench API on 127.0.0.1 for at most SECS (default 60, at most 600).
fn serve(args: &[String]) -> ExitCode {
    let secs = args
        .first()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(60)
        .min(600);
    match Server::start(SERVER_THREADS) {
        Ok(server) => {
            println!("{}", server.base_url);
            println!("serving the bench API for {secs} s; specs: {SPECS}");
            std::thread::sleep(Duration::from_secs(secs));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flow: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--raw-client") => return raw::main(&args[1..]),
        Some("--serve") => return serve(&args[1..]),
        Some("--hurl-flow") => return hurl::print_flow(),
        _ => {}
    }
    // `cargo bench` passes `--bench`; anything else but `--quick` is ignored as well.
    let plan = if args.iter().any(|a| a == "--quick") {
        &QUICK
    } else {
        &FULL
    };
    let started = *STARTED.get_or_init(Instant::now);
    let outcome = conform_bin().and_then(|bin| bench(plan, &bin));
    match outcome {
        Ok(results) => {
            print(&results, started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flow: {e}");
            ExitCode::FAILURE
        }
    }
}
