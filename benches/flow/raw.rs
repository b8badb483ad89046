//! The yardstick: a raw reqwest loop sending the realistic flow's requests (create, get, delete)
//! at the same concurrency, each body validated with the validator conform compiled from the
//! same spec. It runs as a subprocess of the benchmark (`--raw-client URL FLOWS TASKS`), like
//! `conform run`, so both are measured the same way: process wall time and `wait4` CPU.
//!
//! What it does not do is what the harness adds: scenario parsing, templates, request
//! validation, matchers, captures, events, reports. A failed check exits 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conform::openapi::{ApiSpec, Registry};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{BENCH_API, SPECS};

/// The most the loop may take, whatever the count.
const BUDGET: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The validator of the JSON body documented for `op` and `status`.
fn body_validator<'a>(
    spec: &'a ApiSpec,
    op: &str,
    status: u16,
) -> Result<&'a jsonschema::Validator, String> {
    spec.operation(op)
        .and_then(|o| o.response(status))
        .and_then(|r| r.content.first())
        .and_then(|m| m.schema.as_ref())
        .ok_or_else(|| format!("the bench spec has no JSON schema for {op} {status}"))?
        .validator()
        .map_err(str::to_owned)
}

struct Checks<'a> {
    created: &'a jsonschema::Validator,
    got: &'a jsonschema::Validator,
}

fn request_id(resp: &reqwest::Response, what: &str) -> Result<(), String> {
    match resp.headers().get("x-request-id").map(|v| v.as_bytes()) {
        Some(v) if v.starts_with(b"req-") => Ok(()),
        other => Err(format!("{what}: X-Request-Id is {other:?}")),
    }
}

async fn json(
    resp: reqwest::Response,
    want: StatusCode,
    validator: &jsonschema::Validator,
    what: &str,
) -> Result<Value, String> {
    if resp.status() != want {
        return Err(format!("{what} answered {}, not {want}", resp.status()));
    }
    request_id(&resp, what)?;
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("{what}: reading the body failed: {e}"))?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{what}: the body is not JSON: {e}"))?;
    if !validator.is_valid(&value) {
        return Err(format!(
            "{what}: the body does not match its schema: {value}"
        ));
    }
    Ok(value)
}

/// One flow: create, get, delete.
async fn flow(
    client: &reqwest::Client,
    base: &str,
    body: &str,
    checks: &Checks<'_>,
) -> Result<(), String> {
    let resp = client
        .post(format!("{base}/orders"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("POST /orders failed: {e}"))?;
    let created = json(resp, StatusCode::CREATED, checks.created, "POST /orders").await?;
    let id = created
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("POST /orders answered without an id: {created}"))?;
    let url = format!("{base}/orders/{id}");

    let resp = client
        .get(&url)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("GET {url} failed: {e}"))?;
    let got = json(resp, StatusCode::OK, checks.got, "GET /orders/{id}").await?;
    if got.get("id") != created.get("id") {
        return Err(format!("GET {url} answered another order: {got}"));
    }

    let resp = client
        .delete(&url)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("DELETE {url} failed: {e}"))?;
    if resp.status() != StatusCode::NO_CONTENT {
        return Err(format!("DELETE {url} answered {}, not 204", resp.status()));
    }
    request_id(&resp, "DELETE /orders/{id}")?;
    let rest = resp
        .bytes()
        .await
        .map_err(|e| format!("DELETE {url}: reading the body failed: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("DELETE {url} answered a body on 204"));
    }
    Ok(())
}

async fn run(base: String, flows: usize, tasks: usize) -> Result<(usize, Duration), String> {
    let registry = Registry::new(SPECS);
    let spec = registry
        .api(BENCH_API)
        .map_err(|d| format!("the bench spec does not load: {d}"))?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let body = Arc::new(
        serde_json::json!({
            "customer": format!("c-raw-{}", std::process::id()),
            "items": [
                {"sku": "sku-1", "qty": 1},
                {"sku": "sku-2", "qty": 2},
                {"sku": "sku-3", "qty": 3},
            ],
        })
        .to_string(),
    );
    let claimed = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let base: Arc<str> = base.into();
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let (client, base, body, spec, claimed, done) = (
            client.clone(),
            Arc::clone(&base),
            Arc::clone(&body),
            Arc::clone(&spec),
            Arc::clone(&claimed),
            Arc::clone(&done),
        );
        set.spawn(async move {
            let checks = Checks {
                created: body_validator(&spec, "createOrder", 201)?,
                got: body_validator(&spec, "getOrder", 200)?,
            };
            while claimed.fetch_add(1, Ordering::Relaxed) < flows && started.elapsed() < BUDGET {
                flow(&client, &base, &body, &checks).await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.map_err(|e| format!("a raw client task failed: {e}"))??;
    }
    Ok((done.load(Ordering::Relaxed), started.elapsed()))
}

/// `--raw-client URL FLOWS TASKS`: prints `flows=N loop_us=T` and exits 0, or the first failed
/// check and exits 1.
pub fn main(args: &[String]) -> std::process::ExitCode {
    let parsed = match args {
        [base, flows, tasks] => flows
            .parse::<usize>()
            .ok()
            .zip(tasks.parse::<usize>().ok())
            .map(|(f, t)| (base.clone(), f, t.max(1))),
        _ => None,
    };
    let Some((base, flows, tasks)) = parsed else {
        eprintln!("flow --raw-client: expected URL FLOWS TASKS, got {args:?}");
        return std::process::ExitCode::from(2);
    };
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|rt| rt.block_on(run(base, flows, tasks)));
    match outcome {
        Ok((done, took)) => {
            println!("flows={done} loop_us={}", took.as_micros());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flow --raw-client: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
