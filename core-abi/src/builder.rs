//! Request bodies for a plugin's native tests, without hand-escaped JSON.
//!
//! A plugin's unit tests drive its actions through `guest::handle_json` (feature `guest`) with
//! real request bytes. Writing those bodies with `format!` means escaping quotes by hand and
//! keeping field names right; [`RequestBuilder`] writes them with serde (serde-json-core, into a
//! buffer the test owns, so it works in `no_std` crates too). Nothing here is linked into a plugin
//! that does not call it.
//!
//! ```
//! use core_abi::builder::RequestBuilder;
//! let mut buf = [0u8; 256];
//! let body = RequestBuilder::new("velocity_curve")
//!     .velocity(64)
//!     .param("curve", "say \"hard\"")
//!     .write(&mut buf)
//!     .unwrap();
//! let request = core_abi::parse_request(body).unwrap();
//! assert!(request.context.metadata.get("curve").unwrap() == "say \"hard\"");
//! ```

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Most params one built request carries.
pub const MAX_PARAMS: usize = 16;

/// A request body under construction: the action, the MIDI fields that are set, and params.
/// Fields left unset are left out of the JSON (absent, which the ABI reads as none).
#[derive(Debug, Clone)]
pub struct RequestBuilder<'a> {
    action: &'a str,
    context: Context<'a>,
    /// A param past [`MAX_PARAMS`] was added.
    overflow: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Context<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    velocity: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cc: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_mode: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<u64>,
    #[serde(skip_serializing_if = "Params::is_empty")]
    metadata: Params<'a>,
}

/// The params, serialized as a JSON object in the order they were added.
#[derive(Debug, Clone, Default)]
struct Params<'a>(heapless::Vec<(&'a str, &'a str), MAX_PARAMS>);

impl Params<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Body<'b, 'a> {
    action: &'a str,
    context: &'b Context<'a>,
}

/// Why a body could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildError {
    /// More than [`MAX_PARAMS`] params were added.
    TooManyParams,
    /// The buffer is too small for the body.
    BufferTooSmall,
}

impl<'a> RequestBuilder<'a> {
    /// A request for `action` with an empty context.
    pub fn new(action: &'a str) -> Self {
        RequestBuilder {
            action,
            context: Context {
                velocity: None,
                note: None,
                cc: None,
                value: None,
                current_mode: None,
                timestamp: None,
                metadata: Params::default(),
            },
            overflow: false,
        }
    }

    /// MIDIMon's own request: velocity (or none), no mode, a millisecond timestamp.
    pub fn midimon(action: &'a str, velocity: Option<u8>) -> Self {
        let mut builder = RequestBuilder::new(action).timestamp(1_732_000_000_000);
        builder.context.velocity = velocity;
        builder
    }

    /// Sets `velocity`.
    pub fn velocity(mut self, velocity: u8) -> Self {
        self.context.velocity = Some(velocity);
        self
    }

    /// Sets `note`.
    pub fn note(mut self, note: u8) -> Self {
        self.context.note = Some(note);
        self
    }

    /// Sets `cc` and `value`.
    pub fn cc(mut self, cc: u8, value: u8) -> Self {
        self.context.cc = Some(cc);
        self.context.value = Some(value);
        self
    }

    /// Sets `current_mode` (an unknown field to the ABI, sent by MIDIMon).
    pub fn current_mode(mut self, mode: u32) -> Self {
        self.context.current_mode = Some(mode);
        self
    }

    /// Sets `timestamp`.
    pub fn timestamp(mut self, timestamp: u64) -> Self {
        self.context.timestamp = Some(timestamp);
        self
    }

    /// Adds a param (a `metadata` entry); past [`MAX_PARAMS`], [`write`](Self::write) fails.
    pub fn param(mut self, key: &'a str, value: &'a str) -> Self {
        self.overflow |= self.context.metadata.0.push((key, value)).is_err();
        self
    }

    /// Writes the JSON body into `buf` and returns it.
    pub fn write<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], BuildError> {
        if self.overflow {
            return Err(BuildError::TooManyParams);
        }
        let body = Body {
            action: self.action,
            context: &self.context,
        };
        let len = serde_json_core::to_slice(&body, buf).map_err(|_| BuildError::BufferTooSmall)?;
        buf.get(..len).ok_or(BuildError::BufferTooSmall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_request;

    #[test]
    fn bodies_parse_back_to_what_was_built() {
        let mut buf = [0u8; 512];
        let body = RequestBuilder::new("a\"b")
            .velocity(100)
            .note(60)
            .cc(74, 64)
            .timestamp(7)
            .param("k", "v")
            .param("quote", "\"\\\n")
            .write(&mut buf)
            .unwrap();
        let r = parse_request(body).unwrap();
        assert!(r.action == "a\"b");
        assert_eq!(
            (
                r.context.velocity,
                r.context.note,
                r.context.cc,
                r.context.value
            ),
            (Some(100), Some(60), Some(74), Some(64))
        );
        assert_eq!(r.context.timestamp, 7);
        assert!(r.context.metadata.get("quote").unwrap() == "\"\\\n");
        assert_eq!(r.context.metadata.len(), 2);
    }

    #[test]
    fn midimons_request_is_the_daemons_shape() {
        let mut buf = [0u8; 256];
        let body = RequestBuilder::midimon("my_action", None)
            .current_mode(2)
            .write(&mut buf)
            .unwrap();
        assert_eq!(
            body,
            br#"{"action":"my_action","context":{"current_mode":2,"timestamp":1732000000000}}"#
        );
    }

    #[test]
    fn limits_are_errors() {
        let mut small = [0u8; 8];
        assert_eq!(
            RequestBuilder::new("my_action").write(&mut small),
            Err(BuildError::BufferTooSmall)
        );
        let mut builder = RequestBuilder::new("a");
        for _ in 0..=MAX_PARAMS {
            builder = builder.param("k", "v");
        }
        assert_eq!(
            builder.write(&mut [0u8; 1024]),
            Err(BuildError::TooManyParams)
        );
    }
}
