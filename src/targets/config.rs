//! The targets file: where each API's calls go and which credential convention applies.
//! Credentials are never read from the file: they come from the environment, by each vendor
//! ecosystem's own conventions ([`crate::targets::credentials::convention`]); `targets.example.yaml` shows an entry
//! of each kind.
//!
//! ```yaml
//! widgets:
//!   spec: ../api/openapi.yaml      # relative to this file; url from the spec's `servers:`
//! my-api:                          # no `auth:`: the spec's securitySchemes, per operation
//!   url: https://api.example.com   # CONFORM_MY_API_TOKEN, _USERNAME/_PASSWORD, _CLIENT_ID/_SECRET
//! shipped-api:
//!   auth: some-vendor              # a vendor's convention: its variables, its URL discovery
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Target;
use crate::openapi::Registry;
use crate::source::Diagnostic;
use crate::source::{Pos, Spanned};
use crate::targets::credentials::convention::{self, Setup, Vendor, Vendors};
use crate::targets::credentials::declared;

/// One API's entry.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// Base URL of the API. Optional where the vendor's convention finds it (from a region, a
    /// service catalog, a per-account domain lookup).
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// The API's OpenAPI spec, relative to this file's folder (default
    /// `specs/<api>/openapi.yaml`); `--spec API=FILE` wins over it. Without `url:` (and with
    /// no built-in mock), the spec's first `servers` URL is the target.
    #[serde(default)]
    pub spec: Option<Spanned<String>>,
    /// The credential convention: `none`, `declared` (the spec's `securitySchemes`, what no
    /// `auth:` means too, but required to work), or a vendor's (`targets.example.yaml` lists
    /// them).
    #[serde(default)]
    pub auth: Option<Spanned<String>>,
    /// A mock or test deployment: state-changing scenarios need no `--allow-writes`.
    #[serde(default)]
    pub mock: bool,
    /// For a vendor whose endpoints are per region: the region id (default: the vendor's
    /// variable).
    #[serde(default)]
    pub region: Option<String>,
    /// For a vendor with more than one request signature: its version (such as `v1`, `v3`).
    #[serde(default)]
    pub signature: Option<Spanned<String>>,
    /// For a vendor whose URL comes from a service catalog: the catalog interface (default:
    /// the vendor's variable, or `public`).
    #[serde(default)]
    pub interface: Option<String>,
    /// For a vendor with a client configuration file of named clouds: the cloud (default: the
    /// vendor's variable).
    #[serde(default)]
    pub cloud: Option<String>,
    /// For a vendor whose URL is discovered per account: the account (site) id (default: the
    /// vendor's variable).
    #[serde(default)]
    pub account: Option<String>,
    /// For a vendor whose URL is discovered per account: the discovery service's base URL
    /// (default: the vendor's public one).
    #[serde(default)]
    pub csds: Option<String>,
    /// Bearer, and the spec's bearer and API key schemes: the environment variable holding
    /// the token (default: the vendor's variable for an API conform ships, else
    /// `CONFORM_<API>_TOKEN`).
    #[serde(default)]
    pub token_env: Option<String>,
    /// The spec's HTTP basic scheme: the username's variable (default `CONFORM_<API>_USERNAME`).
    #[serde(default)]
    pub username_env: Option<String>,
    /// The spec's HTTP basic scheme: the password's variable (default `CONFORM_<API>_PASSWORD`).
    #[serde(default)]
    pub password_env: Option<String>,
    /// The spec's OAuth2 client credentials: the client id's variable (default
    /// `CONFORM_<API>_CLIENT_ID`).
    #[serde(default)]
    pub client_id_env: Option<String>,
    /// The spec's OAuth2 client credentials: the client secret's variable (default
    /// `CONFORM_<API>_CLIENT_SECRET`).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Headers sent on every request to the API, by name: `Authorization: token
    /// ${env.JUPYTER_TOKEN}`. `${env.NAME}` is the environment variable's value (a secret
    /// stays out of the file); a header a step sets wins; a header whose name says credential
    /// (Authorization, Cookie, any name with token, key, secret, auth, session or password)
    /// is redacted everywhere.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub headers: Option<BTreeMap<String, Spanned<String>>>,
}

impl TargetEntry {
    /// The credential variables the entry names for the spec's schemes.
    pub fn declared_vars(&self) -> declared::Named {
        declared::Named {
            token: self.token_env.clone(),
            username: self.username_env.clone(),
            password: self.password_env.clone(),
            client_id: self.client_id_env.clone(),
            client_secret: self.client_secret_env.clone(),
        }
    }

