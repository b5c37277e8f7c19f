//! The rows: one function per family of hostile plugins, each a table of modules, flags and
//! expected verdicts.

use super::modules::*;
use super::*;

/// 1. Files that are not wasm at all.
pub(super) fn not_wasm_rows() -> Vec<Row> {
    let valid = |name: &str, bytes: &[u8], text: &str| {
        Row::fail(
            format!("not_wasm.{name}"),
            bytes.to_vec(),
            "FAIL module.valid:",
            text,
        )
    };
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".to_vec();
    elf.resize(64, 0);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice("plugin text, not a module\n".as_bytes());
    let mut huge_leb = HEADER.to_vec();
    huge_leb.extend([1, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    vec![
        valid("elf", &elf, "7f 45 4c 46"),
        valid("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "89 50 4e 47"),
        valid("gzip", b"\x1f\x8b\x08\0\0\0\0\0\0\x03", "1f 8b 08 00"),
        valid("json", GOOD_METADATA.as_bytes(), "7b 22 6e 61"),
        valid("utf8_bom_text", &bom, "ef bb bf 70"),
        valid(
            "wat_text_of_a_valid_plugin",
            fixture().wat().as_bytes(),
            "28 6d 6f 64",
        ),
        valid("single_byte", b"x", "it starts with 78 instead of"),
        valid("magic_alone", b"\0asm", "offset"),
        valid("magic_version_2", b"\0asm\x02\0\0\0", "offset"),
        valid("magic_huge_section_length", &huge_leb, "offset"),
    ]
}

/// 2. Malformed sections, by byte surgery on [`full_fixture`].
pub(super) fn section_rows() -> Vec<Row> {
    let good = full_fixture().wasm();
    let parts = sections(&good);
    let mut rows = vec![Row::pass("sections.control_full_fixture", good.clone())];
    for &(id, name) in SECTION_IDS {
        let at = parts
            .iter()
            .position(|(i, _)| *i == id)
            .unwrap_or_else(|| panic!("the full fixture has no {name} section"));
        let rebuilt = |replacement: Vec<u8>| {
            let mut out = HEADER.to_vec();
            for (i, (sid, contents)) in parts.iter().enumerate() {
                if i == at {
                    out.extend_from_slice(&replacement);
                } else {
                    out.extend(section(*sid, contents));
                }
            }
            out
        };
        let contents = &parts[at].1;
        // Keep the count (or index) byte, make the rest garbage; a one-byte section becomes an
        // overlong LEB.
        let garbage = if contents.len() > 1 {
            let mut g = contents.clone();
            g[1..].fill(0xff);
            g
        } else {
            vec![0xff; 6]
        };
        let len = contents.len() as u64;
        let cases = [
            ("garbage", section(id, &garbage)),
            ("length_too_long", section_with_len(id, len + 1, contents)),
            ("length_too_short", section_with_len(id, len - 1, contents)),
            (
                "length_huge",
                section_with_len(id, u64::from(u32::MAX), contents),
            ),
        ];
        for (case, replacement) in cases {
            rows.push(Row::fail(
                format!("sections.{name}.{case}"),
                rebuilt(replacement),
                "FAIL module.valid:",
                "offset",
            ));
        }
    }
    // Memory section before the type section.
    let mut out_of_order = parts.clone();
    let memory = out_of_order
        .iter()
        .position(|(i, _)| *i == 5)
        .expect("memory");
    let moved = out_of_order.remove(memory);
    out_of_order.insert(0, moved);
    rows.push(Row::fail(
        "sections.out_of_order",
        module(&out_of_order),
        "FAIL module.valid:",
        "offset",
    ));
    let mut duplicate = parts.clone();
    let types = duplicate[0].clone();
    duplicate.insert(1, types);
    rows.push(Row::fail(
        "sections.duplicate_type",
        module(&duplicate),
        "FAIL module.valid:",
        "offset",
    ));
    rows.push(Row::fail(
        "sections.duplicate_export_name",
        Fixture {
            extra: r#"(export "memory" (func $init))"#.to_string(),
            ..fixture()
        }
        .wasm(),
        "FAIL module.valid:",
        "duplicate export name",
    ));
    // A custom section whose name runs past the section.
    let mut bad_custom = parts.clone();
    bad_custom.insert(1, (0, vec![0x7f, b'x']));
    rows.push(Row::fail(
        "sections.custom_name_length_too_long",
        module(&bad_custom),
        "FAIL module.valid:",
        "offset",
    ));
    // A custom section whose name is not UTF-8.
    let mut bad_custom_utf8 = parts.clone();
    bad_custom_utf8.push((0, vec![2, 0xff, 0xfe, 1, 2, 3]));
    rows.push(Row::fail(
        "sections.custom_name_invalid_utf8",
        module(&bad_custom_utf8),
        "FAIL module.valid:",
        "offset",
    ));
    // Malformed `name` sections: informational, so the module stays valid.
    let without_names: Vec<(u8, Vec<u8>)> = parts
        .iter()
        .filter(|(id, contents)| !(*id == 0 && contents.starts_with(b"\x04name")))
        .cloned()
        .collect();
    let names_cases: [(&str, Vec<u8>); 4] = [
        // Function names subsection with a huge length.
        (
            "subsection_length_huge",
            vec![1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0],
        ),
        // Function names subsection with a garbage name map.
        ("garbage_name_map", vec![1, 4, 0xff, 0xff, 0xff, 0xff]),
        // A name pointing at a function that does not exist, and a non-UTF-8 name.
        ("bad_index_and_utf8", vec![1, 5, 1, 0x7f, 2, 0xff, 0xfe]),
        // Subsections out of order and duplicated.
        ("subsections_out_of_order", vec![1, 1, 0, 0, 1, 0, 1, 1, 0]),
    ];
    for (case, payload) in names_cases {
        let mut with = without_names.clone();
        with.push((0, custom("name", &payload)));
        let bytes = module(&with);
        rows.push(Row::pass(
            format!("sections.name_section.{case}"),
            bytes.clone(),
        ));
        rows.push(
            Row::pass(format!("sections.name_section.{case}.inspect"), bytes).command("inspect"),
        );
    }
    rows
}

/// 3. Budget breakers in every exported function and the start function.
pub(super) fn budget_rows() -> Vec<Row> {
    let unlimited_fuel: &[&str] = &["--max-fuel", "100000000000000", "--timeout", "200ms"];
    let mut rows = Vec::new();
    // Endless loops (failures.rs has init by time, execute, alloc and start by both).
    rows.push(Row::fail(
        "budget.loop.init.fuel",
        Fixture {
            init: Some("(loop (br 0)) i64.const 0".to_string()),
            ..fixture()
        }
        .wasm(),
        "FAIL init:",
        "out of fuel",
    ));
    let looping_dealloc = Fixture {
        dealloc: "(loop (br 0))".to_string(),
        ..fixture()
    }
    .wasm();
    rows.push(Row::fail(
        "budget.loop.dealloc.fuel",
        looping_dealloc.clone(),
        "FAIL alloc:",
        "dealloc: out of fuel",
    ));
    rows.push(
        Row::fail(
            "budget.loop.dealloc.time",
            looping_dealloc,
            "FAIL alloc:",
            "dealloc: timed out",
        )
        .args(unlimited_fuel),
    );
    let looping_postcard = Fixture {
        extra: postcard_export("(loop (br 0))"),
        ..fixture()
    }
    .wasm();
    rows.push(Row::fail(
        "budget.loop.execute_postcard.fuel",
        looping_postcard.clone(),
        "FAIL postcard.note_on:",
        "out of fuel",
    ));
    rows.push(
        Row::fail(
            "budget.loop.execute_postcard.time",
            looping_postcard,
            "FAIL postcard.note_on:",
            "timed out",
        )
        .args(unlimited_fuel),
    );
    // Endless recursion (failures.rs has execute).
    let overflow = "trap: wasm trap: call stack exhausted";
    let recursion: [(&str, Fixture, &'static str); 5] = [
        (
            "init",
            Fixture {
                init: Some("(call $init)".to_string()),
                ..fixture()
            },
            "FAIL init:",
        ),
        (
            "alloc",
            Fixture {
                alloc: "(call $alloc (local.get $n))".to_string(),
                ..fixture()
            },
            "FAIL alloc:",
        ),
        (
            "dealloc",
            Fixture {
                dealloc: "(call $dealloc (local.get $p) (local.get $n))".to_string(),
                ..fixture()
            },
            "FAIL alloc:",
        ),
        (
            "start",
            Fixture {
                extra: "(func $start (call $start)) (start $start)".to_string(),
                ..fixture()
            },
            "FAIL instantiate:",
        ),
        (
            "execute_postcard",
            Fixture {
                extra: postcard_export(
                    "(drop (call $execute_postcard (local.get $p) (local.get $n)))",
                ),
                ..fixture()
            },
            "FAIL postcard.note_on:",
        ),
    ];
    for (name, fixture, prefix) in recursion {
        rows.push(Row::fail(
            format!("budget.recursion.{name}"),
            fixture.wasm(),
            prefix,
            overflow,
        ));
    }
    // Counted loops: 80% of the fuel budget passes, 120% runs out.
    for (percent, passes) in [(80, true), (120, false)] {
        let burn = format!("(call $burn (i32.const {}))", burn_iterations(percent));
        let cases: [(&str, Fixture, &'static str); 6] = [
            (
                "init",
                Fixture {
                    init: Some(format!(
                        "{burn} (i64.const {})",
                        packed(common::METADATA_AT, GOOD_METADATA.len() as u64)
                    )),
                    extra: burn_function().to_string(),
                    ..fixture()
                },
                "FAIL init:",
            ),
            (
                "start",
                Fixture {
                    extra: format!("{} (func $start {burn}) (start $start)", burn_function()),
                    ..fixture()
                },
                "FAIL instantiate:",
            ),
            (
                "execute",
                Fixture {
                    execute: format!("{burn} {FAST_EXECUTE}"),
                    extra: burn_function().to_string(),
                    ..fixture()
                },
                "FAIL actions.my_action.note_on:",
            ),
            (
                "alloc",
                Fixture {
                    alloc: format!("{burn} {GOOD_ALLOC}"),
                    extra: burn_function().to_string(),
                    ..fixture()
                },
                "FAIL alloc:",
            ),
            (
                "dealloc",
                Fixture {
                    dealloc: burn.clone(),
                    extra: burn_function().to_string(),
                    ..fixture()
                },
                "FAIL alloc:",
            ),
            (
                "execute_postcard",
                Fixture {
                    extra: format!("{} {}", burn_function(), postcard_export(&burn)),
                    ..fixture()
                },
                "FAIL postcard.note_on:",
            ),
        ];
        for (name, fixture, prefix) in cases {
            let row_name = format!("budget.burn_{percent}_percent.{name}");
            rows.push(if passes {
                Row::pass(row_name, fixture.wasm())
            } else {
                Row::fail(row_name, fixture.wasm(), prefix, "out of fuel")
            });
        }
    }
    rows
}

/// 4. Pointer and length tricks in `init` and `alloc`.
pub(super) fn pointer_rows() -> Vec<Row> {
    let len = GOOD_METADATA.len() as u64;
    let end = 65536;
    let init = |name: &str, ptr: u64, len: u64, prefix: &'static str, text: &str| {
        Row::fail(
            format!("pointer.init.{name}"),
            Fixture {
                init: Some(format!("i64.const {}", packed(ptr, len))),
                ..fixture()
            }
            .wasm(),
            prefix,
            text,
        )
    };
    // The metadata again, in the last bytes of memory.
    let at_end = format!(
        r#"(data (i32.const {}) "{}")"#,
        end - len,
        wat_bytes(GOOD_METADATA.as_bytes())
    );
    let alloc = |body: &str| Fixture {
        alloc: body.to_string(),
        ..fixture()
    };
    vec![
        // Zero bytes at the very end are inside memory: the pointer is fine, the (empty)
        // metadata is not.
        init(
            "ptr_at_end_len_0",
            end,
            0,
            "FAIL init.metadata:",
            "not valid JSON",
        )
        .absent("FAIL init.pointer:", ""),
        Row::pass(
            "pointer.init.metadata_ends_at_end_of_memory",
            Fixture {
                init: Some(format!("i64.const {}", packed(end - len, len))),
                extra: at_end.clone(),
                ..fixture()
            }
            .wasm(),
        ),
        Row::fail(
            "pointer.init.len_crosses_end_by_one",
            Fixture {
                init: Some(format!("i64.const {}", packed(end - len, len + 1))),
                extra: at_end,
                ..fixture()
            }
            .wasm(),
            "FAIL init.pointer:",
            "the range ends at byte 65537, past the end of memory (65536 bytes)",
        ),
        init(
            "ptr_ffffffff_len_0",
            0xFFFF_FFFF,
            0,
            "FAIL init.pointer:",
            "past the end of memory",
        ),
        init(
            "ptr_ffffffff_len_16",
            0xFFFF_FFFF,
            16,
            "FAIL init.pointer:",
            "wraps",
        ),
        init(
            "len_ffffffff",
            common::METADATA_AT,
            0xFFFF_FFFF,
            "FAIL init.pointer:",
            "",
        ),
        init(
            "minus_one",
            0xFFFF_FFFF,
            0xFFFF_FFFF,
            "FAIL init.pointer:",
            "",
        ),
        Row::fail(
            "pointer.alloc.memory_size_minus_1",
            alloc("(i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 1))").wasm(),
            "FAIL alloc:",
            "past the end of memory",
        ),
        Row::fail(
            "pointer.alloc.fffffff8",
            alloc("i32.const 0xFFFFFFF8").wasm(),
            "FAIL alloc:",
            "wraps",
        ),
        // Into the metadata's data segment: nothing forbids it (the metadata was read).
        Row::pass(
            "pointer.alloc.into_the_data_segment",
            alloc(
                "(if (i32.gt_u (local.get $n) (i32.const 60000)) (then (return (i32.const 0))))
                 (i32.const 16)",
            )
            .wasm(),
        ),
        // alloc(0) at the very end: an empty block at the end is inside.
        Row::pass(
            "pointer.alloc.zero_at_end_of_memory",
            alloc(&format!(
                "(if (i32.eqz (local.get $n))
                         (then (return (i32.shl (memory.size) (i32.const 16)))))
                     {GOOD_ALLOC}"
            ))
            .wasm(),
        ),
    ]
}

/// 5. Memory tricks.
pub(super) fn memory_rows() -> Vec<Row> {
    let memory = |memory: &str| {
        Fixture {
            memory: memory.to_string(),
            ..fixture()
        }
        .wasm()
    };
    // A plugin with a 64-bit memory and the right export types (its code does not touch
    // memory, so it validates).
    let memory64 = format!(
        r#"(module
            (memory (export "memory") i64 1)
            (data (i64.const 16) "{}")
            (func (export "init") (result i64) (i64.const {}))
            (func (export "alloc") (param i32) (result i32) (i32.const 4096))
            (func (export "dealloc") (param i32 i32))
            (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
        wat_bytes(GOOD_METADATA.as_bytes()),
        packed(16, GOOD_METADATA.len() as u64)
    );
    let init_grows = |pages: u32| Fixture {
        init: Some(format!(
            "(drop (memory.grow (i32.const {pages}))) (i64.const {})",
            packed(common::METADATA_AT, GOOD_METADATA.len() as u64)
        )),
        ..fixture()
    };
    vec![
        Row::fail(
            "memory.maximum_below_initial",
            memory("2 1"),
            "FAIL module.valid:",
            "offset",
        ),
        Row::fail(
            "memory.memory64",
            wat(&memory64),
            "FAIL exports.memory:",
            "64-bit",
        ),
        Row::fail(
            "memory.two_memories",
            Fixture {
                extra: "(memory 1)".to_string(),
                ..fixture()
            }
            .wasm(),
            "FAIL exports.memory:",
            "the module has 2 memories",
        ),
        Row::fail(
            "memory.shared",
            memory("1 1 shared"),
            "FAIL module.valid:",
            "offset",
        ),
        // A limit that is not a whole number of pages.
        Row::pass("memory.limit_between_pages.under", memory("1"))
            .args(&["--max-memory", "100000"]),
        Row::fail(
            "memory.limit_between_pages.over",
            memory("2"),
            "FAIL instantiate:",
            "memory limit: a grow to 131072 bytes was denied (limit 100000 bytes",
        )
        .args(&["--max-memory", "100000"]),
        // The declared maximum is a ceiling, not an allocation.
        Row::pass("memory.declared_maximum_above_limit", memory("1 65536"))
            .args(&["--max-memory", "1MiB"]),
        // Growing to exactly the limit at run time passes; one page more fails.
        Row::pass("memory.init_grows_to_the_limit", init_grows(1).wasm())
            .args(&["--max-memory", "128KiB"]),
        // Tables: at most 16 of at most 100,000 elements (inclusive).
        Row::pass(
            "memory.table_at_the_element_limit",
            Fixture {
                extra: "(table 100000 funcref)".to_string(),
                ..fixture()
            }
            .wasm(),
        ),
        Row::fail(
            "memory.seventeen_tables",
            Fixture {
                extra: "(table 1 funcref)".repeat(17),
                ..fixture()
            }
            .wasm(),
            "FAIL instantiate:",
            "cannot instantiate",
        ),
        Row::fail(
            "memory.init_grows_past_the_limit",
            init_grows(2).wasm(),
            "FAIL init:",
            "memory limit: a grow to 196608 bytes was denied (limit 131072 bytes",
        )
        .args(&["--max-memory", "128KiB"]),
    ]
}

/// 6. Import tricks.
pub(super) fn import_rows() -> Vec<Row> {
    let imports = |imports: &str| {
        Fixture {
            imports: imports.to_string(),
            ..fixture()
        }
        .wasm()
    };
    let fd_write = "(func (param i32 i32 i32 i32) (result i32))";
    vec![
        Row::pass(
            "imports.same_wasi_function_twice",
            imports(&format!(
                r#"(import "wasi_snapshot_preview1" "fd_write" {fd_write})
                   (import "wasi_snapshot_preview1" "fd_write" {fd_write})"#
            )),
        ),
        Row::fail(
            "imports.same_wasi_function_twice_one_mistyped",
            imports(&format!(
                r#"(import "wasi_snapshot_preview1" "fd_write" {fd_write})
                   (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))"#
            )),
            "FAIL imports:",
            "`wasi_snapshot_preview1::fd_write` has type (i32) -> i32",
        ),
        Row::fail(
            "imports.wasi_unstable_module",
            imports(&format!(
                r#"(import "wasi_unstable" "fd_write" {fd_write})"#
            )),
            "FAIL imports:",
            "`wasi_unstable::fd_write` is not provided by MIDIMon",
        ),
        Row::fail(
            "imports.memory_from_wasi",
            imports(r#"(import "wasi_snapshot_preview1" "memory" (memory 1))"#),
            "FAIL imports:",
            "`wasi_snapshot_preview1::memory` imports a memory",
        ),
        Row::fail(
            "imports.empty_function_name",
            imports(r#"(import "wasi_snapshot_preview1" "" (func))"#),
            "FAIL imports:",
            "`wasi_snapshot_preview1::` is not a WASI preview 1 function",
        ),
        Row::fail(
            "imports.empty_module_name",
            imports(&format!(r#"(import "" "fd_write" {fd_write})"#)),
            "FAIL imports:",
            "`::fd_write` is not provided by MIDIMon",
        ),
    ]
}

/// 7. Metadata tricks.
pub(super) fn metadata_rows() -> Vec<Row> {
    let row = |name: &str, json: &[u8], prefix: &'static str, text: &str| {
        Row::fail(
            format!("metadata.{name}"),
            Fixture {
                metadata: json.to_vec(),
                ..fixture()
            }
            .wasm(),
            prefix,
            text,
        )
    };
    // What MIDIMon rejects fails `init.metadata`; what only the README asks, its `.readme` twin.
    let metadata =
        |name: &str, json: &[u8], text: &str| row(name, json, "FAIL init.metadata:", text);
    let readme =
        |name: &str, json: &[u8], text: &str| row(name, json, "FAIL init.metadata.readme:", text);
    let many = |count: usize| {
        let json = many_actions(count);
        assert!(json.len() <= 65536, "{} bytes", json.len());
        Fixture {
            memory: "2".to_string(),
            metadata: json,
            ..fixture()
        }
        .wasm()
    };
    vec![
        metadata("array", b"[]", "metadata must be a JSON object"),
        metadata("number", b"42", "metadata must be a JSON object"),
        metadata("null", b"null", "metadata must be a JSON object"),
        metadata("string", br#""good""#, "metadata must be a JSON object"),
        readme(
            "duplicate_actions",
            br#"{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["a","b","a"]}"#,
            "action #2 repeats an earlier action's name",
        ),
        readme(
            "duplicate_capabilities",
            br#"{"name":"p","version":"1.0.0","description":"d","author":"a","license":"MIT","type":"action","actions":["a"],"capabilities":["filesystem","filesystem"]}"#,
            "capability #1 is declared twice",
        ),
        Row::pass("metadata.300_actions", many(300)),
    ]
}

/// Rows that once found bugs (cubic duplicate-action check, misleading message for a file cut
/// inside the magic number), kept as regressions.
pub(super) fn fixed_bug_rows() -> Vec<Row> {
    vec![
        // Fixed bug: a file shorter than 4 bytes that is a prefix of the magic number is reported as
        // "it starts with 00 61 73 instead of the \0asm magic number 00 61 73 6d": the bytes
        // shown are the magic's; the file is truncated (as `\0asm` alone says: "unexpected
        // end-of-file").
        Row::fail(
            "not_wasm.single_zero_byte",
            b"\0".to_vec(),
            "FAIL module.valid:",
            "",
        )
        .absent("FAIL module.valid:", "instead of the"),
        Row::fail(
            "not_wasm.three_bytes_of_magic",
            b"\0as".to_vec(),
            "FAIL module.valid:",
            "",
        )
        .absent("FAIL module.valid:", "instead of the"),
        // Fixed bug: 10,000 three-letter actions (60,069 bytes of metadata, under the 64 KiB limit)
        // take host-check hours: core-abi's duplicate-action check is cubic (for each action,
        // each earlier one is fetched with `actions().nth(earlier)`, a scan from the start).
        // 300 actions take 0.5 s, 1,000 take 20 s (debug build; 1.2 s in release), 10,000
        // do not finish. `--timeout` does not apply: the time is spent in the host. Expected:
        // a pass within the row deadline.
        Row::pass("metadata.10000_actions", {
            let json = many_actions(10_000);
            assert!(json.len() <= 65536, "{} bytes", json.len());
            Fixture {
                memory: "2".to_string(),
                metadata: json,
                ..fixture()
            }
            .wasm()
        }),
    ]
}
