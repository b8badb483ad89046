//! End-to-end tests of the real `conform` binary against real servers on 127.0.0.1.

use crate::util::{Conform, Mocks, conform, text};

#[test]
fn a_violation_against_a_real_server_exits_1_with_a_diff() {
    let mocks = Mocks::start(&["fixture"], &Default::default());
    let target = format!("fixture={}", mocks.base("fixture"));
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        &target,
        "tests/fixtures/violation/body-mismatch.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("-  \"name\": \"plane\","), "{t}");
    assert!(t.contains("+  \"name\": \"plain\","), "{t}");
    assert!(
        t.contains("scenario: tests/fixtures/violation/body-mismatch.yaml:9:15"),
        "{t}"
    );
    assert!(
        t.lines().any(|l| l.starts_with("0 passed, 1 failed")),
        "{t}"
    );
    assert!(!t.contains('\x1b'), "no color when NO_COLOR is set: {t}");
}

#[test]
fn passing_fixtures_exit_0_against_the_embedded_mock() {
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "tests/fixtures/pass",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("3 passed, 0 failed")),
        "{t}"
    );
}

#[test]
fn repeat_runs_each_round_whole_and_shows_the_process_figures_after_each() {
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--repeat",
        "3",
        "--jobs",
        "2",
        "tests/fixtures/pass",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("9 passed, 0 failed")),
        "{t}"
    );
    for k in 1..=3 {
        assert!(t.contains(&format!("lifecycle.yaml (round {k}/3)")), "{t}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rounds: Vec<&str> = stderr.lines().filter(|l| l.starts_with("round ")).collect();
    assert_eq!(rounds.len(), 3, "{stderr}");
    for (k, line) in rounds.iter().enumerate() {
        assert!(line.starts_with(&format!("round {}/3: ", k + 1)), "{line}");
        if cfg!(target_os = "linux") {
            assert!(
                line.contains("MiB") && line.contains("open fds") && line.contains("tasks"),
                "{line}"
            );
        }
    }
    // No scenario of a round starts before the one before has finished whole (the events
    // are in the order they happened; the human lines above are in file order whatever).
    let json = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--repeat",
        "3",
        "--jobs",
        "4",
        "--format",
        "json",
        "tests/fixtures/pass",
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let mut round = 1;
    let mut finished_in_round = 0;
    for line in String::from_utf8_lossy(&json.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON event");
        match v["event"].as_str() {
            Some("scenario-started") => {
                let id = v["id"].as_str().expect("an id");
                assert!(
                    id.ends_with(&format!("(round {round}/3)")),
                    "{id} in round {round}"
                );
            }
            Some("scenario-finished") => finished_in_round += 1,
            Some("round-finished") => {
                assert_eq!(v["round"], round);
                assert_eq!(
                    finished_in_round, 3,
                    "round {round} ended with scenarios in flight"
                );
                (round, finished_in_round) = (round + 1, 0);
            }
            _ => {}
        }
    }
    assert_eq!(round, 4, "three round-finished events");
    let zero = conform(&["run", "--repeat", "0", "tests/fixtures/pass"]);
    assert_eq!(zero.status.code(), Some(2), "{}", text(&zero));
}

#[test]
fn a_typo_exits_2_with_line_column_and_suggestion() {
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "tests/fixtures/invalid/typo.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("tests/fixtures/invalid/typo.yaml:6:5: unknown key `expct`"),
        "{t}"
    );
    assert!(t.contains("help: did you mean `expect`?"), "{t}");
}

