//! `conform export --arazzo PATH... --out DIR`: scenario files written as Arazzo documents
//! (the conversion is [`conform::export`]); what Arazzo cannot say is printed on stderr, one
//! line each, as well as listed in each document.

use std::path::PathBuf;

use clap::Args;
use conform::run::ExitCode;

use super::args::SpecArgs;

#[derive(Args)]
pub struct ExportArgs {
    /// Scenario files or folders to write as Arazzo 1.0.1 documents, one workflow per scenario.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub arazzo: Vec<PathBuf>,
    /// The folder the documents go to (`<name>.arazzo.yaml` at each scenario's place under the
    /// folder it was found in); an existing file there is an error, never overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub specs: SpecArgs,
}

pub fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let registry = args.specs.registry()?;
    let found = conform::scenario::discover(&args.arazzo).map_err(|d| anyhow::anyhow!("{d}"))?;
    if found.is_empty() {
        anyhow::bail!("no scenario file under the paths given to `--arazzo`");
    }
    let docs = conform::export::arazzo(&found, &registry, &args.out)?;
    // All or nothing: every target is checked before the first is written.
    if let Some(d) = docs.iter().find(|d| d.path.exists()) {
        return Err(conform::export::ExportError::Exists(d.path.clone()).into());
    }
    for doc in &docs {
        doc.write_new()?;
        outln!("wrote {}", doc.path.display());
        for line in doc.unsaid_lines() {
            errln!("unsaid: {line}");
        }
    }
    Ok(ExitCode::Conform)
}
