//! WSQ encoder: the forward transform, quantisation and Huffman coding of IAFIS-IC-0110, done
//! as NIST's NBIS does them, operation by operation and in the same precision (the same 9/7
//! analysis filters, the same bit-rate driven choice of quantisation bins, the same Huffman code
//! construction, the same segments in the same order).
//!
//! The output is byte-identical to NBIS's encoder on the fixtures of `tests/data/formats` (at
//! 0.75 bit per pixel, the rate the PyPI binding of NBIS uses), and NBIS decodes this encoder's
//! output to exactly the pixels [`super::decode`] gives (tested at 0.75 and 2.25).

use super::{
    build_q_tree, build_w_tree, Node, ALL_SUBBANDS, COM, DHT, DQT, DTT, EOI, SOB, SOF, SOI,
    SUBBANDS,
};
use crate::formats::FormatError;
use crate::image::{GrayImage, PPI};

/// Smallest side the five-level decomposition accepts.
pub const MIN_SIDE: u32 = 32;

/// Analysis low-pass filter (9 taps) of the WSQ specification, centre tap first.
// The specification's decimal values; they are rounded to `f32` where used, as NBIS does.
#[allow(clippy::excessive_precision)]
const LO_HALF: [f64; 5] = [
    0.85269867900940344,
    0.37740285561265380,
    -0.11062440441842342,
    -0.02384946501938000,
    0.03782845550699546,
];
/// Analysis high-pass filter (7 taps), centre tap first.
#[allow(clippy::excessive_precision)]
const HI_HALF: [f64; 4] = [
    0.78848561640566439,
    -0.41809227322221221,
    -0.04068941760955844,
    0.06453888262893845,
];

/// A whole symmetric filter from its centre half.
fn full<const N: usize>(half: &[f64]) -> [f32; N] {
    let c = half.len() - 1;
    let mut out = [0f32; N];
    for (k, &v) in half.iter().enumerate() {
        out[c + k] = v as f32;
        out[c - k] = v as f32;
    }
    out
}

/// Subbands with fewer than this variance get no bits.
const VARIANCE_THRESHOLD: f32 = 1.01;
/// Coefficients coded directly by their Huffman symbol: -73..=74.
const MAX_COEFF: i32 = 74;
/// Zero runs coded directly: 1..=100.
const MAX_ZERO_RUN: u32 = 100;
/// First subband of the second and third blocks.
const BLOCK_2: usize = 19;
const BLOCK_3: usize = 52;

