//! Clustering links into persons, guarded against chaining.
//!
//! The rule: links (pairs scoring at least the link threshold) are taken by descending score
//! (ties by record order) into a union-find. Two single records merge on their link. When
//! either side is already a cluster of two or more records, the merge must be supported by
//! the clusters as wholes: every pair across them (up to `merge_check_members` members of each
//! side, the earliest in input order) is scored, and the merge happens only if the **mean**
//! cross score is at least `merge_mean_min` **and no** cross pair scores below
//! `merge_pair_min`. A chain A–B–C of links therefore never joins A's and C's clusters when A
//! and C disagree, and one strong link between two large clusters is not enough when the rest
//! of their records contradict each other. Refused merges are counted.
//!
//! With [`Constraints`] (the store's incremental runs and a clerk's decisions): records of one
//! known person start in one cluster and two known persons never merge (such a link is a
//! *conflict*, returned for clerical review); pairs a clerk said are one person are merged
//! first, without the guard; pairs a clerk said are two people never end in one cluster,
//! whatever links join them.

use std::collections::HashMap;

/// Union-find with the members of each root.
struct Clusters {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Clusters {
    fn new(n: usize) -> Self {
        Clusters {
            parent: (0..n as u32).collect(),
            members: (0..n as u32).map(|i| vec![i]).collect(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (big, small) = if self.members[a as usize].len() >= self.members[b as usize].len() {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small as usize] = big;
        let moved = std::mem::take(&mut self.members[small as usize]);
        let target = &mut self.members[big as usize];
        target.extend(moved);
        target.sort_unstable();
    }
}

/// The outcome of clustering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clustering {
    /// The cluster of each record: clusters are numbered 0, 1, … in the order of their first
    /// record in the input.
    pub cluster_of: Vec<u32>,
    pub clusters: usize,
    pub largest: usize,
    /// Links whose merge the guard refused.
    pub refused_merges: u64,
    /// Links `(i, j)` refused because they would join two known persons (see [`Constraints`]).
    pub conflicts: Vec<(u32, u32)>,
}

/// What clustering must respect besides the links.
#[derive(Clone, Copy, Debug, Default)]
pub struct Constraints<'a> {
    /// The known person of each record (records already numbered), or `None`; empty: no
    /// record is known. Records of one known person start in one cluster; clusters holding
    /// two different known persons are never formed.
    pub known: &'a [Option<u32>],
    /// Pairs a clerk said are one person: merged before any link, without the guard.
    pub same: &'a [(u32, u32)],
    /// Pairs a clerk said are two people: never in one cluster.
    pub different: &'a [(u32, u32)],
}

/// Clusters `n` records given the links `(score, i, j)`; `score(i, j)` scores any pair (for
/// the guard). The rule: links by descending score into a union-find; two single records
/// merge on their link; otherwise the merge needs the mean score of the pairs across the two
/// clusters (up to `check_members` members each) to be at least `merge_mean_min` and no such
/// pair below `merge_pair_min`.
pub fn cluster(
    n: usize,
    links: &[(f64, u32, u32)],
    score: impl Fn(u32, u32) -> f64,
    merge_mean_min: f64,
    merge_pair_min: f64,
    check_members: usize,
) -> Clustering {
    cluster_constrained(
        n,
        links,
        score,
        merge_mean_min,
        merge_pair_min,
        check_members,
        &Constraints::default(),
    )
}

/// [`cluster`] under [`Constraints`].
pub fn cluster_constrained(
    n: usize,
    links: &[(f64, u32, u32)],
    score: impl Fn(u32, u32) -> f64,
    merge_mean_min: f64,
    merge_pair_min: f64,
    check_members: usize,
    constraints: &Constraints<'_>,
) -> Clustering {
    let mut order: Vec<&(f64, u32, u32)> = links.iter().collect();
    order.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut c = Clusters::new(n);
    // The known person of each root.
    let mut known: Vec<Option<u32>> = (0..n)
        .map(|i| constraints.known.get(i).copied().flatten())
        .collect();
    let mut first_of: HashMap<u32, u32> = HashMap::new();
    for i in 0..n as u32 {
        if let Some(k) = known[i as usize] {
            match first_of.get(&k) {
                Some(&f) => {
                    let (a, b) = (c.find(f), c.find(i));
                    if a != b {
                        c.union(a, b);
                        let root = c.find(i);
                        known[root as usize] = Some(k);
                    }
                }
                None => {
                    first_of.insert(k, i);
                }
            }
        }
    }
    let mut different: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(x, y) in constraints.different {
        if (x as usize) < n && (y as usize) < n {
            different.entry(x).or_default().push(y);
            different.entry(y).or_default().push(x);
        }
    }
    let kept_apart = |c: &mut Clusters, a: u32, b: u32| -> bool {
        if different.is_empty() {
            return false;
        }
        let (small, other) = if c.members[a as usize].len() <= c.members[b as usize].len() {
            (a, b)
        } else {
            (b, a)
        };
        let across: Vec<u32> = c.members[small as usize]
            .iter()
            .filter_map(|m| different.get(m))
            .flatten()
            .copied()
            .collect();
        across.into_iter().any(|y| c.find(y) == other)
    };
    let mut refused = 0;
    let mut conflicts = Vec::new();
    fn join(c: &mut Clusters, known: &mut [Option<u32>], a: u32, b: u32) {
        let k = known[a as usize].or(known[b as usize]);
        c.union(a, b);
        let root = c.find(a);
        known[root as usize] = k;
    }
    for &(i, j) in constraints.same {
        if (i as usize) >= n || (j as usize) >= n {
            continue;
        }
        let (a, b) = (c.find(i), c.find(j));
        if a == b || kept_apart(&mut c, a, b) {
            continue;
        }
        if let (Some(x), Some(y)) = (known[a as usize], known[b as usize]) {
            if x != y {
                conflicts.push((i.min(j), i.max(j)));
                continue;
            }
        }
        join(&mut c, &mut known, a, b);
    }
    for &&(_, i, j) in &order {
        let (a, b) = (c.find(i), c.find(j));
        if a == b {
            continue;
        }
        if kept_apart(&mut c, a, b) {
            refused += 1;
            continue;
        }
        if let (Some(x), Some(y)) = (known[a as usize], known[b as usize]) {
            if x != y {
                conflicts.push((i, j));
                continue;
            }
        }
        let (ma, mb) = (&c.members[a as usize], &c.members[b as usize]);
        if ma.len() > 1 || mb.len() > 1 {
            let mut sum = 0.0;
            let mut count = 0.0;
            let mut weakest = f64::INFINITY;
            for &x in ma.iter().take(check_members) {
                for &y in mb.iter().take(check_members) {
                    let s = score(x, y);
                    sum += s;
                    count += 1.0;
                    weakest = weakest.min(s);
                }
            }
            if sum / count < merge_mean_min || weakest < merge_pair_min {
                refused += 1;
                continue;
            }
        }
        join(&mut c, &mut known, a, b);
    }
    let mut number: Vec<u32> = vec![u32::MAX; n];
    let mut cluster_of = Vec::with_capacity(n);
    let mut sizes: Vec<usize> = Vec::new();
    for i in 0..n as u32 {
        let root = c.find(i) as usize;
        if number[root] == u32::MAX {
            number[root] = sizes.len() as u32;
            sizes.push(0);
        }
        sizes[number[root] as usize] += 1;
        cluster_of.push(number[root]);
    }
    Clustering {
        cluster_of,
        clusters: sizes.len(),
        largest: sizes.iter().copied().max().unwrap_or(0),
        refused_merges: refused,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups of five that agree within, disagree across; B links weakly to one record
    /// of each. The chain A–B–C must not make one cluster of eleven.
    #[test]
    fn a_chain_of_weak_links_does_not_merge_two_large_clusters() {
        let group = |i: u32| match i {
            0..=4 => 0,
            5..=9 => 1,
            _ => 2,
        };
        let score = |x: u32, y: u32| match (group(x), group(y)) {
            (a, b) if a == b => 20.0,
            (0, 2) | (2, 0) if x == 0 || y == 0 => 7.0,
            (1, 2) | (2, 1) if x == 5 || y == 5 => 7.0,
            (0, 2) | (2, 0) | (1, 2) | (2, 1) => 1.0,
            _ => -15.0,
        };
        let mut links = Vec::new();
        for i in 0..11u32 {
            for j in i + 1..11 {
                let s = score(i, j);
                if s >= 6.0 {
                    links.push((s, i, j));
                }
            }
        }
        let c = cluster(11, &links, score, 3.0, -6.0, 40);
        assert_eq!(c.clusters, 3, "{:?}", c.cluster_of);
        assert_eq!(c.largest, 5);
        assert!(c.refused_merges >= 2);
        // Without the guard (anything goes) the chain merges everything.
        let c = cluster(11, &links, score, f64::NEG_INFINITY, f64::NEG_INFINITY, 40);
        assert_eq!(c.clusters, 1);
    }

    #[test]
    fn numbering_follows_input_order() {
        let c = cluster(4, &[(10.0, 1, 3)], |_, _| 10.0, 0.0, 0.0, 10);
        assert_eq!(c.cluster_of, vec![0, 1, 2, 1]);
        assert_eq!(c.clusters, 3);
        assert_eq!(c.largest, 2);
    }

    #[test]
    fn known_persons_never_merge_and_labels_decide() {
        // 0,1 are known person 7; 2 is known person 8; 3 and 4 are new.
        let known = [Some(7), Some(7), Some(8), None, None];
        let links = [(20.0, 1, 3), (18.0, 2, 3), (15.0, 3, 4), (9.0, 0, 2)];
        let c = cluster_constrained(
            5,
            &links,
            |_, _| 20.0,
            3.0,
            -6.0,
            40,
            &Constraints {
                known: &known,
                ..Constraints::default()
            },
        );
        assert_eq!(c.cluster_of, vec![0, 0, 1, 0, 0]);
        assert_eq!(c.conflicts, vec![(2, 3), (0, 2)]);
        // A clerk said 3 and 4 are two people, and 2 and 4 one person.
        let c = cluster_constrained(
            5,
            &links,
            |_, _| 20.0,
            3.0,
            -6.0,
            40,
            &Constraints {
                known: &known,
                same: &[(2, 4)],
                different: &[(3, 4)],
            },
        );
        assert_eq!(c.cluster_of, vec![0, 0, 1, 0, 1]);
        // Without known persons, a rejected pair stays apart though links chain them.
        let c = cluster_constrained(
            3,
            &[(20.0, 0, 1), (20.0, 1, 2)],
            |_, _| 20.0,
            3.0,
            -6.0,
            40,
            &Constraints {
                different: &[(0, 2)],
                ..Constraints::default()
            },
        );
        assert_ne!(c.cluster_of[0], c.cluster_of[2]);
        assert_eq!(c.refused_merges, 1);
    }
}
