//! The mocks' state machines under concurrent calls: N identical cancels or restores of one
//! resource at once give exactly one success and the documented conflict for every other
//! answer, and the resource reads back as the one success says; the same Alibaba clientToken
//! sent N times at once gives one result. Each rule is also run against the fault profile that
//! breaks it (`forbidden-transition`, `idempotency-ignored`), and the same check must then fail.
//!
//! Requests carry the credentials the runner sends (`conform::mock::target`: ROA v3 signatures,
//! a Keystone login, the bearer token). Every request has a timeout; N is fixed.

use std::time::Duration;

use conform::mock::{Fault, MockOptions};
use conform::targets::{Prepared, Target};
use serde_json::{Value, json};

use crate::util::{Mocks, runtime};

/// Requests sent at once.
const N: usize = 50;
/// How long the asynchronous transitions take in the faithful runs (`activating`,
/// `restoring`): far longer than the race, so every loser meets the running transition. The
/// tests move the mock's clock past it instead of waiting.
const SLOW_TRANSITION: Duration = Duration::from_secs(600);
const TIMEOUT: Duration = Duration::from_secs(20);

/// One answer: status and JSON body (`Null` when empty or not JSON).
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    body: Value,
    request_id: Option<String>,
}

/// Calls one mock with its test credentials, as a run would.
#[derive(Clone)]
struct Caller {
    http: reqwest::Client,
    target: Target,
}

impl Caller {
    fn new(mocks: &Mocks, api: &str) -> Caller {
        let base = reqwest::Url::parse(&mocks.base(api)).expect("mock URL");
        Caller {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .expect("client"),
            target: conform::mock::target(api, &base),
        }
    }

    /// `method path` (relative to the target's base URL), `op` the spec's operationId (which
    /// Alibaba signs), with a JSON body if given.
    async fn call(&self, op: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
        let base = self.target.base_url.as_str().trim_end_matches('/');
        let mut req = Prepared {
            operation_id: op.into(),
            method: method.into(),
            url: reqwest::Url::parse(&format!("{base}/{path}")).expect("URL"),
            headers: vec![("Accept".into(), "application/json".into())].into(),
            body: Default::default(),
        };
        if let Some(b) = body {
            req.set_header("Content-Type", "application/json");
            req.body = serde_json::to_vec(&b).expect("JSON").into();
        }
        if let Some(auth) = &self.target.auth {
            auth.apply(&mut req, &self.http)
                .await
                .expect("credentials apply");
        }
        let mut builder = self
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                req.url.clone(),
            )
            .body(req.body.to_vec());
        for (n, v) in &req.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let resp = builder.send().await.expect("the mock answers in time");
        let status = resp.status().as_u16();
        let request_id = resp
            .headers()
            .get("x-acs-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await.expect("the body in time");
        Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            request_id,
        }
    }

    /// The same call `N` times at once.
    async fn race(&self, op: &str, method: &str, path: &str, body: Option<Value>) -> Vec<Answer> {
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let (me, op, method, path, body) = (
                    self.clone(),
                    op.to_owned(),
                    method.to_owned(),
                    path.to_owned(),
                    body.clone(),
                );
                tokio::spawn(async move { me.call(&op, &method, &path, body).await })
            })
            .collect();
        let mut answers = Vec::with_capacity(N);
        for t in tasks {
            answers.push(t.await.expect("the request task ends"));
        }
        answers
    }
}

/// Exactly one answer is `success`; every other one is a conflict as `is_conflict` defines it.
fn one_winner(
    answers: &[Answer],
    success: u16,
    is_conflict: impl Fn(&Answer) -> bool,
) -> Result<(), String> {
    let wins = answers.iter().filter(|a| a.status == success).count();
    let odd: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status != success && !is_conflict(a))
        .collect();
    if wins == 1 && odd.is_empty() && answers.len() == N {
        Ok(())
    } else {
        Err(format!(
            "{wins} of {} answers were {success} (one expected); not the documented conflict: {odd:?}",
            answers.len()
        ))
    }
}

