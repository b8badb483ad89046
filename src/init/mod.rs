//! A first corpus from a spec (`conform init`): [`Corpus`], a scenario per operation with its
//! documented success status, requests filled from the spec's examples or its schemas' required
//! fields, and ids chained from a create to the operations on what it made (one lifecycle
//! scenario per collection, a `finally` that deletes; parents of nested resources made first;
//! names unique per run and scenario; a delete of data the scenario does not create left out,
//! see [`Skipped`]). [`write_corpus`] writes the [`SCHEMA_FILE`] too and never overwrites a file.
//!
//! [`example_scenarios`] turns the spec's request examples into one-step scenarios for
//! `conform run --examples`.

pub(crate) mod chain;
pub(crate) mod draft;
pub(crate) mod emit;
mod examples;
mod raw;
mod unique;
pub(crate) mod values;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use draft::{NEEDS_VAR, Skipped};
pub use emit::SCHEMA_LINE;
pub use examples::{ExampleScenario, example_scenarios, registry_examples};
pub use raw::Doc;

use crate::openapi::ApiSpec;

/// The scenario files of a new corpus, not yet written.
#[derive(Debug)]
pub struct Corpus {
    /// The API the corpus is for (its spec's name); `conform init` writes it into a folder
    /// so named.
    pub api: String,
    /// The scenario files, one per operation or lifecycle.
    pub files: Vec<CorpusFile>,
    /// The operations left without a scenario, and why (a delete of data the scenario does
    /// not create).
    pub skipped: Vec<Skipped>,
}

/// The schema file written beside a corpus, for editors (`conform schema`'s text).
pub const SCHEMA_FILE: &str = "scenario.schema.json";

/// The first line of every scenario `conform init` writes: the editor's schema, the
/// [`SCHEMA_FILE`] written into the same folder.
pub const CORPUS_SCHEMA_LINE: &str = "# yaml-language-server: $schema=scenario.schema.json";

/// One scenario file of a new corpus: its name and YAML text.
#[derive(Debug)]
pub struct CorpusFile {
    /// The file name inside the API's folder (`widget-lifecycle.yaml`).
    pub name: String,
    /// The scenario YAML, starting with [`CORPUS_SCHEMA_LINE`].
    pub text: String,
    /// Tagged [`NEEDS_VAR`]: it needs a value it cannot create (an existing resource's id).
    pub needs_var: bool,
}

/// What writing a corpus did: every file written, and every one left alone because it existed.
#[derive(Debug, Default)]
pub struct Written {
    /// The files created, in corpus order.
    pub written: Vec<PathBuf>,
    /// The files that already existed and were left as they were.
    pub kept: Vec<PathBuf>,
}

/// Why [`write_corpus`] could not write a corpus.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The corpus folder could not be created.
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        /// The folder that could not be created.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// A scenario file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
}

/// The corpus for `spec` (`doc` is the same file as written, for examples and links).
pub fn generate(spec: &ApiSpec, doc: &Doc) -> Corpus {
    let (planned, skipped) = draft::drafts(spec, doc);
    let files = planned
        .into_iter()
        .map(|p| CorpusFile {
            needs_var: p.draft.tags.iter().any(|t| t == NEEDS_VAR),
            name: p.file,
            // The schema beside the scenarios, not conform's own `docs/` (the user has none).
            text: emit::render(&p.draft).replacen(SCHEMA_LINE, CORPUS_SCHEMA_LINE, 1),
        })
        .collect();
    Corpus {
        api: spec.name.clone(),
        files,
        skipped,
    }
}

