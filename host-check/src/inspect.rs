//! `host-check inspect`: what is inside a plugin, without judging it.
//!
//! Plugin authors want to see why a module is big or what it imports without installing wabt:
//! exports and imports with their signatures, section sizes, the biggest functions (named from
//! the `name` section when the module has one, or from a named twin given with `--names`,
//! demangled), the data segments, and the metadata `init` declares (obtained by
//! running `init` under the budgets; if that fails, the reason is shown and the rest stays).

use std::fmt;

use crate::attribution::Layout;
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
    let inspection = Inspection {
        file,
        size: wasm.len() as u64,
        layout: Layout::of(wasm, names.as_ref()).ok(),
        info,
        metadata: metadata(wasm, limits),
    };
    // Names and metadata come from the module: no control characters reach the terminal.
    Ok(printable_lines(&inspection.to_string()))
}

/// What `inspect` found in one module; its [`fmt::Display`] is the inspection text (before
/// control characters are escaped).
struct Inspection<'a> {
    file: &'a str,
    size: u64,
    info: ModuleInfo,
    layout: Option<Layout>,
    metadata: Result<PluginMeta, String>,
}

impl fmt::Display for Inspection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} bytes", self.file, group(self.size))?;
        self.exports(f)?;
        self.imports(f)?;
        self.sections(f)?;
        self.functions(f)?;
        if let Some(layout) = &self.layout {
            data(f, layout)?;
        }
        writeln!(f, "\nmetadata:")?;
        match &self.metadata {
            Ok(meta) => {
                writeln!(f, "  name          {}", meta.name)?;
                writeln!(f, "  version       {}", meta.version)?;
                writeln!(f, "  description   {}", meta.description)?;
                writeln!(f, "  author        {}", meta.author)?;
                writeln!(f, "  actions       {}", meta.action_list())?;
                let caps = meta.capability_names();
                if caps.is_empty() {
                    writeln!(f, "  capabilities  none")
                } else {
                    writeln!(f, "  capabilities  {}", caps.join(", "))
                }
            }
            Err(why) => writeln!(f, "  unavailable: {why}"),
        }
    }
}

impl Inspection<'_> {
    fn exports(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.info;
        writeln!(f, "\nexports ({}):", info.exports.len())?;
        let width = info.exports.iter().map(|e| e.name.len()).max().unwrap_or(0);
        for e in &info.exports {
            writeln!(f, "  {:width$}  {:6}  {}", e.name, e.kind.name(), e.ty)?;
        }
        Ok(())
    }

    fn imports(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.info;
        writeln!(f, "\nimports ({}):", info.imports.len())?;
        let names: Vec<String> = info
            .imports
            .iter()
            .map(|i| format!("{}::{}", i.module, i.name))
            .collect();
        let width = names.iter().map(String::len).max().unwrap_or(0);
        for (import, name) in info.imports.iter().zip(&names) {
            write!(
                f,
                "  {name:width$}  {:6}  {}  [",
                import.kind.name(),
                import.ty
            )?;
            match valid_wasi_import(import) {
                Some(w) => match w.class {
                    WasiClass::Basic => write!(f, "WASI, always allowed")?,
                    class => write!(
                        f,
                        "WASI, needs the {} capability",
                        class.capability().unwrap_or("?")
                    )?,
                },
                None if import.module == wasi::WASI_MODULE => write!(f, "not a valid WASI import")?,
                None => write!(f, "not provided by MIDIMon")?,
            }
            writeln!(f, "]")?;
        }
        Ok(())
    }

    fn sections(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.info;
        writeln!(f, "\nsections ({}):", info.sections.len())?;
        writeln!(f, "  {:>3}  {:24}  {:>12}", "ID", "NAME", "BYTES")?;
        for s in &info.sections {
            writeln!(
                f,
                "  {:>3}  {:24}  {:>12}",
                s.id,
                s.name,
                group(s.size as u64)
            )?;
        }
        Ok(())
    }

    fn functions(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.info;
        let mut functions: Vec<_> = info.functions.iter().collect();
        functions.sort_by(|a, b| b.body_size.cmp(&a.body_size).then(a.index.cmp(&b.index)));
        let total: usize = info.functions.iter().map(|f| f.body_size).sum();
        writeln!(
            f,
            "\nbiggest functions ({} of {}, {} bytes of code in all):",
            functions.len().min(TOP_FUNCTIONS),
            functions.len(),
            group(total as u64)
        )?;
        writeln!(f, "  {:>10}  {:>6}  NAME", "BYTES", "INDEX")?;
        for func in functions.iter().take(TOP_FUNCTIONS) {
            let name = func.name.as_deref().unwrap_or("(no name section)");
            writeln!(
                f,
                "  {:>10}  {:>6}  {name}",
                group(func.body_size as u64),
                func.index
            )?;
        }
        Ok(())
    }
}

fn data(f: &mut fmt::Formatter<'_>, layout: &Layout) -> fmt::Result {
    let total: u64 = layout.data.iter().map(|d| d.size).sum();
    writeln!(
        f,
        "\ndata segments ({}, {} bytes in all):",
        layout.data.len(),
        group(total)
    )?;
    for d in &layout.data {
        let name = d.name.as_deref().unwrap_or("(no name section)");
        writeln!(f, "  {:>10}  {:>6}  {name}", group(d.size), d.index)?;
    }
    Ok(())
}

/// Instantiates the plugin and reads its metadata, under the sandbox limits.
fn metadata(wasm: &[u8], limits: Limits) -> Result<PluginMeta, String> {
    Plugin::open(wasm, limits, FuelMode::PerInstance)
        .map_err(|e| e.to_string())?
        .into_meta()
}
