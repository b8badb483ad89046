//! `conform mock API --replay FILE.har`, end to end through the real binary: each vendor's
//! corpus recorded against its reference mock (served apart, as a vendor would be) passes again
//! against the replay of its own recording; a recording of a faulted mock, replayed, fails the
//! corpus the same way (a replay hides nothing); a request the recording does not hold gets
//! conform's 404 naming the nearest recorded request, or the mock's answer with `--fallback
//! mock`; and a replay that cannot work is refused before anything is served.

use std::path::Path;

use serde_json::Value;

use crate::util::{self, Conform, Served, temp_dir, text};

/// The `--target` URL a served mock (or replay) prints for `api`.
fn target_of(served: &Served, api: &str) -> String {
    let out = served.stdout_once("serving until Ctrl-C");
    out.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("run against it: conform run --target {api}="))
        })
        .unwrap_or_else(|| panic!("no target line in:\n{out}"))
        .to_owned()
}

/// `cases/<api>` against `target` (the mock's credentials in the environment, its URLs at
/// `base`), one scenario at a time so the replay meets the requests in the recorded order,
/// recorded into `har` when given.
fn corpus(api: &str, base: &str, target: &str, har: Option<&Path>) -> std::process::Output {
    let cases = format!("cases/{api}");
    let flag = format!("{api}={target}");
    let mut args = vec![
        "run",
        &cases,
        "--no-report",
        "--quiet",
        "--jobs",
        "1",
        "--target",
        &flag,
    ];
    let har = har.map(|h| h.to_str().expect("UTF-8").to_owned());
    if let Some(h) = &har {
        args.extend(["--record", h]);
    }
    let env = conform::mock::credentials(api)
        .into_iter()
        .map(|(k, v)| (k, v.replace("<the base URL above>", &format!("{base}/"))));
    Conform::new(&args).envs(env).output()
}

/// The corpus recorded against the mock of `api` (with `fault`), then served by a replay.
fn recorded(api: &str, dir: &Path, fault: Option<&str>) -> (std::path::PathBuf, Option<i32>) {
    let mut args = vec!["mock", api];
    if let Some(f) = fault {
        args.extend(["--fault", f]);
    }
    let mock = Served::start(&args);
    let har = dir.join(format!("{api}.har"));
    let out = corpus(api, &mock.url, &target_of(&mock, api), Some(&har));
    mock.stop();
    (har, out.status.code())
}

#[test]
fn each_corpus_passes_against_the_replay_of_its_own_recording() {
    let dir = temp_dir();
    for api in [
        "alibaba-elasticsearch",
        "openstack-compute",
        "liveperson-deletion",
    ] {
        let (har, code) = recorded(api, dir.path(), None);
        assert_eq!(code, Some(0), "{api}: the recording run");
        let replay = Served::start(&["mock", api, "--replay", har.to_str().expect("UTF-8")]);
        let said = replay.stdout_once("serving until Ctrl-C");
        assert!(said.contains("replaying: "), "{said}");
        let out = corpus(api, &replay.url, &target_of(&replay, api), None);
        replay.stop();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{api} against its replay:\n{t}");
        assert!(t.contains(" passed, 0 failed"), "{t}");
    }
}

#[test]
fn a_replay_of_a_faulted_recording_fails_the_corpus_the_same_way() {
    let dir = temp_dir();
    let api = "alibaba-elasticsearch";
    let (har, code) = recorded(api, dir.path(), Some("wrong-type"));
    assert_eq!(code, Some(1), "the faulted mock fails the recording run");
    let replay = Served::start(&["mock", api, "--replay", har.to_str().expect("UTF-8")]);
    let out = corpus(api, &replay.url, &target_of(&replay, api), None);
    replay.stop();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("/Result") && t.contains("(type)"), "{t}");
}

