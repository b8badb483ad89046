//! `conform export --arazzo`, through the real binary: scenarios in, the Arazzo documents
//! beside them in `tests/fixtures/export/expected/` (golden files, with their lists of what
//! Arazzo cannot say), each unsaid thing on stderr too, the spec found by the written relative
//! URL, an existing output file refused, untouched; and the round trip: conform runs the
//! export of cases/ green against its embedded mocks, and the export of a violation red.

use std::path::{Path, PathBuf};

use crate::util::{self, Conform};

const CASES: &str = "tests/fixtures/export/cases";
const EXPECTED: &str = "tests/fixtures/export/expected";

fn export(out: &Path) -> std::process::Output {
    export_of(Path::new(CASES), out, &["--specs", "tests/fixtures/specs"])
}

/// `conform export --arazzo FROM --out OUT [EXTRA...]` from the repository root.
fn export_of(from: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "export",
        "--arazzo",
        from.to_str().expect("a UTF-8 path"),
        "--out",
        out.to_str().expect("a UTF-8 temp path"),
    ];
    args.extend_from_slice(extra);
    Conform::new(&args).current_dir(util::root()).output()
}

/// The source description's URL, which depends on where the temp folder is, as a placeholder.
fn without_url(text: &str) -> (String, String) {
    let mut url = String::new();
    let lines: Vec<String> = text
        .lines()
        .map(|l| match l.trim_start().strip_prefix("url: ") {
            Some(u) => {
                url = u.to_owned();
                l.replace(u, "SPEC")
            }
            None => l.to_owned(),
        })
        .collect();
    (lines.join("\n") + "\n", url)
}

#[test]
fn scenarios_are_written_as_the_expected_arazzo_with_what_cannot_be_said() {
    let dir = util::temp_dir();
    let out = export(dir.path());
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let root = util::root();
    let spec = std::fs::canonicalize(root.join("tests/fixtures/specs/fixture/openapi.yaml"))
        .expect("spec");
    for name in ["lifecycle", "unsaid"] {
        let written = dir.path().join(format!("fixture/{name}.arazzo.yaml"));
        let got = std::fs::read_to_string(&written).expect("the document is written");
        let (got, url) = without_url(&got);
        let found = std::fs::canonicalize(written.parent().expect("folder").join(&url));
        assert_eq!(
            found.ok().as_ref(),
            Some(&spec),
            "{url} from {}",
            written.display()
        );
        let golden: PathBuf = root
            .join(EXPECTED)
            .join(format!("fixture/{name}.arazzo.yaml"));
        if std::env::var_os("CONFORM_BLESS").is_some() {
            std::fs::write(&golden, &got).expect("bless");
        }
        let want = std::fs::read_to_string(&golden).expect("the golden file");
        assert_eq!(
            got, want,
            "{name}: the export changed (CONFORM_BLESS=1 rewrites the golden file)"
        );
    }
    // Every unsaid thing of the edge scenario is on stderr, one line each, with its place.
    for needle in [
        "unsaid: tests/fixtures/export/cases/fixture/unsaid.yaml:12:11: `auth: none`",
        "unsaid: tests/fixtures/export/cases/fixture/unsaid.yaml:13:15: `body_raw`",
        "`invalid_request: true`",
        "`$absent` at header `Retry-After`",
        "`$len` at body `/name`",
        "`$contains` at body `/tags`",
        "keeps only the last path segment of header `Location`",
        "`${env.WIDGET_SIZE}` reads the environment",
        "lifecycle.yaml:47:5: `finally` step `deleteWidget`",
    ] {
        assert!(text.contains(needle), "stderr lacks {needle:?}:\n{text}");
    }
}

#[test]
fn an_existing_output_file_is_refused_and_left_as_it_was() {
    let dir = util::temp_dir();
    let taken = dir.path().join("fixture/unsaid.arazzo.yaml");
    std::fs::create_dir_all(taken.parent().expect("folder")).expect("folder");
    std::fs::write(&taken, "mine\n").expect("write");
    let out = export(dir.path());
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("unsaid.arazzo.yaml exists already") && text.contains("never overwrites"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&taken).expect("read"), "mine\n");
    // All or nothing: the other document is not written either.
    assert!(!dir.path().join("fixture/lifecycle.arazzo.yaml").exists());
}

