//! Matcher tests on the seeded minutiae-level synthetic set: separation, rotation, robustness,
//! fusion.

use super::fusion::fuse_log10_fmr;
use super::synthetic::{dataset, eer, rotate, Variation};
use super::*;
use crate::template::{Minutia, MinutiaKind};

fn features(data: &[Vec<Template>]) -> Vec<Vec<FeatureSet>> {
    data.iter()
        .map(|f| f.iter().map(FeatureSet::new).collect())
        .collect()
}

/// All genuine pairs and the impostor pairs of first impressions (FVC protocol).
fn fvc_scores(f: &[Vec<FeatureSet>]) -> (Vec<f32>, Vec<f32>) {
    let mut m = Matcher::new();
    let mut genuine = Vec::new();
    let mut impostor = Vec::new();
    for (a, fa) in f.iter().enumerate() {
        for i in 0..fa.len() {
            for j in (i + 1)..fa.len() {
                genuine.push(m.compare(&fa[i], &fa[j]));
            }
        }
        for fb in f.iter().skip(a + 1) {
            impostor.push(m.compare(&fa[0], &fb[0]));
        }
    }
    (genuine, impostor)
}

#[test]
fn genuine_and_impostor_scores_separate() {
    // 200 fingers x 8 impressions give an EER of about 4 % (example `match_accuracy`); this small
    // set (180 genuine, 435 impostor pairs) must stay well under 10 %, which a matcher that
    // ignored geometry or rotation would not.
    let data = dataset(11, 30, 4, &Variation::default());
    let (genuine, impostor) = fvc_scores(&features(&data));
    let e = eer(&genuine, &impostor);
    assert!(e < 0.10, "EER {e}");
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    assert!(mean(&genuine) > 3.0 * mean(&impostor));
}

#[test]
fn rotation_by_a_right_angle_still_matches() {
    let data = dataset(12, 8, 2, &Variation::default());
    let calibration = Calibration::default();
    let threshold = calibration.threshold_for_fmr(1e-3);
    let (mut straight_matches, mut rotated_matches) = (0, 0);
    for f in &data {
        let a = FeatureSet::new(&f[0]);
        let b = FeatureSet::new(&f[1]);
        let turned = FeatureSet::new(&rotate(&f[1], std::f32::consts::FRAC_PI_2));
        let (straight, rotated) = (compare(&a, &b), compare(&a, &turned));
        // Only rounding to whole pixels differs.
        assert!((straight - rotated).abs() < 0.01, "{straight} vs {rotated}");
        straight_matches += usize::from(straight >= threshold);
        rotated_matches += usize::from(rotated >= threshold);
    }
    assert!(straight_matches >= 4, "{straight_matches} of 8 matched");
    assert_eq!(straight_matches, rotated_matches);
    // A template against itself turned by any angle scores like against itself.
    let a = FeatureSet::new(&data[0][0]);
    let itself = compare(&a, &a);
    for degrees in [45.0f32, 90.0, 180.0, 270.0] {
        let t = FeatureSet::new(&rotate(&data[0][0], degrees.to_radians()));
        let s = compare(&a, &t);
        assert!(s > 0.8 * itself, "{degrees}: {s} vs {itself}");
        assert!(s >= calibration.threshold_for_fmr(1e-6));
    }
}

fn template_of(minutiae: Vec<Minutia>) -> Template {
    Template {
        minutiae,
        ..Template::new(400, 500)
    }
}

#[test]
fn odd_templates_give_defined_scores() {
    let real = FeatureSet::new(&dataset(13, 1, 1, &Variation::default())[0][0]);
    let m = |x, y, a| Minutia::new(x, y, a, MinutiaKind::Ending, 50);
    let mut many = Vec::new();
    let mut rng = synthetic::Rng::new(5);
    for _ in 0..500 {
        many.push(m(
            rng.int(0, 399) as u16,
            rng.int(0, 499) as u16,
            rng.range(0.0, std::f32::consts::TAU),
        ));
    }
    let nan = Minutia {
        angle: f32::NAN,
        ..m(10, 10, 0.0)
    };
    let odd = [
        template_of(vec![]),
        template_of(vec![m(100, 100, 1.0)]),
        template_of(vec![m(100, 100, 1.0), m(130, 120, 2.0)]),
        template_of(vec![m(100, 100, 1.0); 40]),
        template_of(vec![
            m(65_535, 65_535, 1.0),
            m(0, 0, 3.0),
            m(65_535, 0, 5.0),
        ]),
        template_of(vec![nan, nan, m(20, 30, f32::INFINITY)]),
        template_of(many),
    ];
    for t in &odd {
        let f = FeatureSet::new(t);
        for (x, y) in [(&f, &real), (&real, &f), (&f, &f)] {
            let s = compare(x, y);
            assert!((0.0..=1.0).contains(&s), "{s}");
        }
    }
    for t in &odd[..4] {
        assert_eq!(compare(&FeatureSet::new(t), &real), 0.0);
    }
    // The empty set has no cylinders; 500 minutiae are thinned to the best ones.
    assert!(FeatureSet::new(&odd[0]).is_empty());
    assert!(FeatureSet::new(&odd[6]).cylinders().len() <= cylinder::MAX_MINUTIAE);
}

