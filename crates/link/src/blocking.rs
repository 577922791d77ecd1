//! Blocking: which pairs are compared at all. Each rule puts records with the same block key
//! in one block; every pair inside a block is a candidate; the rules' pairs are unioned.

use std::collections::HashSet;

use crate::record::{Record, Sex};

/// A blocking rule: its name and its block key (`None`: the record is in no block of the rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRule {
    /// Coarse keys of the given name (first part) and the family name, in either order, and
    /// the sex.
    GivenFamilyCoarse,
    /// Family name key, year of birth and sex.
    FamilyYear,
    /// Document number, up to one edit: a record is in the block of its number and in the
    /// blocks of its number with one character left out, so two numbers one substitution,
    /// insertion, deletion or neighbour swap apart share a block (a clerk's typo).
    Document,
    /// Given name key (first part) and full date of birth.
    GivenBirthDate,
    /// Phone number.
    Phone,
    /// Full date of birth and postcode (catches both names mistyped).
    BirthDatePostcode,
    /// Coarse given name and father's name with year of birth (catches a changed family name).
    GivenFatherYear,
    /// Coarse keys of the given name (first part) and the family name, in either order, the
    /// sex and the year of birth, up to one year apart: how the records of a frequent name,
    /// whose [`BlockRule::GivenFamilyCoarse`] block is too large, still meet.
    GivenFamilyYear,
    /// The fingerprint identity ([`Record::biometric`]): records that fingerprints say are one
    /// person meet whatever their names (a person known under another name).
    Fingerprint,
}

impl BlockRule {
    /// Every rule, in report order.
    pub const ALL: [BlockRule; 9] = [
        BlockRule::GivenFamilyCoarse,
        BlockRule::FamilyYear,
        BlockRule::Document,
        BlockRule::GivenBirthDate,
        BlockRule::Phone,
        BlockRule::BirthDatePostcode,
        BlockRule::GivenFatherYear,
        BlockRule::GivenFamilyYear,
        BlockRule::Fingerprint,
    ];

