//! `clouds.yaml`, as the OpenStack tools read it: the first file found among
//! `$OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `$XDG_CONFIG_HOME/openstack/clouds.yaml` (or
//! `~/.config/openstack/clouds.yaml`) and `/etc/openstack/clouds.yaml`.

use std::path::PathBuf;

use serde_json::Value;

use super::config::Env;

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

/// The entry of cloud `name`.
pub fn find(name: &str, env: Env<'_>) -> Result<Value, String> {
    let searched = candidates(env);
    for path in &searched {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc: Value = serde_saphyr::from_str_with_options(&text, crate::source::yaml::options())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(cloud) = doc.get("clouds").and_then(|c| c.get(name)) {
            return Ok(cloud.clone());
        }
        let known: Vec<&str> = doc
            .get("clouds")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(format!(
            "{} has no cloud `{name}` (clouds: {})",
            path.display(),
            known.join(", ")
        ));
    }
    let list: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "cloud `{name}` is named, but no clouds.yaml was found (looked in {})",
        list.join(", ")
    ))
}

/// A string under the cloud's `auth:`.
pub fn auth_value(cloud: &Value, key: &str) -> Option<String> {
    cloud.get("auth")?.get(key)?.as_str().map(str::to_owned)
}

/// A string at the cloud's top level (`region_name`, `interface`).
pub fn top_value(cloud: &Value, key: &str) -> Option<String> {
    cloud.get(key)?.as_str().map(str::to_owned)
}
