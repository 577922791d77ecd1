//! Ingest: institution files (CSV, Excel, JSON Lines) in, canonical records or quarantined rows out.
//!
//! This crate owns reading files (format sniffing, encoding detection, a forgiving CSV reader,
//! worksheets, JSON Lines), mapping files (`docs/mappings.md`), and the import pipeline that
//! validates each row with `marsad-model` and stages it in a `marsad-store` submission. It does
//! not know SQL or HTTP.
//!
//! Invariants:
//! - every data row ends as staged records or as one quarantine entry with all its reasons;
//! - a row yields all its records or none (the whole row is quarantined);
//! - a file already imported (same source, bytes and mapping) changes nothing;
//! - an interrupted import resumes from the store's checkpoint; nothing is visible until finalize.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use marsad_model::{Clock, RawField};
use marsad_store::{
    Batch, ImportReport, Issue, NewSubmission, QuarantineFilter, QuarantineId, QuarantineStatus,
    QuarantinedRow, StagedRecord, Store, StoreError, Submission, SubmissionId, SubmissionStatus,
};
use sha2::{Digest, Sha256};

pub mod csvread;
pub mod mapping;
pub mod rows;
pub mod text;

pub use mapping::Mapping;
use mapping::{Origin, RecordRule};
use rows::{Item, RowSource, Values};
use text::Sniffed;

/// Rows read before they are checked together (in parallel).
const CHUNK_ROWS: usize = 4096;
/// Records staged per store transaction.
const BATCH_RECORDS: usize = 10_000;
/// At most this many row warnings are stored per submission; the rest are counted.
const MAX_WARNINGS: u64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("unknown source '{0}'; register it with `marsad source add {0}`")]
    UnknownSource(String),
    #[error("mapping file: {reason}")]
    Mapping { reason: String },
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    /// The whole file is refused; the submission records why.
    #[error("{reason}")]
    FileRejected { reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("quarantine entry {0} cannot be resubmitted: {1}")]
    Quarantine(i64, String),
}

impl IngestError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> IngestError {
        IngestError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

/// Receives progress of a long import (the command line draws a bar; the server exposes it).
pub trait Progress: Sync {
    /// A new phase (`hashing`, `importing`, `finalizing`) over `total` bytes (0 if unknown).
    fn phase(&self, _name: &str, _total: u64) {}
    /// Bytes of the file handled so far and rows read so far in the phase.
    fn advance(&self, _bytes: u64, _rows: u64) {}
}

/// Progress that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// One file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// Registered source name.
    pub source: &'a str,
    pub path: &'a Path,
    /// Name to record (the uploaded name); defaults to the path's file name.
    pub file_name: Option<&'a str>,
    /// Mapping text; `None` for a canonical person CSV.
    pub mapping: Option<&'a str>,
    /// Who submits: a user or token name.
    pub submitted_by: &'a str,
}

/// How an import went, beyond its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A new submission, imported to the end.
    Imported,
    /// An interrupted submission of the same file, continued from its checkpoint.
    Resumed,
    /// The same file with the same mapping was already imported: nothing changed.
    AlreadyImported,
    /// The whole file was refused (see the submission's `error`).
    Rejected,
}

#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub disposition: Disposition,
}

impl ImportOutcome {
    /// The report as JSON (contract: `accepted`, `unchanged`, `rejected` [{row, field, reason}],
    /// `warnings`, plus submission details).
    pub fn to_json(&self) -> serde_json::Value {
        report_json(&self.report, Some(self.disposition))
    }
}

/// An import report as JSON (the `--json` output and the API's report body).
pub fn report_json(report: &ImportReport, disposition: Option<Disposition>) -> serde_json::Value {
    let s = &report.submission;
    let issue =
        |i: &Issue| serde_json::json!({ "row": i.row, "field": i.field, "reason": i.reason });
    let (accepted, unchanged) = match disposition {
        Some(Disposition::AlreadyImported) => (0, s.accepted + s.unchanged),
        _ => (s.accepted, s.unchanged),
    };
    serde_json::json!({
        "submission": s.id.0,
        "source": s.source_name,
        "file": s.file_name,
        "file_sha256": s.file_hash,
        "format": s.format,
        "status": s.status.as_str(),
        "disposition": disposition.map(|d| match d {
            Disposition::Imported => "imported",
            Disposition::Resumed => "resumed",
            Disposition::AlreadyImported => "already_imported",
            Disposition::Rejected => "rejected",
        }),
        "error": s.error,
        "rows": s.rows_read,
        "accepted": accepted,
        "unchanged": unchanged,
        "rejected": report.rejected.iter().map(issue).collect::<Vec<_>>(),
        "rejected_rows": s.rejected,
        "warnings": report.warnings.iter().map(issue).collect::<Vec<_>>(),
        "started_at": s.started_at.to_rfc3339(),
        "finished_at": s.finished_at.map(|t| t.to_rfc3339()),
    })
}

