//! Minutiae on the skeleton: detection by branch count (crossing number), ridge tracing, false
//! minutia removal (spurs, short ridges, bridges and lakes, broken ridges, clusters, border and
//! unreliable areas), direction in the ISO/IEC 19794-2 convention, and per-minutia quality.
//!
//! Directions: a ridge ending points from the ending into its ridge; a bifurcation points
//! between its two branches, away from the stem (the bisector of the smallest angle between the
//! three ridges). Angles are counter-clockwise from the x-axis with y pointing down, so a vector
//! `(dx, dy)` in image coordinates has angle `atan2(−dy, dx)`.

use super::field::Grid;
use super::skeleton::{branches, Binary, RING};
use crate::template::{normalize_angle, MinutiaKind};
use std::f32::consts::{PI, TAU};

/// Minutiae closer than this to the background or the image edge are dropped (pixels).
const BORDER: f32 = 10.0;

/// A minutia found on the skeleton, before conversion to a template minutia.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub x: usize,
    pub y: usize,
    pub kind: MinutiaKind,
    /// ISO/IEC 19794-2 direction in radians.
    pub angle: f32,
    pub quality: u8,
}

/// Why a minutia found on the skeleton was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// An ending close to where its ridge branches off (a spur), or that bifurcation.
    Spur,
    /// An end of a ridge fragment too short to be real (a dot, a speck).
    ShortRidge,
    /// One of two bifurcations close together on the same ridge (a bridge or a lake).
    Bridge,
    /// One of two endings facing each other across a short gap (a broken ridge).
    BrokenRidge,
    /// Its ridges could not be followed far enough to give a direction.
    NoDirection,
    /// Crowded among other minutiae (noise).
    Cluster,
    /// Too close to the edge of the finger or the image.
    Border,
    /// In an area whose ridges are unreliable.
    LowQuality,
}

impl Rejection {
    pub fn name(self) -> &'static str {
        match self {
            Self::Spur => "spur",
            Self::ShortRidge => "short_ridge",
            Self::Bridge => "bridge",
            Self::BrokenRidge => "broken_ridge",
            Self::NoDirection => "no_direction",
            Self::Cluster => "cluster",
            Self::Border => "border",
            Self::LowQuality => "low_quality",
        }
    }
}

/// What a trace along the skeleton ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The ridge ended at this pixel.
    Ending,
    /// Another ridge joined at this pixel.
    Bifurcation,
    /// The length limit was reached.
    Far,
}

#[derive(Debug, Clone, Copy)]
struct Trace {
    x: usize,
    y: usize,
    steps: usize,
    stop: Stop,
}

/// Walks along the skeleton from `start` through `first`, at most `max_steps` pixels, never
/// going back to a pixel in `visited` (which starts with the start pixel's other neighbours).
fn trace(
    skel: &Binary,
    start: (usize, usize),
    first: (usize, usize),
    mut visited: Vec<(usize, usize)>,
    max_steps: usize,
) -> Trace {
    let mut prev = start;
    let mut cur = first;
    visited.push(start);
    visited.push(first);
    let mut steps = 1;
    loop {
        let ring = skel.ring(cur.0, cur.1);
        let b = branches(ring);
        if b == 1 {
            return Trace {
                x: cur.0,
                y: cur.1,
                steps,
                stop: Stop::Ending,
            };
        }
        if b >= 3 && steps > 2 {
            return Trace {
                x: cur.0,
                y: cur.1,
                steps,
                stop: Stop::Bifurcation,
            };
        }
        if steps >= max_steps {
            return Trace {
                x: cur.0,
                y: cur.1,
                steps,
                stop: Stop::Far,
            };
        }
        // Unvisited neighbours; step to the one farthest from the previous pixel and consume
        // the others (the sides of a staircase).
        let mut best: Option<((usize, usize), isize)> = None;
        let mut others = Vec::new();
        for (k, (dx, dy)) in RING.iter().enumerate() {
            if ring & (1 << k) == 0 {
                continue;
            }
            let nx = cur.0 as isize + dx;
            let ny = cur.1 as isize + dy;
            if nx < 0 || ny < 0 {
                continue;
            }
            let next = (nx as usize, ny as usize);
            if visited.contains(&next) {
                continue;
            }
            let d = (nx - prev.0 as isize).pow(2) + (ny - prev.1 as isize).pow(2);
            match best {
                Some((_, bd)) if bd >= d => others.push(next),
                Some((old, _)) => {
                    others.push(old);
                    best = Some((next, d));
                }
                None => best = Some((next, d)),
            }
        }
        let Some((next, _)) = best else {
            // Only visited pixels around: a loop closed on itself.
            return Trace {
                x: cur.0,
                y: cur.1,
                steps,
                stop: Stop::Ending,
            };
        };
        visited.extend(others);
        visited.push(next);
        prev = cur;
        cur = next;
        steps += 1;
    }
}

