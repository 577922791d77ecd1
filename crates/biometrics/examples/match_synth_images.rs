//! The matcher end to end on synthetic fingerprint *images* (`synth`), FVC protocol: minutiae
//! either extracted from the images (`extract`) or taken from the generator's ground truth.
//!
//! `cargo run --release -p marsad-biometrics --example match_synth_images [fingers] [impressions] [easy|normal|harsh] [extracted|truth] [seed]`

use marsad_biometrics::extract::{extract, ExtractOptions};
use marsad_biometrics::matcher::synthetic::{eer, fnmr_at_fmr};
use marsad_biometrics::matcher::{FeatureSet, Matcher};
use marsad_biometrics::synth::impression::ImpressionSettings;
use marsad_biometrics::synth::{Dataset, SampleId};
use marsad_biometrics::template::Template;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fingers: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(30);
    let impressions: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let preset = args.get(2).map_or("normal", String::as_str);
    let truth = args.get(3).is_some_and(|a| a == "truth");
    let seed: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(5);
    let settings = match preset {
        "easy" => ImpressionSettings::easy(),
        "harsh" => ImpressionSettings::harsh(),
        _ => ImpressionSettings::normal(),
    };
    let data = Dataset::new(fingers, impressions, settings, seed);
    let threads = 2u32;
    let results: Vec<Vec<(u32, Vec<FeatureSet>, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let data = &data;
                s.spawn(move || {
                    let mut out = Vec::new();
                    for f in (k..fingers).step_by(threads as usize) {
                        let Ok(master) = data.master(f) else { continue };
                        let mut sets = Vec::new();
                        let mut failed = 0;
                        for j in 0..impressions {
                            let Ok(imp) = data.impression(&master, SampleId::new(f, j)) else {
                                failed += 1;
                                sets.push(FeatureSet::new(&Template::new(1, 1)));
                                continue;
                            };
                            let template = if truth {
                                imp.template()
                            } else {
                                match extract(&imp.image, &ExtractOptions::default()) {
                                    Ok(e) => e.template,
                                    Err(_) => {
                                        failed += 1;
                                        Template::new(1, 1)
                                    }
                                }
                            };
                            sets.push(FeatureSet::new(&template));
                        }
                        out.push((f, sets, failed));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut all: Vec<(u32, Vec<FeatureSet>, usize)> = results.into_iter().flatten().collect();
    all.sort_by_key(|r| r.0);
    let failed: usize = all.iter().map(|r| r.2).sum();
    let features: Vec<Vec<FeatureSet>> = all.into_iter().map(|r| r.1).collect();
    let mut m = Matcher::new();
    let mut genuine = Vec::new();
    let mut impostor = Vec::new();
    for (a, fa) in features.iter().enumerate() {
        for i in 0..fa.len() {
            for j in (i + 1)..fa.len() {
                genuine.push(m.compare(&fa[i], &fa[j]));
            }
        }
        for fb in features.iter().skip(a + 1) {
            if let (Some(x), Some(y)) = (fa.first(), fb.first()) {
                impostor.push(m.compare(x, y));
            }
        }
    }
    let cylinders: usize = features.iter().flatten().map(|f| f.cylinders().len()).sum();
    println!(
        "{fingers} fingers x {impressions} impressions, preset {preset}, minutiae {} (seed {seed}); {failed} failures; {:.1} cylinders per template",
        if truth { "from the ground truth" } else { "extracted" },
        cylinders as f64 / (fingers * impressions).max(1) as f64
    );
    println!(
        "genuine {}, impostor {}: EER {:.2} %, FMR100 {:.2} %, FMR1000 {:.2} %",
        genuine.len(),
        impostor.len(),
        100.0 * eer(&genuine, &impostor),
        100.0 * fnmr_at_fmr(&genuine, &impostor, 0.01),
        100.0 * fnmr_at_fmr(&genuine, &impostor, 0.001)
    );
}
