//! One operation's result from its cases: [`OperationResult`] counts every case's statuses
//! (`statuses_seen`, for coverage), keeps the cleanups that failed and the errors said once, and
//! picks the distinct failures worth shrinking; the shrunk ones become the result's steps.
//! Warnings (a body the spec leaves undocumented, say) do not fail a case; they are kept once
//! per operation and rule, however many cases met them, with the first case's exchange.
//! It also holds the status rule of a valid case ([`valid_statuses`]): every documented status
//! is an answer, but a 500 is a crash.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::case::Kind;
use super::engine::Ran;
use super::shrink::{Shrunk, Signature};
use crate::check::Severity;
use crate::openapi::Operation;
use crate::run::{Outcome, ScenarioResult, StatusSeen, StepResult};

/// The rule a warning breaks, as the grouping key: the step's call and the spec location (the
/// documented response, for a body on it), or the message where there is no location.
fn rule_of(call: &str, f: &crate::check::Finding) -> (String, String) {
    let rule = f
        .schema_at
        .as_ref()
        .map_or_else(|| f.message.clone(), ToString::to_string);
    (call.to_owned(), rule)
}

/// Why a valid case expects what [`valid_statuses`] gives, as its scenario line says it.
pub(crate) const VALID_WHY: &str =
    "a valid request: any documented status but 500, a crash even where documented";

/// The registered server errors other than 500, what a documented `5XX` range stands for.
const SERVER_ERRORS: [u16; 10] = [501, 502, 503, 504, 505, 506, 507, 508, 510, 511];

/// What a valid request may get: every documented status, codes as codes and `4XX`/`default`
/// as classes, but 500. A documented 501 or 503 is the answer the spec promises (not
/// implemented, unavailable), so it passes; a 500 is the target crashing, which no spec makes
/// an answer to a valid request, so it stays a failure even where documented.
pub(crate) fn valid_statuses(op: &Operation) -> Value {
    let mut items: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        if !items.contains(&v) {
            items.push(v);
        }
    };
    for r in &op.responses {
        let key = r.key.as_str();
        if key == "default" {
            for class in ["2xx", "3xx", "4xx"] {
                push(Value::String(class.into()));
            }
        } else if key.len() == 3 && key[1..].eq_ignore_ascii_case("xx") {
            if key.starts_with('5') {
                // The range without 500, code by code: a class would let the crash through.
                SERVER_ERRORS.into_iter().for_each(|c| push(Value::from(c)));
            } else {
                push(Value::String(key.to_ascii_lowercase()));
            }
        } else if let Ok(code) = key.parse::<u16>()
            && code != 500
        {
            push(Value::from(code));
        }
    }
    if items.is_empty() {
        // Only 500 is documented: a valid request still must not crash the target.
        items.push(Value::String("2xx".into()));
    }
    Value::Array(items)
}

/// What an operation's result line says of its success statuses: those its own requests got
/// (`; reached 200`), the documented ones they never got, and, when none was reached, what they
/// got instead (`; no 2xx reached: documented 200, got 400, 404`): a state fuzzing did not
/// explore, said where the user reads the result. Statuses of failed steps count: a success
/// with a wrong body still reached the state.
pub(super) fn reached(op: &Operation, r: &ScenarioResult) -> String {
    let mut got: BTreeSet<u16> = r
        .statuses_seen
        .iter()
        .filter(|s| s.call == op.id)
        .map(|s| s.status)
        .collect();
    got.extend(
        r.steps
            .iter()
            .filter(|s| s.call == op.id)
            .filter_map(|s| s.status),
    );
    let success: Vec<u16> = got
        .iter()
        .copied()
        .filter(|s| (200..300).contains(s))
        .collect();
    let documented: Vec<String> = op
        .responses
        .iter()
        .map(|r| r.key.to_ascii_lowercase())
        .filter(|k| k.starts_with('2'))
        .collect();
    let covered = |k: &String| success.iter().any(|s| *k == s.to_string() || k == "2xx");
    let missing: Vec<&str> = documented
        .iter()
        .filter(|k| !covered(k))
        .map(String::as_str)
        .collect();
    let list = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    if success.is_empty() {
        if documented.is_empty() {
            return String::new();
        }
        let others: Vec<u16> = got.into_iter().collect();
        let instead = if others.is_empty() {
            "no answer".to_owned()
        } else {
            format!("got {}", list(&others))
        };
        return format!(
            "; no 2xx reached: documented {}, {instead}",
            documented.join(", ")
        );
    }
    let mut note = format!("; reached {}", list(&success));
    if !missing.is_empty() {
        note.push_str(&format!(" (documented {} not reached)", missing.join(", ")));
    }
    note
}

