//! GCM monitoring (migration `0009_gcm`), written once for both engines over the [`Sql`]
//! interface: the national implementation plan (every version of every action, indicators and
//! their measurements, evaluations, evidence), the missing-migrant register (reports, their
//! sources, the links that make several reports one incident, identified persons), the
//! trafficking referral mechanism (cases, referrals and every move of each) and complaints with
//! every change of status.
//!
//! The rules (what a valid action is, which referral moves are allowed and by whom, when two
//! reports are one incident, which complaint states follow which) are `marsad-gcm`'s; the store
//! keeps what it is given and guarantees only what storage can: nothing is overwritten (triggers
//! refuse it), version and event numbers follow each other without gaps, and a move is recorded
//! only from the state it was decided on (a concurrent move makes the later one `Invalid`).

use chrono::NaiveDate;

use crate::persons::{bad, int, num, opt_text, real, text, ts, Sql, Val, P};
use crate::{PersonNumber, Result, StoreError, Timestamp};

// ---------------------------------------------------------------------------------------------
// Types

/// One version of a plan action (what the committee or the owner saved).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanActionRow {
    pub id: String,
    /// 1 for the first; each saved change adds one.
    pub version: u32,
    pub title: String,
    /// Objective numbers 1..=23.
    pub objectives: Vec<u8>,
    /// The owner institution's name.
    pub owner: String,
    pub partners: Vec<String>,
    /// Whole units and the ISO 4217 currency.
    pub budget: Option<(u64, String)>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub status: String,
    pub step: String,
    pub changed_by: String,
    pub changed_at: Timestamp,
}

/// A measured (or baseline, or target) value of an indicator for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRow {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub source: String,
}

/// An indicator of an action, with its measurements in period order when read.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub action: String,
    pub code: String,
    pub baseline: MeasurementRow,
    pub target: MeasurementRow,
    /// `increase` or `decrease`, when given.
    pub direction: Option<String>,
    pub measurements: Vec<MeasurementRow>,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// An evaluation of an action.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRow {
    /// Given by the store (0 in a new one).
    pub id: i64,
    pub action: String,
    pub date: NaiveDate,
    pub author: String,
    pub learned: String,
    pub obstacles: Vec<String>,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// Evidence of an action: an attachment kept in a dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// Given by the store (0 in a new one).
    pub id: i64,
    pub action: String,
    pub title: String,
    pub attachment: crate::AttachmentId,
    pub date: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// One report of a missing-migrant incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    /// Given by the store (0 in a new one).
    pub id: i64,
    pub date: NaiveDate,
    /// Latitude and longitude (WGS 84).
    pub location: Option<(f64, f64)>,
    pub route: Option<String>,
    pub region: Option<String>,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    pub dead: u32,
    pub missing: u32,
    pub survivors: Option<u32>,
    pub females: Option<u32>,
    pub males: Option<u32>,
    pub children: Option<u32>,
    pub cause: Option<String>,
    /// `(name, reliability code)`, in the order given.
    pub sources: Vec<(String, String)>,
    /// The recording institution's name.
    pub institution: String,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// Two reports judged one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentLink {
    /// The smaller id.
    pub low: i64,
    pub high: i64,
    pub reasons: String,
    pub linked_by: String,
    pub linked_at: Timestamp,
}

/// An identified trafficking victim (the case referrals belong to).
#[derive(Debug, Clone, PartialEq)]
pub struct TraffickingCase {
    /// Given by the store (0 in a new one).
    pub id: i64,
    /// The identifying institution's name.
    pub institution: String,
    pub identified_at: Timestamp,
    pub person: Option<PersonNumber>,
    pub sex: Option<String>,
    pub age_group: Option<String>,
    /// ISO 3166-1 alpha-3 or an ICAO code.
    pub nationality: Option<String>,
    /// The form of exploitation (a code of `marsad-gcm`'s list).
    pub exploitation: String,
    pub recorded_by: String,
}

/// One move of a referral.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralEvent {
    /// 1 for the first move.
    pub seq: u32,
    pub from: String,
    pub to: String,
    /// The institution that made the move.
    pub institution: String,
    /// The user (or token) that made it.
    pub actor: String,
    pub reason: Option<String>,
    pub at: Timestamp,
}

/// A referral and every move of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRow {
    /// Given by the store (0 in a new one).
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub referring: String,
    pub receiving: String,
    pub note: Option<String>,
    pub proposed_by: String,
    pub proposed_at: Timestamp,
    /// Oldest first (empty when read back after creation, and in a new one).
    pub events: Vec<ReferralEvent>,
}

/// One change of a complaint's status.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintEvent {
    pub seq: u32,
    pub from: String,
    pub to: String,
    pub actor: String,
    pub note: Option<String>,
    pub at: Timestamp,
}

/// A complaint and every change of its status.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintRow {
    pub reference: String,
    /// `ar`, `fr` or `en`.
    pub lang: String,
    /// `form`, `api`, `hotline`.
    pub channel: String,
    pub category: String,
    /// Free text in any script.
    pub body: String,
    pub contact: Option<String>,
    /// The handling institution's name.
    pub handler: String,
    pub received_at: Timestamp,
    pub events: Vec<ComplaintEvent>,
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} is empty")));
    }
    if value.contains('\0') {
        return Err(StoreError::Invalid(format!("{what} holds a NUL character")));
    }
    Ok(())
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn date(row: &[Val], i: usize, ctx: &'static str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&text(row, i, ctx)?, "%Y-%m-%d").map_err(|_| bad(ctx, "a date"))
}

