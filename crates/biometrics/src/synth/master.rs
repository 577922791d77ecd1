//! The master fingerprint: the finger's whole ridge pattern, from which impressions are taken.
//!
//! Steps, after SFinGe (Cappelli, Maio, Maltoni): a silhouette (two half super-ellipses); an
//! orientation field from the zero-pole model of Sherlock and Monro with the per-singularity
//! correction of Vizcaya and Gerhardt (cores and deltas placed by class; arches from a smooth
//! bump); a smoothly varying ridge period (about 9 pixels at 500 ppi); ridges grown by iterated,
//! space-variant Gabor filtering from a few seeds until they fill the silhouette. The result is a
//! continuous ridge map in `[-1, 1]` (ridge where positive); impressions threshold it.

use std::f32::consts::{FRAC_PI_2, PI, TAU};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::noise::{gaussian, FractalNoise, ValueNoise};
use super::SynthError;
use crate::image::GrayImage;
use crate::template::{Minutia, Template};

/// The Henry class of a master fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerClass {
    Arch,
    TentedArch,
    LeftLoop,
    RightLoop,
    Whorl,
}

impl FingerClass {
    /// All classes, in the order of [`FingerClass::FREQUENCIES`].
    pub const ALL: [Self; 5] = [
        Self::Arch,
        Self::TentedArch,
        Self::LeftLoop,
        Self::RightLoop,
        Self::Whorl,
    ];

    /// Natural class frequencies (Wilson, Candela and Watson, 1994): 3.7 % arch, 2.9 % tented
    /// arch, 33.8 % left loop, 31.7 % right loop, 27.9 % whorl.
    pub const FREQUENCIES: [f32; 5] = [0.037, 0.029, 0.338, 0.317, 0.279];

    /// Draws a class with the natural frequencies.
    pub fn draw(rng: &mut ChaCha8Rng) -> Self {
        Self::at_quantile(rng.gen_range(0.0..1.0))
    }

    /// The class at quantile `u` in `[0, 1)` of the natural frequencies (arch first).
    pub fn at_quantile(u: f32) -> Self {
        let mut u = u;
        for (class, p) in Self::ALL.iter().zip(Self::FREQUENCIES) {
            if u < p {
                return *class;
            }
            u -= p;
        }
        Self::Whorl
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Arch => "arch",
            Self::TentedArch => "tented_arch",
            Self::LeftLoop => "left_loop",
            Self::RightLoop => "right_loop",
            Self::Whorl => "whorl",
        }
    }
}

/// How master fingerprints are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterSettings {
    /// Canvas size in pixels (500 ppi).
    pub width: u32,
    pub height: u32,
    /// A fixed class, or `None` to draw one with [`FingerClass::FREQUENCIES`].
    pub class: Option<FingerClass>,
    /// Mean ridge period in pixels (distance between ridge centres); each finger draws its own
    /// mean around this value (± 0.6) and varies it smoothly by ± `period_spread`.
    pub mean_period: f32,
    pub period_spread: f32,
    /// Number of seeds the ridges grow from.
    pub seeds: u32,
    /// Cap on Gabor growth iterations.
    pub max_iterations: u32,
}

impl Default for MasterSettings {
    fn default() -> Self {
        Self {
            width: 400,
            height: 500,
            class: None,
            mean_period: 9.0,
            period_spread: 1.6,
            seeds: 60,
            max_iterations: 120,
        }
    }
}

impl MasterSettings {
    /// A small canvas (for fast tests).
    pub fn small(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            ..Self::default()
        }
    }
}

/// A point of the canvas, in pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// The finger silhouette: the upper half is a super-ellipse of half-axes `(half_width, top)`, the
/// lower half one of `(half_width, bottom)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Silhouette {
    pub centre: Point,
    pub half_width: f32,
    pub top: f32,
    pub bottom: f32,
}

