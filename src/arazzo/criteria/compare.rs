//! Comparison of two JSON values in a simple condition, with Arazzo's loose rules: strings
//! compare case-insensitively, a numeric string compared with a number is a number, `null`
//! equals only `null`, and ordering values of different kinds is an error rather than false.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn accepts(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// `l op r`, or why the two cannot be ordered.
pub(super) fn compare(op: CmpOp, l: &Value, r: &Value) -> Result<bool, String> {
    let equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
    let ord = match (l, r) {
        (Value::Number(a), Value::Number(b)) => numbers(a, b),
        (Value::Number(a), Value::String(s)) => numeric(s).and_then(|b| numbers(a, &b)),
        (Value::String(s), Value::Number(b)) => numeric(s).and_then(|a| numbers(&a, b)),
        (Value::String(a), Value::String(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Bool(a), Value::Bool(b)) if equality => Some(a.cmp(b)),
        // null equals only null, and is neither less nor more than anything.
        (Value::Null, _) | (_, Value::Null) if !equality => return Ok(false),
        _ if equality => Some(if l == r {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        _ => None,
    };
    match ord {
        Some(ord) => Ok(op.accepts(ord)),
        None if equality => Ok(op == CmpOp::Ne),
        None => Err(format!(
            "`{}` orders numbers or strings, not {} and {}",
            op.symbol(),
            kind(l),
            kind(r)
        )),
    }
}

/// A string that reads as a number (`"3"`, `" 2.5 "`), as Arazzo coerces numeric strings.
fn numeric(s: &str) -> Option<Number> {
    serde_json::from_str::<Number>(s.trim()).ok()
}

fn numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