/// The branches leaving (x, y): one representative neighbour per branch, edge neighbours first.
fn branch_starts(skel: &Binary, x: usize, y: usize) -> Vec<(usize, usize)> {
    let ring = skel.ring(x, y);
    // One group per run of set neighbours around the ring (as `branches` counts them).
    let mut starts: Vec<Vec<usize>> = Vec::new();
    let first_unset = (0..8).find(|k| ring & (1 << k) == 0).unwrap_or(0);
    let mut open = false;
    for step in 1..=8 {
        let k = (first_unset + step) % 8;
        if ring & (1 << k) != 0 {
            if open {
                if let Some(g) = starts.last_mut() {
                    g.push(k);
                }
            } else {
                starts.push(vec![k]);
                open = true;
            }
        } else {
            open = false;
        }
    }
    starts
        .into_iter()
        .filter_map(|g| {
            let k = g
                .iter()
                .copied()
                .find(|k| k % 2 == 0)
                .or(g.first().copied())?;
            let (dx, dy) = RING.get(k)?;
            let nx = x as isize + dx;
            let ny = y as isize + dy;
            (nx >= 0 && ny >= 0).then_some((nx as usize, ny as usize))
        })
        .collect()
}

fn ring_pixels(x: usize, y: usize) -> Vec<(usize, usize)> {
    RING.iter()
        .filter_map(|(dx, dy)| {
            let nx = x as isize + dx;
            let ny = y as isize + dy;
            (nx >= 0 && ny >= 0).then_some((nx as usize, ny as usize))
        })
        .collect()
}

/// Traces every branch leaving (x, y).
fn traces(skel: &Binary, x: usize, y: usize, max_steps: usize) -> Vec<Trace> {
    let starts = branch_starts(skel, x, y);
    let around = ring_pixels(x, y);
    starts
        .iter()
        .map(|&s| {
            let visited: Vec<(usize, usize)> = around.iter().copied().filter(|&p| p != s).collect();
            trace(skel, (x, y), s, visited, max_steps)
        })
        .collect()
}

/// A grid of 16-pixel cells holding indices of points, to find neighbours without comparing every
/// pair (a large, busy image can have thousands of candidate minutiae).
struct Cells {
    cw: usize,
    ch: usize,
    cells: Vec<Vec<usize>>,
}

impl Cells {
    const SIDE: usize = 16;

    fn new(w: usize, h: usize) -> Self {
        let cw = w.div_ceil(Self::SIDE).max(1);
        let ch = h.div_ceil(Self::SIDE).max(1);
        Self {
            cw,
            ch,
            cells: vec![Vec::new(); cw * ch],
        }
    }

    fn insert(&mut self, x: usize, y: usize, index: usize) {
        let (cx, cy) = (
            (x / Self::SIDE).min(self.cw - 1),
            (y / Self::SIDE).min(self.ch - 1),
        );
        if let Some(cell) = self.cells.get_mut(cy * self.cw + cx) {
            cell.push(index);
        }
    }