impl Silhouette {
    /// Normalised radius: below 1 inside, 1 on the outline.
    pub fn radius(&self, x: f32, y: f32) -> f32 {
        let dx = (x - self.centre.x).abs() / self.half_width;
        let dy = y - self.centre.y;
        let (dy, n) = if dy < 0.0 {
            (-dy / self.top, 2.0)
        } else {
            (dy / self.bottom, 2.6)
        };
        (dx.powf(n) + dy.powf(n)).powf(1.0 / n)
    }

    /// Approximate distance in pixels inside the outline (negative outside).
    pub fn depth(&self, x: f32, y: f32) -> f32 {
        (1.0 - self.radius(x, y)) * self.half_width.min(self.top)
    }
}

/// A master fingerprint with its ground truth.
#[derive(Debug, Clone)]
pub struct MasterFingerprint {
    pub class: FingerClass,
    pub silhouette: Silhouette,
    pub cores: Vec<Point>,
    pub deltas: Vec<Point>,
    /// Ground-truth minutiae of the master ridge map (ISO/IEC 19794-2 conventions).
    pub minutiae: Vec<Minutia>,
    width: u32,
    height: u32,
    ridges: Vec<f32>,
    orientation: Vec<f32>,
    period: Vec<f32>,
}

impl MasterFingerprint {
    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The continuous ridge map, row-major, in `[-1, 1]`: ridge where positive, 0 outside the
    /// finger.
    pub fn ridges(&self) -> &[f32] {
        &self.ridges
    }

    /// Ridge orientation at each pixel in radians, in `[0, π)`, measured in image coordinates
    /// (clockwise on screen from the x axis, since y grows downwards).
    pub fn orientation(&self) -> &[f32] {
        &self.orientation
    }

    /// Ridge period at each pixel, in pixels.
    pub fn period(&self) -> &[f32] {
        &self.period
    }

    /// The ground truth as a template of the master canvas's size.
    pub fn template(&self) -> Template {
        let mut template = Template::new(self.width as u16, self.height as u16);
        template.quality = 100;
        template.minutiae = self.minutiae.clone();
        template
    }

    /// The binarised master ridge map: 0 on ridges, 255 in valleys and outside the finger.
    pub fn ridge_map(&self) -> Result<GrayImage, SynthError> {
        let pixels = self
            .ridges
            .iter()
            .map(|&v| if v > 0.0 { 0 } else { 255 })
            .collect();
        Ok(GrayImage::new(self.width, self.height, pixels)?)
    }
}

/// Draws a master fingerprint.
pub fn generate_master(
    rng: &mut ChaCha8Rng,
    settings: &MasterSettings,
) -> Result<MasterFingerprint, SynthError> {
    let (width, height) = (settings.width, settings.height);
    crate::image::check_size(width, height)?;
    if width < 64 || height < 64 {
        return Err(SynthError::TooSmall { width, height });
    }
    let class = settings.class.unwrap_or_else(|| FingerClass::draw(rng));
    let (w, h) = (width as f32, height as f32);
    // Silhouette: a finger about 16 mm wide at 500 ppi, scaled down on small canvases.
    let scale = (w / 400.0).min(h / 500.0);
    let half_width = (w * 0.5 - 8.0).min(rng.gen_range(135.0..160.0) * scale);
    let top = (h * 0.42).min(rng.gen_range(165.0..200.0) * scale);
    let silhouette = Silhouette {
        centre: Point {
            x: w * 0.5 + rng.gen_range(-6.0..6.0) * scale,
            y: top + 6.0 * scale + rng.gen_range(0.0..8.0) * scale,
        },
        half_width,
        top,
        bottom: h,
    };
    let (cores, deltas) = singularities(rng, class, &silhouette, scale);
    let field = OrientationField::new(rng, class, &cores, &deltas, &silhouette, scale);
    let mut orientation = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            orientation.push(field.at(x as f32, y as f32));
        }
    }
    let period = period_map(rng, settings, width, height);
    let ridges = grow_ridges(
        rng,
        settings,
        width,
        height,
        &silhouette,
        &orientation,
        &period,
    );
    let mut master = MasterFingerprint {
        class,
        silhouette,
        cores,
        deltas,
        minutiae: Vec::new(),
        width,
        height,
        ridges,
        orientation,
        period,
    };
    master.minutiae = super::minutiae::ground_truth(&master);
    Ok(master)
}

