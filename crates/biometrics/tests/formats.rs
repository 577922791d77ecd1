//! Format tests against files: WSQ decoding against NIST's NBIS, every cut of a WSQ file, the
//! fuzzing corpus run through every reader.

// Helpers outside `#[test]` functions may unwrap too: a failing unwrap is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use marsad_biometrics::formats::{self, wsq, FormatError};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/formats/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The pixels of a binary PGM (as written by `make_wsq_fixtures.py`).
fn pgm(name: &str) -> (u32, u32, Vec<u8>) {
    let bytes = data(name);
    let text = String::from_utf8_lossy(&bytes[..20.min(bytes.len())]).to_string();
    let mut fields = text.split_ascii_whitespace();
    assert_eq!(fields.next(), Some("P5"));
    let w: u32 = fields.next().unwrap().parse().unwrap();
    let h: u32 = fields.next().unwrap().parse().unwrap();
    let n = (w * h) as usize;
    (w, h, bytes[bytes.len() - n..].to_vec())
}

const WSQ_FIXTURES: [&str; 4] = [
    "ridges_129x97",
    "ridges_257x311",
    "ridges_300x400",
    "ridges_500x500",
];

#[test]
fn wsq_decodes_exactly_as_nist_nbis() {
    for name in WSQ_FIXTURES {
        let decoded = wsq::decode(&data(&format!("{name}.wsq"))).unwrap();
        let (w, h, expected) = pgm(&format!("{name}.pgm"));
        assert_eq!(
            (decoded.image.width(), decoded.image.height()),
            (w, h),
            "{name}"
        );
        let differing = decoded
            .image
            .pixels()
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differing, 0, "{name}: {differing} pixels differ from NBIS");
        assert_eq!(decoded.ppi, Some(500), "{name}");
    }
    // decode_image sniffs WSQ and keeps a 500 ppi image as it is.
    let (_, _, expected) = pgm("ridges_129x97.pgm");
    let image = formats::decode_image(&data("ridges_129x97.wsq")).unwrap();
    assert_eq!(image.pixels(), &expected[..]);
}

#[test]
fn wsq_encoder_writes_the_same_bytes_as_nist_nbis() {
    for name in ["ridges_129x97", "ridges_257x311", "ridges_300x400"] {
        let (w, h, source) = pgm(&format!("{name}.src.pgm"));
        let ours = wsq::encode(&GrayImage::new(w, h, source).unwrap(), 0.75, None).unwrap();
        let nbis = data(&format!("{name}.wsq"));
        let differing = ours.iter().zip(&nbis).filter(|(a, b)| a != b).count();
        assert_eq!((ours.len(), differing), (nbis.len(), 0), "{name}");
    }
}

/// Files written by this crate's WSQ encoder from the NBIS-decoded fixtures (name, source,
/// bit rate); `make_wsq_fixtures.py` decodes each with NBIS into `NAME.pgm`.
const RUST_ENCODED: [(&str, &str, f32); 2] = [
    ("rust_ridges_129x97_0.75", "ridges_129x97", 0.75),
    ("rust_ridges_257x311_2.25", "ridges_257x311", 2.25),
];

fn rust_encoded(source: &str, rate: f32) -> Vec<u8> {
    let (w, h, pixels) = pgm(&format!("{source}.pgm"));
    wsq::encode(&GrayImage::new(w, h, pixels).unwrap(), rate, None).unwrap()
}

