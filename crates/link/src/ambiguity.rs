//! Ambiguous links: a record that links about as well to two different people is not linked
//! to either on the score alone.
//!
//! A pair's score is the log-odds that its two records are one person, as if nothing else were
//! known. But a record is one person: if record `a` links to `b` and also to `c`, and `b` and
//! `c` are two different people (their own score is below `merge_pair_min`, where the guard
//! against chaining would never put them in one cluster either), then `a` is
//! at most one of them. With the odds `O(a,b) = 2^score` and the exclusive alternatives of `a`
//! (its other candidates that are not `b`'s person), the odds that `a` is `b`'s person are
//!
//! ```text
//! O(a,b) / (1 + Σ O(a,c))      over the candidates c of a that are not b's person
//! ```
//!
//! and the same holds from `b`'s side. The **ambiguity** of a link is what the score loses:
//! `log2(1 + Σ O(a,c)) + log2(1 + Σ O(b,d))` bits. A link whose score minus its ambiguity falls
//! below the link threshold goes to clerical review: among dozens of men named محمد بن علي
//! born in 1987, a census record that carries only its year links equally well to many border
//! records of different men, and a clerk must decide (or a later record will), while a pair
//! that stands out from its rivals (the same place of birth, a shared phone) still links. The
//! more namesakes a register holds, the more rivals each record has: the correction grows with
//! the data, which a score of two records alone cannot.
//!
//! Only pairs scored at least the review threshold count as rivals (weaker ones add less than
//! one to the sum each). Two candidates may be one person, and so are no alternative to each
//! other, when `same_person` says so: a clerk said so, they belong to one known person, or
//! their own score is at least `merge_pair_min` (duplicates of one person that a clerk's typos
//! set apart still score above it; namesakes with two passport numbers or two dates of birth
//! do not).

use crate::{Outcome, ScoredPair};

/// The ambiguity (bits, ≥ 0) of each link in `pairs` (0 for the other pairs): see the module
/// documentation. `same_person(x, y)` tells whether two records may be one person.
pub(crate) fn ambiguity(pairs: &[ScoredPair], same_person: impl Fn(u32, u32) -> bool) -> Vec<f64> {
    // The candidates of each record (pairs scored link or review), as adjacency lists.
    let n = pairs
        .iter()
        .map(|p| p.a.max(p.b) as usize + 1)
        .max()
        .unwrap_or(0);
    let mut start = vec![0usize; n + 1];
    for p in pairs {
        start[p.a as usize + 1] += 1;
        start[p.b as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adjacent = vec![(0u32, 0f64); start[n]];
    for p in pairs {
        for (x, y) in [(p.a, p.b), (p.b, p.a)] {
            adjacent[fill[x as usize]] = (y, p.score);
            fill[x as usize] += 1;
        }
    }
    // The rivals of `x`'s link to `y`: the other candidates of `x` that are not `y`'s person.
    let rivals = |x: u32, y: u32| -> f64 {
        let mut odds = 0.0;
        for &(z, score) in &adjacent[start[x as usize]..start[x as usize + 1]] {
            if z != y && !same_person(y, z) {
                odds += score.exp2();
            }
        }
        (1.0 + odds).log2()
    };
    pairs
        .iter()
        .map(|p| {
            if p.outcome == Outcome::Link {
                rivals(p.a, p.b) + rivals(p.b, p.a)
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32, score: f64) -> ScoredPair {
        ScoredPair {
            a,
            b,
            score,
            outcome: if score >= 6.0 {
                Outcome::Link
            } else {
                Outcome::Review
            },
            ambiguity: 0.0,
        }
    }

    #[test]
    fn rivals_that_are_two_people_make_a_link_ambiguous() {
        // Record 0 links to 1 and 2 equally well; 1 and 2 are two people.
        let pairs = [pair(0, 1, 12.0), pair(0, 2, 12.0)];
        let a = ambiguity(&pairs, |_, _| false);
        assert!((a[0] - (1.0 + 12f64.exp2()).log2()).abs() < 1e-9, "{a:?}");
        assert!(12.0 - a[0] < 6.0);
        // If 1 and 2 may be one person (two records of the same man), nothing changes.
        let a = ambiguity(&pairs, |_, _| true);
        assert_eq!(a, vec![0.0, 0.0]);
    }

    #[test]
    fn a_link_that_stands_out_stays_a_link() {
        // 0–1 scores 20, the rival 0–2 only 3: the link loses log2(1 + 2^3) bits and stays.
        let pairs = [pair(0, 1, 20.0), pair(0, 2, 3.0)];
        let a = ambiguity(&pairs, |_, _| false);
        assert!((a[0] - 9f64.log2()).abs() < 1e-9);
        assert!(20.0 - a[0] >= 6.0);
        // The review pair has no ambiguity of its own.
        assert_eq!(a[1], 0.0);
    }
}
