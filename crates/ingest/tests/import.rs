//! The ingest crate's one integration test binary: every kind of bad input a producing institution
//! really sends, imported into a real store (SQLite always; PostgreSQL too when
//! MARSAD_TEST_DATABASE_URL names a server), checking that each row is stored or quarantined with a
//! clear reason and that nothing is lost.

// Helpers of tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use marsad_ingest::{
    import_file, resubmit_quarantine, Disposition, ImportOutcome, ImportRequest, NoProgress,
};
use marsad_model::FixedClock;
use marsad_store::{QuarantineFilter, QuarantineStatus, Store};
use marsad_testkit::{Engine, TestDb};

const HEADER: &str = "source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode";

fn clock() -> FixedClock {
    FixedClock(Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap())
}

/// A fresh store with one source `census`, on the engine chosen by the test, plus a folder for files.
struct Env {
    store: Box<dyn Store>,
    db: TestDb,
}

fn env(engine: Engine) -> Option<Env> {
    let db = TestDb::new(engine)?;
    let store = db.open();
    store.add_source("census", None, clock().0).unwrap();
    Some(Env { store, db })
}

impl Env {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.db.dir().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn import(&self, path: &Path, mapping: Option<&str>) -> ImportOutcome {
        import_file(
            self.store.as_ref(),
            &ImportRequest {
                source: "census",
                path,
                file_name: None,
                mapping,
                submitted_by: "test",
            },
            &clock(),
            &NoProgress,
        )
        .unwrap()
    }

    fn import_text(&self, name: &str, text: &str, mapping: Option<&str>) -> ImportOutcome {
        let path = self.write(name, text.as_bytes());
        self.import(&path, mapping)
    }

    fn payload(&self, kind: &str, id: &str) -> serde_json::Value {
        let source = self.store.source("census").unwrap().unwrap();
        let rec = self
            .store
            .record(source.id, kind, id)
            .unwrap()
            .unwrap_or_else(|| panic!("no {kind} {id}"));
        serde_json::from_str(&rec.payload).unwrap()
    }
}

fn person_csv(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// `(accepted, unchanged, rejected rows)` of an outcome.
fn counts(o: &ImportOutcome) -> (u64, u64, u64) {
    let j = o.to_json();
    (
        j["accepted"].as_u64().unwrap(),
        j["unchanged"].as_u64().unwrap(),
        o.report.submission.rejected,
    )
}

fn rejected(o: &ImportOutcome) -> Vec<(u64, Option<String>, String)> {
    o.report
        .rejected
        .iter()
        .map(|i| (i.row, i.field.clone(), i.reason.clone()))
        .collect()
}

fn assert_rejected(o: &ImportOutcome, row: u64, field: Option<&str>, needle: &str) {
    let all = rejected(o);
    assert!(
        all.iter()
            .any(|(r, f, reason)| *r == row && f.as_deref() == field && reason.contains(needle)),
        "no rejection at row {row} field {field:?} containing {needle:?} in {all:#?}"
    );
}

fn refused_reason(o: &ImportOutcome) -> String {
    assert_eq!(o.disposition, Disposition::Rejected, "{:#?}", o.report);
    o.report.submission.error.clone().unwrap()
}

const GOOD1: &str = "census,P1,Mohamed,Trabelsi,Salah,,M,1980-03-04,Sfax,TUN,passport,X123,,,,";
const GOOD2: &str = "census,P2,فاطمة,الغربي,,,F,1975,صفاقس,Tunisie,,,,,,";
const GOOD3: &str = "census,P3,Amadou,Diallo,,,M,1990-07,,SEN,,,,,,";

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $name() { if let Some(e) = super::env(super::Engine::Sqlite) { super::$name(&e) } } )* }
        mod postgres { $( #[test] fn $name() { if let Some(e) = super::env(super::Engine::Postgres) { super::$name(&e) } } )* }
    };
}

both_engines!(
    canonical_person_csv_lands,
    unterminated_quote,
    ragged_rows,
    byte_order_mark,
    mixed_line_endings,
    windows_1256_and_iso_8859_6,
    utf16,
    excel_with_merged_cells_and_formulas,
    impossible_dates,
    day_month_order,
    unknown_country_spellings,
    missing_required_column,
    empty_file,
    file_not_what_its_extension_says,
    duplicated_record_id,
    resubmitting_the_same_file_changes_nothing,
    changed_rows_become_new_versions,
    interrupted_import_resumes_and_shows_nothing_before,
    quarantine_correct_and_resubmit,
    json_lines_with_nested_fields,
    bulk_corrections_through_a_spreadsheet,
    mapping_with_two_record_kinds,
);

fn canonical_person_csv_lands(e: &Env) {
    let o = e.import_text("people.csv", &person_csv(&[GOOD1, GOOD2, GOOD3]), None);
    assert_eq!(o.disposition, Disposition::Imported);
    assert_eq!(counts(&o), (3, 0, 0), "{:#?}", o.report);
    let p = e.payload("person", "P2");
    assert_eq!(p["nationality"], "TUN");
    assert_eq!(p["given_name"], "فاطمة");
    assert_eq!(p["given_name_script"], "arabic");
    assert_eq!(p["birth_date"], "1975");
    let v = e
        .store
        .record(
            e.store.source("census").unwrap().unwrap().id,
            "person",
            "P1",
        )
        .unwrap()
        .unwrap();
    assert_eq!((v.version, v.row), (1, 1));
    assert_eq!(v.file_hash, o.report.submission.file_hash);
}

fn unterminated_quote(e: &Env) {
    let text = person_csv(&[
        GOOD1,
        "census,P9,\"Ali,Ben Salah,,,M,1980-01-01,,TUN,,,,,,",
        GOOD2,
        GOOD3,
    ]);
    let o = e.import_text("quotes.csv", &text, None);
    assert_eq!(counts(&o), (3, 0, 1), "{:#?}", o.report);
    assert_rejected(&o, 2, None, "unterminated quote in field 3");
    let q = e.store.quarantine(&QuarantineFilter::default()).unwrap();
    assert!(
        q[0].raw.contains("\\\"Ali,Ben Salah"),
        "the raw line is kept: {}",
        q[0].raw
    );
}

