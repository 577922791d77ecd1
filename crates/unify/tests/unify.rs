//! Unified numbers end to end, on both engines: the mixed-script linkage truth set generated from
//! the demo population is imported through the real import path (one source per institution),
//! numbered, numbered again (nothing changes), then a new source arrives and its records join the
//! existing persons.

// Helpers of tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};

use chrono::{TimeZone, Utc};
use marsad_model::FixedClock;
use marsad_store::{RecordKey, Store};
use marsad_testkit::{Engine, TestDb};

fn clock() -> FixedClock {
    FixedClock(Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap())
}

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

fn import(store: &dyn Store, source: &str, path: &std::path::Path) {
    if store.source(source).unwrap().is_none() {
        store.add_source(source, None, clock().0).unwrap();
    }
    let o = marsad_ingest::import_file(
        store,
        &marsad_ingest::ImportRequest {
            source,
            path,
            file_name: None,
            mapping: None,
            submitted_by: "test",
        },
        &clock(),
        &marsad_ingest::NoProgress,
    )
    .unwrap();
    assert_eq!(
        o.report.submission.status.as_str(),
        "complete",
        "{:#?}",
        o.report.submission
    );
}

/// source name → (record id → true entity)
fn truth(path: &std::path::Path) -> HashMap<(String, String), String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            (
                (cols[0].to_string(), cols[1].to_string()),
                cols[2].to_string(),
            )
        })
        .collect()
}

fn numbered(db: TestDb) {
    let store = db.open();
    let store = store.as_ref();
    let set = marsad_demo::linkage_benchmark(
        db.dir(),
        &marsad_demo::LinkageConfig {
            seed: 11,
            people: 1500,
        },
    )
    .unwrap();
    let (last, first) = set.files.split_last().unwrap();
    for f in first {
        import(store, &f.source, &f.path);
    }
    let config = marsad_link::LinkConfig::default();
    let mut random = rng(99);
    let report = marsad_unify::unify(store, &config, "test", &clock(), &mut random).unwrap();
    assert!(report.records > 500, "{report:?}");
    assert_eq!(
        report.records_assigned, report.records,
        "every record gets a number: {report:?}"
    );

    // Numbers agree with the truth on most pairs of records of one entity.
    let truth = truth(&set.truth);
    let names: HashMap<_, _> = store
        .sources()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.id))
        .collect();
    let number_of = |source: &str, id: &str| {
        let source = *names.get(source)?;
        store
            .person_of(&RecordKey::new(source, "person", id))
            .unwrap()
    };
    let mut by_entity: HashMap<&str, Vec<u64>> = HashMap::new();
    for ((source, id), entity) in &truth {
        if let Some(n) = number_of(source, id) {
            by_entity.entry(entity.as_str()).or_default().push(n.0);
        }
    }
    let (mut together, mut pairs) = (0u64, 0u64);
    for numbers in by_entity.values() {
        for i in 0..numbers.len() {
            for j in i + 1..numbers.len() {
                pairs += 1;
                together += u64::from(numbers[i] == numbers[j]);
            }
        }
    }
    assert!(
        pairs > 100 && together * 100 >= pairs * 90,
        "{together} of {pairs} true pairs share a number"
    );
    for numbers in by_entity.values() {
        for n in numbers {
            assert!(
                marsad_model::UnifiedNumber::parse(&format!("{n:012}")).is_ok(),
                "{n} is not a unified number"
            );
        }
    }

    // A rerun changes nothing.
    let before: HashSet<(String, String, u64)> = truth
        .keys()
        .filter(|(s, _)| names.contains_key(s.as_str()))
        .filter_map(|(s, id)| number_of(s, id).map(|n| (s.clone(), id.clone(), n.0)))
        .collect();
    let again = marsad_unify::unify(store, &config, "test", &clock(), &mut random).unwrap();
    assert_eq!(
        (again.persons_created, again.records_assigned),
        (0, 0),
        "{again:?}"
    );
    let after: HashSet<(String, String, u64)> = truth
        .keys()
        .filter(|(s, _)| names.contains_key(s.as_str()))
        .filter_map(|(s, id)| number_of(s, id).map(|n| (s.clone(), id.clone(), n.0)))
        .collect();
    assert_eq!(before, after, "numbers are stable across reruns");

    // A new institution's records join the persons already known.
    import(store, &last.source, &last.path);
    let names: HashMap<_, _> = store
        .sources()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.id))
        .collect();
    let grown = marsad_unify::unify(store, &config, "test", &clock(), &mut random).unwrap();
    // Every new visible record (the file's rows less any it repeats) gets a number.
    assert!(grown.records > again.records, "{grown:?}");
    assert_eq!(
        grown.records_assigned,
        grown.records - again.records,
        "{grown:?}"
    );
    let known: HashSet<u64> = before.iter().map(|(_, _, n)| *n).collect();
    let joined = truth
        .iter()
        .filter(|((s, _), _)| s == &last.source)
        .filter_map(|((s, id), _)| {
            store
                .person_of(&RecordKey::new(names[s.as_str()], "person", id))
                .unwrap()
        })
        .filter(|n| known.contains(&n.0))
        .count();
    assert!(
        joined > 0,
        "some of the new source's people were already known"
    );
    assert!(grown.persons_created < grown.records_assigned, "{grown:?}");
}

#[test]
fn sqlite_numbered() {
    numbered(TestDb::new(Engine::Sqlite).unwrap());
}

#[test]
fn postgres_numbered() {
    if let Some(db) = TestDb::new(Engine::Postgres) {
        numbered(db);
    }
}
