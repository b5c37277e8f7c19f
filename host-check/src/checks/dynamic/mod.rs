//! Dynamic checks: running the plugin, under the budgets, first the way MIDIMon does, then the
//! way the template README's host does.
//!
//! Static checks say a module has the right shape; only running it shows that `init` returns
//! metadata MIDIMon accepts, that the actions answer MIDIMon's own requests (in its flow, see
//! [`crate::daemon_flow`]), and, as the README asks, that every declared action answers note and CC
//! events, that the plugin survives what a buggy or hostile host could send, and how much fuel
//! and time the timing-critical note path costs. Failures of the README-flow checks are
//! warnings ([`Finding::as_conformance`](crate::report::Finding::as_conformance)), except budgets the user set. Everything here goes
//! through the shared [`runner`](crate::runner), so each call is budgeted and each failure
//! classified.
//!
//! The first instance gets WASI only if the module imports it, and no sandbox directory,
//! because the capabilities are not known before `init` returns the metadata; it has one fuel
//! budget for its start function and `init`, as MIDIMon's. Later instances get the grants the
//! metadata declares. README-flow instances call `init` first, as that host does; an instance
//! that traps is discarded and a fresh one is made for the next check. The note path runs on an
//! instance of its own, so that its memory figures are not inflated by the 1 MiB malformed
//! request.

//!
//! The files, each using only those above it: `session` (instances and recorded calls), `init`,
//! `alloc`, `actions`, `malformed`, `note_path` and `daemon` (one group of checks each), and
//! `driver` ([`run`], their order).

mod actions;
mod alloc;
mod daemon;
mod driver;
mod init;
mod malformed;
mod note_path;
mod session;

pub use driver::{run, ActionSources};
