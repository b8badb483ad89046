//! Which operation an exchange was: [`Matcher`] finds, for a method and URL, the operation of
//! the specs whose path template matches the URL's path once the server's base path is
//! stripped. The base is a spec's `servers` URL path, or nothing, or any leading segments
//! (a gateway's prefix, such as `/es` before `/openapi/instances/{InstanceId}`) when the
//! template has a literal segment of its own, so that `/{id}` never swallows every path.
//! Reused by whatever maps traffic to operations (a proxy, a replaying mock, a diff).

use crate::openapi::ParamIn;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

use crate::check::schema::coerce;
use crate::openapi::{ApiSpec, Operation};

/// The operations of some APIs, by path template.
pub struct Matcher {
    apis: Vec<Candidate>,
}

struct Candidate {
    spec: Arc<ApiSpec>,
    /// The `servers` URL paths, without a trailing `/` (`""` for a server at the root).
    bases: Vec<String>,
    /// The `servers` hosts (`host:port`), for URLs that name one.
    hosts: Vec<String>,
}

/// An exchange's operation, and the path parameters read from its URL.
#[derive(Debug)]
pub struct Match<'a> {
    /// The spec whose server and path template matched.
    pub api: &'a ApiSpec,
    /// The operation the exchange's method and path resolve to.
    pub op: &'a Operation,
    /// Decoded, by name, in template order.
    pub path_params: Vec<(String, String)>,
    /// The leading path stripped before the template matched.
    pub base: String,
    /// A path parameter whose value its schema refuses (name, value): `/servers/detail` read
    /// as `/servers/{server_id}` when the spec documents no `/servers/detail`. Such a match
    /// is chosen only when nothing fits better; the caller decides whether to trust it.
    pub refused: Option<(String, String)>,
}

impl Matcher {
    /// A matcher over `specs`, with each spec's server paths as bases and server hosts as hosts.
    pub fn new(specs: Vec<Arc<ApiSpec>>) -> Matcher {
        let apis = specs
            .into_iter()
            .map(|spec| {
                let mut bases = Vec::new();
                let mut hosts = Vec::new();
                for s in &spec.servers {
                    match url::Url::parse(s) {
                        Ok(u) => {
                            bases.push(u.path().trim_end_matches('/').to_owned());
                            if let Some(h) = u.host_str() {
                                hosts.push(host_port(h, u.port()));
                            }
                        }
                        // A relative server (`/v2.1`) is a path on whatever host serves it.
                        Err(_) => bases.push(s.trim_end_matches('/').to_owned()),
                    }
                }
                Candidate { spec, bases, hosts }
            })
            .collect();
        Matcher { apis }
    }

    /// The APIs matched against, by name.
    pub fn apis(&self) -> impl Iterator<Item = &str> {
        self.apis.iter().map(|c| c.spec.name.as_str())
    }

    /// The best operation for `method` and `url`; `hint` is an operationId the recording
    /// names (conform's `_conform.call`), preferred among equal matches.
    pub fn find(&self, method: &str, url: &url::Url, hint: Option<&str>) -> Option<Match<'_>> {
        let path: Vec<String> = url
            .path()
            .split('/')
            .skip(1)
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let host = url.host_str().map(|h| host_port(h, url.port()));
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let mut best: Option<(Score, Match<'_>)> = None;
        for c in &self.apis {
            let host_claimed = host.as_ref().is_some_and(|h| c.hosts.contains(h));
            for op in &c.spec.operations {
                if !op.method.eq_ignore_ascii_case(method) {
                    continue;
                }
                // A path key with a query (`/responses?beta=true`, as some specs write to tell
                // two operations apart) matches only a URL with those pairs, and then wins.
                let (template, wanted) = op.path.split_once('?').unwrap_or((&op.path, ""));
                let wanted: Vec<(String, String)> = url::form_urlencoded::parse(wanted.as_bytes())
                    .into_owned()
                    .collect();
                if !wanted.iter().all(|w| query.contains(w)) {
                    continue;
                }
                let Some((base, params, literals)) = match_template(template, &path) else {
                    continue;
                };
                let literals = literals + wanted.len();
                let base_kind = if c.bases.contains(&base) {
                    2
                } else if base.is_empty() {
                    1
                } else if literals > 0 {
                    0
                } else {
                    continue;
                };
                let refused = refused_param(op, &params);
                let score = Score {
                    hint: hint == Some(op.id.as_str()),
                    fits: refused.is_none(),
                    host: host_claimed,
                    base: base_kind,
                    literals,
                };
                if best.as_ref().is_none_or(|(s, _)| score > *s) {
                    let m = Match {
                        api: &c.spec,
                        op,
                        path_params: params,
                        base,
                        refused,
                    };
                    best = Some((score, m));
                }
            }
        }
        best.map(|(_, m)| m)
    }
}

/// How good a match is, compared field by field in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    hint: bool,
    /// Every path parameter's value passes its schema.
    fits: bool,
    host: bool,
    base: u8,
    literals: usize,
}

