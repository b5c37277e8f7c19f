//! `host-check profile` on the built template: exit 0, `execute` in the table, and the
//! profile's total equal to the fuel wasmtime charges the uninstrumented module, in the
//! README's flow (the same figure `host-check run` prints) and in MIDIMon's daemon flow, for
//! the README's note-on and MIDIMon's request (and on the std reference); bad input is a usage
//! error, never a panic.

mod common;

use common::{binary, host_check, Fixture, TempFile};
use core_abi::request::{CANONICAL_NOTE_ON, DAEMON_NOTE_ON};
use serde_json::Value;

fn template() -> String {
    common::build_plugin(
        "template-nostd",
        "wasm32-unknown-unknown",
        "template_nostd.wasm",
    )
    .display()
    .to_string()
}

/// `profile --json` with `args`, which must pass; the profile must be exact.
fn profile_json(args: &[&str]) -> Value {
    let mut all = vec!["profile", "--json"];
    all.extend_from_slice(args);
    let out = host_check(&all);
    out.assert_code(0);
    let json: Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    assert_eq!(json["exact"], true, "{}", out.stdout);
    assert_eq!(json["counted_fuel"], json["measured_fuel"]);
    let sum: u64 = json["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["self_fuel"].as_u64().unwrap())
        .sum();
    assert_eq!(Some(sum), json["counted_fuel"].as_u64());
    assert_eq!(json["code"], 0);
    json
}

/// The `fuel` line of `host-check run`, as a number.
fn run_fuel(plugin: &str) -> u64 {
    let out = host_check(["run", plugin, "my_action"]);
    out.assert_code(0);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("fuel "))
        .expect("a fuel line");
    line["fuel".len()..]
        .trim()
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn the_templates_note_on_is_profiled_exactly_in_both_flows() {
    let plugin = template();
    // The README's flow: what `host-check run` measures, for the README's note-on.
    let readme = profile_json(&[&plugin]);
    assert_eq!(readme["flow"], "readme");
    assert_eq!(readme["request_bytes"], CANONICAL_NOTE_ON.len());
    assert_eq!(readme["measured_fuel"].as_u64(), Some(run_fuel(&plugin)));
    let request = TempFile::new("note-on.json", CANONICAL_NOTE_ON.as_bytes());
    let path = request.path().display().to_string();
    let same = profile_json(&[&plugin, "--request", &path]);
    assert_eq!(same["functions"], readme["functions"]);

    // MIDIMon's flow and request.
    let daemon = profile_json(&[&plugin, "--daemon"]);
    assert_eq!(daemon["flow"], "daemon");
    assert_eq!(daemon["request_bytes"], DAEMON_NOTE_ON.len());
    assert!(daemon["start_fuel"].is_u64());
    let request = TempFile::new("daemon.json", DAEMON_NOTE_ON.as_bytes());
    let path = request.path().display().to_string();
    let same = profile_json(&[&plugin, "--daemon", "--request", &path]);
    assert_eq!(same["functions"], daemon["functions"]);
    let action = profile_json(&[&plugin, "--daemon", "--action", "my_action"]);
    assert_eq!(action["functions"], daemon["functions"]);

    // `execute` ran once; the stripped template has no name section, so only exports are
    // named, and only `execute` of them runs.
    for json in [&readme, &daemon] {
        let functions = json["functions"].as_array().unwrap();
        let named: Vec<&Value> = functions.iter().filter(|f| !f["name"].is_null()).collect();
        assert_eq!(named.len(), 1, "{functions:?}");
        assert_eq!(named[0]["name"], "execute");
        assert_eq!(named[0]["calls"], 1);
        assert!(functions.len() > 1, "execute calls other functions");
    }
}

/// The template's postcard note-on: what `host-check run --postcard` charges, the same for a
/// declared action name, its index and the canonical bytes given as a file.
#[test]
fn the_templates_postcard_note_on_is_profiled_exactly() {
    let plugin = template();
    let postcard = profile_json(&[&plugin, "--postcard"]);
    assert_eq!(postcard["flow"], "postcard");
    assert_eq!(postcard["exact"], true);
    assert_eq!(
        postcard["request_bytes"],
        core_abi::binary::CANONICAL_NOTE_ON_POSTCARD.len()
    );
    let out = host_check(["run", &plugin, "my_action", "--postcard"]);
    out.assert_code(0);
    let fuel = format!("fuel       {}", postcard["measured_fuel"]);
    let run_fuel = out.stdout.lines().find(|l| l.starts_with("fuel ")).unwrap();
    assert_eq!(run_fuel.replace(',', ""), fuel, "{}", out.stdout);
    let request = TempFile::new(
        "note-on.postcard",
        core_abi::binary::CANONICAL_NOTE_ON_POSTCARD,
    );
    let path = request.path().display().to_string();
    for args in [
        vec![plugin.as_str(), "--postcard", "--request", &path],
        vec![plugin.as_str(), "--postcard", "--action", "my_action"],
        vec![plugin.as_str(), "--postcard", "--action", "0"],
    ] {
        assert_eq!(
            profile_json(&args)["functions"],
            postcard["functions"],
            "{args:?}"
        );
    }
    let names: Vec<&Value> = postcard["functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.get("name").filter(|n| !n.is_null()))
        .collect();
    assert_eq!(names, ["execute_postcard"]);
    // An undeclared name is a usage error; so is --postcard with --daemon.
    host_check(["profile", &plugin, "--postcard", "--action", "nope"]).assert_code(2);
    host_check(["profile", &plugin, "--postcard", "--daemon"]).assert_code(2);
}

#[test]
fn the_std_reference_is_profiled_exactly_too() {
    // WASI imports, `call_indirect` through core::fmt, and `memory.copy`/`memory.fill`, which
    // wasmtime charges per byte.
    let plugin = common::build_plugin("std-reference", "wasm32-wasip1", "std_reference.wasm")
        .display()
        .to_string();
    let readme = profile_json(&[&plugin]);
    assert_eq!(readme["measured_fuel"].as_u64(), Some(run_fuel(&plugin)));
    profile_json(&[&plugin, "--daemon"]);
    let request = TempFile::new("empty.json", b"{}");
    let path = request.path().display().to_string();
    let out = host_check(["profile", &plugin, "--json", "--request", &path]);
    out.assert_code(0);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["exact"], true, "{}", out.stdout);
    assert_ne!(json["code"], 0, "{{}} is not a request");
}

#[test]
fn the_table_names_execute_and_shows_the_self_check() {
    let plugin = template();
    let out = host_check(["profile", &plugin, "--daemon"]);
    out.assert_code(0);
    // The stripped build has no name section: `execute` is named by its export, the other
    // functions show as indices.
    assert!(out.stdout.contains("  execute\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("request    95 bytes to execute"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("func["), "{}", out.stdout);
    assert!(out.stdout.contains("total ("), "{}", out.stdout);
    assert!(out.stdout.contains("charged by wasmtime"), "{}", out.stdout);
    assert!(out.stdout.contains("(equal)"), "{}", out.stdout);
    assert!(!out.stdout.contains("WARN"), "{}", out.stdout);
}

#[test]
fn names_come_from_the_module_itself() {
    // A plugin with a name section: its functions are shown by name, `execute` included.
    let fixture = Fixture::default();
    let named = wat::parse_str(fixture.wat()).unwrap();
    let file = TempFile::new("named.wasm", &named);
    let out = host_check(["profile", &file.path().display().to_string()]);
    out.assert_code(0);
    assert!(out.stdout.contains("  execute\n"), "{}", out.stdout);
    assert!(out.stdout.contains("(equal)"), "{}", out.stdout);
}

/// `wasm` without its `name` section: the stripped build of a named twin.
fn strip_names(wasm: &[u8]) -> Vec<u8> {
    let kept: Vec<(u8, Vec<u8>)> = binary::sections(wasm)
        .into_iter()
        .filter(|(id, contents)| !(*id == 0 && contents.starts_with(b"\x04name")))
        .collect();
    binary::module(&kept)
}

#[test]
fn a_named_twin_names_a_stripped_build() {
    let fixture = Fixture {
        execute: "(call $helper) (i32.const 0)".to_string(),
        extra: "(func $helper)".to_string(),
        ..Fixture::default()
    };
    let named = fixture.wasm();
    let stripped = strip_names(&named);
    assert!(
        stripped.len() < named.len(),
        "the fixture has a name section"
    );
    let (named, stripped) = (
        TempFile::new("named.wasm", &named),
        TempFile::new("stripped.wasm", &stripped),
    );
    let stripped_path = stripped.path().display().to_string();
    let bare = host_check(["profile", &stripped_path]);
    bare.assert_code(0);
    assert!(!bare.stdout.contains("helper"), "{}", bare.stdout);
    let out = host_check([
        "profile",
        &stripped_path,
        "--names",
        &named.path().display().to_string(),
    ]);
    out.assert_code(0);
    assert!(out.stdout.contains("  helper\n"), "{}", out.stdout);
    // A twin of other code is refused.
    let other = TempFile::new("other.wasm", &Fixture::default().wasm());
    let refused = host_check([
        "profile",
        &stripped_path,
        "--names",
        &other.path().display().to_string(),
    ]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("not the same build"),
        "{}",
        refused.stderr
    );
}

/// One function `execute` whose body is `count` times `i32.const 0; br_if 0`.
fn branchy(count: usize) -> Vec<u8> {
    let mut body = vec![0x00]; // no locals
    for _ in 0..count {
        body.extend_from_slice(&[0x41, 0x00, 0x0d, 0x00]);
    }
    body.push(0x0b);
    let mut code = vec![0x01];
    code.extend(binary::leb(body.len() as u64));
    code.extend_from_slice(&body);
    let mut wasm = binary::HEADER.to_vec();
    wasm.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type () -> ()
    wasm.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]); // one function
    wasm.extend_from_slice(&[0x07, 0x0b, 0x01, 0x07]); // export "execute" func 0
    wasm.extend_from_slice(b"execute");
    wasm.extend_from_slice(&[0x00, 0x00]);
    wasm.push(0x0a);
    wasm.extend(binary::leb(code.len() as u64));
    wasm.extend_from_slice(&code);
    wasm
}

#[test]
fn bad_input_is_a_usage_error() {
    let not_wasm = TempFile::new("x.wasm", b"\x7fELF not a module");
    let out = host_check(["profile", &not_wasm.path().display().to_string()]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("not a valid WebAssembly module"),
        "{}",
        out.stderr
    );

    let fixture = Fixture {
        without: vec!["execute"],
        ..Fixture::default()
    };
    let no_execute = TempFile::new("x.wasm", &fixture.wasm());
    let out = host_check(["profile", &no_execute.path().display().to_string()]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("exports no `execute`"),
        "{}",
        out.stderr
    );

    // 2.8 MB of branches: the instrumented function would pass wasm's function size limit.
    let big = TempFile::new("big.wasm", &branchy(700_000));
    let out = host_check(["profile", &big.path().display().to_string()]);
    out.assert_code(2);
    assert!(out.stderr.contains("too big to profile"), "{}", out.stderr);
    // A small one of the same shape is profiled (it has no init: a plugin failure, exit 1,
    // not a crash).
    let small = TempFile::new("small.wasm", &branchy(10));
    host_check(["profile", &small.path().display().to_string()]).assert_code(1);

    let missing = host_check(["profile", "/no/such/plugin.wasm"]);
    missing.assert_code(2);
    let both = host_check(["profile", "x.wasm", "--request", "r", "--action", "a"]);
    both.assert_code(2);
}
