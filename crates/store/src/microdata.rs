//! Research microdata extracts (migration `0010_microdata`), written once for both engines over
//! the [`Sql`] interface: requests (who, why, which population and variables, under which release
//! level), every change of their status (approved, refused, released, withdrawn, with the
//! decider, the reasons and the risk report) and the released files.
//!
//! The rules (who may request and decide, how an extract is built and treated, when it may be
//! released) are the policy's, `figures`' and `stats`'; the store keeps what it is given and
//! guarantees only what storage can: nothing is overwritten (triggers refuse it), event numbers
//! follow each other without gaps, a change is recorded only from the state it was decided on (a
//! concurrent decision makes the later one `Invalid`), and a release event and its file are
//! written together or not at all.

use crate::persons::{bad, int, opt_text, real, text, ts, Sql, Val, P};
use crate::{Result, StoreError, Timestamp};

/// A request for a research extract.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrodataRequestRow {
    /// Assigned by the store (ignored when adding).
    pub id: i64,
    /// The requester's audit actor (`user:ID`).
    pub requester: String,
    /// The requester's login, shown to deciders.
    pub requester_name: String,
    pub institution: String,
    /// Why the data is needed (kept in every audit entry about the request).
    pub purpose: String,
    /// The research project.
    pub project: String,
    /// Record kinds the population is drawn from.
    pub kinds: Vec<String>,
    /// The population's years (events dated in `first_year..=last_year`).
    pub first_year: i32,
    pub last_year: i32,
    /// Variables asked, in the extract's column order.
    pub variables: Vec<String>,
    /// The variables treated as quasi-identifiers (a subset of `variables`).
    pub quasi_identifiers: Vec<String>,
    /// The release level in force when requested: every key at least `k` records, no
    /// individual risk above `max_risk`.
    pub k: u32,
    pub max_risk: f64,
    pub requested_at: Timestamp,
    /// Oldest first (empty in a new one).
    pub events: Vec<MicrodataEvent>,
}

impl MicrodataRequestRow {
    /// `requested` until the first event, then the last event's status.
    pub fn status(&self) -> &str {
        self.events.last().map_or("requested", |e| e.to.as_str())
    }
}

/// One change of a request's status.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrodataEvent {
    pub seq: u32,
    pub from: String,
    /// `approved`, `refused`, `released`, `withdrawn`.
    pub to: String,
    /// The audit actor (`user:ID`) and login of who made the change.
    pub actor: String,
    pub actor_name: String,
    pub institution: Option<String>,
    pub reasons: Option<String>,
    /// The risk report (JSON) before and after treatment.
    pub report: Option<String>,
    /// The released file's reference (`sha256:HEX`).
    pub file_ref: Option<String>,
    pub at: Timestamp,
}

/// A released extract.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrodataExtract {
    pub request_id: i64,
    /// SHA-256 of `content`, hex.
    pub sha256: String,
    pub rows: u64,
    /// The CSV file, where it is not in the vault (empty where it is).
    pub content: String,
    /// The vault's id of the encrypted CSV (hex), where the server keeps files in a vault.
    pub blob_id: Option<String>,
    pub created_at: Timestamp,
}

const STATES: [&str; 4] = ["approved", "refused", "released", "withdrawn"];

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} is empty")));
    }
    if value.contains('\0') {
        return Err(StoreError::Invalid(format!("{what} holds a NUL character")));
    }
    Ok(())
}

fn strings_json(v: &[String]) -> String {
    serde_json::Value::Array(v.iter().cloned().map(serde_json::Value::String).collect()).to_string()
}

fn strings_from(row: &[Val], i: usize, ctx: &'static str) -> Result<Vec<String>> {
    serde_json::from_str::<Vec<String>>(&text(row, i, ctx)?).map_err(|_| bad(ctx, "a JSON list"))
}

fn small(row: &[Val], i: usize, ctx: &'static str) -> Result<i32> {
    i32::try_from(int(row, i, ctx)?).map_err(|_| bad(ctx, "a year"))
}

fn count(row: &[Val], i: usize, ctx: &'static str) -> Result<u32> {
    u32::try_from(int(row, i, ctx)?).map_err(|_| bad(ctx, "a count"))
}

const REQUEST_COLUMNS: &str = "requester, requester_name, institution, purpose, project, kinds,
    first_year, last_year, variables, quasi_identifiers, k, max_risk, requested_at";

