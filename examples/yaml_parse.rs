//! Parses the flow benchmark's scenario (`benches/flow/scenarios/order-lifecycle.yaml`) many
//! times, for an instruction count under callgrind (BENCHMARKS.md, issue 25): `old` reads it
//! with serde-saphyr as conform did before, `new` with `conform::scenario::parse`, which reads
//! straight from the parser's events.
//!
//! `cargo build --release --example yaml_parse` then
//! `valgrind --tool=callgrind target/release/examples/yaml_parse new 1000`.

use std::path::Path;
use std::process::ExitCode;

use conform::scenario::Scenario;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let times: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/flow/scenarios/order-lifecycle.yaml"
    ));
    let Ok(source) = std::fs::read_to_string(path) else {
        eprintln!("cannot read {}", path.display());
        return ExitCode::FAILURE;
    };
    let mut steps = 0;
    for _ in 0..times {
        let parsed = match mode.as_str() {
            "old" => serde_saphyr::from_str_with_options::<Scenario>(
                &source,
                conform::source::yaml::options(),
            )
            .map_err(|e| e.to_string()),
            "new" => conform::scenario::parse(path, &source).map_err(|d| d.to_string()),
            _ => {
                eprintln!("usage: yaml_parse old|new [times]");
                return ExitCode::FAILURE;
            }
        };
        match parsed {
            Ok(s) => steps += s.steps.len(),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{mode}: {times} parses, {steps} steps");
    ExitCode::SUCCESS
}
