//! [`TargetSources`]: where a run's targets come from, decided in one place. `--target` values
//! and a targets file are parsed before anything starts (so a typo fails fast); with neither,
//! the run uses the embedded mocks.
//!
//! `--target` gives a URL and nothing else: the API's credentials, account, region and `mock:`
//! come from the targets file when it has an entry for the API, else from the API's own
//! convention (see [`config::convention`]) when the environment holds its variables. With a URL
//! given no other host is asked for one (no region endpoint, catalog or domain lookup).
//!
//! An API with no vendor convention (and an entry without `auth:`) gets the credentials its
//! spec declares ([`super::declared`]) when its `CONFORM_<API>_*` variables are set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reqwest::Url;

use super::config::{self, AuthKind, Env, TargetEntry};
use super::declared::{self, Named, Vars};
use super::{Target, Targets, parse_target_arg};
use crate::source::{Diagnostic, Pos, Spanned};
use crate::spec::Registry;

/// The parsed `--target` values and targets file of a run.
#[derive(Debug, Default)]
pub struct TargetSources {
    /// `--target API=URL`.
    urls: BTreeMap<String, Url>,
    /// `--target URL`: every API.
    fallback: Option<Url>,
    file: Option<(PathBuf, BTreeMap<String, TargetEntry>)>,
}

impl TargetSources {
    /// Parses `--target` values and reads the targets file, if any.
    pub fn parse(args: &[String], file: Option<&Path>) -> Result<Self, Diagnostic> {
        let mut sources = TargetSources::default();
        for a in args {
            match parse_target_arg(a)? {
                (Some(api), url) => {
                    sources.urls.insert(api, url);
                }
                (None, url) => sources.fallback = Some(url),
            }
        }
        if let Some(path) = file {
            sources.file = Some((path.to_owned(), config::load(path)?));
        }
        Ok(sources)
    }

    /// No target given at all: the run is against the embedded mocks.
    pub fn uses_embedded_mocks(&self) -> bool {
        self.urls.is_empty() && self.fallback.is_none() && self.file.is_none()
    }

    /// The targets: each API named by the file or by `--target`, with its credentials; then,
    /// for `--target URL`, every API that has a convention whose variables are set, and the
    /// URL alone for any other API (with the credentials its spec in `specs` declares, when
    /// its variables are set).
    pub async fn resolve(
        self,
        client: &reqwest::Client,
        specs: &Registry,
        env: Env<'_>,
    ) -> Result<Targets, Diagnostic> {
        let empty = BTreeMap::new();
        let (path, entries) = match &self.file {
            Some((path, entries)) => (path.as_path(), entries),
            None => (Path::new("--target"), &empty),
        };
        // For `--target URL`, the APIs with a spec: one may have declared credentials set.
        let with_specs = match self.fallback {
            Some(_) => specs.api_names(),
            None => Vec::new(),
        };
        let mut apis: BTreeSet<&str> = entries.keys().map(String::as_str).collect();
        apis.extend(self.urls.keys().map(String::as_str));
        if self.fallback.is_some() {
            apis.extend(
                [
                    "alibaba-elasticsearch",
                    "openstack-compute",
                    "liveperson-deletion",
                ]
                .into_iter()
                .filter(|api| {
                    config::convention(api).is_some_and(|k| config::has_credentials(k, env))
                }),
            );
            apis.extend(with_specs.iter().map(String::as_str).filter(|api| {
                config::convention(api).is_none() && Vars::new(api, &Named::default()).any_set(env)
            }));
        }
        let mut targets = Targets::default();
        for api in apis {
            let url = self.urls.get(api).or(self.fallback.as_ref());
            let target = match (entries.get(api), url) {
                (Some(entry), url) => {
                    config::resolve_entry(path, api, entry, url, client, specs, env).await?
                }
                (None, Some(url)) => by_convention(api, url, client, specs, env).await?,
                // Every API in the set has an entry or a URL.
                (None, None) => continue,
            };
            targets.insert(api, target);
        }
        if let Some(url) = self.fallback {
            targets.set_fallback(Target::new(url));
        }
        Ok(targets)
    }
}

