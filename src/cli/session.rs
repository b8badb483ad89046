//! What `conform run` and `conform fuzz` share: the specs (`--spec`, the targets file's `spec:`,
//! `--specs`) and the targets ([`TargetSources`]) read before anything starts ([`Prepared`]);
//! then, in the runtime, the mocks started when no target is given, the client, the [`Runner`],
//! the Ctrl-C watch and the event sinks (live output, the collector of failures, the streamed
//! report files) ([`Started`]); and at the end the final report and the exit code.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use conform::har::Recorder;
use conform::openapi::Registry;
use conform::remedy::{Remedies, Setting};
use conform::report::sinks::{Live, Sinks};
use conform::run::{ExitCode, InputError, Inputs, Interrupt, RunOptions, RunSummary, Runner};
use conform::targets::sources::TargetSources;

use super::args::SessionArgs;

/// Everything the user wrote, parsed and checked before anything starts.
pub struct Prepared {
    pub registry: Arc<Registry>,
    pub sources: TargetSources,
    pub inputs: Arc<Inputs>,
    /// `--record`: opened now, so a path that cannot be written fails before anything runs.
    pub recorder: Option<Arc<Recorder>>,
    /// `--header`s, checked: sent to every target.
    pub headers: Vec<(String, String)>,
}

/// A `--header 'Name: value'`, checked as the targets file's `headers:` are.
pub fn parse_header(arg: &str) -> anyhow::Result<(String, String)> {
    let form = "expected `--header 'Name: value'`, such as `--header 'Authorization: token abc'`";
    let Some((name, value)) = arg.split_once(':') else {
        anyhow::bail!("--header {arg:?} has no `:`: {form}");
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        anyhow::bail!("--header {arg:?} has no name before `:`: {form}");
    }
    conform::targets::config::check_header(name, value)
        .map_err(|e| anyhow::anyhow!("--header {arg:?}: {e}: {form} ({})", e.fix()))?;
    Ok((name.to_owned(), value.to_owned()))
}

pub fn prepare(args: &SessionArgs) -> anyhow::Result<Prepared> {
    let mut sources = TargetSources::parse_named(
        &args.targets,
        args.targets_file.as_deref(),
        conform::vendor::VENDORS,
        Arc::new(Flags),
    )
    .map_err(|d| anyhow::anyhow!("{d}"))?;
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let inputs = Arc::new(Inputs::parse(&args.vars, args.env_file.as_deref()).map_err(var_error)?);
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
        headers,
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
        remedies: Arc::new(Flags),
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        options.jobs = j.max(1);
    }
    options
}

/// The settings the library's messages ask to change, as this command line's flags.
#[derive(Debug)]
pub struct Flags;

/// The flag that gives `setting`.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::FailFast => "--fail-fast",
        Setting::CleanupTimeout => "--cleanup-timeout",
        Setting::Strict => "--strict",
        Setting::Insecure => "--insecure",
        Setting::MinCoverage => "--min-coverage",
        Setting::Target => "--target",
        Setting::MaxBody => "--max-body",
        Setting::Timeout => "--timeout",
        Setting::Spec => "--spec",
    }
}

impl Remedies for Flags {
    fn give_target(&self, api: &str) -> String {
        format!("pass `--target {api}=http://host:port`")
    }

    fn allow_writes(&self) -> String {
        "pass `--allow-writes` to confirm, `--dry-run` to see the requests, or `--tag` a \
         read-only subset"
            .into()
    }

    fn give_var(&self) -> String {
        "pass `--var NAME=VALUE`".into()
    }

    fn name(&self, setting: Setting) -> String {
        flag(setting).into()
    }

    fn send_credentials(&self) -> String {
        "pass `--header 'Authorization: ...'` (or the header the API wants), or add `headers:` \
         to its targets-file entry"
            .into()
    }
}

/// `e`, with the flags that gave the variable: the library's words name none.
fn var_error(e: InputError) -> anyhow::Error {
    match e {
        InputError::NoEquals { arg } => anyhow::anyhow!(
            "--var `{arg}`: expected NAME=VALUE (for example `--var site_id=le92186583`)"
        ),
        InputError::EmptyName { value_hint } => anyhow::anyhow!(
            "--var `={value_hint}`: the name before `=` is empty; write `--var NAME=VALUE`"
        ),
        InputError::BadName { name } => anyhow::anyhow!(
            "--var `{name}`: a name uses letters, digits, `_`, `-` and `.`, and `env.` names come from the environment (export it or use --env-file)"
        ),
        other => other.into(),
    }
}

/// A run in progress: its runner, where its events go, and what to stop at the end.
pub struct Started {
    pub runner: Arc<Runner>,
    pub sinks: Sinks,
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
        errln!("target: {line}");
    }
    targets.extend(mock_targets);
    // After the targets file's `headers:`: the command line wins.
    targets.add_headers(&prepared.headers);
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
    let mut live = super::sinks::live(&args.output, color, args.quiet, args.verbose, true);
    if let Live::Human(view) = &mut live {
        view.dry_run = args.dry_run;
    }
    let sinks = super::sinks::builder(prepared.registry.clone(), &args.output, live)
        .insecure(args.net.insecure)
        .gate(args.gate.min_coverage)
        .recording(super::sinks::recording(prepared.recorder.as_ref()))
        .build();
    Ok(Started {
        runner,
        sinks,
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

    /// Prints the final report (`extra` lines before the summary line), writes the report
    /// files, and gives the exit code: the run's, or 2 when the reports cannot be written.
    pub fn finish(
        self,
        args: &SessionArgs,
        summary: &RunSummary,
        extra: &str,
        color: bool,
    ) -> ExitCode {
        let ending = self.sinks.finish(summary);
        let code = super::sinks::conclude(ending, &args.output, args.quiet, extra, color);
        self.signals.abort();
        code
    }
}
