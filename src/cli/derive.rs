//! `conform derive`: the draft on stdout; notes and disagreements on stderr, so the draft can be
//! redirected into a file as it is.

use std::io::Write;

use conform::run::ExitCode;

use super::args::DeriveArgs;

pub fn derive(args: &DeriveArgs) -> anyhow::Result<ExitCode> {
    let text = conform::source::read_text(&args.doc, conform::derive::DOC_LIMIT)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let derived = conform::derive::derive(&text, args.format);
    if derived.fields.is_empty() && derived.statuses.is_empty() {
        anyhow::bail!(
            "found no parameter, response or status table in {} (read as {})",
            args.doc.display(),
            args.format
                .unwrap_or_else(|| conform::derive::Format::guess(&text))
        );
    }
    out!("{}", derived.to_yaml());
    let mut err = std::io::stderr().lock();
    for n in &derived.notes {
        let _ = writeln!(err, "note: {n}");
    }
    if !derived.disagreements.is_empty() {
        let _ = writeln!(
            err,
            "{} disagreement(s) between the tables and the examples of {}:",
            derived.disagreements.len(),
            args.doc.display()
        );
        for d in &derived.disagreements {
            let _ = writeln!(err, "  {d}");
        }
    }
    Ok(ExitCode::Conform)
}
