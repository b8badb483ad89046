//! Criteria truth tables: simple conditions (precedence, coercion, null, missing values), regex,
//! JSONPath over a body, XPath refused, and where compile errors point.

use serde_json::json;

use super::*;
use crate::arazzo::expr::tests::{Fake, assert_refused};

fn step() -> Fake {
    Fake {
        status: Some(201),
        response_headers: vec![("X-Count", "3"), ("Content-Type", "application/json")],
        body: Some(json!({
            "status": "OK",
            "count": 2,
            "ratio": 0.5,
            "pets": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}],
            "data": null,
            "done": true,
            "owners": [{"name": "Ann", "pets": [1]}, {"name": "Bob", "pets": []}]
        })),
        inputs: vec![("threshold", json!(1)), ("name", json!("it's"))],
        steps: vec![("create", "id", json!(7))],
        ..Fake::default()
    }
}

fn simple(condition: &str) -> Result<bool, EvalError> {
    compile(condition, None, CriterionType::Simple)
        .unwrap_or_else(|e| panic!("{condition}: {e:?}"))
        .holds(&step())
}

#[test]
fn simple_conditions_truth_table() {
    let table: &[(&str, bool)] = &[
        ("$statusCode == 201", true),
        ("$statusCode == 200", false),
        ("$statusCode != 200", true),
        ("$statusCode >= 200 && $statusCode < 300", true),
        ("$statusCode > 201", false),
        ("$statusCode <= 201", true),
        ("$response.body#/count > $inputs.threshold", true),
        ("$response.body.count > $inputs.threshold", true),
        ("$response.body.pets[1].name == 'Tom'", true),
        ("$response.body#/pets/0/id == 1", true),
        ("$response.body#/ratio < 1", true),
        ("$response.body#/ratio == 0.5", true),
        ("$response.body#/count == 2.0", true),
        ("$response.body#/done", true),
        ("$response.body#/done == true", true),
        ("!$response.body#/done", false),
        ("$response.body#/data", false),
        ("$response.body#/data == null", true),
        ("$response.body#/data != null", false),
        ("$response.body#/count != null", true),
        ("null == null", true),
        ("$response.body#/count == null", false),
        ("$response.body#/count < null", false),
        ("$steps.create.outputs.id == 7", true),
        ("true", true),
        ("false || true", true),
        ("(true)", true),
    ];
    for (condition, want) in table {
        assert_eq!(simple(condition).expect(condition), *want, "{condition}");
    }
}

#[test]
fn precedence_is_not_then_comparison_then_and_then_or() {
    let table: &[(&str, bool)] = &[
        ("true || false && false", true),
        ("(true || false) && false", false),
        ("false && false || true", true),
        ("!false && false", false),
        ("!(false && false)", true),
        ("!$response.body#/done == false", true),
        ("$statusCode == 201 || $statusCode == 200 && false", true),
        ("!!true", true),
    ];
    for (condition, want) in table {
        assert_eq!(simple(condition).expect(condition), *want, "{condition}");
    }
}

#[test]
fn strings_compare_case_insensitively_and_numeric_strings_as_numbers() {
    let table: &[(&str, bool)] = &[
        ("$response.body#/status == 'ok'", true),
        ("$response.body#/status == 'OK '", false),
        ("$response.body#/status != 'ok'", false),
        ("'abc' < 'ABD'", true),
        ("$response.header.x-count == 3", true),
        ("$response.header.X-Count > 2", true),
        ("$response.header.X-Count >= 10", false),
        ("$response.header.Content-Type == 'APPLICATION/JSON'", true),
        ("$inputs.name == 'it''s'", true),
        ("'3' == 3.0", true),
        ("'three' == 3", false),
        ("'three' != 3", true),
        ("true == 'true'", false),
        ("$response.body#/pets/0 == $response.body#/pets/0", true),
    ];
    for (condition, want) in table {
        assert_eq!(simple(condition).expect(condition), *want, "{condition}");
    }
}

