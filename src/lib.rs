//! conform: a contract-conformance harness for HTTP APIs.
//!
//! YAML scenarios ([`scenario`]) drive HTTP calls ([`run`]) against a target ([`targets`]: a vendor
//! with its real [`targets::credentials`], or a reference [`mock`]); every response is checked ([`check`]) against
//! the API's OpenAPI 3.1 spec ([`openapi`]) and the scenario's expectations, and every difference
//! becomes a [`check::Finding`] that points at the JSON location, the schema rule and the
//! scenario line. Reports ([`report`]) are pure functions of the [`run::RunResult`]; [`redact`]
//! keeps credentials out of all of them. [`derive`](mod@derive) drafts specs from vendor documentation;
//! [`init`] drafts a first scenario corpus from a spec. [`har`] records and reads traffic, and
//! [`proxy`](mod@proxy) checks live traffic between any client and a target.
//!
//! Data flow: `specs/<api>/openapi.yaml`, or a file named by `--spec` or a targets file
//! ([`openapi::SpecFiles`]) -> [`openapi::Registry`]; `cases/**/*.yaml` -> [`scenario::Scenario`];
//! targets file, `--target`, the mocks or a spec's `servers` -> [`targets::Targets`];
//! [`run::Runner`] emits [`run::Event`]s and returns a [`run::RunResult`].
//!
//! From Rust: [`prelude`] has the names a program needs to run scenarios; with the `harness`
//! feature (on by default; `default-features = false, features = ["harness"]` leaves out the
//! binary's dependencies), [`harness::Harness`] makes each scenario file of a crate's own
//! `cases/` one `cargo test` trial, against a URL or an axum `Router` served in-process:
//!
//! ```no_run
//! # #[cfg(feature = "harness")]
//! # {
//! // tests/contract.rs, with `harness = false` on its [[test]] in Cargo.toml
//! let app = axum::Router::new(); // your service's router
//! conform::harness::Harness::new()
//!     .cases("cases")
//!     .specs("specs")
//!     .serve("notes", app)
//!     .run();
//! # }
//! ```

pub mod arazzo;
pub mod check;
pub mod derive;
pub mod export;
pub mod fuzz;
pub mod har;
#[cfg(feature = "harness")]
pub mod harness;
pub mod http;
pub mod init;
pub mod json_diff;
#[cfg(feature = "mock")]
pub mod mock;
pub mod openapi;
pub mod plan;
pub mod prelude;
#[cfg(feature = "mock")]
pub mod proxy;
pub mod redact;
pub mod remedy;
pub mod report;
pub mod run;
pub mod scenario;
pub mod source;
pub mod targets;
pub mod term;
pub mod units;
pub mod vendor;

pub use source::Diagnostic;

/// The JSON Schema of scenario files, generated from the model so it cannot drift.
pub fn scenario_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(scenario::Scenario);
    schema.insert(
        "$id".into(),
        "https://conform.invalid/scenario.schema.json".into(),
    );
    serde_json::to_value(schema).unwrap_or_default()
}
