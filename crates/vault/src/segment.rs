//! The encrypted body format: a 20-byte header, then the plaintext cut into segments, each sealed
//! with AES-256-GCM under the object's data key (the STREAM construction of Hoang, Reyhanitabar,
//! Rogaway and Vizár, as in Tink and age).
//!
//! ```text
//! header  = "MARSADV" | version 1 | algorithm 1 (AES-256-GCM) | segment size (u32 BE) | nonce prefix (7 random bytes)
//! segment = AES-256-GCM(data key, nonce = prefix | counter (u32 BE) | last (0 or 1), aad = header, plaintext) | tag (16)
//! ```
//!
//! Every segment holds `segment size` plaintext bytes except the last, which holds 1 to
//! `segment size` bytes (0 only for an empty object, which is one empty last segment). Because the
//! counter and the last-segment flag are part of each nonce, a reordered, dropped, duplicated or
//! truncated segment fails authentication, and so does a body cut exactly at a segment boundary
//! (its new final segment was sealed as "not last"). The header is the associated data of every
//! segment, so it cannot be altered either. The data key is random per object, so nonces never
//! repeat under one key.
//!
//! This module is pure: [`Sealer`] and [`Opener`] turn bytes into bytes; the vault does the I/O.

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use bytes::{Bytes, BytesMut};

use crate::keys::KEY_LEN;

/// Plaintext bytes per segment for new objects.
pub const SEGMENT_SIZE: u32 = 64 * 1024;
/// Length of the body header.
pub const HEADER_LEN: usize = 20;
/// Authentication tag per segment.
pub const TAG_LEN: usize = 16;
const MAGIC: &[u8; 7] = b"MARSADV";
const VERSION: u8 = 1;
const ALG_AES256GCM: u8 = 1;
const PREFIX_LEN: usize = 7;
const MIN_SEGMENT: u32 = 1024;
const MAX_SEGMENT: u32 = 16 * 1024 * 1024;

/// The body header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub segment_size: u32,
    pub prefix: [u8; PREFIX_LEN],
}

impl Header {
    /// A header with a random nonce prefix.
    pub fn random(segment_size: u32) -> Result<Self, getrandom::Error> {
        let mut prefix = [0u8; PREFIX_LEN];
        getrandom::fill(&mut prefix)?;
        Ok(Self {
            segment_size,
            prefix,
        })
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..7].copy_from_slice(MAGIC);
        out[7] = VERSION;
        out[8] = ALG_AES256GCM;
        out[9..13].copy_from_slice(&self.segment_size.to_be_bytes());
        out[13..].copy_from_slice(&self.prefix);
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < HEADER_LEN
            || &bytes[..7] != MAGIC
            || bytes[7] != VERSION
            || bytes[8] != ALG_AES256GCM
        {
            return None;
        }
        let segment_size = u32::from_be_bytes([bytes[9], bytes[10], bytes[11], bytes[12]]);
        if !(MIN_SEGMENT..=MAX_SEGMENT).contains(&segment_size) {
            return None;
        }
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&bytes[13..HEADER_LEN]);
        Some(Self {
            segment_size,
            prefix,
        })
    }
}

/// Number of segments of a plaintext of `size` bytes.
pub(crate) fn segment_count(size: u64, segment_size: u32) -> u64 {
    if size == 0 {
        1
    } else {
        size.div_ceil(u64::from(segment_size))
    }
}

/// The stored length of a body holding `size` plaintext bytes.
pub fn body_len(size: u64, segment_size: u32) -> u64 {
    HEADER_LEN as u64 + size + segment_count(size, segment_size) * TAG_LEN as u64
}

struct SegmentCipher {
    cipher: Aes256Gcm,
    header: [u8; HEADER_LEN],
    prefix: [u8; PREFIX_LEN],
}

impl SegmentCipher {
    fn new(key: &[u8; KEY_LEN], header: &Header) -> Option<Self> {
        Some(Self {
            cipher: Aes256Gcm::new_from_slice(key).ok()?,
            header: header.encode(),
            prefix: header.prefix,
        })
    }

