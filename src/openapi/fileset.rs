//! The files of one spec: [`FileSet`] reads the root document and every file its `$ref`s name
//! by relative path (YAML or JSON, `schemas.yaml#/Todo`, `./paths/todo.yaml`), each file once,
//! and refuses remote references (`http://`, `https://`) without fetching them. A root read
//! from a URL ([`super::fetch`]) is one document: its `$ref`s to other files are refused.
//!
//! Each file keeps its own JSON values and pointers and gets its own URI (`file://` + its
//! canonical path), so the schema registry holds one resource per file and a relative `$ref`
//! inside a schema resolves exactly as it does on disk. Nothing is inlined: every location a
//! finding names stays the file and pointer where the rule is written.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{percent_decode_str, utf8_percent_encode};
use serde_json::Value;

use crate::source::{Diagnostic, Pos};

/// One file of a spec.
#[derive(Debug)]
pub(crate) struct Part {
    /// The path as the user would write it: the root as given, the others joined onto it.
    pub path: PathBuf,
    /// The URI the file has in the schema registry (never fetched).
    pub uri: String,
    pub source: String,
    pub value: Value,
    /// Converted pointers back to the file's own (a Swagger 2.0 root; empty otherwise).
    pub map: super::swagger2::PointerMap,
    /// Read from a URL: `path` is the URL, and its `$ref`s to other files are refused.
    pub fetched: bool,
}

/// The root document (index 0) and every file reachable from it by `$ref`.
#[derive(Debug)]
pub(crate) struct FileSet {
    pub files: Vec<Part>,
    by_canonical: BTreeMap<PathBuf, usize>,
}

/// Keys whose values are data, not OpenAPI structure: a `$ref` inside them is a value.
pub(crate) const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const"];

/// Where a `$ref` leads: the file it names (by index) and the JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Target {
    pub file: usize,
    pub pointer: String,
}

