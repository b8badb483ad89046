//! The targets file: where each API's calls go and which credential convention applies.
//! Credentials are never read from the file: they come from the environment, by each vendor
//! ecosystem's own conventions.
//!
//! ```yaml
//! alibaba-elasticsearch:
//!   region: cn-hangzhou            # url defaults to https://elasticsearch.<region>.aliyuncs.com
//!   auth: alibaba                  # ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN
//! openstack-compute:
//!   auth: keystone                 # OS_CLOUD + clouds.yaml, OS_* variables, or OS_TOKEN
//! liveperson-deletion:
//!   auth: bearer                   # LP_BEARER_TOKEN; url discovered from the account id
//!   account: "12345678"
//! widgets:
//!   spec: ../api/openapi.yaml      # relative to this file; url from the spec's `servers:`
//! my-api:                          # no `auth:`: the spec's securitySchemes, per operation
//!   url: https://api.example.com   # CONFORM_MY_API_TOKEN, _USERNAME/_PASSWORD, _CLIENT_ID/_SECRET
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;

use super::alibaba::{AlibabaAuth, SignatureVersion};
use super::bearer::{self, BearerAuth};
use super::keystone::{self, KeystoneAuth, PasswordLogin, Project, TokenAuth};
use super::{Target, clouds, declared};
use crate::source::Diagnostic;
use crate::source::{Pos, Spanned};
use crate::spec::Registry;

/// One API's entry.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// Base URL of the API. Optional where it can be found: Alibaba from `region`, OpenStack
    /// from the Keystone catalog, LivePerson from the account's `rtbf` domain.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// The API's OpenAPI spec, relative to this file's folder (default
    /// `specs/<api>/openapi.yaml`); `--spec API=FILE` wins over it. Without `url:` (and with
    /// no built-in mock), the spec's first `servers` URL is the target.
    #[serde(default)]
    pub spec: Option<Spanned<String>>,
    /// The credential convention.
    #[serde(default)]
    pub auth: Option<Spanned<AuthKind>>,
    /// A mock or test deployment: state-changing scenarios need no `--allow-writes`.
    #[serde(default)]
    pub mock: bool,
    /// Alibaba: the region id (default `ALIBABA_CLOUD_REGION_ID`).
    #[serde(default)]
    pub region: Option<String>,
    /// Alibaba: `v3` (ACS3-HMAC-SHA256, the SDKs' default) or `v1` (ROA HMAC-SHA1).
    #[serde(default)]
    pub signature: Option<Spanned<String>>,
    /// OpenStack: the catalog interface (default `OS_INTERFACE` or `public`).
    #[serde(default)]
    pub interface: Option<String>,
    /// OpenStack: the cloud in clouds.yaml (default `OS_CLOUD`).
    #[serde(default)]
    pub cloud: Option<String>,
    /// LivePerson: the account (site) id, for domain discovery (default `LP_ACCOUNT_ID`).
    #[serde(default)]
    pub account: Option<String>,
    /// LivePerson: the CSDS host for domain discovery (default `api.liveperson.net`).
    #[serde(default)]
    pub csds: Option<String>,
    /// Bearer, and the spec's bearer and API key schemes: the environment variable holding
    /// the token (default `LP_BEARER_TOKEN` for liveperson-deletion, else `CONFORM_<API>_TOKEN`).
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    None,
    Alibaba,
    Keystone,
    Bearer,
    /// The spec's `securitySchemes` (what no `auth:` means too, but required to work).
    Declared,
}

/// The parsed file: API name -> entry.
pub fn parse(path: &Path, source: &str) -> Result<BTreeMap<String, TargetEntry>, Diagnostic> {
    serde_saphyr::from_str_with_options(source, crate::source::yaml::options())
        .map_err(|e| crate::source::yaml::diagnostic(path, source, &e))
}

/// The largest targets file read: a few lines per API, so 1 MiB is far above any real one and
/// bounds what a wrong path (a log, a dump) costs before the YAML limits apply.
pub const MAX_TARGETS_BYTES: u64 = 1024 * 1024;

pub fn load(path: &Path) -> Result<BTreeMap<String, TargetEntry>, Diagnostic> {
    let source = crate::source::read_text(
        path,
        crate::source::SizeLimit {
            bytes: MAX_TARGETS_BYTES,
            what: "a targets file",
            fix: "a targets file holds one short entry per API: check that the path names it",
        },
    )?;
    parse(path, &source)
}

