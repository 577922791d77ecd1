//! Seeded minutiae-level synthetic fingers and impressions, and FVC-style accuracy measures.
//!
//! This is not an image generator (that is `synth`): it draws a finger's "master" minutiae
//! directly — 30 to 60 in a 350 × 450 px elliptic finger area, directed along a ridge-flow field
//! with one core and one delta — and derives impressions of it as a sensor and an extractor
//! would: partial contact (50–70 % of the finger around a random contact point), non-linear
//! distortion growing with the distance from the contact point, rotation and translation, missed
//! and spurious minutiae, position and angle jitter, ending/bifurcation flips. Everything is a
//! function of the seed.

use std::f32::consts::PI;

use crate::template::{FingerPosition, Impression, Minutia, MinutiaKind, Template};

/// A small deterministic generator (SplitMix64): enough for test data, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + (self.next_u64() % span) as u32
    }

    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
}

/// Width and height of every synthetic impression, pixels.
pub const IMAGE_WIDTH: u16 = 400;
pub const IMAGE_HEIGHT: u16 = 500;
/// Semi-axes of the finger area (350 × 450).
const FINGER_A: f32 = 175.0;
const FINGER_B: f32 = 225.0;
const CENTRE: (f32, f32) = (200.0, 250.0);

/// How far impressions depart from their finger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variation {
    /// Largest rotation either way, radians.
    pub rotation: f32,
    /// Largest translation either way along each axis, pixels.
    pub translation: f32,
    /// Largest displacement by distortion at the edge of the finger, pixels.
    pub distortion: f32,
    /// Share of the finger area in contact, drawn in this range.
    pub visible: (f32, f32),
    /// Share of the true minutiae missed, drawn in this range.
    pub missed: (f32, f32),
    /// Spurious minutiae added, as a share of the kept ones, drawn in this range.
    pub spurious: (f32, f32),
    /// Largest position error either way, pixels.
    pub position_jitter: f32,
    /// Largest direction error either way, radians.
    pub angle_jitter: f32,
    /// Probability that an ending is reported as a bifurcation or the other way round.
    pub kind_flip: f32,
}

impl Default for Variation {
    /// The ranges of the matcher's brief: ±30°, 50–70 % contact, 10–30 % missed, 5–20 % spurious,
    /// ±4 px, ±10°.
    fn default() -> Self {
        Self {
            rotation: 30f32.to_radians(),
            translation: 30.0,
            distortion: 12.0,
            visible: (0.5, 0.7),
            missed: (0.1, 0.3),
            spurious: (0.05, 0.2),
            position_jitter: 4.0,
            angle_jitter: 10f32.to_radians(),
            kind_flip: 0.15,
        }
    }
}

/// A synthetic finger: its ridge-flow singularities and master minutiae.
#[derive(Debug, Clone, PartialEq)]
pub struct Finger {
    core: (f32, f32),
    delta: (f32, f32),
    base: f32,
    /// Master minutiae in image coordinates of an unrotated, centred impression.
    pub minutiae: Vec<Minutia>,
}

impl Finger {
    /// Draws a finger.
    pub fn generate(rng: &mut Rng) -> Self {
        let core = (
            CENTRE.0 + rng.range(-40.0, 40.0),
            CENTRE.1 + rng.range(-80.0, 0.0),
        );
        let delta = (
            CENTRE.0 + if rng.chance(0.5) { -1.0 } else { 1.0 } * rng.range(60.0, 150.0),
            CENTRE.1 + rng.range(80.0, 200.0),
        );
        let mut finger = Self {
            core,
            delta,
            base: rng.range(-0.3, 0.3),
            minutiae: Vec::new(),
        };
        let count = rng.int(30, 60) as usize;
        let mut attempts = 0;
        while finger.minutiae.len() < count && attempts < 10_000 {
            attempts += 1;
            let (x, y) = (
                CENTRE.0 + rng.range(-FINGER_A, FINGER_A),
                CENTRE.1 + rng.range(-FINGER_B, FINGER_B),
            );
            if !in_ellipse((x, y), CENTRE, FINGER_A, FINGER_B) {
                continue;
            }
            let crowded = finger.minutiae.iter().any(|m| {
                let (dx, dy) = (f32::from(m.x) - x, f32::from(m.y) - y);
                dx * dx + dy * dy < 14.0 * 14.0
            });
            if crowded {
                continue;
            }
            let flip = if rng.chance(0.5) { PI } else { 0.0 };
            let kind = if rng.chance(0.55) {
                MinutiaKind::Ending
            } else {
                MinutiaKind::Bifurcation
            };
            finger.minutiae.push(Minutia::new(
                x.round() as u16,
                y.round() as u16,
                finger.orientation(x, y) + flip,
                kind,
                rng.int(40, 100) as u8,
            ));
        }
        finger
    }

    /// Ridge orientation (radians, ISO convention, modulo π) at an image point: a core and a
    /// delta in the zero-pole model.
    pub fn orientation(&self, x: f32, y: f32) -> f32 {
        let to_core = (-(y - self.core.1)).atan2(x - self.core.0);
        let to_delta = (-(y - self.delta.1)).atan2(x - self.delta.0);
        PI / 2.0 + self.base + 0.5 * (to_core - to_delta)
    }

