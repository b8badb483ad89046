//! [`SpecFiles`]: the specs named outside the `specs/<api>/openapi.yaml` convention, as
//! `API=FILE` or `API=URL` values given to the library (the CLI: `--spec`) or `spec:` in a
//! targets file, in that precedence. Every command that reads specs parses its values here and
//! hands the result to [`super::Registry::with_files`], so the rules (what a value looks like,
//! which source wins, what is an error) are the same everywhere. A URL is fetched here, once
//! ([`super::fetch`]), before anything runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::remedy::{OwnTerms, Remedies, Setting};
use crate::source::{Diagnostic, Pos};

/// Where a spec file was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An `API=FILE` value (the CLI: `--spec`).
    Flag,
    /// `spec:` of the API's entry in a targets file, at `pos`.
    TargetsFile {
        /// The targets file that names the spec.
        file: PathBuf,
        /// Where in that file the `spec:` key is.
        pos: Pos,
    },
}

/// One API's spec file and where it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFile {
    /// The spec file, as named (relative paths resolved against the naming file's directory
    /// or the cwd); for a spec named by URL, the URL.
    pub path: PathBuf,
    /// Where it was named, for error messages.
    pub origin: Origin,
    /// The text of a spec named by URL, fetched once; `None` for a file, read when loaded.
    pub fetched: Option<Arc<str>>,
}

/// API name -> spec file, for the APIs whose spec is not (or not only) under `specs/<api>/`.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    by_api: BTreeMap<String, SpecFile>,
    /// What the caller calls the setting that names a spec (the CLI: `--spec`), for messages.
    given: String,
}

impl Default for SpecFiles {
    fn default() -> Self {
        SpecFiles {
            by_api: BTreeMap::new(),
            given: OwnTerms.name(Setting::Spec),
        }
    }
}

impl SpecFiles {
    /// Parses `API=FILE` and `API=URL` values, messages in the library's own words.
    pub fn parse(args: &[String]) -> Result<Self, Diagnostic> {
        Self::parse_named(args, &OwnTerms)
    }

    /// Parses `API=FILE` and `API=URL` values: each names an existing file or a URL that
    /// answers with a spec (fetched now), and no API twice (two specs for one API would leave
    /// the choice to the order of the values). Messages name the setting as `remedies` does.
    pub fn parse_named(args: &[String], remedies: &dyn Remedies) -> Result<Self, Diagnostic> {
        let mut files = SpecFiles {
            by_api: BTreeMap::new(),
            given: remedies.name(Setting::Spec),
        };
        for arg in args {
            let (api, value) = files.parse_arg(arg)?;
            let error = |m: String| Diagnostic::new(Path::new(&files.given), Pos::UNKNOWN, m);
            if let Some(earlier) = files.by_api.get(&api) {
                return Err(error(format!(
                    "`{} {arg}`: API `{api}` already has a spec ({})",
                    files.given,
                    earlier.path.display()
                ))
                .help("give each API one spec"));
            }
            let (path, fetched) = if super::fetch::is_url(&value) {
                let text = super::fetch::fetch(&value)?;
                (PathBuf::from(&value), Some(Arc::from(text)))
            } else {
                let path = PathBuf::from(&value);
                if !path.is_file() {
                    return Err(error(format!(
                        "`{} {arg}`: {} is not a file",
                        files.given,
                        path.display()
                    ))
                    .help("check the path; a relative path is read from the current folder"));
                }
                (path, None)
            };
            files.by_api.insert(
                api,
                SpecFile {
                    path,
                    origin: Origin::Flag,
                    fetched,
                },
            );
        }
        Ok(files)
    }

    /// Adds the `spec:` of a targets file's entry (`value` as written: a path relative to
    /// the targets file's folder, or a URL, fetched now), unless the API's spec is already
    /// named: the command line wins. A file that does not exist, or a URL that does not
    /// answer with a spec, is an error at `pos`, only when it is the one used.
    pub fn add_from_targets_file(
        &mut self,
        api: &str,
        value: &str,
        targets_file: &Path,
        pos: Pos,
    ) -> Result<(), Diagnostic> {
        if self.by_api.contains_key(api) {
            return Ok(());
        }
        let (path, fetched) = if super::fetch::is_url(value) {
            let text = super::fetch::fetch(value).map_err(|d| {
                let help = d.help.clone().unwrap_or_default();
                Diagnostic::new(
                    targets_file,
                    pos,
                    format!("{api}: `spec: {value}`: {}", d.message),
                )
                .help(help)
            })?;
            (PathBuf::from(value), Some(Arc::from(text)))
        } else {
            let dir = targets_file.parent().unwrap_or(Path::new(""));
            let path = dir.join(value);
            if !path.is_file() {
                return Err(Diagnostic::new(
                    targets_file,
                    pos,
                    format!("{api}: `spec: {value}`: {} is not a file", path.display()),
                )
                .help("write the spec's path relative to the targets file's folder, or its URL"));
            }
            (path, None)
        };
        self.by_api.insert(
            api.to_owned(),
            SpecFile {
                path,
                origin: Origin::TargetsFile {
                    file: targets_file.to_owned(),
                    pos,
                },
                fetched,
            },
        );
        Ok(())
    }

    /// The spec file named for `api`; None when none was named (then `specs/<api>/` applies).
    pub fn get(&self, api: &str) -> Option<&SpecFile> {
        self.by_api.get(api)
    }

    /// The APIs named, in name order.
    pub fn apis(&self) -> impl Iterator<Item = &str> {
        self.by_api.keys().map(String::as_str)
    }

    /// True when no API's spec file was named.
    pub fn is_empty(&self) -> bool {
        self.by_api.is_empty()
    }

