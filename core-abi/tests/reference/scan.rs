//! The JSON scanner core-abi shipped before issue #12 (commit 54d963b: `core-abi/src/json.rs`
//! and the escape decoder of `text.rs`), copied verbatim apart from visibility and the removal
//! of `Text`: the behavioural reference the new request parser is compared with. Not to be
//! edited, except to keep it compiling.
#![allow(dead_code, clippy::all)]

use core_abi::json::MAX_NESTING;
use core_abi::ErrorCode;

/// The outcome of scanning one token: the position after it (low 32 bits) and a status (high 32
/// bits: 0, a flag such as [`Step::ESCAPED`], or an error code with [`Step::FAULT`] set).
///
/// One `u64` rather than a `Result<(usize, bool), ErrorCode>`, because on wasm a value of more
/// than one word is returned through memory, and this is returned once per token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Step(u64);

impl Step {
    /// Status flag of a string that contains escapes.
    pub const ESCAPED: u32 = 1 << 8;
    /// Status flag of a number that is a plain non-negative integer token (digits only).
    pub const DIGITS: u32 = 1 << 9;
    /// Status flag of a fault; the low byte is the error code.
    pub const FAULT: u32 = 1 << 16;

    #[inline(always)]
    pub fn ok(pos: usize, flags: u32) -> Step {
        Step(u64::from(flags) << 32 | pos as u64)
    }

    #[inline(always)]
    pub fn fault(code: ErrorCode) -> Step {
        Step(u64::from(Step::FAULT | code.code() as u32) << 32)
    }

    /// The position after the token.
    #[inline(always)]
    pub fn pos(self) -> usize {
        self.0 as u32 as usize
    }

