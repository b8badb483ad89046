//! Content codings undone ([`decode`]): a body sent with `Content-Encoding: gzip`, `deflate`,
//! `br` or `zstd` (or several, stacked) becomes the bytes a client reads, never more than a
//! limit of them. What goes wrong is a [`DecodeError`]: the coding is unknown, the bytes are not
//! what the coding says, or they decode past the limit (a decompression bomb stops there).

use std::io::Read;

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A coding conform does not know (RFC 9110 §8.4.1 lists the registered ones).
    #[error("`{coding}` is not a content coding conform decodes (gzip, deflate, br, zstd)")]
    Unknown {
        /// The coding, as the header names it.
        coding: String,
    },
    /// The bytes are not what the coding says.
    #[error("the body is not valid {coding}: {error}")]
    Corrupt {
        /// The coding whose decoder refused the bytes.
        coding: String,
        /// The decoder's words.
        error: String,
    },
    /// The decoded body goes past the limit.
    #[error("the body decodes ({coding}) to more than {limit} bytes")]
    TooLarge {
        /// The coding being undone when the limit was reached.
        coding: String,
        /// The limit, in bytes.
        limit: usize,
    },
}

/// The codings a `Content-Encoding` value lists, in the order they were applied, lowercase,
/// `identity` left out.
fn codings(content_encoding: &str) -> Vec<String> {
    content_encoding
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect()
}

/// `bytes` with the codings of `content_encoding` undone, last applied first; `None` when
/// there is nothing to undo (no coding but `identity`, or no byte: a `HEAD` or a `204` says
/// `gzip` of the body it would have sent). At most `limit` bytes come out of any decoder.
pub fn decode(
    bytes: &[u8],
    content_encoding: &str,
    limit: usize,
) -> Result<Option<Vec<u8>>, DecodeError> {
    let codings = codings(content_encoding);
    if codings.is_empty() || bytes.is_empty() {
        return Ok(None);
    }
    let mut current = bytes.to_vec();
    for coding in codings.iter().rev() {
        current = decode_one(&current, coding, limit)?;
    }
    Ok(Some(current))
}

/// `bytes` with one coding undone.
fn decode_one(bytes: &[u8], coding: &str, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    // One byte past the limit is read: getting it means the body goes on.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let read = match coding {
        // Several gzip members one after another are one body (RFC 1952 §2.2).
        "gzip" | "x-gzip" => read_to(flate2::read::MultiGzDecoder::new(bytes), cap, &mut out),
        // `deflate` is zlib-wrapped (RFC 9110 §8.4.1.2), but servers have sent raw DEFLATE
        // for decades and clients accept both: the zlib header tells which.
        "deflate" if is_zlib(bytes) => {
            read_to(flate2::read::ZlibDecoder::new(bytes), cap, &mut out)
        }
        "deflate" => read_to(flate2::read::DeflateDecoder::new(bytes), cap, &mut out),
        "br" => read_to(
            brotli_decompressor::Decompressor::new(bytes, 4096),
            cap,
            &mut out,
        ),
        "zstd" => zstd(bytes, cap, &mut out),
        other => {
            return Err(DecodeError::Unknown {
                coding: other.to_owned(),
            });
        }
    };
    if out.len() > limit {
        return Err(DecodeError::TooLarge {
            coding: coding.to_owned(),
            limit,
        });
    }
    read.map_err(|error| DecodeError::Corrupt {
        coding: coding.to_owned(),
        error,
    })?;
    Ok(out)
}

/// Whether `bytes` start with a zlib header (RFC 1950 §2.2): method 8, a check that divides
/// by 31.
fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Reads `reader` to its end into `out`, no more than `cap` bytes in all.
fn read_to(reader: impl Read, cap: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let left = cap.saturating_sub(out.len() as u64);
    reader
        .take(left)
        .read_to_end(out)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Every zstd frame of `bytes` (a body may hold several, RFC 8878 §3.1), decoded into `out`.
fn zstd(bytes: &[u8], cap: u64, out: &mut Vec<u8>) -> Result<(), String> {
    let mut input = bytes;
    while !input.is_empty() && (out.len() as u64) < cap {
        let decoder =
            ruzstd::decoding::StreamingDecoder::new(&mut input).map_err(|e| e.to_string())?;
        read_to(decoder, cap, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).expect("gzip");
        e.finish().expect("gzip")
    }

    #[test]
    fn each_coding_is_undone_and_stacked_ones_last_first() {
        let body = br#"{"a":[1,2,3]}"#;
        assert_eq!(decode(&gzip(body), "gzip", 100), Ok(Some(body.to_vec())));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(body).expect("zlib");
        assert_eq!(
            decode(&z.finish().expect("zlib"), "deflate", 100),
            Ok(Some(body.to_vec()))
        );
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(body).expect("deflate");
        assert_eq!(
            decode(&raw.finish().expect("deflate"), "Deflate", 100),
            Ok(Some(body.to_vec()))
        );
        let zstd = ruzstd::encoding::compress_to_vec(
            &body[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        assert_eq!(decode(&zstd, "zstd", 100), Ok(Some(body.to_vec())));
        let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
        br.write_all(body).expect("br");
        assert_eq!(decode(&br.into_inner(), "br", 100), Ok(Some(body.to_vec())));
        // gzip applied first, then zstd: zstd is undone first.
        let stacked = ruzstd::encoding::compress_to_vec(
            &gzip(body)[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        assert_eq!(
            decode(&stacked, "gzip, identity, zstd", 100),
            Ok(Some(body.to_vec()))
        );
        assert!(
            decode(&stacked, "zstd, gzip", 100).is_err(),
            "the wrong order does not decode"
        );
        assert_eq!(decode(body, " identity ", 100), Ok(None));
        assert_eq!(decode(b"", "gzip", 100), Ok(None));
    }

    #[test]
    fn a_corrupt_body_an_unknown_coding_and_a_bomb_are_errors() {
        let Err(DecodeError::Corrupt { coding, error }) = decode(b"not gzip", "gzip", 100) else {
            panic!("a corrupt gzip body decoded");
        };
        assert_eq!(coding, "gzip");
        assert!(!error.is_empty());
        let mut cut = gzip(br#"{"a":1}"#);
        cut.truncate(cut.len() - 6);
        assert!(matches!(
            decode(&cut, "gzip", 100),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(
            matches!(decode(b"x", "compress", 100), Err(DecodeError::Unknown { coding }) if coding == "compress")
        );
        let bomb = gzip(&vec![b'0'; 1_000_000]);
        assert!(bomb.len() < 5_000, "{} bytes", bomb.len());
        assert_eq!(
            decode(&bomb, "gzip", 4096),
            Err(DecodeError::TooLarge {
                coding: "gzip".into(),
                limit: 4096
            })
        );
        let zbomb = ruzstd::encoding::compress_to_vec(
            &vec![0u8; 1_000_000][..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        assert!(matches!(
            decode(&zbomb, "zstd", 4096),
            Err(DecodeError::TooLarge { .. })
        ));
        assert_eq!(
            decode(&bomb, "gzip", 1_000_000).map(|b| b.map(|b| b.len())),
            Ok(Some(1_000_000))
        );
    }
}
