//! What `conform run` and `conform fuzz` share: the specs (`--spec`, the targets file's `spec:`,
//! `--specs`) and the targets ([`TargetSources`]) read before anything starts ([`Prepared`]);
//! then, in the runtime, the mocks started when no target is given, the client, the [`Runner`],
//! the Ctrl-C watch and the event sinks (live output, the collector of failures, the streamed
//! report files) ([`Started`]); and at the end the final report and the exit code.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use conform::har::Recorder;
use conform::report::collect::{Collected, Collector};
use conform::report::events::{Fanout, JsonLines};
use conform::report::progress::{Human, Verbosity};
use conform::report::stream::ReportWriter;
use conform::report::terminal;
use conform::run::{EventSink, ExitCode, Inputs, Interrupt, RunOptions, RunSummary, Runner};
use conform::spec::Registry;
use conform::target::sources::TargetSources;

use super::args::{Format, OutputArgs, SessionArgs};

/// Everything the user wrote, parsed and checked before anything starts.
pub struct Prepared {
    pub registry: Arc<Registry>,
    pub sources: TargetSources,
    pub inputs: Arc<Inputs>,
    /// `--record`: opened now, so a path that cannot be written fails before anything runs.
    pub recorder: Option<Arc<Recorder>>,
}

pub fn prepare(args: &SessionArgs) -> anyhow::Result<Prepared> {
    let mut sources = TargetSources::parse(
        &args.targets,
        args.targets_file.as_deref(),
        conform::vendor::VENDORS,
    )
    .map_err(|d| anyhow::anyhow!("{d}"))?;
    let inputs = Arc::new(Inputs::parse(&args.vars, args.env_file.as_deref())?);
    // `--spec` first: it wins over the targets file's `spec:`.
    let mut spec_files = args.specs.files()?;
    sources
        .add_spec_files(&mut spec_files)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let registry = Arc::new(Registry::with_files(&args.specs.specs, spec_files));
    sources.use_spec_servers(&registry, |api| conform::mock::APIS.contains(&api));
    let recorder = match &args.record {
        Some(path) => Some(Arc::new(
            Recorder::create(path).map_err(|e| anyhow::anyhow!("--record {e}"))?,
        )),
        None => None,
    };
    Ok(Prepared {
        registry,
        sources,
        inputs,
        recorder,
    })
}

