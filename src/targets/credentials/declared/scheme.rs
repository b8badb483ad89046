//! [`Scheme`]: one entry of a spec's `components.securitySchemes`, read into what conform can
//! send (HTTP bearer and basic, an API key, OAuth2 client credentials), or why it cannot.

use reqwest::Url;
use serde_json::Value;

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyIn {
    /// `in: header`: a request header named after the scheme's `name`.
    Header,
    /// `in: query`: a query parameter of the URL.
    Query,
    /// `in: cookie`: one pair of the `Cookie` header.
    Cookie,
}

/// A security scheme as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// `type: http, scheme: bearer`.
    Bearer,
    /// `type: http, scheme: basic`.
    Basic,
    /// `type: apiKey`, with the header, query parameter or cookie name.
    ApiKey {
        /// The scheme's `in`.
        location: KeyIn,
        /// The scheme's `name`: the header, parameter or cookie the key goes in.
        name: String,
    },
    /// `type: oauth2` with a `clientCredentials` flow; the token URL as written (it may be
    /// relative to the target's base URL).
    ClientCredentials {
        /// The flow's `tokenUrl`, absolute or relative to the target's base URL.
        token_url: String,
    },
    /// `type: oauth2` with only flows that need a person at a browser, or `openIdConnect`:
    /// what they yield is a bearer token, which the user obtains elsewhere and gives (the
    /// flow or scheme in words).
    GivenToken(String),
    /// `type: mutualTLS`: the client certificate `--cert` gives the connection; nothing to
    /// add to the request.
    MutualTls,
    /// Anything else (digest, an API key in a body): why conform cannot send it.
    Unsupported(String),
}

impl Scheme {
    /// Reads one scheme object.
    pub fn parse(value: &Value) -> Scheme {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        match text("type") {
            Some("http") => match text("scheme").map(str::to_ascii_lowercase).as_deref() {
                Some("bearer") => Scheme::Bearer,
                Some("basic") => Scheme::Basic,
                Some(other) => Scheme::Unsupported(format!("HTTP `{other}` authentication")),
                None => Scheme::Unsupported("an HTTP scheme without `scheme:`".into()),
            },
            Some("apiKey") => {
                let location = match text("in") {
                    Some("header") => KeyIn::Header,
                    Some("query") => KeyIn::Query,
                    Some("cookie") => KeyIn::Cookie,
                    other => {
                        return Scheme::Unsupported(format!(
                            "an API key `in: {}` (not header, query or cookie)",
                            other.unwrap_or("?")
                        ));
                    }
                };
                match text("name").filter(|n| !n.is_empty()) {
                    Some(name) => Scheme::ApiKey {
                        location,
                        name: name.to_owned(),
                    },
                    None => Scheme::Unsupported("an API key without `name:`".into()),
                }
            }
            Some("oauth2") => match value
                .pointer("/flows/clientCredentials/tokenUrl")
                .and_then(Value::as_str)
            {
                Some(url) => Scheme::ClientCredentials {
                    token_url: url.to_owned(),
                },
                None => {
                    let flows: Vec<&str> = value
                        .get("flows")
                        .and_then(Value::as_object)
                        .map(|f| f.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    Scheme::GivenToken(match flows.as_slice() {
                        [] => "OAuth2".to_owned(),
                        some => format!("OAuth2 {}", some.join("/")),
                    })
                }
            },
            Some("openIdConnect") => Scheme::GivenToken("OpenID Connect".into()),
            Some("mutualTLS") => Scheme::MutualTls,
            Some(other) => Scheme::Unsupported(format!("`type: {other}`")),
            None => Scheme::Unsupported("a scheme without `type:`".into()),
        }
    }

    /// The scheme in words, for `--dry-run` and errors.
    pub fn label(&self) -> String {
        match self {
            Scheme::Bearer => "HTTP bearer".into(),
            Scheme::Basic => "HTTP basic".into(),
            Scheme::ApiKey { location, name } => {
                let at = match location {
                    KeyIn::Header => "header",
                    KeyIn::Query => "query parameter",
                    KeyIn::Cookie => "cookie",
                };
                format!("API key in {at} `{name}`")
            }
            Scheme::ClientCredentials { token_url } => {
                format!("OAuth2 client credentials from {token_url}")
            }
            Scheme::GivenToken(what) => format!("{what}, a bearer token obtained elsewhere"),
            Scheme::MutualTls => "mutual TLS, with the run's client certificate".into(),
            Scheme::Unsupported(why) => why.clone(),
        }
    }
}

/// Why a flow's token URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenUrlError {
    /// The `tokenUrl` parses neither as an absolute URL nor joined to the base URL.
    #[error("token URL `{written}`: {reason}")]
    NotAUrl {
        /// The `tokenUrl` as the spec writes it.
        written: String,
        /// Why it does not parse.
        reason: url::ParseError,
    },
    /// The resolved URL's scheme is neither `http` nor `https`; holds the `tokenUrl` as written.
    #[error("token URL `{0}` is not http or https")]
    Scheme(String),
}

