//! Dimensions, codes and time periods shared by the catalogue, the facts, the cube and the SDMX
//! crate.
//!
//! The dimension ids and codes are the ones agreed with `crates/sdmx` and the disclosure module:
//! `TIME_PERIOD` (`YYYY`, `YYYY-Qn`, `YYYY-MM`), `SEX` (F, M), `AGE` (`Y0T4` … `Y_GE85`),
//! `CITIZENSHIP` / `COUNTRY_BIRTH` / `COUNTERPART_AREA` (ISO 3166-1 alpha-3 and the ICAO codes),
//! `GOVERNORATE`, `OCCUPATION` (`OC0` … `OC9`), `ROUTE`, `CAUSE`, `EXPLOITATION`, `FLOW` (IMM,
//! EMI) and `RESIDENCE` (RES, NRES). In every dimension `_T` is the total and `_U` unknown; the
//! cube never stores `_T` (it is computed at query time) and stores an unknown value as `_U`.
//! `REF_AREA` and `FREQ` are not cube dimensions: the reporting country is one per deployment and
//! the frequency follows from the period asked for.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use marsad_model::codes::{AgeGroup, Sex};

/// The total of a dimension (SDMX `_T`).
pub const TOTAL: &str = "_T";
/// An unknown value (SDMX `_U`).
pub const UNKNOWN: &str = "_U";

/// A dimension a cube can be disaggregated by. `TIME_PERIOD` is always there and is not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Sex,
    Age,
    Citizenship,
    CountryBirth,
    CounterpartArea,
    Governorate,
    Occupation,
    Route,
    Cause,
    Exploitation,
    Flow,
    Residence,
}

impl Dim {
    pub const ALL: [Dim; 12] = [
        Dim::Sex,
        Dim::Age,
        Dim::Citizenship,
        Dim::CountryBirth,
        Dim::CounterpartArea,
        Dim::Governorate,
        Dim::Occupation,
        Dim::Route,
        Dim::Cause,
        Dim::Exploitation,
        Dim::Flow,
        Dim::Residence,
    ];

    /// The SDMX dimension id, e.g. `COUNTERPART_AREA`.
    pub fn id(self) -> &'static str {
        match self {
            Dim::Sex => "SEX",
            Dim::Age => "AGE",
            Dim::Citizenship => "CITIZENSHIP",
            Dim::CountryBirth => "COUNTRY_BIRTH",
            Dim::CounterpartArea => "COUNTERPART_AREA",
            Dim::Governorate => "GOVERNORATE",
            Dim::Occupation => "OCCUPATION",
            Dim::Route => "ROUTE",
            Dim::Cause => "CAUSE",
            Dim::Exploitation => "EXPLOITATION",
            Dim::Flow => "FLOW",
            Dim::Residence => "RESIDENCE",
        }
    }

    /// The dimension whose id is `id` (`MIGRATION_TYPE` is accepted for `FLOW`).
    pub fn parse(id: &str) -> Option<Dim> {
        let id = id.trim();
        if id.eq_ignore_ascii_case("MIGRATION_TYPE") {
            return Some(Dim::Flow);
        }
        Dim::ALL
            .into_iter()
            .find(|d| d.id().eq_ignore_ascii_case(id))
    }

    /// Position in [`Dim::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The SDMX `SEX` code: `M`, `F`; ICAO `X` (unspecified) is `_U`.
pub fn sex_code(sex: Option<Sex>) -> &'static str {
    match sex {
        Some(Sex::M) => "M",
        Some(Sex::F) => "F",
        Some(Sex::X) | None => UNKNOWN,
    }
}

const AGE_CODES: [&str; 18] = [
    "Y0T4", "Y5T9", "Y10T14", "Y15T19", "Y20T24", "Y25T29", "Y30T34", "Y35T39", "Y40T44", "Y45T49",
    "Y50T54", "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y75T79", "Y80T84", "Y_GE85",
];

/// The SDMX `AGE` code of an age group (`Y0T4` … `Y_GE85`), without allocating.
pub fn age_group_code(group: AgeGroup) -> &'static str {
    let i = usize::try_from(group.lower() / 5).unwrap_or(17);
    AGE_CODES.get(i).copied().unwrap_or(UNKNOWN)
}

/// The `AGE` code of someone born on `birth` on `on_date`; `_U` when unknown.
pub fn age_code(birth: Option<NaiveDate>, on_date: NaiveDate) -> &'static str {
    birth
        .and_then(|b| AgeGroup::from_birth_date(b, on_date))
        .map_or(UNKNOWN, age_group_code)
}

/// The `AGE` code of an age in completed years.
pub fn age_years_code(age: u32) -> &'static str {
    age_group_code(AgeGroup::from_age(age))
}

const OCCUPATION_CODES: [&str; 10] = [
    "OC0", "OC1", "OC2", "OC3", "OC4", "OC5", "OC6", "OC7", "OC8", "OC9",
];

/// The `OCCUPATION` code (ISCO-08 major group `OC0` … `OC9`) of an ISCO-08 code of 1 to 4
/// digits; `_U` otherwise.
pub fn occupation_code(isco: Option<&str>) -> &'static str {
    isco.and_then(|s| s.bytes().next())
        .filter(u8::is_ascii_digit)
        .and_then(|b| OCCUPATION_CODES.get(usize::from(b - b'0')).copied())
        .unwrap_or(UNKNOWN)
}

