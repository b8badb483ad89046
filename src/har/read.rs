//! Reading a HAR file: [`read`], bounded by [`MAX_HAR_BYTES`], with the line and column of the
//! first thing that is not HAR.

use std::path::Path;

use super::HarError;
use super::format::Har;

/// The largest HAR file read: the whole document is parsed in memory, so it is bounded.
pub const MAX_HAR_BYTES: u64 = 256 * 1024 * 1024;

/// Reads and parses `path`, refusing one larger than `limit` bytes before reading it.
pub fn read(path: &Path, limit: u64) -> Result<Har, HarError> {
    let err = |cause| HarError::Read {
        path: path.to_owned(),
        cause,
    };
    let size = std::fs::metadata(path).map_err(err)?.len();
    if size > limit {
        return Err(HarError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    let bytes = std::fs::read(path).map_err(err)?;
    parse(path, &bytes)
}

/// Parses HAR text; `path` names it in errors.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Har, HarError> {
    // Some Windows tools (Fiddler) write a byte-order mark first.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the position is said in front instead.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        HarError::Parse {
            path: path.to_owned(),
            line: e.line(),
            col: e.column(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_json_is_named_at_its_line_and_column() {
        let e = parse(Path::new("x.har"), b"{\"log\":\n  {oops}}").expect_err("not JSON");
        let text = e.to_string();
        assert!(text.starts_with("x.har:2:4: not a HAR file"), "{text}");
    }

    #[test]
    fn json_without_a_log_is_not_har() {
        let e = parse(Path::new("x.har"), b"{\"entries\": []}").expect_err("no log");
        assert!(e.to_string().contains("missing field `log`"), "{e}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_the_limit_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.har");
        std::fs::write(&path, vec![b' '; 2048]).expect("write");
        let e = read(&path, 1024).expect_err("too large");
        assert!(
            matches!(
                e,
                HarError::TooLarge {
                    size: 2048,
                    limit: 1024,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn a_minimal_foreign_entry_reads_with_defaults() {
        let text = br#"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[
            {"startedDateTime":"2026-01-01T00:00:00Z","time":1,
             "request":{"method":"GET","url":"http://h/a"},
             "response":{"status":200,"content":{"size":0,"mimeType":""}}}]}}"#;
        let har = parse(Path::new("x.har"), text).expect("reads");
        let e = &har.log.entries[0];
        assert_eq!(e.request.headers_size, -1);
        assert!(e.conform.is_none());
    }
}