    /// An entry that asks for `vendor`'s convention and nothing else: what an API the vendor
    /// ships gets when only `--target` names it.
    pub fn of_vendor(vendor: &dyn Vendor) -> Self {
        TargetEntry {
            auth: Some(Spanned::new(vendor.auth().to_owned(), Pos::UNKNOWN)),
            ..TargetEntry::default()
        }
    }
}

/// Why an extra header (`headers:` in a targets entry, or given on the command line) cannot be
/// sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The name is not an HTTP header name (a token: letters, digits and `!#$%&'*+-.^_`|~`).
    #[error("`{0}` is not a header name")]
    Name(String),
    /// The value holds a byte no header value may hold (a line break, a control byte).
    #[error("the value of `{0}` holds a line break or a control byte")]
    Value(String),
    /// `${env.NAME}` names a variable that is not set (or is empty).
    #[error("`${{env.{0}}}` is not set")]
    Unset(String),
    /// A `${...}` that is not `${env.NAME}`, or is not closed.
    #[error("`{0}` is not an environment reference")]
    Reference(String),
}

impl HeaderError {
    /// How to fix it, in words that name no command-line flag.
    pub fn fix(&self) -> String {
        match self {
            HeaderError::Name(_) => {
                "a header name is letters, digits and `-` (such as `X-Api-Key`)".into()
            }
            HeaderError::Value(_) => "write the value on one line".into(),
            HeaderError::Unset(var) => {
                format!("set {var} in the environment (or a dotenv file the run reads)")
            }
            HeaderError::Reference(_) => {
                "write `${env.NAME}` for the value of the environment variable NAME".into()
            }
        }
    }
}

/// Whether `name: value` can be sent as a header.
pub fn check_header(name: &str, value: &str) -> Result<(), HeaderError> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| HeaderError::Name(name.to_owned()))?;
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| HeaderError::Value(name.to_owned()))?;
    Ok(())
}

