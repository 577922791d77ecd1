//! Research microdata extracts: linked records flattened to one row per *unit* (a unified person
//! with all their records, or one unlinked record, as in [`crate::refresh`]), pseudonymised,
//! coarsened and treated for re-identification risk before release.
//!
//! - **Population**: the units with at least one record of the requested kinds dated in the
//!   requested years (person and census records carry no event date: they count whenever their
//!   kind is requested). Trafficking cases, remittance flows and incidents never enter an
//!   extract (the first is a victim's file, the others are about no person).
//! - **Rows**: one per unit, with the variables of [`VARIABLES`] that were asked: sex, five-year
//!   age group at the end of the period, citizenship, country of birth, governorate, destination
//!   and occupation of the first placement, the first year seen, and counts of events by kind. No
//!   name, document, identifier or exact date is ever a variable.
//! - **Pseudonym**: HMAC-SHA256 of the unit under a random key drawn for this extract alone (the
//!   caller passes it and forgets it): the same person has different pseudonyms in two extracts,
//!   so extracts cannot be joined on them, and no one can go back from a pseudonym to a person.
//! - **Treatment** ([`release`]): the quasi-identifiers go through
//!   [`marsad_stats::microdata::treat`] — global recoding of the age group (ten-year groups, then
//!   broad groups) while many records are at risk, then local suppression until every key has at
//!   least `k` records — and the report says whether the risk is below the level in force.
//!
//! Reads the store through the [`Store`] trait; no clock, no randomness of its own.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use marsad_model::codes::{Country, Sex};
use marsad_model::RecordKind;
use marsad_stats::dims::{age_code, occupation_code, sex_code, UNKNOWN};
use marsad_stats::facts::{birth_date, PersonAttrs};
use marsad_stats::microdata::{self, Microdata, Policy, RecodeStep, Recoding, Report};
use marsad_store::{LinkSelection, Store};

use crate::refresh::{group, load, Loaded, RefreshReport, PAGE};
use crate::Result;

/// A variable an extract may hold: its name, whether it is a quasi-identifier unless the
/// request says otherwise, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    pub quasi_identifier: bool,
    pub description: &'static str,
}

/// Every variable an extract may hold, in a stable order.
pub const VARIABLES: [Variable; 13] = [
    var("sex", true, "Sex (SDMX SEX: M, F)."),
    var(
        "age_group",
        true,
        "Five-year age group at the end of the period (SDMX AGE: Y25T29, ...).",
    ),
    var("citizenship", true, "Citizenship (ISO 3166-1 alpha-3)."),
    var(
        "country_of_birth",
        true,
        "Country of birth (ISO 3166-1 alpha-3, census records).",
    ),
    var(
        "governorate",
        true,
        "Governorate of residence (census records).",
    ),
    var(
        "destination",
        true,
        "Destination country of the first labour placement in the period.",
    ),
    var(
        "occupation",
        true,
        "ISCO-08 major group of the first labour placement in the period (OC0 ... OC9).",
    ),
    var(
        "first_year",
        false,
        "Year of the first event of the requested kinds in the period.",
    ),
    var("crossings", false, "Border crossings in the period."),
    var("permits", false, "Residence permits issued in the period."),
    var(
        "placements",
        false,
        "Labour placements starting in the period.",
    ),
    var(
        "registrations",
        false,
        "Consular registrations in the period.",
    ),
    var("returns", false, "Returns in the period."),
];

const fn var(name: &'static str, quasi_identifier: bool, description: &'static str) -> Variable {
    Variable {
        name,
        quasi_identifier,
        description,
    }
}

/// The variable named `name`.
pub fn variable(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// The record kinds an extract's population may be drawn from.
pub const POPULATION_KINDS: [RecordKind; 7] = [
    RecordKind::Person,
    RecordKind::BorderCrossing,
    RecordKind::ResidencePermit,
    RecordKind::LabourPlacement,
    RecordKind::ConsularRegistration,
    RecordKind::Return,
    RecordKind::CensusPerson,
];

/// The column of the pseudonym (always first).
pub const PSEUDONYM: &str = "pseudonym";

/// What an extract is built from (checked by the caller against [`VARIABLES`] and
/// [`POPULATION_KINDS`]; unknown names are refused here too).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractSpec {
    pub kinds: Vec<RecordKind>,
    pub first_year: i32,
    pub last_year: i32,
    pub variables: Vec<String>,
    pub quasi_identifiers: Vec<String>,
}

