//! [`TargetSources`]: where a run's targets come from, decided in one place. `--target` values
//! and a targets file are parsed before anything starts (so a typo fails fast); with neither,
//! the run uses the embedded mocks. `--target` wins over the file for the APIs it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Targets;
use super::config::{self, Env, TargetEntry};
use crate::source::Diagnostic;

/// The parsed `--target` values and targets file of a run.
#[derive(Debug, Default)]
pub struct TargetSources {
    args: Targets,
    file: Option<(PathBuf, BTreeMap<String, TargetEntry>)>,
}

impl TargetSources {
    /// Parses `--target` values and reads the targets file, if any.
    pub fn parse(args: &[String], file: Option<&Path>) -> Result<Self, Diagnostic> {
        let mut targets = Targets::default();
        for a in args {
            targets.parse_arg(a)?;
        }
        let file = match file {
            Some(path) => Some((path.to_owned(), config::load(path)?)),
            None => None,
        };
        Ok(TargetSources {
            args: targets,
            file,
        })
    }

    /// No target given at all: the run is against the embedded mocks.
    pub fn uses_embedded_mocks(&self) -> bool {
        self.args.is_empty() && self.file.is_none()
    }

    /// The targets: the file's (credentials from `env`, URLs found the vendor's way), then
    /// `--target` over them.
    pub async fn resolve(
        self,
        client: &reqwest::Client,
        env: Env<'_>,
    ) -> Result<Targets, Diagnostic> {
        let mut targets = Targets::default();
        if let Some((path, entries)) = &self.file {
            targets = config::resolve(path, entries, client, env).await?;
        }
        targets.extend(self.args);
        Ok(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_given_means_the_embedded_mocks() {
        let none = TargetSources::parse(&[], None).expect("parses");
        assert!(none.uses_embedded_mocks());
        let one =
            TargetSources::parse(&["fixture=http://127.0.0.1:9".into()], None).expect("parses");
        assert!(!one.uses_embedded_mocks());
    }

    #[test]
    fn a_bad_target_fails_before_anything_starts() {
        let e = TargetSources::parse(&["fixture=ftp://x".into()], None).expect_err("bad scheme");
        assert!(e.message.contains("ftp"), "{e}");
        let e = TargetSources::parse(&[], Some(Path::new("/no/such/targets.yaml")))
            .expect_err("missing file");
        assert!(e.to_string().contains("targets.yaml"), "{e}");
    }

    #[tokio::test]
    async fn target_args_win_over_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("targets.yaml");
        std::fs::write(&file, "fixture:\n  url: http://127.0.0.1:1\n  mock: true\n")
            .expect("write");
        let sources = TargetSources::parse(&["fixture=http://127.0.0.1:2".into()], Some(&file))
            .expect("parses");
        let client = reqwest::Client::new();
        let targets = sources.resolve(&client, &|_| None).await.expect("resolves");
        let t = targets.get("fixture").expect("a fixture target");
        assert_eq!(t.base_url.port(), Some(2));
    }
}
