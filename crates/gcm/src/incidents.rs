//! Missing-migrant incidents, recorded with the fields of IOM's Missing Migrants Project (MMP):
//! date, coordinates, route, region, country, dead, missing, survivors, the sex and age breakdown
//! where known, the cause of death and the sources with their reliability.
//!
//! Three things happen here, all pure:
//! - [`Incident::validate`] — counts add up, coordinates are on the globe, the date is not after
//!   a given `today`, at least one named source;
//! - [`deduplicate`] — the same incident reported by several sources (dates within ±2 days, places
//!   within a distance by haversine — or the same country when either lacks coordinates —,
//!   compatible counts, no conflicting route) becomes
//!   one [`Merged`] record that keeps every source and takes each figure from the best-sourced
//!   report, with the reasons each pair was judged the same ([`compare`] explains single pairs);
//! - [`sdg_10_7_3`] — dead and missing by year, route, region and sex from deduplicated incidents
//!   (SDG indicator 10.7.3, "number of people who died or disappeared in the process of migration
//!   towards an international destination").
//!
//! The breakdown follows MMP: `females` and `males` count dead and missing of known sex;
//! `children` (under 18) overlaps them. Routes and causes are the model's MMP codelists
//! ([`marsad_model::codes::ROUTE`], [`marsad_model::codes::CAUSE_OF_DEATH`]).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use marsad_model::codes::{Code, Country};

use crate::catalogue::Trilingual;

/// How far a source can be trusted, lowest first (after the MMP source-quality scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reliability {
    /// One media report or social-media post, unconfirmed.
    Unverified,
    /// Several independent media reports, or one NGO or international organisation.
    Corroborated,
    /// An official source (coast guard, police, ministry) or IOM/UNHCR field staff.
    Official,
    /// Several official sources, or official records of bodies (coroner, morgue, burial).
    Verified,
}

impl Reliability {
    pub const ALL: [Reliability; 4] = [
        Reliability::Unverified,
        Reliability::Corroborated,
        Reliability::Official,
        Reliability::Verified,
    ];

    /// 1 (lowest) to 4.
    pub fn level(self) -> u8 {
        self as u8 + 1
    }

    pub fn code(self) -> &'static str {
        match self {
            Reliability::Unverified => "unverified",
            Reliability::Corroborated => "corroborated",
            Reliability::Official => "official",
            Reliability::Verified => "verified",
        }
    }

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            Reliability::Unverified => t("Unverified", "Non vérifiée", "غير مؤكدة"),
            Reliability::Corroborated => t("Corroborated", "Recoupée", "متقاطعة المصادر"),
            Reliability::Official => t("Official", "Officielle", "رسمية"),
            Reliability::Verified => t("Verified", "Vérifiée", "موثقة"),
        }
    }

    pub fn parse(code: &str) -> Option<Reliability> {
        Reliability::ALL
            .into_iter()
            .find(|r| r.code() == code.trim())
    }
}

/// Where an incident's information comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub reliability: Reliability,
}

/// A WGS 84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

impl Coordinates {
    /// Great-circle distance in km (haversine, mean Earth radius).
    pub fn distance_km(self, other: Coordinates) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }
}

/// One report of an incident (or, after [`deduplicate`], one merged incident).
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: String,
    pub date: NaiveDate,
    pub location: Option<Coordinates>,
    /// A code of [`marsad_model::codes::ROUTE`].
    pub route: Option<&'static Code>,
    /// Region of the incident (MMP "region of incident", e.g. `Mediterranean`, `Northern Africa`).
    pub region: Option<String>,
    pub country: Option<Country>,
    pub dead: u32,
    /// Missing, presumed dead.
    pub missing: u32,
    pub survivors: Option<u32>,
    pub females: Option<u32>,
    pub males: Option<u32>,
    pub children: Option<u32>,
    /// A code of [`marsad_model::codes::CAUSE_OF_DEATH`].
    pub cause: Option<&'static Code>,
    pub sources: Vec<Source>,
}

