//! ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 finger minutiae records, read and written
//! byte-exactly.
//!
//! Both start with `FMR\0` and ` 20\0` and share the finger views; only the header differs:
//!
//! | bytes | ISO/IEC 19794-2:2005            | ANSI INCITS 378-2004                          |
//! |-------|---------------------------------|-----------------------------------------------|
//! | 8–    | record length, 4 bytes          | record length, 2 bytes, or 0x0000 + 4 bytes   |
//! |       |                                 | CBEFF product identifier: owner 2, type 2     |
//! |       | capture equipment 2 (compliance 4 bits, id 12 bits), width 2, height 2,         |
//! |       | x and y resolution 2 + 2 (pixels per centimetre), finger views 1, reserved 1    |
//!
//! **Telling them apart** ([`sniff`]) uses the record length, which both must state exactly:
//! a 2-byte big-endian value at byte 8 equal to the input length means ANSI (an ISO record would
//! hold the high half of its length there, which never equals the length itself); a 4-byte value
//! at byte 8 equal to the input length means ISO; 0x0000 at byte 8 followed by a 4-byte value
//! equal to the input length means ANSI with the long length form. The three cannot coincide for
//! a non-empty record (shown in the tests), so the rule is reliable whenever the length field is
//! right, and a record whose length field is wrong is refused anyway.
//!
//! A finger view: position 1, view number (high 4 bits) and impression type (low 4 bits) 1,
//! quality 1, minutiae count 1, then 6 bytes per minutia (type 2 bits + x 14 bits, reserved
//! 2 bits + y 14 bits, angle 1, quality 1), then the extended data block: its length on 2 bytes
//! and that many bytes (ridge counts, cores and deltas, vendor data), kept here as opaque bytes:
//! implementations disagree on whether an area's length counts its own 4-byte header, so the
//! block is carried exactly as found.
//!
//! Angles: ISO/IEC 19794-2:2005 counts 256 units per turn (1.40625°), ANSI INCITS 378 counts 2°
//! per unit (0–179); both anticlockwise from the x axis, as [`Template`] does.
//!
//! **marsad's precise angles.** The quantised angle moves a direction by up to 0.7°, enough to
//! change scores (the matcher's EER on the harsh set: 5.46 % on extracted templates, 5.56 % on
//! the same templates through 19794-2). [`Record::from_template_precise`] (what marsad stores
//! for itself, [`super::write_template_exact`]) adds a vendor-defined extended data area, type
//! `0x4D53`, with each minutia's direction in 65,536ths of a turn; readers that do not know it
//! skip it (the standard fields are written as always), and [`Record::to_templates`] uses it
//! only when it is exactly that area, one angle per minutia, each within one unit of the
//! standard field.

use std::f32::consts::TAU;

use super::bytes::{put_u16, put_u32, Reader};
use super::FormatError;
use crate::template::{FingerPosition, Impression, Minutia, MinutiaKind, Template};

const MAGIC: &[u8; 8] = b"FMR\0 20\0";
const ISO: &str = "ISO/IEC 19794-2:2005";
const ANSI: &str = "ANSI INCITS 378-2004";
/// Centimetres per inch, for the resolution fields.
const CM_PER_INCH: f64 = 2.54;

/// Which of the two formats sharing this layout, with what only ANSI has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    Iso2005,
    Ansi378 {
        /// CBEFF product identifier: owner and type.
        product_owner: u16,
        product_type: u16,
        /// The record length was written in the 6-byte form (0x0000 then 4 bytes).
        long_length: bool,
    },
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Self::Iso2005 => ISO,
            Self::Ansi378 { .. } => ANSI,
        }
    }
}

/// Tells ISO/IEC 19794-2:2005 from ANSI INCITS 378-2004 by the record length (see the module
/// documentation); `None` when `data` is neither.
pub fn sniff(data: &[u8]) -> Option<Flavor> {
    if !data.starts_with(MAGIC) || data.len() < 14 {
        return None;
    }
    let len = data.len() as u64;
    let u16_at = |i: usize| u64::from(u16::from_be_bytes([data[i], data[i + 1]]));
    let u32_at = |i: usize| {
        u64::from(u32::from_be_bytes([
            data[i],
            data[i + 1],
            data[i + 2],
            data[i + 3],
        ]))
    };
    if u16_at(8) == len {
        Some(Flavor::Ansi378 {
            product_owner: 0,
            product_type: 0,
            long_length: false,
        })
    } else if u32_at(8) == len {
        Some(Flavor::Iso2005)
    } else if u16_at(8) == 0 && u32_at(10) == len {
        Some(Flavor::Ansi378 {
            product_owner: 0,
            product_type: 0,
            long_length: true,
        })
    } else {
        None
    }
}

