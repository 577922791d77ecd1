//! The Fellegi–Sunter model, estimated without labels: u (how often two different people agree
//! at a level) from random pairs, m (how often one person's two records do) and λ (the share of
//! matches among candidate pairs) by expectation–maximisation over the candidate pairs. A
//! level's weight is log2(m/u) bits; an exact name match is adjusted by the name's frequency.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::compare::{compare, Comparison, Levels, NULL};
use crate::config::LinkConfig;
use crate::record::Record;
use crate::rng::SplitMix64;
use crate::LinkError;

/// The estimated model and everything needed to score a pair.
#[derive(Clone, Debug)]
pub struct Model {
    /// Share of matches among the candidate pairs.
    pub lambda: f64,
    /// `m[c][level]`: P(level | same person).
    pub m: Vec<Vec<f64>>,
    /// `u[c][level]`: P(level | different people).
    pub u: Vec<Vec<f64>>,
    /// `weights[c][level]` = log2(m/u), after the guards (see [`Model::estimate`]).
    pub weights: Vec<Vec<f64>>,
    /// How often each given, family, father's and mother's name key occurs among the usable
    /// records.
    tf: [Frequencies; 4],
    /// How often each whole name occurs: given|family and given|family|father keys (relative
    /// to the records holding a given|family key).
    whole_name: Frequencies,
    /// How often each whole name (given|family) carries each year of birth, and each full
    /// date of birth (`name|date` counted, `name` alone not), and how often each year and
    /// each full date occur among the records with a whole name: the name–date association
    /// ([`association`]).
    name_year: Frequencies,
    years: Frequencies,
    name_day: Frequencies,
    days: Frequencies,
    tf_max: f64,
    /// The comparisons whose full disagreement is capped (near a veto) when the document
    /// does not agree, and the cap.
    name_vetoes: Vec<(Comparison, f64)>,
    /// The cap of a given name "alike" (JW ≥ 0.8 only) when given names are reliable.
    given_alike_cap: Option<f64>,
    /// Two different given-name keys both at least this frequent are two names.
    distinct_min_frequency: f64,
}

/// Counts of name keys, so frequencies can follow the data as records are added
/// ([`Model::add_frequencies`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Frequencies {
    counts: HashMap<String, u64>,
    total: u64,
}

impl Frequencies {
    fn add(&mut self, key: &str, counted: bool) {
        match self.counts.get_mut(key) {
            Some(c) => *c += 1,
            None => {
                self.counts.insert(key.to_string(), 1);
            }
        }
        if counted {
            self.total += 1;
        }
    }

    /// How many times `key` was added.
    fn count(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// The relative frequency of `key`; `None` when never seen.
    fn get(&self, key: &str) -> Option<f64> {
        let c = *self.counts.get(key)?;
        (self.total > 0).then(|| c as f64 / self.total as f64)
    }
}

/// One comparison's part of a pair's score.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub comparison: Comparison,
    /// The level's name; `None` when either side is unknown (weight 0).
    pub level: Option<&'static str>,
    /// What the comparison adds to the score, term-frequency adjustment included.
    pub weight: f64,
    /// The term-frequency part of `weight` (0 unless an exact name match; on the given name
    /// it includes the whole-name correction).
    pub tf_adjustment: f64,
    /// An agreement not counted because a stronger one of its group counted (see
    /// [`CONTACT_GROUP`]).
    pub grouped: bool,
}

/// Fields a household shares: only the strongest agreement among them counts (they are not
/// independent evidence: siblings share phone, address, locality and postcode at once).
/// Disagreements all count.
pub const CONTACT_GROUP: [Comparison; 4] = [
    Comparison::Phone,
    Comparison::Address,
    Comparison::Locality,
    Comparison::Postcode,
];

/// Why a pair scored what it did: `score = prior + Σ terms.weight`.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// log2(λ/(1-λ)): the score of a pair nothing is known about.
    pub prior: f64,
    pub terms: Vec<Term>,
    pub score: f64,
}

const M_MIN: f64 = 1e-6;
const U_PSEUDO: f64 = 0.5;
const PRIOR_PAIRS: f64 = 2.0;

/// The m probabilities EM starts from (and is pulled towards by a weak prior): agreement is
/// likely for a person's own records, each further level half as likely as the one before.
pub fn initial_m() -> Vec<Vec<f64>> {
    Comparison::ALL
        .iter()
        .map(|c| {
            let n = c.levels().len();
            let mut v: Vec<f64> = (0..n)
                .map(|l| if l == 0 { 0.0 } else { 0.5f64.powi(l as i32) })
                .collect();
            let rest: f64 = v.iter().sum();
            for x in v.iter_mut().skip(1) {
                *x *= 0.15 / rest;
            }
            v[0] = 0.85;
            v
        })
        .collect()
}

/// u from random pairs of the usable records (`indices`), seeded; all pairs when there are
/// no more than `sample` of them. Each level gets a pseudo-count of one half. Compared on
/// `threads` scoped threads; the result does not depend on their number.
pub fn estimate_u(
    records: &[Record],
    indices: &[u32],
    sample: usize,
    seed: u64,
    threads: usize,
) -> Vec<Vec<f64>> {
    estimate_u_labelled(records, indices, sample, seed, threads, &[])
}

