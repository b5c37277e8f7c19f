//! Validating and skipping one JSON value — the unknown members of a request, and the values
//! of known fields that have the wrong type — with one state machine over bytes.
//!
//! Unknown members can be of any size and shape, and a plugin pays fuel (one unit per wasm
//! instruction) for every byte of them, so the cost per byte must be bounded whatever the shape:
//! brackets nested a hundred deep, arrays of one-digit numbers, whitespace. A loop that calls a
//! scanner per token pays the call and the dispatch on every token; here each byte costs one
//! class lookup and one transition lookup, and only strings and literals (which have their own
//! word-at-a-time scanners) leave the loop. Nesting is tracked in a 128-bit shift register in
//! two locals: no recursion, no memory, nothing to set up.
//!
//! The errors are those of the token scanners this replaced, found at the same byte: the first
//! fault in reading order decides, reported through [`fault_at`] (so a byte that starts no valid
//! UTF-8 sequence is [`ErrorCode::InvalidUtf8`]), nesting past the limit is
//! [`ErrorCode::NestingTooDeep`].

use super::scan::{fault_at, scan_literal, scan_string, Step, MAX_NESTING};
use crate::bytes::byte_at;
use crate::error::ErrorCode;

/// Byte classes: what the machine distinguishes.
mod class {
    pub const OTHER: u8 = 0;
    pub const WS: u8 = 1;
    pub const QUOTE: u8 = 2;
    pub const OPEN_OBJECT: u8 = 3;
    pub const CLOSE_OBJECT: u8 = 4;
    pub const OPEN_ARRAY: u8 = 5;
    pub const CLOSE_ARRAY: u8 = 6;
    pub const COLON: u8 = 7;
    pub const COMMA: u8 = 8;
    pub const MINUS: u8 = 9;
    pub const PLUS: u8 = 10;
    pub const ZERO: u8 = 11;
    pub const DIGIT: u8 = 12;
    pub const DOT: u8 = 13;
    pub const EXPONENT: u8 = 14;
    /// `t`, `f`, `n`: the first byte of a literal.
    pub const LITERAL: u8 = 15;
    pub const COUNT: usize = 16;
}

/// States: where the machine is.
mod state {
    /// A value is expected (after `:` or an array's `,`); whitespace first is fine.
    pub const VALUE: u8 = 0;
    /// After `[`: a value or `]`.
    pub const VALUE_OR_CLOSE: u8 = 1;
    /// After an object's `,`: a key.
    pub const KEY: u8 = 2;
    /// After `{`: a key or `}`.
    pub const KEY_OR_CLOSE: u8 = 3;
    /// After a key: `:`.
    pub const COLON: u8 = 4;
    /// After a value inside a container: `,` or the container's closing byte.
    pub const AFTER: u8 = 5;
    /// Inside a number: after `-`, after a leading `0`, in the integer digits, after `.`, in
    /// the fraction, after `e`, after the exponent's sign, in the exponent.
    pub const MINUS: u8 = 6;
    pub const ZERO: u8 = 7;
    pub const INTEGER: u8 = 8;
    pub const DOT: u8 = 9;
    pub const FRACTION: u8 = 10;
    pub const E: u8 = 11;
    pub const E_SIGN: u8 = 12;
    pub const EXPONENT: u8 = 13;
    /// Rows in the table: a power of two, so that a masked index needs no bounds check.
    pub const COUNT: usize = 16;
}

/// Transitions below this are plain: consume the byte and go to that state.
const ACTIONS: u8 = 16;
/// The byte cannot be here.
const FAULT: u8 = ACTIONS;
/// A string value starts here.
const STRING: u8 = ACTIONS + 1;
/// A key starts here.
const KEY: u8 = ACTIONS + 2;
/// `{` or `[`.
const OPEN: u8 = ACTIONS + 3;
/// `}` or `]` closing an empty container (the class says which, the state allows only it).
const CLOSE_EMPTY: u8 = ACTIONS + 4;
/// `}` or `]` after a value: it must match the innermost container.
const CLOSE: u8 = ACTIONS + 5;
/// `,` after a value.
const COMMA: u8 = ACTIONS + 6;
/// `true`, `false` or `null` starts here.
const LITERAL: u8 = ACTIONS + 7;
/// Flag: the byte ends a number (and is not consumed by it): at the top level the value ends
/// here; inside a container the byte is then what it would be after any value.
const ENDS_NUMBER: u8 = 0x80;

