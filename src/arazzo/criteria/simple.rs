//! The `simple` condition language: literals (`200`, `'it''s'`, `true`, `null`), runtime
//! expressions with `.name` / `[0]` dereferences, comparisons, `!`, `&&`, `||` and parentheses,
//! parsed once into a [`Cond`] tree. Precedence, tightest first: `!`, comparisons, `&&`, `||`.

use serde_json::Value;

use super::compare::{CmpOp, compare};
use crate::arazzo::expr::{self, Context, EvalError, Expr, ExprError};

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

/// A property (`.name`) or index (`[0]`) dereference after an expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Deref {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Not,
    And,
    Or,
    Cmp(CmpOp),
    Lit(Value),
    Operand(Expr, Vec<Deref>),
}

const EXAMPLE: &str = "e.g. `$statusCode == 200 && $response.body#/status == 'ok'`";

fn err(
    offset: usize,
    len: usize,
    message: impl Into<String>,
    help: impl Into<String>,
) -> ExprError {
    ExprError {
        offset,
        len: len.max(1),
        message: message.into(),
        help: Some(help.into()),
    }
}

/// Parses a whole simple condition.
pub(super) fn parse(text: &str) -> Result<Cond, ExprError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(err(
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
        Some((_, off, len)) => Err(err(
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

fn lex(text: &str) -> Result<Vec<(Tok, usize, usize)>, ExprError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            at += c.len_utf8();
            continue;
        }
        let two = rest.get(..2).unwrap_or("");
        let (tok, len) = match (two, c) {
            ("==", _) => (Tok::Cmp(CmpOp::Eq), 2),
            ("!=", _) => (Tok::Cmp(CmpOp::Ne), 2),
            ("<=", _) => (Tok::Cmp(CmpOp::Le), 2),
            (">=", _) => (Tok::Cmp(CmpOp::Ge), 2),
            ("&&", _) => (Tok::And, 2),
            ("||", _) => (Tok::Or, 2),
            (_, '<') => (Tok::Cmp(CmpOp::Lt), 1),
            (_, '>') => (Tok::Cmp(CmpOp::Gt), 1),
            (_, '!') => (Tok::Not, 1),
            (_, '(') => (Tok::Open, 1),
            (_, ')') => (Tok::Close, 1),
            (_, '\'') => string(text, at)?,
            (_, '$') => operand(text, at)?,
            (_, '0'..='9' | '-') => number(text, at)?,
            _ => word(text, at)?,
        };
        out.push((tok, at, len));
        at += len;
    }
    Ok(out)
}

/// `'...'` with `''` for a quote inside.
fn string(text: &str, at: usize) -> Result<(Tok, usize), ExprError> {
    let mut value = String::new();
    let mut chars = text[at + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            value.push(c);
        } else if chars.peek().map(|(_, c)| *c) == Some('\'') {
            value.push('\'');
            chars.next();
        } else {
            return Ok((Tok::Lit(Value::String(value)), i + 2));
        }
    }
    Err(err(
        at,
        text.len() - at,
        "this string is never closed",
        "end it with `'`; a quote inside a string is written twice: `'it''s'`",
    ))
}

