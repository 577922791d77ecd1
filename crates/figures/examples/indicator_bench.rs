//! Issue 7's measure: an indicator with three disaggregations over 10,000,000 linked records, from
//! the tables the store materialises, on SQLite or PostgreSQL. `bench/stats/run.sh` runs it on
//! both engines and DuckDB (PyPI) on the same data as Parquet, in one run, and prints the ratios.
//!
//! ```text
//! cargo run --release -p marsad-figures --example indicator_bench -- \
//!     --records 10000000 --store sqlite:DIR/bench.sqlite|postgres://... [--csv DIR] [--repeat 5] \
//!     [--increments 1] [--keep]
//! ```
//!
//! `--increments K` repeats phase 5 K times (each with 10,000 new records) and reports the median;
//! `--keep` skips phases 1–4 when the store already holds a refreshed cube (to measure the
//! incremental refresh again on the same store without importing 10,000,000 records again).
//!
//! The records are the labour agency's: workers (a person record each) and their placements
//! abroad, three per worker on average (a worker placed again is the same person: the placements
//! refer to the person record, so a unit is a person with all their placements). One quarter of
//! the records are persons. Destinations are skewed like real labour emigration (a few countries
//! take most workers), occupations are the ISCO-08 major groups, contracts start 2015–2024.
//!
//! Phases, each printed as `phase: seconds` (machine-readable `RESULT key=value` lines at the
//! end):
//! 1. import through the store's staging and finalize (chunks of 20,000 rows);
//! 2. full refresh of the cube (facts per unit, the materialised cells, members, watermark);
//! 3. *cold* query: the cube read from the store (`Published::load`) and the protected table of
//!    WORKERS_PLACED by sex × destination × occupation for every year, with all margins;
//! 4. *warm* queries: the same table from the loaded cube (how the server answers every request
//!    after the first: it keeps the published cube in memory until the next refresh), with and
//!    without disclosure control;
//! 5. 10,000 more records imported and the cube refreshed incrementally;
//! 6. with `--csv DIR`: the records as `persons.csv` and `placements.csv` and our table as
//!    `marsad_table.csv` (year, sex, destination, occupation, placements, `_T` for margins), for
//!    DuckDB to compute the same and to check that both agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use marsad_figures::{refresh, Published, Settings, TableRequest};
use marsad_model::{CanonicalRecord, RecordKind};
use marsad_stats::catalogue::IndicatorId;
use marsad_stats::cube::Query;
use marsad_stats::dims::{Dim, Period};
use marsad_store::{Batch, NewInstitution, NewSubmission, SourceId, StagedRecord, Store};

/// SplitMix64: the same records for the same index, whatever the order of generation.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Main destinations of the region's labour emigration, most frequent first.
const DESTS: [&str; 30] = [
    "SAU", "ARE", "QAT", "KWT", "FRA", "ITA", "DEU", "LBY", "OMN", "BHR", "CAN", "BEL", "CHE",
    "ESP", "GBR", "USA", "NLD", "JOR", "TUR", "AUT", "SWE", "IRQ", "DZA", "MAR", "EGY", "ROU",
    "POL", "JPN", "MYS", "NOR",
];

/// Skewed towards the first items: `n × u^3`.
fn skewed(h: u64, n: usize) -> usize {
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    ((n as f64 * u.powi(3)) as usize).min(n - 1)
}

struct Worker {
    id: u64,
    sex: &'static str,
    birth: NaiveDate,
}

struct Placement {
    id: String,
    person: u64,
    dest: &'static str,
    occupation: u64,
    start: NaiveDate,
}

fn worker(i: u64) -> Worker {
    let h = mix(i);
    Worker {
        id: i,
        sex: if h % 10 < 3 { "F" } else { "M" },
        birth: NaiveDate::from_ymd_opt(1960 + (h >> 8) as i32 % 45, 1 + (h >> 16) as u32 % 12, 1)
            .unwrap()
            + chrono::Days::new((h >> 24) % 28),
    }
}

