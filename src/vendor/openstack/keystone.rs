//! OpenStack credentials: [`KeystoneAuth`] logs in to Keystone v3 with a password (scoped to a
//! project) and sends the token as `X-Auth-Token`; [`TokenAuth`] sends a fixed token
//! (`OS_TOKEN`). [`find_endpoint`] picks a service's URL out of the login's service catalog, as
//! the OpenStack clients do (`OS_INTERFACE`, `OS_REGION_NAME`).

use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use crate::targets::{Auth, AuthError, AuthFuture, Prepared};

/// The request header that carries a Keystone token to a service.
pub const TOKEN_HEADER: &str = "X-Auth-Token";
/// The response header in which Keystone returns a new token.
pub const SUBJECT_TOKEN_HEADER: &str = "X-Subject-Token";

/// A cached token is renewed this long before Keystone's `expires_at`, so a request never
/// leaves with a token that expires in flight.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// Why a Keystone login, or a look-up in its service catalog, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeystoneError {
    /// The login request did not get a response (connection, TLS or body read failed).
    #[error("cannot reach Keystone at {url}: {reason}")]
    Unreachable {
        /// The `/v3/auth/tokens` URL the login was posted to.
        url: String,
        /// The transport error, as reqwest words it.
        reason: String,
    },
    /// Keystone answered with a status other than 200 or 201.
    #[error("Keystone refused the login with HTTP {status}: {body}")]
    Refused {
        /// The HTTP status code of the answer.
        status: u16,
        /// The first 300 characters of the answer's body.
        body: String,
    },
    /// The login succeeded but the answer carried no `X-Subject-Token` header.
    #[error("Keystone answered without an X-Subject-Token header")]
    NoToken,
    /// The answer's JSON, or its `expires_at`, could not be parsed; holds the parser's message.
    #[error("Keystone's token response is not the v3 shape: {0}")]
    BadBody(String),
    /// `OS_AUTH_URL` cannot serve as a base URL (e.g. `mailto:`); holds the URL as given.
    #[error("the auth URL `{0}` cannot be extended with /v3/auth/tokens")]
    BadAuthUrl(String),
    #[error(
        "the service catalog has no `{service_type}` endpoint for interface `{interface}`{}",
        region.as_ref().map(|r| format!(" in region `{r}`")).unwrap_or_default()
    )]
    /// No endpoint in the catalog matches the service type, interface and region asked for.
    NoEndpoint {
        /// The catalog type looked for, e.g. `compute` or `object-store`.
        service_type: String,
        /// The interface looked for: `public`, `internal` or `admin`.
        interface: String,
        /// The region looked for; `None` when any region would do.
        region: Option<String>,
    },
    /// The matching catalog endpoint's `url` does not parse as a URL.
    #[error("the catalog's `{service_type}` endpoint `{url}` is not a URL")]
    BadEndpoint {
        /// The catalog type whose endpoint was picked.
        service_type: String,
        /// The endpoint's `url` as the catalog gave it.
        url: String,
    },
}

/// Which project the token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Project {
    /// A project name, qualified by the project domain.
    Name(String),
    /// A project id, unique on its own.
    Id(String),
}

/// A Keystone v3 password login (`OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`,
/// `OS_USER_DOMAIN_NAME`, `OS_PROJECT_NAME`/`OS_PROJECT_ID`, `OS_PROJECT_DOMAIN_NAME`).
#[derive(Clone)]
pub struct PasswordLogin {
    /// Keystone's root or its `/v3`, as in `OS_AUTH_URL`.
    pub auth_url: Url,
    /// The user's name (`OS_USERNAME`), unique within `user_domain`.
    pub username: String,
    /// The user's password (`OS_PASSWORD`); redacted from `Debug` and reported as a secret.
    pub password: String,
    /// The domain name the user belongs to (`OS_USER_DOMAIN_NAME`).
    pub user_domain: String,
    /// The project the token is scoped to (`OS_PROJECT_NAME` or `OS_PROJECT_ID`).
    pub project: Project,
    /// The domain name that qualifies a project name (`OS_PROJECT_DOMAIN_NAME`); unused for
    /// [`Project::Id`].
    pub project_domain: String,
}

