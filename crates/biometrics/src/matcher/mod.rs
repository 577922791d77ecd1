//! Minutiae comparison: Minutia Cylinder-Code (MCC-bit) with LSS-R consolidation, calibrated
//! scores and multi-finger fusion.
//!
//! - [`FeatureSet`]: a template's cylinders, computed once (a gallery keeps them).
//! - [`compare`] / [`Matcher::compare`]: raw similarity of two feature sets in `[0, 1]`, symmetric
//!   in meaning, rotation- and translation-invariant, never `NaN`.
//! - [`calibration`]: raw score → estimated false-match rate, and back (thresholds by FMR).
//! - [`fusion`]: several fingers' false-match rates → one for the person.
//! - [`prescreen`]: a quick partial comparison for 1:N pre-selection.
//! - [`synthetic`]: seeded minutiae-level fingers and impressions, and the FVC-style accuracy
//!   measures (EER, FMR1000) used by tests and examples.
//!
//! What this module does not do: read images or template formats (see `formats`, `extract`), or
//! search a gallery (see [`crate::index`]).

pub mod calibration;
mod consolidate;
pub mod cylinder;
pub mod fusion;
pub mod prescreen;
pub mod synthetic;

pub use calibration::Calibration;
pub use cylinder::Cylinder;
pub use prescreen::Prescreen;

use crate::template::{FingerPosition, Template};

/// What the matcher needs of one template, precomputed: its valid cylinders.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSet {
    position: FingerPosition,
    cylinders: Vec<Cylinder>,
}

impl FeatureSet {
    /// Builds the cylinders of a template. Any template is accepted: empty ones, ones with
    /// duplicate minutiae or minutiae outside the declared size give a (possibly empty) set.
    pub fn new(template: &Template) -> Self {
        let points = cylinder::points(template);
        let mut cylinders = cylinder::cylinders(&points);
        // Sorted by direction, which the comparison relies on.
        cylinders.sort_by(|x, y| x.angle.total_cmp(&y.angle));
        Self {
            position: template.position,
            cylinders,
        }
    }

    /// The finger the template came from.
    pub fn position(&self) -> FingerPosition {
        self.position
    }

    /// The valid cylinders (one per minutia with enough neighbourhood), sorted by direction.
    pub fn cylinders(&self) -> &[Cylinder] {
        &self.cylinders
    }

    /// Whether nothing can be matched against this set.
    pub fn is_empty(&self) -> bool {
        self.cylinders.is_empty()
    }

    /// Heap and inline bytes this set occupies.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.cylinders.capacity() * std::mem::size_of::<Cylinder>()
    }
}

/// Version of the cylinder parameters: stored feature sets with another version are recomputed
/// from their templates. Bump it whenever a constant in [`cylinder`] changes. Version 3 added
/// the cylinders' weights (minutia quality), after the cylinders.
pub const FEATURE_VERSION: u16 = 3;

/// Bytes of one stored cylinder.
const CYLINDER_BYTES: usize = 12 + 8 * (1 + cylinder::ND);

impl FeatureSet {
    /// Appends the set: position, cylinder count (u16), then per cylinder x, y, angle (f32),
    /// mask and layers (u64), little-endian, then per cylinder its weight in hundredths (u8).
    /// A set has at most `MAX_MINUTIAE` cylinders.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let count = self.cylinders.len().min(cylinder::MAX_MINUTIAE);
        out.push(self.position.code());
        out.extend_from_slice(&(count as u16).to_le_bytes());
        for c in self.cylinders.iter().take(count) {
            for v in [c.x, c.y, c.angle] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&c.mask.to_le_bytes());
            for l in &c.layers {
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
        for c in self.cylinders.iter().take(count) {
            out.push((c.weight * 100.0).round().clamp(0.0, 100.0) as u8);
        }
    }

    /// Reads a set written by [`FeatureSet::write_to`]; returns it and the bytes used, or `None`
    /// when the bytes are truncated or hold impossible values.
    pub fn read_from(bytes: &[u8]) -> Option<(Self, usize)> {
        Self::read_version(bytes, FEATURE_VERSION)
    }

    /// Reads a set written by [`FeatureSet::write_to`] of feature version `version`: before
    /// version 3 the sets held no weights (read as 1).
    pub fn read_version(bytes: &[u8], version: u16) -> Option<(Self, usize)> {
        let position = FingerPosition::from_code(*bytes.first()?)?;
        let count = usize::from(u16::from_le_bytes(bytes.get(1..3)?.try_into().ok()?));
        if count > cylinder::MAX_MINUTIAE {
            return None;
        }
        let mut at = 3;
        let mut cylinders = Vec::with_capacity(count);
        let f32_at = |i: usize| -> Option<f32> {
            Some(f32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?))
        };
        let u64_at = |i: usize| -> Option<u64> {
            Some(u64::from_le_bytes(bytes.get(i..i + 8)?.try_into().ok()?))
        };
        for _ in 0..count {
            let (x, y, angle) = (f32_at(at)?, f32_at(at + 4)?, f32_at(at + 8)?);
            if !(x.is_finite() && y.is_finite() && (0.0..std::f32::consts::TAU).contains(&angle)) {
                return None;
            }
            let mask = u64_at(at + 12)?;
            let mut layers = [0u64; cylinder::ND];
            for (k, l) in layers.iter_mut().enumerate() {
                *l = u64_at(at + 20 + 8 * k)? & mask;
            }
            cylinders.push(Cylinder::from_layers(x, y, angle, mask, layers));
            at += CYLINDER_BYTES;
        }
        if version >= 3 {
            for c in cylinders.iter_mut() {
                let w = *bytes.get(at)?;
                if w > 100 {
                    return None;
                }
                *c = c.with_weight(f32::from(w) / 100.0);
                at += 1;
            }
        }
        cylinders.sort_by(|p, q| p.angle.total_cmp(&q.angle));
        Some((
            Self {
                position,
                cylinders,
            },
            at,
        ))
    }
}

/// A comparer that reuses its scratch buffers: one per thread in hot loops.
#[derive(Default)]
pub struct Matcher {
    scratch: consolidate::Scratch,
    min_common: u32,
}

impl Matcher {
    pub fn new() -> Self {
        Self {
            scratch: consolidate::Scratch::default(),
            min_common: cylinder::min_common_cells(),
        }
    }

    /// Raw similarity of two feature sets in `[0, 1]` (0 when either is empty).
    pub fn compare(&mut self, probe: &FeatureSet, candidate: &FeatureSet) -> f32 {
        if self.min_common == 0 {
            self.min_common = cylinder::min_common_cells();
        }
        consolidate::score(
            &probe.cylinders,
            &candidate.cylinders,
            self.min_common,
            &consolidate::TABLES,
            &mut self.scratch,
        )
    }
}

/// Raw similarity of two feature sets in `[0, 1]`; see [`Matcher`] for loops.
pub fn compare(probe: &FeatureSet, candidate: &FeatureSet) -> f32 {
    Matcher::new().compare(probe, candidate)
}

#[cfg(test)]
mod tests;
