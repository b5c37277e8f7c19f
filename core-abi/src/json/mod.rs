//! JSON as the ABI reads it: the strict scanner ([`validate`], [`MAX_NESTING`]) and the
//! borrowed strings it hands out ([`Text`]).
//!
//! Layers, each using only those below it: `escape`, [`text`] (strings that keep escapes), `scan` (one token at a time, the
//! note path), `skip` (whole values, iteratively), and here the `Scanner` cursor and
//! [`validate`] for code off the note path.

mod escape;
mod scan;
mod skip;
pub mod text;

use crate::bytes::byte_at;
use crate::error::ErrorCode;

pub use scan::*;
pub(crate) use skip::skip_value;
pub use text::Text;

/// Cursor with a sticky error, over the token functions of [`scan`], for code off the note path.
///
/// The first fault is recorded, the cursor jumps to the end, and every later step does
/// nothing; callers check [`Scanner::result`] once at the end.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    error: Option<ErrorCode>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Scanner {
            bytes,
            pos: 0,
            error: None,
        }
    }

    /// `Ok(value)` if no fault was found so far, else the first fault.
    pub(crate) fn result<T>(&self, value: T) -> Result<T, ErrorCode> {
        match self.error {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }

    /// Whether a fault has been recorded.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Takes the position of a successful step, or records its fault.
    fn advance(&mut self, step: Step) -> bool {
        match step.error() {
            None => {
                self.pos = step.pos();
                true
            }
            Some(code) => {
                self.fail(code);
                false
            }
        }
    }

    /// Records `code` unless a fault is already recorded, and stops scanning.
    pub(crate) fn fail(&mut self, code: ErrorCode) {
        self.error.get_or_insert(code);
        self.pos = self.bytes.len();
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn slice_from(&self, start: usize) -> &'a [u8] {
        self.bytes.get(start..self.pos).unwrap_or(&[])
    }

    /// The byte under the cursor, or 0 at the end.
    pub(crate) fn peek(&self) -> u8 {
        byte_at(self.bytes, self.pos)
    }

    pub(crate) fn skip_ws(&mut self) {
        self.pos = skip_ws(self.bytes, self.pos);
    }

    /// Consumes `byte` (never 0) if it is under the cursor.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == byte;
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes `byte` or fails.
    pub(crate) fn expect(&mut self, byte: u8) {
        if !self.eat(byte) {
            let fault = fault_at(self.bytes, self.pos);
            self.advance(fault);
        }
    }

    /// After the whole document: only whitespace may follow.
    pub(crate) fn finish(&mut self) {
        self.skip_ws();
        if self.pos < self.bytes.len() {
            let fault = fault_at(self.bytes, self.pos);
            self.advance(fault);
        }
    }

    /// Scans a string literal at the cursor and returns its contents, escapes undecoded.
    pub(crate) fn string(&mut self) -> Text<'a> {
        let start = self.pos;
        let step = scan_string(self.bytes, start);
        if self.advance(step) {
            string_text(self.bytes, start, step)
        } else {
            Text::plain("")
        }
    }

    /// Validates and skips any value at the cursor, which is inside `depth` levels already.
    pub(crate) fn skip_value(&mut self, depth: usize) {
        let step = skip_value(self.bytes, self.pos, MAX_NESTING.saturating_sub(depth));
        self.advance(step);
    }

    /// Steps to the next member of an object whose `{` has been consumed: returns its key with
    /// the cursor on its value, or `None` after the closing `}` (or on a fault). `first` is true
    /// for the first call on an object.
    pub(crate) fn next_key(&mut self, first: bool) -> Option<Text<'a>> {
        self.skip_ws();
        if self.eat(b'}') {
            return None;
        }
        if !first {
            self.expect(b',');
            self.skip_ws();
        }
        let key = self.string();
        self.skip_ws();
        self.expect(b':');
        self.skip_ws();
        if self.failed() {
            None
        } else {
            Some(key)
        }
    }
}

/// Validates `bytes` as one strict JSON document (any value at the top level).
///
/// This is the rule every request body is held to, exposed for hosts and tests.
pub fn validate(bytes: &[u8]) -> Result<(), ErrorCode> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(ErrorCode::RequestTooLarge);
    }
    let mut scanner = Scanner::new(bytes);
    scanner.skip_value(0);
    scanner.finish();
    scanner.result(())
}
