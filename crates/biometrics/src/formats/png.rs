//! PNG images: decoded to 8-bit grey (colour converted with Rec. 601 luma, 16-bit reduced to
//! 8-bit, alpha ignored), encoded as 8-bit grey with a `pHYs` chunk at 500 ppi.
//!
//! The resolution is read from `pHYs` when its unit is the metre; the image size is checked
//! against [`crate::image::MAX_SIDE`] from the header, before the pixels are allocated.

use std::io::Cursor;

use ::png::{BitDepth, ColorType, Decoder, Encoder, PixelDimensions, Transformations, Unit};

use super::{Decoded, FormatError};
use crate::image::{check_size, GrayImage, PPI};

const FORMAT: &str = "PNG";
const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const METRES_PER_INCH: f64 = 0.0254;

/// True when `data` starts with the PNG signature.
pub fn sniff(data: &[u8]) -> bool {
    data.starts_with(&SIGNATURE)
}

fn error(e: impl std::fmt::Display) -> FormatError {
    FormatError::Png(e.to_string())
}

/// Decodes a PNG to grey, with the resolution of its `pHYs` chunk when present.
pub fn decode(data: &[u8]) -> Result<Decoded, FormatError> {
    if !sniff(data) {
        return Err(FormatError::Invalid {
            format: FORMAT,
            field: "signature",
            offset: 0,
            reason: "not the PNG signature".into(),
        });
    }
    let mut decoder = Decoder::new(Cursor::new(data));
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(error)?;
    let (width, height, ppi) = {
        let info = reader.info();
        let ppi = info.pixel_dims.and_then(|d| match d.unit {
            Unit::Meter => {
                let ppi = (f64::from(d.xppu) * METRES_PER_INCH).round();
                (ppi >= 1.0 && ppi <= f64::from(u16::MAX)).then_some(ppi as u16)
            }
            Unit::Unspecified => None,
        });
        (info.width, info.height, ppi)
    };
    check_size(width, height).map_err(|source| FormatError::Image {
        format: FORMAT,
        source,
    })?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| error("image too large"))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(error)?;
    let (color, depth) = reader.output_color_type();
    if depth != BitDepth::Eight {
        return Err(FormatError::Unsupported {
            format: FORMAT,
            what: format!("output bit depth {depth:?}"),
        });
    }
    let channels = color.samples();
    let stride = frame.line_size;
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for row in buf.chunks(stride).take(height as usize) {
        for px in row.chunks(channels).take(width as usize) {
            pixels.push(match (color, px) {
                (ColorType::Grayscale | ColorType::GrayscaleAlpha, [g, ..]) => *g,
                (ColorType::Rgb | ColorType::Rgba, [r, g, b, ..]) => luma(*r, *g, *b),
                _ => {
                    return Err(FormatError::Unsupported {
                        format: FORMAT,
                        what: format!("colour type {color:?}"),
                    })
                }
            });
        }
    }
    let image = GrayImage::new(width, height, pixels).map_err(|source| FormatError::Image {
        format: FORMAT,
        source,
    })?;
    Ok(Decoded { image, ppi })
}

/// Rec. 601 luma, rounded.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// Encodes an image as 8-bit grey PNG, declaring 500 ppi in a `pHYs` chunk.
pub fn encode(image: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec only fails on an inconsistent header, which a GrayImage cannot have;
    // if it ever did, the output would be empty and decoding it would say so.
    let _ = write(image, &mut out);
    out
}

fn write(image: &GrayImage, out: &mut Vec<u8>) -> Result<(), ::png::EncodingError> {
    let mut encoder = Encoder::new(&mut *out, image.width(), image.height());
    encoder.set_color(ColorType::Grayscale);
    encoder.set_depth(BitDepth::Eight);
    let ppm = (f64::from(PPI) / METRES_PER_INCH).round() as u32;
    encoder.set_pixel_dims(Some(PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(image.pixels())?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_round_trips_with_500_ppi() {
        let pixels: Vec<u8> = (0..37u32 * 23).map(|i| (i * 7 % 256) as u8).collect();
        let image = GrayImage::new(37, 23, pixels).unwrap();
        let bytes = encode(&image);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.image, image);
        assert_eq!(d.ppi, Some(500));
    }

    #[test]
    fn decode_image_brings_a_1000_ppi_png_to_500_ppi_and_refuses_72_ppi() {
        let write = |ppm: u32| {
            let mut out = Vec::new();
            let mut e = Encoder::new(&mut out, 40, 20);
            e.set_color(ColorType::Grayscale);
            e.set_pixel_dims(Some(PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: Unit::Meter,
            }));
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[90; 800]).unwrap();
            w.finish().unwrap();
            out
        };
        // 39,370 pixels per metre is 1000 ppi; 2,835 is 72 ppi.
        let half = crate::formats::decode_image(&write(39_370)).unwrap();
        assert_eq!((half.width(), half.height()), (20, 10));
        assert!(half.pixels().iter().all(|&p| p == 90));
        let e = crate::formats::decode_image(&write(2_835)).unwrap_err();
        assert!(e.to_string().contains("72 ppi"), "{e}");
    }

    #[test]
    fn colour_and_16_bit_become_grey() {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 2, 1);
        e.set_color(ColorType::Rgba);
        e.set_depth(BitDepth::Sixteen);
        let mut w = e.write_header().unwrap();
        // (255, 0, 0, opaque) and (0, 0, 255, transparent), 16 bits per sample.
        w.write_image_data(&[255, 255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255, 255, 0, 0])
            .unwrap();
        w.finish().unwrap();
        let d = decode(&out).unwrap();
        assert_eq!(d.image.pixels(), &[76, 29]);
        assert_eq!(d.ppi, None);
    }
}