/// Encodes an 8-bit grey image at `bitrate` bits per pixel (0.75 is the FBI's usual rate,
/// about 15:1; 2.25 keeps more detail), with a NIST comment declaring `ppi` (500 when `None`).
pub fn encode(image: &GrayImage, bitrate: f32, ppi: Option<u16>) -> Result<Vec<u8>, FormatError> {
    let (w, h) = (image.width(), image.height());
    if w < MIN_SIDE || h < MIN_SIDE || w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
        return Err(FormatError::Unsupported {
            format: "WSQ",
            what: format!("encoding a {w} x {h} image (each side must be at least {MIN_SIDE})"),
        });
    }
    if !(bitrate.is_finite() && bitrate > 0.0 && bitrate <= 8.0) {
        return Err(FormatError::Unsupported {
            format: "WSQ",
            what: format!("a bit rate of {bitrate} (between 0 and 8 bits per pixel)"),
        });
    }
    let (width, height) = (w as usize, h as usize);
    let (mut data, m_shift, r_scale) = to_float(image.pixels());
    let w_tree = build_w_tree(width, height);
    let q_tree = build_q_tree(&w_tree);
    let mut tmp = vec![0f32; width * height];
    for node in &w_tree {
        let base = (node.y * width + node.x) as isize;
        let wi = width as isize;
        get_lets(
            &mut tmp,
            0,
            &data,
            base,
            (node.leny, node.lenx),
            (wi, 1),
            node.inv_rw,
        );
        get_lets(
            &mut data,
            base,
            &tmp,
            0,
            (node.lenx, node.leny),
            (1, wi),
            node.inv_cl,
        );
    }
    let var = variances(&data, width, &q_tree);
    let (q_bin, z_bin) = bins(&var, bitrate);
    let (coefficients, sizes) = quantize(&data, width, &q_tree, &q_bin, &z_bin);

    let mut out = Vec::new();
    put16(&mut out, SOI);
    let comment = format!(
        "NIST_COM 9\nPIX_WIDTH {w}\nPIX_HEIGHT {h}\nPIX_DEPTH 8\nPPI {}\nLOSSY 1\n\
         COLORSPACE GRAY\nCOMPRESSION WSQ\nWSQ_BITRATE {bitrate:.6}",
        ppi.unwrap_or(PPI)
    );
    put16(&mut out, COM);
    put16(&mut out, (comment.len() + 2) as u16);
    out.extend_from_slice(comment.as_bytes());
    put_transform_table(&mut out);
    put_quantization_table(&mut out, &q_bin, &z_bin);
    put_frame_header(&mut out, w as u16, h as u16, m_shift, r_scale);
    let (b1, rest) = coefficients.split_at(sizes[0]);
    let (b2, b3) = rest.split_at(sizes[1]);
    let table0 = HuffmanCode::for_blocks(&[b1]);
    table0.put_table(&mut out, 0);
    put_block(&mut out, 0, b1, &table0);
    let table1 = HuffmanCode::for_blocks(&[b2, b3]);
    table1.put_table(&mut out, 1);
    put_block(&mut out, 1, b2, &table1);
    put_block(&mut out, 1, b3, &table1);
    put16(&mut out, EOI);
    Ok(out)
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Pixels to floats around their mean, scaled into ±128; returns the shift and scale.
fn to_float(pixels: &[u8]) -> (Vec<f32>, f32, f32) {
    let sum: u64 = pixels.iter().map(|&p| u64::from(p)).sum();
    let low = pixels.iter().copied().min().unwrap_or(0);
    let high = pixels.iter().copied().max().unwrap_or(0);
    let mean = sum as f32 / pixels.len().max(1) as f32;
    let low_diff = mean - f32::from(low);
    let high_diff = f32::from(high) - mean;
    let mut r_scale = low_diff.max(high_diff) / 128.0;
    if r_scale <= 0.0 {
        r_scale = 1.0; // a uniform image: every coefficient is zero anyway
    }
    let data = pixels
        .iter()
        .map(|&p| (f32::from(p) - mean) / r_scale)
        .collect();
    (data, mean, r_scale)
}

fn at(v: &[f32], i: isize) -> f32 {
    usize::try_from(i)
        .ok()
        .and_then(|i| v.get(i))
        .copied()
        .unwrap_or(0.0)
}

fn set(v: &mut [f32], i: isize, value: f32) {
    if let Some(cell) = usize::try_from(i).ok().and_then(|i| v.get_mut(i)) {
        *cell = value;
    }
}

/// One analysis pass: splits `len1` lines of `len2` samples into low-pass then high-pass halves
/// (high then low when `inv`), with whole-sample symmetric extension at the edges.
#[allow(clippy::too_many_arguments)] // the geometry of one pass, as in the standard
fn get_lets(
    new: &mut [f32],
    new_base: isize,
    old: &[f32],
    old_base: isize,
    (len1, len2): (usize, usize),
    (pitch, stride): (isize, isize),
    inv: bool,
) {
    let lo: [f32; 9] = full(&LO_HALF);
    let hi: [f32; 7] = full(&HI_HALF);
    let (lsz, hsz) = (lo.len() as isize, hi.len() as isize);
    let odd = len2 % 2 == 1;
    let (llen, hlen) = if odd {
        (len2.div_ceil(2) as isize, len2.div_ceil(2) as isize - 1)
    } else {
        ((len2 / 2) as isize, (len2 / 2) as isize)
    };
    let loc = (lsz - 1) / 2;
    let hoc = (hsz - 1) / 2 - 1;
    let (pstr, nstr) = (stride, -stride);
    // One filter output: taps from `start`, walking backwards and reflecting at both ends.
    let filter = |taps: &[f32], start: isize, step0: isize, p0: isize, p1: isize| -> f32 {
        let mut px = start;
        let mut step = step0;
        let mut acc = at(old, px) * taps[0];
        for &tap in &taps[1..] {
            if px == p0 {
                step = pstr;
            }
            if px == p1 {
                step = nstr;
            }
            px += step;
            acc += at(old, px) * tap;
        }
        acc
    };
    for line in 0..len1 as isize {
        let (mut lopass, mut hipass) = if inv {
            let h = new_base + line * pitch;
            (h + hlen * stride, h)
        } else {
            let l = new_base + line * pitch;
            (l, l + llen * stride)
        };
        let p0 = old_base + line * pitch;
        let p1 = p0 + (len2 as isize - 1) * stride;
        let (mut lspx, mut lstep) = (p0 + loc * stride, nstr);
        let (mut hspx, mut hstep) = (p0 + hoc * stride, nstr);
        for _ in 0..hlen {
            set(new, lopass, filter(&lo, lspx, lstep, p0, p1));
            lopass += stride;
            set(new, hipass, filter(&hi, hspx, hstep, p0, p1));
            hipass += stride;
            for _ in 0..2 {
                if lspx == p0 {
                    lstep = pstr;
                }
                lspx += lstep;
                if hspx == p0 {
                    hstep = pstr;
                }
                hspx += hstep;
            }
        }
        if odd {
            set(new, lopass, filter(&lo, lspx, lstep, p0, p1));
        }
    }
}

