//! The one place where every error becomes an HTTP answer.
//!
//! Each error maps to a stable `code` (part of the API contract: clients branch on it), an HTTP
//! status, a short title and a help text, answered as RFC 9457 `application/problem+json`:
//! `type` is `https://marsad.example/problems/<code>`, `instance` the request path. Database and
//! driver errors are never shown: the answer says only that something failed inside, and the
//! cause goes to the operator's log (without row contents).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marsad_ingest::IngestError;
use marsad_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable error codes. Add new ones at the end of the table; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A query parameter, path segment or JSON body could not be read.
    InvalidRequest,
    /// No route has this path.
    RouteNotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// A submission, quarantine entry or other object does not exist.
    NotFound,
    /// The named data source is not registered.
    SourceNotFound,
    /// The object already exists or is in a state that forbids the change.
    Conflict,
    /// A quarantine entry cannot be resubmitted as asked.
    QuarantineNotResubmittable,
    /// The mapping file could not be read.
    MappingInvalid,
    /// The whole file was refused (empty, wrong format, missing column...).
    FileRejected,
    /// The upload is larger than the server accepts.
    PayloadTooLarge,
    /// The request body's media type is not one the endpoint reads.
    UnsupportedMediaType,
    /// The database schema is newer than this server.
    SchemaTooNew,
    /// The store could not be reached or answered with an error.
    StoreUnavailable,
    /// Anything else that went wrong inside the server.
    Internal,
    /// The request carries no valid credentials (or they expired).
    Unauthenticated,
    /// The caller is known but the policy does not allow this.
    Forbidden,
    /// A state-changing browser request without a valid CSRF token or from another site.
    CsrfRejected,
    /// Too many failed sign-ins: wait, or the account is locked.
    TooManyAttempts,
    /// The policy grants this only with a stated purpose.
    PurposeRequired,
    /// The password was accepted; the second factor is still to be given.
    SecondFactorRequired,
    /// An attachment whose real type is not accepted, or not what its name says.
    AttachmentRefused,
    /// No thumbnail can be made of this attachment (an image or PDF too large to decode safely,
    /// damaged, encrypted, or with nothing drawable on its first page).
    NoThumbnail,
    /// The body is not a fingerprint image or template marsad reads.
    FingerprintUnreadable,
    /// The fingerprint image is too poor to use: take a new impression.
    FingerprintQualityLow,
    /// The server runs without its key vault, which this needs (second factors are sealed by it).
    VaultUnavailable,
}

struct Meta {
    code: &'static str,
    status: StatusCode,
    title: &'static str,
    help: &'static str,
}

