//! Refreshing the cube in the store from the records.
//!
//! **Units.** Facts are computed per unit ([`marsad_stats::facts`]): a person record that has a
//! unified number belongs to the unit `p:NUMBER` with every other record of that number; a
//! person record without a number is a unit of its own (`r:SOURCE:person:ID`); an event record
//! (crossing, permit, placement, ...) belongs to the unit of the person record its
//! `person_record_id` names in the same source, or is a unit of its own when it names none that
//! exists; aggregates (remittance flows, incidents) are units of their own.
//!
//! **Full refresh** reads every current record of every kind, groups them, computes every
//! unit's facts and replaces the cube, the units' facts and the members in one transaction.
//!
//! **Incremental refresh** asks the store what changed since the watermark (records made
//! current by complete submissions not applied yet; numbers and records named by person events
//! since the last one applied), finds every unit those changes touch — the unit each changed
//! record was in, the unit it is in now, every unit of a number that was merged, split or
//! assigned, the events of a person record that arrives — reloads each such unit completely,
//! recomputes its facts, and applies `new − old` per cell in one transaction. Because
//! [`marsad_stats::facts::unit_facts`] is a pure function of the unit and the cube's sums are
//! integers, the result equals a full refresh (a test checks it after a second import).
//!
//! The settings are stored with the cube; a refresh with other settings is a full one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use marsad_model::{CanonicalRecord, RecordKind};
use marsad_stats::cube::{delta_rows, CubeRow, Cubes, Fact, Sums};
use marsad_stats::facts::{unit_facts, FactError, Params, PersonAttrs, UnitRecord};
use marsad_store::{
    LinkRecord, LinkSelection, PersonNumber, RecordKey, StatCell, StatsBatch, StatsMember, Store,
    Timestamp,
};

use crate::settings::Settings;
use crate::{FiguresError, Result};

/// Records read per page in a full refresh.
pub(crate) const PAGE: u32 = 5_000;

/// Called as work proceeds: the stage (`reading`, `computing`, `writing`), done and total (0
/// when unknown).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// True for a full refresh (asked for, the first one, or settings changed).
    pub full: bool,
    /// Records read.
    pub records: u64,
    /// Units recomputed.
    pub units: u64,
    pub facts_added: u64,
    pub facts_removed: u64,
    /// Cells written (full) or changed (incremental).
    pub cells_changed: u64,
    /// Cells in the cube afterwards.
    pub cells: u64,
    /// Parts of records left out of an indicator, by reason (kind and field, no values).
    pub skipped: BTreeMap<String, u64>,
    /// Records whose stored payload could not be read (by kind).
    pub unreadable: BTreeMap<String, u64>,
}

/// Refreshes the cube: incrementally unless `full`, there is no cube yet, or `settings`
/// differ from those the cube was computed with. `today` stands for `data_end` when the settings
/// give none; `at` is recorded as the refresh time.
pub fn refresh(
    store: &dyn Store,
    settings: &Settings,
    today: NaiveDate,
    at: Timestamp,
    full: bool,
    progress: Progress<'_>,
) -> Result<RefreshReport> {
    let params = settings.params(today)?;
    let stored = store
        .stats_state()?
        .and_then(|s| Settings::from_json(&s.settings).ok());
    // The record-key secret is the cube's, not the caller's: kept from the stored settings,
    // drawn when there is none (a cube refreshed before cell keys: a full refresh fills them).
    let mut settings = settings.clone();
    if settings.record_key_secret.is_none() {
        settings.record_key_secret = Some(
            stored
                .as_ref()
                .and_then(|s| s.record_key_secret.clone())
                .unwrap_or_else(new_secret),
        );
    }
    let same = stored.is_some_and(|s| s.computes_like(&settings));
    if full || !same {
        full_refresh(store, &settings, &params, at, progress)
    } else {
        incremental(store, &settings, &params, at, progress)
    }
}

