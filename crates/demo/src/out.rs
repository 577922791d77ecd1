//! Streaming CSV output with the quirks of institutions' exports (BOM, CRLF, `;`, Windows-1256),
//! counting rows and deliberately bad rows and reporting progress.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::DemoError;

/// How often progress is reported, in rows.
const PROGRESS_EVERY: u64 = 10_000;

/// What a source writer produced.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub file: String,
    pub mapping: Option<String>,
    pub rows: u64,
    pub bad_rows: u64,
}

/// Counts rows and reports progress.
pub(crate) struct Counter<'p> {
    pub file: String,
    pub rows: u64,
    pub bad: u64,
    progress: &'p mut dyn FnMut(&str, u64),
}

impl<'p> Counter<'p> {
    pub fn new(file: &str, progress: &'p mut dyn FnMut(&str, u64)) -> Self {
        Counter { file: file.to_string(), rows: 0, bad: 0, progress }
    }
    pub fn count(&mut self, bad: bool) {
        self.rows += 1;
        if bad {
            self.bad += 1;
        }
        if self.rows % PROGRESS_EVERY == 0 {
            (self.progress)(&self.file, self.rows);
        }
    }
    pub fn done(self, mapping: Option<&str>) -> Written {
        (self.progress)(&self.file, self.rows);
        Written {
            file: self.file,
            mapping: mapping.map(str::to_string),
            rows: self.rows,
            bad_rows: self.bad,
        }
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io { path: path.to_path_buf(), source }
}

/// Options of a CSV export.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsvStyle {
    pub delimiter: u8,
    pub bom: bool,
    pub crlf: bool,
    pub encoding: Option<&'static Encoding>,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle { delimiter: b',', bom: false, crlf: false, encoding: None }
    }
}

enum Sink {
    Utf8(csv::Writer<BufWriter<File>>),
    Encoded { row: csv::Writer<Vec<u8>>, out: BufWriter<File>, encoding: &'static Encoding },
}

/// A CSV file being written row by row.
pub(crate) struct CsvOut {
    path: PathBuf,
    sink: Sink,
}

impl CsvOut {
    pub fn create(path: &Path, style: CsvStyle) -> Result<CsvOut, DemoError> {
        let file = File::create(path).map_err(io_err(path))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        if style.bom {
            out.write_all(b"\xEF\xBB\xBF").map_err(io_err(path))?;
        }
        let mut builder = csv::WriterBuilder::new();
        builder.delimiter(style.delimiter);
        if style.crlf {
            builder.terminator(csv::Terminator::CRLF);
        }
        let sink = match style.encoding {
            None => Sink::Utf8(builder.from_writer(out)),
            Some(encoding) => Sink::Encoded { row: builder.from_writer(Vec::new()), out, encoding },
        };
        Ok(CsvOut { path: path.to_path_buf(), sink })
    }

    pub fn write<I, T>(&mut self, fields: I) -> Result<(), DemoError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let path = &self.path;
        let csv_err = |source| DemoError::Csv { path: path.clone(), source };
        match &mut self.sink {
            Sink::Utf8(w) => w.write_record(fields).map_err(csv_err),
            Sink::Encoded { row, out, encoding } => {
                row.write_record(fields).map_err(csv_err)?;
                row.flush().map_err(io_err(path))?;
                let bytes = std::mem::take(row.get_mut());
                let text = String::from_utf8_lossy(&bytes);
                let (encoded, _, unmappable) = encoding.encode(&text);
                if unmappable {
                    return Err(DemoError::Encoding {
                        path: path.clone(),
                        encoding: encoding.name(),
                        text: text.trim_end().to_string(),
                    });
                }
                out.write_all(&encoded).map_err(io_err(path))
            }
        }
    }

    pub fn finish(self) -> Result<(), DemoError> {
        let path = self.path;
        match self.sink {
            Sink::Utf8(mut w) => w.flush().map_err(io_err(&path)),
            Sink::Encoded { mut out, .. } => out.flush().map_err(io_err(&path)),
        }
    }
}

/// Writes a mapping file next to the export.
pub(crate) fn write_text(dir: &Path, name: &str, text: &str) -> Result<(), DemoError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(io_err(&path))
}
