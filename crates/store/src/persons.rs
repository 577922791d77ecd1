//! Unified person numbers, their records, their log and clerical review, written once for both
//! engines over a minimal [`Sql`] interface that each backend implements on its connection or
//! transaction.
//!
//! Statements use `?1`-style placeholders (PostgreSQL's implementation turns them into `$1`) and
//! only SQL both engines accept. Every function that changes several rows is called inside one
//! write transaction by the backend; on PostgreSQL the persons involved are locked with
//! `FOR UPDATE` first, so concurrent merges, splits and assignments of one person queue up.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::codec::corrupt;
use crate::{
    LinkRecord, LinkReview, LinkSelection, NewReview, Numbering, Person, PersonAction, PersonEvent,
    PersonNumber, PersonStatus, RecordBlocks, RecordHandle, RecordKey, Result, ReviewEffect,
    ReviewId, ReviewStatus, SourceId, StoreError, StoredModel, Timestamp,
};

/// A value bound to a statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum P<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Ts(Timestamp),
    OptTs(Option<Timestamp>),
    Bool(bool),
    Bytes(&'a [u8]),
}

/// A value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Ts(Timestamp),
    Bytes(Vec<u8>),
}

/// What the persons' code needs from an engine.
pub(crate) trait Sql {
    /// `" FOR UPDATE"` where row locks exist (PostgreSQL); empty where writers are serialised
    /// anyway (SQLite's `BEGIN IMMEDIATE`).
    fn for_update(&self) -> &'static str;
    /// Runs a statement; a unique-constraint violation is `Conflict { what: ctx }`.
    fn exec(&mut self, ctx: &'static str, sql: &str, params: &[P<'_>]) -> Result<u64>;
    fn query(&mut self, ctx: &'static str, sql: &str, params: &[P<'_>]) -> Result<Vec<Vec<Val>>>;
    /// After a bulk write: gathers the planner's statistics of `tables` where the engine needs
    /// them to choose its indexes (PostgreSQL: without them, `col IN (…500 values…)` on a
    /// freshly filled table is planned as a scan of the whole table); nothing on SQLite.
    fn analyze(&mut self, ctx: &'static str, tables: &[&str]) -> Result<()>;
    /// A `FROM` item `x` whose rows are the objects of the JSON array given as parameter
    /// `?{param}`, with the columns `columns` (`name type, …`), where the engine turns one
    /// parameter into many rows for less than many-row `VALUES` cost (PostgreSQL plans and
    /// binds each statement anew: 60 small statements took 1.7 s of a 2.15 s refresh at
    /// 10,000,000 records); `None` where many-row `VALUES` are as cheap (SQLite).
    fn json_rows(&self, param: usize, columns: &str) -> Option<String> {
        let _ = (param, columns);
        None
    }
}

const USER_LIMIT_MAX: u32 = 10_000;

// ---------------------------------------------------------------------------------------------
// Reading values

pub(crate) fn bad(ctx: &'static str, what: &str) -> StoreError {
    corrupt(ctx, format!("unexpected value in {what}"))
}

pub(crate) fn int(row: &[Val], i: usize, ctx: &'static str) -> Result<i64> {
    match row.get(i) {
        Some(Val::Int(v)) => Ok(*v),
        _ => Err(bad(ctx, "an integer column")),
    }
}

pub(crate) fn real(row: &[Val], i: usize, ctx: &'static str) -> Result<f64> {
    match row.get(i) {
        Some(Val::Real(v)) => Ok(*v),
        Some(Val::Int(v)) => Ok(*v as f64),
        _ => Err(bad(ctx, "a real column")),
    }
}

pub(crate) fn text(row: &[Val], i: usize, ctx: &'static str) -> Result<String> {
    match row.get(i) {
        Some(Val::Text(v)) => Ok(v.clone()),
        _ => Err(bad(ctx, "a text column")),
    }
}

pub(crate) fn opt_text(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<String>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => text(row, i, ctx).map(Some),
    }
}

pub(crate) fn ts(row: &[Val], i: usize, ctx: &'static str) -> Result<Timestamp> {
    match row.get(i) {
        Some(Val::Ts(t)) => Ok(*t),
        Some(Val::Text(t)) => crate::codec::ts_from_text(t),
        _ => Err(bad(ctx, "a timestamp column")),
    }
}

pub(crate) fn opt_ts(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<Timestamp>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => ts(row, i, ctx).map(Some),
    }
}

fn number_from(v: i64) -> PersonNumber {
    PersonNumber(crate::codec::to_u64(v))
}

/// A number as stored; numbers above `i64::MAX` cannot be stored.
pub(crate) fn num(n: PersonNumber) -> Result<i64> {
    i64::try_from(n.0)
        .map_err(|_| StoreError::Invalid(format!("person number {} is too large", n.0)))
}

fn not_found_person(n: PersonNumber) -> StoreError {
    StoreError::NotFound {
        what: format!("person {}", n.0),
    }
}

