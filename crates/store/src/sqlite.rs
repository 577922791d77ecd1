//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writers are serialised by SQLite itself (every write transaction is `BEGIN IMMEDIATE`, with a
//! generous busy timeout); readers use other pooled connections and see the last committed state,
//! so a long import never blocks reads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::access;
use crate::codec::{self, to_i64, to_u64};
use crate::persons::{self, Sql, Val, P};
use crate::pool::{Pool, Pooled};
use crate::{
    Backend, Batch, ImportReport, Institution, InstitutionId, Issue, KindCount, LinkReview,
    NewInstitution, NewSubmission, Person, PersonEvent, PersonNumber, QuarantineEntry,
    QuarantineFilter, QuarantineId, QuarantineStatus, RecordKey, RecordVersion, Result, ReviewId,
    ReviewStatus, Source, SourceId, StagedKey, Store, StoreError, Submission, SubmissionId,
    SubmissionStatus, Timestamp,
};

/// Migrations in order; the version of each is its position (1-based).
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        "0002_persons",
        include_str!("../migrations/sqlite/0002_persons.sql"),
    ),
    (
        "0003_access",
        include_str!("../migrations/sqlite/0003_access.sql"),
    ),
    (
        "0004_link_index",
        include_str!("../migrations/sqlite/0004_link_index.sql"),
    ),
    (
        "0005_passkeys",
        include_str!("../migrations/sqlite/0005_passkeys.sql"),
    ),
    (
        "0006_dossiers",
        include_str!("../migrations/sqlite/0006_dossiers.sql"),
    ),
    (
        "0007_fingerprints",
        include_str!("../migrations/sqlite/0007_fingerprints.sql"),
    ),
    (
        "0008_statistics",
        include_str!("../migrations/sqlite/0008_statistics.sql"),
    ),
    (
        "0009_gcm",
        include_str!("../migrations/sqlite/0009_gcm.sql"),
    ),
    (
        "0010_microdata",
        include_str!("../migrations/sqlite/0010_microdata.sql"),
    ),
    (
        "0011_run_locks",
        include_str!("../migrations/sqlite/0011_run_locks.sql"),
    ),
    (
        "0012_stats_cell_count",
        include_str!("../migrations/sqlite/0012_stats_cell_count.sql"),
    ),
    (
        "0013_microdata_vault",
        include_str!("../migrations/sqlite/0013_microdata_vault.sql"),
    ),
    (
        "0014_cell_keys",
        include_str!("../migrations/sqlite/0014_cell_keys.sql"),
    ),
];

