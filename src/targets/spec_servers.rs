//! [`SpecServer`]: the target a spec's own `servers:` names, for an API that is given no target
//! and has no built-in mock (a team's own spec). It is a real server, not a mock: the write
//! guard applies to it as to any target that is not on this machine.
//!
//! A relative first `servers` URL (`/api`, as FastAPI writes it, or a Swagger 2.0 `basePath`
//! without `host`) names no host, only where the API is on one: [`join`] puts it under the
//! path of the target's base URL ([`Join`]), so `http://127.0.0.1:8888` + `/api` sends
//! `GET /kernels` to `http://127.0.0.1:8888/api/kernels`. A base URL whose path already holds
//! it (`http://h/api`, `http://h/x/api`, `http://h/api/v2`) is the user's choice and kept.
//! An absolute `servers` URL is never joined: a given target wins whole. A spec named by URL
//! with no target given takes a relative `servers` URL from where it is served, as OpenAPI
//! says (`http://h/api/spec.yaml` + `/api` -> `http://h/api`).

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
        // OpenAPI: a relative URL is relative to where the document is served, so a spec
        // named by URL gives the host itself.
        let served_at = Url::parse(&path.to_string_lossy())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        match Url::parse(first) {
            Err(url::ParseError::RelativeUrlWithoutBase) if served_at.is_some() => {
                let joined = served_at.and_then(|base| base.join(first).ok());
                match joined.as_ref().map(|u| parse_base_url(u.as_str())) {
                    Some(Ok(url)) => SpecServer::Url(url),
                    _ => SpecServer::Unusable(format!(
                        "the first `servers` URL of {}, `{first}`, does not join the spec's URL",
                        path.display()
                    )),
                }
            }
            Err(url::ParseError::RelativeUrlWithoutBase) => SpecServer::Unusable(format!(
                "the first `servers` URL of {}, `{first}`, is relative: it says where the API is \
                 on a host, not which host (given a target, conform puts it under the target's \
                 path)",
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

/// The path a spec's first `servers` URL gives when it is relative (`/api`, `api/v1`): `None`
/// when it is absolute, names a host (`//h/x`), or is the root.
pub fn relative_path(spec: &ApiSpec) -> Option<String> {
    relative_of(spec.servers.first()?)
}

fn relative_of(server: &str) -> Option<String> {
    if server.starts_with("//")
        || !matches!(
            Url::parse(server),
            Err(url::ParseError::RelativeUrlWithoutBase)
        )
    {
        return None;
    }
    // Neither a query nor a fragment belongs to a base path.
    let path = server.split(['?', '#']).next().unwrap_or("");
    let segments = segments(path.trim_start_matches("./"));
    (!segments.is_empty()).then(|| format!("/{}", segments.join("/")))
}

/// The non-empty segments of a URL path.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// What a relative `servers` path does to a target's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Join {
    /// The base URL with the server path under its own path.
    Joined(Url),
    /// The base URL's path already holds the server path (it is the path, starts or ends with
    /// it, segment by segment): the user wrote it, so the base is kept as given.
    AlreadyThere,
}

/// `base` joined with the relative server path `server` (as [`relative_path`] gives it).
pub fn join(base: &Url, server: &str) -> Join {
    let own = segments(base.path());
    let wanted = segments(server);
    if wanted.is_empty() || own.starts_with(&wanted) || own.ends_with(&wanted) {
        return Join::AlreadyThere;
    }
    let mut url = base.clone();
    let path = own
        .iter()
        .chain(&wanted)
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    url.set_path(&format!("/{path}"));
    Join::Joined(url)
}

/// The hint for a target at the root of its host whose spec's first `servers` URL is absolute
/// with a path (`https://api.example.com/v1`): the given URL wins whole, so requests go to
/// `/widgets`, not `/v1/widgets`; if the API is under the path, every answer is a 404.
pub fn missing_path(spec: &ApiSpec, base: &Url) -> Option<String> {
    let first = spec.servers.first()?;
    let server = Url::parse(first).ok()?;
    let wanted = segments(server.path());
    if wanted.is_empty() || !segments(base.path()).is_empty() {
        return None;
    }
    Some(format!(
        "the spec's `servers` URL {first} has the path `/{}`, which this URL does not: if \
         every answer is 404, add the path to the target",
        wanted.join("/")
    ))
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
    fn a_relative_url_of_a_spec_named_by_url_is_taken_from_where_it_is_served() {
        let at = Path::new("http://127.0.0.1:8888/api/spec.yaml");
        for (server, want) in [
            ("/api", "http://127.0.0.1:8888/api"),
            ("v1", "http://127.0.0.1:8888/api/v1"),
            ("https://other.example/v2", "https://other.example/v2"),
        ] {
            match SpecServer::of_urls(&[server.to_owned()], at) {
                SpecServer::Url(url) => assert_eq!(url.as_str(), want, "{server}"),
                SpecServer::Unusable(why) => panic!("{server}: {why}"),
            }
        }
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

    #[test]
    fn a_relative_server_path_goes_under_the_targets_own_path() {
        let cases = [
            // target, first `servers` URL, the base requests go to (None: kept as given)
            (
                "http://127.0.0.1:8888",
                "/api",
                Some("http://127.0.0.1:8888/api"),
            ),
            (
                "http://127.0.0.1:8888/",
                "/api/",
                Some("http://127.0.0.1:8888/api"),
            ),
            ("http://h:1", "api/v1", Some("http://h:1/api/v1")),
            ("http://h:1", "./v2", Some("http://h:1/v2")),
            ("https://u:p@h/", "/api", Some("https://u:p@h/api")),
            // Mounted under a prefix: the API's path goes under it.
            ("http://h/x", "/api", Some("http://h/x/api")),
            ("http://h/x/", "/api", Some("http://h/x/api")),
            // The user already wrote it: kept.
            ("http://h/api", "/api", None),
            ("http://h/api/", "/api", None),
            ("http://h/x/api", "/api", None),
            ("http://h/api/v2", "/api", None),
            // Segment by segment, not by characters.
            ("http://h/apis", "/api", Some("http://h/apis/api")),
            ("http://h/v1", "/api/v1", Some("http://h/v1/api/v1")),
            ("http://h/api/v1", "/api/v1", None),
        ];
        for (target, server, want) in cases {
            let base = parse_base_url(target).expect("a URL");
            let path = relative_of(server).expect("relative");
            let got = match join(&base, &path) {
                Join::Joined(url) => Some(url.to_string()),
                Join::AlreadyThere => None,
            };
            assert_eq!(got.as_deref(), want, "{target} + {server}");
        }
    }

    #[test]
    fn only_a_relative_servers_path_is_joined() {
        for absolute in [
            "https://api.example.com/v1",
            "http://127.0.0.1:1/api",
            "//cdn.example.com/api",
            "/",
            "",
        ] {
            assert_eq!(relative_of(absolute), None, "{absolute}");
        }
        assert_eq!(relative_of("/api?x=1").as_deref(), Some("/api"));
        assert_eq!(relative_of("/a//b/").as_deref(), Some("/a/b"));
    }
}
