//! The `host-check` binary: the command line is [`host_check::cmd`]; this only installs the
//! signal handler first and hands the exit code back to the process.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before any thread exists: scratch directories are removed on SIGINT/SIGTERM.
    host_check::signals::install();
    ExitCode::from(host_check::cmd::main())
}
