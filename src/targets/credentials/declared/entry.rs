//! [`target`]: one API's target with the credentials its spec declares, as the targets file
//! (or `--target` alone) asks for them; the glue between [`super::resolve`] and a run's
//! [`Target`], its errors placed at the targets file's line.

use std::path::Path;
use std::sync::Arc;

use reqwest::Url;

use super::{DeclaredError, Named, Vars};
use crate::openapi::Registry;
use crate::source::{Diagnostic, Pos};
use crate::targets::Target;
use crate::targets::config::Env;

/// The target of `api` at `url`: with the spec's declared credentials when some of the API's
/// variables are set (or always, when `explicit`: the file says `auth: declared`), else the URL
/// alone. The spec is read only when it is needed.
pub fn target(
    at: (&Path, Pos),
    api: &str,
    named: &Named,
    url: Url,
    explicit: bool,
    specs: &Registry,
    env: Env<'_>,
) -> Result<Target, Diagnostic> {
    let (path, pos) = at;
    let vars = Vars::new(api, named);
    let mut target = Target::new(url);
    if !explicit && !vars.any_set(env) {
        return Ok(target);
    }
    let spec = match specs.api(api) {
        Ok(spec) => spec,
        // As for a spec's `servers`: a spec that does not load is reported by the scenarios
        // that name its API, at their `api:` line; only `auth: declared` needs it now.
        Err(_) if !explicit => return Ok(target),
        Err(e) => return Err(e),
    };
    let auth = super::resolve(&spec, &target.base_url, &vars, explicit, env).map_err(|e| {
        let help = match &e {
            DeclaredError::NoSchemes => {
                "name a vendor convention (`auth: bearer`, ...), or `auth: none`".to_owned()
            }
            DeclaredError::NothingSet(_) | DeclaredError::Partial { .. } => {
                "export the variables, or name others with `token_env:`, `username_env:`, `password_env:`, `client_id_env:`, `client_secret_env:`".to_owned()
            }
            DeclaredError::TokenUrl { .. } => {
                "fix the flow's `tokenUrl` in the spec (an http or https URL, or a path on the target)".to_owned()
            }
        };
        Diagnostic::new(path, pos, format!("{api}: the spec's security schemes: {e}")).help(help)
    })?;
    target.auth = auth.map(|a| Arc::new(a) as Arc<dyn crate::targets::Auth>);
    Ok(target)
}
