//! Tests over every source's generated file: determinism, headers against mappings, encodings.

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::{generate, generate_inner, DemoConfig, Manifest};

fn small() -> DemoConfig {
    DemoConfig {
        people: 6_000,
        ..DemoConfig::default()
    }
}

/// Columns a mapping reads, and its [file] table.
fn mapping_columns(text: &str) -> (toml::Table, BTreeSet<String>) {
    let doc: toml::Table = toml::from_str(text).unwrap();
    let file = doc
        .get("file")
        .and_then(|f| f.as_table())
        .cloned()
        .unwrap_or_default();
    let mut cols = BTreeSet::new();
    for rec in doc["record"].as_array().unwrap() {
        for (_, field) in rec["fields"].as_table().unwrap() {
            match field {
                toml::Value::String(s) => {
                    cols.insert(s.clone());
                }
                toml::Value::Table(t) => {
                    if let Some(c) = t.get("column").and_then(|c| c.as_str()) {
                        cols.insert(c.to_string());
                    }
                    if let Some(cs) = t.get("columns").and_then(|c| c.as_array()) {
                        cols.extend(cs.iter().filter_map(|c| c.as_str()).map(str::to_string));
                    }
                    assert!(
                        t.contains_key("column")
                            || t.contains_key("value")
                            || t.contains_key("columns"),
                        "field without a source: {t:?}"
                    );
                }
                other => panic!("unexpected field {other:?}"),
            }
        }
    }
    (file, cols)
}

fn csv_header(path: &Path, file: &toml::Table) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let text = match file.get("encoding").and_then(|e| e.as_str()) {
        Some("windows-1256") => {
            let (t, _, errors) = encoding_rs::WINDOWS_1256.decode(&bytes);
            assert!(!errors);
            t.into_owned()
        }
        _ => String::from_utf8(bytes).unwrap(),
    };
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = file
        .get("delimiter")
        .and_then(|d| d.as_str())
        .unwrap_or(",")
        .as_bytes()[0];
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    r.headers()
        .unwrap()
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect()
}

#[test]
fn every_mapped_column_is_in_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = generate(dir.path(), &small(), &mut |_, _| {}).unwrap();
    assert_eq!(m.files.len(), 9);
    for f in &m.files {
        let mapping = std::fs::read_to_string(f.mapping.as_ref().unwrap()).unwrap();
        let (file, cols) = mapping_columns(&mapping);
        let format = file["format"].as_str().unwrap();
        let present: BTreeSet<String> = match format {
            "csv" => csv_header(&f.path, &file).into_iter().collect(),
            "xlsx" => {
                let mut wb: Xlsx<_> = open_workbook(&f.path).unwrap();
                let sheet = wb.worksheet_range(file["sheet"].as_str().unwrap()).unwrap();
                let header_row = file["header_row"].as_integer().unwrap() as usize;
                let row = sheet.rows().nth(header_row - 1).unwrap();
                row.iter()
                    .map(|c| c.to_string().trim().to_lowercase())
                    .collect()
            }
            "jsonl" => {
                let text = std::fs::read_to_string(&f.path).unwrap();
                let mut paths = BTreeSet::new();
                for line in text.lines() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    collect_paths(&v, "", &mut paths);
                }
                assert!(super::consulate::PATHS.iter().all(|p| paths.contains(*p)));
                paths
            }
            other => panic!("format {other}"),
        };
        for c in cols {
            assert!(
                present.contains(&c.trim().to_lowercase()),
                "{}: mapped column {c:?} missing from {present:?}",
                f.path.display()
            );
        }
    }
}

fn collect_paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let serde_json::Value::Object(map) = v {
        for (k, v) in map {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            collect_paths(v, &p, out);
            out.insert(p);
        }
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let cfg = DemoConfig {
        people: 1_500,
        ..DemoConfig::default()
    };
    let ma = generate(a.path(), &cfg, &mut |_, _| {}).unwrap();
    generate(b.path(), &cfg, &mut |_, _| {}).unwrap();
    generate(
        c.path(),
        &DemoConfig {
            seed: 7,
            ..cfg.clone()
        },
        &mut |_, _| {},
    )
    .unwrap();
    let mut names: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 19, "9 exports, 9 mappings, the manifest");
    let mut differs = 0;
    for n in &names {
        let x = std::fs::read(a.path().join(n)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.path().join(n)).unwrap(),
            "{n:?} differs between runs"
        );
        if x != std::fs::read(c.path().join(n)).unwrap() {
            differs += 1;
        }
    }
    assert!(differs >= 9, "another seed changed only {differs} files");
    assert!(ma.files.iter().all(|f| f.rows > 0), "{:?}", ma.files);
}

