//! The spec registry: [`Registry`] loads each API's spec (a file or URL named by [`SpecFiles`],
//! else `specs/<api>/openapi.yaml` or `openapi.json`; OpenAPI 3.2, 3.1, 3.0 or Swagger 2.0, in one file or split
//! across several), resolves `$ref`s, gives every parameter, request body and (operation,
//! status, media type) a JSON Schema 2020-12 validator (compiled on first use, once per
//! schema), and looks operations up by `operationId`.
//!
//! Two conform extensions are understood (see `specs/README.md`):
//! - `x-conform-variants` on an operation: several operations that share a method and path and
//!   differ by body (a server's actions, all POSTed to one `/action`), each with its own operationId and responses;
//! - `x-conform-strict` beside a media type's `schema`: the vendor's table read literally, where
//!   the examples disagree with it; a miss is a warning, or a violation under `--strict`.

pub mod fetch;
mod files;
mod fileset;
pub mod lint;
mod load;
mod methods;
mod model;
mod oas30;
mod positions;
mod swagger2;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use files::{Origin, SpecFile, SpecFiles};
pub use load::{load_api, load_spec};
pub use methods::is_safe;

/// The largest spec file read (each file of a spec split by `$ref`s): the largest public specs
/// are a few MiB of YAML; the whole file is parsed in memory, so it is bounded.
pub const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// [`MAX_SPEC_BYTES`] with its message, for every reader of a spec file.
pub const SPEC_LIMIT: crate::source::SizeLimit = crate::source::SizeLimit {
    bytes: MAX_SPEC_BYTES,
    what: "a spec file",
    fix: "split the spec into files joined by `$ref`s (each file has this limit)",
};
pub use model::{
    ApiSpec, HeaderSpec, Location, Media, Operation, Param, ParamIn, Produces, RequestBody,
    Response, Schema, SchemaError, Skipped, essence, is_json as model_is_json, media_covers,
};

use crate::source::Diagnostic;
use crate::source::Pos;

/// All API specs under one folder, and those named elsewhere, loaded on first use and then
/// shared.
#[derive(Debug)]
pub struct Registry {
    root: PathBuf,
    /// Specs named by file or URL, or by a targets file: they win over `root`.
    files: SpecFiles,
    loaded: Mutex<BTreeMap<String, Arc<ApiSpec>>>,
}

impl Registry {
    /// A registry over `root` (normally `specs/`): each sub-folder with an `openapi.yaml` is an API.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_files(root, SpecFiles::default())
    }

    /// A registry over `root` where each API of `files` has that file as its spec instead,
    /// whatever folder it is in (and an API with no folder under `root` can be one of them).
    pub fn with_files(root: impl Into<PathBuf>, files: SpecFiles) -> Self {
        Registry {
            root: root.into(),
            files,
            loaded: Mutex::new(BTreeMap::new()),
        }
    }

    /// The folder whose sub-folders are the APIs (normally `specs/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The names of the APIs that have a spec: those named by file, and the folders of the root.
    pub fn api_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| spec_file(&e.path()).is_some())
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        names.extend(self.files.apis().map(str::to_owned));
        names.sort();
        names.dedup();
        names
    }

    /// The file that is (or would be) `api`'s spec: the one named for it (a URL as its path),
    /// else its folder's.
    pub fn spec_path(&self, api: &str) -> PathBuf {
        match self.files.get(api) {
            Some(f) => f.path.clone(),
            None => {
                let dir = self.root.join(api);
                spec_file(&dir).unwrap_or_else(|| dir.join("openapi.yaml"))
            }
        }
    }

    /// The text of `api`'s spec when it was named by URL (fetched once); `None` for a file.
    pub fn spec_text(&self, api: &str) -> Option<Arc<str>> {
        self.files.get(api).and_then(|f| f.fetched.clone())
    }

    /// Whether `api` has a spec: a file, or a URL's text (which may still fail to load).
    pub fn has_spec(&self, api: &str) -> bool {
        self.spec_text(api).is_some() || self.spec_path(api).is_file()
    }

    /// The spec of `api`, loaded and compiled on first use.
    pub fn api(&self, api: &str) -> Result<Arc<ApiSpec>, Diagnostic> {
        if let Some(spec) = self.lock().get(api) {
            return Ok(spec.clone());
        }
        let path = self.spec_path(api);
        if !self.has_spec(api) {
            let names = self.api_names();
            let help = match crate::source::did_you_mean(api, names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => format!(
                    "no API has a spec under {}; name a file elsewhere with `{} {api}=FILE`",
                    self.root.display(),
                    self.files.given()
                ),
                None => format!("the APIs with a spec are: {}", names.join(", ")),
            };
            return Err(
                Diagnostic::new(&path, Pos::UNKNOWN, format!("no spec for API `{api}`")).help(help),
            );
        }
        // Compiling happens outside the lock: two scenarios of different APIs load in parallel,
        // and a rare double load of the same API is harmless.
        let spec = Arc::new(load_spec(api, &path, self.spec_text(api).as_deref())?);
        Ok(self.lock().entry(api.to_owned()).or_insert(spec).clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<ApiSpec>>> {
        // A panic while holding the lock cannot leave the map half-written (insert is atomic).
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The spec file of one API folder: `openapi.yaml`, `openapi.yml` or `openapi.json`.
fn spec_file(dir: &Path) -> Option<PathBuf> {
    ["openapi.yaml", "openapi.yml", "openapi.json"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}
