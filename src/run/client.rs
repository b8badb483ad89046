//! The HTTP client of a run: [`ClientOptions`] says how to reach targets (proxies, extra CA
//! certificates, `--insecure`, a client certificate for mutual TLS) and
//! [`ClientOptions::build`] makes the one pooled `reqwest::Client` from it, or a
//! [`ClientError`] that names the file or variable at fault and what was expected.
//!
//! Proxy policy: with [`ProxyPolicy::Environment`] the proxy variables are honoured (see
//! [`super::proxy_env`]), except for the [`ClientOptions::direct`] origins, which are always reached
//! directly: those are the embedded mocks a run starts on loopback, and a CI runner's proxy must
//! not break the run that tests the harness itself. The library default is
//! [`ProxyPolicy::Direct`], what the client always did, so code that builds a client for its own
//! mocks never goes through a proxy by accident; the binary asks for the environment.
//!
//! Trust: the platform's roots (on Linux the system store, which honours `SSL_CERT_FILE`), plus
//! every certificate of the `--cacert` files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use url::Url;

use super::proxy_env::ProxyEnv;

/// Whether the proxy variables apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProxyPolicy {
    /// Every target is reached directly, whatever the environment says (`--no-proxy`).
    #[default]
    Direct,
    /// `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured.
    Environment,
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The PEM file of the client certificate (chain).
    pub cert: PathBuf,
    /// The PEM file of its private key.
    pub key: PathBuf,
}

#[derive(Debug, Clone, Default)]
/// How the process's HTTP client is built: proxy use, trust, client certificate. Redirects
/// are never followed by the client it builds.
pub struct ClientOptions {
    /// Whether the proxy environment variables apply ([`ProxyPolicy::Direct`] by default).
    pub proxy: ProxyPolicy,
    /// Origins (scheme, host, port) always reached directly: the embedded mocks.
    pub direct: Vec<Url>,
    /// PEM files of certificates trusted besides the platform's roots.
    pub cacerts: Vec<PathBuf>,
    /// Accept any server certificate. Reports say so.
    pub insecure: bool,
    /// For servers that require a client certificate.
    pub identity: Option<ClientIdentity>,
}

