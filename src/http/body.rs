//! [`Body`]: the bytes of a request or a response and what is known of them: the media type
//! and the content encoding its headers declare (the bytes decoded, their length on the wire
//! kept), the JSON it holds when it is JSON, and whether
//! it was cut (a recorder's limit) and from what length.

use std::ops::Deref;

use serde_json::Value;

use super::Headers;

/// A message body.
///
/// The JSON tree is parsed once, by whoever reads the body off the wire or out of a file,
/// under that reader's rule ([`Body::parse_json`]), and never again: checks, captures and
/// records all read [`Body::json`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    bytes: Vec<u8>,
    /// The length before any cut: `bytes.len()` for a whole body.
    full_len: usize,
    truncated: bool,
    /// The length on the wire, when the bytes held are decoded from it (`Content-Encoding`).
    wire_len: Option<usize>,
    media_type: Option<String>,
    encoding: Option<String>,
    json: Option<Value>,
    /// Why a sequential body (a stream of items) was cut while it was still arriving.
    stream_cut: Option<StreamCut>,
}

/// Why a stream was cut while it was still arriving: what arrived is kept and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamCut {
    /// It was still open when the step's time limit came.
    Time(std::time::Duration),
    /// It grew past the harness's body limit (bytes).
    Size(usize),
}

impl Body {
    /// A whole body of `bytes`, nothing known of it yet.
    pub fn new(bytes: Vec<u8>) -> Self {
        Body {
            full_len: bytes.len(),
            bytes,
            ..Body::default()
        }
    }

    /// The media type and content encoding as `headers` declare them.
    #[must_use]
    pub fn described_by(mut self, headers: &Headers) -> Self {
        self.media_type = headers.get("content-type").map(media_type_of);
        self.encoding = headers.get("content-encoding").map(str::to_owned);
        self
    }

    /// The media type a message declares for it (a HAR `postData.mimeType`), as written but
    /// for parameters and case.
    #[must_use]
    pub fn of_media_type(mut self, media_type: &str) -> Self {
        self.media_type = Some(media_type_of(media_type));
        self
    }

    /// Says the body was cut from `full_len` bytes (`cut`: a recorder said so).
    #[must_use]
    pub fn cut_from(mut self, full_len: usize, cut: bool) -> Self {
        self.full_len = full_len;
        self.truncated = cut;
        self
    }

    /// Says the bytes were decoded from `wire_len` bytes on the wire (`Content-Encoding`).
    #[must_use]
    pub fn decoded_from(mut self, wire_len: usize) -> Self {
        self.wire_len = Some(wire_len);
        self
    }

    /// Parses the bytes as JSON when `is_json` says they are, and the body is not empty; what
    /// does not parse has no tree (the checks report it from the bytes).
    #[must_use]
    pub fn parse_json(mut self, is_json: bool) -> Self {
        if is_json && !self.bytes.is_empty() {
            self.json = serde_json::from_slice(&self.bytes).ok();
        }
        self
    }

    /// Says the stream was cut while it arrived (`why`); its bytes are what came before.
    #[must_use]
    pub fn stream_cut(mut self, why: StreamCut) -> Self {
        self.stream_cut = Some(why);
        self
    }

    /// Why the stream was cut while it arrived, when it was.
    pub fn cut_stream(&self) -> Option<StreamCut> {
        self.stream_cut
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, to own.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The JSON tree, when the body was parsed as JSON and is well-formed.
    pub fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// The media type of its `Content-Type`, lowercase, without parameters.
    pub fn media_type(&self) -> Option<&str> {
        self.media_type.as_deref()
    }

    /// Its `Content-Encoding`, as declared.
    pub fn encoding(&self) -> Option<&str> {
        self.encoding.as_deref()
    }

    /// Its length before any cut.
    pub fn full_len(&self) -> usize {
        self.full_len
    }

    /// Its length on the wire, when what is held was decoded from it ([`Body::decoded_from`]).
    pub fn wire_len(&self) -> Option<usize> {
        self.wire_len
    }

    /// Whether what is held is only the start of the body.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The bytes as text, bytes that are not UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// As its bytes: what signers hash and transports send.
impl Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::new(bytes)
    }
}

/// `type/subtype` of a `Content-Type` value, lowercase, parameters dropped.
pub(crate) fn media_type_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_knows_its_media_type_and_parses_json_once_asked() {
        let headers: Headers = vec![
            (
                "Content-Type".into(),
                "Application/JSON; charset=utf-8".into(),
            ),
            ("Content-Encoding".into(), "gzip".into()),
        ]
        .into();
        let b = Body::new(b"{\"a\":1}".to_vec())
            .described_by(&headers)
            .parse_json(true);
        assert_eq!(b.media_type(), Some("application/json"));
        assert_eq!(b.encoding(), Some("gzip"));
        assert_eq!(b.json(), Some(&serde_json::json!({"a": 1})));
        assert_eq!((b.full_len(), b.is_truncated()), (7, false));
        assert!(Body::new(b"{".to_vec()).parse_json(true).json().is_none());
    }
}