#[test]
fn an_operation_the_spec_lacks_is_an_error_at_the_call() {
    let dir = util::temp_dir();
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).expect("folder");
    std::fs::write(
        cases.join("typo.yaml"),
        "name: typo\napi: fixture\nsteps:\n  - call: getWidgit\n",
    )
    .expect("write");
    let out = export_of(
        &cases,
        &dir.path().join("out"),
        &["--specs", "tests/fixtures/specs"],
    );
    let text = util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("typo.yaml:4:11") && text.contains("no operation `getWidgit`"),
        "{text}"
    );
}

#[test]
fn the_export_of_cases_is_read_back_as_one_workflow_per_scenario() {
    let dir = util::temp_dir();
    let out = dir.path().to_str().expect("a UTF-8 temp path");
    let export = export_of(Path::new("cases"), dir.path(), &[]);
    assert_eq!(export.status.code(), Some(0), "{}", util::text(&export));
    let scenarios = Conform::new(&["list", "cases"])
        .current_dir(util::root())
        .output();
    let listed = Conform::new(&["list", out])
        .current_dir(util::root())
        .output();
    let (scenarios, listed) = (util::text(&scenarios), util::text(&listed));
    // The seed workflows in cases/ are Arazzo already: the export leaves them out.
    let lines = |t: &str, arazzo: bool| {
        t.lines()
            .filter(|l| l.contains('\t') && l.contains(".arazzo.") == arazzo)
            .count()
    };
    assert!(lines(&scenarios, false) > 20, "{scenarios}");
    assert_eq!(lines(&listed, true), lines(&scenarios, false), "{listed}");
    // Each workflow is read under its scenario's path and with its name.
    assert!(
        listed.contains("openstack-compute/restore-lifecycle.arazzo.yaml#restore-lifecycle\ta soft-deleted server is restored to ACTIVE"),
        "{listed}"
    );
}

/// `conform run` of an exported folder, from the repository root (specs resolved from each
/// document's relative source URL), against the embedded mocks: its output and exit code.
fn run_export(out: &Path, specs: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["run", "--no-report"];
    args.extend_from_slice(specs);
    args.push(out.to_str().expect("a UTF-8 temp path"));
    let run = Conform::new(&args).current_dir(util::root()).output();
    (run.status.code(), util::text(&run))
}

/// The `N passed, N failed[, N skipped]` summary line's counts.
fn counts(text: &str) -> (usize, usize, usize) {
    let line = text
        .lines()
        .rfind(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line:\n{text}"));
    let n = |word: &str| {
        line.split(", ")
            .find_map(|p| p.split_once(' ').filter(|(_, w)| w.starts_with(word)))
            .map_or(0, |(n, _)| n.parse().expect("a count"))
    };
    (n("passed"), n("failed"), n("skipped"))
}

#[test]
fn conform_runs_the_export_of_cases_green_against_its_mocks() {
    let dir = util::temp_dir();
    let export = export_of(Path::new("cases"), dir.path(), &[]);
    assert_eq!(export.status.code(), Some(0), "{}", util::text(&export));
    let written = util::text(&export)
        .lines()
        .filter(|l| l.starts_with("wrote ") && l.ends_with(".arazzo.yaml"))
        .count();
    assert!(written > 20, "{}", util::text(&export));
    let (code, text) = run_export(dir.path(), &[]);
    let (passed, failed, skipped) = counts(&text);
    // Every workflow ran and passed: none failed, none skipped (a skip would need its reason
    // said; the export of cases/ leaves no workflow that conform cannot run faithfully).
    assert_eq!((passed, failed, skipped), (written, 0, 0), "{text}");
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn the_export_of_a_violation_fails_under_conform_naming_the_field() {
    let dir = util::temp_dir();
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).expect("folder");
    std::fs::copy(
        util::root().join("tests/fixtures/violation/wrong-type.yaml"),
        cases.join("wrong-type.yaml"),
    )
    .expect("copy");
    let out = dir.path().join("out");
    let export = export_of(&cases, &out, &["--specs", "tests/fixtures/specs"]);
    assert_eq!(export.status.code(), Some(0), "{}", util::text(&export));
    let (code, text) = run_export(&out, &["--specs", "tests/fixtures/specs"]);
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(counts(&text), (0, 1, 0), "{text}");
    assert!(
        text.contains("violation [schema] /size: \"5\" is not of type \"integer\""),
        "{text}"
    );
    assert!(text.contains("wrong-type.arazzo.yaml:15:18"), "{text}");
}