/// 256 random bits, hex.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record key of a unit: the first 32 bits of HMAC-SHA-256 of its name under the cube's
/// secret (the same unit always has the same key; without the secret nobody can compute it).
pub(crate) fn unit_key(settings: &Settings, unit: &str) -> u32 {
    let secret = settings.record_key_secret.as_deref().unwrap_or_default();
    let h = crate::keyed_hash(secret.as_bytes(), unit);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// A current record with its parsed payload.
pub(crate) struct Loaded {
    pub(crate) link: LinkRecord,
    pub(crate) rec: CanonicalRecord,
}

impl Loaded {
    fn person_ref(&self) -> Option<&str> {
        if self.rec.kind() == RecordKind::Person {
            return None;
        }
        self.rec.get("person_record_id").filter(|s| !s.is_empty())
    }
}

fn record_unit(k: &RecordKey) -> String {
    format!("r:{}:{}:{}", k.source.0, k.kind, k.record_id)
}

fn person_unit(n: PersonNumber) -> String {
    format!("p:{}", n.0)
}

fn person_key(source: &RecordKey, person_record_id: &str) -> RecordKey {
    RecordKey::new(source.source, RecordKind::Person.as_str(), person_record_id)
}

/// Parses what the store gave; unreadable payloads are counted and left out.
pub(crate) fn load(links: Vec<LinkRecord>, report: &mut RefreshReport) -> Vec<Loaded> {
    let mut out = Vec::with_capacity(links.len());
    for link in links {
        report.records += 1;
        let rec = RecordKind::parse(&link.key.kind)
            .and_then(|k| CanonicalRecord::from_json(k, &link.payload).ok());
        match rec {
            Some(rec) => out.push(Loaded { link, rec }),
            None => *report.unreadable.entry(link.key.kind.clone()).or_default() += 1,
        }
    }
    out
}

/// Groups records into units: `persons` maps every person record key present to its unit.
pub(crate) fn group(records: &[Loaded]) -> BTreeMap<String, Vec<usize>> {
    let mut persons: BTreeMap<&RecordKey, String> = BTreeMap::new();
    for r in records {
        if r.rec.kind() == RecordKind::Person {
            let unit = match r.link.person {
                Some(n) => person_unit(n),
                None => record_unit(&r.link.key),
            };
            persons.insert(&r.link.key, unit);
        }
    }
    let mut units: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let unit = if r.rec.kind() == RecordKind::Person {
            persons.get(&r.link.key).cloned()
        } else {
            r.person_ref()
                .and_then(|id| persons.get(&person_key(&r.link.key, id)).cloned())
        };
        let unit = unit.unwrap_or_else(|| record_unit(&r.link.key));
        units.entry(unit).or_default().push(i);
    }
    units
}

fn skipped_reason(e: &FactError) -> String {
    match e {
        FactError::BadValue { kind, field, .. } => format!("{kind}: {field} unreadable"),
        FactError::Missing { kind, field, .. } => format!("{kind}: {field} empty"),
        FactError::NoRate {
            kind, indicator, ..
        } => format!("{kind}: no US dollar rate ({indicator})"),
        FactError::NoReferenceDate { .. } => {
            "census_person: no reference date for the survey (--survey-date)".into()
        }
    }
}

/// The facts of one unit (its records given by index into `records`), keyed with the unit's
/// record key.
fn facts_of<'r>(
    params: &Params,
    settings: &Settings,
    unit: &str,
    records: &'r [Loaded],
    members: &[usize],
    report: &mut RefreshReport,
) -> Vec<Fact<'r>> {
    let mut persons: Vec<&Loaded> = members
        .iter()
        .filter_map(|&i| records.get(i))
        .filter(|r| r.rec.kind() == RecordKind::Person)
        .collect();
    persons.sort_by(|a, b| a.link.key.cmp(&b.link.key));
    let attrs = persons.iter().fold(PersonAttrs::default(), |acc, r| {
        acc.or(PersonAttrs::from_person_record(&r.rec))
    });
    let unit_records: Vec<UnitRecord<'r>> = members
        .iter()
        .filter_map(|&i| records.get(i))
        .map(|r| {
            let date = (r.rec.kind() == RecordKind::CensusPerson)
                .then(|| {
                    r.rec
                        .get("survey")
                        .and_then(|s| settings.survey_dates.get(s))
                })
                .flatten();
            match date {
                Some(d) => UnitRecord::at(&r.rec, *d),
                None => UnitRecord::new(&r.rec),
            }
        })
        .collect();
    let person = (!persons.is_empty()).then_some(&attrs);
    let out = unit_facts(params, person, &unit_records);
    for e in &out.skipped {
        *report.skipped.entry(skipped_reason(e)).or_default() += 1;
    }
    let key = unit_key(settings, unit);
    let mut facts = out.facts;
    for f in &mut facts {
        f.sums = f.sums.keyed(key);
    }
    facts
}

