//! The response against the spec, without the scenario asking: the status must be documented,
//! the body present or absent as documented, of a documented media type, well-formed, valid
//! against the schema (every error, not the first), and the documented headers present and valid.

use serde_json::Value;

use super::{CheckKind, Finding, Severity};
use crate::http::Response;
use crate::openapi::{HeaderSpec, Location, Operation, Schema, model_is_json};
use crate::source::Pos;

/// What the spec check found, with the location of the response it used.
pub fn check(op: &Operation, observed: &Response, strict: bool, pos: Pos) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(resp) = op.response(observed.status) else {
        out.push(
            Finding::violation(
                CheckKind::UndocumentedStatus,
                format!(
                    "status {} is not documented for {} (documented: {})",
                    observed.status,
                    op.id,
                    op.documented_statuses().join(", ")
                ),
            )
            .schema_at(op.at.join("/responses"))
            .expected(op.documented_statuses().join(", "))
            .actual(observed.status)
            .at(pos),
        );
        out.extend(not_produced(op, observed, pos));
        return out;
    };
    let resp_at = &resp.at;

    for h in &resp.headers {
        if let Some(f) = header(h, observed, resp_at) {
            out.push(f.at(pos));
        }
    }

    out.extend(content(op, resp, observed, strict, pos));
    out
}

/// The body against the response `resp` documents: present or absent, its media type, and
/// then its JSON ([`json_body`]).
fn content(
    op: &Operation,
    resp: &crate::openapi::Response,
    observed: &Response,
    strict: bool,
    pos: Pos,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let resp_at = &resp.at;
    let content_type = observed.header("content-type");
    if resp.content.is_empty() {
        if !observed.body.is_empty() {
            out.push(undocumented_body(op, resp, observed).at(pos));
            out.extend(not_produced(op, observed, pos));
        }
        return out;
    }
    if observed.body.is_empty() {
        let types: Vec<&str> = resp.content.iter().map(|m| m.media_type.as_str()).collect();
        out.push(
            Finding::violation(
                CheckKind::Content,
                format!(
                    "the spec documents a body ({}) for {} {}, but the response has none",
                    types.join(", "),
                    op.id,
                    resp.key
                ),
            )
            .keyword("content")
            .schema_at(resp_at.clone())
            .expected(types.join(", "))
            .actual("no body")
            .at(pos),
        );
        return out;
    }
    let Some(ct) = content_type else {
        out.push(
            Finding::violation(
                CheckKind::Content,
                "the response has a body but no Content-Type header",
            )
            .keyword("content")
            .schema_at(resp_at.clone())
            .at(pos),
        );
        return out;
    };
    let Some(media) = resp.content.iter().find(|m| m.covers(ct)) else {
        let types: Vec<&str> = resp.content.iter().map(|m| m.media_type.as_str()).collect();
        out.push(
            Finding::violation(
                CheckKind::Content,
                format!(
                    "Content-Type `{ct}` is not documented for {} {}",
                    op.id, resp.key
                ),
            )
            .keyword("content")
            .schema_at(resp_at.clone())
            .expected(types.join(", "))
            .actual(ct)
            .at(pos),
        );
        return out;
    };
    if let Some(kind) = crate::http::Sequence::of(ct) {
        out.extend(super::items::check(media, kind, observed, resp_at, pos));
        return out;
    }
    if !model_is_json(ct) {
        return out;
    }
    out.extend(json_body(media, observed, strict, resp_at, pos));
    out
}

/// A body of a media type a Swagger 2.0 operation does not produce, on an answer that has no
/// `content` of its own to say otherwise (a status documented without a schema, or not
/// documented): `produces` binds every answer of the operation, so Tornado's HTML 404 page
/// on an operation that produces only JSON breaks it. Not on a 3xx, whose body is a note for
/// people, nor a 5xx, where the crash is the finding.
fn not_produced(op: &Operation, observed: &Response, pos: Pos) -> Option<Finding> {
    let produced = op.produces.as_ref()?;
    if observed.body.is_empty()
        || matches!(observed.status / 100, 3 | 5)
        || op.method.eq_ignore_ascii_case("HEAD")
    {
        return None;
    }
    let ct = observed.header("content-type")?;
    if produced
        .types
        .iter()
        .any(|t| crate::openapi::media_covers(t, ct))
    {
        return None;
    }
    let produces = produced.types.join(", ");
    Some(
        Finding::violation(
            CheckKind::Content,
            format!(
                "Content-Type `{ct}` of the {} answer is not one {} produces ({produces})",
                observed.status, op.id
            ),
        )
        .keyword("produces")
        .schema_at(produced.at.clone())
        .expected(produces)
        .actual(ct)
        .at(pos),
    )
}

