//! `host-check new`: a standalone plugin crate that builds where it is created.

use std::path::PathBuf;

use clap::Args;

use super::common::{print, Failure, Outcome, EXIT_PASS};
use crate::scaffold;

pub(super) const EXIT_CODES: &str = "\
Exit codes:
  0  the crate was created (and, without --no-build, built, checked and its budgets recorded)
  2  PATH exists and is not an empty directory, a bad name, the kit checkout is gone, an I/O
     error, or the first build or check failed (the files are then written)";

#[derive(Debug, Args)]
pub(super) struct Opts {
    /// The directory to create (it must not exist, or be empty).
    path: PathBuf,
    /// The plugin and package name [default: the directory's name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Only write the files: no first build, no recorded size or fuel budget.
    #[arg(long)]
    no_build: bool,
}

/// Creates (and, unless told not to, builds and checks) the crate.
pub(super) fn run(opts: Opts) -> Outcome {
    let options = scaffold::NewOptions {
        path: opts.path,
        name: opts.name,
        kit: scaffold::kit_dir(),
        build: !opts.no_build,
    };
    let created = scaffold::create(&options).map_err(Failure::usage)?;
    let dir = created.dir.display();
    let mut text = format!("created {dir} (plugin \"{}\")\n", created.name);
    match &created.built {
        Some((wasm, figures)) => text.push_str(&format!(
            "built {}: {} bytes, daemon fuel {}, note fuel {} (recorded in budget.toml)\n\
             next: cd {dir} && host-check check --strict --budget budget.toml {}\n",
            wasm.display(),
            figures.size,
            figures.daemon_fuel,
            figures.note_fuel,
            wasm.strip_prefix(&created.dir).unwrap_or(wasm).display()
        )),
        None => text.push_str(&format!(
            "next: cd {dir} && cargo build --release (see README.md)\n"
        )),
    }
    print(&text);
    Ok(EXIT_PASS)
}