    #[inline(always)]
    pub fn status(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Whether `flag` is set.
    #[inline(always)]
    pub fn has(self, flag: u32) -> bool {
        self.status() & flag != 0
    }

    /// The fault, if scanning failed.
    #[inline(always)]
    pub fn error(self) -> Option<ErrorCode> {
        if self.has(Step::FAULT) {
            Some(
                ErrorCode::from_code((self.status() & 0xFF) as i32)
                    .unwrap_or(ErrorCode::MalformedJson),
            )
        } else {
            None
        }
    }
}

/// The byte at `pos`, or 0 past the end (0 is never valid where a token starts).
#[inline(always)]
pub fn byte_at(bytes: &[u8], pos: usize) -> u8 {
    bytes.get(pos).copied().unwrap_or(0)
}

/// The position of the first non-whitespace byte at or after `pos`.
pub fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// [`skip_ws`] for the note path: JSON from a host is usually compact, and one comparison
/// (whitespace is at most `0x20`) saves the call.
#[inline(always)]
pub fn skip_ws_fast(bytes: &[u8], pos: usize) -> usize {
    if byte_at(bytes, pos) > b' ' {
        pos
    } else {
        skip_ws(bytes, pos)
    }
}

/// The fault of an unexpected byte at `pos`: bytes that are not UTF-8 are reported as such,
/// anything else (including the end of input) is a JSON syntax error.
pub fn fault_at(bytes: &[u8], pos: usize) -> Step {
    let rest = bytes.get(pos..).unwrap_or(&[]);
    if byte_at(rest, 0) >= 0x80 && utf8_width(rest) == 0 {
        Step::fault(ErrorCode::InvalidUtf8)
    } else {
        Step::fault(ErrorCode::MalformedJson)
    }
}

/// Scans the string literal whose opening quote is at `pos`.
/// On success the status has [`Step::ESCAPED`] when the contents hold escapes.
pub fn scan_string(bytes: &[u8], mut pos: usize) -> Step {
    if byte_at(bytes, pos) != b'"' {
        return fault_at(bytes, pos);
    }
    pos += 1;
    let mut flags = 0;
    loop {
        pos = string_run_end(bytes, pos);
        match bytes.get(pos).copied() {
            Some(b'"') => return Step::ok(pos + 1, flags),
            Some(b'\\') => {
                flags = Step::ESCAPED;
                let escape = decode_escape(bytes, pos);
                pos = escape.end();
                if escape.code_point() == INVALID_ESCAPE {
                    return Step::fault(ErrorCode::MalformedJson);
                }
            }
            Some(0x80..=0xFF) => match utf8_width(&bytes[pos..]) {
                0 => return Step::fault(ErrorCode::InvalidUtf8),
                width => pos += width,
            },
            // End of input, or a raw control character.
            _ => return Step::fault(ErrorCode::MalformedJson),
        }
    }
}

/// The position of the first byte at or after `pos` that needs attention inside a string:
/// `"`, `\\`, a control character, a non-ASCII byte, or the end of input.
///
/// Eight bytes at a time with the usual SWAR tests ("some byte is zero / below n"): on wasm,
/// where fuel is counted per instruction, that is ~4 instructions a byte against ~25 for a
/// byte loop. In each test a borrow only ever runs upwards from a byte that really matches, so
/// the lowest flagged byte is exact.
#[inline(always)]
pub fn string_run_end(bytes: &[u8], mut pos: usize) -> usize {
    pub const ONES: u64 = 0x0101_0101_0101_0101;
    pub const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(x) = load_u64(bytes, pos) {
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // Bit 7 of a byte is set when the byte is `"` or `\\` (the XOR made it zero), below
        // 0x20 (the subtraction wrapped), or 0x80 and above.
        let special = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | x.wrapping_sub(ONES * 0x20)
            | x)
            & HIGHS;
        if special != 0 {
            return pos + (special.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b.wrapping_sub(0x20) >= 0x60 || b == b'"' || b == b'\\' {
            break;
        }
        pos += 1;
    }
    pos
}

/// The eight bytes at `pos` as a little-endian `u64` (one unaligned load on wasm).
#[inline(always)]
pub fn load_u64(bytes: &[u8], pos: usize) -> Option<u64> {
    let chunk: &[u8; 8] = bytes.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(*chunk))
}

/// Scans a number literal (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) at `pos`.
/// The status has [`Step::DIGITS`] when the token is digits only (a non-negative integer).
pub fn scan_number(bytes: &[u8], mut pos: usize) -> Step {
    let mut flags = Step::DIGITS;
    if byte_at(bytes, pos) == b'-' {
        pos += 1;
        flags = 0;
    }
    match byte_at(bytes, pos) {
        b'0' => pos += 1,
        b'1'..=b'9' => pos = skip_digits(bytes, pos),
        _ => return fault_at(bytes, pos),
    }
    if byte_at(bytes, pos) == b'.' {
        flags = 0;
        pos = match digits(bytes, pos + 1) {
            Ok(end) => end,
            Err(fault) => return fault,
        };
    }
    if byte_at(bytes, pos) | 0x20 == b'e' {
        flags = 0;
        pos += 1;
        if let b'+' | b'-' = byte_at(bytes, pos) {
            pos += 1;
        }
        pos = match digits(bytes, pos) {
            Ok(end) => end,
            Err(fault) => return fault,
        };
    }
    Step::ok(pos, flags)
}

pub fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while byte_at(bytes, pos).is_ascii_digit() {
        pos += 1;
    }
    pos
}

/// One or more digits at `pos`.
pub fn digits(bytes: &[u8], pos: usize) -> Result<usize, Step> {
    if byte_at(bytes, pos).is_ascii_digit() {
        Ok(skip_digits(bytes, pos))
    } else {
        Err(fault_at(bytes, pos))
    }
}

/// Scans `word` (a literal such as `null`) at `pos`.
pub fn scan_literal(bytes: &[u8], pos: usize, word: &[u8]) -> Step {
    // `null` and `true` are compared as one word; `false` falls through to the byte loop.
    if let (Some(found), Ok(expected)) = (bytes.get(pos..pos + 4), <[u8; 4]>::try_from(word)) {
        if u32::from_le_bytes(expected)
            == u32::from_le_bytes([found[0], found[1], found[2], found[3]])
        {
            return Step::ok(pos + 4, 0);
        }
    }
    for (i, &expected) in word.iter().enumerate() {
        if byte_at(bytes, pos + i) != expected {
            return fault_at(bytes, pos + i);
        }
    }
    Step::ok(pos + word.len(), 0)
}

