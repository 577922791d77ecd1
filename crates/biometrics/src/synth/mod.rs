//! A seeded synthetic fingerprint generator (after SFinGe) and the FVC evaluation protocol.
//!
//! - [`master`]: a finger's whole ridge pattern — silhouette, zero-pole orientation field by
//!   class, ridge period map, ridges grown by iterated Gabor filtering — and its ground-truth
//!   minutiae.
//! - [`impression`]: one touch of a 500 ppi sensor — placement, non-linear distortion, partial
//!   contact, dry or wet skin, pressure, creases, blur, noise — with the ground truth carried
//!   into the image's coordinates. Presets `easy`, `normal`, `harsh`.
//! - [`Dataset`]: `fingers × impressions` images in the FVC layout, each reproducible on its own
//!   from the data set's seed.
//! - [`eval`]: the FVC protocol (genuine and impostor pairs) and its figures (FTE, EER, FMR100,
//!   FMR1000, ZeroFMR) with a DET curve drawn as SVG.
//!
//! Everything is pure and deterministic: the same seed and settings give the same pixels.
//!
//! Typical use (tests keep canvases small: a master of 100 × 120 takes well under a second in a
//! debug build; the default 400 × 500 takes about a second in release):
//!
//! ```text
//! let set = Dataset::new(10, 8, ImpressionSettings::harsh(), 42);
//! let master = set.master(3)?;                                   // finger 4's whole pattern
//! let imp = set.impression(&master, SampleId::new(3, 0))?;       // its first impression
//! // imp.image: GrayImage (336 × 448, 500 ppi); imp.minutiae: ground truth in its coordinates
//! let agreement = eval::compare_minutiae(&imp.minutiae, &extracted, 12.0, 0.6);
//! ```

pub mod eval;
pub mod impression;
pub mod master;
mod minutiae;
mod noise;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use impression::{take_impression, FingerImpression, ImpressionSettings};
pub use master::{
    generate_master, FingerClass, MasterFingerprint, MasterSettings, Point, Silhouette,
};

use crate::image::ImageError;

/// Why the generator cannot produce an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("a master canvas of {width} x {height} is too small (at least 64 x 64)")]
    TooSmall { width: u32, height: u32 },
    #[error("finger {finger}, impression {impression} is outside the data set")]
    OutOfRange { finger: u32, impression: u32 },
}

/// One image of a data set: finger `finger` (0-based), impression `impression` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleId {
    pub finger: u32,
    pub impression: u32,
}

impl SampleId {
    pub fn new(finger: u32, impression: u32) -> Self {
        Self { finger, impression }
    }

    /// The FVC file stem, 1-based: finger 0, impression 2 is `1_3`.
    pub fn fvc_name(self) -> String {
        format!("{}_{}", self.finger + 1, self.impression + 1)
    }
}

/// A synthetic data set in the FVC layout: `fingers` fingers, `impressions` impressions each.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub fingers: u32,
    pub impressions: u32,
    pub settings: ImpressionSettings,
    pub master: MasterSettings,
    pub seed: u64,
}

impl Default for Dataset {
    /// 10 fingers × 8 impressions, `normal` conditions, seed 0.
    fn default() -> Self {
        Self::new(10, 8, ImpressionSettings::normal(), 0)
    }
}

impl Dataset {
    /// A data set with default master settings.
    pub fn new(fingers: u32, impressions: u32, settings: ImpressionSettings, seed: u64) -> Self {
        Self {
            fingers,
            impressions,
            settings,
            master: MasterSettings::default(),
            seed,
        }
    }

    /// The master of finger `finger` (0-based); depends only on the seed and the finger.
    pub fn master(&self, finger: u32) -> Result<MasterFingerprint, SynthError> {
        if finger >= self.fingers {
            return Err(SynthError::OutOfRange {
                finger,
                impression: 0,
            });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(noise::derive_seed(self.seed, u64::from(finger)));
        let mut settings = self.master.clone();
        settings.class = Some(self.class_of(finger));
        generate_master(&mut rng, &settings)
    }

    /// The class of a finger: the fixed class of the master settings, or else one drawn so that
    /// any run of consecutive fingers has about the natural proportions (a golden-ratio
    /// sequence, shifted by the seed, walks the class quantiles).
    pub fn class_of(&self, finger: u32) -> FingerClass {
        if let Some(class) = self.master.class {
            return class;
        }
        let shift = (noise::derive_seed(self.seed, u64::MAX) >> 11) as f64 / (1u64 << 53) as f64;
        let u = (shift + f64::from(finger) * 0.618_033_988_749_894_9).fract();
        FingerClass::at_quantile(u as f32)
    }

    /// Impression `impression` of a finger's master (as returned by [`Dataset::master`]).
    pub fn impression(
        &self,
        master: &MasterFingerprint,
        id: SampleId,
    ) -> Result<FingerImpression, SynthError> {
        if id.finger >= self.fingers || id.impression >= self.impressions {
            return Err(SynthError::OutOfRange {
                finger: id.finger,
                impression: id.impression,
            });
        }
        // Masters use streams 0..fingers; impressions hash (finger, impression) far from them.
        let stream = noise::derive_seed(u64::from(id.finger) | (1 << 40), u64::from(id.impression));
        let mut rng = ChaCha8Rng::seed_from_u64(noise::derive_seed(self.seed, stream));
        take_impression(&mut rng, master, &self.settings)
    }

    /// A finger's master and all its impressions.
    pub fn finger(
        &self,
        finger: u32,
    ) -> Result<(MasterFingerprint, Vec<FingerImpression>), SynthError> {
        let master = self.master(finger)?;
        let impressions = (0..self.impressions)
            .map(|j| self.impression(&master, SampleId::new(finger, j)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((master, impressions))
    }

    /// Every sample of the set, finger by finger.
    pub fn samples(&self) -> impl Iterator<Item = SampleId> + '_ {
        (0..self.fingers).flat_map(move |i| (0..self.impressions).map(move |j| SampleId::new(i, j)))
    }
}

#[cfg(test)]
mod tests;
