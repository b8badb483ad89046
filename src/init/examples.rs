//! Examples as tests: every request example a spec documents (on a parameter or a request body)
//! becomes an [`ExampleScenario`], one step that sends it and expects the documented status: the
//! response whose examples share the example's name (`invalid` on the request, `invalid` under
//! `400`), else the operation's success status. The texts run through the runner like files.

use serde_json::Value;

use super::draft::{param_schema, status_of, status_value};
use super::emit::{Draft, DraftStep, Line, render};
use super::raw::{Doc, json_media};
use super::values::{self, Origin};
use crate::openapi::{ApiSpec, Operation, ParamIn};

/// One example, as a scenario text and the id it is reported under.
#[derive(Debug, Clone)]
pub struct ExampleScenario {
    /// `examples/<api>/<operationId>/<example>`: also the path it is known by, since it has
    /// no file.
    pub id: String,
    /// The one-step scenario's YAML, sending the example.
    pub text: String,
}

/// Every documented request example of `spec`, in operation order.
pub fn example_scenarios(spec: &ApiSpec, doc: &Doc) -> Vec<ExampleScenario> {
    let mut out = Vec::new();
    for op in &spec.operations {
        for case in cases(doc, op) {
            let id = format!("examples/{}/{}/{}", spec.name, op.id, case.name);
            let draft = scenario(spec, doc, op, &case);
            out.push(ExampleScenario {
                id,
                text: render(&draft),
            });
        }
    }
    out
}

/// One example to send: its name and the values that differ from the defaults.
struct Case {
    name: String,
    /// (location, parameter, value) overriding the default of that parameter.
    param: Option<(ParamIn, String, Value)>,
    body: Option<Value>,
}

fn cases(doc: &Doc, op: &Operation) -> Vec<Case> {
    let mut out = Vec::new();
    let body_examples = doc
        .request_media(op)
        .map(|m| doc.examples_of(m))
        .unwrap_or_default();
    for (name, value) in &body_examples {
        out.push(Case {
            name: name.clone(),
            param: None,
            body: Some(value.clone()),
        });
    }
    for p in &op.params {
        let Some(raw) = doc.param(op, &p.name, p.location) else {
            continue;
        };
        // With body examples, a parameter's first example is already sent with each of them.
        let skip = usize::from(!body_examples.is_empty());
        for (name, value) in doc.examples_of(raw).into_iter().skip(skip) {
            out.push(Case {
                name: format!("{}-{name}", p.name),
                param: Some((p.location, p.name.clone(), value)),
                body: None,
            });
        }
    }
    out
}

fn scenario(spec: &ApiSpec, doc: &Doc, op: &Operation, case: &Case) -> Draft {
    let mut s = DraftStep {
        name: format!("example `{}`", case.name),
        call: op.id.clone(),
        ..DraftStep::default()
    };
    let mut invalid = false;
    for p in &op.params {
        let overridden = case
            .param
            .as_ref()
            .filter(|(l, n, _)| *l == p.location && *n == p.name)
            .map(|(_, _, v)| v.clone());
        let raw = doc.param(op, &p.name, p.location);
        let documented = raw.and_then(|r| doc.examples_of(r).into_iter().next());
        let value = match (overridden, documented) {
            (Some(v), _) | (None, Some((_, v))) => v,
            (None, None) if p.required => {
                values::fill(doc, &param_schema(doc, op, &p.name, p.location)).value
            }
            (None, None) => continue,
        };
        if let Some(schema) = &p.schema {
            invalid |= !conforms(schema, &value);
        }
        let line = Line {
            key: p.name.clone(),
            value: values::escape(value),
            comment: None,
        };
        match p.location {
            ParamIn::Path => s.path.push(line),
            // The whole query string is given as one value under its name, as `query:` says.
            ParamIn::Query | ParamIn::Querystring => s.query.push(line),
            ParamIn::Header => s.headers.push(line),
            ParamIn::Cookie => {}
        }
    }
    let body = case.body.clone().or_else(|| {
        let media = doc.request_media(op)?;
        doc.examples_of(media).into_iter().next().map(|(_, v)| v)
    });
    if let Some(body) = body {
        let schema = op
            .request_body
            .as_ref()
            .and_then(|b| {
                b.content
                    .iter()
                    .find(|m| crate::openapi::model_is_json(&m.media_type))
            })
            .and_then(|m| m.schema.as_ref());
        if let Some(schema) = schema {
            invalid |= !conforms(schema, &body);
        }
        s.body = Some(Line {
            key: String::new(),
            value: values::escape(body),
            comment: Some(Origin::Example.comment().into()),
        });
    }
    s.invalid_request = invalid;
    s.status = named_response(doc, op, &case.name).or_else(|| status_of(op));
    Draft {
        name: format!("{}: the spec's example `{}`", op.id, case.name),
        api: spec.name.clone(),
        tags: vec!["examples".into()],
        steps: vec![s],
        ..Draft::default()
    }
}

