//! Format tests against files: WSQ decoding against NIST's NBIS, every cut of a WSQ file, the
//! fuzzing corpus run through every reader.

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
        assert_eq!((decoded.image.width(), decoded.image.height()), (w, h), "{name}");
        let differing = decoded
            .image
            .pixels()
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(differing, 0, "{name}: {differing} pixels differ from NBIS");
        assert_eq!(decoded.ppi, Some(500), "{name}");
        // decode_image sniffs WSQ and keeps the 500 ppi image as it is.
        assert_eq!(formats::decode_image(&data(&format!("{name}.wsq"))).unwrap(), decoded.image);
    }
}

#[test]
fn wsq_cut_anywhere_is_an_error_not_a_panic() {
    let file = data("ridges_129x97.wsq");
    for cut in 0..file.len() {
        let result = wsq::decode(&file[..cut]);
        assert!(result.is_err(), "cut at {cut} decoded");
    }
    let err = wsq::decode(&file[..1000]).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { format: "WSQ", .. }), "{err}");
}
