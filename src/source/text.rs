//! [`read`]: a user's file as text, where bytes that are not UTF-8 are a [`Diagnostic`] at their
//! line and column (the standard library says only "stream did not contain valid UTF-8").

use std::path::Path;

use super::diag::Diagnostic;
use super::span::Pos;

/// The largest scenario file read: a hand-written flow is a few kilobytes, so this bounds what
/// a generated or mistaken file can cost (memory, parse time, the size of an error).
pub const MAX_SCENARIO_BYTES: u64 = 4 * 1024 * 1024;

/// The largest spec file read: Stripe's published spec, among the largest there are, is 4 MiB.
pub const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// What a file is, for the words of the size error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scenario,
    Spec,
}

impl Kind {
    fn limit(self) -> u64 {
        match self {
            Kind::Scenario => MAX_SCENARIO_BYTES,
            Kind::Spec => MAX_SPEC_BYTES,
        }
    }
}

/// The file's text, or a diagnostic saying why it cannot be had: unreadable, over the limit of
/// its kind (checked before it is read, and again while reading, for a file that grows), or not
/// UTF-8.
pub fn read(path: &Path, kind: Kind) -> Result<String, Diagnostic> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| {
        Diagnostic::new(path, Pos::UNKNOWN, format!("cannot read the file: {e}"))
    };
    let limit = kind.limit();
    let file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    let mut bytes = Vec::new();
    if size <= limit {
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    }
    if size > limit || bytes.len() as u64 > limit {
        let (what, fix) = match kind {
            Kind::Scenario => (
                "a scenario file",
                "split it into several scenarios, one flow per file",
            ),
            Kind::Spec => (
                "a spec file",
                "split it into several files joined by `$ref`",
            ),
        };
        return Err(Diagnostic::new(
            path,
            Pos::UNKNOWN,
            format!(
                "the file is {} bytes, over conform's limit of {} MiB for {what}",
                size.max(bytes.len() as u64),
                limit / (1024 * 1024)
            ),
        )
        .help(fix));
    }
    decode(path, bytes)
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

    #[test]
    fn a_bad_byte_is_reported_at_its_line_and_column() {
        let bytes = b"name: ok\nap\xc3\xa9: caf\xff\n".to_vec();
        let d = decode(Path::new("f.yaml"), bytes).expect_err("not UTF-8");
        assert_eq!(d.pos, Pos::new(2, 9));
        assert!(d.message.contains("0xFF at offset 18"), "{d}");
        assert_eq!(d.line_text.as_deref(), Some("apé: caf\u{FFFD}"));
    }

    #[test]
    fn a_file_over_its_limit_is_refused_by_size_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = dir.path().join("at.yaml");
        std::fs::write(&at, vec![b'#'; MAX_SCENARIO_BYTES as usize]).expect("write");
        assert_eq!(
            read(&at, Kind::Scenario).expect("at the limit").len() as u64,
            MAX_SCENARIO_BYTES
        );
        let over = dir.path().join("over.yaml");
        std::fs::write(&over, vec![b'#'; MAX_SCENARIO_BYTES as usize + 1]).expect("write");
        let d = read(&over, Kind::Scenario).expect_err("over the limit");
        assert!(
            d.message
                .contains("4194305 bytes, over conform's limit of 4 MiB for a scenario file"),
            "{d}"
        );
        assert!(d.to_string().contains("split it"), "{d}");
        // The same file is a small spec.
        assert!(read(&over, Kind::Spec).is_ok());
    }

    #[test]
    fn utf8_text_is_returned_as_is() {
        let text = decode(Path::new("f.yaml"), "a: é\n".as_bytes().to_vec()).expect("UTF-8");
        assert_eq!(text, "a: é\n");
    }
}
