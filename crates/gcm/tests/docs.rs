//! `docs/gcm.md` shows the GCM catalogue, the referral transitions and the complaint workflow
//! exactly as the crate renders them. Run with `MARSAD_BLESS=1` to rewrite the generated parts
//! after changing the code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const END: &str = "<!-- END GENERATED -->";

#[test]
fn gcm_md_is_in_step_with_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/gcm.md");
    let mut doc = std::fs::read_to_string(&path).expect("docs/gcm.md");
    let sections = [
        (
            "marsad_gcm::catalogue::markdown",
            marsad_gcm::catalogue::markdown(),
        ),
        (
            "marsad_gcm::referral::markdown",
            marsad_gcm::referral::markdown(),
        ),
        (
            "marsad_gcm::complaints::markdown",
            marsad_gcm::complaints::markdown(),
        ),
    ];
    let mut stale = Vec::new();
    for (name, expected) in sections {
        let begin = format!("<!-- BEGIN GENERATED: {name} -->\n");
        let Some(b) = doc.find(&begin) else {
            panic!("docs/gcm.md lacks the marker {begin}");
        };
        let Some(e) = doc[b..].find(END).map(|e| b + e) else {
            panic!("docs/gcm.md lacks the end marker after {begin}");
        };
        if doc[b + begin.len()..e] != expected {
            stale.push(name);
            doc = format!("{}{begin}{expected}{}", &doc[..b], &doc[e..]);
        }
    }
    if !stale.is_empty() {
        if std::env::var_os("MARSAD_BLESS").is_some() {
            std::fs::write(&path, doc).expect("write docs/gcm.md");
        } else {
            panic!(
                "docs/gcm.md is out of step with {stale:?}; rerun with MARSAD_BLESS=1 to regenerate it"
            );
        }
    }
}