/// Why the client cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    // Not a `source`: the message says it already, and `{:#}` would say it twice.
    #[error("cannot read {what} {}: {error}", path.display())]
    /// A certificate or key file cannot be read.
    Read {
        /// What the file was to hold (`CA certificates`, `client key`...).
        what: &'static str,
        /// The file as given.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    #[error("{}: {reason}; expected {expected}", path.display())]
    /// A certificate or key file does not hold what it should.
    Parse {
        /// The file as given.
        path: PathBuf,
        /// What it should hold, in words (PEM certificates, a PEM private key).
        expected: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    #[error("{var}={value} is not a usable proxy: {reason}; fix the variable or pass --no-proxy")]
    /// A proxy environment variable cannot be used.
    Proxy {
        /// The variable's name (`HTTPS_PROXY`...).
        var: &'static str,
        /// Credentials redacted.
        value: String,
        /// Why it is not usable.
        reason: String,
    },
    #[error("cannot build the HTTP client")]
    /// reqwest refused the configuration (a TLS backend error, for one).
    Build(#[source] reqwest::Error),
}

const CERTS: &str = "one or more PEM certificates (-----BEGIN CERTIFICATE-----)";
const KEY: &str =
    "a PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)";

impl ClientOptions {
    /// The client, with the proxy variables (when honoured) read from the process environment.
    pub fn build(&self) -> Result<reqwest::Client, ClientError> {
        self.build_with_env(&|k| std::env::var(k).ok())
    }

    /// The client, with the proxy variables read through `get`.
    pub fn build_with_env(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<reqwest::Client, ClientError> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(30))
            // reqwest reads the proxy variables itself unless told not to; ours decides.
            .no_proxy();
        if let Some(proxy) = self.proxy(get)? {
            b = b.proxy(proxy);
        }
        let mut roots = Vec::new();
        for path in &self.cacerts {
            roots.extend(read_certs(path, "the CA file")?);
        }
        if !roots.is_empty() {
            let certs = roots
                .iter()
                .map(|c| reqwest::Certificate::from_der(c.as_ref()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ClientError::Build)?;
            b = b.tls_certs_merge(certs);
        }
        if self.insecure {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        if let Some(id) = &self.identity {
            b = b.identity(identity(id)?);
        }
        // A redirect is the target's answer, never followed by the client: a target must not
        // steer requests (writes and credentials included) to another host, and the 3xx is
        // what the spec is checked against. A step that asks to follow does so itself, within
        // the target's origin (`super::send::send_following`).
        b = b.redirect(reqwest::redirect::Policy::none());
        b.build().map_err(ClientError::Build)
    }

    /// The proxy variables in effect, or `None` when every target is reached directly.
    pub fn proxy_env(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<ProxyEnv>, ClientError> {
        match self.proxy {
            ProxyPolicy::Direct => Ok(None),
            ProxyPolicy::Environment => {
                let env = ProxyEnv::from_lookup(get)?;
                Ok((!env.is_empty()).then_some(env))
            }
        }
    }

    fn proxy(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<reqwest::Proxy>, ClientError> {
        let Some(env) = self.proxy_env(get)? else {
            return Ok(None);
        };
        let routes = Arc::new(Routes {
            direct: self.direct.iter().map(Url::origin).collect(),
            env,
        });
        // Asked per connection with the target's scheme, host and port.
        Ok(Some(reqwest::Proxy::custom(move |url| {
            routes.proxy_for(url).map(|p| p.url().clone())
        })))
    }
}

/// Which proxy, if any, carries a connection: none for the direct origins, else the
/// environment's choice.
struct Routes {
    direct: Vec<url::Origin>,
    env: ProxyEnv,
}

impl Routes {
    fn proxy_for(&self, url: &Url) -> Option<&super::proxy_env::ProxyUrl> {
        if self.direct.contains(&url.origin()) {
            return None;
        }
        self.env.for_url(url)
    }
}

/// What to do about a transport failure whose innermost cause (rustls's words) is about TLS
/// trust, or `None` when it is not.
pub fn tls_hint(cause: &str) -> Option<&'static str> {
    let hints = [
        (
            "UnknownIssuer",
            "the server's certificate is not signed by a CA this run trusts: pass that CA with \
             --cacert FILE (or --insecure to not check)",
        ),
        (
            "NotValidForName",
            "the server's certificate is for another host name: use the name it was issued for \
             in the target URL",
        ),
        ("Expired", "the server's certificate has expired"),
        (
            "CertificateRequired",
            "the server requires a client certificate: pass --cert FILE --key FILE",
        ),
    ];
    hints
        .into_iter()
        .find(|(mark, _)| cause.contains(mark))
        .map(|(_, hint)| hint)
}

/// Every certificate of a PEM file; none is an error.
fn read_certs(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let bytes = read(path, what)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| parse_error(path, CERTS, &e))?;
    if certs.is_empty() {
        return Err(ClientError::Parse {
            path: path.to_owned(),
            expected: CERTS,
            reason: "no certificate in it".into(),
        });
    }
    Ok(certs)
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|error| ClientError::Read {
        what,
        path: path.to_owned(),
        error,
    })
}

fn parse_error(
    path: &Path,
    expected: &'static str,
    e: &rustls_pki_types::pem::Error,
) -> ClientError {
    ClientError::Parse {
        path: path.to_owned(),
        expected,
        reason: format!("not valid PEM ({e})"),
    }
}

/// The identity reqwest takes: one PEM text, rebuilt from what each file holds, so that other
/// blocks in them (`EC PARAMETERS`, a chain's text dump) do not make it fail without a word.
fn identity(id: &ClientIdentity) -> Result<reqwest::Identity, ClientError> {
    let certs = read_certs(&id.cert, "the client certificate")?;
    let key_bytes = read(&id.key, "the private key")?;
    let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => ClientError::Parse {
            path: id.key.clone(),
            expected: KEY,
            reason: "no private key in it".into(),
        },
        e => parse_error(&id.key, KEY, &e),
    })?;
    let mut pem = String::new();
    for c in &certs {
        pem_block(&mut pem, "CERTIFICATE", c.as_ref());
    }
    let label = match &key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    pem_block(&mut pem, label, key.secret_der());
    reqwest::Identity::from_pem(pem.as_bytes()).map_err(ClientError::Build)
}

