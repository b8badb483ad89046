//! [`DeclaredAuth`]: the credentials an API's spec declares (`components.securitySchemes`),
//! attached per operation as its `security` requires: HTTP bearer and basic, an API key in a
//! header, query parameter or cookie, OAuth2 client credentials. The values come from
//! environment variables, named in the targets file or by default after the API
//! (`CONFORM_<API>_TOKEN`, ...: see [`Vars`]).
//!
//! [`resolve`] decides whether an API gets declared credentials: none when none of its
//! variables is set (the step then warns "sent without credentials"), an error when a scheme
//! has half of what it needs (a username without its password).

mod bind;
pub mod entry;
pub mod oauth2;
pub mod scheme;

pub use bind::resolve;

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use self::oauth2::ClientCredentials;
use self::scheme::{KeyIn, Scheme};
use crate::targets::config::Env;
use crate::targets::{Auth, AuthError, AuthFuture, Prepared};

/// The variables an API's credentials are read from: each named in the targets file
/// (`token_env:`, `username_env:`, ...), else `CONFORM_<API>_<WHAT>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vars {
    /// Bearer tokens and API keys.
    pub token: String,
    /// The HTTP basic username.
    pub username: String,
    /// The HTTP basic password, read together with `username`.
    pub password: String,
    /// The OAuth2 client id for the client-credentials flow.
    pub client_id: String,
    /// The OAuth2 client secret, read together with `client_id`.
    pub client_secret: String,
}

/// The variables the targets file names, `None` where it names none.
#[derive(Debug, Clone, Default)]
pub struct Named {
    /// From `token_env:`: the variable holding a bearer token or API key.
    pub token: Option<String>,
    /// From `username_env:`: the variable holding the basic username.
    pub username: Option<String>,
    /// From `password_env:`: the variable holding the basic password.
    pub password: Option<String>,
    /// From `client_id_env:`: the variable holding the OAuth2 client id.
    pub client_id: Option<String>,
    /// From `client_secret_env:`: the variable holding the OAuth2 client secret.
    pub client_secret: Option<String>,
}

impl Vars {
    /// The variable names for `api`: each one `named` gives, else [`default_var`]'s.
    pub fn new(api: &str, named: &Named) -> Self {
        let default = |what: &str| default_var(api, what);
        let pick = |n: &Option<String>, what: &str| n.clone().unwrap_or_else(|| default(what));
        Vars {
            token: pick(&named.token, "TOKEN"),
            username: pick(&named.username, "USERNAME"),
            password: pick(&named.password, "PASSWORD"),
            client_id: pick(&named.client_id, "CLIENT_ID"),
            client_secret: pick(&named.client_secret, "CLIENT_SECRET"),
        }
    }

    /// Whether any of the variables is set: then the user means the API to carry
    /// credentials, and its spec is worth reading.
    pub fn any_set(&self, env: Env<'_>) -> bool {
        [
            &self.token,
            &self.username,
            &self.password,
            &self.client_id,
            &self.client_secret,
        ]
        .iter()
        .any(|v| env(v).is_some())
    }

    /// The variables `scheme` reads.
    fn of(&self, scheme: &Scheme) -> Vec<&str> {
        match scheme {
            Scheme::Bearer | Scheme::ApiKey { .. } | Scheme::GivenToken(_) => vec![&self.token],
            Scheme::Basic => vec![&self.username, &self.password],
            Scheme::ClientCredentials { .. } => vec![&self.client_id, &self.client_secret],
            Scheme::MutualTls | Scheme::Unsupported(_) => Vec::new(),
        }
    }
}

/// `CONFORM_<API>_<WHAT>`: the API name upper-cased, every character other than a letter or
/// digit (such as `-`) as `_`, so that any API name gives a valid variable name.
pub fn default_var(api: &str, what: &str) -> String {
    let api: String = api
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CONFORM_{api}_{what}")
}

