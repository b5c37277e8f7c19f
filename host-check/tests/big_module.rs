//! A 5 MB module (4 MB of code in 2,000 functions, 1 MB of data) is checked in seconds.
//!
//! The module is encoded directly in the binary format: assembling 5 MB of wasm from WAT text
//! with a debug build of the `wat` crate would take longer than the check itself.

mod common;

use std::time::{Duration, Instant};

/// Appends `value` as unsigned LEB128.
fn uleb(out: &mut Vec<u8>, value: u64) {
    out.extend(common::binary::leb(value));
}

/// Appends `value` as signed LEB128.
fn sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a section with its id and size.
fn section(module: &mut Vec<u8>, id: u8, content: &[u8]) {
    module.push(id);
    uleb(module, content.len() as u64);
    module.extend_from_slice(content);
}

/// Appends a length-prefixed name.
fn name(out: &mut Vec<u8>, text: &str) {
    uleb(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// A plugin with `fillers` extra functions of `filler_len` instructions each and a data
/// segment of `data_len` bytes.
fn big_plugin(fillers: u32, filler_len: usize, data_len: usize) -> Vec<u8> {
    const I32: u8 = 0x7f;
    const I64: u8 = 0x7e;
    let metadata = br#"{"name":"big","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["my_action"]}"#;
    let mut m = b"\0asm\x01\0\0\0".to_vec();

    // Types: 0 init () -> i64, 1 alloc (i32) -> i32, 2 dealloc (i32 i32) -> (),
    // 3 execute (i32 i32) -> i32, 4 filler (i32) -> ().
    let types: [(&[u8], &[u8]); 5] = [
        (&[], &[I64]),
        (&[I32], &[I32]),
        (&[I32, I32], &[]),
        (&[I32, I32], &[I32]),
        (&[I32], &[]),
    ];
    let mut s = Vec::new();
    uleb(&mut s, types.len() as u64);
    for (params, results) in types {
        s.push(0x60);
        uleb(&mut s, params.len() as u64);
        s.extend_from_slice(params);
        uleb(&mut s, results.len() as u64);
        s.extend_from_slice(results);
    }
    section(&mut m, 1, &s);

    let mut s = Vec::new();
    uleb(&mut s, 4 + u64::from(fillers));
    s.extend_from_slice(&[0, 1, 2, 3]);
    s.extend(std::iter::repeat_n(4u8, fillers as usize));
    section(&mut m, 3, &s);

    // Memory: 20 pages, room for the 1 MiB malformed request at 4096.
    section(&mut m, 5, &[1, 0, 20]);

    let mut s = Vec::new();
    uleb(&mut s, 5);
    for (export, kind, index) in [
        ("memory", 2u8, 0u8),
        ("init", 0, 0),
        ("alloc", 0, 1),
        ("dealloc", 0, 2),
        ("execute", 0, 3),
    ] {
        name(&mut s, export);
        s.push(kind);
        s.push(index);
    }
    section(&mut m, 7, &s);

    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let mut init = vec![0, 0x42];
    sleb(&mut init, (16i64 << 32) | metadata.len() as i64);
    init.push(0x0b);
    bodies.push(init);
    // alloc: n > 0x10000000 ? 0 : 4096
    let mut alloc = vec![0, 0x20, 0, 0x41];
    sleb(&mut alloc, 0x1000_0000);
    alloc.extend_from_slice(&[0x4b, 0x04, I32, 0x41, 0x00, 0x05, 0x41]);
    sleb(&mut alloc, 4096);
    alloc.extend_from_slice(&[0x0b, 0x0b]);
    bodies.push(alloc);
    bodies.push(vec![0, 0x0b]);
    // execute: n > 11 && byte 11 == 'h' (the undeclared action's first letter) ? 3 : 0
    bodies.push(vec![
        0, 0x20, 1, 0x41, 11, 0x4b, 0x04, I32, // if n > 11
        0x20, 0, 0x2d, 0, 11, 0x41, 0xe8, 0x00, 0x46, // load8_u offset=11 == 'h'
        0x04, I32, 0x41, 3, 0x05, 0x41, 0, 0x0b, // ? 3 : 0
        0x05, 0x41, 0, 0x0b, 0x0b,
    ]);
    let mut filler = vec![0];
    for _ in 0..filler_len {
        // local.get 0; i32.const 1; i32.add; drop
        filler.extend_from_slice(&[0x20, 0, 0x41, 1, 0x6a, 0x1a]);
    }
    filler.push(0x0b);
    let mut s = Vec::new();
    uleb(&mut s, 4 + u64::from(fillers));
    for body in bodies
        .iter()
        .chain(std::iter::repeat_n(&filler, fillers as usize))
    {
        uleb(&mut s, body.len() as u64);
        s.extend_from_slice(body);
    }
    section(&mut m, 10, &s);

    let mut s = Vec::new();
    uleb(&mut s, 2);
    for (at, bytes) in [(16i64, metadata.to_vec()), (8192, vec![b'x'; data_len])] {
        s.extend_from_slice(&[0, 0x41]);
        sleb(&mut s, at);
        s.push(0x0b);
        uleb(&mut s, bytes.len() as u64);
        s.extend_from_slice(&bytes);
    }
    section(&mut m, 11, &s);
    m
}

#[test]
fn encoder_makes_a_passing_plugin() {
    common::check_bytes(&big_plugin(3, 10, 100), &[]).assert_passes();
}

#[test]
fn five_megabyte_module_is_checked_in_seconds() {
    let wasm = big_plugin(2000, 350, 1024 * 1024);
    assert!(wasm.len() > 5_000_000, "{} bytes", wasm.len());
    let started = Instant::now();
    let out = common::check_bytes(&wasm, &[]);
    let elapsed = started.elapsed();
    out.assert_passes();
    assert!(
        elapsed < Duration::from_secs(30),
        "took {elapsed:?}\n{}",
        out.stdout
    );
}
