use serde_json::json;

use super::*;

fn events(chunks: &[&[u8]]) -> (Vec<Value>, usize) {
    let mut s = Splitter::new(Sequence::EventStream);
    for c in chunks {
        s.feed(c);
    }
    let (items, left) = s.finish(false);
    let values = items.into_iter().map(|i| i.value.expect("event")).collect();
    (values, left)
}

#[test]
fn sse_crlf_lf_and_cr_line_ends_split_alike_even_across_chunks() {
    let want = vec![
        json!({"data": "a"}),
        json!({"data": "b"}),
        json!({"data": "c"}),
    ];
    assert_eq!(events(&[b"data: a\r\n\r\ndata: b\n\ndata: c\r\r"]).0, want);
    // A CRLF cut between two chunks is one line end, not two (which would dispatch early).
    assert_eq!(
        events(&[b"data: a\r", b"\ndata: x\r", b"\n\r\n"]).0,
        vec![json!({"data": "a\nx"})]
    );
}

#[test]
fn sse_data_lines_join_with_lf_and_fields_are_kept() {
    let (v, _) = events(&[b"event: update\nid: 7\nretry: 300\ndata: {\"a\":\ndata:  1}\n\n"]);
    assert_eq!(
        v,
        vec![json!({"event": "update", "id": "7", "retry": 300, "data": "{\"a\":\n 1}"})]
    );
    // An empty data line still makes an event; a field without a colon is the field, empty.
    assert_eq!(events(&[b"data\n\n"]).0, vec![json!({"data": ""})]);
    assert_eq!(
        events(&[b"data:\ndata:\n\n"]).0,
        vec![json!({"data": "\n"})]
    );
}

#[test]
fn sse_comments_unknown_fields_and_eventless_blocks_are_ignored() {
    let (v, _) = events(&[b": keep-alive\n\nfoo: bar\nretry: x\n\n: hi\ndata: 1\n\n"]);
    assert_eq!(v, vec![json!({"data": "1"})]);
}

#[test]
fn sse_without_a_trailing_blank_line_does_not_dispatch_the_last_event() {
    let (v, left) = events(&[b"data: 1\n\ndata: 2\n"]);
    assert_eq!(v, vec![json!({"data": "1"})]);
    assert!(left > 0, "the unfinished event is reported as left over");
    // A leading BOM is dropped.
    assert_eq!(
        events(&[b"\xEF\xBB\xBFdata: 1\n\n"]).0,
        vec![json!({"data": "1"})]
    );
}

#[test]
fn json_lines_skip_blank_lines_and_name_a_line_that_is_not_json() {
    let (items, left) = split(Sequence::JsonLines, b"{\"a\":1}\r\n\n  \n{oops\n[2]", false);
    assert_eq!(left, 0);
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].value, Ok(json!({"a": 1})));
    assert!(items[1].value.is_err() && items[1].index == 1);
    assert_eq!(items[2].value, Ok(json!([2])));
    // Cut: the last line is a piece of one, not an item.
    let (items, left) = split(Sequence::JsonLines, b"1\n2\n{\"a\":", true);
    assert_eq!((items.len(), left), (2, 5));
}

#[test]
fn json_seq_splits_at_record_separators() {
    let (items, _) = split(
        Sequence::JsonSeq,
        b"\x1e{\"a\":1}\n\x1e2\n\x1e\x1e[\n",
        false,
    );
    let values: Vec<_> = items.iter().map(|i| i.value.is_ok()).collect();
    assert_eq!(values, vec![true, true, false]);
    assert_eq!(
        Sequence::of("application/x-ndjson; charset=utf-8"),
        Some(Sequence::JsonLines)
    );
    assert_eq!(
        Sequence::of("Text/Event-Stream"),
        Some(Sequence::EventStream)
    );
    assert_eq!(Sequence::of("application/json"), None);
}
