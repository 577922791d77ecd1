//! Binarisation of the enhanced image, removal of specks and pores, and thinning to a
//! one-pixel-wide 8-connected skeleton (Zhang–Suen, then removal of staircase corners).
//!
//! Binary images here are padded with a one-pixel frame that is always 0, so the eight
//! neighbours of any inner pixel exist: [`Binary::ring`] never reads outside the buffer.

/// Offsets of the eight neighbours in ring order N, NE, E, SE, S, SW, W, NW.
pub const RING: [(isize, isize); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];

/// A binary image with a one-pixel frame of zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// Width and height of the image inside the frame.
    pub w: usize,
    pub h: usize,
    data: Vec<u8>,
}

impl Binary {
    pub fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            data: vec![0; (w + 2) * (h + 2)],
        }
    }

    fn idx(&self, x: usize, y: usize) -> usize {
        (y + 1) * (self.w + 2) + x + 1
    }

    /// The pixel at (x, y); false outside the image.
    pub fn get(&self, x: isize, y: isize) -> bool {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return false;
        }
        self.data
            .get(self.idx(x as usize, y as usize))
            .is_some_and(|&v| v != 0)
    }

    pub fn set(&mut self, x: usize, y: usize, value: bool) {
        if x < self.w && y < self.h {
            let i = self.idx(x, y);
            if let Some(p) = self.data.get_mut(i) {
                *p = u8::from(value);
            }
        }
    }

    /// The eight neighbours of (x, y) as bits in ring order (bit 0 = N); 0 outside the image.
    pub fn ring(&self, x: usize, y: usize) -> u8 {
        if x >= self.w || y >= self.h {
            return 0;
        }
        self.ring_at(self.idx(x, y))
    }

    /// The ring of the pixel at buffer index `i` (an inner pixel: its neighbours are in the
    /// buffer thanks to the frame; any that were not would read as 0).
    fn ring_at(&self, i: usize) -> u8 {
        let s = self.w + 2;
        let offsets = [
            i.wrapping_sub(s),
            i.wrapping_sub(s).wrapping_add(1),
            i + 1,
            i + s + 1,
            i + s,
            (i + s).wrapping_sub(1),
            i.wrapping_sub(1),
            i.wrapping_sub(s + 1),
        ];
        let mut bits = 0u8;
        for (k, &j) in offsets.iter().enumerate() {
            if self.data.get(j).is_some_and(|&v| v != 0) {
                bits |= 1 << k;
            }
        }
        bits
    }

    /// Row-major pixels without the frame.
    pub fn to_vec(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.w * self.h);
        for y in 0..self.h {
            for x in 0..self.w {
                out.push(self.get(x as isize, y as isize));
            }
        }
        out
    }

    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&v| v != 0).count()
    }
}

/// Number of 0 → 1 transitions around the ring (the Zhang–Suen `A`).
fn transitions(ring: u8) -> u32 {
    (ring & !ring.rotate_right(1)).count_ones()
}

/// Runs of touching set neighbours around the ring, where two set edge neighbours separated only
/// by an unset corner (N and E with NE unset) count as one run since they touch each other.
/// A pixel with one such run and at least two neighbours is redundant in a skeleton.
fn touching_runs(ring: u8) -> u32 {
    let mut merged = ring;
    // Fill each unset corner (odd bit) whose two edge neighbours are set.
    for corner in [1u32, 3, 5, 7] {
        let before = (corner + 7) % 8;
        let after = (corner + 1) % 8;
        if ring & (1 << before) != 0 && ring & (1 << after) != 0 {
            merged |= 1 << corner;
        }
    }
    if merged == 0xFF {
        return 0;
    }
    transitions(merged)
}

/// The number of branches leaving a pixel of a thinned skeleton (its crossing number): runs of
/// set neighbours around the ring. 1 is a ridge ending, 2 a ridge, 3 or more a bifurcation.
/// [`thin`] leaves no redundant pixels, so touching neighbours in separate runs only occur at
/// true junctions.
pub fn branches(ring: u8) -> u32 {
    transitions(ring)
}

/// Ridges: negative enhanced values inside the pixel mask; then ridge specks and valley pores
/// smaller than `min_area` pixels are removed.
pub fn binarise(enhanced: &[f32], mask: &[bool], w: usize, h: usize, min_area: usize) -> Binary {
    let mut b = Binary::new(w, h);
    for (i, (&e, &m)) in enhanced.iter().zip(mask).enumerate() {
        if m && e < 0.0 {
            b.set(i % w, i / w, true);
        }
    }
    remove_small(&mut b, true, min_area);
    remove_small(&mut b, false, min_area);
    b
}

