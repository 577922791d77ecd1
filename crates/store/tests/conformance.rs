//! The store conformance suite: every scenario runs against a fresh SQLite file and, when
//! `MARSAD_TEST_DATABASE_URL` names a PostgreSQL server (an admin URL; a fresh database is created
//! and dropped per test), against PostgreSQL.

// Test helpers outside `#[test]` functions may fail loudly too: a failing unwrap is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::TimeZone;
use marsad_auth::{BreakReason, ChainVerifier, Purpose};
use marsad_store::{
    verify_audit, Actor, ApiToken, AuditEntry, AuditEvent, AuditObject, AuditVerifyError,
    ChainBreak, ChainHead, NewUser, Outcome, SessionRow, ThrottleKind, ThrottleState, UserId,
};
use marsad_store::{
    AttachmentId, DossierChange, DossierId, DossierStatus, EntryChange, EntryId, EntryKind,
    NewAttachment, NewDossier, NewEntry,
};
use marsad_store::{
    Backend, Batch, Issue, NewInstitution, NewSubmission, PersonAction, PersonNumber, PersonStatus,
    QuarantineFilter, QuarantineStatus, QuarantinedRow, RecordKey, ReviewId, ReviewStatus,
    SourceId, StagedRecord, Store, StoreError, Submission, SubmissionId, SubmissionStatus,
    Timestamp,
};
use marsad_store::{
    ComplaintEvent, ComplaintRow, EvaluationRow, EvidenceRow, IncidentRow, IndicatorRow,
    MeasurementRow, PlanActionRow, ReferralEvent, ReferralRow, TraffickingCase,
};
use marsad_store::{FingerprintId, NewFingerprint, NewTemplate};
use marsad_store::{LinkSelection, NewReview, Numbering, RecordBlocks, RecordHandle, ReviewEffect};
use marsad_store::{MicrodataEvent, MicrodataExtract, MicrodataRequestRow};
use marsad_store::{StatCell, StatsBatch, StatsMember};

// ---------------------------------------------------------------------------------------------
// Harness

enum Engine {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres(PgDatabase),
}

/// One backend with a fresh database.
struct Harness {
    store: Box<dyn Store>,
    engine: Engine,
}

impl Harness {
    fn sqlite() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("marsad.sqlite");
        let store = marsad_store::open(path.to_str().unwrap()).unwrap();
        Harness {
            store,
            engine: Engine::Sqlite { _dir: dir, path },
        }
    }

    fn postgres() -> Option<Harness> {
        let admin = std::env::var("MARSAD_TEST_DATABASE_URL").ok()?;
        let db = PgDatabase::create(&admin);
        let store = marsad_store::open(&db.url).unwrap();
        Some(Harness {
            store,
            engine: Engine::Postgres(db),
        })
    }

    fn store(&self) -> &dyn Store {
        &*self.store
    }

    fn reopen(&self) -> marsad_store::Result<Box<dyn Store>> {
        match &self.engine {
            Engine::Sqlite { path, .. } => marsad_store::open(path.to_str().unwrap()),
            Engine::Postgres(db) => marsad_store::open(&db.url),
        }
    }

    /// Runs raw SQL behind the store's back; the engine's error as text.
    fn try_execute(&self, sql: &str) -> Result<(), String> {
        match &self.engine {
            Engine::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .map_err(|e| e.to_string()),
            Engine::Postgres(db) => ::postgres::Client::connect(&db.url, ::postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .map_err(|e| e.to_string()),
        }
    }

    /// Runs raw SQL behind the store's back.
    fn execute(&self, sql: &str) {
        match &self.engine {
            Engine::Sqlite { path, .. } => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Engine::Postgres(db) => {
                ::postgres::Client::connect(&db.url, ::postgres::NoTls)
                    .unwrap()
                    .batch_execute(sql)
                    .unwrap();
            }
        }
    }
}

/// A database created for one test and dropped after it.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(admin: &str) -> PgDatabase {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "marsad_t_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut client = ::postgres::Client::connect(admin, ::postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        PgDatabase {
            admin: admin.to_owned(),
            url: with_database(admin, &name),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = ::postgres::Client::connect(&self.admin, ::postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `postgres://u@h:p/admin?x=y` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn run_sqlite(scenario: fn(&Harness)) {
    let h = Harness::sqlite();
    assert_eq!(h.store().backend(), Backend::Sqlite);
    scenario(&h);
}

fn run_postgres(scenario: fn(&Harness)) {
    match Harness::postgres() {
        Some(h) => {
            assert_eq!(h.store().backend(), Backend::Postgres);
            scenario(&h);
        }
        None => println!("skipped: MARSAD_TEST_DATABASE_URL is not set"),
    }
}

/// Each scenario becomes `sqlite::NAME` and `postgres::NAME`.
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::run_sqlite(super::$name) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::run_postgres(super::$name) } )*
        }
    };
}

scenarios!(
    institutions_and_sources,
    first_import,
    second_import_versions_and_history,
    invisible_before_finalize,
    resume_from_checkpoint,
    fail_discards_staged,
    reject_discards_staged,
    finalize_twice_is_invalid,
    quarantine_correct_resolve_dismiss,
    unchanged_correction_resolves,
    paging_records,
    paging_quarantine,
    submissions_listing,
    unknown_ids,
    payload_special_characters,
    concurrent_finalize_same_source,
    migrations_idempotent_on_reopen,
    schema_too_new,
    persons_create_assign_lookup,
    person_number_issued_once,
    merge_resolves_aliases_and_chains,
    merge_refusals,
    split_moves_only_given_records,
    unassigned_records_shrink_and_skip_invisible,
    reviews_idempotent_decided_once_labelled,
    person_events_logged,
    person_unknowns,
    concurrent_opposite_merges,
    link_records_selections_and_paging,
    block_keys_replace_count_and_find,
    link_model_stored_and_cleared,
    apply_review_merge_split_assign,
    apply_review_all_or_nothing,
    number_persons_and_add_reviews_in_batches,
    users_lifecycle,
    login_names_ignore_case,
    recovery_code_consumed_once,
    token_revoke,
    session_touch_delete,
    throttle_put_get,
    audit_chain_and_queries,
    audit_append_only_by_trigger,
    audit_concurrent_appends,
    audit_tamper_change,
    audit_tamper_change_timestamp,
    audit_tamper_delete,
    audit_tamper_swap,
    passkeys_and_ceremonies,
    dossiers_open_change_and_list,
    dossier_entries_are_versioned,
    dossier_changes_are_audited_all_or_nothing,
    dossier_of_merged_person_follows_survivor,
    dossier_unknowns_and_refusals,
    dossier_attachments_count_entry_and_withdrawal,
    dossier_rows_refuse_update_and_delete,
    dossier_attachments_concurrent_within_limit,
    fingerprints_enrol_reextract_withdraw,
    fingerprint_rows_refuse_update_and_delete,
    statistics_changes_apply_and_watermark,
    statistics_cells_upsert_zero_delete_and_page,
    statistics_record_units_by_kind,
    gcm_plan_versions_indicators_evaluations_evidence,
    gcm_incidents_sources_links_persons,
    gcm_referral_moves_in_order_and_audited,
    gcm_complaints_reference_and_status_history,
    gcm_rows_refuse_update_and_delete,
    microdata_requests_decisions_and_release,
    microdata_rows_refuse_update_and_delete,
    run_locks_one_holder_at_a_time,
);

// ---------------------------------------------------------------------------------------------
// Helpers

fn at(seconds: i64) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2025, 3, 1, 8, 0, 0)
        .unwrap()
        .checked_add_signed(chrono::Duration::seconds(seconds))
        .unwrap()
}

/// A stable 64-hex-digit stand-in for SHA-256 (FNV-1a, repeated).
fn hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}").repeat(4)
}

fn person(row: u64, record_id: &str, name: &str) -> StagedRecord {
    let payload = format!(r#"{{"given_name":"{name}","record_id":"{record_id}"}}"#);
    StagedRecord {
        row,
        kind: "person".into(),
        record_id: record_id.into(),
        hash: hash(&payload),
        payload,
    }
}

fn source(s: &dyn Store, name: &str) -> SourceId {
    s.ensure_institution(&NewInstitution {
        name: "stat-institute",
        title: "المعهد الوطني للإحصاء",
        kind: "statistics",
        created_at: at(0),
    })
    .unwrap();
    s.add_source(name, Some("stat-institute"), at(1))
        .unwrap()
        .id
}

fn begin(s: &dyn Store, src: SourceId, file: &str, when: i64) -> Submission {
    s.begin_submission(&NewSubmission {
        source_id: src,
        file_name: file,
        file_hash: &hash(file),
        file_size: 1234,
        format: "csv",
        mapping_hash: &hash(""),
        mapping_text: "",
        submitted_by: "officer-1",
        started_at: at(when),
    })
    .unwrap()
}

fn batch(records: Vec<StagedRecord>, rows_read: u64) -> Batch {
    Batch {
        records,
        rows_read,
        ..Batch::default()
    }
}

/// Begins, stages `records` in one batch and finalizes.
fn import(
    s: &dyn Store,
    src: SourceId,
    file: &str,
    when: i64,
    records: Vec<StagedRecord>,
) -> Submission {
    let sub = begin(s, src, file, when);
    let n = records.iter().map(|r| r.row).max().unwrap_or(0);
    s.stage(sub.id, &batch(records, n)).unwrap();
    s.finalize(sub.id, at(when + 1)).unwrap()
}

fn quarantined(row: u64, record_id: &str, reason: &str) -> QuarantinedRow {
    QuarantinedRow {
        row,
        raw: format!(r#"{{"record_id":"{record_id}","sex":"?"}}"#),
        keys: vec![("person".into(), record_id.into())],
        issues: vec![Issue {
            row,
            field: Some("sex".into()),
            reason: reason.into(),
        }],
    }
}

fn payload_of(s: &dyn Store, src: SourceId, id: &str) -> Option<String> {
    s.record(src, "person", id).unwrap().map(|r| r.payload)
}

fn total_records(s: &dyn Store) -> u64 {
    s.count_records().unwrap().iter().map(|k| k.records).sum()
}

// ---------------------------------------------------------------------------------------------
// Scenarios

fn institutions_and_sources(h: &Harness) {
    let s = h.store();
    let new = NewInstitution {
        name: "border-police",
        title: "Police des frontières",
        kind: "border_police",
        created_at: at(0),
    };
    let a = s.ensure_institution(&new).unwrap();
    let b = s
        .ensure_institution(&NewInstitution {
            created_at: at(5),
            ..new.clone()
        })
        .unwrap();
    assert_eq!(a, b, "ensure_institution returns the existing one");
    assert_eq!(a.title, "Police des frontières");
    assert_eq!(a.created_at, at(0));
    s.ensure_institution(&NewInstitution {
        name: "consulate-paris",
        title: "Consulat",
        kind: "consulate",
        created_at: at(1),
    })
    .unwrap();
    let names: Vec<_> = s
        .institutions()
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["border-police", "consulate-paris"]);

    let crossings = s
        .add_source("border-crossings", Some("border-police"), at(2))
        .unwrap();
    assert_eq!(crossings.institution.as_deref(), Some("border-police"));
    assert_eq!(crossings.created_at, at(2));
    let loose = s.add_source("adhoc", None, at(3)).unwrap();
    assert_eq!(loose.institution, None);
    assert!(matches!(
        s.add_source("border-crossings", None, at(4)),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.add_source("x", Some("no-such-institution"), at(4)),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.source("border-crossings").unwrap(),
        Some(crossings.clone())
    );
    assert_eq!(s.source("nope").unwrap(), None);
    let names: Vec<_> = s.sources().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["adhoc", "border-crossings"]);
}

fn first_import(h: &Harness) {
    let s = h.store();
    let src = source(s, "census");
    let sub = begin(s, src, "census.csv", 10);
    assert_eq!(sub.status, SubmissionStatus::Importing);
    assert_eq!(sub.rows_read, 0);
    assert_eq!(sub.source_name, "census");
    assert_eq!(sub.started_at, at(10));
    s.stage(
        sub.id,
        &Batch {
            records: vec![person(1, "P1", "Amina"), person(2, "P2", "Youssef")],
            quarantined: vec![quarantined(3, "P3", "unknown sex")],
            warnings: vec![Issue {
                row: 0,
                field: Some("extra".into()),
                reason: "column ignored".into(),
            }],
            rows_read: 3,
        },
    )
    .unwrap();
    s.stage(sub.id, &batch(vec![person(4, "P4", "سارة")], 4))
        .unwrap();
    let done = s.finalize(sub.id, at(20)).unwrap();
    assert_eq!(done.status, SubmissionStatus::Complete);
    assert_eq!(
        (done.accepted, done.unchanged, done.rejected, done.warnings),
        (3, 0, 1, 1)
    );
    assert_eq!(done.rows_read, 4);
    assert_eq!(done.finished_at, Some(at(20)));
    assert_eq!(s.submission(sub.id).unwrap(), done);

    let rec = s.record(src, "person", "P4").unwrap().unwrap();
    assert_eq!(rec.version, 1);
    assert_eq!(rec.payload, person(4, "P4", "سارة").payload);
    assert_eq!(rec.hash, person(4, "P4", "سارة").hash);
    assert_eq!(rec.source_id, src);
    assert_eq!(rec.source_name, "census");
    assert_eq!(rec.institution.as_deref(), Some("stat-institute"));
    assert_eq!(rec.submission_id, sub.id);
    assert_eq!(rec.file_hash, hash("census.csv"));
    assert_eq!(rec.row, 4);
    assert_eq!(rec.stored_at, at(20));
    assert_eq!(s.record(src, "person", "P3").unwrap(), None);
    assert_eq!(s.record(src, "border_crossing", "P1").unwrap(), None);
    let counts = s.count_records().unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].kind.as_str(), counts[0].records), ("person", 3));

    let report = s.report(sub.id).unwrap();
    assert_eq!(report.submission, done);
    assert_eq!(report.rejected, quarantined(3, "P3", "unknown sex").issues);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].field.as_deref(), Some("extra"));
}

fn second_import_versions_and_history(h: &Harness) {
    let s = h.store();
    let src = source(s, "labour");
    let first = import(
        s,
        src,
        "a.csv",
        10,
        vec![
            person(1, "P1", "Amina"),
            person(2, "P2", "Youssef"),
            person(3, "P3", "Omar"),
        ],
    );
    assert_eq!((first.accepted, first.unchanged), (3, 0));
    let second = import(
        s,
        src,
        "b.csv",
        20,
        vec![
            person(1, "P2", "Youssef"),
            person(2, "P1", "Amina B."),
            person(3, "P4", "Lina"),
        ],
    );
    assert_eq!((second.accepted, second.unchanged), (2, 1));
    let third = import(s, src, "c.csv", 30, vec![person(7, "P1", "Amina C.")]);
    assert_eq!((third.accepted, third.unchanged), (1, 0));

    let p1 = s.record(src, "person", "P1").unwrap().unwrap();
    assert_eq!(p1.version, 3);
    assert_eq!((p1.submission_id, p1.row), (third.id, 7));
    let history = s.record_history(src, "person", "P1").unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|v| (v.version, v.submission_id, v.row, v.stored_at))
        .collect();
    assert_eq!(
        summary,
        [
            (1, first.id, 1, at(11)),
            (2, second.id, 2, at(21)),
            (3, third.id, 7, at(31))
        ]
    );
    assert_eq!(history[0].payload, person(1, "P1", "Amina").payload);
    assert_eq!(history[1].file_hash, hash("b.csv"));

    let p2 = s.record(src, "person", "P2").unwrap().unwrap();
    assert_eq!((p2.version, p2.submission_id, p2.row), (1, first.id, 2));
    assert_eq!(s.record_history(src, "person", "P2").unwrap().len(), 1);
    assert_eq!(s.record(src, "person", "P4").unwrap().unwrap().version, 1);
    assert!(s.record_history(src, "person", "P9").unwrap().is_empty());
    assert_eq!(total_records(s), 4);

    // The same record id in another source is another record.
    let other = source(s, "consulates");
    import(s, other, "a.csv", 40, vec![person(1, "P1", "Someone else")]);
    assert_eq!(s.record(other, "person", "P1").unwrap().unwrap().version, 1);
    assert_eq!(s.record(src, "person", "P1").unwrap().unwrap().version, 3);
}

fn invisible_before_finalize(h: &Harness) {
    let s = h.store();
    let src = source(s, "police");
    import(s, src, "a.csv", 10, vec![person(1, "P1", "Amina")]);
    let sub = begin(s, src, "b.csv", 20);
    s.stage(
        sub.id,
        &batch(vec![person(1, "P1", "Changed"), person(2, "P2", "New")], 2),
    )
    .unwrap();
    assert_eq!(
        payload_of(s, src, "P1"),
        Some(person(1, "P1", "Amina").payload)
    );
    assert_eq!(s.record(src, "person", "P2").unwrap(), None);
    assert_eq!(s.record_history(src, "person", "P1").unwrap().len(), 1);
    assert!(s.record_history(src, "person", "P2").unwrap().is_empty());
    let (page, next) = s.records("person", None, 100).unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(next, None);
    assert_eq!(total_records(s), 1);

    s.finalize(sub.id, at(21)).unwrap();
    assert_eq!(
        payload_of(s, src, "P1"),
        Some(person(1, "P1", "Changed").payload)
    );
    assert_eq!(total_records(s), 2);
}

fn resume_from_checkpoint(h: &Harness) {
    let s = h.store();
    let src = source(s, "health");
    let sub = begin(s, src, "big.csv", 10);
    let (file_hash, mapping_hash) = (sub.file_hash.clone(), sub.mapping_hash.clone());
    s.stage(
        sub.id,
        &Batch {
            records: vec![person(1, "P1", "A"), person(2, "P2", "B")],
            quarantined: vec![quarantined(3, "P3", "bad")],
            warnings: vec![],
            rows_read: 3,
        },
    )
    .unwrap();

    // The importer died here; a new run finds the submission and its checkpoint.
    let found = s
        .find_submission(
            src,
            &file_hash,
            &mapping_hash,
            &[SubmissionStatus::Importing],
        )
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.rows_read), (sub.id, 3));
    assert_eq!(
        s.find_submission(
            src,
            &file_hash,
            &mapping_hash,
            &[SubmissionStatus::Complete]
        )
        .unwrap(),
        None
    );
    assert_eq!(
        s.find_submission(src, &file_hash, "other", &[SubmissionStatus::Importing])
            .unwrap(),
        None
    );
    let keys = s.staged_keys(sub.id).unwrap();
    let summary: Vec<_> = keys
        .iter()
        .map(|k| (k.kind.as_str(), k.record_id.as_str(), k.row, k.hash.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("person", "P1", 1, person(1, "P1", "A").hash),
            ("person", "P2", 2, person(2, "P2", "B").hash)
        ]
    );
    s.stage(sub.id, &batch(vec![person(4, "P4", "D")], 4))
        .unwrap();
    let done = s.finalize(sub.id, at(30)).unwrap();
    assert_eq!((done.accepted, done.rejected, done.rows_read), (3, 1, 4));
    let again = s
        .find_submission(
            src,
            &file_hash,
            &mapping_hash,
            &[SubmissionStatus::Complete, SubmissionStatus::Importing],
        )
        .unwrap()
        .unwrap();
    assert_eq!(again.id, sub.id);
    assert_eq!(again.status, SubmissionStatus::Complete);
    assert!(s.staged_keys(sub.id).unwrap().is_empty());
    assert_eq!(
        s.find_submission(src, &file_hash, &mapping_hash, &[])
            .unwrap(),
        None
    );

    // Newest first when the same file was submitted twice.
    let later = import(s, src, "big.csv", 40, vec![person(1, "P1", "A")]);
    let newest = s
        .find_submission(
            src,
            &file_hash,
            &mapping_hash,
            &[SubmissionStatus::Complete],
        )
        .unwrap()
        .unwrap();
    assert_eq!(newest.id, later.id);
}