/// [`estimate_u`] with the levels of pairs a clerk said are two people (`different`) counted
/// as random pairs are: known non-matches.
pub fn estimate_u_labelled(
    records: &[Record],
    indices: &[u32],
    sample: usize,
    seed: u64,
    threads: usize,
    different: &[Levels],
) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = Comparison::ALL
        .iter()
        .map(|c| vec![U_PSEUDO; c.levels().len()])
        .collect();
    let n = indices.len();
    let all_pairs = n.saturating_mul(n.saturating_sub(1)) / 2;
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(all_pairs.min(sample));
    if all_pairs <= sample {
        for (x, &i) in indices.iter().enumerate() {
            for &j in &indices[x + 1..] {
                pairs.push((i, j));
            }
        }
    } else {
        let mut rng = SplitMix64::new(seed);
        while pairs.len() < sample {
            let (x, y) = (rng.below(n), rng.below(n));
            if x != y {
                pairs.push((indices[x], indices[y]));
            }
        }
    }
    let levels = crate::par_map(&pairs, threads, |&(i, j)| {
        compare(&records[i as usize], &records[j as usize])
    });
    for l in levels.iter().chain(different) {
        for (c, &x) in l.iter().enumerate() {
            if x != NULL {
                counts[c][usize::from(x)] += 1.0;
            }
        }
    }
    counts
        .into_iter()
        .map(|v| {
            let total: f64 = v.iter().sum();
            v.into_iter().map(|x| x / total).collect()
        })
        .collect()
}

/// EM over comparison patterns (`(levels, how many pairs)`), u fixed: returns (λ, m).
pub fn em(
    patterns: &[(Levels, u64)],
    u: &[Vec<f64>],
    init_m: &[Vec<f64>],
    iterations: usize,
) -> (f64, Vec<Vec<f64>>) {
    let (lambda, m, _) = em_counts(patterns, u, init_m, iterations);
    (lambda, m)
}

/// EM as [`em`], also returning the expected number of matching pairs at each level in the
/// last iteration (the sufficient statistics, for pooling sessions).
fn em_counts(
    patterns: &[(Levels, u64)],
    u: &[Vec<f64>],
    init_m: &[Vec<f64>],
    iterations: usize,
) -> (f64, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut m: Vec<Vec<f64>> = init_m.to_vec();
    let mut counts: Vec<Vec<f64>> = init_m.iter().map(|v| vec![0.0; v.len()]).collect();
    let mut lambda = 0.3;
    let total: f64 = patterns.iter().map(|(_, n)| *n as f64).sum();
    if total == 0.0 {
        return (lambda, m, counts);
    }
    for _ in 0..iterations {
        let mut acc: Vec<Vec<f64>> = init_m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut matches = 0.0;
        for (levels, n) in patterns {
            let mut log_odds = (lambda / (1.0 - lambda)).ln();
            for (c, &l) in levels.iter().enumerate() {
                if l != NULL {
                    let l = usize::from(l);
                    log_odds += m[c][l].ln() - u[c][l].ln();
                }
            }
            let p = 1.0 / (1.0 + (-log_odds).exp());
            let w = p * (*n as f64);
            matches += w;
            for (c, &l) in levels.iter().enumerate() {
                if l != NULL {
                    acc[c][usize::from(l)] += w;
                }
            }
        }
        lambda = (matches / total).clamp(1e-6, 1.0 - 1e-6);
        m = pooled(&[&acc], init_m);
        counts = acc;
    }
    (lambda, m, counts)
}

/// m from expected counts (summed over `counts`) with a weak prior of `PRIOR_PAIRS` pairs
/// distributed as `init_m`, clamped.
fn pooled(counts: &[&Vec<Vec<f64>>], init_m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    init_m
        .iter()
        .enumerate()
        .map(|(c, init)| {
            let row: Vec<f64> = init
                .iter()
                .enumerate()
                .map(|(l, p)| p * PRIOR_PAIRS + counts.iter().map(|k| k[c][l]).sum::<f64>())
                .collect();
            let sum: f64 = row.iter().sum();
            row.into_iter()
                .map(|x| (x / sum).clamp(M_MIN, 1.0 - M_MIN))
                .collect()
        })
        .collect()
}

/// A training session: the candidate pairs agreeing exactly on `on`, with those comparisons
/// left out of the EM (they were chosen to agree, so their m and u would be biased).
/// Probabilities per comparison and level (`p[comparison][level]`).
pub type Probabilities = Vec<Vec<f64>>;

/// A training session of [`estimate_m`]: the candidate pairs agreeing exactly on `on` (and,
/// with `rare_names`, whose given and family name are rare together), EM over the other
/// comparisons.
struct Session {
    on: &'static [Comparison],
    rare_names: bool,
}

/// Sessions: pairs agreeing exactly on a document number; on a rare whole name and a full date
/// of birth; on a rare whole name.
const SESSIONS: &[Session] = &[
    Session {
        on: &[Comparison::Document],
        rare_names: false,
    },
    Session {
        on: &[Comparison::BirthDate, Comparison::Given, Comparison::Family],
        rare_names: true,
    },
    Session {
        on: &[Comparison::Given, Comparison::Family],
        rare_names: true,
    },
];

/// Bounds of λ, the share of matches among the candidate pairs. At most 0.9 (a prior of 3.2
/// bits), so the prior alone is never a link: on FEBRL3, where nine candidate pairs in ten
/// are duplicates, λ is 0.87; on the mixed registers it is a few per cent.
const LAMBDA_MIN: f64 = 1e-4;
const LAMBDA_MAX: f64 = 0.9;

/// λ's estimate is drawn towards `LAMBDA_PRIOR` as if `LAMBDA_PRIOR_PAIRS` more candidate pairs
/// had been seen, one in ten a match: nothing on a register of thousands of pairs, but a
/// register of a few records without one duplicate among them does not conclude that
/// records never match (and that a new source's records of its people must not link).
const LAMBDA_PRIOR: f64 = 0.1;
const LAMBDA_PRIOR_PAIRS: f64 = 20.0;