    /// What the caller calls the setting that names a spec (the CLI: `--spec`).
    pub fn given(&self) -> &str {
        &self.given
    }

    /// `API=FILE` or `API=URL`, with an API name that could be a scenario's `api:`.
    fn parse_arg(&self, arg: &str) -> Result<(String, String), Diagnostic> {
        let given = &self.given;
        let error = |m: String| {
            Diagnostic::new(
                Path::new(given),
                Pos::UNKNOWN,
                format!("`{given} {arg}`: {m}"),
            )
            .help("write `API=FILE` or `API=URL`, such as `widgets=api/openapi.yaml`")
        };
        let Some((api, file)) = arg.split_once('=') else {
            return Err(error("no `=` between the API and the file".into()));
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if api.is_empty() || !api.chars().all(valid) {
            return Err(error(format!(
                "`{api}` is not an API name (letters, digits, `-`, `_`, `.`)"
            )));
        }
        if file.is_empty() {
            return Err(error("no file after `=`".into()));
        }
        Ok((api.to_owned(), file.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    /// A temp folder with an empty `a.yaml` and `b.yaml`.
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["a.yaml", "b.yaml"] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        dir
    }

    #[test]
    fn a_flag_names_the_file_of_its_api() {
        let dir = folder();
        let a = dir.path().join("a.yaml");
        let files = SpecFiles::parse(&args(&[&format!("widgets={}", a.display())])).expect("ok");
        assert_eq!(files.get("widgets").map(|f| &f.path), Some(&a));
        assert_eq!(files.apis().collect::<Vec<_>>(), ["widgets"]);
        assert!(files.get("other").is_none());
    }

    #[test]
    fn bad_values_are_errors_that_say_how_to_write_them() {
        let dir = folder();
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        for (value, says) in [
            ("widgets".to_owned(), "no `=`"),
            (format!("={}", a.display()), "not an API name"),
            (format!("wid gets={}", a.display()), "not an API name"),
            ("widgets=".to_owned(), "no file"),
            ("widgets=/no/such/spec.yaml".to_owned(), "is not a file"),
        ] {
            let e = SpecFiles::parse(&args(&[&value])).expect_err(&value);
            assert!(e.message.contains(says), "{value}: {e}");
            assert!(e.help.is_some(), "{value}: {e}");
        }
        let twice = [
            format!("widgets={}", a.display()),
            format!("widgets={}", b.display()),
        ];
        let e = SpecFiles::parse(&twice).expect_err("twice");
        assert!(e.message.contains("already has a spec"), "{e}");
    }

    #[test]
    fn the_flag_wins_over_the_targets_file() {
        let dir = folder();
        let a = dir.path().join("a.yaml");
        let targets = dir.path().join("targets.yaml");
        let mut files =
            SpecFiles::parse(&args(&[&format!("widgets={}", a.display())])).expect("ok");
        // Not even checked: the file's value is not the one used.
        files
            .add_from_targets_file("widgets", "missing.yaml", &targets, Pos::new(2, 9))
            .expect("ignored");
        assert_eq!(files.get("widgets").map(|f| &f.path), Some(&a));
        files
            .add_from_targets_file("gadgets", "b.yaml", &targets, Pos::new(4, 9))
            .expect("relative to the targets file");
        let b = files.get("gadgets").expect("added");
        assert_eq!(b.path, dir.path().join("b.yaml"));
        assert!(matches!(b.origin, Origin::TargetsFile { .. }));
    }

    #[test]
    fn a_missing_targets_file_spec_is_placed_at_its_value() {
        let dir = folder();
        let targets = dir.path().join("targets.yaml");
        let mut files = SpecFiles::default();
        let e = files
            .add_from_targets_file("widgets", "nope.yaml", &targets, Pos::new(3, 9))
            .expect_err("missing");
        assert_eq!(e.path, targets);
        assert_eq!(e.pos, Pos::new(3, 9));
        assert!(e.message.contains("nope.yaml"), "{e}");
    }

    #[test]
    fn a_targets_files_spec_url_that_gives_nothing_is_placed_at_its_value() {
        let targets = Path::new("t/targets.yaml");
        let mut files = SpecFiles::default();
        let url = "http://127.0.0.1:1/spec.yaml";
        let e = files
            .add_from_targets_file("widgets", url, targets, Pos::new(3, 9))
            .expect_err("nothing listens on port 1");
        assert_eq!((e.path.as_path(), e.pos), (targets, Pos::new(3, 9)), "{e}");
        assert!(
            e.message.contains(url) && e.message.contains("cannot fetch the spec"),
            "{e}"
        );
        assert!(files.get("widgets").is_none());
    }

    #[test]
    fn the_registry_takes_a_named_file_over_its_folder() {
        let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs");
        let fixture = specs.join("fixture/openapi.yaml");
        let dir = folder();
        let other = dir.path().join("a.yaml");
        let files = SpecFiles::parse(&args(&[
            &format!("widgets={}", fixture.display()),
            &format!("fixture={}", other.display()),
        ]))
        .expect("ok");
        let registry = crate::openapi::Registry::with_files(&specs, files);
        assert!(registry.api_names().iter().any(|n| n == "widgets"));
        assert_eq!(registry.spec_path("fixture"), other, "the file wins");
        let widgets = registry
            .api("widgets")
            .expect("loads from outside the folder");
        assert_eq!(widgets.name, "widgets");
        assert!(widgets.operation("createWidget").is_some());
        let plain = crate::openapi::Registry::new(&specs);
        assert_eq!(plain.spec_path("fixture"), fixture);
        assert!(!plain.has_spec("widgets"));
    }
}
