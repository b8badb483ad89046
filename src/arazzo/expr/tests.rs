//! The runtime expression grammar as a table of accepted and refused expressions, evaluation
//! against a fake step, and interpolation.

use serde_json::{Value, json};

use super::*;

/// A step's values, as a test writes them.
#[derive(Default)]
pub(in crate::arazzo) struct Fake {
    pub status: Option<u16>,
    pub response_headers: Vec<(&'static str, &'static str)>,
    pub body: Option<Value>,
    pub text: Option<&'static str>,
    pub inputs: Vec<(&'static str, Value)>,
    pub steps: Vec<(&'static str, &'static str, Value)>,
}

impl Context for Fake {
    fn url(&self) -> Option<String> {
        Some("http://127.0.0.1:1/pets?limit=2".into())
    }
    fn method(&self) -> Option<String> {
        Some("GET".into())
    }
    fn status(&self) -> Option<u16> {
        self.status
    }
    fn request_query(&self, name: &str) -> Option<String> {
        (name == "limit").then(|| "2".into())
    }
    fn response_header(&self, name: &str) -> Option<String> {
        let (_, v) = self
            .response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))?;
        Some(v.to_string())
    }
    fn response_body(&self) -> Option<&Value> {
        self.body.as_ref()
    }
    fn response_text(&self) -> Option<&str> {
        self.text
    }
    fn input(&self, name: &str) -> Option<Value> {
        let (_, v) = self.inputs.iter().find(|(k, _)| *k == name)?;
        Some(v.clone())
    }
    fn step_output(&self, step: &str, name: &str) -> Option<Value> {
        let (_, _, v) = self
            .steps
            .iter()
            .find(|(s, n, _)| *s == step && *n == name)?;
        Some(v.clone())
    }
    fn workflow_value(&self, workflow: &str, rest: &str) -> Option<Value> {
        (workflow == "login" && rest == "outputs.token").then(|| json!("t0k"))
    }
    fn source_url(&self, name: &str) -> Option<String> {
        (name == "petstore").then(|| "./petstore.yaml".into())
    }
}

/// Every form of the ABNF, with the kind it parses to.
#[test]
fn accepted_expressions_parse_to_their_kind() {
    let s = |x: &str| x.to_string();
    let table: Vec<(&str, ExprKind)> = vec![
        ("$url", ExprKind::Url),
        ("$method", ExprKind::Method),
        ("$statusCode", ExprKind::StatusCode),
        (
            "$request.header.X-Request-Id",
            ExprKind::RequestHeader(s("X-Request-Id")),
        ),
        (
            "$request.query.page size",
            ExprKind::RequestQuery(s("page size")),
        ),
        ("$request.path.petId", ExprKind::RequestPath(s("petId"))),
        ("$request.body", ExprKind::RequestBody(None)),
        (
            "$request.body#/user/uuid",
            ExprKind::RequestBody(Some(s("#/user/uuid"))),
        ),
        (
            "$response.header.Location",
            ExprKind::ResponseHeader(s("Location")),
        ),
        ("$response.body", ExprKind::ResponseBody(None)),
        (
            "$response.body#/a~1b/~0c/0",
            ExprKind::ResponseBody(Some(s("#/a~1b/~0c/0"))),
        ),
        ("$response.body#", ExprKind::ResponseBody(Some(s("#")))),
        ("$inputs.username", ExprKind::Inputs(s("username"), None)),
        (
            "$inputs.user#/name",
            ExprKind::Inputs(s("user"), Some(s("#/name"))),
        ),
        (
            "$inputs.user.name",
            ExprKind::Inputs(s("user"), Some(s(".name"))),
        ),
        ("$outputs.token", ExprKind::Outputs(s("token"), None)),
    ];
    check_accepted(table);
}

fn check_accepted(table: Vec<(&str, ExprKind)>) {
    for (text, kind) in table {
        let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(parsed.kind, kind, "{text}");
        assert_eq!(parsed.source, text);
    }
}

/// The forms that name other steps, workflows, sources and components.
#[test]
fn accepted_references_parse_to_their_kind() {
    let s = |x: &str| x.to_string();
    let table: Vec<(&str, ExprKind)> = vec![
        (
            "$steps.create-pet_1.outputs.id",
            ExprKind::Steps {
                step: s("create-pet_1"),
                rest: s("outputs.id"),
            },
        ),
        (
            "$steps.list.outputs.pets#/0/id",
            ExprKind::Steps {
                step: s("list"),
                rest: s("outputs.pets#/0/id"),
            },
        ),
        (
            "$workflows.login.outputs.token",
            ExprKind::Workflows {
                workflow: s("login"),
                rest: s("outputs.token"),
            },
        ),
        (
            "$workflows.login.inputs.user#/name",
            ExprKind::Workflows {
                workflow: s("login"),
                rest: s("inputs.user#/name"),
            },
        ),
        (
            "$sourceDescriptions.petstore.url",
            ExprKind::SourceDescriptions {
                name: s("petstore"),
                rest: s("url"),
            },
        ),
        (
            "$sourceDescriptions.petstore.getPetById",
            ExprKind::SourceDescriptions {
                name: s("petstore"),
                rest: s("getPetById"),
            },
        ),
        (
            "$components.parameters.page",
            ExprKind::Components {
                kind: s("parameters"),
                name: s("page"),
                rest: None,
            },
        ),
        (
            "$components.successActions.done",
            ExprKind::Components {
                kind: s("successActions"),
                name: s("done"),
                rest: None,
            },
        ),
        (
            "$components.inputs.pet.name",
            ExprKind::Components {
                kind: s("inputs"),
                name: s("pet"),
                rest: Some(s(".name")),
            },
        ),
    ];
    check_accepted(table);
}