/// Distinct failures shrunk and kept per operation, at most.
const FAILURES_KEPT: usize = 5;

pub(super) struct OperationResult {
    agg: ScenarioResult,
    seen: BTreeMap<(String, u16), usize>,
    signatures: Vec<Signature>,
    kinds: [usize; 3],
    chained: usize,
    /// Chained cases with requests between the create and the case.
    sequenced: usize,
    chain_broken: usize,
    /// The rules (call and spec location, or message) whose warning is already kept.
    warned: BTreeSet<(String, String)>,
}

impl OperationResult {
    pub(super) fn new(id: &str, api: &str) -> Self {
        OperationResult {
            agg: ScenarioResult::empty(id, id, "", api, vec!["fuzz".into()]),
            seen: BTreeMap::new(),
            signatures: Vec::new(),
            kinds: [0; 3],
            chained: 0,
            sequenced: 0,
            chain_broken: 0,
            warned: BTreeSet::new(),
        }
    }

    /// Counts one case of operation `op`; returns how it failed when that is a failure not
    /// seen yet (and fewer than five were), to be shrunk and given to [`Self::failure`].
    pub(super) fn add(&mut self, r: &Ran, op: &str) -> Option<Signature> {
        self.kinds[match r.case.kind {
            Kind::Valid => 0,
            Kind::Boundary(_) => 1,
            Kind::Negative(_) => 2,
        }] += 1;
        self.chained += usize::from(r.case.chain.is_some());
        self.sequenced += usize::from(r.case.chain.as_ref().is_some_and(|c| !c.between.is_empty()));
        // A clean-up that failed is reported under its delete operation (the engine keeps it).
        if let Some(c) = r.cleanup.as_ref().filter(|c| c.outcome <= Outcome::Skipped) {
            self.count(c);
        }
        if r.result.outcome <= Outcome::Skipped {
            self.count(&r.result);
            self.keep_warnings(&r.result);
            return None;
        }
        if !r.result.errors.is_empty() {
            // The case could not run: writes refused on a target that is not a mock, or a
            // generated scenario that does not compile (conform's own defect). Said once.
            for e in &r.result.errors {
                if !self.agg.errors.iter().any(|a| a.message == e.message) {
                    self.agg.errors.push(e.clone());
                }
            }
            self.agg.outcome = Outcome::Errored;
            return None;
        }
        let sig = Signature::of(&r.case, &r.result);
        let keep = match &sig {
            // The create before a chained case did not give what it gave earlier in the run
            // (a quota spent, say): the case proved nothing of its own operation.
            Some(s) if r.case.chain.is_some() && s.call != op => {
                self.chain_broken += 1;
                false
            }
            Some(s) => !self.signatures.contains(s) && self.signatures.len() < FAILURES_KEPT,
            None => false,
        };
        if !keep {
            self.count(&r.result);
            self.keep_warnings(&r.result);
            return None;
        }
        let sig = sig?;
        self.signatures.push(sig.clone());
        Some(sig)
    }

    /// Keeps a shrunk failure as steps of the result (and its saved file as the path). Each
    /// failure's steps name the file they are written in, its saved file (else the text it ran
    /// as): several failures of one operation are each at their own lines, in their own files.
    pub(super) fn failure(&mut self, shrunk: Shrunk, saved: Option<&Path>) {
        if self.agg.path == self.agg.id
            && let Some(p) = saved
        {
            self.agg.path = p.display().to_string();
        }
        self.agg.outcome = self.agg.outcome.max(shrunk.result.outcome);
        let number = shrunk.case.number;
        let file = saved.map_or(shrunk.result.path, |p| p.display().to_string());
        let mut steps = shrunk.result.steps;
        for s in &mut steps {
            s.file = Some(file.clone());
            // The case's own step says its number; those of its chain get it here.
            if !s.name.starts_with("case ") {
                s.name = format!("case {number}: {}", s.name);
            }
            // A warning already kept for the operation is not said again by a failure.
            let (warned, call) = (&mut self.warned, s.call.clone());
            s.findings
                .retain(|f| f.severity != Severity::Warning || warned.insert(rule_of(&call, f)));
        }
        self.agg.steps.extend(steps);
    }

