//! Row sources: CSV (any encoding), Excel workbooks and JSON Lines, read as a stream of rows.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use calamine::{Data, Reader};
use encoding_rs::Encoding;

use crate::csvread::{CsvItem, CsvRecords};
use crate::IngestError;

/// One cell's text; Excel date cells also carry their typed value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub datetime: Option<chrono::NaiveDateTime>,
}

/// The values of one row.
#[derive(Debug, Clone)]
pub enum Values {
    /// Delimited text or a worksheet row, aligned with the header (may be ragged).
    Cells(Vec<Cell>),
    /// A JSON object (JSON Lines, or a corrected quarantine row).
    Json(serde_json::Map<String, serde_json::Value>),
}

#[derive(Debug, Clone)]
pub enum Item {
    Row {
        number: u64,
        line: u64,
        values: Values,
    },
    /// A row that could not be split into values; `raw` is its text.
    Broken {
        number: u64,
        raw: String,
        reason: String,
    },
}

/// Column names and a case-insensitive index.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    pub fn new(names: Vec<String>) -> Header {
        let names: Vec<String> = names
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let n = n.trim().trim_start_matches('\u{feff}').trim().to_string();
                if n.is_empty() {
                    format!("column_{}", i + 1)
                } else {
                    n
                }
            })
            .collect();
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            index.entry(n.to_lowercase()).or_insert(i);
        }
        Header { names, index }
    }

    pub fn position(&self, column: &str) -> Option<usize> {
        self.index.get(&column.trim().to_lowercase()).copied()
    }

    /// Column names appearing more than once.
    pub fn duplicates(&self) -> Vec<&str> {
        let mut seen = HashMap::new();
        let mut dups = Vec::new();
        for n in &self.names {
            let count = seen.entry(n.to_lowercase()).or_insert(0);
            *count += 1;
            if *count == 2 {
                dups.push(n.as_str());
            }
        }
        dups
    }
}

/// Counts the bytes read from the file, for the progress bar.
pub struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A stream of rows with its header (none for JSON Lines).
pub trait RowSource {
    fn header(&self) -> Option<&Header>;
    fn next_item(&mut self) -> Result<Option<Item>, IngestError>;
    /// File-level observations (formula cells without values, merged cells filled, ...).
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

pub struct CsvSource {
    records: CsvRecords<Box<dyn BufRead>>,
    header: Header,
    rows: u64,
}

impl CsvSource {
    pub fn open(
        path: &Path,
        encoding: &'static Encoding,
        delimiter: Option<u8>,
        header_row: u32,
        read: Arc<AtomicU64>,
    ) -> Result<CsvSource, IngestError> {
        let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let counting = Counting { inner: file, read };
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(counting);
        let mut input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, decoded));
        let delimiter = match delimiter {
            Some(d) => d,
            None => guess_delimiter(&mut input).map_err(|e| IngestError::io(path, e))?,
        };
        let mut records = CsvRecords::new(input, delimiter);
        let mut header = None;
        for _ in 0..header_row.max(1) {
            header = records.next_item().map_err(|e| IngestError::io(path, e))?;
        }
        let names = match header {
            Some(CsvItem::Record { fields, .. }) => fields,
            Some(CsvItem::Broken { reason, .. }) => {
                return Err(IngestError::FileRejected {
                    reason: format!("the header row cannot be read: {reason}"),
                })
            }
            None => {
                return Err(IngestError::FileRejected {
                    reason: "the file has no header row (it is empty or blank)".into(),
                })
            }
        };
        let header = Header::new(names);
        records.expect_fields(header.names.len());
        Ok(CsvSource {
            records,
            header,
            rows: 0,
        })
    }
}

/// Picks the delimiter among `,` `;` tab and `|` from the first line, without consuming it.
fn guess_delimiter(input: &mut Box<dyn BufRead>) -> std::io::Result<u8> {
    let buf = input.fill_buf()?;
    let first_line = buf.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    Ok([b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| (count(*d), *d == b','))
        .unwrap_or(b','))
}

impl RowSource for CsvSource {
    fn header(&self) -> Option<&Header> {
        Some(&self.header)
    }

    fn next_item(&mut self) -> Result<Option<Item>, IngestError> {
        let item = self.records.next_item().map_err(|e| IngestError::Io {
            path: String::new(),
            reason: e.to_string(),
        })?;
        Ok(item.map(|item| {
            self.rows += 1;
            match item {
                CsvItem::Record { fields, line } => Item::Row {
                    number: self.rows,
                    line,
                    values: Values::Cells(
                        fields
                            .into_iter()
                            .map(|text| Cell {
                                text,
                                datetime: None,
                            })
                            .collect(),
                    ),
                },
                CsvItem::Broken { raw, reason, .. } => Item::Broken {
                    number: self.rows,
                    raw,
                    reason,
                },
            }
        }))
    }
}

