//! Unified numbers end to end, on both engines: the mixed-script linkage truth set generated from
//! the demo population is imported through the real import path (one source per institution),
//! numbered in full, numbered again (nothing changes), then a new source arrives and is linked
//! incrementally against the numbered persons; clerks' review decisions merge and split persons
//! and are respected by the runs that follow.

// Helpers of tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{TimeZone, Utc};
use marsad_model::{Clock as _, FixedClock};
use marsad_store::{
    LinkSelection, PersonAction, PersonNumber, PersonStatus, RecordKey, ReviewStatus, Store,
};
use marsad_testkit::{Engine, TestDb};
use marsad_unify::{apply_decision, Applied, Mode, UnifyReport};

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

/// (source name, record id) → true entity
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

fn run(store: &dyn Store, mode: Mode, random: &mut dyn FnMut() -> u64) -> UnifyReport {
    marsad_unify::unify_with(
        store,
        &marsad_link::LinkConfig::default(),
        mode,
        "test",
        &clock(),
        random,
        &marsad_link::NoProgress,
    )
    .unwrap()
}

/// Every visible person record's number, by key.
fn numbers(store: &dyn Store) -> BTreeMap<RecordKey, Option<PersonNumber>> {
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let (page, next) = store
            .link_records("person", LinkSelection::All, after, 1000)
            .unwrap();
        out.extend(page.into_iter().map(|r| (r.key, r.person)));
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// The true entity of each record key.
fn entities(
    store: &dyn Store,
    truth: &HashMap<(String, String), String>,
) -> HashMap<RecordKey, String> {
    let ids: HashMap<String, marsad_store::SourceId> = store
        .sources()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.id))
        .collect();
    truth
        .iter()
        .filter_map(|((s, r), e)| Some((RecordKey::new(*ids.get(s)?, "person", r), e.clone())))
        .collect()
}

fn field(store: &dyn Store, key: &RecordKey, name: &str) -> String {
    let v = store
        .record(key.source, &key.kind, &key.record_id)
        .unwrap()
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&v.payload).unwrap();
    payload[name].as_str().unwrap_or_default().to_string()
}

fn set(db: &TestDb, people: usize) -> marsad_demo::LinkageSet {
    marsad_demo::linkage_benchmark(db.dir(), &marsad_demo::LinkageConfig { seed: 11, people })
        .unwrap()
}

/// Every visible person record's value of `name`.
fn fields(store: &dyn Store, name: &str) -> HashMap<RecordKey, String> {
    let (page, next) = store
        .link_records("person", LinkSelection::All, None, 100_000)
        .unwrap();
    assert!(next.is_none());
    page.into_iter()
        .map(|r| {
            let payload: serde_json::Value = serde_json::from_str(&r.payload).unwrap();
            let v = payload[name].as_str().unwrap_or_default().to_string();
            (r.key, v)
        })
        .collect()
}

