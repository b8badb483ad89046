//! What the integration tests share.

use std::path::PathBuf;

/// The repository root, which is also where cargo and nextest run the tests from.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
