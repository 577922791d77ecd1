//! Any bytes through `formats::decode_image` (PNG, WSQ, ISO/IEC 19794-4): an error or an image,
//! never a panic, never an allocation beyond the size limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = marsad_biometrics::formats::decode_image(data);
});
