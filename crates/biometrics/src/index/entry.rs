//! Gallery entries as bytes, so the server can persist and reload an enrolled person (encryption
//! and storage are the server's and the store's business).
//!
//! Layout, little-endian: magic `MSDG`, format version (u8), reference id (u16 length + UTF-8),
//! template count (u8), the templates (width, height, ppi u16; position, impression, quality u8;
//! minutia count u16; per minutia x, y u16, angle f32, kind u8, quality u8), then the feature
//! version (u16) and one feature set per template. Feature sets written by another version of the
//! cylinder parameters are ignored on reading and recomputed from the templates.

use crate::matcher::{FeatureSet, FEATURE_VERSION};
use crate::template::{FingerPosition, Impression, Minutia, MinutiaKind, Template};

const MAGIC: &[u8; 4] = b"MSDG";
const FORMAT: u8 = 1;
/// Most templates one reference may hold (ten fingers, a few impressions each).
pub const MAX_TEMPLATES: usize = 32;

/// Why bytes are not a gallery entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("not a gallery entry (bad magic)")]
    Magic,
    #[error("gallery entry format {0} is not supported")]
    Format(u8),
    #[error("gallery entry is truncated")]
    Truncated,
    #[error("gallery entry reference id is not UTF-8")]
    Utf8,
    #[error("gallery entry holds {0} templates (at most {MAX_TEMPLATES})")]
    TooManyTemplates(usize),
    #[error("gallery entry has an invalid value: {0}")]
    Invalid(&'static str),
    #[error("gallery entry has {0} bytes after its end")]
    Trailing(usize),
}

/// One enrolled person: reference id and templates, with their feature sets when known.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryEntry {
    pub reference_id: String,
    pub templates: Vec<Template>,
    /// One per template, in order, when present and of the current feature version.
    pub features: Option<Vec<FeatureSet>>,
}

impl GalleryEntry {
    /// An entry with its feature sets computed.
    pub fn new(reference_id: &str, templates: Vec<Template>) -> Self {
        let features = templates.iter().map(FeatureSet::new).collect();
        Self {
            reference_id: reference_id.to_owned(),
            templates,
            features: Some(features),
        }
    }

