//! The FVC protocol on a synthetic (or any FVC-layout) data set, for any number of systems.
//!
//! ```text
//! # the protocol's pairs as `probe,candidate` image paths (what `marsad fingerprint match --pairs` reads)
//! cargo run --release -p marsad-biometrics --example eval_fvc -- pairs --dir DIR --fingers F --impressions I [--ext png]
//!
//! # figures of each system side by side, and one DET chart
//! cargo run --release -p marsad-biometrics --example eval_fvc -- report --fingers F --impressions I \
//!     --system NBIS=nbis_scores.csv[:nbis_fte.txt] [--system marsad=marsad_scores.csv[:marsad_fte.txt]] \
//!     [--svg det.svg] [--title TEXT]
//! ```
//!
//! A scores file is CSV `probe,candidate,score` (a header line is allowed): probe and candidate
//! are image paths or names whose file stem is the FVC name `<finger>_<impression>` (1-based);
//! the score is a number, higher = more alike; an empty or non-numeric score, or a protocol pair
//! missing from the file, is a failed comparison (a non-match). The optional failures file lists
//! the images the system failed to enrol, one per line; every comparison involving one of them
//! is a failed comparison, and they make the FTE.

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::path::{Path, PathBuf};

use marsad_biometrics::synth::eval::{det_svg, figures, fvc_pairs, Figures, Scores};
use marsad_biometrics::synth::SampleId;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("usage: eval_fvc pairs|report ...")?;
    let (mut dir, mut fingers, mut impressions) = (PathBuf::from("."), 0u32, 0u32);
    let (mut ext, mut svg, mut title) = (
        "png".to_string(),
        None::<PathBuf>,
        "DET (FVC protocol)".to_string(),
    );
    let mut systems: Vec<(String, PathBuf, Option<PathBuf>)> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dir" => dir = PathBuf::from(value),
            "--fingers" => fingers = value.parse()?,
            "--impressions" => impressions = value.parse()?,
            "--ext" => ext = value,
            "--svg" => svg = Some(PathBuf::from(value)),
            "--title" => title = value,
            "--system" => {
                let (name, files) = value.split_once('=').ok_or("--system NAME=FILE")?;
                let (scores, failures) = match files.split_once(':') {
                    Some((s, f)) => (s, Some(PathBuf::from(f))),
                    None => (files, None),
                };
                systems.push((name.to_string(), PathBuf::from(scores), failures));
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    match command.as_str() {
        "pairs" => {
            println!("probe,candidate");
            for p in fvc_pairs(fingers, impressions) {
                let path = |id: SampleId| dir.join(format!("{}.{ext}", id.fvc_name()));
                println!(
                    "{},{}",
                    path(p.probe).display(),
                    path(p.candidate).display()
                );
            }
            Ok(())
        }
        "report" => report(fingers, impressions, &systems, svg.as_deref(), &title),
        other => Err(format!("unknown command {other} (pairs, report)").into()),
    }
}

/// The FVC sample an image path or name stands for.
fn sample_of(name: &str) -> Option<SampleId> {
    let file = Path::new(name.trim()).file_name()?.to_str()?;
    let stem = file.split('.').next()?;
    let (i, j) = stem.split_once('_')?;
    let (i, j): (u32, u32) = (i.parse().ok()?, j.parse().ok()?);
    Some(SampleId::new(i.checked_sub(1)?, j.checked_sub(1)?))
}

fn load(
    fingers: u32,
    impressions: u32,
    scores_path: &Path,
    failures_path: Option<&Path>,
) -> Result<Scores, Box<dyn Error>> {
    let text = std::fs::read_to_string(scores_path)
        .map_err(|e| format!("{}: {e}", scores_path.display()))?;
    let mut table: HashMap<(SampleId, SampleId), Option<f64>> = HashMap::new();
    for line in text.lines() {
        let mut cells = line.split(',');
        let (Some(a), Some(b)) = (cells.next(), cells.next()) else {
            continue;
        };
        let (Some(a), Some(b)) = (sample_of(a), sample_of(b)) else {
            continue; // the header, or a pair outside the protocol
        };
        let score = cells
            .next()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite());
        table.insert((a, b), score);
        table.insert((b, a), score);
    }
    let mut failed = HashSet::new();
    if let Some(path) = failures_path {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        failed.extend(text.lines().filter_map(sample_of));
    }
    let mut scores = Scores {
        enrolment_attempts: (fingers * impressions) as usize,
        enrolment_failures: failed.len(),
        ..Scores::default()
    };
    for pair in fvc_pairs(fingers, impressions) {
        let score = if failed.contains(&pair.probe) || failed.contains(&pair.candidate) {
            None
        } else {
            table.get(&(pair.probe, pair.candidate)).copied().flatten()
        };
        if pair.genuine {
            scores.genuine.push(score);
        } else {
            scores.impostor.push(score);
        }
    }
    Ok(scores)
}

fn report(
    fingers: u32,
    impressions: u32,
    systems: &[(String, PathBuf, Option<PathBuf>)],
    svg: Option<&Path>,
    title: &str,
) -> Result<(), Box<dyn Error>> {
    let mut loaded = Vec::new();
    for (name, scores, failures) in systems {
        loaded.push((
            name.as_str(),
            load(fingers, impressions, scores, failures.as_deref())?,
        ));
    }
    let all: Vec<(&str, Option<Figures>)> = loaded.iter().map(|(n, s)| (*n, figures(s))).collect();
    println!(
        "{:<12} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "system", "genuine", "impost.", "FTE %", "EER %", "FMR100", "FMR1000", "ZeroFMR", "missing"
    );
    for ((name, f), (_, s)) in all.iter().zip(&loaded) {
        let missing = s
            .genuine
            .iter()
            .chain(&s.impostor)
            .filter(|v| v.is_none())
            .count();
        match f {
            Some(f) => println!(
                "{:<12} {:>7} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8}",
                name,
                f.genuine,
                f.impostor,
                100.0 * f.fte,
                100.0 * f.eer,
                100.0 * f.fmr100,
                100.0 * f.fmr1000,
                100.0 * f.zero_fmr,
                missing
            ),
            None => println!("{name:<12} no genuine or no impostor pairs"),
        }
    }
    if let [(a, Some(fa)), (b, Some(fb)), ..] = all.as_slice() {
        if fa.eer > 0.0 {
            println!("EER ratio {b}/{a}: {:.2}", fb.eer / fa.eer);
        }
    }
    if let Some(path) = svg {
        let refs: Vec<(&str, &Scores)> = loaded.iter().map(|(n, s)| (*n, s)).collect();
        std::fs::write(path, det_svg(title, &refs))?;
        println!("DET chart: {}", path.display());
    }
    Ok(())
}
