//! The linker's settings: thresholds, blocking cap, model estimation and clustering guard.

use serde::{Deserialize, Serialize};

use crate::LinkError;

/// Everything `marsad link` can be told. Every field has a default; a TOML file
/// (`marsad link --config FILE`) sets any subset, and unknown keys are refused.
///
/// Weights are in bits (log2 of likelihood ratios); a pair's score is the prior weight
/// log2(λ/(1-λ)) plus the weight of every comparison, so a score of 0 is an even chance.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// A pair scoring at least this is a link.
    pub link_threshold: f64,
    /// A pair scoring at least this (and below `link_threshold`) goes to clerical review.
    pub review_threshold: f64,
    /// Seed of the random pairs that estimate the u probabilities.
    pub seed: u64,
    /// How many random pairs estimate u (all pairs when there are fewer).
    pub u_sample_pairs: usize,
    /// EM iterations estimating m and λ over the candidate pairs.
    pub em_iterations: usize,
    /// Blocks with more records than this are skipped (and reported): a block of n records
    /// yields n(n-1)/2 pairs.
    pub max_block_size: usize,
    /// Blocks on the names alone (coarse given and family name, no date of birth) with more
    /// records than this are skipped: the records of such a frequent name meet in its blocks
    /// by year of birth instead (two years or more apart, records of a frequent name are more
    /// likely namesakes than one person). Rare names, whose blocks are small, still meet
    /// whatever their dates (a mistyped year).
    pub max_name_block_size: usize,
    /// Bound, in bits, of the term-frequency adjustment of an exact name match (both ways).
    pub tf_adjustment_max: f64,
    /// The weight of a given-name disagreement is at most this (siblings and twins share
    /// everything else, twins even the date of birth), when the data show given names to be
    /// reliable: fewer than `names_reliable_below` of one person's record pairs (the
    /// estimated m of the disagreement level) disagree on it, and the document does not
    /// agree ...
    pub given_mismatch_max_weight: f64,
    /// The same for the family name.
    pub family_mismatch_max_weight: f64,
    /// The same for the father's name.
    pub father_mismatch_max_weight: f64,
    /// See `given_mismatch_max_weight`.
    pub names_reliable_below: f64,
    /// Whatever the data and the document, a given-name disagreement weighs at most this.
    pub given_mismatch_same_document_weight: f64,
    /// Two full dates of birth that differ beyond a typo, or two years of birth more than
    /// five years apart, weigh at most this ...
    pub date_conflict_max_weight: f64,
    /// ... and at most this when such conflicts are rare among one person's records (their
    /// m below `dates_reliable_below`).
    pub date_conflict_reliable_max_weight: f64,
    /// See `date_conflict_reliable_max_weight`.
    pub dates_reliable_below: f64,
    /// A given name "alike" (Jaro-Winkler of the keys ≥ 0.8 but < 0.92) weighs at most this
    /// when given names are reliable and the document does not agree (see
    /// `given_mismatch_max_weight`).
    pub given_alike_max_weight: f64,
    /// Two different one-word given-name keys each on at least this share of the records are
    /// two different names (Mohamed, Mahmoud), not a spelling variant.
    pub distinct_names_min_frequency: f64,
    /// Two clusters (not both single records) merge only if the mean score of the pairs
    /// across them is at least this ...
    pub merge_mean_min: f64,
    /// ... and no pair across them scores below this.
    pub merge_pair_min: f64,
    /// At most this many members of each cluster are compared when checking a merge.
    pub merge_check_members: usize,
    /// Threads comparing pairs (0: as many as the machine has). Results do not depend on it.
    pub threads: usize,
    /// Weight (bits) of fingerprints that match: log2((1 − FNMR) / FMR) at the matcher's
    /// decision threshold (16 ≈ an FMR of 1 in 65,000 with a few per cent FNMR). Fixed, not
    /// estimated: fingerprints are on too few records for EM to learn them.
    pub fingerprint_match_weight: f64,
    /// Weight (bits) of fingerprints that differ: a near veto, like a reliable given-name
    /// disagreement. Two persons' prints are compared 1:N when they are enrolled, under the
    /// capture's quality gate and fused over fingers, so "they differ" means the matcher
    /// already told them apart: namesakes born the same day in the same town stay two people
    /// however much else agrees.
    pub fingerprint_mismatch_weight: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            link_threshold: 6.0,
            review_threshold: 0.0,
            seed: 2024,
            u_sample_pairs: 1_000_000,
            em_iterations: 12,
            max_block_size: 500,
            max_name_block_size: 20,
            tf_adjustment_max: 6.0,
            given_mismatch_max_weight: -60.0,
            family_mismatch_max_weight: -20.0,
            father_mismatch_max_weight: -20.0,
            names_reliable_below: 0.05,
            given_mismatch_same_document_weight: -8.0,
            date_conflict_max_weight: -12.0,
            date_conflict_reliable_max_weight: -30.0,
            dates_reliable_below: 0.01,
            given_alike_max_weight: -20.0,
            distinct_names_min_frequency: 0.002,
            merge_mean_min: 3.0,
            merge_pair_min: -6.0,
            merge_check_members: 40,
            threads: 0,
            fingerprint_match_weight: 16.0,
            fingerprint_mismatch_weight: -40.0,
        }
    }
}

impl LinkConfig {
    /// Reads a TOML configuration (any subset of the fields) and checks it.
    pub fn from_toml(text: &str) -> Result<LinkConfig, LinkError> {
        let config: LinkConfig =
            toml::from_str(text).map_err(|e| LinkError::Config(e.message().to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// The number of threads to compare on.
    pub fn threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// Refuses settings that cannot work.
    pub fn check(&self) -> Result<(), LinkError> {
        let bad = |m: &str| Err(LinkError::Config(m.to_string()));
        if !(self.link_threshold.is_finite() && self.review_threshold.is_finite()) {
            return bad("thresholds must be numbers");
        }
        if self.review_threshold > self.link_threshold {
            return bad("review_threshold must not exceed link_threshold");
        }
        if self.max_block_size < 2 || self.max_name_block_size < 2 {
            return bad("max_block_size and max_name_block_size must be at least 2");
        }
        if !(self.fingerprint_match_weight.is_finite()
            && self.fingerprint_mismatch_weight.is_finite()
            && self.fingerprint_match_weight >= 0.0
            && self.fingerprint_mismatch_weight <= 0.0)
        {
            return bad("fingerprint_match_weight must be ≥ 0 and fingerprint_mismatch_weight ≤ 0");
        }
        if self.merge_check_members == 0 {
            return bad("merge_check_members must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_subset_and_refusals() {
        let c = LinkConfig::from_toml("link_threshold = 9.5\nseed = 7\n").unwrap();
        assert_eq!(c.link_threshold, 9.5);
        assert_eq!(c.seed, 7);
        assert_eq!(c.review_threshold, LinkConfig::default().review_threshold);
        assert!(LinkConfig::from_toml("nonsense = 1").is_err());
        assert!(LinkConfig::from_toml("review_threshold = 20.0").is_err());
        assert!(LinkConfig::from_toml("").is_ok());
    }
}
