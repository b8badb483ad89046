//! `conform run`: counts the files, assembles the specs (`--spec`, the targets file's `spec:`,
//! `--specs`) and the targets ([`TargetSources`]), starts the mocks when no target is given,
//! prints where every other API's calls go, streams the run to the live reporter, the collector
//! of failures and the report writer (the report files are written as scenarios finish), then
//! prints the final report.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use conform::report::collect::Collector;
use conform::report::events::{Fanout, JsonLines};
use conform::report::progress::{Human, Verbosity};
use conform::report::stream::ReportWriter;
use conform::report::terminal;
use conform::run::{EventSink, ExitCode, Inputs, Interrupt, RunOptions, Runner};
use conform::scenario::Discovery;
use conform::spec::Registry;
use conform::target::sources::TargetSources;

use super::args::{Format, RunArgs};

/// How many scenario files the paths hold (a walk that reads none of them), or the first path
/// that cannot be walked.
fn count_files(paths: &[PathBuf]) -> anyhow::Result<usize> {
    let mut n = 0;
    for f in Discovery::new(paths) {
        f.map_err(|d| anyhow::anyhow!("{d}"))?;
        n += 1;
    }
    Ok(n)
}

fn options(args: &RunArgs, inputs: Arc<Inputs>) -> RunOptions {
    let mut options = RunOptions {
        inputs,
        fail_fast: args.fail_fast,
        strict: args.strict,
        step_timeout: args.step_timeout,
        dry_run: args.dry_run,
        allow_writes: args.allow_writes,
        rate: args.rate,
        min_poll_timeout: args.min_poll_timeout,
        interrupt: Interrupt::new(args.cleanup_timeout),
        max_body: args.max_body,
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    options
}

pub fn run(args: RunArgs, color: bool) -> anyhow::Result<ExitCode> {
    let paths = &args.select.paths;
    let where_ = || {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // `--examples` reads no scenario path: its scenarios are counted once the specs are read.
    let mut total = match args.examples {
        Some(_) => 0,
        None => count_files(paths)?,
    };
    if total == 0 && args.examples.is_none() {
        anyhow::bail!("no scenario under {}", where_());
    }
    // Parse everything the user wrote before starting anything, so mistakes fail fast.
    let mut sources = TargetSources::parse(&args.targets, args.targets_file.as_deref())
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let inputs = Arc::new(Inputs::parse(&args.vars, args.env_file.as_deref())?);
    // `--spec` first: it wins over the targets file's `spec:`.
    let mut spec_files = args.specs.files()?;
    sources
        .add_spec_files(&mut spec_files)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let registry = Arc::new(Registry::with_files(&args.specs.specs, spec_files));
    sources.use_spec_servers(&registry, |api| conform::mock::APIS.contains(&api));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // `--examples`: the specs' request examples stand in for the scenario files.
    let examples = match &args.examples {
        Some(apis) => Some(super::examples::collect(&registry, apis)?),
        None => None,
    };
    if let Some(e) = &examples {
        if e.found.is_empty() {
            let under = args.specs.specs.display();
            anyhow::bail!("no request example in the specs under {under}");
        }
        total = e.found.len();
    }
    // The terminal needs the failures and the warnings; the report files are streamed to the
    // report folder as scenarios finish, so a long run keeps no row per scenario.
    let collector = Arc::new(Collector::new(false));
    let reports = (!args.no_report).then(|| {
        let writer = ReportWriter::new(&args.report, registry.clone());
        Arc::new(
            writer
                .insecure(args.net.insecure)
                .gate(args.gate.min_coverage),
        )
    });
    let gate = super::gate::GateRun::new(&args.gate);
    let (summary, signals) = runtime.block_on(async {
        let embedded = sources.uses_embedded_mocks();
        // No target given: the embedded mocks are the target, on ephemeral ports for this run,
        // started first so that the client reaches them directly whatever the proxy variables.
        let (mock_targets, mocks) = if embedded {
            conform::mock::start_all(&Default::default()).await?
        } else {
            Default::default()
        };
        let direct = mocks.iter().map(|m| m.base_url.clone()).collect();
        let client_options = args.net.client_options(direct);
        args.net
            .announce(&client_options, !embedded || sources.uses_spec_servers())?;
        let client = client_options.build()?;
        let mut targets = sources
            .resolve(&client, &registry, &|name| {
                // Empty counts as unset, as `config::process_env` has it.
                inputs.env(name).filter(|v| !v.is_empty())
            })
            .await
            .map_err(|d| anyhow::anyhow!("{d}"))?;
        // Before anything is sent, where it goes: whatever `--quiet`, like the proxies, since a
        // spec's `servers:` may name a host the user never typed.
        for line in targets.routes() {
            eprintln!("target: {line}");
        }
        targets.extend(mock_targets);
        let options = options(&args, inputs.clone());
        let interrupt = options.interrupt.clone();
        let (found, sources): (Box<dyn Iterator<Item = _>>, _) = match examples {
            Some(e) => (Box::new(e.found.into_iter().map(Ok)), e.sources),
            None => (Box::new(Discovery::new(paths)), Default::default()),
        };
        let runner = Arc::new(
            Runner::new(registry.clone(), Arc::new(targets), client, options).with_sources(sources),
        );
        // Ctrl-C from now on winds the run down (clean-up, reports, exit 130), not the process.
        let signals = tokio::spawn(super::signals::watch(interrupt, runner.in_flight()));
        let live: Arc<dyn EventSink> = match args.format {
            Format::Json => Arc::new(JsonLines::new(std::io::stdout())),
            Format::Human => {
                let bar = !args.quiet && std::io::stdout().is_terminal();
                let verbosity = Verbosity::of_count(args.verbose);
                Arc::new(
                    Human::new(color, args.quiet, bar)
                        .dry_run(args.dry_run)
                        .verbosity(verbosity),
                )
            }
        };
        let mut sinks: Vec<Arc<dyn EventSink>> = vec![live, collector.clone()];
        if let Some(r) = &reports {
            sinks.push(r.clone());
        }
        if let Some(g) = &gate {
            sinks.push(g.sink());
        }
        let sink: Arc<dyn EventSink> = Arc::new(Fanout(sinks));
        let summary = runner
            .run(found, Some(total), args.select.selection(), sink)
            .await;
        for m in mocks {
            m.stop().await;
        }
        // A second signal during report writing still exits at once.
        anyhow::Ok((summary, signals))
    })?;
    if summary.counts.total == 0 && summary.interrupted.is_none() {
        let shard = args
            .select
            .partition
            .map(|p| format!(" (shard {p} is empty)"))
            .unwrap_or_default();
        anyhow::bail!("no scenario selected under {}{shard}", where_());
    }
    let collected = collector.take(&summary);
    let verdict = gate.map(|g| g.judge(&registry));
    if args.format == Format::Human {
        let mut line = terminal::summary(&summary.counts, summary.duration);
        if let Some(v) = &verdict {
            line = format!("{line}\n{}", terminal::gate(v));
        }
        if let Some(signal) = summary.interrupted {
            line = format!(
                "interrupted by {signal}; the interrupted scenarios are marked in the reports\n{line}"
            );
        }
        out!(
            "{}",
            terminal::final_report(
                &collected.failing(),
                &collected.warnings,
                &line,
                color,
                args.quiet
            )
        );
    }
    // A coverage gate not met fails a run that conforms (the library's policy). Reports are
    // written whatever the outcome and do not change the exit code; only failing to write them
    // does: that is an environment error (exit 2), which CI must not take for green.
    let printed = args.format == Format::Human;
    let mut code = super::gate::exit_code(verdict.as_ref(), summary.exit_code(), printed);
    if let Some(reports) = reports {
        match reports.finish() {
            Ok(_) if args.format == Format::Human && !args.quiet => {
                outln!("reports: {}", args.report.display());
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: {e}");
                code = code.max(ExitCode::Errors);
            }
        }
    }
    signals.abort();
    Ok(code)
}
