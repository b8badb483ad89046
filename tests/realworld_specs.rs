//! CI-only: the public specs other teams wrote (`../shared/realworld-specs`, see its README)
//! load, and `specs check` reports their documented defects. Skipped, with the reason printed,
//! when the folder is not beside the checkout.

use std::path::{Path, PathBuf};
use std::time::Instant;

use conform::openapi::lint::{Rule, lint_file};
use conform::openapi::load_api;

use crate::util::root;

fn shared() -> Option<PathBuf> {
    let dir = root().join("../shared/realworld-specs");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the real-world specs are only beside the CI checkout)",
            dir.display()
        );
        None
    }
}

#[test]
fn real_world_specs_load() {
    let Some(dir) = shared() else { return };
    let specs = [
        ("petstore-3.0/openapi.yaml", 19),
        ("oai-examples/v3.0/petstore.yaml", 3),
        ("oai-examples/v3.0/petstore.json", 3),
        ("oai-examples/v3.0/petstore-expanded.yaml", 4),
        ("oai-examples/v3.0/api-with-examples.yaml", 2),
        ("oai-examples/v3.0/callback-example.yaml", 1),
        ("oai-examples/v3.0/link-example.yaml", 6),
        ("oai-examples/v3.0/uspto.yaml", 3),
        ("oai-examples/v3.1/tictactoe.yaml", 3),
        ("oai-examples/v3.1/non-oauth-scopes.json", 1),
        ("oai-examples/v3.2/3.2-tags-example.yaml", 4),
        ("oai-examples/v3.2/3.2-tags-example.json", 4),
        (
            "multifile/redocly-openapi-starter-3.0/openapi/openapi.yaml",
            5,
        ),
        (
            "multifile/redocly-openapi-starter-3.1/openapi/openapi.yaml",
            12,
        ),
        ("large/stripe/spec3.yaml", 0),
        ("large/openai/openapi.yaml", 0),
    ];
    for (file, ops) in specs {
        let started = Instant::now();
        let spec = load_api("realworld", &dir.join(file)).unwrap_or_else(|d| panic!("{file}: {d}"));
        // Times are printed for the benchmark notes, never asserted.
        eprintln!(
            "{file}: {} operations loaded in {:?}",
            spec.operations.len(),
            started.elapsed()
        );
        if ops > 0 {
            assert_eq!(spec.operations.len(), ops, "{file}");
        } else {
            assert!(spec.operations.len() > 200, "{file}");
        }
    }
}

