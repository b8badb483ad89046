//! Every spec's `NOTES.md` is self-contained: it names no file outside the repository (the
//! working notes the specs were first written from), each source it cites is defined as a link
//! to the vendor's page (or to a file here), every rule in "Where each rule comes from" cites a
//! source or says it is inferred or decided, and what a spec or scenario cites in NOTES.md
//! (`NOTES.md [label]`, `NOTES.md "Heading"`, its `x-conform-*` extensions) is there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::util::root;

/// The user-facing trees that must not point at files a user of the repository lacks.
const USER_FACING: &[&str] = &["specs", "cases", "docs", "src", "README.md"];

/// The APIs with a spec and its notes.
fn apis() -> Vec<String> {
    let mut apis: Vec<String> = std::fs::read_dir(root().join("specs"))
        .expect("specs/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("openapi.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    apis.sort();
    assert!(apis.len() >= 3, "{apis:?}");
    apis
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("readable folder").flatten() {
            files_under(&entry.path(), out);
        }
    } else {
        out.push(path.to_owned());
    }
}

/// `text` without its code spans and fenced blocks, where brackets are code, not citations.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            let mut in_code = false;
            for part in line.split('`') {
                if !in_code {
                    out.push_str(part);
                }
                in_code = !in_code;
            }
        }
        out.push('\n');
    }
    out
}

