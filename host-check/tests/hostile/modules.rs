//! Building hostile modules: the fixtures the rows take apart (raw sections come from
//! `common::binary`), functions that burn a given share of the fuel, metadata with many
//! actions, WAT.

use super::*;

pub(super) use crate::common::binary::{
    custom, module, section, section_with_len, sections, HEADER,
};

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