/// Fewest pairs a session needs for its estimates to be used.
const SESSION_MIN_PAIRS: u64 = 20;

/// m by EM in sessions (as Splink trains): each session takes the candidate pairs that agree
/// exactly on some comparisons and runs EM over the others; a comparison's m pools the
/// expected match counts of every session that did not select on it (so a level seen only in
/// one kind of pair, a year-only date against a full one, is estimated where it occurs).
/// EM over all candidate pairs with every comparison at once tends to call everything a match
/// (the pairs that blocking brought together agree on a lot); within a session, the
/// comparisons that blocking did not choose separate the classes. Then λ is estimated over all
/// candidate pairs with m and u fixed, and bounded to [`LAMBDA_MIN`, `LAMBDA_MAX`]. Also
/// returns the m of the document session alone (pairs sharing a document number are almost
/// all one person: the cleanest view of how often one person's records disagree), when it had
/// enough pairs.
///
/// The sessions on names and on dates take only `rare_name_patterns`: pairs whose given and
/// family name are rare together (the pipeline passes pairs whose name occurs on few
/// records), since among the pairs sharing a frequent name (محمد بن علي) most are namesakes.
/// EM over them would learn that one person's records often disagree on the date of birth;
/// and pairs sharing a full date of birth came, in a large register, mostly from the block on
/// given name and date, where namesakes sharing a birthday outnumber one person's records:
/// EM took them for one person and learnt that passports and places of birth often differ
/// (the date session now selects on the rare whole name too, and leaves it out of its EM).
pub fn estimate_m(
    patterns: &[(Levels, u64)],
    rare_name_patterns: &[(Levels, u64)],
    u: &[Vec<f64>],
    iterations: usize,
) -> (f64, Probabilities, Option<Probabilities>) {
    estimate_m_labelled(patterns, rare_name_patterns, u, iterations, &[])
}

/// [`estimate_m`] with the levels of pairs a clerk said are one person (`same`) added to the
/// pooled match counts as certain matches (each counts as one pair whose match probability
/// is 1, where EM's pairs count by their estimated probability).
pub fn estimate_m_labelled(
    patterns: &[(Levels, u64)],
    rare_name_patterns: &[(Levels, u64)],
    u: &[Vec<f64>],
    iterations: usize,
    same: &[Levels],
) -> (f64, Probabilities, Option<Probabilities>) {
    let init = initial_m();
    let mut sums: Vec<Vec<f64>> = init.iter().map(|v| vec![0.0; v.len()]).collect();
    for l in same {
        for (c, &x) in l.iter().enumerate() {
            if x != NULL {
                sums[c][usize::from(x)] += 1.0;
            }
        }
    }
    let mut by_document = None;
    for session in SESSIONS {
        let on = session.on;
        let idx: Vec<usize> = on.iter().map(|c| *c as usize).collect();
        let source = if session.rare_names {
            rare_name_patterns
        } else {
            patterns
        };
        let selected: Vec<(Levels, u64)> = source
            .iter()
            .filter(|(l, _)| idx.iter().all(|&c| l[c] == 0))
            .map(|(l, k)| {
                let mut l = *l;
                for &c in &idx {
                    l[c] = NULL;
                }
                (l, *k)
            })
            .collect();
        let total: u64 = selected.iter().map(|(_, k)| k).sum();
        if total < SESSION_MIN_PAIRS {
            continue;
        }
        let (_, session_m, counts) = em_counts(&selected, u, &init, iterations);
        if on == [Comparison::Document] {
            by_document = Some(session_m);
        }
        for (c, row) in counts.iter().enumerate() {
            if idx.contains(&c) {
                continue;
            }
            for (s, x) in sums[c].iter_mut().zip(row) {
                *s += x;
            }
        }
    }
    let m = pooled(&[&sums], &init);
    // λ with m and u fixed, with a weak prior (see `LAMBDA_PRIOR`).
    let total: f64 = patterns.iter().map(|(_, k)| *k as f64).sum();
    let mut lambda: f64 = LAMBDA_PRIOR;
    if total > 0.0 {
        for _ in 0..iterations.max(1) * 2 {
            let mut matches = 0.0;
            for (levels, k) in patterns {
                let mut log_odds = (lambda / (1.0 - lambda)).ln();
                for (c, &l) in levels.iter().enumerate() {
                    if l != NULL {
                        let l = usize::from(l);
                        log_odds += m[c][l].ln() - u[c][l].ln();
                    }
                }
                matches += *k as f64 / (1.0 + (-log_odds).exp());
            }
            lambda = ((matches + LAMBDA_PRIOR * LAMBDA_PRIOR_PAIRS) / (total + LAMBDA_PRIOR_PAIRS))
                .clamp(LAMBDA_MIN, LAMBDA_MAX);
        }
    }
    (lambda, m, by_document)
}

const COMPARISON_COUNT: usize = crate::compare::COMPARISONS;

/// Counts the distinct comparison patterns.
pub fn patterns(levels: &[Levels]) -> Vec<(Levels, u64)> {
    // A pattern packs into one integer (four bits a comparison; NULL is 15), hashed cheaply:
    // there are tens of millions of pairs and a few thousand patterns.
    const _: () = assert!(COMPARISON_COUNT * 4 <= 64);
    let pack = |l: &Levels| {
        l.iter().fold(0u64, |acc, &x| {
            (acc << 4) | u64::from(if x == NULL { 15 } else { x })
        })
    };
    let unpack = |mut p: u64| {
        let mut l = [NULL; COMPARISON_COUNT];
        for x in l.iter_mut().rev() {
            let v = (p & 15) as u8;
            *x = if v == 15 { NULL } else { v };
            p >>= 4;
        }
        l
    };
    let mut map: HashMap<u64, u64, std::hash::BuildHasherDefault<PatternHasher>> =
        HashMap::default();
    for l in levels {
        *map.entry(pack(l)).or_default() += 1;
    }
    let mut v: Vec<(Levels, u64)> = map.into_iter().map(|(p, n)| (unpack(p), n)).collect();
    v.sort_unstable();
    v
}

