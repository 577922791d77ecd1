//! Impressions of a master: what a 500 ppi optical sensor would capture on one touch.
//!
//! The master is placed on the sensor with a translation and a rotation, deformed by Cappelli's
//! non-linear distortion model (a close-contact region that does not move, a transition ring,
//! and an outer region that rotates and shifts as a whole), seen only where the skin touches the
//! glass (an irregular ellipse whose size depends on pressure and whose centre may be off the
//! finger's), with ridges thinned and broken (dry skin) or thickened and merged (wet skin),
//! pressure varying across the finger, creases and scars, blur, and sensor noise. The master's
//! ground-truth minutiae are carried into the impression's coordinates.

use std::f32::consts::PI;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::master::{MasterFingerprint, Point};
use super::noise::{bilinear, gaussian, FractalNoise, ValueNoise};
use super::SynthError;
use crate::image::GrayImage;
use crate::template::{Minutia, Template};

/// What varies from one touch of the sensor to the next. Every amount is a maximum: each
/// impression draws its own value uniformly up to it (or within the range).
#[derive(Debug, Clone, PartialEq)]
pub struct ImpressionSettings {
    /// Output image size in pixels (500 ppi).
    pub width: u32,
    pub height: u32,
    /// Largest shift of the finger from the image centre, in pixels, along each axis.
    pub max_translation: f32,
    /// Largest rotation of the finger, in degrees, either way.
    pub max_rotation_deg: f32,
    /// Non-linear distortion: largest rotation (degrees) and shift (pixels) of the outer skin
    /// relative to the close-contact region.
    pub distortion_rotation_deg: f32,
    pub distortion_shift: f32,
    /// Contact region size, as a fraction of the finger's silhouette (drawn in this range).
    pub contact_min: f32,
    pub contact_max: f32,
    /// Largest offset of the contact region's centre from the finger's, in pixels.
    pub contact_offset: f32,
    /// Dry skin, 0–1: thinner, broken ridges.
    pub dryness: f32,
    /// Wet skin, 0–1: thicker, merged ridges. Each impression is dry or wet, not both.
    pub wetness: f32,
    /// Pressure variation across the finger, 0–1 (ridge width and contrast vary smoothly).
    pub pressure_variation: f32,
    /// Largest number of creases and scars (white lines).
    pub max_scars: u32,
    /// Blur, standard deviation in pixels (drawn between 0.3 × and 1 × this).
    pub blur: f32,
    /// Sensor noise, standard deviation in grey levels.
    pub noise: f32,
    /// Background unevenness, in grey levels.
    pub background_noise: f32,
}

impl ImpressionSettings {
    /// Cooperative user, clean sensor.
    pub fn easy() -> Self {
        Self {
            width: 336,
            height: 448,
            max_translation: 15.0,
            max_rotation_deg: 8.0,
            distortion_rotation_deg: 2.0,
            distortion_shift: 3.0,
            contact_min: 0.85,
            contact_max: 1.0,
            contact_offset: 10.0,
            dryness: 0.1,
            wetness: 0.1,
            pressure_variation: 0.1,
            max_scars: 0,
            blur: 0.5,
            noise: 4.0,
            background_noise: 4.0,
        }
    }

    /// An ordinary enrolment desk (NBIS: EER about 2.4 % on 100 × 8).
    pub fn normal() -> Self {
        Self {
            max_translation: 50.0,
            max_rotation_deg: 20.0,
            distortion_rotation_deg: 7.0,
            distortion_shift: 12.0,
            contact_min: 0.55,
            contact_max: 1.0,
            contact_offset: 40.0,
            dryness: 0.6,
            wetness: 0.6,
            pressure_variation: 0.25,
            max_scars: 2,
            blur: 0.8,
            noise: 12.0,
            background_noise: 8.0,
            ..Self::easy()
        }
    }

    /// Hard conditions, calibrated so NIST's NBIS has an equal error rate near its FVC2004
    /// figure (about 10 %; measured 10.1–11.0 % on 100 × 8); see `bench/fingerprints/README.md`.
    pub fn harsh() -> Self {
        Self {
            max_translation: 65.0,
            max_rotation_deg: 30.0,
            distortion_rotation_deg: 10.0,
            distortion_shift: 18.0,
            contact_min: 0.45,
            contact_max: 0.95,
            contact_offset: 50.0,
            dryness: 0.8,
            wetness: 0.8,
            pressure_variation: 0.4,
            max_scars: 5,
            blur: 1.2,
            noise: 16.0,
            background_noise: 12.0,
            ..Self::easy()
        }
    }

