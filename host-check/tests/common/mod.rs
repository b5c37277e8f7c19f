//! Shared helpers of the integration tests: WAT plugin fixtures and running the binary.
//!
//! Each test file uses a subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use host_check::scratch::ScratchDir;

pub mod binary;

/// The metadata of the good fixture.
pub const GOOD_METADATA: &str = r#"{"name":"good","version":"1.0.0","description":"a WAT fixture","author":"tests","license":"MIT","type":"action","actions":["my_action","other"],"capabilities":[]}"#;

/// Where the metadata lives in fixture memory.
pub const METADATA_AT: u64 = 16;

/// A minimal plugin in WAT, with every part replaceable.
///
/// The default is a correct plugin: static metadata in a data segment, an alloc that always
/// hands out offset 4096 (growing memory as needed, returning 0 above 256 MiB), a no-op dealloc,
/// and an execute that returns 3 when the request mentions "undeclared" (the undeclared action
/// host-check sends) and 0 otherwise.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Module fields before the memory (imports).
    pub imports: String,
    /// The memory declaration (limits), e.g. `1`.
    pub memory: String,
    /// Metadata bytes placed at [`METADATA_AT`].
    pub metadata: Vec<u8>,
    /// Body of `init` (result i64); `None`: return the metadata's location.
    pub init: Option<String>,
    /// Body of `alloc` (param $n i32) (result i32) (local $need i32).
    pub alloc: String,
    /// Body of `execute` (param $p i32) (param $n i32) (result i32) (local $i i32); `$i` must be
    /// 0 when [`GOOD_EXECUTE`] starts.
    pub execute: String,
    /// Body of `dealloc` (param $p i32) (param $n i32).
    pub dealloc: String,
    /// Extra module fields (start function, extra exports ...).
    pub extra: String,
    /// Exports to leave out (`"init"`, `"memory"` ...).
    pub without: Vec<&'static str>,
}

/// Default `alloc`: offset 4096, memory grown to fit, 0 above 256 MiB.
pub const GOOD_ALLOC: &str = r#"
    (if (i32.gt_u (local.get $n) (i32.const 0x10000000)) (then (return (i32.const 0))))
    (local.set $need
        (i32.shr_u (i32.add (i32.add (local.get $n) (i32.const 4096)) (i32.const 65535))
                   (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
        (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
                  (then (return (i32.const 0))))))
    (i32.const 4096)"#;

/// Default `execute`: 3 if the request contains "undeclared", else 0.
pub const GOOD_EXECUTE: &str = r#"
    (if (i32.lt_u (local.get $n) (i32.const 10)) (then (return (i32.const 0))))
    (block $done
        (loop $scan
            (br_if $done (i32.gt_u (local.get $i) (i32.sub (local.get $n) (i32.const 10))))
            (if (i32.and
                    (i64.eq (i64.load (i32.add (local.get $p) (local.get $i)))
                            (i64.const 0x72616c6365646e75))
                    (i32.eq (i32.load16_u offset=8 (i32.add (local.get $p) (local.get $i)))
                            (i32.const 0x6465)))
                (then (return (i32.const 3))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scan)))
    (i32.const 0)"#;

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            imports: String::new(),
            memory: "1".to_string(),
            metadata: GOOD_METADATA.as_bytes().to_vec(),
            init: None,
            alloc: GOOD_ALLOC.to_string(),
            execute: GOOD_EXECUTE.to_string(),
            dealloc: String::new(),
            extra: String::new(),
            without: Vec::new(),
        }
    }
}

/// Bytes as a WAT string literal body (every byte `\hh`).
pub fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// `init`'s result for a pointer and a length.
pub fn packed(ptr: u64, len: u64) -> i64 {
    ((ptr << 32) | len) as i64
}

