//! Canonical records → fact contributions at the finest grain.
//!
//! Facts are computed per **unit**: all the current records of one person (every record whose
//! person carries the same unified number, from every source), with the person's attributes,
//! or a single record that is linked to no one (and the aggregates: remittance flows and
//! missing-migrant incidents, which are about no person). [`unit_facts`] is a pure function of
//! the unit, so:
//!
//! - **a person counts once where an indicator counts persons**: stocks give one contribution
//!   per person and reference date, trafficking victims one per person (at the first
//!   identification), refugees one per person (at the first grant); events reported by two
//!   institutions (the same placement, return, registration, permit or crossing) count once;
//!   because every person is in exactly one cell at the finest grain, every margin is a
//!   distinct count too;
//! - **incremental refresh**: when a person's records change (a new record, a new version, a
//!   merge or split of unified numbers), the caller applies the facts of the unit as it is now
//!   and removes the facts of the unit as it was (computed from the old versions, or read back
//!   from where it kept them as [`crate::cube::CubeRow`]s).
//!
//! Dimensions follow [`crate::dims`]: the person's attributes (sex, birth date, citizenship,
//! country of birth) win over what an event record says, except for census records, which are
//! the measurement at their reference date. Ages are taken at the event date. A person whose
//! birth date is known only to the year (or month) is taken as born in its middle (1 July, the
//! 15th). Amounts are converted to US dollars at the rates the caller gives (USD per unit of
//! currency); a record whose currency has no rate is left out of that indicator and reported.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use marsad_model::codes::{Country, Sex};
use marsad_model::{CanonicalRecord, RecordKind};

use crate::catalogue::IndicatorId as I;
use crate::cube::{Fact, Sums, SCALE};
use crate::dims::{age_code, age_years_code, occupation_code, sex_code, Dim, Month, UNKNOWN};
use crate::flows::{self, Crossing, Direction, Flow, FlowRule, Residence};

/// What the caller knows about the linked person (from the person records and the unified
/// number's attributes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PersonAttrs {
    pub sex: Option<Sex>,
    pub birth: Option<NaiveDate>,
    pub citizenship: Option<Country>,
    pub country_of_birth: Option<Country>,
}

impl PersonAttrs {
    /// The attributes a `person` record gives (sex, birth date, nationality). Records of other
    /// kinds give nothing.
    pub fn from_person_record(rec: &CanonicalRecord) -> PersonAttrs {
        if rec.kind() != RecordKind::Person {
            return PersonAttrs::default();
        }
        PersonAttrs {
            sex: rec.get("sex").and_then(Sex::parse),
            birth: rec.get("birth_date").and_then(birth_date),
            citizenship: rec.get("nationality").and_then(Country::from_alpha3),
            country_of_birth: None,
        }
    }

    /// Fills what `self` does not know from `other`.
    pub fn or(self, other: PersonAttrs) -> PersonAttrs {
        PersonAttrs {
            sex: self.sex.or(other.sex),
            birth: self.birth.or(other.birth),
            citizenship: self.citizenship.or(other.citizenship),
            country_of_birth: self.country_of_birth.or(other.country_of_birth),
        }
    }
}

/// A birth date `YYYY-MM-DD`, or `YYYY-MM` (taken as the 15th), or `YYYY` (taken as 1 July).
pub fn birth_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    match s.len() {
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        7 => Month::parse(s).and_then(|m| m.first_day().with_day(15)),
        4 => NaiveDate::from_ymd_opt(s.parse().ok()?, 7, 1),
        _ => None,
    }
}

/// The parameters of fact computation (time is one: nothing reads the clock).
#[derive(Debug, Clone)]
pub struct Params {
    /// The reporting country (`REF_AREA`).
    pub ref_area: Country,
    /// The last day the data cover: flows are provisional when their window goes past it;
    /// stocks at 31 December are given for the years it covers.
    pub data_end: NaiveDate,
    /// US dollars per unit of each currency (ISO 4217 code); USD is 1 without being given.
    pub usd_rates: BTreeMap<String, f64>,
    /// How long a consular registration counts a national as living abroad.
    pub registration_validity_years: u32,
    pub flow_rule: FlowRule,
}