/// Where environment values come from; tests pass their own.
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The process environment, empty values counting as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The APIs conform ships and their credential conventions, used when no targets file names one.
pub const CONVENTIONS: [(&str, AuthKind); 3] = [
    ("alibaba-elasticsearch", AuthKind::Alibaba),
    ("openstack-compute", AuthKind::Keystone),
    ("liveperson-deletion", AuthKind::Bearer),
];

/// The credential convention of `api`, if conform ships it.
pub fn convention(api: &str) -> Option<AuthKind> {
    CONVENTIONS
        .iter()
        .find(|(name, _)| *name == api)
        .map(|(_, kind)| *kind)
}

/// What to export so that `api`'s requests carry credentials: its vendor convention's
/// variables, or the defaults of the schemes a spec declares.
pub fn credential_hint(api: &str) -> String {
    match convention(api) {
        Some(AuthKind::Alibaba) => {
            "export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET".into()
        }
        Some(AuthKind::Keystone) => {
            "export OS_CLOUD (with a clouds.yaml), or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, or OS_TOKEN".into()
        }
        Some(AuthKind::Bearer) => "export LP_BEARER_TOKEN".into(),
        _ => {
            let var = |what| super::declared::default_var(api, what);
            format!(
                "export {} (bearer, API keys), {} and {} (basic), or {} and {} (OAuth2), as the spec's schemes need",
                var("TOKEN"),
                var("USERNAME"),
                var("PASSWORD"),
                var("CLIENT_ID"),
                var("CLIENT_SECRET")
            )
        }
    }
}

/// Whether the environment holds any variable of the convention: then the user means to use
/// it, and a missing companion (a key id without its secret) is an error, not silence.
pub fn has_credentials(kind: AuthKind, env: Env<'_>) -> bool {
    let vars: &[&str] = match kind {
        AuthKind::None | AuthKind::Declared => &[],
        AuthKind::Alibaba => &[
            super::alibaba::ENV_ACCESS_KEY_ID,
            super::alibaba::ENV_ACCESS_KEY_SECRET,
        ],
        AuthKind::Keystone => &["OS_TOKEN", "OS_CLOUD", "OS_AUTH_URL"],
        AuthKind::Bearer => &["LP_BEARER_TOKEN"],
    };
    vars.iter().any(|v| env(v).is_some())
}

/// Builds one API's target: credentials from the environment, the URL from `url` when given
/// (then no other host is asked for it), else from the entry or found the vendor's way
/// (region, Keystone catalog, LivePerson domain lookup).
pub async fn resolve_entry(
    path: &Path,
    api: &str,
    entry: &TargetEntry,
    url: Option<&Url>,
    client: &reqwest::Client,
    specs: &Registry,
    env: Env<'_>,
) -> Result<Target, Diagnostic> {
    let mut target = resolve_one(path, api, entry, url, client, specs, env).await?;
    target.is_mock = entry.mock;
    Ok(target)
}

fn at(path: &Path, pos: Option<Pos>, message: String) -> Diagnostic {
    Diagnostic::new(path, pos.unwrap_or(Pos::UNKNOWN), message)
}

fn url_of(path: &Path, api: &str, entry: &TargetEntry) -> Result<Option<Url>, Diagnostic> {
    entry
        .url
        .as_ref()
        .map(|u| {
            super::parse_base_url(&u.value).map_err(|e| {
                at(path, Some(u.pos), format!("{api}: `url: {}`: {e}", u.value))
                    .help("write the API's base URL, such as `https://host/v2.1`")
            })
        })
        .transpose()
}