    fn nonce(&self, counter: u32, last: bool) -> Nonce<aes_gcm::aead::consts::U12> {
        let mut n = [0u8; 12];
        n[..PREFIX_LEN].copy_from_slice(&self.prefix);
        n[PREFIX_LEN..11].copy_from_slice(&counter.to_be_bytes());
        n[11] = u8::from(last);
        Nonce::from(n)
    }
}

/// Seals one segment after another.
pub(crate) struct Sealer {
    cipher: SegmentCipher,
    counter: u32,
    finished: bool,
}

/// Why sealing stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SealError {
    /// More than 2^32 segments (256 TiB at 64 KiB segments).
    TooManySegments,
    /// A segment after the last one, or AES-GCM refused the input.
    Misuse,
}

impl Sealer {
    pub fn new(key: &[u8; KEY_LEN], header: &Header) -> Option<Self> {
        Some(Self {
            cipher: SegmentCipher::new(key, header)?,
            counter: 0,
            finished: false,
        })
    }

    /// Seals the next segment (`plain` must hold exactly the segment size, or 0 to segment size
    /// bytes when `last`); returns ciphertext and tag.
    #[cfg(test)]
    pub fn seal(&mut self, plain: &[u8], last: bool) -> Result<Bytes, SealError> {
        if self.finished {
            return Err(SealError::Misuse);
        }
        let mut out = Vec::with_capacity(plain.len() + TAG_LEN);
        out.extend_from_slice(plain);
        let nonce = self.cipher.nonce(self.counter, last);
        let tag = self
            .cipher
            .cipher
            .encrypt_inout_detached(&nonce, &self.cipher.header, out.as_mut_slice().into())
            .map_err(|_| SealError::Misuse)?;
        out.extend_from_slice(tag.as_slice());
        if last {
            self.finished = true;
        } else {
            self.counter = self
                .counter
                .checked_add(1)
                .ok_or(SealError::TooManySegments)?;
        }
        Ok(Bytes::from(out))
    }

    /// Seals consecutive segments in place (`plain` holds whole segments, except that when `last`
    /// its final segment may be short); returns their tags, 16 bytes each, in order. The stored
    /// form is each sealed segment followed by its tag.
    pub fn seal_in_place(
        &mut self,
        plain: &mut [u8],
        segment_size: usize,
        last: bool,
    ) -> Result<Vec<u8>, SealError> {
        if self.finished || segment_size == 0 || plain.is_empty() {
            return Err(SealError::Misuse);
        }
        if !last && !plain.len().is_multiple_of(segment_size) {
            return Err(SealError::Misuse);
        }
        let count = plain.len().div_ceil(segment_size);
        let mut tags = Vec::with_capacity(count * TAG_LEN);
        for (i, segment) in plain.chunks_mut(segment_size).enumerate() {
            let is_last = last && i + 1 == count;
            let nonce = self.cipher.nonce(self.counter, is_last);
            let tag = self
                .cipher
                .cipher
                .encrypt_inout_detached(&nonce, &self.cipher.header, segment.into())
                .map_err(|_| SealError::Misuse)?;
            tags.extend_from_slice(tag.as_slice());
            if is_last {
                self.finished = true;
            } else {
                self.counter = self
                    .counter
                    .checked_add(1)
                    .ok_or(SealError::TooManySegments)?;
            }
        }
        Ok(tags)
    }

    /// Seals consecutive segments in one buffer: `plain` holds whole segments, except that when
    /// `last` its final segment may be short (or the only, empty one).
    pub fn seal_batch(
        &mut self,
        plain: &[u8],
        segment_size: usize,
        last: bool,
    ) -> Result<Bytes, SealError> {
        if self.finished || segment_size == 0 {
            return Err(SealError::Misuse);
        }
        let count = plain.len().div_ceil(segment_size).max(usize::from(last));
        if !last && !plain.len().is_multiple_of(segment_size) {
            return Err(SealError::Misuse);
        }
        let mut out = Vec::with_capacity(plain.len() + count * TAG_LEN);
        for i in 0..count {
            let start = i * segment_size;
            let end = plain.len().min(start + segment_size);
            let is_last = last && i + 1 == count;
            let at = out.len();
            out.extend_from_slice(&plain[start..end]);
            let nonce = self.cipher.nonce(self.counter, is_last);
            let tag = self
                .cipher
                .cipher
                .encrypt_inout_detached(&nonce, &self.cipher.header, (&mut out[at..]).into())
                .map_err(|_| SealError::Misuse)?;
            out.extend_from_slice(tag.as_slice());
            if is_last {
                self.finished = true;
            } else {
                self.counter = self
                    .counter
                    .checked_add(1)
                    .ok_or(SealError::TooManySegments)?;
            }
        }
        Ok(Bytes::from(out))
    }
}