fn opt_date(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<NaiveDate>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => date(row, i, ctx).map(Some),
    }
}

fn opt_int(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<i64>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => int(row, i, ctx).map(Some),
    }
}

fn opt_real(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<f64>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => real(row, i, ctx).map(Some),
    }
}

fn count(row: &[Val], i: usize, ctx: &'static str) -> Result<u32> {
    u32::try_from(int(row, i, ctx)?).map_err(|_| bad(ctx, "a count"))
}

fn opt_count(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<u32>> {
    opt_int(row, i, ctx)?
        .map(|v| u32::try_from(v).map_err(|_| bad(ctx, "a count")))
        .transpose()
}

fn strings_json(v: &[String]) -> String {
    serde_json::Value::Array(v.iter().cloned().map(serde_json::Value::String).collect()).to_string()
}

fn strings_from(row: &[Val], i: usize, ctx: &'static str) -> Result<Vec<String>> {
    let t = text(row, i, ctx)?;
    serde_json::from_str::<Vec<String>>(&t).map_err(|_| bad(ctx, "a JSON list"))
}

fn new_id(rows: &[Vec<Val>], ctx: &'static str) -> Result<i64> {
    int(rows.first().ok_or_else(|| bad(ctx, "the new id"))?, 0, ctx)
}

fn opt_u32(v: Option<u32>) -> Option<i64> {
    v.map(i64::from)
}

// ---------------------------------------------------------------------------------------------
// Plan actions

const ACTION_COLUMNS: &str = "action_id, version, title, objectives, owner, partners,
     budget_amount, budget_currency, start_date, end_date, status, step, changed_by, changed_at";

fn action_row(row: &[Val]) -> Result<PlanActionRow> {
    const CTX: &str = "reading a plan action";
    let objectives: Vec<u8> =
        serde_json::from_str(&text(row, 3, CTX)?).map_err(|_| bad(CTX, "the objectives"))?;
    let budget = match (opt_int(row, 6, CTX)?, opt_text(row, 7, CTX)?) {
        (Some(a), Some(c)) => Some((u64::try_from(a).map_err(|_| bad(CTX, "a budget"))?, c)),
        _ => None,
    };
    Ok(PlanActionRow {
        id: text(row, 0, CTX)?,
        version: u32::try_from(int(row, 1, CTX)?).map_err(|_| bad(CTX, "a version"))?,
        title: text(row, 2, CTX)?,
        objectives,
        owner: text(row, 4, CTX)?,
        partners: strings_from(row, 5, CTX)?,
        budget,
        start: date(row, 8, CTX)?,
        end: opt_date(row, 9, CTX)?,
        status: text(row, 10, CTX)?,
        step: text(row, 11, CTX)?,
        changed_by: text(row, 12, CTX)?,
        changed_at: ts(row, 13, CTX)?,
    })
}

fn action_not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: format!("plan action {id}"),
    }
}

