//! The OpenStack mock and its corpus prove each other: with no fault every scenario of
//! `cases/openstack-compute` passes, and every fault profile the mock implements is caught by at
//! least one scenario whose diagnosis names the broken rule. Plus the Keystone login of
//! `conform::vendor::openstack::keystone` against the mock's Keystone, and the cross-project 404 that the
//! corpus (one set of credentials) cannot reach.

use std::sync::Arc;
use std::time::Duration;

use conform::check::{CheckKind, Finding};
use conform::mock::{Fault, MockOptions};
use conform::run::{NoEvents, Outcome, RunOptions, ScenarioResult};
use conform::targets::Targets;
use conform::vendor::openstack::keystone::{
    KeystoneError, PasswordLogin, Project, Session, find_endpoint, login,
};
use reqwest::Url;
use serde_json::{Value, json};

use crate::util::{details, root, runner, runtime};

const API: &str = "openstack-compute";

/// What a diagnosis must say for a profile to count as caught: the check that fired and a
/// phrase that names the broken rule.
fn names_the_rule(fault: Fault, f: &Finding) -> bool {
    let m = f.message.as_str();
    let kw = f.keyword.as_deref().unwrap_or("");
    match fault {
        Fault::BodyOnEmptyResponse => f.check == CheckKind::Content && m.contains("body"),
        Fault::WrongSuccessStatus => {
            matches!(f.check, CheckKind::UndocumentedStatus | CheckKind::Status)
                && m.contains("200")
        }
        Fault::MissingHeader => {
            f.check == CheckKind::Header
                && m.to_ascii_lowercase().contains("x-openstack-request-id")
        }
        Fault::ForbiddenTransition => {
            f.check == CheckKind::Status && m.contains("409") && m.contains("202")
        }
        Fault::NeverCompletes => f.check == CheckKind::Poll && kw == "until",
        Fault::WrongErrorEnvelope | Fault::WrongErrorCode => {
            f.check == CheckKind::Schema && (kw == "required" || kw == "additionalProperties")
        }
        Fault::ExtraField => f.check == CheckKind::Schema && kw == "additionalProperties",
        Fault::MissingRequiredField => {
            f.check == CheckKind::Schema && kw == "required" && m.contains("status")
        }
        Fault::WrongType => f.check == CheckKind::Schema && kw == "type",
        Fault::Slow => f.check == CheckKind::Transport && m.contains("no response within"),
        Fault::ConnectionReset => f.check == CheckKind::Transport,
        Fault::MalformedJson => f.check == CheckKind::Content && m.contains("JSON"),
        Fault::WrongContentType => f.check == CheckKind::Content && m.contains("text/plain"),
        _ => false,
    }
}

/// Profiles with no rule to break in Nova's restore contract: Nova has no client tokens and
/// no monthly quota.
const NOT_APPLICABLE: &[Fault] = &[Fault::IdempotencyIgnored, Fault::Quota429];

/// The profiles the OpenStack mock implements (its own and the shared transport ones): all
/// but the inapplicable, so a new profile must be implemented and caught here or listed above.
fn profiles() -> Vec<Fault> {
    Fault::ALL
        .iter()
        .copied()
        .filter(|f| !NOT_APPLICABLE.contains(f))
        .collect()
}

/// What one run produced, and the secrets its credentials held at the end (password, token).
struct Ran {
    scenarios: Vec<ScenarioResult>,
    secrets: Vec<String>,
}

/// Runs the corpus against a fresh mock with `fault`.
async fn run_corpus(fault: Option<Fault>) -> Ran {
    // The step timeout leaves a loaded CI machine (a debug build, every test binary at once)
    // seconds of slack; the `slow` profile still sleeps well past it, so it is still caught.
    let options = MockOptions {
        fault,
        slow_delay: Duration::from_secs(9),
        ..Default::default()
    };
    let mock = conform::mock::start(API, 0, &options)
        .await
        .expect("the mock starts");
    let target = mock.target();
    let auth = target
        .auth
        .clone()
        .expect("the mock target has credentials");
    let mut targets = Targets::default();
    targets.insert(API, target);
    let runner = Arc::new(runner(
        root().join("specs"),
        targets,
        RunOptions {
            step_timeout: Duration::from_secs(6),
            ..Default::default()
        },
    ));
    let found = conform::scenario::discover(&[root().join("cases").join(API)])
        .expect("the corpus is found");
    assert!(found.len() >= 8, "the corpus has {} scenarios", found.len());
    let results = runner.run_all(found, Arc::new(NoEvents)).await;
    mock.stop().await;
    Ran {
        scenarios: results.scenarios,
        secrets: auth.secrets(),
    }
}

