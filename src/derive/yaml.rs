//! A small YAML writer for the draft: block style, keys in order, and any string that YAML
//! could read as something else (`yes`, `200`, a pattern, `a: b`) double-quoted in JSON syntax,
//! which is valid YAML. The crate's YAML library is built for reading only.

use serde_json::Value;

/// `v` as a YAML document, ending with a newline.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    if is_inline(v) {
        out.push_str(&inline(v));
        out.push('\n');
    } else {
        block(&mut out, v, 0);
    }
    out
}

fn is_inline(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => true,
    }
}

fn block(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                out.push_str(&pad);
                out.push_str(&scalar(k));
                out.push(':');
                if is_inline(val) {
                    out.push(' ');
                    out.push_str(&inline(val));
                    out.push('\n');
                } else {
                    out.push('\n');
                    block(out, val, indent + 2);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                if is_inline(item) {
                    out.push(' ');
                    out.push_str(&inline(item));
                    out.push('\n');
                } else {
                    // The item's first line goes on the dash line, the rest below it.
                    let mut inner = String::new();
                    block(&mut inner, item, indent + 2);
                    out.push(' ');
                    out.push_str(inner.trim_start());
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&inline(v));
            out.push('\n');
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
        other => other.to_string(),
    }
}

/// A string plain when that is unambiguous, JSON-quoted otherwise.
fn scalar(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_alphanumeric() || " _-./(),".contains(c))
        && !s.ends_with(' ')
        && ![
            "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
        ]
        .contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_a_yaml_reader() {
        let v = json!({
            "openapi": "3.1.0",
            "paths": {"/a/{id}": {"post": {
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string", "pattern": "^[a-z]{1,20}$"}}],
                "responses": {"200": {"description": "yes: it worked"}, "404": {}},
                "x": [[1, 2], [], "no", null, {"k": [true]}]
            }}}
        });
        let text = to_yaml(&v);
        let back: Value = serde_saphyr::from_str(&text).expect("valid YAML");
        assert_eq!(back, v, "{text}");
        assert!(text.contains("- name: id\n"), "{text}");
    }
}