/// Flips connected regions of `value` smaller than `min_area` (8-connected for ridges,
/// 4-connected for valleys). Works on buffer indices; the frame counts as already seen.
fn remove_small(b: &mut Binary, value: bool, min_area: usize) {
    let s = b.w + 2;
    let len = b.data.len();
    let mut seen = vec![false; len];
    for (i, v) in seen.iter_mut().enumerate() {
        let (x, y) = (i % s, i / s);
        *v = x == 0 || y == 0 || x == s - 1 || y == b.h + 1;
    }
    let target = u8::from(value);
    let steps = [s + 1, s, s - 1, 1];
    let mut stack = Vec::new();
    let mut comp = Vec::new();
    for start in 0..len {
        if seen[start] || b.data[start] != target {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        comp.clear();
        let mut large = false;
        while let Some(i) = stack.pop() {
            if !large {
                comp.push(i);
                large = comp.len() >= min_area;
            }
            for (k, &d) in steps.iter().enumerate() {
                // Valleys are 4-connected: no diagonal steps.
                if !value && (k == 0 || k == 2) {
                    continue;
                }
                for j in [i + d, i.wrapping_sub(d)] {
                    if j < len && !seen[j] && b.data[j] == target {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        if !large {
            for &i in &comp {
                b.data[i] = 1 - target;
            }
        }
    }
}

/// Thins the ridges to one pixel (Zhang–Suen), then removes redundant pixels.
pub fn thin(b: &mut Binary) {
    let mut candidates: Vec<usize> = (0..b.data.len()).filter(|&i| b.data[i] != 0).collect();
    let mut remove = Vec::new();
    loop {
        let mut changed = false;
        for pass in 0..2 {
            remove.clear();
            for &i in &candidates {
                let r = b.ring_at(i);
                let n = r.count_ones();
                if !(2..=6).contains(&n) || transitions(r) != 1 {
                    continue;
                }
                let bit = |k: u32| r & (1 << k) != 0;
                let (north, east, south, west) = (bit(0), bit(2), bit(4), bit(6));
                // Zhang–Suen: first pass keeps N·E·S and E·S·W, second N·E·W and N·S·W.
                let ok = if pass == 0 {
                    !(east && south && (north || west))
                } else {
                    !(north && west && (east || south))
                };
                if ok {
                    remove.push(i);
                }
            }
            for &i in &remove {
                b.data[i] = 0;
            }
            changed |= !remove.is_empty();
            candidates.retain(|&i| b.data[i] != 0);
        }
        if !changed {
            break;
        }
    }
    // Redundant pixels: a pixel whose set neighbours all touch each other (one branch) but
    // which is not an ending can go without disconnecting anything; this removes staircase
    // corners and moves T junctions onto a single pixel with three separate branches.
    for &i in &candidates {
        let r = b.ring_at(i);
        if r.count_ones() >= 2 && touching_runs(r) == 1 {
            b.data[i] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_and_touching_runs() {
        assert_eq!(branches(0b0000_0001), 1); // N only: ending
        assert_eq!(branches(0b0001_0001), 2); // N and S: ridge
        assert_eq!(branches(0b0010_1001), 3); // N, SE, SW: bifurcation
        assert_eq!(branches(0), 0);
        assert_eq!(touching_runs(0b0000_0101), 1); // N and E touch: redundant corner
        assert_eq!(touching_runs(0b0101_0001), 1); // N, S, W: W touches both
        assert_eq!(touching_runs(0b0001_0001), 2);
        assert_eq!(touching_runs(0b1000_0110), 2); // NE, E and NW: two runs
    }

    #[test]
    fn a_thick_bar_thins_to_a_line() {
        let mut b = Binary::new(40, 20);
        for y in 7..13 {
            for x in 5..35 {
                b.set(x, y, true);
            }
        }
        thin(&mut b);
        for x in 10..30 {
            let column: usize = (0..20).filter(|&y| b.get(x as isize, y)).count();
            assert_eq!(column, 1, "column {x}");
        }
        // Every skeleton pixel in the middle has exactly two branches.
        for x in 10..30usize {
            for y in 0..20usize {
                if b.get(x as isize, y as isize) {
                    assert_eq!(branches(b.ring(x, y)), 2);
                }
            }
        }
    }

    #[test]
    fn specks_and_pores_are_removed() {
        let (w, h) = (30, 30);
        let mut enhanced = vec![1f32; w * h];
        // A big ridge with a 2-pixel pore, and a 3-pixel speck.
        for y in 5..25 {
            for x in 5..15 {
                enhanced[y * w + x] = -1.0;
            }
        }
        enhanced[10 * w + 10] = 1.0;
        enhanced[10 * w + 11] = 1.0;
        for x in 20..23 {
            enhanced[20 * w + x] = -1.0;
        }
        let b = binarise(&enhanced, &vec![true; w * h], w, h, 10);
        assert!(b.get(10, 10));
        assert!(!b.get(21, 20));
        assert_eq!(b.count(), 200);
    }
}
