//! The command line's shape: [`Cli`] and each command's arguments (clap derive). Nothing here
//! runs anything; [`super::dispatch`] hands each command to its module.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use conform::scenario::{Partition, Selection};

#[derive(Parser)]
#[command(
    name = "conform",
    version,
    about = "Contract-conformance harness: YAML scenarios against HTTP APIs, checked against OpenAPI 3.1 specs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run scenarios against targets and check every response.
    // Boxed: the run switches outgrow every other command many times over.
    Run(Box<RunArgs>),
    /// Generate requests from the specs (valid, boundary, negative; chained after creates),
    /// check every answer, shrink and save each failure.
    Fuzz(Box<FuzzArgs>),
    /// Check recorded traffic (a HAR file: conform's `--record`, a browser's or mitmproxy's
    /// export) against the specs, offline: reports and exit codes as `run`.
    Check(Box<CheckArgs>),
    /// Compare two recordings of the same scenarios (HAR files) by shape, per operation and
    /// status: fields, JSON types, statuses, headers, Content-Type; values are ignored.
    Diff(DiffArgs),
    /// List the scenarios that a run with the same selection would run.
    List(SelectArgs),
    /// Print the JSON Schema of scenario files (for editors).
    Schema,
    /// Serve built-in mocks on 127.0.0.1 until interrupted.
    Mock(MockArgs),
    /// A validating reverse proxy: clients talk to 127.0.0.1, each exchange goes to the target
    /// unchanged and its answer is checked live; the reports are written at Ctrl-C.
    Proxy(Box<ProxyArgs>),
    /// Work on the API specs (`specs check`: the linter).
    #[command(subcommand)]
    Specs(SpecsCommand),
    /// Draft an OpenAPI operation from an API page's tables; print disagreements with its examples.
    Derive(DeriveArgs),
    /// Write a first scenario corpus for a spec into `cases/<api>/` (existing files are kept).
    Init(super::init::InitArgs),
    /// Write scenarios in another format: `--arazzo` for Arazzo 1.0.1 workflows (what Arazzo
    /// cannot say is listed in each document and on stderr); existing files are never replaced.
    Export(Box<super::export::ExportArgs>),
    /// Print a shell completion script (see the README for where each shell reads it).
    Completions(CompletionsArgs),
    /// Print the manual page, conform(1), in roff: every command in one page.
    Man,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh or fish (elvish and powershell work too).
    pub shell: clap_complete::Shell,
}

#[derive(Args)]
pub struct DeriveArgs {
    /// The page: Markdown pipe tables or reStructuredText grid tables.
    pub doc: PathBuf,
    /// The page's format: `markdown` or `rst` [default: guessed from the content].
    #[arg(long, value_parser = parse_format)]
    pub format: Option<conform::derive::Format>,
}

#[derive(Subcommand)]
pub enum SpecsCommand {
    /// Lint specs: OpenAPI 3.1/3.0, JSON Schema 2020-12, examples, refs (across files), operations; exit 2 on any problem.
    Check {
        /// APIs to check [default: every folder of --specs with an openapi.yaml or
        /// openapi.json, and every --spec].
        apis: Vec<String>,
        #[command(flatten)]
        specs: SpecArgs,
    },
}

/// Where the API specs are: every command that reads specs flattens these.
#[derive(Args)]
pub struct SpecArgs {
    /// Where the API specs are: `<api>/openapi.yaml` in this folder.
    #[arg(long, default_value = "specs")]
    pub specs: PathBuf,
    /// The spec of one API, wherever it is: a file, or an http(s) URL fetched once
    /// (repeatable); wins over --specs and a targets file's `spec:`.
    #[arg(long = "spec", value_name = "API=FILE|URL")]
    pub spec_files: Vec<String>,
}

impl SpecArgs {
    /// The `--spec` files, checked (each exists, no API twice) before anything runs.
    pub fn files(&self) -> anyhow::Result<conform::openapi::SpecFiles> {
        conform::openapi::SpecFiles::parse_named(&self.spec_files, &super::session::Flags)
            .map_err(|d| anyhow::anyhow!("{d}"))
    }