/// Connections in the pool (one writer at a time; the others read).
const POOL_SIZE: usize = 4;
/// How long a writer waits for another writer's transaction (a finalize of a large file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// SQLite store. Thread-safe; holds a small pool of connections to one database file.
pub struct SqliteStore {
    pool: Pool<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Database {
        context,
        source: Box::new(e),
    }
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(db("opening the database"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(db("configuring the database"))?;
    conn.set_prepared_statement_cache_capacity(64);
    // Takes effect only when the file is created (before WAL is set). Record versions are rows of
    // about half a kilobyte written in bulk: with 32 KiB pages a 1M-row import spends about a
    // third less CPU staging and finalizing than with 4 KiB pages (fewer b-tree pages to split,
    // WAL frames to checksum and checkpoint); 64 KiB gained little more and makes every small
    // write transaction log larger frames.
    conn.execute_batch("PRAGMA page_size = 32768")
        .map_err(db("configuring the database"))?;
    // journal_mode answers with a row, so it is read rather than executed.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(db("configuring the database"))?;
    if !mode.eq_ignore_ascii_case("wal") && path != Path::new(":memory:") {
        return Err(codec::corrupt(
            "configuring the database",
            format!("journal mode {mode} instead of wal"),
        ));
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(db("configuring the database"))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let supported = MIGRATIONS.len() as i64;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("migrating the schema"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         )",
    )
    .map_err(db("migrating the schema"))?;
    let found: i64 = tx
        .query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db("migrating the schema"))?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= found {
            continue;
        }
        tx.execute_batch(sql).map_err(db("migrating the schema"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            params![version, name],
        )
        .map_err(db("migrating the schema"))?;
    }
    tx.commit().map_err(db("migrating the schema"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        let mut first = connect(path)?;
        migrate(&mut first)?;
        let owned = path.to_path_buf();
        let make = Box::new(move || connect(&owned));
        Ok(SqliteStore {
            pool: Pool::new(first, POOL_SIZE, make, |_| true),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<Pooled<'_, Connection>> {
        self.pool.get()
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`) and commits.
    fn write<T>(&self, ctx: &'static str, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, ctx)?;
        let out = f(&mut Lite(&tx))?;
        tx.commit().map_err(db(ctx))?;
        Ok(out)
    }

    /// Runs `f` in one read transaction (one snapshot).
    fn read<T>(&self, ctx: &'static str, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db(ctx))?;
        f(&mut Lite(&tx))
    }
}

/// The persons' SQL interface on one SQLite connection or transaction.
struct Lite<'c>(&'c Connection);

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            P::Int(v) | P::OptInt(Some(v)) => ToSqlOutput::Owned(Value::Integer(v)),
            P::Real(Some(v)) => ToSqlOutput::Owned(Value::Real(v)),
            P::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            P::Real(None) | P::Text(None) | P::OptInt(None) => ToSqlOutput::Owned(Value::Null),
            P::Ts(t) | P::OptTs(Some(t)) => ToSqlOutput::Owned(Value::Text(codec::ts_to_text(&t))),
            P::OptTs(None) => ToSqlOutput::Owned(Value::Null),
            P::Bool(b) => ToSqlOutput::Owned(Value::Integer(b.into())),
            P::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Sql for Lite<'_> {
    fn for_update(&self) -> &'static str {
        ""
    }

    fn analyze(&mut self, _ctx: &'static str, _tables: &[&str]) -> Result<()> {
        Ok(())
    }

    fn exec(&mut self, ctx: &'static str, sql: &str, params: &[P<'_>]) -> Result<u64> {
        let mut st = self.0.prepare_cached(sql).map_err(db(ctx))?;
        match st.execute(rusqlite::params_from_iter(params)) {
            Ok(n) => Ok(n as u64),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict { what: ctx.into() }),
            Err(e) => Err(db(ctx)(e)),
        }
    }

    fn query(&mut self, ctx: &'static str, sql: &str, params: &[P<'_>]) -> Result<Vec<Vec<Val>>> {
        use rusqlite::types::ValueRef;
        let mut st = self.0.prepare_cached(sql).map_err(db(ctx))?;
        let width = st.column_count();
        let mut rows = match st.query(rusqlite::params_from_iter(params)) {
            Ok(rows) => rows,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict { what: ctx.into() })
            }
            Err(e) => return Err(db(ctx)(e)),
        };
        let mut out = Vec::new();
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Conflict { what: ctx.into() })
                }
                Err(e) => return Err(db(ctx)(e)),
            };
            let mut vals = Vec::with_capacity(width);
            for i in 0..width {
                vals.push(match row.get_ref(i).map_err(db(ctx))? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(v) => Val::Int(v),
                    ValueRef::Real(v) => Val::Real(v),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Bytes(b.to_vec()),
                });
            }
            out.push(vals);
        }
        Ok(out)
    }
}

fn write_tx<'c>(conn: &'c mut Connection, context: &'static str) -> Result<Transaction<'c>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db(context))
}

/// Reads a column that the codec decodes, turning codec errors into rusqlite errors so they can
/// be used inside row closures.
fn conv<T>(idx: usize, r: Result<T>) -> rusqlite::Result<T> {
    r.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    let text: String = row.get(idx)?;
    conv(idx, codec::ts_from_text(&text))
}

fn ts_opt(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Timestamp>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| conv(idx, codec::ts_from_text(&t))).transpose()
}

fn institution_row(r: &Row<'_>) -> rusqlite::Result<Institution> {
    Ok(Institution {
        id: InstitutionId(r.get(0)?),
        name: r.get(1)?,
        title: r.get(2)?,
        kind: r.get(3)?,
        created_at: ts(r, 4)?,
    })
}

const SOURCE_SELECT: &str = "SELECT s.id, s.name, i.name, s.created_at
     FROM sources s LEFT JOIN institutions i ON i.id = s.institution_id";

fn source_row(r: &Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: SourceId(r.get(0)?),
        name: r.get(1)?,
        institution: r.get(2)?,
        created_at: ts(r, 3)?,
    })
}

const SUBMISSION_SELECT: &str = "SELECT sub.id, sub.source_id, s.name, sub.file_name,
     sub.file_hash, sub.file_size, sub.format, sub.mapping_hash, sub.status, sub.rows_read,
     sub.accepted, sub.unchanged, sub.rejected, sub.warnings, sub.submitted_by, sub.started_at,
     sub.finished_at, sub.error
     FROM submissions sub JOIN sources s ON s.id = sub.source_id";

fn submission_row(r: &Row<'_>) -> rusqlite::Result<Submission> {
    let status: String = r.get(8)?;
    Ok(Submission {
        id: SubmissionId(r.get(0)?),
        source_id: SourceId(r.get(1)?),
        source_name: r.get(2)?,
        file_name: r.get(3)?,
        file_hash: r.get(4)?,
        file_size: to_u64(r.get(5)?),
        format: r.get(6)?,
        mapping_hash: r.get(7)?,
        status: conv(8, codec::submission_status(&status))?,
        rows_read: to_u64(r.get(9)?),
        accepted: to_u64(r.get(10)?),
        unchanged: to_u64(r.get(11)?),
        rejected: to_u64(r.get(12)?),
        warnings: to_u64(r.get(13)?),
        submitted_by: r.get(14)?,
        started_at: ts(r, 15)?,
        finished_at: ts_opt(r, 16)?,
        error: r.get(17)?,
    })
}

const QUARANTINE_SELECT: &str = "SELECT q.id, q.submission_id, q.source_id, s.name, q.row_no,
     q.raw, q.corrected, q.keys, q.issues, q.status, q.resolved_by, q.created_at
     FROM quarantine q JOIN sources s ON s.id = q.source_id";

fn quarantine_row(r: &Row<'_>) -> rusqlite::Result<QuarantineEntry> {
    let keys: String = r.get(7)?;
    let issues: String = r.get(8)?;
    let status: String = r.get(9)?;
    Ok(QuarantineEntry {
        id: QuarantineId(r.get(0)?),
        submission_id: SubmissionId(r.get(1)?),
        source_id: SourceId(r.get(2)?),
        source_name: r.get(3)?,
        row: to_u64(r.get(4)?),
        raw: r.get(5)?,
        corrected: r.get(6)?,
        keys: conv(7, codec::keys_from_json(&keys))?,
        issues: conv(8, codec::issues_from_json(&issues))?,
        status: conv(9, codec::quarantine_status(&status))?,
        resolved_by: r.get::<_, Option<i64>>(10)?.map(SubmissionId),
        created_at: ts(r, 11)?,
    })
}

/// Columns of a record version; `{version}` is replaced by the expression giving its number.
const VERSION_COLUMNS: &str = "v.source_id, s.name, i.name, v.kind, v.record_id, {version},
     v.payload, v.hash, v.submission_id, sub.file_hash, v.row_no, sub.finished_at";
const VERSION_JOINS: &str = "JOIN submissions sub ON sub.id = v.submission_id
     JOIN sources s ON s.id = v.source_id
     LEFT JOIN institutions i ON i.id = s.institution_id";

/// Reads a version starting at column `o`.
fn version_row(r: &Row<'_>, o: usize) -> rusqlite::Result<RecordVersion> {
    let version: i64 = r.get(o + 5)?;
    let stored_at = match ts_opt(r, o + 11)? {
        Some(t) => t,
        None => conv(
            o + 11,
            Err(codec::corrupt(
                "reading a record",
                "visible version without finish time".into(),
            )),
        )?,
    };
    Ok(RecordVersion {
        source_id: SourceId(r.get(o)?),
        source_name: r.get(o + 1)?,
        institution: r.get(o + 2)?,
        kind: r.get(o + 3)?,
        record_id: r.get(o + 4)?,
        version: u32::try_from(version).unwrap_or(u32::MAX),
        payload: r.get(o + 6)?,
        hash: codec::hash_to_hex(&r.get::<_, Vec<u8>>(o + 7)?),
        submission_id: SubmissionId(r.get(o + 8)?),
        file_hash: r.get(o + 9)?,
        row: to_u64(r.get(o + 10)?),
        stored_at,
    })
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn get_submission(conn: &Connection, id: SubmissionId) -> Result<Submission> {
    conn.prepare_cached(&format!("{SUBMISSION_SELECT} WHERE sub.id = ?1"))
        .and_then(|mut st| st.query_row([id.0], submission_row).optional())
        .map_err(db("reading a submission"))?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("submission {}", id.0),
        })
}

/// Status and source of a submission, inside a write transaction.
fn importing_submission(
    tx: &Transaction<'_>,
    id: SubmissionId,
    context: &'static str,
) -> Result<(SourceId, Timestamp)> {
    let row: Option<(String, i64, String)> = tx
        .prepare_cached("SELECT status, source_id, started_at FROM submissions WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(db(context))?;
    let Some((status, source, started)) = row else {
        return Err(StoreError::NotFound {
            what: format!("submission {}", id.0),
        });
    };
    let status = codec::submission_status(&status)?;
    if status != SubmissionStatus::Importing {
        return Err(StoreError::Invalid(format!(
            "submission {} is {}, not importing",
            id.0,
            status.as_str()
        )));
    }
    Ok((SourceId(source), codec::ts_from_text(&started)?))
}

/// Ends an importing submission without making anything visible.
fn end_submission(
    store: &SqliteStore,
    id: SubmissionId,
    status: SubmissionStatus,
    reason: &str,
    at: Timestamp,
) -> Result<Submission> {
    const CTX: &str = "ending a submission";
    let mut conn = store.conn()?;
    let tx = write_tx(&mut conn, CTX)?;
    importing_submission(&tx, id, CTX)?;
    let (lo, hi) = codec::version_range(id)?;
    tx.execute(
        "DELETE FROM record_versions WHERE id > ?1 AND id < ?2",
        [lo, hi],
    )
    .map_err(db(CTX))?;
    tx.execute(
        "UPDATE submissions SET status = ?2, error = ?3, finished_at = ?4,
             rejected = (SELECT count(*) FROM quarantine WHERE submission_id = ?1),
             warnings = (SELECT count(*) FROM submission_warnings WHERE submission_id = ?1)
         WHERE id = ?1",
        params![id.0, status.as_str(), reason, codec::ts_to_text(&at)],
    )
    .map_err(db(CTX))?;
    let sub = get_submission(&tx, id)?;
    tx.commit().map_err(db(CTX))?;
    Ok(sub)
}

impl Store for SqliteStore {
    crate::neutral::engine_neutral_methods!();

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn schema_version(&self) -> Result<i64> {
        self.conn()?
            .query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(db("reading the schema version"))
    }

    fn ensure_institution(&self, new: &NewInstitution<'_>) -> Result<Institution> {
        const CTX: &str = "saving an institution";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        tx.execute(
            "INSERT INTO institutions (name, title, kind, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING",
            params![
                new.name,
                new.title,
                new.kind,
                codec::ts_to_text(&new.created_at)
            ],
        )
        .map_err(db(CTX))?;
        let inst = tx
            .query_row(
                "SELECT id, name, title, kind, created_at FROM institutions WHERE name = ?1",
                [new.name],
                institution_row,
            )
            .map_err(db(CTX))?;
        tx.commit().map_err(db(CTX))?;
        Ok(inst)
    }

    fn institutions(&self) -> Result<Vec<Institution>> {
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(
                "SELECT id, name, title, kind, created_at FROM institutions ORDER BY name",
            )
            .map_err(db("listing institutions"))?;
        let rows = st
            .query_map([], institution_row)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("listing institutions"))?;
        Ok(rows)
    }

    fn add_source(&self, name: &str, institution: Option<&str>, at: Timestamp) -> Result<Source> {
        const CTX: &str = "adding a source";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        let inst_id: Option<i64> = match institution {
            None => None,
            Some(inst) => Some(
                tx.query_row("SELECT id FROM institutions WHERE name = ?1", [inst], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db(CTX))?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("institution {inst}"),
                })?,
            ),
        };
        let inserted = tx.execute(
            "INSERT INTO sources (name, institution_id, created_at) VALUES (?1, ?2, ?3)",
            params![name, inst_id, codec::ts_to_text(&at)],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: format!("source {name}"),
                })
            }
            Err(e) => return Err(db(CTX)(e)),
        }
        let id = tx.last_insert_rowid();
        let source = tx
            .query_row(
                &format!("{SOURCE_SELECT} WHERE s.id = ?1"),
                [id],
                source_row,
            )
            .map_err(db(CTX))?;
        tx.commit().map_err(db(CTX))?;
        Ok(source)
    }

    fn source(&self, name: &str) -> Result<Option<Source>> {
        let conn = self.conn()?;
        conn.prepare_cached(&format!("{SOURCE_SELECT} WHERE s.name = ?1"))
            .and_then(|mut st| st.query_row([name], source_row).optional())
            .map_err(db("reading a source"))
    }

    fn sources(&self) -> Result<Vec<Source>> {
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(&format!("{SOURCE_SELECT} ORDER BY s.name"))
            .map_err(db("listing sources"))?;
        let rows = st
            .query_map([], source_row)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("listing sources"))?;
        Ok(rows)
    }

    fn begin_submission(&self, new: &NewSubmission<'_>) -> Result<Submission> {
        const CTX: &str = "starting a submission";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE id = ?1)",
                [new.source_id.0],
                |r| r.get(0),
            )
            .map_err(db(CTX))?;
        if !exists {
            return Err(StoreError::NotFound {
                what: format!("source {}", new.source_id.0),
            });
        }
        tx.execute(
            "INSERT INTO submissions (source_id, file_name, file_hash, file_size, format,
                 mapping_hash, mapping_text, status, submitted_by, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'importing', ?8, ?9)",
            params![
                new.source_id.0,
                new.file_name,
                new.file_hash,
                to_i64(new.file_size),
                new.format,
                new.mapping_hash,
                new.mapping_text,
                new.submitted_by,
                codec::ts_to_text(&new.started_at)
            ],
        )
        .map_err(db(CTX))?;
        let sub = get_submission(&tx, SubmissionId(tx.last_insert_rowid()))?;
        tx.commit().map_err(db(CTX))?;
        Ok(sub)
    }

    fn find_submission(
        &self,
        source: SourceId,
        file_hash: &str,
        mapping_hash: &str,
        statuses: &[SubmissionStatus],
    ) -> Result<Option<Submission>> {
        if statuses.is_empty() {
            return Ok(None);
        }
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(&format!(
                "{SUBMISSION_SELECT} WHERE sub.source_id = ?1 AND sub.file_hash = ?2
                 AND sub.mapping_hash = ?3 ORDER BY sub.id DESC"
            ))
            .map_err(db("finding a submission"))?;
        let mut rows = st
            .query(params![source.0, file_hash, mapping_hash])
            .map_err(db("finding a submission"))?;
        while let Some(row) = rows.next().map_err(db("finding a submission"))? {
            let sub = submission_row(row).map_err(db("finding a submission"))?;
            if statuses.contains(&sub.status) {
                return Ok(Some(sub));
            }
        }
        Ok(None)
    }

    fn submission(&self, id: SubmissionId) -> Result<Submission> {
        get_submission(&*self.conn()?, id)
    }

    fn submissions(&self, source: Option<SourceId>, limit: u32) -> Result<Vec<Submission>> {
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(&format!(
                "{SUBMISSION_SELECT} WHERE ?1 IS NULL OR sub.source_id = ?1
                 ORDER BY sub.id DESC LIMIT ?2"
            ))
            .map_err(db("listing submissions"))?;
        let rows = st
            .query_map(
                params![source.map(|s| s.0), codec::page_limit(limit)],
                submission_row,
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("listing submissions"))?;
        Ok(rows)
    }

    fn submission_mapping(&self, id: SubmissionId) -> Result<String> {
        self.conn()?
            .query_row(
                "SELECT mapping_text FROM submissions WHERE id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .optional()
            .map_err(db("reading a mapping"))?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("submission {}", id.0),
            })
    }

    fn stage(&self, id: SubmissionId, batch: &Batch) -> Result<()> {
        const CTX: &str = "staging rows";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        let (source, started_at) = importing_submission(&tx, id, CTX)?;
        if !batch.records.is_empty() {
            let (lo, hi) = codec::version_range(id)?;
            let last: i64 = tx
                .prepare_cached(
                    "SELECT coalesce(max(id), ?1) FROM record_versions WHERE id > ?1 AND id < ?2",
                )
                .and_then(|mut st| st.query_row([lo, hi], |r| r.get(0)))
                .map_err(db(CTX))?;
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO record_versions
                         (id, submission_id, source_id, kind, record_id, row_no, payload, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(db(CTX))?;
            for (n, r) in (last + 1..).zip(&batch.records) {
                if n >= hi {
                    return Err(StoreError::Invalid(format!(
                        "submission {} has more records than a submission can hold",
                        id.0
                    )));
                }
                let hash = codec::hash_from_hex(&r.hash)?;
                st.execute(params![
                    n,
                    id.0,
                    source.0,
                    r.kind,
                    r.record_id,
                    to_i64(r.row),
                    r.payload,
                    &hash[..]
                ])
                .map_err(db(CTX))?;
            }
        }
        if !batch.quarantined.is_empty() {
            let created = codec::ts_to_text(&started_at);
            let mut q = tx
                .prepare_cached(
                    "INSERT INTO quarantine (submission_id, source_id, row_no, raw, keys, issues,
                         status, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7)",
                )
                .map_err(db(CTX))?;
            let mut k = tx
                .prepare_cached(
                    "INSERT INTO quarantine_keys (quarantine_id, source_id, kind, record_id)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db(CTX))?;
            for row in &batch.quarantined {
                q.execute(params![
                    id.0,
                    source.0,
                    to_i64(row.row),
                    row.raw,
                    codec::keys_to_json(&row.keys),
                    codec::issues_to_json(&row.issues),
                    created
                ])
                .map_err(db(CTX))?;
                let qid = tx.last_insert_rowid();
                for (kind, record_id) in &row.keys {
                    k.execute(params![qid, source.0, kind, record_id])
                        .map_err(db(CTX))?;
                }
            }
        }
        if !batch.warnings.is_empty() {
            let mut w = tx
                .prepare_cached(
                    "INSERT INTO submission_warnings (submission_id, row_no, field, reason)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db(CTX))?;
            for issue in &batch.warnings {
                w.execute(params![id.0, to_i64(issue.row), issue.field, issue.reason])
                    .map_err(db(CTX))?;
            }
        }
        tx.execute(
            "UPDATE submissions SET rows_read = max(rows_read, ?2) WHERE id = ?1",
            params![id.0, to_i64(batch.rows_read)],
        )
        .map_err(db(CTX))?;
        tx.commit().map_err(db(CTX))
    }

    fn staged_keys(&self, id: SubmissionId) -> Result<Vec<StagedKey>> {
        const CTX: &str = "reading staged keys";
        let conn = self.conn()?;
        let sub = get_submission(&conn, id)?;
        if sub.status != SubmissionStatus::Importing {
            return Ok(Vec::new());
        }
        let mut st = conn
            .prepare_cached(
                "SELECT kind, record_id, row_no, hash FROM record_versions
                 WHERE id > ?1 AND id < ?2 ORDER BY id",
            )
            .map_err(db(CTX))?;
        let (lo, hi) = codec::version_range(id)?;
        let rows = st
            .query_map([lo, hi], |r| {
                Ok(StagedKey {
                    kind: r.get(0)?,
                    record_id: r.get(1)?,
                    row: to_u64(r.get(2)?),
                    hash: codec::hash_to_hex(&r.get::<_, Vec<u8>>(3)?),
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db(CTX))?;
        Ok(rows)
    }

    fn finalize(&self, id: SubmissionId, at: Timestamp) -> Result<Submission> {
        const CTX: &str = "finalizing a submission";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        let (source, _) = importing_submission(&tx, id, CTX)?;
        let (lo, hi) = codec::version_range(id)?;
        let one = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<i64> {
            tx.query_row(sql, p, |r| r.get(0)).map_err(db(CTX))
        };
        let has_current = one(
            "SELECT EXISTS (SELECT 1 FROM current_records WHERE source_id = ?1)",
            &[&source.0],
        )? != 0;
        let has_open = one(
            "SELECT EXISTS (SELECT 1 FROM quarantine WHERE source_id = ?1 AND status = 'open'
                 AND submission_id <> ?2)",
            &[&source.0, &id.0],
        )? != 0;
        if has_open {
            // Resolve before unchanged rows are dropped: a corrected row equal to what is
            // stored resolves its entry too.
            tx.execute(
                "UPDATE quarantine SET status = 'resolved', resolved_by = ?1
                 WHERE source_id = ?2 AND status = 'open' AND submission_id <> ?1
                   AND id IN (
                     SELECT k.quarantine_id FROM record_versions v
                     JOIN quarantine_keys k ON k.source_id = v.source_id AND k.kind = v.kind
                          AND k.record_id = v.record_id
                     WHERE v.id > ?3 AND v.id < ?4)",
                params![id.0, source.0, lo, hi],
            )
            .map_err(db(CTX))?;
        }
        // Staged rows are counted by the statements that consume them (no extra scan).
        let (accepted, unchanged);
        if has_current {
            unchanged = tx
                .execute(
                    "DELETE FROM record_versions
                     WHERE id > ?1 AND id < ?2 AND EXISTS (
                         SELECT 1 FROM current_records c
                         WHERE c.source_id = record_versions.source_id
                           AND c.kind = record_versions.kind
                           AND c.record_id = record_versions.record_id
                           AND c.hash = record_versions.hash)",
                    [lo, hi],
                )
                .map_err(db(CTX))? as i64;
            tx.execute(
                "INSERT INTO version_links (version_id, prev_id)
                 SELECT v.id, c.version_id FROM record_versions v
                 JOIN current_records c ON c.source_id = v.source_id AND c.kind = v.kind
                      AND c.record_id = v.record_id
                 WHERE v.id > ?1 AND v.id < ?2",
                [lo, hi],
            )
            .map_err(db(CTX))?;
            accepted = tx.execute(
                "INSERT INTO current_records (source_id, kind, record_id, version_id, version, hash)
                 SELECT source_id, kind, record_id, id, 1, hash FROM record_versions
                 WHERE id > ?1 AND id < ?2 ORDER BY kind, record_id
                 ON CONFLICT (source_id, kind, record_id) DO UPDATE SET
                     version_id = excluded.version_id,
                     version = current_records.version + 1,
                     hash = excluded.hash",
                [lo, hi],
            )
            .map_err(db(CTX))? as i64;
        } else {
            // First records of the source: no conflicts, and no sort (inserting in staging order
            // is about a third cheaper than sorting by key first).
            unchanged = 0;
            accepted = tx.execute(
                "INSERT INTO current_records (source_id, kind, record_id, version_id, version, hash)
                 SELECT source_id, kind, record_id, id, 1, hash FROM record_versions
                 WHERE id > ?1 AND id < ?2",
                [lo, hi],
            )
            .map_err(db(CTX))? as i64;
        }
        tx.execute(
            "UPDATE submissions SET status = 'complete', finished_at = ?2,
                 accepted = ?3, unchanged = ?4,
                 rejected = (SELECT count(*) FROM quarantine WHERE submission_id = ?1),
                 warnings = (SELECT count(*) FROM submission_warnings WHERE submission_id = ?1)
             WHERE id = ?1",
            params![id.0, codec::ts_to_text(&at), accepted, unchanged],
        )
        .map_err(db(CTX))?;
        let sub = get_submission(&tx, id)?;
        tx.commit().map_err(db(CTX))?;
        Ok(sub)
    }

    fn report(&self, id: SubmissionId) -> Result<ImportReport> {
        const CTX: &str = "reading an import report";
        let conn = self.conn()?;
        let submission = get_submission(&conn, id)?;
        let mut rejected = Vec::new();
        {
            let mut st = conn
                .prepare_cached(
                    "SELECT issues FROM quarantine WHERE submission_id = ?1 ORDER BY row_no, id",
                )
                .map_err(db(CTX))?;
            let mut rows = st.query([id.0]).map_err(db(CTX))?;
            while let Some(row) = rows.next().map_err(db(CTX))? {
                let text: String = row.get(0).map_err(db(CTX))?;
                rejected.extend(codec::issues_from_json(&text)?);
            }
        }
        let mut st = conn
            .prepare_cached(
                "SELECT row_no, field, reason FROM submission_warnings
                 WHERE submission_id = ?1 ORDER BY row_no, id",
            )
            .map_err(db(CTX))?;
        let warnings = st
            .query_map([id.0], |r| {
                Ok(Issue {
                    row: to_u64(r.get(0)?),
                    field: r.get(1)?,
                    reason: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db(CTX))?;
        Ok(ImportReport {
            submission,
            rejected,
            warnings,
        })
    }

    fn quarantine(&self, filter: &QuarantineFilter) -> Result<Vec<QuarantineEntry>> {
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(&format!(
                "{QUARANTINE_SELECT}
                 WHERE (?1 IS NULL OR q.source_id = ?1) AND (?2 IS NULL OR q.submission_id = ?2)
                   AND (?3 IS NULL OR q.status = ?3) AND q.id > ?4
                 ORDER BY q.id LIMIT ?5"
            ))
            .map_err(db("listing quarantine"))?;
        let rows = st
            .query_map(
                params![
                    filter.source.map(|s| s.0),
                    filter.submission.map(|s| s.0),
                    filter.status.map(QuarantineStatus::as_str),
                    filter.after.map_or(0, |q| q.0),
                    codec::quarantine_limit(filter.limit)
                ],
                quarantine_row,
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("listing quarantine"))?;
        Ok(rows)
    }

    fn quarantine_entry(&self, id: QuarantineId) -> Result<QuarantineEntry> {
        self.conn()?
            .prepare_cached(&format!("{QUARANTINE_SELECT} WHERE q.id = ?1"))
            .and_then(|mut st| st.query_row([id.0], quarantine_row).optional())
            .map_err(db("reading quarantine"))?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("quarantine entry {}", id.0),
            })
    }

    fn correct_quarantine(&self, id: QuarantineId, corrected: &str) -> Result<()> {
        let n = self
            .conn()?
            .execute(
                "UPDATE quarantine SET corrected = ?2 WHERE id = ?1",
                params![id.0, corrected],
            )
            .map_err(db("correcting quarantine"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("quarantine entry {}", id.0),
            });
        }
        Ok(())
    }

    fn set_quarantine_status(
        &self,
        id: QuarantineId,
        status: QuarantineStatus,
        resolved_by: Option<SubmissionId>,
    ) -> Result<()> {
        const CTX: &str = "updating quarantine";
        let mut conn = self.conn()?;
        let tx = write_tx(&mut conn, CTX)?;
        if let Some(sub) = resolved_by {
            get_submission(&tx, sub)?;
        }
        let n = tx
            .execute(
                "UPDATE quarantine SET status = ?2, resolved_by = ?3 WHERE id = ?1",
                params![id.0, status.as_str(), resolved_by.map(|s| s.0)],
            )
            .map_err(db(CTX))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("quarantine entry {}", id.0),
            });
        }
        tx.commit().map_err(db(CTX))
    }

    fn record(
        &self,
        source: SourceId,
        kind: &str,
        record_id: &str,
    ) -> Result<Option<RecordVersion>> {
        let conn = self.conn()?;
        let sql = format!(
            "SELECT {} FROM current_records c JOIN record_versions v ON v.id = c.version_id
             {VERSION_JOINS}
             WHERE c.source_id = ?1 AND c.kind = ?2 AND c.record_id = ?3",
            VERSION_COLUMNS.replace("{version}", "c.version")
        );
        conn.prepare_cached(&sql)
            .and_then(|mut st| {
                st.query_row(params![source.0, kind, record_id], |r| version_row(r, 0))
                    .optional()
            })
            .map_err(db("reading a record"))
    }

    fn record_history(
        &self,
        source: SourceId,
        kind: &str,
        record_id: &str,
    ) -> Result<Vec<RecordVersion>> {
        let conn = self.conn()?;
        let sql = format!(
            "WITH RECURSIVE chain (vid, n) AS (
                 SELECT version_id, version FROM current_records
                 WHERE source_id = ?1 AND kind = ?2 AND record_id = ?3
                 UNION ALL
                 SELECT l.prev_id, chain.n - 1 FROM version_links l
                 JOIN chain ON l.version_id = chain.vid)
             SELECT {} FROM chain JOIN record_versions v ON v.id = chain.vid {VERSION_JOINS}
             ORDER BY chain.n",
            VERSION_COLUMNS.replace("{version}", "chain.n")
        );
        let mut st = conn.prepare_cached(&sql).map_err(db("reading a history"))?;
        let rows = st
            .query_map(params![source.0, kind, record_id], |r| version_row(r, 0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("reading a history"))?;
        Ok(rows)
    }

    fn records(
        &self,
        kind: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<RecordVersion>, Option<i64>)> {
        let limit = codec::page_limit(limit);
        if limit == 0 {
            return Ok((Vec::new(), None));
        }
        let conn = self.conn()?;
        let sql = format!(
            "SELECT c.id, {} FROM current_records c JOIN record_versions v ON v.id = c.version_id
             {VERSION_JOINS}
             WHERE c.kind = ?1 AND c.id > ?2 ORDER BY c.id LIMIT ?3",
            VERSION_COLUMNS.replace("{version}", "c.version")
        );
        let mut st = conn.prepare_cached(&sql).map_err(db("listing records"))?;
        let mut rows = st
            .query_map(params![kind, after.unwrap_or(0), limit + 1], |r| {
                Ok((r.get::<_, i64>(0)?, version_row(r, 1)?))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("listing records"))?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|(id, _)| *id)
        } else {
            None
        };
        Ok((rows.into_iter().map(|(_, v)| v).collect(), next))
    }

    fn count_records(&self) -> Result<Vec<KindCount>> {
        let conn = self.conn()?;
        let mut st = conn
            .prepare_cached(
                "SELECT kind, count(*) FROM current_records GROUP BY kind ORDER BY kind",
            )
            .map_err(db("counting records"))?;
        let rows = st
            .query_map([], |r| {
                Ok(KindCount {
                    kind: r.get(0)?,
                    records: to_u64(r.get(1)?),
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("counting records"))?;
        Ok(rows)
    }

    fn unassigned_records(
        &self,
        kind: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<RecordVersion>, Option<i64>)> {
        const CTX: &str = "listing unassigned records";
        let limit = codec::page_limit(limit);
        if limit == 0 {
            return Ok((Vec::new(), None));
        }
        let conn = self.conn()?;
        let sql = format!(
            "SELECT c.id, {} FROM current_records c JOIN record_versions v ON v.id = c.version_id
             {VERSION_JOINS}
             WHERE c.kind = ?1 AND c.id > ?2 AND NOT EXISTS (
                 SELECT 1 FROM person_records p WHERE p.source_id = c.source_id
                     AND p.kind = c.kind AND p.record_id = c.record_id)
             ORDER BY c.id LIMIT ?3",
            VERSION_COLUMNS.replace("{version}", "c.version")
        );
        let mut st = conn.prepare_cached(&sql).map_err(db(CTX))?;
        let mut rows = st
            .query_map(params![kind, after.unwrap_or(0), limit + 1], |r| {
                Ok((r.get::<_, i64>(0)?, version_row(r, 1)?))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db(CTX))?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|(id, _)| *id)
        } else {
            None
        };
        Ok((rows.into_iter().map(|(_, v)| v).collect(), next))
    }
}

/// Writes a consistent copy of the SQLite database `db` to `dest` (which must not exist), while
/// other connections may keep writing: `VACUUM INTO`, one read transaction. For `marsad backup`.
pub fn snapshot(db: &std::path::Path, dest: &std::path::Path) -> Result<()> {
    if dest.exists() {
        return Err(StoreError::Invalid(format!(
            "{} exists already: a snapshot goes into a new file",
            dest.display()
        )));
    }
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Database {
        context: "opening the database for a snapshot",
        source: Box::new(e),
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .and_then(|_| conn.execute("VACUUM INTO ?1", [dest.to_string_lossy().as_ref()]))
        .map_err(|e| StoreError::Database {
            context: "writing a snapshot of the database",
            source: Box::new(e),
        })?;
    Ok(())
}
