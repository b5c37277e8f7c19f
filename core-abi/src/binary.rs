//! The binary fast path: the same request encoded with postcard instead of JSON.
//!
//! JSON costs a plugin thousands of instructions per note; a postcard request is a handful of
//! varints. A plugin that exports `execute_postcard(ptr, len) -> i32` receives requests in this
//! form, and firmware can use it over serial or USB links. The action travels as its index in
//! the plugin's declared `actions` list.
//!
//! Wire format (postcard, in order): `action: u32` (varint), `velocity`, `note`, `cc`, `value`
//! (`Option<u8>`: `00`, or `01` and the byte), `timestamp: u64` (varint), then the metadata as a
//! postcard sequence of `(key, value)` string pairs (a varint count, then each string as a varint
//! length and UTF-8 bytes). Nothing may follow.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::request::{Metadata, Request, RequestContext, MIDI_MAX};
use crate::text::Text;

/// The fixed-size part of a binary request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BinaryHeader {
    /// Index of the action in the plugin's declared `actions`.
    pub action: u32,
    /// Note-on/off velocity, 0..=127.
    pub velocity: Option<u8>,
    /// Note number, 0..=127.
    pub note: Option<u8>,
    /// Controller number, 0..=127.
    pub cc: Option<u8>,
    /// Controller value, 0..=127.
    pub value: Option<u8>,
    /// Host timestamp.
    pub timestamp: u64,
}

/// A decoded binary request, before its action index is resolved to a name.
#[derive(Debug, Clone, Copy)]
pub struct BinaryRequest<'a> {
    /// Index of the action in the plugin's declared `actions`.
    pub action_index: u32,
    /// The event and metadata, exactly as a JSON request would give them.
    pub context: RequestContext<'a>,
}

impl<'a> BinaryRequest<'a> {
    /// Resolves the action index against the plugin's declared actions.
    /// An index past the end is [`ErrorCode::UnknownAction`], as an unknown name would be.
    pub fn resolve(self, actions: &[&'a str]) -> Result<Request<'a>, ErrorCode> {
        let name = actions.get(self.action_index as usize).ok_or(ErrorCode::UnknownAction)?;
        Ok(Request { action: Text::plain(name), context: self.context })
    }
}

/// Decodes and fully validates a binary request. Zero-copy: metadata strings borrow `bytes`.
pub fn decode(bytes: &[u8]) -> Result<BinaryRequest<'_>, ErrorCode> {
    let (header, rest) = postcard::take_from_bytes::<BinaryHeader>(bytes).map_err(|_| ErrorCode::MalformedBinary)?;
    for v in [header.velocity, header.note, header.cc, header.value].into_iter().flatten() {
        if v > MIDI_MAX {
            return Err(ErrorCode::InvalidField);
        }
    }
    let (count, pairs) = postcard::take_from_bytes::<u32>(rest).map_err(|_| ErrorCode::MalformedBinary)?;
    let mut cursor = pairs;
    for _ in 0..count {
        // Each pair takes at least two bytes, so a forged count ends the loop at the data's end.
        let (_, after) =
            postcard::take_from_bytes::<(&str, &str)>(cursor).map_err(|_| ErrorCode::MalformedBinary)?;
        cursor = after;
    }
    if !cursor.is_empty() {
        return Err(ErrorCode::MalformedBinary);
    }
    Ok(BinaryRequest {
        action_index: header.action,
        context: RequestContext {
            velocity: header.velocity,
            note: header.note,
            cc: header.cc,
            value: header.value,
            timestamp: header.timestamp,
            metadata: Metadata::binary(pairs, count as usize),
        },
    })
}

/// Encodes a binary request into `buf` and returns the bytes written.
///
/// ```
/// use core_abi::binary::{decode, encode, BinaryHeader};
/// let header = BinaryHeader { action: 1, velocity: Some(100), note: Some(60), ..Default::default() };
/// let mut buf = [0u8; 64];
/// let bytes = encode(&header, &[("curve", "soft")], &mut buf).unwrap();
/// let request = decode(bytes).unwrap().resolve(&["my_action", "velocity_curve"]).unwrap();
/// assert!(request.action == "velocity_curve");
/// assert!(request.context.metadata.get("curve").unwrap() == "soft");
/// ```
pub fn encode<'b>(
    header: &BinaryHeader,
    metadata: &[(&str, &str)],
    buf: &'b mut [u8],
) -> Result<&'b mut [u8], ErrorCode> {
    postcard::to_slice(&(header, metadata), buf).map_err(|_| ErrorCode::RequestTooLarge)
}

