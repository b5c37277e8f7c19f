//! The fuel wasmtime 48 charges, operator by operator: what the instrumented copy counts.
//!
//! The model is wasmtime 48's own (`wasmtime-environ` `tunables.rs`,
//! `default_operator_cost`, applied by `wasmtime-cranelift` `func_environ.rs`
//! `fuel_before_op`): `nop`, `drop`, `block`, `loop`, `unreachable`, `return`, `else` and
//! `end` cost 0, every other operator 1, and every function costs 1 more on entry
//! (`fuel_consumed: 1` when its translation starts, "even empty functions should consume at
//! least some fuel"). Bulk operators also cost their length (`VariableOperatorCost`, charged
//! by `pre_translate_bulk_op`): 1 per byte of `memory.copy`, `memory.fill` and `memory.init`,
//! 1 per element of `table.copy`, `table.fill`, `table.init` and `table.grow` (0 per page of
//! `memory.grow`). Operators in unreachable code cost nothing, and are never run by the copy
//! either.
//!
//! Kept apart so that the one place to update on a wasmtime upgrade is obvious; the tests of
//! [`super::instrument`] compare the counts with wasmtime's own on every kind of operator.

use wasmparser::Operator;

use super::layout::Layout;

/// The fuel wasmtime 48 charges for `op` (see the module documentation).
pub fn cost(op: &Operator) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// Whether a region must end after `op`: it enters or leaves a block, branches or leaves the
/// function.
pub fn ends_region(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
    )
}

/// The length operand's type of a bulk operator that wasmtime charges per unit (see the
/// module documentation), `None` for every other operator. A copy between a 32-bit and a
/// 64-bit memory or table takes a 32-bit length.
pub fn variable_cost(op: &Operator, layout: &Layout) -> Option<Width> {
    let memory = |i: u32| layout.memories64.get(i as usize).copied().unwrap_or(false);
    let table = |i: u32| layout.tables64.get(i as usize).copied().unwrap_or(false);
    let wide = |is64: bool| if is64 { Width::W64 } else { Width::W32 };
    match *op {
        Operator::MemoryCopy { dst_mem, src_mem } => Some(wide(memory(dst_mem) && memory(src_mem))),
        Operator::MemoryFill { mem } => Some(wide(memory(mem))),
        Operator::MemoryInit { .. } | Operator::TableInit { .. } => Some(Width::W32),
        Operator::TableCopy {
            dst_table,
            src_table,
        } => Some(wide(table(dst_table) && table(src_table))),
        Operator::TableFill { table: t } | Operator::TableGrow { table: t } => Some(wide(table(t))),
        _ => None,
    }
}

/// The type of a bulk operator's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    W32,
    W64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_wasmtimes_default_table() {
        for (op, expected) in [
            (Operator::Nop, 0),
            (Operator::Drop, 0),
            (Operator::Unreachable, 0),
            (Operator::Return, 0),
            (Operator::Else, 0),
            (Operator::End, 0),
            (Operator::I32Add, 1),
            (Operator::Call { function_index: 0 }, 1),
            (Operator::Br { relative_depth: 0 }, 1),
        ] {
            assert_eq!(cost(&op), expected, "{op:?}");
        }
    }
}