    /// One impression of this finger.
    pub fn impression(
        &self,
        variation: &Variation,
        position: FingerPosition,
        rng: &mut Rng,
    ) -> Template {
        let v = variation;
        let contact = (
            CENTRE.0 + rng.range(-50.0, 50.0),
            CENTRE.1 + rng.range(-60.0, 60.0),
        );
        let share = rng.range(v.visible.0, v.visible.1).clamp(0.01, 1.0);
        // The contact ellipse has `share` of the finger's area; its part outside the finger is
        // compensated by a slightly larger ellipse.
        let scale = (share * 1.15).sqrt();
        let (ea, eb) = (FINGER_A * scale, FINGER_B * scale);
        let missed = rng.range(v.missed.0, v.missed.1);
        let drag = (
            rng.range(-v.distortion, v.distortion),
            rng.range(-v.distortion, v.distortion),
        );
        let twist = rng.range(-0.05, 0.05);
        let rotation = rng.range(-v.rotation, v.rotation);
        let shift = (
            rng.range(-v.translation, v.translation),
            rng.range(-v.translation, v.translation),
        );
        // Distortion: no slip near the contact point, growing quadratically outwards.
        let distort = |p: (f32, f32)| -> (f32, f32) {
            let (dx, dy) = (p.0 - contact.0, p.1 - contact.1);
            let d = (dx * dx + dy * dy).sqrt();
            let g = ((d - 40.0) / 180.0).clamp(0.0, 1.5).powi(2);
            let (s, c) = (twist * g).sin_cos();
            (
                contact.0 + dx * c + dy * s + drag.0 * g,
                contact.1 - dx * s + dy * c + drag.1 * g,
            )
        };
        // Rigid motion of the whole impression about the image centre (visually counter-
        // clockwise by `rotation`, matching the ISO angle convention with y downwards).
        let (rs, rc) = rotation.sin_cos();
        let rigid = |p: (f32, f32)| -> (f32, f32) {
            let (dx, dy) = (p.0 - CENTRE.0, p.1 - CENTRE.1);
            (
                CENTRE.0 + dx * rc + dy * rs + shift.0,
                CENTRE.1 - dx * rs + dy * rc + shift.1,
            )
        };
        // Maps a point and a direction through distortion and motion.
        let map = |x: f32, y: f32, angle: f32| -> (f32, f32, f32) {
            let p = rigid(distort((x, y)));
            let ahead = rigid(distort((x + 6.0 * angle.cos(), y - 6.0 * angle.sin())));
            let a = (-(ahead.1 - p.1)).atan2(ahead.0 - p.0);
            (p.0, p.1, a)
        };
        let mut out: Vec<Minutia> = Vec::new();
        let push = |x: f32, y: f32, angle: f32, kind: MinutiaKind, q: u8, out: &mut Vec<_>| {
            if x >= 0.0 && y >= 0.0 && x < f32::from(IMAGE_WIDTH) && y < f32::from(IMAGE_HEIGHT) {
                out.push(Minutia::new(
                    x.round() as u16,
                    y.round() as u16,
                    angle,
                    kind,
                    q,
                ));
            }
        };
        let mut kept = 0usize;
        for m in &self.minutiae {
            let (x, y) = (f32::from(m.x), f32::from(m.y));
            if !in_ellipse((x, y), contact, ea, eb) || rng.chance(missed) {
                continue;
            }
            kept += 1;
            let (px, py, pa) = map(x, y, m.angle);
            let kind = if rng.chance(v.kind_flip) {
                match m.kind {
                    MinutiaKind::Ending => MinutiaKind::Bifurcation,
                    _ => MinutiaKind::Ending,
                }
            } else {
                m.kind
            };
            push(
                px + rng.range(-v.position_jitter, v.position_jitter),
                py + rng.range(-v.position_jitter, v.position_jitter),
                pa + rng.range(-v.angle_jitter, v.angle_jitter),
                kind,
                m.quality,
                &mut out,
            );
        }
        let spurious = (kept as f32 * rng.range(v.spurious.0, v.spurious.1)).round() as usize;
        let mut added = 0;
        let mut attempts = 0;
        while added < spurious && attempts < 1_000 {
            attempts += 1;
            let (x, y) = (
                contact.0 + rng.range(-ea, ea),
                contact.1 + rng.range(-eb, eb),
            );
            if !in_ellipse((x, y), contact, ea, eb)
                || !in_ellipse((x, y), CENTRE, FINGER_A, FINGER_B)
            {
                continue;
            }
            added += 1;
            let flip = if rng.chance(0.5) { PI } else { 0.0 };
            let (px, py, pa) = map(x, y, self.orientation(x, y) + flip);
            let kind = if rng.chance(0.5) {
                MinutiaKind::Ending
            } else {
                MinutiaKind::Bifurcation
            };
            let q = rng.int(20, 70) as u8;
            push(px, py, pa + rng.range(-0.3, 0.3), kind, q, &mut out);
        }
        // Extractors report minutiae in raster order, not by identity.
        out.sort_by_key(|m| (m.y, m.x));
        Template {
            width: IMAGE_WIDTH,
            height: IMAGE_HEIGHT,
            ppi: crate::image::PPI,
            position,
            impression: Impression::LivePlain,
            quality: rng.int(40, 100) as u8,
            minutiae: out,
        }
    }
}