/// The OpenAPI 3.2 examples (tags with `parent` and `kind`) lint against the 3.2 schema
/// without an error.
#[test]
fn real_world_32_examples_lint_clean() {
    let Some(dir) = shared() else { return };
    for file in ["3.2-tags-example.yaml", "3.2-tags-example.json"] {
        let problems = lint_file(&dir.join("oai-examples/v3.2").join(file));
        let errors: Vec<_> = problems
            .iter()
            .filter(|p| p.severity == conform::openapi::lint::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
    }
}

/// What `specs check` reports for the defects the folder's README documents.
#[test]
fn real_world_known_defects_are_reported() {
    let Some(dir) = shared() else { return };
    let redocly = dir.join("multifile/redocly-openapi-starter-3.0/openapi/openapi.yaml");
    let problems = lint_file(&redocly);
    assert!(
        problems.iter().any(|p| p.rule == Rule::OpenApi30
            && p.pointer == "/info/description"
            && p.file == redocly),
        "{problems:#?}"
    );
    // Swagger 2.0, read as published: every example loads whole and lints without an error.
    for (file, ops) in [
        ("yaml/petstore.yaml", 3),
        ("json/petstore.json", 3),
        ("yaml/petstore-expanded.yaml", 4),
        ("yaml/petstore-minimal.yaml", 1),
        ("yaml/petstore-simple.yaml", 4),
        ("yaml/petstore-with-external-docs.yaml", 4),
        ("yaml/api-with-examples.yaml", 2),
        ("yaml/uber.yaml", 5),
        ("yaml/petstore-separate/spec/swagger.yaml", 4),
        ("json/petstore-separate/spec/swagger.json", 4),
    ] {
        let path = dir.join("swagger-2.0").join(file);
        let spec = load_api("swagger", &path).unwrap_or_else(|d| panic!("{file}: {d}"));
        assert_eq!(
            (spec.operations.len(), spec.skipped.len()),
            (ops, 0),
            "{file}"
        );
        let problems = lint_file(&path);
        let errors: Vec<_> = problems
            .iter()
            .filter(|p| p.severity == conform::openapi::lint::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        assert!(
            problems.iter().all(|p| p.pos.is_known()),
            "{file}: {problems:#?}"
        );
    }
    let started = Instant::now();
    let openai = lint_file(&dir.join("large/openai/openapi.yaml"));
    eprintln!(
        "large/openai lint: {} problem(s) in {:?}",
        openai.len(),
        started.elapsed()
    );
    // The documented defect: entries repeated in a `required` list (2020-12 wants them unique).
    assert!(
        openai.iter().any(|p| p.rule == Rule::Schema
            && p.pointer == "/components/schemas/ContainerResource/required"),
        "{openai:#?}"
    );
    // A 3.1 document with 3.0's boolean `exclusiveMinimum`: loaded, and reported.
    assert!(
        openai
            .iter()
            .any(|p| p.rule == Rule::Schema && p.pointer.ends_with("/exclusiveMinimum")),
        "{openai:#?}"
    );
    let started = Instant::now();
    let stripe = lint_file(&dir.join("large/stripe/spec3.yaml"));
    eprintln!(
        "large/stripe lint: {} problem(s) in {:?}",
        stripe.len(),
        started.elapsed()
    );
    assert!(stripe.is_empty(), "{stripe:#?}");
}

/// `conform fuzz` on specs it was not written for: every operation of each real-world spec (the
/// first 150 of Stripe and OpenAI) gets cases, and every case's scenario text compiles against
/// its spec, as a run would compile it; the operations that get none say why.
#[test]
fn every_operation_of_the_real_world_specs_gets_fuzz_cases_that_compile() {
    let Some(dir) = shared() else { return };
    let specs = [
        "petstore-3.0/openapi.yaml",
        "oai-examples/v3.0/petstore-expanded.yaml",
        "oai-examples/v3.0/uspto.yaml",
        "oai-examples/v3.0/link-example.yaml",
        "oai-examples/v3.1/tictactoe.yaml",
        "multifile/redocly-openapi-starter-3.1/openapi/openapi.yaml",
        "large/stripe/spec3.yaml",
        "large/openai/openapi.yaml",
    ];
    let mut tally = Tally::default();
    for file in specs {
        fuzz_cases_of(&dir, file, &mut tally);
    }
    let Tally {
        ops,
        planned,
        cases,
        problems,
    } = tally;
    eprintln!(
        "fuzz cases: {planned} of {ops} operations planned, {cases} cases, {} problems",
        problems.len()
    );
    for p in problems.iter().take(20) {
        eprintln!("  {p}");
    }
    assert!(ops > 300, "only {ops} operations read");
    assert!(cases > 1000, "only {cases} cases");
    assert!(
        !problems.iter().any(|p| p.contains("does not compile")),
        "cases that do not compile:\n{}",
        problems.join("\n")
    );
    assert!(
        planned * 100 >= ops * 97,
        "{planned} of {ops} operations planned:\n{}",
        problems.join("\n")
    );
}

/// What planning fuzz cases for the real-world specs' operations found.
#[derive(Default)]
struct Tally {
    /// Operations read.
    ops: usize,
    /// Operations that got cases.
    planned: usize,
    /// Cases planned.
    cases: usize,
    /// Operations that got no case (and why), and cases that do not compile.
    problems: Vec<String>,
}

/// Plans the fuzz cases of the first 150 operations of `file` (under `dir`) and compiles each
/// case's scenario text against the spec, as a run would; counts them into `tally`.
fn fuzz_cases_of(dir: &Path, file: &str, tally: &mut Tally) {
    use std::sync::Arc;

    use conform::fuzz::cases::{Inputs, plan_cases};
    use conform::openapi::{Registry, SpecFiles};
    use conform::scenario::Found;

    let arg = format!("realworld={}", dir.join(file).display());
    let files = SpecFiles::parse(&[arg]).unwrap_or_else(|d| panic!("{file}: {d}"));
    let registry = Arc::new(Registry::with_files(root().join("specs"), files));
    let spec = registry
        .api("realworld")
        .unwrap_or_else(|d| panic!("{file}: {d}"));
    let runner = conform::run::Runner::new(
        registry.clone(),
        Arc::new(Default::default()),
        conform::run::http_client().expect("client"),
        Default::default(),
    );
    let fixed = Default::default();
    for op in spec.operations.iter().take(150) {
        tally.ops += 1;
        let input = Inputs {
            op,
            fixed: &fixed,
            max_examples: 6,
            auth_headers: &[],
        };
        let planned_cases = match plan_cases(&input, 7) {
            Ok(c) => c,
            Err(why) => {
                tally
                    .problems
                    .push(format!("{file} {}: no case: {}", op.id, why.0));
                continue;
            }
        };
        tally.planned += 1;
        for case in planned_cases {
            tally.cases += 1;
            let text = case.scenario("realworld", op, 7);
            let found = Found {
                path: PathBuf::from("case.yaml"),
                id: "case.yaml".into(),
            };
            if let Err(r) = runner.compile_text(&found, &text) {
                tally.problems.push(format!(
                    "{file} {}: case {} does not compile: {:?}\n{text}",
                    op.id, case.number, r.diagnostics
                ));
            }
        }
    }
}
