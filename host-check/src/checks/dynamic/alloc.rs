//! `alloc`, `alloc.zero` and `alloc.huge`: the allocator answers a typical request size, a
//! zero size and a size past any memory budget without trapping.

use std::time::Instant;

use super::session::Session;
use crate::fmt::group;
use crate::report::{Finding, Report};
use crate::requests::{request_json, Event};
use crate::runner::CallError;

/// A guest allocation far beyond any memory budget: `alloc` must refuse it without trapping.
pub const HUGE_ALLOC: u32 = 0x7fff_ffff;

/// `alloc`, `alloc.zero`, `alloc.huge`.
pub(super) fn alloc_checks(session: &mut Session<'_>, action_len: usize, report: &mut Report) {
    // The size of a typical request, so that this is the allocation MIDIMon really makes.
    let len = u32::try_from(request_json("", Event::NoteOn).len() + action_len).unwrap_or(256);
    let normal = session
        .call("alloc", |i| {
            let (ptr, _) = i.alloc(len).map_err(|e| ("alloc", e))?;
            if ptr == 0 {
                return Err(("alloc", CallError::NullPointer { len }));
            }
            let memory_size = i.memory_size();
            if u64::from(ptr) + u64::from(len) > memory_size {
                let e = CallError::OutOfBounds {
                    what: "alloc",
                    ptr,
                    len,
                    memory_size,
                };
                return Err(("alloc", e));
            }
            i.dealloc(ptr, len).map_err(|e| ("dealloc", e))?;
            Ok(ptr)
        })
        .map(|ptr| format!("alloc({len}) returned {ptr:#x}, inside memory; dealloc returned"));
    report.push(match normal {
        Ok(detail) => Finding::pass("alloc", detail),
        Err(failure) => failure.finding("alloc"),
    });

    let zero = session.call("alloc.zero", |i| {
        let (ptr, _) = i.alloc(0).map_err(|e| ("alloc(0)", e))?;
        i.dealloc(ptr, 0).map_err(|e| ("dealloc", e))?;
        Ok(ptr)
    });
    report.push(match zero {
        Ok(ptr) => Finding::pass(
            "alloc.zero",
            format!("alloc(0) returned {ptr:#x}; dealloc returned"),
        ),
        Err(failure) => failure.finding("alloc.zero"),
    });

    let id = "alloc.huge";
    let huge = match session.get(id) {
        Err(failure) => failure.finding(id),
        Ok(instance) => {
            let started = Instant::now();
            let result = instance.alloc(HUGE_ALLOC);
            let memory = instance.memory_size();
            if let Err(e) = &result {
                session.record(id, e, started.elapsed());
            }
            match result {
                Ok((0, _)) => Finding::pass(id, format!("alloc({HUGE_ALLOC}) returned 0")),
                Ok((ptr, _)) if u64::from(ptr) + u64::from(HUGE_ALLOC) > memory => Finding::warn(
                    id,
                    format!(
                        "alloc({HUGE_ALLOC}) returned {ptr:#x}, but memory is only {} bytes: the allocator does not check that the block fits",
                        group(memory)
                    ),
                ),
                Ok((ptr, _)) => Finding::pass(id, format!("alloc({HUGE_ALLOC}) returned {ptr:#x}")),
                Err(CallError::MemoryLimit { trapped: false, .. }) => Finding::pass(
                    id,
                    format!("alloc({HUGE_ALLOC}) was refused: its memory growth was denied"),
                ),
                Err(
                    e @ (CallError::OutOfFuel { .. }
                    | CallError::TimedOut { .. }
                    | CallError::CheckTimeSpent { .. }),
                ) => {
                    Finding::fail(id, format!("alloc({HUGE_ALLOC}): {e}"))
                }
                Err(e) => Finding::warn(
                    id,
                    format!(
                        "alloc({HUGE_ALLOC}) does not return 0 but fails: {e}; MIDIMon never asks for that much, but a huge request would kill the instance (Rust's default allocation-error handler aborts)"
                    ),
                ),
            }
        }
    };
    report.push(huge);
}
