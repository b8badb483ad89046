//! The generator against small inline specs: each keyword's valid values accepted and each
//! negative refused for its rule alone, formats, patterns, `oneOf`/`anyOf`/`allOf`, `$ref`s
//! across files, recursion, OpenAPI 3.0 `nullable`, and the errors that say why not.

use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::openapi::{ApiSpec, load_api};

/// A spec whose one operation `op` takes a JSON body of `schema` and a query parameter `q` of
/// `param` (both YAML flow style), with `components.schemas` as given.
pub(super) fn spec_in(dir: &Path, schema: &str, param: &str, components: &str) -> ApiSpec {
    let text = format!(
        "openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /x:
    post:
      operationId: op
      parameters:
        - {{name: q, in: query, schema: {param}}}
      requestBody:
        content:
          application/json:
            schema: {schema}
      responses: {{'200': {{description: ok}}}}
components:
  schemas: {components}
"
    );
    let path = dir.join("openapi.yaml");
    std::fs::write(&path, text).expect("writes the spec");
    load_api("t", &path).unwrap_or_else(|d| panic!("{d:?}"))
}

pub(super) fn spec(schema: &str) -> (tempfile::TempDir, ApiSpec) {
    let dir = tempfile::tempdir().expect("temp");
    let s = spec_in(dir.path(), schema, "{type: string}", "{}");
    (dir, s)
}

pub(super) fn body(spec: &ApiSpec) -> &Schema {
    let op = spec.operation("op").expect("op");
    let rb = op.request_body.as_ref().expect("body");
    rb.content[0].schema.as_deref().expect("schema")
}

pub(super) fn param(spec: &ApiSpec) -> &Schema {
    let op = spec.operation("op").expect("op");
    op.params[0].schema.as_deref().expect("schema")
}

pub(super) fn accepts(schema: &Schema, place: Place, v: &Value) -> bool {
    let validator = schema.validator().expect("compiles");
    errors(validator, schema, place, v).is_empty()
}

/// Asserts valid values are accepted, every negative is refused for its own rule alone, and
/// the negatives cover `expected` keywords; returns the negatives.
pub(super) fn exercise(schema: &Schema, place: Place, expected: &[&str]) -> Vec<Negative> {
    let mut g = Generator::new(7);
    for _ in 0..30 {
        let v = g.valid(schema, place).unwrap_or_else(|e| panic!("{e}"));
        assert!(accepts(schema, place, &v), "{v} should be valid");
    }
    for v in g.boundaries(schema, place) {
        assert!(accepts(schema, place, &v), "boundary {v} should be valid");
    }
    let negatives = g.negatives(schema, place);
    let validator = schema.validator().expect("compiles");
    for n in &negatives {
        let errs = errors(validator, schema, place, &n.value);
        assert!(!errs.is_empty(), "{n:?} should be refused");
        for e in errs {
            assert_eq!(e.keyword, n.rule.keyword, "{n:?}: {}", e.message);
            assert_eq!(e.pointer, n.rule.pointer, "{n:?}: {}", e.message);
        }
    }
    let kinds: Vec<&str> = negatives.iter().map(|n| n.rule.keyword).collect();
    for k in expected {
        assert!(kinds.contains(k), "no `{k}` negative among {kinds:?}");
    }
    negatives
}

#[test]
fn every_keyword_gives_valid_values_and_refused_negatives() {
    let cases: &[(&str, &[&str])] = &[
        (
            "{type: string, minLength: 3, maxLength: 5}",
            &["type", "minLength", "maxLength"],
        ),
        (
            "{type: integer, minimum: 1, maximum: 10}",
            &["type", "minimum", "maximum"],
        ),
        (
            "{type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}",
            &["exclusiveMinimum", "exclusiveMaximum"],
        ),
        (
            "{type: integer, minimum: 3, maximum: 30, multipleOf: 3}",
            &["minimum", "maximum", "multipleOf"],
        ),
        ("{type: string, enum: [red, green]}", &["enum"]),
        ("{const: fixed}", &["const"]),
        (
            "{type: string, pattern: '^[a-z]{3}-[0-9]{2}$'}",
            &["pattern"],
        ),
        (
            "{type: array, items: {type: integer}, minItems: 2, maxItems: 3, uniqueItems: true}",
            &["minItems", "maxItems", "uniqueItems"],
        ),
        (
            "{type: object, required: [id, name], additionalProperties: false, properties: {id: {type: integer, minimum: 1}, name: {type: string, maxLength: 8}, note: {type: string}}}",
            &[
                "required",
                "additionalProperties",
                "type",
                "minimum",
                "maxLength",
            ],
        ),
        (
            "{type: [string, 'null'], minLength: 2}",
            &["type", "minLength"],
        ),
        (
            "{type: object, minProperties: 2, additionalProperties: {type: integer}}",
            &["type"],
        ),
    ];
    for (schema, expected) in cases {
        let (_dir, s) = spec(schema);
        exercise(body(&s), Place::Body, expected);
    }
}

