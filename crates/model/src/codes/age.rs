//! Five-year age groups (0-4 … 80-84, 85+), as in UN census tabulations.

use chrono::{Datelike, NaiveDate};

/// A five-year age group; the last group is open (85+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgeGroup {
    lower: u8,
}

impl AgeGroup {
    /// Lower bound of the open-ended last group.
    pub const OPEN_FROM: u32 = 85;

    /// All 18 groups in order.
    pub fn all() -> impl Iterator<Item = AgeGroup> {
        (0..=17u8).map(|i| AgeGroup { lower: i * 5 })
    }

    /// The group of an age in completed years.
    pub fn from_age(age: u32) -> AgeGroup {
        let capped = age.min(Self::OPEN_FROM);
        // capped <= 85, so the quotient fits a u8
        let lower = u8::try_from(capped - capped % 5).unwrap_or(85);
        AgeGroup { lower }
    }

    /// The group of someone born on `birth`, on `on_date`; `None` if born after `on_date`.
    pub fn from_birth_date(birth: NaiveDate, on_date: NaiveDate) -> Option<AgeGroup> {
        age_on(birth, on_date).map(AgeGroup::from_age)
    }

    pub fn lower(self) -> u32 {
        u32::from(self.lower)
    }

    /// Upper bound (inclusive); `None` for 85+.
    pub fn upper(self) -> Option<u32> {
        (self.lower() < Self::OPEN_FROM).then(|| self.lower() + 4)
    }

    /// `0-4`, `5-9`, …, `80-84`, `85+`.
    pub fn label(self) -> String {
        match self.upper() {
            Some(upper) => format!("{}-{}", self.lower, upper),
            None => format!("{}+", self.lower),
        }
    }

    /// The SDMX code (SDMX cross-domain AGE codelist style): `Y0T4`, …, `Y80T84`, `Y_GE85`.
    pub fn sdmx_code(self) -> String {
        match self.upper() {
            Some(upper) => format!("Y{}T{}", self.lower, upper),
            None => format!("Y_GE{}", self.lower),
        }
    }
}

/// Age in completed years on `on_date`; `None` if born after it.
pub fn age_on(birth: NaiveDate, on_date: NaiveDate) -> Option<u32> {
    if birth > on_date {
        return None;
    }
    let mut years = on_date.year() - birth.year();
    if (on_date.month(), on_date.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn check(age: u32, expected: &str) {
        assert_eq!(AgeGroup::from_age(age).label(), expected, "age {age}");
    }

    #[test]
    fn from_age() {
        check(0, "0-4");
        check(4, "0-4");
        check(5, "5-9");
        check(17, "15-19");
        check(84, "80-84");
        check(85, "85+");
        check(119, "85+");
    }

    fn check_birth(birth: &str, on: &str, expected: Option<&str>) {
        let got = AgeGroup::from_birth_date(d(birth), d(on)).map(AgeGroup::label);
        assert_eq!(got.as_deref(), expected, "{birth} on {on}");
    }

    #[test]
    fn from_birth_date() {
        check_birth("2000-06-15", "2005-06-14", Some("0-4"));
        check_birth("2000-06-15", "2005-06-15", Some("5-9"));
        check_birth("2000-02-29", "2005-02-28", Some("0-4"));
        check_birth("2000-02-29", "2005-03-01", Some("5-9"));
        check_birth("1930-01-01", "2025-01-01", Some("85+"));
        check_birth("2026-01-01", "2025-01-01", None);
    }

    #[test]
    fn all_groups_and_codes() {
        let groups: Vec<String> = AgeGroup::all().map(AgeGroup::label).collect();
        assert_eq!(groups.len(), 18);
        assert_eq!(groups.first().map(String::as_str), Some("0-4"));
        assert_eq!(groups.last().map(String::as_str), Some("85+"));
        assert_eq!(AgeGroup::from_age(23).sdmx_code(), "Y20T24");
        assert_eq!(AgeGroup::from_age(90).sdmx_code(), "Y_GE85");
    }
}
