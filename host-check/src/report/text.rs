//! The report as text for people: a table of findings, the figures, the plugin's output, and
//! one `FAIL <id>: <why>` line per failure at the end, for grep.

use std::fmt;

use super::content::{DaemonEvent, NotePath, Report};
use super::finding::Status;
use crate::fmt::{excerpt, format_duration, group, paint, printable, Painted};
use crate::runner::ENGINE;
use crate::stats::Latency;

/// How to render the text report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStyle {
    /// Use ANSI colours.
    pub colour: bool,
    /// Show captured stdout/stderr.
    pub verbose: bool,
}

impl TextStyle {
    /// Colours when stdout is a terminal and `NO_COLOR` is unset (<https://no-color.org>).
    pub fn detect(verbose: bool) -> TextStyle {
        use std::io::IsTerminal;
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        TextStyle {
            colour: std::io::stdout().is_terminal() && !no_colour,
            verbose,
        }
    }

    fn paint<'a, T: fmt::Display>(&self, code: &'a str, text: T) -> Painted<'a, T> {
        paint(self.colour, code, text)
    }
}

/// The text report of a [`Report`] in a [`TextStyle`], as [`fmt::Display`]
/// (from [`Report::text`]).
#[derive(Debug, Clone, Copy)]
pub struct ReportText<'a> {
    report: &'a Report,
    style: TextStyle,
}

impl Report {
    /// The human-readable report, to print or format.
    pub fn text(&self, style: TextStyle) -> ReportText<'_> {
        ReportText {
            report: self,
            style,
        }
    }

    /// The human-readable report as a string.
    pub fn render_text(&self, style: TextStyle) -> String {
        self.text(style).to_string()
    }
}

impl fmt::Display for ReportText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, style) = (self.report, self.style);
        writeln!(
            f,
            "{}",
            style.paint("1", format_args!("host-check: {}", printable(&r.file)))
        )?;
        self.header(f)?;
        writeln!(f)?;
        self.table(f)?;
        if let Some(n) = &r.note_path {
            writeln!(f)?;
            self.note_path(f, n)?;
        }
        if let Some(d) = &r.daemon_event {
            writeln!(f)?;
            self.daemon_event(f, d)?;
        }
        if style.verbose {
            self.output(f)?;
        }
        self.problems(f)?;
        writeln!(f)?;
        self.verdict(f)
    }
}

