//! [`scan_heads`]: the name and tags of every scenario under some roots, in discovery order, read
//! on every core (for `conform list`, which must stay fast on a hundred thousand files). Files
//! are taken in chunks, so memory holds one chunk, not the tree.

use std::path::PathBuf;

use super::load::{Head, parse_head, read};
use super::{Discovery, Found};
use crate::source::Diagnostic;

/// Files read per chunk: enough to keep every core busy, few enough to stay small.
const CHUNK: usize = 512;

/// Calls `each` with every file under `roots` and its head (or why it cannot be read), in
/// discovery order. Fails at the first root or folder that cannot be walked.
pub fn scan_heads(
    roots: &[PathBuf],
    mut each: impl FnMut(Found, Result<Head, Diagnostic>),
) -> Result<(), Diagnostic> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut files = Discovery::new(roots);
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        for f in files.by_ref().take(CHUNK) {
            chunk.push(f?);
        }
        if chunk.is_empty() {
            return Ok(());
        }
        let per = chunk.len().div_ceil(threads);
        let heads: Vec<Result<Head, Diagnostic>> = std::thread::scope(|s| {
            let workers: Vec<_> = chunk
                .chunks(per)
                .map(|part| s.spawn(move || part.iter().map(head).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| {
                    // A worker only parses; if it panicked, its files are reported as unread.
                    w.join().unwrap_or_default()
                })
                .collect()
        });
        if heads.len() != chunk.len() {
            for f in chunk {
                let d = Diagnostic::new(
                    &f.path,
                    crate::source::Pos::UNKNOWN,
                    "internal error: the file could not be read; please report it",
                );
                each(f, Err(d));
            }
            continue;
        }
        for (f, h) in chunk.into_iter().zip(heads) {
            each(f, h);
        }
    }
}

/// The head of one found item: a scenario's name and tags, or a workflow's summary (its id when
/// it has none) and no tags.
fn head(f: &Found) -> Result<Head, Diagnostic> {
    if !f.is_arazzo() {
        return read(&f.path).and_then(|text| parse_head(&f.path, &text));
    }
    let heads = super::workflow_heads(&f.path)?;
    let wanted = f.workflow();
    heads
        .into_iter()
        .find(|h| Some(h.id.as_str()) == wanted)
        .map(|h| Head {
            name: h.summary.unwrap_or(h.id),
            tags: Vec::new(),
        })
        .ok_or_else(|| {
            Diagnostic::new(
                &f.path,
                crate::source::Pos::UNKNOWN,
                "the Arazzo document has no workflow",
            )
            .help("add a workflow under `workflows:`, each with a `workflowId` and `steps`")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_come_in_discovery_order_with_errors_in_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..(CHUNK + 7) {
            let text = if i == 3 {
                "name: [unclosed\n".to_owned()
            } else {
                format!("name: s{i}\ntags: [t{}]\napi: x\nsteps: []\n", i % 2)
            };
            std::fs::write(dir.path().join(format!("{i:04}.yaml")), text).expect("write");
        }
        let mut seen = Vec::new();
        scan_heads(&[dir.path().to_path_buf()], |f, h| {
            seen.push((f.id, h.map(|h| (h.name, h.tags))));
        })
        .expect("walks");
        assert_eq!(seen.len(), CHUNK + 7);
        assert_eq!(seen[0].0, "0000.yaml");
        assert_eq!(seen[CHUNK + 6].0, format!("{:04}.yaml", CHUNK + 6));
        assert!(seen[3].1.is_err(), "the broken file keeps its place");
        assert_eq!(
            seen[4].1.as_ref().ok(),
            Some(&("s4".to_owned(), vec!["t0".to_owned()]))
        );
    }
}
