//! `conform check FILE.har [API...]`: reads the HAR, loads the specs, and streams the checked
//! entries ([`conform::har::verify::check_all`]) to the same sinks as a run (live output, the
//! collector for the final report, the report files); the exit code is a run's.

use std::io::IsTerminal;
use std::sync::Arc;

use conform::har::{MAX_HAR_BYTES, Matcher};
use conform::report::collect::Collector;
use conform::report::events::{Fanout, JsonLines};
use conform::report::progress::Human;
use conform::report::stream::ReportWriter;
use conform::report::terminal;
use conform::run::{EventSink, ExitCode};

use super::args::{CheckArgs, Format};

pub fn check(args: &CheckArgs, color: bool) -> anyhow::Result<ExitCode> {
    // The specs first: a typo in an API name fails before a large file is read.
    let registry = Arc::new(args.specs.registry()?);
    let names = if args.apis.is_empty() {
        registry.api_names()
    } else {
        args.apis.clone()
    };
    if names.is_empty() {
        anyhow::bail!(
            "no spec to check against under {} (give --specs DIR or --spec API=FILE)",
            args.specs.specs.display()
        );
    }
    let mut specs = Vec::new();
    for name in &names {
        specs.push(registry.api(name).map_err(|d| anyhow::anyhow!("{d}"))?);
    }
    let har = conform::har::read(&args.har, MAX_HAR_BYTES)?;
    if har.is_empty() {
        // Never an empty green run: a recording with nothing in it proves nothing.
        anyhow::bail!("{}: the HAR has no entry to check", args.har.display());
    }
    let matcher = Matcher::new(specs);

    let live: Arc<dyn EventSink> = match args.output.format {
        Format::Json => Arc::new(JsonLines::new(std::io::stdout())),
        Format::Human => {
            let bar = !args.quiet && std::io::stdout().is_terminal();
            Arc::new(Human::new(color, args.quiet, bar))
        }
    };
    let collector = Arc::new(Collector::new(false));
    let reports = (!args.output.no_report)
        .then(|| Arc::new(ReportWriter::new(&args.output.report, registry.clone())));
    let mut sinks: Vec<Arc<dyn EventSink>> = vec![live, collector.clone()];
    if let Some(r) = &reports {
        sinks.push(r.clone());
    }
    let file = args.har.display().to_string();
    let summary =
        conform::har::verify::check_all(&file, &har, &matcher, args.strict, &Fanout(sinks));

    let collected = collector.take(&summary);
    let line = terminal::summary(&summary.counts, summary.duration);
    Ok(super::session::conclude(
        &args.output,
        args.quiet,
        &collected,
        &line,
        reports,
        summary.exit_code(),
        color,
    ))
}