impl Params {
    /// Defaults: registrations valid 5 years, the 12/16-month rule, no exchange rates.
    pub fn new(ref_area: Country, data_end: NaiveDate) -> Params {
        Params {
            ref_area,
            data_end,
            usd_rates: BTreeMap::new(),
            registration_validity_years: 5,
            flow_rule: FlowRule::default(),
        }
    }

    fn usd(&self, currency: &str) -> Option<f64> {
        if currency == "USD" {
            return Some(1.0);
        }
        self.usd_rates.get(currency).copied()
    }
}

/// A record of the unit, with the reference date of its census or survey (needed for
/// `census_person`, which carries none itself; the caller has it from the submission).
#[derive(Debug, Clone, Copy)]
pub struct UnitRecord<'r> {
    pub record: &'r CanonicalRecord,
    pub reference_date: Option<NaiveDate>,
}

impl<'r> UnitRecord<'r> {
    pub fn new(record: &'r CanonicalRecord) -> UnitRecord<'r> {
        UnitRecord {
            record,
            reference_date: None,
        }
    }

    pub fn at(record: &'r CanonicalRecord, reference_date: NaiveDate) -> UnitRecord<'r> {
        UnitRecord {
            record,
            reference_date: Some(reference_date),
        }
    }
}

/// A record (or part of one) left out of an indicator, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    #[error("{kind} '{record_id}': {field} '{value}' cannot be read as {expected}")]
    BadValue {
        kind: RecordKind,
        record_id: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{kind} '{record_id}': {field} is empty")]
    Missing {
        kind: RecordKind,
        record_id: String,
        field: &'static str,
    },
    #[error("{kind} '{record_id}': no US dollar rate for {currency}; left out of {indicator}")]
    NoRate {
        kind: RecordKind,
        record_id: String,
        currency: String,
        indicator: I,
    },
    #[error(
        "census_person '{record_id}': the reference date of the census or survey is not given"
    )]
    NoReferenceDate { record_id: String },
}

/// The facts of one unit and what was left out.
#[derive(Debug, Clone, Default)]
pub struct UnitFacts<'r> {
    pub facts: Vec<Fact<'r>>,
    pub skipped: Vec<FactError>,
}

/// The facts of one unit: the records of one linked person (`person` is `Some`), or one
/// unlinked record (`person` is `None`; flows need a linked crossing history and are not
/// computed then). The result does not depend on the order of `records`.
pub fn unit_facts<'r>(
    params: &Params,
    person: Option<&PersonAttrs>,
    records: &[UnitRecord<'r>],
) -> UnitFacts<'r> {
    let mut b = Builder {
        params,
        person: person.copied().unwrap_or_default(),
        linked: person.is_some(),
        out: UnitFacts::default(),
    };
    let mut sorted: Vec<UnitRecord<'r>> = records.to_vec();
    sorted.sort_by(|a, b| {
        (a.record.kind(), a.record.record_id()).cmp(&(b.record.kind(), b.record.record_id()))
    });
    let of = |k: RecordKind| -> Vec<UnitRecord<'r>> {
        sorted
            .iter()
            .copied()
            .filter(|r| r.record.kind() == k)
            .collect()
    };
    b.census(&of(RecordKind::CensusPerson));
    b.crossings(
        &of(RecordKind::BorderCrossing),
        &of(RecordKind::ResidencePermit),
    );
    b.placements(&of(RecordKind::LabourPlacement));
    for r in of(RecordKind::RemittanceFlow) {
        b.remittance(r.record);
    }
    b.trafficking(&of(RecordKind::TraffickingCase));
    for r in of(RecordKind::MissingMigrantIncident) {
        b.incident(r.record);
    }
    b.returns(&of(RecordKind::Return));
    b.consular(&of(RecordKind::ConsularRegistration));
    b.permits(&of(RecordKind::ResidencePermit));
    b.out
}

