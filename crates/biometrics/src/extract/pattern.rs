//! Procedurally drawn test patterns: straight gratings, a grating with one minutia drawn as a
//! spiral phase singularity, patches on white, noise and other things that are not fingers.

use crate::image::GrayImage;
use std::f32::consts::PI;

fn build(w: u32, h: u32, f: impl Fn(f32, f32) -> f32) -> GrayImage {
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for y in 0..h {
        for x in 0..w {
            pixels.push(f(x as f32, y as f32).round().clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage::new(w, h, pixels).unwrap_or_else(|e| panic!("{e}"))
}

/// Straight ridges of the given period running in direction `ridge` (radians, image coordinates).
pub fn grating(w: u32, h: u32, period: f32, ridge: f32) -> GrayImage {
    let (nx, ny) = (-ridge.sin(), ridge.cos());
    build(w, h, |x, y| {
        128.0 + 100.0 * (2.0 * PI * (x * nx + y * ny) / period).cos()
    })
}

/// A grating of period `period` with one minutia at `(x0, y0)` whose ISO/IEC 19794-2 direction
/// is `iso_angle` (counter-clockwise from the x-axis, y pointing down): a ridge ending when
/// `ending`, else a bifurcation. The ridges run along the minutia's direction; behind it there is
/// one ridge fewer than ahead of it, the neighbouring ridges spreading smoothly to make room. An
/// ending is drawn as the same figure with ridges and valleys swapped (a valley bifurcation).
pub fn minutia(
    w: u32,
    h: u32,
    period: f32,
    (x0, y0): (f32, f32),
    iso_angle: f32,
    ending: bool,
) -> GrayImage {
    let (c, s) = (iso_angle.cos(), iso_angle.sin());
    let smooth = |t: f32| {
        let t = t.clamp(0.0, 1.0);
        t * t * (3.0 - 2.0 * t)
    };
    let count = (w.max(h) as f32 / period).ceil() as i32 + 2;
    build(w, h, |x, y| {
        let (dx, dy) = (x - x0, y - y0);
        // Coordinates along the minutia's direction (d = (cos a, −sin a) in image coordinates)
        // and across it.
        let u = dx * c - dy * s;
        let v = dx * s + dy * c;
        // An ending's ridge appears where the valley's branches are half a ridge apart, a
        // little after their fork: move the fork back so the ridge tip is at (x0, y0).
        let u = if ending { u + 0.375 * period } else { u };
        let spread = 0.5 * period * smooth((u + 2.0 * period) / (4.0 * period));
        let mut d = f32::MAX;
        for k in (-count..=count).filter(|&k| k != 0) {
            let centre = k as f32 * period + (k.signum() as f32) * spread;
            d = d.min((v - centre).abs());
        }
        if u <= 0.0 {
            d = d.min(v.abs());
        } else {
            let branch = 0.5 * period * (u / (1.5 * period)).min(1.0).sqrt();
            d = d.min((v - branch).abs()).min((v + branch).abs());
        }
        let profile = 100.0 * (2.0 * PI * d.min(0.5 * period) / period).cos();
        let value = if ending {
            128.0 + profile
        } else {
            128.0 - profile
        };
        // White far away so the print has a border like a real one.
        let r = (dx * dx + dy * dy).sqrt();
        if r > (w.min(h) as f32) * 0.45 {
            255.0
        } else {
            value
        }
    })
}

/// A grating of period 9 in the rectangle `[x0, x1) × [y0, y1)`, white elsewhere.
pub fn patch_on_white(w: u32, h: u32, x0: u32, y0: u32, x1: u32, y1: u32) -> GrayImage {
    let (x0, y0, x1, y1) = (x0 as f32, y0 as f32, x1 as f32, y1 as f32);
    build(w, h, |x, y| {
        if x >= x0 && x < x1 && y >= y0 && y < y1 {
            128.0 + 100.0 * (2.0 * PI * (x + 0.4 * y) / 9.0).cos()
        } else {
            255.0
        }
    })
}

/// Deterministic uniform noise (xorshift).
pub fn noise(w: u32, h: u32, seed: u64) -> GrayImage {
    let mut state = seed | 1;
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for _ in 0..w as usize * h as usize {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        pixels.push((state >> 24) as u8);
    }
    GrayImage::new(w, h, pixels).unwrap_or_else(|e| panic!("{e}"))
}

/// A smooth radial shading, like an out-of-focus face.
pub fn smooth_blob(w: u32, h: u32) -> GrayImage {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    build(w, h, |x, y| {
        let r = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() / cx.max(cy);
        60.0 + 150.0 * r.min(1.0)
    })
}

/// Vertical bars of varying widths, like a barcode.
pub fn barcode(w: u32, h: u32) -> GrayImage {
    let widths = [3u32, 5, 2, 7, 4, 3, 6, 2, 4, 5, 3, 8];
    let mut edges = Vec::new();
    let mut x = 0;
    let mut k = 0;
    while x < w {
        let wd = widths[k % widths.len()];
        edges.push((x, x + wd, k % 2 == 0));
        x += wd;
        k += 1;
    }
    build(w, h, |x, _| {
        let dark = edges
            .iter()
            .find(|(a, b, _)| (x as u32) >= *a && (x as u32) < *b)
            .map(|e| e.2)
            .unwrap_or(false);
        if dark {
            20.0
        } else {
            235.0
        }
    })
}

/// Concentric rings of period 9 centred in the image, like a whorl.
pub fn whorl(w: u32, h: u32) -> GrayImage {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    build(w, h, |x, y| {
        let r = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
        if r > cx.min(cy) * 0.9 {
            255.0
        } else {
            128.0 + 100.0 * (2.0 * PI * r / 9.0).cos()
        }
    })
}