    /// The registry over --specs and the `--spec` files.
    pub fn registry(&self) -> anyhow::Result<conform::openapi::Registry> {
        Ok(conform::openapi::Registry::with_files(
            &self.specs,
            self.files()?,
        ))
    }
}

#[derive(Args)]
pub struct MockArgs {
    /// APIs to serve [default: all that have a mock].
    pub apis: Vec<String>,
    /// Port of the first mock; the next ones take the following ports [default: ephemeral].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Break one rule on purpose (see `--list-faults`).
    #[arg(long)]
    pub fault: Option<conform::mock::Fault>,
    /// Print the fault profiles, one line each, and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Answer from this recording (HAR; one API named): each request gets the recorded answer
    /// of its operation and resource ids, what the spec has no operation for goes to the
    /// reference mock.
    #[arg(long, value_name = "FILE.har", conflicts_with = "fault")]
    pub replay: Option<PathBuf>,
    /// With --replay, an operation the recording does not hold as asked: `404` (conform's,
    /// naming the nearest recorded request) or `mock` (the reference mock answers).
    #[arg(long, value_enum, default_value_t = ReplayFallback::NotFound, requires = "replay")]
    pub fallback: ReplayFallback,
    /// With --replay: the specs that name the recording's operations.
    #[command(flatten)]
    pub specs: SpecArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayFallback {
    #[value(name = "404")]
    NotFound,
    Mock,
}

#[derive(Args)]
pub struct ProxyArgs {
    /// `API=URL`: serve API's target URL behind a listener (repeatable; the listeners take
    /// consecutive ports). The listener's root stands for URL.
    #[arg(long = "target", value_name = "API=URL", required = true)]
    pub targets: Vec<String>,
    /// Port of the first listener on 127.0.0.1 [default: ephemeral].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Send the client's `Host` to the target, not the target's own: for clients that sign the
    /// host they were pointed at (a signature such as ACS3) in front of a target that serves any host,
    /// such as the mocks. (A client that uses the proxy as its HTTP proxy keeps its `Host`.)
    #[arg(long)]
    pub preserve_host: bool,
    /// Timeout of one exchange with the target (for example `5s`).
    #[arg(long, value_parser = conform::units::parse_duration, default_value = "30s")]
    pub timeout: std::time::Duration,
    /// Bodies larger than this are not forwarded: the proxy answers 413 or 502 and reports
    /// its own limit, never a violation of the target.
    #[arg(long, value_parser = conform::units::parse_size, default_value = "16MiB")]
    pub max_body: usize,
    /// A header added to every request forwarded to the target (repeatable), such as
    /// `--header 'Authorization: token abc'`; a header of that name the client sends wins.
    /// Credential headers (Authorization, Cookie, names with token, key, secret, auth, session,
    /// password) are redacted everywhere.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Sign every request that matches an operation with the target's own credentials, as
    /// `conform run` does (the vendor's variables in the environment, or `--targets`; the
    /// built-in mock's test key pair when the target is that mock on this machine), replacing
    /// the client's: for clients that cannot sign, such as a workflow runner. A request that
    /// matches no operation goes unsigned, and its verdict says so.
    #[arg(long)]
    pub sign: bool,
    /// A targets file whose entries give `--sign` each API's credentials.
    #[arg(long = "targets", value_name = "FILE", requires = "sign")]
    pub targets_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub specs: SpecArgs,
    /// Apply the vendors' documented tables literally (`x-conform-strict` in specs).
    #[arg(long)]
    pub strict: bool,
    /// Print only failures and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print every exchange in full, passing ones too (redacted); `-vv` adds the headers.
    #[arg(long, short, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Record every exchange as HAR 1.2 into FILE (redacted; completed at Ctrl-C).
    #[arg(long, value_name = "FILE.har")]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub net: super::net::NetArgs,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Args)]
pub struct SelectArgs {
    /// Scenario files or folders.
    #[arg(default_value = "cases")]
    pub paths: Vec<PathBuf>,
    /// Only scenarios whose id or name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Only scenarios with this tag (repeat for any of several).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Only shard M of N: `hash:M/N` by the hash of each scenario id (nextest's split, stable
    /// as files are added), or `count:M/N`, every Nth file in path order.
    #[arg(long, value_name = "hash:M/N")]
    pub partition: Option<Partition>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Stop starting scenarios after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Every `until` poll waits at least this long (for example `10m` for a real vendor,
    /// slower than the mocks the scenarios' own retry timeouts are tuned for).
    #[arg(long, value_parser = conform::units::parse_duration, default_value = "0s")]
    pub min_poll_timeout: std::time::Duration,
    /// Send the specs' documented request examples instead of scenario files: every API under
    /// `--specs`, or only those named (`--examples=a,b`); `--filter` and `--tag` still apply.
    #[arg(long, value_name = "API,...", num_args = 0..=1, require_equals = true,
          value_delimiter = ',', default_missing_value = "")]
    pub examples: Option<Vec<String>>,
    /// Run the selection N times in one process (a soak, or to catch a flaky target): each
    /// scenario is reported once per round as `ID (round K/N)`, and after each round stderr
    /// shows the process's memory, open files, threads and tasks.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub repeat: u32,
    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Args)]
