//! ISO/IEC 19794-4:2005 finger image records (`FIR\0`, ` 10\0`): read (uncompressed 8-bit,
//! WSQ or PNG images) and write (uncompressed or PNG).
//!
//! Layout: general header of 32 bytes (format identifier 4, version 4, record length 6, capture
//! device 2, image acquisition level 2, number of finger images 1, scale units 1 (1: pixels per
//! inch, 2: per centimetre), scan resolution horizontal and vertical 2 + 2, image resolution
//! horizontal and vertical 2 + 2, pixel depth 1, compression 1 (0: uncompressed, 1: bit-packed,
//! 2: WSQ, 3: JPEG, 4: JPEG 2000, 5: PNG), reserved 2), then per finger image a 14-byte header
//! (length of the finger data block 4 including this header, position 1, count of views 1, view
//! number 1, quality 1, impression type 1, width 2, height 2, reserved 1) and the image data.
//!
//! Images are returned at 500 ppi: other resolutions between 250 and 1000 ppi are resampled
//! (bilinear), others refused with an error naming the resolution.

use super::bytes::{put_u16, put_u32, Reader};
use super::{png, to_500_ppi, wsq, FormatError};
use crate::image::{check_size, GrayImage, PPI};

pub(crate) const FORMAT: &str = "ISO/IEC 19794-4:2005";
const MAGIC: &[u8; 8] = b"FIR\0 10\0";
const HEADER: usize = 32;
const VIEW_HEADER: usize = 14;

/// True when `data` starts with the finger image record identifier and version.
pub fn sniff(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// How images are stored in a record written by [`Record::to_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    Uncompressed,
    Png,
}

/// One finger image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub position: u8,
    pub view_count: u8,
    pub view_number: u8,
    pub quality: u8,
    pub impression: u8,
    /// At 500 ppi.
    pub image: GrayImage,
}

/// A finger image record: its capture fields and its images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub capture_device: u16,
    pub acquisition_level: u16,
    pub views: Vec<View>,
}

