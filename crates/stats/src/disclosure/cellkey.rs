//! The cell key method (Australian Bureau of Statistics; recommended by Eurostat for the census
//! hypercubes), an alternative to suppression for frequency tables: every cell is published,
//! slightly perturbed, and the same set of persons always gets the same perturbation.
//!
//! Each record carries a permanent random *record key*, a `u32` drawn once (by the caller, from a
//! seeded generator: randomness is a parameter). The *cell key* of a cell is the sum of the record
//! keys of its persons modulo 2³² (exact and independent of order), read as a number in [0, 1). A
//! [`PTable`] (perturbation table) gives, for each original count, the cumulative distribution of
//! the perturbation; the cell key picks the perturbation from it. Margins are perturbed from their
//! own cell keys, so a perturbed table is not additive (that is the method's trade-off).
//!
//! Perturbation tables are data: typically produced with the `ptable` R package (maximum entropy,
//! given maximum perturbation and variance) and loaded with [`PTable::new`]; [`PTable::symmetric`]
//! builds a simple unbiased one (uniform on `-min(n, D)..=min(n, D)`, zeros left zero).

use super::{DisclosureError, Table};

/// A perturbation table: for each original count (the last row applies to all larger counts) the
/// perturbations and their probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct PTable {
    /// Row `n`: `(perturbation, cumulative probability)`, perturbations ascending.
    rows: Vec<Vec<(i64, f64)>>,
}

impl PTable {
    /// From `(original count, perturbation, probability)` entries. Every count from 0 to the largest
    /// given must have a row; each row's probabilities must add up to 1; no perturbation may make a
    /// count negative.
    pub fn new(entries: &[(u64, i64, f64)]) -> Result<PTable, DisclosureError> {
        let last = entries.iter().map(|e| e.0).max().unwrap_or(0);
        let mut rows: Vec<Vec<(i64, f64)>> = vec![Vec::new(); last as usize + 1];
        for &(n, d, p) in entries {
            let bad = |reason: String| DisclosureError::PTable { value: n, reason };
            if !(p.is_finite() && p >= 0.0) {
                return Err(bad(format!("probability {p} of perturbation {d}")));
            }
            if (n as i64) + d < 0 {
                return Err(bad(format!("perturbation {d} makes the count negative")));
            }
            if rows[n as usize].iter().any(|e| e.0 == d) {
                return Err(bad(format!("perturbation {d} given twice")));
            }
            rows[n as usize].push((d, p));
        }
        for (n, row) in rows.iter_mut().enumerate() {
            row.sort_by_key(|e| e.0);
            let mut cumulative = 0.0;
            for e in row.iter_mut() {
                cumulative += e.1;
                e.1 = cumulative;
            }
            if (cumulative - 1.0).abs() > 1e-9 {
                return Err(DisclosureError::PTable {
                    value: n as u64,
                    reason: format!("probabilities add up to {cumulative}, not 1"),
                });
            }
        }
        Ok(PTable { rows })
    }

    /// Uniform perturbation on `-min(n, d)..=min(n, d)` for count `n`: unbiased, never negative,
    /// zeros stay zero.
    pub fn symmetric(d: u64) -> PTable {
        let rows = (0..=d).map(|n| uniform(n.min(d) as i64)).collect();
        PTable { rows }
    }

    /// A table that never publishes a count below `threshold` other than 0 and perturbs the
    /// others by up to `d`, unbiased: a count `n` in `1..threshold` becomes `threshold` with
    /// probability `n / threshold`, else 0 (what the frequency rule protects stays protected:
    /// a published `threshold` may stand for any count from 1 up); a count from `threshold` on
    /// moves uniformly within `±min(d, n − threshold)` (never below the threshold); zeros stay
    /// zero. `threshold` 1 and `d` 0 publish counts unchanged.
    pub fn thresholded(threshold: u64, d: u64) -> PTable {
        let t = threshold.max(1);
        let rows = (0..=t + d)
            .map(|n| {
                if n == 0 {
                    return vec![(0, 1.0)];
                }
                if n < t {
                    let up = n as f64 / t as f64;
                    return vec![(-(n as i64), 1.0 - up), ((t - n) as i64, 1.0)];
                }
                uniform(d.min(n - t) as i64)
            })
            .collect();
        PTable { rows }
    }

    /// The perturbation of a cell of count `n` with cell key `key` (in [0, 1)).
    pub fn perturbation(&self, n: u64, key: f64) -> i64 {
        let row = &self.rows[(n as usize).min(self.rows.len() - 1)];
        row.iter()
            .find(|e| key < e.1)
            .or(row.last())
            .map_or(0, |e| e.0)
    }
}

/// A row uniform on `-m..=m`, cumulative (the last exactly 1).
fn uniform(m: i64) -> Vec<(i64, f64)> {
    let p = 1.0 / (2 * m + 1) as f64;
    (-m..=m)
        .enumerate()
        .map(|(k, x)| (x, if x == m { 1.0 } else { (k + 1) as f64 * p }))
        .collect()
}

/// The cell key of a set of record keys: their sum modulo 2³², as a number in [0, 1).
pub fn cell_key(record_keys: impl IntoIterator<Item = u32>) -> u32 {
    record_keys.into_iter().fold(0u32, u32::wrapping_add)
}

/// `key / 2³²`.
pub fn key_fraction(key: u32) -> f64 {
    f64::from(key) / 4_294_967_296.0
}

