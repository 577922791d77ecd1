//! Locality-sensitive hashing of cylinders (after Cappelli, Ferrara, Maltoni, "Fingerprint
//! indexing based on Minutia Cylinder-Code", PAMI 2011).
//!
//! Each of [`LshParams::tables`] hash functions samples [`LshParams::bits`] fixed bits of a
//! cylinder (a directional layer and a spatial cell near the centre, where cells are almost
//! always valid). Similar cylinders agree on most bits, so a genuine pair of fingers shares many
//! (cylinder, function) keys while unrelated fingers share few. A key is only formed when all its
//! cells are valid in the cylinder and at least two of its bits are set (all-zero keys say
//! nothing and would make huge buckets). Keys are folded into `2^bucket_bits` buckets per table;
//! each bucket lists the fingers (indices) with a cylinder hashing there.

use crate::matcher::cylinder::{Cylinder, ND, NS};
use crate::matcher::synthetic::Rng;

/// Shape of the hash tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    /// Number of hash functions (tables).
    pub tables: usize,
    /// Bits sampled per function (at most 32).
    pub bits: usize,
    /// Buckets per table: `2^bucket_bits`.
    pub bucket_bits: u32,
}

impl Default for LshParams {
    fn default() -> Self {
        Self {
            tables: 24,
            bits: 14,
            bucket_bits: 16,
        }
    }
}

/// Cells whose centre lies within this distance of the cylinder's centre are sampled.
const INNER_RADIUS: f32 = 45.0;

/// The hash functions and the buckets.
#[derive(Debug, Clone)]
pub(crate) struct Lsh {
    params: LshParams,
    /// Per function: the sampled (layer, cell bit) and the spatial cells it needs valid.
    functions: Vec<(Vec<(usize, u32)>, u64)>,
    /// `tables × 2^bucket_bits` posting lists of finger indices.
    buckets: Vec<Vec<u32>>,
}

impl Lsh {
    pub(crate) fn new(params: LshParams) -> Self {
        let params = LshParams {
            tables: params.tables.clamp(1, 256),
            bits: params.bits.clamp(1, 32),
            bucket_bits: params.bucket_bits.clamp(4, 24),
        };
        let half = (NS as f32 - 1.0) / 2.0;
        let cell = 2.0 * crate::matcher::cylinder::RADIUS / NS as f32;
        let inner: Vec<u32> = (0..NS * NS)
            .filter(|b| {
                let (i, j) = ((b % NS) as f32 - half, (b / NS) as f32 - half);
                (i * i + j * j).sqrt() * cell <= INNER_RADIUS
            })
            .map(|b| b as u32)
            .collect();
        // Fixed seed: the functions are part of the index format, not a random choice per run.
        let mut rng = Rng::new(0x4d43_435f_4c53_48);
        let mut functions = Vec::with_capacity(params.tables);
        for _ in 0..params.tables {
            let mut sampled: Vec<(usize, u32)> = Vec::with_capacity(params.bits);
            while sampled.len() < params.bits && !inner.is_empty() {
                let layer = (rng.next_u64() % ND as u64) as usize;
                let idx = (rng.next_u64() % inner.len() as u64) as usize;
                let Some(&bit) = inner.get(idx) else {
                    continue;
                };
                if !sampled.contains(&(layer, bit)) {
                    sampled.push((layer, bit));
                }
            }
            let needed = sampled.iter().fold(0u64, |m, &(_, bit)| m | (1u64 << bit));
            functions.push((sampled, needed));
        }
        Self {
            params,
            functions,
            buckets: vec![Vec::new(); params.tables << params.bucket_bits],
        }
    }

    /// The buckets (global indices) a cylinder hashes to, one per function at most.
    pub(crate) fn buckets_of<'a>(&'a self, c: &'a Cylinder) -> impl Iterator<Item = usize> + 'a {
        let shift = 64 - self.params.bucket_bits;
        self.functions
            .iter()
            .enumerate()
            .filter_map(move |(t, (sampled, needed))| {
                if c.mask & needed != *needed {
                    return None;
                }
                let mut key = 0u64;
                for (k, &(layer, bit)) in sampled.iter().enumerate() {
                    let set = c.layers.get(layer).is_some_and(|l| l & (1u64 << bit) != 0);
                    key |= u64::from(set) << k;
                }
                if key.count_ones() < 2 {
                    return None;
                }
                let mixed = (key ^ ((t as u64) << 40)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                Some((t << self.params.bucket_bits) + (mixed >> shift) as usize)
            })
    }

    /// Adds a finger's cylinders.
    pub(crate) fn insert(&mut self, finger: u32, cylinders: &[Cylinder]) {
        let mut targets: Vec<usize> = cylinders
            .iter()
            .flat_map(|c| self.buckets_of(c).collect::<Vec<_>>())
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for b in targets {
            if let Some(list) = self.buckets.get_mut(b) {
                list.push(finger);
            }
        }
    }

    /// Removes a finger's cylinders (really: its index leaves every bucket).
    pub(crate) fn remove(&mut self, finger: u32, cylinders: &[Cylinder]) {
        let mut targets: Vec<usize> = cylinders
            .iter()
            .flat_map(|c| self.buckets_of(c).collect::<Vec<_>>())
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for b in targets {
            if let Some(list) = self.buckets.get_mut(b) {
                list.retain(|&f| f != finger);
            }
        }
    }

    /// Adds one vote per (probe cylinder, function) hit to every finger in the bucket.
    pub(crate) fn vote(&self, probe: &[Cylinder], votes: &mut [u16]) {
        for c in probe {
            for b in self.buckets_of(c) {
                for &f in self.buckets.get(b).map_or(&[][..], |l| l.as_slice()) {
                    if let Some(v) = votes.get_mut(f as usize) {
                        *v = v.saturating_add(1);
                    }
                }
            }
        }
    }

    /// Number of (bucket, finger) entries.
    pub(crate) fn entries(&self) -> usize {
        self.buckets.iter().map(Vec::len).sum()
    }

    /// Bytes held by the posting lists (entries and list headers).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.buckets
            .iter()
            .map(|l| l.capacity() * 4 + std::mem::size_of::<Vec<u32>>())
            .sum()
    }
}
