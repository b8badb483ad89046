//! `conform proxy --sign`, end to end through the real binary in front of the Alibaba mock on
//! 127.0.0.1: a plain HTTP client that signs nothing is refused by the mock's signature check
//! through a proxy that only forwards, and gets 2xx through one that signs with the mock's test
//! key pair; a request of no operation goes unsigned and its verdict says so; the key's secret
//! is in no output, report or recording.

use std::path::Path;

use conform::mock::MockOptions;
use serde_json::{Value, json};

use crate::proxy::checked;
use crate::util::{Conform, Mocks, Served, runtime, temp_dir};

const API: &str = "alibaba-elasticsearch";

/// `conform proxy --target alibaba-elasticsearch=BASE` with `extra`, reports and a recording
/// under `dir`, with no Alibaba credentials in its environment (the mock's are used).
fn proxy(base: &str, dir: &Path, extra: &[&str]) -> Served {
    let target = format!("{API}={base}");
    let reports = dir.join("reports");
    let har = dir.join("through.har");
    let mut args = vec![
        "proxy",
        "--target",
        &target,
        "-vv",
        "--report",
        reports.to_str().expect("UTF-8"),
        "--record",
        har.to_str().expect("UTF-8"),
    ];
    args.extend_from_slice(extra);
    let conform = Conform::new(&args)
        .env_remove(conform::vendor::alibaba::ENV_ACCESS_KEY_ID)
        .env_remove(conform::vendor::alibaba::ENV_ACCESS_KEY_SECRET);
    Served::spawn(conform, &args)
}

/// A plain client's calls through the proxy at `url`: create an instance, describe it, and a
/// path of no operation; each answer's status and body. `forged`: each carries an
/// `Authorization` and signature headers of its own, which a signing proxy must replace.
fn unsigned_calls(url: &str, forged: bool) -> Vec<(u16, Value)> {
    runtime().block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("client");
        let call = |mut req: reqwest::RequestBuilder| async move {
            if forged {
                req = req
                    .header("authorization", "acs conform-test-akid:forged=")
                    .header("x-acs-date", "2001-01-01T00:00:00Z")
                    .header("x-acs-signature-nonce", "client-nonce");
            }
            let r = req.send().await.expect("the proxy answers");
            let status = r.status().as_u16();
            let bytes = r.bytes().await.unwrap_or_default();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        };
        let body = json!({"description": "through the proxy", "esVersion": "7.10_with_X-Pack"});
        let create = client
            .post(format!("{url}/openapi/instances"))
            .header("content-type", "application/json")
            .body(body.to_string());
        let created = call(create).await;
        let id = created.1["Result"]["instanceId"]
            .as_str()
            .unwrap_or("es-cn-none")
            .to_owned();
        let described = call(client.get(format!("{url}/openapi/instances/{id}"))).await;
        let other = call(client.get(format!("{url}/openapi/no-such-thing"))).await;
        vec![created, described, other]
    })
}

#[test]
fn an_unsigned_client_gets_through_the_signing_proxy_and_is_refused_without_it() {
    let mocks = Mocks::start(&[API], &MockOptions::default());
    let base = mocks.base(API);
    let secret = conform::mock::credentials(API)
        .into_iter()
        .find(|(k, _)| *k == conform::vendor::alibaba::ENV_ACCESS_KEY_SECRET)
        .map(|(_, v)| v)
        .expect("the mock's secret");

    // Forwarded as written: the mock's own signature check refuses the client.
    let dir = temp_dir();
    let plain = proxy(&base, dir.path(), &[]);
    let answers = unsigned_calls(&plain.url, false);
    plain.stop();
    let (status, body) = &answers[0];
    assert!((400..500).contains(status), "{status} {body}");
    let code = body["Code"].as_str().unwrap_or_default();
    assert!(
        code.contains("Signature"),
        "the mock's signature error: {body}"
    );

    // Signed by the proxy, the client's own signature headers replaced: 2xx for every
    // operation, the same refusal for what is none (sent with the client's forged headers).
    let dir = temp_dir();
    let signing = proxy(&base, dir.path(), &["--sign"]);
    let answers = unsigned_calls(&signing.url, true);
    let (code, stdout, stderr) = signing.stop();
    assert_eq!(answers[0].0, 200, "create: {:?}\n{stdout}", answers[0].1);
    assert!(
        answers[0].1["Result"]["instanceId"].is_string(),
        "{answers:?}"
    );
    assert_eq!(answers[1].0, 200, "describe: {:?}\n{stdout}", answers[1].1);
    assert!((400..500).contains(&answers[2].0), "{answers:?}");
    assert!(
        stdout.contains("forwarded unsigned"),
        "the unmatched request's verdict says it went unsigned: {stdout}"
    );
    assert!(stderr.contains("signing with"), "{stderr}");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let reports = dir.path().join("reports");
    let report: Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).expect("report"))
            .expect("JSON");
    let calls = checked(&report);
    for op in ["createInstance", "DescribeInstance"] {
        assert!(
            calls.iter().any(|(c, o)| c == op && o == "passed"),
            "{op} checked and passed: {calls:?}"
        );
    }
    let recording = std::fs::read_to_string(dir.path().join("through.har")).expect("HAR");
    assert!(
        recording.contains("x-acs-signature-nonce"),
        "the signed request is recorded"
    );
    let mut outputs = vec![("stdout", stdout), ("stderr", stderr), ("HAR", recording)];
    for name in ["report.json", "junit.xml", "report.html", "summary.md"] {
        outputs.push((
            name,
            std::fs::read_to_string(reports.join(name)).expect(name),
        ));
    }
    for (name, text) in outputs {
        assert!(!text.contains(&secret), "{name} shows the secret");
    }
}

#[test]
fn signing_with_no_credentials_for_the_target_is_refused_before_listening() {
    let target = format!("{API}=https://elasticsearch.vendor.test");
    let out = Conform::new(&["proxy", "--sign", "--no-report", "--target", &target])
        .env_remove(conform::vendor::alibaba::ENV_ACCESS_KEY_ID)
        .env_remove(conform::vendor::alibaba::ENV_ACCESS_KEY_SECRET)
        .output();
    let said = crate::util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("--sign") && said.contains("no credentials to sign with"),
        "{said}"
    );
    assert!(
        !said.contains("checking every exchange"),
        "it never listened: {said}"
    );
}
