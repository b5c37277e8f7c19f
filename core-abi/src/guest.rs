//! The guest side of the ABI: everything a plugin needs besides its own handler.
//!
//! [`midimon_plugin!`](crate::midimon_plugin) expands to the exports MIDIMon calls (`init`,
//! `execute`, `execute_postcard`, `alloc`, `dealloc` and the ABI marker), so a plugin's `lib.rs`
//! holds only its metadata and a handler `fn(&Request) -> Result<(), ErrorCode>`. The request
//! checks (pointer bounds, size, strict parsing, unknown action → 3) live here once, so every
//! plugin answers a malformed request with an error code instead of a trap.
//!
//! Two allocators serve `alloc`/`dealloc`: [`BumpArena`] (the default: a few dozen bytes of
//! code, O(1), reset whenever the host has released every block) and, with the `dlmalloc`
//! feature, [`Dlmalloc`] for plugins that free memory in any order.

use crate::error::{result_code, ErrorCode};
use crate::request::{parse_request_in, Request};

/// A plugin's request handler.
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

/// Runs a JSON request that is already in a slice: parse, check the action is declared, call
/// the handler. Returns the code `execute` returns. Portable, so native tests and firmware use
/// the same path as the wasm export.
pub fn handle_json(body: &[u8], actions: &[&str], handler: Handler) -> i32 {
    // The parser matches the action against `actions` as it reads it: an undeclared action is
    // `UnknownAction` once the body is known to be valid, with no second pass over the names.
    result_code(parse_request_in(body, actions).and_then(|(_, request)| handler(&request)))
}

