//! The `conform` binary: parses arguments ([`args`]), hands each command to its module, prints
//! what the library returns, and maps it to an exit code ([`conform::run::ExitCode`]: 0 conform,
//! 1 violations, 2 errors in scenarios, specs, configuration or usage). Policy lives in the
//! library; this layer only wires it to the terminal.

// First: the output macros are seen by the modules declared after them.
#[macro_use]
mod out;
mod args;
mod check;
mod completions;
mod derive;
mod diff;
mod examples;
mod export;
mod fuzz;
mod init;
mod list;
mod man;
mod mock;
mod net;
mod proxy;
mod run;
mod session;
mod signals;
mod sinks;
mod specs;

use std::io::IsTerminal;

use clap::Parser;
use conform::run::ExitCode;

use args::{Cli, Color, Command, SpecsCommand};

/// Runs the command line and returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let result = match cli.command {
        Command::Run(args) => run::run(*args, color),
        Command::Fuzz(args) => fuzz::fuzz(*args, color),
        Command::Check(args) => check::check(&args, color),
        Command::Diff(args) => diff::diff(&args),
        Command::List(args) => list::list(args),
        Command::Mock(args) => mock::mock(args),
        Command::Proxy(args) => proxy::proxy(*args, color),
        Command::Specs(SpecsCommand::Check { apis, specs }) => specs::check(&specs, apis),
        Command::Derive(args) => derive::derive(&args),
        Command::Init(args) => init::init(&args),
        Command::Export(args) => export::export(&args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man => man::man(),
        Command::Schema => {
            let text =
                serde_json::to_string_pretty(&conform::scenario_schema()).unwrap_or_default();
            outln!("{text}");
            Ok(ExitCode::Conform)
        }
    };
    match result {
        Ok(code) => std::process::ExitCode::from(code.code()),
        Err(e) => {
            errln!("error: {e:#}");
            std::process::ExitCode::from(ExitCode::Errors.code())
        }
    }
}

/// The runtime every async command runs on (the library's), or why it cannot start.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    anyhow::Context::context(conform::run::runtime(), "cannot start the async runtime")
}
