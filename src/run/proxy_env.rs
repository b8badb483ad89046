//! Proxies from the environment: [`ProxyEnv`] reads `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`
//! and `NO_PROXY` (each also in lowercase) once, and says for a URL which proxy, if any, carries
//! it. The client asks it on every connection (see [`super::client`]), after its own list of
//! origins that are always reached directly (the embedded mocks).
//!
//! The rules are curl's and reqwest's: `HTTPS_PROXY` for `https` URLs, `HTTP_PROXY` for `http`
//! URLs, `ALL_PROXY` for either when the specific one is unset; the uppercase name wins over the
//! lowercase one; an empty value is unset; a value without a scheme is `http://`. `NO_PROXY` is
//! a comma-separated list of `*`, IP addresses, CIDR networks and domain names, a domain
//! matching itself and its subdomains (a leading dot changes nothing). Ports in `NO_PROXY`
//! entries are ignored, as curl ignores them.
//!
//! A proxy URL may carry credentials (`http://user:secret@proxy:3128`); [`ProxyUrl`]'s
//! `Display` and `Debug` never show them.

use std::fmt;
use std::net::IpAddr;

use url::Url;

use super::client::ClientError;

/// One proxy, with the variable it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    url: Url,
    /// The variable that named it, as it was spelt (`HTTPS_PROXY` or `https_proxy`).
    pub var: &'static str,
}

impl ProxyUrl {
    /// The URL with its credentials, for the client only.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }
}

impl fmt::Display for ProxyUrl {
    /// The URL with any user name and password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.url))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={self}", self.var)
    }
}

/// `url` with its user name and password, when it has either, replaced by `***`.
pub fn redacted(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Setting the user info fails only for URLs that cannot have one, which then has none.
    let _ = shown.set_password(None);
    let _ = shown.set_username("***");
    shown.to_string()
}

/// The proxy variables of one environment.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    http: Option<ProxyUrl>,
    https: Option<ProxyUrl>,
    all: Option<ProxyUrl>,
    no_proxy: NoProxy,
}

impl ProxyEnv {
    /// Reads the variables through `get` (the process environment in the binary); a value that
    /// is not a URL is an error naming the variable, with the value redacted.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ClientError> {
        let pick = |upper: &'static str, lower: &'static str| {
            [upper, lower]
                .into_iter()
                .find_map(|var| {
                    let value = get(var)?;
                    let value = value.trim().to_owned();
                    (!value.is_empty()).then_some((var, value))
                })
                .map(|(var, value)| parse(var, &value))
                .transpose()
        };
        let no_proxy = ["NO_PROXY", "no_proxy"]
            .into_iter()
            .find_map(get)
            .map(|v| NoProxy::parse(&v))
            .unwrap_or_default();
        Ok(ProxyEnv {
            http: pick("HTTP_PROXY", "http_proxy")?,
            https: pick("HTTPS_PROXY", "https_proxy")?,
            all: pick("ALL_PROXY", "all_proxy")?,
            no_proxy,
        })
    }

    /// The proxy that carries requests to `url`, or `None` to go directly.
    pub fn for_url(&self, url: &Url) -> Option<&ProxyUrl> {
        let specific = match url.scheme() {
            "http" => self.http.as_ref(),
            "https" => self.https.as_ref(),
            _ => return None,
        };
        let proxy = specific.or(self.all.as_ref())?;
        let host = url.host_str()?;
        (!self.no_proxy.matches(host)).then_some(proxy)
    }

    /// Whether any proxy is set.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none() && self.all.is_none()
    }

    /// One line per scheme that goes through a proxy, credentials redacted, for the start of a
    /// run.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (scheme, p) in [("http", &self.http), ("https", &self.https)] {
            if let Some(p) = p.as_ref().or(self.all.as_ref()) {
                lines.push(format!("{scheme} targets through {p} ({})", p.var));
            }
        }
        if !lines.is_empty() && !self.no_proxy.is_empty() {
            lines.push(format!("except NO_PROXY: {}", self.no_proxy.source));
        }
        lines
    }
}

fn parse(var: &'static str, value: &str) -> Result<ProxyUrl, ClientError> {
    // curl and reqwest take `proxy:3128` as `http://proxy:3128`.
    let with_scheme = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let bad = |reason: String| ClientError::Proxy {
        var,
        value: match Url::parse(&with_scheme) {
            Ok(u) => redacted(&u),
            // Not a URL: whatever precedes an `@` may be a password.
            Err(_) => match value.rsplit_once('@') {
                Some((_, host)) => format!("***@{host}"),
                None => value.to_owned(),
            },
        },
        reason,
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "scheme `{}` is not supported; use an http:// or https:// proxy",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".into()));
    }
    Ok(ProxyUrl { url, var })
}

/// The hosts `NO_PROXY` sends directly.
#[derive(Debug, Clone, Default)]
struct NoProxy {
    /// As written, for messages.
    source: String,
    all: bool,
    nets: Vec<(IpAddr, u8)>,
    domains: Vec<String>,
}