/// No password or token in what a report is made of: the results as serialized and as printed.
fn assert_no_secret(ran: &Ran) {
    for s in &ran.scenarios {
        let record = serde_json::to_string(s).expect("results serialize");
        let text = details(s);
        for secret in &ran.secrets {
            assert!(
                !record.contains(secret.as_str()) && !text.contains(secret.as_str()),
                "a secret leaked into the results of {}",
                s.id
            );
        }
    }
}

#[test]
fn every_fault_profile_is_caught_and_a_faithful_mock_passes() {
    let rt = runtime();
    // All profiles at once: each has its own mock, and most of the time is spent waiting
    // (timeouts, polls), so the test lasts about as long as its slowest profile.
    let (clean, faulty) = rt.block_on(async {
        let clean = tokio::spawn(run_corpus(None));
        let faulty: Vec<_> = profiles()
            .into_iter()
            .map(|f| (f, tokio::spawn(run_corpus(Some(f)))))
            .collect();
        let clean = clean.await.expect("the clean run finishes");
        let mut done = Vec::new();
        for (f, task) in faulty {
            done.push((f, task.await.expect("the faulty run finishes")));
        }
        (clean, done)
    });

    // The password and the token the run logged in with: the leak check below has teeth.
    assert_eq!(clean.secrets.len(), 2, "password and token");
    assert_no_secret(&clean);
    let failing: Vec<String> = clean
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .map(details)
        .collect();
    assert!(failing.is_empty(), "with no fault:\n{}", failing.join("\n"));

    let mut table = String::from("profile -> catching scenarios\n");
    let mut uncaught = Vec::new();
    for (fault, ran) in &faulty {
        assert_no_secret(ran);
        let scenarios = &ran.scenarios;
        let catching: Vec<&str> = scenarios
            .iter()
            .filter(|s| s.outcome != Outcome::Passed)
            .filter(|s| s.findings().any(|(_, f)| names_the_rule(*fault, f)))
            .map(|s| s.id.as_str())
            .collect();
        table.push_str(&format!("  {:<24} {}\n", fault.name(), catching.join(", ")));
        // One diagnosis per profile, so the table shows what a user would read.
        if let Some((_, f)) = scenarios
            .iter()
            .flat_map(|s| s.findings())
            .find(|(_, f)| names_the_rule(*fault, f))
        {
            table.push_str(&format!(
                "  {:<24}   e.g. [{:?}] {}\n",
                "", f.check, f.message
            ));
        }
        if catching.is_empty() {
            let seen: Vec<String> = scenarios
                .iter()
                .flat_map(|s| {
                    s.findings()
                        .map(|(_, f)| format!("{:?} {}", f.check, f.message))
                })
                .take(8)
                .collect();
            uncaught.push(format!("{fault}: findings were {seen:#?}"));
        }
    }
    println!("{table}");
    assert!(
        uncaught.is_empty(),
        "{table}\nuncaught:\n{}",
        uncaught.join("\n")
    );
}

fn test_login(base: &Url, user: &str, password: &str, project: Project) -> PasswordLogin {
    PasswordLogin {
        auth_url: base.join("identity").expect("url"),
        username: user.into(),
        password: password.into(),
        user_domain: "Default".into(),
        project,
        project_domain: "Default".into(),
    }
}

async fn session(base: &Url, user: &str, password: &str, project: &str) -> Session {
    let client = conform::run::http_client().expect("client");
    login(
        &client,
        &test_login(base, user, password, Project::Name(project.into())),
    )
    .await
    .expect("login")
}

#[test]
fn keystone_login_finds_the_compute_endpoint_and_refuses_a_bad_password() {
    runtime().block_on(async {
        let mock = conform::mock::start(API, 0, &MockOptions::default())
            .await
            .expect("mock");
        let s = session(&mock.base_url, "conform", "conform-secret", "conform").await;
        assert!(s.token.starts_with("gAAAA"), "{}", s.token);
        assert!(s.expires_at.is_some_and(|t| t > jiff::Timestamp::now()));
        let compute = find_endpoint(&s.catalog, "compute", "public", Some("RegionOne"))
            .expect("compute endpoint");
        assert_eq!(compute, mock.base_url.join("compute/v2.1").expect("url"));
        assert_eq!(compute, mock.target().base_url);

        let client = conform::run::http_client().expect("client");
        let bad = test_login(
            &mock.base_url,
            "conform",
            "wrong",
            Project::Name("conform".into()),
        );
        match login(&client, &bad).await {
            Err(KeystoneError::Refused { status: 401, .. }) => {}
            other => panic!("a bad password must be refused with 401, got {other:?}"),
        }
        // A project the user is not a member of is refused too.
        let foreign = test_login(
            &mock.base_url,
            "conform",
            "conform-secret",
            Project::Name("other".into()),
        );
        assert!(matches!(
            login(&client, &foreign).await,
            Err(KeystoneError::Refused { status: 401, .. })
        ));
        mock.stop().await;
    });
}

