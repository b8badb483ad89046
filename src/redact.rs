//! [`Redactor`]: keeps credentials out of every record, log and report. Records are redacted
//! when they are made, so no later stage can leak what it never receives.

use serde_json::Value;

/// What replaces a secret in records, logs and reports.
pub const MARKER: &str = "<redacted>";

/// Headers whose values are credentials, by whole name.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Words that make any header a credential when its lower-case name contains one:
/// `X-Auth-Token`, `X-API-Key`, `X-Session-Id`, `X-Client-Secret`...
const SECRET_HEADER_WORDS: &[&str] = &["token", "key", "secret", "auth", "session", "password"];

/// Names with such a word that carry no credential: a server's challenge says how to
/// authenticate, and a spec checks its text (`Keystone uri="..."`).
const CHALLENGE_HEADERS: &[&str] = &["www-authenticate", "proxy-authenticate"];

/// Body fields whose values are credentials, by lower-case name.
const SECRET_FIELDS: &[&str] = &[
    "password",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "accesskeysecret",
    "access_key_secret",
    "adminpass",
    "espassword",
    "esadminpassword",
];

#[derive(Debug, Clone, Default)]
/// Scrubs credentials from headers, JSON bodies and text: secret header values, secret-named body fields, and literal secret values (keys, tokens) wherever they appear.
pub struct Redactor {
    /// Literal secret values (keys, tokens) to scrub wherever they appear.
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these literal secrets; values shorter than 4 bytes are ignored (too likely to appear by chance), the rest scrubbed longest first.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret that contains another is scrubbed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// Adds one literal secret (ignored when shorter than 4 bytes or already known).
    pub fn add(&mut self, secret: String) {
        if secret.len() >= 4 && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// This redactor plus `extra` (secrets that appeared during the run, such as a token a
    /// login returned); borrowed when it knows them all already.
    pub fn with(&self, extra: Vec<String>) -> std::borrow::Cow<'_, Redactor> {
        if extra
            .iter()
            .all(|s| s.len() < 4 || self.secrets.contains(s))
        {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut more = self.clone();
        for s in extra {
            more.add(s);
        }
        std::borrow::Cow::Owned(more)
    }

    /// Whether header `name` (any case) carries a credential: `Authorization`,
    /// `Proxy-Authorization`, `Cookie`, `Set-Cookie`, and any name containing token, key,
    /// secret, auth, session or password, but for the challenges `WWW-Authenticate` and
    /// `Proxy-Authenticate`. Erring towards secret costs a value in a report;
    /// the other way leaks a credential.
    pub fn is_secret_header(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        SECRET_HEADERS.contains(&lower.as_str())
            || (!CHALLENGE_HEADERS.contains(&lower.as_str())
                && SECRET_HEADER_WORDS.iter().any(|w| lower.contains(w)))
    }

    /// The value of header `name` as records show it: a secret header becomes [`MARKER`] (keeping a scheme word such as `Bearer`), any other has literal secrets scrubbed.
    pub fn header(&self, name: &str, value: &str) -> String {
        if Self::is_secret_header(name) {
            // Keep the scheme word: "Bearer <redacted>" still tells which auth was used.
            match value.split_once(' ') {
                Some((scheme, _))
                    if scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && scheme.len() < 24 =>
                {
                    format!("{scheme} {MARKER}")
                }
                _ => MARKER.to_owned(),
            }
        } else {
            self.text(value)
        }
    }

    /// Every header's value redacted as by [`Redactor::header`], names and order kept.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), self.header(n, v)))
            .collect()
    }

