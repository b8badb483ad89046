//! The lexer of `simple` conditions: [`lex`] cuts a condition into operators, literals and
//! runtime expression operands (with their `.name` / `[0]` dereferences), each with its span.

use serde_json::Value;

use super::EXAMPLE;
use crate::arazzo::criteria::compare::CmpOp;
use crate::arazzo::expr::{self, Expr, ExprError};

/// A property (`.name`) or index (`[0]`) dereference after an expression.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::arazzo::criteria) enum Deref {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Open,
    Close,
    Not,
    And,
    Or,
    Cmp(CmpOp),
    Lit(Value),
    Operand(Expr, Vec<Deref>),
}

pub(super) fn lex(text: &str) -> Result<Vec<(Tok, usize, usize)>, ExprError> {
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
    Err(ExprError::at(
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
        Err(_) => Err(ExprError::at(
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
            return Err(ExprError::at(
                at,
                1,
                "`=` alone is not an operator",
                "compare with `==`, e.g. `$statusCode == 200`",
            ));
        }
        "\"" => {
            return Err(ExprError::at(
                at,
                1,
                "strings are in single quotes",
                "write `'ok'`, not `\"ok\"`",
            ));
        }
        _ => {
            return Err(ExprError::at(
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
    let derefs = derefs(at + split, &token[split..])?;
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

fn derefs(at: usize, tail: &str) -> Result<Vec<Deref>, ExprError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tail.len() {
        let rest = &tail[i..];
        if let Some(key) = rest.strip_prefix('.') {
            let len = key.find(['.', '[']).unwrap_or(key.len());
            if len == 0 {
                return Err(ExprError::at(
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
                return Err(ExprError::at(
                    at + i,
                    len,
                    "expected an index such as `[0]`",
                    "an index is a whole number in brackets, e.g. `$response.body.items[0]`",
                ));
            };
            out.push(Deref::Index(n));
            i += 2 + c;
        } else {
            return Err(ExprError::at(
                at + i,
                rest.len(),
                format!("unexpected `{rest}`"),
                "after an expression come `.name` or `[0]`, then an operator",
            ));
        }
    }
    Ok(out)
}
