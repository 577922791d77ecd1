//! 1:N identification and 1:1 verification against an enrolled gallery, in the shape of MOSIP's
//! ABIS interface (insert, identify, verify, delete) so a country can swap in a commercial ABIS
//! behind the same trait.
//!
//! A search does not run the full comparison against everyone. Pre-selection: a quick partial
//! comparison ([`Prescreen`]: the probe's most informative cylinders against each enrolled
//! finger of a compatible position, no consolidation) ranks the gallery; the best
//! [`IndexParams::penetration`] share of the fingers (at least [`IndexParams::min_candidates`])
//! name the candidate references. Every finger of a candidate reference is then compared in full
//! (MCC with LSS-R) with the probe finger of the same position. Both stages run on
//! [`IndexParams::threads`] threads; per-finger raw scores become false-match rates
//! ([`Calibration`]) and are fused per person ([`crate::matcher::fusion`]).
//!
//! (Locality-sensitive hashing of cylinder bits, after Cappelli et al. 2011, was tried first: on
//! 8 × 8 × 6 cylinders, where about one bit in nine is set, hash keys are dominated by zero bits
//! and the mate was in a 4 % candidate list only a third of the time.)
//!
//! `target_fpir` is a false-positive identification rate for the whole search: a reference is
//! returned when its fused false-match rate is at most `target_fpir / N` for a gallery of `N`
//! references (the union bound). Candidate scores are `−10 · log10 FMR` capped to `0..=100`, the
//! scale of MOSIP's `targetFPIR` (30 = one in a thousand).
//!
//! Deleting a reference drops its feature sets: nothing of it stays searchable or in memory.

mod entry;

use std::collections::HashMap;

pub use entry::{EntryError, GalleryEntry, MAX_TEMPLATES};

use crate::matcher::calibration::score_of_log10_fmr;
use crate::matcher::fusion::fuse_log10_fmr;
use crate::matcher::prescreen::DEFAULT_CYLINDERS;
use crate::matcher::{Calibration, FeatureSet, Matcher, Prescreen};
use crate::template::{FingerPosition, Template};

/// Why an ABIS request cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbisError {
    #[error("reference {0:?} is already enrolled")]
    DuplicateReference(String),
    #[error("reference {0:?} is not enrolled")]
    UnknownReference(String),
    #[error("no templates given")]
    NoTemplates,
    #[error("{0} templates given (at most {MAX_TEMPLATES})")]
    TooManyTemplates(usize),
    #[error("the gallery is full (2^32 fingers)")]
    Full,
}

/// One finger's part of a candidate's score.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerScore {
    pub position: FingerPosition,
    /// Raw MCC similarity in `[0, 1]`.
    pub raw: f32,
    /// Calibrated score, `−10 · log10 FMR`, `0..=100`.
    pub score: f32,
}

/// A reference returned by a search or a verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub reference_id: String,
    /// Fused score, `−10 · log10 FMR` capped to `0..=100`.
    pub score: f32,
    /// Fused log10 false-match rate (not capped; at least `MIN_LOG10_FMR`).
    pub log10_fmr: f32,
    /// Per probe finger that found a finger of the same position in the reference.
    pub fingers: Vec<FingerScore>,
}

/// The ABIS operations marsad needs (MOSIP ABIS shape).
pub trait Abis {
    /// Enrols a person's templates under a new reference id.
    fn insert(&mut self, reference_id: &str, templates: Vec<Template>) -> Result<(), AbisError>;
    /// The references likeliest to be the probe's person, best first, at most `max_results`,
    /// each with a fused false-match rate low enough for `target_fpir` over the whole gallery.
    fn identify(
        &self,
        probe: &[Template],
        max_results: usize,
        target_fpir: f64,
    ) -> Result<Vec<Candidate>, AbisError>;
    /// The probe compared with one enrolled reference (1:1); the caller decides with a threshold
    /// on [`Candidate::log10_fmr`] (for example from a target false-match rate).
    fn verify(&self, reference_id: &str, probe: &[Template]) -> Result<Candidate, AbisError>;
    /// Removes a reference and everything searchable of it.
    fn delete(&mut self, reference_id: &str) -> Result<(), AbisError>;
    /// Number of enrolled references.
    fn count(&self) -> usize;
}

