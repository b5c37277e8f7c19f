//! The request parser against the one it replaced (issue #12): on every body, the same verdict
//! (accepted with the same values, or the same error code) and, for `parse_request_in`, the same
//! action index a string search of the declared actions gives.
//!
//! The old parser lives in `tests/reference/` (verbatim copy of commit 54d963b). Bodies come from
//! the fuzz corpora (`fuzz/corpus/`), exhaustive single-byte edits of the README's canonical
//! note-on and of MIDIMon's daemon request, and a large deterministic generated set
//! (`tests/reference/bodies.rs`; `DIFFERENTIAL_BODIES=n` changes its size).

mod reference;

use core_abi::request::{parse_request, parse_request_in, CANONICAL_NOTE_ON};
use core_abi::ErrorCode;
use reference::parse::Parsed;

/// The declared actions `parse_request_in` is given (those of the template, and one with an
/// escape-looking name that must be matched as the bytes it is).
const ACTIONS: &[&str] = &["my_action", "velocity_curve", "note_filter", "a\\u0062"];

/// MIDIMon's daemon request (midimon-daemon, f4f371c).
const DAEMON: &str = r#"{"action":"my_action","context":{"velocity":100,"current_mode":null,"timestamp":1732000000000}}"#;

fn new_parse(body: &[u8]) -> Result<Parsed, ErrorCode> {
    let request = parse_request(body)?;
    let c = request.context;
    let metadata: Vec<(Vec<u8>, Vec<u8>)> = c
        .metadata
        .iter()
        .map(|(k, v)| (k.bytes().collect(), v.bytes().collect()))
        .collect();
    assert_eq!(c.metadata.len(), metadata.len(), "metadata.len()");
    // `get` finds the last entry of each key (checked for the first few keys, to stay cheap).
    for (key, _) in metadata.iter().take(4) {
        let Ok(key) = std::str::from_utf8(key) else {
            continue;
        };
        let last = metadata.iter().rev().find(|(k, _)| k == key.as_bytes());
        let got: Option<Vec<u8>> = c.metadata.get(key).map(|v| v.bytes().collect());
        assert_eq!(got.as_ref(), last.map(|(_, v)| v), "metadata.get({key:?})");
    }
    let action: Vec<u8> = request.action.bytes().collect();
    assert_eq!(action.len(), request.action.decoded_len());
    Ok(Parsed {
        action,
        midi: [c.velocity, c.note, c.cc, c.value],
        timestamp: c.timestamp,
        metadata,
    })
}

/// Compares both parsers on `body`; panics with the body on any difference.
fn compare(body: &[u8]) {
    let old = reference::parse::parse_request(body);
    let new = std::panic::catch_unwind(|| new_parse(body)).unwrap_or_else(|_| {
        panic!("panicked on {}", show(body));
    });
    assert_eq!(new, old, "parse_request differs on {}", show(body));
    let expected = old.and_then(|parsed| {
        ACTIONS
            .iter()
            .position(|a| a.as_bytes() == parsed.action)
            .ok_or(ErrorCode::UnknownAction)
    });
    let got = parse_request_in(body, ACTIONS).map(|(index, request)| {
        assert!(request.action == ACTIONS[index], "{}", show(body));
        index
    });
    assert_eq!(got, expected, "parse_request_in differs on {}", show(body));
    assert_eq!(
        core_abi::json::validate(body),
        reference::parse::validate(body),
        "json::validate differs on {}",
        show(body)
    );
}

fn show(body: &[u8]) -> String {
    let shown = &body[..body.len().min(400)];
    format!("{} bytes: b\"{}\"", body.len(), shown.escape_ascii())
}

#[test]
fn fuzz_corpora() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus");
    let mut n = 0;
    for target in [
        "request_json",
        "guest_execute",
        "metadata_json",
        "request_postcard",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(format!("{root}/{target}"))
            .expect("the corpus exists")
            .map(|e| e.expect("readable").path())
            .collect();
        files.sort();
        for path in files {
            let body = std::fs::read(&path).expect("readable corpus file");
            compare(&body);
            // Every prefix too: truncation is where parsers slip.
            for cut in 0..body.len().min(300) {
                compare(&body[..cut]);
            }
            n += 1;
        }
    }
    assert!(n > 50, "only {n} corpus files");
    println!("compared {n} corpus files and their prefixes");
}

/// Every single-byte deletion, substitution (all 256 values) and insertion.
fn single_byte_edits(body: &[u8]) -> usize {
    let mut n = 0;
    for at in 0..=body.len() {
        for b in 0..=255u8 {
            let mut inserted = body.to_vec();
            inserted.insert(at, b);
            compare(&inserted);
            n += 1;
            if at < body.len() {
                let mut replaced = body.to_vec();
                replaced[at] = b;
                compare(&replaced);
                n += 1;
            }
        }
        if at < body.len() {
            let mut deleted = body.to_vec();
            deleted.remove(at);
            compare(&deleted);
            n += 1;
        }
    }
    n
}

#[test]
fn every_single_byte_edit_of_the_canonical_and_daemon_requests() {
    let n = single_byte_edits(CANONICAL_NOTE_ON.as_bytes()) + single_byte_edits(DAEMON.as_bytes());
    println!("compared {n} edited bodies");
}

#[test]
fn generated_bodies() {
    let count: u64 = std::env::var("DIFFERENTIAL_BODIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let (mut accepted, mut codes) = (0, [0usize; 11]);
    for seed in 0..count {
        let body = reference::bodies::body(seed);
        compare(&body);
        match reference::parse::parse_request(&body) {
            Ok(_) => accepted += 1,
            Err(e) => codes[e.code() as usize] += 1,
        }
    }
    println!(
        "compared {count} generated bodies: {accepted} accepted, rejections by code {codes:?}"
    );
    // The generator must reach acceptance and each parse error code, or it proves little.
    assert!(accepted > count as usize / 10, "{accepted} accepted");
    for code in [1, 2, 4, 9] {
        assert!(codes[code] > 0, "no body was rejected with code {code}");
    }
}