/// Writes `corpus` into `dir` (created if needed), and [`SCHEMA_FILE`] beside it for the
/// scenarios' schema line. A file that exists is kept as it is, whatever it holds: the user may
/// have edited it. Files are created with `create_new`, so a file that appears meanwhile is not
/// overwritten either.
pub fn write_corpus(corpus: &Corpus, dir: &Path) -> Result<Written, InitError> {
    std::fs::create_dir_all(dir).map_err(|source| InitError::Folder {
        path: dir.to_owned(),
        source,
    })?;
    let schema = serde_json::to_string_pretty(&crate::scenario_schema()).unwrap_or_default();
    let schema = (SCHEMA_FILE, format!("{schema}\n"));
    let mut done = Written::default();
    let files = corpus.files.iter().map(|f| (f.name.as_str(), &f.text));
    for (name, text) in files.chain([(schema.0, &schema.1)]) {
        let path = dir.join(name);
        if write_new(&path, text)? {
            done.written.push(path);
        } else {
            done.kept.push(path);
        }
    }
    Ok(done)
}

/// Creates `path` with `text`: false, and nothing written, when it exists.
fn write_new(path: &Path, text: &str) -> Result<bool, InitError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .map_err(|source| InitError::Write {
                    path: path.to_owned(),
                    source,
                })?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(InitError::Write {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The API's name when none is given: the spec's folder when the file has a generic name
/// (`fixture/openapi.yaml` -> `fixture`), else the slug of `info.title`, else the file's stem.
pub fn api_name(spec_path: &Path, doc: &Doc) -> String {
    let stem = spec_path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let generic =
        ["openapi", "swagger", "api", "spec"].contains(&stem.to_ascii_lowercase().as_str());
    let folder = spec_path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_owned));
    if generic && let Some(folder) = folder.filter(|f| !f.is_empty()) {
        return folder;
    }
    let title = doc
        .root()
        .pointer("/info/title")
        .and_then(serde_json::Value::as_str)
        .map(slug)
        .filter(|s| !s.is_empty());
    title.unwrap_or_else(|| slug(stem))
}

/// `My Todo API v2` -> `my-todo-api-v2`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// `text` as the spec of `api` in a temporary specs folder (kept while the folder lives).
#[cfg(test)]
pub(crate) fn load_for_test(
    api: &str,
    text: &str,
) -> (tempfile::TempDir, crate::openapi::Registry, Doc) {
    let dir = tempfile::tempdir().expect("temp");
    let spec_dir = dir.path().join(api);
    std::fs::create_dir_all(&spec_dir).expect("mkdir");
    let path = spec_dir.join("openapi.yaml");
    std::fs::write(&path, text).expect("spec");
    let registry = crate::openapi::Registry::new(dir.path());
    let doc = Doc::read(&path).expect("reads");
    (dir, registry, doc)
}