/// The run's options from the shared switches; each command adds its own.
pub fn options(args: &SessionArgs, inputs: Arc<Inputs>) -> RunOptions {
    let mut options = RunOptions {
        inputs,
        strict: args.strict,
        step_timeout: args.step_timeout,
        dry_run: args.dry_run,
        allow_writes: args.allow_writes,
        rate: args.rate,
        interrupt: Interrupt::new(args.cleanup_timeout),
        max_body: args.max_body,
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    options
}

/// A run in progress: its runner, where its events go, and what to stop at the end.
pub struct Started {
    pub runner: Arc<Runner>,
    pub sink: Arc<dyn EventSink>,
    pub collector: Arc<Collector>,
    pub reports: Option<Arc<ReportWriter>>,
    /// `--min-coverage`: counts the statuses the run returned, judged at the end.
    gate: Option<super::gate::GateRun>,
    recorder: Option<Arc<Recorder>>,
    registry: Arc<Registry>,
    mocks: Vec<conform::mock::Running>,
    signals: tokio::task::JoinHandle<()>,
}

/// Starts the mocks when no target is given, builds the client and the runner (with
/// `sources`, scenario texts by path), watches for Ctrl-C and assembles the sinks.
pub async fn start(
    args: &SessionArgs,
    prepared: Prepared,
    options: RunOptions,
    sources: HashMap<PathBuf, String>,
    color: bool,
) -> anyhow::Result<Started> {
    let embedded = prepared.sources.uses_embedded_mocks();
    // No target given: the embedded mocks are the target, on ephemeral ports for this run,
    // started first so that the client reaches them directly whatever the proxy variables.
    let (mock_targets, mocks) = if embedded {
        conform::mock::start_all(&Default::default()).await?
    } else {
        Default::default()
    };
    let direct = mocks.iter().map(|m| m.base_url.clone()).collect();
    let client_options = args.net.client_options(direct);
    args.net.announce(
        &client_options,
        !embedded || prepared.sources.uses_spec_servers(),
    )?;
    let client = client_options.build()?;
    let inputs = prepared.inputs.clone();
    let mut targets = prepared
        .sources
        .resolve(&client, &prepared.registry, &|name| {
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
    let interrupt = options.interrupt.clone();
    let runner = Arc::new(
        Runner::new(
            prepared.registry.clone(),
            Arc::new(targets),
            client,
            options,
        )
        .with_sources(sources),
    );
    // Ctrl-C from now on winds the run down (clean-up, reports, exit 130), not the process.
    let signals = tokio::spawn(super::signals::watch(interrupt, runner.in_flight()));
    let live: Arc<dyn EventSink> = match args.output.format {
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
    // The terminal needs the failures and the warnings; the report files are streamed to the
    // report folder as scenarios finish, so a long run keeps no row per scenario.
    let collector = Arc::new(Collector::new(false));
    let registry = prepared.registry.clone();
    let reports = (!args.output.no_report).then(|| {
        let writer = ReportWriter::new(&args.output.report, registry.clone());
        Arc::new(
            writer
                .insecure(args.net.insecure)
                .gate(args.gate.min_coverage),
        )
    });
    let gate = super::gate::GateRun::new(&args.gate);
    let mut sinks: Vec<Arc<dyn EventSink>> = vec![live, collector.clone()];
    if let Some(r) = &reports {
        sinks.push(r.clone());
    }
    if let Some(g) = &gate {
        sinks.push(g.sink());
    }
    if let Some(r) = &prepared.recorder {
        sinks.push(r.clone());
    }
    Ok(Started {
        runner,
        sink: Arc::new(Fanout(sinks)),
        collector,
        reports,
        gate,
        recorder: prepared.recorder,
        registry,
        mocks,
        signals,
    })
}

impl Started {
    /// Stops the mocks; what is left to do (the final report) needs no runtime.
    pub async fn stop_mocks(&mut self) {
        for m in std::mem::take(&mut self.mocks) {
            m.stop().await;
        }
    }

    /// Where every exchange goes besides the live sinks (`--record`), for a command whose
    /// steps do not reach the run's sink (`fuzz` streams one result per operation).
    pub fn traffic(&self) -> Option<Arc<dyn EventSink>> {
        self.recorder.clone().map(|r| -> Arc<dyn EventSink> { r })
    }

    /// Prints the final report (`extra` lines before the summary line), writes the report
    /// files, and gives the exit code: the run's, or 2 when the reports cannot be written.
    pub fn finish(
        self,
        args: &SessionArgs,
        summary: &RunSummary,
        extra: &str,
        color: bool,
    ) -> ExitCode {
        let collected = self.collector.take(summary);
        let verdict = self.gate.as_ref().map(|g| g.judge(&self.registry));
        let mut line = terminal::summary(&summary.counts, summary.duration);
        if let Some(v) = &verdict {
            line = format!("{line}\n{}", terminal::gate(v));
        }
        if let Some(signal) = summary.interrupted {
            line = format!(
                "interrupted by {signal}; the interrupted scenarios are marked in the reports\n{line}"
            );
        }
        if !extra.is_empty() {
            line = format!("{extra}\n{line}");
        }
        // A coverage gate not met fails a run that conforms (the library's policy).
        let printed = args.output.format == Format::Human;
        let code = super::gate::exit_code(verdict.as_ref(), summary.exit_code(), printed);
        let mut code = conclude(
            &args.output,
            args.quiet,
            &collected,
            &line,
            self.reports,
            code,
            color,
        );
        if let (Some(recorder), Some(path)) = (&self.recorder, &args.record) {
            let r = recorder
                .finish()
                .map(|n| format!("recorded: {n} exchange(s) in {}", path.display()));
            said(r, &args.output, args.quiet, &mut code);
        }
        self.signals.abort();
        code
    }
}

/// Prints the final report (`line` its summary) and finishes the report files. Reports are
/// written whatever the outcome and do not change the exit code `code`; only failing to write
/// them does: that is an environment error (exit 2), which CI must not take for green.
pub fn conclude(
    output: &OutputArgs,
    quiet: bool,
    collected: &Collected,
    line: &str,
    reports: Option<Arc<ReportWriter>>,
    mut code: ExitCode,
    color: bool,
) -> ExitCode {
    if output.format == Format::Human {
        out!(
            "{}",
            terminal::final_report(
                &collected.failing(),
                &collected.warnings,
                line,
                color,
                quiet
            )
        );
    }
    if let Some(reports) = reports {
        let r = reports
            .finish()
            .map(|_| format!("reports: {}", output.report.display()));
        said(r, output, quiet, &mut code);
    }
    code
}

/// What was written, said in human output unless quiet; what could not be, on stderr with
/// exit code 2.
pub fn said<E: std::fmt::Display>(
    r: Result<String, E>,
    output: &OutputArgs,
    quiet: bool,
    code: &mut ExitCode,
) {
    match r {
        Ok(line) if output.format == Format::Human && !quiet => outln!("{line}"),
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: {e}");
            *code = (*code).max(ExitCode::Errors);
        }
    }
}
