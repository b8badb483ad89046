//! The `simple` condition language: literals (`200`, `'it''s'`, `true`, `null`), runtime
//! expressions with `.name` / `[0]` dereferences, comparisons, `!`, `&&`, `||` and parentheses,
//! parsed once into a [`Cond`] tree. Precedence, tightest first: `!`, comparisons, `&&`, `||`.

use serde_json::Value;

use super::compare::{CmpOp, compare};
use crate::arazzo::expr::{self, Context, EvalError, Expr, ExprError};

mod lex;

pub(super) use lex::Deref;
use lex::{Tok, lex};

/// A parsed simple condition.
#[derive(Debug, Clone)]
pub(super) enum Cond {
    Lit(Value),
    Operand(Expr, Vec<Deref>),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Cmp(CmpOp, Box<Cond>, Box<Cond>),
}

const EXAMPLE: &str = "e.g. `$statusCode == 200 && $response.body#/status == 'ok'`";

/// Parses a whole simple condition.
pub(super) fn parse(text: &str) -> Result<Cond, ExprError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(ExprError::at(
            0,
            1,
            "the condition is empty",
            format!("write a condition, {EXAMPLE}"),
        ));
    }
    let mut p = Parser {
        toks,
        at: 0,
        end: text.len(),
    };
    let cond = p.or()?;
    match p.toks.get(p.at) {
        None => Ok(cond),
        Some((_, off, len)) => Err(ExprError::at(
            *off,
            *len,
            format!(
                "unexpected `{}` after a complete condition",
                &text[*off..off + len]
            ),
            format!("join conditions with `&&` or `||`, {EXAMPLE}"),
        )),
    }
}

struct Parser {
    toks: Vec<(Tok, usize, usize)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _, _)| t)
    }

    fn or(&mut self) -> Result<Cond, ExprError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, ExprError> {
        let mut left = self.cmp()?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            left = Cond::And(Box::new(left), Box::new(self.cmp()?));
        }
        Ok(left)
    }

    fn cmp(&mut self) -> Result<Cond, ExprError> {
        let left = self.unary()?;
        if let Some(Tok::Cmp(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            let right = self.unary()?;
            return Ok(Cond::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Cond, ExprError> {
        let Some((tok, off, len)) = self.toks.get(self.at).cloned() else {
            return Err(ExprError::at(
                self.end,
                1,
                "the condition ends where a value was expected",
                format!("complete it, {EXAMPLE}"),
            ));
        };
        self.at += 1;
        match tok {
            Tok::Not => Ok(Cond::Not(Box::new(self.unary()?))),
            Tok::Lit(v) => Ok(Cond::Lit(v)),
            Tok::Operand(e, d) => Ok(Cond::Operand(e, d)),
            Tok::Open => {
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(ExprError::at(
                        off,
                        len,
                        "this `(` is never closed",
                        "add the `)` that ends the group",
                    ));
                }
                self.at += 1;
                Ok(inner)
            }
            Tok::Close | Tok::And | Tok::Or | Tok::Cmp(_) => Err(ExprError::at(
                off,
                len,
                "expected a value (a runtime expression or a literal) here",
                format!("an operator stands between two values, {EXAMPLE}"),
            )),
        }
    }
}

/// Evaluates a condition to a boolean, as the criterion's pass or fail.
pub(super) fn holds(cond: &Cond, source: &str, ctx: &dyn Context) -> Result<bool, EvalError> {
    match cond {
        Cond::Not(inner) => Ok(!holds(inner, source, ctx)?),
        Cond::And(l, r) => Ok(holds(l, source, ctx)? && holds(r, source, ctx)?),
        Cond::Or(l, r) => Ok(holds(l, source, ctx)? || holds(r, source, ctx)?),
        other => match value(other, source, ctx)? {
            Value::Bool(b) => Ok(b),
            Value::Null => Ok(false),
            v => Err(EvalError {
                expr: describe_operand(other, source),
                reason: format!("is {v}, not a boolean: compare it, e.g. `== {v}`"),
            }),
        },
    }
}

fn describe_operand(cond: &Cond, source: &str) -> String {
    match cond {
        Cond::Operand(e, _) => e.source.clone(),
        _ => source.to_string(),
    }
}

fn value(cond: &Cond, source: &str, ctx: &dyn Context) -> Result<Value, EvalError> {
    match cond {
        Cond::Lit(v) => Ok(v.clone()),
        Cond::Operand(e, derefs) => {
            let mut v = expr::eval(e, ctx)?;
            for d in derefs {
                let next = match (d, &v) {
                    (Deref::Key(k), Value::Object(m)) => m.get(k).cloned(),
                    (Deref::Index(i), Value::Array(a)) => a.get(*i).cloned(),
                    _ => None,
                };
                v = next.ok_or_else(|| EvalError {
                    expr: e.source.clone(),
                    reason: match d {
                        Deref::Key(k) => format!("the value has no property `{k}`"),
                        Deref::Index(i) => format!("the value has no item [{i}]"),
                    },
                })?;
            }
            Ok(v)
        }
        Cond::Cmp(op, l, r) => {
            let (l, r) = (value(l, source, ctx)?, value(r, source, ctx)?);
            compare(*op, &l, &r)
                .map(Value::Bool)
                .map_err(|reason| EvalError {
                    expr: source.to_string(),
                    reason,
                })
        }
        Cond::Not(_) | Cond::And(..) | Cond::Or(..) => holds(cond, source, ctx).map(Value::Bool),
    }
}