    /// The entry as bytes (templates beyond [`MAX_TEMPLATES`], minutiae beyond 65,535 and ids
    /// beyond 65,535 bytes are not representable and are cut).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(FORMAT);
        let mut id = self.reference_id.as_str();
        while id.len() > usize::from(u16::MAX) {
            let mut cut = usize::from(u16::MAX);
            while !id.is_char_boundary(cut) {
                cut -= 1;
            }
            id = id.get(..cut).unwrap_or("");
        }
        out.extend_from_slice(&(id.len() as u16).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        let templates: Vec<&Template> = self.templates.iter().take(MAX_TEMPLATES).collect();
        out.push(templates.len() as u8);
        for t in &templates {
            for v in [t.width, t.height, t.ppi] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&[t.position.code(), t.impression.code(), t.quality]);
            let n = t.minutiae.len().min(usize::from(u16::MAX));
            out.extend_from_slice(&(n as u16).to_le_bytes());
            for m in t.minutiae.iter().take(n) {
                out.extend_from_slice(&m.x.to_le_bytes());
                out.extend_from_slice(&m.y.to_le_bytes());
                out.extend_from_slice(&m.angle.to_le_bytes());
                out.push(match m.kind {
                    MinutiaKind::Ending => 1,
                    MinutiaKind::Bifurcation => 2,
                    MinutiaKind::Other => 0,
                });
                out.push(m.quality);
            }
        }
        match &self.features {
            Some(f) if f.len() == self.templates.len() => {
                out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
                for fs in f.iter().take(templates.len()) {
                    fs.write_to(&mut out);
                }
            }
            _ => out.extend_from_slice(&0u16.to_le_bytes()),
        }
        out
    }

    /// Reads an entry written by [`GalleryEntry::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EntryError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(EntryError::Magic);
        }
        let format = r.u8()?;
        if format != FORMAT {
            return Err(EntryError::Format(format));
        }
        let id_len = usize::from(r.u16()?);
        let reference_id = std::str::from_utf8(r.take(id_len)?)
            .map_err(|_| EntryError::Utf8)?
            .to_owned();
        let count = usize::from(r.u8()?);
        if count > MAX_TEMPLATES {
            return Err(EntryError::TooManyTemplates(count));
        }
        let mut templates = Vec::with_capacity(count);
        for _ in 0..count {
            let (width, height, ppi) = (r.u16()?, r.u16()?, r.u16()?);
            let position =
                FingerPosition::from_code(r.u8()?).ok_or(EntryError::Invalid("finger position"))?;
            let impression = Impression::from_code(r.u8()?);
            let quality = r.u8()?;
            let n = usize::from(r.u16()?);
            let mut minutiae = Vec::with_capacity(n.min(bytes.len() / 10));
            for _ in 0..n {
                let (x, y) = (r.u16()?, r.u16()?);
                let angle = f32::from_le_bytes(r.array()?);
                let kind = match r.u8()? {
                    0 => MinutiaKind::Other,
                    1 => MinutiaKind::Ending,
                    2 => MinutiaKind::Bifurcation,
                    _ => return Err(EntryError::Invalid("minutia kind")),
                };
                let q = r.u8()?;
                minutiae.push(Minutia::new(x, y, angle, kind, q));
            }
            templates.push(Template {
                width,
                height,
                ppi,
                position,
                impression,
                quality: quality.min(100),
                minutiae,
            });
        }
        let version = r.u16()?;
        let features = if version == 0 {
            None
        } else {
            let mut sets = Vec::with_capacity(count);
            for _ in 0..count {
                let rest = bytes.get(r.at..).ok_or(EntryError::Truncated)?;
                let (fs, used) = FeatureSet::read_version(rest, version)
                    .ok_or(EntryError::Invalid("feature set"))?;
                r.at += used;
                sets.push(fs);
            }
            // Older cylinders are read (to find the end) but not used.
            (version == FEATURE_VERSION).then_some(sets)
        };
        if r.at != bytes.len() {
            return Err(EntryError::Trailing(bytes.len().saturating_sub(r.at)));
        }
        Ok(Self {
            reference_id,
            templates,
            features,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        let end = self.at.checked_add(n).ok_or(EntryError::Truncated)?;
        let s = self.bytes.get(self.at..end).ok_or(EntryError::Truncated)?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        self.take(N)?.try_into().map_err(|_| EntryError::Truncated)
    }

    fn u8(&mut self) -> Result<u8, EntryError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, EntryError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::synthetic::{dataset, Variation};

    #[test]
    fn entries_round_trip_with_and_without_features() {
        let data = dataset(3, 2, 1, &Variation::default());
        let templates: Vec<Template> = data.into_iter().flatten().collect();
        let entry = GalleryEntry::new("person-٣", templates);
        let bytes = entry.to_bytes();
        assert_eq!(GalleryEntry::from_bytes(&bytes), Ok(entry.clone()));
        let bare = GalleryEntry {
            features: None,
            ..entry
        };
        assert_eq!(GalleryEntry::from_bytes(&bare.to_bytes()), Ok(bare));
    }

    #[test]
    fn damaged_bytes_are_refused_not_panicked_on() {
        let data = dataset(4, 1, 1, &Variation::default());
        let bytes = GalleryEntry::new("x", data.into_iter().flatten().collect()).to_bytes();
        for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
            assert!(GalleryEntry::from_bytes(&bytes[..cut]).is_err(), "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            GalleryEntry::from_bytes(&longer),
            Err(EntryError::Trailing(1))
        );
        assert_eq!(GalleryEntry::from_bytes(b"NOPE"), Err(EntryError::Magic));
        // Flipping any byte never panics.
        for i in (0..bytes.len()).step_by(5) {
            let mut b = bytes.clone();
            b[i] ^= 0xa5;
            let _ = GalleryEntry::from_bytes(&b);
        }
    }
}
