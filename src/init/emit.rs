//! Scenario text from a [`Draft`]: YAML in the corpus's style, every value written as JSON (a
//! subset of YAML 1.2, so quoting is never in doubt) with a comment saying where it came from
//! and what to edit.
//!
//! [`emit`] writes the text and, in the same pass, the [`Scenario`] that text parses to, with
//! the line and column of every key and value as the parser would give them: `conform fuzz`
//! compiles that scenario without parsing its own text, and what its findings point at is
//! still a line of the file it saves. One writer makes both, so they cannot tell different
//! stories (a test parses the text of every generated case and compares).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::scenario::{AuthMode, Capture, Dur, Expect, Retry, Scenario, StatusSpec, Step};
use crate::source::{Node, NodeKind, Pos, Span, Spanned};

/// A scenario to write.
#[derive(Debug, Default)]
pub struct Draft {
    pub name: String,
    /// Comment lines under the schema line: what the scenario does and what to edit.
    pub notes: Vec<String>,
    pub api: String,
    pub tags: Vec<String>,
    /// `needs:`: variables that must come from outside, or `credentials`.
    pub needs: Vec<String>,
    pub vars: Vec<Line>,
    /// Variables written commented out under `vars:`: what a need could be, for the user to
    /// fill in (a generated value would be sent, and fail on the target).
    pub placeholders: Vec<Line>,
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
    /// `auth: none`, and why: the request goes without the target's credentials.
    pub no_auth: Option<String>,
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

/// The text of a draft and the scenario it parses to.
#[derive(Debug)]
pub struct Emitted {
    /// The scenario file's text.
    pub text: String,
    /// What parsing `text` gives, positions included; `None` when the draft holds something
    /// the text says differently than meant (a key written twice, a `retry` that is not a
    /// duration): the text is then the truth, and parsing it reports the problem.
    pub scenario: Option<Scenario>,
}

/// The scenario text of `d`.
pub fn render(d: &Draft) -> String {
    emit(d).text
}

/// The scenario text of `d` and the scenario it parses to, made in one pass.
pub fn emit(d: &Draft) -> Emitted {
    let mut out = Out::default();
    out.raw(SCHEMA_LINE);
    out.end(None);
    for n in &d.notes {
        out.raw(&format!("# {}", one_line(n)));
        out.end(None);
    }
    out.raw("name: ");
    let name = out.scalar(&d.name);
    out.end(None);
    out.raw("api: ");
    let api = out.scalar(&d.api);
    out.end(None);
    let mut tags = Vec::new();
    if !d.tags.is_empty() {
        out.raw("tags: [");
        for (i, t) in d.tags.iter().enumerate() {
            if i > 0 {
                out.raw(", ");
            }
            tags.push(out.flow_scalar(t));
        }
        out.raw("]");
        out.end(None);
    }
    let mut needs = Vec::new();
    if !d.needs.is_empty() {
        out.raw("needs: [");
        for (i, n) in d.needs.iter().enumerate() {
            if i > 0 {
                out.raw(", ");
            }
            needs.push(out.flow_scalar(n));
        }
        out.raw("]");
        out.end(Some("skipped until each has a value: see `vars:`"));
    }
    let mut vars = None;
    if !d.vars.is_empty() || !d.placeholders.is_empty() {
        out.raw("vars:");
        out.end(None);
        vars = out.map("  ", &d.vars);
        for p in &d.placeholders {
            // The value as `json` writes it, into a string of its own (a comment has no node).
            let (mut text, col) = (String::new(), out.col);
            std::mem::swap(&mut out.text, &mut text);
            out.json(&p.value);
            std::mem::swap(&mut out.text, &mut text);
            out.col = col;
            out.raw(&format!("  # {}: {text}", p.key));
            out.end(p.comment.as_deref());
        }
    }
    out.raw("steps:");
    out.end(None);
    let steps: Vec<_> = d.steps.iter().map(|s| step(&mut out, s)).collect();
    let mut finally = Vec::new();
    if !d.finally.is_empty() {
        out.raw("finally:");
        out.end(None);
        finally = d.finally.iter().map(|s| step(&mut out, s)).collect();
    }
    let scenario = out.sound.then_some(Scenario {
        name,
        api,
        description: None,
        tags,
        needs,
        vars,
        exclusive: false,
        timeout: None,
        steps,
        finally,
    });
    Emitted {
        text: out.text,
        scenario,
    }
}

/// The text being written, where the next character goes, and whether every value written so
/// far parses back as the value meant.
struct Out {
    text: String,
    line: u32,
    col: u32,
    sound: bool,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            text: String::new(),
            line: 1,
            col: 1,
            sound: true,
        }
    }
}

