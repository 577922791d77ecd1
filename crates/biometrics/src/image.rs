//! The decoded finger image: 8-bit grey, row-major, 0 = black (ridge), 255 = white (valley).

/// Resolution every algorithm in this crate assumes, in pixels per inch.
pub const PPI: u16 = 500;

/// Largest side accepted by any decoder (pixels). A 500 ppi image of a whole slap of four fingers
/// is about 1,600 × 1,500; anything beyond this limit is refused before allocation.
pub const MAX_SIDE: u32 = 4_096;

/// An 8-bit grey-scale image at [`PPI`] pixels per inch.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// Why an image cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("image is {width} x {height} pixels: each side must be between 1 and {MAX_SIDE}")]
    BadSize { width: u32, height: u32 },
    #[error("image of {width} x {height} needs {expected} pixels, got {got}")]
    PixelCount {
        width: u32,
        height: u32,
        expected: usize,
        got: usize,
    },
}

impl GrayImage {
    /// Wraps row-major pixels; refuses sizes outside `1..=MAX_SIDE` and a wrong pixel count.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, ImageError> {
        check_size(width, height)?;
        let expected = width as usize * height as usize;
        if pixels.len() != expected {
            return Err(ImageError::PixelCount {
                width,
                height,
                expected,
                got: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// A uniform image of the given grey level.
    pub fn filled(width: u32, height: u32, level: u8) -> Result<Self, ImageError> {
        check_size(width, height)?;
        Ok(Self {
            width,
            height,
            pixels: vec![level; width as usize * height as usize],
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub fn pixels_mut(&mut self) -> &mut [u8] {
        &mut self.pixels
    }

    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// The pixel at (x, y); `None` outside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x < self.width && y < self.height {
            self.pixels
                .get(y as usize * self.width as usize + x as usize)
                .copied()
        } else {
            None
        }
    }
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage({} x {})", self.width, self.height)
    }
}

/// Checks a width and height against `1..=MAX_SIDE` (decoders call this before allocating).
pub fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::BadSize { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_the_limits_are_refused() {
        assert!(GrayImage::filled(0, 10, 255).is_err());
        assert!(GrayImage::filled(10_000, 10_000, 255).is_err());
        assert!(GrayImage::new(2, 2, vec![0; 3]).is_err());
        let image = GrayImage::new(2, 1, vec![7, 9]).unwrap();
        assert_eq!(image.get(1, 0), Some(9));
        assert_eq!(image.get(2, 0), None);
    }
}
