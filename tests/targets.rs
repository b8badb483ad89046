//! The corpus, pointed at the mocks through a targets file as if they were the vendors: real
//! signing with keys from ALIBABA_CLOUD_*, a Keystone password login from OS_* that finds the
//! compute endpoint in the catalog, a bearer token whose LivePerson domain is looked up. And no
//! secret from the environment appears in stdout, stderr or any report.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use conform::mock::{Fault, MockOptions};

use crate::util::{Conform, Mocks, temp_dir, text};

const APIS: [&str; 3] = [
    "alibaba-elasticsearch",
    "openstack-compute",
    "liveperson-deletion",
];

/// The three mocks, standing in for the vendors.
struct Vendors(Mocks);

fn start(fault: Option<Fault>) -> Vendors {
    let options = MockOptions {
        fault,
        ..Default::default()
    };
    Vendors(Mocks::start(&APIS, &options))
}

impl Vendors {
    fn base(&self, api: &str) -> String {
        self.0.base(api)
    }

    /// The targets file a user would write: no credentials, URLs only where nothing finds them.
    fn targets_file(&self, dir: &Path) -> std::path::PathBuf {
        let text = format!(
            "alibaba-elasticsearch:\n  auth: alibaba\n  url: {}\n\
             openstack-compute:\n  auth: keystone\n  interface: public\n\
             liveperson-deletion:\n  auth: bearer\n  account: le92186583\n  csds: {}\n",
            self.base("alibaba-elasticsearch"),
            self.base("liveperson-deletion"),
        );
        let path = dir.join("targets.yaml");
        std::fs::write(&path, text).expect("targets file written");
        path
    }

    /// The environment a user would export, from the mocks' test credentials.
    fn env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for (k, v) in conform::mock::credentials("alibaba-elasticsearch") {
            if k.starts_with("ALIBABA_CLOUD_") {
                env.insert(k.to_owned(), v);
            }
        }
        for (k, v) in conform::mock::credentials("openstack-compute") {
            if k.starts_with("OS_") {
                env.insert(k.to_owned(), v);
            }
        }
        env.insert(
            "OS_AUTH_URL".into(),
            format!("{}identity/v3", self.base("openstack-compute")),
        );
        for (k, v) in conform::mock::credentials("liveperson-deletion") {
            if k == "Authorization" {
                env.insert(
                    "LP_BEARER_TOKEN".into(),
                    v.trim_start_matches("Bearer ").to_owned(),
                );
            }
        }
        env
    }
}

fn conform(args: &[&str], env: &BTreeMap<String, String>) -> Output {
    let mut cmd = Conform::new(args);
    for var in [
        "OS_CLOUD",
        "OS_TOKEN",
        "OS_PROJECT_ID",
        "OS_REGION_NAME",
        "OS_INTERFACE",
        "OS_CLIENT_CONFIG_FILE",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "CONFORM_TARGETS",
    ] {
        cmd = cmd.env_remove(var);
    }
    cmd.envs(env).output()
}