/// A multiplicative hasher for packed patterns (the keys are not chosen by anyone).
#[derive(Default)]
struct PatternHasher(u64);

impl std::hash::Hasher for PatternHasher {
    fn finish(&self) -> u64 {
        // The product's high bits depend on all of the key; the table indexes by the low ones.
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Model {
    /// Estimates the model: u from random pairs of the usable records, m and λ by EM over
    /// the candidate pairs' levels (`rare_name[k]`: pair k's given and family name are rare
    /// together, see [`estimate_m`]). Guards after EM: agreement never counts against a match
    /// nor full disagreement for one; a name level never weighs more than the level above it;
    /// a given-name disagreement weighs at most `config.given_mismatch_same_document_weight`;
    /// and a given-, family- or father's-name disagreement weighs at most
    /// `config.{given,family,father}_mismatch_max_weight` (near a veto) when the document does
    /// not agree and that name is reliable in these data (m of the disagreement below
    /// `config.names_reliable_below`): siblings and twins agree on everything else, and
    /// namesakes born the same day in the same town are not one person. (FEBRL replaces given
    /// names in 12% of its duplicates; there the near-veto would cost recall and is not
    /// applied.)
    pub fn estimate(
        records: &[Record],
        usable: &[u32],
        candidate_levels: &[Levels],
        rare_name: &[bool],
        config: &LinkConfig,
    ) -> Model {
        Model::estimate_labelled(records, usable, candidate_levels, rare_name, &[], config)
    }

    /// [`Model::estimate`] with labelled pairs (`(levels, same person)`, a clerk's decisions):
    /// known matches join the m estimate ([`estimate_m_labelled`]), known non-matches the u
    /// estimate ([`estimate_u_labelled`]).
    pub fn estimate_labelled(
        records: &[Record],
        usable: &[u32],
        candidate_levels: &[Levels],
        rare_name: &[bool],
        labelled: &[(Levels, bool)],
        config: &LinkConfig,
    ) -> Model {
        let same: Vec<Levels> = labelled.iter().filter(|l| l.1).map(|l| l.0).collect();
        let different: Vec<Levels> = labelled.iter().filter(|l| !l.1).map(|l| l.0).collect();
        let u = estimate_u_labelled(
            records,
            usable,
            config.u_sample_pairs,
            config.seed,
            config.threads(),
            &different,
        );
        let rare: Vec<Levels> = candidate_levels
            .iter()
            .zip(rare_name)
            .filter(|(_, r)| **r)
            .map(|(l, _)| *l)
            .collect();
        let (lambda, m, by_document) = estimate_m_labelled(
            &patterns(candidate_levels),
            &patterns(&rare),
            &u,
            config.em_iterations,
            &same,
        );
        let mut weights: Vec<Vec<f64>> = m
            .iter()
            .zip(&u)
            .map(|(mc, uc)| mc.iter().zip(uc).map(|(m, u)| (m / u).log2()).collect())
            .collect();
        for (c, w) in Comparison::ALL.iter().zip(weights.iter_mut()) {
            if matches!(
                c,
                Comparison::Given | Comparison::Family | Comparison::Father | Comparison::Mother
            ) {
                for l in 1..w.len() {
                    w[l] = w[l].min(w[l - 1]);
                }
            }
            // Agreement never counts against a match, full disagreement never for one, and no
            // partial agreement counts more than full agreement (rare levels are poorly
            // estimated). Not for the source, where "agreement" (the same source) is evidence
            // against.
            if *c != Comparison::Source {
                if let Some(first) = w.first_mut() {
                    *first = first.max(0.0);
                }
                for l in 1..w.len() {
                    w[l] = w[l].min(w[0]);
                }
                if let Some(last) = w.last_mut() {
                    *last = last.min(0.0);
                }
            }
            if *c == Comparison::BirthDate {
                let k = usize::from(crate::compare::FULL_DATE_CONFLICT);
                let mc = &by_document.as_ref().unwrap_or(&m)[Comparison::BirthDate as usize];
                let conflicts = mc[k] + mc.last().copied().unwrap_or(0.0);
                let cap = if conflicts < config.dates_reliable_below {
                    config.date_conflict_reliable_max_weight
                } else {
                    config.date_conflict_max_weight
                };
                w[k] = w[k].min(cap);
                if let Some(last) = w.last_mut() {
                    *last = last.min(cap);
                }
            }
            if *c == Comparison::Given {
                if let Some(last) = w.last_mut() {
                    *last = last.min(config.given_mismatch_same_document_weight);
                }
            }
        }
        // Fingerprints: set from the matcher's calibration, not from the data.
        let f = Comparison::Fingerprint as usize;
        let (w_match, w_differ) = (
            config.fingerprint_match_weight,
            config.fingerprint_mismatch_weight,
        );
        weights[f] = vec![w_match, w_differ];
        // The probabilities those weights stand for, with FMR = 2^-w_match (so m·u stay
        // consistent with the weights in the stored model and its explanations).
        let fmr = 2f64.powf(-w_match).min(0.5);
        let fnmr = (2f64.powf(w_differ) * (1.0 - fmr)).clamp(f64::MIN_POSITIVE, 0.5);
        let mut m = m;
        let mut u = u;
        m[f] = vec![1.0 - fnmr, fnmr];
        u[f] = vec![fmr, 1.0 - fmr];
        // Name disagreements the data show to be rare among one person's records.
        let clean = by_document.as_ref().unwrap_or(&m);
        let reliable = |c: Comparison| {
            clean[c as usize].last().copied().unwrap_or(1.0) < config.names_reliable_below
        };
        let caps = [
            (Comparison::Given, config.given_mismatch_max_weight),
            (Comparison::Family, config.family_mismatch_max_weight),
            (Comparison::Father, config.father_mismatch_max_weight),
        ];
        let name_vetoes: Vec<(Comparison, f64)> =
            caps.into_iter().filter(|(c, _)| reliable(*c)).collect();
        let given_alike_cap = reliable(Comparison::Given).then_some(config.given_alike_max_weight);
        let mut model = Model {
            whole_name: Frequencies::default(),
            name_year: Frequencies::default(),
            years: Frequencies::default(),
            name_day: Frequencies::default(),
            days: Frequencies::default(),
            lambda,
            m,
            u,
            weights,
            tf: Default::default(),
            tf_max: config.tf_adjustment_max,
            name_vetoes,
            given_alike_cap,
            distinct_min_frequency: config.distinct_names_min_frequency,
        };
        model.add_frequencies(usable.iter().map(|&i| &records[i as usize]));
        model
    }

    /// Counts the names of `records` into the term-frequency tables (the records the model was
    /// estimated on are counted by [`Model::estimate`]): an incremental run adds the new
    /// records, so a name that grows frequent counts less as data arrive. Unusable records
    /// are not counted.
    pub fn add_frequencies<'r>(&mut self, records: impl IntoIterator<Item = &'r Record>) {
        // One buffer for the composed keys (a million records make several million keys).
        let mut key = String::new();
        for r in records {
            if !r.is_usable() {
                continue;
            }
            for (t, name) in [&r.given, &r.family, &r.father, &r.mother]
                .into_iter()
                .enumerate()
            {
                if let Some(n) = name {
                    self.tf[t].add(&n.key, true);
                }
            }
            if let Some(k) = whole_key(r, false) {
                if let Some(year) = year_key(r) {
                    key.clear();
                    let _ = write!(key, "{k}|{year}");
                    self.name_year.add(&key, true);
                    self.name_year.add(&k, false);
                    self.years.add(&year, true);
                }
                if let Some(day) = day_key(r) {
                    key.clear();
                    let _ = write!(key, "{k}|{day}");
                    self.name_day.add(&key, true);
                    self.name_day.add(&k, false);
                    self.days.add(&day, true);
                }
                self.whole_name.add(&k, true);
                if let Some(k) = whole_key(r, true) {
                    self.whole_name.add(&k, false);
                }
            }
        }
    }

    /// log2(λ/(1-λ)).
    pub fn prior(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// The term-frequency adjustment of an exact match on `key` for a name comparison:
    /// log2(u_exact / frequency(key)), bounded. Positive for a name rarer than average
    /// (the average frequency of agreement is u_exact), negative for a frequent one.
    pub fn tf_adjustment(&self, comparison: Comparison, key: &str) -> f64 {
        let (table, c) = match comparison {
            Comparison::Given => (&self.tf[0], Comparison::Given as usize),
            Comparison::Family => (&self.tf[1], Comparison::Family as usize),
            Comparison::Father => (&self.tf[2], Comparison::Father as usize),
            Comparison::Mother => (&self.tf[3], Comparison::Mother as usize),
            _ => return 0.0,
        };
        let Some(freq) = table.get(key) else {
            return 0.0;
        };
        let u_exact = self.u[c][0];
        (u_exact / freq).log2().clamp(-self.tf_max, self.tf_max)
    }

    /// What scoring needs of one record, looked up in the frequency tables once: a run scores
    /// each record against many others ([`Model::score_terms`]).
    pub fn terms(&self, r: &Record) -> RecordTerms {
        let tf_of = |c: Comparison, n: &Option<crate::record::Name>| {
            n.as_ref().map_or(0.0, |n| self.tf_adjustment(c, &n.key))
        };
        let whole = whole_key(r, false);
        let association =
            |table: &Frequencies, dates: &Frequencies, date: Option<String>| match (&whole, date) {
                (Some(name), Some(date)) => association(table, dates, name, &date),
                _ => 0.0,
            };
        RecordTerms {
            tf: [
                tf_of(Comparison::Given, &r.given),
                tf_of(Comparison::Family, &r.family),
                tf_of(Comparison::Father, &r.father),
                tf_of(Comparison::Mother, &r.mother),
            ],
            whole: whole.as_deref().and_then(|k| self.whole_name.get(k)),
            whole_father: whole_key(r, true).and_then(|k| self.whole_name.get(&k)),
            frequent_given: r.given.as_ref().is_some_and(|g| {
                !g.key.contains(' ')
                    && self.tf[0].get(&g.key).unwrap_or(0.0) >= self.distinct_min_frequency
            }),
            with_year: association(&self.name_year, &self.years, year_key(r)),
            with_day: association(&self.name_day, &self.days, day_key(r)),
        }
    }

    fn term(&self, c: Comparison, level: u8, a: &RecordTerms) -> (f64, f64) {
        if level == NULL {
            return (0.0, 0.0);
        }
        let idx = c as usize;
        let w = self.weights[idx][usize::from(level)];
        let tf = if level == 0 && c.has_tf() {
            match c {
                Comparison::Given => a.tf[0],
                Comparison::Family => a.tf[1],
                Comparison::Father => a.tf[2],
                _ => a.tf[3],
            }
        } else {
            0.0
        };
        (w + tf, tf)
    }

    /// Each comparison's (weight, term-frequency part, grouped) for a pair.
    fn contributions(
        &self,
        a: &RecordTerms,
        levels: &Levels,
    ) -> [(f64, f64, bool); COMPARISON_COUNT] {
        let mut out = [(0.0, 0.0, false); COMPARISON_COUNT];
        for (k, (c, &l)) in Comparison::ALL.iter().zip(levels.iter()).enumerate() {
            let (w, tf) = self.term(*c, l, a);
            out[k] = (w, tf, false);
        }
        // The whole name: given, family (and father's) name agreeing exactly are not
        // independent evidence (Mohamed Ben Ali son of Ali is one frequent name, not three):
        // their weights together are at most log2(Π m / frequency of the whole name). The
        // correction is carried by the given-name term.
        let (g, f, fa) = (
            Comparison::Given as usize,
            Comparison::Family as usize,
            Comparison::Father as usize,
        );
        let whole_agrees = levels[g] == 0 && levels[f] == 0;
        if whole_agrees {
            let with_father = levels[fa] == 0;
            let freq = if with_father { a.whole_father } else { a.whole };
            if let Some(freq) = freq {
                let mut m = self.m[g][0] * self.m[f][0];
                let mut sum = out[g].0 + out[f].0;
                if with_father {
                    m *= self.m[fa][0];
                    sum += out[fa].0;
                }
                let cap = (m / freq).log2();
                if cap < sum {
                    out[g].0 -= sum - cap;
                    out[g].1 -= sum - cap;
                }
            }
            // The whole name and the date of birth are not independent either: when the
            // name is concentrated in some years (the محمد بن علي born 1986–1989 of one
            // register, a name in fashion in one decade), agreeing on such a year or day
            // says less. The date's weight loses the association (see [`association`]),
            // carried as its term-frequency part.
            let d = Comparison::BirthDate as usize;
            let assoc = match levels[d] {
                0 => a.with_day,
                2 | 5 | 6 => a.with_year,
                _ => 0.0,
            };
            if assoc > 0.0 {
                out[d].0 -= assoc;
                out[d].1 -= assoc;
            }
        }
        // A name disagreement is close to a veto unless the document agrees.
        let doc = levels[Comparison::Document as usize];
        if doc != 0 && doc != 1 {
            for &(c, cap) in &self.name_vetoes {
                let k = c as usize;
                if usize::from(levels[k]) == c.levels().len() - 1 {
                    out[k].0 = out[k].0.min(cap);
                }
            }
            if let (Some(cap), 2) = (self.given_alike_cap, levels[g]) {
                out[g].0 = out[g].0.min(cap);
            }
        }
        let best = CONTACT_GROUP
            .iter()
            .map(|c| *c as usize)
            .filter(|&k| out[k].0 > 0.0)
            .max_by(|&x, &y| out[x].0.total_cmp(&out[y].0).then(y.cmp(&x)));
        if let Some(best) = best {
            for c in CONTACT_GROUP {
                let k = c as usize;
                if k != best && out[k].0 > 0.0 {
                    out[k] = (0.0, 0.0, true);
                }
            }
        }
        out
    }

    /// The levels as the model reads them: two different one-word given names that are both
    /// frequent (each on at least `distinct_names_min_frequency` of the records: Mohamed and
    /// Mahmoud, whose keys are one letter apart) are two names, "different", however alike
    /// their keys.
    pub fn read_levels(&self, a: &Record, b: &Record, levels: &Levels) -> Levels {
        read_levels_terms(&self.terms(a), &self.terms(b), levels)
    }

    /// The score of a pair whose levels (by [`compare`]) are known.
    pub fn score_levels(&self, a: &Record, b: &Record, levels: &Levels) -> f64 {
        self.score_terms(&self.terms(a), &self.terms(b), levels)
    }

    /// [`Model::score_levels`] with each record's [`RecordTerms`] looked up before.
    pub fn score_terms(&self, a: &RecordTerms, b: &RecordTerms, levels: &Levels) -> f64 {
        let levels = read_levels_terms(a, b, levels);
        self.prior()
            + self
                .contributions(a, &levels)
                .iter()
                .map(|(w, _, _)| w)
                .sum::<f64>()
    }

    /// The score of two records.
    pub fn score(&self, a: &Record, b: &Record) -> f64 {
        self.score_levels(a, b, &compare(a, b))
    }

    /// The score of two records with each comparison's contribution.
    pub fn explain(&self, a: &Record, b: &Record) -> Explanation {
        let ta = self.terms(a);
        let levels = read_levels_terms(&ta, &self.terms(b), &compare(a, b));
        let prior = self.prior();
        let parts = self.contributions(&ta, &levels);
        let mut score = prior;
        let terms = Comparison::ALL
            .iter()
            .zip(levels.iter())
            .zip(parts.iter())
            .map(|((&c, &l), &(weight, tf_adjustment, grouped))| {
                score += weight;
                Term {
                    comparison: c,
                    level: (l != NULL).then(|| c.levels()[usize::from(l)]),
                    weight,
                    tf_adjustment,
                    grouped,
                }
            })
            .collect();
        Explanation {
            prior,
            terms,
            score,
        }
    }
}

/// The stored form of a model ([`Model::to_json`]): every estimated parameter and the
/// configuration it was estimated with.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    format: u32,
    config: LinkConfig,
    lambda: f64,
    m: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    weights: Vec<Vec<f64>>,
    tf: [Frequencies; 4],
    whole_name: Frequencies,
    name_year: Frequencies,
    years: Frequencies,
    name_day: Frequencies,
    days: Frequencies,
    tf_max: f64,
    /// (position in [`Comparison::ALL`], cap).
    name_vetoes: Vec<(usize, f64)>,
    given_alike_cap: Option<f64>,
    distinct_min_frequency: f64,
}

/// The stored model's format. 2: the name–date tables, and block keys with the sex and the
/// document's one-edit variants (an index built with format 1's keys needs a full run).
/// 3: the fingerprint comparison.
const SAVED_FORMAT: u32 = 3;

impl Model {
    /// The model as JSON, with the configuration it was estimated with, to be stored and
    /// scored with later ([`Model::from_json`]) without estimating again.
    pub fn to_json(&self, config: &LinkConfig) -> Result<String, LinkError> {
        let saved = Saved {
            format: SAVED_FORMAT,
            config: config.clone(),
            lambda: self.lambda,
            m: self.m.clone(),
            u: self.u.clone(),
            weights: self.weights.clone(),
            tf: self.tf.clone(),
            whole_name: self.whole_name.clone(),
            name_year: self.name_year.clone(),
            years: self.years.clone(),
            name_day: self.name_day.clone(),
            days: self.days.clone(),
            tf_max: self.tf_max,
            name_vetoes: self
                .name_vetoes
                .iter()
                .map(|(c, w)| (*c as usize, *w))
                .collect(),
            given_alike_cap: self.given_alike_cap,
            distinct_min_frequency: self.distinct_min_frequency,
        };
        serde_json::to_string(&saved).map_err(|e| LinkError::Model(e.to_string()))
    }