/// The first path parameter whose value its schema refuses, read as text is read.
fn refused_param(op: &Operation, params: &[(String, String)]) -> Option<(String, String)> {
    params
        .iter()
        .find(|(name, value)| {
            op.params_in(ParamIn::Path)
                .find(|p| p.name == *name)
                .and_then(|p| p.schema.as_ref())
                .and_then(|s| s.validator().ok().map(|v| (s, v)))
                .is_some_and(|(s, v)| !v.is_valid(&coerce(value, &s.raw)))
        })
        .cloned()
}

fn host_port(host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// The leading segments left over (the base, as `/a/b`), the parameters, and how many
/// segments matched literally.
type TemplateMatch = (String, Vec<(String, String)>, usize);

/// Matches `template` against the last segments of `path`.
fn match_template(template: &str, path: &[String]) -> Option<TemplateMatch> {
    let segments: Vec<&str> = template.split('/').skip(1).collect();
    if segments.len() > path.len() {
        return None;
    }
    let split = path.len() - segments.len();
    let mut params = Vec::new();
    let mut literals = 0;
    for (t, p) in segments.iter().zip(&path[split..]) {
        match t.find('{').zip(t.rfind('}')) {
            Some((open, close)) if open < close => {
                let (prefix, suffix) = (&t[..open], &t[close + 1..]);
                let value = p.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                params.push((t[open + 1..close].to_owned(), value.to_owned()));
            }
            _ if t == p => literals += 1,
            _ => return None,
        }
    }
    let base: String = path[..split].iter().map(|s| format!("/{s}")).collect();
    Some((base, params, literals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').skip(1).map(str::to_owned).collect()
    }

    #[test]
    fn a_template_matches_under_a_base_path() {
        let (base, params, literals) = match_template(
            "/openapi/instances/{InstanceId}/actions/cancel-deletion",
            &segs("/es/openapi/instances/es-cn-1/actions/cancel-deletion"),
        )
        .expect("matches");
        assert_eq!(base, "/es");
        assert_eq!(params, vec![("InstanceId".into(), "es-cn-1".into())]);
        assert_eq!(literals, 4);
    }

    #[test]
    fn a_literal_that_differs_does_not_match() {
        assert!(match_template("/servers/{id}/action", &segs("/servers/1/other")).is_none());
        assert!(match_template("/servers/{id}", &segs("/servers")).is_none());
        assert!(match_template("/servers/{id}", &segs("/servers/")).is_none());
    }

    fn spec(servers: &[&str], ops: &[(&str, &str, &str)]) -> Matcher {
        let op = |(id, method, path): &(&str, &str, &str)| Operation {
            id: (*id).into(),
            method: (*method).into(),
            path: (*path).into(),
            params: Vec::new(),
            request_body: None,
            responses: Vec::new(),
            security: Vec::new(),
            requirements: Vec::new(),
            produces: None,
            accept: Default::default(),
            tags: Vec::new(),
            at: crate::openapi::Location {
                file: Arc::from("t.yaml"),
                pointer: String::new(),
            },
        };
        Matcher::new(vec![Arc::new(ApiSpec {
            name: "t".into(),
            path: "t.yaml".into(),
            operations: ops.iter().map(op).collect(),
            servers: servers.iter().map(|s| (*s).to_owned()).collect(),
            security_schemes: Default::default(),
            skipped: Vec::new(),
        })])
    }

    fn found(m: &Matcher, method: &str, url: &str, hint: Option<&str>) -> Option<String> {
        let url = url::Url::parse(url).expect("url");
        m.find(method, &url, hint).map(|m| m.op.id.clone())
    }

    #[test]
    fn the_best_operation_is_found() {
        let m = spec(
            &["https://api.test/v2"],
            &[
                ("show", "GET", "/items/{id}"),
                ("mine", "GET", "/items/mine"),
                ("beta", "GET", "/items/{id}?beta=true"),
                ("root", "GET", "/{name}"),
                ("alias", "GET", "/items/{key}"),
            ],
        );
        let f = |method, url| found(&m, method, url, None);
        assert_eq!(
            f("GET", "https://api.test/v2/items/7").as_deref(),
            Some("show")
        );
        assert_eq!(
            f("GET", "http://127.0.0.1:9/v2/items/mine").as_deref(),
            Some("mine")
        );
        assert_eq!(
            f("GET", "http://h/gw/items/7?beta=true").as_deref(),
            Some("beta")
        );
        assert_eq!(f("POST", "https://api.test/v2/items/7"), None);
        // A template of parameters alone matches under the server's base path or none, never
        // under any prefix (every asset of a page would match it).
        assert_eq!(f("GET", "https://api.test/v2/x").as_deref(), Some("root"));
        assert_eq!(f("GET", "https://cdn.test/static/app.js"), None);
        // A recording that names the operation wins a tie.
        assert_eq!(
            found(&m, "GET", "https://api.test/v2/items/7", Some("alias")).as_deref(),
            Some("alias")
        );
    }

    #[test]
    fn a_parameter_with_a_literal_suffix() {
        let (_, params, _) =
            match_template("/files/{name}.json", &segs("/files/a.json")).expect("matches");
        assert_eq!(params, vec![("name".into(), "a".into())]);
        assert!(match_template("/files/{name}.json", &segs("/files/a.xml")).is_none());
    }
}
