//! [`TargetSources`]: where a run's targets come from, decided in one place. `--target` values
//! and a targets file are parsed before anything starts (so a typo fails fast); with neither,
//! the run uses the embedded mocks.
//!
//! An API given no URL by either, with no built-in mock, goes to its spec's first `servers` URL
//! ([`SpecServer`], see [`TargetSources::use_spec_servers`]); the targets file's `spec:` values
//! join `--spec` here ([`TargetSources::add_spec_files`]).
//!
//! `--target` gives a URL and nothing else: the API's credentials, account, region and `mock:`
//! come from the targets file when it has an entry for the API, else from the convention of the
//! vendor that ships it (see [`crate::targets::credentials::convention`]) when the environment holds its variables.
//! With a URL given no other host is asked for one (no region endpoint, catalog or domain
//! lookup).
//!
//! An API with no vendor convention (and an entry without `auth:`) gets the credentials its
//! spec declares ([`crate::targets::credentials::declared`]) when its `CONFORM_<API>_*` variables are set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Url;

use super::config::{self, Env, Resolver, TargetEntry};
use super::spec_servers::{self, Join, SpecServer};
use super::{Target, Targets, parse_target_arg};
use crate::openapi::{Registry, SpecFiles};
use crate::remedy::{OwnTerms, Remedies, Setting};
use crate::source::{Diagnostic, Pos};
use crate::targets::credentials::convention::{self, Vendors};
use crate::targets::credentials::declared::{self, Named, Vars};

/// The parsed `--target` values and targets file of a run, and the vendors whose conventions
/// their entries may name.
#[derive(Debug)]
pub struct TargetSources {
    /// How messages name the setting that gives URLs outside a targets file, and how to
    /// give one (the CLI: `--target`).
    remedies: Arc<dyn Remedies>,
    vendors: Vendors,
    /// `--target API=URL`.
    urls: BTreeMap<String, Url>,
    /// `--target URL`: every API.
    fallback: Option<Url>,
    file: Option<(PathBuf, BTreeMap<String, TargetEntry>)>,
    /// What the specs' `servers:` give the APIs that need a URL.
    servers: BTreeMap<String, (PathBuf, SpecServer)>,
}

impl Default for TargetSources {
    fn default() -> Self {
        TargetSources {
            remedies: Arc::new(OwnTerms),
            vendors: Vendors::default(),
            urls: BTreeMap::new(),
            fallback: None,
            file: None,
            servers: BTreeMap::new(),
        }
    }
}

impl TargetSources {
    /// Parses `--target` values and reads the targets file, if any, whose entries may name
    /// the convention of any of `vendors`; messages in the library's own words.
    pub fn parse(
        args: &[String],
        file: Option<&Path>,
        vendors: Vendors,
    ) -> Result<Self, Diagnostic> {
        Self::parse_named(args, file, vendors, Arc::new(OwnTerms))
    }

    /// [`TargetSources::parse`], with messages that name the settings as `remedies` does.
    pub fn parse_named(
        args: &[String],
        file: Option<&Path>,
        vendors: Vendors,
        remedies: Arc<dyn Remedies>,
    ) -> Result<Self, Diagnostic> {
        let given = remedies.name(Setting::Target);
        let mut sources = TargetSources {
            vendors,
            remedies,
            ..TargetSources::default()
        };
        for a in args {
            match parse_target_arg(a, &given)? {
                (Some(api), url) => {
                    sources.urls.insert(api, url);
                }
                (None, url) => sources.fallback = Some(url),
            }
        }
        if let Some(path) = file {
            sources.file = Some((path.to_owned(), config::load(path, vendors)?));
        }
        Ok(sources)
    }

    /// No target given at all: the run is against the embedded mocks.
    pub fn uses_embedded_mocks(&self) -> bool {
        self.urls.is_empty() && self.fallback.is_none() && self.file.is_none()
    }

    /// Adds the targets file's `spec:` values to `files` (which holds `--spec`, and wins).
    pub fn add_spec_files(&self, files: &mut SpecFiles) -> Result<(), Diagnostic> {
        let Some((path, entries)) = &self.file else {
            return Ok(());
        };
        for (api, entry) in entries {
            if let Some(spec) = &entry.spec {
                files.add_from_targets_file(api, &spec.value, path, spec.pos)?;
            }
        }
        Ok(())
    }

