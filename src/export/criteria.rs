//! A conform expectation ([`Expect`]) said as Arazzo success criteria: the status as `$statusCode`
//! conditions, header and body values as simple conditions on `$response.header.*` and
//! `$response.body#/pointer`, `$regex` as regex criteria. Matchers Arazzo has no form for are
//! noted as unsaid (the caller keeps the expectation as an extension).

use serde_json::{Value, json};

use crate::scenario::{Expect, Pos, StatusItem, StatusSpec, class_digit};
use crate::source::{Node, NodeKind};

use super::values::Names;

/// The criteria of `expect`, in the order written.
pub(super) fn criteria(expect: &Expect, pos: Pos, names: &mut Names) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(status) = &expect.status {
        out.push(status_criterion(&status.value));
    }
    if let Some(headers) = expect.headers.as_ref().and_then(Node::as_map) {
        for (name, node) in headers {
            let context = format!("$response.header.{}", name.value);
            value(
                node,
                &context,
                &format!("header `{}`", name.value),
                names,
                &mut out,
            );
        }
    }
    if let Some(body) = &expect.body {
        body_criteria(body, "", names, &mut out);
    }
    if expect.undocumented.is_some() {
        names.note(
            pos,
            "`undocumented: true` (a status the spec leaves out, on purpose) has no Arazzo form"
                .into(),
        );
    }
    out
}

/// `$statusCode == 201`; a list as `||`; a class (or a list with one) as a regex criterion.
pub(super) fn status_criterion(status: &StatusSpec) -> Value {
    let code = |c: u16| format!("$statusCode == {c}");
    match status {
        StatusSpec::One(c) => json!({"condition": code(*c)}),
        StatusSpec::AnyOf(list) => {
            let parts: Vec<String> = list.iter().map(|c| code(*c)).collect();
            json!({"condition": parts.join(" || ")})
        }
        StatusSpec::Class(c) => status_regex(&[StatusItem::Class(c.clone())]),
        StatusSpec::Mixed(items) => status_regex(items),
    }
}

fn status_regex(items: &[StatusItem]) -> Value {
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            StatusItem::Code(c) => c.to_string(),
            StatusItem::Class(c) => match class_digit(c) {
                Some(d) => format!("{d}[0-9][0-9]"),
                None => regex::escape(c),
            },
        })
        .collect();
    json!({"context": "$statusCode", "condition": format!("^({})$", parts.join("|")), "type": "regex"})
}

/// A body expectation (a subset match) walked down to its leaves.
fn body_criteria(node: &Node, ptr: &str, names: &mut Names, out: &mut Vec<Value>) {
    let context = format!(
        "$response.body{}",
        if ptr.is_empty() {
            String::new()
        } else {
            format!("#{ptr}")
        }
    );
    let here = if ptr.is_empty() {
        "the body".to_owned()
    } else {
        format!("body `{ptr}`")
    };
    match &node.kind {
        NodeKind::Map(entries) if entries.iter().any(|(k, _)| k.value.starts_with('$')) => {
            for (k, v) in entries {
                if k.value == "$exact" {
                    names.note(k.pos, format!("`$exact` at {here}: no field beyond those listed (Arazzo criteria say only what is there)"));
                    body_criteria(v, ptr, names, out);
                } else {
                    matcher(&k.value, v, k.pos, &context, &here, names, out);
                }
            }
        }
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                let key = k.value.replace('~', "~0").replace('/', "~1");
                body_criteria(v, &format!("{ptr}/{key}"), names, out);
            }
        }
        NodeKind::Seq(items) => {
            names.note(
                node.pos,
                format!(
                    "{here} is a list of exactly {} item(s): its length has no Arazzo criterion",
                    items.len()
                ),
            );
            for (i, item) in items.iter().enumerate() {
                body_criteria(item, &format!("{ptr}/{i}"), names, out);
            }
        }
        _ => match awkward_key(ptr) {
            Some((_, key)) => keyed(node, &key, &here, names),
            None => value(node, &context, &here, names, out),
        },
    }
}

/// A pointer whose last key holds a character Respect's expression parser refuses (such as
/// `:` in `OS-EXT-STS:vm_state`, which RFC 6901 allows): its parent and that key.
fn awkward_key(ptr: &str) -> Option<(&str, String)> {
    let (parent, key) = ptr.rsplit_once('/')?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    if key.chars().all(plain) || !parent.chars().all(plain) {
        return None;
    }
    Some((parent, key.replace("~1", "/").replace("~0", "~")))
}

