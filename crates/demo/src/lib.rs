//! `marsad-demo` generates a believable synthetic national migration data set: the export files
//! eight institutions of a Maghreb origin-and-transit country would send (CSV in several
//! encodings and dialects, an Excel workbook, JSON Lines), each with its mapping file
//! (docs/mappings.md) onto the canonical record kinds (docs/record-kinds.md).
//!
//! What it owns: the synthetic population, the way each institution spells and records it, the
//! small share of deliberately bad rows, and `manifest.json`. What it does not do: import,
//! link or serve anything — the caller imports the files through the real import path.
//!
//! Invariants: pure and reproducible — the same [`DemoConfig`] gives byte-identical files; no
//! clock is read (`today` is configuration); rows are streamed to disk.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub mod gcm;
mod linkage;
mod names;
mod out;
mod population;
mod sources;
mod spell;
mod world;

pub use linkage::{
    arabic_keyboard, linkage_benchmark, LinkageConfig, LinkageFile, LinkageSet,
    CANONICAL_PERSON_HEADER, RECORDS_PER_PERSON, TRUTH_FILE,
};
pub use sources::SOURCE_NAMES;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Size of the synthetic population.
    pub people: usize,
    /// First year of event data (crossings, placements, ...).
    pub first_year: i32,
    /// Last year of event data.
    pub last_year: i32,
    /// The day the exports are made; nothing happens after it.
    pub today: NaiveDate,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 2024,
            people: 200_000,
            first_year: 2019,
            last_year: 2024,
            today: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap_or_default(),
        }
    }
}

/// An institution that sends data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoInstitution {
    /// Short machine name.
    pub name: String,
    /// Display title.
    pub title: String,
    /// statistics, border_police, labour_agency, consulate, central_bank, anti_trafficking,
    /// ministry, observatory.
    pub kind: String,
}

/// One generated export file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFile {
    /// Data source name (for `marsad source add`).
    pub source: String,
    /// Name of the institution that owns the source.
    pub institution: String,
    /// The export file.
    pub path: PathBuf,
    /// Its mapping file (`None` for a file already in the canonical person CSV).
    pub mapping: Option<PathBuf>,
    /// Data rows written.
    pub rows: u64,
    /// Rows deliberately made invalid (impossible date, unknown country, empty required
    /// field); an import should quarantine exactly these.
    #[serde(default)]
    pub bad_rows: u64,
}

/// What was generated, in import order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub institutions: Vec<DemoInstitution>,
    pub files: Vec<DemoFile>,
}

/// File name of the manifest inside the data folder.
pub const MANIFEST_FILE: &str = "manifest.json";

impl Manifest {
    /// Reads `<dir>/manifest.json`; file paths in it are relative to `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, DemoError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(out::io_err(&path))?;
        let mut m: Manifest =
            serde_json::from_str(&text).map_err(|source| DemoError::Manifest {
                path: path.clone(),
                source,
            })?;
        for f in &mut m.files {
            f.path = dir.join(&f.path);
            f.mapping = f.mapping.as_ref().map(|p| dir.join(p));
        }
        Ok(m)
    }

    fn save(&self, dir: &Path) -> Result<(), DemoError> {
        let mut relative = self.clone();
        for f in &mut relative.files {
            f.path = strip(dir, &f.path);
            f.mapping = f.mapping.as_ref().map(|p| strip(dir, p));
        }
        let path = dir.join(MANIFEST_FILE);
        let mut text =
            serde_json::to_string_pretty(&relative).map_err(|source| DemoError::Manifest {
                path: path.clone(),
                source,
            })?;
        text.push('\n');
        std::fs::write(&path, text).map_err(out::io_err(&path))
    }

    /// Total data rows over all files.
    pub fn total_rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Total deliberately bad rows over all files.
    pub fn total_bad_rows(&self) -> u64 {
        self.files.iter().map(|f| f.bad_rows).sum()
    }
}

fn strip(dir: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("invalid demo configuration: {0}")]
    Config(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write CSV {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write the workbook {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("cannot read or write the manifest {path}: {source}")]
    Manifest {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// A reproducible random stream for one purpose (`tag`) and one item (`idx`), independent of
/// the order in which other streams are used.
pub(crate) fn rng_for(seed: u64, tag: &str, idx: u64) -> ChaCha8Rng {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(mix(seed ^ mix(h ^ mix(idx))))
}

/// Generates the data set into `dir` (created if missing) and writes `manifest.json`.
/// `progress` is called with a file name and the rows written so far.
pub fn generate(
    dir: &Path,
    cfg: &DemoConfig,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Manifest, DemoError> {
    generate_inner(dir, cfg, progress).map(|(m, _)| m)
}

/// Like [`generate`], also returning for each person the bit set of sources they appear in.
pub(crate) fn generate_inner(
    dir: &Path,
    cfg: &DemoConfig,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<(Manifest, Vec<u16>), DemoError> {
    if cfg.first_year > cfg.last_year {
        return Err(DemoError::Config(format!(
            "first_year {} is after last_year {}",
            cfg.first_year, cfg.last_year
        )));
    }
    if chrono::Datelike::year(&cfg.today) <= cfg.last_year {
        return Err(DemoError::Config(format!(
            "today {} must be after the last year {}",
            cfg.today, cfg.last_year
        )));
    }
    if cfg.people < 10 {
        return Err(DemoError::Config("people must be at least 10".to_string()));
    }
    std::fs::create_dir_all(dir).map_err(out::io_err(dir))?;
    let names = names::Names::load();
    let people = population::build(cfg, &names);
    let ctx = sources::Ctx {
        cfg,
        names: &names,
        people: &people,
    };
    let mut seen = vec![0u16; people.len()];
    let mut files = Vec::new();
    for source in sources::SOURCES {
        let written = (source.write)(&ctx, dir, &mut seen, progress)?;
        files.push(DemoFile {
            source: source.name.to_string(),
            institution: source.institution.to_string(),
            path: dir.join(&written.file),
            mapping: written.mapping.as_ref().map(|m| dir.join(m)),
            rows: written.rows,
            bad_rows: written.bad_rows,
        });
    }
    let manifest = Manifest {
        institutions: sources::institutions(),
        files,
    };
    manifest.save(dir)?;
    Ok((manifest, seen))
}
