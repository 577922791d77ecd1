//! Bulk correction of quarantined rows in a spreadsheet: export a source's open entries as one
//! CSV (the original columns plus the entry id and the reasons), let the data officer fix values in
//! Excel or LibreOffice, and read the edited file back as corrections. The originals stay on
//! record; `resubmit_quarantine` then re-validates the corrected rows.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use marsad_store::{QuarantineEntry, QuarantineId, QuarantineStatus, Store};

use crate::csvread::{CsvItem, CsvRecords};
use crate::{text, IngestError};

/// Columns the export adds before the row's own columns.
pub const ID_COLUMN: &str = "quarantine_id";
pub const REASONS_COLUMN: &str = "reasons";
const META: [&str; 4] = [ID_COLUMN, "submission", "row", REASONS_COLUMN];

/// Writes the open quarantine entries of `source` as CSV (UTF-8 with a byte-order mark, which
/// spreadsheet programs need to read Arabic correctly). Each row holds the entry's current values
/// (its correction if it has one, else the original). Returns the number of entries written.
pub fn export_quarantine(
    store: &dyn Store,
    source: &str,
    out: &mut dyn Write,
) -> Result<usize, IngestError> {
    let source_rec = store
        .source(source)?
        .ok_or_else(|| IngestError::UnknownSource(source.to_string()))?;
    let entries = crate::open_entries(store, source_rec.id)?;
    let rows: Vec<(&QuarantineEntry, serde_json::Map<String, serde_json::Value>)> =
        entries.iter().map(|e| (e, current_values(e))).collect();
    // The union of the entries' columns, in the order they first appear.
    let mut columns: Vec<String> = Vec::new();
    for (_, values) in &rows {
        for key in values.keys() {
            if !columns.contains(key) && !META.contains(&key.as_str()) {
                columns.push(key.clone());
            }
        }
    }
    let io = |e: std::io::Error| IngestError::Io {
        path: "export".into(),
        reason: e.to_string(),
    };
    out.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let header: Vec<String> = META
        .iter()
        .map(|m| m.to_string())
        .chain(columns.iter().cloned())
        .collect();
    write_record(out, &header).map_err(io)?;
    for (e, values) in &rows {
        let reasons: Vec<String> = e
            .issues
            .iter()
            .map(|i| match &i.field {
                Some(f) => format!("{f}: {}", i.reason),
                None => i.reason.clone(),
            })
            .collect();
        let mut record = vec![
            e.id.0.to_string(),
            e.submission_id.0.to_string(),
            e.row.to_string(),
            reasons.join(" | "),
        ];
        record.extend(columns.iter().map(|c| {
            values
                .get(c)
                .map(crate::rows::json_text)
                .unwrap_or_default()
        }));
        write_record(out, &record).map_err(io)?;
    }
    Ok(rows.len())
}

/// What reading an edited export did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CorrectionsApplied {
    /// Entries whose values changed: their correction is stored.
    pub corrected: usize,
    /// Rows left as exported.
    pub unchanged: usize,
    /// Rows that could not be applied: (data row of the file, reason).
    pub problems: Vec<(u64, String)>,
}

/// Reads an edited export and stores the changed rows as corrections of their entries. Only the
/// entry's own columns are taken; an entry that is no longer open is reported, not changed.
pub fn apply_corrections(
    store: &dyn Store,
    path: &Path,
) -> Result<CorrectionsApplied, IngestError> {
    let mut file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_up_to(&mut file, &mut head).map_err(|e| IngestError::io(path, e))?;
    head.truncate(n);
    let encoding = text::detect_encoding(&head);
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(file);
    let first_line =
        String::from_utf8_lossy(head.split(|b| *b == b'\n').next().unwrap_or_default())
            .into_owned();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut records = CsvRecords::new(BufReader::new(decoded), delimiter);
    let io = |e: std::io::Error| IngestError::io(path, e);
    let header = match records.next_item().map_err(io)? {
        Some(CsvItem::Record { fields, .. }) => fields
            .into_iter()
            .map(|f| f.trim().trim_start_matches('\u{feff}').to_string())
            .collect::<Vec<_>>(),
        _ => {
            return Err(IngestError::FileRejected {
                reason: "the corrections file has no header row".into(),
            })
        }
    };
    let Some(id_at) = header.iter().position(|h| h == ID_COLUMN) else {
        return Err(IngestError::FileRejected {
            reason: format!("the corrections file has no '{ID_COLUMN}' column; start from `marsad quarantine export`"),
        });
    };
    records.expect_fields(header.len());
    let mut applied = CorrectionsApplied::default();
    let mut row = 0u64;
    while let Some(item) = records.next_item().map_err(io)? {
        row += 1;
        let fields = match item {
            CsvItem::Record { fields, .. } => fields,
            CsvItem::Broken { reason, .. } => {
                applied.problems.push((row, reason));
                continue;
            }
        };
        let Some(id) = fields.get(id_at).and_then(|v| v.trim().parse::<i64>().ok()) else {
            applied
                .problems
                .push((row, format!("'{ID_COLUMN}' is not an entry number")));
            continue;
        };
        let entry = match store.quarantine_entry(QuarantineId(id)) {
            Ok(e) => e,
            Err(marsad_store::StoreError::NotFound { .. }) => {
                applied
                    .problems
                    .push((row, format!("quarantine entry {id} does not exist")));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if entry.status != QuarantineStatus::Open {
            applied.problems.push((
                row,
                format!(
                    "quarantine entry {id} is {}, not open",
                    entry.status.as_str()
                ),
            ));
            continue;
        }
        let before = current_values(&entry);
        let by_name: HashMap<&str, &str> = header
            .iter()
            .map(String::as_str)
            .zip(fields.iter().map(String::as_str))
            .collect();
        let mut after = before.clone();
        for (key, value) in after.iter_mut() {
            if let Some(new) = by_name.get(key.as_str()) {
                if crate::rows::json_text(value) != *new {
                    *value = serde_json::Value::String((*new).to_string());
                }
            }
        }
        if after == before {
            applied.unchanged += 1;
            continue;
        }
        store.correct_quarantine(entry.id, &serde_json::Value::Object(after).to_string())?;
        applied.corrected += 1;
    }
    Ok(applied)
}

/// The entry's values as they stand: its correction if any, else the original row.
fn current_values(e: &QuarantineEntry) -> serde_json::Map<String, serde_json::Value> {
    let text = e.corrected.as_deref().unwrap_or(&e.raw);
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// One CSV record, quoting fields that need it (RFC 4180).
fn write_record(out: &mut dyn Write, fields: &[String]) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if f.contains([',', '"', '\n', '\r', ';']) || f.starts_with(' ') || f.ends_with(' ') {
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(f);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}
