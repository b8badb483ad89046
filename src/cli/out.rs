//! Writing to stdout: a closed pipe (`conform specs check | head -1`) means the reader has what
//! it wanted, which is success, not a panic. `println!` panics on it; these macros ignore it.
//! Everything they print goes through [`conform::term::for_terminal`]: no control character a
//! target sent (in a body, a header, an error) reaches the terminal raw; `out_painted!` keeps
//! conform's own colours.

/// `write!` to stdout, ignoring a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = write!(std::io::stdout().lock(), "{}", conform::term::for_terminal(&text, false));
    }};
}

/// `writeln!` to stdout, ignoring a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stdout().lock(), "{}", conform::term::for_terminal(&text, false));
    }};
}

/// `write!` to stdout of text conform painted itself (`color`: its colour sequences kept).
macro_rules! out_painted {
    ($color:expr, $($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = write!(std::io::stdout().lock(), "{}", conform::term::for_terminal(&text, $color));
    }};
}

/// `eprintln!`, its text shown as [`outln!`] shows it.
macro_rules! errln {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        eprintln!("{}", conform::term::for_terminal(&text, false));
    }};
}
