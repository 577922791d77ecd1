//! Research microdata extracts through the API (issue 7, item 8): an accredited researcher
//! requests an extract of linked, pseudonymised microdata for a stated purpose and project; the
//! data-protection side approves or refuses it (never their own request); an approved extract
//! is built from the linked records (`marsad_figures::microdata`: one row per unified person,
//! a keyed pseudonym drawn for this extract alone, no names, documents or dates), its
//! quasi-identifiers treated by recoding and local suppression to reach k, and released only
//! when the treated extract's risk is below the level in force — otherwise the request is
//! refused with the risk report saying why. The researcher who asked downloads it as CSV.
//!
//! The approval is recorded at once (`202 Accepted`); the extract is built, treated, sealed and
//! its outcome recorded by a background task whose progress (`crate::jobs::ExtractJobs`) the
//! request shows while it runs. The store is the truth: a request left `approved` without
//! outcome (the server stopped, the build failed) is built again when a server starts
//! ([`resume`]) or when it is approved again; a failed build records nothing.
//!
//! The permissions are the policy's (resource `microdata`: submit = request or withdraw, read =
//! see requests, correct = decide, export = download); object routes admit the request's
//! institution through the permit. Two workflow rules are this module's: nobody decides on a
//! request they made, and only its requester withdraws or downloads it. Every step (request,
//! decision, release or refusal, withdrawal, each download) is appended to the audit trail with
//! the request's purpose, in the same transaction as the change; no personal data is logged.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

use marsad_auth::{Actor, AuditEvent, AuditObject, Outcome, Purpose};
use marsad_figures::microdata::{
    self as extracts, ExtractSpec, Level, POPULATION_KINDS, VARIABLES,
};
use marsad_model::RecordKind;
use marsad_store::{MicrodataEvent, MicrodataExtract, MicrodataRequestRow, StoreError};
use marsad_vault::{BlobId, PutOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::access::Permit;
use crate::caller::Caller;
use crate::dossiers::time;
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::jobs::ExtractJob;
use crate::records::Institutions;
use crate::AppState;

/// The release level a deployment configures: requests may ask for a larger k, never less.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MicrodataLevel {
    /// Every combination of quasi-identifiers shared by at least `k` persons.
    pub k: u32,
    /// No person's individual re-identification risk above this (at most `1/k` is implied).
    pub max_risk: f64,
    /// At most this share of quasi-identifier values suppressed.
    pub max_suppressed: f64,
}

impl Default for MicrodataLevel {
    fn default() -> Self {
        MicrodataLevel {
            k: 5,
            max_risk: 0.2,
            max_suppressed: 0.25,
        }
    }
}

/// The largest k a request may ask for.
const MAX_K: u32 = 100;
/// Longest project title and decision reasons, in characters.
const MAX_TEXT: usize = 2_000;
/// The years a population may span.
const YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;
/// The actor of a refusal by the risk check.
const RISK_CHECK: &str = "system:risk-check";

// ---------------------------------------------------------------------------------------------
// DTOs

/// A request for an extract.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MicrodataRequestBody {
    /// Why the data is needed (kept in every audit entry about the request).
    pub purpose: String,
    /// The research project (title, reference of the ethics approval, ...).
    pub project: String,
    /// Record kinds the population is drawn from (`person`, `border_crossing`,
    /// `residence_permit`, `labour_placement`, `consular_registration`, `return`,
    /// `census_person`).
    pub kinds: Vec<String>,
    /// The population: persons with an event of these kinds dated in these years.
    pub first_year: i32,
    pub last_year: i32,
    /// The variables asked, in the file's column order (`GET /api/v1/microdata/variables`).
    pub variables: Vec<String>,
    /// Further variables to treat as quasi-identifiers (those marked so in the catalogue always
    /// are).
    #[serde(default)]
    pub quasi_identifiers: Vec<String>,
    /// A larger k than the level in force.
    pub k: Option<u32>,
}

