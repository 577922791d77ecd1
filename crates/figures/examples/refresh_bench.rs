//! Incremental refresh after a 10,000-record import, against a full refresh, on SQLite (and on
//! PostgreSQL when a URL is given): `cargo run --release -p marsad-figures --example
//! refresh_bench -- [BASE_PERSONS] [postgres://...]`.
//!
//! The base is BASE_PERSONS workers (a person record and a labour placement each, default
//! 100 000, i.e. 200 000 records); then 5 000 new workers (10 000 records) are imported and the
//! cube refreshed incrementally; a full refresh follows for comparison, and the two cubes are
//! checked equal. Prints one line per measurement.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use marsad_figures::{refresh, Settings};
use marsad_model::{CanonicalRecord, RecordKind};
use marsad_store::{Batch, NewInstitution, NewSubmission, SourceId, StagedRecord, Store};

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

const DESTS: [&str; 12] = [
    "FRA", "DEU", "ITA", "BEL", "CHE", "CAN", "SAU", "QAT", "ARE", "KWT", "OMN", "LBY",
];

fn workers(from: u32, to: u32) -> Vec<StagedRecord> {
    let mut out = Vec::with_capacity(2 * (to - from) as usize);
    for i in from..to {
        let sex = if i % 3 == 0 { "F" } else { "M" };
        let dest = DESTS[(i as usize * 7 + i as usize / 13) % DESTS.len()];
        let row = out.len() as u64 + 1;
        out.push(staged(
            row,
            RecordKind::Person,
            &format!(
                r#"{{"record_id":"P{i}","sex":"{sex}","birth_date":"{}-0{}-11","nationality":"TUN","given_name":"N{i}"}}"#,
                1965 + i % 40,
                1 + i % 9
            ),
        ));
        out.push(staged(
            row + 1,
            RecordKind::LabourPlacement,
            &format!(
                r#"{{"record_id":"L{i}","person_record_id":"P{i}","destination_country":"{dest}","occupation":"{}","contract_start":"{}-{:02}-10"}}"#,
                i % 10,
                2019 + i % 6,
                1 + i % 12
            ),
        ));
    }
    out
}

fn import(s: &dyn Store, src: SourceId, n: u32, records: Vec<StagedRecord>) {
    let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let sub = s
        .begin_submission(&NewSubmission {
            source_id: src,
            file_name: "bench.csv",
            file_hash: &format!("{n:064x}"),
            file_size: 1,
            format: "csv",
            mapping_hash: &"0".repeat(64),
            mapping_text: "",
            submitted_by: "bench",
            started_at: at,
        })
        .unwrap();
    for chunk in records.chunks(20_000) {
        s.stage(
            sub.id,
            &Batch {
                records: chunk.to_vec(),
                rows_read: chunk.last().map_or(0, |r| r.row),
                ..Batch::default()
            },
        )
        .unwrap();
    }
    s.finalize(sub.id, at).unwrap();
}

fn all_cells(s: &dyn Store) -> Vec<marsad_store::StatCell> {
    let mut out = Vec::new();
    let mut after: Option<(String, String, String)> = None;
    loop {
        let page = s.stats_cells(after.as_ref(), 10_000).unwrap();
        let Some(last) = page.last() else { break };
        after = Some((
            last.indicator.clone(),
            last.period.clone(),
            last.key.clone(),
        ));
        out.extend(page);
    }
    out
}

fn run(label: &str, s: &dyn Store, base: u32) {
    let at = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    s.ensure_institution(&NewInstitution {
        name: "labour",
        title: "labour",
        kind: "labour_agency",
        created_at: at,
    })
    .unwrap();
    let src = s.add_source("labour", Some("labour"), at).unwrap().id;
    let t = Instant::now();
    import(s, src, 1, workers(0, base));
    println!(
        "{label}: import of {} base records: {:.2} s",
        2 * base,
        t.elapsed().as_secs_f64()
    );
    let settings = Settings::default();
    let mut quiet = |_: &str, _: u64, _: u64| {};
    let t = Instant::now();
    let r = refresh(s, &settings, today, at, true, &mut quiet).unwrap();
    println!(
        "{label}: full refresh of {} records: {:.2} s ({} cells)",
        r.records,
        t.elapsed().as_secs_f64(),
        r.cells
    );
    import(s, src, 2, workers(base, base + 5_000));
    let t = Instant::now();
    let mut last = String::new();
    let mut stages = |stage: &str, _: u64, _: u64| {
        if stage != last {
            println!("{label}:   {stage} from {:.3} s", t.elapsed().as_secs_f64());
            last = stage.to_string();
        }
    };
    let r = refresh(s, &settings, today, at, false, &mut stages).unwrap();
    println!(
        "{label}: incremental refresh after a 10000-record import: {:.3} s ({} records read, {} units, {} cells changed)",
        t.elapsed().as_secs_f64(),
        r.records,
        r.units,
        r.cells_changed
    );
    let inc = all_cells(s);
    let t = Instant::now();
    let r = refresh(s, &settings, today, at, true, &mut quiet).unwrap();
    println!(
        "{label}: full refresh of {} records: {:.2} s",
        r.records,
        t.elapsed().as_secs_f64()
    );
    assert_eq!(inc, all_cells(s), "incremental = full");
    println!("{label}: incremental cube equals the full one");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let base: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = marsad_store::open(dir.path().join("bench.sqlite").to_str().unwrap()).unwrap();
    run("sqlite", sqlite.as_ref(), base);
    if let Some(url) = args.next() {
        let pg = marsad_store::open(&url).unwrap();
        run("postgres", pg.as_ref(), base);
    }
}