/// Runs a postcard request (see [`crate::binary`]) that is already in a slice.
pub fn handle_binary(body: &[u8], actions: &[&'static str], handler: Handler) -> i32 {
    let request = crate::binary::decode_in(body, actions);
    result_code(request.and_then(|(_, request)| handler(&request)))
}

#[cfg(target_arch = "wasm32")]
pub use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use core::arch::wasm32::{memory_grow, memory_size};
    use core::cell::Cell;

    use super::{GuestAllocator, Handler, MAX_REQUEST_LEN};
    use crate::error::ErrorCode;

    const PAGE: usize = 65536;

    /// `execute`: reads the request at `ptr..ptr+len` and runs it as JSON.
    pub fn execute_json(ptr: u32, len: u32, actions: &[&str], handler: Handler) -> i32 {
        match guest_bytes(ptr, len) {
            Ok(body) => super::handle_json(body, actions, handler),
            Err(e) => e.code(),
        }
    }

    /// `execute_postcard`: reads the request at `ptr..ptr+len` and runs it as postcard.
    pub fn execute_binary(ptr: u32, len: u32, actions: &[&'static str], handler: Handler) -> i32 {
        match guest_bytes(ptr, len) {
            Ok(body) => super::handle_binary(body, actions, handler),
            Err(e) => e.code(),
        }
    }

    /// The request bytes, after checking they lie inside linear memory.
    fn guest_bytes(ptr: u32, len: u32) -> Result<&'static [u8], ErrorCode> {
        if len as usize > MAX_REQUEST_LEN {
            return Err(ErrorCode::RequestTooLarge);
        }
        if len == 0 {
            return Ok(&[]);
        }
        let end = u64::from(ptr) + u64::from(len);
        if ptr == 0 || end > memory_size(0) as u64 * PAGE as u64 {
            return Err(ErrorCode::BadPointer);
        }
        // SAFETY: `ptr..end` is non-null and inside linear memory (checked above), and all of
        // linear memory is initialised, readable bytes. The host wrote the request there and
        // neither it nor the guest writes to it while `execute` runs, so the shared borrow holds.
        Ok(unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) })
    }

    /// Guest state that is only touched from the one wasm thread.
    struct SingleThreaded<T>(T);

    // SAFETY: this module only compiles for wasm32, and without the `atomics` target feature a
    // wasm32 instance runs on exactly one thread; nothing can observe the `Cell`s concurrently.
    #[cfg(not(target_feature = "atomics"))]
    unsafe impl<T> Sync for SingleThreaded<T> {}

    /// `(top, live)`: the first free byte (0 before the first allocation) and the number of
    /// blocks handed out and not yet released.
    static ARENA: SingleThreaded<(Cell<usize>, Cell<usize>)> =
        SingleThreaded((Cell::new(0), Cell::new(0)));

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
    pub struct BumpArena;

    impl GuestAllocator for BumpArena {
        fn alloc(size: usize) -> *mut u8 {
            let (top, live) = &ARENA.0;
            if size > MAX_REQUEST_LEN {
                return core::ptr::null_mut();
            }
            let start = top.get().max(heap_base()).checked_next_multiple_of(8);
            let Some((start, end)) = start.and_then(|s| Some((s, s.checked_add(size)?))) else {
                return core::ptr::null_mut();
            };
            let available = memory_size(0).saturating_mul(PAGE);
            if end > available && memory_grow(0, (end - available).div_ceil(PAGE)) == usize::MAX {
                return core::ptr::null_mut();
            }
            top.set(end);
            live.set(live.get() + 1);
            start as *mut u8
        }

        unsafe fn dealloc(ptr: *mut u8, size: usize) {
            let (top, live) = &ARENA.0;
            let remaining = live.get().saturating_sub(1);
            live.set(remaining);
            if remaining == 0 {
                top.set(heap_base());
            } else if (ptr as usize).wrapping_add(size) == top.get() {
                top.set(ptr as usize);
            }
        }
    }

    /// General-purpose allocator (dlmalloc) for plugins that free in any order.
    #[cfg(feature = "dlmalloc")]
    pub struct Dlmalloc;

    #[cfg(feature = "dlmalloc")]
    impl GuestAllocator for Dlmalloc {
        fn alloc(size: usize) -> *mut u8 {
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

/// Generates a plugin's exports from its metadata and handler.
///
/// ```ignore
/// core_abi::midimon_plugin! {
///     name: "my-plugin",
///     version: "0.1.0",
///     description: "What it does",
///     author: "Ada",
///     actions: ["my_action"],
///     capabilities: [],
///     allocator: core_abi::guest::BumpArena,
///     handler: crate::handle,
/// }
/// ```
///
/// Always defines `METADATA_JSON` (checked and built at compile time, see
/// [`plugin_metadata_json!`](crate::plugin_metadata_json)) and `ACTIONS`. On wasm32 it also
/// exports `init`, `execute`, `execute_postcard`, `alloc`, `dealloc` and `midimon_abi_v1`;
/// on other targets (firmware, native tests) it exports nothing, and the handler is called
/// through [`handle_json`] / [`handle_binary`].
#[macro_export]
macro_rules! midimon_plugin {
    (
        name: $name:literal,
        version: $version:literal,
        description: $description:literal,
        author: $author:literal,
        actions: [$first:literal $(, $action:literal)* $(,)?],
        capabilities: [$($capabilities:tt)*],
        allocator: $allocator:ty,
        handler: $handler:path $(,)?
    ) => {
        /// The plugin's metadata JSON, built and validated at compile time; `init` returns it.
        pub const METADATA_JSON: &str = $crate::plugin_metadata_json! {
            name: $name,
            version: $version,
            description: $description,
            author: $author,
            actions: [$first $(, $action)*],
            capabilities: [$($capabilities)*],
        };

        /// The declared actions, in order; a binary request's action index points into it.
        pub const ACTIONS: &[&str] = &[$first $(, $action)*];

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            /// Returns the packed location of [`METADATA_JSON`].
            #[unsafe(no_mangle)]
            pub extern "C" fn init() -> u64 {
                $crate::abi::pack(METADATA_JSON.as_ptr() as u32, METADATA_JSON.len() as u32)
            }

            /// Runs the JSON request at `ptr..ptr+len`.
            #[unsafe(no_mangle)]
            pub extern "C" fn execute(ptr: u32, len: u32) -> i32 {
                $crate::guest::execute_json(ptr, len, ACTIONS, $handler)
            }

            /// Runs the postcard request at `ptr..ptr+len`.
            #[unsafe(no_mangle)]
            pub extern "C" fn execute_postcard(ptr: u32, len: u32) -> i32 {
                $crate::guest::execute_binary(ptr, len, ACTIONS, $handler)
            }

            /// Reserves `size` bytes for the host; 0 when memory is exhausted.
            #[unsafe(no_mangle)]
            pub extern "C" fn alloc(size: u32) -> u32 {
                <$allocator as $crate::guest::GuestAllocator>::alloc(size as usize) as usize as u32
            }

            /// Releases a block returned by `alloc`.
            #[unsafe(no_mangle)]
            pub extern "C" fn dealloc(ptr: u32, size: u32) {
                // SAFETY: the ABI obliges the host to pass back exactly a block `alloc` returned;
                // a host that does not can only corrupt this guest's own heap, in the sandbox.
                unsafe {
                    <$allocator as $crate::guest::GuestAllocator>::dealloc(ptr as usize as *mut u8, size as usize)
                }
            }

            /// ABI marker: tells hosts this plugin speaks ABI version 1.
            #[unsafe(no_mangle)]
            pub extern "C" fn midimon_abi_v1() {}
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: &[&str] = &["ok", "fail"];

    fn handler(request: &Request<'_>) -> Result<(), ErrorCode> {
        if request.action == "fail" {
            Err(ErrorCode::ActionFailed)
        } else {
            Ok(())
        }
    }

    #[test]
    fn json_dispatch() {
        assert_eq!(handle_json(br#"{"action":"ok"}"#, ACTIONS, handler), 0);
        assert_eq!(handle_json(br#"{"action":"fail"}"#, ACTIONS, handler), 7);
        assert_eq!(handle_json(br#"{"action":"nope"}"#, ACTIONS, handler), 3);
        assert_eq!(handle_json(br#"{"action":"\u006fk"}"#, ACTIONS, handler), 0);
        assert_eq!(handle_json(b"", ACTIONS, handler), 2);
        assert_eq!(
            handle_json(br#"{"action":"nope",}"#, ACTIONS, handler),
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
            assert_eq!(handle_binary(bytes, ACTIONS, handler), expected);
        }
        assert_eq!(handle_binary(&[0xFF], ACTIONS, handler), 10);
    }
}
