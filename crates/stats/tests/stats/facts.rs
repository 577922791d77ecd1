//! Records → facts: what each kind contributes, persons counted once, events de-duplicated.

use chrono::NaiveDate;
use marsad_model::codes::{Country, Sex};
use marsad_model::{CanonicalRecord, RecordKind};
use marsad_stats::catalogue::IndicatorId as I;
use marsad_stats::cube::{Cubes, Fact, ObsStatus, Query, SCALE};
use marsad_stats::dims::{Dim, Period};
use marsad_stats::facts::{unit_facts, FactError, Params, PersonAttrs, UnitRecord};

fn rec(kind: RecordKind, json: &str) -> CanonicalRecord {
    CanonicalRecord::from_json(kind, json).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn params() -> Params {
    let mut p = Params::new(Country::from_alpha3("TUN").unwrap(), day("2024-06-30"));
    p.usd_rates.insert("EUR".to_string(), 1.1);
    p.usd_rates.insert("TND".to_string(), 0.32);
    p
}

fn woman() -> PersonAttrs {
    PersonAttrs {
        sex: Some(Sex::F),
        birth: Some(day("1995-05-20")),
        citizenship: Country::from_alpha3("TUN"),
        country_of_birth: None,
    }
}

/// One line per fact: `INDICATOR period DIM=code;... value units status`, sorted.
fn lines(facts: &[Fact]) -> Vec<String> {
    let mut v: Vec<String> = facts
        .iter()
        .map(|f| {
            let r = f.to_row();
            let status = f.sums.status().code();
            let value = if f.sums.denominator != 0 {
                format!("{}/{}", f.sums.value, f.sums.denominator)
            } else {
                format!("{}", f.sums.value as f64 / SCALE as f64)
            };
            format!(
                "{} {} {} {value} u{} {status}",
                r.indicator, r.period, r.key, f.sums.units
            )
        })
        .collect();
    v.sort();
    v
}

fn check(person: Option<&PersonAttrs>, records: &[UnitRecord], expected: &[&str]) {
    let out = unit_facts(&params(), person, records);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    assert_eq!(lines(&out.facts), expected);
    // The order of the records does not matter.
    let reversed: Vec<UnitRecord> = records.iter().rev().copied().collect();
    assert_eq!(
        lines(&unit_facts(&params(), person, &reversed).facts),
        expected
    );
}

#[test]
fn a_victim_known_to_two_institutions_counts_once() {
    let a = rec(
        RecordKind::TraffickingCase,
        r#"{"record_id":"T-9","identification_date":"2023-11-02","exploitation_form":"forced_labour","referral_status":"assisted","country_of_exploitation":"LBY"}"#,
    );
    let b = rec(
        RecordKind::TraffickingCase,
        r#"{"record_id":"NGO-1","identification_date":"2023-08-15","exploitation_form":"domestic_servitude","referral_status":"identified"}"#,
    );
    check(
        Some(&woman()),
        &[UnitRecord::new(&a), UnitRecord::new(&b)],
        &["TRAFFICKING_VICTIMS 2023-08 SEX=F;AGE=Y25T29;CITIZENSHIP=TUN;EXPLOITATION=domestic_servitude;COUNTERPART_AREA=_U 1 u1 A"],
    );
    // Unlinked, each record is its own unit and counts.
    check(
        None,
        &[UnitRecord::new(&a)],
        &["TRAFFICKING_VICTIMS 2023-11 SEX=_U;AGE=_U;CITIZENSHIP=_U;EXPLOITATION=forced_labour;COUNTERPART_AREA=LBY 1 u1 A"],
    );
}

#[test]
fn a_placement_reported_twice_counts_once_with_its_recruitment_cost() {
    let aneti = rec(
        RecordKind::LabourPlacement,
        r#"{"record_id":"AN-1","destination_country":"QAT","occupation":"5120","contract_start":"2024-02-01","monthly_wage":"1000","wage_currency":"USD","recruitment_cost":"500","recruitment_cost_currency":"TND"}"#,
    );
    let agency = rec(
        RecordKind::LabourPlacement,
        r#"{"record_id":"PA-77","destination_country":"QAT","occupation":"51","contract_start":"2024-02-01"}"#,
    );
    // 500 TND = 160 USD: 16 % of the monthly wage.
    check(
        Some(&woman()),
        &[UnitRecord::new(&aneti), UnitRecord::new(&agency)],
        &[
            "RECRUITMENT_COST 2024-02 SEX=F;COUNTERPART_AREA=QAT;OCCUPATION=OC5 160000/10000 u1 A",
            "WORKERS_PLACED 2024-02 SEX=F;AGE=Y25T29;COUNTERPART_AREA=QAT;OCCUPATION=OC5 1 u1 A",
        ],
    );
    // A cost in a currency without a rate is reported, and the placement still counts.
    let odd = rec(
        RecordKind::LabourPlacement,
        r#"{"record_id":"AN-2","destination_country":"SAU","contract_start":"2024-03-01","monthly_wage":"900","wage_currency":"SAR","recruitment_cost":"100","recruitment_cost_currency":"TND"}"#,
    );
    let out = unit_facts(&params(), None, &[UnitRecord::new(&odd)]);
    assert_eq!(lines(&out.facts).len(), 1);
    assert_eq!(
        out.skipped
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["labour_placement 'AN-2': no US dollar rate for SAR; left out of RECRUITMENT_COST"]
    );
}

#[test]
fn census_persons_make_the_stocks_at_the_reference_date() {
    let born_abroad = rec(
        RecordKind::CensusPerson,
        r#"{"record_id":"C-1","survey":"census","sex":"M","age":"34","country_of_birth":"DZA","citizenship":"TUN","governorate":"Sfax","weight":"1"}"#,
    );
    let foreigner = rec(
        RecordKind::CensusPerson,
        r#"{"record_id":"H-1","survey":"hims","birth_date":"1980-01-01","country_of_birth":"CIV","citizenship":"CIV","weight":"250.5"}"#,
    );
    let native = rec(
        RecordKind::CensusPerson,
        r#"{"record_id":"C-2","survey":"census","country_of_birth":"TUN","citizenship":"TUN","weight":"1"}"#,
    );
    let census_day = day("2024-04-15");
    check(
        None,
        &[UnitRecord::at(&born_abroad, census_day)],
        &["IMMIGRANT_STOCK 2024-04 SEX=M;AGE=Y30T34;COUNTRY_BIRTH=DZA;CITIZENSHIP=TUN;GOVERNORATE=Sfax 1 u1 A"],
    );
    check(
        None,
        &[UnitRecord::at(&foreigner, day("2023-06-30"))],
        &[
            "FOREIGN_POPULATION 2023-06 SEX=_U;AGE=Y40T44;CITIZENSHIP=CIV;COUNTRY_BIRTH=CIV;GOVERNORATE=_U 250.5 u1 E",
            "IMMIGRANT_STOCK 2023-06 SEX=_U;AGE=Y40T44;COUNTRY_BIRTH=CIV;CITIZENSHIP=CIV;GOVERNORATE=_U 250.5 u1 E",
        ],
    );
    check(None, &[UnitRecord::at(&native, census_day)], &[]);
    // Enumerated twice in the same census: once.
    let again = rec(
        RecordKind::CensusPerson,
        r#"{"record_id":"C-9","survey":"census","sex":"M","age":"34","country_of_birth":"DZA","weight":"1"}"#,
    );
    let out = unit_facts(
        &params(),
        Some(&PersonAttrs::default()),
        &[
            UnitRecord::at(&again, census_day),
            UnitRecord::at(&born_abroad, census_day),
        ],
    );
    assert_eq!(out.facts.len(), 1);
    assert!(out.facts[0].to_row().key.contains("CITIZENSHIP=TUN"));
    // Without its reference date a census record cannot be placed in time.
    let out = unit_facts(&params(), None, &[UnitRecord::new(&born_abroad)]);
    assert_eq!(
        out.skipped,
        [FactError::NoReferenceDate {
            record_id: "C-1".to_string()
        }]
    );
}

#[test]
fn remittances_are_converted_to_dollars_and_costs_averaged() {
    let inward = rec(
        RecordKind::RemittanceFlow,
        r#"{"record_id":"R-1","corridor_country":"FRA","month":"2024-01","amount":"1000000","currency":"EUR","avg_cost_pct_200usd":"6.25"}"#,
    );
    let outward = rec(
        RecordKind::RemittanceFlow,
        r#"{"record_id":"R-2","corridor_country":"CIV","month":"2024-01","direction":"outward","amount":"5000","currency":"XOF"}"#,
    );
    check(
        None,
        &[UnitRecord::new(&inward)],
        &[
            "REMITTANCES_IN 2024-01 COUNTERPART_AREA=FRA 1100000 u1 A",
            "REMITTANCE_COST 2024-01 COUNTERPART_AREA=FRA 62500/10000 u1 A",
        ],
    );
    let out = unit_facts(&params(), None, &[UnitRecord::new(&outward)]);
    assert!(out.facts.is_empty());
    assert_eq!(
        out.skipped[0].to_string(),
        "remittance_flow 'R-2': no US dollar rate for XOF; left out of REMITTANCES_OUT"
    );
}

#[test]
fn incidents_count_the_dead_and_the_missing() {
    let inc = rec(
        RecordKind::MissingMigrantIncident,
        r#"{"record_id":"M-1","incident_date":"2023-09-03","route":"central_mediterranean","country_of_incident":"TUN","dead":"12","missing":"30","cause_of_death":"drowning"}"#,
    );
    let none_dead = rec(
        RecordKind::MissingMigrantIncident,
        r#"{"record_id":"M-2","incident_date":"2023-09-04","dead":"0","missing":"2"}"#,
    );
    check(
        None,
        &[UnitRecord::new(&inc)],
        &[
            "DEAD_MIGRANTS 2023-09 ROUTE=central_mediterranean;CAUSE=drowning;COUNTERPART_AREA=TUN 12 u1 A",
            "MISSING_MIGRANTS 2023-09 ROUTE=central_mediterranean;CAUSE=drowning;COUNTERPART_AREA=TUN 30 u1 A",
        ],
    );
    check(
        None,
        &[UnitRecord::new(&none_dead)],
        &["MISSING_MIGRANTS 2023-09 ROUTE=_U;CAUSE=_U;COUNTERPART_AREA=_U 2 u1 A"],
    );
}

#[test]
fn linked_crossings_give_crossings_and_flows() {
    let out1 = rec(
        RecordKind::BorderCrossing,
        r#"{"record_id":"B-1","crossed_at":"2022-01-10T09:00:00","direction":"out","border_post":"TUN-AIR-1","destination_country":"FRA","document_country":"TUN"}"#,
    );
    let out1_again = rec(
        RecordKind::BorderCrossing,
        r#"{"record_id":"B-1b","crossed_at":"2022-01-10T09:00:00","direction":"out","border_post":"TUN-AIR-1","destination_country":"FRA"}"#,
    );
    let back = rec(
        RecordKind::BorderCrossing,
        r#"{"record_id":"B-2","crossed_at":"2024-03-01T17:30:00","direction":"in","border_post":"TUN-AIR-1","departure_country":"FRA","purpose":"return"}"#,
    );
    check(
        Some(&woman()),
        &[UnitRecord::new(&out1), UnitRecord::new(&out1_again), UnitRecord::new(&back)],
        &[
            "BORDER_CROSSINGS 2022-01 FLOW=EMI;RESIDENCE=RES;SEX=F;AGE=Y25T29;CITIZENSHIP=TUN;COUNTERPART_AREA=FRA 1 u1 A",
            "BORDER_CROSSINGS 2024-03 FLOW=IMM;RESIDENCE=NRES;SEX=F;AGE=Y25T29;CITIZENSHIP=TUN;COUNTERPART_AREA=FRA 1 u1 A",
            "EMIGRATION_LT 2022-01 SEX=F;AGE=Y25T29;CITIZENSHIP=TUN;COUNTERPART_AREA=FRA 1 u1 A",
            "IMMIGRATION_LT 2024-03 SEX=F;AGE=Y25T29;CITIZENSHIP=TUN;COUNTERPART_AREA=FRA 1 u1 P",
        ],
    );
    // Unlinked: a crossing counts, no flow is inferred from a single crossing; residence by
    // the document's country, unknown without one.
    check(
        None,
        &[UnitRecord::new(&back)],
        &["BORDER_CROSSINGS 2024-03 FLOW=IMM;RESIDENCE=_U;SEX=_U;AGE=_U;CITIZENSHIP=_U;COUNTERPART_AREA=FRA 1 u1 A"],
    );
    check(
        None,
        &[UnitRecord::new(&out1)],
        &["BORDER_CROSSINGS 2022-01 FLOW=EMI;RESIDENCE=RES;SEX=_U;AGE=_U;CITIZENSHIP=TUN;COUNTERPART_AREA=FRA 1 u1 A"],
    );
}

#[test]
fn a_foreigner_with_a_permit_is_a_resident_before_the_first_crossing() {
    let permit = rec(
        RecordKind::ResidencePermit,
        r#"{"record_id":"P-1","permit_type":"work_permit","issue_date":"2021-01-05","nationality":"SEN"}"#,
    );
    let leave = rec(
        RecordKind::BorderCrossing,
        r#"{"record_id":"B-7","crossed_at":"2021-06-01T10:00:00","direction":"out","border_post":"X","destination_country":"SEN","document_country":"SEN","purpose":"family"}"#,
    );
    let person = PersonAttrs {
        sex: Some(Sex::M),
        birth: Some(day("1990-07-01")),
        citizenship: Country::from_alpha3("SEN"),
        country_of_birth: Country::from_alpha3("SEN"),
    };
    check(
        Some(&person),
        &[UnitRecord::new(&permit), UnitRecord::new(&leave)],
        &[
            "BORDER_CROSSINGS 2021-06 FLOW=EMI;RESIDENCE=RES;SEX=M;AGE=Y30T34;CITIZENSHIP=SEN;COUNTERPART_AREA=SEN 1 u1 A",
            "EMIGRATION_LT 2021-06 SEX=M;AGE=Y30T34;CITIZENSHIP=SEN;COUNTERPART_AREA=SEN 1 u1 A",
            "RESIDENCE_PERMITS 2021-01 SEX=M;AGE=Y30T34;CITIZENSHIP=SEN 1 u1 A",
        ],
    );
}

#[test]
fn consular_registrations_give_year_end_stocks_of_distinct_persons() {
    let first = rec(
        RecordKind::ConsularRegistration,
        r#"{"record_id":"K-1","residence_country":"ITA","registration_date":"2019-06-01"}"#,
    );
    let moved = rec(
        RecordKind::ConsularRegistration,
        r#"{"record_id":"K-2","residence_country":"DEU","registration_date":"2021-03-10"}"#,
    );
    let twice = rec(
        RecordKind::ConsularRegistration,
        r#"{"record_id":"K-3","residence_country":"DEU","registration_date":"2021-03-22"}"#,
    );
    check(
        Some(&woman()),
        &[
            UnitRecord::new(&first),
            UnitRecord::new(&moved),
            UnitRecord::new(&twice),
        ],
        &[
            "CONSULAR_REGISTRATIONS 2019-06 SEX=F;AGE=Y20T24;COUNTERPART_AREA=ITA 1 u1 A",
            "CONSULAR_REGISTRATIONS 2021-03 SEX=F;AGE=Y25T29;COUNTERPART_AREA=DEU 1 u1 A",
            "EMIGRANT_STOCK 2019-12 SEX=F;AGE=Y20T24;COUNTERPART_AREA=ITA 1 u1 A",
            "EMIGRANT_STOCK 2020-12 SEX=F;AGE=Y25T29;COUNTERPART_AREA=ITA 1 u1 A",
            "EMIGRANT_STOCK 2021-12 SEX=F;AGE=Y25T29;COUNTERPART_AREA=DEU 1 u1 A",
            "EMIGRANT_STOCK 2022-12 SEX=F;AGE=Y25T29;COUNTERPART_AREA=DEU 1 u1 A",
            "EMIGRANT_STOCK 2023-12 SEX=F;AGE=Y25T29;COUNTERPART_AREA=DEU 1 u1 A",
        ],
    );
}

#[test]
fn returns_and_refugees() {
    let ret = rec(
        RecordKind::Return,
        r#"{"record_id":"IOM-1","return_type":"assisted_voluntary","return_date":"2023-05-02","from_country":"LBY"}"#,
    );
    let ret_ministry = rec(
        RecordKind::Return,
        r#"{"record_id":"MIN-8","return_type":"voluntary","return_date":"2023-05-20","from_country":"LBY"}"#,
    );
    check(
        Some(&woman()),
        &[UnitRecord::new(&ret), UnitRecord::new(&ret_ministry)],
        &["RETURNS 2023-05 SEX=F;AGE=Y25T29;COUNTERPART_AREA=LBY 1 u1 A"],
    );
    let r1 = rec(
        RecordKind::ResidencePermit,
        r#"{"record_id":"R-1","permit_type":"refugee_status","issue_date":"2022-02-01","nationality":"SDN"}"#,
    );
    let r2 = rec(
        RecordKind::ResidencePermit,
        r#"{"record_id":"R-2","permit_type":"refugee_status","issue_date":"2023-02-01","nationality":"SDN"}"#,
    );
    check(
        Some(&PersonAttrs::default()),
        &[UnitRecord::new(&r2), UnitRecord::new(&r1)],
        &["REFUGEES_RECOGNISED 2022-02 SEX=_U;AGE=_U;CITIZENSHIP=SDN 1 u1 A"],
    );
}

#[test]
fn a_person_reported_by_two_institutions_counts_once_in_every_margin() {
    // The placement agency's record arrives first; the ministry's record of the same
    // placement is linked to the same person later: the refresh changes nothing.
    let a = rec(
        RecordKind::LabourPlacement,
        r#"{"record_id":"A-1","destination_country":"DEU","occupation":"2","contract_start":"2024-01-15"}"#,
    );
    let b = rec(
        RecordKind::LabourPlacement,
        r#"{"record_id":"M-1","destination_country":"DEU","occupation":"2","contract_start":"2024-01-15"}"#,
    );
    let p = params();
    let person = woman();
    let before = unit_facts(&p, Some(&person), &[UnitRecord::new(&a)]).facts;
    let after = unit_facts(
        &p,
        Some(&person),
        &[UnitRecord::new(&a), UnitRecord::new(&b)],
    )
    .facts;
    let mut cubes = Cubes::new();
    cubes.apply(&before, &[]).unwrap();
    cubes.apply(&after, &before).unwrap();
    let y = Period::Year(2024);
    let t = cubes
        .query(&Query::new(
            I::WorkersPlaced,
            &[Dim::Sex, Dim::Occupation],
            &[y],
        ))
        .unwrap();
    for cell in &t.cells {
        assert_eq!(cell.sums.units, 1, "{:?}", cell.codes);
        assert_eq!(cell.status, ObsStatus::Normal);
    }
    assert_eq!(t.get(y, &["_T", "_T"]).unwrap().value, Some(1.0));
}

/// A random record of a random kind; dates and countries from small sets, so that events of
/// one person often coincide (and must be counted once).
fn random_record(rng: &mut crate::rng::Rng, id: &str) -> CanonicalRecord {
    let d = |rng: &mut crate::rng::Rng| {
        format!(
            "202{}-0{}-1{}",
            1 + rng.below(3),
            1 + rng.below(3),
            rng.below(2)
        )
    };
    let c = |rng: &mut crate::rng::Rng| *rng.pick(&["FRA", "ITA", "LBY", "TUN"]);
    match rng.below(5) {
        0 => rec(
            RecordKind::LabourPlacement,
            &format!(
                r#"{{"record_id":"{id}","destination_country":"{}","contract_start":"{}","occupation":"{}","monthly_wage":"1000","wage_currency":"EUR","recruitment_cost":"{}","recruitment_cost_currency":"TND"}}"#,
                c(rng),
                d(rng),
                rng.below(10),
                100 * rng.below(20)
            ),
        ),
        1 => rec(
            RecordKind::Return,
            &format!(
                r#"{{"record_id":"{id}","return_type":"forced","return_date":"{}","from_country":"{}"}}"#,
                d(rng),
                c(rng)
            ),
        ),
        2 => rec(
            RecordKind::TraffickingCase,
            &format!(
                r#"{{"record_id":"{id}","identification_date":"{}","exploitation_form":"{}","referral_status":"referred"}}"#,
                d(rng),
                rng.pick(&["sexual", "forced_labour"])
            ),
        ),
        3 => rec(
            RecordKind::ConsularRegistration,
            &format!(
                r#"{{"record_id":"{id}","residence_country":"{}","registration_date":"{}"}}"#,
                c(rng),
                d(rng)
            ),
        ),
        _ => rec(
            RecordKind::BorderCrossing,
            &format!(
                r#"{{"record_id":"{id}","crossed_at":"{}T10:00:00","direction":"{}","border_post":"P","destination_country":"{}","departure_country":"{}"}}"#,
                d(rng),
                rng.pick(&["in", "out"]),
                c(rng),
                c(rng)
            ),
        ),
    }
}

type State = std::collections::BTreeMap<String, (Option<usize>, CanonicalRecord)>;

/// The facts of person `p` (`Some`) or of the unlinked record `id`, as rows.
fn unit_rows(
    state: &State,
    persons: &[PersonAttrs],
    p: Option<usize>,
    id: &str,
) -> Vec<marsad_stats::cube::CubeRow> {
    let records: Vec<UnitRecord> = state
        .iter()
        .filter(|(rid, (owner, _))| match p {
            Some(_) => *owner == p,
            None => owner.is_none() && rid.as_str() == id,
        })
        .map(|(_, (_, r))| UnitRecord::new(r))
        .collect();
    let person = p.map(|i| &persons[i]);
    unit_facts(&params(), person, &records)
        .facts
        .iter()
        .map(Fact::to_row)
        .collect()
}

#[test]
fn refreshing_the_units_a_change_touches_equals_recomputation() {
    for seed in 0..6 {
        let mut rng = crate::rng::Rng::new(1000 + seed);
        let persons: Vec<PersonAttrs> = (0..8)
            .map(|i| PersonAttrs {
                sex: Some(if i % 2 == 0 { Sex::F } else { Sex::M }),
                birth: Some(day("1990-01-01") + chrono::Days::new(400 * i as u64)),
                citizenship: Country::from_alpha3("TUN"),
                country_of_birth: None,
            })
            .collect();
        let mut state: State = State::new();
        let mut cubes = Cubes::new();
        for step in 0..80 {
            // A new record, a new version of one, a record linked to another person (or
            // unlinked), or a deletion.
            let ids: Vec<String> = state.keys().cloned().collect();
            let op = rng.below(10);
            let id = if op < 4 || ids.is_empty() {
                format!("R{step}")
            } else {
                rng.pick(&ids).clone()
            };
            let owner_before = state.get(&id).and_then(|(o, _)| *o);
            let existed = state.contains_key(&id);
            let owner_after = if rng.below(5) == 0 {
                None
            } else {
                Some(rng.below(persons.len()))
            };
            let mut units = vec![(owner_after, id.clone())];
            if existed {
                units.push((owner_before, id.clone()));
            }
            units.sort();
            units.dedup();
            let old: Vec<_> = units
                .iter()
                .flat_map(|(p, id)| unit_rows(&state, &persons, *p, id))
                .collect();
            match op {
                0..=5 => {
                    let r = random_record(&mut rng, &id);
                    state.insert(id.clone(), (owner_after, r));
                }
                6..=7 if existed => {
                    let r = state.remove(&id).unwrap().1;
                    state.insert(id.clone(), (owner_after, r));
                }
                _ => {
                    state.remove(&id);
                }
            }
            let new: Vec<_> = units
                .iter()
                .flat_map(|(p, id)| unit_rows(&state, &persons, *p, id))
                .collect();
            let old_facts: Vec<Fact> = old.iter().map(|r| r.to_fact().unwrap()).collect();
            let new_facts: Vec<Fact> = new.iter().map(|r| r.to_fact().unwrap()).collect();
            let report = cubes.apply(&new_facts, &old_facts).unwrap();
            assert_eq!(report.negative_cells, 0, "seed {seed} step {step}");
        }
        // From scratch: every person's unit and every unlinked record.
        let mut all = Vec::new();
        for p in 0..persons.len() {
            all.extend(unit_rows(&state, &persons, Some(p), ""));
        }
        for (id, (owner, _)) in &state {
            if owner.is_none() {
                all.extend(unit_rows(&state, &persons, None, id));
            }
        }
        let facts: Vec<Fact> = all.iter().map(|r| r.to_fact().unwrap()).collect();
        let mut full = Cubes::new();
        full.apply(&facts, &[]).unwrap();
        assert!(!full.rows().is_empty());
        assert_eq!(cubes.rows(), full.rows(), "seed {seed}");
    }
}
