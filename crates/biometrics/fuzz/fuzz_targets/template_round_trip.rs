//! Byte-exactness: whenever a minutiae record parses, writing it gives back the input bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marsad_biometrics::formats::{fmr, fmr2011};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = fmr::Record::parse(data) {
        assert_eq!(record.to_bytes(), data);
    }
    if let Ok(record) = fmr2011::Record::parse(data) {
        assert_eq!(record.to_bytes(), data);
    }
});