/// The options of a faithful race, or of one under `fault` with instant transitions (so the
/// losers meet the settled state, where the fault lets a forbidden transition through).
fn options(fault: Option<Fault>) -> MockOptions {
    MockOptions {
        fault,
        async_delay: if fault.is_some() {
            Duration::ZERO
        } else {
            SLOW_TRANSITION
        },
        ..MockOptions::default()
    }
}

// --- Alibaba: CancelDeletion of a frozen instance -------------------------------------------

const ALIBABA: &str = "alibaba-elasticsearch";

/// Creates an instance and freezes it (protective delete); its id.
async fn frozen_instance(c: &Caller) -> String {
    let created = c
        .call(
            "createInstance",
            "POST",
            "openapi/instances",
            Some(json!({"esVersion": "7.10_with_X-Pack"})),
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let id = created.body["Result"]["instanceId"]
        .as_str()
        .expect("an instanceId")
        .to_owned();
    let frozen = c
        .call(
            "DeleteInstance",
            "DELETE",
            &format!("openapi/instances/{id}?deleteType=protective"),
            None,
        )
        .await;
    assert_eq!(frozen.status, 200, "{frozen:?}");
    id
}

async fn alibaba_status(c: &Caller, id: &str) -> Value {
    let read = c
        .call(
            "DescribeInstance",
            "GET",
            &format!("openapi/instances/{id}"),
            None,
        )
        .await;
    assert_eq!(read.status, 200, "{read:?}");
    read.body["Result"]["status"].clone()
}

/// A mock started for one race, the caller that reaches it, and the runtime the calls run on.
struct Bench {
    opts: MockOptions,
    caller: Caller,
    rt: tokio::runtime::Runtime,
    _mocks: Mocks,
}

impl Bench {
    fn start(api: &str, fault: Option<Fault>) -> Bench {
        let opts = options(fault);
        let mocks = Mocks::start(&[api], &opts);
        Bench {
            caller: Caller::new(&mocks, api),
            opts,
            rt: runtime(),
            _mocks: mocks,
        }
    }

    /// Moves the mock's clock past a transition (its clock is a clone of `opts.clock`).
    fn settle(&self) {
        self.opts.clock.advance(self.opts.async_delay);
    }

    fn run<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.block_on(f)
    }
}

fn cancel_path(id: &str) -> String {
    format!("openapi/instances/{id}/actions/cancel-deletion")
}

/// N CancelDeletions of one frozen instance: the answers, with the instance's id.
fn alibaba_cancel_race(b: &Bench, token: Option<&str>) -> (Vec<Answer>, String) {
    b.run(async {
        let id = frozen_instance(&b.caller).await;
        let mut path = cancel_path(&id);
        if let Some(t) = token {
            path.push_str(&format!("?clientToken={t}"));
        }
        (
            b.caller.race("CancelDeletion", "POST", &path, None).await,
            id,
        )
    })
}

fn alibaba_conflict(a: &Answer) -> bool {
    a.status == 409 && a.body["Code"] == "InstanceActivating"
}

#[test]
fn alibaba_concurrent_cancel_deletions_have_one_winner_and_the_instance_restores() {
    let b = Bench::start(ALIBABA, None);
    let (answers, id) = alibaba_cancel_race(&b, None);
    one_winner(&answers, 200, alibaba_conflict).unwrap_or_else(|e| panic!("{e}"));
    let winner = answers.iter().find(|a| a.status == 200).expect("a winner");
    assert_eq!(winner.body["Result"], true, "{winner:?}");
    assert_eq!(b.run(alibaba_status(&b.caller, &id)), "activating");
    b.settle();
    assert_eq!(b.run(alibaba_status(&b.caller, &id)), "active");
}

