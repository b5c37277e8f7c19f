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

mod decode;

use decode::decode_parts;

#[cfg(test)]
use crate::bytes::varint;
use crate::error::ErrorCode;
use crate::json::Text;
use crate::request::{Request, RequestContext, CANONICAL_TIMESTAMP, MIDI_MAX};

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

impl BinaryHeader {
    /// The header of a request for the action at `action` in the declared list, with the MIDI
    /// fields of `context` (its metadata travels apart).
    pub fn for_context(action: u32, context: &RequestContext<'_>) -> BinaryHeader {
        BinaryHeader {
            action,
            velocity: context.velocity,
            note: context.note,
            cc: context.cc,
            value: context.value,
            timestamp: context.timestamp,
        }
    }

    /// The canonical note-on of the README (its metadata, `{"key":"value"}`, travels apart):
    /// the first declared action, velocity 100, note 60, timestamp 1234567890.
    pub const CANONICAL_NOTE_ON: BinaryHeader = BinaryHeader {
        action: 0,
        velocity: Some(100),
        note: Some(60),
        cc: None,
        value: None,
        timestamp: CANONICAL_TIMESTAMP,
    };
}

/// [`CANONICAL_NOTE_ON`](crate::request::CANONICAL_NOTE_ON) as a postcard request: its header
/// [`BinaryHeader::CANONICAL_NOTE_ON`] and its metadata, `{"key":"value"}`.
pub const CANONICAL_NOTE_ON_POSTCARD: &[u8] = &[
    0x00, // action 0
    0x01, 100, // velocity Some(100)
    0x01, 60,   // note Some(60)
    0x00, // cc None
    0x00, // value None
    0xD2, 0x85, 0xD8, 0xCC, 0x04, // timestamp 1234567890 (varint)
    0x01, // one metadata pair
    0x03, b'k', b'e', b'y', 0x05, b'v', b'a', b'l', b'u', b'e',
];

// The decoder finds MIDI values out of range by their high bit.
const _: () = assert!(MIDI_MAX == 0x7F);

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
        let name = actions
            .get(self.action_index as usize)
            .ok_or(ErrorCode::UnknownAction)?;
        Ok(Request {
            action: Text::plain(name),
            context: self.context,
        })
    }
}

/// Decodes and fully validates a binary request. Zero-copy: metadata strings borrow `bytes`.
///
/// The decoder reads postcard's wire format directly instead of going through serde: the
/// result is the same (see the tests, which decode postcard's own output) and a plugin links
/// a few hundred bytes instead of serde's visitor machinery.
pub fn decode(bytes: &[u8]) -> Result<BinaryRequest<'_>, ErrorCode> {
    let (action_index, context) = decode_parts(bytes)?;
    Ok(BinaryRequest {
        action_index,
        context,
    })
}

/// [`decode`], then the action index resolved against the plugin's declared `actions`: the
/// index and the request, for dispatch by index. An index past the end is
/// [`ErrorCode::UnknownAction`], once the rest of the request is known to be valid.
pub fn decode_in<'a>(
    bytes: &'a [u8],
    actions: &[&'a str],
) -> Result<(usize, Request<'a>), ErrorCode> {
    decode_request(bytes, actions)
}

/// [`decode_in`], inlined into the guest runtime's `execute_postcard`: the request then stays in
/// its frame, written once where the handler reads it, instead of travelling through a
/// `Result` in memory from an out-of-line call.
#[inline(always)]
pub(crate) fn decode_request<'a>(
    bytes: &'a [u8],
    actions: &[&'a str],
) -> Result<(usize, Request<'a>), ErrorCode> {
    let (index, context) = decode_parts(bytes)?;
    let index = index as usize;
    let name = actions.get(index).ok_or(ErrorCode::UnknownAction)?;
    Ok((
        index,
        Request {
            action: Text::plain(name),
            context,
        },
    ))
}

