//! SDMX time periods: `YYYY` (annual), `YYYY-Sn`, `YYYY-Qn`, `YYYY-MM` and `YYYY-MM-DD`, each a
//! closed interval of days. Queries compare by overlap: an observation is selected by
//! `startPeriod`/`endPeriod` when its interval meets the query's (`startPeriod=2020-Q3` keeps the
//! annual 2020 value, which covers the third quarter).

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimePeriod {
    Year(i32),
    /// Half-year 1 or 2.
    Semester(i32, u8),
    /// Quarter 1 to 4.
    Quarter(i32, u8),
    /// Month 1 to 12.
    Month(i32, u8),
    Day(NaiveDate),
}

impl TimePeriod {
    /// Parses `2023`, `2023-A1`, `2023-S2`, `2023-Q1`, `2023-03`, `2023-M03`, `2023-03-15`.
    /// Years are four digits, 1000 to 9999.
    pub fn parse(s: &str) -> Option<TimePeriod> {
        let s = s.trim();
        let year = |y: &str| -> Option<i32> {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| *y >= 1000)
        };
        let small = |d: &str, lo: u8, hi: u8| -> Option<u8> {
            (!d.is_empty() && d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit()))
                .then(|| d.parse::<u8>().ok())
                .flatten()
                .filter(|n| (lo..=hi).contains(n))
        };
        let (y, rest) = match s.split_once('-') {
            None => return year(s).map(TimePeriod::Year),
            Some(p) => p,
        };
        let y = year(y)?;
        if let Some(r) = rest.strip_prefix('A') {
            return (r == "1").then_some(TimePeriod::Year(y));
        }
        if let Some(r) = rest.strip_prefix('S') {
            return (r.len() == 1)
                .then(|| small(r, 1, 2))
                .flatten()
                .map(|n| TimePeriod::Semester(y, n));
        }
        if let Some(r) = rest.strip_prefix('Q') {
            return (r.len() == 1)
                .then(|| small(r, 1, 4))
                .flatten()
                .map(|n| TimePeriod::Quarter(y, n));
        }
        if let Some(r) = rest.strip_prefix('M') {
            return (r.len() == 2)
                .then(|| small(r, 1, 12))
                .flatten()
                .map(|n| TimePeriod::Month(y, n));
        }
        match rest.split_once('-') {
            None => (rest.len() == 2)
                .then(|| small(rest, 1, 12))
                .flatten()
                .map(|m| TimePeriod::Month(y, m)),
            Some((m, d)) => {
                let m = (m.len() == 2).then(|| small(m, 1, 12)).flatten()?;
                let d = (d.len() == 2).then(|| small(d, 1, 31)).flatten()?;
                NaiveDate::from_ymd_opt(y, u32::from(m), u32::from(d)).map(TimePeriod::Day)
            }
        }
    }

    /// First day of the period.
    pub fn start(self) -> NaiveDate {
        let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
        match self {
            TimePeriod::Year(y) => ymd(y, 1),
            TimePeriod::Semester(y, s) => ymd(y, u32::from(s) * 6 - 5),
            TimePeriod::Quarter(y, q) => ymd(y, u32::from(q) * 3 - 2),
            TimePeriod::Month(y, m) => ymd(y, u32::from(m)),
            TimePeriod::Day(d) => d,
        }
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        // The day before the first day of the next period of the same length.
        let last_of = |y: i32, m: u32| {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            NaiveDate::from_ymd_opt(ny, nm, 1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(NaiveDate::MAX)
        };
        match self {
            TimePeriod::Year(y) => last_of(y, 12),
            TimePeriod::Semester(y, s) => last_of(y, u32::from(s) * 6),
            TimePeriod::Quarter(y, q) => last_of(y, u32::from(q) * 3),
            TimePeriod::Month(y, m) => last_of(y, u32::from(m)),
            TimePeriod::Day(d) => d,
        }
    }

    /// True when the two periods share at least one day.
    pub fn overlaps(self, other: TimePeriod) -> bool {
        self.start() <= other.end() && other.start() <= self.end()
    }

    /// The `FREQ` code of the period: `A`, `S`, `Q`, `M`, `D`.
    pub fn freq(self) -> &'static str {
        match self {
            TimePeriod::Year(_) => "A",
            TimePeriod::Semester(..) => "S",
            TimePeriod::Quarter(..) => "Q",
            TimePeriod::Month(..) => "M",
            TimePeriod::Day(_) => "D",
        }
    }

    /// Sort key: by start, then shorter periods first.
    pub fn sort_key(self) -> (NaiveDate, NaiveDate) {
        (self.start(), self.end())
    }
}

impl fmt::Display for TimePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TimePeriod::Year(y) => write!(f, "{y}"),
            TimePeriod::Semester(y, s) => write!(f, "{y}-S{s}"),
            TimePeriod::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            TimePeriod::Month(y, m) => write!(f, "{y}-{m:02}"),
            TimePeriod::Day(d) => write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<(&str, &str, &str)>) {
        let got = TimePeriod::parse(input)
            .map(|p| (p.to_string(), p.start().to_string(), p.end().to_string()));
        let expected = expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
        assert_eq!(got, expected, "{input:?}");
    }

    #[test]
    fn parse_cases() {
        check("2023", Some(("2023", "2023-01-01", "2023-12-31")));
        check("2023-A1", Some(("2023", "2023-01-01", "2023-12-31")));
        check("2023-S2", Some(("2023-S2", "2023-07-01", "2023-12-31")));
        check("2023-Q1", Some(("2023-Q1", "2023-01-01", "2023-03-31")));
        check("2024-Q4", Some(("2024-Q4", "2024-10-01", "2024-12-31")));
        check("2024-02", Some(("2024-02", "2024-02-01", "2024-02-29")));
        check("2023-M02", Some(("2023-02", "2023-02-01", "2023-02-28")));
        check("2023-12", Some(("2023-12", "2023-12-01", "2023-12-31")));
        check(
            "2023-03-15",
            Some(("2023-03-15", "2023-03-15", "2023-03-15")),
        );
        check("2023-02-30", None);
        check("2023-Q5", None);
        check("2023-Q0", None);
        check("2023-13", None);
        check("2023-1", None);
        check("23", None);
        check("0999", None);
        check("2023-S3", None);
        check("2023-W01", None);
        check("", None);
        check("2023-", None);
        check("+2023", None);
    }

    #[test]
    fn overlap_cases() {
        let p = |s: &str| TimePeriod::parse(s).unwrap();
        let cases = [
            ("2020", "2020-Q3", true),
            ("2020", "2021-01", false),
            ("2020-Q4", "2020-12-31", true),
            ("2020-Q4", "2021", false),
            ("2020-S1", "2020-06", true),
            ("2020-S1", "2020-07", false),
            ("2020-07-01", "2020-S2", true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(p(a).overlaps(p(b)), expected, "{a} ~ {b}");
            assert_eq!(p(b).overlaps(p(a)), expected, "{b} ~ {a}");
        }
    }
}
