//! [`resolve`]: which of a spec's schemes an API's operations use, each bound to the
//! credentials its variables hold (or why it has none).

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;

use super::oauth2::ClientCredentials;
use super::scheme::{self, Scheme};
use super::{Bound, Credential, DeclaredAuth, DeclaredError, Lack, Vars};
use crate::openapi::ApiSpec;
use crate::targets::config::Env;

/// The declared credentials of `spec`'s API at `base_url` (against which a relative OAuth2
/// token URL is resolved). `Ok(None)`: nothing to attach, because no operation requires a
/// scheme or none of the variables is set; both are errors when `explicit` (the targets file
/// says `auth: declared`).
pub fn resolve(
    spec: &ApiSpec,
    base_url: &Url,
    vars: &Vars,
    explicit: bool,
    env: Env<'_>,
) -> Result<Option<DeclaredAuth>, DeclaredError> {
    let used: BTreeSet<&str> = spec
        .operations
        .iter()
        .flat_map(|o| o.requirements.iter().flat_map(|alt| alt.keys()))
        .map(String::as_str)
        .collect();
    let mut schemes = BTreeMap::new();
    let mut any_set = false;
    for name in used {
        let scheme = match spec.security_schemes.get(name) {
            Some(v) => Scheme::parse(v),
            None => Scheme::Unsupported(format!(
                "a scheme the spec's `components.securitySchemes` does not declare (`{name}`)"
            )),
        };
        let (bound, set) = bind(name, scheme, vars, base_url, env)?;
        any_set |= set;
        schemes.insert(name.to_owned(), bound);
    }
    if schemes.is_empty() {
        return if explicit {
            Err(DeclaredError::NoSchemes)
        } else {
            Ok(None)
        };
    }
    if !any_set {
        let all: BTreeSet<&str> = schemes
            .values()
            .flat_map(|b| b.vars.iter().map(String::as_str))
            .collect();
        return if explicit {
            Err(DeclaredError::NothingSet(
                all.into_iter().collect::<Vec<_>>().join(", "),
            ))
        } else {
            Ok(None)
        };
    }
    let operations = spec
        .operations
        .iter()
        .filter(|o| o.requirements.iter().any(|alt| !alt.is_empty()))
        .map(|o| (o.id.clone(), o.requirements.clone()))
        .collect();
    Ok(Some(DeclaredAuth {
        schemes,
        operations,
    }))
}

/// `scheme` with the credential its variables hold, and whether any of them is set. Some but
/// not all set is an error: the user meant to give the credential and forgot a part.
fn bind(
    name: &str,
    scheme: Scheme,
    vars: &Vars,
    base_url: &Url,
    env: Env<'_>,
) -> Result<(Bound, bool), DeclaredError> {
    let names = vars.of(&scheme);
    let values: Vec<Option<String>> = names.iter().map(|v| env(v)).collect();
    let (mut set, mut unset) = (Vec::new(), Vec::new());
    for (n, v) in names.iter().zip(&values) {
        if v.is_some() {
            set.push(*n);
        } else {
            unset.push(*n);
        }
    }
    if !set.is_empty() && !unset.is_empty() {
        return Err(DeclaredError::Partial {
            scheme: name.to_owned(),
            label: scheme.label(),
            set: set.join(", "),
            missing: unset.join(", "),
        });
    }
    let credential = match (&scheme, values.as_slice()) {
        (Scheme::Unsupported(why), _) => Err(Lack::Unsupported(why.clone())),
        (Scheme::MutualTls, _) => Ok(Credential::Connection),
        (_, _) if !unset.is_empty() => {
            Err(Lack::Unset(unset.iter().map(|v| (*v).to_owned()).collect()))
        }
        (Scheme::Bearer | Scheme::ApiKey { .. } | Scheme::GivenToken(_), [Some(token)]) => {
            Ok(Credential::Token(token.clone()))
        }
        (Scheme::Basic, [Some(username), Some(password)]) => Ok(Credential::Basic {
            username: username.clone(),
            password: password.clone(),
        }),
        (Scheme::ClientCredentials { token_url }, [Some(id), Some(secret)]) => {
            let url = scheme::token_url(token_url, base_url).map_err(|reason| {
                DeclaredError::TokenUrl {
                    scheme: name.to_owned(),
                    reason,
                }
            })?;
            Ok(Credential::Client(ClientCredentials::new(
                url,
                id.clone(),
                secret.clone(),
            )))
        }
        // Every scheme reads exactly the variables `Vars::of` names, all set here.
        _ => Err(Lack::Unusable),
    };
    let bound = Bound {
        vars: names.iter().map(|v| (*v).to_owned()).collect(),
        scheme,
        credential,
    };
    Ok((bound, !set.is_empty()))
}