fn in_ellipse(p: (f32, f32), c: (f32, f32), a: f32, b: f32) -> bool {
    let (u, v) = ((p.0 - c.0) / a, (p.1 - c.1) / b);
    u * u + v * v <= 1.0
}

/// `fingers` fingers with `impressions` impressions each: `result[finger][impression]`.
pub fn dataset(
    seed: u64,
    fingers: usize,
    impressions: usize,
    variation: &Variation,
) -> Vec<Vec<Template>> {
    (0..fingers)
        .map(|f| {
            let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(f as u64));
            let finger = Finger::generate(&mut rng);
            (0..impressions)
                .map(|_| finger.impression(variation, FingerPosition::RIGHT_INDEX, &mut rng))
                .collect()
        })
        .collect()
}

/// Rotates a template's minutiae by `angle` (radians, visually counter-clockwise) about the
/// image centre, on a canvas grown to the image's diagonal so no minutia is lost.
pub fn rotate(template: &Template, angle: f32) -> Template {
    let (w, h) = (f32::from(template.width), f32::from(template.height));
    let side = (w * w + h * h).sqrt().ceil().min(65_535.0);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (s, c) = angle.sin_cos();
    let minutiae = template
        .minutiae
        .iter()
        .map(|m| {
            let (dx, dy) = (f32::from(m.x) - cx, f32::from(m.y) - cy);
            let (x, y) = (side / 2.0 + dx * c + dy * s, side / 2.0 - dx * s + dy * c);
            Minutia::new(
                x.round().clamp(0.0, 65_535.0) as u16,
                y.round().clamp(0.0, 65_535.0) as u16,
                m.angle + angle,
                m.kind,
                m.quality,
            )
        })
        .collect();
    Template {
        width: side as u16,
        height: side as u16,
        minutiae,
        ..template.clone()
    }
}

/// Share of `scores` at or above `threshold`.
fn share_at_or_above(sorted: &[f32], threshold: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let below = sorted.partition_point(|&s| s < threshold);
    (sorted.len() - below) as f32 / sorted.len() as f32
}

fn sorted(scores: &[f32]) -> Vec<f32> {
    let mut v: Vec<f32> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    v.sort_by(f32::total_cmp);
    v
}

/// Equal error rate: where the false non-match rate (genuine below the threshold) meets the
/// false-match rate (impostors at or above it), over every observed threshold.
pub fn eer(genuine: &[f32], impostor: &[f32]) -> f32 {
    let g = sorted(genuine);
    let i = sorted(impostor);
    if g.is_empty() || i.is_empty() {
        return 1.0;
    }
    let mut best = 1.0f32;
    for &t in g.iter().chain(i.iter()) {
        let fnmr = 1.0 - share_at_or_above(&g, t);
        let fmr = share_at_or_above(&i, t);
        best = best.min(fnmr.max(fmr));
    }
    best
}

/// The lowest false non-match rate among thresholds whose false-match rate is at most `fmr`
/// (FMR1000 is `fnmr_at_fmr(g, i, 0.001)`).
pub fn fnmr_at_fmr(genuine: &[f32], impostor: &[f32], fmr: f32) -> f32 {
    let g = sorted(genuine);
    let i = sorted(impostor);
    if g.is_empty() {
        return 1.0;
    }
    let mut best = 1.0f32;
    let above_all = i.last().map_or(0.0, |&m| m.next_up());
    for &t in i.iter().chain(std::iter::once(&above_all)) {
        if share_at_or_above(&i, t) <= fmr {
            best = best.min(1.0 - share_at_or_above(&g, t));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_seeded() {
        let v = Variation::default();
        assert_eq!(dataset(7, 2, 2, &v), dataset(7, 2, 2, &v));
        assert_ne!(dataset(7, 2, 2, &v), dataset(8, 2, 2, &v));
    }

    #[test]
    fn impressions_show_part_of_the_finger() {
        let mut rng = Rng::new(1);
        let finger = Finger::generate(&mut rng);
        assert!((30..=60).contains(&finger.minutiae.len()));
        let t = finger.impression(&Variation::default(), FingerPosition::UNKNOWN, &mut rng);
        assert!(t.minutiae.len() < finger.minutiae.len());
        assert!(t.minutiae.len() > 5);
    }

    #[test]
    fn error_rates_are_measured() {
        assert_eq!(eer(&[0.9, 0.8], &[0.1, 0.2]), 0.0);
        assert_eq!(eer(&[0.1], &[0.9]), 1.0);
        assert_eq!(fnmr_at_fmr(&[0.9, 0.3], &[0.1, 0.5], 0.0), 0.5);
    }
}
