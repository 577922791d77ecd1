//! First-page thumbnails of PDFs, drawn by a small bounded reader instead of a PDF library.
//!
//! **Why not a rasterizer.** `hayro` 0.9 (the most complete pure-Rust one) was measured on the
//! 2-core machine: about 60 crates new to the tree, ~150 CPU-seconds more for a clean release
//! build (13 minutes of wall time on the shared machine that day), a minimum Rust of 1.92 (the
//! workspace says 1.88), and, decisive for a server, no way to bound it: no limit on the decoded
//! size of a stream (one 40 MiB deflate stream can ask for 40 GB), JPEG sizes up to 65535² (an
//! allocation failure aborts the whole process), and no cancellation of a page whose forms draw
//! each other a billion times. Bounding it would have needed this module's parser anyway.
//!
//! **What is drawn** — enough for the documents case workers attach (scans, forms, letters):
//! - image XObjects, placed where the page's matrices put them (any rotation or skew), from
//!   `DCTDecode` (JPEG, through `image` under its decoding limits) or raw samples (`FlateDecode`
//!   with or without PNG predictors, or unfiltered): gray, RGB, CMYK, `ICCBased` by component
//!   count, `Indexed` over those, 1/2/4/8 bits, and 1-bit image masks in the fill colour;
//! - filled rectangles (`re` then `f`, `F`, `f*`, `B`, `b`...) in gray, RGB or CMYK;
//! - text as *greeked* bars: each glyph a bar where the text matrix puts it, at the size and
//!   colour of the text, with word gaps (at 256 pixels a line of 11-point text is 3 pixels high,
//!   where real glyphs would be grey smudges anyway); invisible text (OCR layers over scans,
//!   `3 Tr`) is not drawn;
//! - form XObjects (nested up to 8 deep), `q`/`Q`, `cm`, the page's `/Rotate`.
//!
//! **What is not drawn**: other paths (curves, lines, strokes), shadings and patterns, clipping,
//! transparency, inline images, and images in `CCITTFaxDecode`, `JBIG2Decode` or `JPXDecode`.
//! A first page on which nothing could be drawn answers `no_thumbnail` naming what it holds.
//!
//! **Bounds** (every one answers a clear `no_thumbnail`, none hangs or exhausts memory): the
//! input is at most 40 MiB (checked by the caller); objects are found by scanning for `n g obj`
//! (as readers' recovery mode does, so a damaged cross-reference table does not matter), at most
//! [`MAX_OBJECTS`]; nesting of arrays and dictionaries at most [`MAX_DEPTH`], values at most
//! [`MAX_OBJECT_VALUES`] in one object and [`MAX_VALUES`] in all those read; every decoded
//! stream at most [`MAX_STREAM`] and all of them together [`MAX_DECODED`] (a decompression bomb
//! stops there); at most [`MAX_OPERATORS`] content operators and [`MAX_GLYPHS`] glyphs and
//! [`MAX_PAINTED`] painted pixels in all; a page larger than 14 400 points (the PDF limit), an
//! image larger than [`MAX_IMAGE_PIXELS`] or images over [`MAX_DECODED_PIXELS`] in all are
//! refused. The work is therefore linear in these bounds (a few seconds of one core at worst,
//! typical pages in milliseconds) and its memory bounded (at worst about half a GiB: decoded
//! streams, one image being decoded under `image`'s limit, parsed values), with no clock needed;
//! the caller runs two renderings at most and still answers after its timeout. An encrypted
//! (password-protected) PDF is recognised and answered as such.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// Most objects indexed in one file.
pub(crate) const MAX_OBJECTS: usize = 500_000;
/// Deepest nesting of arrays and dictionaries.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most values in one object (or one operand of a content stream).
pub(crate) const MAX_OBJECT_VALUES: usize = 1_000_000;
/// Most values parsed in all the objects read (each value is a few dozen bytes in memory).
pub(crate) const MAX_VALUES: usize = 2_000_000;
/// Largest decoded stream.
pub(crate) const MAX_STREAM: usize = 48 << 20;
/// Most bytes decoded from all streams together.
pub(crate) const MAX_DECODED: usize = 128 << 20;
/// Most content-stream operators interpreted (forms included).
pub(crate) const MAX_OPERATORS: u64 = 2_000_000;
/// Most glyphs greeked.
pub(crate) const MAX_GLYPHS: u64 = 2_000_000;
/// Most pixels painted on the thumbnail (all drawings together).
pub(crate) const MAX_PAINTED: u64 = 100_000_000;
/// Largest image drawn, in pixels.
pub(crate) const MAX_IMAGE_PIXELS: u64 = 100_000_000;
/// Most image pixels decoded for one page, all images together (an image drawn many times
/// counts each time).
pub(crate) const MAX_DECODED_PIXELS: u64 = 200_000_000;
/// What drawing a form costs against [`MAX_OPERATORS`] (reading its object and stream).
const FORM_COST: u64 = 100;
/// Largest page side, in points (the PDF specification's limit).
const MAX_PAGE_SIDE: f64 = 14_400.0;
/// Deepest nesting of form XObjects, and of the page tree.
const MAX_FORM_DEPTH: usize = 8;
const MAX_TREE_DEPTH: usize = 64;
/// Deepest graphics-state stack.
const MAX_SAVED_STATES: usize = 256;

/// Why a PDF has no thumbnail (the text is shown to the caller: no content of the file).
#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum PdfError {
    #[error(
        "the PDF is encrypted (password-protected): its pages cannot be read without the password"
    )]
    Encrypted,
    #[error("the file is not a readable PDF ({0})")]
    Malformed(String),
    #[error("the PDF is larger than a thumbnail is made from ({0})")]
    TooLarge(String),
    #[error("nothing on the PDF's first page can be drawn ({0})")]
    NothingDrawn(String),
}

type Result<T> = std::result::Result<T, PdfError>;

fn malformed(what: impl Into<String>) -> PdfError {
    PdfError::Malformed(what.into())
}

// ---------------------------------------------------------------------------------------------
// Objects and the lexer

#[derive(Clone, Debug, PartialEq)]
enum Obj {
    Null,
    Bool(bool),
    Num(f64),
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32),
    /// A stream: its dictionary and where its raw data is in the file.
    Stream(Dict, usize, usize),
    /// An operator in a content stream (never inside an object).
    Op(Vec<u8>),
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Dict(Vec<(Vec<u8>, Obj)>);

