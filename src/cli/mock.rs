//! `conform mock`: serves the built-in mocks on 127.0.0.1 until Ctrl-C, printing each one's URL
//! and the credentials it accepts.

use anyhow::Context;
use conform::run::ExitCode;

use super::args::MockArgs;

pub fn mock(args: MockArgs) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        for f in conform::mock::Fault::ALL {
            outln!("{:<24} {}", f.name(), f.description());
        }
        return Ok(ExitCode::Conform);
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
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
            outln!("{api}\t{}", m.base_url);
            for (what, value) in conform::mock::credentials(api) {
                // Ports are ephemeral: show the real URL where a credential line refers to it.
                let value = value.replace("<the base URL above>", m.base_url.as_str());
                outln!("  {what}: {value}");
            }
            // The variables above, exported, are what `--target` picks the credentials up from.
            // The API's own base (Nova's is under /compute/v2.1), not the server's root.
            outln!(
                "  run against it: conform run --target {api}={}",
                m.target().base_url
            );
            running.push(m);
        }
        outln!("serving until Ctrl-C");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        for m in running {
            m.stop().await;
        }
        anyhow::Ok(ExitCode::Conform)
    })
}
