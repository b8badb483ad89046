//! [`Diagnostic`]: an error in something the user wrote (scenario, spec, targets file), with the
//! file, line and column, what was expected, a suggested fix and the offending source line with
//! the token underlined.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::span::{Pos, Span};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub pos: Pos,
    /// How many columns of the line the underline covers (the token's width; 1 when unknown).
    #[serde(skip)]
    pub width: usize,
    pub message: String,
    /// A suggested fix ("did you mean `expect`?").
    pub help: Option<String>,
    /// The source line the position is on, for the caret display.
    pub line_text: Option<String>,
}

impl Diagnostic {
    pub fn new(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            pos,
            width: 1,
            message: message.into(),
            help: None,
            line_text: None,
        }
    }

    /// A diagnostic that underlines the whole of `span`.
    pub fn spanned(path: &Path, span: Span, message: impl Into<String>) -> Self {
        let mut d = Diagnostic::new(path, span.start, message);
        d.width = span.width();
        d
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Attaches the source line at `pos` from the file's text.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.pos.is_known() {
            self.line_text = source
                .lines()
                .nth(self.pos.line as usize - 1)
                .map(str::to_owned);
        }
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
            let col = self.pos.col.max(1) as usize;
            let caret_pad: String = line
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let avail = line.chars().count().saturating_sub(col - 1).max(1);
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
