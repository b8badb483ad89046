//! What the terminal shows, through the real binary against the embedded mocks: scenarios in the
//! order found whatever `--jobs`, the counts line with errored apart, `-v`/`-vv` exchanges with
//! no secret, `--var`/`--env-file` reaching a request, and `--partition` shards that cover a
//! corpus exactly once.

use crate::util::{Conform, Mocks, conform, temp_dir, text};

/// The scenario ids of the live lines (`PASS  id  name (12ms)`), in the order printed.
fn live_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| {
            ["PASS ", "FAIL ", "ERROR", "SKIP "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

/// The ids `conform list` gives for `args`, in its order.
fn listed(args: &[&str]) -> Vec<String> {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let out = conform(&all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn scenarios_print_in_the_order_found_whatever_the_jobs() {
    let corpus = "cases/liveperson-deletion";
    let mut runs = Vec::new();
    for jobs in ["1", "8"] {
        let out = conform(&["run", "--jobs", jobs, corpus]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        runs.push(live_ids(&String::from_utf8_lossy(&out.stdout)));
    }
    assert_eq!(
        runs[0].len(),
        10,
        "every scenario has a line: {:?}",
        runs[0]
    );
    assert_eq!(runs[0], runs[1], "--jobs 1 and --jobs 8 print alike");
    let mut sorted = runs[0].clone();
    sorted.sort();
    assert_eq!(runs[0], sorted, "the order is the files' name order");
}

#[test]
fn the_counts_line_counts_errored_apart_from_failed() {
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "tests/fixtures/pass",
        "tests/fixtures/violation/body-mismatch.yaml",
        "tests/fixtures/invalid/typo.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rfind(|l| l.contains(" passed, "))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(
        last.starts_with("3 passed, 1 failed, 1 errored ("),
        "the final counts line: {t}"
    );
    assert!(t.contains("1 scenario(s) errored"), "{t}");
}

/// A targets file that sends the LivePerson mock's token from `LP_BEARER_TOKEN`.
fn liveperson_with_token(mocks: &Mocks, dir: &std::path::Path) -> (String, String) {
    let base = mocks.base("liveperson-deletion");
    let file = dir.join("targets.yaml");
    let text =
        format!("liveperson-deletion:\n  auth: bearer\n  account: le92186583\n  csds: {base}\n");
    std::fs::write(&file, text).expect("targets file written");
    let token = conform::mock::credentials("liveperson-deletion")
        .into_iter()
        .find(|(k, _)| *k == "Authorization")
        .map(|(_, v)| v.trim_start_matches("Bearer ").to_owned())
        .expect("the mock's token");
    (file.display().to_string(), token)
}

#[test]
fn verbose_shows_a_passing_exchange_and_very_verbose_its_headers_with_no_secret() {
    let mocks = Mocks::start(&["liveperson-deletion"], &Default::default());
    let dir = temp_dir();
    let (targets, token) = liveperson_with_token(&mocks, dir.path());
    let scenario = "cases/liveperson-deletion/cancel-lifecycle.yaml";
    let run = |flag: &str| {
        let out = Conform::new(&["run", "--targets", &targets, flag, scenario])
            .envs([("LP_BEARER_TOKEN", token.as_str())])
            .output();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let t = text(&out);
        assert!(!t.contains(&token), "the token never reaches output: {t}");
        t
    };
    let plain = run("--color=never");
    assert!(
        !plain.contains("\"request_id\""),
        "no body without -v: {plain}"
    );
    let v = run("-v");
    assert!(v.contains("  > POST http://127.0.0.1:"), "{v}");
    assert!(v.contains("  < 201 (application/json"), "{v}");
    assert!(v.contains("  <   \"request_id\": "), "a pretty body: {v}");
    assert!(!v.contains("Authorization:"), "-v shows no headers: {v}");
    let vv = run("-vv");
    assert!(vv.contains("  > Authorization: Bearer <redacted>"), "{vv}");
    assert!(vv.contains("  < content-type: application/json"), "{vv}");
}

#[test]
fn verbose_and_quiet_do_not_go_together() {
    let out = conform(&["run", "-v", "--quiet", "cases/liveperson-deletion"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("cannot be used with"), "{}", text(&out));
}

/// `conform run` on the fixture that needs `widget_name=cli-widget`, with `extra` switches.
fn named_from_outside(extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["run", "--specs", "tests/fixtures/specs"];
    args.extend_from_slice(extra);
    args.push("tests/fixtures/inputs/named-from-outside.yaml");
    let out = conform(&args);
    (out.status.code(), text(&out))
}

#[test]
fn a_var_reaches_the_request_and_the_scenario_fails_without_it() {
    let (code, t) = named_from_outside(&["--var", "widget_name=cli-widget"]);
    assert_eq!(code, Some(0), "{t}");
    let (code, t) = named_from_outside(&["--var", "widget_name=other"]);
    assert_eq!(code, Some(1), "the mock echoes what was sent: {t}");
    let (code, t) = named_from_outside(&[]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains("`${widget_name}` is not defined"), "{t}");
    assert!(t.contains("pass `--var NAME=VALUE`"), "{t}");
}

#[test]
fn an_env_file_feeds_names_under_var() {
    let dir = temp_dir();
    let file = dir.path().join("run.env");
    std::fs::write(&file, "# the run's inputs\nwidget_name=cli-widget\n").expect("written");
    let file = file.display().to_string();
    let (code, t) = named_from_outside(&["--env-file", &file]);
    assert_eq!(code, Some(0), "{t}");
    let (code, t) = named_from_outside(&["--env-file", &file, "--var", "widget_name=other"]);
    assert_eq!(code, Some(1), "--var wins over the env file: {t}");
    // A scenario's own `vars` are defaults that `--var` overrides and an env file does not.
    let overridden = |extra: &[&str]| {
        let mut args = vec!["run", "--specs", "tests/fixtures/specs"];
        args.extend_from_slice(extra);
        args.push("tests/fixtures/inputs/overridden-default.yaml");
        let out = conform(&args);
        (out.status.code(), text(&out))
    };
    let (code, t) = overridden(&["--var", "widget_name=cli-widget"]);
    assert_eq!(code, Some(0), "--var wins over `vars`: {t}");
    let (code, t) = overridden(&["--env-file", &file]);
    assert_eq!(code, Some(1), "`vars` win over the env file: {t}");
}

#[test]
fn a_bad_var_or_env_file_line_is_a_usage_error_with_its_place() {
    for (bad, says) in [
        ("widget_name", "expected NAME=VALUE"),
        ("=cli-widget", "the name before `=` is empty"),
    ] {
        let (code, t) = named_from_outside(&["--var", bad]);
        assert_eq!(code, Some(2), "{t}");
        assert!(t.contains(says), "{t}");
    }
    let dir = temp_dir();
    let file = dir.path().join("bad.env");
    std::fs::write(&file, "A=1\nnot a line hunter2\n").expect("written");
    let (code, t) = named_from_outside(&["--env-file", &file.display().to_string()]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains(&format!("{}:2:", file.display())), "{t}");
    assert!(!t.contains("hunter2"), "the line is not echoed: {t}");
}

#[test]
fn a_secret_looking_input_is_redacted_in_output_and_reports() {
    let secret = "hunter2-widget";
    let mut c = Conform::new(&[
        "run",
        "-vv",
        "--specs",
        "tests/fixtures/specs",
        "--var",
        &format!("widget_secret={secret}"),
        "tests/fixtures/inputs/secret-input.yaml",
    ]);
    let out = c.run();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("\"name\": \"<redacted>\""), "{t}");
    assert!(!t.contains(secret), "{t}");
    let reports = c.reports().expect("a report folder");
    for entry in std::fs::read_dir(&reports).expect("reports written") {
        let path = entry.expect("entry").path();
        let body = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            !body.contains(secret),
            "{} holds the secret",
            path.display()
        );
    }
}

#[test]
fn an_env_file_gives_the_targets_their_credentials() {
    let mocks = Mocks::start(&["liveperson-deletion"], &Default::default());
    let dir = temp_dir();
    let (targets, token) = liveperson_with_token(&mocks, dir.path());
    let env = dir.path().join("vendor.env");
    std::fs::write(&env, format!("LP_BEARER_TOKEN={token}\n")).expect("written");
    let scenario = "cases/liveperson-deletion/cancel-lifecycle.yaml";
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--targets", targets.as_str()];
        args.extend_from_slice(extra);
        args.push(scenario);
        Conform::new(&args).env_remove("LP_BEARER_TOKEN").output()
    };
    let out = run(&["--env-file", &env.display().to_string(), "-vv"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains(&token), "{t}");
    let out = run(&[]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "no token, no pass: {}",
        text(&out)
    );
}

#[test]
fn partitions_cover_the_corpus_exactly_once_in_run_and_list() {
    let corpus = "cases";
    let all = listed(&[corpus]);
    assert_eq!(all.len(), 29, "the corpus: {all:?}");
    for kind in ["hash", "count"] {
        let mut seen = Vec::new();
        for m in 1..=3 {
            let p = format!("{kind}:{m}/3");
            let out = conform(&["run", "--partition", &p, "--no-report", corpus]);
            let t = text(&out);
            let ran = live_ids(&String::from_utf8_lossy(&out.stdout));
            assert!(!ran.is_empty(), "{p}: {t}");
            assert_eq!(
                ran,
                listed(&["--partition", &p, corpus]),
                "run and list agree on {p}"
            );
            seen.extend(ran);
        }
        seen.sort();
        assert_eq!(
            seen, all,
            "{kind}: every scenario in exactly one of 3 shards"
        );
    }
    let out = conform(&["run", "--partition", "foo:1/2", corpus]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("unknown kind `foo`"), "{}", text(&out));
}
