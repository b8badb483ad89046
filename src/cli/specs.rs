//! `conform specs check`: the spec linter over every selected spec (under `--specs`, or named
//! by `--spec`); exit 2 on any problem.

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
    let mut total = 0;
    for api in &apis {
        let path = registry.spec_path(api);
        if !path.is_file() {
            anyhow::bail!(
                "no spec for API `{api}`: {} does not exist (or pass `--spec {api}=FILE`)",
                path.display()
            );
        }
        let problems = conform::openapi::lint::lint_file(&path);
        if problems.is_empty() {
            outln!("{}: ok", path.display());
        }
        for p in &problems {
            outln!("{p}");
        }
        total += problems.len();
    }
    if total > 0 {
        outln!("{total} problem(s) in {} spec(s)", apis.len());
        return Ok(ExitCode::Errors);
    }
    Ok(ExitCode::Conform)
}
