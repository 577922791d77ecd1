//! Published figures: the orchestration between the records in the store, the pure statistics
//! of `marsad-stats` and what leaves the secure zone.
//!
//! - [`refresh`]: reads the current records (all kinds), groups them into *units* (a unified
//!   person with every record of theirs, or one unlinked record), computes each unit's facts and
//!   keeps the cube in the store; an incremental refresh recomputes only the units that changed
//!   since the watermark and applies the net change, in one store transaction.
//! - [`tables`]: the published cube in memory and protected tables: every table is passed
//!   through the disclosure module (primary suppression by the indicator's minimum frequency,
//!   secondary suppression so no suppressed cell can be recovered from the margins) before it
//!   is shown; suppressed cells are flagged `C` or `D` and carry no value, never a zero.
//! - [`publish`]: the SDMX structures (one dataflow per indicator with data) and data sets built
//!   from protected tables, for the server's `/sdmx/2.1/` and `marsad export sdmx`.
//! - [`microdata`]: research extracts: linked records flattened to one row per unit, keyed
//!   pseudonyms per extract, quasi-identifiers treated by `marsad-stats`' k-anonymity (recoding,
//!   local suppression) and released only when the risk is below the level in force.
//! - [`settings`]: what the figures are computed with (reporting country, end of data, reference
//!   dates of censuses and surveys, exchange rates, statistical inputs), kept with the cube.
//! - [`inputs`]: figures not in the records that indicators are computed over (GDP for SDG
//!   17.3.2), per input code and period with their history, checked and given.
//!
//! This crate does no HTTP and no SQL (it calls the [`marsad_store::Store`] trait), and reads no
//! clock: the date and time of a refresh are parameters.

pub mod inputs;
pub mod joint;
pub mod microdata;
pub mod publish;
pub mod refresh;
pub mod settings;
pub mod tables;

pub use publish::{sdmx_structures, Publication};
pub use refresh::{refresh, Progress, RefreshReport};
pub use settings::Settings;
pub use tables::{ProtectedCell, ProtectedTable, Published, TableRequest};

use marsad_stats::catalogue::IndicatorId;
use marsad_stats::disclosure::DisclosureError;

/// What can go wrong while computing or publishing figures. Messages name the indicator, unit
/// or setting at fault and never a person's data.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    #[error(transparent)]
    Store(#[from] marsad_store::StoreError),
    #[error("{field}: {reason}")]
    Input { field: &'static str, reason: String },
    #[error("statistics settings: {0}")]
    Settings(String),
    #[error(
        "stored facts of unit {unit}: {reason}; run a full refresh (`marsad stats refresh --full`)"
    )]
    StoredFacts { unit: String, reason: String },
    #[error("the cube: {0}")]
    Cube(#[from] marsad_stats::cube::CubeError),
    #[error("no indicator '{0}'")]
    UnknownIndicator(String),
    #[error("{indicator} cannot be disaggregated by '{dim}' (allowed: {allowed})")]
    UnknownDimension {
        indicator: IndicatorId,
        dim: String,
        allowed: String,
    },
    #[error("'{0}' is not a period (YYYY, YYYY-Qn or YYYY-MM)")]
    BadPeriod(String),
    #[error("{indicator}: a table of {cells} cells is too large to protect (at most {max}); ask for fewer dimensions")]
    TableTooLarge {
        indicator: IndicatorId,
        cells: usize,
        max: usize,
    },
    #[error("{indicator}: {period} is not published: {reason}")]
    NotPublished {
        indicator: IndicatorId,
        period: String,
        reason: String,
    },
    #[error("{indicator}: disclosure control failed: {source}")]
    Disclosure {
        indicator: IndicatorId,
        #[source]
        source: DisclosureError,
    },
    #[error("SDMX: {0}")]
    SdmxBuild(#[from] marsad_sdmx::BuildError),
    #[error("SDMX: {0}")]
    Sdmx(#[from] marsad_sdmx::SdmxError),
}

pub type Result<T, E = FiguresError> = std::result::Result<T, E>;

/// HMAC-SHA-256 of `text` under `key`: the units' record keys of the cell key method and the
/// research extracts' pseudonyms.
pub(crate) fn keyed_hash(key: &[u8], text: &str) -> [u8; 32] {
    use hmac::{Hmac, KeyInit as _, Mac as _};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length: not reached.
        return [0; 32];
    };
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tidy {
    /// Every module opens with `//!` docs saying what it owns.
    #[test]
    fn every_module_has_docs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(text.starts_with("//!"), "{} lacks //! docs", p.display());
                n += 1;
            }
        }
        assert!(n >= 5);
    }
}
