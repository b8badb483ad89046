//! The schema-driven value generator of `conform fuzz`: [`Generator`] makes, from a
//! [`Schema`] and a seed, values the schema accepts ([`Generator::valid`]), accepted values at
//! its edges ([`Generator::boundaries`]) and values that break exactly one rule
//! ([`Generator::negatives`]); [`smaller`] shrinks a value for a failing request. Pure: no HTTP.
//!
//! Every value is checked with the schema's own validator before it is handed out (a negative
//! must be refused, and for that one rule only), so what the generator does not understand
//! costs a retry, never a wrong claim. A parameter's value is checked as it travels: as text,
//! read back the way the request check reads it ([`crate::check::schema::coerce`]).

mod boundary;
mod hostile;
mod negative;
mod numbers;
mod resolve;
mod shrink;
mod strings;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_edges;
#[cfg(test)]
mod tests_hostile;

use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde_json::Value;

use crate::openapi::Schema;
pub use shrink::smaller;

/// Attempts at a valid value before [`Generator::valid`] gives up.
const ATTEMPTS: usize = 24;

/// A seeded value generator. The same seed and the same calls give the same values.
pub struct Generator {
    /// PCG: a fixed, documented algorithm, so a saved seed replays across releases.
    rng: Pcg64,
    patterns: strings::Patterns,
    /// Which optional properties the object being built gets.
    optional: Optional,
    place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Optional {
    Random,
    None,
    All,
}

/// Where the value goes: a JSON body, or a parameter (path, query, header) that travels as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside a JSON body: values keep their JSON type.
    Body,
    /// A query parameter: sent as text, percent-encoded.
    Param,
    /// A header parameter: sent as text, and only what HTTP allows in a field value (no
    /// control character, no whitespace at either end).
    Header,
    /// A path parameter: sent as text, one segment that is never empty (as if `minLength`
    /// were at least 1), since `/terminals/` names another route than `/terminals/{id}`.
    Path,
}

impl Place {
    /// Whether the value travels as text (a parameter of any kind).
    pub fn is_text(self) -> bool {
        self != Place::Body
    }
}

/// Whether `v` would be an empty path segment at `place`: never sent, as no request of the
/// operation can have one (the URL would name another route). A segment `.` or `..` is
/// another route too: URLs resolve it away before it is sent.
pub(crate) fn empty_segment(place: Place, v: &Value) -> bool {
    place == Place::Path && matches!(v, Value::String(s) if s.is_empty() || s == "." || s == "..")
}

/// Whether `v`, a header value, holds what HTTP does not allow in a field (a control
/// character, CR, LF, NUL) or whitespace at an end (which the server strips): such a value
/// never reaches the server as generated, and the HTTP client refuses the first kind.
pub(crate) fn unsendable_header(v: &Value) -> bool {
    let bad = |s: &str| {
        !s.chars().all(hostile::header_char)
            || s.starts_with([' ', '\t'])
            || s.ends_with([' ', '\t'])
    };
    match v {
        Value::String(s) => bad(s),
        Value::Array(items) => items.iter().any(|i| i.as_str().is_some_and(bad)),
        _ => false,
    }
}

/// A value that breaks exactly one rule of its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Negative {
    /// The invalid value.
    pub value: Value,
    /// The one rule it breaks.
    pub rule: Rule,
}

/// The rule a [`Negative`] breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The JSON Schema keyword: `type`, `required`, `minimum`, `maxLength`, `pattern`, ...
    pub keyword: &'static str,
    /// JSON Pointer into the value (`""` for the value itself).
    pub pointer: String,
    /// What is wrong, in words: "`/name` is 65 characters, above maxLength 64".
    pub description: String,
}

