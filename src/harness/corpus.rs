//! A corpus folder as [`Trial`]s: one per scenario file, or one failing trial that says why there
//! are none.

use std::path::Path;
use std::sync::Arc;

use super::setup::{Setup, runtime, turn};
use super::{Check, Failed, Trial};
use crate::run::NoEvents;
use crate::scenario::{Found, discover};

/// The trials of the scenarios under `dir`, each named `<name>/<file>`; when there are none, the
/// trial `name` that fails saying why.
pub(super) fn trials(dir: &Path, name: &str, setup: &Arc<Setup>, check: &Check) -> Vec<Trial> {
    let found = match scenarios(dir) {
        Ok(found) => found,
        Err(why) => return vec![Trial::test(name, move || Err(why))],
    };
    found
        .into_iter()
        .map(|found| {
            let (setup, check) = (setup.clone(), check.clone());
            Trial::test(format!("{name}/{}", found.id), move || {
                run_one(&setup, &found, &check)
            })
        })
        .collect()
}

/// The scenario files under `dir`, or why a run of them would prove nothing.
fn scenarios(dir: &Path) -> Result<Vec<Found>, Failed> {
    let shown = dir.display();
    if !dir.is_dir() {
        let cwd = std::env::current_dir().unwrap_or_default();
        return Err(format!(
            "the corpus folder {shown}/ is missing (looked in {}; tests run from the package root)",
            cwd.display()
        )
        .into());
    }
    match discover(&[dir.to_path_buf()]) {
        Ok(found) if !found.is_empty() => Ok(found),
        Ok(_) => Err(format!("the corpus folder {shown}/ holds no scenario").into()),
        Err(e) => Err(format!("the corpus folder {shown}/ cannot be read: {e}").into()),
    }
}

/// One trial: its scenario run by the shared runner, its result judged by `check`.
fn run_one(setup: &Setup, found: &Found, check: &Check) -> Result<(), Failed> {
    let runner = setup.runner()?;
    let rt = runtime()?;
    let _turn = turn(found);
    let result = rt.block_on(runner.run_found(found, &NoEvents));
    check(&result, found)
}