    /// A model stored by [`Model::to_json`] and the configuration it was estimated with.
    /// Refuses another format, or probabilities and weights that do not fit the comparisons.
    pub fn from_json(text: &str) -> Result<(Model, LinkConfig), LinkError> {
        let saved: Saved =
            serde_json::from_str(text).map_err(|e| LinkError::Model(e.to_string()))?;
        if saved.format != SAVED_FORMAT {
            return Err(LinkError::Model(format!(
                "stored model format {} is not {SAVED_FORMAT}: a full run estimates the model \
                 and indexes the block keys again",
                saved.format
            )));
        }
        let fits = |p: &[Vec<f64>]| {
            p.len() == Comparison::ALL.len()
                && p.iter()
                    .zip(Comparison::ALL)
                    .all(|(v, c)| v.len() == c.levels().len() && v.iter().all(|x| x.is_finite()))
        };
        if !(fits(&saved.m) && fits(&saved.u) && fits(&saved.weights) && saved.lambda.is_finite()) {
            return Err(LinkError::Model(
                "stored probabilities do not fit the comparisons".into(),
            ));
        }
        let name_vetoes = saved
            .name_vetoes
            .iter()
            .map(|&(c, w)| {
                Comparison::ALL
                    .get(c)
                    .map(|c| (*c, w))
                    .ok_or_else(|| LinkError::Model(format!("no comparison {c}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        saved.config.check()?;
        Ok((
            Model {
                lambda: saved.lambda,
                m: saved.m,
                u: saved.u,
                weights: saved.weights,
                tf: saved.tf,
                whole_name: saved.whole_name,
                name_year: saved.name_year,
                years: saved.years,
                name_day: saved.name_day,
                days: saved.days,
                tf_max: saved.tf_max,
                name_vetoes,
                given_alike_cap: saved.given_alike_cap,
                distinct_min_frequency: saved.distinct_min_frequency,
            },
            saved.config,
        ))
    }
}

/// What [`Model::score_terms`] needs of one record ([`Model::terms`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RecordTerms {
    /// Term-frequency adjustment of an exact match on the given, family, father's and
    /// mother's name.
    tf: [f64; 4],
    /// Relative frequency of the whole name given|family, and of given|family|father.
    whole: Option<f64>,
    whole_father: Option<f64>,
    /// A one-word given name on at least `distinct_names_min_frequency` of the records.
    frequent_given: bool,
    /// Association (bits) of the whole name with the record's year of birth and with its full
    /// date of birth ([`association`]).
    with_year: f64,
    with_day: f64,
}

/// [`Model::read_levels`] on looked-up terms.
fn read_levels_terms(a: &RecordTerms, b: &RecordTerms, levels: &Levels) -> Levels {
    let mut l = *levels;
    let g = Comparison::Given as usize;
    if (l[g] == 1 || l[g] == 2) && a.frequent_given && b.frequent_given {
        l[g] = 3;
    }
    l
}

/// Weight (in records) of the prior of the name–date association: a name seen on few records
/// is taken to spread over the dates as all names do, until many records say otherwise (a
/// person's own records, all born the same day, must not make their name look concentrated).
const ASSOCIATION_PRIOR_RECORDS: f64 = 100.0;

/// How much more often than chance the whole name `name` carries the date `date` (a year or a
/// full date): log2(P(date | name) / P(date)) in bits, never negative, where P(date | name)
/// leaves out the two records of the pair being scored (both carry the name and the date) and
/// is shrunk towards P(date) by [`ASSOCIATION_PRIOR_RECORDS`]. It is what the date's weight
/// loses when the whole names agree: a date shared by many namesakes tells them apart less.
fn association(table: &Frequencies, dates: &Frequencies, name: &str, date: &str) -> f64 {
    let Some(p_date) = dates.get(date) else {
        return 0.0;
    };
    let with_date = table.count(&format!("{name}|{date}")).saturating_sub(2) as f64;
    let with_name = table.count(name).saturating_sub(2) as f64;
    let k = ASSOCIATION_PRIOR_RECORDS;
    let p = (with_date + k * p_date) / (with_name + k);
    (p / p_date).log2().max(0.0)
}

/// The year of birth as a frequency key.
fn year_key(r: &Record) -> Option<String> {
    r.birth.year.map(|y| y.to_string())
}

/// The full date of birth as a frequency key.
fn day_key(r: &Record) -> Option<String> {
    match (r.birth.year, r.birth.month, r.birth.day) {
        (Some(y), Some(m), Some(d)) => Some(format!("{y}-{m:02}-{d:02}")),
        _ => None,
    }
}

/// The key of a whole name: given|family, or given|family|father.
fn whole_key(r: &Record, with_father: bool) -> Option<String> {
    let (g, f) = (r.given.as_ref()?, r.family.as_ref()?);
    if with_father {
        Some(format!("{}|{}|{}", g.key, f.key, r.father.as_ref()?.key))
    } else {
        Some(format!("{}|{}", g.key, f.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::COMPARISONS;

    /// Synthetic pairs with known λ, m and u: EM recovers m and λ.
    #[test]
    fn em_recovers_known_parameters() {
        let true_lambda = 0.3;
        // Three comparisons with 2, 3 and 4 levels (the rest unknown).
        let true_m = [
            vec![0.9, 0.1],
            vec![0.8, 0.15, 0.05],
            vec![0.7, 0.2, 0.05, 0.05],
        ];
        let true_u = [
            vec![0.1, 0.9],
            vec![0.05, 0.15, 0.8],
            vec![0.02, 0.08, 0.2, 0.7],
        ];
        let used = [0usize, 4, 1];
        let levels_count = [2usize, 7, 4];
        let mut rng = SplitMix64::new(42);
        let draw = |rng: &mut SplitMix64, p: &[f64]| -> u8 {
            let x = rng.unit();
            let mut acc = 0.0;
            for (i, q) in p.iter().enumerate() {
                acc += q;
                if x < acc {
                    return i as u8;
                }
            }
            (p.len() - 1) as u8
        };
        let mut pairs = Vec::new();
        for _ in 0..50_000 {
            let is_match = rng.unit() < true_lambda;
            let mut l = [NULL; COMPARISONS];
            for (k, &c) in used.iter().enumerate() {
                let p = if is_match { &true_m[k] } else { &true_u[k] };
                l[c] = draw(&mut rng, p);
            }
            pairs.push(l);
        }
        // u as random pairs would give it (padded to each comparison's level count).
        let mut u: Vec<Vec<f64>> = Comparison::ALL
            .iter()
            .map(|c| vec![1.0 / c.levels().len() as f64; c.levels().len()])
            .collect();
        let mut init = initial_m();
        for (k, &c) in used.iter().enumerate() {
            assert!(levels_count[k] <= u[c].len());
            let n = u[c].len();
            u[c] = (0..n)
                .map(|l| true_u[k].get(l).copied().unwrap_or(M_MIN))
                .collect();
            init[c] = (0..n)
                .map(|l| if l == 0 { 0.6 } else { 0.4 / (n - 1) as f64 })
                .collect();
        }
        let (lambda, m) = em(&patterns(&pairs), &u, &init, 50);
        assert!((lambda - true_lambda).abs() < 0.02, "λ = {lambda}");
        for (k, &c) in used.iter().enumerate() {
            for (l, want) in true_m[k].iter().enumerate() {
                assert!(
                    (m[c][l] - want).abs() < 0.03,
                    "m[{c}][{l}] = {} want {want}",
                    m[c][l]
                );
            }
        }
    }

    /// Regression (issue 3, 1M records): pairs that agree on a full date of birth were a
    /// training session of their own; in a large register most of them are namesakes (the
    /// same frequent name born the same day, brought together by the given-name-and-date
    /// block), and EM took them for one person's records, learning that one person's records
    /// often carry two passport numbers and two places of birth. The date session now takes
    /// only pairs whose whole name is rare, so namesakes with a frequent name do not teach it.
    #[test]
    fn namesakes_sharing_a_birth_date_do_not_teach_em_that_documents_differ() {
        let n = NULL;
        // Given, family, father, mother, date, sex, document, nationality, place, locality,
        // postcode, address, phone, source.
        let namesakes: Levels = [0, 0, 0, n, 0, 0, 2, 0, 2, n, n, n, n, 1, n];
        let same_person: Levels = [0, 0, 0, n, 0, 0, 0, 0, 0, n, n, n, n, 1, n];
        let census_pair: Levels = [0, 0, 0, n, 5, 0, n, 0, 0, n, n, n, n, 1, n];
        let strangers: Levels = [0, 3, 3, n, 9, 1, 2, 1, 2, n, n, n, n, 1, n];
        let all = patterns(
            &std::iter::repeat_n(namesakes, 50_000)
                .chain(std::iter::repeat_n(same_person, 5_000))
                .chain(std::iter::repeat_n(census_pair, 3_000))
                .chain(std::iter::repeat_n(strangers, 100_000))
                .collect::<Vec<_>>(),
        );
        let rare = patterns(
            &std::iter::repeat_n(same_person, 4_000)
                .chain(std::iter::repeat_n(census_pair, 2_000))
                .collect::<Vec<_>>(),
        );
        let mut u: Vec<Vec<f64>> = Comparison::ALL
            .iter()
            .map(|c| {
                let k = c.levels().len();
                (0..k)
                    .map(|l| {
                        if l + 1 == k {
                            0.9
                        } else {
                            0.1 / (k - 1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        u[Comparison::Sex as usize] = vec![0.5, 0.5];
        u[Comparison::Source as usize] = vec![0.3, 0.7];
        let (_, m, _) = estimate_m(&all, &rare, &u, 12);
        let doc_differs = m[Comparison::Document as usize][2];
        let place_differs = m[Comparison::BirthPlace as usize][2];
        assert!(doc_differs < 0.05, "m(document differs) = {doc_differs}");
        assert!(place_differs < 0.05, "m(place differs) = {place_differs}");
    }
}
