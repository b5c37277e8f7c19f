//! The parsed request: plain fields and views that borrow from the body, so a handler reads
//! them without anything having been copied.

use super::params::Params;
use crate::json::Text;

/// Largest value of a MIDI data byte (`velocity`, `note`, `cc`, `value`).
pub const MIDI_MAX: u8 = 127;

/// One request: which action to run, and the MIDI event that triggered it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The action's name, matched exactly and case-sensitively against the declared actions.
    pub action: Text<'a>,
    /// The event and the mapping's parameters.
    pub context: RequestContext<'a>,
}

/// The MIDI event behind a request, plus the parameters of the MIDIMon mapping.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestContext<'a> {
    /// Note-on/off velocity, 0..=127.
    pub velocity: Option<u8>,
    /// Note number, 0..=127.
    pub note: Option<u8>,
    /// Controller number of a CC event, 0..=127.
    pub cc: Option<u8>,
    /// Controller value of a CC event, 0..=127.
    pub value: Option<u8>,
    /// Host timestamp (MIDIMon `f4f371c` sends milliseconds since the Unix epoch); 0 when absent.
    pub timestamp: u64,
    /// String parameters from the mapping's `params`.
    pub metadata: Params<'a>,
}
