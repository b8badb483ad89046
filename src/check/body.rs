//! Matching a compiled expected [`Pattern`] against an actual JSON value: subset by default (extra fields
//! allowed, arrays element by element), exact under `$exact`, matchers for volatile values.
//!
//! Besides findings, matching builds two *views* for the diff: the expected tree and the actual
//! value projected onto the expected shape, with matched matchers replaced by the actual value.
//! Their diff shows only the real differences, not every field the target added.

use serde_json::{Map, Value};

use super::{CheckKind, Finding, Severity, push_pointer};
use crate::plan::{Matcher, Pattern, PatternKind, ValueTemplate};
use crate::scenario::Scope;

/// The result of matching.
#[derive(Debug, Clone, Default)]
pub struct Matched {
    /// One finding per difference; empty when the value matched.
    pub findings: Vec<Finding>,
    /// Expected, with templates rendered and passing matchers replaced by the actual value.
    pub expected_view: Option<Value>,
    /// Actual, projected onto the keys the expectation names.
    pub actual_view: Option<Value>,
}

impl Matched {
    /// Whether the value matched: no finding at all.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Matches `expected` against `actual` (`None`: absent). `kind` labels the findings; `root` is
/// the pointer prefix (`""` for a body, `/Header-Name` for a header).
pub fn match_value(
    expected: &Pattern,
    actual: Option<&Value>,
    scope: &dyn Scope,
    kind: CheckKind,
    root: &str,
) -> Matched {
    let mut m = Matcher_ {
        scope,
        kind,
        findings: Vec::new(),
    };
    let (e, a) = m.walk(expected, actual, root.to_owned(), false);
    Matched {
        findings: m.findings,
        expected_view: e,
        actual_view: a,
    }
}

/// Whether `actual` matches `expected`: exactly when [`match_value`] finds nothing, decided
/// without building findings, messages or views. A passing check, the common case, costs no
/// allocation beyond filling in templates; callers match again for the findings when it fails.
pub fn holds(expected: &Pattern, actual: Option<&Value>, scope: &dyn Scope) -> bool {
    Holds { scope }.pattern(expected, actual, false)
}

/// [`holds`]' walk: the same rules as [`Matcher_`]'s, each answering yes or no.
struct Holds<'s> {
    scope: &'s dyn Scope,
}

impl Holds<'_> {
    fn pattern(&self, exp: &Pattern, act: Option<&Value>, exact: bool) -> bool {
        match &exp.kind {
            PatternKind::Matchers(ms) => ms.iter().all(|m| self.matcher(m, act)),
            PatternKind::Map(entries) => {
                let Some(Value::Object(obj)) = act else {
                    return false;
                };
                entries
                    .iter()
                    .all(|(key, child)| self.pattern(child, obj.get(key), exact))
                    && (!exact || obj.keys().all(|k| entries.iter().any(|(key, _)| key == k)))
            }
            PatternKind::Seq(items) => {
                let Some(Value::Array(list)) = act else {
                    return false;
                };
                list.len() == items.len()
                    && items
                        .iter()
                        .zip(list)
                        .all(|(child, el)| self.pattern(child, Some(el), exact))
            }
            PatternKind::Value(value) => {
                let Some(a) = act else {
                    return false;
                };
                match value.literal() {
                    Some(want) => same(want, a),
                    None => render(value, self.scope).is_ok_and(|want| same(&want, a)),
                }
            }
        }
    }

    fn matcher(&self, m: &Matcher, act: Option<&Value>) -> bool {
        match m {
            Matcher::Any => act.is_some(),
            Matcher::Absent => act.is_none(),
            Matcher::Type(t) => act.is_some_and(|a| t.holds(a)),
            Matcher::Regex(re) => match act {
                Some(Value::String(s)) => re.is_match(s),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => re.is_match(&v.to_string()),
                _ => false,
            },
            Matcher::Len(n) => length(act).is_some_and(|len| len as u64 == *n),
            Matcher::Contains(item) => match act {
                Some(Value::Array(list)) => {
                    list.iter().any(|el| self.pattern(item, Some(el), false))
                }
                _ => false,
            },
            Matcher::Exact(inner) => self.pattern(inner, act, true),
        }
    }
}

/// The length `$len` compares: of an array, an object, or a string in characters.
fn length(act: Option<&Value>) -> Option<usize> {
    match act {
        Some(Value::Array(a)) => Some(a.len()),
        Some(Value::Object(o)) => Some(o.len()),
        Some(Value::String(s)) => Some(s.chars().count()),
        _ => None,
    }
}

/// Renders a request value, a failure as a finding of the scenario at the template's line.
pub fn render(value: &ValueTemplate, scope: &dyn Scope) -> Result<Value, Box<Finding>> {
    value
        .render(scope)
        .map_err(|e| Box::new(Finding::error(CheckKind::Scenario, e.message).at(e.pos)))
}

