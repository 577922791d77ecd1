//! WSQ (FBI Wavelet Scalar Quantization, IAFIS-IC-0110 v3) decoder, in pure Rust.
//!
//! The stream is a sequence of marker segments: SOI, tables (DTT: wavelet filters, DQT:
//! quantisation bins, DHT: Huffman tables, COM: comments such as the NIST `NIST_COM` block with
//! the resolution), the frame header SOF (size, shift and scale), three or more blocks (SOB,
//! Huffman-coded quantised coefficients) and EOI. Decoding reverses the encoder: Huffman
//! decoding, dequantisation of the 60 used subbands (of the 64-subband decomposition), the inverse
//! wavelet transform over the 20 nodes of the decomposition tree, then shift, scale and rounding to
//! 8-bit grey.
//!
//! The arithmetic follows NIST's reference decoder (NBIS) operation by operation, in the same
//! precision (`f32`, with the same steps done in `f64` where NBIS promotes), so the decoded pixels
//! equal NBIS's exactly on the fixtures of `tests/data/formats` (see the tests).
//!
//! [`encode`] writes WSQ too (see its module).
//!
//! Limits: only odd-length (symmetric) wavelet filters, which is what every WSQ encoder writes
//! (the 9/7 filter pair); images up to [`crate::image::MAX_SIDE`] on each side, checked from the
//! frame header before any pixel buffer is allocated. Every inconsistency is an error, never a
//! panic.

mod encode;

pub use encode::{encode, MIN_SIDE};

use super::bytes::Reader;
use super::{Decoded, FormatError};
use crate::image::{check_size, GrayImage};

const FORMAT: &str = "WSQ";

const SOI: u16 = 0xFFA0;
const EOI: u16 = 0xFFA1;
const SOF: u16 = 0xFFA2;
const SOB: u16 = 0xFFA3;
const DTT: u16 = 0xFFA4;
const DQT: u16 = 0xFFA5;
const DHT: u16 = 0xFFA6;
const COM: u16 = 0xFFA8;

/// Subbands that carry coefficients (60 of the 64 of the decomposition; 60–63 are always zero).
const SUBBANDS: usize = 60;
/// All subbands of the decomposition.
const ALL_SUBBANDS: usize = 64;
/// Huffman tables a stream may define.
const HUFF_TABLES: usize = 8;
/// Longest filter accepted (real files use 9 and 7 taps).
const MAX_FILTER: u8 = 31;

/// True when `data` starts like a WSQ stream (the SOI marker).
pub fn sniff(data: &[u8]) -> bool {
    data.starts_with(&[0xFF, 0xA0])
}

/// Decodes a WSQ stream to grey pixels, with the resolution of its NIST comment when present.
pub fn decode(data: &[u8]) -> Result<Decoded, FormatError> {
    let mut r = Reader::new(data, FORMAT);
    let at = r.pos();
    let soi = r.u16("SOI marker")?;
    if soi != SOI {
        return Err(r.invalid("SOI marker", at, format!("expected FFA0, found {soi:04X}")));
    }
    let mut tables = Tables::default();
    let mut ppi = None;
    // Tables and comments up to the frame header.
    loop {
        let (marker, at) = table_marker(&mut r, SOF)?;
        if marker == SOF {
            break;
        }
        if let Some(p) = read_table(&mut r, marker, at, &mut tables)? {
            ppi = ppi.or(p);
        }
    }
    let frame = read_frame(&mut r)?;
    let (width, height) = (u32::from(frame.width), u32::from(frame.height));
    check_size(width, height).map_err(|e| FormatError::Image {
        format: FORMAT,
        source: e,
    })?;
    let w_tree = build_w_tree(frame.width.into(), frame.height.into());
    let q_tree = build_q_tree(&w_tree);
    let coefficients = read_blocks(&mut r, &mut tables, &q_tree, &mut ppi)?;
    let (w, h) = (usize::from(frame.width), usize::from(frame.height));
    let mut pixels = unquantize(&tables, &q_tree, &coefficients, r.pos(), w, h)?;
    reconstruct(&mut pixels, w, h, &w_tree, &tables)?;
    let bytes = to_bytes(&pixels, frame.m_shift, frame.r_scale);
    let image = GrayImage::new(width, height, bytes).map_err(|e| FormatError::Image {
        format: FORMAT,
        source: e,
    })?;
    Ok(Decoded { image, ppi })
}

struct Tables {
    lo: Vec<f32>,
    hi: Vec<f32>,
    bin_center: f32,
    q_bin: [f32; 64],
    z_bin: [f32; 64],
    has_dqt: bool,
    huffman: [Option<HuffTable>; HUFF_TABLES],
}

impl Default for Tables {
    fn default() -> Self {
        Self {
            lo: Vec::new(),
            hi: Vec::new(),
            bin_center: 0.0,
            q_bin: [0.0; 64],
            z_bin: [0.0; 64],
            has_dqt: false,
            huffman: Default::default(),
        }
    }
}