/// A leaf under an awkward key: noted, not said. Respect refuses the key in a pointer, and
/// the JSONPath form over the parent (`$[?@['OS-EXT-STS:vm_state'] == 'active']`) is read one
/// way by Respect (the context wrapped) and another by RFC 9535 (its members filtered), so no
/// criterion means the same to both runners.
fn keyed(node: &Node, key: &str, here: &str, names: &mut Names) {
    names.note(
        node.pos,
        format!("{here}: key `{key}` has a character Respect refuses in a pointer, and runners read a JSONPath over its parent differently: no criterion"),
    );
}

/// A leaf: a literal or a template compared with `==`, or a matcher map.
fn value(node: &Node, context: &str, here: &str, names: &mut Names, out: &mut Vec<Value>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                matcher(&k.value, v, k.pos, context, here, names, out);
            }
        }
        NodeKind::String(s) if s.contains("${") => match names.try_string(s, node.pos) {
            Some(e) => out.push(json!({"condition": format!("{context} == {e}")})),
            None => names.note(node.pos, format!("{here} is text with a variable inside (`{s}`): a simple condition compares whole values only")),
        },
        NodeKind::Seq(_) => names.note(node.pos, format!("{here}: a list of header values has no Arazzo criterion")),
        _ => out.push(json!({"condition": format!("{context} == {}", literal(&node.to_json()))})),
    }
}

/// One `$matcher`: said as a criterion where Arazzo has a form, else noted.
fn matcher(
    name: &str,
    arg: &Node,
    pos: Pos,
    context: &str,
    here: &str,
    names: &mut Names,
    out: &mut Vec<Value>,
) {
    match (name, &arg.kind) {
        ("$regex", NodeKind::String(re)) => {
            out.push(json!({"context": context, "condition": re, "type": "regex"}));
        }
        ("$type", NodeKind::String(t)) if t == "null" => {
            out.push(json!({"condition": format!("{context} == null")}));
        }
        ("$type", NodeKind::String(t)) if t == "uuid" => {
            let re = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
            out.push(json!({"context": context, "condition": re, "type": "regex"}));
        }
        ("$type", _) => names.note(pos, format!("`$type: {}` at {here}: Arazzo criteria have no type test", scalar(arg))),
        ("$any", _) => names.note(pos, format!("`$any` at {here}: the field is there (any value); Arazzo criteria have no presence test")),
        ("$absent", _) => names.note(pos, format!("`$absent` at {here}: Arazzo criteria cannot require that something is missing")),
        _ => names.note(pos, format!("`{name}` at {here} has no Arazzo criterion")),
    }
}

/// A JSON scalar as an Arazzo literal: `'text'` (a `'` doubled), numbers, `true`, `null`.
fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => other.to_string(),
    }
}

fn scalar(node: &Node) -> String {
    match &node.kind {
        NodeKind::String(s) => s.clone(),
        _ => node.to_json().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(yaml: &str) -> Node {
        serde_saphyr::from_str_with_options::<Node>(yaml, crate::source::yaml::options())
            .expect("yaml")
    }

    #[test]
    fn statuses_are_codes_lists_and_class_regexes() {
        assert_eq!(
            status_criterion(&StatusSpec::One(201)),
            json!({"condition": "$statusCode == 201"})
        );
        assert_eq!(
            status_criterion(&StatusSpec::AnyOf(vec![200, 202]))["condition"],
            "$statusCode == 200 || $statusCode == 202"
        );
        let mixed = StatusSpec::Mixed(vec![StatusItem::Code(404), StatusItem::Class("2xx".into())]);
        assert_eq!(
            status_criterion(&mixed),
            json!({"context": "$statusCode", "condition": "^(404|2[0-9][0-9])$", "type": "regex"})
        );
    }

    #[test]
    fn body_leaves_become_criteria_and_the_rest_is_noted() {
        let mut names = Names::default();
        names.captures.insert("id".into(), "create".into());
        let expect = Expect {
            body: Some(body(
                "{id: '${id}', server: {'OS-EXT-STS:vm_state': active, status: 'it''s'}, n: {$len: 2}}",
            )),
            ..Default::default()
        };
        let got = criteria(&expect, Pos::UNKNOWN, &mut names);
        assert_eq!(
            got,
            vec![
                json!({"condition": "$response.body#/id == $steps.create.outputs.id"}),
                json!({"condition": "$response.body#/server/status == 'it''s'"}),
            ]
        );
        assert_eq!(names.unsaid.len(), 2, "{:?}", names.unsaid);
        assert!(names.unsaid[0].what.contains("key `OS-EXT-STS:vm_state`"));
        assert!(names.unsaid[1].what.contains("`$len` at body `/n`"));
    }
}