/// What is wrong with an incident; each names the incident and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IncidentError {
    #[error("incident {id}: dead and missing are both 0; an incident records at least one person")]
    NoOneRecorded { id: String },
    #[error("incident {id}: females ({females}) and males ({males}) add up to more than the dead and missing ({total})")]
    SexExceedsTotal {
        id: String,
        females: u32,
        males: u32,
        total: u32,
    },
    #[error("incident {id}: children ({children}) are more than the dead and missing ({total})")]
    ChildrenExceedTotal {
        id: String,
        children: u32,
        total: u32,
    },
    #[error("incident {id}: latitude {value} is not between -90 and 90")]
    Latitude { id: String, value: f64 },
    #[error("incident {id}: longitude {value} is not between -180 and 180")]
    Longitude { id: String, value: f64 },
    #[error("incident {id}: date {date} is after today ({today})")]
    FutureDate {
        id: String,
        date: NaiveDate,
        today: NaiveDate,
    },
    #[error("incident {id}: sources: at least one source is required")]
    NoSource { id: String },
    #[error("incident {id}: sources[{index}]: the source has no name")]
    UnnamedSource { id: String, index: usize },
    #[error("incident {id}: the total of dead and missing overflows")]
    Overflow { id: String },
}

impl IncidentError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            IncidentError::NoOneRecorded { .. } | IncidentError::Overflow { .. } => "dead",
            IncidentError::SexExceedsTotal { .. } => "females",
            IncidentError::ChildrenExceedTotal { .. } => "children",
            IncidentError::Latitude { .. } => "latitude",
            IncidentError::Longitude { .. } => "longitude",
            IncidentError::FutureDate { .. } => "date",
            IncidentError::NoSource { .. } | IncidentError::UnnamedSource { .. } => "sources",
        }
    }
}

impl Incident {
    /// Dead and missing (saturating; [`Incident::validate`] refuses an overflow).
    pub fn total(&self) -> u32 {
        self.dead.saturating_add(self.missing)
    }

    /// The most reliable source's level (or `Unverified` without sources).
    pub fn best_reliability(&self) -> Reliability {
        self.sources
            .iter()
            .map(|s| s.reliability)
            .max()
            .unwrap_or(Reliability::Unverified)
    }

    /// Everything wrong with the incident, relative to `today`.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<IncidentError>> {
        let id = || self.id.clone();
        let mut errors = Vec::new();
        let total = match self.dead.checked_add(self.missing) {
            Some(t) => t,
            None => {
                errors.push(IncidentError::Overflow { id: id() });
                u32::MAX
            }
        };
        if total == 0 {
            errors.push(IncidentError::NoOneRecorded { id: id() });
        }
        let (f, m) = (self.females.unwrap_or(0), self.males.unwrap_or(0));
        if u64::from(f) + u64::from(m) > u64::from(total) {
            errors.push(IncidentError::SexExceedsTotal {
                id: id(),
                females: f,
                males: m,
                total,
            });
        }
        if let Some(c) = self.children.filter(|&c| c > total) {
            errors.push(IncidentError::ChildrenExceedTotal {
                id: id(),
                children: c,
                total,
            });
        }
        if let Some(p) = self.location {
            if !(-90.0..=90.0).contains(&p.lat) {
                errors.push(IncidentError::Latitude {
                    id: id(),
                    value: p.lat,
                });
            }
            if !(-180.0..=180.0).contains(&p.lon) {
                errors.push(IncidentError::Longitude {
                    id: id(),
                    value: p.lon,
                });
            }
        }
        if self.date > today {
            errors.push(IncidentError::FutureDate {
                id: id(),
                date: self.date,
                today,
            });
        }
        if self.sources.is_empty() {
            errors.push(IncidentError::NoSource { id: id() });
        }
        for (index, s) in self.sources.iter().enumerate() {
            if s.name.trim().is_empty() {
                errors.push(IncidentError::UnnamedSource { id: id(), index });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// When two reports are taken for the same incident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupRules {
    /// Largest difference of dates, in days.
    pub max_days: i64,
    /// Largest distance between the two positions, in km.
    pub max_km: f64,
    /// Totals (dead + missing) are compatible when they differ by at most this many people…
    pub count_slack: u32,
    /// …or by at most this fraction of the larger total (early reports are often revised).
    pub count_ratio: f64,
}

impl Default for DedupRules {
    fn default() -> DedupRules {
        DedupRules {
            max_days: 2,
            max_km: 50.0,
            count_slack: 2,
            count_ratio: 0.5,
        }
    }
}

/// A reason for judging two reports the same incident, or different ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    DaysApart(i64),
    DistanceKm(f64),
    /// No distance could be computed; the place was compared by country.
    SameCountry(Country),
    SameRoute(&'static str),
    CountsCompatible {
        a: u32,
        b: u32,
    },
    TooManyDaysApart(i64),
    TooFar(f64),
    DifferentRoute(&'static str, &'static str),
    DifferentCountry(Country, Country),
    /// Neither coordinates on both nor a country on both: the place cannot be compared.
    PlaceUnknown,
    CountsIncompatible {
        a: u32,
        b: u32,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::DaysApart(d) => write!(f, "dates {d} day(s) apart"),
            Reason::DistanceKm(km) => write!(f, "{km:.1} km apart"),
            Reason::SameCountry(c) => {
                write!(f, "same country ({}), no coordinates on both", c.alpha3())
            }
            Reason::SameRoute(r) => write!(f, "same route ({r})"),
            Reason::CountsCompatible { a, b } => {
                write!(f, "compatible counts ({a} and {b} dead or missing)")
            }
            Reason::TooManyDaysApart(d) => write!(f, "dates {d} days apart"),
            Reason::TooFar(km) => write!(f, "{km:.1} km apart"),
            Reason::DifferentRoute(a, b) => write!(f, "different routes ({a}, {b})"),
            Reason::DifferentCountry(a, b) => {
                write!(f, "different countries ({}, {})", a.alpha3(), b.alpha3())
            }
            Reason::PlaceUnknown => write!(
                f,
                "the place cannot be compared (no coordinates or country on both)"
            ),
            Reason::CountsIncompatible { a, b } => {
                write!(f, "incompatible counts ({a} and {b} dead or missing)")
            }
        }
    }
}

/// Whether two reports are the same incident, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    Same(Vec<Reason>),
    Different(Reason),
}

