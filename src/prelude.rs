//! The names a program or a test needs to run scenarios, in one `use`:
//! `use conform::prelude::*;`. The main types are [`Runner`] (runs scenario files and returns
//! [`ScenarioResult`]s) and, with the `harness` feature, [`Harness`] (each scenario file as a
//! `cargo test` trial).
//!
//! Every scenario of `cases/` against a service at a URL, checked against `specs/`, printing the
//! diagnosis of each that did not pass:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use conform::prelude::*;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut targets = Targets::default();
//!     targets.insert("notes", Target::new("http://127.0.0.1:8080/".parse()?));
//!     let runner = Arc::new(Runner::new(
//!         Arc::new(Registry::new("specs")),
//!         Arc::new(targets),
//!         http_client()?,
//!         RunOptions::default(),
//!     ));
//!     let found = discover(&["cases".into()])?;
//!     let run = runner.run_all(found, Arc::new(NoEvents)).await;
//!     for scenario in &run.scenarios {
//!         if scenario.outcome != Outcome::Passed {
//!             print!("{}", details(scenario, false));
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! The same corpus as one `cargo test` trial per file, against an axum `Router` served
//! in-process (a `tests/contract.rs` with `harness = false`):
//!
//! ```no_run
//! # #[cfg(feature = "harness")]
//! # {
//! use conform::prelude::*;
//!
//! let app = axum::Router::new(); // your service's router
//! Harness::new().cases("cases").specs("specs").serve("notes", app).run();
//! # }
//! ```
//!
//! A trial's check can be anything about the result; here, a corpus of known violations:
//!
//! ```
//! # #[cfg(feature = "harness")]
//! # {
//! use conform::prelude::*;
//!
//! let trials = Harness::new()
//!     .cases("tests/violations")
//!     .check(|result: &ScenarioResult, _: &Found| match result.outcome {
//!         Outcome::Failed => Ok(()),
//!         _ => Err(format!("expected a violation\n{}", diagnosis(result)).into()),
//!     })
//!     .trials();
//! // The folder does not exist here: one trial, named after it, that fails.
//! assert_eq!(trials.len(), 1);
//! # }
//! ```

#[cfg(feature = "harness")]
pub use crate::harness::{Check, Failed, Harness, Trial, diagnosis, passes};
pub use crate::openapi::Registry;
pub use crate::report::terminal::details;
pub use crate::run::{
    NoEvents, Outcome, RunOptions, RunResult, Runner, ScenarioResult, http_client,
};
pub use crate::scenario::{Found, discover};
pub use crate::targets::{Target, Targets};
