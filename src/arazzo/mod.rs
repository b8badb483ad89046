//! Arazzo workflow documents (the OpenAPI Initiative's workflow specification, 1.0.x and 1.1).
//!
//! [`expr`] parses and evaluates Arazzo runtime expressions ([`expr::Expr`]) and the strings that
//! embed them ([`expr::Interpolated`]); [`criteria`] compiles and evaluates success criteria
//! ([`criteria::Criterion`]). Neither depends on the runner: the caller supplies the values of a
//! step through [`expr::Context`].

pub mod compile;
pub mod criteria;
pub mod document;
pub mod expr;
pub mod load;
pub mod program;
pub mod runtime;
