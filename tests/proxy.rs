//! `conform proxy`, end to end through the real binary in front of mocks on 127.0.0.1: a
//! vendor's corpus run through it passes and every exchange is checked, reported and recorded
//! with no credential in any output; a faulted mock behind it is reported naming the rule; a
//! client that uses it as its HTTP proxy keeps the host its Alibaba signature covers, while one
//! pointed at it directly needs `--preserve-host`; what the proxy cannot do itself (reach the
//! target, a body over its limit, a TLS tunnel) is its own error, never the target's; a session
//! that saw no exchange proves nothing and exits 2.

use std::path::{Path, PathBuf};

use conform::mock::{Fault, MockOptions};
use serde_json::Value;

use crate::util::{self, Conform, Mocks, Served, temp_dir, text};

/// A `conform proxy` child and the folder of its reports.
struct Proxy {
    served: Served,
    url: String,
    reports: PathBuf,
}

impl Proxy {
    /// `conform proxy --target API=TARGET` with `extra`, its reports under `dir`.
    fn start(api: &str, target: &str, dir: &Path, extra: &[&str]) -> Proxy {
        let reports = dir.join("reports");
        let flag = format!("{api}={target}");
        let mut args = vec![
            "proxy",
            "--target",
            &flag,
            "--report",
            reports.to_str().expect("UTF-8"),
        ];
        args.extend_from_slice(extra);
        let served = Served::start(&args);
        Proxy {
            url: served.url.clone(),
            served,
            reports,
        }
    }

    /// Ctrl-C: the exit code, stdout and stderr.
    fn stop(self) -> (Option<i32>, String, String) {
        self.served.stop()
    }
}

/// `conform run cases/<api>` against `target`, with the mock's credentials (its URLs pointing
/// at `base`) in the environment.
fn run_through(
    api: &str,
    target: &str,
    base: &str,
    extra: &[(&str, &str)],
) -> std::process::Output {
    let cases = format!("cases/{api}");
    let flag = format!("{api}={target}");
    let env = conform::mock::credentials(api)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.replace("<the base URL above>", base)))
        .chain(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
    Conform::new(&["run", &cases, "--no-report", "--quiet", "--target", &flag])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .envs(env)
        .output()
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json"))
        .expect("JSON")
}

/// The operations of the exchanges the proxy checked, and their outcomes.
pub(crate) fn checked(report: &Value) -> Vec<(String, String)> {
    report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .flat_map(|s| {
            let outcome = s["outcome"].as_str().unwrap_or("").to_owned();
            s["steps"].as_array().into_iter().flatten().map(move |st| {
                (
                    st["call"].as_str().unwrap_or("").to_owned(),
                    outcome.clone(),
                )
            })
        })
        .collect()
}

#[test]
fn the_openstack_corpus_through_the_proxy_passes_every_exchange_checked_and_recorded() {
    let mocks = Mocks::start(&["openstack-compute"], &MockOptions::default());
    let dir = temp_dir();
    let har = dir.path().join("through.har");
    let proxy = Proxy::start(
        "openstack-compute",
        &mocks.base("openstack-compute"),
        dir.path(),
        &["--record", har.to_str().expect("UTF-8")],
    );
    // Keystone through the proxy too: its catalog points back at the proxy (X-Forwarded-Host).
    let base = format!("{}/", proxy.url);
    let out = run_through(
        "openstack-compute",
        &format!("{}/compute/v2.1", proxy.url),
        &base,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reports = proxy.reports.clone();
    let (code, stdout, stderr) = proxy.stop();
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("reports: "), "{stdout}");

    let report = report(&reports);
    let calls = checked(&report);
    for op in [
        "createServer",
        "showServer",
        "deleteServer",
        "restoreServer",
    ] {
        assert!(
            calls.iter().any(|(c, o)| c == op && o == "passed"),
            "{op} not checked and passed: {calls:?}"
        );
    }
    // The login is not in Nova's spec: shown as unmatched, not judged.
    assert!(
        report.to_string().contains("POST /identity/v3/auth/tokens"),
        "the Keystone exchange is not reported"
    );
    let recorded = std::fs::read_to_string(&har).expect("the HAR");
    let doc: Value = serde_json::from_str(&recorded).expect("JSON");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert_eq!(
        entries.len(),
        calls.len(),
        "one HAR entry per exchange checked"
    );
    for secret in ["conform-secret", "other-secret"] {
        for (what, text) in [
            ("the HAR", recorded.as_str()),
            ("stdout", stdout.as_str()),
            ("report.json", &report.to_string()),
        ] {
            assert!(!text.contains(secret), "{secret} in {what}");
        }
    }
    let tokens = entries
        .iter()
        .flat_map(|e| e["request"]["headers"].as_array().into_iter().flatten())
        .filter(|h| h["name"] == "x-auth-token")
        .map(|h| h["value"].as_str().unwrap_or(""))
        .collect::<Vec<_>>();
    assert!(!tokens.is_empty(), "no token header recorded");
    assert!(tokens.iter().all(|t| *t == "<redacted>"), "{tokens:?}");
}

