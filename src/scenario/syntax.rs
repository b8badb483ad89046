//! The typed scenario model: [`Scenario`], [`Step`], [`Expect`].
//!
//! These types are both the deserialization target (with `deny_unknown_fields`, so a typo is an
//! error with its line) and the source of the published JSON Schema (`conform schema`), so the
//! documentation of the format cannot drift from the parser.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use crate::source::Node;
use crate::source::Spanned;
use crate::units::parse_duration;

/// A scenario: a multi-step HTTP flow against one API, written once, run against any target.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "conform scenario")]
pub struct Scenario {
    /// What the scenario shows, in one sentence.
    pub name: Spanned<String>,
    /// The API the steps call: a folder under `specs/` (for example `widgets`).
    pub api: Spanned<String>,
    /// Longer explanation, shown in reports.
    #[serde(default)]
    pub description: Option<String>,
    /// Labels for selecting scenarios (`--tag`): lifecycle, negative, idempotency, auth, mock-only...
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    /// What the scenario cannot run without and cannot make itself: names of variables that
    /// must come from outside the steps (a variable given to the run, the env file, or this
    /// scenario's own `vars` once filled in), or `credentials`: the target sends a credential
    /// (a header such as `Authorization`, or the targets file's `auth`). A scenario whose needs
    /// have no value is skipped, with the reason and how to give them; it does not fail.
    #[serde(default)]
    pub needs: Vec<Spanned<String>>,
    /// Variables, evaluated in order when the scenario starts; later ones may use earlier ones.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Node>>")]
    pub vars: Option<Node>,
    /// Run alone: no other scenario runs while this one does. For scenarios that move a mock's
    /// clock or spend a shared quota, whose effects would leak into scenarios running beside them.
    #[serde(default)]
    pub exclusive: bool,
    /// Wall-clock budget for the main steps (for example `2m`); `finally` steps still run after it.
    #[serde(default)]
    pub timeout: Option<Spanned<Dur>>,
    /// The steps, run in order; the first failing step stops the main flow.
    pub steps: Vec<Spanned<Step>>,
    /// Clean-up steps that run even when a step failed or the scenario timed out.
    #[serde(default)]
    pub finally: Vec<Spanned<Step>>,
}

/// One HTTP call of an operation in the API's spec, with what to expect and what to keep.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A label for reports; defaults to the operation id.
    #[serde(default)]
    pub name: Option<String>,
    /// The `operationId` in the API's spec.
    pub call: Spanned<String>,
    /// Path parameters by name.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Node>>")]
    pub path: Option<Node>,
    /// Query parameters by name; a list value repeats the parameter. An OpenAPI 3.2
    /// `in: querystring` parameter (the whole query string) takes a mapping, sent as form
    /// pairs, or the query string as text.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Node>>")]
    pub query: Option<Node>,
    /// Request headers by name.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Node>>")]
    pub headers: Option<Node>,
    /// JSON request body.
    #[serde(default)]
    pub body: Option<Node>,
    /// A raw request body sent byte for byte (for malformed-body tests); excludes `body`.
    #[serde(default)]
    pub body_raw: Option<Spanned<String>>,
    /// The request breaks the spec on purpose (negative test): conform then requires that it
    /// does not validate, instead of refusing to send it.
    #[serde(default)]
    pub invalid_request: Option<Spanned<bool>>,
    /// `none` sends the request without the target's credentials (auth tests).
    #[serde(default)]
    pub auth: Option<Spanned<AuthMode>>,
    /// Follow redirects (301, 302, 303, 307, 308) within the target's origin (scheme, host and
    /// port); the final answer is the one checked. Without it a 3xx is the answer. A redirect
    /// to another origin is never followed: it ends the step with an error naming the Location.
    #[serde(default)]
    pub follow_redirects: Option<Spanned<bool>>,
    /// What the response must look like, beyond conforming to the spec.
    #[serde(default)]
    pub expect: Option<Spanned<Expect>>,
    /// Values to keep for later steps: `name: /json/pointer`, `name: {header: X-Name}`.
    #[serde(default)]
    pub capture: Option<Spanned<BTreeMap<String, Capture>>>,
    /// Poll: repeat the call until the response matches this.
    #[serde(default)]
    pub until: Option<Spanned<Expect>>,
    /// While polling, stop at once with a violation when the response matches this.
    #[serde(default)]
    pub fail_if: Option<Spanned<Expect>>,
    /// How often and how long to poll (defaults: every 500ms for 30s).
    #[serde(default)]
    pub retry: Option<Spanned<Retry>>,
    /// Timeout of one HTTP exchange (default 30s).
    #[serde(default)]
    pub timeout: Option<Spanned<Dur>>,
}