/// Stores `row` as the next version of its action: version 1 creates the action (`Conflict` if
/// it exists), a later one must follow the current version (`Invalid` otherwise: someone saved
/// in between).
pub(crate) fn save_plan_action(db: &mut dyn Sql, row: &PlanActionRow) -> Result<()> {
    const CTX: &str = "saving a plan action";
    required(&row.id, "the action id")?;
    required(&row.title, "the title")?;
    required(&row.owner, "the owner")?;
    required(&row.changed_by, "who saved the action")?;
    if row.version == 1 {
        db.exec(
            "a plan action with this id",
            "INSERT INTO plan_actions (id, created_by, created_at) VALUES (?1, ?2, ?3)",
            &[
                P::Text(Some(&row.id)),
                P::Text(Some(&row.changed_by)),
                P::Ts(row.changed_at),
            ],
        )?;
    } else {
        let lock = db.for_update();
        let found = db.query(
            CTX,
            &format!("SELECT id FROM plan_actions WHERE id = ?1{lock}"),
            &[P::Text(Some(&row.id))],
        )?;
        if found.is_empty() {
            return Err(action_not_found(&row.id));
        }
        let current = plan_action(db, &row.id)?;
        if current.version + 1 != row.version {
            return Err(StoreError::Invalid(format!(
                "plan action {} is at version {}, not {}: read it again and retry",
                row.id,
                current.version,
                row.version.saturating_sub(1)
            )));
        }
    }
    let objectives = serde_json::Value::Array(
        row.objectives
            .iter()
            .map(|o| serde_json::Value::from(*o))
            .collect(),
    )
    .to_string();
    let (amount, currency) = match &row.budget {
        Some((a, c)) => (
            Some(
                i64::try_from(*a)
                    .map_err(|_| StoreError::Invalid("the budget is too large".into()))?,
            ),
            Some(c.as_str()),
        ),
        None => (None, None),
    };
    let end = row.end.map(date_text);
    db.exec(
        "a version of this plan action",
        &format!(
            "INSERT INTO plan_action_versions ({ACTION_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ),
        &[
            P::Text(Some(&row.id)),
            P::Int(i64::from(row.version)),
            P::Text(Some(&row.title)),
            P::Text(Some(&objectives)),
            P::Text(Some(&row.owner)),
            P::Text(Some(&strings_json(&row.partners))),
            P::OptInt(amount),
            P::Text(currency),
            P::Text(Some(&date_text(row.start))),
            P::Text(end.as_deref()),
            P::Text(Some(&row.status)),
            P::Text(Some(&row.step)),
            P::Text(Some(&row.changed_by)),
            P::Ts(row.changed_at),
        ],
    )?;
    Ok(())
}

pub(crate) fn plan_action(db: &mut dyn Sql, id: &str) -> Result<PlanActionRow> {
    db.query(
        "reading a plan action",
        &format!(
            "SELECT {ACTION_COLUMNS} FROM plan_action_versions v WHERE action_id = ?1
             AND version = (SELECT max(version) FROM plan_action_versions WHERE action_id = ?1)"
        ),
        &[P::Text(Some(id))],
    )?
    .first()
    .map(|r| action_row(r))
    .transpose()?
    .ok_or_else(|| action_not_found(id))
}

pub(crate) fn plan_actions(db: &mut dyn Sql) -> Result<Vec<PlanActionRow>> {
    db.query(
        "reading the plan",
        &format!(
            "SELECT {ACTION_COLUMNS} FROM plan_action_versions v
             WHERE version = (SELECT max(version) FROM plan_action_versions w
                              WHERE w.action_id = v.action_id)
             ORDER BY action_id"
        ),
        &[],
    )?
    .iter()
    .map(|r| action_row(r))
    .collect()
}

pub(crate) fn plan_action_history(db: &mut dyn Sql, id: &str) -> Result<Vec<PlanActionRow>> {
    let rows: Vec<PlanActionRow> = db
        .query(
            "reading a plan action's history",
            &format!(
                "SELECT {ACTION_COLUMNS} FROM plan_action_versions WHERE action_id = ?1
                 ORDER BY version"
            ),
            &[P::Text(Some(id))],
        )?
        .iter()
        .map(|r| action_row(r))
        .collect::<Result<_>>()?;
    if rows.is_empty() {
        return Err(action_not_found(id));
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Indicators, measurements, evaluations, evidence

fn check_measurement(m: &MeasurementRow, what: &str) -> Result<()> {
    required(&m.source, &format!("{what}.source"))?;
    if !m.value.is_finite() {
        return Err(StoreError::Invalid(format!("{what}.value is not a number")));
    }
    Ok(())
}

pub(crate) fn add_indicator(db: &mut dyn Sql, row: &IndicatorRow) -> Result<()> {
    required(&row.code, "the indicator code")?;
    check_measurement(&row.baseline, "baseline")?;
    check_measurement(&row.target, "target")?;
    plan_action(db, &row.action)?;
    db.exec(
        "an indicator with this code on this action",
        "INSERT INTO plan_indicators (action_id, code, baseline_start, baseline_end,
             baseline_value, baseline_source, target_start, target_end, target_value,
             target_source, direction, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &[
            P::Text(Some(&row.action)),
            P::Text(Some(&row.code)),
            P::Text(Some(&date_text(row.baseline.period_start))),
            P::Text(Some(&date_text(row.baseline.period_end))),
            P::Real(Some(row.baseline.value)),
            P::Text(Some(&row.baseline.source)),
            P::Text(Some(&date_text(row.target.period_start))),
            P::Text(Some(&date_text(row.target.period_end))),
            P::Real(Some(row.target.value)),
            P::Text(Some(&row.target.source)),
            P::Text(row.direction.as_deref()),
            P::Text(Some(&row.created_by)),
            P::Ts(row.created_at),
        ],
    )?;
    Ok(())
}

pub(crate) fn add_measurement(
    db: &mut dyn Sql,
    action: &str,
    code: &str,
    m: &MeasurementRow,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    const CTX: &str = "recording a measurement";
    check_measurement(m, "the measurement")?;
    required(actor, "who recorded the measurement")?;
    let found = db.query(
        CTX,
        "SELECT code FROM plan_indicators WHERE action_id = ?1 AND code = ?2",
        &[P::Text(Some(action)), P::Text(Some(code))],
    )?;
    if found.is_empty() {
        return Err(StoreError::NotFound {
            what: format!("indicator {code} of plan action {action}"),
        });
    }
    db.exec(
        "a measurement of this indicator for this period",
        "INSERT INTO plan_measurements (action_id, code, period_start, period_end, value,
             source, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            P::Text(Some(action)),
            P::Text(Some(code)),
            P::Text(Some(&date_text(m.period_start))),
            P::Text(Some(&date_text(m.period_end))),
            P::Real(Some(m.value)),
            P::Text(Some(&m.source)),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    Ok(())
}

pub(crate) fn plan_indicators(db: &mut dyn Sql) -> Result<Vec<IndicatorRow>> {
    const CTX: &str = "reading indicators";
    let measurements = db.query(
        CTX,
        "SELECT action_id, code, period_start, period_end, value, source
         FROM plan_measurements ORDER BY action_id, code, period_start, period_end",
        &[],
    )?;
    let mut out: Vec<IndicatorRow> = db
        .query(
            CTX,
            "SELECT action_id, code, baseline_start, baseline_end, baseline_value,
                 baseline_source, target_start, target_end, target_value, target_source,
                 direction, created_by, created_at
             FROM plan_indicators ORDER BY action_id, code",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(IndicatorRow {
                action: text(r, 0, CTX)?,
                code: text(r, 1, CTX)?,
                baseline: MeasurementRow {
                    period_start: date(r, 2, CTX)?,
                    period_end: date(r, 3, CTX)?,
                    value: real(r, 4, CTX)?,
                    source: text(r, 5, CTX)?,
                },
                target: MeasurementRow {
                    period_start: date(r, 6, CTX)?,
                    period_end: date(r, 7, CTX)?,
                    value: real(r, 8, CTX)?,
                    source: text(r, 9, CTX)?,
                },
                direction: opt_text(r, 10, CTX)?,
                measurements: Vec::new(),
                created_by: text(r, 11, CTX)?,
                created_at: ts(r, 12, CTX)?,
            })
        })
        .collect::<Result<_>>()?;
    for r in &measurements {
        let (action, code) = (text(r, 0, CTX)?, text(r, 1, CTX)?);
        if let Some(ind) = out
            .iter_mut()
            .find(|i| i.action == action && i.code == code)
        {
            ind.measurements.push(MeasurementRow {
                period_start: date(r, 2, CTX)?,
                period_end: date(r, 3, CTX)?,
                value: real(r, 4, CTX)?,
                source: text(r, 5, CTX)?,
            });
        }
    }
    Ok(out)
}

pub(crate) fn add_evaluation(db: &mut dyn Sql, row: &EvaluationRow) -> Result<i64> {
    const CTX: &str = "recording an evaluation";
    required(&row.author, "the author")?;
    if row.learned.trim().is_empty() && row.obstacles.iter().all(|o| o.trim().is_empty()) {
        return Err(StoreError::Invalid(
            "learned is empty: an evaluation says what was learned or the obstacles met".into(),
        ));
    }
    plan_action(db, &row.action)?;
    let rows = db.query(
        CTX,
        "INSERT INTO plan_evaluations (action_id, date, author, learned, obstacles,
             recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        &[
            P::Text(Some(&row.action)),
            P::Text(Some(&date_text(row.date))),
            P::Text(Some(&row.author)),
            P::Text(Some(&row.learned)),
            P::Text(Some(&strings_json(&row.obstacles))),
            P::Text(Some(&row.recorded_by)),
            P::Ts(row.recorded_at),
        ],
    )?;
    new_id(&rows, CTX)
}

pub(crate) fn plan_evaluations(db: &mut dyn Sql) -> Result<Vec<EvaluationRow>> {
    const CTX: &str = "reading evaluations";
    db.query(
        CTX,
        "SELECT id, action_id, date, author, learned, obstacles, recorded_by, recorded_at
         FROM plan_evaluations ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(EvaluationRow {
            id: int(r, 0, CTX)?,
            action: text(r, 1, CTX)?,
            date: date(r, 2, CTX)?,
            author: text(r, 3, CTX)?,
            learned: text(r, 4, CTX)?,
            obstacles: strings_from(r, 5, CTX)?,
            recorded_by: text(r, 6, CTX)?,
            recorded_at: ts(r, 7, CTX)?,
        })
    })
    .collect()
}