/// Places cores and deltas for a class, around the silhouette's centre.
fn singularities(
    rng: &mut ChaCha8Rng,
    class: FingerClass,
    s: &Silhouette,
    scale: f32,
) -> (Vec<Point>, Vec<Point>) {
    let (cx, cy) = (s.centre.x, s.centre.y);
    let mut j = |spread: f32| rng.gen_range(-spread..spread) * scale;
    let p = |x: f32, y: f32| Point { x, y };
    match class {
        FingerClass::Arch => (vec![], vec![]),
        FingerClass::TentedArch => {
            let core = p(cx + j(15.0), cy - 10.0 * scale + j(20.0));
            let gap = (70.0 + j(15.0)) * scale.max(0.3);
            (vec![core], vec![p(core.x + j(10.0), core.y + gap)])
        }
        FingerClass::LeftLoop | FingerClass::RightLoop => {
            let side = if class == FingerClass::LeftLoop {
                1.0
            } else {
                -1.0
            };
            let core = p(
                cx - side * 15.0 * scale + j(20.0),
                cy - 20.0 * scale + j(30.0),
            );
            let delta = p(
                core.x + side * (95.0 * scale + j(20.0)),
                core.y + 120.0 * scale + j(25.0),
            );
            (vec![core], vec![delta])
        }
        FingerClass::Whorl => {
            let upper = p(cx + j(15.0), cy - 35.0 * scale + j(20.0));
            let lower = p(upper.x + j(18.0), upper.y + (25.0 + j(12.0).abs()) * scale);
            let left = p(
                cx - 110.0 * scale + j(20.0),
                lower.y + 95.0 * scale + j(25.0),
            );
            let right = p(
                cx + 110.0 * scale + j(20.0),
                lower.y + 95.0 * scale + j(25.0),
            );
            (vec![upper, lower], vec![left, right])
        }
    }
}

/// The Vizcaya–Gerhardt correction of one singularity: `g(α) = α + Σ aₘ sin(mα) + bₘ cos(mα)`,
/// a small periodic deformation of the zero-pole angle.
#[derive(Debug, Clone, Copy)]
struct Correction {
    a: [f32; 2],
    b: [f32; 2],
}

impl Correction {
    fn draw(rng: &mut ChaCha8Rng, amplitude: f32) -> Self {
        let mut c = || rng.gen_range(-amplitude..amplitude);
        Self {
            a: [c(), c() * 0.5],
            b: [c(), c() * 0.5],
        }
    }

    fn apply(&self, alpha: f32) -> f32 {
        alpha
            + self.a[0] * alpha.sin()
            + self.b[0] * (alpha.cos() - 1.0)
            + self.a[1] * (2.0 * alpha).sin()
            + self.b[1] * ((2.0 * alpha).cos() - 1.0)
    }
}

/// The orientation model of one finger.
struct OrientationField {
    cores: Vec<(Point, Correction)>,
    deltas: Vec<(Point, Correction)>,
    base: f32,
    arch: Option<ArchShape>,
    warp: ValueNoise,
    warp_amount: f32,
}

struct ArchShape {
    centre: Point,
    height: f32,
    width: f32,
    fall: f32,
}

