//! The generator's edges and properties: boundaries, parameters as text, readOnly in
//! requests, determinism, short strings, shrinking and throughput.

use serde_json::{Value, json};

use super::tests::{body, exercise, param, spec, spec_in};
use super::*;
#[test]
fn read_only_properties_stay_out_of_requests_unless_required() {
    let (_dir, s) = spec(
        "{type: object, required: [name, created], properties: {id: {type: integer, readOnly: true}, created: {type: string, format: date-time, readOnly: true}, name: {type: string}, secret: {type: string, writeOnly: true}}}",
    );
    let schema = body(&s);
    let mut g = Generator::new(4);
    let mut saw_secret = false;
    for _ in 0..30 {
        let v = g.valid(schema, Place::Body).expect("valid");
        assert!(v.get("id").is_none(), "{v}");
        // Required, so the request check (the schema as written) demands it.
        assert!(v.get("created").is_some(), "{v}");
        saw_secret |= v.get("secret").is_some();
        let op = s.operation("op").expect("op");
        let req = crate::check::request::Outgoing {
            query: vec![("q".into(), json!("x"))],
            body: Some(v.clone()),
            ..Default::default()
        };
        let found = crate::check::request::check(op, &req, crate::source::Pos::UNKNOWN);
        assert!(found.is_empty(), "{v}: {found:?}");
    }
    assert!(saw_secret, "writeOnly properties belong in requests");
    for v in g.boundaries(schema, Place::Body) {
        assert!(v.get("id").is_none(), "{v}");
    }
}

#[test]
fn parameters_travel_as_text() {
    let dir = tempfile::tempdir().expect("temp");
    let s = spec_in(
        dir.path(),
        "{type: string}",
        "{type: integer, minimum: 1, maximum: 100}",
        "{}",
    );
    let schema = param(&s);
    let negatives = exercise(schema, Place::Param, &["type", "minimum", "maximum"]);
    let wrong = negatives
        .iter()
        .find(|n| n.rule.keyword == "type")
        .expect("type");
    assert_eq!(wrong.value, json!("not-a-number"));
    // What the request check reads back from the text is still refused for that rule.
    let text = wrong.value.as_str().expect("text");
    let typed = crate::check::schema::coerce(text, &schema.raw);
    assert!(!schema.validator().expect("compiles").is_valid(&typed));

    // A string parameter cannot have the wrong type on the wire.
    let s = spec_in(
        dir.path(),
        "{type: string}",
        "{type: string, maxLength: 4}",
        "{}",
    );
    let negatives = exercise(param(&s), Place::Param, &["maxLength"]);
    assert!(
        negatives.iter().all(|n| n.rule.keyword != "type"),
        "{negatives:?}"
    );

    // Nullable (3.0 `nullable`, a type union in 3.1): a parameter never gets `null`.
    let s = spec_in(
        dir.path(),
        "{type: string}",
        "{type: [integer, 'null']}",
        "{}",
    );
    let mut g = Generator::new(6);
    for _ in 0..30 {
        assert!(g.valid(param(&s), Place::Param).expect("valid").is_i64());
    }
}

#[test]
fn boundaries_are_the_edges() {
    let (_dir, s) = spec("{type: string, minLength: 2, maxLength: 6}");
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    let lens: Vec<usize> = b
        .iter()
        .filter_map(|v| v.as_str())
        .map(|s| s.chars().count())
        .collect();
    assert!(lens.contains(&2) && lens.contains(&6), "{b:?}");

    let (_dir, s) = spec("{type: integer, exclusiveMinimum: 10, maximum: 50, multipleOf: 4}");
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    assert!(b.contains(&json!(12)) && b.contains(&json!(48)), "{b:?}");

    let (_dir, s) = spec("{type: [string, 'null'], enum: [a, b, null]}");
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    assert_eq!(b, vec![json!("a"), json!("b"), Value::Null]);

    let (_dir, s) = spec("{type: array, items: {type: boolean}, minItems: 1, maxItems: 4}");
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    let counts: Vec<usize> = b.iter().filter_map(Value::as_array).map(Vec::len).collect();
    assert!(counts.contains(&1) && counts.contains(&4), "{b:?}");

    let (_dir, s) = spec(
        "{type: object, required: [a], properties: {a: {type: integer, minimum: 0, maximum: 9}, b: {type: string}, c: {type: boolean}}}",
    );
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    assert!(
        b.contains(&json!({"a": 0}))
            || b.iter()
                .any(|v| v.as_object().is_some_and(|o| o.len() == 1)),
        "{b:?}"
    );
    assert!(
        b.iter()
            .any(|v| v.as_object().is_some_and(|o| o.len() == 3)),
        "{b:?}"
    );
    assert!(b.iter().any(|v| v["a"] == json!(9)), "{b:?}");
    let mut seen = Vec::new();
    for v in &b {
        assert!(!seen.contains(&v), "duplicate {v}");
        seen.push(v);
    }
}

