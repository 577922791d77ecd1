//! GCM monitoring through the API (issue 9): the 23 objectives, the national implementation plan
//! (actions with every version, indicators and measurements, evaluations, evidence) and its
//! progress per objective; the missing-migrant register (reports deduplicated across sources on
//! the way in, persons identified, SDG 10.7.3); the trafficking referral mechanism (victims
//! identified, referrals proposed, moved by the side the state machine names, overdue ones
//! flagged, the mechanism's statistics under disclosure control); complaints filed by anyone and
//! followed by reference number.
//!
//! The rules are `marsad-gcm`'s (valid actions, the referral state machine, deduplication, the
//! complaint workflow); the permissions are the policy's (resources `plan`, `referral`,
//! `incident`, `complaint`): object routes admit the object's institution through the request's
//! permit — an action's owner, a referral's referring or receiving institution, a complaint's
//! handler — before answering. Enforcement services never reach a referral or a complaint (the
//! services firewall refuses them before the handler runs).
//!
//! Audit: each reading of a referral, a case, a complaint's content or an incident's identified
//! persons is appended to the trail before the data leaves; each change about a person appends
//! its event in the same transaction (the store's methods take it). Plans, incident reports and
//! published figures hold no personal data.
//!
//! The functions that turn store rows into `marsad-gcm` values and back are public: the demo
//! loader of `marsad demo` uses them.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use marsad_auth::{AuditEvent, AuditObject, Outcome};
use marsad_gcm::catalogue::{Step, OBJECTIVES};
use marsad_gcm::complaints::{ComplaintRef, ComplaintState};
use marsad_gcm::incidents::{self, Coordinates, DedupRules, Incident, Judgement, Reliability};
use marsad_gcm::plan::{
    self, Action, ActionForm, BudgetForm, Direction, Evaluation, Evidence, History, Indicator,
    Measurement, Period, Plan, PlanError, Status, Version,
};
use marsad_gcm::referral::{self, Limits, Referral, ReferralKind, ReferralState};
use marsad_model::codes::Sex;
use marsad_model::codes::{Country, CAUSE_OF_DEATH, EXPLOITATION_FORM, ROUTE};
use marsad_model::Lang;
use marsad_stats::disclosure::{self, ConfStatus, Dimension, Rules};
use marsad_store::{
    ComplaintEvent, ComplaintRow, EvaluationRow, EvidenceRow, IncidentRow, IndicatorRow,
    MeasurementRow, PersonNumber, PlanActionRow, ReferralEvent, ReferralRow, Store, StoreError,
    Timestamp, TraffickingCase,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::caller::Caller;
use crate::dossiers::{digits, parse_number, time};
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::records::Institutions;
use crate::AppState;

/// Longest free text accepted (a complaint, an evaluation), in characters.
const MAX_TEXT_CHARS: usize = 20_000;

/// The age groups of victims in the mechanism's statistics (SDMX AGE codes).
pub const VICTIM_AGE_GROUPS: [&str; 5] = ["Y_LT18", "Y18T24", "Y25T34", "Y35T49", "Y_GE50"];

/// The kinds of complaint the form offers.
pub const COMPLAINT_CATEGORIES: [&str; 8] = [
    "recruitment_fees",
    "labour_rights",
    "document_retention",
    "detention",
    "violence",
    "discrimination",
    "service_access",
    "other",
];

/// How a complaint reached marsad.
pub const COMPLAINT_CHANNELS: [&str; 3] = ["form", "api", "hotline"];

// ---------------------------------------------------------------------------------------------
// Conversions between store rows and marsad-gcm values (also used by the demo loader)

fn corrupt(what: &str, detail: String) -> ApiError {
    tracing::error!(what, "stored GCM data breaks the rules");
    ApiError::new(
        Code::Internal,
        format!("the stored {what} is not valid ({detail})"),
    )
}

fn plan_errors(errors: Vec<PlanError>) -> ApiError {
    let field = errors.first().map(PlanError::field).unwrap_or_default();
    let detail = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::field(field, detail)
}

/// A stored version of an action as a `marsad-gcm` action (checked by the same rules).
pub fn action_of(row: &PlanActionRow) -> Result<Action, ApiError> {
    let form = ActionForm {
        id: row.id.clone(),
        title: row.title.clone(),
        objectives: row.objectives.iter().map(u8::to_string).collect(),
        owner: row.owner.clone(),
        partners: row.partners.clone(),
        budget: row.budget.as_ref().map(|(a, c)| BudgetForm {
            amount: i64::try_from(*a).unwrap_or(i64::MAX),
            currency: c.clone(),
        }),
        start: row.start,
        end: row.end,
        status: Status::parse(&row.status)
            .ok_or_else(|| corrupt("plan action", format!("status {}", row.status)))?,
        step: Step::parse(&row.step)
            .ok_or_else(|| corrupt("plan action", format!("step {}", row.step)))?,
    };
    form.parse().map_err(|e| {
        corrupt(
            "plan action",
            e.first().map(ToString::to_string).unwrap_or_default(),
        )
    })
}

/// A valid action as the store's row of `version`.
pub fn action_row(a: &Action, version: u32, by: &str, at: Timestamp) -> PlanActionRow {
    PlanActionRow {
        id: a.id.clone(),
        version,
        title: a.title.clone(),
        objectives: a.objectives.iter().map(|o| o.number()).collect(),
        owner: a.owner.clone(),
        partners: a.partners.clone(),
        budget: a.budget.map(|b| (b.amount, b.currency.to_string())),
        start: a.start,
        end: a.end,
        status: a.status.code().to_string(),
        step: a.step.code().to_string(),
        changed_by: by.to_string(),
        changed_at: at,
    }
}

fn history_of(rows: &[PlanActionRow]) -> Result<History, ApiError> {
    let versions = rows
        .iter()
        .map(|r| {
            Ok(Version {
                number: r.version,
                action: action_of(r)?,
                by: r.changed_by.clone(),
                at: r.changed_at,
                changes: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    History::restore(versions).map_err(|e| corrupt("plan history", e.to_string()))
}

fn measurement_of(m: &MeasurementRow) -> Measurement {
    Measurement {
        period: Period {
            start: m.period_start,
            end: m.period_end,
        },
        value: m.value,
        source: m.source.clone(),
    }
}

/// A measurement as the store keeps it.
pub fn measurement_row(m: &Measurement) -> MeasurementRow {
    MeasurementRow {
        period_start: m.period.start,
        period_end: m.period.end,
        value: m.value,
        source: m.source.clone(),
    }
}

fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::Increase => "increase",
        Direction::Decrease => "decrease",
    }
}

fn indicator_of(row: &IndicatorRow) -> Indicator {
    Indicator {
        code: row.code.clone(),
        action: row.action.clone(),
        baseline: measurement_of(&row.baseline),
        target: measurement_of(&row.target),
        direction: match row.direction.as_deref() {
            Some("increase") => Some(Direction::Increase),
            Some("decrease") => Some(Direction::Decrease),
            _ => None,
        },
        measurements: row.measurements.iter().map(measurement_of).collect(),
    }
}

/// An indicator (without its measurements, stored one by one) as the store keeps it.
pub fn indicator_row(i: &Indicator, by: &str, at: Timestamp) -> IndicatorRow {
    IndicatorRow {
        action: i.action.clone(),
        code: i.code.clone(),
        baseline: measurement_row(&i.baseline),
        target: measurement_row(&i.target),
        direction: i.direction.map(|d| direction_code(d).to_string()),
        measurements: Vec::new(),
        created_by: by.to_string(),
        created_at: at,
    }
}

/// A code of `list` from the request's `field`: none when blank; an unknown one is named with
/// the codes the list knows.
fn optional_code(
    list: &'static marsad_model::codes::Codelist,
    field: &str,
    value: Option<&str>,
) -> Result<Option<&'static marsad_model::codes::Code>, ApiError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    list.parse(value).map(Some).ok_or_else(|| {
        let known: Vec<&str> = list.codes.iter().map(|c| c.code).collect();
        ApiError::field(
            field,
            format!(
                "{field}: unknown {field} '{value}' (known: {})",
                known.join(", ")
            ),
        )
    })
}

/// The country a GCM report is from: the statistics settings' reference area (ISO 3166-1
/// alpha-3), named in `lang`.
pub fn report_country(store: &dyn Store, lang: marsad_model::Lang) -> Result<String, ApiError> {
    let code = match store.stats_state()? {
        Some(s) => marsad_figures::Settings::from_json(&s.settings)
            .map(|s| s.ref_area)
            .unwrap_or_else(|_| marsad_figures::Settings::default().ref_area),
        None => marsad_figures::Settings::default().ref_area,
    };
    Ok(marsad_model::codes::Country::from_alpha3(&code)
        .map(|c| c.name(lang).to_owned())
        .unwrap_or(code))
}

/// The whole plan as `marsad-gcm` sees it (the API, the portal's GCM page and
/// `marsad report gcm` read it through this).
pub fn load_plan(store: &dyn Store) -> Result<Plan, ApiError> {
    let actions = store
        .plan_actions()?
        .iter()
        .map(action_of)
        .collect::<Result<Vec<_>, _>>()?;
    let indicators = store.plan_indicators()?.iter().map(indicator_of).collect();
    let evaluations = store
        .plan_evaluations()?
        .into_iter()
        .map(|e| Evaluation {
            id: e.id.to_string(),
            action: e.action,
            date: e.date,
            author: e.author,
            learned: e.learned,
            obstacles: e.obstacles,
        })
        .collect();
    let evidence = store
        .plan_evidence()?
        .into_iter()
        .map(|e| Evidence {
            action: e.action,
            title: e.title,
            attachment: e.attachment.0.to_string(),
            date: e.date,
        })
        .collect();
    Ok(Plan {
        actions,
        indicators,
        evaluations,
        evidence,
    })
}

