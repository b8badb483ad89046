//! LivePerson: [`LivePerson`], the convention of `auth: bearer`. The token comes from
//! `LP_BEARER_TOKEN` (or the entry's `token_env:`); with no URL given, the account's domain is
//! looked up ([`discovery`]) from `account:` or `LP_ACCOUNT_ID`.

pub mod discovery;

use std::sync::Arc;

use reqwest::Url;

use crate::targets::credentials::bearer::BearerAuth;
use crate::targets::credentials::convention::{Setup, SetupError, TargetFuture, Vendor};
use crate::targets::credentials::declared;
use crate::targets::{Target, parse_base_url};

/// The token's variable for the APIs LivePerson ships.
pub const ENV_BEARER_TOKEN: &str = "LP_BEARER_TOKEN";
/// The account's variable, when the entry names no `account:`.
pub const ENV_ACCOUNT_ID: &str = "LP_ACCOUNT_ID";

/// `auth: bearer`: a bearer token, the domain discovered from the account.
#[derive(Debug, Clone, Copy)]
pub struct LivePerson;

impl Vendor for LivePerson {
    fn auth(&self) -> &'static str {
        "bearer"
    }

    fn apis(&self) -> &'static [&'static str] {
        &["liveperson-deletion"]
    }

    fn credential_vars(&self) -> &'static [&'static str] {
        &[ENV_BEARER_TOKEN]
    }

    fn credential_hint(&self) -> &'static str {
        "export LP_BEARER_TOKEN"
    }

    fn target<'a>(&'a self, setup: Setup<'a>) -> TargetFuture<'a> {
        Box::pin(target(self, setup))
    }
}

async fn target(vendor: &LivePerson, setup: Setup<'_>) -> Result<Target, SetupError> {
    let var = setup.entry.token_env.clone().unwrap_or_else(|| {
        if vendor.apis().contains(&setup.api) {
            ENV_BEARER_TOKEN.into()
        } else {
            declared::default_var(setup.api, "TOKEN")
        }
    });
    let token = (setup.env)(&var).ok_or_else(|| {
        SetupError::new(
            format!("environment variable {var} (the bearer token) is not set"),
            "export the token, or name its variable with `token_env:`",
        )
    })?;
    let url = match setup.url {
        Some(u) => u.clone(),
        None => discovered(&setup).await?,
    };
    let mut t = Target::new(url);
    t.auth = Some(Arc::new(BearerAuth::new(token)));
    Ok(t)
}

/// The account's rtbf domain, looked up at the entry's CSDS (or the public one).
async fn discovered(setup: &Setup<'_>) -> Result<Url, SetupError> {
    let account = setup
        .entry
        .account
        .clone()
        .or_else(|| (setup.env)(ENV_ACCOUNT_ID))
        .ok_or_else(|| {
            SetupError::new(
                "no `url:` and no account to find the domain with",
                "add `account: \"12345678\"` (or `url:`), or export LP_ACCOUNT_ID",
            )
        })?;
    let csds = setup
        .entry
        .csds
        .clone()
        .unwrap_or_else(|| discovery::DEFAULT_CSDS.into());
    let csds = parse_base_url(&csds).map_err(|e| {
        SetupError::new(
            format!("`csds: {csds}`: {e}"),
            "write the CSDS base URL, such as https://api.liveperson.net",
        )
    })?;
    discovery::discover_base_url(setup.client, &csds, &account, discovery::RTBF_SERVICE)
        .await
        .map_err(|e| {
            SetupError::new(
                format!("domain lookup: {e}"),
                "set `url:` to the account's rtbf domain",
            )
        })
}