/// A decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MicrodataDecisionBody {
    /// `approve` or `refuse`.
    pub decision: String,
    /// Why (required to refuse).
    pub reasons: Option<String>,
}

/// One change of a request's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataEventDto {
    pub from: String,
    pub to: String,
    /// The login of who decided, or `risk check`.
    pub by: String,
    pub institution: Option<String>,
    pub reasons: Option<String>,
    /// The released file (`sha256:HEX`).
    pub file: Option<String>,
    #[schema(format = DateTime)]
    pub at: String,
}

/// A request with its history and, once decided, the risk report.
#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataRequestDto {
    pub id: i64,
    /// `requested`, `approved`, `refused`, `released`, `withdrawn`.
    pub status: String,
    pub requester: String,
    pub institution: String,
    pub purpose: String,
    pub project: String,
    pub kinds: Vec<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub variables: Vec<String>,
    pub quasi_identifiers: Vec<String>,
    /// The level in force for this request.
    pub k: u32,
    pub max_risk: f64,
    #[schema(format = DateTime)]
    pub requested_at: String,
    pub events: Vec<MicrodataEventDto>,
    /// The risk report of the last check: records, the level, risk before and after
    /// treatment, values recoded and suppressed per variable, the decision and its reasons.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Where the released file is downloaded.
    pub extract: Option<String>,
    /// While an approved request's extract is built (or after its build failed): the job.
    pub job: Option<MicrodataJobDto>,
}

/// The build of an approved extract, as this server sees it (jobs live in memory; the request's
/// status is the store's).
#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataJobDto {
    /// `queued`, `building`, `checking risk`, `sealing`, `recording`, or `failed` (the request
    /// stays approved; approve it again to build it again).
    pub phase: String,
    /// Rows of the extract, once built.
    pub rows: Option<u64>,
    #[schema(format = DateTime)]
    pub started_at: String,
    /// Why the build failed.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataRequestList {
    pub requests: Vec<MicrodataRequestDto>,
}

/// A variable an extract may hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataVariableDto {
    pub name: String,
    /// Always treated as a quasi-identifier.
    pub quasi_identifier: bool,
    pub description: String,
}

/// What an extract may hold and the level in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct MicrodataCatalogue {
    pub kinds: Vec<String>,
    pub variables: Vec<MicrodataVariableDto>,
    pub k: u32,
    pub max_risk: f64,
    pub max_suppressed: f64,
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn actor_text(caller: &Caller) -> String {
    let a = caller.actor();
    format!("{}:{}", a.kind(), a.id())
}

fn object(id: i64) -> AuditObject {
    AuditObject {
        kind: "microdata_request".into(),
        id: id.to_string(),
    }
}

fn audit(state: &AppState, caller: &Caller, action: &str, id: i64, purpose: &str) -> AuditEvent {
    AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action: action.into(),
        object: Some(object(id)),
        // stored purposes were checked when the request was made
        purpose: Purpose::parse(purpose).ok(),
        outcome: Outcome::Success,
    }
}

fn text_field(field: &str, value: &str) -> Result<String, ApiError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(ApiError::field(field, format!("{field} is empty")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {MAX_TEXT} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::field(
            field,
            format!("{field} must not hold control characters"),
        ));
    }
    Ok(t.to_string())
}

fn dto(r: &MicrodataRequestRow) -> MicrodataRequestDto {
    let status = r.status().to_string();
    MicrodataRequestDto {
        id: r.id,
        extract: (status == "released")
            .then(|| format!("/api/v1/microdata/requests/{}/extract", r.id)),
        status,
        requester: r.requester_name.clone(),
        institution: r.institution.clone(),
        purpose: r.purpose.clone(),
        project: r.project.clone(),
        kinds: r.kinds.clone(),
        first_year: r.first_year,
        last_year: r.last_year,
        variables: r.variables.clone(),
        quasi_identifiers: r.quasi_identifiers.clone(),
        k: r.k,
        max_risk: r.max_risk,
        requested_at: time(r.requested_at),
        report: r
            .events
            .iter()
            .rev()
            .find_map(|e| e.report.as_deref())
            .and_then(|t| serde_json::from_str(t).ok()),
        events: r
            .events
            .iter()
            .map(|e| MicrodataEventDto {
                from: e.from.clone(),
                to: e.to.clone(),
                by: e.actor_name.clone(),
                institution: e.institution.clone(),
                reasons: e.reasons.clone(),
                file: e.file_ref.clone(),
                at: time(e.at),
            })
            .collect(),
        job: None,
    }
}

