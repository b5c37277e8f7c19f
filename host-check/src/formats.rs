//! The report in the shapes CI systems read: GitHub workflow annotations, a JUnit XML report and
//! a Markdown job summary (`check --format ...`).
//!
//! A plugin's own CI is where host-check's verdict matters most, and each CI shows problems best
//! in its own format: GitHub turns `::error::` lines into annotations, most CI servers read
//! JUnit XML, and GitHub's job summary renders Markdown. Each renderer takes the same [`Report`]
//! and escapes what it prints for that format, so a plugin's hostile names cannot break out of
//! it.

use std::fmt;

use crate::fmt::{format_duration, printable};
use crate::report::{Report, Status};

/// GitHub workflow commands: one `::error` per failure and one `::warning` per warning, titled
/// with the check id, then a `::notice` with the verdict.
pub fn github(report: &Report) -> String {
    Github(report).to_string()
}

/// JUnit XML: one test case per check, failed, skipped or passed; warnings pass with their
/// detail in `system-out` (they fail only with `--strict`, where they are failures).
pub fn junit(report: &Report) -> String {
    Junit(report).to_string()
}

/// A Markdown job summary: the verdict, the failures and warnings, then every check in a table.
pub fn markdown(report: &Report) -> String {
    Markdown(report).to_string()
}

/// The report as GitHub workflow commands (see [`github`]).
struct Github<'a>(&'a Report);

impl fmt::Display for Github<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        for c in &report.checks {
            let level = match c.status {
                Status::Fail => "error",
                Status::Warn => "warning",
                Status::Pass | Status::Skip => continue,
            };
            writeln!(
                f,
                "::{level} file={},title=host-check {}::{}",
                github_property(&report.file),
                github_property(&c.id),
                github_data(&c.detail)
            )?;
        }
        writeln!(
            f,
            "::notice title=host-check::{}",
            github_data(&Verdict(report).to_string())
        )
    }
}

/// The report as JUnit XML (see [`junit`]).
struct Junit<'a>(&'a Report);

impl fmt::Display for Junit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let count = |s| report.with_status(s).count();
        writeln!(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            f,
            "<testsuites name=\"host-check\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            report.checks.len(),
            count(Status::Fail),
            count(Status::Skip),
            report.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&report.file),
            report.checks.len(),
            count(Status::Fail),
            count(Status::Skip)
        )?;
        for c in &report.checks {
            write!(
                f,
                "    <testcase classname=\"host-check\" name=\"{}\"",
                xml(&c.id)
            )?;
            match c.status {
                Status::Pass => writeln!(f, "/>")?,
                Status::Warn => writeln!(
                    f,
                    "><system-out>WARN {}</system-out></testcase>",
                    xml(&c.detail)
                )?,
                Status::Skip => {
                    writeln!(f, "><skipped message=\"{}\"/></testcase>", xml(&c.detail))?
                }
                Status::Fail => {
                    writeln!(f, "><failure message=\"{}\"/></testcase>", xml(&c.detail))?
                }
            }
        }
        writeln!(f, "  </testsuite>\n</testsuites>")
    }
}

/// The report as a Markdown job summary (see [`markdown`]).
struct Markdown<'a>(&'a Report);

impl fmt::Display for Markdown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        writeln!(
            f,
            "### host-check: `{}`\n\n**{}**\n",
            md_code(&report.file),
            md(&Verdict(report).to_string())
        )?;
        for (status, label) in [(Status::Fail, "FAIL"), (Status::Warn, "WARN")] {
            for c in report.with_status(status) {
                writeln!(f, "- **{label}** `{}`: {}", md_code(&c.id), md(&c.detail))?;
            }
        }
        write!(f, "\n| check | status | detail |\n|---|---|---|\n")?;
        for c in &report.checks {
            writeln!(
                f,
                "| `{}` | {} | {} |",
                md_code(&c.id),
                c.status.label(),
                md(&c.detail)
            )?;
        }
        Ok(())
    }
}

/// `PASS (0 failed, 2 warnings, 50 passed, 1 skipped; 1.2s)`, as the text report ends.
struct Verdict<'a>(&'a Report);

impl fmt::Display for Verdict<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let count = |s| report.with_status(s).count();
        write!(
            f,
            "{} ({}{} failed, {} warnings, {} passed, {} skipped; {})",
            if report.passed() { "PASS" } else { "FAIL" },
            if report.strict { "strict: " } else { "" },
            count(Status::Fail),
            count(Status::Warn),
            count(Status::Pass),
            count(Status::Skip),
            format_duration(report.elapsed)
        )
    }
}

/// A workflow command's message: control characters shown (so no CR or LF is left) and `%`
/// escaped.
fn github_data(text: &str) -> String {
    printable(text).replace('%', "%25")
}

/// A workflow command's property value: also `:` and `,`.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Text for an XML attribute or element.
fn xml(text: &str) -> String {
    printable(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Text for a Markdown table cell or list item: pipes and markup characters escaped.
fn md(text: &str) -> String {
    let mut out = String::new();
    for ch in printable(text).chars() {
        if matches!(ch, '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Text inside a Markdown code span: backticks and pipes replaced (they cannot be escaped
/// there).
fn md_code(text: &str) -> String {
    printable(text).replace('`', "'").replace('|', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Finding;

    fn report() -> Report {
        Report {
            file: "a,b:c.wasm".to_string(),
            checks: vec![
                Finding::pass("size", "12 bytes"),
                Finding::warn("malformed.empty", "returned 0 | 100% <sure>\nnext"),
                Finding::fail("init.metadata", "no \"license\" & more"),
                Finding::skip("postcard.fuel", "not run"),
            ],
            ..Report::default()
        }
    }

    #[test]
    fn github_annotations_are_escaped() {
        let text = github(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[0],
            "::warning file=a%2Cb%3Ac.wasm,title=host-check malformed.empty::returned 0 | 100%25 <sure>\\nnext"
        );
        assert!(
            lines[1].starts_with("::error file=a%2Cb%3Ac.wasm,title=host-check init.metadata::")
        );
        assert!(lines[2].starts_with("::notice title=host-check::FAIL (1 failed, 1 warnings"));
    }

    #[test]
    fn junit_counts_and_escapes() {
        let xml = junit(&report());
        assert!(
            xml.contains("tests=\"4\" failures=\"1\" skipped=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("<failure message=\"no &quot;license&quot; &amp; more\"/>"));
        assert!(xml.contains("<system-out>WARN returned 0 | 100% &lt;sure&gt;"));
        assert!(xml.contains("<testcase classname=\"host-check\" name=\"size\"/>"));
        assert!(
            !xml.contains("\nnext"),
            "control characters are shown, not kept: {xml}"
        );
    }

    #[test]
    fn markdown_tables_stay_tables() {
        let md = markdown(&report());
        assert!(md.contains("**FAIL (1 failed"), "{md}");
        assert!(md.contains("- **FAIL** `init.metadata`: no \"license\" & more"));
        let row = md
            .lines()
            .find(|l| l.starts_with("| `malformed.empty`"))
            .unwrap_or_default();
        assert_eq!(row.matches(" | ").count(), 2, "{row}");
        assert!(row.contains("returned 0 \\| 100% \\<sure\\>"), "{row}");
    }
}
