//! Case files through the API: a person's dossiers (`/api/v1/persons/{number}/dossiers`, the
//! person named by the 12-digit unified number), one dossier with its current entries and
//! attachments, its status, and its typed entries (note, decision, document, referral), every
//! change of which is a new version with its history. Attachments are in [`crate::attachments`].
//!
//! Access: every route acts on the resource `dossier`; a dossier's origin is the institution
//! that keeps it, admitted through the request's permit before anything is answered (case
//! workers keep their own institution's dossiers; enforcement services are refused by the
//! firewall before the handler runs). A dossier is always opened for the caller's own
//! institution.
//!
//! Audit: each reading (object `person` and the unified number, with the stated purpose) is
//! appended to the trail before the data leaves; each change appends its event in the same
//! transaction as the change itself (the store's dossier methods take it), so a change is on
//! record or does not happen.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::{AuditEvent, AuditObject, Outcome};
use marsad_model::UnifiedNumber;
use marsad_store::{
    Dossier, DossierChange, DossierId, DossierStatus, EntryChange, EntryId, EntryKind,
    EntryVersion, NewDossier, NewEntry, PersonNumber, Store, StoreError, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::attachments::AttachmentDto;
use crate::caller::Caller;
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::records::Institutions;
use crate::AppState;

/// Longest dossier title, in characters.
const MAX_TITLE_CHARS: usize = 500;
/// Longest entry text, in characters (a long report belongs in an attachment).
const MAX_ENTRY_CHARS: usize = 100_000;

pub(crate) fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A unified number as the API shows it: 12 digits.
pub(crate) fn digits(n: PersonNumber) -> String {
    format!("{:012}", n.0)
}

/// A dossier as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierDto {
    pub id: i64,
    /// The person's unified number (the survivor, when the number it was opened under was merged).
    pub person: String,
    /// The number the dossier was opened under.
    pub opened_under: String,
    /// The keeping institution's short name.
    pub institution: String,
    pub title: String,
    /// `open` or `closed` (closed: read-only until reopened).
    pub status: String,
    /// 1 when opened; each change of title or status adds one.
    pub version: u32,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub changed_by: String,
    #[schema(format = DateTime)]
    pub changed_at: String,
}

impl From<Dossier> for DossierDto {
    fn from(d: Dossier) -> Self {
        DossierDto {
            id: d.id.0,
            person: digits(d.person),
            opened_under: digits(d.opened_under),
            institution: d.institution,
            title: d.title,
            status: d.status.as_str().to_string(),
            version: d.version,
            created_by: d.created_by,
            created_at: time(d.created_at),
            changed_by: d.changed_by,
            changed_at: time(d.changed_at),
        }
    }
}

/// The dossiers of one person that the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierList {
    /// The person's unified number (an alias is answered with its survivor).
    pub person: String,
    pub dossiers: Vec<DossierDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDossierRequest {
    /// Free text in any script (at most 500 characters).
    pub title: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// `open` or `closed`.
    pub status: String,
    /// The version the change is based on: refused (409) when the dossier changed since.
    pub version: Option<u32>,
}