/// `d` with the build job of this server, while the request is approved.
fn with_job(state: &AppState, mut d: MicrodataRequestDto) -> MicrodataRequestDto {
    if d.status == "approved" {
        d.job = state.extract_jobs().get(d.id).map(|j| MicrodataJobDto {
            phase: j.phase_name().to_string(),
            rows: j.rows(),
            started_at: time(j.started_at),
            error: j.error(),
        });
    }
    d
}

fn not_found(id: i64) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound { .. } => ApiError::not_found(format!("no microdata request {id}")),
        StoreError::Invalid(reason) => ApiError::new(Code::Conflict, reason),
        e => e.into(),
    }
}

/// Loads a request and admits its institution through the permit.
fn admitted(
    store: &dyn marsad_store::Store,
    permit: &Permit,
    id: i64,
) -> Result<MicrodataRequestRow, ApiError> {
    let row = store.microdata_request(id).map_err(not_found(id))?;
    let institutions = Institutions::load(store)?;
    permit.admit(institutions.origin(Some(&row.institution)))?;
    Ok(row)
}

/// Checks a request body against the catalogue and the level in force.
fn check(
    body: &MicrodataRequestBody,
    level: MicrodataLevel,
) -> Result<(ExtractSpec, Purpose, String, u32, f64), ApiError> {
    let purpose = Purpose::parse(&body.purpose).map_err(|e| {
        ApiError::field(
            "purpose",
            format!("purpose: {e} (a purpose of at most 500 characters is required)"),
        )
    })?;
    let project = text_field("project", &body.project)?;
    if body.kinds.is_empty() {
        return Err(ApiError::field(
            "kinds",
            "kinds: name at least one record kind",
        ));
    }
    let mut kinds = Vec::new();
    for k in &body.kinds {
        let kind = RecordKind::parse(k)
            .filter(|kind| POPULATION_KINDS.contains(kind))
            .ok_or_else(|| {
                let known: Vec<&str> = POPULATION_KINDS.iter().map(|k| k.as_str()).collect();
                ApiError::field(
                    "kinds",
                    format!(
                        "kinds: '{k}' cannot be extracted (known: {})",
                        known.join(", ")
                    ),
                )
            })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if !YEARS.contains(&body.first_year) {
        return Err(ApiError::field(
            "first_year",
            format!(
                "first_year: {} is not a year between 1950 and 2100",
                body.first_year
            ),
        ));
    }
    if !YEARS.contains(&body.last_year) || body.last_year < body.first_year {
        return Err(ApiError::field(
            "last_year",
            format!(
                "last_year: {} is not a year between first_year and 2100",
                body.last_year
            ),
        ));
    }
    if body.variables.is_empty() {
        return Err(ApiError::field(
            "variables",
            "variables: name at least one variable",
        ));
    }
    let mut variables: Vec<String> = Vec::new();
    for v in &body.variables {
        if extracts::variable(v).is_none() {
            let known: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
            return Err(ApiError::field(
                "variables",
                format!("variables: no variable '{v}' (known: {})", known.join(", ")),
            ));
        }
        if variables.contains(v) {
            return Err(ApiError::field(
                "variables",
                format!("variables: '{v}' is named twice"),
            ));
        }
        variables.push(v.clone());
    }
    for q in &body.quasi_identifiers {
        if !variables.contains(q) {
            return Err(ApiError::field(
                "quasi_identifiers",
                format!("quasi_identifiers: '{q}' is not among the variables asked"),
            ));
        }
    }
    // the catalogue's quasi-identifiers always are, in the order asked; then the others named
    let quasi: Vec<String> = variables
        .iter()
        .filter(|v| {
            extracts::variable(v).is_some_and(|x| x.quasi_identifier)
                || body.quasi_identifiers.contains(v)
        })
        .cloned()
        .collect();
    let k = match body.k {
        None => level.k,
        Some(k) if (level.k..=MAX_K).contains(&k) => k,
        Some(k) => {
            return Err(ApiError::field(
                "k",
                format!(
                    "k: {k} is not between the level in force ({}) and {MAX_K}",
                    level.k
                ),
            ))
        }
    };
    let max_risk = level.max_risk.min(1.0 / f64::from(k.max(1)));
    Ok((
        ExtractSpec {
            kinds,
            first_year: body.first_year,
            last_year: body.last_year,
            variables,
            quasi_identifiers: quasi,
        },
        purpose,
        project,
        k,
        max_risk,
    ))
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// What an extract may hold: the record kinds, the variables (those always treated as
/// quasi-identifiers marked), and the release level in force.
#[utoipa::path(get, path = "/api/v1/microdata/variables", tag = "microdata",
    responses((status = 200, body = MicrodataCatalogue),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn catalogue(State(state): State<AppState>) -> Json<MicrodataCatalogue> {
    let level = state.microdata_level();
    Json(MicrodataCatalogue {
        kinds: POPULATION_KINDS
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        variables: VARIABLES
            .iter()
            .map(|v| MicrodataVariableDto {
                name: v.name.into(),
                quasi_identifier: v.quasi_identifier,
                description: v.description.into(),
            })
            .collect(),
        k: level.k,
        max_risk: level.max_risk,
        max_suppressed: level.max_suppressed,
    })
}

/// Requests an extract (an accredited researcher; audited with its purpose).
#[utoipa::path(post, path = "/api/v1/microdata/requests", tag = "microdata",
    request_body = MicrodataRequestBody,
    responses((status = 201, body = MicrodataRequestDto),
        (status = 400, description = "Invalid; `field` names the field", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<MicrodataRequestBody>,
) -> Result<Response, ApiError> {
    let out = request(&state, &caller, &permit, &body).await?;
    let location = format!("/api/v1/microdata/requests/{}", out.id);
    let mut response = (StatusCode::CREATED, Json(out)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Checks and stores a request (the API's and the portal form's path).
pub(crate) async fn request(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    body: &MicrodataRequestBody,
) -> Result<MicrodataRequestDto, ApiError> {
    let (spec, purpose, project, k, max_risk) = check(body, state.microdata_level())?;
    let institution = caller.institution().map(str::to_string).ok_or_else(|| {
        ApiError::new(
            Code::Forbidden,
            "only members of an institution request extracts",
        )
    })?;
    let (st, caller, permit) = (state.clone(), caller.clone(), permit.clone());
    state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&institution)))?;
            let row = MicrodataRequestRow {
                id: 0,
                requester: actor_text(&caller),
                requester_name: caller.name.clone(),
                institution: institution.clone(),
                purpose: purpose.as_str().to_string(),
                project,
                kinds: spec.kinds.iter().map(|k| k.as_str().to_string()).collect(),
                first_year: spec.first_year,
                last_year: spec.last_year,
                variables: spec.variables,
                quasi_identifiers: spec.quasi_identifiers,
                k,
                max_risk,
                requested_at: st.now(),
                events: Vec::new(),
            };
            let mut event = audit(&st, &caller, "microdata.request", 0, purpose.as_str());
            event.object = Some(AuditObject {
                kind: "microdata_request".into(),
                id: "new".into(),
            });
            let stored = store.add_microdata_request(&row, &event)?;
            Ok(dto(&stored))
        })
        .await
}

/// The requests the caller may see: a researcher their institution's, the data-protection
/// officer every one.
#[utoipa::path(get, path = "/api/v1/microdata/requests", tag = "microdata",
    responses((status = 200, body = MicrodataRequestList),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    permit: Permit,
) -> Result<Json<MicrodataRequestList>, ApiError> {
    Ok(Json(requests(&state, &permit).await?))
}

pub(crate) async fn requests(
    state: &AppState,
    permit: &Permit,
) -> Result<MicrodataRequestList, ApiError> {
    let permit = permit.clone();
    state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            let grant = permit.grant();
            let rows = store.microdata_requests(None)?;
            Ok(MicrodataRequestList {
                requests: rows
                    .iter()
                    .filter(|r| {
                        grant
                            .view(Some(institutions.origin(Some(&r.institution))), false)
                            .is_some()
                    })
                    .map(dto)
                    .collect(),
            })
        })
        .await
        .map(|mut list| {
            list.requests = list
                .requests
                .into_iter()
                .map(|d| with_job(state, d))
                .collect();
            list
        })
}

