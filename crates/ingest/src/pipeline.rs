//! The row pipeline of one submission: rows are checked in parallel chunks (mapping and
//! validation do not depend on other rows), applied in file order (record ids repeated within the
//! file are caught here), and staged in batches by a writer thread so checking and database
//! writes overlap.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use marsad_model::{Clock, RawField};
use marsad_store::{Batch, Issue, QuarantinedRow, StagedRecord, Store, Submission};

use crate::mapping::{self, Mapping, Origin, RecordRule};
use crate::rows::{self, Item, RowSource, Values};
use crate::{sha256_hex, IngestError, Progress};

/// Rows read before they are checked together (in parallel).
const CHUNK_ROWS: usize = 4096;
/// Records staged per store transaction.
const BATCH_RECORDS: usize = 10_000;
/// At most this many row warnings are stored per submission; the rest are counted.
const MAX_WARNINGS: u64 = 10_000;

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

pub(crate) fn run_rows(
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
