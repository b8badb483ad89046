//! The credentials a spec declares, end to end through the binary: a spec with one operation per
//! scheme (tests/fixtures/declared), served by a small server on 127.0.0.1 that answers 401
//! unless a request carries exactly the credential its operation requires, with an OAuth2
//! token endpoint that counts its calls. Each scheme passes with its variables set, fails
//! clearly without, and no secret (nor a token the server issued) reaches any output.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::declared_server::{
    CLIENT_ID, CLIENT_SECRET, PASSWORD, Server, TOKEN, USERNAME, all_vars,
};
use crate::util::{Conform, runtime, temp_dir, text};

const SPECS: &str = "tests/fixtures/declared/specs";
const CASES: &str = "tests/fixtures/declared/cases";
fn conform(args: &[&str], env: &BTreeMap<String, String>) -> (Output, Option<tempfile::TempDir>) {
    let mut cmd = Conform::new(args);
    for var in all_vars().keys() {
        cmd = cmd.env_remove(var);
    }
    cmd = cmd.env_remove("CONFORM_TARGETS");
    let reports = cmd.reports();
    let keep = temp_dir();
    let mut cmd = cmd.envs(env);
    let out = cmd.run();
    // Keep a copy of the reports past the helper's temporary folder.
    if let Some(dir) = reports.filter(|d| d.is_dir()) {
        for e in std::fs::read_dir(dir).expect("reports").flatten() {
            let _ = std::fs::copy(e.path(), keep.path().join(e.file_name()));
        }
        return (out, Some(keep));
    }
    (out, None)
}

/// Every secret, in the forms it could leak in (raw, URL-encoded, base64 in a basic header),
/// and every token the server issued, found in the output or a report.
fn leaks(server: &Server, out: &Output, reports: Option<&Path>) -> Vec<String> {
    let encoded = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut secrets = vec![
        TOKEN.to_owned(),
        encoded(TOKEN),
        PASSWORD.to_owned(),
        BASE64.encode(format!("{USERNAME}:{PASSWORD}")),
        CLIENT_SECRET.to_owned(),
        encoded(CLIENT_SECRET),
    ];
    secrets.extend(server.issued());
    let mut texts = vec![("output".to_owned(), text(out))];
    if let Some(dir) = reports {
        for e in std::fs::read_dir(dir).expect("reports").flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                texts.push((e.path().display().to_string(), t));
            }
        }
    }
    let mut found = Vec::new();
    for s in &secrets {
        for (where_, t) in &texts {
            if t.contains(s.as_str()) {
                found.push(format!("`{s}` in {where_}"));
            }
        }
    }
    found
}

fn target(server: &Server) -> String {
    format!("secured={}", server.base)
}

