//! A scenario's `expect.items` ([`ItemsExpectation`]) against the items of a streamed body
//! ([`check`]): the count, and the first, the last, every or any item matched as `body` is
//! ([`super::body::match_value`]), each finding pointed at `/items/<index>/...`.

use serde_json::Value;

use super::body::match_value;
use super::items::{MAX_BAD_ITEMS, items_of};
use super::{CheckKind, Finding};
use crate::http::{Response, Sequence};
use crate::plan::{ItemsExpectation, Pattern};
use crate::scenario::Scope;

/// The items as expectations see them: JSON items in order (one that is not JSON left out: the
/// spec check reports it), an event's `data` parsed when it is JSON.
fn values(kind: Sequence, observed: &Response) -> Vec<Value> {
    let (items, _) = items_of(kind, observed);
    items
        .into_iter()
        .filter_map(|i| i.value.ok())
        .map(|mut v| {
            if kind == Sequence::EventStream
                && let Some(data) = v.get_mut("data")
                && let Some(parsed) = data.as_str().and_then(|s| serde_json::from_str(s).ok())
            {
                *data = parsed;
            }
            v
        })
        .collect()
}

/// A streamed body as one JSON value, `{"items": [...]}` (items as [`check`] sees them), for
/// captures to point into (`/items/4/data/id`); `None` for a body that is not a stream.
pub fn view(observed: &Response) -> Option<Value> {
    let kind = Sequence::of(observed.header("content-type")?)?;
    Some(serde_json::json!({ "items": values(kind, observed) }))
}

/// What `exp` finds wrong with the items of `observed`.
pub fn check(exp: &ItemsExpectation, observed: &Response, scope: &dyn Scope) -> Vec<Finding> {
    let ct = observed.header("content-type").unwrap_or("no Content-Type");
    let Some(kind) = Sequence::of(ct) else {
        return vec![
            Finding::violation(
                CheckKind::Body,
                format!("`items` expects a stream of items, but the response is `{ct}`"),
            )
            .keyword("items")
            .expected("text/event-stream, application/jsonl, application/x-ndjson or application/json-seq")
            .actual(ct)
            .at(exp.pos),
        ];
    };
    let items = values(kind, observed);
    let cut = if observed.body.cut_stream().is_some() {
        " (the stream was cut at a limit)"
    } else {
        ""
    };
    let mut out = Vec::new();
    if let Some((want, pos)) = exp.count
        && u64::try_from(items.len()) != Ok(want)
    {
        out.push(
            Finding::violation(
                CheckKind::Body,
                format!(
                    "expected {want} item(s), the stream had {}{cut}",
                    items.len()
                ),
            )
            .keyword("count")
            .pointer("/items")
            .expected(want)
            .actual(items.len())
            .at(pos),
        );
    }
    for (key, p) in exp.patterns() {
        out.extend(match key {
            "first" => one(p, items.first().map(|v| (0, v)), scope, key, cut),
            "last" => one(p, items.iter().enumerate().next_back(), scope, key, cut),
            "every" => every(p, &items, scope),
            _ => any(p, &items, scope, cut),
        });
    }
    out
}

fn root(i: usize) -> String {
    format!("/items/{i}")
}

/// The first or the last item against `p`; a stream without items has neither.
fn one(
    p: &Pattern,
    item: Option<(usize, &Value)>,
    scope: &dyn Scope,
    key: &str,
    cut: &str,
) -> Vec<Finding> {
    match item {
        Some((i, v)) => match_value(p, Some(v), scope, CheckKind::Body, &root(i)).findings,
        None => vec![
            Finding::violation(
                CheckKind::Body,
                format!("`items.{key}`: the stream had no item{cut}"),
            )
            .keyword(key.to_owned())
            .pointer("/items")
            .at(p.pos),
        ],
    }
}

/// Every item against `p`: the findings of each item that does not match, up to
/// [`MAX_BAD_ITEMS`] items.
fn every(p: &Pattern, items: &[Value], scope: &dyn Scope) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut bad = 0usize;
    for (i, v) in items.iter().enumerate() {
        let m = match_value(p, Some(v), scope, CheckKind::Body, &root(i));
        if m.ok() {
            continue;
        }
        bad += 1;
        if bad <= MAX_BAD_ITEMS {
            out.extend(m.findings);
        }
    }
    if bad > MAX_BAD_ITEMS {
        out.push(
            Finding::violation(
                CheckKind::Body,
                format!(
                    "`items.every`: {} more item(s) do not match (only the first {MAX_BAD_ITEMS} are listed)",
                    bad - MAX_BAD_ITEMS
                ),
            )
            .keyword("every")
            .pointer("/items")
            .at(p.pos),
        );
    }
    out
}

/// Some item matches `p`, or one finding says none of them did.
fn any(p: &Pattern, items: &[Value], scope: &dyn Scope, cut: &str) -> Vec<Finding> {
    if items
        .iter()
        .enumerate()
        .any(|(i, v)| match_value(p, Some(v), scope, CheckKind::Body, &root(i)).ok())
    {
        return Vec::new();
    }
    vec![
        Finding::violation(
            CheckKind::Body,
            format!(
                "`items.any`: none of the {} item(s) matches{cut}",
                items.len()
            ),
        )
        .keyword("any")
        .pointer("/items")
        .at(p.pos),
    ]
}