fn ragged_rows(e: &Env) {
    let text = person_csv(&[
        GOOD1,
        "census,P4,Ali,Gharbi,,,M",
        "census,P5,Ali,Gharbi,,,M,1980-01-01,,TUN,,,,,,,extra",
        GOOD3,
    ]);
    let o = e.import_text("ragged.csv", &text, None);
    assert_eq!(counts(&o), (2, 0, 2), "{:#?}", o.report);
    assert_rejected(&o, 2, None, "the row has 7 field(s) but the header has 16");
    assert_rejected(&o, 3, None, "the row has 17 field(s) but the header has 16");
}

fn byte_order_mark(e: &Env) {
    let text = format!("\u{feff}{}", person_csv(&[GOOD1, GOOD2]));
    let o = e.import_text("bom.csv", &text, None);
    assert_eq!(counts(&o), (2, 0, 0), "{:#?}", o.report);
    assert!(o.report.warnings.is_empty(), "{:#?}", o.report.warnings);
}

fn mixed_line_endings(e: &Env) {
    let text = format!("{HEADER}\r\n{GOOD1}\n{GOOD2}\r{GOOD3}\r\n");
    let o = e.import_text("endings.csv", &text, None);
    assert_eq!(counts(&o), (3, 0, 0), "{:#?}", o.report);
    assert_eq!(e.payload("person", "P3")["family_name"], "Diallo");
}

fn windows_1256_and_iso_8859_6(e: &Env) {
    let text = person_csv(&[
        "census,A1,محمد,الطرابلسي,صالح,,M,1980-03-04,صفاقس,تونس,,,,,,",
        "census,A2,عبد الرحمن,الشاذلي,,,M,1985-01-01,,المغرب,,,,,,",
        "census,A3,ليلى,بن علي,,,F,1990-01-01,,مصر,,,,,,",
    ]);
    let (cp1256, _, lossy) = encoding_rs::WINDOWS_1256.encode(&text);
    assert!(!lossy);
    let o = e.import(&e.write("cp1256.csv", &cp1256), None);
    assert_eq!(counts(&o), (3, 0, 0), "{:#?}", o.report);
    assert_eq!(e.payload("person", "A1")["family_name"], "الطرابلسي");
    assert_eq!(e.payload("person", "A2")["nationality"], "MAR");
    let iso_text = text
        .replace("A1", "B1")
        .replace("A2", "B2")
        .replace("A3", "B3");
    let (iso, _, lossy) = encoding_rs::ISO_8859_6.encode(&iso_text);
    assert!(!lossy);
    let mapping = "[file]\nencoding = \"iso-8859-6\"\n[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"record_id\"\ngiven_name = \"given_name\"\nfamily_name = \"family_name\"\nnationality = \"nationality\"\n";
    let o = e.import(&e.write("iso.csv", &iso), Some(mapping));
    assert_eq!(counts(&o), (3, 0, 0), "{:#?}", o.report);
    assert_eq!(e.payload("person", "B3")["given_name"], "ليلى");
}

fn utf16(e: &Env) {
    let text = person_csv(&[GOOD1, GOOD2]);
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let o = e.import(&e.write("utf16.csv", &bytes), None);
    assert_eq!(counts(&o), (2, 0, 0), "{:#?}", o.report);
    assert_eq!(e.payload("person", "P2")["family_name"], "الغربي");
}

fn excel_with_merged_cells_and_formulas(e: &Env) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let path = e.db.dir().join("placements.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Travailleurs").unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    ws.write(0, 0, "Agence nationale de placement — export mensuel")
        .unwrap();
    for (c, h) in ["ID", "Prenom", "Nom", "Naissance", "Pays", "Code"]
        .iter()
        .enumerate()
    {
        ws.write(1, c as u16, *h).unwrap();
    }
    let people = [
        ("Mohamed", "Trabelsi"),
        ("Sonia", "Jebali"),
        ("Karim", "Ayari"),
    ];
    for (i, (g, f)) in people.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_formula(
            r,
            0,
            Formula::new(format!("=\"W\"&{}", i + 1)).set_result(format!("W{}", i + 1)),
        )
        .unwrap();
        ws.write(r, 1, *g).unwrap();
        ws.write(r, 2, *f).unwrap();
        ws.write_with_format(
            r,
            3,
            ExcelDateTime::from_ymd(1980 + i as u16, 5, 17).unwrap(),
            &date,
        )
        .unwrap();
        ws.write_formula(r, 5, Formula::new("=1+1")).unwrap();
    }
    // One nationality for the whole group, typed once in a merged cell.
    ws.merge_range(2, 4, 4, 4, "Tunisie", &Format::new())
        .unwrap();
    wb.save(&path).unwrap();
    strip_formula_results(&path, "1+1");
    let mapping = r#"
[file]
sheet = "Travailleurs"
header_row = 2
date_format = "%d/%m/%Y"
[[record]]
kind = "person"
[record.fields]
record_id = "ID"
given_name = "Prenom"
family_name = "Nom"
birth_date = "Naissance"
nationality = "Pays"
"#;
    let o = e.import(&path, Some(mapping));
    assert_eq!(counts(&o), (3, 0, 0), "{:#?}", o.report);
    assert_eq!(e.payload("person", "W3")["nationality"], "TUN");
    assert_eq!(e.payload("person", "W2")["birth_date"], "1981-05-17");
    let warnings: Vec<&str> = o
        .report
        .warnings
        .iter()
        .map(|w| w.reason.as_str())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("merged cell")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("formula cell(s) have no computed value (F3")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("'Code'") && w.contains("not used")),
        "{warnings:?}"
    );
}

