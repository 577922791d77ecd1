//! The translation files are complete: every message exists in Arabic, French and English, none
//! is left untranslated, and every key the code asks for exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use marsad_model::Lang;
use marsad_portal::i18n::{catalog, Catalog, SOURCES};

/// Messages that are the same in French and English on purpose.
const SAME_IN_FRENCH_AND_ENGLISH: &[&str] = &[
    "footer-api",
    // Words spelt alike in both languages.
    "gcm-report-action",
    "gcm-report-actions",
    "gcm-report-budget",
    "gcm-report-dates",
    "gcm-report-source",
    "complaint-category-discrimination",
];

#[test]
fn the_files_parse_without_a_mistake() {
    let (_, errors) = Catalog::build(&SOURCES);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_message_exists_in_the_three_languages() {
    let c = catalog();
    let all: BTreeSet<&String> = Lang::ALL.iter().flat_map(|l| c.keys(*l)).collect();
    assert!(all.len() > 10, "only {} messages", all.len());
    for lang in Lang::ALL {
        let missing: Vec<_> = all.iter().filter(|k| !c.keys(lang).contains(**k)).collect();
        assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
    }
}

#[test]
fn no_message_is_left_untranslated() {
    let c = catalog();
    let (ar, fr, en) = (c.tr(Lang::Ar), c.tr(Lang::Fr), c.tr(Lang::En));
    for key in c.keys(Lang::En) {
        let (a, f, e) = (ar.t(key), fr.t(key), en.t(key));
        for (lang, text) in [("ar", &a), ("fr", &f), ("en", &e)] {
            assert!(!text.trim().is_empty(), "{lang} {key} is empty");
        }
        assert!(
            a.chars().any(|ch| ('\u{600}'..='\u{6ff}').contains(&ch)),
            "ar {key} is not in Arabic: {a}"
        );
        assert!(
            f != e || SAME_IN_FRENCH_AND_ENGLISH.contains(&key.as_str()),
            "fr {key} is the English text: {f}"
        );
    }
}

#[test]
fn a_missing_key_shows_as_the_key_not_as_nothing() {
    let tr = catalog().tr(Lang::Fr);
    assert_eq!(tr.t("no-such-message"), "[no-such-message]");
    assert!(!tr.has("no-such-message"));
    assert!(tr.has("site-name"));
}

#[test]
fn arabic_plurals_follow_arabic_rules() {
    let (c, errors) = Catalog::build(&[(
        Lang::Ar,
        &[(
            "test.ftl",
            "n = { $n ->\n [zero] لا شيء\n [one] واحد\n [two] اثنان\n [few] قليل\n [many] كثير\n *[other] آخر\n}\n",
        )],
    )]);
    assert!(errors.is_empty(), "{errors:?}");
    let tr = c.tr(Lang::Ar);
    let arg = |n| tr.t_with("n", &[("n", marsad_portal::i18n::Arg::Num(n))]);
    assert_eq!(arg(0), "لا شيء");
    assert_eq!(arg(1), "واحد");
    assert_eq!(arg(2), "اثنان");
    assert_eq!(arg(5), "قليل");
    assert_eq!(arg(11), "كثير");
    assert_eq!(arg(100), "آخر");
}

/// Every literal key passed to `t("…")` or `t_with("…"` in the portal's and the server's page
/// code exists.
#[test]
fn every_key_the_code_uses_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["crates/portal/src", "crates/server/src/portal"] {
        collect_rs(&root.join(dir), &mut files);
    }
    let c = catalog();
    let mut used = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in [".t(\"", ".t_with(\""] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                used += 1;
                for lang in Lang::ALL {
                    assert!(
                        c.keys(lang).contains(key),
                        "{}: key {key} is missing in {lang:?}",
                        file.display()
                    );
                }
            }
        }
    }
    assert!(used > 5, "found only {used} keys in the code");
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_rs(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
