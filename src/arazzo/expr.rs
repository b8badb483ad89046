//! Arazzo runtime expressions: [`Expr`] parsed once from `$statusCode`, `$response.body#/id`,
//! `$steps.create.outputs.id` and the rest of the specification's ABNF, evaluated against a
//! [`Context`] that supplies one step's values; [`Interpolated`] for strings with `{$...}` inside.
//!
//! The grammar is Arazzo 1.1's, which every expression of 1.0.x's examples satisfies. What 1.1
//! changed, and how conform reads it:
//! - 1.0.1 wrote `$inputs.`, `$steps.`, `$workflows.`… followed by any `name`; 1.1 gives each its
//!   shape: `$steps.ID.outputs.NAME`, `$workflows.ID.inputs|outputs.NAME`, ids of letters,
//!   digits, `-` and `_`, names that may contain dots, and a `#/pointer` after any of them.
//!   conform parses the 1.1 shapes, and also reads `$inputs.user.name` as the member `name` of
//!   the input `user` when no input is named `user.name`.
//! - 1.1 adds `$message.…` (AsyncAPI) and `$self`: refused with a message, since conform runs
//!   HTTP steps and resolves the document itself.
//! - 1.1 says how an embedded value becomes text (strings as is, objects and arrays as JSON)
//!   and excludes `{` and `}` from names and pointers, so that `{$…}` ends unambiguously; only
//!   `{$` opens an expression here, other braces stay literal text.
//! - `$components.inputs.…` (1.0.1's components have `inputs`) is still accepted.

use serde_json::Value;

mod eval;
mod parse;
#[cfg(test)]
pub(in crate::arazzo) mod tests;

/// One runtime expression, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression names.
    pub kind: ExprKind,
    /// The expression as written.
    pub source: String,
}

/// What a runtime expression names.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `$url`
    Url,
    /// `$method`
    Method,
    /// `$statusCode`
    StatusCode,
    /// `$request.header.NAME`
    RequestHeader(String),
    /// `$request.query.NAME`
    RequestQuery(String),
    /// `$request.path.NAME`
    RequestPath(String),
    /// `$request.body` with an optional JSON pointer (`#/a/b`, kept with its `#`).
    RequestBody(Option<String>),
    /// `$response.header.NAME`
    ResponseHeader(String),
    /// `$response.body` with an optional JSON pointer.
    ResponseBody(Option<String>),
    /// `$inputs.NAME` with the rest after the name (`#/pointer` or `.deeper`).
    Inputs(String, Option<String>),
    /// `$outputs.NAME` with the rest after the name.
    Outputs(String, Option<String>),
    /// `$steps.ID.REST`, e.g. rest `outputs.id` or `outputs.body#/id`.
    Steps {
        /// The step id.
        step: String,
        /// The dotted path after the id, with an optional `#/pointer`.
        rest: String,
    },
    /// `$workflows.ID.REST`, e.g. rest `outputs.token` or `inputs.user`.
    Workflows {
        /// The workflow id.
        workflow: String,
        /// The dotted path after the id, with an optional `#/pointer`.
        rest: String,
    },
    /// `$sourceDescriptions.NAME.REST`, e.g. rest `url`.
    SourceDescriptions {
        /// The source description name.
        name: String,
        /// The dotted path after the name.
        rest: String,
    },
    /// `$components.KIND.NAME(.REST)`, e.g. `$components.parameters.page`.
    Components {
        /// `inputs`, `parameters`, `successActions`, `failureActions`.
        kind: String,
        /// The component's name.
        name: String,
        /// What follows the name, if anything.
        rest: Option<String>,
    },
}

/// A runtime expression that does not parse: where (within the text given) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// Byte offset of the bad token within the text given to [`parse`] or [`interpolate`].
    pub offset: usize,
    /// Byte length of the bad token (at least 1 where the text has a byte there).
    pub len: usize,
    /// What is wrong.
    pub message: String,
    /// The fix, with a valid example.
    pub help: Option<String>,
}

