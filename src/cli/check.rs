//! `conform check FILE.har [API...]`: reads the HAR, loads the specs, and streams the checked
//! entries ([`conform::har::verify::check_all`]) to the same sinks as a run (live output, the
//! collector for the final report, the report files, the coverage gate) through
//! [`super::sinks`]; the exit code is a run's.

use std::sync::Arc;

use conform::har::{MAX_HAR_BYTES, Matcher};
use conform::run::ExitCode;

use super::args::CheckArgs;

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

    // Offline: no certificate to trust or not, and nothing recorded but the file read.
    let live = super::sinks::live(&args.output, color, args.quiet, args.verbose, true);
    let sinks = super::sinks::builder(registry, &args.output, live)
        .gate(args.gate.min_coverage)
        .build();
    let file = args.har.display().to_string();
    let summary =
        conform::har::verify::check_all(&file, &har, &matcher, args.strict, &*sinks.sink());
    let ending = sinks.finish(&summary);
    Ok(super::sinks::conclude(
        ending,
        &args.output,
        args.quiet,
        "",
        color,
    ))
}
