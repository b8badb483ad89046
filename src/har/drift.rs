//! Drift between two recordings of the same scenarios (the mock's and the vendor's, or two
//! versions of a service): [`drift`] pairs the entries of two HAR files and returns a
//! [`Drift`], the differences of shape grouped by operation and status.
//!
//! Pairing: by conform's `_conform` annotation (scenario, step and operation called) when
//! every entry of both files has one, else by the operation the [`Matcher`] finds (method and
//! path template; `METHOD /path` with id-like segments as `{}` when no spec matches). The
//! entries of one key (a step polled until it settles, an operation called by many steps)
//! are merged per status into one [`Profile`], so how many times a poll ran never shows.
//! Only shape is compared ([`super::shape`]), never values: ids, timestamps, request ids and
//! tokens differ between any two runs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::format::{Entry, Har};
use super::matcher::Matcher;
use super::shape::{Profile, ShapeDiff, Side};

/// How the entries of the two recordings were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pairing {
    /// By `_conform` scenario and step: both recordings are conform's.
    Step,
    /// By operation and status.
    Operation,
}

/// One difference, without its operation and status (the [`Group`]'s).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Difference {
    /// Exchanges (of a step, or of an operation with this status) in one recording only.
    Unpaired {
        /// The recording that has them.
        only: Side,
    },
    /// The statuses one step answered with in each recording.
    Status {
        /// Step A's statuses, ascending.
        a: Vec<u16>,
        /// Step B's statuses, ascending.
        b: Vec<u16>,
    },
    /// The paired exchanges differ in shape: a field, header or content type.
    Shape(ShapeDiff),
}

/// One flat object tagged by `kind` (`unpaired`, `status`, or a shape's own: `field`,
/// `header`, `content-type`), as `--format json` prints it.
impl Serialize for Difference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        enum Tagged<'a> {
            Unpaired { only: Side },
            Status { a: &'a [u16], b: &'a [u16] },
        }
        match self {
            Difference::Unpaired { only } => Tagged::Unpaired { only: *only }.serialize(s),
            Difference::Status { a, b } => Tagged::Status { a, b }.serialize(s),
            Difference::Shape(d) => d.serialize(s),
        }
    }
}

/// The differences of one operation and status (`None`: the step's statuses differ).
#[derive(Debug, Serialize)]
pub struct Group {
    /// The operation: the `_conform` call when paired by step, else the matched spec operation's
    /// id, or `METHOD /path` with id-like segments as `{}` when none matches.
    pub operation: String,
    /// The response status; `None` for a [`Difference::Status`] of a step.
    pub status: Option<u16>,
    /// The differences, each once with every place it was seen.
    pub differences: Vec<Found>,
}

/// A difference and where it was seen: `scenario › step`, or (paired by operation) the
/// first entry of the key in the recording it was seen in, `#/log/entries/3`.
#[derive(Debug, Serialize)]
pub struct Found {
    /// What differs.
    pub difference: Difference,
    /// Every place it was seen (`scenario › step` or `#/log/entries/3`), repeats removed.
    pub at: Vec<String>,
}

/// What two recordings differ in.
#[derive(Debug, Serialize)]
pub struct Drift {
    /// How the entries were paired.
    pub pairing: Pairing,
    /// Entries of A and of B.
    pub entries: [usize; 2],
    /// Keys (steps, or operations) present in both.
    pub paired: usize,
    /// The differences by operation and status, ordered by operation then status.
    pub groups: Vec<Group>,
}

impl Drift {
    /// Whether the shapes agree.
    pub fn agrees(&self) -> bool {
        self.groups.is_empty()
    }

    /// Differences in all.
    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.differences.len()).sum()
    }
}

/// The entries of one key in one recording, by status.
struct Bucket<'a> {
    operation: String,
    place: String,
    by_status: BTreeMap<u16, Vec<&'a Entry>>,
}

