//! Any bytes through the WSQ decoder; the input is forced to start with the SOI marker so the
//! fuzzer spends its time inside the decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = vec![0xFF, 0xA0];
    input.extend_from_slice(data.get(2..).unwrap_or_default());
    let _ = marsad_biometrics::formats::wsq::decode(&input);
});