#[test]
fn what_the_recording_does_not_hold_is_conforms_404_naming_the_nearest_or_the_mocks_answer() {
    let dir = temp_dir();
    let api = "openstack-compute";
    let (har, code) = recorded(api, dir.path(), None);
    assert_eq!(code, Some(0));
    let har = har.to_str().expect("UTF-8");
    // A server id no scenario created: an operation of the spec the recording lacks.
    let ask = |url: &str| {
        util::runtime().block_on(async {
            let c = reqwest::Client::new();
            let token = c
                .post(format!("{url}/identity/v3/auth/tokens"))
                .body(
                    r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"conform","domain":{"name":"Default"},"password":"conform-secret"}}},"scope":{"project":{"name":"conform","domain":{"name":"Default"}}}}}"#,
                )
                .header("content-type", "application/json")
                .send()
                .await
                .expect("the login answers");
            assert_eq!(token.status().as_u16(), 201, "the login goes to the reference mock");
            let token = token
                .headers()
                .get("x-subject-token")
                .and_then(|v| v.to_str().ok())
                .expect("a token")
                .to_owned();
            let r = c
                .delete(format!(
                    "{url}/compute/v2.1/servers/0b8f2f5e-3d0a-4c7e-9a51-2f0e8c1d4b6a"
                ))
                .header("x-auth-token", token)
                .send()
                .await
                .expect("an answer");
            let status = r.status().as_u16();
            let body: Value =
                serde_json::from_slice(&r.bytes().await.expect("a body")).expect("JSON");
            (status, body)
        })
    };
    let replay = Served::start(&["mock", api, "--replay", har]);
    let (status, body) = ask(&replay.url);
    replay.stop();
    assert_eq!(status, 404, "{body}");
    let said = body["conform_replay"]
        .as_str()
        .expect("conform's own words");
    assert!(
        said.contains("is not in the recording") && said.contains("not the vendor's"),
        "{said}"
    );
    let nearest = body["nearest"]
        .as_str()
        .expect("the nearest recorded request");
    assert!(
        nearest.contains("#/log/entries/") && nearest.contains("DELETE"),
        "{nearest}"
    );

    let replay = Served::start(&["mock", api, "--replay", har, "--fallback", "mock"]);
    let (status, body) = ask(&replay.url);
    replay.stop();
    assert_eq!(status, 404, "{body}");
    assert!(body.get("conform_replay").is_none(), "{body}");
    assert!(
        body["itemNotFound"]["message"].is_string(),
        "the mock's own 404: {body}"
    );
}

#[test]
fn a_replay_that_cannot_work_is_refused_before_anything_is_served() {
    let dir = temp_dir();
    let har = dir.path().join("empty-of-alibaba.har");
    std::fs::write(
        &har,
        r#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":1,
        "request":{"method":"GET","url":"http://cdn.test/app.js","headers":[]},
        "response":{"status":200,"headers":[],"content":{"size":0,"mimeType":""}}}]}}"#,
    )
    .expect("write");
    let har = har.to_str().expect("UTF-8");
    // An API with a spec (the fixture's, under another name) and no reference mock.
    let widgets = dir.path().join("widgets.har");
    std::fs::write(
        &widgets,
        r#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":1,
        "request":{"method":"GET","url":"http://api.test/base/widgets/0b8f2f5e-3d0a-4c7e-9a51-2f0e8c1d4b6a","headers":[]},
        "response":{"status":200,"headers":[],"content":{"size":2,"mimeType":"application/json","text":"{}"}}}]}}"#,
    )
    .expect("write");
    let widgets = widgets.to_str().expect("UTF-8");
    let spec = "widgets=tests/fixtures/specs/fixture/openapi.yaml";
    for (args, says) in [
        (vec!["mock", "--replay", har], "one API"),
        (
            // The library's error is typed; the CLI words it with its flags.
            vec![
                "mock",
                "widgets",
                "--replay",
                widgets,
                "--spec",
                spec,
                "--fallback",
                "mock",
            ],
            "--fallback mock: `widgets` has no reference mock (mocks: alibaba-elasticsearch, \
             fixture, liveperson-deletion, openstack-compute); use --fallback 404",
        ),
        (
            vec!["mock", "alibaba-elasticsearch", "--replay", har],
            "no entry of the recording",
        ),
        (
            vec!["mock", "alibaba-elasticsearch", "--replay", "nowhere.har"],
            "cannot read nowhere.har",
        ),
    ] {
        let out = Conform::new(&args).output();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
}