/// Compares recording `a` with recording `b`.
pub fn drift(a: &Har, b: &Har, matcher: &Matcher) -> Drift {
    let annotated = |h: &Har| h.log.entries.iter().all(|e| e.conform.is_some());
    let pairing = if annotated(a) && annotated(b) {
        Pairing::Step
    } else {
        Pairing::Operation
    };
    let (ba, bb) = (buckets(a, pairing, matcher), buckets(b, pairing, matcher));
    // (operation, status) -> difference -> places, so a difference many steps share is one
    // line.
    let mut grouped: BTreeMap<(String, Option<u16>), BTreeMap<Difference, Vec<String>>> =
        BTreeMap::new();
    let mut note = |bucket: &Bucket, status: Option<u16>, d: Difference| {
        grouped
            .entry((bucket.operation.clone(), status))
            .or_default()
            .entry(d)
            .or_default()
            .push(bucket.place.clone());
    };
    let mut paired = 0;
    let keys: BTreeSet<&String> = ba.keys().chain(bb.keys()).collect();
    for key in keys {
        let (x, y) = match (ba.get(key), bb.get(key)) {
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) | (None, Some(x)) => {
                let only = if ba.contains_key(key) {
                    Side::A
                } else {
                    Side::B
                };
                let first = x.by_status.keys().next().copied();
                note(x, first, Difference::Unpaired { only });
                continue;
            }
            (None, None) => continue,
        };
        paired += 1;
        let (sa, sb): (Vec<u16>, Vec<u16>) = (
            x.by_status.keys().copied().collect(),
            y.by_status.keys().copied().collect(),
        );
        if pairing == Pairing::Step && sa != sb {
            note(x, None, Difference::Status { a: sa, b: sb });
            continue;
        }
        for (status, ea) in &x.by_status {
            let Some(eb) = y.by_status.get(status) else {
                note(x, Some(*status), Difference::Unpaired { only: Side::A });
                continue;
            };
            for d in Profile::compare(&profile(ea), &profile(eb)) {
                note(x, Some(*status), Difference::Shape(d));
            }
        }
        for status in y.by_status.keys() {
            if !x.by_status.contains_key(status) {
                note(y, Some(*status), Difference::Unpaired { only: Side::B });
            }
        }
    }
    let groups = grouped
        .into_iter()
        .map(|((operation, status), diffs)| Group {
            operation,
            status,
            differences: diffs
                .into_iter()
                .map(|(difference, mut at)| {
                    at.dedup();
                    Found { difference, at }
                })
                .collect(),
        })
        .collect();
    Drift {
        pairing,
        entries: [a.log.entries.len(), b.log.entries.len()],
        paired,
        groups,
    }
}

fn profile(entries: &[&Entry]) -> Profile {
    let mut p = Profile::default();
    for e in entries {
        p.add(e);
    }
    p
}

/// The entries of `har` by pairing key.
fn buckets<'a>(har: &'a Har, pairing: Pairing, matcher: &Matcher) -> BTreeMap<String, Bucket<'a>> {
    let mut out: BTreeMap<String, Bucket<'a>> = BTreeMap::new();
    for (i, e) in har.log.entries.iter().enumerate() {
        let (operation, key, place) = match (pairing, &e.conform) {
            (Pairing::Step, Some(c)) => (
                c.call.clone(),
                format!("{}\u{0}{}\u{0}{}", c.scenario, c.step, c.call),
                format!("{} › {}", c.scenario, c.step),
            ),
            _ => {
                // The first entry, named as `conform check` names it, to find it by.
                let op = operation(e, matcher);
                let key = format!("{op}\u{0}{}", e.response.status);
                (op, key, format!("#/log/entries/{i}"))
            }
        };
        out.entry(key)
            .or_insert_with(|| Bucket {
                operation,
                place,
                by_status: BTreeMap::new(),
            })
            .by_status
            .entry(e.response.status)
            .or_default()
            .push(e);
    }
    out
}

/// The operationId the matcher finds for the entry, else `METHOD /path` with the segments
/// that look like ids as `{}`. Never by `_conform.call`: when only one recording has it, the
/// other's entries would be labelled otherwise where operations share a path (a compute API's
/// `/servers/{id}/action`), and the same exchange would be missing from both.
fn operation(e: &Entry, matcher: &Matcher) -> String {
    let method = e.request.method.to_ascii_uppercase();
    let Ok(url) = url::Url::parse(&e.request.url) else {
        return format!("{method} {}", e.request.url);
    };
    if let Some(m) = matcher.find(&method, &url, None) {
        return m.op.id.clone();
    }
    let path: Vec<&str> = url
        .path()
        .split('/')
        .map(|s| {
            if s.bytes().any(|b| b.is_ascii_digit()) {
                "{}"
            } else {
                s
            }
        })
        .collect();
    format!("{method} {}", path.join("/"))
}

impl fmt::Display for Group {
    /// One line per difference: `CancelDeletion 200: /Result: boolean in A, string in B
    /// [scenario › step]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = match self.status {
            Some(s) => format!("{} {s}", self.operation),
            None => self.operation.clone(),
        };
        for found in &self.differences {
            let what = match &found.difference {
                Difference::Unpaired { only } => {
                    format!("exchange in {only:?}, missing in {:?}", other(*only))
                }
                Difference::Status { a, b } => {
                    format!("status {} in A, {} in B", statuses(a), statuses(b))
                }
                Difference::Shape(ShapeDiff::Field { pointer, a, b }) => {
                    let pointer = if pointer.is_empty() { "body" } else { pointer };
                    format!("{pointer}: {a} in A, {b} in B")
                }
                Difference::Shape(ShapeDiff::Header { name, only }) => {
                    format!("header {name}: in {only:?}, missing in {:?}", other(*only))
                }
                Difference::Shape(ShapeDiff::ContentType { a, b }) => {
                    format!("Content-Type: {a} in A, {b} in B")
                }
            };
            let at = match found.at.as_slice() {
                [] => String::new(),
                [one] => format!(" [{one}]"),
                [one, rest @ ..] => format!(" [{one}, +{} more]", rest.len()),
            };
            writeln!(f, "{head}: {what}{at}")?;
        }
        Ok(())
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

