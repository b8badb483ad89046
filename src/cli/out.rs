//! Writing to stdout: a closed pipe (`conform specs check | head -1`) means the reader has what
//! it wanted, which is success, not a panic. `println!` panics on it; these macros ignore it.

/// `write!` to stdout, ignoring a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `writeln!` to stdout, ignoring a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