    /// A preset by name: `easy`, `normal` or `harsh`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "easy" => Some(Self::easy()),
            "normal" => Some(Self::normal()),
            "harsh" => Some(Self::harsh()),
            _ => None,
        }
    }
}

impl Default for ImpressionSettings {
    fn default() -> Self {
        Self::normal()
    }
}

/// One impression: the image and the master's minutiae seen in it.
#[derive(Debug, Clone)]
pub struct FingerImpression {
    pub image: GrayImage,
    /// Ground-truth minutiae in the image's coordinates: those of the master that fall inside
    /// the image and the contact region (quality = how firmly the skin touched there).
    pub minutiae: Vec<Minutia>,
}

impl FingerImpression {
    /// The ground truth as a template of the image's size.
    pub fn template(&self) -> Template {
        let mut template = Template::new(self.image.width() as u16, self.image.height() as u16);
        template.quality = 100;
        template.minutiae = self.minutiae.clone();
        template
    }
}

/// The geometry of one impression: image point ↔ master point.
struct Placement {
    /// Finger centre on the master, and where it lands in the image.
    finger: Point,
    target: Point,
    cos: f32,
    sin: f32,
    /// Cappelli distortion around `contact` (master coordinates).
    contact: Point,
    inner: f32,
    outer: f32,
    d_cos: f32,
    d_sin: f32,
    shift: Point,
}

impl Placement {
    /// Image → master before distortion (undoes the rigid placement).
    fn unplace(&self, x: f32, y: f32) -> Point {
        let (dx, dy) = (x - self.target.x, y - self.target.y);
        Point {
            x: self.finger.x + self.cos * dx + self.sin * dy,
            y: self.finger.y - self.sin * dx + self.cos * dy,
        }
    }

    /// Master (undistorted placement) → image.
    fn place(&self, u: Point) -> Point {
        let (dx, dy) = (u.x - self.finger.x, u.y - self.finger.y);
        Point {
            x: self.target.x + self.cos * dx - self.sin * dy,
            y: self.target.y + self.sin * dx + self.cos * dy,
        }
    }

    /// The distortion: a point of the placed skin → the master point under it.
    fn distort(&self, u: Point) -> Point {
        let (dx, dy) = (u.x - self.contact.x, u.y - self.contact.y);
        let r = (dx * dx + dy * dy).sqrt();
        let t = ((r - self.inner) / (self.outer - self.inner)).clamp(0.0, 1.0);
        let brake = t * t * (3.0 - 2.0 * t);
        let rx = self.d_cos * dx - self.d_sin * dy + self.shift.x;
        let ry = self.d_sin * dx + self.d_cos * dy + self.shift.y;
        Point {
            x: u.x + (rx - dx) * brake,
            y: u.y + (ry - dy) * brake,
        }
    }

    /// Image point → master point.
    fn to_master(&self, x: f32, y: f32) -> Point {
        self.distort(self.unplace(x, y))
    }

    /// Master point → image point (inverts the distortion by fixed-point iteration).
    fn to_image(&self, q: Point) -> Point {
        let mut u = q;
        for _ in 0..20 {
            let d = self.distort(u);
            u = Point {
                x: u.x - (d.x - q.x),
                y: u.y - (d.y - q.y),
            };
        }
        self.place(u)
    }
}