    /// Whether nothing given names `api`'s URL: no `--target` for it or for every API, no
    /// `url:` in its entry.
    pub fn needs_url(&self, api: &str) -> bool {
        let in_file = self
            .file
            .as_ref()
            .and_then(|(_, entries)| entries.get(api))
            .is_some_and(|e| e.url.is_some());
        self.fallback.is_none() && !self.urls.contains_key(api) && !in_file
    }

    /// Takes the first `servers` URL of each spec in `registry` as its API's URL, where the
    /// API needs one and `has_mock` says it has no built-in mock (a mock is the better default
    /// target: it can be changed freely). A spec that does not load is left out: the scenarios
    /// that name its API report why, at their `api:` line.
    pub fn use_spec_servers(&mut self, registry: &Registry, has_mock: impl Fn(&str) -> bool) {
        for api in registry.api_names() {
            if has_mock(&api) || !self.needs_url(&api) {
                continue;
            }
            if let Ok(spec) = registry.api(&api) {
                self.servers
                    .insert(api, (spec.path.clone(), SpecServer::of(&spec)));
            }
        }
    }

    /// Whether some API's target is its spec's `servers` URL (a server that is not a mock).
    pub fn uses_spec_servers(&self) -> bool {
        self.servers
            .values()
            .any(|(_, s)| matches!(s, SpecServer::Url(_)))
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
        let given_by = self.remedies.name(Setting::Target);
        let (path, entries) = match &self.file {
            Some((path, entries)) => (path.as_path(), entries),
            None => (Path::new(&given_by), &empty),
        };
        // For `--target URL`, the APIs with a spec: one may have declared credentials set.
        let with_specs = (self.fallback.as_ref())
            .map(|_| specs.api_names())
            .unwrap_or_default();
        let mut apis: BTreeSet<&str> = entries.keys().map(String::as_str).collect();
        apis.extend(self.urls.keys().map(String::as_str));
        apis.extend(self.servers.keys().map(String::as_str));
        if self.fallback.is_some() {
            apis.extend(
                self.vendors
                    .iter()
                    .filter(|v| convention::has_credentials(**v, env))
                    .flat_map(|v| v.apis().iter().copied()),
            );
            apis.extend(with_specs.iter().map(String::as_str).filter(|api| {
                convention::of_api(self.vendors, api).is_none()
                    && Vars::new(api, &Named::default()).any_set(env)
            }));
        }
        let resolver = Resolver {
            path,
            given: Path::new(&given_by),
            client,
            specs,
            env,
            vendors: self.vendors,
        };
        let mut targets = Targets::default();
        for api in apis {
            let given = self.urls.get(api).or(self.fallback.as_ref());
            let entry = entries.get(api);
            let (url, origin) = match (given, entry, self.servers.get(api)) {
                (Some(url), None, _) => (Some(url), given_by.clone()),
                (Some(url), Some(_), _) => (
                    Some(url),
                    format!("{given_by}; the rest from {}", path.display()),
                ),
                (None, _, Some((spec, SpecServer::Url(url)))) => {
                    let of = format!("`servers` of {}", spec.display());
                    match entry {
                        Some(_) => (Some(url), format!("{of}; the rest from {}", path.display())),
                        None => (Some(url), of),
                    }
                }
                (None, Some(e), Some((_, SpecServer::Unusable(why)))) => {
                    return Err(self.no_url(path, e, api, why));
                }
                (None, None, Some((_, SpecServer::Unusable(why)))) => {
                    targets.set_unusable(api, why.clone());
                    continue;
                }
                (None, _, None) => (None, path.display().to_string()),
            };
            let target = match (entry, url) {
                (Some(entry), url) => resolver.entry(api, entry, url).await?,
                (None, Some(url)) => by_convention(&resolver, api, url).await?,
                // Every API in the set has an entry, a URL or a spec's `servers`.
                (None, None) => continue,
            };
            targets.insert(api, target);
            targets.note_origin(api, origin);
        }
        if let Some(url) = &self.fallback {
            targets.set_fallback(Target::new(url.clone()));
            targets.note_fallback_origin(given_by);
        }
        self.join_relative_servers(&mut targets, specs);
        Ok(targets)
    }

