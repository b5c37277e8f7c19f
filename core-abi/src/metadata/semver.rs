//! Semantic versions (semver 2.0.0), checked in `const` context so the metadata macro can reject
//! a bad version at compile time.

/// Whether `v` is a semantic version 2.0.0: `MAJOR.MINOR.PATCH`, numbers without leading zeros,
/// then optional `-pre.release` and `+build.meta` identifiers.
pub const fn is_semver(v: &[u8]) -> bool {
    let mut i = 0;
    let mut part = 0;
    while part < 3 {
        let start = i;
        while i < v.len() && v[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || (v[start] == b'0' && i - start > 1) {
            return false;
        }
        part += 1;
        if part < 3 {
            if i >= v.len() || v[i] != b'.' {
                return false;
            }
            i += 1;
        }
    }
    if i < v.len() && v[i] == b'-' {
        i += 1;
        let end = identifiers_end(v, i, true);
        if end == i {
            return false;
        }
        i = end;
    }
    if i < v.len() && v[i] == b'+' {
        i += 1;
        let end = identifiers_end(v, i, false);
        if end == i {
            return false;
        }
        i = end;
    }
    i == v.len()
}

/// End of a run of dot-separated `[0-9A-Za-z-]+` identifiers starting at `i`, or `i` when the run
/// is invalid. Pre-release numeric identifiers may not have leading zeros.
const fn identifiers_end(v: &[u8], mut i: usize, pre_release: bool) -> usize {
    let begin = i;
    loop {
        let start = i;
        let mut numeric = true;
        while i < v.len() && (v[i].is_ascii_alphanumeric() || v[i] == b'-') {
            numeric = numeric && v[i].is_ascii_digit();
            i += 1;
        }
        if i == start || (pre_release && numeric && v[start] == b'0' && i - start > 1) {
            return begin;
        }
        if i < v.len() && v[i] == b'.' {
            i += 1;
        } else {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver() {
        for ok in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x-y.z",
            "1.0.0+20130313",
            "1.0.0-beta+exp.sha.5114f85",
        ] {
            assert!(is_semver(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "v1.2.3",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3 ",
            "1.2.3-é",
        ] {
            assert!(!is_semver(bad.as_bytes()), "{bad}");
        }
    }
}
