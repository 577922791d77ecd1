//! Contextual Gabor enhancement: the image is normalised to zero local mean and unit local
//! variance, then each foreground block is filtered with the even-symmetric Gabor kernel tuned to
//! its ridge orientation and period, taken from a bank quantised in both (kernels built once per
//! extraction, on first use). The result is positive on valleys and negative on ridges.

use super::field::{Grid, BLOCK, PERIOD_MAX, PERIOD_MIN};
use std::f32::consts::PI;

/// Orientations in the bank (over half a turn).
const ORIENTATIONS: usize = 32;
/// Period steps per pixel in the bank.
const PERIOD_STEPS: f32 = 2.0;
/// Largest kernel radius; also the padding around the normalised image.
const MAX_RADIUS: usize = 11;
/// Kernel rows are padded with zeros to a multiple of this many taps.
const LANES: usize = 8;

struct Kernel {
    radius: usize,
    stride: usize,
    taps: Vec<f32>,
}

fn kernel(theta: f32, period: f32) -> Kernel {
    let sigma_across = (0.45 * period).clamp(2.2, 4.5);
    let sigma_along = (0.55 * period).clamp(2.8, 5.0);
    let radius = ((2.1 * sigma_along.max(sigma_across)).ceil() as usize).min(MAX_RADIUS);
    let side = 2 * radius + 1;
    let stride = side.div_ceil(LANES) * LANES;
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

fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    acc.iter().sum()
}

/// The image normalised to zero mean and unit deviation around each pixel (block statistics
/// interpolated between block centres), clamped to ±3, in a zero-padded buffer.
struct Padded {
    stride: usize,
    data: Vec<f32>,
}

fn normalise(img: &[u8], grid: &Grid, mean: &[f32], std: &[f32]) -> Padded {
    let pad = MAX_RADIUS;
    let stride = grid.w + 2 * pad + LANES;
    let rows = grid.h + 2 * pad + 1;
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
    let periods = ((PERIOD_MAX - PERIOD_MIN) * PERIOD_STEPS).round() as usize + 1;
    let mut bank: Vec<Option<Kernel>> = (0..ORIENTATIONS * periods).map(|_| None).collect();
    let mut out = vec![0f32; grid.w * grid.h];
    let mut clarity = vec![0f32; grid.len()];
    let pad = MAX_RADIUS;
    for b in 0..grid.len() {
        if !block_mask[b] {
            continue;
        }
        let q = ((theta[b] / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
        let p =
            (((period[b] - PERIOD_MIN) * PERIOD_STEPS).round().max(0.0) as usize).min(periods - 1);
        let slot = q * periods + p;
        let Some(entry) = bank.get_mut(slot) else {
            continue;
        };
        let k = entry.get_or_insert_with(|| {
            kernel(
                q as f32 * PI / ORIENTATIONS as f32,
                PERIOD_MIN + p as f32 / PERIOD_STEPS,
            )
        });
        let (bx, by) = (b % grid.bw, b / grid.bw);
        let (mut sxy, mut sxx, mut syy) = (0f32, 0f32, 0f32);
        for y in by * BLOCK..((by + 1) * BLOCK).min(grid.h) {
            for x in bx * BLOCK..((bx + 1) * BLOCK).min(grid.w) {
                // Top-left of the kernel window in the padded buffer: (x + pad − r, y + pad − r).
                let x0 = x + pad - k.radius;
                let y0 = y + pad - k.radius;
                let mut acc = 0f32;
                for (j, row) in k.taps.chunks_exact(k.stride).enumerate() {
                    let start = (y0 + j) * padded.stride + x0;
                    if let Some(src) = padded.data.get(start..start + k.stride) {
                        acc += dot(src, row);
                    }
                }
                let original = padded.data[(y + pad) * padded.stride + x + pad];
                out[y * grid.w + x] = acc;
                sxy += acc * original;
                sxx += original * original;
                syy += acc * acc;
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