#[test]
fn each_scheme_passes_with_its_variables_and_the_token_is_cached() {
    let server = Server::start();
    let t = target(&server);
    let (out, reports) = conform(
        &["run", "--specs", SPECS, "--target", &t, "-v", CASES],
        &all_vars(),
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("9 passed"), "{text}");
    assert!(!text.contains("sent without credentials"), "{text}");
    assert_eq!(
        server.fetches("reports.read"),
        1,
        "one token for three reads"
    );
    assert_eq!(
        server.fetches("reports.write"),
        2,
        "a short-lived token, replaced"
    );
    let leaked = leaks(&server, &out, reports.as_ref().map(|d| d.path()));
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn the_json_events_and_a_failing_runs_reports_carry_no_secret() {
    let server = Server::start();
    let t = target(&server);
    let env = all_vars();
    let (out, _) = conform(
        &[
            "run", "--specs", SPECS, "--target", &t, "--format", "json", CASES,
        ],
        &env,
    );
    let stream = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stream.contains("Bearer <redacted>"), "{stream}");
    assert!(stream.contains("Basic <redacted>"), "{stream}");
    assert!(
        stream.contains("api_key=<redacted>"),
        "the query key: {stream}"
    );
    let leaked = leaks(&server, &out, None);
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");

    // A failing scenario's requests are kept for the report files: every scheme's, redacted.
    let (out, reports) = conform(
        &[
            "run",
            "--specs",
            SPECS,
            "--target",
            &t,
            "-v",
            "tests/fixtures/declared/failing",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let reports = reports.expect("reports written");
    for name in ["report.json", "report.html", "junit.xml", "summary.md"] {
        assert!(
            reports.path().join(name).is_file(),
            "{name} is among those searched"
        );
    }
    let json = std::fs::read_to_string(reports.path().join("report.json")).expect("report.json");
    assert!(json.contains("api_key=<redacted>"), "{json}");
    // Every step's request is kept, the OAuth2 one with its fetched token redacted.
    assert_eq!(json.matches("Bearer <redacted>").count(), 2, "{json}");
    let leaked = leaks(&server, &out, Some(reports.path()));
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

/// `scenario` alone, with only `vars` of [`all_vars`] set.
fn run_with(server: &Server, scenario: &str, vars: &[&str]) -> (Output, String) {
    let env: BTreeMap<String, String> = all_vars()
        .into_iter()
        .filter(|(k, _)| vars.contains(&k.as_str()))
        .collect();
    let t = target(server);
    let path = format!("{CASES}/{scenario}");
    let (out, _) = conform(&["run", "--specs", SPECS, "--target", &t, &path], &env);
    let text = text(&out);
    (out, text)
}

#[test]
fn without_the_variables_each_scheme_fails_clearly() {
    let server = Server::start();
    // No variable at all: sent bare, with the warning that says why the 401 came.
    let (out, t) = run_with(&server, "bearer.yaml", &[]);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("sent without credentials: the spec requires `bearerAuth`"),
        "{t}"
    );
    assert!(
        t.contains("(export CONFORM_SECURED_TOKEN (bearer, API keys)"),
        "{t}"
    );

    // A token, but the operation wants basic: the missing variables named.
    // Credentials that cannot be attached make the scenario an error (exit 2), not a failure.
    let (out, t) = run_with(&server, "basic.yaml", &["CONFORM_SECURED_TOKEN"]);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("cannot attach credentials: `withBasic` requires scheme `basicAuth` (HTTP basic): CONFORM_SECURED_USERNAME and CONFORM_SECURED_PASSWORD are not set"),
        "{t}"
    );
    for (scenario, var) in [
        ("key-header.yaml", "CONFORM_SECURED_TOKEN"),
        ("key-query.yaml", "CONFORM_SECURED_TOKEN"),
        ("key-cookie.yaml", "CONFORM_SECURED_TOKEN"),
        ("oauth.yaml", "CONFORM_SECURED_CLIENT_ID"),
    ] {
        let (out, t) = run_with(
            &server,
            scenario,
            &["CONFORM_SECURED_USERNAME", "CONFORM_SECURED_PASSWORD"],
        );
        assert_eq!(out.status.code(), Some(2), "{scenario}: {t}");
        assert!(t.contains(var) && t.contains("not set"), "{scenario}: {t}");
    }

    // Of two alternatives, the one whose variable is set; an optional key, left out.
    let (out, t) = run_with(&server, "either.yaml", &["CONFORM_SECURED_TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let (out, t) = run_with(&server, "optional.yaml", &[]);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains("sent without credentials"), "{t}");

    // Half of a scheme's pair: refused before anything is sent.
    for (set, missing) in [
        ("CONFORM_SECURED_USERNAME", "CONFORM_SECURED_PASSWORD"),
        ("CONFORM_SECURED_CLIENT_SECRET", "CONFORM_SECURED_CLIENT_ID"),
    ] {
        let (out, t) = run_with(&server, "public.yaml", &[set]);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert!(
            t.contains(&format!("{set} is set, but {missing} is not")),
            "{t}"
        );
    }
    assert_eq!(
        server.fetches("reports.read"),
        0,
        "no token asked for without an id"
    );
}

#[test]
fn a_wrong_client_secret_is_the_token_servers_answer_and_does_not_leak() {
    let server = Server::start();
    let mut env = all_vars();
    env.insert(
        "CONFORM_SECURED_CLIENT_SECRET".into(),
        "not-the-secret-77".into(),
    );
    let t = target(&server);
    let path = format!("{CASES}/oauth.yaml");
    let (out, reports) = conform(&["run", "--specs", SPECS, "--target", &t, &path], &env);
    let text = text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("OAuth2 token for scheme `clientCredentials`")
            && text.contains("answered 401"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret-77"), "{text}");
    let leaked = leaks(&server, &out, reports.as_ref().map(|d| d.path()));
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn a_targets_file_names_the_variables_and_may_require_the_declared_auth() {
    let server = Server::start();
    let dir = temp_dir();
    let file = dir.path().join("targets.yaml");
    std::fs::write(
        &file,
        format!(
            "secured:\n  url: {}\n  auth: declared\n  token_env: MY_KEY\n  username_env: MY_USER\n  password_env: MY_PW\n  client_id_env: MY_CID\n  client_secret_env: MY_CSECRET\n",
            server.base
        ),
    )
    .expect("targets file");
    let file = file.to_str().expect("utf-8");
    let env: BTreeMap<String, String> = [
        ("MY_KEY", TOKEN),
        ("MY_USER", USERNAME),
        ("MY_PW", PASSWORD),
        ("MY_CID", CLIENT_ID),
        ("MY_CSECRET", CLIENT_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let (out, reports) = conform(&["run", "--specs", SPECS, "--targets", file, CASES], &env);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let leaked = leaks(&server, &out, reports.as_ref().map(|d| d.path()));
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");

    // `auth: declared` with none of the variables: an error at the line that says it.
    let (out, _) = conform(
        &["run", "--specs", SPECS, "--targets", file, CASES],
        &BTreeMap::new(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("targets.yaml:3:9"), "{t}");
    assert!(
        t.contains("none of the credential variables is set")
            && t.contains("MY_KEY")
            && t.contains("MY_CSECRET"),
        "{t}"
    );

    // Without `auth:`, half a credential is placed at the entry's `url:`.
    std::fs::write(
        dir.path().join("targets.yaml"),
        format!("secured:\n  url: {}\n", server.base),
    )
    .expect("targets file");
    let env: BTreeMap<String, String> =
        [("CONFORM_SECURED_USERNAME".to_owned(), USERNAME.to_owned())].into();
    let (out, _) = conform(&["run", "--specs", SPECS, "--targets", file, CASES], &env);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("targets.yaml:2:8"), "{t}");
    assert!(
        t.contains("CONFORM_SECURED_USERNAME is set, but CONFORM_SECURED_PASSWORD is not"),
        "{t}"
    );
}

#[test]
fn a_bare_target_url_serves_the_spec_api_with_its_declared_credentials() {
    let server = Server::start();
    let path = format!("{CASES}/key-query.yaml");
    let (out, _) = conform(
        &["run", "--specs", SPECS, "--target", &server.base, &path],
        &all_vars(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn dry_run_names_each_steps_scheme_and_its_variables_and_no_secret() {
    let server = Server::start();
    let t = target(&server);
    let mut env = all_vars();
    env.remove("CONFORM_SECURED_USERNAME");
    env.remove("CONFORM_SECURED_PASSWORD");
    let (out, _) = conform(
        &["run", "--specs", SPECS, "--target", &t, "--dry-run", CASES],
        &env,
    );
    let text = text(&out);
    // Nothing is sent, so the step whose credentials are missing is the only error.
    assert_eq!(out.status.code(), Some(2), "{text}");
    let says = |scenario: &str| -> String {
        let at = text
            .find(&format!("{scenario}:\n"))
            .unwrap_or_else(|| panic!("{scenario} printed: {text}"));
        let rest = &text[at..];
        rest.lines()
            .find_map(|l| l.trim().strip_prefix("credentials: "))
            .unwrap_or_else(|| panic!("{scenario}: {rest}"))
            .to_owned()
    };
    let prefix = "declared by the spec: ";
    for (scenario, credentials) in [
        (
            "bearer.yaml",
            "`bearerAuth`: HTTP bearer (CONFORM_SECURED_TOKEN)",
        ),
        (
            "key-query.yaml",
            "`queryKey`: API key in query parameter `api_key` (CONFORM_SECURED_TOKEN)",
        ),
        (
            "key-cookie.yaml",
            "`cookieKey`: API key in cookie `sid` (CONFORM_SECURED_TOKEN)",
        ),
        (
            "either.yaml",
            "`bearerAuth`: HTTP bearer (CONFORM_SECURED_TOKEN)",
        ),
        (
            "optional.yaml",
            "`headerKey`: API key in header `X-API-Key` (CONFORM_SECURED_TOKEN)",
        ),
        (
            "oauth.yaml",
            "`clientCredentials`: OAuth2 client credentials from /oauth/token (CONFORM_SECURED_CLIENT_ID, CONFORM_SECURED_CLIENT_SECRET)",
        ),
    ] {
        assert_eq!(says(scenario), format!("{prefix}{credentials}"), "{text}");
    }
    assert_eq!(says("public.yaml"), "none (the operation requires none)");
    assert!(
        text.contains("`withBasic` requires scheme `basicAuth` (HTTP basic): CONFORM_SECURED_USERNAME and CONFORM_SECURED_PASSWORD are not set"),
        "{text}"
    );
    let leaked = leaks(&server, &out, None);
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn the_spec_keeps_each_alternative_with_its_scopes() {
    let registry = conform::openapi::Registry::new(SPECS);
    let spec = registry.api("secured").unwrap_or_else(|d| panic!("{d}"));
    let op = |id: &str| spec.operation(id).expect("an operation");
    let alt = |pairs: &[(&str, &[&str])]| -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    };
    assert_eq!(
        op("readReports").requirements,
        [alt(&[("clientCredentials", &["reports.read"])])]
    );
    assert_eq!(
        op("withEither").requirements,
        [alt(&[("basicAuth", &[])]), alt(&[("bearerAuth", &[])])]
    );
    assert_eq!(
        op("withOptionalKey").requirements,
        [alt(&[]), alt(&[("headerKey", &[])])]
    );
    assert!(
        op("withOptionalKey").security.is_empty(),
        "anonymous allowed"
    );
    assert_eq!(
        op("withBearer").requirements,
        [alt(&[("bearerAuth", &[])])],
        "the document's"
    );
    assert!(op("getPublic").requirements.is_empty());
}

/// CI-only: the OpenAPI Initiative's tic-tac-toe example (API key or OAuth2 client
/// credentials on one operation, bearer or an authorization-code flow on others), read from
/// `../shared/realworld-specs` when it is there. Nothing is sent: the spec's token URL is public.
#[test]
fn a_published_specs_alternatives_are_chosen_by_the_variables_set() {
    let path =
        crate::util::root().join("../shared/realworld-specs/oai-examples/v3.1/tictactoe.yaml");
    if !path.is_file() {
        println!("skipped: {} is absent (it is there in CI)", path.display());
        return;
    }
    use conform::targets::credentials::declared::{Named, Vars, resolve};
    use conform::targets::{Auth, Prepared};
    let spec = conform::openapi::load_api("tictactoe", &path).unwrap_or_else(|d| panic!("{d}"));
    let base = reqwest::Url::parse("http://127.0.0.1:9/").expect("a URL");
    let vars = Vars::new("tictactoe", &Named::default());
    let token_only =
        |name: &str| (name == "CONFORM_TICTACTOE_TOKEN").then(|| "tok-4242".to_owned());
    let auth = resolve(&spec, &base, &vars, false, &token_only)
        .expect("resolves")
        .expect("credentials");
    let rt = runtime();
    let client = reqwest::Client::new();
    let apply = |op: &str| {
        let mut req = Prepared {
            operation_id: op.into(),
            method: "GET".into(),
            url: base.clone(),
            headers: Default::default(),
            body: Default::default(),
        };
        rt.block_on(Auth::apply(&auth, &mut req, &client))
            .map(|()| req)
    };
    let board = apply("get-board").expect("the API key alternative");
    assert_eq!(board.header("api-key"), Some("tok-4242"));
    let square = apply("get-square").expect("the bearer alternative");
    assert_eq!(square.header("Authorization"), Some("Bearer tok-4242"));
    let d = auth.describe();
    assert!(
        d.contains("`user2AppOauth`: OAuth2 authorizationCode, a bearer token obtained elsewhere (CONFORM_TICTACTOE_TOKEN)"),
        "{d}"
    );
    assert!(
        d.contains("`app2AppOauth`: OAuth2 client credentials from https://learn.openapis.org/oauth/2.0/token"),
        "{d}"
    );

    // Client credentials only: the square's alternatives are a token and a browser flow.
    let client_only = |name: &str| name.contains("CLIENT").then(|| "client-4242".to_owned());
    let auth = resolve(&spec, &base, &vars, false, &client_only)
        .expect("resolves")
        .expect("credentials");
    let mut req = Prepared {
        operation_id: "put-square".into(),
        method: "PUT".into(),
        url: base.clone(),
        headers: Default::default(),
        body: Default::default(),
    };
    let e = rt
        .block_on(Auth::apply(&auth, &mut req, &client))
        .expect_err("neither alternative can be sent")
        .to_string();
    assert!(
        e.contains("CONFORM_TICTACTOE_TOKEN is not set; or scheme `user2AppOauth`"),
        "{e}"
    );
}

#[test]
fn a_spec_given_anywhere_reaches_its_servers_url_with_its_declared_credentials() {
    let server = Server::start();
    let dir = temp_dir();
    let spec =
        std::fs::read_to_string(crate::util::root().join(SPECS).join("secured/openapi.yaml"))
            .expect("the fixture spec");
    let spec = spec.replacen(
        "paths:\n",
        &format!("servers:\n  - url: {}\npaths:\n", server.base),
        1,
    );
    let file = dir.path().join("secured.yaml");
    std::fs::write(&file, spec).expect("spec written");
    let arg = format!("secured={}", file.display());
    let path = format!("{CASES}/oauth.yaml");
    let (out, reports) = conform(&["run", "--spec", &arg, &path], &all_vars());
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(server.fetches("reports.read"), 1, "{text}");
    let leaked = leaks(&server, &out, reports.as_ref().map(|d| d.path()));
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}