/// One minutia as stored: every bit kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordMinutia {
    /// Type bits: 0 other, 1 ridge ending, 2 bifurcation (3 is refused).
    pub kind: u8,
    pub x: u16,
    /// The two reserved bits above y.
    pub reserved: u8,
    pub y: u16,
    /// In the format's angle units (see the module documentation).
    pub angle: u8,
    pub quality: u8,
}

/// One finger view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FingerView {
    pub position: u8,
    pub view_number: u8,
    pub impression: u8,
    pub quality: u8,
    pub minutiae: Vec<RecordMinutia>,
    /// The extended data block after its 2-byte length (empty when the length is 0).
    pub extended: Vec<u8>,
}

/// A whole record; [`Record::parse`] then [`Record::to_bytes`] gives back the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    pub flavor: Flavor,
    /// Capture equipment: compliance (high 4 bits) and identifier (low 12 bits).
    pub equipment: u16,
    pub width: u16,
    pub height: u16,
    /// Pixels per centimetre.
    pub x_resolution: u16,
    pub y_resolution: u16,
    pub reserved: u8,
    pub views: Vec<FingerView>,
}

impl Record {
    /// Reads a record; refuses anything the layout does not allow, naming field and offset.
    pub fn parse(data: &[u8]) -> Result<Self, FormatError> {
        let Some(mut flavor) = sniff(data) else {
            return Err(if data.starts_with(MAGIC) {
                FormatError::Invalid {
                    format: "ISO/IEC 19794-2:2005 or ANSI INCITS 378-2004",
                    field: "record length",
                    offset: 8,
                    reason: format!(
                        "matches no length form for a record of {} bytes",
                        data.len()
                    ),
                }
            } else {
                FormatError::UnknownTemplate(super::head(data))
            });
        };
        let mut r = Reader::new(data, flavor.name());
        r.bytes(8, "format identifier and version")?;
        match &mut flavor {
            Flavor::Iso2005 => {
                r.u32("record length")?;
            }
            Flavor::Ansi378 {
                product_owner,
                product_type,
                long_length,
            } => {
                r.u16("record length")?;
                if *long_length {
                    r.u32("record length")?;
                }
                *product_owner = r.u16("CBEFF product owner")?;
                *product_type = r.u16("CBEFF product type")?;
            }
        }
        let equipment = r.u16("capture equipment")?;
        let width = r.u16("image width")?;
        let height = r.u16("image height")?;
        let x_resolution = r.u16("x resolution")?;
        let y_resolution = r.u16("y resolution")?;
        let count_at = r.pos();
        let count = r.u8("number of finger views")?;
        if count == 0 {
            return Err(r.invalid(
                "number of finger views",
                count_at,
                "0: a record holds at least one view",
            ));
        }
        let reserved = r.u8("reserved byte")?;
        let mut views = Vec::with_capacity(usize::from(count).min(r.remaining() / 6));
        for _ in 0..count {
            views.push(read_view(&mut r, width, height, flavor)?);
        }
        if r.remaining() > 0 {
            return Err(r.invalid(
                "record length",
                r.pos(),
                format!("{} bytes after the last finger view", r.remaining()),
            ));
        }
        Ok(Self {
            flavor,
            equipment,
            width,
            height,
            x_resolution,
            y_resolution,
            reserved,
            views,
        })
    }

