//! The plan a generated case runs as is the plan `conform run` compiles from the file
//! `--save-failures` writes for it, positions included: for every case the generator makes on
//! the shipped specs (and, in CI, on the public petstore spec), chained after a create and
//! waiting for it to settle where the spec allows. The fuzzer builds its plans without parsing
//! its own text; this is what keeps that shortcut and the saved file from ever telling
//! different stories, and the findings pointing at the saved file's lines.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::case::{Case, Kind};
use super::cases::{Inputs, op_seed, plan_cases};
use super::chain::Chains;
use crate::openapi::Registry;
use crate::plan::Plan;
use crate::scenario::Found;

const SEED: u64 = 7;

/// Everything of a plan but the spec it indexes, positions included.
fn shape(p: &Plan) -> String {
    format!(
        "{:#?}",
        (
            (&p.id, &p.path, &p.name, p.name_pos, &p.api, p.api_pos),
            (&p.tags, p.exclusive, p.timeout, &p.vars),
            (&p.steps, &p.finally, &p.spec.name),
        )
    )
}

/// The plan `case` runs as, and the plan of the file saved for it: equal.
fn same_plan(registry: &Registry, api: &str, op: usize, case: &Case, saved: &Path) {
    let spec = registry.api(api).expect("loads");
    let op = &spec.operations[op];
    let emitted = case.emit(api, op, SEED);
    let text = emitted.text.clone();
    let scenario = emitted.scenario.unwrap_or_else(|| {
        panic!("no scenario written with the text, which is then parsed:\n{text}")
    });
    let f = Found {
        path: PathBuf::from(format!("fuzz/{api}/{}/case-{}.yaml", op.id, case.number)),
        id: format!("fuzz/{api}/{}", op.id),
    };
    let direct = super::engine::plan(
        &f,
        &text,
        Some(scenario),
        registry,
        &[],
        &crate::remedy::OwnTerms,
    )
    .unwrap_or_else(|r| panic!("{:#?}\n{text}", r.diagnostics));
    let found = "the body: \"id\" is a required property\nand a second line";
    let file = super::save::write(saved, api, &op.id, case, &text, found).expect("saved");
    let written = std::fs::read_to_string(&file).expect("reads");
    assert!(written.starts_with(&text), "{written}");
    let parsed = crate::scenario::parse(&file, &written).unwrap_or_else(|d| panic!("{d}"));
    let replayed = crate::plan::compile(
        &f,
        &written,
        parsed,
        registry,
        &[],
        &crate::remedy::OwnTerms,
    )
    .unwrap_or_else(|r| panic!("{:#?}\n{written}", r.diagnostics));
    let diff = crate::init::emit::tests::first_difference(&shape(&direct), &shape(&replayed));
    assert!(diff.is_none(), "{written}\n{}", diff.unwrap_or_default());
}

/// Checks every case of every operation of `api`; returns how many, and how many were chained.
fn every_case(registry: &Registry, api: &str, saved: &Path) -> (usize, usize) {
    let spec = registry.api(api).expect("loads");
    let doc = crate::init::Doc::read(&spec.path).expect("reads");
    let mut chains = Chains::new(&spec, &doc);
    let (mut checked, mut chained) = (0, 0);
    let fixed = Default::default();
    for op in chains.order(&spec) {
        let inputs = Inputs {
            op: &spec.operations[op],
            fixed: &fixed,
            max_examples: 50,
            auth_headers: &[],
        };
        let Ok(mut cases) = plan_cases(&inputs, op_seed(SEED, api, &spec.operations[op].id)) else {
            continue;
        };
        // As if every create worked and every chain settled to a state worth waiting for, so
        // the cases get every step a chain can give them, two requests between included.
        let sequences: Vec<_> = (0..=super::chain::DEPTH)
            .flat_map(|depth| chains.sequences(&spec, op, depth))
            .collect();
        for (i, between) in chains.probes_for(&spec, op, &sequences) {
            for n in 0..=between.len() {
                chains
                    .settled
                    .after
                    .insert((i, between[..n].to_vec()), json!({"status": "ACTIVE"}));
            }
        }
        for case in &mut cases {
            if !matches!(case.kind, Kind::Negative(_)) && !sequences.is_empty() {
                let between = &sequences[case.number % sequences.len()];
                case.chain = chains.for_operation(&spec, op, &case.request.path, between);
                chained += usize::from(case.chain.is_some());
            }
            same_plan(registry, api, op, case, saved);
            checked += 1;
        }
        for valid in cases
            .iter()
            .filter(|c| c.kind != Kind::Valid || c.number < 4)
        {
            if !matches!(valid.kind, Kind::Negative(_)) {
                chains.worked(&spec, op, &valid.request, 200);
            }
        }
    }
    (checked, chained)
}

#[test]
fn every_case_runs_as_the_plan_its_saved_file_compiles_to() {
    let saved = tempfile::tempdir().expect("temp");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let registry = Registry::new(&root);
    let mut total = (0, 0);
    for api in registry.api_names() {
        let (checked, chained) = every_case(&registry, &api, saved.path());
        println!("{api}: {checked} cases, {chained} chained");
        assert!(checked > 0, "{api}: no case generated");
        total = (total.0 + checked, total.1 + chained);
    }
    assert!(
        total.1 > 0,
        "no case was chained: the chains went unchecked"
    );
    match std::env::var_os("CONFORM_REALWORLD_SPECS").map(PathBuf::from) {
        Some(base) => {
            let registry = Registry::new(&base);
            let (checked, _) = every_case(&registry, "petstore-3.0", saved.path());
            println!("petstore-3.0: {checked} cases");
            assert!(checked > 0, "petstore-3.0: no case generated");
        }
        None => println!("petstore skipped: CONFORM_REALWORLD_SPECS is not set (CI sets it)"),
    }
}