/// The class of every byte.
static CLASSES: [u8; 256] = {
    let mut classes = [class::OTHER; 256];
    classes[b' ' as usize] = class::WS;
    classes[b'\t' as usize] = class::WS;
    classes[b'\n' as usize] = class::WS;
    classes[b'\r' as usize] = class::WS;
    classes[b'"' as usize] = class::QUOTE;
    classes[b'{' as usize] = class::OPEN_OBJECT;
    classes[b'}' as usize] = class::CLOSE_OBJECT;
    classes[b'[' as usize] = class::OPEN_ARRAY;
    classes[b']' as usize] = class::CLOSE_ARRAY;
    classes[b':' as usize] = class::COLON;
    classes[b',' as usize] = class::COMMA;
    classes[b'-' as usize] = class::MINUS;
    classes[b'+' as usize] = class::PLUS;
    classes[b'0' as usize] = class::ZERO;
    let mut d = b'1';
    while d <= b'9' {
        classes[d as usize] = class::DIGIT;
        d += 1;
    }
    classes[b'.' as usize] = class::DOT;
    classes[b'e' as usize] = class::EXPONENT;
    classes[b'E' as usize] = class::EXPONENT;
    classes[b't' as usize] = class::LITERAL;
    classes[b'f' as usize] = class::LITERAL;
    classes[b'n' as usize] = class::LITERAL;
    classes
};