/// Imports one file into one source. File-level refusals are not errors: they return a
/// `Rejected` outcome whose submission says why, so the refusal is on record.
pub fn import_file(
    store: &dyn Store,
    req: &ImportRequest<'_>,
    clock: &dyn Clock,
    progress: &dyn Progress,
) -> Result<ImportOutcome, IngestError> {
    let source = store
        .source(req.source)?
        .ok_or_else(|| IngestError::UnknownSource(req.source.to_string()))?;
    let mapping = match req.mapping {
        Some(text) => Mapping::parse(text)?,
        None => Mapping::canonical_person(),
    };
    let mapping_text = req.mapping.unwrap_or("");
    let mapping_hash = sha256_hex(mapping_text.as_bytes());
    let (file_hash, file_size, head) = hash_file(req.path, progress)?;
    let file_name = req
        .file_name
        .map(str::to_string)
        .or_else(|| {
            req.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();

    if let Some(done) = store.find_submission(
        source.id,
        &file_hash,
        &mapping_hash,
        &[SubmissionStatus::Complete],
    )? {
        return Ok(ImportOutcome {
            report: store.report(done.id)?,
            disposition: Disposition::AlreadyImported,
        });
    }

    let sniffed = text::sniff(&head);
    let format = choose_format(&file_name, sniffed, &mapping);
    let (submission, disposition) = match store.find_submission(
        source.id,
        &file_hash,
        &mapping_hash,
        &[SubmissionStatus::Importing],
    )? {
        Some(s) => (s, Disposition::Resumed),
        None => (
            store.begin_submission(&NewSubmission {
                source_id: source.id,
                file_name: &file_name,
                file_hash: &file_hash,
                file_size,
                format: format.as_ref().map(|f| f.as_str()).unwrap_or("unknown"),
                mapping_hash: &mapping_hash,
                mapping_text,
                submitted_by: req.submitted_by,
                started_at: clock.now(),
            })?,
            Disposition::Imported,
        ),
    };

    let read = Arc::new(AtomicU64::new(0));
    let opened =
        format.and_then(|format| open_source(req.path, format, &mapping, &head, read.clone()));
    let mut source_rows = match opened {
        Ok(rows) => rows,
        Err(IngestError::FileRejected { reason }) => {
            let submission = store.reject_submission(submission.id, &reason, clock.now())?;
            return Ok(ImportOutcome {
                report: store.report(submission.id)?,
                disposition: Disposition::Rejected,
            });
        }
        Err(e) => {
            store.fail_submission(submission.id, &e.to_string(), clock.now())?;
            return Err(e);
        }
    };
    progress.phase("importing", file_size);
    let result = run_rows(
        store,
        &submission,
        &mapping,
        source_rows.as_mut(),
        clock,
        progress,
        &|| read.load(Ordering::Relaxed),
    );
    match result {
        Ok(()) => {}
        Err(IngestError::FileRejected { reason }) => {
            let submission = store.reject_submission(submission.id, &reason, clock.now())?;
            return Ok(ImportOutcome {
                report: store.report(submission.id)?,
                disposition: Disposition::Rejected,
            });
        }
        Err(e) => {
            // The staged rows stay so the same command can resume from the checkpoint.
            return Err(e);
        }
    }
    progress.phase("finalizing", 0);
    let finished = store.finalize(submission.id, clock.now())?;
    Ok(ImportOutcome {
        report: store.report(finished.id)?,
        disposition,
    })
}

/// Re-validates corrected quarantine entries of a source (all open entries that have a
/// correction, or the given ones) as new submissions, one per original submission since each
/// keeps its own mapping. Entries whose rows pass are resolved; entries that fail again are
/// superseded by the new quarantine entry holding the corrected row.
pub fn resubmit_quarantine(
    store: &dyn Store,
    source: &str,
    ids: Option<&[QuarantineId]>,
    submitted_by: &str,
    clock: &dyn Clock,
) -> Result<Vec<ImportOutcome>, IngestError> {
    let source_rec = store
        .source(source)?
        .ok_or_else(|| IngestError::UnknownSource(source.to_string()))?;
    let entries = match ids {
        Some(ids) => ids
            .iter()
            .map(|id| store.quarantine_entry(*id))
            .collect::<Result<Vec<_>, _>>()?,
        None => {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = store.quarantine(&QuarantineFilter {
                    source: Some(source_rec.id),
                    status: Some(QuarantineStatus::Open),
                    after,
                    limit: Some(1000),
                    ..QuarantineFilter::default()
                })?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                all.extend(page.into_iter().filter(|e| e.corrected.is_some()));
            }
            all
        }
    };
    let mut groups: HashMap<SubmissionId, Vec<_>> = HashMap::new();
    for e in entries {
        if e.source_id != source_rec.id {
            return Err(IngestError::Quarantine(
                e.id.0,
                format!("it belongs to source '{}'", e.source_name),
            ));
        }
        if e.status != QuarantineStatus::Open {
            return Err(IngestError::Quarantine(
                e.id.0,
                format!("it is {}", e.status.as_str()),
            ));
        }
        groups.entry(e.submission_id).or_default().push(e);
    }
    let mut outcomes = Vec::new();
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort();
    for original in keys {
        let entries = groups.remove(&original).unwrap_or_default();
        let mapping_text = store.submission_mapping(original)?;
        let mapping = if mapping_text.is_empty() {
            Mapping::canonical_person()
        } else {
            Mapping::parse(&mapping_text)?
        };
        let mut rows = Vec::new();
        let mut hasher = Sha256::new();
        for (i, e) in entries.iter().enumerate() {
            let text = e.corrected.as_deref().unwrap_or(&e.raw);
            hasher.update(text.as_bytes());
            hasher.update(b"\n");
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(map)) if !map.contains_key("_line") => {
                    rows.push((i as u64 + 1, map))
                }
                _ => return Err(IngestError::Quarantine(
                    e.id.0,
                    "the row has no column values to resubmit; correct it with column values first"
                        .into(),
                )),
            }
        }
        let file_hash = hex::encode(hasher.finalize());
        let submission = store.begin_submission(&NewSubmission {
            source_id: source_rec.id,
            file_name: &format!("corrections of submission {}", original.0),
            file_hash: &file_hash,
            file_size: 0,
            format: "corrections",
            mapping_hash: &sha256_hex(mapping_text.as_bytes()),
            mapping_text: &mapping_text,
            submitted_by,
            started_at: clock.now(),
        })?;
        let mut replay = rows::ReplaySource::new(rows);
        run_rows(
            store,
            &submission,
            &mapping,
            &mut replay,
            clock,
            &NoProgress,
            &|| 0,
        )?;
        let finished = store.finalize(submission.id, clock.now())?;
        for e in &entries {
            if store.quarantine_entry(e.id)?.status == QuarantineStatus::Open {
                store.set_quarantine_status(e.id, QuarantineStatus::Resolved, Some(finished.id))?;
            }
        }
        outcomes.push(ImportOutcome {
            report: store.report(finished.id)?,
            disposition: Disposition::Imported,
        });
    }
    Ok(outcomes)
}

