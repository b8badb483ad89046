//! Credentials for Alibaba Cloud targets: [`AlibabaAuth`] signs every request with ROA signature
//! v1 (HMAC-SHA1) or v3 (ACS3-HMAC-SHA256, the current SDKs' default and ours), adding the
//! common headers (`x-acs-version`, `x-acs-action`, `x-acs-signature-nonce`, ...) first.
//!
//! The algorithms are pure functions in [`super::sign`]; the gateway's side, which checks them,
//! lives with the reference mock (`mock::alibaba::signature`). Both are tested against real
//! requests of the official Python SDK.

use std::fmt;

use jiff::Timestamp;

use super::sign;
use crate::targets::{Auth, AuthFuture, Prepared};

/// The API version of Alibaba Cloud Elasticsearch, sent as `x-acs-version`.
pub const API_VERSION: &str = "2017-06-13";

/// Environment variables of the Alibaba Cloud ecosystem (the SDKs and CLI read the same).
/// The access key id.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The access key secret.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The STS security token, for temporary credentials (optional).
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// Which signature scheme [`AlibabaAuth`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// ROA v1: `Authorization: acs AKID:Base64(HMAC-SHA1)`.
    V1,
    /// v3: `Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...`.
    #[default]
    V3,
}

/// Why Alibaba credentials cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    #[error("{0} is not set (the Alibaba Cloud access key comes from the environment)")]
    /// The named environment variable is unset.
    Missing(&'static str),
}

/// Signs requests with an access key pair (and an STS token for temporary credentials).
#[derive(Clone)]
pub struct AlibabaAuth {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
    version: SignatureVersion,
}

// By hand, so the secret and the token never reach a log through `{:?}`.
impl fmt::Debug for AlibabaAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlibabaAuth")
            .field("access_key_id", &self.access_key_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl AlibabaAuth {
    /// Signature v3 with a long-term access key pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        AlibabaAuth {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            version: SignatureVersion::default(),
        }
    }

    /// From `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, when set,
    /// `ALIBABA_CLOUD_SECURITY_TOKEN`.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`AlibabaAuth::from_env`], reading variables through `get`; empty counts as unset.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let var = |name: &'static str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or(CredentialsError::Missing(name))
        };
        let auth = AlibabaAuth::new(var(ENV_ACCESS_KEY_ID)?, var(ENV_ACCESS_KEY_SECRET)?);
        Ok(match var(ENV_SECURITY_TOKEN) {
            Ok(token) => auth.with_security_token(token),
            Err(_) => auth,
        })
    }

    /// Temporary (STS) credentials: the token travels as `x-acs-security-token`, signed.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Signs with `version` instead of the default v3.
    pub fn with_version(mut self, version: SignatureVersion) -> Self {
        self.version = version;
        self
    }

    /// The access key id the requests are signed with (not secret; the secret is not exposed).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// Signs `req` as of `at` with `nonce`: deterministic, for tests against known requests.
    ///
    /// An `Authorization` the request already carries (a scenario's step header, for a
    /// deliberately bad signature) is kept: the common headers are still added, so the
    /// request differs from a good one by its signature alone.
    pub fn sign_at(&self, req: &mut Prepared, at: Timestamp, nonce: &str) {
        let keep = req.header("authorization").map(str::to_owned);
        req.set_header("x-acs-version", API_VERSION);
        // The spec's operationIds are the service's action names, as the SDK sends them
        // (`createInstance` is lower-camel there too).
        let action = req.operation_id.clone();
        req.set_header("x-acs-action", action);
        req.set_header("x-acs-signature-nonce", nonce);
        if let Some(token) = &self.security_token {
            req.set_header("x-acs-security-token", token.as_str());
        }
        let query: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let authorization = match self.version {
            SignatureVersion::V1 => {
                req.set_header("Date", at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string());
                req.set_header("x-acs-signature-method", "HMAC-SHA1");
                req.set_header("x-acs-signature-version", "1.0");
                if !req.body.is_empty() {
                    req.set_header("Content-MD5", sign::content_md5(&req.body));
                }
                let sts =
                    sign::v1_string_to_sign(&req.method, &req.headers, req.url.path(), &query);
                format!(
                    "acs {}:{}",
                    self.access_key_id,
                    sign::v1_signature(&self.access_key_secret, &sts)
                )
            }
            SignatureVersion::V3 => {
                req.set_header("x-acs-date", at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
                req.set_header("x-acs-content-sha256", sign::content_sha256(&req.body));
                // The HTTP client sends `Host` from the URL; it is signed as the client will
                // write it (the port only when it is not the scheme's default).
                let mut headers = req.headers.clone();
                if req.header("host").is_none() {
                    headers.push(("host".into(), host_of(&req.url)));
                }
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
                let mut signed: Vec<String> = headers
                    .iter()
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect();
                signed.sort();
                signed.dedup();
                let canonical = sign::v3_canonical_request(
                    &req.method,
                    req.url.path(),
                    &query,
                    &headers,
                    &signed,
                    &sign::content_sha256(&req.body),
                );
                let sts = sign::v3_string_to_sign(&canonical);
                format!(
                    "{} Credential={},SignedHeaders={},Signature={}",
                    sign::V3_ALGORITHM,
                    self.access_key_id,
                    signed.join(";"),
                    sign::v3_signature(&self.access_key_secret, &sts)
                )
            }
        };
        req.set_header("Authorization", keep.unwrap_or(authorization));
    }
}