impl std::fmt::Debug for PasswordLogin {
    // The password never reaches a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordLogin")
            .field("auth_url", &self.auth_url.as_str())
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("user_domain", &self.user_domain)
            .field("project", &self.project)
            .field("project_domain", &self.project_domain)
            .finish()
    }
}

impl PasswordLogin {
    /// `<auth_url>/v3/auth/tokens`, whether `auth_url` ends in `/v3` or not.
    pub fn tokens_url(&self) -> Result<Url, KeystoneError> {
        let mut url = self.auth_url.clone();
        let path = url.path().trim_end_matches('/').to_owned();
        let path = if path.ends_with("/v3") {
            format!("{path}/auth/tokens")
        } else {
            format!("{path}/v3/auth/tokens")
        };
        if url.cannot_be_a_base() {
            return Err(KeystoneError::BadAuthUrl(self.auth_url.to_string()));
        }
        url.set_path(&path);
        Ok(url)
    }

    fn request_body(&self) -> serde_json::Value {
        let project = match &self.project {
            Project::Id(id) => json!({"id": id}),
            Project::Name(name) => json!({"name": name, "domain": {"name": self.project_domain}}),
        };
        json!({"auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {
                    "name": self.username,
                    "domain": {"name": self.user_domain},
                    "password": self.password,
                }},
            },
            "scope": {"project": project},
        }})
    }
}

/// One endpoint of a catalog entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Endpoint {
    /// Who the URL is for: `public`, `internal` or `admin`.
    pub interface: String,
    /// The legacy region name; `None` when the catalog omits it.
    #[serde(default)]
    pub region: Option<String>,
    /// The region's id, matched like `region`; `None` when the catalog omits it.
    #[serde(default)]
    pub region_id: Option<String>,
    /// The service's base URL for this interface and region, unparsed.
    pub url: String,
}

/// One service of a v3 catalog (`token.catalog[]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Service {
    /// The catalog type (JSON `type`), e.g. `compute`, `identity`, `object-store`.
    #[serde(rename = "type")]
    pub service_type: String,
    /// The deployment's own name for the service (e.g. `nova`); `None` when omitted.
    #[serde(default)]
    pub name: Option<String>,
    /// Where the service answers, one entry per interface and region.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// What a login returns: the token, when it expires, and the catalog.
#[derive(Clone)]
pub struct Session {
    /// The token from `X-Subject-Token`, sent as `X-Auth-Token`; redacted from `Debug`.
    pub token: String,
    /// When Keystone says the token expires; `None` when it gave no `expires_at` (never renewed).
    pub expires_at: Option<jiff::Timestamp>,
    /// The service catalog of the scoped token; empty when Keystone sent none.
    pub catalog: Vec<Service>,
}

impl std::fmt::Debug for Session {
    // The token never reaches a log line through `{:?}` (targets are Debug).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("catalog", &self.catalog)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenFields,
}

#[derive(Deserialize)]
struct TokenFields {
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    catalog: Vec<Service>,
}

/// Finds the URL of `service_type` for `interface` (`public`, `internal`, `admin`) in `region`
/// (any region when `None`), as keystoneauth does. Matching `region` accepts either the
/// endpoint's `region_id` or its legacy `region` field.
pub fn find_endpoint(
    catalog: &[Service],
    service_type: &str,
    interface: &str,
    region: Option<&str>,
) -> Result<Url, KeystoneError> {
    let endpoint = catalog
        .iter()
        .filter(|s| s.service_type == service_type)
        .flat_map(|s| &s.endpoints)
        .filter(|e| e.interface == interface)
        .find(|e| {
            region
                .is_none_or(|r| e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r))
        })
        .ok_or_else(|| KeystoneError::NoEndpoint {
            service_type: service_type.to_owned(),
            interface: interface.to_owned(),
            region: region.map(str::to_owned),
        })?;
    Url::parse(&endpoint.url).map_err(|_| KeystoneError::BadEndpoint {
        service_type: service_type.to_owned(),
        url: endpoint.url.clone(),
    })
}

