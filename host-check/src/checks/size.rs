//! `size` and `size.optimized`: the module's bytes against the size budgets.
//!
//! The raw size is what MIDIMon reads from disk and compiles; the size after `wasm-opt -Oz`
//! ([`crate::optimize`]) is what a plugin author can ship, so it has its own budget, measured
//! only when that budget is set (running wasm-opt costs seconds on a big module).

use crate::fmt::group;
use crate::optimize;
use crate::report::{Finding, Unit};
use crate::settings::Settings;

/// `size` and `size.optimized`, and the optimized size when it was measured.
pub fn size_checks(wasm: &[u8], budgets: &Settings) -> (Vec<Finding>, Option<u64>) {
    let size = wasm.len() as u64;
    let mut measured = None;
    let mut findings = vec![match budgets.thresholds.max_size {
        Some(max) if size > max => Finding::fail(
            "size",
            format!(
                "the module is {} bytes, over the budget of {} (--max-size)",
                group(size),
                group(max)
            ),
        ),
        Some(max) => Finding::pass(
            "size",
            format!("{} bytes (budget {})", group(size), group(max)),
        ),
        None => Finding::pass(
            "size",
            format!("{} bytes (no --max-size budget)", group(size)),
        ),
    }
    .measured(size, budgets.thresholds.max_size, Unit::Bytes)];
    findings.push(match budgets.thresholds.max_size_optimized {
        None => Finding::skip("size.optimized", "no --max-size-optimized budget"),
        Some(max) => match optimize::optimize(wasm) {
            Err(e) => Finding::fail("size.optimized", e.to_string()),
            Ok(optimized) => {
                let optimized = optimized.len() as u64;
                measured = Some(optimized);
                let finding = if optimized > max {
                    Finding::fail(
                        "size.optimized",
                        format!(
                            "after wasm-opt -Oz the module is {} bytes, over the budget of {} (--max-size-optimized)",
                            group(optimized),
                            group(max)
                        ),
                    )
                } else {
                    Finding::pass(
                        "size.optimized",
                        format!(
                            "{} bytes after wasm-opt -Oz (budget {})",
                            group(optimized),
                            group(max)
                        ),
                    )
                };
                finding.measured(optimized, Some(max), Unit::Bytes)
            }
        },
    });
    (findings, measured)
}