/// The token URL of a flow, resolved against the target's base URL when relative (OpenAPI
/// allows URLs relative to the server).
pub fn token_url(written: &str, base: &Url) -> Result<Url, TokenUrlError> {
    let not_a_url = |reason| TokenUrlError::NotAUrl {
        written: written.to_owned(),
        reason,
    };
    let url = match Url::parse(written) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => base.join(written).map_err(not_a_url)?,
        Err(e) => return Err(not_a_url(e)),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TokenUrlError::Scheme(written.to_owned()));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_supported_kind_is_read() {
        assert_eq!(
            Scheme::parse(&json!({"type": "http", "scheme": "Bearer"})),
            Scheme::Bearer
        );
        assert_eq!(
            Scheme::parse(&json!({"type": "http", "scheme": "basic"})),
            Scheme::Basic
        );
        assert_eq!(
            Scheme::parse(&json!({"type": "apiKey", "in": "query", "name": "api_key"})),
            Scheme::ApiKey {
                location: KeyIn::Query,
                name: "api_key".into()
            }
        );
        assert_eq!(
            Scheme::parse(
                &json!({"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}}})
            ),
            Scheme::ClientCredentials {
                token_url: "/token".into()
            }
        );
    }

    #[test]
    fn what_cannot_be_sent_says_why() {
        for (v, says) in [
            (json!({"type": "http", "scheme": "digest"}), "digest"),
            (json!({"type": "apiKey", "in": "body", "name": "k"}), "body"),
            (json!({"type": "apiKey", "in": "header"}), "name"),
            (json!({"type": "mutualTLS2"}), "mutualTLS2"),
            (json!({}), "type"),
        ] {
            match Scheme::parse(&v) {
                Scheme::Unsupported(why) => assert!(why.contains(says), "{why}"),
                other => panic!("{v} read as {other:?}"),
            }
        }
    }

    #[test]
    fn flows_that_need_a_browser_take_a_token_given() {
        assert_eq!(
            Scheme::parse(
                &json!({"type": "oauth2", "flows": {"authorizationCode": {}, "implicit": {}}})
            ),
            Scheme::GivenToken("OAuth2 authorizationCode/implicit".into())
        );
        let oidc =
            Scheme::parse(&json!({"type": "openIdConnect", "openIdConnectUrl": "https://x/"}));
        assert_eq!(
            oidc.label(),
            "OpenID Connect, a bearer token obtained elsewhere"
        );
    }

    #[test]
    fn a_relative_token_url_is_joined_to_the_target() {
        let base = Url::parse("http://127.0.0.1:9/api/").expect("a URL");
        assert_eq!(
            token_url("/oauth/token", &base).expect("joined").as_str(),
            "http://127.0.0.1:9/oauth/token"
        );
        assert_eq!(
            token_url("https://id.example/t", &base)
                .expect("absolute")
                .as_str(),
            "https://id.example/t"
        );
        assert!(token_url("ftp://x/t", &base).is_err());
    }
}