/// The formats marsad reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Workbook,
    JsonLines,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Workbook => "xlsx",
            Format::JsonLines => "jsonl",
        }
    }
}

/// The file's content decides; the extension and mapping only break ties between text formats.
fn choose_format(
    file_name: &str,
    sniffed: Sniffed,
    mapping: &Mapping,
) -> Result<Format, IngestError> {
    let ext = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let declared = mapping.file.format.as_deref();
    let refused = |what: &str| IngestError::FileRejected {
        reason: what.to_string(),
    };
    match sniffed {
        Sniffed::Empty => Err(refused("the file is empty (0 bytes)")),
        Sniffed::Pdf | Sniffed::Binary => Err(refused(&format!(
            "'{file_name}' is {}, not CSV, Excel or JSON Lines; export the data from the source system as CSV, XLSX or JSON Lines",
            sniffed.describe()
        ))),
        Sniffed::Zip | Sniffed::Ole2 => {
            if matches!(declared, Some("csv" | "jsonl")) {
                return Err(refused(&format!(
                    "the mapping says {} but '{file_name}' is {}",
                    declared.unwrap_or_default(),
                    sniffed.describe()
                )));
            }
            Ok(Format::Workbook)
        }
        Sniffed::JsonLines => match declared {
            Some("csv") => Ok(Format::Csv),
            Some("xlsx" | "xls") => Err(refused(&format!(
                "the mapping says xlsx but '{file_name}' is {}",
                sniffed.describe()
            ))),
            _ => Ok(Format::JsonLines),
        },
        Sniffed::Text => match declared {
            Some("jsonl") => Ok(Format::JsonLines),
            Some("xlsx" | "xls") => Err(refused(&format!(
                "the mapping says xlsx but '{file_name}' is {}",
                sniffed.describe()
            ))),
            _ if matches!(ext.as_str(), "xlsx" | "xls" | "xlsm" | "ods") => Err(refused(&format!(
                "'{file_name}' is named like a workbook (.{ext}) but is {}; rename it or export it again",
                sniffed.describe()
            ))),
            _ => Ok(Format::Csv),
        },
    }
}

