//! The WASI preview 1 (`wasi_snapshot_preview1`) import surface, as data.
//!
//! `MIDIMon` plugins are not limited to `no_std` Rust: a plugin may be ordinary
//! std Rust built for the `wasm32-wasip1` target, and such a module imports a
//! handful of functions from the `wasi_snapshot_preview1` module (at least
//! `fd_write`, `environ_*`, `proc_exit`, ... pulled in by std). host-check must
//! therefore accept WASI imports, but only the real ones: an import whose name is
//! not a WASI preview 1 function, or whose core wasm type differs from the one
//! the host will provide, would fail at instantiation and must be reported
//! statically instead.
//!
//! WASI functions are also a way around the plugin sandbox. Anything that can
//! name or enumerate files (`path_*`, `fd_prestat_*`, `fd_readdir`) is only
//! allowed when the plugin declares the `filesystem` capability, and the socket
//! functions (`sock_*`) only with the `network` capability; see [`WasiClass`].
//! The remaining fd functions stay [`WasiClass::Basic`]: without a preopened
//! directory or socket, a plugin only ever holds the stdio fds.
//!
//! The table below is the complete list of the 46 functions of
//! `wasi_snapshot_preview1.witx`, with the core wasm signature each one lowers
//! to (pointers, sizes, fds, flags and enums as `i32`; 64-bit values such as
//! timestamps, file sizes, file deltas, rights and directory cookies as `i64`).
//! Every function returns a single `i32` errno, except `proc_exit`, which
//! returns nothing. The signatures were checked against the witx shipped with
//! wasmtime-wasi (`witx/p1/wasi_snapshot_preview1.witx`), the generated
//! bindings of the `wasi` crate (0.11.1+wasi-snapshot-preview1) and wasi-libc's
//! generated `__wasilibc_real.c`.

/// The wasm import module name of WASI preview 1.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// A core wasm value type as used by WASI preview 1 signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    /// A 32-bit integer: pointers, sizes, fds, flags, enums, errno.
    I32,
    /// A 64-bit integer: timestamps, file sizes and deltas, rights, dircookies.
    I64,
}

impl ValType {
    /// The wasm text name of the type: `"i32"` or `"i64"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
        }
    }
}

/// What a WASI function needs before a plugin may import it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasiClass {
    /// Always allowed: stdout/stderr writes and other fd basics, clocks,
    /// random, environ/args, `proc_exit`, `sched_yield`, `poll_oneoff` ...
    Basic,
    /// Needs the plugin to declare the `filesystem` capability (`path_*`,
    /// `fd_prestat_*`, `fd_readdir`, i.e. anything that can name or enumerate
    /// files).
    Filesystem,
    /// Needs the `network` capability (`sock_*`).
    Network,
}

impl WasiClass {
    /// The capability it needs: `None` for [`WasiClass::Basic`],
    /// `Some("filesystem")` or `Some("network")` otherwise.
    #[must_use]
    pub fn capability(self) -> Option<&'static str> {
        match self {
            WasiClass::Basic => None,
            WasiClass::Filesystem => Some("filesystem"),
            WasiClass::Network => Some("network"),
        }
    }
}

/// One WASI preview 1 function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WasiFunction {
    /// The import field name, e.g. `"fd_write"`.
    pub name: &'static str,
    /// The core wasm parameter types, in order.
    pub params: &'static [ValType],
    /// The core wasm result types: one `i32` errno, or none for `proc_exit`.
    pub results: &'static [ValType],
    /// What the plugin must declare before it may import the function.
    pub class: WasiClass,
}

// Only the tests read the table's signatures as text (the checks compare them as
// `module::Signature`, built by `Signature::of_wasi`): an independent rendering to check that one.
#[cfg(test)]
impl WasiFunction {
    /// The signature as text, e.g. `"(i32, i32) -> i32"`; `"(i32) -> ()"` for
    /// a function without results and `"(i64, i32) -> (i32, i32)"` style for
    /// several results.
    #[must_use]
    pub fn signature_text(&self) -> String {
        let params = join(self.params);
        let results = match self.results {
            [single] => single.name().to_string(),
            several => format!("({})", join(several)),
        };
        format!("({params}) -> {results}")
    }
}

