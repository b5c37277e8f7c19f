//! The `host-check` command line: argument parsing and exit codes only; the work is in the
//! library (`host_check`), so that the benchmark and tests can reuse it.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use cmd_diff::{DiffArgs, DIFF_EXIT_CODES};
use host_check::budget::{
    parse_count, parse_duration, parse_nonzero_duration, parse_positive_count, parse_size,
    BudgetOverrides, Budgets,
};
use host_check::report::TextStyle;
use host_check::run::{RunError, RunRequest};
use host_check::{
    bench, budget_file, check, config, diff, formats, input, inspect, manifest, optimize, run,
    scaffold,
};

/// Exit code: every check passed (warnings allowed).
const EXIT_PASS: u8 = 0;
/// Exit code: a check failed, or the plugin failed (`run`, `inspect`).
const EXIT_FAIL: u8 = 1;
/// Exit code: usage or I/O error.
const EXIT_USAGE: u8 = 2;

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (warnings allowed)
  1  a check failed (one `FAIL <check-id>: <why>` line per failure); for `run`, the plugin
     returned a non-zero code or trapped; for `inspect`, the file is not a valid module
  2  usage or I/O error: missing file, a directory, unreadable file, unknown flag or
     subcommand, bad budget file or MIDIMon config";

const BENCH_EXIT_CODES: &str = "\
Exit codes:
  0  every plugin was measured (targets that are not met are reported, not enforced)
  1  a plugin could not be loaded, instantiated or initialised, does not declare the action,
     or returned a non-zero code or trapped on a benchmark request
  2  usage or I/O error: no plugin, missing file, a directory, unreadable file, bad flag";

/// Predict whether MIDIMon will load and run a WebAssembly plugin, check it against the template
/// README's rules, and hold it to size, fuel and latency budgets.
#[derive(Debug, Parser)]
#[command(name = "host-check", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every static and dynamic check on a plugin and report PASS/FAIL/WARN per check.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Show exports, imports, section sizes, the biggest functions and the declared metadata.
    #[command(after_help = EXIT_CODES)]
    Inspect(InspectArgs),
    /// Send one request to a plugin and print its return code, fuel, time and output.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Measure plugins side by side (size, fuel, latency, host overhead, startup); the first
    /// is the reference every ratio compares with.
    #[command(after_help = BENCH_EXIT_CODES)]
    Bench(BenchArgs),
    /// Write the plugin.toml MIDIMon's discovery needs (~/.midimon/plugins/<dir>/plugin.toml),
    /// from the plugin's own metadata.
    #[command(after_help = MANIFEST_EXIT_CODES)]
    Manifest(ManifestArgs),
    /// Create a standalone plugin crate that builds where it is created, build it once and
    /// record its size and fuel in its budget.toml.
    #[command(after_help = NEW_EXIT_CODES)]
    New(NewArgs),
    /// Record a plugin's current size and fuel as a budget file for its CI (after a strict
    /// check), so that any growth fails there.
    #[command(after_help = BUDGET_EXIT_CODES)]
    Budget(BudgetArgs),
    /// Run binaryen's `wasm-opt -Oz` on a plugin with the feature flags rustc's wasm32 targets
    /// need (the same run as the `size.optimized` check).
    #[command(after_help = OPTIMIZE_EXIT_CODES)]
    Optimize(OptimizeArgs),
    /// Compare two builds of a plugin: size, optimised size, fuel and latency with their
    /// deltas, and the functions and data that grew; --max-growth fails on regressions.
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(DiffArgs),
}

const OPTIMIZE_EXIT_CODES: &str = "\
Exit codes:
  0  the optimised module was written
  1  wasm-opt failed on the module
  2  usage or I/O error: missing or unreadable plugin, wasm-opt not installed, --out is the
     plugin itself or cannot be written";

#[derive(Debug, Args)]
struct OptimizeArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Where to write the optimised module (never the plugin itself).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

const BUDGET_EXIT_CODES: &str = "\
Exit codes:
  0  the budget file was written (or printed)
  1  `check --strict` fails on the plugin: there is nothing worth recording
  2  usage or I/O error: missing or unreadable plugin, bad --headroom, unwritable --write";

#[derive(Debug, Args)]
struct BudgetArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Write the budget file here (replacing it) instead of printing it.
    #[arg(long, value_name = "budget.toml")]
    write: Option<PathBuf>,
    /// Percent added to every figure before it is recorded [default: 0, fuel held exactly].
    #[arg(long, value_name = "PERCENT", value_parser = parse_count)]
    headroom: Option<u64>,
}

