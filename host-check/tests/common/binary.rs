//! The wasm binary format by hand, for modules no assembler would write (lying lengths, broken
//! sections) and for surgery on compiled ones: LEB128, sections, whole modules.

/// The wasm header: magic and version 1.
pub const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// A LEB128 unsigned integer.
pub fn leb(mut n: u64) -> Vec<u8> {
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

/// The sections of a module as (id, contents).
pub fn sections(wasm: &[u8]) -> Vec<(u8, Vec<u8>)> {
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
pub fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    section_with_len(id, contents.len() as u64, contents)
}

/// One section with a declared length that may lie.
pub fn section_with_len(id: u8, len: u64, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    out.extend(leb(len));
    out.extend_from_slice(contents);
    out
}

/// A module from sections.
pub fn module(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for (id, contents) in sections {
        out.extend(section(*id, contents));
    }
    out
}

/// A custom section's contents: name, then payload.
pub fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = leb(name.len() as u64);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(payload);
    out
}
