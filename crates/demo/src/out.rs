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
        Counter {
            file: file.to_string(),
            rows: 0,
            bad: 0,
            progress,
        }
    }
    pub fn count(&mut self, bad: bool) {
        self.rows += 1;
        if bad {
            self.bad += 1;
        }
        if self.rows.is_multiple_of(PROGRESS_EVERY) {
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
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
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
        CsvStyle {
            delimiter: b',',
            bom: false,
            crlf: false,
            encoding: None,
        }
    }
}

/// Re-encodes UTF-8 bytes into a single-byte legacy encoding on the fly, refusing characters
/// the encoding lacks (rather than escaping them as `&#...;`).
struct Encoded<W: Write> {
    inner: W,
    encoding: &'static Encoding,
    pending: Vec<u8>,
}

impl<W: Write> Encoded<W> {
    fn encode_complete(&mut self) -> std::io::Result<()> {
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = String::from_utf8_lossy(&self.pending[..valid]).into_owned();
        let (bytes, _, unmappable) = self.encoding.encode(&text);
        if unmappable {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} cannot encode {:?}",
                    self.encoding.name(),
                    text.trim_end()
                ),
            ));
        }
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(())
    }
}

impl<W: Write> Write for Encoded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.encode_complete()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.encode_complete()?;
        self.inner.flush()
    }
}

enum Output {
    Plain(BufWriter<File>),
    Encoded(Encoded<BufWriter<File>>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Plain(w) => w.write(buf),
            Output::Encoded(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Plain(w) => w.flush(),
            Output::Encoded(w) => w.flush(),
        }
    }
}

/// A CSV file being written row by row.
pub(crate) struct CsvOut {
    path: PathBuf,
    writer: csv::Writer<Output>,
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
        let output = match style.encoding {
            None => Output::Plain(out),
            Some(encoding) => Output::Encoded(Encoded {
                inner: out,
                encoding,
                pending: Vec::new(),
            }),
        };
        Ok(CsvOut {
            path: path.to_path_buf(),
            writer: builder.from_writer(output),
        })
    }

    pub fn write<I, T>(&mut self, fields: I) -> Result<(), DemoError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(|source| DemoError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    pub fn finish(mut self) -> Result<(), DemoError> {
        self.writer.flush().map_err(io_err(&self.path))
    }
}

/// Writes a mapping file next to the export.
pub(crate) fn write_text(dir: &Path, name: &str, text: &str) -> Result<(), DemoError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(io_err(&path))
}