fn fail_discards_staged(h: &Harness) {
    let s = h.store();
    let src = source(s, "border");
    import(s, src, "a.csv", 10, vec![person(1, "P1", "Amina")]);
    let sub = begin(s, src, "b.csv", 20);
    s.stage(
        sub.id,
        &Batch {
            records: vec![person(1, "P1", "Changed"), person(2, "P2", "New")],
            quarantined: vec![quarantined(3, "P3", "bad")],
            warnings: vec![Issue {
                row: 2,
                field: None,
                reason: "odd".into(),
            }],
            rows_read: 3,
        },
    )
    .unwrap();
    let failed = s.fail_submission(sub.id, "disk full", at(25)).unwrap();
    assert_eq!(failed.status, SubmissionStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("disk full"));
    assert_eq!(failed.finished_at, Some(at(25)));
    assert!(s.staged_keys(sub.id).unwrap().is_empty());
    assert_eq!(
        payload_of(s, src, "P1"),
        Some(person(1, "P1", "Amina").payload)
    );
    assert_eq!(s.record(src, "person", "P2").unwrap(), None);
    assert_eq!(s.record_history(src, "person", "P1").unwrap().len(), 1);
    assert_eq!(total_records(s), 1);
    let q = s
        .quarantine(&QuarantineFilter {
            submission: Some(sub.id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q.len(), 1, "quarantined rows stay");
    assert_eq!(s.report(sub.id).unwrap().warnings.len(), 1);
    assert!(matches!(
        s.stage(sub.id, &batch(vec![person(5, "P5", "x")], 5)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.finalize(sub.id, at(26)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.fail_submission(sub.id, "again", at(27)),
        Err(StoreError::Invalid(_))
    ));

    // A later import of the same records works normally.
    let next = import(s, src, "c.csv", 30, vec![person(1, "P1", "Changed")]);
    assert_eq!(next.accepted, 1);
    assert_eq!(s.record(src, "person", "P1").unwrap().unwrap().version, 2);
}

fn reject_discards_staged(h: &Harness) {
    let s = h.store();
    let src = source(s, "bank");
    let sub = begin(s, src, "empty.csv", 10);
    s.stage(sub.id, &batch(vec![person(1, "P1", "A")], 1))
        .unwrap();
    let rejected = s
        .reject_submission(sub.id, "missing column record_id", at(11))
        .unwrap();
    assert_eq!(rejected.status, SubmissionStatus::Rejected);
    assert_eq!(rejected.error.as_deref(), Some("missing column record_id"));
    assert_eq!(s.record(src, "person", "P1").unwrap(), None);
    assert!(s.staged_keys(sub.id).unwrap().is_empty());
    assert!(matches!(
        s.finalize(sub.id, at(12)),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.find_submission(
            src,
            &rejected.file_hash,
            &rejected.mapping_hash,
            &[SubmissionStatus::Rejected]
        )
        .unwrap()
        .map(|x| x.id),
        Some(sub.id)
    );
}

fn finalize_twice_is_invalid(h: &Harness) {
    let s = h.store();
    let src = source(s, "ministry");
    let done = import(s, src, "a.csv", 10, vec![person(1, "P1", "A")]);
    assert!(matches!(
        s.finalize(done.id, at(50)),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.submission(done.id).unwrap(), done);
    assert_eq!(s.record(src, "person", "P1").unwrap().unwrap().version, 1);
    assert!(matches!(
        s.stage(done.id, &batch(vec![person(2, "P2", "B")], 2)),
        Err(StoreError::Invalid(_))
    ));
}

fn quarantine_correct_resolve_dismiss(h: &Harness) {
    let s = h.store();
    let src = source(s, "consulate");
    let other = source(s, "elsewhere");
    let first = begin(s, src, "a.csv", 10);
    s.stage(
        first.id,
        &Batch {
            records: vec![person(1, "P1", "A")],
            quarantined: vec![
                quarantined(2, "P2", "bad sex"),
                quarantined(3, "P3", "bad date"),
                QuarantinedRow {
                    row: 4,
                    raw: r#"{"_line":"garbage"}"#.into(),
                    keys: vec![],
                    issues: vec![
                        Issue {
                            row: 4,
                            field: None,
                            reason: "wrong column count".into(),
                        },
                        Issue {
                            row: 4,
                            field: Some("x".into()),
                            reason: "second".into(),
                        },
                    ],
                },
                // A duplicate of P1 in the same file: not resolved by its own submission.
                quarantined(5, "P1", "duplicate"),
            ],
            warnings: vec![],
            rows_read: 5,
        },
    )
    .unwrap();
    let first = s.finalize(first.id, at(11)).unwrap();
    assert_eq!((first.accepted, first.rejected), (1, 4));
    let report = s.report(first.id).unwrap();
    assert_eq!(report.rejected.len(), 5, "one issue per problem");
    assert_eq!(report.rejected[2].reason, "wrong column count");
    let open = s
        .quarantine(&QuarantineFilter {
            source: Some(src),
            status: Some(QuarantineStatus::Open),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(open.len(), 4);
    assert!(open.iter().all(|e| e.status == QuarantineStatus::Open
        && e.submission_id == first.id
        && e.source_name == "consulate"
        && e.created_at == at(10)
        && e.resolved_by.is_none()));
    let p2 = open.iter().find(|e| e.row == 2).unwrap().clone();
    assert_eq!(p2.keys, vec![("person".to_owned(), "P2".to_owned())]);
    assert_eq!(p2.issues, quarantined(2, "P2", "bad sex").issues);

    // Correct P2: the raw row is kept.
    let corrected = r#"{"record_id":"P2","sex":"F"}"#;
    s.correct_quarantine(p2.id, corrected).unwrap();
    let p2 = s.quarantine_entry(p2.id).unwrap();
    assert_eq!(p2.corrected.as_deref(), Some(corrected));
    assert_eq!(p2.raw, quarantined(2, "P2", "bad sex").raw);
    assert_eq!(p2.status, QuarantineStatus::Open);

    // Another source accepting P2 resolves nothing here.
    import(s, other, "x.csv", 15, vec![person(1, "P2", "B")]);
    assert_eq!(
        s.quarantine_entry(p2.id).unwrap().status,
        QuarantineStatus::Open
    );

    // Resubmitting the corrected row resolves the entry, and only it.
    let fix = import(s, src, "fix.csv", 20, vec![person(1, "P2", "B")]);
    let p2 = s.quarantine_entry(p2.id).unwrap();
    assert_eq!(p2.status, QuarantineStatus::Resolved);
    assert_eq!(p2.resolved_by, Some(fix.id));
    let still_open = s
        .quarantine(&QuarantineFilter {
            source: Some(src),
            status: Some(QuarantineStatus::Open),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        still_open.iter().map(|e| e.row).collect::<Vec<_>>(),
        [3, 4, 5]
    );

    // Dismiss one; it is kept.
    let p3 = still_open[0].id;
    s.set_quarantine_status(p3, QuarantineStatus::Dismissed, None)
        .unwrap();
    let p3 = s.quarantine_entry(p3).unwrap();
    assert_eq!(p3.status, QuarantineStatus::Dismissed);
    // A dismissed entry is not resolved by a later import of its key.
    import(s, src, "late.csv", 30, vec![person(1, "P3", "C")]);
    assert_eq!(
        s.quarantine_entry(p3.id).unwrap().status,
        QuarantineStatus::Dismissed
    );
    // Manual resolution by a named submission.
    let line = still_open[1].id;
    s.set_quarantine_status(line, QuarantineStatus::Resolved, Some(fix.id))
        .unwrap();
    assert_eq!(s.quarantine_entry(line).unwrap().resolved_by, Some(fix.id));
    assert!(matches!(
        s.set_quarantine_status(
            line,
            QuarantineStatus::Resolved,
            Some(SubmissionId(987_654))
        ),
        Err(StoreError::NotFound { .. })
    ));
    let all = s
        .quarantine(&QuarantineFilter {
            submission: Some(first.id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 4, "nothing is deleted");
    // Quarantine rows created by the same submission that accepted P1 stay open.
    assert_eq!(
        all.iter().find(|e| e.row == 5).unwrap().status,
        QuarantineStatus::Open
    );
}

fn unchanged_correction_resolves(h: &Harness) {
    // A corrected row equal to what is already stored counts as unchanged and still resolves
    // the entry: the record's right content is in the store.
    let s = h.store();
    let src = source(s, "anti-trafficking");
    import(s, src, "a.csv", 10, vec![person(1, "P1", "A")]);
    let bad = begin(s, src, "b.csv", 20);
    s.stage(
        bad.id,
        &Batch {
            quarantined: vec![quarantined(1, "P1", "bad")],
            rows_read: 1,
            ..Batch::default()
        },
    )
    .unwrap();
    s.finalize(bad.id, at(21)).unwrap();
    let entry = s
        .quarantine(&QuarantineFilter {
            submission: Some(bad.id),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    let fix = import(s, src, "c.csv", 30, vec![person(1, "P1", "A")]);
    assert_eq!((fix.accepted, fix.unchanged), (0, 1));
    let entry = s.quarantine_entry(entry.id).unwrap();
    assert_eq!(entry.status, QuarantineStatus::Resolved);
    assert_eq!(entry.resolved_by, Some(fix.id));
    assert_eq!(s.record(src, "person", "P1").unwrap().unwrap().version, 1);
}

fn paging_records(h: &Harness) {
    let s = h.store();
    let src = source(s, "registry");
    let mut records: Vec<_> = (1..=25)
        .map(|i| person(i, &format!("R{i:03}"), &format!("name {i}")))
        .collect();
    records.push(StagedRecord {
        row: 26,
        kind: "border_crossing".into(),
        record_id: "X1".into(),
        payload: "{}".into(),
        hash: hash("{}"),
    });
    import(s, src, "a.csv", 10, records);
    // A new version must not move a record within the order.
    import(s, src, "b.csv", 20, vec![person(1, "R005", "renamed")]);

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let (page, next) = s.records("person", cursor, 10).unwrap();
        pages += 1;
        assert!(page.len() <= 10);
        seen.extend(page.into_iter().map(|r| (r.record_id, r.version)));
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let mut ids: Vec<_> = seen.iter().map(|(id, _)| id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 25);
    assert!(seen.contains(&("R005".to_owned(), 2)));
    let (page, next) = s.records("person", None, 25).unwrap();
    assert_eq!((page.len(), next), (25, None));
    let (page, next) = s.records("border_crossing", None, 10).unwrap();
    assert_eq!((page.len(), next), (1, None));
    assert_eq!(page[0].kind, "border_crossing");
    let (page, next) = s.records("nothing", None, 10).unwrap();
    assert!(page.is_empty() && next.is_none());
    let counts: Vec<_> = s
        .count_records()
        .unwrap()
        .into_iter()
        .map(|k| (k.kind, k.records))
        .collect();
    assert_eq!(
        counts,
        [("border_crossing".to_owned(), 1), ("person".to_owned(), 25)]
    );
}

fn paging_quarantine(h: &Harness) {
    let s = h.store();
    let src = source(s, "education");
    let sub = begin(s, src, "a.csv", 10);
    s.stage(
        sub.id,
        &Batch {
            quarantined: (1..=12)
                .map(|i| quarantined(i, &format!("Q{i}"), "bad"))
                .collect(),
            rows_read: 12,
            ..Batch::default()
        },
    )
    .unwrap();
    s.finalize(sub.id, at(11)).unwrap();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .quarantine(&QuarantineFilter {
                source: Some(src),
                after,
                limit: Some(5),
                ..Default::default()
            })
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 5);
        after = page.last().map(|e| e.id);
        rows.extend(page.into_iter().map(|e| e.row));
    }
    assert_eq!(rows, (1..=12).collect::<Vec<_>>());
    let default_page = s.quarantine(&QuarantineFilter::default()).unwrap();
    assert_eq!(default_page.len(), 12);
    let none = s
        .quarantine(&QuarantineFilter {
            status: Some(QuarantineStatus::Resolved),
            ..Default::default()
        })
        .unwrap();
    assert!(none.is_empty());
    let other_source = s
        .quarantine(&QuarantineFilter {
            source: Some(SourceId(src.0 + 1000)),
            ..Default::default()
        })
        .unwrap();
    assert!(other_source.is_empty());
}

fn submissions_listing(h: &Harness) {
    let s = h.store();
    let a = source(s, "a");
    let b = s.add_source("b", None, at(2)).unwrap().id;
    let s1 = begin(s, a, "1.csv", 10);
    let s2 = begin(s, b, "2.csv", 11);
    let s3 = s
        .begin_submission(&NewSubmission {
            source_id: a,
            file_name: "3.xlsx",
            file_hash: &hash("3"),
            file_size: 99,
            format: "xlsx",
            mapping_hash: &hash("mapping"),
            mapping_text: "[columns]\nrecord_id = \"ID\"\n",
            submitted_by: "token:ministry",
            started_at: at(12),
        })
        .unwrap();
    assert_eq!((s3.format.as_str(), s3.file_size), ("xlsx", 99));
    let all: Vec<_> = s
        .submissions(None, 10)
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(all, [s3.id, s2.id, s1.id]);
    let of_a: Vec<_> = s
        .submissions(Some(a), 10)
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(of_a, [s3.id, s1.id]);
    assert_eq!(s.submissions(None, 1).unwrap().len(), 1);
    assert_eq!(
        s.submission_mapping(s3.id).unwrap(),
        "[columns]\nrecord_id = \"ID\"\n"
    );
    assert_eq!(s.submission_mapping(s1.id).unwrap(), "");
}

fn unknown_ids(h: &Harness) {
    let s = h.store();
    let nf = |r: marsad_store::Result<()>| {
        assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}")
    };
    let missing = SubmissionId(424_242);
    nf(s.submission(missing).map(drop));
    nf(s.submission_mapping(missing).map(drop));
    nf(s.report(missing).map(drop));
    nf(s.stage(missing, &Batch::default()));
    nf(s.finalize(missing, at(1)).map(drop));
    nf(s.fail_submission(missing, "x", at(1)).map(drop));
    nf(s.reject_submission(missing, "x", at(1)).map(drop));
    nf(s.staged_keys(missing).map(drop));
    nf(s.quarantine_entry(marsad_store::QuarantineId(5)).map(drop));
    nf(s.correct_quarantine(marsad_store::QuarantineId(5), "{}"));
    nf(s.set_quarantine_status(
        marsad_store::QuarantineId(5),
        QuarantineStatus::Dismissed,
        None,
    ));
    nf(s.begin_submission(&NewSubmission {
        source_id: SourceId(777),
        file_name: "f",
        file_hash: "h",
        file_size: 0,
        format: "csv",
        mapping_hash: "m",
        mapping_text: "",
        submitted_by: "me",
        started_at: at(0),
    })
    .map(drop));
    // Errors say what failed without driver detail.
    let err = s.submission(missing).unwrap_err().to_string();
    assert_eq!(err, "submission 424242 not found");
}

fn payload_special_characters(h: &Harness) {
    let s = h.store();
    let src = source(s, "special");
    let nasty = "tab\there\nnewline\r\\backslash \\N null \u{0}?".replace('\u{0}', "")
        + " محمد عبد الله — Ünïcode 😀";
    let payload = serde_json::json!({ "given_name": nasty, "note": "a\tb" }).to_string();
    let raw_payload = format!("{{\"x\":\"{}\"}}", "line1\nline2\t\\");
    let records = vec![
        StagedRecord {
            row: 1,
            kind: "person".into(),
            record_id: "ID\twith\\odd\nchars".into(),
            hash: hash(&payload),
            payload: payload.clone(),
        },
        StagedRecord {
            row: 2,
            kind: "person".into(),
            record_id: "\\N".into(),
            hash: hash(&raw_payload),
            payload: raw_payload.clone(),
        },
    ];
    import(s, src, "a.csv", 10, records);
    let got = s
        .record(src, "person", "ID\twith\\odd\nchars")
        .unwrap()
        .unwrap();
    assert_eq!(got.payload, payload);
    let got = s.record(src, "person", "\\N").unwrap().unwrap();
    assert_eq!(got.payload, raw_payload);
    let unchanged = import(
        s,
        src,
        "b.csv",
        20,
        vec![StagedRecord {
            row: 1,
            kind: "person".into(),
            record_id: "\\N".into(),
            hash: hash(&raw_payload),
            payload: raw_payload.clone(),
        }],
    );
    assert_eq!(unchanged.unchanged, 1);
}

fn concurrent_finalize_same_source(h: &Harness) {
    let s = h.store();
    let src = source(s, "shared");
    import(s, src, "base.csv", 10, vec![person(1, "P1", "base")]);
    let subs: Vec<_> = (0..4)
        .map(|i| {
            let sub = begin(s, src, &format!("c{i}.csv"), 20 + i);
            s.stage(
                sub.id,
                &batch(
                    vec![
                        person(1, "P1", &format!("change {i}")),
                        person(2, &format!("N{i}"), "new"),
                    ],
                    2,
                ),
            )
            .unwrap();
            sub.id
        })
        .collect();
    std::thread::scope(|scope| {
        for (i, id) in subs.iter().enumerate() {
            scope.spawn(move || {
                let done = s.finalize(*id, at(100 + i as i64)).unwrap();
                assert_eq!(done.accepted, 2);
            });
        }
    });
    let history = s.record_history(src, "person", "P1").unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let current = s.record(src, "person", "P1").unwrap().unwrap();
    assert_eq!(current.version, 5);
    assert_eq!(current.submission_id, history[4].submission_id);
    assert_eq!(total_records(s), 5);
}

fn migrations_idempotent_on_reopen(h: &Harness) {
    let s = h.store();
    let version = s.schema_version().unwrap();
    assert!(version >= 1);
    let src = source(s, "kept");
    import(s, src, "a.csv", 10, vec![person(1, "P1", "A")]);
    for _ in 0..2 {
        let again = h.reopen().unwrap();
        assert_eq!(again.schema_version().unwrap(), version);
        assert_eq!(
            again.record(src, "person", "P1").unwrap().unwrap().payload,
            person(1, "P1", "A").payload
        );
    }
}

fn schema_too_new(h: &Harness) {
    let supported = h.store().schema_version().unwrap();
    h.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    match h.reopen() {
        Err(StoreError::SchemaTooNew {
            found,
            supported: s,
        }) => {
            assert_eq!((found, s), (999, supported));
        }
        Err(other) => panic!("expected SchemaTooNew, got {other:?}"),
        Ok(_) => panic!("expected SchemaTooNew, the store opened"),
    }
}

#[test]
fn database_url_rewriting() {
    assert_eq!(
        with_database("postgres://u@h:1/postgres", "x"),
        "postgres://u@h:1/x"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/postgres?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

/// Throughput of stage + finalize, for comparing with the engine's raw limit. Run with
/// `MARSAD_BENCH_ROWS=1000000 cargo test -p marsad-store --release --test conformance -- --ignored
/// --nocapture bench_` (PostgreSQL too when `MARSAD_TEST_DATABASE_URL` is set).
#[test]
#[ignore = "benchmark"]
fn bench_import_throughput() {
    let rows: u64 = std::env::var("MARSAD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut harnesses = vec![Harness::sqlite()];
    harnesses.extend(Harness::postgres());
    for h in &harnesses {
        let s = h.store();
        let src = source(s, "bench");
        let make = |i: u64, generation: u64| {
            let payload = serde_json::json!({
                "address": format!("{} rue de la République", i % 300),
                "birth_date": format!("19{:02}-{:02}-{:02}", i % 100, i % 12 + 1, i % 28 + 1),
                "birth_place": "Sfax",
                "document_number": format!("X{:09}", i * 7 + generation),
                "document_type": "passport",
                "family_name": format!("Ben Salah {}", i % 997),
                "father_name": "Mohamed",
                "given_name": format!("Amina {}", i % 1009),
                "locality": "Tunis",
                "mother_name": "Fatma",
                "nationality": "TUN",
                "phone": format!("+216{:08}", i),
                "postcode": "1000",
                "record_id": format!("TN{i:09}"),
                "sex": if i % 2 == 1 { "M" } else { "F" },
                "source": "bench",
            })
            .to_string();
            StagedRecord {
                row: i,
                kind: "person".into(),
                record_id: format!("TN{i:09}"),
                hash: hash(&payload),
                payload,
            }
        };
        for (generation, label) in [(0, "first import"), (1, "re-import, 10% changed")] {
            let sub = begin(
                s,
                src,
                &format!("bench-{generation}.csv"),
                10 + generation as i64,
            );
            let started = std::time::Instant::now();
            let mut staging = std::time::Duration::ZERO;
            let mut staging_cpu = std::time::Duration::ZERO;
            let mut i = 1;
            while i <= rows {
                let end = (i + 10_000).min(rows + 1);
                let records: Vec<_> = (i..end)
                    .map(|r| make(r, if r % 10 != 0 { 0 } else { generation }))
                    .collect();
                let (t, c) = (std::time::Instant::now(), thread_cpu());
                s.stage(sub.id, &batch(records, end - 1)).unwrap();
                staging += t.elapsed();
                staging_cpu += thread_cpu() - c;
                i = end;
            }
            let (t, c) = (std::time::Instant::now(), thread_cpu());
            let done = s.finalize(sub.id, at(100)).unwrap();
            let finalizing = t.elapsed();
            let finalizing_cpu = thread_cpu() - c;
            println!(
                "{} {label}: {rows} rows, stage {:.2}s (cpu {:.2}s), finalize {:.2}s (cpu {:.2}s), \
                 store total {:.2}s ({:.0} rows/s; wall incl. generation {:.2}s); accepted {} \
                 unchanged {}",
                s.backend(),
                staging.as_secs_f64(),
                staging_cpu.as_secs_f64(),
                finalizing.as_secs_f64(),
                finalizing_cpu.as_secs_f64(),
                (staging + finalizing).as_secs_f64(),
                rows as f64 / (staging + finalizing).as_secs_f64(),
                started.elapsed().as_secs_f64(),
                done.accepted,
                done.unchanged,
            );
        }
    }
}

/// CPU time of the calling thread (Linux; zero elsewhere), which shared machines disturb less than
/// wall time. Client-side only: for PostgreSQL the server's work shows in wall time.
fn thread_cpu() -> std::time::Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_nanos)
}

// ---------------------------------------------------------------------------------------------
// Persons (unified numbers) and clerical review

const N1: PersonNumber = PersonNumber(1234_5678_9012);
const N2: PersonNumber = PersonNumber(5555_0000_1111);
const N3: PersonNumber = PersonNumber(9000_0000_0007);
const N4: PersonNumber = PersonNumber(4242_4242_4242);

fn key(src: SourceId, id: &str) -> RecordKey {
    RecordKey::new(src, "person", id)
}

/// A source `census` with person records P1..=Pn, visible.
fn people(s: &dyn Store, n: u64) -> SourceId {
    let src = source(s, "census");
    let records = (1..=n)
        .map(|i| person(i, &format!("P{i}"), &format!("N{i}")))
        .collect();
    import(s, src, "people.csv", 10, records);
    src
}

fn conflict<T: std::fmt::Debug>(r: marsad_store::Result<T>) {
    assert!(
        matches!(r, Err(StoreError::Conflict { .. })),
        "expected Conflict, got {r:?}"
    );
}

fn invalid<T: std::fmt::Debug>(r: marsad_store::Result<T>) {
    assert!(
        matches!(r, Err(StoreError::Invalid(_))),
        "expected Invalid, got {r:?}"
    );
}

fn not_found<T: std::fmt::Debug>(r: marsad_store::Result<T>) {
    assert!(
        matches!(r, Err(StoreError::NotFound { .. })),
        "expected NotFound, got {r:?}"
    );
}

fn persons_create_assign_lookup(h: &Harness) {
    let s = h.store();
    let src = people(s, 3);
    s.create_person(N1, "link", at(100)).unwrap();
    let p = s.person(N1).unwrap();
    assert_eq!(
        (
            p.number,
            p.status,
            p.merged_into,
            p.created_at,
            p.created_by.as_str()
        ),
        (N1, PersonStatus::Active, None, at(100), "link")
    );
    assert_eq!(s.person_records(N1).unwrap(), vec![]);
    let changed = s
        .assign_records(
            N1,
            &[key(src, "P2"), key(src, "P1")],
            "link",
            Some(12.5),
            at(101),
        )
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
    assert_eq!(s.person_of(&key(src, "P3")).unwrap(), None);
    assert_eq!(
        s.person_records(N1).unwrap(),
        vec![key(src, "P1"), key(src, "P2")]
    );
    assert_eq!(s.resolve_number(N1).unwrap(), N1);
    // Assigning again changes nothing.
    assert_eq!(
        s.assign_records(N1, &[key(src, "P1")], "link", None, at(102))
            .unwrap(),
        0
    );
    // Reassignment: a record belongs to one person at a time.
    s.create_person(N2, "link", at(103)).unwrap();
    assert_eq!(
        s.assign_records(
            N2,
            &[key(src, "P2"), key(src, "P3")],
            "clerk-1",
            None,
            at(104)
        )
        .unwrap(),
        2
    );
    assert_eq!(s.person_records(N1).unwrap(), vec![key(src, "P1")]);
    assert_eq!(
        s.person_records(N2).unwrap(),
        vec![key(src, "P2"), key(src, "P3")]
    );
    let events = s.person_events(N1).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, PersonAction::Assign);
    assert_eq!(last.numbers, vec![N2, N1], "target first, then where from");
    assert_eq!(last.records, vec![key(src, "P2"), key(src, "P3")]);
    assert_eq!(last.actor, "clerk-1");
    // A record that is not visible cannot be assigned; nothing of the call is kept.
    not_found(s.assign_records(N1, &[key(src, "P3"), key(src, "P9")], "link", None, at(105)));
    assert_eq!(s.person_of(&key(src, "P3")).unwrap(), Some(N2));
    invalid(s.assign_records(N1, &[key(src, "P3")], "link", Some(f64::NAN), at(105)));
    // Kept across a reopen.
    let again = h.reopen().unwrap();
    assert_eq!(again.person_of(&key(src, "P1")).unwrap(), Some(N1));
}

fn person_number_issued_once(h: &Harness) {
    let s = h.store();
    let src = people(s, 2);
    s.create_person(N1, "link", at(100)).unwrap();
    conflict(s.create_person(N1, "link", at(101)));
    // Still issued after a merge: a merged number is never handed out again.
    s.create_person(N2, "link", at(102)).unwrap();
    s.assign_records(N2, &[key(src, "P1")], "link", None, at(103))
        .unwrap();
    s.merge_persons(N1, N2, "clerk-1", "same person", at(104))
        .unwrap();
    conflict(s.create_person(N2, "link", at(105)));
    // A split onto a number already issued is refused and changes nothing.
    conflict(s.split_person(N1, &[key(src, "P1")], N2, "clerk-1", "twins", at(106)));
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
    invalid(s.create_person(PersonNumber(u64::MAX), "link", at(107)));
}

fn merge_resolves_aliases_and_chains(h: &Harness) {
    let s = h.store();
    let src = people(s, 6);
    for (n, ids) in [(N1, ["P1", "P2"]), (N2, ["P3", "P4"]), (N3, ["P5", "P6"])] {
        s.create_person(n, "link", at(100)).unwrap();
        let keys: Vec<_> = ids.iter().map(|id| key(src, id)).collect();
        s.assign_records(n, &keys, "link", Some(20.0), at(101))
            .unwrap();
    }
    s.merge_persons(N1, N2, "clerk-1", "same passport", at(110))
        .unwrap();
    assert_eq!(s.resolve_number(N2).unwrap(), N1);
    assert_eq!(s.person(N2).unwrap().status, PersonStatus::Merged);
    assert_eq!(s.person(N2).unwrap().merged_into, Some(N1));
    assert_eq!(s.person_of(&key(src, "P3")).unwrap(), Some(N1));
    let four: Vec<_> = ["P1", "P2", "P3", "P4"]
        .iter()
        .map(|i| key(src, i))
        .collect();
    assert_eq!(s.person_records(N1).unwrap(), four);
    assert_eq!(
        s.person_records(N2).unwrap(),
        four,
        "an alias answers for the survivor"
    );
    // Chain: N1 (holding N2) merges into N3; both old numbers resolve to N3.
    s.merge_persons(N3, N1, "clerk-2", "same fingerprints", at(120))
        .unwrap();
    assert_eq!(s.resolve_number(N1).unwrap(), N3);
    assert_eq!(s.resolve_number(N2).unwrap(), N3);
    assert_eq!(s.resolve_number(N3).unwrap(), N3);
    assert_eq!(s.person_records(N2).unwrap().len(), 6);
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N3));
    // Assigning to an alias assigns to its survivor.
    let src2 = source(s, "border");
    import(s, src2, "crossings.csv", 130, vec![person(1, "B1", "X")]);
    s.assign_records(N2, &[key(src2, "B1")], "link", None, at(131))
        .unwrap();
    assert_eq!(s.person_of(&key(src2, "B1")).unwrap(), Some(N3));
}

fn merge_refusals(h: &Harness) {
    let s = h.store();
    let src = people(s, 2);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(100)).unwrap();
    s.create_person(N3, "link", at(100)).unwrap();
    s.assign_records(N2, &[key(src, "P1")], "link", None, at(101))
        .unwrap();
    invalid(s.merge_persons(N1, N1, "clerk-1", "oops", at(102)));
    not_found(s.merge_persons(N1, N4, "clerk-1", "unknown", at(102)));
    not_found(s.merge_persons(N4, N1, "clerk-1", "unknown", at(102)));
    s.merge_persons(N1, N2, "clerk-1", "same", at(103)).unwrap();
    // Into a merged number, or a merged number again: refused, nothing changes.
    invalid(s.merge_persons(N2, N3, "clerk-1", "into alias", at(104)));
    invalid(s.merge_persons(N3, N2, "clerk-1", "alias again", at(104)));
    assert_eq!(s.resolve_number(N3).unwrap(), N3);
    assert_eq!(s.resolve_number(N2).unwrap(), N1);
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
}

fn split_moves_only_given_records(h: &Harness) {
    let s = h.store();
    let src = people(s, 4);
    let all: Vec<_> = ["P1", "P2", "P3", "P4"]
        .iter()
        .map(|i| key(src, i))
        .collect();
    s.create_person(N1, "link", at(100)).unwrap();
    s.assign_records(N1, &all, "link", Some(9.0), at(101))
        .unwrap();
    s.split_person(
        N1,
        &[key(src, "P3"), key(src, "P4"), key(src, "P3")],
        N2,
        "clerk-1",
        "twins",
        at(110),
    )
    .unwrap();
    assert_eq!(s.person(N2).unwrap().status, PersonStatus::Active);
    assert_eq!(s.person_records(N1).unwrap(), all[..2].to_vec());
    assert_eq!(s.person_records(N2).unwrap(), all[2..].to_vec());
    assert_eq!(s.resolve_number(N2).unwrap(), N2);
    // Refusals leave everything as it was (and issue no number).
    invalid(s.split_person(N1, &[], N3, "clerk-1", "nothing", at(111)));
    invalid(s.split_person(
        N1,
        &[key(src, "P1"), key(src, "P3")],
        N3,
        "clerk-1",
        "not N1's",
        at(111),
    ));
    not_found(s.person(N3));
    assert_eq!(s.person_records(N1).unwrap(), all[..2].to_vec());
    not_found(s.split_person(N4, &[key(src, "P1")], N3, "clerk-1", "unknown", at(111)));
}

fn unassigned_records_shrink_and_skip_invisible(h: &Harness) {
    let s = h.store();
    let src = people(s, 5);
    // Staged but not finalized: invisible, never offered to the linker.
    let pending = begin(s, src, "pending.csv", 20);
    s.stage(pending.id, &batch(vec![person(1, "Q1", "Hidden")], 1))
        .unwrap();
    let ids = |s: &dyn Store, after, limit| {
        let (page, next) = s.unassigned_records("person", after, limit).unwrap();
        (
            page.into_iter().map(|r| r.record_id).collect::<Vec<_>>(),
            next,
        )
    };
    let (all, next) = ids(s, None, 100);
    assert_eq!(all, ["P1", "P2", "P3", "P4", "P5"]);
    assert_eq!(next, None);
    let (first, next) = ids(s, None, 2);
    assert_eq!(first, ["P1", "P2"]);
    let (second, _) = ids(s, next, 2);
    assert_eq!(second, ["P3", "P4"]);
    s.create_person(N1, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P2"), key(src, "P4")], "link", None, at(101))
        .unwrap();
    assert_eq!(ids(s, None, 100).0, ["P1", "P3", "P5"]);
    assert!(s
        .unassigned_records("border_crossing", None, 100)
        .unwrap()
        .0
        .is_empty());
    // Once finalized, the new record is offered.
    s.finalize(pending.id, at(200)).unwrap();
    assert_eq!(ids(s, None, 100).0, ["P1", "P3", "P5", "Q1"]);
    let first = s.unassigned_records("person", None, 1).unwrap();
    assert_eq!(first.0[0].payload, person(1, "P1", "N1").payload);
    assert!(s
        .unassigned_records("person", None, 0)
        .unwrap()
        .0
        .is_empty());
}

fn reviews_idempotent_decided_once_labelled(h: &Harness) {
    let s = h.store();
    let src = people(s, 4);
    let explanation = r#"{"given_name":4.5,"birth_date":-1.25}"#;
    let a = s
        .add_review(&key(src, "P2"), &key(src, "P1"), 3.5, explanation, at(100))
        .unwrap();
    let again = s
        .add_review(&key(src, "P1"), &key(src, "P2"), 9.0, "{}", at(101))
        .unwrap();
    assert_eq!(a, again, "one review per unordered pair");
    let b = s
        .add_review(&key(src, "P3"), &key(src, "P4"), -1.0, "{}", at(102))
        .unwrap();
    assert_ne!(a, b);
    let r = s.review(a).unwrap();
    assert_eq!(
        (r.left.clone(), r.right.clone()),
        (key(src, "P1"), key(src, "P2"))
    );
    assert_eq!(r.weight, 3.5);
    assert_eq!(r.explanation, explanation);
    assert_eq!(r.status, ReviewStatus::Open);
    assert_eq!(
        (r.created_at, r.decided_by, r.decided_at),
        (at(100), None, None)
    );
    invalid(s.add_review(&key(src, "P1"), &key(src, "P1"), 1.0, "{}", at(103)));
    invalid(s.add_review(
        &key(src, "P1"),
        &key(src, "P3"),
        f64::INFINITY,
        "{}",
        at(103),
    ));
    invalid(s.add_review(&key(src, "P1"), &key(src, "P3"), 1.0, "not json", at(103)));

    let open: Vec<ReviewId> = s
        .reviews(Some(ReviewStatus::Open), None, 100)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(open, [a, b]);
    assert_eq!(s.reviews(None, Some(a), 100).unwrap()[0].id, b);
    assert_eq!(s.reviews(None, None, 1).unwrap().len(), 1);
    assert!(s.review_labels().unwrap().is_empty());

    let decided = s.decide_review(a, true, "clerk-1", at(110)).unwrap();
    assert_eq!(decided.status, ReviewStatus::Accepted);
    assert_eq!(decided.decided_by.as_deref(), Some("clerk-1"));
    assert_eq!(decided.decided_at, Some(at(110)));
    conflict(s.decide_review(a, false, "clerk-2", at(111)));
    assert_eq!(s.review(a).unwrap().status, ReviewStatus::Accepted);
    s.decide_review(b, false, "clerk-2", at(112)).unwrap();
    assert!(s
        .reviews(Some(ReviewStatus::Open), None, 100)
        .unwrap()
        .is_empty());
    assert_eq!(
        s.reviews(Some(ReviewStatus::Rejected), None, 100).unwrap()[0].id,
        b
    );
    assert_eq!(
        s.review_labels().unwrap(),
        vec![
            (key(src, "P1"), key(src, "P2"), true),
            (key(src, "P3"), key(src, "P4"), false),
        ]
    );
    not_found(s.review(ReviewId(999)));
    not_found(s.decide_review(ReviewId(999), true, "clerk-1", at(113)));
}

fn person_events_logged(h: &Harness) {
    let s = h.store();
    let src = people(s, 3);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(101)).unwrap();
    s.assign_records(N1, &[key(src, "P1")], "link", Some(7.0), at(102))
        .unwrap();
    s.assign_records(N2, &[key(src, "P2"), key(src, "P3")], "link", None, at(103))
        .unwrap();
    s.merge_persons(N1, N2, "clerk-1", "same person", at(110))
        .unwrap();
    s.split_person(N1, &[key(src, "P3")], N3, "clerk-2", "brother", at(120))
        .unwrap();
    let review = s
        .add_review(&key(src, "P1"), &key(src, "P3"), 2.0, "{}", at(125))
        .unwrap();
    s.decide_review(review, false, "clerk-3", at(130)).unwrap();

    let events = s.person_events(N1).unwrap();
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.action, e.numbers.clone(), e.actor.as_str(), e.at))
        .collect();
    assert_eq!(
        summary,
        vec![
            (PersonAction::Create, vec![N1], "link", at(100)),
            (PersonAction::Create, vec![N2], "link", at(101)),
            (PersonAction::Assign, vec![N1], "link", at(102)),
            (PersonAction::Assign, vec![N2], "link", at(103)),
            (PersonAction::Merge, vec![N1, N2], "clerk-1", at(110)),
            (PersonAction::Split, vec![N1, N3], "clerk-2", at(120)),
            (PersonAction::Review, vec![N1, N3], "clerk-3", at(130)),
        ]
    );
    let merge = &events[4];
    assert_eq!(merge.records, vec![key(src, "P2"), key(src, "P3")]);
    assert_eq!(merge.reason.as_deref(), Some("same person"));
    let split = &events[5];
    assert_eq!(split.records, vec![key(src, "P3")]);
    assert_eq!(split.reason.as_deref(), Some("brother"));
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    // Asking through the alias gives the survivor's log.
    assert_eq!(s.person_events(N2).unwrap(), events);
    let n3: Vec<_> = s
        .person_events(N3)
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(n3, [PersonAction::Split, PersonAction::Review]);
}

fn person_unknowns(h: &Harness) {
    let s = h.store();
    let src = people(s, 1);
    not_found(s.person(N1));
    not_found(s.resolve_number(N1));
    not_found(s.person_records(N1));
    not_found(s.person_events(N1));
    not_found(s.assign_records(N1, &[key(src, "P1")], "link", None, at(100)));
    assert_eq!(s.person_of(&key(src, "P9")).unwrap(), None);
}

fn concurrent_opposite_merges(h: &Harness) {
    let s = h.store();
    let src = people(s, 2);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P1")], "link", None, at(101))
        .unwrap();
    s.assign_records(N2, &[key(src, "P2")], "link", None, at(101))
        .unwrap();
    // Two clerks merge the same pair in opposite directions at once: one wins, the other is
    // refused, and the records end with the survivor.
    let outcomes: Vec<bool> = std::thread::scope(|scope| {
        let a = scope.spawn(|| s.merge_persons(N1, N2, "clerk-1", "a", at(110)));
        let b = scope.spawn(|| s.merge_persons(N2, N1, "clerk-2", "b", at(110)));
        [a.join().unwrap(), b.join().unwrap()]
            .into_iter()
            .map(|r| match r {
                Ok(()) => true,
                Err(StoreError::Invalid(_)) => false,
                Err(other) => panic!("unexpected {other:?}"),
            })
            .collect()
    });
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1);
    let survivor = if outcomes[0] { N1 } else { N2 };
    assert_eq!(s.resolve_number(N1).unwrap(), survivor);
    assert_eq!(s.resolve_number(N2).unwrap(), survivor);
    assert_eq!(s.person_records(survivor).unwrap().len(), 2);
}

/// Record ids of a `link_records` page, with their persons.
fn link_ids(
    s: &dyn Store,
    selection: LinkSelection,
    after: Option<i64>,
    limit: u32,
) -> (Vec<(String, Option<PersonNumber>)>, Option<i64>) {
    let (page, next) = s.link_records("person", selection, after, limit).unwrap();
    (
        page.into_iter()
            .map(|r| (r.key.record_id, r.person))
            .collect(),
        next,
    )
}

fn handle(s: &dyn Store, id: &str) -> (RecordHandle, u32) {
    let (page, _) = s
        .link_records("person", LinkSelection::All, None, 1000)
        .unwrap();
    let r = page.into_iter().find(|r| r.key.record_id == id).unwrap();
    (r.handle, r.version)
}

fn blocks(s: &dyn Store, id: &str, keys: &[u64]) -> RecordBlocks {
    let (handle, version) = handle(s, id);
    RecordBlocks {
        handle,
        version,
        keys: keys.to_vec(),
    }
}

fn link_records_selections_and_paging(h: &Harness) {
    let s = h.store();
    let src = people(s, 4);
    // Staged rows are never offered.
    let pending = begin(s, src, "pending.csv", 20);
    s.stage(pending.id, &batch(vec![person(1, "Q1", "Hidden")], 1))
        .unwrap();
    s.create_person(N1, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P2"), key(src, "P3")], "link", None, at(101))
        .unwrap();
    let (all, next) = link_ids(s, LinkSelection::All, None, 100);
    assert_eq!(
        all,
        vec![
            ("P1".into(), None),
            ("P2".into(), Some(N1)),
            ("P3".into(), Some(N1)),
            ("P4".into(), None),
        ]
    );
    assert_eq!(next, None);
    let (first, next) = link_ids(s, LinkSelection::All, None, 3);
    assert_eq!(first.len(), 3);
    let (rest, last) = link_ids(s, LinkSelection::All, next, 3);
    assert_eq!((rest, last), (vec![("P4".into(), None)], None));
    let ids = |sel| -> Vec<String> {
        link_ids(s, sel, None, 100)
            .0
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    assert_eq!(ids(LinkSelection::Unassigned), ["P1", "P4"]);
    // Numbered records without block keys are offered for blocking.
    assert_eq!(ids(LinkSelection::Unblocked), ["P2", "P3"]);
    let (page, _) = s
        .link_records("person", LinkSelection::All, None, 1)
        .unwrap();
    assert_eq!(page[0].payload, person(1, "P1", "N1").payload);
    assert_eq!((page[0].key.clone(), page[0].version), (key(src, "P1"), 1));
    assert!(s
        .link_records("border_crossing", LinkSelection::All, None, 10)
        .unwrap()
        .0
        .is_empty());
    assert!(s
        .link_records("person", LinkSelection::All, None, 0)
        .unwrap()
        .0
        .is_empty());
    s.put_blocks(&[blocks(s, "P2", &[1]), blocks(s, "P3", &[1])])
        .unwrap();
    assert!(ids(LinkSelection::Unblocked).is_empty());
    // A new version of a numbered record makes its keys stale.
    import(s, src, "again.csv", 30, vec![person(1, "P3", "Changed")]);
    assert_eq!(ids(LinkSelection::Unblocked), ["P3"]);
    let (_, version) = handle(s, "P3");
    assert_eq!(version, 2);
    s.put_blocks(&[blocks(s, "P3", &[1])]).unwrap();
    assert!(ids(LinkSelection::Unblocked).is_empty());
}

fn block_keys_replace_count_and_find(h: &Harness) {
    let s = h.store();
    let src = people(s, 4);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P1"), key(src, "P2")], "link", None, at(101))
        .unwrap();
    s.assign_records(N2, &[key(src, "P3")], "link", None, at(101))
        .unwrap();
    // Keys are 64-bit: the largest ones are kept as they are.
    let big = u64::MAX - 1;
    s.put_blocks(&[
        blocks(s, "P1", &[7, big, 7]),
        blocks(s, "P2", &[7]),
        blocks(s, "P3", &[8, big]),
    ])
    .unwrap();
    let mut sizes = s.block_sizes(&[7, 8, big, 99]).unwrap();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![(7, 2), (8, 1), (big, 2)]);
    assert!(s.block_sizes(&[]).unwrap().is_empty());
    let found = |keys: &[u64]| -> Vec<(String, Option<PersonNumber>)> {
        let members = s.block_members(keys).unwrap();
        let records = s.link_records_by_handle(&members).unwrap();
        assert_eq!(
            records.iter().map(|r| r.handle).collect::<Vec<_>>(),
            members,
            "each record once, by handle"
        );
        records
            .into_iter()
            .map(|r| (r.key.record_id, r.person))
            .collect()
    };
    assert_eq!(
        found(&[big, 7]),
        vec![
            ("P1".into(), Some(N1)),
            ("P2".into(), Some(N1)),
            ("P3".into(), Some(N2))
        ]
    );
    assert_eq!(found(&[8]), vec![("P3".into(), Some(N2))]);
    assert!(found(&[99]).is_empty());
    // Many keys at once (more than one statement's worth).
    let many: Vec<u64> = (1000..3000).chain([8]).collect();
    assert_eq!(found(&many), vec![("P3".into(), Some(N2))]);
    // Replacing a record's keys drops the old ones.
    s.put_blocks(&[blocks(s, "P1", &[9])]).unwrap();
    let mut sizes = s.block_sizes(&[7, 9, big]).unwrap();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![(7, 1), (9, 1), (big, 1)]);
    // A person's records, whatever their blocks.
    let of = |numbers: &[PersonNumber]| -> Vec<String> {
        s.link_records_by_handle(&s.person_members(numbers).unwrap())
            .unwrap()
            .into_iter()
            .map(|r| r.key.record_id)
            .collect()
    };
    assert_eq!(of(&[N1]), ["P1", "P2"]);
    assert_eq!(of(&[N2, N1]), ["P1", "P2", "P3"]);
    assert!(of(&[N3]).is_empty());
    // Unknown handles are left out; a handle given twice is read once.
    let (p1, _) = handle(s, "P1");
    let read = s
        .link_records_by_handle(&[p1, RecordHandle(999_999), p1])
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].key, key(src, "P1"));
    // Many records at once.
    let many: Vec<RecordBlocks> = (0..1200)
        .map(|i| RecordBlocks {
            keys: vec![50_000 + i],
            ..blocks(s, "P2", &[])
        })
        .collect();
    s.put_blocks(&many).unwrap();
    assert_eq!(s.block_sizes(&[7]).unwrap(), vec![]);
    assert_eq!(s.block_sizes(&[51_199]).unwrap(), vec![(51_199, 1)]);
    assert_eq!(s.block_sizes(&[50_000]).unwrap(), vec![]);
}

fn link_model_stored_and_cleared(h: &Harness) {
    let s = h.store();
    let src = people(s, 2);
    assert_eq!(s.link_model().unwrap(), None);
    s.put_link_model(r#"{"v":1}"#, at(100)).unwrap();
    s.put_link_model(r#"{"v":2}"#, at(200)).unwrap();
    let m = s.link_model().unwrap().unwrap();
    assert_eq!((m.text.as_str(), m.saved_at), (r#"{"v":2}"#, at(200)));
    s.create_person(N1, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P1")], "link", None, at(101))
        .unwrap();
    s.put_blocks(&[blocks(s, "P1", &[5])]).unwrap();
    s.clear_link_index().unwrap();
    assert_eq!(s.link_model().unwrap(), None);
    assert!(s.block_sizes(&[5]).unwrap().is_empty());
    assert_eq!(
        link_ids(s, LinkSelection::Unblocked, None, 10).0,
        vec![("P1".into(), Some(N1))]
    );
    // Numbers are untouched.
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
    // Kept across a reopen.
    s.put_link_model("{}", at(300)).unwrap();
    assert!(h.reopen().unwrap().link_model().unwrap().is_some());
}

fn apply_review_merge_split_assign(h: &Harness) {
    let s = h.store();
    let src = people(s, 6);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(101)).unwrap();
    s.assign_records(N1, &[key(src, "P1"), key(src, "P2")], "link", None, at(102))
        .unwrap();
    s.assign_records(N2, &[key(src, "P3")], "link", None, at(102))
        .unwrap();
    // Accepted across two persons: merged, the older number survives.
    let r = s
        .add_review(&key(src, "P1"), &key(src, "P3"), 3.0, "{}", at(103))
        .unwrap();
    let decided = s
        .apply_review(
            r,
            true,
            &ReviewEffect::Merge {
                keep: N1,
                absorb: N2,
            },
            "clerk-1",
            "same person",
            at(110),
        )
        .unwrap();
    assert_eq!(decided.status, ReviewStatus::Accepted);
    assert_eq!(s.resolve_number(N2).unwrap(), N1);
    assert_eq!(s.person_aliases(N1).unwrap(), vec![N2]);
    assert_eq!(s.person_aliases(N2).unwrap(), vec![N2]);
    assert_eq!(s.person_records(N1).unwrap().len(), 3);
    let events = s.person_events(N1).unwrap();
    let tail: Vec<_> = events[events.len() - 2..]
        .iter()
        .map(|e| (e.action, e.actor.as_str(), e.reason.clone()))
        .collect();
    assert_eq!(
        tail,
        vec![
            (
                PersonAction::Review,
                "clerk-1",
                Some(format!("review {} accepted: same person", r.0))
            ),
            (PersonAction::Merge, "clerk-1", Some("same person".into())),
        ]
    );
    // Rejected within one person: split off.
    let r = s
        .add_review(&key(src, "P2"), &key(src, "P3"), 1.0, "{}", at(111))
        .unwrap();
    s.apply_review(
        r,
        false,
        &ReviewEffect::Split {
            from: N1,
            records: vec![key(src, "P3")],
            new_number: N3,
        },
        "clerk-2",
        "two people",
        at(120),
    )
    .unwrap();
    assert_eq!(s.person_of(&key(src, "P3")).unwrap(), Some(N3));
    assert_eq!(
        s.person_events(N3).unwrap().last().unwrap().action,
        PersonAction::Split
    );
    // Accepted with a record that belongs to no one: it joins; a pair of such: a new person.
    let r = s
        .add_review(&key(src, "P1"), &key(src, "P4"), 1.0, "{}", at(121))
        .unwrap();
    s.apply_review(
        r,
        true,
        &ReviewEffect::Assign {
            number: N1,
            records: vec![key(src, "P4")],
        },
        "clerk-3",
        "same person",
        at(130),
    )
    .unwrap();
    assert_eq!(s.person_of(&key(src, "P4")).unwrap(), Some(N1));
    let r = s
        .add_review(&key(src, "P5"), &key(src, "P6"), 1.0, "{}", at(131))
        .unwrap();
    s.apply_review(
        r,
        true,
        &ReviewEffect::Create {
            number: N4,
            records: vec![key(src, "P5"), key(src, "P6")],
        },
        "clerk-3",
        "same person",
        at(140),
    )
    .unwrap();
    assert_eq!(
        s.person_records(N4).unwrap(),
        vec![key(src, "P5"), key(src, "P6")]
    );
    // Nothing to change: only the decision and its reason.
    let r = s
        .add_review(&key(src, "P5"), &key(src, "P1"), 1.0, "{}", at(141))
        .unwrap();
    s.apply_review(
        r,
        false,
        &ReviewEffect::Nothing,
        "clerk-4",
        "apart already",
        at(150),
    )
    .unwrap();
    let last = s.person_events(N4).unwrap().pop().unwrap();
    assert_eq!(
        (last.action, last.reason),
        (
            PersonAction::Review,
            Some(format!("review {} rejected: apart already", r.0))
        )
    );
}

fn apply_review_all_or_nothing(h: &Harness) {
    let s = h.store();
    let src = people(s, 3);
    s.create_person(N1, "link", at(100)).unwrap();
    s.create_person(N2, "link", at(100)).unwrap();
    s.assign_records(N1, &[key(src, "P1")], "link", None, at(101))
        .unwrap();
    s.assign_records(N2, &[key(src, "P2")], "link", None, at(101))
        .unwrap();
    s.merge_persons(N1, N2, "clerk-1", "same", at(102)).unwrap();
    let r = s
        .add_review(&key(src, "P1"), &key(src, "P3"), 1.0, "{}", at(103))
        .unwrap();
    let events = s.person_events(N1).unwrap().len();
    // Planned on persons that changed since: refused, the review stays open.
    invalid(s.apply_review(
        r,
        true,
        &ReviewEffect::Merge {
            keep: N2,
            absorb: N1,
        },
        "clerk-2",
        "same",
        at(110),
    ));
    invalid(s.apply_review(
        r,
        true,
        &ReviewEffect::Assign {
            number: N2,
            records: vec![key(src, "P1")],
        },
        "clerk-2",
        "same",
        at(110),
    ));
    // A split onto a number issued before.
    conflict(s.apply_review(
        r,
        false,
        &ReviewEffect::Split {
            from: N1,
            records: vec![key(src, "P2")],
            new_number: N2,
        },
        "clerk-2",
        "apart",
        at(110),
    ));
    assert_eq!(s.review(r).unwrap().status, ReviewStatus::Open);
    assert_eq!(s.person_events(N1).unwrap().len(), events);
    s.apply_review(
        r,
        false,
        &ReviewEffect::Nothing,
        "clerk-2",
        "apart",
        at(111),
    )
    .unwrap();
    // Decided once.
    conflict(s.apply_review(r, true, &ReviewEffect::Nothing, "clerk-3", "same", at(112)));
    not_found(s.apply_review(
        ReviewId(999),
        true,
        &ReviewEffect::Nothing,
        "clerk-3",
        "same",
        at(112),
    ));
    not_found(s.person_aliases(N3));
}

fn number_persons_and_add_reviews_in_batches(h: &Harness) {
    let s = h.store();
    let src = people(s, 4);
    s.create_person(N1, "link", at(100)).unwrap();
    let changed = s
        .number_persons(
            &[
                Numbering {
                    number: N1,
                    new: false,
                    records: vec![key(src, "P1")],
                    weight: Some(8.0),
                },
                Numbering {
                    number: N2,
                    new: true,
                    records: vec![key(src, "P2"), key(src, "P3")],
                    weight: None,
                },
            ],
            "link",
            at(110),
        )
        .unwrap();
    assert_eq!(changed, 3);
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
    assert_eq!(s.person_records(N2).unwrap().len(), 2);
    let actions: Vec<_> = s
        .person_events(N2)
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, [PersonAction::Create, PersonAction::Assign]);
    // A number issued before: nothing of the batch is kept.
    conflict(s.number_persons(
        &[
            Numbering {
                number: N3,
                new: true,
                records: vec![key(src, "P4")],
                weight: None,
            },
            Numbering {
                number: N1,
                new: true,
                records: vec![],
                weight: None,
            },
        ],
        "link",
        at(120),
    ));
    not_found(s.person(N3));
    assert_eq!(s.person_of(&key(src, "P4")).unwrap(), None);
    // Records numbered meanwhile stay where they are; a new person left without records is
    // not issued.
    let changed = s
        .number_persons(
            &[
                Numbering {
                    number: N3,
                    new: true,
                    records: vec![key(src, "P1"), key(src, "P4")],
                    weight: None,
                },
                Numbering {
                    number: N4,
                    new: true,
                    records: vec![key(src, "P2")],
                    weight: None,
                },
            ],
            "link",
            at(125),
        )
        .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(s.person_of(&key(src, "P1")).unwrap(), Some(N1));
    assert_eq!(s.person_records(N3).unwrap(), vec![key(src, "P4")]);
    not_found(s.person(N4));
    not_found(s.number_persons(
        &[Numbering {
            number: N4,
            new: true,
            records: vec![key(src, "P9")],
            weight: None,
        }],
        "link",
        at(126),
    ));
    let ids = s
        .add_reviews(
            &[
                NewReview {
                    left: key(src, "P1"),
                    right: key(src, "P2"),
                    weight: 2.0,
                    explanation: "{}".into(),
                },
                NewReview {
                    left: key(src, "P3"),
                    right: key(src, "P4"),
                    weight: 1.0,
                    explanation: "{}".into(),
                },
                NewReview {
                    left: key(src, "P2"),
                    right: key(src, "P1"),
                    weight: 5.0,
                    explanation: "{}".into(),
                },
            ],
            at(130),
        )
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!((ids[0].0, ids[0].1, ids[2].1), (ids[2].0, true, false));
    assert_ne!(ids[0].0, ids[1].0);
    assert_eq!(s.reviews(None, None, 10).unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Access: users, second factor, recovery codes, tokens, sessions, throttling, audit (issue 4)

fn institution(s: &dyn Store, name: &str) {
    s.ensure_institution(&NewInstitution {
        name,
        title: name,
        kind: "border_police",
        created_at: at(0),
    })
    .unwrap();
}

fn new_user<'a>(login: &'a str, roles: &'a [String]) -> NewUser<'a> {
    NewUser {
        login,
        display_name: "أمينة بن علي",
        institution: "border-police",
        roles,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
        created_at: at(10),
    }
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| (*r).to_owned()).collect()
}

fn users_lifecycle(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    assert!(!s.users_exist().unwrap());
    let officer = roles(&["officer"]);
    let u = s.create_user(&new_user("amina", &officer)).unwrap();
    assert!(s.users_exist().unwrap());
    assert_eq!(u.login, "amina");
    assert_eq!(u.display_name, "أمينة بن علي");
    assert_eq!(u.institution, "border-police");
    assert_eq!(u.roles, officer);
    assert_eq!((u.totp_secret.clone(), u.totp_last_step), (None, None));
    assert!(!u.disabled);
    assert_eq!(u.created_at, at(10));
    assert!(
        !format!("{u:?}").contains("argon2id"),
        "Debug shows the hash"
    );
    assert_eq!(s.user(u.id).unwrap(), u);
    assert_eq!(s.user_by_login("amina").unwrap(), Some(u.clone()));
    assert_eq!(s.user_by_login("nobody").unwrap(), None);

    s.set_user_password(u.id, "$argon2id$new").unwrap();
    s.set_user_totp(u.id, Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
        .unwrap();
    assert!(s.advance_totp_step(u.id, 100).unwrap());
    assert!(!s.advance_totp_step(u.id, 100).unwrap(), "replayed step");
    assert!(!s.advance_totp_step(u.id, 99).unwrap(), "older step");
    assert!(s.advance_totp_step(u.id, 101).unwrap());
    s.set_user_roles(u.id, &roles(&["officer", "admin"]))
        .unwrap();
    s.set_user_disabled(u.id, true).unwrap();
    let changed = s.user(u.id).unwrap();
    assert_eq!(changed.password_hash, "$argon2id$new");
    assert_eq!(
        changed.totp_secret.as_deref(),
        Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    );
    assert_eq!(changed.totp_last_step, Some(101));
    assert_eq!(changed.roles, roles(&["officer", "admin"]));
    assert!(changed.disabled);
    s.set_user_disabled(u.id, false).unwrap();
    // Re-enrolling forgets the last step; removing the secret works too.
    s.set_user_totp(u.id, Some("NEWSECRETNEWSECRETNEWSECRETNEWSE"))
        .unwrap();
    assert_eq!(s.user(u.id).unwrap().totp_last_step, None);
    s.set_user_totp(u.id, None).unwrap();
    assert_eq!(s.user(u.id).unwrap().totp_secret, None);
    assert!(!s.user(u.id).unwrap().disabled);

    let other = s.create_user(&new_user("karim", &[])).unwrap();
    assert_eq!(
        s.users()
            .unwrap()
            .iter()
            .map(|u| u.login.as_str())
            .collect::<Vec<_>>(),
        ["amina", "karim"]
    );
    assert!(other.roles.is_empty());

    let ghost = UserId(9_999);
    not_found(s.user(ghost));
    not_found(s.set_user_password(ghost, "x"));
    not_found(s.set_user_totp(ghost, None));
    not_found(s.advance_totp_step(ghost, 1));
    not_found(s.set_user_roles(ghost, &[]));
    not_found(s.set_user_disabled(ghost, true));
    let mut unknown_institution = new_user("sami", &[]);
    unknown_institution.institution = "nowhere";
    not_found(s.create_user(&unknown_institution));
    invalid(s.create_user(&new_user("", &[])));
}

fn login_names_ignore_case(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    let u = s.create_user(&new_user("Amina.Ben", &[])).unwrap();
    conflict(s.create_user(&new_user("amina.ben", &[])));
    conflict(s.create_user(&new_user("AMINA.BEN", &[])));
    assert_eq!(s.user_by_login("aMiNa.bEn").unwrap().unwrap().id, u.id);
    assert_eq!(
        s.user_by_login("Amina.Ben").unwrap().unwrap().login,
        "Amina.Ben"
    );
    // Beyond ASCII: É and é are one name.
    s.create_user(&new_user("Émile", &[])).unwrap();
    conflict(s.create_user(&new_user("émile", &[])));
    assert!(s.user_by_login("ÉMILE").unwrap().is_some());
    assert_eq!(s.users().unwrap().len(), 2);
}

fn code(n: u8) -> [u8; 32] {
    [n; 32]
}

fn recovery_code_consumed_once(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    let u = s.create_user(&new_user("amina", &[])).unwrap();
    let v = s.create_user(&new_user("karim", &[])).unwrap();
    s.set_recovery_codes(u.id, &[code(3), code(1), code(2)], at(20))
        .unwrap();
    assert_eq!(
        s.unused_recovery_codes(u.id).unwrap(),
        [code(1), code(2), code(3)]
    );
    assert!(s.consume_recovery_code(u.id, &code(2), at(30)).unwrap());
    assert!(!s.consume_recovery_code(u.id, &code(2), at(31)).unwrap());
    assert!(
        !s.consume_recovery_code(v.id, &code(1), at(31)).unwrap(),
        "another user's code"
    );
    assert!(!s.consume_recovery_code(u.id, &code(9), at(31)).unwrap());
    assert_eq!(s.unused_recovery_codes(u.id).unwrap(), [code(1), code(3)]);

    // Racing logins with the same code: exactly one wins.
    let wins = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| s.consume_recovery_code(u.id, &code(1), at(40)).unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|won| *won)
            .count()
    });
    assert_eq!(wins, 1);

    // A new set replaces the old one.
    s.set_recovery_codes(u.id, &[code(7)], at(50)).unwrap();
    assert_eq!(s.unused_recovery_codes(u.id).unwrap(), [code(7)]);
    assert!(!s.consume_recovery_code(u.id, &code(3), at(51)).unwrap());
    invalid(s.set_recovery_codes(u.id, &[code(8), code(8)], at(52)));
    assert_eq!(
        s.unused_recovery_codes(u.id).unwrap(),
        [code(7)],
        "refused set kept nothing"
    );
    not_found(s.set_recovery_codes(UserId(9_999), &[code(1)], at(53)));
}

fn api_token(id: &str, institution: &str, created: i64) -> ApiToken {
    ApiToken {
        id: id.into(),
        secret_hash: code(created as u8),
        institution: institution.into(),
        actions: "submit,read".into(),
        expires_at: at(86_400),
        revoked_at: None,
        created_by: "amina".into(),
        created_at: at(created),
    }
}

fn token_revoke(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    institution(s, "central-bank");
    let t1 = api_token("abcdefghijklmnop", "border-police", 10);
    let t2 = api_token("qrstuvwxyz234567", "border-police", 20);
    let t3 = api_token("aaaaaaaaaaaaaaaa", "central-bank", 30);
    for t in [&t1, &t2, &t3] {
        s.create_token(t).unwrap();
    }
    conflict(s.create_token(&t1));
    not_found(s.create_token(&api_token("bbbbbbbbbbbbbbbb", "nowhere", 40)));
    assert_eq!(s.token(&t1.id).unwrap(), Some(t1.clone()));
    assert_eq!(s.token("cccccccccccccccc").unwrap(), None);
    assert_eq!(s.tokens("border-police").unwrap(), [t1.clone(), t2.clone()]);
    assert_eq!(s.tokens("central-bank").unwrap(), [t3]);

    s.revoke_token(&t1.id, at(100)).unwrap();
    s.revoke_token(&t1.id, at(200)).unwrap();
    let revoked = s.token(&t1.id).unwrap().unwrap();
    assert_eq!(
        revoked.revoked_at,
        Some(at(100)),
        "the first revocation stands"
    );
    assert_eq!(s.token(&t2.id).unwrap().unwrap().revoked_at, None);
    not_found(s.revoke_token("cccccccccccccccc", at(100)));
}

fn session_touch_delete(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    let u = s.create_user(&new_user("amina", &[])).unwrap();
    let v = s.create_user(&new_user("karim", &[])).unwrap();
    let row = |id: u8, user: UserId| SessionRow {
        id_hash: code(id),
        user,
        created_at: at(10),
        last_seen_at: at(10),
        second_factor_done: id.is_multiple_of(2),
    };
    for (id, user) in [(1, u.id), (2, u.id), (3, v.id)] {
        s.create_session(&row(id, user)).unwrap();
    }
    conflict(s.create_session(&row(1, u.id)));
    not_found(s.create_session(&row(4, UserId(9_999))));
    assert_eq!(s.session(&code(2)).unwrap(), Some(row(2, u.id)));
    assert_eq!(s.session(&code(9)).unwrap(), None);

    let later = at(70) + chrono::Duration::microseconds(123_456);
    assert!(s.touch_session(&code(1), later).unwrap());
    assert!(!s.touch_session(&code(9), later).unwrap());
    let touched = s.session(&code(1)).unwrap().unwrap();
    assert_eq!((touched.created_at, touched.last_seen_at), (at(10), later));
    assert!(!touched.second_factor_done);

    assert!(s.delete_session(&code(1)).unwrap());
    assert!(!s.delete_session(&code(1)).unwrap());
    assert_eq!(s.session(&code(1)).unwrap(), None);
    assert_eq!(s.delete_user_sessions(u.id).unwrap(), 1);
    assert_eq!(s.session(&code(2)).unwrap(), None);
    assert_eq!(
        s.session(&code(3)).unwrap(),
        Some(row(3, v.id)),
        "other users keep theirs"
    );
}

fn throttle_put_get(h: &Harness) {
    let s = h.store();
    assert_eq!(
        s.throttle(ThrottleKind::Account, "amina").unwrap(),
        ThrottleState::default()
    );
    let failing = ThrottleState {
        recent_failures: 6,
        consecutive_failures: 6,
        last_failure_at: Some(at(60) + chrono::Duration::microseconds(7)),
        locked_at: None,
    };
    s.put_throttle(ThrottleKind::Account, "amina", &failing)
        .unwrap();
    assert_eq!(s.throttle(ThrottleKind::Account, "amina").unwrap(), failing);
    assert_eq!(
        s.throttle(ThrottleKind::Address, "amina").unwrap(),
        ThrottleState::default(),
        "kinds are separate"
    );
    let locked = ThrottleState {
        recent_failures: 20,
        consecutive_failures: u32::MAX,
        last_failure_at: Some(at(90)),
        locked_at: Some(at(90)),
    };
    s.put_throttle(ThrottleKind::Account, "amina", &locked)
        .unwrap();
    assert_eq!(s.throttle(ThrottleKind::Account, "amina").unwrap(), locked);
    s.put_throttle(ThrottleKind::Address, "192.0.2.7", &failing)
        .unwrap();
    s.delete_throttle(ThrottleKind::Account, "amina").unwrap();
    s.delete_throttle(ThrottleKind::Account, "amina").unwrap();
    assert_eq!(
        s.throttle(ThrottleKind::Account, "amina").unwrap(),
        ThrottleState::default()
    );
    assert_eq!(
        s.throttle(ThrottleKind::Address, "192.0.2.7").unwrap(),
        failing
    );
}

/// A varied event: users read persons' files, a token submits, the system imports.
fn event(i: u64) -> AuditEvent {
    let (actor, action, object, purpose) = match i % 3 {
        0 => (
            Actor::User("1".into()),
            "read",
            Some(("person", format!("{}", 100 + i % 2))),
            Some("case review"),
        ),
        1 => (
            Actor::Token("abcdefghijklmnop".into()),
            "submit",
            Some(("submission", format!("{i}"))),
            None,
        ),
        _ => (Actor::System("import".into()), "finalize", None, None),
    };
    AuditEvent {
        // Nanoseconds are truncated to microseconds, which both engines keep exactly.
        at: at(i as i64) + chrono::Duration::nanoseconds(123_456_789),
        actor,
        institution: Some("border-police".into()),
        action: action.into(),
        object: object.map(|(kind, id)| AuditObject {
            kind: kind.into(),
            id,
        }),
        purpose: purpose.map(|p| Purpose::parse(p).unwrap()),
        outcome: if i == 4 {
            Outcome::Denied
        } else {
            Outcome::Success
        },
    }
}

fn append_events(s: &dyn Store, n: u64) -> Vec<AuditEntry> {
    (1..=n)
        .map(|i| s.audit_append(&event(i)).unwrap())
        .collect()
}

/// Reads the whole log through the verifier, `page` entries at a time.
fn verify_paged(s: &dyn Store, page: u32) -> Result<ChainHead, ChainBreak> {
    let mut v = ChainVerifier::new(ChainHead::GENESIS, None);
    let mut after = 0;
    loop {
        let entries = s.audit_entries(after, page).unwrap();
        for e in &entries {
            v.push(e)?;
        }
        match entries.last() {
            Some(last) => after = last.seq,
            None => return v.finish(),
        }
    }
}

fn audit_chain_and_queries(h: &Harness) {
    let s = h.store();
    assert_eq!(verify_audit(s, None).unwrap(), ChainHead::GENESIS);
    let written = append_events(s, 20);
    assert_eq!(written[0].seq, 1);
    assert_eq!(written[0].prev_hash, [0u8; 32]);
    assert_eq!(written[0].at.timestamp_subsec_nanos(), 123_456_000);
    // Stored exactly as hashed: every field, the microseconds included.
    let mut stored = s.audit_entries(0, 7).unwrap();
    stored.extend(s.audit_entries(7, 100).unwrap());
    assert_eq!(stored, written);
    let head = written[19].head();
    assert_eq!(verify_paged(s, 7), Ok(head));
    assert_eq!(verify_audit(s, None).unwrap(), head);
    assert_eq!(verify_audit(s, Some(written[9].head())).unwrap(), head);
    // An anchor further than the log: its tail was deleted.
    let beyond = ChainHead {
        seq: 25,
        hash: [1; 32],
    };
    match verify_audit(s, Some(beyond)) {
        Err(AuditVerifyError::Broken(b)) => assert_eq!(b.seq, 21),
        other => panic!("expected a break, got {other:?}"),
    }

    // Who saw person 100's file: entries 6, 12, 18 (i % 3 == 0, i % 2 == 0), newest first.
    let seen = s.audit_by_object("person", "100", 10).unwrap();
    assert_eq!(seen.iter().map(|e| e.seq).collect::<Vec<_>>(), [18, 12, 6]);
    assert!(seen
        .iter()
        .all(|e| e.purpose.as_deref() == Some("case review")));
    assert_eq!(s.audit_by_object("person", "100", 2).unwrap().len(), 2);
    assert!(s.audit_by_object("person", "999", 10).unwrap().is_empty());
    let by_token = s
        .audit_by_actor(&Actor::Token("abcdefghijklmnop".into()), 100)
        .unwrap();
    assert_eq!(
        by_token.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [19, 16, 13, 10, 7, 4, 1]
    );
    assert_eq!(by_token[5].outcome, Outcome::Denied);
    // Same id, other kind: nothing.
    assert!(s
        .audit_by_actor(&Actor::User("abcdefghijklmnop".into()), 100)
        .unwrap()
        .is_empty());

    let mut bad = event(1);
    bad.action = String::new();
    invalid(s.audit_append(&bad));
    assert_eq!(
        verify_audit(s, None).unwrap(),
        head,
        "a refused event takes no place"
    );
    let next = s.audit_append(&event(21)).unwrap();
    assert_eq!((next.seq, next.prev_hash), (21, head.hash));
}

fn audit_append_only_by_trigger(h: &Harness) {
    let s = h.store();
    append_events(s, 3);
    assert!(h
        .try_execute("UPDATE audit_log SET purpose = 'x' WHERE seq = 2")
        .is_err());
    assert!(h
        .try_execute("DELETE FROM audit_log WHERE seq = 3")
        .is_err());
    assert_eq!(verify_audit(s, None).unwrap().seq, 3);
}

fn audit_concurrent_appends(h: &Harness) {
    let s = h.store();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            scope.spawn(move || {
                for i in 0..15 {
                    s.audit_append(&event(t * 100 + i)).unwrap();
                }
            });
        }
    });
    assert_eq!(verify_audit(s, None).unwrap().seq, 60);
}

/// Lets raw SQL edit the audit log, as someone with the database's keys could.
fn disable_audit_triggers(h: &Harness) {
    match h.store().backend() {
        Backend::Sqlite => {
            h.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        }
        Backend::Postgres => h.execute("ALTER TABLE audit_log DISABLE TRIGGER USER"),
    }
}

fn broken(s: &dyn Store) -> ChainBreak {
    let paged = verify_paged(s, 2).unwrap_err();
    match verify_audit(s, None) {
        Err(AuditVerifyError::Broken(b)) => {
            assert_eq!(b, paged);
            b
        }
        other => panic!("expected a break, got {other:?}"),
    }
}

fn audit_tamper_change(h: &Harness) {
    let s = h.store();
    append_events(s, 6);
    disable_audit_triggers(h);
    h.execute("UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 3");
    assert_eq!(
        broken(s),
        ChainBreak {
            seq: 3,
            reason: BreakReason::Changed
        }
    );
}

fn audit_tamper_change_timestamp(h: &Harness) {
    let s = h.store();
    append_events(s, 6);
    disable_audit_triggers(h);
    // One microsecond is enough.
    let moved = match h.store().backend() {
        Backend::Sqlite => "UPDATE audit_log SET at = '2025-03-01T08:00:05.123457Z' WHERE seq = 5",
        Backend::Postgres => {
            "UPDATE audit_log SET at = at + interval '1 microsecond' WHERE seq = 5"
        }
    };
    h.execute(moved);
    assert_eq!(
        broken(s),
        ChainBreak {
            seq: 5,
            reason: BreakReason::Changed
        }
    );
}

fn audit_tamper_delete(h: &Harness) {
    let s = h.store();
    append_events(s, 6);
    disable_audit_triggers(h);
    h.execute("DELETE FROM audit_log WHERE seq = 4");
    assert_eq!(
        broken(s),
        ChainBreak {
            seq: 4,
            reason: BreakReason::Missing { through: 4 }
        }
    );
}

fn audit_tamper_swap(h: &Harness) {
    let s = h.store();
    append_events(s, 6);
    disable_audit_triggers(h);
    let cols = [
        "at",
        "actor_kind",
        "actor_id",
        "institution",
        "action",
        "object_kind",
        "object_id",
        "purpose",
        "outcome",
        "prev_hash",
        "hash",
    ];
    let set = cols
        .iter()
        .map(|c| format!("{c} = (SELECT {c} FROM swap WHERE swap.seq = 6 - audit_log.seq)"))
        .collect::<Vec<_>>()
        .join(", ");
    h.execute(&format!(
        "CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (2, 4);
         UPDATE audit_log SET {set} WHERE seq IN (2, 4);"
    ));
    assert_eq!(
        broken(s),
        ChainBreak {
            seq: 2,
            reason: BreakReason::Moved { original_seq: 4 }
        }
    );
}

fn passkeys_and_ceremonies(h: &Harness) {
    let s = h.store();
    institution(s, "border-police");
    let u = s.create_user(&new_user("amina", &[])).unwrap();
    let v = s.create_user(&new_user("karim", &[])).unwrap();
    let key = |id: u8, user: UserId| marsad_store::PasskeyRow {
        credential_id: vec![id; 48],
        user,
        user_handle: vec![7; 32],
        public_key_cose: vec![0xa5, 1, 2, 3],
        algorithm: -7,
        sign_count: 0,
        aaguid: vec![0; 16],
        backup_eligible: true,
        backed_up: false,
        transports: "internal,hybrid".into(),
        name: "bureau · مكتب".into(),
        created_at: at(10 + i64::from(id)),
        last_used_at: None,
    };
    s.add_passkey(&key(1, u.id)).unwrap();
    s.add_passkey(&key(2, u.id)).unwrap();
    conflict(s.add_passkey(&key(1, v.id)));
    not_found(s.add_passkey(&key(3, UserId(9_999))));
    assert_eq!(s.passkey(&[1; 48]).unwrap(), Some(key(1, u.id)));
    assert_eq!(s.passkey(&[9; 48]).unwrap(), None);
    assert_eq!(s.passkeys(u.id).unwrap(), vec![key(1, u.id), key(2, u.id)]);
    assert!(s.use_passkey(&[1; 48], 41, true, at(99)).unwrap());
    assert!(!s.use_passkey(&[9; 48], 1, true, at(99)).unwrap());
    let used = s.passkey(&[1; 48]).unwrap().unwrap();
    assert_eq!(
        (used.sign_count, used.backed_up, used.last_used_at),
        (41, true, Some(at(99)))
    );
    assert!(!s.delete_passkey(v.id, &[1; 48]).unwrap(), "not karim's");
    assert!(s.delete_passkey(u.id, &[1; 48]).unwrap());
    assert_eq!(s.passkeys(u.id).unwrap().len(), 1);

    let ceremony = |id: u8, user: Option<UserId>, expires: i64| marsad_store::Ceremony {
        id_hash: code(id),
        user,
        kind: if user.is_some() { "register" } else { "login" }.into(),
        state: r#"{"challenge":[1,2,3]}"#.into(),
        expires_at: at(expires),
    };
    s.put_ceremony(&ceremony(1, Some(u.id), 100)).unwrap();
    s.put_ceremony(&ceremony(2, None, 100)).unwrap();
    s.put_ceremony(&ceremony(3, None, 20)).unwrap();
    conflict(s.put_ceremony(&ceremony(1, None, 100)));
    assert_eq!(
        s.take_ceremony(&code(1), at(50)).unwrap(),
        Some(ceremony(1, Some(u.id), 100))
    );
    assert_eq!(
        s.take_ceremony(&code(1), at(50)).unwrap(),
        None,
        "used once"
    );
    assert_eq!(
        s.take_ceremony(&code(2), at(50)).unwrap(),
        Some(ceremony(2, None, 100))
    );
    assert_eq!(s.take_ceremony(&code(3), at(50)).unwrap(), None, "expired");
}

// ---------------------------------------------------------------------------------------------
// Dossiers (migration 0006)

/// The institutions and persons of the dossier scenarios.
fn dossier_setup(s: &dyn Store) {
    for (name, kind) in [("social", "ministry"), ("shelter", "civil_society")] {
        s.ensure_institution(&NewInstitution {
            name,
            title: name,
            kind,
            created_at: at(0),
        })
        .unwrap();
    }
    for n in [N1, N2] {
        s.create_person(n, "link", at(1)).unwrap();
    }
}

/// The audit event a dossier change appends (about the person, as the server writes them).
fn dossier_event(action: &str, person: PersonNumber) -> AuditEvent {
    AuditEvent {
        at: at(500),
        actor: Actor::User("7".into()),
        institution: Some("social".into()),
        action: action.into(),
        object: Some(AuditObject {
            kind: "person".into(),
            id: format!("{:012}", person.0),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

fn open_dossier(s: &dyn Store, person: PersonNumber, institution: &str, title: &str) -> DossierId {
    s.create_dossier(
        &NewDossier {
            person,
            institution,
            title,
            actor: "cw",
            at: at(10),
        },
        &dossier_event("dossier.open", person),
    )
    .unwrap()
    .id
}

fn new_entry(s: &dyn Store, dossier: DossierId, kind: EntryKind, text: &str) -> EntryId {
    s.add_entry(
        &NewEntry {
            dossier,
            kind,
            text,
            actor: "cw",
            at: at(20),
        },
        &dossier_event("dossier.entry", N1),
    )
    .unwrap()
    .entry
}

fn blob(i: u8) -> String {
    format!("{i:02x}").repeat(32)
}

fn attach(
    s: &dyn Store,
    dossier: DossierId,
    entry: Option<EntryId>,
    i: u8,
    max: u64,
) -> marsad_store::Result<marsad_store::Attachment> {
    let blob_id = blob(i);
    s.add_attachment(
        &NewAttachment {
            dossier,
            entry,
            blob_id: &blob_id,
            size: 1000 + u64::from(i),
            sha256: [i; 32],
            content_kind: "pdf",
            file_name: "جواز سفر.pdf",
            uploaded_by: "cw",
            uploaded_at: at(30),
        },
        max,
        &dossier_event("dossier.attach", N1),
    )
}

fn change(
    title: Option<&str>,
    status: Option<DossierStatus>,
    expected: Option<u32>,
) -> DossierChange<'_> {
    DossierChange {
        title,
        status,
        expected_version: expected,
        actor: "lead",
        at: at(40),
    }
}

fn dossiers_open_change_and_list(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let a = open_dossier(s, N1, "social", "Accompagnement · متابعة");
    let b = open_dossier(s, N1, "shelter", "Hébergement");
    open_dossier(s, N2, "social", "Other person");
    let d = s.dossier(a).unwrap();
    assert_eq!(
        (
            d.person,
            d.opened_under,
            d.institution.as_str(),
            d.title.as_str(),
            d.status,
            d.version,
            d.created_by.as_str(),
            d.created_at,
            d.changed_by.as_str(),
            d.changed_at
        ),
        (
            N1,
            N1,
            "social",
            "Accompagnement · متابعة",
            DossierStatus::Open,
            1,
            "cw",
            at(10),
            "cw",
            at(10)
        )
    );
    let listed: Vec<DossierId> = s
        .person_dossiers(N1)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, vec![a, b]);

    let closed = s
        .change_dossier(
            a,
            &change(None, Some(DossierStatus::Closed), Some(1)),
            &dossier_event("dossier.status", N1),
        )
        .unwrap();
    assert_eq!(
        (closed.status, closed.version, closed.changed_by.as_str()),
        (DossierStatus::Closed, 2, "lead")
    );
    assert_eq!(closed.title, d.title);
    // The same state again adds no version.
    let same = s
        .change_dossier(
            a,
            &change(None, Some(DossierStatus::Closed), None),
            &dossier_event("dossier.status", N1),
        )
        .unwrap();
    assert_eq!(same.version, 2);
    // A stale version is refused, and nothing is kept.
    let stale = s.change_dossier(
        a,
        &change(Some("New"), None, Some(1)),
        &dossier_event("dossier.status", N1),
    );
    assert!(matches!(stale, Err(StoreError::Invalid(_))), "{stale:?}");
    let renamed = s
        .change_dossier(
            a,
            &change(Some("New"), Some(DossierStatus::Open), Some(2)),
            &dossier_event("dossier.status", N1),
        )
        .unwrap();
    assert_eq!(
        (renamed.title.as_str(), renamed.status, renamed.version),
        ("New", DossierStatus::Open, 3)
    );
    let history: Vec<(u32, String, DossierStatus)> = s
        .dossier_history(a)
        .unwrap()
        .into_iter()
        .map(|d| (d.version, d.title, d.status))
        .collect();
    assert_eq!(
        history,
        vec![
            (
                1,
                "Accompagnement · متابعة".to_string(),
                DossierStatus::Open
            ),
            (
                2,
                "Accompagnement · متابعة".to_string(),
                DossierStatus::Closed
            ),
            (3, "New".to_string(), DossierStatus::Open),
        ]
    );
}

fn dossier_entries_are_versioned(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let d = open_dossier(s, N1, "social", "Case");
    let note = new_entry(s, d, EntryKind::Note, "First meeting; مقابلة أولى");
    let referral = new_entry(s, d, EntryKind::Referral, "Referred to the shelter");
    let edit = |text: Option<&'static str>, removed: bool, expected: Option<u32>| EntryChange {
        text,
        removed,
        expected_version: expected,
        actor: "lead",
        at: at(60),
    };
    let v2 = s
        .change_entry(
            note,
            &edit(Some("First meeting, with interpreter"), false, Some(1)),
            &dossier_event("dossier.entry", N1),
        )
        .unwrap();
    assert_eq!(
        (
            v2.version,
            v2.text.as_str(),
            v2.removed,
            v2.author.as_str(),
            v2.created_by.as_str()
        ),
        (2, "First meeting, with interpreter", false, "lead", "cw")
    );
    // Unchanged: no version.
    let same = s
        .change_entry(
            note,
            &edit(None, false, None),
            &dossier_event("dossier.entry", N1),
        )
        .unwrap();
    assert_eq!(same.version, 2);
    // Stale.
    assert!(matches!(
        s.change_entry(
            note,
            &edit(Some("x"), false, Some(1)),
            &dossier_event("dossier.entry", N1)
        ),
        Err(StoreError::Invalid(_))
    ));
    // Removal keeps the text and adds a version marked removed.
    let removed = s
        .change_entry(
            note,
            &edit(None, true, Some(2)),
            &dossier_event("dossier.entry", N1),
        )
        .unwrap();
    assert_eq!(
        (removed.version, removed.removed, removed.text.as_str()),
        (3, true, "First meeting, with interpreter")
    );
    let history: Vec<(u32, String, bool)> = s
        .entry_history(note)
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.text, v.removed))
        .collect();
    assert_eq!(
        history,
        vec![
            (1, "First meeting; مقابلة أولى".to_string(), false),
            (2, "First meeting, with interpreter".to_string(), false),
            (3, "First meeting, with interpreter".to_string(), true),
        ]
    );
    let current: Vec<(EntryId, EntryKind, u32, bool)> = s
        .dossier_entries(d)
        .unwrap()
        .into_iter()
        .map(|e| (e.entry, e.kind, e.version, e.removed))
        .collect();
    assert_eq!(
        current,
        vec![
            (note, EntryKind::Note, 3, true),
            (referral, EntryKind::Referral, 1, false)
        ]
    );
    assert_eq!(s.entry(referral).unwrap().dossier, d);
    // A closed dossier takes no new entry and no change of one.
    s.change_dossier(
        d,
        &change(None, Some(DossierStatus::Closed), None),
        &dossier_event("dossier.status", N1),
    )
    .unwrap();
    let refused = s.add_entry(
        &NewEntry {
            dossier: d,
            kind: EntryKind::Decision,
            text: "late",
            actor: "cw",
            at: at(70),
        },
        &dossier_event("dossier.entry", N1),
    );
    assert!(
        matches!(refused, Err(StoreError::Invalid(ref m)) if m.contains("closed")),
        "{refused:?}"
    );
    assert!(matches!(
        s.change_entry(
            referral,
            &edit(Some("late"), false, None),
            &dossier_event("dossier.entry", N1)
        ),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.dossier_entries(d).unwrap().len(), 2);
    assert_eq!(s.entry_history(referral).unwrap().len(), 1);
}

fn dossier_changes_are_audited_all_or_nothing(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let person = format!("{:012}", N1.0);
    let d = open_dossier(s, N1, "social", "Case");
    new_entry(s, d, EntryKind::Note, "note");
    attach(s, d, None, 1, 10).unwrap();
    let actions: Vec<String> = s
        .audit_by_object("person", &person, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        vec!["dossier.attach", "dossier.entry", "dossier.open"]
    );
    // An event the audit trail refuses (an empty action) keeps the change from happening.
    let mut bad = dossier_event("", N1);
    bad.action = String::new();
    let refused = s.create_dossier(
        &NewDossier {
            person: N2,
            institution: "social",
            title: "Never",
            actor: "cw",
            at: at(80),
        },
        &bad,
    );
    assert!(refused.is_err());
    assert_eq!(s.person_dossiers(N2).unwrap(), vec![]);
    assert!(s
        .add_entry(
            &NewEntry {
                dossier: d,
                kind: EntryKind::Note,
                text: "never",
                actor: "cw",
                at: at(80)
            },
            &bad
        )
        .is_err());
    assert_eq!(s.dossier_entries(d).unwrap().len(), 1);
    let blob_id = blob(9);
    assert!(s
        .add_attachment(
            &NewAttachment {
                dossier: d,
                entry: None,
                blob_id: &blob_id,
                size: 1,
                sha256: [9; 32],
                content_kind: "png",
                file_name: "x.png",
                uploaded_by: "cw",
                uploaded_at: at(80),
            },
            10,
            &bad,
        )
        .is_err());
    assert_eq!(s.dossier_attachments(d).unwrap().len(), 1);
    assert!(!s.blob_referenced(&blob_id).unwrap());
    assert!(s
        .change_dossier(d, &change(None, Some(DossierStatus::Closed), None), &bad)
        .is_err());
    assert_eq!(s.dossier(d).unwrap().status, DossierStatus::Open);
    assert_eq!(verify_audit(s, None).unwrap().seq, 3);
}

fn dossier_of_merged_person_follows_survivor(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let d = open_dossier(s, N2, "social", "Opened under the alias");
    s.merge_persons(N1, N2, "clerk", "same person", at(50))
        .unwrap();
    let survivor = s.person_dossiers(N1).unwrap();
    assert_eq!(survivor.len(), 1);
    assert_eq!(
        (survivor[0].id, survivor[0].person, survivor[0].opened_under),
        (d, N1, N2)
    );
    // The alias still reaches them, and a new dossier for the alias goes to the survivor.
    assert_eq!(s.person_dossiers(N2).unwrap(), survivor);
    let e = open_dossier(s, N2, "shelter", "After the merge");
    let e = s.dossier(e).unwrap();
    assert_eq!((e.person, e.opened_under), (N1, N1));
    assert_eq!(s.person_dossiers(N1).unwrap().len(), 2);
}

fn dossier_unknowns_and_refusals(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let open = |person, institution, title| {
        s.create_dossier(
            &NewDossier {
                person,
                institution,
                title,
                actor: "cw",
                at: at(10),
            },
            &dossier_event("dossier.open", N1),
        )
    };
    assert!(matches!(
        open(N3, "social", "x"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        open(N1, "nowhere", "x"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        open(N1, "social", "  "),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        open(N1, "social", "a\0b"),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.person_dossiers(N3),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.person_dossiers(N1).unwrap(), vec![]);
    assert!(matches!(
        s.dossier(DossierId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.dossier_entries(DossierId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.dossier_attachments(DossierId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.entry(EntryId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.entry_history(EntryId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.attachment(AttachmentId(999)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.change_dossier(
            DossierId(999),
            &change(Some("x"), None, None),
            &dossier_event("dossier.status", N1)
        ),
        Err(StoreError::NotFound { .. })
    ));
    let d = open_dossier(s, N1, "social", "Case");
    let empty = s.add_entry(
        &NewEntry {
            dossier: d,
            kind: EntryKind::Note,
            text: " \n ",
            actor: "cw",
            at: at(20),
        },
        &dossier_event("dossier.entry", N1),
    );
    assert!(matches!(empty, Err(StoreError::Invalid(_))));
    assert!(matches!(
        s.add_entry(
            &NewEntry {
                dossier: DossierId(999),
                kind: EntryKind::Note,
                text: "x",
                actor: "cw",
                at: at(20)
            },
            &dossier_event("dossier.entry", N1),
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.audit_entries(0, 100).unwrap().len(),
        1,
        "only the one dossier opened"
    );
}

fn dossier_attachments_count_entry_and_withdrawal(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let d = open_dossier(s, N1, "social", "Case");
    let other = open_dossier(s, N1, "shelter", "Other");
    let entry = new_entry(s, d, EntryKind::Document, "Passport scan");
    let foreign = new_entry(s, other, EntryKind::Document, "Elsewhere");
    let a = attach(s, d, Some(entry), 1, 2).unwrap();
    assert_eq!(
        (
            a.dossier,
            a.entry,
            a.blob_id.as_str(),
            a.size,
            a.sha256,
            a.content_kind.as_str(),
            a.file_name.as_str(),
            a.uploaded_by.as_str(),
            a.uploaded_at,
            &a.withdrawn
        ),
        (
            d,
            Some(entry),
            blob(1).as_str(),
            1001,
            [1; 32],
            "pdf",
            "جواز سفر.pdf",
            "cw",
            at(30),
            &None
        )
    );
    assert_eq!(s.attachment(a.id).unwrap(), a);
    // The same blob may back several attachments (equal files are stored once).
    let b = attach(s, d, None, 1, 2).unwrap();
    assert_eq!(b.entry, None);
    // The limit counts attachments that are not withdrawn.
    let over = attach(s, d, None, 2, 2);
    assert!(
        matches!(over, Err(StoreError::Invalid(ref m)) if m.contains("2 attachments")),
        "{over:?}"
    );
    assert!(matches!(
        attach(s, d, Some(foreign), 2, 10),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        attach(s, d, Some(EntryId(999)), 2, 10),
        Err(StoreError::NotFound { .. })
    ));
    let bad = s.add_attachment(
        &NewAttachment {
            dossier: d,
            entry: None,
            blob_id: "../../etc/passwd",
            size: 1,
            sha256: [0; 32],
            content_kind: "pdf",
            file_name: "x.pdf",
            uploaded_by: "cw",
            uploaded_at: at(30),
        },
        10,
        &dossier_event("dossier.attach", N1),
    );
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    let w = s
        .withdraw_attachment(
            b.id,
            "lead",
            Some("wrong person"),
            at(90),
            &dossier_event("dossier.withdraw", N1),
        )
        .unwrap();
    let withdrawal = w.withdrawn.clone().unwrap();
    assert_eq!(
        (
            withdrawal.by.as_str(),
            withdrawal.at,
            withdrawal.reason.as_deref()
        ),
        ("lead", at(90), Some("wrong person"))
    );
    let again = s.withdraw_attachment(
        b.id,
        "lead",
        None,
        at(91),
        &dossier_event("dossier.withdraw", N1),
    );
    assert!(
        matches!(again, Err(StoreError::Invalid(ref m)) if m.contains("already withdrawn")),
        "{again:?}"
    );
    assert!(matches!(
        s.withdraw_attachment(
            AttachmentId(999),
            "lead",
            None,
            at(91),
            &dossier_event("dossier.withdraw", N1)
        ),
        Err(StoreError::NotFound { .. })
    ));
    // Room again for one.
    let c = attach(s, d, None, 2, 2).unwrap();
    let listed: Vec<(AttachmentId, bool)> = s
        .dossier_attachments(d)
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.withdrawn.is_some()))
        .collect();
    assert_eq!(listed, vec![(a.id, false), (b.id, true), (c.id, false)]);
    assert_eq!(s.attachment_blob_ids().unwrap(), vec![blob(1), blob(2)]);
    assert!(s.blob_referenced(&blob(2)).unwrap());
    assert!(!s.blob_referenced(&blob(3)).unwrap());
    // A removed entry takes no attachment; a closed dossier none at all.
    s.change_entry(
        entry,
        &EntryChange {
            text: None,
            removed: true,
            expected_version: None,
            actor: "lead",
            at: at(95),
        },
        &dossier_event("dossier.entry", N1),
    )
    .unwrap();
    assert!(matches!(
        attach(s, d, Some(entry), 3, 10),
        Err(StoreError::Invalid(_))
    ));
    s.change_dossier(
        d,
        &change(None, Some(DossierStatus::Closed), None),
        &dossier_event("dossier.status", N1),
    )
    .unwrap();
    assert!(
        matches!(attach(s, d, None, 3, 10), Err(StoreError::Invalid(ref m)) if m.contains("closed"))
    );
}

fn dossier_rows_refuse_update_and_delete(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let d = open_dossier(s, N1, "social", "Case");
    let e = new_entry(s, d, EntryKind::Note, "note");
    let a = attach(s, d, Some(e), 1, 10).unwrap();
    for sql in [
        format!("UPDATE dossiers SET created_by = 'x' WHERE id = {}", d.0),
        format!("DELETE FROM dossiers WHERE id = {}", d.0),
        format!(
            "UPDATE dossier_versions SET title = 'x' WHERE dossier_id = {}",
            d.0
        ),
        format!("DELETE FROM dossier_versions WHERE dossier_id = {}", d.0),
        format!(
            "UPDATE dossier_entries SET kind = 'decision' WHERE id = {}",
            e.0
        ),
        format!("DELETE FROM dossier_entries WHERE id = {}", e.0),
        format!(
            "UPDATE dossier_entry_versions SET body = 'x' WHERE entry_id = {}",
            e.0
        ),
        format!(
            "DELETE FROM dossier_entry_versions WHERE entry_id = {}",
            e.0
        ),
        format!(
            "UPDATE dossier_attachments SET file_name = 'x.pdf' WHERE id = {}",
            a.id.0
        ),
        format!("DELETE FROM dossier_attachments WHERE id = {}", a.id.0),
    ] {
        assert!(h.try_execute(&sql).is_err(), "{sql} was allowed");
    }
    s.withdraw_attachment(
        a.id,
        "lead",
        None,
        at(90),
        &dossier_event("dossier.withdraw", N1),
    )
    .unwrap();
    // Withdrawn once: not again, not undone, behind the store's back either.
    assert!(h
        .try_execute(&format!(
            "UPDATE dossier_attachments SET withdrawn_by = NULL, withdrawn_at = NULL WHERE id = {}",
            a.id.0
        ))
        .is_err());
    assert_eq!(s.dossier(d).unwrap().title, "Case");
    assert_eq!(s.entry(e).unwrap().text, "note");
    assert_eq!(s.attachment(a.id).unwrap().file_name, "جواز سفر.pdf");
}

fn dossier_attachments_concurrent_within_limit(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let d = open_dossier(s, N1, "social", "Case");
    let stored = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let stored = &stored;
            scope.spawn(move || {
                for i in 0..5u8 {
                    if attach(s, d, None, t * 10 + i, 7).is_ok() {
                        stored.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(stored.load(Ordering::Relaxed), 7);
    assert_eq!(s.dossier_attachments(d).unwrap().len(), 7);
    assert_eq!(verify_audit(s, None).unwrap().seq, 8);
}

// ---------------------------------------------------------------------------------------------
// Fingerprints (migration 0007)

fn enrol(
    s: &dyn Store,
    person: PersonNumber,
    institution: &str,
    position: u8,
    i: u8,
) -> marsad_store::Result<marsad_store::Fingerprint> {
    let original = blob(i);
    let template = blob(i.wrapping_add(100));
    s.enrol_fingerprint(
        &NewFingerprint {
            person,
            institution,
            position,
            original_blob: &original,
            original_format: "png",
            template: NewTemplate {
                blob_id: &template,
                extractor: "marsad-extract/1",
                quality: 71,
                minutiae: 38,
            },
            actor: "officer",
            at: at(60),
        },
        &dossier_event("fingerprint.enrol", person),
    )
}

fn fingerprints_enrol_reextract_withdraw(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let f = enrol(s, N1, "social", 2, 1).unwrap();
    assert_eq!((f.person, f.enrolled_under, f.position), (N1, N1, 2));
    assert_eq!(f.institution, "social");
    assert_eq!(f.institution_kind, "ministry");
    assert_eq!(f.template.version, 1);
    assert_eq!(f.template.quality, 71);
    assert_eq!(f.template.blob_id, blob(101));
    let g = enrol(s, N2, "shelter", 7, 2).unwrap();
    let state = s.fingerprint_state().unwrap();
    assert_eq!(
        (state.last_id, state.withdrawn, state.templates),
        (g.id.0, 0, 2)
    );
    // Both blobs of every capture are known to the vault's orphan cleanup.
    let known = s.attachment_blob_ids().unwrap();
    for b in [blob(1), blob(101), blob(2), blob(102)] {
        assert!(known.contains(&b), "{b} missing");
        assert!(s.blob_referenced(&b).unwrap());
    }
    // A re-extraction adds a version; the first stays.
    let t = blob(201);
    let f2 = s
        .add_fingerprint_template(
            f.id,
            &NewTemplate {
                blob_id: &t,
                extractor: "marsad-extract/2",
                quality: 80,
                minutiae: 41,
            },
            "admin",
            at(70),
            &dossier_event("fingerprint.reextract", N1),
        )
        .unwrap();
    assert_eq!(f2.template.version, 2);
    assert_eq!(f2.template.extractor, "marsad-extract/2");
    let versions = s.fingerprint_templates(f.id).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].blob_id, blob(101));
    let reextracted = s.fingerprint_state().unwrap();
    assert_eq!(reextracted.templates, 3);
    assert_eq!(reextracted.last_id, g.id.0);
    // A merge: the capture follows the survivor (and the state says a person changed).
    s.merge_persons(N2, N1, "clerk", "same fingers", at(80))
        .unwrap();
    assert_eq!(
        s.fingerprint_state().unwrap().merged,
        reextracted.merged + 1
    );
    let of_n2 = s.person_fingerprints(N2).unwrap();
    assert_eq!(of_n2.len(), 2);
    assert!(of_n2.iter().all(|f| f.person == N2));
    assert_eq!(s.person_fingerprints(N1).unwrap().len(), 2);
    // Paging over the active captures; a withdrawn one leaves the gallery but stays readable.
    let page = s.active_fingerprints(FingerprintId(0), 1).unwrap();
    assert_eq!(page.len(), 1);
    let rest = s.active_fingerprints(page[0].id, 10).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(s.fingerprint_counts().unwrap(), (2, 1));
    assert_eq!(s.fingerprinted_persons().unwrap(), vec![N2]);
    let w = s
        .withdraw_fingerprint(
            g.id,
            "lead",
            Some("captured on the wrong person"),
            at(90),
            &dossier_event("fingerprint.withdraw", N2),
        )
        .unwrap();
    assert_eq!(w.withdrawn.as_ref().unwrap().by, "lead");
    assert_eq!(s.fingerprint_state().unwrap().withdrawn, 1);
    assert_eq!(
        s.active_fingerprints(FingerprintId(0), 10).unwrap().len(),
        1
    );
    assert!(matches!(
        s.withdraw_fingerprint(g.id, "lead", None, at(91), &dossier_event("x", N2)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.add_fingerprint_template(
            g.id,
            &NewTemplate {
                blob_id: &t,
                extractor: "x",
                quality: 1,
                minutiae: 1
            },
            "a",
            at(92),
            &dossier_event("x", N2)
        ),
        Err(StoreError::Invalid(_))
    ));
    // Refusals name what is wrong; nothing is kept.
    assert!(matches!(
        enrol(s, N1, "social", 11, 3),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        enrol(s, N1, "nowhere", 1, 3),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        enrol(s, PersonNumber(999_999_999_999), "social", 1, 3),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.fingerprint(FingerprintId(12345)),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.person_fingerprints(N1).unwrap().len(), 2);
}

fn fingerprint_rows_refuse_update_and_delete(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let f = enrol(s, N1, "social", 1, 1).unwrap();
    for sql in [
        format!("UPDATE fingerprints SET position = 3 WHERE id = {}", f.id.0),
        format!(
            "UPDATE fingerprints SET original_blob = '{}' WHERE id = {}",
            blob(9),
            f.id.0
        ),
        format!("DELETE FROM fingerprints WHERE id = {}", f.id.0),
        format!(
            "UPDATE fingerprint_templates SET quality = 1 WHERE fingerprint_id = {}",
            f.id.0
        ),
        format!(
            "DELETE FROM fingerprint_templates WHERE fingerprint_id = {}",
            f.id.0
        ),
    ] {
        assert!(h.try_execute(&sql).is_err(), "{sql} was allowed");
    }
    assert_eq!(s.fingerprint(f.id).unwrap().template.quality, 71);
}

// ---------------------------------------------------------------------------------------------
// Statistics

fn stat_cell(indicator: &str, period: &str, key: &str, value: i64, units: i64) -> StatCell {
    StatCell {
        indicator: indicator.into(),
        period: period.into(),
        key: key.into(),
        value,
        denominator: 0,
        units,
        provisional: 0,
        estimated: 0,
        // A cell key that wraps: 3·10⁹ per unit modulo 2³² (two units' keys overflow 2³², a
        // removed unit's is its opposite modulo 2³²), so the store's modular addition is tested
        // by every upsert below, zero deletion included.
        ckey: (units * 3_000_000_000).rem_euclid(1 << 32),
    }
}

fn stat_member(
    src: SourceId,
    kind: &str,
    id: &str,
    unit: &str,
    person_ref: Option<&str>,
) -> StatsMember {
    StatsMember {
        record: RecordKey::new(src, kind, id),
        unit: unit.into(),
        person_ref: person_ref.map(String::from),
    }
}

fn crossing(row: u64, record_id: &str, person_record_id: &str) -> StagedRecord {
    let payload =
        format!(r#"{{"person_record_id":"{person_record_id}","record_id":"{record_id}"}}"#);
    StagedRecord {
        row,
        kind: "border_crossing".into(),
        record_id: record_id.into(),
        hash: hash(&payload),
        payload,
    }
}

fn statistics_changes_apply_and_watermark(h: &Harness) {
    let s = h.store();
    assert_eq!(s.stats_state().unwrap(), None);
    let src = people(s, 2);
    let first = s.stats_changes(false).unwrap();
    assert_eq!(first.submissions.len(), 1);
    let ids: Vec<_> = first
        .records
        .iter()
        .map(|r| r.key.record_id.clone())
        .collect();
    assert_eq!(ids, ["P1", "P2"]);
    assert!(first.numbers.is_empty() && first.event_records.is_empty());

    // The first refresh: two units, their members, the cube.
    let batch = StatsBatch {
        full: true,
        units: vec![
            ("r:P1".into(), Some("F1".into())),
            ("r:P2".into(), Some("F2".into())),
        ],
        members_removed: vec![],
        members: vec![
            stat_member(src, "person", "P1", "r:P1", None),
            stat_member(src, "person", "P2", "r:P2", None),
        ],
        deltas: vec![stat_cell("A", "2024-01", "SEX=F", 20_000, 2)],
        submissions: first.submissions.clone(),
        person_event: first.person_event,
        expect_person_event: None,
        settings: "{}".into(),
        at: at(50),
    };
    s.stats_apply(&batch).unwrap();
    let state = s.stats_state().unwrap().unwrap();
    assert_eq!((state.submissions, state.cells), (1, 1));
    assert_eq!(state.refreshed_at, at(50));
    assert_eq!(state.settings, "{}");
    let nothing = s.stats_changes(false).unwrap();
    assert!(nothing.submissions.is_empty() && nothing.records.is_empty());

    // A second import: an event record pointing to P1 and a new version of P2; and a person.
    let second = import(
        s,
        src,
        "events.csv",
        60,
        vec![crossing(1, "X1", "P1"), person(2, "P2", "Other")],
    );
    s.create_person(N1, "link", at(70)).unwrap();
    s.assign_records(N1, &[key(src, "P1")], "link", Some(12.0), at(71))
        .unwrap();
    let ch = s.stats_changes(false).unwrap();
    assert_eq!(ch.submissions, vec![second.id]);
    let mut changed: Vec<_> = ch
        .records
        .iter()
        .map(|r| (r.key.kind.as_str(), r.key.record_id.as_str()))
        .collect();
    changed.sort();
    assert_eq!(changed, [("border_crossing", "X1"), ("person", "P2")]);
    assert_eq!(ch.numbers, vec![N1]);
    assert_eq!(ch.event_records, vec![key(src, "P1")]);
    assert!(ch.person_event > state.person_event);

    // Members by record, by unit, by the person record they refer to.
    s.stats_apply(&StatsBatch {
        units: vec![
            ("r:P1".into(), None),
            (format!("p:{}", N1.0), Some("F1b".into())),
        ],
        members_removed: vec![],
        members: vec![
            stat_member(src, "person", "P1", &format!("p:{}", N1.0), None),
            stat_member(
                src,
                "border_crossing",
                "X1",
                &format!("p:{}", N1.0),
                Some("P1"),
            ),
        ],
        deltas: vec![stat_cell("A", "2024-01", "SEX=F", 10_000, 1)],
        submissions: ch.submissions.clone(),
        person_event: ch.person_event,
        settings: "{}".into(),
        at: at(80),
        ..StatsBatch::default()
    })
    .unwrap();
    let by_ref = s.stats_members_referring(&[key(src, "P1")]).unwrap();
    assert_eq!(by_ref.len(), 1);
    assert_eq!(by_ref[0].record.record_id, "X1");
    let unit = format!("p:{}", N1.0);
    let mut of_unit: Vec<_> = s
        .stats_members_of_units(std::slice::from_ref(&unit))
        .unwrap()
        .into_iter()
        .map(|m| m.record.record_id)
        .collect();
    of_unit.sort();
    assert_eq!(of_unit, ["P1", "X1"]);
    let of_records = s
        .stats_members_of_records(&[key(src, "P1"), key(src, "P9")])
        .unwrap();
    assert_eq!(of_records.len(), 1);
    assert_eq!(of_records[0].unit, unit);
    assert_eq!(
        s.stats_unit_facts(&["r:P1".into(), unit.clone(), "r:P2".into()])
            .unwrap(),
        vec![
            (unit.clone(), "F1b".to_string()),
            ("r:P2".to_string(), "F2".to_string())
        ]
    );
    let recs = s
        .stats_records(&[
            key(src, "P1"),
            RecordKey::new(src, "border_crossing", "X1"),
            key(src, "P9"),
        ])
        .unwrap();
    assert_eq!(recs.len(), 2);
    assert!(recs
        .iter()
        .any(|r| r.key.record_id == "P1" && r.person == Some(N1)));
    let cells = s.stats_cells(None, 10).unwrap();
    assert_eq!(cells, vec![stat_cell("A", "2024-01", "SEX=F", 30_000, 3)]);
    assert!(s.stats_changes(false).unwrap().submissions.is_empty());
    assert!(s.stats_changes(false).unwrap().numbers.is_empty());
    // Applying the same submissions twice (two refreshes at once) is refused whole.
    conflict(s.stats_apply(&StatsBatch {
        submissions: ch.submissions.clone(),
        person_event: ch.person_event,
        settings: "{}".into(),
        at: at(85),
        ..StatsBatch::default()
    }));

    // A full refresh lists every complete submission and starts from nothing.
    let all = s.stats_changes(true).unwrap();
    assert_eq!(all.submissions.len(), 2);
    assert!(all.records.is_empty());
    s.stats_apply(&StatsBatch {
        full: true,
        submissions: all.submissions,
        person_event: all.person_event,
        settings: "{\"v\":2}".into(),
        at: at(90),
        ..StatsBatch::default()
    })
    .unwrap();
    let state = s.stats_state().unwrap().unwrap();
    assert_eq!((state.submissions, state.cells), (2, 0));
    assert!(s.stats_members_of_units(&[unit]).unwrap().is_empty());
    s.stats_clear().unwrap();
    assert_eq!(s.stats_state().unwrap(), None);
    assert_eq!(s.stats_changes(false).unwrap().submissions.len(), 2);
}

fn statistics_record_units_by_kind(h: &Harness) {
    let s = h.store();
    let src = people(s, 1);
    let other = s.add_source("bank", None, at(5)).unwrap().id;
    let unit = |source: SourceId, kind: &str, id: &str| format!("r:{}:{kind}:{id}", source.0);
    let units = vec![
        (unit(src, "remittance_flow", "RF1"), Some("F1".to_string())),
        (
            unit(other, "remittance_flow", "RF2"),
            Some("F2".to_string()),
        ),
        // Not of the kind: a kind whose name only starts the same, a person, a unified person.
        (unit(src, "remittance_flows", "Z"), Some("F3".to_string())),
        (unit(src, "person", "P1"), Some("F4".to_string())),
        ("p:123456789012".to_string(), Some("F5".to_string())),
    ];
    s.stats_apply(&StatsBatch {
        full: true,
        units,
        settings: "{}".into(),
        at: at(10),
        ..StatsBatch::default()
    })
    .unwrap();
    let mut got = s.stats_record_units("remittance_flow").unwrap();
    got.sort();
    assert_eq!(
        got,
        vec![
            (unit(src, "remittance_flow", "RF1"), "F1".to_string()),
            (unit(other, "remittance_flow", "RF2"), "F2".to_string()),
        ]
    );
    assert!(s.stats_record_units("incident").unwrap().is_empty());
}

fn statistics_cells_upsert_zero_delete_and_page(h: &Harness) {
    let s = h.store();
    let mut deltas = Vec::new();
    for i in 0..130 {
        deltas.push(stat_cell(
            "B",
            &format!("2024-{:02}", i % 12 + 1),
            &format!("SEX=F;AGE=Y{i:03}"),
            10_000 * (i + 1),
            1,
        ));
    }
    deltas.push(stat_cell("A", "2023-12", "", 5, 1));
    let mut batch = StatsBatch {
        full: true,
        deltas: deltas.clone(),
        settings: "{}".into(),
        at: at(1),
        ..StatsBatch::default()
    };
    s.stats_apply(&batch).unwrap();
    // Page through in order.
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = s.stats_cells(after.as_ref(), 47).unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((
            last.indicator.clone(),
            last.period.clone(),
            last.key.clone(),
        ));
        all.extend(page);
    }
    assert_eq!(all.len(), 131);
    let mut sorted = deltas.clone();
    sorted
        .sort_by(|a, b| (&a.indicator, &a.period, &a.key).cmp(&(&b.indicator, &b.period, &b.key)));
    assert_eq!(all, sorted);
    assert_eq!(
        s.stats_state().unwrap().unwrap().cells,
        131,
        "the count kept after a full refresh"
    );
    // A delta adds; one that brings a cell back to zero deletes it; negative sums are kept.
    batch.full = false;
    batch.deltas = vec![
        stat_cell("A", "2023-12", "", -5, -1),
        stat_cell("B", "2024-01", "SEX=F;AGE=Y000", 1, 0),
        stat_cell("C", "2024-01", "", -3, -1),
    ];
    s.stats_apply(&batch).unwrap();
    // A refresh computed from an older watermark is refused whole.
    let stale = StatsBatch {
        full: false,
        deltas: vec![stat_cell("Z", "2024-01", "", 1, 1)],
        expect_person_event: Some(99),
        settings: "{}".into(),
        at: at(2),
        ..StatsBatch::default()
    };
    conflict(s.stats_apply(&stale));
    let a = s.stats_cells(None, 1).unwrap();
    assert_eq!(a[0].indicator, "B");
    assert_eq!(a[0].value, 10_001);
    let all = s.stats_cells(None, 1000).unwrap();
    assert_eq!(all.len(), 131, "nothing of the stale batch was kept");
    assert_eq!(all.last().unwrap(), &stat_cell("C", "2024-01", "", -3, -1));
    assert_eq!(
        s.stats_state().unwrap().unwrap().cells,
        131,
        "the count kept by an incremental refresh: one cell deleted, one added"
    );
    // Two new cells and two brought to zero in one batch.
    batch.deltas = vec![
        stat_cell("B", "2024-02", "SEX=F;AGE=Y001", -20_000, -1),
        stat_cell("B", "2024-03", "SEX=F;AGE=Y002", -30_000, -1),
        stat_cell("D", "2024-01", "", 1, 1),
        stat_cell("D", "2024-02", "", 1, 1),
    ];
    s.stats_apply(&batch).unwrap();
    let all = s.stats_cells(None, 1000).unwrap();
    assert_eq!(all.len(), 131);
    assert_eq!(s.stats_state().unwrap().unwrap().cells, 131);
    assert!(!all.iter().any(|c| c.key == "SEX=F;AGE=Y001"));
}

// ---------------------------------------------------------------------------------------------
// GCM monitoring (migration 0009)

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn plan_action(id: &str, version: u32, status: &str, when: i64) -> PlanActionRow {
    PlanActionRow {
        id: id.into(),
        version,
        title: "Former les agents consulaires · تدريب".into(),
        objectives: vec![4, 14],
        owner: "social".into(),
        partners: vec!["shelter".into(), "IOM".into()],
        budget: Some((250_000, "TND".into())),
        start: day(2025, 1, 1),
        end: Some(day(2026, 12, 31)),
        status: status.into(),
        step: "implementation".into(),
        changed_by: "committee".into(),
        changed_at: at(when),
    }
}

fn measurement(year: i32, value: f64) -> MeasurementRow {
    MeasurementRow {
        period_start: day(year, 1, 1),
        period_end: day(year, 12, 31),
        value,
        source: "INS".into(),
    }
}

fn gcm_plan_versions_indicators_evaluations_evidence(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    s.save_plan_action(&plan_action("A-04-1", 1, "planned", 10))
        .unwrap();
    assert!(matches!(
        s.save_plan_action(&plan_action("A-04-1", 1, "planned", 11)),
        Err(StoreError::Conflict { .. })
    ));
    s.save_plan_action(&plan_action("A-04-1", 2, "ongoing", 20))
        .unwrap();
    // A version decided on version 1 after version 2 was saved is refused.
    assert!(matches!(
        s.save_plan_action(&plan_action("A-04-1", 2, "completed", 30)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.save_plan_action(&plan_action("A-04-1", 4, "completed", 30)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.save_plan_action(&plan_action("nope", 2, "completed", 30)),
        Err(StoreError::NotFound { .. })
    ));
    s.save_plan_action(&plan_action("A-23-1", 1, "draft", 12))
        .unwrap();
    let current = s.plan_action("A-04-1").unwrap();
    assert_eq!(current, plan_action("A-04-1", 2, "ongoing", 20));
    let history = s.plan_action_history("A-04-1").unwrap();
    assert_eq!(
        history
            .iter()
            .map(|v| (v.version, v.status.as_str()))
            .collect::<Vec<_>>(),
        [(1, "planned"), (2, "ongoing")]
    );
    let all = s.plan_actions().unwrap();
    assert_eq!(
        all.iter()
            .map(|a| (a.id.as_str(), a.version))
            .collect::<Vec<_>>(),
        [("A-04-1", 2), ("A-23-1", 1)]
    );
    let mut no_budget = plan_action("A-23-1", 2, "planned", 40);
    no_budget.budget = None;
    no_budget.end = None;
    s.save_plan_action(&no_budget).unwrap();
    assert_eq!(s.plan_action("A-23-1").unwrap(), no_budget);
    assert!(matches!(
        s.plan_action_history("nope"),
        Err(StoreError::NotFound { .. })
    ));

    let indicator = IndicatorRow {
        action: "A-04-1".into(),
        code: "10.7.2".into(),
        baseline: measurement(2024, 12.0),
        target: measurement(2027, 40.0),
        direction: None,
        measurements: Vec::new(),
        created_by: "observatory".into(),
        created_at: at(50),
    };
    s.add_plan_indicator(&indicator).unwrap();
    assert!(matches!(
        s.add_plan_indicator(&indicator),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.add_plan_indicator(&IndicatorRow {
            action: "nope".into(),
            ..indicator.clone()
        }),
        Err(StoreError::NotFound { .. })
    ));
    s.add_plan_measurement("A-04-1", "10.7.2", &measurement(2026, 30.5), "obs", at(60))
        .unwrap();
    s.add_plan_measurement("A-04-1", "10.7.2", &measurement(2025, 20.0), "obs", at(61))
        .unwrap();
    assert!(matches!(
        s.add_plan_measurement("A-04-1", "10.7.2", &measurement(2025, 21.0), "obs", at(62)),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.add_plan_measurement("A-04-1", "9.9", &measurement(2025, 1.0), "obs", at(62)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.add_plan_measurement(
            "A-04-1",
            "10.7.2",
            &measurement(2023, f64::NAN),
            "obs",
            at(62)
        ),
        Err(StoreError::Invalid(_))
    ));
    let indicators = s.plan_indicators().unwrap();
    assert_eq!(indicators.len(), 1);
    assert_eq!(
        indicators[0].measurements,
        [measurement(2025, 20.0), measurement(2026, 30.5)],
        "in period order"
    );
    assert_eq!(indicators[0].baseline, indicator.baseline);

    let evaluation = EvaluationRow {
        id: 0,
        action: "A-04-1".into(),
        date: day(2025, 12, 15),
        author: "Comité national".into(),
        learned: "Les formations régionales touchent plus d'agents".into(),
        obstacles: vec!["budget tardif".into(), "rotation du personnel".into()],
        recorded_by: "committee".into(),
        recorded_at: at(70),
    };
    let id = s.add_plan_evaluation(&evaluation).unwrap();
    assert!(matches!(
        s.add_plan_evaluation(&EvaluationRow {
            learned: " ".into(),
            obstacles: vec![],
            ..evaluation.clone()
        }),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.plan_evaluations().unwrap(),
        [EvaluationRow { id, ..evaluation }]
    );

    let d = open_dossier(s, N1, "social", "Rapports du plan");
    let a = attach(s, d, None, 3, 10).unwrap();
    let evidence = EvidenceRow {
        id: 0,
        action: "A-04-1".into(),
        title: "Rapport de formation".into(),
        attachment: a.id,
        date: day(2025, 6, 30),
        recorded_by: "committee".into(),
        recorded_at: at(80),
    };
    let id = s.add_plan_evidence(&evidence).unwrap();
    assert!(matches!(
        s.add_plan_evidence(&EvidenceRow {
            attachment: AttachmentId(999_999),
            ..evidence.clone()
        }),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.plan_evidence().unwrap(), [EvidenceRow { id, ..evidence }]);
}

fn incident_report(date: chrono::NaiveDate, source: &str, dead: u32) -> IncidentRow {
    IncidentRow {
        id: 0,
        date,
        location: Some((35.5, 12.6)),
        route: Some("central_mediterranean".into()),
        region: Some("Mediterranean".into()),
        country: Some("TUN".into()),
        dead,
        missing: 12,
        survivors: Some(30),
        females: Some(4),
        males: None,
        children: Some(2),
        cause: Some("drowning".into()),
        sources: vec![
            (source.into(), "official".into()),
            ("Media".into(), "unverified".into()),
        ],
        institution: "social".into(),
        recorded_by: "officer".into(),
        recorded_at: at(100),
    }
}

fn gcm_incidents_sources_links_persons(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let a = s
        .add_incident(
            &incident_report(day(2025, 2, 10), "Garde nationale", 5),
            &[],
        )
        .unwrap();
    let b = s
        .add_incident(
            &incident_report(day(2025, 2, 11), "IOM", 6),
            &[(a.id, "dates 1 day(s) apart; 3.0 km apart".into())],
        )
        .unwrap();
    let c = s
        .add_incident(&incident_report(day(2025, 5, 1), "IOM", 1), &[])
        .unwrap();
    assert_eq!(b.sources[0], ("IOM".to_string(), "official".to_string()));
    assert_eq!(b.sources.len(), 2);
    assert_eq!(
        s.incident(a.id).unwrap(),
        IncidentRow {
            id: a.id,
            ..incident_report(day(2025, 2, 10), "Garde nationale", 5)
        }
    );
    let links = s.incident_links().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].low, links[0].high),
        (a.id.min(b.id), a.id.max(b.id))
    );
    assert!(links[0].reasons.contains("km apart"));
    assert!(matches!(
        s.add_incident(
            &incident_report(day(2025, 2, 11), "X", 6),
            &[(999_999, "x".into())]
        ),
        Err(StoreError::NotFound { .. })
    ));
    let feb = s.incidents(day(2025, 2, 1), day(2025, 2, 28)).unwrap();
    assert_eq!(
        feb.iter().map(|i| i.id).collect::<Vec<_>>(),
        [a.id, b.id],
        "the refused one left nothing"
    );
    assert_eq!(
        s.incidents(day(2025, 1, 1), day(2025, 12, 31))
            .unwrap()
            .len(),
        3
    );
    let mut no_source = incident_report(day(2025, 2, 11), "X", 6);
    no_source.sources.clear();
    assert!(matches!(
        s.add_incident(&no_source, &[]),
        Err(StoreError::Invalid(_))
    ));
    let mut no_place = incident_report(day(2025, 3, 1), "X", 6);
    no_place.location = None;
    no_place.females = None;
    let d = s.add_incident(&no_place, &[]).unwrap();
    assert_eq!(s.incident(d.id).unwrap().location, None);

    let event = dossier_event("incident.person", N1);
    let before = s.audit_entries(0, 10_000).unwrap().len();
    assert_eq!(
        s.link_incident_person(c.id, N1, "officer", at(120), &event)
            .unwrap(),
        N1
    );
    assert!(matches!(
        s.link_incident_person(c.id, N1, "officer", at(121), &event),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.link_incident_person(c.id, PersonNumber(42), "officer", at(121), &event),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.audit_entries(0, 10_000).unwrap().len(),
        before + 1,
        "one link, one entry"
    );
    s.merge_persons(N2, N1, "link", "same", at(130)).unwrap();
    assert_eq!(
        s.incident_persons(c.id).unwrap(),
        [N2],
        "follows the survivor"
    );
    assert!(matches!(
        s.incident_persons(999_999),
        Err(StoreError::NotFound { .. })
    ));
}

fn victim(s: &dyn Store) -> TraffickingCase {
    s.add_trafficking_case(
        &TraffickingCase {
            id: 0,
            institution: "social".into(),
            identified_at: at(200),
            person: Some(N1),
            sex: Some("F".into()),
            age_group: Some("Y18T24".into()),
            nationality: Some("NGA".into()),
            exploitation: "domestic_servitude".into(),
            recorded_by: "cw".into(),
        },
        &dossier_event("referral.case", N1),
    )
    .unwrap()
}

fn referral_event(seq: u32, from: &str, to: &str, institution: &str, when: i64) -> ReferralEvent {
    ReferralEvent {
        seq,
        from: from.into(),
        to: to.into(),
        institution: institution.into(),
        actor: "7".into(),
        reason: None,
        at: at(when),
    }
}

fn gcm_referral_moves_in_order_and_audited(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let case = victim(s);
    assert_eq!(s.trafficking_case(case.id).unwrap(), case);
    assert_eq!(case.nationality.as_deref(), Some("NGA"));
    let new = ReferralRow {
        id: 0,
        case_id: case.id,
        kind: "shelter".into(),
        referring: "social".into(),
        receiving: "shelter".into(),
        note: Some("urgent".into()),
        proposed_by: "7".into(),
        proposed_at: at(210),
        events: Vec::new(),
    };
    let before = s.audit_entries(0, 10_000).unwrap().len();
    let r = s
        .add_referral(&new, &dossier_event("referral.propose", N1))
        .unwrap();
    assert_eq!(
        r,
        ReferralRow {
            id: r.id,
            ..new.clone()
        }
    );
    assert!(matches!(
        s.add_referral(
            &ReferralRow {
                case_id: 999_999,
                ..new.clone()
            },
            &dossier_event("x", N1)
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.add_referral(
            &ReferralRow {
                receiving: "social".into(),
                ..new.clone()
            },
            &dossier_event("x", N1)
        ),
        Err(StoreError::Invalid(_))
    ));
    let audit = dossier_event("referral.move", N1);
    s.move_referral(
        r.id,
        &referral_event(1, "proposed", "accepted", "shelter", 220),
        &audit,
    )
    .unwrap();
    // Decided on the proposed referral, after it was accepted: refused.
    assert!(matches!(
        s.move_referral(
            r.id,
            &referral_event(1, "proposed", "declined", "shelter", 221),
            &audit
        ),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.move_referral(
            r.id,
            &referral_event(2, "proposed", "declined", "shelter", 221),
            &audit
        ),
        Err(StoreError::Invalid(_))
    ));
    let mut cancel = referral_event(2, "accepted", "cancelled", "social", 230);
    cancel.reason = Some("la personne a quitté le pays".into());
    let moved = s.move_referral(r.id, &cancel, &audit).unwrap();
    assert_eq!(moved.events.len(), 2);
    assert_eq!(moved.events[1], cancel);
    assert_eq!(
        s.audit_entries(0, 10_000).unwrap().len(),
        before + 3,
        "proposal and two moves on record, refusals not"
    );
    assert!(matches!(
        s.move_referral(
            999_999,
            &referral_event(1, "proposed", "accepted", "shelter", 240),
            &audit
        ),
        Err(StoreError::NotFound { .. })
    ));
    let all = s.referrals().unwrap();
    assert_eq!(all, [moved]);
    assert_eq!(s.trafficking_cases().unwrap(), [case]);
}

fn gcm_complaints_reference_and_status_history(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    let new = ComplaintRow {
        reference: "CMP-7K4Q-9XD2".into(),
        lang: "ar".into(),
        channel: "form".into(),
        category: "recruitment_fees".into(),
        body: "طلب مني المكتب دفع رسوم التوظيف".into(),
        contact: None,
        handler: "social".into(),
        received_at: at(300),
        events: Vec::new(),
    };
    assert_eq!(s.add_complaint(&new).unwrap(), new);
    assert!(matches!(
        s.add_complaint(&new),
        Err(StoreError::Conflict { .. })
    ));
    let other = ComplaintRow {
        reference: "CMP-0000-0001".into(),
        handler: "shelter".into(),
        received_at: at(301),
        ..new.clone()
    };
    s.add_complaint(&other).unwrap();
    let audit = dossier_event("complaint.move", N1);
    let ev = |seq, from: &str, to: &str, when| ComplaintEvent {
        seq,
        from: from.into(),
        to: to.into(),
        actor: "7".into(),
        note: Some("vu".into()),
        at: at(when),
    };
    s.move_complaint(
        &new.reference,
        &ev(1, "received", "under_review", 310),
        &audit,
    )
    .unwrap();
    assert!(matches!(
        s.move_complaint(&new.reference, &ev(1, "received", "closed", 311), &audit),
        Err(StoreError::Invalid(_))
    ));
    let c = s
        .move_complaint(
            &new.reference,
            &ev(2, "under_review", "answered", 320),
            &audit,
        )
        .unwrap();
    assert_eq!(
        c.events.iter().map(|e| e.to.as_str()).collect::<Vec<_>>(),
        ["under_review", "answered"]
    );
    assert_eq!(s.complaint(&new.reference).unwrap(), c);
    assert_eq!(s.complaints(Some("shelter")).unwrap(), [other]);
    assert_eq!(s.complaints(None).unwrap().len(), 2);
    assert!(matches!(
        s.complaint("CMP-XXXX-XXXX"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.add_complaint(&ComplaintRow {
            reference: "CMP-1".into(),
            body: "  ".into(),
            ..new
        }),
        Err(StoreError::Invalid(_))
    ));
}

fn gcm_rows_refuse_update_and_delete(h: &Harness) {
    let s = h.store();
    dossier_setup(s);
    s.save_plan_action(&plan_action("A-1", 1, "planned", 10))
        .unwrap();
    let case = victim(s);
    let i = s
        .add_incident(&incident_report(day(2025, 2, 10), "IOM", 5), &[])
        .unwrap();
    for sql in [
        "UPDATE plan_action_versions SET status = 'completed'".to_string(),
        "DELETE FROM plan_action_versions".to_string(),
        "DELETE FROM plan_actions".to_string(),
        format!(
            "UPDATE trafficking_cases SET sex = 'M' WHERE id = {}",
            case.id
        ),
        format!("DELETE FROM incident_sources WHERE incident_id = {}", i.id),
        format!("UPDATE incidents SET dead = 0 WHERE id = {}", i.id),
    ] {
        assert!(h.try_execute(&sql).is_err(), "{sql} was allowed");
    }
}

// ---------------------------------------------------------------------------------------------
// Research microdata extracts

fn microdata_request(institution: &str, when: i64) -> MicrodataRequestRow {
    MicrodataRequestRow {
        id: 0,
        requester: "user:7".into(),
        requester_name: "rania".into(),
        institution: institution.into(),
        purpose: "دراسة مسارات العمال المهاجرين".into(),
        project: "Labour migration trajectories 2020-2024".into(),
        kinds: vec!["labour_placement".into(), "return".into()],
        first_year: 2020,
        last_year: 2024,
        variables: vec![
            "sex".into(),
            "age_group".into(),
            "destination".into(),
            "placements".into(),
        ],
        quasi_identifiers: vec!["sex".into(), "age_group".into(), "destination".into()],
        k: 5,
        max_risk: 0.2,
        requested_at: at(when),
        events: Vec::new(),
    }
}

fn microdata_audit(action: &str) -> AuditEvent {
    AuditEvent {
        at: at(500),
        actor: Actor::User("7".into()),
        institution: Some("university".into()),
        action: action.into(),
        object: Some(AuditObject {
            kind: "microdata_request".into(),
            id: "new".into(),
        }),
        purpose: Some(Purpose::parse("دراسة مسارات العمال المهاجرين").unwrap()),
        outcome: Outcome::Success,
    }
}

fn microdata_event(seq: u32, from: &str, to: &str, when: i64) -> MicrodataEvent {
    MicrodataEvent {
        seq,
        from: from.into(),
        to: to.into(),
        actor: "user:9".into(),
        actor_name: "dpo".into(),
        institution: Some("observatory".into()),
        reasons: Some("risk below the level in force".into()),
        report: Some("{\"k_after\":5}".into()),
        file_ref: None,
        at: at(when),
    }
}

fn microdata_requests_decisions_and_release(h: &Harness) {
    let s = h.store();
    let new = microdata_request("university", 300);
    let a = s
        .add_microdata_request(&new, &microdata_audit("microdata.request"))
        .unwrap();
    assert!(a.id > 0);
    assert_eq!(a.status(), "requested");
    assert_eq!(MicrodataRequestRow { id: 0, ..a.clone() }, new);
    // the audit entry names the new request and keeps the purpose
    let logged = s
        .audit_by_object("microdata_request", &a.id.to_string(), 10)
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].purpose.as_deref(),
        Some("دراسة مسارات العمال المهاجرين")
    );
    let b = s
        .add_microdata_request(
            &microdata_request("institute", 301),
            &microdata_audit("microdata.request"),
        )
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(
        s.microdata_requests(Some("university")).unwrap(),
        std::slice::from_ref(&a)
    );
    assert_eq!(s.microdata_requests(None).unwrap().len(), 2);

    // approval and release in one step, with the file
    let csv = "pseudonym,sex\nab12,F\n".to_string();
    let extract = MicrodataExtract {
        request_id: a.id,
        sha256: "00ff".into(),
        rows: 1,
        content: csv.clone(),
        blob_id: None,
        created_at: at(320),
    };
    let mut release = microdata_event(2, "approved", "released", 320);
    release.file_ref = Some("sha256:00ff".into());
    let audit = microdata_audit("microdata.release");
    // a stale decision (from the wrong state) is refused and writes nothing
    assert!(matches!(
        s.move_microdata_request(
            a.id,
            &[microdata_event(1, "approved", "released", 310)],
            None,
            &audit
        ),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.microdata_extract(a.id),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.approved_microdata_requests().unwrap(), Vec::<i64>::new());
    // an approval alone (the extract built later): approved, listed for the build
    let c = s
        .add_microdata_request(
            &microdata_request("institute", 302),
            &microdata_audit("microdata.request"),
        )
        .unwrap();
    let approved = s
        .move_microdata_request(
            c.id,
            &[microdata_event(1, "requested", "approved", 305)],
            None,
            &microdata_audit("microdata.approve"),
        )
        .unwrap();
    assert_eq!(approved.status(), "approved");
    assert_eq!(s.approved_microdata_requests().unwrap(), vec![c.id]);
    let built = s
        .move_microdata_request(
            c.id,
            &[microdata_event(2, "approved", "refused", 306)],
            None,
            &microdata_audit("microdata.refuse-risk"),
        )
        .unwrap();
    assert_eq!(built.status(), "refused");
    assert_eq!(s.approved_microdata_requests().unwrap(), Vec::<i64>::new());
    let moved = s
        .move_microdata_request(
            a.id,
            &[microdata_event(1, "requested", "approved", 310), release],
            Some(&extract),
            &audit,
        )
        .unwrap();
    assert_eq!(moved.status(), "released");
    assert_eq!(moved.events.len(), 2);
    assert_eq!(moved.events[1].file_ref.as_deref(), Some("sha256:00ff"));
    assert_eq!(s.microdata_request(a.id).unwrap(), moved);
    assert_eq!(s.microdata_extract(a.id).unwrap(), extract);
    // decided once: a second decision from `requested` is stale
    assert!(matches!(
        s.move_microdata_request(
            a.id,
            &[microdata_event(1, "requested", "refused", 330)],
            None,
            &audit
        ),
        Err(StoreError::Invalid(_))
    ));
    // refused and withdrawn
    let r = s
        .move_microdata_request(
            b.id,
            &[microdata_event(1, "requested", "refused", 340)],
            None,
            &audit,
        )
        .unwrap();
    assert_eq!(r.status(), "refused");
    assert!(matches!(
        s.move_microdata_request(
            b.id,
            &[microdata_event(2, "refused", "rejected", 341)],
            None,
            &audit
        ),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.microdata_request(999_999),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.move_microdata_request(
            999_999,
            &[microdata_event(1, "requested", "withdrawn", 341)],
            None,
            &audit
        ),
        Err(StoreError::NotFound { .. })
    ));
    // bad requests
    for bad in [
        MicrodataRequestRow {
            purpose: " ".into(),
            ..new.clone()
        },
        MicrodataRequestRow {
            quasi_identifiers: vec!["citizenship".into()],
            ..new.clone()
        },
        MicrodataRequestRow {
            first_year: 2025,
            ..new.clone()
        },
        MicrodataRequestRow {
            k: 0,
            ..new.clone()
        },
    ] {
        assert!(matches!(
            s.add_microdata_request(&bad, &microdata_audit("microdata.request")),
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(s.microdata_requests(None).unwrap().len(), 3);
}

fn microdata_rows_refuse_update_and_delete(h: &Harness) {
    let s = h.store();
    let a = s
        .add_microdata_request(
            &microdata_request("university", 300),
            &microdata_audit("microdata.request"),
        )
        .unwrap();
    let extract = MicrodataExtract {
        request_id: a.id,
        sha256: "00ff".into(),
        rows: 0,
        // kept encrypted in the vault: the store holds its id only
        content: String::new(),
        blob_id: Some("ab".repeat(32)),
        created_at: at(320),
    };
    s.move_microdata_request(
        a.id,
        &[
            microdata_event(1, "requested", "approved", 310),
            microdata_event(2, "approved", "released", 320),
        ],
        Some(&extract),
        &microdata_audit("microdata.release"),
    )
    .unwrap();
    assert_eq!(s.microdata_extract(a.id).unwrap(), extract);
    // the vault's orphan cleanup keeps the extract's blob
    assert!(s.blob_referenced(&"ab".repeat(32)).unwrap());
    assert!(s.attachment_blob_ids().unwrap().contains(&"ab".repeat(32)));
    for sql in [
        "UPDATE microdata_requests SET k = 1".to_string(),
        "DELETE FROM microdata_requests".to_string(),
        "UPDATE microdata_events SET to_state = 'refused'".to_string(),
        "DELETE FROM microdata_events".to_string(),
        "UPDATE microdata_extracts SET content = ''".to_string(),
        "DELETE FROM microdata_extracts".to_string(),
    ] {
        assert!(h.try_execute(&sql).is_err(), "{sql} was allowed");
    }
}

/// A run lock has one holder at a time: a second taker learns who and since when; giving it back
/// frees it, and only its holder can; breaking it frees it whoever holds it.
fn run_locks_one_holder_at_a_time(h: &Harness) {
    let s = h.store();
    assert_eq!(s.take_run_lock("unify", "run A", at(10)).unwrap(), None);
    // Taking it again as its holder is not a conflict.
    assert_eq!(s.take_run_lock("unify", "run A", at(11)).unwrap(), None);
    let held = s.take_run_lock("unify", "run B", at(12)).unwrap().unwrap();
    assert_eq!(held.holder, "run A");
    assert_eq!(held.since, at(10));
    // Another lock's name is another lock.
    assert_eq!(s.take_run_lock("other", "run B", at(12)).unwrap(), None);
    // Only the holder gives it back.
    s.release_run_lock("unify", "run B").unwrap();
    assert!(s.take_run_lock("unify", "run C", at(13)).unwrap().is_some());
    s.release_run_lock("unify", "run A").unwrap();
    assert_eq!(s.take_run_lock("unify", "run C", at(14)).unwrap(), None);
    // A run that died: its lock is broken by hand.
    let broken = s.break_run_lock("unify").unwrap().unwrap();
    assert_eq!((broken.holder.as_str(), broken.since), ("run C", at(14)));
    assert_eq!(s.break_run_lock("unify").unwrap(), None);
    assert_eq!(s.take_run_lock("unify", "run D", at(15)).unwrap(), None);
}
