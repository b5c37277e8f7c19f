//! `host-check new`: a standalone plugin crate that builds where it is created, with no edits.
//!
//! Copying `template-nostd/` out of the kit used to be the way to start a plugin, and a copy did
//! not build: it inherited keys and its size profile from the kit's workspace. The crate written
//! here carries everything itself: `[package]` keys, an empty `[workspace]`, the size profile as
//! its own `[profile.release]`, `.cargo/config.toml` with the wasm target, and a `core-abi`
//! dependency by absolute path to the kit checkout this binary was built from (one line to
//! switch to a git or registry source). The file templates are small files beside this module
//! (`scaffold/`), included at compile time, so the binary needs nothing else at run time.
//!
//! Unless told not to, the new crate is then built once (`cargo build --release`) and checked,
//! and its `budget.toml` records that build's size and fuel: CI then fails on any regression.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::budget_file::{self, Figures, Headroom};

const CARGO_TOML: &str = include_str!("scaffold/Cargo.toml.in");
const CARGO_CONFIG: &str = include_str!("scaffold/cargo-config.toml");
const BUILD_RS: &str = include_str!("scaffold/build.rs.in");
const LIB_RS: &str = include_str!("scaffold/lib.rs.in");
const README: &str = include_str!("scaffold/README.md.in");
const GITIGNORE: &str = include_str!("scaffold/gitignore");

/// Longest accepted plugin name (crates.io's limit for a crate name).
const MAX_NAME_LEN: usize = 64;

/// Names cargo refuses for a package, or that clash with the crate this one depends on.
const RESERVED: &[&str] = &[
    "core-abi",
    "core_abi",
    "core",
    "std",
    "alloc",
    "test",
    "proc_macro",
    "proc-macro",
    "self",
    "crate",
    "super",
    "Self",
    "fn",
    "mod",
    "use",
    "type",
    "struct",
    "enum",
    "impl",
    "trait",
    "let",
    "loop",
    "match",
    "if",
    "else",
    "for",
    "while",
    "in",
    "as",
    "break",
    "continue",
    "const",
    "static",
    "extern",
    "pub",
    "ref",
    "return",
    "true",
    "false",
    "unsafe",
    "where",
    "async",
    "await",
    "dyn",
    "move",
    "mut",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
];

/// What `host-check new` was asked to do.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The directory to create (must not exist, or be an empty directory).
    pub path: PathBuf,
    /// The plugin and crate name; `None`: the directory's name.
    pub name: Option<String>,
    /// The kit checkout whose `core-abi` the new crate depends on.
    pub kit: PathBuf,
    /// Build the new crate once and record its size and fuel in `budget.toml`.
    pub build: bool,
}

/// What was created.
#[derive(Debug, Clone)]
pub struct Created {
    /// The new crate's directory.
    pub dir: PathBuf,
    /// The plugin (and package) name.
    pub name: String,
    /// The built module and its recorded figures, when it was built.
    pub built: Option<(PathBuf, Figures)>,
}