#[test]
fn alibaba_concurrent_cancels_under_forbidden_transition_fail_the_check() {
    let b = Bench::start(ALIBABA, Some(Fault::ForbiddenTransition));
    let (answers, _) = alibaba_cancel_race(&b, None);
    assert!(one_winner(&answers, 200, alibaba_conflict).is_err());
}

// --- Alibaba: one clientToken sent N times at once -------------------------------------------

/// Every answer is the same success: same status, same body, same RequestId (header and body).
fn one_result(answers: &[Answer]) -> Result<(), String> {
    let first = answers.first().ok_or("no answers")?;
    let differ: Vec<&Answer> = answers.iter().filter(|a| *a != first).collect();
    let rid = first.body["RequestId"].as_str();
    if first.status == 200
        && answers.len() == N
        && differ.is_empty()
        && rid.is_some()
        && rid == first.request_id.as_deref()
    {
        Ok(())
    } else {
        Err(format!(
            "{} of {} answers differ from the first ({first:?}): {differ:?}",
            differ.len(),
            answers.len()
        ))
    }
}

fn create_race(b: &Bench) -> Vec<Answer> {
    let token = uuid::Uuid::new_v4().to_string();
    let body = json!({"esVersion": "7.10_with_X-Pack", "description": "one token"});
    b.run(b.caller.race(
        "createInstance",
        "POST",
        &format!("openapi/instances?clientToken={token}"),
        Some(body),
    ))
}

#[test]
fn alibaba_one_client_token_creates_one_instance() {
    let b = Bench::start(ALIBABA, None);
    let answers = create_race(&b);
    one_result(&answers).unwrap_or_else(|e| panic!("{e}"));
    let id = answers[0].body["Result"]["instanceId"]
        .as_str()
        .expect("an instanceId");
    assert_eq!(b.run(alibaba_status(&b.caller, id)), "active");
}

#[test]
fn alibaba_one_client_token_under_idempotency_ignored_fails_the_check() {
    let b = Bench::start(ALIBABA, Some(Fault::IdempotencyIgnored));
    let answers = create_race(&b);
    assert!(one_result(&answers).is_err());
    let ids: std::collections::BTreeSet<&str> = answers
        .iter()
        .filter_map(|a| a.body["Result"]["instanceId"].as_str())
        .collect();
    assert_eq!(ids.len(), N, "every call created an instance");
}

#[test]
fn alibaba_one_client_token_cancels_once_and_replays_the_result() {
    let b = Bench::start(ALIBABA, None);
    let (answers, id) = alibaba_cancel_race(&b, Some("cancel-once-7f3a"));
    one_result(&answers).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answers[0].body["Result"], true);
    assert_eq!(b.run(alibaba_status(&b.caller, &id)), "activating");
    b.settle();
    assert_eq!(b.run(alibaba_status(&b.caller, &id)), "active");
}

#[test]
fn alibaba_one_client_token_cancel_under_idempotency_ignored_fails_the_check() {
    let b = Bench::start(ALIBABA, Some(Fault::IdempotencyIgnored));
    let (answers, _) = alibaba_cancel_race(&b, Some("cancel-once-7f3a"));
    assert!(one_result(&answers).is_err());
}

// --- Nova: restore of a soft-deleted server ---------------------------------------------------

const NOVA: &str = "openstack-compute";

async fn nova_server(c: &Caller, id: &str) -> Value {
    let read = c
        .call("showServer", "GET", &format!("servers/{id}"), None)
        .await;
    assert_eq!(read.status, 200, "{read:?}");
    read.body["server"].clone()
}

/// Creates a server, lets it build, soft-deletes it; its id.
fn soft_deleted_server(b: &Bench) -> String {
    let c = &b.caller;
    let body = json!({"server": {"name": "race", "flavorRef": "1"}});
    let created = b.run(c.call("createServer", "POST", "servers", Some(body)));
    assert_eq!(created.status, 202, "{created:?}");
    let id = created.body["server"]["id"]
        .as_str()
        .expect("a server id")
        .to_owned();
    b.settle();
    let deleted = b.run(c.call("deleteServer", "DELETE", &format!("servers/{id}"), None));
    assert_eq!(deleted.status, 204, "{deleted:?}");
    b.settle();
    assert_eq!(b.run(nova_server(c, &id))["status"], "SOFT_DELETED");
    id
}

