//! `conform fuzz`: the tests a spec implies, that nobody wrote. For each operation a
//! [`Fuzzer`] generates requests from the parameter and body schemas ([`gen`](mod@gen); `gen` is a reserved word in edition 2024): valid ones,
//! boundary values, and negative ones that break exactly one rule ([`cases`]); it chains the
//! operations on a resource after a create that worked ([`chain`]); it runs each case as a
//! scenario through the ordinary runner, so the checks, auth, write guard and reports are those
//! of `conform run`. The scenario is written with its text, not parsed from it ([`case`]), and
//! compiled by [`crate::plan::compile`] as a file would be; it shrinks each failure
//! (`shrink`) and saves its text as a scenario file (`save`).
//!
//! What a generated request must get is written in its scenario ([`case`]), so a saved failure
//! replays with `conform run`: a valid request any documented status but 500 (a crash), an
//! invalid one a 4xx, and every answer conforming to the spec.

mod auth;
pub mod case;
pub mod cases;
pub mod chain;
pub mod checks;
mod engine;
pub mod r#gen;
mod keys;
mod leftover;
mod lifecycle;
mod methods;
mod options;
mod outcome;
mod save;
pub mod select;
mod settle;
mod shrink;
mod stateful;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_saved;

pub use checks::{Checks, FuzzCheck, UnknownCheck};
pub use engine::{Failure, FuzzOptions, FuzzSummary, Fuzzer, Leftover, LeftoverWhy, Stopped};
pub use select::{Pattern, SelectError, Selection};