fn key_text(k: &RecordKey) -> String {
    format!("{}/{}/{}", k.source.0, k.kind, k.record_id)
}

fn keys_json(keys: &[RecordKey]) -> String {
    Value::Array(
        keys.iter()
            .map(|k| json!([k.source.0, k.kind, k.record_id]))
            .collect(),
    )
    .to_string()
}

pub(crate) fn keys_from_json(text: &str) -> Result<Vec<RecordKey>> {
    const CTX: &str = "reading a person event";
    let value: Value = serde_json::from_str(text).map_err(|_| bad(CTX, "records"))?;
    let Value::Array(items) = value else {
        return Err(bad(CTX, "records"));
    };
    items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([s, Value::String(k), Value::String(r)]) => {
                let s = s.as_i64().ok_or_else(|| bad(CTX, "records"))?;
                Ok(RecordKey::new(SourceId(s), k.clone(), r.clone()))
            }
            _ => Err(bad(CTX, "records")),
        })
        .collect()
}

fn numbers_json(numbers: &[PersonNumber]) -> String {
    Value::Array(numbers.iter().map(|n| json!(n.0)).collect()).to_string()
}

pub(crate) fn numbers_from_json(text: &str) -> Result<Vec<PersonNumber>> {
    const CTX: &str = "reading a person event";
    let value: Value = serde_json::from_str(text).map_err(|_| bad(CTX, "numbers"))?;
    let Value::Array(items) = value else {
        return Err(bad(CTX, "numbers"));
    };
    items
        .iter()
        .map(|v| {
            v.as_u64()
                .map(PersonNumber)
                .ok_or_else(|| bad(CTX, "numbers"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Persons

/// Status and survivor of `n`, locked for the rest of the transaction where the engine locks.
fn person_row(
    db: &mut dyn Sql,
    n: PersonNumber,
    lock: bool,
) -> Result<Option<(PersonStatus, Option<PersonNumber>)>> {
    const CTX: &str = "reading a person";
    let suffix = if lock { db.for_update() } else { "" };
    let rows = db.query(
        CTX,
        &format!("SELECT status, merged_into FROM persons WHERE number = ?1{suffix}"),
        &[P::Int(num(n)?)],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let status = match text(row, 0, CTX)?.as_str() {
        "active" => PersonStatus::Active,
        "merged" => PersonStatus::Merged,
        _ => return Err(bad(CTX, "status")),
    };
    let into = match row.get(1) {
        Some(Val::Null) => None,
        _ => Some(number_from(int(row, 1, CTX)?)),
    };
    Ok(Some((status, into)))
}

/// The active number `n` stands for, locked where the engine locks.
fn resolve(db: &mut dyn Sql, n: PersonNumber, lock: bool) -> Result<PersonNumber> {
    match person_row(db, n, lock)? {
        None => Err(not_found_person(n)),
        Some((PersonStatus::Active, _)) => Ok(n),
        Some((PersonStatus::Merged, Some(survivor))) => match person_row(db, survivor, lock)? {
            Some((PersonStatus::Active, _)) => Ok(survivor),
            _ => Err(corrupt(
                "resolving a person number",
                format!("alias {} points at an inactive number", n.0),
            )),
        },
        Some((PersonStatus::Merged, None)) => Err(bad("resolving a person number", "persons")),
    }
}

fn log_event(
    db: &mut dyn Sql,
    action: PersonAction,
    numbers: &[PersonNumber],
    records: &[RecordKey],
    actor: &str,
    reason: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    const CTX: &str = "logging a person event";
    let rows = db.query(
        CTX,
        "INSERT INTO person_events (at, actor, action, numbers, records, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        &[
            P::Ts(at),
            P::Text(Some(actor)),
            P::Text(Some(action.as_str())),
            P::Text(Some(&numbers_json(numbers))),
            P::Text(Some(&keys_json(records))),
            P::Text(reason),
        ],
    )?;
    let id = rows
        .first()
        .map(|r| int(r, 0, CTX))
        .transpose()?
        .ok_or_else(|| bad(CTX, "RETURNING"))?;
    let distinct: BTreeSet<PersonNumber> = numbers.iter().copied().collect();
    for n in distinct {
        db.exec(
            CTX,
            "INSERT INTO person_event_numbers (number, event_id) VALUES (?1, ?2)",
            &[P::Int(num(n)?), P::Int(id)],
        )?;
    }
    Ok(())
}

fn insert_person(db: &mut dyn Sql, n: PersonNumber, actor: &str, at: Timestamp) -> Result<()> {
    let stored = num(n)?;
    db.exec(
        "issuing a person number",
        "INSERT INTO persons (number, created_at, created_by, status) VALUES (?1, ?2, ?3, 'active')",
        &[P::Int(stored), P::Ts(at), P::Text(Some(actor))],
    )
    .map_err(|e| match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("person number {}", n.0),
        },
        other => other,
    })?;
    Ok(())
}

pub(crate) fn create_person(
    db: &mut dyn Sql,
    n: PersonNumber,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    insert_person(db, n, actor, at)?;
    log_event(db, PersonAction::Create, &[n], &[], actor, None, at)
}

pub(crate) fn person(db: &mut dyn Sql, n: PersonNumber) -> Result<Person> {
    const CTX: &str = "reading a person";
    let rows = db.query(
        CTX,
        "SELECT number, status, merged_into, created_at, created_by FROM persons
         WHERE number = ?1",
        &[P::Int(num(n)?)],
    )?;
    let row = rows.first().ok_or_else(|| not_found_person(n))?;
    Ok(Person {
        number: number_from(int(row, 0, CTX)?),
        status: match text(row, 1, CTX)?.as_str() {
            "active" => PersonStatus::Active,
            "merged" => PersonStatus::Merged,
            _ => return Err(bad(CTX, "status")),
        },
        merged_into: match row.get(2) {
            Some(Val::Null) => None,
            _ => Some(number_from(int(row, 2, CTX)?)),
        },
        created_at: ts(row, 3, CTX)?,
        created_by: text(row, 4, CTX)?,
    })
}

pub(crate) fn resolve_number(db: &mut dyn Sql, n: PersonNumber) -> Result<PersonNumber> {
    resolve(db, n, false)
}

/// Which person holds `key` and whether the record is visible at all.
fn holder(db: &mut dyn Sql, key: &RecordKey) -> Result<(bool, Option<PersonNumber>)> {
    const CTX: &str = "reading a record's person";
    let rows = db.query(
        CTX,
        "SELECT c.id, p.number FROM current_records c
         LEFT JOIN person_records p ON p.source_id = c.source_id AND p.kind = c.kind
              AND p.record_id = c.record_id
         WHERE c.source_id = ?1 AND c.kind = ?2 AND c.record_id = ?3",
        &[
            P::Int(key.source.0),
            P::Text(Some(&key.kind)),
            P::Text(Some(&key.record_id)),
        ],
    )?;
    match rows.first() {
        None => Ok((false, None)),
        Some(row) => match row.get(1) {
            Some(Val::Null) => Ok((true, None)),
            _ => Ok((true, Some(number_from(int(row, 1, CTX)?)))),
        },
    }
}

fn put_record(
    db: &mut dyn Sql,
    key: &RecordKey,
    to: PersonNumber,
    actor: &str,
    weight: Option<f64>,
    at: Timestamp,
) -> Result<()> {
    db.exec(
        "assigning a record",
        "INSERT INTO person_records (source_id, kind, record_id, number, assigned_at, assigned_by,
             link_weight)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source_id, kind, record_id) DO UPDATE SET number = excluded.number,
             assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by,
             link_weight = excluded.link_weight",
        &[
            P::Int(key.source.0),
            P::Text(Some(&key.kind)),
            P::Text(Some(&key.record_id)),
            P::Int(num(to)?),
            P::Ts(at),
            P::Text(Some(actor)),
            P::Real(weight),
        ],
    )?;
    Ok(())
}

pub(crate) fn assign_records(
    db: &mut dyn Sql,
    n: PersonNumber,
    records: &[RecordKey],
    actor: &str,
    weight: Option<f64>,
    at: Timestamp,
) -> Result<u64> {
    if weight.is_some_and(|w| !w.is_finite()) {
        return Err(StoreError::Invalid("a link weight must be finite".into()));
    }
    let target = resolve(db, n, true)?;
    let mut changed = Vec::new();
    let mut from = BTreeSet::new();
    for key in records {
        let (visible, held_by) = holder(db, key)?;
        if !visible {
            return Err(StoreError::NotFound {
                what: format!("record {}", key_text(key)),
            });
        }
        if held_by == Some(target) {
            continue;
        }
        if let Some(previous) = held_by {
            // Lock the person the record is taken from, like the target.
            person_row(db, previous, true)?;
            from.insert(previous);
        }
        put_record(db, key, target, actor, weight, at)?;
        changed.push(key.clone());
    }
    if changed.is_empty() {
        return Ok(0);
    }
    let mut numbers = vec![target];
    numbers.extend(from);
    log_event(
        db,
        PersonAction::Assign,
        &numbers,
        &changed,
        actor,
        None,
        at,
    )?;
    Ok(changed.len() as u64)
}

pub(crate) fn person_of(db: &mut dyn Sql, key: &RecordKey) -> Result<Option<PersonNumber>> {
    const CTX: &str = "reading a record's person";
    let rows = db.query(
        CTX,
        "SELECT number FROM person_records WHERE source_id = ?1 AND kind = ?2 AND record_id = ?3",
        &[
            P::Int(key.source.0),
            P::Text(Some(&key.kind)),
            P::Text(Some(&key.record_id)),
        ],
    )?;
    rows.first()
        .map(|r| int(r, 0, CTX).map(number_from))
        .transpose()
}

fn records_of(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<RecordKey>> {
    const CTX: &str = "reading a person's records";
    let rows = db.query(
        CTX,
        "SELECT source_id, kind, record_id FROM person_records WHERE number = ?1
         ORDER BY source_id, kind, record_id",
        &[P::Int(num(n)?)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(RecordKey::new(
                SourceId(int(r, 0, CTX)?),
                text(r, 1, CTX)?,
                text(r, 2, CTX)?,
            ))
        })
        .collect()
}

pub(crate) fn person_records(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<RecordKey>> {
    let survivor = resolve(db, n, false)?;
    records_of(db, survivor)
}

pub(crate) fn merge_persons(
    db: &mut dyn Sql,
    keep: PersonNumber,
    absorb: PersonNumber,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<()> {
    const CTX: &str = "merging persons";
    if keep == absorb {
        return Err(StoreError::Invalid(format!(
            "person {} cannot be merged into itself",
            keep.0
        )));
    }
    // Lock in number order so two opposite merges cannot deadlock.
    let (first, second) = if keep < absorb {
        (keep, absorb)
    } else {
        (absorb, keep)
    };
    let a = person_row(db, first, true)?.ok_or_else(|| not_found_person(first))?;
    let b = person_row(db, second, true)?.ok_or_else(|| not_found_person(second))?;
    let (keep_row, absorb_row) = if keep < absorb { (a, b) } else { (b, a) };
    if let (PersonStatus::Merged, Some(into)) = keep_row {
        return Err(StoreError::Invalid(format!(
            "person {} is merged into {}; merge into that number",
            keep.0, into.0
        )));
    }
    if let (PersonStatus::Merged, Some(into)) = absorb_row {
        return Err(StoreError::Invalid(format!(
            "person {} is already merged into {}",
            absorb.0, into.0
        )));
    }
    let moved = records_of(db, absorb)?;
    let (k, x) = (num(keep)?, num(absorb)?);
    db.exec(
        CTX,
        "UPDATE person_records SET number = ?1, assigned_at = ?3, assigned_by = ?4
         WHERE number = ?2",
        &[P::Int(k), P::Int(x), P::Ts(at), P::Text(Some(actor))],
    )?;
    db.exec(
        CTX,
        "UPDATE persons SET status = 'merged', merged_into = ?1, merged_at = ?3 WHERE number = ?2",
        &[P::Int(k), P::Int(x), P::Ts(at)],
    )?;
    // Aliases of the absorbed number now resolve straight to the survivor.
    db.exec(
        CTX,
        "UPDATE persons SET merged_into = ?1 WHERE merged_into = ?2",
        &[P::Int(k), P::Int(x)],
    )?;
    log_event(
        db,
        PersonAction::Merge,
        &[keep, absorb],
        &moved,
        actor,
        Some(reason),
        at,
    )
}

pub(crate) fn split_person(
    db: &mut dyn Sql,
    n: PersonNumber,
    records: &[RecordKey],
    new_number: PersonNumber,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<()> {
    if records.is_empty() {
        return Err(StoreError::Invalid(
            "a split needs at least one record to move".into(),
        ));
    }
    let from = resolve(db, n, true)?;
    let unique: BTreeSet<&RecordKey> = records.iter().collect();
    insert_person(db, new_number, actor, at)?;
    for key in &unique {
        if person_of(db, key)? != Some(from) {
            return Err(StoreError::Invalid(format!(
                "record {} does not belong to person {}",
                key_text(key),
                from.0
            )));
        }
        put_record(db, key, new_number, actor, None, at)?;
    }
    let moved: Vec<RecordKey> = unique.into_iter().cloned().collect();
    log_event(
        db,
        PersonAction::Split,
        &[from, new_number],
        &moved,
        actor,
        Some(reason),
        at,
    )
}

pub(crate) fn person_events(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<PersonEvent>> {
    const CTX: &str = "reading a person's events";
    let survivor = resolve(db, n, false)?;
    let rows = db.query(
        CTX,
        "SELECT id, at, actor, action, numbers, records, reason FROM person_events
         WHERE id IN (SELECT event_id FROM person_event_numbers
                      WHERE number = ?1
                         OR number IN (SELECT number FROM persons WHERE merged_into = ?1))
         ORDER BY id",
        &[P::Int(num(survivor)?)],
    )?;
    rows.iter()
        .map(|r| {
            Ok(PersonEvent {
                id: int(r, 0, CTX)?,
                at: ts(r, 1, CTX)?,
                actor: text(r, 2, CTX)?,
                action: PersonAction::parse(&text(r, 3, CTX)?).ok_or_else(|| bad(CTX, "action"))?,
                numbers: numbers_from_json(&text(r, 4, CTX)?)?,
                records: keys_from_json(&text(r, 5, CTX)?)?,
                reason: opt_text(r, 6, CTX)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Clerical review

const REVIEW_COLUMNS: &str = "id, left_source, left_kind, left_record, right_source, right_kind,
     right_record, weight, explanation, status, created_at, decided_by, decided_at";

fn review_row(r: &[Val]) -> Result<LinkReview> {
    const CTX: &str = "reading a review";
    Ok(LinkReview {
        id: ReviewId(int(r, 0, CTX)?),
        left: RecordKey::new(
            SourceId(int(r, 1, CTX)?),
            text(r, 2, CTX)?,
            text(r, 3, CTX)?,
        ),
        right: RecordKey::new(
            SourceId(int(r, 4, CTX)?),
            text(r, 5, CTX)?,
            text(r, 6, CTX)?,
        ),
        weight: real(r, 7, CTX)?,
        explanation: text(r, 8, CTX)?,
        status: ReviewStatus::parse(&text(r, 9, CTX)?).ok_or_else(|| bad(CTX, "status"))?,
        created_at: ts(r, 10, CTX)?,
        decided_by: opt_text(r, 11, CTX)?,
        decided_at: opt_ts(r, 12, CTX)?,
    })
}

pub(crate) fn add_review(
    db: &mut dyn Sql,
    left: &RecordKey,
    right: &RecordKey,
    weight: f64,
    explanation: &str,
    at: Timestamp,
) -> Result<ReviewId> {
    add_review_new(db, left, right, weight, explanation, at).map(|(id, _)| id)
}

/// [`add_review`], also telling whether the pair is new in the queue.
fn add_review_new(
    db: &mut dyn Sql,
    left: &RecordKey,
    right: &RecordKey,
    weight: f64,
    explanation: &str,
    at: Timestamp,
) -> Result<(ReviewId, bool)> {
    const CTX: &str = "adding a review";
    if left == right {
        return Err(StoreError::Invalid(
            "a record cannot be reviewed against itself".into(),
        ));
    }
    if !weight.is_finite() {
        return Err(StoreError::Invalid("a link weight must be finite".into()));
    }
    if serde_json::from_str::<Value>(explanation).is_err() {
        return Err(StoreError::Invalid(
            "a review's explanation must be JSON".into(),
        ));
    }
    let (l, r) = if left < right {
        (left, right)
    } else {
        (right, left)
    };
    let pair = [
        P::Int(l.source.0),
        P::Text(Some(&l.kind)),
        P::Text(Some(&l.record_id)),
        P::Int(r.source.0),
        P::Text(Some(&r.kind)),
        P::Text(Some(&r.record_id)),
    ];
    let mut params = pair.to_vec();
    params.extend([P::Real(Some(weight)), P::Text(Some(explanation)), P::Ts(at)]);
    let inserted = db.query(
        CTX,
        "INSERT INTO link_reviews (left_source, left_kind, left_record, right_source, right_kind,
             right_record, weight, explanation, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9)
         ON CONFLICT DO NOTHING RETURNING id",
        &params,
    )?;
    if let Some(row) = inserted.first() {
        return Ok((ReviewId(int(row, 0, CTX)?), true));
    }
    let existing = db.query(
        CTX,
        "SELECT id FROM link_reviews WHERE left_source = ?1 AND left_kind = ?2
             AND left_record = ?3 AND right_source = ?4 AND right_kind = ?5 AND right_record = ?6",
        &pair,
    )?;
    let row = existing.first().ok_or_else(|| bad(CTX, "link_reviews"))?;
    Ok((ReviewId(int(row, 0, CTX)?), false))
}

fn review_locked(db: &mut dyn Sql, id: ReviewId, lock: bool) -> Result<LinkReview> {
    let suffix = if lock { db.for_update() } else { "" };
    let rows = db.query(
        "reading a review",
        &format!("SELECT {REVIEW_COLUMNS} FROM link_reviews WHERE id = ?1{suffix}"),
        &[P::Int(id.0)],
    )?;
    match rows.first() {
        Some(row) => review_row(row),
        None => Err(StoreError::NotFound {
            what: format!("review {}", id.0),
        }),
    }
}

pub(crate) fn review(db: &mut dyn Sql, id: ReviewId) -> Result<LinkReview> {
    review_locked(db, id, false)
}

pub(crate) fn reviews(
    db: &mut dyn Sql,
    status: Option<ReviewStatus>,
    after: Option<ReviewId>,
    limit: u32,
) -> Result<Vec<LinkReview>> {
    let limit = i64::from(limit.min(USER_LIMIT_MAX));
    let after = after.map_or(0, |a| a.0);
    let rows = match status {
        Some(status) => db.query(
            "listing reviews",
            &format!(
                "SELECT {REVIEW_COLUMNS} FROM link_reviews WHERE status = ?1 AND id > ?2
                 ORDER BY id LIMIT ?3"
            ),
            &[P::Text(Some(status.as_str())), P::Int(after), P::Int(limit)],
        )?,
        None => db.query(
            "listing reviews",
            &format!(
                "SELECT {REVIEW_COLUMNS} FROM link_reviews WHERE id > ?1 ORDER BY id LIMIT ?2"
            ),
            &[P::Int(after), P::Int(limit)],
        )?,
    };
    rows.iter().map(|r| review_row(r)).collect()
}

pub(crate) fn decide_review(
    db: &mut dyn Sql,
    id: ReviewId,
    accepted: bool,
    actor: &str,
    at: Timestamp,
) -> Result<LinkReview> {
    decide(db, id, accepted, actor, None, at)
}

/// Records the decision and its `Review` event (`note` appended to the event's reason).
fn decide(
    db: &mut dyn Sql,
    id: ReviewId,
    accepted: bool,
    actor: &str,
    note: Option<&str>,
    at: Timestamp,
) -> Result<LinkReview> {
    let current = review_locked(db, id, true)?;
    if current.status != ReviewStatus::Open {
        return Err(StoreError::Conflict {
            what: format!("a decision on review {}", id.0),
        });
    }
    let status = if accepted {
        ReviewStatus::Accepted
    } else {
        ReviewStatus::Rejected
    };
    db.exec(
        "deciding a review",
        "UPDATE link_reviews SET status = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1",
        &[
            P::Int(id.0),
            P::Text(Some(status.as_str())),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    let mut numbers = Vec::new();
    for key in [&current.left, &current.right] {
        if let Some(n) = person_of(db, key)? {
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
    }
    let pair = [current.left.clone(), current.right.clone()];
    let reason = match note {
        Some(note) => format!("review {} {}: {note}", id.0, status.as_str()),
        None => format!("review {} {}", id.0, status.as_str()),
    };
    log_event(
        db,
        PersonAction::Review,
        &numbers,
        &pair,
        actor,
        Some(&reason),
        at,
    )?;
    review_locked(db, id, false)
}

pub(crate) fn review_labels(db: &mut dyn Sql) -> Result<Vec<(RecordKey, RecordKey, bool)>> {
    let rows = db.query(
        "reading review labels",
        &format!(
            "SELECT {REVIEW_COLUMNS} FROM link_reviews WHERE status <> 'open'
             ORDER BY decided_at, id"
        ),
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let review = review_row(r)?;
            Ok((
                review.left,
                review.right,
                review.status == ReviewStatus::Accepted,
            ))
        })
        .collect()
}

pub(crate) fn person_aliases(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<PersonNumber>> {
    const CTX: &str = "reading a person's aliases";
    let survivor = resolve(db, n, false)?;
    let rows = db.query(
        CTX,
        "SELECT number FROM persons WHERE merged_into = ?1 ORDER BY number",
        &[P::Int(num(survivor)?)],
    )?;
    rows.iter()
        .map(|r| int(r, 0, CTX).map(number_from))
        .collect()
}

/// Refuses records that already belong to a person (an `Assign` or `Create` effect is for
/// records that belong to no one).
fn unheld(db: &mut dyn Sql, records: &[RecordKey]) -> Result<()> {
    for key in records {
        if let (_, Some(n)) = holder(db, key)? {
            return Err(StoreError::Invalid(format!(
                "record {} belongs to person {} already",
                key_text(key),
                n.0
            )));
        }
    }
    Ok(())
}

pub(crate) fn apply_review(
    db: &mut dyn Sql,
    id: ReviewId,
    accepted: bool,
    effect: &ReviewEffect,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<LinkReview> {
    decide(db, id, accepted, actor, Some(reason), at)?;
    match effect {
        ReviewEffect::Nothing => {}
        ReviewEffect::Merge { keep, absorb } => {
            merge_persons(db, *keep, *absorb, actor, reason, at)?;
        }
        ReviewEffect::Split {
            from,
            records,
            new_number,
        } => split_person(db, *from, records, *new_number, actor, reason, at)?,
        ReviewEffect::Assign { number, records } => {
            unheld(db, records)?;
            assign_records(db, *number, records, actor, None, at)?;
        }
        ReviewEffect::Create { number, records } => {
            unheld(db, records)?;
            create_person(db, *number, actor, at)?;
            assign_records(db, *number, records, actor, None, at)?;
        }
    }
    review_locked(db, id, false)
}

pub(crate) fn number_persons(
    db: &mut dyn Sql,
    batch: &[Numbering],
    actor: &str,
    at: Timestamp,
) -> Result<u64> {
    let mut changed = 0;
    for n in batch {
        // Records another run numbered meanwhile stay with their person.
        let mut free = Vec::with_capacity(n.records.len());
        for key in &n.records {
            match holder(db, key)? {
                (false, _) => {
                    return Err(StoreError::NotFound {
                        what: format!("record {}", key_text(key)),
                    })
                }
                (true, None) => free.push(key.clone()),
                (true, Some(_)) => {}
            }
        }
        if free.is_empty() && !n.records.is_empty() {
            continue;
        }
        if n.new {
            create_person(db, n.number, actor, at)?;
        }
        changed += assign_records(db, n.number, &free, actor, n.weight, at)?;
    }
    Ok(changed)
}

pub(crate) fn add_reviews(
    db: &mut dyn Sql,
    reviews: &[NewReview],
    at: Timestamp,
) -> Result<Vec<(ReviewId, bool)>> {
    reviews
        .iter()
        .map(|r| add_review_new(db, &r.left, &r.right, r.weight, &r.explanation, at))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The incremental linker's index

/// Rows (or keys) per multi-row statement: far below both engines' parameter limits, and few
/// enough round trips on PostgreSQL.
pub(crate) const CHUNK: usize = 500;

/// `?from, ?from+1, …` (`n` placeholders).
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A block key as stored: the same 64 bits read as a signed integer.
fn key_to_sql(key: u64) -> i64 {
    i64::from_ne_bytes(key.to_ne_bytes())
}

fn key_from_sql(key: i64) -> u64 {
    u64::from_ne_bytes(key.to_ne_bytes())
}

pub(crate) const LINK_COLUMNS: &str =
    "c.id, c.source_id, c.kind, c.record_id, c.version, v.payload, p.number";

pub(crate) fn link_row(r: &[Val]) -> Result<LinkRecord> {
    const CTX: &str = "reading a record to link";
    Ok(LinkRecord {
        handle: RecordHandle(int(r, 0, CTX)?),
        key: RecordKey::new(
            SourceId(int(r, 1, CTX)?),
            text(r, 2, CTX)?,
            text(r, 3, CTX)?,
        ),
        version: u32::try_from(int(r, 4, CTX)?).map_err(|_| bad(CTX, "version"))?,
        payload: text(r, 5, CTX)?,
        person: match r.get(6) {
            Some(Val::Null) => None,
            _ => Some(number_from(int(r, 6, CTX)?)),
        },
    })
}

pub(crate) fn link_records(
    db: &mut dyn Sql,
    kind: &str,
    selection: LinkSelection,
    after: Option<i64>,
    limit: u32,
) -> Result<(Vec<LinkRecord>, Option<i64>)> {
    let limit = crate::codec::page_limit(limit);
    if limit == 0 {
        return Ok((Vec::new(), None));
    }
    let filter = match selection {
        LinkSelection::All => "",
        LinkSelection::Unassigned => " AND p.number IS NULL",
        LinkSelection::Unblocked => {
            " AND p.number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM person_blocked b
                 WHERE b.record = c.id AND b.version = c.version)"
        }
    };
    let rows = db.query(
        "listing records to link",
        &format!(
            "SELECT {LINK_COLUMNS} FROM current_records c
             JOIN record_versions v ON v.id = c.version_id
             LEFT JOIN person_records p ON p.source_id = c.source_id AND p.kind = c.kind
                  AND p.record_id = c.record_id
             WHERE c.kind = ?1 AND c.id > ?2{filter} ORDER BY c.id LIMIT ?3"
        ),
        &[
            P::Text(Some(kind)),
            P::Int(after.unwrap_or(0)),
            P::Int(limit + 1),
        ],
    )?;
    let mut page = rows
        .iter()
        .map(|r| link_row(r))
        .collect::<Result<Vec<_>>>()?;
    let more = page.len() as i64 > limit;
    page.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        page.last().map(|r| r.handle.0)
    } else {
        None
    };
    Ok((page, next))
}

pub(crate) fn put_blocks(db: &mut dyn Sql, blocks: &[RecordBlocks]) -> Result<()> {
    const CTX: &str = "storing block keys";
    // A record given twice: its last keys count.
    let mut seen = std::collections::HashSet::new();
    let mut unique: Vec<&RecordBlocks> = blocks
        .iter()
        .rev()
        .filter(|b| seen.insert(b.handle))
        .collect();
    unique.sort_by_key(|b| b.handle);
    for chunk in unique.chunks(CHUNK) {
        let handles: Vec<P<'_>> = chunk.iter().map(|b| P::Int(b.handle.0)).collect();
        db.exec(
            CTX,
            &format!(
                "DELETE FROM person_blocks WHERE record IN ({})",
                placeholders(1, handles.len())
            ),
            &handles,
        )?;
    }
    // In key order: the rows land in the index's order, not at random places (block keys are
    // hashes), which keeps a large rebuild from touching every page for every row.
    let mut rows: Vec<(i64, i64)> = unique
        .iter()
        .flat_map(|b| b.keys.iter().map(|&k| (key_to_sql(k), b.handle.0)))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    for part in rows.chunks(CHUNK) {
        let values = (0..part.len())
            .map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let params: Vec<P<'_>> = part
            .iter()
            .flat_map(|&(k, r)| [P::Int(k), P::Int(r)])
            .collect();
        db.exec(
            CTX,
            &format!(
                "INSERT INTO person_blocks (key, record) VALUES {values} ON CONFLICT DO NOTHING"
            ),
            &params,
        )?;
    }
    for chunk in unique.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let params: Vec<P<'_>> = chunk
            .iter()
            .flat_map(|b| [P::Int(b.handle.0), P::Int(i64::from(b.version))])
            .collect();
        db.exec(
            CTX,
            &format!(
                "INSERT INTO person_blocked (record, version) VALUES {values}
                 ON CONFLICT (record) DO UPDATE SET version = excluded.version"
            ),
            &params,
        )?;
    }
    Ok(())
}

pub(crate) fn block_sizes(db: &mut dyn Sql, keys: &[u64]) -> Result<Vec<(u64, u64)>> {
    const CTX: &str = "counting blocks";
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|&k| P::Int(key_to_sql(k))).collect();
        let rows = db.query(
            CTX,
            &format!(
                "SELECT key, count(*) FROM person_blocks WHERE key IN ({}) GROUP BY key",
                placeholders(1, params.len())
            ),
            &params,
        )?;
        for r in &rows {
            out.push((
                key_from_sql(int(r, 0, CTX)?),
                crate::codec::to_u64(int(r, 1, CTX)?),
            ));
        }
    }
    Ok(out)
}

/// The distinct integers `sql` selects (one column, `{in}` for the list), run once per chunk of
/// `values`, ascending.
fn ids_in(db: &mut dyn Sql, ctx: &'static str, sql: &str, values: &[i64]) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in values.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|&v| P::Int(v)).collect();
        let rows = db.query(
            ctx,
            &sql.replace("{in}", &placeholders(1, params.len())),
            &params,
        )?;
        for r in &rows {
            out.push(int(r, 0, ctx)?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

pub(crate) fn block_members(db: &mut dyn Sql, keys: &[u64]) -> Result<Vec<RecordHandle>> {
    let keys: Vec<i64> = keys.iter().map(|&k| key_to_sql(k)).collect();
    Ok(ids_in(
        db,
        "reading blocks",
        "SELECT DISTINCT record FROM person_blocks WHERE key IN ({in})",
        &keys,
    )?
    .into_iter()
    .map(RecordHandle)
    .collect())
}

pub(crate) fn person_members(
    db: &mut dyn Sql,
    numbers: &[PersonNumber],
) -> Result<Vec<RecordHandle>> {
    let numbers = numbers
        .iter()
        .map(|&n| num(n))
        .collect::<Result<Vec<_>>>()?;
    Ok(ids_in(
        db,
        "reading persons' records",
        "SELECT c.id FROM person_records p
         JOIN current_records c ON c.source_id = p.source_id AND c.kind = p.kind
              AND c.record_id = p.record_id
         WHERE p.number IN ({in})",
        &numbers,
    )?
    .into_iter()
    .map(RecordHandle)
    .collect())
}

pub(crate) fn link_records_by_handle(
    db: &mut dyn Sql,
    handles: &[RecordHandle],
) -> Result<Vec<LinkRecord>> {
    const CTX: &str = "reading records to link";
    let mut values: Vec<i64> = handles.iter().map(|h| h.0).collect();
    values.sort_unstable();
    values.dedup();
    let mut out = Vec::with_capacity(values.len());
    for chunk in values.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|&v| P::Int(v)).collect();
        let rows = db.query(
            CTX,
            &format!(
                "SELECT {LINK_COLUMNS} FROM current_records c
                 JOIN record_versions v ON v.id = c.version_id
                 LEFT JOIN person_records p ON p.source_id = c.source_id AND p.kind = c.kind
                      AND p.record_id = c.record_id
                 WHERE c.id IN ({}) ORDER BY c.id",
                placeholders(1, params.len())
            ),
            &params,
        )?;
        for r in &rows {
            out.push(link_row(r)?);
        }
    }
    Ok(out)
}

pub(crate) fn clear_link_index(db: &mut dyn Sql) -> Result<()> {
    const CTX: &str = "clearing the linkage index";
    db.exec(CTX, "DELETE FROM person_blocks", &[])?;
    db.exec(CTX, "DELETE FROM person_blocked", &[])?;
    db.exec(CTX, "DELETE FROM link_model", &[])?;
    Ok(())
}

pub(crate) fn put_link_model(db: &mut dyn Sql, model: &str, at: Timestamp) -> Result<()> {
    db.exec(
        "storing the linkage model",
        "INSERT INTO link_model (id, saved_at, model) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, model = excluded.model",
        &[P::Ts(at), P::Text(Some(model))],
    )?;
    Ok(())
}

pub(crate) fn link_model(db: &mut dyn Sql) -> Result<Option<StoredModel>> {
    const CTX: &str = "reading the linkage model";
    let rows = db.query(
        CTX,
        "SELECT model, saved_at FROM link_model WHERE id = 1",
        &[],
    )?;
    rows.first()
        .map(|r| {
            Ok(StoredModel {
                text: text(r, 0, CTX)?,
                saved_at: ts(r, 1, CTX)?,
            })
        })
        .transpose()
}