impl OrientationField {
    fn new(
        rng: &mut ChaCha8Rng,
        class: FingerClass,
        cores: &[Point],
        deltas: &[Point],
        s: &Silhouette,
        scale: f32,
    ) -> Self {
        let arch = (class == FingerClass::Arch).then(|| ArchShape {
            centre: Point {
                x: s.centre.x + rng.gen_range(-20.0..20.0) * scale,
                y: s.centre.y + rng.gen_range(-10.0..40.0) * scale,
            },
            height: rng.gen_range(50.0..90.0) * scale,
            width: rng.gen_range(70.0..110.0) * scale,
            fall: rng.gen_range(140.0..220.0) * scale,
        });
        let cores = cores
            .iter()
            .map(|&p| (p, Correction::draw(rng, 0.12)))
            .collect();
        let deltas = deltas
            .iter()
            .map(|&p| (p, Correction::draw(rng, 0.12)))
            .collect();
        Self {
            cores,
            deltas,
            base: rng.gen_range(-0.08..0.08),
            arch,
            warp: ValueNoise::new(rng, 2000, 2000, 90.0 * scale.max(0.3)),
            warp_amount: 0.06,
        }
    }

    /// Ridge orientation at (x, y) in `[0, π)`, image coordinates.
    fn at(&self, x: f32, y: f32) -> f32 {
        let theta = if let Some(arch) = &self.arch {
            // Ridges are level curves of f = y - height · bump(x) · fall(y).
            let dx = (x - arch.centre.x) / arch.width;
            let bump = (-dx * dx).exp();
            let fall = 1.0 / (1.0 + ((y - arch.centre.y) / arch.fall).max(0.0).powi(2));
            let fx = arch.height * bump * fall * 2.0 * dx / arch.width;
            let fy = 1.0f32;
            // The ridge runs perpendicular to the gradient: along (fy, -fx).
            (-fx).atan2(fy)
        } else {
            // Sherlock–Monro in image coordinates: y is flipped so that the model's
            // counter-clockwise angles keep their meaning.
            let mut t = 0.0;
            for (d, c) in &self.deltas {
                t += 0.5 * c.apply((-(y - d.y)).atan2(x - d.x));
            }
            for (p, c) in &self.cores {
                t -= 0.5 * c.apply((-(y - p.y)).atan2(x - p.x));
            }
            t
        };
        let warp = self.warp_amount * self.warp.at(x + 500.0, y + 500.0) * PI;
        (theta + self.base + warp).rem_euclid(PI)
    }
}

fn period_map(
    rng: &mut ChaCha8Rng,
    settings: &MasterSettings,
    width: u32,
    height: u32,
) -> Vec<f32> {
    let mean = settings.mean_period + 0.6 * gaussian(rng).clamp(-1.0, 1.0);
    let noise = FractalNoise::new(rng, width, height, 70.0, 2);
    let mut period = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let p = mean + settings.period_spread * noise.at(x as f32, y as f32);
            period.push(p.clamp(5.0, 14.0));
        }
    }
    period
}

/// Gabor growth parameters.
const RADIUS: usize = 6;
const SIDE: usize = 2 * RADIUS + 1;
const ORIENTATIONS: usize = 36;
const PERIOD_MIN: f32 = 5.0;
const PERIOD_STEP: f32 = 0.25;
const PERIODS: usize = 37;
const BLOCK: usize = 16;

/// A bank of zero-mean Gabor kernels, normalised to answer 1 to a matching unit sinusoid.
struct GaborBank {
    kernels: Vec<[f32; SIDE * SIDE]>,
}