impl Out {
    /// Writes `s` (on the current line) and returns where it stands.
    fn raw(&mut self, s: &str) -> Span {
        let start = Pos::new(self.line, self.col);
        self.text.push_str(s);
        let width = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        self.col = self.col.saturating_add(width);
        Span {
            start,
            end: Pos::new(self.line, self.col),
        }
    }

    /// Ends the line, after a comment if any.
    fn end(&mut self, comment: Option<&str>) {
        if let Some(c) = comment {
            self.text.push_str("  # ");
            self.text.push_str(&one_line(c));
        }
        self.text.push('\n');
        self.line += 1;
        self.col = 1;
    }

    /// A string as a scalar ([`scalar`]), spanned as the parser spans it.
    fn scalar(&mut self, text: &str) -> Spanned<String> {
        Spanned::with_span(text.to_owned(), self.raw(&scalar(text)))
    }

    /// A string as a scalar inside `[...]` or `{...}`, where a comma ends a plain one.
    fn flow_scalar(&mut self, text: &str) -> Spanned<String> {
        let token = if text.contains(',') {
            json_string(text)
        } else {
            scalar(text)
        };
        Spanned::with_span(text.to_owned(), self.raw(&token))
    }

    /// `v` as compact JSON, and its node: a scalar spans its token, a list or mapping its
    /// opening bracket.
    fn json(&mut self, v: &Value) -> Node {
        let leaf = |out: &mut Out, token: &str, kind| {
            let span = out.raw(token);
            Node {
                pos: span.start,
                end: span.end,
                kind,
            }
        };
        match v {
            Value::Null => leaf(self, "null", NodeKind::Null),
            Value::Bool(b) => leaf(self, if *b { "true" } else { "false" }, NodeKind::Bool(*b)),
            Value::Number(n) => leaf(self, &n.to_string(), NodeKind::Number(n.clone())),
            Value::String(s) => leaf(self, &json_string(s), NodeKind::String(s.clone())),
            Value::Array(items) => {
                let open = self.raw("[");
                let mut nodes = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    nodes.push(self.json(item));
                }
                self.raw("]");
                Node {
                    pos: open.start,
                    end: open.end,
                    kind: NodeKind::Seq(nodes),
                }
            }
            Value::Object(map) => {
                let open = self.raw("{");
                let mut entries = Vec::with_capacity(map.len());
                for (i, (k, item)) in map.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    let key = Spanned::with_span(k.clone(), self.raw(&json_string(k)));
                    self.raw(":");
                    entries.push((key, self.json(item)));
                }
                self.raw("}");
                Node {
                    pos: open.start,
                    end: open.end,
                    kind: NodeKind::Map(entries),
                }
            }
        }
    }

    /// Named values, one a line under `indent`, as a block mapping's node (which starts where
    /// its first key does). `None` when there are none.
    fn map(&mut self, indent: &str, lines: &[Line]) -> Option<Node> {
        let mut entries: Vec<(Spanned<String>, Node)> = Vec::with_capacity(lines.len());
        for l in lines {
            self.raw(indent);
            let key = self.scalar(&l.key);
            self.raw(": ");
            let value = self.json(&l.value);
            self.end(l.comment.as_deref());
            // A key written twice does not parse: the text will say so.
            self.sound &= !entries.iter().any(|(k, _)| k.value == key.value);
            entries.push((key, value));
        }
        let pos = entries.first()?.0.pos;
        Some(Node {
            pos,
            end: pos,
            kind: NodeKind::Map(entries),
        })
    }

    /// `key: <map>` under a step, when there are values.
    fn step_map(&mut self, key: &str, lines: &[Line]) -> Option<Node> {
        if lines.is_empty() {
            return None;
        }
        self.raw(&format!("    {key}:"));
        self.end(None);
        self.map("      ", lines)
    }

    /// `true` after `key: `, spanned.
    fn yes(&mut self, key: &str) -> Spanned<bool> {
        self.raw(key);
        Spanned::with_span(true, self.raw("true"))
    }

    /// An expected status as written, and as the scenario reads it.
    fn status(&mut self, v: &Value) -> Spanned<StatusSpec> {
        let node = self.json(v);
        let spec = serde_json::from_value::<StatusSpec>(v.clone());
        self.sound &= spec.is_ok();
        Spanned::with_span(spec.unwrap_or(StatusSpec::AnyOf(Vec::new())), node.span())
    }
}

