//! Link settings for the wasm plugin.
//!
//! rustc gives wasm32 modules a 1 MiB stack, which every instance then carries as 16 pages of
//! linear memory. The template never recurses (core-abi's parser is iterative, whatever the
//! input), so 64 KiB is plenty and each loaded plugin costs a fraction of the memory.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=65536");
    }
}