/// How a [`Gallery`] pre-selects and searches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexParams {
    /// Probe cylinders used by the quick comparison.
    pub prescreen_cylinders: usize,
    /// Share of the enrolled fingers compared in full per probe finger.
    pub penetration: f64,
    /// ...but at least this many.
    pub min_candidates: usize,
    /// Threads for the full comparisons (results do not depend on it).
    pub threads: usize,
}

impl Default for IndexParams {
    fn default() -> Self {
        Self {
            prescreen_cylinders: DEFAULT_CYLINDERS,
            penetration: 0.01,
            min_candidates: 200,
            threads: 2,
        }
    }
}

struct Finger {
    reference: u32,
    features: FeatureSet,
}

struct Reference {
    id: String,
    fingers: Vec<u32>,
}

/// An in-memory gallery with an LSH pre-selection index: marsad's own ABIS.
pub struct Gallery {
    params: IndexParams,
    calibration: Calibration,
    ids: HashMap<String, u32>,
    references: Vec<Option<Reference>>,
    fingers: Vec<Option<Finger>>,
    live_fingers: usize,
}

/// Pre-selection statistics of one probe finger, for evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Preselection {
    /// References named by the candidate fingers, in vote order (best first, deduplicated).
    pub references: Vec<String>,
    /// Fingers in the candidate list.
    pub fingers: usize,
}

impl Gallery {
    pub fn new(params: IndexParams, calibration: Calibration) -> Self {
        Self {
            params,
            calibration,
            ids: HashMap::new(),
            references: Vec::new(),
            fingers: Vec::new(),
            live_fingers: 0,
        }
    }

    /// Enrols a reloaded entry, using its stored feature sets when they are current.
    pub fn insert_entry(&mut self, entry: GalleryEntry) -> Result<(), AbisError> {
        let features = match entry.features {
            Some(f) if f.len() == entry.templates.len() => f,
            _ => entry.templates.iter().map(FeatureSet::new).collect(),
        };
        self.insert_features(&entry.reference_id, features)
    }

    /// Enrols feature sets computed elsewhere (for example on several threads).
    pub fn insert_features(
        &mut self,
        reference_id: &str,
        features: Vec<FeatureSet>,
    ) -> Result<(), AbisError> {
        if features.is_empty() {
            return Err(AbisError::NoTemplates);
        }
        if features.len() > MAX_TEMPLATES {
            return Err(AbisError::TooManyTemplates(features.len()));
        }
        if self.ids.contains_key(reference_id) {
            return Err(AbisError::DuplicateReference(reference_id.to_owned()));
        }
        if self.fingers.len() + features.len() > u32::MAX as usize
            || self.references.len() >= u32::MAX as usize
        {
            return Err(AbisError::Full);
        }
        let slot = self.references.len() as u32;
        let mut indices = Vec::with_capacity(features.len());
        for fs in features {
            let index = self.fingers.len() as u32;
            self.fingers.push(Some(Finger {
                reference: slot,
                features: fs,
            }));
            indices.push(index);
            self.live_fingers += 1;
        }
        self.references.push(Some(Reference {
            id: reference_id.to_owned(),
            fingers: indices,
        }));
        self.ids.insert(reference_id.to_owned(), slot);
        Ok(())
    }

    /// Enrolled fingers.
    pub fn fingers(&self) -> usize {
        self.live_fingers
    }

    /// Approximate bytes held: feature sets, hash buckets, bookkeeping.
    pub fn memory_bytes(&self) -> usize {
        let fingers: usize = self
            .fingers
            .iter()
            .map(|f| {
                std::mem::size_of::<Option<Finger>>()
                    + f.as_ref().map_or(0, |f| {
                        f.features.memory_bytes() - std::mem::size_of::<FeatureSet>()
                    })
            })
            .sum();
        let references: usize = self
            .references
            .iter()
            .map(|r| {
                std::mem::size_of::<Option<Reference>>()
                    + r.as_ref()
                        .map_or(0, |r| 2 * r.id.len() + 4 * r.fingers.capacity() + 48)
            })
            .sum();
        fingers + references
    }

