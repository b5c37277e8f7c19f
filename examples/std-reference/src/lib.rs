//! `std-reference`: the benchmark baseline plugin.
//!
//! This crate mirrors the original MIDIMon std plugin template: it targets
//! `wasm32-wasip1`, links `std`, decodes requests with `serde` + `serde_json`
//! into owned `String`s and a `HashMap<String, String>`, and hands memory to the
//! host through a `Vec::with_capacity` + `mem::forget` allocator. It exists so
//! the no_std template can be compared against it (module size, imports, fuel);
//! it is deliberately written the idiomatic std way, neither crippled nor tuned.
//!
//! # ABI
//!
//! * `init() -> u64`: `(ptr << 32) | len` of the UTF-8 JSON plugin metadata.
//! * `execute(ptr: u32, len: u32) -> i32`: runs the JSON request stored at
//!   `ptr..ptr + len` and returns a status code.
//! * `alloc(size: u32) -> *mut u8` / `dealloc(ptr: *mut u8, size: u32)`: guest
//!   memory for the host to write requests into.
//!
//! # Status codes returned by `execute`
//!
//! | code | meaning                                                     |
//! |------|-------------------------------------------------------------|
//! | 0    | success                                                     |
//! | 1    | request bytes are not valid UTF-8                           |
//! | 2    | malformed JSON or wrong field types (any `serde_json` error) |
//! | 3    | unknown action                                              |
//! | 4    | a field is missing or out of range (e.g. `note > 127`)      |
//! | 6    | bad pointer (null with `len > 0`, or the range wraps)       |
//! | 7    | action failed (reserved: none of these actions can fail)    |
//! | 8    | declined (`note_filter` rejected the note)                  |
//!
//! # Actions
//!
//! * `my_action`: succeeds on any valid request.
//! * `velocity_curve`: reshapes `context.velocity` with the curve named by
//!   metadata key `"curve"` (`linear` (default), `soft` or `hard`).
//! * `note_filter`: accepts `context.note` when `min <= note <= max`, with
//!   `min`/`max` read from metadata (decimal `0..=127`, defaults 0 and 127).

use std::collections::HashMap;
use std::mem;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Highest value a MIDI data byte (note, velocity, CC number, CC value) may take.
const MIDI_MAX: u8 = 127;

/// Metadata describing the plugin, returned (as JSON) by [`init`]: the template README's
/// fields plus `license` and `type`, which MIDIMon's daemon requires to load a plugin.
#[derive(Debug, Serialize)]
struct PluginMetadata {
    name: String,
    version: String,
    description: String,
    author: String,
    license: String,
    #[serde(rename = "type")]
    plugin_type: String,
    actions: Vec<String>,
    capabilities: Vec<String>,
}

/// A request sent by the host to [`execute`].
#[derive(Debug, Deserialize)]
struct Request {
    action: String,
    context: Context,
}

/// The MIDI event (and mapping metadata) an action runs against.
#[derive(Debug, Deserialize)]
struct Context {
    velocity: Option<u8>,
    note: Option<u8>,
    cc: Option<u8>,
    value: Option<u8>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "part of the request schema; no action here reads it"
    )]
    timestamp: u64,
    #[serde(default)]
    metadata: HashMap<String, String>,
}

/// Why a request was not carried out; the discriminant is the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
enum Error {
    InvalidUtf8 = 1,
    InvalidJson = 2,
    UnknownAction = 3,
    OutOfRange = 4,
    BadPointer = 6,
    Declined = 8,
}

/// The most recent output of `velocity_curve`, kept so the computation is observable.
static LAST_OUTPUT: AtomicU8 = AtomicU8::new(0);

/// The serialized metadata; built once and kept alive for the whole instance lifetime.
static METADATA: OnceLock<String> = OnceLock::new();

/// Returns the plugin metadata as `(ptr << 32) | len` of a UTF-8 JSON string.
///
/// The string lives in a static, so the pointer stays valid for the lifetime of
/// the instance and the host must not free it.
#[no_mangle]
pub extern "C" fn init() -> u64 {
    let json = METADATA.get_or_init(|| {
        let metadata = PluginMetadata {
            name: "std-reference".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "Baseline plugin mirroring the original MIDIMon std template".to_string(),
            author: "midimon-plugin-kit".to_string(),
            license: "MIT OR Apache-2.0".to_string(),
            plugin_type: "action".to_string(),
            actions: vec![
                "my_action".to_string(),
                "velocity_curve".to_string(),
                "note_filter".to_string(),
            ],
            capabilities: Vec::new(),
        };
        // Serializing plain strings and vectors cannot fail; fall back to an
        // empty string rather than panic if it ever did.
        serde_json::to_string(&metadata).unwrap_or_default()
    });
    ((json.as_ptr() as usize as u64) << 32) | json.len() as u64
}