impl Record {
    pub fn parse(data: &[u8]) -> Result<Self, FormatError> {
        let mut r = Reader::new(data, FORMAT);
        if r.bytes(8, "format identifier and version")? != MAGIC {
            return Err(r.invalid("format identifier and version", 0, "not FIR\\0 10\\0"));
        }
        let len_at = r.pos();
        let len_bytes = r.bytes(6, "record length")?;
        let len = len_bytes
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if len != data.len() as u64 {
            return Err(r.invalid(
                "record length",
                len_at,
                format!("says {len} bytes, the record has {}", data.len()),
            ));
        }
        let capture_device = r.u16("capture device")?;
        let acquisition_level = r.u16("image acquisition level")?;
        let count_at = r.pos();
        let count = r.u8("number of finger images")?;
        if count == 0 {
            return Err(r.invalid(
                "number of finger images",
                count_at,
                "0: a record holds at least one",
            ));
        }
        let units_at = r.pos();
        let units = r.u8("scale units")?;
        let _scan_x = r.u16("scan resolution (horizontal)")?;
        let _scan_y = r.u16("scan resolution (vertical)")?;
        let res_x = r.u16("image resolution (horizontal)")?;
        let res_y = r.u16("image resolution (vertical)")?;
        let (ppi_x, ppi_y) = match units {
            1 => (u32::from(res_x), u32::from(res_y)),
            2 => (ppcm_to_ppi(res_x), ppcm_to_ppi(res_y)),
            other => {
                return Err(r.invalid(
                    "scale units",
                    units_at,
                    format!("{other}: must be 1 (inch) or 2 (cm)"),
                ))
            }
        };
        let depth_at = r.pos();
        let depth = r.u8("pixel depth")?;
        let compression_at = r.pos();
        let compression = r.u8("image compression algorithm")?;
        r.u16("reserved")?;
        let mut views = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let start = r.pos();
            let block = r.u32("finger data block length")? as usize;
            if block < VIEW_HEADER || block - 4 > r.remaining() {
                return Err(r.invalid(
                    "finger data block length",
                    start,
                    format!("{block} does not fit the {} bytes left", r.remaining() + 4),
                ));
            }
            let position = r.u8("finger position")?;
            let view_count = r.u8("count of views")?;
            let view_number = r.u8("view number")?;
            let quality = r.u8("finger image quality")?;
            let impression = r.u8("impression type")?;
            let size_at = r.pos();
            let width = r.u16("horizontal line length")?;
            let height = r.u16("vertical line length")?;
            r.u8("reserved")?;
            check_size(width.into(), height.into()).map_err(|source| FormatError::Image {
                format: FORMAT,
                source,
            })?;
            let image_at = r.pos();
            let bytes = r.bytes(block - VIEW_HEADER, "image data")?;
            let image = match compression {
                0 => {
                    if depth != 8 {
                        return Err(FormatError::Unsupported {
                            format: FORMAT,
                            what: format!("pixel depth {depth} (byte {depth_at}; only 8 bits)"),
                        });
                    }
                    GrayImage::new(width.into(), height.into(), bytes.to_vec()).map_err(|_| {
                        r.invalid(
                            "image data",
                            image_at,
                            format!("{} bytes for a {width} x {height} image", bytes.len()),
                        )
                    })?
                }
                2 => wsq::decode(bytes)?.image,
                5 => png::decode(bytes)?.image,
                other => {
                    return Err(FormatError::Unsupported {
                        format: FORMAT,
                        what: format!(
                            "image compression {other} (byte {compression_at}; read: 0 raw, 2 WSQ, 5 PNG)"
                        ),
                    })
                }
            };
            if (image.width(), image.height()) != (width.into(), height.into()) {
                return Err(r.invalid(
                    "horizontal line length",
                    size_at,
                    format!(
                        "header says {width} x {height}, the image is {} x {}",
                        image.width(),
                        image.height()
                    ),
                ));
            }
            let image = to_500_ppi(image, Some(ppi_x), Some(ppi_y), FORMAT)?;
            views.push(View {
                position,
                view_count,
                view_number,
                quality,
                impression,
                image,
            });
        }
        if r.remaining() > 0 {
            return Err(r.invalid(
                "record length",
                r.pos(),
                format!("{} bytes after the last finger image", r.remaining()),
            ));
        }
        Ok(Self {
            capture_device,
            acquisition_level,
            views,
        })
    }

    /// The record at 500 ppi with its images stored as `compression` says.
    pub fn to_bytes(&self, compression: Compression) -> Vec<u8> {
        let blocks: Vec<Vec<u8>> = self
            .views
            .iter()
            .map(|v| match compression {
                Compression::Uncompressed => v.image.pixels().to_vec(),
                Compression::Png => png::encode(&v.image),
            })
            .collect();
        let total = HEADER + blocks.iter().map(|b| VIEW_HEADER + b.len()).sum::<usize>();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(total as u64).to_be_bytes()[2..]);
        put_u16(&mut out, self.capture_device);
        put_u16(&mut out, self.acquisition_level);
        out.push(self.views.len() as u8);
        out.push(1); // pixels per inch
        for _ in 0..4 {
            put_u16(&mut out, PPI);
        }
        out.push(8);
        out.push(match compression {
            Compression::Uncompressed => 0,
            Compression::Png => 5,
        });
        put_u16(&mut out, 0);
        for (v, block) in self.views.iter().zip(&blocks) {
            put_u32(&mut out, (VIEW_HEADER + block.len()) as u32);
            out.push(v.position);
            out.push(v.view_count);
            out.push(v.view_number);
            out.push(v.quality);
            out.push(v.impression);
            put_u16(&mut out, v.image.width() as u16);
            put_u16(&mut out, v.image.height() as u16);
            out.push(0);
            out.extend_from_slice(block);
        }
        out
    }
}

fn ppcm_to_ppi(ppcm: u16) -> u32 {
    (f64::from(ppcm) * 2.54).round() as u32
}