/// A body on a response the spec documents without `content`. Most specs leave error bodies
/// undocumented and most servers send one, so by itself that is a warning; it is a violation
/// only where the body must not be there: HTTP forbids one (a 204, 205 or 304, an answer to
/// HEAD), or the spec says there is none (`x-conform-no-body: true`).
fn undocumented_body(
    op: &Operation,
    resp: &crate::openapi::Response,
    observed: &Response,
) -> Finding {
    let n = observed.body.len();
    let forbidden = if op.method.eq_ignore_ascii_case("HEAD") {
        Some("a response to HEAD has no body".to_owned())
    } else if matches!(observed.status, 204 | 205 | 304) {
        Some(format!(
            "HTTP forbids a body on a {} response",
            observed.status
        ))
    } else {
        None
    };
    let finding = match forbidden {
        Some(why) => Finding::violation(
            CheckKind::Content,
            format!(
                "the spec documents no body for {} {}, and {why} (RFC 9110), but the response has {n} byte(s)",
                op.id, resp.key
            ),
        ),
        None if resp.no_body => Finding::violation(
            CheckKind::Content,
            format!(
                "the spec documents no body for {} {} and says it has none (`x-conform-no-body`), but the response has {n} byte(s)",
                op.id, resp.key
            ),
        ),
        None => Finding::warning(
            CheckKind::Content,
            format!(
                "the spec documents no body for {} {}, but the response has {n} byte(s) (a warning: document its `content`, or mark the response `x-conform-no-body: true` to make a body a violation)",
                op.id, resp.key
            ),
        ),
    };
    finding
        .keyword("content")
        .schema_at(resp.at.clone())
        .expected("no body")
        .actual(preview(observed.body.bytes()))
}

/// A JSON body: well-formed, then valid against the media type's schema, leniently and then
/// literally (`x-conform-strict`).
fn json_body(
    media: &crate::openapi::Media,
    observed: &Response,
    strict: bool,
    resp_at: &Location,
    pos: Pos,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(json) = observed.body.json() else {
        let err = serde_json::from_slice::<Value>(observed.body.bytes())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        out.push(
            Finding::violation(
                CheckKind::Content,
                format!("the body is not well-formed JSON: {err}"),
            )
            .keyword("json")
            .schema_at(resp_at.clone())
            .actual(preview(observed.body.bytes()))
            .at(pos),
        );
        return out;
    };
    if let Some(schema) = &media.schema {
        let errors = schema_errors(schema, json, Severity::Violation, pos);
        let lenient_ok = errors.is_empty();
        out.extend(errors);
        if lenient_ok && let Some(strict_schema) = &media.strict {
            let sev = if strict {
                Severity::Violation
            } else {
                Severity::Warning
            };
            for mut f in schema_errors(strict_schema, json, sev, pos) {
                f.message = format!(
                    "{} (the documented table read literally; the target follows the lenient reading)",
                    f.message
                );
                out.push(f);
            }
        }
    }
    out
}

/// Every error of `value` against `schema`.
pub fn schema_errors(schema: &Schema, value: &Value, severity: Severity, pos: Pos) -> Vec<Finding> {
    let validator = match schema.validator() {
        Ok(v) => v,
        Err(e) => {
            return vec![
                Finding::error(CheckKind::Schema, e)
                    .schema_at(schema.at.clone())
                    .at(pos),
            ];
        }
    };
    validator
        .iter_errors(value)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let rule = rule_location(schema, &e);
            let shown = if pointer.is_empty() {
                "the body".to_owned()
            } else {
                pointer.clone()
            };
            // Scalars are short enough to quote; a whole object would drown the message.
            let text = if e.instance().is_object() || e.instance().is_array() {
                e.masked().to_string()
            } else {
                e.to_string()
            };
            Finding::new(severity, CheckKind::Schema, format!("{shown}: {text}"))
                .pointer(pointer)
                .keyword(e.kind().keyword().to_owned())
                .schema_at(rule)
                .actual(e.instance().clone().into_owned())
                .at(pos)
        })
        .collect()
}