#[test]
fn formats_are_honoured_and_broken() {
    for f in [
        "date-time",
        "date",
        "time",
        "uuid",
        "email",
        "uri",
        "ipv4",
        "ipv6",
        "hostname",
    ] {
        let (_dir, s) = spec(&format!("{{type: string, format: {f}}}"));
        let negatives = exercise(body(&s), Place::Body, &["format"]);
        assert!(
            negatives
                .iter()
                .all(|n| n.rule.keyword == "format" || n.rule.keyword == "type")
        );
    }
}

#[test]
fn a_pattern_is_matched_and_missed_within_its_lengths() {
    let (_dir, s) = spec("{type: string, pattern: '^es-[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 20}");
    let schema = body(&s);
    let mut g = Generator::new(1);
    let re = regex::Regex::new("^es-[a-z0-9]+(-[a-z0-9]+)*$").expect("regex");
    for _ in 0..50 {
        let v = g.valid(schema, Place::Body).expect("valid");
        assert!(re.is_match(v.as_str().expect("a string")), "{v}");
    }
    let negatives = exercise(schema, Place::Body, &["pattern", "maxLength"]);
    let p = negatives
        .iter()
        .find(|n| n.rule.keyword == "pattern")
        .expect("pattern");
    assert!(
        p.rule.description.contains("does not match pattern"),
        "{}",
        p.rule.description
    );
}

#[test]
fn descriptions_name_the_value_and_the_bound() {
    let (_dir, s) =
        spec("{type: object, required: [name], properties: {name: {type: string, maxLength: 64}}}");
    let negatives = exercise(body(&s), Place::Body, &["maxLength", "required"]);
    let long = negatives
        .iter()
        .find(|n| n.rule.keyword == "maxLength")
        .expect("maxLength");
    assert_eq!(long.rule.pointer, "/name");
    assert_eq!(
        long.rule.description,
        "`/name` is 65 characters, above maxLength 64"
    );
    assert_eq!(
        long.value["name"].as_str().map(|s| s.chars().count()),
        Some(65)
    );
    let missing = negatives
        .iter()
        .find(|n| n.rule.keyword == "required")
        .expect("required");
    assert_eq!(missing.rule.pointer, "");
    assert!(missing.value.get("name").is_none());
}

#[test]
fn one_of_any_of_and_all_of() {
    let (_dir, s) = spec(
        "{oneOf: [{type: object, required: [cat], properties: {cat: {type: string}}, additionalProperties: false}, {type: object, required: [dog], properties: {dog: {type: integer}}, additionalProperties: false}]}",
    );
    let schema = body(&s);
    exercise(schema, Place::Body, &[]);
    let b = Generator::new(3).boundaries(schema, Place::Body);
    assert!(b.iter().any(|v| v.get("cat").is_some()), "{b:?}");
    assert!(b.iter().any(|v| v.get("dog").is_some()), "{b:?}");

    let (_dir, s) = spec("{anyOf: [{type: string, maxLength: 3}, {type: integer, minimum: 5}]}");
    exercise(body(&s), Place::Body, &[]);

    let (_dir, s) = spec(
        "{allOf: [{type: object, required: [a], properties: {a: {type: integer, maximum: 9}}}, {required: [b], properties: {b: {type: string, minLength: 2}, a: {minimum: 4}}}]}",
    );
    let schema = body(&s);
    exercise(
        schema,
        Place::Body,
        &["required", "maximum", "minimum", "minLength"],
    );
    let mut g = Generator::new(5);
    for _ in 0..20 {
        let v = g.valid(schema, Place::Body).expect("valid");
        let a = v["a"].as_i64().expect("a");
        assert!((4..=9).contains(&a), "{v}");
    }
}

#[test]
fn an_unsatisfiable_all_of_says_why() {
    let (_dir, s) = spec("{allOf: [{type: string}, {type: integer}]}");
    let err = Generator::new(1)
        .valid(body(&s), Place::Body)
        .expect_err("nothing fits");
    let text = err.to_string();
    assert!(
        text.contains("no valid value") && text.contains("no type is left"),
        "{text}"
    );
}

#[test]
fn local_and_cross_file_refs_resolve() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(
        dir.path().join("common.yaml"),
        "Money: {type: object, required: [amount, currency], properties: {amount: {type: integer, minimum: 0}, currency: {$ref: '#/Currency'}}}\nCurrency: {type: string, enum: [EUR, USD]}\n",
    )
    .expect("writes");
    let s = spec_in(
        dir.path(),
        "{$ref: '#/components/schemas/Order'}",
        "{$ref: 'common.yaml#/Currency'}",
        "{Order: {type: object, required: [price], properties: {price: {$ref: 'common.yaml#/Money'}}}}",
    );
    let schema = body(&s);
    let negatives = exercise(schema, Place::Body, &["required", "minimum", "enum"]);
    assert!(
        negatives
            .iter()
            .any(|n| n.rule.pointer == "/price/currency"),
        "{negatives:?}"
    );
    let v = Generator::new(2).valid(schema, Place::Body).expect("valid");
    assert!(["EUR", "USD"].contains(&v["price"]["currency"].as_str().expect("currency")));
    exercise(param(&s), Place::Param, &["enum"]);
}

