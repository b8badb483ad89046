//! The shape of a group of responses, values left out: [`Profile`] gathers, over every entry
//! added, the JSON types seen at each JSON Pointer of the bodies (array items under one `*`
//! segment, so arrays compare by their items' union shape), the response header names and the
//! Content-Type essences; [`Profile::compare`] says where two profiles differ. Values (ids,
//! timestamps, request ids, tokens) never take part, so two recordings of the same run differ
//! only where the API's shape does.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::format::Entry;
use crate::check::body::json_type;

/// The segment that stands for every item of an array.
pub const ITEMS: &str = "*";

/// Headers whose presence says nothing about the API: hop-by-hop ones (RFC 9110 §7.6.1), the
/// ones a server or a proxy adds to any response, and Content-Type (compared by essence).
const IGNORED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "date",
    "content-length",
    "server",
    "via",
    "age",
    "content-type",
];

/// Which recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Side {
    /// The first recording given (`conform diff A B`).
    A,
    /// The second recording given.
    B,
}

/// The union shape of some responses.
#[derive(Debug, Default)]
pub struct Profile {
    /// JSON types by pointer; the root (`""`) is also `empty` for no body, `text` for a body
    /// that is not JSON and `binary` for a base64 one.
    fields: BTreeMap<String, BTreeSet<&'static str>>,
    headers: BTreeSet<String>,
    content_types: BTreeSet<String>,
    /// Bodies read whole: a truncated body is left out, and with none read there is no body
    /// shape to compare.
    bodies: usize,
}

/// One way two profiles differ (the status and the operation are the caller's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ShapeDiff {
    /// Types at `pointer`, each side's joined with ` or `, `missing` where absent.
    Field {
        /// The JSON Pointer into the bodies, array items as `*` (`/servers/*/id`).
        pointer: String,
        /// The types seen in recording A (`string or null`).
        a: String,
        /// The types seen in recording B.
        b: String,
    },
    /// A response header in one recording only.
    Header {
        /// The header's name, lower-case.
        name: String,
        /// The recording that has it.
        only: Side,
    },
    /// Content-Type essences, `none` where the header is absent.
    ContentType {
        /// The essences seen in recording A, joined with ` or `.
        a: String,
        /// The essences seen in recording B, joined with ` or `.
        b: String,
    },
}

impl Profile {
    /// Adds one entry's response.
    pub(crate) fn add(&mut self, entry: &Entry) {
        let response = &entry.response;
        let mut essence = String::from("none");
        for h in &response.headers {
            let name = h.name.to_ascii_lowercase();
            if name == "content-type" {
                essence = crate::http::media_type_of(&h.value);
            }
            if !IGNORED_HEADERS.contains(&name.as_str()) {
                self.headers.insert(name);
            }
        }
        self.content_types.insert(essence);
        let content = &response.content;
        if content.truncated {
            return;
        }
        self.bodies += 1;
        let text = content.text.as_deref().unwrap_or_default();
        if content.encoding.as_deref() == Some("base64") && !text.is_empty() {
            self.insert(String::new(), "binary");
        } else if text.trim().is_empty() {
            self.insert(String::new(), "empty");
        } else {
            match serde_json::from_str::<Value>(text) {
                Ok(v) => self.walk(String::new(), &v),
                Err(_) => self.insert(String::new(), "text"),
            }
        }
    }

    fn insert(&mut self, pointer: String, kind: &'static str) {
        self.fields.entry(pointer).or_default().insert(kind);
    }

    fn walk(&mut self, pointer: String, v: &Value) {
        match v {
            Value::Object(map) => {
                for (k, item) in map {
                    self.walk(format!("{pointer}/{}", escape(k)), item);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(format!("{pointer}/{ITEMS}"), item);
                }
            }
            _ => {}
        }
        // Numbers are one type, since `1` and `1.5` are values of one field.
        self.insert(pointer, json_type(v));
    }

    /// Where `a` (recording A's) and `b` differ, in pointer order, then headers, then
    /// Content-Type.
    pub fn compare(a: &Profile, b: &Profile) -> Vec<ShapeDiff> {
        let mut out = Vec::new();
        if a.bodies > 0 && b.bodies > 0 {
            let pointers: BTreeSet<&String> = a.fields.keys().chain(b.fields.keys()).collect();
            for p in pointers {
                let (ta, tb) = (a.fields.get(p), b.fields.get(p));
                if ta == tb || !a.reaches(p, tb.is_some()) || !b.reaches(p, ta.is_some()) {
                    continue;
                }
                out.push(ShapeDiff::Field {
                    pointer: p.clone(),
                    a: describe(ta),
                    b: describe(tb),
                });
            }
        }
        for name in a.headers.symmetric_difference(&b.headers) {
            let only = if a.headers.contains(name) {
                Side::A
            } else {
                Side::B
            };
            out.push(ShapeDiff::Header {
                name: name.clone(),
                only,
            });
        }
        if a.content_types != b.content_types {
            let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" or ");
            out.push(ShapeDiff::ContentType {
                a: join(&a.content_types),
                b: join(&b.content_types),
            });
        }
        out
    }

    /// Whether a difference at `pointer` is this side's to report: when the pointer is
    /// absent here (`other_has` it), only if its parent is here as the container it needs,
    /// so a missing object is one difference, not one per field; never for array items,
    /// since an empty array says nothing of its items' shape.
    fn reaches(&self, pointer: &str, other_has: bool) -> bool {
        if self.fields.contains_key(pointer) || !other_has {
            return true;
        }
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            return true;
        };
        if last == ITEMS {
            return false;
        }
        self.fields
            .get(parent)
            .is_some_and(|t| t.contains("object"))
    }
}

