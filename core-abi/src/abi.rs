//! The wire-level contract between a MIDIMon host and a plugin: which functions a plugin exports,
//! their exact wasm signatures, and how a pointer and a length travel in one `i64`.
//!
//! Hosts read these tables to validate a module before running it; the guest helper
//! (`midimon_plugin!`, feature `guest`) reads them to generate the exports. Keeping both on one
//! table is what stops them drifting apart.

/// The ABI version this crate implements. Plugins that export no marker are version 1.
pub const ABI_VERSION: u32 = 1;

/// Prefix of the optional marker export; the digits after it are the ABI version.
pub const MARKER_PREFIX: &str = "midimon_abi_v";

/// The marker export of this ABI version: an empty function `() -> ()` that a host can see in the
/// export section before it compiles anything.
pub const MARKER_EXPORT: &str = "midimon_abi_v1";

/// Name of the exported linear memory every plugin must define.
pub const EXPORT_MEMORY: &str = "memory";
/// `init() -> i64`: the packed location of the plugin's metadata JSON.
pub const EXPORT_INIT: &str = "init";
/// `execute(ptr: i32, len: i32) -> i32`: run one JSON request, return an error code.
pub const EXPORT_EXECUTE: &str = "execute";
/// `alloc(size: i32) -> i32`: reserve `size` bytes in guest memory for the host to write into.
pub const EXPORT_ALLOC: &str = "alloc";
/// `dealloc(ptr: i32, size: i32)`: release a block returned by `alloc`.
pub const EXPORT_DEALLOC: &str = "dealloc";
/// Optional `execute_postcard(ptr: i32, len: i32) -> i32`: the binary fast path
/// (see [`crate::binary`]). Hosts prefer it when present.
pub const EXPORT_EXECUTE_POSTCARD: &str = "execute_postcard";

/// Largest metadata JSON `init` may return, in bytes.
pub const MAX_METADATA_LEN: usize = 64 * 1024;

/// A core wasm value type, as far as the ABI uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmType {
    /// 32-bit integer (pointers, lengths, error codes).
    I32,
    /// 64-bit integer (the packed `init` result).
    I64,
}

impl WasmType {
    /// The type's name in the wasm text format.
    pub const fn name(self) -> &'static str {
        match self {
            WasmType::I32 => "i32",
            WasmType::I64 => "i64",
        }
    }
}

/// The parameter and result types of an exported function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncSignature {
    /// Parameter types, in order.
    pub params: &'static [WasmType],
    /// Result types, in order.
    pub results: &'static [WasmType],
}

/// One function export of the ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSpec {
    /// Export name.
    pub name: &'static str,
    /// Exact wasm signature.
    pub signature: FuncSignature,
    /// Whether every plugin must export it.
    pub required: bool,
}

use WasmType::{I32, I64};

/// Every function export the ABI defines, required ones first.
pub const FUNCTION_EXPORTS: [ExportSpec; 6] = [
    ExportSpec {
        name: EXPORT_INIT,
        signature: FuncSignature {
            params: &[],
            results: &[I64],
        },
        required: true,
    },
    ExportSpec {
        name: EXPORT_EXECUTE,
        signature: FuncSignature {
            params: &[I32, I32],
            results: &[I32],
        },
        required: true,
    },
    ExportSpec {
        name: EXPORT_ALLOC,
        signature: FuncSignature {
            params: &[I32],
            results: &[I32],
        },
        required: true,
    },
    ExportSpec {
        name: EXPORT_DEALLOC,
        signature: FuncSignature {
            params: &[I32, I32],
            results: &[],
        },
        required: true,
    },
    ExportSpec {
        name: EXPORT_EXECUTE_POSTCARD,
        signature: FuncSignature {
            params: &[I32, I32],
            results: &[I32],
        },
        required: false,
    },
    ExportSpec {
        name: MARKER_EXPORT,
        signature: FuncSignature {
            params: &[],
            results: &[],
        },
        required: false,
    },
];

/// Looks up the ABI's specification of a function export by name.
pub fn export_spec(name: &str) -> Option<&'static ExportSpec> {
    FUNCTION_EXPORTS.iter().find(|spec| spec.name == name)
}

/// Reads the ABI version out of a marker export name (`midimon_abi_v7` → `Some(7)`).
///
/// Returns `None` when the name is not a marker at all or its version is not a plain decimal
/// number without leading zeros.
pub fn marker_version(export_name: &str) -> Option<u32> {
    let digits = export_name.strip_prefix(MARKER_PREFIX)?;
    let bytes = digits.as_bytes();
    if bytes.is_empty() || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    let mut version: u32 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        version = version.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(version)
}

/// Packs a pointer and a length into the `i64` that `init` returns: `(ptr << 32) | len`.
pub const fn pack(ptr: u32, len: u32) -> u64 {
    ((ptr as u64) << 32) | len as u64
}

/// Splits a value made by [`pack`] back into `(ptr, len)`.
pub const fn unpack(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_edges() {
        for &(p, l) in &[
            (0, 0),
            (1, 2),
            (u32::MAX, 0),
            (0, u32::MAX),
            (u32::MAX, u32::MAX),
        ] {
            assert_eq!(unpack(pack(p, l)), (p, l));
        }
        assert_eq!(pack(0x10, 0x20), 0x0000_0010_0000_0020);
    }

    #[test]
    fn marker_versions() {
        assert_eq!(marker_version(MARKER_EXPORT), Some(ABI_VERSION));
        assert_eq!(marker_version("midimon_abi_v12"), Some(12));
        assert_eq!(marker_version("midimon_abi_v"), None);
        assert_eq!(marker_version("midimon_abi_v01"), None);
        assert_eq!(marker_version("midimon_abi_vx"), None);
        assert_eq!(marker_version("midimon_abi_v99999999999"), None);
        assert_eq!(marker_version("execute"), None);
    }

    #[test]
    fn required_exports_have_the_documented_signatures() {
        let init = export_spec("init").unwrap();
        assert_eq!(init.signature.results, &[WasmType::I64]);
        let required: usize = FUNCTION_EXPORTS.iter().filter(|e| e.required).count();
        assert_eq!(required, 4);
        assert_eq!(export_spec("dealloc").unwrap().signature.results, &[]);
        assert!(export_spec("nope").is_none());
    }
}
