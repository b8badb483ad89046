//! `-v` and `-vv` on the terminal: [`exchanges`] writes every exchange of a scenario in full,
//! passing ones too: the request line, the status, the bodies (JSON pretty-printed up to
//! [`BODY_LIMIT`], then a marked cut) and, with `-vv`, the headers. It prints the records the
//! runner made, which were redacted when they were made, so `-v` shows exactly what the reports
//! show and no secret the reports would not.

use std::fmt::Write;

use crate::run::{ResponseRecord, ScenarioResult, StepResult};

/// How much of one body the terminal prints; the records themselves are cut at the runner's
/// record limit, which a body already past it says too.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Every step of `r` that sent something, its exchange in full; `headers` (`-vv`) adds the
/// request and response headers.
pub fn exchanges(r: &ScenarioResult, headers: bool) -> String {
    let mut out = String::new();
    for (i, step) in r.steps.iter().enumerate() {
        if step.request.is_none() && step.response.is_none() {
            continue;
        }
        exchange(&mut out, i, step, headers);
    }
    // All of it is the target's or plain text, nothing painted: escaped whole.
    crate::term::escape_controls(&out).into_owned()
}

fn exchange(out: &mut String, i: usize, step: &StepResult, headers: bool) {
    let attempts = match step.attempts {
        0 | 1 => String::new(),
        n => format!(", the last of {n} attempts"),
    };
    let _ = writeln!(
        out,
        "\n  step {} `{}` {}{attempts}",
        i + 1,
        step.name,
        step.outcome.label()
    );
    if let Some(req) = &step.request {
        let _ = writeln!(out, "  > {} {}", req.method, req.url);
        if headers {
            for (n, v) in &req.headers {
                let _ = writeln!(out, "  > {n}: {v}");
            }
        }
        if let Some(body) = &req.body {
            // The request record is cut at the record limit without saying so.
            body_lines(out, "  >", body, false);
        }
    }
    if let Some(resp) = &step.response {
        let _ = writeln!(out, "  < {}", status_line(resp));
        if headers {
            for (n, v) in &resp.headers {
                let _ = writeln!(out, "  < {n}: {v}");
            }
        }
        if !resp.body.is_empty() {
            body_lines(out, "  <", &resp.body, resp.truncated);
        }
    }
}

/// `201 (application/json, 328 bytes)`; a decoded body says its coding and its size on the
/// wire: `200 (application/json, 1204 bytes; gzip, 312 bytes on the wire)`.
pub(crate) fn status_line(resp: &ResponseRecord) -> String {
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let ct = header("content-type").unwrap_or("no content-type");
    let wire = match (resp.wire_bytes, header("content-encoding")) {
        (Some(n), Some(coding)) => format!("; {coding}, {n} bytes on the wire"),
        _ => String::new(),
    };
    format!("{} ({ct}, {} bytes{wire})", resp.status, resp.body_bytes)
}

/// The body under a `prefix`, pretty-printed when it is JSON, cut at [`BODY_LIMIT`] with a
/// marker saying so; `cut_already`: the record was cut before it got here.
fn body_lines(out: &mut String, prefix: &str, body: &str, cut_already: bool) {
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    let text = pretty.as_deref().unwrap_or(body);
    let (shown, cut) = cut(text, BODY_LIMIT);
    let _ = writeln!(out, "{prefix}");
    for line in shown.lines() {
        let _ = writeln!(out, "{prefix} {line}");
    }
    if cut || cut_already {
        let _ = writeln!(
            out,
            "{prefix} [… cut: the body goes on past {} KiB; the reports hold what was recorded]",
            BODY_LIMIT / 1024
        );
    }
}

fn cut(text: &str, limit: usize) -> (&str, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::run::{Outcome, Phase, RequestRecord};
    use crate::scenario::Found;

    fn passing(body: &str, truncated: bool) -> ScenarioResult {
        let found = Found {
            path: Path::new("a.yaml").to_owned(),
            id: "a.yaml".to_owned(),
        };
        let mut r = ScenarioResult::skipped(&found, "");
        r.outcome = Outcome::Passed;
        let f = crate::check::Finding::new(
            crate::check::Severity::Warning,
            crate::check::CheckKind::Schema,
            "x",
        );
        let mut step = StepResult::synthetic("getWidget", Phase::Main, f);
        step.findings.clear();
        step.outcome = Outcome::Passed;
        step.attempts = 1;
        step.request = Some(RequestRecord {
            method: "GET".into(),
            url: "http://127.0.0.1:1/widgets/7".into(),
            headers: vec![("authorization".into(), "Bearer <redacted>".into())],
            body: None,
            body_bytes: 0,
            credentials: None,
        });
        step.response = Some(ResponseRecord {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_owned(),
            body_bytes: body.len(),
            wire_bytes: None,
            truncated,
        });
        r.steps.push(step);
        r
    }

    #[test]
    fn a_passing_exchange_is_shown_with_its_body_pretty_printed() {
        let text = exchanges(&passing(r#"{"id":7,"name":"web"}"#, false), false);
        assert!(
            text.contains("  > GET http://127.0.0.1:1/widgets/7"),
            "{text}"
        );
        assert!(
            text.contains("  < 200 (application/json, 21 bytes)"),
            "{text}"
        );
        assert!(text.contains("  <   \"name\": \"web\""), "{text}");
        assert!(!text.contains("authorization"), "-v has no headers: {text}");
        assert!(!text.contains("cut"), "{text}");
        let text = exchanges(&passing("{}", false), true);
        assert!(
            text.contains("  > authorization: Bearer <redacted>"),
            "{text}"
        );
        assert!(
            text.contains("  < content-type: application/json"),
            "{text}"
        );
    }

    #[test]
    fn a_long_body_is_cut_with_a_marker() {
        let long = format!("[{}1]", "1,".repeat(BODY_LIMIT));
        let text = exchanges(&passing(&long, false), false);
        assert!(text.contains("[… cut: the body goes on past 64 KiB"), "cut");
        assert!(text.len() < BODY_LIMIT * 8, "the printed body is bounded");
        let text = exchanges(&passing("not json", true), false);
        assert!(text.contains("  < not json"), "{text}");
        assert!(
            text.contains("[… cut"),
            "a record cut by the runner says so"
        );
    }
}