    /// The name shown in the summary.
    pub fn name(self) -> &'static str {
        match self {
            BlockRule::GivenFamilyCoarse => "given+family (coarse)+sex",
            BlockRule::FamilyYear => "family+birth year+sex",
            BlockRule::Document => "document number (one edit)",
            BlockRule::GivenBirthDate => "given+birth date",
            BlockRule::Phone => "phone",
            BlockRule::BirthDatePostcode => "birth date+postcode",
            BlockRule::GivenFatherYear => "given+father+birth year",
            BlockRule::GivenFamilyYear => "given+family (coarse)+sex+year±1",
            BlockRule::Fingerprint => "fingerprint identity",
        }
    }

    /// Every block key of a record under this rule, each once: the rule's key; for the two
    /// rules with the largest blocks ([`BlockRule::GivenFamilyCoarse`],
    /// [`BlockRule::FamilyYear`]) the key with the sex, which halves their pairs (a record of
    /// unknown sex is in the blocks of both); for [`BlockRule::Document`] also the number with
    /// one character left out (numbers of at least six characters).
    pub fn keys(self, r: &Record) -> Vec<String> {
        let Some(key) = self.key(r) else {
            return Vec::new();
        };
        match self {
            BlockRule::GivenFamilyCoarse | BlockRule::FamilyYear => match r.sex {
                Some(Sex::Male) => vec![format!("{key}|M")],
                Some(Sex::Female) => vec![format!("{key}|F")],
                None => vec![format!("{key}|M"), format!("{key}|F")],
            },
            BlockRule::GivenFamilyYear => {
                let sexes: &[&str] = match r.sex {
                    Some(Sex::Male) => &["M"],
                    Some(Sex::Female) => &["F"],
                    None => &["M", "F"],
                };
                let Some(year) = r.birth.year else {
                    return Vec::new();
                };
                sexes
                    .iter()
                    .flat_map(|s| {
                        [
                            format!("{key}|{s}|{year}"),
                            format!("{key}|{s}|{}", year + 1),
                        ]
                    })
                    .collect()
            }
            BlockRule::Document if key.len() >= DOCUMENT_VARIANTS_MIN_LENGTH => {
                let mut keys = vec![key.clone()];
                for (i, c) in key.char_indices() {
                    let variant = format!("{}{}", &key[..i], &key[i + c.len_utf8()..]);
                    if !keys.contains(&variant) {
                        keys.push(variant);
                    }
                }
                keys
            }
            _ => vec![key],
        }
    }

    /// The rule's key of a record, before [`BlockRule::keys`] adds the sex or the document's
    /// variants.
    fn key(self, r: &Record) -> Option<String> {
        let date = || {
            r.birth
                .is_full()
                .then(|| format!("{:?}-{:?}-{:?}", r.birth.year, r.birth.month, r.birth.day))
        };
        match self {
            BlockRule::GivenFamilyCoarse | BlockRule::GivenFamilyYear => {
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
            BlockRule::Fingerprint => r.biometric.map(|b| b.to_string()),
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

/// Document numbers this long or longer also block by their one-edit variants (shorter ones
/// would meet too many other numbers by chance).
const DOCUMENT_VARIANTS_MIN_LENGTH: usize = 6;

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

/// Every block key of a record (one or more per rule that gives it a key), hashed by
/// [`block_hash`]; none for a record that is not usable (never linked on nothing).
pub fn block_keys(r: &Record) -> Vec<u64> {
    block_keys_by_rule(r).into_iter().map(|(_, k)| k).collect()
}

/// [`block_keys`] with the rule of each key (whose cap applies to its block).
pub fn block_keys_by_rule(r: &Record) -> Vec<(BlockRule, u64)> {
    if !r.is_usable() {
        return Vec::new();
    }
    BlockRule::ALL
        .iter()
        .flat_map(|&rule| {
            rule.keys(r)
                .into_iter()
                .map(move |k| (rule, block_hash(rule, &k)))
        })
        .collect()
}

/// The largest blocks paired: blocks with more records are skipped (and reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockCaps {
    /// Any rule's blocks (`LinkConfig::max_block_size`).
    pub any: usize,
    /// The blocks of [`BlockRule::GivenFamilyCoarse`], on the names alone
    /// (`LinkConfig::max_name_block_size`).
    pub names_only: usize,
}

impl BlockCaps {
    /// The caps of a configuration.
    pub fn of(config: &crate::LinkConfig) -> BlockCaps {
        BlockCaps {
            any: config.max_block_size,
            names_only: config.max_name_block_size,
        }
    }

    /// The cap of `rule`'s blocks.
    pub fn of_rule(self, rule: BlockRule) -> usize {
        if rule == BlockRule::GivenFamilyCoarse {
            self.names_only
        } else {
            self.any
        }
    }

    /// One cap for every rule.
    pub fn all(cap: usize) -> BlockCaps {
        BlockCaps {
            any: cap,
            names_only: cap,
        }
    }
}

/// The candidate pairs (`i < j`, sorted, unique) of the usable records, and each rule's report.
pub fn candidate_pairs(
    records: &[Record],
    usable: &[bool],
    caps: BlockCaps,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    pairs_where(records, usable, caps, &HashSet::new(), 0)
}

/// The candidate pairs of an incremental run: records `first_new..` are new, the others
/// already numbered. Only pairs holding at least one new record are returned (two numbered
/// records were compared when they were numbered). A block whose key is in `oversized` is
/// skipped: the caller knows it is larger than the cap in the whole store, though only some of
/// its records are in `records`.
pub fn incremental_pairs(
    records: &[Record],
    usable: &[bool],
    caps: BlockCaps,
    oversized: &HashSet<u64>,
    first_new: usize,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    pairs_where(records, usable, caps, oversized, first_new)
}

/// Threads blocking runs its rules on (each thread takes every other rule).
const BLOCKING_THREADS: usize = 2;

/// What one blocking thread found: the union of its rules' pairs (packed, sorted, unique)
/// and each rule's report with the rule's position in [`BlockRule::ALL`].
type Part = (Vec<u64>, Vec<(usize, RuleReport)>);

fn pairs_where(
    records: &[Record],
    usable: &[bool],
    caps: BlockCaps,
    oversized: &HashSet<u64>,
    first_new: usize,
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    let first_new = u32::try_from(first_new).unwrap_or(u32::MAX);
    // Each thread: the union of its rules' pairs (sorted, unique) and their reports.
    let run = |part: usize| {
        let mut union: Vec<u64> = Vec::new();
        let mut reports = Vec::new();
        for (k, rule) in BlockRule::ALL.into_iter().enumerate() {
            if k % BLOCKING_THREADS != part {
                continue;
            }
            let (pairs, report) = rule_pairs(rule, records, usable, caps, oversized, first_new);
            union = merge_unique(&union, &pairs);
            reports.push((k, report));
        }
        (union, reports)
    };
    let parts: Vec<Part> = std::thread::scope(|s| {
        let run = &run;
        let handles: Vec<_> = (1..BLOCKING_THREADS)
            .map(|part| s.spawn(move || run(part)))
            .collect();
        let mut parts = vec![run(0)];
        for h in handles {
            match h.join() {
                Ok(p) => parts.push(p),
                // Blocking never panics; if it did, the panic goes on in the caller.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        parts
    });
    let mut all: Vec<u64> = Vec::new();
    let mut reports: Vec<(usize, RuleReport)> = Vec::new();
    for (pairs, r) in parts {
        all = merge_unique(&all, &pairs);
        reports.extend(r);
    }
    reports.sort_by_key(|(k, _)| *k);
    let pairs = all
        .into_iter()
        .map(|p| ((p >> 32) as u32, (p & 0xffff_ffff) as u32))
        .collect();
    (pairs, reports.into_iter().map(|(_, r)| r).collect())
}

/// The union of two sorted lists without repeats, sorted, without repeats.
fn merge_unique(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// One rule's pairs (packed `a << 32 | b`, sorted, unique) and its report.
fn rule_pairs(
    rule: BlockRule,
    records: &[Record],
    usable: &[bool],
    caps: BlockCaps,
    oversized: &HashSet<u64>,
    first_new: u32,
) -> (Vec<u64>, RuleReport) {
    // Each record's block (by hashed key), sorted: a block is a run of one hash, its
    // members in record order (the new ones, if any, last).
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if !usable[i] {
            continue;
        }
        if let Ok(i) = u32::try_from(i) {
            for key in rule.keys(r) {
                keyed.push((block_hash(rule, &key), i));
            }
        }
    }
    keyed.sort_unstable();
    keyed.dedup();
    let mut report = RuleReport {
        rule,
        pairs: 0,
        skipped_blocks: 0,
        skipped_records: 0,
    };
    let mut rule_pairs: Vec<u64> = Vec::new();
    let cap = caps.of_rule(rule);
    for block in keyed.chunk_by(|x, y| x.0 == y.0) {
        if block.len() < 2 {
            continue;
        }
        if block.len() > cap || oversized.contains(&block[0].0) {
            report.skipped_blocks += 1;
            report.skipped_records += block.len() as u64;
            continue;
        }
        for (x, &(_, a)) in block.iter().enumerate() {
            for &(_, b) in &block[x + 1..] {
                if b >= first_new {
                    rule_pairs.push((u64::from(a) << 32) | u64::from(b));
                }
            }
        }
    }
    // A pair can meet in two blocks of one rule (two records of unknown sex).
    rule_pairs.sort_unstable();
    rule_pairs.dedup();
    report.pairs = rule_pairs.len() as u64;
    (rule_pairs, report)
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
        let (pairs, reports) = candidate_pairs(&records, &usable, BlockCaps::all(10));
        assert_eq!(pairs, vec![(0, 1), (0, 2)]);
        let by = |r: BlockRule| reports.iter().find(|x| x.rule == r).unwrap().pairs;
        assert_eq!(by(BlockRule::GivenFamilyCoarse), 1);
        assert_eq!(by(BlockRule::FamilyYear), 1);
        assert_eq!(by(BlockRule::Document), 1);
        let (pairs, reports) = candidate_pairs(&records, &usable, BlockCaps::all(1));
        assert!(pairs.is_empty());
        // Records of unknown sex are in the given+family blocks of both sexes.
        assert_eq!(reports[0].skipped_blocks, 2);
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
        let (all, _) = candidate_pairs(&records, &usable, BlockCaps::all(10));
        assert_eq!(all, vec![(0, 1), (0, 2), (0, 3), (1, 2)]);
        // Records 0 and 1 are numbered: their pair is not compared again.
        let (pairs, _) =
            incremental_pairs(&records, &usable, BlockCaps::all(10), &HashSet::new(), 2);
        assert_eq!(pairs, vec![(0, 2), (0, 3), (1, 2)]);
        // The document block is larger than the cap in the store.
        let doc = block_hash(BlockRule::Document, "A1");
        let (pairs, reports) = incremental_pairs(
            &records,
            &usable,
            BlockCaps::all(10),
            &HashSet::from([doc]),
            2,
        );
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

    /// Two document numbers a clerk's typo apart share a block; numbers that differ more, or
    /// short numbers one edit apart, do not.
    #[test]
    fn document_numbers_one_edit_apart_share_a_block() {
        let check = |a: &str, b: &str, together: bool| {
            let records = vec![rec("", "", "", a), rec("", "", "", b)];
            let usable = vec![true, true];
            let (pairs, _) = candidate_pairs(&records, &usable, BlockCaps::all(10));
            assert_eq!(!pairs.is_empty(), together, "{a} / {b}");
        };
        check("AB123456", "AB123456", true);
        check("AB123456", "AB123457", true); // one character changed
        check("AB123456", "AB124356", true); // two neighbours swapped
        check("AB123456", "AB12356", true); // one left out
        check("AB123456", "AB1234567", true); // one added
        check("AB123456", "AB654321", false);
        check("AB123456", "AB123465", true);
        check("AB123456", "AC123465", false); // two edits
        check("12345", "12346", false); // too short for variants
                                        // A number with repeated characters is in each of its blocks once: no pair with
                                        // itself.
        let records = vec![rec("", "", "", "11111111")];
        let (pairs, _) = candidate_pairs(&records, &[true], BlockCaps::all(10));
        assert!(pairs.is_empty());
    }
}