/// Encodes a binary request into a new vector (host side).
#[cfg(feature = "std")]
pub fn encode_to_vec(header: &BinaryHeader, metadata: &[(&str, &str)]) -> std::vec::Vec<u8> {
    // Serializing plain integers and strings into a growable vector cannot fail.
    postcard::to_allocvec(&(header, metadata)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["my_action", "velocity_curve", "note_filter"];

    fn header() -> BinaryHeader {
        BinaryHeader { action: 0, velocity: Some(100), note: Some(60), cc: None, value: None, timestamp: 1_234_567_890 }
    }

    #[test]
    fn round_trip() {
        let mut buf = [0u8; 128];
        let meta = [("key", "value"), ("é", "🎹")];
        let bytes = encode(&header(), &meta, &mut buf).unwrap();
        let len = bytes.len();
        let req = decode(&buf[..len]).unwrap().resolve(ACTIONS).unwrap();
        assert!(req.action == "my_action");
        let c = req.context;
        assert_eq!((c.velocity, c.note, c.cc, c.value, c.timestamp), (Some(100), Some(60), None, None, 1_234_567_890));
        assert_eq!(c.metadata.len(), 2);
        assert!(c.metadata.get("é").unwrap() == "🎹");
        assert!(c.metadata.get("key").unwrap() == "value");
    }

    #[test]
    fn canonical_note_on_is_small() {
        let mut buf = [0u8; 64];
        let len = encode(&header(), &[("key", "value")], &mut buf).unwrap().len();
        assert_eq!(len, 1 + 2 + 2 + 1 + 1 + 5 + 1 + 4 + 6);
    }

    #[test]
    fn unknown_index_is_unknown_action() {
        let mut buf = [0u8; 64];
        let h = BinaryHeader { action: 3, ..header() };
        let bytes = encode(&h, &[], &mut buf).unwrap();
        assert_eq!(decode(bytes).unwrap().resolve(ACTIONS).unwrap_err(), ErrorCode::UnknownAction);
    }

    #[test]
    fn out_of_range_values_are_invalid_fields() {
        let mut buf = [0u8; 64];
        let h = BinaryHeader { note: Some(128), ..header() };
        let bytes = encode(&h, &[], &mut buf).unwrap();
        assert_eq!(decode(bytes).unwrap_err(), ErrorCode::InvalidField);
    }

    #[test]
    fn malformed_binary() {
        let mut buf = [0u8; 64];
        let len = encode(&header(), &[("k", "v")], &mut buf).unwrap().len();
        for cut in 0..len {
            assert_eq!(decode(&buf[..cut]).unwrap_err(), ErrorCode::MalformedBinary, "cut at {cut}");
        }
        let mut trailing = buf;
        trailing[len] = 0;
        assert_eq!(decode(&trailing[..=len]).unwrap_err(), ErrorCode::MalformedBinary);
        // Invalid UTF-8 in a metadata string.
        let mut bad = buf;
        bad[len - 1] = 0xFF;
        assert_eq!(decode(&bad[..len]).unwrap_err(), ErrorCode::MalformedBinary);
        // A forged huge count.
        let count_at = len - 5;
        let mut forged = buf;
        forged[count_at] = 0x7F;
        assert_eq!(decode(&forged[..len]).unwrap_err(), ErrorCode::MalformedBinary);
        // An option tag other than 0 or 1.
        let mut tag = buf;
        tag[1] = 2;
        assert_eq!(decode(&tag[..len]).unwrap_err(), ErrorCode::MalformedBinary);
    }

    #[test]
    fn too_small_buffer() {
        let mut buf = [0u8; 4];
        assert_eq!(encode(&header(), &[], &mut buf).unwrap_err(), ErrorCode::RequestTooLarge);
    }
}