impl ReportText<'_> {
    /// The module's facts and the plugin's metadata.
    fn header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.report;
        writeln!(f, "  size     {} bytes", group(r.size))?;
        writeln!(f, "  engine   {ENGINE}")?;
        match (r.abi_version, r.abi_marker) {
            (Some(v), true) => writeln!(f, "  abi      v{v} (marker export)")?,
            (Some(v), false) => writeln!(f, "  abi      v{v} (no marker: v1 assumed)")?,
            (None, _) => writeln!(f, "  abi      unknown")?,
        }
        if let Some(meta) = &r.metadata {
            write!(
                f,
                "  plugin   {} {}",
                printable(&meta.name),
                printable(&meta.version)
            )?;
            if !meta.author.is_empty() {
                write!(f, " by {}", printable(&meta.author))?;
            }
            writeln!(f)?;
            writeln!(
                f,
                "  actions  {} ({})",
                meta.actions.len(),
                printable(&meta.action_list())
            )?;
            let caps = meta.capability_names();
            if caps.is_empty() {
                writeln!(f, "  caps     none")?;
            } else {
                writeln!(f, "  caps     {}", caps.join(", "))?;
            }
        }
        Ok(())
    }

    /// One row per finding.
    fn table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, style) = (self.report, self.style);
        let width = r
            .checks
            .iter()
            .map(|c| c.id.chars().count())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        writeln!(
            f,
            "{}",
            style.paint("1", format_args!("{:width$}  STATUS  DETAIL", "CHECK"))
        )?;
        for c in &r.checks {
            writeln!(
                f,
                "{:width$}  {}    {}",
                printable(&c.id),
                style.paint(c.status.colour(), c.status.label()),
                printable(&c.detail)
            )?;
        }
        Ok(())
    }

    fn note_path(&self, f: &mut fmt::Formatter<'_>, n: &NotePath) -> fmt::Result {
        let stop = if n.stopped_by_time {
            "stopped by --note-time"
        } else {
            "all --note-calls made"
        };
        writeln!(
            f,
            "{}",
            self.style.paint(
                "1",
                format_args!(
                    "note path: \"{}\", {} note-on calls in {} ({stop})",
                    printable(&n.action),
                    group(n.calls),
                    format_duration(n.elapsed)
                )
            )
        )?;
        if n.fuel_min == n.fuel_max {
            writeln!(f, "  fuel               {} per call", group(n.fuel_max))?;
        } else {
            writeln!(
                f,
                "  fuel               {} to {} per call",
                group(n.fuel_min),
                group(n.fuel_max)
            )?;
        }
        writeln!(f, "  execute latency    {}", LatencyText(&n.execute))?;
        writeln!(f, "  host cycle         {}", LatencyText(&n.cycle))?;
        write!(
            f,
            "  memory high-water  {} bytes (",
            group(n.memory_high_water)
        )?;
        if n.memory_growth == 0 {
            writeln!(f, "no growth after the first call)")?;
        } else {
            writeln!(
                f,
                "grew by {} bytes after the first call)",
                group(n.memory_growth)
            )?;
        }
        if let Some(fuel) = n.postcard_fuel {
            writeln!(f, "  postcard fuel      {} per call", group(fuel))?;
        }
        Ok(())
    }

    fn daemon_event(&self, f: &mut fmt::Formatter<'_>, d: &DaemonEvent) -> fmt::Result {
        writeln!(
            f,
            "{}",
            self.style.paint(
                "1",
                format_args!(
                    "daemon flow: \"{}\", {} events, each on a fresh instance",
                    printable(&d.action),
                    group(d.events)
                )
            )
        )?;
        writeln!(
            f,
            "  fuel               {} per event (start {} + alloc {} + execute {})",
            group(d.start_fuel + d.alloc_fuel + d.execute_fuel),
            group(d.start_fuel),
            group(d.alloc_fuel),
            group(d.execute_fuel)
        )?;
        writeln!(f, "  event latency      {}", LatencyText(&d.event))?;
        if let Some(n) = &self.report.note_path {
            writeln!(f, "  warm host cycle    {}", LatencyText(&n.cycle))?;
        }
        Ok(())
    }

    /// What the plugin wrote, phase by phase (`--verbose`).
    fn output(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for phase in &self.report.output {
            writeln!(f)?;
            writeln!(
                f,
                "{}",
                self.style
                    .paint("1", format_args!("captured output ({}):", phase.phase))
            )?;
            for (name, bytes) in [
                ("stdout", &phase.captured.stdout),
                ("stderr", &phase.captured.stderr),
            ] {
                if bytes.is_empty() {
                    continue;
                }
                let (text, cut) = excerpt(bytes);
                writeln!(f, "  {name}:")?;
                for line in text.lines() {
                    writeln!(f, "    {}", printable(line))?;
                }
                if cut > 0 {
                    writeln!(f, "    ... ({} more bytes)", group(cut as u64))?;
                }
            }
        }
        Ok(())
    }

    /// One plain `FAIL`/`WARN` line per problem, failures first: they are what a CI log
    /// reader looks for, and grep finds them in coloured logs too.
    fn problems(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.report;
        let mut fails = r.with_status(Status::Fail).peekable();
        let mut warns = r.with_status(Status::Warn).peekable();
        if fails.peek().is_some() || warns.peek().is_some() {
            writeln!(f)?;
        }
        for c in fails {
            writeln!(f, "FAIL {}: {}", printable(&c.id), printable(&c.detail))?;
        }
        for c in warns {
            writeln!(f, "WARN {}: {}", printable(&c.id), printable(&c.detail))?;
        }
        Ok(())
    }

    fn verdict(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, style) = (self.report, self.style);
        let count = |s| r.with_status(s).count();
        let verdict = if r.passed() {
            style.paint(Status::Pass.colour(), "PASS")
        } else {
            style.paint(Status::Fail.colour(), "FAIL")
        };
        writeln!(
            f,
            "verdict: {verdict} ({}{} failed, {} warnings, {} passed, {} skipped; {})",
            if r.strict { "strict: " } else { "" },
            count(Status::Fail),
            count(Status::Warn),
            count(Status::Pass),
            count(Status::Skip),
            format_duration(r.elapsed)
        )
    }
}

/// `p50 1.2µs  p99 3.4µs  max 20µs`.
struct LatencyText<'a>(&'a Latency);

impl fmt::Display for LatencyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p50 {}  p99 {}  max {}",
            format_duration(self.0.p50),
            format_duration(self.0.p99),
            format_duration(self.0.max)
        )
    }
}