/// The link reference definitions of a NOTES.md: `[label]: target`.
fn definitions(notes: &str) -> Vec<(String, String)> {
    let re = Regex::new(r"(?m)^\[([^\]]+)\]: (\S+)$").expect("regex");
    re.captures_iter(notes)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

/// Problems with the sources of one NOTES.md, found in `dir` (for relative link targets).
fn source_problems(notes: &str, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let defined = definitions(notes);
    let labels: BTreeSet<&str> = defined.iter().map(|(l, _)| l.as_str()).collect();
    if labels.is_empty() {
        problems.push("no source is defined as `[label]: URL`".to_owned());
    }
    for (label, target) in &defined {
        let exists = target.starts_with("https://") || dir.join(target).exists();
        if !exists {
            problems.push(format!(
                "[{label}]: {target} is neither https nor a file here"
            ));
        }
    }
    // A citation: brackets not followed by `(` (an inline link) or `:` (a definition).
    let cited = Regex::new(r"\[([^\]\[\n]+)\](?:[^(:\[]|$)").expect("regex");
    let body = prose(notes);
    let mut used = BTreeSet::new();
    for c in cited.captures_iter(&body) {
        let label = c[1].to_owned();
        if !labels.contains(label.as_str()) {
            problems.push(format!("[{label}] is cited but not defined"));
        }
        used.insert(label);
    }
    for label in &labels {
        if !used.contains(*label) {
            problems.push(format!("[{label}] is defined but no rule cites it"));
        }
    }
    problems.extend(rule_problems(&body));
    problems
}

/// Each row of "Where each rule comes from" cites a source, or says inferred or decided.
fn rule_problems(body: &str) -> Vec<String> {
    let Some(start) = body.find("## Where each rule comes from") else {
        return vec!["no \"Where each rule comes from\" section".to_owned()];
    };
    let section = &body[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let rows: Vec<&str> = section[..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| rule "))
        .collect();
    if rows.is_empty() {
        return vec!["\"Where each rule comes from\" has no rows".to_owned()];
    }
    rows.into_iter()
        .filter(|row| {
            let source = row
                .trim_end_matches('|')
                .rsplit('|')
                .next()
                .unwrap_or_default();
            !(source.contains('[') || source.contains("(inferred)") || source.contains("decision"))
        })
        .map(|row| format!("a rule without a source: {row}"))
        .collect()
}

/// What `text` (a spec or scenario) cites in its API's NOTES.md that is not there.
fn citation_problems(text: &str, notes: &str) -> Vec<String> {
    let text = prose(text).split_whitespace().collect::<Vec<_>>().join(" ");
    let labels: BTreeSet<String> = definitions(notes).into_iter().map(|(l, _)| l).collect();
    let headings: Vec<&str> = notes
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let mut problems = Vec::new();
    let cite =
        Regex::new(r#"NOTES\.md(?:,? "([^"]+)")?((?:(?:,| and)? ?\[[^\]]+\])*)"#).expect("regex");
    let label = Regex::new(r"\[([^\]]+)\]").expect("regex");
    for c in cite.captures_iter(&text) {
        if let Some(heading) = c.get(1) {
            let heading = heading.as_str();
            if !headings.iter().any(|h| h.starts_with(heading)) {
                problems.push(format!("NOTES.md has no section \"{heading}\""));
            }
        }
        for l in label.captures_iter(&c[2]) {
            if !labels.contains(&l[1]) {
                problems.push(format!("NOTES.md defines no source [{}]", &l[1]));
            }
        }
    }
    let extension = Regex::new(r"x-conform-[a-z-]+").expect("regex");
    for name in extension.find_iter(&text) {
        if !notes.contains(name.as_str()) {
            problems.push(format!(
                "{} is used but NOTES.md does not explain it",
                name.as_str()
            ));
        }
    }
    problems
}

#[test]
fn no_user_facing_file_points_outside_the_repository() {
    let mut files = Vec::new();
    for entry in USER_FACING {
        files_under(&root().join(entry), &mut files);
    }
    assert!(files.len() > 50, "{} files", files.len());
    let mut found = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // not text
        };
        for (n, line) in text.lines().enumerate() {
            if line.contains("CONTRACTS") || line.contains("shared/") {
                found.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "cite the vendor's page instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_rule_in_the_notes_has_a_source_defined_as_a_link() {
    for api in apis() {
        let dir = root().join("specs").join(&api);
        let problems = source_problems(&read(&dir.join("NOTES.md")), &dir);
        assert!(
            problems.is_empty(),
            "specs/{api}/NOTES.md:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn what_specs_and_scenarios_cite_in_the_notes_is_there() {
    for api in apis() {
        let notes = read(&root().join("specs").join(&api).join("NOTES.md"));
        let mut files = vec![root().join("specs").join(&api).join("openapi.yaml")];
        files_under(&root().join("cases").join(&api), &mut files);
        for file in files {
            let problems = citation_problems(&read(&file), &notes);
            assert!(
                problems.is_empty(),
                "{}:\n{}",
                file.display(),
                problems.join("\n")
            );
        }
    }
}

/// The checks above against notes and specs that break each rule: none can pass vacuously.
#[test]
fn each_check_catches_what_it_is_for() {
    let dir = root();
    let good = "## Sources\n\n- **[page]**: says X.\n\n[page]: https://example.com/x\n\n\
                ## Where each rule comes from\n\n| rule | source |\n|---|---|\n| X | [page] |\n";
    // (what to replace in `good`, with what, the problems expected)
    let cases: &[(&str, &str, &[&str])] = &[
        ("", "", &[]),
        ("| X | [page] |", "| X | [page] `[1, 2]` |", &[]), // code is no citation
        (
            "| X | [page] |",
            "| X | [page], [other] |",
            &["[other] is cited but not defined"],
        ),
        (
            "| X | [page] |",
            "| X | [page] |\n| Y | the brief |",
            &["a rule without a source: | Y | the brief |"],
        ),
        (
            "[page]: https",
            "[gone]: https://example.com/y\n[page]: https",
            &["[gone] is defined but no rule cites it"],
        ),
        (
            "https://example.com/x",
            "../no-such-file.json",
            &["[page]: ../no-such-file.json is neither https nor a file here"],
        ),
    ];
    for (from, to, expected) in cases {
        let notes = if from.is_empty() {
            good.to_owned()
        } else {
            good.replace(from, to)
        };
        assert_eq!(source_problems(&notes, &dir), *expected, "{to}");
    }

    let spec = "description: |\n  From NOTES.md [page], see NOTES.md \"Sources\". Uses x-conform-strict.\n";
    assert_eq!(
        citation_problems(spec, good),
        ["x-conform-strict is used but NOTES.md does not explain it"]
    );
    let spec = "description: see NOTES.md \"Errors\" and NOTES.md [page], [nope]\n";
    assert_eq!(
        citation_problems(spec, good),
        [
            "NOTES.md has no section \"Errors\"",
            "NOTES.md defines no source [nope]"
        ]
    );
}
