//! The realistic flow in Hurl's language, written from `order-lifecycle.yaml` itself when the
//! benchmark runs, so the two cannot drift apart: [`translate`] reads the scenario as plain
//! YAML and writes one `.hurl` file's text (main type: [`Flow`]) with the same requests, checks
//! and captures, as far as Hurl can say them. What the scenario uses and this translation does
//! not know is an error, not a check left out, so a new matcher in the scenario fails the
//! benchmark until Hurl is given its equivalent.
//!
//! What Hurl cannot do at all is validate a request or a response against the OpenAPI schema;
//! conform does both on every exchange, and the benchmark says so beside the figures.

use std::fmt::Write as _;

use conform::openapi::ApiSpec;
use serde_json::{Map, Value};

/// One flow as a Hurl file, and how many requests, asserts and captures it holds.
pub struct Flow {
    pub text: String,
    pub requests: usize,
    pub asserts: usize,
    pub captures: usize,
}

/// Writes the Hurl text of `scenario` (YAML), each step's method and path taken from `spec`;
/// `run_id` stands for `${run.id}`. The file expects a `base` variable (`--variable base=URL`).
pub fn translate(scenario: &str, spec: &ApiSpec, run_id: &str) -> Result<Flow, String> {
    let doc: Value = serde_saphyr::from_str(scenario)
        .map_err(|e| format!("the flow scenario is not YAML: {e}"))?;
    let top = object(&doc, "the scenario")?;
    only_keys(
        top,
        &["name", "api", "tags", "vars", "steps"],
        "the scenario",
    )?;
    let mut vars = Vec::new();
    if let Some(v) = top.get("vars") {
        for (name, value) in object(v, "vars")? {
            let value = value
                .as_str()
                .ok_or_else(|| format!("vars.{name}: only string variables are translated"))?;
            vars.push(format!(
                "{name}={}",
                template(&value.replace("${run.id}", run_id))
            ));
        }
    }
    let steps = top
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("the scenario has no list of steps")?;
    let mut flow = Flow {
        text: String::new(),
        requests: 0,
        asserts: 0,
        captures: 0,
    };
    for (i, step) in steps.iter().enumerate() {
        // Hurl keeps a variable an entry's options define for the entries after it.
        let options = if i == 0 { vars.as_slice() } else { &[] };
        step_text(&mut flow, step, spec, options).map_err(|e| format!("step {}: {e}", i + 1))?;
    }
    Ok(flow)
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} is not a mapping: {v}"))
}

fn only_keys(m: &Map<String, Value>, known: &[&str], what: &str) -> Result<(), String> {
    match m.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{what} has `{k}`, which the Hurl translation does not handle"
        )),
        None => Ok(()),
    }
}

/// `${name}` -> `{{name}}`: conform's templates in Hurl's syntax; other braces (a JSON body's)
/// are left as they are.
fn template(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str("{{");
        out.push_str(&rest[start + 2..start + len]);
        out.push_str("}}");
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn step_text(flow: &mut Flow, step: &Value, spec: &ApiSpec, vars: &[String]) -> Result<(), String> {
    let step = object(step, "a step")?;
    only_keys(
        step,
        &["name", "call", "path", "body", "expect", "capture"],
        "the step",
    )?;
    let call = step
        .get("call")
        .and_then(Value::as_str)
        .ok_or("no `call`")?;
    let op = spec
        .operation(call)
        .ok_or_else(|| format!("the bench spec has no operation {call}"))?;
    let mut path = op.path.clone();
    if let Some(params) = step.get("path") {
        for (name, value) in object(params, "path")? {
            let value = scalar(value)?;
            path = path.replace(&format!("{{{name}}}"), &template(&value));
        }
    }
    let t = &mut flow.text;
    if let Some(name) = step.get("name").and_then(Value::as_str) {
        let _ = writeln!(t, "# {name}");
    }
    let _ = writeln!(t, "{} {{{{base}}}}{path}", op.method);
    if !vars.is_empty() {
        t.push_str("[Options]\n");
        for v in vars {
            let _ = writeln!(t, "variable: {v}");
        }
    }
    if let Some(body) = step.get("body") {
        let json = serde_json::to_string_pretty(body).map_err(|e| e.to_string())?;
        let _ = writeln!(t, "{}", template(&json));
    }
    flow.requests += 1;
    let expect = object(step.get("expect").ok_or("no `expect`")?, "expect")?;
    only_keys(expect, &["status", "headers", "body"], "expect")?;
    let status = expect
        .get("status")
        .and_then(Value::as_u64)
        .ok_or("expect has no numeric status")?;
    let _ = writeln!(flow.text, "HTTP {status}");
    if let Some(capture) = step.get("capture") {
        flow.captures += captures(&mut flow.text, object(capture, "capture")?)?;
    }
    let mut asserts = Vec::new();
    if let Some(headers) = expect.get("headers") {
        for (name, want) in object(headers, "expect.headers")? {
            asserts.push(predicate(&format!("header \"{name}\""), want)?);
        }
    }
    match expect.get("body") {
        Some(body) if is_absent(body) => asserts.push("bytes count == 0".to_owned()),
        Some(body) => body_asserts(&mut asserts, "$", body)?,
        None => {}
    }
    flow.asserts += asserts.len();
    if !asserts.is_empty() {
        flow.text.push_str("[Asserts]\n");
        for a in asserts {
            let _ = writeln!(flow.text, "{a}");
        }
    }
    flow.text.push('\n');
    Ok(())
}

/// `name: /json/pointer` or `name: {header: Name}`; returns how many.
fn captures(t: &mut String, capture: &Map<String, Value>) -> Result<usize, String> {
    t.push_str("[Captures]\n");
    for (name, from) in capture {
        let query = match from {
            Value::String(pointer) => format!("jsonpath \"{}\"", jsonpath(pointer)?),
            Value::Object(m) => match m.get("header").and_then(Value::as_str) {
                Some(h) if m.len() == 1 => format!("header \"{h}\""),
                _ => return Err(format!("capture {name}: {from} is not translated")),
            },
            _ => return Err(format!("capture {name}: {from} is not translated")),
        };
        let _ = writeln!(t, "{name}: {query}");
    }
    Ok(capture.len())
}

/// `/a/b` -> `$.a.b` (the scenario's pointers name plain keys).
fn jsonpath(pointer: &str) -> Result<String, String> {
    let mut path = String::from("$");
    for seg in pointer.strip_prefix('/').unwrap_or(pointer).split('/') {
        if seg.is_empty() || !seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("the pointer {pointer} is not translated"));
        }
        path.push('.');
        path.push_str(seg);
    }
    Ok(path)
}

