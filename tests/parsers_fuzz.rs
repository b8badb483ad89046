//! The parsers under a seeded mutational fuzzer, on stable: scenario YAML -> plan, templates,
//! matchers, spec loading and compilation, `derive` on Markdown and RST, HAR reading and targets
//! files. Each target starts from the repository's own files (cases/, specs/, tests/fixtures/,
//! targets.example.yaml), mutates them with a fixed-seed PCG (byte flips, cuts, splices, YAML
//! and template tokens) for a bounded number of cases, and asserts the property: never a panic,
//! and every rejection of a file with positions (scenario, spec, HAR, targets) names a line and
//! column.
//!
//! `CONFORM_FUZZ_CASES` sets the cases per target (default [`DEFAULT_CASES`]);
//! `scripts/fuzz-check.sh` runs more. Every input that once broke a target is kept under
//! `tests/fixtures/fuzz-regressions/<target>/` and replayed by
//! `every_kept_crash_input_is_handled`, which fails if that folder holds none.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use conform::check::CheckKind;
use conform::check::body::match_value;
use conform::openapi::Registry;
use conform::plan::Pattern;
use conform::scenario::{Found, Scope, Template};
use conform::source::{Node, yaml};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use serde_json::{Value, json};

use crate::util::{root, temp_dir};

/// Cases per target in plain `cargo test`.
const DEFAULT_CASES: usize = 300;

/// Tokens that steer the mutations into the grammars' corners.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\n",
    "\n  ",
    "  ",
    "\t",
    "#",
    "|",
    ">",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!tag ",
    "---\n",
    "...\n",
    "? ",
    "${",
    "}",
    "${env.",
    ":-",
    "${steps.",
    "$type",
    "$regex",
    "$exact",
    "$contains",
    "$absent",
    "$present",
    "$ref",
    "#/",
    "../",
    "\u{FFFF}",
    "\u{0}",
    "é",
    "\\",
    "%",
    "~",
    "null",
    "true",
    "1e999",
    "-0",
    "0x",
    "`",
    "```",
    "|---|",
    "| a | b |",
    "===",
    "---",
    ".. ",
    "::",
    "\r\n",
    "\u{2028}",
    "\u{FEFF}",
];

/// One fuzz target: its name, where its seeds come from, and the property on one input
/// (`Err`: the property broke, and how).
struct Target {
    name: &'static str,
    seeds: &'static [&'static str],
    exts: &'static [&'static str],
    check: fn(&[u8]) -> Result<(), String>,
}

const TARGETS: &[Target] = &[
    Target {
        name: "scenario",
        seeds: &["cases", "tests/fixtures/pass", "tests/fixtures/invalid"],
        exts: &["yaml"],
        check: scenario,
    },
    Target {
        name: "template",
        seeds: &["cases"],
        exts: &["yaml"],
        check: template,
    },
    Target {
        name: "matcher",
        seeds: &["cases", "tests/fixtures/pass"],
        exts: &["yaml"],
        check: matcher,
    },
    Target {
        name: "spec",
        seeds: &[
            "specs",
            "tests/fixtures/specs",
            "tests/fixtures/specs-30",
            "tests/fixtures/specs-json",
        ],
        exts: &["yaml", "json"],
        check: spec,
    },
    Target {
        name: "derive",
        seeds: &["tests/fixtures/docs"],
        exts: &["md", "rst", "txt"],
        check: derive,
    },
    Target {
        name: "har",
        seeds: &["tests/fixtures/har"],
        exts: &["har", "json"],
        check: har,
    },
    Target {
        name: "targets",
        seeds: &["targets.example.yaml", "tests/fixtures/targets"],
        exts: &["yaml"],
        check: targets,
    },
];

fn scenario(input: &[u8]) -> Result<(), String> {
    let path = Path::new("fuzz.yaml");
    let text = match conform::source::decode_text(path, input.to_vec()) {
        Ok(t) => t,
        Err(d) => return positioned(&d),
    };
    let scenario = match conform::scenario::parse(path, &text) {
        Ok(s) => s,
        Err(d) => return positioned(&d),
    };
    let found = Found {
        path: path.to_owned(),
        id: "fuzz.yaml".into(),
    };
    // One registry per thread: it loads each spec once, as a run does.
    thread_local! {
        static SPECS: Registry = Registry::new(root().join("specs"));
    }
    SPECS.with(|registry| {
        match conform::plan::compile(
            &found,
            &text,
            scenario,
            registry,
            &[],
            &conform::remedy::OwnTerms,
        ) {
            Ok(_) => Ok(()),
            Err(rejected) => rejected.diagnostics.iter().try_for_each(positioned),
        }
    })
}