/// `text` with each `${env.NAME}` replaced by the variable's value from `env`.
pub fn expand_env(text: &str, env: Env<'_>) -> Result<String, HeaderError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find('}') else {
            return Err(HeaderError::Reference(rest[open..].to_owned()));
        };
        let inner = &after[..close];
        let name = inner
            .strip_prefix("env.")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| HeaderError::Reference(format!("${{{inner}}}")))?;
        let value = env(name).ok_or_else(|| HeaderError::Unset(name.to_owned()))?;
        out.push_str(&value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What an entry's `auth:` asks for.
#[derive(Clone, Copy)]
pub enum AuthKind {
    /// `none`: the URL alone.
    None,
    /// `declared`, or no `auth:`: the spec's `securitySchemes`.
    Declared,
    /// A vendor's convention.
    Vendor(&'static dyn Vendor),
}

/// The `auth:` values that are not a vendor's.
const NONE: &str = "none";
const DECLARED: &str = "declared";

/// The convention `auth` names among `vendors`, or an error listing the ones there are.
pub fn auth_kind(
    path: &Path,
    auth: &Spanned<String>,
    vendors: Vendors,
) -> Result<AuthKind, Diagnostic> {
    match auth.value.as_str() {
        NONE => Ok(AuthKind::None),
        DECLARED => Ok(AuthKind::Declared),
        name => convention::by_auth(vendors, name)
            .map(AuthKind::Vendor)
            .ok_or_else(|| {
                let known: Vec<String> = [NONE]
                    .into_iter()
                    .chain(vendors.iter().map(|v| v.auth()))
                    .chain([DECLARED])
                    .map(|k| format!("`{k}`"))
                    .collect();
                Diagnostic::new(
                    path,
                    auth.pos,
                    format!("`auth: {name}` is not a credential convention"),
                )
                .help(format!("write one of {}", known.join(", ")))
            }),
    }
}

/// The parsed file: API name -> entry.
pub fn parse(path: &Path, source: &str) -> Result<BTreeMap<String, TargetEntry>, Diagnostic> {
    serde_saphyr::from_str_with_options(source, crate::source::yaml::options())
        .map_err(|e| crate::source::yaml::diagnostic(path, source, &e))
}

/// The largest targets file read: a few lines per API, so 1 MiB is far above any real one and
/// bounds what a wrong path (a log, a dump) costs before the YAML limits apply.
pub const MAX_TARGETS_BYTES: u64 = 1024 * 1024;

/// Reads and parses the targets file at `path`, each entry's `auth:` checked against `vendors`.
pub fn load(path: &Path, vendors: Vendors) -> Result<BTreeMap<String, TargetEntry>, Diagnostic> {
    let source = crate::source::read_text(
        path,
        crate::source::SizeLimit {
            bytes: MAX_TARGETS_BYTES,
            what: "a targets file",
            fix: "a targets file holds one short entry per API: check that the path names it",
        },
    )?;
    let entries = parse(path, &source)?;
    for entry in entries.values() {
        if let Some(auth) = &entry.auth {
            auth_kind(path, auth, vendors).map_err(|d| d.with_source(&source))?;
        }
    }
    Ok(entries)
}

/// Where environment values come from; tests pass their own.
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The process environment, empty values counting as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What an entry is resolved with: where it was written, the client for the lookups a vendor
/// makes, the specs whose schemes an API may declare, the environment and the vendors.
#[derive(Clone, Copy)]
pub struct Resolver<'a> {
    /// The targets file, or what stands for the command line when no file names the API.
    pub path: &'a Path,
    /// What stands for the command line (the CLI: `--target`), for an API no file names.
    pub given: &'a Path,
    /// The HTTP client for the lookups resolving makes (a login, a domain discovery).
    pub client: &'a reqwest::Client,
    /// The loaded API specs, whose security schemes give an API's declared credentials.
    pub specs: &'a Registry,
    /// Where credential variables (`CONFORM_<API>_TOKEN`, `OS_*`, ...) are read from.
    pub env: Env<'a>,
    /// The vendors whose conventions an entry's `auth:` may name.
    pub vendors: Vendors,
}

impl Resolver<'_> {
    /// Builds one API's target: credentials from the environment, the URL from `url` when
    /// given (then no other host is asked for it), else from the entry or found the vendor's
    /// way.
    pub async fn entry(
        &self,
        api: &str,
        entry: &TargetEntry,
        url: Option<&Url>,
    ) -> Result<Target, Diagnostic> {
        let mut target = self.resolve_one(api, entry, url).await?;
        target.is_mock = entry.mock;
        if let Some(headers) = &entry.headers {
            let mut resolved = Vec::new();
            for (name, value) in headers {
                let text = expand_env(&value.value, self.env)
                    .and_then(|v| check_header(name, &v).map(|()| v))
                    .map_err(|e| {
                        self.at(Some(value.pos), format!("{api}: `headers: {name}`: {e}"))
                            .help(e.fix())
                    })?;
                resolved.push((name.clone(), text));
            }
            target.add_headers(&resolved);
        }
        Ok(target)
    }

    fn at(&self, pos: Option<Pos>, message: String) -> Diagnostic {
        Diagnostic::new(self.path, pos.unwrap_or(Pos::UNKNOWN), message)
    }

    fn url_of(&self, api: &str, entry: &TargetEntry) -> Result<Option<Url>, Diagnostic> {
        entry
            .url
            .as_ref()
            .map(|u| {
                super::parse_base_url(&u.value).map_err(|e| {
                    self.at(Some(u.pos), format!("{api}: `url: {}`: {e}", u.value))
                        .help("write the API's base URL, such as `https://host/v2.1`")
                })
            })
            .transpose()
    }

    async fn resolve_one(
        &self,
        api: &str,
        entry: &TargetEntry,
        url: Option<&Url>,
    ) -> Result<Target, Diagnostic> {
        let url = match url {
            Some(u) => Some(u.clone()),
            None => self.url_of(api, entry)?,
        };
        let auth_pos = entry.auth.as_ref().map(|a| a.pos);
        let kind = match &entry.auth {
            Some(auth) => auth_kind(self.path, auth, self.vendors)?,
            None => AuthKind::Declared,
        };
        let Some(url) = url else {
            return match kind {
                AuthKind::Vendor(vendor) => self.by_vendor(vendor, api, entry, None).await,
                AuthKind::None | AuthKind::Declared => Err(self
                    .at(
                        auth_pos,
                        format!("{api}: `url:` is required without a vendor `auth:`"),
                    )
                    .help("add `url: https://...`")),
            };
        };
        match kind {
            AuthKind::None => Ok(Target::new(url)),
            AuthKind::Declared => {
                // Without `auth:`, an error about the entry's credentials is placed at its `url:`.
                let pos = auth_pos.or(entry.url.as_ref().map(|u| u.pos));
                let at = (self.path, pos.unwrap_or(Pos::UNKNOWN));
                let explicit = entry.auth.is_some();
                let named = entry.declared_vars();
                declared::entry::target(at, api, &named, url, explicit, self.specs, self.env)
            }
            AuthKind::Vendor(vendor) => self.by_vendor(vendor, api, entry, Some(&url)).await,
        }
    }

    /// `vendor`'s target for the entry, its errors placed in the file.
    async fn by_vendor(
        &self,
        vendor: &dyn Vendor,
        api: &str,
        entry: &TargetEntry,
        url: Option<&Url>,
    ) -> Result<Target, Diagnostic> {
        let setup = Setup {
            api,
            entry,
            url,
            client: self.client,
            env: self.env,
        };
        vendor.target(setup).await.map_err(|e| {
            let pos = e.at.or(entry.auth.as_ref().map(|a| a.pos));
            self.at(pos, format!("{api}: {}", e.message))
                .help_opt(e.help)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_may_ask_for_the_declared_schemes_and_name_their_variables() {
        let path = Path::new("targets.yaml");
        let text = "my-api:\n  auth: declared\n  password_env: PW\n  client_secret_env: CS\n";
        let entries = parse(path, text).expect("parses");
        let e = &entries["my-api"];
        let auth = e.auth.as_ref().expect("auth:");
        assert!(matches!(auth_kind(path, auth, &[]), Ok(AuthKind::Declared)));
        let named = e.declared_vars();
        assert_eq!(
            (
                named.password.as_deref(),
                named.client_secret.as_deref(),
                named.token
            ),
            (Some("PW"), Some("CS"), None)
        );
        let entries = parse(path, "my-api:\n  auth: oauth2\n").expect("parses");
        let auth = entries["my-api"].auth.as_ref().expect("auth:");
        let e = auth_kind(path, auth, &[]).err().expect("not a kind");
        assert!(e.to_string().contains("declared"), "{e}");
    }

    #[test]
    fn entry_headers_take_their_values_from_the_environment() {
        let env = |k: &str| (k == "JUPYTER_TOKEN").then(|| "abc123".to_owned());
        assert_eq!(
            expand_env("token ${env.JUPYTER_TOKEN}!", &env).as_deref(),
            Ok("token abc123!")
        );
        assert_eq!(expand_env("plain", &env).as_deref(), Ok("plain"));
        assert_eq!(
            expand_env("${env.NOPE}", &env),
            Err(HeaderError::Unset("NOPE".into()))
        );
        let e = expand_env("${token}", &env).expect_err("not env");
        assert!(e.fix().contains("${env.NAME}"), "{e}");
        assert!(expand_env("${env.X", &env).is_err());
        assert_eq!(
            check_header("X Bad", "v"),
            Err(HeaderError::Name("X Bad".into()))
        );
        assert!(check_header("X-Ok", "a\r\nInjected: 1").is_err());
        let path = Path::new("targets.yaml");
        let text = "jupyter:\n  url: http://127.0.0.1:8888\n  headers:\n    Authorization: token ${env.JUPYTER_TOKEN}\n";
        let entries = parse(path, text).expect("parses");
        let headers = entries["jupyter"].headers.as_ref().expect("headers:");
        let v = &headers["Authorization"];
        assert_eq!(v.value, "token ${env.JUPYTER_TOKEN}");
        assert_eq!(v.pos, Pos::new(4, 20));
    }

    #[test]
    fn an_entry_may_name_its_spec_and_the_schema_says_so() {
        let path = Path::new("targets.yaml");
        let entries = parse(path, "widgets:\n  spec: ../api/openapi.yaml\n").expect("parses");
        let spec = entries["widgets"].spec.as_ref().expect("spec:");
        assert_eq!(
            (spec.value.as_str(), spec.pos),
            ("../api/openapi.yaml", Pos::new(2, 9))
        );
        let e = parse(path, "widgets:\n  specs: api.yaml\n").expect_err("unknown key");
        assert!(e.to_string().contains("specs"), "{e}");
        let schema = schemars::schema_for!(BTreeMap<String, TargetEntry>);
        let text = serde_json::to_string(&schema).unwrap_or_default();
        assert!(
            text.contains("\"spec\"") && text.contains("relative to this file"),
            "{text}"
        );
    }
}