/// Variance of each used subband (of its central part for the large ones, as the standard
/// allows, unless the image is flat).
fn variances(data: &[f32], width: usize, q: &[Node; ALL_SUBBANDS]) -> [f32; SUBBANDS] {
    let var_of = |n: &Node, central: bool| -> f32 {
        let (skipx, skipy, lenx, leny) = if central {
            (n.lenx / 8, 9 * n.leny / 32, 3 * n.lenx / 4, 7 * n.leny / 16)
        } else {
            (0, 0, n.lenx, n.leny)
        };
        let (mut sum, mut ssq) = (0f32, 0f32);
        for row in 0..leny {
            let start = (n.y + skipy + row) * width + n.x + skipx;
            for &v in data.get(start..start + lenx).into_iter().flatten() {
                sum += v;
                ssq += v * v;
            }
        }
        let count = (lenx * leny) as f32;
        if count < 2.0 {
            return 0.0;
        }
        let sum2 = sum * sum / count;
        (f64::from(ssq - sum2) / (f64::from(count) - 1.0)) as f32
    };
    let mut var = [0f32; SUBBANDS];
    let low: f32 = (0..4)
        .map(|b| {
            var[b] = var_of(&q[b], true);
            var[b]
        })
        .sum();
    let whole = low < 20_000.0;
    for (b, v) in var.iter_mut().enumerate() {
        if whole || b >= 4 {
            *v = var_of(&q[b], !whole);
        }
    }
    var
}

/// Quantisation bin widths (Q) and zero-bin widths (Z) of each subband for a bit rate.
fn bins(var: &[f32; SUBBANDS], bitrate: f32) -> ([f32; SUBBANDS], [f32; SUBBANDS]) {
    let mut weight = [1.0f32; SUBBANDS];
    weight[52..60].copy_from_slice(&[1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08]);
    let mut q_rel = [0f32; SUBBANDS];
    let mut sigma = [0f32; SUBBANDS];
    let mut m = [0f32; SUBBANDS];
    let mut k: Vec<usize> = Vec::new();
    for b in 0..SUBBANDS {
        m[b] = if b < 4 {
            1.0 / 1024.0
        } else if b < 51 {
            1.0 / 256.0
        } else {
            1.0 / 16.0
        };
        if var[b] >= VARIANCE_THRESHOLD {
            q_rel[b] = if b < 4 {
                1.0
            } else {
                (10.0 / f64::from(weight[b] * f64::from(var[b]).ln() as f32)) as f32
            };
            sigma[b] = var[b].sqrt();
            k.push(b);
        }
    }
    let initial = k.clone();
    let mut q = 1.0f32;
    while !k.is_empty() {
        let s: f32 = k.iter().map(|&b| m[b]).sum();
        // As NBIS: the product kept in f32, each factor computed in f64.
        let p = k.iter().fold(1f32, |p, &b| {
            (f64::from(p) * f64::from(sigma[b] / q_rel[b]).powf(f64::from(m[b]))) as f32
        });
        q = ((2f64.powf(f64::from(bitrate / s) - 1.0) / 2.5)
            / f64::from(p).powf(1.0 / f64::from(s))) as f32;
        let before = k.len();
        k.retain(|&b| f64::from(q_rel[b] / q) < 5.0 * f64::from(sigma[b]));
        if k.len() == before {
            break;
        }
    }
    let mut q_bin = [0f32; SUBBANDS];
    let mut z_bin = [0f32; SUBBANDS];
    for &b in &initial {
        q_bin[b] = q_rel[b] / q;
        z_bin[b] = (1.2 * f64::from(q_bin[b])) as f32;
    }
    (q_bin, z_bin)
}

