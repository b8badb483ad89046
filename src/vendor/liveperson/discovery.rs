//! LivePerson's domain discovery ([`discover_base_url`]): an account's services live on
//! per-account hosts that the CSDS (Client Service Domain Service) names, so a target is found,
//! not configured.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::targets::Target;
use crate::targets::credentials::bearer::BearerAuth;

/// LivePerson's CSDS, which every account's domain lookup goes through.
pub const DEFAULT_CSDS: &str = "https://api.liveperson.net";
/// The service name of the Personal Data Deletion API.
pub const RTBF_SERVICE: &str = "rtbf";

/// Why a domain could not be discovered.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The account id, held here, would not be safe in a URL path, so no lookup is made.
    #[error("account id `{0}` is not 1 to 20 letters, digits or `_`")]
    BadAccount(String),
    /// The CSDS URL, held here, cannot be a base for a path (e.g. `mailto:`).
    #[error("CSDS URL `{0}` cannot take a path")]
    BadCsds(String),
    /// The lookup got no response: connection, TLS, body read, or the 10 s timeout.
    #[error("cannot reach the CSDS at {url}: {source}")]
    Unreachable {
        /// The lookup URL.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The CSDS answered with a status outside 2xx.
    #[error("the CSDS answered {status} to {url}: {body}")]
    Status {
        /// The lookup URL.
        url: String,
        /// The HTTP status code of the answer.
        status: u16,
        /// The answer's first 300 bytes, lossily decoded as UTF-8.
        body: String,
    },
    /// The answer is not the documented JSON, or the service name asked for is not one.
    #[error("the CSDS answer from {url} is not the expected JSON: {reason}")]
    BadAnswer {
        /// The lookup URL (the CSDS URL alone when the service name was refused).
        url: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// The answer is for a service other than the one asked for.
    #[error("the CSDS named service `{got}`, not `{want}`")]
    WrongService {
        /// The service asked for, e.g. `rtbf`.
        want: String,
        /// The service the answer names.
        got: String,
    },
    /// The answer's `baseURI`, held here, is not a bare `host[:port]`.
    #[error("the CSDS's baseURI `{0}` is not a host name")]
    BadHost(String),
}

/// The CSDS's answer, as documented: `{"service": "rtbf", "account": "...", "baseURI": "host"}`.
#[derive(Debug, Deserialize)]
struct Domain {
    #[serde(default)]
    service: Option<String>,
    #[serde(rename = "baseURI")]
    base_uri: String,
}

/// How long a lookup may take: a target that cannot be found should fail the run early.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The base URL of `service` for `account_id`, from the CSDS at `csds` ([`DEFAULT_CSDS`] for the
/// real vendor): `GET {csds}/api/account/{account}/service/{service}/baseURI.json?version=1.0`.
///
/// The CSDS answers a bare host; the base URL takes the CSDS URL's scheme, which is `https`
/// for the real vendor and lets a plain-HTTP mock stand in for both services in tests.
pub async fn discover_base_url(
    client: &reqwest::Client,
    csds: &Url,
    account_id: &str,
    service: &str,
) -> Result<Url, DiscoveryError> {
    // The account id goes into a path: only what the vendor allows, so nothing needs escaping.
    let valid_id = |s: &str| {
        (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !valid_id(account_id) {
        return Err(DiscoveryError::BadAccount(account_id.to_owned()));
    }
    if !valid_id(service) {
        return Err(DiscoveryError::BadAnswer {
            url: csds.to_string(),
            reason: format!("service `{service}` is not a service name"),
        });
    }
    let mut url = csds.clone();
    url.path_segments_mut()
        .map_err(|()| DiscoveryError::BadCsds(csds.to_string()))?
        .pop_if_empty()
        .extend([
            "api",
            "account",
            account_id,
            "service",
            service,
            "baseURI.json",
        ]);
    url.set_query(Some("version=1.0"));
    let shown = url.to_string();
    let unreachable = |source| DiscoveryError::Unreachable {
        url: shown.clone(),
        source,
    };

    let resp = client
        .get(url)
        .header("Accept", "application/json")
        .timeout(LOOKUP_TIMEOUT)
        .send()
        .await
        .map_err(unreachable)?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(unreachable)?;
    if !(200..300).contains(&status) {
        return Err(DiscoveryError::Status {
            url: shown,
            status,
            body: String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
        });
    }
    let domain: Domain = serde_json::from_slice(&body).map_err(|e| DiscoveryError::BadAnswer {
        url: shown.clone(),
        reason: e.to_string(),
    })?;
    if let Some(got) = domain.service.filter(|s| s != service) {
        return Err(DiscoveryError::WrongService {
            want: service.to_owned(),
            got,
        });
    }
    base_url_of(csds.scheme(), &domain.base_uri)
}

/// A target for `service` of `account_id` with `token`, its base URL found through the CSDS
/// at `csds`: what a LivePerson target needs when no URL is given.
pub async fn discover_target(
    client: &reqwest::Client,
    csds: &Url,
    account_id: &str,
    service: &str,
    token: &str,
) -> Result<Target, DiscoveryError> {
    let base = discover_base_url(client, csds, account_id, service).await?;
    let mut target = Target::new(base);
    target.auth = Some(Arc::new(BearerAuth::new(token)));
    Ok(target)
}

/// `scheme://host[:port]/` from a bare `host[:port]`; anything more (a scheme, a path, user
/// info) is refused rather than guessed at.
fn base_url_of(scheme: &str, host: &str) -> Result<Url, DiscoveryError> {
    let bad = || DiscoveryError::BadHost(host.to_owned());
    if host.is_empty() || host.contains(['/', '@', '?', '#', ' ']) {
        return Err(bad());
    }
    let url = Url::parse(&format!("{scheme}://{host}/")).map_err(|_| bad())?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only ever used against 127.0.0.1 or refused before sending; the domain-discovery tests
    /// against the LivePerson mock are in `mock::liveperson` (the mock depends on this module).
    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client")
    }

    #[tokio::test]
    async fn a_bad_account_id_is_refused_before_any_request() {
        let csds = Url::parse(DEFAULT_CSDS).expect("a URL");
        let err = discover_base_url(&client(), &csds, "../admin", RTBF_SERVICE)
            .await
            .expect_err("refused");
        assert!(matches!(err, DiscoveryError::BadAccount(_)), "{err}");
    }

    #[test]
    fn the_base_uri_must_be_a_bare_host() {
        assert_eq!(
            base_url_of("https", "va.rtbf.liveperson.net")
                .expect("a host")
                .as_str(),
            "https://va.rtbf.liveperson.net/"
        );
        assert_eq!(
            base_url_of("http", "127.0.0.1:8080")
                .expect("a host")
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        for bad in ["", "https://x", "x/y", "user@x", "a b"] {
            assert!(base_url_of("https", bad).is_err(), "{bad}");
        }
    }
}
