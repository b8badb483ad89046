//! The `conform` command line: parses arguments, calls the library, prints, and maps the result
//! class to the exit code (0 conform, 1 violations, 2 errors in scenarios, specs, config, usage).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use conform::report::events::JsonLines;
use conform::report::progress::Human;
use conform::run::{EventSink, RunOptions, Runner};
use conform::scenario::{self, Found};
use conform::spec::Registry;
use conform::target::{Targets, config};

/// Writes to stdout, ignoring a closed pipe (`conform list | head`): the reader has what it
/// wanted, which is not an error worth a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "conform",
    version,
    about = "Contract-conformance harness: YAML scenarios against HTTP APIs, checked against OpenAPI 3.1 specs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios against targets and check every response.
    Run(RunArgs),
    /// List the scenarios that a run with the same selection would run.
    List(SelectArgs),
    /// Print the JSON Schema of scenario files (for editors).
    Schema,
    /// Serve built-in mocks on 127.0.0.1 until interrupted.
    Mock(MockArgs),
    /// Work on the API specs (`specs check`: the linter).
    #[command(subcommand)]
    Specs(SpecsCommand),
    /// Draft an OpenAPI operation from an API page's tables; print disagreements with its examples.
    Derive(DeriveArgs),
}

#[derive(Args)]
struct DeriveArgs {
    /// The page: Markdown pipe tables or reStructuredText grid tables.
    doc: PathBuf,
    /// The page's format [default: guessed from the content].
    #[arg(long, value_enum)]
    format: Option<conform::derive::Format>,
}

#[derive(Subcommand)]
enum SpecsCommand {
    /// Lint specs: OpenAPI 3.1, JSON Schema 2020-12, examples, refs, operations; exit 2 on any problem.
    Check {
        /// APIs to check [default: every folder of --specs with an openapi.yaml].
        apis: Vec<String>,
        /// Where the API specs are.
        #[arg(long, default_value = "specs")]
        specs: PathBuf,
    },
}

#[derive(Args)]
struct MockArgs {
    /// APIs to serve [default: all that have a mock].
    apis: Vec<String>,
    /// Port of the first mock; the next ones take the following ports [default: ephemeral].
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Break one rule on purpose (see `--list-faults`).
    #[arg(long)]
    fault: Option<conform::mock::Fault>,
    /// Print the fault profiles, one line each, and exit.
    #[arg(long)]
    list_faults: bool,
}

