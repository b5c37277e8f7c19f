//! One check's outcome: its id, status, detail and, when it compares a figure with a budget,
//! the measure. Every check module produces these, so they sit below all of them.

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Pass,
    /// The check passed, but something deserves attention; does not fail the verdict.
    Warn,
    /// The check failed; the verdict is "fail" and the exit code 1.
    Fail,
    /// The check did not run (an earlier check failed, or it does not apply).
    Skip,
}

impl Status {
    /// `PASS`, `WARN`, `FAIL` or `SKIP`, as in the text report.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }

    /// `pass`, `warn`, `fail` or `skip`, as in the JSON report.
    pub fn json_name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }

    /// ANSI colour code of the label.
    pub(super) fn colour(self) -> &'static str {
        match self {
            Status::Pass => "32",
            Status::Warn => "33",
            Status::Fail => "1;31",
            Status::Skip => "2",
        }
    }
}

/// The unit of a [`Measure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes.
    Bytes,
    /// Fuel (wasm instructions).
    Fuel,
    /// Nanoseconds.
    Nanos,
}

impl Unit {
    /// `bytes`, `fuel` or `ns`, as in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Fuel => "fuel",
            Unit::Nanos => "ns",
        }
    }
}

/// The figure a check measured and the budget it was held to, for tools (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// What was measured.
    pub measured: u64,
    /// The budget; `None` when none was set.
    pub limit: Option<u64>,
    /// Their unit.
    pub unit: Unit,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable dotted check id, e.g. `exports.init`.
    pub id: String,
    /// Outcome.
    pub status: Status,
    /// What was found, in one sentence a plugin author can act on.
    pub detail: String,
    /// The figure behind the verdict, for checks that compare one with a budget.
    pub measure: Option<Measure>,
}

impl Finding {
    /// A finding with this status.
    pub fn new(id: &str, status: Status, detail: impl Into<String>) -> Finding {
        Finding {
            id: id.to_string(),
            status,
            detail: detail.into(),
            measure: None,
        }
    }

    /// A passed check.
    pub fn pass(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Pass, detail)
    }

    /// A failed check.
    pub fn fail(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Fail, detail)
    }

    /// A warning.
    pub fn warn(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Warn, detail)
    }

    /// A check that did not run.
    pub fn skip(id: &str, detail: impl Into<String>) -> Finding {
        Finding::new(id, Status::Skip, detail)
    }

    /// The finding with the figure it measured and the budget it was held to.
    pub fn measured(mut self, measured: u64, limit: Option<u64>, unit: Unit) -> Finding {
        self.measure = Some(Measure {
            measured,
            limit,
            unit,
        });
        self
    }

    /// The finding of a rule only the template README sets (MIDIMon does not enforce it): a
    /// failure becomes a warning, and every warning names the rule's source. `--strict` turns
    /// them back into failures.
    pub fn as_conformance(mut self) -> Finding {
        if matches!(self.status, Status::Fail | Status::Warn) {
            self.status = Status::Warn;
            if !self.detail.starts_with(README_RULE) {
                self.detail.insert_str(0, README_RULE);
            }
        }
        self
    }
}

/// How a warning names a rule of the template README rather than of MIDIMon.
pub const README_RULE: &str = "template README: ";