pub(crate) fn add_evidence(db: &mut dyn Sql, row: &EvidenceRow) -> Result<i64> {
    const CTX: &str = "recording evidence";
    required(&row.title, "the title")?;
    plan_action(db, &row.action)?;
    crate::dossiers::attachment(db, row.attachment)?;
    let rows = db.query(
        CTX,
        "INSERT INTO plan_evidence (action_id, title, attachment_id, date, recorded_by,
             recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        &[
            P::Text(Some(&row.action)),
            P::Text(Some(&row.title)),
            P::Int(row.attachment.0),
            P::Text(Some(&date_text(row.date))),
            P::Text(Some(&row.recorded_by)),
            P::Ts(row.recorded_at),
        ],
    )?;
    new_id(&rows, CTX)
}

pub(crate) fn plan_evidence(db: &mut dyn Sql) -> Result<Vec<EvidenceRow>> {
    const CTX: &str = "reading evidence";
    db.query(
        CTX,
        "SELECT id, action_id, title, attachment_id, date, recorded_by, recorded_at
         FROM plan_evidence ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(EvidenceRow {
            id: int(r, 0, CTX)?,
            action: text(r, 1, CTX)?,
            title: text(r, 2, CTX)?,
            attachment: crate::AttachmentId(int(r, 3, CTX)?),
            date: date(r, 4, CTX)?,
            recorded_by: text(r, 5, CTX)?,
            recorded_at: ts(r, 6, CTX)?,
        })
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Incidents

const INCIDENT_COLUMNS: &str = "id, date, latitude, longitude, route, region, country, dead,
     missing, survivors, females, males, children, cause, institution, recorded_by, recorded_at";

fn incident_row(row: &[Val]) -> Result<IncidentRow> {
    const CTX: &str = "reading an incident";
    let location = match (opt_real(row, 2, CTX)?, opt_real(row, 3, CTX)?) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => None,
    };
    Ok(IncidentRow {
        id: int(row, 0, CTX)?,
        date: date(row, 1, CTX)?,
        location,
        route: opt_text(row, 4, CTX)?,
        region: opt_text(row, 5, CTX)?,
        country: opt_text(row, 6, CTX)?,
        dead: count(row, 7, CTX)?,
        missing: count(row, 8, CTX)?,
        survivors: opt_count(row, 9, CTX)?,
        females: opt_count(row, 10, CTX)?,
        males: opt_count(row, 11, CTX)?,
        children: opt_count(row, 12, CTX)?,
        cause: opt_text(row, 13, CTX)?,
        sources: Vec::new(),
        institution: text(row, 14, CTX)?,
        recorded_by: text(row, 15, CTX)?,
        recorded_at: ts(row, 16, CTX)?,
    })
}

fn with_sources(db: &mut dyn Sql, mut rows: Vec<IncidentRow>) -> Result<Vec<IncidentRow>> {
    const CTX: &str = "reading incident sources";
    if rows.is_empty() {
        return Ok(rows);
    }
    let (lo, hi) = (
        rows.iter().map(|r| r.id).min().unwrap_or(0),
        rows.iter().map(|r| r.id).max().unwrap_or(0),
    );
    let sources = db.query(
        CTX,
        "SELECT incident_id, name, reliability FROM incident_sources
         WHERE incident_id BETWEEN ?1 AND ?2 ORDER BY incident_id, position",
        &[P::Int(lo), P::Int(hi)],
    )?;
    for s in &sources {
        let id = int(s, 0, CTX)?;
        if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
            r.sources.push((text(s, 1, CTX)?, text(s, 2, CTX)?));
        }
    }
    Ok(rows)
}

