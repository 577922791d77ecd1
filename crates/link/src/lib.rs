//! Record linkage: which person records, from any source and in either script, are one person.
//!
//! What this crate owns: reading a canonical person row into a [`Record`] with its keys
//! precomputed (names through `marsad-names`); **blocking** ([`BlockRule`]: several rules,
//! pairs unioned, oversized blocks skipped and reported); **comparisons with levels**
//! ([`Comparison`], [`compare`]); a **Fellegi–Sunter model estimated without labels**
//! ([`Model`]: u from seeded random pairs, m and λ by EM, match weights log2(m/u),
//! term-frequency adjustment of exact name matches); the three **outcomes** per pair
//! ([`Outcome`]: link, clerical review, no link), with **ambiguous links** made reviews
//! (module `ambiguity`: a record that links about as well to two different people); **clustering
//! guarded against chaining** (module `cluster` documents the rule); every score
//! **explainable** ([`Model::explain`]). [`link`] runs it all.
//!
//! For the store's unified numbers: [`link_labelled`] takes clerks' decisions ([`Label`]) as
//! labels of the estimation and as decisions of their pairs; [`link_incremental`] links new
//! records against records already grouped into known persons with a model estimated before
//! (kept as JSON: [`Model::to_json`]), comparing only pairs that hold a new record, found
//! through the same block keys ([`block_keys`], 64-bit hashes the store can index).
//!
//! What it does **not** do: no I/O, no clock, no global state; randomness is a seed in
//! [`LinkConfig`]. Comparisons run on scoped threads (`LinkConfig::threads`); the result does
//! not depend on their number.
//!
//! # Speed at a million records
//! Names repeat: [`Record::from_rows`] reads rows on threads and computes the keys of each
//! distinct name, place and address text once. Comparing a run's candidate pairs goes through
//! `compare::Comparer`: every text numbered once (equal texts, equal numbers), each record a
//! small fixed-size value, the levels of two different names or places kept in a small
//! per-thread cache, a cheap bound on shared characters before a place's or address's
//! Jaro-Winkler; it gives exactly the levels of [`compare`] (a test holds it to that).
//! Blocking runs its rules on two threads and merges their sorted pair lists. Reading CSV files, progress bars and timing belong
//! to the `cli`; storing unified numbers belongs to the store integration.
//!
//! Records with no name, no date of birth and no document are kept (each is its own person)
//! but never linked: they are put in no block ("never linked on nothing").
//!
//! # Guards on top of Fellegi–Sunter
//! Plain Fellegi–Sunter assumes the comparisons independent; in migration registers they are
//! not (a household shares a phone and an address, a frequent name is frequent as a whole,
//! namesakes share a birth year by construction). [`Model`] applies, each explainable as a
//! term of the score:
//! - **names are reliable, so their disagreement is (nearly) a veto**: when the estimated m
//!   says fewer than 5% of one person's record pairs disagree on the given name (and the
//!   documents do not agree), a given-name disagreement weighs −60 bits and a merely "alike"
//!   given name −20; a family- or father's-name disagreement −20. Siblings and twins, who
//!   share father, mother, family name, address, phone (and, twins, the birth date) stay
//!   apart. On data where names are often replaced (FEBRL) the guard switches itself off;
//! - **two frequent given names are two names**: Mohamed and Mahmoud (keys one letter apart)
//!   are "different", not "similar", when both are frequent;
//! - **dates in conflict** (two full dates beyond a typo, years more than five apart) weigh at
//!   most −12 bits, −30 when such conflicts are rare among one person's records;
//! - **term frequency**: an exact match on a frequent name (محمد, بن علي) counts less than on
//!   a rare one (log2(u_exact / frequency), bounded by `tf_adjustment_max`), and the whole
//!   name (given|family|father) is bounded by its own frequency: Mohamed Ben Ali son of Ali is
//!   one frequent name, not three agreements;
//! - **a name concentrated in some years makes its date say less**: when the whole names
//!   agree, the date's weight loses the association of the name with that year or day
//!   (log2 P(date | name) / P(date), shrunk for names seen on few records): the many
//!   محمد بن علي born 1986–1989 of a register are told apart less by their year;
//! - **a household's contact fields count once**: only the strongest agreement among phone,
//!   address, locality and postcode ([`CONTACT_GROUP`]);
//! - **the source is a comparison too**: EM learns how rarely one source holds two records of
//!   one person, so two census records of namesakes need more evidence than a census and a
//!   border record.
//!
//! The clustering guard against chaining is documented in module `cluster` and in
//! [`cluster()`]; what a link loses to rival candidates of its records, in module `ambiguity`
//! and [`ScoredPair::ambiguity`].
//!
//! # Estimation in a large register
//! m is estimated in training sessions (pairs sharing a document number; pairs sharing a
//! rare whole name and a full date of birth; pairs sharing a rare whole name), never on pairs
//! that share a frequent name: at a million records most pairs sharing a frequent name and a
//! birth date are namesakes, and EM over them learns that one person's records often carry
//! two passport numbers (see [`estimate_m`]).

