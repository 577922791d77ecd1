//! Accuracy of the matcher on the synthetic minutiae-level set, FVC protocol: every genuine pair
//! (all impressions of a finger), impostor pairs of the first impressions of different fingers.
//!
//! `cargo run --release -p marsad-biometrics --example match_accuracy [fingers] [impressions] [seed]`

use marsad_biometrics::matcher::synthetic::{dataset, eer, fnmr_at_fmr, Variation};
use marsad_biometrics::matcher::{FeatureSet, Matcher};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let fingers = args.first().copied().unwrap_or(200);
    let impressions = args.get(1).copied().unwrap_or(8);
    let seed = args.get(2).copied().unwrap_or(2026) as u64;
    let data = dataset(seed, fingers, impressions, &Variation::default());
    let features: Vec<Vec<FeatureSet>> = data
        .iter()
        .map(|f| f.iter().map(FeatureSet::new).collect())
        .collect();
    let mut matcher = Matcher::new();
    let mut genuine = Vec::new();
    for f in &features {
        for i in 0..f.len() {
            for j in (i + 1)..f.len() {
                genuine.push(matcher.compare(&f[i], &f[j]));
            }
        }
    }
    let mut impostor = Vec::new();
    for a in 0..features.len() {
        for b in (a + 1)..features.len() {
            impostor.push(matcher.compare(&features[a][0], &features[b][0]));
        }
    }
    let minutiae: usize = data.iter().flatten().map(|t| t.minutiae.len()).sum();
    let cylinders: usize = features.iter().flatten().map(|f| f.cylinders().len()).sum();
    let templates = (fingers * impressions).max(1);
    println!(
        "{fingers} fingers x {impressions} impressions (seed {seed}): {:.1} minutiae, {:.1} valid cylinders per template",
        minutiae as f64 / templates as f64,
        cylinders as f64 / templates as f64
    );
    println!(
        "genuine pairs {}, impostor pairs {}",
        genuine.len(),
        impostor.len()
    );
    println!("EER      {:.2} %", 100.0 * eer(&genuine, &impostor));
    println!(
        "FMR100   {:.2} %",
        100.0 * fnmr_at_fmr(&genuine, &impostor, 0.01)
    );
    println!(
        "FMR1000  {:.2} %",
        100.0 * fnmr_at_fmr(&genuine, &impostor, 0.001)
    );
    println!(
        "ZeroFMR  {:.2} %",
        100.0 * fnmr_at_fmr(&genuine, &impostor, 0.0)
    );
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
    println!(
        "mean raw score: genuine {:.3}, impostor {:.3}",
        mean(&genuine),
        mean(&impostor)
    );
}