fn open_source(
    path: &Path,
    format: Format,
    mapping: &Mapping,
    head: &[u8],
    read: Arc<AtomicU64>,
) -> Result<Box<dyn RowSource>, IngestError> {
    let encoding = match &mapping.file.encoding {
        Some(name) => text::encoding_by_name(name)?,
        None => None,
    }
    .unwrap_or_else(|| text::detect_encoding(head));
    let header_row = mapping.file.header_row.unwrap_or(1);
    let source: Box<dyn RowSource> = match format {
        Format::Csv => {
            let delimiter = match mapping.file.delimiter.as_deref() {
                Some("\\t") => Some(b'\t'),
                Some(d) => d.bytes().next(),
                None => None,
            };
            Box::new(rows::CsvSource::open(
                path, encoding, delimiter, header_row, read,
            )?)
        }
        Format::JsonLines => Box::new(rows::JsonLinesSource::open(path, encoding, read)?),
        Format::Workbook => {
            let sheet = rows::SheetSource::open(path, mapping.file.sheet.as_deref(), header_row)?;
            read.store(
                std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                Ordering::Relaxed,
            );
            Box::new(sheet)
        }
    };
    if let Some(header) = source.header() {
        check_header(header, mapping)?;
    }
    Ok(source)
}

/// Every mapped column must be in the header (the whole file is refused otherwise).
fn check_header(header: &rows::Header, mapping: &Mapping) -> Result<(), IngestError> {
    if mapping.canonical_person {
        if header.position("record_id").is_none() {
            return Err(IngestError::FileRejected {
                reason: format!(
                    "required column 'record_id' is missing from the header; a canonical person CSV has the columns {} (header found: {})",
                    mapping::PERSON_CSV_COLUMNS.join(","),
                    header.names.join(",")
                ),
            });
        }
        return Ok(());
    }
    let missing: Vec<String> = mapping
        .records
        .iter()
        .flat_map(|r| {
            r.fields.iter().flat_map(move |f| {
                let cols: Vec<&str> = match &f.origin {
                    Origin::Column(c) => vec![c],
                    Origin::Columns { columns, .. } => columns.iter().map(String::as_str).collect(),
                    Origin::Constant(_) => vec![],
                };
                cols.into_iter()
                    .filter(|c| header.position(c).is_none())
                    .map(move |c| format!("'{c}' (mapped to {}.{})", r.kind.as_str(), f.field))
            })
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IngestError::FileRejected {
            reason: format!(
                "required column{} {} missing from the header (header found: {})",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ") + if missing.len() > 1 { " are" } else { " is" },
                header.names.join(", ")
            ),
        })
    }
}

/// What the pipeline remembers of a staged record to catch a record id repeated in one file.
#[derive(Clone, Copy)]
struct Seen {
    row: u64,
    hash: u64,
}

fn key_of(kind: &str, record_id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    kind.hash(&mut h);
    record_id.hash(&mut h);
    h.finish()
}

fn short_hash(hex: &str) -> u64 {
    u64::from_str_radix(hex.get(..16).unwrap_or("0"), 16).unwrap_or(0)
}

struct Pipeline<'a> {
    /// Batches go to the writer thread, so validation and database writes overlap.
    tx: std::sync::mpsc::SyncSender<Batch>,
    source_name: &'a str,
    batch: Batch,
    staged: usize,
    warnings: u64,
    seen: HashMap<u64, Seen>,
    other_source_rows: u64,
    other_source_example: Option<String>,
}

impl Pipeline<'_> {
    fn warn(&mut self, issue: Issue) {
        self.warnings += 1;
        if self.warnings <= MAX_WARNINGS {
            self.batch.warnings.push(issue);
        }
    }

    /// Hands the batch to the writer; `false` when the writer has stopped (it holds the error).
    fn flush(&mut self, rows_read: u64) -> bool {
        self.batch.rows_read = rows_read;
        self.staged = 0;
        self.tx.send(std::mem::take(&mut self.batch)).is_ok()
    }
}

fn run_rows(
    store: &dyn Store,
    submission: &Submission,
    mapping: &Mapping,
    source: &mut dyn RowSource,
    clock: &dyn Clock,
    progress: &dyn Progress,
    bytes: &dyn Fn() -> u64,
) -> Result<(), IngestError> {
    let id = submission.id;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
        let writer = scope.spawn(move || -> Result<(), IngestError> {
            for batch in rx {
                store.stage(id, &batch)?;
            }
            Ok(())
        });
        let produced = produce_rows(
            store, submission, mapping, source, clock, progress, bytes, tx,
        );
        let written = writer.join().unwrap_or_else(|_| {
            Err(IngestError::Io {
                path: String::new(),
                reason: "the database writer stopped unexpectedly".into(),
            })
        });
        // A writer error explains a stopped producer; otherwise the producer's own error counts.
        written.and(produced)
    })
}

