//! [`Inputs`]: the values a run is given from outside its scenarios, `--var NAME=VALUE` and
//! `--env-file FILE` (dotenv syntax), parsed before anything starts so a mistake fails fast.
//!
//! Precedence, for a plain `${NAME}` (the highest first): a value captured by an earlier step;
//! `--var`; the scenario's `vars`; the env file. The command line beats the file it runs, so
//! `vars` are defaults a run can override, while a capture is what the target said and must win.
//! An env file is an environment that is not exported: it also answers `${env.NAME}` and the
//! targets' credential variables (each vendor's, `CONFORM_<API>_TOKEN`, ...), under the real environment,
//! which wins as in every dotenv loader. The process environment never fills a plain `${NAME}`,
//! so a misspelt name cannot pick up an unrelated exported variable.
//!
//! The values of names that look like credentials (see [`looks_secret`]) are redacted wherever
//! the run prints or records them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The parts of a name that make its value a secret, case-insensitively.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "CREDENTIAL",
    "AUTH",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
/// Why a variable given from outside or the env file cannot be read; never shows a value,
/// which may be a secret. The words name no flag: the CLI says which one gave the variable.
pub enum InputError {
    #[error("variable `{arg}`: expected NAME=VALUE (for example `site_id=le92186583`)")]
    /// A variable without `=`.
    NoEquals {
        /// The argument as given.
        arg: String,
    },
    #[error("variable `={value_hint}`: the name before `=` is empty; write NAME=VALUE")]
    /// A variable whose name before `=` is empty.
    EmptyName {
        /// The first characters of the value and `…`, to point at the argument without showing a secret.
        value_hint: String,
    },
    #[error(
        "variable `{name}`: a name uses letters, digits, `_`, `-` and `.`, and `env.` names come from the environment (export it or put it in the env file)"
    )]
    /// A variable name with characters a variable cannot have, or an `env.` one.
    BadName {
        /// The name as given.
        name: String,
    },
    #[error("cannot read the env file {}: {reason}", path.display())]
    /// The env file cannot be read.
    Read {
        /// The env file as given.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The line itself is not shown: it may hold a secret.
    #[error(
        "{}:{line}:{col}: not a dotenv line: expected `NAME=VALUE` (close every quote; quote a value with spaces or `#`, which starts a comment)",
        path.display()
    )]
    Line {
        /// The env file.
        path: PathBuf,
        /// 1-based line of the bad entry.
        line: usize,
        /// 1-based column in it.
        col: usize,
    },
}

#[derive(Debug, Clone, Default)]
/// The values a run is given from outside, `--var NAME=VALUE` and the env file (`--env-file`): the variables a scenario starts with and the `${env.NAME}` lookups.
pub struct Inputs {
    /// `--var`, by name; a later `--var` of one name replaces an earlier one.
    vars: BTreeMap<String, String>,
    /// The env file's entries, by name.
    file: BTreeMap<String, String>,
}