#[test]
fn a_recursive_schema_terminates() {
    let dir = tempfile::tempdir().expect("temp");
    let s = spec_in(
        dir.path(),
        "{$ref: '#/components/schemas/Node'}",
        "{type: string}",
        "{Node: {type: object, required: [name], properties: {name: {type: string}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}, parent: {$ref: '#/components/schemas/Node'}}}}",
    );
    let schema = body(&s);
    let mut g = Generator::new(9);
    for _ in 0..50 {
        g.valid(schema, Place::Body).expect("a finite tree");
    }
    exercise(schema, Place::Body, &["required"]);

    // A schema that requires itself has no finite value: an error, not a hang.
    let s = spec_in(
        dir.path(),
        "{$ref: '#/components/schemas/Loop'}",
        "{type: string}",
        "{Loop: {type: object, required: [next], properties: {next: {$ref: '#/components/schemas/Loop'}}}}",
    );
    let err = Generator::new(1)
        .valid(body(&s), Place::Body)
        .expect_err("infinite");
    assert!(err.to_string().contains("nests too deep"), "{err}");
}

#[test]
fn openapi_30_nullable_gives_null_and_values() {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("openapi.yaml");
    std::fs::write(
        &path,
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      operationId: op
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [a, b]
              properties:
                a: {type: string, nullable: true, maxLength: 3}
                b: {allOf: [{$ref: '#/components/schemas/X'}], nullable: true}
      responses: {'200': {description: ok}}
components:
  schemas:
    X: {type: integer, minimum: 1, exclusiveMaximum: true, maximum: 5}
",
    )
    .expect("writes");
    let s = load_api("t", &path).unwrap_or_else(|d| panic!("{d:?}"));
    let schema = body(&s);
    let mut g = Generator::new(8);
    let (mut nulls, mut numbers) = (0, 0);
    for _ in 0..60 {
        let v = g.valid(schema, Place::Body).expect("valid");
        match &v["b"] {
            Value::Null => nulls += 1,
            n => {
                assert!((1..5).contains(&n.as_i64().expect("integer")), "{v}");
                numbers += 1;
            }
        }
    }
    assert!(nulls > 0 && numbers > 0, "{nulls} nulls, {numbers} numbers");
    exercise(schema, Place::Body, &["required", "maxLength"]);
    let b = g.boundaries(schema, Place::Body);
    assert!(b.iter().any(|v| v["b"] == json!(4)), "{b:?}");
}

#[test]
fn a_pattern_no_generator_can_draw_is_an_error_that_names_it() {
    let (_dir, s) = spec("{type: string, pattern: '^(?=.*[0-9])[a-z0-9]{8}$'}");
    let err = Generator::new(1)
        .valid(body(&s), Place::Body)
        .expect_err("lookahead");
    let text = err.to_string();
    assert!(text.contains("no string can be made for pattern"), "{text}");
    // Negatives that need no valid value still come, each refused for its rule.
    exercise_negatives_only(body(&s));
}

fn exercise_negatives_only(schema: &Schema) {
    let negatives = Generator::new(1).negatives(schema, Place::Body);
    let validator = schema.validator().expect("compiles");
    assert!(
        negatives.iter().any(|n| n.rule.keyword == "type"),
        "{negatives:?}"
    );
    for n in negatives {
        let errs = errors(validator, schema, Place::Body, &n.value);
        assert!(!errs.is_empty() && errs.iter().all(|e| e.keyword == n.rule.keyword));
    }
}

#[test]
fn a_candidate_that_breaks_two_rules_is_not_a_negative() {
    // 12345 is of the wrong type and outside the enum: two errors, so no `type` negative.
    let (_dir, s) = spec("{type: string, enum: [a, b]}");
    let negatives = Generator::new(1).negatives(body(&s), Place::Body);
    assert!(
        negatives.iter().all(|n| n.rule.keyword == "enum"),
        "{negatives:?}"
    );
    assert_eq!(negatives.len(), 1);
    // Inside a oneOf the validator reports `oneOf`, not the branch's rule: none is claimed.
    let (_dir, s) = spec("{oneOf: [{type: string, maxLength: 2}, {type: integer}]}");
    let negatives = Generator::new(1).negatives(body(&s), Place::Body);
    assert!(
        negatives.iter().all(|n| n.rule.keyword != "maxLength"),
        "{negatives:?}"
    );
}

#[test]
fn a_value_the_validator_refuses_every_time_is_an_error_with_its_reason() {
    let (_dir, s) = spec("{type: string, enum: [a], not: {const: a}}");
    let err = Generator::new(1)
        .valid(body(&s), Place::Body)
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("refused by the schema") && text.contains("not"),
        "{text}"
    );
}