    /// Indices in the cells within `radius` pixels of (x, y) (a superset of the points within
    /// `radius`).
    fn near(&self, x: usize, y: usize, radius: usize) -> impl Iterator<Item = usize> + '_ {
        let x0 = x.saturating_sub(radius) / Self::SIDE;
        let y0 = y.saturating_sub(radius) / Self::SIDE;
        let x1 = ((x + radius) / Self::SIDE).min(self.cw - 1);
        let y1 = ((y + radius) / Self::SIDE).min(self.ch - 1);
        (y0..=y1)
            .flat_map(move |cy| (x0..=x1).map(move |cx| cy * self.cw + cx))
            .filter_map(|k| self.cells.get(k))
            .flatten()
            .copied()
    }
}

/// Everything the detector needs to know about the image around the skeleton.
pub struct Context<'a> {
    pub grid: &'a Grid,
    /// Ridge direction per block (image coordinates, `[0, π)`).
    pub theta: &'a [f32],
    pub coherence: &'a [f32],
    pub clarity: &'a [f32],
    pub period: &'a [f32],
    /// Distance of each pixel to the background or the image edge, in pixels.
    pub border_distance: &'a [u16],
}

/// Finds, cleans and describes the minutiae of a skeleton; also returns those dropped, and why.
pub fn detect(skel: &Binary, ctx: &Context<'_>) -> (Vec<Candidate>, Vec<(Candidate, Rejection)>) {
    let (w, h) = (skel.w, skel.h);
    let mut raw: Vec<(usize, usize, MinutiaKind)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if !skel.get(x as isize, y as isize) {
                continue;
            }
            let kind = match branches(skel.ring(x, y)) {
                1 => MinutiaKind::Ending,
                3 => MinutiaKind::Bifurcation,
                _ => continue,
            };
            raw.push((x, y, kind));
        }
    }
    // Adjacent bifurcation pixels are one bifurcation.
    let mut merged: Vec<(usize, usize, MinutiaKind)> = Vec::new();
    let mut cells = Cells::new(w, h);
    for (x, y, kind) in raw {
        let duplicate = cells.near(x, y, 2).any(|k| {
            merged.get(k).is_some_and(|&(mx, my, mk)| {
                mk == kind && mx.abs_diff(x) <= 2 && my.abs_diff(y) <= 2
            })
        });
        if !duplicate {
            cells.insert(x, y, merged.len());
            merged.push((x, y, kind));
        }
    }
    let period_at = |x: usize, y: usize| {
        ctx.period
            .get(ctx.grid.block_of(x, y))
            .copied()
            .unwrap_or(9.0)
    };
    let find = |x: usize, y: usize, merged: &[(usize, usize, MinutiaKind)]| {
        cells.near(x, y, 2).find(|&k| {
            merged
                .get(k)
                .is_some_and(|&(mx, my, _)| mx.abs_diff(x) <= 2 && my.abs_diff(y) <= 2)
        })
    };
    let mut removed: Vec<Option<Rejection>> = vec![None; merged.len()];
    let mut all_traces: Vec<Vec<Trace>> = Vec::with_capacity(merged.len());
    for (i, &(x, y, kind)) in merged.iter().enumerate() {
        let period = period_at(x, y);
        let reach = (1.6 * period).round() as usize;
        let tr = traces(skel, x, y, reach.max(10));
        for t in &tr {
            let short = t.steps as f32;
            let partner = find(t.x, t.y, &merged).filter(|&j| j != i);
            match (kind, t.stop) {
                // Spur: an ending close to where its ridge branches off.
                (MinutiaKind::Ending, Stop::Bifurcation) if short < 0.6 * period => {
                    removed[i] = Some(Rejection::Spur);
                    if let Some(j) = partner {
                        removed[j] = Some(Rejection::Spur);
                    }
                }
                // A short piece of ridge (a dot or a fragment).
                (MinutiaKind::Ending, Stop::Ending) if short < 0.7 * period => {
                    removed[i] = Some(Rejection::ShortRidge);
                    if let Some(j) = partner {
                        removed[j] = Some(Rejection::ShortRidge);
                    }
                }
                // Bridge between ridges or a lake inside one.
                (MinutiaKind::Bifurcation, Stop::Bifurcation) if short < 0.8 * period => {
                    removed[i] = Some(Rejection::Bridge);
                    if let Some(j) = partner {
                        removed[j] = Some(Rejection::Bridge);
                    }
                }
                _ => {}
            }
        }
        all_traces.push(tr);
    }
    // Directions from the traces, snapped to the orientation field when they agree.
    let mut found: Vec<Candidate> = Vec::new();
    let mut rejected: Vec<(Candidate, Rejection)> = Vec::new();
    for (i, (&(x, y, kind), tr)) in merged.iter().zip(&all_traces).enumerate() {
        let b = ctx.grid.block_of(x, y);
        let theta = ctx.theta.get(b).copied().unwrap_or(0.0);
        let Some(angle) = direction(x, y, kind, tr, (theta.cos(), theta.sin())) else {
            let c = Candidate {
                x,
                y,
                kind,
                angle: 0.0,
                quality: 0,
            };
            rejected.push((c, removed[i].unwrap_or(Rejection::NoDirection)));
            continue;
        };
        // The field's ridge direction in the ISO convention, one of two ways; where it agrees
        // with the traced direction the two are averaged (the trace is local but noisy, the
        // field smooth but blurred near cores and deltas).
        let field = normalize_angle(-theta);
        let snapped = [field, normalize_angle(field + PI)]
            .into_iter()
            .min_by(|a, b| angle_diff(*a, angle).total_cmp(&angle_diff(*b, angle)))
            .unwrap_or(angle);
        let angle = if angle_diff(snapped, angle) < 35f32.to_radians() {
            let towards = (snapped - angle + PI).rem_euclid(TAU) - PI;
            normalize_angle(angle + 0.5 * towards)
        } else {
            angle
        };
        let c = Candidate {
            x,
            y,
            kind,
            angle,
            quality: 0,
        };
        match removed[i] {
            Some(reason) => rejected.push((c, reason)),
            None => found.push(c),
        }
    }
    // Broken ridges: two endings facing each other across a short gap.
    let mut broken = vec![false; found.len()];
    let mut found_cells = Cells::new(w, h);
    for (k, c) in found.iter().enumerate() {
        found_cells.insert(c.x, c.y, k);
    }
    for a in 0..found.len() {
        let reach = (2.2 * period_at(found[a].x, found[a].y)).ceil() as usize;
        let others: Vec<usize> = found_cells
            .near(found[a].x, found[a].y, reach)
            .filter(|&b| b > a)
            .collect();
        for b in others {
            let (p, q) = (found[a], found[b]);
            if p.kind != MinutiaKind::Ending || q.kind != MinutiaKind::Ending {
                continue;
            }
            let period = period_at(p.x, p.y);
            let dx = q.x as f32 - p.x as f32;
            let dy = q.y as f32 - p.y as f32;
            let dist = (dx * dx + dy * dy).sqrt();
            if dist > 2.2 * period || dist < 1.0 {
                continue;
            }
            // Each ending points into its own ridge, so away from the gap.
            let gap = (-dy).atan2(dx);
            let facing = angle_diff(p.angle, q.angle) > 120f32.to_radians()
                && angle_diff(p.angle, normalize_angle(gap + PI)) < 50f32.to_radians();
            if facing {
                broken[a] = true;
                broken[b] = true;
            }
        }
    }
    let mut kept: Vec<Candidate> = Vec::new();
    for (c, gone) in found.into_iter().zip(broken) {
        if gone {
            rejected.push((c, Rejection::BrokenRidge));
        } else {
            kept.push(c);
        }
    }
    // Clusters: minutiae crowded together are noise, not detail.
    let mut kept_cells = Cells::new(w, h);
    for (k, c) in kept.iter().enumerate() {
        kept_cells.insert(c.x, c.y, k);
    }
    let crowded: Vec<bool> = kept
        .iter()
        .map(|c| {
            let radius = 1.2 * period_at(c.x, c.y);
            kept_cells
                .near(c.x, c.y, radius.ceil() as usize)
                .filter_map(|k| kept.get(k))
                .filter(|o| {
                    let d2 = (o.x as f32 - c.x as f32).powi(2) + (o.y as f32 - c.y as f32).powi(2);
                    d2 > 0.0 && d2 < radius * radius
                })
                .count()
                >= 2
        })
        .collect();
    let mut clear = Vec::new();
    for (c, crowd) in kept.into_iter().zip(crowded) {
        if crowd {
            rejected.push((c, Rejection::Cluster));
        } else {
            clear.push(c);
        }
    }
    // Border and unreliable areas; the rest get a quality.
    let mut kept = Vec::new();
    for mut c in clear {
        let b = ctx.grid.block_of(c.x, c.y);
        let border = ctx.border_distance.get(c.y * w + c.x).copied().unwrap_or(0) as f32;
        let coherence = ctx.coherence.get(b).copied().unwrap_or(0.0);
        let clarity = ctx.clarity.get(b).copied().unwrap_or(0.0);
        if border < BORDER {
            rejected.push((c, Rejection::Border));
            continue;
        }
        if coherence < 0.18 || clarity < 0.18 {
            rejected.push((c, Rejection::LowQuality));
            continue;
        }
        let border_factor = ((border - BORDER) / 24.0).clamp(0.0, 1.0);
        let q = 100.0
            * coherence.min(1.0).sqrt()
            * ((clarity - 0.18) / 0.5).clamp(0.05, 1.0)
            * (0.6 + 0.4 * border_factor);
        c.quality = (q.round() as u8).clamp(1, 100);
        kept.push(c);
    }
    (kept, rejected)
}