/// What each state does with each class, `state * class::COUNT + class`.
static TRANSITIONS: [u8; state::COUNT * class::COUNT] = {
    use class as c;
    use state as s;
    let mut t = [FAULT; state::COUNT * class::COUNT];
    // Where a value may start.
    let mut st = 0;
    while st < 2 {
        let at = st * c::COUNT;
        t[at + c::WS as usize] = st as u8;
        t[at + c::QUOTE as usize] = STRING;
        t[at + c::OPEN_OBJECT as usize] = OPEN;
        t[at + c::OPEN_ARRAY as usize] = OPEN;
        t[at + c::MINUS as usize] = s::MINUS;
        t[at + c::ZERO as usize] = s::ZERO;
        t[at + c::DIGIT as usize] = s::INTEGER;
        t[at + c::LITERAL as usize] = LITERAL;
        st += 1;
    }
    t[s::VALUE_OR_CLOSE as usize * c::COUNT + c::CLOSE_ARRAY as usize] = CLOSE_EMPTY;
    // Where a key may start.
    let at = s::KEY as usize * c::COUNT;
    t[at + c::WS as usize] = s::KEY;
    t[at + c::QUOTE as usize] = KEY;
    let at = s::KEY_OR_CLOSE as usize * c::COUNT;
    t[at + c::WS as usize] = s::KEY_OR_CLOSE;
    t[at + c::QUOTE as usize] = KEY;
    t[at + c::CLOSE_OBJECT as usize] = CLOSE_EMPTY;
    let at = s::COLON as usize * c::COUNT;
    t[at + c::WS as usize] = s::COLON;
    t[at + c::COLON as usize] = s::VALUE;
    // After a value.
    let after = s::AFTER as usize * c::COUNT;
    t[after + c::WS as usize] = s::AFTER;
    t[after + c::COMMA as usize] = COMMA;
    t[after + c::CLOSE_OBJECT as usize] = CLOSE;
    t[after + c::CLOSE_ARRAY as usize] = CLOSE;
    // Numbers (RFC 8259 §6). A byte that cannot continue the number ends it: it is then
    // treated as it would be after any value, flagged so the top level can stop before it.
    let mut st = s::MINUS as usize;
    while st <= s::EXPONENT as usize {
        let ends = matches!(st as u8, s::ZERO | s::INTEGER | s::FRACTION | s::EXPONENT);
        let mut cl = 0;
        while cl < c::COUNT {
            if ends {
                t[st * c::COUNT + cl] = t[after + cl] | ENDS_NUMBER;
            }
            cl += 1;
        }
        st += 1;
    }
    t[s::MINUS as usize * c::COUNT + c::ZERO as usize] = s::ZERO;
    t[s::MINUS as usize * c::COUNT + c::DIGIT as usize] = s::INTEGER;
    t[s::ZERO as usize * c::COUNT + c::DOT as usize] = s::DOT;
    t[s::ZERO as usize * c::COUNT + c::EXPONENT as usize] = s::E;
    t[s::INTEGER as usize * c::COUNT + c::ZERO as usize] = s::INTEGER;
    t[s::INTEGER as usize * c::COUNT + c::DIGIT as usize] = s::INTEGER;
    t[s::INTEGER as usize * c::COUNT + c::DOT as usize] = s::DOT;
    t[s::INTEGER as usize * c::COUNT + c::EXPONENT as usize] = s::E;
    t[s::DOT as usize * c::COUNT + c::ZERO as usize] = s::FRACTION;
    t[s::DOT as usize * c::COUNT + c::DIGIT as usize] = s::FRACTION;
    t[s::FRACTION as usize * c::COUNT + c::ZERO as usize] = s::FRACTION;
    t[s::FRACTION as usize * c::COUNT + c::DIGIT as usize] = s::FRACTION;
    t[s::FRACTION as usize * c::COUNT + c::EXPONENT as usize] = s::E;
    t[s::E as usize * c::COUNT + c::PLUS as usize] = s::E_SIGN;
    t[s::E as usize * c::COUNT + c::MINUS as usize] = s::E_SIGN;
    t[s::E as usize * c::COUNT + c::ZERO as usize] = s::EXPONENT;
    t[s::E as usize * c::COUNT + c::DIGIT as usize] = s::EXPONENT;
    t[s::E_SIGN as usize * c::COUNT + c::ZERO as usize] = s::EXPONENT;
    t[s::E_SIGN as usize * c::COUNT + c::DIGIT as usize] = s::EXPONENT;
    t[s::EXPONENT as usize * c::COUNT + c::ZERO as usize] = s::EXPONENT;
    t[s::EXPONENT as usize * c::COUNT + c::DIGIT as usize] = s::EXPONENT;
    t
};