const NEW_EXIT_CODES: &str = "\
Exit codes:
  0  the crate was created (and, without --no-build, built, checked and its budgets recorded)
  2  PATH exists and is not an empty directory, a bad name, the kit checkout is gone, an I/O
     error, or the first build or check failed (the files are then written)";

#[derive(Debug, Args)]
struct NewArgs {
    /// The directory to create (it must not exist, or be empty).
    path: PathBuf,
    /// The plugin and package name [default: the directory's name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Only write the files: no first build, no recorded size or fuel budget.
    #[arg(long)]
    no_build: bool,
}

const MANIFEST_EXIT_CODES: &str = "\
Exit codes:
  0  the manifest was written
  1  the plugin cannot be loaded or initialised, or MIDIMon would reject its metadata
  2  usage or I/O error: missing file, unreadable file, unwritable --out";

#[derive(Debug, Args)]
struct ManifestArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// The module's file name beside the manifest [default: <name>.wasm, from the metadata].
    #[arg(long, value_name = "FILE_NAME")]
    binary: Option<String>,
    /// Write the manifest here instead of stdout.
    #[arg(long, value_name = "plugin.toml")]
    out: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Per-call limits, shared by every subcommand.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Budget file (TOML, top-level keys such as max_fuel = 1000000, timeout = "2s"; see the
    /// README). Flags override its values.
    #[arg(long, value_name = "FILE")]
    budget: Option<PathBuf>,
    /// Fuel per call, refilled before instantiation and before every call [default: 100000000].
    #[arg(long, value_name = "N", value_parser = parse_positive_count, allow_hyphen_values = true)]
    max_fuel: Option<u64>,
    /// Wall time per call, e.g. 5s, 250ms, 1.5s, 100us [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    timeout: Option<Duration>,
    /// Largest linear memory, inclusive, in bytes or with a KiB/MiB/GiB suffix
    /// [default: 128MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_memory: Option<u64>,
    /// Wall time the compilation may take [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    max_compile_time: Option<Duration>,
    /// Wall time all plugin calls of one check may take together [default: 12 x --timeout
    /// + --note-time].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    max_check_time: Option<Duration>,
    /// Bytes a plugin with the filesystem capability may write to its sandbox directory
    /// [default: 64MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_disk: Option<u64>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Print one JSON object (schema in host-check/README.md) instead of the text report;
    /// the same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// The report's shape: text, json, github (workflow annotations), junit (XML) or
    /// markdown (a job summary) [default: text].
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
    /// Also show what the plugin wrote to stdout and stderr.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Fail when the module is larger than this, in bytes or with a KiB/MiB suffix
    /// [default: no limit].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_size: Option<u64>,
    /// Fail when the module is larger than this after `wasm-opt -Oz` (needs binaryen's
    /// wasm-opt in PATH) [default: not checked].
    #[arg(long, value_name = "BYTES", value_parser = parse_size, allow_hyphen_values = true)]
    max_size_optimized: Option<u64>,
    /// Fail when one note-on `execute` uses more fuel than this [default: no limit].
    #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
    note_fuel: Option<u64>,
    /// Fail when one note-on `execute_postcard` uses more fuel than this (only when exported)
    /// [default: no limit].
    #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
    postcard_fuel: Option<u64>,
    /// Fail when the p99 latency of note-on `execute` exceeds this, e.g. 50us
    /// [default: no limit].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    note_p99: Option<Duration>,
    /// Note-on calls of the note-path measurement, at most [default: 10000].
    #[arg(long, value_name = "N", value_parser = parse_positive_count, allow_hyphen_values = true)]
    note_calls: Option<u64>,
    /// Wall time of the note-path measurement, at most: a slow plugin is measured on fewer
    /// calls rather than waited on [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = parse_nonzero_duration, allow_hyphen_values = true)]
    note_time: Option<Duration>,
    /// The action the note path measures [default: the first declared action].
    #[arg(long, value_name = "ACTION")]
    note_action: Option<String>,
    /// Fail when one `execute` uses more fuel than this on MIDIMon's own note-on request
    /// [default: no limit].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    daemon_fuel: Option<u64>,
    /// Fail when the p99 latency of one event in MIDIMon's flow (fresh instance, alloc, write,
    /// execute) exceeds this [default: no limit].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    event_p99: Option<Duration>,
    /// An action MIDIMon will call: run it in the daemon's flow, and fail if it never returns 0
    /// there. Repeatable; needed for plugins whose metadata lists no actions.
    #[arg(long = "action", value_name = "NAME")]
    actions: Vec<String>,
    /// Turn every warning (a template README rule MIDIMon does not enforce) into a failure.
    #[arg(long)]
    strict: bool,
    /// A MIDIMon config.toml: every mapping that names this plugin must use a declared action.
    #[arg(long, value_name = "MIDIMON_CONFIG.toml")]
    config: Option<PathBuf>,
    /// Also compare the plugin with this older build, as `host-check diff OLD PLUGIN` does
    /// (text, json, github and markdown formats).
    #[arg(long, value_name = "OLD.wasm")]
    baseline: Option<PathBuf>,
    /// With --baseline: fail when a size or fuel metric grew by more than this, e.g. 1%.
    #[arg(long, value_name = "PERCENT", value_parser = diff::MaxGrowth::parse, requires = "baseline")]
    max_growth: Option<diff::MaxGrowth>,
}

