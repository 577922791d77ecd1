//! The FVC evaluation protocol and its figures.
//!
//! Pairs (Maio et al., FVC2000–FVC2004): every two impressions of the same finger are a genuine
//! pair, `(i, j)`–`(i, k)` with `j < k`; the first impression of each finger against the first
//! impression of every later finger is an impostor pair. A comparison that could not be made (a
//! failure to enrol either image, or to compare) has no score: it counts as a non-match, so it
//! is a false non-match when genuine and never a false match.
//!
//! Figures: FTE (failure-to-enrol rate); EER (equal error rate, as FVC computes it: the middle of
//! the interval where the FMR and FNMR curves cross); FMR100, FMR1000 and ZeroFMR (the lowest
//! FNMR with an FMR at most 1 %, 0.1 % and 0 %). [`det_svg`] draws DET curves (FNMR against FMR,
//! both on log scales) of several systems on one chart, as a standalone SVG document.
//!
//! For extraction, [`compare_minutiae`] scores extracted minutiae against the generator's ground
//! truth (pairs within a distance and an angle; precision and recall).

use std::fmt::Write as _;

use super::SampleId;
use crate::template::Minutia;

/// One comparison of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub probe: SampleId,
    pub candidate: SampleId,
    pub genuine: bool,
}

/// The FVC pairs of a data set: genuine pairs finger by finger, then impostor pairs.
pub fn fvc_pairs(fingers: u32, impressions: u32) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for i in 0..fingers {
        for j in 0..impressions {
            for k in j + 1..impressions {
                pairs.push(Pair {
                    probe: SampleId::new(i, j),
                    candidate: SampleId::new(i, k),
                    genuine: true,
                });
            }
        }
    }
    if impressions > 0 {
        for i in 0..fingers {
            for k in i + 1..fingers {
                pairs.push(Pair {
                    probe: SampleId::new(i, 0),
                    candidate: SampleId::new(k, 0),
                    genuine: false,
                });
            }
        }
    }
    pairs
}

/// The outcome of a run of the protocol: a score per pair (higher = more alike; `None` when the
/// comparison could not be made) and the enrolment tally.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub genuine: Vec<Option<f64>>,
    pub impostor: Vec<Option<f64>>,
    /// Images the system was asked to enrol, and how many it refused.
    pub enrolment_attempts: usize,
    pub enrolment_failures: usize,
}

/// The FVC figures of a run, as fractions (0.1 = 10 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub genuine: usize,
    pub impostor: usize,
    pub fte: f64,
    pub eer: f64,
    /// The interval the EER lies in.
    pub eer_low: f64,
    pub eer_high: f64,
    pub fmr100: f64,
    pub fmr1000: f64,
    pub zero_fmr: f64,
}

/// One operating point: a threshold and its error rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingPoint {
    /// Scores at or above this are matches (`f64::INFINITY`: nothing matches).
    pub threshold: f64,
    pub fmr: f64,
    pub fnmr: f64,
}

/// FMR and FNMR at every distinct score, by increasing threshold, ending with the point where
/// nothing matches (FMR 0, FNMR 1). Empty when there are no genuine or no impostor pairs.
pub fn operating_points(scores: &Scores) -> Vec<OperatingPoint> {
    let finite = |v: &[Option<f64>]| -> Vec<f64> {
        let mut s: Vec<f64> = v
            .iter()
            .flatten()
            .copied()
            .filter(|x| !x.is_nan())
            .collect();
        s.sort_by(f64::total_cmp);
        s
    };
    let (genuine, impostor) = (finite(&scores.genuine), finite(&scores.impostor));
    let (ng, ni) = (scores.genuine.len(), scores.impostor.len());
    if ng == 0 || ni == 0 {
        return Vec::new();
    }
    let mut thresholds: Vec<f64> = genuine.iter().chain(&impostor).copied().collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    thresholds.push(f64::INFINITY);
    // Failed comparisons are below every threshold.
    let failed_genuine = ng - genuine.len();
    thresholds
        .into_iter()
        .map(|t| {
            let below_genuine = genuine.partition_point(|&s| s < t) + failed_genuine;
            let at_or_above_impostor = impostor.len() - impostor.partition_point(|&s| s < t);
            OperatingPoint {
                threshold: t,
                fmr: at_or_above_impostor as f64 / ni as f64,
                fnmr: below_genuine as f64 / ng as f64,
            }
        })
        .collect()
}

