//! The seam between the core and the vendors: a [`Vendor`] is one ecosystem's credential
//! convention (its environment variables, its configuration files), how it finds an API's URL
//! when none is given (a region, a service catalog, a domain lookup) and how it signs or logs
//! in. The core names no vendor: the vendors come as a [`Vendors`] list (conform's own is
//! `crate::vendor::VENDORS`), and a targets-file entry picks one with its `auth:` value.

use std::future::Future;
use std::pin::Pin;

use reqwest::Url;

use crate::source::Pos;
use crate::targets::Target;
use crate::targets::config::{Env, TargetEntry};

/// The vendors a run knows, in the order their APIs are listed.
pub type Vendors = &'static [&'static dyn Vendor];

/// What [`Vendor::target`] returns: finding the URL may need a round trip (a login whose
/// answer holds the service catalog, a domain lookup).
pub type TargetFuture<'a> = Pin<Box<dyn Future<Output = Result<Target, SetupError>> + Send + 'a>>;

/// One vendor's conventions, behind which its credentials, discovery and signing live.
pub trait Vendor: Sync + std::fmt::Debug {
    /// The `auth:` value of a targets-file entry that selects this convention.
    fn auth(&self) -> &'static str;
    /// The APIs conform ships for this vendor: their convention applies with no targets file.
    fn apis(&self) -> &'static [&'static str];
    /// Variables any of which, set, means the user means to use the convention: then a
    /// missing companion (a key id without its secret) is an error, not silence.
    fn credential_vars(&self) -> &'static [&'static str];
    /// What to export so that requests carry credentials, such as `export X_TOKEN`.
    fn credential_hint(&self) -> &'static str;
    /// Builds the target of `setup.api`: credentials from the environment, the URL given when
    /// there is one (then no other host is asked), else found the vendor's way.
    fn target<'a>(&'a self, setup: Setup<'a>) -> TargetFuture<'a>;
}

/// What a [`Vendor`] builds a target from.
#[derive(Clone, Copy)]
pub struct Setup<'a> {
    /// The API, as scenarios name it.
    pub api: &'a str,
    /// Its targets-file entry (an empty one when only `--target` names the API).
    pub entry: &'a TargetEntry,
    /// The base URL given (`--target`, `url:`, a spec's `servers`), if any.
    pub url: Option<&'a Url>,
    /// For the logins and lookups that find a URL.
    pub client: &'a reqwest::Client,
    /// Where the credentials' variables are read.
    pub env: Env<'a>,
}

/// Why a vendor cannot build a target, in the vendor's terms: the caller places it in the
/// targets file (at `at` when one field is wrong, else at the entry's `auth:`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SetupError {
    /// What is wrong, without the API's name (the caller adds it).
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The field at fault, when it is one the entry wrote.
    pub at: Option<Pos>,
}

impl SetupError {
    /// An error about the entry as a whole.
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        SetupError {
            message: message.into(),
            help: Some(help.into()),
            at: None,
        }
    }

    /// An error whose message says all there is to say.
    pub fn without_help(message: impl Into<String>) -> Self {
        SetupError {
            message: message.into(),
            help: None,
            at: None,
        }
    }

    /// Places the error at one field of the entry.
    pub fn at(mut self, pos: Pos) -> Self {
        self.at = Some(pos);
        self
    }
}

/// The vendor whose convention `auth` names.
pub fn by_auth(vendors: Vendors, auth: &str) -> Option<&'static dyn Vendor> {
    vendors.iter().copied().find(|v| v.auth() == auth)
}

/// The vendor that ships `api`, if any.
pub fn of_api(vendors: Vendors, api: &str) -> Option<&'static dyn Vendor> {
    vendors.iter().copied().find(|v| v.apis().contains(&api))
}

/// Whether the environment holds any variable of `vendor`'s convention.
pub fn has_credentials(vendor: &dyn Vendor, env: Env<'_>) -> bool {
    vendor.credential_vars().iter().any(|v| env(v).is_some())
}

/// What to export so that `api`'s requests carry credentials: its vendor's variables, or the
/// defaults of the schemes a spec declares.
pub fn credential_hint(vendors: Vendors, api: &str) -> String {
    if let Some(vendor) = of_api(vendors, api) {
        return vendor.credential_hint().to_owned();
    }
    let var = |what| super::declared::default_var(api, what);
    format!(
        "export {} (bearer, API keys), {} and {} (basic), or {} and {} (OAuth2), as the spec's schemes need",
        var("TOKEN"),
        var("USERNAME"),
        var("PASSWORD"),
        var("CLIENT_ID"),
        var("CLIENT_SECRET")
    )
}