/// An extract before treatment: one row per unit, values in the order of `spec.variables`
/// (`None` = unknown), pseudonyms alongside.
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    pub variables: Vec<String>,
    pub pseudonyms: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// The event date field of each kind (person and census records have none).
fn event_field(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::BorderCrossing => Some("crossed_at"),
        RecordKind::ResidencePermit => Some("issue_date"),
        RecordKind::LabourPlacement => Some("contract_start"),
        RecordKind::ConsularRegistration => Some("registration_date"),
        RecordKind::Return => Some("return_date"),
        _ => None,
    }
}

fn year_of(rec: &Loaded) -> Option<i32> {
    let field = event_field(rec.rec.kind())?;
    rec.rec.get(field)?.get(..4)?.parse().ok()
}

/// The keyed pseudonym of a unit: 16 hex digits of HMAC-SHA256(key, unit).
pub fn pseudonym(key: &[u8; 32], unit: &str) -> String {
    crate::keyed_hash(key, unit)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Kinds of institution whose records are left out of every extract (the person stays in it
/// through other institutions' records, with nothing from these).
pub const WITHHELD_ORIGINS: [&str; 1] = ["anti_trafficking"];

/// Builds the extract `spec` asks for from the current records, with pseudonyms under `key`.
pub fn build(store: &dyn Store, spec: &ExtractSpec, key: &[u8; 32]) -> Result<Extract> {
    for v in &spec.variables {
        if variable(v).is_none() {
            return Err(crate::FiguresError::Settings(format!(
                "no extract variable '{v}'"
            )));
        }
    }
    // Sources of institutions whose records never feed a research extract: that a person is
    // known to them is itself sensitive (a victim of trafficking), even with nothing labelled.
    let kinds: BTreeMap<String, String> = store
        .institutions()?
        .into_iter()
        .map(|i| (i.name, i.kind))
        .collect();
    let withheld: BTreeSet<_> = store
        .sources()?
        .into_iter()
        .filter(|s| {
            s.institution
                .as_ref()
                .and_then(|i| kinds.get(i))
                .is_some_and(|k| WITHHELD_ORIGINS.contains(&k.as_str()))
        })
        .map(|s| s.id)
        .collect();
    let mut links = Vec::new();
    for kind in POPULATION_KINDS {
        let mut after = None;
        loop {
            let (page, next) =
                store.link_records(kind.as_str(), LinkSelection::All, after, PAGE)?;
            links.extend(
                page.into_iter()
                    .filter(|l| !withheld.contains(&l.key.source)),
            );
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
    }
    let mut report = RefreshReport::default();
    let records = load(links, &mut report);
    let units = group(&records);
    let in_period = |y: i32| (spec.first_year..=spec.last_year).contains(&y);
    let reference = NaiveDate::from_ymd_opt(spec.last_year, 12, 31);
    let mut out = Extract {
        variables: spec.variables.clone(),
        pseudonyms: Vec::new(),
        rows: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for (unit, members) in &units {
        let recs: Vec<&Loaded> = members.iter().filter_map(|&i| records.get(i)).collect();
        let chosen = recs.iter().any(|r| {
            spec.kinds.contains(&r.rec.kind())
                && match event_field(r.rec.kind()) {
                    None => true,
                    Some(_) => year_of(r).is_some_and(in_period),
                }
        });
        if !chosen {
            continue;
        }
        let row = flatten(&recs, spec, reference, &in_period);
        let p = pseudonym(key, unit);
        if !seen.insert(p.clone()) {
            // two units on one 64-bit pseudonym: vanishingly rare; keep the file joinable on
            // nothing by leaving the second out rather than sharing a pseudonym
            continue;
        }
        out.pseudonyms.push(p);
        out.rows.push(row);
    }
    Ok(out)
}

fn flatten(
    recs: &[&Loaded],
    spec: &ExtractSpec,
    reference: Option<NaiveDate>,
    in_period: &dyn Fn(i32) -> bool,
) -> Vec<Option<String>> {
    let mut persons: Vec<&&Loaded> = recs
        .iter()
        .filter(|r| r.rec.kind() == RecordKind::Person)
        .collect();
    persons.sort_by(|a, b| a.link.key.cmp(&b.link.key));
    let mut attrs = persons.iter().fold(PersonAttrs::default(), |acc, r| {
        acc.or(PersonAttrs::from_person_record(&r.rec))
    });
    let census: Vec<&&Loaded> = recs
        .iter()
        .filter(|r| r.rec.kind() == RecordKind::CensusPerson)
        .collect();
    for c in &census {
        attrs = attrs.or(PersonAttrs {
            sex: c.rec.get("sex").and_then(Sex::parse),
            birth: c.rec.get("birth_date").and_then(birth_date),
            citizenship: c.rec.get("citizenship").and_then(Country::from_alpha3),
            country_of_birth: c.rec.get("country_of_birth").and_then(Country::from_alpha3),
        });
    }
    let mut dated: Vec<(i32, &&Loaded)> = recs
        .iter()
        .filter_map(|r| year_of(r).filter(|y| in_period(*y)).map(|y| (y, r)))
        .collect();
    dated.sort_by(|a, b| {
        let date = |r: &Loaded| {
            event_field(r.rec.kind())
                .and_then(|f| r.rec.get(f))
                .unwrap_or("")
                .to_string()
        };
        (a.0, date(a.1)).cmp(&(b.0, date(b.1)))
    });
    let count = |kind: RecordKind| {
        Some(
            dated
                .iter()
                .filter(|(_, r)| r.rec.kind() == kind)
                .count()
                .to_string(),
        )
    };
    let placement = dated
        .iter()
        .find(|(_, r)| r.rec.kind() == RecordKind::LabourPlacement)
        .map(|(_, r)| r);
    let known = |s: &str| (s != UNKNOWN).then(|| s.to_string());
    spec.variables
        .iter()
        .map(|v| match v.as_str() {
            "sex" => known(sex_code(attrs.sex)),
            "age_group" => reference.and_then(|d| known(age_code(attrs.birth, d))),
            "citizenship" => attrs.citizenship.map(|c| c.alpha3().to_string()),
            "country_of_birth" => attrs.country_of_birth.map(|c| c.alpha3().to_string()),
            "governorate" => census
                .iter()
                .find_map(|c| c.rec.get("governorate"))
                .filter(|g| !g.is_empty())
                .map(str::to_string),
            "destination" => placement
                .and_then(|p| p.rec.get("destination_country"))
                .map(str::to_string),
            "occupation" => placement.and_then(|p| known(occupation_code(p.rec.get("occupation")))),
            "first_year" => dated
                .iter()
                .find(|(_, r)| spec.kinds.contains(&r.rec.kind()))
                .map(|(y, _)| y.to_string()),
            "crossings" => count(RecordKind::BorderCrossing),
            "permits" => count(RecordKind::ResidencePermit),
            "placements" => count(RecordKind::LabourPlacement),
            "registrations" => count(RecordKind::ConsularRegistration),
            "returns" => count(RecordKind::Return),
            _ => None,
        })
        .collect()
}

/// The release level in force for one extract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Every key of quasi-identifiers shared by at least `k` records.
    pub k: u64,
    /// No record's individual risk above this.
    pub max_risk: f64,
    /// At most this share of quasi-identifier values suppressed (above it the extract says too
    /// little to be worth the risk, and is refused).
    pub max_suppressed: f64,
}

/// A treated extract and what treatment found.
#[derive(Debug, Clone)]
pub struct Treated {
    /// The CSV file (`pseudonym` then the variables; a suppressed or unknown value is empty).
    pub csv: String,
    pub rows: usize,
    /// `None` when the extract could not be treated at all (fewer records than `k`).
    pub report: Option<Report>,
    /// Whether the file may be released.
    pub release: bool,
    /// Why it may not (empty when it may).
    pub reasons: Vec<String>,
    /// The report as stored and served (JSON).
    pub report_json: serde_json::Value,
}

fn age_lower(code: &str) -> Option<u32> {
    let rest = code
        .strip_prefix("Y_GE")
        .or_else(|| code.strip_prefix('Y'))?;
    rest.split('T').next()?.parse().ok()
}

/// Ten-year groups (`Y20T29`, ..., `Y_GE80`).
fn age_ten(code: &str) -> String {
    match age_lower(code) {
        Some(l) if l >= 80 => "Y_GE80".into(),
        Some(l) => format!("Y{}T{}", l / 10 * 10, l / 10 * 10 + 9),
        None => code.to_string(),
    }
}

/// Broad groups (`Y_LT15`, `Y15T24`, `Y25T44`, `Y45T64`, `Y_GE65`).
fn age_broad(code: &str) -> String {
    match age_lower(code) {
        Some(l) if l < 15 => "Y_LT15".into(),
        Some(l) if l < 25 => "Y15T24".into(),
        Some(l) if l < 45 => "Y25T44".into(),
        Some(l) if l < 65 => "Y45T64".into(),
        Some(_) => "Y_GE65".into(),
        None => code.to_string(),
    }
}

fn recoding(values: &BTreeSet<String>, f: fn(&str) -> String) -> Recoding {
    let pairs: Vec<(String, String)> = values.iter().map(|v| (v.clone(), f(v))).collect();
    Recoding::from_pairs(&pairs)
}

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Treats the quasi-identifiers of `extract` (the variables named in `quasi`, most important
/// first) under `level`, and writes the file.
pub fn release(extract: &Extract, quasi: &[String], level: Level) -> Treated {
    let qi: Vec<usize> = quasi
        .iter()
        .filter_map(|q| extract.variables.iter().position(|v| v == q))
        .collect();
    let names: Vec<&str> = qi.iter().map(|&i| extract.variables[i].as_str()).collect();
    let rows: Vec<Vec<Option<String>>> = extract
        .rows
        .iter()
        .map(|r| qi.iter().map(|&i| r[i].clone()).collect())
        .collect();
    let mut recodings = Vec::new();
    if let Some(a) = names.iter().position(|n| *n == "age_group") {
        let values: BTreeSet<String> = rows.iter().filter_map(|r| r[a].clone()).collect();
        let tens: BTreeSet<String> = values.iter().map(|v| age_ten(v)).collect();
        recodings.push(RecodeStep {
            variable: "age_group".into(),
            recoding: recoding(&values, age_ten),
        });
        recodings.push(RecodeStep {
            variable: "age_group".into(),
            recoding: recoding(&tens, age_broad),
        });
    }
    let policy = Policy {
        k: level.k,
        l: None,
        max_individual_risk: level.max_risk,
        max_global_risk: level.max_risk,
        recodings,
        // recode while more than one record in twenty is at risk
        recode_while_at_risk_above: 0.05,
        importance: names.iter().map(|n| n.to_string()).collect(),
    };
    let treated = Microdata::new(&names, rows).and_then(|m| microdata::treat(&m, &policy));
    let (data, report, mut reasons) = match treated {
        Ok((data, report)) => {
            let reasons = report.reasons.clone();
            (Some(data), Some(report), reasons)
        }
        // too few records to reach k, or a recoding that does not fit: nothing to release
        Err(e) => (None, None, vec![e.to_string()]),
    };
    let suppressed: usize = report
        .as_ref()
        .map_or(0, |r| r.variables.iter().map(|v| v.suppressed).sum());
    let values = (extract.rows.len() * qi.len()).max(1);
    let share = suppressed as f64 / values as f64;
    if report.is_some() && share > level.max_suppressed {
        reasons.push(format!(
            "{:.1}% of quasi-identifier values would be suppressed (at most {:.1}%)",
            share * 100.0,
            level.max_suppressed * 100.0
        ));
    }
    let release = report.is_some() && reasons.is_empty();
    let mut csv = String::new();
    if release {
        csv.push_str(PSEUDONYM);
        for v in &extract.variables {
            csv.push(',');
            csv_field(&mut csv, v);
        }
        csv.push('\n');
        for (i, row) in extract.rows.iter().enumerate() {
            csv_field(&mut csv, &extract.pseudonyms[i]);
            for (j, value) in row.iter().enumerate() {
                csv.push(',');
                let value = match (qi.iter().position(|&q| q == j), &data) {
                    (Some(q), Some(d)) => d.record(i)[q].clone(),
                    _ => value.clone(),
                };
                csv_field(&mut csv, value.as_deref().unwrap_or(""));
            }
            csv.push('\n');
        }
    }
    let report_json = report_json(report.as_ref(), extract.rows.len(), level, &reasons);
    Treated {
        csv,
        rows: extract.rows.len(),
        report,
        release,
        reasons,
        report_json,
    }
}

fn num(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64((x * 1e6).round() / 1e6)
        .map_or(serde_json::Value::Null, Into::into)
}

/// The risk report as stored with the decision and served with the request.
fn report_json(
    report: Option<&Report>,
    records: usize,
    level: Level,
    reasons: &[String],
) -> serde_json::Value {
    use serde_json::json;
    let mut out = json!({
        "records": records,
        "level": {"k": level.k, "max_risk": num(level.max_risk), "max_suppressed": num(level.max_suppressed)},
        "release_allowed": report.is_some() && reasons.is_empty(),
        "reasons": reasons,
    });
    if let (Some(r), Some(o)) = (report, out.as_object_mut()) {
        let variables: BTreeMap<&str, serde_json::Value> = r
            .variables
            .iter()
            .map(|v| {
                (
                    v.variable.as_str(),
                    json!({
                        "categories_before": v.categories_before,
                        "categories_after": v.categories_after,
                        "recoded": v.recoded,
                        "suppressed": v.suppressed,
                    }),
                )
            })
            .collect();
        o.insert(
            "before".into(),
            json!({"at_risk": r.at_risk_before, "k_anonymity": r.k_anonymity_before,
                   "max_risk": num(r.max_risk_before), "global_risk": num(r.global_risk_before)}),
        );
        o.insert(
            "after".into(),
            json!({"at_risk": r.at_risk_after, "k_anonymity": r.k_anonymity_after,
                   "max_risk": num(r.max_risk_after), "global_risk": num(r.global_risk_after)}),
        );
        o.insert("recoded".into(), json!(r.recoded_variables));
        o.insert("variables".into(), json!(variables));
        o.insert("information_loss".into(), num(r.information_loss));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(rows: &[[&str; 3]]) -> Extract {
        Extract {
            variables: vec!["sex".into(), "age_group".into(), "returns".into()],
            pseudonyms: (0..rows.len()).map(|i| format!("p{i}")).collect(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| (!v.is_empty()).then(|| v.to_string()))
                        .collect()
                })
                .collect(),
        }
    }

    const LEVEL: Level = Level {
        k: 3,
        max_risk: 1.0 / 3.0,
        max_suppressed: 0.5,
    };

    #[test]
    fn pseudonyms_depend_on_the_key() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(pseudonym(&a, "p:1"), pseudonym(&a, "p:1"));
        assert_ne!(pseudonym(&a, "p:1"), pseudonym(&b, "p:1"));
        assert_ne!(pseudonym(&a, "p:1"), pseudonym(&a, "p:2"));
        assert_eq!(pseudonym(&a, "p:1").len(), 16);
    }

    #[test]
    fn age_groups_coarsen() {
        assert_eq!(age_ten("Y25T29"), "Y20T29");
        assert_eq!(age_ten("Y_GE85"), "Y_GE80");
        assert_eq!(age_broad("Y20T29"), "Y15T24");
        assert_eq!(age_broad("Y_GE80"), "Y_GE65");
        assert_eq!(age_broad("Y0T9"), "Y_LT15");
    }

    #[test]
    fn a_treated_extract_is_k_anonymous_and_keeps_other_columns() {
        let mut rows = Vec::new();
        for _ in 0..4 {
            rows.push(["F", "Y25T29", "1"]);
            rows.push(["M", "Y30T34", "0"]);
        }
        rows.push(["F", "Y60T64", "2"]);
        let t = release(&extract(&rows), &["sex".into(), "age_group".into()], LEVEL);
        assert!(t.release, "{:?}", t.reasons);
        assert!(t.csv.starts_with("pseudonym,sex,age_group,returns\n"));
        assert_eq!(t.csv.lines().count(), 10);
        assert!(t.csv.contains("p8,F,,2"), "{}", t.csv);
        assert!(t.report.as_ref().is_some_and(|r| r.k_anonymity_after >= 3));
        assert_eq!(t.report_json["release_allowed"], true);
    }

    #[test]
    fn too_few_records_are_refused_with_the_reason() {
        let t = release(&extract(&[["F", "Y25T29", "1"]; 2]), &["sex".into()], LEVEL);
        assert!(!t.release);
        assert!(t.csv.is_empty());
        assert!(
            t.reasons[0].contains("cannot be made 3-anonymous"),
            "{:?}",
            t.reasons
        );
    }

    #[test]
    fn too_much_suppression_is_refused() {
        let rows: Vec<[&str; 3]> = ["Y0T4", "Y20T24", "Y40T44", "Y60T64", "Y80T84", "Y_GE85"]
            .iter()
            .zip(["F", "M", "F", "M", "F", "M"])
            .map(|(a, s)| [s, *a, "0"])
            .collect();
        let level = Level {
            max_suppressed: 0.1,
            ..LEVEL
        };
        let t = release(&extract(&rows), &["sex".into(), "age_group".into()], level);
        assert!(!t.release);
        assert!(
            t.reasons.iter().any(|r| r.contains("suppressed")),
            "{:?}",
            t.reasons
        );
    }
}
