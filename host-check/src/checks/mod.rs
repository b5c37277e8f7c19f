//! What host-check thinks of a plugin: every check that turns a fact into a [`Finding`].
//!
//! The facts come from below ([`crate::module`] reads the module, [`crate::runner`] runs it);
//! the checks here judge them, one module per idea:
//!
//! - [`exports`]: `memory` and the ABI's function exports with exact signatures, and the
//!   optional ABI version marker;
//! - [`imports`]: only real WASI preview 1 functions, and capability-gated ones only with the
//!   capability declared;
//! - [`size`]: the module's size, raw and after `wasm-opt -Oz`, against the budgets;
//! - [`config`]: a MIDIMon `config.toml` cross-checked against the plugin's declared actions;
//! - [`dynamic`]: the checks that run the plugin (instantiation, `init`, the daemon's flow, then
//!   the README's request cycle).
//!
//! [`crate::check`] calls them in that order and gathers one report. Each check returns every
//! problem it finds, so that a plugin author sees all of them in one run instead of one per
//! run, but never more than [`MAX_LISTED`] of one kind ([`cap_findings`]).

pub mod config;
pub mod dynamic;
pub mod exports;
pub mod imports;
pub mod size;

use crate::report::Finding;

/// Most problems of one kind listed one by one; the rest are counted in one more line, so that
/// a module with 100,000 bad imports yields a report of a few lines, not megabytes.
pub const MAX_LISTED: usize = 10;

/// `findings` cut to [`MAX_LISTED`], plus one line counting the rest (`what` names them, e.g.
/// "imports with a problem").
pub fn cap_findings(mut findings: Vec<Finding>, id: &str, what: &str) -> Vec<Finding> {
    if findings.len() > MAX_LISTED {
        let more = findings.len() - MAX_LISTED;
        findings.truncate(MAX_LISTED);
        findings.push(Finding::fail(
            id,
            format!(
                "... and {} more {what} (only the first {MAX_LISTED} are listed)",
                crate::fmt::group(more as u64)
            ),
        ));
    }
    findings
}
