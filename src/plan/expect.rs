//! Compiled expectations: [`Expectation`] (status, headers, body of `expect`, `until`,
//! `fail_if`) whose bodies and header values are [`Pattern`] trees with their [`Matcher`]s parsed
//! and regexes compiled once, at load time. The checks only read them.
//!
//! Matchers are mappings whose keys all start with `$`: such keys cannot collide with real API
//! fields (a body may well have a `type` field), so `{type: uuid}` stays a literal expectation and
//! `{$type: uuid}` is a matcher.

use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::value::ValueTemplate;
use crate::scenario::StatusSpec;
use crate::source::{Node, NodeKind, Pos, Spanned, did_you_mean};

/// What a response must look like; every given part must hold.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Where `expect:` (or `until:`, `fail_if:`) was written.
    pub pos: Pos,
    /// The expected status (a code, a class such as `2xx`, or a list), where written.
    pub status: Option<Spanned<StatusSpec>>,
    /// Header name (matched case-insensitively) and its expected value.
    pub headers: Vec<(String, Pattern)>,
    /// The expected body, matched as a subset unless `$exact`.
    pub body: Option<Pattern>,
    /// `undocumented: true`: the expected status is one the spec leaves out, on purpose.
    pub undocumented: bool,
    /// The items of a streamed body (`items:`).
    pub items: Option<super::items::ItemsExpectation>,
}

/// An expected JSON value: literals (with templates), subset maps, element-wise lists, matchers.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Where the expected value is written, for findings to point at.
    pub pos: Pos,
    /// What it expects.
    pub kind: PatternKind,
}

#[derive(Debug, Clone)]
/// The forms an expected value takes.
pub enum PatternKind {
    /// Equal to this value (numbers compare by value).
    Value(ValueTemplate),
    /// An object with at least these keys, each matching.
    Map(Vec<(String, Pattern)>),
    /// An array of exactly this length, element by element.
    Seq(Vec<Pattern>),
    /// Every matcher must hold.
    Matchers(Vec<Matcher>),
}

#[derive(Debug, Clone)]
/// A `$` key of an expectation: a test on the actual value rather than a literal.
pub enum Matcher {
    /// Present, with any value (also `null`).
    Any,
    /// Not present.
    Absent,
    /// `$type`: of this JSON type or string format.
    Type(TypeName),
    /// Shared with every plan that uses the same source: one compiled program and one pool of
    /// match caches (a `Regex` clone would start a cold cache of its own).
    Regex(Arc<Regex>),
    /// `$len`: an array or object with this many entries, or a string with this many characters.
    Len(u64),
    /// An array with at least one element that matches (as a subset).
    Contains(Box<Pattern>),
    /// Matches with no extra keys or elements anywhere below.
    Exact(Box<Pattern>),
}

/// The names `$type` accepts.
pub const TYPES: &[&str] = &[
    "string",
    "number",
    "integer",
    "boolean",
    "array",
    "object",
    "null",
    "uuid",
    "date-time",
    "date",
];

/// The matcher keys an expectation accepts, for validation and suggestions.
pub const MATCHERS: &[&str] = &[
    "$any",
    "$absent",
    "$type",
    "$regex",
    "$len",
    "$contains",
    "$exact",
];

/// A JSON type or string format `$type` can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeName {
    /// A JSON string.
    String,
    /// Any JSON number.
    Number,
    /// A number with no fractional part.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A JSON array.
    Array,
    /// A JSON object.
    Object,
    /// `null`.
    Null,
    /// A string that is a UUID.
    Uuid,
    /// A string that is an RFC 3339 timestamp.
    DateTime,
    /// A string that is a `YYYY-MM-DD` date.
    Date,
}

impl TypeName {
    /// The type `$type: name` names (`date-time`...); `None` for a name not in [`TYPES`].
    pub fn parse(name: &str) -> Option<TypeName> {
        Some(match name {
            "string" => TypeName::String,
            "number" => TypeName::Number,
            "integer" => TypeName::Integer,
            "boolean" => TypeName::Boolean,
            "array" => TypeName::Array,
            "object" => TypeName::Object,
            "null" => TypeName::Null,
            "uuid" => TypeName::Uuid,
            "date-time" => TypeName::DateTime,
            "date" => TypeName::Date,
            _ => return None,
        })
    }

