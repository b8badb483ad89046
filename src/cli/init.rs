//! `conform init SPEC`: writes a first corpus for the spec into `<out>/<api>/`, keeping every
//! file that already exists, and says what it wrote, what it kept and how to run it.

use std::path::PathBuf;

use clap::Args;
use conform::init::{self, Doc};
use conform::run::ExitCode;

#[derive(Args)]
pub struct InitArgs {
    /// The OpenAPI spec file to write scenarios for, or its http(s) URL (fetched once).
    pub spec: PathBuf,
    /// The API's name (the folder under `--out`, and `api:` in each scenario) [default: the
    /// spec's folder for a file named `openapi.*`, else its `info.title`, slugged].
    #[arg(long)]
    pub api: Option<String>,
    /// Where the corpus goes: the scenarios are written to `<OUT>/<API>/`.
    #[arg(long, default_value = "cases")]
    pub out: PathBuf,
}

/// The spec as a document, and its text when it is named by URL (fetched once).
fn read(spec: &std::path::Path) -> Result<(Doc, Option<String>), conform::source::Diagnostic> {
    let named = spec.to_string_lossy();
    if !conform::openapi::fetch::is_url(&named) {
        return Ok((Doc::read(spec)?, None));
    }
    let text = conform::openapi::fetch::fetch(&named)?;
    let root = serde_saphyr::from_str_with_options(&text, conform::source::yaml::options())
        .map_err(|e| conform::source::yaml::diagnostic(spec, &text, &e))?;
    Ok((Doc::from_value(root), Some(text)))
}

pub fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let (doc, fetched) = read(&args.spec).map_err(|d| anyhow::anyhow!("{d}"))?;
    let api = match &args.api {
        Some(a) => a.clone(),
        None => init::api_name(&args.spec, &doc),
    };
    let spec = conform::openapi::load_spec(&api, &args.spec, fetched.as_deref())
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let corpus = init::generate(&spec, &doc);
    if corpus.files.is_empty() {
        anyhow::bail!(
            "{} has no operations to write scenarios for",
            args.spec.display()
        );
    }
    let dir = args.out.join(&api);
    let done = init::write_corpus(&corpus, &dir)?;
    for p in &done.written {
        outln!("wrote {}", p.display());
    }
    for p in &done.kept {
        outln!("kept {} (it exists; not overwritten)", p.display());
    }
    for s in &corpus.skipped {
        outln!("no scenario for {}: {}", s.operation, s.why);
    }
    let needs_var = corpus.files.iter().filter(|f| f.needs_var).count();
    if needs_var > 0 {
        outln!(
            "{needs_var} scenario(s) tagged `{}` need an existing resource: set its id under \
             `vars:` or pass --var NAME=VALUE (the comment beside each says which)",
            init::NEEDS_VAR
        );
    }
    outln!(
        "{} written, {} kept; edit the values marked in comments, then run them with",
        done.written.len(),
        done.kept.len()
    );
    // The command runs where a run of it would send: to the spec's `servers` URL when that
    // names a host, else to a target the user gives (a relative one goes under it).
    use conform::targets::spec_servers::{self, SpecServer};
    let target = match SpecServer::of(&spec) {
        SpecServer::Url(_) => "",
        SpecServer::Unusable(_) => " --target http://HOST:PORT",
    };
    outln!(
        "  conform run --spec {api}={}{target} {}",
        args.spec.display(),
        dir.display()
    );
    if let Some(path) = spec_servers::relative_path(&spec).filter(|_| !target.is_empty()) {
        outln!(
            "(the spec's `servers` URL `{path}` is relative: --target gives the host, and \
             requests go to http://HOST:PORT{path}/...)"
        );
    } else if target.is_empty() {
        outln!("(to the spec's `servers` URL; --target sends them elsewhere)");
    }
    Ok(ExitCode::Conform)
}
