//! Swagger 2.0 read as published: the two fixtures (written for these tests, shaped like
//! jupyter-server's `api.yaml` and httpbin's `/spec.json`) load converted in memory, every
//! problem at the 2.0 file's own line, and what cannot be read leaves out only its operation.

use conform::openapi::lint::{Rule, Severity, lint_file};
use conform::openapi::{ParamIn, load_api};
use serde_json::json;

use crate::util::{conform, root, temp_dir, text};

fn fixture(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/specs-swagger2").join(name)
}

#[test]
fn a_jupyter_like_spec_loads_with_bodies_servers_and_schemes() {
    let spec = load_api("j", &fixture("jupyter-like.yaml")).expect("2.0 loads");
    let ids: Vec<&str> = spec.operation_ids().collect();
    assert_eq!(
        ids,
        [
            "GET /kernels",
            "POST /kernels",
            "GET /kernels/{kernel_id}",
            "DELETE /kernels/{kernel_id}",
            "GET /contents"
        ]
    );
    assert!(spec.skipped.is_empty(), "{:?}", spec.skipped);
    // basePath without host: a relative server, joined to the target.
    assert_eq!(spec.servers, ["/api"]);
    assert_eq!(spec.security_schemes["token"]["type"], "apiKey");
    assert_eq!(
        spec.security_schemes["basic"],
        json!({"type": "http", "scheme": "basic"})
    );
    let post = spec.operation("POST /kernels").expect("post");
    assert_eq!(post.security, ["token"]);
    let body = post
        .request_body
        .as_ref()
        .expect("the body parameter is the request body");
    assert_eq!(body.content[0].media_type, "application/json");
    // The path item's `$ref`'d parameter, shared by both operations.
    let get = spec.operation("GET /kernels/{kernel_id}").expect("get");
    assert!(
        get.params
            .iter()
            .any(|p| p.name == "kernel_id" && p.location == ParamIn::Path)
    );
    let ok = &get.responses[0];
    let schema = ok.content[0]
        .schema
        .as_ref()
        .expect("produces gives the media type");
    assert_eq!(ok.content[0].media_type, "application/json");
    // The definition's place is the file's own (`#/definitions/Kernel`, not components).
    assert_eq!(schema.at.pointer, "/definitions/Kernel");
    let v = schema.validator().expect("compiles");
    let id = "6a1b2c3d-0000-4000-8000-000000000000";
    assert!(
        v.is_valid(&json!({"id": id, "name": "py", "last_activity": null})),
        "x-nullable"
    );
    assert!(!v.is_valid(&json!({"id": id})), "required `name`");
    let contents = spec.operation("GET /contents").expect("contents");
    let kind = contents.params[0]
        .schema
        .as_ref()
        .expect("the parameter's schema");
    assert!(
        kind.validator()
            .expect("compiles")
            .is_valid(&json!(["file"]))
    );
    assert!(
        !kind
            .validator()
            .expect("compiles")
            .is_valid(&json!(["disk"]))
    );
}

#[test]
fn an_httpbin_like_spec_skips_what_it_cannot_read_and_loads_the_rest() {
    let path = fixture("httpbin-like.json");
    let spec = load_api("h", &path).expect("the rest loads");
    let ids: Vec<&str> = spec.operation_ids().collect();
    // An undeclared path parameter is an error of the spec, but one that can be read: the
    // operation runs, the parameter a required string.
    assert_eq!(
        ids,
        [
            "GET /anything/{anything}",
            "POST /post",
            "PUT /upload",
            "GET /status/{codes}"
        ]
    );
    let anything = spec.operation("GET /anything/{anything}").expect("kept");
    let p = &anything.params[0];
    assert_eq!(
        (p.name.as_str(), p.location, p.required),
        ("anything", ParamIn::Path, true)
    );
    assert_eq!(spec.servers, ["https://echo.example"]);
    let skipped: Vec<(String, u32, u32)> = spec
        .skipped
        .iter()
        .map(|s| (format!("{} {}", s.method, s.path), s.pos.line, s.pos.col))
        .collect();
    assert_eq!(skipped, [("GET /bytes/{n}".to_owned(), 10, 52),]);
    assert!(
        spec.skipped[0].reason.contains("`type: int`"),
        "{:?}",
        spec.skipped
    );
    let form = spec.operation("POST /post").expect("post");
    let body = form.request_body.as_ref().expect("formData is the body");
    assert!(body.required);
    assert_eq!(
        body.content[0].media_type,
        "application/x-www-form-urlencoded"
    );
    let v = body.content[0].schema.as_ref().expect("schema");
    let v = v.validator().expect("compiles");
    assert!(v.is_valid(&json!({"custname": "a", "size": "small"})));
    assert!(
        !v.is_valid(&json!({"size": "small"})),
        "custname is required"
    );
    let upload = spec.operation("PUT /upload").expect("upload");
    let media = &upload.request_body.as_ref().expect("body").content[0];
    assert_eq!(media.media_type, "multipart/form-data", "a file field");
    let status = spec.operation("GET /status/{codes}").expect("status");
    assert_eq!(status.responses.len(), 2);
    assert!(
        status.responses[0].content.is_empty(),
        "no schema: no body documented"
    );
}

