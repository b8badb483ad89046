//! The LivePerson corpus (`cases/liveperson-deletion/`) against its reference mock: with no
//! fault every scenario passes; each fault profile the mock applies is caught by at least one
//! scenario with a finding that names the broken rule; `--strict` turns the vendor-example
//! readings (`siteid`, integer `request_id`, nulls) from warnings into violations.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use conform::check::{CheckKind, Finding, Severity};
use conform::mock::{Fault, MockOptions};
use conform::run::{NoEvents, Outcome, RunOptions, RunResult, ScenarioResult};
use conform::targets::{Target, Targets};
use conform::vendor::liveperson::discovery::{RTBF_SERVICE, discover_target};
use serde_json::{Value, json};

use crate::util::{details, runner};

const API: &str = "liveperson-deletion";

fn mock_options(fault: Option<Fault>) -> MockOptions {
    MockOptions {
        fault,
        // Past the 2 s step timeout, but no longer than needed to prove it.
        slow_delay: Duration::from_millis(2500),
        ..MockOptions::default()
    }
}

/// Runs the whole corpus against a fresh mock with `fault`.
async fn run_corpus(fault: Option<Fault>, strict: bool) -> RunResult {
    let running = conform::mock::start(API, 0, &mock_options(fault))
        .await
        .expect("the mock starts");
    let result = run_corpus_on(running.target(), strict).await;
    running.stop().await;
    result
}

async fn run_corpus_on(target: Target, strict: bool) -> RunResult {
    let mut targets = Targets::default();
    targets.insert(API, target);
    let found = conform::scenario::discover(&[PathBuf::from("cases").join(API)])
        .expect("the corpus is found");
    assert!(found.len() >= 8, "the corpus shrank: {} files", found.len());
    let runner = Arc::new(runner(
        "specs",
        targets,
        RunOptions {
            strict,
            step_timeout: Duration::from_secs(2),
            ..RunOptions::default()
        },
    ));
    runner.run_all(found, Arc::new(NoEvents)).await
}

fn failures(result: &RunResult) -> Vec<String> {
    result
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .map(details)
        .collect()
}

