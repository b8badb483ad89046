//! [`ClientCredentials`]: the OAuth 2.0 client credentials grant (RFC 6749 §4.4). A token is
//! fetched from the flow's token URL on first use, per scope set, kept until shortly before its
//! `expires_in`, then fetched again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Url;
use serde_json::Value;

/// How long before its expiry a token is replaced: a request must not leave with a token that
/// lapses on the way. A token that lives no longer than this is fetched for every request.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30);

/// How long a token request may take: a token server that hangs should fail the step.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token request got no response: connection, TLS, body read, or the 30 s timeout.
    #[error("cannot reach the token URL {url}: {source}")]
    Unreachable {
        /// The token URL the request was posted to.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The token server answered with a status outside 2xx.
    #[error("the token URL {url} answered {status}: {body}")]
    Status {
        /// The token URL the request was posted to.
        url: String,
        /// The HTTP status code of the answer.
        status: u16,
        /// The answer's first 300 bytes, lossily decoded as UTF-8.
        body: String,
    },
    /// The token server answered 2xx, but not with a bearer token conform can use.
    #[error("the token URL {url} answered no usable token: {reason}")]
    BadAnswer {
        /// The token URL the request was posted to.
        url: String,
        /// What is wrong with the answer.
        reason: AnswerError,
    },
}

/// What is wrong with a token response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The body does not parse as JSON; holds the parser's message.
    #[error("not JSON ({0})")]
    NotJson(String),
    /// `access_token` is missing, not a string, or empty.
    #[error("no `access_token`")]
    NoAccessToken,
    /// `token_type` names something other than `bearer` (compared case-insensitively); holds it.
    #[error("`token_type: {0}` is not bearer")]
    NotBearer(String),
    /// `expires_in` is present but neither a whole number of seconds nor a string holding one.
    #[error("`expires_in` is not a number of seconds")]
    BadLifetime,
}

/// A token and when it stops being usable.
#[derive(Clone)]
struct Token {
    value: String,
    /// `None`: the server gave no `expires_in`, so the token is kept for the run.
    expires: Option<Instant>,
}

impl Token {
    fn is_fresh(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| now + RENEW_BEFORE < at)
    }
}

/// A client's credentials at one token URL, and the tokens they obtained.
pub struct ClientCredentials {
    token_url: Url,
    client_id: String,
    client_secret: String,
    /// Tokens by their scope set (sorted, space-joined). One lock across a fetch, so that
    /// concurrent scenarios wait for one token rather than each fetching their own.
    cache: tokio::sync::Mutex<BTreeMap<String, Token>>,
    /// Every token issued, kept apart from the async lock so `secrets()` stays synchronous.
    issued: std::sync::Mutex<Vec<String>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &crate::redact::MARKER)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// The credentials of client `client_id` at `token_url`; no token is fetched until
    /// [`ClientCredentials::token`] is called.
    pub fn new(token_url: Url, client_id: String, client_secret: String) -> Self {
        ClientCredentials {
            token_url,
            client_id,
            client_secret,
            cache: tokio::sync::Mutex::new(BTreeMap::new()),
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Where tokens are fetched from (the flow's `tokenUrl`, already resolved to absolute).
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// The client secret and every token issued so far.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.client_secret.clone()];
        if let Ok(issued) = self.issued.lock() {
            out.extend(issued.iter().cloned());
        }
        out
    }

    /// A token for `scopes`, from the cache while it is fresh, else from the token URL.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        scopes: &[String],
    ) -> Result<String, TokenError> {
        let mut key: Vec<&str> = scopes.iter().map(String::as_str).collect();
        key.sort_unstable();
        key.dedup();
        let key = key.join(" ");
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.get(&key).filter(|t| t.is_fresh(Instant::now())) {
            return Ok(t.value.clone());
        }
        let asked = Instant::now();
        let (value, lifetime) = self.fetch(client, &key).await?;
        if let Ok(mut issued) = self.issued.lock() {
            issued.push(value.clone());
        }
        // The lifetime counts from when the token was asked for: the answer's travel time is
        // already spent.
        let token = Token {
            value: value.clone(),
            expires: lifetime.map(|l| asked + l),
        };
        cache.insert(key, token);
        Ok(value)
    }

    /// `POST token_url` with `grant_type=client_credentials` (and `scope`) as a form, the client
    /// authenticated with HTTP basic as RFC 6749 §2.3.1 prefers (id and secret form-encoded
    /// first, as that section says).
    async fn fetch(
        &self,
        client: &reqwest::Client,
        scope: &str,
    ) -> Result<(String, Option<Duration>), TokenError> {
        let url = self.token_url.to_string();
        // Built in a block: the serializer is not `Send` and must not live across the await.
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !scope.is_empty() {
                form.append_pair("scope", scope);
            }
            form.finish()
        };
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = BASE64.encode(format!(
            "{}:{}",
            encode(&self.client_id),
            encode(&self.client_secret)
        ));
        let unreachable = |source| TokenError::Unreachable {
            url: url.clone(),
            source,
        };
        let resp = client
            .post(self.token_url.clone())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .header("Authorization", format!("Basic {basic}"))
            .body(form)
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(unreachable)?;
        if !(200..300).contains(&status) {
            return Err(TokenError::Status {
                url,
                status,
                body: String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
            });
        }
        parse_answer(&body).map_err(|reason| TokenError::BadAnswer { url, reason })
    }
}

/// The token and its lifetime from a token response (RFC 6749 §5.1).
fn parse_answer(body: &[u8]) -> Result<(String, Option<Duration>), AnswerError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| AnswerError::NotJson(e.to_string()))?;
    let token = v
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or(AnswerError::NoAccessToken)?;
    match v.get("token_type").and_then(Value::as_str) {
        // RFC 6749 requires `token_type`; a server that leaves it out means a bearer token.
        None => {}
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        Some(other) => return Err(AnswerError::NotBearer(other.to_owned())),
    }
    // Some servers send the number as a string.
    let lifetime = match v.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    if v.get("expires_in").is_some_and(|e| !e.is_null()) && lifetime.is_none() {
        return Err(AnswerError::BadLifetime);
    }
    Ok((token.to_owned(), lifetime.map(Duration::from_secs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_replaced_shortly_before_it_expires() {
        let now = Instant::now();
        let t = |secs| Token {
            value: "t".into(),
            expires: Some(now + Duration::from_secs(secs)),
        };
        assert!(t(3600).is_fresh(now));
        assert!(!t(3600).is_fresh(now + Duration::from_secs(3600 - 29)));
        assert!(
            !t(10).is_fresh(now),
            "shorter than the margin: fetched again"
        );
        let forever = Token {
            value: "t".into(),
            expires: None,
        };
        assert!(forever.is_fresh(now + Duration::from_secs(1_000_000)));
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            parse_answer(br#"{"access_token":"abc","token_type":"Bearer","expires_in":60}"#),
            Ok(("abc".into(), Some(Duration::from_secs(60))))
        );
        assert_eq!(
            parse_answer(br#"{"access_token":"abc","expires_in":"60"}"#),
            Ok(("abc".into(), Some(Duration::from_secs(60))))
        );
        assert_eq!(
            parse_answer(br#"{"access_token":"abc"}"#),
            Ok(("abc".into(), None))
        );
        for (bad, says) in [
            (&b"<html>"[..], "JSON"),
            (br#"{"token_type":"bearer"}"#, "access_token"),
            (br#"{"access_token":"a","token_type":"mac"}"#, "mac"),
            (br#"{"access_token":"a","expires_in":"soon"}"#, "expires_in"),
        ] {
            let e = parse_answer(bad).expect_err("refused").to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
