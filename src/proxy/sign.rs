//! Signing in the proxy: a [`Signer`] applies a target's own credentials ([`Auth`], as a run
//! applies them) to every request the proxy forwards, so a client that cannot compute the
//! target's signature (a workflow runner, a plain HTTP client) still gets through. The request
//! is first matched to its operation (signers need the `operationId`, which Alibaba's ROA signs
//! as its action), the client's own credential headers are dropped, and the signature is made
//! over the exact method, URL, headers and body that are then sent.
//!
//! A request that matches no operation is forwarded as the client wrote it, unsigned, and its
//! verdict says so ([`UNSIGNED`]). Where the credentials come from is decided by
//! [`credentials`]: the target's (a targets file, a vendor's environment variables), else the
//! built-in mock's test key pair when the target is that mock on this machine.

use std::sync::Arc;

use crate::har::Matcher;
use crate::http::Request;
use crate::targets::{Auth, AuthError, Target};

/// What the verdict of a request forwarded unsigned says, after why it matched nothing.
pub const UNSIGNED: &str =
    "forwarded unsigned: the credentials sign an operation, and this request is none of the spec's";

/// A target's credentials, applied to the requests of one listener.
#[derive(Debug, Clone)]
pub struct Signer {
    auth: Arc<dyn Auth>,
}

/// Why the proxy has no credentials to sign a target's requests with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// Nothing gives credentials for the API, and its target is not its built-in mock.
    #[error(
        "{api}: no credentials to sign with: the target has none (set the vendor's variables in \
         the environment, or give the API a targets-file entry with `auth:`), and `{url}` is \
         not the API's built-in mock on this machine"
    )]
    NoCredentials {
        /// The API whose requests were to be signed.
        api: String,
        /// The target's URL.
        url: String,
    },
}

/// The credentials that sign `api`'s requests to `base`: those of `resolved` (the target as a
/// run resolves it), else, when `base` is on this machine, those of `mock` (the API's built-in
/// mock as a run reaches it: a mock served by `conform mock` accepts only its test key pair).
pub fn credentials(
    api: &str,
    base: &url::Url,
    resolved: Option<&Target>,
    mock: Option<&Target>,
) -> Result<Signer, SignError> {
    if let Some(auth) = resolved.and_then(|t| t.auth.clone()) {
        return Ok(Signer { auth });
    }
    let local = crate::http::is_loopback(base);
    match mock.and_then(|t| t.auth.clone()).filter(|_| local) {
        Some(auth) => Ok(Signer { auth }),
        None => Err(SignError::NoCredentials {
            api: api.to_owned(),
            url: base.to_string(),
        }),
    }
}

impl Signer {
    /// A signer with these credentials.
    pub fn new(auth: Arc<dyn Auth>) -> Self {
        Signer { auth }
    }

    /// Values never to be shown (keys, passwords, tokens).
    pub fn secrets(&self) -> Vec<String> {
        self.auth.secrets()
    }

    /// What signs, with no secret in it.
    pub fn describe(&self) -> String {
        self.auth.describe()
    }

    /// Signs `req` when `matcher` finds its operation (and returns `true`); leaves it as the
    /// client wrote it otherwise. The client's `Authorization` and every header the
    /// credentials' protocol owns are replaced by the signature's.
    pub async fn sign(
        &self,
        req: &mut Request,
        matcher: &Matcher,
        client: &reqwest::Client,
    ) -> Result<bool, AuthError> {
        let operation = match matcher.find(&req.method, &req.url, None) {
            // A template that fits only by a refused value is no operation (the verdict
            // says the same).
            Some(m) if m.refused.is_none() => m.op.id.clone(),
            _ => return Ok(false),
        };
        req.operation_id = operation;
        req.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization") && !self.auth.owns_header(n));
        self.auth.apply(req, client).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_at(base: &url::Url) -> Target {
        crate::mock::target("alibaba-elasticsearch", base)
    }

    #[test]
    fn the_targets_own_credentials_win_and_the_mocks_serve_only_on_this_machine() {
        let local = url::Url::parse("http://127.0.0.1:4/").expect("url");
        let remote =
            url::Url::parse("https://elasticsearch.cn-hangzhou.aliyuncs.com").expect("url");
        let api = "alibaba-elasticsearch";
        let own = crate::vendor::alibaba::AlibabaAuth::new("own-id", "own-secret-1234");
        let mut resolved = Target::new(remote.clone());
        resolved.auth = Some(Arc::new(own));
        let signer = credentials(api, &remote, Some(&resolved), Some(&mock_at(&remote)))
            .expect("the target's own");
        assert_eq!(signer.secrets(), ["own-secret-1234"]);
        let signer = credentials(api, &local, None, Some(&mock_at(&local))).expect("the mock's");
        assert!(signer.describe().contains("conf"), "{}", signer.describe());
        let err = credentials(
            api,
            &remote,
            Some(&Target::new(remote.clone())),
            Some(&mock_at(&remote)),
        )
        .expect_err("a remote host never gets the mock's test key");
        let text = err.to_string();
        assert!(text.contains("no credentials to sign with"), "{text}");
        assert!(
            !text.contains("--"),
            "no flag in the library's words: {text}"
        );
    }
}
