//! Expected-vs-actual diffs of JSON values with `similar`: pretty-printed with sorted keys so
//! key order never shows as a difference, a small context radius, colored on a terminal.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

/// JSON pretty-printed with keys sorted at every level, ending with a newline.
pub fn canonical(value: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sort(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    let mut text = serde_json::to_string_pretty(&sort(value)).unwrap_or_default();
    text.push('\n');
    text
}

/// A unified diff of `expected` against `actual`; empty when they print the same.
pub fn unified(expected: &Value, actual: &Value, color: bool) -> String {
    let a = canonical(expected);
    let b = canonical(actual);
    if a == b {
        return String::new();
    }
    let diff = TextDiff::from_lines(&a, &b);
    let mut out = String::new();
    out.push_str(&paint("--- expected\n", "31", color));
    out.push_str(&paint("+++ actual\n", "32", color));
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        let header = format!(
            "@@ -{},{} +{},{} @@\n",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        );
        out.push_str(&paint(&header, "36", color));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ("-", "31"),
                    ChangeTag::Insert => ("+", "32"),
                    ChangeTag::Equal => (" ", ""),
                };
                // A control character in a target's value is shown escaped before any colour.
                let line = format!("{sign}{}", crate::term::escape_controls(change.value()));
                let line = if line.ends_with('\n') {
                    line
                } else {
                    format!("{line}\n")
                };
                out.push_str(&if code.is_empty() {
                    line
                } else {
                    paint(&line, code, color)
                });
            }
        }
    }
    out
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    match text.strip_suffix('\n') {
        Some(body) => format!("\x1b[{code}m{body}\x1b[0m\n"),
        None => format!("\x1b[{code}m{text}\x1b[0m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_is_not_a_difference() {
        assert_eq!(
            unified(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1}), false),
            ""
        );
    }

    #[test]
    fn shows_only_the_change_with_context() {
        let exp = json!({"Result": true, "RequestId": "X"});
        let act = json!({"Result": "true", "RequestId": "X"});
        let d = unified(&exp, &act, false);
        assert!(d.contains("-  \"Result\": true\n"), "{d}");
        assert!(d.contains("+  \"Result\": \"true\"\n"), "{d}");
        assert!(!d.contains('\x1b'));
        assert!(unified(&exp, &act, true).contains("\x1b[31m"));
    }
}