#[test]
fn feature_sets_do_not_depend_on_minutia_order() {
    let mut t = dataset(14, 1, 1, &Variation::default())[0][0].clone();
    let a = FeatureSet::new(&t);
    t.minutiae.reverse();
    assert_eq!(a, FeatureSet::new(&t));
    let mut bytes = Vec::new();
    a.write_to(&mut bytes);
    assert_eq!(
        FeatureSet::read_from(&bytes),
        Some((a.clone(), bytes.len()))
    );
    // The weights are the minutiae's qualities (1 when unknown), kept by the bytes; sets of
    // version 2 had none and read as weighing 1.
    assert!(a
        .cylinders()
        .iter()
        .all(|c| (0.0..=1.0).contains(&c.weight())));
    assert!(a.cylinders().iter().any(|c| c.weight() < 1.0));
    let n = a.cylinders().len();
    let old = bytes.get(..bytes.len() - n).unwrap_or_default();
    let (v2, used) = FeatureSet::read_version(old, 2).unwrap_or_else(|| panic!("version 2"));
    assert_eq!(used, old.len());
    assert!(v2.cylinders().iter().all(|c| c.weight() == 1.0));
    t.minutiae.iter_mut().for_each(|m| m.quality = 0);
    let unknown = FeatureSet::new(&t);
    assert!(unknown.cylinders().iter().all(|c| c.weight() == 1.0));
}

#[test]
fn two_fingers_separate_better_than_one() {
    // Each synthetic person has two fingers with two impressions each; contact is smaller than
    // usual (35–50 % of the finger) so single fingers fail often enough to measure the gain.
    let v = Variation {
        visible: (0.35, 0.5),
        ..Variation::default()
    };
    let people = 50;
    let first = features(&dataset(21, people, 2, &v));
    let second = features(&dataset(22, people, 2, &v));
    let c = Calibration::default();
    let mut m = Matcher::new();
    let mut one = (Vec::new(), Vec::new());
    let mut two = (Vec::new(), Vec::new());
    for a in 0..people {
        // The mate and the next eight people (a window keeps the test quick).
        for b in (0..9).map(|k| (a + k) % people) {
            let l1 = c.log10_fmr(m.compare(&first[a][0], &first[b][1]));
            let l2 = c.log10_fmr(m.compare(&second[a][0], &second[b][1]));
            let fused = fuse_log10_fmr(&[Some(l1), Some(l2)]);
            // Scores are "higher = more alike": negate the rates.
            let (o, t) = if a == b {
                (&mut one.0, &mut two.0)
            } else {
                (&mut one.1, &mut two.1)
            };
            o.push(-l1);
            t.push(-fused);
        }
    }
    let (e1, e2) = (eer(&one.0, &one.1), eer(&two.0, &two.1));
    assert!(e2 < e1, "two fingers {e2} vs one {e1}");
    assert!(e2 <= 0.6 * e1 + 0.005, "two fingers {e2} vs one {e1}");
}

#[test]
fn templates_at_other_resolutions_are_scaled_to_500_ppi() {
    let data = dataset(15, 1, 2, &Variation::default());
    let (a, b) = (&data[0][0], &data[0][1]);
    let mut fine = b.clone();
    fine.ppi = 1000;
    fine.width *= 2;
    fine.height *= 2;
    for m in &mut fine.minutiae {
        m.x *= 2;
        m.y *= 2;
    }
    let (fa, fb) = (FeatureSet::new(a), FeatureSet::new(b));
    let s500 = compare(&fa, &fb);
    let s1000 = compare(&fa, &FeatureSet::new(&fine));
    assert!((s500 - s1000).abs() < 0.01, "{s500} vs {s1000}");
    // A nonsensical resolution is read as 500 ppi.
    let mut odd = b.clone();
    odd.ppi = 0;
    assert_eq!(FeatureSet::new(&odd), fb);
}