#[test]
fn the_same_seed_gives_the_same_values() {
    let (_dir, s) = spec(
        "{type: object, required: [id], properties: {id: {type: string, format: uuid}, n: {type: number, maximum: 5}, tags: {type: array, items: {type: string, pattern: '^[A-Z]{2,4}$'}}}}",
    );
    let schema = body(&s);
    let run = |seed| {
        let mut g = Generator::new(seed);
        let v: Vec<Value> = (0..10)
            .map(|_| g.valid(schema, Place::Body).expect("valid"))
            .collect();
        let b = g.boundaries(schema, Place::Body);
        let n: Vec<Value> = g
            .negatives(schema, Place::Body)
            .into_iter()
            .map(|n| n.value)
            .collect();
        (v, b, n)
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42).0, run(43).0);
}

#[test]
fn smaller_shrinks_one_step_at_a_time() {
    assert_eq!(smaller(&json!(10)), vec![json!(0), json!(5), json!(9)]);
    assert_eq!(smaller(&json!(-3)), vec![json!(0), json!(-1), json!(-2)]);
    assert!(smaller(&json!(0)).is_empty());
    assert_eq!(
        smaller(&json!("abcd")),
        vec![json!("ab"), json!("cd"), json!("abc")]
    );
    // A hostile character is kept wherever it is: the second half, or the unusual characters.
    let s = smaller(&json!("abcdef\u{e}g"));
    assert!(
        s.contains(&json!("ef\u{e}g")) && s.contains(&json!("\u{e}")),
        "{s:?}"
    );
    assert_eq!(smaller(&json!(true)), vec![json!(false)]);
    assert!(smaller(&Value::Null).is_empty());
    let o = smaller(&json!({"a": 1, "b": "xy"}));
    assert_eq!(o[0], json!({"b": "xy"}));
    assert_eq!(o[1], json!({"a": 1}));
    assert!(o.contains(&json!({"a": 0, "b": "xy"})));
    let a = smaller(&json!([1, 2, 3, 4]));
    assert_eq!(a[0], json!([1, 2]));
    assert!(a.contains(&json!([1, 2, 3])));
    // Every variant is strictly smaller by some measure: shrinking ends.
    let mut v = json!({"a": [1, {"b": "xyz"}], "c": 7});
    for _ in 0..100 {
        match smaller(&v).into_iter().next() {
            Some(next) => v = next,
            None => break,
        }
    }
    assert_eq!(v, json!({}));
}

#[test]
fn values_per_second() {
    let (_dir, s) = spec(
        "{type: object, required: [id, email], properties: {id: {type: string, format: uuid}, email: {type: string, format: email}, code: {type: string, pattern: '^[A-Z]{3}-[0-9]{4}$'}, n: {type: integer, minimum: 0, maximum: 99}, tags: {type: array, items: {type: string}, maxItems: 4}}}",
    );
    let schema = body(&s);
    let mut g = Generator::new(1);
    let start = std::time::Instant::now();
    let n = 2000;
    for _ in 0..n {
        g.valid(schema, Place::Body).expect("valid");
    }
    // A figure for the report, not an assertion: timings vary with the machine's load.
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} valid values in {secs:.3}s: {:.0} values/s",
        f64::from(n) / secs
    );
    let start = std::time::Instant::now();
    let mut made = 0;
    for _ in 0..100 {
        made += g.boundaries(schema, Place::Body).len() + g.negatives(schema, Place::Body).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{made} boundary and negative values in {secs:.3}s: {:.0} values/s",
        made as f64 / secs
    );
}