/// Opens a body as its bytes arrive, for a plaintext of known size (from the authenticated
/// blob record).
pub(crate) struct Opener {
    cipher: SegmentCipher,
    segment_size: usize,
    counter: u32,
    remaining: u64,
    segments_left: u64,
    pending: BytesMut,
}

impl Opener {
    pub fn new(key: &[u8; KEY_LEN], header: &Header, size: u64) -> Option<Self> {
        Some(Self {
            cipher: SegmentCipher::new(key, header)?,
            segment_size: usize::try_from(header.segment_size).ok()?,
            counter: 0,
            remaining: size,
            segments_left: segment_count(size, header.segment_size),
            pending: BytesMut::new(),
        })
    }

    /// Length of the next sealed segment, and whether it is the last one.
    fn next_len(&self) -> Option<(usize, bool)> {
        if self.segments_left == 0 {
            return None;
        }
        let last = self.segments_left == 1;
        let plain = if last {
            usize::try_from(self.remaining).ok()?
        } else {
            self.segment_size
        };
        Some((plain + TAG_LEN, last))
    }

    /// Feeds ciphertext; returns the plaintext of every segment it completed, in order.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<Bytes>) -> Result<(), &'static str> {
        self.pending.extend_from_slice(chunk);
        while let Some((len, last)) = self.next_len() {
            if self.pending.len() < len {
                break;
            }
            let mut sealed = self.pending.split_to(len);
            let tag_at = len - TAG_LEN;
            let tag = <Tag>::try_from(&sealed[tag_at..])
                .map_err(|_| "segment tag has the wrong length")?;
            let nonce = self.cipher.nonce(self.counter, last);
            self.cipher
                .cipher
                .decrypt_inout_detached(
                    &nonce,
                    &self.cipher.header,
                    (&mut sealed[..tag_at]).into(),
                    &tag,
                )
                .map_err(|_| "a segment failed authentication (altered, reordered or truncated)")?;
            sealed.truncate(tag_at);
            self.remaining -= tag_at as u64;
            self.segments_left -= 1;
            self.counter = self.counter.wrapping_add(1);
            out.push(sealed.freeze());
        }
        if self.segments_left == 0 && !self.pending.is_empty() {
            return Err("data after the last segment");
        }
        Ok(())
    }

    /// Checks that the body ended exactly after its last segment.
    pub fn finish(&self) -> Result<(), &'static str> {
        if self.segments_left != 0 {
            return Err("the body ends early (truncated)");
        }
        if !self.pending.is_empty() {
            return Err("data after the last segment");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEG: u32 = 1024;

    fn seal_all(key: &[u8; 32], header: &Header, plain: &[u8]) -> Vec<Bytes> {
        let mut sealer = Sealer::new(key, header).unwrap();
        let seg = SEG as usize;
        let mut out = Vec::new();
        if plain.is_empty() {
            out.push(sealer.seal(&[], true).unwrap());
            return out;
        }
        let chunks: Vec<&[u8]> = plain.chunks(seg).collect();
        for (i, c) in chunks.iter().enumerate() {
            out.push(sealer.seal(c, i + 1 == chunks.len()).unwrap());
        }
        out
    }

    fn open_all(
        key: &[u8; 32],
        header: &Header,
        size: u64,
        body: &[u8],
        step: usize,
    ) -> Result<Vec<u8>, &'static str> {
        let mut opener = Opener::new(key, header, size).unwrap();
        let mut plain = Vec::new();
        for chunk in body.chunks(step.max(1)) {
            let mut out = Vec::new();
            opener.push(chunk, &mut out)?;
            out.iter().for_each(|b| plain.extend_from_slice(b));
        }
        opener.finish()?;
        Ok(plain)
    }

    #[test]
    fn round_trips_every_boundary_and_chunking() {
        let key = [5u8; 32];
        let header = Header::random(SEG).unwrap();
        for size in [0usize, 1, 1023, 1024, 1025, 2048, 5000] {
            let plain: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let sealed: Vec<u8> = seal_all(&key, &header, &plain).concat();
            assert_eq!(
                sealed.len() as u64 + HEADER_LEN as u64,
                body_len(size as u64, SEG)
            );
            for step in [1, 7, 1040, 100_000] {
                assert_eq!(
                    open_all(&key, &header, size as u64, &sealed, step).unwrap(),
                    plain,
                    "size {size} step {step}"
                );
            }
        }
    }

    #[test]
    fn header_round_trip_and_refusals() {
        let h = Header::random(SEGMENT_SIZE).unwrap();
        assert_eq!(Header::decode(&h.encode()), Some(h));
        let mut bad = h.encode();
        bad[0] = b'X';
        assert_eq!(Header::decode(&bad), None);
        let mut bad = h.encode();
        bad[7] = 2;
        assert_eq!(Header::decode(&bad), None);
        let tiny = Header {
            segment_size: 16,
            prefix: [0; 7],
        };
        assert_eq!(Header::decode(&tiny.encode()), None);
        assert_eq!(Header::decode(&h.encode()[..10]), None);
    }

    #[test]
    fn tampering_is_detected() {
        let key = [5u8; 32];
        let header = Header::random(SEG).unwrap();
        let plain = vec![42u8; 3000];
        let segments = seal_all(&key, &header, &plain);
        let body: Vec<u8> = segments.concat();
        let size = plain.len() as u64;

        let mut flipped = body.clone();
        flipped[1500] ^= 0x01;
        assert!(open_all(&key, &header, size, &flipped, 4096).is_err());

        assert!(open_all(&key, &header, size, &body[..body.len() - 1], 4096).is_err());
        // Cut at a segment boundary, with the size claimed accordingly: the new final segment was
        // sealed as "not last".
        let two = segments[0].len() + segments[1].len();
        assert!(open_all(&key, &header, 2048, &body[..two], 4096).is_err());

        let swapped = [
            segments[1].clone(),
            segments[0].clone(),
            segments[2].clone(),
        ]
        .concat();
        assert!(open_all(&key, &header, size, &swapped, 4096).is_err());

        let mut longer = body.clone();
        longer.push(0);
        assert!(open_all(&key, &header, size, &longer, 4096).is_err());

        let other_header = Header {
            segment_size: SEG,
            prefix: [9; 7],
        };
        assert!(open_all(&key, &other_header, size, &body, 4096).is_err());
        assert!(open_all(&[6u8; 32], &header, size, &body, 4096).is_err());
    }

    #[test]
    fn batches_equal_single_segments() {
        let key = [3u8; 32];
        let header = Header::random(SEG).unwrap();
        for size in [0usize, 1, 1024, 1025, 4096, 5000] {
            let plain: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let one: Vec<u8> = seal_all(&key, &header, &plain).concat();
            let mut sealer = Sealer::new(&key, &header).unwrap();
            let mut batched = Vec::new();
            let split = (size.saturating_sub(1) / 2048) * 2048;
            if split > 0 {
                batched
                    .extend_from_slice(&sealer.seal_batch(&plain[..split], 1024, false).unwrap());
            }
            batched.extend_from_slice(&sealer.seal_batch(&plain[split..], 1024, true).unwrap());
            assert_eq!(batched, one, "size {size}");
        }
        let mut sealer = Sealer::new(&key, &header).unwrap();
        assert_eq!(
            sealer.seal_batch(&[0; 1000], 1024, false),
            Err(SealError::Misuse)
        );
    }

    #[test]
    fn nothing_after_the_last_segment() {
        let mut sealer = Sealer::new(&[1; 32], &Header::random(SEG).unwrap()).unwrap();
        sealer.seal(b"x", true).unwrap();
        assert_eq!(sealer.seal(b"y", true), Err(SealError::Misuse));
    }
}