#[derive(Clone)]
struct HuffTable {
    bits: [u8; 16],
    values: Vec<u8>,
}

struct Frame {
    width: u16,
    height: u16,
    m_shift: f32,
    r_scale: f32,
}

/// Reads a marker that may start a table, a comment or `end` (SOF or SOB).
fn table_marker(r: &mut Reader<'_>, end: u16) -> Result<(u16, usize), FormatError> {
    let at = r.pos();
    let marker = r.u16("marker")?;
    if matches!(marker, DTT | DQT | DHT | COM) || marker == end {
        Ok((marker, at))
    } else {
        let want = if end == SOF { "SOF" } else { "SOB" };
        Err(r.invalid(
            "marker",
            at,
            format!("expected a table, a comment or {want}, found {marker:04X}"),
        ))
    }
}

/// `x` divided by ten `scale` times, each step in `f64` then rounded to `f32` (as NBIS does).
fn descale(value: u32, scale: u8) -> f32 {
    let mut x = value as f32;
    for _ in 0..scale {
        x = (f64::from(x) / 10.0) as f32;
    }
    x
}

/// Reads one table or comment segment; a NIST comment may give the resolution.
fn read_table(
    r: &mut Reader<'_>,
    marker: u16,
    at: usize,
    tables: &mut Tables,
) -> Result<Option<Option<u16>>, FormatError> {
    let len_at = r.pos();
    let len = usize::from(r.u16("segment length")?);
    if len < 2 {
        return Err(r.invalid("segment length", len_at, format!("{len} is below 2")));
    }
    let body = r.bytes(len - 2, "segment")?;
    let mut s = Reader::new(body, FORMAT);
    let base = len_at + 2;
    let shift = |e: FormatError| shift_offset(e, base);
    match marker {
        DTT => read_dtt(&mut s, tables).map_err(shift)?,
        DQT => read_dqt(&mut s, tables).map_err(shift)?,
        DHT => read_dht(&mut s, tables).map_err(shift)?,
        COM => return Ok(Some(nist_ppi(body))),
        _ => return Err(r.invalid("marker", at, format!("{marker:04X} is not a table"))),
    }
    Ok(None)
}

/// Moves the offset of an error found in a segment body to its place in the whole stream.
fn shift_offset(e: FormatError, base: usize) -> FormatError {
    match e {
        FormatError::Truncated {
            format,
            field,
            offset,
            needed,
            available,
        } => FormatError::Truncated {
            format,
            field,
            offset: offset + base,
            needed,
            available,
        },
        FormatError::Invalid {
            format,
            field,
            offset,
            reason,
        } => FormatError::Invalid {
            format,
            field,
            offset: offset + base,
            reason,
        },
        other => other,
    }
}

/// The `PPI` of a `NIST_COM` comment (`None` when absent, not a number or -1).
fn nist_ppi(body: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.starts_with("NIST_COM") {
        return None;
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("PPI "))
        .find_map(|v| v.trim().parse::<u16>().ok())
        .filter(|&p| p > 0)
}

fn read_dtt(s: &mut Reader<'_>, tables: &mut Tables) -> Result<(), FormatError> {
    let at = s.pos();
    let hisz = s.u8("high-pass filter length")?;
    let losz = s.u8("low-pass filter length")?;
    for (len, field) in [
        (hisz, "high-pass filter length"),
        (losz, "low-pass filter length"),
    ] {
        if len % 2 == 0 || len > MAX_FILTER {
            return Err(s.invalid(
                field,
                at,
                format!("{len} taps: only odd lengths up to {MAX_FILTER} are supported"),
            ));
        }
    }
    // The first coefficients give the high-pass synthesis filter, the second the low-pass one,
    // each as its centre half; the other half is the mirror image.
    tables.hi = read_filter(s, hisz)?;
    tables.lo = read_filter(s, losz)?;
    Ok(())
}

fn read_filter(s: &mut Reader<'_>, len: u8) -> Result<Vec<f32>, FormatError> {
    let half = usize::from(len).div_ceil(2);
    let centre = half - 1;
    let mut filter = vec![0f32; usize::from(len)];
    for k in 0..half {
        let sign = s.u8("filter coefficient sign")?;
        let scale = s.u8("filter coefficient scale")?;
        let value = s.u32("filter coefficient")?;
        let mut c = descale(value, scale);
        if sign != 0 {
            c = -c;
        }
        if k % 2 == 1 {
            c = -c;
        }
        filter[centre + k] = c;
        filter[centre - k] = c;
    }
    Ok(filter)
}