/// The shapes of `check`'s report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// The table for people.
    Text,
    /// One JSON object.
    Json,
    /// GitHub workflow annotations.
    Github,
    /// A JUnit XML report.
    Junit,
    /// A Markdown job summary.
    Markdown,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// Its named twin (the same code built with names, e.g. `make build-named`): functions and
    /// data segments are shown by their demangled names.
    #[arg(long, value_name = "NAMED.wasm")]
    names: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The plugin module (.wasm).
    plugin: PathBuf,
    /// The action to run (with --postcard: a declared action or a numeric action index).
    #[arg(required_unless_present = "request")]
    action: Option<String>,
    /// The request's `context` as JSON [default: a note-on: velocity 100, note 60,
    /// metadata {"key":"value"}].
    #[arg(long, value_name = "JSON", conflicts_with = "request")]
    context: Option<String>,
    /// Send this file's bytes verbatim as the request (ACTION is then ignored).
    #[arg(long, value_name = "FILE")]
    request: Option<PathBuf>,
    /// Send a postcard request to `execute_postcard` instead of JSON to `execute`.
    #[arg(long)]
    postcard: bool,
    /// Also print the request body that was sent.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// The plugin modules (.wasm); the first is the reference.
    #[arg(required = true, value_name = "PLUGIN.wasm")]
    plugins: Vec<PathBuf>,
    /// Print one JSON object (schema in host-check/README.md) instead of the table.
    #[arg(long)]
    json: bool,
    /// Timed calls per plugin and path, interleaved in rounds of 100 [default: 20000, at most
    /// 1000000].
    #[arg(long, value_name = "N", value_parser = parse_bench_calls, allow_hyphen_values = true)]
    calls: Option<u64>,
    /// The action every request names [default: my_action].
    #[arg(long, value_name = "ACTION")]
    action: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `--calls`: a positive count of at most [`bench::MAX_CALLS`].
fn parse_bench_calls(text: &str) -> Result<u64, host_check::budget::ValueError> {
    let calls = parse_positive_count(text)?;
    if calls > bench::MAX_CALLS {
        return Err(host_check::budget::ValueError(format!(
            "`{text}` is too many: at most {} calls per plugin and path (each sample is kept)",
            bench::MAX_CALLS
        )));
    }
    Ok(calls)
}

mod cmd_diff;

fn main() -> ExitCode {
    // First, before any thread exists: scratch directories are removed on SIGINT/SIGTERM.
    host_check::signals::install();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => cmd_check(args),
        Command::Inspect(args) => cmd_inspect(&args),
        Command::Run(args) => cmd_run(args),
        Command::Bench(args) => cmd_bench(args),
        Command::Manifest(args) => cmd_manifest(&args),
        Command::New(args) => cmd_new(args),
        Command::Budget(args) => cmd_budget(&args),
        Command::Optimize(args) => cmd_optimize(&args),
        Command::Diff(args) => cmd_diff::run(&args),
    };
    ExitCode::from(code)
}

/// Prints to stdout, ignoring a closed pipe (`host-check ... | head` must not panic).
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Reports a usage or I/O error and returns exit code 2.
fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("host-check: error: {message}");
    EXIT_USAGE
}

