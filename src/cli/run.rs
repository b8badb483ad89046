//! `conform run`: counts the files (or collects the specs' examples), prepares and starts the
//! session ([`super::session`]), streams the scenarios to its sinks, and prints the final report.

use std::path::PathBuf;

use std::sync::Arc;

use conform::report::events::Fanout;
use conform::run::ExitCode;
use conform::run::rounds::{self, RoundWatch};
use conform::scenario::Discovery;

use super::args::RunArgs;
use super::session;

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
    let prepared = session::prepare(&args.session)?;
    let runtime = super::runtime()?;
    // `--examples`: the specs' request examples stand in for the scenario files.
    let examples = match &args.examples {
        Some(apis) => Some(super::examples::collect(&prepared.registry, apis)?),
        None => None,
    };
    if let Some(e) = &examples {
        if e.found.is_empty() {
            let under = args.session.specs.specs.display();
            anyhow::bail!("no request example in the specs under {under}");
        }
        total = e.found.len();
    }
    let (summary, started) = runtime.block_on(async {
        let mut options = session::options(&args.session, prepared.inputs.clone());
        options.fail_fast = args.fail_fast;
        options.min_poll_timeout = args.min_poll_timeout;
        let rounds = args.repeat as usize;
        if rounds > 1 {
            options.round_size = Some(total);
        }
        let (found, sources): (Box<dyn Iterator<Item = _>>, _) = match examples {
            Some(e) => {
                let list = e.found;
                let found = rounds::repeat(rounds, move || list.clone().into_iter().map(Ok));
                (Box::new(found), e.sources)
            }
            None => (
                Box::new(rounds::repeat(rounds, || Discovery::new(paths))),
                Default::default(),
            ),
        };
        let mut started = session::start(&args.session, prepared, options, sources, color).await?;
        let mut sink = started.sinks.sink();
        if rounds > 1 {
            // On stderr: stdout may be the JSON event stream, and a soak reads these lines.
            let watch = RoundWatch::new(rounds, |k, n, figures| {
                errln!("round {k}/{n}: {figures}");
            });
            sink = Arc::new(Fanout(vec![sink, Arc::new(watch)]));
        }
        let summary = started
            .runner
            .run(found, Some(total * rounds), args.select.selection(), sink)
            .await;
        started.stop_mocks().await;
        // A second signal during report writing still exits at once.
        anyhow::Ok((summary, started))
    })?;
    if summary.counts.total == 0 && summary.interrupted.is_none() {
        let shard = args
            .select
            .partition
            .map(|p| format!(" (shard {p} is empty)"))
            .unwrap_or_default();
        anyhow::bail!("no scenario selected under {}{shard}", where_());
    }
    Ok(started.finish(&args.session, &summary, "", color))
}
