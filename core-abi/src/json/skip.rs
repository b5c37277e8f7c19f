//! Validating and skipping one JSON value — the unknown members of a request, and the values
//! of known fields that have the wrong type — with one state machine over bytes.
//!
//! Unknown members can be of any size and shape, and a plugin pays fuel (one unit per wasm
//! instruction) for every byte of them, so the cost per byte must be bounded whatever the shape:
//! brackets nested a hundred deep, arrays of one-digit numbers, whitespace. A loop that calls a
//! scanner per token pays the call and the dispatch on every token; here each byte costs one
//! class lookup and one transition lookup (20 instructions for a byte the table takes alone:
//! the end test, two loads, the OR that indexes the table, its load and the action test), and
//! only strings and literals (which have their own word-at-a-time scanners) leave the loop.
//!
//! Whether the innermost container is an array or an object is part of the state (there is an
//! "after a value" state for each), so `,` is a plain transition and a closing byte needs no
//! check. Nesting is a stack of those states in a 128-byte array on the wasm stack: `[` or `{`
//! stores the state to come back to (41 instructions), `]` or `}` loads it (35). The worst
//! shape, brackets nested a hundred deep, costs 38 a byte; a shift register of kinds in two
//! `u64` locals cost 64, the pushes and pops and the checks of which kind closes.
//!
//! The errors are those of the token scanners this replaced, found at the same byte: the first
//! fault in reading order decides, reported through [`fault_at`] (so a byte that starts no valid
//! UTF-8 sequence is [`ErrorCode::InvalidUtf8`]), nesting past the limit is
//! [`ErrorCode::NestingTooDeep`].

use core::mem::MaybeUninit;
use core::slice::Iter;

use super::scan::{fault_at, scan_literal, scan_string, Step, MAX_NESTING};
use crate::bytes::byte_at;
use crate::error::ErrorCode;

/// Byte classes: what the machine distinguishes (a column of the table: below 16, so that a
/// state's row offset OR its class is the entry's index).
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

/// States: where the machine is, each as the offset of its row in the table (a multiple of 16,
/// so the lookup needs no multiply, and 16 rows, so the index needs no bounds check).
mod state {
    const fn row(n: u8) -> u8 {
        n * super::class::COUNT as u8
    }
    /// A value is expected (after `:` or an array's `,`); whitespace first is fine.
    pub const VALUE: u8 = row(0);
    /// After `[`: a value or `]`.
    pub const VALUE_OR_CLOSE: u8 = row(1);
    /// After an object's `,`: a key.
    pub const KEY: u8 = row(2);
    /// After `{`: a key or `}`.
    pub const KEY_OR_CLOSE: u8 = row(3);
    /// After a key: `:`.
    pub const COLON: u8 = row(4);
    /// After a value in an array: `,` or `]`.
    pub const AFTER_IN_ARRAY: u8 = row(5);
    /// After a value in an object: `,` or `}`.
    pub const AFTER_IN_OBJECT: u8 = row(6);
    /// After the value itself: whatever follows is not the machine's.
    pub const DONE: u8 = row(7);
    /// Inside a number: after `-`, after a leading `0`, in the integer digits, after `.`, in
    /// the fraction, after `e`, after the exponent's sign, in the exponent.
    pub const MINUS: u8 = row(8);
    pub const ZERO: u8 = row(9);
    pub const INTEGER: u8 = row(10);
    pub const DOT: u8 = row(11);
    pub const FRACTION: u8 = row(12);
    pub const E: u8 = row(13);
    pub const E_SIGN: u8 = row(14);
    pub const EXPONENT: u8 = row(15);
    pub const COUNT: usize = 16;
}

/// Entries that are not a multiple of 16 are actions; the others are plain: consume the byte
/// and go to that state.
const ACTION: usize = 15;
/// The byte cannot be here.
const FAULT: u8 = 1;
/// A string value starts here.
const STRING: u8 = 2;
/// A key starts here.
const KEY: u8 = 3;
/// `[`.
const OPEN_ARRAY: u8 = 4;
/// `{`.
const OPEN_OBJECT: u8 = 5;
/// `]` or `}`, where the state allows it: the innermost container ends.
const CLOSE: u8 = 6;
/// The byte ends a number and is not part of it: it is read again as it would be after any
/// value.
const END_NUMBER: u8 = 7;
/// `true`, `false` or `null` starts here.
const LITERAL: u8 = 8;
/// The value has ended before this byte.
const RETURN: u8 = 9;

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