fn nova_restore_race(b: &Bench) -> (Vec<Answer>, String) {
    let id = soft_deleted_server(b);
    let answers = b.run(b.caller.race(
        "restoreServer",
        "POST",
        &format!("servers/{id}/action"),
        Some(json!({"restore": null})),
    ));
    (answers, id)
}

fn nova_conflict(a: &Answer) -> bool {
    a.status == 409 && a.body["conflictingRequest"]["code"] == 409
}

#[test]
fn nova_concurrent_restores_have_one_winner_and_the_server_comes_back() {
    let b = Bench::start(NOVA, None);
    let (answers, id) = nova_restore_race(&b);
    one_winner(&answers, 202, nova_conflict).unwrap_or_else(|e| panic!("{e}"));
    let winner = answers.iter().find(|a| a.status == 202).expect("a winner");
    assert_eq!(winner.body, Value::Null, "202 has an empty body");
    let during = b.run(nova_server(&b.caller, &id));
    assert_eq!(during["OS-EXT-STS:task_state"], "restoring", "{during}");
    b.settle();
    let after = b.run(nova_server(&b.caller, &id));
    assert_eq!(after["status"], "ACTIVE", "{after}");
}

#[test]
fn nova_concurrent_restores_under_forbidden_transition_fail_the_check() {
    let b = Bench::start(NOVA, Some(Fault::ForbiddenTransition));
    let (answers, _) = nova_restore_race(&b);
    assert!(one_winner(&answers, 202, nova_conflict).is_err());
}

// --- LivePerson: cancel of a deletion request -------------------------------------------------

const LIVEPERSON: &str = "liveperson-deletion";
const SITE: &str = "le92186583";

fn liveperson_cancel_race(b: &Bench) -> (Vec<Answer>, String) {
    let c = &b.caller;
    let created = b.run(c.call(
        "createDeletionRequest",
        "POST",
        &format!("api/account/{SITE}/personal-data-deletion"),
        Some(json!({"consumer": ["consumer-1"]})),
    ));
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["request_id"].to_string();
    let answers = b.run(c.race(
        "cancelDeletionRequest",
        "POST",
        &format!("api/account/{SITE}/personal-data-deletion/{id}/cancel"),
        None,
    ));
    (answers, id)
}

fn liveperson_conflict(a: &Answer) -> bool {
    a.status == 409 && a.body["code"] == 409
}

#[test]
fn liveperson_concurrent_cancels_have_one_winner_and_the_request_is_canceled() {
    let b = Bench::start(LIVEPERSON, None);
    let (answers, id) = liveperson_cancel_race(&b);
    one_winner(&answers, 200, liveperson_conflict).unwrap_or_else(|e| panic!("{e}"));
    let winner = answers.iter().find(|a| a.status == 200).expect("a winner");
    assert_eq!(winner.body[0]["is_canceled"], true, "{winner:?}");
    let read = b.run(b.caller.call(
        "getDeletionRequest",
        "GET",
        &format!("api/account/{SITE}/personal-data-deletion/{id}"),
        None,
    ));
    assert_eq!(read.status, 200, "{read:?}");
    assert_eq!(read.body[0]["status"], "CANCELED", "{read:?}");
}

#[test]
fn liveperson_concurrent_cancels_under_forbidden_transition_fail_the_check() {
    let b = Bench::start(LIVEPERSON, Some(Fault::ForbiddenTransition));
    let (answers, _) = liveperson_cancel_race(&b);
    assert!(one_winner(&answers, 200, liveperson_conflict).is_err());
}
