//! Arazzo workflows through the real binary: `conform list` shows one row per workflow, and a
//! workflow's inputs come from `--var`, read by their schema's type and checked against it.
//! (The workflows against the fixture mock, pass, violation and invalid, are trials of the
//! `conformance` harness: tests/fixtures/arazzo/.)

use crate::util::{conform, root, temp_dir, text};

#[test]
fn list_shows_one_row_per_workflow() {
    let out = conform(&["list", "tests/fixtures/arazzo/pass"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let rows: Vec<&str> = t.lines().filter(|l| l.contains(".arazzo.yaml#")).collect();
    assert_eq!(rows.len(), 4, "{t}");
    assert!(
        rows[0].starts_with("widgets.arazzo.yaml#lifecycle\tcreate a widget, poll it until ready"),
        "{t}"
    );
}

/// A workflow whose input `size` is required, against the fixture spec.
fn sized_workflow(dir: &std::path::Path) -> std::path::PathBuf {
    let spec = root().join("tests/fixtures/specs/fixture/openapi.yaml");
    let text = format!(
        "arazzo: 1.0.1\ninfo: {{title: sized, version: 1.0.0}}\nsourceDescriptions:\n  - name: fixture\n    url: {}\nworkflows:\n  - workflowId: sized\n    inputs:\n      type: object\n      required: [size]\n      properties:\n        size: {{type: integer, maximum: 100}}\n    steps:\n      - stepId: create\n        operationId: createWidget\n        requestBody:\n          payload: {{name: sized, size: $inputs.size}}\n        successCriteria:\n          - condition: $statusCode == 201\n          - condition: $response.body#/size == $inputs.size\n",
        spec.display()
    );
    let path = dir.join("sized.arazzo.yaml");
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn inputs_come_from_vars_typed_and_checked_against_their_schema() {
    let dir = temp_dir();
    let file = sized_workflow(dir.path());
    let file = file.to_str().expect("utf-8 path");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--specs", "tests/fixtures/specs"];
        args.extend_from_slice(extra);
        args.push(file);
        conform(&args)
    };
    let ok = run(&["--var", "size=7"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    let too_big = run(&["--var", "size=500"]);
    let t = text(&too_big);
    assert_eq!(too_big.status.code(), Some(2), "{t}");
    assert!(t.contains("sized.arazzo.yaml:9:7"), "{t}");
    assert!(t.contains("does not match its schema"), "{t}");

    let missing = run(&[]);
    let t = text(&missing);
    assert!(t.contains("needs input `size` of workflow `sized`"), "{t}");
    assert!(t.contains("--var"), "the skip says how to give it: {t}");
}

#[test]
fn invalid_documents_exit_2_and_a_workflow_named_alone_runs_alone() {
    let args = ["run", "--specs", "tests/fixtures/specs"];
    let invalid = conform(&[&args[..], &["tests/fixtures/arazzo/invalid"]].concat());
    let t = text(&invalid);
    assert_eq!(invalid.status.code(), Some(2), "{t}");
    assert!(t.contains("0 passed, 0 failed, 6 errored"), "{t}");

    let one = "tests/fixtures/arazzo/pass/widgets.arazzo.yaml#nested";
    let alone = conform(&[&args[..], &[one]].concat());
    let t = text(&alone);
    assert_eq!(alone.status.code(), Some(0), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("1 passed, 0 failed")),
        "{t}"
    );
}

/// A retry that polls until ready is the workflow's way, as a scenario's `until` is: the step is
/// reported once with its attempts, and its unmet criteria on the way are neither findings nor
/// warnings.
#[test]
fn a_retried_step_is_one_step_with_its_attempts_and_no_warning() {
    let mut run = crate::util::Conform::new(&[
        "run",
        "-v",
        "--specs",
        "tests/fixtures/specs",
        "tests/fixtures/arazzo/pass/widgets.arazzo.yaml#lifecycle",
    ]);
    let out = run.run();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains("warnings"), "no warning for a poll: {t}");
    let reports = run.reports().expect("a report folder");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON");
    let steps = json["scenarios"][0]["steps"]
        .as_array()
        .expect("steps")
        .clone();
    let polls: Vec<_> = steps.iter().filter(|s| s["name"] == "poll").collect();
    assert_eq!(polls.len(), 1, "one step for every attempt: {steps:?}");
    assert!(
        polls[0]["attempts"].as_u64().unwrap_or(0) >= 2,
        "the fixture's widget is ready on its second get: {steps:?}"
    );
    assert!(
        steps
            .iter()
            .all(|s| s["findings"].as_array().is_some_and(Vec::is_empty)),
        "{steps:?}"
    );
}

/// A value the workflow references but nobody gave (an optional input without a default) is
/// the workflow's fault: the run errors (exit 2) and names it, never blaming the target.
#[test]
fn a_value_nobody_gave_is_the_workflows_error_not_a_violation() {
    let dir = temp_dir();
    let spec = root().join("tests/fixtures/specs/fixture/openapi.yaml");
    let doc = format!(
        "arazzo: 1.0.1\ninfo: {{title: optional, version: 1.0.0}}\nsourceDescriptions:\n  - name: fixture\n    url: {}\nworkflows:\n  - workflowId: optional\n    inputs:\n      type: object\n      properties:\n        size: {{type: integer}}\n    steps:\n      - stepId: create\n        operationId: createWidget\n        requestBody:\n          payload: {{name: optional, size: $inputs.size}}\n",
        spec.display()
    );
    let path = dir.path().join("optional.arazzo.yaml");
    std::fs::write(&path, doc).expect("write");
    let out = conform(&[
        "run",
        "--specs",
        "tests/fixtures/specs",
        path.to_str().expect("utf-8 path"),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("$inputs.size"), "{t}");
    assert!(t.contains("the workflow's to fix, not the target's"), "{t}");
}

/// A step whose success criteria test `$statusCode` expects the status they say (a 404 after a
/// delete, as on jupyter-server): conform's default of a success then does not apply; a step
/// whose criteria leave the status alone still expects a success, and a criterion still fails.
#[test]
fn criteria_on_the_status_replace_the_default_success() {
    let dir = temp_dir();
    let spec = root().join("tests/fixtures/specs/fixture/openapi.yaml");
    let run = |criteria: &str| {
        let doc = format!(
            "arazzo: 1.0.1\ninfo: {{title: gone, version: 1.0.0}}\nsourceDescriptions:\n  - name: fixture\n    url: {}\nworkflows:\n  - workflowId: gone\n    steps:\n      - stepId: missing\n        operationId: getWidget\n        parameters:\n          - {{name: id, in: path, value: 00000000-0000-4000-8000-000000000000}}\n{criteria}",
            spec.display()
        );
        let path = dir.path().join("gone.arazzo.yaml");
        std::fs::write(&path, doc).expect("write");
        conform(&[
            "run",
            "--specs",
            "tests/fixtures/specs",
            path.to_str().expect("utf-8 path"),
        ])
    };
    let on_status = run("        successCriteria:\n          - condition: $statusCode == 404\n");
    let t = text(&on_status);
    assert_eq!(on_status.status.code(), Some(0), "{t}");
    assert!(!t.contains("expects success"), "{t}");

    let as_regex = run(
        "        successCriteria:\n          - {context: $statusCode, condition: '^4', type: regex}\n",
    );
    assert_eq!(as_regex.status.code(), Some(0), "{}", text(&as_regex));

    let unmet = run("        successCriteria:\n          - condition: $statusCode == 200\n");
    let t = text(&unmet);
    assert_eq!(unmet.status.code(), Some(1), "{t}");
    assert!(t.contains("`$statusCode == 200` does not hold"), "{t}");

    let silent = run("");
    let t = text(&silent);
    assert_eq!(silent.status.code(), Some(1), "{t}");
    assert!(t.contains("expects success"), "{t}");
}
