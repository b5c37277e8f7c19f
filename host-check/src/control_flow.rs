//! A static limit on structured control flow, checked before a module is compiled.
//!
//! wasmtime 48 with fuel instrumentation compiles structured control flow in time that grows
//! quadratically with the number of `block`/`loop`/`if` in one function and with their nesting:
//! 50,000 nested `if`s took 81 s to compile, 50,000 sequential ones 56 s, 200,000 nested more
//! than 300 s and 745 MB. A plugin file of a few hundred KB can therefore hold the host for
//! minutes. Real plugins are far from that (see the README's limit table: the largest function
//! of the std reference plugin and of a 5 MB Rust module stay two orders of magnitude under),
//! so a per-function limit, checked in one linear pass of wasmparser before compiling, stops
//! such a module at once with a message that names the function. The wall-clock
//! `max_compile_time` budget in [`crate::runner`] is the second line of defence for whatever
//! this count does not model.

use std::fmt;

use wasmparser::{KnownCustom, Name, Operator, Parser, Payload};

/// Most structured control instructions (`block`, `loop`, `if`, `try_table`) one function may
/// contain.
pub const MAX_CONTROL_BLOCKS: u32 = 10_000;

/// Deepest nesting of structured control instructions in one function.
pub const MAX_CONTROL_DEPTH: u32 = 1_000;

/// The control-flow size of one function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControlFlow {
    /// Index in the function index space (imports first).
    pub index: u32,
    /// Structured control instructions in the body.
    pub blocks: u32,
    /// Deepest nesting reached.
    pub max_depth: u32,
}

/// Which limit a function exceeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFlowError {
    /// The function's index.
    pub index: u32,
    /// Its name from the `name` section, if any.
    pub name: Option<String>,
    /// What was measured (stops counting at the first excess).
    pub flow: ControlFlow,
}

impl fmt::Display for ControlFlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function {}", self.index)?;
        if let Some(name) = &self.name {
            let name: String = name.chars().take(80).collect();
            write!(f, " ({})", crate::fmt::printable(&name))?;
        }
        if self.flow.max_depth > MAX_CONTROL_DEPTH {
            write!(
                f,
                " nests block/loop/if more than {MAX_CONTROL_DEPTH} deep, host-check's limit per function (compiling it would take minutes)"
            )
        } else {
            write!(
                f,
                " has more than {MAX_CONTROL_BLOCKS} block/loop/if instructions, host-check's limit per function (compiling it would take minutes)"
            )
        }
    }
}

/// Measures every function body; stops at the first one over a limit. A body wasmparser cannot
/// read is left to the compiler, which reports it properly.
pub fn check(wasm: &[u8]) -> Result<(), ControlFlowError> {
    let mut imported_functions: u32 = 0;
    let mut defined: u32 = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else {
            return Ok(());
        };
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    if matches!(
                        import.ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        imported_functions = imported_functions.saturating_add(1);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_functions.saturating_add(defined);
                defined = defined.saturating_add(1);
                let flow = measure(&body, index);
                if flow.blocks > MAX_CONTROL_BLOCKS || flow.max_depth > MAX_CONTROL_DEPTH {
                    return Err(ControlFlowError {
                        index,
                        name: function_name(wasm, index),
                        flow,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The control-flow size of one body, counting until a limit is passed.
pub fn measure(body: &wasmparser::FunctionBody<'_>, index: u32) -> ControlFlow {
    let mut flow = ControlFlow {
        index,
        ..ControlFlow::default()
    };
    let Ok(mut reader) = body.get_operators_reader() else {
        return flow;
    };
    let mut depth: u32 = 0;
    while !reader.eof() {
        let Ok(op) = reader.read() else {
            break;
        };
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                depth = depth.saturating_add(1);
                flow.blocks = flow.blocks.saturating_add(1);
                flow.max_depth = flow.max_depth.max(depth);
                if flow.blocks > MAX_CONTROL_BLOCKS || flow.max_depth > MAX_CONTROL_DEPTH {
                    break;
                }
            }
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    flow
}

/// Every defined function's control-flow size (for measurements and `inspect`).
pub fn measure_all(wasm: &[u8]) -> Vec<ControlFlow> {
    let mut imported_functions: u32 = 0;
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else {
            break;
        };
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    if matches!(
                        import.ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        imported_functions = imported_functions.saturating_add(1);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index =
                    imported_functions.saturating_add(u32::try_from(out.len()).unwrap_or(u32::MAX));
                out.push(measure(&body, index));
            }
            _ => {}
        }
    }
    out
}

/// The name of function `index` in the `name` section, if there is one.
fn function_name(wasm: &[u8], index: u32) -> Option<String> {
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CustomSection(reader)) = payload else {
            continue;
        };
        if let KnownCustom::Name(names) = reader.as_known() {
            for name in names.into_iter().flatten() {
                if let Name::Function(map) = name {
                    for naming in map.into_iter().flatten() {
                        if naming.index == index {
                            return Some(naming.name.to_string());
                        }
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!(
            "(module (func $deep {} {}))",
            "(block ".repeat(n),
            ")".repeat(n)
        )
    }

    #[test]
    fn limits_nesting_and_count() {
        let ok = wat::parse_str(nested(MAX_CONTROL_DEPTH as usize)).unwrap();
        assert_eq!(check(&ok), Ok(()));
        let deep = wat::parse_str(nested(MAX_CONTROL_DEPTH as usize + 1)).unwrap();
        let err = check(&deep).unwrap_err();
        assert_eq!(err.index, 0);
        assert_eq!(err.name.as_deref(), Some("deep"));
        assert!(
            err.to_string().starts_with("function 0 (deep) nests"),
            "{err}"
        );
        let many = wat::parse_str(format!(
            "(module (import \"a\" \"b\" (func)) (func {}))",
            "(block)".repeat(MAX_CONTROL_BLOCKS as usize + 1)
        ))
        .unwrap();
        let err = check(&many).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(
            err.to_string(),
            "function 1 has more than 10000 block/loop/if instructions, host-check's limit per function (compiling it would take minutes)"
        );
    }
}
