//! The report formats on a real run: the fixture scenarios (passes, violations, a scenario that
//! does not parse, and a target that echoes markup) against the fixture mock on an ephemeral
//! port, through the real runner. Snapshots have everything that changes between runs (ids,
//! ports, uuids, timestamps, durations) replaced by placeholders.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use conform::openapi::Registry;
use conform::report::stream::ReportWriter;
use conform::report::{coverage::Coverage, events::JsonLines, html, json, junit, markdown};
use conform::run::{
    Collect, Event, EventSink, NoEvents, Outcome, RunOptions, RunResult, Runner, ScenarioResult,
};
use conform::targets::Targets;

use crate::util::{Conform, conform, root, temp_dir};

const SPECS: &str = "tests/fixtures/specs";

/// Passes (one with a warning), violations (schema, body, undocumented status), an error, and
/// the injection fixture.
const SCENARIOS: [&str; 7] = [
    "tests/fixtures/pass/lifecycle.yaml",
    "tests/fixtures/pass/negative.yaml",
    "tests/fixtures/undocumented/expected-teapot.yaml",
    "tests/fixtures/violation/wrong-type.yaml",
    "tests/fixtures/violation/undocumented-status.yaml",
    "tests/fixtures/invalid/typo.yaml",
    "tests/fixtures/reports/injection.yaml",
];

fn run_with(sink: Arc<dyn EventSink>) -> RunResult {
    run_jobs(sink, 1)
}

/// The fixtures with `jobs` scenarios at once, kept whole.
fn run_jobs(sink: Arc<dyn EventSink>, jobs: usize) -> RunResult {
    run_fixtures(sink, jobs, true).expect("a whole run gives its result")
}

/// The fixtures against the fixture mock with `jobs` scenarios at once: kept whole
/// ([`Runner::run_all`]) when `whole`, else only streamed to `sink` ([`Runner::run`], as
/// `conform run` does), which gives no result.
fn run_fixtures(sink: Arc<dyn EventSink>, jobs: usize, whole: bool) -> Option<RunResult> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mock = conform::mock::start("fixture", 0, &Default::default())
            .await
            .expect("the fixture mock starts");
        let mut targets = Targets::default();
        targets.insert("fixture", mock.target());
        let roots: Vec<PathBuf> = SCENARIOS.iter().map(PathBuf::from).collect();
        let found = conform::scenario::discover(&roots).expect("fixtures are found");
        let options = RunOptions {
            // One at a time (for the snapshots): the mock's state and the result order do not
            // depend on scheduling.
            jobs,
            // Fixed, because scenarios put it into names the target echoes (`w-${run.id}`).
            run_id: "0123456789ab".into(),
            step_timeout: Duration::from_secs(5),
            ..RunOptions::default()
        };
        let client = conform::run::http_client().expect("client");
        let runner = Arc::new(Runner::new(
            Arc::new(Registry::new(SPECS)),
            Arc::new(targets),
            client,
            options,
        ));
        let result = if whole {
            Some(runner.run_all(found, sink).await)
        } else {
            let total = found.len();
            let selection = conform::scenario::Selection::default();
            let found = found.into_iter().map(Ok);
            runner.run(found, Some(total), selection, sink).await;
            None
        };
        mock.stop().await;
        result
    })
}

const STARTED_AT: &str = "2026-01-02T03:04:05Z";
const RUN_TIME: Duration = Duration::from_millis(1234);

/// Durations fixed, as the snapshots have them.
fn fix(s: &mut ScenarioResult) {
    s.duration = Duration::from_millis(42);
    for step in &mut s.steps {
        step.duration = Duration::from_millis(7);
    }
}

/// One real run shared by the tests, with ids, start time and durations fixed.
fn result() -> &'static RunResult {
    static RESULT: OnceLock<RunResult> = OnceLock::new();
    RESULT.get_or_init(|| {
        let mut r = run_with(Arc::new(NoEvents));
        r.started_at = STARTED_AT.into();
        r.duration = RUN_TIME;
        r.scenarios.iter_mut().for_each(fix);
        r
    })
}

/// Passes every event on to its sinks with the start time and durations fixed, as in
/// [`result`].
struct Fixed(Vec<Arc<dyn EventSink>>);

