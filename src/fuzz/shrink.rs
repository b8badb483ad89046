//! Shrinking: a failing case is reduced, one change at a time, to the smallest request that
//! still fails the same way ([`Signature`]: the same check on the same operation for the same
//! kind of case). Each candidate is run against the target like any case; the budget bounds how
//! many, so a flaky target cannot keep it going. What [`Shrunk`] holds describes the final
//! request: a negative keeps the value that breaks its rule, and breaks no other ([`kind_of`]),
//! so its description stays true; a boundary case whose boundary value shrank is a valid case
//! now; and the signature is the final request's own.

use crate::openapi::ParamIn;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;

use super::case::{Case, Kind, Request};
use super::cases::{body_schema, param_place};
use super::engine::{Fuzzer, fails, requests};
use super::r#gen::{Place, errors, smaller};
use super::options::Failure;
use crate::check::CheckKind;
use std::sync::Arc;

use super::chain::Chains;
use crate::openapi::{ApiSpec, Operation};
use crate::run::ScenarioResult;

/// How a case failed: what two failures must share to be the same one.
#[derive(Debug, Clone)]
pub struct Signature {
    pub kind: &'static str,
    /// The operation whose step failed (a chained create may be the one).
    pub call: String,
    pub check: CheckKind,
    pub keyword: Option<String>,
    /// The first failing finding's message, as reported.
    pub message: String,
    /// The class of the status its step got (4 for a 404), if one came: shrinking must keep
    /// it, or "status 963 is not documented" shrinks into `code: 0`, a 500, another failure.
    pub status_class: Option<u16>,
}

impl PartialEq for Signature {
    /// A valid and a boundary case are both valid requests: failing alike, they are one failure.
    fn eq(&self, other: &Self) -> bool {
        let class = |k: &str| k == "negative";
        class(self.kind) == class(other.kind)
            && self.call == other.call
            && self.check == other.check
            && self.keyword == other.keyword
            && self.status_class == other.status_class
    }
}

impl Signature {
    /// The first finding of `result` that fails it (a violation, or an error such as a reset
    /// connection), if any.
    pub fn of(case: &Case, result: &ScenarioResult) -> Option<Signature> {
        let (step, f) = result.findings().find(|(_, f)| fails(f.severity))?;
        Some(Signature {
            kind: case.kind.label(),
            call: step.call.clone(),
            check: f.check,
            keyword: f.keyword.clone(),
            message: f.message.clone(),
            status_class: step.status.map(|s| s / 100),
        })
    }
}

/// The smallest failing case found, and what finding it cost.
pub struct Shrunk {
    pub case: Case,
    pub text: String,
    pub result: ScenarioResult,
    /// Candidates run.
    pub runs: usize,
    pub requests: usize,
    /// Whether any candidate was smaller and still failed.
    pub smaller: bool,
    /// How the final request fails: the same failure as the case's, with the final request's
    /// own message (its status, its value), for the saved comment and the summary.
    pub signature: Signature,
}

impl Shrunk {
    /// The failure as the run's summary lists it: what the final request is and found.
    pub(super) fn failure(&self, api: &str, operation: &str, saved: Option<PathBuf>) -> Failure {
        Failure {
            api: api.to_owned(),
            operation: operation.to_owned(),
            kind: self.case.kind.label(),
            case: self.case.kind.describe(),
            check: self.signature.check,
            code: None,
            message: self.signature.message.clone(),
            shrink_runs: self.runs,
            shrunk: self.smaller,
            saved,
        }
    }
}