/// A stored report as a `marsad-gcm` incident.
pub fn incident_of(row: &IncidentRow) -> Result<Incident, ApiError> {
    let bad = |what: String| corrupt("incident", what);
    Ok(Incident {
        id: row.id.to_string(),
        date: row.date,
        location: row.location.map(|(lat, lon)| Coordinates { lat, lon }),
        route: row
            .route
            .as_deref()
            .map(|r| ROUTE.get(r).ok_or_else(|| bad(format!("route {r}"))))
            .transpose()?,
        region: row.region.clone(),
        country: row
            .country
            .as_deref()
            .map(|c| Country::from_alpha3(c).ok_or_else(|| bad(format!("country {c}"))))
            .transpose()?,
        dead: row.dead,
        missing: row.missing,
        survivors: row.survivors,
        females: row.females,
        males: row.males,
        children: row.children,
        cause: row
            .cause
            .as_deref()
            .map(|c| {
                CAUSE_OF_DEATH
                    .get(c)
                    .ok_or_else(|| bad(format!("cause {c}")))
            })
            .transpose()?,
        sources: row
            .sources
            .iter()
            .map(|(name, r)| {
                Ok(incidents::Source {
                    name: name.clone(),
                    reliability: Reliability::parse(r)
                        .ok_or_else(|| bad(format!("reliability {r}")))?,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// A valid incident as the store's new row.
pub fn incident_row(i: &Incident, institution: &str, by: &str, at: Timestamp) -> IncidentRow {
    IncidentRow {
        id: 0,
        date: i.date,
        location: i.location.map(|p| (p.lat, p.lon)),
        route: i.route.map(|r| r.code.to_string()),
        region: i.region.clone(),
        country: i.country.map(|c| c.alpha3().to_string()),
        dead: i.dead,
        missing: i.missing,
        survivors: i.survivors,
        females: i.females,
        males: i.males,
        children: i.children,
        cause: i.cause.map(|c| c.code.to_string()),
        sources: i
            .sources
            .iter()
            .map(|s| (s.name.clone(), s.reliability.code().to_string()))
            .collect(),
        institution: institution.to_string(),
        recorded_by: by.to_string(),
        recorded_at: at,
    }
}

fn state_of(code: &str) -> Result<ReferralState, ApiError> {
    ReferralState::ALL
        .into_iter()
        .find(|s| s.code() == code)
        .ok_or_else(|| corrupt("referral", format!("state {code}")))
}

/// A stored referral replayed through the state machine.
pub fn referral_of(row: &ReferralRow) -> Result<Referral, ApiError> {
    let kind = ReferralKind::parse(&row.kind)
        .ok_or_else(|| corrupt("referral", format!("kind {}", row.kind)))?;
    let history = row
        .events
        .iter()
        .map(|e| {
            Ok(referral::Event {
                at: e.at,
                institution: e.institution.clone(),
                from: state_of(&e.from)?,
                to: state_of(&e.to)?,
                reason: e.reason.clone(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Referral::restore(
        &row.id.to_string(),
        &row.case_id.to_string(),
        kind,
        &row.referring,
        &row.receiving,
        row.proposed_at,
        &history,
    )
    .map_err(|e| corrupt("referral", e.to_string()))
}

/// The last move of `r` as the store's event (after [`Referral::apply`]).
pub fn last_event(r: &Referral, actor: &str) -> Option<ReferralEvent> {
    let e = r.history().last()?;
    Some(ReferralEvent {
        seq: u32::try_from(r.history().len()).unwrap_or(u32::MAX),
        from: e.from.code().to_string(),
        to: e.to.code().to_string(),
        institution: e.institution.clone(),
        actor: actor.to_string(),
        reason: e.reason.clone(),
        at: e.at,
    })
}

/// A referral move from its code and reason, as the API and the demo name them.
pub fn referral_action(code: &str, reason: Option<&str>) -> Result<referral::Action, ApiError> {
    let reason = reason.unwrap_or("").to_string();
    Ok(match code.trim() {
        "accept" => referral::Action::Accept,
        "decline" => referral::Action::Decline { reason },
        "start" => referral::Action::Start,
        "complete" => referral::Action::Complete,
        "interrupt" => referral::Action::Interrupt { reason },
        "cancel" => referral::Action::Cancel { reason },
        other => {
            return Err(ApiError::field(
                "action",
                format!(
                    "unknown move '{other}' (known: accept, decline, start, complete, interrupt, cancel)"
                ),
            ))
        }
    })
}

fn referral_error(e: referral::ReferralError) -> ApiError {
    use referral::ReferralError::*;
    match e {
        NotAllowed { .. } | BeforeLastChange { .. } => ApiError::new(Code::Conflict, e.to_string()),
        WrongInstitution { .. } => ApiError::new(Code::Forbidden, e.to_string()),
        ReasonRequired { .. } => ApiError::field("reason", e.to_string()),
        SameInstitution { .. } => ApiError::field("receiving", e.to_string()),
    }
}

/// A store refusal of a change decided on a stale state: a conflict.
fn stale(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(reason) => ApiError::new(Code::Conflict, reason),
        e => e.into(),
    }
}

fn created(location: String, body: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn check_text(field: &str, text: &str, required: bool) -> Result<(), ApiError> {
    if required && text.trim().is_empty() {
        return Err(ApiError::field(field, format!("{field} is empty")));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::field(
            field,
            format!("{field} must not hold control characters other than line breaks and tabs"),
        ));
    }
    Ok(())
}

fn caller_institution(caller: &Caller, what: &str) -> Result<String, ApiError> {
    caller.institution().map(str::to_string).ok_or_else(|| {
        ApiError::new(
            Code::Forbidden,
            format!("only members of an institution {what}"),
        )
    })
}

fn audit_event(
    state: &AppState,
    caller: &Caller,
    permit: Option<&Permit>,
    action: String,
    object: AuditObject,
) -> AuditEvent {
    AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action,
        object: Some(object),
        purpose: permit.and_then(|p| p.purpose().cloned()),
        outcome: Outcome::Success,
    }
}

fn person_object(n: PersonNumber) -> AuditObject {
    AuditObject {
        kind: "person".into(),
        id: digits(n),
    }
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/// A text in the three languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct Labels {
    pub ar: String,
    pub fr: String,
    pub en: String,
}

fn labels(t: marsad_gcm::catalogue::Trilingual) -> Labels {
    Labels {
        ar: t.ar.into(),
        fr: t.fr.into(),
        en: t.en.into(),
    }
}

/// One of the 23 GCM objectives.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectiveDto {
    pub number: u8,
    pub title: Labels,
    /// SDG targets and indicators commonly associated with it.
    pub sdg: Vec<String>,
}

/// One of the six implementation steps.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub code: String,
    pub name: Labels,
    pub deliverable: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Catalogue {
    pub objectives: Vec<ObjectiveDto>,
    pub steps: Vec<StepDto>,
}

/// The 23 objectives of the Global Compact and the six implementation steps (reference data).
#[utoipa::path(get, path = "/api/v1/gcm/objectives", tag = "gcm",
    responses((status = 200, body = Catalogue)))]
pub async fn objectives() -> Json<Catalogue> {
    Json(Catalogue {
        objectives: OBJECTIVES
            .iter()
            .map(|o| ObjectiveDto {
                number: o.number,
                title: labels(o.title),
                sdg: o.sdg.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
        steps: Step::ALL
            .iter()
            .map(|s| StepDto {
                code: s.code().into(),
                name: labels(s.name()),
                deliverable: s.deliverable().into(),
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// The plan

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BudgetDto {
    /// Whole units.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
}

/// An action as written by the committee or its owner.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// Given when created (`A-07-01`); the path's on a change.
    pub id: Option<String>,
    pub title: String,
    /// Objective numbers (`7`, `O7`).
    pub objectives: Vec<String>,
    /// The owner institution's short name.
    pub owner: String,
    #[serde(default)]
    pub partners: Vec<String>,
    pub budget: Option<BudgetDto>,
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<NaiveDate>,
    /// `draft`, `planned`, `ongoing`, `completed`, `suspended`.
    pub status: String,
    /// `initiation`, `needs_assessment`, `design`, `implementation`, `monitoring_evaluation`,
    /// `reporting`.
    pub step: String,
    /// On a change: the version it is based on (409 when the action changed since).
    pub version: Option<u32>,
}

/// An action as it is now (or as one of its versions was).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionDto {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub objectives: Vec<u8>,
    pub owner: String,
    pub partners: Vec<String>,
    pub budget: Option<BudgetDto>,
    #[schema(format = Date)]
    pub start: String,
    #[schema(format = Date)]
    pub end: Option<String>,
    pub status: String,
    pub step: String,
    pub changed_by: String,
    #[schema(format = DateTime)]
    pub changed_at: String,
}

impl From<&PlanActionRow> for ActionDto {
    fn from(r: &PlanActionRow) -> ActionDto {
        ActionDto {
            id: r.id.clone(),
            version: r.version,
            title: r.title.clone(),
            objectives: r.objectives.clone(),
            owner: r.owner.clone(),
            partners: r.partners.clone(),
            budget: r.budget.as_ref().map(|(a, c)| BudgetDto {
                amount: i64::try_from(*a).unwrap_or(i64::MAX),
                currency: c.clone(),
            }),
            start: r.start.to_string(),
            end: r.end.map(|d| d.to_string()),
            status: r.status.clone(),
            step: r.step.clone(),
            changed_by: r.changed_by.clone(),
            changed_at: time(r.changed_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionList {
    pub actions: Vec<ActionDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeasurementDto {
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub end: NaiveDate,
    pub value: f64,
    pub source: String,
}

impl From<&MeasurementRow> for MeasurementDto {
    fn from(m: &MeasurementRow) -> MeasurementDto {
        MeasurementDto {
            start: m.period_start,
            end: m.period_end,
            value: m.value,
            source: m.source.clone(),
        }
    }
}

impl MeasurementDto {
    fn measurement(&self) -> Measurement {
        Measurement {
            period: Period {
                start: self.start,
                end: self.end,
            },
            value: self.value,
            source: self.source.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    pub code: String,
    pub baseline: MeasurementDto,
    pub target: MeasurementDto,
    /// `increase` or `decrease` when given (otherwise read from baseline → target).
    pub direction: Option<String>,
    pub measurements: Vec<MeasurementDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IndicatorRequest {
    /// A Statistics indicator code (`10.7.2`) or a national one.
    pub code: String,
    pub baseline: MeasurementDto,
    pub target: MeasurementDto,
    /// `increase` or `decrease`; needed when the target equals the baseline.
    pub direction: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationDto {
    #[serde(default)]
    pub id: i64,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub author: String,
    pub learned: String,
    #[serde(default)]
    pub obstacles: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EvidenceDto {
    #[serde(default)]
    pub id: i64,
    pub title: String,
    /// The id of a dossier attachment holding the file.
    pub attachment: i64,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
}

/// An action with its indicators, evaluations and evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    pub action: ActionDto,
    pub indicators: Vec<IndicatorDto>,
    pub evaluations: Vec<EvaluationDto>,
    pub evidence: Vec<EvidenceDto>,
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    pub action: ActionDto,
    /// What changed from the version before (every field for the first).
    pub changes: Vec<ChangeDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionHistory {
    pub versions: Vec<VersionDto>,
}

fn parse_action(id: &str, body: &ActionRequest) -> Result<Action, ApiError> {
    let status = Status::parse(&body.status).ok_or_else(|| {
        let known: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
        ApiError::field(
            "status",
            format!(
                "unknown status '{}' (known: {})",
                body.status,
                known.join(", ")
            ),
        )
    })?;
    let step = Step::parse(&body.step).ok_or_else(|| {
        let known: Vec<&str> = Step::ALL.iter().map(|s| s.code()).collect();
        ApiError::field(
            "step",
            format!("unknown step '{}' (known: {})", body.step, known.join(", ")),
        )
    })?;
    ActionForm {
        id: id.to_string(),
        title: body.title.clone(),
        objectives: body.objectives.clone(),
        owner: body.owner.trim().to_string(),
        partners: body.partners.clone(),
        budget: body.budget.as_ref().map(|b| BudgetForm {
            amount: b.amount,
            currency: b.currency.clone(),
        }),
        start: body.start,
        end: body.end,
        status,
        step,
    }
    .parse()
    .map_err(plan_errors)
}

/// Admits an action's owner institution through the permit (the committee's rule admits any).
fn admit_owner(store: &dyn Store, permit: &Permit, owner: &str) -> Result<(), ApiError> {
    let institutions = Institutions::load(store)?;
    if !store.institutions()?.iter().any(|i| i.name == owner) {
        return Err(ApiError::field(
            "owner",
            format!("owner: no institution is named '{owner}'"),
        ));
    }
    permit.admit(institutions.origin(Some(owner)))?;
    Ok(())
}

/// The current actions of the plan.
#[utoipa::path(get, path = "/api/v1/gcm/plan/actions", tag = "gcm",
    responses((status = 200, body = ActionList),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn actions(State(state): State<AppState>) -> Result<Json<ActionList>, ApiError> {
    let rows = state.blocking(|store, _| Ok(store.plan_actions()?)).await?;
    Ok(Json(ActionList {
        actions: rows.iter().map(ActionDto::from).collect(),
    }))
}

/// Adds an action to the plan (version 1). Its owner must be one the caller may act for.
#[utoipa::path(post, path = "/api/v1/gcm/plan/actions", tag = "gcm",
    request_body = ActionRequest,
    responses((status = 201, body = ActionDto),
        (status = 400, description = "Invalid; `field` names the field", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An action has this id", body = Problem, content_type = "application/problem+json")))]
pub async fn create_action(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<ActionRequest>,
) -> Result<Response, ApiError> {
    let id = body.id.clone().unwrap_or_default();
    let action = parse_action(&id, &body)?;
    let st = state.clone();
    let row = state
        .blocking(move |store, _| {
            admit_owner(store, &permit, &action.owner)?;
            let row = action_row(&action, 1, &caller.name, st.now());
            store.save_plan_action(&row)?;
            Ok(row)
        })
        .await?;
    Ok(created(
        format!("/api/v1/gcm/plan/actions/{}", row.id),
        ActionDto::from(&row),
    ))
}

/// One action with its indicators, measurements, evaluations and evidence.
#[utoipa::path(get, path = "/api/v1/gcm/plan/actions/{id}", tag = "gcm",
    params(("id" = String, Path)),
    responses((status = 200, body = ActionView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn action(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ActionView>, ApiError> {
    let view = state
        .blocking(move |store, _| {
            let row = store.plan_action(&id)?;
            let indicators = store
                .plan_indicators()?
                .iter()
                .filter(|i| i.action == id)
                .map(|i| IndicatorDto {
                    code: i.code.clone(),
                    baseline: (&i.baseline).into(),
                    target: (&i.target).into(),
                    direction: i.direction.clone(),
                    measurements: i.measurements.iter().map(MeasurementDto::from).collect(),
                })
                .collect();
            let evaluations = store
                .plan_evaluations()?
                .into_iter()
                .filter(|e| e.action == id)
                .map(|e| EvaluationDto {
                    id: e.id,
                    date: e.date,
                    author: e.author,
                    learned: e.learned,
                    obstacles: e.obstacles,
                })
                .collect();
            let evidence = store
                .plan_evidence()?
                .into_iter()
                .filter(|e| e.action == id)
                .map(|e| EvidenceDto {
                    id: e.id,
                    title: e.title,
                    attachment: e.attachment.0,
                    date: e.date,
                })
                .collect();
            Ok(ActionView {
                action: (&row).into(),
                indicators,
                evaluations,
                evidence,
            })
        })
        .await?;
    Ok(Json(view))
}

/// Saves a new version of an action (its owner or the committee). Nothing changed: 409.
#[utoipa::path(put, path = "/api/v1/gcm/plan/actions/{id}", tag = "gcm",
    params(("id" = String, Path)), request_body = ActionRequest,
    responses((status = 200, body = ActionDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since `version`, or nothing changed", body = Problem, content_type = "application/problem+json")))]
pub async fn change_action(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> Result<Json<ActionDto>, ApiError> {
    if body.id.as_deref().is_some_and(|b| b.trim() != id) {
        return Err(ApiError::field(
            "id",
            "id: an action's id never changes; leave it out or repeat the path's",
        ));
    }
    let action = parse_action(&id, &body)?;
    let st = state.clone();
    let row = state
        .blocking(move |store, _| {
            let rows = store.plan_action_history(&id)?;
            let mut history = history_of(&rows)?;
            let current = rows.last().map_or(0, |r| r.version);
            // The current owner's institution, and the new one's if it changes hands.
            admit_owner(
                store,
                &permit,
                &rows.last().map(|r| r.owner.clone()).unwrap_or_default(),
            )?;
            admit_owner(store, &permit, &action.owner)?;
            if let Some(v) = body.version.filter(|v| *v != current) {
                return Err(ApiError::new(
                    Code::Conflict,
                    format!(
                        "action {id} is at version {current}, not {v}: read it again and retry"
                    ),
                ));
            }
            let at = st.now();
            let version = history
                .record(action.clone(), &caller.name, at)
                .map_err(|e| ApiError::new(Code::Conflict, e.to_string()))?
                .number;
            let row = action_row(&action, version, &caller.name, at);
            store.save_plan_action(&row).map_err(stale)?;
            Ok(row)
        })
        .await?;
    Ok(Json((&row).into()))
}

/// Every version of an action, with what changed each time.
#[utoipa::path(get, path = "/api/v1/gcm/plan/actions/{id}/history", tag = "gcm",
    params(("id" = String, Path)),
    responses((status = 200, body = ActionHistory),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn action_history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ActionHistory>, ApiError> {
    let out = state
        .blocking(move |store, _| {
            let rows = store.plan_action_history(&id)?;
            let history = history_of(&rows)?;
            Ok(ActionHistory {
                versions: rows
                    .iter()
                    .zip(history.versions())
                    .map(|(r, v)| VersionDto {
                        action: r.into(),
                        changes: v
                            .changes
                            .iter()
                            .map(|c| ChangeDto {
                                field: c.field.into(),
                                before: c.before.clone(),
                                after: c.after.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .await?;
    Ok(Json(out))
}

/// Loads an action and admits its owner (for additions to it).
fn owned_action(store: &dyn Store, permit: &Permit, id: &str) -> Result<Action, ApiError> {
    let row = store.plan_action(id)?;
    admit_owner(store, permit, &row.owner)?;
    action_of(&row)
}

/// Attaches an indicator with its baseline and target to an action.
#[utoipa::path(post, path = "/api/v1/gcm/plan/actions/{id}/indicators", tag = "gcm",
    params(("id" = String, Path)), request_body = IndicatorRequest,
    responses((status = 201, body = IndicatorDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn add_indicator(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<IndicatorRequest>,
) -> Result<Response, ApiError> {
    let direction = match body.direction.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("increase") => Some(Direction::Increase),
        Some("decrease") => Some(Direction::Decrease),
        Some(other) => {
            return Err(ApiError::field(
                "direction",
                format!("direction: '{other}' is neither increase nor decrease"),
            ))
        }
    };
    let indicator = Indicator {
        code: body.code.trim().to_string(),
        action: id.clone(),
        baseline: body.baseline.measurement(),
        target: body.target.measurement(),
        direction,
        measurements: Vec::new(),
    };
    indicator.validate().map_err(plan_errors)?;
    let st = state.clone();
    let row = state
        .blocking(move |store, _| {
            owned_action(store, &permit, &id)?;
            let row = indicator_row(&indicator, &caller.name, st.now());
            store.add_plan_indicator(&row)?;
            Ok(row)
        })
        .await?;
    Ok(created(
        format!("/api/v1/gcm/plan/actions/{}", row.action),
        IndicatorDto {
            code: row.code.clone(),
            baseline: (&row.baseline).into(),
            target: (&row.target).into(),
            direction: row.direction.clone(),
            measurements: Vec::new(),
        },
    ))
}

/// Records a measured value of an indicator for a period (once per period).
#[utoipa::path(post, path = "/api/v1/gcm/plan/actions/{id}/indicators/{code}/measurements", tag = "gcm",
    params(("id" = String, Path), ("code" = String, Path)), request_body = MeasurementDto,
    responses((status = 201, body = MeasurementDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period is measured already", body = Problem, content_type = "application/problem+json")))]
pub async fn add_measurement(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<MeasurementDto>,
) -> Result<Response, ApiError> {
    if !body.value.is_finite() {
        return Err(ApiError::field("value", "value is not a number"));
    }
    if body.end < body.start {
        return Err(ApiError::field(
            "end",
            "end: the period ends before it starts",
        ));
    }
    check_text("source", &body.source, true)?;
    let st = state.clone();
    let m = body.measurement();
    state
        .blocking(move |store, _| {
            owned_action(store, &permit, &id)?;
            store.add_plan_measurement(&id, &code, &measurement_row(&m), &caller.name, st.now())?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Records an evaluation of an action: what was learned, the obstacles met.
#[utoipa::path(post, path = "/api/v1/gcm/plan/actions/{id}/evaluations", tag = "gcm",
    params(("id" = String, Path)), request_body = EvaluationDto,
    responses((status = 201, body = EvaluationDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn add_evaluation(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<EvaluationDto>,
) -> Result<Response, ApiError> {
    check_text("author", &body.author, true)?;
    check_text("learned", &body.learned, false)?;
    if body.learned.trim().is_empty() && body.obstacles.iter().all(|o| o.trim().is_empty()) {
        return Err(ApiError::field(
            "learned",
            "learned: say what was learned or list the obstacles met",
        ));
    }
    let st = state.clone();
    let row = EvaluationRow {
        id: 0,
        action: id.clone(),
        date: body.date,
        author: body.author.trim().to_string(),
        learned: body.learned.clone(),
        obstacles: body.obstacles.clone(),
        recorded_by: caller.name.clone(),
        recorded_at: st.now(),
    };
    body.id = state
        .blocking(move |store, _| {
            owned_action(store, &permit, &id)?;
            Ok(store.add_plan_evaluation(&row)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Links a dossier attachment as evidence of what an action did.
#[utoipa::path(post, path = "/api/v1/gcm/plan/actions/{id}/evidence", tag = "gcm",
    params(("id" = String, Path)), request_body = EvidenceDto,
    responses((status = 201, body = EvidenceDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action or attachment", body = Problem, content_type = "application/problem+json")))]
pub async fn add_evidence(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<EvidenceDto>,
) -> Result<Response, ApiError> {
    check_text("title", &body.title, true)?;
    let row = EvidenceRow {
        id: 0,
        action: id.clone(),
        title: body.title.trim().to_string(),
        attachment: marsad_store::AttachmentId(body.attachment),
        date: body.date,
        recorded_by: caller.name.clone(),
        recorded_at: state.now(),
    };
    body.id = state
        .blocking(move |store, _| {
            owned_action(store, &permit, &id)?;
            Ok(store.add_plan_evidence(&row)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The reporting year (`2025`): indicators measured after its end are left out.
    pub period: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorProgressDto {
    pub code: String,
    pub action: String,
    pub baseline: f64,
    pub target: f64,
    pub latest: Option<f64>,
    /// `improving`, `worsening`, `stable`, `no_data`; absent for an invalid indicator.
    pub trend: Option<String>,
    pub achieved: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectiveProgressDto {
    pub objective: u8,
    pub title: Labels,
    pub actions: usize,
    /// Actions by status code.
    pub by_status: BTreeMap<String, usize>,
    /// Actions by step code.
    pub by_step: BTreeMap<String, usize>,
    /// Budget per currency.
    pub budget: BTreeMap<String, u64>,
    pub indicators: Vec<IndicatorProgressDto>,
    pub evaluations: usize,
    pub evidence: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    pub period: i32,
    pub objectives: Vec<ObjectiveProgressDto>,
}

fn trend_code(t: plan::Trend) -> &'static str {
    match t {
        plan::Trend::Improving => "improving",
        plan::Trend::Worsening => "worsening",
        plan::Trend::Stable => "stable",
        plan::Trend::NoData => "no_data",
    }
}

/// Progress per objective at the end of a year (all 23, gaps included).
#[utoipa::path(get, path = "/api/v1/gcm/progress", tag = "gcm", params(PeriodQuery),
    responses((status = 200, body = ProgressDto),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn progress(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<ProgressDto>, ApiError> {
    let period = Period::year(query.period)
        .filter(|_| (1900..=9999).contains(&query.period))
        .ok_or_else(|| ApiError::field("period", "period: a year between 1900 and 9999"))?;
    let plan = state.blocking(|store, _| load_plan(store)).await?;
    let objectives = plan::progress(&plan, period.end)
        .into_iter()
        .map(|p| ObjectiveProgressDto {
            objective: p.objective.number(),
            title: labels(p.objective.objective().title),
            actions: p.actions(),
            by_status: p
                .by_status
                .iter()
                .map(|(s, n)| (s.code().to_string(), *n))
                .collect(),
            by_step: p
                .by_step
                .iter()
                .map(|(s, n)| (s.code().to_string(), *n))
                .collect(),
            budget: p.budget.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            indicators: p
                .indicators
                .iter()
                .map(|i| IndicatorProgressDto {
                    code: i.code.clone(),
                    action: i.action.clone(),
                    baseline: i.baseline,
                    target: i.target,
                    latest: i.latest,
                    trend: i.trend.map(|t| trend_code(t).to_string()),
                    achieved: i.achieved,
                })
                .collect(),
            evaluations: p.evaluations,
            evidence: p.evidence,
        })
        .collect();
    Ok(Json(ProgressDto {
        period: query.period,
        objectives,
    }))
}

// ---------------------------------------------------------------------------------------------
// Missing-migrant incidents

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SourceDto {
    pub name: String,
    /// `unverified`, `corroborated`, `official`, `verified`.
    pub reliability: String,
}

/// A report of an incident, with the fields of IOM's Missing Migrants Project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentRequest {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// `central_mediterranean`, `western_mediterranean`, `eastern_mediterranean`,
    /// `atlantic_canaries`, `sahara_crossing`, `horn_of_africa_yemen`, `other`.
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
    /// A cause-of-death code (`drowning`, `harsh_conditions`...).
    pub cause: Option<String>,
    pub sources: Vec<SourceDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    pub id: i64,
    #[schema(format = Date)]
    pub date: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub route: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub dead: u32,
    pub missing: u32,
    pub survivors: Option<u32>,
    pub females: Option<u32>,
    pub males: Option<u32>,
    pub children: Option<u32>,
    pub cause: Option<String>,
    pub sources: Vec<SourceDto>,
    pub institution: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

impl From<&IncidentRow> for IncidentDto {
    fn from(r: &IncidentRow) -> IncidentDto {
        IncidentDto {
            id: r.id,
            date: r.date.to_string(),
            latitude: r.location.map(|p| p.0),
            longitude: r.location.map(|p| p.1),
            route: r.route.clone(),
            region: r.region.clone(),
            country: r.country.clone(),
            dead: r.dead,
            missing: r.missing,
            survivors: r.survivors,
            females: r.females,
            males: r.males,
            children: r.children,
            cause: r.cause.clone(),
            sources: r
                .sources
                .iter()
                .map(|(n, r)| SourceDto {
                    name: n.clone(),
                    reliability: r.clone(),
                })
                .collect(),
            institution: r.institution.clone(),
            recorded_at: time(r.recorded_at),
        }
    }
}

/// Another report judged the same incident, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateDto {
    pub id: i64,
    pub reasons: Vec<String>,
}

/// The stored report and the earlier reports it was judged the same incident as.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentCreated {
    pub incident: IncidentDto,
    /// Empty: a new incident. Otherwise the reports of the same incident (linked).
    pub duplicates: Vec<DuplicateDto>,
}

fn parse_incident(body: &IncidentRequest) -> Result<Incident, ApiError> {
    let location = match (body.latitude, body.longitude) {
        (Some(lat), Some(lon)) => Some(Coordinates { lat, lon }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::field(
                "longitude",
                "longitude: given a latitude, give the longitude",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::field(
                "latitude",
                "latitude: given a longitude, give the latitude",
            ))
        }
    };
    let route = optional_code(&ROUTE, "route", body.route.as_deref())?;
    let cause = optional_code(&CAUSE_OF_DEATH, "cause", body.cause.as_deref())?;
    let country = body
        .country
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            marsad_model::codes::country(c)
                .map_err(|e| ApiError::field("country", format!("country: {}", e.reason())))
        })
        .transpose()?;
    let mut sources = Vec::new();
    for (i, s) in body.sources.iter().enumerate() {
        let reliability = Reliability::parse(&s.reliability).ok_or_else(|| {
            ApiError::field(
                format!("sources[{i}].reliability"),
                format!(
                    "sources[{i}].reliability: '{}' is not one of unverified, corroborated, official, verified",
                    s.reliability
                ),
            )
        })?;
        check_text(&format!("sources[{i}].name"), &s.name, false)?;
        sources.push(incidents::Source {
            name: s.name.trim().to_string(),
            reliability,
        });
    }
    Ok(Incident {
        id: "new".into(),
        date: body.date,
        location,
        route,
        region: body
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string),
        country,
        dead: body.dead,
        missing: body.missing,
        survivors: body.survivors,
        females: body.females,
        males: body.males,
        children: body.children,
        cause,
        sources,
    })
}

/// An earlier report judged the same incident: its id and the reasons.
pub type Duplicate = (i64, Vec<String>);

/// Stores a valid report after comparing it with the stored reports of the days around it
/// (`marsad-gcm`'s deduplication rules): those it is the same incident as are linked to it in
/// the same transaction, and returned with the reasons. The API and the demo record through it.
pub fn record_incident(
    store: &dyn Store,
    incident: &Incident,
    institution: &str,
    actor: &str,
    at: Timestamp,
) -> Result<(IncidentRow, Vec<Duplicate>), ApiError> {
    let rules = DedupRules::default();
    let window = chrono::Duration::days(rules.max_days);
    let near = store.incidents(incident.date - window, incident.date + window)?;
    let mut duplicates = Vec::new();
    for other in &near {
        if let Judgement::Same(why) = incidents::compare(incident, &incident_of(other)?, &rules) {
            duplicates.push((
                other.id,
                why.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ));
        }
    }
    let links: Vec<(i64, String)> = duplicates
        .iter()
        .map(|(id, r)| (*id, r.join("; ")))
        .collect();
    let row = store.add_incident(&incident_row(incident, institution, actor, at), &links)?;
    Ok((row, duplicates))
}

/// Records a report of a dead or missing migrant incident. Earlier reports of the same incident
/// (another source: dates within two days, places close, compatible counts) are linked to it and
/// named in the answer.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    request_body = IncidentRequest,
    responses((status = 201, body = IncidentCreated),
        (status = 400, description = "Invalid; `field` names the field", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create_incident(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<IncidentRequest>,
) -> Result<Response, ApiError> {
    let out = record_report(state, caller, body).await?;
    Ok(created(
        format!("/api/v1/incidents/{}", out.incident.id),
        out,
    ))
}

/// Records a missing-migrant report (the API's and the portal form's path): the report and the earlier reports it duplicates.
pub(crate) async fn record_report(
    state: AppState,
    caller: Caller,
    body: IncidentRequest,
) -> Result<IncidentCreated, ApiError> {
    let institution = caller_institution(&caller, "record incidents")?;
    let incident = parse_incident(&body)?;
    let now = state.now();
    if let Err(errors) = incident.validate(now.date_naive()) {
        let field = errors.first().map(|e| e.field()).unwrap_or("dead");
        let detail = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
            .replace("incident new: ", "");
        return Err(ApiError::field(field, detail));
    }
    let out = state
        .blocking(move |store, _| {
            let (row, duplicates) =
                record_incident(store, &incident, &institution, &caller.name, now)?;
            Ok(IncidentCreated {
                incident: (&row).into(),
                duplicates: duplicates
                    .into_iter()
                    .map(|(id, reasons)| DuplicateDto { id, reasons })
                    .collect(),
            })
        })
        .await?;
    Ok(out)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (default: 1 January of last year).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day (default: today).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

fn range(state: &AppState, q: &RangeQuery) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let today = state.now().date_naive();
    let from = q
        .from
        .or_else(|| NaiveDate::from_ymd_opt(today.year() - 1, 1, 1))
        .unwrap_or(today);
    let to = q.to.unwrap_or(today);
    if to < from {
        return Err(ApiError::field("to", "to: the range ends before it starts"));
    }
    Ok((from, to))
}

/// One incident after deduplication: the merged figures and the reports behind them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergedDto {
    /// The merged record (its id is the first report's).
    pub incident: IncidentDto,
    /// The ids of the reports merged.
    pub reports: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    /// Every report in the range, by date.
    pub reports: Vec<IncidentDto>,
    /// The incidents they describe, each report counted once.
    pub incidents: Vec<MergedDto>,
}

fn merged_dto(m: &incidents::Merged, rows: &[IncidentRow]) -> MergedDto {
    let first = m.incident.id.parse::<i64>().unwrap_or(0);
    let mut dto: IncidentDto = rows
        .iter()
        .find(|r| r.id == first)
        .map(IncidentDto::from)
        .unwrap_or_else(|| IncidentDto::from(&rows[0]));
    let i = &m.incident;
    dto.date = i.date.to_string();
    dto.dead = i.dead;
    dto.missing = i.missing;
    dto.survivors = i.survivors;
    dto.females = i.females;
    dto.males = i.males;
    dto.children = i.children;
    dto.latitude = i.location.map(|p| p.lat);
    dto.longitude = i.location.map(|p| p.lon);
    dto.route = i.route.map(|r| r.code.to_string());
    dto.region = i.region.clone();
    dto.country = i.country.map(|c| c.alpha3().to_string());
    dto.cause = i.cause.map(|c| c.code.to_string());
    dto.sources = i
        .sources
        .iter()
        .map(|s| SourceDto {
            name: s.name.clone(),
            reliability: s.reliability.code().into(),
        })
        .collect();
    MergedDto {
        incident: dto,
        reports: m.reports.iter().filter_map(|r| r.parse().ok()).collect(),
    }
}

/// The register: reports in a date range and the incidents they describe.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(RangeQuery),
    responses((status = 200, body = IncidentList),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn incidents_list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<IncidentList>, ApiError> {
    let (from, to) = range(&state, &query)?;
    let out = state
        .blocking(move |store, _| {
            let rows = store.incidents(from, to)?;
            let reports = rows
                .iter()
                .map(incident_of)
                .collect::<Result<Vec<_>, _>>()?;
            let merged = incidents::deduplicate(&reports, &DedupRules::default());
            Ok(IncidentList {
                reports: rows.iter().map(IncidentDto::from).collect(),
                incidents: if rows.is_empty() {
                    Vec::new()
                } else {
                    merged.iter().map(|m| merged_dto(m, &rows)).collect()
                },
            })
        })
        .await?;
    Ok(Json(out))
}

/// A report with the persons identified among its dead or missing.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    pub incident: IncidentDto,
    /// Unified numbers.
    pub persons: Vec<String>,
}

/// One report and the persons identified (the reading is audited when it names anyone).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path)),
    responses((status = 200, body = IncidentView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn incident(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IncidentView>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let row = store.incident(id)?;
            let persons = store.incident_persons(id)?;
            let events: Vec<AuditEvent> = persons
                .iter()
                .map(|n| {
                    audit_event(
                        &st,
                        &caller,
                        Some(&permit),
                        format!("incident.read (incident {id})"),
                        person_object(*n),
                    )
                })
                .collect();
            AppState::audit_all(store, &events)?;
            Ok(IncidentView {
                incident: (&row).into(),
                persons: persons.into_iter().map(digits).collect(),
            })
        })
        .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonLinkRequest {
    /// The person's 12-digit unified number.
    pub person: String,
}

/// Records that an identified person is among the dead or missing of an incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/persons", tag = "incidents",
    params(("id" = i64, Path)), request_body = PersonLinkRequest,
    responses((status = 201, body = IncidentView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Linked already", body = Problem, content_type = "application/problem+json")))]
pub async fn link_person(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PersonLinkRequest>,
) -> Result<Response, ApiError> {
    let number = parse_number(&body.person).map_err(|e| e.at_field("person"))?;
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let row = store.incident(id)?;
            let person = store.resolve_number(number).map_err(|e| match e {
                StoreError::NotFound { .. } => ApiError::field(
                    "person",
                    format!(
                        "person: no person has the unified number {}",
                        digits(number)
                    ),
                ),
                e => e.into(),
            })?;
            let audit = audit_event(
                &st,
                &caller,
                Some(&permit),
                format!("incident.person (incident {id})"),
                person_object(person),
            );
            store.link_incident_person(id, person, &caller.name, st.now(), &audit)?;
            Ok(IncidentView {
                incident: (&row).into(),
                persons: store
                    .incident_persons(id)?
                    .into_iter()
                    .map(digits)
                    .collect(),
            })
        })
        .await?;
    Ok(created(format!("/api/v1/incidents/{id}"), out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SdgRowDto {
    pub year: i32,
    pub route: Option<String>,
    pub region: Option<String>,
    pub incidents: u32,
    pub dead: u32,
    pub missing: u32,
    pub females: u32,
    pub males: u32,
    pub sex_unknown: u32,
    pub children: u32,
    pub total: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SdgTable {
    /// SDG indicator 10.7.3: people who died or disappeared in the process of migration.
    pub indicator: String,
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub rows: Vec<SdgRowDto>,
}

/// SDG 10.7.3 from the register (deduplicated incidents), by year, route and region.
#[utoipa::path(get, path = "/api/v1/incidents/sdg-10-7-3", tag = "incidents", params(RangeQuery),
    responses((status = 200, body = SdgTable)))]
pub async fn sdg_10_7_3(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<SdgTable>, ApiError> {
    let (from, to) = range(&state, &query)?;
    let out = state
        .blocking(move |store, _| {
            // Reports just outside the range may be the same incident as one inside it.
            let margin = chrono::Duration::days(DedupRules::default().max_days);
            let rows = store.incidents(from - margin, to + margin)?;
            let reports = rows
                .iter()
                .map(incident_of)
                .collect::<Result<Vec<_>, _>>()?;
            let merged = incidents::deduplicate(&reports, &DedupRules::default());
            Ok(incidents::sdg_10_7_3(&merged, from, to))
        })
        .await?;
    Ok(Json(SdgTable {
        indicator: "10.7.3".into(),
        from: from.to_string(),
        to: to.to_string(),
        rows: out
            .into_iter()
            .map(|r| SdgRowDto {
                year: r.year,
                total: r.total(),
                route: r.route.map(str::to_string),
                region: r.region,
                incidents: r.incidents,
                dead: r.dead,
                missing: r.missing,
                females: r.females,
                males: r.males,
                sex_unknown: r.sex_unknown,
                children: r.children,
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Referrals

#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseRequest {
    /// The victim's unified number, when known.
    pub person: Option<String>,
    /// `M`, `F` or `X`.
    pub sex: Option<String>,
    /// `Y_LT18`, `Y18T24`, `Y25T34`, `Y35T49`, `Y_GE50`.
    pub age_group: Option<String>,
    /// ISO 3166-1 alpha-3 (or ICAO XXA, XXB, XXC, XXX).
    pub nationality: Option<String>,
    /// A form of exploitation (`sexual`, `forced_labour`, `domestic_servitude`...).
    pub exploitation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub institution: String,
    #[schema(format = DateTime)]
    pub identified_at: String,
    pub person: Option<String>,
    pub sex: Option<String>,
    pub age_group: Option<String>,
    pub nationality: Option<String>,
    pub exploitation: String,
}

impl From<&TraffickingCase> for CaseDto {
    fn from(c: &TraffickingCase) -> CaseDto {
        CaseDto {
            id: c.id,
            institution: c.institution.clone(),
            identified_at: time(c.identified_at),
            person: c.person.map(digits),
            sex: c.sex.clone(),
            age_group: c.age_group.clone(),
            nationality: c.nationality.clone(),
            exploitation: c.exploitation.clone(),
        }
    }
}

fn case_audit(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    action: String,
    case: &TraffickingCase,
) -> AuditEvent {
    let object = match case.person {
        Some(n) => person_object(n),
        None => AuditObject {
            kind: "trafficking_case".into(),
            id: case.id.to_string(),
        },
    };
    audit_event(state, caller, Some(permit), action, object)
}

/// Records an identified trafficking victim for the caller's institution (the case referrals
/// belong to).
#[utoipa::path(post, path = "/api/v1/referrals/cases", tag = "referrals",
    request_body = CaseRequest,
    responses((status = 201, body = CaseDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<CaseRequest>,
) -> Result<Response, ApiError> {
    let case = open_case(state, caller, permit, body).await?;
    Ok(created(
        format!("/api/v1/referrals/cases/{}", case.id),
        case,
    ))
}

/// Opens a victim's case (the API's and the portal form's path).
pub(crate) async fn open_case(
    state: AppState,
    caller: Caller,
    permit: Permit,
    body: CaseRequest,
) -> Result<CaseDto, ApiError> {
    let exploitation = EXPLOITATION_FORM.parse(&body.exploitation).ok_or_else(|| {
        let known: Vec<&str> = EXPLOITATION_FORM.codes.iter().map(|c| c.code).collect();
        ApiError::field(
            "exploitation",
            format!(
                "exploitation: unknown form '{}' (known: {})",
                body.exploitation,
                known.join(", ")
            ),
        )
    })?;
    let sex = body
        .sex
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Sex::parse(s)
                .map(|x| x.code().to_string())
                .ok_or_else(|| ApiError::field("sex", format!("sex: '{s}' is not M, F or X")))
        })
        .transpose()?;
    let age_group = body
        .age_group
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|a| {
            VICTIM_AGE_GROUPS
                .iter()
                .find(|g| **g == a.trim())
                .map(|g| g.to_string())
                .ok_or_else(|| {
                    ApiError::field(
                        "age_group",
                        format!(
                            "age_group: '{a}' is not one of {}",
                            VICTIM_AGE_GROUPS.join(", ")
                        ),
                    )
                })
        })
        .transpose()?;
    let nationality = body
        .nationality
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|c| {
            marsad_model::codes::country(c)
                .map(|c| c.alpha3().to_string())
                .map_err(|e| ApiError::field("nationality", format!("nationality: {}", e.reason())))
        })
        .transpose()?;
    let person = body
        .person
        .as_deref()
        .map(|p| parse_number(p).map_err(|e| e.at_field("person")))
        .transpose()?;
    let institution = caller_institution(&caller, "identify victims")?;
    let st = state.clone();
    let case = state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&institution)))?;
            let person = person
                .map(|n| {
                    store.resolve_number(n).map_err(|e| match e {
                        StoreError::NotFound { .. } => ApiError::field(
                            "person",
                            format!("person: no person has the unified number {}", digits(n)),
                        ),
                        e => e.into(),
                    })
                })
                .transpose()?;
            let new = TraffickingCase {
                id: 0,
                institution: institution.clone(),
                identified_at: st.now(),
                person,
                sex,
                age_group,
                nationality,
                exploitation: exploitation.code.to_string(),
                recorded_by: caller.name.clone(),
            };
            let audit = case_audit(&st, &caller, &permit, "referral.case".into(), &new);
            Ok(store.add_trafficking_case(&new, &audit)?)
        })
        .await?;
    Ok(CaseDto::from(&case))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventDto {
    pub from: String,
    pub to: String,
    pub institution: String,
    pub reason: Option<String>,
    #[schema(format = DateTime)]
    pub at: String,
}

/// What a late referral waits for.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueDto {
    /// The institution whose move is awaited.
    pub waiting_for: String,
    #[schema(format = DateTime)]
    pub due: String,
    pub late_by_hours: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: i64,
    pub case: i64,
    /// `shelter`, `health`, `psychosocial`, `legal_aid`, `return`, `integration`.
    pub kind: String,
    pub referring: String,
    pub receiving: String,
    pub state: String,
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub proposed_at: String,
    /// When the awaited move is due (none in a final state).
    #[schema(format = DateTime)]
    pub due: Option<String>,
    /// Set when the referral is late now.
    pub overdue: Option<OverdueDto>,
    pub events: Vec<ReferralEventDto>,
}

fn referral_dto(row: &ReferralRow, now: Timestamp) -> Result<ReferralDto, ApiError> {
    let r = referral_of(row)?;
    let limits = Limits::default();
    Ok(ReferralDto {
        id: row.id,
        case: row.case_id,
        kind: row.kind.clone(),
        referring: row.referring.clone(),
        receiving: row.receiving.clone(),
        state: r.state().code().into(),
        note: row.note.clone(),
        proposed_at: time(row.proposed_at),
        due: r.due(&limits).map(|(d, _)| time(d)),
        overdue: r.overdue(now, &limits).map(|o| OverdueDto {
            waiting_for: o.waiting_for,
            due: time(o.due),
            late_by_hours: o.late_by.num_hours(),
        }),
        events: row
            .events
            .iter()
            .map(|e| ReferralEventDto {
                from: e.from.clone(),
                to: e.to.clone(),
                institution: e.institution.clone(),
                reason: e.reason.clone(),
                at: time(e.at),
            })
            .collect(),
    })
}

/// Admits a referral through the permit by either of its institutions; the rule's name.
fn admit_referral(
    permit: &Permit,
    institutions: &Institutions,
    row: &ReferralRow,
) -> Result<String, ApiError> {
    let grant = permit.grant();
    let purpose = permit.purpose().is_some();
    [&row.referring, &row.receiving]
        .into_iter()
        .find_map(|i| {
            grant
                .view(Some(institutions.origin(Some(i))), purpose)
                .map(|v| v.rule.to_string())
        })
        .ok_or_else(|| {
            ApiError::new(
                Code::Forbidden,
                format!(
                    "referral {} is between other institutions; only its referring and receiving institutions see it",
                    row.id
                ),
            )
        })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralList {
    pub referrals: Vec<ReferralDto>,
}

/// Reads the referrals the caller's institution sent or received (`overdue_only`: the late
/// ones), on the record.
fn visible_referrals(
    state: &AppState,
    store: &dyn Store,
    caller: &Caller,
    permit: &Permit,
    overdue_only: bool,
) -> Result<ReferralList, ApiError> {
    let institutions = Institutions::load(store)?;
    let now = state.now();
    let cases = store.trafficking_cases()?;
    let mut out = Vec::new();
    let mut events = Vec::new();
    for row in store.referrals()? {
        let Ok(rule) = admit_referral(permit, &institutions, &row) else {
            continue;
        };
        let dto = referral_dto(&row, now)?;
        if overdue_only && dto.overdue.is_none() {
            continue;
        }
        if let Some(case) = cases.iter().find(|c| c.id == row.case_id) {
            events.push(case_audit(
                state,
                caller,
                permit,
                format!("referral.list (referral {}, {rule})", row.id),
                case,
            ));
        }
        out.push(dto);
    }
    AppState::audit_all(store, &events)?;
    Ok(ReferralList { referrals: out })
}

/// The referrals the caller's institution sent or received.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals",
    responses((status = 200, body = ReferralList),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn referrals(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
) -> Result<Json<ReferralList>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| visible_referrals(&st, store, &caller, &permit, false))
        .await?;
    Ok(Json(out))
}

/// The caller's referrals that are late now: who they wait for, since when.
#[utoipa::path(get, path = "/api/v1/referrals/overdue", tag = "referrals",
    responses((status = 200, body = ReferralList),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn overdue(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
) -> Result<Json<ReferralList>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| visible_referrals(&st, store, &caller, &permit, true))
        .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReferralRequest {
    /// The case (identified victim).
    pub case: i64,
    /// `shelter`, `health`, `psychosocial`, `legal_aid`, `return`, `integration`.
    pub kind: String,
    /// The receiving institution's short name.
    pub receiving: String,
    pub note: Option<String>,
}

/// Whether the policy lets case workers of `institution` answer referrals it receives: a
/// victim is never referred where nobody could act on the referral (or where enforcement
/// would learn of it).
fn can_receive(state: &AppState, institutions: &Institutions, institution: &str) -> bool {
    let origin = institutions.origin(Some(institution));
    let principal = marsad_policy::Principal {
        institution: institution.to_string(),
        institution_kind: origin.institution_kind.to_string(),
        roles: vec!["case_worker".into()],
        actions: None,
    };
    match state.access().policy().decide(
        marsad_policy::Subject::Member(&principal),
        marsad_policy::Action::Correct,
        marsad_policy::Resource::Referral,
    ) {
        marsad_policy::Decision::Allow(g) => g.view(Some(origin), true).is_some(),
        marsad_policy::Decision::Deny(_) => false,
    }
}

/// The referring institution proposes a referral of one of its cases to another institution.
#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals",
    request_body = ReferralRequest,
    responses((status = 201, body = ReferralDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A referral of this kind is still open for the case", body = Problem, content_type = "application/problem+json")))]
pub async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<ReferralRequest>,
) -> Result<Response, ApiError> {
    let dto = propose_referral(state, caller, permit, body).await?;
    Ok(created(format!("/api/v1/referrals/{}", dto.id), dto))
}

/// Proposes a referral (the API's and the portal form's path).
pub(crate) async fn propose_referral(
    state: AppState,
    caller: Caller,
    permit: Permit,
    body: ReferralRequest,
) -> Result<ReferralDto, ApiError> {
    let kind = ReferralKind::parse(&body.kind).ok_or_else(|| {
        let known: Vec<&str> = ReferralKind::ALL.iter().map(|k| k.code()).collect();
        ApiError::field(
            "kind",
            format!(
                "kind: unknown service '{}' (known: {})",
                body.kind,
                known.join(", ")
            ),
        )
    })?;
    if let Some(note) = &body.note {
        check_text("note", note, false)?;
    }
    let referring = caller_institution(&caller, "propose referrals")?;
    let st = state.clone();
    let dto = state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&referring)))?;
            let receiving = body.receiving.trim().to_string();
            if !store.institutions()?.iter().any(|i| i.name == receiving) {
                return Err(ApiError::field(
                    "receiving",
                    format!("receiving: no institution is named '{receiving}'"),
                ));
            }
            if !can_receive(&st, &institutions, &receiving) {
                return Err(ApiError::field(
                    "receiving",
                    format!("receiving: '{receiving}' cannot receive referrals (the access policy gives its case workers no say on them)"),
                ));
            }
            let case = store.trafficking_case(body.case).map_err(|e| match e {
                StoreError::NotFound { what } => ApiError::field("case", format!("case: {what} not found")),
                e => e.into(),
            })?;
            // A case is referred onwards by the institution that identified the victim or by
            // one that received a referral of it.
            let all = store.referrals()?;
            let of_case: Vec<&ReferralRow> = all.iter().filter(|r| r.case_id == case.id).collect();
            if case.institution != referring && !of_case.iter().any(|r| r.receiving == referring) {
                return Err(ApiError::new(
                    Code::Forbidden,
                    format!("case {}: only the institution that identified the victim, or one that received a referral of the case, refers it", case.id),
                ));
            }
            let now = st.now();
            let mut journey =
                referral::Journey::new(&case.id.to_string(), &case.institution, case.identified_at);
            for r in &of_case {
                journey
                    .add(referral_of(r)?)
                    .map_err(|e| corrupt("referral", e.to_string()))?;
            }
            let proposed = Referral::propose("new", &case.id.to_string(), kind, &referring, &receiving, now)
                .map_err(referral_error)?;
            journey
                .add(proposed)
                .map_err(|e| ApiError::new(Code::Conflict, e.to_string()))?;
            let new = ReferralRow {
                id: 0,
                case_id: case.id,
                kind: kind.code().into(),
                referring: referring.clone(),
                receiving,
                note: body.note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
                proposed_by: caller.name.clone(),
                proposed_at: now,
                events: Vec::new(),
            };
            let audit = case_audit(&st, &caller, &permit, "referral.propose".into(), &case);
            let row = store.add_referral(&new, &audit)?;
            referral_dto(&row, now)
        })
        .await?;
    Ok(dto)
}

/// A referral the caller's institution sent or received, with every move (on the record).
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReferralDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn referral(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReferralDto>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let row = store.referral(id)?;
            let institutions = Institutions::load(store)?;
            let rule = admit_referral(&permit, &institutions, &row)?;
            let case = store.trafficking_case(row.case_id)?;
            let audit = case_audit(
                &st,
                &caller,
                &permit,
                format!("referral.read (referral {id}, {rule})"),
                &case,
            );
            AppState::audit_all(store, &[audit])?;
            referral_dto(&row, st.now())
        })
        .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionRequest {
    /// `accept`, `decline`, `start`, `complete` (the receiving institution), `cancel` (the
    /// referring one), `interrupt` (either).
    pub action: String,
    /// Required to decline, cancel or interrupt.
    pub reason: Option<String>,
}

/// Moves a referral: only the side the state machine names may make each move, and only from
/// the states it allows (409 otherwise).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/transitions", tag = "referrals",
    params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = ReferralDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this institution's move", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current state", body = Problem, content_type = "application/problem+json")))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Json<ReferralDto>, ApiError> {
    let action = referral_action(&body.action, body.reason.as_deref())?;
    if let Some(reason) = &body.reason {
        check_text("reason", reason, false)?;
    }
    let institution = caller_institution(&caller, "move referrals")?;
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let row = store.referral(id)?;
            let institutions = Institutions::load(store)?;
            // The caller must be admitted on its own side of the referral.
            if row.referring != institution && row.receiving != institution {
                return Err(ApiError::new(
                    Code::Forbidden,
                    format!("referral {id} is between other institutions; only its referring and receiving institutions move it"),
                ));
            }
            permit.admit(institutions.origin(Some(&institution)))?;
            let mut r = referral_of(&row)?;
            let now = st.now();
            r.apply(&institution, action, now).map_err(referral_error)?;
            let event = last_event(&r, &caller.name)
                .ok_or_else(|| corrupt("referral", "no move recorded".into()))?;
            let case = store.trafficking_case(row.case_id)?;
            let audit = case_audit(
                &st,
                &caller,
                &permit,
                format!("referral.{} (referral {id})", event.to),
                &case,
            );
            let moved = store.move_referral(id, &event, &audit).map_err(stale)?;
            referral_dto(&moved, now)
        })
        .await?;
    Ok(Json(out))
}

/// One cell of a published table: suppressed cells have no value and a `C` (primary) or `D`
/// (secondary) status, never a zero.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatCellDto {
    /// The code (`_T` is the total).
    pub code: String,
    pub value: Option<u64>,
    /// `F` free, `C` confidential (too few persons), `D` suppressed to protect a `C` cell.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatTableDto {
    /// `identified` (victims identified) or `assisted` (victims with a service started).
    pub measure: String,
    /// `exploitation`, `sex`, `age_group`, `nationality`.
    pub by: String,
    pub cells: Vec<StatCellDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralStatistics {
    pub period: i32,
    /// The frequency threshold: cells of fewer persons are suppressed.
    pub threshold: u64,
    pub tables: Vec<StatTableDto>,
}

/// The protected 1-D table of `counts` (code → persons) over `codes` (every code listed, zeros
/// included), the total `_T` first.
fn protect_counts(
    measure: &str,
    by: &str,
    codes: &[String],
    counts: &BTreeMap<String, u64>,
    rules: &Rules,
) -> Result<StatTableDto, ApiError> {
    let dim = Dimension::flat(by, codes)
        .map_err(|e| ApiError::new(Code::Internal, format!("building the {by} table: {e}")))?;
    let cells = codes
        .iter()
        .map(|c| {
            let n = counts.get(c).copied().unwrap_or(0);
            disclosure::Cell {
                key: vec![c.clone()],
                value: n as f64,
                count: n,
                top: Vec::new(),
            }
        })
        .collect();
    let table = disclosure::Table::from_leaves(vec![dim], cells)
        .map_err(|e| ApiError::new(Code::Internal, format!("building the {by} table: {e}")))?;
    let protected = disclosure::protect(&table, rules)
        .map_err(|e| ApiError::new(Code::Internal, format!("protecting the {by} table: {e}")))?;
    let mut cells: Vec<StatCellDto> = protected
        .publish(&table)
        .into_iter()
        .map(|c| StatCellDto {
            code: c.key.first().cloned().unwrap_or_default(),
            value: c.count,
            status: c.conf_status.code().into(),
        })
        .collect();
    cells.sort_by_key(|c| (c.code != disclosure::TOTAL, c.code.clone()));
    debug_assert!(cells
        .iter()
        .all(|c| c.value.is_some() == (c.status == ConfStatus::Free.code())));
    Ok(StatTableDto {
        measure: measure.into(),
        by: by.into(),
        cells,
    })
}

/// The statistics of the mechanism for a year: victims identified and victims assisted (a
/// service started), by form of exploitation, sex, age group and nationality, each table
/// through disclosure control (published, like every statistic).
#[utoipa::path(get, path = "/api/v1/referrals/statistics", tag = "referrals", params(PeriodQuery),
    responses((status = 200, body = ReferralStatistics),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<ReferralStatistics>, ApiError> {
    let period = Period::year(query.period)
        .filter(|_| (1900..=9999).contains(&query.period))
        .ok_or_else(|| ApiError::field("period", "period: a year between 1900 and 9999"))?;
    let (cases, referrals) = state
        .blocking(|store, _| Ok((store.trafficking_cases()?, store.referrals()?)))
        .await?;
    let in_year = |t: Timestamp| {
        let d = t.date_naive();
        d >= period.start && d <= period.end
    };
    let identified: Vec<&TraffickingCase> =
        cases.iter().filter(|c| in_year(c.identified_at)).collect();
    // Assisted: a service started for the case during the year.
    let assisted: Vec<&TraffickingCase> = identified
        .iter()
        .copied()
        .filter(|c| {
            referrals.iter().any(|r| {
                r.case_id == c.id
                    && r.events
                        .iter()
                        .any(|e| e.to == ReferralState::InProgress.code() && in_year(e.at))
            })
        })
        .collect();
    let unknown = "_U".to_string();
    let exploitation: Vec<String> = EXPLOITATION_FORM
        .codes
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    let sexes: Vec<String> = ["F", "M", "X", "_U"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ages: Vec<String> = VICTIM_AGE_GROUPS
        .iter()
        .map(|s| s.to_string())
        .chain([unknown.clone()])
        .collect();
    let mut nationalities: Vec<String> = identified
        .iter()
        .map(|c| c.nationality.clone().unwrap_or_else(|| unknown.clone()))
        .collect();
    nationalities.sort();
    nationalities.dedup();
    if nationalities.is_empty() {
        nationalities.push(unknown.clone());
    }
    let rules = Rules::default();
    let threshold = rules.frequency.map_or(0, |f| f.threshold);
    let mut tables = Vec::new();
    for (measure, group) in [("identified", &identified), ("assisted", &assisted)] {
        type Pick = fn(&TraffickingCase) -> Option<String>;
        let breakdowns: [(&str, &Vec<String>, Pick); 4] = [
            ("exploitation", &exploitation, |c| {
                Some(c.exploitation.clone())
            }),
            ("sex", &sexes, |c| c.sex.clone()),
            ("age_group", &ages, |c| c.age_group.clone()),
            ("nationality", &nationalities, |c| c.nationality.clone()),
        ];
        for (by, codes, pick) in breakdowns {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for c in group.iter() {
                let code = pick(c)
                    .filter(|k| codes.contains(k))
                    .unwrap_or_else(|| unknown.clone());
                *counts.entry(code).or_insert(0) += 1;
            }
            let mut codes = codes.clone();
            if !codes.contains(&unknown) && counts.contains_key(&unknown) {
                codes.push(unknown.clone());
            }
            tables.push(protect_counts(measure, by, &codes, &counts, &rules)?);
        }
    }
    Ok(Json(ReferralStatistics {
        period: query.period,
        threshold,
        tables,
    }))
}

// ---------------------------------------------------------------------------------------------
// Complaints

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintRequest {
    /// `ar`, `fr` or `en`: the language of the text, and of the answers.
    pub lang: String,
    /// `recruitment_fees`, `labour_rights`, `document_retention`, `detention`, `violence`,
    /// `discrimination`, `service_access`, `other`.
    pub category: String,
    /// What happened, in any script.
    pub text: String,
    /// How to reach the complainant, if they wish.
    pub contact: Option<String>,
    /// `form`, `api` (default) or `hotline`.
    pub channel: Option<String>,
    /// The institution the complaint is addressed to (default: the observatory).
    pub institution: Option<String>,
}

/// What the complainant is given: the reference to follow the complaint with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintReceipt {
    /// `CMP-7K4Q-9XD2`: keep it to follow the complaint.
    pub reference: String,
    pub status: String,
    /// The status in the complaint's language.
    pub status_label: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    /// Where to follow it.
    pub follow: String,
}

/// A complaint's status as its complainant sees it (no content).
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintStatus {
    pub reference: String,
    pub status: String,
    pub status_label: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn complaint_state(c: &ComplaintRow) -> Result<ComplaintState, ApiError> {
    let code = c.events.last().map_or("received", |e| e.to.as_str());
    ComplaintState::parse(code).ok_or_else(|| corrupt("complaint", format!("status {code}")))
}

fn lang_of(c: &ComplaintRow) -> Lang {
    Lang::parse(&c.lang).unwrap_or(Lang::En)
}

/// Files a complaint (anyone, signed in or not; any of the three languages). The answer holds
/// the reference number to follow it with.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints",
    request_body = ComplaintRequest,
    responses((status = 201, body = ComplaintReceipt),
        (status = 400, description = "Invalid; `field` names the field", body = Problem, content_type = "application/problem+json")))]
pub async fn file_complaint(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ComplaintRequest>,
) -> Result<Response, ApiError> {
    let receipt = file(&state, body).await?;
    Ok(created(receipt.follow.clone(), receipt))
}

/// Checks and stores a complaint (the API's and the portal form's path).
pub(crate) async fn file(
    state: &AppState,
    body: ComplaintRequest,
) -> Result<ComplaintReceipt, ApiError> {
    let lang = Lang::parse(&body.lang).ok_or_else(|| {
        ApiError::field("lang", format!("lang: '{}' is not ar, fr or en", body.lang))
    })?;
    let category = COMPLAINT_CATEGORIES
        .iter()
        .find(|c| **c == body.category.trim())
        .ok_or_else(|| {
            ApiError::field(
                "category",
                format!(
                    "category: '{}' is not one of {}",
                    body.category,
                    COMPLAINT_CATEGORIES.join(", ")
                ),
            )
        })?;
    let channel = match body.channel.as_deref().map(str::trim) {
        None | Some("") => "api",
        Some(c) => COMPLAINT_CHANNELS
            .iter()
            .find(|k| **k == c)
            .ok_or_else(|| {
                ApiError::field(
                    "channel",
                    format!("channel: '{c}' is not form, api or hotline"),
                )
            })?,
    };
    check_text("text", &body.text, true)?;
    if let Some(contact) = &body.contact {
        check_text("contact", contact, false)?;
    }
    let st = state.clone();
    let receipt = state
        .blocking(move |store, _| {
            let all = store.institutions()?;
            let handler = match body.institution.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
                Some(name) => all
                    .iter()
                    .find(|i| i.name == name)
                    .ok_or_else(|| {
                        ApiError::field(
                            "institution",
                            format!("institution: no institution is named '{name}'"),
                        )
                    })?
                    .name
                    .clone(),
                None => all
                    .iter()
                    .find(|i| i.kind == "observatory")
                    .ok_or_else(|| {
                        ApiError::field(
                            "institution",
                            "institution: name the institution the complaint is for (no observatory is registered to receive it)",
                        )
                    })?
                    .name
                    .clone(),
            };
            let now = st.now();
            // A reference is drawn at random; a collision (one in billions) draws again.
            for _ in 0..8 {
                use marsad_auth::rand_core::Rng as _;
                let mut rng = AppState::rng();
                let reference = ComplaintRef::generate(&mut || rng.next_u64()).to_string();
                let row = ComplaintRow {
                    reference: reference.clone(),
                    lang: lang.as_str().into(),
                    channel: channel.into(),
                    category: category.to_string(),
                    body: body.text.clone(),
                    contact: body.contact.clone().filter(|c| !c.trim().is_empty()),
                    handler: handler.clone(),
                    received_at: now,
                    events: Vec::new(),
                };
                match store.add_complaint(&row) {
                    Ok(_) => {
                        return Ok(ComplaintReceipt {
                            follow: format!("/api/v1/complaints/{reference}"),
                            reference,
                            status: ComplaintState::Received.code().into(),
                            status_label: ComplaintState::Received.label().get(lang).into(),
                            received_at: time(now),
                        })
                    }
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            Err(ApiError::new(
                Code::Conflict,
                "no free complaint reference could be drawn; try again",
            ))
        })
        .await?;
    Ok(receipt)
}

/// A complaint's status, for whoever holds its reference (nothing of its content).
#[utoipa::path(get, path = "/api/v1/complaints/{reference}", tag = "complaints",
    params(("reference" = String, Path, description = "CMP-XXXX-XXXX")),
    responses((status = 200, body = ComplaintStatus),
        (status = 400, description = "Not a reference (mistyped)", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn complaint_status(
    State(state): State<AppState>,
    ApiPath(reference): ApiPath<String>,
) -> Result<Json<ComplaintStatus>, ApiError> {
    Ok(Json(status_of(&state, &reference).await?))
}

/// A complaint's status by its reference (the API's and the portal's path).
pub(crate) async fn status_of(
    state: &AppState,
    reference: &str,
) -> Result<ComplaintStatus, ApiError> {
    let reference = ComplaintRef::parse(reference)
        .map_err(|e| ApiError::field("reference", e.to_string()))?
        .to_string();
    let out = state
        .blocking(move |store, _| {
            let c = store.complaint(&reference).map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    ApiError::not_found(format!("no complaint has the reference {reference}"))
                }
                e => e.into(),
            })?;
            let s = complaint_state(&c)?;
            Ok(ComplaintStatus {
                reference: c.reference.clone(),
                status: s.code().into(),
                status_label: s.label().get(lang_of(&c)).into(),
                received_at: time(c.received_at),
                updated_at: time(c.events.last().map_or(c.received_at, |e| e.at)),
            })
        })
        .await?;
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintEventDto {
    pub from: String,
    pub to: String,
    pub by: String,
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub at: String,
}

/// A complaint with its content, for the institution handling it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDto {
    pub reference: String,
    pub lang: String,
    pub channel: String,
    pub category: String,
    pub text: String,
    pub contact: Option<String>,
    pub institution: String,
    pub status: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub events: Vec<ComplaintEventDto>,
}

fn complaint_dto(c: &ComplaintRow) -> Result<ComplaintDto, ApiError> {
    Ok(ComplaintDto {
        reference: c.reference.clone(),
        lang: c.lang.clone(),
        channel: c.channel.clone(),
        category: c.category.clone(),
        text: c.body.clone(),
        contact: c.contact.clone(),
        institution: c.handler.clone(),
        status: complaint_state(c)?.code().into(),
        received_at: time(c.received_at),
        events: c
            .events
            .iter()
            .map(|e| ComplaintEventDto {
                from: e.from.clone(),
                to: e.to.clone(),
                by: e.actor.clone(),
                note: e.note.clone(),
                at: time(e.at),
            })
            .collect(),
    })
}

fn complaint_object(reference: &str) -> AuditObject {
    AuditObject {
        kind: "complaint".into(),
        id: reference.to_string(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintList {
    pub complaints: Vec<ComplaintDto>,
}

/// The complaints the caller's institution handles, with their content (on the record).
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints",
    responses((status = 200, body = ComplaintList),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn complaints(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
) -> Result<Json<ComplaintList>, ApiError> {
    let institution = caller_institution(&caller, "handle complaints")?;
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&institution)))?;
            let rows = store.complaints(Some(&institution))?;
            let events: Vec<AuditEvent> = rows
                .iter()
                .map(|c| {
                    audit_event(
                        &st,
                        &caller,
                        Some(&permit),
                        "complaint.list".into(),
                        complaint_object(&c.reference),
                    )
                })
                .collect();
            AppState::audit_all(store, &events)?;
            Ok(ComplaintList {
                complaints: rows.iter().map(complaint_dto).collect::<Result<_, _>>()?,
            })
        })
        .await?;
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintTransitionRequest {
    /// `under_review`, `referred`, `answered`, `closed`.
    pub to: String,
    /// What was done (shown to the handling institution only).
    pub note: Option<String>,
}

/// The handling institution moves a complaint along its workflow (409 for a move it forbids).
#[utoipa::path(post, path = "/api/v1/complaints/{reference}/transitions", tag = "complaints",
    params(("reference" = String, Path)), request_body = ComplaintTransitionRequest,
    responses((status = 200, body = ComplaintDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn complaint_transition(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(reference): ApiPath<String>,
    ApiJson(body): ApiJson<ComplaintTransitionRequest>,
) -> Result<Json<ComplaintDto>, ApiError> {
    let reference =
        ComplaintRef::parse(&reference).map_err(|e| ApiError::field("reference", e.to_string()))?;
    let to = ComplaintState::parse(&body.to).ok_or_else(|| {
        let known: Vec<&str> = ComplaintState::ALL.iter().map(|s| s.code()).collect();
        ApiError::field(
            "to",
            format!(
                "to: unknown status '{}' (known: {})",
                body.to,
                known.join(", ")
            ),
        )
    })?;
    if let Some(note) = &body.note {
        check_text("note", note, false)?;
    }
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let text = reference.to_string();
            let c = store.complaint(&text)?;
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&c.handler)))?;
            let from = complaint_state(&c)?;
            marsad_gcm::complaints::transition(reference, from, to)
                .map_err(|e| ApiError::new(Code::Conflict, e.to_string()))?;
            let event = ComplaintEvent {
                seq: u32::try_from(c.events.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1),
                from: from.code().into(),
                to: to.code().into(),
                actor: caller.name.clone(),
                note: body
                    .note
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
                at: st.now(),
            };
            let audit = audit_event(
                &st,
                &caller,
                Some(&permit),
                format!("complaint.{}", to.code()),
                complaint_object(&text),
            );
            let moved = store.move_complaint(&text, &event, &audit).map_err(stale)?;
            complaint_dto(&moved)
        })
        .await?;
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referral_moves_by_name() {
        for (code, expected) in [
            ("accept", "accept"),
            ("decline", "decline"),
            ("start", "start"),
            ("complete", "complete"),
            ("interrupt", "interrupt"),
            ("cancel", "cancel"),
        ] {
            assert_eq!(referral_action(code, Some("r")).unwrap().code(), expected);
        }
        let e = referral_action("approve", None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("action"));
    }

    #[test]
    fn suppressed_cells_have_no_value_and_totals_are_protected() {
        let codes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let counts: BTreeMap<String, u64> = [
            ("a".to_string(), 20),
            ("b".to_string(), 2),
            ("c".to_string(), 30),
        ]
        .into_iter()
        .collect();
        let t = protect_counts("identified", "x", &codes, &counts, &Rules::default()).unwrap();
        let cell = |code: &str| t.cells.iter().find(|c| c.code == code).unwrap();
        assert_eq!(cell("b").status, "C");
        assert_eq!(cell("b").value, None, "never zeroed");
        // b could be recovered from the total and the other two: one more is suppressed.
        let secondary = t.cells.iter().filter(|c| c.status == "D").count();
        assert!(secondary >= 1, "{t:?}");
        assert!(t
            .cells
            .iter()
            .all(|c| (c.status == "F") == c.value.is_some()));
    }
}