/// Validates and skips any JSON value at `pos` (whitespace before it allowed), without
/// recursion, allowing the value to nest at most `max_depth` levels of arrays and objects.
/// On success the position is just after the value.
pub(crate) fn skip_value(bytes: &[u8], mut pos: usize, max_depth: usize) -> Step {
    // Bit 0 of `kinds` is 1 when the innermost open container is an object; the bits above are
    // the containers around it, the 65th and outer ones in `outer`.
    let (mut kinds, mut outer) = (0u64, 0u64);
    let max_depth = max_depth.min(MAX_NESTING);
    let mut depth: usize = 0;
    let mut st = state::VALUE;
    loop {
        let b = byte_at(bytes, pos);
        let class = CLASSES[usize::from(b)];
        let at = (usize::from(st) * class::COUNT + usize::from(class)) & (TRANSITIONS.len() - 1);
        let mut action = TRANSITIONS[at];
        if action < ACTIONS {
            st = action;
            pos += 1;
            continue;
        }
        if action & ENDS_NUMBER != 0 {
            if depth == 0 {
                return Step::ok(pos, 0);
            }
            action &= !ENDS_NUMBER;
            if action < ACTIONS {
                st = action;
                pos += 1;
                continue;
            }
        }
        match action {
            OPEN => {
                if depth >= max_depth {
                    return Step::fault(ErrorCode::NestingTooDeep);
                }
                let is_object = b == b'{';
                outer = (outer << 1) | (kinds >> 63);
                kinds = (kinds << 1) | u64::from(is_object);
                depth += 1;
                pos += 1;
                st = if is_object {
                    state::KEY_OR_CLOSE
                } else {
                    state::VALUE_OR_CLOSE
                };
                continue;
            }
            KEY | STRING => {
                // `""` without the scanner's call: 73 instructions less for each (arrays of
                // them cost 39 a byte instead of 64), about 15 more for any other string.
                if byte_at(bytes, pos + 1) == b'"' {
                    pos += 2;
                } else {
                    let step = scan_string(bytes, pos);
                    if step.failed() {
                        return step;
                    }
                    pos = step.pos();
                }
                if action == KEY {
                    st = state::COLON;
                    continue;
                }
            }
            COMMA => {
                pos += 1;
                st = if kinds & 1 != 0 {
                    state::KEY
                } else {
                    state::VALUE
                };
                continue;
            }
            CLOSE | CLOSE_EMPTY => {
                // `}` closes an object, `]` an array; after a value it must be the innermost.
                if action == CLOSE && (b == b'}') != (kinds & 1 != 0) {
                    return fault_at(bytes, pos);
                }
                kinds = (kinds >> 1) | (outer << 63);
                outer >>= 1;
                depth -= 1;
                pos += 1;
            }
            LITERAL => {
                let word: &[u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                let step = scan_literal(bytes, pos, word);
                if step.failed() {
                    return step;
                }
                pos = step.pos();
            }
            _ => return fault_at(bytes, pos),
        }
        // A complete value. What usually follows, a comma or the container's closing byte, is
        // taken here, as the table would take it, without a lookup; anything else (whitespace,
        // a fault) goes back to the table.
        loop {
            if depth == 0 {
                return Step::ok(pos, 0);
            }
            let next = byte_at(bytes, pos);
            let in_object = kinds & 1 != 0;
            if next == b',' {
                pos += 1;
                st = if in_object { state::KEY } else { state::VALUE };
                break;
            }
            if next != if in_object { b'}' } else { b']' } {
                st = state::AFTER;
                break;
            }
            kinds = (kinds >> 1) | (outer << 63);
            outer >>= 1;
            depth -= 1;
            pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<usize, ErrorCode> {
        let step = skip_value(s.as_bytes(), 0, MAX_NESTING);
        match step.error() {
            Some(e) => Err(e),
            None => Ok(step.pos()),
        }
    }

    #[test]
    fn values_end_where_they_end() {
        for (text, end) in [
            ("1", 1),
            ("-0.5e+3,", 7),
            ("0 ", 1),
            (" 12]", 3),
            ("\"a\" x", 3),
            ("true,", 4),
            ("[1, [2, {\"a\": null}], {}] x", 25),
            ("{ } ", 3),
            ("[]", 2),
            ("[\"\",{\"\":\"\",\"\":\"a\"}] ", 19),
        ] {
            assert_eq!(skip(text), Ok(end), "{text}");
        }
    }

    #[test]
    fn faults() {
        for text in [
            "",
            "-",
            "1.",
            "1e",
            "1e+",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "[}",
            "{]",
            "[1}",
            "tru",
            "{1:2}",
            "[1 2]",
        ] {
            assert_eq!(skip(text), Err(ErrorCode::MalformedJson), "{text}");
        }
        assert_eq!(skip("[\u{e9}]"), Err(ErrorCode::MalformedJson));
        assert_eq!(
            skip_value(b"[\xff]", 0, 128).error(),
            Some(ErrorCode::InvalidUtf8)
        );
        assert_eq!(
            skip_value(b"[[1]]", 0, 1).error(),
            Some(ErrorCode::NestingTooDeep)
        );
        assert_eq!(skip_value(b"[[1]]", 0, 2).error(), None);
    }
}