/// The index of `state`'s entry for `class`.
const fn at(state: u8, class: u8) -> usize {
    (state | class) as usize
}

/// What each state does with each class, at `state | class`.
static TRANSITIONS: [u8; state::COUNT * class::COUNT] = {
    use class as c;
    use state as s;
    let mut t = [FAULT; state::COUNT * class::COUNT];
    // Where a value may start.
    let mut st = s::VALUE;
    while st <= s::VALUE_OR_CLOSE {
        t[at(st, c::WS)] = st;
        t[at(st, c::QUOTE)] = STRING;
        t[at(st, c::OPEN_OBJECT)] = OPEN_OBJECT;
        t[at(st, c::OPEN_ARRAY)] = OPEN_ARRAY;
        t[at(st, c::MINUS)] = s::MINUS;
        t[at(st, c::ZERO)] = s::ZERO;
        t[at(st, c::DIGIT)] = s::INTEGER;
        t[at(st, c::LITERAL)] = LITERAL;
        st += c::COUNT as u8;
    }
    t[at(s::VALUE_OR_CLOSE, c::CLOSE_ARRAY)] = CLOSE;
    // Where a key may start.
    t[at(s::KEY, c::WS)] = s::KEY;
    t[at(s::KEY, c::QUOTE)] = KEY;
    t[at(s::KEY_OR_CLOSE, c::WS)] = s::KEY_OR_CLOSE;
    t[at(s::KEY_OR_CLOSE, c::QUOTE)] = KEY;
    t[at(s::KEY_OR_CLOSE, c::CLOSE_OBJECT)] = CLOSE;
    t[at(s::COLON, c::WS)] = s::COLON;
    t[at(s::COLON, c::COLON)] = s::VALUE;
    // After a value.
    t[at(s::AFTER_IN_ARRAY, c::WS)] = s::AFTER_IN_ARRAY;
    t[at(s::AFTER_IN_ARRAY, c::COMMA)] = s::VALUE;
    t[at(s::AFTER_IN_ARRAY, c::CLOSE_ARRAY)] = CLOSE;
    t[at(s::AFTER_IN_OBJECT, c::WS)] = s::AFTER_IN_OBJECT;
    t[at(s::AFTER_IN_OBJECT, c::COMMA)] = s::KEY;
    t[at(s::AFTER_IN_OBJECT, c::CLOSE_OBJECT)] = CLOSE;
    let mut cl = 0;
    while cl < c::COUNT as u8 {
        t[at(s::DONE, cl)] = RETURN;
        cl += 1;
    }
    // Numbers (RFC 8259 §6). A byte that cannot continue a complete number ends it.
    let mut cl = 0;
    while cl < c::COUNT as u8 {
        t[at(s::ZERO, cl)] = END_NUMBER;
        t[at(s::INTEGER, cl)] = END_NUMBER;
        t[at(s::FRACTION, cl)] = END_NUMBER;
        t[at(s::EXPONENT, cl)] = END_NUMBER;
        cl += 1;
    }
    t[at(s::MINUS, c::ZERO)] = s::ZERO;
    t[at(s::MINUS, c::DIGIT)] = s::INTEGER;
    t[at(s::ZERO, c::DOT)] = s::DOT;
    t[at(s::ZERO, c::EXPONENT)] = s::E;
    t[at(s::INTEGER, c::ZERO)] = s::INTEGER;
    t[at(s::INTEGER, c::DIGIT)] = s::INTEGER;
    t[at(s::INTEGER, c::DOT)] = s::DOT;
    t[at(s::INTEGER, c::EXPONENT)] = s::E;
    t[at(s::DOT, c::ZERO)] = s::FRACTION;
    t[at(s::DOT, c::DIGIT)] = s::FRACTION;
    t[at(s::FRACTION, c::ZERO)] = s::FRACTION;
    t[at(s::FRACTION, c::DIGIT)] = s::FRACTION;
    t[at(s::FRACTION, c::EXPONENT)] = s::E;
    t[at(s::E, c::PLUS)] = s::E_SIGN;
    t[at(s::E, c::MINUS)] = s::E_SIGN;
    t[at(s::E, c::ZERO)] = s::EXPONENT;
    t[at(s::E, c::DIGIT)] = s::EXPONENT;
    t[at(s::E_SIGN, c::ZERO)] = s::EXPONENT;
    t[at(s::E_SIGN, c::DIGIT)] = s::EXPONENT;
    t[at(s::EXPONENT, c::ZERO)] = s::EXPONENT;
    t[at(s::EXPONENT, c::DIGIT)] = s::EXPONENT;
    t
};

