//! Specs as teams write them: OpenAPI 3.0 (converted on load), JSON, files split by relative
//! `$ref`s, Swagger 2.0 read (tests/spec_swagger2.rs). Each fixture under `tests/fixtures/specs-*` describes the
//! fixture mock's widget API, so the real binary runs a scenario against it.

use conform::openapi::lint::{Rule, lint_file};

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
    let dir = split_copy("schemas.json", r#""minimum": 1"#, r#""minimum": "one""#);
    let api = dir.path().join("fixture");
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
    let err = conform::openapi::Registry::new(dir.path())
        .api("w")
        .expect_err("refused");
    assert_eq!((err.pos.line, err.pos.col), (3, 25), "{err}");
}

#[test]
fn swagger_2_loads_and_other_swagger_versions_are_refused() {
    let dir = crate::util::temp_dir();
    std::fs::create_dir_all(dir.path().join("s")).expect("dir");
    let file = dir.path().join("s/openapi.yaml");
    std::fs::write(
        &file,
        "swagger: '2.0'\ninfo: {title: s, version: '1'}\npaths: {}\n",
    )
    .expect("write");
    let spec = conform::openapi::Registry::new(dir.path())
        .api("s")
        .expect("Swagger 2.0 is read");
    assert!(spec.operations.is_empty());
    assert!(lint_file(&file).is_empty());
    std::fs::write(
        &file,
        "swagger: '1.2'\ninfo: {title: s, version: '1'}\npaths: {}\n",
    )
    .expect("write");
    let err = conform::openapi::Registry::new(dir.path())
        .api("s")
        .expect_err("refused");
    assert!(err.message.contains("`swagger: \"1.2\"`"), "{err}");
    assert_eq!((err.pos.line, err.pos.col), (1, 1), "{err}");
    let problems = lint_file(&file);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(!problems[0].help.contains("swagger2openapi"));
}

/// A copy of the split fixture with `edit` applied to one of its files.
fn split_copy(file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = crate::util::temp_dir();
    let api = dir.path().join("fixture");
    let src = root().join("tests/fixtures/specs-multi/fixture");
    std::fs::create_dir_all(api.join("paths")).expect("dirs");
    for f in ["openapi.yaml", "paths/widget.yaml", "schemas.json"] {
        std::fs::copy(src.join(f), api.join(f)).expect("copy");
    }
    let text = std::fs::read_to_string(api.join(file)).expect("read");
    let edited = text.replacen(from, to, 1);
    assert_ne!(text, edited, "{from} is in {file}");
    std::fs::write(api.join(file), edited).expect("write");
    dir
}

/// Operation rules run on path items written in other files, and name those files.
#[test]
fn a_path_item_in_another_file_is_checked_there() {
    let dir = split_copy("paths/widget.yaml", "  required: true\n", "");
    let problems = lint_file(&dir.path().join("fixture/openapi.yaml"));
    // The fragment against the OAS path-item definition, and the path-parameter rule.
    let rules: Vec<Rule> = problems.iter().map(|p| p.rule).collect();
    assert_eq!(rules, [Rule::OpenApi, Rule::PathParams], "{problems:#?}");
    for p in &problems {
        assert!(p.file.ends_with("paths/widget.yaml"), "{p}");
        assert_eq!(
            (p.pos.line, p.pointer.as_str()),
            (2, "/parameters/0"),
            "{p}"
        );
    }
    assert_eq!(
        problems[1].message,
        "path parameter `id` is not `required: true`"
    );
}

/// A 3.0 example is checked against the converted schema: `exclusiveMinimum: true` with
/// `minimum: 0` refuses 0.
#[test]
fn a_30_example_breaking_an_exclusive_bound_is_reported() {
    let (_dir, path) = spec30_with(
        "exclusiveMinimum: true, example: 3",
        "exclusiveMinimum: true, example: 0",
    );
    let problems = lint_file(&path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].rule, Rule::Example);
    assert_eq!(
        problems[0].pointer,
        "/components/schemas/Widget/properties/size/example"
    );
    assert!(
        problems[0]
            .message
            .contains("less than or equal to the minimum of 0"),
        "{}",
        problems[0]
    );
}

/// 3.1 syntax in a 3.0 document is named at its own line, not as a "oneOf" miss of the whole
/// schema (3.0 writes every schema as "a Schema or a Reference").
#[test]
fn a_31_type_list_in_a_30_document_is_named_at_its_line() {
    let (_dir, path) = spec30_with(
        "note: {type: string, nullable: true, example: null}",
        "note: {type: [string, 'null']}",
    );
    let problems = lint_file(&path);
    let found: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{}:{} {} #{} {}",
                p.pos.line, p.pos.col, p.rule, p.pointer, p.message
            )
        })
        .collect();
    let at = "#/components/schemas/Widget/properties/note/type";
    assert_eq!(
        found,
        [
            format!("92:16 openapi-3.0 {at} value is not of type \"string\""),
            format!(
                "92:16 openapi-3.0 {at} value is not one of \"array\", \"boolean\" or 4 other candidates"
            ),
        ]
    );
}

/// A copy of the 3.0 fixture with one text replaced: (its folder, the spec's path).
fn spec30_with(from: &str, to: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = crate::util::temp_dir();
    std::fs::create_dir_all(dir.path().join("fixture")).expect("dir");
    let text = std::fs::read_to_string(root().join("tests/fixtures/specs-30/fixture/openapi.yaml"))
        .expect("read");
    let spec = text.replace(from, to);
    assert_ne!(text, spec, "{from} is in the fixture");
    let path = dir.path().join("fixture/openapi.yaml");
    std::fs::write(&path, spec).expect("write");
    (dir, path)
}

/// All schemas are compiled together first; when that fails, the one that does not compile is
/// named, in its own file, for 3.1 (split) and 3.0 documents alike.
#[test]
fn a_schema_that_does_not_compile_is_named_alone() {
    let dir = split_copy(
        "schemas.json",
        r#""minLength": 1,"#,
        r#""minLength": 1, "pattern": "[","#,
    );
    let problems = lint_file(&dir.path().join("fixture/openapi.yaml"));
    let found = rules_at(&problems);
    assert_eq!(
        found,
        [(Rule::Schema, "/NewWidget".to_owned())],
        "{problems:#?}"
    );
    assert!(
        problems[0].file.ends_with("schemas.json"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0]
            .message
            .starts_with("the schema does not compile"),
        "{}",
        problems[0]
    );
    let (_dir, path) = spec30_with("pattern: '^req-[0-9a-f-]{36}$'", "pattern: '['");
    let problems = lint_file(&path);
    let found = rules_at(&problems);
    assert_eq!(
        found,
        [
            (
                Rule::Schema,
                "/components/headers/RequestId/schema".to_owned()
            ),
            // The OAS 3.0 schema also says `pattern` is no regex (`format: regex`).
            (
                Rule::OpenApi30,
                "/components/headers/RequestId/schema/pattern".to_owned()
            )
        ],
        "{problems:#?}"
    );
}

/// (rule, pointer) of each problem.
fn rules_at(problems: &[conform::openapi::lint::Problem]) -> Vec<(Rule, String)> {
    problems
        .iter()
        .map(|p| (p.rule, p.pointer.clone()))
        .collect()
}