    /// Puts the relative first `servers` URL of each API's spec (`/api`) under the path of the
    /// base URL its calls go to ([`spec_servers::join`]): a given URL names the host, the spec
    /// where the API is on it. An API on the fallback gets a target of its own, so the
    /// routes printed before the run say where its calls go. Only APIs that have a target
    /// load their spec here (the registry keeps it for the run); one that does not load is
    /// left as it is, and its scenarios report why.
    fn join_relative_servers(&self, targets: &mut Targets, specs: &Registry) {
        for api in specs.api_names() {
            if matches!(self.servers.get(&api), Some((_, SpecServer::Url(_)))) {
                continue;
            }
            let Some(target) = targets.get(&api) else {
                continue;
            };
            let Ok(spec) = specs.api(&api) else {
                continue;
            };
            let origin = targets.origin(&api).unwrap_or("given").to_owned();
            let Some(path) = spec_servers::relative_path(&spec) else {
                if let Some(hint) = spec_servers::missing_path(&spec, &target.base_url) {
                    let hinted = target.clone();
                    targets.insert(&api, hinted);
                    targets.note_origin(&api, format!("{origin}; {hint}"));
                }
                continue;
            };
            let Join::Joined(url) = spec_servers::join(&target.base_url, &path) else {
                continue;
            };
            let joined = Target {
                base_url: url,
                ..target.clone()
            };
            targets.insert(&api, joined);
            targets.note_origin(
                &api,
                format!(
                    "{origin}, joined with `{path}`, the relative `servers` URL of {}",
                    spec.path.display()
                ),
            );
        }
    }

    /// The error of an entry in `path` with no `url:` whose spec's `servers` cannot serve.
    fn no_url(&self, path: &Path, entry: &TargetEntry, api: &str, why: &str) -> Diagnostic {
        let pos = entry.spec.as_ref().map(|s| s.pos).unwrap_or(Pos::UNKNOWN);
        Diagnostic::new(path, pos, format!("{api}: no `url:`, and {why}")).help(format!(
            "add `url: https://host/base` to the entry, or {}",
            self.remedies.give_target(api)
        ))
    }
}

/// A `--target API=URL` with no entry in a targets file: the convention of the vendor that
/// ships the API when the environment holds its variables; with no such vendor, what its spec
/// declares; else the URL alone.
async fn by_convention(
    resolver: &Resolver<'_>,
    api: &str,
    url: &Url,
) -> Result<Target, Diagnostic> {
    let resolver = Resolver {
        path: resolver.given,
        ..*resolver
    };
    match convention::of_api(resolver.vendors, api) {
        Some(vendor) if convention::has_credentials(vendor, resolver.env) => {
            let entry = TargetEntry::of_vendor(vendor);
            resolver.entry(api, &entry, Some(url)).await
        }
        Some(_) => Ok(Target::new(url.clone())),
        None => declared::entry::target(
            (resolver.path, Pos::UNKNOWN),
            api,
            &Named::default(),
            url.clone(),
            false,
            resolver.specs,
            resolver.env,
        ),
    }
}

