//! Answers from a recording: [`Replay`] holds the entries of a HAR for one API's operations and
//! picks, for each incoming request, the recorded exchange to answer with ([`Replay::answer`]).
//!
//! A request is matched to its operation ([`super::Matcher`]), then to the entries recorded
//! for that operation with the same path parameters: the parameters that identify a resource.
//! So the ids the recording created are recognised when the client uses them again: a create
//! answered from the recording returns the recorded id, and the reads, cancels and deletes of
//! that id find what was recorded for it. Among those entries the one not answered yet wins,
//! then the one whose query and body are nearest the request's (values that differ on every
//! run, a clientToken, a generated name, are not required to match: strings count by their
//! common prefix), then the one recorded first. A resource read several times (BUILD, then
//! ACTIVE) is answered in recorded order, and the last answer repeats once all were given.
//!
//! What the recording does not hold is said with the nearest recorded request
//! ([`Answer::NotRecorded`]), or is not an operation of the spec at all ([`Answer::NotInSpec`]:
//! a login, a version document), which a server may hand to a reference mock.

use crate::openapi::ParamIn;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::format::Har;
use super::matcher::Matcher;
use crate::http::{Body, Request, Response};
use crate::openapi::ApiSpec;

/// One recorded exchange, as the replay reads it.
#[derive(Debug)]
struct Recorded {
    /// Its place in the file, `#/log/entries/N`.
    index: usize,
    op: String,
    /// The operation's path template: operations that share a method and a path (a compute
    /// API's actions, told apart by their body) are one set of candidates.
    template: String,
    method: String,
    url: String,
    path_params: Vec<(String, String)>,
    /// The query, and the headers the operation declares as parameters (a microversion).
    query: Vec<(String, String)>,
    body: Option<Value>,
    /// The recorded answer, its body decoded.
    response: Response,
}

/// The recorded answer, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The recording holds an answer for the request.
    Recorded {
        /// The recorded response, the client's made-up ids put back in.
        response: Response,
        /// The entry answered, `#/log/entries/N`.
        entry: usize,
    },
    /// An operation of the spec, not in the recording as asked; `nearest` says which recorded
    /// request comes closest and how it differs.
    NotRecorded {
        /// The id of the operation the request is.
        operation: String,
        /// The nearest recorded request (`METHOD url (#/log/entries/N)`) and how it differs; `None`
        /// when the recording is empty.
        nearest: Option<String>,
    },
    /// No operation of the spec is this request.
    NotInSpec,
}

/// Why a recording cannot be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// No entry of the recording is an operation of the API's spec.
    #[error(
        "{file}: no entry of the recording is an operation of `{api}` ({entries} entries read); \
         record the API's scenarios as HAR first (a run's or a proxy's recording)"
    )]
    NothingForApi {
        /// The recording as named to the user.
        file: String,
        /// The API whose spec was matched against.
        api: String,
        /// How many entries the recording holds in all.
        entries: usize,
    },
}

/// A recording, ready to answer.
pub struct Replay {
    matcher: Matcher,
    entries: Vec<Recorded>,
    /// Every text a recorded answer holds (JSON strings, header values): an id in a path that
    /// none of them holds was made up by the client (`${uuid}` for a server that does not
    /// exist), and matches any other made-up id recorded for the same operation.
    created: HashSet<String>,
    /// Entries answered at least once.
    used: Mutex<HashSet<usize>>,
}

impl Replay {
    /// The entries of `har` (read from `file`) that are operations of `spec` and got an
    /// answer; the others (another API's, a request that failed) are left out.
    pub fn new(file: &str, har: &Har, spec: Arc<ApiSpec>) -> Result<Replay, ReplayError> {
        let api = spec.name.clone();
        let matcher = Matcher::new(vec![spec]);
        let mut entries = Vec::new();
        for (index, e) in har.log.entries.iter().enumerate() {
            if e.response.status == 0 {
                continue;
            }
            let Ok(url) = url::Url::parse(&e.request.url) else {
                continue;
            };
            let hint = e.conform.as_ref().map(|a| a.call.as_str());
            let Some(m) = matcher.find(&e.request.method, &url, hint) else {
                continue;
            };
            // A body that is not valid base64 answers empty: the check of the recording
            // (`conform check`) is where that is said.
            let (body, _) = super::convert::decoded(&e.response.content);
            entries.push(Recorded {
                index,
                op: m.op.id.clone(),
                template: m.op.path.clone(),
                method: e.request.method.to_ascii_uppercase(),
                url: e.request.url.clone(),
                path_params: m.path_params.clone(),
                query: url
                    .query_pairs()
                    .into_owned()
                    .chain(declared_headers(
                        m.op,
                        &e.request
                            .headers
                            .iter()
                            .map(|p| (p.name.clone(), p.value.clone()))
                            .collect::<Vec<_>>(),
                    ))
                    .collect(),
                body: e
                    .request
                    .post_data
                    .as_ref()
                    .and_then(|p| serde_json::from_str(&p.text).ok()),
                response: Response {
                    status: e.response.status,
                    headers: super::convert::headers_of(&e.response.headers),
                    body: Body::new(body),
                },
            });
        }
        let mut created = HashSet::new();
        for r in &entries {
            if let Ok(v) = serde_json::from_slice::<Value>(&r.response.body) {
                strings(&v, &mut created);
            }
            for (_, v) in &r.response.headers {
                created.insert(v.clone());
                if let Some(last) = v.trim_end_matches('/').rsplit('/').next() {
                    created.insert(last.to_owned());
                }
            }
        }
        if entries.is_empty() {
            return Err(ReplayError::NothingForApi {
                file: file.to_owned(),
                api,
                entries: har.log.entries.len(),
            });
        }
        Ok(Replay {
            matcher,
            entries,
            created,
            used: Mutex::new(HashSet::new()),
        })
    }