#[test]
fn a_faulted_target_behind_the_proxy_is_reported_naming_the_rule() {
    let options = MockOptions {
        fault: Some(Fault::WrongType),
        ..MockOptions::default()
    };
    let mocks = Mocks::start(&["alibaba-elasticsearch"], &options);
    let dir = temp_dir();
    let base = mocks.base("alibaba-elasticsearch");
    let proxy = Proxy::start(
        "alibaba-elasticsearch",
        &base,
        dir.path(),
        &["--preserve-host"],
    );
    let out = run_through("alibaba-elasticsearch", &proxy.url, &base, &[]);
    // The run sees the fault too; what matters here is what the proxy says.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (code, stdout, stderr) = proxy.stop();
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAIL  proxy/alibaba-elasticsearch#")
            && stdout.contains("/Result")
            && stdout.contains("(type)"),
        "{stdout}"
    );
}

#[test]
fn an_alibaba_signature_holds_through_the_proxy_as_http_proxy_or_with_the_host_kept() {
    let mocks = Mocks::start(&["alibaba-elasticsearch"], &MockOptions::default());
    let base = mocks.base("alibaba-elasticsearch");
    let api = "alibaba-elasticsearch";

    // Pointed at the proxy, the client signs the proxy's host; the target's Host breaks it.
    let dir = temp_dir();
    let proxy = Proxy::start(api, &base, dir.path(), &[]);
    let out = run_through(api, &proxy.url, &base, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("SignatureDoesNotMatch"),
        "{}",
        text(&out)
    );
    proxy.stop();

    // The same, with the client's Host kept: the signature holds.
    let dir = temp_dir();
    let proxy = Proxy::start(api, &base, dir.path(), &["--preserve-host"]);
    let out = run_through(api, &proxy.url, &base, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (code, stdout, _) = proxy.stop();
    assert_eq!(code, Some(0), "{stdout}");

    // The proxy as the client's HTTP proxy: it signs the vendor's host, which is kept.
    let dir = temp_dir();
    let proxy = Proxy::start(api, &base, dir.path(), &[]);
    let http_proxy = proxy.url.clone();
    let out = {
        let cases = format!("cases/{api}");
        let env = conform::mock::credentials(api)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .chain([("HTTP_PROXY".to_owned(), http_proxy)]);
        Conform::new(&[
            "run",
            &cases,
            "--no-report",
            "--quiet",
            "--allow-writes",
            "--target",
            &format!("{api}=http://elasticsearch.vendor.test"),
        ])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .envs(env)
        .output()
    };
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reports = proxy.reports.clone();
    let (code, stdout, _) = proxy.stop();
    assert_eq!(code, Some(0), "{stdout}");
    let calls = checked(&report(&reports));
    assert!(
        calls
            .iter()
            .any(|(c, o)| c == "CancelDeletion" && o == "passed"),
        "{calls:?}"
    );
}

#[test]
fn what_the_proxy_cannot_do_is_its_own_error_and_no_traffic_proves_nothing() {
    // A port nothing listens on, held for the whole test: bound without `listen`, so a
    // connection is refused and no other test's listener can take the port meanwhile (a port
    // bound then released was once taken by another server, and the answer was a 504).
    let held = tokio::net::TcpSocket::new_v4().expect("a socket");
    held.bind("127.0.0.1:0".parse().expect("an address"))
        .expect("a port");
    let closed = held.local_addr().expect("addr").port();
    let dir = temp_dir();
    let proxy = Proxy::start(
        "fixture",
        &format!("http://127.0.0.1:{closed}"),
        dir.path(),
        &["--specs", "tests/fixtures/specs", "--max-body", "64"],
    );
    let (unreachable, too_large, tunnel) = util::runtime().block_on(async {
        let c = reqwest::Client::new();
        let unreachable = c
            .get(format!("{}/widgets", proxy.url))
            .send()
            .await
            .expect("the proxy answers");
        let too_large = c
            .post(format!("{}/widgets", proxy.url))
            .body("x".repeat(1000))
            .send()
            .await
            .expect("the proxy answers");
        let tunnel = c
            .request(reqwest::Method::CONNECT, &proxy.url)
            .send()
            .await
            .expect("the proxy answers");
        let mut out = Vec::new();
        for r in [unreachable, too_large, tunnel] {
            let status = r.status().as_u16();
            let bytes = r.bytes().await.expect("a body");
            let body: Value = serde_json::from_slice(&bytes).expect("a JSON body");
            out.push((
                status,
                body["conform_proxy"].as_str().unwrap_or("").to_owned(),
            ));
        }
        (out[0].clone(), out[1].clone(), out[2].clone())
    });
    assert_eq!(unreachable.0, 502);
    assert!(unreachable.1.contains("cannot reach"), "{unreachable:?}");
    assert_eq!(too_large.0, 413);
    assert!(too_large.1.contains("limit of 64 bytes"), "{too_large:?}");
    assert_eq!(tunnel.0, 405);
    assert!(tunnel.1.contains("CONNECT"), "{tunnel:?}");
    let (code, stdout, _) = proxy.stop();
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.contains("[transport]") && stdout.contains("[limit]"),
        "{stdout}"
    );

    let dir = temp_dir();
    let mocks = Mocks::start(&["fixture"], &MockOptions::default());
    let proxy = Proxy::start(
        "fixture",
        &mocks.base("fixture"),
        dir.path(),
        &["--specs", "tests/fixtures/specs"],
    );
    let (code, stdout, _) = proxy.stop();
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.contains("no exchange went through the proxy"),
        "{stdout}"
    );
}

