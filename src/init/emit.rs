//! Scenario text from a [`Draft`]: YAML in the corpus's style, every value written as JSON (a
//! subset of YAML 1.2, so quoting is never in doubt) with a comment saying where it came from
//! and what to edit.

use std::fmt::Write;

use serde_json::Value;

use crate::scenario::Capture;

/// A scenario to write.
#[derive(Debug, Default)]
pub struct Draft {
    pub name: String,
    /// Comment lines under the schema line: what the scenario does and what to edit.
    pub notes: Vec<String>,
    pub api: String,
    pub tags: Vec<String>,
    pub vars: Vec<Line>,
    pub steps: Vec<DraftStep>,
    pub finally: Vec<DraftStep>,
}

/// A named value and its comment.
#[derive(Debug, Clone)]
pub struct Line {
    pub key: String,
    pub value: Value,
    pub comment: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct DraftStep {
    pub name: String,
    pub call: String,
    pub path: Vec<Line>,
    pub query: Vec<Line>,
    pub headers: Vec<Line>,
    pub body: Option<Line>,
    pub invalid_request: bool,
    /// Why the request is invalid, for the comment beside `invalid_request` (the default says
    /// it is the spec's example).
    pub invalid_why: Option<String>,
    /// `201` or `"2xx"`, and why.
    pub status: Option<(Value, String)>,
    pub expect_body: Option<Value>,
    /// `undocumented: true` beside the status: the step expects an answer the spec leaves out.
    pub undocumented: bool,
    /// Poll until the body matches this (a subset), with why.
    pub until_body: Option<(Value, String)>,
    /// `retry: {every, timeout}` for the poll, as written (`100ms`, `10s`).
    pub retry: Option<(String, String)>,
    pub captures: Vec<(String, Capture, String)>,
}

/// The first line every scenario of the corpus has: the editor's schema.
pub const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../../docs/scenario.schema.json";

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A string as a plain YAML scalar where that cannot be misread, else as JSON.
fn scalar(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _./,-".contains(c))
        && !text.ends_with(' ')
        && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
            .contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_owned()
    } else {
        json(&Value::String(text.to_owned()))
    }
}

fn comment(c: &Option<String>) -> String {
    c.as_ref()
        .map(|c| format!("  # {}", one_line(c)))
        .unwrap_or_default()
}

/// A comment stays on its line: a line break in it would start YAML.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

pub fn render(d: &Draft) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{SCHEMA_LINE}");
    for n in &d.notes {
        let _ = writeln!(out, "# {n}");
    }
    let _ = writeln!(out, "name: {}", scalar(&d.name));
    let _ = writeln!(out, "api: {}", scalar(&d.api));
    if !d.tags.is_empty() {
        let _ = writeln!(out, "tags: [{}]", d.tags.join(", "));
    }
    if !d.vars.is_empty() {
        let _ = writeln!(out, "vars:");
        for v in &d.vars {
            let _ = writeln!(
                out,
                "  {}: {}{}",
                v.key,
                json(&v.value),
                comment(&v.comment)
            );
        }
    }
    let _ = writeln!(out, "steps:");
    for s in &d.steps {
        step(&mut out, s);
    }
    if !d.finally.is_empty() {
        let _ = writeln!(out, "finally:");
        for s in &d.finally {
            step(&mut out, s);
        }
    }
    out
}

fn map(out: &mut String, key: &str, lines: &[Line]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "    {key}:");
    for l in lines {
        let _ = writeln!(
            out,
            "      {}: {}{}",
            scalar(&l.key),
            json(&l.value),
            comment(&l.comment)
        );
    }
}

fn step(out: &mut String, s: &DraftStep) {
    let _ = writeln!(out, "  - name: {}", scalar(&s.name));
    let _ = writeln!(out, "    call: {}", s.call);
    map(out, "path", &s.path);
    map(out, "query", &s.query);
    map(out, "headers", &s.headers);
    if let Some(b) = &s.body {
        let _ = writeln!(out, "    body: {}{}", json(&b.value), comment(&b.comment));
    }
    if s.invalid_request {
        let why = s
            .invalid_why
            .as_deref()
            .unwrap_or("the example breaks the request schema on purpose");
        let _ = writeln!(out, "    invalid_request: true  # {}", one_line(why));
    }
    if s.status.is_some() || s.expect_body.is_some() {
        let _ = writeln!(out, "    expect:");
        if let Some((status, why)) = &s.status {
            let _ = writeln!(out, "      status: {}  # {why}", json(status));
        }
        if s.undocumented {
            let _ = writeln!(out, "      undocumented: true");
        }
        if let Some(body) = &s.expect_body {
            let _ = writeln!(
                out,
                "      body: {}  # a subset: add the fields you care about",
                json(body)
            );
        }
    }
    if let Some((body, why)) = &s.until_body {
        let _ = writeln!(
            out,
            "    until: {{body: {}}}  # {}",
            json(body),
            one_line(why)
        );
    }
    if let Some((every, timeout)) = &s.retry {
        let _ = writeln!(out, "    retry: {{every: {every}, timeout: {timeout}}}");
    }
    if !s.captures.is_empty() {
        let _ = writeln!(out, "    capture:");
        for (name, cap, why) in &s.captures {
            let value = match cap {
                Capture::Pointer(p) | Capture::Body { body: p } => scalar(p),
                Capture::Header {
                    header,
                    last_segment,
                } => {
                    let h = scalar(header);
                    if *last_segment {
                        format!("{{header: {h}, last_segment: true}}")
                    } else {
                        format!("{{header: {h}}}")
                    }
                }
            };
            let _ = writeln!(out, "      {name}: {value}  # {why}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_draft_renders_as_a_scenario_that_parses() {
        let d = Draft {
            name: "a: tricky \"name\"".into(),
            api: "fixture".into(),
            tags: vec!["lifecycle".into()],
            notes: vec!["edit me".into()],
            steps: vec![DraftStep {
                name: "create".into(),
                call: "createWidget".into(),
                body: Some(Line {
                    key: String::new(),
                    value: json!({"name": "x # not a comment", "size": 1}),
                    comment: Some("from the spec's example".into()),
                }),
                status: Some((json!(201), "documented".into())),
                captures: vec![(
                    "widget_id".into(),
                    Capture::Header {
                        header: "Location".into(),
                        last_segment: true,
                    },
                    "why".into(),
                )],
                ..DraftStep::default()
            }],
            ..Draft::default()
        };
        let text = render(&d);
        assert!(text.starts_with(SCHEMA_LINE), "{text}");
        let s = crate::scenario::parse(std::path::Path::new("x.yaml"), &text).expect(&text);
        assert_eq!(s.name.value, "a: tricky \"name\"");
        let step = &s.steps[0].value;
        let body = step.body.as_ref().expect("body").to_json();
        assert_eq!(body["name"], json!("x # not a comment"));
        let caps = &step.capture.as_ref().expect("captures").value;
        assert!(matches!(
            caps.get("widget_id"),
            Some(Capture::Header {
                last_segment: true,
                ..
            })
        ));
    }
}
