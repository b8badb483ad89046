//! OpenStack: [`OpenStack`], the convention of `auth: keystone`. The credentials are the
//! OpenStack clients': a cloud of `clouds.yaml` ([`clouds`], `OS_CLOUD`), the `OS_*`
//! variables of a password login, or a fixed `OS_TOKEN`; a login ([`keystone`]) gives the
//! token and, with no URL given, the service catalog the compute endpoint is found in.

pub mod clouds;
pub mod keystone;

use std::sync::Arc;

use reqwest::Url;
use serde_json::Value;

use self::keystone::{KeystoneAuth, PasswordLogin, Project, TokenAuth};
use crate::targets::Target;
use crate::targets::credentials::convention::{Setup, SetupError, TargetFuture, Vendor};

/// `auth: keystone`: a Keystone token, the endpoint from the catalog.
#[derive(Debug, Clone, Copy)]
pub struct OpenStack;

impl Vendor for OpenStack {
    fn auth(&self) -> &'static str {
        "keystone"
    }

    fn apis(&self) -> &'static [&'static str] {
        &["openstack-compute"]
    }

    fn credential_vars(&self) -> &'static [&'static str] {
        &["OS_TOKEN", "OS_CLOUD", "OS_AUTH_URL"]
    }

    fn credential_hint(&self) -> &'static str {
        "export OS_CLOUD (with a clouds.yaml), or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, or OS_TOKEN"
    }

    fn target<'a>(&'a self, setup: Setup<'a>) -> TargetFuture<'a> {
        Box::pin(target(setup))
    }
}

async fn target(setup: Setup<'_>) -> Result<Target, SetupError> {
    if let Some(token) = (setup.env)("OS_TOKEN") {
        let url = setup.url.cloned().ok_or_else(|| SetupError::new(
            "OS_TOKEN is set, so `url:` (the compute endpoint) is required: a bare token carries no catalog",
            "add `url: https://compute.example/v2.1`, or log in with OS_AUTH_URL/OS_USERNAME/OS_PASSWORD instead",
        ))?;
        let mut t = Target::new(url);
        t.auth = Some(Arc::new(TokenAuth::new(token)));
        return Ok(t);
    }
    let login = Login::of(&setup)?;
    let url = match setup.url {
        Some(u) => u.clone(),
        None => login.compute_endpoint(setup.client).await?,
    };
    let mut t = Target::new(url);
    t.auth = Some(Arc::new(KeystoneAuth::new(login.password)));
    Ok(t)
}

/// A password login from clouds.yaml (`cloud:` or `OS_CLOUD`) or `OS_*` variables, with the
/// region and interface its catalog is read with.
struct Login {
    password: PasswordLogin,
    region: Option<String>,
    interface: String,
}

impl Login {
    fn of(setup: &Setup<'_>) -> Result<Login, SetupError> {
        let (entry, env) = (setup.entry, setup.env);
        let cloud = match entry.cloud.clone().or_else(|| env("OS_CLOUD")) {
            Some(name) => Some(clouds::find(&name, env).map_err(|e| {
                SetupError::new(e.to_string(), "put the cloud in ./clouds.yaml or ~/.config/openstack/clouds.yaml, or use OS_* variables")
            })?),
            None => None,
        };
        let top = |key: &str| cloud.as_ref().and_then(|c| clouds::top_value(c, key));
        let region = top("region_name").or_else(|| env("OS_REGION_NAME"));
        let interface = entry
            .interface
            .clone()
            .or_else(|| top("interface"))
            .or_else(|| env("OS_INTERFACE"))
            .unwrap_or_else(|| "public".into());
        Ok(Login {
            password: password_login(cloud.as_ref(), setup)?,
            region,
            interface,
        })
    }

    /// Logs in and finds the compute endpoint in the catalog.
    async fn compute_endpoint(&self, client: &reqwest::Client) -> Result<Url, SetupError> {
        let session = keystone::login(client, &self.password).await.map_err(|e| {
            SetupError::new(
                format!("Keystone login: {e}"),
                "check OS_AUTH_URL and the credentials",
            )
        })?;
        keystone::find_endpoint(
            &session.catalog,
            "compute",
            &self.interface,
            self.region.as_deref(),
        )
        .map_err(|e| {
            SetupError::new(
                e.to_string(),
                "set `url:`, or `interface:`/OS_REGION_NAME to match the catalog",
            )
        })
    }
}

/// The login's fields, each from the cloud's `auth:` or its `OS_*` variable.
fn password_login(cloud: Option<&Value>, setup: &Setup<'_>) -> Result<PasswordLogin, SetupError> {
    let env = setup.env;
    let get = |key: &str, var: &str| -> Option<String> {
        cloud
            .and_then(|c| clouds::auth_value(c, key))
            .or_else(|| env(var))
    };
    let need = |key: &str, var: &str| {
        get(key, var).ok_or_else(|| {
            SetupError::new(format!("no `{key}` in the cloud and {var} is not set"), "export OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (or OS_CLOUD with a clouds.yaml)")
        })
    };
    let auth_url = need("auth_url", "OS_AUTH_URL")?;
    let auth_url = Url::parse(&auth_url)
        .map_err(|e| SetupError::without_help(format!("auth_url `{auth_url}`: {e}")))?;
    let project = match get("project_id", "OS_PROJECT_ID") {
        Some(id) => Project::Id(id),
        None => Project::Name(need("project_name", "OS_PROJECT_NAME")?),
    };
    Ok(PasswordLogin {
        auth_url,
        username: need("username", "OS_USERNAME")?,
        password: need("password", "OS_PASSWORD")?,
        user_domain: get("user_domain_name", "OS_USER_DOMAIN_NAME")
            .unwrap_or_else(|| "Default".into()),
        project,
        project_domain: get("project_domain_name", "OS_PROJECT_DOMAIN_NAME")
            .unwrap_or_else(|| "Default".into()),
    })
}