/// Whether the target's credentials are attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Sign or authenticate the request as the target is configured (the default).
    Default,
    /// Send the request with no credentials at all.
    None,
}

/// Expectations on a response. All given parts must hold.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `202`, a list `[200, 202]`, a class `"4xx"`, or a list of both `[200, 4xx]`.
    #[serde(default)]
    pub status: Option<Spanned<StatusSpec>>,
    /// Header name (case-insensitive) to a value, or a matcher such as `{$regex: "^req-"}`,
    /// `{$absent: true}`, `{$any: true}`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Node>>")]
    pub headers: Option<Node>,
    /// The JSON body, matched as a subset (extra fields allowed); `{$exact: ...}` for exact,
    /// `{$absent: true}` for no body. Matchers: `$any`, `$absent`, `$type`, `$regex`, `$len`,
    /// `$contains`, `$exact`.
    #[serde(default)]
    pub body: Option<Node>,
    /// The step tests an answer the spec does not document: `status` may then be one the
    /// operation leaves out (otherwise that is an error at load, before anything is sent).
    #[serde(default)]
    pub undocumented: Option<Spanned<bool>>,
    /// The items of a streamed body (`text/event-stream`, `application/jsonl`,
    /// `application/x-ndjson`, `application/json-seq`): how many, and what the first, the last,
    /// every or any item matches (as `body` does). An event's item is `{event, data, id, retry}`,
    /// its `data` parsed when it is JSON.
    #[serde(default)]
    #[schemars(with = "Option<ItemsSpec>")]
    pub items: Option<Node>,
}

/// `expect.items`, as the JSON Schema documents it (read as a [`Node`], every key checked
/// at load with its line).
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // a shape for the published schema only
pub struct ItemsSpec {
    /// Exactly this many items.
    count: Option<u64>,
    /// The first item matches.
    first: Option<Node>,
    /// The last item matches.
    last: Option<Node>,
    /// Every item matches.
    every: Option<Node>,
    /// At least one item matches.
    any: Option<Node>,
}

/// An expected status.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusSpec {
    /// Exactly this code.
    One(u16),
    /// Any of these codes.
    AnyOf(Vec<u16>),
    /// A class such as `2xx` or `4xx`.
    Class(String),
    /// Codes and classes together, such as `[200, 404, 4xx]`: what `conform fuzz` expects of a
    /// valid request (any documented status but a server error).
    Mixed(Vec<StatusItem>),
}

/// One entry of a [`StatusSpec::Mixed`] list.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusItem {
    /// Exactly this code.
    Code(u16),
    /// A class such as `4xx`.
    Class(String),
}

impl StatusItem {
    fn matches(&self, status: u16) -> bool {
        match self {
            StatusItem::Code(c) => *c == status,
            StatusItem::Class(c) => class_digit(c).is_some_and(|d| status / 100 == d),
        }
    }

    fn describe(&self) -> String {
        match self {
            StatusItem::Code(c) => c.to_string(),
            StatusItem::Class(c) => c.clone(),
        }
    }
}