impl Code {
    fn meta(self) -> Meta {
        use Code::*;
        let (code, status, title, help) = match self {
            InvalidRequest => (
                "invalid_request",
                StatusCode::BAD_REQUEST,
                "The request could not be read",
                "Check the query parameters, path and JSON body against /api/v1/openapi.json.",
            ),
            RouteNotFound => (
                "route_not_found",
                StatusCode::NOT_FOUND,
                "No such endpoint",
                "The API is described at /api/v1/openapi.json.",
            ),
            MethodNotAllowed => (
                "method_not_allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed on this endpoint",
                "The methods each endpoint accepts are listed at /api/v1/openapi.json.",
            ),
            NotFound => (
                "not_found",
                StatusCode::NOT_FOUND,
                "Not found",
                "Check the identifier; lists are available under /api/v1/.",
            ),
            SourceNotFound => (
                "source_not_found",
                StatusCode::NOT_FOUND,
                "Unknown data source",
                "Registered sources are listed at /api/v1/sources; an administrator registers new ones with `marsad source add NAME`.",
            ),
            Conflict => (
                "conflict",
                StatusCode::CONFLICT,
                "Conflict with the stored state",
                "Read the object again and retry with its current state.",
            ),
            QuarantineNotResubmittable => (
                "quarantine_not_resubmittable",
                StatusCode::CONFLICT,
                "Quarantine entry cannot be resubmitted",
                "Only open entries of this source that hold column values can be resubmitted; store a correction with PUT /api/v1/quarantine/{id}/correction first.",
            ),
            MappingInvalid => (
                "mapping_invalid",
                StatusCode::UNPROCESSABLE_ENTITY,
                "The mapping file is not valid",
                "See docs/mappings.md for the mapping file format.",
            ),
            FileRejected => (
                "file_rejected",
                StatusCode::UNPROCESSABLE_ENTITY,
                "The file was refused as a whole",
                "Fix the reason given in `detail` and submit the file again; the refusal is kept in the submission history.",
            ),
            PayloadTooLarge => (
                "payload_too_large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "The upload is too large",
                "Split the file into several submissions or ask the operator to raise the upload limit.",
            ),
            UnsupportedMediaType => (
                "unsupported_media_type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "Send multipart/form-data (part `file`, optional part `mapping`), text/csv, application/x-ndjson or an XLSX workbook; JSON bodies use application/json.",
            ),
            SchemaTooNew => (
                "schema_too_new",
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is newer than this server",
                "Upgrade marsad to the version that wrote this database.",
            ),
            StoreUnavailable => (
                "store_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The store is unavailable",
                "Retry later; the operator's log says why.",
            ),
            Internal => (
                "internal",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "Retry later; if it persists, give the operator the time of the request.",
            ),
            Unauthenticated => (
                "unauthenticated",
                StatusCode::UNAUTHORIZED,
                "Sign-in required",
                "Sign in at POST /api/v1/auth/login, or send an API token as `Authorization: Bearer marsad_...`.",
            ),
            Forbidden => (
                "forbidden",
                StatusCode::FORBIDDEN,
                "Not within your scope of competence",
                "The access policy (GET /api/v1/policy, docs/access.md) does not allow this to your institution and roles; ask your administrator.",
            ),
            CsrfRejected => (
                "csrf_rejected",
                StatusCode::FORBIDDEN,
                "Cross-site request refused",
                "Send the `X-CSRF-Token` header given at sign-in (GET /api/v1/auth/me) from the same origin.",
            ),
            TooManyAttempts => (
                "too_many_attempts",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed sign-ins",
                "Wait for the time in `Retry-After`; a locked account is unlocked by an administrator.",
            ),
            PurposeRequired => (
                "purpose_required",
                StatusCode::PRECONDITION_REQUIRED,
                "State the purpose of this access",
                "Send the `X-Marsad-Purpose` header (e.g. `case 2026-114: referral follow-up`); the audit trail keeps it.",
            ),
            SecondFactorRequired => (
                "second_factor_required",
                StatusCode::UNAUTHORIZED,
                "Second factor required",
                "Give the code of your authenticator app at POST /api/v1/auth/totp (or a recovery code), or sign in with a passkey.",
            ),
            AttachmentRefused => (
                "attachment_refused",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The file is not accepted as an attachment",
                "Attach a PDF, an image (PNG, JPEG, WebP, GIF, TIFF, HEIC), an office document or plain text, named with its type's extension; the type is read from the content, not the name.",
            ),
            NoThumbnail => (
                "no_thumbnail",
                StatusCode::UNPROCESSABLE_ENTITY,
                "No thumbnail for this attachment",
                "Thumbnails are made of PNG, JPEG, WebP and GIF images and of the first page of PDFs of reasonable size (see `detail` for what stopped this one); download the file itself instead.",
            ),
            VaultUnavailable => (
                "vault_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The key vault is not available",
                "Second factors are kept sealed by the vault's master keys: the operator starts the server with them (DATA/keys or MARSAD_VAULT_KEYS); meanwhile sign in with a passkey or a recovery code.",
            ),
            FingerprintUnreadable => (
                "fingerprint_unreadable",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Not a fingerprint marsad reads",
                "Send a 500 ppi finger image as PNG, WSQ or ISO/IEC 19794-4, or a minutiae template as ISO/IEC 19794-2 (2005 or 2011) or ANSI INCITS 378; the detail names what is wrong and where.",
            ),
            FingerprintQualityLow => (
                "fingerprint_quality_low",
                StatusCode::UNPROCESSABLE_ENTITY,
                "The fingerprint is too poor to use",
                "Take a new impression: clean the scanner and the finger, press evenly, roll from nail edge to nail edge; the detail says what was wrong.",
            ),
        };
        Meta {
            code,
            status,
            title,
            help,
        }
    }

    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        self.meta().code
    }

    pub fn status(self) -> StatusCode {
        self.meta().status
    }
}