    /// Keeps the step of a probe of the fuzzer's own (an undeclared method) that failed.
    pub(super) fn probe_failure(&mut self, step: StepResult) {
        self.agg.outcome = self.agg.outcome.max(step.outcome);
        self.agg.steps.push(step);
    }

    /// Keeps the steps of a case that carry a warning not kept yet for the operation, with only
    /// those warnings: one per rule, not one per request (each at its line in that case's text).
    fn keep_warnings(&mut self, r: &ScenarioResult) {
        for s in &r.steps {
            let fresh: Vec<_> = s
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .filter(|f| self.warned.insert(rule_of(&s.call, f)))
                .cloned()
                .collect();
            if !fresh.is_empty() {
                let mut kept = s.clone();
                kept.findings = fresh;
                kept.file = Some(r.path.clone());
                self.agg.steps.push(kept);
            }
        }
    }

    /// The operation's result, named by what ran (`cases` of them).
    pub(super) fn finish(mut self, op: &str, cases: usize) -> ScenarioResult {
        self.agg.statuses_seen = std::mem::take(&mut self.seen)
            .into_iter()
            .map(|((call, status), count)| StatusSeen {
                call,
                status,
                count,
            })
            .collect();
        let sequenced = match self.sequenced {
            0 => String::new(),
            n => format!(" ({n} with requests between)"),
        };
        let chained_note = match (self.chained, self.chain_broken) {
            (0, _) => String::new(),
            (n, 0) => format!(", {n} after a create{sequenced}"),
            (n, b) => format!(", {n} after a create{sequenced}, {b} of whose creates failed"),
        };
        let [valid, boundary, negative] = self.kinds;
        self.agg.name = format!(
            "{op}: {cases} generated requests ({valid} valid, {boundary} boundary, {negative} negative{chained_note})"
        );
        self.agg
    }

    fn count(&mut self, r: &ScenarioResult) {
        for s in &r.steps {
            if let Some(status) = s.status {
                *self.seen.entry((s.call.clone(), status)).or_insert(0) += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::valid_statuses;

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: documented
      responses:
        "200": {description: ok}
        "500": {description: crash}
        "501": {description: not implemented}
        "503": {description: unavailable}
  /b:
    get:
      operationId: ranged
      responses:
        "200": {description: ok}
        "5XX": {description: server error}
  /c:
    get:
      operationId: crashOnly
      responses:
        "500": {description: crash}
"#;

    /// A documented 501 or 503 is an answer; a 500 is a crash, never one, documented or not.
    #[test]
    fn every_documented_status_is_an_answer_but_500() {
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let of = |id: &str| valid_statuses(spec.operation(id).expect("op"));
        assert_eq!(of("documented"), json!([200, 501, 503]));
        let ranged = of("ranged");
        let codes = ranged.as_array().expect("a list");
        assert!(
            codes.contains(&json!(503)) && codes.contains(&json!(501)),
            "{ranged}"
        );
        assert!(
            !codes.contains(&json!(500)) && !codes.contains(&json!("5xx")),
            "{ranged}"
        );
        assert_eq!(of("crashOnly"), json!(["2xx"]));
    }

    /// The result line says the success statuses an operation's own requests got, the
    /// documented ones they did not, and what they got when no 2xx was reached.
    #[test]
    fn the_result_line_says_which_success_statuses_were_reached() {
        use crate::run::{ScenarioResult, StatusSeen};
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let op = spec.operation("documented").expect("op");
        let with = |seen: &[(&str, u16)]| {
            let mut r = ScenarioResult::empty("x", "x", "x", "t", Vec::new());
            r.statuses_seen = seen
                .iter()
                .map(|(call, status)| StatusSeen {
                    call: (*call).to_owned(),
                    status: *status,
                    count: 1,
                })
                .collect();
            super::reached(op, &r)
        };
        assert_eq!(
            with(&[("documented", 200), ("documented", 404)]),
            "; reached 200"
        );
        // Another operation's 200 (a chain's create) is not this one's.
        assert_eq!(
            with(&[("other", 200), ("documented", 404), ("documented", 400)]),
            "; no 2xx reached: documented 200, got 400, 404"
        );
        assert_eq!(with(&[]), "; no 2xx reached: documented 200, no answer");
        let crash_only = spec.operation("crashOnly").expect("op");
        let r = ScenarioResult::empty("x", "x", "x", "t", Vec::new());
        assert_eq!(super::reached(crash_only, &r), "", "no 2xx documented");
    }
}
