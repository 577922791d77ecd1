//! 1:N identification: enrols `gallery` synthetic fingers (one finger per reference), then
//! searches with a second impression of `probes` of them and reports the time per search, the
//! memory per enrolled finger, the pre-selection's penetration and hit rate, and rank-1
//! identification.
//!
//! `cargo run --release -p marsad-biometrics --example identify_bench [gallery] [probes] [penetration] [target FPIR]`
//!
//! Every probe has its mate enrolled, so a returned candidate other than the mate is a false
//! positive: the observed FPIR is the share of searches that return one (the mate itself left
//! out), to be compared with the target (default 1 %).

use std::time::Instant;

use marsad_biometrics::index::{Abis, Gallery, IndexParams};
use marsad_biometrics::matcher::synthetic::{Finger, Rng, Variation};
use marsad_biometrics::matcher::{Calibration, FeatureSet};
use marsad_biometrics::template::{FingerPosition, Template};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gallery_size: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let probes: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let penetration: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0.01);
    let target_fpir: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0.01);
    let probes = probes.min(gallery_size);
    let variation = Variation::default();
    let threads = 2;

    // Enrolment templates (and, for the first `probes` fingers, a second impression).
    let start = Instant::now();
    let cpu0 = process_cpu_seconds();
    let work: Vec<(Vec<FeatureSet>, Vec<Template>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let variation = &variation;
                s.spawn(move || {
                    let mut enrolled = Vec::new();
                    let mut probe = Vec::new();
                    for f in (k..gallery_size).step_by(threads) {
                        let mut rng = Rng::new(0xB10 ^ (f as u64).wrapping_mul(0x9e37_79b9));
                        let finger = Finger::generate(&mut rng);
                        let t = finger.impression(variation, FingerPosition::RIGHT_INDEX, &mut rng);
                        enrolled.push(FeatureSet::new(&t));
                        if f < probes {
                            probe.push(finger.impression(
                                variation,
                                FingerPosition::RIGHT_INDEX,
                                &mut rng,
                            ));
                        }
                    }
                    (enrolled, probe)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut gallery = Gallery::new(
        IndexParams {
            penetration,
            threads,
            ..IndexParams::default()
        },
        Calibration::default(),
    );
    // Thread k holds fingers k, k + threads, ...: enrol them in finger order.
    let mut iters: Vec<_> = work.iter().map(|(e, p)| (e.iter(), p.iter())).collect();
    let mut probe_templates = Vec::new();
    for f in 0..gallery_size {
        let Some((enrolled, probe)) = iters.get_mut(f % threads) else {
            continue;
        };
        if let Some(fs) = enrolled.next() {
            if let Err(e) = gallery.insert_features(&format!("r{f}"), vec![fs.clone()]) {
                eprintln!("enrolment failed: {e}");
                return;
            }
        }
        if f < probes {
            if let Some(t) = probe.next() {
                probe_templates.push(t.clone());
            }
        }
    }
    drop(work);
    let enrol_wall = start.elapsed().as_secs_f64();
    let enrol_cpu = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    println!(
        "enrolled {} fingers in {:.1} s wall{}; memory {} bytes per finger ({:.0} MB in all)",
        gallery.fingers(),
        enrol_wall,
        enrol_cpu.map_or(String::new(), |c| format!(" ({c:.1} s CPU)")),
        gallery.memory_bytes() / gallery.fingers().max(1),
        gallery.memory_bytes() as f64 / 1e6
    );

    let mut hits = 0usize;
    let mut listed = 0usize;
    for (f, probe) in probe_templates.iter().enumerate() {
        let pre = gallery.preselection(probe);
        listed += pre.fingers;
        hits += usize::from(pre.references.iter().any(|r| *r == format!("r{f}")));
    }
    let n = probe_templates.len().max(1) as f64;
    println!(
        "pre-selection: penetration {:.2} % ({:.0} fingers compared per search), hit rate {:.1} % (mate in the list)",
        100.0 * listed as f64 / n / gallery.fingers().max(1) as f64,
        listed as f64 / n,
        100.0 * hits as f64 / n
    );

    let mut rank1 = 0usize;
    let mut returned = 0usize;
    let mut wrong = 0usize;
    let mut searches_wrong = 0usize;
    let dump = std::env::var("IDENTIFY_BENCH_DUMP").ok();
    let mut dumped = String::new();
    let mut worst = 0.0f64;
    let start = Instant::now();
    let cpu0 = process_cpu_seconds();
    for (f, probe) in probe_templates.iter().enumerate() {
        let t = Instant::now();
        let found = match gallery.identify(std::slice::from_ref(probe), 10, target_fpir) {
            Ok(found) => found,
            Err(e) => {
                eprintln!("search failed: {e}");
                return;
            }
        };
        worst = worst.max(t.elapsed().as_secs_f64());
        returned += found.len();
        let mate = format!("r{f}");
        let others = found.iter().filter(|c| c.reference_id != mate).count();
        wrong += others;
        searches_wrong += usize::from(others > 0);
        if dump.is_some() {
            for c in &found {
                let raw = c.fingers.first().map_or(f32::NAN, |s| s.raw);
                dumped.push_str(&format!(
                    "{f} {} {raw} {}\n",
                    u8::from(c.reference_id == mate),
                    c.reference_id
                ));
            }
        }
        rank1 += usize::from(
            found
                .first()
                .is_some_and(|c| c.reference_id == format!("r{f}")),
        );
    }
    let wall = start.elapsed().as_secs_f64() / n;
    let cpu = process_cpu_seconds().zip(cpu0).map(|(b, a)| (b - a) / n);
    println!(
        "identify (target FPIR {} %, {threads} threads): {:.1} ms wall per search (worst {:.1} ms){}",
        100.0 * target_fpir,
        wall * 1e3,
        worst * 1e3,
        cpu.map_or(String::new(), |c| format!(
            ", {:.1} ms CPU per search = {:.1} ms on {threads} free cores",
            c * 1e3,
            c * 1e3 / threads as f64
        ))
    );
    println!(
        "rank-1 identification {:.1} % (mate returned first), {:.2} candidates returned per search",
        100.0 * rank1 as f64 / n,
        returned as f64 / n
    );
    println!(
        "false positives: {wrong} candidates other than the mate in {} searches ({returned} returned); observed FPIR {:.2} % ({searches_wrong} searches with one) against {} % asked",
        probe_templates.len(),
        100.0 * searches_wrong as f64 / n,
        100.0 * target_fpir
    );
    if let Some(path) = dump {
        if let Err(e) = std::fs::write(&path, dumped) {
            eprintln!("{path}: {e}");
        }
    }
}

/// CPU time of this process (Linux: /proc/self/stat, clock ticks of 1/100 s), so the figures do
/// not depend on how busy the machine is.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