    /// The record's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let body: usize = self
            .views
            .iter()
            .map(|v| 4 + 6 * v.minutiae.len() + 2 + v.extended.len())
            .sum();
        let mut out = Vec::with_capacity(30 + body);
        out.extend_from_slice(MAGIC);
        match self.flavor {
            Flavor::Iso2005 => put_u32(&mut out, (24 + body) as u32),
            Flavor::Ansi378 {
                product_owner,
                product_type,
                long_length,
            } => {
                if long_length {
                    put_u16(&mut out, 0);
                    put_u32(&mut out, (30 + body) as u32);
                } else {
                    put_u16(&mut out, (26 + body) as u16);
                }
                put_u16(&mut out, product_owner);
                put_u16(&mut out, product_type);
            }
        }
        put_u16(&mut out, self.equipment);
        put_u16(&mut out, self.width);
        put_u16(&mut out, self.height);
        put_u16(&mut out, self.x_resolution);
        put_u16(&mut out, self.y_resolution);
        out.push(self.views.len() as u8);
        out.push(self.reserved);
        for v in &self.views {
            out.push(v.position);
            out.push((v.view_number << 4) | (v.impression & 0x0F));
            out.push(v.quality);
            out.push(v.minutiae.len() as u8);
            for m in &v.minutiae {
                put_u16(&mut out, (u16::from(m.kind) << 14) | (m.x & 0x3FFF));
                put_u16(&mut out, (u16::from(m.reserved) << 14) | (m.y & 0x3FFF));
                out.push(m.angle);
                out.push(m.quality);
            }
            put_u16(&mut out, v.extended.len() as u16);
            out.extend_from_slice(&v.extended);
        }
        out
    }

    /// A one-view record of a template (see [`super::write_template`] for the limits applied).
    pub fn from_template(t: &Template, flavor: Flavor) -> Self {
        let turn = angle_units(flavor);
        let minutiae = kept_minutiae(&t.minutiae)
            .map(|m| RecordMinutia {
                kind: kind_bits(m.kind),
                x: m.x.min(0x3FFF),
                reserved: 0,
                y: m.y.min(0x3FFF),
                angle: encode_angle(m.angle, turn),
                quality: m.quality.min(100),
            })
            .collect();
        let ppcm = ppi_to_ppcm(t.ppi);
        Self {
            flavor,
            equipment: 0,
            width: t.width,
            height: t.height,
            x_resolution: ppcm,
            y_resolution: ppcm,
            reserved: 0,
            views: vec![FingerView {
                position: t.position.code(),
                view_number: 0,
                impression: t.impression.code() & 0x0F,
                quality: t.quality.min(100),
                minutiae,
                extended: Vec::new(),
            }],
        }
    }

    /// [`Record::from_template`] in ISO/IEC 19794-2:2005, with marsad's precise angles in the
    /// view's extended data (see the module documentation).
    pub fn from_template_precise(t: &Template) -> Self {
        // The standard fields from the angles as stored precisely, so that what is read back
        // writes the same bytes.
        let mut t = t.clone();
        for m in &mut t.minutiae {
            m.angle = f32::from(precise_angle(m.angle)) / 65_536.0 * TAU;
        }
        let mut record = Self::from_template(&t, Flavor::Iso2005);
        let kept: Vec<&Minutia> = kept_minutiae(&t.minutiae).collect();
        let mut area = Vec::with_capacity(4 + 2 * kept.len());
        put_u16(&mut area, PRECISE_ANGLES);
        put_u16(&mut area, (2 * kept.len()) as u16);
        for m in kept {
            put_u16(&mut area, precise_angle(m.angle));
        }
        if let Some(view) = record.views.first_mut() {
            view.extended = area;
        }
        record
    }

    /// One template per finger view.
    pub fn to_templates(&self) -> Vec<Template> {
        let turn = angle_units(self.flavor);
        self.views
            .iter()
            .map(|v| (v, precise_angles(v, turn)))
            .map(|(v, precise)| Template {
                width: self.width,
                height: self.height,
                ppi: ppcm_to_ppi(self.x_resolution),
                position: FingerPosition::from_code(v.position).unwrap_or(FingerPosition::UNKNOWN),
                impression: Impression::from_code(v.impression),
                quality: v.quality.min(100),
                minutiae: v
                    .minutiae
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let angle = precise
                            .as_ref()
                            .and_then(|p| p.get(i).copied())
                            .unwrap_or_else(|| decode_angle(m.angle, turn));
                        Minutia::new(m.x, m.y, angle, kind(m.kind), m.quality)
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The type of marsad's extended data area of precise angles ("MS").
const PRECISE_ANGLES: u16 = 0x4D53;

fn precise_angle(angle: f32) -> u16 {
    let a = crate::template::normalize_angle(angle);
    ((a / TAU * 65_536.0).round() as u32 % 65_536) as u16
}

/// The precise angles of a view's extended data, when it is exactly marsad's area (its length
/// counted with or without its 4-byte header, as implementations differ) and agrees with the
/// standard angle fields; `None` otherwise (the standard fields are used).
fn precise_angles(v: &FingerView, turn: u32) -> Option<Vec<f32>> {
    let e = &v.extended;
    let n = v.minutiae.len();
    if e.len() != 4 + 2 * n || u16::from_be_bytes([e[0], e[1]]) != PRECISE_ANGLES {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([e[2], e[3]]));
    if len != 2 * n && len != 4 + 2 * n {
        return None;
    }
    let angles: Vec<f32> = e[4..]
        .chunks_exact(2)
        .map(|c| f32::from(u16::from_be_bytes([c[0], c[1]])) / 65_536.0 * TAU)
        .collect();
    let agrees = angles.iter().zip(&v.minutiae).all(|(&a, m)| {
        let d = (i64::from(encode_angle(a, turn)) - i64::from(m.angle)).rem_euclid(turn.into());
        d <= 1 || d >= i64::from(turn) - 1
    });
    agrees.then_some(angles)
}

fn read_view(
    r: &mut Reader<'_>,
    width: u16,
    height: u16,
    flavor: Flavor,
) -> Result<FingerView, FormatError> {
    let at = r.pos();
    let position = r.u8("finger position")?;
    if position > 10 {
        return Err(r.invalid(
            "finger position",
            at,
            format!("{position} is not a code from 0 to 10"),
        ));
    }
    let packed = r.u8("view number and impression type")?;
    let quality_at = r.pos();
    let quality = r.u8("finger quality")?;
    if quality > 100 {
        return Err(r.invalid(
            "finger quality",
            quality_at,
            format!("{quality} is above 100"),
        ));
    }
    let count = r.u8("number of minutiae")?;
    let mut minutiae = Vec::with_capacity(usize::from(count).min(r.remaining() / 6));
    for i in 0..count {
        let at = r.pos();
        let xs = r.u16("minutia type and x")?;
        let ys = r.u16("minutia y")?;
        let angle = r.u8("minutia angle")?;
        let quality = r.u8("minutia quality")?;
        let m = RecordMinutia {
            kind: (xs >> 14) as u8,
            x: xs & 0x3FFF,
            reserved: (ys >> 14) as u8,
            y: ys & 0x3FFF,
            angle,
            quality,
        };
        check_minutia(r, &m, i, at, width, height, flavor)?;
        minutiae.push(m);
    }
    let len = usize::from(r.u16("extended data block length")?);
    let extended = r.bytes(len, "extended data block")?.to_vec();
    Ok(FingerView {
        position,
        view_number: packed >> 4,
        impression: packed & 0x0F,
        quality,
        minutiae,
        extended,
    })
}

fn check_minutia(
    r: &Reader<'_>,
    m: &RecordMinutia,
    index: u8,
    at: usize,
    width: u16,
    height: u16,
    flavor: Flavor,
) -> Result<(), FormatError> {
    if m.kind == 3 {
        return Err(r.invalid(
            "minutia type",
            at,
            format!("minutia {index}: type bits 11 are reserved"),
        ));
    }
    if (width > 0 && m.x >= width) || (height > 0 && m.y >= height) {
        return Err(r.invalid(
            "minutia position",
            at,
            format!(
                "minutia {index} at ({}, {}) is outside the {width} x {height} image",
                m.x, m.y
            ),
        ));
    }
    if matches!(flavor, Flavor::Ansi378 { .. }) && m.angle >= 180 {
        return Err(r.invalid(
            "minutia angle",
            at + 4,
            format!("minutia {index}: {} is above 179 (2° units)", m.angle),
        ));
    }
    if m.quality > 100 {
        return Err(r.invalid(
            "minutia quality",
            at + 5,
            format!("minutia {index}: {} is above 100", m.quality),
        ));
    }
    Ok(())
}

/// Angle units per turn: 256 for ISO/IEC 19794-2:2005, 180 for ANSI INCITS 378 (2° each).
fn angle_units(flavor: Flavor) -> u32 {
    match flavor {
        Flavor::Iso2005 => 256,
        Flavor::Ansi378 { .. } => 180,
    }
}

pub(crate) fn encode_angle(angle: f32, units: u32) -> u8 {
    let a = crate::template::normalize_angle(angle);
    ((a / TAU * units as f32).round() as u32 % units) as u8
}

pub(crate) fn decode_angle(units: u8, per_turn: u32) -> f32 {
    crate::template::normalize_angle(f32::from(units) / per_turn as f32 * TAU)
}

pub(crate) fn kind(bits: u8) -> MinutiaKind {
    match bits {
        1 => MinutiaKind::Ending,
        2 => MinutiaKind::Bifurcation,
        _ => MinutiaKind::Other,
    }
}

pub(crate) fn kind_bits(kind: MinutiaKind) -> u8 {
    match kind {
        MinutiaKind::Other => 0,
        MinutiaKind::Ending => 1,
        MinutiaKind::Bifurcation => 2,
    }
}

pub(crate) fn ppi_to_ppcm(ppi: u16) -> u16 {
    (f64::from(ppi) / CM_PER_INCH).round() as u16
}

pub(crate) fn ppcm_to_ppi(ppcm: u16) -> u16 {
    (f64::from(ppcm) * CM_PER_INCH)
        .round()
        .min(f64::from(u16::MAX)) as u16
}

/// At most 255 minutiae: the highest quality ones, in their original order.
pub(crate) fn kept_minutiae(all: &[Minutia]) -> impl Iterator<Item = &Minutia> {
    let mut keep = vec![true; all.len()];
    if all.len() > 255 {
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(all[i].quality));
        for &i in &order[255..] {
            keep[i] = false;
        }
    }
    all.iter().zip(keep).filter(|(_, k)| *k).map(|(m, _)| m)
}