impl ExprError {
    /// An error at `offset` spanning `len` bytes (at least one, so a caret always shows).
    pub(crate) fn at(
        offset: usize,
        len: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ExprError {
            offset,
            len: len.max(1),
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

/// An expression that parsed but has no value in this context.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{expr}`: {reason}")]
pub struct EvalError {
    /// The expression as written.
    pub expr: String,
    /// What had no value, e.g. "step `create` has no output `id`".
    pub reason: String,
}

/// Parses one whole runtime expression, such as `$response.body#/id`.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    parse::parse_expr(text)
}

/// One part of a string with embedded expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// An embedded `{$...}` expression.
    Expr(Expr),
}

/// A string with `{$...}` expressions embedded, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpolated(pub Vec<Piece>);

/// Parses a string with runtime expressions embedded in braces: `Bearer {$inputs.token}`.
/// Only `{$` opens an expression: other braces are literal text, so JSON and regex quantifiers
/// (`\d{3}`) pass through.
pub fn interpolate(text: &str) -> Result<Interpolated, ExprError> {
    let mut pieces = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("{$") {
        let open = at + found;
        if open > at {
            pieces.push(Piece::Text(text[at..open].to_string()));
        }
        let Some(len) = text[open..].find('}') else {
            return Err(ExprError {
                offset: open,
                len: text.len() - open,
                message: "`{` opens an embedded expression that is never closed".into(),
                help: Some("close it with `}`, e.g. `Bearer {$inputs.token}`".into()),
            });
        };
        let inner = &text[open + 1..open + len];
        let expr = parse(inner).map_err(|e| ExprError {
            offset: e.offset + open + 1,
            ..e
        })?;
        pieces.push(Piece::Expr(expr));
        at = open + len + 1;
    }
    if at < text.len() || pieces.is_empty() {
        pieces.push(Piece::Text(text[at..].to_string()));
    }
    Ok(Interpolated(pieces))
}

impl Interpolated {
    /// The string with each expression replaced by its value; a string that is exactly one
    /// expression keeps the value's JSON type.
    /// Embedded values become text as Arazzo 1.1 says: a string as is, other scalars as written,
    /// objects and arrays as JSON.
    pub fn render(&self, ctx: &dyn Context) -> Result<Value, EvalError> {
        if let [Piece::Expr(e)] = self.0.as_slice() {
            return eval(e, ctx);
        }
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Expr(e) => match eval(e, ctx)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Ok(Value::String(out))
    }

    /// Whether the string embeds no expression at all.
    pub fn is_literal(&self) -> bool {
        self.0.iter().all(|p| matches!(p, Piece::Text(_)))
    }
}

/// The values of one step that expressions read. Every method defaults to "no value".
pub trait Context {
    /// The request's full URL.
    fn url(&self) -> Option<String> {
        None
    }
    /// The request's method, upper case.
    fn method(&self) -> Option<String> {
        None
    }
    /// The response's status code.
    fn status(&self) -> Option<u16> {
        None
    }
    /// A request header, by name: the context compares names case-insensitively.
    fn request_header(&self, _name: &str) -> Option<String> {
        None
    }
    /// A request query parameter.
    fn request_query(&self, _name: &str) -> Option<String> {
        None
    }
    /// A request path parameter.
    fn request_path(&self, _name: &str) -> Option<String> {
        None
    }
    /// The request body as JSON.
    fn request_body(&self) -> Option<&Value> {
        None
    }
    /// A response header, by name: the context compares names case-insensitively.
    fn response_header(&self, _name: &str) -> Option<String> {
        None
    }
    /// The response body as JSON.
    fn response_body(&self) -> Option<&Value> {
        None
    }
    /// The response body as text (when it is not JSON).
    fn response_text(&self) -> Option<&str> {
        None
    }
    /// A workflow input.
    fn input(&self, _name: &str) -> Option<Value> {
        None
    }
    /// A workflow output computed so far.
    fn output(&self, _name: &str) -> Option<Value> {
        None
    }
    /// An output of an earlier step.
    fn step_output(&self, _step: &str, _name: &str) -> Option<Value> {
        None
    }
    /// A value of another workflow: `rest` is e.g. `outputs.token` or `inputs.user`.
    fn workflow_value(&self, _workflow: &str, _rest: &str) -> Option<Value> {
        None
    }
    /// A source description's URL.
    fn source_url(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The value of an expression in a context.
pub fn eval(expr: &Expr, ctx: &dyn Context) -> Result<Value, EvalError> {
    eval::eval_expr(expr, ctx)
}
