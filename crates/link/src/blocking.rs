//! Blocking: which pairs are compared at all. Each rule puts records with the same block key
//! in one block; every pair inside a block is a candidate; the rules' pairs are unioned.

use std::collections::{HashMap, HashSet};

use crate::record::Record;

/// A blocking rule: its name and its block key (`None`: the record is in no block of the rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRule {
    /// Coarse keys of the given name (first part) and the family name, in either order.
    GivenFamilyCoarse,
    /// Family name key and year of birth.
    FamilyYear,
    /// Document number.
    Document,
    /// Given name key (first part) and full date of birth.
    GivenBirthDate,
    /// Phone number.
    Phone,
    /// Full date of birth and postcode (catches both names mistyped).
    BirthDatePostcode,
    /// Coarse given name and father's name with year of birth (catches a changed family name).
    GivenFatherYear,
}

impl BlockRule {
    /// Every rule, in report order.
    pub const ALL: [BlockRule; 7] = [
        BlockRule::GivenFamilyCoarse,
        BlockRule::FamilyYear,
        BlockRule::Document,
        BlockRule::GivenBirthDate,
        BlockRule::Phone,
        BlockRule::BirthDatePostcode,
        BlockRule::GivenFatherYear,
    ];

    /// The name shown in the summary.
    pub fn name(self) -> &'static str {
        match self {
            BlockRule::GivenFamilyCoarse => "given+family (coarse)",
            BlockRule::FamilyYear => "family+birth year",
            BlockRule::Document => "document number",
            BlockRule::GivenBirthDate => "given+birth date",
            BlockRule::Phone => "phone",
            BlockRule::BirthDatePostcode => "birth date+postcode",
            BlockRule::GivenFatherYear => "given+father+birth year",
        }
    }

    /// The block key of a record under this rule.
    pub fn key(self, r: &Record) -> Option<String> {
        let date = || {
            r.birth
                .is_full()
                .then(|| format!("{:?}-{:?}-{:?}", r.birth.year, r.birth.month, r.birth.day))
        };
        match self {
            BlockRule::GivenFamilyCoarse => {
                // Order-free, so that swapped given and family names meet.
                let (g, f) = (
                    r.given.as_ref()?.first_coarse(),
                    r.family.as_ref()?.coarse.as_str(),
                );
                Some(if g <= f {
                    format!("{g}|{f}")
                } else {
                    format!("{f}|{g}")
                })
            }
            BlockRule::FamilyYear => Some(format!("{}|{}", r.family.as_ref()?.key, r.birth.year?)),
            BlockRule::Document => r.document.clone(),
            BlockRule::GivenBirthDate => Some(format!("{}|{}", r.given.as_ref()?.first(), date()?)),
            BlockRule::Phone => r.phone.clone(),
            BlockRule::BirthDatePostcode => Some(format!("{}|{}", date()?, r.postcode.as_ref()?)),
            BlockRule::GivenFatherYear => {
                let (g, f) = (r.given.as_ref()?, r.father.as_ref()?);
                Some(format!(
                    "{}|{}|{}",
                    g.first_coarse(),
                    f.first_coarse(),
                    r.birth.year?
                ))
            }
        }
    }
}

/// What one rule produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleReport {
    pub rule: BlockRule,
    /// Pairs the rule produced (before the union with the other rules).
    pub pairs: u64,
    /// Blocks larger than the cap, skipped.
    pub skipped_blocks: u64,
    /// Records in the skipped blocks.
    pub skipped_records: u64,
}