/// A scope that knows a few names, so rendering goes past the first variable.
struct Few;

impl Scope for Few {
    fn get(&self, name: &str) -> Option<Value> {
        match name {
            "id" => Some(json!("00000000-0000-0000-0000-000000000001")),
            "n" => Some(json!(3)),
            "obj" => Some(json!({"a": [1, {"b": null}]})),
            _ => None,
        }
    }
}

fn template(input: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(input);
    // Each line is a template, as a scenario's string values are.
    for line in text.lines().take(200) {
        if let Ok(t) = Template::parse(line) {
            let _ = t.render(&Few);
            let again = Template::parse(&t.source())
                .map_err(|e| format!("`{line}` parsed, its source `{}` not: {e}", t.source()))?;
            if again.source() != t.source() {
                return Err(format!("`{line}`: source() does not round-trip"));
            }
        }
    }
    Ok(())
}

fn matcher(input: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(input);
    let Ok(node) = serde_saphyr::from_str_with_options::<Node>(&text, yaml::options()) else {
        return Ok(());
    };
    let mut problems = Vec::new();
    let pattern = Pattern::compile(&node, &mut problems);
    if let Some(p) = problems.iter().find(|p| !p.pos.is_known()) {
        return Err(format!(
            "a matcher problem with no position ({}): {}",
            p.pos, p.message
        ));
    }
    for actual in [
        Some(node.to_json()),
        Some(json!({"id": "x", "items": [1, 2]})),
        None,
    ] {
        let _ = match_value(&pattern, actual.as_ref(), &Few, CheckKind::Body, "");
    }
    Ok(())
}

fn spec(input: &[u8]) -> Result<(), String> {
    let dir = temp_dir();
    let json = input.first() == Some(&b'{');
    let path = dir
        .path()
        .join(if json { "openapi.json" } else { "openapi.yaml" });
    std::fs::write(&path, input).map_err(|e| format!("cannot write the input: {e}"))?;
    match conform::openapi::load_api("fuzz", &path) {
        Ok(_) => Ok(()),
        Err(d) => positioned(&d),
    }
}

fn derive(input: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(input);
    for format in [
        None,
        Some(conform::derive::Format::Markdown),
        Some(conform::derive::Format::Rst),
    ] {
        let _ = conform::derive::derive(&text, format);
    }
    Ok(())
}

fn targets(input: &[u8]) -> Result<(), String> {
    let path = Path::new("targets.yaml");
    let text = match conform::source::decode_text(path, input.to_vec()) {
        Ok(t) => t,
        Err(d) => return positioned(&d),
    };
    match conform::targets::config::parse(path, &text) {
        Ok(_) => Ok(()),
        Err(d) => positioned(&d),
    }
}

fn har(input: &[u8]) -> Result<(), String> {
    match conform::har::read::parse(Path::new("fuzz.har"), input) {
        Ok(_) => Ok(()),
        Err(conform::har::HarError::Parse { line: 0, .. }) => {
            Err("a HAR rejection at line 0".into())
        }
        Err(conform::har::HarError::Parse { .. }) => Ok(()),
        Err(other) => Err(format!("a HAR rejection with no position: {other}")),
    }
}

/// A rejection of a file with positions must say where.
fn positioned(d: &conform::Diagnostic) -> Result<(), String> {
    if d.pos.is_known() {
        Ok(())
    } else {
        Err(format!("a rejection with no line and column: {d}"))
    }
}