/// One request with its history and risk report.
#[utoipa::path(get, path = "/api/v1/microdata/requests/{id}", tag = "microdata",
    params(("id" = i64, Path)),
    responses((status = 200, body = MicrodataRequestDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MicrodataRequestDto>, ApiError> {
    Ok(Json(one(&state, &permit, id).await?))
}

pub(crate) async fn one(
    state: &AppState,
    permit: &Permit,
    id: i64,
) -> Result<MicrodataRequestDto, ApiError> {
    let permit = permit.clone();
    state
        .blocking(move |store, _| Ok(dto(&admitted(store, &permit, id)?)))
        .await
        .map(|d| with_job(state, d))
}

/// Approves or refuses a request (the data-protection side, never on a request of their own).
/// A refusal answers `200` with the request refused. An approval is recorded at once and answers
/// `202 Accepted` with the request `approved` and its build job: the extract is then built,
/// treated and released in the background only when its risk is below the level in force,
/// otherwise the request ends refused by the risk check, with the report saying why. Follow it
/// with `GET /api/v1/microdata/requests/{id}` (its `job` shows the phase). Approving again a
/// request left `approved` by a failed build starts the build again.
#[utoipa::path(post, path = "/api/v1/microdata/requests/{id}/decision", tag = "microdata",
    params(("id" = i64, Path)), request_body = MicrodataDecisionBody,
    responses((status = 200, description = "Refused", body = MicrodataRequestDto),
        (status = 202, description = "Approved: the extract is being built (see `job`)", body = MicrodataRequestDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, withdrawn or being built", body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MicrodataDecisionBody>,
) -> Result<Response, ApiError> {
    let out = decision(&state, &caller, &permit, id, &body).await?;
    let status = if out.status == "approved" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)).into_response())
}

