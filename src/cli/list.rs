//! `conform list`: the scenarios a run with the same selection would run, one line each:
//! id, name, tags. A file that does not parse is listed whatever the selection, and makes the
//! exit code 2.

use conform::run::ExitCode;
use conform::scenario::{self, Discovery};

use super::args::SelectArgs;

pub fn list(args: SelectArgs) -> anyhow::Result<ExitCode> {
    let selection = args.selection();
    let mut code = ExitCode::Conform;
    for f in Discovery::new(&args.paths) {
        let f = f.map_err(|d| anyhow::anyhow!("{d}"))?;
        // Files that do not parse are listed whatever the selection: their error must be seen.
        match scenario::load(&f.path) {
            Ok((s, _)) => {
                let tags: Vec<&str> = s.tags.iter().map(|t| t.value.as_str()).collect();
                if selection.admits(&f.id, &s.name.value, &tags) {
                    outln!("{}\t{}\t[{}]", f.id, s.name.value, tags.join(", "));
                }
            }
            Err(_) => {
                outln!("{}\t(does not parse)", f.id);
                code = ExitCode::Errors;
            }
        }
    }
    Ok(code)
}
