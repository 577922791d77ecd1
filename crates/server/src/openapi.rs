//! The OpenAPI 3.1 description of the JSON API, built from the handlers' `#[utoipa::path]`
//! attributes and the DTOs, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use crate::dto::*;
use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "marsad API",
        description = "JSON API of marsad, the national migration information system. Errors are RFC 9457 problem+json documents with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        crate::api::healthz,
        crate::api::metrics,
        crate::api::institutions,
        crate::api::sources,
        crate::api::source,
        crate::api::submissions,
        crate::upload::submit,
        crate::api::imports,
        crate::api::import_job,
        crate::api::submission,
        crate::api::report,
        crate::api::quarantine,
        crate::api::quarantine_entry,
        crate::api::correct,
        crate::api::resubmit,
        crate::reviews::reviews,
        crate::reviews::review,
        crate::reviews::decide,
        crate::api::records,
        crate::api::record_stats,
    ),
    components(schemas(
        Problem,
        Health,
        InstitutionDto,
        SourceDto,
        SubmissionDto,
        SubmissionList,
        IssueDto,
        ImportReportDto,
        RecordKey,
        QuarantineEntryDto,
        QuarantineList,
        Correction,
        UploadForm,
        crate::dto::ImportJobDto,
        crate::reviews::ReviewDto,
        crate::reviews::ReviewRecordDto,
        crate::reviews::ReviewList,
        crate::reviews::Decision,
        RawFile,
        ResubmitRequest,
        ResubmitResponse,
        Provenance,
        RecordDto,
        RecordList,
        KindCountDto,
        RecordStats,
    )),
    tags(
        (name = "operations", description = "Health and metrics"),
        (name = "sources", description = "Institutions and their data sources"),
        (name = "submissions", description = "Files submitted by institutions and their import reports"),
        (name = "quarantine", description = "Rejected rows: correction and resubmission"),
        (name = "records", description = "Canonical records with provenance"),
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