fn host_of(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

impl Auth for AlibabaAuth {
    fn apply<'a>(&'a self, req: &'a mut Prepared, _client: &'a reqwest::Client) -> AuthFuture<'a> {
        Box::pin(async move {
            let nonce = uuid::Uuid::new_v4().simple().to_string();
            self.sign_at(req, Timestamp::now(), &nonce);
            Ok(())
        })
    }

    fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.access_key_secret.clone()];
        out.extend(self.security_token.clone());
        out
    }

    /// Every `x-acs-*` header and the ROA v1 signature's `Date` and `Content-MD5`: the two
    /// signature versions share them, and each signer sets only its own.
    fn owns_header(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        name.starts_with("x-acs-") || matches!(name.as_str(), "date" | "content-md5")
    }

    fn describe(&self) -> String {
        let scheme = match self.version {
            SignatureVersion::V1 => "Alibaba ROA signature v1 (HMAC-SHA1)",
            SignatureVersion::V3 => "Alibaba signature v3 (ACS3-HMAC-SHA256)",
        };
        let sts = if self.security_token.is_some() {
            ", with an STS security token"
        } else {
            ""
        };
        // The id is not the secret, but it names an account: its start is enough to tell keys apart.
        let id: String = self.access_key_id.chars().take(4).collect();
        format!("{scheme}, access key id {id}…{sts}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(op: &str, url: &str) -> Prepared {
        Prepared {
            operation_id: op.into(),
            method: "POST".into(),
            url: reqwest::Url::parse(url).expect("test URL"),
            headers: vec![("Accept".into(), "application/json".into())].into(),
            body: Default::default(),
        }
    }

    #[test]
    fn credentials_come_from_the_ecosystem_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let long_term = AlibabaAuth::from_vars(vars(&[
            (ENV_ACCESS_KEY_ID, "id"),
            (ENV_ACCESS_KEY_SECRET, "secret"),
            (ENV_SECURITY_TOKEN, ""),
        ]))
        .expect("a key pair");
        assert_eq!(long_term.access_key_id(), "id");
        assert_eq!(long_term.secrets(), vec!["secret".to_owned()]);
        let sts = AlibabaAuth::from_vars(vars(&[
            (ENV_ACCESS_KEY_ID, "id"),
            (ENV_ACCESS_KEY_SECRET, "secret"),
            (ENV_SECURITY_TOKEN, "token"),
        ]))
        .expect("STS credentials");
        assert_eq!(sts.secrets(), vec!["secret".to_owned(), "token".to_owned()]);
        assert_eq!(
            AlibabaAuth::from_vars(vars(&[(ENV_ACCESS_KEY_ID, "id")])).map(|_| ()),
            Err(CredentialsError::Missing(ENV_ACCESS_KEY_SECRET))
        );
    }

    #[test]
    fn a_scenario_authorization_is_kept_and_the_rest_still_signed() {
        let mut req = prepared("CancelDeletion", "http://127.0.0.1:1/p");
        req.set_header("Authorization", "acs k:bad");
        AlibabaAuth::new("k", "s").sign_at(&mut req, Timestamp::UNIX_EPOCH, "n");
        assert_eq!(req.header("authorization"), Some("acs k:bad"));
        assert_eq!(req.header("x-acs-action"), Some("CancelDeletion"));
        assert!(req.header("x-acs-date").is_some());
    }

    #[test]
    fn sts_token_is_sent_and_both_secrets_are_redacted() {
        let auth = AlibabaAuth::new("k", "s").with_security_token("sts-value");
        let mut req = prepared("CancelDeletion", "http://127.0.0.1:1/p");
        auth.sign_at(&mut req, Timestamp::UNIX_EPOCH, "n");
        assert_eq!(req.header("x-acs-security-token"), Some("sts-value"));
        assert_eq!(auth.secrets(), vec!["s".to_owned(), "sts-value".to_owned()]);
        let debug = format!("{auth:?}");
        assert!(
            !debug.contains("sts-value") && !debug.contains("\"s\""),
            "{debug}"
        );
    }

    #[test]
    fn v1_sends_content_md5_with_a_body() {
        let mut req = prepared("createInstance", "http://127.0.0.1:1/openapi/instances");
        req.body = b"{}".to_vec().into();
        AlibabaAuth::new("k", "s")
            .with_version(SignatureVersion::V1)
            .sign_at(&mut req, Timestamp::UNIX_EPOCH, "n");
        assert_eq!(req.header("content-md5"), Some("mZFLkyvTelC5g8XnyQrpOw=="));
        assert_eq!(req.header("date"), Some("Thu, 01 Jan 1970 00:00:00 GMT"));
        assert!(
            req.header("authorization")
                .is_some_and(|a| a.starts_with("acs k:"))
        );
    }
}
