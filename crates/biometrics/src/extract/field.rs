//! Block fields: grey-level statistics, segmentation of the finger from the background, the
//! orientation field (gradients averaged in the doubled-angle domain) with its coherence, and the
//! ridge period field (oriented-window signatures and their autocorrelation), with unreliable
//! blocks filled in from their neighbours.
//!
//! Everything here works on a grid of [`BLOCK`] × [`BLOCK`] pixel blocks. Orientations are ridge
//! directions in image coordinates (x right, y down): a ridge direction `θ` runs along
//! `(cos θ, sin θ)`, with `θ` in `[0, π)`.

use std::f32::consts::PI;

/// Side of a block of the fields, in pixels.
pub const BLOCK: usize = 8;

/// Coherent gradient energy (root mean square, Sobel units) below which a block is background
/// whatever the rest of the image looks like: a smooth shading or a blank page stays below it.
const ENERGY_FLOOR: f32 = 30.0;
/// Gradient coherence below which a block is background (random texture has almost none).
const COHERENCE_FLOOR: f32 = 0.18;
/// Shortest and longest ridge periods looked for, in pixels (500 ppi prints have 6–14).
pub const PERIOD_MIN: f32 = 4.0;
pub const PERIOD_MAX: f32 = 18.0;
/// Period assumed where nothing better is known.
pub const PERIOD_DEFAULT: f32 = 9.0;

/// The block grid laid over an image of `w` × `h` pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub w: usize,
    pub h: usize,
    pub bw: usize,
    pub bh: usize,
}

impl Grid {
    pub fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            bw: w.div_ceil(BLOCK).max(1),
            bh: h.div_ceil(BLOCK).max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.bw * self.bh
    }

    /// The block holding pixel (x, y) (clamped into the grid).
    pub fn block_of(&self, x: usize, y: usize) -> usize {
        (y / BLOCK).min(self.bh - 1) * self.bw + (x / BLOCK).min(self.bw - 1)
    }

    /// Centre of block `b`, in pixels.
    pub fn centre(&self, b: usize) -> (f32, f32) {
        let bx = b % self.bw;
        let by = b / self.bw;
        let x0 = bx * BLOCK;
        let y0 = by * BLOCK;
        let x1 = (x0 + BLOCK).min(self.w);
        let y1 = (y0 + BLOCK).min(self.h);
        ((x0 + x1) as f32 / 2.0, (y0 + y1) as f32 / 2.0)
    }
}

/// Per-block statistics over a window of 3 × 3 blocks centred on each block.
#[derive(Debug, Clone)]
pub struct BlockStats {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// Root mean square of the coherent part of the gradient.
    pub energy: Vec<f32>,
    /// Gradient coherence in `[0, 1]` before smoothing.
    pub coherence: Vec<f32>,
    /// Doubled-angle gradient vector `(Gxx − Gyy, 2 Gxy)` summed over the window.
    pub vx: Vec<f32>,
    pub vy: Vec<f32>,
    /// `Gxx + Gyy` summed over the window.
    pub gsum: Vec<f32>,
}

