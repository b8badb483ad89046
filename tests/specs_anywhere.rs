//! Specs anywhere, through the real binary: a team's spec outside `specs/`, named by `--spec` or
//! by `spec:` in a targets file (the flag wins), linted by `specs check --spec`, and its
//! `servers:` URL taken as the target when none is given. The server is the built-in `fixture`
//! mock, started by the test; the team's API is `widgets`, the fixture's spec and passing
//! scenarios under another name, so that no built-in mock or `specs/` folder can stand in.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{Conform, Mocks, root, temp_dir, text};

/// A team's project in a temporary folder: `api/widgets.yaml` (the fixture's spec, with
/// `servers:` when given) and `cases/` (the fixture's passing scenarios, for `widgets`), and no
/// `specs/` folder. The binary runs from there.
struct Team {
    dir: tempfile::TempDir,
}

impl Team {
    fn new(servers: Option<&str>) -> Team {
        let dir = temp_dir();
        let team = Team { dir };
        team.write_spec("api/widgets.yaml", servers);
        let cases = team.path("cases");
        std::fs::create_dir_all(&cases).expect("cases/");
        let pass = root().join("tests/fixtures/pass");
        for entry in std::fs::read_dir(&pass).expect("tests/fixtures/pass") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("scenario");
            assert!(text.contains("\napi: fixture\n"), "{}", path.display());
            let text = text.replace("\napi: fixture\n", "\napi: widgets\n");
            let name = path.file_name().expect("a file name");
            std::fs::write(cases.join(name), text).expect("scenario written");
        }
        team
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The fixture's spec at `rel`, with a `servers` URL when given.
    fn write_spec(&self, rel: &str, servers: Option<&str>) -> PathBuf {
        let spec = root().join("tests/fixtures/specs/fixture/openapi.yaml");
        let mut text = std::fs::read_to_string(spec).expect("the fixture spec");
        if let Some(url) = servers {
            assert!(text.contains("\npaths:\n"), "the fixture spec has `paths:`");
            text = text.replace(
                "\npaths:\n",
                &format!("\nservers:\n  - url: {url}\npaths:\n"),
            );
        }
        self.write(rel, &text)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(&path, text).expect("written");
        path
    }

    /// `conform run --spec widgets=api/widgets.yaml ARGS...`.
    fn run_spec(&self, args: &[&str]) -> Output {
        let spec = arg("widgets", &self.path("api/widgets.yaml"));
        let mut all = vec!["run", "--spec", &spec];
        all.extend(args);
        self.conform(&all)
    }

    fn conform(&self, args: &[&str]) -> Output {
        Conform::new(args)
            .current_dir(self.dir.path())
            .env_remove("CONFORM_TARGETS")
            .output()
    }
}

fn arg(api: &str, path: &Path) -> String {
    format!("{api}={}", path.display())
}

/// Exit 0 with every scenario passing.
fn assert_passes(out: &Output) {
    let t = text(out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("3 passed, 0 failed")),
        "{t}"
    );
}