/// Whether a reference names another server rather than a file beside the spec.
pub(crate) fn is_remote(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

/// The help every remote `$ref` refusal carries.
pub(crate) const REMOTE_HELP: &str = "conform does not follow a `$ref` to the network: download the file next to the spec and refer to it by relative path (`./common.yaml#/...`)";

/// The help of a `$ref` to another file in a spec read from a URL.
pub(crate) const FETCHED_HELP: &str = "download the spec and the files it refers to into one folder and name the spec's file, or bundle the spec into one document";

/// Parses a spec file: JSON when it is named `.json` or starts with `{`, YAML otherwise; either
/// way an error names the line and column.
pub(crate) fn parse(path: &Path, source: &str) -> Result<Value, Diagnostic> {
    if looks_like_json(path, source) {
        return serde_json::from_str(source).map_err(|e| {
            let pos = Pos::new(
                u32::try_from(e.line()).unwrap_or(u32::MAX),
                u32::try_from(e.column()).unwrap_or(u32::MAX),
            );
            Diagnostic::new(path, pos, format!("not valid JSON: {e}"))
                .help("fix the JSON syntax at that line and column")
                .with_source(source)
        });
    }
    serde_saphyr::from_str_with_options(source, crate::source::yaml::options())
        .map_err(|e| crate::source::yaml::diagnostic(path, source, &e))
}

pub(crate) fn looks_like_json(path: &Path, source: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || source.trim_start().starts_with('{')
}

/// Whether a referenced file is one conform reads as part of the contract (YAML or JSON); a
/// `$ref` to Markdown or code samples is documentation and left alone.
pub(crate) fn is_document(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Every `$ref` string of a value outside data keys: (pointer of the object holding it, ref).
pub(crate) fn refs_of(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push((at.clone(), r.clone()));
                }
                for (k, child) in map {
                    if k == "examples"
                        && let Value::Object(named) = child
                    {
                        // Example objects: a `$ref` each, or a `value` that is data.
                        for (name, ex) in named {
                            if let Some(Value::String(r)) = ex.get("$ref") {
                                let ptr = format!("{at}/examples/{}", super::lint::token(name));
                                out.push((ptr, r.clone()));
                            }
                        }
                        continue;
                    }
                    if DATA_KEYS.contains(&k.as_str())
                        || (k.starts_with("x-") && !k.starts_with("x-conform-"))
                    {
                        continue;
                    }
                    walk(child, format!("{at}/{}", super::lint::token(k)), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn uri_of(canonical: &Path) -> String {
    let path = canonical.to_string_lossy();
    format!(
        "file://{}",
        utf8_percent_encode(&path, super::load::FRAGMENT)
    )
}

/// `a/b/../c` -> `a/c`, without touching the file system (for the displayed path).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl FileSet {
    /// The root document alone: its text is `fetched` when it holds it (a spec named by URL,
    /// `root` being the URL), else read from the file.
    pub(crate) fn root_of(root: &Path, fetched: Option<&str>) -> Result<Self, Diagnostic> {
        let mut files = FileSet {
            files: Vec::new(),
            by_canonical: BTreeMap::new(),
        };
        match fetched {
            None => {
                files.read(root)?;
            }
            Some(source) => {
                let value = parse(root, source)?;
                files.files.push(Part {
                    path: root.to_owned(),
                    // Its own name in the schema registry, which never fetches it.
                    uri: root.to_string_lossy().into_owned(),
                    source: source.to_owned(),
                    value,
                    map: super::swagger2::PointerMap::default(),
                    fetched: true,
                });
                files.by_canonical.insert(root.to_owned(), 0);
            }
        }
        Ok(files)
    }

    /// Reads every YAML or JSON file the `$ref`s name, transitively, each once; a remote
    /// reference or a missing file is an error at the `$ref` that names it.
    pub(crate) fn follow_refs(&mut self) -> Result<(), Diagnostic> {
        match self.follow_all().into_iter().next() {
            Some((file, ptr, message, help)) => Err(self.error(file, &ptr, message).help(help)),
            None => Ok(()),
        }
    }

    /// Like [`Self::follow_refs`], but reads on past a bad reference and returns them all:
    /// (file, pointer of the `$ref`, what is wrong, the fix).
    pub(crate) fn follow_all(&mut self) -> Vec<(usize, String, String, String)> {
        let mut bad = Vec::new();
        let mut next = 0;
        while next < self.files.len() {
            for (at, reference) in refs_of(&self.files[next].value) {
                let ptr = format!("{at}/$ref");
                if is_remote(&reference) {
                    let m =
                        format!("`$ref: {reference}` is a remote reference; conform refuses it");
                    bad.push((next, ptr, m, REMOTE_HELP.to_owned()));
                    continue;
                }
                let file_part = reference.split('#').next().unwrap_or("");
                if file_part.is_empty() || !is_document(file_part) {
                    continue;
                }
                if self.files[next].fetched {
                    let m = format!(
                        "`$ref: {reference}` names another file, and the spec was read from a \
                         URL: conform reads a spec named by URL as one document"
                    );
                    bad.push((next, ptr, m, FETCHED_HELP.to_owned()));
                    continue;
                }
                let path = self.joined(next, file_part);
                if !path.is_file() {
                    let m = format!(
                        "`$ref: {reference}` names {}, which does not exist",
                        path.display()
                    );
                    let help = "correct the relative path: it is taken from the folder of the file that holds the `$ref`";
                    bad.push((next, ptr, m, help.to_owned()));
                    continue;
                }
                if let Err(d) = self.read(&path) {
                    bad.push((next, ptr, d.to_string(), "fix that file".to_owned()));
                }
            }
            next += 1;
        }
        bad
    }

    fn read(&mut self, path: &Path) -> Result<usize, Diagnostic> {
        let canonical = path.canonicalize().map_err(|e| {
            Diagnostic::new(path, Pos::UNKNOWN, format!("cannot read the spec: {e}"))
        })?;
        if let Some(i) = self.by_canonical.get(&canonical) {
            return Ok(*i);
        }
        let source = crate::source::read_text(path, super::SPEC_LIMIT)?;
        let value = parse(path, &source)?;
        let i = self.files.len();
        self.files.push(Part {
            path: path.to_owned(),
            uri: uri_of(&canonical),
            source,
            value,
            map: super::swagger2::PointerMap::default(),
            fetched: false,
        });
        self.by_canonical.insert(canonical, i);
        Ok(i)
    }

    /// `relative` taken from the folder of file `from`.
    pub(crate) fn joined(&self, from: usize, relative: &str) -> PathBuf {
        let decoded = percent_decode_str(relative).decode_utf8_lossy();
        let dir = self.files[from].path.parent().unwrap_or(Path::new(""));
        normalize(&dir.join(decoded.as_ref()))
    }

    /// Where `reference`, written in file `from`, leads; `None` for a remote or unread file.
    pub(crate) fn target(&self, from: usize, reference: &str) -> Option<Target> {
        if is_remote(reference) {
            return None;
        }
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            from
        } else {
            let canonical = self.joined(from, file_part).canonicalize().ok()?;
            *self.by_canonical.get(&canonical)?
        };
        let pointer = percent_decode_str(fragment)
            .decode_utf8()
            .ok()?
            .into_owned();
        Some(Target { file, pointer })
    }

    /// The value a target names.
    pub(crate) fn get(&self, t: &Target) -> Option<&Value> {
        self.files.get(t.file)?.value.pointer(&t.pointer)
    }

    /// A diagnostic at `pointer` of file `file`, placed on its line.
    pub(crate) fn error(
        &self,
        file: usize,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let f = &self.files[file];
        let pos = self.position(file, pointer);
        let shown = f.map.original(pointer);
        Diagnostic::new(&f.path, pos, format!("at #{shown}: {}", message.into()))
    }

    /// The line and column of `pointer` in file `file`. The positioned tree is parsed only
    /// here, on the way to an error: a clean spec pays nothing for it.
    pub(crate) fn position(&self, file: usize, pointer: &str) -> Pos {
        let f = &self.files[file];
        let pointer = f.map.original(pointer);
        super::positions::tree(&f.path, &f.source)
            .map_or(Pos::UNKNOWN, |n| super::lint::position(&n, &pointer))
    }

    /// The first chain of `$ref`-only objects that loops, across files: (file and pointer of
    /// the first `$ref`, the reference, the chain as written). A cyclic reference never
    /// reaches an object.
    pub(crate) fn first_cycle(&self) -> Option<(usize, String, String, Vec<String>)> {
        for (i, f) in self.files.iter().enumerate() {
            for (at, reference) in refs_of(&f.value) {
                if let Some(chain) = self.cycle_from(i, &reference) {
                    return Some((i, format!("{at}/$ref"), reference, chain));
                }
            }
        }
        None
    }

    /// The chain of `$ref`-only objects `reference` (written in file `from`) starts, if it
    /// loops back on itself.
    pub(crate) fn cycle_from(&self, from: usize, reference: &str) -> Option<Vec<String>> {
        let mut t = self.target(from, reference)?;
        let mut seen = vec![(t.clone(), self.name(&t))];
        while let Some(next) = self
            .get(&t)
            .and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
        {
            let n = self.target(t.file, next)?;
            let name = self.name(&n);
            let looped = seen.iter().any(|(s, _)| *s == n);
            seen.push((n.clone(), name));
            if looped {
                return Some(seen.into_iter().map(|(_, n)| n).collect());
            }
            t = n;
        }
        None
    }

    /// `#/components/schemas/A` in the same file as `from`, `b.yaml#/A` in another.
    fn name(&self, t: &Target) -> String {
        if t.file == 0 {
            return format!("#{}", t.pointer);
        }
        let root_dir = self.files[0].path.parent().unwrap_or(Path::new(""));
        let path = &self.files[t.file].path;
        let shown = path.strip_prefix(root_dir).unwrap_or(path);
        format!("{}#{}", shown.display(), t.pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_references_are_told_from_files() {
        assert!(is_remote("https://example.com/a.yaml#/A"));
        assert!(is_remote("HTTP://example.com/a.yaml"));
        assert!(is_remote("//example.com/a.yaml"));
        assert!(!is_remote("./schemas.yaml#/Todo"));
        assert!(!is_remote("#/components/schemas/Todo"));
    }

    #[test]
    fn shown_paths_are_joined_without_the_file_system() {
        let p = normalize(Path::new("specs/api/paths/../schemas/./todo.yaml"));
        assert_eq!(p, Path::new("specs/api/schemas/todo.yaml"));
    }

    #[test]
    fn json_errors_have_a_line_and_column() {
        let err = parse(Path::new("openapi.json"), "{\n  \"a\": 1,,\n}").expect_err("bad JSON");
        assert_eq!((err.pos.line, err.pos.col), (2, 10), "{err}");
        let ok = parse(Path::new("openapi.json"), "{\"openapi\": \"3.1.0\"}").expect("JSON");
        assert_eq!(ok["openapi"], "3.1.0");
    }

    #[test]
    fn refs_in_data_are_values_not_references() {
        let doc = serde_json::json!({
            "a": {"$ref": "x.yaml"},
            "example": {"$ref": "not-a-ref.yaml"},
            "examples": {"one": {"$ref": "ex.yaml"}, "two": {"value": {"$ref": "data"}}},
        });
        let refs: Vec<String> = refs_of(&doc).into_iter().map(|(_, r)| r).collect();
        assert_eq!(refs, ["x.yaml", "ex.yaml"]);
    }
}
