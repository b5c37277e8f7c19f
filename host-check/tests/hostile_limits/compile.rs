//! Compile time: nesting and block counts refused before compiling, a compilation over its
//! budget given up.

use super::*;

#[test]
fn nesting_over_the_limit_is_refused_before_compiling() {
    let depth = MAX_CONTROL_DEPTH as usize + 1;
    let fixture = with_execute(&format!("{}{}", "(block ".repeat(depth), ")".repeat(depth)));
    let out = check_fixture(&fixture, &[]);
    let line = out.assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: not compiled: function 3 (execute) nests block/loop/if more than 1000 deep, host-check's limit per function (compiling it would take minutes)"
    );
    // The same limit holds for `run`, which compiles the module too.
    let file = TempFile::new("deep.wasm", &fixture.wasm());
    let run = host_check(["run", &file.path().display().to_string(), "my_action"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("nests block/loop/if more than 1000 deep"),
        "{}",
        run.stderr
    );
}

#[test]
fn too_many_blocks_are_refused_before_compiling() {
    let fixture =
        with_execute(&"(if (local.get $n) (then nop))".repeat(MAX_CONTROL_BLOCKS as usize + 1));
    let line = check_fixture(&fixture, &[]).assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: not compiled: function 3 (execute) has more than 10000 block/loop/if instructions, host-check's limit per function (compiling it would take minutes)"
    );
}

#[test]
fn compilation_over_its_budget_gives_up() {
    // 40 functions of 9,000 sequential `if`s each: under the static limits, but seconds to
    // compile with fuel instrumentation (quadratic per function).
    let body = "(if (local.get 0) (then nop))".repeat(9_000);
    let funcs: String = (0..40)
        .map(|_| format!("(func (param i32) {body})"))
        .collect();
    let fixture = Fixture {
        extra: funcs,
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &["--max-compile-time", "100ms"]);
    let line = out.assert_fails("FAIL module.valid:");
    assert_eq!(
        line,
        "FAIL module.valid: compilation did not finish within 100ms (--max-compile-time); the module is too large or too complex to check"
    );
}