fn counts_compatible(a: u32, b: u32, rules: &DedupRules) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    let diff = hi - lo;
    diff <= rules.count_slack || f64::from(diff) <= rules.count_ratio * f64::from(hi)
}

/// Compares two reports under `rules`.
pub fn compare(a: &Incident, b: &Incident, rules: &DedupRules) -> Judgement {
    let mut why = Vec::new();
    let days = (a.date - b.date).num_days().abs();
    if days > rules.max_days {
        return Judgement::Different(Reason::TooManyDaysApart(days));
    }
    why.push(Reason::DaysApart(days));
    if let (Some(x), Some(y)) = (a.route, b.route) {
        if x.code != y.code {
            return Judgement::Different(Reason::DifferentRoute(x.code, y.code));
        }
        why.push(Reason::SameRoute(x.code));
    }
    if let (Some(x), Some(y)) = (a.country, b.country) {
        if x != y && (a.location.is_none() || b.location.is_none()) {
            return Judgement::Different(Reason::DifferentCountry(x, y));
        }
    }
    match (a.location, b.location, a.country, b.country) {
        (Some(p), Some(q), _, _) => {
            let km = p.distance_km(q);
            if km > rules.max_km {
                return Judgement::Different(Reason::TooFar(km));
            }
            why.push(Reason::DistanceKm(km));
        }
        (_, _, Some(x), Some(_)) => why.push(Reason::SameCountry(x)),
        _ => return Judgement::Different(Reason::PlaceUnknown),
    }
    let (ta, tb) = (a.total(), b.total());
    if !counts_compatible(ta, tb, rules) {
        return Judgement::Different(Reason::CountsIncompatible { a: ta, b: tb });
    }
    why.push(Reason::CountsCompatible { a: ta, b: tb });
    Judgement::Same(why)
}

/// One incident after deduplication.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged record: the id of its first report (by id), every source, each figure from the
    /// best-sourced report that has it.
    pub incident: Incident,
    /// The ids of the reports merged, sorted.
    pub reports: Vec<String>,
    /// Why the reports were judged the same: `(a, b, reasons)` for each linking pair.
    pub links: Vec<(String, String, Vec<Reason>)>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups the reports of the same incident (transitively: if a~b and b~c, all three are one)
