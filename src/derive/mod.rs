//! `conform derive`: lifts an API page's parameter tables into a [`Derived`] draft, an OpenAPI
//! 3.1 document holding the page's one operation with JSON Schemas, plus every
//! [`Disagreement`] between the tables and the page's own JSON examples.
//!
//! Pages come as Markdown pipe tables ([`markdown`]) or reStructuredText grid tables ([`rst`]);
//! both are read into the same [`Block`]s, so the rest does not know which format it came from:
//! [`tables`] classifies the tables and reads their rows (type words via [`types`]),
//! [`crosscheck`] holds the examples against them, and [`openapi`] renders the draft
//! ([`yaml`] prints it). The draft is a starting point for `specs/<api>/openapi.yaml`, not
//! a spec: the tables say less than a contract needs (error bodies, headers, formats).

pub mod crosscheck;
pub mod markdown;
pub mod openapi;
pub mod rst;
pub mod tables;
pub mod types;
pub mod yaml;

use std::fmt;

pub use crosscheck::Disagreement;
pub use tables::Derived;

/// The two documentation formats the seeds come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Markdown (`.md`), pipe tables and fenced code.
    Markdown,
    /// reStructuredText (`.rst`), grid or list tables and literal blocks.
    Rst,
}

impl Format {
    /// Grid-table borders (`+---+`) or RST directives mean RST; anything else is read as Markdown.
    pub fn guess(text: &str) -> Format {
        let rst = text.lines().any(|l| {
            let t = l.trim_start();
            (t.starts_with("+-") && t.trim_end().ends_with('+')) || t.starts_with(".. code")
        });
        if rst { Format::Rst } else { Format::Markdown }
    }
}

/// A page format conform does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a page format; write `markdown` or `rst`")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s {
            "markdown" | "md" => Ok(Format::Markdown),
            "rst" => Ok(Format::Rst),
            other => Err(UnknownFormat(other.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Markdown => "markdown",
            Format::Rst => "rst",
        })
    }
}

/// A page read into the parts derive cares about, in document order. Lines are 1-based.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading, its text without markup.
    Heading {
        /// The heading text.
        text: String,
        /// Its line.
        line: usize,
    },
    /// A paragraph line (bold captions such as `**Path Parameters**` included, unformatted).
    Text {
        /// The line's text.
        text: String,
        /// Its line.
        line: usize,
    },
    /// A table.
    Table(Table),
    /// A fenced (Markdown) or literal (RST `.. code::`) block, dedented.
    Code {
        /// The block's content, dedented.
        text: String,
        /// Its line.
        line: usize,
    },
}

/// A table: header cells, then rows; cell text is unescaped, with continuation lines joined.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The header cells, as written.
    pub header: Vec<String>,
    /// The body rows, in order.
    pub rows: Vec<Row>,
    /// The line of the header.
    pub line: usize,
}

/// One body row of a [`Table`].
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The cells, left to right; may be more than the header has (an unescaped `|`).
    pub cells: Vec<String>,
    /// The row's (first) line.
    pub line: usize,
}

/// The largest vendor page read: the derivation scans tables line by line, so it is cheap, but a
/// page is read whole; the longest API reference pages are well under 1 MiB.
pub const DOC_LIMIT: crate::source::SizeLimit = crate::source::SizeLimit {
    bytes: 16 * 1024 * 1024,
    what: "a vendor page",
    fix: "derive from the page of one operation (its Markdown or RST source)",
};

/// Reads `text` in `format` (guessed when `None`) and derives the draft and the disagreements.
pub fn derive(text: &str, format: Option<Format>) -> Derived {
    let format = format.unwrap_or_else(|| Format::guess(text));
    let blocks = match format {
        Format::Markdown => markdown::blocks(text),
        Format::Rst => rst::blocks(text),
    };
    tables::build(&blocks, format)
}

/// Collapses runs of whitespace (cells joined from several lines) into single spaces.
pub(crate) fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first table among `blocks` (for the readers' tests).
#[cfg(test)]
pub(crate) fn first_table(blocks: Vec<Block>) -> Option<Table> {
    blocks.into_iter().find_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    })
}
