//! `conform specs check`: the spec linter over every selected spec (under `--specs`, or named
//! by `--spec`); exit 2 on any problem (notes, such as a missing `operationId`, do not fail).

use conform::openapi::lint::Severity;
use conform::run::ExitCode;

use super::args::SpecArgs;

/// Every problem of every selected spec, then a count.
pub fn check(specs: &SpecArgs, apis: Vec<String>) -> anyhow::Result<ExitCode> {
    let registry = specs.registry()?;
    let apis = if apis.is_empty() {
        registry.api_names()
    } else {
        apis
    };
    if apis.is_empty() {
        anyhow::bail!(
            "no spec under {} (looked for */openapi.yaml and */openapi.json); name one elsewhere with `--spec API=FILE`",
            specs.specs.display()
        );
    }
    let (mut errors, mut notes) = (0, 0);
    for api in &apis {
        let path = registry.spec_path(api);
        if !registry.has_spec(api) {
            anyhow::bail!(
                "no spec for API `{api}`: {} does not exist (or pass `--spec {api}=FILE`)",
                path.display()
            );
        }
        let problems = conform::openapi::lint::lint_spec(&path, registry.spec_text(api).as_deref());
        let failing = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        if failing == 0 {
            outln!("{}: ok", path.display());
        }
        for p in &problems {
            outln!("{p}");
        }
        errors += failing;
        notes += problems.len() - failing;
    }
    if errors > 0 {
        let and_notes = match notes {
            0 => String::new(),
            n => format!(" and {n} note(s)"),
        };
        outln!("{errors} problem(s){and_notes} in {} spec(s)", apis.len());
        return Ok(ExitCode::Errors);
    }
    if notes > 0 {
        outln!("{notes} note(s), no problem, in {} spec(s)", apis.len());
    }
    Ok(ExitCode::Conform)
}
