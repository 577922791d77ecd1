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

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use marsad_model::Clock;
use marsad_store::{
    ImportReport, Issue, NewSubmission, QuarantineFilter, QuarantineId, QuarantineStatus, Store,
    StoreError, SubmissionId, SubmissionStatus,
};
use sha2::{Digest, Sha256};

pub mod corrections;
pub mod csvread;
mod format;
pub mod mapping;
mod pipeline;
pub mod rows;
pub mod text;

pub use mapping::Mapping;

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

/// `(accepted, unchanged)` as this call reports them: resubmitting a file already imported
/// accepts nothing and finds every stored row unchanged.
pub fn reported_counts(
    s: &marsad_store::Submission,
    disposition: Option<Disposition>,
) -> (u64, u64) {
    match disposition {
        Some(Disposition::AlreadyImported) => (0, s.accepted + s.unchanged),
        _ => (s.accepted, s.unchanged),
    }
}

/// An import report as JSON (the `--json` output and the API's report body).
pub fn report_json(report: &ImportReport, disposition: Option<Disposition>) -> serde_json::Value {
    let s = &report.submission;
    let issue =
        |i: &Issue| serde_json::json!({ "row": i.row, "field": i.field, "reason": i.reason });
    let (accepted, unchanged) = reported_counts(s, disposition);
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
    let format = format::choose_format(&file_name, sniffed, &mapping);
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
    let opened = format
        .and_then(|format| format::open_source(req.path, format, &mapping, &head, read.clone()));
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
    let result = pipeline::run_rows(
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
        None => open_entries(store, source_rec.id)?
            .into_iter()
            .filter(|e| e.corrected.is_some())
            .collect(),
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
        pipeline::run_rows(
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

/// Every open quarantine entry of a source, oldest first.
pub(crate) fn open_entries(
    store: &dyn Store,
    source: marsad_store::SourceId,
) -> Result<Vec<marsad_store::QuarantineEntry>, IngestError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store.quarantine(&QuarantineFilter {
            source: Some(source),
            status: Some(QuarantineStatus::Open),
            after,
            limit: Some(1000),
            ..QuarantineFilter::default()
        })?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        all.extend(page);
    }
    Ok(all)
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
