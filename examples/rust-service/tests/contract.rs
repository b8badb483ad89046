//! The contract suite: every scenario of `cases/` is one test, run against the service's router
//! served in-process and checked against `specs/` (`harness = false` in Cargo.toml).

fn main() {
    conform::harness::Harness::new()
        .cases("cases")
        .specs("specs")
        .serve("notes", rust_service::app())
        .run()
}
