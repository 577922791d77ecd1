//! Handlers of the JSON API (all but the upload, in `upload.rs`), `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_store::{QuarantineFilter, QuarantineId, QuarantineStatus, Source, Store, SubmissionId};

use crate::access::Permit;
use crate::caller::Caller;
use crate::dto::*;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::records::Institutions;
use crate::AppState;

/// Bounds a `limit` parameter.
pub(crate) fn limit(value: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
        Some(n) if n > max => Err(ApiError::bad_request(format!(
            "limit must be at most {max}"
        ))),
        Some(n) => Ok(n),
    }
}

pub(crate) fn find_source(store: &dyn Store, name: &str) -> Result<Source, ApiError> {
    store
        .source(name)?
        .ok_or_else(|| ApiError::source_not_found(name))
}

/// The audit entry of reading one quarantined row.
fn quarantine_read(
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    e: &marsad_store::QuarantineEntry,
) -> marsad_auth::AuditEvent {
    marsad_auth::AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action: format!("read quarantine ({})", e.source_name),
        object: Some(marsad_auth::AuditObject {
            kind: "quarantine".into(),
            id: e.id.0.to_string(),
        }),
        purpose: permit.purpose().cloned(),
        outcome: marsad_auth::Outcome::Success,
    }
}

/// Admits `source`'s data (by the institution that owns it) through the request's permit.
pub(crate) fn admit_source(
    store: &dyn Store,
    permit: &Permit,
    source: &Source,
) -> Result<(), ApiError> {
    let institutions = Institutions::load(store)?;
    permit
        .admit(institutions.origin(source.institution.as_deref()))
        .map(|_| ())
}

/// Admits the data of the source named `name`.
pub(crate) fn admit_source_named(
    store: &dyn Store,
    permit: &Permit,
    name: &str,
) -> Result<(), ApiError> {
    admit_source(store, permit, &find_source(store, name)?)
}

/// Liveness and store check.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "The server and its store answer", body = Health),
        (status = 503, description = "The store does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let health = state
        .blocking(|store, _| {
            let schema_version = store.schema_version().map_err(|e| {
                // Any store failure here means "not healthy", whatever its kind.
                let mut api = ApiError::from(e);
                api.code = crate::error::Code::StoreUnavailable;
                api
            })?;
            Ok(Health {
                status: "ok".to_string(),
                database: store.backend().to_string(),
                schema_version,
            })
        })
        .await?;
    Ok(Json(health))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let records = state
        .blocking(|store, _| Ok(store.count_records()?))
        .await
        .ok()
        .map(|counts| {
            counts
                .into_iter()
                .map(|k| (k.kind, k.records))
                .collect::<Vec<_>>()
        });
    let text = state.metrics().render(records.as_deref());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Producing institutions.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "sources",
    responses((status = 200, body = Vec<InstitutionDto>)))]
pub async fn institutions(
    State(state): State<AppState>,
) -> Result<Json<Vec<InstitutionDto>>, ApiError> {
    let list = state.blocking(|store, _| Ok(store.institutions()?)).await?;
    Ok(Json(list.into_iter().map(InstitutionDto::from).collect()))
}

/// Registered data sources.
#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    responses((status = 200, body = Vec<SourceDto>)))]
pub async fn sources(State(state): State<AppState>) -> Result<Json<Vec<SourceDto>>, ApiError> {
    let list = state.blocking(|store, _| Ok(store.sources()?)).await?;
    Ok(Json(list.into_iter().map(SourceDto::from).collect()))
}

