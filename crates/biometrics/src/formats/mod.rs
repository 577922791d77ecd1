//! Fingerprint file formats, read and written without I/O (bytes in, bytes out).
//!
//! - Images: [`png`] (8-bit grey, resolution from `pHYs`), [`wsq`] (decoder, bit-exact with
//!   NIST's NBIS), [`iso19794_4`] (ISO/IEC 19794-4:2005 finger image records holding raw, WSQ or
//!   PNG images). [`decode_image`] sniffs which one it is given and returns a 500 ppi image.
//! - Minutiae templates, read and written byte-exactly: [`fmr`] (ISO/IEC 19794-2:2005 and
//!   ANSI INCITS 378-2004, which share their layout but for the header) and [`fmr2011`]
//!   (ISO/IEC 19794-2:2011). [`read_template`] sniffs the format; [`write_template`] writes one.
//!
//! Every reader refuses bad input with a [`FormatError`] naming the format, the field and the byte
//! offset; none panics (the `fuzz/` targets and the corpus test check it).

mod bytes;
pub mod fmr;
pub mod fmr2011;
pub mod iso19794_4;
pub mod png;
pub mod wsq;

use crate::image::{GrayImage, ImageError, PPI};
use crate::template::Template;

/// Why bytes could not be read as a fingerprint format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a fingerprint image: neither PNG, WSQ nor ISO/IEC 19794-4 (first bytes {0})")]
    UnknownImage(String),
    #[error(
        "not a minutiae template: neither ISO/IEC 19794-2 (2005, 2011) nor ANSI INCITS 378 \
         (first bytes {0})"
    )]
    UnknownTemplate(String),
    #[error(
        "{format}: truncated at byte {offset}: {field} needs {needed} byte(s), {available} left"
    )]
    Truncated {
        format: &'static str,
        field: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("{format}: {field} at byte {offset}: {reason}")]
    Invalid {
        format: &'static str,
        field: &'static str,
        offset: usize,
        reason: String,
    },
    #[error("{format}: {source}")]
    Image {
        format: &'static str,
        source: ImageError,
    },
    #[error(
        "{format}: resolution of {ppi} ppi cannot be brought to 500 ppi (accepted: 250 to 1000 ppi)"
    )]
    Resolution { format: &'static str, ppi: u32 },
    #[error("{format}: {what} is not supported")]
    Unsupported { format: &'static str, what: String },
    #[error("PNG: {0}")]
    Png(String),
}

/// A decoded image with the resolution its file declares, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub image: GrayImage,
    /// Pixels per inch, when the file says.
    pub ppi: Option<u16>,
}

/// The template formats this crate reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISO/IEC 19794-2:2005 finger minutiae record (`FMR\0`, ` 20\0`, 4-byte length).
    Iso2005,
    /// ISO/IEC 19794-2:2011 finger minutiae record (`FMR\0`, `030\0`).
    Iso2011,
    /// ANSI INCITS 378-2004 (`FMR\0`, ` 20\0`, 2- or 6-byte length, CBEFF product identifier).
    Ansi378,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Self::Iso2005 => "ISO/IEC 19794-2:2005",
            Self::Iso2011 => "ISO/IEC 19794-2:2011",
            Self::Ansi378 => "ANSI INCITS 378-2004",
        }
    }
}

/// The first bytes of `data`, in hex, for error messages.
fn head(data: &[u8]) -> String {
    let shown: Vec<String> = data.iter().take(8).map(|b| format!("{b:02X}")).collect();
    if shown.is_empty() {
        "none: empty input".into()
    } else {
        shown.join(" ")
    }
}

/// Which template format `data` holds, from its header (see [`fmr::sniff`] for how ISO/IEC
/// 19794-2:2005 and ANSI INCITS 378-2004 are told apart).
pub fn sniff_template(data: &[u8]) -> Option<Format> {
    if fmr2011::sniff(data) {
        return Some(Format::Iso2011);
    }
    fmr::sniff(data).map(|flavor| match flavor {
        fmr::Flavor::Iso2005 => Format::Iso2005,
        fmr::Flavor::Ansi378 { .. } => Format::Ansi378,
    })
}

/// Reads a minutiae template of any supported format: one [`Template`] per finger view.
pub fn read_template(data: &[u8]) -> Result<(Format, Vec<Template>), FormatError> {
    match sniff_template(data) {
        Some(Format::Iso2011) => {
            let record = fmr2011::Record::parse(data)?;
            Ok((Format::Iso2011, record.to_templates()))
        }
        Some(format) => {
            let record = fmr::Record::parse(data)?;
            Ok((format, record.to_templates()))
        }
        // `FMR\0` with a length field that fits no form: the parser names the field.
        None if data.starts_with(b"FMR\0") => fmr::Record::parse(data).map(|r| {
            let format = match r.flavor {
                fmr::Flavor::Iso2005 => Format::Iso2005,
                fmr::Flavor::Ansi378 { .. } => Format::Ansi378,
            };
            (format, r.to_templates())
        }),
        None => Err(FormatError::UnknownTemplate(head(data))),
    }
}