#[test]
fn strings_stay_short_unless_min_length_asks_more() {
    for (schema, longest) in [
        ("{type: string}", 24),
        ("{type: string, pattern: '^[a-z]+-[a-z]+$'}", 24),
        ("{type: string, minLength: 40}", 52),
    ] {
        let (_dir, s) = spec(schema);
        let mut g = Generator::new(3);
        let mut long = 0;
        for _ in 0..100 {
            let v = g.valid(body(&s), Place::Body).expect("valid");
            let n = v.as_str().expect("a string").chars().count();
            // Free text is long now and then on purpose (a few in a hundred), and then by far.
            if n > longest && n >= 1024 && !schema.contains("pattern") {
                long += 1;
                continue;
            }
            assert!(n <= longest, "{schema}: {v} is {n} characters");
        }
        assert!(long <= 10, "{schema}: {long} of 100 strings are long");
    }
    // With no maxLength there is no "too long" negative.
    let (_dir, s) = spec("{type: string, minLength: 2}");
    let negatives = Generator::new(1).negatives(body(&s), Place::Body);
    assert!(
        negatives.iter().all(|n| n.rule.keyword != "maxLength"),
        "{negatives:?}"
    );
}

#[test]
fn dependent_required_and_generator_is_send() {
    let (_dir, s) = spec(
        "{type: object, properties: {card: {type: string}, billing: {type: string}}, dependentRequired: {card: [billing]}}",
    );
    let mut g = Generator::new(2);
    let mut with_card = 0;
    for _ in 0..40 {
        let v = g.valid(body(&s), Place::Body).expect("valid");
        if v.get("card").is_some() {
            with_card += 1;
            assert!(v.get("billing").is_some(), "{v}");
        }
    }
    assert!(with_card > 0);
    // The engine may run generators on its worker threads.
    fn send<T: Send>() {}
    send::<Generator>();
}

#[test]
fn awkward_numbers() {
    for schema in [
        "{type: integer, multipleOf: 1.5, minimum: 1, maximum: 40}",
        "{type: integer, minimum: 100000000000000000000}",
        "{type: number, multipleOf: 0.01, minimum: 0.05, maximum: 0.5}",
        "{type: integer, format: int64, maximum: -5}",
    ] {
        let (_dir, s) = spec(schema);
        exercise(body(&s), Place::Body, &[]);
    }
    let (_dir, s) = spec("{type: integer, multipleOf: 1.5, minimum: 1, maximum: 40}");
    let b = Generator::new(1).boundaries(body(&s), Place::Body);
    assert!(b.contains(&json!(3)) && b.contains(&json!(39)), "{b:?}");
}

/// An empty string for a path parameter makes `GET /terminals/` of `GET /terminals/{id}`: the
/// list route answers, and its answer is blamed on the operation. At `Place::Path` no valid
/// value, boundary or negative is empty; as a query parameter the empty string is a boundary.
#[test]
fn a_path_segment_is_never_empty() {
    let dir = tempfile::tempdir().expect("temp");
    for schema_text in [
        "{type: string}",
        "{type: string, maxLength: 3}",
        "{enum: ['', a]}",
    ] {
        let s = spec_in(dir.path(), "{type: object}", schema_text, "{}");
        let schema = param(&s);
        let mut g = Generator::new(11);
        let empty = |v: &Value| v.as_str() == Some("");
        for _ in 0..200 {
            let v = g.valid(schema, Place::Path).expect("valid");
            assert!(!empty(&v), "{schema_text}: a valid path value is empty");
        }
        let edges = g.boundaries(schema, Place::Path);
        assert!(!edges.is_empty(), "{schema_text}");
        assert!(!edges.iter().any(empty), "{schema_text}: {edges:?}");
        let broken = g.negatives(schema, Place::Path);
        assert!(
            !broken.iter().any(|n| empty(&n.value)),
            "{schema_text}: {broken:?}"
        );
        // As text elsewhere, the empty string is a boundary: the filter above did the work.
        assert!(
            g.boundaries(schema, Place::Param).iter().any(empty),
            "{schema_text}: the query boundaries lack \"\""
        );
    }
}