fn pem_block(out: &mut String, label: &str, der: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    fn err(o: &ClientOptions) -> String {
        o.build_with_env(&|_| None)
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn the_default_client_builds() {
        ClientOptions::default()
            .build_with_env(&|_| None)
            .expect("builds");
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_named_with_what_was_expected() {
        let dir = tempfile::tempdir().expect("dir");
        let missing = dir.path().join("nope.pem");
        let o = ClientOptions {
            cacerts: vec![missing.clone()],
            ..Default::default()
        };
        let e = err(&o);
        assert!(e.starts_with("cannot read the CA file "), "{e}");
        assert!(e.contains("nope.pem"), "{e}");
        let o = ClientOptions {
            cacerts: vec![file(&dir, "empty.pem", "just text\n")],
            ..Default::default()
        };
        let e = err(&o);
        assert!(
            e.contains("empty.pem: no certificate in it; expected one or more PEM"),
            "{e}"
        );
        let o = ClientOptions {
            cacerts: vec![file(
                &dir,
                "broken.pem",
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            )],
            ..Default::default()
        };
        let e = err(&o);
        assert!(e.contains("broken.pem: not valid PEM"), "{e}");
    }

    #[test]
    fn a_key_file_without_a_key_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        // A syntactically valid block; the key is read after the certificate.
        let cert = file(
            &dir,
            "cert.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let key = file(
            &dir,
            "key.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let o = ClientOptions {
            identity: Some(ClientIdentity { cert, key }),
            ..Default::default()
        };
        let e = err(&o);
        assert!(
            e.contains("key.pem: no private key in it; expected a PEM private key"),
            "{e}"
        );
    }

    #[test]
    fn direct_origins_bypass_the_proxy_and_others_do_not() {
        let get = |k: &str| (k == "HTTP_PROXY").then(|| "http://127.0.0.1:9".to_owned());
        let o = ClientOptions {
            proxy: ProxyPolicy::Environment,
            direct: vec![Url::parse("http://127.0.0.1:4000/").expect("url")],
            ..Default::default()
        };
        let routes = Routes {
            direct: o.direct.iter().map(Url::origin).collect(),
            env: o.proxy_env(&get).expect("parses").expect("a proxy"),
        };
        let via = |u: &str| routes.proxy_for(&Url::parse(u).expect("url")).is_some();
        assert!(
            !via("http://127.0.0.1:4000/widgets"),
            "the mock is reached directly"
        );
        assert!(
            via("http://127.0.0.1:4001/"),
            "another port is not the mock"
        );
        assert!(via("http://api.example/"));
        let off = ClientOptions {
            proxy: ProxyPolicy::Direct,
            ..o
        };
        assert!(off.proxy_env(&get).expect("parses").is_none(), "--no-proxy");
        assert!(off.proxy(&get).expect("parses").is_none());
    }

    #[test]
    fn tls_failures_get_the_switch_that_fixes_them() {
        let hint = |c| tls_hint(c).unwrap_or("");
        assert!(hint("invalid peer certificate: UnknownIssuer").contains("--cacert FILE"));
        assert!(
            hint("received fatal alert: CertificateRequired").contains("--cert FILE --key FILE")
        );
        assert!(
            hint("invalid peer certificate: NotValidForNameContext { .. }").contains("host name")
        );
        assert_eq!(tls_hint("Connection refused (os error 111)"), None);
    }

    #[test]
    fn pem_blocks_round_trip() {
        let mut pem = String::new();
        let der: Vec<u8> = (0..=200).collect();
        pem_block(&mut pem, "CERTIFICATE", &der);
        let back: Vec<CertificateDer> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("parses");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].as_ref(), &der[..]);
    }
}