/// Quantised coefficients in subband order, and how many fall in each of the three blocks.
fn quantize(
    data: &[f32],
    width: usize,
    q: &[Node; ALL_SUBBANDS],
    q_bin: &[f32; SUBBANDS],
    z_bin: &[f32; SUBBANDS],
) -> (Vec<i16>, [usize; 3]) {
    let mut out = Vec::new();
    let mut sizes = [0usize; 3];
    for (b, node) in q.iter().enumerate().take(SUBBANDS) {
        if q_bin[b] == 0.0 {
            continue;
        }
        let zero = z_bin[b] / 2.0;
        let before = out.len();
        for row in 0..node.leny {
            let start = (node.y + row) * width + node.x;
            for &v in data.get(start..start + node.lenx).into_iter().flatten() {
                let s = if -zero <= v && v <= zero {
                    0.0
                } else if v > 0.0 {
                    f64::from((v - zero) / q_bin[b]) + 1.0
                } else {
                    f64::from((v + zero) / q_bin[b]) - 1.0
                };
                out.push(s.clamp(-32767.0, 32767.0) as i16);
            }
        }
        let block = if b < BLOCK_2 {
            0
        } else if b < BLOCK_3 {
            1
        } else {
            2
        };
        sizes[block] += out.len() - before;
    }
    (out, sizes)
}

/// A coefficient or zero run as Huffman symbols (with the extra bits some carry).
fn symbols(block: &[i16], mut emit: impl FnMut(u8, Option<(u16, u8)>)) {
    let coefficient = |v: i16, emit: &mut dyn FnMut(u8, Option<(u16, u8)>)| {
        let v = i32::from(v);
        if v > MAX_COEFF {
            if v > 255 {
                emit(103, Some((v as u16, 16)));
            } else {
                emit(101, Some((v as u16, 8)));
            }
        } else if v < 1 - MAX_COEFF {
            if v < -255 {
                emit(104, Some(((-v) as u16, 16)));
            } else {
                emit(102, Some(((-v) as u16, 8)));
            }
        } else {
            emit((v + 180) as u8, None);
        }
    };
    let run = |n: u32, emit: &mut dyn FnMut(u8, Option<(u16, u8)>)| {
        if n <= MAX_ZERO_RUN {
            emit(n as u8, None);
        } else if n <= 0xFF {
            emit(105, Some((n as u16, 8)));
        } else {
            emit(106, Some((n as u16, 16)));
        }
    };
    let mut zeros = 0u32;
    for &v in block {
        if v == 0 {
            zeros += 1;
            if zeros == 0xFFFF {
                run(zeros, &mut emit);
                zeros = 0;
            }
            continue;
        }
        if zeros > 0 {
            run(zeros, &mut emit);
            zeros = 0;
        }
        coefficient(v, &mut emit);
    }
    if zeros > 0 {
        run(zeros, &mut emit);
    }
}

/// A Huffman code built from symbol counts (JPEG annex K.2 and K.3: code lengths by merging
/// the least frequent, limited to 16 bits, the all-ones code left unused).
struct HuffmanCode {
    bits: [u8; 16],
    values: Vec<u8>,
    /// Code and length of each symbol.
    codes: [(u16, u8); 256],
}

