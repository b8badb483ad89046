//! A spec named by URL, as a server publishes it (`--spec api=http://127.0.0.1:PORT/spec.yaml`):
//! fetched once, every problem at the URL's own line and column, an unreachable URL, a non-2xx
//! answer or a redirect to another origin a clear error (exit 2), a `$ref` to another file
//! refused. And a relative `servers` URL (`/api`, as FastAPI writes it) put under the target's
//! path: a server that answers only under `/api` passes. Every server is on 127.0.0.1.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::util::{Conform, serve, temp_dir, text};

/// A spec whose one operation lists widgets under `/api` (a relative `servers` URL).
const SPEC: &str = "\
openapi: 3.1.0
info: {title: widgets, version: '1'}
servers:
  - url: /api
paths:
  /widgets:
    get:
      operationId: listWidgets
      responses:
        '200':
          description: the widgets
          content:
            application/json:
              schema: {type: array, items: {type: string}}
";

/// [`SPEC`] with one problem: an example that contradicts its schema, at line 14.
const BROKEN: &str = "\
openapi: 3.1.0
info: {title: widgets, version: '1'}
paths:
  /widgets:
    get:
      operationId: listWidgets
      responses:
        '200':
          description: the widgets
          content:
            application/json:
              schema:
                type: array
                example: not-a-list
";

/// A spec that refers to a file beside it.
const SPLIT: &str = "\
openapi: 3.1.0
info: {title: widgets, version: '1'}
paths:
  /widgets:
    get:
      operationId: listWidgets
      responses:
        '200':
          $ref: './responses.yaml#/Ok'
";

fn yaml(text: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], text)
}

/// The specs and the API itself: `/api/widgets` answers, nothing else does.
fn server() -> (tokio::runtime::Runtime, String) {
    let app = Router::new()
        .route("/spec.yaml", get(|| async { yaml(SPEC) }))
        .route("/broken.yaml", get(|| async { yaml(BROKEN) }))
        .route("/split.yaml", get(|| async { yaml(SPLIT) }))
        .route(
            "/moved.yaml",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://127.0.0.1:1/spec.yaml")],
                )
            }),
        )
        .route(
            "/api/widgets",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], r#"["a","b"]"#) }),
        );
    serve(app)
}

fn specs_check(spec: &str) -> (Option<i32>, String) {
    let dir = temp_dir();
    let arg = format!("api={spec}");
    let out = Conform::new(&["specs", "check", "--color", "never", "--spec", &arg])
        .current_dir(dir.path())
        .output();
    (out.status.code(), text(&out))
}

#[test]
fn a_spec_named_by_url_is_fetched_and_checked_at_its_own_lines() {
    let (_rt, base) = server();
    let (code, said) = specs_check(&format!("{base}/spec.yaml"));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains(&format!("{base}/spec.yaml: ok")), "{said}");
    let (code, said) = specs_check(&format!("{base}/broken.yaml"));
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains(&format!(
            "{base}/broken.yaml:14:17: error[example-matches-schema]"
        )),
        "{said}"
    );
    // Its `$ref`s to other files are refused, at the `$ref`'s line.
    let (code, said) = specs_check(&format!("{base}/split.yaml"));
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains(&format!("{base}/split.yaml:9:11: error[ref-resolves]"))
            && said.contains("read from a URL"),
        "{said}"
    );
}

#[test]
fn a_url_that_gives_no_spec_is_an_error_naming_it_and_the_status() {
    let (_rt, base) = server();
    let missing = format!("{base}/nope.yaml");
    let (code, said) = specs_check(&missing);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains(&missing) && said.contains("answered 404 Not Found"),
        "{said}"
    );
    // A redirect to another origin is not followed (nothing listens on port 1 anyway).
    let (code, said) = specs_check(&format!("{base}/moved.yaml"));
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("answered 302 Found, a redirect to http://127.0.0.1:1/spec.yaml"),
        "{said}"
    );
    // Nothing listens: the OS's words, and the URL.
    let (code, said) = specs_check("http://127.0.0.1:1/spec.yaml");
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("http://127.0.0.1:1/spec.yaml") && said.contains("cannot fetch the spec"),
        "{said}"
    );
}