#[test]
fn a_header_given_to_the_proxy_reaches_the_target_and_no_output_shows_its_value() {
    use std::sync::{Arc, Mutex};
    const SECRET: &str = "s3cret-proxy-token-4217";
    // A target that answers only a request carrying the token, and keeps what it got.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/ping",
        axum::routing::get(move |h: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                let token = h
                    .get("x-api-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                kept.lock().expect("lock").push(token.clone());
                if token == SECRET {
                    (
                        axum::http::StatusCode::OK,
                        format!("pong, you sent {token}"),
                    )
                } else {
                    (axum::http::StatusCode::UNAUTHORIZED, "no token".to_owned())
                }
            }
        }),
    );
    let (_rt, target) = util::serve(app);
    let dir = temp_dir();
    let har = dir.path().join("through.har");
    let header = format!("X-Api-Token: {SECRET}");
    let proxy = Proxy::start(
        "fixture",
        &target,
        dir.path(),
        &[
            "--specs",
            "tests/fixtures/specs",
            "--header",
            &header,
            "-vv",
            "--record",
            har.to_str().expect("UTF-8"),
        ],
    );
    let status = util::runtime().block_on(async {
        let r = reqwest::get(format!("{}/ping", proxy.url))
            .await
            .expect("the proxy answers");
        r.status().as_u16()
    });
    assert_eq!(status, 200, "the target did not get the token");
    assert_eq!(*seen.lock().expect("lock"), [SECRET]);
    let reports = proxy.reports.clone();
    let (_, stdout, stderr) = proxy.stop();
    assert!(
        stdout.contains("x-api-token"),
        "-vv shows the header: {stdout}"
    );
    let recording = std::fs::read_to_string(&har).expect("the recording");
    assert!(recording.contains("x-api-token"), "{recording}");
    let mut outputs = vec![("stdout", stdout), ("stderr", stderr), ("HAR", recording)];
    for name in ["report.json", "junit.xml", "report.html", "summary.md"] {
        let text = std::fs::read_to_string(reports.join(name)).expect("a report");
        outputs.push((name, text));
    }
    for (name, text) in outputs {
        assert!(!text.contains(SECRET), "{name} shows the token: {text}");
    }
}