#[test]
fn specs_check_reports_the_unreadable_at_its_json_line_and_notes_missing_ids() {
    let path = fixture("httpbin-like.json");
    let problems = lint_file(&path);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("{}:{} {} {}", p.pos.line, p.pos.col, p.rule, p.pointer))
        .collect();
    assert_eq!(
        errors,
        [
            // A 2.0 path parameter says `required: true`; this one does not (as httpbin's).
            "10:24 path-params /paths/~1bytes~1{n}/get/parameters/0",
            "10:52 swagger-2.0 /paths/~1bytes~1{n}/get/parameters/0/type",
            "16:7 path-params /paths/~1anything~1{anything}/get"
        ]
    );
    let notes: Vec<&str> = problems
        .iter()
        .filter(|p| p.severity == Severity::Note)
        .map(|p| p.pointer.as_str())
        .collect();
    assert_eq!(
        notes,
        [
            "/paths/~1anything~1{anything}/get",
            "/paths/~1post/post",
            "/paths/~1upload/put",
            "/paths/~1status~1{codes}/get"
        ]
    );
    assert!(problems.iter().all(|p| p.pos.is_known()), "{problems:#?}");
    // Notes alone do not fail `specs check`.
    let out = conform(&[
        "specs",
        "check",
        "--specs",
        "/nonexistent",
        "--spec",
        &format!("j={}", fixture("jupyter-like.yaml").display()),
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("note[operation-id]"), "{said}");
    assert!(said.contains("5 note(s), no problem"), "{said}");
}

/// A problem found in the converted shape is placed on the 2.0 file's own line and pointer.
#[test]
fn a_problem_in_a_converted_node_names_the_2_0_source() {
    let dir = temp_dir();
    let path = dir.path().join("swagger.yaml");
    let source = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /w:\n    post:\n      operationId: make\n      parameters:\n        - name: w\n          in: body\n          schema:\n            type: object\n            properties:\n              n: {type: integer}\n            example:\n              n: nine\n      responses:\n        200: {description: ok}\n";
    std::fs::write(&path, source).expect("write");
    let problems = lint_file(&path);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p.rule, Rule::Example);
    assert_eq!(p.pointer, "/paths/~1w/post/parameters/0/schema/example/n");
    assert_eq!((p.pos.line, p.pos.col), (15, 15), "{p}");
    assert!(
        p.message.contains("#/paths/~1w/post/parameters/0/schema:"),
        "{p}"
    );
}

/// The schema rule an example breaks is named where the 2.0 file writes it, under
/// `definitions`, not where the conversion put it.
#[test]
fn the_rule_an_example_breaks_is_named_in_2_0_terms() {
    let dir = temp_dir();
    let path = dir.path().join("swagger.yaml");
    let source = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /me:\n    get:\n      operationId: me\n      responses:\n        200:\n          description: ok\n          schema:\n            $ref: \"#/definitions/Identity\"\n          examples:\n            application/json: {avatar_url: null}\ndefinitions:\n  Identity:\n    type: object\n    properties:\n      avatar_url: {type: string}\n";
    std::fs::write(&path, source).expect("write");
    let problems = lint_file(&path);
    let p = problems
        .iter()
        .find(|p| p.rule == Rule::Example)
        .unwrap_or_else(|| panic!("no example problem: {problems:#?}"));
    assert!(
        p.help
            .contains("/definitions/Identity/properties/avatar_url/type"),
        "{p:#?}"
    );
    assert!(!p.help.contains("components"), "{p:#?}");
}

/// What a 2.0 reader cannot express is never dropped without a word: a key of a path item 2.0
/// does not have is a note at its line (its operation listed as left out), and a path
/// parameter without `required: true` is an error at its line whose operation still runs,
/// the parameter read as required.
#[test]
fn stray_path_item_keys_are_notes_and_an_optional_path_parameter_runs_as_required() {
    let dir = temp_dir();
    let path = dir.path().join("swagger.yaml");
    let source = "\
swagger: \"2.0\"
info: {title: t, version: \"1\"}
paths:
  /w/{id}:
    summary: widgets
    x-owner: team
    get:
      operationId: getW
      parameters:
        - name: id
          in: path
          type: string
      responses:
        200: {description: ok}
    trace:
      operationId: traceW
      responses:
        200: {description: ok}
    DELETE:
      operationId: deleteW
      responses:
        204: {description: gone}
";
    std::fs::write(&path, source).expect("write");
    let problems = lint_file(&path);
    let shown: Vec<String> = problems
        .iter()
        .map(|p| {
            let at = format!("{}:{}", p.pos.line, p.pos.col);
            format!("{at} {} {} {}", p.severity.name(), p.rule, p.pointer)
        })
        .collect();
    assert_eq!(
        shown,
        [
            "5:5 note swagger-2.0 /paths/~1w~1{id}/summary",
            "10:11 error path-params /paths/~1w~1{id}/get/parameters/0",
            "15:5 note swagger-2.0 /paths/~1w~1{id}/trace",
            "19:5 note swagger-2.0 /paths/~1w~1{id}/DELETE",
        ],
        "{problems:#?}"
    );
    assert!(
        problems[1].message.contains("`id` has no `required`"),
        "{problems:#?}"
    );
    assert!(
        problems[2].message.contains("`TRACE /w/{id}` is left out"),
        "{problems:#?}"
    );
    assert!(problems[3].help.contains("write `delete`"), "{problems:#?}");
    let spec = load_api("w", &path).expect("loads");
    let ids: Vec<&str> = spec.operation_ids().collect();
    assert_eq!(ids, ["getW"]);
    let id = &spec.operation("getW").expect("runs").params[0];
    assert!(id.required && id.location == ParamIn::Path);
    let skipped: Vec<String> = spec
        .skipped
        .iter()
        .map(|s| format!("{} {} {}", s.method, s.path, s.pos.line))
        .collect();
    assert_eq!(skipped, ["TRACE /w/{id} 15", "DELETE /w/{id} 19"]);
}