fn text(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Whether `f` is the diagnosis of `fault`: the check and the rule it must name.
fn names_the_rule(fault: Fault, f: &Finding) -> bool {
    let schema_at = f
        .schema_at
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let pointer = f.pointer.as_deref().unwrap_or_default();
    let keyword = f.keyword.as_deref().unwrap_or_default();
    match fault {
        // 201 is not among cancel's documented statuses.
        Fault::WrongSuccessStatus => {
            f.check == CheckKind::UndocumentedStatus && text(&f.actual) == "201"
        }
        Fault::MissingRequiredField => {
            f.check == CheckKind::Schema
                && keyword == "required"
                && (f.message.contains("\"request_id\"") || f.message.contains("\"is_canceled\""))
        }
        Fault::WrongType => {
            f.check == CheckKind::Schema && keyword == "type" && pointer.ends_with("/is_canceled")
        }
        // The second cancel, or the cancel after approval, answered 200 where 409 was due.
        Fault::ForbiddenTransition => {
            f.check == CheckKind::Status
                && text(&f.actual) == "200"
                && text(&f.expected) == "\"409\""
        }
        Fault::WrongErrorEnvelope => {
            f.check == CheckKind::Schema
                && keyword == "required"
                && schema_at.contains("/components/schemas/Error")
        }
        Fault::WrongErrorCode => f.check == CheckKind::Body && pointer == "/code",
        Fault::WrongContentType => {
            f.check == CheckKind::Content && f.message.contains("Content-Type `text/plain")
        }
        Fault::MalformedJson => {
            f.check == CheckKind::Content && f.message.contains("not well-formed JSON")
        }
        Fault::ConnectionReset => {
            f.check == CheckKind::Transport && f.message.contains("connection")
        }
        Fault::Slow => f.check == CheckKind::Transport && f.message.contains("no response within"),
        Fault::Quota429 => {
            f.check == CheckKind::Status
                && text(&f.actual) == "429"
                && text(&f.expected) == "\"403\""
        }
        other => panic!("no diagnosis defined for `{other}`"),
    }
}

/// The profiles that apply to this API: the mock's own and the shared transport ones.
const FAULTS: &[Fault] = &[
    Fault::WrongSuccessStatus,
    Fault::MissingRequiredField,
    Fault::WrongType,
    Fault::ForbiddenTransition,
    Fault::WrongErrorEnvelope,
    Fault::WrongErrorCode,
    Fault::WrongContentType,
    Fault::MalformedJson,
    Fault::ConnectionReset,
    Fault::Slow,
    Fault::Quota429,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_fault_every_scenario_passes() {
    let result = run_corpus(None, false).await;
    let failed = failures(&result);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    // The diagnoses the fault test looks for must not match a faithful mock's findings, or
    // "caught" would prove nothing.
    for &fault in FAULTS {
        let spurious: Vec<String> = result
            .scenarios
            .iter()
            .flat_map(|s| s.findings())
            .filter(|(_, f)| names_the_rule(fault, f))
            .map(|(_, f)| f.message.clone())
            .collect();
        assert!(spurious.is_empty(), "{fault} matches: {spurious:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_profile_is_caught_with_the_broken_rule() {
    let mut table = Vec::new();
    let mut missed = Vec::new();
    for &fault in FAULTS {
        let result = run_corpus(Some(fault), false).await;
        let catching: Vec<&str> = result
            .scenarios
            .iter()
            .filter(|s| s.outcome > Outcome::Skipped)
            .filter(|s| {
                s.findings()
                    .any(|(_, f)| f.severity >= Severity::Violation && names_the_rule(fault, f))
            })
            .map(|s| s.id.as_str())
            .collect();
        table.push(format!("{:<24} {}", fault.name(), catching.join(", ")));
        if catching.is_empty() {
            let all: Vec<String> = result.scenarios.iter().map(details).collect();
            missed.push(format!("{fault}:\n{}", all.join("\n")));
        }
    }
    println!("profile -> catching scenarios\n{}", table.join("\n"));
    assert!(missed.is_empty(), "not caught:\n{}", missed.join("\n\n"));
}

/// The cancel records follow the vendor's examples; the table, read literally, disagrees on
/// `siteid`, `request_id`'s type and the nulls.
fn example_readings(r: &ScenarioResult, severity: Severity) -> Vec<String> {
    r.findings()
        .filter(|(_, f)| f.severity == severity && f.check == CheckKind::Schema)
        .filter(|(_, f)| {
            f.schema_at
                .as_ref()
                .is_some_and(|s| s.to_string().contains("CancelRecordAsDocumented"))
        })
        .map(|(_, f)| f.message.clone())
        .collect()
}

/// Every example reading is reported on `r`, each with `severity`, and none with `other`.
fn assert_readings(r: &ScenarioResult, severity: Severity, other: Severity) {
    let found = example_readings(r, severity);
    for word in ["siteId", "request_id", "approved_by", "approve_timestamp"] {
        assert!(
            found.iter().any(|m| m.contains(word)),
            "no {severity:?} about `{word}`: {found:#?}"
        );
    }
    assert!(example_readings(r, other).is_empty(), "{}", details(r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_turns_the_example_readings_into_violations() {
    let lifecycle = |result: RunResult| -> ScenarioResult {
        result
            .scenarios
            .into_iter()
            .find(|s| s.id == "cancel-lifecycle.yaml")
            .expect("the lifecycle scenario ran")
    };

    let lenient = lifecycle(run_corpus(None, false).await);
    assert_eq!(lenient.outcome, Outcome::Passed, "{}", details(&lenient));
    assert_readings(&lenient, Severity::Warning, Severity::Violation);

    let strict = lifecycle(run_corpus(None, true).await);
    assert_eq!(strict.outcome, Outcome::Failed, "{}", details(&strict));
    assert_readings(&strict, Severity::Violation, Severity::Warning);
}

/// A faithful mock with a raw HTTP client and its test token, for what a scenario cannot do
/// (a hundred creates, requests on two accounts at once).
struct Direct {
    running: conform::mock::Running,
    token: String,
    client: reqwest::Client,
}

impl Direct {
    async fn start() -> Direct {
        let running = conform::mock::start(API, 0, &mock_options(None))
            .await
            .expect("the mock starts");
        let token = running
            .target()
            .auth
            .expect("the mock's target has credentials")
            .secrets()
            .remove(0);
        let client = conform::run::http_client().expect("a client");
        Direct {
            running,
            token,
            client,
        }
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        let url = self.running.base_url.join(path).expect("a URL");
        self.client.post(url).bearer_auth(&self.token)
    }

    async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.expect("an answer");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).expect("a JSON body");
        (status, body)
    }

    async fn create(&self, site: &str, id: &str) -> (u16, Value) {
        let req = self
            .post(&format!("api/account/{site}/personal-data-deletion"))
            .header("Content-Type", "application/json")
            .body(json!({"consumer": [id]}).to_string());
        Self::send(req).await
    }

    async fn cancel(&self, site: &str, record: &Value, jump: Option<&str>) -> (u16, Value) {
        let id = &record["request_id"];
        let mut req = self.post(&format!(
            "api/account/{site}/personal-data-deletion/{id}/cancel"
        ));
        if let Some(by) = jump {
            req = req.header("X-Conform-Clock-Advance", by);
        }
        Self::send(req).await
    }
}

/// The mock stands in for the vendor as a whole: the target is found through its CSDS lookup
/// with only an account id and a token, as a real LivePerson target is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_found_through_domain_discovery_runs_the_corpus() {
    let mock = Direct::start().await;
    let csds = &mock.running.base_url;
    let mut target = discover_target(&mock.client, csds, "le92186583", RTBF_SERVICE, &mock.token)
        .await
        .expect("the domain is found");
    assert_eq!(&target.base_url, csds);
    // Found like a vendor, but it is the mock: mock-only scenarios run too.
    target.is_mock = true;
    let failed = failures(&run_corpus_on(target, false).await);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    mock.running.stop().await;
}

/// 100 requests per account and calendar month; the 101st is refused with 403 in the error
/// envelope, and other accounts are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_quota_is_refused_with_403() {
    let mock = Direct::start().await;
    for n in 0..100 {
        let (status, body) = mock.create("quota1", &format!("quota-{n}")).await;
        assert_eq!(status, 201, "request {n}: {body}");
    }
    let (status, body) = mock.create("quota1", "one-too-many").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], 403, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("quota"), "{body}");
    let (status, body) = mock.create("quota2", "other-account").await;
    assert_eq!(status, 201, "{body}");
    mock.running.stop().await;
}

/// A clock jump asked for by one account's request leaves other accounts' grace periods alone,
/// so the mock-only grace-period scenario can run beside the others on one mock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_jump_of_one_account_leaves_the_others_in_their_grace_period() {
    let mock = Direct::start().await;
    let (status, kept) = mock.create("kept", "jump").await;
    assert_eq!(status, 201, "{kept}");
    let (status, jumped) = mock.create("jumped", "jump").await;
    assert_eq!(status, 201, "{jumped}");
    let (status, body) = mock.cancel("jumped", &jumped, Some("121h")).await;
    assert_eq!(status, 409, "{body}");
    // Refused and unrouted requests move the shared clock too; they must not reach "kept".
    for path in [
        "api/account/refused/personal-data-deletion",
        "no/such/route",
    ] {
        let url = mock.running.base_url.join(path).expect("a URL");
        let req = mock
            .client
            .post(url)
            .header("X-Conform-Clock-Advance", "121h");
        let (status, body) = Direct::send(req).await;
        assert!([401, 404].contains(&status), "{path}: {status} {body}");
    }
    let (status, body) = mock.cancel("kept", &kept, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["is_canceled"], true, "{body}");
    mock.running.stop().await;
}