/// A pattern as plain JSON with its templates filled in where they can be (for the diff view).
fn shown(p: &Pattern, scope: &dyn Scope) -> Value {
    match &p.kind {
        PatternKind::Value(v) => v.render(scope).unwrap_or_else(|_| v.as_written()),
        PatternKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), shown(v, scope)))
                .collect(),
        ),
        PatternKind::Seq(items) => Value::Array(items.iter().map(|i| shown(i, scope)).collect()),
        PatternKind::Matchers(ms) => describe(ms, scope),
    }
}

struct Matcher_<'s> {
    scope: &'s dyn Scope,
    kind: CheckKind,
    findings: Vec<Finding>,
}

/// How a value fails a matcher: the finding's keyword, words and expected view.
struct Miss {
    keyword: &'static str,
    message: String,
    expected: Option<Value>,
}

/// A JSON value's type, as JSON Schema names it (numbers are one type).
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Matcher_<'_> {
    fn fail(
        &mut self,
        node: &Pattern,
        ptr: &str,
        keyword: &str,
        message: String,
        expected: Option<Value>,
        actual: Option<&Value>,
    ) {
        let mut f = Finding::violation(self.kind, message)
            .pointer(ptr)
            .keyword(keyword)
            .at(node.pos);
        f.expected = expected;
        f.actual = actual.cloned();
        self.findings.push(f);
    }

    fn here(ptr: &str) -> &str {
        if ptr.is_empty() { "the body" } else { ptr }
    }

    fn walk(
        &mut self,
        exp: &Pattern,
        act: Option<&Value>,
        ptr: String,
        exact: bool,
    ) -> (Option<Value>, Option<Value>) {
        match &exp.kind {
            PatternKind::Matchers(matchers) => self.matchers(exp, matchers, act, ptr),
            PatternKind::Map(entries) => self.map(exp, entries, act, ptr, exact),
            PatternKind::Seq(items) => self.seq(exp, items, act, ptr, exact),
            PatternKind::Value(v) => self.scalar(exp, v, act, ptr),
        }
    }

    fn matchers(
        &mut self,
        exp: &Pattern,
        matchers: &[Matcher],
        act: Option<&Value>,
        ptr: String,
    ) -> (Option<Value>, Option<Value>) {
        let before = self.findings.len();
        let mut exp_view = None;
        let where_ = Self::here(&ptr).to_owned();
        for m in matchers {
            if let Matcher::Exact(inner) = m {
                let (e, _) = self.walk(inner, act, ptr.clone(), true);
                exp_view = e;
            } else if let Some(miss) = self.miss(m, act, &where_) {
                // `$any` has nothing to show of what is missing.
                let shown = if matches!(m, Matcher::Any) { None } else { act };
                self.fail(exp, &ptr, miss.keyword, miss.message, miss.expected, shown);
            }
        }
        if self.findings.len() == before {
            (act.cloned(), act.cloned())
        } else {
            let shown = exp_view.unwrap_or_else(|| describe(matchers, self.scope));
            (Some(shown), act.cloned())
        }
    }

    /// How `act` fails matcher `m` (any but `$exact`, which walks), if it does.
    fn miss(&self, m: &Matcher, act: Option<&Value>, where_: &str) -> Option<Miss> {
        // Whether it holds is [`Holds`]' one answer; only the words of a miss are made here.
        if matches!(m, Matcher::Exact(_)) || (Holds { scope: self.scope }).matcher(m, act) {
            return None;
        }
        let (keyword, message, expected) = match m {
            Matcher::Absent => (
                "$absent",
                format!("{where_} should be absent but is present"),
                None,
            ),
            Matcher::Any => (
                "$any",
                format!("{where_} is missing"),
                Some(Value::from("<any value>")),
            ),
            Matcher::Type(t) => {
                let t = t.name();
                let got = act.map(json_type).unwrap_or("nothing");
                (
                    "$type",
                    format!("{where_} should be of type {t}, got {got}"),
                    Some(Value::from(format!("<{t}>"))),
                )
            }
            Matcher::Regex(re) => (
                "$regex",
                format!("{where_} should match /{}/", re.as_str()),
                Some(Value::from(format!("/{}/", re.as_str()))),
            ),
            Matcher::Len(n) => {
                let got = length(act).map_or("no length".to_owned(), |l| format!("length {l}"));
                (
                    "$len",
                    format!("{where_} should have length {n}, has {got}"),
                    Some(Value::from(*n)),
                )
            }
            Matcher::Contains(item) => {
                let shown = shown(item, self.scope);
                (
                    "$contains",
                    format!("{where_} should be an array containing an element like {shown}"),
                    Some(serde_json::json!({"$contains": shown})),
                )
            }
            Matcher::Exact(_) => return None,
        };
        Some(Miss {
            keyword,
            message,
            expected,
        })
    }

    fn map(
        &mut self,
        exp: &Pattern,
        entries: &[(String, Pattern)],
        act: Option<&Value>,
        ptr: String,
        exact: bool,
    ) -> (Option<Value>, Option<Value>) {
        let exp_plain = || Some(shown(exp, self.scope));
        let Some(Value::Object(obj)) = act else {
            let got = act.map(json_type).unwrap_or("nothing");
            let e = exp_plain();
            self.fail(
                exp,
                &ptr,
                "type",
                format!("{} should be an object, got {got}", Self::here(&ptr)),
                e.clone(),
                act,
            );
            return (e, act.cloned());
        };
        let mut ev = Map::new();
        let mut av = Map::new();
        for (key, child) in entries {
            let child_ptr = push_pointer(&ptr, key);
            let (e, a) = self.walk(child, obj.get(key), child_ptr, exact);
            if let Some(e) = e {
                ev.insert(key.clone(), e);
            }
            if let Some(a) = a {
                av.insert(key.clone(), a);
            }
        }
        if exact {
            for (k, v) in obj {
                if !entries.iter().any(|(key, _)| key == k) {
                    self.fail(
                        exp,
                        &push_pointer(&ptr, k),
                        "$exact",
                        format!("{} is not expected (exact match)", push_pointer(&ptr, k)),
                        None,
                        Some(v),
                    );
                    av.insert(k.clone(), v.clone());
                }
            }
        }
        (Some(Value::Object(ev)), Some(Value::Object(av)))
    }

    fn seq(
        &mut self,
        exp: &Pattern,
        items: &[Pattern],
        act: Option<&Value>,
        ptr: String,
        exact: bool,
    ) -> (Option<Value>, Option<Value>) {
        let Some(Value::Array(list)) = act else {
            let got = act.map(json_type).unwrap_or("nothing");
            let e = Some(shown(exp, self.scope));
            self.fail(
                exp,
                &ptr,
                "type",
                format!("{} should be an array, got {got}", Self::here(&ptr)),
                e.clone(),
                act,
            );
            return (e, act.cloned());
        };
        if list.len() != items.len() {
            self.fail(
                exp,
                &ptr,
                "length",
                format!(
                    "{} should have {} element(s), has {}",
                    Self::here(&ptr),
                    items.len(),
                    list.len()
                ),
                Some(Value::from(items.len())),
                Some(&Value::from(list.len())),
            );
        }
        let mut ev = Vec::new();
        let mut av = Vec::new();
        for (i, child) in items.iter().enumerate() {
            let (e, a) = self.walk(
                child,
                list.get(i),
                push_pointer(&ptr, &i.to_string()),
                exact,
            );
            ev.push(e.unwrap_or(Value::Null));
            if let Some(a) = a {
                av.push(a);
            }
        }
        av.extend(list.iter().skip(items.len()).cloned());
        (Some(Value::Array(ev)), Some(Value::Array(av)))
    }

    fn scalar(
        &mut self,
        exp: &Pattern,
        value: &ValueTemplate,
        act: Option<&Value>,
        ptr: String,
    ) -> (Option<Value>, Option<Value>) {
        // A literal is compared as compiled; only a template is filled in, per match.
        let rendered;
        let want = match value.literal() {
            Some(v) => v,
            None => match render(value, self.scope) {
                Ok(v) => {
                    rendered = v;
                    &rendered
                }
                Err(f) => {
                    self.findings.push(*f);
                    return (None, act.cloned());
                }
            },
        };
        match act {
            Some(a) if same(want, a) => {}
            Some(a) => {
                let msg = if json_type(a) != json_type(want) {
                    format!(
                        "{} should be {want} ({}), got {a} ({})",
                        Self::here(&ptr),
                        json_type(want),
                        json_type(a)
                    )
                } else {
                    format!("{} should be {want}, got {a}", Self::here(&ptr))
                };
                self.fail(exp, &ptr, "equals", msg, Some(want.clone()), Some(a));
            }
            None => self.fail(
                exp,
                &ptr,
                "required",
                format!("{} is missing (expected {want})", Self::here(&ptr)),
                Some(want.clone()),
                None,
            ),
        }
        (Some(want.clone()), act.cloned())
    }
}

