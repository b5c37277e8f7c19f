//! Writing a budget file from what a plugin measures now (`host-check budget`, `host-check new`).
//!
//! A plugin's own CI holds it to its current size and fuel, so that a change that makes it grow
//! fails and says by how much. The figures come from a strict `check` (a plugin that breaks a
//! rule has no budget worth recording); sizes are rounded up to the next 128 bytes, and a
//! headroom, when asked for, is added before rounding. Fuel is deterministic, so it is held
//! exactly unless a headroom is given.

use std::fmt;

use crate::settings::Settings;

/// The template of a plugin's `budget.toml`; `@RECORDED@` is replaced by the figures.
const BUDGET_TOML: &str = include_str!("scaffold/budget.toml.in");

/// Most headroom accepted, in percent: more is no budget at all.
pub const MAX_HEADROOM: u32 = 1000;

/// The figures a budget file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// Module size in bytes.
    pub size: u64,
    /// Fuel of one `execute` on MIDIMon's own note-on request.
    pub daemon_fuel: u64,
    /// Fuel of one note-on `execute` with the README's canonical request.
    pub note_fuel: u64,
}

/// A margin added to every recorded figure, in whole percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headroom(u32);

impl Headroom {
    /// No margin: fuel held exactly, size rounded up to the next 128 bytes.
    pub const EXACT: Headroom = Headroom(0);

    /// `percent` of headroom, at most [`MAX_HEADROOM`].
    pub fn percent(percent: u32) -> Result<Headroom, String> {
        if percent > MAX_HEADROOM {
            return Err(format!(
                "the headroom must be at most {MAX_HEADROOM} percent, not {percent}"
            ));
        }
        Ok(Headroom(percent))
    }

    /// `value` plus the headroom, rounded up.
    fn apply(self, value: u64) -> u64 {
        let extra = (u128::from(value) * u128::from(self.0)).div_ceil(100);
        value.saturating_add(u64::try_from(extra).unwrap_or(u64::MAX))
    }
}

impl fmt::Display for Headroom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("held exactly"),
            p => write!(f, "with {p}% headroom"),
        }
    }
}

/// Checks the module strictly and returns the figures to record; any failure is an error that
/// names the failed checks.
pub fn record(label: &str, wasm: &[u8]) -> Result<Figures, String> {
    let mut budgets = Settings::default();
    budgets.thresholds.strict = true;
    let report = crate::check::check(label, wasm, &budgets, &[], None);
    let json = report.to_json();
    if report.exit_code() != 0 {
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == crate::report::Status::Fail)
            .map(|c| c.id.as_str())
            .collect();
        return Err(format!(
            "`host-check check --strict` fails ({}): fix that before recording budgets",
            crate::fmt::name_list(&failed)
        ));
    }
    let figure = |value: &serde_json::Value, what: &str| {
        value
            .as_u64()
            .ok_or_else(|| format!("the check measured no {what}"))
    };
    Ok(Figures {
        size: figure(&json["size"], "size")?,
        daemon_fuel: figure(&json["daemon_event"]["execute_fuel"], "daemon fuel")?,
        note_fuel: figure(&json["note_path"]["fuel_max"], "note fuel")?,
    })
}

/// The budget file: `strict = true`, plus the figures (with `headroom`) when there are some.
/// `source` says where they were measured, for the file's comment.
pub fn render(figures: Option<&Figures>, headroom: Headroom, source: &str) -> String {
    let recorded = match figures {
        None => "\n# No size or fuel budget yet: build (`cargo build --release`), then run\n\
                  # `host-check budget target/wasm32-unknown-unknown/release/<name>.wasm --write budget.toml`.\n"
            .to_string(),
        Some(f) => format!(
            "\n# Recorded by {source}, {headroom}.\n\
             # Module size: measured {} bytes; the budget is rounded up to the next 128.\n\
             max_size = {}\n\
             # Fuel of one `execute` on MIDIMon's own note-on request: measured {}.\n\
             daemon_fuel = {}\n\
             # Fuel of one note-on `execute` with the README's canonical request: measured {}.\n\
             note_fuel = {}\n",
            f.size,
            headroom.apply(f.size).div_ceil(128) * 128,
            f.daemon_fuel,
            headroom.apply(f.daemon_fuel),
            f.note_fuel,
            headroom.apply(f.note_fuel),
        ),
    };
    BUDGET_TOML.replace("@RECORDED@\n", &recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIGURES: Figures = Figures {
        size: 5000,
        daemon_fuel: 1234,
        note_fuel: 2345,
    };

    #[test]
    fn rendered_files_parse_and_hold_the_figures() {
        for (figures, size) in [(None, None), (Some(&FIGURES), Some(5120))] {
            let text = render(figures, Headroom::EXACT, "a test");
            let budgets = Settings::from_toml(&text).expect("budget.toml parses");
            assert!(budgets.thresholds.strict);
            assert_eq!(budgets.thresholds.max_size, size);
            assert_eq!(
                budgets.thresholds.daemon_fuel,
                figures.map(|f| f.daemon_fuel)
            );
            assert_eq!(budgets.thresholds.note_fuel, figures.map(|f| f.note_fuel));
        }
    }

    #[test]
    fn headroom_is_added_before_rounding() {
        let ten = Headroom::percent(10).unwrap();
        let budgets = Settings::from_toml(&render(Some(&FIGURES), ten, "a test")).unwrap();
        // 5,000 + 10 % = 5,500, rounded up to 5,504; fuel rounded up to whole units.
        assert_eq!(budgets.thresholds.max_size, Some(5504));
        assert_eq!(budgets.thresholds.daemon_fuel, Some(1358));
        assert_eq!(budgets.thresholds.note_fuel, Some(2580));
        assert!(Headroom::percent(MAX_HEADROOM + 1).is_err());
        assert_eq!(Headroom::percent(0), Ok(Headroom::EXACT));
    }
}
