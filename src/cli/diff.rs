//! `conform diff A.har B.har`: reads both recordings, loads whatever specs there are (to name
//! the operations of entries conform did not record), and prints the drift
//! ([`conform::har::drift::drift`]) one line per difference, or as one JSON document; exit 0
//! when the shapes agree, 1 when they drift, 2 on a file that is not a HAR.

use conform::har::{MAX_HAR_BYTES, Matcher};
use conform::run::ExitCode;

use super::args::{DiffArgs, Format};

pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let a = conform::har::read(&args.a, MAX_HAR_BYTES)?;
    let b = conform::har::read(&args.b, MAX_HAR_BYTES)?;
    for (har, path) in [(&a, &args.a), (&b, &args.b)] {
        if har.is_empty() {
            // Never agreement by default: an empty recording proves nothing.
            anyhow::bail!("{}: the HAR has no entry to compare", path.display());
        }
    }
    // The specs only name operations; a folder without any is not an error.
    let registry = args.specs.registry()?;
    let specs = registry
        .api_names()
        .iter()
        .map(|name| registry.api(name).map_err(|d| anyhow::anyhow!("{d}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let drift = conform::har::drift::drift(&a, &b, &Matcher::new(specs));
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&drift)?),
        Format::Human => {
            for group in &drift.groups {
                out!("{group}");
            }
            let verdict = if drift.agrees() {
                "the shapes agree".to_owned()
            } else {
                format!("{} difference(s) of shape", drift.count())
            };
            outln!(
                "A = {}, B = {}: {} and {} entries, {} {} paired; {verdict} (values such as ids, \
                 timestamps and request ids are not compared)",
                args.a.display(),
                args.b.display(),
                drift.entries[0],
                drift.entries[1],
                drift.paired,
                match drift.pairing {
                    conform::har::drift::Pairing::Step => "steps",
                    conform::har::drift::Pairing::Operation => "operations and statuses",
                },
            );
        }
    }
    Ok(if drift.agrees() {
        ExitCode::Conform
    } else {
        ExitCode::Violations
    })
}