impl GaborBank {
    fn new() -> Self {
        let mut kernels = Vec::with_capacity(ORIENTATIONS * PERIODS);
        for pi in 0..PERIODS {
            let period = PERIOD_MIN + pi as f32 * PERIOD_STEP;
            let sigma = 0.42 * period;
            for oi in 0..ORIENTATIONS {
                let theta = oi as f32 * PI / ORIENTATIONS as f32;
                // Distance is measured across the ridges, along the normal.
                let (nx, ny) = ((theta + FRAC_PI_2).cos(), (theta + FRAC_PI_2).sin());
                let mut k = [0.0f32; SIDE * SIDE];
                let mut envelope = [0.0f32; SIDE * SIDE];
                for (i, (kv, ev)) in k.iter_mut().zip(envelope.iter_mut()).enumerate() {
                    let dx = (i % SIDE) as f32 - RADIUS as f32;
                    let dy = (i / SIDE) as f32 - RADIUS as f32;
                    let e = (-(dx * dx + dy * dy) / (2.0 * sigma * sigma)).exp();
                    *ev = e;
                    *kv = e * (TAU * (dx * nx + dy * ny) / period).cos();
                }
                let sum_k: f32 = k.iter().sum();
                let sum_e: f32 = envelope.iter().sum();
                for (kv, ev) in k.iter_mut().zip(envelope.iter()) {
                    *kv -= sum_k * ev / sum_e;
                }
                let mut response = 0.0;
                for (i, kv) in k.iter().enumerate() {
                    let dx = (i % SIDE) as f32 - RADIUS as f32;
                    let dy = (i / SIDE) as f32 - RADIUS as f32;
                    response += kv * (TAU * (dx * nx + dy * ny) / period).cos();
                }
                if response.abs() > f32::EPSILON {
                    for kv in k.iter_mut() {
                        *kv /= response;
                    }
                }
                kernels.push(k);
            }
        }
        Self { kernels }
    }

    fn index(orientation: f32, period: f32) -> usize {
        let oi = ((orientation / PI * ORIENTATIONS as f32).round() as usize) % ORIENTATIONS;
        let pi = (((period - PERIOD_MIN) / PERIOD_STEP).round().max(0.0) as usize).min(PERIODS - 1);
        pi * ORIENTATIONS + oi
    }
}

/// Whether a block of the padded buffer holds any signal.
fn block_has_signal(buffer: &[f32], bx: usize, by: usize, w: usize, h: usize, pw: usize) -> bool {
    (by * BLOCK..((by + 1) * BLOCK).min(h)).any(|y| {
        let row = (y + RADIUS) * pw + RADIUS;
        buffer
            .get(row + bx * BLOCK..row + ((bx + 1) * BLOCK).min(w))
            .is_some_and(|r| r.iter().any(|v| v.abs() > 1e-4))
    })
}

