//! The CI recipe in `docs/ci/` (GitHub Actions and GitLab CI): both files are YAML, every
//! `conform run` in them shards with `--partition hash:M/N` over exactly the matrix that runs
//! it, uses only flags the binary has, publishes the reports, and sends state-changing
//! requests to the vendors only on a schedule. Their schemas are checked by
//! `scripts/ci-recipe-check.sh` in `.ci/run` (check-jsonschema, not a Rust dependency).

use serde_json::Value;

use crate::util::{long_flags, root};

fn load(name: &str) -> Value {
    let path = root().join("docs/ci").join(name);
    let text = std::fs::read_to_string(&path).expect("the recipe exists");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `conform run` command lines of a job (`run:` of its steps, or GitLab's `script:`).
fn conform_runs(job: &Value) -> Vec<String> {
    let lines: Vec<&Value> = match job.get("steps") {
        Some(steps) => steps
            .as_array()
            .expect("steps is a list")
            .iter()
            .filter_map(|s| s.get("run"))
            .collect(),
        None => job["script"]
            .as_array()
            .expect("script is a list")
            .iter()
            .collect(),
    };
    lines
        .into_iter()
        .filter_map(Value::as_str)
        .filter(|l| l.contains("conform run"))
        .map(str::to_owned)
        .collect()
}

/// The long flags of `conform run`, with one not yet merged.
fn run_flags() -> Vec<String> {
    let mut flags = long_flags(&["run"]);
    // Built on a parallel branch; once it is merged, `--help` lists it and this is a no-op.
    flags.push("--partition".to_owned());
    flags
}

fn assert_known_flags(command: &str, flags: &[String]) {
    for word in command.split_whitespace().filter(|w| w.starts_with("--")) {
        assert!(
            flags.iter().any(|f| f == word),
            "`{word}` is not a flag of conform run: {command}"
        );
    }
}

/// The `N` of `--partition hash:<shard>/N` in `command`, checking the shard is `shard`.
fn partition_total(command: &str, shard: &str) -> String {
    // Not split on whitespace first: GitHub's `${{ matrix.shard }}` holds spaces.
    let (_, value) = command
        .split_once("--partition ")
        .unwrap_or_else(|| panic!("no --partition: {command}"));
    let rest = value
        .strip_prefix(&format!("hash:{shard}/"))
        .unwrap_or_else(|| panic!("`{value}` is not hash:{shard}/N"));
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The first step whose `key` contains `text`.
fn step<'a>(steps: &'a [Value], key: &str, text: &str, job: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s[key].as_str().is_some_and(|v| v.contains(text)))
        .unwrap_or_else(|| panic!("{job}: no step whose {key} has {text}"))
}

#[test]
fn github_actions_shards_over_its_matrix_and_publishes_every_shard() {
    let workflow = load("github-actions.yml");
    let flags = run_flags();
    let jobs = workflow["jobs"].as_object().expect("jobs");
    assert!(jobs.len() >= 2, "a mocks job and a vendors job");
    for (name, job) in jobs {
        let shards: Vec<u64> = job["strategy"]["matrix"]["shard"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no matrix.shard"))
            .iter()
            .map(|s| s.as_u64().expect("a shard is a number"))
            .collect();
        // 1-based and complete, or some scenarios would run in no shard.
        assert_eq!(
            shards,
            (1..=shards.len() as u64).collect::<Vec<_>>(),
            "{name}"
        );
        let runs = conform_runs(job);
        assert_eq!(runs.len(), 1, "{name}: one conform run");
        let total = partition_total(&runs[0], "${{ matrix.shard }}");
        assert_eq!(
            total,
            shards.len().to_string(),
            "{name}: N is the matrix size"
        );
        assert_known_flags(&runs[0].replace("$CONFORM_MODE", ""), &flags);
        let steps = job["steps"].as_array().expect("steps");
        let summary = step(steps, "run", "$GITHUB_STEP_SUMMARY", name);
        assert!(summary["run"].to_string().contains("reports/summary.md"));
        let upload = step(steps, "uses", "actions/upload-artifact@", name);
        assert_eq!(upload["with"]["path"], "reports/", "{name}");
        // Reports of a failing run are the ones worth reading.
        for step in [summary, upload] {
            assert_eq!(step["if"], "${{ !cancelled() }}", "{name}: {step}");
        }
    }
    let vendors = &workflow["jobs"]["vendors"];
    let run = &conform_runs(vendors)[0];
    assert!(run.contains("--targets targets.yaml"), "{run}");
    assert!(
        !run.contains("--allow-writes"),
        "writes come from the schedule only: {run}"
    );
    let mode = vendors["env"]["CONFORM_MODE"]
        .as_str()
        .expect("CONFORM_MODE");
    assert_eq!(
        mode,
        "${{ github.event_name == 'schedule' && '--allow-writes' || '--dry-run' }}"
    );
    assert_known_flags("--allow-writes --dry-run", &flags);
    let on = vendors["if"]
        .as_str()
        .expect("the vendors job has a condition");
    assert!(!on.contains("push") && !on.contains("pull_request"), "{on}");
    for secret in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "OS_PASSWORD",
        "LP_BEARER_TOKEN",
    ] {
        assert_eq!(
            vendors["env"][secret],
            format!("${{{{ secrets.{secret} }}}}"),
            "{secret} comes from the secrets"
        );
    }
    assert!(
        workflow["jobs"]["mocks"].get("env").is_none(),
        "no secrets on the mocks job"
    );
}

#[test]
fn gitlab_ci_shards_with_parallel_and_reports_junit() {
    let pipeline = load("gitlab-ci.yml");
    let flags = run_flags();
    let template = &pipeline[".conform"];
    assert_eq!(
        template["artifacts"]["reports"]["junit"],
        "reports/junit.xml"
    );
    assert_eq!(template["artifacts"]["when"], "always");
    assert!(
        template["after_script"]
            .to_string()
            .contains("reports/summary.md")
    );
    for name in ["conform:mocks", "conform:vendors"] {
        let job = &pipeline[name];
        assert_eq!(job["extends"], ".conform", "{name}");
        assert!(
            job["parallel"].as_u64().is_some_and(|n| n >= 2),
            "{name}: parallel: N"
        );
        let runs = conform_runs(job);
        assert_eq!(runs.len(), 1, "{name}: one conform run");
        // GitLab's own 1-based index and count of the job's parallel copies.
        let total = partition_total(&runs[0], "${CI_NODE_INDEX}");
        assert_eq!(total, "${CI_NODE_TOTAL}", "{name}");
        assert_known_flags(&runs[0].replace("$CONFORM_MODE", ""), &flags);
    }
    let vendors = &pipeline["conform:vendors"];
    assert!(conform_runs(vendors)[0].contains("--targets targets.yaml"));
    let rules = vendors["rules"].as_array().expect("rules");
    for rule in rules {
        let mode = rule["variables"]["CONFORM_MODE"]
            .as_str()
            .expect("each rule sets a mode");
        assert_known_flags(mode, &flags);
        let on_schedule = rule["if"] == "$CI_PIPELINE_SOURCE == \"schedule\"";
        assert_eq!(
            mode == "--allow-writes",
            on_schedule,
            "writes only on a schedule: {rule}"
        );
    }
    assert!(rules.len() >= 2, "a scheduled rule and a manual one");
}