fn statuses(s: &[u16]) -> String {
    let s: Vec<String> = s.iter().map(u16::to_string).collect();
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn entry(
        scenario: Option<&str>,
        step: &str,
        method: &str,
        url: &str,
        status: u16,
        body: Value,
    ) -> Value {
        let mut e = json!({
            "request": {"method": method, "url": url},
            "response": {"status": status, "headers": [{"name": "Content-Type", "value": "application/json"}],
                "content": {"size": 0, "mimeType": "application/json", "text": body.to_string()}}
        });
        if let Some(s) = scenario {
            e["_conform"] = json!({"scenario": s, "step": step, "call": step.to_uppercase(),
                "phase": "steps", "outcome": "passed"});
        }
        e
    }

    fn har(entries: Vec<Value>) -> Har {
        serde_json::from_value(json!({"log": {"entries": entries}})).expect("HAR")
    }

    fn lines(d: &Drift) -> Vec<String> {
        d.groups
            .iter()
            .flat_map(|g| g.to_string().lines().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }

    fn none() -> Matcher {
        Matcher::new(Vec::new())
    }

    /// An annotated GET of step `step` of scenario `s`.
    fn step(step: &str, url: &str, status: u16, body: Value) -> Value {
        entry(Some("s"), step, "GET", url, status, body)
    }

    #[test]
    fn two_runs_that_differ_only_in_values_agree() {
        let a = har(vec![
            step(
                "get",
                "http://a/items/1",
                200,
                json!({"id": "1", "at": "t1"}),
            ),
            step(
                "get",
                "http://a/items/1",
                200,
                json!({"id": "1", "at": "t2"}),
            ),
        ]);
        let b = har(vec![step(
            "get",
            "http://b/items/9",
            200,
            json!({"id": "9", "at": "t3"}),
        )]);
        let d = drift(&a, &b, &none());
        assert_eq!(d.pairing, Pairing::Step);
        assert!(d.agrees(), "{:?}", lines(&d));
        assert_eq!(d.paired, 1);
    }

    #[test]
    fn a_field_and_a_status_that_differ_are_named_with_their_operation() {
        let a = har(vec![
            step(
                "get",
                "http://a/x",
                200,
                json!({"Result": {"status": "ok"}}),
            ),
            step("cancel", "http://a/y", 200, json!({})),
        ]);
        let b = har(vec![
            step("get", "http://b/x", 200, json!({"Result": {}})),
            step("cancel", "http://b/y", 201, json!({})),
        ]);
        let d = drift(&a, &b, &none());
        assert_eq!(
            lines(&d),
            vec![
                "CANCEL: status 200 in A, 201 in B [s › cancel]",
                "GET 200: /Result/status: string in A, missing in B [s › get]",
            ]
        );
        assert_eq!(d.count(), 2);
        // As `--format json` prints it: flat objects tagged by kind.
        let doc = serde_json::to_value(&d).expect("serializes");
        let kinds: Vec<&Value> = doc["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["differences"].as_array().into_iter().flatten())
            .map(|f| &f["difference"]["kind"])
            .collect();
        assert_eq!(kinds, vec!["status", "field"]);
    }

    #[test]
    fn a_step_in_one_recording_only_is_reported() {
        let a = har(vec![entry(
            Some("s"),
            "get",
            "GET",
            "http://a/x",
            200,
            json!({}),
        )]);
        let b = har(vec![
            entry(Some("s"), "get", "GET", "http://a/x", 200, json!({})),
            entry(Some("t"), "del", "DELETE", "http://a/x", 204, json!({})),
        ]);
        let d = drift(&a, &b, &none());
        assert_eq!(
            lines(&d),
            vec!["DEL 204: exchange in B, missing in A [t › del]"]
        );
    }

    #[test]
    fn foreign_recordings_pair_by_operation_and_status() {
        let a = har(vec![
            entry(
                None,
                "",
                "GET",
                "http://a/servers/12",
                200,
                json!({"server": {"id": "12"}}),
            ),
            entry(None, "", "GET", "http://a/servers/13", 404, json!({})),
        ]);
        let b = har(vec![entry(
            Some("s"),
            "x",
            "get",
            "http://b/servers/99",
            200,
            json!({"server": {"id": 99}}),
        )]);
        let d = drift(&a, &b, &none());
        assert_eq!(d.pairing, Pairing::Operation);
        assert_eq!(
            lines(&d),
            vec![
                "GET /servers/{} 200: /server/id: string in A, number in B [#/log/entries/0]",
                "GET /servers/{} 404: exchange in A, missing in B [#/log/entries/1]",
            ]
        );
    }
}
