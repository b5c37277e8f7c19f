//! `--max-growth`: how much a size or fuel figure may grow between two builds, in percent.
//!
//! Kept exact: the limit is held in hundredths of a percent, so `1%` of 10,000 bytes allows
//! exactly 100 more, and a bare number is refused rather than read as bytes or as a fraction.

/// `--max-growth`: the most a gated metric may grow, in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxGrowth(u64);

impl MaxGrowth {
    /// Parses `1%`, `0.5%`, `0%` (at most two decimals). A bare number is refused: the unit is
    /// spelled out so that nobody reads `2` as 2 bytes.
    pub fn parse(text: &str) -> Result<MaxGrowth, String> {
        let bad = || {
            format!(
                "`{text}` is not a growth limit: write a percentage such as 1% or 0.5% (absolute \
                 limits are budgets: `check --budget budget.toml` or --max-size)"
            )
        };
        let number = text.trim().strip_suffix('%').ok_or_else(bad)?.trim();
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 {
            return Err(bad());
        }
        let whole: u64 = whole.parse().map_err(|_| bad())?;
        let fraction: u64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
        whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(fraction))
            .map(MaxGrowth)
            .ok_or_else(bad)
    }

    /// The limit in percent.
    pub fn percent(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Whether growing from `old` to `new` stays within the limit.
    pub(crate) fn allows(self, old: f64, new: f64) -> bool {
        new <= old || (old > 0.0 && (new - old) * 10_000.0 <= old * self.0 as f64)
    }
}

impl std::fmt::Display for MaxGrowth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 % 100 {
            0 => write!(f, "{}%", self.0 / 100),
            r => write!(f, "{}.{:02}%", self.0 / 100, r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_limits_parse_as_percentages_only() {
        assert_eq!(MaxGrowth::parse("1%"), Ok(MaxGrowth(100)));
        assert_eq!(MaxGrowth::parse("0.5%"), Ok(MaxGrowth(50)));
        assert_eq!(MaxGrowth::parse(" 12.25 %"), Ok(MaxGrowth(1225)));
        assert_eq!(MaxGrowth::parse("0%"), Ok(MaxGrowth(0)));
        for bad in ["1", "2KB", "-1%", "1.234%", "%", ".5%", "1e3%", ""] {
            assert!(MaxGrowth::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(MaxGrowth(50).to_string(), "0.50%");
        assert_eq!(MaxGrowth(100).to_string(), "1%");
    }

    #[test]
    fn limits_are_inclusive_and_zero_means_no_growth() {
        let one = MaxGrowth(100);
        assert!(one.allows(1000.0, 1010.0));
        assert!(!one.allows(1000.0, 1011.0));
        assert!(one.allows(1000.0, 900.0));
        assert!(!MaxGrowth(0).allows(1000.0, 1001.0));
        assert!(MaxGrowth(0).allows(0.0, 0.0));
        assert!(!MaxGrowth(10_000).allows(0.0, 1.0));
    }
}
