//! The reporting switches of every command that reports as a run does (`run`, `fuzz`,
//! `check`, `proxy`: `--format`, `--report`/`--no-report`, `--quiet`, `-v`, `--min-coverage`,
//! `--record`, `--insecure`) mapped to the library's [`Sinks`] builder, and the printing of
//! how the command ended ([`Ending`]). What the switches mean is the library's.

use std::io::IsTerminal;
use std::sync::Arc;

use conform::har::Recorder;
use conform::openapi::Registry;
use conform::report::progress::Verbosity;
use conform::report::sinks::{Ending, HumanView, Live, Recording, Sinks, SinksBuilder};
use conform::report::terminal;
use conform::run::ExitCode;

use super::args::{Format, OutputArgs};
use super::session::Flags;

/// How the live view looks, from `--format`, `--quiet`, `-v`; `counted`: the command knows
/// its total (a progress bar has one).
pub fn live(output: &OutputArgs, color: bool, quiet: bool, verbose: u8, counted: bool) -> Live {
    match output.format {
        Format::Json => Live::Json,
        Format::Human => Live::Human(HumanView {
            color,
            quiet,
            terminal: std::io::stdout().is_terminal(),
            counted,
            dry_run: false,
            verbosity: Verbosity::of_count(verbose),
        }),
    }
}

/// The sinks' builder with the live view and the report folder (`--report`, `--no-report`).
pub fn builder(registry: Arc<Registry>, output: &OutputArgs, live: Live) -> SinksBuilder {
    let dir = (!output.no_report).then_some(output.report.as_path());
    Sinks::builder(registry)
        .live(live)
        .reports(dir)
        .remedies(Arc::new(Flags))
}

/// `--record`, as the sinks complete it.
pub fn recording(recorder: Option<&Arc<Recorder>>) -> Option<Arc<dyn Recording>> {
    recorder.map(|r| Arc::clone(r) as Arc<dyn Recording>)
}

/// Prints how the command ended (`extra` lines before the summary): the gate's failure on
/// stderr when the final report, which says it otherwise, is not printed; the final report;
/// what was written, or why not. Gives the exit code.
pub fn conclude(
    ending: Ending,
    output: &OutputArgs,
    quiet: bool,
    extra: &str,
    color: bool,
) -> ExitCode {
    let human = output.format == Format::Human;
    let code = ending.exit_code();
    if let Some(why) = ending.verdict.as_ref().and_then(|v| v.failure(&Flags))
        && !human
    {
        errln!("error: {why}");
    }
    if human {
        let line = if extra.is_empty() {
            ending.summary.clone()
        } else {
            format!("{extra}\n{}", ending.summary)
        };
        let collected = &ending.collected;
        out_painted!(
            color,
            "{}",
            terminal::final_report(
                &collected.failing(),
                &collected.warnings,
                &line,
                color,
                quiet,
                &Flags
            )
        );
    }
    let say = human && !quiet;
    match &ending.reports {
        Some(Ok(dir)) if say => outln!("reports: {}", dir.display()),
        Some(Err(e)) => errln!("error: {e}"),
        _ => {}
    }
    match &ending.recorded {
        Some(Ok(what)) if say => outln!("recorded: {what}"),
        Some(Err(e)) => errln!("error: {e}"),
        _ => {}
    }
    code
}
