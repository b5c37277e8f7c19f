//! A MIDIMon plugin in a few KB: the template to copy.
//!
//! Everything ABI-shaped (the exports, pointer checks, strict request parsing, unknown action →
//! 3) comes from [`core_abi::midimon_plugin!`]; this file holds the metadata and this crate's
//! [`actions`] module holds the behaviour, one function per action. Edit those two.
//!
//! Build: `make build-release` (or `cargo build -p template-nostd --target
//! wasm32-unknown-unknown --profile plugin`); a copy outside the kit builds to the same bytes with
//! `cargo build --release` (the kit's README says how; `host-check new` starts a fresh plugin). The same [`actions`] code compiles for firmware
//! (`thumbv7em-none-eabihf`), where no exports are generated and requests go through
//! [`core_abi::guest::handle_json`] / [`core_abi::guest::handle_binary`].
#![no_std]

// A cdylib built for a hosted target (e.g. `cargo build` on the workstation) needs std's panic
// machinery; wasm32 and bare-metal builds stay `no_std`.
#[cfg(not(any(target_arch = "wasm32", target_os = "none")))]
extern crate std;

pub mod actions;

/// Bump arena by default: O(1), reset after every request, a few dozen bytes of code.
#[cfg(all(target_arch = "wasm32", not(feature = "dlmalloc")))]
type Allocator = core_abi::guest::BumpArena;
/// dlmalloc with `--features dlmalloc`, for plugins that free memory in any order.
#[cfg(all(target_arch = "wasm32", feature = "dlmalloc"))]
type Allocator = core_abi::guest::Dlmalloc;

core_abi::midimon_plugin! {
    name: "template-nostd",
    version: "0.1.0",
    description: "MIDIMon plugin template: no_std, a few KB",
    author: "midimon-plugin-kit",
    license: "MIT OR Apache-2.0",
    actions: {
        "my_action" => actions::my_action,
        "velocity_curve" => actions::velocity_curve,
        "note_filter" => actions::note_filter,
    },
    capabilities: [],
    allocator: Allocator,
}

/// No formatting machinery in the binary: a panic (which the code is written never to reach)
/// is a trap, not a message.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