/// A `--target API=URL` with no entry in a targets file: the API's own convention when the
/// environment holds its variables; with no convention, what its spec declares; else the URL
/// alone.
async fn by_convention(
    api: &str,
    url: &Url,
    client: &reqwest::Client,
    specs: &Registry,
    env: Env<'_>,
) -> Result<Target, Diagnostic> {
    let at = Path::new("--target");
    match config::convention(api) {
        Some(kind) if kind != AuthKind::None && config::has_credentials(kind, env) => {
            let entry = TargetEntry {
                auth: Some(Spanned::new(kind, Pos::UNKNOWN)),
                ..TargetEntry::default()
            };
            config::resolve_entry(at, api, &entry, Some(url), client, specs, env).await
        }
        Some(_) => Ok(Target::new(url.clone())),
        None => declared::entry::target(
            (at, Pos::UNKNOWN),
            api,
            &Named::default(),
            url.clone(),
            false,
            specs,
            env,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    async fn resolve(
        args: &[&str],
        file: Option<&str>,
        env: &'static [(&'static str, &'static str)],
    ) -> Result<Targets, Diagnostic> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("targets.yaml");
        if let Some(text) = file {
            std::fs::write(&path, text).expect("write");
        }
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let sources = TargetSources::parse(&args, file.map(|_| path.as_path()))?;
        let client = reqwest::Client::new();
        let env = env_of(env);
        let specs = Registry::new(dir.path().join("specs"));
        sources.resolve(&client, &specs, &env).await
    }

    fn auth_of(targets: &Targets, api: &str) -> Option<String> {
        let t = targets.get(api).expect("a target");
        t.auth.as_ref().map(|a| a.describe())
    }

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
    async fn a_target_arg_replaces_the_url_and_keeps_the_rest_of_the_entry() {
        let file = "liveperson-deletion:\n  auth: bearer\n  account: \"123\"\n  mock: true\n";
        let env = &[("LP_BEARER_TOKEN", "t0ken")];
        // With `account:` and no URL the file alone would look the domain up on the public
        // discovery host; the URL given here means no lookup happens (the test has no network).
        let targets = resolve(&["liveperson-deletion=http://127.0.0.1:2"], Some(file), env)
            .await
            .expect("resolves without a lookup");
        let t = targets.get("liveperson-deletion").expect("a target");
        assert_eq!(t.base_url.port(), Some(2));
        assert!(t.is_mock, "`mock: true` is kept");
        assert_eq!(
            auth_of(&targets, "liveperson-deletion").as_deref(),
            Some("Authorization: Bearer token")
        );
    }

    #[tokio::test]
    async fn without_a_file_the_apis_convention_gives_the_credentials() {
        let env = &[
            ("LP_BEARER_TOKEN", "t0ken"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cret"),
        ];
        let targets = resolve(
            &[
                "liveperson-deletion=http://127.0.0.1:2",
                "alibaba-elasticsearch=http://127.0.0.1:3",
                "fixture=http://127.0.0.1:4",
            ],
            None,
            env,
        )
        .await
        .expect("resolves");
        assert_eq!(
            auth_of(&targets, "liveperson-deletion").as_deref(),
            Some("Authorization: Bearer token")
        );
        let ali = auth_of(&targets, "alibaba-elasticsearch").expect("signed");
        assert!(ali.contains("v3") && ali.contains("LTAI…"), "{ali}");
        assert!(!ali.contains("LTAIexample"), "the key id is cut: {ali}");
        assert_eq!(auth_of(&targets, "fixture"), None, "no convention, no auth");
        assert!(targets.secrets().contains(&"s3cret".to_owned()));
    }

    #[tokio::test]
    async fn a_bare_url_serves_every_api_with_its_own_credentials() {
        let env = &[("OS_TOKEN", "gAAAA-token")];
        let targets = resolve(&["http://127.0.0.1:5"], None, env)
            .await
            .expect("resolves");
        assert_eq!(
            auth_of(&targets, "openstack-compute").as_deref(),
            Some("X-Auth-Token, a fixed Keystone token (OS_TOKEN)")
        );
        assert_eq!(auth_of(&targets, "liveperson-deletion"), None);
        assert_eq!(
            targets.get("anything").map(|t| t.base_url.port()),
            Some(Some(5))
        );
    }

    #[tokio::test]
    async fn half_a_credential_is_an_error_not_silence() {
        let env = &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample")];
        let e = resolve(&["alibaba-elasticsearch=http://127.0.0.1:3"], None, env)
            .await
            .expect_err("the secret is missing");
        assert!(
            e.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "{e}"
        );
        assert!(e.to_string().contains("--target"), "{e}");
    }

    #[tokio::test]
    async fn no_credentials_in_the_environment_means_none_attached() {
        let targets = resolve(&["liveperson-deletion=http://127.0.0.1:2"], None, &[])
            .await
            .expect("resolves");
        assert_eq!(auth_of(&targets, "liveperson-deletion"), None);
    }
}