/// Why no value could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// The schema does not compile as JSON Schema.
    #[error("{0}")]
    Compile(String),
    /// A `$ref` points nowhere the generator can follow.
    #[error("`$ref: {reference}` cannot be resolved: {reason}")]
    Unresolvable {
        /// The `$ref` as written.
        reference: String,
        /// Why it cannot be followed.
        reason: String,
    },
    /// No value can meet the schema (e.g. the schema is `false`).
    #[error("the schema cannot be satisfied: {reason}")]
    Unsatisfiable {
        /// The contradiction, in words.
        reason: String,
    },
    /// A `pattern` has no generator.
    #[error("no string can be made for pattern `{pattern}`: {reason}")]
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// Why the regex cannot be drawn from.
        reason: String,
    },
    /// `$ref`/`allOf` or required values nest past a fixed limit (often a self-reference).
    #[error("the schema nests too deep: {reason}")]
    TooDeep {
        /// Which limit was passed.
        reason: String,
    },
    /// A made value fails validation against its own schema.
    #[error("the generated value {value} is refused by the schema: {reason}")]
    Rejected {
        /// The value, as JSON text.
        value: String,
        /// The validator's complaint.
        reason: String,
    },
    /// Every attempt was refused.
    #[error("no valid value for the schema at {at} in {attempts} attempts; the last: {last}")]
    GaveUp {
        /// Where in the operation the schema is.
        at: String,
        /// How many values were tried.
        attempts: usize,
        /// The last attempt's error.
        #[source]
        last: Box<GenError>,
    },
}

impl Generator {
    /// A generator whose every draw follows from `seed`: the same seed makes the same values.
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Pcg64::seed_from_u64(seed),
            patterns: strings::Patterns::default(),
            optional: Optional::Random,
            place: Place::Body,
        }
    }

    /// A value the schema accepts (checked with `schema.validator()`; a bounded number of
    /// attempts, then an error that says why).
    pub fn valid(&mut self, schema: &Schema, place: Place) -> Result<Value, GenError> {
        self.place = place;
        self.optional = Optional::Random;
        let validator = schema
            .validator()
            .map_err(|e| GenError::Compile(e.to_owned()))?;
        let mut cx = resolve::Ctx::new(schema)?;
        let root = cx.root.clone();
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match self.value(&mut cx, &root, 0) {
                Ok(v) => match errors(validator, schema, place, &v).into_iter().next() {
                    None => return Ok(v),
                    Some(e) => {
                        last = Some(GenError::Rejected {
                            value: short(&v),
                            reason: format!("{} at `{}`: {}", e.keyword, e.pointer, e.message),
                        });
                    }
                },
                Err(e) => last = Some(e),
            }
        }
        Err(GenError::GaveUp {
            at: schema.at.to_string(),
            attempts: ATTEMPTS,
            last: Box::new(last.unwrap_or(GenError::Unsatisfiable {
                reason: "nothing was generated".into(),
            })),
        })
    }
}

/// One validator error, reduced to what the negatives are filtered on.
pub(crate) struct Failure {
    pub keyword: String,
    pub pointer: String,
    pub message: String,
}

/// Every error of `v` against `schema` as it would be checked at `place`.
pub(crate) fn errors(
    validator: &jsonschema::Validator,
    schema: &Schema,
    place: Place,
    v: &Value,
) -> Vec<Failure> {
    let typed = match place {
        Place::Body => v.clone(),
        Place::Param | Place::Path | Place::Header => on_the_wire(v, &schema.raw),
    };
    let mut out: Vec<Failure> = validator
        .iter_errors(&typed)
        .map(|e| Failure {
            keyword: e.kind().keyword().to_owned(),
            pointer: e.instance_path().to_string(),
            message: e.to_string(),
        })
        .collect();
    if empty_segment(place, v) {
        // Refused as a valid value or a boundary: an empty segment tests another route.
        out.push(Failure {
            keyword: "minLength".into(),
            pointer: String::new(),
            message: "an empty path segment names another route".into(),
        });
    }
    if place == Place::Header && unsendable_header(v) {
        // Refused as any value: the HTTP client would refuse the request, or the server
        // read another value.
        out.push(Failure {
            keyword: "http".into(),
            pointer: String::new(),
            message: "a header value HTTP does not allow (a control character, or \
                      whitespace at an end)"
                .into(),
        });
    }
    out
}

/// A parameter value as the request check reads it back: scalars travel as text.
fn on_the_wire(v: &Value, raw: &Value) -> Value {
    match v {
        Value::String(s) => crate::check::schema::coerce(s, raw),
        Value::Number(_) | Value::Bool(_) => crate::check::schema::coerce(&v.to_string(), raw),
        other => other.clone(),
    }
}

/// A value for a message, cut short.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// `token` escaped for a JSON Pointer.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
