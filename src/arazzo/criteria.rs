//! Arazzo success criteria: a [`Criterion`] compiled once from a condition, an optional context
//! expression and a [`CriterionType`], then evaluated against a step's [`Context`].
//!
//! - `simple`: literals (`200`, `'it''s'`, `true`, `null`), runtime expressions (with `.name` and
//!   `[0]` after them, as in `$response.body.items[0].id`), `==`, `!=`, `<`, `<=`, `>`, `>=`,
//!   `!`, `&&`, `||` and parentheses; tightest first: `!`, comparisons, `&&`, `||`.
//! - `regex`: the pattern (Rust's `regex` syntax) found anywhere in the context's value as text
//!   ([`regex::Regex::is_match`]: the specification says the pattern "matches" the value, not
//!   that it matches all of it; anchor with `^…$` for a whole match).
//! - `jsonpath`: an RFC 9535 query over the context's value, true when it selects at least one
//!   node (`serde_json_path`). A filter such as `$[?count(@.pets) > 0]` selects among the
//!   context's children, so its context is the array (or object) whose members are tested.
//! - `xpath`: refused when compiled; conform has no XPath engine.
//!
//! Both 1.0.1 and 1.1 say that string comparisons in simple conditions are case-insensitive
//! (`'OK' == 'ok'` holds), and 1.1 that numeric strings compare as numbers (a header `'3' > 2`);
//! comparing `null` with anything but `null` is false, ordering other mixed kinds is an error.
//!
//! Arazzo 1.1 lets `regex` and `jsonpath` conditions embed `{$…}` expressions, substituted before
//! the pattern is compiled: such a criterion compiles its pattern at each evaluation instead of
//! once. A `null` context fails a regex or JSONPath criterion, as the specification says; a
//! context with no value at all is an [`EvalError`] that names what was missing.

mod compare;
mod simple;
#[cfg(test)]
mod tests;

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use super::expr::{self, Context, EvalError, Expr, ExprError, Interpolated};

/// The criterion's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CriterionType {
    /// The simple condition grammar (the default).
    Simple,
    /// A regular expression applied to the context's value.
    Regex,
    /// A JSONPath query over the context's value.
    JsonPath {
        /// The Expression Type Object's `version`: `rfc9535` (the default) is the one conform
        /// evaluates.
        version: Option<String>,
    },
    /// An XPath expression, which conform does not evaluate.
    XPath {
        /// The XPath version given, e.g. `xpath-30` (default `xpath-31`).
        version: Option<String>,
    },
}

/// A criterion compiled once.
#[derive(Debug, Clone)]
pub struct Criterion {
    condition: String,
    context: Option<Expr>,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Simple(simple::Cond),
    Regex(Pattern<Regex>),
    JsonPath(Pattern<JsonPath>),
}

/// A pattern compiled once, or, when it embeds `{$…}`, compiled after substitution.
#[derive(Debug, Clone)]
enum Pattern<T> {
    Ready(T),
    Embedded(Interpolated),
}

/// Compiles a criterion. `context` is the runtime expression the condition applies to (required
/// for `regex` and `jsonpath`). Offsets in the error are within `condition`, except for an error
/// in `context`, whose message starts with "in `context`" and whose offsets are within `context`.
pub fn compile(
    condition: &str,
    context: Option<&str>,
    ty: CriterionType,
) -> Result<Criterion, ExprError> {
    let context = context
        .map(|c| {
            expr::parse(c).map_err(|e| ExprError {
                message: format!("in `context`: {}", e.message),
                ..e
            })
        })
        .transpose()?;
    let test = match ty {
        CriterionType::Simple => Test::Simple(simple::parse(condition)?),
        CriterionType::Regex => {
            need_context(condition, context.as_ref(), "regex", "$statusCode")?;
            Test::Regex(pattern(condition, |p| regex(p, 0))?)
        }
        CriterionType::JsonPath { version } => {
            jsonpath_version(condition, version.as_deref())?;
            need_context(condition, context.as_ref(), "jsonpath", "$response.body")?;
            Test::JsonPath(pattern(condition, jsonpath)?)
        }
        CriterionType::XPath { version } => return Err(xpath(condition, version.as_deref())),
    };
    Ok(Criterion {
        condition: condition.to_string(),
        context,
        test,
    })
}

fn pattern<T>(
    condition: &str,
    build: impl Fn(&str) -> Result<T, ExprError>,
) -> Result<Pattern<T>, ExprError> {
    let embedded = expr::interpolate(condition)?;
    if embedded.is_literal() {
        Ok(Pattern::Ready(build(condition)?))
    } else {
        Ok(Pattern::Embedded(embedded))
    }
}