impl Dict {
    fn get(&self, key: &[u8]) -> Option<&Obj> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Obj {
    fn num(&self) -> Option<f64> {
        match self {
            Obj::Num(n) => Some(*n),
            _ => None,
        }
    }

    fn name(&self) -> Option<&[u8]> {
        match self {
            Obj::Name(n) => Some(n),
            _ => None,
        }
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    /// Values read since the count was last reset (bounded by [`MAX_OBJECT_VALUES`]).
    values: usize,
}

impl<'a> Lexer<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer {
            data,
            pos,
            values: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_white(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn regular_token(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// An unsigned integer at the current position (after white space), or nothing (position
    /// unchanged).
    fn try_uint(&mut self) -> Option<u64> {
        let save = self.pos;
        self.skip_white();
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.data[start..self.pos];
        if digits.is_empty() || digits.len() > 10 || self.peek().is_some_and(is_regular) {
            self.pos = save;
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// The next object, or an operator (a bare keyword) when `ops` is set.
    fn object(&mut self, depth: usize, ops: bool) -> Result<Option<Obj>> {
        if depth > MAX_DEPTH {
            return Err(PdfError::TooLarge(format!(
                "objects nested more than {MAX_DEPTH} deep"
            )));
        }
        self.values += 1;
        if self.values > MAX_OBJECT_VALUES {
            return Err(PdfError::TooLarge(format!(
                "an object of more than {MAX_OBJECT_VALUES} values"
            )));
        }
        self.skip_white();
        let Some(b) = self.peek() else {
            return Ok(None);
        };
        let obj = match b {
            b'/' => {
                self.pos += 1;
                Obj::Name(self.name())
            }
            b'(' => {
                self.pos += 1;
                Obj::Str(self.literal_string())
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_white();
                    match self.peek() {
                        Some(b'>') => {
                            // `>>` (a lone `>` at the very end of the data ends it too).
                            self.pos = (self.pos + 2).min(self.data.len());
                            break;
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name();
                            let value = self
                                .object(depth + 1, false)?
                                .ok_or_else(|| malformed("a dictionary is cut short"))?;
                            if dict.0.len() < 4096 {
                                dict.0.push((key, value));
                            }
                        }
                        Some(_) => {
                            // A stray token in a dictionary: read past it.
                            if self.object(depth + 1, true)?.is_none() {
                                return Err(malformed("a dictionary is cut short"));
                            }
                        }
                        None => return Err(malformed("a dictionary is cut short")),
                    }
                }
                Obj::Dict(dict)
            }
            b'<' => {
                self.pos += 1;
                Obj::Str(self.hex_string())
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => match self.object(depth + 1, false)? {
                            Some(o) => items.push(o),
                            None => return Err(malformed("an array is cut short")),
                        },
                        None => return Err(malformed("an array is cut short")),
                    }
                }
                Obj::Array(items)
            }
            b')' | b'>' | b']' | b'{' | b'}' => {
                self.pos += 1;
                return Ok(Some(Obj::Null));
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let save = self.pos;
                if let Some(n) = self.try_uint() {
                    // `n g R` is a reference.
                    let after = self.pos;
                    if !ops && self.try_uint().is_some() {
                        self.skip_white();
                        if self.peek() == Some(b'R')
                            && !self.data.get(self.pos + 1).copied().is_some_and(is_regular)
                        {
                            self.pos += 1;
                            return Ok(Some(Obj::Ref(u32::try_from(n).unwrap_or(u32::MAX))));
                        }
                    }
                    self.pos = after;
                    return Ok(Some(Obj::Num(n as f64)));
                }
                self.pos = save;
                let token = self.regular_token();
                let text = std::str::from_utf8(token).unwrap_or("0");
                // Malformed numbers (`--5`, `1.2.3`) read as 0, as readers do.
                Obj::Num(text.parse::<f64>().unwrap_or(0.0))
            }
            _ => {
                let token = self.regular_token();
                if token.is_empty() {
                    self.pos += 1;
                    return Ok(Some(Obj::Null));
                }
                match token {
                    b"true" => Obj::Bool(true),
                    b"false" => Obj::Bool(false),
                    b"null" => Obj::Null,
                    t if ops => Obj::Op(t.to_vec()),
                    _ => Obj::Null,
                }
            }
        };
        Ok(Some(obj))
    }

    fn name(&mut self) -> Vec<u8> {
        let raw = self.regular_token();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'#' && i + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(hex, 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(raw[i]);
            i += 1;
        }
        out
    }

    fn literal_string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut nesting = 1u32;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn hex_string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = (b as char).to_digit(16) else {
                continue;
            };
            let v = v as u8;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The document: objects found by scanning, object streams, bounded decoding

struct Doc<'a> {
    data: &'a [u8],
    /// Object number → offset of `n g obj`.
    offsets: HashMap<u32, usize>,
    /// Objects read from object streams.
    compressed: HashMap<u32, Obj>,
    /// Objects already parsed (each is parsed once however often it is used).
    parsed: RefCell<HashMap<u32, Obj>>,
    /// Values parsed in all objects (bounded by [`MAX_VALUES`]).
    values: Cell<usize>,
    decoded: usize,
}

/// Offsets of every `n g obj` in the file (the last definition of a number wins, as incremental
/// updates append).
fn scan_objects(data: &[u8]) -> Result<HashMap<u32, usize>> {
    let mut offsets = HashMap::new();
    let mut i = 0;
    while let Some(found) = find(&data[i..], b"obj") {
        let at = i + found;
        i = at + 3;
        if data.get(at + 3).copied().is_some_and(is_regular) {
            continue;
        }
        // Backwards: white, generation digits, white, number digits.
        let mut j = at;
        let white = |j: &mut usize| {
            let end = *j;
            while *j > 0 && is_white(data[*j - 1]) {
                *j -= 1;
            }
            *j < end
        };
        let digits = |j: &mut usize| {
            let end = *j;
            while *j > 0 && data[*j - 1].is_ascii_digit() && end - *j < 10 {
                *j -= 1;
            }
            *j < end
        };
        if !(white(&mut j) && digits(&mut j) && white(&mut j)) {
            continue;
        }
        let num_end = j;
        if !digits(&mut j) || (j > 0 && is_regular(data[j - 1])) {
            continue;
        }
        let Some(number) = std::str::from_utf8(&data[j..num_end])
            .ok()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            continue;
        };
        offsets.insert(number, j);
        if offsets.len() > MAX_OBJECTS {
            return Err(PdfError::TooLarge(format!(
                "more than {MAX_OBJECTS} objects"
            )));
        }
    }
    Ok(offsets)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

impl<'a> Doc<'a> {
    fn open(data: &'a [u8]) -> Result<Self> {
        if find(&data[..data.len().min(1024)], b"%PDF-").is_none() {
            return Err(malformed("no %PDF- header"));
        }
        if has_encrypt_key(data) {
            return Err(PdfError::Encrypted);
        }
        let offsets = scan_objects(data)?;
        if offsets.is_empty() {
            return Err(malformed("no objects"));
        }
        let mut doc = Doc {
            data,
            offsets,
            compressed: HashMap::new(),
            parsed: RefCell::new(HashMap::new()),
            values: Cell::new(0),
            decoded: 0,
        };
        doc.load_object_streams()?;
        Ok(doc)
    }

    /// Reads the object `n g obj` at `offset` (with its stream's extent).
    fn read_at(&self, offset: usize) -> Result<Obj> {
        let mut lx = Lexer::new(self.data, offset);
        for _ in 0..2 {
            lx.try_uint()
                .ok_or_else(|| malformed("a damaged object header"))?;
        }
        lx.skip_white();
        if lx.regular_token() != b"obj" {
            return Err(malformed("a damaged object header"));
        }
        let obj = lx.object(0, false)?.unwrap_or(Obj::Null);
        self.count(lx.values)?;
        let Obj::Dict(dict) = obj else {
            return Ok(obj);
        };
        lx.skip_white();
        if !self.data[lx.pos..].starts_with(b"stream") {
            return Ok(Obj::Dict(dict));
        }
        let mut start = lx.pos + 6;
        if self.data.get(start) == Some(&b'\r') {
            start += 1;
        }
        if self.data.get(start) == Some(&b'\n') {
            start += 1;
        }
        // The declared length when it is direct and plausible, else up to `endstream`.
        let declared = match dict.get(b"Length") {
            Some(Obj::Num(n)) => Some(*n),
            Some(Obj::Ref(r)) => self.offsets.get(r).and_then(|&o| {
                let mut lx = Lexer::new(self.data, o);
                lx.try_uint()?;
                lx.try_uint()?;
                lx.skip_white();
                (lx.regular_token() == b"obj").then_some(())?;
                lx.object(0, false).ok().flatten()?.num()
            }),
            _ => None,
        };
        let end = declared
            .filter(|n| *n >= 0.0)
            .map(|n| start.saturating_add(n as usize))
            .filter(|&e| {
                e <= self.data.len() && {
                    let tail = &self.data[e..self.data.len().min(e + 32)];
                    find(tail, b"endstream").is_some()
                }
            })
            .or_else(|| find(&self.data[start..], b"endstream").map(|p| start + p))
            .ok_or_else(|| malformed("a stream without its end"))?;
        Ok(Obj::Stream(dict, start, end.max(start)))
    }

    fn count(&self, values: usize) -> Result<()> {
        let total = self.values.get() + values;
        self.values.set(total);
        if total > MAX_VALUES {
            return Err(PdfError::TooLarge(format!(
                "more than {MAX_VALUES} values in its objects"
            )));
        }
        Ok(())
    }

    fn get(&self, number: u32) -> Result<Obj> {
        if let Some(obj) = self.parsed.borrow().get(&number) {
            return Ok(obj.clone());
        }
        if let Some(&offset) = self.offsets.get(&number) {
            let obj = self.read_at(offset)?;
            self.parsed.borrow_mut().insert(number, obj.clone());
            return Ok(obj);
        }
        Ok(self.compressed.get(&number).cloned().unwrap_or(Obj::Null))
    }

    /// An object with references followed (at most a few hops).
    fn resolve(&self, obj: &Obj) -> Result<Obj> {
        let mut current = obj.clone();
        for _ in 0..8 {
            match current {
                Obj::Ref(n) => current = self.get(n)?,
                other => return Ok(other),
            }
        }
        Err(malformed("a chain of references"))
    }

    fn dict_of(&self, obj: &Obj) -> Result<Option<Dict>> {
        Ok(match self.resolve(obj)? {
            Obj::Dict(d) | Obj::Stream(d, _, _) => Some(d),
            _ => None,
        })
    }

    fn load_object_streams(&mut self) -> Result<()> {
        let mut streams: Vec<u32> = Vec::new();
        for (&n, &offset) in &self.offsets {
            let head = &self.data[offset..self.data.len().min(offset + 512)];
            if find(head, b"/ObjStm").is_some() {
                streams.push(n);
            }
        }
        streams.sort_unstable();
        for n in streams {
            let Obj::Stream(dict, start, end) = self.get(n)? else {
                continue;
            };
            let Ok(body) = self.decode(&dict, start, end) else {
                continue;
            };
            let first = dict.get(b"First").and_then(Obj::num).unwrap_or(0.0) as usize;
            let count = dict.get(b"N").and_then(Obj::num).unwrap_or(0.0) as usize;
            let mut header = Lexer::new(&body, 0);
            let mut entries = Vec::new();
            for _ in 0..count.min(MAX_OBJECTS) {
                match (header.try_uint(), header.try_uint()) {
                    (Some(num), Some(off)) => entries.push((num, off as usize)),
                    _ => break,
                }
            }
            for (num, off) in entries {
                let Ok(num) = u32::try_from(num) else {
                    continue;
                };
                if self.offsets.contains_key(&num) || self.compressed.contains_key(&num) {
                    continue;
                }
                let mut lx = Lexer::new(&body, first.saturating_add(off).min(body.len()));
                let parsed = lx.object(0, false)?;
                self.count(lx.values)?;
                if let Some(obj) = parsed {
                    self.compressed.insert(num, obj);
                }
                if self.compressed.len() > MAX_OBJECTS {
                    return Err(PdfError::TooLarge(format!(
                        "more than {MAX_OBJECTS} objects"
                    )));
                }
            }
        }
        Ok(())
    }

    /// A stream's data through its filters, within the size budgets. `DCTDecode` and the other
    /// image codecs are left to the caller (the data is returned as it is after them).
    fn decode(&mut self, dict: &Dict, start: usize, end: usize) -> Result<Vec<u8>> {
        let raw = self
            .data
            .get(start..end)
            .ok_or_else(|| malformed("a stream past the end of the file"))?;
        let filters = filter_names(dict);
        let params = match dict.get(b"DecodeParms").or_else(|| dict.get(b"DP")) {
            Some(Obj::Array(a)) => a.first().cloned(),
            other => other.cloned(),
        };
        let mut data = raw.to_vec();
        for f in &filters {
            match f.as_slice() {
                b"FlateDecode" | b"Fl" => {
                    let limit = MAX_STREAM.min(MAX_DECODED.saturating_sub(self.decoded));
                    data = inflate(&data, limit)?;
                    self.decoded += data.len();
                    let params = params.as_ref().map(|p| self.dict_of(p)).transpose()?;
                    if let Some(p) = params.flatten() {
                        data = unpredict(data, &p)?;
                    }
                }
                b"DCTDecode" | b"DCT" | b"JPXDecode" | b"JBIG2Decode" | b"CCITTFaxDecode"
                | b"CCF" => break,
                other => {
                    return Err(PdfError::NothingDrawn(format!(
                        "a stream uses the {} filter, which is not read here",
                        String::from_utf8_lossy(other)
                    )))
                }
            }
        }
        Ok(data)
    }
}

/// Whether a trailer or cross-reference stream names an `/Encrypt` dictionary.
fn has_encrypt_key(data: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = find(&data[i..], b"/Encrypt") {
        let after = i + p + 8;
        if !data.get(after).copied().is_some_and(is_regular) {
            return true;
        }
        i = after;
    }
    false
}

fn filter_names(dict: &Dict) -> Vec<Vec<u8>> {
    match dict.get(b"Filter").or_else(|| dict.get(b"F")) {
        Some(Obj::Name(n)) => vec![n.clone()],
        Some(Obj::Array(a)) => a
            .iter()
            .filter_map(|o| o.name().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

/// zlib (or raw deflate) with a bound on the output: a decompression bomb stops at `limit`.
fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    use miniz_oxide::inflate::{self, TINFLStatus};
    let attempt = if data.first().is_some_and(|b| b & 0x0f == 8) {
        inflate::decompress_to_vec_zlib_with_limit(data, limit)
    } else {
        inflate::decompress_to_vec_with_limit(data, limit)
    };
    match attempt {
        Ok(out) => Ok(out),
        Err(e) if e.status == TINFLStatus::HasMoreOutput => Err(PdfError::TooLarge(format!(
            "a stream decompresses to more than {} MiB (a decompression bomb)",
            limit >> 20
        ))),
        // Damaged or truncated streams: what could be read (readers do the same).
        Err(e) if !e.output.is_empty() => Ok(e.output),
        Err(_) => Err(malformed("a compressed stream cannot be read")),
    }
}

/// Undoes PNG predictors (`/Predictor` 10–15); other predictors are refused.
fn unpredict(data: Vec<u8>, params: &Dict) -> Result<Vec<u8>> {
    let get = |k: &[u8], d: f64| params.get(k).and_then(Obj::num).unwrap_or(d);
    let predictor = get(b"Predictor", 1.0) as u32;
    if predictor < 10 {
        return if predictor <= 1 {
            Ok(data)
        } else {
            Err(PdfError::NothingDrawn(
                "TIFF predictors are not read here".into(),
            ))
        };
    }
    let colors = get(b"Colors", 1.0).clamp(1.0, 32.0) as usize;
    let bpc = get(b"BitsPerComponent", 8.0).clamp(1.0, 16.0) as usize;
    let columns = get(b"Columns", 1.0).clamp(1.0, 1e7) as usize;
    let bpp = (colors * bpc).div_ceil(8).max(1);
    let row = (colors * bpc * columns).div_ceil(8);
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let Some((&kind, line)) = chunk.split_first() else {
            break;
        };
        let mut cur = line.to_vec();
        cur.resize(row, 0);
        for i in 0..row {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = cur[i].wrapping_add(match kind {
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                _ => 0,
            });
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The page

/// A 2-D affine matrix `[a b c d e f]` as PDF writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` then `next` (PDF's `self × next`).
    fn then(self, next: Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = next.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn apply(self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn invert(self) -> Option<Matrix> {
        let [a, b, c, d, e, f] = self.0;
        let det = a * d - b * c;
        if !det.is_finite() || det.abs() < 1e-12 {
            return None;
        }
        Some(Matrix([
            d / det,
            -b / det,
            -c / det,
            a / det,
            (c * f - d * e) / det,
            (b * e - a * f) / det,
        ]))
    }

    fn from_operands(ops: &[Obj]) -> Option<Matrix> {
        if ops.len() < 6 {
            return None;
        }
        let mut m = [0.0; 6];
        for (slot, o) in m.iter_mut().zip(&ops[ops.len() - 6..]) {
            *slot = o.num().filter(|v| v.is_finite())?;
        }
        Some(Matrix(m))
    }
}

/// The page being drawn: an RGB canvas and the budgets.
struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<[f32; 3]>,
    painted: u64,
    image_pixels: u64,
    glyphs: u64,
    operators: u64,
    drawn: u64,
    /// What was met and not drawn (named in the answer when nothing could be drawn).
    skipped: HashSet<&'static str>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Self {
        Canvas {
            width,
            height,
            pixels: vec![[1.0; 3]; (width as usize) * (height as usize)],
            painted: 0,
            image_pixels: 0,
            glyphs: 0,
            operators: 0,
            drawn: 0,
            skipped: HashSet::new(),
        }
    }

    fn charge(&mut self, operators: u64) -> Result<()> {
        self.operators += operators;
        if self.operators > MAX_OPERATORS {
            return Err(PdfError::TooLarge(format!(
                "more than {MAX_OPERATORS} drawing operators"
            )));
        }
        Ok(())
    }

    fn budget(&mut self, pixels: u64) -> Result<()> {
        self.painted += pixels;
        if self.painted > MAX_PAINTED {
            return Err(PdfError::TooLarge(format!(
                "the page paints more than {MAX_PAINTED} pixels"
            )));
        }
        Ok(())
    }

    fn blend(&mut self, x: u32, y: u32, color: [f32; 3], alpha: f32) {
        if let Some(p) = self
            .pixels
            .get_mut(y as usize * self.width as usize + x as usize)
        {
            for (c, n) in p.iter_mut().zip(color) {
                *c = *c * (1.0 - alpha) + n * alpha;
            }
        }
    }

    /// Device-space bounding box of the unit square under `m`, clipped to the canvas.
    fn bounds(&self, m: Matrix) -> Option<(f64, f64, f64, f64)> {
        let corners = [
            m.apply(0.0, 0.0),
            m.apply(1.0, 0.0),
            m.apply(0.0, 1.0),
            m.apply(1.0, 1.0),
        ];
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in corners {
            if !x.is_finite() || !y.is_finite() {
                return None;
            }
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let (x0, y0) = (x0.max(0.0), y0.max(0.0));
        let (x1, y1) = (
            x1.min(f64::from(self.width)),
            y1.min(f64::from(self.height)),
        );
        (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
    }

    /// Fills the unit square mapped by `m` (to device space) with `color` at `alpha`: exact
    /// coverage when it is axis-aligned (thin text bars stay visible), pixel centres otherwise.
    fn fill(&mut self, m: Matrix, color: [f32; 3], alpha: f32) -> Result<()> {
        let Some((x0, y0, x1, y1)) = self.bounds(m) else {
            return Ok(());
        };
        let [_, b, c, _, _, _] = m.0;
        let (px0, py0) = (x0.floor() as u32, y0.floor() as u32);
        let (px1, py1) = (x1.ceil() as u32, y1.ceil() as u32);
        self.budget(u64::from(px1 - px0) * u64::from(py1 - py0))?;
        let aligned = b.abs() < 1e-9 && c.abs() < 1e-9;
        let inverse = m.invert();
        for py in py0..py1 {
            for px in px0..px1 {
                let coverage = if aligned {
                    let ox = (x1.min(f64::from(px + 1)) - x0.max(f64::from(px))).max(0.0);
                    let oy = (y1.min(f64::from(py + 1)) - y0.max(f64::from(py))).max(0.0);
                    ox * oy
                } else {
                    let Some(inv) = inverse else { return Ok(()) };
                    let (u, v) = inv.apply(f64::from(px) + 0.5, f64::from(py) + 0.5);
                    if (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v) {
                        1.0
                    } else {
                        0.0
                    }
                };
                if coverage > 0.0 {
                    self.blend(px, py, color, alpha * coverage as f32);
                }
            }
        }
        self.drawn += 1;
        Ok(())
    }

    /// Draws an image (already reduced to about its size on the canvas) into the unit square
    /// mapped by `m`; `mask` paints `color` where the sample is set instead.
    fn image(&mut self, m: Matrix, img: &Samples) -> Result<()> {
        let Some((x0, y0, x1, y1)) = self.bounds(m) else {
            return Ok(());
        };
        let Some(inv) = m.invert() else {
            return Ok(());
        };
        let (px0, py0) = (x0.floor() as u32, y0.floor() as u32);
        let (px1, py1) = (x1.ceil() as u32, y1.ceil() as u32);
        self.budget(u64::from(px1 - px0) * u64::from(py1 - py0))?;
        let (w, h) = (img.width as f64, img.height as f64);
        for py in py0..py1 {
            for px in px0..px1 {
                let (u, v) = inv.apply(f64::from(px) + 0.5, f64::from(py) + 0.5);
                if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
                    continue;
                }
                // Image row 0 is at the top of the unit square (v = 1).
                let sx = ((u * w) as usize).min(img.width - 1);
                let sy = (((1.0 - v) * h) as usize).min(img.height - 1);
                if let Some((color, alpha)) = img.at(sx, sy) {
                    self.blend(px, py, color, alpha);
                }
            }
        }
        self.drawn += 1;
        Ok(())
    }

    fn into_image(self) -> image::RgbImage {
        let mut out = image::RgbImage::new(self.width, self.height);
        for (dst, src) in out.pixels_mut().zip(&self.pixels) {
            *dst = image::Rgb(src.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
        out
    }
}

/// A decoded image, reduced to about the size it is drawn at.
struct Samples {
    width: usize,
    height: usize,
    rgb: Vec<[f32; 3]>,
    /// For an image mask: the colour painted where a sample is set.
    stencil: Option<([f32; 3], Vec<bool>)>,
}

impl Samples {
    fn at(&self, x: usize, y: usize) -> Option<([f32; 3], f32)> {
        let i = y * self.width + x;
        match &self.stencil {
            Some((color, set)) => set
                .get(i)
                .copied()
                .unwrap_or(false)
                .then_some((*color, 1.0)),
            None => self.rgb.get(i).map(|c| (*c, 1.0)),
        }
    }
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    fill: [f32; 3],
    font_size: f64,
    /// Whether the current font has two-byte codes (`Type0`).
    wide_font: bool,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
    render_mode: i64,
}

fn cmyk(c: f64, m: f64, y: f64, k: f64) -> [f32; 3] {
    [
        ((1.0 - c) * (1.0 - k)) as f32,
        ((1.0 - m) * (1.0 - k)) as f32,
        ((1.0 - y) * (1.0 - k)) as f32,
    ]
}

fn color_of(ops: &[Obj]) -> Option<[f32; 3]> {
    let n: Vec<f64> = ops.iter().filter_map(Obj::num).collect();
    Some(match n.as_slice() {
        [g] => [*g as f32; 3],
        [r, g, b] => [*r as f32, *g as f32, *b as f32],
        [c, m, y, k] => cmyk(*c, *m, *y, *k),
        _ => return None,
    })
}

struct Interpreter<'d, 'a> {
    doc: &'d mut Doc<'a>,
    canvas: Canvas,
    /// User space of the page → canvas pixels.
    device: Matrix,
}

impl Interpreter<'_, '_> {
    fn run(&mut self, content: &[u8], resources: &Dict, start: GState, depth: usize) -> Result<()> {
        let mut gs = start;
        let mut saved: Vec<GState> = Vec::new();
        let mut operands: Vec<Obj> = Vec::new();
        let mut rects: Vec<Matrix> = Vec::new();
        let (mut tm, mut tlm) = (Matrix::IDENTITY, Matrix::IDENTITY);
        let mut lx = Lexer::new(content, 0);
        while let Some(obj) = lx.object(0, true)? {
            let Obj::Op(op) = obj else {
                if operands.len() < 64 {
                    operands.push(obj);
                }
                continue;
            };
            // Each operator's operands are bounded on their own (they are dropped after it).
            lx.values = 0;
            self.canvas.charge(1)?;
            let nums: Vec<f64> = operands.iter().filter_map(Obj::num).collect();
            let n = |i: usize| {
                nums.get(i)
                    .copied()
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0)
            };
            match op.as_slice() {
                // Deeper saves are ignored (their `Q` then restores an outer state).
                b"q" if saved.len() < MAX_SAVED_STATES => saved.push(gs.clone()),
                b"Q" => {
                    if let Some(s) = saved.pop() {
                        gs = s;
                    }
                }
                b"cm" => {
                    if let Some(m) = Matrix::from_operands(&operands) {
                        gs.ctm = m.then(gs.ctm);
                    }
                }
                b"g" | b"rg" | b"k" | b"sc" | b"scn" => {
                    if let Some(c) = color_of(&operands) {
                        gs.fill = c;
                    }
                }
                b"re" => rects.push(Matrix([n(2), 0.0, 0.0, n(3), n(0), n(1)])),
                b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" => {
                    for r in rects.drain(..) {
                        let m = r.then(gs.ctm).then(self.device);
                        self.canvas.fill(m, gs.fill, 1.0)?;
                    }
                }
                b"S" | b"s" => {
                    self.canvas.skipped.insert("strokes");
                    rects.clear();
                }
                b"n" => rects.clear(),
                b"c" | b"v" | b"y" | b"l" => {
                    self.canvas.skipped.insert("curves and lines");
                }
                b"BT" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                b"Tf" => {
                    gs.font_size = n(0);
                    gs.wide_font = operands
                        .first()
                        .and_then(Obj::name)
                        .map(|name| self.font_is_wide(resources, name))
                        .transpose()?
                        .unwrap_or(false);
                }
                b"Tc" => gs.char_spacing = n(0),
                b"Tw" => gs.word_spacing = n(0),
                b"Tz" => gs.scale = n(0) / 100.0,
                b"TL" => gs.leading = n(0),
                b"Ts" => gs.rise = n(0),
                b"Tr" => gs.render_mode = n(0) as i64,
                b"Td" | b"TD" => {
                    if op == b"TD" {
                        gs.leading = -n(1);
                    }
                    tlm = Matrix([1.0, 0.0, 0.0, 1.0, n(0), n(1)]).then(tlm);
                    tm = tlm;
                }
                b"Tm" => {
                    if let Some(m) = Matrix::from_operands(&operands) {
                        tlm = m;
                        tm = m;
                    }
                }
                b"T*" => {
                    tlm = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading]).then(tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if op == b"'" || op == b"\"" {
                        if op == b"\"" {
                            gs.word_spacing = n(0);
                            gs.char_spacing = n(1);
                        }
                        tlm = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading]).then(tlm);
                        tm = tlm;
                    }
                    let items: Vec<Obj> = match operands.last() {
                        Some(Obj::Array(a)) if op == b"TJ" => a.clone(),
                        Some(s @ Obj::Str(_)) => vec![s.clone()],
                        _ => Vec::new(),
                    };
                    for item in items {
                        match item {
                            Obj::Str(s) => self.show(&s, &gs, &mut tm)?,
                            Obj::Num(adjust) => {
                                let tx = -adjust / 1000.0 * gs.font_size * gs.scale;
                                tm = Matrix([1.0, 0.0, 0.0, 1.0, tx, 0.0]).then(tm);
                            }
                            _ => {}
                        }
                    }
                }
                b"Do" => {
                    if let Some(name) = operands.last().and_then(Obj::name) {
                        self.xobject(resources, name, &gs, depth)?;
                    }
                }
                b"BI" => {
                    // Inline image: read past its data (`ID` ... white `EI` white).
                    self.canvas.skipped.insert("inline images");
                    let rest = &content[lx.pos..];
                    let Some(id) = find(rest, b"ID") else { break };
                    let data = &rest[id + 2..];
                    let mut end = None;
                    let mut k = 0;
                    while let Some(p) = find(&data[k..], b"EI") {
                        let at = k + p;
                        let before = at == 0 || is_white(data[at - 1]);
                        let after = data.get(at + 2).is_none_or(|b| is_white(*b));
                        if before && after {
                            end = Some(at + 2);
                            break;
                        }
                        k = at + 2;
                    }
                    match end {
                        Some(e) => lx.pos += id + 2 + e,
                        None => break,
                    }
                }
                b"sh" => {
                    self.canvas.skipped.insert("shadings");
                }
                _ => {}
            }
            operands.clear();
        }
        Ok(())
    }

    fn font_is_wide(&self, resources: &Dict, name: &[u8]) -> Result<bool> {
        let Some(fonts) = resources.get(b"Font") else {
            return Ok(false);
        };
        let Some(fonts) = self.doc.dict_of(fonts)? else {
            return Ok(false);
        };
        let Some(font) = fonts.get(name) else {
            return Ok(false);
        };
        Ok(self
            .doc
            .dict_of(font)?
            .and_then(|f| f.get(b"Subtype").and_then(Obj::name).map(|s| s == b"Type0"))
            .unwrap_or(false))
    }

    /// Greeks a string: a bar per glyph (none for spaces), advancing the text matrix.
    fn show(&mut self, text: &[u8], gs: &GState, tm: &mut Matrix) -> Result<()> {
        let step = if gs.wide_font { 2 } else { 1 };
        let visible = gs.render_mode != 3 && gs.render_mode != 7;
        let fs = gs.font_size;
        for code in text.chunks(step) {
            self.canvas.glyphs += 1;
            if self.canvas.glyphs > MAX_GLYPHS {
                return Err(PdfError::TooLarge(format!("more than {MAX_GLYPHS} glyphs")));
            }
            let space = step == 1 && code[0] == b' ';
            let width = if space { 0.28 } else { 0.55 };
            if visible && !space && fs != 0.0 {
                // The glyph's bar in text space: from the baseline to about the x-height.
                let bar = Matrix([
                    width * 0.85 * fs * gs.scale,
                    0.0,
                    0.0,
                    0.5 * fs,
                    0.0,
                    gs.rise,
                ]);
                let m = bar.then(*tm).then(gs.ctm).then(self.device);
                self.canvas.fill(m, gs.fill, 0.6)?;
            }
            let mut tx = width * fs + gs.char_spacing;
            if space {
                tx += gs.word_spacing;
            }
            *tm = Matrix([1.0, 0.0, 0.0, 1.0, tx * gs.scale, 0.0]).then(*tm);
        }
        Ok(())
    }

    fn xobject(&mut self, resources: &Dict, name: &[u8], gs: &GState, depth: usize) -> Result<()> {
        let Some(xobjects) = resources.get(b"XObject") else {
            return Ok(());
        };
        let Some(xobjects) = self.doc.dict_of(xobjects)? else {
            return Ok(());
        };
        let Some(target) = xobjects.get(name).cloned() else {
            return Ok(());
        };
        let Obj::Stream(dict, start, end) = self.doc.resolve(&target)? else {
            return Ok(());
        };
        match dict.get(b"Subtype").and_then(Obj::name) {
            Some(b"Image") => {
                let m = gs.ctm.then(self.device);
                let Some((x0, y0, x1, y1)) = self.canvas.bounds(m) else {
                    return Ok(());
                };
                let target = (
                    (x1 - x0).ceil().max(1.0) as u32,
                    (y1 - y0).ceil().max(1.0) as u32,
                );
                if let Some(samples) = self.image_samples(&dict, start, end, gs.fill, target)? {
                    self.canvas.image(m, &samples)?;
                }
            }
            Some(b"Form") if depth < MAX_FORM_DEPTH => {
                self.canvas.charge(FORM_COST)?;
                let body = self.doc.decode(&dict, start, end)?;
                let matrix = match dict.get(b"Matrix") {
                    Some(Obj::Array(a)) => Matrix::from_operands(a).unwrap_or(Matrix::IDENTITY),
                    _ => Matrix::IDENTITY,
                };
                let own = match dict.get(b"Resources") {
                    Some(r) => self.doc.dict_of(r)?,
                    None => None,
                };
                let mut inner = gs.clone();
                inner.ctm = matrix.then(gs.ctm);
                self.run(&body, own.as_ref().unwrap_or(resources), inner, depth + 1)?;
            }
            Some(b"Form") => {
                return Err(PdfError::TooLarge(format!(
                    "forms nested more than {MAX_FORM_DEPTH} deep"
                )))
            }
            _ => {}
        }
        Ok(())
    }

    /// An image XObject's pixels, reduced to about `target`; `None` (and noted) when its
    /// encoding is not read here.
    fn image_samples(
        &mut self,
        dict: &Dict,
        start: usize,
        end: usize,
        fill: [f32; 3],
        target: (u32, u32),
    ) -> Result<Option<Samples>> {
        let num = |k: &[u8]| dict.get(k).and_then(Obj::num).unwrap_or(0.0);
        let (w, h) = (num(b"Width"), num(b"Height"));
        if !(w >= 1.0 && h >= 1.0) {
            return Ok(None);
        }
        if w * h > MAX_IMAGE_PIXELS as f64 {
            return Err(PdfError::TooLarge(format!(
                "an image of {w} × {h} pixels (at most {MAX_IMAGE_PIXELS} are decoded)"
            )));
        }
        self.canvas.image_pixels += (w * h) as u64;
        if self.canvas.image_pixels > MAX_DECODED_PIXELS {
            return Err(PdfError::TooLarge(format!(
                "the page's images decode to more than {MAX_DECODED_PIXELS} pixels"
            )));
        }
        let (w, h) = (w as usize, h as usize);
        let filters = filter_names(dict);
        let last = filters.last().map(Vec::as_slice);
        let reduce = |img: image::DynamicImage| -> Samples {
            let (tw, th) = (target.0.min(img.width()), target.1.min(img.height()));
            let small = if (tw, th) == (img.width(), img.height()) {
                img.to_rgb8()
            } else {
                img.thumbnail_exact(tw.max(1), th.max(1)).to_rgb8()
            };
            Samples {
                width: small.width().max(1) as usize,
                height: small.height().max(1) as usize,
                rgb: small
                    .pixels()
                    .map(|p| p.0.map(|c| f32::from(c) / 255.0))
                    .collect(),
                stencil: None,
            }
        };
        match last {
            Some(b"DCTDecode" | b"DCT") => {
                let data = self.doc.decode(dict, start, end)?;
                let mut reader = image::ImageReader::with_format(
                    std::io::Cursor::new(data),
                    image::ImageFormat::Jpeg,
                );
                let mut limits = image::Limits::default();
                limits.max_image_width = Some(super::MAX_THUMBNAIL_SOURCE_PIXELS);
                limits.max_image_height = Some(super::MAX_THUMBNAIL_SOURCE_PIXELS);
                limits.max_alloc = Some(super::MAX_THUMBNAIL_DECODE_BYTES);
                reader.limits(limits);
                match reader.decode() {
                    Ok(img) => Ok(Some(reduce(img))),
                    Err(image::ImageError::Limits(_)) => Err(PdfError::TooLarge(
                        "a JPEG image needs more memory than a thumbnail may take".into(),
                    )),
                    Err(_) => {
                        self.canvas.skipped.insert("damaged JPEG images");
                        Ok(None)
                    }
                }
            }
            Some(b"JPXDecode") => {
                self.canvas.skipped.insert("JPEG 2000 images");
                Ok(None)
            }
            Some(b"JBIG2Decode") => {
                self.canvas.skipped.insert("JBIG2 images");
                Ok(None)
            }
            Some(b"CCITTFaxDecode" | b"CCF") => {
                self.canvas.skipped.insert("CCITT fax images");
                Ok(None)
            }
            _ => {
                let data = self.doc.decode(dict, start, end)?;
                self.raw_samples(dict, &data, w, h, fill, target).map(|s| {
                    s.map(|s| {
                        if s.stencil.is_some() {
                            s
                        } else {
                            let img = image::RgbImage::from_fn(
                                s.width as u32,
                                s.height as u32,
                                |x, y| {
                                    let c = s.rgb[y as usize * s.width + x as usize];
                                    image::Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8))
                                },
                            );
                            reduce(image::DynamicImage::ImageRgb8(img))
                        }
                    })
                })
            }
        }
    }

    /// Raw samples (after Flate) as colours: gray, RGB, CMYK, ICCBased, Indexed; 1 to 8 bits;
    /// image masks in the fill colour.
    fn raw_samples(
        &mut self,
        dict: &Dict,
        data: &[u8],
        w: usize,
        h: usize,
        fill: [f32; 3],
        target: (u32, u32),
    ) -> Result<Option<Samples>> {
        let mask = matches!(
            dict.get(b"ImageMask").or_else(|| dict.get(b"IM")),
            Some(Obj::Bool(true))
        );
        let bpc = if mask {
            1
        } else {
            dict.get(b"BitsPerComponent")
                .or_else(|| dict.get(b"BPC"))
                .and_then(Obj::num)
                .unwrap_or(8.0) as usize
        };
        if !matches!(bpc, 1 | 2 | 4 | 8) {
            self.canvas.skipped.insert("16-bit images");
            return Ok(None);
        }
        // Colour space: components per sample and how to turn them into RGB.
        enum Space {
            Gray,
            Rgb,
            Cmyk,
            Indexed(usize, Vec<u8>),
        }
        let space = if mask {
            Space::Gray
        } else {
            let cs = dict.get(b"ColorSpace").or_else(|| dict.get(b"CS")).cloned();
            let cs = match cs {
                Some(c) => self.doc.resolve(&c)?,
                None => Obj::Null,
            };
            match self.space(&cs)? {
                Some(s) => match s {
                    (1, None) => Space::Gray,
                    (3, None) => Space::Rgb,
                    (4, None) => Space::Cmyk,
                    (base, Some(lookup)) => Space::Indexed(base, lookup),
                    _ => {
                        self.canvas
                            .skipped
                            .insert("images in unusual colour spaces");
                        return Ok(None);
                    }
                },
                None => {
                    self.canvas
                        .skipped
                        .insert("images in unusual colour spaces");
                    return Ok(None);
                }
            }
        };
        let comps = match &space {
            Space::Gray | Space::Indexed(..) => 1,
            Space::Rgb => 3,
            Space::Cmyk => 4,
        };
        let row = (w * comps * bpc).div_ceil(8);
        if data.len() < row * h {
            // Short data: draw the rows there are.
            if data.len() < row {
                self.canvas.skipped.insert("damaged images");
                return Ok(None);
            }
        }
        let h = h.min(data.len() / row.max(1));
        // Read every sample at a step so at most about twice the target size is expanded.
        let sx = (w / (target.0 as usize * 2).max(1)).max(1);
        let sy = (h / (target.1 as usize * 2).max(1)).max(1);
        let (ow, oh) = (w.div_ceil(sx), h.div_ceil(sy));
        let max = ((1u32 << bpc) - 1) as f32;
        let sample = |line: &[u8], i: usize| -> u32 {
            let bit = i * bpc;
            let byte = line.get(bit / 8).copied().unwrap_or(0);
            let shift = 8 - bpc - (bit % 8);
            (u32::from(byte) >> shift) & ((1 << bpc) - 1)
        };
        let decode_inverted = matches!(
            dict.get(b"Decode").or_else(|| dict.get(b"D")),
            Some(Obj::Array(a)) if a.first().and_then(Obj::num) == Some(1.0)
        );
        let mut rgb = Vec::with_capacity(ow * oh);
        let mut set = Vec::new();
        for y in (0..h).step_by(sy) {
            let line = &data[y * row..(y + 1) * row];
            for x in (0..w).step_by(sx) {
                if mask {
                    // A mask paints where the sample is 0 (1 with Decode [1 0]).
                    set.push((sample(line, x) == 0) != decode_inverted);
                    continue;
                }
                let c = |k: usize| sample(line, x * comps + k) as f32 / max;
                let mut color = match &space {
                    Space::Gray => [c(0); 3],
                    Space::Rgb => [c(0), c(1), c(2)],
                    Space::Cmyk => cmyk(
                        f64::from(c(0)),
                        f64::from(c(1)),
                        f64::from(c(2)),
                        f64::from(c(3)),
                    ),
                    Space::Indexed(base, lookup) => {
                        let i = sample(line, x) as usize * base;
                        let v =
                            |k: usize| f32::from(lookup.get(i + k).copied().unwrap_or(0)) / 255.0;
                        match *base {
                            1 => [v(0); 3],
                            3 => [v(0), v(1), v(2)],
                            _ => cmyk(
                                f64::from(v(0)),
                                f64::from(v(1)),
                                f64::from(v(2)),
                                f64::from(v(3)),
                            ),
                        }
                    }
                };
                if decode_inverted && comps == 1 && !matches!(space, Space::Indexed(..)) {
                    color = color.map(|v| 1.0 - v);
                }
                rgb.push(color);
            }
        }
        Ok(Some(Samples {
            width: ow,
            height: oh,
            rgb,
            stencil: mask.then_some((fill, set)),
        }))
    }

    /// Components of a colour space, and the lookup table of an indexed one.
    fn space(&mut self, cs: &Obj) -> Result<Option<(usize, Option<Vec<u8>>)>> {
        Ok(match cs {
            Obj::Name(n) => match n.as_slice() {
                b"DeviceGray" | b"G" | b"CalGray" => Some((1, None)),
                b"DeviceRGB" | b"RGB" | b"CalRGB" => Some((3, None)),
                b"DeviceCMYK" | b"CMYK" => Some((4, None)),
                _ => None,
            },
            Obj::Null => Some((1, None)),
            Obj::Array(a) => match a.first().and_then(Obj::name) {
                Some(b"ICCBased") => {
                    let n = match a.get(1) {
                        Some(s) => self
                            .doc
                            .dict_of(s)?
                            .and_then(|d| d.get(b"N").and_then(Obj::num)),
                        None => None,
                    };
                    n.map(|n| (n as usize, None))
                }
                Some(b"CalRGB" | b"CalGray" | b"DeviceRGB" | b"DeviceGray" | b"DeviceCMYK") => {
                    let name = a.first().cloned().unwrap_or(Obj::Null);
                    self.space(&name)?
                }
                Some(b"Indexed" | b"I") => {
                    let base = match a.get(1) {
                        Some(b) => {
                            let b = self.doc.resolve(b)?;
                            self.space(&b)?
                        }
                        None => None,
                    };
                    let lookup = match a.get(3) {
                        Some(l) => match self.doc.resolve(l)? {
                            Obj::Str(s) => Some(s),
                            Obj::Stream(d, s, e) => Some(self.doc.decode(&d, s, e)?),
                            _ => None,
                        },
                        None => None,
                    };
                    match (base, lookup) {
                        (Some((b @ (1 | 3 | 4), None)), Some(l)) => Some((b, Some(l))),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        })
    }
}

/// The first page's leaf, with what it inherits (resources, boxes, rotation).
struct PageInfo {
    dict: Dict,
    resources: Dict,
    media: [f64; 4],
    rotate: i64,
}

fn rect_of(obj: Option<&Obj>) -> Option<[f64; 4]> {
    let Some(Obj::Array(a)) = obj else {
        return None;
    };
    let v: Vec<f64> = a.iter().filter_map(Obj::num).collect();
    let [x0, y0, x1, y1] = v.as_slice() else {
        return None;
    };
    Some([x0.min(*x1), y0.min(*y1), x0.max(*x1), y0.max(*y1)])
}

/// A page-tree node to visit: the node, what it inherits (resources, box, rotation), its depth.
type Visit = (Obj, Option<Obj>, Option<Obj>, Option<Obj>, usize);

fn first_page(doc: &Doc<'_>) -> Result<PageInfo> {
    // The catalog: the last trailer's /Root (trailer dictionary or cross-reference stream).
    let root_at = rfind(doc.data, b"/Root").ok_or_else(|| malformed("no document catalog"))?;
    let mut lx = Lexer::new(doc.data, root_at + 5);
    let Some(Obj::Ref(root)) = lx.object(0, false)? else {
        return Err(malformed("no document catalog"));
    };
    let catalog = doc
        .dict_of(&Obj::Ref(root))?
        .ok_or_else(|| malformed("the document catalog is not a dictionary"))?;
    let pages = catalog
        .get(b"Pages")
        .cloned()
        .ok_or_else(|| malformed("the catalog has no pages"))?;
    // Depth-first, in order, through the page tree (bounded, cycles refused).
    let mut stack: Vec<Visit> = vec![(pages, None, None, None, 0)];
    let mut seen = HashSet::new();
    let mut visits = 0;
    while let Some((node, resources, media, rotate, depth)) = stack.pop() {
        visits += 1;
        if visits > 100_000 || depth > MAX_TREE_DEPTH {
            return Err(PdfError::TooLarge(
                "a page tree too deep or too large".into(),
            ));
        }
        if let Obj::Ref(n) = node {
            if !seen.insert(n) {
                continue;
            }
        }
        let Some(dict) = doc.dict_of(&node)? else {
            continue;
        };
        let resources = dict.get(b"Resources").cloned().or(resources);
        let media = dict
            .get(b"CropBox")
            .or_else(|| dict.get(b"MediaBox"))
            .cloned()
            .or(media);
        let rotate = dict.get(b"Rotate").cloned().or(rotate);
        let kids = match dict.get(b"Kids") {
            Some(k) => match doc.resolve(k)? {
                Obj::Array(a) => Some(a),
                _ => None,
            },
            None => None,
        };
        match kids {
            Some(kids) => {
                for kid in kids.into_iter().rev() {
                    stack.push((
                        kid,
                        resources.clone(),
                        media.clone(),
                        rotate.clone(),
                        depth + 1,
                    ));
                }
            }
            None => {
                let resources = match resources {
                    Some(r) => doc.dict_of(&r)?.unwrap_or_default(),
                    None => Dict::default(),
                };
                let media = match media {
                    Some(m) => rect_of(Some(&doc.resolve(&m)?)),
                    None => None,
                }
                .unwrap_or([0.0, 0.0, 612.0, 792.0]);
                let rotate = rotate.and_then(|r| r.num()).unwrap_or(0.0) as i64;
                return Ok(PageInfo {
                    dict,
                    resources,
                    media,
                    rotate: rotate.rem_euclid(360),
                });
            }
        }
    }
    Err(malformed("the document has no pages"))
}

/// Draws the first page of `data` (a PDF) at most `size` pixels each way. See the module docs.
pub(crate) fn render_first_page(data: &[u8], size: u32) -> Result<image::RgbImage> {
    let mut doc = Doc::open(data)?;
    let page = first_page(&doc)?;
    let [x0, y0, x1, y1] = page.media;
    let (w, h) = (x1 - x0, y1 - y0);
    if !(w.is_finite() && h.is_finite()) || w < 1.0 || h < 1.0 {
        return Err(malformed("the page has no size"));
    }
    if w > MAX_PAGE_SIDE || h > MAX_PAGE_SIDE {
        return Err(PdfError::TooLarge(format!(
            "a page of {w:.0} × {h:.0} points (at most {MAX_PAGE_SIDE:.0} each way)"
        )));
    }
    let scale = (f64::from(size) / w).min(f64::from(size) / h);
    let (cw, ch) = (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    );
    // User space → canvas: scaled, y downwards.
    let device = Matrix([scale, 0.0, 0.0, -scale, -x0 * scale, y1 * scale]);
    let mut content = Vec::new();
    let parts = match page.dict.get(b"Contents") {
        Some(c) => match doc.resolve(c)? {
            Obj::Array(a) => a,
            other => vec![other],
        },
        None => Vec::new(),
    };
    for part in parts.iter().take(10_000) {
        if let Obj::Stream(d, s, e) = doc.resolve(part)? {
            content.extend(doc.decode(&d, s, e)?);
            content.push(b'\n');
        }
    }
    let start = GState {
        ctm: Matrix::IDENTITY,
        fill: [0.0; 3],
        font_size: 0.0,
        wide_font: false,
        char_spacing: 0.0,
        word_spacing: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
        render_mode: 0,
    };
    let mut run = Interpreter {
        doc: &mut doc,
        canvas: Canvas::new(cw, ch),
        device,
    };
    run.run(&content, &page.resources, start, 0)?;
    let canvas = run.canvas;
    if canvas.drawn == 0 {
        let mut held: Vec<&str> = canvas.skipped.iter().copied().collect();
        held.sort_unstable();
        return Err(PdfError::NothingDrawn(if held.is_empty() {
            "the page is empty".into()
        } else {
            format!(
                "it holds only {}, which are not drawn here",
                held.join(", ")
            )
        }));
    }
    let img = canvas.into_image();
    Ok(match page.rotate {
        90 => image::imageops::rotate90(&img),
        180 => image::imageops::rotate180(&img),
        270 => image::imageops::rotate270(&img),
        _ => img,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Obj {
        Lexer::new(text.as_bytes(), 0)
            .object(0, false)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn objects_are_read_as_pdf_writes_them() {
        assert_eq!(parse(" 12 0 R"), Obj::Ref(12));
        assert_eq!(parse("12 0"), Obj::Num(12.0));
        assert_eq!(parse("-3.5"), Obj::Num(-3.5));
        assert_eq!(parse("/A#20B"), Obj::Name(b"A B".to_vec()));
        assert_eq!(
            parse(r"(a (nested) \(x\) \101\n)"),
            Obj::Str(b"a (nested) (x) A\n".to_vec())
        );
        assert_eq!(parse("<48 65 6c6>"), Obj::Str(b"Hel`".to_vec()));
        assert_eq!(
            parse("<< /Kids [1 0 R 2 0 R] /Count 2 % comment\n >>"),
            Obj::Dict(Dict(vec![
                (b"Kids".to_vec(), Obj::Array(vec![Obj::Ref(1), Obj::Ref(2)])),
                (b"Count".to_vec(), Obj::Num(2.0)),
            ]))
        );
        let wide = format!("[{}]", "0 ".repeat(MAX_OBJECT_VALUES + 1));
        assert!(matches!(
            Lexer::new(wide.as_bytes(), 0).object(0, false),
            Err(PdfError::TooLarge(_))
        ));
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(matches!(
            Lexer::new(deep.as_bytes(), 0).object(0, false),
            Err(PdfError::TooLarge(_))
        ));
    }

    /// Every truncation and many single-byte corruptions of a real page are answered (drawn or
    /// refused), never a panic.
    #[test]
    fn damaged_files_never_panic() {
        let content = b"q 100 0 0 50 10 10 cm /Im0 Do Q 0.5 g 20 20 100 10 re f BT /F1 12 Tf 50 700 Td [(Hi) -200 (there)] TJ ET";
        let image = miniz_oxide::deflate::compress_to_vec_zlib(&[0u8, 255, 128, 7, 64, 200], 6);
        let mut objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 800] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> /Font << /F1 6 0 R >> >> >>".to_vec(),
        ];
        let mut c = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        c.extend_from_slice(content);
        c.extend_from_slice(b"\nendstream");
        objects.push(c);
        let mut i = format!("<< /Subtype /Image /Width 3 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n", image.len()).into_bytes();
        i.extend_from_slice(&image);
        i.extend_from_slice(b"\nendstream");
        objects.push(i);
        objects.push(b"<< /Type /Font /Subtype /Type0 >>".to_vec());
        let mut pdf = b"%PDF-1.5\n".to_vec();
        for (n, o) in objects.iter().enumerate() {
            pdf.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
            pdf.extend_from_slice(o);
            pdf.extend_from_slice(b"\nendobj\n");
        }
        pdf.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
        let whole = render_first_page(&pdf, 256).unwrap();
        assert_eq!(whole.dimensions(), (64, 256));
        for end in 0..pdf.len() {
            let _ = render_first_page(&pdf[..end], 256);
        }
        let mut x = 0x9e37_79b9_u32;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let mut bad = pdf.clone();
            let at = x as usize % bad.len();
            bad[at] = (x >> 8) as u8;
            let _ = render_first_page(&bad, 256);
        }
    }

    #[test]
    fn inflating_stops_at_the_limit() {
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 4 << 20], 6);
        assert!(bomb.len() < 64 << 10);
        assert!(matches!(
            inflate(&bomb, 1 << 20),
            Err(PdfError::TooLarge(_))
        ));
        assert_eq!(inflate(&bomb, 8 << 20).unwrap().len(), 4 << 20);
    }

    #[test]
    fn matrices_compose_as_pdf_says() {
        // Scale then translate: a point of the unit square lands where `cm` twice puts it.
        let scale = Matrix([2.0, 0.0, 0.0, 3.0, 0.0, 0.0]);
        let shift = Matrix([1.0, 0.0, 0.0, 1.0, 10.0, 20.0]);
        assert_eq!(scale.then(shift).apply(1.0, 1.0), (12.0, 23.0));
        let inv = scale.then(shift).invert().unwrap();
        let (x, y) = inv.apply(12.0, 23.0);
        assert!((x - 1.0).abs() < 1e-9 && (y - 1.0).abs() < 1e-9, "{x} {y}");
    }
}
