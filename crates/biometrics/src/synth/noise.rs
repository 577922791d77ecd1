//! Small deterministic helpers for the generator: seed derivation, Gaussian draws and smooth
//! value-noise fields.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Mixes a seed with a stream number (SplitMix64), so each finger and impression of a data set
/// has its own independent, reproducible random stream.
pub(crate) fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal draw (Box–Muller).
pub(crate) fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.gen_range(f32::EPSILON..1.0);
    let u2: f32 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// A smooth random field in about `[-1, 1]`: random values on a coarse grid, interpolated with
/// a smoothstep. `cell` is the grid spacing in pixels (the field's correlation length).
#[derive(Debug, Clone)]
pub(crate) struct ValueNoise {
    cols: usize,
    rows: usize,
    cell: f32,
    values: Vec<f32>,
}

impl ValueNoise {
    pub(crate) fn new(rng: &mut ChaCha8Rng, width: u32, height: u32, cell: f32) -> Self {
        let cell = cell.max(1.0);
        let cols = (width as f32 / cell).ceil() as usize + 2;
        let rows = (height as f32 / cell).ceil() as usize + 2;
        let values = (0..cols * rows).map(|_| rng.gen_range(-1.0..1.0)).collect();
        Self {
            cols,
            rows,
            cell,
            values,
        }
    }

    /// The field at (x, y); clamps outside the grid.
    pub(crate) fn at(&self, x: f32, y: f32) -> f32 {
        let gx = (x / self.cell).clamp(0.0, (self.cols - 2) as f32);
        let gy = (y / self.cell).clamp(0.0, (self.rows - 2) as f32);
        let (ix, iy) = (gx as usize, gy as usize);
        let (fx, fy) = (smooth(gx - ix as f32), smooth(gy - iy as f32));
        let v = |c: usize, r: usize| self.values.get(r * self.cols + c).copied().unwrap_or(0.0);
        let top = v(ix, iy) * (1.0 - fx) + v(ix + 1, iy) * fx;
        let bottom = v(ix, iy + 1) * (1.0 - fx) + v(ix + 1, iy + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// Several octaves of [`ValueNoise`] summed, each half the cell and half the weight of the last.
#[derive(Debug, Clone)]
pub(crate) struct FractalNoise {
    octaves: Vec<ValueNoise>,
}

impl FractalNoise {
    pub(crate) fn new(
        rng: &mut ChaCha8Rng,
        width: u32,
        height: u32,
        cell: f32,
        octaves: u32,
    ) -> Self {
        let octaves = (0..octaves.max(1))
            .map(|k| ValueNoise::new(rng, width, height, cell / (1u32 << k) as f32))
            .collect();
        Self { octaves }
    }

    pub(crate) fn at(&self, x: f32, y: f32) -> f32 {
        let mut sum = 0.0;
        let mut weight = 1.0;
        let mut total = 0.0;
        for octave in &self.octaves {
            sum += weight * octave.at(x, y);
            total += weight;
            weight *= 0.5;
        }
        sum / total
    }
}

/// Bilinear sample of a row-major float grid, `outside` beyond its edges.
pub(crate) fn bilinear(
    values: &[f32],
    width: usize,
    height: usize,
    x: f32,
    y: f32,
    outside: f32,
) -> f32 {
    if !(x >= 0.0 && y >= 0.0) || x > (width - 1) as f32 || y > (height - 1) as f32 {
        return outside;
    }
    let (ix, iy) = (x as usize, y as usize);
    let (fx, fy) = (x - ix as f32, y - iy as f32);
    let ix1 = (ix + 1).min(width - 1);
    let iy1 = (iy + 1).min(height - 1);
    let v = |c: usize, r: usize| values.get(r * width + c).copied().unwrap_or(outside);
    let top = v(ix, iy) * (1.0 - fx) + v(ix1, iy) * fx;
    let bottom = v(ix, iy1) * (1.0 - fx) + v(ix1, iy1) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn derived_seeds_differ_by_stream_and_repeat() {
        assert_eq!(derive_seed(1, 2), derive_seed(1, 2));
        assert_ne!(derive_seed(1, 2), derive_seed(1, 3));
        assert_ne!(derive_seed(1, 2), derive_seed(2, 2));
    }

    #[test]
    fn value_noise_is_bounded_and_smooth() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let noise = ValueNoise::new(&mut rng, 100, 100, 20.0);
        for i in 0..100 {
            let x = i as f32;
            let a = noise.at(x, 50.0);
            assert!((-1.0..=1.0).contains(&a));
            assert!((a - noise.at(x + 0.5, 50.0)).abs() < 0.2);
        }
    }

    #[test]
    fn bilinear_interpolates_and_guards_edges() {
        let grid = [0.0, 1.0, 2.0, 3.0];
        assert!((bilinear(&grid, 2, 2, 0.5, 0.5, -1.0) - 1.5).abs() < 1e-6);
        assert_eq!(bilinear(&grid, 2, 2, -0.1, 0.0, -1.0), -1.0);
        assert_eq!(bilinear(&grid, 2, 2, 0.0, 1.5, -1.0), -1.0);
    }
}