impl Fixed {
    fn send(&self, event: &Event<'_>) {
        for sink in &self.0 {
            sink.event(event);
        }
    }
}

impl EventSink for Fixed {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::ScenarioFinished { index, result } => {
                let mut r = (*result).clone();
                fix(&mut r);
                self.send(&Event::ScenarioFinished {
                    index: *index,
                    result: &r,
                });
            }
            Event::RunFinished { summary } => {
                let mut s = (*summary).clone();
                s.started_at = STARTED_AT.into();
                s.duration = RUN_TIME;
                self.send(&Event::RunFinished { summary: &s });
            }
            other => self.send(other),
        }
    }
}

/// The fixtures streamed into report files with `jobs` at once, and the whole run as the
/// report writer saw it: passing scenarios compact, as the streamed reports have them.
fn streamed(jobs: usize) -> (tempfile::TempDir, RunResult) {
    let dir = tempfile::tempdir().expect("temp dir");
    let collect = Arc::new(Collect::default());
    let writer = Arc::new(ReportWriter::new(
        dir.path(),
        Arc::new(Registry::new(SPECS)),
    ));
    let run = run_jobs(Arc::new(Fixed(vec![collect.clone(), writer.clone()])), jobs);
    let written = writer.finish().expect("the reports are written");
    assert_eq!(written.len(), conform::report::write::FILES.len());
    let scenarios = collect
        .take()
        .into_iter()
        .map(|s| match s.outcome {
            Outcome::Failed | Outcome::Errored => s,
            Outcome::Passed | Outcome::Skipped => s.compact(),
        })
        .collect();
    let run = RunResult {
        run_id: run.run_id,
        started_at: STARTED_AT.into(),
        duration: RUN_TIME,
        scenarios,
    };
    (dir, run)
}

/// The streamed files are, byte for byte, what the renderers give for the same run.
fn assert_streamed_as_rendered(dir: &std::path::Path, run: &RunResult) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("written");
    let coverage = Coverage::of(run, &Registry::new(SPECS));
    assert_eq!(read("report.json"), json::render(run, &coverage));
    assert_eq!(
        read("junit.xml"),
        junit::render(run).expect("junit renders")
    );
    assert_eq!(read("report.html"), html::render(run, &coverage));
    assert_eq!(read("summary.md"), markdown::render(run, &coverage));
    let hidden: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "parts left behind: {hidden:?}");
}

/// Replaces what differs between runs in rendered text: ports, uuids, timestamps, HTTP dates.
fn scrub(text: &str) -> String {
    let rules = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[timestamp]"),
        (
            r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
            "[http-date]",
        ),
    ];
    let mut out = text.to_owned();
    for (pattern, with) in rules {
        let re = regex::Regex::new(pattern).expect("scrub pattern");
        out = re.replace_all(&out, with).into_owned();
    }
    out
}

fn coverage() -> Coverage {
    Coverage::of(result(), &Registry::new(SPECS))
}

#[test]
fn streamed_reports_are_the_rendered_ones_and_match_the_snapshots() {
    let (dir, run) = streamed(1);
    assert_streamed_as_rendered(dir.path(), &run);
    // The renderers' snapshots below are of the run as the report writer sees it
    // ([`reported`]): a passing scenario with a warning shows its steps, not its exchanges.
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("written");
    insta::assert_snapshot!("junit.xml", scrub(&read("junit.xml")));
    insta::assert_snapshot!("summary.md", scrub(&read("summary.md")));
    insta::assert_snapshot!("report.html", scrub(&without_css(&read("report.html"))));
}

#[test]
fn streamed_reports_keep_the_order_found_when_scenarios_run_at_once() {
    let (dir, run) = streamed(SCENARIOS.len());
    assert_streamed_as_rendered(dir.path(), &run);
    let ids: Vec<&str> = run.scenarios.iter().map(|s| s.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "discover finds files in path order");
}

#[test]
fn the_run_has_passes_violations_and_errors() {
    let r = result();
    assert_eq!(r.count(Outcome::Passed), 3, "{:#?}", r.scenarios);
    assert_eq!(r.count(Outcome::Failed), 3);
    assert_eq!(r.count(Outcome::Errored), 1);
}