/// How a failed matcher shows in the expected view.
fn describe(matchers: &[Matcher], scope: &dyn Scope) -> Value {
    let mut map = Map::new();
    for m in matchers {
        let (k, v) = match m {
            Matcher::Any => ("$any", Value::Bool(true)),
            Matcher::Absent => ("$absent", Value::Bool(true)),
            Matcher::Type(t) => ("$type", Value::from(t.name())),
            Matcher::Regex(r) => ("$regex", Value::from(r.as_str())),
            Matcher::Len(n) => ("$len", Value::from(*n)),
            Matcher::Contains(n) => ("$contains", shown(n, scope)),
            Matcher::Exact(n) => ("$exact", shown(n, scope)),
        };
        map.insert(k.to_owned(), v);
    }
    Value::Object(map)
}

/// Whether the findings leave the step's outcome a pass (warnings only).
pub fn passes(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity == Severity::Warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{Vars, node};
    use serde_json::json;

    fn pattern(yaml: &str) -> Pattern {
        let node = node(yaml);
        let mut problems = Vec::new();
        let p = Pattern::compile(&node, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        p
    }

    /// Matches both ways, and holds them to the same answer: every case below also tests
    /// [`holds`] against [`match_value`].
    fn check(yaml: &str, actual: Value) -> Matched {
        let p = pattern(yaml);
        let m = match_value(&p, Some(&actual), &Vars, CheckKind::Body, "");
        assert_eq!(
            holds(&p, Some(&actual), &Vars),
            m.ok(),
            "{yaml} against {actual}: {m:?}"
        );
        m
    }

    #[test]
    fn subset_allows_extra_fields_and_reports_each_mismatch_with_its_line() {
        let m = check("a: 1\nb: x\n", json!({"a": 1, "b": "y", "extra": true}));
        assert_eq!(m.findings.len(), 1);
        let f = &m.findings[0];
        assert_eq!(f.pointer.as_deref(), Some("/b"));
        assert_eq!(f.pos.map(|p| p.line), Some(2));
        assert_eq!(m.expected_view, Some(json!({"a": 1, "b": "x"})));
        assert_eq!(
            m.actual_view,
            Some(json!({"a": 1, "b": "y"})),
            "extra fields stay out of the diff"
        );
    }

    #[test]
    fn exact_rejects_extra_fields_below() {
        let m = check("$exact: {a: {b: 1}}", json!({"a": {"b": 1, "c": 2}}));
        assert_eq!(m.findings.len(), 1, "{:?}", m.findings);
        assert_eq!(m.findings[0].pointer.as_deref(), Some("/a/c"));
        assert!(check("$exact: {a: {b: 1}}", json!({"a": {"b": 1}})).ok());
    }

    #[test]
    fn templates_keep_types_and_numbers_compare_by_value() {
        assert!(check("request_id: ${id}", json!({"request_id": 7723})).ok());
        assert!(!check("request_id: ${id}", json!({"request_id": "7723"})).ok());
        // `n` and `on` are keys, not YAML 1.1 booleans.
        assert!(check("on: yes", json!({"on": "yes"})).ok());
        let m = check("n: 1", json!({"n": 1.0}));
        assert!(m.ok(), "{:?}", m.findings);
    }

    #[test]
    fn matchers() {
        assert!(check("a: {$any: true}", json!({"a": null})).ok());
        assert!(!check("a: {$any: true}", json!({})).ok());
        assert!(check("a: {$absent: true}", json!({})).ok());
        assert!(!check("a: {$absent: true}", json!({"a": 1})).ok());
        assert!(
            check(
                "a: {$type: uuid, $regex: '^[0-9a-f-]+$'}",
                json!({"a": "d682b6b3-b425-46da-a5fc-5f5c60553622"})
            )
            .ok()
        );
        assert!(check("a: {$len: 2}", json!({"a": [1, 2]})).ok());
        assert!(!check("a: {$len: 2}", json!({"a": [1]})).ok());
        assert!(
            check(
                "a: {$contains: {status: CANCELED}}",
                json!({"a": [{"status": "DONE"}, {"status": "CANCELED", "x": 1}]})
            )
            .ok()
        );
        assert!(
            !check(
                "a: {$contains: {status: CANCELED}}",
                json!({"a": [{"status": "DONE"}]})
            )
            .ok()
        );
    }

    #[test]
    fn arrays_match_element_by_element_with_equal_length() {
        let m = check("- {a: 1}\n- {a: 2}\n", json!([{"a": 1}]));
        assert!(
            m.findings
                .iter()
                .any(|f| f.keyword.as_deref() == Some("length"))
        );
        assert!(
            m.findings
                .iter()
                .any(|f| f.pointer.as_deref() == Some("/1"))
        );
    }

    #[test]
    fn a_passing_matcher_shows_the_actual_value_in_both_views() {
        let m = check(
            "id: {$type: uuid}\nname: x\n",
            json!({"id": "d682b6b3-b425-46da-a5fc-5f5c60553622", "name": "y"}),
        );
        let (e, a) = (
            m.expected_view.unwrap_or_default(),
            m.actual_view.unwrap_or_default(),
        );
        assert_eq!(e["id"], a["id"], "no diff line for a matched matcher");
    }
}