/// Grows ridges from seeds by iterated Gabor filtering with saturation until the silhouette (plus
/// a margin) is covered, then a few more iterations to settle.
fn grow_ridges(
    rng: &mut ChaCha8Rng,
    settings: &MasterSettings,
    width: u32,
    height: u32,
    silhouette: &Silhouette,
    orientation: &[f32],
    period: &[f32],
) -> Vec<f32> {
    let (w, h) = (width as usize, height as usize);
    let pw = w + 2 * RADIUS;
    let ph = h + 2 * RADIUS;
    let bank = GaborBank::new();
    // Which pixels grow (silhouette plus a margin) and which kernel each uses.
    let margin = 10.0;
    let mut grows = vec![false; w * h];
    let mut kernel = vec![0u32; w * h];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            grows[i] = silhouette.depth(x as f32, y as f32) > -margin;
            let o = orientation.get(i).copied().unwrap_or(0.0);
            let p = period.get(i).copied().unwrap_or(9.0);
            kernel[i] = GaborBank::index(o, p) as u32;
        }
    }
    let mut src = vec![0.0f32; pw * ph];
    // Seeds: small patches of the local sinusoid, inside the silhouette.
    let mut placed = 0;
    let mut attempts = 0;
    while placed < settings.seeds.max(1) && attempts < 1000 {
        attempts += 1;
        let x = rng.gen_range(0..w);
        let y = rng.gen_range(0..h);
        if silhouette.depth(x as f32, y as f32) < 20.0 {
            continue;
        }
        let i = y * w + x;
        let o = orientation.get(i).copied().unwrap_or(0.0) + FRAC_PI_2;
        let p = period.get(i).copied().unwrap_or(9.0);
        let phase: f32 = rng.gen_range(0.0..TAU);
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (sx, sy) = (x as i32 + dx, y as i32 + dy);
                if sx < 0 || sy < 0 || sx >= w as i32 || sy >= h as i32 {
                    continue;
                }
                let d = dx as f32 * o.cos() + dy as f32 * o.sin();
                let pi = (sy as usize + RADIUS) * pw + sx as usize + RADIUS;
                if let Some(v) = src.get_mut(pi) {
                    *v = (TAU * d / p + phase).cos();
                }
            }
        }
        placed += 1;
    }
    let mut dst = src.clone();
    let bw = w.div_ceil(BLOCK);
    let bh = h.div_ceil(BLOCK);
    let block_grows: Vec<bool> = (0..bw * bh)
        .map(|b| {
            let (bx, by) = (b % bw, b / bw);
            (by * BLOCK..((by + 1) * BLOCK).min(h))
                .any(|y| (bx * BLOCK..((bx + 1) * BLOCK).min(w)).any(|x| grows[y * w + x]))
        })
        .collect();
    // A block is filtered again only if it or a neighbour changed in the last iteration: settled
    // ridges cost nothing. At first, the blocks holding seeds have "changed".
    let mut changed: Vec<bool> = (0..bw * bh)
        .map(|b| block_has_signal(&src, b % bw, b / bw, w, h, pw))
        .collect();
    let mut live = changed.clone();
    let mut next = vec![false; bw * bh];
    let gain = 2.0;
    let mut settle = 0;
    for _ in 0..settings.max_iterations {
        let covered = live
            .iter()
            .zip(&block_grows)
            .all(|(live, grows)| *live || !*grows);
        if covered {
            settle += 1;
            if settle > 6 {
                break;
            }
        }
        if !changed.iter().any(|&c| c) {
            break;
        }
        for by in 0..bh {
            for bx in 0..bw {
                let b = by * bw + bx;
                let near = (by.saturating_sub(1)..=(by + 1).min(bh - 1)).any(|ny| {
                    (bx.saturating_sub(1)..=(bx + 1).min(bw - 1)).any(|nx| changed[ny * bw + nx])
                });
                next[b] = false;
                let xs = bx * BLOCK..((bx + 1) * BLOCK).min(w);
                if !near {
                    // Unchanged: carry the block over to the other buffer.
                    for y in by * BLOCK..((by + 1) * BLOCK).min(h) {
                        let row = (y + RADIUS) * pw + RADIUS;
                        let range = row + xs.start..row + xs.end;
                        if let (Some(s), Some(d)) = (src.get(range.clone()), dst.get_mut(range)) {
                            d.copy_from_slice(s);
                        }
                    }
                    continue;
                }
                let mut delta = 0.0f32;
                for y in by * BLOCK..((by + 1) * BLOCK).min(h) {
                    for x in xs.clone() {
                        let i = y * w + x;
                        if !grows[i] {
                            continue;
                        }
                        let Some(k) = bank.kernels.get(kernel[i] as usize) else {
                            continue;
                        };
                        let mut sum = 0.0;
                        for (ky, krow) in k.chunks_exact(SIDE).enumerate() {
                            let start = (y + ky) * pw + x;
                            let Some(row) = src.get(start..start + SIDE) else {
                                continue;
                            };
                            for t in 0..SIDE {
                                sum += row[t] * krow[t];
                            }
                        }
                        let at = (y + RADIUS) * pw + x + RADIUS;
                        let value = (gain * sum).clamp(-1.0, 1.0);
                        delta = delta.max((value - src.get(at).copied().unwrap_or(0.0)).abs());
                        if let Some(d) = dst.get_mut(at) {
                            *d = value;
                        }
                    }
                }
                next[b] = delta > 1e-3;
                live[b] |= delta > 1e-4;
            }
        }
        std::mem::swap(&mut changed, &mut next);
        std::mem::swap(&mut src, &mut dst);
    }
    // Crop the padding and cut to the silhouette.
    let mut ridges = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            if silhouette.depth(x as f32, y as f32) > 0.0 {
                ridges[y * w + x] = src
                    .get((y + RADIUS) * pw + x + RADIUS)
                    .copied()
                    .unwrap_or(0.0);
            }
        }
    }
    ridges
}