fn is_absent(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.get("$absent") == Some(&Value::Bool(true)))
}

fn is_matcher(m: &Map<String, Value>) -> bool {
    m.keys().next().is_some_and(|k| k.starts_with('$'))
}

/// The asserts of an expected body at `path`: a plain mapping names fields (others allowed),
/// a matcher mapping or a scalar checks the value there.
fn body_asserts(out: &mut Vec<String>, path: &str, want: &Value) -> Result<(), String> {
    match want {
        Value::Object(m) if !is_matcher(m) => {
            for (key, v) in m {
                if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("the body key {key} is not translated"));
                }
                body_asserts(out, &format!("{path}.{key}"), v)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            for (k, v) in m {
                out.push(matcher(path, k, v)?);
            }
            Ok(())
        }
        _ => {
            out.push(predicate(&format!("jsonpath \"{path}\""), want)?);
            Ok(())
        }
    }
}

/// One `$matcher: arg` at `path`, as a Hurl assert.
fn matcher(path: &str, name: &str, arg: &Value) -> Result<String, String> {
    let q = format!("jsonpath \"{path}\"");
    Ok(match (name, arg) {
        ("$regex", Value::String(re)) => format!("{q} matches {}", regex(re)),
        ("$type", Value::String(t)) => {
            let p = match t.as_str() {
                "uuid" => "isUuid",
                "date-time" => "isIsoDate",
                "string" => "isString",
                "integer" => "isInteger",
                "number" => "isNumber",
                "boolean" => "isBoolean",
                "array" => "isList",
                "object" => "isObject",
                _ => return Err(format!("$type {t} is not translated")),
            };
            format!("{q} {p}")
        }
        ("$len", Value::Number(n)) => format!("{q} count == {n}"),
        ("$absent", Value::Bool(true)) => format!("{q} not exists"),
        ("$contains", Value::Object(fields)) => {
            // An element with these fields: a filter, which must select something. Not
            // `count >= 1`: Hurl gives a lone match as the element itself, not a list of one.
            let mut conds = Vec::new();
            for (k, v) in fields {
                conds.push(format!("@.{k} == {}", filter_literal(v)?));
            }
            format!("jsonpath \"{path}[?{}]\" exists", conds.join(" && "))
        }
        ("$contains", v) => format!("{q} includes {}", literal(v)?),
        _ => return Err(format!("the matcher {name}: {arg} is not translated")),
    })
}

/// `query == value` for a scalar, or the matcher's assert for `{$regex: ...}` and the like.
fn predicate(query: &str, want: &Value) -> Result<String, String> {
    match want {
        Value::Object(m) if m.len() == 1 && m.contains_key("$regex") => match &m["$regex"] {
            Value::String(re) => Ok(format!("{query} matches {}", regex(re))),
            other => Err(format!("$regex {other} is not translated")),
        },
        Value::Object(_) | Value::Array(_) => {
            Err(format!("{want} under {query} is not translated"))
        }
        _ => Ok(format!("{query} == {}", literal(want)?)),
    }
}

/// A Hurl regex literal: `/.../`, a slash inside escaped.
fn regex(re: &str) -> String {
    format!("/{}/", re.replace('/', "\\/"))
}

fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("{v} is not a scalar")),
    }
}

/// A predicate value: a JSON string with `${...}` as `{{...}}`, or a number, bool or null.
fn literal(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(template(&Value::String(s.clone()).to_string())),
        Value::Number(_) | Value::Bool(_) | Value::Null => Ok(v.to_string()),
        _ => Err(format!("{v} is not translated as a value")),
    }
}

/// A literal inside a JSONPath filter: single-quoted strings (the path is in double quotes).
fn filter_literal(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) if !s.contains(['\'', '"', '\\', '$']) => Ok(format!("'{s}'")),
        Value::Number(_) | Value::Bool(_) | Value::Null => Ok(v.to_string()),
        _ => Err(format!("{v} is not translated inside a filter")),
    }
}