/// Why declared credentials cannot be set up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeclaredError {
    /// `auth: declared` was asked for, but no operation requires a security scheme.
    #[error("the spec declares no security scheme that an operation requires")]
    NoSchemes,
    /// `auth: declared` was asked for, but none of the variables the used schemes read is set;
    /// holds their names, comma-separated.
    #[error("none of the credential variables is set: {0}")]
    NothingSet(String),
    /// A scheme has some of its variables set but not all (a username without its password).
    #[error("scheme `{scheme}` ({label}): {set} is set, but {missing} is not")]
    Partial {
        /// The scheme's name in `components.securitySchemes`.
        scheme: String,
        /// What kind of scheme it is, as [`Scheme::label`] words it.
        label: String,
        /// The variables that are set, comma-separated.
        set: String,
        /// The variables that are not, comma-separated.
        missing: String,
    },
    /// An OAuth2 client-credentials scheme's `tokenUrl` is not a usable http(s) URL.
    #[error("scheme `{scheme}`: {reason}")]
    TokenUrl {
        /// The scheme's name in `components.securitySchemes`.
        scheme: String,
        /// What is wrong with the URL.
        reason: scheme::TokenUrlError,
    },
}

/// The credential of one scheme, as read from the environment.
enum Credential {
    /// A bearer token or an API key.
    Token(String),
    Basic {
        username: String,
        password: String,
    },
    Client(ClientCredentials),
    /// Nothing in the request: the connection carries it (mutual TLS).
    Connection,
}

/// A scheme the spec declares, with its credential or why it has none.
struct Bound {
    scheme: Scheme,
    vars: Vec<String>,
    credential: Result<Credential, Lack>,
}

/// Why a scheme has no credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Lack {
    /// The scheme is one conform cannot send (its label says which).
    #[error("conform cannot send {0}")]
    Unsupported(String),
    /// None of its variables is set.
    #[error("{} {} not set", .0.join(" and "), if .0.len() == 1 { "is" } else { "are" })]
    Unset(Vec<String>),
    /// Its variables do not make a credential of its kind.
    #[error("no credential")]
    Unusable,
}

/// One alternative of an operation's `security`: the schemes it needs, with their scopes.
type Alternative = BTreeMap<String, Vec<String>>;

/// The spec's schemes with their credentials, and the alternatives of each operation that
/// requires any.
pub struct DeclaredAuth {
    schemes: BTreeMap<String, Bound>,
    operations: BTreeMap<String, Vec<Alternative>>,
}

// Written by hand so no credential reaches a log through `{:?}`.
impl fmt::Debug for DeclaredAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeclaredAuth")
            .field("schemes", &self.schemes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl DeclaredAuth {
    /// Attaches the first alternative of the operation's `security` whose every scheme has
    /// its credentials (a spec often offers several, such as basic or bearer); with none,
    /// nothing when the spec allows anonymous access (`{}`), else an error naming what each
    /// alternative lacks.
    async fn attach(&self, req: &mut Prepared, client: &reqwest::Client) -> Result<(), AuthError> {
        // An operation the spec does not know, or one that requires nothing, goes as it is.
        let Some(alternatives) = self.operations.get(&req.operation_id) else {
            return Ok(());
        };
        match self.usable(alternatives) {
            Some(alt) => self.send(alt, req, client).await,
            None if alternatives.iter().any(BTreeMap::is_empty) => Ok(()),
            None => Err(AuthError::Unmet {
                operation: req.operation_id.clone(),
                lacks: self.unmet(alternatives),
            }),
        }
    }

    /// The first alternative that requires something and has every credential it needs.
    fn usable<'a>(&self, alternatives: &'a [Alternative]) -> Option<&'a Alternative> {
        alternatives.iter().find(|alt| {
            !alt.is_empty()
                && alt
                    .keys()
                    .all(|n| self.schemes.get(n).is_some_and(|b| b.credential.is_ok()))
        })
    }

    /// One scheme in words, with where its credential comes from or why it has none.
    fn described(&self, name: &str) -> String {
        let Some(b) = self.schemes.get(name) else {
            return format!("`{name}`");
        };
        match &b.credential {
            Ok(_) if b.vars.is_empty() => format!("`{name}`: {}", b.scheme.label()),
            Ok(_) => format!("`{name}`: {} ({})", b.scheme.label(), b.vars.join(", ")),
            Err(why) => format!("`{name}`: {} ({why})", b.scheme.label()),
        }
    }

    /// What each alternative lacks: "scheme `a` (HTTP basic): X is not set; or ...".
    fn unmet(&self, alternatives: &[Alternative]) -> String {
        let each: Vec<String> = alternatives
            .iter()
            .map(|alt| {
                let lacks: Vec<String> = alt
                    .keys()
                    .filter_map(|name| match self.schemes.get(name) {
                        Some(Bound {
                            credential: Ok(_), ..
                        }) => None,
                        Some(b) => {
                            let why = b.credential.as_ref().err().map(Lack::to_string);
                            let why = why.unwrap_or_default();
                            Some(format!("scheme `{name}` ({}): {why}", b.scheme.label()))
                        }
                        None => Some(format!("scheme `{name}`, which the spec does not declare")),
                    })
                    .collect();
                lacks.join(", and ")
            })
            .collect();
        each.join("; or ")
    }

    /// Attaches every scheme of `alt`, each of which has its credentials.
    async fn send(
        &self,
        alt: &Alternative,
        req: &mut Prepared,
        client: &reqwest::Client,
    ) -> Result<(), AuthError> {
        for (name, scopes) in alt {
            let Some(Bound {
                scheme,
                credential: Ok(credential),
                ..
            }) = self.schemes.get(name)
            else {
                continue;
            };
            match (credential, scheme) {
                (Credential::Token(t), Scheme::ApiKey { location, name }) => {
                    put_key(req, *location, name, t);
                }
                (Credential::Token(t), _) => req.set_header("Authorization", format!("Bearer {t}")),
                (Credential::Basic { username, password }, _) => {
                    req.set_header("Authorization", basic(username, password));
                }
                (Credential::Connection, _) => {}
                (Credential::Client(c), _) => {
                    let token = c
                        .token(client, scopes)
                        .await
                        .map_err(|e| AuthError::Grant {
                            scheme: name.clone(),
                            source: Box::new(e),
                        })?;
                    req.set_header("Authorization", format!("Bearer {token}"));
                }
            }
        }
        Ok(())
    }
}