/// A unit's facts as stored: one line per fact, `INDICATOR\tPERIOD\tKEY\tv,d,u,p,e`.
fn facts_text(facts: &[Fact<'_>]) -> String {
    let mut out = String::new();
    for f in facts {
        let r = f.to_row();
        if !out.is_empty() {
            out.push('\n');
        }
        let s = r.sums;
        out.push_str(&format!(
            "{}\t{}\t{}\t{},{},{},{},{}",
            r.indicator,
            r.period,
            r.key,
            s.value,
            s.denominator,
            s.units,
            s.provisional,
            s.estimated
        ));
    }
    out
}

/// A unit's stored facts, keyed with the unit's record key (not stored: derived from the
/// unit's name).
pub(crate) fn parse_facts(unit: &str, unit_key: u32, text: &str) -> Result<Vec<CubeRow>> {
    let bad = |reason: &str| FiguresError::StoredFacts {
        unit: unit.to_string(),
        reason: reason.to_string(),
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut parts = line.split('\t');
        let (Some(indicator), Some(period), Some(key), Some(sums), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad("a line does not have four tab-separated fields"));
        };
        let n: Vec<i64> = sums
            .split(',')
            .map(|x| x.parse::<i64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad("sums are not integers"))?;
        let [value, denominator, units, provisional, estimated] = n[..] else {
            return Err(bad("sums are not five integers"));
        };
        out.push(CubeRow {
            indicator: indicator.to_string(),
            period: period.to_string(),
            key: key.to_string(),
            sums: Sums {
                value,
                denominator,
                units,
                provisional,
                estimated,
                key: 0,
            }
            .keyed(unit_key),
        });
    }
    Ok(out)
}

fn stat_cell(r: CubeRow) -> StatCell {
    StatCell {
        indicator: r.indicator,
        period: r.period,
        key: r.key,
        value: r.sums.value,
        denominator: r.sums.denominator,
        units: r.sums.units,
        provisional: r.sums.provisional,
        estimated: r.sums.estimated,
        ckey: i64::from(r.sums.key),
    }
}

fn member(r: &Loaded, unit: &str) -> StatsMember {
    StatsMember {
        record: r.link.key.clone(),
        unit: unit.to_string(),
        person_ref: r.person_ref().map(String::from),
    }
}