/// Stores a report and, in the same transaction, its links to the reports it was judged the
/// same incident as (`(other id, reasons)`).
pub(crate) fn add_incident(
    db: &mut dyn Sql,
    new: &IncidentRow,
    links: &[(i64, String)],
) -> Result<IncidentRow> {
    const CTX: &str = "recording an incident";
    required(&new.institution, "the institution")?;
    required(&new.recorded_by, "who recorded the incident")?;
    if new.sources.is_empty() {
        return Err(StoreError::Invalid(
            "sources: at least one is required".into(),
        ));
    }
    for (i, (name, reliability)) in new.sources.iter().enumerate() {
        required(name, &format!("sources[{i}].name"))?;
        required(reliability, &format!("sources[{i}].reliability"))?;
    }
    let (lat, lon) = match new.location {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    let rows = db.query(
        CTX,
        "INSERT INTO incidents (date, latitude, longitude, route, region, country, dead,
             missing, survivors, females, males, children, cause, institution, recorded_by,
             recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         RETURNING id",
        &[
            P::Text(Some(&date_text(new.date))),
            P::Real(lat),
            P::Real(lon),
            P::Text(new.route.as_deref()),
            P::Text(new.region.as_deref()),
            P::Text(new.country.as_deref()),
            P::Int(i64::from(new.dead)),
            P::Int(i64::from(new.missing)),
            opt_p(opt_u32(new.survivors)),
            opt_p(opt_u32(new.females)),
            opt_p(opt_u32(new.males)),
            opt_p(opt_u32(new.children)),
            P::Text(new.cause.as_deref()),
            P::Text(Some(&new.institution)),
            P::Text(Some(&new.recorded_by)),
            P::Ts(new.recorded_at),
        ],
    )?;
    let id = new_id(&rows, CTX)?;
    for (position, (name, reliability)) in new.sources.iter().enumerate() {
        db.exec(
            CTX,
            "INSERT INTO incident_sources (incident_id, position, name, reliability)
             VALUES (?1, ?2, ?3, ?4)",
            &[
                P::Int(id),
                P::Int(i64::try_from(position).unwrap_or(i64::MAX)),
                P::Text(Some(name)),
                P::Text(Some(reliability)),
            ],
        )?;
    }
    for (other, reasons) in links {
        incident(db, *other)?;
        db.exec(
            "a link between these incidents",
            "INSERT INTO incident_links (low_id, high_id, reasons, linked_by, linked_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                P::Int((*other).min(id)),
                P::Int((*other).max(id)),
                P::Text(Some(reasons)),
                P::Text(Some(&new.recorded_by)),
                P::Ts(new.recorded_at),
            ],
        )?;
    }
    incident(db, id)
}

fn opt_p<'a>(v: Option<i64>) -> P<'a> {
    P::OptInt(v)
}

pub(crate) fn incident(db: &mut dyn Sql, id: i64) -> Result<IncidentRow> {
    let rows = db
        .query(
            "reading an incident",
            &format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?1"),
            &[P::Int(id)],
        )?
        .iter()
        .map(|r| incident_row(r))
        .collect::<Result<Vec<_>>>()?;
    with_sources(db, rows)?
        .pop()
        .ok_or_else(|| StoreError::NotFound {
            what: format!("incident {id}"),
        })
}

