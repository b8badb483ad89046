//! The two Alibaba Cloud ROA signature schemes as pure functions of the request's parts, so the
//! signer ([`super::AlibabaAuth`]) and the mock's verifier (`mock::alibaba::signature`) build byte-for-byte the
//! same strings, and both can be tested against the official SDK's requests
//! (`tests/fixtures/vectors/alibaba-sdk-cancel-deletion.json`).
//!
//! Header lists are `(name, value)` pairs in any case; names are compared case-insensitively.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::http::first_header;

/// The algorithm name of signature v3, first word of its `Authorization` header.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// hex(SHA-256) of the empty body, the `x-acs-content-sha256` of a request without one.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Query pairs sorted by key, then value (the SDKs sort a map, so keys are unique there; a
/// repeated key is sorted by value so both sides agree on one order).
fn sorted(query: &[(String, String)]) -> Vec<&(String, String)> {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
}

/// ROA v1 StringToSign: `METHOD`, `accept`, `content-md5`, `content-type`, `date` (each followed
/// by a newline, empty when absent), every `x-acs-*` header as `name:value\n` (lower-case names,
/// sorted), then the resource: the path and, when there is a query, `?` and the decoded pairs
/// sorted by key as `k=v` (a key with an empty value as just `k`) joined by `&`.
pub fn v1_string_to_sign(
    method: &str,
    headers: &[(String, String)],
    path: &str,
    query: &[(String, String)],
) -> String {
    let mut out = String::new();
    out.push_str(method);
    out.push('\n');
    for name in ["accept", "content-md5", "content-type", "date"] {
        out.push_str(first_header(headers, name).unwrap_or(""));
        out.push('\n');
    }
    let mut acs: Vec<(String, &str)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str()))
        .filter(|(n, _)| n.starts_with("x-acs-"))
        .collect();
    acs.sort();
    for (name, value) in acs {
        out.push_str(&name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(path);
    if !query.is_empty() {
        let pairs: Vec<String> = sorted(query)
            .into_iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

fn hmac_sha1(secret: &str) -> Hmac<Sha1> {
    // HMAC takes a key of any length: this cannot fail.
    <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key")
}

fn hmac_sha256(secret: &str) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key")
}

/// ROA v1 signature: Base64(HMAC-SHA1(secret, StringToSign)).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = hmac_sha1(secret);
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Checks a v1 signature (Base64) in constant time.
pub fn v1_matches(secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Ok(sig) = BASE64.decode(signature) else {
        return false;
    };
    let mut mac = hmac_sha1(secret);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// `Content-MD5` of a body: Base64 of its MD5.
pub fn content_md5(body: &[u8]) -> String {
    BASE64.encode(Md5::digest(body))
}

/// `x-acs-content-sha256` of a body: hex SHA-256.
pub fn content_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Percent-encoding of the v3 canonical query: everything but `A-Z a-z 0-9 - _ . ~`, as the
/// SDK's `quote(value, safe='~')`.
fn v3_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Signature v3 CanonicalRequest: `METHOD\n` + path + `\n` + the sorted, percent-encoded query
/// as `k=v` joined by `&` + `\n` + each signed header as `name:value\n` (in the order of
/// `signed_headers`, which are lower-case and sorted; values trimmed) + `\n` + the signed
/// header names joined by `;` + `\n` + the hex SHA-256 of the body.
///
/// A signed header missing from `headers` is signed with an empty value: the verifier then
/// fails to match rather than guess.
pub fn v3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed_headers: &[String],
    body_sha256: &str,
) -> String {
    let query: Vec<String> = sorted(query)
        .into_iter()
        .map(|(k, v)| format!("{}={}", v3_encode(k), v3_encode(v)))
        .collect();
    let mut out = format!("{method}\n{path}\n{}\n", query.join("&"));
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        out.push_str(first_header(headers, name).unwrap_or("").trim());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(body_sha256);
    out
}

/// Signature v3 StringToSign: the algorithm and the hex SHA-256 of the canonical request.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// Signature v3: hex(HMAC-SHA256(secret, StringToSign)).
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = hmac_sha256(secret);
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a v3 signature (hex) in constant time.
pub fn v3_matches(secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Ok(sig) = hex::decode(signature) else {
        return false;
    };
    let mut mac = hmac_sha256(secret);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn v1_resource_sorts_the_query_and_writes_empty_values_as_bare_keys() {
        let s = v1_string_to_sign(
            "DELETE",
            &pairs(&[
                ("X-Acs-Version", "2017-06-13"),
                ("Accept", "application/json"),
            ]),
            "/openapi/instances/es-cn-a",
            &pairs(&[("deleteType", "protective"), ("clientToken", "")]),
        );
        assert_eq!(
            s,
            "DELETE\napplication/json\n\n\n\nx-acs-version:2017-06-13\n/openapi/instances/es-cn-a?clientToken&deleteType=protective"
        );
    }

    #[test]
    fn v3_canonical_query_percent_encodes_like_the_sdk() {
        let c = v3_canonical_request(
            "POST",
            "/p",
            &pairs(&[("b", "a b/~*"), ("a", "1")]),
            &[],
            &[],
            EMPTY_SHA256,
        );
        assert!(c.starts_with("POST\n/p\na=1&b=a%20b%2F~%2A\n"), "{c}");
    }

    #[test]
    fn digests_of_the_empty_body() {
        assert_eq!(content_sha256(b""), EMPTY_SHA256);
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }

    #[test]
    fn matching_rejects_garbage_signatures_without_panicking() {
        assert!(!v1_matches("k", "s", "not base64!"));
        assert!(!v3_matches("k", "s", "zz"));
        assert!(v3_matches("k", "s", &v3_signature("k", "s")));
        assert!(v1_matches("k", "s", &v1_signature("k", "s")));
    }
}
