//! marsad's Global Compact for Migration (GCM) monitoring, as pure rules over data:
//!
//! - [`catalogue`]: the 23 objectives and 10 guiding principles of the Global Compact for Safe,
//!   Orderly and Regular Migration (A/RES/73/195) in Arabic, French and English, their usual SDG
//!   links, and the six implementation steps the regional review names;
//! - [`plan`]: a national implementation plan (actions, indicators, evaluations), its validation,
//!   its change history and the per-objective progress summary that feeds the GCM review report;
//! - [`referral`]: the national referral mechanism for trafficking victims as a state machine
//!   (who may move which referral, due dates, overdue checks);
//! - [`incidents`]: missing-migrant incidents (IOM Missing Migrants Project fields), their
//!   validation, deduplication across sources and the SDG 10.7.3 figure;
//! - [`complaints`]: complaint reference numbers a migrant can follow and the complaint workflow.
//!
//! What this crate does **not** do: no I/O, no SQL, no HTTP, no async, and it never reads the
//! clock or a random source itself — "now", "today" and random numbers are parameters. Storing
//! plans, referrals, incidents and complaints is the store's job; drawing the progress report is
//! the portal's (`marsad-portal::gcm_report`), writing it to a file (and printing it to PDF) the
//! CLI's.

pub mod catalogue;
pub mod complaints;
pub mod incidents;
pub mod plan;
pub mod referral;

/// Checks a set of labels: every language filled, Arabic in Arabic script, no two alike.
#[cfg(test)]
pub(crate) fn check_labels(labels: &[catalogue::Trilingual]) {
    use marsad_model::Lang;
    for l in labels {
        for lang in Lang::ALL {
            assert!(!l.get(lang).trim().is_empty(), "{l:?} lacks {lang:?}");
        }
        assert!(l.ar.chars().all(|c| !c.is_ascii_alphabetic()), "{l:?}");
        assert!(
            l.ar.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c)),
            "{l:?}"
        );
    }
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[..i] {
            for lang in Lang::ALL {
                assert_ne!(a.get(lang), b.get(lang), "two labels alike in {lang:?}");
            }
        }
    }
}
