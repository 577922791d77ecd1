//! Fast FVC evaluation of marsad on a folder of `<finger>_<impression>.png` images: every image is
//! extracted once (on two threads), then every protocol pair is scored with the gallery's
//! `verify`, exactly as `marsad fingerprint match` does, and the figures are printed.
//!
//! `cargo run --release -p marsad-biometrics --example eval_dir -- --dir /tmp/fp-tune --fingers 60
//! --impressions 8 [--out scores.csv] [--cache DIR] [--worst N]`
//!
//! - `--out`: writes `probe,candidate,score` for `eval_fvc report` (and `run.sh --marsad-scores`);
//! - `--cache DIR`: keeps the extracted templates in DIR as the server stores them (ISO/IEC
//!   19794-2:2005 with marsad's precise angles, `formats::write_template_exact`) and reuses them,
//!   so that matcher changes are evaluated without extracting again (clear DIR when extraction
//!   changes; a cache written before the precise angles holds quantised ones);
//! - `--worst N`: lists the N genuine pairs with the lowest scores and their minutia counts.

use std::error::Error;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use marsad_biometrics::extract::{extract, ExtractOptions};
use marsad_biometrics::formats;
use marsad_biometrics::index::{Abis, Gallery, IndexParams};
use marsad_biometrics::matcher::{Calibration, FeatureSet};
use marsad_biometrics::synth::eval::{figures, fvc_pairs, Scores};
use marsad_biometrics::synth::SampleId;
use marsad_biometrics::template::Template;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut fingers, mut impressions) = (PathBuf::from("."), 0u32, 0u32);
    let (mut out, mut cache, mut worst) = (None::<PathBuf>, None::<PathBuf>, 0usize);
    let mut show: Vec<String> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dir" => dir = PathBuf::from(value),
            "--fingers" => fingers = value.parse()?,
            "--impressions" => impressions = value.parse()?,
            "--out" => out = Some(PathBuf::from(value)),
            "--cache" => cache = Some(PathBuf::from(value)),
            "--worst" => worst = value.parse()?,
            "--show" => show.push(value),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if let Some(c) = &cache {
        std::fs::create_dir_all(c)?;
    }
    let ids: Vec<SampleId> = (0..fingers)
        .flat_map(|f| (0..impressions).map(move |i| SampleId::new(f, i)))
        .collect();
    let start = Instant::now();
    let threads = 2;
    let templates: Vec<Option<Template>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let (ids, dir, cache) = (&ids, &dir, &cache);
                s.spawn(move || {
                    ids.iter()
                        .enumerate()
                        .filter(|(n, _)| n % threads == k)
                        .map(|(_, &id)| template_of(dir, cache.as_ref(), id))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let parts: Vec<Vec<Option<Template>>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        (0..ids.len())
            .map(|n| {
                parts
                    .get(n % threads)
                    .and_then(|p| p.get(n / threads))
                    .cloned()
                    .flatten()
            })
            .collect()
    });
    let failures = templates.iter().filter(|t| t.is_none()).count();
    eprintln!(
        "templates: {} ({} failed) in {:.1} s",
        templates.len(),
        failures,
        start.elapsed().as_secs_f64()
    );
    let template = |id: SampleId| -> Option<&Template> {
        let n = (id.finger * impressions + id.impression) as usize;
        templates.get(n)?.as_ref()
    };
    for pair in &show {
        let parse = |s: &str| -> Option<SampleId> {
            let (f, i) = s.split_once('_')?;
            Some(SampleId::new(
                f.parse::<u32>().ok()? - 1,
                i.parse::<u32>().ok()? - 1,
            ))
        };
        let Some((a, b)) = pair.split_once(',') else {
            continue;
        };
        if let (Some(a), Some(b)) = (parse(a).and_then(template), parse(b).and_then(template)) {
            let (fa, fb) = (FeatureSet::new(a), FeatureSet::new(b));
            println!(
                "{pair}: {} / {} minutiae, {} / {} cylinders, raw {:.4}, score {:?}",
                a.minutiae.len(),
                b.minutiae.len(),
                fa.cylinders().len(),
                fb.cylinders().len(),
                marsad_biometrics::matcher::compare(&fa, &fb),
                verify(a, b)
            );
        }
    }
    let start = Instant::now();
    let pairs = fvc_pairs(fingers, impressions);
    let mut scores = Scores {
        enrolment_attempts: templates.len(),
        enrolment_failures: failures,
        ..Scores::default()
    };
    let mut raw = Scores::default();
    let mut matcher = marsad_biometrics::matcher::Matcher::new();
    let features: Vec<Option<FeatureSet>> = templates
        .iter()
        .map(|t| t.as_ref().map(FeatureSet::new))
        .collect();
    let feature = |id: SampleId| -> Option<&FeatureSet> {
        let n = (id.finger * impressions + id.impression) as usize;
        features.get(n)?.as_ref()
    };
    let mut csv = String::from("probe,candidate,score\n");
    let mut genuine_list = Vec::new();
    for p in &pairs {
        let score = match (template(p.probe), template(p.candidate)) {
            (Some(a), Some(b)) => verify(a, b),
            _ => None,
        };
        let name = |id: SampleId| dir.join(format!("{}.png", id.fvc_name()));
        let shown = score.map(|s| format!("{s:.2}")).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{shown}\n",
            name(p.probe).display(),
            name(p.candidate).display()
        ));
        let r = match (feature(p.probe), feature(p.candidate)) {
            (Some(a), Some(b)) => Some(f64::from(matcher.compare(a, b))),
            _ => None,
        };
        if p.genuine {
            raw.genuine.push(r);
        } else {
            raw.impostor.push(r);
        }
        if p.genuine {
            scores.genuine.push(score);
            genuine_list.push((score.unwrap_or(-1.0), p.probe, p.candidate));
        } else {
            scores.impostor.push(score);
        }
    }
    eprintln!(
        "pairs: {} in {:.1} s",
        pairs.len(),
        start.elapsed().as_secs_f64()
    );
    if let Some(path) = &out {
        std::fs::File::create(path)?.write_all(csv.as_bytes())?;
    }
    if worst > 0 {
        genuine_list.sort_by(|x, y| x.0.total_cmp(&y.0));
        for (s, a, b) in genuine_list.iter().take(worst) {
            let count = |id: SampleId| template(id).map_or(0, |t| t.minutiae.len());
            let cyl =
                |id: SampleId| template(id).map_or(0, |t| FeatureSet::new(t).cylinders().len());
            println!(
                "{s:6.2} {} ({} min, {} cyl) {} ({} min, {} cyl)",
                a.fvc_name(),
                count(*a),
                cyl(*a),
                b.fvc_name(),
                count(*b),
                cyl(*b)
            );
        }
    }
    if let Some(f) = figures(&raw) {
        print!(
            "raw: EER {:.2} %  FMR100 {:.2}  FMR1000 {:.2}  ZeroFMR {:.2} | ",
            100.0 * f.eer,
            100.0 * f.fmr100,
            100.0 * f.fmr1000,
            100.0 * f.zero_fmr
        );
    }
    let f = figures(&scores).ok_or("no figures")?;
    println!(
        "FTE {:.2} %  EER {:.2} %  FMR100 {:.2}  FMR1000 {:.2}  ZeroFMR {:.2}",
        100.0 * f.fte,
        100.0 * f.eer,
        100.0 * f.fmr100,
        100.0 * f.fmr1000,
        100.0 * f.zero_fmr
    );
    Ok(())
}

/// The score `marsad fingerprint match` gives the pair: a one-reference gallery and `verify`.
fn verify(probe: &Template, candidate: &Template) -> Option<f64> {
    let mut gallery = Gallery::new(IndexParams::default(), Calibration::default());
    let mut c = candidate.clone();
    c.position = probe.position;
    gallery.insert("candidate", vec![c]).ok()?;
    let candidate = gallery
        .verify("candidate", std::slice::from_ref(probe))
        .ok()?;
    Some(f64::from(candidate.score))
}

fn template_of(dir: &std::path::Path, cache: Option<&PathBuf>, id: SampleId) -> Option<Template> {
    let cached = cache.map(|c| c.join(format!("{}.iso", id.fvc_name())));
    if let Some(bytes) = cached.as_ref().and_then(|p| std::fs::read(p).ok()) {
        return formats::read_template(&bytes).ok()?.1.into_iter().next();
    }
    let bytes = std::fs::read(dir.join(format!("{}.png", id.fvc_name()))).ok()?;
    let image = formats::decode_image(&bytes).ok()?;
    let template = extract(&image, &ExtractOptions::default()).ok()?.template;
    if let Some(p) = cached {
        let _ = std::fs::write(p, formats::write_template_exact(&template));
    }
    Some(template)
}