    /// How many entries can be answered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry can be answered (never, for a [`Replay::new`] that succeeded).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The answer to `req`.
    pub fn answer(&self, req: &Request) -> Answer {
        let (method, url) = (req.method.as_str(), &req.url);
        // A body is matched by its JSON, when it is UTF-8 text.
        let body = (!req.body.is_empty())
            .then(|| std::str::from_utf8(&req.body).ok())
            .flatten();
        let headers = &req.headers;
        let Some(m) = self.matcher.find(method, url, None) else {
            return Answer::NotInSpec;
        };
        let query: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .chain(declared_headers(m.op, headers))
            .collect();
        let body: Option<Value> = body.and_then(|b| serde_json::from_str(b).ok());
        let method = method.to_ascii_uppercase();
        let same_op: Vec<&Recorded> = self
            .entries
            .iter()
            .filter(|r| r.template == m.op.path && r.method == method)
            .collect();
        let made_up = |v: &str| !self.created.contains(v);
        let fits = |r: &Recorded| {
            r.path_params.len() == m.path_params.len()
                && r.path_params
                    .iter()
                    .zip(&m.path_params)
                    .all(|((rn, rv), (n, v))| rn == n && (rv == v || (made_up(rv) && made_up(v))))
        };
        let candidates: Vec<&Recorded> = same_op.iter().copied().filter(|r| fits(r)).collect();
        if candidates.is_empty() {
            return Answer::NotRecorded {
                operation: m.op.id.clone(),
                nearest: nearest(&same_op, &m.path_params, &self.entries, &method, url.path()),
            };
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let score = |r: &Recorded| similarity(&r.query, r.body.as_ref(), &query, body.as_ref());
        let Some(pick) = candidates.iter().copied().max_by(|a, b| {
            let (fresh_a, fresh_b) = (!used.contains(&a.index), !used.contains(&b.index));
            let exact = |r: &Recorded| r.path_params == m.path_params;
            fresh_a
                .cmp(&fresh_b)
                .then(exact(a).cmp(&exact(b)))
                .then(score(a).cmp(&score(b)))
                // Among those not answered yet the first recorded; once all were, the last.
                .then(if fresh_a {
                    b.index.cmp(&a.index)
                } else {
                    a.index.cmp(&b.index)
                })
        }) else {
            return Answer::NotInSpec;
        };
        used.insert(pick.index);
        // A made-up id the answer echoes (`Instance <id> could not be found.`) is the client's
        // own: it is given back as the client wrote it.
        let mut body = pick.response.body.to_vec();
        let mut headers = pick.response.headers.clone();
        for ((_, recorded), (_, asked)) in pick.path_params.iter().zip(&m.path_params) {
            if recorded != asked {
                body = replace(&body, recorded.as_bytes(), asked.as_bytes());
                headers = headers
                    .into_iter()
                    .map(|(n, v)| (n, v.replace(recorded.as_str(), asked)))
                    .collect();
            }
        }
        Answer::Recorded {
            response: Response {
                status: pick.response.status,
                headers,
                body: Body::new(body),
            },
            entry: pick.index,
        }
    }
}

/// How alike two requests are, in their query, their declared header parameters and their
/// body: a leaf the recording has at the same place scores 2 when equal, 1 when only what is
/// left once a trailing run of digits and hex (a generated suffix) is cut off is equal and not
/// empty, 0 otherwise, so that values made afresh on every run (uuids, tokens) count for
/// nothing either way and the recorded order decides among requests that differ only there.
fn similarity(
    rq: &[(String, String)],
    rb: Option<&Value>,
    q: &[(String, String)],
    b: Option<&Value>,
) -> u32 {
    let mut score = 0;
    for (name, value) in q {
        if let Some((_, recorded)) = rq.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            score += alike(recorded, value);
        }
    }
    if let (Some(rb), Some(b)) = (rb, b) {
        score += json_similarity(rb, b);
    }
    score
}