/// Runs the JSON request stored at `ptr..ptr + len` and returns a status code
/// (0 on success; see the crate documentation for the error codes).
///
/// The host is expected to have written `len` bytes at `ptr`, normally into a
/// buffer obtained from [`alloc`]. A malformed request never panics.
#[no_mangle]
pub extern "C" fn execute(ptr: u32, len: u32) -> i32 {
    match run(ptr, len) {
        Ok(()) => 0,
        Err(err) => err as i32,
    }
}

/// Decodes, validates and dispatches one request.
fn run(ptr: u32, len: u32) -> Result<(), Error> {
    let bytes: &[u8] = if len == 0 {
        &[]
    } else {
        // `from_raw_parts` needs a non-null pointer, a length of at most
        // `isize::MAX`, and a range that does not wrap the address space.
        if ptr == 0 || len > isize::MAX as u32 || ptr.checked_add(len).is_none() {
            return Err(Error::BadPointer);
        }
        // SAFETY: `ptr` is non-null, `len <= isize::MAX` and `ptr + len` does
        // not wrap (all checked above); `u8` has alignment 1. By the ABI
        // contract the host wrote `len` initialised bytes at `ptr` (a buffer
        // from `alloc`) before calling `execute`, and the module is
        // single-threaded with no `&mut` to that buffer alive anywhere, so the
        // bytes are not mutated while this shared slice exists. The slice does
        // not outlive this call.
        unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
    };

    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8)?;
    let request: Request = serde_json::from_str(text).map_err(|_| Error::InvalidJson)?;
    validate(&request.context)?;

    match request.action.as_str() {
        "my_action" => Ok(()),
        "velocity_curve" => velocity_curve(&request.context),
        "note_filter" => note_filter(&request.context),
        _ => Err(Error::UnknownAction),
    }
}

/// Rejects MIDI data bytes above 127 (JSON values above 255 already fail to decode).
fn validate(context: &Context) -> Result<(), Error> {
    let fields = [context.velocity, context.note, context.cc, context.value];
    if fields.iter().flatten().any(|&v| v > MIDI_MAX) {
        return Err(Error::OutOfRange);
    }
    Ok(())
}

/// `velocity_curve`: reshapes the velocity with the curve named in `metadata["curve"]`.
fn velocity_curve(context: &Context) -> Result<(), Error> {
    let v = u32::from(context.velocity.ok_or(Error::OutOfRange)?);
    let max = u32::from(MIDI_MAX);
    let curve = context
        .metadata
        .get("curve")
        .map_or("linear", String::as_str);
    let out = match curve {
        "linear" => v,
        "soft" => max - (max - v) * (max - v) / max,
        "hard" => v * v / max,
        _ => return Err(Error::OutOfRange),
    };
    // `v <= 127`, so every curve yields a value in `0..=127`.
    let out = u8::try_from(out).map_err(|_| Error::OutOfRange)?;
    LAST_OUTPUT.store(out, Ordering::Relaxed);
    Ok(())
}

/// `note_filter`: accepts the note when `metadata["min"] <= note <= metadata["max"]`.
fn note_filter(context: &Context) -> Result<(), Error> {
    let note = context.note.ok_or(Error::OutOfRange)?;
    let min = bound(&context.metadata, "min", 0)?;
    let max = bound(&context.metadata, "max", MIDI_MAX)?;
    if (min..=max).contains(&note) {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

/// Reads an optional decimal bound in `0..=127` from the metadata.
fn bound(metadata: &HashMap<String, String>, key: &str, default: u8) -> Result<u8, Error> {
    match metadata.get(key) {
        None => Ok(default),
        Some(text) => match text.parse::<u8>() {
            Ok(value) if value <= MIDI_MAX => Ok(value),
            _ => Err(Error::OutOfRange),
        },
    }
}

/// Allocates `size` bytes of guest memory for the host (at least 1 byte, so
/// the pointer is always a real allocation) and returns a pointer to them.
///
/// The buffer must be released with [`dealloc`], passing the same `size`.
#[no_mangle]
pub extern "C" fn alloc(size: u32) -> *mut u8 {
    let mut buf: Vec<u8> = Vec::with_capacity(size.max(1) as usize);
    let ptr = buf.as_mut_ptr();
    mem::forget(buf);
    ptr
}

/// Frees a buffer previously returned by [`alloc`].
///
/// A null `ptr` is ignored.
///
/// # Safety
///
/// `ptr` must be null or have been returned by [`alloc`] called with the same
/// `size`, and must not have been freed already.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, size: u32) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per this function's contract `ptr` came from `alloc(size)`, which
    // leaked a `Vec<u8>` built by `Vec::with_capacity(size.max(1))`; for a
    // non-zero-sized element type that constructor allocates exactly the
    // requested capacity (documented `Vec` guarantee), so rebuilding it with
    // that capacity matches the original layout. Length 0 is always
    // initialised, and the caller guarantees the buffer is not freed twice.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, size.max(1) as usize) });
}
