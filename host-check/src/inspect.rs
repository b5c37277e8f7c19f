//! `host-check inspect`: what is inside a plugin, without judging it.
//!
//! Plugin authors want to see why a module is big or what it imports without installing wabt:
//! exports and imports with their signatures, section sizes, the biggest functions (named from
//! the `name` section when the module has one, or from a named twin given with `--names`,
//! demangled), the data segments, and the metadata `init` declares (obtained by
//! running `init` under the budgets; if that fails, the reason is shown and the rest stays).

use std::fmt::Write as _;

use crate::checks::imports::valid_wasi_import;
use crate::fmt::{group, printable_lines};
use crate::metadata::PluginMeta;
use crate::module::ModuleInfo;
use crate::names::Names;
use crate::runner::{FuelMode, Limits, Plugin};
use crate::wasi::{self, WasiClass};

/// How many of the biggest functions are listed.
pub const TOP_FUNCTIONS: usize = 10;

/// The inspection text of a module, or the reason it is not a valid module.
pub fn inspect(file: &str, wasm: &[u8], limits: Limits) -> Result<String, String> {
    inspect_named(file, wasm, Names::read(wasm), limits)
}

/// [`inspect`], with the function names to show: the module's own name section, or a named
/// twin's (`--names`, checked by [`Names::for_module`] to hold the same code).
pub(crate) fn inspect_named(
    file: &str,
    wasm: &[u8],
    names: Option<Names>,
    limits: Limits,
) -> Result<String, String> {
    let mut info = crate::module::analyze(wasm)
        .map_err(|e| format!("{file}: not a valid WebAssembly module: {e}"))?;
    for f in &mut info.functions {
        f.name = names
            .as_ref()
            .and_then(|n| n.functions.get(&f.index).cloned());
    }
    let mut out = String::new();
    let _ = writeln!(out, "{file}: {} bytes", group(wasm.len() as u64));
    render_exports(&info, &mut out);
    render_imports(&info, &mut out);
    render_sections(&info, &mut out);
    render_functions(&info, &mut out);
    if let Ok(layout) = crate::attribution::Layout::of(wasm, names.as_ref()) {
        render_data(&layout, &mut out);
    }
    out.push_str("\nmetadata:\n");
    match metadata(wasm, limits) {
        Ok(meta) => {
            let _ = writeln!(out, "  name          {}", meta.name);
            let _ = writeln!(out, "  version       {}", meta.version);
            let _ = writeln!(out, "  description   {}", meta.description);
            let _ = writeln!(out, "  author        {}", meta.author);
            let _ = writeln!(out, "  actions       {}", meta.action_list());
            let caps = meta.capability_names();
            let _ = writeln!(
                out,
                "  capabilities  {}",
                if caps.is_empty() {
                    "none".to_string()
                } else {
                    caps.join(", ")
                }
            );
        }
        Err(why) => {
            let _ = writeln!(out, "  unavailable: {why}");
        }
    }
    // Names and metadata come from the module: no control characters reach the terminal.
    Ok(printable_lines(&out))
}

fn render_exports(info: &ModuleInfo, out: &mut String) {
    let _ = writeln!(out, "\nexports ({}):", info.exports.len());
    let width = info.exports.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &info.exports {
        let _ = writeln!(out, "  {:width$}  {:6}  {}", e.name, e.kind.name(), e.ty);
    }
}

fn render_imports(info: &ModuleInfo, out: &mut String) {
    let _ = writeln!(out, "\nimports ({}):", info.imports.len());
    let names: Vec<String> = info
        .imports
        .iter()
        .map(|i| format!("{}::{}", i.module, i.name))
        .collect();
    let width = names.iter().map(String::len).max().unwrap_or(0);
    for (import, name) in info.imports.iter().zip(&names) {
        let class = match valid_wasi_import(import) {
            Some(f) => match f.class {
                WasiClass::Basic => "WASI, always allowed".to_string(),
                class => format!(
                    "WASI, needs the {} capability",
                    class.capability().unwrap_or("?")
                ),
            },
            None if import.module == wasi::WASI_MODULE => "not a valid WASI import".to_string(),
            None => "not provided by MIDIMon".to_string(),
        };
        let _ = writeln!(
            out,
            "  {name:width$}  {:6}  {}  [{class}]",
            import.kind.name(),
            import.ty
        );
    }
}

fn render_sections(info: &ModuleInfo, out: &mut String) {
    let _ = writeln!(out, "\nsections ({}):", info.sections.len());
    let _ = writeln!(out, "  {:>3}  {:24}  {:>12}", "ID", "NAME", "BYTES");
    for s in &info.sections {
        let _ = writeln!(
            out,
            "  {:>3}  {:24}  {:>12}",
            s.id,
            s.name,
            group(s.size as u64)
        );
    }
}

fn render_functions(info: &ModuleInfo, out: &mut String) {
    let mut functions: Vec<_> = info.functions.iter().collect();
    functions.sort_by(|a, b| b.body_size.cmp(&a.body_size).then(a.index.cmp(&b.index)));
    let total: usize = info.functions.iter().map(|f| f.body_size).sum();
    let _ = writeln!(
        out,
        "\nbiggest functions ({} of {}, {} bytes of code in all):",
        functions.len().min(TOP_FUNCTIONS),
        functions.len(),
        group(total as u64)
    );
    let _ = writeln!(out, "  {:>10}  {:>6}  NAME", "BYTES", "INDEX");
    for f in functions.iter().take(TOP_FUNCTIONS) {
        let name = f.name.as_deref().unwrap_or("(no name section)");
        let _ = writeln!(
            out,
            "  {:>10}  {:>6}  {name}",
            group(f.body_size as u64),
            f.index
        );
    }
}

fn render_data(layout: &crate::attribution::Layout, out: &mut String) {
    let total: u64 = layout.data.iter().map(|d| d.size).sum();
    let _ = writeln!(
        out,
        "\ndata segments ({}, {} bytes in all):",
        layout.data.len(),
        group(total)
    );
    for d in &layout.data {
        let name = d.name.as_deref().unwrap_or("(no name section)");
        let _ = writeln!(out, "  {:>10}  {:>6}  {name}", group(d.size), d.index);
    }
}

/// Instantiates the plugin and reads its metadata, under the limits.
fn metadata(wasm: &[u8], limits: Limits) -> Result<PluginMeta, String> {
    Plugin::open(wasm, limits, FuelMode::PerInstance)
        .map_err(|e| e.to_string())?
        .into_meta()
}
