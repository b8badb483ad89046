//! Where calls go: a [`Target`] per API (base URL and credentials), chosen on the command line
//! (`--target API=URL`), from a targets file ([`config`]) or the embedded mocks, decided in
//! [`sources`]. A target's credentials ([`crate::targets::credentials`]: a vendor's convention or what
//! the API's spec declares) attach themselves to a request through [`Auth`].

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Url;

pub mod arg;
pub mod config;
pub mod credentials;
pub mod sources;
pub mod spec_servers;

use crate::source::Diagnostic;
use crate::source::Pos;

/// A request about to be sent, as credentials see it: signers need the exact method, URL,
/// headers and body bytes. It is the one request type of [`crate::http`].
pub use crate::http::Request as Prepared;

/// What [`Auth::apply`] returns: credentials may need a round trip (a login, a token grant).
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AuthError>> + Send + 'a>>;

/// Why credentials could not be attached to a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The login that gives the token failed (`service` says whose).
    #[error("{service} login: {source}")]
    Login {
        /// The service logged in to, e.g. `Keystone`.
        service: &'static str,
        /// The login's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The token grant of one of the spec's schemes failed.
    #[error("OAuth2 token for scheme `{scheme}`: {source}")]
    Grant {
        /// The scheme's name in the spec's `components.securitySchemes`.
        scheme: String,
        /// Why the token server gave no token.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The operation requires credentials no alternative of which is complete: `lacks` says
    /// what each alternative lacks.
    #[error("`{operation}` requires {lacks}")]
    Unmet {
        /// The `operationId` of the request.
        operation: String,
        /// What each alternative of the operation's `security` lacks, in words.
        lacks: String,
    },
}

impl AuthError {
    /// A failed login at `service`.
    pub fn login(
        service: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        AuthError::Login {
            service,
            source: Box::new(source),
        }
    }
}

/// Attaches credentials to a request (a token header, a signature). Called for every request
/// that does not say `auth: none`, after the request is otherwise complete, so signers see the
/// exact method, URL, headers and body.
pub trait Auth: Send + Sync + fmt::Debug {
    /// Sets the credentials on `req` (headers, query parameters, a signature), logging in or
    /// fetching a token with `client` first when needed.
    fn apply<'a>(&'a self, req: &'a mut Prepared, client: &'a reqwest::Client) -> AuthFuture<'a>;
    /// Values that must never appear in output (keys, passwords, tokens).
    fn secrets(&self) -> Vec<String>;
    /// What the credentials are, for `--dry-run` (the scheme and where it comes from), with
    /// no secret in it.
    fn describe(&self) -> String;
    /// What [`Auth::describe`] says, for the request of `operation_id`: credentials that
    /// differ per operation (a spec's schemes) say which this one carries.
    fn describe_for(&self, _operation_id: &str) -> String {
        self.describe()
    }
    /// Whether a request header of this name belongs to the credentials' protocol even when
    /// [`Auth::apply`] does not set it on every request (the headers of a signature version
    /// not in use): a generated value for it would test the signer, not the API.
    fn owns_header(&self, _name: &str) -> bool {
        false
    }
}

/// Where one API's calls go.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's base URL; each operation's path is appended to its path.
    pub base_url: Url,
    /// The credentials attached to every request; `None`: requests go without any.
    pub auth: Option<Arc<dyn Auth>>,
    /// A reference mock or fixture server, which may be changed freely.
    pub is_mock: bool,
    /// Headers sent on every request besides the step's own (`--header`, a targets entry's
    /// `headers:`); a header a step sets wins. Those whose name says credential are left out
    /// of a step that says `auth: none`, and redacted everywhere.
    pub headers: Vec<(String, String)>,
}

impl Target {
    /// A target at `base_url` with no credentials, not a mock.
    pub fn new(base_url: Url) -> Self {
        Target {
            base_url,
            auth: None,
            is_mock: false,
            headers: Vec::new(),
        }
    }

    /// Adds `headers` to the ones sent on every request; a name given again replaces the
    /// earlier value (any case).
    pub fn add_headers(&mut self, headers: &[(String, String)]) {
        for (name, value) in headers {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            self.headers.push((name.clone(), value.clone()));
        }
    }

