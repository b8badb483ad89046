//! `conform run`: counts the files, assembles the targets ([`TargetSources`]), starts the mocks
//! when no target is given, streams the run to the live reporter, the collector of failures and
//! the report writer (the report files are written as scenarios finish), then prints the final
//! report.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use conform::report::collect::Collector;
use conform::report::events::{Fanout, JsonLines};
use conform::report::progress::{Human, Verbosity};
use conform::report::stream::ReportWriter;
use conform::report::terminal;
use conform::run::{EventSink, ExitCode, Inputs, RunOptions, Runner};
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
    let total = count_files(paths)?;
    if total == 0 {
        anyhow::bail!("no scenario under {}", where_());
    }
    // Parse everything the user wrote before starting anything, so mistakes fail fast.
    let sources = TargetSources::parse(&args.targets, args.targets_file.as_deref())
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let inputs = Arc::new(Inputs::parse(&args.vars, args.env_file.as_deref())?);
    let registry = Arc::new(Registry::new(&args.specs));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The terminal needs the failures and the warnings; the report files are streamed to the
    // report folder as scenarios finish, so a long run keeps no row per scenario.
    let collector = Arc::new(Collector::new(false));
    let reports =
        (!args.no_report).then(|| Arc::new(ReportWriter::new(&args.report, registry.clone())));
    let summary = runtime.block_on(async {
        let client = conform::run::http_client().context("cannot build the HTTP client")?;
        let embedded = sources.uses_embedded_mocks();
        let mut targets = sources
            .resolve(&client, &|name| {
                // Empty counts as unset, as `config::process_env` has it.
                inputs.env(name).filter(|v| !v.is_empty())
            })
            .await
            .map_err(|d| anyhow::anyhow!("{d}"))?;
        // No target given: the embedded mocks are the target, on ephemeral ports for this run.
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
            options(&args, inputs.clone()),
        ));
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
        let sink: Arc<dyn EventSink> = Arc::new(Fanout(sinks));
        let summary = runner
            .run(
                Discovery::new(paths),
                Some(total),
                args.select.selection(),
                sink,
            )
            .await;
        for m in mocks {
            m.stop().await;
        }
        anyhow::Ok(summary)
    })?;
    if summary.counts.total == 0 {
        let shard = args
            .select
            .partition
            .map(|p| format!(" (shard {p} is empty)"))
            .unwrap_or_default();
        anyhow::bail!("no scenario selected under {}{shard}", where_());
    }
    let collected = collector.take(&summary);
    if args.format == Format::Human {
        let line = terminal::summary(&summary.counts, summary.duration);
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
    // Reports are written whatever the outcome and do not change the exit code; only failing to
    // write them does: that is an environment error (exit 2), which CI must not take for green.
    let mut code = summary.counts.exit_code();
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
    Ok(code)
}
