//! Minutia-level precision and recall of `extract` against the synthetic generator's ground
//! truth, per preset, with the mean image quality and the extraction time per image.
//!
//! ```text
//! cargo run --release -p marsad-biometrics --example extract_eval -- \
//!     [--fingers 10] [--impressions 2] [--seed 1] [--preset easy|normal|harsh|all] \
//!     [--distance 12] [--angle 30] [--why]
//! ```
//!
//! `P_axial`/`R_axial` compare directions modulo π (the synthetic ground truth sometimes points a
//! bifurcation the other way round). `--why` also tallies, for every true minutia missed, what became of it (dropped by which
//! false-minutia rule, outside the finger mask, or never on the skeleton), and the kinds of the
//! false ones.

use std::error::Error;
use std::time::Instant;

use std::collections::BTreeMap;

use marsad_biometrics::extract::{
    compare, extract, pair, quality_gate, Agreement, ExtractOptions, BLOCK,
};
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};
use marsad_biometrics::template::Minutia;

fn main() -> Result<(), Box<dyn Error>> {
    let mut fingers = 10u32;
    let mut impressions = 2u32;
    let mut seed = 1u64;
    let mut preset = String::from("all");
    let mut distance = 12f32;
    let mut angle = 30f32;
    let mut why = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--fingers" => fingers = value()?.parse()?,
            "--impressions" => impressions = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--preset" => preset = value()?,
            "--distance" => distance = value()?.parse()?,
            "--angle" => angle = value()?.parse()?,
            "--why" => why = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let presets: Vec<&str> = if preset == "all" {
        vec!["easy", "normal", "harsh"]
    } else {
        vec![preset.as_str()]
    };
    println!(
        "preset  images  precision  recall  P_axial  R_axial  kind_ok  found/img  truth/img  quality  refused@40  ms/img"
    );
    for name in presets {
        let settings = ImpressionSettings::preset(name).ok_or("unknown preset")?;
        let set = Dataset::new(fingers, impressions, settings, seed);
        let mut total = Agreement::default();
        let mut axial_total = Agreement::default();
        let mut missed: BTreeMap<String, usize> = BTreeMap::new();
        let options = ExtractOptions {
            keep_fields: why,
            ..ExtractOptions::default()
        };
        let (mut images, mut quality, mut refused, mut millis) = (0usize, 0u64, 0usize, 0f64);
        for finger in 0..fingers {
            let master = set.master(finger)?;
            for j in 0..impressions {
                let imp = set.impression(&master, SampleId::new(finger, j))?;
                let start = Instant::now();
                let out = extract(&imp.image, &options)?;
                millis += start.elapsed().as_secs_f64() * 1e3;
                let a = compare(
                    &out.template.minutiae,
                    &imp.minutiae,
                    distance,
                    angle.to_radians(),
                );
                total.add(a);
                // Directions compared as axes (modulo π): doubling the angles.
                let axial = |v: &[Minutia]| -> Vec<Minutia> {
                    v.iter()
                        .map(|m| Minutia::new(m.x, m.y, 2.0 * m.angle, m.kind, m.quality))
                        .collect()
                };
                axial_total.add(compare(
                    &axial(&out.template.minutiae),
                    &axial(&imp.minutiae),
                    distance,
                    2.0 * angle.to_radians(),
                ));
                if let Some(fields) = &out.fields {
                    let pairs = pair(
                        &out.template.minutiae,
                        &imp.minutiae,
                        distance,
                        angle.to_radians(),
                    );
                    for (j, t) in imp.minutiae.iter().enumerate() {
                        if pairs.iter().any(|&(_, pj)| pj == j) {
                            continue;
                        }
                        let near = |x: u16, y: u16| {
                            (f32::from(x) - f32::from(t.x)).hypot(f32::from(y) - f32::from(t.y))
                                <= distance
                        };
                        let reason = if let Some((_, r)) =
                            fields.rejected.iter().find(|(m, _)| near(m.x, m.y))
                        {
                            format!("missed: dropped as {}", r.name())
                        } else if let Some(m) =
                            out.template.minutiae.iter().find(|m| near(m.x, m.y))
                        {
                            let d = (m.angle - t.angle)
                                .rem_euclid(std::f32::consts::TAU)
                                .to_degrees();
                            let d = d.min(360.0 - d);
                            let bin = if d <= angle {
                                "taken"
                            } else if d < 60.0 {
                                "30-60"
                            } else if d < 120.0 {
                                "60-120"
                            } else {
                                "120-180"
                            };
                            format!(
                                "missed: found nearby, direction off {bin}°, same kind {}, {:?}",
                                m.kind == t.kind,
                                t.kind
                            )
                        } else {
                            let b = (usize::from(t.y) / BLOCK) * fields.blocks_wide
                                + usize::from(t.x) / BLOCK;
                            if fields.block_mask.get(b).copied().unwrap_or(false) {
                                "missed: not on the skeleton".to_string()
                            } else {
                                "missed: outside the mask".to_string()
                            }
                        };
                        *missed.entry(reason).or_default() += 1;
                    }
                    for (i, m) in out.template.minutiae.iter().enumerate() {
                        if !pairs.iter().any(|&(pi, _)| pi == i) {
                            *missed.entry(format!("false: {:?}", m.kind)).or_default() += 1;
                        }
                    }
                }
                images += 1;
                quality += u64::from(out.quality.score);
                refused += usize::from(quality_gate(&out.quality, 40).is_err());
            }
        }
        let n = images.max(1) as f64;
        println!(
            "{name:<7} {images:>6}  {:>9.3}  {:>6.3}  {:>7.3}  {:>7.3}  {:>7.3}  {:>9.1}  {:>9.1}  {:>7.1}  {:>10}  {:>6.1}",
            total.precision(),
            total.recall(),
            axial_total.precision(),
            axial_total.recall(),
            total.same_kind as f64 / total.matched.max(1) as f64,
            total.found as f64 / n,
            total.truth as f64 / n,
            quality as f64 / n,
            refused,
            millis / n
        );
        for (reason, count) in &missed {
            println!("    {reason}: {count}");
        }
    }
    Ok(())
}