/// A run of one scenario against `target` (none: the spec's `servers`), with the spec named
/// by `spec` (`file:TEXT` for a file of that text).
fn run(spec: &str, target: Option<&str>) -> (Option<i32>, String) {
    let dir = temp_dir();
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).expect("cases/");
    std::fs::write(
        cases.join("list.yaml"),
        "name: list the widgets\napi: widgets\nsteps:\n  - call: listWidgets\n    expect: {status: 200}\n",
    )
    .expect("scenario");
    let spec = match spec.strip_prefix("file:") {
        Some(text) => {
            let path = dir.path().join("widgets.yaml");
            std::fs::write(&path, text).expect("spec");
            path.display().to_string()
        }
        None => spec.to_owned(),
    };
    let arg = format!("widgets={spec}");
    let mut args = vec!["run", "--color", "never", "--spec", &arg];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    args.push("cases");
    let out = Conform::new(&args)
        .current_dir(dir.path())
        .env_remove("CONFORM_TARGETS")
        .output();
    (out.status.code(), text(&out))
}

#[test]
fn a_relative_servers_url_goes_under_the_target() {
    let (_rt, base) = server();
    // The spec as a file; the target given for every API, and for the API alone.
    for target in [base.clone(), format!("widgets={base}")] {
        let (code, said) = run(&format!("file:{SPEC}"), Some(&target));
        assert_eq!(code, Some(0), "{target}: {said}");
        assert!(
            said.contains(&format!(
                "widgets -> {base}/api (--target, joined with `/api`"
            )),
            "{said}"
        );
    }
    // A target that already names the path is kept as it is.
    let (code, said) = run(&format!("file:{SPEC}"), Some(&format!("{base}/api")));
    assert_eq!(code, Some(0), "{said}");
    // The spec fetched from the server it describes.
    let (code, said) = run(&format!("{base}/spec.yaml"), Some(&base));
    assert_eq!(code, Some(0), "{said}");
    // With no target, a relative `servers` URL is taken from where the spec is served.
    let (code, said) = run(&format!("{base}/spec.yaml"), None);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "widgets -> {base}/api (`servers` of {base}/spec.yaml)"
        )),
        "{said}"
    );
}

/// `conform init` on a spec whose `servers` URL is relative says to give the host, and its
/// scenarios, run as it says with the host given, reach the API under `/api`.
#[test]
fn init_says_where_its_scenarios_go_and_they_get_there() {
    let (_rt, base) = server();
    let dir = temp_dir();
    let spec = dir.path().join("widgets.yaml");
    std::fs::write(&spec, SPEC).expect("spec");
    let out = Conform::new(&["init", "--api", "widgets", "widgets.yaml", "--out", "cases"])
        .current_dir(dir.path())
        .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(
            "conform run --spec widgets=widgets.yaml --target http://HOST:PORT cases/widgets"
        ) && said.contains("`/api` is relative"),
        "{said}"
    );
    let out = Conform::new(&[
        "run",
        "--color",
        "never",
        "--spec",
        "widgets=widgets.yaml",
        "--target",
        &base,
        "cases/widgets",
    ])
    .current_dir(dir.path())
    .env_remove("CONFORM_TARGETS")
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains(&format!("widgets -> {base}/api")), "{said}");
    // The spec named by URL: the same corpus, and the run needs no target.
    let url = format!("{base}/spec.yaml");
    let out = Conform::new(&["init", "--api", "widgets", &url, "--out", "fetched"])
        .current_dir(dir.path())
        .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("conform run --spec widgets={url} fetched/widgets")),
        "{said}"
    );
    let arg = format!("widgets={url}");
    let out = Conform::new(&["run", "--color", "never", "--spec", &arg, "fetched/widgets"])
        .current_dir(dir.path())
        .env_remove("CONFORM_TARGETS")
        .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
}
