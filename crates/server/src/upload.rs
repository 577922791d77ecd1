//! The automatic submission path: institutions' systems POST a file to
//! `/api/v1/sources/{name}/submissions`, as `multipart/form-data` (part `file`, optional part
//! `mapping` with the mapping TOML) or as a raw CSV, XLSX or JSON Lines body.
//!
//! The body is streamed to a temporary file under the upload folder, never held in memory, and
//! counted against the upload limit as it arrives. The import then runs on the blocking pool; the
//! temporary file is deleted when it ends, or when the request is dropped half way.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError};
use marsad_ingest::{Disposition, ImportRequest};
use tempfile::NamedTempFile;
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::api::find_source;
use crate::caller::Caller;
use crate::dto::UploadQuery;
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// Largest mapping part accepted.
const MAX_MAPPING_BYTES: u64 = 1 << 20;
/// Prefix of spooled uploads (anything with it in the upload folder at start is a leftover).
const SPOOL_PREFIX: &str = "upload-";

/// Raw body media types and the file extension recorded for them.
const RAW_TYPES: [(&str, &str); 5] = [
    ("text/csv", "csv"),
    ("application/csv", "csv"),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    ("application/x-ndjson", "jsonl"),
    ("application/jsonl", "jsonl"),
];

/// Creates the upload folder and removes uploads left behind by an earlier crash.
pub(crate) async fn prepare_incoming(dir: &Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(SPOOL_PREFIX)
        {
            if let Err(e) = tokio::fs::remove_file(entry.path()).await {
                tracing::warn!(error = %e, "cannot remove a leftover upload");
            }
        }
    }
    Ok(())
}