    /// The values of the extra headers whose name says credential, for redaction: the whole
    /// value, and what follows a scheme word (`token abc` is also sent as `abc`).
    pub fn header_secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, value) in &self.headers {
            if crate::redact::Redactor::is_secret_header(name) {
                out.push(value.trim().to_owned());
                if let Some((_, rest)) = value.split_once(' ') {
                    out.push(rest.trim().to_owned());
                }
            }
        }
        out
    }

    /// A mock, or a server on this machine: changing its state needs no confirmation.
    pub fn is_local(&self) -> bool {
        self.is_mock || crate::http::is_loopback(&self.base_url)
    }
}

/// Targets by API, with an optional fallback for every API.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    by_api: BTreeMap<String, Target>,
    fallback: Option<Target>,
    /// Where the URL of each target came from (`--target`, a targets file, a spec's
    /// `servers:`), for [`Targets::routes`]; the embedded mocks have none.
    origins: BTreeMap<String, String>,
    /// What gave the fallback, for [`Targets::routes`].
    fallback_origin: Option<String>,
    /// APIs that have no target, and why (a spec's relative `servers` URL): the help of their
    /// scenarios' "no target" error.
    unusable: BTreeMap<String, String>,
}

impl Targets {
    /// Sends `api`'s calls to `target`, replacing any target it had.
    pub fn insert(&mut self, api: &str, target: Target) {
        self.by_api.insert(api.to_owned(), target);
    }

    /// Takes `other`'s targets, replacing these where both name an API.
    pub fn extend(&mut self, other: Targets) {
        for api in other.by_api.keys() {
            self.origins.remove(api);
            self.unusable.remove(api);
        }
        self.by_api.extend(other.by_api);
        self.origins.extend(other.origins);
        self.unusable.extend(other.unusable);
        if other.fallback.is_some() {
            self.fallback = other.fallback;
        }
    }

    /// Records where `api`'s URL came from, for [`Targets::routes`].
    pub fn note_origin(&mut self, api: &str, origin: impl Into<String>) {
        self.origins.insert(api.to_owned(), origin.into());
    }

    /// What gave `api`'s URL: its own target's origin, else the fallback's when it takes
    /// `api`'s calls.
    pub fn origin(&self, api: &str) -> Option<&str> {
        match self.by_api.get(api) {
            Some(_) => self.origins.get(api).map(String::as_str),
            None => self.fallback.as_ref().and(self.fallback_origin.as_deref()),
        }
    }

    /// Records what gave the fallback (the CLI: `--target`), for [`Targets::routes`].
    pub fn note_fallback_origin(&mut self, origin: impl Into<String>) {
        self.fallback_origin = Some(origin.into());
    }

    /// Records why `api` has no target.
    pub fn set_unusable(&mut self, api: &str, why: impl Into<String>) {
        self.unusable.insert(api.to_owned(), why.into());
    }

    /// Why `api` has no target, when something was tried.
    pub fn unusable(&self, api: &str) -> Option<&str> {
        self.unusable.get(api).map(String::as_str)
    }

    /// Where each API's calls go, one line each, `API -> URL (origin)`, the fallback last: what
    /// a run prints before it starts. The embedded mocks are left out; a URL's user and
    /// password are never shown.
    pub fn routes(&self) -> Vec<String> {
        let shown = |url: &Url| {
            let mut url = url.clone();
            // Both only fail on URLs that cannot have credentials, which then have none.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url
        };
        let mut lines: Vec<String> = self
            .origins
            .iter()
            .filter_map(|(api, origin)| {
                let t = self.by_api.get(api)?;
                Some(format!("{api} -> {} ({origin})", shown(&t.base_url)))
            })
            .collect();
        if let Some(t) = &self.fallback {
            let who = if lines.is_empty() {
                "every API"
            } else {
                "every other API"
            };
            let origin = self.fallback_origin.as_deref().unwrap_or("given");
            lines.push(format!("{who} -> {} ({origin})", shown(&t.base_url)));
        }
        lines
    }

    /// Sends the calls of every API without a target of its own to `target`.
    pub fn set_fallback(&mut self, target: Target) {
        self.fallback = Some(target);
    }

    /// Where `api`'s calls go: its own target, else the fallback; `None` when there is neither.
    pub fn get(&self, api: &str) -> Option<&Target> {
        self.by_api.get(api).or(self.fallback.as_ref())
    }

