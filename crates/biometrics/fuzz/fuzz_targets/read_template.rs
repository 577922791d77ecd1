//! Any bytes through `formats::read_template`; whatever it reads must write back to a record
//! that reads again to the same templates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marsad_biometrics::formats::{read_template, write_template};

fuzz_target!(|data: &[u8]| {
    if let Ok((format, templates)) = read_template(data) {
        for t in &templates {
            let bytes = write_template(t, format);
            let (again_format, again) = read_template(&bytes).expect("a written template reads");
            assert_eq!(again_format, format);
            assert_eq!(again.len(), 1);
            assert_eq!(write_template(&again[0], format), bytes);
        }
    }
});