/// Perturbed counts of every cell of `table`, margins included, from the cell keys of its leaf
/// cells (`leaf_keys[i]` for leaf cell `i`, ignored for other cells): a margin's cell key is the
/// sum of its leaves' keys.
pub fn perturb(
    table: &Table,
    leaf_keys: &[u32],
    ptable: &PTable,
) -> Result<Vec<u64>, DisclosureError> {
    if leaf_keys.len() != table.len() {
        return Err(DisclosureError::KeysLength {
            expected: table.len(),
            found: leaf_keys.len(),
        });
    }
    let mut keys = vec![0u32; table.len()];
    for (leaf, &key) in leaf_keys.iter().enumerate() {
        let coords = table.coords(leaf);
        if coords
            .iter()
            .zip(table.dimensions())
            .all(|(&k, d)| d.children[k].is_empty())
        {
            for t in table.containing(leaf) {
                keys[t] = keys[t].wrapping_add(key);
            }
        }
    }
    Ok((0..table.len())
        .map(|i| {
            let n = table.count(i);
            let d = ptable.perturbation(n, key_fraction(keys[i]));
            n.saturating_add_signed(d)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Dimension};
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn same_persons_same_perturbation_and_unbiased() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let p = PTable::symmetric(2);
        // persons with record keys; the cell of persons 0..n
        let keys: Vec<u32> = (0..2000).map(|_| rng.gen()).collect();
        let mut sum = 0i64;
        let mut seen = [0usize; 5];
        for start in 0..1000 {
            let cell = &keys[start..start + 7];
            let k = cell_key(cell.iter().copied());
            let mut shuffled = cell.to_vec();
            shuffled.reverse();
            assert_eq!(k, cell_key(shuffled));
            let d = p.perturbation(7, key_fraction(k));
            sum += d;
            seen[(d + 2) as usize] += 1;
        }
        assert!(seen.iter().all(|&s| s > 150), "{seen:?}");
        assert!((sum as f64 / 1000.0).abs() < 0.15, "{sum}");
        assert_eq!(p.perturbation(0, 0.99), 0);
        assert!((-1..=1).contains(&p.perturbation(1, 0.5)));
    }

    #[test]
    fn perturbed_table_keeps_counts_non_negative_and_close() {
        let dims = vec![
            Dimension::flat("SEX", &["M", "F"]).unwrap(),
            Dimension::flat("CITIZENSHIP", &["JOR", "SYR", "EGY"]).unwrap(),
        ];
        let cells = [
            ("M", "JOR", 10),
            ("M", "SYR", 1),
            ("M", "EGY", 0),
            ("F", "JOR", 7),
            ("F", "SYR", 3),
            ("F", "EGY", 2),
        ]
        .iter()
        .map(|(a, b, n)| Cell {
            key: vec![a.to_string(), b.to_string()],
            value: *n as f64,
            count: *n,
            top: vec![],
        })
        .collect();
        let table = Table::from_leaves(dims, cells).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let leaf_keys: Vec<u32> = (0..table.len()).map(|_| rng.gen()).collect();
        let out = perturb(&table, &leaf_keys, &PTable::symmetric(2)).unwrap();
        for (i, &m) in out.iter().enumerate() {
            let (n, m) = (table.count(i) as i64, m as i64);
            assert!(
                (n - m).abs() <= 2 && (n != 0 || m == 0),
                "{} {n} -> {m}",
                table.key_text(i)
            );
        }
        assert_eq!(
            out,
            perturb(&table, &leaf_keys, &PTable::symmetric(2)).unwrap()
        );
    }

    #[test]
    fn ptable_is_checked() {
        assert!(PTable::new(&[(0, 0, 1.0), (1, -1, 0.5), (1, 1, 0.5)]).is_ok());
        assert!(matches!(
            PTable::new(&[(0, -1, 1.0)]),
            Err(DisclosureError::PTable { value: 0, .. })
        ));
        assert!(matches!(
            PTable::new(&[(0, 0, 1.0), (1, 0, 0.7)]),
            Err(DisclosureError::PTable { value: 1, .. })
        ));
        assert!(matches!(
            PTable::new(&[(1, 0, 1.0)]),
            Err(DisclosureError::PTable { value: 0, .. })
        ));
        let p = PTable::new(&[(0, 0, 1.0), (1, -1, 0.25), (1, 0, 0.5), (1, 1, 0.25)]).unwrap();
        assert_eq!(
            (
                p.perturbation(1, 0.1),
                p.perturbation(1, 0.5),
                p.perturbation(9, 0.9)
            ),
            (-1, 0, 1)
        );
    }

    #[test]
    fn thresholded_tables_hide_small_counts_and_are_unbiased() {
        let t = PTable::thresholded(5, 2);
        for n in 0..40u64 {
            let row = &t.rows[(n as usize).min(t.rows.len() - 1)];
            let mut mean = 0.0;
            let mut last = 0.0;
            for &(d, cumulative) in row {
                let published = n as i64 + d;
                assert!(
                    published == 0 || published >= 5,
                    "{n} published as {published}"
                );
                assert!(d.abs() <= 5);
                mean += d as f64 * (cumulative - last);
                last = cumulative;
            }
            assert!((last - 1.0).abs() < 1e-12, "row {n} adds up to {last}");
            assert!(mean.abs() < 1e-9, "row {n} biased by {mean}");
        }
        // A count of 2 becomes 5 for two fifths of the keys, else 0; zeros stay zero.
        let up = (0..1000)
            .filter(|k| t.perturbation(2, f64::from(*k) / 1000.0) == 3)
            .count();
        assert_eq!(up, 400);
        assert_eq!(t.perturbation(0, 0.99), 0);
        // No rule, no perturbation.
        let none = PTable::thresholded(1, 0);
        assert!((0..50).all(|n| none.perturbation(n, 0.37) == 0));
    }
}