async fn resolve_one(
    path: &Path,
    api: &str,
    entry: &TargetEntry,
    url: Option<&Url>,
    client: &reqwest::Client,
    specs: &Registry,
    env: Env<'_>,
) -> Result<Target, Diagnostic> {
    let url = match url {
        Some(u) => Some(u.clone()),
        None => url_of(path, api, entry)?,
    };
    let auth_pos = entry.auth.as_ref().map(|a| a.pos);
    let missing = |what: String, help: &str| {
        at(path, auth_pos, format!("{api}: {what}")).help(help.to_owned())
    };
    let kind = entry.auth.as_ref().map(|a| a.value);
    match kind.unwrap_or(AuthKind::Declared) {
        AuthKind::None => {
            let url = url.ok_or_else(|| {
                missing(
                    "`url:` is required without a vendor `auth:`".into(),
                    "add `url: https://...`",
                )
            })?;
            Ok(Target::new(url))
        }
        // No `auth:` means the spec's schemes when the API's variables are set.
        AuthKind::Declared => {
            let url = url.ok_or_else(|| {
                missing(
                    "`url:` is required without a vendor `auth:`".into(),
                    "add `url: https://...`",
                )
            })?;
            // Without `auth:`, an error about the entry's credentials is placed at its `url:`.
            let pos = auth_pos.or(entry.url.as_ref().map(|u| u.pos));
            let at = (path, pos.unwrap_or(Pos::UNKNOWN));
            let explicit = kind.is_some();
            let named = entry.declared_vars();
            declared::entry::target(at, api, &named, url, explicit, specs, env)
        }
        AuthKind::Alibaba => {
            let mut auth = AlibabaAuth::from_vars(env).map_err(|e| {
                missing(format!("{e}"), "export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)")
            })?;
            match entry.signature.as_ref().map(|s| (s.value.as_str(), s.pos)) {
                None | Some(("v3", _)) => {}
                Some(("v1", _)) => auth = auth.with_version(SignatureVersion::V1),
                Some((other, pos)) => {
                    return Err(at(
                        path,
                        Some(pos),
                        format!("{api}: `signature: {other}` is not v1 or v3"),
                    )
                    .help("write `signature: v3` (the SDKs' default) or `signature: v1`"));
                }
            }
            let url = match url {
                Some(u) => u,
                None => {
                    let region = entry.region.clone().or_else(|| env("ALIBABA_CLOUD_REGION_ID")).ok_or_else(|| {
                        missing("no `url:` and no region".into(), "add `region: cn-hangzhou` (or `url:`), or export ALIBABA_CLOUD_REGION_ID")
                    })?;
                    super::parse_base_url(&format!("https://elasticsearch.{region}.aliyuncs.com"))
                        .map_err(|e| {
                        missing(
                            format!("region `{region}`: {e}"),
                            "use a region id such as `cn-hangzhou`",
                        )
                    })?
                }
            };
            let mut t = Target::new(url);
            t.auth = Some(Arc::new(auth));
            Ok(t)
        }
        AuthKind::Keystone => {
            if let Some(token) = env("OS_TOKEN") {
                let url = url.ok_or_else(|| missing("OS_TOKEN is set, so `url:` (the compute endpoint) is required: a bare token carries no catalog".into(), "add `url: https://compute.example/v2.1`, or log in with OS_AUTH_URL/OS_USERNAME/OS_PASSWORD instead"))?;
                let mut t = Target::new(url);
                t.auth = Some(Arc::new(TokenAuth::new(token)));
                return Ok(t);
            }
            let (login, region, interface) = openstack_login(path, api, entry, env, auth_pos)?;
            let url = match url {
                Some(u) => u,
                None => {
                    let session = keystone::login(client, &login).await.map_err(|e| {
                        missing(
                            format!("Keystone login: {e}"),
                            "check OS_AUTH_URL and the credentials",
                        )
                    })?;
                    keystone::find_endpoint(
                        &session.catalog,
                        "compute",
                        &interface,
                        region.as_deref(),
                    )
                    .map_err(|e| {
                        missing(
                            format!("{e}"),
                            "set `url:`, or `interface:`/OS_REGION_NAME to match the catalog",
                        )
                    })?
                }
            };
            let mut t = Target::new(url);
            t.auth = Some(Arc::new(KeystoneAuth::new(login)));
            Ok(t)
        }
        AuthKind::Bearer => {
            let var = entry.token_env.clone().unwrap_or_else(|| match api {
                "liveperson-deletion" => "LP_BEARER_TOKEN".into(),
                _ => declared::default_var(api, "TOKEN"),
            });
            let token = env(&var).ok_or_else(|| {
                missing(
                    format!("environment variable {var} (the bearer token) is not set"),
                    "export the token, or name its variable with `token_env:`",
                )
            })?;
            let url = match url {
                Some(u) => u,
                None => {
                    let account = entry
                        .account
                        .clone()
                        .or_else(|| env("LP_ACCOUNT_ID"))
                        .ok_or_else(|| {
                            missing(
                                "no `url:` and no account to find the domain with".into(),
                                "add `account: \"12345678\"` (or `url:`), or export LP_ACCOUNT_ID",
                            )
                        })?;
                    let csds = entry
                        .csds
                        .clone()
                        .unwrap_or_else(|| bearer::DEFAULT_CSDS.into());
                    let csds = super::parse_base_url(&csds).map_err(|e| {
                        missing(
                            format!("`csds: {csds}`: {e}"),
                            "write the CSDS base URL, such as https://api.liveperson.net",
                        )
                    })?;
                    bearer::discover_base_url(client, &csds, &account, bearer::RTBF_SERVICE)
                        .await
                        .map_err(|e| {
                            missing(
                                format!("domain lookup: {e}"),
                                "set `url:` to the account's rtbf domain",
                            )
                        })?
                }
            };
            let mut t = Target::new(url);
            t.auth = Some(Arc::new(BearerAuth::new(token)));
            Ok(t)
        }
    }
}

