//! Contextual Gabor enhancement: the image is normalised to zero local mean and unit local
//! variance, then each foreground block is filtered with the even-symmetric Gabor kernel tuned to
//! its ridge orientation and period, taken from a bank quantised in both (each kernel is built
//! once per process, on first use, and never changes). The result is positive on valleys and
//! negative on ridges.

use super::field::{Grid, BLOCK, PERIOD_MAX, PERIOD_MIN};
use std::f32::consts::PI;
use std::sync::OnceLock;

/// Orientations in the bank (over half a turn).
const ORIENTATIONS: usize = 32;
/// Period steps per pixel in the bank.
const PERIOD_STEPS: f32 = 2.0;
/// Periods in the bank.
const PERIODS: usize = ((PERIOD_MAX - PERIOD_MIN) * PERIOD_STEPS) as usize + 1;
/// Largest kernel radius; also the padding around the normalised image.
const MAX_RADIUS: usize = 9;
/// Kernel rows are padded with zeros to a multiple of this many taps.
const ROW_ALIGN: usize = 4;

/// The kernel bank, filled lazily; a kernel depends only on its slot.
static BANK: [OnceLock<Kernel>; ORIENTATIONS * PERIODS] =
    [const { OnceLock::new() }; ORIENTATIONS * PERIODS];

struct Kernel {
    radius: usize,
    stride: usize,
    taps: Vec<f32>,
}

fn kernel(theta: f32, period: f32) -> Kernel {
    let sigma_across = (0.42 * period).clamp(2.0, 4.2);
    let sigma_along = (0.5 * period).clamp(2.5, 4.5);
    let radius = ((2.0 * sigma_along.max(sigma_across)).ceil() as usize).min(MAX_RADIUS);
    let side = 2 * radius + 1;
    let stride = side.div_ceil(ROW_ALIGN) * ROW_ALIGN;
    let (tx, ty) = (theta.cos(), theta.sin());
    let mut taps = vec![0f32; side * stride];
    let mut envelope = vec![0f32; side * stride];
    let (mut sum_g, mut sum_env, mut gain) = (0f32, 0f32, 0f32);
    for j in 0..side {
        for i in 0..side {
            let dx = i as f32 - radius as f32;
            let dy = j as f32 - radius as f32;
            let along = dx * tx + dy * ty;
            let across = -dx * ty + dy * tx;
            let env = (-0.5
                * (across * across / (sigma_across * sigma_across)
                    + along * along / (sigma_along * sigma_along)))
                .exp();
            let wave = (2.0 * PI * across / period).cos();
            taps[j * stride + i] = env * wave;
            envelope[j * stride + i] = env;
            sum_g += env * wave;
            sum_env += env;
        }
    }
    // No response to a flat area: remove the kernel's mean under its envelope.
    let dc = if sum_env > 0.0 { sum_g / sum_env } else { 0.0 };
    for j in 0..side {
        for i in 0..side {
            let k = j * stride + i;
            taps[k] -= dc * envelope[k];
            let across = -(i as f32 - radius as f32) * ty + (j as f32 - radius as f32) * tx;
            gain += taps[k] * (2.0 * PI * across / period).cos();
        }
    }
    // Unit response to a matching unit-amplitude grating.
    if gain > 1e-6 {
        for t in &mut taps {
            *t /= gain;
        }
    }
    Kernel {
        radius,
        stride,
        taps,
    }
}

/// The image normalised to zero mean and unit deviation around each pixel (block statistics
/// interpolated between block centres), clamped to ±3, in a zero-padded buffer.
struct Padded {
    stride: usize,
    data: Vec<f32>,
}

fn normalise(img: &[u8], grid: &Grid, mean: &[f32], std: &[f32]) -> Padded {
    let pad = MAX_RADIUS;
    let stride = grid.w + 2 * pad + 2 * BLOCK;
    let rows = grid.h + 2 * pad + BLOCK;
    let mut data = vec![0f32; stride * rows];
    let at =
        |v: &[f32], bx: usize, by: usize| v[by.min(grid.bh - 1) * grid.bw + bx.min(grid.bw - 1)];
    for y in 0..grid.h {
        let fy = ((y as f32 + 0.5) / BLOCK as f32 - 0.5).max(0.0);
        let by = fy as usize;
        let wy = fy - by as f32;
        for x in 0..grid.w {
            let fx = ((x as f32 + 0.5) / BLOCK as f32 - 0.5).max(0.0);
            let bx = fx as usize;
            let wx = fx - bx as f32;
            let bilinear = |v: &[f32]| {
                let top = at(v, bx, by) * (1.0 - wx) + at(v, bx + 1, by) * wx;
                let bottom = at(v, bx, by + 1) * (1.0 - wx) + at(v, bx + 1, by + 1) * wx;
                top * (1.0 - wy) + bottom * wy
            };
            let m = bilinear(mean);
            let s = bilinear(std).max(8.0);
            let p = f32::from(img[y * grid.w + x]);
            data[(y + pad) * stride + x + pad] = ((p - m) / s).clamp(-3.0, 3.0);
        }
    }
    Padded { stride, data }
}

