//! The source layer under everything: where a thing was written ([`Pos`], [`Span`],
//! [`Spanned`], and [`Node`], a YAML tree that keeps them), what is wrong with it ([`Diagnostic`], which underlines the token), how a file is read as text
//! ([`read_text`]) and as YAML ([`yaml`]; straight from the parser's events when it is sure of
//! the reading, [`build_node`]) and "did you mean" ([`did_you_mean`]).
//!
//! It imports nothing else of the crate, so every other module can depend on it without a cycle.

mod de;
mod diag;
mod events;
mod flow;
mod indent;
mod node;
mod span;
mod suggest;
mod text;
pub mod yaml;

#[cfg(test)]
mod tests;

pub use diag::Diagnostic;
pub use events::build as build_node;
pub(crate) use events::{is_null as yaml_null, parser as yaml_parser};
pub use node::{Node, NodeKind};
pub use span::{Pos, Span, Spanned};
pub use suggest::{did_you_mean, edit_distance};
pub use text::{SizeLimit, decode as decode_text, read as read_text};
