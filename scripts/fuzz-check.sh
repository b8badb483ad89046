#!/usr/bin/env bash
# The parsers under the seeded mutational fuzzer (tests/parsers_fuzz.rs) for more cases than
# plain `cargo test` runs: scenario YAML -> plan, templates, matchers, specs, derive, HAR, targets files. On
# stable Rust, no extra tool to install. Each target prints its inputs and exec/s; an input
# that breaks the property is kept under target/fuzz-found/<target>/ and fails the step.
# CONFORM_FUZZ_CASES sets the cases per target (the spec target runs a third of them).
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFORM_FUZZ_CASES="${CONFORM_FUZZ_CASES:-6000}"
cargo test --test tests parsers_fuzz -- --nocapture 2>&1 | tee target/fuzz-check.log |
  grep -E '^fuzz |fuzz [a-z]+: |panicked|broke|test result'
