//! `--save-failures DIR`: each failure as a scenario file, `DIR/<api>/<operation>-<kind>-<n>.yaml`,
//! the text exactly as it ran (so its lines are the lines the findings name) and what it found
//! as comments at the end. A file that exists is never overwritten: the next free name is used.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::case::Case;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    #[error("cannot write the failing case to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the case's scenario under `dir` and returns its path.
pub fn write(
    dir: &Path,
    api: &str,
    op: &str,
    case: &Case,
    text: &str,
    found: &str,
) -> Result<PathBuf, SaveError> {
    let folder = dir.join(crate::init::slug(api));
    let err = |path: &Path| {
        let path = path.to_owned();
        move |source| SaveError::Write { path, source }
    };
    std::fs::create_dir_all(&folder).map_err(err(&folder))?;
    let stem = format!(
        "{}-{}-{}",
        crate::init::slug(op),
        case.kind.label(),
        case.number
    );
    let mut body = text.to_owned();
    body.push_str("# What `conform fuzz` found with this request:\n");
    for line in found.lines() {
        body.push_str(&format!("#   {}\n", commentable(line)));
    }
    for n in 1..1000 {
        let name = match n {
            1 => format!("{stem}.yaml"),
            n => format!("{stem}-{n}.yaml"),
        };
        let path = folder.join(name);
        // `create_new`: a file the user has (or an earlier run wrote) is never replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(body.as_bytes()).map_err(err(&path))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(err(&path)(e)),
        }
    }
    let path = folder.join(format!("{stem}.yaml"));
    Err(SaveError::Write {
        path,
        source: std::io::Error::other("a thousand files of that name already exist"),
    })
}

/// `line` as YAML takes it in a comment: a control character (a message may quote one from an
/// answer, and YAML refuses it even there, so the file would not replay) written `\u{e}`.
fn commentable(line: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\t') || matches!(c, '\u{fffe}' | '\u{ffff}');
    if !line.contains(bad) {
        return line.into();
    }
    line.chars()
        .map(|c| {
            if bad(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::super::case::{Case, Kind, Request};

    /// A finding that quotes a control character leaves a file that still parses.
    #[test]
    fn a_control_character_in_what_was_found_is_escaped() {
        let dir = tempfile::tempdir().expect("temp");
        let case = Case {
            number: 1,
            kind: Kind::Valid,
            request: Request::default(),
            chain: None,
        };
        let text = "name: x\napi: a\nsteps:\n  - name: s\n    call: op\n";
        let found = "header `X`: `a\u{e}b\u{9b}\u{7f}` is not allowed\nand\ta tab";
        let file = super::write(dir.path(), "a", "op", &case, text, found).expect("saved");
        let written = std::fs::read_to_string(&file).expect("reads");
        assert!(written.contains("`a\\u{e}b\\u{9b}\\u{7f}`"), "{written}");
        assert!(written.contains("and\ta tab"), "{written}");
        crate::scenario::parse(&file, &written).unwrap_or_else(|d| panic!("{d}\n{written}"));
    }
}
