//! [`read`]: a user's file as text, where bytes that are not UTF-8 are a [`Diagnostic`] at their
//! line and column (the standard library says only "stream did not contain valid UTF-8").

use std::path::Path;

use super::diag::Diagnostic;
use super::span::Pos;

/// How large a kind of file may be: a file is read whole into memory, so it is bounded.
#[derive(Debug, Clone, Copy)]
pub struct SizeLimit {
    /// The largest size accepted, in bytes.
    pub bytes: u64,
    /// What the file is, for the message: "a scenario file".
    pub what: &'static str,
    /// The fix, for the help: "split the scenario into smaller files".
    pub fix: &'static str,
}

/// The file's text, or a diagnostic saying why it cannot be had: unreadable, larger than
/// `limit` (refused before reading, and never more than the limit read even if it grows), or
/// not UTF-8.
pub fn read(path: &Path, limit: SizeLimit) -> Result<String, Diagnostic> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Diagnostic::new(path, Pos::UNKNOWN, format!("cannot read the file: {e}"))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    // Sized from the metadata, so a file is read in one or two calls, not a dozen doubling ones.
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit.bytes)).unwrap_or(0) + 1);
    if size <= limit.bytes {
        file.take(limit.bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    }
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit.bytes || read > limit.bytes {
        return Err(too_large(path, size.max(read), limit));
    }
    decode(path, bytes)
}

fn too_large(path: &Path, size: u64, limit: SizeLimit) -> Diagnostic {
    Diagnostic::new(
        path,
        Pos::UNKNOWN,
        format!(
            "{size} bytes is over conform's limit of {} bytes ({} MiB) for {}",
            limit.bytes,
            limit.bytes >> 20,
            limit.what
        ),
    )
    .help(limit.fix)
}

/// `bytes` as UTF-8 text; `path` is only used in messages.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = String::from_utf8_lossy(&bytes[..offset]);
        let line = valid.matches('\n').count() + 1;
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let col = valid[line_start..].chars().count() + 1;
        let pos = Pos::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        );
        let bad = bytes.get(offset).copied().unwrap_or_default();
        // The line as far as it can be shown: its bytes, the bad ones replaced.
        let line_end = bytes[offset..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| offset + i);
        let shown = String::from_utf8_lossy(&bytes[line_start..line_end]);
        Diagnostic::new(
            path,
            pos,
            format!("the file is not UTF-8: byte 0x{bad:02X} at offset {offset} is not valid here"),
        )
        .help("save the file as UTF-8 (conform reads scenarios, specs and targets as UTF-8 text)")
        .with_line(&shown)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: SizeLimit = SizeLimit {
        bytes: 8,
        what: "a test file",
        fix: "make it shorter",
    };

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_over_is_refused_naming_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, "a: 12345").expect("write");
        assert_eq!(read(&path, TINY).expect("at the limit"), "a: 12345");
        std::fs::write(&path, "a: 123456").expect("write");
        let d = read(&path, TINY).expect_err("over the limit");
        assert_eq!(
            d.to_string(),
            format!(
                "{}: 9 bytes is over conform's limit of 8 bytes (0 MiB) for a test file\n  \
                 help: make it shorter",
                path.display()
            )
        );
    }

    #[test]
    fn a_bad_byte_is_reported_at_its_line_and_column() {
        let bytes = b"name: ok\nap\xc3\xa9: caf\xff\n".to_vec();
        let d = decode(Path::new("f.yaml"), bytes).expect_err("not UTF-8");
        assert_eq!(d.pos, Pos::new(2, 9));
        assert!(d.message.contains("0xFF at offset 18"), "{d}");
        assert_eq!(d.line_text.as_deref(), Some("apé: caf\u{FFFD}"));
    }

    #[test]
    fn utf8_text_is_returned_as_is() {
        let text = decode(Path::new("f.yaml"), "a: é\n".as_bytes().to_vec()).expect("UTF-8");
        assert_eq!(text, "a: é\n");
    }
}