struct Builder<'p, 'r> {
    params: &'p Params,
    person: PersonAttrs,
    linked: bool,
    out: UnitFacts<'r>,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(0..10)?, "%Y-%m-%d").ok()
}

fn datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .or_else(|| date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// A canonical decimal (`1234.5`) in fixed point (×[`SCALE`]), rounded half away from zero.
pub fn parse_fixed(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = 0;
    for (i, b) in frac.bytes().take(5).enumerate() {
        let d = i64::from(b - b'0');
        if i < 4 {
            f = f * 10 + d;
        } else if d >= 5 {
            f += 1;
        }
    }
    for _ in frac.len()..4 {
        f *= 10;
    }
    let v = int.checked_mul(SCALE)?.checked_add(f)?;
    Some(if neg { -v } else { v })
}

fn to_fixed(x: f64) -> Option<i64> {
    let v = (x * SCALE as f64).round();
    (v.is_finite() && v.abs() < 9.0e18).then_some(v as i64)
}

fn country_code(c: Option<Country>) -> &'static str {
    c.map_or(UNKNOWN, Country::alpha3)
}

impl<'r> Builder<'_, 'r> {
    fn push(&mut self, fact: Fact<'r>) {
        self.out.facts.push(fact);
    }

    fn required_date(&mut self, rec: &CanonicalRecord, field: &'static str) -> Option<NaiveDate> {
        match rec.get(field) {
            None => {
                self.out.skipped.push(FactError::Missing {
                    kind: rec.kind(),
                    record_id: rec.record_id().to_string(),
                    field,
                });
                None
            }
            Some(v) => {
                let d = date(v);
                if d.is_none() {
                    self.bad(rec, field, v, "a date YYYY-MM-DD");
                }
                d
            }
        }
    }

    fn bad(&mut self, rec: &CanonicalRecord, field: &'static str, v: &str, expected: &'static str) {
        self.out.skipped.push(FactError::BadValue {
            kind: rec.kind(),
            record_id: rec.record_id().to_string(),
            field,
            value: v.to_string(),
            expected,
        });
    }

    fn month(&mut self, rec: &CanonicalRecord, d: NaiveDate, field: &'static str) -> Option<Month> {
        let m = Month::of_date(d);
        if m.is_none() {
            self.bad(rec, field, &d.to_string(), "a date from 1900");
        }
        m
    }

    /// A person-level fact: SEX and AGE (at `on`) from the person, CITIZENSHIP from the person
    /// or else `citizenship`.
    fn person_fact(
        &self,
        ind: I,
        month: Month,
        on: NaiveDate,
        citizenship: Option<&'r str>,
        sums: Sums,
    ) -> Fact<'r> {
        let cit: &'r str = match self.person.citizenship {
            Some(c) => c.alpha3(),
            None => citizenship.unwrap_or(UNKNOWN),
        };
        Fact::new(ind, month, sums)
            .with(Dim::Sex, sex_code(self.person.sex))
            .with(Dim::Age, age_code(self.person.birth, on))
            .with(Dim::Citizenship, cit)
            .with(
                Dim::CountryBirth,
                country_code(self.person.country_of_birth),
            )
    }

    fn census(&mut self, recs: &[UnitRecord<'r>]) {
        let ref_area = self.params.ref_area.alpha3();
        let mut seen: Vec<(&str, NaiveDate)> = Vec::new();
        for r in recs {
            let rec = r.record;
            let Some(at) = r.reference_date else {
                self.out.skipped.push(FactError::NoReferenceDate {
                    record_id: rec.record_id().to_string(),
                });
                continue;
            };
            let survey = rec.get("survey").unwrap_or("other");
            // A person enumerated twice in the same census counts once (the first record_id).
            if self.linked {
                if seen.contains(&(survey, at)) {
                    continue;
                }
                seen.push((survey, at));
            }
            let Some(month) = self.month(rec, at, "reference_date") else {
                continue;
            };
            let weight = match rec.get("weight").map(|w| (w, parse_fixed(w))) {
                Some((_, Some(w))) => w,
                Some((w, None)) => {
                    self.bad(rec, "weight", w, "a decimal");
                    continue;
                }
                None => SCALE,
            };
            let sex = rec
                .get("sex")
                .and_then(Sex::parse)
                .or(self.person.sex)
                .map_or(UNKNOWN, |s| sex_code(Some(s)));
            let age = match rec.get("age").and_then(|a| a.parse::<u32>().ok()) {
                Some(a) => age_years_code(a),
                None => age_code(
                    rec.get("birth_date").and_then(date).or(self.person.birth),
                    at,
                ),
            };
            let cob: &'r str = rec
                .get("country_of_birth")
                .or(self.person.country_of_birth.map(Country::alpha3))
                .unwrap_or(UNKNOWN);
            let cit: &'r str = rec
                .get("citizenship")
                .or(self.person.citizenship.map(Country::alpha3))
                .unwrap_or(UNKNOWN);
            let gov: &'r str = rec.get("governorate").unwrap_or(UNKNOWN);
            let sums = Sums::fixed(weight).estimated(survey != "census");
            for (ind, country) in [(I::ImmigrantStock, cob), (I::ForeignPopulation, cit)] {
                if country == UNKNOWN || country == ref_area {
                    continue;
                }
                self.push(
                    Fact::new(ind, month, sums)
                        .with(Dim::Sex, sex)
                        .with(Dim::Age, age)
                        .with(Dim::CountryBirth, cob)
                        .with(Dim::Citizenship, cit)
                        .with(Dim::Governorate, gov),
                );
            }
        }
    }

    fn crossings(&mut self, recs: &[UnitRecord<'r>], permits: &[UnitRecord<'r>]) {
        let mut list: Vec<Crossing<'r>> = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let rec = r.record;
            let at = rec.get("crossed_at").map(|v| (v, datetime(v)));
            let dir = rec.get("direction").map(|v| (v, Direction::parse(v)));
            match (at, dir) {
                (Some((_, Some(at))), Some((_, Some(direction)))) => list.push(Crossing {
                    at,
                    direction,
                    purpose: rec.get("purpose"),
                    source: i,
                }),
                (Some((v, None)), _) => self.bad(rec, "crossed_at", v, "a date-time"),
                (_, Some((v, None))) => self.bad(rec, "direction", v, "in or out"),
                (None, _) => self.out.skipped.push(FactError::Missing {
                    kind: rec.kind(),
                    record_id: rec.record_id().to_string(),
                    field: "crossed_at",
                }),
                (_, None) => self.out.skipped.push(FactError::Missing {
                    kind: rec.kind(),
                    record_id: rec.record_id().to_string(),
                    field: "direction",
                }),
            }
        }
        if list.is_empty() {
            return;
        }
        let ref_area = self.params.ref_area.alpha3();
        let doc_country = |c: &Crossing<'r>| -> Option<&'r str> {
            recs.get(c.source)
                .and_then(|r| r.record.get("document_country"))
        };
        let first = list.iter().min_by_key(|c| (c.at, c.source)).copied();
        let citizen = match self.person.citizenship {
            Some(c) => c.alpha3() == ref_area,
            None => first.and_then(|c| doc_country(&c)) == Some(ref_area),
        };
        let permit_holder = first.is_some_and(|f| {
            permits.iter().any(|p| {
                let rec = p.record;
                let issued = rec.get("issue_date").and_then(date);
                let expiry = rec.get("expiry_date").and_then(date);
                let day = f.at.date();
                rec.get("permit_type").is_some_and(|t| t != "visa")
                    && issued.is_some_and(|d| d <= day)
                    && expiry.is_none_or(|e| e >= day)
            })
        });
        // Unlinked, with no citizenship known at all, residence is unknown.
        let residence_known = self.linked
            || self.person.citizenship.is_some()
            || first.and_then(|c| doc_country(&c)).is_some()
            || permit_holder;
        let initial = if citizen || permit_holder {
            Residence::Resident
        } else {
            Residence::NonResident
        };
        let classified = if self.linked {
            flows::classify(&list, initial, &self.params.flow_rule, self.params.data_end)
        } else {
            // An unlinked crossing: no history, residence by citizenship alone.
            list.iter()
                .map(|&crossing| flows::Classified {
                    crossing,
                    residence_before: initial,
                    flow: None,
                    provisional: false,
                })
                .collect()
        };
        for c in classified {
            let Some(rec) = recs.get(c.crossing.source).map(|r| r.record) else {
                continue;
            };
            let day = c.crossing.at.date();
            let Some(month) = self.month(rec, day, "crossed_at") else {
                continue;
            };
            let counterpart: &'r str = match c.crossing.direction {
                Direction::In => rec.get("departure_country"),
                Direction::Out => rec.get("destination_country"),
            }
            .unwrap_or(UNKNOWN);
            let cit = rec.get("document_country");
            let crossing = self
                .person_fact(I::BorderCrossings, month, day, cit, Sums::count(1))
                .with(Dim::Flow, c.crossing.direction.flow_code())
                .with(
                    Dim::Residence,
                    if residence_known {
                        c.residence_before.code()
                    } else {
                        UNKNOWN
                    },
                )
                .with(Dim::CounterpartArea, counterpart);
            self.push(crossing);
            if let Some(flow) = c.flow {
                let ind = match flow {
                    Flow::ImmigrationLt => I::ImmigrationLt,
                    Flow::EmigrationLt => I::EmigrationLt,
                    Flow::ImmigrationSt => I::ImmigrationSt,
                    Flow::EmigrationSt => I::EmigrationSt,
                };
                let sums = Sums::count(1).provisional(c.provisional);
                let f = self
                    .person_fact(ind, month, day, cit, sums)
                    .with(Dim::CounterpartArea, counterpart);
                self.push(f);
            }
        }
    }

    /// Keeps the first record (by record_id; `recs` is sorted) of each event key.
    fn distinct<K: PartialEq>(
        &self,
        recs: &[UnitRecord<'r>],
        key: impl Fn(&CanonicalRecord) -> K,
    ) -> Vec<&'r CanonicalRecord> {
        let mut seen: Vec<K> = Vec::new();
        let mut out = Vec::new();
        for r in recs {
            let k = key(r.record);
            // Unlinked records are their own unit: nothing to de-duplicate against.
            if self.linked && seen.contains(&k) {
                continue;
            }
            seen.push(k);
            out.push(r.record);
        }
        out
    }

    fn placements(&mut self, recs: &[UnitRecord<'r>]) {
        let distinct = self.distinct(recs, |r| {
            (
                r.get("destination_country").map(str::to_string),
                r.get("contract_start").map(str::to_string),
            )
        });
        for rec in distinct {
            let Some(start) = self.required_date(rec, "contract_start") else {
                continue;
            };
            let Some(month) = self.month(rec, start, "contract_start") else {
                continue;
            };
            let dest: &'r str = rec.get("destination_country").unwrap_or(UNKNOWN);
            let occ = occupation_code(rec.get("occupation"));
            let placed = self
                .person_fact(I::WorkersPlaced, month, start, None, Sums::count(1))
                .with(Dim::CounterpartArea, dest)
                .with(Dim::Occupation, occ);
            self.push(placed);
            if let Some(ratio) = self.recruitment_ratio(rec) {
                let f = self
                    .person_fact(
                        I::RecruitmentCost,
                        month,
                        start,
                        None,
                        Sums::ratio(ratio, SCALE),
                    )
                    .with(Dim::CounterpartArea, dest)
                    .with(Dim::Occupation, occ);
                self.push(f);
            }
        }
    }

    /// 100 × cost / wage in fixed point, when both are given and the wage is above zero.
    fn recruitment_ratio(&mut self, rec: &CanonicalRecord) -> Option<i64> {
        let cost_text = rec.get("recruitment_cost")?;
        let wage_text = rec.get("monthly_wage")?;
        let Some(cost) = parse_fixed(cost_text) else {
            self.bad(rec, "recruitment_cost", cost_text, "a decimal");
            return None;
        };
        let Some(wage) = parse_fixed(wage_text).filter(|w| *w > 0) else {
            self.bad(rec, "monthly_wage", wage_text, "a decimal above zero");
            return None;
        };
        let wage_cur = rec.get("wage_currency");
        let cost_cur = rec.get("recruitment_cost_currency").or(wage_cur);
        let wage_cur = wage_cur.or(cost_cur);
        let (cost, wage) = (cost as f64, wage as f64);
        let ratio = match (cost_cur, wage_cur) {
            (Some(a), Some(b)) if a != b => {
                let rate = |c: &str, this: &mut Self| {
                    let r = this.params.usd(c);
                    if r.is_none() {
                        this.out.skipped.push(FactError::NoRate {
                            kind: rec.kind(),
                            record_id: rec.record_id().to_string(),
                            currency: c.to_string(),
                            indicator: I::RecruitmentCost,
                        });
                    }
                    r
                };
                let ra = rate(a, self)?;
                let rb = rate(b, self)?;
                100.0 * cost * ra / (wage * rb)
            }
            _ => 100.0 * cost / wage,
        };
        to_fixed(ratio)
    }

    fn remittance(&mut self, rec: &'r CanonicalRecord) {
        let Some(month_text) = rec.get("month") else {
            self.out.skipped.push(FactError::Missing {
                kind: rec.kind(),
                record_id: rec.record_id().to_string(),
                field: "month",
            });
            return;
        };
        let Some(month) = Month::parse(month_text) else {
            self.bad(rec, "month", month_text, "a month YYYY-MM");
            return;
        };
        let corridor: &'r str = rec.get("corridor_country").unwrap_or(UNKNOWN);
        let ind = match rec.get("direction") {
            Some("outward") => I::RemittancesOut,
            _ => I::RemittancesIn,
        };
        if let (Some(amount_text), Some(cur)) = (rec.get("amount"), rec.get("currency")) {
            match (parse_fixed(amount_text), self.params.usd(cur)) {
                (None, _) => self.bad(rec, "amount", amount_text, "a decimal"),
                (Some(_), None) => self.out.skipped.push(FactError::NoRate {
                    kind: rec.kind(),
                    record_id: rec.record_id().to_string(),
                    currency: cur.to_string(),
                    indicator: ind,
                }),
                (Some(amount), Some(rate)) => {
                    if let Some(usd) = to_fixed(amount as f64 / SCALE as f64 * rate) {
                        self.push(
                            Fact::new(ind, month, Sums::fixed(usd))
                                .with(Dim::CounterpartArea, corridor),
                        );
                    }
                }
            }
        }
        if let Some(pct_text) = rec.get("avg_cost_pct_200usd") {
            match parse_fixed(pct_text) {
                Some(pct) => self.push(
                    Fact::new(I::RemittanceCost, month, Sums::ratio(pct, SCALE))
                        .with(Dim::CounterpartArea, corridor),
                ),
                None => self.bad(rec, "avg_cost_pct_200usd", pct_text, "a decimal"),
            }
        }
    }

    fn trafficking(&mut self, recs: &[UnitRecord<'r>]) {
        let mut cases: Vec<(NaiveDate, &'r CanonicalRecord)> = Vec::new();
        for r in recs {
            if let Some(d) = self.required_date(r.record, "identification_date") {
                cases.push((d, r.record));
            }
        }
        cases.sort_by(|a, b| (a.0, a.1.record_id()).cmp(&(b.0, b.1.record_id())));
        // A linked person is one victim, at the first identification; unlinked records are
        // their own unit (one case each).
        let take = if self.linked { 1 } else { cases.len() };
        for (day, rec) in cases.into_iter().take(take) {
            let Some(month) = self.month(rec, day, "identification_date") else {
                continue;
            };
            let f = self
                .person_fact(I::TraffickingVictims, month, day, None, Sums::count(1))
                .with(
                    Dim::Exploitation,
                    rec.get("exploitation_form").unwrap_or(UNKNOWN),
                )
                .with(
                    Dim::CounterpartArea,
                    rec.get("country_of_exploitation").unwrap_or(UNKNOWN),
                );
            self.push(f);
        }
    }

    fn incident(&mut self, rec: &'r CanonicalRecord) {
        let Some(day) = self.required_date(rec, "incident_date") else {
            return;
        };
        let Some(month) = self.month(rec, day, "incident_date") else {
            return;
        };
        for (ind, field) in [(I::DeadMigrants, "dead"), (I::MissingMigrants, "missing")] {
            let Some(text) = rec.get(field) else { continue };
            let Ok(n) = text.parse::<i64>() else {
                self.bad(rec, field, text, "a whole number");
                continue;
            };
            if n == 0 {
                continue;
            }
            self.push(
                Fact::new(ind, month, Sums::count(n))
                    .with(Dim::Route, rec.get("route").unwrap_or(UNKNOWN))
                    .with(Dim::Cause, rec.get("cause_of_death").unwrap_or(UNKNOWN))
                    .with(
                        Dim::CounterpartArea,
                        rec.get("country_of_incident").unwrap_or(UNKNOWN),
                    ),
            );
        }
    }

    fn returns(&mut self, recs: &[UnitRecord<'r>]) {
        let distinct = self.distinct(recs, |r| {
            (
                r.get("return_date")
                    .and_then(|d| d.get(0..7).map(str::to_string)),
                r.get("from_country").map(str::to_string),
            )
        });
        for rec in distinct {
            let Some(day) = self.required_date(rec, "return_date") else {
                continue;
            };
            let Some(month) = self.month(rec, day, "return_date") else {
                continue;
            };
            let f = self
                .person_fact(I::Returns, month, day, None, Sums::count(1))
                .with(
                    Dim::CounterpartArea,
                    rec.get("from_country").unwrap_or(UNKNOWN),
                );
            self.push(f);
        }
    }

    fn consular(&mut self, recs: &[UnitRecord<'r>]) {
        let distinct = self.distinct(recs, |r| {
            (
                r.get("registration_date")
                    .and_then(|d| d.get(0..7).map(str::to_string)),
                r.get("residence_country").map(str::to_string),
            )
        });
        let mut regs: Vec<(NaiveDate, &'r CanonicalRecord)> = Vec::new();
        for rec in distinct {
            let Some(day) = self.required_date(rec, "registration_date") else {
                continue;
            };
            let Some(month) = self.month(rec, day, "registration_date") else {
                continue;
            };
            let country: &'r str = rec.get("residence_country").unwrap_or(UNKNOWN);
            let f = self
                .person_fact(I::ConsularRegistrations, month, day, None, Sums::count(1))
                .with(Dim::CounterpartArea, country);
            self.push(f);
            regs.push((day, rec));
        }
        regs.sort_by(|a, b| (a.0, a.1.record_id()).cmp(&(b.0, b.1.record_id())));
        let Some(&(first, _)) = regs.first() else {
            return;
        };
        // The stock at 31 December: one person, one country (the latest registration), and
        // only when the registration is still valid and the year is covered by the data.
        let stocks: Vec<&'r CanonicalRecord> = if self.linked {
            Vec::new()
        } else {
            regs.iter().map(|r| r.1).collect()
        };
        let validity = Months::new(self.params.registration_validity_years.saturating_mul(12));
        let end_year = self.params.data_end.year();
        for year in first.year()..=end_year {
            let Some(dec31) = NaiveDate::from_ymd_opt(year, 12, 31) else {
                continue;
            };
            if dec31 > self.params.data_end {
                break;
            }
            let valid = |d: NaiveDate| d <= dec31 && d.checked_add_months(validity) > Some(dec31);
            let chosen: Vec<&'r CanonicalRecord> = if self.linked {
                regs.iter()
                    .rev()
                    .find(|(d, _)| *d <= dec31)
                    .filter(|(d, _)| valid(*d))
                    .map(|r| r.1)
                    .into_iter()
                    .collect()
            } else {
                stocks
                    .iter()
                    .copied()
                    .filter(|r| r.get("registration_date").and_then(date).is_some_and(valid))
                    .collect()
            };
            let Some(month) = Month::new(year, 12) else {
                continue;
            };
            for rec in chosen {
                let f = self
                    .person_fact(I::EmigrantStock, month, dec31, None, Sums::count(1))
                    .with(
                        Dim::CounterpartArea,
                        rec.get("residence_country").unwrap_or(UNKNOWN),
                    );
                self.push(f);
            }
        }
    }

    fn permits(&mut self, recs: &[UnitRecord<'r>]) {
        let distinct = self.distinct(recs, |r| {
            (
                r.get("permit_type").map(str::to_string),
                r.get("issue_date")
                    .and_then(|d| d.get(0..7).map(str::to_string)),
            )
        });
        let mut refugee: Vec<(NaiveDate, &'r CanonicalRecord)> = Vec::new();
        for rec in distinct {
            let kind = rec.get("permit_type");
            if !matches!(
                kind,
                Some("residence_permit" | "work_permit" | "refugee_status")
            ) {
                continue;
            }
            let Some(day) = self.required_date(rec, "issue_date") else {
                continue;
            };
            if kind == Some("refugee_status") {
                refugee.push((day, rec));
                continue;
            }
            let Some(month) = self.month(rec, day, "issue_date") else {
                continue;
            };
            let f = self.person_fact(
                I::ResidencePermits,
                month,
                day,
                rec.get("nationality"),
                Sums::count(1),
            );
            self.push(f);
        }
        refugee.sort_by(|a, b| (a.0, a.1.record_id()).cmp(&(b.0, b.1.record_id())));
        let take = if self.linked { 1 } else { refugee.len() };
        for (day, rec) in refugee.into_iter().take(take) {
            let Some(month) = self.month(rec, day, "issue_date") else {
                continue;
            };
            let f = self.person_fact(
                I::RefugeesRecognised,
                month,
                day,
                rec.get("nationality"),
                Sums::count(1),
            );
            self.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_reads_canonical_decimals() {
        for (s, v) in [
            ("1", Some(10_000)),
            ("1234.5", Some(12_345_000)),
            ("0.00005", Some(1)),
            ("0.00004", Some(0)),
            ("12.3456", Some(123_456)),
            ("-2.5", Some(-25_000)),
            (".5", Some(5_000)),
            ("", None),
            ("1,5", None),
            ("abc", None),
        ] {
            assert_eq!(parse_fixed(s), v, "{s}");
        }
    }

    #[test]
    fn partial_birth_dates_are_taken_in_their_middle() {
        assert_eq!(
            birth_date("1990").map(|d| d.to_string()).as_deref(),
            Some("1990-07-01")
        );
        assert_eq!(
            birth_date("1990-03").map(|d| d.to_string()).as_deref(),
            Some("1990-03-15")
        );
        assert_eq!(
            birth_date("1990-03-02").map(|d| d.to_string()).as_deref(),
            Some("1990-03-02")
        );
        assert_eq!(birth_date("90"), None);
    }
}