    /// Learns the credentials one exchange carries, for a stage that holds no credentials of its
    /// own (`conform proxy` sees the client's): the values of secret headers (after a scheme word
    /// such as `Bearer`), and of secret fields in a JSON or form-encoded body. Each becomes a
    /// literal secret, so it is scrubbed wherever it appears next (a token echoed in a URL).
    pub fn learn(&mut self, headers: &[(String, String)], body: &str) {
        for (name, value) in headers {
            if Self::is_secret_header(name) {
                // The whole value, and what follows a scheme word (`Bearer abc` is sent as
                // `abc` elsewhere, a token echoed on its own).
                if let Some((_, rest)) = value.split_once(' ') {
                    self.add(rest.trim().to_owned());
                }
                self.add(value.trim().to_owned());
            }
        }
        match serde_json::from_str::<Value>(body) {
            Ok(v) => self.learn_json(&v),
            Err(_) => {
                for pair in body.split('&') {
                    if let Some((k, v)) = pair.split_once('=')
                        && SECRET_FIELDS.contains(&k.to_ascii_lowercase().as_str())
                    {
                        let decoded = percent_encoding::percent_decode_str(&v.replace('+', " "))
                            .decode_utf8_lossy()
                            .into_owned();
                        self.add(v.to_owned());
                        self.add(decoded);
                    }
                }
            }
        }
    }

    fn learn_json(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.learn_json(v)),
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::String(s)
                            if SECRET_FIELDS.contains(&k.to_ascii_lowercase().as_str()) =>
                        {
                            self.add(s.clone());
                        }
                        _ => self.learn_json(v),
                    }
                }
            }
            _ => {}
        }
    }

    /// Scrubs literal secrets from text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MARKER);
            }
        }
        out
    }

    /// Scrubs secret fields and literal secrets from a JSON value.
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let lower = k.to_ascii_lowercase();
                        if SECRET_FIELDS.contains(&lower.as_str())
                            && !v.is_null()
                            && !v.is_object()
                            && !v.is_array()
                        {
                            (k.clone(), Value::String(MARKER.into()))
                        } else {
                            (k.clone(), self.json(v))
                        }
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Redacts a body given as text: as JSON when it parses, else as text.
    pub fn body(&self, text: &str) -> String {
        match serde_json::from_str::<Value>(text) {
            Ok(v) if v.is_object() || v.is_array() => {
                serde_json::to_string(&self.json(&v)).unwrap_or_else(|_| self.text(text))
            }
            _ => self.text(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_fields_and_literals() {
        let r = Redactor::new(["s3cr3t-key".to_owned()]);
        assert_eq!(
            r.header("Authorization", "Bearer abc.def"),
            "Bearer <redacted>"
        );
        assert_eq!(r.header("X-Auth-Token", "gAAAAB"), "<redacted>");
        assert_eq!(
            r.header("X-Trace", "has s3cr3t-key inside"),
            "has <redacted> inside"
        );
        let body =
            r.json(&json!({"auth": {"password": "hunter2", "user": "u"}, "note": "s3cr3t-key"}));
        assert_eq!(
            body,
            json!({"auth": {"password": "<redacted>", "user": "u"}, "note": "<redacted>"})
        );
    }

    #[test]
    fn a_header_whose_name_says_credential_is_redacted_whatever_its_name() {
        let r = Redactor::default();
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Jupyter-Token",
            "X-API-KEY",
            "X-Client-Secret",
            "X-Session-Id",
            "X-Auth-User",
            "X-Password",
        ] {
            assert!(Redactor::is_secret_header(name), "{name}");
            assert!(!r.header(name, "abc123").contains("abc123"), "{name}");
        }
        assert_eq!(
            r.header("Authorization", "token abc123"),
            "token <redacted>"
        );
        for name in [
            "Accept",
            "X-Request-Id",
            "Content-Type",
            "X-Tenant",
            "WWW-Authenticate",
        ] {
            assert!(!Redactor::is_secret_header(name), "{name}");
        }
    }

    #[test]
    fn an_exchange_teaches_the_secrets_it_carries() {
        let mut r = Redactor::default();
        r.learn(
            &[
                ("X-Auth-Token".into(), "tok-12345".into()),
                ("Authorization".into(), "Bearer abc.def.ghi".into()),
                ("Accept".into(), "application/json".into()),
            ],
            "grant_type=client_credentials&client_secret=s%2Bcret-9&client_id=app",
        );
        r.learn(
            &[],
            r#"{"auth": {"identity": {"password": {"user": {"password": "hunter22"}}}}}"#,
        );
        let echoed = "tok-12345 abc.def.ghi s+cret-9 s%2Bcret-9 hunter22 application/json app";
        assert_eq!(
            r.text(echoed),
            "<redacted> <redacted> <redacted> <redacted> <redacted> application/json app"
        );
    }
}