/// Budget file, then flags.
fn budgets(limits: &LimitArgs, mut overrides: BudgetOverrides) -> Result<Budgets, u8> {
    let mut budgets = match &limits.budget {
        Some(path) => Budgets::load(path).map_err(usage_error)?,
        None => Budgets::default(),
    };
    overrides.max_fuel = limits.max_fuel;
    overrides.timeout = limits.timeout;
    overrides.max_memory = limits.max_memory;
    overrides.max_compile_time = limits.max_compile_time;
    overrides.max_check_time = limits.max_check_time;
    overrides.max_disk = limits.max_disk;
    budgets.apply(&overrides);
    Ok(budgets)
}

fn read_plugin(path: &Path) -> Result<Vec<u8>, u8> {
    input::read_file(path).map_err(usage_error)
}

/// Checks that the temporary directory can hold scratch directories: an unusable TMPDIR is an
/// environment error (exit 2), not a plugin failure.
fn scratch_usable() -> Result<(), u8> {
    host_check::scratch::ensure_usable().map_err(usage_error)
}

fn cmd_check(args: CheckArgs) -> u8 {
    if let Err(code) = scratch_usable() {
        return code;
    }
    let overrides = BudgetOverrides {
        max_size: args.max_size,
        max_size_optimized: args.max_size_optimized,
        note_fuel: args.note_fuel,
        postcard_fuel: args.postcard_fuel,
        note_p99: args.note_p99,
        note_calls: args.note_calls,
        note_time: args.note_time,
        note_action: args.note_action.clone(),
        daemon_fuel: args.daemon_fuel,
        event_p99: args.event_p99,
        strict: args.strict,
        ..BudgetOverrides::default()
    };
    let budgets = match budgets(&args.limits, overrides) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let mappings = match &args.config {
        Some(path) => match config::load(path) {
            Ok(table) => Some(config::plugin_mappings(&table)),
            Err(e) => return usage_error(e),
        },
        None => None,
    };
    let label = args.plugin.display().to_string();
    let format = match (args.json, args.format) {
        (true, _) => Format::Json,
        (false, format) => format.unwrap_or(Format::Text),
    };
    let baseline = match &args.baseline {
        Some(old) => match cmd_diff::baseline(old, format) {
            Ok(old) => Some(old),
            Err(code) => return code,
        },
        None => None,
    };
    let report = check::check(&label, &wasm, &budgets, &args.actions, mappings.as_ref());
    if let Some(old) = baseline {
        return cmd_diff::check_against(
            &old,
            &report,
            &wasm,
            &budgets,
            args.max_growth,
            format,
            args.verbose,
        );
    }
    print(&match format {
        Format::Text => report.render_text(TextStyle::detect(args.verbose)),
        Format::Json => {
            let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
            format!("{text}\n")
        }
        Format::Github => formats::github(&report),
        Format::Junit => formats::junit(&report),
        Format::Markdown => formats::markdown(&report),
    });
    report.exit_code()
}

