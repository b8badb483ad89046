//! `conform completions` and `conform man` through the real binary: the scripts parse in their
//! shells and complete what the binary defines, and the man page renders and names every
//! command. The expected names are read from the binary's own `--help`, so a subcommand or flag
//! added elsewhere is covered without editing this file.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::util::{conform, long_flags, temp_dir, text};

/// The subcommands `conform --help` lists (`help` aside: clap's own).
fn subcommands() -> Vec<String> {
    let out = conform(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 8, "too few commands in --help: {help}");
    names
}

fn run_flags() -> Vec<String> {
    let flags = long_flags(&["run"]);
    assert!(flags.len() >= 10, "too few flags in run --help: {flags:?}");
    flags
}

fn script(shell: &str) -> String {
    let out = conform(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8(out.stdout).expect("the script is UTF-8")
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `program args...` with `stdin` and returns (success, stdout + stderr).
fn pipe(program: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} starts: {e}"));
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    let out = child.wait_with_output().expect("it ends");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), all)
}

/// What bash's completion function offers after `words` (the last one being completed).
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let dir = temp_dir();
    let path = dir.path().join("conform.bash");
    std::fs::write(&path, script).expect("write the script");
    let current = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={current}; _conform conform '{}' '{}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        words[current],
        words[current - 1],
    );
    let (ok, out) = pipe("bash", &["-c", &program], "");
    assert!(ok, "bash completion failed: {out}");
    out.lines().map(str::to_owned).collect()
}

#[test]
fn the_bash_script_parses_and_completes_every_subcommand_and_run_flag() {
    let bash = script("bash");
    let (ok, out) = pipe("bash", &["-n"], &bash);
    assert!(ok, "bash -n: {out}");
    let offered = bash_complete(&bash, &["conform", ""]);
    for name in subcommands() {
        assert!(
            offered.contains(&name),
            "`conform <TAB>` lacks {name}: {offered:?}"
        );
    }
    let offered = bash_complete(&bash, &["conform", "run", "--"]);
    for flag in run_flags() {
        assert!(
            offered.contains(&flag),
            "`conform run --<TAB>` lacks {flag}: {offered:?}"
        );
    }
}

#[test]
fn the_zsh_and_fish_scripts_name_every_subcommand_and_parse_where_installed() {
    for shell in ["zsh", "fish"] {
        let text = script(shell);
        for name in subcommands() {
            assert!(text.contains(&name), "{shell} script lacks {name}");
        }
        if !installed(shell) {
            println!("{shell} is not installed: its script's syntax is not checked");
            continue;
        }
        let (ok, out) = match shell {
            "zsh" => pipe("zsh", &["-n"], &text),
            _ => pipe("fish", &["--no-execute"], &text),
        };
        assert!(ok, "{shell} rejects the script: {out}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_shells() {
    let out = conform(&["completions", "tcsh"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("invalid value 'tcsh'"), "{t}");
    assert!(
        t.contains("bash") && t.contains("zsh") && t.contains("fish"),
        "{t}"
    );
}

#[test]
fn the_man_page_has_a_section_per_command_and_renders() {
    let out = conform(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8(out.stdout).expect("the page is UTF-8");
    assert!(
        page.lines().any(|l| l.starts_with(".TH CONFORM 1")),
        "{page}"
    );
    // Every exit code a script may see, 130 (interrupted) included.
    let status = page
        .split(".SH \"EXIT STATUS\"")
        .nth(1)
        .expect("an EXIT STATUS section");
    for code in ["\n0\n", "\n1\n", "\n2\n", "\n130\n"] {
        assert!(status.contains(code), "exit {code:?} in: {status}");
    }
    for name in subcommands() {
        let heading = format!(".SS \"conform {name}\"");
        assert!(page.contains(&heading), "no {heading}: {page}");
    }
    assert!(page.contains(".SS \"conform specs check\""), "{page}");
    for flag in run_flags() {
        let roff = flag.replace('-', "\\-");
        assert!(
            page.contains(&format!("\\fB{roff}\\fR")),
            "no {flag}: {page}"
        );
    }
    // The apostrophe preamble once, at the top, not before every section.
    assert_eq!(page.matches(".ds Aq '").count(), 1, "{page}");
    if installed("groff") {
        // -ww: every warning; -z: no output, only the diagnostics.
        let (ok, diagnostics) = pipe("groff", &["-man", "-ww", "-z", "-Tutf8"], &page);
        assert!(ok && diagnostics.trim().is_empty(), "groff: {diagnostics}");
    } else {
        println!("groff is not installed: the page's roff is not checked");
    }
    if installed("man") {
        let dir = temp_dir();
        let path = dir.path().join("conform.1");
        std::fs::write(&path, &page).expect("write the page");
        let shown = Command::new("man")
            .arg("-l")
            .arg(&path)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man runs");
        let shown = String::from_utf8_lossy(&shown.stdout);
        assert!(shown.contains("conform specs check"), "{shown}");
        assert!(shown.contains("--fail-fast"), "{shown}");
    } else {
        println!("man is not installed: the page is not rendered");
    }
}
