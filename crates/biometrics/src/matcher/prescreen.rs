//! A quick comparison for 1:N pre-selection: a few of the probe's cylinders, each against all of
//! the candidate's, with no consolidation.
//!
//! The probe keeps its most informative cylinders (fullest validity mask, then most set bits:
//! cylinders inside the print with a rich neighbourhood). A candidate's quick score is the mean of
//! the best few per-cylinder best local similarities. It costs a fraction of [`super::compare`]
//! and ranks the true mate high enough that a small share of the gallery, compared in full,
//! almost always contains it.

use super::cylinder::{
    angle_diff, masked_counts, min_common_cells, similarity_from_counts, Cylinder, MAX_MINUTIAE,
};
use super::FeatureSet;

/// Probe cylinders kept by default.
pub const DEFAULT_CYLINDERS: usize = 12;
/// Per-cylinder bests averaged.
const BEST: usize = 3;
/// Most probe cylinders kept.
const MAX_KEPT: usize = 64;
/// Largest difference between the rotations implied by two agreeing best matches.
const MAX_TURN: f32 = std::f32::consts::PI / 8.0;

/// The probe side of the quick comparison.
#[derive(Debug, Clone)]
pub struct Prescreen {
    cylinders: Vec<Cylinder>,
    min_common: u32,
}

impl Prescreen {
    /// Keeps up to `count` of the probe's cylinders.
    pub fn new(probe: &FeatureSet, count: usize) -> Self {
        let mut cylinders = probe.cylinders().to_vec();
        let ones = |c: &Cylinder| c.layers.iter().map(|l| l.count_ones()).sum::<u32>();
        cylinders.sort_by(|a, b| {
            b.mask
                .count_ones()
                .cmp(&a.mask.count_ones())
                .then(ones(b).cmp(&ones(a)))
                .then(a.angle.total_cmp(&b.angle))
        });
        cylinders.truncate(count.clamp(1, MAX_KEPT));
        Self {
            cylinders,
            min_common: min_common_cells(),
        }
    }

    /// Quick similarity in `[0, 1]` of the probe with a candidate: each kept probe cylinder's
    /// best match, then the best few of those that agree on the rotation they imply.
    pub fn score(&self, candidate: &FeatureSet) -> f32 {
        let mut bests = [(0.0f32, 0.0f32); MAX_KEPT];
        // Bit counts in a loop without branches (it vectorises), then the similarities.
        let mut counts = [[0u32; 4]; MAX_MINUTIAE];
        let theirs = candidate.cylinders();
        for (p, slot) in self.cylinders.iter().zip(bests.iter_mut()) {
            for (c, out) in theirs.iter().zip(counts.iter_mut()) {
                *out = masked_counts(p, c);
            }
            let mut top = (0.0f32, 0.0f32);
            for (c, &n) in theirs.iter().zip(counts.iter()) {
                let s = similarity_from_counts(n, self.min_common);
                if s > top.0 {
                    top = (s, c.angle);
                }
            }
            *slot = (top.0, angle_diff(top.1, p.angle));
        }
        let kept = bests.get(..self.cylinders.len()).unwrap_or(&[]);
        let mut score = 0.0f32;
        for &(_, turn) in kept {
            let mut best = [0.0f32; BEST];
            for &(s, t) in kept {
                if angle_diff(t, turn).abs() > MAX_TURN {
                    continue;
                }
                let mut v = s;
                for b in best.iter_mut() {
                    if v > *b {
                        std::mem::swap(b, &mut v);
                    }
                }
            }
            score = score.max(best.iter().sum::<f32>() / BEST as f32);
        }
        score
    }
}
