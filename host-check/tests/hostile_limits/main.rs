//! host-check is bounded in time, memory and disk on every input, and cleans up after itself
//! (issue #10). Each test builds a small hostile input (a compile bomb, a FIFO, a WASI call
//! that takes seconds, a disk filler, an import list that amplifies into the report ...) and
//! asserts the exact outcome; the limits are passed tight by flag so that every case is fast.
//! Timings are never asserted: the bound is the limit named in the message.

mod compile;
mod disk;
mod input;
mod output;
mod time;
// The suite is a folder, one file per kind of limit, so the shared helpers are named by path.
#[path = "../common/mod.rs"]
mod common;

use common::{check_bytes, check_fixture, host_check, run_with_env, Fixture, TempFile};
use host_check::control_flow::{MAX_CONTROL_BLOCKS, MAX_CONTROL_DEPTH};

/// A plugin whose `execute` body is `body` (the rest of the good fixture).
pub(crate) fn with_execute(body: &str) -> Fixture {
    Fixture {
        execute: format!("{body} (i32.const 0)"),
        ..Fixture::default()
    }
}

/// The good fixture with WASI imports and a metadata `capabilities` list.
pub(crate) fn wasi_fixture(
    imports: &str,
    capabilities: &str,
    memory: &str,
    execute: &str,
) -> Fixture {
    let metadata = format!(
        r#"{{"name":"good","version":"1.0.0","description":"a WAT fixture","author":"tests","license":"MIT","type":"action","actions":["my_action","other"],"capabilities":[{capabilities}]}}"#
    );
    Fixture {
        imports: imports.to_string(),
        memory: memory.to_string(),
        metadata: metadata.into_bytes(),
        execute: execute.to_string(),
        ..Fixture::default()
    }
}

/// WASI `random_get` of `len` bytes at offset 0 in `execute`.
pub(crate) fn random_get_fixture(len: u32, memory_pages: u32) -> Fixture {
    wasi_fixture(
        r#"(import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))"#,
        "",
        &memory_pages.to_string(),
        &format!("(drop (call $random_get (i32.const 0) (i32.const {len}))) (i32.const 0)"),
    )
}

/// Lines of `text` that start with `prefix`.
pub(crate) fn lines_with<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

// The template's bump arena and a careless host.

#[test]
pub(crate) fn the_bump_arena_ignores_null_foreign_and_repeated_deallocs() {
    use host_check::runner::{Grants, Limits, Plugin};
    let path = common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    );
    let wasm = std::fs::read(path).expect("the template was built");
    let plugin = Plugin::load(&wasm, Limits::default()).expect("compiles");
    let mut i = plugin
        .instantiate(&Grants::default())
        .expect("instantiates");
    i.init().expect("init");
    let (a, _) = i.alloc(100).unwrap();
    // Null, foreign (past the arena's top) and unaligned pointers: all ignored.
    i.dealloc(0, 100).unwrap();
    i.dealloc(0x7fff_0000, 100).unwrap();
    i.dealloc(a + 3, 10).unwrap();
    let (b, _) = i.alloc(100).unwrap();
    assert!(
        b >= a + 100,
        "the live block at {a:#x} was handed out again at {b:#x}"
    );
    // Released properly, the arena starts again from the bottom.
    i.dealloc(b, 100).unwrap();
    i.dealloc(a, 100).unwrap();
    let (c, _) = i.alloc(100).unwrap();
    assert_eq!(c, a);
    // A second dealloc after the reset is ignored: the next blocks do not alias.
    i.dealloc(c, 100).unwrap();
    i.dealloc(c, 100).unwrap();
    let (d, _) = i.alloc(100).unwrap();
    i.dealloc(d, 100).unwrap();
    i.dealloc(d, 100).unwrap();
    let (e, _) = i.alloc(100).unwrap();
    let (f, _) = i.alloc(100).unwrap();
    assert_eq!(e, a);
    assert!(f >= e + 100, "{e:#x} and {f:#x} alias");
}
