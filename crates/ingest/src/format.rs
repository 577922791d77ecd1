//! Deciding what a file is and opening it as a stream of rows, refusing it as a whole when it
//! cannot be read as the mapping says (empty, not a data file, a mapped column missing).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::mapping::{self, Mapping, Origin};
use crate::rows::{self, RowSource};
use crate::text::{self, Sniffed};
use crate::IngestError;

/// The formats marsad reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Workbook,
    JsonLines,
}

impl Format {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Workbook => "xlsx",
            Format::JsonLines => "jsonl",
        }
    }
}

/// The file's content decides; the extension and mapping only break ties between text formats.
pub(crate) fn choose_format(
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

pub(crate) fn open_source(
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