/// Records a decision; an approval starts the build of the extract (the API's and the portal's
/// path).
pub(crate) async fn decision(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    id: i64,
    body: &MicrodataDecisionBody,
) -> Result<MicrodataRequestDto, ApiError> {
    let approve = match body.decision.trim() {
        "approve" => true,
        "refuse" => false,
        other => {
            return Err(ApiError::field(
                "decision",
                format!("decision: '{other}' is neither approve nor refuse"),
            ))
        }
    };
    let reasons = match body.reasons.as_deref().map(str::trim) {
        None | Some("") if !approve => {
            return Err(ApiError::field(
                "reasons",
                "reasons: say why the request is refused",
            ))
        }
        None | Some("") => None,
        Some(r) => Some(text_field("reasons", r)?),
    };
    let (st, who, permit) = (state.clone(), caller.clone(), permit.clone());
    let moved = state
        .blocking(move |store, _| {
            let caller = who;
            let row = admitted(store, &permit, id)?;
            if row.requester == actor_text(&caller) {
                return Err(ApiError::new(
                    Code::Forbidden,
                    "nobody decides on a request they made: another data-protection officer must",
                ));
            }
            let building = st.extract_jobs().get(id).is_some_and(|j| j.is_running());
            match row.status() {
                // a build that failed (or was lost) is started again by approving once more
                "approved" if approve && !building => {
                    AppState::audit_all(
                        store,
                        &[audit(&st, &caller, "microdata.rebuild", id, &row.purpose)],
                    )?;
                    return Ok(dto(&row));
                }
                "approved" if building => {
                    return Err(ApiError::new(
                        Code::Conflict,
                        format!(
                            "microdata request {id} is approved and its extract is being built"
                        ),
                    ))
                }
                "requested" => {}
                other => {
                    return Err(ApiError::new(
                        Code::Conflict,
                        format!("microdata request {id} is already {other}"),
                    ))
                }
            }
            let seq = u32::try_from(row.events.len()).unwrap_or(u32::MAX);
            let (to, action) = if approve {
                ("approved", "microdata.approve")
            } else {
                ("refused", "microdata.refuse")
            };
            let event = decision_event(&st, &caller, seq + 1, "requested", to, &reasons);
            let a = audit(&st, &caller, action, id, &row.purpose);
            let moved = store
                .move_microdata_request(id, &[event], None, &a)
                .map_err(not_found(id))?;
            Ok(dto(&moved))
        })
        .await?;
    if moved.status == "approved" {
        start_build(state, id);
    }
    Ok(with_job(state, moved))
}