/// Reports dated `from..=to`, by date then id.
pub(crate) fn incidents(
    db: &mut dyn Sql,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<IncidentRow>> {
    let rows = db
        .query(
            "reading incidents",
            &format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE date BETWEEN ?1 AND ?2
                 ORDER BY date, id"
            ),
            &[
                P::Text(Some(&date_text(from))),
                P::Text(Some(&date_text(to))),
            ],
        )?
        .iter()
        .map(|r| incident_row(r))
        .collect::<Result<Vec<_>>>()?;
    with_sources(db, rows)
}

pub(crate) fn incident_links(db: &mut dyn Sql) -> Result<Vec<IncidentLink>> {
    const CTX: &str = "reading incident links";
    db.query(
        CTX,
        "SELECT low_id, high_id, reasons, linked_by, linked_at FROM incident_links
         ORDER BY low_id, high_id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(IncidentLink {
            low: int(r, 0, CTX)?,
            high: int(r, 1, CTX)?,
            reasons: text(r, 2, CTX)?,
            linked_by: text(r, 3, CTX)?,
            linked_at: ts(r, 4, CTX)?,
        })
    })
    .collect()
}

pub(crate) fn link_incident_person(
    db: &mut dyn Sql,
    id: i64,
    person: PersonNumber,
    actor: &str,
    at: Timestamp,
) -> Result<PersonNumber> {
    incident(db, id)?;
    let survivor = crate::persons::resolve_number(db, person)?;
    db.exec(
        "this person's link to this incident",
        "INSERT INTO incident_persons (incident_id, person_number, linked_by, linked_at)
         VALUES (?1, ?2, ?3, ?4)",
        &[
            P::Int(id),
            P::Int(num(survivor)?),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    Ok(survivor)
}

pub(crate) fn incident_persons(db: &mut dyn Sql, id: i64) -> Result<Vec<PersonNumber>> {
    const CTX: &str = "reading an incident's persons";
    incident(db, id)?;
    db.query(
        CTX,
        "SELECT coalesce(p.merged_into, l.person_number) FROM incident_persons l
         JOIN persons p ON p.number = l.person_number
         WHERE l.incident_id = ?1 ORDER BY l.person_number",
        &[P::Int(id)],
    )?
    .iter()
    .map(|r| Ok(PersonNumber(crate::codec::to_u64(int(r, 0, CTX)?))))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Trafficking cases and referrals

const CASE_COLUMNS: &str = "id, institution, identified_at, person_number, sex, age_group,
     nationality, exploitation, recorded_by";

fn case_row(r: &[Val]) -> Result<TraffickingCase> {
    const CTX: &str = "reading a trafficking case";
    Ok(TraffickingCase {
        id: int(r, 0, CTX)?,
        institution: text(r, 1, CTX)?,
        identified_at: ts(r, 2, CTX)?,
        person: opt_int(r, 3, CTX)?.map(|n| PersonNumber(crate::codec::to_u64(n))),
        sex: opt_text(r, 4, CTX)?,
        age_group: opt_text(r, 5, CTX)?,
        nationality: opt_text(r, 6, CTX)?,
        exploitation: text(r, 7, CTX)?,
        recorded_by: text(r, 8, CTX)?,
    })
}

pub(crate) fn add_case(db: &mut dyn Sql, new: &TraffickingCase) -> Result<TraffickingCase> {
    const CTX: &str = "recording a trafficking case";
    required(&new.institution, "the institution")?;
    required(&new.exploitation, "exploitation")?;
    required(&new.recorded_by, "who recorded the case")?;
    let person = match new.person {
        Some(n) => Some(num(crate::persons::resolve_number(db, n)?)?),
        None => None,
    };
    let rows = db.query(
        CTX,
        "INSERT INTO trafficking_cases (institution, identified_at, person_number, sex,
             age_group, nationality, exploitation, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        &[
            P::Text(Some(&new.institution)),
            P::Ts(new.identified_at),
            opt_p(person),
            P::Text(new.sex.as_deref()),
            P::Text(new.age_group.as_deref()),
            P::Text(new.nationality.as_deref()),
            P::Text(Some(&new.exploitation)),
            P::Text(Some(&new.recorded_by)),
        ],
    )?;
    let id = new_id(&rows, CTX)?;
    trafficking_case(db, id)
}

pub(crate) fn trafficking_case(db: &mut dyn Sql, id: i64) -> Result<TraffickingCase> {
    db.query(
        "reading a trafficking case",
        &format!("SELECT {CASE_COLUMNS} FROM trafficking_cases WHERE id = ?1"),
        &[P::Int(id)],
    )?
    .first()
    .map(|r| case_row(r))
    .transpose()?
    .ok_or_else(|| StoreError::NotFound {
        what: format!("trafficking case {id}"),
    })
}

pub(crate) fn trafficking_cases(db: &mut dyn Sql) -> Result<Vec<TraffickingCase>> {
    db.query(
        "reading trafficking cases",
        &format!("SELECT {CASE_COLUMNS} FROM trafficking_cases ORDER BY id"),
        &[],
    )?
    .iter()
    .map(|r| case_row(r))
    .collect()
}

const REFERRAL_COLUMNS: &str =
    "id, case_id, kind, referring, receiving, note, proposed_by, proposed_at";

fn referral_row(r: &[Val]) -> Result<ReferralRow> {
    const CTX: &str = "reading a referral";
    Ok(ReferralRow {
        id: int(r, 0, CTX)?,
        case_id: int(r, 1, CTX)?,
        kind: text(r, 2, CTX)?,
        referring: text(r, 3, CTX)?,
        receiving: text(r, 4, CTX)?,
        note: opt_text(r, 5, CTX)?,
        proposed_by: text(r, 6, CTX)?,
        proposed_at: ts(r, 7, CTX)?,
        events: Vec::new(),
    })
}

fn referral_event(r: &[Val]) -> Result<(i64, ReferralEvent)> {
    const CTX: &str = "reading a referral's events";
    Ok((
        int(r, 0, CTX)?,
        ReferralEvent {
            seq: count(r, 1, CTX)?,
            from: text(r, 2, CTX)?,
            to: text(r, 3, CTX)?,
            institution: text(r, 4, CTX)?,
            actor: text(r, 5, CTX)?,
            reason: opt_text(r, 6, CTX)?,
            at: ts(r, 7, CTX)?,
        },
    ))
}

const EVENT_COLUMNS: &str =
    "referral_id, seq, from_state, to_state, institution, actor, reason, at";

pub(crate) fn add_referral(db: &mut dyn Sql, new: &ReferralRow) -> Result<ReferralRow> {
    const CTX: &str = "proposing a referral";
    required(&new.kind, "kind")?;
    required(&new.referring, "the referring institution")?;
    required(&new.receiving, "receiving")?;
    required(&new.proposed_by, "who proposed the referral")?;
    if new.referring == new.receiving {
        return Err(StoreError::Invalid(
            "receiving: the referring and receiving institutions are the same".into(),
        ));
    }
    trafficking_case(db, new.case_id)?;
    let rows = db.query(
        CTX,
        "INSERT INTO referrals (case_id, kind, referring, receiving, note, proposed_by,
             proposed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        &[
            P::Int(new.case_id),
            P::Text(Some(&new.kind)),
            P::Text(Some(&new.referring)),
            P::Text(Some(&new.receiving)),
            P::Text(new.note.as_deref()),
            P::Text(Some(&new.proposed_by)),
            P::Ts(new.proposed_at),
        ],
    )?;
    let id = new_id(&rows, CTX)?;
    referral(db, id)
}

pub(crate) fn referral(db: &mut dyn Sql, id: i64) -> Result<ReferralRow> {
    let mut r = db
        .query(
            "reading a referral",
            &format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = ?1"),
            &[P::Int(id)],
        )?
        .first()
        .map(|r| referral_row(r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("referral {id}"),
        })?;
    r.events = db
        .query(
            "reading a referral's events",
            &format!(
                "SELECT {EVENT_COLUMNS} FROM referral_events WHERE referral_id = ?1 ORDER BY seq"
            ),
            &[P::Int(id)],
        )?
        .iter()
        .map(|e| referral_event(e).map(|(_, e)| e))
        .collect::<Result<_>>()?;
    Ok(r)
}

pub(crate) fn referrals(db: &mut dyn Sql) -> Result<Vec<ReferralRow>> {
    let mut out: Vec<ReferralRow> = db
        .query(
            "reading referrals",
            &format!("SELECT {REFERRAL_COLUMNS} FROM referrals ORDER BY id"),
            &[],
        )?
        .iter()
        .map(|r| referral_row(r))
        .collect::<Result<_>>()?;
    let events = db.query(
        "reading referrals' events",
        &format!("SELECT {EVENT_COLUMNS} FROM referral_events ORDER BY referral_id, seq"),
        &[],
    )?;
    for e in &events {
        let (id, event) = referral_event(e)?;
        if let Ok(i) = out.binary_search_by_key(&id, |r| r.id) {
            out[i].events.push(event);
        }
    }
    Ok(out)
}

/// Records a move decided on the referral as it was at `event.seq - 1` moves.
pub(crate) fn move_referral(
    db: &mut dyn Sql,
    id: i64,
    event: &ReferralEvent,
) -> Result<ReferralRow> {
    const CTX: &str = "moving a referral";
    required(&event.institution, "the institution")?;
    required(&event.actor, "who moved the referral")?;
    let lock = db.for_update();
    let found = db.query(
        CTX,
        &format!("SELECT id FROM referrals WHERE id = ?1{lock}"),
        &[P::Int(id)],
    )?;
    if found.is_empty() {
        return Err(StoreError::NotFound {
            what: format!("referral {id}"),
        });
    }
    let current = referral(db, id)?;
    let state = current
        .events
        .last()
        .map_or("proposed", |e| e.to.as_str())
        .to_string();
    let seq = u32::try_from(current.events.len()).unwrap_or(u32::MAX);
    if event.seq != seq + 1 || event.from != state {
        return Err(StoreError::Invalid(format!(
            "referral {id} changed meanwhile (it is {state} after {seq} moves): read it again and retry"
        )));
    }
    db.exec(
        "this move of the referral",
        &format!(
            "INSERT INTO referral_events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ),
        &[
            P::Int(id),
            P::Int(i64::from(event.seq)),
            P::Text(Some(&event.from)),
            P::Text(Some(&event.to)),
            P::Text(Some(&event.institution)),
            P::Text(Some(&event.actor)),
            P::Text(event.reason.as_deref()),
            P::Ts(event.at),
        ],
    )?;
    referral(db, id)
}

// ---------------------------------------------------------------------------------------------
// Complaints

const COMPLAINT_COLUMNS: &str =
    "reference, lang, channel, category, body, contact, handler, received_at";

fn complaint_row(r: &[Val]) -> Result<ComplaintRow> {
    const CTX: &str = "reading a complaint";
    Ok(ComplaintRow {
        reference: text(r, 0, CTX)?,
        lang: text(r, 1, CTX)?,
        channel: text(r, 2, CTX)?,
        category: text(r, 3, CTX)?,
        body: text(r, 4, CTX)?,
        contact: opt_text(r, 5, CTX)?,
        handler: text(r, 6, CTX)?,
        received_at: ts(r, 7, CTX)?,
        events: Vec::new(),
    })
}

fn complaint_event(r: &[Val]) -> Result<(String, ComplaintEvent)> {
    const CTX: &str = "reading a complaint's events";
    Ok((
        text(r, 0, CTX)?,
        ComplaintEvent {
            seq: count(r, 1, CTX)?,
            from: text(r, 2, CTX)?,
            to: text(r, 3, CTX)?,
            actor: text(r, 4, CTX)?,
            note: opt_text(r, 5, CTX)?,
            at: ts(r, 6, CTX)?,
        },
    ))
}

const COMPLAINT_EVENT_COLUMNS: &str = "reference, seq, from_state, to_state, actor, note, at";

/// Stores a new complaint; `Conflict` when the reference is taken (draw another).
pub(crate) fn add_complaint(db: &mut dyn Sql, new: &ComplaintRow) -> Result<ComplaintRow> {
    required(&new.reference, "the reference")?;
    required(&new.body, "body")?;
    required(&new.handler, "the handling institution")?;
    db.exec(
        "a complaint with this reference",
        &format!(
            "INSERT INTO complaints ({COMPLAINT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ),
        &[
            P::Text(Some(&new.reference)),
            P::Text(Some(&new.lang)),
            P::Text(Some(&new.channel)),
            P::Text(Some(&new.category)),
            P::Text(Some(&new.body)),
            P::Text(new.contact.as_deref()),
            P::Text(Some(&new.handler)),
            P::Ts(new.received_at),
        ],
    )?;
    complaint(db, &new.reference)
}

pub(crate) fn complaint(db: &mut dyn Sql, reference: &str) -> Result<ComplaintRow> {
    let mut c = db
        .query(
            "reading a complaint",
            &format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE reference = ?1"),
            &[P::Text(Some(reference))],
        )?
        .first()
        .map(|r| complaint_row(r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("complaint {reference}"),
        })?;
    c.events = db
        .query(
            "reading a complaint's events",
            &format!(
                "SELECT {COMPLAINT_EVENT_COLUMNS} FROM complaint_events WHERE reference = ?1
                 ORDER BY seq"
            ),
            &[P::Text(Some(reference))],
        )?
        .iter()
        .map(|e| complaint_event(e).map(|(_, e)| e))
        .collect::<Result<_>>()?;
    Ok(c)
}

/// Complaints handled by `handler` (all when `None`), oldest first.
pub(crate) fn complaints(db: &mut dyn Sql, handler: Option<&str>) -> Result<Vec<ComplaintRow>> {
    let rows = match handler {
        Some(h) => db.query(
            "listing complaints",
            "SELECT reference FROM complaints WHERE handler = ?1 ORDER BY received_at, reference",
            &[P::Text(Some(h))],
        )?,
        None => db.query(
            "listing complaints",
            "SELECT reference FROM complaints ORDER BY received_at, reference",
            &[],
        )?,
    };
    rows.iter()
        .map(|r| {
            let reference = text(r, 0, "listing complaints")?;
            complaint(db, &reference)
        })
        .collect()
}

/// Records a change of status decided on the complaint as it was after `event.seq - 1` changes.
pub(crate) fn move_complaint(
    db: &mut dyn Sql,
    reference: &str,
    event: &ComplaintEvent,
) -> Result<ComplaintRow> {
    const CTX: &str = "changing a complaint's status";
    required(&event.actor, "who changed the complaint")?;
    let lock = db.for_update();
    let found = db.query(
        CTX,
        &format!("SELECT reference FROM complaints WHERE reference = ?1{lock}"),
        &[P::Text(Some(reference))],
    )?;
    if found.is_empty() {
        return Err(StoreError::NotFound {
            what: format!("complaint {reference}"),
        });
    }
    let current = complaint(db, reference)?;
    let state = current
        .events
        .last()
        .map_or("received", |e| e.to.as_str())
        .to_string();
    let seq = u32::try_from(current.events.len()).unwrap_or(u32::MAX);
    if event.seq != seq + 1 || event.from != state {
        return Err(StoreError::Invalid(format!(
            "complaint {reference} changed meanwhile (it is {state}): read it again and retry"
        )));
    }
    db.exec(
        "this change of the complaint",
        &format!(
            "INSERT INTO complaint_events ({COMPLAINT_EVENT_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ),
        &[
            P::Text(Some(reference)),
            P::Int(i64::from(event.seq)),
            P::Text(Some(&event.from)),
            P::Text(Some(&event.to)),
            P::Text(Some(&event.actor)),
            P::Text(event.note.as_deref()),
            P::Ts(event.at),
        ],
    )?;
    complaint(db, reference)
}