/// A string as a JSON string that is also a YAML one: JSON leaves some characters bare that
/// YAML does not allow in a file (DEL, the C1 controls), written `\uXXXX` here.
fn json_string(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let ascii = text.is_ascii() && !text.as_bytes().contains(&0x7f);
    if ascii || !json.chars().any(not_printable) {
        return json;
    }
    json.chars()
        .map(|c| {
            if not_printable(c) {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Whether YAML refuses `c` in a file (its printable set, less what JSON escapes anyway).
fn not_printable(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// A string as a plain YAML scalar where that cannot be misread, else as JSON.
fn scalar(text: &str) -> String {
    let b = text.as_bytes();
    let plain = b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_' || *c == b'/')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b" _./,-".contains(c))
        && !text.ends_with(' ')
        && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(text));
    if plain {
        text.to_owned()
    } else {
        json_string(text)
    }
}

/// A comment stays on its line: a line break in it would start YAML.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    // Every comment of every generated case passes here: most have no line break to replace.
    let bytes = text.as_bytes();
    if bytes.contains(&b'\n') || bytes.contains(&b'\r') {
        text.replace(['\n', '\r'], " ").into()
    } else {
        text.into()
    }
}

/// One step, written, and as the scenario reads it.
fn step(out: &mut Out, s: &DraftStep) -> Spanned<Step> {
    // A step starts at its first key, `name`, after the `- `.
    let pos = Pos::new(out.line, 5);
    out.raw("  - name: ");
    out.raw(&scalar(&s.name));
    out.end(None);
    out.raw("    call: ");
    let call = out.scalar(&s.call);
    out.end(None);
    let path = out.step_map("path", &s.path);
    let query = out.step_map("query", &s.query);
    let headers = out.step_map("headers", &s.headers);
    let body = s.body.as_ref().map(|b| {
        out.raw("    body: ");
        let node = out.json(&b.value);
        out.end(b.comment.as_deref());
        node
    });
    let invalid_request = s.invalid_request.then(|| {
        let yes = out.yes("    invalid_request: ");
        let why = s
            .invalid_why
            .as_deref()
            .unwrap_or("the example breaks the request schema on purpose");
        out.end(Some(why));
        yes
    });
    let auth = s.no_auth.as_deref().map(|why| {
        out.raw("    auth: ");
        let none = Spanned::with_span(AuthMode::None, out.raw("none"));
        out.end(Some(why));
        none
    });
    let expect = expect(out, s);
    let until = s.until_body.as_ref().map(|(body, why)| {
        out.raw("    until: ");
        let open = out.raw("{body: ").start;
        let body = out.json(body);
        out.raw("}");
        out.end(Some(why));
        let expect = Expect {
            body: Some(body),
            ..Expect::default()
        };
        Spanned::with_span(expect, opening(open))
    });
    let retry = s.retry.as_ref().map(|(every, timeout)| {
        out.raw("    retry: ");
        let open = out.raw("{every: ").start;
        out.raw(&format!("{every}, timeout: {timeout}}}"));
        out.end(None);
        let retry = Retry {
            every: dur(out, every),
            timeout: dur(out, timeout),
        };
        Spanned::with_span(retry, opening(open))
    });
    let capture = captures(out, &s.captures);
    let step = Step {
        name: Some(s.name.clone()),
        call,
        path,
        query,
        headers,
        body,
        body_raw: None,
        invalid_request,
        auth,
        expect,
        capture,
        until,
        fail_if: None,
        retry,
        timeout: None,
        follow_redirects: None,
    };
    Spanned::new(step, pos)
}

/// The step's `expect:` block, when it expects anything.
fn expect(out: &mut Out, s: &DraftStep) -> Option<Spanned<Expect>> {
    if s.status.is_none() && s.expect_body.is_none() {
        return None;
    }
    out.raw("    expect:");
    out.end(None);
    // The block starts at its first key (`status`, `undocumented` or `body`), six columns in.
    let pos = Pos::new(out.line, 7);
    let status = s.status.as_ref().map(|(status, why)| {
        out.raw("      status: ");
        let spec = out.status(status);
        out.end(Some(why));
        spec
    });
    let undocumented = s.undocumented.then(|| {
        let yes = out.yes("      undocumented: ");
        out.end(None);
        yes
    });
    let body = s.expect_body.as_ref().map(|body| {
        out.raw("      body: ");
        let node = out.json(body);
        out.end(Some("a subset: add the fields you care about"));
        node
    });
    let expect = Expect {
        status,
        headers: None,
        body,
        undocumented,
        items: None,
    };
    Some(Spanned::new(expect, pos))
}

/// The step's `capture:` block, when it captures anything.
fn captures(
    out: &mut Out,
    captures: &[(String, Capture, String)],
) -> Option<Spanned<BTreeMap<String, Capture>>> {
    if captures.is_empty() {
        return None;
    }
    out.raw("    capture:");
    out.end(None);
    let pos = Pos::new(out.line, 7);
    let mut map = BTreeMap::new();
    for (name, cap, why) in captures {
        out.raw("      ");
        out.scalar(name);
        out.raw(": ");
        // A pointer is written bare, so `{body: /p}` reads back as the same pointer.
        let read = match cap {
            Capture::Pointer(p) | Capture::Body { body: p } => {
                out.scalar(p);
                Capture::Pointer(p.clone())
            }
            Capture::Header {
                header,
                last_segment,
            } => {
                out.raw("{header: ");
                out.flow_scalar(header);
                out.raw(if *last_segment {
                    ", last_segment: true}"
                } else {
                    "}"
                });
                cap.clone()
            }
        };
        out.end(Some(why));
        out.sound &= map.insert(name.clone(), read).is_none();
    }
    Some(Spanned::new(map, pos))
}

/// The span the parser gives a `{...}` mapping: its opening brace.
fn opening(at: Pos) -> Span {
    Span {
        start: at,
        end: Pos::new(at.line, at.col + 1),
    }
}

/// A `retry` duration as the scenario reads it: a number of seconds, or `500ms`, `10s`, ...
fn dur(out: &mut Out, text: &str) -> Option<Dur> {
    let d = match text.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => crate::units::parse_duration(text),
    };
    out.sound &= d.is_ok();
    d.ok().map(Dur)
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// Where two long texts (two `{:#?}`) first differ, with the lines before, or `None`.
    pub(crate) fn first_difference(built: &str, parsed: &str) -> Option<String> {
        let (a, b): (Vec<_>, Vec<_>) = (built.lines().collect(), parsed.lines().collect());
        let at = (0..a.len().max(b.len())).find(|i| a.get(*i) != b.get(*i))?;
        let from = at.saturating_sub(12);
        Some(format!(
            "built:\n{}\nparsed:\n{}",
            a[from..(at + 3).min(a.len())].join("\n"),
            b[from..(at + 3).min(b.len())].join("\n")
        ))
    }

    /// A draft with every part a step may have, and values that are hard to write.
    fn everything() -> Draft {
        let line = |k: &str, v: Value| Line {
            key: k.into(),
            value: v,
            comment: Some("a comment\nover two lines".into()),
        };
        let step = DraftStep {
            name: "case 1: a valid request".into(),
            call: "createTodo".into(),
            path: vec![line("todoId", json!("$${id}")), line("n", json!(5))],
            query: vec![
                line("q", json!(["a", "é✓ \u{7f}\u{85}\u{9f}\u{2028}"])),
                line("e", json!("")),
            ],
            headers: vec![line("X-A", json!("1, 2"))],
            body: Some(line(
                "",
                json!({"a": [1, -2.5, 1e300, 0.1, null, true, {}], "b\n\"#: x": "x\u{1}y",
                       "c": {"d": []}, "big": u64::MAX, "neg": i64::MIN}),
            )),
            invalid_request: true,
            invalid_why: Some("why: # not a comment".into()),
            no_auth: Some("sent without: # credentials".into()),
            status: Some((json!([200, "4xx"]), "why".into())),
            undocumented: true,
            expect_body: Some(json!({"id": {"$type": "integer"}})),
            until_body: Some((json!({"s": "ok", "n": {"m": 1}}), "w".into())),
            retry: Some(("100ms".into(), "10".into())),
            captures: vec![
                (
                    "id".into(),
                    Capture::Body { body: "/id".into() },
                    "w".into(),
                ),
                ("whole".into(), Capture::Pointer(String::new()), "w".into()),
                (
                    "h".into(),
                    Capture::Header {
                        header: "Location".into(),
                        last_segment: true,
                    },
                    "w".into(),
                ),
            ],
        };
        Draft {
            name: "op: generated case 1 (valid)".into(),
            notes: vec!["a note\nthat breaks".into()],
            api: "todos".into(),
            tags: vec!["fuzz".into(), "a, b".into(), "yes".into()],
            needs: vec!["a".into(), "credentials".into()],
            vars: vec![line("x", json!(1)), line("y", json!({"k": [null]}))],
            placeholders: vec![line("a", json!("v, w"))],
            steps: vec![
                step.clone(),
                DraftStep {
                    expect_body: None,
                    ..step
                },
            ],
            finally: vec![DraftStep {
                name: "n".into(),
                call: "delete Todo: #1".into(),
                status: Some((json!("4xx"), "w".into())),
                ..DraftStep::default()
            }],
        }
    }

    #[test]
    fn the_scenario_emitted_with_the_text_is_the_one_the_text_parses_to() {
        let mut drafts = vec![everything()];
        drafts.push(Draft {
            vars: Vec::new(),
            tags: Vec::new(),
            notes: Vec::new(),
            placeholders: Vec::new(),
            needs: Vec::new(),
            ..everything()
        });
        // Only commented placeholders under `vars:`: no variable.
        drafts.push(Draft {
            vars: Vec::new(),
            ..everything()
        });
        for d in drafts {
            let emitted = emit(&d);
            let text = &emitted.text;
            let parsed = crate::scenario::parse(std::path::Path::new("x.yaml"), text).expect(text);
            let built = emitted.scenario.expect("a scenario");
            let diff = first_difference(&format!("{built:#?}"), &format!("{parsed:#?}"));
            assert!(diff.is_none(), "{text}\n{}", diff.unwrap_or_default());
        }
    }

    #[test]
    fn a_draft_the_text_would_say_otherwise_builds_no_scenario() {
        let twice = |d: &mut Draft| {
            let again = d.steps[0].query[0].clone();
            d.steps[0].query.push(again);
        };
        let mut d = everything();
        twice(&mut d);
        let emitted = emit(&d);
        assert!(emitted.scenario.is_none());
        assert!(crate::scenario::parse(std::path::Path::new("x.yaml"), &emitted.text).is_err());
        let mut d = everything();
        d.steps[0].retry = Some(("soon".into(), "10s".into()));
        assert!(emit(&d).scenario.is_none());
        let mut d = everything();
        d.steps[0].status = Some((json!({"not": "a status"}), "why".into()));
        assert!(emit(&d).scenario.is_none());
    }
}