/// Submits a file to a source.
#[utoipa::path(post, path = "/api/v1/sources/{name}/submissions", tag = "submissions",
    params(("name" = String, Path, description = "Source name"), UploadQuery),
    request_body(description = "multipart/form-data with part `file` (and optional part `mapping`, the mapping TOML text), or the raw file as text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/x-ndjson",
        content(
            (crate::dto::UploadForm = "multipart/form-data"),
            (crate::dto::RawFile = "text/csv"),
            (crate::dto::RawFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (crate::dto::RawFile = "application/x-ndjson"),
        )),
    responses(
        (status = 201, description = "Imported; `Location` names the submission", body = crate::dto::ImportReportDto),
        (status = 200, description = "The same file with the same mapping was already imported: nothing changed", body = crate::dto::ImportReportDto),
        (status = 202, description = "With `wait=false`: the import goes on; `Location` names the import job to poll", body = crate::dto::ImportJobDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The whole file was refused; `report` holds the import report", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    permit: crate::access::Permit,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let max = state.max_upload_bytes;
    if let Some(length) = content_length(request.headers()) {
        if length > max.saturating_add(crate::MULTIPART_OVERHEAD) {
            return Err(ApiError::too_large(max));
        }
    }
    let source_name = name.clone();
    state
        .blocking(move |store, _| find_source(store, &source_name).map(|_| ()))
        .await?;

    let spool = spool(&state.incoming).await?;
    let received = receive(request, &spool, max, query.file_name).await?;
    // Submitting is submitting records of each kind the mapping yields, for the source's owner.
    let kinds: Vec<marsad_model::RecordKind> = match received.mapping.as_deref() {
        Some(text) => marsad_ingest::Mapping::parse(text)?
            .records
            .iter()
            .map(|r| r.kind)
            .collect(),
        None => vec![marsad_model::RecordKind::Person],
    };
    let source_name = name.clone();
    state
        .blocking(move |store, _| {
            let source = find_source(store, &source_name)?;
            let institutions = crate::records::Institutions::load(store)?;
            let origin = institutions.origin(source.institution.as_deref());
            for k in kinds {
                permit.also(
                    marsad_policy::Action::Submit,
                    marsad_policy::Resource::Record(k),
                    Some(origin),
                )?;
            }
            Ok(())
        })
        .await?;

    let job = state
        .jobs()
        .start(&name, &received.file_name, state.clock.now());
    let run = {
        let state = state.clone();
        let job = job.clone();
        async move {
            let response = import(&state, caller, name, spool, received, job.clone()).await;
            let (status, body) = match &response {
                Ok((status, body, _)) => (*status, body.clone()),
                Err(e) => (e.http_status(), e.problem_json()),
            };
            job.finish(status, body);
            response
        }
    };
    if query.wait == Some(false) {
        // The import goes on after the answer; its progress and outcome are at the job's URL.
        tokio::spawn(run);
        let location = format!("/api/v1/imports/{}", job.id);
        let body = crate::api::job_json(&job);
        let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
        if let Ok(value) = header::HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return Ok(response);
    }
    let (status, body, location) = run.await?;
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        let name = if status == StatusCode::CREATED {
            header::LOCATION
        } else {
            header::CONTENT_LOCATION
        };
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

/// Runs the import of a received upload and turns its outcome into the answer: the status, the
/// report and the submission's URL (or the problem for a refused file).
async fn import(
    state: &AppState,
    caller: Caller,
    name: String,
    spool: NamedTempFile,
    received: Received,
    job: std::sync::Arc<crate::jobs::Job>,
) -> Result<(StatusCode, serde_json::Value, String), ApiError> {
    let metrics = state.metrics().clone();
    let actor = caller.actor();
    let institution = caller.institution().map(str::to_string);
    let outcome = state
        .blocking(move |store, clock| {
            let result = marsad_ingest::import_file(
                store,
                &ImportRequest {
                    source: &name,
                    path: spool.path(),
                    file_name: Some(&received.file_name),
                    mapping: received.mapping.as_deref(),
                    submitted_by: &caller.name,
                },
                clock,
                job.as_ref(),
            );
            if let Err(e) = spool.close() {
                tracing::warn!(error = %e, "cannot remove a spooled upload");
            }
            if let Ok(outcome) = &result {
                let sub = &outcome.report.submission;
                store.audit_append(&marsad_auth::AuditEvent {
                    at: clock.now(),
                    actor,
                    institution,
                    action: format!("import {name} ({})", sub.status.as_str()),
                    object: Some(marsad_auth::AuditObject {
                        kind: "submission".into(),
                        id: sub.id.0.to_string(),
                    }),
                    purpose: None,
                    outcome: marsad_auth::Outcome::Success,
                })?;
            }
            Ok(result)
        })
        .await?;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            metrics.observe_import("failed", 0, 0, 0);
            return Err(e.into());
        }
    };
    let s = &outcome.report.submission;
    let label = match outcome.disposition {
        Disposition::Imported => "imported",
        Disposition::Resumed => "resumed",
        Disposition::AlreadyImported => "already_imported",
        Disposition::Rejected => "rejected",
    };
    let counted = outcome.disposition != Disposition::AlreadyImported;
    let (accepted, unchanged) = marsad_ingest::reported_counts(s, Some(outcome.disposition));
    metrics.observe_import(
        label,
        accepted,
        unchanged,
        if counted { s.rejected } else { 0 },
    );
    if s.status == marsad_store::SubmissionStatus::Complete && accepted > 0 {
        // New or changed records: the published statistics follow, in the background.
        crate::statistics::refresh_in_background(state);
    }
    let location = format!("/api/v1/submissions/{}", s.id.0);
    let body = outcome.to_json();
    match outcome.disposition {
        Disposition::Imported | Disposition::Resumed => Ok((StatusCode::CREATED, body, location)),
        Disposition::AlreadyImported => Ok((StatusCode::OK, body, location)),
        Disposition::Rejected => {
            let reason = s
                .error
                .clone()
                .unwrap_or_else(|| "the file was refused".to_string());
            Err(ApiError::new(Code::FileRejected, reason).with_report(body))
        }
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A new, empty spool file (deleted when dropped).
async fn spool(incoming: &Path) -> Result<NamedTempFile, ApiError> {
    let dir: PathBuf = incoming.to_path_buf();
    let created = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        tempfile::Builder::new()
            .prefix(SPOOL_PREFIX)
            .suffix(".part")
            .tempfile_in(&dir)
    })
    .await
    .map_err(|e| ApiError::internal("preparing the upload", &e))?;
    created.map_err(|e| ApiError::internal("preparing the upload", &e))
}

struct Received {
    file_name: String,
    mapping: Option<String>,
}

/// Streams the request's file into `spool`.
async fn receive(
    request: Request,
    spool: &NamedTempFile,
    max: u64,
    query_name: Option<String>,
) -> Result<Received, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let file = spool
        .as_file()
        .try_clone()
        .map_err(|e| ApiError::internal("preparing the upload", &e))?;
    let mut writer = BufWriter::with_capacity(1 << 20, tokio::fs::File::from_std(file));

    let received = if essence == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let mut file_name = None;
        let mut mapping = None;
        let mut has_file = false;
        while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("file") if !has_file => {
                    has_file = true;
                    file_name = field.file_name().map(str::to_string);
                    let mut written = 0u64;
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        written += chunk.len() as u64;
                        if written > max {
                            return Err(ApiError::too_large(max));
                        }
                        write(&mut writer, &chunk).await?;
                    }
                }
                Some("mapping") if mapping.is_none() => {
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        bytes.extend_from_slice(&chunk);
                        if bytes.len() as u64 > MAX_MAPPING_BYTES {
                            return Err(ApiError::new(
                                Code::PayloadTooLarge,
                                format!("the mapping part exceeds {MAX_MAPPING_BYTES} bytes"),
                            ));
                        }
                    }
                    let text = String::from_utf8(bytes).map_err(|_| {
                        ApiError::new(Code::MappingInvalid, "the mapping part is not UTF-8 text")
                    })?;
                    // An empty part is no mapping (a form's file field left empty).
                    if !text.trim().is_empty() {
                        mapping = Some(text);
                    }
                }
                // Other parts are read past and ignored.
                _ => while field.chunk().await.map_err(multipart_error)?.is_some() {},
            }
        }
        if !has_file {
            return Err(ApiError::bad_request(
                "the multipart body has no part named 'file'",
            ));
        }
        Received {
            file_name: clean_name(file_name.or(query_name), "upload"),
            mapping,
        }
    } else {
        let Some((_, ext)) = RAW_TYPES.iter().find(|(t, _)| *t == essence) else {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                if essence.is_empty() {
                    "the request has no Content-Type".to_string()
                } else {
                    format!("cannot read a body of type '{essence}'")
                },
            ));
        };
        let mut body: Body = request.into_body();
        let mut written = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(body_error)?;
            if let Ok(chunk) = frame.into_data() {
                written += chunk.len() as u64;
                if written > max {
                    return Err(ApiError::too_large(max));
                }
                write(&mut writer, &chunk).await?;
            }
        }
        Received {
            file_name: clean_name(query_name, &format!("upload.{ext}")),
            mapping: None,
        }
    };
    writer
        .flush()
        .await
        .map_err(|e| ApiError::internal("storing the upload", &e))?;
    Ok(received)
}

