//! Applying a clerk's decision on a review pair to the persons ([`apply_decision`]).
//!
//! The rules:
//! - **Accepted**, the two records with two persons: the persons merge. The older number
//!   (issued first; on a tie the smaller) survives; the other becomes its alias and still
//!   resolves. One record without a person: it joins the other's person. Neither has one: a
//!   new person holds both. Already one person: nothing changes.
//! - **Rejected**, two persons (or a record without a person): nothing changes; the decision
//!   keeps the pair apart in every later run.
//! - **Rejected**, one person: the person's records are linked among themselves as the stored
//!   model scores them (a link at the link threshold the model was estimated with; the clerks'
//!   accepted pairs count as links, their rejected pairs, this one included, as none). If the
//!   two records are then no longer connected, this pair was the only evidence joining them,
//!   and the smaller of the two sides (on a tie, the side of the pair's second record) is split
//!   off onto a new number. If they are still connected through other records, any split would
//!   be a guess: nothing moves, and the decision's event says so ("not split: …") for a person
//!   to split by hand. Without a stored model, only a person of exactly these two records is
//!   split.
//!
//! The decision and its change are one store transaction ([`Store::apply_review`]), logged
//! as person events with the actor and the reason. If the persons changed between planning and
//! applying (another clerk, a run), the plan is made again.

use std::collections::{HashMap, HashSet};

use marsad_link::{LinkConfig, Model, Record};
use marsad_model::Clock;
use marsad_store::{
    LinkReview, PersonNumber, RecordKey, ReviewEffect, ReviewId, ReviewStatus, SourceId, Store,
    StoreError,
};

use crate::{draw, row_of, UnifyError};

/// What applying a decision changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// `absorb` became an alias of `keep`.
    Merged {
        keep: PersonNumber,
        absorb: PersonNumber,
    },
    /// `moved` left `from` for the new number `new_number`.
    Split {
        from: PersonNumber,
        new_number: PersonNumber,
        moved: Vec<RecordKey>,
    },
    /// Records without a person joined `number`.
    Joined {
        number: PersonNumber,
        records: Vec<RecordKey>,
    },
    /// A new person holds the pair.
    Created { number: PersonNumber },
    /// Nothing changed: the persons already agree with the decision.
    Unchanged,
    /// The records stay in one person though the clerk said two: a split would be a guess
    /// (the reason says why).
    NotSplit,
}

/// A decided review and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub review: LinkReview,
    pub applied: Applied,
    /// As logged with the person events.
    pub reason: String,
}

/// A person with more records than this is not split automatically (the evidence is too
/// tangled to read without a person looking).
const MAX_SPLIT_RECORDS: usize = 500;

