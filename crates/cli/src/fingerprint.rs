//! `marsad fingerprint`: the fingerprint engine offline, on files (DESIGN's contract).
//!
//! - `extract --image FILE --out FILE` writes the ISO/IEC 19794-2:2005 template of a PNG, WSQ or
//!   ISO/IEC 19794-4 image (refusing, with the reason, an image too poor to use);
//! - `match --pairs FILE` reads a CSV `probe,candidate` of image or template paths and prints
//!   `probe,candidate,score` (higher = more alike: `-10·log10` of the false-match rate, 0–100).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use marsad_biometrics::extract::{extract, quality_gate, ExtractOptions};
use marsad_biometrics::formats::{self, Format};
use marsad_biometrics::index::{Abis, Gallery, IndexParams};
use marsad_biometrics::matcher::Calibration;
use marsad_biometrics::template::{FingerPosition, Template};

#[derive(Subcommand)]
pub enum FingerprintCommand {
    /// Extract the minutiae of a finger image into an ISO/IEC 19794-2:2005 template.
    Extract(ExtractArgs),
    /// Compare pairs of fingerprints (images or templates) listed in a CSV `probe,candidate`.
    Match(MatchArgs),
}

#[derive(Args)]
pub struct ExtractArgs {
    /// A PNG, WSQ or ISO/IEC 19794-4 image at 500 ppi (other resolutions are rescaled).
    #[arg(long)]
    image: PathBuf,
    /// Where to write the template.
    #[arg(long)]
    out: PathBuf,
    /// The finger (right_thumb ... left_little), written into the template.
    #[arg(long)]
    finger: Option<String>,
    /// Refuse images whose quality (0–100) is below this.
    #[arg(long, default_value_t = 25)]
    min_quality: u8,
}

#[derive(Args)]
pub struct MatchArgs {
    /// CSV with a header `probe,candidate`; each a path to an image or a template (relative
    /// paths are read from the CSV's folder).
    #[arg(long)]
    pairs: PathBuf,
}

pub fn run(cmd: FingerprintCommand) -> Result<()> {
    match cmd {
        FingerprintCommand::Extract(args) => extract_command(&args),
        FingerprintCommand::Match(args) => match_command(&args),
    }
}

/// A template from a file: read as a template, or extracted from an image.
fn template_of(path: &Path, min_quality: Option<u8>) -> Result<Template> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if formats::sniff_template(&bytes).is_some() {
        let (_, templates) = formats::read_template(&bytes)
            .with_context(|| format!("{}: not a readable template", path.display()))?;
        return templates
            .into_iter()
            .next()
            .with_context(|| format!("{}: the template holds no finger view", path.display()));
    }
    let image = formats::decode_image(&bytes)
        .with_context(|| format!("{}: not a fingerprint image or template", path.display()))?;
    let extraction = extract(&image, &ExtractOptions::default())
        .with_context(|| format!("{}: cannot extract minutiae", path.display()))?;
    if let Some(threshold) = min_quality {
        if let Err(low) = quality_gate(&extraction.quality, threshold) {
            bail!("{}: {low}", path.display());
        }
    }
    Ok(extraction.template)
}

fn extract_command(args: &ExtractArgs) -> Result<()> {
    let mut template = template_of(&args.image, Some(args.min_quality))?;
    if let Some(name) = &args.finger {
        template.position = FingerPosition::from_name(name)
            .with_context(|| format!("unknown finger '{name}' (right_thumb ... left_little)"))?;
    }
    let bytes = formats::write_template(&template, Format::Iso2005);
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "{}: {} minutiae, quality {} -> {} ({} bytes, ISO/IEC 19794-2:2005)",
        args.image.display(),
        template.minutiae.len(),
        template.quality,
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

fn match_command(args: &MatchArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.pairs)
        .with_context(|| format!("cannot read {}", args.pairs.display()))?;
    let base = args.pairs.parent().unwrap_or(Path::new("."));
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim().eq_ignore_ascii_case("probe,candidate") => {}
        _ => bail!(
            "{}: the first line must be the header probe,candidate",
            args.pairs.display()
        ),
    }
    let mut cache: std::collections::HashMap<PathBuf, Template> = Default::default();
    let mut load = |name: &str, row: usize| -> Result<Template> {
        let path = base.join(name.trim());
        if let Some(t) = cache.get(&path) {
            return Ok(t.clone());
        }
        let t = template_of(&path, None)
            .with_context(|| format!("{} row {row}", args.pairs.display()))?;
        cache.insert(path, t.clone());
        Ok(t)
    };
    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    writeln!(out, "probe,candidate,score")?;
    for (i, line) in lines {
        let row = i; // the header is line 1, the first pair row 1
        if line.trim().is_empty() {
            continue;
        }
        let Some((probe, candidate)) = line.split_once(',') else {
            bail!(
                "{} row {row}: expected two paths separated by a comma",
                args.pairs.display()
            );
        };
        let (p, c) = (load(probe, row)?, load(candidate, row)?);
        // One reference, one finger: position is ignored for an offline comparison.
        let mut gallery = Gallery::new(IndexParams::default(), Calibration::default());
        let mut c = c;
        c.position = p.position;
        gallery
            .insert("candidate", vec![c])
            .map_err(|e| anyhow::anyhow!("{} row {row}: {e}", args.pairs.display()))?;
        let score = gallery
            .verify("candidate", std::slice::from_ref(&p))
            .map_err(|e| anyhow::anyhow!("{} row {row}: {e}", args.pairs.display()))?
            .score;
        writeln!(out, "{},{},{score:.2}", probe.trim(), candidate.trim())?;
    }
    Ok(())
}
