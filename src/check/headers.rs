//! Response headers against the scenario's expectation: a value, or a matcher
//! (`$regex`, `$absent`, `$any`, ...), by case-insensitive name.

use serde_json::Value;

use super::body::match_value;
use super::{CheckKind, Finding, Observed};
use crate::scenario::{Node, Scope};

pub fn check(expected: &Node, observed: &Observed<'_>, scope: &dyn Scope) -> Vec<Finding> {
    let Some(entries) = expected.as_map() else {
        return vec![
            Finding::error(
                CheckKind::Scenario,
                "`expect.headers` must be a mapping of header names",
            )
            .at(expected.pos),
        ];
    };
    let mut out = Vec::new();
    for (name, node) in entries {
        let values: Vec<&str> = observed.header_values(&name.value).collect();
        let actual = (!values.is_empty()).then(|| Value::String(values.join(", ")));
        let m = match_value(node, actual.as_ref(), scope, CheckKind::Header, "");
        for mut f in m.findings {
            if f.check == CheckKind::Header {
                f.message = format!(
                    "header {}: {}",
                    name.value,
                    f.message.replacen("the body", "the value", 1)
                );
                f.pointer = None;
                f.keyword = f.keyword.or(Some("equals".into()));
            }
            out.push(f);
        }
    }
    out
}
