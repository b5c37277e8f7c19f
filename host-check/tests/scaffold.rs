//! A plugin author's first steps, outside the repository: `host-check new` gives a crate that
//! builds with no edits and passes `check --strict` against the budgets it recorded, and the
//! template copied out of the kit builds to the very bytes of the in-tree build.
//!
//! Both build for real with cargo, in temporary directories under the system temp dir (never
//! inside the repository, where the kit's workspace would capture them) and into one dedicated
//! target directory, `target/scaffold-test`, so nothing is shared with the kit's own builds.
//! Cold, the two builds take ~20-30 s each on 2 cores; warm, a second or two.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use host_check::scratch::ScratchDir;

const WASM: &str = "wasm32-unknown-unknown";

/// The dedicated target directory of these builds.
fn target_dir() -> PathBuf {
    common::workspace().join("target").join("scaffold-test")
}

/// `cargo build --release` in a standalone crate; returns the module's path.
fn build_standalone(dir: &Path, file: &str) -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --release in {}",
        dir.display()
    );
    target_dir().join(WASM).join("release").join(file)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("the module exists").len()
}

/// The template built in the kit's workspace, as `make build-release` does.
fn in_tree_template() -> PathBuf {
    common::build_plugin_with("template-nostd", WASM, "template_nostd.wasm", &[], None)
}

#[test]
fn new_crate_builds_where_it_is_created_and_passes_its_own_strict_budget() {
    let scratch = ScratchDir::new("scaffold-test").expect("a temp dir");
    let dir = scratch.path().join("my-plugin");
    let new = common::run_with_env(
        ["new".as_ref(), dir.as_os_str()],
        &[
            ("CARGO", env!("CARGO")),
            ("CARGO_TARGET_DIR", target_dir().to_str().expect("UTF-8")),
        ],
    );
    assert_eq!(new.code, 0, "host-check new: {}{}", new.stdout, new.stderr);
    assert!(
        new.stdout.contains("plugin \"my-plugin\""),
        "{}",
        new.stdout
    );

    // The files a plugin repository needs, with the recorded budgets.
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "build.rs",
        "src/lib.rs",
        "budget.toml",
        "README.md",
        ".gitignore",
    ] {
        assert!(dir.join(file).is_file(), "{file} is missing");
    }
    let budget = std::fs::read_to_string(dir.join("budget.toml")).expect("budget.toml");
    for key in [
        "strict = true",
        "max_size = ",
        "daemon_fuel = ",
        "note_fuel = ",
    ] {
        assert!(budget.contains(key), "budget.toml lacks {key}:\n{budget}");
    }

    // The author's commands, as the crate's README gives them.
    let wasm = build_standalone(&dir, "my_plugin.wasm");
    let check = common::host_check([
        "check".as_ref(),
        "--strict".as_ref(),
        "--budget".as_ref(),
        dir.join("budget.toml").as_os_str(),
        wasm.as_os_str(),
    ]);
    assert_eq!(
        check.code, 0,
        "check --strict:\n{}{}",
        check.stdout, check.stderr
    );

    // Its native unit tests pass, as its README runs them.
    let tests = Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--target", "host-tuple"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    assert!(
        tests.status.success(),
        "cargo test in the new crate:\n{}{}",
        String::from_utf8_lossy(&tests.stdout),
        String::from_utf8_lossy(&tests.stderr)
    );

    let template = in_tree_template();
    let (new_size, template_size) = (size(&wasm), size(&template));
    println!("scaffolded plugin: {new_size} bytes; template-nostd: {template_size} bytes");
    assert!(
        new_size < template_size,
        "a one-action plugin ({new_size} bytes) should be smaller than the three-action \
         template ({template_size} bytes)"
    );
}

#[test]
fn template_copied_out_of_the_kit_builds_byte_identical() {
    let kit = common::workspace();
    let scratch = ScratchDir::new("template-copy").expect("a temp dir");
    let copy = scratch.path().join("template-nostd");
    copy_dir(&kit.join("template-nostd"), &copy);
    // The one edit the template README names: core-abi's path, now absolute.
    let manifest = copy.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("Cargo.toml");
    let relative = r#"path = "../core-abi""#;
    assert!(
        text.contains(relative),
        "template-nostd/Cargo.toml lost {relative}"
    );
    let absolute = format!("path = {:?}", kit.join("core-abi").display().to_string());
    std::fs::write(&manifest, text.replace(relative, &absolute)).expect("write Cargo.toml");
    // The same dependency versions as the kit (the README's second step).
    std::fs::copy(kit.join("Cargo.lock"), copy.join("Cargo.lock")).expect("copy Cargo.lock");

    let standalone = std::fs::read(build_standalone(&copy, "template_nostd.wasm")).expect("read");
    let in_tree = std::fs::read(in_tree_template()).expect("read");
    println!(
        "template-nostd: {} bytes in the workspace (--profile plugin), {} bytes as a copy \
         (--release)",
        in_tree.len(),
        standalone.len()
    );
    assert!(
        standalone == in_tree,
        "the copied template builds to {} bytes, the in-tree one to {}: the builds differ",
        standalone.len(),
        in_tree.len()
    );
}

#[test]
fn new_refuses_a_directory_with_files_and_bad_names() {
    let scratch = ScratchDir::new("scaffold-refuse").expect("a temp dir");
    std::fs::write(scratch.path().join("keep.txt"), "mine").expect("write");
    let out = common::host_check(["new".as_ref(), scratch.path().as_os_str()]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("not an empty directory"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("keep.txt")).expect("read"),
        "mine"
    );

    let file = scratch.path().join("keep.txt");
    let out = common::host_check(["new".as_ref(), file.as_os_str()]);
    assert_eq!(out.code, 2, "a file: {}", out.stderr);

    for bad in ["my plugin", "a\"b", "9lives", ""] {
        let dir = scratch.path().join("fresh");
        let out = common::host_check([
            "new".as_ref(),
            dir.as_os_str(),
            "--name".as_ref(),
            bad.as_ref(),
            "--no-build".as_ref(),
        ]);
        assert_eq!(out.code, 2, "{bad:?}: {}", out.stderr);
        assert!(out.stderr.contains("invalid plugin name"), "{}", out.stderr);
        assert!(!dir.exists(), "{bad:?} created files");
    }
}

#[test]
fn new_without_build_writes_a_crate_named_after_its_directory() {
    let scratch = ScratchDir::new("scaffold-nobuild").expect("a temp dir");
    let dir = scratch.path().join("soft_keys");
    let out = common::host_check(["new".as_ref(), dir.as_os_str(), "--no-build".as_ref()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("name = \"soft_keys\""), "{manifest}");
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    let kit = common::workspace().canonicalize().expect("the kit exists");
    let core_abi = kit.join("core-abi");
    assert!(
        manifest.contains(&format!("path = \"{}\"", core_abi.display())),
        "{manifest}"
    );
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("name: \"soft_keys\""), "{lib}");
    assert!(lib.contains("license: \"MIT\""), "{lib}");
    let budget = std::fs::read_to_string(dir.join("budget.toml")).expect("budget.toml");
    assert!(budget.contains("strict = true") && !budget.contains("max_size ="));
}

/// Copies a directory tree (files and directories only), skipping any `target/`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}
