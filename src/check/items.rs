//! A sequential body (server-sent events, JSON Lines, JSON text sequences) checked item by
//! item against its media type's `itemSchema` ([`check`]): each finding names the item's index
//! (and an event's type and id) and points into it as `/items/<index>/<pointer>`, as if the
//! items were one JSON array. Every bad item is reported up to [`MAX_BAD_ITEMS`]; the rest of the
//! stream is checked after one. A stream cut at a limit is checked as far as it came.

use serde_json::Value;

use super::schema::schema_errors;
use super::{CheckKind, Finding, Severity};
use crate::http::stream::{Item, Sequence, split};
use crate::http::{Response, StreamCut};
use crate::openapi::{Location, Media, Schema};
use crate::source::Pos;

/// Items with findings reported one by one at most; past that, one finding counts the rest.
pub const MAX_BAD_ITEMS: usize = 50;

/// The items of `observed`'s body, a `kind` sequence, as they were read (a cut stream's last
/// piece left out).
pub fn items_of(kind: Sequence, observed: &Response) -> (Vec<Item>, usize) {
    split(
        kind,
        observed.body.bytes(),
        observed.body.cut_stream().is_some(),
    )
}

/// Every item of the body against `media`'s item schema, and how the stream ended.
pub fn check(
    media: &Media,
    kind: Sequence,
    observed: &Response,
    resp_at: &Location,
    pos: Pos,
) -> Vec<Finding> {
    let (items, left) = items_of(kind, observed);
    let mut out = Vec::new();
    let mut bad = 0usize;
    for item in &items {
        let found = item_findings(media, item, resp_at, pos);
        if found.is_empty() {
            continue;
        }
        bad += 1;
        if bad <= MAX_BAD_ITEMS {
            out.extend(found);
        }
    }
    if bad > MAX_BAD_ITEMS {
        out.push(
            Finding::violation(
                CheckKind::Schema,
                format!(
                    "{} more item(s) of the {} break the item schema (only the first {MAX_BAD_ITEMS} are listed)",
                    bad - MAX_BAD_ITEMS,
                    items.len()
                ),
            )
            .pointer("/items")
            .at(pos),
        );
    }
    out.extend(ending(kind, observed, items.len(), left, resp_at, pos));
    out
}

/// How the stream ended: cut at a limit (a warning of the harness's limit, what arrived checked),
/// or inside an event that a client then discards.
fn ending(
    kind: Sequence,
    observed: &Response,
    n: usize,
    left: usize,
    resp_at: &Location,
    pos: Pos,
) -> Option<Finding> {
    let piece = if left > 0 {
        format!(" ({left} byte(s) of an unfinished item after them left out)")
    } else {
        String::new()
    };
    let message = match observed.body.cut_stream() {
        Some(StreamCut::Time(t)) => format!(
            "the stream was still open at the step's time limit ({}): cut there, the {n} item(s) that arrived were checked{piece}",
            crate::units::human_duration(t)
        ),
        Some(StreamCut::Size(limit)) => format!(
            "the stream grew past {}, the harness's body limit: cut there, the {n} item(s) before it were checked{piece}",
            crate::units::human_size(limit)
        ),
        None if left > 0 && kind == Sequence::EventStream => {
            return Some(
                Finding::violation(
                    CheckKind::Content,
                    format!(
                        "the event stream ends inside an event (no blank line after its last {left} byte(s)): a client discards that event"
                    ),
                )
                .keyword("text/event-stream")
                .schema_at(resp_at.clone())
                .pointer(format!("/items/{n}"))
                .at(pos),
            );
        }
        None => return None,
    };
    Some(Finding::warning(CheckKind::Limit, message).at(pos))
}

/// The findings of one item: not JSON, or against the item schema, then an event's JSON `data`
/// against its `contentSchema`.
fn item_findings(media: &Media, item: &Item, resp_at: &Location, pos: Pos) -> Vec<Finding> {
    let label = item.label();
    let base = format!("/items/{}", item.index);
    let value = match &item.value {
        Ok(v) => v,
        Err(e) => {
            return vec![
                Finding::violation(CheckKind::Content, format!("{label} is not JSON: {e}"))
                    .keyword("json")
                    .pointer(base)
                    .schema_at(resp_at.clone())
                    .at(pos),
            ];
        }
    };
    let mut out = Vec::new();
    if let Some(schema) = &media.item_schema {
        out.extend(within(schema, value, &label, &base, "", pos));
    }
    if let (Some(schema), Some(Value::String(data))) = (&media.item_data_schema, value.get("data"))
    {
        match serde_json::from_str::<Value>(data) {
            Ok(parsed) => out.extend(within(schema, &parsed, &label, &base, "/data", pos)),
            Err(e) => out.push(
                Finding::violation(
                    CheckKind::Content,
                    format!("{label}: /data is not JSON, as its contentMediaType says: {e}"),
                )
                .keyword("contentMediaType")
                .pointer(format!("{base}/data"))
                .schema_at(schema.at.clone())
                .actual(data.clone())
                .at(pos),
            ),
        }
    }
    out
}

/// `value`'s schema errors, each pointed at `base` + `inner` + its own pointer and named by the
/// item's `label`.
fn within(
    schema: &Schema,
    value: &Value,
    label: &str,
    base: &str,
    inner: &str,
    pos: Pos,
) -> Vec<Finding> {
    schema_errors(schema, value, Severity::Violation, pos)
        .into_iter()
        .map(|mut f| {
            let own = f.pointer.take().unwrap_or_default();
            let text = f.message.strip_prefix("the body: ").unwrap_or(&f.message);
            let text = match text.strip_prefix(&format!("{own}: ")) {
                Some(rest) if !own.is_empty() => rest,
                _ => text,
            };
            let at = format!("{inner}{own}");
            f.message = if at.is_empty() {
                format!("{label}: {text}")
            } else {
                format!("{label}: {at}: {text}")
            };
            f.pointer(format!("{base}{at}"))
        })
        .collect()
}
