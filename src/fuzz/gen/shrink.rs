//! [`smaller`]: the one-step-smaller variants of a value, for shrinking a failing request.

use serde_json::{Map, Value};

/// Variants of a nested value tried per child: the first few are the big steps.
const PER_CHILD: usize = 4;

/// Smaller variants of `value`, the change to the value itself first (drop an object key,
/// halve a string or an array, move a number toward 0), then the same inside each child. Pure:
/// the caller keeps those that still fail, and still are valid (or still break the same rule).
pub fn smaller(value: &Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::Bool(b) => {
            if *b {
                vec![Value::Bool(false)]
            } else {
                Vec::new()
            }
        }
        Value::Number(n) => number(n),
        Value::String(s) => string(s),
        Value::Array(items) => array(items),
        Value::Object(map) => object(map),
    }
}

fn number(n: &serde_json::Number) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(i) = n.as_i64() {
        for c in [0, i / 2, i - i.signum()] {
            if c != i && !out.contains(&Value::from(c)) {
                out.push(Value::from(c));
            }
        }
    } else if let Some(f) = n.as_f64() {
        for c in [0.0, f.trunc(), f / 2.0] {
            if c != f
                && let Some(v) = serde_json::Number::from_f64(c).map(Value::Number)
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
    }
    out
}

/// The first half, the second half (so a character that breaks the server is found wherever
/// it is, halving toward it), the string without its ASCII letters and digits (what is left
/// of a hostile string is mostly what breaks it), then all but the last character.
fn string(s: &str) -> Vec<Value> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let unusual: String = chars
        .iter()
        .filter(|c| !c.is_ascii_alphanumeric())
        .collect();
    let candidates: [(bool, String); 4] = [
        (n / 2 < n, chars[..n / 2].iter().collect()),
        (n >= 2, chars[n / 2..].iter().collect()),
        (!unusual.is_empty() && unusual.chars().count() < n, unusual),
        (n >= 1, chars[..n.saturating_sub(1)].iter().collect()),
    ];
    let mut out = Vec::new();
    for (smaller, text) in candidates {
        let v = Value::String(text);
        if smaller && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn array(items: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let n = items.len();
    for v in [
        items[..n / 2].to_vec(),
        items[..n.saturating_sub(1)].to_vec(),
        items.get(1..).map(<[Value]>::to_vec).unwrap_or_default(),
    ] {
        let v = Value::Array(v);
        if n > 0 && !out.contains(&v) {
            out.push(v);
        }
    }
    for (i, item) in items.iter().enumerate() {
        for s in smaller(item).into_iter().take(PER_CHILD) {
            let mut copy = items.to_vec();
            copy[i] = s;
            out.push(Value::Array(copy));
        }
    }
    out
}

fn object(map: &Map<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for key in map.keys() {
        let mut copy = map.clone();
        copy.shift_remove(key);
        out.push(Value::Object(copy));
    }
    for (key, child) in map {
        for s in smaller(child).into_iter().take(PER_CHILD) {
            let mut copy = map.clone();
            copy.insert(key.clone(), s);
            out.push(Value::Object(copy));
        }
    }
    out
}