/// Starts building the extract of approved request `id` in the background, unless it is being
/// built already.
fn start_build(state: &AppState, id: i64) {
    let Some(job) = state.extract_jobs().start(id, state.now()) else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        match build(&state, id, &job).await {
            Ok(status) => {
                tracing::info!(request = id, status, "microdata extract built");
                state.extract_jobs().finish(&job);
            }
            Err(e) => {
                // ids and error kinds only: the detail stays with the job
                tracing::error!(
                    request = id,
                    code = e.code.as_str(),
                    "building a microdata extract failed; the request stays approved"
                );
                job.fail(&e.detail);
            }
        }
    });
}

/// Builds the extracts of the requests left approved without outcome (the server stopped while
/// building them), in the background.
pub(crate) fn resume(state: &AppState) {
    let st = state.clone();
    tokio::spawn(async move {
        let approved = st
            .blocking(|store, _| Ok(store.approved_microdata_requests()?))
            .await;
        match approved {
            Ok(ids) => {
                for id in ids {
                    tracing::info!(request = id, "building an approved microdata extract again");
                    start_build(&st, id);
                }
            }
            Err(e) => tracing::error!(
                code = e.code.as_str(),
                "cannot look for approved microdata extracts to build"
            ),
        }
    });
}

/// Builds, treats and seals the extract of approved request `id`, then records its release or
/// its refusal by the risk check (the request's final status). An error records nothing.
async fn build(state: &AppState, id: i64, job: &Arc<ExtractJob>) -> Result<&'static str, ApiError> {
    let level = state.microdata_level();
    let j = job.clone();
    // 1. Built and treated (in memory).
    let (row, treated) = state
        .blocking(move |store, _| {
            let row = store.microdata_request(id).map_err(not_found(id))?;
            if row.status() != "approved" {
                return Err(ApiError::new(
                    Code::Conflict,
                    format!("microdata request {id} is already {}", row.status()),
                ));
            }
            j.enter("building");
            let spec = ExtractSpec {
                kinds: row
                    .kinds
                    .iter()
                    .filter_map(|k| RecordKind::parse(k))
                    .collect(),
                first_year: row.first_year,
                last_year: row.last_year,
                variables: row.variables.clone(),
                quasi_identifiers: row.quasi_identifiers.clone(),
            };
            // a key for this extract alone, forgotten once the file is written
            let mut key = [0u8; 32];
            {
                use marsad_auth::rand_core::Rng as _;
                let mut rng = AppState::rng();
                for chunk in key.chunks_mut(8) {
                    chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
                }
            }
            let built = extracts::build(store, &spec, &key);
            key.fill(0);
            let built = built.map_err(|e| {
                ApiError::new(
                    Code::Internal,
                    match e {
                        // the request's own settings: safe to show
                        marsad_figures::FiguresError::Settings(why) => {
                            format!("the extract could not be built: {why}")
                        }
                        _ => "the extract could not be built (the store failed)".to_string(),
                    },
                )
            })?;
            j.set_rows(u64::try_from(built.rows.len()).unwrap_or(u64::MAX));
            j.enter("checking risk");
            let treated = extracts::release(
                &built,
                &spec.quasi_identifiers,
                Level {
                    k: u64::from(row.k),
                    max_risk: row.max_risk,
                    max_suppressed: level.max_suppressed,
                },
            );
            Ok((row, treated))
        })
        .await?;
    // 2. A released file is sealed in the vault, where the server has one, like every file.
    job.enter("sealing");
    let blob_id = match (&state.vault, treated.release) {
        (Some(vault), true) => Some(
            vault
                .put_stream(treated.csv.as_bytes(), &PutOptions::limit(u64::MAX))
                .await
                .map_err(|e| ApiError::internal("writing the extract to the vault", &e))?
                .id
                .to_string(),
        ),
        _ => None,
    };
    // 3. The risk check's outcome and the file's reference, in one transaction, after the
    // approval it follows (a change meanwhile makes this a conflict; a sealed blob left behind
    // then is removed by the vault's orphan cleanup). The approver stays the actor on record.
    job.enter("recording");
    let st = state.clone();
    state
        .blocking(move |store, _| {
            let now = st.now();
            let seq = u32::try_from(row.events.len()).unwrap_or(u32::MAX);
            let approval = row.events.last().cloned().ok_or_else(|| {
                ApiError::new(Code::Internal, "an approved request without its approval")
            })?;
            let actor = approval
                .actor
                .split_once(':')
                .and_then(|(kind, id)| Actor::from_parts(kind, id.to_string()))
                .unwrap_or_else(|| Actor::System("microdata".into()));
            let entry = |action: &str| AuditEvent {
                at: now,
                actor: actor.clone(),
                institution: approval.institution.clone(),
                action: action.into(),
                object: Some(object(id)),
                purpose: Purpose::parse(&row.purpose).ok(),
                outcome: Outcome::Success,
            };
            let report = Some(treated.report_json.to_string());
            if treated.release {
                let sha: String = Sha256::digest(treated.csv.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let released = MicrodataEvent {
                    seq: seq + 1,
                    from: "approved".into(),
                    to: "released".into(),
                    actor: approval.actor.clone(),
                    actor_name: approval.actor_name.clone(),
                    institution: approval.institution.clone(),
                    reasons: Some(format!(
                        "re-identification risk below the level in force (k = {}, largest risk {})",
                        row.k, row.max_risk
                    )),
                    report,
                    file_ref: Some(format!("sha256:{sha}")),
                    at: now,
                };
                let file = MicrodataExtract {
                    request_id: id,
                    sha256: sha,
                    rows: u64::try_from(treated.rows).unwrap_or(u64::MAX),
                    content: if blob_id.is_some() {
                        String::new()
                    } else {
                        treated.csv
                    },
                    blob_id,
                    created_at: now,
                };
                store
                    .move_microdata_request(
                        id,
                        &[released],
                        Some(&file),
                        &entry("microdata.release"),
                    )
                    .map_err(not_found(id))?;
                Ok("released")
            } else {
                let refused = MicrodataEvent {
                    seq: seq + 1,
                    from: "approved".into(),
                    to: "refused".into(),
                    actor: RISK_CHECK.into(),
                    actor_name: "risk check".into(),
                    institution: None,
                    reasons: Some(format!(
                        "re-identification risk above the level in force: {}",
                        treated.reasons.join("; ")
                    )),
                    report,
                    file_ref: None,
                    at: now,
                };
                store
                    .move_microdata_request(id, &[refused], None, &entry("microdata.refuse-risk"))
                    .map_err(not_found(id))?;
                Ok("refused")
            }
        })
        .await
}

