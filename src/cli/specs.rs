//! `conform specs check`: the spec linter over every selected spec; exit 2 on any problem.

use conform::run::ExitCode;
use conform::spec::Registry;

/// Every problem of every selected spec, then a count.
pub fn check(root: &std::path::Path, apis: Vec<String>) -> anyhow::Result<ExitCode> {
    let registry = Registry::new(root);
    let apis = if apis.is_empty() {
        registry.api_names()
    } else {
        apis
    };
    if apis.is_empty() {
        anyhow::bail!(
            "no spec under {} (looked for */openapi.yaml and */openapi.json)",
            root.display()
        );
    }
    let mut total = 0;
    for api in &apis {
        let path = registry.spec_path(api);
        if !path.is_file() {
            anyhow::bail!("no spec for API `{api}`: {} does not exist", path.display());
        }
        let problems = conform::spec::lint::lint_file(&path);
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
