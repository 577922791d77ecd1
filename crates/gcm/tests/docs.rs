//! `docs/gcm.md` shows the GCM catalogue exactly as [`marsad_gcm::catalogue::markdown`] renders
//! it. Run with `MARSAD_BLESS=1` to rewrite the generated part after changing the catalogue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED: marsad_gcm::catalogue::markdown -->\n";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn gcm_md_shows_the_catalogue() {
    let expected = marsad_gcm::catalogue::markdown();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/gcm.md");
    let doc = std::fs::read_to_string(&path).expect("docs/gcm.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/gcm.md lacks the generated-section markers");
    };
    let current = &doc[b + BEGIN.len()..e];
    if current != expected {
        if std::env::var_os("MARSAD_BLESS").is_some() {
            let updated = format!("{}{BEGIN}{expected}{}", &doc[..b], &doc[e..]);
            std::fs::write(&path, updated).expect("write docs/gcm.md");
        } else {
            panic!(
                "docs/gcm.md is out of step with crates/gcm/src/catalogue.rs; \
                 rerun with MARSAD_BLESS=1 to regenerate it"
            );
        }
    }
}