fn read_dqt(s: &mut Reader<'_>, tables: &mut Tables) -> Result<(), FormatError> {
    let scale = s.u8("bin centre scale")?;
    let value = s.u16("bin centre")?;
    tables.bin_center = descale(value.into(), scale);
    for band in 0..64 {
        let scale = s.u8("quantisation bin scale")?;
        let value = s.u16("quantisation bin")?;
        tables.q_bin[band] = descale(value.into(), scale);
        let scale = s.u8("zero bin scale")?;
        let value = s.u16("zero bin")?;
        tables.z_bin[band] = descale(value.into(), scale);
    }
    tables.has_dqt = true;
    Ok(())
}

fn read_dht(s: &mut Reader<'_>, tables: &mut Tables) -> Result<(), FormatError> {
    let mut defined = [false; HUFF_TABLES];
    while s.remaining() > 0 {
        let at = s.pos();
        let id = usize::from(s.u8("Huffman table id")?);
        if id >= HUFF_TABLES {
            return Err(s.invalid(
                "Huffman table id",
                at,
                format!("{id} is not below {HUFF_TABLES}"),
            ));
        }
        if defined[id] {
            return Err(s.invalid(
                "Huffman table id",
                at,
                format!("table {id} is defined twice in one segment"),
            ));
        }
        let counts_at = s.pos();
        let mut bits = [0u8; 16];
        bits.copy_from_slice(s.bytes(16, "Huffman code counts")?);
        let total: usize = bits.iter().map(|&b| usize::from(b)).sum();
        if total == 0 || total > 256 {
            return Err(s.invalid(
                "Huffman code counts",
                counts_at,
                format!("{total} codes: must be between 1 and 256"),
            ));
        }
        let values = s.bytes(total, "Huffman values")?.to_vec();
        check_huffman(&bits)
            .map_err(|reason| s.invalid("Huffman code counts", counts_at, reason))?;
        tables.huffman[id] = Some(HuffTable { bits, values });
        defined[id] = true;
    }
    Ok(())
}

/// Refuses code counts that do not fit in a prefix code of at most 16 bits.
fn check_huffman(bits: &[u8; 16]) -> Result<(), String> {
    let mut code: u32 = 0;
    for (i, &n) in bits.iter().enumerate() {
        code += u32::from(n);
        let len = i + 1;
        if code > (1u32 << len) {
            return Err(format!("more codes than fit in {len} bits"));
        }
        code <<= 1;
    }
    Ok(())
}

fn read_frame(r: &mut Reader<'_>) -> Result<Frame, FormatError> {
    let len_at = r.pos();
    let len = usize::from(r.u16("frame header length")?);
    if len < 17 {
        return Err(r.invalid("frame header length", len_at, format!("{len} is below 17")));
    }
    let body = r.bytes(len - 2, "frame header")?;
    let mut s = Reader::new(body, FORMAT);
    let _black = s.u8("black level")?;
    let _white = s.u8("white level")?;
    let height = s.u16("height")?;
    let width = s.u16("width")?;
    let m_scale = s.u8("shift scale")?;
    let m = s.u16("shift")?;
    let r_scale_exp = s.u8("scale exponent")?;
    let rs = s.u16("scale")?;
    let m_shift = descale(m.into(), m_scale);
    let r_scale = descale(rs.into(), r_scale_exp);
    Ok(Frame {
        width,
        height,
        m_shift,
        r_scale,
    })
}

/// Decoding tables of one Huffman table (JPEG's MAXCODE, MINCODE, VALPTR).
struct Decoder {
    max_code: [i32; 17],
    min_code: [i32; 17],
    val_ptr: [usize; 17],
    values: Vec<u8>,
}

impl Decoder {
    fn new(t: &HuffTable) -> Self {
        let mut max_code = [-1i32; 17];
        let mut min_code = [0i32; 17];
        let mut val_ptr = [0usize; 17];
        let mut code: i32 = 0;
        let mut k = 0usize;
        for len in 1..=16 {
            let n = usize::from(t.bits[len - 1]);
            if n > 0 {
                val_ptr[len] = k;
                min_code[len] = code;
                code += n as i32;
                k += n;
                max_code[len] = code - 1;
            }
            code <<= 1;
        }
        Self {
            max_code,
            min_code,
            val_ptr,
            values: t.values.clone(),
        }
    }
}

/// Bit reader over the entropy-coded data; `0xFF 0x00` is a stuffed `0xFF`, `0xFF` then anything
/// else is a marker.
struct Bits<'r, 'a> {
    r: &'r mut Reader<'a>,
    byte: u8,
    left: u8,
}

enum Bit {
    Value(u16),
    Marker(u16),
}