impl HuffmanCode {
    fn for_blocks(blocks: &[&[i16]]) -> Self {
        // 257 entries: the last is a reserved symbol so no real code is all ones.
        let mut freq = [0u64; 257];
        for block in blocks {
            symbols(block, |s, _| freq[usize::from(s)] += 1);
        }
        // An empty block still gets a valid one-code table.
        if freq.iter().all(|&f| f == 0) {
            freq[1] = 1;
        }
        freq[256] = 1;
        let mut size = [0u32; 257];
        let mut others = [usize::MAX; 257];
        loop {
            // v1: least frequency (largest symbol on ties); v2: next least.
            let mut v1 = None::<usize>;
            let mut v2 = None::<usize>;
            for i in 0..257 {
                if freq[i] == 0 {
                    continue;
                }
                match v1 {
                    Some(a) if freq[i] > freq[a] => {}
                    _ => {
                        v2 = v1;
                        v1 = Some(i);
                        continue;
                    }
                }
                match v2 {
                    Some(b) if freq[i] > freq[b] => {}
                    _ => v2 = Some(i),
                }
            }
            let (Some(mut a), Some(mut b)) = (v1, v2) else {
                break;
            };
            freq[a] += freq[b];
            freq[b] = 0;
            size[a] += 1;
            while others[a] != usize::MAX {
                a = others[a];
                size[a] += 1;
            }
            others[a] = b;
            size[b] += 1;
            while others[b] != usize::MAX {
                b = others[b];
                size[b] += 1;
            }
        }
        let mut count = [0u32; 33];
        for &s in &size {
            if s > 0 {
                count[s.min(32) as usize] += 1;
            }
        }
        // Limit lengths to 16 bits (annex K.3).
        let mut i = 32;
        while i > 16 {
            while count[i] > 0 {
                let mut j = i - 2;
                while count[j] == 0 {
                    j -= 1;
                }
                count[i] -= 2;
                count[i - 1] += 1;
                count[j + 1] += 2;
                count[j] -= 1;
            }
            i -= 1;
        }
        // Drop the reserved symbol from the longest length.
        let mut i = 16;
        while i > 0 && count[i] == 0 {
            i -= 1;
        }
        if i > 0 {
            count[i] -= 1;
        }
        let mut bits = [0u8; 16];
        for (b, c) in bits.iter_mut().zip(&count[1..=16]) {
            *b = *c as u8;
        }
        // Symbols by increasing code length, then by value.
        let mut values = Vec::new();
        for len in 1..=32 {
            for (v, &s) in size.iter().enumerate().take(256) {
                if s.min(32) == len {
                    values.push(v as u8);
                }
            }
        }
        let mut codes = [(0u16, 0u8); 256];
        let mut code: u32 = 0;
        let mut k = 0;
        for len in 1..=16u8 {
            for _ in 0..bits[usize::from(len) - 1] {
                if let Some(&v) = values.get(k) {
                    codes[usize::from(v)] = (code as u16, len);
                }
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        Self {
            bits,
            values,
            codes,
        }
    }

    fn put_table(&self, out: &mut Vec<u8>, id: u8) {
        put16(out, DHT);
        put16(out, (2 + 1 + 16 + self.values.len()) as u16);
        out.push(id);
        out.extend_from_slice(&self.bits);
        out.extend_from_slice(&self.values);
    }
}

/// Writes bits most significant first, stuffing a zero byte after every 0xFF.
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    byte: u8,
    used: u8,
}

impl BitWriter<'_> {
    fn put(&mut self, value: u16, len: u8) {
        for i in (0..len).rev() {
            self.byte = (self.byte << 1) | ((value >> i) & 1) as u8;
            self.used += 1;
            if self.used == 8 {
                self.flush_byte();
            }
        }
    }

    fn flush_byte(&mut self) {
        self.out.push(self.byte);
        if self.byte == 0xFF {
            self.out.push(0);
        }
        self.byte = 0;
        self.used = 0;
    }

    /// Pads the last byte with ones.
    fn finish(mut self) {
        if self.used > 0 {
            let pad = 8 - self.used;
            self.byte = (self.byte << pad) | ((1u8 << pad) - 1);
            self.used = 8;
            self.flush_byte();
        }
    }
}

fn put_block(out: &mut Vec<u8>, table: u8, block: &[i16], code: &HuffmanCode) {
    put16(out, SOB);
    put16(out, 3);
    out.push(table);
    let mut w = BitWriter {
        out,
        byte: 0,
        used: 0,
    };
    symbols(block, |s, extra| {
        let (c, len) = code.codes[usize::from(s)];
        w.put(c, len);
        if let Some((v, n)) = extra {
            w.put(v, n);
        }
    });
    w.finish();
}