fn json_similarity(recorded: &Value, asked: &Value) -> u32 {
    match (recorded, asked) {
        (Value::Object(r), Value::Object(a)) => a
            .iter()
            .filter_map(|(k, v)| r.get(k).map(|rv| 1 + json_similarity(rv, v)))
            .sum(),
        (Value::Array(r), Value::Array(a)) => {
            r.iter().zip(a).map(|(rv, v)| json_similarity(rv, v)).sum()
        }
        (Value::String(r), Value::String(a)) => alike(r, a),
        (r, a) if r == a => 2,
        _ => 0,
    }
}

fn alike(a: &str, b: &str) -> u32 {
    // A time (a signing date header, a `Date`) says when, not what: two requests a second apart
    // would otherwise look alike by the clock.
    if is_time(a) || is_time(b) {
        return 0;
    }
    if a == b {
        return 2;
    }
    let stem = |s: &str| {
        let cut = s.trim_end_matches(|c: char| c.is_ascii_hexdigit() || c == '-' || c == '_');
        // Only a generated suffix is cut: at least 6 characters of it.
        if s.len() - cut.len() >= 6 {
            cut.to_owned()
        } else {
            s.to_owned()
        }
    };
    let (sa, sb) = (stem(a), stem(b));
    u32::from(!sa.is_empty() && sa == sb)
}

/// An RFC 3339 or RFC 2822 (HTTP) timestamp.
fn is_time(s: &str) -> bool {
    s.parse::<jiff::Timestamp>().is_ok() || jiff::fmt::rfc2822::parse(s).is_ok()
}

/// `from` replaced by `to` in `bytes`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Every string in `v`, into `out`.
fn strings(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// The headers of `headers` that `op` declares as parameters.
fn declared_headers<'a>(
    op: &'a crate::openapi::Operation,
    headers: &'a [(String, String)],
) -> impl Iterator<Item = (String, String)> + 'a {
    headers
        .iter()
        .filter(|(n, _)| {
            op.params_in(ParamIn::Header)
                .any(|p| p.name.eq_ignore_ascii_case(n))
        })
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
}

