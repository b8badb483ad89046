//! Response headers against the scenario's expectation: a value, or a matcher
//! (`$regex`, `$absent`, `$any`, ...), by case-insensitive name.

use serde_json::Value;

use super::body::{holds, match_value};
use super::{CheckKind, Finding};
use crate::http::Headers;
use crate::plan::Pattern;
use crate::scenario::Scope;

/// Checks each expected header by case-insensitive name against the `observed` ones (several values joined), rendering templates through `scope`; one finding per header that differs.
pub fn check(
    expected: &[(String, Pattern)],
    observed: &Headers,
    scope: &dyn Scope,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, pattern) in expected {
        let mut values = observed.get_all(name);
        // One value is the common case: no joining, no allocation beyond the JSON string.
        let actual = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(v), None) => Some(Value::String(v.to_owned())),
            (Some(a), Some(b)) => {
                let mut all = vec![a, b];
                all.extend(values);
                Some(Value::String(all.join(", ")))
            }
        };
        if holds(pattern, actual.as_ref(), scope) {
            continue;
        }
        let m = match_value(pattern, actual.as_ref(), scope, CheckKind::Header, "");
        for mut f in m.findings {
            if f.check == CheckKind::Header {
                f.message = format!(
                    "header {name}: {}",
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
