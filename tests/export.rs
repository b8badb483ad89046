//! `conform export --arazzo`, through the real binary: scenarios in, the Arazzo documents
//! beside them in `tests/fixtures/export/expected/` (golden files, with their lists of what
//! Arazzo cannot say), each unsaid thing on stderr too, the spec found by the written relative
//! URL, and an existing output file refused, untouched.

use std::path::{Path, PathBuf};

use crate::util::{self, Conform};

const CASES: &str = "tests/fixtures/export/cases";
const EXPECTED: &str = "tests/fixtures/export/expected";

fn export(out: &Path) -> std::process::Output {
    let out = out.to_str().expect("a UTF-8 temp path");
    Conform::new(&[
        "export",
        "--arazzo",
        CASES,
        "--out",
        out,
        "--specs",
        "tests/fixtures/specs",
    ])
    .current_dir(util::root())
    .output()
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
    let out = Conform::new(&[
        "export",
        "--arazzo",
        cases.to_str().expect("utf-8"),
        "--out",
        dir.path().join("out").to_str().expect("utf-8"),
        "--specs",
        "tests/fixtures/specs",
    ])
    .current_dir(util::root())
    .output();
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
    let export = Conform::new(&["export", "--arazzo", "cases", "--out", out])
        .current_dir(util::root())
        .output();
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
