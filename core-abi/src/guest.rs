//! The guest side of the ABI: everything a plugin needs besides its own handler.
//!
//! [`midimon_plugin!`](crate::midimon_plugin) expands to the exports MIDIMon calls (`init`,
//! `execute`, `alloc`, `dealloc`, the ABI marker and, unless told not to, `execute_postcard`),
//! so a plugin's `lib.rs` holds only its metadata and one [`Handler`] per action, listed once:
//! the macro derives the metadata's `actions` and the dispatch table from the same list. The
//! request checks (pointer bounds, size, strict parsing, unknown action → 3) live here once, so
//! every plugin answers a malformed request with an error code instead of a trap.
//!
//! Two allocators serve `alloc`/`dealloc`: [`BumpArena`] (the default: a few dozen bytes of
//! code, O(1), reset whenever the host has released every block) and, with the `dlmalloc`
//! feature, [`Dlmalloc`] for plugins that free memory in any order.

use crate::error::{result_code, ErrorCode};
use crate::request::Request;

/// One action of a plugin: runs a request that names it.
pub type Handler = fn(&Request<'_>) -> Result<(), ErrorCode>;

/// Largest request `alloc` and `execute` accept, in bytes (16 MiB).
pub const MAX_REQUEST_LEN: usize = 16 << 20;

/// What `alloc`/`dealloc` are built on.
pub trait GuestAllocator {
    /// Returns a block of `size` bytes aligned to 8, or null when memory is exhausted or `size`
    /// exceeds [`MAX_REQUEST_LEN`]. Never traps.
    fn alloc(size: usize) -> *mut u8;
    /// Releases a block returned by `alloc` with the same `size`.
    ///
    /// # Safety
    /// `ptr` and `size` must be exactly a block returned by `alloc` and not yet released. The
    /// ABI puts that duty on the host; a host that breaks it can only corrupt this guest's own
    /// heap, inside the sandbox.
    unsafe fn dealloc(ptr: *mut u8, size: usize);
}

/// Runs a JSON request that is already in a slice: parse, find the action among `actions`,
/// call the handler at the same index in `handlers`. Returns the code `execute` returns.
/// Portable, so native tests and firmware use the same path as the wasm export.
pub fn handle_json(body: &[u8], actions: &[&str], handlers: &[Handler]) -> i32 {
    handle_json_with(body, actions, handlers)
}

/// [`handle_json`] with any [`Dispatch`] for the handlers.
///
/// `midimon_plugin!`'s exports pass a generated one that compares the index with each action's
/// and calls its handler directly (which LTO can inline), instead of a `call_indirect` through
/// a table of handler pointers: the module then has no table for MIDIMon to set up on every
/// fresh instance.
pub fn handle_json_with<D: Dispatch + ?Sized>(body: &[u8], actions: &[&str], handlers: &D) -> i32 {
    // The parser matches the action against `actions` as it reads it: an undeclared action is
    // `UnknownAction` once the body is known to be valid, and the handler is found by the
    // index, with no second pass over the names.
    let mut request = Request {
        action: crate::json::Text::plain(""),
        context: crate::request::RequestContext::default(),
    };
    let index = crate::request::parse_into(body, actions, &mut request);
    result_code(index.and_then(|index| {
        if index >= actions.len() {
            return Err(ErrorCode::UnknownAction);
        }
        handlers.dispatch(index, &request)
    }))
}

/// Runs a postcard request (see [`crate::binary`]) that is already in a slice; its action is
/// an index into `actions` and `handlers`.
pub fn handle_binary(body: &[u8], actions: &[&'static str], handlers: &[Handler]) -> i32 {
    handle_binary_with(body, actions, handlers)
}

/// [`handle_binary`] with any [`Dispatch`] for the handlers (see [`handle_json_with`]).
pub fn handle_binary_with<D: Dispatch + ?Sized>(
    body: &[u8],
    actions: &[&'static str],
    handlers: &D,
) -> i32 {
    // The decoder is inlined here: the request is built once, in this frame, and only when it
    // is valid (no defaults written first, as the JSON path must for its optional fields).
    let request = crate::binary::decode_request(body, actions);
    result_code(request.and_then(|(index, request)| handlers.dispatch(index, &request)))
}

/// Runs the handler of the action a request matched, by its index in the declared `actions`.
pub trait Dispatch {
    /// Calls the handler at `index`; an index without a handler is
    /// [`ErrorCode::UnknownAction`].
    fn dispatch(&self, index: usize, request: &Request<'_>) -> Result<(), ErrorCode>;
}

/// A table of handlers, as `HANDLERS` is: an indirect call through the table.
impl Dispatch for [Handler] {
    fn dispatch(&self, index: usize, request: &Request<'_>) -> Result<(), ErrorCode> {
        match self.get(index) {
            Some(handler) => handler(request),
            None => Err(ErrorCode::UnknownAction),
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use core::arch::wasm32::{memory_grow, memory_size};
    use core::cell::Cell;

    use super::{Dispatch, GuestAllocator, MAX_REQUEST_LEN};
    use crate::error::ErrorCode;

    const PAGE: usize = 65536;

    /// `execute`: reads the request at `ptr..ptr+len` and runs it as JSON.
    pub fn execute_json<D: Dispatch + ?Sized>(
        ptr: u32,
        len: u32,
        actions: &[&str],
        handlers: &D,
    ) -> i32 {
        match guest_bytes(ptr, len) {
            Ok(body) => super::handle_json_with(body, actions, handlers),
            Err(e) => e.code(),
        }
    }

    /// `execute_postcard`: reads the request at `ptr..ptr+len` and runs it as postcard.
    pub fn execute_binary<D: Dispatch + ?Sized>(
        ptr: u32,
        len: u32,
        actions: &[&'static str],
        handlers: &D,
    ) -> i32 {
        match guest_bytes(ptr, len) {
            Ok(body) => super::handle_binary_with(body, actions, handlers),
            Err(e) => e.code(),
        }
    }

    /// The request bytes, after checking they lie inside linear memory.
    // Inlined into both exports: the `Result` then stays in locals instead of going through
    // the stack frame (fewer instructions per request, and fewer bytes).
    #[inline(always)]
    fn guest_bytes(ptr: u32, len: u32) -> Result<&'static [u8], ErrorCode> {
        if len as usize > MAX_REQUEST_LEN {
            return Err(ErrorCode::RequestTooLarge);
        }
        if len == 0 {
            return Ok(&[]);
        }
        // Null and out of bounds in one compare: the last byte, `ptr - 1 + len`, must lie
        // inside memory. With `ptr - 1` wrapping, null puts it at 2^32 or above (`len` is at
        // least 1 here), past any wasm32 memory (at most 65,536 pages of 64 KiB); one
        // instruction fewer than a separate test for null.
        let last = u64::from(ptr.wrapping_sub(1)) + u64::from(len);
        if last >= memory_size(0) as u64 * PAGE as u64 {
            return Err(ErrorCode::BadPointer);
        }
        // SAFETY: `ptr` is not null (null failed the compare above). Told to the compiler,
        // which otherwise keeps a test for it: a null slice pointer is the `Err` of the
        // `Result` this returns.
        unsafe { core::hint::assert_unchecked(ptr != 0) };
        // SAFETY: `ptr..ptr + len` is non-null and inside linear memory (checked above), and
        // all of linear memory is initialised, readable bytes. The host wrote the request there
        // and neither it nor the guest writes to it while `execute` runs, so the shared borrow
        // holds.
        Ok(unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) })
    }

    /// Guest state that is only touched from the one wasm thread.
    struct SingleThreaded<T>(T);

    // SAFETY: this module only compiles for wasm32, and without the `atomics` target feature a
    // wasm32 instance runs on exactly one thread; nothing can observe the `Cell`s concurrently.
    #[cfg(not(target_feature = "atomics"))]
    unsafe impl<T> Sync for SingleThreaded<T> {}

    /// `(live, touch)`: the number of blocks handed out and not yet released, and a byte
    /// `alloc` only ever writes (see [`BumpArena`]).
    static ARENA: SingleThreaded<(Cell<usize>, Cell<u8>)> =
        SingleThreaded((Cell::new(0), Cell::new(0)));

    /// The arena's first free byte: `__heap_base` before the first allocation.
    // Starts at `__heap_base` (a pointer: the linker's address is no constant integer) rather
    // than at 0, so `alloc` needs no `max` with it (alloc fuel 56 -> 50, 18 bytes of code). On
    // its own, as its 4 bytes are the only initialised state (a data segment of 4 bytes, 5 of
    // header; in `ARENA`, the segment would hold all 12).
    static TOP: SingleThreaded<Cell<*const u8>> = SingleThreaded(Cell::new(&raw const __heap_base));

    extern "C" {
        /// First byte after the module's static data, placed by the linker (wasm-ld).
        static __heap_base: u8;
    }

    fn heap_base() -> usize {
        // Only the address of the linker-defined symbol is taken; it is never read.
        core::ptr::addr_of!(__heap_base) as usize
    }

    /// Bump allocator over the memory above the module's data.
    ///
    /// `alloc` moves a pointer up (growing memory when needed); `dealloc` of the newest block
    /// moves it back, and once every block is released the arena starts again from the bottom.
    /// The host's alloc → execute → dealloc cycle therefore reuses the same bytes forever.
    /// A `dealloc` of a pointer outside the live region (null, foreign, unaligned, or freed
    /// twice after a reset) is ignored. What the arena cannot tell without per-block records:
    /// a second dealloc of an older block while a newer one is still live counts twice.
    ///
    /// Cost model of a fresh instance (MIDIMon makes one per event, and `alloc` is its first
    /// call): the arena's state shares a page with the module's data, which the instance
    /// starts with as a copy-on-write mapping of the module's image. Measured on wasmtime 48
    /// (Linux, x86_64), an `alloc` whose first access to that page is a read costs about 5 µs
    /// more per event than one whose first access is a write, a sixth of the whole event; so
    /// `alloc` first writes a byte it never reads (3 instructions), then reads its state.
    pub struct BumpArena;

    impl GuestAllocator for BumpArena {
        fn alloc(size: usize) -> *mut u8 {
            let ((live, touch), top) = (&ARENA.0, &TOP.0);
            // SAFETY: `touch` is a live, aligned `u8` of this single-threaded module (see
            // `SingleThreaded`); a volatile write so that it is neither dropped as dead nor
            // moved after the reads below.
            unsafe { core::ptr::write_volatile(touch.as_ptr(), 0) };
            if size > MAX_REQUEST_LEN {
                return core::ptr::null_mut();
            }
            // Rounded up to 8 as `(base + 7) & !7`: one overflow test, where
            // `checked_next_multiple_of` tests the remainder, then the sum, then selects (7
            // instructions more when `base` is aligned, as it is on a fresh instance).
            let start = (top.get() as usize).checked_add(7).map(|s| s & !7);
            let Some((start, end)) = start.and_then(|s| Some((s, s.checked_add(size)?))) else {
                return core::ptr::null_mut();
            };
            // Compared in pages: the page of the block's last byte (`end - 1`, as `start` is at
            // least `heap_base`, above 0) must be below the memory's size, else memory grows by
            // the pages up to it. The same test as `end > size * PAGE` without that product's
            // saturation at 65,536 pages (3 instructions less; alloc 66 -> 56 with the rounding).
            let last_page = (end - 1) / PAGE;
            let pages = memory_size(0);
            if last_page >= pages && memory_grow(0, last_page + 1 - pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            top.set(end as *const u8);
            live.set(live.get() + 1);
            start as *mut u8
        }

        unsafe fn dealloc(ptr: *mut u8, size: usize) {
            let ((live, _), top) = (&ARENA.0, &TOP.0);
            let start = ptr as usize;
            // Only a block the arena could have handed out counts: non-null, 8-aligned, inside
            // `heap_base..top`, with blocks live. Anything else (a null or foreign pointer, a
            // second dealloc after the arena was reset) is ignored, so that a careless host
            // cannot reset the arena under a live block and make two request bodies alias.
            // The end in 64 bits, where `start + size` cannot wrap: two extensions instead of
            // the wrap test's four instructions (5 bytes less).
            let end = start as u64 + size as u64;
            let inside = start != 0
                && start.is_multiple_of(8)
                && start >= heap_base()
                && end <= top.get() as u64
                && live.get() > 0;
            if !inside {
                return;
            }
            let remaining = live.get() - 1;
            live.set(remaining);
            if remaining == 0 {
                top.set(&raw const __heap_base);
            } else if end == top.get() as u64 {
                top.set(ptr);
            }
        }
    }

    /// General-purpose allocator (dlmalloc) for plugins that free in any order.
    #[cfg(feature = "dlmalloc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "dlmalloc")))]
    pub struct Dlmalloc;

    #[cfg(feature = "dlmalloc")]
    impl GuestAllocator for Dlmalloc {
        fn alloc(size: usize) -> *mut u8 {
            // A write first, for the reason given at [`BumpArena`]: dlmalloc's first access to
            // its state would be a read (measured: MIDIMon's event p50 49 -> 43 µs; dlmalloc
            // still grows memory on a fresh instance's first allocation).
            let (_, touch) = &ARENA.0;
            // SAFETY: as in `BumpArena::alloc`.
            unsafe { core::ptr::write_volatile(touch.as_ptr(), 0) };
            if size > MAX_REQUEST_LEN {
                return core::ptr::null_mut();
            }
            let Ok(layout) = core::alloc::Layout::from_size_align(size.max(1), 8) else {
                return core::ptr::null_mut();
            };
            // SAFETY: the layout has a non-zero size, as `GlobalAlloc::alloc` requires.
            unsafe { core::alloc::GlobalAlloc::alloc(&dlmalloc::GlobalDlmalloc, layout) }
        }

        unsafe fn dealloc(ptr: *mut u8, size: usize) {
            let Ok(layout) = core::alloc::Layout::from_size_align(size.max(1), 8) else {
                return;
            };
            if ptr.is_null() {
                return;
            }
            // SAFETY: the caller guarantees (see `GuestAllocator::dealloc`) that `ptr` came from
            // `alloc` with this size, i.e. from dlmalloc with this same layout.
            unsafe { core::alloc::GlobalAlloc::dealloc(&dlmalloc::GlobalDlmalloc, ptr, layout) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["ok", "fail"];

    fn ok(_: &Request<'_>) -> Result<(), ErrorCode> {
        Ok(())
    }

    fn fail(_: &Request<'_>) -> Result<(), ErrorCode> {
        Err(ErrorCode::ActionFailed)
    }

    const HANDLERS: &[Handler] = &[ok, fail];

    #[test]
    fn json_dispatch() {
        assert_eq!(handle_json(br#"{"action":"ok"}"#, ACTIONS, HANDLERS), 0);
        assert_eq!(handle_json(br#"{"action":"fail"}"#, ACTIONS, HANDLERS), 7);
        assert_eq!(handle_json(br#"{"action":"nope"}"#, ACTIONS, HANDLERS), 3);
        assert_eq!(
            handle_json(br#"{"action":"\u006fk"}"#, ACTIONS, HANDLERS),
            0
        );
        assert_eq!(handle_json(b"", ACTIONS, HANDLERS), 2);
        assert_eq!(
            handle_json(br#"{"action":"nope",}"#, ACTIONS, HANDLERS),
            2,
            "syntax is checked before the action"
        );
    }

    #[test]
    fn binary_dispatch() {
        use crate::binary::{encode, BinaryHeader};
        let mut buf = [0u8; 32];
        for (index, expected) in [(0, 0), (1, 7), (2, 3)] {
            let bytes = encode(
                &BinaryHeader {
                    action: index,
                    ..Default::default()
                },
                &[],
                &mut buf,
            )
            .unwrap();
            assert_eq!(handle_binary(bytes, ACTIONS, HANDLERS), expected);
        }
        assert_eq!(handle_binary(&[0xFF], ACTIONS, HANDLERS), 10);
    }
}