#[allow(clippy::too_many_arguments)] // one call site; the arguments are the pipeline's inputs
fn produce_rows(
    store: &dyn Store,
    submission: &Submission,
    mapping: &Mapping,
    source: &mut dyn RowSource,
    clock: &dyn Clock,
    progress: &dyn Progress,
    bytes: &dyn Fn() -> u64,
    tx: std::sync::mpsc::SyncSender<Batch>,
) -> Result<(), IngestError> {
    let resume_after = submission.rows_read;
    let mut p = Pipeline {
        tx,
        source_name: &submission.source_name,
        batch: Batch::default(),
        staged: 0,
        warnings: submission.warnings,
        seen: HashMap::new(),
        other_source_rows: 0,
        other_source_example: None,
    };
    if resume_after > 0 {
        for key in store.staged_keys(submission.id)? {
            p.seen.insert(
                key_of(&key.kind, &key.record_id),
                Seen {
                    row: key.row,
                    hash: short_hash(&key.hash),
                },
            );
        }
    }
    let today = clock.now().date_naive();
    let ctx = marsad_model::Context {
        today,
        date_format: mapping.file.date_format.as_deref(),
        datetime_format: mapping.file.datetime_format.as_deref(),
    };
    let header = source.header().cloned();
    if resume_after == 0 {
        for w in source.take_warnings() {
            p.warn(Issue {
                row: 0,
                field: None,
                reason: w,
            });
        }
        if let Some(header) = &header {
            header_warnings(&mut p, header, mapping);
        }
    }
    let plan = header.as_ref().map(|h| Plan::new(h, mapping));
    let checker = RowChecker {
        mapping,
        plan: plan.as_ref(),
        header: header.as_ref(),
        ctx: &ctx,
        source_name: &submission.source_name,
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut last_row = resume_after;
    let mut chunk: Vec<Item> = Vec::with_capacity(CHUNK_ROWS);
    let mut done = false;
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK_ROWS {
            let Some(item) = source.next_item()? else {
                done = true;
                break;
            };
            let number = match &item {
                Item::Row { number, .. } | Item::Broken { number, .. } => *number,
            };
            last_row = number;
            if number > resume_after {
                chunk.push(item);
            }
        }
        for (checked, other_source) in check_chunk(&checker, &mut chunk, workers) {
            if let Some(other) = other_source {
                p.other_source_rows += 1;
                p.other_source_example.get_or_insert(other);
            }
            let number = match &checked {
                Checked::Valid { number, .. } => *number,
                Checked::Invalid(row) => row.row,
            };
            apply_row(&mut p, mapping, header.as_ref(), checked);
            if (p.staged >= BATCH_RECORDS || p.batch.quarantined.len() >= BATCH_RECORDS)
                && !p.flush(number)
            {
                return Ok(());
            }
        }
        progress.advance(bytes(), last_row);
    }
    if p.other_source_rows > 0 {
        let reason = format!(
            "{} row(s) name another source in the 'source' column (e.g. '{}'); they were stored under '{}'",
            p.other_source_rows,
            p.other_source_example.take().unwrap_or_default(),
            p.source_name
        );
        p.warn(Issue {
            row: 0,
            field: Some("source".into()),
            reason,
        });
    }
    if p.warnings > MAX_WARNINGS {
        let reason = format!(
            "{} more warnings were not listed",
            p.warnings - MAX_WARNINGS
        );
        p.batch.warnings.push(Issue {
            row: 0,
            field: None,
            reason,
        });
    }
    progress.advance(bytes(), last_row);
    p.flush(last_row);
    Ok(())
}

fn header_warnings(p: &mut Pipeline<'_>, header: &rows::Header, mapping: &Mapping) {
    for d in header.duplicates() {
        p.warn(Issue {
            row: 0,
            field: Some(d.to_string()),
            reason: format!("column '{d}' appears more than once; the first one is used"),
        });
    }
    let used: Vec<String> = if mapping.canonical_person {
        mapping::PERSON_CSV_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect()
    } else {
        mapping.columns().map(|c| c.trim().to_lowercase()).collect()
    };
    let unused: Vec<&str> = header
        .names
        .iter()
        .filter(|n| !used.contains(&n.to_lowercase()))
        .map(String::as_str)
        .collect();
    if !unused.is_empty() {
        p.warn(Issue {
            row: 0,
            field: None,
            reason: format!(
                "column{} {} {} not used and {} ignored",
                if unused.len() > 1 { "s" } else { "" },
                unused
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if unused.len() > 1 { "are" } else { "is" },
                if unused.len() > 1 { "were" } else { "was" },
            ),
        });
    }
}