/// [`result`] as a streamed run's report files see it: passing and skipped scenarios compact
/// (report.json's snapshot keeps the whole run, every exchange).
fn reported() -> &'static RunResult {
    static REPORTED: OnceLock<RunResult> = OnceLock::new();
    REPORTED.get_or_init(|| {
        let mut r = result().clone();
        for s in &mut r.scenarios {
            if matches!(s.outcome, Outcome::Passed | Outcome::Skipped) {
                *s = s.compact();
            }
        }
        r
    })
}

#[test]
fn junit_snapshot() {
    let text = junit::render(reported()).expect("junit renders");
    insta::assert_snapshot!("junit.xml", scrub(&text));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("report.json", scrub(&json::render(result(), &coverage())));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(
        "summary.md",
        scrub(&markdown::render(reported(), &coverage()))
    );
}

#[test]
fn html_snapshot() {
    let page = html::render(reported(), &coverage());
    insta::assert_snapshot!("report.html", scrub(&without_css(&page)));
}

/// The stylesheet is constant and reviewed as src/report/report.css; the snapshot is about
/// the markup and what it says.
fn without_css(page: &str) -> String {
    let css = regex::Regex::new(r"(?s)<style>.*</style>").expect("pattern");
    css.replace(page, "<style>[report.css]</style>")
        .into_owned()
}

#[test]
fn report_json_validates_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("docs/report.schema.json").expect("schema file"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    // The real, unscrubbed report, so real timestamps and numbers are checked.
    let report = json::value(result(), &coverage());
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema is not vacuous: a report missing its counts is refused.
    let mut broken = report.clone();
    broken.as_object_mut().expect("object").remove("counts");
    assert!(!validator.is_valid(&broken));
    // The coverage section: its gate as a gated run writes it validates; no section, a
    // percentage past 100 or a gate without its verdict is refused.
    assert!(report["coverage"]["apis"][0]["operations"][0]["statuses"].is_array());
    let mut gated = report.clone();
    gated["coverage"]["gate"] = serde_json::json!({"min": 80.0, "actual": 37.5, "met": false});
    assert!(validator.is_valid(&gated), "a gated report validates");
    let mut broken = report.clone();
    broken.as_object_mut().expect("object").remove("coverage");
    assert!(!validator.is_valid(&broken), "coverage is required");
    let mut broken = report.clone();
    broken["coverage"]["apis"][0]["percent"] = serde_json::json!(150.0);
    assert!(!validator.is_valid(&broken), "a percentage is at most 100");
    let mut broken = gated;
    broken["coverage"]["gate"]
        .as_object_mut()
        .expect("gate")
        .remove("met");
    assert!(
        !validator.is_valid(&broken),
        "a gate says whether it is met"
    );
}

