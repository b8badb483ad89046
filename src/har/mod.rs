//! Traffic as evidence: exchanges as HAR 1.2 ([`Har`]), one serialisation of the exchange
//! model ([`crate::http`]); its serde types are this module's own. A run records every exchange
//! ([`record::Recorder`], an event sink fed the redacted records of each finished step); any
//! HAR file, conform's or a browser's or mitmproxy's export, is read back ([`read::read`]),
//! each entry matched to an operation of the specs ([`matcher::Matcher`], by method and path
//! template, the server's base path stripped) and checked offline as `run` checks a response
//! ([`verify::exchange`]), one [`crate::run::ScenarioResult`] per entry so every report works.
//! Two recordings are compared by shape ([`drift::drift`] over [`shape::Profile`]s): the drift
//! between a mock and its vendor, values such as ids never counted. A recording answers again
//! as a server would ([`replay::Replay`]).

mod convert;
pub mod drift;
mod format;
pub mod matcher;
pub mod read;
pub mod record;
pub mod replay;
pub mod shape;
pub mod verify;

use std::path::PathBuf;

pub use format::Har;
pub use matcher::{Match, Matcher};
pub use read::{MAX_HAR_BYTES, read};
pub use record::Recorder;

/// Why a HAR file could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarError {
    // The library says what went wrong with the path; the CLI names the flag that gave it.
    /// The path names a folder, not a file.
    #[error("{}: is a folder; name a file such as run.har", path.display())]
    IsDir {
        /// The folder given where a HAR file was expected.
        path: PathBuf,
    },
    /// The HAR file cannot be created (missing folder, no permission).
    #[error("{}: cannot write there: {cause}", path.display())]
    Create {
        /// The file that could not be created.
        path: PathBuf,
        /// Not `source`: the message says it, and a chained source would say it twice.
        cause: std::io::Error,
    },
    /// Writing the recording into the created file failed.
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// Not `source`: the message says it, and a chained source would say it twice.
        cause: std::io::Error,
    },
    /// The HAR file cannot be read (missing, no permission).
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// Not `source`: the message says it, and a chained source would say it twice.
        cause: std::io::Error,
    },
    /// The file is over the size limit the reader was given (the CLI passes [`MAX_HAR_BYTES`]).
    #[error(
        "{}: {size} bytes is over conform's limit of {limit} bytes ({} MiB) for a HAR file; \
         split the recording",
        path.display(), limit / (1024 * 1024)
    )]
    TooLarge {
        /// The file that is too large.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The largest size accepted, in bytes.
        limit: u64,
    },
    /// The file is not JSON of HAR's shape.
    #[error("{}:{line}:{col}: not a HAR file: {message} (expected a JSON object {{\"log\": {{\"entries\": [...]}}}})", path.display())]
    Parse {
        /// The file that does not parse.
        path: PathBuf,
        /// The 1-based line where parsing stopped.
        line: usize,
        /// The 1-based column where parsing stopped.
        col: usize,
        /// What the JSON parser found wrong.
        message: String,
    },
}