/// The ISO direction of a minutia from its traces; `None` when the traces do not fit its kind.
fn direction(
    x: usize,
    y: usize,
    kind: MinutiaKind,
    traces: &[Trace],
    axis: (f32, f32),
) -> Option<f32> {
    let unit = |t: &Trace| {
        let dx = t.x as f32 - x as f32;
        let dy = t.y as f32 - y as f32;
        let n = (dx * dx + dy * dy).sqrt();
        (n >= 2.0).then(|| (dx / n, dy / n))
    };
    let iso = |(dx, dy): (f32, f32)| {
        (dx.abs() + dy.abs() > 1e-3).then(|| normalize_angle((-dy).atan2(dx)))
    };
    match kind {
        MinutiaKind::Ending => iso(unit(traces.first()?)?),
        _ => {
            let dirs: Vec<(f32, f32)> = traces.iter().filter_map(unit).collect();
            if dirs.len() != 3 {
                return None;
            }
            let add = |a: (f32, f32), b: (f32, f32)| (a.0 + b.0, a.1 + b.1);
            // Along the ridge flow, the two branches point one way and the stem the other:
            // the branches are the two on the side the majority points to.
            let proj: Vec<f32> = dirs.iter().map(|d| d.0 * axis.0 + d.1 * axis.1).collect();
            let sense: f32 = proj.iter().sum();
            if sense.abs() >= 0.5 {
                let forks: Vec<(f32, f32)> = dirs
                    .iter()
                    .zip(&proj)
                    .filter(|(_, &p)| p * sense > 0.0)
                    .map(|(d, _)| *d)
                    .collect();
                if let [a, b] = forks.as_slice() {
                    return iso(add(*a, *b));
                }
            }
            // Otherwise: the two branches with the smallest angle between them.
            let mut best: Option<((f32, f32), f32)> = None;
            for (i, j) in [(0usize, 1usize), (0, 2), (1, 2)] {
                let (a, b) = (*dirs.get(i)?, *dirs.get(j)?);
                let cos = a.0 * b.0 + a.1 * b.1;
                if best.is_none_or(|(_, c)| cos > c) {
                    best = Some((add(a, b), cos));
                }
            }
            iso(best?.0)
        }
    }
}