#[test]
fn manifest_round_trips_with_paths_relative_to_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let m = generate(
        dir.path(),
        &DemoConfig {
            people: 500,
            ..DemoConfig::default()
        },
        &mut |_, _| {},
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert!(
        !text.contains(&*dir.path().to_string_lossy()),
        "absolute paths in manifest"
    );
    assert_eq!(Manifest::load(dir.path()).unwrap(), m);
    assert_eq!(m.institutions.len(), 8);
    let kinds: BTreeSet<_> = m.institutions.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds.len(), 8);
    for f in &m.files {
        assert!(m.institutions.iter().any(|i| i.name == f.institution));
        assert!(f.path.exists() && f.mapping.as_ref().unwrap().exists());
    }
    let sources: Vec<_> = m.files.iter().map(|f| f.source.as_str()).collect();
    assert_eq!(sources, crate::SOURCE_NAMES);
}

#[test]
fn border_file_is_windows_1256_and_its_bad_rows_are_the_counted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let m = generate(dir.path(), &small(), &mut |_, _| {}).unwrap();
    let f = m
        .files
        .iter()
        .find(|f| f.source == "border_crossings")
        .unwrap();
    let bytes = std::fs::read(&f.path).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "should not be UTF-8");
    let (text, _, errors) = encoding_rs::WINDOWS_1256.decode(&bytes);
    assert!(!errors);
    assert!(!text.contains("&#"), "unencodable characters were escaped");
    assert!(
        text.contains("صفاقس") || text.contains("تونس"),
        "Arabic place of birth"
    );
    assert!(text.contains("\r\n"));
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let known: BTreeSet<&str> = crate::world::COUNTRIES.iter().map(|c| c.alpha3).collect();
    let (mut rows, mut bad) = (0, 0);
    for rec in r.records() {
        let rec = rec.unwrap();
        rows += 1;
        let date_ok = chrono::NaiveDateTime::parse_from_str(&rec[1], "%d/%m/%Y %H:%M").is_ok();
        let countries_ok = known.contains(&rec[14]) && known.contains(&rec[15]);
        let post_ok = !rec[3].is_empty();
        if !(date_ok && countries_ok && post_ok) {
            bad += 1;
        }
        assert!(
            rec[7].chars().all(|c| c.is_ascii_uppercase() || c == ' '),
            "MRZ name {:?}",
            &rec[7]
        );
    }
    assert_eq!(rows, f.rows);
    assert_eq!(bad, f.bad_rows);
    assert!(bad > 0);
}

#[test]
fn workbook_opens_with_title_row_and_real_dates() {
    let dir = tempfile::tempdir().unwrap();
    let m = generate(dir.path(), &small(), &mut |_, _| {}).unwrap();
    let f = m
        .files
        .iter()
        .find(|f| f.source == "labour_placements")
        .unwrap();
    let mut wb: Xlsx<_> = open_workbook(&f.path).unwrap();
    let sheet = wb.worksheet_range(super::labour::SHEET).unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len() as u64, f.rows + 2);
    assert!(rows[0][0].to_string().starts_with("Agence nationale"));
    assert_eq!(rows[1][0].to_string(), "N° dossier");
    let dates = rows[2..]
        .iter()
        .filter(|r| matches!(r[13], Data::DateTime(_)))
        .count() as u64;
    assert!(
        dates >= f.rows - f.bad_rows,
        "contract starts as Excel dates: {dates}"
    );
    assert!(rows[2..].iter().all(|r| matches!(r[6], Data::DateTime(_))));
}

#[test]
fn bad_rows_are_a_small_share_and_half_the_people_are_in_two_sources() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DemoConfig {
        people: 20_000,
        ..DemoConfig::default()
    };
    let (m, seen) = generate_inner(dir.path(), &cfg, &mut |_, _| {}).unwrap();
    let share = m.total_bad_rows() as f64 / m.total_rows() as f64;
    assert!(
        (0.002..=0.005).contains(&share),
        "bad share {share} ({} of {})",
        m.total_bad_rows(),
        m.total_rows()
    );
    let two = seen.iter().filter(|s| s.count_ones() >= 2).count() as f64 / seen.len() as f64;
    assert!((0.4..=0.6).contains(&two), "share in 2+ sources {two}");
    let rows_per_person = m.total_rows() as f64 / cfg.people as f64;
    eprintln!("bad share {share:.4}, in 2+ sources {two:.3}, {rows_per_person:.2} rows per person");
    assert!(
        (3.0..=4.5).contains(&rows_per_person),
        "{rows_per_person} rows per person: {:?}",
        m.files
    );
}

#[test]
fn progress_is_reported_for_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut last = std::collections::BTreeMap::new();
    let m = generate(
        dir.path(),
        &DemoConfig {
            people: 800,
            ..DemoConfig::default()
        },
        &mut |f, n| {
            last.insert(f.to_string(), n);
        },
    )
    .unwrap();
    for f in &m.files {
        let name = f.path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(last.get(&name), Some(&f.rows), "{name}");
    }
}

#[test]
fn bad_configuration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = DemoConfig {
        first_year: 2025,
        last_year: 2020,
        ..DemoConfig::default()
    };
    assert!(generate(dir.path(), &bad, &mut |_, _| {}).is_err());
    let future = DemoConfig {
        last_year: 2025,
        ..DemoConfig::default()
    };
    assert!(generate(dir.path(), &future, &mut |_, _| {}).is_err());
}
