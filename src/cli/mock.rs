//! `conform mock`: serves the built-in mocks on 127.0.0.1 until Ctrl-C, printing each one's URL
//! and the credentials it accepts; with `--replay FILE.har`, one API answered from a recording
//! ([`conform::mock::start_replay`]).

use anyhow::Context;
use conform::run::ExitCode;

use super::args::{MockArgs, ReplayFallback};

pub fn mock(args: MockArgs) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        for f in conform::mock::Fault::ALL {
            outln!("{:<24} {}", f.name(), f.description());
        }
        return Ok(ExitCode::Conform);
    }
    if let Some(har) = &args.replay {
        return replay(&args, har);
    }
    let options = conform::mock::MockOptions {
        fault: args.fault,
        ..Default::default()
    };
    let apis: Vec<String> = if args.apis.is_empty() {
        conform::mock::APIS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        args.apis
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let stop = super::signals::stopped("the mocks stop as they are");
        let mut running = Vec::new();
        for (i, api) in apis.iter().enumerate() {
            let port = if args.port == 0 {
                0
            } else {
                args.port.saturating_add(i as u16)
            };
            let m = conform::mock::start(api, port, &options)
                .await
                .with_context(|| format!("cannot serve `{api}`"))?;
            served(api, &m, None);
            running.push(m);
        }
        outln!("serving until Ctrl-C");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        stop.await;
        for m in running {
            m.stop().await;
        }
        anyhow::Ok(ExitCode::Conform)
    })
}

/// `--replay FILE.har`: the recording read and matched to the API's spec before anything is
/// served; then served until Ctrl-C.
fn replay(args: &MockArgs, har: &std::path::Path) -> anyhow::Result<ExitCode> {
    let [api] = args.apis.as_slice() else {
        anyhow::bail!(
            "--replay answers for one API: name it (`conform mock API --replay {}`)",
            har.display()
        );
    };
    let registry = args.specs.registry()?;
    let spec = registry.api(api).map_err(|d| anyhow::anyhow!("{d}"))?;
    let recording = conform::har::read(har, conform::har::MAX_HAR_BYTES)?;
    let file = har.display().to_string();
    let replay = conform::har::replay::Replay::new(&file, &recording, spec)?;
    let fallback = match args.fallback {
        ReplayFallback::NotFound => conform::mock::Fallback::NotFound,
        ReplayFallback::Mock => conform::mock::Fallback::Mock,
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let stop = super::signals::stopped("the replay stops as it is");
        let entries = replay.len();
        let m = match conform::mock::start_replay(api, replay, &file, fallback, args.port).await {
            Ok(m) => m,
            Err(conform::mock::ReplayServeError::NoMock { api }) => anyhow::bail!(
                "cannot serve the replay of `{api}`: --fallback mock: `{api}` has no reference \
                 mock (mocks: {}); use --fallback 404",
                conform::mock::APIS.join(", ")
            ),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot serve the replay of `{api}`"));
            }
        };
        served(
            api,
            &m,
            Some(format!(
                "replaying: {entries} recorded exchange(s) of {file}"
            )),
        );
        outln!("serving until Ctrl-C");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        stop.await;
        m.stop().await;
        anyhow::Ok(ExitCode::Conform)
    })
}

/// The lines of one served API: its URL, `note`, the credentials it accepts, how to run
/// against it.
fn served(api: &str, m: &conform::mock::Running, note: Option<String>) {
    outln!("{api}\t{}", m.base_url);
    if let Some(note) = note {
        outln!("  {note}");
    }
    for (what, value) in conform::mock::credentials(api) {
        // Ports are ephemeral: show the real URL where a credential line refers to it.
        let value = value.replace("<the base URL above>", m.base_url.as_str());
        outln!("  {what}: {value}");
    }
    // The variables above, exported, are what `--target` picks the credentials up from.
    // The API's own base (one may sit under /compute/v2.1), not the server's root.
    outln!(
        "  run against it: conform run --target {api}={}",
        m.target().base_url
    );
}
