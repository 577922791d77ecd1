//! Minutiae and templates: what extraction produces, formats read and write, and matching compares.
//!
//! Conventions (those of ISO/IEC 19794-2): the origin is the image's upper-left corner, x grows to
//! the right and y downwards, in pixels at the template's resolution; a minutia's angle is measured
//! counter-clockwise from the horizontal axis pointing right, in radians in `[0, 2π)`, in the
//! direction ISO/IEC 19794-2 defines for each kind (formats convert their units to and from it).

use std::f32::consts::TAU;

/// The kind of a minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    /// A ridge that ends.
    Ending,
    /// A ridge that splits in two.
    Bifurcation,
    /// Neither, or not known ("other" in ISO/IEC 19794-2).
    Other,
}

/// One minutia.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutia {
    pub x: u16,
    pub y: u16,
    /// Direction in radians, in `[0, 2π)`.
    pub angle: f32,
    pub kind: MinutiaKind,
    /// 0 (unknown or worst) to 100 (best), as in ISO/IEC 19794-2.
    pub quality: u8,
}

impl Minutia {
    /// A minutia with its angle brought into `[0, 2π)` and its quality capped at 100.
    pub fn new(x: u16, y: u16, angle: f32, kind: MinutiaKind, quality: u8) -> Self {
        Self {
            x,
            y,
            angle: normalize_angle(angle),
            kind,
            quality: quality.min(100),
        }
    }
}

/// Brings an angle into `[0, 2π)` (`NaN` becomes 0).
pub fn normalize_angle(angle: f32) -> f32 {
    if !angle.is_finite() {
        return 0.0;
    }
    let a = angle.rem_euclid(TAU);
    if a >= TAU {
        0.0
    } else {
        a
    }
}

/// Which finger an impression comes from: ISO/IEC 19794-2 finger position codes 0–10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FingerPosition(u8);

impl FingerPosition {
    pub const UNKNOWN: Self = Self(0);
    pub const RIGHT_THUMB: Self = Self(1);
    pub const RIGHT_INDEX: Self = Self(2);
    pub const RIGHT_MIDDLE: Self = Self(3);
    pub const RIGHT_RING: Self = Self(4);
    pub const RIGHT_LITTLE: Self = Self(5);
    pub const LEFT_THUMB: Self = Self(6);
    pub const LEFT_INDEX: Self = Self(7);
    pub const LEFT_MIDDLE: Self = Self(8);
    pub const LEFT_RING: Self = Self(9);
    pub const LEFT_LITTLE: Self = Self(10);

    /// The position for an ISO code; `None` outside 0–10.
    pub fn from_code(code: u8) -> Option<Self> {
        (code <= 10).then_some(Self(code))
    }

    pub fn code(self) -> u8 {
        self.0
    }

    /// English name, as used in the API (`right_index`, ...).
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 11] = [
            "unknown",
            "right_thumb",
            "right_index",
            "right_middle",
            "right_ring",
            "right_little",
            "left_thumb",
            "left_index",
            "left_middle",
            "left_ring",
            "left_little",
        ];
        NAMES.get(self.0 as usize).copied().unwrap_or("unknown")
    }

    /// The position for its API name.
    pub fn from_name(name: &str) -> Option<Self> {
        (0u8..=10).map(Self).find(|p| p.name() == name)
    }
}

/// How the impression was taken (ISO/IEC 19794-2 impression type codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Impression {
    LivePlain,
    LiveRolled,
    NonLivePlain,
    NonLiveRolled,
    Latent,
    Swipe,
    Contactless,
    /// A code this crate does not name, kept so a template round-trips byte-exactly.
    Other(u8),
}

impl Impression {
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::LivePlain,
            1 => Self::LiveRolled,
            2 => Self::NonLivePlain,
            3 => Self::NonLiveRolled,
            4 => Self::Latent,
            8 => Self::Swipe,
            9 => Self::Contactless,
            other => Self::Other(other),
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Self::LivePlain => 0,
            Self::LiveRolled => 1,
            Self::NonLivePlain => 2,
            Self::NonLiveRolled => 3,
            Self::Latent => 4,
            Self::Swipe => 8,
            Self::Contactless => 9,
            Self::Other(code) => code,
        }
    }
}

/// The minutiae of one finger impression, with what is needed to interpret their coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Size of the image the minutiae were taken from, in pixels.
    pub width: u16,
    pub height: u16,
    /// Resolution in pixels per inch (500 for everything this crate extracts).
    pub ppi: u16,
    pub position: FingerPosition,
    pub impression: Impression,
    /// Quality of the whole impression, 0–100.
    pub quality: u8,
    pub minutiae: Vec<Minutia>,
}

impl Template {
    /// An empty template for an image of the given size at 500 ppi.
    pub fn new(width: u16, height: u16) -> Self {
        Self {
            width,
            height,
            ppi: crate::image::PPI,
            position: FingerPosition::UNKNOWN,
            impression: Impression::LivePlain,
            quality: 0,
            minutiae: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles_are_brought_into_one_turn() {
        assert_eq!(normalize_angle(0.0), 0.0);
        assert!((normalize_angle(-1.0) - (TAU - 1.0)).abs() < 1e-6);
        assert!((normalize_angle(TAU + 1.0) - 1.0).abs() < 1e-5);
        assert_eq!(normalize_angle(f32::NAN), 0.0);
    }

    #[test]
    fn finger_positions_have_codes_and_names() {
        assert_eq!(FingerPosition::from_code(11), None);
        assert_eq!(FingerPosition::RIGHT_INDEX.name(), "right_index");
        assert_eq!(
            FingerPosition::from_name("left_little"),
            Some(FingerPosition::LEFT_LITTLE)
        );
        for code in 0..=255u8 {
            assert_eq!(Impression::from_code(code).code(), code);
        }
    }
}