fn request_row(r: &[Val]) -> Result<MicrodataRequestRow> {
    const CTX: &str = "reading a microdata request";
    Ok(MicrodataRequestRow {
        id: int(r, 0, CTX)?,
        requester: text(r, 1, CTX)?,
        requester_name: text(r, 2, CTX)?,
        institution: text(r, 3, CTX)?,
        purpose: text(r, 4, CTX)?,
        project: text(r, 5, CTX)?,
        kinds: strings_from(r, 6, CTX)?,
        first_year: small(r, 7, CTX)?,
        last_year: small(r, 8, CTX)?,
        variables: strings_from(r, 9, CTX)?,
        quasi_identifiers: strings_from(r, 10, CTX)?,
        k: count(r, 11, CTX)?,
        max_risk: real(r, 12, CTX)?,
        requested_at: ts(r, 13, CTX)?,
        events: Vec::new(),
    })
}

const EVENT_COLUMNS: &str = "request_id, seq, from_state, to_state, actor, actor_name, institution,
    reasons, report, file_ref, at";

fn event_row(r: &[Val]) -> Result<MicrodataEvent> {
    const CTX: &str = "reading a microdata request's events";
    Ok(MicrodataEvent {
        seq: count(r, 1, CTX)?,
        from: text(r, 2, CTX)?,
        to: text(r, 3, CTX)?,
        actor: text(r, 4, CTX)?,
        actor_name: text(r, 5, CTX)?,
        institution: opt_text(r, 6, CTX)?,
        reasons: opt_text(r, 7, CTX)?,
        report: opt_text(r, 8, CTX)?,
        file_ref: opt_text(r, 9, CTX)?,
        at: ts(r, 10, CTX)?,
    })
}

/// Stores a new request; its id.
pub(crate) fn add_request(db: &mut dyn Sql, new: &MicrodataRequestRow) -> Result<i64> {
    const CTX: &str = "recording a microdata request";
    required(&new.requester, "the requester")?;
    required(&new.institution, "the requester's institution")?;
    required(&new.purpose, "purpose")?;
    required(&new.project, "project")?;
    if new.kinds.is_empty() || new.variables.is_empty() {
        return Err(StoreError::Invalid(
            "a request names record kinds and variables".into(),
        ));
    }
    if let Some(q) = new
        .quasi_identifiers
        .iter()
        .find(|q| !new.variables.contains(q))
    {
        return Err(StoreError::Invalid(format!(
            "quasi-identifier {q} is not among the variables asked"
        )));
    }
    if new.last_year < new.first_year {
        return Err(StoreError::Invalid(
            "the period ends before it starts".into(),
        ));
    }
    if new.k == 0 || !(new.max_risk > 0.0 && new.max_risk <= 1.0) {
        return Err(StoreError::Invalid(
            "k must be at least 1 and the largest risk in (0, 1]".into(),
        ));
    }
    let rows = db.query(
        CTX,
        &format!(
            "INSERT INTO microdata_requests ({REQUEST_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id"
        ),
        &[
            P::Text(Some(&new.requester)),
            P::Text(Some(&new.requester_name)),
            P::Text(Some(&new.institution)),
            P::Text(Some(&new.purpose)),
            P::Text(Some(&new.project)),
            P::Text(Some(&strings_json(&new.kinds))),
            P::Int(i64::from(new.first_year)),
            P::Int(i64::from(new.last_year)),
            P::Text(Some(&strings_json(&new.variables))),
            P::Text(Some(&strings_json(&new.quasi_identifiers))),
            P::Int(i64::from(new.k)),
            P::Real(Some(new.max_risk)),
            P::Ts(new.requested_at),
        ],
    )?;
    int(rows.first().ok_or_else(|| bad(CTX, "the new id"))?, 0, CTX)
}

/// A request with every event. `NotFound` if unknown.
pub(crate) fn request(db: &mut dyn Sql, id: i64) -> Result<MicrodataRequestRow> {
    let mut r = db
        .query(
            "reading a microdata request",
            &format!("SELECT id, {REQUEST_COLUMNS} FROM microdata_requests WHERE id = ?1"),
            &[P::Int(id)],
        )?
        .first()
        .map(|r| request_row(r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("microdata request {id}"),
        })?;
    r.events = db
        .query(
            "reading a microdata request's events",
            &format!(
                "SELECT {EVENT_COLUMNS} FROM microdata_events WHERE request_id = ?1 ORDER BY seq"
            ),
            &[P::Int(id)],
        )?
        .iter()
        .map(|e| event_row(e))
        .collect::<Result<_>>()?;
    Ok(r)
}