impl NoProxy {
    fn parse(list: &str) -> NoProxy {
        let mut n = NoProxy {
            source: list.trim().to_owned(),
            ..NoProxy::default()
        };
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                n.all = true;
            } else if let Some(net) = network(entry) {
                n.nets.push(net);
            } else {
                let host = strip_port(entry).trim_start_matches('.');
                n.domains.push(host.to_ascii_lowercase());
            }
        }
        n
    }

    fn is_empty(&self) -> bool {
        !self.all && self.nets.is_empty() && self.domains.is_empty()
    }

    fn matches(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.nets.iter().any(|&(net, len)| in_network(ip, net, len));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.domains.iter().any(|d| {
            host == *d
                || host
                    .strip_suffix(d.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

/// `entry` as an address or a CIDR network (`10.0.0.0/8`, `::1`, `[::1]:8080`).
fn network(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match entry.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let addr = addr.trim_start_matches('[');
    let addr = addr.split_once(']').map_or(addr, |(a, _)| a);
    let ip: IpAddr = match addr.parse() {
        Ok(ip) => ip,
        // `10.1.2.3:8080`: an IPv4 address with a port.
        Err(_) => strip_port(addr).parse().ok()?,
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    (len <= max).then_some((ip, len))
}

/// `host:port` without its port; anything else as it is.
fn strip_port(entry: &str) -> &str {
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => entry,
    }
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let (ip, net, bits) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = bits - u32::from(len);
    // A shift by the whole width (a /0 network) matches everything.
    ip.checked_shr(shift).unwrap_or(0) == net.checked_shr(shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Result<ProxyEnv, ClientError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_lookup(&|k| map.get(k).cloned())
    }

    fn via(e: &ProxyEnv, url: &str) -> Option<String> {
        e.for_url(&Url::parse(url).expect("url"))
            .map(|p| format!("{} {}", p.var, p.url()))
    }

    #[test]
    fn each_scheme_has_its_variable_and_all_proxy_fills_in() {
        let e = env(&[("HTTP_PROXY", "http://h:1"), ("ALL_PROXY", "http://a:3")]).expect("parses");
        assert_eq!(
            via(&e, "http://x/").as_deref(),
            Some("HTTP_PROXY http://h:1/")
        );
        assert_eq!(
            via(&e, "https://x/").as_deref(),
            Some("ALL_PROXY http://a:3/")
        );
        let e = env(&[("https_proxy", "s:2")]).expect("parses");
        assert_eq!(via(&e, "http://x/"), None);
        assert_eq!(
            via(&e, "https://x/").as_deref(),
            Some("https_proxy http://s:2/"),
            "a value without a scheme is http://"
        );
    }

    #[test]
    fn uppercase_wins_and_empty_is_unset() {
        let e = env(&[
            ("HTTP_PROXY", "http://up:1"),
            ("http_proxy", "http://low:1"),
        ])
        .expect("parses");
        assert_eq!(
            via(&e, "http://x/").as_deref(),
            Some("HTTP_PROXY http://up:1/")
        );
        let e = env(&[("HTTP_PROXY", " "), ("http_proxy", "http://low:1")]).expect("parses");
        assert_eq!(
            via(&e, "http://x/").as_deref(),
            Some("http_proxy http://low:1/")
        );
        assert!(env(&[("HTTP_PROXY", "")]).expect("parses").is_empty());
    }

    #[test]
    fn no_proxy_matches_domains_subdomains_addresses_and_networks() {
        let e = env(&[
            ("HTTP_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "corp.example, .internal,10.0.0.0/8, ::1,192.168.1.7:8080",
            ),
        ])
        .expect("parses");
        for direct in [
            "http://corp.example/",
            "http://API.corp.example/",
            "http://internal/",
            "http://a.b.internal:81/",
            "http://10.200.3.4/",
            "http://[::1]:9/",
            "http://192.168.1.7/",
        ] {
            assert_eq!(via(&e, direct), None, "{direct} goes direct");
        }
        for proxied in [
            "http://notcorp.example/",
            "http://corp.example.com/",
            "http://11.0.0.1/",
            "http://192.168.1.8/",
            "http://[::2]/",
        ] {
            assert!(
                via(&e, proxied).is_some(),
                "{proxied} goes through the proxy"
            );
        }
        let e = env(&[("HTTP_PROXY", "http://p:1"), ("no_proxy", "*")]).expect("parses");
        assert_eq!(via(&e, "http://anything/"), None);
    }

    #[test]
    fn a_bad_proxy_is_an_error_naming_the_variable_without_its_password() {
        let err = env(&[("HTTPS_PROXY", "socks5://user:hunter2@p:1080")])
            .expect_err("socks is refused")
            .to_string();
        assert!(err.contains("HTTPS_PROXY"), "{err}");
        assert!(err.contains("socks5"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = env(&[("HTTP_PROXY", "http://user:hunter2@[bad")])
            .expect_err("not a URL")
            .to_string();
        assert!(
            err.contains("HTTP_PROXY") && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn credentials_never_show() {
        let e = env(&[
            ("HTTP_PROXY", "http://alice:hunter2@p:3128"),
            ("NO_PROXY", "localhost"),
        ])
        .expect("parses");
        let shown = format!("{:?} {}", e, e.describe().join("\n"));
        assert!(
            !shown.contains("hunter2") && !shown.contains("alice"),
            "{shown}"
        );
        assert!(shown.contains("http://***@p:3128/"), "{shown}");
        assert!(shown.contains("except NO_PROXY: localhost"), "{shown}");
        let other =
            env(&[("HTTPS_PROXY", "http://s:1"), ("ALL_PROXY", "http://a:1")]).expect("parses");
        assert_eq!(
            other.describe(),
            [
                "http targets through http://a:1/ (ALL_PROXY)",
                "https targets through http://s:1/ (HTTPS_PROXY)"
            ]
        );
        // The client still gets them.
        let p = e
            .for_url(&Url::parse("http://x/").expect("url"))
            .expect("proxied");
        assert_eq!(p.url().password(), Some("hunter2"));
        assert_eq!(
            redacted(&Url::parse("http://p:1/").expect("url")),
            "http://p:1/"
        );
    }
}