/// An RFC 9457 problem document, with marsad's extension members `code` and `help` (and, for a
/// refused file, its import `report`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `https://marsad.example/problems/<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path (without query string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable error code.
    pub code: String,
    pub help: String,
    /// The import report when a submitted file was refused as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// The request field at fault (`objectives`, `sources[1].name`), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error on its way to becoming a problem+json answer.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    /// Shown to the caller: must not hold driver messages or personal data.
    pub detail: String,
    /// Boxed: rare, and an error travels in every `Result` of a handler.
    pub report: Option<Box<serde_json::Value>>,
    /// The request field at fault, shown as the problem's `field` member.
    pub field: Option<Box<str>>,
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> ApiError {
        ApiError {
            code,
            detail: detail.into(),
            report: None,
            field: None,
        }
    }

    /// A 400 about one field of the request (named in the detail and in `field`).
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        let field = field.into();
        let detail = detail.into();
        let detail = if detail.contains(&field) {
            detail
        } else {
            format!("{field}: {detail}")
        };
        ApiError {
            field: Some(field.into_boxed_str()),
            ..ApiError::new(Code::InvalidRequest, detail)
        }
    }

    /// The same error, naming the field at fault.
    pub fn at_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into().into_boxed_str());
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(Code::InvalidRequest, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(Code::NotFound, detail)
    }

    pub fn source_not_found(name: &str) -> ApiError {
        ApiError::new(
            Code::SourceNotFound,
            format!("no data source is named '{name}'"),
        )
    }

    pub fn too_large(limit: u64) -> ApiError {
        ApiError::new(
            Code::PayloadTooLarge,
            format!("the upload exceeds the limit of {limit} bytes"),
        )
    }

    /// An internal failure: the cause is logged for the operator, the caller sees a generic text.
    pub fn internal(context: &str, cause: &dyn std::error::Error) -> ApiError {
        tracing::error!(context, error = %error_chain(cause), "internal error");
        ApiError::new(Code::Internal, format!("the server failed while {context}"))
    }

    /// The HTTP status this error answers with.
    pub fn http_status(&self) -> StatusCode {
        self.code.status()
    }

    /// The problem document this error answers with (without `instance`).
    pub fn problem_json(&self) -> serde_json::Value {
        serde_json::to_value(self.problem(None)).unwrap_or_default()
    }

    pub fn with_report(mut self, report: serde_json::Value) -> ApiError {
        self.report = Some(Box::new(report));
        self
    }

    fn problem(&self, instance: Option<String>) -> Problem {
        let meta = self.code.meta();
        Problem {
            type_: format!("https://marsad.example/problems/{}", meta.code),
            title: meta.title.to_string(),
            status: meta.status.as_u16(),
            detail: self.detail.clone(),
            instance,
            code: meta.code.to_string(),
            help: meta.help.to_string(),
            report: self.report.as_deref().cloned(),
            field: self.field.as_deref().map(str::to_string),
        }
    }
}