/// Checks each (text, offset, len, words of the message) is refused there, with help that shows
/// an example.
pub(in crate::arazzo) fn assert_refused(
    table: &[(&str, usize, usize, &str)],
    parse: impl Fn(&str) -> Result<(), ExprError>,
) {
    for (text, offset, len, words) in table {
        let e = parse(text).expect_err(text);
        assert_eq!((e.offset, e.len), (*offset, *len), "{text}: {e:?}");
        assert!(e.message.contains(words), "{text}: {}", e.message);
        let help = e.help.unwrap_or_default();
        assert!(
            help.contains('`'),
            "{text}: help without an example: {help}"
        );
    }
}

/// Refused expressions: (text, offset, len, words of the message).
#[test]
fn refused_expressions_point_at_the_bad_token() {
    let table: &[(&str, usize, usize, &str)] = &[
        ("statusCode", 0, 1, "starts with `$`"),
        ("", 0, 1, "starts with `$`"),
        ("$", 0, 1, "not a runtime expression"),
        ("$statuscode", 0, 11, "not a runtime expression"),
        ("$statusCode ", 11, 1, "unexpected"),
        ("$url/x", 4, 2, "unexpected"),
        ("$request", 8, 1, "expected `.`"),
        ("$request.cookie.x", 9, 6, "not a part of the request"),
        ("$response.query.x", 10, 5, "not a part of the response"),
        ("$response.header.", 17, 1, "expected a header name"),
        (
            "$response.header.Bad Name",
            20,
            1,
            "cannot be in a header name",
        ),
        ("$response.body/id", 14, 3, "expected `#/pointer`"),
        ("$response.body#id", 15, 1, "starts with `/`"),
        (
            "$response.body#/a~2",
            17,
            2,
            "not allowed in a JSON pointer",
        ),
        ("$inputs.", 8, 1, "expected an input name"),
        ("$inputs.a b", 9, 1, "cannot be in an input name"),
        ("$steps.create.id", 14, 2, "only its `outputs`"),
        ("$steps..outputs.id", 7, 1, "expected a step id"),
        ("$steps.create.outputs.", 22, 1, "expected an output name"),
        ("$workflows.login.params.x", 17, 6, "`inputs` and `outputs`"),
        ("$sourceDescriptions.petstore", 28, 1, "expected `.`"),
        ("$components.schemas.Pet", 12, 7, "not a kind of component"),
        ("$message.payload", 0, 8, "does not evaluate"),
        ("$request.query.{x}", 15, 1, "cannot be in a name"),
    ];
    assert_refused(table, |text| parse(text).map(|_| ()));
}

#[test]
fn a_misspelt_root_gets_a_suggestion() {
    let e = parse("$statuscode").expect_err("lower case c");
    assert!(
        e.help
            .unwrap_or_default()
            .starts_with("did you mean `$statusCode`?")
    );
}

#[test]
fn expressions_evaluate_against_the_context() {
    let ctx = Fake {
        status: Some(201),
        response_headers: vec![("Location", "/pets/7")],
        body: Some(json!({"items": [{"id": 7}], "a/b": {"~c": true}})),
        inputs: vec![
            ("user", json!({"name": "ann", "tags": ["x"]})),
            ("a.b", json!(1)),
        ],
        steps: vec![("create", "pet", json!({"id": 7}))],
        ..Fake::default()
    };
    let cases: &[(&str, Value)] = &[
        ("$statusCode", json!(201)),
        ("$method", json!("GET")),
        ("$url", json!("http://127.0.0.1:1/pets?limit=2")),
        ("$request.query.limit", json!("2")),
        ("$response.header.location", json!("/pets/7")),
        ("$response.body#/items/0/id", json!(7)),
        ("$response.body#/a~1b/~0c", json!(true)),
        ("$inputs.user", json!({"name": "ann", "tags": ["x"]})),
        ("$inputs.user.name", json!("ann")),
        ("$inputs.user.tags.0", json!("x")),
        ("$inputs.user#/tags/0", json!("x")),
        ("$inputs.a.b", json!(1)),
        ("$steps.create.outputs.pet#/id", json!(7)),
        ("$steps.create.outputs.pet.id", json!(7)),
        ("$workflows.login.outputs.token", json!("t0k")),
        ("$sourceDescriptions.petstore.url", json!("./petstore.yaml")),
    ];
    for (text, want) in cases {
        let e = parse(text).expect(text);
        assert_eq!(eval(&e, &ctx).expect(text), *want, "{text}");
    }
}

