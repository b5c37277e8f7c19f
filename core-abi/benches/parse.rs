//! Native throughput of the request parsers, in bytes per second.
//!
//! The wasm cost of a request (fuel) is measured by `host-check bench`; this measures the same
//! code natively, where firmware and hosts run it: the canonical note-on, a note-on carrying 64
//! metadata entries, a 1 MiB body, and the postcard fast path. Run with `cargo bench -p core-abi
//! --features std`.

use std::hint::black_box;

use core_abi::binary::{decode, encode_to_vec, BinaryHeader};
use core_abi::request::{parse_request, CANONICAL_NOTE_ON};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The canonical note-on with `entries` metadata entries instead of its one.
fn note_on_with(entries: usize, value_len: usize) -> String {
    let value = "v".repeat(value_len);
    let metadata: Vec<String> = (0..entries)
        .map(|i| format!(r#""key{i}":"{value}""#))
        .collect();
    let canonical = r#""metadata":{"key":"value"}"#;
    assert!(CANONICAL_NOTE_ON.contains(canonical));
    CANONICAL_NOTE_ON.replace(
        canonical,
        &format!(r#""metadata":{{{}}}"#, metadata.join(",")),
    )
}

fn json(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_request");
    let bodies = [
        ("note_on", CANONICAL_NOTE_ON.to_string()),
        ("metadata_64", note_on_with(64, 16)),
        ("body_1mib", note_on_with(1, 1 << 20)),
    ];
    for (name, body) in &bodies {
        assert!(parse_request(body.as_bytes()).is_ok(), "{name} parses");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| parse_request(black_box(body.as_bytes())).map(|r| r.context.note))
        });
    }
    group.finish();
}

fn postcard(c: &mut Criterion) {
    let body = encode_to_vec(&BinaryHeader::CANONICAL_NOTE_ON, &[("key", "value")]);
    let mut group = c.benchmark_group("binary_decode");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("note_on", |b| {
        b.iter(|| decode(black_box(&body)).map(|r| r.context.note))
    });
    group.finish();
}

criterion_group!(benches, json, postcard);
criterion_main!(benches);
