//! Statistics (migration `0008_statistics`): the materialised cube of every indicator, what each
//! unit contributed to it, which records make up each unit, and how far it is up to date; written
//! once for both engines over the [`Sql`] interface of [`crate::persons`].
//!
//! The store does not know what a fact or an indicator is: cells are keyed text with five
//! integer sums, a unit's facts are opaque text (`marsad-figures` writes and reads them), and
//! the settings the cube was computed with are opaque JSON. What it guarantees is that a refresh
//! ([`apply`]) replaces units, adds the net change to the cells, deletes the cells that came back
//! to zero and advances the watermark in **one** transaction, so the cube always equals the sum
//! of the facts its units hold.
//!
//! The watermark is the set of complete submissions already applied (a submission that was begun
//! earlier but finalized later is still found) and the last person event applied.

use std::collections::{BTreeSet, HashMap};

use crate::persons::{
    int, keys_from_json, link_row, numbers_from_json, placeholders, text, ts, Sql, Val, CHUNK,
    LINK_COLUMNS, P,
};
use crate::{LinkRecord, PersonNumber, RecordKey, Result, SourceId, SubmissionId, Timestamp};

/// One cell of the cube: an indicator, a month (`YYYY-MM`), the cell key (`DIM=code` pairs
/// joined by `;`) and its sums (fixed point where the statistics crate says so). As a delta
/// ([`StatsBatch::deltas`]) the sums are added to the cell and may be negative.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatCell {
    pub indicator: String,
    pub period: String,
    pub key: String,
    pub value: i64,
    pub denominator: i64,
    pub units: i64,
    pub provisional: i64,
    pub estimated: i64,
    /// The cell key (migration 0014): the sum of its contributions' record keys modulo 2³², in
    /// `0..2³²`; added modulo 2³² (a delta's is the change modulo 2³²).
    pub ckey: i64,
}

impl StatCell {
    /// The sums in the order of the columns: value, denominator, units, provisional,
    /// estimated, cell key.
    fn sums(&self) -> [i64; 6] {
        [
            self.value,
            self.denominator,
            self.units,
            self.provisional,
            self.estimated,
            self.ckey,
        ]
    }
}

/// The unit a current record is counted in, and the person record it refers to in its own
/// source (an event record's `person_record_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatsMember {
    pub record: RecordKey,
    pub unit: String,
    pub person_ref: Option<String>,
}

/// How far the cube is up to date.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsState {
    /// The last person event (merge, split, assignment) applied.
    pub person_event: i64,
    pub refreshed_at: Timestamp,
    /// What the cube was computed with (JSON, the caller's business).
    pub settings: String,
    /// Complete submissions applied.
    pub submissions: u64,
    /// Cells in the cube.
    pub cells: u64,
}

/// What changed since the last refresh ([`changes`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsChanges {
    /// Complete submissions not applied yet (all complete submissions for a full refresh).
    pub submissions: Vec<SubmissionId>,
    /// The last person event now.
    pub person_event: i64,
    /// The current records that the pending submissions made current (empty for a full
    /// refresh: the caller reads everything).
    pub records: Vec<LinkRecord>,
    /// Numbers named by person events after the watermark (empty for a full refresh).
    pub numbers: Vec<PersonNumber>,
    /// Records named by those events.
    pub event_records: Vec<RecordKey>,
}

/// One refresh, applied in one transaction by [`apply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsBatch {
    /// Clear the cube, the units, the members and the watermark first (a full refresh).
    pub full: bool,
    /// Units recomputed: `Some(facts)` replaces what the unit held, `None` deletes it.
    pub units: Vec<(String, Option<String>)>,
    /// Records no longer counted anywhere (their member rows are deleted).
    pub members_removed: Vec<RecordKey>,
    /// Member rows written (replacing any row of the same record).
    pub members: Vec<StatsMember>,
    /// Net change per cell, added to the cube; cells that come back to zero are deleted.
    pub deltas: Vec<StatCell>,
    /// Submissions now applied.
    pub submissions: Vec<SubmissionId>,
    /// The last person event now applied.
    pub person_event: i64,
    /// For an incremental refresh: the watermark its changes were read from. When another
    /// refresh advanced it meanwhile, nothing is applied (`Conflict`): the caller reads the
    /// changes again.
    pub expect_person_event: Option<i64>,
    pub settings: String,
    pub at: Timestamp,
}