/// The error and its cause chain on one line, for the operator's log.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { what } => ApiError::not_found(format!("{what} not found")),
            StoreError::Conflict { what } => {
                ApiError::new(Code::Conflict, format!("{what} already exists"))
            }
            StoreError::Invalid(reason) => ApiError::bad_request(reason),
            e @ StoreError::SchemaTooNew { .. } => ApiError::new(Code::SchemaTooNew, e.to_string()),
            StoreError::Database { context, source } => {
                // The driver's message can quote SQL: it goes to the operator's log, never to the caller.
                tracing::error!(context, error = %error_chain(source.as_ref()), "store error");
                ApiError::new(
                    Code::StoreUnavailable,
                    format!("the store failed while {context}"),
                )
            }
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> ApiError {
        match e {
            IngestError::UnknownSource(name) => ApiError::source_not_found(&name),
            IngestError::Mapping { reason } => ApiError::new(Code::MappingInvalid, reason),
            IngestError::FileRejected { reason } => ApiError::new(Code::FileRejected, reason),
            IngestError::Store(e) => e.into(),
            IngestError::Quarantine(id, reason) => ApiError::new(
                Code::QuarantineNotResubmittable,
                format!("quarantine entry {id} cannot be resubmitted: {reason}"),
            ),
            e @ IngestError::Io { .. } => ApiError::internal("reading the uploaded file", &e),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> ApiError {
        ApiError::bad_request(e.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> ApiError {
        ApiError::bad_request(e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        match e {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                Code::UnsupportedMediaType,
                "the body must be JSON with Content-Type: application/json",
            ),
            e => ApiError::bad_request(e.body_text()),
        }
    }
}

/// Marks a response as a rendered problem, so [`problem_layer`] can add the request path.
#[derive(Clone)]
struct Rendered(std::sync::Arc<Problem>);

fn render(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"marsad\""),
        );
    }
    response
        .extensions_mut()
        .insert(Rendered(std::sync::Arc::new(problem)));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        render(self.problem(None))
    }
}

/// Marks an answer that is already in its protocol's own error format (SDMX error messages):
/// [`problem_layer`] leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct Passthrough;

/// Middleware: gives every problem answer its `instance`, and turns the framework's own bare
/// error answers (unknown route, wrong method, body over the limit) into problem+json too.
pub async fn problem_layer(request: Request<axum::body::Body>, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    if response.extensions().get::<Passthrough>().is_some() {
        return response;
    }
    let status = response.status();
    if let Some(Rendered(problem)) = response.extensions().get::<Rendered>().cloned() {
        let mut problem = (*problem).clone();
        problem.instance = Some(path);
        return keep_extensions(response, render(problem));
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => Code::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        s if s.is_client_error() => Code::InvalidRequest,
        _ => Code::Internal,
    };
    let detail = match code {
        Code::RouteNotFound => "no endpoint has this path".to_string(),
        Code::MethodNotAllowed => "this endpoint does not accept this method".to_string(),
        Code::PayloadTooLarge => "the request body is larger than the server accepts".to_string(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string(),
    };
    let mut problem = ApiError::new(code, detail).problem(Some(path));
    problem.status = status.as_u16();
    keep_extensions(response, render(problem))
}

/// The new answer keeps the old one's extensions (the route tag for metrics) and `Allow` header.
fn keep_extensions(old: Response, mut new: Response) -> Response {
    let (parts, _) = old.into_parts();
    // The old answer's headers (`Allow`, `Retry-After`, `Set-Cookie`, ...) stay; only the body
    // and its description change.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    let rendered = new.extensions_mut().remove::<Rendered>();
    *new.extensions_mut() = parts.extensions;
    if let Some(r) = rendered {
        new.extensions_mut().insert(r);
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        use Code::*;
        let all = [
            InvalidRequest,
            RouteNotFound,
            MethodNotAllowed,
            NotFound,
            SourceNotFound,
            Conflict,
            QuarantineNotResubmittable,
            MappingInvalid,
            FileRejected,
            PayloadTooLarge,
            UnsupportedMediaType,
            SchemaTooNew,
            StoreUnavailable,
            Internal,
            Unauthenticated,
            Forbidden,
            CsrfRejected,
            TooManyAttempts,
            PurposeRequired,
            SecondFactorRequired,
            AttachmentRefused,
            NoThumbnail,
            FingerprintUnreadable,
            FingerprintQualityLow,
            VaultUnavailable,
        ];
        let mut seen = std::collections::HashSet::new();
        for c in all {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(c.status().is_client_error() || c.status().is_server_error());
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        }
    }

    #[test]
    fn database_errors_are_not_shown() {
        let e = StoreError::Database {
            context: "reading sources",
            source: "syntax error near SELECT secret".into(),
        };
        let api: ApiError = e.into();
        assert_eq!(api.code, Code::StoreUnavailable);
        assert!(!api.detail.contains("SELECT"));
        assert!(!api.detail.contains("secret"));
    }
}