mod ambiguity;
mod blocking;
mod cluster;
mod compare;
mod config;
mod model;
mod record;
mod rng;

pub use blocking::{
    block_hash, block_keys, block_keys_by_rule, candidate_pairs, incremental_pairs, BlockCaps,
    BlockRule, RuleReport,
};
pub use cluster::{cluster, cluster_constrained, Clustering, Constraints};
pub use compare::{
    compare, date_level, document_level, name_level, Comparison, Levels, COMPARISONS,
    FULL_DATE_CONFLICT, NULL,
};
use compare::{Comparer, LevelCache};
pub use config::LinkConfig;
pub use model::{
    em, estimate_m, estimate_m_labelled, estimate_u, estimate_u_labelled, initial_m, patterns,
    Explanation, Model, Probabilities, RecordTerms, Term, CONTACT_GROUP,
};
pub use record::{BirthDate, Name, PersonRow, Record, Sex};
pub use rng::SplitMix64;

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    /// The configuration is unreadable or inconsistent.
    #[error("invalid link configuration: {0}")]
    Config(String),
    /// A stored model cannot be written or read back.
    #[error("stored linkage model: {0}")]
    Model(String),
}

/// The decision for one pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Link,
    Review,
    NoLink,
}

impl Outcome {
    /// The outcome of a score under the configured thresholds.
    pub fn of(score: f64, config: &LinkConfig) -> Outcome {
        if score >= config.link_threshold {
            Outcome::Link
        } else if score >= config.review_threshold {
            Outcome::Review
        } else {
            Outcome::NoLink
        }
    }
}

/// A scored candidate pair (indices into the input records, `a < b`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    /// The model's score of the two records ([`Model::explain`] adds it up).
    pub score: f64,
    /// What a link's score loses to rival candidates of its records that are other people
    /// (bits, 0 for none; module `ambiguity`): a pair scoring at least the link threshold is
    /// a link only if `score - ambiguity` still is, else it goes to clerical review.
    pub ambiguity: f64,
    pub outcome: Outcome,
}

/// A clerk's decision on a pair of input records (indices): one person (`same`) or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub a: u32,
    pub b: u32,
    pub same: bool,
}