fn number(text: &str, at: usize) -> Result<(Tok, usize), ExprError> {
    let len = text[at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
        .unwrap_or(text.len() - at);
    let raw = &text[at..at + len];
    match serde_json::from_str::<serde_json::Number>(raw) {
        Ok(n) => Ok((Tok::Lit(Value::Number(n)), len)),
        Err(_) => Err(err(
            at,
            len,
            format!("`{raw}` is not a number"),
            "write a number as JSON does: `200`, `-1`, `0.5`, `1e3`",
        )),
    }
}

fn word(text: &str, at: usize) -> Result<(Tok, usize), ExprError> {
    let len = text[at..]
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(text.len() - at);
    let len = if len == 0 {
        text[at..].chars().next().map_or(1, char::len_utf8)
    } else {
        len
    };
    let raw = &text[at..at + len];
    let lit = match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "=" => {
            return Err(err(
                at,
                1,
                "`=` alone is not an operator",
                "compare with `==`, e.g. `$statusCode == 200`",
            ));
        }
        "\"" => {
            return Err(err(
                at,
                1,
                "strings are in single quotes",
                "write `'ok'`, not `\"ok\"`",
            ));
        }
        _ => {
            return Err(err(
                at,
                len,
                format!("unexpected `{raw}`"),
                format!(
                    "a condition compares runtime expressions and literals (numbers, 'strings', true, false, null), {EXAMPLE}"
                ),
            ));
        }
    };
    Ok((Tok::Lit(lit), len))
}

/// A runtime expression, then its `.key` / `[n]` dereferences.
fn operand(text: &str, at: usize) -> Result<(Tok, usize), ExprError> {
    let rest = &text[at..];
    let bytes = rest.as_bytes();
    let mut len = rest.len();
    for (i, c) in rest.char_indices() {
        let next = bytes.get(i + 1).copied();
        let stop = c.is_whitespace()
            || matches!(c, '(' | ')' | '<' | '>' | '=')
            || (c == '!' && next == Some(b'='))
            || (c == '&' && next == Some(b'&'))
            || (c == '|' && next == Some(b'|'));
        if stop {
            len = i;
            break;
        }
    }
    let token = &rest[..len];
    let split = deref_start(token);
    let expr = expr::parse(&token[..split]).map_err(|e| ExprError {
        offset: e.offset + at,
        ..e
    })?;
    let derefs = derefs(text, at + split, &token[split..])?;
    Ok((Tok::Operand(expr, derefs), len))
}

/// Where dereferences start: `$response.body.count` reads `count` of the body (1.1's examples
/// write it so); a pointer (`#`) takes the rest of the token as its own.
fn deref_start(token: &str) -> usize {
    if token.contains('#') {
        return token.len();
    }
    for body in ["$response.body", "$request.body"] {
        if let Some(tail) = token.strip_prefix(body)
            && tail.starts_with(['.', '['])
        {
            return body.len();
        }
    }
    token.find('[').unwrap_or(token.len())
}

fn derefs(text: &str, at: usize, tail: &str) -> Result<Vec<Deref>, ExprError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tail.len() {
        let rest = &tail[i..];
        if let Some(key) = rest.strip_prefix('.') {
            let len = key.find(['.', '[']).unwrap_or(key.len());
            if len == 0 {
                return Err(err(
                    at + i,
                    1,
                    "expected a property name after `.`",
                    "for example `$response.body.items[0].id`",
                ));
            }
            out.push(Deref::Key(key[..len].to_string()));
            i += 1 + len;
        } else if let Some(idx) = rest.strip_prefix('[') {
            let close = idx.find(']');
            let n = close.and_then(|c| idx[..c].parse::<usize>().ok());
            let (Some(c), Some(n)) = (close, n) else {
                let len = close.map_or(rest.len(), |c| c + 2);
                return Err(err(
                    at + i,
                    len,
                    "expected an index such as `[0]`",
                    "an index is a whole number in brackets, e.g. `$response.body.items[0]`",
                ));
            };
            out.push(Deref::Index(n));
            i += 2 + c;
        } else {
            return Err(err(
                at + i,
                rest.len(),
                format!("unexpected `{rest}`"),
                "after an expression come `.name` or `[0]`, then an operator",
            ));
        }
    }
    let _ = text;
    Ok(out)
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
            return Err(err(
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
                    return Err(err(
                        off,
                        len,
                        "this `(` is never closed",
                        "add the `)` that ends the group",
                    ));
                }
                self.at += 1;
                Ok(inner)
            }
            Tok::Close | Tok::And | Tok::Or | Tok::Cmp(_) => Err(err(
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