/// Writes one template in `format`.
///
/// What the formats cannot hold is brought within their limits: at most 255 minutiae (those of
/// highest quality are kept, in their order), coordinates up to 16,383, image sides up to 65,535.
/// [`fmr::Record::from_template`] and [`fmr2011::Record::from_template`] do the same.
pub fn write_template(template: &Template, format: Format) -> Vec<u8> {
    match format {
        Format::Iso2005 => fmr::Record::from_template(template, fmr::Flavor::Iso2005).to_bytes(),
        Format::Ansi378 => fmr::Record::from_template(
            template,
            fmr::Flavor::Ansi378 {
                product_owner: 0,
                product_type: 0,
                long_length: false,
            },
        )
        .to_bytes(),
        Format::Iso2011 => fmr2011::Record::from_template(template).to_bytes(),
    }
}

/// ISO/IEC 19794-2:2005 with marsad's precise angles in a vendor extended data area (what
/// marsad stores for itself: read back, the template scores as the one extracted; any reader
/// of the standard reads the same record without them). See [`fmr`].
pub fn write_template_exact(template: &Template) -> Vec<u8> {
    fmr::Record::from_template_precise(template).to_bytes()
}

/// Decodes a PNG, WSQ or ISO/IEC 19794-4 image (its first finger view) to a 500 ppi grey image.
///
/// An image that declares another resolution between 250 and 1000 ppi is resampled to 500 ppi
/// (bilinear); outside that range it is refused. An image that declares none is taken as 500 ppi.
pub fn decode_image(data: &[u8]) -> Result<GrayImage, FormatError> {
    if png::sniff(data) {
        let d = png::decode(data)?;
        to_500_ppi(d.image, d.ppi.map(u32::from), d.ppi.map(u32::from), "PNG")
    } else if wsq::sniff(data) {
        let d = wsq::decode(data)?;
        to_500_ppi(d.image, d.ppi.map(u32::from), d.ppi.map(u32::from), "WSQ")
    } else if iso19794_4::sniff(data) {
        let record = iso19794_4::Record::parse(data)?;
        record
            .views
            .into_iter()
            .next()
            .map(|v| v.image)
            .ok_or_else(|| FormatError::Invalid {
                format: iso19794_4::FORMAT,
                field: "number of finger views",
                offset: 14,
                reason: "the record holds no finger image".into(),
            })
    } else {
        Err(FormatError::UnknownImage(head(data)))
    }
}

/// Brings an image to 500 ppi: unchanged at 500 ppi or unknown resolution, resampled (bilinear)
/// between 250 and 1000 ppi, refused otherwise.
pub fn to_500_ppi(
    image: GrayImage,
    x_ppi: Option<u32>,
    y_ppi: Option<u32>,
    format: &'static str,
) -> Result<GrayImage, FormatError> {
    let target = u32::from(PPI);
    let (x_ppi, y_ppi) = (x_ppi.unwrap_or(target), y_ppi.unwrap_or(target));
    for ppi in [x_ppi, y_ppi] {
        if !(250..=1000).contains(&ppi) {
            return Err(FormatError::Resolution { format, ppi });
        }
    }
    if x_ppi == target && y_ppi == target {
        return Ok(image);
    }
    let scale = |len: u32, ppi: u32| {
        ((u64::from(len) * u64::from(target) + u64::from(ppi) / 2) / u64::from(ppi)).max(1) as u32
    };
    let (w, h) = (image.width(), image.height());
    let (nw, nh) = (scale(w, x_ppi), scale(h, y_ppi));
    crate::image::check_size(nw, nh).map_err(|source| FormatError::Image { format, source })?;
    let src = image.pixels();
    let mut out = Vec::with_capacity(nw as usize * nh as usize);
    let fx = w as f32 / nw as f32;
    let fy = h as f32 / nh as f32;
    for y in 0..nh {
        let sy = ((y as f32 + 0.5) * fy - 0.5).clamp(0.0, (h - 1) as f32);
        let y0 = sy.floor() as u32;
        let y1 = (y0 + 1).min(h - 1);
        let ty = sy - y0 as f32;
        for x in 0..nw {
            let sx = ((x as f32 + 0.5) * fx - 0.5).clamp(0.0, (w - 1) as f32);
            let x0 = sx.floor() as u32;
            let x1 = (x0 + 1).min(w - 1);
            let tx = sx - x0 as f32;
            let p = |x: u32, y: u32| f32::from(src[(y * w + x) as usize]);
            let top = p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx;
            let bottom = p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx;
            out.push((top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage::new(nw, nh, out).map_err(|source| FormatError::Image { format, source })
}