/// Reduces `ran` while it fails as `sig`, running at most `budget` candidates.
pub async fn shrink(
    fuzzer: &Fuzzer,
    (spec, chains): (&Arc<ApiSpec>, &Chains),
    op_index: usize,
    ran: &super::engine::Ran,
    sig: &Signature,
    budget: usize,
    deadline: Option<Instant>,
) -> Shrunk {
    let op = &spec.operations[op_index];
    let mut best = Shrunk {
        case: ran.case.clone(),
        text: ran.text.clone(),
        result: ran.result.clone(),
        runs: 0,
        requests: 0,
        smaller: false,
        signature: sig.clone(),
    };
    if sig.check == CheckKind::Transport {
        // No answer to shrink against: every candidate would wait out the timeout and load a
        // target that is already behind (see `Fuzzer::run_cases`).
        return best;
    }
    'outer: loop {
        let weight = best.case.request.weight();
        for request in candidates(&best.case, op) {
            let pinned = super::cases::pins_kept(&best.case.request, &request, fuzzer.fixed());
            if request.weight() >= weight || !pinned {
                continue;
            }
            if best.runs >= budget || deadline.is_some_and(|d| Instant::now() >= d) {
                break 'outer;
            }
            // A candidate that is no longer the case it shrinks is not sent.
            let Some(kind) = kind_of(op, &best.case, &request) else {
                continue;
            };
            let mut case = best.case.clone();
            case.request = request;
            case.kind = kind;
            let emitted = case.emit(&spec.name, op, fuzzer.seed());
            let (result, text) = fuzzer
                .run_emitted(&spec.name, &op.id, case.number, emitted)
                .await;
            best.runs += 1;
            // A candidate that created something deletes it, as every case does.
            let cleanup = fuzzer
                .clean_up(spec, op_index, &case, &result, chains)
                .await;
            best.requests += requests(&result) + cleanup.as_ref().map_or(0, requests);
            if let Some(found) = Signature::of(&case, &result).filter(|s| s == sig) {
                best.case = case;
                best.text = text;
                best.result = result;
                best.smaller = true;
                best.signature = found;
                continue 'outer;
            }
        }
        break;
    }
    best
}

/// Smaller variants of a case's request, one change each: an optional parameter left out, the
/// optional body left out, then each value made smaller.
fn candidates(case: &Case, op: &Operation) -> Vec<Request> {
    let r = &case.request;
    let mut out = Vec::new();
    let optional = |location: ParamIn, name: &str| {
        op.params_in(location)
            .find(|p| p.name == *name)
            .is_some_and(|p| !p.required)
    };
    for (location, list) in [(ParamIn::Query, &r.query), (ParamIn::Header, &r.headers)] {
        for (i, (name, _)) in list.iter().enumerate() {
            if optional(location, name) {
                let mut c = r.clone();
                match location {
                    ParamIn::Query => c.query.remove(i),
                    _ => c.headers.remove(i),
                };
                out.push(c);
            }
        }
    }
    let body_optional = op.request_body.as_ref().is_some_and(|b| !b.required);
    if r.body.is_some() && body_optional && !matches!(case.kind, Kind::Negative(_)) {
        let mut c = r.clone();
        c.body = None;
        out.push(c);
    }
    if let Some(body) = &r.body {
        for b in smaller(body) {
            let mut c = r.clone();
            c.body = Some(b);
            out.push(c);
        }
    }
    for (location, list) in [
        ("path", &r.path),
        ("query", &r.query),
        ("header", &r.headers),
    ] {
        for (i, (_, value)) in list.iter().enumerate() {
            for v in smaller(value) {
                if location == "path" && v == Value::String(String::new()) {
                    continue;
                }
                let mut c = r.clone();
                match location {
                    "path" => c.path[i].1 = v,
                    "query" => c.query[i].1 = v,
                    _ => c.headers[i].1 = v,
                }
                out.push(c);
            }
        }
    }
    out
}

/// What `case` becomes with `request` in place of its own, or `None` when that is no longer the
/// case: a negative must break the same rule with the same value and no other (its description
/// names them: "`the value` is 12, below minimum 13"); a boundary case whose boundary value
/// changed is a valid request, no longer at a boundary.
pub(super) fn kind_of(op: &Operation, case: &Case, request: &Request) -> Option<Kind> {
    match &case.kind {
        Kind::Negative(_) => {
            (breaches(op, &case.request) == breaches(op, request)).then(|| case.kind.clone())
        }
        Kind::Boundary(what) if !boundary_kept(what, &case.request, request) => Some(Kind::Valid),
        kind => Some(kind.clone()),
    }
}

/// One rule a request breaks: where (a parameter, or the body), the keyword, the JSON pointer,
/// and the value there (none for an object: its description names properties, not values).
type Breach = (String, String, String, Option<Value>);

