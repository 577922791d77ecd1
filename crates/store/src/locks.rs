//! Run locks (migration `0011_run_locks`), for both engines over the neutral `Sql`: a long job
//! that must not run twice at once over one store holds a named row from its start to its end.

use crate::persons::{text, ts, Sql, P};
use crate::{Result, Timestamp};

/// Who holds a run lock, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLock {
    pub holder: String,
    pub since: Timestamp,
}

fn holder_of(db: &mut dyn Sql, name: &str, ctx: &'static str) -> Result<Option<RunLock>> {
    let rows = db.query(
        ctx,
        "SELECT holder, since FROM run_locks WHERE name = ?1",
        &[P::Text(Some(name))],
    )?;
    rows.first()
        .map(|r| {
            Ok(RunLock {
                holder: text(r, 0, ctx)?,
                since: ts(r, 1, ctx)?,
            })
        })
        .transpose()
}

/// Takes lock `name` for `holder`; `Some` (the lock as it is) when another holder has it.
pub(crate) fn take(
    db: &mut dyn Sql,
    name: &str,
    holder: &str,
    at: Timestamp,
) -> Result<Option<RunLock>> {
    const CTX: &str = "taking a run lock";
    db.exec(
        CTX,
        "INSERT INTO run_locks (name, holder, since) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO NOTHING",
        &[P::Text(Some(name)), P::Text(Some(holder)), P::Ts(at)],
    )?;
    Ok(holder_of(db, name, CTX)?.filter(|l| l.holder != holder))
}

/// Gives lock `name` back if `holder` has it.
pub(crate) fn release(db: &mut dyn Sql, name: &str, holder: &str) -> Result<()> {
    db.exec(
        "releasing a run lock",
        "DELETE FROM run_locks WHERE name = ?1 AND holder = ?2",
        &[P::Text(Some(name)), P::Text(Some(holder))],
    )?;
    Ok(())
}

/// Removes lock `name` whoever holds it; returns what it was.
pub(crate) fn break_lock(db: &mut dyn Sql, name: &str) -> Result<Option<RunLock>> {
    const CTX: &str = "breaking a run lock";
    let was = holder_of(db, name, CTX)?;
    db.exec(
        CTX,
        "DELETE FROM run_locks WHERE name = ?1",
        &[P::Text(Some(name))],
    )?;
    Ok(was)
}
