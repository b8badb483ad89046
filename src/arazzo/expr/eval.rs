//! Evaluation of a parsed [`Expr`] against a [`Context`]: every expression either has a value or
//! an [`EvalError`] that says what was missing.

use serde_json::Value;

use super::{Context, EvalError, Expr, ExprKind};

/// The value of `expr` in `ctx`.
pub(super) fn eval_expr(expr: &Expr, ctx: &dyn Context) -> Result<Value, EvalError> {
    value(&expr.kind, ctx).map_err(|reason| EvalError {
        expr: expr.source.clone(),
        reason,
    })
}

fn string(v: Option<String>, missing: impl FnOnce() -> String) -> Result<Value, String> {
    v.map(Value::String).ok_or_else(missing)
}

fn value(kind: &ExprKind, ctx: &dyn Context) -> Result<Value, String> {
    match kind {
        ExprKind::Url => string(ctx.url(), || "no request was sent".into()),
        ExprKind::Method => string(ctx.method(), || "no request was sent".into()),
        ExprKind::StatusCode => ctx
            .status()
            .map(Value::from)
            .ok_or_else(|| "no response was received".into()),
        ExprKind::RequestHeader(n) => string(ctx.request_header(n), || {
            format!("the request has no header `{n}`")
        }),
        ExprKind::RequestQuery(n) => string(ctx.request_query(n), || {
            format!("the request has no query parameter `{n}`")
        }),
        ExprKind::RequestPath(n) => string(ctx.request_path(n), || {
            format!("the request has no path parameter `{n}`")
        }),
        ExprKind::ResponseHeader(n) => string(ctx.response_header(n), || {
            format!("the response has no header `{n}`")
        }),
        ExprKind::RequestBody(ptr) => match ctx.request_body() {
            Some(body) => at_pointer(body, ptr.as_deref(), "the request body"),
            None => Err("the request has no JSON body".into()),
        },
        ExprKind::ResponseBody(ptr) => response_body(ctx, ptr.as_deref()),
        ExprKind::Inputs(name, rest) => lookup(
            |n| ctx.input(n),
            name,
            rest.as_deref(),
            "the workflow has no input",
        ),
        ExprKind::Outputs(name, rest) => lookup(
            |n| ctx.output(n),
            name,
            rest.as_deref(),
            "the workflow has no output (yet)",
        ),
        ExprKind::Steps { step, rest } => {
            let tail = rest.strip_prefix("outputs.").unwrap_or(rest);
            let (name, more) = split_name(tail);
            lookup(
                |n| ctx.step_output(step, n),
                name,
                more,
                &format!("step `{step}` has no output"),
            )
        }
        ExprKind::Workflows { workflow, rest } => {
            let (field, tail) = rest.split_once('.').unwrap_or((rest, ""));
            let (name, more) = split_name(tail);
            let missing = format!(
                "workflow `{workflow}` has no {}",
                field.trim_end_matches('s')
            );
            lookup(
                |n| ctx.workflow_value(workflow, &format!("{field}.{n}")),
                name,
                more,
                &missing,
            )
        }
        ExprKind::SourceDescriptions { name, rest } if rest == "url" => {
            string(ctx.source_url(name), || {
                format!("there is no source description `{name}`")
            })
        }
        ExprKind::SourceDescriptions { name, rest } => Err(format!(
            "conform reads only the `url` of a source description, not `{rest}` of `{name}`"
        )),
        ExprKind::Components { kind, name, .. } => Err(format!(
            "`{kind}.{name}` is a component, which is resolved where the document uses it, not evaluated as a value"
        )),
    }
}

fn response_body(ctx: &dyn Context, ptr: Option<&str>) -> Result<Value, String> {
    if let Some(body) = ctx.response_body() {
        return at_pointer(body, ptr, "the response body");
    }
    match (ctx.response_text(), ptr) {
        (Some(text), None) => Ok(Value::String(text.to_string())),
        (Some(_), Some(_)) => {
            Err("the response body is not JSON, so a JSON pointer cannot select from it".into())
        }
        (None, _) => Err("the response has no body".into()),
    }
}

/// Splits `name.deeper#/ptr` into (`name.deeper`, Some(`#/ptr`)) for [`lookup`].
fn split_name(tail: &str) -> (&str, Option<&str>) {
    match tail.find('#') {
        Some(i) => (&tail[..i], Some(&tail[i..])),
        None => (tail, None),
    }
}

/// The value of `name` (then `rest`: `.deeper` keys and/or `#/pointer`) through `get`. Names may
/// themselves contain dots (Arazzo 1.1 identifiers), so the longest name `get` knows wins and the
/// remaining segments are keys into its value.
fn lookup(
    get: impl Fn(&str) -> Option<Value>,
    name: &str,
    rest: Option<&str>,
    missing: &str,
) -> Result<Value, String> {
    let (dotted, ptr) = match rest {
        Some(r) => {
            let (d, p) = split_name(r);
            (format!("{name}{d}"), p)
        }
        None => {
            let (d, p) = split_name(name);
            (d.to_string(), p)
        }
    };
    let segments: Vec<&str> = dotted.split('.').collect();
    for take in (1..=segments.len()).rev() {
        let head = segments[..take].join(".");
        let Some(mut v) = get(&head) else { continue };
        let mut path = head.clone();
        for key in &segments[take..] {
            v = child(&v, key).ok_or_else(|| format!("`{path}` has no `{key}`"))?;
            path = format!("{path}.{key}");
        }
        return at_pointer(&v, ptr, &format!("`{path}`"));
    }
    Err(format!("{missing} `{}`", segments[0]))
}

/// An object's member, or an array's item by index.
fn child(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Object(m) => m.get(key).cloned(),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)).cloned(),
        _ => None,
    }
}

/// `ptr` (`#/a/0`, RFC 6901 after the `#`) applied to `v`.
fn at_pointer(v: &Value, ptr: Option<&str>, what: &str) -> Result<Value, String> {
    let Some(ptr) = ptr else { return Ok(v.clone()) };
    let p = ptr.strip_prefix('#').unwrap_or(ptr);
    v.pointer(p)
        .cloned()
        .ok_or_else(|| format!("{what} has nothing at `{p}`"))
}
