//! `conform export`: conform scenarios written in other formats. [`arazzo`] writes each
//! scenario file as one Arazzo 1.0.1 document ([`Document`]) with one workflow, its source
//! description the API's spec by a path relative to the document. What conform checks and
//! Arazzo cannot say is never dropped: each such thing is an [`Unsaid`] (listed in the
//! document's `x-conform-unsaid`, and returned for the caller to print).
//! Nothing is overwritten: [`Document::write_new`] refuses an existing file.

mod criteria;
mod values;
mod workflow;

use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::openapi::Registry;
use crate::scenario::{Found, Pos};
use crate::source::Diagnostic;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A scenario cannot be read or names what its spec does not have.
    #[error("{0}")]
    Scenario(Box<Diagnostic>),
    /// The output file is there already.
    #[error("{} exists already: an export never overwrites a file; remove it, or write the export to another folder", .0.display())]
    Exists(PathBuf),
    /// The output cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl From<Diagnostic> for ExportError {
    fn from(d: Diagnostic) -> Self {
        ExportError::Scenario(Box::new(d))
    }
}

/// Something a scenario says that its Arazzo workflow cannot, at its place in the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsaid {
    /// Where the scenario says it.
    pub pos: Pos,
    /// What it is, and what the export did with it.
    pub what: String,
}

/// One written (or to be written) Arazzo document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it goes.
    pub path: PathBuf,
    /// The scenario file it was made from.
    pub scenario: PathBuf,
    /// Its YAML text.
    pub text: String,
    /// What the scenario says that the document cannot, in scenario order.
    pub unsaid: Vec<Unsaid>,
}

impl Document {
    /// Each unsaid thing as `scenario:line:col: what`, the form of the document's list.
    pub fn unsaid_lines(&self) -> Vec<String> {
        unsaid_lines(&self.scenario, &self.unsaid)
    }

    /// Writes the document, creating its folder; an existing file is an error, never replaced.
    pub fn write_new(&self) -> Result<(), ExportError> {
        use std::io::Write;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ExportError::Io { path, source }
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut file = match std::fs::File::create_new(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(ExportError::Exists(self.path.clone()));
            }
            Err(e) => return Err(io(&self.path)(e)),
        };
        file.write_all(self.text.as_bytes()).map_err(io(&self.path))
    }
}

fn unsaid_lines(scenario: &Path, unsaid: &[Unsaid]) -> Vec<String> {
    let file = scenario.display().to_string();
    unsaid
        .iter()
        .map(|u| format!("{}: {}", u.pos.after(&file), u.what))
        .collect()
}

/// The Arazzo documents of the scenario files `found`, to be written under `out` (each at its
/// path relative to the folder it was found in, `.yaml` becoming `.arazzo.yaml`); the specs
/// come from `registry`. Arazzo documents among `found` are left out. Nothing is written: see [`Document::write_new`].
pub fn arazzo(
    found: &[Found],
    registry: &Registry,
    out: &Path,
) -> Result<Vec<Document>, ExportError> {
    found
        .iter()
        // Arazzo documents found beside the scenarios are Arazzo already.
        .filter(|f| !crate::scenario::is_arazzo(&f.path))
        .map(|f| arazzo_one(f, registry, out))
        .collect()
}

/// The Arazzo document of one scenario file.
pub fn arazzo_one(found: &Found, registry: &Registry, out: &Path) -> Result<Document, ExportError> {
    let (scenario, _) = crate::scenario::load(&found.path)?;
    let api = &scenario.api.value;
    let spec = registry.api(api).map_err(|mut d| {
        if !d.pos.is_known() {
            d.message = format!("{}: api `{api}`: {}", found.path.display(), d.message);
        }
        d
    })?;
    let stem = found
        .id
        .strip_suffix(".yaml")
        .or_else(|| found.id.strip_suffix(".yml"))
        .unwrap_or(&found.id);
    let path = out.join(format!("{stem}.arazzo.yaml"));
    let source = values::input_name(api);
    let workflow_id = values::input_name(stem.rsplit('/').next().unwrap_or(stem));
    let mut names = values::Names::default();
    let mut flow = workflow::workflow(
        &scenario,
        &workflow_id,
        &source,
        &spec,
        &found.path,
        &mut names,
    )?;
    let lines = unsaid_lines(&found.path, &names.unsaid);
    if let Value::Object(w) = &mut flow
        && !lines.is_empty()
    {
        w.insert(
            "x-conform-unsaid".into(),
            lines.iter().map(|l| Value::String(l.clone())).collect(),
        );
    }
    let spec_url = relative(path.parent().unwrap_or(out), &registry.spec_path(api));
    let mut info = Map::new();
    info.insert("title".into(), scenario.name.value.clone().into());
    info.insert("version".into(), "1.0.0".into());
    let said = match lines.len() {
        0 => "everything it checks is said here".to_owned(),
        n => format!(
            "{n} thing(s) it checks that Arazzo cannot say are listed in the workflow's x-conform-unsaid"
        ),
    };
    info.insert(
        "description".into(),
        format!("Exported by conform from {}; {said}.", found.id).into(),
    );
    let doc = json!({
        "arazzo": "1.0.1",
        "info": info,
        "sourceDescriptions": [{"name": source, "url": spec_url, "type": "openapi"}],
        "workflows": [flow],
    });
    let text = serde_saphyr::to_string(&doc).map_err(|e| {
        Diagnostic::new(
            &found.path,
            Pos::UNKNOWN,
            format!("cannot write the Arazzo document as YAML: {e}"),
        )
    })?;
    Ok(Document {
        path,
        scenario: found.path.clone(),
        text,
        unsaid: names.unsaid,
    })
}

/// `to` as a path relative to the folder `from` (both made absolute first), `/`-separated as
/// Arazzo URLs are.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let norm = |p: PathBuf| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (norm(abs(from)), norm(abs(to)));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    parts.join("/")
}