#[test]
fn markup_from_a_target_is_only_ever_shown_escaped() {
    let page = html::render(result(), &coverage());
    // The page has no script and no image of its own, so any such tag would be injected.
    for tag in ["<script", "<img", "onerror=\"", "<svg"] {
        assert!(!page.contains(tag), "{tag} in the page");
    }
    assert!(
        page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"),
        "the echoed script is shown as text"
    );
    assert!(
        page.contains("&quot;&gt;&lt;img src=x onerror="),
        "the attribute break-out is shown as text"
    );
    assert!(page.contains("Content-Security-Policy"));
    let md = markdown::render(result(), &coverage());
    assert!(!md.contains("<script") && !md.contains("<img"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
}

#[test]
fn html_shows_the_diff_the_rule_and_the_spec_location() {
    let page = html::render(result(), &coverage());
    assert!(
        page.contains("<span class=\"del\">-  &quot;name&quot;: &quot;a plain name&quot;</span>")
    );
    assert!(page.contains("<span class=\"add\">+  &quot;name&quot;: &quot;&lt;script&gt;"));
    assert!(page.contains(
        "tests/fixtures/specs/fixture/openapi.yaml#/components/schemas/Widget/properties/size/type"
    ));
    assert!(page.contains("tests/fixtures/violation/wrong-type.yaml:4:11"));
}

#[test]
fn coverage_counts_documented_and_undocumented_statuses() {
    let c = coverage();
    assert_eq!(c.apis.len(), 1, "only the APIs that ran: {c:#?}");
    let fixture = &c.apis[0];
    let op = |id: &str| {
        fixture
            .operations
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("{id} in coverage"))
    };
    let get = op("getWidget");
    assert_eq!(get.undocumented.get(&418), Some(&2), "{get:#?}");
    assert!(
        get.documented.iter().any(|(k, n)| k == "200" && *n >= 2),
        "{get:#?}"
    );
    let create = op("createWidget");
    assert!(
        create.documented.iter().any(|(k, n)| k == "400" && *n == 1),
        "{create:#?}"
    );
}

#[test]
fn junit_has_a_suite_per_api_and_the_failing_exchange() {
    let text = junit::render(result()).expect("junit renders");
    assert!(
        text.contains("<testsuite name=\"fixture\" tests=\"6\""),
        "{text}"
    );
    assert!(
        text.contains("<testsuite name=\"(unknown API)\" tests=\"1\""),
        "{text}"
    );
    assert!(text.contains("file=\"tests/fixtures/violation/wrong-type.yaml\""));
    assert!(text.contains("<failure message=\"/size: &quot;5&quot; is not of type &quot;integer&quot;\" type=\"schema\">"));
    assert!(text.contains("<system-out>step `createWidget`"), "{text}");
    assert!(
        !text.contains("<script"),
        "markup from the target is escaped"
    );
}

#[test]
fn json_events_stream_one_object_per_line() {
    struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
    let result = run_with(Arc::new(JsonLines::new(Shared(buffer.clone()))));
    let text = String::from_utf8(buffer.lock().expect("buffer").clone()).expect("UTF-8");
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"run-started"));
    assert_eq!(kinds.last(), Some(&"run-finished"));
    assert_eq!(events[0]["total"], SCENARIOS.len());
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(count("scenario-finished"), SCENARIOS.len());
    let steps: usize = result.scenarios.iter().map(|s| s.steps.len()).sum();
    assert_eq!(count("step-finished"), steps);
    let last = &events[events.len() - 1];
    assert_eq!(last["exit_code"], 2);
    assert_eq!(last["counts"]["failed"], 3);
}

