//! ISO/IEC 19794-2:2011 finger minutiae records (`FMR\0`, `030\0`), read and written
//! byte-exactly.
//!
//! Layout: general header (format identifier 4, version 4, record length 4, number of finger
//! representations 2, certification flag 1), then per representation:
//! representation length 4 (including itself), capture date and time 9 (year 2, month, day,
//! hour, minute, second 1 each, millisecond 2; kept raw), capture device technology 1, vendor 2,
//! type 2, quality blocks (count 1, then score 1, algorithm vendor 2, algorithm 2 each),
//! certification blocks only when the header's flag is 1 (count 1, then authority 2, scheme 1
//! each), finger position 1, representation number 1, horizontal and vertical resolution 2 + 2
//! (pixels per centimetre), impression type 1, image width 2, height 2, minutia field length
//! (high 4 bits: 5, or 6 when each minutia has a quality) and ridge ending type (low 4 bits) 1,
//! minutiae count 1, the minutiae (type 2 bits + x 14 bits, reserved 2 bits + y 14 bits, angle 1
//! in 256ths of a turn, quality 1 when the field length is 6), then the extended data block
//! (length 2 and that many bytes, kept opaque).

use super::bytes::{put_u16, put_u32, Reader};
use super::fmr::{
    decode_angle, encode_angle, kept_minutiae, kind, kind_bits, ppcm_to_ppi, ppi_to_ppcm,
};
use super::FormatError;
use crate::template::{FingerPosition, Impression, Minutia, Template};

const MAGIC: &[u8; 8] = b"FMR\x00030\x00";
const FORMAT: &str = "ISO/IEC 19794-2:2011";

/// True when `data` starts with the 2011 identifier and version.
pub fn sniff(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// A quality block: score, then who computed it with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QualityBlock {
    /// 0–100, or 255 when the computation failed.
    pub score: u8,
    pub vendor: u16,
    pub algorithm: u16,
}

/// A certification block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertificationBlock {
    pub authority: u16,
    pub scheme: u8,
}

/// One minutia as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordMinutia {
    /// Type bits: 0 other, 1 ridge ending, 2 bifurcation (3 is refused).
    pub kind: u8,
    pub x: u16,
    pub reserved: u8,
    pub y: u16,
    /// 256 units per turn.
    pub angle: u8,
    /// Present when the representation's minutia field length is 6.
    pub quality: Option<u8>,
}

/// One finger representation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Representation {
    /// Year 2, month, day, hour, minute, second 1 each, millisecond 2, as stored.
    pub capture_datetime: [u8; 9],
    pub device_technology: u8,
    pub device_vendor: u16,
    pub device_type: u16,
    pub quality_blocks: Vec<QualityBlock>,
    /// Only written when the record's certification flag is 1.
    pub certification_blocks: Vec<CertificationBlock>,
    pub position: u8,
    pub number: u8,
    /// Pixels per centimetre.
    pub x_resolution: u16,
    pub y_resolution: u16,
    pub impression: u8,
    pub width: u16,
    pub height: u16,
    /// 5 or 6 bytes per minutia.
    pub field_length: u8,
    /// The low 4 bits of the field-length byte (0: valley skeleton bifurcation, 1: ridge end).
    pub ending_type: u8,
    pub minutiae: Vec<RecordMinutia>,
    /// The extended data block after its 2-byte length.
    pub extended: Vec<u8>,
}

/// A whole record; [`Record::parse`] then [`Record::to_bytes`] gives back the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    pub certification_flag: u8,
    pub representations: Vec<Representation>,
}