/// Regenerates the encoder's fixtures: `cargo test -p marsad-biometrics --test formats --
/// --ignored write_wsq_encoder_fixtures`, then run `make_wsq_fixtures.py` for NBIS's decoding.
#[test]
#[ignore]
fn write_wsq_encoder_fixtures() {
    for (name, source, rate) in RUST_ENCODED {
        let path = format!(
            "{}/tests/data/formats/{name}.wsq",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::write(path, rust_encoded(source, rate)).unwrap();
    }
}

#[test]
fn wsq_encoder_output_is_stable_and_nist_nbis_decodes_it_as_we_do() {
    for (name, source, rate) in RUST_ENCODED {
        let bytes = rust_encoded(source, rate);
        assert_eq!(
            bytes,
            data(&format!("{name}.wsq")),
            "{name}: the encoder's output changed"
        );
        let decoded = wsq::decode(&bytes).unwrap();
        let (_, _, nbis) = pgm(&format!("{name}.pgm"));
        assert_eq!(
            decoded.image.pixels(),
            &nbis[..],
            "{name}: NBIS decodes it differently"
        );
        // Quality: PSNR against the source image.
        let (_, _, source_pixels) = pgm(&format!("{source}.pgm"));
        let mse = decoded
            .image
            .pixels()
            .iter()
            .zip(&source_pixels)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum::<f64>()
            / source_pixels.len() as f64;
        let psnr = 10.0 * (255.0 * 255.0 / mse).log10();
        assert!(psnr > 35.0, "{name}: PSNR {psnr:.1} dB");
    }
    // Too small, or a bit rate that means nothing: refused.
    let small = GrayImage::filled(31, 100, 128).unwrap();
    assert!(wsq::encode(&small, 0.75, None).is_err());
    let flat = GrayImage::filled(64, 64, 128).unwrap();
    assert!(wsq::encode(&flat, 0.0, None).is_err());
    // A flat image encodes and decodes to itself.
    let flat_back = wsq::decode(&wsq::encode(&flat, 0.75, Some(500)).unwrap()).unwrap();
    assert_eq!(flat_back.image, flat);
}

#[test]
fn wsq_cut_anywhere_is_an_error_not_a_panic() {
    let file = data("ridges_129x97.wsq");
    for cut in 0..file.len() {
        let result = wsq::decode(&file[..cut]);
        assert!(result.is_err(), "cut at {cut} decoded");
    }
    let err = wsq::decode(&file[..1000]).unwrap_err();
    assert!(
        matches!(err, FormatError::Truncated { format: "WSQ", .. }),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Minutiae templates: hand-built records.

use marsad_biometrics::formats::{fmr, fmr2011, iso19794_4, Format};
use marsad_biometrics::image::GrayImage;
use marsad_biometrics::template::{FingerPosition, Impression, Minutia, MinutiaKind, Template};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f32::consts::{FRAC_PI_2, PI};

/// Bytes from hex with spaces and `|` as separators (for readability only).
fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// The template all three hand-built records hold: a 256 x 360 image at 197 pixels/cm
/// (500 ppi), right index, live plain, quality 80; a ridge ending at (100, 200) pointing up
/// (90°, quality 60) and a bifurcation at (10, 20) pointing left (180°, quality 0).
fn expected_template() -> Template {
    Template {
        width: 256,
        height: 360,
        ppi: 500,
        position: FingerPosition::RIGHT_INDEX,
        impression: Impression::LivePlain,
        quality: 80,
        minutiae: vec![
            Minutia::new(100, 200, FRAC_PI_2, MinutiaKind::Ending, 60),
            Minutia::new(10, 20, PI, MinutiaKind::Bifurcation, 0),
        ],
    }
}

/// ISO/IEC 19794-2:2005: 24-byte header with a 4-byte length (42), one view of two minutiae.
const ISO2005: &str = "464D5200 20323000 | 0000002A | 0000 | 0100 0168 | 00C5 00C5 | 01 00 \
     | 02 00 50 02 | 4064 00C8 40 3C | 800A 0014 80 00 | 0000";
/// ANSI INCITS 378-2004: 2-byte length (44), CBEFF product 0x0033/0x0001, angles in 2° units.
const ANSI378: &str =
    "464D5200 20323000 | 002C | 0033 0001 | 0000 | 0100 0168 | 00C5 00C5 | 01 00 \
     | 02 00 50 02 | 4064 00C8 2D 3C | 800A 0014 5A 00 | 0000";
/// ISO/IEC 19794-2:2011: 15-byte header (length 66, one representation, no certification),
/// a 51-byte representation captured 2020-12-31 23:59:59.999 with one quality block (80 by
/// vendor 0x0101, algorithm 2), field length 6 and ridge-end type 1.
const ISO2011: &str = "464D5200 30333000 | 00000042 | 0001 | 00 \
     | 00000033 | 07E4 0C 1F 17 3B 3B 03E7 | 00 0000 0000 | 01 50 0101 0002 \
     | 02 00 00C5 00C5 00 0100 0168 | 61 02 | 4064 00C8 40 3C | 800A 0014 80 00 | 0000";

fn assert_close(got: &Template, want: &Template) {
    assert_eq!(
        (
            got.width,
            got.height,
            got.ppi,
            got.position,
            got.impression,
            got.quality
        ),
        (
            want.width,
            want.height,
            want.ppi,
            want.position,
            want.impression,
            want.quality
        )
    );
    assert_eq!(got.minutiae.len(), want.minutiae.len());
    for (g, w) in got.minutiae.iter().zip(&want.minutiae) {
        assert_eq!((g.x, g.y, g.kind, g.quality), (w.x, w.y, w.kind, w.quality));
        assert!(
            (g.angle - w.angle).abs() < 1e-5,
            "{} vs {}",
            g.angle,
            w.angle
        );
    }
}

#[test]
fn hand_built_records_read_write_and_sniff() {
    for (hexed, format) in [
        (ISO2005, Format::Iso2005),
        (ANSI378, Format::Ansi378),
        (ISO2011, Format::Iso2011),
    ] {
        let bytes = hex(hexed);
        let (got_format, templates) = formats::read_template(&bytes).unwrap();
        assert_eq!(got_format, format);
        assert_eq!(templates.len(), 1);
        assert_close(&templates[0], &expected_template());
        // Writing the template gives the hand-built bytes back (ANSI's product id and the 2011
        // date and quality vendor are the record's, not the template's: compare via records).
        let written = formats::write_template(&expected_template(), format);
        assert_eq!(
            formats::read_template(&written).unwrap().1,
            templates,
            "{format:?}"
        );
        if format == Format::Iso2005 {
            assert_eq!(written, bytes);
        }
    }
    let ansi = fmr::Record::parse(&hex(ANSI378)).unwrap();
    assert_eq!(
        ansi.flavor,
        fmr::Flavor::Ansi378 {
            product_owner: 0x33,
            product_type: 1,
            long_length: false
        }
    );
    assert_eq!(ansi.to_bytes(), hex(ANSI378));
    let iso2011 = fmr2011::Record::parse(&hex(ISO2011)).unwrap();
    assert_eq!(
        iso2011.representations[0].capture_datetime,
        hex("07E4 0C 1F 17 3B 3B 03E7")[..]
    );
    assert_eq!(iso2011.to_bytes(), hex(ISO2011));
}

#[test]
fn extended_data_reserved_bits_and_several_views_round_trip() {
    // ISO 2005, two views; the first has a ridge-count area and a core/delta area in its
    // extended data block and a minutia with both reserved bits set; the second a vendor area.
    let bytes = hex(
        "464D5200 20323000 | 0000003E | 1234 | 0100 0168 | 00C5 00C5 | 02 07 \
         | 02 13 50 01 | 4064 C0C8 40 3C | 000E | 0001 0008 01 00 01 05 | 0002 0006 00 00 \
         | 07 21 28 00 | 0006 | 8001 0006 BEEF",
    );
    let record = fmr::Record::parse(&bytes).unwrap();
    assert_eq!(record.reserved, 7);
    assert_eq!(record.views.len(), 2);
    assert_eq!(record.views[0].minutiae[0].reserved, 3);
    assert_eq!(
        (record.views[0].view_number, record.views[0].impression),
        (1, 3)
    );
    assert_eq!(record.views[1].extended, hex("8001 0006 BEEF"));
    assert_eq!(record.to_bytes(), bytes);
    let (_, templates) = formats::read_template(&bytes).unwrap();
    assert_eq!(templates.len(), 2);
    assert_eq!(templates[1].position, FingerPosition::LEFT_INDEX);

    // The ANSI 6-byte length form and the 2011 certification blocks round-trip too.
    let mut ansi_long = hex(ANSI378);
    ansi_long.splice(8..10, hex("0000 0000 0030"));
    let record = fmr::Record::parse(&ansi_long).unwrap();
    assert!(matches!(
        record.flavor,
        fmr::Flavor::Ansi378 {
            long_length: true,
            ..
        }
    ));
    assert_eq!(record.to_bytes(), ansi_long);
    let certified = hex("464D5200 30333000 | 0000003A | 0001 | 01 \
         | 0000002B | FFFF FF FF FF FF FF FFFF | 02 0011 0022 | 00 | 01 0101 03 \
         | 05 01 00C5 00C5 08 0100 0168 | 50 01 | 4064 00C8 40 | 0000");
    let record = fmr2011::Record::parse(&certified).unwrap();
    assert_eq!(record.representations[0].certification_blocks.len(), 1);
    assert_eq!(record.representations[0].minutiae[0].quality, None);
    assert_eq!(record.to_bytes(), certified);
}

#[test]
fn the_length_field_tells_iso_2005_from_ansi_378() {
    // An ISO record's 2-byte prefix of its length is the high half, never the length itself;
    // checked on every length a record can have up to 70,000 bytes.
    for len in 26u32..70_000 {
        assert_ne!(len >> 16, len);
        assert_ne!(
            (len << 16) & 0xFFFF_0000,
            len,
            "ISO length {len} read as ANSI long form"
        );
    }
    assert_eq!(
        formats::sniff_template(&hex(ISO2005)),
        Some(Format::Iso2005)
    );
    assert_eq!(
        formats::sniff_template(&hex(ANSI378)),
        Some(Format::Ansi378)
    );
    assert_eq!(
        formats::sniff_template(&hex(ISO2011)),
        Some(Format::Iso2011)
    );
}

// ---------------------------------------------------------------------------------------------
// Property-style round trips over seeded random templates and records.

fn random_template(rng: &mut ChaCha8Rng, units: u32) -> Template {
    let width = rng.gen_range(1..=2000u16);
    let height = rng.gen_range(1..=2000u16);
    let n = if rng.gen_bool(0.1) {
        rng.gen_range(256..300)
    } else {
        rng.gen_range(0..80)
    };
    let kinds = [
        MinutiaKind::Ending,
        MinutiaKind::Bifurcation,
        MinutiaKind::Other,
    ];
    Template {
        width,
        height,
        ppi: 500,
        position: FingerPosition::from_code(rng.gen_range(0..=10)).unwrap(),
        impression: Impression::from_code([0, 1, 2, 3, 8][rng.gen_range(0..5)]),
        quality: rng.gen_range(0..=100),
        minutiae: (0..n)
            .map(|_| {
                let unit = rng.gen_range(0..units);
                Minutia::new(
                    rng.gen_range(0..width),
                    rng.gen_range(0..height),
                    unit as f32 / units as f32 * std::f32::consts::TAU,
                    kinds[rng.gen_range(0..3)],
                    rng.gen_range(0..=100),
                )
            })
            .collect(),
    }
}

#[test]
fn random_templates_round_trip_through_every_format() {
    let mut rng = ChaCha8Rng::seed_from_u64(19794);
    for i in 0..300 {
        for (format, units) in [
            (Format::Iso2005, 256),
            (Format::Ansi378, 180),
            (Format::Iso2011, 256),
        ] {
            let t = random_template(&mut rng, units);
            let bytes = formats::write_template(&t, format);
            let (got_format, back) = formats::read_template(&bytes)
                .unwrap_or_else(|e| panic!("case {i} {format:?}: {e}"));
            assert_eq!(got_format, format);
            let mut want = t.clone();
            if want.minutiae.len() > 255 {
                // The 255 of highest quality are kept, in order.
                let mut q: Vec<u8> = want.minutiae.iter().map(|m| m.quality).collect();
                q.sort_unstable_by(|a, b| b.cmp(a));
                let cut = q[254];
                let above = want.minutiae.iter().filter(|m| m.quality > cut).count();
                let mut room = 255 - above;
                want.minutiae.retain(|m| {
                    m.quality > cut
                        || (m.quality == cut && room > 0 && {
                            room -= 1;
                            true
                        })
                });
            }
            assert_close(&back[0], &want);
            assert_eq!(
                formats::write_template(&back[0], format),
                bytes,
                "case {i} {format:?}"
            );
        }
    }
}

fn random_record(rng: &mut ChaCha8Rng) -> fmr::Record {
    let width = rng.gen_range(1..=0x3FFF);
    let height = rng.gen_range(1..=0x3FFF);
    let flavor = if rng.gen_bool(0.5) {
        fmr::Flavor::Iso2005
    } else {
        fmr::Flavor::Ansi378 {
            product_owner: rng.gen(),
            product_type: rng.gen(),
            long_length: rng.gen_bool(0.3),
        }
    };
    let ansi = matches!(flavor, fmr::Flavor::Ansi378 { .. });
    let views = (0..rng.gen_range(1..4))
        .map(|_| fmr::FingerView {
            position: rng.gen_range(0..=10),
            view_number: rng.gen_range(0..16),
            impression: rng.gen_range(0..16),
            quality: rng.gen_range(0..=100),
            minutiae: (0..rng.gen_range(0..40))
                .map(|_| fmr::RecordMinutia {
                    kind: rng.gen_range(0..3),
                    x: rng.gen_range(0..width),
                    reserved: rng.gen_range(0..4),
                    y: rng.gen_range(0..height),
                    angle: if ansi {
                        rng.gen_range(0..180)
                    } else {
                        rng.gen()
                    },
                    quality: rng.gen_range(0..=100),
                })
                .collect(),
            extended: (0..rng.gen_range(0..3) * rng.gen_range(0..20))
                .map(|_| rng.gen())
                .collect(),
        })
        .collect();
    fmr::Record {
        flavor,
        equipment: rng.gen(),
        width,
        height,
        x_resolution: rng.gen(),
        y_resolution: rng.gen(),
        reserved: rng.gen(),
        views,
    }
}

#[test]
fn random_records_parse_back_to_themselves_and_their_bytes() {
    let mut rng = ChaCha8Rng::seed_from_u64(378);
    for i in 0..500 {
        let record = random_record(&mut rng);
        let bytes = record.to_bytes();
        let parsed = fmr::Record::parse(&bytes).unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(parsed, record, "case {i}");
        assert_eq!(parsed.to_bytes(), bytes, "case {i}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: errors that say what and where, never a panic.

fn err(result: Result<impl std::fmt::Debug, FormatError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_templates_are_refused_with_the_field_and_offset() {
    let check = |bytes: Vec<u8>, needle: &str| {
        let e = err(formats::read_template(&bytes));
        assert!(e.contains(needle), "{e:?} lacks {needle:?}");
    };
    check(b"not a template".to_vec(), "not a minutiae template");
    check(Vec::new(), "empty input");
    // Wrong length field.
    let mut b = hex(ISO2005);
    b[11] = 0x2B;
    check(b, "record length at byte 8");
    // Minutia outside the 256 x 360 image: x = 300.
    let mut b = hex(ISO2005);
    b[28..30].copy_from_slice(&(0x4000u16 | 300).to_be_bytes());
    check(b, "minutia 0 at (300, 200) is outside the 256 x 360 image");
    // Type bits 11.
    let mut b = hex(ISO2005);
    b[34] |= 0xC0;
    check(b.clone(), "minutia type at byte 34");
    check(b, "minutia 1: type bits 11 are reserved");
    // Huge minutiae count with the length field adjusted: truncated, with the field named.
    let mut b = hex(ISO2005);
    b[27] = 255;
    check(b, "truncated");
    // Zero views.
    let mut b = hex(ISO2005)[..24].to_vec();
    b[11] = 24;
    b[22] = 0;
    check(b, "number of finger views at byte 22");
    // ANSI angle above 179.
    let mut b = hex(ANSI378);
    b[34] = 200;
    check(b, "above 179");
    // 2011: representation length that does not match its fields, bad field length.
    let mut b = hex(ISO2011);
    b[18] = 0x34;
    check(b, "representation length at byte 15");
    let mut b = hex(ISO2011);
    b[50] = 0x71;
    check(b, "minutia field length at byte 50");
    // Every cut of every hand-built record is an error.
    for hexed in [ISO2005, ANSI378, ISO2011] {
        let b = hex(hexed);
        for cut in 0..b.len() {
            assert!(formats::read_template(&b[..cut]).is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn bad_images_are_refused() {
    let e = err(formats::decode_image(b"GIF89a..."));
    assert!(
        e.contains("not a fingerprint image") && e.contains("47 49 46"),
        "{e}"
    );
    // A 10,000 x 10,000 WSQ frame header is refused before any pixel buffer exists.
    let mut w = data("ridges_129x97.wsq");
    let sof = w.windows(2).position(|p| p == [0xFF, 0xA2]).unwrap();
    w[sof + 6..sof + 8].copy_from_slice(&10_000u16.to_be_bytes());
    w[sof + 8..sof + 10].copy_from_slice(&10_000u16.to_be_bytes());
    let e = err(wsq::decode(&w));
    assert!(e.contains("10000 x 10000"), "{e}");
    // Corrupt Huffman table: code counts that overflow 16 bits.
    let mut w = data("ridges_129x97.wsq");
    let dht = w.windows(2).position(|p| p == [0xFF, 0xA6]).unwrap();
    for i in 0..16 {
        w[dht + 5 + i] = 0xFF;
    }
    let e = err(wsq::decode(&w));
    assert!(e.contains("WSQ") && e.contains("Huffman"), "{e}");
    // A PNG whose header says 10,000 x 10,000 (and nothing more): refused from the header.
    let e = err(formats::decode_image(&png_header_only(10_000, 10_000)));
    assert!(e.contains("10000 x 10000"), "{e}");
    // A 10,000 x 10,000 finger image record header.
    let mut fir = iso19794_4::Record {
        capture_device: 0,
        acquisition_level: 31,
        views: vec![iso19794_4::View {
            position: 2,
            view_count: 1,
            view_number: 1,
            quality: 80,
            impression: 0,
            image: GrayImage::filled(3, 2, 200).unwrap(),
        }],
    }
    .to_bytes(iso19794_4::Compression::Uncompressed);
    fir[32 + 9..32 + 13].copy_from_slice(&hex("2710 2710"));
    let e = err(formats::decode_image(&fir));
    assert!(e.contains("10000 x 10000"), "{e}");
}

/// A PNG of the given size (8-bit grey) with a valid header and an empty IDAT chunk.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], body: &[u8]) {
        let mut crc = !0u32;
        for &b in kind.iter().chain(body) {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out.extend_from_slice(&(!crc).to_be_bytes());
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[]);
    out
}

// ---------------------------------------------------------------------------------------------
// ISO/IEC 19794-4 finger image records.

#[test]
fn finger_image_records_round_trip_and_rescale() {
    let pixels: Vec<u8> = (0..40u32 * 30).map(|i| (i % 251) as u8).collect();
    let image = GrayImage::new(40, 30, pixels).unwrap();
    let record = iso19794_4::Record {
        capture_device: 7,
        acquisition_level: 31,
        views: vec![
            iso19794_4::View {
                position: 2,
                view_count: 1,
                view_number: 1,
                quality: 80,
                impression: 0,
                image: image.clone(),
            },
            iso19794_4::View {
                position: 7,
                view_count: 1,
                view_number: 1,
                quality: 70,
                impression: 1,
                image: GrayImage::filled(5, 9, 33).unwrap(),
            },
        ],
    };
    for compression in [
        iso19794_4::Compression::Uncompressed,
        iso19794_4::Compression::Png,
    ] {
        let bytes = record.to_bytes(compression);
        assert_eq!(iso19794_4::Record::parse(&bytes).unwrap(), record);
        assert_eq!(formats::decode_image(&bytes).unwrap(), image);
    }
    // A WSQ image inside a record.
    let wsq_bytes = data("ridges_129x97.wsq");
    let mut fir = record.to_bytes(iso19794_4::Compression::Uncompressed)[..32].to_vec();
    fir[18] = 1; // one view
    fir[29] = 2; // WSQ
    let block = 14 + wsq_bytes.len();
    fir.extend_from_slice(&(block as u32).to_be_bytes());
    fir.extend_from_slice(&hex("02 01 01 50 00 0081 0061 00"));
    fir.extend_from_slice(&wsq_bytes);
    let total = (fir.len() as u64).to_be_bytes();
    fir[8..14].copy_from_slice(&total[2..]);
    let (_, _, nist) = pgm("ridges_129x97.pgm");
    assert_eq!(formats::decode_image(&fir).unwrap().pixels(), &nist[..]);
    // 1000 ppi is halved to 500 ppi; 1200 ppi is refused, naming the resolution.
    let mut hi = record.to_bytes(iso19794_4::Compression::Uncompressed);
    hi[24..26].copy_from_slice(&1000u16.to_be_bytes());
    hi[26..28].copy_from_slice(&1000u16.to_be_bytes());
    let half = formats::decode_image(&hi).unwrap();
    assert_eq!((half.width(), half.height()), (20, 15));
    hi[24..26].copy_from_slice(&1200u16.to_be_bytes());
    let e = err(formats::decode_image(&hi));
    assert!(e.contains("1200 ppi"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// The fuzzing corpus (fuzz/corpus/<target>/): every file through every reader, without nightly.
// The same properties as the fuzz targets: no panic, written records read back to themselves.

/// The `wsq_round_trip` fuzz target: size, bit rate and pixels from bytes; encode then decode.
fn wsq_round_trip(data: &[u8]) {
    let [w, h, rate, pixels @ ..] = data else {
        return;
    };
    if pixels.is_empty() {
        return;
    }
    let (w, h) = (32 + u32::from(*w % 128), 32 + u32::from(*h % 128));
    let rate = 0.25 + f32::from(*rate % 200) / 32.0;
    let pixels: Vec<u8> = pixels
        .iter()
        .copied()
        .cycle()
        .take((w * h) as usize)
        .collect();
    let bytes = wsq::encode(&GrayImage::new(w, h, pixels).unwrap(), rate, None).unwrap();
    let decoded = wsq::decode(&bytes).unwrap();
    assert_eq!((decoded.image.width(), decoded.image.height()), (w, h));
}

#[test]
fn every_fuzz_corpus_file_goes_through_every_reader() {
    let root = format!("{}/fuzz/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut files = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(target.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            files += 1;
            let _ = formats::decode_image(&bytes);
            let mut soi = vec![0xFF, 0xA0];
            soi.extend_from_slice(bytes.get(2..).unwrap_or_default());
            let _ = wsq::decode(&soi);
            if let Ok((format, templates)) = formats::read_template(&bytes) {
                for t in &templates {
                    let written = formats::write_template(t, format);
                    let (_, again) = formats::read_template(&written).unwrap();
                    assert_eq!(
                        formats::write_template(&again[0], format),
                        written,
                        "{path:?}"
                    );
                }
            }
            if let Ok(record) = fmr::Record::parse(&bytes) {
                assert_eq!(record.to_bytes(), bytes, "{path:?}");
            }
            if let Ok(record) = fmr2011::Record::parse(&bytes) {
                assert_eq!(record.to_bytes(), bytes, "{path:?}");
            }
            if path.parent().is_some_and(|p| p.ends_with("wsq_round_trip")) {
                wsq_round_trip(&bytes);
            }
        }
    }
    assert!(files >= 10, "only {files} corpus files under {root}");
}

/// What marsad stores for itself keeps each direction to 1/65,536 of a turn (a vendor extended
/// data area), writes the standard fields exactly as `write_template` does, reads back stable,
/// and is ignored when it does not agree with the standard fields.
#[test]
fn precise_angles_survive_storage_and_other_readers_see_the_standard_record() {
    let mut rng = ChaCha8Rng::seed_from_u64(65_536);
    for i in 0..200 {
        let mut t = random_template(&mut rng, 256);
        t.minutiae.truncate(200);
        for m in &mut t.minutiae {
            m.angle = rng.gen_range(0.0..std::f32::consts::TAU);
        }
        let exact = formats::write_template_exact(&t);
        let (format, back) = formats::read_template(&exact).unwrap();
        assert_eq!(format, Format::Iso2005);
        for (got, want) in back[0].minutiae.iter().zip(&t.minutiae) {
            let d = (got.angle - want.angle).abs();
            let d = d.min(std::f32::consts::TAU - d);
            assert!(d < 1e-4, "case {i}: {} vs {}", got.angle, want.angle);
        }
        assert_eq!(formats::write_template_exact(&back[0]), exact, "case {i}");
        // The same record without the area is the standard one, byte for byte.
        let mut record = fmr::Record::parse(&exact).unwrap();
        assert_eq!(record.views[0].extended.len(), 4 + 2 * t.minutiae.len());
        record.views[0].extended.clear();
        assert_eq!(
            record.to_bytes(),
            formats::write_template(&back[0], Format::Iso2005),
            "case {i}"
        );
        // An area that disagrees with the standard fields is not believed.
        let mut record = fmr::Record::parse(&exact).unwrap();
        if let Some(m) = record.views[0].minutiae.first_mut() {
            m.angle = m.angle.wrapping_add(64);
            let quantised = record.to_templates();
            let standard = fmr::Record::parse(&formats::write_template(&back[0], Format::Iso2005))
                .unwrap()
                .to_templates();
            assert_ne!(quantised[0].minutiae[0].angle, t.minutiae[0].angle);
            assert!(
                quantised[0].minutiae[1..]
                    .iter()
                    .zip(&standard[0].minutiae[1..])
                    .all(|(a, b)| a.angle == b.angle),
                "case {i}: the standard fields are used"
            );
        }
    }
}