#[test]
fn an_unreachable_target_is_an_error_not_a_hang_or_panic() {
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        "fixture=http://127.0.0.1:1",
        "tests/fixtures/pass/negative.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("error [transport] cannot connect to http://127.0.0.1:1"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn usage_errors_exit_2() {
    let out = conform(&["run", "--jobs", "many"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = conform(&["run", "--target", "fixture=ftp://x", "tests/fixtures/pass"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("scheme `ftp` is not http or https"), "{t}");
}

#[test]
fn list_selects_by_tag() {
    let out = conform(&["list", "--tag", "negative", "tests/fixtures/pass"]);
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{t}");
    let ids: Vec<&str> = t
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["negative.yaml"], "{t}");
}

#[test]
fn the_published_schema_accepts_every_fixture_and_rejects_a_typo() {
    let out = conform(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let load = |p: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(p).expect("fixture readable");
        serde_saphyr::from_str(&text).expect("fixture is YAML")
    };
    for dir in ["tests/fixtures/pass", "tests/fixtures/violation"] {
        for entry in std::fs::read_dir(dir).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let doc = load(path.to_str().expect("utf-8 path"));
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        }
    }
    assert!(
        !validator.is_valid(&load("tests/fixtures/invalid/typo.yaml")),
        "the schema must flag `expct`"
    );
}

#[test]
fn a_dry_run_prints_requests_and_sends_nothing() {
    // A port nothing listens on: a dry run must not even try to connect.
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        "fixture=http://127.0.0.1:1",
        "--dry-run",
        "tests/fixtures/pass/lifecycle.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("POST http://127.0.0.1:1/widgets"), "{t}");
    assert!(
        t.contains("dry run: needs `${widget_id}` from an earlier response"),
        "{t}"
    );
    assert!(!t.contains("cannot connect"), "{t}");
    assert!(
        t.lines()
            .any(|l| l.starts_with("0 passed, 0 failed, 1 skipped")),
        "{t}"
    );
}

#[test]
fn state_changes_on_a_remote_target_need_confirmation() {
    // `.invalid` never resolves; the guard must refuse before any request is built.
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        "fixture=https://vendor.invalid",
        "tests/fixtures/pass/lifecycle.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("the scenario changes state on https://vendor.invalid/ (POST /widgets via createWidget), which is not a mock"), "{t}");
    assert!(t.contains("pass `--allow-writes` to confirm"), "{t}");
    assert!(!t.contains("request:"), "nothing may be sent: {t}");
}

#[test]
fn the_main_job_reports_which_reading_a_self_contradicting_document_the_target_follows() {
    let out = conform(&[
        "run",
        "--no-report",
        "cases/liveperson-deletion/cancel-lifecycle.yaml",
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "lenient reading passes: {t}");
    assert!(t.contains("the target follows the lenient reading"), "{t}");
    assert!(t.contains("they do not fail the run"), "{t}");
    assert!(
        t.contains("/0/request_id: 7723 is not of type \"string\"")
            || t.contains("/0/request_id: 77"),
        "{t}"
    );
    let strict = conform(&[
        "run",
        "--no-report",
        "--strict",
        "cases/liveperson-deletion/cancel-lifecycle.yaml",
    ]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "--strict fails the same run: {}",
        text(&strict)
    );
}

/// What a person reads at the end of a run: the failures with their diagnosis, the summary and
/// where the reports went, on the pass fixtures and one violation against the embedded mock.
/// Volatile values are replaced: durations, ephemeral ports, uuids, timestamps, run ids and the
/// temporary report folder.
#[test]
fn the_final_report_snapshot() {
    let mut c = Conform::new(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        "--color",
        "never",
        "--jobs",
        "1",
        "tests/fixtures/pass",
        "tests/fixtures/violation/body-mismatch.yaml",
    ]);
    let out = c.run();
    let reports = c.reports().expect("a temporary report folder");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    // The live lines come in the order the files were found whatever order the scenarios
    // finish in, so they are snapshot as printed, like the final report after them.
    let (live, report) = stdout
        .split_once("\nfailures:\n")
        .unwrap_or_else(|| panic!("a final report with failures: {stdout}"));
    let live = live.trim_end();
    let shown = format!("--- live lines ---\n{live}\n--- final report ---\nfailures:\n{report}");
    let reports = regex::escape(&reports.to_string_lossy());
    insta::with_settings!({filters => vec![
        (reports.as_str(), "[reports]"),
        (r"\((\d+ms|\d+\.\d+s|\d+m\d\ds)\)", "([duration])"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[timestamp]"),
        (r"\b[0-9a-f]{12}\b", "[run-id]"),
    ]}, {
        insta::assert_snapshot!("final_report", shown);
    });
}

/// `conform specs check | head -1` and `conform derive DOC | head` used to panic (exit 101) on
/// the closed pipe: the reader having what it wanted is success.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    for args in [
        &["specs", "check"][..],
        &["list", "cases"][..],
        &["schema"][..],
        &["derive", "tests/fixtures/docs/openstack-restore.rst"][..],
        &["completions", "bash"][..],
        &["man"][..],
    ] {
        let status = Conform::new(args).closed_stdout();
        assert_eq!(
            status.code(),
            Some(0),
            "conform {}: {status}",
            args.join(" ")
        );
    }
}

/// `fuzz --help` lists only what fuzz does: `--dry-run` (a shared switch of `run`) is not
/// listed there, and given anyway it is refused with the reason, exit 2.
#[test]
fn fuzz_does_not_offer_dry_run_and_refuses_it_with_the_reason() {
    let help = Conform::new(&["fuzz", "--help"]).output();
    let said = text(&help);
    assert_eq!(help.status.code(), Some(0), "{said}");
    assert!(said.contains("--max-examples"), "{said}");
    assert!(!said.contains("--dry-run"), "{said}");
    let run_help = text(&Conform::new(&["run", "--help"]).output());
    assert!(run_help.contains("--dry-run"), "{run_help}");
    let refused = Conform::new(&["fuzz", "liveperson-deletion", "--dry-run"]).output();
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(said.contains("does not apply to `conform fuzz`"), "{said}");
}
