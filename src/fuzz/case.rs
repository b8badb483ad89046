//! One generated test: a [`Case`] is a request for one operation (valid, at a boundary, or
//! breaking one rule), optionally after the request that creates what it acts on, and its
//! scenario: its text and, written with it, the scenario that text parses to
//! (`init::emit`). The fuzzer compiles that scenario without parsing the text,
//! and `--save-failures` writes the text, so a saved failure replays with `conform run` exactly
//! as it ran, its findings on the lines they name.

use serde_json::Value;

use super::chain::Chained;
use crate::init::emit::{Draft, DraftStep, Emitted, Line, emit, render};
use crate::init::values::escape;
use crate::openapi::Operation;

/// What a case is, which decides what its answer must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Conforms to the spec: any documented status but 500 (a crash).
    Valid,
    /// Conforms, with a value at an edge of its schema (a bound, an enum value, a branch).
    Boundary(String),
    /// Breaks exactly one rule: a documented 4xx.
    Negative(Broken),
}

/// The one rule a negative case breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// `body`, `query parameter limit`, ...
    pub place: String,
    /// The schema keyword (`type`, `required`, `maxLength`, ...).
    pub keyword: String,
    /// What is wrong, in words: "`/name` is 65 characters, above maxLength 64".
    pub description: String,
}

impl Kind {
    /// A short label for names and tables: `valid`, `boundary`, `negative`.
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Boundary(_) => "boundary",
            Kind::Negative(_) => "negative",
        }
    }

    /// What the case sends, in words.
    pub fn describe(&self) -> String {
        match self {
            Kind::Valid => "a valid request".into(),
            Kind::Boundary(what) => format!("a valid request at a boundary: {what}"),
            Kind::Negative(b) => format!("{}: {} (breaks `{}`)", b.place, b.description, b.keyword),
        }
    }
}

/// The request of a case, parameter by parameter as JSON values (sent as text by the runner).
///
/// Not an HTTP request ([`crate::http::Request`]): it is what the generator draws and the
/// shrinker makes smaller, parameter by parameter, before any of it is text. A case becomes a
/// scenario step, and the runner builds the request from that step as from any other.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// Path parameters by name (the template's `{name}`s).
    pub path: Vec<(String, Value)>,
    /// Query parameters by name.
    pub query: Vec<(String, Value)>,
    /// Header and cookie parameters by name.
    pub headers: Vec<(String, Value)>,
    /// The JSON body; `None` sends no body.
    pub body: Option<Value>,
}

impl Request {
    /// How big the request is, to prefer smaller ones while shrinking.
    pub fn weight(&self) -> usize {
        let params: usize = self
            .path
            .iter()
            .chain(&self.query)
            .chain(&self.headers)
            .map(|(k, v)| k.len() + v.to_string().len())
            .sum();
        params + self.body.as_ref().map_or(0, |b| b.to_string().len())
    }
}

/// A generated test of one operation.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its place among the cases of its operation, from 1: the name it is reported under.
    pub number: usize,
    /// Whether the case is valid, a boundary or a negative, and what it breaks.
    pub kind: Kind,
    /// What the case sends.
    pub request: Request,
    /// The create to run first, whose id fills a path parameter, and the delete after.
    pub chain: Option<Chained>,
}

impl Case {
    /// The scenario text of the case, against `op` of `api`.
    pub fn scenario(&self, api: &str, op: &Operation, seed: u64) -> String {
        render(&self.draft(api, op, seed))
    }

    /// The scenario text of the case and the scenario it parses to.
    pub(crate) fn emit(&self, api: &str, op: &Operation, seed: u64) -> Emitted {
        emit(&self.draft(api, op, seed))
    }