/// Why `host-check new` could not do its job; every case is a usage or environment error.
#[derive(Debug)]
pub enum ScaffoldError {
    /// PATH exists and is not an empty directory.
    NotEmpty(PathBuf),
    /// No name was given and none can be taken from PATH.
    NoName(PathBuf),
    /// The name cannot be a crate or plugin name.
    BadName(String, &'static str),
    /// The kit checkout this binary was built from has no `core-abi` any more.
    NoKit(PathBuf),
    /// A path that cannot be written into Cargo.toml.
    BadPath(PathBuf),
    /// Reading or writing a file failed.
    Io(String, std::io::Error),
    /// The first build or check of the new crate failed (the files are written).
    FirstBuild(PathBuf, String),
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaffoldError::NotEmpty(p) => write!(
                f,
                "{} exists and is not an empty directory; name a new directory",
                p.display()
            ),
            ScaffoldError::NoName(p) => write!(
                f,
                "cannot take a plugin name from {}; pass --name NAME",
                p.display()
            ),
            ScaffoldError::BadName(name, why) => {
                write!(f, "invalid plugin name {name:?}: {why}; pass --name NAME")
            }
            ScaffoldError::NoKit(kit) => write!(
                f,
                "the kit checkout host-check was built from ({}) has no core-abi/Cargo.toml any \
                 more; reinstall host-check from a kit checkout \
                 (cargo install --locked --path KIT/host-check)",
                kit.display()
            ),
            ScaffoldError::BadPath(p) => write!(
                f,
                "{} is not a UTF-8 path without control characters; cargo cannot use it here",
                p.display()
            ),
            ScaffoldError::Io(what, e) => write!(f, "cannot {what}: {e}"),
            ScaffoldError::FirstBuild(dir, why) => write!(
                f,
                "created {} but its first build failed ({why}); fix that, then run \
                 `cargo build --release` there (budget.toml holds no size or fuel budget yet)",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for ScaffoldError {}

/// The kit checkout this binary was compiled from: host-check's manifest directory's parent.
pub fn kit_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// A plugin name doubles as the package name and sits unescaped in Cargo.toml, Rust and JSON
/// string literals: ASCII letters, digits, `-` and `_`, starting with a letter.
pub fn validate_name(name: &str) -> Result<(), &'static str> {
    let first = name.chars().next().ok_or("it is empty")?;
    if !first.is_ascii_alphabetic() {
        return Err("it must start with an ASCII letter");
    }
    if name.len() > MAX_NAME_LEN {
        return Err("it is longer than 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("only ASCII letters, digits, '-' and '_' are allowed");
    }
    if RESERVED.contains(&name) {
        return Err("cargo reserves it (a keyword, a built-in crate or core-abi itself)");
    }
    Ok(())
}

/// Creates the crate; with `options.build`, builds it once and records its budgets.
pub fn create(options: &NewOptions) -> Result<Created, ScaffoldError> {
    let dir = &options.path;
    check_target_dir(dir)?;
    let name = match &options.name {
        Some(name) => name.clone(),
        None => name_from_path(dir)?,
    };
    validate_name(&name).map_err(|why| ScaffoldError::BadName(name.clone(), why))?;
    let core_abi = options.kit.join("core-abi");
    if !core_abi.join("Cargo.toml").is_file() {
        return Err(ScaffoldError::NoKit(options.kit.clone()));
    }
    let core_abi_text = toml_path(&core_abi)?;
    let crate_name = name.replace('-', "_");
    let fill = |template: &str| {
        template
            .replace("@NAME@", &name)
            .replace("@CRATE@", &crate_name)
            .replace("@CORE_ABI@", &core_abi_text)
            .replace("@KIT@", &options.kit.display().to_string())
    };

    let files: [(&str, String); 7] = [
        ("Cargo.toml", fill(CARGO_TOML)),
        (".cargo/config.toml", CARGO_CONFIG.to_string()),
        ("build.rs", BUILD_RS.to_string()),
        ("src/lib.rs", fill(LIB_RS)),
        (
            "budget.toml",
            budget_file::render(None, Headroom::EXACT, ""),
        ),
        ("README.md", fill(README)),
        (".gitignore", GITIGNORE.to_string()),
    ];
    for sub in ["", ".cargo", "src"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d)
            .map_err(|e| ScaffoldError::Io(format!("create {}", d.display()), e))?;
    }
    for (file, text) in &files {
        write(&dir.join(file), text.as_bytes())?;
    }
    // The kit's lock file pins the versions the kit is tested (and its budgets measured) with,
    // and lets the first build work offline; cargo drops the entries this crate does not use.
    let lock = options.kit.join("Cargo.lock");
    if let Ok(bytes) = std::fs::read(&lock) {
        write(&dir.join("Cargo.lock"), &bytes)?;
    }

    let mut created = Created {
        dir: dir.clone(),
        name,
        built: None,
    };
    if options.build {
        let wasm_path = build(dir).map_err(|why| ScaffoldError::FirstBuild(dir.clone(), why))?;
        let wasm = crate::input::read_file(&wasm_path)
            .map_err(|e| ScaffoldError::FirstBuild(dir.clone(), e.to_string()))?;
        let figures = budget_file::record(&wasm_path.display().to_string(), &wasm)
            .map_err(|why| ScaffoldError::FirstBuild(dir.clone(), why))?;
        let text = budget_file::render(
            Some(&figures),
            Headroom::EXACT,
            "`host-check new`, from the first `cargo build --release`",
        );
        write(&dir.join("budget.toml"), text.as_bytes())?;
        created.built = Some((wasm_path, figures));
    }
    Ok(created)
}

/// PATH must not exist, or be an empty directory.
fn check_target_dir(dir: &Path) -> Result<(), ScaffoldError> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ScaffoldError::Io(format!("read {}", dir.display()), e)),
        Ok(meta) if meta.is_dir() => {
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| ScaffoldError::Io(format!("read {}", dir.display()), e))?;
            match entries.next() {
                None => Ok(()),
                Some(_) => Err(ScaffoldError::NotEmpty(dir.to_path_buf())),
            }
        }
        Ok(_) => Err(ScaffoldError::NotEmpty(dir.to_path_buf())),
    }
}

/// The last component of PATH (of its absolute form for `.` and the like).
fn name_from_path(dir: &Path) -> Result<String, ScaffoldError> {
    let absolute = match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        None => std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
    };
    absolute
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| ScaffoldError::NoName(dir.to_path_buf()))
}

/// The path as the inside of a TOML basic string.
fn toml_path(path: &Path) -> Result<String, ScaffoldError> {
    let text = path
        .to_str()
        .filter(|t| !t.chars().any(char::is_control))
        .ok_or_else(|| ScaffoldError::BadPath(path.to_path_buf()))?;
    Ok(text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ScaffoldError> {
    std::fs::write(path, bytes)
        .map_err(|e| ScaffoldError::Io(format!("write {}", path.display()), e))
}

/// `cargo build --release` in `dir`; returns the module cargo reports (wherever the target
/// directory is, `CARGO_TARGET_DIR` included). Cargo's own messages go to stderr.
fn build(dir: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&cargo).display()))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build --release` exited with {}",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| m["filenames"].as_array().cloned())
        .flatten()
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| "cargo reported no .wasm artifact".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        for good in ["my-plugin", "accent", "a", "Velocity_2"] {
            assert_eq!(validate_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "2x",
            "-x",
            "my plugin",
            "a\"b",
            "a\\b",
            "ü",
            "a.b",
            "core-abi",
            "test",
            "fn",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_name(&"a".repeat(65)).is_err());
        assert_eq!(validate_name(&"a".repeat(64)), Ok(()));
    }

    #[test]
    fn paths_are_escaped_for_toml() {
        assert_eq!(
            toml_path(Path::new(r#"/a "b"\c"#)).unwrap(),
            r#"/a \"b\"\\c"#
        );
        assert!(toml_path(Path::new("/a\nb")).is_err());
    }
}