/// Sobel gradients summed per block, then per 3 × 3 window of blocks.
pub fn block_stats(img: &[u8], grid: &Grid) -> BlockStats {
    let n = grid.len();
    let (w, h) = (grid.w, grid.h);
    let mut s_n = vec![0f32; n];
    let mut s_i = vec![0f32; n];
    let mut s_i2 = vec![0f32; n];
    let mut s_xx = vec![0f32; n];
    let mut s_yy = vec![0f32; n];
    let mut s_xy = vec![0f32; n];
    for (y, row) in img.chunks_exact(w).enumerate().take(h) {
        for (x, &p) in row.iter().enumerate() {
            let b = grid.block_of(x, y);
            let v = f32::from(p);
            s_n[b] += 1.0;
            s_i[b] += v;
            s_i2[b] += v * v;
        }
    }
    if w >= 3 && h >= 3 {
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let i = y * w + x;
                let p = |k: usize| f32::from(img[k]);
                let gx = (p(i - w + 1) + 2.0 * p(i + 1) + p(i + w + 1))
                    - (p(i - w - 1) + 2.0 * p(i - 1) + p(i + w - 1));
                let gy = (p(i + w - 1) + 2.0 * p(i + w) + p(i + w + 1))
                    - (p(i - w - 1) + 2.0 * p(i - w) + p(i - w + 1));
                let b = grid.block_of(x, y);
                s_xx[b] += gx * gx;
                s_yy[b] += gy * gy;
                s_xy[b] += gx * gy;
            }
        }
    }
    let mut out = BlockStats {
        mean: vec![0.0; n],
        std: vec![0.0; n],
        energy: vec![0.0; n],
        coherence: vec![0.0; n],
        vx: vec![0.0; n],
        vy: vec![0.0; n],
        gsum: vec![0.0; n],
    };
    for by in 0..grid.bh {
        for bx in 0..grid.bw {
            let (mut cn, mut ci, mut ci2, mut cxx, mut cyy, mut cxy) =
                (0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
            for yy in by.saturating_sub(1)..(by + 2).min(grid.bh) {
                for xx in bx.saturating_sub(1)..(bx + 2).min(grid.bw) {
                    let k = yy * grid.bw + xx;
                    cn += s_n[k];
                    ci += s_i[k];
                    ci2 += s_i2[k];
                    cxx += s_xx[k];
                    cyy += s_yy[k];
                    cxy += s_xy[k];
                }
            }
            let b = by * grid.bw + bx;
            let cn = cn.max(1.0);
            let mean = ci / cn;
            out.mean[b] = mean;
            out.std[b] = (ci2 / cn - mean * mean).max(0.0).sqrt();
            let vx = cxx - cyy;
            let vy = 2.0 * cxy;
            let mag = (vx * vx + vy * vy).sqrt();
            out.vx[b] = vx;
            out.vy[b] = vy;
            out.gsum[b] = cxx + cyy;
            out.energy[b] = (mag / cn).sqrt();
            out.coherence[b] = if cxx + cyy > 0.0 {
                (mag / (cxx + cyy)).min(1.0)
            } else {
                0.0
            };
        }
    }
    out
}

/// Foreground blocks: enough coherent ridge energy, cleaned by closing and opening, holes filled,
/// and only the largest connected region kept. The 3 × 3 block window lets the mask reach about a
/// block beyond the ridges; minutiae near its edge are dropped later.
pub fn segment(stats: &BlockStats, grid: &Grid) -> Vec<bool> {
    let mut energies: Vec<f32> = stats.energy.clone();
    energies.sort_by(f32::total_cmp);
    let p90 = energies
        .get(energies.len() * 9 / 10)
        .copied()
        .unwrap_or(0.0);
    let threshold = ENERGY_FLOOR.max(0.2 * p90);
    let raw: Vec<bool> = stats
        .energy
        .iter()
        .zip(&stats.coherence)
        .map(|(&e, &c)| e > threshold && c > COHERENCE_FLOOR)
        .collect();
    let closed = erode(&dilate(&raw, grid), grid);
    let opened = dilate(&erode(&closed, grid), grid);
    let filled = fill_holes(&opened, grid);
    largest_component(&filled, grid)
}

fn neighbours8(grid: &Grid, b: usize) -> impl Iterator<Item = usize> + '_ {
    let bx = (b % grid.bw) as isize;
    let by = (b / grid.bw) as isize;
    (-1isize..=1)
        .flat_map(move |dy| (-1isize..=1).map(move |dx| (dx, dy)))
        .filter(|&(dx, dy)| dx != 0 || dy != 0)
        .filter_map(move |(dx, dy)| {
            let x = bx + dx;
            let y = by + dy;
            (x >= 0 && y >= 0 && (x as usize) < grid.bw && (y as usize) < grid.bh)
                .then(|| y as usize * grid.bw + x as usize)
        })
}

fn dilate(m: &[bool], grid: &Grid) -> Vec<bool> {
    (0..grid.len())
        .map(|b| m[b] || neighbours8(grid, b).any(|k| m[k]))
        .collect()
}

fn erode(m: &[bool], grid: &Grid) -> Vec<bool> {
    (0..grid.len())
        .map(|b| m[b] && neighbours8(grid, b).all(|k| m[k]))
        .collect()
}