/// One data source.
#[utoipa::path(get, path = "/api/v1/sources/{name}", tag = "sources",
    params(("name" = String, Path, description = "Source name")),
    responses(
        (status = 200, body = SourceDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn source(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<SourceDto>, ApiError> {
    let source = state
        .blocking(move |store, _| find_source(store, &name))
        .await?;
    Ok(Json(source.into()))
}

/// Submissions of a source, newest first.
#[utoipa::path(get, path = "/api/v1/sources/{name}/submissions", tag = "submissions",
    params(("name" = String, Path, description = "Source name"), LimitQuery),
    responses(
        (status = 200, body = SubmissionList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submissions(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<LimitQuery>,
) -> Result<Json<SubmissionList>, ApiError> {
    let limit = limit(query.limit, 50, 1000)?;
    let list = state
        .blocking(move |store, _| {
            let source = find_source(store, &name)?;
            admit_source(store, &permit, &source)?;
            Ok(store.submissions(Some(source.id), limit)?)
        })
        .await?;
    Ok(Json(SubmissionList {
        submissions: list.into_iter().map(SubmissionDto::from).collect(),
    }))
}

/// The import job as JSON (what `GET /api/v1/imports/{id}` answers).
pub fn job_json(job: &crate::jobs::Job) -> serde_json::Value {
    let (bytes_done, bytes_total, rows) = job.progress();
    let outcome = job.outcome();
    let dto = crate::dto::ImportJobDto {
        id: job.id,
        source: job.source.clone(),
        file: job.file_name.clone(),
        started_at: job.started_at.to_rfc3339(),
        phase: job.phase_name().to_string(),
        bytes_done,
        bytes_total,
        rows,
        status: outcome.as_ref().map(|(status, _)| status.as_u16()),
        result: outcome.map(|(_, body)| body),
    };
    serde_json::to_value(dto).unwrap_or_default()
}

/// Imports running on this server or recently finished (newest first).
#[utoipa::path(get, path = "/api/v1/imports", tag = "submissions",
    responses((status = 200, body = [crate::dto::ImportJobDto])))]
pub async fn imports(
    State(state): State<AppState>,
    permit: Permit,
) -> Result<Json<serde_json::Value>, ApiError> {
    let jobs = state.jobs().list();
    let shown = state
        .blocking(move |store, _| {
            permit.grant();
            Ok(jobs
                .iter()
                .filter(|j| admit_source_named(store, &permit, &j.source).is_ok())
                .map(|j| job_json(j))
                .collect())
        })
        .await?;
    Ok(Json(serde_json::Value::Array(shown)))
}

/// One import job: its phase and progress while it runs, its outcome when done.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "submissions",
    params(("id" = u64, Path, description = "Import job id")),
    responses(
        (status = 200, body = crate::dto::ImportJobDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_job(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(id): ApiPath<u64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = state.jobs().get(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "import {id} not found (jobs are kept in memory until the server restarts)"
        ))
    })?;
    let source = job.source.clone();
    state
        .blocking(move |store, _| admit_source_named(store, &permit, &source))
        .await?;
    Ok(Json(job_json(&job)))
}

/// One submission.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions",
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 200, body = SubmissionDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submission(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SubmissionDto>, ApiError> {
    let s = state
        .blocking(move |store, _| {
            let s = store.submission(SubmissionId(id))?;
            admit_source_named(store, &permit, &s.source_name)?;
            Ok(s)
        })
        .await?;
    Ok(Json(s.into()))
}

/// The import report of a submission.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/report", tag = "submissions",
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 200, body = ImportReportDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let report = state
        .blocking(move |store, _| {
            let s = store.submission(SubmissionId(id))?;
            admit_source_named(store, &permit, &s.source_name)?;
            Ok(store.report(SubmissionId(id))?)
        })
        .await?;
    Ok(Json(marsad_ingest::report_json(&report, None)))
}

/// Quarantined rows, filtered and keyset-paged by id.
#[utoipa::path(get, path = "/api/v1/quarantine", tag = "quarantine",
    params(QuarantineQuery),
    responses(
        (status = 200, body = QuarantineList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown source", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn quarantine(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiQuery(query): ApiQuery<QuarantineQuery>,
) -> Result<Json<QuarantineList>, ApiError> {
    let limit = limit(query.limit, 100, 10_000)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            QuarantineStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("status must be one of open, resolved, dismissed")
            })
        })
        .transpose()?;
    let st = state.clone();
    let entries = state
        .blocking(move |store, _| {
            let source = match query.source.as_deref() {
                Some(name) => {
                    let s = find_source(store, name)?;
                    admit_source(store, &permit, &s)?;
                    Some(s.id)
                }
                None => None,
            };
            let entries = store.quarantine(&QuarantineFilter {
                source,
                submission: query.submission.map(SubmissionId),
                status,
                after: query.after.map(QuarantineId),
                limit: Some(limit),
            })?;
            permit.grant();
            let sources = store.sources()?;
            let institutions = Institutions::load(store)?;
            let admitted = |e: &marsad_store::QuarantineEntry| {
                let owner = sources
                    .iter()
                    .find(|s| s.id == e.source_id)
                    .and_then(|s| s.institution.as_deref());
                permit.admit(institutions.origin(owner)).is_ok()
            };
            // The cursor follows what was read, so paging goes on past rows not shown.
            let next = match entries.last() {
                Some(last) if entries.len() as u64 >= u64::from(limit) => Some(last.id.0),
                _ => None,
            };
            let shown: Vec<_> = entries.into_iter().filter(|e| admitted(e)).collect();
            // Rejected rows are personal data as submitted: their reading is on the record.
            let events: Vec<_> = shown
                .iter()
                .map(|e| quarantine_read(&st, &caller, &permit, e))
                .collect();
            AppState::audit_all(store, &events)?;
            Ok((shown, next))
        })
        .await?;
    let (entries, next_after) = entries;
    let entries = entries
        .into_iter()
        .map(QuarantineEntryDto::from_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(QuarantineList {
        entries,
        next_after,
    }))
}

