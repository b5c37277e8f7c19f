//! Building hostile modules: raw sections and LEB128 lengths, byte surgery on a compiled
//! fixture, WAT.

use super::*;

/// A LEB128 unsigned integer.
pub(super) fn leb(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The wasm header: magic and version 1.
pub(super) const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// The sections of a module as (id, contents).
pub(super) fn sections(wasm: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&wasm[..8], HEADER);
    let mut at = 8;
    let mut out = Vec::new();
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = wasm[at];
            at += 1;
            len |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        out.push((id, wasm[at..at + len].to_vec()));
        at += len;
    }
    out
}

/// One section: id, length, contents.
pub(super) fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    section_with_len(id, contents.len() as u64, contents)
}

/// One section with a declared length that may lie.
pub(super) fn section_with_len(id: u8, len: u64, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    out.extend(leb(len));
    out.extend_from_slice(contents);
    out
}

/// A module from sections.
pub(super) fn module(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for (id, contents) in sections {
        out.extend(section(*id, contents));
    }
    out
}

/// A custom section's contents: name, then payload.
pub(super) fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = leb(name.len() as u64);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// An `execute` whose fuel does not grow with the request: 3 when the action starts with
/// `host_che` (host-check's undeclared action, right after `{"action":"`), else 0.
/// `common::GOOD_EXECUTE` scans the whole request, which runs out of [`MAX_FUEL`] on the 1 MiB
/// and deeply nested malformed requests.
pub(super) const FAST_EXECUTE: &str = r#"
    (if (i32.lt_u (local.get $n) (i32.const 19)) (then (return (i32.const 0))))
    (if (result i32) (i64.eq (i64.load offset=11 (local.get $p)) (i64.const 0x6568635f74736f68))
        (then (i32.const 3))
        (else (i32.const 0)))"#;

/// The good fixture with [`FAST_EXECUTE`]: passes under [`BASE_ARGS`].
pub(super) fn fixture() -> Fixture {
    Fixture {
        execute: FAST_EXECUTE.to_string(),
        ..Fixture::default()
    }
}

/// The good fixture with every standard section: an import, a table, a global, a start
/// function, an element segment and a data-count section (forced by `data.drop`).
pub(super) fn full_fixture() -> Fixture {
    Fixture {
        imports: r#"(import "wasi_snapshot_preview1" "sched_yield" (func (result i32)))"#
            .to_string(),
        extra: r#"
            (table 1 funcref)
            (global $g (mut i32) (i32.const 0))
            (func $start (global.set $g (i32.const 1)))
            (start $start)
            (elem (i32.const 0) $start)
            (func $drop (data.drop 0))"#
            .to_string(),
        ..fixture()
    }
}

/// Section ids and names, in the order a module must have them.
pub(super) const SECTION_IDS: &[(u8, &str)] = &[
    (1, "type"),
    (2, "import"),
    (3, "function"),
    (4, "table"),
    (5, "memory"),
    (6, "global"),
    (7, "export"),
    (8, "start"),
    (9, "element"),
    (12, "data_count"),
    (10, "code"),
    (11, "data"),
];

/// A function `$burn` that spends about `8 * iterations` fuel, for `extra` (on wasmtime 48:
/// `execute` with `burn_iterations(80)` uses 4,000,014 of 5,000,000).
pub(super) fn burn_function() -> &'static str {
    r#"(func $burn (param $iterations i32) (local $k i32)
        (loop $spin
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $spin (i32.lt_u (local.get $k) (local.get $iterations)))))"#
}

/// Iterations of `$burn` that spend about `percent`% of [`MAX_FUEL`].
pub(super) fn burn_iterations(percent: u64) -> u64 {
    MAX_FUEL * percent / 100 / 8
}

/// An `execute_postcard` that returns 3 for an action index of 2 or more (the fixture declares
/// two actions), after `body`.
pub(super) fn postcard_export(body: &str) -> String {
    format!(
        r#"(func $execute_postcard (export "execute_postcard") (param $p i32) (param $n i32) (result i32)
            {body}
            (if (i32.eqz (local.get $n)) (then (return (i32.const 3))))
            (if (result i32) (i32.ge_u (i32.load8_u (local.get $p)) (i32.const 2))
                (then (i32.const 3)) (else (i32.const 0))))"#
    )
}

/// Metadata with `count` distinct three-letter actions.
pub(super) fn many_actions(count: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let names: Vec<String> = (0..count)
        .map(|i| {
            let n = ALPHABET.len();
            let bytes = [
                ALPHABET[i / (n * n) % n],
                ALPHABET[i / n % n],
                ALPHABET[i % n],
            ];
            format!("\"{}\"", String::from_utf8_lossy(&bytes))
        })
        .collect();
    format!(
        r#"{{"name":"many","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":[{}],"capabilities":[]}}"#,
        names.join(",")
    )
    .into_bytes()
}

pub(super) fn wat(text: &str) -> Vec<u8> {
    match wat::parse_str(text) {
        Ok(bytes) => bytes,
        Err(e) => panic!("row does not assemble: {e}\n{text}"),
    }
}