#[test]
fn ordering_values_of_different_kinds_is_an_error() {
    for condition in ["true < 1", "'three' > 3", "$response.body#/pets > 1"] {
        let e = simple(condition).expect_err(condition);
        assert!(
            e.reason.contains("orders numbers or strings"),
            "{condition}: {e}"
        );
    }
}

#[test]
fn a_missing_value_is_an_error_not_false() {
    let e = simple("$response.body#/missing == 1").expect_err("missing");
    assert_eq!(e.expr, "$response.body#/missing");
    assert!(e.reason.contains("nothing at `/missing`"), "{e}");
    let e = simple("$response.body.pets[5].id == 1").expect_err("out of range");
    assert!(e.reason.contains("no item [5]"), "{e}");
    let e = simple("$response.body#/count").expect_err("not a boolean");
    assert!(e.reason.contains("not a boolean"), "{e}");
    // Short-circuit: the right side is not read when the left decides.
    assert!(!simple("false && $response.body#/missing == 1").unwrap());
    assert!(simple("true || $response.body#/missing == 1").unwrap());
}

#[test]
fn simple_compile_errors_point_at_the_token() {
    let table: &[(&str, usize, usize, &str)] = &[
        ("$statusCode = 200", 12, 1, "`=` alone"),
        ("$statusCode == \"ok\"", 15, 1, "single quotes"),
        ("$statusCode == 'ok", 15, 3, "never closed"),
        ("($statusCode == 200", 0, 1, "never closed"),
        ("$statusCode == ", 15, 1, "ends where a value"),
        (
            "$statusCode == 200 200",
            19,
            3,
            "after a complete condition",
        ),
        ("== 200", 0, 2, "expected a value"),
        ("$statuscode == 200", 0, 11, "not a runtime expression"),
        ("$statusCode == 2x", 15, 2, "not a number"),
        ("$response.body.items[x] == 1", 20, 3, "index"),
        ("$statusCode == 200 and true", 19, 3, "unexpected `and`"),
        ("", 0, 1, "empty"),
    ];
    assert_refused(table, |c| {
        compile(c, None, CriterionType::Simple).map(|_| ())
    });
}

fn regex_holds(context: &str, condition: &str) -> Result<bool, EvalError> {
    compile(condition, Some(context), CriterionType::Regex)
        .expect(condition)
        .holds(&step())
}