/// Every secret value of `env` that occurs in the output or under `reports`.
fn leaks(env: &BTreeMap<String, String>, out: &Output, reports: &Path) -> Vec<String> {
    let secret = |k: &str| k.contains("SECRET") || k.contains("PASSWORD") || k.contains("TOKEN");
    let mut texts = vec![
        (
            "stdout".to_owned(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for entry in std::fs::read_dir(reports).expect("reports written") {
        let path = entry.expect("entry").path();
        if let Ok(text) = std::fs::read_to_string(&path) {
            texts.push((path.display().to_string(), text));
        }
    }
    let mut found = Vec::new();
    for (k, v) in env.iter().filter(|(k, _)| secret(k)) {
        for (where_, text) in &texts {
            if text.contains(v.as_str()) {
                found.push(format!("{k} in {where_}"));
            }
        }
    }
    found
}

#[test]
fn the_corpus_passes_through_a_targets_file_and_no_secret_leaks() {
    let vendors = start(None);
    let dir = temp_dir();
    let file = vendors.targets_file(dir.path());
    let reports = dir.path().join("reports");
    let env = vendors.env();
    assert!(env.len() >= 6, "test credentials found: {:?}", env.keys());
    let out = conform(
        &[
            "run",
            "--targets",
            file.to_str().expect("utf-8"),
            "--report",
            reports.to_str().expect("utf-8"),
        ],
        &env,
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Not marked `mock: true`, so the mock-only scenarios are skipped as on a real vendor.
    let summary = text
        .lines()
        .rfind(|l| l.starts_with(|c: char| c.is_ascii_digit()) && l.contains(" passed, "))
        .unwrap_or_default();
    assert!(
        summary.contains(" 0 failed, 4 skipped"),
        "{summary}\n{text}"
    );
    assert!(
        text.contains("tagged `mock-only`, and the target is not a mock"),
        "{text}"
    );
    let leaked = leaks(&env, &out, &reports);
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
    // A passing scenario's exchanges are streamed, not kept for the report files: the JSON event
    // stream carries every signed request, and it must carry them redacted.
    let events = conform(
        &[
            "run",
            "--targets",
            file.to_str().expect("utf-8"),
            "--format",
            "json",
            "--no-report",
        ],
        &env,
    );
    let stream = String::from_utf8_lossy(&events.stdout);
    assert_eq!(events.status.code(), Some(0), "{stream}");
    assert!(
        stream.contains("ACS3-HMAC-SHA256 <redacted>") && stream.contains("Bearer <redacted>"),
        "signed requests are recorded redacted: {stream}"
    );
    let empty = tempfile::tempdir().expect("temp dir");
    let leaked = leaks(&env, &events, empty.path());
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn failures_carry_full_diagnoses_and_still_leak_no_secret() {
    let vendors = start(Some(Fault::WrongErrorEnvelope));
    let dir = temp_dir();
    let file = vendors.targets_file(dir.path());
    let reports = dir.path().join("reports");
    let env = vendors.env();
    let out = conform(
        &[
            "run",
            "--targets",
            file.to_str().expect("utf-8"),
            "--report",
            reports.to_str().expect("utf-8"),
        ],
        &env,
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("request: ") && text.contains("response: "),
        "{text}"
    );
    let leaked = leaks(&env, &out, &reports);
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn a_missing_credential_is_named_with_the_variable_to_set() {
    let vendors = start(None);
    let dir = temp_dir();
    let file = vendors.targets_file(dir.path());
    let mut env = vendors.env();
    env.remove("LP_BEARER_TOKEN");
    let out = conform(
        &[
            "run",
            "--targets",
            file.to_str().expect("utf-8"),
            "--no-report",
        ],
        &env,
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("liveperson-deletion: environment variable LP_BEARER_TOKEN (the bearer token) is not set"), "{text}");
    assert!(
        text.contains("targets.yaml:"),
        "the message names the file: {text}"
    );
}

/// `--target API=URL` for each API, no targets file: the URL from the flag, the credentials
/// from the variables of each API's own convention.
fn target_args(vendors: &Vendors) -> Vec<String> {
    vec![
        format!(
            "--target=alibaba-elasticsearch={}",
            vendors.base("alibaba-elasticsearch")
        ),
        format!(
            "--target=openstack-compute={}compute/v2.1",
            vendors.base("openstack-compute")
        ),
        format!(
            "--target=liveperson-deletion={}",
            vendors.base("liveperson-deletion")
        ),
    ]
}

#[test]
fn credentials_follow_target_urls_from_the_environment() {
    let vendors = start(None);
    let dir = temp_dir();
    let reports = dir.path().join("reports");
    let env = vendors.env();
    let targets = target_args(&vendors);
    let mut args = vec!["run", "--report", reports.to_str().expect("utf-8")];
    args.extend(targets.iter().map(String::as_str));
    let out = conform(&args, &env);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains("sent without credentials"), "{said}");
    let leaked = leaks(&env, &out, &reports);
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");

    // `--dry-run` says what each step carries, without a secret.
    let mut args = vec!["run", "--dry-run", "--no-report"];
    args.extend(targets.iter().map(String::as_str));
    let dry = conform(&args, &env);
    let dry_text = text(&dry);
    for carried in [
        "credentials: Alibaba signature v3 (ACS3-HMAC-SHA256), access key id",
        "credentials: X-Auth-Token from a Keystone password login as",
        "credentials: Authorization: Bearer token",
    ] {
        assert!(dry_text.contains(carried), "`{carried}` in:\n{dry_text}");
    }
    let empty = tempfile::tempdir().expect("temp dir");
    let leaked = leaks(&env, &dry, empty.path());
    assert!(leaked.is_empty(), "secrets leaked: {leaked:?}");
}

#[test]
fn a_target_without_credentials_says_so_before_the_401() {
    let vendors = start(None);
    let targets = target_args(&vendors);
    let mut args = vec!["run", "--no-report", "cases/liveperson-deletion"];
    args.extend(targets.iter().map(String::as_str));
    // No LP_BEARER_TOKEN: every step goes out bare, and each says why it will fail.
    let out = conform(&args, &BTreeMap::new());
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("sent without credentials: the spec requires `bearer`"),
        "{text}"
    );
    assert!(
        text.contains("(export LP_BEARER_TOKEN, or give `auth:`"),
        "the fix: {text}"
    );
}

#[test]
fn a_target_url_keeps_the_files_credentials_and_asks_no_other_host() {
    let vendors = start(None);
    let dir = temp_dir();
    // `account:` and no `url:`: alone, this entry would look the domain up on the public
    // CSDS host, which this machine cannot reach; `--target` gives the URL, so nothing is
    // looked up, and the file's `auth: bearer` and `mock: true` still apply.
    let file = dir.path().join("targets.yaml");
    std::fs::write(
        &file,
        "liveperson-deletion:\n  auth: bearer\n  account: le92186583\n  mock: true\n",
    )
    .expect("targets file written");
    let target = format!(
        "liveperson-deletion={}",
        vendors.base("liveperson-deletion")
    );
    let out = conform(
        &[
            "run",
            "--no-report",
            "--targets",
            file.to_str().expect("utf-8"),
            "--target",
            &target,
            "cases/liveperson-deletion",
        ],
        &vendors.env(),
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("skipped"), "`mock: true` kept: {text}");
}