    fn compatible(a: FingerPosition, b: FingerPosition) -> bool {
        a == b || a == FingerPosition::UNKNOWN || b == FingerPosition::UNKNOWN
    }

    /// The candidate fingers of one probe finger, best quick scores first.
    fn preselect(&self, probe: &FeatureSet) -> Vec<u32> {
        if probe.is_empty() {
            return Vec::new();
        }
        let screen = Prescreen::new(probe, self.params.prescreen_cylinders);
        let threads = self.params.threads.clamp(1, 64);
        let chunk = self.fingers.len().div_ceil(threads).max(1);
        let mut ranked: Vec<(f32, u32)> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .fingers
                .chunks(chunk)
                .enumerate()
                .map(|(part, fingers)| {
                    let screen = &screen;
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        for (k, f) in fingers.iter().enumerate() {
                            let Some(f) = f else { continue };
                            if !Self::compatible(probe.position(), f.features.position()) {
                                continue;
                            }
                            let s = screen.score(&f.features);
                            if s > 0.0 {
                                out.push((s, (part * chunk + k) as u32));
                            }
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let wanted = ((self.live_fingers as f64 * self.params.penetration).ceil() as usize)
            .max(self.params.min_candidates)
            .min(ranked.len());
        // Best quick score first, then the earlier enrolment: deterministic.
        let order = |x: &(f32, u32), y: &(f32, u32)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
        if wanted > 0 && wanted < ranked.len() {
            ranked.select_nth_unstable_by(wanted - 1, order);
            ranked.truncate(wanted);
        }
        ranked.sort_unstable_by(order);
        ranked.into_iter().map(|(_, i)| i).collect()
    }

    /// What pre-selection keeps for one probe template (for measuring penetration and hit rate).
    pub fn preselection(&self, probe: &Template) -> Preselection {
        let fs = FeatureSet::new(probe);
        let fingers = self.preselect(&fs);
        let mut seen = std::collections::HashSet::new();
        let mut references = Vec::new();
        for f in &fingers {
            if let Some(Some(finger)) = self.fingers.get(*f as usize) {
                if seen.insert(finger.reference) {
                    if let Some(Some(r)) = self.references.get(finger.reference as usize) {
                        references.push(r.id.clone());
                    }
                }
            }
        }
        Preselection {
            references,
            fingers: fingers.len(),
        }
    }

    /// Compares the probe fingers with one reference and fuses.
    fn score_reference(
        &self,
        matcher: &mut Matcher,
        probe: &[FeatureSet],
        reference: &Reference,
    ) -> Candidate {
        let mut per_finger = Vec::new();
        let mut logs = Vec::new();
        for p in probe {
            let mut best: Option<f32> = None;
            let mut compared = 0u32;
            for &f in &reference.fingers {
                let Some(Some(finger)) = self.fingers.get(f as usize) else {
                    continue;
                };
                if !Self::compatible(p.position(), finger.features.position()) {
                    continue;
                }
                compared += 1;
                let raw = matcher.compare(p, &finger.features);
                best = Some(best.map_or(raw, |b: f32| b.max(raw)));
            }
            if let Some(raw) = best {
                // The best of `compared` comparisons: its false-match rate is up to `compared`
                // times larger (a finger of unknown position compared with several).
                let log = (self.calibration.log10_fmr(raw) + (compared as f32).log10()).min(0.0);
                logs.push(Some(log));
                per_finger.push(FingerScore {
                    position: p.position(),
                    raw,
                    score: score_of_log10_fmr(log),
                });
            }
        }
        let fused = fuse_log10_fmr(&logs);
        Candidate {
            reference_id: reference.id.clone(),
            score: score_of_log10_fmr(fused),
            log10_fmr: fused,
            fingers: per_finger,
        }
    }

    fn live_references(&self) -> usize {
        self.ids.len()
    }
}

impl Abis for Gallery {
    fn insert(&mut self, reference_id: &str, templates: Vec<Template>) -> Result<(), AbisError> {
        if templates.len() > MAX_TEMPLATES {
            return Err(AbisError::TooManyTemplates(templates.len()));
        }
        let features = templates.iter().map(FeatureSet::new).collect();
        self.insert_features(reference_id, features)
    }

    fn identify(
        &self,
        probe: &[Template],
        max_results: usize,
        target_fpir: f64,
    ) -> Result<Vec<Candidate>, AbisError> {
        if probe.is_empty() {
            return Err(AbisError::NoTemplates);
        }
        if probe.len() > MAX_TEMPLATES {
            return Err(AbisError::TooManyTemplates(probe.len()));
        }
        if max_results == 0 || self.live_references() == 0 {
            return Ok(Vec::new());
        }
        let probe: Vec<FeatureSet> = probe.iter().map(FeatureSet::new).collect();
        // Candidate references, in a deterministic order (by enrolment slot).
        let mut slots: Vec<u32> = probe
            .iter()
            .flat_map(|p| self.preselect(p))
            .filter_map(|f| self.fingers.get(f as usize)?.as_ref().map(|f| f.reference))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let references: Vec<&Reference> = slots
            .iter()
            .filter_map(|&s| self.references.get(s as usize)?.as_ref())
            .collect();
        let threads = self.params.threads.clamp(1, 64);
        let chunk = references.len().div_ceil(threads).max(1);
        let mut scored: Vec<Candidate> = std::thread::scope(|scope| {
            let handles: Vec<_> = references
                .chunks(chunk)
                .map(|part| {
                    let probe = &probe;
                    scope.spawn(move || {
                        let mut matcher = Matcher::new();
                        part.iter()
                            .map(|r| self.score_reference(&mut matcher, probe, r))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let fpir = if target_fpir.is_finite() && target_fpir > 0.0 {
            target_fpir.min(1.0)
        } else {
            f64::MIN_POSITIVE
        };
        let limit = (fpir / self.live_references() as f64).log10() as f32;
        scored.retain(|c| c.log10_fmr <= limit);
        scored.sort_by(|a, b| {
            a.log10_fmr
                .total_cmp(&b.log10_fmr)
                .then_with(|| a.reference_id.cmp(&b.reference_id))
        });
        scored.truncate(max_results);
        Ok(scored)
    }

    fn verify(&self, reference_id: &str, probe: &[Template]) -> Result<Candidate, AbisError> {
        if probe.is_empty() {
            return Err(AbisError::NoTemplates);
        }
        if probe.len() > MAX_TEMPLATES {
            return Err(AbisError::TooManyTemplates(probe.len()));
        }
        let reference = self
            .ids
            .get(reference_id)
            .and_then(|&s| self.references.get(s as usize)?.as_ref())
            .ok_or_else(|| AbisError::UnknownReference(reference_id.to_owned()))?;
        let probe: Vec<FeatureSet> = probe.iter().map(FeatureSet::new).collect();
        Ok(self.score_reference(&mut Matcher::new(), &probe, reference))
    }

    fn delete(&mut self, reference_id: &str) -> Result<(), AbisError> {
        let slot = self
            .ids
            .remove(reference_id)
            .ok_or_else(|| AbisError::UnknownReference(reference_id.to_owned()))?;
        let Some(reference) = self
            .references
            .get_mut(slot as usize)
            .and_then(Option::take)
        else {
            return Ok(());
        };
        for f in reference.fingers {
            if self
                .fingers
                .get_mut(f as usize)
                .and_then(Option::take)
                .is_some()
            {
                self.live_fingers = self.live_fingers.saturating_sub(1);
            }
        }
        Ok(())
    }

    fn count(&self) -> usize {
        self.live_references()
    }
}

#[cfg(test)]
mod tests;