/// Panics unless `text` parses and compiles against `registry` as the scenario `id`.
#[cfg(test)]
pub(crate) fn assert_compiles(registry: &crate::openapi::Registry, id: &str, text: &str) {
    let found = crate::scenario::Found {
        path: PathBuf::from(id),
        id: id.to_owned(),
    };
    let scenario = crate::scenario::parse(&found.path, text).expect(text);
    if let Err(r) = crate::plan::compile(
        &found,
        text,
        scenario,
        registry,
        &[],
        &crate::remedy::OwnTerms,
    ) {
        panic!("{id} does not compile: {r:?}\n{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TODOS: &str = r#"
openapi: 3.1.0
info: {title: Todos, version: "1"}
paths:
  /todos:
    get:
      operationId: listTodos
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer, maximum: 50}, example: 10}
        - {name: after, in: query, schema: {type: string}}
      responses:
        "200": {description: ok}
    post:
      operationId: createTodo
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title, due]
              properties:
                title: {type: string, minLength: 1}
                due: {type: string, format: date}
                note: {type: string}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
  /todos/{todoId}:
    parameters:
      - {name: todoId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getTodo
      responses:
        "200": {description: ok}
    delete:
      operationId: deleteTodo
      responses:
        "204": {description: gone}
  /todos/{todoId}/done:
    parameters:
      - {name: todoId, in: path, required: true, schema: {type: string}}
    post:
      operationId: completeTodo
      responses:
        "2XX": {description: done}
"#;

    /// Every file of the corpus of `TODOS`, by name, after checking that each compiles.
    fn corpus_of_todos() -> std::collections::BTreeMap<String, String> {
        let (_dir, registry, doc) = load_for_test("todos", TODOS);
        let spec = registry.api("todos").expect("the spec loads");
        let corpus = generate(&spec, &doc);
        for f in &corpus.files {
            assert_compiles(&registry, &f.name, &f.text);
        }
        corpus.files.into_iter().map(|f| (f.name, f.text)).collect()
    }

    #[test]
    fn a_lifecycle_per_collection_and_a_scenario_per_operation_left() {
        let files = corpus_of_todos();
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "complete-todo.yaml",
                "list-todos.yaml",
                "todo-lifecycle.yaml"
            ]
        );
        let lifecycle = &files["todo-lifecycle.yaml"];
        assert!(
            lifecycle.contains("todoId: /id  # the response field `id`"),
            "{lifecycle}"
        );
        assert!(
            lifecycle.contains(
                r#"body: {"title":"conform${run.id}todolifecycle","due":"2024-01-01","note":"conform${run.id}todolifecycle"}"#
            ),
            "the required fields, then the optional plain ones: {lifecycle}"
        );
        assert!(
            lifecycle.contains("finally:\n  - name: deleteTodo"),
            "{lifecycle}"
        );
        // Below an item: made by a create first, deleted after; a class status as written.
        let complete = &files["complete-todo.yaml"];
        assert!(complete.contains("call: createTodo") && complete.contains("call: deleteTodo"));
        assert!(complete.contains("status: \"2xx\""), "{complete}");
        // A required query parameter from its example; an optional one left out.
        let list = &files["list-todos.yaml"];
        assert!(
            list.contains("limit: 10  # from the spec's example"),
            "{list}"
        );
        assert!(!list.contains("after"), "{list}");
    }

    #[test]
    fn api_names_come_from_the_folder_or_the_title() {
        let dir = tempfile::tempdir().expect("temp");
        let folder = dir.path().join("todo-api");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let file = folder.join("openapi.yaml");
        std::fs::write(&file, "x").expect("write");
        let doc = Doc::from_value(json!({"info": {"title": "My Todo API (v2)"}}));
        assert_eq!(api_name(&file, &doc), "todo-api");
        assert_eq!(
            api_name(Path::new("elsewhere/todos.yaml"), &doc),
            "my-todo-api-v2"
        );
        let untitled = Doc::from_value(json!({}));
        assert_eq!(api_name(Path::new("x/Todos.yaml"), &untitled), "todos");
    }

    #[test]
    fn a_file_that_exists_is_kept_whatever_it_holds() {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join("a.yaml"), "mine").expect("write");
        let corpus = Corpus {
            api: "x".into(),
            files: vec![
                CorpusFile {
                    name: "a.yaml".into(),
                    text: "new".into(),
                    needs_var: false,
                },
                CorpusFile {
                    name: "b.yaml".into(),
                    text: "new".into(),
                    needs_var: false,
                },
            ],
            skipped: Vec::new(),
        };
        let done = write_corpus(&corpus, dir.path()).expect("writes");
        assert_eq!(done.kept, vec![dir.path().join("a.yaml")]);
        assert_eq!(
            done.written,
            vec![dir.path().join("b.yaml"), dir.path().join(SCHEMA_FILE)]
        );
        // The schema the scenarios' first line names, as `conform schema` prints it.
        let schema = std::fs::read_to_string(dir.path().join(SCHEMA_FILE)).expect("schema");
        let schema: serde_json::Value = serde_json::from_str(&schema).expect("JSON");
        assert_eq!(schema, crate::scenario_schema());
        // Written again: the schema the user may have edited is kept too.
        std::fs::write(dir.path().join(SCHEMA_FILE), "mine").expect("edit");
        let again = write_corpus(&corpus, dir.path()).expect("writes");
        assert!(again.written.is_empty() && again.kept.len() == 3);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(SCHEMA_FILE)).expect("read"),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.yaml")).expect("read"),
            "mine"
        );
    }
}
