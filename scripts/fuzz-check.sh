#!/usr/bin/env bash
# The parsers under the seeded mutational fuzzer (tests/parsers_fuzz.rs) for more cases than
# plain `cargo test` runs: scenario YAML -> plan, templates, matchers, specs, derive, HAR,
# targets files. On stable Rust, no extra tool to install. Each target prints its inputs and
# exec/s; an input that breaks the property is kept under target/fuzz-found/<target>/ and fails
# the step.
#
# CONFORM_FUZZ_CASES sets the cases per target (6,000; the spec target runs a third of them);
# the targets that run above 10,000 inputs a second (templates, HAR, targets files) run ten
# times as many, so each target gets seconds, not a fraction of one.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${CONFORM_FUZZ_CASES:-6000}"
fast=(templates_never_panic har_reading_never_panics targets_files_never_panic)
skips=()
for t in "${fast[@]}"; do skips+=(--skip "$t"); done
show() { grep -E '^fuzz |fuzz [a-z]+: |panicked|broke|test result'; }
CONFORM_FUZZ_CASES="$cases" cargo test --test tests parsers_fuzz -- --nocapture "${skips[@]}" 2>&1 |
  tee target/fuzz-check.log | show
for t in "${fast[@]}"; do
  CONFORM_FUZZ_CASES=$((cases * 10)) cargo test --test tests "parsers_fuzz::$t" -- --nocapture 2>&1 |
    tee -a target/fuzz-check.log | show
done
