//! `docs/access.md` shows the default policy's tables exactly as `marsad policy show` prints
//! them. Run with `MARSAD_BLESS=1` to rewrite the generated part after changing the policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED: marsad policy show -->\n";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn access_md_shows_the_default_policy() {
    let policy = marsad_policy::default_policy().expect("default policy");
    let expected = marsad_policy::table::markdown(&policy);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/access.md");
    let doc = std::fs::read_to_string(&path).expect("docs/access.md");
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/access.md lacks the generated-section markers");
    };
    let current = &doc[b + BEGIN.len()..e];
    if current != expected {
        if std::env::var_os("MARSAD_BLESS").is_some() {
            let updated = format!("{}{BEGIN}{expected}{}", &doc[..b], &doc[e..]);
            std::fs::write(&path, updated).expect("write docs/access.md");
        } else {
            panic!(
                "docs/access.md is out of step with crates/policy/default-policy.toml; \
                 rerun with MARSAD_BLESS=1 to regenerate it"
            );
        }
    }
}
