//! Multi-finger fusion: several fingers' false-match rates → one false-match rate for the person.
//!
//! Each finger's calibrated false-match rate is, for an impostor, roughly uniform on `[0, 1]`
//! and independent of the other fingers'. Their product is then not itself a false-match rate
//! (it is small by chance when many fingers are multiplied); Fisher's method turns it into one:
//! with `x = −ln Π pᵢ` over `n` fingers, `P = e^(−x) Σ_{k<n} x^k / k!`. Missing fingers are simply
//! not counted, so a person compared on two fingers and one compared on six get rates on the same
//! scale.

use super::calibration::MIN_LOG10_FMR;

/// The fused log10 false-match rate of the fingers that were compared (`None`: finger missing on
/// either side). No finger at all gives 0 (a false-match rate of 1: no evidence).
pub fn fuse_log10_fmr(per_finger: &[Option<f32>]) -> f32 {
    let logs: Vec<f64> = per_finger
        .iter()
        .flatten()
        .map(|&l| {
            if l.is_finite() {
                f64::from(l.clamp(MIN_LOG10_FMR, 0.0))
            } else {
                0.0
            }
        })
        .collect();
    if logs.is_empty() {
        return 0.0;
    }
    let x = -std::f64::consts::LN_10 * logs.iter().sum::<f64>();
    // Σ_{k<n} x^k / k!, computed term by term.
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for k in 1..logs.len() {
        term *= x / k as f64;
        sum += term;
    }
    let log10 = (-x + sum.ln()) / std::f64::consts::LN_10;
    if log10.is_finite() {
        (log10 as f32).clamp(MIN_LOG10_FMR, 0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_finger_is_unchanged_and_missing_ones_do_not_count() {
        assert!((fuse_log10_fmr(&[Some(-3.0)]) + 3.0).abs() < 1e-4);
        assert!((fuse_log10_fmr(&[None, Some(-3.0), None]) + 3.0).abs() < 1e-4);
        assert_eq!(fuse_log10_fmr(&[]), 0.0);
        assert_eq!(fuse_log10_fmr(&[None]), 0.0);
    }

    #[test]
    fn fisher_combination_of_two_fingers() {
        // p1 = p2 = 0.01: product 1e-4, x = 9.21, P = 1e-4 (1 + 9.21) = 1.02e-3.
        let l = fuse_log10_fmr(&[Some(-2.0), Some(-2.0)]);
        assert!((l - (1.021e-3f32).log10()).abs() < 1e-2, "{l}");
        // An uninformative finger weakens but does not cancel a strong one.
        let weak = fuse_log10_fmr(&[Some(-6.0), Some(0.0)]);
        assert!(weak < -4.5 && weak > -6.0, "{weak}");
        assert!(!fuse_log10_fmr(&[Some(f32::NAN), Some(-1.0)]).is_nan());
    }
}