fn need_context(
    condition: &str,
    context: Option<&Expr>,
    ty: &str,
    example: &str,
) -> Result<(), ExprError> {
    if context.is_some() {
        return Ok(());
    }
    Err(ExprError {
        offset: 0,
        len: condition.len().max(1),
        message: format!("a `{ty}` criterion needs a `context`: the value its condition tests"),
        help: Some(format!("add `context: {example}` beside `condition`")),
    })
}

fn regex(pattern: &str, offset: usize) -> Result<Regex, ExprError> {
    Regex::new(pattern).map_err(|e| ExprError {
        offset,
        len: pattern.len().max(1),
        message: format!("`{pattern}` is not a regular expression conform reads: {e}"),
        help: Some(
            "write it in Rust `regex` syntax (no look-around or back-references), e.g. `^2\\d{2}$`"
                .into(),
        ),
    })
}

fn jsonpath(query: &str) -> Result<JsonPath, ExprError> {
    JsonPath::parse(query).map_err(|e| ExprError {
        offset: e.position().min(query.len()),
        len: 1,
        message: format!(
            "`{query}` is not an RFC 9535 JSONPath query: {}",
            e.message()
        ),
        help: Some("for example `$[?count(@.pets) > 0]` or `$.items[?@.status == 'ok']`".into()),
    })
}

fn jsonpath_version(condition: &str, version: Option<&str>) -> Result<(), ExprError> {
    match version {
        None | Some("rfc9535") => Ok(()),
        Some(other) => Err(ExprError {
            offset: 0,
            len: condition.len().max(1),
            message: format!("conform evaluates JSONPath as RFC 9535, not `{other}`"),
            help: Some(
                "write the query in RFC 9535 syntax and set `version: rfc9535`, or leave out the version"
                    .into(),
            ),
        }),
    }
}

fn xpath(condition: &str, version: Option<&str>) -> ExprError {
    ExprError {
        offset: 0,
        len: condition.len().max(1),
        message: format!(
            "conform does not evaluate `xpath` criteria ({}): it has no XPath engine",
            version.unwrap_or("xpath-31")
        ),
        help: Some(
            "for a JSON body write `type: jsonpath` with `context: $response.body` and a query such as \
             `$[?@.status == 'ok']`, or a simple condition such as `$response.body#/status == 'ok'`"
                .into(),
        ),
    }
}

impl Criterion {
    /// Whether the criterion holds for this step; an [`EvalError`] when a value it reads is
    /// missing, which the caller reports as a failure with that reason.
    pub fn holds(&self, ctx: &dyn Context) -> Result<bool, EvalError> {
        match &self.test {
            Test::Simple(cond) => simple::holds(cond, &self.condition, ctx),
            Test::Regex(p) => {
                let Some(text) = self.context_text(ctx)? else {
                    return Ok(false);
                };
                Ok(self.ready(p, ctx, |s| regex(s, 0))?.is_match(&text))
            }
            Test::JsonPath(p) => {
                let value = self.context_value(ctx)?;
                if value.is_null() {
                    return Ok(false);
                }
                Ok(!self.ready(p, ctx, jsonpath)?.query(&value).is_empty())
            }
        }
    }

    /// The pattern, compiled now if it embeds expressions.
    fn ready<'a, T: Clone>(
        &self,
        p: &'a Pattern<T>,
        ctx: &dyn Context,
        build: impl Fn(&str) -> Result<T, ExprError>,
    ) -> Result<std::borrow::Cow<'a, T>, EvalError> {
        match p {
            Pattern::Ready(t) => Ok(std::borrow::Cow::Borrowed(t)),
            Pattern::Embedded(i) => {
                let text = match i.render(ctx)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                build(&text)
                    .map(std::borrow::Cow::Owned)
                    .map_err(|e| EvalError {
                        expr: self.condition.clone(),
                        reason: e.message,
                    })
            }
        }
    }

    fn context_value(&self, ctx: &dyn Context) -> Result<Value, EvalError> {
        match &self.context {
            Some(c) => expr::eval(c, ctx),
            None => Ok(Value::Null),
        }
    }

    /// The context as the text a regex tests: a string as is, other scalars as written, `None`
    /// for null (which fails the criterion).
    fn context_text(&self, ctx: &dyn Context) -> Result<Option<String>, EvalError> {
        Ok(match self.context_value(ctx)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// The criterion as a failure message shows it: "$statusCode == 200",
    /// "regex `^2` on $statusCode", "jsonpath `$[?@.id]` on $response.body".
    pub fn describe(&self) -> String {
        let on = self.context.as_ref().map_or("", |c| c.source.as_str());
        match self.test {
            Test::Simple(_) => self.condition.clone(),
            Test::Regex(_) => format!("regex `{}` on {on}", self.condition),
            Test::JsonPath(_) => format!("jsonpath `{}` on {on}", self.condition),
        }
    }
}
