//! The network switches of `conform run` ([`NetArgs`]: `--no-proxy`, `--cacert`, `--insecure`,
//! `--cert`/`--key`) and what they become: the library's [`ClientOptions`], plus what the run
//! prints on stderr before it starts (the `--insecure` warning, the proxies in effect).

use std::path::PathBuf;

use clap::Args;
use conform::run::{ClientIdentity, ClientOptions, ProxyPolicy};
use url::Url;

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Networks")]
pub struct NetArgs {
    /// Ignore HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY: reach every target directly.
    /// (The embedded mocks are always reached directly.)
    #[arg(long)]
    pub no_proxy: bool,
    /// Trust the certificates of this PEM file besides the system's (repeatable).
    #[arg(long, value_name = "FILE")]
    pub cacert: Vec<PathBuf>,
    /// Accept any server certificate. Every report of the run says so.
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// Client certificate (PEM, with its chain) for servers that require one; needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
}

impl NetArgs {
    /// The client's options; `direct` are the origins of the embedded mocks.
    pub fn client_options(&self, direct: Vec<Url>) -> ClientOptions {
        ClientOptions {
            proxy: if self.no_proxy {
                ProxyPolicy::Direct
            } else {
                ProxyPolicy::Environment
            },
            direct,
            cacerts: self.cacert.clone(),
            insecure: self.insecure,
            identity: match (&self.cert, &self.key) {
                (Some(cert), Some(key)) => Some(ClientIdentity {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                // clap requires both or neither.
                _ => None,
            },
        }
    }

    /// Says on stderr what a person must know before the run starts: that certificates are
    /// not checked, and which proxies carry user targets (credentials redacted).
    pub fn announce(&self, options: &ClientOptions, user_targets: bool) -> anyhow::Result<()> {
        if self.insecure {
            errln!(
                "warning: {}; anyone on the path can read and change this run's traffic",
                conform::report::insecure_note(&super::session::Flags)
            );
        }
        if user_targets && let Some(env) = options.proxy_env(&|k| std::env::var(k).ok())? {
            for line in env.describe() {
                errln!("proxy: {line}");
            }
        }
        Ok(())
    }
}