/// Exit 2, with each of `says` in stdout or stderr.
fn assert_errors(out: &Output, says: &[&str]) {
    let t = text(out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    for s in says {
        assert!(t.contains(s), "`{s}` is not in: {t}");
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixture_server() -> (Mocks, String) {
    let mocks = Mocks::start(&["fixture"], &Default::default());
    let base = mocks.base("fixture");
    (mocks, base)
}

#[test]
fn a_spec_named_by_the_flag_runs_from_any_folder() {
    let (_mocks, base) = fixture_server();
    let team = Team::new(None);
    let spec = arg("widgets", &team.path("api/widgets.yaml"));
    let target = format!("widgets={base}");
    let out = team.conform(&["run", "--spec", &spec, "--target", &target, "cases"]);
    assert_passes(&out);
    assert!(
        stderr(&out).contains(&format!("target: widgets -> {base} (--target)")),
        "says where the calls go: {}",
        text(&out)
    );
    // Without the flag nothing finds the spec: it is the flag that did.
    let out = team.conform(&["run", "--target", &target, "cases"]);
    // The help names the flag.
    assert_errors(&out, &["no spec for API `widgets`", "--spec widgets=FILE"]);
}

#[test]
fn a_bad_spec_flag_is_an_error_before_anything_runs() {
    let team = Team::new(None);
    let spec = arg("widgets", &team.path("api/widgets.yaml"));
    for (args, says) in [
        (
            vec!["--spec", "widgets=api/nope.yaml"],
            "api/nope.yaml is not a file",
        ),
        (vec!["--spec", &spec, "--spec", &spec], "already has a spec"),
        (vec!["--spec", "api/widgets.yaml"], "no `=`"),
    ] {
        let mut all = vec!["run"];
        all.extend(&args);
        all.push("cases");
        let out = team.conform(&all);
        assert_errors(&out, &[says]);
        assert!(
            !text(&out).contains("passed"),
            "nothing ran: {}",
            text(&out)
        );
    }
}

#[test]
fn a_targets_files_spec_is_read_relative_to_it() {
    let (_mocks, base) = fixture_server();
    let team = Team::new(None);
    let file = team.write(
        "conf/targets.yaml",
        &format!("widgets:\n  spec: ../api/widgets.yaml\n  url: {base}\n"),
    );
    let file = file.display().to_string();
    let out = team.conform(&["run", "--targets", &file, "cases"]);
    assert_passes(&out);
    // A `spec:` that names no file is placed at its value in the targets file.
    let missing = team.write("conf/missing.yaml", "widgets:\n  spec: nope.yaml\n");
    let out = team.conform(&["run", "--targets", &missing.display().to_string(), "cases"]);
    assert_errors(&out, &["conf/missing.yaml:2:9", "`spec: nope.yaml`"]);
}

#[test]
fn the_flag_wins_over_the_targets_file() {
    let (_mocks, base) = fixture_server();
    let team = Team::new(None);
    team.write("conf/broken.yaml", "openapi: 3.1.0\ninfo: [\n");
    let file = team.write(
        "conf/targets.yaml",
        &format!("widgets:\n  spec: broken.yaml\n  url: {base}\n"),
    );
    let file = file.display().to_string();
    let spec = arg("widgets", &team.path("api/widgets.yaml"));
    let out = team.conform(&["run", "--targets", &file, "--spec", &spec, "cases"]);
    assert_passes(&out);
    // Without the flag the file's spec is the one read, and it does not load.
    let out = team.conform(&["run", "--targets", &file, "cases"]);
    assert_errors(&out, &["broken.yaml"]);
}

#[test]
fn specs_check_lints_the_named_file() {
    let team = Team::new(None);
    let clean = arg("widgets", &team.path("api/widgets.yaml"));
    let out = team.conform(&["specs", "check", "--spec", &clean]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("api/widgets.yaml: ok"), "{t}");
    let bad = root().join("tests/fixtures/specs-lint/example-matches-schema/widgets/openapi.yaml");
    let out = team.conform(&["specs", "check", "--spec", &arg("widgets", &bad), "widgets"]);
    assert_errors(
        &out,
        &["example-matches-schema/widgets/openapi.yaml:22:34: error[example-matches-schema]"],
    );
    // Named but given no file, the API has no spec.
    let out = team.conform(&["specs", "check", "gadgets"]);
    assert_errors(&out, &["--spec gadgets=FILE"]);
}

#[test]
fn with_no_target_the_specs_servers_url_is_the_target() {
    let (_mocks, base) = fixture_server();
    let team = Team::new(Some(&base));
    let out = team.run_spec(&["--quiet", "cases"]);
    assert_passes(&out);
    assert!(
        stderr(&out).contains(&format!("target: widgets -> {base} (`servers` of ")),
        "said before the run, even with --quiet: {}",
        text(&out)
    );
}

#[test]
fn a_specs_servers_url_off_this_machine_needs_allow_writes() {
    // TEST-NET-1: never reached, the guard refuses before any request is sent.
    let team = Team::new(Some("http://192.0.2.1:9/v1"));
    let out = team.run_spec(&["cases/lifecycle.yaml"]);
    assert_errors(
        &out,
        &[
            "the scenario changes state on http://192.0.2.1:9/v1",
            "--allow-writes",
        ],
    );
    let said = stderr(&out);
    assert!(
        said.contains("target: widgets -> http://192.0.2.1:9/v1 (`servers` of "),
        "{said}"
    );
}

#[test]
fn a_relative_servers_url_asks_for_a_target() {
    let team = Team::new(Some("/v1"));
    let out = team.run_spec(&["cases/negative.yaml"]);
    assert_errors(
        &out,
        &[
            "no target for API `widgets`",
            "`/v1`, is relative",
            "--target widgets=",
        ],
    );
}
