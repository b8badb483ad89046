//! `conform fuzz`: the session of `conform run` ([`super::session`]) driving the library's
//! [`Fuzzer`] instead of scenario files; prints the seed, the request rate and each failure's
//! saved file.

use std::collections::BTreeMap;

use conform::fuzz::{Checks, FuzzOptions, FuzzSummary, Fuzzer, SelectError, Selection, Stopped};
use conform::run::ExitCode;
use conform::run::Inputs;
use serde_json::Value;

use super::args::{Format, FuzzArgs};
use super::session;

pub fn fuzz(args: FuzzArgs, color: bool) -> anyhow::Result<ExitCode> {
    if args.session.dry_run {
        anyhow::bail!(
            "`--dry-run` does not apply to `conform fuzz`: what it sends next depends on the \
             answers (chains after creates, shrinking); `--save-failures DIR` keeps what it sent"
        );
    }
    let prepared = session::prepare(&args.session)?;
    for api in &args.apis {
        prepared
            .registry
            .api(api)
            .map_err(|d| anyhow::anyhow!("{d}"))?;
    }
    if args.apis.is_empty() && prepared.registry.api_names().is_empty() {
        anyhow::bail!(
            "no spec under {} (give `--spec API=FILE`)",
            args.session.specs.specs.display()
        );
    }
    let seed = args.seed.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        (nanos as u64) % 1_000_000
    });
    let selection = selection(&args, &prepared.registry)?;
    let options = fuzz_options(&args, &prepared.inputs, seed, selection);
    if args.session.output.format == Format::Human {
        errln!("fuzz: seed {seed} (`--seed {seed}` repeats these requests)");
    }
    let runtime = super::runtime()?;
    let run_options = session::options(&args.session, prepared.inputs.clone());
    let (outcome, started) = runtime.block_on(async {
        let mut started = session::start(
            &args.session,
            prepared,
            run_options,
            Default::default(),
            color,
        )
        .await?;
        let fuzzer =
            Fuzzer::new(started.runner.clone(), options).with_traffic(started.sinks.traffic());
        let outcome = fuzzer.run(&args.apis, started.sinks.sink()).await;
        started.stop_mocks().await;
        anyhow::Ok((outcome, started))
    })?;
    let extra = lines(&outcome, seed);
    for e in &outcome.save_errors {
        errln!("error: {e}");
    }
    let mut code = started.finish(&args.session, &outcome.summary, &extra.join("\n"), color);
    if !outcome.save_errors.is_empty() {
        code = code.max(ExitCode::Errors);
    }
    Ok(code)
}

/// The operations `--operation` and `--exclude-operation` select, checked against the specs
/// fuzzed: a pattern that names no operation is an error listing the operation ids.
fn selection(args: &FuzzArgs, registry: &conform::openapi::Registry) -> anyhow::Result<Selection> {
    let apis = if args.apis.is_empty() {
        registry.api_names()
    } else {
        args.apis.clone()
    };
    // An API whose spec does not load is reported by the run, as without a selection.
    let specs: Vec<_> = apis.iter().filter_map(|a| registry.api(a).ok()).collect();
    let refs: Vec<&conform::openapi::ApiSpec> = specs.iter().map(AsRef::as_ref).collect();
    let checked = |flag: &str, s: Result<Selection, SelectError>| {
        s.and_then(|s| s.check(&refs).map(|()| s))
            .map_err(|e| anyhow::anyhow!("{flag} {e}"))
    };
    let include = checked("--operation", Selection::parse(&args.operation, &[]))?;
    let exclude = checked(
        "--exclude-operation",
        Selection::parse(&[], &args.exclude_operation),
    )?;
    Ok(Selection {
        include: include.include,
        exclude: exclude.exclude,
    })
}

/// The fuzzer's options from the switches; `--var NAME=VALUE` naming a parameter fixes that
/// parameter (an account id the target needs), except in the cases that break it on purpose.
fn fuzz_options(args: &FuzzArgs, inputs: &Inputs, seed: u64, selection: Selection) -> FuzzOptions {
    let fixed: BTreeMap<String, Value> = inputs
        .names()
        .into_iter()
        .filter_map(|n| {
            let v = Value::String(inputs.var(&n)?.to_owned());
            Some((n, v))
        })
        .collect();
    FuzzOptions {
        seed,
        max_examples: args.max_examples.max(1),
        time: args.time,
        shrink_runs: args.shrink_runs,
        save_failures: args.save_failures.clone(),
        fixed,
        selection,
        checks: Checks {
            only: args.checks.clone(),
            excluded: args.exclude_checks.clone(),
        },
    }
}

/// The lines the final report shows before the summary: the rate, each failure, why the
/// fuzzer stopped early.
fn lines(outcome: &FuzzSummary, seed: u64) -> Vec<String> {
    let secs = outcome.summary.duration.as_secs_f64().max(1e-9);
    let mut extra = vec![format!(
        "fuzz: {} cases, {} requests in {:.1} s ({:.0}/s), {} distinct failure(s), seed {seed}",
        outcome.cases,
        outcome.requests,
        secs,
        outcome.requests as f64 / secs,
        outcome.failures.len()
    )];
    for f in &outcome.failures {
        let shrunk = if f.shrunk {
            format!(", shrunk in {} run(s)", f.shrink_runs)
        } else {
            String::new()
        };
        let saved = f
            .saved
            .as_ref()
            .map(|p| format!("\n    saved: {} (replay: conform run {0})", p.display()))
            .unwrap_or_default();
        let check = serde_json::to_value(f.check).unwrap_or(Value::Null);
        let code = f.code.map(|c| format!("[{c}] ")).unwrap_or_default();
        extra.push(format!(
            "  {code}{}/{} {} case, {} check{shrunk}: {}{saved}",
            f.api,
            f.operation,
            f.kind,
            check.as_str().unwrap_or("?"),
            f.message
        ));
    }
    if !outcome.leftovers.is_empty() {
        extra.push("left behind (created, not deleted):".to_owned());
    }
    for l in &outcome.leftovers {
        extra.push(format!(
            "  {}/{}: {} resource(s): {}",
            l.api, l.operation, l.count, l.why
        ));
    }
    match outcome.stopped {
        // The library says "the time budget"; the switch that set it is named here.
        Some(Stopped::TimeSpent(time)) => extra.push(format!(
            "stopped early: the `--time` budget of {} was spent",
            conform::units::human_duration(time)
        )),
        Some(why) => extra.push(format!("stopped early: {why}")),
        None => {}
    }
    extra
}
