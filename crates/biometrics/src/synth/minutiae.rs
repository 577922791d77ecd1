//! Ground-truth minutiae of a master: binarise the ridge map, thin it (Zhang–Suen), find ridge
//! endings and bifurcations by crossing number, drop those near the silhouette's edge and
//! pairs too close to be real, and measure directions by following the skeleton.
//!
//! Directions follow ISO/IEC 19794-2 and ANSI/NIST-ITL: a minutia points into the opening of its
//! "Y": a ridge ending points from the end back along its ridge, a bifurcation points away from
//! its stem, between the two branches. Angles are counter-clockwise from the x axis (y down).

use super::master::MasterFingerprint;
use crate::template::{Minutia, MinutiaKind};

/// Neighbour offsets in circular order, starting east, going clockwise on screen.
const RING: [(i32, i32); 8] = [
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
];

/// How far a minutia must be inside the silhouette (pixels).
const EDGE: f32 = 14.0;
/// Two minutiae closer than this are artefacts (a spur, a tiny hole) and both go.
const TOO_CLOSE: f32 = 6.0;
/// How far along the skeleton directions are measured (pixels).
const TRACE: usize = 10;

pub(crate) fn ground_truth(master: &MasterFingerprint) -> Vec<Minutia> {
    let (w, h) = (master.width() as usize, master.height() as usize);
    let mut skeleton: Vec<bool> = master.ridges().iter().map(|&v| v > 0.0).collect();
    thin(&mut skeleton, w, h);
    let found = find_minutiae(&skeleton, w, h, master);
    // Drop pairs too close together.
    let mut keep = vec![true; found.len()];
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            let (a, b) = (&found[i], &found[j]);
            let d = ((a.x as f32 - b.x as f32).powi(2) + (a.y as f32 - b.y as f32).powi(2)).sqrt();
            if d < TOO_CLOSE {
                keep[i] = false;
                keep[j] = false;
            }
        }
    }
    found
        .into_iter()
        .zip(keep)
        .filter_map(|(m, k)| k.then_some(m))
        .collect()
}

fn at(image: &[bool], w: usize, h: usize, x: i32, y: i32) -> bool {
    x >= 0
        && y >= 0
        && (x as usize) < w
        && (y as usize) < h
        && image
            .get(y as usize * w + x as usize)
            .copied()
            .unwrap_or(false)
}

/// Zhang–Suen thinning, in place.
pub(crate) fn thin(image: &mut [bool], w: usize, h: usize) {
    let mut changed = true;
    let mut remove = Vec::new();
    while changed {
        changed = false;
        for step in 0..2 {
            remove.clear();
            for y in 0..h {
                for x in 0..w {
                    if !image[y * w + x] {
                        continue;
                    }
                    // P2..P9 clockwise from north.
                    let (xi, yi) = (x as i32, y as i32);
                    let p = [
                        at(image, w, h, xi, yi - 1),
                        at(image, w, h, xi + 1, yi - 1),
                        at(image, w, h, xi + 1, yi),
                        at(image, w, h, xi + 1, yi + 1),
                        at(image, w, h, xi, yi + 1),
                        at(image, w, h, xi - 1, yi + 1),
                        at(image, w, h, xi - 1, yi),
                        at(image, w, h, xi - 1, yi - 1),
                    ];
                    let b = p.iter().filter(|&&v| v).count();
                    if !(2..=6).contains(&b) {
                        continue;
                    }
                    let a = (0..8).filter(|&k| !p[k] && p[(k + 1) % 8]).count();
                    if a != 1 {
                        continue;
                    }
                    let (c1, c2) = if step == 0 {
                        (p[0] && p[2] && p[4], p[2] && p[4] && p[6])
                    } else {
                        (p[0] && p[2] && p[6], p[0] && p[4] && p[6])
                    };
                    if !c1 && !c2 {
                        remove.push(y * w + x);
                    }
                }
            }
            for &i in &remove {
                image[i] = false;
            }
            changed |= !remove.is_empty();
        }
    }
}