/// The FVC figures of a run; `None` without both genuine and impostor pairs.
pub fn figures(scores: &Scores) -> Option<Figures> {
    let points = operating_points(scores);
    let last = *points.last()?;
    // t1: the highest threshold with FNMR ≤ FMR; t2: the lowest with FNMR ≥ FMR.
    let t1 = points.iter().rev().find(|p| p.fnmr <= p.fmr).copied();
    let t2 = points
        .iter()
        .find(|p| p.fnmr >= p.fmr)
        .copied()
        .unwrap_or(last);
    let (eer_low, eer_high) = match t1 {
        Some(p1) if p1.fnmr + p1.fmr <= t2.fmr + t2.fnmr => (p1.fnmr, p1.fmr),
        _ => (t2.fmr, t2.fnmr),
    };
    let best_fnmr = |max_fmr: f64| {
        points
            .iter()
            .filter(|p| p.fmr <= max_fmr)
            .map(|p| p.fnmr)
            .fold(1.0f64, f64::min)
    };
    let fte = if scores.enrolment_attempts == 0 {
        0.0
    } else {
        scores.enrolment_failures as f64 / scores.enrolment_attempts as f64
    };
    Some(Figures {
        genuine: scores.genuine.len(),
        impostor: scores.impostor.len(),
        fte,
        eer: (eer_low + eer_high) / 2.0,
        eer_low,
        eer_high,
        fmr100: best_fnmr(0.01),
        fmr1000: best_fnmr(0.001),
        zero_fmr: best_fnmr(0.0),
    })
}

/// How extracted minutiae agree with the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MinutiaeAgreement {
    /// Ground-truth minutiae paired with an extracted one.
    pub matched: usize,
    /// Ground-truth minutiae left unpaired (missed by the extractor).
    pub missed: usize,
    /// Extracted minutiae left unpaired (spurious).
    pub spurious: usize,
    /// Paired minutiae whose kinds differ (ending for bifurcation), counted within `matched`.
    pub kind_swaps: usize,
}

impl MinutiaeAgreement {
    /// Share of extracted minutiae that are real (1 when nothing was extracted).
    pub fn precision(&self) -> f64 {
        let found = self.matched + self.spurious;
        if found == 0 {
            1.0
        } else {
            self.matched as f64 / found as f64
        }
    }

    /// Share of real minutiae that were found (1 when there were none).
    pub fn recall(&self) -> f64 {
        let real = self.matched + self.missed;
        if real == 0 {
            1.0
        } else {
            self.matched as f64 / real as f64
        }
    }
}