#[test]
fn a_missing_value_says_what_was_missing() {
    let ctx = Fake {
        body: Some(json!({"items": []})),
        steps: vec![("create", "pet", json!({"id": 7}))],
        ..Fake::default()
    };
    let cases: &[(&str, &str)] = &[
        (
            "$steps.create.outputs.id",
            "`$steps.create.outputs.id`: step `create` has no output `id`",
        ),
        ("$steps.create.outputs.pet.name", "`pet` has no `name`"),
        (
            "$response.body#/items/0",
            "the response body has nothing at `/items/0`",
        ),
        ("$statusCode", "no response was received"),
        ("$inputs.token", "the workflow has no input `token`"),
        ("$response.header.ETag", "the response has no header `ETag`"),
        ("$components.parameters.page", "is a component"),
    ];
    for (text, words) in cases {
        let e = eval(&parse(text).expect(text), &ctx).expect_err(text);
        assert!(e.to_string().contains(words), "{text}: {e}");
    }
}

#[test]
fn a_text_body_is_a_string_and_refuses_a_pointer() {
    let ctx = Fake {
        text: Some("pong"),
        ..Fake::default()
    };
    assert_eq!(
        eval(&parse("$response.body").unwrap(), &ctx).unwrap(),
        json!("pong")
    );
    let e = eval(&parse("$response.body#/a").unwrap(), &ctx).expect_err("text body");
    assert!(e.reason.contains("not JSON"), "{e}");
}

#[test]
fn one_whole_expression_keeps_its_type_and_embedded_ones_become_text() {
    let ctx = Fake {
        status: Some(200),
        inputs: vec![
            ("n", json!(3)),
            ("obj", json!({"a": [1]})),
            ("s", json!("x")),
        ],
        ..Fake::default()
    };
    let render = |t: &str| interpolate(t).expect(t).render(&ctx).expect(t);
    assert_eq!(render("{$inputs.n}"), json!(3));
    assert_eq!(render("{$inputs.obj}"), json!({"a": [1]}));
    assert_eq!(render("n={$inputs.n}&s={$inputs.s}"), json!("n=3&s=x"));
    assert_eq!(render("{$inputs.obj} "), json!("{\"a\":[1]} "));
    assert_eq!(render("^2\\d{2}$ {$statusCode}"), json!("^2\\d{2}$ 200"));
    assert_eq!(render(""), json!(""));
    assert!(interpolate("plain {text}").unwrap().is_literal());
    assert!(!interpolate("{$url}").unwrap().is_literal());
}

#[test]
fn interpolation_errors_are_offsets_into_the_whole_string() {
    let e = interpolate("id={$steps.x.id}").expect_err("no outputs");
    assert_eq!((e.offset, e.len), (13, 2), "{e:?}");
    let e = interpolate("a {$inputs.x").expect_err("unclosed");
    assert_eq!((e.offset, e.len), (2, 10), "{e:?}");
    assert!(e.message.contains("never closed"));
}

/// Random strings never panic the parser or the interpolator, and every error span lies within
/// the text (or one past its end).
#[test]
fn random_strings_never_panic() {
    let alphabet: Vec<char> = "$.#/~01{}abc-_ \u{e9}\u{1F600}'=!<>&|()[]"
        .chars()
        .chain("$request.body#/$steps.a.outputs.$inputs.$response.header.".chars())
        .collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..4000 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 24) as usize;
        for i in 0..len {
            let r = seed.rotate_left(i as u32 * 5) ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
            s.push(alphabet[(r % alphabet.len() as u64) as usize]);
        }
        let prefixed = format!("$response.{s}");
        let condition = format!("{s} == 1 && !({s})");
        for text in [s.as_str(), prefixed.as_str(), condition.as_str()] {
            let simple = crate::arazzo::criteria::compile(
                text,
                Some("$response.body"),
                crate::arazzo::criteria::CriterionType::Simple,
            );
            if let Ok(c) = &simple {
                let _ = c.holds(&Fake {
                    body: Some(json!({"a": [1]})),
                    ..Fake::default()
                });
            }
            if let Ok(i) = interpolate(text) {
                let _ = i.render(&Fake::default());
            }
            let errors = [parse(text).err(), interpolate(text).err(), simple.err()];
            for e in errors.into_iter().flatten() {
                assert!(e.offset + e.len <= text.len() + 1, "{text:?}: {e:?}");
                assert!(
                    text.is_char_boundary(e.offset.min(text.len())),
                    "{text:?}: {e:?}"
                );
            }
        }
    }
}
