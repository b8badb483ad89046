//! [`scan_heads`]: the name and tags of every scenario under some roots, in discovery order, read
//! on every core (for `conform list`, which must stay fast on a hundred thousand files).
//!
//! The main thread walks the folders and hands chunks of files to a pool of workers that lives
//! for the whole scan; each worker reads a file once, tells from that text whether it is an
//! Arazzo document, and parses a scenario's head with [`parse_head`]. Results come back with
//! their chunk's number and are given out in discovery order ([`InOrder`]). Few chunks are in
//! flight at once, so memory holds a few chunks, not the tree.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use super::load::{Head, parse_head};
use super::{Discovery, Found, Walked, workflow_heads};
use crate::source::Diagnostic;

/// Files per chunk: enough to make handing them out cheap, few enough to stay small.
const CHUNK: usize = 512;

/// What a chunk gives: each item found with its head (or why it cannot be read), in order.
type Heads = Vec<(Found, Result<Head, Diagnostic>)>;

/// Calls `each` with every file under `roots` and its head (or why it cannot be read), in
/// discovery order. Fails at the first root or folder that cannot be walked, after giving out
/// every item found before it.
pub fn scan_heads(
    roots: &[PathBuf],
    mut each: impl FnMut(Found, Result<Head, Diagnostic>),
) -> Result<(), Diagnostic> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut files = Discovery::unread(roots);
    // Bounded: the walk waits while the workers are `threads` chunks behind.
    let (work, jobs) = mpsc::sync_channel::<(usize, Vec<Walked>)>(threads);
    let jobs = Mutex::new(jobs);
    let (done, results) = mpsc::channel::<(usize, Heads)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (jobs, done) = (&jobs, done.clone());
            s.spawn(move || work_on(jobs, &done));
        }
        drop(done);
        let mut order = InOrder::default();
        let mut failed = None;
        for seq in 0.. {
            let chunk = next_chunk(&mut files, &mut failed);
            if chunk.is_empty() || work.send((seq, chunk)).is_err() {
                break;
            }
            while let Ok(r) = results.try_recv() {
                order.take(r, &mut each);
            }
            if failed.is_some() {
                break;
            }
        }
        drop(work);
        // Ends when every worker has finished and dropped its sender.
        for r in results {
            order.take(r, &mut each);
        }
        failed.map_or(Ok(()), Err)
    })
}

/// Up to [`CHUNK`] items of the walk; stops early at its first error, kept in `failed`.
fn next_chunk(files: &mut Discovery, failed: &mut Option<Diagnostic>) -> Vec<Walked> {
    let mut chunk = Vec::with_capacity(CHUNK);
    while chunk.len() < CHUNK {
        match files.next_item() {
            Some(Ok(w)) => chunk.push(w),
            Some(Err(d)) => {
                *failed = Some(d);
                break;
            }
            None => break,
        }
    }
    chunk
}

/// Chunks' results, given out in the order the chunks were sent, whatever order they come in.
#[derive(Default)]
struct InOrder {
    next: usize,
    waiting: BTreeMap<usize, Heads>,
}

impl InOrder {
    fn take(
        &mut self,
        (seq, heads): (usize, Heads),
        each: &mut impl FnMut(Found, Result<Head, Diagnostic>),
    ) {
        self.waiting.insert(seq, heads);
        while let Some(heads) = self.waiting.remove(&self.next) {
            self.next += 1;
            for (f, h) in heads {
                each(f, h);
            }
        }
    }
}

/// A worker: takes chunks until there are no more, and sends back each one's heads.
fn work_on(
    jobs: &Mutex<mpsc::Receiver<(usize, Vec<Walked>)>>,
    done: &mpsc::Sender<(usize, Heads)>,
) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok((seq, chunk)) = job else {
            return;
        };
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut heads = Vec::with_capacity(chunk.len());
            for item in &chunk {
                read_item(item, &mut heads);
            }
            heads
        }));
        // A worker only reads and parses; if that panicked, the chunk's files are reported as
        // unread rather than lost.
        let heads = read.unwrap_or_else(|_| chunk.into_iter().map(unread).collect());
        if done.send((seq, heads)).is_err() {
            return;
        }
    }
}

fn unread(item: Walked) -> (Found, Result<Head, Diagnostic>) {
    let (Walked::Found(f) | Walked::Unread(f)) = item;
    let d = Diagnostic::new(
        &f.path,
        crate::source::Pos::UNKNOWN,
        "internal error: the file could not be read; please report it",
    );
    (f, Err(d))
}

/// The heads of one item of the walk, pushed onto `out`: none for a `.json` file that is not an
/// Arazzo document, one per workflow for an Arazzo document, one for a scenario.
fn read_item(item: &Walked, out: &mut Heads) {
    let f = match item {
        Walked::Found(f) => return out.push((f.clone(), head(f))),
        Walked::Unread(f) => f,
    };
    let ext = f.path.extension().and_then(|e| e.to_str()).unwrap_or("");
    // The common case, a scenario read once. Anything else (a file that cannot be read as text,
    // an Arazzo document, an id that names a workflow) goes the way discovery always took.
    // A file that cannot be read is read again by `head`, to say why.
    match super::read(&f.path).ok() {
        Some(text) if !f.is_arazzo_by(Some(&text)) => {
            if ext != "json" {
                out.push((f.clone(), parse_head(&f.path, &text)));
            }
        }
        _ => as_discovered(f, ext, out),
    }
}

/// An unread file taken as [`Discovery`] takes one: an Arazzo document is one item per
/// workflow (or the document alone when they cannot be read), a `.json` file that is not one is
/// skipped, anything else is a scenario.
fn as_discovered(f: &Found, ext: &str, out: &mut Heads) {
    if super::is_arazzo(&f.path) {
        match workflow_heads(&f.path) {
            Ok(heads) if !heads.is_empty() => {
                for h in heads {
                    let found = Found {
                        id: format!("{}#{}", f.id, h.id),
                        path: f.path.clone(),
                    };
                    let head = head(&found);
                    out.push((found, head));
                }
            }
            _ => out.push((f.clone(), head(f))),
        }
    } else if ext != "json" {
        out.push((f.clone(), head(f)));
    }
}

/// The head of one found item: a scenario's name and tags, or a workflow's summary (its id when
/// it has none) and no tags.
fn head(f: &Found) -> Result<Head, Diagnostic> {
    if !f.is_arazzo() {
        return super::read(&f.path).and_then(|text| parse_head(&f.path, &text));
    }
    let heads = workflow_heads(&f.path)?;
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
