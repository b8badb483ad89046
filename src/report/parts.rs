//! Where the pieces of a report wait for the end of the run: a [`Part`] is appended to as
//! scenarios finish and copied into the final file once the header (which carries the counts)
//! can be written. [`Parts`] makes them: [`InMemory`] (a `Vec<u8>`, for the pure renderers) or
//! [`Folder`] (a hidden temporary file per part in the report folder, for a streamed run, so
//! memory stays flat however many scenarios run).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A piece of a report, written in order, read back once.
pub trait Part: Write {
    /// Writes everything written to the part so far into `out`.
    fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// Makes the parts of a report; `label` names a part uniquely within one run.
pub trait Parts {
    /// The kind of part made.
    type Part: Part;
    /// A new, empty part named `label`.
    fn part(&mut self, label: &str) -> io::Result<Self::Part>;
}

impl Part for Vec<u8> {
    fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(self)
    }
}

/// Parts kept in memory: the pure renderers build a report of a [`crate::run::RunResult`]
/// with the same code a streamed run uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct InMemory;

impl Parts for InMemory {
    type Part = Vec<u8>;
    fn part(&mut self, _: &str) -> io::Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

/// Parts as hidden files in a folder (`.<label>.<pid>.part`, the leading dot keeping them out
/// of globs, the process id apart from another run writing into the same folder).
#[derive(Debug, Clone)]
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// Parts in `dir`, which must exist.
    pub fn new(dir: &Path) -> Self {
        Folder {
            dir: dir.to_owned(),
        }
    }
}

impl Parts for Folder {
    type Part = FilePart;
    fn part(&mut self, label: &str) -> io::Result<FilePart> {
        let path = self
            .dir
            .join(format!(".{label}.{}.part", std::process::id()));
        FilePart::create(path)
    }
}

/// A part in a temporary file, removed when dropped. On Unix the name is removed as soon as
/// the file is open (the open file lives on), so even a killed run leaves no part behind.
pub struct FilePart {
    file: BufWriter<File>,
    /// The name still to remove, where it could not be removed while open.
    path: Option<PathBuf>,
}

impl FilePart {
    fn create(path: PathBuf) -> io::Result<FilePart> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        Ok(FilePart {
            file: BufWriter::with_capacity(64 * 1024, file),
            path,
        })
    }
}

impl Write for FilePart {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Part for FilePart {
    fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.file.flush()?;
        let file = self.file.get_mut();
        file.seek(SeekFrom::Start(0))?;
        io::copy(file, out)?;
        Ok(())
    }
}

impl Drop for FilePart {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_part_gives_back_what_was_written_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut part = Folder::new(dir.path())
            .part("report.html.rows")
            .expect("part");
        part.write_all(b"one ").expect("write");
        part.write_all(b"two").expect("write");
        let mut out = Vec::new();
        part.copy_to(&mut out).expect("copy");
        assert_eq!(out, b"one two");
        drop(part);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }
}