fn find_minutiae(
    skeleton: &[bool],
    w: usize,
    h: usize,
    master: &MasterFingerprint,
) -> Vec<Minutia> {
    let mut found = Vec::new();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            if !skeleton[y * w + x] {
                continue;
            }
            if master.silhouette.depth(x as f32, y as f32) < EDGE {
                continue;
            }
            let (xi, yi) = (x as i32, y as i32);
            let ring: Vec<bool> = RING
                .iter()
                .map(|(dx, dy)| at(skeleton, w, h, xi + dx, yi + dy))
                .collect();
            let crossings = (0..8).filter(|&k| ring[k] != ring[(k + 1) % 8]).count() / 2;
            // Branch starts: the first set pixel of each run around the ring.
            let starts: Vec<(i32, i32)> = (0..8)
                .filter(|&k| ring[k] && !ring[(k + 7) % 8])
                .map(|k| (xi + RING[k].0, yi + RING[k].1))
                .collect();
            let (kind, angle) = match crossings {
                1 => {
                    let Some(&start) = starts.first() else {
                        continue;
                    };
                    let (ex, ey) = trace(skeleton, w, h, (xi, yi), start);
                    (MinutiaKind::Ending, iso_angle(ex - x as f32, ey - y as f32))
                }
                3 if starts.len() == 3 => {
                    let dirs: Vec<(f32, f32)> = starts
                        .iter()
                        .map(|&s| {
                            let (ex, ey) = trace(skeleton, w, h, (xi, yi), s);
                            let (dx, dy) = (ex - x as f32, ey - y as f32);
                            let n = (dx * dx + dy * dy).sqrt().max(1e-6);
                            (dx / n, dy / n)
                        })
                        .collect();
                    // The stem is the branch farthest from the other two; the minutia points
                    // between those two.
                    let dot = |a: (f32, f32), b: (f32, f32)| a.0 * b.0 + a.1 * b.1;
                    let pairs = [(0usize, 1usize), (0, 2), (1, 2)];
                    let Some(&(i, j)) = pairs.iter().max_by(|p, q| {
                        dot(dirs[p.0], dirs[p.1]).total_cmp(&dot(dirs[q.0], dirs[q.1]))
                    }) else {
                        continue;
                    };
                    let (bx, by) = (dirs[i].0 + dirs[j].0, dirs[i].1 + dirs[j].1);
                    (MinutiaKind::Bifurcation, iso_angle(bx, by))
                }
                _ => continue,
            };
            found.push(Minutia::new(x as u16, y as u16, angle, kind, 100));
        }
    }
    found
}

/// The ISO angle (counter-clockwise, y up) of an image-coordinates vector.
pub(crate) fn iso_angle(dx: f32, dy: f32) -> f32 {
    (-dy).atan2(dx)
}

/// Follows the skeleton from `from` through `start` for up to [`TRACE`] pixels; returns the last
/// point reached.
fn trace(skeleton: &[bool], w: usize, h: usize, from: (i32, i32), start: (i32, i32)) -> (f32, f32) {
    let mut visited = vec![from, start];
    let mut current = start;
    for _ in 0..TRACE {
        let next = RING
            .iter()
            .map(|(dx, dy)| (current.0 + dx, current.1 + dy))
            .filter(|&p| at(skeleton, w, h, p.0, p.1) && !visited.contains(&p))
            // Prefer 4-neighbours, which keeps to the line.
            .min_by_key(|p| (p.0 - current.0).abs() + (p.1 - current.1).abs());
        let Some(next) = next else {
            break;
        };
        visited.push(next);
        current = next;
    }
    (current.0 as f32, current.1 as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton_of(rows: &[&str]) -> (Vec<bool>, usize, usize) {
        let h = rows.len();
        let w = rows[0].len();
        let image = rows
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        (image, w, h)
    }

    #[test]
    fn thinning_leaves_a_one_pixel_line() {
        let (mut image, w, h) = skeleton_of(&[
            "..........",
            ".########.",
            ".########.",
            ".########.",
            "..........",
        ]);
        thin(&mut image, w, h);
        let count = image.iter().filter(|&&v| v).count();
        assert!((4..=8).contains(&count), "{count}");
        for x in 0..w {
            assert!((0..h).filter(|&y| image[y * w + x]).count() <= 1);
        }
    }

    #[test]
    fn an_ending_points_back_along_its_ridge() {
        // A horizontal ridge ending on the left at x = 2: it points right (angle 0).
        let (image, w, h) = skeleton_of(&["...............", "..#############", "..............."]);
        let (ex, ey) = trace(&image, w, h, (2, 1), (3, 1));
        let angle = iso_angle(ex - 2.0, ey - 1.0);
        assert!(angle.abs() < 1e-6, "{angle}");
        // Vertical, going down from the end: pointing down is -π/2 with y up.
        assert!((iso_angle(0.0, 5.0) + std::f32::consts::FRAC_PI_2).abs() < 1e-6);
    }
}