/// Absolute difference of two directions, in `[0, π]`.
pub fn angle_diff(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(TAU);
    d.min(TAU - d)
}

/// Chamfer distance (3-4) of each pixel to the nearest background pixel or the image edge, in
/// pixels.
pub fn border_distance(mask: &[bool], w: usize, h: usize) -> Vec<u16> {
    const FAR: u32 = u32::MAX / 4;
    let mut d: Vec<u32> = mask.iter().map(|&m| if m { FAR } else { 0 }).collect();
    let at = |d: &[u32], x: isize, y: isize| -> u32 {
        if x < 0 || y < 0 || x as usize >= w || y as usize >= h {
            0
        } else {
            d.get(y as usize * w + x as usize).copied().unwrap_or(0)
        }
    };
    for y in 0..h as isize {
        for x in 0..w as isize {
            let i = y as usize * w + x as usize;
            if d[i] == 0 {
                continue;
            }
            let v = (at(&d, x - 1, y) + 3)
                .min(at(&d, x, y - 1) + 3)
                .min(at(&d, x - 1, y - 1) + 4)
                .min(at(&d, x + 1, y - 1) + 4);
            d[i] = d[i].min(v);
        }
    }
    for y in (0..h as isize).rev() {
        for x in (0..w as isize).rev() {
            let i = y as usize * w + x as usize;
            if d[i] == 0 {
                continue;
            }
            let v = (at(&d, x + 1, y) + 3)
                .min(at(&d, x, y + 1) + 3)
                .min(at(&d, x + 1, y + 1) + 4)
                .min(at(&d, x - 1, y + 1) + 4);
            d[i] = d[i].min(v);
        }
    }
    d.into_iter()
        .map(|v| (v / 3).min(u32::from(u16::MAX)) as u16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn border_distance_grows_inwards() {
        let (w, h) = (20, 10);
        let d = border_distance(&vec![true; w * h], w, h);
        assert_eq!(d[0], 1);
        assert_eq!(d[5 * w + 10], 5);
        let d = border_distance(&vec![false; w * h], w, h);
        assert!(d.iter().all(|&v| v == 0));
    }

    #[test]
    fn traced_directions_follow_the_iso_convention() {
        // A horizontal ridge from x = 10 to x = 40 at y = 20: the ending at its left end points
        // right (0), the ending at its right end points left (π).
        let mut skel = Binary::new(60, 40);
        for x in 10..=40 {
            skel.set(x, 20, true);
        }
        let tr = traces(&skel, 10, 20, 12);
        let a = direction(10, 20, MinutiaKind::Ending, &tr, (1.0, 0.0)).unwrap_or(-1.0);
        assert!(angle_diff(a, 0.0) < 0.05, "{a}");
        let tr = traces(&skel, 40, 20, 12);
        let a = direction(40, 20, MinutiaKind::Ending, &tr, (1.0, 0.0)).unwrap_or(-1.0);
        assert!(angle_diff(a, PI) < 0.05, "{a}");
        // A vertical ridge going up from (30, 30): its ending points up, which is π/2.
        let mut skel = Binary::new(60, 40);
        for y in 5..=30 {
            skel.set(30, y, true);
        }
        let tr = traces(&skel, 30, 30, 12);
        let a = direction(30, 30, MinutiaKind::Ending, &tr, (0.0, 1.0)).unwrap_or(-1.0);
        assert!(angle_diff(a, PI / 2.0) < 0.05, "{a}");
    }

    #[test]
    fn a_bifurcation_points_between_its_branches() {
        // Stem from the left along y = 20 to (30, 20), branches going up-right and down-right.
        let mut skel = Binary::new(60, 40);
        for x in 10..=30 {
            skel.set(x, 20, true);
        }
        for k in 1..=12 {
            skel.set(30 + k, 20 - k, true);
            skel.set(30 + k, 20 + k, true);
        }
        assert_eq!(branches(skel.ring(30, 20)), 3);
        let tr = traces(&skel, 30, 20, 12);
        assert_eq!(tr.len(), 3);
        let a = direction(30, 20, MinutiaKind::Bifurcation, &tr, (1.0, 0.0)).unwrap_or(-1.0);
        assert!(angle_diff(a, 0.0) < 0.05, "{a}");
    }
}
