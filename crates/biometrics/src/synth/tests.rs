//! Tests of the generator on small canvases (fast in debug builds).

use super::*;

fn small_set(seed: u64) -> Dataset {
    let mut settings = ImpressionSettings::normal();
    settings.width = 96;
    settings.height = 112;
    // Shifts in pixels are meant for full-size images: scale them down with the canvas.
    settings.max_translation = 12.0;
    settings.contact_offset = 10.0;
    let mut set = Dataset::new(3, 2, settings, seed);
    set.master = MasterSettings::small(100, 120);
    set
}

#[test]
fn the_same_seed_gives_the_same_pixels() {
    let a = small_set(7).finger(1).unwrap();
    let b = small_set(7).finger(1).unwrap();
    assert_eq!(a.0.ridges(), b.0.ridges());
    assert_eq!(a.1[1].image, b.1[1].image);
    assert_eq!(a.1[1].minutiae, b.1[1].minutiae);
    let c = small_set(8).finger(1).unwrap();
    assert_ne!(a.1[1].image, c.1[1].image);
}

#[test]
fn ridges_fill_the_silhouette_with_a_realistic_period() {
    let set = small_set(11);
    let master = set.master(0).unwrap();
    let (w, h) = (master.width() as usize, master.height() as usize);
    let ridges = master.ridges();
    let inside: Vec<f32> = (0..w * h)
        .filter(|i| master.silhouette.depth((i % w) as f32, (i / w) as f32) > 10.0)
        .map(|i| ridges[i])
        .collect();
    assert!(inside.len() > 1000);
    let strong = inside.iter().filter(|v| v.abs() > 0.5).count();
    assert!(
        strong * 10 > inside.len() * 8,
        "{strong} of {}",
        inside.len()
    );
    let ridge_share = inside.iter().filter(|&&v| v > 0.0).count() as f32 / inside.len() as f32;
    assert!((0.35..0.65).contains(&ridge_share), "{ridge_share}");
    // Count ridge crossings along the middle row: about one per 9 pixels.
    let y = master.silhouette.centre.y as usize + 10;
    let row: Vec<bool> = (0..w)
        .filter(|&x| master.silhouette.depth(x as f32, y as f32) > 10.0)
        .map(|x| ridges[y * w + x] > 0.0)
        .collect();
    let crossings = row.windows(2).filter(|p| p[0] != p[1]).count() as f32 / 2.0;
    let period = row.len() as f32 / crossings.max(1.0);
    assert!((6.0..=16.0).contains(&period), "{period}");
}

#[test]
fn masters_have_ground_truth_minutiae_inside_the_finger() {
    let set = small_set(5);
    for finger in 0..2 {
        let master = set.master(finger).unwrap();
        assert!(!master.minutiae.is_empty(), "finger {finger}");
        for m in &master.minutiae {
            assert!(master.silhouette.depth(m.x as f32, m.y as f32) > 10.0);
            assert!((0.0..std::f32::consts::TAU).contains(&m.angle));
        }
    }
}

#[test]
fn impressions_have_the_sensor_size_and_carry_minutiae() {
    let set = small_set(3);
    let (master, impressions) = set.finger(0).unwrap();
    for imp in &impressions {
        assert_eq!((imp.image.width(), imp.image.height()), (96, 112));
        let dark = imp.image.pixels().iter().filter(|&&p| p < 100).count();
        assert!(dark > 300, "{dark}");
        assert!(imp.minutiae.len() <= master.minutiae.len());
        for m in &imp.minutiae {
            assert!(u32::from(m.x) < 96 && u32::from(m.y) < 112);
        }
    }
    let template = impressions[0].template();
    assert_eq!(template.width, 96);
    assert_eq!(master.template().minutiae.len(), master.minutiae.len());
    let set = Dataset {
        fingers: 2,
        seed: 3,
        ..Dataset::default()
    };
    assert_eq!(set.samples().count(), 16);
}

#[test]
fn an_easy_impression_without_motion_keeps_minutiae_in_place() {
    let mut settings = ImpressionSettings::easy();
    settings.max_translation = 0.0;
    settings.max_rotation_deg = 0.0;
    settings.distortion_rotation_deg = 0.0;
    settings.distortion_shift = 0.0;
    settings.contact_min = 1.0;
    settings.width = 100;
    settings.height = 120;
    let mut set = Dataset::new(1, 1, settings, 9);
    set.master = MasterSettings::small(100, 120);
    let master = set.master(0).unwrap();
    let imp = set.impression(&master, SampleId::new(0, 0)).unwrap();
    // The finger centre lands on the image centre: a pure translation.
    let s = master.silhouette;
    let (dx, dy) = (
        50.0 - s.centre.x,
        60.0 - (s.centre.y + 30.0 * s.half_width / 150.0),
    );
    for m in &imp.minutiae {
        let found = master.minutiae.iter().any(|g| {
            (g.x as f32 + dx - m.x as f32).abs() <= 1.0
                && (g.y as f32 + dy - m.y as f32).abs() <= 1.0
                && (g.angle - m.angle).abs() < 0.05
        });
        assert!(found, "{m:?}");
    }
}

#[test]
fn every_class_can_be_drawn_and_out_of_range_is_refused() {
    let mut set = small_set(1);
    set.master = MasterSettings::small(72, 80);
    for class in FingerClass::ALL {
        set.master.class = Some(class);
        let master = set.master(0).unwrap();
        assert_eq!(master.class, class);
        assert!(!class.name().is_empty());
    }
    assert!(set.master(3).is_err());
    let master = set.master(0).unwrap();
    assert!(set.impression(&master, SampleId::new(0, 2)).is_err());
    assert_eq!(SampleId::new(0, 2).fvc_name(), "1_3");
    assert_eq!(set.samples().count(), 6);
}

#[test]
fn a_data_set_has_the_natural_class_proportions() {
    let set = Dataset::new(1000, 1, ImpressionSettings::easy(), 4);
    let mut counts = [0usize; 5];
    for finger in 0..1000 {
        let class = set.class_of(finger);
        counts[FingerClass::ALL.iter().position(|&c| c == class).unwrap()] += 1;
    }
    for (count, p) in counts.iter().zip(FingerClass::FREQUENCIES) {
        assert!((*count as f32 / 1000.0 - p).abs() < 0.01, "{counts:?}");
    }
}