/// Takes one impression of a master.
pub fn take_impression(
    rng: &mut ChaCha8Rng,
    master: &MasterFingerprint,
    settings: &ImpressionSettings,
) -> Result<FingerImpression, SynthError> {
    let (width, height) = (settings.width, settings.height);
    crate::image::check_size(width, height)?;
    let s = master.silhouette;
    // The finger's centre: a little below the silhouette's, where the pattern area lies.
    let scale = s.half_width / 150.0;
    let finger = Point {
        x: s.centre.x,
        y: s.centre.y + 30.0 * scale,
    };
    let angle = uniform(rng, settings.max_rotation_deg).to_radians();
    let target = Point {
        x: width as f32 * 0.5 + uniform(rng, settings.max_translation),
        y: height as f32 * 0.5 + uniform(rng, settings.max_translation),
    };
    let contact = Point {
        x: finger.x + uniform(rng, settings.contact_offset),
        y: finger.y + uniform(rng, settings.contact_offset),
    };
    let size = rng.gen_range(settings.contact_min.min(settings.contact_max)..=settings.contact_max);
    let d_angle = uniform(rng, settings.distortion_rotation_deg).to_radians();
    let shift = Point {
        x: uniform(rng, settings.distortion_shift),
        y: uniform(rng, settings.distortion_shift),
    };
    let placement = Placement {
        finger,
        target,
        cos: angle.cos(),
        sin: angle.sin(),
        contact,
        inner: 45.0 * scale,
        outer: 45.0 * scale + 120.0 * scale,
        d_cos: d_angle.cos(),
        d_sin: d_angle.sin(),
        shift,
    };
    // Contact ellipse (master coordinates), with a ragged edge.
    let contact_a = s.half_width * size;
    let contact_b = (s.top * 1.25) * size;
    let edge_noise = FractalNoise::new(rng, master.width(), master.height(), 60.0, 3);
    // Skin: moisture (< 0 dry, > 0 wet), pressure, breaks, blobs.
    let moisture = if rng.gen_bool(0.5) {
        -rng.gen_range(0.0..=settings.dryness.max(0.0))
    } else {
        rng.gen_range(0.0..=settings.wetness.max(0.0))
    };
    let pressure = ValueNoise::new(rng, master.width(), master.height(), 70.0);
    let pressure_amount = rng.gen_range(0.0..=settings.pressure_variation.max(0.0));
    let pores = ValueNoise::new(rng, master.width(), master.height(), 3.5);
    let blobs = ValueNoise::new(rng, master.width(), master.height(), 9.0);
    let contrast = rng.gen_range(150.0..210.0) * (1.0 - 0.3 * moisture.abs());
    let background = rng.gen_range(225.0..250.0);
    let back_noise = ValueNoise::new(rng, width, height, 40.0);
    let scars = draw_scars(rng, settings.max_scars, master);
    let (mw, mh) = (master.width() as usize, master.height() as usize);
    let ridges = master.ridges();

    let mut grey = vec![0.0f32; (width * height) as usize];
    let mut touch = vec![0.0f32; (width * height) as usize];
    for y in 0..height {
        for x in 0..width {
            let q = placement.to_master(x as f32, y as f32);
            let i = (y * width + x) as usize;
            let base = background + settings.background_noise * back_noise.at(x as f32, y as f32);
            // How firmly the skin touches here: 1 well inside the contact region, 0 outside.
            let (ex, ey) = ((q.x - contact.x) / contact_a, (q.y - contact.y) / contact_b);
            let radius = (ex * ex + ey * ey).sqrt() + 0.12 * edge_noise.at(q.x, q.y);
            let depth = s.depth(q.x, q.y);
            let firm = ((1.0 - radius) * 6.0).clamp(0.0, 1.0) * (depth / 6.0).clamp(0.0, 1.0);
            touch[i] = firm;
            if firm <= 0.0 {
                grey[i] = base;
                continue;
            }
            let v = bilinear(ridges, mw, mh, q.x, q.y, 0.0);
            // Threshold: dry skin and light touch raise it (thinner ridges), wet skin and
            // pressure lower it.
            let p = pressure_amount * pressure.at(q.x, q.y);
            let threshold = -0.55 * moisture - 0.5 * p + 0.35 * (1.0 - firm);
            let mut ridge = ((v - threshold) * 3.0 + 0.5).clamp(0.0, 1.0);
            if moisture < 0.0 {
                // Dry: ridges broken where the skin does not touch.
                let hole = pores.at(q.x, q.y) + 1.0 + moisture * 0.9;
                ridge *= (hole * 3.0).clamp(0.0, 1.0);
            } else if moisture > 0.0 {
                // Wet: valleys filled in blots.
                let blot = (blobs.at(q.x, q.y) - 1.0 + moisture * 0.8) * 4.0;
                ridge = ridge.max(blot.clamp(0.0, 1.0));
            }
            for scar in &scars {
                ridge *= scar.keep(q);
            }
            let local_contrast = contrast * (1.0 + 0.5 * p).clamp(0.3, 1.3) * firm;
            grey[i] = base - local_contrast * ridge;
        }
    }
    let sigma = rng.gen_range(0.3..=1.0f32) * settings.blur.max(0.0);
    if sigma > 0.05 {
        gaussian_blur(&mut grey, width as usize, height as usize, sigma);
    }
    let pixels = grey
        .iter()
        .map(|&g| {
            (g + settings.noise * gaussian(rng))
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    let image = GrayImage::new(width, height, pixels)?;

    let minutiae = master
        .minutiae
        .iter()
        .filter_map(|m| {
            let q = Point {
                x: m.x as f32,
                y: m.y as f32,
            };
            let p = placement.to_image(q);
            let ahead = placement.to_image(Point {
                x: q.x + 4.0 * m.angle.cos(),
                y: q.y - 4.0 * m.angle.sin(),
            });
            let (xi, yi) = (p.x.round(), p.y.round());
            if xi < 0.0 || yi < 0.0 || xi >= width as f32 || yi >= height as f32 {
                return None;
            }
            let firm = touch
                .get(yi as usize * width as usize + xi as usize)
                .copied()
                .unwrap_or(0.0);
            if firm < 0.5 || scars.iter().any(|s| s.keep(q) < 0.5) {
                return None;
            }
            let angle = (-(ahead.y - p.y)).atan2(ahead.x - p.x);
            Some(Minutia::new(
                xi as u16,
                yi as u16,
                angle,
                m.kind,
                (firm * 100.0) as u8,
            ))
        })
        .collect();
    Ok(FingerImpression { image, minutiae })
}

/// Uniform in `[-max, max]` (0 when `max` is not positive).
fn uniform(rng: &mut ChaCha8Rng, max: f32) -> f32 {
    if max > 0.0 {
        rng.gen_range(-max..=max)
    } else {
        0.0
    }
}

/// A crease or scar: a white band along a segment (master coordinates).
struct Scar {
    a: Point,
    b: Point,
    half_width: f32,
}

impl Scar {
    /// 0 on the band, 1 away from it.
    fn keep(&self, q: Point) -> f32 {
        let (vx, vy) = (self.b.x - self.a.x, self.b.y - self.a.y);
        let len2 = (vx * vx + vy * vy).max(1e-6);
        let t = (((q.x - self.a.x) * vx + (q.y - self.a.y) * vy) / len2).clamp(0.0, 1.0);
        let (cx, cy) = (self.a.x + t * vx - q.x, self.a.y + t * vy - q.y);
        let d = (cx * cx + cy * cy).sqrt();
        ((d - self.half_width) / 1.5).clamp(0.0, 1.0)
    }
}

fn draw_scars(rng: &mut ChaCha8Rng, max: u32, master: &MasterFingerprint) -> Vec<Scar> {
    let count = if max > 0 { rng.gen_range(0..=max) } else { 0 };
    let s = master.silhouette;
    (0..count)
        .map(|_| {
            let centre = Point {
                x: s.centre.x + rng.gen_range(-0.8..0.8) * s.half_width,
                y: s.centre.y + rng.gen_range(-0.6..1.2) * s.top,
            };
            // Creases run mostly across the finger.
            let angle: f32 =
                rng.gen_range(-0.5..0.5) + if rng.gen_bool(0.3) { PI / 2.0 } else { 0.0 };
            let half = rng.gen_range(20.0..100.0);
            Scar {
                a: Point {
                    x: centre.x - half * angle.cos(),
                    y: centre.y - half * angle.sin(),
                },
                b: Point {
                    x: centre.x + half * angle.cos(),
                    y: centre.y + half * angle.sin(),
                },
                half_width: rng.gen_range(0.8..2.5),
            }
        })
        .collect()
}

/// Separable Gaussian blur, in place.
fn gaussian_blur(values: &mut [f32], w: usize, h: usize, sigma: f32) {
    let radius = (3.0 * sigma).ceil() as i32;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let mut tmp = vec![0.0f32; values.len()];
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            for (k, kv) in kernel.iter().enumerate() {
                let sx = (x as i32 + k as i32 - radius).clamp(0, w as i32 - 1) as usize;
                sum += kv * values[y * w + sx];
            }
            tmp[y * w + x] = sum;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            for (k, kv) in kernel.iter().enumerate() {
                let sy = (y as i32 + k as i32 - radius).clamp(0, h as i32 - 1) as usize;
                sum += kv * tmp[sy * w + x];
            }
            values[y * w + x] = sum;
        }
    }
}