impl Bits<'_, '_> {
    fn bit(&mut self, marker_allowed: bool) -> Result<Bit, FormatError> {
        if self.left == 0 {
            let at = self.r.pos();
            let byte = self.r.u8("coded data")?;
            if byte == 0xFF {
                let next = self.r.u8("coded data")?;
                if next != 0 {
                    if marker_allowed {
                        return Ok(Bit::Marker(0xFF00 | u16::from(next)));
                    }
                    return Err(self.r.invalid(
                        "coded data",
                        at,
                        format!("marker FF{next:02X} inside a coefficient"),
                    ));
                }
            }
            self.byte = byte;
            self.left = 8;
        }
        self.left -= 1;
        Ok(Bit::Value(u16::from((self.byte >> self.left) & 1)))
    }

    fn bits(&mut self, n: u8) -> Result<u16, FormatError> {
        let mut v: u16 = 0;
        for _ in 0..n {
            match self.bit(false)? {
                Bit::Value(b) => v = (v << 1) | b,
                Bit::Marker(_) => return Err(self.r.invalid("coded data", self.r.pos(), "marker")),
            }
        }
        Ok(v)
    }

    /// The next Huffman symbol, or the marker met instead.
    fn symbol(&mut self, d: &Decoder) -> Result<Bit, FormatError> {
        let at = self.r.pos();
        let mut code: i32 = match self.bit(true)? {
            Bit::Value(b) => i32::from(b),
            marker => return Ok(marker),
        };
        let mut len = 1;
        while code > d.max_code[len] {
            len += 1;
            if len > 16 {
                return Err(self.r.invalid(
                    "coded data",
                    at,
                    "no Huffman code of 16 bits or fewer matches",
                ));
            }
            match self.bit(true)? {
                Bit::Value(b) => code = (code << 1) | i32::from(b),
                marker => return Ok(marker),
            }
        }
        let index = d.val_ptr[len] as i64 + i64::from(code) - i64::from(d.min_code[len]);
        usize::try_from(index)
            .ok()
            .and_then(|i| d.values.get(i))
            .map(|&v| Bit::Value(v.into()))
            .ok_or_else(|| {
                self.r
                    .invalid("coded data", at, "Huffman code outside its table")
            })
    }
}

