//! One exchange checked offline as `run` checks an answer: [`exchange`], for a HAR entry
//! (`entry`) and for the proxy's exchanges alike, matches it to an operation
//! ([`super::Matcher`]), puts the response through [`check::schema::check`] (status
//! documented, Content-Type, body schema, headers) and the request through
//! [`check::request::check`], and gives a [`ScenarioResult`] named after the entry
//! (`FILE.har#/log/entries/3`, `proxy/API#N`), since there is no scenario line to point at.
//!
//! The request's findings are warnings: the recording's client sent it, and what is on trial
//! is the answer (conform itself records a request that breaks the spec only when the step
//! said `invalid_request: true`, a deliberate negative test).

use std::time::Duration;

use super::convert::exchange_of;
use super::format::Entry;
use super::matcher::{Match, Matcher};
use crate::check::request::Outgoing;
use crate::check::{self, CheckKind, Finding, Severity};
use crate::http::{Exchange, Request, Response};
use crate::openapi::Operation;
use crate::run::{
    Counts, Event, EventSink, Outcome, Phase, RequestRecord, ResponseRecord, RunSummary,
    ScenarioResult, StepResult,
};
use crate::source::Pos;

/// Where entry `index` of `file` is, as a JSON Pointer into the file.
pub fn entry_id(file: &str, index: usize) -> String {
    format!("{file}#/log/entries/{index}")
}

/// Checks every entry of `har` (read from `file`) and streams them to `sink` as a run's
/// events: one scenario per entry, in the file's order, so every reporter works unchanged.
pub fn check_all(
    file: &str,
    har: &super::Har,
    matcher: &Matcher,
    strict: bool,
    sink: &dyn EventSink,
) -> RunSummary {
    let started = std::time::Instant::now();
    let run_id = crate::run::new_run_id();
    let started_at = jiff::Timestamp::now().to_string();
    sink.event(&Event::RunStarted {
        run_id: &run_id,
        total: Some(har.log.entries.len()),
    });
    let mut counts = Counts::default();
    for (index, e) in har.log.entries.iter().enumerate() {
        let result = entry(file, index, e, matcher, strict);
        sink.event(&Event::ScenarioStarted { id: &result.id });
        for step in &result.steps {
            sink.event(&Event::StepFinished {
                scenario: &result.id,
                step,
            });
        }
        counts.add(result.outcome);
        sink.event(&Event::ScenarioFinished {
            index,
            result: &result,
        });
    }
    let summary = RunSummary {
        run_id,
        started_at,
        duration: started.elapsed(),
        counts,
        interrupted: None,
    };
    sink.event(&Event::RunFinished { summary: &summary });
    summary
}

/// The result of checking entry `index` of `file`: the entry read as an exchange
/// ([`super::convert::exchange_of`]) and checked by [`exchange`].
pub(crate) fn entry(
    file: &str,
    index: usize,
    e: &Entry,
    matcher: &Matcher,
    strict: bool,
) -> ScenarioResult {
    let id = entry_id(file, index);
    let label = format!("{} {}", e.request.method, e.request.url);
    let name = match &e.conform {
        Some(a) => format!("{} › {} ({label})", a.scenario, a.step),
        None => label.clone(),
    };
    let mut result = ScenarioResult::empty(&id, &id, &name, "", vec!["har".into()]);
    result.duration = Duration::from_secs_f64(e.time.max(0.0) / 1000.0);
    let (x, bad_base64) = match exchange_of(e) {
        Ok(x) => x,
        Err(err) => {
            let f = Finding::error(
                CheckKind::Scenario,
                format!(
                    "the entry's request.url `{}` is not a URL: {err}",
                    e.request.url
                ),
            );
            result
                .steps
                .push(StepResult::synthetic("request.url", Phase::Main, f));
            result.outcome = Outcome::Errored;
            return result;
        }
    };
    let findings = bad_base64
        .map(|err| {
            Finding::error(
                CheckKind::Content,
                format!("response.content.text is not valid base64: {err}"),
            )
        })
        .into_iter()
        .collect();
    let whose = match e.conform {
        // conform sends a request that breaks the spec only when the step asks for it.
        Some(_) => "the recorded request (a deliberate negative test, `invalid_request: true`)",
        None => "the recorded request",
    };
    let hint = e.conform.as_ref().map(|a| a.call.as_str());
    let seen = Seen {
        hint,
        whose,
        findings,
    };
    let mut result = exchange(result, &x, seen, matcher, strict);
    // The report shows the URL as the file wrote it.
    for r in result.steps.iter_mut().filter_map(|s| s.request.as_mut()) {
        r.url.clone_from(&e.request.url);
    }
    result
}

