//! Image quality 0–100 from NFIQ 2-like features (foreground area, orientation certainty,
//! ridge-valley clarity, how much of the print has a measurable ridge period, minutiae in good
//! areas, curvature of the ridge flow), and the capture-time gate that tells a clerk what to do
//! about a poor image.

/// The features behind a quality score, and the main thing wrong with the image if any.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityReport {
    /// The overall score, 0 (unusable) to 100 (excellent).
    pub score: u8,
    /// Finger area found, in pixels.
    pub area: usize,
    /// Mean orientation coherence over the finger area, 0–1.
    pub orientation_certainty: f32,
    /// Mean correlation between the image and its ridge model over the finger area, 0–1.
    pub clarity: f32,
    /// Share of the finger area where a ridge period was measured directly, 0–1.
    pub period_coverage: f32,
    /// Spread of ridge directions over the finger, 0 (all parallel) to 1.
    pub curvature: f32,
    /// Minutiae kept.
    pub minutiae: usize,
    /// The main problem, if the image is not good; `None` when nothing stands out.
    pub issue: Option<QualityIssue>,
}

/// What is wrong with an image, in terms a clerk can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QualityIssue {
    /// Nothing like a finger was found.
    NoFinger,
    /// A finger was found, but only a small part of it.
    SmallArea,
    /// Ridges are blurred, smudged, broken or noisy.
    UnclearRidges,
    /// Regular stripes without the curves of a fingerprint (a barcode, a grille, fabric).
    NoRidgeCurvature,
    /// Ridges are clear but show too few minutiae to compare.
    FewMinutiae,
}

impl QualityIssue {
    /// A short stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoFinger => "no_finger",
            Self::SmallArea => "small_area",
            Self::UnclearRidges => "unclear_ridges",
            Self::NoRidgeCurvature => "no_ridge_curvature",
            Self::FewMinutiae => "few_minutiae",
        }
    }

    /// What the clerk should do.
    pub fn advice(self) -> &'static str {
        match self {
            Self::NoFinger => {
                "no finger found on the image: place the finger flat on the scanner and capture again"
            }
            Self::SmallArea => {
                "too little of the finger touched the scanner: press the whole top joint flat, centred, and capture again"
            }
            Self::UnclearRidges => {
                "ridges unclear: clean the sensor, dry or slightly moisten the finger, press lighter and hold still"
            }
            Self::NoRidgeCurvature => {
                "the image shows straight stripes, not a fingerprint: capture the finger itself"
            }
            Self::FewMinutiae => {
                "too few ridge details: capture the centre of the fingertip, pressed flat, or use another finger"
            }
        }
    }
}

impl std::fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.advice())
    }
}

/// An image refused at capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("fingerprint quality {score} is below {threshold}: {issue}")]
pub struct LowQuality {
    pub score: u8,
    pub threshold: u8,
    pub issue: QualityIssue,
}

/// Accepts an image whose quality reaches `threshold`; otherwise says why it was refused.
/// Images of something other than a finger are refused whatever the threshold.
pub fn quality_gate(report: &QualityReport, threshold: u8) -> Result<(), LowQuality> {
    let hard = matches!(
        report.issue,
        Some(QualityIssue::NoFinger | QualityIssue::NoRidgeCurvature)
    );
    if report.score >= threshold && !hard {
        return Ok(());
    }
    Err(LowQuality {
        score: report.score,
        threshold,
        issue: report.issue.unwrap_or(QualityIssue::UnclearRidges),
    })
}

/// Finger area (pixels) below which nothing usable was captured, and above which the area no
/// longer limits the score.
const AREA_NONE: f32 = 6_000.0;
const AREA_LOW: f32 = 15_000.0;
const AREA_FULL: f32 = 45_000.0;

/// Scales `v` from `[lo, hi]` to `[0, 1]`.
fn ramp(v: f32, lo: f32, hi: f32) -> f32 {
    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Inputs of [`assess`], all over the foreground.
pub struct Features {
    pub area: usize,
    pub orientation_certainty: f32,
    pub clarity: f32,
    pub period_coverage: f32,
    pub curvature: f32,
    pub minutiae: usize,
    pub good_minutiae: usize,
}

/// Combines the features into a score and names the main issue.
pub fn assess(f: &Features) -> QualityReport {
    let area = f.area as f32;
    let area_score = ramp(area, AREA_LOW * 0.5, AREA_FULL).sqrt();
    let ocl = ramp(f.orientation_certainty, 0.3, 0.75);
    let rvc = ramp(f.clarity, 0.3, 0.7);
    let cover = ramp(f.period_coverage, 0.3, 0.8);
    let minutiae = ramp(f.good_minutiae as f32, 4.0, 25.0);
    let ridge = 0.35 * ocl + 0.45 * rvc + 0.2 * cover;
    let mut score = 100.0 * ridge * area_score * (0.55 + 0.45 * minutiae);
    let issue = if area < AREA_NONE {
        score = score.min(5.0);
        Some(QualityIssue::NoFinger)
    } else if f.curvature < 0.12 && f.good_minutiae < 4 {
        score = score.min(10.0);
        Some(QualityIssue::NoRidgeCurvature)
    } else if area < AREA_LOW {
        Some(QualityIssue::SmallArea)
    } else if ridge < 0.55 {
        Some(QualityIssue::UnclearRidges)
    } else if f.good_minutiae < 10 {
        Some(QualityIssue::FewMinutiae)
    } else if area_score < 0.8 {
        Some(QualityIssue::SmallArea)
    } else {
        None
    };
    QualityReport {
        score: score.round().clamp(0.0, 100.0) as u8,
        area: f.area,
        orientation_certainty: f.orientation_certainty,
        clarity: f.clarity,
        period_coverage: f.period_coverage,
        curvature: f.curvature,
        minutiae: f.minutiae,
        issue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(score: u8, issue: Option<QualityIssue>) -> QualityReport {
        QualityReport {
            score,
            area: 0,
            orientation_certainty: 0.0,
            clarity: 0.0,
            period_coverage: 0.0,
            curvature: 0.0,
            minutiae: 0,
            issue,
        }
    }

    #[test]
    fn the_gate_lets_good_images_through_and_says_why_it_refuses_others() {
        assert_eq!(quality_gate(&report(60, None), 40), Ok(()));
        let refused = quality_gate(&report(30, Some(QualityIssue::SmallArea)), 40);
        let Err(e) = refused else { panic!("accepted") };
        assert_eq!(e.issue, QualityIssue::SmallArea);
        assert!(e.to_string().contains("too little of the finger"), "{e}");
        // Not a finger: refused even under a zero threshold.
        assert!(quality_gate(&report(9, Some(QualityIssue::NoRidgeCurvature)), 0).is_err());
        // Low without a named issue: a generic reason still comes out.
        let Err(e) = quality_gate(&report(10, None), 40) else {
            panic!("accepted")
        };
        assert_eq!(e.issue, QualityIssue::UnclearRidges);
    }

    #[test]
    fn every_issue_has_a_code_and_advice() {
        for issue in [
            QualityIssue::NoFinger,
            QualityIssue::SmallArea,
            QualityIssue::UnclearRidges,
            QualityIssue::NoRidgeCurvature,
            QualityIssue::FewMinutiae,
        ] {
            assert!(!issue.code().is_empty());
            assert!(issue.advice().len() > 20);
        }
    }
}
