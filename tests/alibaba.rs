//! Per-API proof that the Alibaba corpus catches every fault the Alibaba mock can inject: for
//! each profile a fresh mock serves `cases/alibaba-elasticsearch/`, and at least one scenario
//! must fail with a finding that names the broken rule. With no fault, every scenario passes.
//! All runs go in parallel (one mock each) so the slowest profile sets the test's time.

use std::sync::Arc;
use std::time::Duration;

use conform::check::{CheckKind, Finding};
use conform::mock::{Fault, MockOptions};
use conform::run::{NoEvents, Outcome, RunOptions, RunResult};
use conform::scenario::discover;
use conform::targets::Targets;
use conform::vendor::alibaba::{
    AlibabaAuth, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, SignatureVersion,
};

use crate::util::{details, runner};

const API: &str = "alibaba-elasticsearch";

/// Each profile and the rule a catching finding must name: its check and a piece of its
/// message, keyword or actual value.
const PROFILES: &[(Fault, CheckKind, &str)] = &[
    (Fault::WrongSuccessStatus, CheckKind::Status, "201"),
    (Fault::MissingRequiredField, CheckKind::Schema, "RequestId"),
    (Fault::WrongType, CheckKind::Schema, "boolean"),
    (Fault::ExtraField, CheckKind::Schema, "Retryable"),
    (Fault::WrongErrorEnvelope, CheckKind::Schema, "Code"),
    (
        Fault::WrongErrorCode,
        CheckKind::Body,
        "InvalidInstanceId.NotFound",
    ),
    (Fault::IdempotencyIgnored, CheckKind::Status, "409"),
    (Fault::ForbiddenTransition, CheckKind::Status, "200"),
    (
        Fault::NeverCompletes,
        CheckKind::Poll,
        "`until` was not met",
    ),
    (Fault::Slow, CheckKind::Transport, "no response within"),
    (Fault::ConnectionReset, CheckKind::Transport, "connection"),
    (Fault::MalformedJson, CheckKind::Content, "JSON"),
    (Fault::WrongContentType, CheckKind::Content, "text/plain"),
];

async fn run_against(fault: Option<Fault>) -> RunResult {
    run_signed(fault, None).await
}

/// Runs the corpus against a fresh mock; `version` replaces the mock target's signing scheme.
async fn run_signed(fault: Option<Fault>, version: Option<SignatureVersion>) -> RunResult {
    let options = MockOptions {
        fault,
        // Past the 2 s step timeout, without waiting the default 3 s.
        slow_delay: Duration::from_millis(2500),
        // The `activating` window that `idempotency-ignored` is caught in: the default 60 ms
        // can pass between two back-to-back calls on a loaded CI machine, and the second
        // CancelDeletion then meets an active instance instead of the 409.
        async_delay: Duration::from_secs(1),
        ..MockOptions::default()
    };
    let mock = conform::mock::start(API, 0, &options)
        .await
        .expect("the mock starts on an ephemeral port");
    let mut target = mock.target();
    if let Some(version) = version {
        target.auth = Some(Arc::new(
            AlibabaAuth::new(mock_key(ENV_ACCESS_KEY_ID), mock_key(ENV_ACCESS_KEY_SECRET))
                .with_version(version),
        ));
    }
    let mut targets = Targets::default();
    targets.insert(API, target);
    let found = discover(&[format!("cases/{API}").into()]).expect("the corpus loads");
    let runner = Arc::new(runner(
        "specs",
        targets,
        RunOptions {
            step_timeout: Duration::from_secs(2),
            ..RunOptions::default()
        },
    ));
    let result = runner.run_all(found, Arc::new(NoEvents)).await;
    mock.stop().await;
    result
}

