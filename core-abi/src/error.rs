//! Error codes: the `i32` that `execute` returns when it does not return 0.
//!
//! The numbers are part of the ABI and never change meaning; the template README gives
//! [`ErrorCode::UnknownAction`] the number 3. MIDIMon's daemon logs any non-zero code as an
//! error without reading it. New codes are only ever appended.

use core::fmt;

/// What `execute` returns on success.
pub const SUCCESS: i32 = 0;

/// Why a request was not carried out. Stable numbers, see the README's error-code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// The request body is not valid UTF-8 (invalid, overlong or surrogate sequences).
    InvalidUtf8 = 1,
    /// The request body is not strict JSON (RFC 8259): syntax error, trailing content,
    /// trailing comma, comment, raw control character or bad escape in a string.
    MalformedJson = 2,
    /// The action is not one the plugin declares (the template README's code for it; MIDIMon
    /// treats every non-zero code alike).
    UnknownAction = 3,
    /// A field is missing, duplicated, has the wrong type or is out of range
    /// (e.g. `"note": 128`, `"velocity": "loud"`, a metadata value that is not a string).
    InvalidField = 4,
    /// The request is larger than the plugin accepts, or guest memory could not be allocated.
    RequestTooLarge = 5,
    /// The pointer/length pair does not describe readable guest memory (null, wraps, out of bounds).
    BadPointer = 6,
    /// The action ran and failed for a plugin-specific reason.
    ActionFailed = 7,
    /// The action deliberately did nothing for this event (e.g. a note filter rejected the note).
    Declined = 8,
    /// JSON nesting deeper than [`crate::json::MAX_NESTING`] levels.
    NestingTooDeep = 9,
    /// A binary (postcard) request could not be decoded.
    MalformedBinary = 10,
}

/// Every error code, in numeric order.
pub const ALL_ERROR_CODES: [ErrorCode; 10] = [
    ErrorCode::InvalidUtf8,
    ErrorCode::MalformedJson,
    ErrorCode::UnknownAction,
    ErrorCode::InvalidField,
    ErrorCode::RequestTooLarge,
    ErrorCode::BadPointer,
    ErrorCode::ActionFailed,
    ErrorCode::Declined,
    ErrorCode::NestingTooDeep,
    ErrorCode::MalformedBinary,
];

impl ErrorCode {
    /// The number `execute` returns for this error.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The error with this number, if the ABI defines one.
    pub fn from_code(code: i32) -> Option<ErrorCode> {
        // A match whose arms give each number its own variant: the compiler sees the value is
        // the number itself and emits one range check (`code - 1 < 10`), where a search of
        // `ALL_ERROR_CODES` was a loop over a 40-byte table (52 bytes of code, and up to 10
        // loads and compares on every scanner step that asks for its error).
        Some(match code {
            1 => ErrorCode::InvalidUtf8,
            2 => ErrorCode::MalformedJson,
            3 => ErrorCode::UnknownAction,
            4 => ErrorCode::InvalidField,
            5 => ErrorCode::RequestTooLarge,
            6 => ErrorCode::BadPointer,
            7 => ErrorCode::ActionFailed,
            8 => ErrorCode::Declined,
            9 => ErrorCode::NestingTooDeep,
            10 => ErrorCode::MalformedBinary,
            _ => return None,
        })
    }

    /// A short stable identifier, e.g. `unknown_action`, for reports and JSON output.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnknownAction => "unknown_action",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::RequestTooLarge => "request_too_large",
            ErrorCode::BadPointer => "bad_pointer",
            ErrorCode::ActionFailed => "action_failed",
            ErrorCode::Declined => "declined",
            ErrorCode::NestingTooDeep => "nesting_too_deep",
            ErrorCode::MalformedBinary => "malformed_binary",
        }
    }

    /// A sentence saying what went wrong, for humans.
    pub const fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidUtf8 => "the request is not valid UTF-8",
            ErrorCode::MalformedJson => "the request is not strict JSON",
            ErrorCode::UnknownAction => "the plugin does not declare this action",
            ErrorCode::InvalidField => {
                "a field is missing, duplicated, of the wrong type or out of range"
            }
            ErrorCode::RequestTooLarge => "the request is too large or guest memory ran out",
            ErrorCode::BadPointer => "the pointer and length do not describe guest memory",
            ErrorCode::ActionFailed => "the action failed",
            ErrorCode::Declined => "the action declined this event",
            ErrorCode::NestingTooDeep => "the JSON is nested too deeply",
            ErrorCode::MalformedBinary => "the binary request could not be decoded",
        }
    }
}

/// Turns a handler's result into the `i32` `execute` returns.
pub const fn result_code(result: Result<(), ErrorCode>) -> i32 {
    match result {
        Ok(()) => SUCCESS,
        Err(e) => e.code(),
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code(),
            self.name(),
            self.description()
        )
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl std::error::Error for ErrorCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable() {
        assert_eq!(SUCCESS, 0);
        assert_eq!(ErrorCode::UnknownAction.code(), 3);
        for (i, e) in ALL_ERROR_CODES.iter().enumerate() {
            assert_eq!(e.code(), i as i32 + 1, "{e:?} is out of place");
            assert_eq!(ErrorCode::from_code(e.code()), Some(*e));
        }
        assert_eq!(ErrorCode::from_code(0), None);
        assert_eq!(ErrorCode::from_code(11), None);
        assert_eq!(ErrorCode::from_code(-1), None);
        assert_eq!(ErrorCode::from_code(i32::MIN), None);
    }

    #[test]
    fn names_are_unique() {
        for a in ALL_ERROR_CODES {
            for b in ALL_ERROR_CODES {
                assert_eq!(a == b, a.name() == b.name());
            }
        }
    }

    #[test]
    fn result_codes() {
        assert_eq!(result_code(Ok(())), 0);
        assert_eq!(result_code(Err(ErrorCode::Declined)), 8);
    }
}