fn cmd_inspect(args: &InspectArgs) -> u8 {
    let budgets = match budgets(&args.limits, BudgetOverrides::default()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let twin = match &args.names {
        Some(path) => match read_plugin(path) {
            Ok(twin) => Some(twin),
            Err(code) => return code,
        },
        None => None,
    };
    if let Err(why) = host_check::names::Names::for_module(&wasm, twin.as_deref()) {
        return usage_error(format!(
            "--names {}: {why}",
            args.names.as_deref().unwrap_or(Path::new("")).display()
        ));
    }
    match inspect::inspect_named(
        &args.plugin.display().to_string(),
        &wasm,
        twin.as_deref(),
        &budgets,
    ) {
        Ok(text) => {
            print(&text);
            EXIT_PASS
        }
        Err(why) => {
            eprintln!("host-check: {why}");
            EXIT_FAIL
        }
    }
}

fn cmd_run(args: RunArgs) -> u8 {
    if let Err(code) = scratch_usable() {
        return code;
    }
    let budgets = match budgets(&args.limits, BudgetOverrides::default()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let body = match &args.request {
        Some(path) => match input::read_kind(path, input::FileKind::Request) {
            Ok(bytes) => Some(bytes),
            Err(e) => return usage_error(e),
        },
        None => None,
    };
    let request = RunRequest {
        action: args.action,
        context: args.context,
        body,
        postcard: args.postcard,
        verbose: args.verbose,
    };
    match run::run(&wasm, &budgets, &request) {
        Ok(output) => {
            print(&output.text);
            output.exit_code
        }
        Err(RunError::Usage(why)) => usage_error(why),
        Err(RunError::Plugin(why)) => {
            eprintln!("host-check: {why}");
            EXIT_FAIL
        }
    }
}

fn cmd_bench(args: BenchArgs) -> u8 {
    let budgets = match budgets(&args.limits, BudgetOverrides::default()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut inputs = Vec::with_capacity(args.plugins.len());
    for path in &args.plugins {
        match read_plugin(path) {
            Ok(wasm) => inputs.push(bench::BenchInput {
                file: path.display().to_string(),
                wasm,
            }),
            Err(code) => return code,
        }
    }
    let mut options = bench::BenchOptions::new((&budgets).into());
    if let Some(calls) = args.calls {
        options.calls = calls;
    }
    if let Some(action) = args.action {
        options.action = action;
    }
    match bench::bench(&inputs, &options) {
        Ok(report) => {
            if args.json {
                let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
                print(&format!("{text}\n"));
            } else {
                print(&report.render_text(TextStyle::detect(false).colour));
            }
            report.exit_code()
        }
        Err(e) if e.is_usage() => usage_error(e),
        Err(e) => {
            eprintln!("host-check: {e}");
            EXIT_FAIL
        }
    }
}

fn cmd_manifest(args: &ManifestArgs) -> u8 {
    let budgets = match budgets(&args.limits, BudgetOverrides::default()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let meta = match host_check::runner::Plugin::load(&wasm, (&budgets).into())
        .map_err(|e| e.to_string())
        .and_then(|plugin| host_check::metadata::PluginMeta::from_plugin(&plugin))
    {
        Ok(meta) => meta,
        Err(why) => {
            eprintln!("host-check: {why}");
            return EXIT_FAIL;
        }
    };
    let binary = args
        .binary
        .clone()
        .unwrap_or_else(|| manifest::default_binary(&meta));
    let text = match manifest::render(&meta, &binary) {
        Ok(text) => text,
        Err(why) => {
            eprintln!("host-check: {why}");
            return EXIT_FAIL;
        }
    };
    match &args.out {
        None => {
            print(&text);
            EXIT_PASS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => EXIT_PASS,
            Err(e) => usage_error(format!("cannot write {}: {e}", path.display())),
        },
    }
}

fn cmd_new(args: NewArgs) -> u8 {
    let options = scaffold::NewOptions {
        path: args.path,
        name: args.name,
        kit: scaffold::kit_dir(),
        build: !args.no_build,
    };
    match scaffold::create(&options) {
        Ok(created) => {
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
            EXIT_PASS
        }
        Err(e) => usage_error(e),
    }
}

fn cmd_budget(args: &BudgetArgs) -> u8 {
    let percent = u32::try_from(args.headroom.unwrap_or(0)).unwrap_or(u32::MAX);
    let headroom = match budget_file::Headroom::percent(percent) {
        Ok(h) => h,
        Err(why) => return usage_error(why),
    };
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let label = args.plugin.display().to_string();
    let figures = match budget_file::record(&label, &wasm) {
        Ok(f) => f,
        Err(why) => {
            eprintln!("host-check: {why}");
            return EXIT_FAIL;
        }
    };
    let source = format!("`host-check budget` from {label}");
    let text = budget_file::render(Some(&figures), headroom, &source);
    match &args.write {
        None => {
            print(&text);
            EXIT_PASS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                print(&format!(
                    "recorded {}: {} bytes, daemon fuel {}, note fuel {} ({headroom})\n",
                    path.display(),
                    figures.size,
                    figures.daemon_fuel,
                    figures.note_fuel
                ));
                EXIT_PASS
            }
            Err(e) => usage_error(format!("cannot write {}: {e}", path.display())),
        },
    }
}

fn cmd_optimize(args: &OptimizeArgs) -> u8 {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&args.plugin, &args.out) {
        return usage_error(format!(
            "--out {} is the plugin itself; name another file",
            args.out.display()
        ));
    }
    let wasm = match read_plugin(&args.plugin) {
        Ok(w) => w,
        Err(code) => return code,
    };
    match optimize::optimize(&wasm) {
        Ok(optimized) => match std::fs::write(&args.out, &optimized) {
            Ok(()) => {
                print(&format!(
                    "{} bytes -> {} bytes after wasm-opt -Oz ({})\n",
                    wasm.len(),
                    optimized.len(),
                    args.out.display()
                ));
                EXIT_PASS
            }
            Err(e) => usage_error(format!("cannot write {}: {e}", args.out.display())),
        },
        Err(e @ optimize::OptimizeError::NotFound) => usage_error(e),
        Err(e) => {
            eprintln!("host-check: {e}");
            EXIT_FAIL
        }
    }
}
