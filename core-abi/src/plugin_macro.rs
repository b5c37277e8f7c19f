//! The `midimon_plugin!` macro: a plugin's whole ABI surface from one declaration.
//!
//! It lives apart from [`crate::guest`] because it is the part plugin authors read: what they
//! write and what it expands to. The runtime pieces it calls (`execute_json`, the allocators)
//! stay in `guest`.
//!
//! Cost model of the one option, `postcard`: the postcard path (`execute_postcard` and its
//! varint and string decoders) is about 1.6 KB of a plugin's code. MIDIMon only ever calls
//! `execute` with JSON, so a plugin meant only for MIDIMon can leave it out with
//! `postcard: false`; link-time optimisation then drops every byte of it.

/// Generates a plugin's exports from its metadata and its actions.
///
/// ```ignore
/// core_abi::midimon_plugin! {
///     name: "my-plugin",
///     version: "0.1.0",
///     description: "What it does",
///     author: "Ada",
///     license: "MIT",
///     actions: {
///         "my_action" => crate::my_action,
///         "velocity_curve" => crate::velocity_curve,
///     },
///     capabilities: [],
///     allocator: core_abi::guest::BumpArena,
///     // Optional, `true` when left out: also export `execute_postcard`, the kit's binary
///     // fast path. MIDIMon sends JSON only; `false` saves about 1.6 KB.
///     postcard: true,
/// }
/// ```
///
/// Each action is written once, with its handler: the macro builds the metadata's `actions`
/// from the names (checked and built at compile time, see
/// [`plugin_metadata_json!`](crate::plugin_metadata_json)) and a table of handlers in the same
/// order, so a request is dispatched by the index its name matched, with no second string
/// compare, and an action without a handler cannot compile. `type` is always `"action"`.
///
/// Always defines `METADATA_JSON`, `ACTIONS` and `HANDLERS`. On wasm32 it also exports `init`,
/// `execute`, `alloc`, `dealloc`, `midimon_abi_v1` and, unless `postcard: false`,
/// `execute_postcard`; on other targets (firmware, native tests) it exports nothing, and
/// requests go through [`handle_json`](crate::guest::handle_json) /
/// [`handle_binary`](crate::guest::handle_binary).
#[macro_export]
macro_rules! midimon_plugin {
    (
        name: $name:literal,
        version: $version:literal,
        description: $description:literal,
        author: $author:literal,
        license: $license:literal,
        actions: { $first:literal => $first_handler:path $(, $action:literal => $handler:path)* $(,)? },
        capabilities: [$($capabilities:tt)*],
        allocator: $allocator:ty
        $(, postcard: $postcard:tt)? $(,)?
    ) => {
        /// The plugin's metadata JSON, built and validated at compile time; `init` returns it.
        pub const METADATA_JSON: &str = $crate::plugin_metadata_json! {
            name: $name,
            version: $version,
            description: $description,
            author: $author,
            license: $license,
            actions: [$first $(, $action)*],
            capabilities: [$($capabilities)*],
        };

        /// The declared actions, in order; a binary request's action index points into it.
        pub const ACTIONS: &[&str] = &[$first $(, $action)*];

        /// The handler of each action in [`ACTIONS`], at the same index, for
        /// `core_abi::guest::handle_json` on native targets and firmware (the wasm exports call
        /// the handlers directly).
        pub const HANDLERS: &[$crate::guest::Handler] = &[$first_handler $(, $handler)*];

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            /// The handlers of [`ACTIONS`], called by index: one comparison and a direct call
            /// per action, so the module needs no table of handler pointers (which MIDIMon would
            /// set up again for every event's fresh instance).
            struct Handlers;

            impl $crate::guest::Dispatch for Handlers {
                // Inlined into both exports: one compare, then a call to the first action's
                // handler or to the others' dispatch, each out of line with its own stack
                // frame if it needs one. A handler that returns a constant (the template's
                // `my_action`, MIDIMon's action) then costs no call and no frame. Two nested
                // functions with distinct names, not one per handler: the linked order of
                // same-named ones follows their symbols' hashes, which differ with the crate's
                // path, and the template must build byte-identical outside the kit. Measured
                // on the template: postcard note-on 395 → 383 fuel, MIDIMon's request 1,649 →
                // 1,636, the second and third actions +4 (JSON) to +7 (postcard), +18 bytes
                // (the whole dispatch forced inline had cost 98 bytes for 19 fuel).
                // In `rest`, `next` is counted up once per further action.
                #[inline(always)]
                fn dispatch(
                    &self,
                    index: usize,
                    request: &$crate::Request<'_>,
                ) -> ::core::result::Result<(), $crate::ErrorCode> {
                    #[inline(never)]
                    fn first(
                        request: &$crate::Request<'_>,
                    ) -> ::core::result::Result<(), $crate::ErrorCode> {
                        $first_handler(request)
                    }
                    #[inline(never)]
                    #[allow(unused_mut, unused_assignments, unused_variables)]
                    fn rest(
                        index: usize,
                        request: &$crate::Request<'_>,
                    ) -> ::core::result::Result<(), $crate::ErrorCode> {
                        let mut next = 0usize;
                        $(
                            next += 1;
                            if index == next {
                                return $handler(request);
                            }
                        )*
                        ::core::result::Result::Err($crate::ErrorCode::UnknownAction)
                    }
                    if index == 0 {
                        first(request)
                    } else {
                        rest(index, request)
                    }
                }
            }

            /// Returns the packed location of [`METADATA_JSON`].
            #[unsafe(no_mangle)]
            pub extern "C" fn init() -> u64 {
                $crate::abi::pack(METADATA_JSON.as_ptr() as u32, METADATA_JSON.len() as u32)
            }

            /// Runs the JSON request at `ptr..ptr+len`.
            #[unsafe(no_mangle)]
            pub extern "C" fn execute(ptr: u32, len: u32) -> i32 {
                $crate::guest::execute_json(ptr, len, ACTIONS, &Handlers)
            }

            $crate::__midimon_execute_postcard!($($postcard)?);

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

/// The `execute_postcard` export of [`midimon_plugin!`], or nothing with `false`.
///
/// A separate macro because `macro_rules!` has no default values: the option's absence and
/// `true` both select the export, and anything but `true`/`false` is a compile error that names
/// the option.
#[doc(hidden)]
#[macro_export]
macro_rules! __midimon_execute_postcard {
    () => {
        $crate::__midimon_execute_postcard!(true);
    };
    (true) => {
        /// Runs the postcard request at `ptr..ptr+len`.
        #[unsafe(no_mangle)]
        pub extern "C" fn execute_postcard(ptr: u32, len: u32) -> i32 {
            $crate::guest::execute_binary(ptr, len, ACTIONS, &Handlers)
        }
    };
    (false) => {};
    ($other:tt) => {
        ::core::compile_error!(::core::concat!(
            "midimon_plugin!: `postcard:` takes `true` or `false`, not `",
            ::core::stringify!($other),
            "`"
        ));
    };
}