/// Whether `value` meets `schema` (the request check's own test, so the two cannot disagree
/// about what is a deliberate negative example).
fn conforms(schema: &crate::openapi::Schema, value: &Value) -> bool {
    use crate::check::{Severity, schema::schema_errors};
    schema_errors(
        schema,
        value,
        Severity::Violation,
        crate::source::Pos::UNKNOWN,
    )
    .is_empty()
}

/// The status of the response that documents an example of the same name, if one does.
fn named_response(doc: &Doc, op: &Operation, name: &str) -> Option<(Value, String)> {
    let base = name.rsplit('-').next().unwrap_or(name);
    op.responses.iter().find_map(|r| {
        let media = doc
            .response(op, &r.key)?
            .get("content")
            .and_then(json_media)?;
        let names = doc.examples_of(media);
        names.iter().any(|(n, _)| n == name || n == base).then(|| {
            (
                status_value(&r.key),
                format!("the response `{}` documents the example `{}`", r.key, name),
            )
        })
    })
}

/// The examples of the APIs named, or of every API of `registry` when none is: the selection
/// `conform run --examples` makes. A named API without a spec is an error; one whose spec
/// documents no request example contributes nothing.
pub fn registry_examples(
    registry: &crate::openapi::Registry,
    apis: &[String],
) -> Result<Vec<ExampleScenario>, crate::Diagnostic> {
    let named: Vec<String> = apis.iter().filter(|a| !a.is_empty()).cloned().collect();
    let apis = if named.is_empty() {
        registry.api_names()
    } else {
        named
    };
    let mut out = Vec::new();
    for api in &apis {
        let spec = registry.api(api)?;
        let doc = Doc::read(&spec.path)?;
        out.extend(example_scenarios(&spec, &doc));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: Notes, version: "1"}
paths:
  /notes/{noteId}:
    parameters:
      - name: noteId
        in: path
        required: true
        schema: {type: integer}
        examples: {first: {value: 1}, second: {value: 2}}
    put:
      operationId: putNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [text], properties: {text: {type: string}}}
            examples:
              plain: {value: {text: "hi ${there}"}}
              missingText: {value: {}}
      responses:
        "200": {description: ok}
        "422":
          description: bad
          content:
            application/json:
              schema: {type: object}
              examples: {missingText: {value: {}}}
"#;

    #[test]
    fn each_example_is_a_scenario_expecting_its_documented_status() {
        let (_dir, registry, doc) = crate::init::load_for_test("notes", SPEC);
        let spec = registry.api("notes").expect("loads");
        let all = example_scenarios(&spec, &doc);
        let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "examples/notes/putNote/plain",
                "examples/notes/putNote/missingText",
                "examples/notes/putNote/noteId-second",
            ]
        );
        let text = |i: usize| all[i].text.as_str();
        assert!(text(0).contains("status: 200") && !text(0).contains("invalid_request"));
        // Sent as written: `${` in an example is not a variable.
        assert!(
            text(0).contains(r#"{"text":"hi $${there}"}"#),
            "{}",
            text(0)
        );
        assert!(text(0).contains("noteId: 1"), "{}", text(0));
        assert!(text(1).contains("status: 422") && text(1).contains("invalid_request: true"));
        assert!(text(2).contains("noteId: 2") && text(2).contains("status: 200"));
        for e in &all {
            crate::init::assert_compiles(&registry, &e.id, &e.text);
        }
    }

    #[test]
    fn the_apis_named_or_every_api_and_an_unknown_one_is_an_error() {
        let (_dir, registry, _) = crate::init::load_for_test("notes", SPEC);
        assert_eq!(registry_examples(&registry, &[]).expect("all").len(), 3);
        assert_eq!(
            registry_examples(&registry, &["notes".into()])
                .expect("named")
                .len(),
            3
        );
        let e = registry_examples(&registry, &["nope".into()]).expect_err("unknown");
        assert!(e.message.contains("nope"), "{e}");
    }
}