/// Where the failed keyword is written: the absolute keyword location mapped back from the
/// registry URI to the spec file, so a rule reached through `$ref` points at its own line.
fn rule_location(schema: &Schema, e: &jsonschema::ValidationError<'_>) -> Location {
    if let Some(uri) = e.absolute_keyword_location()
        && let Some(at) = schema.keyword_location(uri.as_str())
    {
        return at;
    }
    let path = e.schema_path().to_string();
    schema.at.join(path.strip_prefix("/$ref").unwrap_or(&path))
}

fn header(h: &HeaderSpec, observed: &Response, resp_at: &Location) -> Option<Finding> {
    let at = resp_at.join(&format!("/headers/{}", h.name));
    let Some(value) = observed.header(&h.name) else {
        return h.required.then(|| {
            Finding::violation(
                CheckKind::Header,
                format!("required response header {} is missing", h.name),
            )
            .keyword("required")
            .schema_at(at)
            .expected(h.name.clone())
        });
    };
    let schema = h.schema.as_ref()?;
    let typed = coerce(value, &schema.raw);
    let errors: Vec<String> = match schema.validator() {
        Ok(v) => v.iter_errors(&typed).map(|e| e.to_string()).collect(),
        Err(e) => vec![e.to_owned()],
    };
    if errors.is_empty() {
        return None;
    }
    Some(
        Finding::violation(
            CheckKind::Header,
            format!("response header {}: {}", h.name, errors.join("; ")),
        )
        .keyword("schema")
        .schema_at(at.join("/schema"))
        .actual(value),
    )
}

/// A header, path or query value is text on the wire; read it as the schema's type when it says
/// integer, number or boolean.
pub fn coerce(text: &str, schema: &Value) -> Value {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"string") || types.is_empty() {
        return Value::String(text.to_owned());
    }
    if types.contains(&"integer")
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::from(i);
    }
    if types.contains(&"number")
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    if types.contains(&"boolean") {
        match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(text.to_owned())
}

/// The start of a body, as text, for messages; a body that is not text (an image, bytes
/// that are not UTF-8, control characters) is named by its size, never printed as mojibake.
pub fn preview(body: &[u8]) -> String {
    const MAX: usize = 200;
    let head = &body[..body.len().min(MAX)];
    // A cut inside a character at MAX is not binary; a bad byte before it is.
    let valid = match std::str::from_utf8(head) {
        Ok(_) => head.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => 0,
    };
    let text = String::from_utf8_lossy(&head[..valid]).into_owned();
    let binary = (valid == 0 && !head.is_empty())
        || text.chars().any(|c| {
            c == char::REPLACEMENT_CHARACTER || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        });
    if binary {
        return format!("({} bytes that are not text, not shown)", body.len());
    }
    if body.len() > MAX {
        format!("{text}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /t/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getT
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "204": {description: nothing}
        "404": {description: not found}
        "410": {description: gone, x-conform-no-body: true}
    head:
      operationId: headT
      responses:
        "200": {description: ok}
"#;

    fn answer(status: u16, body: &str) -> Response {
        let mut headers = crate::http::Headers::new();
        headers.set("content-type", "text/plain");
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec().into(),
        }
    }

    fn findings(op: &str, status: u16, body: &str) -> Vec<Finding> {
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let op = spec.operation(op).expect("op");
        check(op, &answer(status, body), false, Pos::UNKNOWN)
    }

    /// A body on a status documented without `content` is a warning: most specs leave error
    /// bodies out, and most servers send one.
    #[test]
    fn an_undocumented_error_body_is_a_warning() {
        let f = findings("getT", 404, "no such thing");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].check, CheckKind::Content);
        assert!(
            f[0].message.contains("x-conform-no-body"),
            "{}",
            f[0].message
        );
        assert!(findings("getT", 404, "").is_empty());
    }

    /// Where HTTP forbids a body (204, a HEAD) or the spec says there is none, it is a violation.
    #[test]
    fn a_forbidden_or_denied_body_is_a_violation() {
        for (op, status, why) in [
            ("getT", 204, "HTTP forbids a body on a 204"),
            ("getT", 410, "says it has none"),
            ("headT", 200, "a response to HEAD has no body"),
        ] {
            let f = findings(op, status, "body");
            assert_eq!(f.len(), 1, "{op} {status}: {f:?}");
            assert_eq!(f[0].severity, Severity::Violation, "{op} {status}");
            assert!(f[0].message.contains(why), "{}", f[0].message);
            assert!(findings(op, status, "").is_empty(), "{op} {status}");
        }
    }

    const SWAGGER: &str = r#"
