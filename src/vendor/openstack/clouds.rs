//! `clouds.yaml`, as the OpenStack tools read it: the first file found among
//! `$OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `$XDG_CONFIG_HOME/openstack/clouds.yaml` (or
//! `~/.config/openstack/clouds.yaml`) and `/etc/openstack/clouds.yaml`.

use std::path::PathBuf;

use serde_json::Value;

use crate::targets::config::Env;

fn candidates(env: Env<'_>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(f) = env("OS_CLIENT_CONFIG_FILE") {
        out.push(PathBuf::from(f));
    }
    out.push(PathBuf::from("clouds.yaml"));
    match env("XDG_CONFIG_HOME") {
        Some(x) => out.push(PathBuf::from(x).join("openstack/clouds.yaml")),
        None => {
            if let Some(home) = env("HOME") {
                out.push(PathBuf::from(home).join(".config/openstack/clouds.yaml"));
            }
        }
    }
    out.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    out
}

/// Why a named cloud cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudsError {
    /// The first clouds.yaml found is not YAML.
    #[error("{}: {reason}", path.display())]
    Unreadable {
        /// The file that was read.
        path: PathBuf,
        /// The YAML parser's message.
        reason: String,
    },
    /// The first clouds.yaml found has no such cloud.
    #[error("{} has no cloud `{name}` (clouds: {})", path.display(), known.join(", "))]
    NoCloud {
        /// The file that was read.
        path: PathBuf,
        /// The cloud asked for (`OS_CLOUD` or the targets file's `cloud:`).
        name: String,
        /// The clouds the file does name, in file order; empty when it has no `clouds:` map.
        known: Vec<String>,
    },
    /// No clouds.yaml anywhere the tools look.
    #[error(
        "cloud `{name}` is named, but no clouds.yaml was found (looked in {})",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NoFile {
        /// The cloud asked for.
        name: String,
        /// Every path looked at, in the order they were tried.
        searched: Vec<PathBuf>,
    },
}

/// The entry of cloud `name`.
pub fn find(name: &str, env: Env<'_>) -> Result<Value, CloudsError> {
    let searched = candidates(env);
    for path in &searched {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc: Value = serde_saphyr::from_str_with_options(&text, crate::source::yaml::options())
            .map_err(|e| CloudsError::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if let Some(cloud) = doc.get("clouds").and_then(|c| c.get(name)) {
            return Ok(cloud.clone());
        }
        let known: Vec<String> = doc
            .get("clouds")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        return Err(CloudsError::NoCloud {
            path: path.clone(),
            name: name.to_owned(),
            known,
        });
    }
    Err(CloudsError::NoFile {
        name: name.to_owned(),
        searched,
    })
}

/// A string under the cloud's `auth:`.
pub fn auth_value(cloud: &Value, key: &str) -> Option<String> {
    cloud.get("auth")?.get(key)?.as_str().map(str::to_owned)
}

/// A string at the cloud's top level (`region_name`, `interface`).
pub fn top_value(cloud: &Value, key: &str) -> Option<String> {
    cloud.get(key)?.as_str().map(str::to_owned)
}