/// Joins value type names with `", "`.
#[cfg(test)]
fn join(types: &[ValType]) -> String {
    types
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every function of `wasi_snapshot_preview1`, sorted by name.
pub const WASI_FUNCTIONS: &[WasiFunction] = {
    use ValType::{I32, I64};
    use WasiClass::{Basic, Filesystem, Network};

    /// Builds an entry for a function that returns one `i32` errno.
    const fn errno(
        name: &'static str,
        class: WasiClass,
        params: &'static [ValType],
    ) -> WasiFunction {
        WasiFunction {
            name,
            params,
            results: &[I32],
            class,
        }
    }

    &[
        errno("args_get", Basic, &[I32, I32]),
        errno("args_sizes_get", Basic, &[I32, I32]),
        errno("clock_res_get", Basic, &[I32, I32]),
        errno("clock_time_get", Basic, &[I32, I64, I32]),
        errno("environ_get", Basic, &[I32, I32]),
        errno("environ_sizes_get", Basic, &[I32, I32]),
        errno("fd_advise", Basic, &[I32, I64, I64, I32]),
        errno("fd_allocate", Basic, &[I32, I64, I64]),
        errno("fd_close", Basic, &[I32]),
        errno("fd_datasync", Basic, &[I32]),
        errno("fd_fdstat_get", Basic, &[I32, I32]),
        errno("fd_fdstat_set_flags", Basic, &[I32, I32]),
        errno("fd_fdstat_set_rights", Basic, &[I32, I64, I64]),
        errno("fd_filestat_get", Basic, &[I32, I32]),
        errno("fd_filestat_set_size", Basic, &[I32, I64]),
        errno("fd_filestat_set_times", Basic, &[I32, I64, I64, I32]),
        errno("fd_pread", Basic, &[I32, I32, I32, I64, I32]),
        errno("fd_prestat_dir_name", Filesystem, &[I32, I32, I32]),
        errno("fd_prestat_get", Filesystem, &[I32, I32]),
        errno("fd_pwrite", Basic, &[I32, I32, I32, I64, I32]),
        errno("fd_read", Basic, &[I32, I32, I32, I32]),
        errno("fd_readdir", Filesystem, &[I32, I32, I32, I64, I32]),
        errno("fd_renumber", Basic, &[I32, I32]),
        errno("fd_seek", Basic, &[I32, I64, I32, I32]),
        errno("fd_sync", Basic, &[I32]),
        errno("fd_tell", Basic, &[I32, I32]),
        errno("fd_write", Basic, &[I32, I32, I32, I32]),
        errno("path_create_directory", Filesystem, &[I32, I32, I32]),
        errno("path_filestat_get", Filesystem, &[I32, I32, I32, I32, I32]),
        errno(
            "path_filestat_set_times",
            Filesystem,
            &[I32, I32, I32, I32, I64, I64, I32],
        ),
        errno(
            "path_link",
            Filesystem,
            &[I32, I32, I32, I32, I32, I32, I32],
        ),
        errno(
            "path_open",
            Filesystem,
            &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
        ),
        errno("path_readlink", Filesystem, &[I32, I32, I32, I32, I32, I32]),
        errno("path_remove_directory", Filesystem, &[I32, I32, I32]),
        errno("path_rename", Filesystem, &[I32, I32, I32, I32, I32, I32]),
        errno("path_symlink", Filesystem, &[I32, I32, I32, I32, I32]),
        errno("path_unlink_file", Filesystem, &[I32, I32, I32]),
        errno("poll_oneoff", Basic, &[I32, I32, I32, I32]),
        // The only function without an errno result: it does not return.
        WasiFunction {
            name: "proc_exit",
            params: &[I32],
            results: &[],
            class: Basic,
        },
        errno("proc_raise", Basic, &[I32]),
        errno("random_get", Basic, &[I32, I32]),
        errno("sched_yield", Basic, &[]),
        errno("sock_accept", Network, &[I32, I32, I32]),
        errno("sock_recv", Network, &[I32, I32, I32, I32, I32, I32]),
        errno("sock_send", Network, &[I32, I32, I32, I32, I32]),
        errno("sock_shutdown", Network, &[I32, I32]),
    ]
};

/// Looks a function up by name.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static WasiFunction> {
    WASI_FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &WASI_FUNCTIONS[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValType::{I32, I64};

    /// The number of functions in `wasi_snapshot_preview1.witx`.
    const WITX_FUNCTION_COUNT: usize = 46;

    #[test]
    fn table_is_sorted_without_duplicates() {
        for pair in WASI_FUNCTIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} must sort strictly before {}",
                pair[0].name,
                pair[1].name
            );
        }
    }

    #[test]
    fn count_matches_witx() {
        assert_eq!(WASI_FUNCTIONS.len(), WITX_FUNCTION_COUNT);
    }

    #[test]
    fn every_entry_is_found_by_lookup() {
        for f in WASI_FUNCTIONS {
            assert_eq!(lookup(f.name), Some(f));
        }
        assert_eq!(lookup("fd_write_"), None);
        assert_eq!(lookup("sock_open"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn lookup_finds_fd_write() {
        let f = lookup("fd_write").expect("fd_write is WASI");
        assert_eq!(f.name, "fd_write");
        assert_eq!(f.params, &[I32, I32, I32, I32]);
        assert_eq!(f.results, &[I32]);
        assert_eq!(f.class, WasiClass::Basic);
        assert_eq!(f.signature_text(), "(i32, i32, i32, i32) -> i32");
    }

    #[test]
    fn proc_exit_has_no_results() {
        let f = lookup("proc_exit").unwrap();
        assert_eq!(f.params, &[I32]);
        assert!(f.results.is_empty());
        assert_eq!(f.signature_text(), "(i32) -> ()");
        for other in WASI_FUNCTIONS.iter().filter(|f| f.name != "proc_exit") {
            assert_eq!(other.results, &[I32], "{} returns errno", other.name);
        }
    }

    #[test]
    fn classes_follow_prefixes() {
        for f in WASI_FUNCTIONS {
            let expected = if f.name.starts_with("path_")
                || f.name.starts_with("fd_prestat_")
                || f.name == "fd_readdir"
            {
                WasiClass::Filesystem
            } else if f.name.starts_with("sock_") {
                WasiClass::Network
            } else {
                WasiClass::Basic
            };
            assert_eq!(f.class, expected, "class of {}", f.name);
        }
        assert!(WASI_FUNCTIONS
            .iter()
            .filter(|f| f.name.starts_with("path_"))
            .all(|f| f.class == WasiClass::Filesystem));
        assert!(WASI_FUNCTIONS
            .iter()
            .filter(|f| f.name.starts_with("sock_"))
            .all(|f| f.class == WasiClass::Network));
    }

    #[test]
    fn capabilities() {
        assert_eq!(WasiClass::Basic.capability(), None);
        assert_eq!(WasiClass::Filesystem.capability(), Some("filesystem"));
        assert_eq!(WasiClass::Network.capability(), Some("network"));
    }

    #[test]
    fn known_signatures() {
        let cases: &[(&str, &str)] = &[
            ("environ_get", "(i32, i32) -> i32"),
            ("environ_sizes_get", "(i32, i32) -> i32"),
            ("random_get", "(i32, i32) -> i32"),
            ("clock_time_get", "(i32, i64, i32) -> i32"),
            ("fd_seek", "(i32, i64, i32, i32) -> i32"),
            (
                "path_open",
                "(i32, i32, i32, i32, i32, i64, i64, i32, i32) -> i32",
            ),
            ("fd_pread", "(i32, i32, i32, i64, i32) -> i32"),
            ("fd_readdir", "(i32, i32, i32, i64, i32) -> i32"),
            ("fd_fdstat_set_rights", "(i32, i64, i64) -> i32"),
            ("fd_advise", "(i32, i64, i64, i32) -> i32"),
            ("fd_allocate", "(i32, i64, i64) -> i32"),
            ("fd_filestat_set_size", "(i32, i64) -> i32"),
            ("fd_filestat_set_times", "(i32, i64, i64, i32) -> i32"),
            (
                "path_filestat_set_times",
                "(i32, i32, i32, i32, i64, i64, i32) -> i32",
            ),
            ("poll_oneoff", "(i32, i32, i32, i32) -> i32"),
            ("proc_raise", "(i32) -> i32"),
            ("sched_yield", "() -> i32"),
            ("sock_accept", "(i32, i32, i32) -> i32"),
            ("sock_recv", "(i32, i32, i32, i32, i32, i32) -> i32"),
            ("sock_send", "(i32, i32, i32, i32, i32) -> i32"),
            ("sock_shutdown", "(i32, i32) -> i32"),
        ];
        for (name, sig) in cases {
            let f = lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(f.signature_text(), *sig, "signature of {name}");
        }
    }

    #[test]
    fn i64_only_where_witx_has_64_bit_values() {
        let with_i64: Vec<&str> = WASI_FUNCTIONS
            .iter()
            .filter(|f| f.params.contains(&I64))
            .map(|f| f.name)
            .collect();
        assert_eq!(
            with_i64,
            [
                "clock_time_get",
                "fd_advise",
                "fd_allocate",
                "fd_fdstat_set_rights",
                "fd_filestat_set_size",
                "fd_filestat_set_times",
                "fd_pread",
                "fd_pwrite",
                "fd_readdir",
                "fd_seek",
                "path_filestat_set_times",
                "path_open",
            ]
        );
    }
}