/// The block key of a record under `rule` as the store keeps it: FNV-1a (64 bits) of the
/// rule's position and the key text, so the rules' keys never meet and every key is one
/// integer. Two different keys sharing a hash (odds about 10⁻⁸ at a million keys) only add
/// candidate pairs, which the model then scores.
pub fn block_hash(rule: BlockRule, key: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let position = BlockRule::ALL.iter().position(|r| *r == rule).unwrap_or(0) as u8;
    let mut h = OFFSET;
    for b in std::iter::once(position).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// Every block key of a record (one per rule that gives it a key), hashed by [`block_hash`];
/// none for a record that is not usable (never linked on nothing).
pub fn block_keys(r: &Record) -> Vec<u64> {
    if !r.is_usable() {
        return Vec::new();
    }
    BlockRule::ALL
        .iter()
        .filter_map(|&rule| rule.key(r).map(|k| block_hash(rule, &k)))
        .collect()
}

/// The candidate pairs (`i < j`, sorted, unique) of the usable records, and each rule's report.
pub fn candidate_pairs(
    records: &[Record],
    usable: &[bool],
    max_block_size: usize,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    pairs_where(records, usable, max_block_size, &HashSet::new(), 0)
}

/// The candidate pairs of an incremental run: records `first_new..` are new, the others
/// already numbered. Only pairs holding at least one new record are returned (two numbered
/// records were compared when they were numbered). A block whose key is in `oversized` is
/// skipped: the caller knows it is larger than the cap in the whole store, though only some of
/// its records are in `records`.
pub fn incremental_pairs(
    records: &[Record],
    usable: &[bool],
    max_block_size: usize,
    oversized: &HashSet<u64>,
    first_new: usize,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    pairs_where(records, usable, max_block_size, oversized, first_new)
}

fn pairs_where(
    records: &[Record],
    usable: &[bool],
    max_block_size: usize,
    oversized: &HashSet<u64>,
    first_new: usize,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    let first_new = u32::try_from(first_new).unwrap_or(u32::MAX);
    let mut all: Vec<u64> = Vec::new();
    let mut reports = Vec::new();
    for rule in BlockRule::ALL {
        let mut blocks: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if !usable[i] {
                continue;
            }
            if let (Some(key), Ok(i)) = (rule.key(r), u32::try_from(i)) {
                blocks.entry(block_hash(rule, &key)).or_default().push(i);
            }
        }
        let mut report = RuleReport {
            rule,
            pairs: 0,
            skipped_blocks: 0,
            skipped_records: 0,
        };
        for (key, members) in &blocks {
            if members.len() < 2 {
                continue;
            }
            if members.len() > max_block_size || oversized.contains(key) {
                report.skipped_blocks += 1;
                report.skipped_records += members.len() as u64;
                continue;
            }
            // Members are in record order: the new ones (if any) come last.
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    if b < first_new {
                        continue;
                    }
                    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                    all.push((u64::from(lo) << 32) | u64::from(hi));
                    report.pairs += 1;
                }
            }
        }
        reports.push(report);
        all.sort_unstable();
        all.dedup();
    }
    let pairs = all
        .into_iter()
        .map(|p| ((p >> 32) as u32, (p & 0xffff_ffff) as u32))
        .collect();
    (pairs, reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PersonRow;

    fn rec(given: &str, family: &str, birth: &str, doc: &str) -> Record {
        Record::from_row(&PersonRow {
            given_name: given.into(),
            family_name: family.into(),
            birth_date: birth.into(),
            document_number: doc.into(),
            ..PersonRow::default()
        })
    }

    #[test]
    fn rules_union_and_cap() {
        let records = vec![
            rec("Mohamed", "Trabelsi", "1980-01-02", "A1"),
            rec("محمد", "الطرابلسي", "1980", ""),
            rec("Ali", "Gharbi", "1990-01-01", "A1"),
            rec("", "", "", ""),
        ];
        let usable: Vec<bool> = records.iter().map(Record::is_usable).collect();
        let (pairs, reports) = candidate_pairs(&records, &usable, 10);
        assert_eq!(pairs, vec![(0, 1), (0, 2)]);
        let by = |r: BlockRule| reports.iter().find(|x| x.rule == r).unwrap().pairs;
        assert_eq!(by(BlockRule::GivenFamilyCoarse), 1);
        assert_eq!(by(BlockRule::FamilyYear), 1);
        assert_eq!(by(BlockRule::Document), 1);
        let (pairs, reports) = candidate_pairs(&records, &usable, 1);
        assert!(pairs.is_empty());
        assert_eq!(reports[0].skipped_blocks, 1);
    }

    #[test]
    fn incremental_pairs_hold_a_new_record_and_skip_oversized_blocks() {
        let records = vec![
            rec("Mohamed", "Trabelsi", "1980-01-02", "A1"),
            rec("Mohamed", "Trabelsi", "1980-01-02", ""),
            rec("محمد", "الطرابلسي", "1980", ""),
            rec("Ali", "Gharbi", "1990-01-01", "A1"),
        ];
        let usable: Vec<bool> = records.iter().map(Record::is_usable).collect();
        let (all, _) = candidate_pairs(&records, &usable, 10);
        assert_eq!(all, vec![(0, 1), (0, 2), (0, 3), (1, 2)]);
        // Records 0 and 1 are numbered: their pair is not compared again.
        let (pairs, _) = incremental_pairs(&records, &usable, 10, &HashSet::new(), 2);
        assert_eq!(pairs, vec![(0, 2), (0, 3), (1, 2)]);
        // The document block is larger than the cap in the store.
        let doc = block_hash(BlockRule::Document, "A1");
        let (pairs, reports) = incremental_pairs(&records, &usable, 10, &HashSet::from([doc]), 2);
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
        let skipped: u64 = reports.iter().map(|r| r.skipped_blocks).sum();
        assert_eq!(skipped, 1);
        assert!(block_keys(&records[0]).contains(&doc));
        assert!(block_keys(&rec("", "", "", "")).is_empty());
        assert_ne!(
            block_hash(BlockRule::Document, "A1"),
            block_hash(BlockRule::Phone, "A1")
        );
    }
}
