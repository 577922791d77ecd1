//! One module per institution: who it sees, how it writes them down, its export format and its
//! mapping file.

use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::Rng;

use crate::names::Names;
use crate::out::Written;
use crate::population::Person;
use crate::{DemoConfig, DemoError, DemoInstitution};

mod bank;
mod border;
mod census;
mod consulate;
mod labour;
mod observatory;
mod returns;
mod trafficking;

/// What every source writer reads.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a DemoConfig,
    pub names: &'a Names,
    pub people: &'a [Person],
}

/// Bit set of sources each person appears in.
pub(crate) type Seen = [u16];

type WriteFn =
    fn(&Ctx<'_>, &Path, &mut Seen, &mut dyn FnMut(&str, u64)) -> Result<Written, DemoError>;

/// A data source and the institution that owns it.
pub(crate) struct Source {
    pub name: &'static str,
    pub institution: &'static str,
    pub write: WriteFn,
}

/// Sources in import order.
pub(crate) const SOURCES: &[Source] = &[
    Source {
        name: "ins_census_2024",
        institution: "ins",
        write: census::write_census,
    },
    Source {
        name: "ins_hims_2024",
        institution: "ins",
        write: census::write_hims,
    },
    Source {
        name: "border_crossings",
        institution: "police_frontieres",
        write: border::write,
    },
    Source {
        name: "labour_placements",
        institution: "agence_placement",
        write: labour::write,
    },
    Source {
        name: "consular_registry",
        institution: "consulats",
        write: consulate::write,
    },
    Source {
        name: "remittances",
        institution: "banque_centrale",
        write: bank::write,
    },
    Source {
        name: "trafficking_cases",
        institution: "instance_traite",
        write: trafficking::write,
    },
    Source {
        name: "returns",
        institution: "affaires_sociales",
        write: returns::write,
    },
    Source {
        name: "missing_migrants",
        institution: "observatoire",
        write: observatory::write,
    },
];

/// Names of the demo's data sources, in import order.
pub const SOURCE_NAMES: [&str; 9] = [
    "ins_census_2024",
    "ins_hims_2024",
    "border_crossings",
    "labour_placements",
    "consular_registry",
    "remittances",
    "trafficking_cases",
    "returns",
    "missing_migrants",
];

pub(crate) fn institutions() -> Vec<DemoInstitution> {
    [
        ("ins", "Institut national de la statistique", "statistics"),
        (
            "police_frontieres",
            "Direction des frontières et des étrangers",
            "border_police",
        ),
        (
            "agence_placement",
            "Agence nationale de placement à l'étranger",
            "labour_agency",
        ),
        (
            "consulats",
            "Consular Affairs Department, Ministry of Foreign Affairs",
            "consulate",
        ),
        ("banque_centrale", "Banque centrale", "central_bank"),
        (
            "instance_traite",
            "Instance nationale de lutte contre la traite des personnes",
            "anti_trafficking",
        ),
        (
            "affaires_sociales",
            "وزارة الشؤون الاجتماعية — Ministère des affaires sociales",
            "ministry",
        ),
        (
            "observatoire",
            "Observatoire national de la migration",
            "observatory",
        ),
    ]
    .into_iter()
    .map(|(name, title, kind)| DemoInstitution {
        name: name.to_string(),
        title: title.to_string(),
        kind: kind.to_string(),
    })
    .collect()
}

pub(crate) fn mark(seen: &mut Seen, person: u32, source_bit: u16) {
    if let Some(s) = seen.get_mut(person as usize) {
        *s |= 1 << source_bit;
    }
}

/// Share of rows made deliberately invalid.
pub(crate) const BAD_SHARE: f64 = 0.0035;

/// The kinds of bad rows real exports carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bad {
    ImpossibleDate,
    UnknownCountry,
    EmptyRequired,
}

pub(crate) fn roll_bad<R: Rng>(rng: &mut R) -> Option<Bad> {
    if rng.gen_bool(BAD_SHARE) {
        Some(match rng.gen_range(0..3) {
            0 => Bad::ImpossibleDate,
            1 => Bad::UnknownCountry,
            _ => Bad::EmptyRequired,
        })
    } else {
        None
    }
}

pub(crate) fn unknown_country<R: Rng>(rng: &mut R) -> &'static str {
    let u = crate::world::UNKNOWN_COUNTRIES;
    u[rng.gen_range(0..u.len())]
}

/// An impossible calendar date in the given order of fields.
pub(crate) fn impossible_date<R: Rng>(rng: &mut R, year: i32, fmt: DateOrder) -> String {
    let (d, m) = [
        (30, 2),
        (31, 4),
        (31, 6),
        (31, 9),
        (31, 11),
        (29, 2),
        (12, 13),
    ][rng.gen_range(0..7)];
    // 29/02 only impossible in a non-leap year.
    let year = if (d, m) == (29, 2) && year % 4 == 0 {
        year - 1
    } else {
        year
    };
    match fmt {
        DateOrder::Dmy => format!("{d:02}/{m:02}/{year}"),
        DateOrder::Iso => format!("{year}-{m:02}-{d:02}"),
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum DateOrder {
    Dmy,
    Iso,
}

pub(crate) fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A uniformly drawn day of `year`, not after `last`.
pub(crate) fn day_in_year<R: Rng>(rng: &mut R, year: i32, last: NaiveDate) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(last);
    let d = start + chrono::Days::new(rng.gen_range(0..365));
    d.min(last)
}

/// A uniformly drawn day between two dates (inclusive).
pub(crate) fn day_between<R: Rng>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + chrono::Days::new(rng.gen_range(0..=span))
}

/// The last day of event data.
pub(crate) fn last_day(cfg: &DemoConfig) -> NaiveDate {
    NaiveDate::from_ymd_opt(cfg.last_year, 12, 31)
        .unwrap_or(cfg.today)
        .min(cfg.today)
}

pub(crate) fn first_day(cfg: &DemoConfig) -> NaiveDate {
    NaiveDate::from_ymd_opt(cfg.first_year, 1, 1).unwrap_or(cfg.today)
}

pub(crate) fn at_time<R: Rng>(rng: &mut R, d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(rng.gen_range(0..24), rng.gen_range(0..60), 0)
        .unwrap_or_default()
}

pub(crate) fn year_of(d: NaiveDate) -> i32 {
    d.year()
}

#[cfg(test)]
mod tests;
