//! The integration tests, as one binary: each file beside this one is a module of it, so a test
//! build compiles and links the library's dependents once instead of once per file. The other
//! test binary is `conformance.rs` (libtest-mimic, one trial per scenario file).
//!
//! Cargo builds only the test targets `Cargo.toml` names (`autotests = false`): a new file here
//! needs a `mod` line below, and `every_test_file_is_built` fails until it has one.

// Shared helpers: the repository root, runtimes, mocks, the real binary.
mod util;

// The vendor corpora against their mocks, fault profile by fault profile.
mod alibaba;
mod fault_detection;
mod liveperson;
mod openstack;

// N identical cancels, restores or clientTokens at once: one winner, one result.
mod concurrency;
// Alibaba's request signing against the official SDK's requests.
mod alibaba_signing;
// The CI recipe in docs/ci/.
mod ci_recipe;
// `--min-coverage`: the coverage figure in the reports and the gate on it.
mod coverage;
// The real binary end to end, and a snapshot of its final report.
mod cli;
// Arazzo workflows: `conform list` rows, inputs from `--var` checked against their schema.
mod arazzo;
// `conform fuzz`: the mocks, their fault profiles, a server with planted bugs.
mod fuzz;
// A shrunk failure names the request it holds, each at its own line in its own file.
mod fuzz_shrunk;
// `conform fuzz`: time shares, operation selection, pinned values, the clean-up report.
mod fuzz_budgets;
// `conform fuzz`'s hostile values: crashes found, saved cases replay the same bytes.
mod fuzz_values;
// `--record FILE.har` and `conform check FILE.har`: traffic as evidence.
mod har;
// `conform proxy`: a validating reverse proxy in front of mocks, SDK-style clients through it.
mod proxy;
// `conform proxy --sign`: a client that cannot sign gets through to the Alibaba mock.
mod proxy_sign;
// `conform mock API --replay FILE.har`: the corpus against a replay of its own recording.
mod replay;
// `conform diff A.har B.har`: drift between a faithful and a faulted mock's recordings.
mod drift;
// `conform derive` on documentation fixtures.
mod derive;
// `conform init` and `conform run --examples`.
mod init;
// `conform export --arazzo`: golden documents, never overwriting.
mod export;
// Ctrl-C and SIGTERM during a run: clean-up, reports, exit 130.
mod interrupt;
// Bodies under Content-Encoding decoded before the checks; control bytes shown escaped.
mod decode;
// Servers that drop a kept-alive connection after an error answer.
mod connections;
// Hostile targets (reset, silence, short bodies, redirect loops, escapes) end as clean verdicts.
mod hostile;
// The harness's own limits (body size, trickling bodies) named as limits.
mod limits;
// The parsers under a seeded mutational fuzzer: no panic, every rejection with a position.
mod parsers_fuzz;
// Streamed responses cut at the body limit and at the step's time limit, checked as far as they came.
mod streams;
// Scenarios that break their spec are refused before anything is sent.
mod presend;
// OpenAPI 3.2: QUERY, additionalOperations, in: querystring, the 3.2 schema in the linter.
mod oas32;
// The report formats on a real run (insta snapshots in `snapshots/`).
mod reports;
// Each spec's NOTES.md: self-contained, every rule's source a link.
mod notes;
// `conform specs check` and the checked-in specs.
mod spec_lint;
mod specs_load;
// `--spec API=FILE`, a targets file's `spec:`, a spec's `servers:` as the target.
mod specs_anywhere;
// A spec named by URL, and a relative `servers` URL under the target.
mod spec_url;
// Specs as teams write them: 3.0, JSON, split files.
mod spec_formats;
// Swagger 2.0 read as published.
mod spec_swagger2;
// CI-only: the public specs in ../shared/realworld-specs load and lint as documented.
mod realworld_specs;
// `conform completions` and `conform man`.
mod shell;
// The corpus through a targets file, with credentials from the environment.
mod targets;
// The credentials a spec declares (bearer, basic, API keys, OAuth2), against a local server.
mod declared_auth;
// Its server: the credential each operation requires, and an OAuth2 token endpoint.
mod declared_server;
// Proxies, private CAs, --insecure and mutual TLS, against local servers.
mod network;
// The terminal: output order, counts, -v, --var and --env-file, --partition.
mod terminal;

/// Every `.rs` file in `tests/` is built: a module of this binary, or a test target of its own.
#[test]
fn every_test_file_is_built() {
    let dir = util::root().join("tests");
    let this = std::fs::read_to_string(dir.join("tests.rs")).expect("tests.rs");
    let manifest = std::fs::read_to_string(util::root().join("Cargo.toml")).expect("Cargo.toml");
    let mut unbuilt = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        let declared = this.lines().any(|l| l.trim() == format!("mod {module};"));
        let target = manifest.contains(&format!("path = \"tests/{name}\""));
        if !declared && !target {
            unbuilt.push(name);
        }
    }
    assert!(
        unbuilt.is_empty(),
        "not built by cargo, add `mod NAME;` to tests/tests.rs: {unbuilt:?}"
    );
}
