//! Arazzo success criteria: a [`Criterion`] compiled once from a condition, an optional context
//! expression and a [`CriterionType`] (simple, regex, JSONPath; XPath refused), then evaluated
//! against a step's [`Context`].

use super::expr::{Context, EvalError, ExprError};

/// The criterion's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CriterionType {
    /// The simple condition grammar (the default).
    Simple,
    /// A regular expression applied to the context's value.
    Regex,
    /// A JSONPath query (RFC 9535) over the context's value.
    JsonPath {
        /// The criterion expression type object's version, e.g. `draft-goessner-dispatch-jsonpath-00`.
        version: Option<String>,
    },
    /// An XPath expression, which conform does not evaluate.
    XPath {
        /// The XPath version given, e.g. `xpath-30`.
        version: Option<String>,
    },
}

/// A criterion compiled once.
#[derive(Debug, Clone)]
pub struct Criterion {
    condition: String,
}

/// Compiles a criterion; `context` is the runtime expression it applies to (required for regex
/// and JSONPath).
pub fn compile(
    condition: &str,
    context: Option<&str>,
    ty: CriterionType,
) -> Result<Criterion, ExprError> {
    let _ = (context, ty);
    Err(ExprError {
        offset: 0,
        len: condition.len(),
        message: "criteria are not implemented yet".into(),
        help: None,
    })
}

impl Criterion {
    /// Whether the criterion holds for this step.
    pub fn holds(&self, ctx: &dyn Context) -> Result<bool, EvalError> {
        let _ = ctx;
        Err(EvalError {
            expr: self.condition.clone(),
            reason: "not implemented yet".into(),
        })
    }

    /// The criterion as a failure message shows it, e.g. "$statusCode == 200".
    pub fn describe(&self) -> String {
        self.condition.clone()
    }
}