/// Reads the header fields in postcard's encoding of [`BinaryHeader`] (for tests).
#[cfg(test)]
fn take_header(cursor: &mut &[u8]) -> Option<BinaryHeader> {
    let mut pos = 0;
    let bytes = *cursor;
    let action = varint(bytes, &mut pos, 32)? as u32;
    let mut midi = [None; 4];
    for slot in &mut midi {
        match bytes.get(pos)? {
            0 => pos += 1,
            1 => {
                *slot = Some(*bytes.get(pos + 1)?);
                pos += 2;
            }
            _ => return None,
        }
    }
    let timestamp = varint(bytes, &mut pos, 64)?;
    *cursor = &bytes[pos..];
    let [velocity, note, cc, value] = midi;
    Some(BinaryHeader {
        action,
        velocity,
        note,
        cc,
        value,
        timestamp,
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
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub fn encode_to_vec(header: &BinaryHeader, metadata: &[(&str, &str)]) -> std::vec::Vec<u8> {
    // Serializing plain integers and strings into a growable vector cannot fail.
    postcard::to_allocvec(&(header, metadata)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["my_action", "velocity_curve", "note_filter"];

    fn header() -> BinaryHeader {
        BinaryHeader::CANONICAL_NOTE_ON
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
        assert_eq!(
            (c.velocity, c.note, c.cc, c.value, c.timestamp),
            (Some(100), Some(60), None, None, 1_234_567_890)
        );
        assert_eq!(c.metadata.len(), 2);
        assert!(c.metadata.get("é").unwrap() == "🎹");
        assert!(c.metadata.get("key").unwrap() == "value");
    }

    #[test]
    fn canonical_note_on_is_small() {
        let mut buf = [0u8; 64];
        let bytes = encode(&header(), crate::request::CANONICAL_METADATA, &mut buf).unwrap();
        // The bytes the README documents, and the JSON request's values.
        assert_eq!(bytes, CANONICAL_NOTE_ON_POSTCARD);
        assert_eq!(bytes.len(), 23);
        let json = crate::request::parse_request(crate::request::CANONICAL_NOTE_ON.as_bytes());
        let postcard = decode(CANONICAL_NOTE_ON_POSTCARD)
            .unwrap()
            .resolve(ACTIONS)
            .unwrap();
        let (json, postcard) = (json.unwrap(), postcard);
        assert!(json.action == "my_action" && postcard.action == "my_action");
        assert_eq!(
            BinaryHeader::for_context(0, &json.context),
            BinaryHeader::for_context(0, &postcard.context)
        );
        assert!(postcard
            .context
            .metadata
            .iter()
            .eq(json.context.metadata.iter()));
    }

    #[test]
    fn unknown_index_is_unknown_action() {
        let mut buf = [0u8; 64];
        let h = BinaryHeader {
            action: 3,
            ..header()
        };
        let bytes = encode(&h, &[], &mut buf).unwrap();
        assert_eq!(
            decode(bytes).unwrap().resolve(ACTIONS).unwrap_err(),
            ErrorCode::UnknownAction
        );
    }

    #[test]
    fn out_of_range_values_are_invalid_fields() {
        let mut buf = [0u8; 64];
        let h = BinaryHeader {
            note: Some(128),
            ..header()
        };
        let bytes = encode(&h, &[], &mut buf).unwrap();
        assert_eq!(decode(bytes).unwrap_err(), ErrorCode::InvalidField);
    }

    #[test]
    fn malformed_binary() {
        let mut buf = [0u8; 64];
        let len = encode(&header(), &[("k", "v")], &mut buf).unwrap().len();
        for cut in 0..len {
            assert_eq!(
                decode(&buf[..cut]).unwrap_err(),
                ErrorCode::MalformedBinary,
                "cut at {cut}"
            );
        }
        let mut trailing = buf;
        trailing[len] = 0;
        assert_eq!(
            decode(&trailing[..=len]).unwrap_err(),
            ErrorCode::MalformedBinary
        );
        // Invalid UTF-8 in a metadata string.
        let mut bad = buf;
        bad[len - 1] = 0xFF;
        assert_eq!(decode(&bad[..len]).unwrap_err(), ErrorCode::MalformedBinary);
        // A forged huge count.
        let count_at = len - 5;
        assert_eq!(buf[count_at], 1);
        let mut forged = buf;
        forged[count_at] = 0x7F;
        assert_eq!(
            decode(&forged[..len]).unwrap_err(),
            ErrorCode::MalformedBinary
        );
        // An option tag other than 0 or 1.
        let mut tag = buf;
        tag[1] = 2;
        assert_eq!(decode(&tag[..len]).unwrap_err(), ErrorCode::MalformedBinary);
    }

    #[test]
    fn header_decoder_agrees_with_postcard() {
        let headers = [
            header(),
            BinaryHeader::default(),
            BinaryHeader {
                action: u32::MAX,
                velocity: Some(0),
                note: None,
                cc: Some(127),
                value: Some(64),
                timestamp: u64::MAX,
            },
        ];
        for h in headers {
            let mut buf = [0u8; 64];
            let bytes = postcard::to_slice(&h, &mut buf).unwrap();
            let mut cursor: &[u8] = bytes;
            assert_eq!(take_header(&mut cursor), Some(h));
            assert!(cursor.is_empty());
            let (theirs, _) = postcard::take_from_bytes::<BinaryHeader>(bytes).unwrap();
            assert_eq!(theirs, h);
        }
    }

    #[test]
    fn too_small_buffer() {
        let mut buf = [0u8; 4];
        assert_eq!(
            encode(&header(), &[], &mut buf).unwrap_err(),
            ErrorCode::RequestTooLarge
        );
    }
}
