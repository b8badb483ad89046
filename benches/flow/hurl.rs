//! Hurl (<https://hurl.dev>) on the same flow and the same server, as a third client beside the
//! raw loop and `conform run`: the flow written in Hurl's language from the scenario itself
//! ([`crate::hurl_flow`]), one file per flow as conform has, run by `hurl --test --jobs N` and
//! measured like the others (a subprocess; wall time, `wait4` CPU and peak RSS). Main type:
//! [`Setup`].
//!
//! Hurl is not a dependency: `scripts/hurl-install.sh` builds the pinned version into
//! `target/hurl/` (it links libcurl and libxml2), and `CONFORM_HURL` may point at another
//! binary. When there is none, or it does not answer `--version`, the benchmark prints one note
//! saying why and goes on without it. A Hurl run that fails a flow fails the benchmark, as a
//! conform run does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::hurl_flow::{Flow, translate};
use crate::{BENCH_API, FLOW_FILE, FLOW_TIMEOUT, PER_FOLDER, SCENARIOS, SPECS, Sample, child};

/// The version `scripts/hurl-install.sh` builds (the one issue 25's table used).
pub const VERSION: &str = "8.0.1";
/// Where `scripts/hurl-install.sh` puts it.
const INSTALLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/hurl/bin/hurl");
const INSTALL_LOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/hurl/install.log");
/// Files Hurl runs at once (`--jobs`): conform's concurrency, the fairer of the two measured
/// (see BENCHMARKS.md, "Issue 25: Hurl in the benchmark").
pub const JOBS: usize = crate::JOBS;
/// `${run.id}` in the scenario, for Hurl's copies.
const RUN_ID: &str = "hurl";

/// What the flow benchmark measured of Hurl, or why it did not.
pub type Measured = Result<Rounds, String>;

/// Hurl's check run and timed rounds.
pub struct Rounds {
    /// `hurl 8.0.1`: the start of `hurl --version`'s first line.
    pub version: String,
    pub check_run: Sample,
    pub rounds: Vec<Sample>,
    /// Requests, asserts and captures in one flow file.
    pub requests: usize,
    pub asserts: usize,
    pub captures: usize,
}

/// Hurl ready to run: its binary, and the flow's files written.
pub struct Setup {
    bin: PathBuf,
    version: String,
    flow: Flow,
    check_dir: PathBuf,
    flows_dir: PathBuf,
    flows: usize,
}