/// One version of one entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    pub dossier: i64,
    /// `note`, `decision`, `document` or `referral`.
    pub kind: String,
    pub version: u32,
    pub text: String,
    /// Whether this version removes the entry.
    pub removed: bool,
    /// Who wrote this version, and when.
    pub author: String,
    #[schema(format = DateTime)]
    pub written_at: String,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<EntryVersion> for EntryDto {
    fn from(e: EntryVersion) -> Self {
        EntryDto {
            id: e.entry.0,
            dossier: e.dossier.0,
            kind: e.kind.as_str().to_string(),
            version: e.version,
            text: e.text,
            removed: e.removed,
            author: e.author,
            written_at: time(e.written_at),
            created_by: e.created_by,
            created_at: time(e.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEntryRequest {
    /// `note`, `decision`, `document` or `referral`.
    pub kind: String,
    /// Free text in any script.
    pub text: String,
}

/// A new version of an entry: new text, a removal (`removed: true`, the text is kept) or a
/// restoration (`removed: false`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryChangeRequest {
    /// The new text; absent keeps the current one.
    pub text: Option<String>,
    /// Absent keeps the entry as it is (removed or not).
    pub removed: Option<bool>,
    /// The version the change is based on: refused (409) when the entry changed since.
    pub version: Option<u32>,
}

/// Every version of an entry, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryHistory {
    pub versions: Vec<EntryDto>,
}

/// A dossier with its current entries and its attachments.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub dossier: DossierDto,
    /// The current version of each entry (removed ones only with `all=true`).
    pub entries: Vec<EntryDto>,
    /// Its attachments (withdrawn ones only with `all=true`).
    pub attachments: Vec<AttachmentDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DossierQuery {
    /// Also removed entries and withdrawn attachments.
    pub all: Option<bool>,
}

/// Parses the 12-digit unified number of a path.
pub(crate) fn parse_number(text: &str) -> Result<PersonNumber, ApiError> {
    UnifiedNumber::parse(text)
        .map(|n| PersonNumber(n.as_u64()))
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// A store error about a person: an unknown number is a clear 404.
pub(crate) fn person_error(number: PersonNumber) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound { what } if what.starts_with("person") => ApiError::not_found(
            format!("no person has the unified number {}", digits(number)),
        ),
        e => e.into(),
    }
}

/// A store refusal of a change (a closed dossier, a stale version, a limit, a second
/// withdrawal): the request's input was checked before, so it is a conflict with the state.
pub(crate) fn change_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(reason) => ApiError::new(Code::Conflict, reason),
        e => e.into(),
    }
}

/// Loads a dossier and admits it (by the institution that keeps it) through the permit; the
/// admitting rule's name, for the audit trail.
pub(crate) fn admitted(
    store: &dyn Store,
    permit: &Permit,
    id: DossierId,
) -> Result<(Dossier, String), ApiError> {
    let dossier = store.dossier(id)?;
    let institutions = Institutions::load(store)?;
    let view = permit.admit(institutions.origin(Some(&dossier.institution)))?;
    let rule = view.rule.to_string();
    Ok((dossier, rule))
}

/// The audit event of an action on a person's dossier.
pub(crate) fn event(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    action: String,
    person: PersonNumber,
) -> AuditEvent {
    AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action,
        object: Some(AuditObject {
            kind: "person".into(),
            id: digits(person),
        }),
        purpose: permit.purpose().cloned(),
        outcome: Outcome::Success,
    }
}