const CELL_COLUMNS: &str =
    "indicator, period, cell_key, value, denominator, units, provisional, estimated, ckey";

fn cell_row(r: &[Val]) -> Result<StatCell> {
    const CTX: &str = "reading a statistics cell";
    Ok(StatCell {
        indicator: text(r, 0, CTX)?,
        period: text(r, 1, CTX)?,
        key: text(r, 2, CTX)?,
        value: int(r, 3, CTX)?,
        denominator: int(r, 4, CTX)?,
        units: int(r, 5, CTX)?,
        provisional: int(r, 6, CTX)?,
        estimated: int(r, 7, CTX)?,
        ckey: int(r, 8, CTX)?,
    })
}

fn member_row(r: &[Val]) -> Result<StatsMember> {
    const CTX: &str = "reading a statistics member";
    Ok(StatsMember {
        record: RecordKey::new(
            SourceId(int(r, 0, CTX)?),
            text(r, 1, CTX)?,
            text(r, 2, CTX)?,
        ),
        unit: text(r, 3, CTX)?,
        person_ref: match r.get(4) {
            Some(Val::Null) | None => None,
            _ => Some(text(r, 4, CTX)?),
        },
    })
}

fn count(db: &mut dyn Sql, ctx: &'static str, sql: &str) -> Result<u64> {
    let rows = db.query(ctx, sql, &[])?;
    let n = rows
        .first()
        .map(|r| int(r, 0, ctx))
        .transpose()?
        .unwrap_or(0);
    Ok(crate::codec::to_u64(n))
}

pub(crate) fn state(db: &mut dyn Sql) -> Result<Option<StatsState>> {
    const CTX: &str = "reading the statistics state";
    let rows = db.query(
        CTX,
        "SELECT person_event, refreshed_at, settings, cells FROM stats_state WHERE id = 1",
        &[],
    )?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let (person_event, refreshed_at, settings) =
        (int(r, 0, CTX)?, ts(r, 1, CTX)?, text(r, 2, CTX)?);
    let cells = match r.get(3) {
        Some(Val::Int(n)) => crate::codec::to_u64(*n),
        // Refreshed before the count was kept (migration 0012).
        _ => count(db, CTX, "SELECT count(*) FROM stats_cells")?,
    };
    Ok(Some(StatsState {
        person_event,
        refreshed_at,
        settings,
        submissions: count(db, CTX, "SELECT count(*) FROM stats_submissions")?,
        cells,
    }))
}

/// The cube's number of cells as the state keeps it (counted where an older refresh did not).
fn stored_cells(db: &mut dyn Sql) -> Result<i64> {
    const CTX: &str = "reading the statistics state";
    let rows = db.query(CTX, "SELECT cells FROM stats_state WHERE id = 1", &[])?;
    match rows.first().and_then(|r| r.first()) {
        Some(Val::Int(n)) => Ok(*n),
        _ => Ok(count(db, CTX, "SELECT count(*) FROM stats_cells")? as i64),
    }
}

/// The last person event applied (0 before the first refresh), without counting anything.
fn watermark(db: &mut dyn Sql) -> Result<Option<i64>> {
    const CTX: &str = "reading the statistics watermark";
    let rows = db.query(
        CTX,
        "SELECT person_event FROM stats_state WHERE id = 1",
        &[],
    )?;
    rows.first().map(|r| int(r, 0, CTX)).transpose()
}