/// A calendar month, kept as the number of months since January 1900 (fits 16 bits until the
/// year 7361; the cube packs it so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month(u16);

impl Month {
    /// The first year a month can be in.
    pub const FIRST_YEAR: i32 = 1900;

    /// `month` is 1–12; `None` before 1900 or out of range.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(1..=12).contains(&month) || year < Self::FIRST_YEAR {
            return None;
        }
        let n = (year - Self::FIRST_YEAR) * 12 + i32::try_from(month).ok()? - 1;
        u16::try_from(n).ok().map(Month)
    }

    pub fn of_date(date: NaiveDate) -> Option<Month> {
        Month::new(date.year(), date.month())
    }

    /// Reads `YYYY-MM` (a date `YYYY-MM-DD` or date-time is read by its first seven
    /// characters).
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        let (y, m) = (s.get(0..4)?, s.get(5..7)?);
        if s.as_bytes().get(4) != Some(&b'-') {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// The months-since-1900 number.
    pub fn index(self) -> u16 {
        self.0
    }

    pub fn from_index(index: u16) -> Month {
        Month(index)
    }

    pub fn year(self) -> i32 {
        Self::FIRST_YEAR + i32::from(self.0 / 12)
    }

    /// 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.0 % 12) + 1
    }

    /// 1–4.
    pub fn quarter(self) -> u8 {
        u8::try_from((self.0 % 12) / 3 + 1).unwrap_or(4)
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Month {
        Month(self.0.saturating_add(1))
    }

    /// `YYYY-MM`.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year(), self.month())
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// SDMX `FREQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Freq {
    /// Annual.
    A,
    /// Quarterly.
    Q,
    /// Monthly.
    M,
}

impl Freq {
    pub fn code(self) -> &'static str {
        match self {
            Freq::A => "A",
            Freq::Q => "Q",
            Freq::M => "M",
        }
    }
}

/// A `TIME_PERIOD`: a year, a quarter or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u8),
    Month(Month),
}

impl Period {
    /// Reads `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        match s.len() {
            4 => {
                let y: i32 = s.parse().ok()?;
                Month::new(y, 1).map(|_| Period::Year(y))
            }
            7 if s.as_bytes().get(5) == Some(&b'Q') => {
                let y: i32 = s.get(0..4)?.parse().ok()?;
                let q: u8 = s.get(6..7)?.parse().ok()?;
                ((1..=4).contains(&q) && Month::new(y, 1).is_some())
                    .then_some(Period::Quarter(y, q))
            }
            7 => Month::parse(s).map(Period::Month),
            _ => None,
        }
    }

    pub fn freq(self) -> Freq {
        match self {
            Period::Year(_) => Freq::A,
            Period::Quarter(..) => Freq::Q,
            Period::Month(_) => Freq::M,
        }
    }

    /// The first and last month of the period.
    pub fn months(self) -> (Month, Month) {
        let m = |y: i32, n: u32| Month::new(y, n).unwrap_or(Month(0));
        match self {
            Period::Year(y) => (m(y, 1), m(y, 12)),
            Period::Quarter(y, q) => {
                let first = u32::from(q.saturating_sub(1)) * 3 + 1;
                (m(y, first), m(y, first + 2))
            }
            Period::Month(month) => (month, month),
        }
    }

    pub fn contains(self, month: Month) -> bool {
        let (a, b) = self.months();
        a <= month && month <= b
    }

    /// `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    pub fn code(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Month(m) => m.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_and_print_back() {
        for s in ["2024", "2024-Q3", "2024-07", "1900-01"] {
            assert_eq!(Period::parse(s).map(|p| p.code()).as_deref(), Some(s));
        }
        for s in ["24", "2024-Q5", "2024-13", "1899-12", "2024-Q0", "abcd"] {
            assert_eq!(Period::parse(s), None, "{s}");
        }
        let q3 = Period::parse("2024-Q3").unwrap();
        assert!(q3.contains(Month::new(2024, 9).unwrap()));
        assert!(!q3.contains(Month::new(2024, 10).unwrap()));
        assert_eq!(
            Month::new(2024, 2).unwrap().last_day().to_string(),
            "2024-02-29"
        );
    }

    #[test]
    fn codes_follow_the_agreed_codelists() {
        assert_eq!(occupation_code(Some("5120")), "OC5");
        assert_eq!(occupation_code(Some("0")), "OC0");
        assert_eq!(occupation_code(None), "_U");
        assert_eq!(age_years_code(85), "Y_GE85");
        assert_eq!(age_years_code(4), "Y0T4");
        for g in AgeGroup::all() {
            assert_eq!(age_group_code(g), g.sdmx_code());
        }
        assert_eq!(sex_code(Some(Sex::X)), "_U");
        assert_eq!(Dim::parse("migration_type"), Some(Dim::Flow));
        for d in Dim::ALL {
            assert_eq!(Dim::parse(d.id()), Some(d));
            assert_eq!(Dim::ALL[d.index()], d);
        }
    }
}
