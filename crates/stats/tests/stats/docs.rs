//! `docs/indicators.md` shows the catalogue exactly as `catalogue::markdown` renders it. Run with
//! `MARSAD_BLESS=1` to rewrite the generated part after changing the catalogue.

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED: marsad_stats::catalogue::markdown -->\n";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn indicators_md_shows_the_catalogue() {
    let expected = marsad_stats::catalogue::markdown();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/indicators.md");
    let doc = std::fs::read_to_string(&path).expect("docs/indicators.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/indicators.md lacks the generated-section markers");
    };
    let current = &doc[b + BEGIN.len()..e];
    if current != expected {
        if std::env::var_os("MARSAD_BLESS").is_some() {
            let updated = format!("{}{BEGIN}{expected}{}", &doc[..b], &doc[e..]);
            std::fs::write(&path, updated).expect("write docs/indicators.md");
        } else {
            panic!(
                "docs/indicators.md is out of step with crates/stats/src/catalogue.rs; \
                 rerun with MARSAD_BLESS=1 to regenerate it"
            );
        }
    }
}
