//! Arazzo workflow documents (the OpenAPI Initiative's workflow specification, 1.0.x and 1.1).
//!
//! [`expr`] parses and evaluates Arazzo runtime expressions ([`expr::Expr`]) and the strings that
//! embed them ([`expr::Interpolated`]); [`criteria`] compiles and evaluates success criteria
//! ([`criteria::Criterion`]). Neither depends on the runner: the caller supplies the values of a
//! step through [`expr::Context`].
//!
//! A document is read by [`load`] into the typed model of [`document`] (every name with its
//! line and column), compiled by [`compile`] against the registry's specs into a
//! [`program::Program`] (one per workflow run), and run by [`runtime::Machine`], the control
//! layer (criteria, outputs, end/goto/retry, nested workflows), which sends through the
//! runner's [`runtime::Exchange`]. Discovery (`file#workflowId`) is
//! [`crate::scenario`]'s; the runner's side is in `run/arazzo.rs`.

pub mod compile;
pub mod criteria;
pub mod document;
pub mod expr;
pub mod load;
pub mod program;
pub mod runtime;