impl Inputs {
    /// From the `--var` values and the env file, if any.
    pub fn parse(vars: &[String], env_file: Option<&Path>) -> Result<Inputs, InputError> {
        let mut inputs = Inputs::default();
        for arg in vars {
            let (name, value) = parse_var(arg)?;
            inputs.vars.insert(name, value);
        }
        if let Some(path) = env_file {
            let text = std::fs::read_to_string(path).map_err(|e| InputError::Read {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            inputs.file = parse_env_file(path, &text)?;
        }
        Ok(inputs)
    }

    /// `name`'s `--var` value.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// An environment variable: the process environment, then the env file. An empty value is
    /// a value, as `${env.NAME}` always took it; the targets' lookups drop empty ones themselves.
    pub fn env(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.file.get(name).cloned())
    }

    /// Whether `name` is an environment variable, by [`Inputs::env`].
    pub fn has_env(&self, name: &str) -> bool {
        std::env::var_os(name).is_some() || self.file.contains_key(name)
    }

    /// The variables a scenario starts with, before its own `vars`: the env file's entries,
    /// then `--var` over them.
    pub fn seed(&self) -> HashMap<String, Value> {
        self.file
            .iter()
            .chain(&self.vars)
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect()
    }

    /// Every name the inputs define, for the compiler to know.
    pub fn names(&self) -> Vec<String> {
        self.file.keys().chain(self.vars.keys()).cloned().collect()
    }

    /// The values whose names look like credentials, for the redactor.
    pub fn secrets(&self) -> Vec<String> {
        self.file
            .iter()
            .chain(&self.vars)
            .filter(|(n, _)| looks_secret(n))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Whether a variable of this name holds a credential: its name contains TOKEN, SECRET,
/// PASSWORD, PASSWD, KEY, CREDENTIAL or AUTH, in any case. Redacting a value that was not
/// secret costs a `<redacted>` in the output; printing one that was costs the credential.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

fn parse_var(arg: &str) -> Result<(String, String), InputError> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(InputError::NoEquals {
            arg: arg.to_owned(),
        });
    };
    let name = name.trim();
    if name.is_empty() {
        // Only the first characters, in case the value is a secret.
        let value_hint: String = value.chars().take(3).chain("…".chars()).collect();
        return Err(InputError::EmptyName { value_hint });
    }
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid || name.starts_with("env.") {
        return Err(InputError::BadName {
            name: name.to_owned(),
        });
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// Parses a dotenv file with `dotenvy`, which reads it without setting any environment
/// variable; `$OTHER` in a value expands as dotenv does (the environment, then earlier lines).
fn parse_env_file(path: &Path, text: &str) -> Result<BTreeMap<String, String>, InputError> {
    let mut out = BTreeMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((name, value)) => {
                out.insert(name, value);
            }
            Err(dotenvy::Error::LineParse(line, index)) => {
                let (line, col) = locate(text, &line, index);
                return Err(InputError::Line {
                    path: path.to_owned(),
                    line,
                    col,
                });
            }
            Err(e) => {
                return Err(InputError::Read {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// The 1-based line and column in `text` of byte `index` of `entry`: dotenvy names a bad entry
/// by its text (one line, or several for a quoted value) and a byte offset into it. The entry
/// starts on the first line of `text` equal to its own first line (0 when none is).
fn locate(text: &str, entry: &str, index: usize) -> (usize, usize) {
    let first = entry.lines().next().unwrap_or_default();
    let start = text.lines().position(|l| l == first).map_or(0, |i| i + 1);
    let mut end = index.min(entry.len());
    while !entry.is_char_boundary(end) {
        end -= 1;
    }
    let upto = &entry[..end];
    let down = upto.matches('\n').count();
    let col = upto.len() - upto.rfind('\n').map_or(0, |i| i + 1) + 1;
    (if start == 0 { 0 } else { start + down }, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(args: &[&str]) -> Result<Inputs, InputError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Inputs::parse(&args, None)
    }

    #[test]
    fn a_var_is_name_equals_value_and_the_last_one_wins() {
        let i = vars(&["site=a", "site=b", "query=x=y", "empty="]).expect("valid");
        assert_eq!(i.var("site"), Some("b"));
        assert_eq!(i.var("query"), Some("x=y"), "only the first `=` splits");
        assert_eq!(i.var("empty"), Some(""));
    }

    #[test]
    fn a_bad_var_says_what_to_write() {
        let e = vars(&["site"]).unwrap_err();
        assert!(e.to_string().contains("expected NAME=VALUE"), "{e}");
        let e = vars(&["=hunter2"]).unwrap_err();
        assert!(
            e.to_string().contains("the name before `=` is empty"),
            "{e}"
        );
        assert!(
            !e.to_string().contains("hunter2"),
            "the value is not echoed: {e}"
        );
        assert!(matches!(vars(&["a b=1"]), Err(InputError::BadName { .. })));
        assert!(matches!(
            vars(&["env.X=1"]),
            Err(InputError::BadName { .. })
        ));
    }

    #[test]
    fn an_env_file_is_parsed_without_touching_the_environment() {
        let text = "# comment\nCONFORM_TEST_SITE=le1\nexport QUOTED=\"a b # c\"\n\nEMPTY=\n";
        let map = parse_env_file(Path::new("x.env"), text).expect("valid");
        assert_eq!(map["CONFORM_TEST_SITE"], "le1");
        assert_eq!(map["QUOTED"], "a b # c");
        assert_eq!(map["EMPTY"], "");
        assert!(std::env::var_os("CONFORM_TEST_SITE").is_none());
    }

    #[test]
    fn a_malformed_env_file_line_has_its_file_and_line_and_is_not_echoed() {
        let text = "A=1\n# fine\nB=2\nnot a line hunter2\nC=3\n";
        let e = parse_env_file(Path::new("dev.env"), text).unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.starts_with("dev.env:4:5:"),
            "at `a`, after `not `: {shown}"
        );
        assert!(
            !shown.contains("hunter2"),
            "the line may hold a secret: {shown}"
        );
    }

    #[test]
    fn an_indented_bad_line_and_an_unclosed_quote_are_placed() {
        let e = parse_env_file(Path::new("x.env"), "A=1\n  bad line\n").unwrap_err();
        assert!(e.to_string().starts_with("x.env:2:7:"), "{e}");
        // A quote never closed runs to the end of the file, which is where dotenvy stops.
        let e = parse_env_file(Path::new("x.env"), "A=1\nB=\"open\nC=2\n").unwrap_err();
        assert!(e.to_string().starts_with("x.env:4:1:"), "{e}");
        assert!(e.to_string().contains("close every quote"), "{e}");
    }

    #[test]
    fn var_beats_the_env_file_in_the_seed_and_secret_names_are_redacted() {
        let mut i = vars(&["SITE=cli", "API_TOKEN=tok-1234"]).expect("valid");
        i.file.insert("SITE".into(), "file".into());
        i.file.insert("db_password".into(), "pw-5678".into());
        i.file.insert("REGION".into(), "eu".into());
        let seed = i.seed();
        assert_eq!(seed["SITE"], "cli");
        assert_eq!(seed["REGION"], "eu");
        let mut secrets = i.secrets();
        secrets.sort();
        assert_eq!(secrets, ["pw-5678", "tok-1234"]);
        assert!(looks_secret("ApiKey") && !looks_secret("site_id"));
    }
}
