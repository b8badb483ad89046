//! `--record FILE.har`: [`Recorder`], an event sink that writes each finished step's exchange
//! as a HAR entry the moment the step finishes (memory stays flat whatever the run's size),
//! into a temporary sibling of the file that is renamed over it when the run ends, so a killed
//! run leaves the previous file or none, never half a HAR. Only the step's records are written:
//! they went through the run's redactor already, and nothing else of the exchange is seen here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::HarError;
use super::format::{
    AnnotatedFinding, Annotation, Content, Creator, Entry, Pair, PostData, Request, Response,
    Timings,
};
use crate::check::CheckKind;
use crate::http::first_header;
use crate::run::{Event, EventSink, Phase, RequestRecord, ResponseRecord, StepResult};

/// Writes a HAR file entry by entry; [`Recorder::finish`] completes it.
pub struct Recorder {
    path: PathBuf,
    tmp: PathBuf,
    state: Mutex<State>,
}

struct State {
    /// `None` once finished (or after the first write error, which is kept).
    out: Option<std::io::BufWriter<std::fs::File>>,
    entries: usize,
    error: Option<std::io::Error>,
}

impl Recorder {
    /// Opens the recording of `path`: refused at once (before anything runs) when `path` is a
    /// folder or its folder cannot be written. An existing file is replaced at the end: the
    /// user named it.
    pub fn create(path: &Path) -> Result<Recorder, HarError> {
        if path.is_dir() {
            return Err(HarError::IsDir {
                path: path.to_owned(),
            });
        }
        let tmp = crate::report::write::temp_sibling(path);
        let create = |cause| HarError::Create {
            path: path.to_owned(),
            cause,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(create)?);
        let creator = serde_json::to_string(&Creator::conform()).unwrap_or_default();
        write!(
            out,
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{creator},\"entries\":["
        )
        .map_err(create)?;
        Ok(Recorder {
            path: path.to_owned(),
            tmp,
            state: Mutex::new(State {
                out: Some(out),
                entries: 0,
                error: None,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, entry: &Entry) {
        let mut state = self.lock();
        let first = state.entries == 0;
        let Some(out) = state.out.as_mut() else {
            return;
        };
        let written = (|| {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *out, entry)?;
            std::io::Result::Ok(())
        })();
        match written {
            Ok(()) => state.entries += 1,
            Err(e) => {
                state.out = None;
                state.error = Some(e);
            }
        }
    }

    /// Completes the file and renames it into place; gives how many entries it has.
    pub fn finish(&self) -> Result<usize, HarError> {
        let mut state = self.lock();
        let err = |cause| HarError::Write {
            path: self.path.clone(),
            cause,
        };
        if let Some(e) = state.error.take() {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(err(e));
        }
        let Some(mut out) = state.out.take() else {
            return Ok(state.entries);
        };
        let done = (|| {
            out.write_all(b"\n]}}\n")?;
            let f = out.into_inner().map_err(|e| e.into_error())?;
            crate::report::write::commit(f, &self.tmp, &self.path)
        })();
        if let Err(e) = done {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(err(e));
        }
        Ok(state.entries)
    }
}

impl Drop for Recorder {
    /// A recording never finished (the run failed to start) leaves no temporary file behind.
    fn drop(&mut self) {
        if self.lock().out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl EventSink for Recorder {
    fn event(&self, event: &Event<'_>) {
        if let Event::StepFinished { scenario, step } = event
            && let Some(entry) = entry_of(scenario, step, jiff::Timestamp::now())
        {
            self.add(&entry);
        }
    }
}

/// A recording completed with the run's reports ([`crate::report::sinks::Sinks`]).
impl crate::report::sinks::Recording for Recorder {
    fn complete(&self) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let n = self.finish()?;
        Ok(format!("{n} exchange(s) in {}", self.path.display()))
    }
}

/// The HAR entry of a step that sent a request (`None` for one that sent nothing: a dry run,
/// a request refused before sending); `ended` is when the step finished.
pub(crate) fn entry_of(scenario: &str, step: &StepResult, ended: jiff::Timestamp) -> Option<Entry> {
    let request = step.request.as_ref()?;
    if step.attempts == 0 {
        return None;
    }
    let response = match &step.response {
        Some(r) => har_response(r),
        // Sent, and no answer: status 0 with the reason, as browsers record a failed request.
        None => Response {
            error: Some(
                step.findings
                    .iter()
                    .find(|f| matches!(f.check, CheckKind::Transport | CheckKind::Limit))
                    .or(step.findings.first())
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "no response".into()),
            ),
            ..Response::default()
        },
    };
    let started = ended
        .checked_sub(jiff::SignedDuration::try_from(step.duration).unwrap_or_default())
        .unwrap_or(ended);
    Some(Entry {
        started_date_time: started.to_string(),
        time: millis(step.duration),
        request: har_request(request),
        response,
        cache: Default::default(),
        timings: Timings::default(),
        conform: Some(annotation(scenario, step)),
    })
}

fn pairs(headers: &[(String, String)]) -> Vec<Pair> {
    headers.iter().map(|(n, v)| Pair::new(n, v)).collect()
}

/// A step's request record as HAR.
fn har_request(request: &RequestRecord) -> Request {
    let query_string = url::Url::parse(&request.url)
        .map(|u| {
            u.query_pairs()
                .map(|(n, v)| Pair::new(n, v))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let post_data = request.body.as_ref().map(|text| PostData {
        mime_type: first_header(&request.headers, "content-type")
            .unwrap_or("application/octet-stream")
            .to_owned(),
        text: text.clone(),
        params: Vec::new(),
        truncated: request.body_bytes > text.len(),
    });
    Request {
        method: request.method.clone(),
        url: request.url.clone(),
        http_version: "HTTP/1.1".into(),
        cookies: Vec::new(),
        headers: pairs(&request.headers),
        query_string,
        // The real length, even when `postData.text` holds only its start.
        body_size: request
            .body_bytes
            .max(request.body.as_ref().map_or(0, String::len)) as i64,
        post_data,
        headers_size: -1,
    }
}

/// A step's response record as HAR.
fn har_response(r: &ResponseRecord) -> Response {
    Response {
        status: r.status,
        status_text: reqwest::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .into(),
        http_version: "HTTP/1.1".into(),
        cookies: Vec::new(),
        headers: pairs(&r.headers),
        content: Content {
            size: r.body_bytes as i64,
            mime_type: first_header(&r.headers, "content-type")
                .unwrap_or_default()
                .to_owned(),
            text: Some(r.body.clone()),
            encoding: None,
            truncated: r.truncated,
        },
        redirect_url: first_header(&r.headers, "location")
            .unwrap_or_default()
            .to_owned(),
        headers_size: -1,
        // HAR's `bodySize` is what came over the wire; `content.size` the decoded length.
        body_size: r.wire_bytes.unwrap_or(r.body_bytes) as i64,
        error: None,
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn annotation(scenario: &str, step: &StepResult) -> Annotation {
    let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    Annotation {
        scenario: scenario.to_owned(),
        step: step.name.clone(),
        call: step.call.clone(),
        phase: match step.phase {
            Phase::Main => "main",
            Phase::Finally => "finally",
        }
        .into(),
        outcome: name(serde_json::to_value(step.outcome).unwrap_or_default()),
        findings: step
            .findings
            .iter()
            .map(|f| AnnotatedFinding {
                check: name(serde_json::to_value(f.check).unwrap_or_default()),
                severity: name(serde_json::to_value(f.severity).unwrap_or_default()),
                message: f.message.clone(),
                pointer: f.pointer.clone(),
                keyword: f.keyword.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Finding;
    use crate::run::{Outcome, RequestRecord, ResponseRecord};
    use crate::source::Pos;

    fn step(response: Option<ResponseRecord>, attempts: u32) -> StepResult {
        StepResult {
            name: "show".into(),
            call: "showServer".into(),
            phase: Phase::Main,
            pos: Pos::new(3, 5),
            file: None,
            outcome: Outcome::Failed,
            attempts,
            status: response.as_ref().map(|r| r.status),
            request: Some(RequestRecord {
                method: "GET".into(),
                url: "http://127.0.0.1:1/servers/1?a=1&b=x%20y".into(),
                headers: vec![("X-Auth-Token".into(), "<redacted>".into())],
                body: None,
                body_bytes: 0,
                credentials: None,
            }),
            response,
            findings: vec![
                Finding::violation(CheckKind::Schema, "/id: bad")
                    .pointer("/id")
                    .keyword("type"),
            ],
            body_diff: None,
            skipped: None,
            duration: Duration::from_millis(1500),
            unrecorded: None,
        }
    }

    fn ended() -> jiff::Timestamp {
        "2026-12-01T10:00:02Z".parse().expect("timestamp")
    }

    #[test]
    fn an_entry_says_its_step_its_findings_and_a_cut_body() {
        let resp = ResponseRecord {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{\"id\":".into(),
            body_bytes: 100_000,
            wire_bytes: None,
            truncated: true,
        };
        let mut s = step(Some(resp), 1);
        if let Some(r) = &mut s.request {
            r.body = Some("{\"a\":".into());
            r.body_bytes = 70_000;
        }
        let e = entry_of("s.yaml", &s, ended()).expect("an entry");
        let post = e.request.post_data.as_ref().expect("postData");
        assert!(post.truncated);
        assert_eq!(e.request.body_size, 70_000);
        assert_eq!(e.started_date_time, "2026-12-01T10:00:00.5Z");
        assert_eq!(e.time, 1500.0);
        assert_eq!(
            e.request.query_string,
            vec![Pair::new("a", "1"), Pair::new("b", "x y")]
        );
        assert_eq!(e.response.status_text, "OK");
        assert_eq!(e.response.content.size, 100_000);
        assert!(e.response.content.truncated);
        assert_eq!(e.response.content.mime_type, "application/json");
        let a = e.conform.expect("annotated");
        assert_eq!(
            (a.scenario.as_str(), a.call.as_str()),
            ("s.yaml", "showServer")
        );
        assert_eq!((a.phase.as_str(), a.outcome.as_str()), ("main", "failed"));
        let f = &a.findings[0];
        assert_eq!(
            (f.check.as_str(), f.severity.as_str()),
            ("schema", "violation")
        );
        assert_eq!(
            (f.pointer.as_deref(), f.keyword.as_deref()),
            (Some("/id"), Some("type"))
        );
    }

    #[test]
    fn a_request_without_an_answer_is_status_0_with_the_reason_and_one_not_sent_is_absent() {
        let mut s = step(None, 1);
        s.findings = vec![Finding::error(CheckKind::Transport, "timed out after 5s")];
        let e = entry_of("s.yaml", &s, ended()).expect("an entry");
        assert_eq!(e.response.status, 0);
        assert_eq!(e.response.error.as_deref(), Some("timed out after 5s"));
        assert!(entry_of("s.yaml", &step(None, 0), ended()).is_none());
    }

    #[test]
    fn the_file_appears_complete_at_the_end_and_not_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("run.har");
        std::fs::write(&path, "previous").expect("write");
        let r = Recorder::create(&path).expect("opens");
        let s = step(None, 1);
        r.event(&Event::StepFinished {
            scenario: "s.yaml",
            step: &s,
        });
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "previous");
        assert_eq!(r.finish().expect("finishes"), 1);
        let har: super::super::Har =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("HAR");
        assert_eq!(har.log.version, "1.2");
        assert_eq!(har.log.entries.len(), 1);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
    }

    #[test]
    fn a_folder_is_refused_before_anything_runs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let e = Recorder::create(dir.path()).err().expect("a folder");
        assert!(e.to_string().contains("is a folder"), "{e}");
    }
}
