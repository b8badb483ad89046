//! The generator over whole specs: every request body and parameter schema of the shipped
//! specs (`specs/*/openapi.yaml`), and, in CI, of public real-world specs (the folder
//! `CONFORM_REALWORLD_SPECS` names, which `.ci/run` sets): a valid value for each, every
//! boundary accepted and every negative refused for its own rule alone.

use std::path::{Path, PathBuf};

use super::*;
use crate::openapi::{ApiSpec, load_api};

/// Each request schema of `spec` with where its value goes and a name for messages.
fn request_schemas(spec: &ApiSpec) -> Vec<(String, Place, &Schema)> {
    let mut out = Vec::new();
    for op in &spec.operations {
        for p in &op.params {
            if let Some(s) = &p.schema {
                out.push((
                    format!("{} {} {}", op.id, p.location, p.name),
                    Place::Param,
                    &**s,
                ));
            }
        }
        for m in op.request_body.iter().flat_map(|rb| &rb.content) {
            // A form or multipart body is made from its schema as well (the lead encodes it).
            if let Some(s) = &m.schema {
                out.push((
                    format!("{} body {}", op.id, m.media_type),
                    Place::Body,
                    &**s,
                ));
            }
        }
    }
    out
}

/// What one schema gave: a valid value (else why not), and the negatives checked.
fn exercise(g: &mut Generator, name: &str, place: Place, schema: &Schema) -> Result<usize, String> {
    let v = g.valid(schema, place).map_err(|e| format!("{name}: {e}"))?;
    let validator = schema.validator().map_err(str::to_owned)?;
    assert!(
        errors(validator, schema, place, &v).is_empty(),
        "{name}: {v}"
    );
    for b in g.boundaries(schema, place) {
        assert!(
            errors(validator, schema, place, &b).is_empty(),
            "{name}: boundary {b}"
        );
    }
    let negatives = g.negatives(schema, place);
    for n in &negatives {
        let errs = errors(validator, schema, place, &n.value);
        assert!(!errs.is_empty(), "{name}: {n:?} is accepted");
        for e in errs {
            assert!(
                e.keyword == n.rule.keyword && e.pointer == n.rule.pointer,
                "{name}: {n:?} also breaks {} at {}",
                e.keyword,
                e.pointer
            );
        }
    }
    Ok(negatives.len())
}

#[test]
fn every_request_schema_of_the_shipped_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut schemas = 0;
    let mut negatives = 0;
    let mut g = Generator::new(12);
    for entry in std::fs::read_dir(&root).expect("specs/").flatten() {
        let path = entry.path().join("openapi.yaml");
        if !path.is_file() {
            continue;
        }
        let api = entry.file_name().to_string_lossy().into_owned();
        let spec = load_api(&api, &path).unwrap_or_else(|d| panic!("{d:?}"));
        for (name, place, schema) in request_schemas(&spec) {
            schemas += 1;
            negatives += exercise(&mut g, &format!("{api} {name}"), place, schema)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    println!("shipped specs: {schemas} request schemas, {negatives} negatives");
    assert!(
        schemas > 0,
        "no request schema found under {}",
        root.display()
    );
    assert!(negatives > 0, "no negative made for any shipped schema");
}

/// The real-world specs read in CI, with how many of their request schemas to try.
pub(super) const REALWORLD: &[(&str, usize)] = &[
    ("petstore-3.0/openapi.yaml", usize::MAX),
    ("oai-examples/v3.0/petstore-expanded.yaml", usize::MAX),
    ("oai-examples/v3.0/uspto.yaml", usize::MAX),
    ("oai-examples/v3.1/tictactoe.yaml", usize::MAX),
    ("oai-examples/v3.1/webhook-example.yaml", usize::MAX),
    (
        "multifile/redocly-openapi-starter-3.0/openapi/openapi.yaml",
        usize::MAX,
    ),
    (
        "multifile/redocly-openapi-starter-3.1/openapi/openapi.yaml",
        usize::MAX,
    ),
    ("large/stripe/spec3.yaml", 300),
    ("large/openai/openapi.yaml", 300),
];

#[test]
fn real_world_request_schemas_get_values() {
    let Some(base) = std::env::var_os("CONFORM_REALWORLD_SPECS").map(PathBuf::from) else {
        println!(
            "skipped: CONFORM_REALWORLD_SPECS is not set (CI sets it to the real-world specs)"
        );
        return;
    };
    assert!(
        base.is_dir(),
        "CONFORM_REALWORLD_SPECS={} is no folder",
        base.display()
    );
    let mut g = Generator::new(2026);
    let (mut tried, mut served, mut negatives) = (0usize, 0usize, 0usize);
    let mut failures: Vec<String> = Vec::new();
    for (file, limit) in REALWORLD {
        let path: PathBuf = base.join(file);
        let spec = match load_api("realworld", &path) {
            Ok(s) => s,
            Err(d) => {
                println!("{file}: not loaded ({})", d.message);
                continue;
            }
        };
        let (mut t, mut s) = (0, 0);
        for (name, place, schema) in request_schemas(&spec).into_iter().take(*limit) {
            t += 1;
            match exercise(&mut g, &name, place, schema) {
                Ok(n) => {
                    s += 1;
                    negatives += n;
                }
                Err(e) => failures.push(format!("{file}: {e}")),
            }
        }
        println!("{file}: {s} of {t} request schemas served");
        tried += t;
        served += s;
    }
    for f in failures.iter().take(20) {
        println!("not served: {f}");
    }
    println!("real-world specs: {served} of {tried} request schemas served, {negatives} negatives");
    assert!(
        tried > 0,
        "no request schema found under {}",
        base.display()
    );
    assert!(
        served * 100 >= tried * 95,
        "only {served} of {tried} real-world request schemas got a valid value"
    );
}
