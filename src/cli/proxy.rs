//! `conform proxy --target API=URL...`: one validating listener per target
//! ([`conform::proxy::start`]), signing with the target's credentials under `--sign`, their exchanges streamed to the sinks of a run (live output,
//! the collector, the report files, the coverage gate, `--record`: [`super::sinks`]) as they
//! happen; at Ctrl-C or SIGTERM the listeners let their exchanges finish, the reports are
//! written, and the exit code is a run's.

use std::sync::Arc;
use std::time::Duration;

use conform::har::Recorder;
use conform::openapi::Registry;
use conform::proxy::{ProxyOptions, Session, Upstream};
use conform::run::ExitCode;
use conform::targets::arg::TargetArg;
use conform::targets::sources::TargetSources;

use super::args::{Format, ProxyArgs};

/// How long the exchanges in flight at Ctrl-C may take to finish.
const GRACE: Duration = Duration::from_secs(10);

pub fn proxy(args: ProxyArgs, color: bool) -> anyhow::Result<ExitCode> {
    let headers = args
        .headers
        .iter()
        .map(|h| super::session::parse_header(h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let registry = Arc::new(args.specs.registry()?);
    let mut upstreams = upstreams(&args.targets, &registry)?;
    let recorder = match &args.record {
        Some(path) => Some(Arc::new(
            Recorder::create(path).map_err(|e| anyhow::anyhow!("--record {e}"))?,
        )),
        None => None,
    };
    // Redirects are passed on to the proxy's client, who decides: the client never follows.
    let client = args.net.client_options(Vec::new());
    args.net.announce(&client, true)?;
    let client = client.build()?;
    let runtime = super::runtime()?;
    if args.sign {
        runtime.block_on(signers(&args, &mut upstreams, &client, &registry))?;
    }
    // No bar: there is no total to count towards.
    let live = super::sinks::live(&args.output, color, args.quiet, args.verbose, false);
    let sinks = super::sinks::builder(registry, &args.output, live)
        .insecure(args.net.insecure)
        .gate(args.gate.min_coverage)
        .recording(super::sinks::recording(recorder.as_ref()))
        .build();
    let options = ProxyOptions {
        strict: args.strict,
        preserve_host: args.preserve_host,
        timeout: args.timeout,
        max_body: args.max_body,
        remedies: Arc::new(super::session::Flags),
        headers,
    };
    let session = Session::new(sinks.sink());
    runtime.block_on(serve(&args, upstreams, client, options, &session))?;
    let exchanges = session.exchanges();
    let summary = session.finish();
    let ending = sinks.finish(&summary);
    if exchanges == 0 {
        // Never a green proxy session that saw nothing: no traffic proves nothing.
        let extra = "no exchange went through the proxy: nothing was checked";
        let code = super::sinks::conclude(ending, &args.output, args.quiet, extra, color);
        return Ok(code.max(ExitCode::Errors));
    }
    Ok(super::sinks::conclude(
        ending,
        &args.output,
        args.quiet,
        "",
        color,
    ))
}

/// Each `--target API=URL` with its API's spec.
fn upstreams(targets: &[String], registry: &Registry) -> anyhow::Result<Vec<Upstream>> {
    let mut upstreams = Vec::new();
    for t in targets {
        let (api, base) = TargetArg::parse_named(t).map_err(|e| anyhow::anyhow!("--target {e}"))?;
        let spec = registry.api(&api).map_err(|d| anyhow::anyhow!("{d}"))?;
        upstreams.push(Upstream::new(spec, base));
    }
    Ok(upstreams)
}

/// `--sign`: each upstream's credentials, resolved as `conform run` resolves a target's
/// ([`conform::proxy::sign::credentials`] decides), and said (without a secret) on stderr.
async fn signers(
    args: &ProxyArgs,
    upstreams: &mut [Upstream],
    client: &reqwest::Client,
    registry: &Registry,
) -> anyhow::Result<()> {
    let sources = TargetSources::parse_named(
        &args.targets,
        args.targets_file.as_deref(),
        conform::vendor::VENDORS,
        Arc::new(super::session::Flags),
    )
    .map_err(|d| anyhow::anyhow!("{d}"))?;
    let targets = sources
        .resolve(client, registry, &conform::targets::config::process_env)
        .await
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    for u in upstreams {
        let api = u.api.name.clone();
        let mock = conform::mock::APIS
            .contains(&api.as_str())
            .then(|| conform::mock::target(&api, &u.base));
        let signer =
            conform::proxy::sign::credentials(&api, &u.base, targets.get(&api), mock.as_ref())
                .map_err(|e| anyhow::anyhow!("--sign {e}"))?;
        errln!("{api}: signing with {}", signer.describe());
        u.signer = Some(signer);
    }
    Ok(())
}

/// Starts a listener per upstream, says where each serves, and serves until Ctrl-C or
/// SIGTERM; then lets the exchanges in flight finish.
async fn serve(
    args: &ProxyArgs,
    upstreams: Vec<Upstream>,
    client: reqwest::Client,
    options: ProxyOptions,
    session: &Arc<Session>,
) -> anyhow::Result<()> {
    let human = args.output.format == Format::Human;
    let stop = super::signals::stopped("the exchanges in flight are not reported");
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
            errln!("{line}");
        }
        running.push(r);
    }
    let hint = "checking every exchange; Ctrl-C stops and writes the reports";
    if human && !args.quiet {
        outln!("{hint}");
    } else if !human {
        errln!("{hint}");
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    stop.await;
    for r in running {
        r.stop(GRACE).await;
    }
    Ok(())
}
