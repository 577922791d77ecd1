//! Response and request bodies of the JSON API. They are the wire format: store and ingest types
//! are converted here explicitly, so a change inside marsad never changes the API by accident.

use marsad_store::{
    Institution, Issue, KindCount, QuarantineEntry, RecordVersion, Source, Submission, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Parses a JSON text the store keeps (payloads, raw rows); a broken one is an internal error.
fn json(text: &str, what: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::internal(what, &e))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub schema_version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionDto {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub kind: String,
    /// RFC 3339 UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Institution> for InstitutionDto {
    fn from(i: Institution) -> Self {
        InstitutionDto {
            id: i.id.0,
            name: i.name,
            title: i.title,
            kind: i.kind,
            created_at: time(i.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    pub id: i64,
    pub name: String,
    /// Short name of the institution that owns the source.
    pub institution: Option<String>,
    /// RFC 3339 UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Source> for SourceDto {
    fn from(s: Source) -> Self {
        SourceDto {
            id: s.id.0,
            name: s.name,
            institution: s.institution,
            created_at: time(s.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDto {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file.
    pub file_sha256: String,
    pub file_size: u64,
    /// `csv`, `xlsx`, `jsonl`, `corrections` or `unknown`.
    pub format: String,
    /// Lower-case hex SHA-256 of the mapping text (of the empty text for canonical person CSV).
    pub mapping_sha256: String,
    /// `importing`, `complete`, `rejected` or `failed`.
    pub status: String,
    pub rows: u64,
    pub accepted: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub warnings: u64,
    pub submitted_by: String,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    /// Why the whole file was refused or the import failed.
    pub error: Option<String>,
    /// Path of the import report.
    pub report: String,
}

impl From<Submission> for SubmissionDto {
    fn from(s: Submission) -> Self {
        SubmissionDto {
            id: s.id.0,
            source: s.source_name,
            file_name: s.file_name,
            file_sha256: s.file_hash,
            file_size: s.file_size,
            format: s.format,
            mapping_sha256: s.mapping_hash,
            status: s.status.as_str().to_string(),
            rows: s.rows_read,
            accepted: s.accepted,
            unchanged: s.unchanged,
            rejected: s.rejected,
            warnings: s.warnings,
            submitted_by: s.submitted_by,
            started_at: time(s.started_at),
            finished_at: s.finished_at.map(time),
            error: s.error,
            report: format!("/api/v1/submissions/{}/report", s.id.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub submissions: Vec<SubmissionDto>,
}

/// One problem of one row (`row` 1 = first data row, 0 = the file as a whole).
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDto {
    pub row: u64,
    pub field: Option<String>,
    pub reason: String,
}

impl From<Issue> for IssueDto {
    fn from(i: Issue) -> Self {
        IssueDto {
            row: i.row,
            field: i.field,
            reason: i.reason,
        }
    }
}

/// The import report (the same object `marsad import --json` prints).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    pub submission: i64,
    pub source: String,
    pub file: String,
    pub file_sha256: String,
    pub format: String,
    pub status: String,
    /// `imported`, `resumed`, `already_imported`, `rejected`; null when read back later.
    pub disposition: Option<String>,
    pub error: Option<String>,
    pub rows: u64,
    /// Rows stored as new records or new versions.
    pub accepted: u64,
    /// Rows identical to what is stored.
    pub unchanged: u64,
    /// One entry per problem of every quarantined row.
    pub rejected: Vec<IssueDto>,
    /// Number of quarantined rows.
    pub rejected_rows: u64,
    pub warnings: Vec<IssueDto>,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

/// The record a quarantined row would have produced.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordKey {
    pub kind: String,
    pub record_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineEntryDto {
    pub id: i64,
    pub submission: i64,
    pub source: String,
    /// Data row in the submitted file (1 = first data row).
    pub row: u64,
    /// The original row: column name -> value (or `{"_line": ...}` for a row that could not be
    /// split into columns).
    #[schema(value_type = Object)]
    pub raw: serde_json::Value,
    /// The data officer's correction, same shape as `raw`.
    #[schema(value_type = Option<Object>)]
    pub corrected: Option<serde_json::Value>,
    pub keys: Vec<RecordKey>,
    pub issues: Vec<IssueDto>,
    /// `open`, `resolved` or `dismissed`.
    pub status: String,
    /// Submission that accepted the corrected row.
    pub resolved_by: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl QuarantineEntryDto {
    pub fn from_entry(e: QuarantineEntry) -> Result<Self, ApiError> {
        Ok(QuarantineEntryDto {
            id: e.id.0,
            submission: e.submission_id.0,
            source: e.source_name,
            row: e.row,
            raw: json(&e.raw, "reading a quarantined row")?,
            corrected: e
                .corrected
                .as_deref()
                .map(|c| json(c, "reading a quarantine correction"))
                .transpose()?,
            keys: e
                .keys
                .into_iter()
                .map(|(kind, record_id)| RecordKey { kind, record_id })
                .collect(),
            issues: e.issues.into_iter().map(IssueDto::from).collect(),
            status: e.status.as_str().to_string(),
            resolved_by: e.resolved_by.map(|s| s.0),
            created_at: time(e.created_at),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineList {
    pub entries: Vec<QuarantineEntryDto>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// Source name.
    pub source: Option<String>,
    /// Submission id.
    pub submission: Option<i64>,
    /// `open`, `resolved` or `dismissed`.
    pub status: Option<String>,
    /// Entries with an id greater than this.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 10000).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// At most this many (default 50, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// Opaque cursor from the previous page's `next_after`.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 10000).
    pub limit: Option<u32>,
}

/// The multipart form of an upload (documentation of the request body).
#[derive(Debug, ToSchema)]
pub struct UploadForm {
    /// The file: CSV, XLSX or JSON Lines.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The mapping file's TOML text; absent for a canonical person CSV.
    pub mapping: Option<String>,
}

/// A raw upload body (documentation of the request body).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct RawFile(pub Vec<u8>);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// File name to record for a raw (non-multipart) upload.
    pub file_name: Option<String>,
    /// `false`: answer 202 at once and import in the background (poll the job's URL);
    /// default `true`: answer when the import is done.
    pub wait: Option<bool>,
}

/// An import running (or recently run) on this server.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJobDto {
    pub id: u64,
    pub source: String,
    pub file: String,
    pub started_at: String,
    /// queued, hashing, importing, finalizing, done.
    pub phase: String,
    /// Bytes of the file handled in the current phase, and the phase's total (0 if unknown).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Data rows read so far.
    pub rows: u64,
    /// When done: the HTTP status the import ended with and its body (the import report, or a
    /// problem for a refused file).
    pub status: Option<u16>,
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
}

/// A correction: column name -> corrected value, the same columns as the entry's `raw`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Correction(pub serde_json::Map<String, serde_json::Value>);

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResubmitRequest {
    /// Quarantine entries to resubmit; all open corrected entries of the source when absent.
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResubmitResponse {
    /// One import report per original submission whose corrections were resubmitted.
    #[schema(value_type = Vec<ImportReportDto>)]
    pub reports: Vec<serde_json::Value>,
}

/// Where a record version came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provenance {
    pub source: String,
    pub institution: Option<String>,
    pub submission: i64,
    pub file_sha256: String,
    /// Data row in the submitted file.
    pub row: u64,
    #[schema(format = DateTime)]
    pub stored_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDto {
    pub kind: String,
    pub record_id: String,
    /// 1 for the first version.
    pub version: u32,
    /// The canonical record (see docs/record-kinds.md).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Lower-case hex SHA-256 of the canonical payload.
    pub sha256: String,
    pub provenance: Provenance,
}

impl RecordDto {
    pub fn from_version(r: RecordVersion) -> Result<Self, ApiError> {
        Ok(RecordDto {
            payload: json(&r.payload, "reading a stored record")?,
            kind: r.kind,
            record_id: r.record_id,
            version: r.version,
            sha256: r.hash,
            provenance: Provenance {
                source: r.source_name,
                institution: r.institution,
                submission: r.submission_id.0,
                file_sha256: r.file_hash,
                row: r.row,
                stored_at: time(r.stored_at),
            },
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    pub records: Vec<RecordDto>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindCountDto {
    pub kind: String,
    pub records: u64,
}

impl From<KindCount> for KindCountDto {
    fn from(k: KindCount) -> Self {
        KindCountDto {
            kind: k.kind,
            records: k.records,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordStats {
    pub kinds: Vec<KindCountDto>,
    pub total: u64,
}
