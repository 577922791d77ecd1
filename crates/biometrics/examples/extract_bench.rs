//! Extraction time per image on synthetic impressions (single thread; images are generated
//! first and not timed).
//!
//! ```text
//! cargo run --release -p marsad-biometrics --example extract_bench -- \
//!     [--images 20] [--preset easy|normal|harsh] [--rounds 3] [--seed 7]
//! ```

use std::error::Error;
use std::time::Instant;

use marsad_biometrics::extract::{extract, ExtractOptions};
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};

fn main() -> Result<(), Box<dyn Error>> {
    let mut images = 20u32;
    let mut rounds = 3u32;
    let mut seed = 7u64;
    let mut preset = String::from("normal");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--images" => images = value()?.parse()?,
            "--rounds" => rounds = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--preset" => preset = value()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let settings = ImpressionSettings::preset(&preset).ok_or("unknown preset")?;
    let set = Dataset::new(images, 1, settings, seed);
    let mut set_images = Vec::new();
    for finger in 0..images {
        let master = set.master(finger)?;
        set_images.push(set.impression(&master, SampleId::new(finger, 0))?.image);
    }
    let options = ExtractOptions::default();
    let mut times = Vec::new();
    let mut minutiae = 0usize;
    for _ in 0..rounds {
        for image in &set_images {
            let start = Instant::now();
            let out = extract(image, &options)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
            minutiae += out.template.minutiae.len();
        }
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let worst = times.last().copied().unwrap_or(0.0);
    let (w, h) = set_images
        .first()
        .map(|i| (i.width(), i.height()))
        .unwrap_or((0, 0));
    println!(
        "{} images of {w} x {h} ({preset}), {rounds} rounds: mean {mean:.1} ms, median {median:.1} ms, worst {worst:.1} ms per image; {:.1} minutiae per image",
        set_images.len(),
        minutiae as f64 / times.len().max(1) as f64
    );
    Ok(())
}
