//! The full run: every visible person record linked at once, the model estimated on all of them
//! with the clerks' decisions as labels, numbers given (never changed), and the incremental
//! index (block keys and model) rebuilt.

use std::collections::{BTreeMap, HashMap, HashSet};

use marsad_link::Outcome;
use marsad_store::{LinkSelection, Numbering, PersonNumber};

use crate::{draw, new_review, Context, Mode, UnifyError, UnifyReport};

pub(crate) fn run(
    ctx: &Context<'_>,
    random: &mut dyn FnMut() -> u64,
) -> Result<UnifyReport, UnifyError> {
    let mut report = UnifyReport::new(Mode::Full);
    ctx.progress.phase("loading", 0);
    let all = ctx.load(LinkSelection::All)?;
    report.records = all.len();
    report.linked = all.len();
    let labels = ctx.labels(&all.index())?;
    report.labels = labels.len();
    let decided: HashSet<(usize, usize)> = labels
        .iter()
        .map(|l| {
            let (a, b) = (l.a as usize, l.b as usize);
            (a.min(b), a.max(b))
        })
        .collect();
    let linkage = marsad_link::link_labelled(&all.records, &labels, ctx.config, ctx.progress);
    report.candidate_pairs = linkage.stats.candidate_pairs;
    report.ambiguous_links = linkage.stats.ambiguous;

    let mut clusters: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, c) in linkage.cluster_of.iter().enumerate() {
        clusters.entry(*c).or_default().push(i);
    }
    // The best pair joining two records, to explain a review.
    let best_pair: HashMap<(usize, usize), f64> = linkage
        .pairs
        .iter()
        .map(|p| ((p.a as usize, p.b as usize), p.score))
        .collect();
    let mut groups = Vec::new();
    let mut reviews = Vec::new();
    for members in clusters.values() {
        let mut count: BTreeMap<PersonNumber, usize> = BTreeMap::new();
        for &i in members {
            if let Some(n) = all.meta[i].person {
                *count.entry(n).or_default() += 1;
            }
        }
        let unassigned: Vec<_> = members
            .iter()
            .filter(|&&i| all.meta[i].person.is_none())
            .map(|&i| all.meta[i].key.clone())
            .collect();
        let target = count
            .iter()
            .max_by_key(|(n, c)| (**c, std::cmp::Reverse(**n)))
            .map(|(n, _)| *n);
        if !unassigned.is_empty() {
            match target {
                Some(number) => {
                    report.joined_known += unassigned.len();
                    groups.push(Numbering {
                        number,
                        new: false,
                        records: unassigned,
                        weight: None,
                    });
                }
                None => {
                    report.persons_created += 1;
                    groups.push(Numbering {
                        number: draw(random),
                        new: true,
                        records: unassigned,
                        weight: None,
                    });
                }
            }
        }
        if count.len() > 1 {
            report.conflicting_clusters += 1;
            let anchor = members
                .iter()
                .copied()
                .find(|&i| all.meta[i].person == target);
            for (&other, _) in count.iter().filter(|(n, _)| Some(**n) != target) {
                let other_record = members
                    .iter()
                    .copied()
                    .find(|&i| all.meta[i].person == Some(other));
                if let (Some(a), Some(b)) = (anchor, other_record) {
                    let pair = (a.min(b), a.max(b));
                    if decided.contains(&pair) {
                        continue;
                    }
                    let score = best_pair.get(&pair).copied().unwrap_or(0.0);
                    reviews.push(new_review(
                        &linkage.model,
                        &all,
                        pair,
                        score,
                        Some("the linked records hold two unified numbers; merge them if they are one person"),
                    ));
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
            reviews.push(new_review(&linkage.model, &all, (a, b), p.score, None));
        }
    }
    report.records_assigned = usize::try_from(ctx.number(groups, random)?).unwrap_or(usize::MAX);
    report.reviews_added = ctx.review(reviews)?;

    // The incremental index, rebuilt: the model goes in last, so an interrupted rebuild leaves
    // no model and the next run is a full one again.
    ctx.progress.phase("indexing", 0);
    ctx.store.clear_link_index()?;
    let everyone: Vec<usize> = (0..all.len()).collect();
    ctx.index(&all, &everyone)?;
    report.indexed = all.len();
    ctx.save_model(&linkage.model, ctx.config)?;
    Ok(report)
}