    /// The name as a scenario writes it, one of [`TYPES`].
    pub fn name(self) -> &'static str {
        match self {
            TypeName::String => "string",
            TypeName::Number => "number",
            TypeName::Integer => "integer",
            TypeName::Boolean => "boolean",
            TypeName::Array => "array",
            TypeName::Object => "object",
            TypeName::Null => "null",
            TypeName::Uuid => "uuid",
            TypeName::DateTime => "date-time",
            TypeName::Date => "date",
        }
    }

    /// Whether `value` has this type or format.
    pub fn holds(self, value: &Value) -> bool {
        match self {
            TypeName::String => value.is_string(),
            TypeName::Number => value.is_number(),
            TypeName::Integer => {
                value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            TypeName::Boolean => value.is_boolean(),
            TypeName::Array => value.is_array(),
            TypeName::Object => value.is_object(),
            TypeName::Null => value.is_null(),
            TypeName::Uuid => value
                .as_str()
                .is_some_and(|s| s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()),
            TypeName::DateTime => value
                .as_str()
                .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
            TypeName::Date => value
                .as_str()
                .is_some_and(|s| s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok()),
        }
    }
}

/// The most distinct `$regex` sources kept compiled for the process; past it, a new source is
/// compiled for its plan alone. Bounds the cache whatever the corpus.
const REGEX_CACHE_LIMIT: usize = 4096;

/// `src` compiled, once per process: the same pattern in a thousand scenario files (a corpus
/// generated from one template, the same request-id rule everywhere) costs one compilation, not
/// a thousand. A Unicode-aware `\d` or `\w` makes each compilation cost tens of microseconds.
fn compiled_regex(src: &str) -> Result<Arc<Regex>, regex::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(src) {
        return Ok(re.clone());
    }
    // Compiled outside the lock: two tasks may compile the same source once each, harmlessly.
    let re = Arc::new(Regex::new(src)?);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() < REGEX_CACHE_LIMIT {
        map.insert(src.to_owned(), re.clone());
    }
    Ok(re)
}

/// A problem in an expectation: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The matcher or value at fault.
    pub pos: Pos,
    /// What is wrong with it.
    pub message: String,
}

impl Problem {
    fn new(pos: Pos, message: impl Into<String>) -> Self {
        Problem {
            pos,
            message: message.into(),
        }
    }
}

impl Pattern {
    /// Compiles `node`, pushing every problem (bad matcher, bad regex, bad template) to `out`.
    pub fn compile(node: &Node, out: &mut Vec<Problem>) -> Pattern {
        let kind = match &node.kind {
            NodeKind::Map(entries) if entries.iter().any(|(k, _)| k.value.starts_with('$')) => {
                PatternKind::Matchers(matchers(node, entries, out))
            }
            NodeKind::Map(entries) => PatternKind::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), Pattern::compile(v, out)))
                    .collect(),
            ),
            NodeKind::Seq(items) => {
                PatternKind::Seq(items.iter().map(|i| Pattern::compile(i, out)).collect())
            }
            _ => PatternKind::Value(ValueTemplate::compile(node, &mut |p, e| {
                out.push(Problem::new(p, e));
            })),
        };
        Pattern {
            pos: node.pos,
            kind,
        }
    }

    /// Every value template below (for checking which variables an expectation uses).
    pub fn values<'a>(&'a self, f: &mut dyn FnMut(&'a ValueTemplate)) {
        match &self.kind {
            PatternKind::Value(v) => f(v),
            PatternKind::Map(entries) => entries.iter().for_each(|(_, p)| p.values(f)),
            PatternKind::Seq(items) => items.iter().for_each(|p| p.values(f)),
            PatternKind::Matchers(ms) => {
                for m in ms {
                    if let Matcher::Contains(p) | Matcher::Exact(p) = m {
                        p.values(f);
                    }
                }
            }
        }
    }
}