pub struct JsonLinesSource {
    input: Box<dyn BufRead>,
    buf: String,
    rows: u64,
    line: u64,
}

impl JsonLinesSource {
    pub fn open(
        path: &Path,
        encoding: &'static Encoding,
        read: Arc<AtomicU64>,
    ) -> Result<Self, IngestError> {
        let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(Counting { inner: file, read });
        Ok(JsonLinesSource {
            input: Box::new(BufReader::with_capacity(1 << 16, decoded)),
            buf: String::new(),
            rows: 0,
            line: 0,
        })
    }
}

impl RowSource for JsonLinesSource {
    fn header(&self) -> Option<&Header> {
        None
    }

    fn next_item(&mut self) -> Result<Option<Item>, IngestError> {
        loop {
            self.buf.clear();
            let n = self
                .input
                .read_line(&mut self.buf)
                .map_err(|e| IngestError::Io {
                    path: String::new(),
                    reason: e.to_string(),
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            self.rows += 1;
            return Ok(Some(
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Object(map)) => Item::Row {
                        number: self.rows,
                        line: self.line,
                        values: Values::Json(map),
                    },
                    Ok(_) => Item::Broken {
                        number: self.rows,
                        raw: text.to_string(),
                        reason: format!("line {} is JSON but not an object {{...}}", self.line),
                    },
                    Err(e) => Item::Broken {
                        number: self.rows,
                        raw: text.to_string(),
                        reason: format!("line {} is not valid JSON: {e}", self.line),
                    },
                },
            ));
        }
    }
}

/// A worksheet, read whole (Excel sheets hold at most 1,048,576 rows), merged cells filled.
pub struct SheetSource {
    rows: std::vec::IntoIter<(u64, Vec<Cell>)>,
    header: Header,
    warnings: Vec<String>,
}

impl SheetSource {
    pub fn open(
        path: &Path,
        sheet: Option<&str>,
        header_row: u32,
    ) -> Result<SheetSource, IngestError> {
        let mut workbook =
            calamine::open_workbook_auto(path).map_err(|e| IngestError::FileRejected {
                reason: format!("the workbook cannot be opened: {e}"),
            })?;
        let names = workbook.sheet_names().to_vec();
        let name = match sheet {
            Some(s) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(s.trim()))
                .cloned()
                .ok_or_else(|| IngestError::FileRejected {
                    reason: format!(
                        "the workbook has no sheet '{s}'; its sheets are: {}",
                        names.join(", ")
                    ),
                })?,
            None => names
                .first()
                .cloned()
                .ok_or_else(|| IngestError::FileRejected {
                    reason: "the workbook has no sheet".into(),
                })?,
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| IngestError::FileRejected {
                reason: format!("sheet '{name}' cannot be read: {e}"),
            })?;
        let mut warnings = Vec::new();
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let height = range.height();
        let width = range.width();
        let mut grid: Vec<Vec<Cell>> = range
            .rows()
            .map(|r| r.iter().map(cell_of).collect())
            .collect();
        // Merged cells hold their value in the top-left cell only; a person reading the sheet sees
        // it in every cell of the region, so fill it down and across.
        let merged = match &mut workbook {
            calamine::Sheets::Xlsx(x) => x.worksheet_merge_cells(&name).and_then(Result::ok),
            calamine::Sheets::Xls(x) => x.worksheet_merge_cells(&name),
            _ => None,
        }
        .unwrap_or_default();
        let mut filled = 0;
        for region in &merged {
            let (r0, c0) = region.start;
            let (r1, c1) = region.end;
            let at = |r: u32, c: u32| -> Option<(usize, usize)> {
                let r = r.checked_sub(first_row)? as usize;
                let c = c.checked_sub(first_col)? as usize;
                (r < height && c < width).then_some((r, c))
            };
            let Some((tr, tc)) = at(r0, c0) else { continue };
            let value = grid[tr][tc].clone();
            for r in r0..=r1 {
                for c in c0..=c1 {
                    if let Some((gr, gc)) = at(r, c) {
                        if grid[gr][gc].text.is_empty() {
                            grid[gr][gc] = value.clone();
                            filled += 1;
                        }
                    }
                }
            }
        }
        if filled > 0 {
            warnings.push(format!(
                "sheet '{name}' has {} merged cell region(s); their value was repeated in {filled} cell(s)",
                merged.len()
            ));
        }
        if let Ok(formulas) = workbook.worksheet_formula(&name) {
            let mut missing = Vec::new();
            for (r, c, f) in formulas.used_cells() {
                let (ar, ac) = (
                    r as u32 + formulas.start().map_or(0, |s| s.0),
                    c as u32 + formulas.start().map_or(0, |s| s.1),
                );
                let empty = ar
                    .checked_sub(first_row)
                    .zip(ac.checked_sub(first_col))
                    .and_then(|(gr, gc)| grid.get(gr as usize)?.get(gc as usize))
                    .is_none_or(|cell| cell.text.is_empty());
                if !f.is_empty() && empty {
                    missing.push(cell_name(ar, ac));
                }
            }
            if !missing.is_empty() {
                warnings.push(format!(
                    "sheet '{name}': {} formula cell(s) have no computed value ({}{}); open and save the file in a spreadsheet program so values are stored",
                    missing.len(),
                    missing.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                    if missing.len() > 5 { ", ..." } else { "" }
                ));
            }
        }
        // Rows before the header (titles) are skipped; the header is `header_row` counted from
        // the sheet's first row (row 1 in the spreadsheet program).
        let header_index = (header_row.max(1) - 1).saturating_sub(first_row) as usize;
        if header_index >= grid.len() {
            return Err(IngestError::FileRejected {
                reason: format!("sheet '{name}' has no row {header_row} to use as the header"),
            });
        }
        let mut rows = grid.split_off(header_index);
        let header_cells = rows.remove(0);
        let header = Header::new(header_cells.into_iter().map(|c| c.text).collect());
        let rows: Vec<(u64, Vec<Cell>)> = rows
            .into_iter()
            .filter(|r| r.iter().any(|c| !c.text.trim().is_empty()))
            .enumerate()
            .map(|(i, r)| (i as u64 + 1, r))
            .collect();
        Ok(SheetSource {
            rows: rows.into_iter(),
            header,
            warnings,
        })
    }
}