impl StatusSpec {
    /// Whether `status` is one this expectation accepts.
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusSpec::One(s) => *s == status,
            StatusSpec::AnyOf(list) => list.contains(&status),
            StatusSpec::Class(c) => class_digit(c).is_some_and(|d| status / 100 == d),
            StatusSpec::Mixed(items) => items.iter().any(|i| i.matches(status)),
        }
    }

    /// The codes named one by one (a class names none).
    pub fn codes(&self) -> Vec<u16> {
        match self {
            StatusSpec::One(s) => vec![*s],
            StatusSpec::AnyOf(list) => list.clone(),
            StatusSpec::Class(_) => Vec::new(),
            StatusSpec::Mixed(items) => items
                .iter()
                .filter_map(|i| match i {
                    StatusItem::Code(c) => Some(*c),
                    StatusItem::Class(_) => None,
                })
                .collect(),
        }
    }

    /// The classes named (`4xx`), as written.
    pub fn classes(&self) -> Vec<&str> {
        match self {
            StatusSpec::Class(c) => vec![c.as_str()],
            StatusSpec::Mixed(items) => items
                .iter()
                .filter_map(|i| match i {
                    StatusItem::Class(c) => Some(c.as_str()),
                    StatusItem::Code(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The expectation in words for messages: `201`, `4xx`, `one of 200, 404`.
    pub fn describe(&self) -> String {
        match self {
            StatusSpec::One(s) => s.to_string(),
            StatusSpec::AnyOf(list) => {
                let items: Vec<String> = list.iter().map(u16::to_string).collect();
                format!("one of {}", items.join(", "))
            }
            StatusSpec::Class(c) => c.clone(),
            StatusSpec::Mixed(items) => {
                let items: Vec<String> = items.iter().map(StatusItem::describe).collect();
                format!("one of {}", items.join(", "))
            }
        }
    }
}

/// `"4xx"` -> 4; anything else is not a class.
pub fn class_digit(c: &str) -> Option<u16> {
    let b = c.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx") {
        Some(u16::from(b[0] - b'0'))
    } else {
        None
    }
}

/// Where a captured value comes from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capture {
    /// A JSON Pointer into the response body, such as `/server/id` (`""` is the whole body).
    Pointer(String),
    /// A response header; with `last_segment: true`, only its last path segment (the id in a
    /// `Location: /todos/42`, which is what a later path parameter needs).
    Header {
        /// The header's name, any case.
        header: String,
        /// Take only what follows the value's last `/`.
        #[serde(default)]
        last_segment: bool,
    },
    /// A JSON Pointer into the response body, spelled out.
    Body {
        /// The JSON Pointer, such as `/server/id`.
        body: String,
    },
}

impl Capture {
    /// The value this capture takes from a response: its JSON body (when it is JSON) and its
    /// headers. What a step keeps, and what `conform fuzz` reads back from a recorded response.
    pub fn take(
        &self,
        json: Option<&serde_json::Value>,
        headers: &[(String, String)],
    ) -> Option<serde_json::Value> {
        match self {
            Capture::Pointer(p) | Capture::Body { body: p } => json?.pointer(p).cloned(),
            Capture::Header {
                header,
                last_segment,
            } => {
                let value = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(header))
                    .map(|(_, v)| v.as_str())?;
                let value = if *last_segment {
                    last_path_segment(value)?
                } else {
                    value
                };
                Some(serde_json::Value::String(value.to_owned()))
            }
        }
    }
}

/// `/todos/42?x=1` or `https://h/todos/42/` -> `42`; `None` when there is no segment.
fn last_path_segment(value: &str) -> Option<&str> {
    let path = value.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && !s.contains(':'))
}

/// Polling schedule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Pause between attempts (default 500ms).
    #[serde(default)]
    pub every: Option<Dur>,
    /// Give up after this long (default 30s).
    #[serde(default)]
    pub timeout: Option<Dur>,
}

/// A duration written as `500ms`, `2s`, `1m30s`, `1h`, `5d`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(Dur(Duration::from_secs(s))),
            Raw::Text(t) => parse_duration(&t)
                .map(Dur)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: `500ms`, `2s`, `1m30s`, `1h`, `5d`, or a number of seconds.",
            "anyOf": [
                {"type": "string", "pattern": "^([0-9]+(ms|s|m|h|d))+$"},
                {"type": "integer", "minimum": 0}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        assert!(StatusSpec::Class("4xx".into()).matches(404));
        assert!(!StatusSpec::Class("4xx".into()).matches(500));
        assert!(!StatusSpec::Class("4x".into()).matches(404));
        assert!(StatusSpec::AnyOf(vec![200, 202]).matches(202));
        let mixed = StatusSpec::Mixed(vec![StatusItem::Code(200), StatusItem::Class("4xx".into())]);
        assert!(mixed.matches(200) && mixed.matches(404) && !mixed.matches(500));
        assert!(!mixed.matches(201));
        assert_eq!(mixed.describe(), "one of 200, 4xx");
        assert_eq!((mixed.codes(), mixed.classes()), (vec![200], vec!["4xx"]));
    }

    #[test]
    fn the_last_segment_of_a_location_is_its_id() {
        assert_eq!(last_path_segment("/todos/42"), Some("42"));
        assert_eq!(
            last_path_segment("https://h.test/todos/42/?a=1#f"),
            Some("42")
        );
        assert_eq!(last_path_segment("42"), Some("42"));
        assert_eq!(last_path_segment("/"), None);
        assert_eq!(last_path_segment("https://"), None);
    }
}
