//! `conform list`: the scenarios a run with the same selection would run, one line each:
//! id, name, tags. Only the name and tags are read (on every core), so a mistake elsewhere in a
//! file shows in `conform run`, not here; a file whose name or tags cannot be read is listed
//! whatever the selection, and makes the exit code 2.

use std::fmt::Write as _;
use std::io::Write as _;

use conform::run::ExitCode;
use conform::scenario;
use conform::term::for_terminal;

use super::args::SelectArgs;

pub fn list(args: SelectArgs) -> anyhow::Result<ExitCode> {
    let selection = args.selection();
    let mut code = ExitCode::Conform;
    // Buffered: a listing can be a hundred thousand lines, and a write per line (what `outln!`
    // does) costs more than reading their files. A closed pipe is ignored, as `outln!` does.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut line = String::new();
    // `scan_heads` calls back in discovery order, so this is each file's index, as in `run`.
    let mut index = 0;
    let scanned = scenario::scan_heads(&args.paths, |f, head| {
        index += 1;
        if !selection.in_partition(index - 1, &f.id) {
            return;
        }
        line.clear();
        match head {
            Ok(h) => {
                let tags: Vec<&str> = h.tags.iter().map(String::as_str).collect();
                if !selection.admits(&f.id, &h.name, &tags) {
                    return;
                }
                let _ = write!(line, "{}\t{}\t[{}]", f.id, h.name, tags.join(", "));
            }
            // Listed whatever the selection: its error must be seen.
            Err(_) => {
                let _ = write!(line, "{}\t(does not parse)", f.id);
                code = ExitCode::Errors;
            }
        }
        let _ = writeln!(out, "{}", for_terminal(&line, false));
    });
    let _ = out.flush();
    scanned.map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(code)
}