/// Column positions resolved once per file.
struct Plan {
    /// Per record rule, per field rule: positions of its columns.
    positions: Vec<Vec<Vec<usize>>>,
    source_column: Option<usize>,
}

impl Plan {
    fn new(header: &rows::Header, mapping: &Mapping) -> Plan {
        let positions = mapping
            .records
            .iter()
            .map(|r| {
                r.fields
                    .iter()
                    .map(|f| match &f.origin {
                        Origin::Column(c) => header.position(c).into_iter().collect(),
                        Origin::Columns { columns, .. } => {
                            columns.iter().filter_map(|c| header.position(c)).collect()
                        }
                        Origin::Constant(_) => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        Plan {
            positions,
            source_column: mapping
                .canonical_person
                .then(|| header.position("source"))
                .flatten(),
        }
    }
}

/// The raw row as a JSON object, for the quarantine.
fn raw_json(header: Option<&rows::Header>, values: &Values) -> String {
    match values {
        Values::Json(map) => serde_json::Value::Object(map.clone()).to_string(),
        Values::Cells(cells) => {
            let mut map = serde_json::Map::new();
            for (i, cell) in cells.iter().enumerate() {
                let name = header
                    .and_then(|h| h.names.get(i).cloned())
                    .unwrap_or_else(|| format!("_extra_{}", i + 1));
                map.entry(name)
                    .or_insert(serde_json::Value::String(cell.text.clone()));
            }
            serde_json::Value::Object(map).to_string()
        }
    }
}

/// The value of one field rule in one row, and the format to read it with.
fn field_value<'v>(
    rule: &'v mapping::FieldRule,
    positions: Option<&[usize]>,
    values: &'v Values,
) -> (Cow<'v, str>, Option<&'v str>) {
    let mut format = rule.format.as_deref();
    let raw: Cow<'v, str> = match (&rule.origin, values) {
        (Origin::Constant(v), _) => Cow::Borrowed(v),
        (Origin::Column(c), Values::Json(map)) => Cow::Owned(
            rows::json_lookup(map, c)
                .map(rows::json_text)
                .unwrap_or_default(),
        ),
        (Origin::Columns { columns, separator }, Values::Json(map)) => Cow::Owned(join(
            columns.iter().map(|c| {
                rows::json_lookup(map, c)
                    .map(rows::json_text)
                    .unwrap_or_default()
            }),
            separator,
        )),
        (Origin::Column(_), Values::Cells(cells)) => {
            match positions
                .and_then(|p| p.first())
                .and_then(|i| cells.get(*i))
            {
                Some(cell) => match cell.datetime {
                    // A real spreadsheet date: its value is known whatever the text format.
                    Some(dt) if rule.field.ends_with("_at") => {
                        format = Some("%Y-%m-%dT%H:%M:%S");
                        Cow::Owned(dt.format("%Y-%m-%dT%H:%M:%S").to_string())
                    }
                    Some(dt) if rule.field == "month" => {
                        format = None;
                        Cow::Owned(dt.format("%Y-%m").to_string())
                    }
                    Some(dt) => {
                        format = Some("%Y-%m-%d");
                        Cow::Owned(dt.format("%Y-%m-%d").to_string())
                    }
                    None => Cow::Borrowed(cell.text.as_str()),
                },
                None => Cow::Borrowed(""),
            }
        }
        (Origin::Columns { separator, .. }, Values::Cells(cells)) => Cow::Owned(join(
            positions
                .unwrap_or_default()
                .iter()
                .map(|i| cells.get(*i).map(|c| c.text.clone()).unwrap_or_default()),
            separator,
        )),
    };
    let value = match raw {
        Cow::Borrowed(b) => {
            let trimmed = b.trim();
            if trimmed.is_empty() {
                Cow::Borrowed(rule.default.as_deref().unwrap_or(""))
            } else {
                Cow::Borrowed(rule.map_value(trimmed))
            }
        }
        Cow::Owned(o) => {
            let trimmed = o.trim();
            if trimmed.is_empty() {
                Cow::Borrowed(rule.default.as_deref().unwrap_or(""))
            } else {
                Cow::Owned(rule.map_value(trimmed).to_string())
            }
        }
    };
    (value, format)
}

fn join(parts: impl Iterator<Item = String>, separator: &str) -> String {
    parts
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The column to name for a canonical field in messages, and the message prefix.
fn issue_field(rule: &RecordRule, field: &str, several_kinds: bool) -> (Option<String>, String) {
    let column = rule
        .fields
        .iter()
        .find(|f| f.field == field)
        .and_then(|f| f.column().map(str::to_string));
    let canonical = if several_kinds {
        format!("{}.{}", rule.kind.as_str(), field)
    } else {
        field.to_string()
    };
    match column {
        Some(c) if c.eq_ignore_ascii_case(field) => (Some(c), String::new()),
        Some(c) => (Some(c), format!("{canonical}: ")),
        None if field.is_empty() => (None, String::new()),
        None => (Some(canonical.clone()), String::new()),
    }
}

/// Checks a chunk of rows on `workers` threads, returning results in file order.
fn check_chunk(
    checker: &RowChecker<'_>,
    chunk: &mut Vec<Item>,
    workers: usize,
) -> Vec<(Checked, Option<String>)> {
    if workers <= 1 || chunk.len() < 64 {
        return chunk.drain(..).map(|item| checker.check(item)).collect();
    }
    let per = chunk.len().div_ceil(workers);
    let mut parts: Vec<Vec<Item>> = Vec::with_capacity(workers);
    while chunk.len() > per {
        let tail = chunk.split_off(chunk.len() - per);
        parts.push(tail);
    }
    parts.push(std::mem::take(chunk));
    parts.reverse();
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let handles: Vec<_> = parts
            .map(|part| {
                scope.spawn(move || {
                    part.into_iter()
                        .map(|item| checker.check(item))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out: Vec<_> = first.into_iter().map(|item| checker.check(item)).collect();
        for h in handles {
            // A panic in a checker thread is a bug; it propagates like one in this thread would.
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// What checking one row found, before in-file duplicates are looked at.
enum Checked {
    Valid {
        number: u64,
        records: Vec<StagedRecord>,
        warnings: Vec<Issue>,
        /// Kept in case the row must be quarantined as an in-file duplicate.
        values: Values,
    },
    Invalid(QuarantinedRow),
}

/// Checking a row does not depend on other rows, so chunks of rows are checked in parallel.
struct RowChecker<'a> {
    mapping: &'a Mapping,
    plan: Option<&'a Plan>,
    header: Option<&'a rows::Header>,
    ctx: &'a marsad_model::Context<'a>,
    source_name: &'a str,
}

impl RowChecker<'_> {
    /// Maps and validates every record of the row; the row is valid only if all of them are.
    /// Also returns the value of a canonical CSV's `source` column when it names another source.
    fn check(&self, item: Item) -> (Checked, Option<String>) {
        let (number, values) = match item {
            Item::Broken {
                number,
                raw,
                reason,
            } => {
                return (
                    Checked::Invalid(QuarantinedRow {
                        row: number,
                        raw: serde_json::json!({ "_line": raw }).to_string(),
                        keys: Vec::new(),
                        issues: vec![Issue {
                            row: number,
                            field: None,
                            reason,
                        }],
                    }),
                    None,
                )
            }
            Item::Row { number, values, .. } => (number, values),
        };
        let mapping = self.mapping;
        let mut issues = Vec::new();
        if let (Some(header), Values::Cells(cells)) = (self.header, &values) {
            if cells.len() != header.names.len() {
                let extra_filled = cells
                    .iter()
                    .skip(header.names.len())
                    .any(|c| !c.text.trim().is_empty());
                if cells.len() < header.names.len() || extra_filled {
                    issues.push(Issue {
                        row: number,
                        field: None,
                        reason: format!(
                            "the row has {} field(s) but the header has {}; check for a missing or extra delimiter",
                            cells.len(),
                            header.names.len()
                        ),
                    });
                }
            }
        }
        let mut other_source = None;
        if let (Some(plan), Values::Cells(cells)) = (self.plan, &values) {
            if let Some(value) = plan
                .source_column
                .and_then(|i| cells.get(i))
                .map(|c| c.text.trim())
            {
                if !value.is_empty() && value != self.source_name {
                    other_source = Some(value.to_string());
                }
            }
        }
        let several = mapping.records.len() > 1;
        let mut records = Vec::with_capacity(mapping.records.len());
        let mut keys = Vec::new();
        let mut warnings = Vec::new();
        if issues.is_empty() {
            for (ri, rule) in mapping.records.iter().enumerate() {
                let owned: Vec<(Cow<'_, str>, Option<&str>)> = rule
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(fi, f)| {
                        let positions = self.plan.map(|pl| pl.positions[ri][fi].as_slice());
                        field_value(f, positions, &values)
                    })
                    .collect();
                if let Some((id, _)) = rule
                    .fields
                    .iter()
                    .zip(&owned)
                    .find(|(f, _)| f.field == "record_id")
                    .map(|(_, v)| v)
                {
                    if !id.is_empty() {
                        keys.push((rule.kind.as_str().to_string(), id.to_string()));
                    }
                }
                let raw: Vec<RawField<'_>> = rule
                    .fields
                    .iter()
                    .zip(&owned)
                    .map(|(f, (value, format))| RawField {
                        name: f.field,
                        value,
                        format: *format,
                    })
                    .collect();
                match marsad_model::validate(rule.kind, &raw, self.ctx) {
                    Ok(v) => {
                        for w in v.warnings {
                            let (field, prefix) = issue_field(rule, &w.field, several);
                            warnings.push(Issue {
                                row: number,
                                field,
                                reason: format!("{prefix}{}", w.reason),
                            });
                        }
                        let payload = v.record.to_json();
                        let hash = sha256_hex(payload.as_bytes());
                        records.push(StagedRecord {
                            row: number,
                            kind: v.record.kind().as_str().to_string(),
                            record_id: v.record.record_id().to_string(),
                            payload,
                            hash,
                        });
                    }
                    Err(errs) => {
                        for e in errs {
                            let (field, prefix) = issue_field(rule, &e.field, several);
                            issues.push(Issue {
                                row: number,
                                field,
                                reason: format!("{prefix}{}", e.reason),
                            });
                        }
                    }
                }
            }
        }
        let checked = if issues.is_empty() {
            Checked::Valid {
                number,
                records,
                warnings,
                values,
            }
        } else {
            Checked::Invalid(QuarantinedRow {
                row: number,
                raw: raw_json(self.header, &values),
                keys,
                issues,
            })
        };
        (checked, other_source)
    }
}

/// Applies one checked row in file order: catches record ids repeated within the file, then
/// adds the row's records (or its quarantine entry) to the batch.
fn apply_row(
    p: &mut Pipeline<'_>,
    mapping: &Mapping,
    header: Option<&rows::Header>,
    checked: Checked,
) {
    let (number, records, warnings, values) = match checked {
        Checked::Invalid(row) => {
            p.batch.quarantined.push(row);
            return;
        }
        Checked::Valid {
            number,
            records,
            warnings,
            values,
        } => (number, records, warnings, values),
    };
    let keys: Vec<(String, String)> = records
        .iter()
        .map(|r| (r.kind.clone(), r.record_id.clone()))
        .collect();
    let mut issues = Vec::new();
    let mut repeats = Vec::new();
    let mut fresh = Vec::with_capacity(records.len());
    for record in records {
        let key = key_of(&record.kind, &record.record_id);
        let short = short_hash(&record.hash);
        match p.seen.get(&key) {
            Some(seen) if seen.hash == short => {
                if mapping.records.len() == 1 {
                    repeats.push(Issue {
                        row: number,
                        field: Some("record_id".into()),
                        reason: format!(
                            "this row repeats row {} exactly (record_id '{}'); it was stored once",
                            seen.row, record.record_id
                        ),
                    });
                }
            }
            Some(seen) => {
                let field = mapping
                    .records
                    .iter()
                    .find(|r| r.kind.as_str() == record.kind)
                    .and_then(|r| issue_field(r, "record_id", false).0);
                issues.push(Issue {
                    row: number,
                    field,
                    reason: format!(
                        "duplicate {} record_id '{}': row {} has the same id with different values; keep one row per record or give each its own id",
                        record.kind, record.record_id, seen.row
                    ),
                });
            }
            None => fresh.push((key, short, record)),
        }
    }
    if !issues.is_empty() {
        p.batch.quarantined.push(QuarantinedRow {
            row: number,
            raw: raw_json(header, &values),
            keys,
            issues,
        });
        return;
    }
    for w in warnings.into_iter().chain(repeats) {
        p.warn(w);
    }
    for (key, short, record) in fresh {
        p.seen.insert(
            key,
            Seen {
                row: number,
                hash: short,
            },
        );
        p.batch.records.push(record);
        p.staged += 1;
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hashes the whole file (its identity for idempotent resubmission) and keeps its first bytes.
fn hash_file(path: &Path, progress: &dyn Progress) -> Result<(String, u64, Vec<u8>), IngestError> {
    let mut file = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    progress.phase("hashing", total);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut head = Vec::new();
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| IngestError::io(path, e))?;
        if n == 0 {
            break;
        }
        if head.len() < 64 * 1024 {
            let take = (64 * 1024 - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
        size += n as u64;
        progress.advance(size, 0);
    }
    Ok((hex::encode(hasher.finalize()), size, head))
}