fn check_title(title: &str) -> Result<(), ApiError> {
    if title.trim().is_empty() {
        return Err(ApiError::bad_request("the title is empty"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad_request(format!(
            "the title is longer than {MAX_TITLE_CHARS} characters"
        )));
    }
    if title.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "the title must not hold control characters (line breaks included)",
        ));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("the entry's text is empty"));
    }
    if text.chars().count() > MAX_ENTRY_CHARS {
        return Err(ApiError::bad_request(format!(
            "the entry's text is longer than {MAX_ENTRY_CHARS} characters; attach a file instead"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::bad_request(
            "the entry's text must not hold control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

fn entry_kind(kind: &str) -> Result<EntryKind, ApiError> {
    EntryKind::parse(kind).ok_or_else(|| {
        let known: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::bad_request(format!(
            "unknown entry kind '{kind}' (known: {})",
            known.join(", ")
        ))
    })
}

/// The entry `entry` of dossier `id` (an entry of another dossier is not found here).
fn entry_of(store: &dyn Store, id: DossierId, entry: EntryId) -> Result<EntryVersion, ApiError> {
    let e = store.entry(entry)?;
    if e.dossier != id {
        return Err(ApiError::not_found(format!(
            "dossier {} has no entry {}",
            id.0, entry.0
        )));
    }
    Ok(e)
}

fn created(location: String, body: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The dossiers of a person that the caller's institution keeps (or may read).
#[utoipa::path(get, path = "/api/v1/persons/{number}/dossiers", tag = "dossiers",
    params(("number" = String, Path, description = "The person's 12-digit unified number")),
    responses(
        (status = 200, body = DossierList),
        (status = 400, description = "Not a unified number", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No person has this number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn person_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<DossierList>, ApiError> {
    let number = parse_number(&number)?;
    let st = state.clone();
    let list = state
        .blocking(move |store, _| {
            let all = store
                .person_dossiers(number)
                .map_err(person_error(number))?;
            let person = store.resolve_number(number)?;
            let institutions = Institutions::load(store)?;
            let grant = permit.grant();
            let purpose_given = permit.purpose().is_some();
            let mut dossiers = Vec::new();
            let mut rules = Vec::new();
            for d in all {
                if let Some(view) = grant.view(
                    Some(institutions.origin(Some(&d.institution))),
                    purpose_given,
                ) {
                    rules.push(format!("{} {}", d.id.0, view.rule));
                    dossiers.push(DossierDto::from(d));
                }
            }
            // Even an empty answer says something about the person: it is read on the record.
            let action = if rules.is_empty() {
                "dossier.list (none)".to_string()
            } else {
                format!("dossier.list ({})", rules.join(", "))
            };
            AppState::audit_all(store, &[event(&st, &caller, &permit, action, person)])?;
            Ok(DossierList {
                person: digits(person),
                dossiers,
            })
        })
        .await?;
    Ok(Json(list))
}

/// Opens a dossier about a person for the caller's institution.
#[utoipa::path(post, path = "/api/v1/persons/{number}/dossiers", tag = "dossiers",
    params(("number" = String, Path, description = "The person's 12-digit unified number")),
    request_body = NewDossierRequest,
    responses(
        (status = 201, description = "Opened; `Location` names it", body = DossierDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No person has this number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_dossier(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<NewDossierRequest>,
) -> Result<Response, ApiError> {
    let number = parse_number(&number)?;
    check_title(&body.title)?;
    let st = state.clone();
    let dossier = state
        .blocking(move |store, _| {
            let Some(institution) = caller.institution().map(str::to_string) else {
                return Err(ApiError::new(
                    Code::Forbidden,
                    "only members of an institution open dossiers",
                ));
            };
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&institution)))?;
            let person = store.resolve_number(number).map_err(person_error(number))?;
            let audit = event(&st, &caller, &permit, "dossier.open".to_string(), person);
            store
                .create_dossier(
                    &NewDossier {
                        person,
                        institution: &institution,
                        title: body.title.trim(),
                        actor: &caller.name,
                        at: st.now(),
                    },
                    &audit,
                )
                .map_err(person_error(number))
        })
        .await?;
    Ok(created(
        format!("/api/v1/dossiers/{}", dossier.id.0),
        DossierDto::from(dossier),
    ))
}

/// One dossier with its current entries and its attachments.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers",
    params(("id" = i64, Path), DossierQuery),
    responses(
        (status = 200, body = DossierView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn dossier(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<DossierQuery>,
) -> Result<Json<DossierView>, ApiError> {
    let all = query.all.unwrap_or(false);
    let st = state.clone();
    let view = state
        .blocking(move |store, _| {
            let (dossier, rule) = admitted(store, &permit, DossierId(id))?;
            let entries = store
                .dossier_entries(dossier.id)?
                .into_iter()
                .filter(|e| all || !e.removed)
                .map(EntryDto::from)
                .collect();
            let attachments = store
                .dossier_attachments(dossier.id)?
                .into_iter()
                .filter(|a| all || a.withdrawn.is_none())
                .map(AttachmentDto::from)
                .collect();
            let action = format!("dossier.read (dossier {id}, {rule})");
            AppState::audit_all(
                store,
                &[event(&st, &caller, &permit, action, dossier.person)],
            )?;
            Ok(DossierView {
                dossier: dossier.into(),
                entries,
                attachments,
            })
        })
        .await?;
    Ok(Json(view))
}

/// Opens or closes a dossier (a new version; a closed dossier takes no new entry or attachment).
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/status", tag = "dossiers",
    params(("id" = i64, Path)), request_body = StatusRequest,
    responses(
        (status = 200, body = DossierDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dossier changed since `version`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Json<DossierDto>, ApiError> {
    let status = DossierStatus::parse(&body.status).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown status '{}' (known: open, closed)",
            body.status
        ))
    })?;
    let st = state.clone();
    let dossier = state
        .blocking(move |store, _| {
            let (dossier, _) = admitted(store, &permit, DossierId(id))?;
            let audit = event(
                &st,
                &caller,
                &permit,
                format!("dossier.status {status} (dossier {id})"),
                dossier.person,
            );
            store
                .change_dossier(
                    dossier.id,
                    &DossierChange {
                        title: None,
                        status: Some(status),
                        expected_version: body.version,
                        actor: &caller.name,
                        at: st.now(),
                    },
                    &audit,
                )
                .map_err(change_error)
        })
        .await?;
    Ok(Json(dossier.into()))
}

/// Adds an entry to an open dossier.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/entries", tag = "dossiers",
    params(("id" = i64, Path)), request_body = NewEntryRequest,
    responses(
        (status = 201, description = "Added; `Location` names its history", body = EntryDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dossier is closed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_entry(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewEntryRequest>,
) -> Result<Response, ApiError> {
    let kind = entry_kind(&body.kind)?;
    check_text(&body.text)?;
    let st = state.clone();
    let entry = state
        .blocking(move |store, _| {
            let (dossier, _) = admitted(store, &permit, DossierId(id))?;
            let audit = event(
                &st,
                &caller,
                &permit,
                format!("dossier.entry.add {kind} (dossier {id})"),
                dossier.person,
            );
            store
                .add_entry(
                    &NewEntry {
                        dossier: dossier.id,
                        kind,
                        text: &body.text,
                        actor: &caller.name,
                        at: st.now(),
                    },
                    &audit,
                )
                .map_err(change_error)
        })
        .await?;
    Ok(created(
        format!("/api/v1/dossiers/{id}/entries/{}/history", entry.entry.0),
        EntryDto::from(entry),
    ))
}

/// Writes the next version of an entry: new text, its removal or its restoration.
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/entries/{entry}", tag = "dossiers",
    params(("id" = i64, Path), ("entry" = i64, Path)), request_body = EntryChangeRequest,
    responses(
        (status = 200, body = EntryDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dossier is closed, or the entry changed since `version`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_entry(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, entry)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<EntryChangeRequest>,
) -> Result<Json<EntryDto>, ApiError> {
    if let Some(text) = &body.text {
        check_text(text)?;
    }
    if body.text.is_none() && body.removed.is_none() {
        return Err(ApiError::bad_request(
            "give the new `text`, or `removed` to remove or restore the entry",
        ));
    }
    let st = state.clone();
    let changed = state
        .blocking(move |store, _| {
            let (dossier, _) = admitted(store, &permit, DossierId(id))?;
            let current = entry_of(store, dossier.id, EntryId(entry))?;
            let removed = body.removed.unwrap_or(current.removed);
            let what = match (body.removed, current.removed) {
                (Some(true), false) => "remove",
                (Some(false), true) => "restore",
                _ => "change",
            };
            let audit = event(
                &st,
                &caller,
                &permit,
                format!("dossier.entry.{what} (dossier {id}, entry {entry})"),
                dossier.person,
            );
            store
                .change_entry(
                    current.entry,
                    &EntryChange {
                        text: body.text.as_deref(),
                        removed,
                        expected_version: body.version,
                        actor: &caller.name,
                        at: st.now(),
                    },
                    &audit,
                )
                .map_err(change_error)
        })
        .await?;
    Ok(Json(changed.into()))
}

/// Every version of an entry, oldest first (removed versions included).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/entries/{entry}/history", tag = "dossiers",
    params(("id" = i64, Path), ("entry" = i64, Path)),
    responses(
        (status = 200, body = EntryHistory),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entry_history(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, entry)): ApiPath<(i64, i64)>,
) -> Result<Json<EntryHistory>, ApiError> {
    let st = state.clone();
    let history = state
        .blocking(move |store, _| {
            let (dossier, rule) = admitted(store, &permit, DossierId(id))?;
            entry_of(store, dossier.id, EntryId(entry))?;
            let versions = store
                .entry_history(EntryId(entry))?
                .into_iter()
                .map(EntryDto::from)
                .collect();
            let action = format!("dossier.entry.history (dossier {id}, entry {entry}, {rule})");
            AppState::audit_all(
                store,
                &[event(&st, &caller, &permit, action, dossier.person)],
            )?;
            Ok(EntryHistory { versions })
        })
        .await?;
    Ok(Json(history))
}
