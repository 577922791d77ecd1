//! Minutia-level agreement between an extraction and a ground truth: a found minutia matches a
//! true one when it lies within a distance and a direction tolerance; pairs are made one to one,
//! closest first. Used to measure precision and recall against synthetic prints.

use super::minutiae::angle_diff;
use crate::template::Minutia;

/// How two minutiae sets agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Agreement {
    /// Found minutiae paired with a true one.
    pub matched: usize,
    /// Of those, paired with a true minutia of the same kind.
    pub same_kind: usize,
    pub found: usize,
    pub truth: usize,
}

impl Agreement {
    /// Share of found minutiae that are true (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.matched as f64 / self.found as f64
        }
    }

    /// Share of true minutiae that were found (1 when there were none).
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.matched as f64 / self.truth as f64
        }
    }

    /// Adds up agreements over several images.
    pub fn add(&mut self, other: Agreement) {
        self.matched += other.matched;
        self.same_kind += other.same_kind;
        self.found += other.found;
        self.truth += other.truth;
    }
}

/// Pairs `found` with `truth` one to one, closest pairs first, within `max_distance` pixels and
/// `max_angle` radians of direction.
pub fn compare(
    found: &[Minutia],
    truth: &[Minutia],
    max_distance: f32,
    max_angle: f32,
) -> Agreement {
    let pairs = pair(found, truth, max_distance, max_angle);
    Agreement {
        matched: pairs.len(),
        same_kind: pairs
            .iter()
            .filter(|&&(i, j)| found.get(i).map(|m| m.kind) == truth.get(j).map(|m| m.kind))
            .count(),
        found: found.len(),
        truth: truth.len(),
    }
}

/// The pairs `(index in found, index in truth)` behind [`compare`].
pub fn pair(
    found: &[Minutia],
    truth: &[Minutia],
    max_distance: f32,
    max_angle: f32,
) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        for (j, t) in truth.iter().enumerate() {
            let d = (f32::from(f.x) - f32::from(t.x)).hypot(f32::from(f.y) - f32::from(t.y));
            if d <= max_distance && angle_diff(f.angle, t.angle) <= max_angle {
                candidates.push((d, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut used_found = vec![false; found.len()];
    let mut used_truth = vec![false; truth.len()];
    let mut out = Vec::new();
    for (_, i, j) in candidates {
        if used_found[i] || used_truth[j] {
            continue;
        }
        used_found[i] = true;
        used_truth[j] = true;
        out.push((i, j));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::MinutiaKind;

    #[test]
    fn pairs_are_one_to_one_within_the_tolerances() {
        let m = |x, y, a: f32| Minutia::new(x, y, a, MinutiaKind::Ending, 50);
        let truth = [m(10, 10, 0.0), m(50, 50, 1.0)];
        let found = [
            m(12, 11, 0.2),
            m(11, 10, 0.1),
            m(50, 52, 3.0),
            m(90, 90, 0.0),
        ];
        let a = compare(&found, &truth, 12.0, 0.5);
        assert_eq!(a.matched, 1);
        assert_eq!((a.found, a.truth), (4, 2));
        assert!((a.precision() - 0.25).abs() < 1e-9);
        assert!((a.recall() - 0.5).abs() < 1e-9);
    }
}