/// Logs in with `login` and returns the token, its expiry and the catalog.
pub async fn login(
    client: &reqwest::Client,
    login: &PasswordLogin,
) -> Result<Session, KeystoneError> {
    let url = login.tokens_url()?;
    let unreachable = |e: reqwest::Error| KeystoneError::Unreachable {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let resp = client
        .post(url.clone())
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(login.request_body().to_string())
        .send()
        .await
        .map_err(unreachable)?;
    let status = resp.status().as_u16();
    let token = resp
        .headers()
        .get(SUBJECT_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.map_err(unreachable)?;
    if status != 201 && status != 200 {
        let body = String::from_utf8_lossy(&bytes);
        return Err(KeystoneError::Refused {
            status,
            body: body.chars().take(300).collect(),
        });
    }
    let token = token.ok_or(KeystoneError::NoToken)?;
    let body: TokenBody =
        serde_json::from_slice(&bytes).map_err(|e| KeystoneError::BadBody(e.to_string()))?;
    let expires_at = body
        .token
        .expires_at
        .map(|t| {
            t.parse::<jiff::Timestamp>()
                .map_err(|e| KeystoneError::BadBody(format!("expires_at `{t}`: {e}")))
        })
        .transpose()?;
    Ok(Session {
        token,
        expires_at,
        catalog: body.token.catalog,
    })
}

/// Password credentials: logs in on first use, caches the token until shortly before it
/// expires, and sends it as `X-Auth-Token`.
pub struct KeystoneAuth {
    login: PasswordLogin,
    session: Mutex<Option<Session>>,
    /// The last token issued, kept apart from the lock so `secrets()` stays synchronous.
    last_token: std::sync::Mutex<Option<String>>,
}

impl KeystoneAuth {
    /// Credentials that log in with `login` on first use; no request is made here.
    pub fn new(login: PasswordLogin) -> Self {
        KeystoneAuth {
            login,
            session: Mutex::new(None),
            last_token: std::sync::Mutex::new(None),
        }
    }

    /// The current session, logging in if there is none or it is about to expire.
    pub async fn session(&self, client: &reqwest::Client) -> Result<Session, KeystoneError> {
        // One lock across the login: concurrent scenarios wait for one login, not race many.
        let mut cached = self.session.lock().await;
        if let Some(s) = cached.as_ref().filter(|s| still_valid(s)) {
            return Ok(s.clone());
        }
        let fresh = login(client, &self.login).await?;
        if let Ok(mut last) = self.last_token.lock() {
            *last = Some(fresh.token.clone());
        }
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

impl std::fmt::Debug for KeystoneAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoneAuth")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

fn still_valid(s: &Session) -> bool {
    let renew = jiff::SignedDuration::try_from(RENEW_BEFORE).unwrap_or_default();
    s.expires_at.is_none_or(|at| {
        jiff::Timestamp::now()
            .checked_add(renew)
            .is_ok_and(|soon| soon < at)
    })
}

impl Auth for KeystoneAuth {
    fn apply<'a>(&'a self, req: &'a mut Prepared, client: &'a reqwest::Client) -> AuthFuture<'a> {
        Box::pin(async move {
            let session = self
                .session(client)
                .await
                .map_err(|e| AuthError::login("Keystone", e))?;
            req.set_header(TOKEN_HEADER, session.token);
            Ok(())
        })
    }

    fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.login.password.clone()];
        if let Some(t) = self.last_token.lock().ok().and_then(|t| t.clone()) {
            out.push(t);
        }
        out
    }

    fn describe(&self) -> String {
        format!(
            "X-Auth-Token from a Keystone password login as `{}` at {}",
            self.login.username, self.login.auth_url
        )
    }
}

/// A fixed token (`OS_TOKEN`), sent as `X-Auth-Token` on every request.
pub struct TokenAuth {
    token: String,
}

impl TokenAuth {
    /// Credentials that send `token` as-is on every request.
    pub fn new(token: impl Into<String>) -> Self {
        TokenAuth {
            token: token.into(),
        }
    }
}