/// Removes the cached values of the formula `f`, as tools that do not compute formulas write them.
fn strip_formula_results(path: &Path, f: &str) {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let name = entry.name().to_string();
        if name.starts_with("xl/worksheets/") {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text
                .replace(&format!("<f>{f}</f><v>0</v>"), &format!("<f>{f}</f>"))
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

fn impossible_dates(e: &Env) {
    let o = e.import_text(
        "dates.csv",
        &person_csv(&[
            GOOD1,
            "census,P7,Ali,Gharbi,,,M,2023-02-30,,TUN,,,,,,",
            "census,P8,Ali,Gharbi,,,M,2100-01-01,,TUN,,,,,,",
        ]),
        None,
    );
    assert_eq!(counts(&o), (1, 0, 2), "{:#?}", o.report);
    assert_rejected(&o, 2, Some("birth_date"), "2023-02-30");
    assert_rejected(&o, 3, Some("birth_date"), "2100-01-01");
}

fn day_month_order(e: &Env) {
    let text = "ID;NOM;DATE_NAISSANCE\nD1;Trabelsi;25/12/1990\nD2;Gharbi;12/25/1990\nD3;Ayari;03/04/1985\n";
    let mapping = |fmt: &str| {
        format!("[file]\ndelimiter = \";\"\ndate_format = \"{fmt}\"\n[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"ID\"\nfamily_name = \"NOM\"\nbirth_date = \"DATE_NAISSANCE\"\n")
    };
    let o = e.import_text("ddmm.csv", text, Some(&mapping("%d/%m/%Y")));
    assert_eq!(counts(&o), (2, 0, 1), "{:#?}", o.report);
    assert_eq!(e.payload("person", "D1")["birth_date"], "1990-12-25");
    assert_eq!(e.payload("person", "D3")["birth_date"], "1985-04-03");
    assert_rejected(&o, 2, Some("DATE_NAISSANCE"), "12/25/1990");
    // The same file declared month-first: the other row is the bad one and D3 changes meaning.
    let o = e.import_text("mmdd.csv", text, Some(&mapping("%m/%d/%Y")));
    assert_eq!(counts(&o), (2, 0, 1), "{:#?}", o.report);
    assert_rejected(&o, 1, Some("DATE_NAISSANCE"), "25/12/1990");
    assert_eq!(e.payload("person", "D2")["birth_date"], "1990-12-25");
    assert_eq!(e.payload("person", "D3")["birth_date"], "1985-03-04");
}

fn unknown_country_spellings(e: &Env) {
    let rows = [
        "census,C1,Ali,Gharbi,,,M,1980-01-01,,Tunisie,,,,,,",
        "census,C2,Ali,Gharbi,,,M,1980-01-01,,تونس,,,,,,",
        "census,C3,Ali,Gharbi,,,M,1980-01-01,,TN,,,,,,",
        "census,C4,Ali,Gharbi,,,M,1980-01-01,,Tunisa,,,,,,",
        "census,C5,Ali,Gharbi,,,M,1980-01-01,,Atlantis,,,,,,",
    ];
    let o = e.import_text("countries.csv", &person_csv(&rows), None);
    assert_eq!(counts(&o), (3, 0, 2), "{:#?}", o.report);
    for id in ["C1", "C2", "C3"] {
        assert_eq!(e.payload("person", id)["nationality"], "TUN");
    }
    assert_rejected(&o, 4, Some("nationality"), "Tunisa");
    assert_rejected(&o, 5, Some("nationality"), "Atlantis");
}

fn missing_required_column(e: &Env) {
    let o = e.import_text("noid.csv", "given_name,family_name\nAli,Gharbi\n", None);
    assert!(
        refused_reason(&o).contains("required column 'record_id' is missing"),
        "{:?}",
        o.report.submission.error
    );
    let mapping = "[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"ID\"\nfamily_name = \"NOM\"\nbirth_date = \"DATE_NAISSANCE\"\n";
    let o = e.import_text("nodate.csv", "ID,NOM\n1,Gharbi\n", Some(mapping));
    let reason = refused_reason(&o);
    assert!(
        reason.contains("'DATE_NAISSANCE' (mapped to person.birth_date)"),
        "{reason}"
    );
    assert!(reason.contains("header found: ID, NOM"), "{reason}");
}

fn empty_file(e: &Env) {
    let o = e.import_text("empty.csv", "", None);
    assert!(refused_reason(&o).contains("empty (0 bytes)"));
    let o = e.import_text("blank.csv", "\n\n", None);
    assert!(
        refused_reason(&o).contains("no header row"),
        "{:?}",
        o.report.submission.error
    );
}

fn file_not_what_its_extension_says(e: &Env) {
    let png = [
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0,
    ];
    let o = e.import(&e.write("photo.csv", &png), None);
    assert!(
        refused_reason(&o).contains("'photo.csv' is a binary file that is not text"),
        "{:?}",
        o.report.submission.error
    );
    let o = e.import(
        &e.write("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        None,
    );
    assert!(refused_reason(&o).contains("is a PDF document"));
    let o = e.import_text("people.xlsx", &person_csv(&[GOOD1]), None);
    assert!(refused_reason(&o).contains("named like a workbook (.xlsx) but is delimited text"));
}

fn duplicated_record_id(e: &Env) {
    let changed = GOOD1.replace("Trabelsi", "Trabelsy");
    let o = e.import_text(
        "dups.csv",
        &person_csv(&[GOOD1, GOOD2, &changed, GOOD2]),
        None,
    );
    assert_eq!(counts(&o), (2, 0, 1), "{:#?}", o.report);
    assert_rejected(
        &o,
        3,
        Some("record_id"),
        "duplicate person record_id 'P1': row 1 has the same id with different values",
    );
    assert!(
        o.report
            .warnings
            .iter()
            .any(|w| w.row == 4 && w.reason.contains("repeats row 2 exactly")),
        "{:#?}",
        o.report.warnings
    );
    assert_eq!(e.payload("person", "P1")["family_name"], "Trabelsi");
}

fn resubmitting_the_same_file_changes_nothing(e: &Env) {
    let text = person_csv(&[
        GOOD1,
        GOOD2,
        "census,P7,Ali,Gharbi,,,M,2023-02-30,,TUN,,,,,,",
    ]);
    let first = e.import_text("same.csv", &text, None);
    assert_eq!(counts(&first), (2, 0, 1));
    let again = e.import_text("same-renamed.csv", &text, None);
    assert_eq!(again.disposition, Disposition::AlreadyImported);
    assert_eq!(counts(&again), (0, 2, 1));
    assert_eq!(again.report.submission.id, first.report.submission.id);
    assert_eq!(e.store.submissions(None, 10).unwrap().len(), 1);
    assert_eq!(
        e.store
            .quarantine(&QuarantineFilter::default())
            .unwrap()
            .len(),
        1
    );
}

fn changed_rows_become_new_versions(e: &Env) {
    e.import_text("v1.csv", &person_csv(&[GOOD1, GOOD2]), None);
    let changed = GOOD1.replace("Sfax", "Tunis");
    let o = e.import_text("v2.csv", &person_csv(&[&changed, GOOD2, GOOD3]), None);
    assert_eq!(counts(&o), (2, 1, 0), "{:#?}", o.report);
    let source = e.store.source("census").unwrap().unwrap();
    let history = e.store.record_history(source.id, "person", "P1").unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(history[0].file_hash.len(), 64);
    assert_ne!(history[0].submission_id, history[1].submission_id);
    assert_eq!(e.payload("person", "P1")["birth_place"], "Tunis");
}

/// A store that fails the Nth `stage` call, as a killed process would stop mid-import.
struct Crashing<'a> {
    inner: &'a dyn Store,
    fail_at: std::sync::atomic::AtomicUsize,
}

macro_rules! delegate {
    ($($name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&self $(, $arg: $ty)*) -> $ret { self.inner.$name($($arg),*) })*
    };
}

impl Store for Crashing<'_> {
    fn stage(
        &self,
        id: marsad_store::SubmissionId,
        batch: &marsad_store::Batch,
    ) -> marsad_store::Result<()> {
        if self
            .fail_at
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst)
            == 1
        {
            return Err(marsad_store::StoreError::Invalid("simulated crash".into()));
        }
        self.inner.stage(id, batch)
    }
    delegate! {
        person_aliases(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<Vec<marsad_store::PersonNumber>>;
        apply_review(&self, id: marsad_store::ReviewId, accepted: bool, effect: &marsad_store::ReviewEffect, actor: &str, reason: &str, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::LinkReview>;
        number_persons(&self, batch: &[marsad_store::Numbering], actor: &str, at: marsad_store::Timestamp) -> marsad_store::Result<u64>;
        add_reviews(&self, reviews: &[marsad_store::NewReview], at: marsad_store::Timestamp) -> marsad_store::Result<Vec<(marsad_store::ReviewId, bool)>>;
        link_records(&self, kind: &str, selection: marsad_store::LinkSelection, after: Option<i64>, limit: u32) -> marsad_store::Result<(Vec<marsad_store::LinkRecord>, Option<i64>)>;
        put_blocks(&self, blocks: &[marsad_store::RecordBlocks]) -> marsad_store::Result<()>;
        block_sizes(&self, keys: &[u64]) -> marsad_store::Result<Vec<(u64, u64)>>;
        block_members(&self, keys: &[u64]) -> marsad_store::Result<Vec<marsad_store::RecordHandle>>;
        person_members(&self, numbers: &[marsad_store::PersonNumber]) -> marsad_store::Result<Vec<marsad_store::RecordHandle>>;
        link_records_by_handle(&self, handles: &[marsad_store::RecordHandle]) -> marsad_store::Result<Vec<marsad_store::LinkRecord>>;
        clear_link_index(&self) -> marsad_store::Result<()>;
        put_link_model(&self, model: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        link_model(&self) -> marsad_store::Result<Option<marsad_store::StoredModel>>;
        create_dossier(&self, new: &marsad_store::NewDossier<'_>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Dossier>;
        dossier(&self, id: marsad_store::DossierId) -> marsad_store::Result<marsad_store::Dossier>;
        dossier_history(&self, id: marsad_store::DossierId) -> marsad_store::Result<Vec<marsad_store::Dossier>>;
        person_dossiers(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<Vec<marsad_store::Dossier>>;
        change_dossier(&self, id: marsad_store::DossierId, change: &marsad_store::DossierChange<'_>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Dossier>;
        add_entry(&self, new: &marsad_store::NewEntry<'_>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::EntryVersion>;
        change_entry(&self, id: marsad_store::EntryId, change: &marsad_store::EntryChange<'_>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::EntryVersion>;
        entry(&self, id: marsad_store::EntryId) -> marsad_store::Result<marsad_store::EntryVersion>;
        dossier_entries(&self, id: marsad_store::DossierId) -> marsad_store::Result<Vec<marsad_store::EntryVersion>>;
        entry_history(&self, id: marsad_store::EntryId) -> marsad_store::Result<Vec<marsad_store::EntryVersion>>;
        add_attachment(&self, new: &marsad_store::NewAttachment<'_>, max_active: u64, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Attachment>;
        attachment(&self, id: marsad_store::AttachmentId) -> marsad_store::Result<marsad_store::Attachment>;
        dossier_attachments(&self, id: marsad_store::DossierId) -> marsad_store::Result<Vec<marsad_store::Attachment>>;
        withdraw_attachment(&self, id: marsad_store::AttachmentId, actor: &str, reason: Option<&str>, at: marsad_store::Timestamp, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Attachment>;
        attachment_blob_ids(&self) -> marsad_store::Result<Vec<String>>;
        blob_referenced(&self, blob_id: &str) -> marsad_store::Result<bool>;
        enrol_fingerprint(&self, new: &marsad_store::NewFingerprint<'_>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Fingerprint>;
        add_fingerprint_template(&self, id: marsad_store::FingerprintId, template: &marsad_store::NewTemplate<'_>, actor: &str, at: marsad_store::Timestamp, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Fingerprint>;
        fingerprint(&self, id: marsad_store::FingerprintId) -> marsad_store::Result<marsad_store::Fingerprint>;
        fingerprint_templates(&self, id: marsad_store::FingerprintId) -> marsad_store::Result<Vec<marsad_store::TemplateVersion>>;
        person_fingerprints(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<Vec<marsad_store::Fingerprint>>;
        active_fingerprints(&self, after: marsad_store::FingerprintId, limit: u32) -> marsad_store::Result<Vec<marsad_store::Fingerprint>>;
        withdraw_fingerprint(&self, id: marsad_store::FingerprintId, actor: &str, reason: Option<&str>, at: marsad_store::Timestamp, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::Fingerprint>;
        fingerprint_counts(&self) -> marsad_store::Result<(u64, u64)>;
        fingerprint_state(&self) -> marsad_store::Result<marsad_store::FingerprintState>;
        fingerprinted_persons(&self) -> marsad_store::Result<Vec<marsad_store::PersonNumber>>;
        stats_state(&self) -> marsad_store::Result<Option<marsad_store::StatsState>>;
        stats_changes(&self, full: bool) -> marsad_store::Result<marsad_store::StatsChanges>;
        stats_records(&self, keys: &[marsad_store::RecordKey]) -> marsad_store::Result<Vec<marsad_store::LinkRecord>>;
        stats_members_of_records(&self, keys: &[marsad_store::RecordKey]) -> marsad_store::Result<Vec<marsad_store::StatsMember>>;
        stats_members_of_units(&self, units: &[String]) -> marsad_store::Result<Vec<marsad_store::StatsMember>>;
        stats_members_referring(&self, persons: &[marsad_store::RecordKey]) -> marsad_store::Result<Vec<marsad_store::StatsMember>>;
        stats_unit_facts(&self, units: &[String]) -> marsad_store::Result<Vec<(String, String)>>;
        stats_record_units(&self, kind: &str) -> marsad_store::Result<Vec<(String, String)>>;
        stats_apply(&self, batch: &marsad_store::StatsBatch) -> marsad_store::Result<()>;
        stats_cells(&self, after: Option<&(String, String, String)>, limit: u32) -> marsad_store::Result<Vec<marsad_store::StatCell>>;
        stats_clear(&self) -> marsad_store::Result<()>;
        take_run_lock(&self, name: &str, holder: &str, at: marsad_store::Timestamp) -> marsad_store::Result<Option<marsad_store::RunLock>>;
        release_run_lock(&self, name: &str, holder: &str) -> marsad_store::Result<()>;
        break_run_lock(&self, name: &str) -> marsad_store::Result<Option<marsad_store::RunLock>>;
        save_plan_action(&self, row: &marsad_store::PlanActionRow) -> marsad_store::Result<()>;
        plan_action(&self, id: &str) -> marsad_store::Result<marsad_store::PlanActionRow>;
        plan_actions(&self) -> marsad_store::Result<Vec<marsad_store::PlanActionRow>>;
        plan_action_history(&self, id: &str) -> marsad_store::Result<Vec<marsad_store::PlanActionRow>>;
        add_plan_indicator(&self, row: &marsad_store::IndicatorRow) -> marsad_store::Result<()>;
        add_plan_measurement(&self, action: &str, code: &str, m: &marsad_store::MeasurementRow, actor: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        plan_indicators(&self) -> marsad_store::Result<Vec<marsad_store::IndicatorRow>>;
        add_plan_evaluation(&self, row: &marsad_store::EvaluationRow) -> marsad_store::Result<i64>;
        plan_evaluations(&self) -> marsad_store::Result<Vec<marsad_store::EvaluationRow>>;
        add_plan_evidence(&self, row: &marsad_store::EvidenceRow) -> marsad_store::Result<i64>;
        plan_evidence(&self) -> marsad_store::Result<Vec<marsad_store::EvidenceRow>>;
        add_incident(&self, new: &marsad_store::IncidentRow, links: &[(i64, String)]) -> marsad_store::Result<marsad_store::IncidentRow>;
        incident(&self, id: i64) -> marsad_store::Result<marsad_store::IncidentRow>;
        incidents(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> marsad_store::Result<Vec<marsad_store::IncidentRow>>;
        incident_links(&self) -> marsad_store::Result<Vec<marsad_store::IncidentLink>>;
        link_incident_person(&self, id: i64, person: marsad_store::PersonNumber, actor: &str, at: marsad_store::Timestamp, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::PersonNumber>;
        incident_persons(&self, id: i64) -> marsad_store::Result<Vec<marsad_store::PersonNumber>>;
        add_trafficking_case(&self, new: &marsad_store::TraffickingCase, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::TraffickingCase>;
        trafficking_case(&self, id: i64) -> marsad_store::Result<marsad_store::TraffickingCase>;
        trafficking_cases(&self) -> marsad_store::Result<Vec<marsad_store::TraffickingCase>>;
        add_referral(&self, new: &marsad_store::ReferralRow, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::ReferralRow>;
        referral(&self, id: i64) -> marsad_store::Result<marsad_store::ReferralRow>;
        referrals(&self) -> marsad_store::Result<Vec<marsad_store::ReferralRow>>;
        move_referral(&self, id: i64, event: &marsad_store::ReferralEvent, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::ReferralRow>;
        add_complaint(&self, new: &marsad_store::ComplaintRow) -> marsad_store::Result<marsad_store::ComplaintRow>;
        complaint(&self, reference: &str) -> marsad_store::Result<marsad_store::ComplaintRow>;
        complaints(&self, handler: Option<&str>) -> marsad_store::Result<Vec<marsad_store::ComplaintRow>>;
        move_complaint(&self, reference: &str, event: &marsad_store::ComplaintEvent, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::ComplaintRow>;
        add_microdata_request(&self, new: &marsad_store::MicrodataRequestRow, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::MicrodataRequestRow>;
        microdata_request(&self, id: i64) -> marsad_store::Result<marsad_store::MicrodataRequestRow>;
        microdata_requests(&self, institution: Option<&str>) -> marsad_store::Result<Vec<marsad_store::MicrodataRequestRow>>;
        approved_microdata_requests(&self) -> marsad_store::Result<Vec<i64>>;
        move_microdata_request(&self, id: i64, events: &[marsad_store::MicrodataEvent], extract: Option<&marsad_store::MicrodataExtract>, audit: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::MicrodataRequestRow>;
        microdata_extract(&self, id: i64) -> marsad_store::Result<marsad_store::MicrodataExtract>;
        add_passkey(&self, passkey: &marsad_store::PasskeyRow) -> marsad_store::Result<()>;
        passkey(&self, credential_id: &[u8]) -> marsad_store::Result<Option<marsad_store::PasskeyRow>>;
        passkeys(&self, user: marsad_store::UserId) -> marsad_store::Result<Vec<marsad_store::PasskeyRow>>;
        use_passkey(&self, credential_id: &[u8], sign_count: u32, backed_up: bool, at: marsad_store::Timestamp) -> marsad_store::Result<bool>;
        delete_passkey(&self, user: marsad_store::UserId, credential_id: &[u8]) -> marsad_store::Result<bool>;
        put_ceremony(&self, ceremony: &marsad_store::Ceremony) -> marsad_store::Result<()>;
        take_ceremony(&self, id_hash: &[u8; 32], now: marsad_store::Timestamp) -> marsad_store::Result<Option<marsad_store::Ceremony>>;
        audit_append_all(&self, events: &[marsad_store::AuditEvent]) -> marsad_store::Result<Option<marsad_store::AuditEntry>>;
        backend(&self) -> marsad_store::Backend;
        schema_version(&self) -> marsad_store::Result<i64>;
        ensure_institution(&self, new: &marsad_store::NewInstitution<'_>) -> marsad_store::Result<marsad_store::Institution>;
        institutions(&self) -> marsad_store::Result<Vec<marsad_store::Institution>>;
        add_source(&self, name: &str, institution: Option<&str>, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::Source>;
        source(&self, name: &str) -> marsad_store::Result<Option<marsad_store::Source>>;
        sources(&self) -> marsad_store::Result<Vec<marsad_store::Source>>;
        begin_submission(&self, new: &marsad_store::NewSubmission<'_>) -> marsad_store::Result<marsad_store::Submission>;
        find_submission(&self, source: marsad_store::SourceId, file_hash: &str, mapping_hash: &str, statuses: &[marsad_store::SubmissionStatus]) -> marsad_store::Result<Option<marsad_store::Submission>>;
        submission(&self, id: marsad_store::SubmissionId) -> marsad_store::Result<marsad_store::Submission>;
        submissions(&self, source: Option<marsad_store::SourceId>, limit: u32) -> marsad_store::Result<Vec<marsad_store::Submission>>;
        submission_mapping(&self, id: marsad_store::SubmissionId) -> marsad_store::Result<String>;
        staged_keys(&self, id: marsad_store::SubmissionId) -> marsad_store::Result<Vec<marsad_store::StagedKey>>;
        finalize(&self, id: marsad_store::SubmissionId, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::Submission>;
        reject_submission(&self, id: marsad_store::SubmissionId, reason: &str, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::Submission>;
        fail_submission(&self, id: marsad_store::SubmissionId, reason: &str, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::Submission>;
        report(&self, id: marsad_store::SubmissionId) -> marsad_store::Result<marsad_store::ImportReport>;
        quarantine(&self, filter: &QuarantineFilter) -> marsad_store::Result<Vec<marsad_store::QuarantineEntry>>;
        quarantine_entry(&self, id: marsad_store::QuarantineId) -> marsad_store::Result<marsad_store::QuarantineEntry>;
        correct_quarantine(&self, id: marsad_store::QuarantineId, corrected: &str) -> marsad_store::Result<()>;
        set_quarantine_status(&self, id: marsad_store::QuarantineId, status: QuarantineStatus, resolved_by: Option<marsad_store::SubmissionId>) -> marsad_store::Result<()>;
        record(&self, source: marsad_store::SourceId, kind: &str, record_id: &str) -> marsad_store::Result<Option<marsad_store::RecordVersion>>;
        record_history(&self, source: marsad_store::SourceId, kind: &str, record_id: &str) -> marsad_store::Result<Vec<marsad_store::RecordVersion>>;
        records(&self, kind: &str, after: Option<i64>, limit: u32) -> marsad_store::Result<(Vec<marsad_store::RecordVersion>, Option<i64>)>;
        count_records(&self) -> marsad_store::Result<Vec<marsad_store::KindCount>>;
        create_person(&self, number: marsad_store::PersonNumber, actor: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        person(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<marsad_store::Person>;
        assign_records(&self, number: marsad_store::PersonNumber, records: &[marsad_store::RecordKey], actor: &str, weight: Option<f64>, at: marsad_store::Timestamp) -> marsad_store::Result<u64>;
        person_of(&self, record: &marsad_store::RecordKey) -> marsad_store::Result<Option<marsad_store::PersonNumber>>;
        person_records(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<Vec<marsad_store::RecordKey>>;
        resolve_number(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<marsad_store::PersonNumber>;
        unassigned_records(&self, kind: &str, after: Option<i64>, limit: u32) -> marsad_store::Result<(Vec<marsad_store::RecordVersion>, Option<i64>)>;
        merge_persons(&self, keep: marsad_store::PersonNumber, absorb: marsad_store::PersonNumber, actor: &str, reason: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        split_person(&self, number: marsad_store::PersonNumber, records: &[marsad_store::RecordKey], new_number: marsad_store::PersonNumber, actor: &str, reason: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        add_review(&self, left: &marsad_store::RecordKey, right: &marsad_store::RecordKey, weight: f64, explanation: &str, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::ReviewId>;
        review(&self, id: marsad_store::ReviewId) -> marsad_store::Result<marsad_store::LinkReview>;
        reviews(&self, status: Option<marsad_store::ReviewStatus>, after: Option<marsad_store::ReviewId>, limit: u32) -> marsad_store::Result<Vec<marsad_store::LinkReview>>;
        decide_review(&self, id: marsad_store::ReviewId, accepted: bool, actor: &str, at: marsad_store::Timestamp) -> marsad_store::Result<marsad_store::LinkReview>;
        review_labels(&self) -> marsad_store::Result<Vec<(marsad_store::RecordKey, marsad_store::RecordKey, bool)>>;
        person_events(&self, number: marsad_store::PersonNumber) -> marsad_store::Result<Vec<marsad_store::PersonEvent>>;
        create_user(&self, new: &marsad_store::NewUser<'_>) -> marsad_store::Result<marsad_store::User>;
        users_exist(&self) -> marsad_store::Result<bool>;
        user_by_login(&self, login: &str) -> marsad_store::Result<Option<marsad_store::User>>;
        user(&self, id: marsad_store::UserId) -> marsad_store::Result<marsad_store::User>;
        users(&self) -> marsad_store::Result<Vec<marsad_store::User>>;
        set_user_password(&self, id: marsad_store::UserId, password_hash: &str) -> marsad_store::Result<()>;
        set_user_totp(&self, id: marsad_store::UserId, secret: Option<&str>) -> marsad_store::Result<()>;
        advance_totp_step(&self, id: marsad_store::UserId, step: u64) -> marsad_store::Result<bool>;
        set_user_roles(&self, id: marsad_store::UserId, roles: &[String]) -> marsad_store::Result<()>;
        set_user_disabled(&self, id: marsad_store::UserId, disabled: bool) -> marsad_store::Result<()>;
        set_recovery_codes(&self, user: marsad_store::UserId, hashes: &[[u8; 32]], at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        unused_recovery_codes(&self, user: marsad_store::UserId) -> marsad_store::Result<Vec<[u8; 32]>>;
        consume_recovery_code(&self, user: marsad_store::UserId, hash: &[u8; 32], at: marsad_store::Timestamp) -> marsad_store::Result<bool>;
        create_token(&self, token: &marsad_store::ApiToken) -> marsad_store::Result<()>;
        token(&self, id: &str) -> marsad_store::Result<Option<marsad_store::ApiToken>>;
        tokens(&self, institution: &str) -> marsad_store::Result<Vec<marsad_store::ApiToken>>;
        revoke_token(&self, id: &str, at: marsad_store::Timestamp) -> marsad_store::Result<()>;
        create_session(&self, session: &marsad_store::SessionRow) -> marsad_store::Result<()>;
        session(&self, id_hash: &[u8; 32]) -> marsad_store::Result<Option<marsad_store::SessionRow>>;
        touch_session(&self, id_hash: &[u8; 32], at: marsad_store::Timestamp) -> marsad_store::Result<bool>;
        delete_session(&self, id_hash: &[u8; 32]) -> marsad_store::Result<bool>;
        delete_user_sessions(&self, user: marsad_store::UserId) -> marsad_store::Result<u64>;
        throttle(&self, kind: marsad_store::ThrottleKind, key: &str) -> marsad_store::Result<marsad_store::ThrottleState>;
        put_throttle(&self, kind: marsad_store::ThrottleKind, key: &str, state: &marsad_store::ThrottleState) -> marsad_store::Result<()>;
        delete_throttle(&self, kind: marsad_store::ThrottleKind, key: &str) -> marsad_store::Result<()>;
        audit_append(&self, event: &marsad_store::AuditEvent) -> marsad_store::Result<marsad_store::AuditEntry>;
        audit_entries(&self, after_seq: u64, limit: u32) -> marsad_store::Result<Vec<marsad_store::AuditEntry>>;
        audit_by_object(&self, kind: &str, id: &str, limit: u32) -> marsad_store::Result<Vec<marsad_store::AuditEntry>>;
        audit_by_actor(&self, actor: &marsad_store::Actor, limit: u32) -> marsad_store::Result<Vec<marsad_store::AuditEntry>>;
    }
}

fn interrupted_import_resumes_and_shows_nothing_before(e: &Env) {
    // 25,000 rows = three batches; one bad row and one in-file duplicate, before and after the crash.
    let mut rows: Vec<String> = (0..25_000)
        .map(|i| format!("census,R{i},Ali,Gharbi{i},,,M,1980-01-01,,TUN,,,,,,"))
        .collect();
    rows[3] = "census,R3,Ali,Gharbi,,,M,1980-02-30,,TUN,,,,,,".into();
    rows[24_000] = "census,R5,Ali,Other,,,M,1980-01-01,,TUN,,,,,,".into();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let path = e.write("big.csv", person_csv(&refs).as_bytes());
    let crashing = Crashing {
        inner: e.store.as_ref(),
        fail_at: 2.into(),
    };
    let err = import_file(
        &crashing,
        &ImportRequest {
            source: "census",
            path: &path,
            file_name: None,
            mapping: None,
            submitted_by: "test",
        },
        &clock(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("simulated crash"));
    assert!(
        e.store
            .count_records()
            .unwrap()
            .iter()
            .all(|c| c.records == 0),
        "nothing visible after a crash"
    );
    let o = e.import(&path, None);
    assert_eq!(o.disposition, Disposition::Resumed);
    assert_eq!(counts(&o), (24_998, 0, 2), "{:#?}", o.report.rejected);
    assert_rejected(&o, 4, Some("birth_date"), "1980-02-30");
    assert_rejected(&o, 24_001, Some("record_id"), "row 6 has the same id");
    let total: u64 = e
        .store
        .count_records()
        .unwrap()
        .iter()
        .map(|c| c.records)
        .sum();
    assert_eq!(total, 24_998);
}

fn quarantine_correct_and_resubmit(e: &Env) {
    let o = e.import_text(
        "fixme.csv",
        &person_csv(&[GOOD1, "census,P7,Ali,Gharbi,,,M,2023-02-30,,Tunisa,,,,,,"]),
        None,
    );
    assert_eq!(counts(&o), (1, 0, 1));
    assert_eq!(
        o.report.rejected.len(),
        2,
        "both problems of the row are reported: {:#?}",
        o.report.rejected
    );
    let entry = &e
        .store
        .quarantine(&QuarantineFilter {
            status: Some(QuarantineStatus::Open),
            ..Default::default()
        })
        .unwrap()[0];
    let mut raw: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&entry.raw).unwrap();
    assert_eq!(raw["birth_date"], "2023-02-30");
    raw.insert("birth_date".into(), "2023-02-28".into());
    e.store
        .correct_quarantine(
            entry.id,
            &serde_json::Value::Object(raw.clone()).to_string(),
        )
        .unwrap();
    // Still a bad country: resubmitting keeps the row in quarantine, with the correction.
    let outcomes = resubmit_quarantine(e.store.as_ref(), "census", None, "test", &clock()).unwrap();
    assert_eq!(counts(&outcomes[0]), (0, 0, 1));
    assert_rejected(&outcomes[0], 1, Some("nationality"), "Tunisa");
    let open = e
        .store
        .quarantine(&QuarantineFilter {
            status: Some(QuarantineStatus::Open),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_ne!(open[0].id, entry.id);
    let mut fixed =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&open[0].raw).unwrap();
    fixed.insert("nationality".into(), "Tunisie".into());
    e.store
        .correct_quarantine(open[0].id, &serde_json::Value::Object(fixed).to_string())
        .unwrap();
    let outcomes = resubmit_quarantine(e.store.as_ref(), "census", None, "test", &clock()).unwrap();
    assert_eq!(counts(&outcomes[0]), (1, 0, 0), "{:#?}", outcomes[0].report);
    assert_eq!(e.payload("person", "P7")["birth_date"], "2023-02-28");
    assert!(e
        .store
        .quarantine(&QuarantineFilter {
            status: Some(QuarantineStatus::Open),
            ..Default::default()
        })
        .unwrap()
        .is_empty());
    let first = e.store.quarantine_entry(entry.id).unwrap();
    assert_eq!(first.status, QuarantineStatus::Resolved);
    assert!(first.raw.contains("2023-02-30"), "the original row is kept");
}

fn bulk_corrections_through_a_spreadsheet(e: &Env) {
    let rows = [
        GOOD1,
        "census,P7,Ali,\"Gharbi, jr\",,,M,2023-02-30,,TUN,,,,,,",
        "census,P8,ليلى,بن علي,,,F,1990-01-01,,Tunisa,,,,,,",
    ];
    let o = e.import_text("fix-in-excel.csv", &person_csv(&rows), None);
    assert_eq!(counts(&o), (1, 0, 2));
    let mut exported = Vec::new();
    let n =
        marsad_ingest::corrections::export_quarantine(e.store.as_ref(), "census", &mut exported)
            .unwrap();
    assert_eq!(n, 2);
    let text = String::from_utf8(exported).unwrap();
    assert!(
        text.starts_with("\u{feff}quarantine_id,submission,row,reasons,source,record_id,"),
        "{text}"
    );
    assert!(
        text.contains("\"Gharbi, jr\"") && text.contains("بن علي"),
        "{text}"
    );
    assert!(text.contains("birth_date: '2023-02-30'"), "{text}");
    // The data officer fixes both rows in a spreadsheet, saved as ';'-separated Windows-1256.
    let edited = text
        .replace("2023-02-30", "2023-02-28")
        .replace(",Tunisa,", ",Tunisie,")
        .replace(',', ";")
        .replace("\"Gharbi; jr\"", "\"Gharbi, jr\"")
        .trim_start_matches('\u{feff}')
        .to_string();
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1256.encode(&edited);
    assert!(!lossy);
    let path = e.write("corrected.csv", &bytes);
    let applied = marsad_ingest::corrections::apply_corrections(e.store.as_ref(), &path).unwrap();
    assert_eq!(
        (applied.corrected, applied.unchanged),
        (2, 0),
        "{applied:?}"
    );
    assert!(applied.problems.is_empty(), "{applied:?}");
    let outcomes = resubmit_quarantine(e.store.as_ref(), "census", None, "test", &clock()).unwrap();
    assert_eq!(counts(&outcomes[0]), (2, 0, 0), "{:#?}", outcomes[0].report);
    assert_eq!(e.payload("person", "P7")["family_name"], "Gharbi, jr");
    assert_eq!(e.payload("person", "P8")["nationality"], "TUN");
    // Applying the same file again: the entries are resolved now, and say so.
    let again = marsad_ingest::corrections::apply_corrections(e.store.as_ref(), &path).unwrap();
    assert_eq!(again.corrected, 0);
    assert!(
        again
            .problems
            .iter()
            .all(|(_, reason)| reason.contains("is resolved, not open")),
        "{again:?}"
    );
}

fn json_lines_with_nested_fields(e: &Env) {
    let text = concat!(
        "{\"id\": \"J1\", \"applicant\": {\"names\": {\"first\": \"Mohammed\", \"last\": \"Trabelsi\"}, \"sex\": \"male\"}, \"residence\": {\"country\": \"France\", \"city\": \"Lyon\"}, \"registered\": \"2021-05-04\"}\n",
        "\n",
        "{\"id\": \"J2\", \"applicant\": {\"names\": {\"first\": \"Sonia\"}}, \"residence\": {\"country\": \"Narnia\"}, \"registered\": \"2021-05-04\"}\n",
        "not json at all\n",
        "[1, 2]\n",
    );
    let mapping = r#"
[[record]]
kind = "person"
[record.fields]
record_id = "id"
given_name = "applicant.names.first"
family_name = "applicant.names.last"
sex = { column = "applicant.sex", map = { male = "M", female = "F" } }
[[record]]
kind = "consular_registration"
[record.fields]
record_id = "id"
person_record_id = "id"
residence_country = "residence.country"
residence_city = "residence.city"
registration_date = "registered"
"#;
    let o = e.import_text("consulate.jsonl", text, Some(mapping));
    assert_eq!(counts(&o), (2, 0, 3), "{:#?}", o.report);
    assert_eq!(
        e.payload("consular_registration", "J1")["residence_country"],
        "FRA"
    );
    assert_eq!(e.payload("person", "J1")["sex"], "M");
    assert_rejected(&o, 2, Some("residence.country"), "Narnia");
    assert_rejected(&o, 3, None, "line 4 is not valid JSON");
    assert_rejected(&o, 4, None, "not an object");
}

fn mapping_with_two_record_kinds(e: &Env) {
    let text = "NUM_PASSEPORT;NOM;PRENOM;SEXE;DATE_NAISSANCE;NATIONALITE;ID_PASSAGE;DATE_HEURE;SENS;POSTE\n\
                X1;TRABELSI;MOHAMED;H;04/03/1980;Tunisienne;B1;01/02/2024 10:30;S;Aéroport Tunis-Carthage\n\
                X1;TRABELSI;MOHAMED;H;04/03/1980;Tunisienne;B2;20/02/2024 22:05;E;Aéroport Tunis-Carthage\n\
                X2;GHARBI;ALI;H;31/02/1980;Tunisienne;B3;01/02/2024 10:30;S;Ras Jedir\n";
    let doc = include_str!("../../../docs/mappings.md");
    let start = doc.find("```toml").unwrap() + 7;
    let mapping = &doc[start..start + doc[start..].find("```").unwrap()];
    let o = e.import_text("crossings.csv", text, Some(mapping));
    // X1 appears twice with identical person values: stored once, both crossings kept.
    assert_eq!(counts(&o), (3, 0, 1), "{:#?}", o.report);
    assert_eq!(e.payload("border_crossing", "B2")["direction"], "in");
    assert_eq!(
        e.payload("border_crossing", "B1")["crossed_at"],
        "2024-02-01T10:30:00"
    );
    assert_eq!(e.payload("person", "X1")["nationality"], "TUN");
    assert_rejected(&o, 3, Some("DATE_NAISSANCE"), "person.birth_date: ");
}