/// Pairs extracted minutiae with ground-truth ones, closest first: a pair must lie within
/// `max_distance` pixels and `max_angle` radians (directions compared on the full circle, so
/// an ending marked the wrong way round does not pair). Each minutia pairs at most once.
pub fn compare_minutiae(
    truth: &[Minutia],
    found: &[Minutia],
    max_distance: f32,
    max_angle: f32,
) -> MinutiaeAgreement {
    let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, f) in found.iter().enumerate() {
            let (dx, dy) = (
                f32::from(t.x) - f32::from(f.x),
                f32::from(t.y) - f32::from(f.y),
            );
            let d = (dx * dx + dy * dy).sqrt();
            let turn = (t.angle - f.angle).rem_euclid(std::f32::consts::TAU);
            let turn = turn.min(std::f32::consts::TAU - turn);
            if d <= max_distance && turn <= max_angle {
                candidates.push((d, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut used_truth, mut used_found) = (vec![false; truth.len()], vec![false; found.len()]);
    let mut agreement = MinutiaeAgreement::default();
    for (_, i, j) in candidates {
        if used_truth[i] || used_found[j] {
            continue;
        }
        used_truth[i] = true;
        used_found[j] = true;
        agreement.matched += 1;
        if truth[i].kind != found[j].kind {
            agreement.kind_swaps += 1;
        }
    }
    agreement.missed = truth.len() - agreement.matched;
    agreement.spurious = found.len() - agreement.matched;
    agreement
}

/// Colours of successive curves.
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];

/// DET curves of several named systems on one chart: FNMR against FMR, both on log scales from
/// 0.01 % to 100 %, with the EER diagonal and a legend giving each system's EER.
pub fn det_svg(title: &str, systems: &[(&str, &Scores)]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 560.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 60.0;
    const DECADES: f64 = 4.0;
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    // log10 of a rate, clipped to the chart's range [1e-4, 1].
    let lg = |v: f64| v.max(1e-4).log10().clamp(-DECADES, 0.0);
    let sx = |fmr: f64| LEFT + (lg(fmr) + DECADES) / DECADES * pw;
    let sy = |fnmr: f64| TOP + ph - (lg(fnmr) + DECADES) / DECADES * ph;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        W / 2.0,
        escape(title)
    );
    // Grid and ticks at each decade, light lines at 2..9 × 10^k.
    for d in 0..=DECADES as i32 {
        let exp = d - DECADES as i32;
        for m in 1..10 {
            if d == DECADES as i32 && m > 1 {
                break;
            }
            let v = m as f64 * 10f64.powi(exp);
            let (x, y) = (sx(v), sy(v));
            let stroke = if m == 1 { "#bbbbbb" } else { "#eeeeee" };
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="{stroke}"/><line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{stroke}"/>"#,
                TOP + ph,
                LEFT + pw
            );
            if m == 1 {
                let label = percent_label(v);
                let _ = writeln!(
                    svg,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
                    TOP + ph + 16.0,
                    LEFT - 6.0,
                    y + 4.0
                );
            }
        }
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="black"/>"#
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999999" stroke-dasharray="4 4"/>"##,
        sx(1e-4),
        sy(1e-4),
        sx(1.0),
        sy(1.0)
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">False match rate (FMR)</text>"#,
        LEFT + pw / 2.0,
        H - 18.0
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">False non-match rate (FNMR)</text>"#,
        TOP + ph / 2.0
    );
    for (k, (name, scores)) in systems.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points = operating_points(scores);
        // A staircase: FMR falls and FNMR rises as the threshold grows.
        let mut path = String::new();
        let mut previous: Option<(f64, f64)> = None;
        for p in &points {
            let (x, y) = (sx(p.fmr), sy(p.fnmr));
            match previous {
                None => {
                    let _ = write!(path, "M{x:.1},{y:.1}");
                }
                Some((_, py)) => {
                    let _ = write!(path, " L{x:.1},{py:.1} L{x:.1},{y:.1}");
                }
            }
            previous = Some((x, y));
        }
        let _ = writeln!(
            svg,
            r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
        let label = match figures(scores) {
            Some(f) => format!("{} (EER {:.2} %)", name, 100.0 * f.eer),
            None => format!("{name} (no pairs)"),
        };
        let ly = TOP + 20.0 + 20.0 * k as f64;
        let lx = LEFT + pw - 230.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{ly:.1}">{}</text>"#,
            ly - 4.0,
            lx + 24.0,
            ly - 4.0,
            lx + 30.0,
            escape(&label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn percent_label(v: f64) -> String {
    let p = v * 100.0;
    if p >= 1.0 {
        format!("{p:.0}%")
    } else {
        let digits = (-p.log10()).ceil() as usize;
        format!("{p:.digits$}%")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(genuine: &[f64], impostor: &[f64]) -> Scores {
        Scores {
            genuine: genuine.iter().map(|&s| Some(s)).collect(),
            impostor: impostor.iter().map(|&s| Some(s)).collect(),
            enrolment_attempts: 0,
            enrolment_failures: 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fvc_pair_counts() {
        let pairs = fvc_pairs(100, 8);
        assert_eq!(pairs.iter().filter(|p| p.genuine).count(), 2800);
        assert_eq!(pairs.iter().filter(|p| !p.genuine).count(), 4950);
        assert!(pairs
            .iter()
            .all(|p| p.genuine == (p.probe.finger == p.candidate.finger)));
        assert!(pairs
            .iter()
            .filter(|p| !p.genuine)
            .all(|p| p.probe.impression == 0 && p.candidate.impression == 0));
        assert!(fvc_pairs(3, 0).is_empty());
    }

    #[test]
    fn separated_scores_have_no_errors() {
        let f = figures(&scores(&[50.0, 60.0, 70.0], &[1.0, 2.0, 3.0])).unwrap();
        assert_eq!(f.eer, 0.0);
        assert_eq!(f.fmr100, 0.0);
        assert_eq!(f.zero_fmr, 0.0);
    }

    #[test]
    fn overlapping_scores_give_the_fvc_eer() {
        // Thresholds 1, 3, 4, 5, 6, 7, 8. At t = 5: FMR 2/4 (5, 7), FNMR 1/3 (4); at t = 6:
        // FMR 1/4, FNMR 1/3. t1 = 5, t2 = 6; t2 has the smaller sum of errors, so the EER lies
        // in [FMR(t2), FNMR(t2)] = [1/4, 1/3].
        let s = scores(&[4.0, 6.0, 8.0], &[1.0, 3.0, 5.0, 7.0]);
        let f = figures(&s).unwrap();
        assert!(
            close(f.eer_low, 0.25) && close(f.eer_high, 1.0 / 3.0),
            "{f:?}"
        );
        assert!(close(f.eer, (0.25 + 1.0 / 3.0) / 2.0));
        // FMR ≤ 1 % needs t = 8: FNMR = 2/3.
        assert!(close(f.fmr100, 2.0 / 3.0));
        assert!(close(f.zero_fmr, 2.0 / 3.0));
    }

    #[test]
    fn an_exact_crossing_is_the_eer() {
        // At t = 3: FMR 1/4, FNMR 1/4.
        let f = figures(&scores(&[2.0, 3.0, 5.0, 6.0], &[0.0, 1.0, 2.5, 4.0])).unwrap();
        assert!(close(f.eer, 0.25), "{f:?}");
    }

    #[test]
    fn failed_comparisons_are_non_matches() {
        let mut s = scores(&[10.0, 10.0, 10.0], &[0.0, 0.0]);
        s.genuine.push(None);
        s.impostor.push(None);
        s.enrolment_attempts = 10;
        s.enrolment_failures = 1;
        let f = figures(&s).unwrap();
        assert!(close(f.fte, 0.1));
        // One genuine pair in four can never match: FNMR ≥ 25 % at every threshold.
        assert!(close(f.zero_fmr, 0.25));
        // t1 = 0 (FMR 2/3, FNMR 1/4), t2 = 10 (FMR 0, FNMR 1/4): the EER interval is [0, 1/4].
        assert!(close(f.eer_low, 0.0) && close(f.eer_high, 0.25), "{f:?}");
        let points = operating_points(&s);
        assert!(points.iter().all(|p| p.fmr <= 2.0 / 3.0));
    }

    #[test]
    fn fmr100_and_fmr1000_pick_the_best_threshold_under_the_limit() {
        // 1,000 impostors 0..999 / 1000, one of them high (0.955); genuine scores spread.
        let mut impostor: Vec<f64> = (0..999).map(|i| i as f64 / 2000.0).collect();
        impostor.push(0.955);
        let genuine: Vec<f64> = (0..100).map(|i| 0.4 + i as f64 / 100.0).collect();
        let f = figures(&scores(&genuine, &impostor)).unwrap();
        // FMR ≤ 1 % from t ≈ 0.4905 on: genuine below 0.4905 are 0.40..0.49 → 10 %.
        assert!(close(f.fmr100, 0.10), "{f:?}");
        // One impostor in 1,000 is 0.1 %, allowed: t = 0.5 → genuine 0.40..0.49 below → 10 %.
        assert!(close(f.fmr1000, 0.10), "{f:?}");
        // FMR = 0 needs t > 0.955: genuine 0.40..0.95 below → 56 %.
        assert!(close(f.zero_fmr, 0.56), "{f:?}");
    }

    #[test]
    fn extracted_minutiae_are_paired_with_the_truth() {
        use crate::template::MinutiaKind::{Bifurcation, Ending};
        let m = |x, y, angle, kind| Minutia::new(x, y, angle, kind, 100);
        let truth = [
            m(10, 10, 0.0, Ending),
            m(50, 50, 1.0, Bifurcation),
            m(90, 90, 3.0, Ending),
        ];
        let found = [
            m(12, 11, 6.2, Ending),                        // close, angle across 0: paired
            m(51, 50, 1.1, Ending),                        // paired, wrong kind
            m(90, 90, 3.0 + std::f32::consts::PI, Ending), // reversed direction: not paired
            m(200, 200, 0.0, Ending),                      // spurious
        ];
        let a = compare_minutiae(&truth, &found, 8.0, 0.5);
        assert_eq!(
            (a.matched, a.missed, a.spurious, a.kind_swaps),
            (2, 1, 2, 1)
        );
        assert!(close(a.precision(), 0.5) && close(a.recall(), 2.0 / 3.0));
        assert_eq!(compare_minutiae(&[], &[], 8.0, 0.5).precision(), 1.0);
    }

    #[test]
    fn no_pairs_no_figures() {
        assert!(figures(&scores(&[], &[1.0])).is_none());
        assert!(operating_points(&scores(&[1.0], &[])).is_empty());
    }

    #[test]
    fn det_chart_is_svg_with_one_curve_and_legend_per_system() {
        let a = scores(&[2.0, 3.0, 5.0, 6.0], &[0.0, 1.0, 2.5, 4.0]);
        let b = scores(&[50.0, 60.0], &[1.0, 2.0]);
        let svg = det_svg("NBIS <vs> marsad", &[("NBIS", &a), ("marsad", &b)]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("NBIS (EER 25.00 %)"));
        assert!(svg.contains("marsad (EER 0.00 %)"));
        assert!(svg.contains("NBIS &lt;vs&gt; marsad"));
        assert!(svg.contains(">0.01%<") && svg.contains(">100%<"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