/// `check` on `input`, a panic turned into the property's failure.
fn holds(target: &Target, input: &[u8]) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| (target.check)(input))) {
        Ok(r) => r,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

/// The files under `dirs` (relative to the repository) whose names end in one of `exts`.
fn files(dirs: &[&str], exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| root().join(d)).collect();
    while let Some(dir) = stack.pop() {
        if dir.is_file() {
            out.push(dir);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// One mutation of `input`; `other` is another seed to splice from.
fn mutate(rng: &mut Pcg64, input: &mut Vec<u8>, other: &[u8]) {
    let at = |rng: &mut Pcg64, len: usize| rng.random_range(0..=len);
    match rng.random_range(0..7u8) {
        0 if !input.is_empty() => {
            let i = rng.random_range(0..input.len());
            input[i] ^= 1 << rng.random_range(0..8u8);
        }
        1 if !input.is_empty() => {
            let i = at(rng, input.len());
            let n = rng.random_range(0..=64usize).min(input.len() - i);
            input.drain(i..i + n);
        }
        2 if !input.is_empty() => {
            let i = at(rng, input.len());
            let n = rng.random_range(0..=64usize).min(input.len() - i);
            let copy = input[i..i + n].to_vec();
            let j = at(rng, input.len());
            input.splice(j..j, copy);
        }
        3 if !other.is_empty() => {
            let i = rng.random_range(0..other.len());
            let n = rng.random_range(0..=256usize).min(other.len() - i);
            let j = at(rng, input.len());
            input.splice(j..j, other[i..i + n].iter().copied());
        }
        4 => input.truncate(at(rng, input.len())),
        5 => {
            let i = rng.random_range(0..input.len().max(1));
            input.insert(i.min(input.len()), rng.random());
        }
        _ => {
            let t = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
            let j = at(rng, input.len());
            input.splice(j..j, t.iter().copied());
        }
    }
}

fn cases() -> usize {
    std::env::var("CONFORM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `target` for `cases` mutated inputs (and each seed as it is); the breaking inputs are
/// written beside the target's regressions folder under `target/fuzz-found/` for keeping.
fn fuzz(target: &Target, cases: usize) {
    let seeds: Vec<Vec<u8>> = files(target.seeds, target.exts)
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    assert!(!seeds.is_empty(), "{}: no seed files found", target.name);
    let mut rng = Pcg64::seed_from_u64(0x5eed ^ target.name.len() as u64);
    let started = std::time::Instant::now();
    let mut broken = Vec::new();
    let mut check = |input: &[u8]| {
        if let Err(why) = holds(target, input) {
            broken.push((input.to_vec(), why));
        }
    };
    for seed in &seeds {
        check(seed);
    }
    for _ in 0..cases {
        let mut input = seeds[rng.random_range(0..seeds.len())].clone();
        let other = &seeds[rng.random_range(0..seeds.len())];
        for _ in 0..rng.random_range(1..=8u8) {
            mutate(&mut rng, &mut input, other);
        }
        check(&input);
    }
    if broken.is_empty() {
        let n = seeds.len() + cases;
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "fuzz {}: #{n} inputs from {} seeds in {secs:.1} s ({:.0} exec/s), property held",
            target.name,
            seeds.len(),
            n as f64 / secs.max(1e-9)
        );
        return;
    }
    let out = root().join("target/fuzz-found").join(target.name);
    let _ = std::fs::create_dir_all(&out);
    let mut said = String::new();
    for (i, (input, why)) in broken.iter().enumerate().take(20) {
        let file = out.join(format!("{i}"));
        let _ = std::fs::write(&file, input);
        said.push_str(&format!("\n  {}: {why}", file.display()));
    }
    panic!(
        "{}: {} of {} inputs broke the property (kept under target/fuzz-found/; fix the code, \
         then move them to tests/fixtures/fuzz-regressions/{}/):{said}",
        target.name,
        broken.len(),
        seeds.len() + cases,
        target.name
    );
}

#[test]
fn scenario_yaml_to_plan_never_panics_and_says_where() {
    fuzz(&TARGETS[0], cases());
}

#[test]
fn templates_never_panic_and_round_trip() {
    fuzz(&TARGETS[1], cases());
}

#[test]
fn matchers_never_panic_and_say_where() {
    fuzz(&TARGETS[2], cases());
}

#[test]
fn specs_never_panic_and_say_where() {
    fuzz(&TARGETS[3], cases() / 3);
}

#[test]
fn derive_never_panics_on_markdown_or_rst() {
    fuzz(&TARGETS[4], cases());
}

#[test]
fn har_reading_never_panics_and_says_where() {
    fuzz(&TARGETS[5], cases());
}

#[test]
fn targets_files_never_panic_and_say_where() {
    fuzz(&TARGETS[6], cases());
}

#[test]
fn every_kept_crash_input_is_handled() {
    let dir = root().join("tests/fixtures/fuzz-regressions");
    let mut replayed = 0;
    for target in TARGETS {
        for file in files(
            &[&format!("tests/fixtures/fuzz-regressions/{}", target.name)],
            &["in"],
        ) {
            let input = std::fs::read(&file).expect("a kept input");
            if let Err(why) = holds(target, &input) {
                panic!("{}: {why}", file.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no kept inputs under {}", dir.display());
}