/// The recorded request nearest a request no entry answers, and how it differs.
fn nearest(
    same_op: &[&Recorded],
    params: &[(String, String)],
    all: &[Recorded],
    method: &str,
    path: &str,
) -> Option<String> {
    if let Some(r) = same_op.iter().max_by_key(|r| {
        r.path_params
            .iter()
            .zip(params)
            .filter(|(a, b)| a == b)
            .count()
    }) {
        let differs: Vec<String> = r
            .path_params
            .iter()
            .zip(params)
            .filter(|(a, b)| a != b)
            .map(|((name, recorded), (_, asked))| {
                format!("path parameter {name} is `{asked}`, recorded `{recorded}`")
            })
            .collect();
        return Some(format!(
            "{} {} (#/log/entries/{}): {}",
            r.method,
            r.url,
            r.index,
            if differs.is_empty() {
                "the same operation".to_owned()
            } else {
                differs.join(", ")
            }
        ));
    }
    // No entry of this operation: the recorded request whose path shares most with this one.
    let asked: Vec<&str> = path.split('/').collect();
    all.iter()
        .max_by_key(|r| {
            let recorded = url::Url::parse(&r.url)
                .map(|u| u.path().to_owned())
                .unwrap_or_default();
            let same = recorded
                .split('/')
                .zip(&asked)
                .take_while(|(a, b)| a == *b)
                .count();
            (same, r.method == method.to_ascii_uppercase())
        })
        .map(|r| {
            format!(
                "{} {} (#/log/entries/{}): another operation ({}); this one was never recorded",
                r.method, r.url, r.index, r.op
            )
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::har::read::parse;

    const A: &str = "0b8f2f5e-3d0a-4c7e-9a51-2f0e8c1d4b6a";

    fn spec() -> Arc<ApiSpec> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Arc::new(
            crate::openapi::load_api(
                "fixture",
                &root.join("tests/fixtures/specs/fixture/openapi.yaml"),
            )
            .expect("fixture spec"),
        )
    }

    /// A HAR of (method, path, request body, status, response body) entries.
    fn har(entries: &[(&str, &str, &str, u16, &str)]) -> Har {
        let entries: Vec<Value> = entries
            .iter()
            .map(|(method, path, req, status, body)| {
                let mut request = serde_json::json!({
                    "method": method, "url": format!("http://api.test/base{path}"), "headers": []});
                if !req.is_empty() {
                    request["postData"] = serde_json::json!({"mimeType": "application/json", "text": req});
                }
                serde_json::json!({"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
                    "request": request,
                    "response": {"status": status, "headers": [{"name": "content-type", "value": "application/json"}],
                        "content": {"size": body.len(), "mimeType": "application/json", "text": body}}})
            })
            .collect();
        let text = serde_json::json!({"log": {"entries": entries}}).to_string();
        parse(Path::new("t.har"), text.as_bytes()).expect("a HAR")
    }

    fn ask(r: &Replay, method: &str, path: &str, body: Option<&str>) -> Answer {
        let url = url::Url::parse(&format!("http://replay.test/base{path}")).expect("url");
        let mut req = Request::new(method, url);
        req.body = Body::new(body.unwrap_or_default().as_bytes().to_vec());
        r.answer(&req)
    }

    fn body(a: &Answer) -> String {
        match a {
            Answer::Recorded { response, .. } => response.body.text().into_owned(),
            other => panic!("not recorded: {other:?}"),
        }
    }

    #[test]
    fn a_created_id_finds_its_reads_in_recorded_order_and_the_last_repeats() {
        let created = format!(r#"{{"id":"{A}","status":"pending"}}"#);
        let ready = format!(r#"{{"id":"{A}","status":"ready"}}"#);
        let r = Replay::new(
            "t.har",
            &har(&[
                (
                    "POST",
                    "/widgets",
                    r#"{"name":"w-1a2b3c4d5e6f"}"#,
                    201,
                    &created,
                ),
                ("GET", &format!("/widgets/{A}"), "", 200, &created),
                ("GET", &format!("/widgets/{A}"), "", 200, &ready),
            ]),
            spec(),
        )
        .expect("replayable");
        assert!(
            body(&ask(
                &r,
                "POST",
                "/widgets",
                Some(r#"{"name":"w-99887766aabb"}"#)
            ))
            .contains(A)
        );
        let reads: Vec<String> = (0..3)
            .map(|_| body(&ask(&r, "GET", &format!("/widgets/{A}"), None)))
            .collect();
        assert!(reads[0].contains("pending"), "{reads:?}");
        assert!(
            reads[1].contains("ready") && reads[2].contains("ready"),
            "{reads:?}"
        );
    }

    #[test]
    fn a_made_up_id_matches_a_made_up_one_and_is_echoed_as_the_client_wrote_it() {
        let recorded = "11111111-2222-4333-8444-555555555555";
        let asked = "99999999-2222-4333-8444-555555555555";
        let r = Replay::new(
            "t.har",
            &har(&[(
                "GET",
                &format!("/widgets/{recorded}"),
                "",
                404,
                &format!(r#"{{"message":"widget {recorded} not found"}}"#),
            )]),
            spec(),
        )
        .expect("replayable");
        let a = ask(&r, "GET", &format!("/widgets/{asked}"), None);
        assert!(
            matches!(a, Answer::Recorded { ref response, .. } if response.status == 404),
            "{a:?}"
        );
        assert_eq!(
            body(&a),
            format!(r#"{{"message":"widget {asked} not found"}}"#)
        );
    }

    #[test]
    fn an_id_the_recording_created_and_never_read_is_not_recorded_and_the_nearest_is_named() {
        let created = format!(r#"{{"id":"{A}","status":"pending"}}"#);
        let r = Replay::new(
            "t.har",
            &har(&[
                ("POST", "/widgets", r#"{"name":"w"}"#, 201, &created),
                ("DELETE", &format!("/widgets/{A}"), "", 204, ""),
            ]),
            spec(),
        )
        .expect("replayable");
        match ask(&r, "GET", &format!("/widgets/{A}"), None) {
            Answer::NotRecorded { operation, nearest } => {
                assert_eq!(operation, "getWidget");
                let nearest = nearest.expect("a nearest request");
                assert!(
                    nearest.contains("DELETE") && nearest.contains("never recorded"),
                    "{nearest}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ask(&r, "GET", "/static/app.js", None), Answer::NotInSpec);
    }

    #[test]
    fn times_never_make_two_requests_alike() {
        assert_eq!(alike("2026-12-01T23:36:05Z", "2026-12-01T23:36:05Z"), 0);
        assert_eq!(
            alike(
                "Tue, 01 Dec 2026 23:36:05 GMT",
                "Tue, 01 Dec 2026 23:36:05 GMT"
            ),
            0
        );
        assert_eq!(alike("compute 2.46", "compute 2.46"), 2);
        assert_eq!(
            alike("conform-active-1a2b3c4d5e6f", "conform-active-99aa88bb77cc"),
            1
        );
        assert_eq!(alike("0b8f2f5e-3d0a-4c7e", "1c9a3e6f-4e1b-5d8f"), 0);
    }

    #[test]
    fn a_recording_with_nothing_of_the_api_is_refused() {
        let err = Replay::new("t.har", &har(&[]), spec())
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains("no entry of the recording"),
            "{err}"
        );
    }
}