/// Scans `null` at `pos`: one four-byte comparison on the note path, where MIDIMon sends
/// `"cc":null` and `"value":null` with every note.
#[inline(always)]
pub fn scan_null(bytes: &[u8], pos: usize) -> Step {
    match bytes.get(pos..pos + 4) {
        Some(&[b'n', b'u', b'l', b'l']) => Step::ok(pos + 4, 0),
        _ => scan_literal(bytes, pos, b"null"),
    }
}

/// Validates and skips any JSON value at `pos` (whitespace before it allowed), without
/// recursion, allowing the value to nest at most `max_depth` levels of arrays and objects.
pub fn skip_value(bytes: &[u8], mut pos: usize, max_depth: usize) -> Step {
    // Bit `i` of `objects` says whether nesting level `i` is an object (1) or an array (0).
    let mut objects = [0u32; MAX_NESTING / 32];
    let mut depth: usize = 0;
    loop {
        // At the start of a value.
        pos = skip_ws(bytes, pos);
        let step = match byte_at(bytes, pos) {
            open @ (b'{' | b'[') => {
                if depth >= max_depth {
                    return Step::fault(ErrorCode::NestingTooDeep);
                }
                let is_object = open == b'{';
                let (word, bit) = (depth / 32, 1u32 << (depth % 32));
                objects[word] = if is_object {
                    objects[word] | bit
                } else {
                    objects[word] & !bit
                };
                depth += 1;
                pos = skip_ws(bytes, pos + 1);
                // `open + 2` is the matching `}` or `]`.
                if byte_at(bytes, pos) != open + 2 {
                    if is_object {
                        match member_key(bytes, pos) {
                            Ok(after) => pos = after,
                            Err(fault) => return fault,
                        }
                    }
                    continue;
                }
                depth -= 1;
                Step::ok(pos + 1, 0)
            }
            b'"' => scan_string(bytes, pos),
            b't' => scan_literal(bytes, pos, b"true"),
            b'f' => scan_literal(bytes, pos, b"false"),
            b'n' => scan_literal(bytes, pos, b"null"),
            _ => scan_number(bytes, pos),
        };
        if step.error().is_some() {
            return step;
        }
        pos = step.pos();
        // After a complete value: close containers until one goes on.
        loop {
            if depth == 0 {
                return Step::ok(pos, 0);
            }
            pos = skip_ws(bytes, pos);
            let level = depth - 1;
            let in_object = objects[level / 32] & (1 << (level % 32)) != 0;
            let b = byte_at(bytes, pos);
            if b == b',' {
                pos += 1;
                if in_object {
                    match member_key(bytes, skip_ws(bytes, pos)) {
                        Ok(after) => pos = after,
                        Err(fault) => return fault,
                    }
                }
                break;
            }
            if b != if in_object { b'}' } else { b']' } {
                return fault_at(bytes, pos);
            }
            pos += 1;
            depth -= 1;
        }
    }
}

/// `"key"` then `:` at `pos`; the position after the colon.
pub fn member_key(bytes: &[u8], pos: usize) -> Result<usize, Step> {
    let key = scan_string(bytes, pos);
    if key.error().is_some() {
        return Err(key);
    }
    let colon = skip_ws(bytes, key.pos());
    if byte_at(bytes, colon) != b':' {
        return Err(fault_at(bytes, colon));
    }
    Ok(colon + 1)
}

/// Length of the well-formed UTF-8 sequence (RFC 3629) at the start of `bytes`, whose first byte
/// is not ASCII; 0 for an invalid, overlong, surrogate or truncated sequence.
pub fn utf8_width(bytes: &[u8]) -> usize {
    let lead = byte_at(bytes, 0);
    if !(0xC2..=0xF4).contains(&lead) {
        return 0;
    }
    let width = if lead >= 0xF0 {
        4
    } else if lead >= 0xE0 {
        3
    } else {
        2
    };
    // The second byte's range excludes overlong forms (E0, F0), UTF-16 surrogates (ED) and
    // code points above U+10FFFF (F4).
    let (low, high) = match lead {
        0xE0 => (0xA0, 0xBF),
        0xED => (0x80, 0x9F),
        0xF0 => (0x90, 0xBF),
        0xF4 => (0x80, 0x8F),
        _ => (0x80, 0xBF),
    };
    let Some(tail) = bytes.get(1..width) else {
        return 0;
    };
    let mut ok = (low..=high).contains(&tail[0]);
    for &b in &tail[1..] {
        ok &= b & 0xC0 == 0x80;
    }
    if ok {
        width
    } else {
        0
    }
}