#[test]
fn keystone_auth_logs_in_once_and_reports_its_secrets() {
    runtime().block_on(async {
        let mock = conform::mock::start(API, 0, &MockOptions::default())
            .await
            .expect("mock");
        let target = mock.target();
        let auth = target
            .auth
            .as_ref()
            .expect("the mock target has credentials");
        let client = conform::run::http_client().expect("client");
        let mut tokens = Vec::new();
        for _ in 0..2 {
            let mut req = conform::targets::Prepared {
                method: "GET".into(),
                url: target.base_url.clone(),
                headers: Default::default(),
                body: Default::default(),
                operation_id: String::new(),
            };
            auth.apply(&mut req, &client).await.expect("applied");
            tokens.push(req.header("X-Auth-Token").expect("token").to_owned());
        }
        assert_eq!(tokens[0], tokens[1], "the token is cached");
        let secrets = auth.secrets();
        assert!(
            secrets.contains(&"conform-secret".to_owned()),
            "{secrets:?}"
        );
        assert!(secrets.contains(&tokens[0]), "{secrets:?}");
        mock.stop().await;
    });
}

/// `GET url` with a token.
async fn get(client: &reqwest::Client, url: String, token: &str) -> reqwest::Response {
    client
        .get(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("the mock answers")
}

async fn json_of(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("a JSON body")
}

#[test]
fn another_projects_server_is_not_found_and_a_foreign_project_prefix_is_refused() {
    runtime().block_on(async {
        let mock = conform::mock::start(API, 0, &MockOptions::default())
            .await
            .expect("mock");
        let mine = session(&mock.base_url, "conform", "conform-secret", "conform").await;
        let theirs = session(&mock.base_url, "other", "other-secret", "other").await;
        let compute = find_endpoint(&mine.catalog, "compute", "public", None).expect("endpoint");
        let client = conform::run::http_client().expect("client");

        let created: Value = client
            .post(format!("{compute}/servers"))
            .header("X-Auth-Token", &mine.token)
            .header("Content-Type", "application/json")
            .body(json!({"server": {"name": "mine", "flavorRef": "1"}}).to_string())
            .send()
            .await
            .expect("create")
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).expect("create body is JSON"))
            .expect("create body");
        let id = created["server"]["id"].as_str().expect("id").to_owned();

        let show = |url: String, token: String| {
            let client = client.clone();
            async move {
                let resp = get(&client, url, &token).await;
                (resp.status().as_u16(), json_of(resp).await)
            }
        };

        let (status, body) = show(format!("{compute}/servers/{id}"), theirs.token.clone()).await;
        assert_eq!(status, 404);
        assert_eq!(
            body,
            json!({"itemNotFound": {"code": 404, "message": format!("Instance {id} could not be found.")}})
        );

        // Listings are per project too.
        let (_, mine_listed) = show(format!("{compute}/servers"), mine.token.clone()).await;
        assert_eq!(mine_listed["servers"][0]["id"], json!(id), "{mine_listed}");
        let (_, theirs_listed) = show(format!("{compute}/servers/detail"), theirs.token.clone()).await;
        assert_eq!(theirs_listed, json!({"servers": []}));

        // The optional /{project_id} prefix: the token's own project works, another is a 400.
        let mine_prefixed = format!("{compute}/6f70656e737461636b20342065766572/servers/{id}");
        let (status, _) = show(mine_prefixed, mine.token.clone()).await;
        assert_eq!(status, 200);
        let foreign = format!("{compute}/0a0b0c0d0e0f40418283848586878889/servers/{id}");
        let (status, body) = show(foreign, mine.token.clone()).await;
        assert_eq!(status, 400);
        assert!(
            body["badRequest"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("doesn't match Context's project_id")),
            "{body}"
        );
        mock.stop().await;
    });
}

#[test]
fn an_expired_token_is_refused_with_401() {
    runtime().block_on(async {
        let options = MockOptions::default();
        let mock = conform::mock::start(API, 0, &options).await.expect("mock");
        let s = session(&mock.base_url, "conform", "conform-secret", "conform").await;
        let compute = find_endpoint(&s.catalog, "compute", "public", None).expect("endpoint");
        let client = conform::run::http_client().expect("client");
        let url = format!("{compute}/servers");
        let status = |token: String| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let resp = get(&client, url, &token).await;
                let challenge = resp.headers().contains_key("www-authenticate");
                (resp.status().as_u16(), challenge)
            }
        };
        assert_eq!(status(s.token.clone()).await, (200, false));
        // Keystone's tokens live an hour; the clock, moved directly, ages them too.
        options.clock.advance(Duration::from_secs(3601));
        assert_eq!(status(s.token.clone()).await, (401, true));
        mock.stop().await;
    });
}