/// Requests made from `institution` (every one for `None`), oldest first.
pub(crate) fn requests(
    db: &mut dyn Sql,
    institution: Option<&str>,
) -> Result<Vec<MicrodataRequestRow>> {
    const CTX: &str = "listing microdata requests";
    let rows = match institution {
        Some(i) => db.query(
            CTX,
            "SELECT id FROM microdata_requests WHERE institution = ?1 ORDER BY id",
            &[P::Text(Some(i))],
        )?,
        None => db.query(CTX, "SELECT id FROM microdata_requests ORDER BY id", &[])?,
    };
    rows.iter()
        .map(|r| {
            let id = int(r, 0, CTX)?;
            request(db, id)
        })
        .collect()
}

/// The requests whose last event is an approval (approved, their extract not built yet), oldest
/// first.
pub(crate) fn approved(db: &mut dyn Sql) -> Result<Vec<i64>> {
    const CTX: &str = "listing approved microdata requests";
    let rows = db.query(
        CTX,
        "SELECT e.request_id FROM microdata_events e
         WHERE e.to_state = 'approved'
           AND NOT EXISTS (SELECT 1 FROM microdata_events l
                           WHERE l.request_id = e.request_id AND l.seq > e.seq)
         ORDER BY e.request_id",
        &[],
    )?;
    rows.iter().map(|r| int(r, 0, CTX)).collect()
}

/// Records `events` (consecutive, the first decided on the request as it was after
/// `events[0].seq - 1` changes) and, with a release, its file.
pub(crate) fn move_request(
    db: &mut dyn Sql,
    id: i64,
    events: &[MicrodataEvent],
    extract: Option<&MicrodataExtract>,
) -> Result<MicrodataRequestRow> {
    const CTX: &str = "changing a microdata request's status";
    let lock = db.for_update();
    let found = db.query(
        CTX,
        &format!("SELECT id FROM microdata_requests WHERE id = ?1{lock}"),
        &[P::Int(id)],
    )?;
    if found.is_empty() {
        return Err(StoreError::NotFound {
            what: format!("microdata request {id}"),
        });
    }
    let current = request(db, id)?;
    let mut state = current.status().to_string();
    let mut seq = u32::try_from(current.events.len()).unwrap_or(u32::MAX);
    for event in events {
        required(&event.actor, "who changed the request")?;
        if !STATES.contains(&event.to.as_str()) {
            return Err(StoreError::Invalid(format!(
                "{} is not a status of a microdata request",
                event.to
            )));
        }
        if event.seq != seq + 1 || event.from != state {
            return Err(StoreError::Invalid(format!(
                "microdata request {id} changed meanwhile (it is {state}): read it again and retry"
            )));
        }
        db.exec(
            "this change of the microdata request",
            &format!(
                "INSERT INTO microdata_events ({EVENT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ),
            &[
                P::Int(id),
                P::Int(i64::from(event.seq)),
                P::Text(Some(&event.from)),
                P::Text(Some(&event.to)),
                P::Text(Some(&event.actor)),
                P::Text(Some(&event.actor_name)),
                P::Text(event.institution.as_deref()),
                P::Text(event.reasons.as_deref()),
                P::Text(event.report.as_deref()),
                P::Text(event.file_ref.as_deref()),
                P::Ts(event.at),
            ],
        )?;
        seq = event.seq;
        state = event.to.clone();
    }
    if let Some(x) = extract {
        if x.request_id != id {
            return Err(StoreError::Invalid(
                "the extract belongs to another request".into(),
            ));
        }
        db.exec(
            "the released extract of this request",
            "INSERT INTO microdata_extracts (request_id, sha256, rows, content, created_at, blob_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                P::Int(id),
                P::Text(Some(&x.sha256)),
                P::Int(i64::try_from(x.rows).unwrap_or(i64::MAX)),
                P::Text(Some(&x.content)),
                P::Ts(x.created_at),
                P::Text(x.blob_id.as_deref()),
            ],
        )?;
    }
    request(db, id)
}

/// The released file of a request. `NotFound` when none was released.
pub(crate) fn extract(db: &mut dyn Sql, id: i64) -> Result<MicrodataExtract> {
    const CTX: &str = "reading a released extract";
    let rows = db.query(
        CTX,
        "SELECT request_id, sha256, rows, content, created_at, blob_id FROM microdata_extracts
         WHERE request_id = ?1",
        &[P::Int(id)],
    )?;
    let r = rows.first().ok_or_else(|| StoreError::NotFound {
        what: format!("the extract of microdata request {id}"),
    })?;
    Ok(MicrodataExtract {
        request_id: int(r, 0, CTX)?,
        sha256: text(r, 1, CTX)?,
        rows: u64::try_from(int(r, 2, CTX)?).map_err(|_| bad(CTX, "a count"))?,
        content: text(r, 3, CTX)?,
        created_at: ts(r, 4, CTX)?,
        blob_id: match r.get(5) {
            Some(Val::Text(b)) => Some(b.clone()),
            _ => None,
        },
    })
}
