//! `--min-coverage` end to end through the real binary, on the LivePerson corpus against its
//! embedded mock: a gate the run reaches passes, the same run under a gate it cannot reach
//! fails with exit 1 and names what is unreached, and report.json, report.html and summary.md
//! carry the figure and the verdict; a gate that is not a percentage is a usage error.

use crate::util::{Conform, text};

const CORPUS: &str = "cases/liveperson-deletion";

/// The report.html, summary.md and junit.xml texts of a run.
struct Texts {
    html: String,
    md: String,
    junit: String,
}

/// Runs the corpus with `gate`; returns the output, the parsed report.json and the other
/// reports' texts.
fn run_with_gate(gate: &str) -> (std::process::Output, serde_json::Value, Texts) {
    let mut c = Conform::new(&["run", "--jobs", "2", "--min-coverage", gate, CORPUS]);
    let out = c.run();
    let dir = c.reports().expect("a temporary report folder");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let json = serde_json::from_str(&read("report.json")).expect("report.json is JSON");
    let texts = Texts {
        html: read("report.html"),
        md: read("summary.md"),
        junit: read("junit.xml"),
    };
    (out, json, texts)
}

#[test]
fn a_gate_the_run_reaches_passes_and_one_it_cannot_fails_naming_what_is_unreached() {
    let (out, json, texts) = run_with_gate("1%");
    let (returned, percent) = check_gate_met(&out, &json, &texts);
    // The same run under a gate it cannot reach.
    let (out, unmet, texts) = run_with_gate("100%");
    let ops = json["coverage"]["apis"][0]["operations"]
        .as_array()
        .expect("operations");
    check_gate_not_met(&out, &unmet, &texts, (returned, percent), ops);
}

/// The run under the 1% gate: it passes, and every output says the gate was met. Returns the
/// statuses the run returned and its percentage.
fn check_gate_met(
    out: &std::process::Output,
    json: &serde_json::Value,
    Texts { html, md, junit }: &Texts,
) -> (u64, f64) {
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
    let coverage = &json["coverage"];
    let returned = coverage["returned"].as_u64().expect("returned");
    let documented = coverage["documented"].as_u64().expect("documented");
    assert!(
        0 < returned && returned < documented,
        "the corpus reaches some documented statuses, not all: {coverage}"
    );
    let percent = coverage["percent"].as_f64().expect("percent");
    assert!((percent - returned as f64 * 100.0 / documented as f64).abs() < 1e-9);
    assert_eq!(
        coverage["gate"],
        serde_json::json!({"min": 1.0, "actual": percent, "met": true})
    );
    assert_eq!(json["exit_code"], 0);
    check_sums(coverage, returned, documented);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gate 1%: met"), "{stdout}");
    assert!(html.contains("--min-coverage 1%: met"), "{html}");
    assert!(md.contains("gate 1%: ✅ met"), "{md}");
    assert!(
        junit.contains("name=\"conform.coverage\"") && junit.contains("gate 1%: met\""),
        "{junit}"
    );
    (returned, percent)
}

/// The run's figure is the sum of its APIs', each the sum of its operations'.
fn check_sums(coverage: &serde_json::Value, returned: u64, documented: u64) {
    let apis = coverage["apis"].as_array().expect("apis");
    assert_eq!(apis.len(), 1, "only the API that ran: {coverage}");
    assert_eq!(apis[0]["api"], "liveperson-deletion");
    assert_eq!(apis[0]["returned"], returned);
    let ops = apis[0]["operations"].as_array().expect("operations");
    let sum = |field: &str| {
        ops.iter()
            .map(|o| o[field].as_u64().expect(field))
            .sum::<u64>()
    };
    assert_eq!((sum("returned"), sum("documented")), (returned, documented));
    for op in ops {
        let statuses = op["statuses"].as_array().expect("statuses");
        let hit = statuses
            .iter()
            .filter(|s| s["count"].as_u64() > Some(0))
            .count();
        assert_eq!(op["returned"], hit, "{op}");
        assert_eq!(op["documented"], statuses.len(), "{op}");
    }
}

/// The run under the 100% gate: the same figure as the 1% run (its returned statuses and
/// percentage), and every output says the gate failed the run, naming the operation with the
/// most unreached statuses among `ops` (the 1% run's).
fn check_gate_not_met(
    out: &std::process::Output,
    json: &serde_json::Value,
    Texts { html, md, junit }: &Texts,
    (returned, percent): (u64, f64),
    ops: &[serde_json::Value],
) {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    let coverage = &json["coverage"];
    assert_eq!(
        coverage["returned"], returned,
        "the same run, the same figure"
    );
    assert_eq!(
        coverage["gate"],
        serde_json::json!({"min": 100.0, "actual": percent, "met": false})
    );
    assert_eq!(json["exit_code"], 1, "the report says the run failed");
    assert_eq!(
        json["counts"]["failed"], 0,
        "no scenario failed: the gate did"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("is below --min-coverage 100%"), "{stdout}");
    let named = most_unreached(ops);
    assert!(stdout.contains(&named), "{named} in {stdout}");
    assert!(html.contains("--min-coverage 100%: not met"), "{html}");
    assert!(junit.contains("gate 100%: not met\""), "{junit}");
    assert!(html.contains("verdict\">FAILED"), "the page's verdict");
    assert!(
        md.starts_with("### ❌") && md.contains("gate 100%: ❌ not met"),
        "{md}"
    );
}

/// How a failed gate names the operation with the most unreached statuses (which is named
/// first): `liveperson-deletion <id>: <its unreached statuses>`.
fn most_unreached(ops: &[serde_json::Value]) -> String {
    let (first, unreached) = ops
        .iter()
        .map(|o| {
            let keys: Vec<&str> = o["statuses"]
                .as_array()
                .expect("statuses")
                .iter()
                .filter(|s| s["count"] == 0)
                .map(|s| s["key"].as_str().expect("key"))
                .collect();
            (o["id"].as_str().expect("id"), keys)
        })
        .max_by_key(|(_, keys)| keys.len())
        .expect("an operation");
    format!("liveperson-deletion {first}: {}", unreached.join(", "))
}

#[test]
fn a_failed_gate_is_said_under_quiet_and_json_output_and_without_reports() {
    for args in [
        vec!["--quiet", "--no-report"],
        vec!["--format", "json", "--no-report"],
    ] {
        let mut all = vec!["run", "--min-coverage", "99.5"];
        all.extend(args.iter().copied());
        all.push(CORPUS);
        let out = Conform::new(&all).output();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("is below --min-coverage 99.5%"),
            "{args:?}: {}",
            text(&out)
        );
    }
}

#[test]
fn a_gate_that_is_not_a_percentage_is_a_usage_error_that_says_the_form() {
    for bad in ["abc", "101", "80.5.1", "80%%"] {
        let out = Conform::new(&["run", "--no-report", "--min-coverage", bad, CORPUS]).output();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--min-coverage")
                && err.contains("from 0 to 100")
                && err.contains("`80%`"),
            "{bad}: {err}"
        );
    }
}
