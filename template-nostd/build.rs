//! Link settings for the wasm plugin.
//!
//! rustc gives wasm32 modules a 1 MiB stack, which every instance then carries as 16 pages of
//! linear memory. The template never recurses (core-abi's parser is iterative, whatever the
//! input; an `execute` uses about 100 bytes of it), so 62 KiB is plenty.
//!
//! Why 62 KiB and not 64: the stack comes first in memory and grows down from its size, the data
//! follows it, and the bump arena (where the host writes the request) starts right after the
//! data. MIDIMon makes a fresh instance for every event, and each 4 KiB host page the event
//! touches first costs a page fault. At 64 KiB the stack's top and the data sat on two pages; at
//! 62 KiB the stack's top, the data (1.3 KB) and the request share one page, and the whole
//! module needs one 64 KiB wasm page instead of two. Measured side by side with `host-check
//! bench` (MIDIMon event p50, fresh instance, five runs): at 64 KiB the template took 24-35 %
//! longer than the do-nothing plugin (`examples/do-nothing`), at 62 KiB 11-13 % (on another
//! machine 20-22 %, and 3-6 % there once `alloc` wrote to that page before reading it: see
//! core-abi's `BumpArena`). A stack overflow still traps (the stack ends at address 0).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=63488");
    }
}