#[test]
fn write_all_writes_every_file_and_replaces_old_ones() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("report.html"), "old").expect("old report");
    let paths = conform::report::write::write_all(dir.path(), result(), &Registry::new(SPECS))
        .expect("reports are written");
    assert_eq!(paths.len(), conform::report::write::FILES.len());
    for name in conform::report::write::FILES {
        let text = std::fs::read_to_string(dir.path().join(name)).expect("written");
        assert!(text.len() > 100, "{name} has content");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let leftovers = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn cli_writes_reports_for_a_failing_run_and_keeps_exit_code_1() {
    let dir = temp_dir();
    let report = dir.path().join("out");
    let report = report.to_str().expect("UTF-8 temp path");
    let out = conform(&[
        "run",
        "--specs",
        SPECS,
        "--report",
        report,
        "tests/fixtures/violation/wrong-type.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for name in conform::report::write::FILES {
        assert!(
            dir.path().join("out").join(name).is_file(),
            "{name} written"
        );
    }
    assert!(stdout.contains(&format!("reports: {report}")), "{stdout}");
}

#[test]
fn cli_a_report_folder_that_cannot_be_written_is_exit_2_after_the_whole_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("file");
    let report = file.join("out");
    let out = conform(&[
        "run",
        "--specs",
        SPECS,
        "--report",
        report.to_str().expect("UTF-8 temp path"),
        "tests/fixtures/pass/negative.yaml",
        "tests/fixtures/pass/lifecycle.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("2 passed"), "the run went on: {stdout}");
    assert!(
        stderr.contains("cannot create the report folder"),
        "{stderr}"
    );
}

#[test]
fn cli_no_report_writes_nothing() {
    let dir = temp_dir();
    let specs = root().join(SPECS);
    let pass = root().join("tests/fixtures/pass");
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        specs.to_str().expect("UTF-8 path"),
        pass.to_str().expect("UTF-8 path"),
    ])
    .current_dir(dir.path())
    .output();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[test]
fn cli_format_json_prints_only_event_lines() {
    let out = conform(&[
        "run",
        "--no-report",
        "--format",
        "json",
        "--specs",
        SPECS,
        "tests/fixtures/pass/negative.yaml",
        "tests/fixtures/violation/wrong-type.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let last = events.last().expect("events");
    assert_eq!(last["event"], "run-finished");
    assert_eq!(last["counts"]["passed"], 1);
    assert_eq!(last["counts"]["failed"], 1);
}

/// A body warning as the content check writes it: `operation`'s `status` documented without
/// `content`, and a body of `n` bytes.
fn body_warning(operation: &str, status: u16, n: usize) -> conform::check::Finding {
    use conform::check::{CheckKind, Finding};
    Finding::warning(
        CheckKind::Content,
        format!(
            "the spec documents no body for {operation} {status}, but the response has {n} byte(s)"
        ),
    )
    .keyword("content")
    .schema_at(conform::openapi::Location {
        file: "tests/fixtures/specs/fixture/openapi.yaml".into(),
        pointer: match operation {
            "createWidget" => format!("/paths/~1widgets/post/responses/{status}"),
            "deleteWidget" => format!("/paths/~1widgets~1{{id}}/delete/responses/{status}"),
            _ => format!("/paths/~1widgets~1{{id}}/get/responses/{status}"),
        },
    })
}

/// A passing scenario of one step that calls `operation` and got `warning`.
fn warned(id: &str, operation: &str, warning: conform::check::Finding) -> ScenarioResult {
    use conform::run::{Phase, StepResult};
    let mut s = ScenarioResult::empty(id, id, "warned", "fixture", vec![]);
    let mut step = StepResult::synthetic(operation, Phase::Main, warning);
    step.duration = Duration::from_millis(7);
    s.steps.push(step);
    s.duration = Duration::from_millis(42);
    s
}

/// The fixture run (whose teapot scenario has a warning on getWidget), then 45 passing
/// scenarios with a body warning over three operations (as 45 body warnings on httpbin were),
/// and the warning of a failing one.
fn warned_run() -> RunResult {
    let mut run = reported().clone();
    for i in 0..45 {
        let (op, status) = match i % 3 {
            0 => ("getWidget", 404),
            1 => ("createWidget", 400),
            _ => ("deleteWidget", 404),
        };
        let id = format!("warned/{i:02}.yaml");
        run.scenarios
            .push(warned(&id, op, body_warning(op, status, 10 + i)));
    }
    let mut failing = warned(
        "warned/failing.yaml",
        "getWidget",
        body_warning("getWidget", 500, 3),
    );
    failing.outcome = Outcome::Failed;
    run.scenarios.push(failing);
    run
}

#[test]
fn summary_md_groups_warnings_per_operation() {
    let text = markdown::render(&warned_run(), &coverage());
    let section = text
        .split("#### ⚠️ Warnings")
        .nth(1)
        .unwrap_or_else(|| panic!("no Warnings section: {text}"));
    assert!(
        section.starts_with(": 47 in 47 scenario(s), 3 operation(s)"),
        "{section}"
    );
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), 3, "a row per operation: {section}");
    // getWidget: the teapot's expected 418 first, then the body warnings of its 404 and of the
    // failing scenario's 500; a scenario counts once.
    assert!(
        rows[0].starts_with("| `getWidget` | 17 | status 418 is not documented for getWidget")
            && rows[0].ends_with("/get/responses` and 2 more |"),
        "{}",
        rows[0]
    );
    assert_eq!(
        rows[1],
        "| `createWidget` | 15 | the spec documents no body for createWidget 400, but the response has 11 byte(s) | content | `tests/fixtures/specs/fixture/openapi.yaml#/paths/~1widgets/post/responses/400` |"
    );
    insta::assert_snapshot!("summary.md-warnings", scrub(&text));
}

#[test]
fn junit_carries_warnings_in_system_out_and_counts_them_per_suite() {
    let text = junit::render(&warned_run()).expect("junit renders");
    assert!(
        text.contains("<property name=\"conform.warnings\" value=\"47 warning(s) in 47 scenario(s), 3 operation(s)\"/>"),
        "{text}"
    );
    let case = text
        .split("<testcase name=\"warned/00.yaml\"")
        .nth(1)
        .and_then(|c| c.split("</testcase>").next())
        .unwrap_or_else(|| panic!("no case for warned/00.yaml: {text}"));
    assert!(
        case.contains("<system-out>PASS warned/00.yaml")
            && case.contains("warning [content] the spec documents no body for getWidget 404, but the response has 10 byte(s)"),
        "{case}"
    );
    // The suite's own output lists the groups.
    let suite_out = text
        .rsplit("<system-out>47 warning(s)")
        .next()
        .unwrap_or_default();
    assert!(
        suite_out.contains("createWidget: in 15 scenario(s): warned/01.yaml, warned/04.yaml, warned/07.yaml and 12 more"),
        "{text}"
    );
}

#[test]
fn report_json_keeps_each_scenarios_warnings_with_their_severity() {
    let report: serde_json::Value =
        serde_json::from_str(&json::render(&warned_run(), &coverage())).expect("JSON");
    let warnings: Vec<&serde_json::Value> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .flat_map(|s| s["steps"].as_array().into_iter().flatten())
        .flat_map(|st| st["findings"].as_array().into_iter().flatten())
        .filter(|f| f["severity"] == "warning")
        .collect();
    assert_eq!(warnings.len(), 47, "the teapot's and the 46 added");
    let body = warnings
        .iter()
        .find(|f| f["check"] == "content")
        .expect("a body warning");
    assert_eq!(
        body["schema_at"],
        "tests/fixtures/specs/fixture/openapi.yaml#/paths/~1widgets~1{id}/get/responses/404"
    );
}

#[test]
fn report_html_groups_warnings_per_operation_and_rule() {
    let page = html::render(&warned_run(), &coverage());
    assert!(page.contains("<a href=\"#warnings\">Warnings</a>"), "nav");
    let section = page
        .split("<section id=\"warnings\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no warnings section"));
    assert!(
        section.contains("47 in 47 scenario(s), 3 operation(s)"),
        "{section}"
    );
    // getWidget's 418 (the teapot), 404 and 500, createWidget's 400, deleteWidget's 404.
    assert_eq!(
        section.matches("<tr><td class=\"mono\">").count(),
        5,
        "{section}"
    );
    assert!(
        section.contains(">deleteWidget</td><td>the spec documents no body for deleteWidget 404, but the response has 12 byte(s)</td>"),
        "{section}"
    );
    // Examples link to the scenarios' articles, which exist.
    let first = section
        .split("<a href=\"#s")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an example link");
    assert!(page.contains(&format!("id=\"s{first}\"")), "{first}");
    // A run without warnings (the fixture run but the teapot) has no section and no link.
    let mut plain = reported().clone();
    plain.scenarios.retain(|s| !s.id.contains("teapot"));
    let plain = html::render(&plain, &coverage());
    assert!(!plain.contains("id=\"warnings\"") && !plain.contains("#warnings"));
}

#[test]
fn cli_a_passing_run_with_a_warning_shows_it_in_every_report_file() {
    let dir = temp_dir();
    let report = dir.path().join("out");
    let out = conform(&[
        "run",
        "--specs",
        SPECS,
        "--report",
        report.to_str().expect("UTF-8 temp path"),
        "tests/fixtures/undocumented/expected-teapot.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let message = "status 418 is not documented for getWidget";
    assert!(stdout.contains("getWidget: in 1 scenario(s)"), "{stdout}");
    let read = |name: &str| std::fs::read_to_string(report.join(name)).expect("a report");
    let md = read("summary.md");
    assert!(
        md.contains("#### ⚠️ Warnings: 1 in 1 scenario(s), 1 operation(s)")
            && md.contains(&format!("| `getWidget` | 1 | {message}")),
        "{md}"
    );
    let xml = read("junit.xml");
    assert!(
        xml.contains(
            "name=\"conform.warnings\" value=\"1 warning(s) in 1 scenario(s), 1 operation(s)\""
        ) && xml.contains(&format!("warning [undocumented-status] {message}")),
        "{xml}"
    );
    let page = read("report.html");
    assert!(
        page.contains("<section id=\"warnings\">") && page.contains(message),
        "{page}"
    );
    let json = read("report.json");
    assert!(
        json.contains("\"severity\": \"warning\"") && json.contains(message),
        "{json}"
    );
}

/// Keeps each finished scenario as the runner gave it, and says it does not read a passing
/// scenario's exchanges (as the report writers do), or (`reads`) that it does.
struct Finished {
    reads: bool,
    results: std::sync::Mutex<Vec<ScenarioResult>>,
}

impl EventSink for Finished {
    fn event(&self, event: &Event<'_>) {
        if let Event::ScenarioFinished { result, .. } = event {
            let mut kept = self.results.lock().unwrap_or_else(|p| p.into_inner());
            kept.push((*result).clone());
        }
    }

    fn reads_passing_exchanges(&self) -> bool {
        self.reads
    }
}

/// The fixtures streamed through [`Runner::run`] (as `conform run` does) to a [`Finished`].
fn streamed_to(reads: bool) -> Vec<ScenarioResult> {
    let sink = Arc::new(Finished {
        reads,
        results: Default::default(),
    });
    run_fixtures(sink.clone(), 1, false);
    let mut results = sink.results.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::take(&mut *results)
}

/// Whether every step of `s` that sent a request has its exchange recorded.
fn recorded(s: &ScenarioResult) -> bool {
    s.steps
        .iter()
        .filter(|st| st.attempts > 0)
        .all(|st| st.request.is_some() && st.response.is_some())
}

#[test]
fn a_passing_scenario_is_recorded_only_for_a_sink_that_reads_it_and_a_failing_one_always() {
    let unread = streamed_to(false);
    let read = streamed_to(true);
    for results in [&unread, &read] {
        assert_eq!(results.len(), SCENARIOS.len(), "every fixture finished");
    }
    let sent = |s: &&ScenarioResult| s.steps.iter().any(|st| st.attempts > 0);
    let passing: Vec<_> = unread
        .iter()
        .filter(sent)
        .filter(|s| s.outcome == Outcome::Passed)
        .collect();
    let failing: Vec<_> = unread
        .iter()
        .filter(sent)
        .filter(|s| s.outcome == Outcome::Failed)
        .collect();
    assert!(!passing.is_empty() && !failing.is_empty(), "{unread:#?}");
    for s in passing {
        assert!(
            s.steps
                .iter()
                .all(|st| st.request.is_none() && st.response.is_none()),
            "a passing scenario no sink reads is not recorded: {s:#?}"
        );
    }
    for s in failing {
        assert!(recorded(s), "a failing scenario is recorded whole: {s:#?}");
    }
    // Its records are redacted and cut as ever: what a sink that reads everything gets, but for
    // what changes between runs (the port, ids, dates).
    let shape = |r: &[ScenarioResult]| -> Vec<String> {
        let s = r.iter().find(|s| s.path.ends_with("wrong-type.yaml"));
        s.map(|s| s.steps.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|st| {
                let names = |h: &[(String, String)]| -> Vec<String> {
                    h.iter().map(|(n, _)| n.clone()).collect()
                };
                let req = st.request.as_ref();
                let resp = st.response.as_ref();
                format!(
                    "{:?} {:?} {:?} | {:?} {:?} {:?} | {:?}",
                    req.map(|r| &r.method),
                    req.map(|r| names(&r.headers)),
                    req.map(|r| &r.body),
                    resp.map(|r| r.status),
                    resp.map(|r| names(&r.headers)),
                    resp.map(|r| (r.body_bytes, r.truncated)),
                    st.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
                )
            })
            .collect()
    };
    let (a, b) = (shape(&unread), shape(&read));
    assert!(!a.is_empty());
    assert_eq!(a, b, "recorded at the end as it would have been on the way");
    assert!(
        read.iter()
            .filter(sent)
            .filter(|s| s.outcome == Outcome::Passed)
            .all(recorded),
        "a sink that reads passing exchanges gets them"
    );
}
