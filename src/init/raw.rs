//! The spec document as written: [`Doc`] reads what the compiled [`ApiSpec`] does not keep
//! (parameter and media type examples, response `links`), following local `$ref`s.
//!
//! [`ApiSpec`]: crate::openapi::ApiSpec

use std::path::Path;

use serde_json::Value;

use crate::openapi::{Operation, ParamIn};
use crate::source::Diagnostic;

/// How many `$ref` links are followed before giving up (a cycle is the loader's to report).
const MAX_REF_LINKS: usize = 32;

/// The whole document, parsed once.
pub struct Doc {
    root: Value,
}

impl Doc {
    /// Reads and parses the spec file (YAML or JSON: JSON is YAML).
    pub fn read(path: &Path) -> Result<Doc, Diagnostic> {
        let source = crate::source::read_text(path, crate::openapi::SPEC_LIMIT)?;
        let root: Value =
            serde_saphyr::from_str_with_options(&source, crate::source::yaml::options())
                .map_err(|e| crate::source::yaml::diagnostic(path, &source, &e))?;
        Ok(Doc { root })
    }

    /// A document from a value already parsed or built (a test's, or `null` where the spec file
    /// cannot be read again), with no file behind it.
    pub fn from_value(root: Value) -> Doc {
        Doc { root }
    }

    /// The whole document as parsed, `$ref`s unresolved.
    pub fn root(&self) -> &Value {
        &self.root
    }

    /// `v`, or what its local `$ref` chain names; a remote or broken `$ref` stays as it is.
    pub fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..MAX_REF_LINKS {
            let Some(target) = v.get("$ref").and_then(Value::as_str) else {
                return v;
            };
            match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(next) => v = next,
                None => return v,
            }
        }
        v
    }

    /// The operation object as written.
    pub fn operation(&self, op: &Operation) -> Option<&Value> {
        self.root.pointer(&op.at.pointer).map(|v| self.resolve(v))
    }

    /// The raw parameter object of `op` named `name` in `location`: the operation's own, else
    /// its path item's (the operation's wins, as OpenAPI has it).
    pub fn param(&self, op: &Operation, name: &str, location: ParamIn) -> Option<&Value> {
        let own = self.operation(op).and_then(|o| o.get("parameters"));
        let item_ptr = op.at.pointer.rsplit_once('/').map(|(item, _)| item)?;
        let shared = self
            .root
            .pointer(item_ptr)
            .map(|i| self.resolve(i))
            .and_then(|i| i.get("parameters"));
        [own, shared]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| self.resolve(p))
            .find(|p| {
                p.get("name").and_then(Value::as_str) == Some(name)
                    && p.get("in").and_then(Value::as_str) == Some(location.as_str())
            })
    }

    /// The JSON media type object of the request body, if any.
    pub fn request_media(&self, op: &Operation) -> Option<&Value> {
        let body = self.resolve(self.operation(op)?.get("requestBody")?);
        json_media(body.get("content")?)
    }

    /// The response object documented under `key` (`201`, `2XX`, `default`).
    pub fn response(&self, op: &Operation, key: &str) -> Option<&Value> {
        let responses = self.operation(op)?.get("responses")?;
        responses.get(key).map(|r| self.resolve(r))
    }

    /// The example values of an object that holds `example` or `examples` (a parameter, a media
    /// type), by name: `examples` entries (their `value`; `externalValue` cannot be read here),
    /// or the one `example` as `example`.
    pub fn examples_of(&self, holder: &Value) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if let Some(map) = holder.get("examples").and_then(Value::as_object) {
            for (name, ex) in map {
                if let Some(v) = self.resolve(ex).get("value") {
                    out.push((name.clone(), v.clone()));
                }
            }
        }
        if out.is_empty()
            && let Some(v) = holder.get("example")
        {
            out.push(("example".to_owned(), v.clone()));
        }
        out
    }
}

/// The schemas the loader compiled, as it resolved them (their outer `$ref` followed, wherever
/// it pointed): preferred to the document's own text, which only local `$ref`s resolve in.
pub mod compiled {
    use serde_json::Value;

    use crate::openapi::{Media, Operation};

    fn json(content: &[Media]) -> Option<&Value> {
        content
            .iter()
            .find(|m| crate::openapi::model_is_json(&m.media_type))
            .and_then(|m| m.schema.as_ref())
            .map(|s| &s.raw)
    }

    pub fn param<'a>(
        op: &'a Operation,
        name: &str,
        location: crate::openapi::ParamIn,
    ) -> Option<&'a Value> {
        op.params
            .iter()
            .find(|p| p.name == name && p.location == location)
            .and_then(|p| p.schema.as_ref())
            .map(|s| &s.raw)
    }

    pub fn body(op: &Operation) -> Option<&Value> {
        json(&op.request_body.as_ref()?.content)
    }

    pub fn response<'a>(op: &'a Operation, key: &str) -> Option<&'a Value> {
        json(&op.responses.iter().find(|r| r.key == key)?.content)
    }
}

/// The JSON entry of a `content` map: `application/json`, else any `+json` type.
pub fn json_media(content: &Value) -> Option<&Value> {
    let map = content.as_object()?;
    map.iter()
        .find(|(t, _)| crate::openapi::essence(t) == "application/json")
        .or_else(|| map.iter().find(|(t, _)| crate::openapi::model_is_json(t)))
        .map(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_resolve_and_examples_come_by_name() {
        let doc = Doc::from_value(json!({
            "components": {"examples": {"Small": {"value": {"size": 1}}}},
            "media": {"examples": {"small": {"$ref": "#/components/examples/Small"}}},
            "single": {"example": 7},
        }));
        let media = doc.root().get("media").expect("media");
        assert_eq!(
            doc.examples_of(media),
            vec![("small".to_owned(), json!({"size": 1}))]
        );
        let single = doc.root().get("single").expect("single");
        assert_eq!(
            doc.examples_of(single),
            vec![("example".to_owned(), json!(7))]
        );
        let broken = json!({"$ref": "#/nowhere"});
        assert_eq!(doc.resolve(&broken), &broken);
    }
}
