//! Minutiae comparison: Minutia Cylinder-Code (MCC-bit) with LSS-R consolidation, calibrated
//! scores and multi-finger fusion.
//!
//! - [`FeatureSet`]: a template's cylinders, computed once (a gallery keeps them).
//! - [`compare`] / [`Matcher::compare`]: raw similarity of two feature sets in `[0, 1]`, symmetric
//!   in meaning, rotation- and translation-invariant, never `NaN`.
//! - [`calibration`]: raw score → estimated false-match rate, and back (thresholds by FMR).
//! - [`fusion`]: several fingers' false-match rates → one for the person.
//! - [`synthetic`]: seeded minutiae-level fingers and impressions, and the FVC-style accuracy
//!   measures (EER, FMR1000) used by tests and examples.
//!
//! What this module does not do: read images or template formats (see `formats`, `extract`), or
//! search a gallery (see [`crate::index`]).

pub mod calibration;
mod consolidate;
pub mod cylinder;
pub mod fusion;
pub mod synthetic;

pub use calibration::Calibration;
pub use cylinder::Cylinder;

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
