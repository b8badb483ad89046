//! `conform run --examples`: the specs' request examples as in-memory scenarios, fed to the same
//! runner as files ([`conform::run::Runner::with_sources`]), so reports, events and exit codes
//! are those of any run.

use std::collections::HashMap;
use std::path::PathBuf;

use conform::openapi::Registry;
use conform::scenario::Found;

pub struct Examples {
    pub found: Vec<Found>,
    pub sources: HashMap<PathBuf, String>,
}

pub fn collect(registry: &Registry, apis: &[String]) -> anyhow::Result<Examples> {
    let scenarios =
        conform::init::registry_examples(registry, apis).map_err(|d| anyhow::anyhow!("{d}"))?;
    let mut found = Vec::new();
    let mut sources = HashMap::new();
    for s in scenarios {
        let path = PathBuf::from(&s.id);
        found.push(Found {
            path: path.clone(),
            id: s.id,
        });
        sources.insert(path, s.text);
    }
    Ok(Examples { found, sources })
}