// `--dry-run` comes with the shared switches but does not apply to fuzz (what it sends next
// depends on the answers): not listed in its help; given anyway, it is refused with the reason.
#[command(mut_arg("dry_run", |a| a.hide(true)))]
pub struct FuzzArgs {
    /// APIs to fuzz [default: every API with a spec under --specs, and every --spec].
    pub apis: Vec<String>,
    /// The same seed gives the same requests [default: a new one, printed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Generated requests per operation, at most.
    #[arg(long, default_value_t = 50)]
    pub max_examples: usize,
    /// Start no case after this long (for example `2m`); what ran is reported. Each operation
    /// gets an equal share of the time left, so one slow operation cannot take it all.
    #[arg(long, value_parser = conform::units::parse_duration)]
    pub time: Option<std::time::Duration>,
    /// Only these operations (repeatable): an operationId (or text it contains, or a `*`
    /// glob of it), a path glob such as `/api/kernels/*`, or `tag:NAME`.
    #[arg(long, value_name = "ID|/PATH|tag:NAME")]
    pub operation: Vec<String>,
    /// Leave these operations out (repeatable), named as `--operation` names them.
    #[arg(long, value_name = "ID|/PATH|tag:NAME")]
    pub exclude_operation: Vec<String>,
    /// Write each failure, shrunk, as a scenario file under DIR/<api>/ that `conform run`
    /// replays (existing files are never overwritten).
    #[arg(long, value_name = "DIR")]
    pub save_failures: Option<PathBuf>,
    /// Requests spent shrinking one failure, at most (0: report it as found).
    #[arg(long, default_value_t = 48)]
    pub shrink_runs: usize,
    /// Report only these checks (codes, comma-separated: see the README's catalogue).
    #[arg(long, value_name = "CODE,...", value_delimiter = ',', value_parser = parse_check)]
    pub checks: Option<Vec<conform::fuzz::FuzzCheck>>,
    /// Never report these checks, nor send the probes only they need (comma-separated codes).
    #[arg(long, value_name = "CODE,...", value_delimiter = ',', value_parser = parse_check)]
    pub exclude_checks: Vec<conform::fuzz::FuzzCheck>,
    #[command(flatten)]
    pub session: SessionArgs,
}

fn parse_check(s: &str) -> Result<conform::fuzz::FuzzCheck, conform::fuzz::UnknownCheck> {
    s.parse()
}