/// Records a clerk's decision on review `id` (`accepted`: the same person) and applies it to
/// the persons (module docs: the rules). `Conflict` if the review was decided already.
pub fn apply_decision(
    store: &dyn Store,
    id: ReviewId,
    accepted: bool,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
) -> Result<Decision, UnifyError> {
    const ATTEMPTS: u32 = 3;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let review = store.review(id)?;
        if review.status != ReviewStatus::Open {
            return Err(StoreError::Conflict {
                what: format!("a decision on review {}", id.0),
            }
            .into());
        }
        let (effect, applied, reason) = plan(store, &review, accepted, random)?;
        match store.apply_review(id, accepted, &effect, actor, &reason, clock.now()) {
            Ok(review) => {
                return Ok(Decision {
                    review,
                    applied,
                    reason,
                })
            }
            // The persons changed since the plan: plan again.
            Err(StoreError::Invalid(_)) if attempt < ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The effect of a decision, what it will have done, and the reason to log.
fn plan(
    store: &dyn Store,
    review: &LinkReview,
    accepted: bool,
    random: &mut dyn FnMut() -> u64,
) -> Result<(ReviewEffect, Applied, String), UnifyError> {
    let names: HashMap<SourceId, String> = store
        .sources()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let shown = |k: &RecordKey| {
        format!(
            "{}/{}",
            names.get(&k.source).map_or("?", String::as_str),
            k.record_id
        )
    };
    let (l, r) = (&review.left, &review.right);
    let pair = format!("{} and {}", shown(l), shown(r));
    let (ln, rn) = (store.person_of(l)?, store.person_of(r)?);
    if accepted {
        return Ok(match (ln, rn) {
            (Some(a), Some(b)) if a == b => (
                ReviewEffect::Nothing,
                Applied::Unchanged,
                format!("{pair} are one person, as they were"),
            ),
            (Some(a), Some(b)) => {
                let (pa, pb) = (store.person(a)?, store.person(b)?);
                let (keep, absorb) = if (pa.created_at, a) <= (pb.created_at, b) {
                    (a, b)
                } else {
                    (b, a)
                };
                (
                    ReviewEffect::Merge { keep, absorb },
                    Applied::Merged { keep, absorb },
                    format!(
                        "{pair} are one person: {} merged into the older {}",
                        spaced(absorb),
                        spaced(keep)
                    ),
                )
            }
            (Some(number), None) | (None, Some(number)) => {
                let records = vec![if ln.is_some() { r.clone() } else { l.clone() }];
                (
                    ReviewEffect::Assign {
                        number,
                        records: records.clone(),
                    },
                    Applied::Joined { number, records },
                    format!("{pair} are one person"),
                )
            }
            (None, None) => {
                let number = unused_number(store, random)?;
                (
                    ReviewEffect::Create {
                        number,
                        records: vec![l.clone(), r.clone()],
                    },
                    Applied::Created { number },
                    format!("{pair} are one person"),
                )
            }
        });
    }
    let person = match (ln, rn) {
        (Some(a), Some(b)) if a == b => a,
        _ => {
            return Ok((
                ReviewEffect::Nothing,
                Applied::Unchanged,
                format!("{pair} are two people, as they were"),
            ))
        }
    };
    match side_to_split(store, review, person, &names)? {
        Ok(moved) => {
            let new_number = unused_number(store, random)?;
            let reason = format!(
                "{pair} are two people, and nothing else joins them: {} record(s) split off {} onto {}",
                moved.len(),
                spaced(person),
                spaced(new_number)
            );
            Ok((
                ReviewEffect::Split {
                    from: person,
                    records: moved.clone(),
                    new_number,
                },
                Applied::Split {
                    from: person,
                    new_number,
                    moved,
                },
                reason,
            ))
        }
        Err(why) => Ok((
            ReviewEffect::Nothing,
            Applied::NotSplit,
            format!(
                "{pair} are two people; not split: {why}; split person {} by hand",
                spaced(person)
            ),
        )),
    }
}

/// The records to split off `person` when the rejected pair was the only evidence joining
/// its two records, or why no side can be chosen.
fn side_to_split(
    store: &dyn Store,
    review: &LinkReview,
    person: PersonNumber,
    names: &HashMap<SourceId, String>,
) -> Result<Result<Vec<RecordKey>, String>, UnifyError> {
    let stored = store.link_records_by_handle(&store.person_members(&[person])?)?;
    let keys: Vec<RecordKey> = stored.iter().map(|r| r.key.clone()).collect();
    let (Some(a), Some(b)) = (
        keys.iter().position(|k| *k == review.left),
        keys.iter().position(|k| *k == review.right),
    ) else {
        return Ok(Err(
            "the pair's records are no longer both this person's".into()
        ));
    };
    if keys.len() == 2 {
        return Ok(Ok(vec![keys[b].clone()]));
    }
    if keys.len() > MAX_SPLIT_RECORDS {
        return Ok(Err(format!(
            "the person holds {} records, more than {MAX_SPLIT_RECORDS}",
            keys.len()
        )));
    }
    let Some(model) = store.link_model()? else {
        return Ok(Err(
            "no linkage model is stored to weigh the person's other records".into(),
        ));
    };
    let (model, config): (Model, LinkConfig) = match Model::from_json(&model.text) {
        Ok(m) => m,
        Err(e) => {
            return Ok(Err(format!(
                "the stored linkage model cannot be read ({e})"
            )))
        }
    };
    let records = stored
        .iter()
        .map(|r| {
            let source = names.get(&r.key.source).cloned().unwrap_or_default();
            row_of(&r.payload, source, &r.key).map(|row| Record::from_row(&row))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The clerks' decisions on pairs of this person, this one (rejected) included.
    let position: HashMap<&RecordKey, usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut same = HashSet::new();
    let mut different = HashSet::from([(a.min(b), a.max(b))]);
    for (l, r, is_same) in store.review_labels()? {
        if let (Some(&x), Some(&y)) = (position.get(&l), position.get(&r)) {
            let pair = (x.min(y), x.max(y));
            if is_same {
                same.insert(pair);
            } else {
                different.insert(pair);
            }
        }
    }
    // Components of the person's records under the links that remain.
    let n = records.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for x in 0..n {
        for y in x + 1..n {
            if different.contains(&(x, y)) {
                continue;
            }
            if same.contains(&(x, y))
                || model.score(&records[x], &records[y]) >= config.link_threshold
            {
                let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
                parent[rx] = ry;
            }
        }
    }
    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
    if ra == rb {
        return Ok(Err(
            "other records of the person still link them together".into()
        ));
    }
    let side = |root: usize, parent: &mut Vec<usize>| -> Vec<usize> {
        (0..n).filter(|&i| find(parent, i) == root).collect()
    };
    let (side_a, side_b) = (side(ra, &mut parent), side(rb, &mut parent));
    let moved = if side_a.len() < side_b.len() {
        side_a
    } else {
        side_b
    };
    Ok(Ok(moved.into_iter().map(|i| keys[i].clone()).collect()))
}

/// A number as people read it: `1234 5678 9012`.
fn spaced(n: PersonNumber) -> String {
    let d = format!("{:012}", n.0);
    format!("{} {} {}", &d[..4], &d[4..8], &d[8..])
}

/// A number never issued (checked; the store refuses it anyway if another run issues it
/// first, and the decision is then planned again).
fn unused_number(
    store: &dyn Store,
    random: &mut dyn FnMut() -> u64,
) -> Result<PersonNumber, UnifyError> {
    const DRAWS: u32 = 32;
    for _ in 0..DRAWS {
        let n = draw(random);
        match store.person(n) {
            Err(StoreError::NotFound { .. }) => return Ok(n),
            Ok(_) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(UnifyError::NumbersExhausted(DRAWS))
}