async fn write(writer: &mut BufWriter<tokio::fs::File>, chunk: &[u8]) -> Result<(), ApiError> {
    writer
        .write_all(chunk)
        .await
        .map_err(|e| ApiError::internal("storing the upload", &e))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            Code::PayloadTooLarge,
            "the request body is larger than the server accepts",
        )
    } else {
        ApiError::bad_request(format!(
            "the multipart body could not be read: {}",
            e.body_text()
        ))
    }
}

fn body_error(e: axum::Error) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.is::<LengthLimitError>() {
            return ApiError::new(
                Code::PayloadTooLarge,
                "the request body is larger than the server accepts",
            );
        }
        cause = c.source();
    }
    ApiError::bad_request("the upload was interrupted before its end")
}

/// The file name to record: its last path component, without control characters, at most 255
/// characters; `default` when nothing is left.
fn clean_name(name: Option<String>, default: &str) -> String {
    let name = name.unwrap_or_default();
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        default.to_string()
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    fn check(input: Option<&str>, expected: &str) {
        assert_eq!(clean_name(input.map(str::to_string), "upload"), expected);
    }

    #[test]
    fn file_names_are_cleaned() {
        check(None, "upload");
        check(Some(""), "upload");
        check(Some("persons.csv"), "persons.csv");
        check(Some("C:\\exports\\persons.csv"), "persons.csv");
        check(Some("../../etc/passwd"), "passwd");
        check(Some(".."), "upload");
        check(Some("a\nb.csv"), "ab.csv");
        check(Some("سجل.csv"), "سجل.csv");
    }
}