/// Labels 8-connected (or 4-connected for the background) regions where `m == value`.
fn components(m: &[bool], grid: &Grid, value: bool) -> Vec<Vec<usize>> {
    let mut seen = vec![false; m.len()];
    let mut out = Vec::new();
    for start in 0..m.len() {
        if seen[start] || m[start] != value {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut comp = Vec::new();
        while let Some(b) = stack.pop() {
            comp.push(b);
            for k in neighbours8(grid, b) {
                let four = k % grid.bw == b % grid.bw || k / grid.bw == b / grid.bw;
                if !seen[k] && m[k] == value && (value || four) {
                    seen[k] = true;
                    stack.push(k);
                }
            }
        }
        out.push(comp);
    }
    out
}

fn fill_holes(m: &[bool], grid: &Grid) -> Vec<bool> {
    let mut out = m.to_vec();
    for comp in components(m, grid, false) {
        let touches_edge = comp.iter().any(|&b| {
            let (bx, by) = (b % grid.bw, b / grid.bw);
            bx == 0 || by == 0 || bx + 1 == grid.bw || by + 1 == grid.bh
        });
        if !touches_edge {
            for b in comp {
                out[b] = true;
            }
        }
    }
    out
}

fn largest_component(m: &[bool], grid: &Grid) -> Vec<bool> {
    let mut out = vec![false; m.len()];
    if let Some(best) = components(m, grid, true)
        .into_iter()
        .max_by_key(|c| c.len())
    {
        for b in best {
            out[b] = true;
        }
    }
    out
}

/// The smoothed orientation field: ridge direction per block and its coherence after smoothing.
pub fn orientation(stats: &BlockStats, grid: &Grid) -> (Vec<f32>, Vec<f32>) {
    const RADIUS: isize = 2;
    const SIGMA: f32 = 1.2;
    let mut theta = vec![0f32; grid.len()];
    let mut coherence = vec![0f32; grid.len()];
    for by in 0..grid.bh {
        for bx in 0..grid.bw {
            let (mut sx, mut sy, mut sg) = (0f32, 0f32, 0f32);
            for dy in -RADIUS..=RADIUS {
                for dx in -RADIUS..=RADIUS {
                    let x = bx as isize + dx;
                    let y = by as isize + dy;
                    if x < 0 || y < 0 || x as usize >= grid.bw || y as usize >= grid.bh {
                        continue;
                    }
                    let k = y as usize * grid.bw + x as usize;
                    let wgt = (-((dx * dx + dy * dy) as f32) / (2.0 * SIGMA * SIGMA)).exp();
                    sx += wgt * stats.vx[k];
                    sy += wgt * stats.vy[k];
                    sg += wgt * stats.gsum[k];
                }
            }
            let b = by * grid.bw + bx;
            // Doubled gradient angle; the ridge runs perpendicular to the gradient.
            let gradient = 0.5 * sy.atan2(sx);
            theta[b] = wrap_pi(gradient + PI / 2.0);
            coherence[b] = if sg > 0.0 {
                ((sx * sx + sy * sy).sqrt() / sg).min(1.0)
            } else {
                0.0
            };
        }
    }
    (theta, coherence)
}

/// Brings an orientation into `[0, π)`.
pub fn wrap_pi(a: f32) -> f32 {
    let r = a.rem_euclid(PI);
    if r.is_finite() && r < PI {
        r
    } else {
        0.0
    }
}

/// Ridge period per block (pixels) and the strength of the periodicity in `[0, 1]` (0 where the
/// block's own signature gave no period and the value was filled in from neighbours).
pub fn frequency(img: &[u8], grid: &Grid, mask: &[bool], theta: &[f32]) -> (Vec<f32>, Vec<f32>) {
    const LEN: usize = 34;
    const HALF_WIDTH: isize = 4;
    let n = grid.len();
    let mut period = vec![0f32; n];
    let mut strength = vec![0f32; n];
    let mut signature = [0f32; LEN];
    let mut counts = [0u32; LEN];
    for b in 0..n {
        if !mask[b] {
            continue;
        }
        let (cx, cy) = grid.centre(b);
        let t = theta[b];
        let (tx, ty) = (t.cos(), t.sin());
        let (nx, ny) = (-ty, tx);
        signature.fill(0.0);
        counts.fill(0);
        for (k, (s, c)) in signature.iter_mut().zip(counts.iter_mut()).enumerate() {
            let u = k as f32 - (LEN as f32 - 1.0) / 2.0;
            for v in -HALF_WIDTH..=HALF_WIDTH {
                let v = v as f32;
                let x = cx + u * nx + v * tx;
                let y = cy + u * ny + v * ty;
                if x < 0.0 || y < 0.0 {
                    continue;
                }
                let (xi, yi) = (x as usize, y as usize);
                if xi < grid.w && yi < grid.h {
                    if let Some(&p) = img.get(yi * grid.w + xi) {
                        *s += f32::from(p);
                        *c += 1;
                    }
                }
            }
        }
        if counts.contains(&0) {
            continue;
        }
        for (s, &c) in signature.iter_mut().zip(&counts) {
            *s /= c as f32;
        }
        if let Some((p, r)) = signature_period(&signature) {
            period[b] = p;
            strength[b] = r;
        }
    }
    fill_periods(&mut period, grid, mask);
    (period, strength)
}

/// The period of a one-dimensional signature by autocorrelation: the first strong peak between
/// [`PERIOD_MIN`] and [`PERIOD_MAX`], refined by a parabola. Returns the period and the peak's
/// normalised height.
pub fn signature_period(signature: &[f32]) -> Option<(f32, f32)> {
    let n = signature.len();
    let mean = signature.iter().sum::<f32>() / n.max(1) as f32;
    let s: Vec<f32> = signature.iter().map(|v| v - mean).collect();
    let r0 = s.iter().map(|v| v * v).sum::<f32>() / n.max(1) as f32;
    if r0 <= 1e-3 {
        return None;
    }
    let max_lag = (PERIOD_MAX as usize + 1).min(n.saturating_sub(8));
    if max_lag < PERIOD_MIN as usize + 1 {
        return None;
    }
    let r: Vec<f32> = (0..=max_lag)
        .map(|lag| {
            let m = n - lag;
            s.iter().zip(&s[lag..]).map(|(a, b)| a * b).sum::<f32>() / (m as f32 * r0)
        })
        .collect();
    let lo = PERIOD_MIN as usize;
    let peaks: Vec<usize> = (lo..max_lag)
        .filter(|&k| r[k] > r[k - 1] && r[k] >= r[k + 1] && r[k] > 0.2)
        .collect();
    let best = peaks.iter().map(|&k| r[k]).fold(0f32, f32::max);
    let k = *peaks.iter().find(|&&k| r[k] >= 0.75 * best)?;
    let (a, b, c) = (r[k - 1], r[k], r[k + 1]);
    let den = a - 2.0 * b + c;
    let delta = if den.abs() > 1e-6 {
        (0.5 * (a - c) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    let p = k as f32 + delta;
    (PERIOD_MIN..=PERIOD_MAX)
        .contains(&p)
        .then_some((p, b.min(1.0)))
}

/// Fills foreground blocks without a period from their neighbours, then smooths.
fn fill_periods(period: &mut [f32], grid: &Grid, mask: &[bool]) {
    let valid: Vec<f32> = period.iter().copied().filter(|&p| p > 0.0).collect();
    let fallback = median(valid).unwrap_or(PERIOD_DEFAULT);
    for _ in 0..12 {
        let mut changed = false;
        let snapshot = period.to_vec();
        let mut missing = false;
        for b in 0..grid.len() {
            if !mask[b] || snapshot[b] > 0.0 {
                continue;
            }
            missing = true;
            let (sum, wsum) = window(grid, b, 2).fold((0f32, 0f32), |(s, ws), (k, d2)| {
                if snapshot[k] > 0.0 {
                    let wgt = (-(d2 as f32) / 4.0).exp();
                    (s + wgt * snapshot[k], ws + wgt)
                } else {
                    (s, ws)
                }
            });
            if wsum > 0.0 {
                period[b] = sum / wsum;
                changed = true;
            }
        }
        if !missing || !changed {
            break;
        }
    }
    for (p, &m) in period.iter_mut().zip(mask) {
        if m && *p <= 0.0 {
            *p = fallback;
        }
    }
    let snapshot = period.to_vec();
    for b in 0..grid.len() {
        if !mask[b] {
            period[b] = fallback;
            continue;
        }
        let (sum, cnt) = window(grid, b, 1)
            .filter(|&(k, _)| mask[k])
            .fold((0f32, 0f32), |(s, c), (k, _)| (s + snapshot[k], c + 1.0));
        if cnt > 0.0 {
            period[b] = (sum / cnt).clamp(PERIOD_MIN, PERIOD_MAX);
        }
    }
}

/// Blocks within `radius` of block `b` (including `b`), with their squared block distance.
pub fn window(grid: &Grid, b: usize, radius: isize) -> impl Iterator<Item = (usize, isize)> + '_ {
    let bx = (b % grid.bw) as isize;
    let by = (b / grid.bw) as isize;
    (-radius..=radius)
        .flat_map(move |dy| (-radius..=radius).map(move |dx| (dx, dy)))
        .filter_map(move |(dx, dy)| {
            let x = bx + dx;
            let y = by + dy;
            (x >= 0 && y >= 0 && (x as usize) < grid.bw && (y as usize) < grid.bh)
                .then(|| (y as usize * grid.bw + x as usize, dx * dx + dy * dy))
        })
}

fn median(mut v: Vec<f32>) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::pattern;

    fn angle_diff_pi(a: f32, b: f32) -> f32 {
        let d = (a - b).rem_euclid(PI);
        d.min(PI - d)
    }

    #[test]
    fn orientation_of_a_straight_grating_is_found() {
        for degrees in [0f32, 30.0, 75.0, 90.0, 135.0, 160.0] {
            let ridge = degrees.to_radians();
            let img = pattern::grating(128, 128, 9.0, ridge);
            let grid = Grid::new(128, 128);
            let stats = block_stats(img.pixels(), &grid);
            let (theta, coh) = orientation(&stats, &grid);
            let b = grid.block_of(64, 64);
            assert!(
                angle_diff_pi(theta[b], ridge) < 3f32.to_radians(),
                "{degrees}: found {}",
                theta[b].to_degrees()
            );
            assert!(coh[b] > 0.9, "coherence {}", coh[b]);
        }
    }

    #[test]
    fn period_of_a_grating_is_found() {
        for (period, degrees) in [(9.0f32, 20f32), (6.0, 100.0), (12.5, 45.0)] {
            let img = pattern::grating(128, 128, period, degrees.to_radians());
            let grid = Grid::new(128, 128);
            let stats = block_stats(img.pixels(), &grid);
            let mask = segment(&stats, &grid);
            let (theta, _) = orientation(&stats, &grid);
            let (periods, strength) = frequency(img.pixels(), &grid, &mask, &theta);
            let b = grid.block_of(64, 64);
            assert!(mask[b]);
            assert!(
                (periods[b] - period).abs() < 0.5,
                "period {period}: found {}",
                periods[b]
            );
            assert!(strength[b] > 0.5);
        }
    }

    #[test]
    fn a_blank_image_has_no_foreground() {
        let img = crate::image::GrayImage::filled(96, 80, 255).unwrap_or_else(|e| panic!("{e}"));
        let grid = Grid::new(96, 80);
        let stats = block_stats(img.pixels(), &grid);
        assert!(segment(&stats, &grid).iter().all(|&m| !m));
    }

    #[test]
    fn a_grating_patch_on_white_is_segmented() {
        let img = pattern::patch_on_white(160, 160, 40, 40, 120, 120);
        let grid = Grid::new(160, 160);
        let stats = block_stats(img.pixels(), &grid);
        let mask = segment(&stats, &grid);
        assert!(mask[grid.block_of(80, 80)]);
        assert!(!mask[grid.block_of(10, 10)]);
        assert!(!mask[grid.block_of(150, 20)]);
        let fg = mask.iter().filter(|&&m| m).count();
        // The patch is 10 × 10 blocks; the window makes the mask up to two blocks wider.
        assert!((100..=200).contains(&fg), "{fg} blocks");
    }
}