/// Validates and skips any JSON value at `pos` (whitespace before it allowed), without
/// recursion, allowing the value to nest at most `max_depth` levels of arrays and objects.
/// On success the position is just after the value.
///
/// A one-digit number, the shortest unknown member's value, is skipped here from its byte and
/// the next (37 instructions, against 82 through the machine, 9 of them the stack
/// frame for its nesting stack, which this function does without); anything else (a digit
/// last in the input too) goes through [`skip_any`].
#[inline(never)]
pub(crate) fn skip_value(bytes: &[u8], pos: usize, max_depth: usize) -> Step {
    // A digit, `.`, `e` or `E` after the digit would continue the number (or, after `0`, be
    // a fault): the four classes are consecutive, one lookup refuses them.
    let continues =
        |b: u8| CLASSES[usize::from(b)].wrapping_sub(class::ZERO) <= class::EXPONENT - class::ZERO;
    if let Some(&[digit, next]) = bytes.get(pos..).and_then(<[u8]>::first_chunk) {
        if digit.is_ascii_digit() && !continues(next) {
            return Step::ok(pos + 1, 0);
        }
    }
    skip_any(bytes, pos, max_depth)
}

/// [`skip_value`]'s state machine, for any value.
#[inline(never)]
fn skip_any(bytes: &[u8], pos: usize, max_depth: usize) -> Step {
    let max_depth = max_depth.min(MAX_NESTING);
    // `stack[d]` is the state to go to after the container opened at depth `d` closes; only
    // entries below `depth` have been written. Left uninitialized: zeroing 128 bytes would
    // cost every call more than most values cost to skip.
    let mut stack = [MaybeUninit::<u8>::uninit(); MAX_NESTING];
    let mut depth: usize = 0;
    // The state after a value at this depth. States are `usize` (their values all fit a
    // byte), so that the lookup needs no masking of a byte-sized local.
    let mut after = usize::from(state::DONE);
    let mut st = usize::from(state::VALUE);
    // The bytes not read yet, as a pointer and an end: the end test of a byte is one compare.
    let Some(rest) = bytes.get(pos..) else {
        return fault_at(bytes, pos);
    };
    let mut rest = rest.iter();
    loop {
        let Some(&b) = rest.as_slice().first() else {
            // The end of the input reads as a byte of class `OTHER` (0): only a complete value
            // at the top level may end there.
            let mut end = TRANSITIONS[st & 0xff];
            if end == END_NUMBER {
                end = TRANSITIONS[after & 0xff];
            }
            return if end == RETURN {
                Step::ok(bytes.len(), 0)
            } else {
                fault_at(bytes, bytes.len())
            };
        };
        // Below 256 (a row offset OR a class): the mask costs nothing, there is no bounds check.
        st = usize::from(TRANSITIONS[(st | usize::from(CLASSES[usize::from(b)])) & 0xff]);
        if st & ACTION == 0 {
            rest.next();
            continue;
        }
        // The position of the byte, for the scanners and the faults (computed where needed:
        // `[`, `]` and the like do without).
        let at = |rest: &Iter<u8>| bytes.len() - rest.len();
        let action = st as u8;
        match action {
            // Two arms for `[` and `{` rather than one that selects the states: one arm cost
            // nested arrays 43.4 fuel a byte instead of 37.9, for 29 bytes less (measured).
            OPEN_ARRAY => {
                if depth >= max_depth {
                    return Step::fault(ErrorCode::NestingTooDeep);
                }
                if let Some(slot) = stack.get_mut(depth) {
                    slot.write(after as u8);
                }
                depth += 1;
                after = usize::from(state::AFTER_IN_ARRAY);
                st = usize::from(state::VALUE_OR_CLOSE);
                rest.next();
            }
            OPEN_OBJECT => {
                if depth >= max_depth {
                    return Step::fault(ErrorCode::NestingTooDeep);
                }
                if let Some(slot) = stack.get_mut(depth) {
                    slot.write(after as u8);
                }
                depth += 1;
                after = usize::from(state::AFTER_IN_OBJECT);
                st = usize::from(state::KEY_OR_CLOSE);
                rest.next();
            }
            CLOSE => {
                // The table allows a closing byte only in the four states inside a container,
                // which are entered only at depth 1 or more (from a `[` or `{`, or through
                // `after`, which is `DONE` exactly at depth 0): `depth - 1` does not wrap.
                debug_assert!(depth > 0);
                depth -= 1;
                // SAFETY: `stack[depth]` was written by the `[` or `{` that took the depth from
                // `depth` to `depth + 1`, the container this byte closes (an open writes its
                // slot whenever it succeeds: `depth < max_depth <= MAX_NESTING`). The mask
                // only keeps the index in bounds without a panic path.
                after = usize::from(unsafe { stack[depth & (MAX_NESTING - 1)].assume_init() });
                st = after;
                rest.next();
            }
            // At the top level the value ends before the byte (saving a round through `DONE`
            // for the most common unknown member); inside a container the byte is read again,
            // as it would be after any value.
            END_NUMBER => {
                if depth == 0 {
                    return Step::ok(at(&rest), 0);
                }
                st = after;
            }
            // A token with its own scanner: a key, a string value or a literal.
            KEY | STRING | LITERAL => {
                let pos = at(&rest);
                let step = if action == LITERAL {
                    let word: &[u8] = match byte_at(bytes, pos) {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    scan_literal(bytes, pos, word)
                } else if byte_at(bytes, pos + 1) == b'"' {
                    // `""` without the scanner's call, about 70 instructions less (an array of
                    // them costs 31 a byte), about 15 more for any other string.
                    Step::ok(pos + 2, 0)
                } else {
                    scan_string(bytes, pos)
                };
                // (A scanner's end is never past the input: `get` only keeps the panic out.)
                let Some(tail) = bytes.get(step.pos()..).filter(|_| !step.failed()) else {
                    return step;
                };
                rest = tail.iter();
                st = if action == KEY {
                    usize::from(state::COLON)
                } else {
                    after
                };
            }
            RETURN => return Step::ok(at(&rest), 0),
            _ => return fault_at(bytes, at(&rest)),
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
            ("7,", 1),
            ("0}", 1),
            ("01", 1),
            ("42,", 2),
            ("0.5,", 3),
            ("5e1}", 3),
            ("3E1", 3),
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

    #[test]
    fn the_stack_restores_every_kind() {
        use std::string::String;
        // 128 levels of arrays and objects in a pattern that is not periodic in 64: each close
        // must find its own kind again, and a wrong closing byte is found at any depth.
        let kinds: std::vec::Vec<bool> =
            (0..MAX_NESTING).map(|i| (i * i + i / 3) % 5 < 2).collect();
        let mut text = String::new();
        for &object in &kinds {
            text.push_str(if object { "{\"k\": " } else { "[0, " });
        }
        text.push_str("true");
        for &object in kinds.iter().rev() {
            text.push_str(if object { ", \"z\": -1.5}" } else { ", \"\"]" });
        }
        assert_eq!(skip(&text), Ok(text.len()));
        // The closing byte of the container at depth 70, made the other kind's.
        let (wrong, _) = (text.bytes().enumerate())
            .filter(|&(_, b)| b == b']' || b == b'}')
            .nth(MAX_NESTING - 70)
            .unwrap();
        let mut bad = text.into_bytes();
        bad[wrong] = if bad[wrong] == b']' { b'}' } else { b']' };
        assert_eq!(
            skip_value(&bad, 0, MAX_NESTING).error(),
            Some(ErrorCode::MalformedJson)
        );
        assert_eq!(
            skip_value(b"1", 2, 128).error(),
            Some(ErrorCode::MalformedJson)
        );
        assert_eq!(
            skip_value(b"[1] ", 3, 128).error(),
            Some(ErrorCode::MalformedJson)
        );
        assert_eq!(skip_value(b"[1]", 0, 128).pos(), 3);
    }
}