pub(crate) fn changes(db: &mut dyn Sql, full: bool) -> Result<StatsChanges> {
    const CTX: &str = "reading what changed for statistics";
    let pending = if full {
        "SELECT id FROM submissions WHERE status = 'complete' ORDER BY id"
    } else {
        "SELECT s.id FROM submissions s WHERE s.status = 'complete' AND NOT EXISTS
         (SELECT 1 FROM stats_submissions t WHERE t.submission_id = s.id) ORDER BY s.id"
    };
    let submissions = db
        .query(CTX, pending, &[])?
        .iter()
        .map(|r| int(r, 0, CTX).map(SubmissionId))
        .collect::<Result<Vec<_>>>()?;
    let last = db.query(CTX, "SELECT max(id) FROM person_events", &[])?;
    let person_event = match last.first().and_then(|r| r.first()) {
        Some(Val::Int(v)) => *v,
        _ => 0,
    };
    let mut out = StatsChanges {
        submissions,
        person_event,
        ..StatsChanges::default()
    };
    if full {
        return Ok(out);
    }
    for s in &out.submissions {
        let lo = s.0.checked_shl(32).unwrap_or(i64::MAX);
        let hi = s.0.saturating_add(1).checked_shl(32).unwrap_or(i64::MAX);
        let rows = db.query(
            CTX,
            &format!(
                "SELECT {LINK_COLUMNS} FROM record_versions v
                 JOIN current_records c ON c.source_id = v.source_id AND c.kind = v.kind
                      AND c.record_id = v.record_id AND c.version_id = v.id
                 LEFT JOIN person_records p ON p.source_id = c.source_id AND p.kind = c.kind
                      AND p.record_id = c.record_id
                 WHERE v.id >= ?1 AND v.id < ?2 ORDER BY v.id"
            ),
            &[P::Int(lo), P::Int(hi)],
        )?;
        for r in &rows {
            out.records.push(link_row(r)?);
        }
    }
    let watermark = watermark(db)?.unwrap_or(0);
    let rows = db.query(
        CTX,
        "SELECT numbers, records FROM person_events WHERE id > ?1 AND id <= ?2 ORDER BY id",
        &[P::Int(watermark), P::Int(person_event)],
    )?;
    let mut numbers = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for r in &rows {
        numbers.extend(numbers_from_json(&text(r, 0, CTX)?)?);
        keys.extend(keys_from_json(&text(r, 1, CTX)?)?);
    }
    out.numbers = numbers.into_iter().collect();
    out.event_records = keys.into_iter().collect();
    Ok(out)
}

