//! Specs as teams write them: OpenAPI 3.0 (converted on load), JSON, files split by relative
//! `$ref`s, Swagger 2.0 refused. Each fixture under `tests/fixtures/specs-*` describes the
//! fixture mock's widget API, so the real binary runs a scenario against it.

use conform::spec::lint::{Rule, lint_file};

use crate::util::{Conform, root};

fn run(specs: &str) -> (Option<i32>, String) {
    let out = Conform::new(&[
        "run",
        "--no-report",
        "--specs",
        specs,
        "tests/fixtures/pass/lifecycle.yaml",
    ])
    .output();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn check(specs: &str) -> (Option<i32>, String) {
    let out = Conform::new(&["specs", "check", "--specs", specs]).output();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_30_a_json_and_a_split_spec_pass_against_the_fixture_mock() {
    for dir in [
        "tests/fixtures/specs-30",
        "tests/fixtures/specs-json",
        "tests/fixtures/specs-multi",
    ] {
        let (code, out) = run(dir);
        assert_eq!(code, Some(0), "{dir}: {out}");
        let (code, out) = check(dir);
        assert_eq!(code, Some(0), "{dir}: {out}");
        assert!(out.contains(": ok"), "{dir}: {out}");
    }
}

/// A 3.0 `nullable` rule, converted to a type union, still fails a body that breaks it, and
/// the finding names the 3.0 file's own pointer.
#[test]
fn a_converted_nullable_rule_still_fails_and_names_its_line() {
    let (code, out) = run("tests/fixtures/specs-30-broken");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(r#"is not of types "null", "integer""#),
        "{out}"
    );
    assert!(
        out.contains("tests/fixtures/specs-30-broken/fixture/openapi.yaml#/components/schemas/Widget/properties/name/type"),
        "{out}"
    );
}

#[test]
fn a_30_document_is_linted_against_the_oas_30_schema() {
    let path = root().join("tests/fixtures/specs-lint/openapi-3.0/widgets/openapi.yaml");
    let problems = lint_file(&path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].rule, Rule::OpenApi30);
    assert_eq!(
        (problems[0].pos.line, problems[0].pointer.as_str()),
        (2, "/info")
    );
    assert!(problems[0].help.contains("OpenAPI 3.0 schema"));
}

#[test]
fn a_cross_file_cycle_is_named_in_each_file_and_run_refuses_it() {
    let (code, out) = check("tests/fixtures/specs-multi-cycle");
    assert_eq!(code, Some(2), "{out}");
    let f = "tests/fixtures/specs-multi-cycle/fixture";
    for line in [
        format!(
            "{f}/openapi.yaml:54:7: error[ref-resolves] at #/components/schemas/Error/$ref: `$ref: schemas.json#/Error` never reaches an object: the references form a cycle (schemas.json#/Error -> #/components/schemas/Error -> schemas.json#/Error)"
        ),
        format!(
            "{f}/paths/widget.yaml:33:13: error[ref-resolves] at #/get/responses/404/content/application~1json/schema/$ref: `$ref: ../schemas.json#/Error`"
        ),
    ] {
        assert!(out.contains(&line), "{line}\n{out}");
    }
    let (code, out) = run("tests/fixtures/specs-multi-cycle");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("the references form a cycle"), "{out}");
}

#[test]
fn a_remote_ref_is_refused_where_it_is_written() {
    let expected = "tests/fixtures/specs-multi-remote/fixture/paths/widget.yaml:33:13: error[ref-resolves] at #/get/responses/404/content/application~1json/schema/$ref: `$ref: https://example.com/schemas.yaml#/Error` is a remote reference; conform refuses it";
    let (code, out) = check("tests/fixtures/specs-multi-remote");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(expected), "{out}");
    assert!(out.ends_with("1 problem(s) in 1 spec(s)\n"), "{out}");
    let (code, out) = run("tests/fixtures/specs-multi-remote");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("is a remote reference; conform refuses it"),
        "{out}"
    );
    assert!(out.contains("paths/widget.yaml:33:13"), "{out}");
}

#[test]
fn a_schema_rule_in_another_file_is_named_in_that_file() {
    let dir = crate::util::temp_dir();
    let api = dir.path().join("fixture");
    let src = root().join("tests/fixtures/specs-multi/fixture");
    std::fs::create_dir_all(api.join("paths")).expect("dirs");
    for f in ["openapi.yaml", "paths/widget.yaml", "schemas.json"] {
        std::fs::copy(src.join(f), api.join(f)).expect("copy");
    }
    let schemas = std::fs::read_to_string(api.join("schemas.json")).expect("read");
    let broken = schemas.replacen(r#""minimum": 1"#, r#""minimum": "one""#, 1);
    assert_ne!(schemas, broken);
    std::fs::write(api.join("schemas.json"), broken).expect("write");
    let problems = lint_file(&api.join("openapi.yaml"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].rule, Rule::Schema);
    assert!(
        problems[0].file.ends_with("schemas.json"),
        "{}",
        problems[0]
    );
    assert_eq!(problems[0].pointer, "/NewWidget/properties/size/minimum");
    assert!(problems[0].pos.is_known(), "{}", problems[0]);
}

#[test]
fn bad_json_is_placed_at_its_line_and_column() {
    let dir = crate::util::temp_dir();
    std::fs::create_dir_all(dir.path().join("w")).expect("dir");
    std::fs::write(
        dir.path().join("w/openapi.json"),
        "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\"title\": \"w\" \"version\": \"1\"}\n}\n",
    )
    .expect("write");
    let err = conform::spec::Registry::new(dir.path())
        .api("w")
        .expect_err("refused");
    assert_eq!((err.pos.line, err.pos.col), (3, 25), "{err}");
}

#[test]
fn swagger_2_is_refused_with_the_conversion() {
    let dir = crate::util::temp_dir();
    std::fs::create_dir_all(dir.path().join("s")).expect("dir");
    std::fs::write(
        dir.path().join("s/openapi.yaml"),
        "swagger: '2.0'\ninfo: {title: s, version: '1'}\npaths: {}\n",
    )
    .expect("write");
    let err = conform::spec::Registry::new(dir.path())
        .api("s")
        .expect_err("refused");
    assert!(err.message.contains("Swagger 2.0"), "{err}");
    assert!(
        err.help
            .as_deref()
            .unwrap_or("")
            .contains("swagger2openapi"),
        "{err}"
    );
    let problems = lint_file(&dir.path().join("s/openapi.yaml"));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].help.contains("swagger2openapi"));
}