/// Writes the UTF-8 encoding of code point `c` and returns its length; [`INVALID_ESCAPE`]
/// (or anything above U+10FFFF) becomes U+FFFD.
pub fn encode_utf8(c: u32, out: &mut [u8; 4]) -> u8 {
    let c = if c > 0x10FFFF { 0xFFFD } else { c };
    let len: u8 = match c {
        0..=0x7F => {
            out[0] = c as u8;
            return 1;
        }
        0x80..=0x7FF => 2,
        0x800..=0xFFFF => 3,
        _ => 4,
    };
    // Leading byte: `len` one-bits, a zero, then the top bits of `c`.
    let lead_marker = (0xF0u32 << (4 - len)) as u8;
    let mut shift = 6 * u32::from(len - 1);
    out[0] = lead_marker | (c >> shift) as u8;
    for slot in out.iter_mut().take(usize::from(len)).skip(1) {
        shift -= 6;
        *slot = 0x80 | ((c >> shift) & 0x3F) as u8;
    }
    len
}

/// The code point of a malformed escape: one past the last code point.
pub const INVALID_ESCAPE: u32 = 0x11_0000;

/// A decoded escape sequence: its code point and the position just after it.
///
/// One `u64` rather than a pair: on wasm a two-word return goes through memory, and the
/// position would have to live in memory too, in the string scanner's hot loop.
#[derive(Clone, Copy)]
pub struct Escape(u64);

impl Escape {
    pub fn new(code_point: u32, end: usize) -> Escape {
        Escape((end as u64) << 32 | u64::from(code_point))
    }

    /// The escaped code point, or [`INVALID_ESCAPE`].
    pub fn code_point(self) -> u32 {
        self.0 as u32
    }

    /// The position just after the escape.
    pub fn end(self) -> usize {
        (self.0 >> 32) as usize
    }
}

/// Decodes the JSON escape sequence whose backslash is at `bytes[pos]`. Its code point is
/// [`INVALID_ESCAPE`] for anything RFC 8259 rejects: an unknown escape, bad hex digits, a high
/// surrogate not followed by an escaped low surrogate, a lone low surrogate.
///
/// The scanner validates with it and [`Text`] decodes with it, so the rules exist once.
pub fn decode_escape(bytes: &[u8], pos: usize) -> Escape {
    let kind = bytes.get(pos + 1).copied().unwrap_or(0);
    let c = match kind {
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'"' | b'\\' | b'/' => kind,
        b'u' => {
            let high = hex4(bytes, pos + 2);
            if !(0xD800..0xE000).contains(&high) {
                // Also passes INVALID_ESCAPE through from `hex4`.
                return Escape::new(high, pos + 6);
            }
            let pair = bytes.get(pos + 6..pos + 8) == Some(b"\\u");
            let low = if pair {
                hex4(bytes, pos + 8)
            } else {
                INVALID_ESCAPE
            };
            if high >= 0xDC00 || !(0xDC00..0xE000).contains(&low) {
                return Escape::new(INVALID_ESCAPE, pos + 12);
            }
            return Escape::new(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), pos + 12);
        }
        _ => return Escape::new(INVALID_ESCAPE, pos + 2),
    };
    Escape::new(u32::from(c), pos + 2)
}

/// Four hex digits at `bytes[pos..]`, or [`INVALID_ESCAPE`].
pub fn hex4(bytes: &[u8], pos: usize) -> u32 {
    let mut value = 0;
    for i in 0..4 {
        let digit = hex_value(bytes.get(pos + i).copied().unwrap_or(0));
        if digit > 15 {
            return INVALID_ESCAPE;
        }
        value = value * 16 + digit;
    }
    value
}

/// Value of one hexadecimal digit, or a value above 15 for any other byte.
pub fn hex_value(digit: u8) -> u32 {
    let lower = digit | 0x20;
    if digit.is_ascii_digit() {
        u32::from(digit - b'0')
    } else if (b'a'..=b'f').contains(&lower) {
        u32::from(lower - b'a' + 10)
    } else {
        u32::MAX
    }
}
