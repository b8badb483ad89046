//! The gateway's side of Alibaba signing: [`verify`] checks a received request's `Authorization`
//! (ROA v1 or signature v3) against known access keys and says why it refuses, with the
//! gateway's error codes ([`Rejection::code`]). The reference mock uses it; it lives beside the
//! signer so both share [`crate::vendor::alibaba::sign`] and cannot drift apart.
//!
//! Not checked, on purpose: clock skew of `Date`/`x-acs-date` and nonce reuse. The mock's clock
//! jumps by days in `mock-only` scenarios, and a replayed SDK vector must still verify.

use crate::vendor::alibaba::sign;

/// A received request, as the verifier needs it.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The HTTP method as sent (`GET`), signed as is.
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// The query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// The request's headers, names in any case (looked up case-insensitively).
    pub headers: &'a [(String, String)],
    /// The raw body, checked against `Content-MD5` (v1, when sent) or `x-acs-content-sha256` (v3).
    pub body: &'a [u8],
}

impl<'a> Incoming<'a> {
    /// Splits `path_and_query` (`/a/b?x=1`) and decodes the query the way URLs do.
    pub fn new(
        method: &'a str,
        path_and_query: &'a str,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path_and_query, ""),
        };
        Incoming {
            method,
            path,
            query: decode_query(query),
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        crate::http::first_header(self.headers, name)
    }
}

/// The pairs of a raw query string (`a=1&b=x%20y`), decoded as URLs do (`+` is a space).
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://query.invalid/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// Which scheme signed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// ROA signature v1: `Authorization: acs AKID:SIG` over a StringToSign.
    V1,
    /// Signature v3: `Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,
    /// Signature=...`.
    V3,
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The AccessKeyId that signed it.
    pub access_key_id: String,
    /// The scheme it was signed with.
    pub scheme: Scheme,
}

/// Why the gateway refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The request has no `Authorization` header.
    #[error("the request has no Authorization header")]
    Missing,
    /// The `Authorization` header is of no known scheme or lacks a part; the text says which.
    #[error("the signature is incomplete: {0}")]
    Incomplete(String),
    /// The AccessKeyId is not one of the known keys.
    #[error("access key `{0}` does not exist")]
    UnknownKey(String),
    /// `signed`: what the server signed, for the client to diff against its own: the
    /// StringToSign (v1) or the CanonicalRequest (v3, whose StringToSign is only a hash of it).
    #[error("the signature does not match; the server signed: {signed:?}")]
    Mismatch {
        /// The StringToSign (v1) or CanonicalRequest (v3) the server computed.
        signed: String,
    },
}

impl Rejection {
    /// The gateway's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Missing | Rejection::Incomplete(_) => "IncompleteSignature",
            Rejection::UnknownKey(_) => "InvalidAccessKeyId.NotFound",
            Rejection::Mismatch { .. } => "SignatureDoesNotMatch",
        }
    }
}

/// Checks the signature of `req`; `secret_of` gives the secret of an AccessKeyId.
pub fn verify<'s>(
    req: &Incoming<'_>,
    secret_of: impl Fn(&str) -> Option<&'s str>,
) -> Result<Verified, Rejection> {
    let auth = req
        .header("authorization")
        .ok_or(Rejection::Missing)?
        .trim();
    if let Some(rest) = auth.strip_prefix("acs ") {
        verify_v1(req, rest.trim(), secret_of)
    } else if let Some(rest) = auth.strip_prefix(sign::V3_ALGORITHM) {
        verify_v3(req, rest.trim(), secret_of)
    } else {
        Err(Rejection::Incomplete(
            "Authorization is neither `acs AKID:SIG` nor `ACS3-HMAC-SHA256 ...`".into(),
        ))
    }
}

fn verify_v1<'s>(
    req: &Incoming<'_>,
    credential: &str,
    secret_of: impl Fn(&str) -> Option<&'s str>,
) -> Result<Verified, Rejection> {
    let (key_id, signature) = credential
        .split_once(':')
        .filter(|(k, s)| !k.is_empty() && !s.is_empty())
        .ok_or_else(|| Rejection::Incomplete("v1 Authorization is not `acs AKID:SIG`".into()))?;
    for (name, want) in [
        ("x-acs-signature-method", Some("HMAC-SHA1")),
        ("x-acs-signature-version", Some("1.0")),
        ("date", None),
    ] {
        match (req.header(name), want) {
            (None, _) => return Err(Rejection::Incomplete(format!("`{name}` is missing"))),
            (Some(got), Some(want)) if got != want => {
                return Err(Rejection::Incomplete(format!(
                    "`{name}` is `{got}`, not `{want}`"
                )));
            }
            _ => {}
        }
    }
    let secret = secret_of(key_id).ok_or_else(|| Rejection::UnknownKey(key_id.to_owned()))?;
    let string_to_sign = sign::v1_string_to_sign(req.method, req.headers, req.path, &req.query);
    // Content-MD5 is signed, but only a check against the body ties the body to the signature.
    // It is optional: the official SDK signs v1 requests with a body but without Content-MD5
    // (tea-openapi 0.4.6), and the service accepts them, so such a body is simply unsigned.
    let body_ok = req
        .header("content-md5")
        .is_none_or(|md5| md5 == sign::content_md5(req.body));
    if body_ok && sign::v1_matches(secret, &string_to_sign, signature) {
        Ok(Verified {
            access_key_id: key_id.to_owned(),
            scheme: Scheme::V1,
        })
    } else {
        Err(Rejection::Mismatch {
            signed: string_to_sign,
        })
    }
}

/// The `Credential=`, `SignedHeaders=` and `Signature=` parts of a v3 Authorization.
fn v3_parts(rest: &str) -> Result<(&str, Vec<String>, &str), Rejection> {
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    match (credential, signed, signature) {
        (Some(c), Some(h), Some(s)) if !c.is_empty() && !s.is_empty() => {
            Ok((c, h.split(';').map(str::to_owned).collect(), s))
        }
        _ => Err(Rejection::Incomplete(
            "v3 Authorization needs Credential=, SignedHeaders= and Signature=".into(),
        )),
    }
}

fn verify_v3<'s>(
    req: &Incoming<'_>,
    rest: &str,
    secret_of: impl Fn(&str) -> Option<&'s str>,
) -> Result<Verified, Rejection> {
    let (key_id, signed_headers, signature) = v3_parts(rest)?;
    for name in ["x-acs-date", "x-acs-content-sha256"] {
        if req.header(name).is_none() || !signed_headers.iter().any(|h| h == name) {
            return Err(Rejection::Incomplete(format!(
                "`{name}` must be sent and signed"
            )));
        }
    }
    let secret = secret_of(key_id).ok_or_else(|| Rejection::UnknownKey(key_id.to_owned()))?;
    // The signature covers the declared hash; the hash must also be the body's.
    let declared = req.header("x-acs-content-sha256").unwrap_or("");
    let canonical = sign::v3_canonical_request(
        req.method,
        req.path,
        &req.query,
        req.headers,
        &signed_headers,
        declared,
    );
    let string_to_sign = sign::v3_string_to_sign(&canonical);
    if declared == sign::content_sha256(req.body)
        && sign::v3_matches(secret, &string_to_sign, signature)
    {
        Ok(Verified {
            access_key_id: key_id.to_owned(),
            scheme: Scheme::V3,
        })
    } else {
        Err(Rejection::Mismatch { signed: canonical })
    }
}