/// The enhanced image (one value per pixel, 0 outside the mask) and, per block, the correlation
/// between the normalised image and its enhancement (ridge-valley clarity, 0 outside the mask).
pub fn enhance(
    img: &[u8],
    grid: &Grid,
    mean: &[f32],
    std: &[f32],
    block_mask: &[bool],
    theta: &[f32],
    period: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let padded = normalise(img, grid, mean, std);
    let mut out = vec![0f32; grid.w * grid.h];
    let mut clarity = vec![0f32; grid.len()];
    let pad = MAX_RADIUS;
    for b in 0..grid.len() {
        if !block_mask[b] {
            continue;
        }
        let q = ((theta[b] / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
        let p =
            (((period[b] - PERIOD_MIN) * PERIOD_STEPS).round().max(0.0) as usize).min(PERIODS - 1);
        let Some(entry) = BANK.get(q * PERIODS + p) else {
            continue;
        };
        let k = entry.get_or_init(|| {
            kernel(
                q as f32 * PI / ORIENTATIONS as f32,
                PERIOD_MIN + p as f32 / PERIOD_STEPS,
            )
        });
        let (bx, by) = (b % grid.bw, b / grid.bw);
        let (mut sxy, mut sxx, mut syy) = (0f32, 0f32, 0f32);
        let side = 2 * k.radius + 1;
        // Padded column of the window's left edge for the block's first pixel.
        let left = bx * BLOCK + pad - k.radius;
        for yy in 0..BLOCK {
            let y = by * BLOCK + yy;
            if y >= grid.h {
                break;
            }
            // Eight outputs at once: each tap scales a run of eight inputs (vectorises).
            let mut acc = [0f32; BLOCK];
            for (j, row) in k.taps.chunks_exact(k.stride).enumerate() {
                let start = (y + j + pad - k.radius) * padded.stride + left;
                let Some(src) = padded.data.get(start..start + side + BLOCK - 1) else {
                    continue;
                };
                for (segment, &t) in src.windows(BLOCK).zip(row.iter().take(side)) {
                    for (a, &v) in acc.iter_mut().zip(segment) {
                        *a += t * v;
                    }
                }
            }
            for (xx, &value) in acc.iter().enumerate() {
                let x = bx * BLOCK + xx;
                if x >= grid.w {
                    break;
                }
                let original = padded.data[(y + pad) * padded.stride + x + pad];
                out[y * grid.w + x] = value;
                sxy += value * original;
                sxx += original * original;
                syy += value * value;
            }
        }
        clarity[b] = if sxx > 0.0 && syy > 0.0 {
            (sxy / (sxx * syy).sqrt()).max(0.0)
        } else {
            0.0
        };
    }
    (out, clarity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{field, pattern};

    #[test]
    fn enhancement_keeps_the_ridges_of_a_clean_grating_and_cleans_noise_off_them() {
        let (w, h) = (96usize, 96usize);
        let clean = pattern::grating(w as u32, h as u32, 9.0, 0.6);
        let mut noisy = clean.clone();
        let noise = pattern::noise(w as u32, h as u32, 7);
        for (p, n) in noisy.pixels_mut().iter_mut().zip(noise.pixels()) {
            *p = (i32::from(*p) + (i32::from(*n) - 128) / 2).clamp(0, 255) as u8;
        }
        let grid = Grid::new(w, h);
        let stats = field::block_stats(noisy.pixels(), &grid);
        let mask = vec![true; grid.len()];
        let (theta, _) = field::orientation(&stats, &grid);
        let period = vec![9.0; grid.len()];
        let (enhanced, clarity) = enhance(
            noisy.pixels(),
            &grid,
            &stats.mean,
            &stats.std,
            &mask,
            &theta,
            &period,
        );
        // Inside, away from the border: the sign of the enhanced image is the clean ridge map.
        let mut agree = 0;
        let mut total = 0;
        for y in 16..h - 16 {
            for x in 16..w - 16 {
                let ridge_truth = clean.pixels()[y * w + x] < 128;
                let ridge_found = enhanced[y * w + x] < 0.0;
                total += 1;
                agree += usize::from(ridge_truth == ridge_found);
            }
        }
        assert!(agree * 100 > total * 95, "{agree} of {total}");
        assert!(clarity[grid.block_of(48, 48)] > 0.5);
    }

    #[test]
    fn kernels_have_no_response_to_flat_areas() {
        let k = kernel(0.3, 9.0);
        let sum: f32 = k.taps.iter().sum();
        assert!(sum.abs() < 1e-3, "{sum}");
    }
}
