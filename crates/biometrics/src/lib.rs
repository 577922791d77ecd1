//! Fingerprints, pure: no I/O, no clock, no global randomness.
//!
//! - [`image`]: the grey-scale finger image every format decodes to (500 ppi).
//! - [`template`]: minutiae and templates, the common currency of formats, extraction and matching.
//! - [`formats`]: PNG, WSQ, ISO/IEC 19794-4 finger images; ISO/IEC 19794-2 (2005, 2011) and ANSI INCITS
//!   378 minutiae templates, read and written byte-exactly.
//! - `extract`: segmentation, orientation and frequency fields, Gabor enhancement, binarisation,
//!   thinning, minutiae, false-minutia removal, image quality.
//! - `matcher`: Minutia Cylinder-Code comparison with global consolidation, calibrated scores,
//!   multi-finger fusion; `index`: 1:N identification with pre-selection (MOSIP ABIS shape).
//! - `synth`: a seeded synthetic fingerprint generator for tests and evaluation.

pub mod extract;
pub mod formats;
pub mod image;
pub mod index;
pub mod matcher;
pub mod synth;
pub mod template;