fn names_rule(f: &Finding, check: CheckKind, needle: &str) -> bool {
    let actual = f.actual.as_ref().map(|v| v.to_string()).unwrap_or_default();
    f.check == check
        && [
            f.message.as_str(),
            f.keyword.as_deref().unwrap_or(""),
            &actual,
        ]
        .iter()
        .any(|text| text.contains(needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_profile_is_caught_and_the_faithful_mock_passes() {
    let runs = PROFILES
        .iter()
        .map(|(fault, _, _)| run_against(Some(*fault)));
    let (clean, faulty) = tokio::join!(run_against(None), futures_util::future::join_all(runs));

    let failing: Vec<String> = clean
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .map(details)
        .collect();
    assert!(
        failing.is_empty(),
        "without a fault:\n{}",
        failing.join("\n")
    );
    assert!(clean.scenarios.len() >= 9, "the corpus is there");

    let mut table = String::from("profile -> catching scenarios\n");
    let mut missed = Vec::new();
    for ((fault, check, needle), result) in PROFILES.iter().zip(&faulty) {
        let catching: Vec<&str> = result
            .scenarios
            .iter()
            .filter(|s| s.outcome != Outcome::Passed)
            .filter(|s| s.findings().any(|(_, f)| names_rule(f, *check, needle)))
            .map(|s| s.path.as_str())
            .collect();
        table.push_str(&format!("{:<22} {}\n", fault.name(), catching.join(", ")));
        if catching.is_empty() {
            let all: Vec<String> = result
                .scenarios
                .iter()
                .flat_map(|s| {
                    s.findings()
                        .map(|(_, f)| format!("  {:?} {} ({:?})", f.check, f.message, f.keyword))
                })
                .collect();
            missed.push(format!(
                "{fault}: no finding of {check:?} naming `{needle}`; findings:\n{}",
                all.join("\n")
            ));
        }
    }
    println!("{table}");
    assert!(missed.is_empty(), "{table}\n{}", missed.join("\n"));
}

/// The embedded run signs with v3; the same corpus signed with ROA v1 must pass too, but for
/// the `auth` scenario, whose hand-written bad signatures are in the v3 format (a v1 request
/// carrying one lacks `x-acs-date` and is refused as incomplete, not as mismatched).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corpus_passes_signed_with_roa_v1() {
    let result = run_signed(None, Some(SignatureVersion::V1)).await;
    let failing: Vec<String> = result
        .scenarios
        .iter()
        .filter(|s| !s.tags.iter().any(|t| t == "auth"))
        .filter(|s| s.outcome != Outcome::Passed)
        .map(details)
        .collect();
    assert!(
        failing.is_empty(),
        "signed with v1:\n{}",
        failing.join("\n")
    );
    assert!(result.scenarios.len() >= 9, "the corpus is there");
}

/// Raw calls to a mock, signed as the embedded target signs.
struct Signed {
    http: reqwest::Client,
    base: reqwest::Url,
}

impl Signed {
    async fn call(
        &self,
        op: &str,
        method: reqwest::Method,
        path: &str,
    ) -> (u16, serde_json::Value) {
        let mut req = conform::targets::Prepared {
            operation_id: op.into(),
            method: method.to_string(),
            url: self.base.join(path).expect("mock URL"),
            headers: vec![("Accept".into(), "application/json".into())].into(),
            body: Default::default(),
        };
        if op == "createInstance" {
            req.headers
                .push(("Content-Type".into(), "application/json".into()));
            req.body = br#"{"esVersion":"7.10_with_X-Pack"}"#.to_vec().into();
        }
        AlibabaAuth::new(mock_key(ENV_ACCESS_KEY_ID), mock_key(ENV_ACCESS_KEY_SECRET)).sign_at(
            &mut req,
            jiff::Timestamp::now(),
            &uuid::Uuid::new_v4().simple().to_string(),
        );
        let mut builder = self
            .http
            .request(method, req.url.clone())
            .body(req.body.to_vec());
        for (n, v) in &req.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let resp = builder.send().await.expect("the mock answers");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("a body");
        (status, serde_json::from_slice(&bytes).expect("a JSON body"))
    }
}

/// One of the test credentials the mock prints for people.
fn mock_key(name: &str) -> String {
    conform::mock::credentials(API)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("the mock prints {name}"))
}

/// What the corpus cannot pin without racing the mock's clock: while a restore runs, the
/// instance reads `activating` and a second CancelDeletion answers 409 `InstanceActivating`.
#[tokio::test]
async fn a_running_restore_is_activating_and_refuses_a_second_cancel() {
    use reqwest::Method;
    let options = MockOptions {
        async_delay: Duration::from_secs(600),
        ..MockOptions::default()
    };
    let mock = conform::mock::start(API, 0, &options)
        .await
        .expect("the mock starts");
    let api = Signed {
        http: conform::run::http_client().expect("HTTP client"),
        base: mock.base_url.clone(),
    };
    let (status, created) = api
        .call("createInstance", Method::POST, "openapi/instances")
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["Result"]["instanceId"]
        .as_str()
        .expect("an instance id");
    let instance = format!("openapi/instances/{id}");
    let cancel = format!("{instance}/actions/cancel-deletion");
    let freeze = format!("{instance}?deleteType=protective");
    let (status, frozen) = api.call("DeleteInstance", Method::DELETE, &freeze).await;
    assert_eq!(status, 200, "{frozen}");
    let (status, first) = api.call("CancelDeletion", Method::POST, &cancel).await;
    assert_eq!((status, &first["Result"]), (200, &serde_json::json!(true)));
    let (_, described) = api.call("DescribeInstance", Method::GET, &instance).await;
    assert_eq!(described["Result"]["status"], "activating", "{described}");
    let (status, second) = api.call("CancelDeletion", Method::POST, &cancel).await;
    assert_eq!(
        (status, &second["Code"]),
        (409, &serde_json::json!("InstanceActivating"))
    );
    mock.stop().await;
}