/// The flow in Hurl's language, from the scenario file and the bench spec.
pub fn flow() -> Result<Flow, String> {
    let path = Path::new(SCENARIOS).join(FLOW_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec = conform::openapi::Registry::new(SPECS)
        .api(BENCH_API)
        .map_err(|d| format!("the bench spec does not load: {d}"))?;
    translate(&text, &spec, RUN_ID).map_err(|e| format!("{FLOW_FILE} in Hurl: {e}"))
}

/// Translates the flow (an error fails the benchmark: the translation has drifted), then
/// finds Hurl and writes `flows` copies of the flow under `tmp`; `Ok(Err(note))` when there
/// is no Hurl to run.
pub fn prepare(tmp: &Path, flows: usize) -> Result<Result<Setup, String>, String> {
    let flow = flow()?;
    let (bin, version) = match find(tmp) {
        Ok(found) => found,
        Err(note) => return Ok(Err(note)),
    };
    let check_dir = tmp.join("hurl-check");
    let flows_dir = tmp.join("hurl-flows");
    write_copies(&check_dir, &flow.text, crate::JOBS)?;
    write_copies(&flows_dir, &flow.text, flows)?;
    Ok(Ok(Setup {
        bin,
        version,
        flow,
        check_dir,
        flows_dir,
        flows,
    }))
}

/// `CONFORM_HURL`, else `target/hurl/bin/hurl`, with its `--version`; or the note to print.
fn find(tmp: &Path) -> Result<(PathBuf, String), String> {
    let (bin, from_env) = match std::env::var_os("CONFORM_HURL") {
        Some(p) => (PathBuf::from(p), true),
        None => (PathBuf::from(INSTALLED), false),
    };
    let how = format!(
        "`bash scripts/hurl-install.sh` builds Hurl {VERSION} into target/hurl/ (it needs \
         libcurl4-openssl-dev, libxml2-dev, libclang-dev and pkg-config), or CONFORM_HURL \
         names a hurl binary"
    );
    if !bin.is_file() {
        let why = if from_env {
            format!("CONFORM_HURL={} is not a file", bin.display())
        } else if Path::new(INSTALL_LOG).is_file() {
            format!("the last install did not build it (see {INSTALL_LOG})")
        } else {
            format!("no hurl at {INSTALLED}")
        };
        return Err(format!("{why}; {how}"));
    }
    let answered = child::run(
        Command::new(&bin).arg("--version"),
        tmp,
        Duration::from_secs(10),
    )?;
    match answered.stdout.lines().next() {
        Some(line) if answered.code == Some(0) && line.starts_with("hurl ") => {
            let short = line.split(" (").next().unwrap_or(line);
            Ok((bin, short.trim().to_owned()))
        }
        _ => Err(format!(
            "{} does not answer --version (exit {:?}); {how}",
            bin.display(),
            answered.code
        )),
    }
}

/// `count` copies of the flow under `root`, in subfolders of `PER_FOLDER` files.
fn write_copies(root: &Path, text: &str, count: usize) -> Result<(), String> {
    for i in 0..count {
        let folder = root.join(format!("{:03}", i / PER_FOLDER));
        if i % PER_FOLDER == 0 {
            std::fs::create_dir_all(&folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        let path = folder.join(format!("flow-{i:06}.hurl"));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

impl Setup {
    /// The check run: one flow per job must pass against this server before anything is timed.
    pub fn check(&self, tmp: &Path, base: &str) -> Result<Sample, String> {
        self.run(&self.check_dir, crate::JOBS, tmp, base, "Hurl's check run")
    }

    /// One timed round of every flow.
    pub fn round(&self, tmp: &Path, base: &str) -> Result<Sample, String> {
        self.run(
            &self.flows_dir,
            self.flows,
            tmp,
            base,
            "Hurl's realistic flow",
        )
    }

    pub fn finish(self, check_run: Sample, rounds: Vec<Sample>) -> Rounds {
        Rounds {
            version: self.version,
            check_run,
            rounds,
            requests: self.flow.requests,
            asserts: self.flow.asserts,
            captures: self.flow.captures,
        }
    }

    fn run(
        &self,
        dir: &Path,
        flows: usize,
        tmp: &Path,
        base: &str,
        what: &str,
    ) -> Result<Sample, String> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(["--test", "--no-color", "--noproxy", "*", "--max-time", "10"])
            .arg("--jobs")
            .arg(JOBS.to_string())
            .arg("--variable")
            .arg(format!("base={base}"))
            .arg(dir);
        // libcurl reads these; only 127.0.0.1 is ever contacted.
        for var in [
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "HTTPS_PROXY",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("NO_COLOR", "1");
        let f = child::run(&mut cmd, tmp, FLOW_TIMEOUT)?;
        let count = |label: &str| -> Option<usize> {
            let line = f
                .stderr
                .lines()
                .chain(f.stdout.lines())
                .rev()
                .find_map(|l| l.strip_prefix(label))?;
            line.split_whitespace().next()?.parse().ok()
        };
        let requests = flows * self.flow.requests;
        match (
            f.code,
            count("Succeeded files:"),
            count("Failed files:"),
            count("Executed requests:"),
        ) {
            (Some(0), Some(passed), Some(0), Some(sent)) if passed == flows && sent == requests => {
                Ok(Sample {
                    flows,
                    wall: f.wall,
                    cpu: f.cpu,
                    max_rss: f.max_rss,
                })
            }
            (code, passed, failed, sent) => Err(format!(
                "{what}: hurl did not pass all {flows} flows with {requests} requests (exit \
                 {code:?}, {passed:?} succeeded, {failed:?} failed, {sent:?} requests): a \
                 benchmark of a failing run is meaningless\n{}",
                f.tails()
            )),
        }
    }
}

/// Hurl's row of part 1, under the other clients' (`harness` and `raw` are their median
/// rounds), and conform's ratio to it; or the note saying why Hurl was not measured.
pub fn print(measured: &Measured, harness: &Sample, raw: &Sample) {
    let r = match measured {
        Ok(r) => r,
        Err(note) => {
            println!("   Hurl: not measured: {note}");
            return;
        }
    };
    let Some(m) = crate::median(&r.rounds) else {
        println!("   Hurl: no rounds ran");
        return;
    };
    println!(
        "   {:<40} {:>9.0} {:>7.0}% {:>10.0} {:>11.3} {:>6.1} MiB",
        format!("hurl --test --jobs {JOBS}, no report"),
        m.rate(),
        crate::spread(&r.rounds),
        crate::ms(m.wall),
        m.cpu_ms_per_flow(),
        crate::mib(m.max_rss)
    );
    let ratio = harness.rate() / m.rate();
    println!(
        "   conform / hurl = {ratio:.2}   (goal >= 5: {}; harness / raw = {:.2} above)",
        crate::verdict(ratio >= 5.0),
        harness.rate() / raw.rate()
    );
    // On a loaded machine the rates swing; CPU per flow is what the ratio comes to when the
    // cores are the limit, and it holds still.
    println!(
        "   CPU per flow, hurl / conform = {:.2}",
        m.cpu_ms_per_flow() / harness.cpu_ms_per_flow().max(f64::EPSILON)
    );
    println!(
        "   ({}: the same {} requests with {} asserts and {} captures per flow, one file per \
         flow; Hurl cannot validate requests or responses against the OpenAPI schema, which \
         conform does on every exchange, so conform does more per flow; Hurl's fixed cost, a \
         run of {} flows: {:.0} ms wall)",
        r.version,
        r.requests,
        r.asserts,
        r.captures,
        crate::JOBS,
        crate::ms(r.check_run.wall)
    );
}

/// `--hurl-flow`: prints the flow in Hurl's language, as the benchmark writes it.
pub fn print_flow() -> std::process::ExitCode {
    match flow() {
        Ok(f) => {
            print!("{}", f.text);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flow: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
