//! [`SpecServer`]: the target a spec's own `servers:` names, for an API that is given no target
//! and has no built-in mock (a team's own spec). It is a real server, not a mock: the write
//! guard applies to it as to any target that is not on this machine.

use std::path::Path;

use reqwest::Url;

use super::parse_base_url;
use crate::openapi::ApiSpec;

/// What the first `servers` URL of a spec gives as a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecServer {
    /// An absolute http(s) URL, its variables' defaults filled.
    Url(Url),
    /// Why the spec's servers cannot be the target on their own, said for a person.
    Unusable(String),
}

impl SpecServer {
    /// The spec's first `servers` URL (the one OpenAPI makes the default), if it names a host.
    pub fn of(spec: &ApiSpec) -> SpecServer {
        Self::of_urls(&spec.servers, &spec.path)
    }

    fn of_urls(servers: &[String], path: &Path) -> SpecServer {
        let Some(first) = servers.first() else {
            return SpecServer::Unusable(format!(
                "{} has no `servers` URL to take as the target",
                path.display()
            ));
        };
        match Url::parse(first) {
            Err(url::ParseError::RelativeUrlWithoutBase) => SpecServer::Unusable(format!(
                "the first `servers` URL of {}, `{first}`, is relative: it says where the API is \
                 on a host, not which host",
                path.display()
            )),
            _ => match parse_base_url(first) {
                Ok(url) => SpecServer::Url(url),
                Err(e) => SpecServer::Unusable(format!(
                    "the first `servers` URL of {}, `{first}`: {e}",
                    path.display()
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(urls: &[&str]) -> SpecServer {
        let urls: Vec<String> = urls.iter().map(|u| (*u).to_owned()).collect();
        SpecServer::of_urls(&urls, Path::new("api/openapi.yaml"))
    }

    #[test]
    fn the_first_absolute_url_is_the_target() {
        let SpecServer::Url(url) = of(&["https://api.example.com/v1", "http://127.0.0.1:1"]) else {
            panic!("a URL");
        };
        assert_eq!(url.as_str(), "https://api.example.com/v1");
    }

    #[test]
    fn what_cannot_be_a_target_says_why() {
        for (urls, says) in [
            (&[][..], "has no `servers` URL"),
            (&["/v1"][..], "is relative"),
            (&["/v1", "https://api.example.com"][..], "is relative"),
            (&["ftp://files.example.com"][..], "not http or https"),
        ] {
            match of(urls) {
                SpecServer::Unusable(why) => {
                    assert!(why.contains(says), "{urls:?}: {why}");
                    assert!(why.contains("api/openapi.yaml"), "{urls:?}: {why}");
                }
                SpecServer::Url(u) => panic!("{urls:?} gave {u}"),
            }
        }
    }
}
