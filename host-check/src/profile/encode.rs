//! The few bits of the WebAssembly binary encoding the profiler writes itself.
//!
//! Instrumenting a module only *adds* bytes (counters, globals, exports) around bytes copied
//! verbatim, so a full encoder (wasm-encoder, a new dependency) would be overkill: what is
//! written here is LEB128 numbers (counts, sizes, indices), a signed LEB128 for `i64.const`,
//! the counter-increment instructions and the section framing.

/// `local.get`.
const LOCAL_GET: u8 = 0x20;
/// `local.tee`.
const LOCAL_TEE: u8 = 0x22;
/// `i64.extend_i32_u`.
const I64_EXTEND_I32_U: u8 = 0xad;
/// `global.get`.
const GLOBAL_GET: u8 = 0x23;
/// `global.set`.
const GLOBAL_SET: u8 = 0x24;
/// `i64.const`.
const I64_CONST: u8 = 0x42;
/// `i64.add`.
const I64_ADD: u8 = 0x7c;
/// The value type `i64`.
const I64: u8 = 0x7e;
/// `end`, closing a constant expression.
const END: u8 = 0x0b;
/// The export kind of a global.
const EXPORT_GLOBAL: u8 = 0x03;

/// Appends `value` as unsigned LEB128 (at most 10 bytes).
pub fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends `value` as signed LEB128 (at most 10 bytes), as `i64.const` takes it.
pub fn sleb(out: &mut Vec<u8>, mut value: i64) {
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

/// Appends a length-prefixed UTF-8 name.
pub fn name(out: &mut Vec<u8>, text: &str) {
    uleb(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Appends a section: its id, its size, its contents.
pub fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
    out.push(id);
    uleb(out, contents.len() as u64);
    out.extend_from_slice(contents);
}

/// Appends `global.get g; i64.const by; i64.add; global.set g`: 4 operators, so 4 fuel at
/// run time on top of what they count (the instrumented copy's own fuel is never reported).
pub fn add_to_global(out: &mut Vec<u8>, global: u32, by: i64) {
    out.push(GLOBAL_GET);
    uleb(out, u64::from(global));
    out.push(I64_CONST);
    sleb(out, by);
    out.push(I64_ADD);
    out.push(GLOBAL_SET);
    uleb(out, u64::from(global));
}

/// Appends `local.tee l; local.get l; [i64.extend_i32_u]; global.get g; i64.add;
/// global.set g`: adds the length on top of the stack (an `i32`, or an `i64` when `wide`) to
/// global `g`, leaving the stack as it was; `l` is a local of the length's type.
pub fn add_length_to_global(out: &mut Vec<u8>, local: u32, wide: bool, global: u32) {
    out.push(LOCAL_TEE);
    uleb(out, u64::from(local));
    out.push(LOCAL_GET);
    uleb(out, u64::from(local));
    if !wide {
        out.push(I64_EXTEND_I32_U);
    }
    out.push(GLOBAL_GET);
    uleb(out, u64::from(global));
    out.push(I64_ADD);
    out.push(GLOBAL_SET);
    uleb(out, u64::from(global));
}

/// Appends a global entry: a mutable `i64` initialised to 0.
pub fn counter_global(out: &mut Vec<u8>) {
    out.extend_from_slice(&[I64, 0x01, I64_CONST, 0x00, END]);
}

/// Appends an export entry for global `index`.
pub fn global_export(out: &mut Vec<u8>, export: &str, index: u32) {
    name(out, export);
    out.push(EXPORT_GLOBAL);
    uleb(out, u64::from(index));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        uleb(&mut out, v);
        out
    }

    fn s(v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        sleb(&mut out, v);
        out
    }

    #[test]
    fn leb128_matches_the_spec_examples() {
        assert_eq!(u(0), [0x00]);
        assert_eq!(u(127), [0x7f]);
        assert_eq!(u(128), [0x80, 0x01]);
        assert_eq!(u(624_485), [0xe5, 0x8e, 0x26]);
        assert_eq!(u(u64::MAX).len(), 10);
        assert_eq!(s(0), [0x00]);
        assert_eq!(s(63), [0x3f]);
        assert_eq!(s(64), [0xc0, 0x00]);
        assert_eq!(s(-1), [0x7f]);
        assert_eq!(s(-123_456), [0xc0, 0xbb, 0x78]);
        assert_eq!(s(i64::MIN).len(), 10);
    }

    #[test]
    fn leb128_round_trips_through_wasmparser() {
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let bytes = u(v);
            let mut reader = wasmparser::BinaryReader::new(&bytes, 0);
            if let Ok(v32) = u32::try_from(v) {
                assert_eq!(reader.read_var_u32().unwrap(), v32);
            } else {
                assert_eq!(reader.read_var_u64().unwrap(), v);
            }
        }
        for v in [0i64, 1, -1, 63, 64, -64, -65, 1 << 40, i64::MAX, i64::MIN] {
            let bytes = s(v);
            let mut reader = wasmparser::BinaryReader::new(&bytes, 0);
            assert_eq!(reader.read_var_i64().unwrap(), v);
            assert!(reader.eof());
        }
    }
}