/// What `run` and `fuzz` share: specs, targets, inputs, the limits of a run, output, reports
/// and the network.
#[derive(Args)]
pub struct SessionArgs {
    #[command(flatten)]
    pub specs: SpecArgs,
    /// `API=URL` for one API, or `URL` for all (repeatable); overrides the targets file.
    #[arg(long = "target", value_name = "API=URL")]
    pub targets: Vec<String>,
    /// A targets file (see `targets.example.yaml`): each API's URL and credential convention;
    /// the credentials themselves come from the environment.
    #[arg(long = "targets", value_name = "FILE", env = "CONFORM_TARGETS")]
    pub targets_file: Option<PathBuf>,
    /// A header sent on every request to every target (repeatable), such as
    /// `--header 'Authorization: token abc'`: wins over a targets entry's `headers:`, loses to
    /// a header a step sets. Credential headers (Authorization, Cookie, names with token, key,
    /// secret, auth, session, password) are redacted everywhere.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// A value for `${NAME}` in every scenario (repeatable); it overrides the scenario's own
    /// `vars`, not values captured from responses.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A dotenv file: its entries answer `${NAME}` (under `--var` and `vars`), `${env.NAME}` and
    /// the targets' credential variables (under the exported environment).
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Scenarios in flight at once [default: 4 x CPUs, 4..=32].
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Apply the vendors' documented tables literally (`x-conform-strict` in specs).
    #[arg(long)]
    pub strict: bool,
    /// Timeout of one HTTP exchange, for steps that set none (for example `5s`).
    #[arg(long, value_parser = conform::units::parse_duration, default_value = "30s")]
    pub step_timeout: std::time::Duration,
    /// Build, sign and print every request (credentials redacted), send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm running scenarios that change state on targets that are not mocks or local.
    #[arg(long)]
    pub allow_writes: bool,
    /// At most this many requests per second to each API's target.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
    /// Response bodies larger than this, on the wire or once decoded (`Content-Encoding`), are not read: an error of the step (the harness's
    /// limit), never a violation of the target.
    #[arg(long, value_parser = conform::units::parse_size, default_value = "16MiB")]
    pub max_body: usize,
    /// After Ctrl-C or SIGTERM, how long the `finally` steps of the started scenarios may take
    /// in all (then the run ends and says what was not cleaned up).
    #[arg(long, value_parser = conform::units::parse_duration, default_value = "60s")]
    pub cleanup_timeout: std::time::Duration,
    /// Print only failures and the summary; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print every exchange in full, passing ones too (redacted, bodies pretty-printed up to
    /// 64 KiB); `-vv` adds the request and response headers.
    #[arg(long, short, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Record every exchange as HAR 1.2 into FILE (redacted as the reports are; written as
    /// steps finish, completed atomically at the end; an existing FILE is replaced).
    #[arg(long, value_name = "FILE.har")]
    pub record: Option<PathBuf>,
    /// Boxed: the variants of [`Command`] stay of a size.
    #[command(flatten)]
    pub net: Box<super::net::NetArgs>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The HAR file.
    pub har: PathBuf,
    /// APIs to match entries against [default: every API with a spec under --specs, and
    /// every --spec].
    pub apis: Vec<String>,
    #[command(flatten)]
    pub specs: SpecArgs,
    /// Apply the vendors' documented tables literally (`x-conform-strict` in specs).
    #[arg(long)]
    pub strict: bool,
    /// Print only failures and the summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print every entry in full, passing ones too (redacted); `-vv` adds the headers.
    #[arg(long, short, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Args)]
pub struct DiffArgs {
    /// Recording A (for example against the mock).
    pub a: PathBuf,
    /// Recording B (for example against the vendor).
    pub b: PathBuf,
    /// Where the specs are: they name the operations of entries conform did not record.
    #[command(flatten)]
    pub specs: SpecArgs,
    /// `human`: one line per difference; `json`: one document.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Where results go, for every command that reports as a run does (`run`, `fuzz`, `check`,
/// `proxy`).
#[derive(Args)]
pub struct OutputArgs {
    /// Folder for junit.xml, report.json, report.html and summary.md (written atomically).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report: PathBuf,
    /// Write no report files.
    #[arg(long, conflicts_with = "report")]
    pub no_report: bool,
    /// Live output on stdout: `human` lines, or `json`, one event per line for other tools.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// The coverage gate, for every command that reports as a run does (`run`, `fuzz`, `check`,
/// `proxy`).
#[derive(Args)]
pub struct GateArgs {
    /// Fail the run (exit 1) when fewer of the documented (operation, status) pairs of the
    /// APIs that ran were returned than this: `80%`, `80` or `92.5%`.
    #[arg(long, value_name = "PERCENT", value_parser = conform::report::gate::Gate::parse)]
    pub min_coverage: Option<conform::report::gate::Gate>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            filter: self.filter.clone(),
            tags: self.tags.clone(),
            partition: self.partition,
        }
    }
}

fn parse_format(text: &str) -> Result<conform::derive::Format, String> {
    text.parse()
        .map_err(|e: conform::derive::UnknownFormat| e.to_string())
}
