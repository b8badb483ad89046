//! The fast path ([`super::events::build`], [`super::de::from_str`]) against serde-saphyr: on
//! every YAML file of the repository and on targeted snippets, whatever the fast path accepts
//! must be what serde-saphyr reads, spans included; what it declines, serde-saphyr decides.

use std::path::{Path, PathBuf};

use super::de;
use super::events::build;
use super::node::{Node, NodeKind};
use super::yaml::options;
use crate::scenario::Scenario;

fn old_node(src: &str) -> Result<Node, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<Node>(src, options())
}

/// Whether the fast path took `src` as a tree; when it did, it must equal serde-saphyr's.
fn same_node(src: &str) -> bool {
    let Some(fast) = build(src) else {
        return false;
    };
    match old_node(src) {
        Ok(old) => assert_eq!(fast, old, "the trees differ for {src:?}"),
        Err(e) => panic!("the fast path accepted {src:?}, which serde-saphyr refuses: {e}"),
    }
    true
}

/// Whether the fast path took `src` as a scenario; when it did, it must equal serde-saphyr's.
fn same_scenario(src: &str) -> bool {
    let Some(fast) = de::from_str::<Scenario>(src) else {
        return false;
    };
    match serde_saphyr::from_str_with_options::<Scenario>(src, options()) {
        Ok(old) => assert_eq!(format!("{fast:?}"), format!("{old:?}"), "for {src:?}"),
        Err(e) => panic!("the fast path accepted {src:?}, which serde-saphyr refuses: {e}"),
    }
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() && !matches!(name.as_ref(), "target" | ".git" | "node_modules") {
            yaml_files(&path, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_yaml_file_of_the_repository_reads_the_same_both_ways() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "cases",
        "tests/fixtures",
        "benches",
        "specs",
        "examples",
        "docs",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    let mut fast_scenarios = 0;
    for path in &files {
        let Ok(src) = std::fs::read_to_string(path) else {
            continue;
        };
        let fast_tree = same_node(&src);
        let fast = same_scenario(&src);
        fast_scenarios += usize::from(fast);
        let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy();
        let corpus = rel.starts_with("cases/") || rel.starts_with("benches/flow/scenarios/");
        // A scenario of the corpus has nothing unusual: the fast path must read it.
        if corpus && !rel.contains(".arazzo.") && old_node(&src).is_ok() {
            assert!(fast_tree && fast, "{rel}: the fast path declined it");
        }
    }
    assert!(
        fast_scenarios > 30,
        "only {fast_scenarios} scenarios read fast"
    );
}

#[test]
fn plain_scalars_resolve_as_yaml_1_2_with_strict_booleans() {
    let src = "a: yes\nb: on\nc: no\nd: off\ne: y\nf: true\ng: False\nh: TRUE\n";
    assert!(same_node(src));
    let node = build(src).expect("plain");
    assert_eq!(node.get("a").and_then(Node::as_str), Some("yes"));
    assert_eq!(node.get("b").and_then(Node::as_str), Some("on"));
    assert_eq!(node.get("g").map(|n| &n.kind), Some(&NodeKind::Bool(false)));
    let ints = "a: 0x1F\nb: 0o17\nc: 0b101\nd: 1_000\ne: +5\nf: -7\ng: 0127\nh: -0127\n\
                i: 18446744073709551615\nj: 18446744073709551616\nk: -9223372036854775808\n\
                l: 0x\nm: 1__0\nn: 0\n";
    assert!(same_node(ints));
    assert_eq!(
        build(ints).and_then(|n| n.get("a").map(Node::to_json)),
        Some(31.into())
    );
    let floats = "a: 1e3\nb: 1.5\nc: .5\nd: 1.\ne: -2.5e-3\nf: inf\ng: nan\nh: 1.10\ni: +.5\n";
    assert!(same_node(floats));
    let nulls = "a: ~\nb: null\nc:\nd: Null\ne: NULL\nf: ''\ng: \"null\"\nh: \"\"\n";
    assert!(same_node(nulls));
    assert_eq!(
        build(nulls).and_then(|n| n.get("c").map(Node::to_json)),
        Some(().into())
    );
}

#[test]
fn what_serde_saphyr_refuses_or_reads_otherwise_is_left_to_it() {
    for src in [
        "a: .inf\n",
        "a: -.Inf\n",
        "a: .nan\n",
        "a: 1e999\n",
        "a: -0\n",
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",
        "a: 1\na: 2\n",
        "a: 1\nb:\n  c: 1\n  c: 2\n",
        "a: !!str 12\n",
        "a: !custom x\n",
        "1.5: x\n",
        "? [a]\n: b\n",
        "a: 1\n---\nb: 2\n",
        "",
        "a: [1, 2\n",
        "a: b: c\n",
    ] {
        assert!(!same_node(src), "the fast path took {src:?}");
    }
    // A key written twice is serde-saphyr's error, so its diagnostic.
    assert!(old_node("a: 1\na: 2\n").is_err());
}

#[test]
fn block_flow_quoted_and_multi_line_scalars_keep_their_text_and_spans() {
    for src in [
        "a: |\n  x\n  y\n\nb: >-\n  p\n  q\nc: |+\n  k\n\nd: >\n  f\n",
        "\"a b\": 1\n'c': 2\n200: 3\ntrue: 4\n-3: 5\n",
        "a: {b: [1, 2, {c: d}], e: 'f', g: \"h\\ti\"}\n",
        "é: ñ\nb: \"x🔑y\"\nc: [🔑, é]\n",
        "a: this is\n  folded plain\nb: 'single\n  quoted'\n",
        "# head\na: 1 # tail\nb:\n  - x\n  -\n  - - y\n    - z\n",
        "--- \na: 1\n...\n",
        "plain scalar at the root\n",
        "- 1\n- [2]\n- {}\n- []\n",
        // Keys as the tree reads them: their resolved value's text, quoted ones as written.
        "~: x\n0x1F: y\n\"200\": z\nTrue: w\n'-0': v\n",
    ] {
        assert!(same_node(src), "the fast path declined {src:?}");
    }
}

const SCENARIO: &str = "name: Orders
api: shop
tags: [smoke, lifecycle]
vars:
  id: 42
timeout: 2m
steps:
  - call: createOrder
    body: {sku: \"x-1\", qty: 2, note: yes}
    expect:
      status: 201
      headers: {X-Id: {$regex: \"^o-\"}}
    capture:
      order: /id
      loc: {header: Location, last_segment: true}
    retry: {every: 500ms, timeout: 5}
  - call: getOrder
    auth: none
    expect: {status: [200, 4xx]}
finally:
  - call: deleteOrder
    expect: {status: \"2xx\"}
";

#[test]
fn a_scenario_reads_the_same_typed_model_spans_included() {
    assert!(
        same_scenario(SCENARIO),
        "the fast path declined the scenario"
    );
    // Forms the fast path leaves to serde-saphyr, which then reads (or refuses) them.
    for src in [
        SCENARIO.replace("name: Orders", "name: 123"),
        SCENARIO.replace("auth: none", "auth: {none: 1}"),
        SCENARIO.replace("name: Orders", "name: Orders\nname: Again"),
        SCENARIO.replace("name: Orders", "name: Orders\nunknown: 1"),
        SCENARIO.replace("call: getOrder", "call: ~"),
        // Keys a typed reading sees as written, where the tree sees their value.
        SCENARIO.replace("order: /id", "~: /id"),
        SCENARIO.replace("order: /id", "0x1F: /id"),
        SCENARIO.replace("order: /id", "\"200\": /id"),
        SCENARIO.replace("order: /id", "True: /id"),
    ] {
        assert!(!same_scenario(&src), "the fast path took {src}");
    }
    // Forms both read, the same way.
    for src in [
        SCENARIO.replace("status: 201", "status: 0xC9"),
        SCENARIO.replace("status: 201", "status: \"201\""),
        SCENARIO.replace("timeout: 2m", "timeout: 30"),
        SCENARIO.replace("auth: none", "auth: default"),
    ] {
        assert!(same_scenario(&src), "the fast path declined {src}");
    }
}
