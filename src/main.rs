//! The `conform` command line; everything it does lives in [`cli`] (binary side) and the
//! `conform` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