/// Every rule of the operation's schemas that `r` breaks, parameter by parameter and in the
/// body, as the generator checks a negative (a parameter as it travels, as text).
fn breaches(op: &Operation, r: &Request) -> Vec<Breach> {
    let mut out = Vec::new();
    let mut add = |at: String, schema: &crate::openapi::Schema, place: Place, v: &Value| {
        let Ok(validator) = schema.validator() else {
            return;
        };
        for e in errors(validator, schema, place, v) {
            let there = v.pointer(&e.pointer).filter(|x| !x.is_object()).cloned();
            out.push((at.clone(), e.keyword, e.pointer, there));
        }
    };
    for (location, list) in [
        (ParamIn::Path, &r.path),
        (ParamIn::Query, &r.query),
        (ParamIn::Header, &r.headers),
    ] {
        for (name, value) in list {
            let param = op.params_in(location).find(|p| p.name == *name);
            if let Some(schema) = param.and_then(|p| p.schema.as_deref()) {
                let place = match location {
                    ParamIn::Path => Place::Path,
                    _ => Place::Param,
                };
                add(param_place(location, name), schema, place, value);
            }
        }
    }
    if let (Some(body), Some(schema)) = (&r.body, body_schema(op)) {
        add("body".into(), schema, Place::Body, body);
    }
    out
}

/// Whether the value a boundary case is named after (`what`, as [`super::cases`] writes it:
/// "query parameter `limit` = 100", "body {...}") is the same in `after` as in `before`.
fn boundary_kept(what: &str, before: &Request, after: &Request) -> bool {
    if what.starts_with("body ") {
        return before.body == after.body;
    }
    for (location, b, a) in [
        (ParamIn::Path, &before.path, &after.path),
        (ParamIn::Query, &before.query, &after.query),
        (ParamIn::Header, &before.headers, &after.headers),
    ] {
        for (name, value) in b {
            if what.starts_with(&format!("{} = ", param_place(location, name))) {
                return a.iter().any(|(n, v)| n == name && v == value);
            }
        }
    }
    before == after
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::kind_of;
    use crate::fuzz::case::{Broken, Case, Kind, Request};

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: size, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: tag, in: query, schema: {type: string, maxLength: 8}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
"#;

    fn case(kind: Kind, size: i64, tag: &str) -> Case {
        Case {
            number: 3,
            kind,
            request: request(size, tag),
            chain: None,
        }
    }

    fn request(size: i64, tag: &str) -> Request {
        Request {
            query: vec![
                ("size".into(), json!(size)),
                ("tag".into(), Value::String(tag.into())),
            ],
            ..Request::default()
        }
    }

    /// A shrunk negative still breaks its rule with its value and nothing else, so its name
    /// ("`the value` is 101, above maximum 100") stays true; a boundary whose value shrank is a
    /// valid case, and says so.
    #[test]
    fn a_candidate_keeps_what_its_case_says_or_is_renamed() {
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let op = spec.operation("listItems").expect("op");
        let above = Kind::Negative(Broken {
            place: "query parameter `size`".into(),
            keyword: "maximum".into(),
            description: "`the value` is 101, above maximum 100".into(),
        });
        let negative = case(above.clone(), 101, "abcdef");
        // The rest of the request shrinks: still the same negative.
        assert_eq!(kind_of(op, &negative, &request(101, "abc")), Some(above));
        // 0 breaks `minimum`, 50 breaks nothing: neither is the case its name describes.
        assert_eq!(kind_of(op, &negative, &request(0, "abcdef")), None);
        assert_eq!(kind_of(op, &negative, &request(50, "abcdef")), None);
        // 102 breaks the same rule, but the name says 101.
        assert_eq!(kind_of(op, &negative, &request(102, "abc")), None);

        let at_max = Kind::Boundary("query parameter `size` = 100".into());
        let boundary = case(at_max.clone(), 100, "abcdef");
        assert_eq!(kind_of(op, &boundary, &request(100, "ab")), Some(at_max));
        assert_eq!(
            kind_of(op, &boundary, &request(50, "abcdef")),
            Some(Kind::Valid)
        );
        let body = case(Kind::Boundary("body {}".into()), 5, "a");
        assert_eq!(
            kind_of(op, &body, &request(2, "a")),
            Some(Kind::Boundary("body {}".into()))
        );
    }
}