/// What the tests of target resolution share, here and with the vendors'.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// An environment of `vars` alone.
    pub(crate) fn env_of(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    /// The targets of `args` and a targets file of text `file` with `vendors`, in `env`.
    pub(crate) async fn resolve(
        vendors: Vendors,
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
        let sources = TargetSources::parse(&args, file.map(|_| path.as_path()), vendors)?;
        let client = reqwest::Client::new();
        let env = env_of(env);
        let specs = Registry::new(dir.path().join("specs"));
        sources.resolve(&client, &specs, &env).await
    }

    /// What the credentials of `api`'s target say they are.
    pub(crate) fn auth_of(targets: &Targets, api: &str) -> Option<String> {
        let t = targets.get(api).expect("a target");
        t.auth.as_ref().map(|a| a.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{auth_of, env_of};
    use super::*;

    async fn resolve(
        args: &[&str],
        file: Option<&str>,
        env: &'static [(&'static str, &'static str)],
    ) -> Result<Targets, Diagnostic> {
        super::testing::resolve(&[], args, file, env).await
    }

    #[test]
    fn nothing_given_means_the_embedded_mocks() {
        let none = TargetSources::parse(&[], None, &[]).expect("parses");
        assert!(none.uses_embedded_mocks());
        let one = TargetSources::parse(&["fixture=http://127.0.0.1:9".into()], None, &[])
            .expect("parses");
        assert!(!one.uses_embedded_mocks());
    }

    #[test]
    fn a_bad_target_fails_before_anything_starts() {
        let e =
            TargetSources::parse(&["fixture=ftp://x".into()], None, &[]).expect_err("bad scheme");
        assert!(e.message.contains("ftp"), "{e}");
        let e = TargetSources::parse(&[], Some(Path::new("/no/such/targets.yaml")), &[])
            .expect_err("missing file");
        assert!(e.to_string().contains("targets.yaml"), "{e}");
    }

    #[tokio::test]
    async fn declared_credentials_need_the_spec_only_when_the_file_asks_for_them() {
        let env = &[("CONFORM_NOSPEC_TOKEN", "t0ken")];
        let targets = resolve(&["nospec=http://127.0.0.1:4"], None, env)
            .await
            .expect("the scenarios report the missing spec");
        assert_eq!(auth_of(&targets, "nospec"), None);
        let file = "nospec:\n  url: http://127.0.0.1:4\n  auth: declared\n";
        let e = resolve(&[], Some(file), env)
            .await
            .expect_err("`auth: declared` needs the spec");
        assert!(e.to_string().contains("no spec for API `nospec`"), "{e}");
    }

    /// A folder with a spec per `(api, servers URL)` and a registry that names them by file.
    fn specs_with_servers(servers: &[(&str, &str)]) -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut args = Vec::new();
        for (api, url) in servers {
            let path = dir.path().join(format!("{api}.yaml"));
            let text = format!(
                "openapi: 3.1.0\ninfo: {{title: t, version: \"1\"}}\nservers:\n  - url: {url}\npaths: {{}}\n"
            );
            std::fs::write(&path, text).expect("write");
            args.push(format!("{api}={}", path.display()));
        }
        let files = SpecFiles::parse(&args).expect("files");
        let registry = Registry::with_files(dir.path().join("no-specs-folder"), files);
        (dir, registry)
    }

    async fn resolve_with_servers(
        args: &[&str],
        file: Option<&str>,
        servers: &[(&str, &str)],
    ) -> Result<Targets, Diagnostic> {
        let (dir, registry) = specs_with_servers(servers);
        let path = dir.path().join("targets.yaml");
        if let Some(text) = file {
            std::fs::write(&path, text).expect("write");
        }
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let mut sources = TargetSources::parse(&args, file.map(|_| path.as_path()), &[])?;
        sources.use_spec_servers(&registry, |api| api == "mocked");
        let client = reqwest::Client::new();
        let env = env_of(&[]);
        sources.resolve(&client, &registry, &env).await
    }

    fn port(targets: &Targets, api: &str) -> Option<u16> {
        targets.get(api).and_then(|t| t.base_url.port())
    }

    #[tokio::test]
    async fn an_api_given_no_url_and_no_mock_goes_to_its_specs_servers() {
        let servers = [
            ("widgets", "http://127.0.0.1:7/v1"),
            ("mocked", "http://127.0.0.1:8"),
        ];
        let targets = resolve_with_servers(&[], None, &servers)
            .await
            .expect("resolves");
        let t = targets.get("widgets").expect("a target");
        assert_eq!(t.base_url.as_str(), "http://127.0.0.1:7/v1");
        assert!(
            !t.is_mock,
            "a real server: the write guard applies off this machine"
        );
        assert_eq!(
            port(&targets, "mocked"),
            None,
            "a mock is the better default"
        );
        let routes = targets.routes().join("\n");
        assert!(
            routes.contains("widgets -> http://127.0.0.1:7/v1 (`servers` of "),
            "{routes}"
        );
    }

    #[tokio::test]
    async fn a_url_given_wins_over_the_specs_servers() {
        let servers = [("widgets", "http://127.0.0.1:7")];
        let flag = resolve_with_servers(&["widgets=http://127.0.0.1:9"], None, &servers);
        assert_eq!(port(&flag.await.expect("flag"), "widgets"), Some(9));
        let all = resolve_with_servers(&["http://127.0.0.1:5"], None, &servers);
        assert_eq!(port(&all.await.expect("fallback"), "widgets"), Some(5));
        let file = "widgets:\n  url: http://127.0.0.1:6\n";
        let entry = resolve_with_servers(&[], Some(file), &servers);
        let targets = entry.await.expect("entry");
        assert_eq!(port(&targets, "widgets"), Some(6));
        assert!(
            targets.routes()[0].ends_with("targets.yaml)"),
            "{:?}",
            targets.routes()
        );
        // An entry without `url:` keeps the servers URL and gives the rest.
        let file = "widgets:\n  mock: true\n";
        let entry = resolve_with_servers(&[], Some(file), &servers);
        let targets = entry.await.expect("entry without url");
        assert_eq!(port(&targets, "widgets"), Some(7));
        assert!(targets.get("widgets").is_some_and(|t| t.is_mock));
    }

    #[tokio::test]
    async fn a_relative_servers_url_is_no_target_and_says_why() {
        let servers = [("widgets", "/v1")];
        let targets = resolve_with_servers(&[], None, &servers)
            .await
            .expect("resolves: only a scenario of the API fails");
        assert!(targets.get("widgets").is_none());
        let why = targets.unusable("widgets").expect("a reason");
        assert!(why.contains("`/v1`, is relative"), "{why}");
        // An entry means the API is wanted: that is an error before the run.
        let file = "widgets:\n  mock: true\n";
        let e = resolve_with_servers(&[], Some(file), &servers)
            .await
            .expect_err("no URL for an entry");
        assert!(
            e.message.contains("no `url:`") && e.message.contains("relative"),
            "{e}"
        );
        assert!(
            e.help
                .as_deref()
                .is_some_and(|h| h.contains("give `widgets` a target")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_given_url_takes_the_relative_servers_path_under_its_own() {
        let servers = [("widgets", "/api"), ("gadgets", "http://127.0.0.1:7/v1")];
        let base = |t: &Targets, api: &str| t.get(api).map(|t| t.base_url.to_string());
        // For every API: widgets gets a target of its own, named in the routes.
        let all = resolve_with_servers(&["http://127.0.0.1:5"], None, &servers);
        let targets = all.await.expect("fallback");
        assert_eq!(
            base(&targets, "widgets").as_deref(),
            Some("http://127.0.0.1:5/api")
        );
        assert_eq!(
            base(&targets, "gadgets").as_deref(),
            Some("http://127.0.0.1:5/"),
            "an absolute `servers` URL is never joined: the given URL wins"
        );
        let routes = targets.routes().join("\n");
        assert!(
            routes.contains("gadgets -> http://127.0.0.1:5/ (the given target; the spec's `servers` URL http://127.0.0.1:7/v1 has the path `/v1`, which this URL does not: if every answer is 404, add the path to the target)"),
            "{routes}"
        );
        assert!(
            routes.contains("widgets -> http://127.0.0.1:5/api (the given target, joined with `/api`, the relative `servers` URL of "),
            "{routes}"
        );
        // For the API, and in a targets file's `url:`, with or without the path already.
        for (flag, file, want) in [
            (
                Some("widgets=http://127.0.0.1:6/x"),
                None,
                "http://127.0.0.1:6/x/api",
            ),
            (
                Some("widgets=http://127.0.0.1:6/api"),
                None,
                "http://127.0.0.1:6/api",
            ),
            (
                None,
                Some("widgets:\n  url: http://127.0.0.1:6\n"),
                "http://127.0.0.1:6/api",
            ),
        ] {
            let args: Vec<&str> = flag.into_iter().collect();
            let targets = resolve_with_servers(&args, file, &servers)
                .await
                .expect("resolves");
            assert_eq!(
                base(&targets, "widgets").as_deref(),
                Some(want),
                "{flag:?} {file:?}"
            );
        }
    }

    #[test]
    fn the_targets_files_spec_joins_the_spec_files_under_the_flag() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("w.yaml"), "").expect("write");
        let path = dir.path().join("targets.yaml");
        std::fs::write(
            &path,
            "widgets:\n  spec: w.yaml\ngadgets:\n  spec: missing.yaml\n",
        )
        .expect("write");
        let sources = TargetSources::parse(&[], Some(&path), &[]).expect("parses");
        let mut files = SpecFiles::default();
        let e = sources
            .add_spec_files(&mut files)
            .expect_err("gadgets is missing");
        assert_eq!(
            (e.path.as_path(), e.pos),
            (path.as_path(), Pos::new(4, 9)),
            "{e}"
        );
        // Named by the flag instead, the missing file is not the one used.
        let flag = format!("gadgets={}", dir.path().join("w.yaml").display());
        let mut files = SpecFiles::parse(&[flag]).expect("flag");
        sources.add_spec_files(&mut files).expect("ok");
        assert_eq!(
            files.get("widgets").map(|f| f.path.clone()),
            Some(dir.path().join("w.yaml"))
        );
    }
}
