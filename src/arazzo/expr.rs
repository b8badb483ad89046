//! Arazzo runtime expressions: [`Expr`] parsed once from `$statusCode`, `$response.body#/id`,
//! `$steps.create.outputs.id` and the rest of the specification's ABNF, evaluated against a
//! [`Context`] that supplies one step's values; [`Interpolated`] for strings with `{$...}` inside.

use serde_json::Value;

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
    Err(ExprError {
        offset: 0,
        len: text.len(),
        message: "runtime expressions are not implemented yet".into(),
        help: None,
    })
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
pub fn interpolate(text: &str) -> Result<Interpolated, ExprError> {
    Ok(Interpolated(vec![Piece::Text(text.to_string())]))
}

impl Interpolated {
    /// The string with each expression replaced by its value; a string that is exactly one
    /// expression keeps the value's JSON type.
    pub fn render(&self, ctx: &dyn Context) -> Result<Value, EvalError> {
        let _ = ctx;
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Expr(e) => {
                    return Err(EvalError {
                        expr: e.source.clone(),
                        reason: "not implemented yet".into(),
                    });
                }
            }
        }
        Ok(Value::String(out))
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
    /// A request header, by name (case-insensitive).
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
    /// A response header, by name (case-insensitive).
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
    let _ = ctx;
    Err(EvalError {
        expr: expr.source.clone(),
        reason: "not implemented yet".into(),
    })
}
