//! Alibaba Cloud: [`Alibaba`], the convention of `auth: alibaba`. The access key comes from
//! `ALIBABA_CLOUD_ACCESS_KEY_ID`, `_SECRET` and (for STS credentials) `_SECURITY_TOKEN`, as
//! the SDKs and CLI read it; every request is signed ([`AlibabaAuth`], the algorithms in
//! [`sign`]); with no URL given, the endpoint follows from the region.

pub mod sign;
pub mod signer;

pub use signer::{
    API_VERSION, AlibabaAuth, CredentialsError, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET,
    ENV_SECURITY_TOKEN, SignatureVersion,
};

use std::sync::Arc;

use reqwest::Url;

use crate::targets::credentials::convention::{Setup, SetupError, TargetFuture, Vendor};
use crate::targets::{Target, parse_base_url};

/// The region's variable, when the entry names no `region:`.
pub const ENV_REGION_ID: &str = "ALIBABA_CLOUD_REGION_ID";

/// `auth: alibaba`: a signed access key, the endpoint from the region.
#[derive(Debug, Clone, Copy)]
pub struct Alibaba;

impl Vendor for Alibaba {
    fn auth(&self) -> &'static str {
        "alibaba"
    }

    fn apis(&self) -> &'static [&'static str] {
        &["alibaba-elasticsearch"]
    }

    fn credential_vars(&self) -> &'static [&'static str] {
        &[ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET]
    }

    fn credential_hint(&self) -> &'static str {
        "export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    }

    fn target<'a>(&'a self, setup: Setup<'a>) -> TargetFuture<'a> {
        Box::pin(async move { target(setup) })
    }
}

fn target(setup: Setup<'_>) -> Result<Target, SetupError> {
    let mut auth = AlibabaAuth::from_vars(setup.env).map_err(|e| {
        SetupError::new(
            e.to_string(),
            "export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)",
        )
    })?;
    match setup.entry.signature.as_ref() {
        None => {}
        Some(s) if s.value == "v3" => {}
        Some(s) if s.value == "v1" => auth = auth.with_version(SignatureVersion::V1),
        Some(s) => {
            return Err(SetupError::new(
                format!("`signature: {}` is not v1 or v3", s.value),
                "write `signature: v3` (the SDKs' default) or `signature: v1`",
            )
            .at(s.pos));
        }
    }
    let url = match setup.url {
        Some(u) => u.clone(),
        None => regional_url(&setup)?,
    };
    let mut t = Target::new(url);
    t.auth = Some(Arc::new(auth));
    Ok(t)
}

/// The Elasticsearch endpoint of the entry's region (or `ALIBABA_CLOUD_REGION_ID`'s).
fn regional_url(setup: &Setup<'_>) -> Result<Url, SetupError> {
    let region = setup
        .entry
        .region
        .clone()
        .or_else(|| (setup.env)(ENV_REGION_ID))
        .ok_or_else(|| {
            SetupError::new(
                "no `url:` and no region",
                "add `region: cn-hangzhou` (or `url:`), or export ALIBABA_CLOUD_REGION_ID",
            )
        })?;
    parse_base_url(&format!("https://elasticsearch.{region}.aliyuncs.com")).map_err(|e| {
        SetupError::new(
            format!("region `{region}`: {e}"),
            "use a region id such as `cn-hangzhou`",
        )
    })
}