/// `Basic base64(username:password)` (RFC 7617).
fn basic(username: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{username}:{password}")))
}

/// Puts an API key where its scheme says, replacing any value the step gave.
fn put_key(req: &mut Prepared, location: KeyIn, name: &str, key: &str) {
    match location {
        KeyIn::Header => req.set_header(name, key),
        KeyIn::Query => {
            let kept: Vec<(String, String)> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k != name)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut pairs = req.url.query_pairs_mut();
            pairs.clear();
            pairs.extend_pairs(kept);
            pairs.append_pair(name, key);
        }
        KeyIn::Cookie => {
            let mut cookies: Vec<String> = req
                .header("Cookie")
                .into_iter()
                .flat_map(|c| c.split(';'))
                .map(str::trim)
                .filter(|c| !c.is_empty() && c.split('=').next() != Some(name))
                .map(str::to_owned)
                .collect();
            cookies.push(format!("{name}={key}"));
            req.set_header("Cookie", cookies.join("; "));
        }
    }
}

impl Auth for DeclaredAuth {
    fn apply<'a>(&'a self, req: &'a mut Prepared, client: &'a reqwest::Client) -> AuthFuture<'a> {
        Box::pin(self.attach(req, client))
    }

    fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for bound in self.schemes.values() {
            match &bound.credential {
                Ok(Credential::Token(t)) => {
                    out.push(t.clone());
                    // A key in a query string is recorded percent-encoded in the URL.
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(t.as_bytes()).collect();
                    if &encoded != t {
                        out.push(encoded);
                    }
                }
                Ok(Credential::Basic { username, password }) => {
                    out.push(password.clone());
                    out.push(basic(username, password)["Basic ".len()..].to_owned());
                }
                Ok(Credential::Client(c)) => out.extend(c.secrets()),
                Ok(Credential::Connection) | Err(_) => {}
            }
        }
        out
    }

    fn describe_for(&self, operation_id: &str) -> String {
        let Some(alternatives) = self.operations.get(operation_id) else {
            return "none (the operation requires none)".into();
        };
        match self.usable(alternatives) {
            Some(alt) => {
                let each: Vec<String> = alt.keys().map(|n| self.described(n)).collect();
                format!("declared by the spec: {}", each.join(" and "))
            }
            None if alternatives.iter().any(BTreeMap::is_empty) => {
                "none (the spec allows the operation without credentials)".into()
            }
            None => format!(
                "none: `{operation_id}` requires {}",
                self.unmet(alternatives)
            ),
        }
    }

    fn describe(&self) -> String {
        let each: Vec<String> = self.schemes.keys().map(|n| self.described(n)).collect();
        format!("declared by the spec, per operation: {}", each.join("; "))
    }
}

#[cfg(test)]
mod tests;