/// An event of a data-protection officer's decision.
fn decision_event(
    state: &AppState,
    caller: &Caller,
    seq: u32,
    from: &str,
    to: &str,
    reasons: &Option<String>,
) -> MicrodataEvent {
    MicrodataEvent {
        seq,
        from: from.into(),
        to: to.into(),
        actor: actor_text(caller),
        actor_name: caller.name.clone(),
        institution: caller.institution().map(str::to_string),
        reasons: reasons.clone(),
        report: None,
        file_ref: None,
        at: state.now(),
    }
}

/// The requester withdraws a request not decided yet.
#[utoipa::path(post, path = "/api/v1/microdata/requests/{id}/withdrawal", tag = "microdata",
    params(("id" = i64, Path)),
    responses((status = 200, body = MicrodataRequestDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MicrodataRequestDto>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let row = admitted(store, &permit, id)?;
            if row.requester != actor_text(&caller) {
                return Err(ApiError::new(
                    Code::Forbidden,
                    "only its requester withdraws a request",
                ));
            }
            if row.status() != "requested" {
                return Err(ApiError::new(
                    Code::Conflict,
                    format!("microdata request {id} is already {}", row.status()),
                ));
            }
            let event = MicrodataEvent {
                seq: u32::try_from(row.events.len()).unwrap_or(u32::MAX) + 1,
                from: "requested".into(),
                to: "withdrawn".into(),
                actor: actor_text(&caller),
                actor_name: caller.name.clone(),
                institution: caller.institution().map(str::to_string),
                reasons: None,
                report: None,
                file_ref: None,
                at: st.now(),
            };
            let a = audit(&st, &caller, "microdata.withdraw", id, &row.purpose);
            let moved = store
                .move_microdata_request(id, &[event], None, &a)
                .map_err(not_found(id))?;
            Ok(dto(&moved))
        })
        .await?;
    Ok(Json(out))
}