impl std::fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenAuth(<redacted>)")
    }
}

impl Auth for TokenAuth {
    fn apply<'a>(&'a self, req: &'a mut Prepared, _client: &'a reqwest::Client) -> AuthFuture<'a> {
        req.set_header(TOKEN_HEADER, self.token.clone());
        Box::pin(async { Ok(()) })
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.token.clone()]
    }

    fn describe(&self) -> String {
        "X-Auth-Token, a fixed Keystone token (OS_TOKEN)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<Service> {
        serde_json::from_value(json!([
            {"type": "identity", "name": "keystone", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "url": "http://h/identity"}]},
            {"type": "compute", "name": "nova", "endpoints": [
                {"interface": "internal", "region_id": "RegionOne", "url": "http://10.0.0.1/compute/v2.1"},
                {"interface": "public", "region_id": "RegionOne", "url": "http://h/compute/v2.1"},
                {"interface": "public", "region": "RegionTwo", "url": "http://two/compute/v2.1"}]}
        ]))
        .expect("the test catalog parses")
    }

    #[test]
    fn finds_the_endpoint_by_type_and_interface() {
        let url = find_endpoint(&catalog(), "compute", "internal", None).expect("found");
        assert_eq!(url.as_str(), "http://10.0.0.1/compute/v2.1");
        let url = find_endpoint(&catalog(), "compute", "public", None).expect("found");
        assert_eq!(url.as_str(), "http://h/compute/v2.1");
    }

    #[test]
    fn region_matches_region_id_or_the_legacy_region_field() {
        let one = find_endpoint(&catalog(), "compute", "public", Some("RegionOne")).expect("1");
        assert_eq!(one.host_str(), Some("h"));
        let two = find_endpoint(&catalog(), "compute", "public", Some("RegionTwo")).expect("2");
        assert_eq!(two.host_str(), Some("two"));
    }

    #[test]
    fn a_missing_endpoint_says_what_was_asked() {
        let err = find_endpoint(&catalog(), "compute", "admin", Some("RegionOne"))
            .expect_err("no admin endpoint");
        assert_eq!(
            err.to_string(),
            "the service catalog has no `compute` endpoint for interface `admin` in region `RegionOne`"
        );
        assert!(find_endpoint(&catalog(), "volumev3", "public", None).is_err());
    }

    #[test]
    fn tokens_url_accepts_auth_urls_with_or_without_v3() {
        let mut l = PasswordLogin {
            auth_url: Url::parse("http://h/identity").expect("url"),
            username: "u".into(),
            password: "p".into(),
            user_domain: "Default".into(),
            project: Project::Name("demo".into()),
            project_domain: "Default".into(),
        };
        assert_eq!(
            l.tokens_url().expect("url").as_str(),
            "http://h/identity/v3/auth/tokens"
        );
        l.auth_url = Url::parse("http://h:5000/v3/").expect("url");
        assert_eq!(
            l.tokens_url().expect("url").as_str(),
            "http://h:5000/v3/auth/tokens"
        );
        assert!(!format!("{l:?}").contains("\"p\""), "{l:?}");
        let session = Session {
            token: "gAAAA-secret".into(),
            expires_at: None,
            catalog: Vec::new(),
        };
        let auth = KeystoneAuth::new(l);
        assert!(!format!("{session:?} {auth:?}").contains("secret"));
    }

    #[test]
    fn token_auth_sets_the_header_and_reports_its_secret() {
        let auth = TokenAuth::new("gAAAA-secret");
        let mut req = Prepared {
            method: "GET".into(),
            url: Url::parse("http://h/compute/v2.1/servers").expect("url"),
            headers: vec![("X-Auth-Token".into(), "old".into())].into(),
            body: Default::default(),
            operation_id: String::new(),
        };
        let client = reqwest::Client::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(auth.apply(&mut req, &client)).expect("applied");
        assert_eq!(req.header("x-auth-token"), Some("gAAAA-secret"));
        assert_eq!(req.headers.len(), 1);
        assert_eq!(auth.secrets(), vec!["gAAAA-secret".to_owned()]);
    }
}