#[derive(Args)]
struct SelectArgs {
    /// Scenario files or folders.
    #[arg(default_value = "cases")]
    paths: Vec<PathBuf>,
    /// Only scenarios whose id or name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Only scenarios with this tag (repeat for any of several).
    #[arg(long = "tag")]
    tags: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Where the API specs are.
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// `API=URL` for one API, or `URL` for all (repeatable); overrides the targets file.
    #[arg(long = "target", value_name = "API=URL")]
    targets: Vec<String>,
    /// A targets file (see `targets.example.yaml`): each API's URL and credential convention;
    /// the credentials themselves come from the environment.
    #[arg(long = "targets", value_name = "FILE", env = "CONFORM_TARGETS")]
    targets_file: Option<PathBuf>,
    /// Scenarios in flight at once [default: 4 x CPUs, 4..=32].
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Stop starting scenarios after the first failure.
    #[arg(long)]
    fail_fast: bool,
    /// Apply the vendors' documented tables literally (`x-conform-strict` in specs).
    #[arg(long)]
    strict: bool,
    /// Timeout of one HTTP exchange, for steps that set none (for example `5s`).
    #[arg(long, value_parser = parse_dur, default_value = "30s")]
    step_timeout: std::time::Duration,
    /// Build, sign and print every request (credentials redacted), send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Confirm running scenarios that change state on targets that are not mocks or local.
    #[arg(long)]
    allow_writes: bool,
    /// At most this many requests per second to each API's target.
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Every `until` poll waits at least this long (for example `10m` for a real vendor,
    /// slower than the mocks the scenarios' own retry timeouts are tuned for).
    #[arg(long, value_parser = parse_dur, default_value = "0s")]
    min_poll_timeout: std::time::Duration,
    /// Print only failures and the summary; no progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Folder for junit.xml, report.json, report.html and summary.md (written atomically).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    report: PathBuf,
    /// Write no report files.
    #[arg(long, conflicts_with = "report")]
    no_report: bool,
    /// Live output on stdout: `human` lines, or `json`, one event per line for other tools.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let result = match cli.command {
        Command::Run(args) => run(args, color),
        Command::List(args) => list(args),
        Command::Mock(args) => mock(args),
        Command::Specs(SpecsCommand::Check { apis, specs }) => specs_check(&specs, apis),
        Command::Derive(args) => derive(&args),
        Command::Schema => {
            let text =
                serde_json::to_string_pretty(&conform::scenario_schema()).unwrap_or_default();
            outln!("{text}");
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Scenarios selected by paths, filter and tags. Files that do not parse are kept: their error
/// must be seen, whatever the filter.
/// A selected file with its name and tags, `None` when it does not parse.
type Selected = (Found, Option<(String, Vec<String>)>);

fn select(args: &SelectArgs) -> anyhow::Result<Vec<Selected>> {
    let found = scenario::discover(&args.paths).map_err(|d| anyhow::anyhow!("{d}"))?;
    let mut out = Vec::new();
    for f in found {
        let meta = scenario::load(&f.path).ok().map(|(s, _)| {
            (
                s.name.value.clone(),
                s.tags.iter().map(|t| t.value.clone()).collect::<Vec<_>>(),
            )
        });
        if let Some((name, tags)) = &meta {
            if let Some(text) = &args.filter
                && !f.id.contains(text.as_str())
                && !name.contains(text.as_str())
            {
                continue;
            }
            if !args.tags.is_empty() && !args.tags.iter().any(|t| tags.contains(t)) {
                continue;
            }
        }
        out.push((f, meta));
    }
    Ok(out)
}

fn list(args: SelectArgs) -> anyhow::Result<u8> {
    let mut code = 0;
    for (f, meta) in select(&args)? {
        match meta {
            Some((name, tags)) => outln!("{}\t{}\t[{}]", f.id, name, tags.join(", ")),
            None => {
                outln!("{}\t(does not parse)", f.id);
                code = 2;
            }
        }
    }
    Ok(code)
}

fn run(args: RunArgs, color: bool) -> anyhow::Result<u8> {
    let selected = select(&args.select)?;
    if selected.is_empty() {
        anyhow::bail!(
            "no scenario selected under {}",
            args.select
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Parse everything the user wrote before starting anything, so mistakes fail fast.
    let mut cli_targets = Targets::default();
    for t in &args.targets {
        cli_targets
            .parse_arg(t)
            .map_err(|d| anyhow::anyhow!("{d}"))?;
    }
    let file_entries = match &args.targets_file {
        Some(path) => Some((
            path.clone(),
            config::load(path).map_err(|d| anyhow::anyhow!("{d}"))?,
        )),
        None => None,
    };
    let embedded = cli_targets.is_empty() && file_entries.is_none();
    let registry = Arc::new(Registry::new(&args.specs));
    let mut options = RunOptions {
        fail_fast: args.fail_fast,
        strict: args.strict,
        step_timeout: args.step_timeout,
        dry_run: args.dry_run,
        allow_writes: args.allow_writes,
        rate: args.rate,
        min_poll_timeout: args.min_poll_timeout,
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        // No target given: the embedded mocks are the target, on ephemeral ports for this run.
        let client = conform::run::http_client().context("cannot build the HTTP client")?;
        let mut targets = Targets::default();
        if let Some((path, entries)) = &file_entries {
            targets = config::resolve(path, entries, &client, &config::process_env)
                .await
                .map_err(|d| anyhow::anyhow!("{d}"))?;
        }
        targets.extend(cli_targets);
        let mut mocks = Vec::new();
        if embedded {
            let (mock_targets, running) = conform::mock::start_all(&Default::default()).await?;
            targets.extend(mock_targets);
            mocks = running;
        }
        let runner = Arc::new(Runner::new(
            registry.clone(),
            Arc::new(targets),
            client,
            options,
        ));
        let sink: Arc<dyn EventSink> = match args.format {
            Format::Json => Arc::new(JsonLines::new(std::io::stdout())),
            Format::Human => {
                let bar = !args.quiet && std::io::stdout().is_terminal();
                Arc::new(Human::new(color, args.quiet, bar).dry_run(args.dry_run))
            }
        };
        let found = selected.into_iter().map(|(f, _)| f).collect();
        let result = runner.run(found, sink).await;
        for m in mocks {
            m.stop().await;
        }
        anyhow::Ok(result)
    })?;
    if args.format == Format::Human {
        out!(
            "{}",
            conform::report::terminal::final_report(&result, color)
        );
    }
    // Reports are written whatever the outcome and do not change the exit code; only failing to
    // write them does: that is an environment error (exit 2), which CI must not take for green.
    let mut code = result.exit_code() as u8;
    if !args.no_report {
        match conform::report::write::write_all(&args.report, &result, &registry) {
            Ok(_) if args.format == Format::Human && !args.quiet => {
                outln!("reports: {}", args.report.display());
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {e}");
                code = code.max(2);
            }
        }
    }
    Ok(code)
}

fn mock(args: MockArgs) -> anyhow::Result<u8> {
    if args.list_faults {
        for f in conform::mock::Fault::ALL {
            outln!("{:<24} {}", f.name(), f.description());
        }
        return Ok(0);
    }
    let options = conform::mock::MockOptions {
        fault: args.fault,
        ..Default::default()
    };
    let apis: Vec<String> = if args.apis.is_empty() {
        conform::mock::APIS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        args.apis
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut running = Vec::new();
        for (i, api) in apis.iter().enumerate() {
            let port = if args.port == 0 {
                0
            } else {
                args.port.saturating_add(i as u16)
            };
            let m = conform::mock::start(api, port, &options)
                .await
                .with_context(|| format!("cannot serve `{api}`"))?;
            outln!("{api}\t{}", m.base_url);
            for (what, value) in conform::mock::credentials(api) {
                // Ports are ephemeral: show the real URL where a credential line refers to it.
                let value = value.replace("<the base URL above>", m.base_url.as_str());
                outln!("  {what}: {value}");
            }
            running.push(m);
        }
        outln!("serving until Ctrl-C");
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        for m in running {
            m.stop().await;
        }
        anyhow::Ok(0)
    })
}

/// `conform specs check`: every problem of every selected spec, then a count.
fn specs_check(root: &std::path::Path, apis: Vec<String>) -> anyhow::Result<u8> {
    let registry = Registry::new(root);
    let apis = if apis.is_empty() {
        registry.api_names()
    } else {
        apis
    };
    if apis.is_empty() {
        anyhow::bail!(
            "no spec under {} (looked for */openapi.yaml)",
            root.display()
        );
    }
    let mut total = 0;
    for api in &apis {
        let path = root.join(api).join("openapi.yaml");
        if !path.is_file() {
            anyhow::bail!("no spec for API `{api}`: {} does not exist", path.display());
        }
        let problems = conform::spec::lint::lint_file(&path);
        if problems.is_empty() {
            println!("{}: ok", path.display());
        }
        for p in &problems {
            println!("{p}");
        }
        total += problems.len();
    }
    if total > 0 {
        println!("{total} problem(s) in {} spec(s)", apis.len());
        return Ok(2);
    }
    Ok(0)
}

/// `conform derive`: the draft on stdout; notes and disagreements on stderr, so the draft can
/// be redirected into a file as it is.
fn derive(args: &DeriveArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.doc)
        .with_context(|| format!("cannot read {}", args.doc.display()))?;
    let derived = conform::derive::derive(&text, args.format);
    if derived.fields.is_empty() && derived.statuses.is_empty() {
        anyhow::bail!(
            "found no parameter, response or status table in {} (read as {})",
            args.doc.display(),
            args.format
                .unwrap_or_else(|| conform::derive::Format::guess(&text))
        );
    }
    print!("{}", derived.to_yaml());
    let mut err = std::io::stderr().lock();
    for n in &derived.notes {
        let _ = writeln!(err, "note: {n}");
    }
    if !derived.disagreements.is_empty() {
        let _ = writeln!(
            err,
            "{} disagreement(s) between the tables and the examples of {}:",
            derived.disagreements.len(),
            args.doc.display()
        );
        for d in &derived.disagreements {
            let _ = writeln!(err, "  {d}");
        }
    }
    Ok(0)
}

fn parse_dur(text: &str) -> Result<std::time::Duration, String> {
    conform::scenario::parse_duration(text)
}