fn cell_name(row: u32, col: u32) -> String {
    let mut col = col + 1;
    let mut letters = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        col = (col - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Int(i) => text_cell(i.to_string()),
        Data::Float(f) => text_cell(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{f:.0}")
        } else {
            f.to_string()
        }),
        Data::String(s) => text_cell(s.clone()),
        Data::Bool(b) => text_cell(b.to_string()),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => Cell {
                text: d.format("%Y-%m-%dT%H:%M:%S").to_string(),
                datetime: Some(d),
            },
            None => text_cell(dt.as_f64().to_string()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => text_cell(s.clone()),
        Data::Error(e) => text_cell(format!("#{e:?}")),
        Data::Empty => Cell::default(),
    }
}

fn text_cell(text: String) -> Cell {
    Cell {
        text,
        datetime: None,
    }
}

impl RowSource for SheetSource {
    fn header(&self) -> Option<&Header> {
        Some(&self.header)
    }

    fn next_item(&mut self) -> Result<Option<Item>, IngestError> {
        Ok(self.rows.next().map(|(number, cells)| Item::Row {
            number,
            line: number,
            values: Values::Cells(cells),
        }))
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

/// Corrected quarantine rows, replayed through the same pipeline.
pub struct ReplaySource {
    rows: std::vec::IntoIter<(u64, serde_json::Map<String, serde_json::Value>)>,
}

impl ReplaySource {
    pub fn new(rows: Vec<(u64, serde_json::Map<String, serde_json::Value>)>) -> Self {
        ReplaySource {
            rows: rows.into_iter(),
        }
    }
}

impl RowSource for ReplaySource {
    fn header(&self) -> Option<&Header> {
        None
    }

    fn next_item(&mut self) -> Result<Option<Item>, IngestError> {
        Ok(self.rows.next().map(|(number, map)| Item::Row {
            number,
            line: number,
            values: Values::Json(map),
        }))
    }
}

/// Looks up a column in a JSON object: exact key, then a dotted path, then case-insensitive key.
pub fn json_lookup<'a>(
    map: &'a serde_json::Map<String, serde_json::Value>,
    column: &str,
) -> Option<&'a serde_json::Value> {
    if let Some(v) = map.get(column) {
        return Some(v);
    }
    if column.contains('.') {
        let mut parts = column.split('.');
        let mut value = map.get(parts.next()?)?;
        for part in parts {
            value = match value {
                serde_json::Value::Object(m) => m.get(part)?,
                serde_json::Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        return Some(value);
    }
    map.iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(column))
        .map(|(_, v)| v)
}

/// The text of a JSON value as a cell would hold it.
pub fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
