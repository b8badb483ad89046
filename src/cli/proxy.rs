//! `conform proxy --target API=URL...`: one validating listener per target
//! ([`conform::proxy::start`]), their exchanges streamed to the sinks of a run (live output,
//! the collector, the report files, `--record`) as they happen; at Ctrl-C or SIGTERM the
//! listeners let their exchanges finish, the reports are written, and the exit code is a run's.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use conform::har::Recorder;
use conform::proxy::{ProxyOptions, Session, Upstream};
use conform::report::collect::Collector;
use conform::report::events::{Fanout, JsonLines};
use conform::report::progress::{Human, Verbosity};
use conform::report::stream::ReportWriter;
use conform::report::terminal;
use conform::run::{EventSink, ExitCode};
use url::Url;

use super::args::{Format, ProxyArgs};

/// How long the exchanges in flight at Ctrl-C may take to finish.
const GRACE: Duration = Duration::from_secs(10);

pub fn proxy(args: ProxyArgs, color: bool) -> anyhow::Result<ExitCode> {
    let registry = Arc::new(args.specs.registry()?);
    let mut upstreams = Vec::new();
    for t in &args.targets {
        let (api, url) = t.split_once('=').with_context(|| {
            format!(
                "--target {t}: expected API=URL, such as openstack-compute=http://127.0.0.1:8774"
            )
        })?;
        let base = Url::parse(url).with_context(|| {
            format!("--target {t}: `{url}` is not a URL (expected http://host:port/path)")
        })?;
        let spec = registry.api(api).map_err(|d| anyhow::anyhow!("{d}"))?;
        upstreams.push(Upstream { api: spec, base });
    }
    let recorder = match &args.record {
        Some(path) => Some(Arc::new(
            Recorder::create(path).map_err(|e| anyhow::anyhow!("--record {e}"))?,
        )),
        None => None,
    };
    let mut client = args.net.client_options(Vec::new());
    client.pass_redirects = true;
    args.net.announce(&client, true)?;
    let client = client.build()?;

    let live: Arc<dyn EventSink> = match args.output.format {
        Format::Json => Arc::new(JsonLines::new(std::io::stdout())),
        Format::Human => {
            // No bar: there is no total to count towards.
            Arc::new(
                Human::new(color, args.quiet, false).verbosity(Verbosity::of_count(args.verbose)),
            )
        }
    };
    let collector = Arc::new(Collector::new(false));
    let reports = (!args.output.no_report).then(|| {
        Arc::new(
            ReportWriter::new(&args.output.report, registry.clone()).insecure(args.net.insecure),
        )
    });
    let mut sinks: Vec<Arc<dyn EventSink>> = vec![live, collector.clone()];
    if let Some(r) = &reports {
        sinks.push(r.clone());
    }
    if let Some(r) = &recorder {
        sinks.push(r.clone());
    }
    let options = ProxyOptions {
        strict: args.strict,
        preserve_host: args.preserve_host,
        timeout: args.timeout,
        max_body: args.max_body,
    };
    let human = args.output.format == Format::Human;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (summary, exchanges) = runtime.block_on(async {
        let stop = super::signals::stopped("the exchanges in flight are not reported");
        let session = Session::new(Arc::new(Fanout(sinks)));
        let mut running = Vec::new();
        for (i, upstream) in upstreams.into_iter().enumerate() {
            let port = if args.port == 0 {
                0
            } else {
                args.port.saturating_add(i as u16)
            };
            let target = upstream.base.clone();
            let r = conform::proxy::start(
                upstream,
                port,
                client.clone(),
                options.clone(),
                session.clone(),
            )
            .await?;
            // The listener line goes to stderr in JSON mode: stdout is the event stream.
            let line = format!("{}\t{} -> {target}", r.api, r.base_url);
            if human {
                outln!("{line}");
            } else {
                eprintln!("{line}");
            }
            running.push(r);
        }
        let hint = "checking every exchange; Ctrl-C stops and writes the reports";
        if human && !args.quiet {
            outln!("{hint}");
        } else if !human {
            eprintln!("{hint}");
        }
        let _ = std::io::Write::flush(&mut std::io::stdout());
        stop.await;
        for r in running {
            r.stop(GRACE).await;
        }
        let exchanges = session.exchanges();
        anyhow::Ok((session.finish(), exchanges))
    })?;

    let collected = collector.take(&summary);
    let mut line = terminal::summary(&summary.counts, summary.duration);
    let mut code = summary.exit_code();
    if exchanges == 0 {
        // Never a green proxy session that saw nothing: no traffic proves nothing.
        line = format!("no exchange went through the proxy: nothing was checked\n{line}");
        code = ExitCode::Errors;
    }
    let mut code = super::session::conclude(
        &args.output,
        args.quiet,
        &collected,
        &line,
        reports,
        code,
        color,
    );
    if let (Some(recorder), Some(path)) = (&recorder, &args.record) {
        let r = recorder
            .finish()
            .map(|n| format!("recorded: {n} exchange(s) in {}", path.display()));
        super::session::said(r, &args.output, args.quiet, &mut code);
    }
    Ok(code)
}
