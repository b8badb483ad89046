//! The event scan against serde-saphyr: on every scenario file of the repository and on files
//! made to be odd, [`scan`] either gives serde-saphyr's [`Head`] or leaves the file to it, and
//! [`parse_head`] gives what serde-saphyr gives, errors included.

use std::path::{Path, PathBuf};

use super::scan;
use crate::scenario::load::{Head, parse_head, parse_head_serde};

/// `scan`'s answer, checked against serde-saphyr's; whether the fast path answered.
fn agrees(path: &Path, text: &str) -> bool {
    let reference = parse_head_serde(path, text);
    assert_eq!(parse_head(path, text), reference, "{}", path.display());
    match scan(text) {
        Some(head) => {
            assert_eq!(Ok(&head), reference.as_ref(), "{}", path.display());
            true
        }
        None => false,
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_file_of_the_repository_reads_as_serde_saphyr_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["cases", "tests/fixtures", "benches/flow/scenarios"] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "only {} files found", files.len());
    let (mut fast, mut heads) = (0, 0);
    for p in &files {
        // A fixture that is not UTF-8 never reaches a parser.
        let Ok(text) = String::from_utf8(std::fs::read(p).expect("read")) else {
            continue;
        };
        heads += usize::from(parse_head_serde(p, &text).is_ok());
        fast += usize::from(agrees(p, &text));
    }
    // The fast path must be the common one, or `conform list` is no faster.
    assert!(
        fast * 10 >= heads * 9,
        "the scan read {fast} of the {heads} files with a head"
    );
}

#[test]
fn the_benchmark_scenario_is_read_by_the_fast_path() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/flow/scenarios/order-probe.yaml");
    let text = std::fs::read_to_string(&p).expect("read");
    assert!(agrees(&p, &text));
}

/// Files the scan reads itself, each with the head serde-saphyr gives.
#[test]
fn odd_but_plain_heads_are_read_as_serde_saphyr_reads_them() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "api: a\nsteps: []\ntags: [x, y]\nname: late\n",
            "late",
            &["x", "y"],
        ),
        (
            "name: 'quoted: yes'\ntags:\n  - \"a b\"\n  - c\n",
            "quoted: yes",
            &["a b", "c"],
        ),
        ("name: >\n  folded\n  text\n", "folded text\n", &[]),
        (
            "name: 123\ntags: [true, 1.5, no]\n",
            "123",
            &["true", "1.5", "no"],
        ),
        (
            "\"name\": k\nsteps:\n- x: {a: [1, {b: c}]}\n  200: ok\n",
            "k",
            &[],
        ),
        ("name: n\ntags: []\nx: inf\n", "n", &[]),
        ("---\nname: n\n...\n", "n", &[]),
    ];
    for (text, name, tags) in cases {
        let want = Head {
            name: (*name).into(),
            tags: tags.iter().map(|t| (*t).into()).collect(),
        };
        assert_eq!(
            parse_head_serde(Path::new("x.yaml"), text).as_ref(),
            Ok(&want),
            "{text}"
        );
        assert!(agrees(Path::new("x.yaml"), text), "the scan left {text:?}");
    }
}

/// Files the scan must leave to serde-saphyr (its answer would differ, or it cannot be sure),
/// whose errors and values stay serde-saphyr's.
#[test]
fn odd_heads_are_left_to_serde_saphyr() {
    let cases = [
        "api: a\n",                          // no name: serde's diagnostic
        "name: a\nname: b\n",                // duplicate name
        "name: a\napi: x\napi: y\n",         // duplicate other key
        "name: a\nsteps:\n- {x: 1, x: 2}\n", // duplicate key deep down
        "name: a\nx: {1: a, 0x1: b}\n",      // the same integer twice
        "name: &n a\nother: *n\n",           // anchor and alias
        "base: &b {name: a}\n<<: *b\n",      // merge key
        "name: !!str a\n",                   // tag
        "name: ~\n",                         // null name
        "name:\n",                           // empty name
        "name: a\ntags: b\n",                // tags not a list
        "name: a\ntags: [b, ~]\n",           // null tag
        "name: a\ntags: [[b]]\n",            // nested tag
        "name: [a]\n",                       // name not a string
        "name: a\nx: .inf\n",                // non-finite float in a skipped value
        "name: a\nx: 1e999\n",               // overflowing float
        "name: a\nx: [unclosed\n",           // syntax error after the head
        "name: a\n---\nname: b\n",           // two documents
        "- name: a\n",                       // not a mapping
        "",                                  // empty file
        "name: a\n? [complex]\n: key\n",     // complex key
        "1: x\nname: a\n",                   // number-like top-level key
        "~: x\nname: a\n",                   // null key
    ];
    for text in cases {
        assert!(scan(text).is_none(), "the scan read {text:?}");
        agrees(Path::new("odd.yaml"), text);
    }
    let missing = parse_head(Path::new("odd.yaml"), "api: a\n").expect_err("no name");
    assert!(missing.message.contains("name"), "{missing:?}");
    let twice = parse_head(Path::new("odd.yaml"), "name: a\nname: b\n").expect_err("twice");
    assert!(twice.message.contains("name"), "{twice:?}");
}

#[test]
fn a_deep_or_large_file_is_left_to_serde_saphyr() {
    let deep = format!("name: a\nx: {}{}\n", "[".repeat(40), "]".repeat(40));
    assert!(scan(&deep).is_none());
    agrees(Path::new("deep.yaml"), &deep);
    let wide: String = (0..100).map(|i| format!("k{i}: v\n")).collect();
    let wide = format!(
        "name: a\nx:\n{}",
        wide.lines().map(|l| format!("  {l}\n")).collect::<String>()
    );
    assert!(scan(&wide).is_none());
    agrees(Path::new("wide.yaml"), &wide);
}
