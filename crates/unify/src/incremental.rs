//! The incremental run: the records without a number linked against the numbered records that
//! share a block with them, with the stored model (crate docs: why it is not estimated again).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use marsad_link::{LinkConfig, Model, Outcome};
use marsad_store::{LinkSelection, Numbering, PersonNumber, RecordHandle};

use crate::{draw, new_review, Context, Linked, Mode, UnifyError, UnifyReport};

/// What an incremental run starts from.
pub(crate) struct Prepared {
    model: Model,
    /// The configuration the stored model was estimated with (stored again with it).
    estimated_with: LinkConfig,
    /// Records without a number.
    pub(crate) new: Linked,
    /// Visible person records that hold a number.
    pub(crate) numbered: usize,
}

/// Reads the stored model and the records without a number; `None` when no model is stored.
pub(crate) fn prepare(ctx: &Context<'_>) -> Result<Option<Prepared>, UnifyError> {
    let Some(stored) = ctx.store.link_model()? else {
        return Ok(None);
    };
    let (model, estimated_with) =
        Model::from_json(&stored.text).map_err(|e| UnifyError::Model(e.to_string()))?;
    ctx.progress.phase("loading", 0);
    let new = ctx.load(LinkSelection::Unassigned)?;
    let visible = ctx
        .store
        .count_records()?
        .into_iter()
        .find(|k| k.kind == "person")
        .map_or(0, |k| usize::try_from(k.records).unwrap_or(usize::MAX));
    Ok(Some(Prepared {
        model,
        estimated_with,
        numbered: visible.saturating_sub(new.len()),
        new,
    }))
}