    /// Whether there is no target at all, neither for an API nor as fallback.
    pub fn is_empty(&self) -> bool {
        self.by_api.is_empty() && self.fallback.is_none()
    }

    /// Every secret of every target, for redaction: its credentials' and its credential
    /// headers' values.
    pub fn secrets(&self) -> Vec<String> {
        let targets = || self.by_api.values().chain(self.fallback.as_ref());
        targets()
            .filter_map(|t| t.auth.as_ref())
            .flat_map(|a| a.secrets())
            .chain(targets().flat_map(Target::header_secrets))
            .collect()
    }

    /// Adds `headers` to every target's, the fallback's too ([`Target::add_headers`]).
    pub fn add_headers(&mut self, headers: &[(String, String)]) {
        if headers.is_empty() {
            return;
        }
        for t in self.by_api.values_mut().chain(self.fallback.as_mut()) {
            t.add_headers(headers);
        }
    }

    /// Parses `--target` values: `API=URL`, or a bare `URL` for every API (no credentials:
    /// [`sources::TargetSources`] adds them the way a run does).
    pub fn parse_arg(&mut self, arg: &str) -> Result<(), Diagnostic> {
        match parse_target_arg(arg, "target")? {
            (Some(api), url) => self.insert(&api, Target::new(url)),
            (None, url) => self.set_fallback(Target::new(url)),
        }
        Ok(())
    }
}

/// A target value: `API=URL` (the API named), or a bare `URL` for every API; `given` names
/// where it was given (the CLI: `--target`), as the error's origin.
pub fn parse_target_arg(arg: &str, given: &str) -> Result<(Option<String>, Url), Diagnostic> {
    let t = arg::TargetArg::parse(arg).map_err(|e| {
        Diagnostic::new(std::path::Path::new(given), Pos::UNKNOWN, e.to_string())
            .help("write `API=http://host:port/base`, or `http://host:port` for every API")
    })?;
    Ok((t.api, t.url))
}

/// Why a text is not a base URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// The text does not parse as an absolute URL.
    #[error("not a URL ({0})")]
    NotAUrl(url::ParseError),
    /// The URL's scheme, held here, is neither `http` nor `https`.
    #[error("scheme `{0}` is not http or https")]
    Scheme(String),
    /// The URL has a `?query` or `#fragment`: operation paths are appended to a base URL.
    #[error("a base URL has no query or fragment")]
    QueryOrFragment,
}

/// A base URL: http or https, with no query or fragment.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let url = Url::parse(text).map_err(BaseUrlError::NotAUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BaseUrlError::Scheme(url.scheme().to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::QueryOrFragment);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        parse_base_url(text).expect("a URL")
    }

    #[test]
    fn routes_name_each_given_target_without_its_password() {
        let mut targets = Targets::default();
        targets.insert(
            "widgets",
            Target::new(url("https://me:s3cret@api.example.com/v1")),
        );
        targets.note_origin("widgets", "`servers` of api.yaml");
        let mut mocks = Targets::default();
        mocks.insert("fixture", Target::new(url("http://127.0.0.1:4")));
        targets.extend(mocks);
        assert_eq!(
            targets.routes(),
            ["widgets -> https://api.example.com/v1 (`servers` of api.yaml)"],
            "the password is never shown, the embedded mocks are left out"
        );
        targets.set_fallback(Target::new(url("http://127.0.0.1:5")));
        targets.note_fallback_origin("--target");
        assert_eq!(
            targets.routes().last().map(String::as_str),
            Some("every other API -> http://127.0.0.1:5/ (--target)")
        );
    }

    #[test]
    fn a_target_taken_over_loses_its_origin_and_its_reason() {
        let mut targets = Targets::default();
        targets.set_unusable("widgets", "relative");
        targets.insert("gadgets", Target::new(url("https://api.example.com")));
        targets.note_origin("gadgets", "--target");
        let mut other = Targets::default();
        other.insert("widgets", Target::new(url("http://127.0.0.1:4")));
        other.insert("gadgets", Target::new(url("http://127.0.0.1:5")));
        targets.extend(other);
        assert_eq!(targets.unusable("widgets"), None);
        assert!(targets.routes().is_empty(), "{:?}", targets.routes());
    }
}
