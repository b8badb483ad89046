//! The `conform` command line; everything it does lives in [`cli`] (binary side) and the
//! `conform` library.

/// mimalloc rather than the system allocator: a run, a mock and the proxy all allocate per
/// request, and glibc's malloc and free were a fifth of a mock's CPU under load (BENCHMARKS.md,
/// "The mocks under load").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