fn numbered(db: TestDb) {
    let store = db.open();
    let store = store.as_ref();
    let set = set(&db, 1500);
    let (last, first) = set.files.split_last().unwrap();
    for f in first {
        import(store, &f.source, &f.path);
    }
    let mut random = rng(99);
    // Another unification holds the store: this one refuses, naming it, and numbers nothing.
    let since = clock().now();
    assert_eq!(
        store
            .take_run_lock(marsad_unify::LOCK, "another run", since)
            .unwrap(),
        None
    );
    let busy = marsad_unify::unify_with(
        store,
        &marsad_link::LinkConfig::default(),
        Mode::Auto,
        "test",
        &clock(),
        &mut random,
        &marsad_link::NoProgress,
    )
    .unwrap_err();
    assert!(
        matches!(&busy, marsad_unify::UnifyError::Busy { holder, .. } if holder == "another run"),
        "{busy}"
    );
    assert!(busy.to_string().contains("--break-lock"), "{busy}");
    assert!(numbers(store).values().all(Option::is_none));
    store
        .release_run_lock(marsad_unify::LOCK, "another run")
        .unwrap();
    let report = run(store, Mode::Auto, &mut random);
    assert_eq!(report.mode, Mode::Full, "no model yet: {report:?}");
    // The run gave its lock back.
    assert_eq!(
        store
            .take_run_lock(marsad_unify::LOCK, "a later run", since)
            .unwrap(),
        None
    );
    store
        .release_run_lock(marsad_unify::LOCK, "a later run")
        .unwrap();
    assert!(report.records > 500, "{report:?}");
    assert_eq!(
        report.records_assigned, report.records,
        "every record gets a number: {report:?}"
    );
    assert_eq!(report.indexed, report.records);
    assert!(store.link_model().unwrap().is_some());

    // Numbers agree with the truth on most pairs of records of one entity.
    let truth = truth(&set.truth);
    let entity = entities(store, &truth);
    let before = numbers(store);
    let mut by_entity: HashMap<&str, Vec<u64>> = HashMap::new();
    for (key, n) in &before {
        by_entity
            .entry(entity[key].as_str())
            .or_default()
            .push(n.unwrap().0);
    }
    let (mut together, mut pairs) = (0u64, 0u64);
    for numbers in by_entity.values() {
        for i in 0..numbers.len() {
            for j in i + 1..numbers.len() {
                pairs += 1;
                together += u64::from(numbers[i] == numbers[j]);
            }
        }
        for n in numbers {
            assert!(
                marsad_model::UnifiedNumber::parse(&format!("{n:012}")).is_ok(),
                "{n} is not a unified number"
            );
        }
    }
    assert!(
        pairs > 100 && together * 100 >= pairs * 90,
        "{together} of {pairs} true pairs share a number"
    );

    // A rerun is incremental and changes nothing.
    let again = run(store, Mode::Auto, &mut random);
    assert_eq!(again.mode, Mode::Incremental, "{again:?}");
    assert_eq!(
        (again.linked, again.persons_created, again.records_assigned),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(numbers(store), before, "numbers are stable across reruns");

    // A new institution's file arrives. Before it is numbered, a clerk decides two of its
    // records against numbered ones: one is not the person it looks like (same document, same
    // name), the other is.
    import(store, &last.source, &last.path);
    let entity = entities(store, &truth);
    let after_import = numbers(store);
    let fresh: Vec<&RecordKey> = after_import
        .iter()
        .filter(|(_, n)| n.is_none())
        .map(|(k, _)| k)
        .collect();
    let known_number: HashMap<&str, HashSet<u64>> =
        before.iter().fold(HashMap::new(), |mut m, (k, n)| {
            m.entry(entity[k].as_str())
                .or_default()
                .insert(n.unwrap().0);
            m
        });
    let docs = fields(store, "document_number");
    let by_doc: HashMap<(&str, &str), &RecordKey> = before
        .keys()
        .filter(|k| !docs[*k].is_empty())
        .map(|k| ((entity[k].as_str(), docs[k].as_str()), k))
        .collect();
    let partner = |k: &RecordKey| -> Option<RecordKey> {
        by_doc
            .get(&(entity[k].as_str(), docs[k].as_str()))
            .map(|o| (*o).clone())
    };
    let mut with_partner = fresh
        .iter()
        .filter(|k| {
            known_number
                .get(entity[**k].as_str())
                .is_some_and(|s| s.len() == 1)
        })
        .filter_map(|k| partner(k).map(|p| ((*k).clone(), p)));
    let (rejected, rejected_partner) = with_partner.next().unwrap();
    let (accepted, accepted_partner) = with_partner.next().unwrap();
    let r = store
        .add_review(&rejected, &rejected_partner, 20.0, "{}", clock().0)
        .unwrap();
    let d = apply_decision(store, r, false, "clerk-1", &clock(), &mut random).unwrap();
    assert_eq!(d.applied, Applied::Unchanged, "{d:?}");
    let r = store
        .add_review(&accepted, &accepted_partner, 20.0, "{}", clock().0)
        .unwrap();
    let d = apply_decision(store, r, true, "clerk-1", &clock(), &mut random).unwrap();
    let partner_number = before[&accepted_partner].unwrap();
    assert_eq!(
        d.applied,
        Applied::Joined {
            number: partner_number,
            records: vec![accepted.clone()]
        }
    );

    let grown = run(store, Mode::Auto, &mut random);
    assert_eq!(grown.mode, Mode::Incremental, "{grown:?}");
    assert_eq!(grown.linked, fresh.len() - 1, "{grown:?}");
    assert_eq!(grown.records_assigned, grown.linked, "{grown:?}");
    assert!(grown.compared_with > 0 && grown.labels >= 1, "{grown:?}");
    assert!(grown.persons_created < grown.records_assigned, "{grown:?}");
    let after = numbers(store);
    assert!(after.values().all(Option::is_some), "every record numbered");
    for (k, n) in &before {
        assert_eq!(after[k], *n, "an existing number never changes");
    }
    // The clerk's decisions hold.
    assert_ne!(after[&rejected], after[&rejected_partner]);
    assert_eq!(after[&accepted], Some(partner_number));
    // The new source's people who were known get their known number.
    let (mut joined, mut known) = (0, 0);
    for k in fresh.iter().filter(|k| **k != &rejected) {
        if let Some(numbers) = known_number.get(entity[*k].as_str()) {
            if numbers.len() == 1 {
                known += 1;
                joined += usize::from(numbers.contains(&after[*k].unwrap().0));
            }
        }
    }
    assert!(
        known > 20 && joined * 100 >= known * 85,
        "{joined} of {known} known people got their number"
    );

    // A full run relinks everything and changes no number.
    let full = run(store, Mode::Full, &mut random);
    assert_eq!(
        (full.mode, full.persons_created, full.records_assigned),
        (Mode::Full, 0, 0),
        "{full:?}"
    );
    assert_eq!(numbers(store), after);
}

/// Accepting merges (the older number survives, the other resolves to it), rejecting splits
/// when the pair was the only evidence and flags it when not; every change is logged with the
/// clerk and the reason, and the next runs respect the decisions.
fn review_decisions(db: TestDb) {
    let store = db.open();
    let store = store.as_ref();
    let set = set(&db, 600);
    for f in &set.files {
        import(store, &f.source, &f.path);
    }
    let mut random = rng(7);
    run(store, Mode::Full, &mut random);
    let truth = truth(&set.truth);
    let entity = entities(store, &truth);
    let start = numbers(store);
    let mut members: BTreeMap<PersonNumber, Vec<RecordKey>> = BTreeMap::new();
    for (k, n) in &start {
        members.entry(n.unwrap()).or_default().push(k.clone());
    }

    // Merge: two records of one entity under two numbers.
    let (x, y) = start
        .keys()
        .flat_map(|a| start.keys().map(move |b| (a, b)))
        .find(|(a, b)| a < b && entity[*a] == entity[*b] && start[*a] != start[*b])
        .map(|(a, b)| (a.clone(), b.clone()))
        .unwrap();
    let (nx, ny) = (start[&x].unwrap(), start[&y].unwrap());
    let review = store.add_review(&x, &y, 4.0, "{}", clock().0).unwrap();
    let d = apply_decision(store, review, true, "clerk-1", &clock(), &mut random).unwrap();
    let (keep, absorb) = match d.applied {
        Applied::Merged { keep, absorb } => (keep, absorb),
        other => panic!("expected a merge, got {other:?}"),
    };
    // All numbers were issued at the same time: the smaller is the older.
    assert_eq!((keep, absorb), (nx.min(ny), nx.max(ny)));
    assert_eq!(d.review.status, ReviewStatus::Accepted);
    assert_eq!(store.resolve_number(absorb).unwrap(), keep);
    assert_eq!(store.person(absorb).unwrap().status, PersonStatus::Merged);
    assert_eq!(store.person_aliases(keep).unwrap(), vec![absorb]);
    assert_eq!(store.person_of(&x).unwrap(), Some(keep));
    assert_eq!(store.person_of(&y).unwrap(), Some(keep));
    let merge = store.person_events(absorb).unwrap().pop().unwrap();
    assert_eq!(
        (merge.action, merge.actor.as_str(), merge.numbers),
        (PersonAction::Merge, "clerk-1", vec![keep, absorb])
    );
    assert!(merge.reason.unwrap().contains("one person"));

    // Split: a person of exactly two records, said to be two people.
    let (two, pair) = members
        .iter()
        .find(|(n, r)| r.len() == 2 && **n != nx && **n != ny)
        .map(|(n, r)| (*n, r.clone()))
        .unwrap();
    let review = store
        .add_review(&pair[0], &pair[1], 7.0, "{}", clock().0)
        .unwrap();
    let d = apply_decision(store, review, false, "clerk-2", &clock(), &mut random).unwrap();
    let split_to = match &d.applied {
        Applied::Split {
            from,
            new_number,
            moved,
        } => {
            assert_eq!((*from, moved.clone()), (two, vec![pair[1].clone()]));
            *new_number
        }
        other => panic!("expected a split, got {other:?}"),
    };
    assert_eq!(store.person_of(&pair[0]).unwrap(), Some(two));
    assert_eq!(store.person_of(&pair[1]).unwrap(), Some(split_to));
    let split = store.person_events(split_to).unwrap().pop().unwrap();
    assert_eq!(
        (split.action, split.actor.as_str(), split.numbers),
        (PersonAction::Split, "clerk-2", vec![two, split_to])
    );
    assert!(split.reason.unwrap().contains("two people"));
    // Decided once.
    assert!(apply_decision(store, review, true, "clerk-3", &clock(), &mut random).is_err());

    // Not split: a third record as strong as the first joins them. A copy of a record of a
    // two-record person arrives from another institution and joins that person; rejecting the
    // original pair leaves the person whole (the copy still links both) and says so.
    let (three, trio) = members
        .iter()
        .find(|(n, r)| r.len() == 2 && **n != nx && **n != ny && **n != two)
        .map(|(n, r)| (*n, r.clone()))
        .unwrap();
    let copy = db.dir().join("copy.csv");
    let columns = marsad_link::PersonRow::COLUMNS;
    let mut text = columns.join(",") + "\n";
    let values: Vec<String> = columns
        .iter()
        .map(|c| match *c {
            "source" => "copies".to_string(),
            "record_id" => "C1".to_string(),
            c => format!("\"{}\"", field(store, &trio[0], c).replace('"', "\"\"")),
        })
        .collect();
    text.push_str(&values.join(","));
    text.push('\n');
    std::fs::write(&copy, text).unwrap();
    import(store, "copies", &copy);
    let grown = run(store, Mode::Auto, &mut random);
    assert_eq!(
        (grown.mode, grown.linked),
        (Mode::Incremental, 1),
        "{grown:?}"
    );
    let copies = store.source("copies").unwrap().unwrap().id;
    let c1 = RecordKey::new(copies, "person", "C1");
    assert_eq!(store.person_of(&c1).unwrap(), Some(three));
    let review = store
        .add_review(&trio[0], &trio[1], 7.0, "{}", clock().0)
        .unwrap();
    let d = apply_decision(store, review, false, "clerk-2", &clock(), &mut random).unwrap();
    assert_eq!(d.applied, Applied::NotSplit, "{d:?}");
    assert!(d.reason.contains("not split"), "{}", d.reason);
    assert_eq!(store.person_records(three).unwrap().len(), 3);
    let flagged = store.person_events(three).unwrap().pop().unwrap();
    assert_eq!(flagged.action, PersonAction::Review);
    assert!(flagged.reason.unwrap().contains("not split"));

    // The next runs respect the decisions: the merged pair stays together, the split pair
    // apart, and neither pair is put to review again.
    let decided = numbers(store);
    for mode in [Mode::Auto, Mode::Full] {
        let report = run(store, mode, &mut random);
        assert_eq!(report.records_assigned, 0, "{report:?}");
        if mode == Mode::Full {
            assert!(report.labels >= 3, "{report:?}");
        }
        assert_eq!(numbers(store), decided);
    }
    assert_eq!(store.person_of(&x).unwrap(), store.person_of(&y).unwrap());
    assert_ne!(
        store.person_of(&pair[0]).unwrap(),
        store.person_of(&pair[1]).unwrap()
    );
    let open = store
        .reviews(Some(ReviewStatus::Open), None, 10_000)
        .unwrap();
    for (a, b) in [(&x, &y), (&pair[0], &pair[1]), (&trio[0], &trio[1])] {
        assert!(!open
            .iter()
            .any(|r| (&r.left == a && &r.right == b) || (&r.left == b && &r.right == a)));
    }
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

#[test]
fn sqlite_review_decisions() {
    review_decisions(TestDb::new(Engine::Sqlite).unwrap());
}

#[test]
fn postgres_review_decisions() {
    if let Some(db) = TestDb::new(Engine::Postgres) {
        review_decisions(db);
    }
}

/// Fingerprints as evidence: two namesakes alike in everything the registers hold, numbered
/// apart, stay apart in a full run without a review when both have fingerprints enrolled
/// (the enrolment's 1:N search told them apart); without fingerprints the same run sends the
/// pair to a clerk.
fn fingerprints_keep_namesakes_apart(db: TestDb, with_prints: bool) {
    let store = db.open();
    let store = store.as_ref();
    let set = set(&db, 300);
    for f in &set.files {
        import(store, &f.source, &f.path);
    }
    let header = "source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,\
                  birth_place,nationality,document_type,document_number,phone,address,locality,postcode";
    let row = |source: &str, id: &str| {
        format!(
            "{header}\n{source},{id},Mohamed,Trabelsi,Salah,Fatma,M,1990-05-01,Sfax,TUN,,,,,,\n"
        )
    };
    let mut keys = Vec::new();
    for (source, id) in [("shelter", "s-1"), ("border", "b-1")] {
        let path = db.dir().join(format!("{source}-namesake.csv"));
        std::fs::write(&path, row(source, id)).unwrap();
        import(store, &format!("{source}-namesakes"), &path);
        let src = store
            .source(&format!("{source}-namesakes"))
            .unwrap()
            .unwrap();
        keys.push(RecordKey::new(src.id, "person", id));
    }
    store
        .ensure_institution(&marsad_store::NewInstitution {
            name: "border-post",
            title: "Border post",
            kind: "border_police",
            created_at: clock().0,
        })
        .unwrap();
    let numbers = [PersonNumber(111_111_111_111), PersonNumber(222_222_222_222)];
    for (n, key) in numbers.iter().zip(&keys) {
        store.create_person(*n, "test", clock().0).unwrap();
        store
            .assign_records(*n, std::slice::from_ref(key), "test", None, clock().0)
            .unwrap();
        if with_prints {
            let blob = format!("{:064x}", n.0);
            store
                .enrol_fingerprint(
                    &marsad_store::NewFingerprint {
                        person: *n,
                        institution: "border-post",
                        position: 2,
                        original_blob: &blob,
                        original_format: "png",
                        template: marsad_store::NewTemplate {
                            blob_id: &blob,
                            extractor: "test",
                            quality: 80,
                            minutiae: 40,
                        },
                        actor: "test",
                        at: clock().0,
                    },
                    &marsad_store::AuditEvent {
                        at: clock().0,
                        actor: marsad_store::Actor::User("1".into()),
                        institution: Some("border-post".into()),
                        action: "fingerprint.enrol".into(),
                        object: None,
                        purpose: None,
                        outcome: marsad_store::Outcome::Success,
                    },
                )
                .unwrap();
        }
    }
    let mut random = rng(5);
    run(store, Mode::Full, &mut random);
    assert_eq!(store.person_of(&keys[0]).unwrap(), Some(numbers[0]));
    assert_eq!(store.person_of(&keys[1]).unwrap(), Some(numbers[1]));
    let open = store
        .reviews(Some(ReviewStatus::Open), None, 10_000)
        .unwrap();
    let reviewed = open.iter().any(|r| {
        (r.left == keys[0] && r.right == keys[1]) || (r.left == keys[1] && r.right == keys[0])
    });
    assert_eq!(reviewed, !with_prints, "open reviews: {}", open.len());
}

#[test]
fn sqlite_fingerprints_keep_namesakes_apart() {
    fingerprints_keep_namesakes_apart(TestDb::new(Engine::Sqlite).unwrap(), true);
}

#[test]
fn sqlite_without_fingerprints_namesakes_go_to_review() {
    fingerprints_keep_namesakes_apart(TestDb::new(Engine::Sqlite).unwrap(), false);
}

#[test]
fn postgres_fingerprints_keep_namesakes_apart() {
    if let Some(db) = TestDb::new(Engine::Postgres) {
        fingerprints_keep_namesakes_apart(db, true);
    }
}
