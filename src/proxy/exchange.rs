//! What went through the proxy, and its check: an [`Exchange`] becomes a HAR entry (the
//! client's request as the target got it, the target's answer whole) and goes through
//! [`crate::har::verify::entry`], the check of a recorded exchange, so the proxy judges an
//! answer exactly as `conform check` judges the same exchange in a file. What the proxy could
//! not forward is an error of the exchange, said in the harness's words. The result is
//! redacted, and its bodies cut as a run's records are, before anyone else sees it.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::Session;
use crate::check::{CheckKind, Finding};
use crate::har::model::{Content, Entry, Pair, PostData, Request, Response, Timings};
use crate::har::{Matcher, verify};
use crate::redact::Redactor;
use crate::run::{Outcome, Phase, RECORD_BODY_LIMIT, ScenarioResult, StepResult, cut};
use crate::source::Pos;

/// The target's answer, or why there is none.
pub(super) enum Answer {
    Received {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// No answer within `--timeout`.
    Timeout(String),
    /// No connection, or the answer broke off.
    Refused(String),
    /// The proxy's own limit (a body too large, a TLS tunnel).
    Limit(String),
}

pub(super) struct Exchange {
    pub api: String,
    pub started_at: jiff::Timestamp,
    pub method: String,
    /// The target's URL.
    pub url: String,
    /// As the target got them.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub answer: Answer,
    pub elapsed: Duration,
}

impl Exchange {
    /// The exchange checked against the API's spec, redacted.
    pub fn check(&self, matcher: &Matcher, strict: bool, session: &Session) -> ScenarioResult {
        let redactor = {
            let mut r = session.redactor();
            r.learn(&self.headers, &String::from_utf8_lossy(&self.body));
            if let Answer::Received { headers, body, .. } = &self.answer {
                r.learn(headers, &String::from_utf8_lossy(body));
            }
            r.clone()
        };
        let file = format!("proxy/{}", self.api);
        let entry = self.entry();
        let mut result = verify::entry(&file, 0, &entry, matcher, strict);
        result.id = file;
        for f in result.steps.iter_mut().flat_map(|s| s.findings.iter_mut()) {
            if let Some(rest) = f.message.strip_prefix("the recorded request: ") {
                f.message = format!("the client's request: {rest}");
            }
        }
        if result.steps.is_empty() {
            // No operation of the spec: nothing to check, but the exchange is still shown with
            // `-v` and recorded by `--record` (a login, a version document).
            let body = match &self.answer {
                Answer::Received { body, .. } => body.as_slice(),
                _ => &[],
            };
            result.steps.push(StepResult {
                name: format!("{} {}", self.method, self.url),
                call: String::new(),
                phase: Phase::Main,
                pos: Pos::UNKNOWN,
                outcome: Outcome::Skipped,
                attempts: 1,
                status: entry
                    .response
                    .status
                    .ne(&0)
                    .then_some(entry.response.status),
                request: Some(verify::request_record(&entry)),
                response: verify::response_record(&entry, body),
                findings: Vec::new(),
                body_diff: None,
                skipped: result.skipped.clone(),
                duration: self.elapsed,
            });
        }
        let failure = match &self.answer {
            Answer::Received { .. } => None,
            Answer::Timeout(why) | Answer::Refused(why) => {
                Some(Finding::error(CheckKind::Transport, why.clone()))
            }
            Answer::Limit(why) => Some(Finding::error(CheckKind::Limit, why.clone())),
        };
        if let Some(f) = failure {
            // Every result has its step by now, an unmatched exchange's too.
            if let Some(step) = result.steps.first_mut() {
                step.findings = vec![f];
                step.outcome = Outcome::Errored;
                step.response = None;
                step.skipped = None;
            }
            result.skipped = None;
            result.outcome = Outcome::Errored;
        }
        redact(&mut result, &redactor);
        result
    }

    /// The exchange as a HAR entry, unredacted: only the check reads it.
    fn entry(&self) -> Entry {
        let header = |headers: &[(String, String)], name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let pairs = |headers: &[(String, String)]| -> Vec<Pair> {
            headers.iter().map(|(n, v)| Pair::new(n, v)).collect()
        };
        let query_string = url::Url::parse(&self.url)
            .map(|u| u.query_pairs().map(|(n, v)| Pair::new(n, v)).collect())
            .unwrap_or_default();
        let post_data = (!self.body.is_empty()).then(|| PostData {
            mime_type: header(&self.headers, "content-type")
                .unwrap_or_else(|| "application/octet-stream".into()),
            text: String::from_utf8_lossy(&self.body).into_owned(),
            params: Vec::new(),
            truncated: false,
        });
        let response = match &self.answer {
            Answer::Received {
                status,
                headers,
                body,
            } => {
                let (text, encoding) = match std::str::from_utf8(body) {
                    Ok(t) => (t.to_owned(), None),
                    Err(_) => (BASE64.encode(body), Some("base64".to_owned())),
                };
                Response {
                    status: *status,
                    headers: pairs(headers),
                    content: Content {
                        size: body.len() as i64,
                        mime_type: header(headers, "content-type").unwrap_or_default(),
                        text: Some(text),
                        encoding,
                        truncated: false,
                    },
                    body_size: body.len() as i64,
                    ..Response::default()
                }
            }
            Answer::Timeout(why) | Answer::Refused(why) | Answer::Limit(why) => Response {
                error: Some(why.clone()),
                ..Response::default()
            },
        };
        Entry {
            started_date_time: self.started_at.to_string(),
            time: self.elapsed.as_secs_f64() * 1000.0,
            request: Request {
                method: self.method.clone(),
                url: self.url.clone(),
                http_version: "HTTP/1.1".into(),
                cookies: Vec::new(),
                headers: pairs(&self.headers),
                query_string,
                post_data,
                headers_size: -1,
                body_size: self.body.len() as i64,
            },
            response,
            cache: Default::default(),
            timings: Timings::default(),
            conform: None,
        }
    }
}

/// Credentials out of every record and message, and bodies cut as a run's records are.
fn redact(result: &mut ScenarioResult, r: &Redactor) {
    result.name = r.text(&result.name);
    for step in &mut result.steps {
        step.name = r.text(&step.name);
        if let Some(req) = &mut step.request {
            req.url = r.text(&req.url);
            req.headers = r.headers(&req.headers);
            req.body = req
                .body
                .as_deref()
                .map(|b| cut(&r.body(b), RECORD_BODY_LIMIT).0);
        }
        if let Some(resp) = &mut step.response {
            resp.headers = r.headers(&resp.headers);
            let (body, cut_off) = cut(&r.body(&resp.body), RECORD_BODY_LIMIT);
            resp.body = body;
            resp.truncated |= cut_off;
        }
        for f in &mut step.findings {
            f.message = r.text(&f.message);
        }
    }
}
