//! The operations of a path item: its fixed method fields (`get` ... `trace`, and 3.2's
//! `query`) and OpenAPI 3.2's `additionalOperations` map of custom methods. [`operations_of`]
//! lists them for the loader and the linter alike, and [`BadMethod`] says why a custom method
//! name is refused.

use serde_json::Value;

/// The path item's fixed method fields, in the order the specification lists them.
pub(crate) const FIXED: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

/// One operation of a path item.
pub(crate) struct ItemOperation<'a> {
    /// The method as sent: a fixed field upper-cased, a custom one as written.
    pub method: String,
    /// The operation's pointer below the path item's (`/get`, `/additionalOperations/PURGE`).
    pub suffix: String,
    /// The operation object.
    pub op: &'a Value,
}

/// A custom method name under `additionalOperations` that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadMethod {
    /// The entry's pointer below the path item's.
    pub suffix: String,
    /// What is wrong.
    pub message: String,
    /// The fix.
    pub help: String,
}

/// Whether `c` may appear in an HTTP method (RFC 9110 `tchar`).
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Why `name` cannot be a key of `additionalOperations`, if it cannot.
fn refusal(name: &str) -> Option<(String, String)> {
    if let Some(fixed) = FIXED.iter().find(|f| f.eq_ignore_ascii_case(name)) {
        return Some((
            format!(
                "`additionalOperations` cannot hold `{name}`: the path item's `{fixed}` field \
                 describes that method"
            ),
            format!("move the operation under `{fixed}:` in the path item"),
        ));
    }
    if name.is_empty() || !name.chars().all(is_tchar) {
        return Some((
            format!(
                "`{name}` is not an HTTP method name (RFC 9110 allows letters, digits and !#$%&'*+-.^_`|~)"
            ),
            "write the method as it is sent, for example `PURGE` or `LINK`".into(),
        ));
    }
    None
}

/// Every operation of `item`: the fixed fields first, then `additionalOperations` in document
/// order. A custom name that is a fixed method or not a method at all is refused.
pub(crate) fn operations_of(item: &Value) -> Result<Vec<ItemOperation<'_>>, BadMethod> {
    listed(item)
        .into_iter()
        .map(|(o, bad)| match bad {
            None => Ok(o),
            Some((message, help)) => Err(BadMethod {
                suffix: o.suffix,
                message,
                help,
            }),
        })
        .collect()
}

/// Each operation of `item`, with why its custom name is refused when it is.
fn listed(item: &Value) -> Vec<(ItemOperation<'_>, Option<(String, String)>)> {
    let mut out: Vec<_> = FIXED
        .iter()
        .filter_map(|m| {
            let o = ItemOperation {
                method: m.to_ascii_uppercase(),
                suffix: format!("/{m}"),
                op: item.get(*m)?,
            };
            Some((o, None))
        })
        .collect();
    let extra = item.get("additionalOperations").and_then(Value::as_object);
    for (name, op) in extra.into_iter().flatten() {
        let token = name.replace('~', "~0").replace('/', "~1");
        let o = ItemOperation {
            method: name.clone(),
            suffix: format!("/additionalOperations/{token}"),
            op,
        };
        out.push((o, refusal(name)));
    }
    out
}

/// [`operations_of`], the refused custom names left out (the linter reports them through
/// the official schema and the loader).
pub(crate) fn readable_operations(item: &Value) -> Vec<ItemOperation<'_>> {
    listed(item)
        .into_iter()
        .filter_map(|(o, bad)| bad.is_none().then_some(o))
        .collect()
}

/// Whether `method` is safe (RFC 9110 §9.2.1): it reads, and changes nothing on the server.
/// QUERY (the HTTP QUERY method draft, OpenAPI 3.2) is safe though it carries a body.
pub fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE" | "QUERY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fixed_fields_then_custom_methods_as_written() {
        let item = json!({"get": {}, "query": {}, "additionalOperations": {"PURGE": {}}});
        let ops = operations_of(&item).unwrap();
        let got: Vec<_> = ops
            .iter()
            .map(|o| (o.method.as_str(), o.suffix.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("GET", "/get"),
                ("QUERY", "/query"),
                ("PURGE", "/additionalOperations/PURGE")
            ]
        );
    }

    #[test]
    fn a_fixed_method_or_a_non_token_is_refused_as_a_custom_one() {
        let post = operations_of(&json!({"additionalOperations": {"POST": {}}}))
            .err()
            .unwrap();
        assert_eq!(post.suffix, "/additionalOperations/POST");
        assert!(post.help.contains("`post:`"), "{}", post.help);
        let query = operations_of(&json!({"additionalOperations": {"query": {}}}))
            .err()
            .unwrap();
        assert!(query.message.contains("`query` field"), "{}", query.message);
        let space = operations_of(&json!({"additionalOperations": {"MY METHOD": {}}}))
            .err()
            .unwrap();
        assert!(
            space.message.contains("not an HTTP method"),
            "{}",
            space.message
        );
    }

    #[test]
    fn query_is_safe_and_post_is_not() {
        assert!(is_safe("QUERY") && is_safe("GET"));
        assert!(!is_safe("POST") && !is_safe("PURGE"));
    }
}