swagger: "2.0"
info: {title: t, version: "1"}
produces: [application/json]
paths:
  /t:
    get:
      operationId: getT
      responses:
        "200": {description: ok, schema: {type: object}}
        "401": {description: no credential}
"#;

    fn swagger_findings(status: u16, content_type: &str) -> Vec<Finding> {
        let (_dir, registry, _) = crate::init::load_for_test("t", SWAGGER);
        let spec = registry.api("t").expect("loads");
        let op = spec.operation("getT").expect("op");
        let mut answer = answer(status, "<html>page</html>");
        answer.headers.set("content-type", content_type);
        check(op, &answer, false, Pos::UNKNOWN)
    }

    /// A 2.0 `produces` binds every answer: an HTML error page of an operation that produces
    /// JSON is a violation, on a status documented without a schema or not documented; a 3xx
    /// note or a 5xx crash page is not held to it.
    #[test]
    fn an_answer_of_a_type_the_operation_does_not_produce_is_a_violation() {
        let produces = |f: &[Finding]| {
            f.iter()
                .filter(|f| f.keyword.as_deref() == Some("produces"))
                .count()
        };
        let html = swagger_findings(401, "text/html; charset=utf-8");
        assert_eq!(produces(&html), 1, "{html:?}");
        let f = html
            .iter()
            .find(|f| f.keyword.as_deref() == Some("produces"))
            .expect("found");
        assert_eq!(f.severity, Severity::Violation);
        assert!(
            f.message.contains("`text/html; charset=utf-8`"),
            "{}",
            f.message
        );
        assert!(f.message.contains("application/json"), "{}", f.message);
        let at = f.schema_at.as_ref().expect("the rule's place");
        assert_eq!(at.pointer, "/produces", "the document's own `produces`");
        assert_eq!(produces(&swagger_findings(404, "text/html")), 1);
        assert_eq!(produces(&swagger_findings(401, "application/json")), 0);
        assert_eq!(produces(&swagger_findings(302, "text/html")), 0);
        assert_eq!(produces(&swagger_findings(500, "text/html")), 0);
        // OpenAPI 3 says it per response: no operation-wide rule.
        assert_eq!(produces(&findings("getT", 404, "x")), 0);
    }

    /// A client asks for what the operation answers in: JSON first, other documented types
    /// beside it; an operation that produces only images is not asked for JSON.
    #[test]
    fn the_accept_sent_is_what_the_operation_answers_in() {
        let accept = |spec: &str| {
            let (_dir, registry, _) = crate::init::load_for_test("t", spec);
            let spec = registry.api("t").expect("loads");
            spec.operations[0].accept().to_owned()
        };
        assert_eq!(accept(SPEC), "application/json");
        let images = SWAGGER.replace(
            "produces: [application/json]",
            "produces: [image/webp, image/png]",
        );
        assert_eq!(accept(&images), "image/webp, image/png");
        let both = SPEC.replace(
            r#""204": {description: nothing}"#,
            r#""204": {description: nothing}
        "202": {description: csv, content: {text/csv: {}}}"#,
        );
        assert_eq!(accept(&both), "application/json, text/csv;q=0.9");
        let none = "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /t:\n    get:\n      responses:\n        \"204\": {description: ok}\n";
        assert_eq!(accept(none), "application/json", "nothing documented");
    }

    #[test]
    fn a_body_that_is_not_text_is_named_by_its_size() {
        assert_eq!(
            preview(b"RIFF\x40\x29\0\0WEBP"),
            "(12 bytes that are not text, not shown)"
        );
        assert_eq!(
            preview("x\u{FFFD}y".as_bytes()),
            "(5 bytes that are not text, not shown)",
            "what a lossy record kept of bytes that were not UTF-8"
        );
        assert_eq!(preview(b"{\"a\": 1}\n"), "{\"a\": 1}\n");
        let long = "é".repeat(150);
        let shown = preview(long.as_bytes());
        assert!(shown.ends_with('…') && shown.starts_with("éé"), "{shown}");
    }
}