/// The released extract as CSV, for its requester (each download audited with the purpose).
#[utoipa::path(get, path = "/api/v1/microdata/requests/{id}/extract", tag = "microdata",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", description = "pseudonym, then the variables; a suppressed or unknown value is empty"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not released", body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (name, csv) = file(&state, &caller, &permit, id).await?;
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The file name and content of a released extract, audited.
pub(crate) async fn file(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    id: i64,
) -> Result<(String, String), ApiError> {
    let (st, caller, permit) = (state.clone(), caller.clone(), permit.clone());
    let x = state
        .blocking(move |store, _| {
            let row = admitted(store, &permit, id)?;
            if row.requester != actor_text(&caller) {
                return Err(ApiError::new(
                    Code::Forbidden,
                    "an extract is released to the researcher who requested it",
                ));
            }
            if row.status() != "released" {
                return Err(ApiError::new(
                    Code::Conflict,
                    format!("microdata request {id} is {}, not released", row.status()),
                ));
            }
            let x = store.microdata_extract(id).map_err(not_found(id))?;
            AppState::audit_all(
                store,
                &[audit(&st, &caller, "microdata.download", id, &row.purpose)],
            )?;
            Ok(x)
        })
        .await?;
    let name = format!("marsad-extract-{id}.csv");
    let Some(blob) = x.blob_id else {
        return Ok((name, x.content));
    };
    let blob = BlobId::parse(&blob).ok_or_else(|| {
        ApiError::new(
            Code::Internal,
            "the extract's vault reference is unreadable",
        )
    })?;
    let bytes = state
        .vault()?
        .get_stream(&blob)
        .await
        .map_err(|e| ApiError::internal("reading the extract from the vault", &e))?
        .to_vec()
        .await
        .map_err(|e| ApiError::internal("reading the extract from the vault", &e))?;
    let csv = String::from_utf8(bytes)
        .map_err(|e| ApiError::internal("reading the extract from the vault", &e))?;
    Ok((name, csv))
}