fn matchers(
    node: &Node,
    entries: &[(Spanned<String>, Node)],
    out: &mut Vec<Problem>,
) -> Vec<Matcher> {
    if entries.iter().any(|(k, _)| !k.value.starts_with('$')) {
        out.push(Problem::new(
            node.pos,
            "a mapping mixes matcher keys (`$...`) with field names; put matchers on the field they test",
        ));
        return Vec::new();
    }
    let mut list = Vec::new();
    for (key, value) in entries {
        let want_true = |m: Matcher, out: &mut Vec<Problem>| match value.kind {
            NodeKind::Bool(true) => Some(m),
            _ => {
                out.push(Problem::new(
                    value.pos,
                    format!("`{}` takes `true`", key.value),
                ));
                None
            }
        };
        let m = match key.value.as_str() {
            "$any" => want_true(Matcher::Any, out),
            "$absent" => want_true(Matcher::Absent, out),
            "$type" => match value.as_str().and_then(TypeName::parse) {
                Some(t) => Some(Matcher::Type(t)),
                None => {
                    out.push(Problem::new(
                        value.pos,
                        format!("`$type` takes one of: {}", TYPES.join(", ")),
                    ));
                    None
                }
            },
            "$regex" => match value.as_str() {
                Some(src) => match compiled_regex(src) {
                    Ok(re) => Some(Matcher::Regex(re)),
                    Err(e) => {
                        out.push(Problem::new(
                            value.pos,
                            format!("`$regex` does not compile: {e}"),
                        ));
                        None
                    }
                },
                None => {
                    out.push(Problem::new(value.pos, "`$regex` takes a string"));
                    None
                }
            },
            "$len" => match &value.kind {
                NodeKind::Number(n) if n.as_u64().is_some() => n.as_u64().map(Matcher::Len),
                _ => {
                    out.push(Problem::new(value.pos, "`$len` takes a whole number"));
                    None
                }
            },
            "$contains" => Some(Matcher::Contains(Box::new(Pattern::compile(value, out)))),
            "$exact" => Some(Matcher::Exact(Box::new(Pattern::compile(value, out)))),
            other => {
                let help = did_you_mean(other, MATCHERS.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                out.push(Problem::new(
                    key.pos,
                    format!(
                        "unknown matcher `{other}` (matchers: {}){help}",
                        MATCHERS.join(", ")
                    ),
                ));
                None
            }
        };
        list.extend(m);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(yaml: &str) -> (Pattern, Vec<Problem>) {
        let node = crate::plan::testing::node(yaml);
        let mut out = Vec::new();
        (Pattern::compile(&node, &mut out), out)
    }

    #[test]
    fn types_and_formats() {
        let uuid = TypeName::Uuid;
        assert!(uuid.holds(&json!("d682b6b3-b425-46da-a5fc-5f5c60553622")));
        assert!(uuid.holds(&json!("D682B6B3-B425-46DA-A5FC-5F5C60553622")));
        assert!(!uuid.holds(&json!("D682B6B3B42546DAA5FC5F5C60553622")));
        assert!(TypeName::DateTime.holds(&json!("2017-12-24T09:31:25.000Z")));
        assert!(!TypeName::DateTime.holds(&json!("2017-12-24")));
        assert!(TypeName::Date.holds(&json!("2017-12-24")));
        assert!(TypeName::Integer.holds(&json!(7723)));
        assert!(!TypeName::Integer.holds(&json!("7723")));
        for name in TYPES {
            assert_eq!(TypeName::parse(name).map(TypeName::name), Some(*name));
        }
    }

    #[test]
    fn regexes_compile_once_at_load_time() {
        let (p, problems) = compile("id: {$regex: '^req-\\d+$'}");
        assert!(problems.is_empty(), "{problems:?}");
        let PatternKind::Map(entries) = &p.kind else {
            panic!("a map: {p:?}");
        };
        assert!(matches!(
            &entries[0].1.kind,
            PatternKind::Matchers(ms) if matches!(&ms[0], Matcher::Regex(re) if re.is_match("req-12"))
        ));
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let (_, problems) =
            compile("a: {$regex: '('}\nb: {$tpye: uuid}\nc: {$len: -1}\nd: {$x: 1, y: 2}\n");
        let lines: Vec<u32> = problems.iter().map(|p| p.pos.line).collect();
        assert_eq!(lines, [1, 2, 3, 4], "{problems:?}");
        assert!(
            problems[1].message.contains("did you mean `$type`?"),
            "{problems:?}"
        );
    }
}