/// `(CAST(?a AS BIGINT), ?b, ?c), …`: `rows` rows of `cols` placeholders from `?1`, the first
/// column an integer (both engines then compare it with an integer column; PostgreSQL would
/// otherwise take an untyped parameter in `VALUES` for text).
fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells = (0..cols)
                .map(|c| {
                    let i = r * cols + c + 1;
                    if c == 0 {
                        format!("CAST(?{i} AS BIGINT)")
                    } else {
                        format!("?{i}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("({cells})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql`, in which `{keys}` stands for a common table expression `k(s, kd, r)` of
/// `(source, kind, record_id)` rows to join on, over `keys` in chunks (a join both engines answer
/// from the key's index, where a row-value `IN` made SQLite scan the table).
fn by_keys(
    db: &mut dyn Sql,
    ctx: &'static str,
    sql: &str,
    keys: &[RecordKey],
) -> Result<Vec<Vec<Val>>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK / 3) {
        let mut params = Vec::with_capacity(chunk.len() * 3);
        for k in chunk {
            params.push(P::Int(k.source.0));
            params.push(P::Text(Some(&k.kind)));
            params.push(P::Text(Some(&k.record_id)));
        }
        let cte = format!("WITH k(s, kd, r) AS (VALUES {})", values(chunk.len(), 3));
        out.extend(db.query(ctx, &sql.replace("{keys}", &cte), &params)?);
    }
    Ok(out)
}

pub(crate) fn records(db: &mut dyn Sql, keys: &[RecordKey]) -> Result<Vec<LinkRecord>> {
    const CTX: &str = "reading records for statistics";
    let sql = format!(
        "{{keys}} SELECT {LINK_COLUMNS} FROM k
         JOIN current_records c ON c.source_id = k.s AND c.kind = k.kd AND c.record_id = k.r
         JOIN record_versions v ON v.id = c.version_id
         LEFT JOIN person_records p ON p.source_id = c.source_id AND p.kind = c.kind
              AND p.record_id = c.record_id"
    );
    let mut out = by_keys(db, CTX, &sql, keys)?
        .iter()
        .map(|r| link_row(r))
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|r| r.handle);
    out.dedup_by_key(|r| r.handle);
    Ok(out)
}

pub(crate) fn members_of_records(db: &mut dyn Sql, keys: &[RecordKey]) -> Result<Vec<StatsMember>> {
    const CTX: &str = "reading statistics members";
    by_keys(
        db,
        CTX,
        "{keys} SELECT m.source_id, m.kind, m.record_id, m.unit, m.person_ref FROM k
         JOIN stats_members m ON m.source_id = k.s AND m.kind = k.kd AND m.record_id = k.r",
        keys,
    )?
    .iter()
    .map(|r| member_row(r))
    .collect()
}

pub(crate) fn members_of_units(db: &mut dyn Sql, units: &[String]) -> Result<Vec<StatsMember>> {
    const CTX: &str = "reading statistics members";
    let mut out = Vec::new();
    for chunk in units.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|u| P::Text(Some(u))).collect();
        let rows = db.query(
            CTX,
            &format!(
                "SELECT source_id, kind, record_id, unit, person_ref FROM stats_members
                 WHERE unit IN ({})",
                placeholders(1, params.len())
            ),
            &params,
        )?;
        for r in &rows {
            out.push(member_row(r)?);
        }
    }
    Ok(out)
}

/// Members whose `person_ref` is one of `persons` (person records, by source and record id).
/// Only `person_ref` is in the statement (its index is then the one way to answer it: SQLite
/// preferred the primary key's prefix, all of a source, for any condition on `source_id`);
/// the source is checked here.
pub(crate) fn members_referring(
    db: &mut dyn Sql,
    persons: &[RecordKey],
) -> Result<Vec<StatsMember>> {
    const CTX: &str = "reading statistics members";
    let wanted: BTreeSet<(i64, &str)> = persons
        .iter()
        .map(|k| (k.source.0, k.record_id.as_str()))
        .collect();
    let ids: Vec<&str> = wanted
        .iter()
        .map(|(_, id)| *id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|id| P::Text(Some(id))).collect();
        let rows = db.query(
            CTX,
            &format!(
                "SELECT source_id, kind, record_id, unit, person_ref FROM stats_members
                 WHERE person_ref IN ({})",
                placeholders(1, params.len())
            ),
            &params,
        )?;
        for r in &rows {
            let m = member_row(r)?;
            let hit = m
                .person_ref
                .as_deref()
                .is_some_and(|id| wanted.contains(&(m.record.source.0, id)));
            if hit {
                out.push(m);
            }
        }
    }
    Ok(out)
}

pub(crate) fn unit_facts(db: &mut dyn Sql, units: &[String]) -> Result<Vec<(String, String)>> {
    const CTX: &str = "reading statistics units";
    let mut out = Vec::new();
    for chunk in units.chunks(CHUNK) {
        let params: Vec<P<'_>> = chunk.iter().map(|u| P::Text(Some(u))).collect();
        let rows = db.query(
            CTX,
            &format!(
                "SELECT unit, facts FROM stats_units WHERE unit IN ({}) ORDER BY unit",
                placeholders(1, params.len())
            ),
            &params,
        )?;
        for r in &rows {
            out.push((text(r, 0, CTX)?, text(r, 1, CTX)?));
        }
    }
    Ok(out)
}

/// The units that are one record of `kind` each (`r:SOURCE:KIND:ID`: aggregates such as
/// remittance flows), with their facts: one primary-key range per source.
pub(crate) fn record_units(db: &mut dyn Sql, kind: &str) -> Result<Vec<(String, String)>> {
    const CTX: &str = "reading statistics units of a kind";
    let sources = db.query(CTX, "SELECT id FROM sources ORDER BY id", &[])?;
    let mut out = Vec::new();
    for s in &sources {
        let from = format!("r:{}:{kind}:", int(s, 0, CTX)?);
        // ';' follows ':': every unit name that starts with `from`, and no other.
        let to = format!("{};", &from[..from.len() - 1]);
        for r in &db.query(
            CTX,
            "SELECT unit, facts FROM stats_units WHERE unit >= ?1 AND unit < ?2 ORDER BY unit",
            &[P::Text(Some(&from)), P::Text(Some(&to))],
        )? {
            out.push((text(r, 0, CTX)?, text(r, 1, CTX)?));
        }
    }
    Ok(out)
}

pub(crate) fn cells(
    db: &mut dyn Sql,
    after: Option<&(String, String, String)>,
    limit: u32,
) -> Result<Vec<StatCell>> {
    const CTX: &str = "reading statistics cells";
    let limit = crate::codec::page_limit(limit);
    // A row-value comparison, so that both engines seek the primary key to the page's start
    // (the same test spelt with ORs made SQLite scan from the first cell for every page: reading
    // 1.5 million cells took a minute).
    let rows = match after {
        None => db.query(
            CTX,
            &format!(
                "SELECT {CELL_COLUMNS} FROM stats_cells
                 ORDER BY indicator, period, cell_key LIMIT ?1"
            ),
            &[P::Int(limit)],
        )?,
        Some((i, p, k)) => db.query(
            CTX,
            &format!(
                "SELECT {CELL_COLUMNS} FROM stats_cells
                 WHERE (indicator, period, cell_key) > (?1, ?2, ?3)
                 ORDER BY indicator, period, cell_key LIMIT ?4"
            ),
            &[
                P::Text(Some(i)),
                P::Text(Some(p)),
                P::Text(Some(k)),
                P::Int(limit),
            ],
        )?,
    };
    rows.iter().map(|r| cell_row(r)).collect()
}

pub(crate) fn clear(db: &mut dyn Sql) -> Result<()> {
    const CTX: &str = "clearing statistics";
    for table in [
        "stats_cells",
        "stats_units",
        "stats_members",
        "stats_submissions",
        "stats_state",
    ] {
        db.exec(CTX, &format!("DELETE FROM {table}"), &[])?;
    }
    Ok(())
}

/// Rows per statement where the engine reads rows from one JSON parameter.
const JSON_CHUNK: usize = 20_000;

/// Rows per multi-row `INSERT` of cells (8 parameters each).
const CELL_CHUNK: usize = 60;

/// What a refresh's writes did to the number of cells.
#[derive(Debug, Default)]
struct CellChange {
    added: i64,
    deleted: i64,
}

/// `rows` (each a JSON object's text) as JSON array parameters of at most [`JSON_CHUNK`] rows.
fn json_chunks(rows: &[String]) -> impl Iterator<Item = String> + '_ {
    rows.chunks(JSON_CHUNK).map(|chunk| {
        let mut param = String::with_capacity(chunk.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
        param.push('[');
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                param.push(',');
            }
            param.push_str(r);
        }
        param.push(']');
        param
    })
}

/// The engine's `FROM` item `x` reading a JSON parameter `?1` with `columns`.
fn json_from(db: &dyn Sql, ctx: &'static str, columns: &str) -> Result<String> {
    db.json_rows(1, columns)
        .ok_or_else(|| crate::codec::corrupt(ctx, "no JSON row source on this engine".into()))
}

/// Runs `sql(x)` over `rows` in chunks; the rows it changed.
fn exec_json(
    db: &mut dyn Sql,
    ctx: &'static str,
    columns: &str,
    rows: &[String],
    sql: impl Fn(&str) -> String,
) -> Result<u64> {
    let sql = sql(&json_from(db, ctx, columns)?);
    let mut changed = 0;
    for param in json_chunks(rows) {
        changed += db.exec(ctx, &sql, &[P::Text(Some(&param))])?;
    }
    Ok(changed)
}

/// Runs the query `sql(x)` over `rows` in chunks; the rows it returned.
fn query_json(
    db: &mut dyn Sql,
    ctx: &'static str,
    columns: &str,
    rows: &[String],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<Vec<Val>>> {
    let sql = sql(&json_from(db, ctx, columns)?);
    let mut out = Vec::new();
    for param in json_chunks(rows) {
        out.extend(db.query(ctx, &sql, &[P::Text(Some(&param))])?);
    }
    Ok(out)
}

/// A JSON string literal.
fn js(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A record key as a JSON row `{"s":…,"k":…,"r":…}`.
fn key_row(k: &RecordKey) -> String {
    format!(
        r#"{{"s":{},"k":{},"r":{}}}"#,
        k.source.0,
        js(&k.kind),
        js(&k.record_id)
    )
}

const UPSERT_CELLS: &str = "ON CONFLICT (indicator, period, cell_key) DO UPDATE SET
       value = stats_cells.value + excluded.value,
       denominator = stats_cells.denominator + excluded.denominator,
       units = stats_cells.units + excluded.units,
       provisional = stats_cells.provisional + excluded.provisional,
       estimated = stats_cells.estimated + excluded.estimated,
       ckey = (stats_cells.ckey + excluded.ckey) % 4294967296";

const UPSERT_MEMBERS: &str = "ON CONFLICT (source_id, kind, record_id) DO UPDATE SET
       unit = excluded.unit, person_ref = excluded.person_ref";

/// The columns of a cell row read from JSON, and the select list writing them to `stats_cells`.
const CELL_ROW: &str =
    "i text, p text, c text, v bigint, d bigint, n bigint, o bigint, e bigint, k bigint";
const CELL_ROW_SELECT: &str = "x.i, x.p, x.c, x.v, x.d, x.n, x.o, x.e, x.k";

const ALL_ZERO: &str = "value = 0 AND denominator = 0 AND units = 0 AND provisional = 0
     AND estimated = 0 AND ckey = 0";

/// What an incremental upsert of `deltas` did, from the cells it returned (`CELL_COLUMNS`): how
/// many were new (their sums are now the delta's own: the cube keeps no cell whose sums are all
/// zero) and the keys of those whose sums are now all zero, to delete. Returning the written
/// cells replaced a count of the keys already present and a second pass deleting over every
/// delta's key (0.12 s and 0.15 s per refresh at 1.5 million cells on PostgreSQL).
fn tally(deltas: &[StatCell], written: &[Vec<Val>]) -> Result<(i64, Vec<[String; 3]>)> {
    const CTX: &str = "applying a statistics refresh";
    let by_key: HashMap<(&str, &str, &str), [i64; 6]> = deltas
        .iter()
        .map(|c| {
            (
                (c.indicator.as_str(), c.period.as_str(), c.key.as_str()),
                c.sums(),
            )
        })
        .collect();
    let mut added = 0;
    let mut zeros = Vec::new();
    for r in written {
        let key = [text(r, 0, CTX)?, text(r, 1, CTX)?, text(r, 2, CTX)?];
        let mut sums = [0; 6];
        for (i, v) in sums.iter_mut().enumerate() {
            *v = int(r, 3 + i, CTX)?;
        }
        if by_key.get(&(key[0].as_str(), key[1].as_str(), key[2].as_str())) == Some(&sums) {
            added += 1;
        }
        if sums == [0; 6] {
            zeros.push(key);
        }
    }
    Ok((added, zeros))
}

/// The batch's writes as one statement per table and chunk of 20,000 rows, the rows read from a
/// JSON parameter (PostgreSQL, where each statement is planned and bound anew: the many-row
/// `VALUES` of [`write_values`] took 60 statements and 1.7 s per incremental refresh at
/// 10,000,000 records). The same writes as [`write_values`].
fn write_json(db: &mut dyn Sql, batch: &StatsBatch) -> Result<CellChange> {
    const CTX: &str = "applying a statistics refresh";
    const KEY: &str = "s bigint, k text, r text";
    const CELL: &str = "i text, p text, c text";
    let mut change = CellChange::default();
    if !batch.full {
        let units: Vec<String> = batch
            .units
            .iter()
            .map(|(u, _)| format!(r#"{{"u":{}}}"#, js(u)))
            .collect();
        exec_json(db, CTX, "u text", &units, |x| {
            format!("DELETE FROM stats_units USING {x} WHERE stats_units.unit = x.u")
        })?;
        let gone: Vec<String> = batch.members_removed.iter().map(key_row).collect();
        exec_json(db, CTX, KEY, &gone, |x| {
            format!(
                "DELETE FROM stats_members USING {x} WHERE stats_members.source_id = x.s
                 AND stats_members.kind = x.k AND stats_members.record_id = x.r"
            )
        })?;
    }
    let kept: Vec<String> = batch
        .units
        .iter()
        .filter_map(|(u, f)| {
            f.as_ref()
                .map(|f| format!(r#"{{"u":{},"f":{}}}"#, js(u), js(f)))
        })
        .collect();
    exec_json(db, CTX, "u text, f text", &kept, |x| {
        format!("INSERT INTO stats_units (unit, facts) SELECT x.u, x.f FROM {x}")
    })?;
    let members: Vec<String> = batch
        .members
        .iter()
        .map(|m| {
            format!(
                r#"{{"s":{},"k":{},"r":{},"u":{},"p":{}}}"#,
                m.record.source.0,
                js(&m.record.kind),
                js(&m.record.record_id),
                js(&m.unit),
                m.person_ref.as_deref().map_or("null".to_string(), js)
            )
        })
        .collect();
    exec_json(
        db,
        CTX,
        "s bigint, k text, r text, u text, p text",
        &members,
        |x| {
            format!(
                "INSERT INTO stats_members (source_id, kind, record_id, unit, person_ref)
                 SELECT x.s, x.k, x.r, x.u, x.p FROM {x} {UPSERT_MEMBERS}"
            )
        },
    )?;
    let cells: Vec<String> = batch
        .deltas
        .iter()
        .map(|c| {
            format!(
                r#"{{"i":{},"p":{},"c":{},"v":{},"d":{},"n":{},"o":{},"e":{},"k":{}}}"#,
                js(&c.indicator),
                js(&c.period),
                js(&c.key),
                c.value,
                c.denominator,
                c.units,
                c.provisional,
                c.estimated,
                c.ckey
            )
        })
        .collect();
    if batch.full {
        exec_json(db, CTX, CELL_ROW, &cells, |x| {
            format!(
                "INSERT INTO stats_cells ({CELL_COLUMNS})
                     SELECT {CELL_ROW_SELECT} FROM {x}
                     WHERE NOT (x.v = 0 AND x.d = 0 AND x.n = 0 AND x.o = 0 AND x.e = 0
                       AND x.k = 0)"
            )
        })?;
        return Ok(change);
    }
    let written = query_json(db, CTX, CELL_ROW, &cells, |x| {
        format!(
            "INSERT INTO stats_cells ({CELL_COLUMNS})
                 SELECT {CELL_ROW_SELECT} FROM {x} {UPSERT_CELLS}
                 RETURNING {CELL_COLUMNS}"
        )
    })?;
    let (added, zeros) = tally(&batch.deltas, &written)?;
    change.added = added;
    let zeros: Vec<String> = zeros
        .iter()
        .map(|[i, p, c]| format!(r#"{{"i":{},"p":{},"c":{}}}"#, js(i), js(p), js(c)))
        .collect();
    change.deleted = exec_json(db, CTX, CELL, &zeros, |x| {
        format!(
            "DELETE FROM stats_cells USING {x} WHERE stats_cells.indicator = x.i
             AND stats_cells.period = x.p AND stats_cells.cell_key = x.c AND {ALL_ZERO}"
        )
    })? as i64;
    Ok(change)
}

/// `(indicator = ?a AND period = ?b AND cell_key = ?c) OR …` for `n` cells from `?1`: each term
/// a primary-key search on both engines (a row-value `IN (VALUES …)` made SQLite and PostgreSQL
/// scan the whole cube once per chunk: 2 s and 13 s per incremental refresh at 1.5 million
/// cells).
fn cell_keys_or(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "(indicator = ?{} AND period = ?{} AND cell_key = ?{})",
                3 * i + 1,
                3 * i + 2,
                3 * i + 3
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The batch's writes as many-row statements of placeholders (SQLite, where statements are
/// cheap and a row-value join on a table-valued function was planned as a scan).
fn write_values(db: &mut dyn Sql, batch: &StatsBatch) -> Result<CellChange> {
    const CTX: &str = "applying a statistics refresh";
    let mut change = CellChange::default();
    if !batch.full {
        for chunk in batch.units.chunks(CHUNK) {
            let params: Vec<P<'_>> = chunk.iter().map(|(u, _)| P::Text(Some(u))).collect();
            db.exec(
                CTX,
                &format!(
                    "DELETE FROM stats_units WHERE unit IN ({})",
                    placeholders(1, params.len())
                ),
                &params,
            )?;
        }
        for chunk in batch.members_removed.chunks(CHUNK / 3) {
            let mut params = Vec::with_capacity(chunk.len() * 3);
            for k in chunk {
                params.push(P::Int(k.source.0));
                params.push(P::Text(Some(&k.kind)));
                params.push(P::Text(Some(&k.record_id)));
            }
            // OR of keys: each term a primary-key search on both engines.
            let cond = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(source_id = ?{} AND kind = ?{} AND record_id = ?{})",
                        3 * i + 1,
                        3 * i + 2,
                        3 * i + 3
                    )
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            db.exec(
                CTX,
                &format!("DELETE FROM stats_members WHERE {cond}"),
                &params,
            )?;
        }
    }
    let kept: Vec<(&String, &String)> = batch
        .units
        .iter()
        .filter_map(|(u, f)| f.as_ref().map(|f| (u, f)))
        .collect();
    for chunk in kept.chunks(CHUNK / 2) {
        let mut params = Vec::with_capacity(chunk.len() * 2);
        for (u, f) in chunk {
            params.push(P::Text(Some(u)));
            params.push(P::Text(Some(f)));
        }
        let rows = (0..chunk.len())
            .map(|i| format!("({})", placeholders(2 * i + 1, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        db.exec(
            CTX,
            &format!("INSERT INTO stats_units (unit, facts) VALUES {rows}"),
            &params,
        )?;
    }
    for chunk in batch.members.chunks(CHUNK / 5) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(5 * i + 1, 5)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut params = Vec::with_capacity(chunk.len() * 5);
        for m in chunk {
            params.push(P::Int(m.record.source.0));
            params.push(P::Text(Some(&m.record.kind)));
            params.push(P::Text(Some(&m.record.record_id)));
            params.push(P::Text(Some(&m.unit)));
            params.push(P::Text(m.person_ref.as_deref()));
        }
        db.exec(
            CTX,
            &format!(
                "INSERT INTO stats_members (source_id, kind, record_id, unit, person_ref)
                 VALUES {values} {UPSERT_MEMBERS}"
            ),
            &params,
        )?;
    }
    let mut written = Vec::new();
    for chunk in batch.deltas.chunks(CELL_CHUNK) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(9 * i + 1, 9)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut params = Vec::with_capacity(chunk.len() * 9);
        for c in chunk {
            params.push(P::Text(Some(&c.indicator)));
            params.push(P::Text(Some(&c.period)));
            params.push(P::Text(Some(&c.key)));
            params.extend(c.sums().map(P::Int));
        }
        let sql =
            format!("INSERT INTO stats_cells ({CELL_COLUMNS}) VALUES {values} {UPSERT_CELLS}");
        if batch.full {
            db.exec(CTX, &sql, &params)?;
        } else {
            written.extend(db.query(CTX, &format!("{sql} RETURNING {CELL_COLUMNS}"), &params)?);
        }
    }
    if !batch.full {
        let (added, zeros) = tally(&batch.deltas, &written)?;
        change.added = added;
        for chunk in zeros.chunks(CHUNK / 3) {
            let params: Vec<P<'_>> = chunk
                .iter()
                .flat_map(|k| k.iter().map(|v| P::Text(Some(v))))
                .collect();
            change.deleted += db.exec(
                CTX,
                &format!(
                    "DELETE FROM stats_cells WHERE ({}) AND {ALL_ZERO}",
                    cell_keys_or(chunk.len())
                ),
                &params,
            )? as i64;
        }
    }
    Ok(change)
}

pub(crate) fn apply(db: &mut dyn Sql, batch: &StatsBatch) -> Result<()> {
    const CTX: &str = "applying a statistics refresh";
    if batch.full {
        clear(db)?;
    } else if let Some(expected) = batch.expect_person_event {
        let now = watermark(db)?;
        if now != Some(expected) {
            return Err(crate::StoreError::Conflict {
                what:
                    "a statistics refresh from an older watermark (another refresh ran meanwhile)"
                        .into(),
            });
        }
    }
    let before = if batch.full { 0 } else { stored_cells(db)? };
    let change = if db.json_rows(1, "").is_some() {
        write_json(db, batch)?
    } else {
        write_values(db, batch)?
    };
    let cells = if batch.full {
        count(db, CTX, "SELECT count(*) FROM stats_cells")? as i64
    } else {
        before + change.added - change.deleted
    };
    for s in &batch.submissions {
        // No `ON CONFLICT`: a submission applied twice (two refreshes at once) is a conflict
        // and nothing of this batch is kept.
        db.exec(
            CTX,
            "INSERT INTO stats_submissions (submission_id) VALUES (?1)",
            &[P::Int(s.0)],
        )?;
    }
    if batch.full {
        // The next incremental refresh looks units and members up by lists of keys; measured at
        // 10,000,000 records on PostgreSQL, before autovacuum had analysed the refilled tables
        // those lookups were planned as whole-table scans (0.85 s each, 13 s per refresh).
        db.analyze(CTX, &["stats_cells", "stats_units", "stats_members"])?;
    }
    db.exec(CTX, "DELETE FROM stats_state", &[])?;
    db.exec(
        CTX,
        "INSERT INTO stats_state (id, person_event, refreshed_at, settings, cells)
         VALUES (1, ?1, ?2, ?3, ?4)",
        &[
            P::Int(batch.person_event),
            P::Ts(batch.at),
            P::Text(Some(&batch.settings)),
            P::Int(cells),
        ],
    )?;
    Ok(())
}