impl Record {
    pub fn parse(data: &[u8]) -> Result<Self, FormatError> {
        let mut r = Reader::new(data, FORMAT);
        let magic = r.bytes(8, "format identifier and version")?;
        if magic != MAGIC {
            return Err(r.invalid("format identifier and version", 0, "not FMR\\0 030\\0"));
        }
        let len_at = r.pos();
        let len = r.u32("record length")?;
        if u64::from(len) != data.len() as u64 {
            return Err(r.invalid(
                "record length",
                len_at,
                format!("says {len} bytes, the record has {}", data.len()),
            ));
        }
        let count_at = r.pos();
        let count = r.u16("number of finger representations")?;
        if count == 0 {
            return Err(r.invalid(
                "number of finger representations",
                count_at,
                "0: a record holds at least one",
            ));
        }
        let flag_at = r.pos();
        let certification_flag = r.u8("certification flag")?;
        if certification_flag > 1 {
            return Err(r.invalid(
                "certification flag",
                flag_at,
                format!("{certification_flag} is neither 0 nor 1"),
            ));
        }
        let mut representations = Vec::with_capacity(usize::from(count).min(r.remaining() / 40));
        for _ in 0..count {
            representations.push(read_representation(&mut r, certification_flag == 1)?);
        }
        if r.remaining() > 0 {
            return Err(r.invalid(
                "record length",
                r.pos(),
                format!("{} bytes after the last representation", r.remaining()),
            ));
        }
        Ok(Self {
            certification_flag,
            representations,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for rep in &self.representations {
            let mut b = Vec::new();
            b.extend_from_slice(&rep.capture_datetime);
            b.push(rep.device_technology);
            put_u16(&mut b, rep.device_vendor);
            put_u16(&mut b, rep.device_type);
            b.push(rep.quality_blocks.len() as u8);
            for q in &rep.quality_blocks {
                b.push(q.score);
                put_u16(&mut b, q.vendor);
                put_u16(&mut b, q.algorithm);
            }
            if self.certification_flag == 1 {
                b.push(rep.certification_blocks.len() as u8);
                for c in &rep.certification_blocks {
                    put_u16(&mut b, c.authority);
                    b.push(c.scheme);
                }
            }
            b.push(rep.position);
            b.push(rep.number);
            put_u16(&mut b, rep.x_resolution);
            put_u16(&mut b, rep.y_resolution);
            b.push(rep.impression);
            put_u16(&mut b, rep.width);
            put_u16(&mut b, rep.height);
            b.push((rep.field_length << 4) | (rep.ending_type & 0x0F));
            b.push(rep.minutiae.len() as u8);
            for m in &rep.minutiae {
                put_u16(&mut b, (u16::from(m.kind) << 14) | (m.x & 0x3FFF));
                put_u16(&mut b, (u16::from(m.reserved) << 14) | (m.y & 0x3FFF));
                b.push(m.angle);
                if rep.field_length == 6 {
                    b.push(m.quality.unwrap_or(0));
                }
            }
            put_u16(&mut b, rep.extended.len() as u16);
            b.extend_from_slice(&rep.extended);
            put_u32(&mut body, (b.len() + 4) as u32);
            body.extend_from_slice(&b);
        }
        let mut out = Vec::with_capacity(15 + body.len());
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, (15 + body.len()) as u32);
        put_u16(&mut out, self.representations.len() as u16);
        out.push(self.certification_flag);
        out.extend_from_slice(&body);
        out
    }

    /// A one-representation record of a template (minutia qualities included, field length 6).
    pub fn from_template(t: &Template) -> Self {
        let ppcm = ppi_to_ppcm(t.ppi);
        let minutiae = kept_minutiae(&t.minutiae)
            .map(|m| RecordMinutia {
                kind: kind_bits(m.kind),
                x: m.x.min(0x3FFF),
                reserved: 0,
                y: m.y.min(0x3FFF),
                angle: encode_angle(m.angle, 256),
                quality: Some(m.quality.min(100)),
            })
            .collect();
        Self {
            certification_flag: 0,
            representations: vec![Representation {
                capture_datetime: [0xFF; 9],
                device_technology: 0,
                device_vendor: 0,
                device_type: 0,
                quality_blocks: vec![QualityBlock {
                    score: t.quality.min(100),
                    vendor: 0,
                    algorithm: 0,
                }],
                certification_blocks: Vec::new(),
                position: t.position.code(),
                number: 0,
                x_resolution: ppcm,
                y_resolution: ppcm,
                impression: t.impression.code(),
                width: t.width,
                height: t.height,
                field_length: 6,
                ending_type: 1,
                minutiae,
                extended: Vec::new(),
            }],
        }
    }

    /// One template per representation; the quality is the first quality block's score (0 when
    /// there is none or it is not 0–100).
    pub fn to_templates(&self) -> Vec<Template> {
        self.representations
            .iter()
            .map(|rep| Template {
                width: rep.width,
                height: rep.height,
                ppi: ppcm_to_ppi(rep.x_resolution),
                position: FingerPosition::from_code(rep.position)
                    .unwrap_or(FingerPosition::UNKNOWN),
                impression: Impression::from_code(rep.impression),
                quality: rep
                    .quality_blocks
                    .first()
                    .map(|q| q.score)
                    .filter(|&s| s <= 100)
                    .unwrap_or(0),
                minutiae: rep
                    .minutiae
                    .iter()
                    .map(|m| {
                        let q = m.quality.filter(|&q| q <= 100).unwrap_or(0);
                        Minutia::new(m.x, m.y, decode_angle(m.angle, 256), kind(m.kind), q)
                    })
                    .collect(),
            })
            .collect()
    }
}

fn read_representation(r: &mut Reader<'_>, certified: bool) -> Result<Representation, FormatError> {
    let start = r.pos();
    let len = r.u32("representation length")? as usize;
    if len < 4 || len > r.remaining() + 4 {
        return Err(r.invalid(
            "representation length",
            start,
            format!("{len} does not fit the {} bytes left", r.remaining() + 4),
        ));
    }
    let mut capture_datetime = [0u8; 9];
    capture_datetime.copy_from_slice(r.bytes(9, "capture date and time")?);
    let device_technology = r.u8("capture device technology")?;
    let device_vendor = r.u16("capture device vendor")?;
    let device_type = r.u16("capture device type")?;
    let nq = r.u8("number of quality blocks")?;
    let mut quality_blocks = Vec::with_capacity(usize::from(nq));
    for _ in 0..nq {
        let at = r.pos();
        let score = r.u8("quality score")?;
        if score > 100 && score != 255 {
            return Err(r.invalid(
                "quality score",
                at,
                format!("{score} is neither 0–100 nor 255"),
            ));
        }
        quality_blocks.push(QualityBlock {
            score,
            vendor: r.u16("quality algorithm vendor")?,
            algorithm: r.u16("quality algorithm")?,
        });
    }
    let mut certification_blocks = Vec::new();
    if certified {
        let nc = r.u8("number of certification blocks")?;
        for _ in 0..nc {
            certification_blocks.push(CertificationBlock {
                authority: r.u16("certification authority")?,
                scheme: r.u8("certification scheme")?,
            });
        }
    }
    let at = r.pos();
    let position = r.u8("finger position")?;
    if position > 10 {
        return Err(r.invalid(
            "finger position",
            at,
            format!("{position} is not a code from 0 to 10"),
        ));
    }
    let number = r.u8("representation number")?;
    let x_resolution = r.u16("horizontal resolution")?;
    let y_resolution = r.u16("vertical resolution")?;
    let impression = r.u8("impression type")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let at = r.pos();
    let packed = r.u8("minutia field length and ridge ending type")?;
    let field_length = packed >> 4;
    if field_length != 5 && field_length != 6 {
        return Err(r.invalid(
            "minutia field length",
            at,
            format!("{field_length}: must be 5 or 6"),
        ));
    }
    let count = r.u8("number of minutiae")?;
    let mut minutiae = Vec::with_capacity(usize::from(count));
    for i in 0..count {
        let at = r.pos();
        let xs = r.u16("minutia type and x")?;
        let ys = r.u16("minutia y")?;
        let angle = r.u8("minutia angle")?;
        let quality = if field_length == 6 {
            Some(r.u8("minutia quality")?)
        } else {
            None
        };
        let m = RecordMinutia {
            kind: (xs >> 14) as u8,
            x: xs & 0x3FFF,
            reserved: (ys >> 14) as u8,
            y: ys & 0x3FFF,
            angle,
            quality,
        };
        if m.kind == 3 {
            return Err(r.invalid(
                "minutia type",
                at,
                format!("minutia {i}: type bits 11 are reserved"),
            ));
        }
        if (width > 0 && m.x >= width) || (height > 0 && m.y >= height) {
            return Err(r.invalid(
                "minutia position",
                at,
                format!(
                    "minutia {i} at ({}, {}) is outside the {width} x {height} image",
                    m.x, m.y
                ),
            ));
        }
        if let Some(q) = quality {
            if q > 100 && q != 254 && q != 255 {
                return Err(r.invalid(
                    "minutia quality",
                    at + 5,
                    format!("minutia {i}: {q} is not 0–100, 254 or 255"),
                ));
            }
        }
        minutiae.push(m);
    }
    let ext_len = usize::from(r.u16("extended data block length")?);
    let extended = r.bytes(ext_len, "extended data block")?.to_vec();
    if r.pos() - start != len {
        return Err(r.invalid(
            "representation length",
            start,
            format!("says {len} bytes, its fields take {}", r.pos() - start),
        ));
    }
    Ok(Representation {
        capture_datetime,
        device_technology,
        device_vendor,
        device_type,
        quality_blocks,
        certification_blocks,
        position,
        number,
        x_resolution,
        y_resolution,
        impression,
        width,
        height,
        field_length,
        ending_type: packed & 0x0F,
        minutiae,
        extended,
    })
}
