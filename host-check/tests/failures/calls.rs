//! The request cycle: `alloc` results, action return codes, malformed requests, note-path
//! budgets.

use super::*;

#[test]
fn alloc_returning_null() {
    let fixture = Fixture {
        alloc: "i32.const 0".to_string(),
        ..Fixture::default()
    };
    // MIDIMon writes the request at address 0 anyway: only the README forbids it.
    let out = check_fixture(&fixture, &[]);
    out.assert_passes();
    assert!(
        out.stdout
            .contains("WARN daemon.alloc: template README: alloc returned 0"),
        "{}",
        out.stdout
    );
    check_fixture(&fixture, &["--strict"]).assert_failure("FAIL alloc:", "returned a null pointer");
}

#[test]
fn alloc_returning_out_of_bounds() {
    let fixture = Fixture {
        alloc: "i32.const 65530".to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure(
        "FAIL daemon.my_action:",
        "write: alloc returned pointer 0xfffa",
    );
    out.assert_failure("FAIL daemon.my_action:", "past the end of memory");
}

#[test]
fn undeclared_action_must_return_3() {
    let fixture = Fixture {
        execute: "i32.const 0".to_string(),
        ..Fixture::default()
    };
    check_fixture(&fixture, &[]).assert_passes();
    check_fixture(&fixture, &["--strict"])
        .assert_failure("FAIL actions.unknown:", "returned 0 (success), expected 3");
}

#[test]
fn declared_action_returning_3_fails() {
    let fixture = Fixture {
        execute: "i32.const 3".to_string(),
        ..Fixture::default()
    };
    let out = check_fixture(&fixture, &[]);
    out.assert_failure(
        "FAIL daemon.actions:",
        "no action returns 0 on any request MIDIMon sends",
    );
    assert!(
        out.stdout
            .contains("WARN daemon.my_action: never returns 0"),
        "{}",
        out.stdout
    );
    check_fixture(&fixture, &["--strict"]).assert_failure(
        "FAIL actions.my_action.note_on:",
        "returned 3 (unknown_action) for an action the metadata declares",
    );
}

#[test]
fn malformed_request_trap_fails() {
    // Traps on requests that do not start with '{'.
    let execute = format!(
        "(if (i32.eqz (local.get $n)) (then unreachable))
         (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then unreachable))
         {}",
        common::GOOD_EXECUTE
    );
    let fixture = Fixture {
        execute,
        ..Fixture::default()
    };
    // MIDIMon never sends a malformed request: a README rule.
    check_fixture(&fixture, &[]).assert_passes();
    let out = check_fixture(&fixture, &["--strict"]);
    out.assert_failure("FAIL malformed.empty:", "trap");
}

#[test]
fn note_fuel_budget() {
    check_fixture(&Fixture::default(), &["--note-fuel", "10"]).assert_failure(
        "FAIL note_path.fuel:",
        "over the budget of 10 (--note-fuel)",
    );
}

#[test]
fn note_p99_budget() {
    check_fixture(&Fixture::default(), &["--note-p99", "1ns"])
        .assert_failure("FAIL note_path.p99:", "over the budget of 1ns (--note-p99)");
}

#[test]
fn note_action_must_be_declared() {
    check_fixture(&Fixture::default(), &["--note-action", "nope", "--strict"]).assert_failure(
        "FAIL note_path:",
        "note action \"nope\" (--note-action) is not declared",
    );
}