/// and merges each group. Output is ordered by date, then id.
pub fn deduplicate(reports: &[Incident], rules: &DedupRules) -> Vec<Merged> {
    let n = reports.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut links: Vec<(usize, usize, Vec<Reason>)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if let Judgement::Same(why) = compare(&reports[i], &reports[j], rules) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[rj] = ri;
                    links.push((i, j, why));
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Merged> = groups
        .into_values()
        .filter_map(|members| {
            let group: Vec<&Incident> = members.iter().map(|&i| &reports[i]).collect();
            let incident = merge(&group)?;
            let mut ids: Vec<String> = group.iter().map(|r| r.id.clone()).collect();
            ids.sort();
            let links = links
                .iter()
                .filter(|(i, _, _)| members.contains(i))
                .map(|(i, j, why)| (reports[*i].id.clone(), reports[*j].id.clone(), why.clone()))
                .collect();
            Some(Merged {
                incident,
                reports: ids,
                links,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.incident.date, &a.incident.id).cmp(&(b.incident.date, &b.incident.id)));
    out
}

/// Merges reports of one incident: figures from the best-sourced report (highest reliability,
/// then more sources, then the larger total, then the smaller id), gaps filled from the next
/// best; every source kept once (at its highest stated reliability).
fn merge(group: &[&Incident]) -> Option<Incident> {
    let mut ranked: Vec<&Incident> = group.to_vec();
    ranked.sort_by(|a, b| {
        (b.best_reliability(), b.sources.len(), b.total())
            .cmp(&(a.best_reliability(), a.sources.len(), a.total()))
            .then_with(|| a.id.cmp(&b.id))
    });
    let best = *ranked.first()?;
    let first_some = |f: &dyn Fn(&Incident) -> Option<u32>| ranked.iter().find_map(|r| f(r));
    let mut sources: Vec<Source> = Vec::new();
    for s in ranked.iter().flat_map(|r| &r.sources) {
        match sources.iter_mut().find(|k| k.name.trim() == s.name.trim()) {
            Some(k) => k.reliability = k.reliability.max(s.reliability),
            None => sources.push(s.clone()),
        }
    }
    let id = group.iter().map(|r| &r.id).min()?.clone();
    Some(Incident {
        id,
        date: best.date,
        location: ranked.iter().find_map(|r| r.location),
        route: ranked.iter().find_map(|r| r.route),
        region: ranked.iter().find_map(|r| r.region.clone()),
        country: ranked.iter().find_map(|r| r.country),
        dead: best.dead,
        missing: best.missing,
        survivors: first_some(&|r| r.survivors),
        females: first_some(&|r| r.females),
        males: first_some(&|r| r.males),
        children: first_some(&|r| r.children),
        cause: ranked.iter().find_map(|r| r.cause),
        sources,
    })
}

/// One row of the SDG 10.7.3 figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub year: i32,
    /// Route code, or `None` when unknown.
    pub route: Option<&'static str>,
    pub region: Option<String>,
    pub incidents: u32,
    pub dead: u32,
    pub missing: u32,
    pub females: u32,
    pub males: u32,
    /// Dead and missing of unknown sex.
    pub sex_unknown: u32,
    pub children: u32,
}

impl Row {
    pub fn total(&self) -> u32 {
        self.dead.saturating_add(self.missing)
    }
}

/// SDG 10.7.3 from deduplicated incidents dated `from..=to`: one row per year, route and region,
/// ordered by them. The sex columns add up to the total; when a breakdown figure is larger than
/// the total it is capped (validation refuses such records).
pub fn sdg_10_7_3(incidents: &[Merged], from: NaiveDate, to: NaiveDate) -> Vec<Row> {
    let mut rows: BTreeMap<(i32, Option<&'static str>, Option<String>), Row> = BTreeMap::new();
    for m in incidents {
        let i = &m.incident;
        if i.date < from || i.date > to {
            continue;
        }
        let key = (i.date.year(), i.route.map(|r| r.code), i.region.clone());
        let row = rows.entry(key.clone()).or_insert_with(|| Row {
            year: key.0,
            route: key.1,
            region: key.2,
            incidents: 0,
            dead: 0,
            missing: 0,
            females: 0,
            males: 0,
            sex_unknown: 0,
            children: 0,
        });
        let total = i.total();
        let f = i.females.unwrap_or(0).min(total);
        let m_ = i.males.unwrap_or(0).min(total - f);
        row.incidents += 1;
        row.dead = row.dead.saturating_add(i.dead);
        row.missing = row.missing.saturating_add(i.missing);
        row.females = row.females.saturating_add(f);
        row.males = row.males.saturating_add(m_);
        row.sex_unknown = row.sex_unknown.saturating_add(total - f - m_);
        row.children = row
            .children
            .saturating_add(i.children.unwrap_or(0).min(total));
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_model::codes::{country, ROUTE};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn src(name: &str, r: Reliability) -> Source {
        Source {
            name: name.into(),
            reliability: r,
        }
    }

    /// A report off Libya on the central Mediterranean route.
    fn report(id: &str, date: &str, lat: f64, lon: f64, dead: u32, missing: u32) -> Incident {
        Incident {
            id: id.into(),
            date: d(date),
            location: Some(Coordinates { lat, lon }),
            route: ROUTE.get("central_mediterranean"),
            region: Some("Mediterranean".into()),
            country: Some(country("LBY").unwrap()),
            dead,
            missing,
            survivors: None,
            females: None,
            males: None,
            children: None,
            cause: marsad_model::codes::CAUSE_OF_DEATH.get("drowning"),
            sources: vec![src("media", Reliability::Unverified)],
        }
    }

    fn check_valid(edit: impl Fn(&mut Incident), expected: &[&str]) {
        let mut i = report("A", "2025-03-01", 33.0, 13.0, 3, 5);
        edit(&mut i);
        let got: Vec<String> = match i.validate(d("2025-03-10")) {
            Ok(()) => vec![],
            Err(es) => es.iter().map(|e| format!("{}: {e}", e.field())).collect(),
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn validation() {
        check_valid(|_| {}, &[]);
        check_valid(
            |i| {
                i.females = Some(4);
                i.males = Some(4);
                i.children = Some(8)
            },
            &[],
        );
        check_valid(|i| { i.dead = 0; i.missing = 0 }, &["dead: incident A: dead and missing are both 0; an incident records at least one person"]);
        check_valid(|i| { i.females = Some(5); i.males = Some(4) }, &["females: incident A: females (5) and males (4) add up to more than the dead and missing (8)"]);
        check_valid(
            |i| i.children = Some(9),
            &["children: incident A: children (9) are more than the dead and missing (8)"],
        );
        check_valid(
            |i| {
                i.location = Some(Coordinates {
                    lat: 91.0,
                    lon: 13.0,
                })
            },
            &["latitude: incident A: latitude 91 is not between -90 and 90"],
        );
        check_valid(
            |i| {
                i.location = Some(Coordinates {
                    lat: -90.0,
                    lon: -180.5,
                })
            },
            &["longitude: incident A: longitude -180.5 is not between -180 and 180"],
        );
        check_valid(
            |i| {
                i.location = Some(Coordinates {
                    lat: f64::NAN,
                    lon: 0.0,
                })
            },
            &["latitude: incident A: latitude NaN is not between -90 and 90"],
        );
        check_valid(|i| i.date = d("2025-03-10"), &[]);
        check_valid(
            |i| i.date = d("2025-03-11"),
            &["date: incident A: date 2025-03-11 is after today (2025-03-10)"],
        );
        check_valid(
            |i| i.sources.clear(),
            &["sources: incident A: sources: at least one source is required"],
        );
        check_valid(
            |i| i.sources.push(src(" ", Reliability::Official)),
            &["sources: incident A: sources[1]: the source has no name"],
        );
        check_valid(
            |i| {
                i.dead = u32::MAX;
                i.missing = 1
            },
            &["dead: incident A: the total of dead and missing overflows"],
        );
    }

    #[test]
    fn haversine_distances() {
        let check = |a: (f64, f64), b: (f64, f64), km: f64| {
            let got =
                Coordinates { lat: a.0, lon: a.1 }.distance_km(Coordinates { lat: b.0, lon: b.1 });
            assert!(
                (got - km).abs() < km * 0.005 + 0.01,
                "{a:?} {b:?}: {got} km, expected {km}"
            );
        };
        check((0.0, 0.0), (0.0, 0.0), 0.0);
        check((0.0, 0.0), (0.0, 1.0), 111.2);
        check((36.8065, 10.1815), (35.5023, 12.6057), 261.5); // Tunis – Lampedusa
        check((30.0444, 31.2357), (33.8938, 35.5018), 587.4); // Cairo – Beirut
        check((0.0, 179.9), (0.0, -179.9), 22.2); // across the antimeridian
        check((90.0, 0.0), (-90.0, 0.0), 20015.1);
    }

    fn judge(a: &Incident, b: &Incident) -> String {
        match compare(a, b, &DedupRules::default()) {
            Judgement::Same(why) => format!(
                "same: {}",
                why.iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Judgement::Different(r) => format!("different: {r}"),
        }
    }

    #[test]
    fn comparing_reports() {
        let a = report("A", "2025-03-01", 33.00, 13.00, 3, 5);
        let check = |b: Incident, expected: &str| assert_eq!(judge(&a, &b), expected, "{}", b.id);
        check(report("B", "2025-03-02", 33.10, 13.05, 4, 6), "same: dates 1 day(s) apart; same route (central_mediterranean); 12.1 km apart; compatible counts (8 and 10 dead or missing)");
        check(report("C", "2025-03-03", 33.00, 13.00, 8, 0), "same: dates 2 day(s) apart; same route (central_mediterranean); 0.0 km apart; compatible counts (8 and 8 dead or missing)");
        check(
            report("D", "2025-03-04", 33.00, 13.00, 3, 5),
            "different: dates 3 days apart",
        );
        check(report("E", "2025-02-27", 33.00, 13.00, 3, 5), "same: dates 2 day(s) apart; same route (central_mediterranean); 0.0 km apart; compatible counts (8 and 8 dead or missing)");
        check(
            report("F", "2025-03-01", 33.60, 13.00, 3, 5),
            "different: 66.7 km apart",
        );
        check(
            report("G", "2025-03-01", 33.00, 13.00, 30, 5),
            "different: incompatible counts (8 and 35 dead or missing)",
        );
        check(
            report("H", "2025-03-01", 33.00, 13.00, 1, 0),
            "different: incompatible counts (8 and 1 dead or missing)",
        );
        check(report("I", "2025-03-01", 33.00, 13.00, 6, 0), "same: dates 0 day(s) apart; same route (central_mediterranean); 0.0 km apart; compatible counts (8 and 6 dead or missing)");
        let mut j = report("J", "2025-03-01", 33.00, 13.00, 3, 5);
        j.route = ROUTE.get("western_mediterranean");
        check(
            j,
            "different: different routes (central_mediterranean, western_mediterranean)",
        );
        let mut k = report("K", "2025-03-01", 0.0, 0.0, 3, 5);
        k.location = None;
        check(k.clone(), "same: dates 0 day(s) apart; same route (central_mediterranean); same country (LBY), no coordinates on both; compatible counts (8 and 8 dead or missing)");
        k.country = Some(country("TUN").unwrap());
        check(k.clone(), "different: different countries (LBY, TUN)");
        k.country = None;
        check(
            k,
            "different: the place cannot be compared (no coordinates or country on both)",
        );
    }

    #[test]
    fn deduplication_merges_and_explains() {
        let mut media = report("M1", "2025-03-01", 33.00, 13.00, 2, 10);
        media.females = Some(3);
        let mut coast_guard = report("CG7", "2025-03-02", 33.05, 13.02, 7, 4);
        coast_guard.sources = vec![
            src("coast guard", Reliability::Official),
            src("media", Reliability::Corroborated),
        ];
        coast_guard.survivors = Some(41);
        coast_guard.cause = None;
        let mut ngo = report("N3", "2025-03-03", 33.08, 13.04, 7, 5);
        ngo.sources = vec![src("rescue ngo", Reliability::Corroborated)];
        ngo.children = Some(2);
        let other = report("Z9", "2025-03-20", 35.0, 12.0, 1, 0);
        let merged = deduplicate(
            &[other.clone(), media, coast_guard, ngo],
            &DedupRules::default(),
        );
        assert_eq!(merged.len(), 2);
        let m = &merged[0];
        assert_eq!(m.reports, ["CG7", "M1", "N3"]);
        let i = &m.incident;
        assert_eq!(i.id, "CG7");
        // Figures from the official report; gaps filled from the others.
        assert_eq!(
            (i.date, i.dead, i.missing, i.survivors),
            (d("2025-03-02"), 7, 4, Some(41))
        );
        assert_eq!((i.females, i.children), (Some(3), Some(2)));
        assert_eq!(i.cause.map(|c| c.code), Some("drowning"));
        let sources: Vec<(&str, Reliability)> = i
            .sources
            .iter()
            .map(|s| (s.name.as_str(), s.reliability))
            .collect();
        assert_eq!(
            sources,
            [
                ("coast guard", Reliability::Official),
                ("media", Reliability::Corroborated),
                ("rescue ngo", Reliability::Corroborated)
            ]
        );
        assert_eq!(m.links.len(), 2, "two links join three reports");
        assert!(m
            .links
            .iter()
            .all(|(_, _, why)| why.iter().any(|r| matches!(r, Reason::DistanceKm(_)))));
        assert_eq!(merged[1].incident, other);
        assert_eq!(merged[1].links, vec![]);
    }

    #[test]
    fn deduplication_keeps_distinct_incidents_apart() {
        let reports: Vec<Incident> = (0..20)
            .map(|k| {
                report(
                    &format!("R{k:02}"),
                    "2025-06-01",
                    33.0 + f64::from(k),
                    13.0,
                    3,
                    0,
                )
            })
            .collect();
        assert_eq!(deduplicate(&reports, &DedupRules::default()).len(), 20);
        assert_eq!(deduplicate(&[], &DedupRules::default()), vec![]);
    }

    #[test]
    fn sdg_10_7_3_by_year_route_region_sex() {
        let mut a = report("A", "2024-12-30", 33.0, 13.0, 3, 5);
        a.females = Some(2);
        a.males = Some(5);
        a.children = Some(1);
        let a_dup = report("A2", "2025-01-01", 33.0, 13.0, 3, 4);
        let mut b = report("B", "2025-05-01", 33.0, 13.0, 1, 0);
        b.males = Some(1);
        let mut c = report("C", "2025-07-01", 15.0, 43.0, 0, 12);
        c.route = ROUTE.get("horn_of_africa_yemen");
        c.region = Some("Western Asia".into());
        c.country = Some(country("YEM").unwrap());
        let mut late = report("L", "2026-01-02", 33.0, 13.0, 9, 9);
        late.route = None;
        let merged = deduplicate(&[a, a_dup, b, c, late], &DedupRules::default());
        assert_eq!(merged.len(), 4);
        let rows = sdg_10_7_3(&merged, d("2024-01-01"), d("2025-12-31"));
        let got: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {:?} {:?}: n={} dead={} missing={} total={} f={} m={} ?={} children={}",
                    r.year,
                    r.route,
                    r.region,
                    r.incidents,
                    r.dead,
                    r.missing,
                    r.total(),
                    r.females,
                    r.males,
                    r.sex_unknown,
                    r.children
                )
            })
            .collect();
        assert_eq!(got, [
            "2024 Some(\"central_mediterranean\") Some(\"Mediterranean\"): n=1 dead=3 missing=5 total=8 f=2 m=5 ?=1 children=1",
            "2025 Some(\"central_mediterranean\") Some(\"Mediterranean\"): n=1 dead=1 missing=0 total=1 f=0 m=1 ?=0 children=0",
            "2025 Some(\"horn_of_africa_yemen\") Some(\"Western Asia\"): n=1 dead=0 missing=12 total=12 f=0 m=0 ?=12 children=0",
        ]);
    }

    #[test]
    fn reliability_codes() {
        for r in Reliability::ALL {
            assert_eq!(Reliability::parse(r.code()), Some(r));
        }
        assert!(Reliability::Verified > Reliability::Unverified);
        assert_eq!(Reliability::Official.level(), 3);
    }

    #[test]
    fn labels_are_trilingual() {
        crate::check_labels(
            &Reliability::ALL
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>(),
        );
    }
}