impl Fixture {
    /// The module text.
    pub fn wat(&self) -> String {
        let export = |name: &str| {
            if self.without.contains(&name) {
                String::new()
            } else {
                format!("(export \"{name}\")")
            }
        };
        let init = self.init.clone().unwrap_or_else(|| {
            format!(
                "i64.const {}",
                packed(METADATA_AT, self.metadata.len() as u64)
            )
        });
        format!(
            r#"(module
  {imports}
  (memory {memory_export} {memory})
  (data (i32.const {at}) "{metadata}")
  (func $init {init_export} (result i64) {init})
  (func $alloc {alloc_export} (param $n i32) (result i32) (local $need i32) {alloc})
  (func $dealloc {dealloc_export} (param $p i32) (param $n i32) {dealloc})
  (func $execute {execute_export} (param $p i32) (param $n i32) (result i32) (local $i i32)
    {execute})
  {extra}
)"#,
            imports = self.imports,
            memory_export = export("memory"),
            memory = self.memory,
            at = METADATA_AT,
            metadata = wat_bytes(&self.metadata),
            init_export = export("init"),
            alloc_export = export("alloc"),
            dealloc_export = export("dealloc"),
            execute_export = export("execute"),
            alloc = self.alloc,
            dealloc = self.dealloc,
            execute = self.execute,
            extra = self.extra,
        )
    }

    /// The compiled module.
    pub fn wasm(&self) -> Vec<u8> {
        match wat::parse_str(self.wat()) {
            Ok(bytes) => bytes,
            Err(e) => panic!("fixture does not assemble: {e}\n{}", self.wat()),
        }
    }
}

/// What a host-check run printed and returned.
#[derive(Debug)]
pub struct Output {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Asserts the exit code, showing the output when it differs.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts exit code 1 and a line starting with `prefix` (e.g. `FAIL exports.init:`);
    /// returns that line.
    pub fn assert_fails(&self, prefix: &str) -> String {
        self.assert_code(1);
        match self.stdout.lines().find(|l| l.starts_with(prefix)) {
            Some(line) => line.to_string(),
            None => panic!(
                "no line starting with {prefix:?}\n--- stdout\n{}",
                self.stdout
            ),
        }
    }

    /// Asserts exit code 1 and a line starting with `prefix` (e.g. `FAIL exports.init:`) that
    /// contains `text`.
    pub fn assert_failure(&self, prefix: &str, text: &str) {
        self.assert_code(1);
        assert!(
            self.stdout
                .lines()
                .any(|l| l.starts_with(prefix) && l.contains(text)),
            "no line starting with {prefix:?} contains {text:?}\n--- stdout\n{}",
            self.stdout
        );
    }

    /// Asserts exit code 0.
    pub fn assert_passes(&self) {
        self.assert_code(0);
    }
}

/// Runs the host-check binary.
pub fn host_check<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_with_env(args, &[])
}

/// Runs the host-check binary with extra environment variables.
pub fn run_with_env<I, S>(args: I, env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_host-check"));
    command.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("host-check runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch directory holding one file.
pub struct TempFile {
    dir: ScratchDir,
    path: PathBuf,
}

impl TempFile {
    /// Writes `bytes` to `name` in a fresh scratch directory.
    pub fn new(name: &str, bytes: &[u8]) -> TempFile {
        let dir = ScratchDir::new("test").expect("scratch dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write fixture");
        TempFile { dir, path }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory holding it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// `host-check check` on module bytes, with a short note path (100 calls) unless `args` set
/// one, and `args` appended.
pub fn check_bytes(bytes: &[u8], args: &[&str]) -> Output {
    let file = TempFile::new("plugin.wasm", bytes);
    let mut all: Vec<String> = vec!["check".into(), file.path().display().to_string()];
    if !args.iter().any(|a| a.starts_with("--note-calls")) {
        all.extend(["--note-calls".to_string(), "100".to_string()]);
    }
    all.extend(args.iter().map(|a| a.to_string()));
    host_check(all)
}

/// `host-check check` on a fixture.
pub fn check_fixture(fixture: &Fixture, args: &[&str]) -> Output {
    check_bytes(&fixture.wasm(), args)
}

/// `host-check check` on WAT text.
pub fn check_wat(text: &str, args: &[&str]) -> Output {
    check_bytes(&wat::parse_str(text).expect("valid WAT"), args)
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Builds a workspace package for a wasm target with the plugin profile and returns the
/// module's path.
pub fn build_plugin(package: &str, target: &str, file: &str) -> PathBuf {
    build_plugin_with(package, target, file, &[], None)
}

/// [`build_plugin`] with cargo features, into its own target directory (relative to the
/// workspace) when given: two feature sets of one package write the same file name.
pub fn build_plugin_with(
    package: &str,
    target: &str,
    file: &str,
    features: &[&str],
    target_dir: Option<&str>,
) -> PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(workspace()).args([
        "build",
        "--quiet",
        "-p",
        package,
        "--target",
        target,
        "--profile",
        "plugin",
    ]);
    for feature in features {
        cargo.args(["--features", feature]);
    }
    let dir = match target_dir {
        Some(dir) => {
            cargo.arg("--target-dir").arg(workspace().join(dir));
            workspace().join(dir)
        }
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target")),
    };
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "cargo build -p {package} failed");
    dir.join(target).join("plugin").join(file)
}
