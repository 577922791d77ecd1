//! Splitting records off a person by hand ([`split_by_hand`]): what a clerk does when a review
//! decision could not split a person by itself ("not split: …") or when a person was found to
//! hold two people.
//!
//! The records move to a new unified number, drawn at random like every number; the person
//! keeps its number and the rest of its records. The store logs a `Split` event with the actor
//! and the reason, so the person's history shows who split it and why. Later runs never merge
//! the two numbers again by themselves: a cluster holding two numbers goes to the review queue.

use marsad_model::Clock;
use marsad_store::{PersonNumber, RecordKey, Store, StoreError};

use crate::{draw, UnifyError};

/// Moves `records` off the person `number` resolves to onto a new number, which it answers.
/// `Invalid` (naming the record) when a record is not this person's or when every record of the
/// person would move (nothing would be left to split from); `NotFound` for an unknown number.
pub fn split_by_hand(
    store: &dyn Store,
    number: PersonNumber,
    records: &[RecordKey],
    actor: &str,
    reason: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
) -> Result<PersonNumber, UnifyError> {
    if reason.trim().is_empty() {
        return Err(
            StoreError::Invalid("a split needs a reason for the person's history".into()).into(),
        );
    }
    if records.is_empty() {
        return Err(StoreError::Invalid("a split needs at least one record to move".into()).into());
    }
    let number = store.resolve_number(number)?;
    let held = store.person_records(number)?;
    for r in records {
        if !held.contains(r) {
            return Err(StoreError::Invalid(format!(
                "record {} of source {} is not one of person {}'s records",
                r.record_id, r.source.0, number.0
            ))
            .into());
        }
    }
    if held.iter().all(|h| records.contains(h)) {
        return Err(StoreError::Invalid(format!(
            "the split would move all {} records of person {}: name the records that are another person",
            held.len(),
            number.0
        ))
        .into());
    }
    // A drawn number that was issued already (one in a trillion) is drawn again.
    const ATTEMPTS: u32 = 3;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let new_number = draw(random);
        match store.split_person(number, records, new_number, actor, reason, clock.now()) {
            Ok(()) => return Ok(new_number),
            Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