fn full_refresh(
    store: &dyn Store,
    settings: &Settings,
    params: &Params,
    at: Timestamp,
    progress: Progress<'_>,
) -> Result<RefreshReport> {
    let mut report = RefreshReport {
        full: true,
        ..RefreshReport::default()
    };
    // The watermark first: what is read afterwards is at least as new.
    let changes = store.stats_changes(true)?;
    let total: u64 = store.count_records()?.iter().map(|k| k.records).sum();
    let mut links = Vec::new();
    for kind in RecordKind::ALL {
        let mut after = None;
        loop {
            let (page, next) =
                store.link_records(kind.as_str(), LinkSelection::All, after, PAGE)?;
            links.extend(page);
            progress("reading", links.len() as u64, total);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
    }
    let records = load(links, &mut report);
    let units = group(&records);
    let mut cubes = Cubes::new();
    let mut batch = StatsBatch {
        full: true,
        submissions: changes.submissions,
        person_event: changes.person_event,
        settings: settings.to_json(),
        at,
        ..StatsBatch::default()
    };
    let n_units = units.len() as u64;
    for (done, (unit, members)) in units.into_iter().enumerate() {
        let facts = facts_of(params, settings, &unit, &records, &members, &mut report);
        cubes.apply(&facts, &[])?;
        report.facts_added += facts.len() as u64;
        report.units += 1;
        for &i in &members {
            if let Some(r) = records.get(i) {
                batch.members.push(member(r, &unit));
            }
        }
        batch.units.push((unit, Some(facts_text(&facts))));
        if done % 1000 == 0 {
            progress("computing", done as u64, n_units);
        }
    }
    progress("computing", n_units, n_units);
    batch.deltas = cubes.rows().into_iter().map(stat_cell).collect();
    report.cells_changed = batch.deltas.len() as u64;
    progress("writing", 0, 1);
    store.stats_apply(&batch)?;
    progress("writing", 1, 1);
    report.cells = report.cells_changed;
    Ok(report)
}

fn incremental(
    store: &dyn Store,
    settings: &Settings,
    params: &Params,
    at: Timestamp,
    progress: Progress<'_>,
) -> Result<RefreshReport> {
    let mut report = RefreshReport::default();
    let ch = store.stats_changes(false)?;
    let state = store.stats_state()?;
    if ch.submissions.is_empty() && ch.numbers.is_empty() && ch.event_records.is_empty() {
        let settings_json = settings.to_json();
        if state.as_ref().is_some_and(|s| s.settings != settings_json) {
            // Nothing to recompute, but the inputs changed: keep them with the cube.
            store.stats_apply(&StatsBatch {
                person_event: ch.person_event,
                expect_person_event: Some(state.as_ref().map_or(0, |s| s.person_event)),
                settings: settings_json,
                at,
                ..StatsBatch::default()
            })?;
        }
        report.cells = state.map_or(0, |s| s.cells);
        return Ok(report);
    }
    progress("reading", 0, 0);
    // Seeds: units to recompute, person records whose units to recompute.
    let mut units: BTreeSet<String> = BTreeSet::new();
    let mut persons: BTreeSet<RecordKey> = BTreeSet::new();
    let mut pool: BTreeMap<RecordKey, LinkRecord> = BTreeMap::new();
    let changed = load(ch.records, &mut report);
    for r in &changed {
        if r.rec.kind() == RecordKind::Person {
            persons.insert(r.link.key.clone());
        } else if let Some(id) = r.person_ref() {
            persons.insert(person_key(&r.link.key, id));
        } else {
            units.insert(record_unit(&r.link.key));
        }
    }
    let mut keys: Vec<RecordKey> = changed.iter().map(|r| r.link.key.clone()).collect();
    keys.extend(ch.event_records.iter().cloned());
    persons.extend(
        ch.event_records
            .iter()
            .filter(|k| k.kind == RecordKind::Person.as_str())
            .cloned(),
    );
    progress("reading members", 0, 0);
    for m in store.stats_members_of_records(&keys)? {
        if let Some(id) = &m.person_ref {
            persons.insert(person_key(&m.record, id));
        }
        units.insert(m.unit);
    }
    let mut numbers: BTreeSet<PersonNumber> = ch.numbers.iter().copied().collect();
    for n in &ch.numbers {
        units.insert(person_unit(*n));
    }
    for r in changed {
        pool.insert(r.link.key.clone(), r.link);
    }
    // Old members of those units.
    let unit_list: Vec<String> = units.iter().cloned().collect();
    let mut others: Vec<RecordKey> = Vec::new();
    progress("reading units", 0, 0);
    for m in store.stats_members_of_units(&unit_list)? {
        if m.record.kind == RecordKind::Person.as_str() {
            persons.insert(m.record.clone());
        } else if let Some(id) = &m.person_ref {
            persons.insert(person_key(&m.record, id));
        }
        others.push(m.record);
    }
    // Current person records, then every record of their numbers (twice: a number found on
    // the second pass has all its records loaded by then).
    let person_list: Vec<RecordKey> = persons.iter().cloned().collect();
    progress("reading persons", 0, 0);
    for r in store.stats_records(&person_list)? {
        if let Some(n) = r.person {
            numbers.insert(n);
        }
        pool.insert(r.key.clone(), r);
    }
    let number_list: Vec<PersonNumber> = numbers.iter().copied().collect();
    progress("reading numbers", 0, 0);
    let handles = store.person_members(&number_list)?;
    for r in store.link_records_by_handle(&handles)? {
        if r.key.kind == RecordKind::Person.as_str() {
            persons.insert(r.key.clone());
        }
        pool.insert(r.key.clone(), r);
    }
    // Events referring to those person records, and the other old members.
    let person_list: Vec<RecordKey> = persons.iter().cloned().collect();
    progress("reading events", 0, 0);
    for m in store.stats_members_referring(&person_list)? {
        others.push(m.record);
    }
    others.retain(|k| !pool.contains_key(k));
    others.sort();
    others.dedup();
    progress("reading others", 0, 0);
    for r in store.stats_records(&others)? {
        pool.entry(r.key.clone()).or_insert(r);
    }
    let records = load(pool.into_values().collect(), &mut report);
    let grouped = group(&records);
    for unit in grouped.keys() {
        units.insert(unit.clone());
    }
    // Old facts and members of every unit recomputed.
    let unit_list: Vec<String> = units.iter().cloned().collect();
    progress("reading old facts", 0, 0);
    let old_members = store.stats_members_of_units(&unit_list)?;
    let old_facts = store.stats_unit_facts(&unit_list)?;
    let mut old_rows: Vec<CubeRow> = Vec::new();
    for (unit, text) in &old_facts {
        old_rows.extend(parse_facts(unit, unit_key(settings, unit), text)?);
    }
    let removed = old_rows
        .iter()
        .map(CubeRow::to_fact)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    progress("computing", 0, units.len() as u64);
    let mut added: Vec<Fact<'_>> = Vec::new();
    let mut batch = StatsBatch {
        submissions: ch.submissions,
        person_event: ch.person_event,
        expect_person_event: Some(state.as_ref().map_or(0, |s| s.person_event)),
        settings: settings.to_json(),
        at,
        ..StatsBatch::default()
    };
    let mut present: BTreeSet<&RecordKey> = BTreeSet::new();
    for unit in &units {
        let members = grouped.get(unit).map(Vec::as_slice).unwrap_or(&[]);
        report.units += 1;
        if members.is_empty() {
            batch.units.push((unit.clone(), None));
            continue;
        }
        let facts = facts_of(params, settings, unit, &records, members, &mut report);
        for &i in members {
            if let Some(r) = records.get(i) {
                batch.members.push(member(r, unit));
                present.insert(&r.link.key);
            }
        }
        batch.units.push((unit.clone(), Some(facts_text(&facts))));
        added.extend(facts);
    }
    batch.members_removed = old_members
        .into_iter()
        .map(|m| m.record)
        .filter(|k| !present.contains(k))
        .collect();
    report.facts_added = added.len() as u64;
    report.facts_removed = removed.len() as u64;
    batch.deltas = delta_rows(&added, &removed)?
        .into_iter()
        .map(stat_cell)
        .collect();
    report.cells_changed = batch.deltas.len() as u64;
    progress("writing", 0, 1);
    store.stats_apply(&batch)?;
    progress("writing", 1, 1);
    report.cells = store.stats_state()?.map_or(0, |s| s.cells);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_text_round_trips() {
        use marsad_stats::catalogue::IndicatorId;
        use marsad_stats::dims::{Dim, Month};
        let m = Month::new(2024, 3).unwrap();
        let facts = vec![
            Fact::new(IndicatorId::WorkersPlaced, m, Sums::count(1).keyed(7))
                .with(Dim::Sex, "F")
                .with(Dim::CounterpartArea, "FRA"),
            Fact::new(IndicatorId::RemittancesIn, m, Sums::fixed(-12_345).keyed(7)),
        ];
        let text = facts_text(&facts);
        let rows = parse_facts("u", 7, &text).unwrap();
        let back: Vec<Fact> = rows.iter().map(|r| r.to_fact().unwrap()).collect();
        assert_eq!(back, facts);
        // The key is the unit's, not stored: another unit's key gives other cell keys.
        assert_ne!(parse_facts("u", 8, &text).unwrap(), rows);
        assert!(parse_facts("u", 7, "A\tB\tC").is_err());
        assert!(parse_facts("u", 7, "A\tB\tC\t1,2,3").is_err());
        assert!(parse_facts("u", 7, "").unwrap().is_empty());
    }
}
