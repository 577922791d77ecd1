//! Figures end to end on a store (SQLite, and PostgreSQL when `MARSAD_TEST_DATABASE_URL` is
//! set): full refresh, incremental refresh after a second import and a merge equal to a full
//! refresh, protected tables whose margins add up with small cells suppressed and flagged, and
//! the SDMX publication.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeZone, Utc};
use marsad_figures::inputs::{self, NewInput};
use marsad_figures::{refresh, Published, Settings, TableRequest};
use marsad_model::{CanonicalRecord, RecordKind};
use marsad_stats::catalogue::IndicatorId;
use marsad_stats::cube::Query;
use marsad_stats::dims::{Dim, Period};
use marsad_stats::disclosure::ConfStatus;
use marsad_store::{
    Batch, NewInstitution, NewSubmission, PersonNumber, RecordKey, SourceId, StagedRecord, Store,
};
use marsad_testkit::{Engine, TestDb};

fn at(s: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap() + chrono::Duration::seconds(s)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn staged(row: u64, kind: RecordKind, json: &str) -> StagedRecord {
    let rec = CanonicalRecord::from_json(kind, json).unwrap();
    StagedRecord {
        row,
        kind: kind.as_str().into(),
        record_id: rec.record_id().into(),
        payload: rec.to_json(),
        hash: rec.content_hash(),
    }
}

fn import(s: &dyn Store, src: SourceId, file: &str, when: i64, records: Vec<StagedRecord>) {
    let hash = format!("{:064x}", file.len() as u64 * 7919 + when as u64);
    let sub = s
        .begin_submission(&NewSubmission {
            source_id: src,
            file_name: file,
            file_hash: &hash,
            file_size: 1,
            format: "csv",
            mapping_hash: &"0".repeat(64),
            mapping_text: "",
            submitted_by: "test",
            started_at: at(when),
        })
        .unwrap();
    let n = records.len() as u64;
    s.stage(
        sub.id,
        &Batch {
            records,
            rows_read: n,
            ..Batch::default()
        },
    )
    .unwrap();
    s.finalize(sub.id, at(when + 1)).unwrap();
}

fn source(s: &dyn Store, name: &str) -> SourceId {
    s.ensure_institution(&NewInstitution {
        name: "labour",
        title: "Agence",
        kind: "labour_agency",
        created_at: at(0),
    })
    .unwrap();
    s.add_source(name, Some("labour"), at(0)).unwrap().id
}

/// Workers `from..to`: a person record and a placement each; destinations FRA mostly, QAT for
/// a few women (the small cells), DEU for men.
fn workers(from: u32, to: u32) -> Vec<StagedRecord> {
    let mut out = Vec::new();
    for i in from..to {
        let sex = if i % 3 == 0 { "F" } else { "M" };
        let dest = match (sex, i % 7) {
            ("F", 0) => "QAT",
            ("M", 1 | 2) => "DEU",
            _ => "FRA",
        };
        let year = 2023 + i64::from(i % 2);
        out.push(staged(
            out.len() as u64 + 1,
            RecordKind::Person,
            &format!(
                r#"{{"record_id":"P{i}","sex":"{sex}","birth_date":"{}-05-01","nationality":"TUN","given_name":"N{i}"}}"#,
                1980 + i % 20
            ),
        ));
        out.push(staged(
            out.len() as u64 + 1,
            RecordKind::LabourPlacement,
            &format!(
                r#"{{"record_id":"L{i}","person_record_id":"P{i}","destination_country":"{dest}","occupation":"{}","contract_start":"{year}-0{}-10"}}"#,
                7 + i % 2,
                1 + i % 9
            ),
        ));
    }
    out
}

fn cells(s: &dyn Store) -> Vec<marsad_store::StatCell> {
    s.stats_cells(None, 100_000).unwrap()
}

fn scenario(engine: Engine) {
    let Some(db) = TestDb::new(engine) else {
        return;
    };
    let s = db.open();
    let s = s.as_ref();
    let src = source(s, "labour");
    import(s, src, "a.csv", 10, workers(0, 60));
    let settings = Settings::default();
    let mut quiet = |_: &str, _: u64, _: u64| {};
    let first = refresh(s, &settings, today(), at(20), false, &mut quiet).unwrap();
    assert!(first.full, "the first refresh is a full one");
    assert_eq!(first.records, 120);
    assert_eq!(
        first.units, 60,
        "each unlinked person record with its placement"
    );
    assert!(first.cells > 0);

    // A second import (new workers, a changed placement), persons numbered and two merged.
    let mut more = workers(60, 90);
    more.push(staged(
        99,
        RecordKind::LabourPlacement,
        r#"{"record_id":"L5","person_record_id":"P5","destination_country":"QAT","occupation":"2","contract_start":"2024-03-10"}"#,
    ));
    import(s, src, "b.csv", 30, more);
    let n1 = PersonNumber(1111_2222_3333);
    let n2 = PersonNumber(4444_5555_6666);
    s.create_person(n1, "link", at(40)).unwrap();
    s.create_person(n2, "link", at(40)).unwrap();
    let k = |id: &str| RecordKey::new(src, "person", id);
    s.assign_records(n1, &[k("P1"), k("P2")], "link", None, at(41))
        .unwrap();
    s.assign_records(n2, &[k("P3"), k("P61")], "link", None, at(41))
        .unwrap();
    s.merge_persons(n1, n2, "clerk", "same passport", at(42))
        .unwrap();
    let inc = refresh(s, &settings, today(), at(50), false, &mut quiet).unwrap();
    assert!(!inc.full);
    assert!(inc.units < 60, "only changed units: {}", inc.units);
    let incremental = cells(s);
    let secret = || {
        Settings::from_json(&s.stats_state().unwrap().unwrap().settings)
            .unwrap()
            .record_key_secret
            .expect("the first refresh drew a record-key secret")
    };
    let kept = secret();
    let again = refresh(s, &settings, today(), at(60), true, &mut quiet).unwrap();
    assert!(again.full);
    assert_eq!(secret(), kept, "a full refresh keeps the secret");
    assert_eq!(
        incremental,
        cells(s),
        "incremental equals full, cell keys included"
    );
    assert!(incremental.iter().any(|c| c.ckey != 0));
    // Nothing changed: nothing to do.
    let idle = refresh(s, &settings, today(), at(70), false, &mut quiet).unwrap();
    assert_eq!(idle.units, 0);

    // Protected tables.
    let published = Published::load(s).unwrap();
    let req =
        TableRequest::parse("workers_placed", &["SEX", "COUNTERPART_AREA"], &["2024"]).unwrap();
    let t = published.table(&req).unwrap();
    let y = Period::Year(2024);
    let total = t.get(y, &["_T", "_T"]).unwrap();
    // Counts asked freely are perturbed by the cell key method: every cell published, none
    // between 1 and the frequency threshold (5), none far from the truth, units not shown.
    let truth = published
        .cubes
        .query(&Query::new(
            IndicatorId::WorkersPlaced,
            &[Dim::Sex, Dim::CounterpartArea],
            &[y],
        ))
        .unwrap();
    let mut moved = 0;
    for c in &t.cells {
        let v = c.value.unwrap();
        // Zeros stay zeros (nothing to protect); every other cell is perturbed.
        assert_eq!(c.perturbed, c.units != Some(0), "{c:?}");
        assert!(c.conf_status == ConfStatus::Free, "{c:?}");
        assert!(c.units.is_none() || v == 0.0, "{c:?}");
        assert!(v == 0.0 || v >= 5.0, "{c:?}");
        let codes: Vec<&str> = c.codes.iter().map(String::as_str).collect();
        let n = truth.get(y, &codes).and_then(|x| x.value).unwrap_or(0.0);
        assert!((v - n).abs() <= 5.0, "{c:?} is {n}");
        moved += usize::from(v != n);
    }
    assert!(moved > 0, "some counts perturbed");
    assert!(total.value.unwrap() > 0.0);
    // The same persons give the same figure in every table: the sex × destination table's
    // margins are the one-way tables' cells.
    let by_sex = published
        .table(&TableRequest::parse("WORKERS_PLACED", &["SEX"], &["2023", "2024"]).unwrap())
        .unwrap();
    for sex in ["F", "M", "_T"] {
        assert_eq!(
            by_sex.get(y, &[sex]).unwrap().value,
            t.get(y, &[sex, "_T"]).unwrap().value,
            "{sex}"
        );
    }
    assert_eq!(
        published.table(&req).unwrap(),
        t,
        "asked again, the same table"
    );
    for p in [Period::Year(2023), Period::Year(2024)] {
        assert!(by_sex.get(p, &["_T"]).and_then(|c| c.value).unwrap() > 0.0);
    }
    assert!(TableRequest::parse("WORKERS_PLACED", &["CAUSE"], &[]).is_err());
    assert!(TableRequest::parse("NOPE", &[], &[]).is_err());
    assert!(TableRequest::parse("WORKERS_PLACED", &[], &["20x4"]).is_err());

    // SDMX: one dataflow per indicator with data, suppressed observations without a value.
    let publication = marsad_figures::sdmx_structures(&published).unwrap();
    assert!(publication
        .structures
        .dataflows
        .iter()
        .any(|f| f.artefact.id == "WORKERS_PLACED"));
    assert_eq!(
        publication.structures.dataflows.len(),
        publication.datasets.len()
    );
    let ds = publication
        .datasets
        .iter()
        .find(|d| d.flow.id == "WORKERS_PLACED")
        .unwrap();
    let obs: Vec<_> = ds.series.iter().flat_map(|s| &s.observations).collect();
    assert!(obs.iter().any(|o| o.value.is_none()));
    for o in obs {
        let conf = o
            .attributes
            .iter()
            .find(|(k, _)| k == "CONF_STATUS")
            .map(|(_, v)| v.as_str());
        assert_eq!(o.value.is_none(), conf != Some("F"), "{o:?}");
    }
}

/// Remittances received in 2023 and 2024 (12 flows a year, FRA and ITA), GDP given for 2024
/// only: SDG 17.3.2 is 100 × remittances / GDP for 2024 and absent for 2023, a later GDP
/// replaces the earlier one (whose history stays), and the SDMX publication has the dataflow.
fn gdp_share(engine: Engine) {
    let Some(db) = TestDb::new(engine) else {
        return;
    };
    let s = db.open();
    let s = s.as_ref();
    let src = source(s, "bank");
    let flows: Vec<StagedRecord> = (0..24)
        .map(|i| {
            staged(
                i + 1,
                RecordKind::RemittanceFlow,
                &format!(
                    r#"{{"record_id":"RF-{i}","corridor_country":"{}","month":"{}-{:02}","amount":"{}","currency":"USD","channel":"bank","direction":"inward"}}"#,
                    if i % 2 == 0 { "FRA" } else { "ITA" },
                    2023 + i / 12,
                    i % 12 + 1,
                    1000 + i * 10
                ),
            )
        })
        .collect();
    let sum_2024: f64 = (12..24).map(|i| 1000.0 + f64::from(i) * 10.0).sum();
    import(s, src, "flows.csv", 10, flows);
    let mut quiet = |_: &str, _: u64, _: u64| {};
    refresh(s, &Settings::default(), today(), at(20), false, &mut quiet).unwrap();
    let gdp = TableRequest::parse("REMITTANCES_GDP", &["COUNTERPART_AREA"], &[]).unwrap();
    let p = Published::load(s).unwrap();
    assert!(p.years(IndicatorId::RemittancesGdp).is_empty());
    assert!(p.table(&gdp).unwrap().cells.is_empty(), "no GDP, no cells");
    assert!(!marsad_figures::sdmx_structures(&p)
        .unwrap()
        .datasets
        .iter()
        .any(|d| d.flow.id == "REMITTANCES_GDP"));

    let given = |value: f64, when: i64| {
        let new = NewInput {
            code: "GDP_USD".into(),
            period: "2024".into(),
            value,
            unit: "USD".into(),
            source: "national accounts".into(),
            entered_by: "analyst".into(),
        };
        inputs::give(s, &new, today(), at(when)).unwrap()
    };
    let report = given(1.0e6, 30);
    assert!(!report.full, "an input does not recompute the cube");
    let p = Published::load(s).unwrap();
    assert_eq!(p.years(IndicatorId::RemittancesGdp), vec![2024]);
    let t = p.table(&gdp).unwrap();
    let total = t.get(Period::Year(2024), &["_T"]).unwrap();
    let expected = 100.0 * sum_2024 / 1.0e6;
    assert!((total.value.unwrap() - expected).abs() < 1e-9, "{total:?}");
    let fra = t.get(Period::Year(2024), &["FRA"]).unwrap();
    assert_eq!(fra.conf_status, ConfStatus::Free);
    assert!(t.cells.iter().all(|c| c.period == Period::Year(2024)));
    let y2023 = TableRequest::parse("REMITTANCES_GDP", &[], &["2023"]).unwrap();
    assert!(p.table(&y2023).unwrap().cells.is_empty(), "2023 has no GDP");
    let publication = marsad_figures::sdmx_structures(&p).unwrap();
    let ds = publication
        .datasets
        .iter()
        .find(|d| d.flow.id == "REMITTANCES_GDP")
        .unwrap();
    let obs: Vec<_> = ds.series.iter().flat_map(|s| &s.observations).collect();
    assert!(!obs.is_empty());
    assert!(obs
        .iter()
        .any(|o| o.value.is_some_and(|v| (v - expected).abs() < 1e-9)));

    // A later GDP for 2024 replaces the figure; the earlier value stays in the history.
    given(2.0e6, 40);
    let p = Published::load(s).unwrap();
    let t = p.table(&gdp).unwrap();
    let total = t.get(Period::Year(2024), &["_T"]).unwrap();
    assert!((total.value.unwrap() - expected / 2.0).abs() < 1e-9);
    let history = &p.settings.inputs["GDP_USD"]["2024"];
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].value, 1.0e6);
    assert_eq!(history[1].entered_at, at(40));
    // A later refresh keeps the inputs and stays incremental.
    let again = refresh(s, &p.settings, today(), at(50), false, &mut quiet).unwrap();
    assert!(!again.full);
    assert_eq!(
        Published::load(s).unwrap().settings.inputs,
        p.settings.inputs
    );
}

#[test]
fn sqlite() {
    scenario(Engine::Sqlite);
    gdp_share(Engine::Sqlite);
}

#[test]
fn postgres() {
    scenario(Engine::Postgres);
    gdp_share(Engine::Postgres);
}