/// What is known of an exchange besides itself, for [`exchange`].
pub struct Seen<'a> {
    /// The operationId its recorder gave, when it did.
    pub hint: Option<&'a str>,
    /// Whose request it is, in front of the request check's findings.
    pub whose: &'a str,
    /// Findings of reading it (a body that did not decode).
    pub findings: Vec<Finding>,
}

/// Checks exchange `x`, whatever produced it (a recording, the proxy), as `run` checks an
/// answer: matched to its operation, the response through [`check::schema::check`] and the
/// request through [`check::request::check`], into `result` (named and timed by the caller).
pub fn exchange(
    mut result: ScenarioResult,
    x: &Exchange,
    seen: Seen<'_>,
    matcher: &Matcher,
    strict: bool,
) -> ScenarioResult {
    let (method, url) = (&x.request.method, &x.request.url);
    let Some(m) = matcher.find(method, url, seen.hint) else {
        let apis: Vec<&str> = matcher.apis().collect();
        result.outcome = Outcome::Skipped;
        result.skipped = Some(format!(
            "unmatched: no operation of {} is {method} {} (under any server base path)",
            if apis.is_empty() {
                "no API".into()
            } else {
                apis.join(", ")
            },
            url.path()
        ));
        return result;
    };
    if let (Some((name, value)), None) = (&m.refused, seen.hint) {
        // A browser's or a proxy's traffic: the template fits only by a value its schema
        // refuses, so this is most likely an operation the spec does not document.
        result.outcome = Outcome::Skipped;
        result.skipped = Some(format!(
            "unmatched: {method} {} fits {} {} only with {name} = \"{value}\", which its schema \
             refuses: taken for an operation the spec does not document",
            url.path(),
            m.op.method.to_uppercase(),
            m.op.path
        ));
        return result;
    }
    result.api = m.api.name.clone();
    let step = step(x, &m, seen, strict, result.duration);
    result.outcome = step.outcome;
    result.steps.push(step);
    result
}

fn step(
    x: &Exchange,
    m: &Match<'_>,
    seen: Seen<'_>,
    strict: bool,
    duration: Duration,
) -> StepResult {
    let op = m.op;
    let mut findings = seen.findings;
    match &x.response {
        Err(no) => findings.push(Finding::warning(
            CheckKind::Transport,
            format!(
                "no response was recorded (status 0; reason: {}): nothing to check",
                no.reason()
            ),
        )),
        Ok(r) => findings.extend(response_findings(op, r, strict)),
    }
    findings.extend(request_findings(op, &x.request, &m.path_params, seen.whose));
    let outcome = Outcome::of(&findings);
    StepResult {
        name: format!("{} {}", x.request.method, op.path),
        call: op.id.clone(),
        phase: Phase::Main,
        pos: Pos::UNKNOWN,
        file: None,
        outcome,
        attempts: 1,
        status: x.response.as_ref().ok().map(|r| r.status),
        request: Some(RequestRecord::whole(&x.request)),
        response: x.response.as_ref().ok().map(ResponseRecord::whole),
        findings,
        body_diff: None,
        skipped: None,
        duration,
        unrecorded: None,
    }
}

