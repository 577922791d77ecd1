//! Unified numbers in the store: runs the linkage engine over every visible person record and
//! turns its clusters into durable persons, so that one person has one number across sources.
//!
//! Rules (issue 3): a number, once given to a person, never changes because of a rerun. So a
//! cluster whose records hold no number yet gets a new random one (`UnifiedNumber`, Verhoeff); a
//! cluster holding exactly one number gives it to its new records; a cluster holding several
//! numbers is **not** merged automatically: its new records go to the number holding most of its
//! records, and the pairs joining the other numbers go to clerical review, where an analyst's
//! decision (and a later merge) settles it. Pairs the engine scores in the review band go to the
//! review queue with the weight each comparison contributed.
//!
//! This crate does no linking itself (that is `marsad-link`, pure) and knows no SQL (that is
//! `marsad-store`); it only moves results between them. Randomness and time are parameters.

use std::collections::{BTreeMap, HashMap};

use marsad_link::{LinkConfig, Outcome, PersonRow, Record};
use marsad_model::{Clock, UnifiedNumber};
use marsad_store::{PersonNumber, RecordKey, Store, StoreError};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnifyReport {
    pub records: usize,
    pub persons_created: usize,
    /// Records newly given a number (new persons' records included).
    pub records_assigned: usize,
    /// Clusters that hold two or more numbers (sent to review, not merged).
    pub conflicting_clusters: usize,
    pub reviews_added: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum UnifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored person record cannot be read: {0}")]
    Payload(String),
    #[error("no unused unified number after {0} draws")]
    NumbersExhausted(u32),
}

/// Links every visible person record and records the result in the store (see the crate docs).
pub fn unify(
    store: &dyn Store,
    config: &LinkConfig,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
) -> Result<UnifyReport, UnifyError> {
    let names: HashMap<_, _> = store
        .sources()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut keys = Vec::new();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store.records("person", after, 10_000)?;
        for v in page {
            let payload: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&v.payload).map_err(|e| {
                    UnifyError::Payload(format!("{} {}: {e}", v.source_name, v.record_id))
                })?;
            let mut row = PersonRow {
                source: names.get(&v.source_id).cloned().unwrap_or_default(),
                ..PersonRow::default()
            };
            for column in PersonRow::COLUMNS.iter().filter(|c| **c != "source") {
                if let (Some(field), Some(value)) = (row.field_mut(column), payload.get(*column)) {
                    *field = value.as_str().unwrap_or_default().to_string();
                }
            }
            keys.push(RecordKey::new(v.source_id, "person", &v.record_id));
            rows.push(row);
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let records: Vec<Record> = rows.iter().map(Record::from_row).collect();
    let linkage = marsad_link::link(&records, config, &marsad_link::NoProgress);
    let mut report = UnifyReport {
        records: records.len(),
        ..UnifyReport::default()
    };

    // The number each record holds today (aliases resolved to their survivor).
    let mut holds: Vec<Option<PersonNumber>> = Vec::with_capacity(keys.len());
    for key in &keys {
        holds.push(match store.person_of(key)? {
            Some(n) => Some(store.resolve_number(n)?),
            None => None,
        });
    }
    let mut clusters: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, c) in linkage.cluster_of.iter().enumerate() {
        clusters.entry(*c).or_default().push(i);
    }
    // The best pair joining two records, to explain a review.
    let mut best_pair: HashMap<(usize, usize), f64> = HashMap::new();
    for p in &linkage.pairs {
        best_pair.insert((p.a as usize, p.b as usize), p.score);
    }
    let now = clock.now();
    for members in clusters.values() {
        let mut count: BTreeMap<PersonNumber, usize> = BTreeMap::new();
        for &i in members {
            if let Some(n) = holds[i] {
                *count.entry(n).or_default() += 1;
            }
        }
        let unassigned: Vec<RecordKey> = members
            .iter()
            .filter(|&&i| holds[i].is_none())
            .map(|&i| keys[i].clone())
            .collect();
        let target = match count
            .iter()
            .max_by_key(|(n, c)| (**c, std::cmp::Reverse(**n)))
        {
            Some((n, _)) => *n,
            None => {
                report.persons_created += 1;
                new_person(store, actor, clock, random)?
            }
        };
        if !unassigned.is_empty() {
            report.records_assigned +=
                store.assign_records(target, &unassigned, actor, None, now)? as usize;
        }
        if count.len() > 1 {
            report.conflicting_clusters += 1;
            let anchor = members.iter().copied().find(|&i| holds[i] == Some(target));
            for (&other, _) in count.iter().filter(|(n, _)| **n != target) {
                let other_record = members.iter().copied().find(|&i| holds[i] == Some(other));
                if let (Some(a), Some(b)) = (anchor, other_record) {
                    let score = best_pair.get(&(a.min(b), a.max(b))).copied().unwrap_or(0.0);
                    let explanation = explanation_json(&linkage.model, &records[a], &records[b], Some("the linked records hold two unified numbers; merge them if they are one person"));
                    store.add_review(&keys[a], &keys[b], score, &explanation, now)?;
                    report.reviews_added += 1;
                }
            }
        }
    }
    for p in linkage
        .pairs
        .iter()
        .filter(|p| p.outcome == Outcome::Review)
    {
        let (a, b) = (p.a as usize, p.b as usize);
        if linkage.cluster_of[a] != linkage.cluster_of[b] {
            let explanation = explanation_json(&linkage.model, &records[a], &records[b], None);
            store.add_review(&keys[a], &keys[b], p.score, &explanation, now)?;
            report.reviews_added += 1;
        }
    }
    Ok(report)
}

/// Draws numbers until one was never issued, and issues it.
fn new_person(
    store: &dyn Store,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
) -> Result<PersonNumber, UnifyError> {
    const DRAWS: u32 = 32;
    for _ in 0..DRAWS {
        let number = PersonNumber(UnifiedNumber::generate(random).as_u64());
        match store.create_person(number, actor, clock.now()) {
            Ok(()) => return Ok(number),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(UnifyError::NumbersExhausted(DRAWS))
}

/// The weight each comparison contributed, as JSON for the review queue.
fn explanation_json(
    model: &marsad_link::Model,
    a: &Record,
    b: &Record,
    note: Option<&str>,
) -> String {
    let e = model.explain(a, b);
    let terms: serde_json::Map<String, serde_json::Value> = e
        .terms
        .iter()
        .map(|t| {
            (
                t.comparison.name().to_string(),
                serde_json::json!({ "level": t.level, "weight": t.weight }),
            )
        })
        .collect();
    serde_json::json!({ "score": e.score, "prior": e.prior, "terms": terms, "note": note })
        .to_string()
}