/// One quarantined row.
#[utoipa::path(get, path = "/api/v1/quarantine/{id}", tag = "quarantine",
    params(("id" = i64, Path, description = "Quarantine entry id")),
    responses(
        (status = 200, body = QuarantineEntryDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn quarantine_entry(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuarantineEntryDto>, ApiError> {
    let st = state.clone();
    let entry = state
        .blocking(move |store, _| {
            let e = store.quarantine_entry(QuarantineId(id))?;
            admit_source_named(store, &permit, &e.source_name)?;
            AppState::audit_all(store, &[quarantine_read(&st, &caller, &permit, &e)])?;
            Ok(e)
        })
        .await?;
    Ok(Json(QuarantineEntryDto::from_entry(entry)?))
}

/// Stores a correction of a quarantined row (the original is kept). Resubmit to apply it.
#[utoipa::path(put, path = "/api/v1/quarantine/{id}/correction", tag = "quarantine",
    params(("id" = i64, Path, description = "Quarantine entry id")),
    request_body(content = Correction, description = "Column name -> corrected value"),
    responses(
        (status = 200, description = "The entry with its correction", body = QuarantineEntryDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn correct(
    State(state): State<AppState>,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(Correction(columns)): ApiJson<Correction>,
) -> Result<Json<QuarantineEntryDto>, ApiError> {
    if columns.is_empty() {
        return Err(ApiError::bad_request(
            "the correction must name at least one column",
        ));
    }
    if let Some((column, _)) = columns.iter().find(|(_, v)| v.is_object() || v.is_array()) {
        return Err(ApiError::bad_request(format!(
            "the value of column '{column}' must be a string, number, boolean or null"
        )));
    }
    let text = serde_json::Value::Object(columns).to_string();
    let entry = state
        .blocking(move |store, _| {
            let id = QuarantineId(id);
            let e = store.quarantine_entry(id)?;
            let source = find_source(store, &e.source_name)?;
            admit_source(store, &permit, &source)?;
            // Correcting a row is correcting records of each kind it yields.
            let institutions = Institutions::load(store)?;
            let origin = institutions.origin(source.institution.as_deref());
            for (kind, _) in &e.keys {
                if let Some(k) = marsad_model::RecordKind::parse(kind) {
                    permit.also(
                        marsad_policy::Action::Correct,
                        marsad_policy::Resource::Record(k),
                        Some(origin),
                    )?;
                }
            }
            store.correct_quarantine(id, &text)?;
            Ok(store.quarantine_entry(id)?)
        })
        .await?;
    Ok(Json(QuarantineEntryDto::from_entry(entry)?))
}

/// Re-validates corrected quarantine entries of a source as new submissions.
#[utoipa::path(post, path = "/api/v1/sources/{name}/quarantine/resubmit", tag = "quarantine",
    params(("name" = String, Path, description = "Source name")),
    request_body(content = Option<ResubmitRequest>, description = "Entries to resubmit; all open corrected entries when absent"),
    responses(
        (status = 200, body = ResubmitResponse),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resubmit(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(name): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<ResubmitResponse>, ApiError> {
    let request: ResubmitRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ResubmitRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!("the body is not a resubmit request: {e}"))
        })?
    };
    let metrics = state.metrics().clone();
    let outcomes = state
        .blocking(move |store, clock| {
            admit_source_named(store, &permit, &name)?;
            let ids: Option<Vec<QuarantineId>> = request
                .ids
                .map(|ids| ids.into_iter().map(QuarantineId).collect());
            Ok(marsad_ingest::resubmit_quarantine(
                store,
                &name,
                ids.as_deref(),
                &caller.name,
                clock,
            )?)
        })
        .await?;
    let reports = outcomes
        .iter()
        .map(|o| {
            let s = &o.report.submission;
            metrics.observe_import("imported", s.accepted, s.unchanged, s.rejected);
            o.to_json()
        })
        .collect();
    Ok(Json(ResubmitResponse { reports }))
}

/// Count of current records per kind.
#[utoipa::path(get, path = "/api/v1/stats/records", tag = "records",
    responses((status = 200, body = RecordStats)))]
pub async fn record_stats(State(state): State<AppState>) -> Result<Json<RecordStats>, ApiError> {
    let counts = state
        .blocking(|store, _| Ok(store.count_records()?))
        .await?;
    let total = counts.iter().map(|k| k.records).sum();
    Ok(Json(RecordStats {
        kinds: counts.into_iter().map(KindCountDto::from).collect(),
        total,
    }))
}