pub(crate) fn run(
    ctx: &Context<'_>,
    prepared: Prepared,
    random: &mut dyn FnMut() -> u64,
) -> Result<UnifyReport, UnifyError> {
    let Prepared {
        mut model,
        estimated_with,
        new,
        numbered,
    } = prepared;
    let mut report = UnifyReport::new(Mode::Incremental);
    report.records = numbered + new.len();
    report.linked = new.len();

    // Numbered records whose block keys are missing or stale (a changed record, one a clerk
    // assigned): their keys are computed again. They keep their number.
    let stale = ctx.load(LinkSelection::Unblocked)?;
    if new.is_empty() {
        let which: Vec<usize> = (0..stale.len()).collect();
        ctx.index(&stale, &which)?;
        report.indexed = stale.len();
        return Ok(report);
    }

    // The blocks of the new records: how large each is in the store, which to read.
    // Each rule's cap, as in a full run (the name-only rule's blocks have the smaller one).
    let caps = marsad_link::BlockCaps::of(ctx.config);
    let mut new_count: BTreeMap<u64, u64> = BTreeMap::new();
    let mut cap_of: HashMap<u64, u64> = HashMap::new();
    for r in &new.records {
        let distinct: BTreeMap<u64, marsad_link::BlockRule> = marsad_link::block_keys_by_rule(r)
            .into_iter()
            .map(|(rule, k)| (k, rule))
            .collect();
        for (k, rule) in distinct {
            *new_count.entry(k).or_default() += 1;
            cap_of.insert(k, caps.of_rule(rule) as u64);
        }
    }
    let keys: Vec<u64> = new_count.keys().copied().collect();
    let stored: HashMap<u64, u64> = ctx.store.block_sizes(&keys)?.into_iter().collect();
    let oversized: HashSet<u64> = new_count
        .iter()
        .filter(|(k, n)| {
            let cap = cap_of.get(k).copied().unwrap_or(caps.any as u64);
            stored.get(k).copied().unwrap_or(0) + **n > cap
        })
        .map(|(k, _)| *k)
        .collect();
    let fetch: Vec<u64> = keys
        .iter()
        .copied()
        .filter(|k| stored.contains_key(k) && !oversized.contains(k))
        .collect();
    let members = ctx.store.block_members(&fetch)?;
    let mut old = ctx.store.link_records_by_handle(&members)?;
    // The other records of those persons, for the guard against chaining.
    let persons: BTreeSet<PersonNumber> = old.iter().filter_map(|r| r.person).collect();
    let persons: Vec<PersonNumber> = persons.into_iter().collect();
    let loaded: HashSet<RecordHandle> = members.iter().copied().collect();
    let more: Vec<RecordHandle> = ctx
        .store
        .person_members(&persons)?
        .into_iter()
        .filter(|h| !loaded.contains(h))
        .collect();
    old.extend(ctx.store.link_records_by_handle(&more)?);
    old.sort_by_key(|r| r.handle);
    old.retain(|r| r.person.is_some());
    let mut all = Linked::default();
    ctx.read(old, &mut all)?;
    let first_new = all.len();
    report.compared_with = first_new;
    let mut ordinal: HashMap<PersonNumber, u32> = HashMap::new();
    let mut known: Vec<Option<u32>> = Vec::with_capacity(first_new + new.len());
    for m in &all.meta {
        let next = ordinal.len() as u32;
        known.push(m.person.map(|n| *ordinal.entry(n).or_insert(next)));
    }
    known.resize(first_new + new.len(), None);
    all.meta.extend(new.meta);
    all.records.extend(new.records);

    let labels = ctx.labels(&all.index())?;
    report.labels = labels.len();
    model.add_frequencies(&all.records[first_new..]);
    let linkage = marsad_link::link_incremental(
        &all.records,
        &known,
        first_new,
        &model,
        &labels,
        &oversized,
        ctx.config,
        ctx.progress,
    );
    report.candidate_pairs = linkage.stats.candidate_pairs;
    report.ambiguous_links = linkage.stats.ambiguous;

    // Numbers: a cluster holding a known person gives its number to its new records; a
    // cluster of new records only is a new person.
    let mut clusters: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, c) in linkage.cluster_of.iter().enumerate() {
        clusters.entry(*c).or_default().push(i);
    }
    let mut best: HashMap<u32, f64> = HashMap::new();
    for p in linkage.pairs.iter().filter(|p| p.outcome == Outcome::Link) {
        let c = linkage.cluster_of[p.a as usize];
        if c == linkage.cluster_of[p.b as usize] {
            let b = best.entry(c).or_insert(f64::NEG_INFINITY);
            *b = b.max(p.score);
        }
    }
    let mut groups = Vec::new();
    for (c, members) in &clusters {
        let fresh: Vec<_> = members
            .iter()
            .filter(|&&i| i >= first_new)
            .map(|&i| all.meta[i].key.clone())
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let holder = members.iter().find_map(|&i| all.meta[i].person);
        let weight = best.get(c).copied().filter(|w| w.is_finite());
        match holder {
            Some(number) => {
                report.joined_known += fresh.len();
                groups.push(Numbering {
                    number,
                    new: false,
                    records: fresh,
                    weight,
                });
            }
            None => {
                report.persons_created += 1;
                groups.push(Numbering {
                    number: draw(random),
                    new: true,
                    records: fresh,
                    weight,
                });
            }
        }
    }

    // Reviews: links that would join two known persons, and pairs in the review band.
    let mut reviews = Vec::new();
    let mut conflicted = BTreeSet::new();
    for &(a, b) in &linkage.conflicts {
        let (a, b) = (a as usize, b as usize);
        conflicted.extend([a, b].into_iter().filter(|&i| i >= first_new));
        let score = model.score(&all.records[a], &all.records[b]);
        reviews.push(new_review(
            &model,
            &all,
            (a, b),
            score,
            Some("the new record links to two known persons; merge them if they are one person"),
        ));
    }
    report.conflicting_clusters = conflicted.len();
    for p in linkage
        .pairs
        .iter()
        .filter(|p| p.outcome == Outcome::Review)
    {
        let (a, b) = (p.a as usize, p.b as usize);
        if linkage.cluster_of[a] != linkage.cluster_of[b] {
            reviews.push(new_review(&model, &all, (a, b), p.score, None));
        }
    }
    report.records_assigned = usize::try_from(ctx.number(groups, random)?).unwrap_or(usize::MAX);
    report.reviews_added = ctx.review(reviews)?;

    // The index: the new records' keys, the stale records' keys, the grown name frequencies.
    let fresh: Vec<usize> = (first_new..all.len()).collect();
    ctx.index(&all, &fresh)?;
    let which: Vec<usize> = (0..stale.len()).collect();
    ctx.index(&stale, &which)?;
    report.indexed = fresh.len() + stale.len();
    ctx.save_model(&model, &estimated_with)?;
    Ok(report)
}