/// Reads the blocks up to EOI: the quantised coefficients of the used subbands, in order.
fn read_blocks(
    r: &mut Reader<'_>,
    tables: &mut Tables,
    q_tree: &[Node; ALL_SUBBANDS],
    ppi: &mut Option<u16>,
) -> Result<Vec<i16>, FormatError> {
    let (mut marker, mut at) = table_marker(r, SOB)?;
    let mut out: Vec<i16> = Vec::new();
    let mut expected: Option<usize> = None;
    let mut blocks = 0;
    let mut decoder: Option<Decoder> = None;
    let mut bits_left: u8 = 0;
    let mut byte: u8 = 0;
    loop {
        if marker == EOI {
            break;
        }
        if marker != 0 {
            blocks += 1;
            while marker != SOB {
                if let Some(p) = read_table(r, marker, at, tables)? {
                    *ppi = ppi.or(p);
                }
                (marker, at) = table_marker(r, SOB)?;
            }
            if !tables.has_dqt {
                return Err(r.invalid("SOB", at, "block before the quantisation table"));
            }
            let total = *expected.get_or_insert_with(|| {
                (0..SUBBANDS)
                    .filter(|&b| tables.q_bin[b] != 0.0)
                    .map(|b| q_tree[b].lenx * q_tree[b].leny)
                    .sum()
            });
            if out.capacity() == 0 {
                out.reserve_exact(total);
            }
            let len_at = r.pos();
            let len = r.u16("block header length")?;
            if len != 3 {
                return Err(r.invalid("block header length", len_at, format!("{len}, expected 3")));
            }
            let id_at = r.pos();
            let id = usize::from(r.u8("block Huffman table id")?);
            let table = tables
                .huffman
                .get(id)
                .and_then(Option::as_ref)
                .ok_or_else(|| {
                    r.invalid(
                        "block Huffman table id",
                        id_at,
                        format!("Huffman table {id} is not defined"),
                    )
                })?;
            decoder = Some(Decoder::new(table));
            bits_left = 0;
            marker = 0;
        }
        let Some(d) = decoder.as_ref() else {
            return Err(r.invalid("SOB", at, "coded data outside a block"));
        };
        let total = expected.unwrap_or(0);
        let mut bits = Bits {
            r,
            byte,
            left: bits_left,
        };
        let sym_at = bits.r.pos();
        let symbol = bits.symbol(d)?;
        let value = match symbol {
            Bit::Marker(m) => {
                (byte, bits_left) = (bits.byte, bits.left);
                marker = m;
                at = r.pos() - 2;
                while marker == COM && blocks == 3 {
                    if let Some(p) = read_table(r, marker, at, tables)? {
                        *ppi = ppi.or(p);
                    }
                    at = r.pos();
                    marker = r.u16("marker")?;
                    if !(SOI..=COM).contains(&marker) {
                        return Err(r.invalid(
                            "marker",
                            at,
                            format!("{marker:04X} is not a WSQ marker"),
                        ));
                    }
                }
                continue;
            }
            Bit::Value(v) => v,
        };
        let zeros = |n: usize, out: &mut Vec<i16>| -> Result<(), FormatError> {
            if out.len() + n > total {
                return Err(FormatError::Invalid {
                    format: FORMAT,
                    field: "coded data",
                    offset: sym_at,
                    reason: format!("more coefficients than the {total} of the subbands"),
                });
            }
            out.resize(out.len() + n, 0);
            Ok(())
        };
        match value {
            1..=100 => zeros(value.into(), &mut out)?,
            101 => {
                let v = bits.bits(8)?;
                push(&mut out, v as i16, total, sym_at)?;
            }
            102 => {
                let v = bits.bits(8)?;
                push(&mut out, -(v as i16), total, sym_at)?;
            }
            103 => {
                let v = bits.bits(16)?;
                push(&mut out, v as i16, total, sym_at)?;
            }
            104 => {
                let v = bits.bits(16)?;
                push(&mut out, (v as i16).wrapping_neg(), total, sym_at)?;
            }
            105 => {
                let n = bits.bits(8)?;
                zeros(n.into(), &mut out)?;
            }
            106 => {
                let n = bits.bits(16)?;
                zeros(n.into(), &mut out)?;
            }
            107..=254 => push(&mut out, value as i16 - 180, total, sym_at)?,
            _ => {
                return Err(FormatError::Invalid {
                    format: FORMAT,
                    field: "coded data",
                    offset: sym_at,
                    reason: format!("invalid Huffman symbol {value}"),
                })
            }
        }
        (byte, bits_left) = (bits.byte, bits.left);
    }
    let total = expected.unwrap_or(0);
    if blocks == 0 || out.len() != total {
        return Err(r.invalid(
            "coded data",
            r.pos(),
            format!(
                "{} coefficients decoded, the subbands need {total}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

fn push(out: &mut Vec<i16>, v: i16, total: usize, at: usize) -> Result<(), FormatError> {
    if out.len() >= total {
        return Err(FormatError::Invalid {
            format: FORMAT,
            field: "coded data",
            offset: at,
            reason: format!("more coefficients than the {total} of the subbands"),
        });
    }
    out.push(v);
    Ok(())
}

/// Place and size of a node of the decomposition tree or of a subband.
#[derive(Clone, Copy, Default, Debug)]
struct Node {
    x: usize,
    y: usize,
    lenx: usize,
    leny: usize,
    inv_rw: bool,
    inv_cl: bool,
}

/// Splits `len` into (first, second) halves; `first_small` gives the odd pixel to the second.
fn halves(len: usize, first_small: bool) -> (usize, usize) {
    if len.is_multiple_of(2) {
        (len / 2, len / 2)
    } else if first_small {
        ((len - 1) / 2, len.div_ceil(2))
    } else {
        (len.div_ceil(2), (len - 1) / 2)
    }
}

/// The 20 nodes of the wavelet decomposition tree (IAFIS-IC-0110, figure of the subbands).
fn build_w_tree(width: usize, height: usize) -> [Node; 20] {
    let mut w = [Node::default(); 20];
    for i in [2, 4, 7, 9, 11, 13, 16, 18] {
        w[i].inv_rw = true;
    }
    for i in [3, 5, 8, 9, 12, 13, 17, 18] {
        w[i].inv_cl = true;
    }
    w_tree4(&mut w, 0, 1, width, height, 0, 0, true);
    let (lenx, lenx2) = halves_big_first(w[1].lenx);
    let (leny, leny2) = halves_big_first(w[1].leny);
    w_tree4(&mut w, 4, 6, lenx2, leny, lenx, 0, false);
    w_tree4(&mut w, 5, 10, lenx, leny2, 0, leny, false);
    w_tree4(&mut w, 14, 15, lenx, leny, 0, 0, false);
    w[19].x = 0;
    w[19].y = 0;
    w[19].lenx = w[15].lenx.div_ceil(2);
    w[19].leny = w[15].leny.div_ceil(2);
    w
}

fn halves_big_first(len: usize) -> (usize, usize) {
    halves(len, false)
}

#[allow(clippy::too_many_arguments)] // mirrors the standard's description of a split
fn w_tree4(
    w: &mut [Node; 20],
    p1: usize,
    p2: usize,
    lenx: usize,
    leny: usize,
    x: usize,
    y: usize,
    stop: bool,
) {
    w[p1].x = x;
    w[p1].y = y;
    w[p1].lenx = lenx;
    w[p1].leny = leny;
    w[p2].x = x;
    w[p2 + 2].x = x;
    w[p2].y = y;
    w[p2 + 1].y = y;
    let (a, b) = halves(lenx, p1 == 4);
    w[p2].lenx = a;
    w[p2 + 1].lenx = b;
    w[p2 + 1].x = a + x;
    if !stop {
        w[p2 + 3].lenx = w[p2 + 1].lenx;
        w[p2 + 3].x = w[p2 + 1].x;
    }
    w[p2 + 2].lenx = a;
    let (a, b) = halves(leny, p1 == 5);
    w[p2].leny = a;
    w[p2 + 2].leny = b;
    w[p2 + 2].y = a + y;
    if !stop {
        w[p2 + 3].leny = w[p2 + 2].leny;
        w[p2 + 3].y = w[p2 + 2].y;
    }
    w[p2 + 1].leny = a;
}

/// The 64 subbands, in the order their coefficients are coded (the last four never are).
fn build_q_tree(w: &[Node; 20]) -> [Node; ALL_SUBBANDS] {
    let mut q = [Node::default(); ALL_SUBBANDS];
    q_tree16(&mut q, 3, w[14], false, false);
    q_tree16(&mut q, 19, w[4], false, true);
    q_tree16(&mut q, 48, w[0], false, false);
    q_tree16(&mut q, 35, w[5], true, false);
    q_tree4(&mut q, 0, w[19].lenx, w[19].leny, w[19].x, w[19].y);
    q
}

/// Sets four subbands (a 2 × 2 split) starting at `p`, from the half lengths of the split.
fn quad(q: &mut [Node; ALL_SUBBANDS], p: usize, lenx: usize, leny: usize, x: usize, y: usize) {
    let (ax, bx) = halves(lenx, false);
    let (ay, by) = halves(leny, false);
    q[p] = Node {
        x,
        y,
        lenx: ax,
        leny: ay,
        ..Node::default()
    };
    q[p + 1] = Node {
        x: x + ax,
        y,
        lenx: bx,
        leny: ay,
        ..Node::default()
    };
    q[p + 2] = Node {
        x,
        y: y + ay,
        lenx: ax,
        leny: by,
        ..Node::default()
    };
    q[p + 3] = Node {
        x: x + ax,
        y: y + ay,
        lenx: bx,
        leny: by,
        ..Node::default()
    };
}

fn q_tree16(q: &mut [Node; ALL_SUBBANDS], p: usize, n: Node, rw: bool, cl: bool) {
    let (tempx, temp2x) = halves(n.lenx, cl);
    let (tempy, temp2y) = halves(n.leny, rw);
    // Upper left quarter: subbands p..p+4.
    quad(q, p, tempx, tempy, n.x, n.y);
    // Upper right: p+4..p+8, the odd column on the right.
    let (ax, bx) = halves(temp2x, true);
    let x4 = n.x + tempx;
    let (ly0, ly2) = (q[p].leny, q[p + 2].leny);
    let y2 = q[p + 2].y;
    q[p + 4] = Node {
        x: x4,
        y: n.y,
        lenx: ax,
        leny: ly0,
        ..Node::default()
    };
    q[p + 5] = Node {
        x: x4 + ax,
        y: n.y,
        lenx: bx,
        leny: ly0,
        ..Node::default()
    };
    q[p + 6] = Node {
        x: x4,
        y: y2,
        lenx: ax,
        leny: ly2,
        ..Node::default()
    };
    q[p + 7] = Node {
        x: x4 + ax,
        y: y2,
        lenx: bx,
        leny: ly2,
        ..Node::default()
    };
    // Lower left: p+8..p+12, the odd row at the bottom.
    let (ay, by) = halves(temp2y, true);
    let y8 = n.y + tempy;
    let (lx0, lx1, x1) = (q[p].lenx, q[p + 1].lenx, q[p + 1].x);
    q[p + 8] = Node {
        x: n.x,
        y: y8,
        lenx: lx0,
        leny: ay,
        ..Node::default()
    };
    q[p + 9] = Node {
        x: x1,
        y: y8,
        lenx: lx1,
        leny: ay,
        ..Node::default()
    };
    q[p + 10] = Node {
        x: n.x,
        y: y8 + ay,
        lenx: lx0,
        leny: by,
        ..Node::default()
    };
    q[p + 11] = Node {
        x: x1,
        y: y8 + ay,
        lenx: lx1,
        leny: by,
        ..Node::default()
    };
    // Lower right: p+12..p+16.
    let (x4, x5, l4, l5) = (q[p + 4].x, q[p + 5].x, q[p + 4].lenx, q[p + 5].lenx);
    let (y10, l8, l10) = (q[p + 10].y, q[p + 8].leny, q[p + 10].leny);
    q[p + 12] = Node {
        x: x4,
        y: y8,
        lenx: l4,
        leny: l8,
        ..Node::default()
    };
    q[p + 13] = Node {
        x: x5,
        y: y8,
        lenx: l5,
        leny: l8,
        ..Node::default()
    };
    q[p + 14] = Node {
        x: x4,
        y: y10,
        lenx: l4,
        leny: l10,
        ..Node::default()
    };
    q[p + 15] = Node {
        x: x5,
        y: y10,
        lenx: l5,
        leny: l10,
        ..Node::default()
    };
}

fn q_tree4(q: &mut [Node; ALL_SUBBANDS], p: usize, lenx: usize, leny: usize, x: usize, y: usize) {
    quad(q, p, lenx, leny, x, y);
}

/// Dequantises the coefficients into a floating-point image of the subbands.
fn unquantize(
    tables: &Tables,
    q_tree: &[Node; ALL_SUBBANDS],
    coefficients: &[i16],
    at: usize,
    width: usize,
    height: usize,
) -> Result<Vec<f32>, FormatError> {
    let mut out = vec![0f32; width * height];
    let c = tables.bin_center;
    let mut next = coefficients.iter();
    for (band, node) in q_tree.iter().enumerate().take(SUBBANDS) {
        let q = tables.q_bin[band];
        if q == 0.0 {
            continue;
        }
        let half_z = f64::from(tables.z_bin[band]) / 2.0;
        for row in 0..node.leny {
            let start = (node.y + row) * width + node.x;
            for px in out.get_mut(start..start + node.lenx).into_iter().flatten() {
                let Some(&s) = next.next() else {
                    return Err(FormatError::Invalid {
                        format: FORMAT,
                        field: "coded data",
                        offset: at,
                        reason: "fewer coefficients than subband pixels".into(),
                    });
                };
                *px = if s == 0 {
                    0.0
                } else if s > 0 {
                    (f64::from(q * (f32::from(s) - c)) + half_z) as f32
                } else {
                    (f64::from(q * (f32::from(s) + c)) - half_z) as f32
                };
            }
        }
    }
    Ok(out)
}

/// Inverse wavelet transform, from the deepest node of the tree up to the whole image.
fn reconstruct(
    data: &mut [f32],
    width: usize,
    height: usize,
    w_tree: &[Node; 20],
    tables: &Tables,
) -> Result<(), FormatError> {
    if tables.lo.is_empty() || tables.hi.is_empty() {
        return Err(FormatError::Invalid {
            format: FORMAT,
            field: "DTT",
            offset: 0,
            reason: "no transform table (wavelet filters) before the data".into(),
        });
    }
    let mut tmp = vec![0f32; width * height];
    for node in w_tree.iter().rev() {
        let base = (node.y * width + node.x) as isize;
        let w = width as isize;
        join_lets(
            &mut tmp,
            0,
            data,
            base,
            (node.lenx, node.leny),
            (1, w),
            tables,
            node.inv_cl,
        )?;
        join_lets(
            data,
            base,
            &tmp,
            0,
            (node.leny, node.lenx),
            (w, 1),
            tables,
            node.inv_rw,
        )?;
    }
    Ok(())
}

/// The sample at `i`, 0 outside the buffer (only reachable for subbands of one or two samples,
/// where NBIS would read beyond its line).
#[inline]
fn at(v: &[f32], i: isize) -> f32 {
    usize::try_from(i)
        .ok()
        .and_then(|i| v.get(i))
        .copied()
        .unwrap_or(0.0)
}

/// The cell at `i`, or a scratch cell outside the buffer.
#[inline]
fn slot<'a>(v: &'a mut [f32], i: isize, scratch: &'a mut f32) -> &'a mut f32 {
    match usize::try_from(i).ok().and_then(|i| v.get_mut(i)) {
        Some(cell) => cell,
        None => scratch,
    }
}

/// Walks a filter over one line with symmetric extension at both ends.
struct Walker {
    pos: isize,
    step: isize,
    left_edge: bool,
    right_edge: bool,
}

/// One line of synthesis: merges the low-pass and high-pass halves of `len1` lines of `len2`
/// samples (`pitch` between lines, `stride` between samples) of `old` into `new`, with
/// whole-sample symmetric extension at the edges (odd-length filters).
#[allow(clippy::too_many_arguments)] // the geometry of one pass, as in the standard
fn join_lets(
    new: &mut [f32],
    new_base: isize,
    old: &[f32],
    old_base: isize,
    (len1, len2): (usize, usize),
    (pitch, stride): (isize, isize),
    tables: &Tables,
    inv: bool,
) -> Result<(), FormatError> {
    let (lo, hi) = (&tables.lo, &tables.hi);
    let (lsz, hsz) = (lo.len() as isize, hi.len() as isize);
    let odd = len2 % 2 == 1;
    let (llen, hlen) = if odd {
        (len2.div_ceil(2) as isize, len2.div_ceil(2) as isize - 1)
    } else {
        ((len2 / 2) as isize, (len2 / 2) as isize)
    };
    let pstr = stride;
    let nstr = -stride;
    let loc = (lsz - 1) / 4;
    let hoc = (hsz + 1) / 4 - 1;
    let lotap = ((lsz - 1) / 2) % 2;
    let hotap = ((hsz + 1) / 2) % 2;
    let (olle, olre, ohle, ohre) = if odd {
        (false, false, true, true)
    } else {
        (false, true, true, false)
    };

    let mut scratch = 0f32;
    for line in 0..len1 as isize {
        let mut limg = new_base + line * pitch;
        let mut himg = limg;
        *slot(new, himg, &mut scratch) = 0.0;
        *slot(new, himg + stride, &mut scratch) = 0.0;
        let (lopass, hipass) = if inv {
            let h = old_base + line * pitch;
            (h + stride * hlen, h)
        } else {
            let l = old_base + line * pitch;
            (l, l + stride * llen)
        };
        let lp0 = lopass;
        let lp1 = lp0 + (llen - 1) * stride;
        let hp0 = hipass;
        let hp1 = hp0 + (hlen - 1) * stride;
        let mut ls = Walker {
            pos: lp0 + loc * stride,
            step: nstr,
            left_edge: olle,
            right_edge: olre,
        };
        let mut hs = Walker {
            pos: hp0 + hoc * stride,
            step: nstr,
            left_edge: ohle,
            right_edge: ohre,
        };
        let mut lstap = lotap;
        let mut hstap = hotap;

        // Low-pass taps `tap, tap+2, ...` from the walker's start, written at `limg`.
        let low = |new: &mut [f32], ls: &Walker, tap: isize, limg: isize| {
            let mut scratch = 0f32;
            let mut px = ls.pos;
            let mut step = ls.step;
            let (mut le, mut re) = (ls.left_edge, ls.right_edge);
            let mut acc = at(old, px) * at(lo, tap);
            let mut i = tap + 2;
            while i < lsz {
                if px == lp0 {
                    if le {
                        step = 0;
                        le = false;
                    } else {
                        step = pstr;
                    }
                }
                if px == lp1 {
                    if re {
                        step = 0;
                        re = false;
                    } else {
                        step = nstr;
                    }
                }
                px += step;
                acc += at(old, px) * at(lo, i);
                i += 2;
            }
            *slot(new, limg, &mut scratch) = acc;
        };
        // High-pass taps added at `himg`.
        let high = |new: &mut [f32], hs: &Walker, tap: isize, himg: isize| {
            let mut scratch = 0f32;
            let mut px = hs.pos;
            let mut step = hs.step;
            let (mut le, mut re) = (hs.left_edge, hs.right_edge);
            let mut i = tap;
            while i < hsz {
                if px == hp0 {
                    if le {
                        step = 0;
                        le = false;
                    } else {
                        step = pstr;
                    }
                }
                if px == hp1 {
                    if re {
                        step = 0;
                        re = false;
                    } else {
                        step = nstr;
                    }
                }
                let v = at(old, px) * at(hi, i);
                let cell = slot(new, himg, &mut scratch);
                *cell += v;
                px += step;
                i += 2;
            }
        };
        let advance = |w: &mut Walker, p0: isize| {
            if w.pos == p0 {
                if w.left_edge {
                    w.step = 0;
                    w.left_edge = false;
                } else {
                    w.step = pstr;
                }
            }
            w.pos += w.step;
        };

        for _ in 0..hlen {
            for tap in (0..=lstap).rev() {
                low(new, &ls, tap, limg);
                limg += stride;
            }
            advance(&mut ls, lp0);
            lstap = 1;
            for tap in (0..=hstap).rev() {
                high(new, &hs, tap, himg);
                himg += stride;
            }
            advance(&mut hs, hp0);
            hstap = 1;
        }
        let last_l = match (odd, lotap == 1) {
            (true, true) => 1,
            (true, false) => 0,
            (false, true) => 2,
            (false, false) => 1,
        };
        let mut tap = 1;
        while tap >= last_l {
            low(new, &ls, tap, limg);
            limg += stride;
            tap -= 1;
        }
        let last_h = match (odd, hotap == 1) {
            (true, true) => 1,
            (true, false) => 0,
            (false, true) => 2,
            (false, false) => 1,
        };
        let mut tap = 1;
        while tap >= last_h {
            high(new, &hs, tap, himg);
            himg += stride;
            tap -= 1;
        }
    }
    Ok(())
}

/// Shift, scale and round the reconstructed image to 8-bit grey (clamped to 0–255).
fn to_bytes(pixels: &[f32], m_shift: f32, r_scale: f32) -> Vec<u8> {
    pixels
        .iter()
        .map(|&p| {
            let v = p * r_scale + m_shift;
            let v = (f64::from(v) + 0.5) as f32;
            if v < 0.0 {
                0
            } else if v > 255.0 {
                255
            } else {
                v as u8
            }
        })
        .collect()
}
