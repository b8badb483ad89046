//! [`Diagnostic`]: an error in something the user wrote (scenario, spec, targets file), with the
//! file, line and column, what was expected, a suggested fix and the offending source line with
//! the token underlined.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::span::{Pos, Span};

#[derive(Debug, Clone, PartialEq, Serialize)]
/// An error in a file the user wrote, at a line and column, with an optional fix and the source line underlined; see the module docs.
pub struct Diagnostic {
    /// The file the error is in.
    pub path: PathBuf,
    /// Where in it; [`Pos::UNKNOWN`] when the whole file is at fault.
    pub pos: Pos,
    /// How many columns of the line the underline covers (the token's width; 1 when unknown).
    #[serde(skip)]
    pub width: usize,
    /// What is wrong, in one sentence.
    pub message: String,
    /// A suggested fix ("did you mean `expect`?").
    pub help: Option<String>,
    /// The source line the position is on, for the caret display: the whole line, or a window
    /// of it around the column with `…` where it was cut (a generated file may hold megabytes on
    /// one line, which must not be echoed).
    pub line_text: Option<String>,
    /// The character index in `line_text` under which the caret goes.
    #[serde(skip)]
    caret_at: usize,
}

/// How many characters of a source line a diagnostic shows at most, around the column.
pub const LINE_WINDOW: usize = 100;

impl Diagnostic {
    /// An error at `pos` of the file at `path`, underlining one column.
    pub fn new(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            pos,
            width: 1,
            message: message.into(),
            help: None,
            line_text: None,
            caret_at: 0,
        }
    }

    /// A diagnostic that underlines the whole of `span`.
    pub fn spanned(path: &Path, span: Span, message: impl Into<String>) -> Self {
        let mut d = Diagnostic::new(path, span.start, message);
        d.width = span.width();
        d
    }

    /// Adds a suggested fix.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the suggested fix, or none.
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Attaches the source line at `pos` from the file's text.
    pub fn with_source(self, source: &str) -> Self {
        match source.lines().nth((self.pos.line as usize).wrapping_sub(1)) {
            Some(line) if self.pos.is_known() => self.with_line(line),
            _ => self,
        }
    }

    /// Attaches `line` as the source line at `pos`.
    pub fn with_line(mut self, line: &str) -> Self {
        let (text, caret_at) = window(line, (self.pos.col.max(1) - 1) as usize);
        self.line_text = Some(text);
        self.caret_at = caret_at;
        self
    }

    /// `path:line:col`
    pub fn location(&self) -> String {
        if self.pos.is_known() {
            format!("{}:{}", self.path.display(), self.pos)
        } else {
            self.path.display().to_string()
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let Some(line) = &self.line_text {
            let gutter = self.pos.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = line
                .chars()
                .take(self.caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let avail = line.chars().count().saturating_sub(self.caret_at).max(1);
            let carets = "^".repeat(self.width.clamp(1, avail));
            write!(
                f,
                "\n{pad} |\n{gutter} | {line}\n{pad} | {caret_pad}{carets}"
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// `line` cut to at most [`LINE_WINDOW`] characters around the 0-based character index `at`,
/// with `…` marking each cut, and where `at` falls in the result. A short line stays whole.
fn window(line: &str, at: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= LINE_WINDOW {
        return (line.to_owned(), at.min(len));
    }
    // Some context before the column, the rest after it: the token and what follows matter most.
    let start = at.min(len).saturating_sub(LINE_WINDOW / 3);
    let end = (start + LINE_WINDOW).min(len);
    let start = end.saturating_sub(LINE_WINDOW).min(start);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(line.chars().skip(start).take(end - start));
    if end < len {
        out.push('…');
    }
    (out, at.min(len) - start + usize::from(start > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_shown_whole_with_the_caret_under_the_column() {
        let d =
            Diagnostic::new(Path::new("f.yaml"), Pos::new(2, 3), "bad").with_source("a\nb: c\n");
        assert_eq!(d.to_string(), "f.yaml:2:3: bad\n  |\n2 | b: c\n  |   ^");
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::new(Path::new("f.yaml"), Pos::new(1, 5001), "bad").with_source(&line);
        let shown = d.line_text.clone().expect("a line");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.chars().count() <= LINE_WINDOW + 2, "{shown}");
        let text = d.to_string();
        let mut lines = text.lines().skip(2);
        let (src, caret) = (lines.next().expect("source"), lines.next().expect("caret"));
        let x = src
            .chars()
            .position(|c| c == 'X')
            .expect("the column is in the window");
        assert_eq!(caret.chars().position(|c| c == '^'), Some(x), "{text}");
    }

    #[test]
    fn a_line_cut_only_at_its_end_has_one_mark() {
        let line = "x".repeat(300);
        let d = Diagnostic::new(Path::new("f.yaml"), Pos::new(1, 1), "bad").with_source(&line);
        let shown = d.line_text.expect("a line");
        assert!(!shown.starts_with('…') && shown.ends_with('…'), "{shown}");
    }
}