/// A positive value as (scale, integer) with value = integer / 10^scale, the integer as large
/// as fits below `limit` (the standard's way of writing real numbers). The steps round as
/// NBIS's do: each multiplication by ten is rounded to `f32` (in `f64` first when `wide`).
fn scaled(value: f32, limit: f64, wide: bool) -> (u8, u64) {
    if value == 0.0 {
        return (0, 0);
    }
    let mut v = value;
    let mut scale: i32 = 0;
    while f64::from(v) < limit && scale < 40 {
        scale += 1;
        v = if wide {
            (f64::from(v) * 10.0) as f32
        } else {
            v * 10.0
        };
    }
    scale -= 1;
    (scale.max(0) as u8, (f64::from(v) / 10.0 + 0.5) as u64)
}

fn put_transform_table(out: &mut Vec<u8>) {
    put16(out, DTT);
    put16(out, 58);
    out.push(9);
    out.push(7);
    for c in LO_HALF.iter().chain(&HI_HALF) {
        // As NBIS: the value rounded to f32, then written in decimal.
        let c = *c as f32;
        out.push(u8::from(c < 0.0));
        let (scale, v) = scaled(c.abs(), 4_294_967_295.0, true);
        out.push(scale);
        out.extend_from_slice(&(v.min(u64::from(u32::MAX)) as u32).to_be_bytes());
    }
}

fn put_real16(out: &mut Vec<u8>, value: f32) {
    let (scale, v) = scaled(value, 65_535.0, false);
    out.push(scale);
    put16(out, v.min(65_535) as u16);
}

fn put_quantization_table(out: &mut Vec<u8>, q_bin: &[f32; SUBBANDS], z_bin: &[f32; SUBBANDS]) {
    put16(out, DQT);
    put16(out, 389);
    out.push(2);
    put16(out, 44); // bin centre 0.44
    for b in 0..64 {
        let (q, z) = if b < SUBBANDS && q_bin[b] != 0.0 {
            (q_bin[b], z_bin[b])
        } else {
            (0.0, 0.0)
        };
        put_real16(out, q);
        put_real16(out, z);
    }
}

fn put_frame_header(out: &mut Vec<u8>, w: u16, h: u16, m_shift: f32, r_scale: f32) {
    put16(out, SOF);
    put16(out, 17);
    out.push(0); // black
    out.push(255); // white
    put16(out, h);
    put16(out, w);
    put_real16(out, m_shift);
    put_real16(out, r_scale);
    out.push(2); // encoder number, as NBIS writes
    put16(out, 0); // software
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frequencies growing like Fibonacci numbers give Huffman codes longer than 16 bits, which
    /// annex K.3 must fold back to 16 while keeping a valid prefix code.
    #[test]
    fn skewed_frequencies_are_limited_to_16_bit_codes() {
        let (mut a, mut b) = (1usize, 1usize);
        let mut block: Vec<i16> = Vec::new();
        for value in 1..=30i16 {
            block.extend(std::iter::repeat_n(value, a));
            (a, b) = (b, a + b);
        }
        let code = HuffmanCode::for_blocks(&[&block]);
        assert!(code.bits.iter().any(|&n| n > 0));
        assert_eq!(
            code.bits.iter().map(|&n| usize::from(n)).sum::<usize>(),
            code.values.len()
        );
        // Kraft: strictly below one, so the all-ones code stays unused.
        let kraft: f64 = (1..=16)
            .map(|len| f64::from(code.bits[len - 1]) / f64::from(1u32 << len))
            .sum();
        assert!(kraft < 1.0, "{kraft}");
        assert!(super::super::check_huffman(&code.bits).is_ok());
        // Every symbol used has a code, and codes are distinct.
        let mut seen = std::collections::HashSet::new();
        for value in 1..=30i32 {
            let (c, len) = code.codes[(value + 180) as usize];
            assert!((1..=16).contains(&len), "{value}: {len}");
            assert!(seen.insert((c, len)));
        }
    }
}