/// Placements of worker `i`: two, three or four (three on average).
fn placements(i: u64) -> Vec<Placement> {
    let h = mix(i ^ 0xA5A5_0000_0000);
    let n = 2 + h % 3;
    (0..n)
        .map(|j| {
            let g = mix(h.wrapping_add(j));
            Placement {
                id: format!("L{i}_{j}"),
                person: i,
                dest: DESTS[skewed(g, DESTS.len())],
                occupation: (g >> 20) % 10,
                // Days 1–7, 8–14, … by placement: one worker's placements never start on the
                // same day (two reports of one placement count once, a rule of the indicator).
                start: NaiveDate::from_ymd_opt(
                    2015 + (g >> 28) as i32 % 10,
                    1 + (g >> 36) as u32 % 12,
                    1 + 7 * j as u32 + (g >> 44) as u32 % 7,
                )
                .unwrap(),
            }
        })
        .collect()
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

fn person_record(row: u64, w: &Worker) -> StagedRecord {
    staged(
        row,
        RecordKind::Person,
        &format!(
            r#"{{"record_id":"P{}","sex":"{}","birth_date":"{}","nationality":"TUN","given_name":"N{}"}}"#,
            w.id, w.sex, w.birth, w.id
        ),
    )
}

fn placement_record(row: u64, p: &Placement) -> StagedRecord {
    staged(
        row,
        RecordKind::LabourPlacement,
        &format!(
            r#"{{"record_id":"{}","person_record_id":"P{}","destination_country":"{}","occupation":"{}","contract_start":"{}"}}"#,
            p.id, p.person, p.dest, p.occupation, p.start
        ),
    )
}

/// CSV files of the records for DuckDB.
struct Csv {
    persons: BufWriter<File>,
    placements: BufWriter<File>,
}

/// Imports workers `from..` until `records` records are staged, as one submission; returns the
/// next worker index.
fn import(
    s: &dyn Store,
    src: SourceId,
    n: u32,
    from: u64,
    records: u64,
    mut csv: Option<&mut Csv>,
) -> u64 {
    let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let sub = s
        .begin_submission(&NewSubmission {
            source_id: src,
            file_name: "placements.csv",
            file_hash: &format!("{n:064x}"),
            file_size: 1,
            format: "csv",
            mapping_hash: &"0".repeat(64),
            mapping_text: "",
            submitted_by: "bench",
            started_at: at,
        })
        .unwrap();
    let mut row = 0u64;
    let mut i = from;
    let mut chunk = Vec::with_capacity(20_100);
    let mut last_report = Instant::now();
    while row < records {
        let w = worker(i);
        row += 1;
        chunk.push(person_record(row, &w));
        if let Some(c) = csv.as_deref_mut() {
            writeln!(c.persons, "P{},{},{}", w.id, w.sex, w.birth).unwrap();
        }
        for p in placements(i) {
            row += 1;
            chunk.push(placement_record(row, &p));
            if let Some(c) = csv.as_deref_mut() {
                writeln!(
                    c.placements,
                    "{},P{},{},{},{}",
                    p.id, p.person, p.dest, p.occupation, p.start
                )
                .unwrap();
            }
        }
        i += 1;
        if chunk.len() >= 20_000 || row >= records {
            s.stage(
                sub.id,
                &Batch {
                    records: std::mem::take(&mut chunk),
                    rows_read: row,
                    ..Batch::default()
                },
            )
            .unwrap();
            if last_report.elapsed().as_secs() >= 30 {
                eprintln!("  staged {row} of {records} records");
                last_report = Instant::now();
            }
        }
    }
    s.finalize(sub.id, at).unwrap();
    i
}

fn request() -> TableRequest {
    TableRequest {
        indicator: IndicatorId::WorkersPlaced,
        dims: vec![Dim::Sex, Dim::CounterpartArea, Dim::Occupation],
        periods: (2015..=2024).map(Period::Year).collect(),
    }
}

fn main() {
    let mut records: u64 = 10_000_000;
    let mut store = String::new();
    let mut csv_dir: Option<String> = None;
    let mut repeat = 5;
    let mut increments = 1;
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match a.as_str() {
            "--records" => records = value().parse().expect("--records N"),
            "--store" => store = value(),
            "--csv" => csv_dir = Some(value()),
            "--repeat" => repeat = value().parse().expect("--repeat N"),
            "--increments" => increments = value().parse().expect("--increments N"),
            "--keep" => keep = true,
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        !store.is_empty(),
        "--store sqlite:FILE or postgres://... is needed"
    );
    let location = store.strip_prefix("sqlite:").unwrap_or(&store);
    let s = marsad_store::open(location).unwrap();
    let s = s.as_ref();
    let engine = if store.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let at = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    s.ensure_institution(&NewInstitution {
        name: "labour",
        title: "labour",
        kind: "labour_agency",
        created_at: at,
    })
    .unwrap();
    let src = match s
        .sources()
        .unwrap()
        .into_iter()
        .find(|x| x.name == "labour")
    {
        Some(x) => x.id,
        None => s.add_source("labour", Some("labour"), at).unwrap().id,
    };
    let settings = Settings::default();
    if keep && s.stats_state().unwrap().is_some() {
        eprintln!("{engine}: --keep: the store already holds a refreshed cube");
        // Worker indexes far above any earlier run's, one range per second.
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        increment(
            s,
            src,
            engine,
            &settings,
            secs * 1_000_000,
            secs as u32,
            increments,
        );
        return;
    }

    let mut csv = csv_dir.as_ref().map(|d| {
        std::fs::create_dir_all(d).unwrap();
        let mut persons = BufWriter::new(File::create(format!("{d}/persons.csv")).unwrap());
        let mut placements = BufWriter::new(File::create(format!("{d}/placements.csv")).unwrap());
        writeln!(persons, "record_id,sex,birth_date").unwrap();
        writeln!(
            placements,
            "record_id,person_record_id,destination_country,occupation,contract_start"
        )
        .unwrap();
        Csv {
            persons,
            placements,
        }
    });
    let mut results: Vec<(String, String)> = Vec::new();
    let mut result = |k: &str, v: String| {
        println!("RESULT {engine}.{k}={v}");
        results.push((k.to_string(), v));
    };

    let t = Instant::now();
    let next = import(s, src, 1, 0, records, csv.as_mut());
    let import_s = t.elapsed().as_secs_f64();
    eprintln!("{engine}: import of {records} records: {import_s:.1} s");
    result("import_s", format!("{import_s:.2}"));
    result("records", records.to_string());

    let mut quiet = |_: &str, _: u64, _: u64| {};
    let t = Instant::now();
    let r = refresh(s, &settings, today, at, true, &mut quiet).unwrap();
    let full_s = t.elapsed().as_secs_f64();
    eprintln!(
        "{engine}: full refresh: {full_s:.1} s ({} records, {} units, {} cells)",
        r.records, r.units, r.cells
    );
    result("full_refresh_s", format!("{full_s:.2}"));
    result("cells", r.cells.to_string());
    result("units", r.units.to_string());

    let req = request();
    let t = Instant::now();
    let published = Published::load(s).unwrap();
    let load_s = t.elapsed().as_secs_f64();
    let table = published.table(&req).unwrap();
    let cold_s = t.elapsed().as_secs_f64();
    eprintln!(
        "{engine}: cold query (cube read from the store, then the protected table): {cold_s:.3} s (reading {load_s:.3} s), {} cells",
        table.cells.len()
    );
    result("cold_load_s", format!("{load_s:.4}"));
    result("cold_query_s", format!("{cold_s:.4}"));

    let mut protected = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let again = published.table(&req).unwrap();
        protected.push(t.elapsed().as_secs_f64());
        assert_eq!(again, table);
        let t = Instant::now();
        let q = Query::new(req.indicator, &req.dims, &req.periods);
        let cells = published.cubes.query(&q).unwrap().cells.len();
        raw.push(t.elapsed().as_secs_f64());
        assert!(cells > 0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let warm = median(&mut protected);
    let warm_raw = median(&mut raw);
    eprintln!(
        "{engine}: warm query (the loaded cube): {warm:.4} s protected, {warm_raw:.4} s without disclosure control (median of {repeat})"
    );
    result("warm_query_s", format!("{warm:.4}"));
    result("warm_raw_query_s", format!("{warm_raw:.4}"));
    let suppressed = table.cells.iter().filter(|c| c.value.is_none()).count();
    result("table_cells", table.cells.len().to_string());
    result("suppressed_cells", suppressed.to_string());

    if let (Some(d), Some(mut c)) = (&csv_dir, csv.take()) {
        c.persons.flush().unwrap();
        c.placements.flush().unwrap();
        let mut out = BufWriter::new(File::create(format!("{d}/marsad_table.csv")).unwrap());
        writeln!(out, "year,sex,destination,occupation,placements").unwrap();
        // The aggregation DuckDB is compared on: the cube's exact counts for the cells of the
        // table (the table itself publishes them perturbed by the cell key method).
        let q = Query::new(req.indicator, &req.dims, &req.periods);
        let exact = published.cubes.query(&q).unwrap();
        for cell in &table.cells {
            let Period::Year(y) = cell.period else {
                continue;
            };
            let codes: Vec<&str> = cell.codes.iter().map(String::as_str).collect();
            let v = exact
                .get(cell.period, &codes)
                .and_then(|c| c.value)
                .unwrap_or(0.0);
            writeln!(out, "{y},{},{v}", cell.codes.join(",")).unwrap();
        }
        out.flush().unwrap();
    }

    increment(s, src, engine, &settings, next, 2, increments);
    let _ = results;
}

/// Phase 5, `times` times: 10,000 more records from worker `from`, then the incremental refresh;
/// prints each and the median as `RESULT {engine}.incremental_refresh_s`.
fn increment(
    s: &dyn Store,
    src: SourceId,
    engine: &str,
    settings: &Settings,
    mut from: u64,
    submission: u32,
    times: usize,
) {
    let at = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    let mut took = Vec::new();
    for n in 0..times {
        from = import(
            s,
            src,
            submission.wrapping_add(n as u32),
            from,
            10_000,
            None,
        );
        let t = Instant::now();
        let mut last = String::new();
        let mut stages = |stage: &str, _: u64, _: u64| {
            if stage != last {
                eprintln!(
                    "{engine}:   {stage} from {:.3} s",
                    t.elapsed().as_secs_f64()
                );
                last = stage.to_string();
            }
        };
        let r = refresh(s, settings, today, at, false, &mut stages).unwrap();
        let inc_s = t.elapsed().as_secs_f64();
        eprintln!(
            "{engine}: incremental refresh after a 10,000-record import: {inc_s:.3} s ({} records read, {} cells changed)",
            r.records, r.cells_changed
        );
        took.push(inc_s);
    }
    took.sort_by(f64::total_cmp);
    println!(
        "RESULT {engine}.incremental_refresh_s={:.4}",
        took[took.len() / 2]
    );
}
