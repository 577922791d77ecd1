//! Comparison speed with precomputed feature sets, on one thread.
//!
//! `cargo run --release -p marsad-biometrics --example match_bench [templates] [seed] [contact]`
//! (`contact`: share of the finger seen, default 0.5–0.7 as in the accuracy set; 0.95 gives
//! templates of about 40 minutiae, like plain impressions from a good sensor).
//! (add `RUSTFLAGS="-C target-cpu=native"` to use the processor's popcount instruction).

use std::time::Instant;

use marsad_biometrics::matcher::synthetic::{dataset, Variation};
use marsad_biometrics::matcher::{FeatureSet, Matcher};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(400).max(2);
    let seed = args.get(1).copied().unwrap_or(7) as u64;
    let mut variation = Variation::default();
    if let Some(contact) = std::env::args().nth(3).and_then(|a| a.parse::<f32>().ok()) {
        variation.visible = (contact, contact);
    }
    let data = dataset(seed, n / 2, 2, &variation);
    let templates: Vec<_> = data.into_iter().flatten().collect();
    let start = Instant::now();
    let features: Vec<FeatureSet> = templates.iter().map(FeatureSet::new).collect();
    let build = start.elapsed();
    println!(
        "feature sets: {} in {:.1} ms ({:.1} us each, {:.1} cylinders, {} bytes each on average)",
        features.len(),
        build.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e6 / features.len() as f64,
        features.iter().map(|f| f.cylinders().len()).sum::<usize>() as f64 / features.len() as f64,
        features.iter().map(FeatureSet::memory_bytes).sum::<usize>() / features.len(),
    );
    let mut matcher = Matcher::new();
    let mut checksum = 0.0f64;
    // Any change of any score changes this (scores' bit patterns, combined in order).
    let mut bits = 0u64;
    let mut count = 0u64;
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    for a in &features {
        for b in &features {
            let score = matcher.compare(a, b);
            checksum += f64::from(score);
            bits = bits.rotate_left(5) ^ u64::from(score.to_bits());
            count += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "comparisons: {count} in {:.2} s wall = {:.0} per second (checksum {checksum:.3}, bits {bits:016x})",
        elapsed,
        count as f64 / elapsed
    );
    if let (Some(a), Some(b)) = (cpu_start, thread_cpu_seconds()) {
        let cpu = (b - a).max(0.01);
        println!(
            "  {:.2} s of this thread's CPU time = {:.0} comparisons per second per core",
            cpu,
            count as f64 / cpu
        );
    }
}

/// CPU time of the calling thread (Linux: /proc/thread-self/stat, clock ticks of 1/100 s), so
/// the rate does not depend on how busy the machine's other cores and processes are.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
