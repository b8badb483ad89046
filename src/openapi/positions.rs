//! Where each part of a spec file is: [`tree`] gives the positioned [`Node`] tree of a YAML or
//! JSON spec, which the loader and the linter walk with a JSON Pointer to put a line and
//! column on a problem.
//!
//! A JSON file gets its own scanner ([`Scanner`]) rather than the YAML parser: large JSON
//! descriptions (GitHub's is 13 MB) exceed what the YAML parser's budget allows, and JSON
//! is not always YAML (tabs, escapes). The scanner keeps only the shape (keys, items and
//! where each starts); scalars are left empty, since no caller reads them.

use std::path::Path;

use crate::source::{Node, NodeKind, Pos, Spanned};

/// The positioned tree of `source` (a spec file at `path`); `None` when it does not parse.
pub(crate) fn tree(path: &Path, source: &str) -> Option<Node> {
    if super::fileset::looks_like_json(path, source) {
        let mut s = Scanner {
            bytes: source.as_bytes(),
            at: 0,
            line: 1,
            col: 1,
        };
        return s.value(0);
    }
    crate::source::build_node(source).or_else(|| {
        serde_saphyr::from_str_with_options::<Node>(source, crate::source::yaml::options()).ok()
    })
}

/// Deeper than this is not a spec (serde_json already refuses past 128).
const MAX_DEPTH: usize = 512;

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u32,
    col: u32,
}

impl Scanner<'_> {
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        if b == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if b & 0xC0 != 0x80 {
            // A column is a character: UTF-8 continuation bytes do not start one.
            self.col += 1;
        }
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let pos = self.pos();
        let kind = match self.peek()? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => NodeKind::String(self.string()?),
            _ => {
                while self.peek().is_some_and(|b| {
                    !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.bump();
                }
                NodeKind::Null
            }
        };
        Some(Node::new(pos, kind))
    }

    fn object(&mut self, depth: usize) -> Option<NodeKind> {
        self.bump();
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.bump();
                    return Some(NodeKind::Map(entries));
                }
                b',' => {
                    self.bump();
                }
                b'"' => {
                    let pos = self.pos();
                    let key = self.string()?;
                    self.skip_ws();
                    if self.bump()? != b':' {
                        return None;
                    }
                    let value = self.value(depth + 1)?;
                    entries.push((Spanned::new(key, pos), value));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<NodeKind> {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => {
                    self.bump();
                    return Some(NodeKind::Seq(items));
                }
                b',' => {
                    self.bump();
                }
                _ => items.push(self.value(depth + 1)?),
            }
        }
    }

    /// A quoted string, escapes decoded (keys are compared with the pointer's tokens).
    fn string(&mut self) -> Option<String> {
        self.bump();
        let mut out = Vec::new();
        loop {
            match self.bump()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => match self.bump()? {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'u' => self.unicode(&mut out)?,
                    other => out.push(other),
                },
                b => out.push(b),
            }
        }
    }

    /// `\uXXXX` (a surrogate pair as two escapes), appended as UTF-8.
    fn unicode(&mut self, out: &mut Vec<u8>) -> Option<()> {
        let hi = self.hex4()?;
        let c = if (0xD800..0xDC00).contains(&hi) {
            if self.bump()? != b'\\' || self.bump()? != b'u' {
                return None;
            }
            let lo = self.hex4()?;
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?))?
        } else {
            char::from_u32(hi)?
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            n = n * 16 + char::from(self.bump()?).to_digit(16)?;
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(source: &str, pointer: &str) -> Pos {
        let t = tree(Path::new("s.json"), source).expect("parses");
        super::super::lint::position(&t, pointer)
    }

    #[test]
    fn json_keys_and_items_have_lines_and_columns() {
        let src = "{\n  \"paths\": {\n    \"/a\\u00e9/b\": {\"get\": [1, {\"x\": true}]}\n  }\n}";
        assert_eq!(at(src, "/paths"), Pos::new(2, 3));
        assert_eq!(at(src, "/paths/~1a\u{e9}~1b"), Pos::new(3, 5));
        assert_eq!(at(src, "/paths/~1a\u{e9}~1b/get/1/x"), Pos::new(3, 32));
        // A pointer past what exists stops at the nearest ancestor.
        assert_eq!(at(src, "/paths/~1a\u{e9}~1b/post"), Pos::new(3, 5));
    }

    #[test]
    fn tabs_and_non_ascii_columns_count_characters() {
        let src = "{\t\"é\": {\"k\": 1}}";
        assert_eq!(at(src, "/é/k"), Pos::new(1, 9));
        assert!(tree(Path::new("s.json"), "{\"a\": ").is_none());
    }
}