    /// The scenario of the case, to write.
    pub(crate) fn draft(&self, api: &str, op: &Operation, seed: u64) -> Draft {
        let mut steps = Vec::new();
        let mut finally = Vec::new();
        let mut request = self.request.clone();
        if let Some(chain) = &self.chain {
            steps.extend(chain.steps_before());
            for (name, value) in &mut request.path {
                if *name == chain.param {
                    *value = Value::String(format!("${{{}}}", chain.var));
                }
            }
            finally.extend(chain.delete_step());
        }
        let mut step = step_of(op, &request, self.chain.as_ref().map(|c| c.param.as_str()));
        step.name = format!("case {}: {}", self.number, self.kind.describe());
        match &self.kind {
            Kind::Negative(b) => {
                step.invalid_request = true;
                step.invalid_why = Some(format!("{}: {}", b.place, b.description));
                if b.keyword == "format" {
                    step.status = Some((format_only(op), FORMAT_WHY.into()));
                    // Its 4xx is as documented as a refusal's.
                    step.undocumented = refusal(op).1;
                } else {
                    let (status, undocumented) = refusal(op);
                    step.status = Some((status, "an invalid request must be refused".into()));
                    step.undocumented = undocumented;
                }
            }
            Kind::Valid | Kind::Boundary(_) => {
                step.status = Some((not_a_server_error(op), super::outcome::VALID_WHY.into()));
            }
        }
        steps.push(step);
        Draft {
            name: format!(
                "{}: generated case {} ({})",
                op.id,
                self.number,
                self.kind.label()
            ),
            notes: vec![format!(
                "Generated by `conform fuzz --seed {seed}`; replay with `conform run` on this file."
            )],
            api: api.to_owned(),
            tags: vec!["fuzz".into(), self.kind.label().into()],
            steps,
            finally,
            ..Draft::default()
        }
    }
}

/// A step of `op` sending `request`, with no expectation yet. `chained` names the path
/// parameter that holds a `${variable}` (written as is, not escaped).
pub(crate) fn step_of(op: &Operation, request: &Request, chained: Option<&str>) -> DraftStep {
    let line = |key: &str, value: &Value, raw: bool| Line {
        key: key.to_owned(),
        value: if raw {
            value.clone()
        } else {
            escape(value.clone())
        },
        comment: None,
    };
    DraftStep {
        name: op.id.clone(),
        call: op.id.clone(),
        path: request
            .path
            .iter()
            .map(|(k, v)| line(k, v, Some(k.as_str()) == chained))
            .collect(),
        query: request
            .query
            .iter()
            .map(|(k, v)| line(k, v, false))
            .collect(),
        headers: request
            .headers
            .iter()
            .map(|(k, v)| line(k, &Value::String(as_text(v)), false))
            .collect(),
        body: request.body.as_ref().map(|b| line("", b, false)),
        ..DraftStep::default()
    }
}

/// A parameter value as the text it travels as.
pub(crate) fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a valid request may get: [`super::outcome::valid_statuses`], where the status rule of
/// a case lives.
pub(crate) fn not_a_server_error(op: &Operation) -> Value {
    super::outcome::valid_statuses(op)
}

/// Why a value that breaks only `format` need not be refused.
const FORMAT_WHY: &str = "a value that breaks only `format` may be accepted (JSON Schema makes \
     `format` an annotation unless a validator opts in), but must not crash the target";

/// What a request whose only fault is a `format` may get: what a valid one may, or a 4xx.
/// Refusing it is right, accepting it is allowed: jupyter-server's `GET /api/resolvePath`
/// answers `kernel=not-a-uuid` as it answers an unknown uuid, a 200 that says it is unknown.
fn format_only(op: &Operation) -> Value {
    let mut statuses = not_a_server_error(op);
    let four = Value::String("4xx".into());
    if let Value::Array(items) = &mut statuses
        && !items.contains(&four)
    {
        items.push(four);
    }
    statuses
}

/// What an invalid request must get: a 4xx, or a documented 501 or 503 (not implemented,
/// unavailable: answers that do not depend on the request, so a server may give them before it
/// reads it; seen on jupyter-server, whose `POST /api/sessions` documents 501 for a kernel it
/// cannot start); and whether the spec documents no 4xx (the step then says
/// `undocumented: true`, and the spec check reports the status as undocumented anyway).
pub(crate) fn refusal(op: &Operation) -> (Value, bool) {
    let documented = op
        .responses
        .iter()
        .any(|r| r.key == "default" || r.key.starts_with('4'));
    let unavailable: Vec<Value> = op
        .responses
        .iter()
        .filter_map(|r| r.key.parse::<u16>().ok())
        .filter(|c| matches!(c, 501 | 503))
        .map(Value::from)
        .collect();
    let four = Value::String("4xx".into());
    if unavailable.is_empty() {
        (four, !documented)
    } else {
        let mut all = vec![four];
        all.extend(unavailable);
        (Value::Array(all), !documented)
    }
}