/// The response against the spec; a body recorded cut is not judged.
fn response_findings(op: &Operation, r: &Response, strict: bool) -> Vec<Finding> {
    let mut spec = check::schema::check(op, r, strict, Pos::UNKNOWN);
    if r.body.is_truncated() {
        // Only the start of the body was recorded: judging it would blame the target for
        // the recorder's cut.
        spec.retain(|f| !matches!(f.check, CheckKind::Content | CheckKind::Schema));
        spec.push(Finding::warning(
            CheckKind::Limit,
            format!(
                "the body was recorded cut ({} of {} bytes, `_truncated`): its schema is not checked",
                r.body.len(),
                r.body.full_len()
            ),
        ));
    }
    spec
}

/// The request against the spec, as warnings said to be `whose`: the recording's client
/// sent it, and what is on trial is the answer.
fn request_findings(
    op: &Operation,
    req: &Request,
    path: &[(String, String)],
    whose: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let cut = req.body.is_truncated();
    if cut {
        // Only the start of the request body was recorded: it is not judged either.
        out.push(Finding::warning(
            CheckKind::Limit,
            "the request body was recorded cut (`_truncated`): it is not checked",
        ));
    }
    let request_findings = check::request::check(op, &Outgoing::of(req, path), Pos::UNKNOWN)
        .into_iter()
        .filter(|f| !(cut && f.keyword.as_deref() == Some("requestBody")));
    for mut f in request_findings {
        f.severity = f.severity.min(Severity::Warning);
        f.message = format!("{whose}: {}", f.message);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::har::read::parse;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;

    fn matcher() -> Matcher {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let spec = crate::openapi::load_api(
            "fixture",
            &root.join("tests/fixtures/specs/fixture/openapi.yaml"),
        )
        .expect("fixture spec");
        Matcher::new(vec![Arc::new(spec)])
    }

    const ID: &str = "0b8f2f5e-3d0a-4c7e-9a51-2f0e8c1d4b6a";

    fn har(status: u16, body: &str) -> Entry {
        let text = format!(
            r#"{{"log":{{"entries":[{{"startedDateTime":"2026-01-01T00:00:00Z","time":3,
            "request":{{"method":"GET","url":"http://api.test/base/widgets/{ID}","headers":[]}},
            "response":{{"status":{status},"headers":[
                {{"name":"content-type","value":"application/json"}},
                {{"name":"x-request-id","value":"req-{ID}"}}],
              "content":{{"size":{},"mimeType":"application/json","text":{}}}}}}}]}}}}"#,
            body.len(),
            serde_json::to_string(body).expect("json")
        );
        parse(Path::new("t.har"), text.as_bytes())
            .expect("parses")
            .log
            .entries
            .remove(0)
    }

    fn widget() -> String {
        format!(
            r#"{{"id":"{ID}","name":"w","size":1,"status":"ready","created_at":"2026-01-01T00:00:00Z"}}"#
        )
    }

    #[test]
    fn a_conforming_entry_passes_under_a_base_path() {
        let r = entry("t.har", 0, &har(200, &widget()), &matcher(), false);
        assert_eq!(r.outcome, Outcome::Passed, "{r:#?}");
        assert_eq!(r.path, "t.har#/log/entries/0");
        assert_eq!(r.steps[0].call, "getWidget");
    }

    #[test]
    fn a_missing_required_field_is_a_violation_with_keyword_and_pointer() {
        let body = widget().replace(r#""size":1,"#, "");
        let r = entry("t.har", 0, &har(200, &body), &matcher(), false);
        assert_eq!(r.outcome, Outcome::Failed);
        let f = &r.steps[0].findings[0];
        assert_eq!(f.keyword.as_deref(), Some("required"), "{f:?}");
        assert_eq!(f.pointer.as_deref(), Some(""));
    }

    #[test]
    fn an_undocumented_status_is_a_violation() {
        let r = entry("t.har", 0, &har(418, "{}"), &matcher(), false);
        assert_eq!(r.steps[0].findings[0].check, CheckKind::UndocumentedStatus);
    }

    #[test]
    fn a_base64_body_is_decoded_before_it_is_checked() {
        let mut e = har(200, "");
        e.response.content.text = Some(BASE64.encode(widget()));
        e.response.content.encoding = Some("base64".into());
        let r = entry("t.har", 0, &e, &matcher(), false);
        assert_eq!(r.outcome, Outcome::Passed, "{r:#?}");
    }

    #[test]
    fn a_truncated_body_is_not_judged_but_said() {
        let mut e = har(200, &widget()[..20]);
        e.response.content.truncated = true;
        let r = entry("t.har", 0, &e, &matcher(), false);
        assert_eq!(r.outcome, Outcome::Passed);
        assert_eq!(r.steps[0].findings[0].check, CheckKind::Limit);
    }

    #[test]
    fn a_truncated_request_body_is_not_judged_but_said() {
        let mut e = har(201, &widget());
        e.request.method = "POST".into();
        e.request.url = "http://api.test/widgets".into();
        e.request.post_data = Some(super::super::format::PostData {
            mime_type: "application/json".into(),
            text: "{\"name\":".into(),
            params: Vec::new(),
            truncated: true,
        });
        let r = entry("t.har", 0, &e, &matcher(), false);
        let checks: Vec<CheckKind> = r.steps[0].findings.iter().map(|f| f.check).collect();
        assert_eq!(checks, vec![CheckKind::Limit], "{r:#?}");
    }

    #[test]
    fn an_entry_no_operation_matches_is_skipped_with_the_reason() {
        let mut e = har(200, "{}");
        e.request.url = "http://cdn.test/static/app.js".into();
        let r = entry("t.har", 4, &e, &matcher(), false);
        assert_eq!(r.outcome, Outcome::Skipped);
        let why = r.skipped.expect("a reason");
        assert!(
            why.contains("GET /static/app.js") && why.contains("fixture"),
            "{why}"
        );
    }

    #[test]
    fn a_path_its_parameter_schema_refuses_is_an_undocumented_operation() {
        // A compute API's `/servers/detail` against a spec that documents only `/servers/{server_id}`.
        let mut e = har(200, r#"{"widgets": []}"#);
        e.request.url = "http://api.test/widgets/detail".into();
        let r = entry("t.har", 0, &e, &matcher(), false);
        assert_eq!(r.outcome, Outcome::Skipped, "{r:#?}");
        let why = r.skipped.expect("a reason");
        assert!(
            why.contains("GET /widgets/detail fits GET /widgets/{id} only with id = \"detail\""),
            "{why}"
        );
        // conform's own recording names the operation it called: a deliberate bad id is checked.
        e.conform = Some(super::super::format::Annotation {
            scenario: "s.yaml".into(),
            step: "a bad id".into(),
            call: "getWidget".into(),
            phase: "main".into(),
            outcome: "passed".into(),
            findings: Vec::new(),
        });
        let r = entry("t.har", 0, &e, &matcher(), false);
        assert_ne!(r.outcome, Outcome::Skipped, "{r:#?}");
        assert_eq!(r.steps[0].call, "getWidget");
    }

    #[test]
    fn a_bad_recorded_request_is_a_warning() {
        let mut e = har(200, &widget());
        e.request.url = format!("http://api.test/widgets/{ID}?verbose=maybe");
        let r = entry("t.har", 0, &e, &matcher(), false);
        assert_eq!(r.outcome, Outcome::Passed);
        let f = &r.steps[0].findings[0];
        assert_eq!(
            (f.check, f.severity),
            (CheckKind::Request, Severity::Warning)
        );
        assert!(f.message.contains("verbose"), "{f:?}");
    }
}
