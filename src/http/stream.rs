//! Sequential media types read item by item: [`Sequence`] names the framing of a body
//! (server-sent events, JSON Lines / NDJSON, RFC 7464 JSON text sequences) and [`Splitter`]
//! cuts bytes into [`Item`]s as they arrive, chunk by chunk, so a chunk boundary anywhere (inside
//! a CRLF, inside a record) changes nothing.
//!
//! Server-sent events follow the WHATWG "event stream interpretation": lines end in CRLF, LF or
//! CR; `data` lines are joined with `\n`; `event`, `id` and `retry` fields are kept; comments
//! (`:` lines) and unknown fields are ignored; an event is dispatched at a blank line, and one
//! that has no `data` is not dispatched. `multipart/mixed` is not read as a sequence.

use serde_json::{Map, Value};

/// The framing of a sequential media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    /// `text/event-stream`: each item an event object `{event, data, id, retry}`.
    EventStream,
    /// `application/jsonl`, `application/x-ndjson`, `application/x-jsonlines`: a JSON text a line.
    JsonLines,
    /// `application/json-seq` (RFC 7464): a JSON text after each RS (0x1E).
    JsonSeq,
}

impl Sequence {
    /// The framing of `media_type` (parameters ignored), if it is a sequential one.
    pub fn of(media_type: &str) -> Option<Sequence> {
        match super::body::media_type_of(media_type).as_str() {
            "text/event-stream" => Some(Sequence::EventStream),
            "application/jsonl" | "application/x-ndjson" | "application/x-jsonlines" => {
                Some(Sequence::JsonLines)
            }
            "application/json-seq" => Some(Sequence::JsonSeq),
            _ => None,
        }
    }
}

/// One item of a sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its place in the sequence, from 0.
    pub index: usize,
    /// The item as JSON (an event object for SSE), or why its text is not JSON.
    pub value: Result<Value, String>,
}

impl Item {
    /// The SSE event's type (`event:`), when it set one.
    pub fn event(&self) -> Option<&str> {
        self.value.as_ref().ok()?.get("event")?.as_str()
    }

    /// The SSE event's `id:`, when it set one.
    pub fn id(&self) -> Option<&str> {
        self.value.as_ref().ok()?.get("id")?.as_str()
    }

    /// How a finding names it: `item 3` or `item 3 (event \`update\`, id \`7\`)`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = self.event() {
            parts.push(format!("event `{e}`"));
        }
        if let Some(id) = self.id() {
            parts.push(format!("id `{id}`"));
        }
        if parts.is_empty() {
            format!("item {}", self.index)
        } else {
            format!("item {} ({})", self.index, parts.join(", "))
        }
    }
}

/// An SSE event being built from its fields (`data`: each line and an LF, WHATWG's buffer).
#[derive(Debug, Default)]
struct Event {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

/// Cuts a sequence into items as its bytes arrive ([`Splitter::feed`], then [`Splitter::finish`]).
#[derive(Debug)]
pub struct Splitter {
    kind: Sequence,
    /// Bytes of the line (or record) not yet ended.
    pending: Vec<u8>,
    /// The last byte fed was a CR: an LF next ends nothing more (CRLF is one line end).
    after_cr: bool,
    /// Whether anything was fed yet (a leading BOM is dropped).
    started: bool,
    event: Event,
    items: Vec<Item>,
}

impl Splitter {
    /// A splitter for `kind`.
    pub fn new(kind: Sequence) -> Self {
        Splitter {
            kind,
            pending: Vec::new(),
            after_cr: false,
            started: false,
            event: Event::default(),
            items: Vec::new(),
        }
    }

    /// Feeds the next chunk of bytes.
    pub fn feed(&mut self, mut chunk: &[u8]) {
        if !self.started && !chunk.is_empty() {
            self.started = true;
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        for &b in chunk {
            match self.kind {
                Sequence::JsonSeq if b == 0x1E => self.end_record(),
                Sequence::JsonSeq => self.pending.push(b),
                _ if b == b'\n' && self.after_cr => self.after_cr = false,
                _ if b == b'\n' || b == b'\r' => {
                    self.after_cr = b == b'\r';
                    self.end_line();
                }
                _ => {
                    self.after_cr = false;
                    self.pending.push(b);
                }
            }
        }
    }

    /// Ends the sequence: the items, and how many bytes were left over in an unfinished item.
    /// `cut`: the body was cut (a limit), so what follows the last complete item is a piece of
    /// one, not an item; else a last JSON line or record without its terminator is an item. An
    /// SSE event without its blank line is never dispatched (WHATWG).
    pub fn finish(mut self, cut: bool) -> (Vec<Item>, usize) {
        let mut left = self.pending.len();
        match self.kind {
            Sequence::EventStream if self.event.data.is_some() || self.event.event.is_some() => {
                left = left.max(1);
            }
            Sequence::EventStream => {}
            _ if cut => {}
            Sequence::JsonLines if !self.pending.is_empty() => {
                self.end_line();
                left = 0;
            }
            Sequence::JsonSeq if !self.pending.is_empty() => {
                self.end_record();
                left = 0;
            }
            _ => {}
        }
        (self.items, left)
    }

    fn push(&mut self, value: Result<Value, String>) {
        let index = self.items.len();
        self.items.push(Item { index, value });
    }

    fn end_record(&mut self) {
        let text = std::mem::take(&mut self.pending);
        let trimmed = String::from_utf8_lossy(&text);
        let trimmed = trimmed.trim();
        // Bytes before the first RS, or between two RS, are no record (RFC 7464 §2.1).
        if !trimmed.is_empty() {
            self.push(parse(trimmed));
        }
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.pending);
        let line = String::from_utf8_lossy(&line).into_owned();
        match self.kind {
            Sequence::JsonLines if line.trim().is_empty() => {}
            Sequence::JsonLines => self.push(parse(line.trim())),
            _ => self.event_line(&line),
        }
    }

    /// One line of an event stream (WHATWG "interpreting an event stream").
    fn event_line(&mut self, line: &str) {
        if line.is_empty() {
            self.dispatch();
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event.event = Some(value.to_owned()),
            "data" => {
                // WHATWG: the value and an LF appended; the last LF dropped at dispatch.
                let data = self.event.data.get_or_insert_with(String::new);
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => self.event.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.event.retry = value.parse().ok();
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        let ev = std::mem::take(&mut self.event);
        let Some(mut data) = ev.data else {
            return;
        };
        data.pop();
        let mut obj = Map::new();
        if let Some(e) = ev.event {
            obj.insert("event".into(), Value::String(e));
        }
        obj.insert("data".into(), Value::String(data));
        if let Some(id) = ev.id {
            obj.insert("id".into(), Value::String(id));
        }
        if let Some(r) = ev.retry {
            obj.insert("retry".into(), Value::from(r));
        }
        self.push(Ok(Value::Object(obj)));
    }
}

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Splits a whole body (`cut`: it was cut by a limit) into its items.
pub fn split(kind: Sequence, body: &[u8], cut: bool) -> (Vec<Item>, usize) {
    let mut s = Splitter::new(kind);
    s.feed(body);
    s.finish(cut)
}

#[cfg(test)]
mod tests;