/// Receives the phases of [`link`] (for progress bars and timing, which are the caller's).
pub trait Progress {
    /// A phase starts; `total` units of work (0 when unknown).
    fn phase(&self, name: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Counts for the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkStats {
    pub records: usize,
    /// Records with nothing to link on (kept as their own person).
    pub unusable: usize,
    pub rules: Vec<RuleReport>,
    /// Candidate pairs after the union of the rules.
    pub candidate_pairs: usize,
    pub links: usize,
    pub reviews: usize,
    /// Of the reviews, links made reviews by their ambiguity (a record linking about as well to
    /// two different people).
    pub ambiguous: usize,
    pub clusters: usize,
    pub largest_cluster: usize,
    pub refused_merges: u64,
}

/// Everything [`link`] found.
#[derive(Clone, Debug)]
pub struct Linkage {
    /// The cluster of each input record (numbered in order of first appearance).
    pub cluster_of: Vec<u32>,
    /// The pairs scored link or review (not the no-links), in candidate order.
    pub pairs: Vec<ScoredPair>,
    pub model: Model,
    pub stats: LinkStats,
}

impl Linkage {
    /// The offline person id of record `i`: `P` and the cluster's number (1-based, in order
    /// of the cluster's first record in the input), so the same input in the same order gives
    /// the same ids. (The unified 12-digit number is the store's, not this.)
    pub fn person_id(&self, i: usize) -> String {
        format!("P{}", self.cluster_of[i] + 1)
    }
}

const CHUNK: usize = 4096;

/// `f` over `items` on up to `threads` scoped threads, results in order.
pub(crate) fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    par_map_with(items, &mut vec![(); threads.max(1)], |_, x| f(x))
}

/// `f` over `items` on one scoped thread per state in `states` (each thread with its own
/// state, such as a cache), results in order.
pub(crate) fn par_map_with<T: Sync, R: Send, S: Send>(
    items: &[T],
    states: &mut [S],
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = states.len();
    if threads <= 1 || items.len() < 2 * CHUNK {
        return match states.first_mut() {
            Some(state) => items.iter().map(|x| f(state, x)).collect(),
            None => Vec::new(),
        };
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(size)
            .zip(states.iter_mut())
            .map(|(c, state)| s.spawn(move || c.iter().map(|x| f(state, x)).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                // A comparison never panics; if one did, the panic goes on in the caller.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

/// A given and family name carried by at most this many records is "rare together".
const RARE_NAME_RECORDS: u32 = 8;

/// For each pair: both records carry the same given and family name keys, and that name is
/// rare (at most [`RARE_NAME_RECORDS`] records).
fn rare_name_pairs(
    records: &[Record],
    usable: &[u32],
    pairs: &[(u32, u32)],
    threads: usize,
) -> Vec<bool> {
    // Each record's whole name (given|family) as a number, then how many records carry it.
    let mut ids: std::collections::HashMap<(&str, &str), u32> = std::collections::HashMap::new();
    let mut name_of: Vec<u32> = vec![u32::MAX; records.len()];
    let mut counts: Vec<u32> = Vec::new();
    for &i in usable {
        let r = &records[i as usize];
        if let (Some(g), Some(f)) = (&r.given, &r.family) {
            let next = ids.len() as u32;
            let id = *ids.entry((g.key.as_str(), f.key.as_str())).or_insert(next);
            if id == next {
                counts.push(0);
            }
            counts[id as usize] += 1;
            name_of[i as usize] = id;
        }
    }
    // Only the rare names keep their number.
    for id in name_of.iter_mut() {
        if *id != u32::MAX && counts[*id as usize] > RARE_NAME_RECORDS {
            *id = u32::MAX;
        }
    }
    par_map(pairs, threads, |&(a, b)| {
        let x = name_of[a as usize];
        x != u32::MAX && x == name_of[b as usize]
    })
}

/// Sets each link's ambiguity (module `ambiguity`) and turns the links it leaves below the
/// link threshold into reviews; returns the links as `(score - ambiguity, a, b)` for
/// clustering (the clearest first), and how many links became reviews.
fn disambiguate(
    scored: &mut [ScoredPair],
    config: &LinkConfig,
    same_person: impl Fn(u32, u32) -> bool,
) -> (Vec<(f64, u32, u32)>, usize) {
    let ambiguity = ambiguity::ambiguity(scored, same_person);
    let mut links = Vec::new();
    let mut ambiguous = 0;
    for (p, amb) in scored.iter_mut().zip(ambiguity) {
        p.ambiguity = amb;
        if p.outcome != Outcome::Link {
            continue;
        }
        if p.score - amb >= config.link_threshold {
            links.push((p.score - amb, p.a, p.b));
        } else {
            p.outcome = Outcome::Review;
            ambiguous += 1;
        }
    }
    (links, ambiguous)
}

/// Links the records: blocking, comparison, model estimation, scoring, clustering.
pub fn link(records: &[Record], config: &LinkConfig, progress: &dyn Progress) -> Linkage {
    link_labelled(records, &[], config, progress)
}

/// Index pairs `(a, b)`, `a < b`.
type Pairs = Vec<(u32, u32)>;

/// The decided pairs as (same, different) index pairs, `a < b`, out-of-range ones dropped.
fn split_labels(labels: &[Label], n: usize) -> (Pairs, Pairs) {
    let mut same = Vec::new();
    let mut different = Vec::new();
    for l in labels {
        if l.a == l.b || l.a as usize >= n || l.b as usize >= n {
            continue;
        }
        let pair = (l.a.min(l.b), l.a.max(l.b));
        if l.same {
            same.push(pair);
        } else {
            different.push(pair);
        }
    }
    (same, different)
}

/// Pairs fingerprints prove to be one person ([`Record::biometric`]), appended to a clerk's
/// `same` pairs (those not already there): each record with the fingerprint identity of an
/// earlier record pairs with the first such record. Prints that differ need no pair here:
/// their near-veto weight keeps the records apart, and the clustering guard keeps their
/// clusters apart.
fn add_biometric_pairs(records: &[Record], same: &mut Pairs) {
    let mut first: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let known: std::collections::HashSet<(u32, u32)> = same.iter().copied().collect();
    for (i, r) in records.iter().enumerate() {
        let Some(id) = r.biometric else { continue };
        let i = i as u32;
        match first.get(&id) {
            Some(&f) if !known.contains(&(f, i)) => same.push((f, i)),
            Some(_) => {}
            None => {
                first.insert(id, i);
            }
        }
    }
}

/// [`link`] with a clerk's decisions: they join the model's estimation as known matches and
/// non-matches ([`Model::estimate_labelled`]), and they decide their pairs whatever the
/// score: a pair said to be one person is a link (clustered first, without the guard), a
/// pair said to be two people is neither a link nor a review, and its records never end in
/// one cluster (module `cluster`).
pub fn link_labelled(
    records: &[Record],
    labels: &[Label],
    config: &LinkConfig,
    progress: &dyn Progress,
) -> Linkage {
    let usable: Vec<bool> = records.iter().map(Record::is_usable).collect();
    let usable_idx: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| usable[i as usize])
        .collect();
    let (mut same, different) = split_labels(labels, records.len());
    add_biometric_pairs(records, &mut same);

    progress.phase("blocking", 0);
    let (pairs, rules) = candidate_pairs(records, &usable, BlockCaps::of(config));

    progress.phase("comparing", pairs.len() as u64);
    let threads = config.threads();
    let comparer = Comparer::new(records);
    let mut caches: Vec<LevelCache> = (0..threads).map(|_| LevelCache::default()).collect();
    let mut levels: Vec<Levels> = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(CHUNK * 64) {
        levels.extend(par_map_with(chunk, &mut caches, |cache, &(a, b)| {
            comparer.compare(a, b, cache)
        }));
        progress.advance(chunk.len() as u64);
    }
    drop(caches);

    progress.phase("estimating", 0);
    let rare_name = rare_name_pairs(records, &usable_idx, &pairs, threads);
    let labelled: Vec<(Levels, bool)> = same
        .iter()
        .map(|p| (p, true))
        .chain(different.iter().map(|p| (p, false)))
        .map(|(&(a, b), s)| (compare(&records[a as usize], &records[b as usize]), s))
        .collect();
    let model =
        Model::estimate_labelled(records, &usable_idx, &levels, &rare_name, &labelled, config);

    progress.phase("scoring", pairs.len() as u64);
    let decided: std::collections::HashSet<(u32, u32)> =
        same.iter().chain(&different).copied().collect();
    let terms: Vec<RecordTerms> = par_map(records, threads, |r| model.terms(r));
    let mut scored = Vec::new();
    let mut k = 0;
    for chunk in pairs.chunks(CHUNK * 64) {
        let indexed: Vec<(&(u32, u32), usize)> = chunk.iter().zip(k..).collect();
        let scores = par_map(&indexed, threads, |&(&(a, b), i)| {
            model.score_terms(&terms[a as usize], &terms[b as usize], &levels[i])
        });
        for (&(a, b), score) in chunk.iter().zip(scores) {
            if !decided.is_empty() && decided.contains(&(a, b)) {
                continue;
            }
            let outcome = Outcome::of(score, config);
            if outcome != Outcome::NoLink {
                scored.push(ScoredPair {
                    a,
                    b,
                    score,
                    ambiguity: 0.0,
                    outcome,
                });
            }
        }
        k += chunk.len();
        progress.advance(chunk.len() as u64);
    }
    drop(levels);
    let same_set: std::collections::HashSet<(u32, u32)> = same.iter().copied().collect();
    let different_set: std::collections::HashSet<(u32, u32)> = different.iter().copied().collect();
    let (links, ambiguous) = disambiguate(&mut scored, config, |x, y| {
        let key = (x.min(y), x.max(y));
        if same_set.contains(&key) {
            true
        } else if different_set.contains(&key) {
            false
        } else {
            let (a, b) = (x as usize, y as usize);
            model.score_terms(&terms[a], &terms[b], &compare(&records[a], &records[b]))
                >= config.merge_pair_min
        }
    });
    for &(a, b) in &same {
        let score = model.score(&records[a as usize], &records[b as usize]);
        scored.push(ScoredPair {
            a,
            b,
            score,
            ambiguity: 0.0,
            outcome: Outcome::Link,
        });
    }

    progress.phase("clustering", 0);
    let clustering = cluster_constrained(
        records.len(),
        &links,
        |x, y| {
            let (a, b) = (x as usize, y as usize);
            model.score_terms(&terms[a], &terms[b], &compare(&records[a], &records[b]))
        },
        config.merge_mean_min,
        config.merge_pair_min,
        config.merge_check_members,
        &Constraints {
            known: &[],
            same: &same,
            different: &different,
        },
    );
    let stats = LinkStats {
        records: records.len(),
        unusable: records.len() - usable_idx.len(),
        rules,
        candidate_pairs: pairs.len(),
        links: links.len() + same.len(),
        reviews: scored.len() - links.len() - same.len(),
        ambiguous,
        clusters: clustering.clusters,
        largest_cluster: clustering.largest,
        refused_merges: clustering.refused_merges,
    };
    Linkage {
        cluster_of: clustering.cluster_of,
        pairs: scored,
        model,
        stats,
    }
}

/// What [`link_incremental`] found.
#[derive(Clone, Debug)]
pub struct IncrementalLinkage {
    /// The cluster of each input record. Records of one known person share a cluster; a new
    /// record's cluster holds at most one known person.
    pub cluster_of: Vec<u32>,
    /// The pairs scored link or review; each holds at least one new record.
    pub pairs: Vec<ScoredPair>,
    /// Links `(i, j)` not followed because they would join two known persons: a merge is
    /// a clerk's decision.
    pub conflicts: Vec<(u32, u32)>,
    pub stats: LinkStats,
}

/// Links new records against records already numbered, with a model estimated before.
///
/// `records[..first_new]` are numbered (`known[i]` names their person: only the records of
/// those persons that share a block with a new record, or belong to a person that does, need
/// to be given); `records[first_new..]` are new. Blocks as [`candidate_pairs`], keeping only
/// pairs with a new record and skipping the blocks in `oversized` (larger than the cap in the
/// whole store); scores with `model`; clusters as [`cluster_constrained`]: known persons start
/// as clusters and never merge, new records join at most one of them or form new clusters,
/// and `labels` decide their pairs as in [`link_labelled`].
#[allow(clippy::too_many_arguments)] // each argument is one input of the run
pub fn link_incremental(
    records: &[Record],
    known: &[Option<u32>],
    first_new: usize,
    model: &Model,
    labels: &[Label],
    oversized: &std::collections::HashSet<u64>,
    config: &LinkConfig,
    progress: &dyn Progress,
) -> IncrementalLinkage {
    let usable: Vec<bool> = records.iter().map(Record::is_usable).collect();
    let (mut same, different) = split_labels(labels, records.len());
    add_biometric_pairs(records, &mut same);

    progress.phase("blocking", 0);
    let (pairs, rules) = incremental_pairs(
        records,
        &usable,
        BlockCaps::of(config),
        oversized,
        first_new,
    );

    progress.phase("comparing", pairs.len() as u64);
    let decided: std::collections::HashSet<(u32, u32)> =
        same.iter().chain(&different).copied().collect();
    let threads = config.threads();
    let terms: Vec<RecordTerms> = par_map(records, threads, |r| model.terms(r));
    let comparer = Comparer::new(records);
    let mut caches: Vec<LevelCache> = (0..threads).map(|_| LevelCache::default()).collect();
    let mut scores: Vec<f64> = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(CHUNK * 64) {
        scores.extend(par_map_with(chunk, &mut caches, |cache, &(a, b)| {
            let levels = comparer.compare(a, b, cache);
            model.score_terms(&terms[a as usize], &terms[b as usize], &levels)
        }));
        progress.advance(chunk.len() as u64);
    }
    let mut scored = Vec::new();
    for (&(a, b), &score) in pairs.iter().zip(&scores) {
        if !decided.is_empty() && decided.contains(&(a, b)) {
            continue;
        }
        let outcome = Outcome::of(score, config);
        if outcome != Outcome::NoLink {
            scored.push(ScoredPair {
                a,
                b,
                score,
                ambiguity: 0.0,
                outcome,
            });
        }
    }
    let same_set: std::collections::HashSet<(u32, u32)> = same.iter().copied().collect();
    let different_set: std::collections::HashSet<(u32, u32)> = different.iter().copied().collect();
    let known_of = |x: u32| known.get(x as usize).copied().flatten();
    let (links, ambiguous) = disambiguate(&mut scored, config, |x, y| {
        let key = (x.min(y), x.max(y));
        if same_set.contains(&key) {
            return true;
        }
        if different_set.contains(&key) {
            return false;
        }
        match (known_of(x), known_of(y)) {
            // Two known persons are no rivals here: a new record linking to both joins the
            // best and the other link is a conflict, for review (module `cluster`).
            (Some(_), Some(_)) => true,
            _ => {
                let (a, b) = (x as usize, y as usize);
                model.score_terms(&terms[a], &terms[b], &compare(&records[a], &records[b]))
                    >= config.merge_pair_min
            }
        }
    });
    for &(a, b) in &same {
        scored.push(ScoredPair {
            a,
            b,
            score: model.score(&records[a as usize], &records[b as usize]),
            ambiguity: 0.0,
            outcome: Outcome::Link,
        });
    }

    progress.phase("clustering", 0);
    let clustering = cluster_constrained(
        records.len(),
        &links,
        |x, y| {
            let (a, b) = (x as usize, y as usize);
            model.score_terms(&terms[a], &terms[b], &compare(&records[a], &records[b]))
        },
        config.merge_mean_min,
        config.merge_pair_min,
        config.merge_check_members,
        &Constraints {
            known,
            same: &same,
            different: &different,
        },
    );
    let stats = LinkStats {
        records: records.len(),
        unusable: usable.iter().filter(|u| !**u).count(),
        rules,
        candidate_pairs: pairs.len(),
        links: links.len() + same.len(),
        reviews: scored.len() - links.len() - same.len(),
        ambiguous,
        clusters: clustering.clusters,
        largest_cluster: clustering.largest,
        refused_merges: clustering.refused_merges,
    };
    IncrementalLinkage {
        cluster_of: clustering.cluster_of,
        pairs: scored,
        conflicts: clustering.conflicts,
        stats,
    }
}

#[cfg(test)]
mod tests;