#[test]
fn regex_criteria_find_the_pattern_in_the_context_as_text() {
    assert!(regex_holds("$statusCode", r"^2\d{2}$").unwrap());
    assert!(!regex_holds("$statusCode", "^3").unwrap());
    assert!(
        regex_holds("$statusCode", "0").unwrap(),
        "is_match finds, not full-matches"
    );
    assert!(regex_holds("$response.body#/status", "^OK$").unwrap());
    assert!(!regex_holds("$response.body#/status", "^ok$").unwrap());
    assert!(
        !regex_holds("$response.body#/data", ".*").unwrap(),
        "null fails"
    );
    assert!(regex_holds("$response.header.content-type", "json").unwrap());
    assert!(regex_holds("$response.body#/pets/0", r#""name":"Rex""#).unwrap());
    let e = regex_holds("$response.body#/nope", ".").expect_err("missing");
    assert!(e.reason.contains("nothing at `/nope`"), "{e}");
}

#[test]
fn embedded_expressions_are_substituted_before_the_pattern_compiles() {
    assert!(regex_holds("$response.body#/count", "^{$inputs.threshold}|2$").unwrap());
    assert!(!regex_holds("$response.body#/count", "^{$inputs.threshold}$").unwrap());
    let c = compile(
        "$.pets[?@.id == {$steps.create.outputs.id}]",
        Some("$response.body"),
        CriterionType::JsonPath { version: None },
    )
    .unwrap();
    assert!(!c.holds(&step()).unwrap(), "no pet has id 7");
}

fn jsonpath_holds(condition: &str) -> bool {
    compile(
        condition,
        Some("$response.body"),
        CriterionType::JsonPath {
            version: Some("rfc9535".into()),
        },
    )
    .expect(condition)
    .holds(&step())
    .expect(condition)
}

#[test]
fn jsonpath_criteria_hold_when_the_query_selects_a_node() {
    // A filter selects among the context's children (RFC 9535): the body's own members here.
    assert!(jsonpath_holds("$[?count(@[*]) > 1]"));
    assert!(!jsonpath_holds("$[?count(@[*]) > 2]"));
    let owners = |q: &str| {
        compile(
            q,
            Some("$response.body#/owners"),
            CriterionType::JsonPath { version: None },
        )
        .unwrap()
        .holds(&step())
        .unwrap()
    };
    assert!(
        owners("$[?count(@.pets) > 0]"),
        "the specification's example"
    );
    assert!(!owners("$[?count(@.pets) > 1]"));
    assert!(owners("$[?@.name == 'Bob' && count(@.pets[*]) == 0]"));
    assert!(jsonpath_holds("$.pets[?@.name == 'Rex']"));
    assert!(!jsonpath_holds("$.pets[?@.name == 'Max']"));
    assert!(jsonpath_holds("$.pets[*]"));
    assert!(!jsonpath_holds("$.vets[*]"));
    assert!(jsonpath_holds("$.pets[?@.id > 1]"));
    let null = compile(
        "$[*]",
        Some("$response.body#/data"),
        CriterionType::JsonPath { version: None },
    )
    .unwrap();
    assert!(!null.holds(&step()).unwrap(), "a null context fails");
}

#[test]
fn compile_refuses_what_conform_cannot_evaluate() {
    let e = compile(
        "/root/pets",
        Some("$response.body"),
        CriterionType::XPath {
            version: Some("xpath-30".into()),
        },
    )
    .expect_err("xpath");
    assert!(
        e.message.contains("does not evaluate `xpath`") && e.message.contains("xpath-30"),
        "{}",
        e.message
    );
    assert!(e.help.unwrap_or_default().contains("type: jsonpath"));
    let e = compile(
        "$.a",
        Some("$response.body"),
        CriterionType::JsonPath {
            version: Some("draft-goessner-dispatch-jsonpath-00".into()),
        },
    )
    .expect_err("goessner");
    assert!(e.message.contains("RFC 9535"), "{}", e.message);
    let e = compile("^2", None, CriterionType::Regex).expect_err("no context");
    assert!(e.message.contains("needs a `context`"), "{}", e.message);
    let e = compile("^(2", Some("$statusCode"), CriterionType::Regex).expect_err("bad regex");
    assert!(
        e.message.contains("not a regular expression"),
        "{}",
        e.message
    );
    let e = compile(
        "$.pets[?",
        Some("$response.body"),
        CriterionType::JsonPath { version: None },
    )
    .expect_err("bad jsonpath");
    assert!(
        e.message.contains("not an RFC 9535 JSONPath query"),
        "{}",
        e.message
    );
    let e = compile("^2", Some("$statuscode"), CriterionType::Regex).expect_err("bad context");
    assert!(e.message.starts_with("in `context`"), "{}", e.message);
}

#[test]
fn describe_names_the_condition_and_its_context() {
    let d = |c: &str, ctx: Option<&str>, ty| compile(c, ctx, ty).unwrap().describe();
    assert_eq!(
        d("$statusCode == 200", None, CriterionType::Simple),
        "$statusCode == 200"
    );
    assert_eq!(
        d("^2", Some("$statusCode"), CriterionType::Regex),
        "regex `^2` on $statusCode"
    );
    assert_eq!(
        d(
            "$.pets[*]",
            Some("$response.body"),
            CriterionType::JsonPath { version: None }
        ),
        "jsonpath `$.pets[*]` on $response.body"
    );
}