fn describe(types: Option<&BTreeSet<&'static str>>) -> String {
    types.map_or_else(
        || "missing".into(),
        |t| t.iter().copied().collect::<Vec<_>>().join(" or "),
    )
}

/// RFC 6901: `~` and `/` in a key.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::har::format::{Entry, Pair};

    fn entry(headers: &[(&str, &str)], body: &str) -> Entry {
        let mut e: Entry = serde_json::from_value(serde_json::json!({
            "request": {"method": "GET", "url": "http://h/x"},
            "response": {"status": 200, "content": {"size": 0, "mimeType": ""}}
        }))
        .expect("entry");
        e.response.headers = headers.iter().map(|(n, v)| Pair::new(*n, *v)).collect();
        e.response.content.text = Some(body.into());
        e
    }

    fn json(body: &str) -> Entry {
        entry(&[("Content-Type", "application/json")], body)
    }

    fn profile(entries: &[Entry]) -> Profile {
        let mut p = Profile::default();
        for e in entries {
            p.add(e);
        }
        p
    }

    fn diffs(a: &[Entry], b: &[Entry]) -> Vec<ShapeDiff> {
        Profile::compare(&profile(a), &profile(b))
    }

    fn field(pointer: &str, a: &str, b: &str) -> ShapeDiff {
        ShapeDiff::Field {
            pointer: pointer.into(),
            a: a.into(),
            b: b.into(),
        }
    }

    #[test]
    fn values_do_not_count_only_shape() {
        let a = json(r#"{"id":"i-1","at":"2026-01-01T00:00:00Z","n":1,"tags":["x"]}"#);
        let b = json(r#"{"id":"i-2","at":"2026-02-02T10:00:00Z","n":2.5,"tags":["y","z"]}"#);
        assert_eq!(diffs(&[a], &[b]), vec![]);
    }

    #[test]
    fn a_missing_field_is_named_by_its_pointer_once() {
        let a = json(r#"{"Result":{"status":"ok","inner":{"x":1}},"RequestId":"r"}"#);
        let b = json(r#"{"Result":{},"RequestId":"r"}"#);
        assert_eq!(
            diffs(&[a], &[b]),
            vec![
                field("/Result/inner", "object", "missing"),
                field("/Result/status", "string", "missing"),
            ]
        );
    }

    #[test]
    fn a_type_that_differs_is_named_with_both_types() {
        let a = json(r#"{"Result":true}"#);
        let b = json(r#"{"Result":"true"}"#);
        assert_eq!(
            diffs(&[a], &[b]),
            vec![field("/Result", "boolean", "string")]
        );
    }

    #[test]
    fn arrays_compare_by_their_items_union_shape() {
        let a = json(r#"{"items":[{"id":"1"},{"id":"2","name":"n"}]}"#);
        let b = json(r#"{"items":[{"id":"3"}]}"#);
        assert_eq!(
            diffs(&[a], &[b]),
            vec![field("/items/*/name", "string", "missing")]
        );
        // An empty array says nothing of its items.
        let a = json(r#"{"items":[{"id":"1"}]}"#);
        let b = json(r#"{"items":[]}"#);
        assert_eq!(diffs(&[a], &[b]), vec![]);
    }

    #[test]
    fn keys_with_slashes_are_escaped() {
        let a = json(r#"{"a/b~c":1}"#);
        let b = json(r#"{}"#);
        assert_eq!(
            diffs(&[a], &[b]),
            vec![field("/a~1b~0c", "number", "missing")]
        );
    }

    #[test]
    fn a_body_that_is_not_json_or_absent_differs_at_the_root() {
        let a = json(r#"{"x":1}"#);
        let b = entry(&[("Content-Type", "application/json")], "");
        assert_eq!(diffs(&[a], &[b]), vec![field("", "object", "empty")]);
    }

    #[test]
    fn headers_compare_by_name_without_case_or_volatile_ones() {
        let a = entry(
            &[
                ("X-Request-Id", "1"),
                ("Date", "d"),
                ("Connection", "close"),
            ],
            "",
        );
        let b = entry(&[("x-request-id", "2"), ("Content-Length", "0")], "");
        assert_eq!(diffs(std::slice::from_ref(&a), &[b]), vec![]);
        let c = entry(&[], "");
        assert_eq!(
            diffs(&[a], &[c]),
            vec![ShapeDiff::Header {
                name: "x-request-id".into(),
                only: Side::A
            }]
        );
    }

    #[test]
    fn content_types_compare_by_essence() {
        let a = entry(&[("Content-Type", "application/json; charset=utf-8")], "{}");
        let b = entry(&[("content-type", "Application/JSON")], "{}");
        assert_eq!(diffs(std::slice::from_ref(&a), &[b]), vec![]);
        let c = entry(&[("Content-Type", "text/plain")], "{}");
        assert_eq!(
            diffs(&[a], &[c]),
            vec![ShapeDiff::ContentType {
                a: "application/json".into(),
                b: "text/plain".into()
            }]
        );
    }

    #[test]
    fn a_truncated_body_is_not_compared() {
        let a = json(r#"{"x":1}"#);
        let mut b = json(r#"{"x":"#);
        b.response.content.truncated = true;
        assert_eq!(diffs(&[a], &[b]), vec![]);
    }
}