/// An OpenStack password login from clouds.yaml (`cloud:` or OS_CLOUD) or OS_* variables.
fn openstack_login(
    path: &Path,
    api: &str,
    entry: &TargetEntry,
    env: Env<'_>,
    pos: Option<Pos>,
) -> Result<(PasswordLogin, Option<String>, String), Diagnostic> {
    let cloud_name = entry.cloud.clone().or_else(|| env("OS_CLOUD"));
    let cloud = match &cloud_name {
        Some(name) => Some(clouds::find(name, env).map_err(|e| at(path, pos, format!("{api}: {e}")).help("put the cloud in ./clouds.yaml or ~/.config/openstack/clouds.yaml, or use OS_* variables"))?),
        None => None,
    };
    let get = |key: &str, var: &str| -> Option<String> {
        cloud
            .as_ref()
            .and_then(|c| clouds::auth_value(c, key))
            .or_else(|| env(var))
    };
    let need = |key: &str, var: &str| {
        get(key, var).ok_or_else(|| {
            at(path, pos, format!("{api}: no `{key}` in the cloud and {var} is not set")).help("export OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (or OS_CLOUD with a clouds.yaml)")
        })
    };
    let auth_url = need("auth_url", "OS_AUTH_URL")?;
    let auth_url = Url::parse(&auth_url)
        .map_err(|e| at(path, pos, format!("{api}: auth_url `{auth_url}`: {e}")))?;
    let project = match get("project_id", "OS_PROJECT_ID") {
        Some(id) => Project::Id(id),
        None => Project::Name(need("project_name", "OS_PROJECT_NAME")?),
    };
    let login = PasswordLogin {
        auth_url,
        username: need("username", "OS_USERNAME")?,
        password: need("password", "OS_PASSWORD")?,
        user_domain: get("user_domain_name", "OS_USER_DOMAIN_NAME")
            .unwrap_or_else(|| "Default".into()),
        project,
        project_domain: get("project_domain_name", "OS_PROJECT_DOMAIN_NAME")
            .unwrap_or_else(|| "Default".into()),
    };
    let region = cloud
        .as_ref()
        .and_then(|c| clouds::top_value(c, "region_name"))
        .or_else(|| env("OS_REGION_NAME"));
    let interface = entry
        .interface
        .clone()
        .or_else(|| {
            cloud
                .as_ref()
                .and_then(|c| clouds::top_value(c, "interface"))
        })
        .or_else(|| env("OS_INTERFACE"))
        .unwrap_or_else(|| "public".into());
    Ok((login, region, interface))
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
        assert_eq!(e.auth.as_ref().map(|a| a.value), Some(AuthKind::Declared));
        let named = e.declared_vars();
        assert_eq!(
            (
                named.password.as_deref(),
                named.client_secret.as_deref(),
                named.token
            ),
            (Some("PW"), Some("CS"), None)
        );
        let e = parse(path, "my-api:\n  auth: oauth2\n").expect_err("not a kind");
        assert!(e.to_string().contains("declared"), "{e}");
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
