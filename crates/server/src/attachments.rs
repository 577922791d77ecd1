//! Attachments of dossiers: upload by streaming into the encrypted vault, download with the
//! original name and the detected type, thumbnails of images and of PDFs' first page, withdrawal.
//!
//! **Upload** (`POST /api/v1/dossiers/{id}/attachments`): `multipart/form-data` with a part
//! `file` (its file name, or `?name=`), or the raw file as the body with `?name=`. The body is
//! never held whole: its first 64 KiB are read to detect the real type (refused before anything
//! is written when it is empty, not on the allow-list, or not what the name's extension claims),
//! then the same bytes and the rest stream into [`marsad_vault::Vault::put_stream`], counted
//! against [`AttachmentLimits::max_bytes`]. Only when the blob is complete is the attachment row
//! written (with its audit event, in one transaction, after checking the dossier is open and
//! below [`AttachmentLimits::max_per_dossier`]); a failure there removes a blob that nothing
//! else refers to, so a refused upload leaves no row and no new blob. A client that goes away
//! mid-upload leaves nothing visible (the vault aborts the unfinished body).
//!
//! **Download** streams the blob's authenticated plaintext with `Content-Disposition: attachment`
//! and the original name (RFC 6266 `filename*`), the detected type, `X-Content-Type-Options:
//! nosniff` and `Cache-Control: no-store`; a damaged blob aborts the response rather than end
//! it normally. **Thumbnails** (PNG, at most 256 × 256) are made on request for PNG, JPEG, WebP
//! and GIF images, decoded under [`image::Limits`] so that a decompression bomb is refused rather
//! than decoded, and for the first page of PDFs by the bounded reader of [`pdf`] (images, filled
//! rectangles and greeked text; its docs say what is not drawn and every bound; a PDF bomb, a
//! damaged or an encrypted PDF answers `no_thumbnail` with the reason). Sources over 40 MiB get
//! none. Rendering runs on the blocking pool, at most [`cache::RENDERERS`] at a time, and is
//! answered `no_thumbnail` after [`RENDER_TIMEOUT`] whatever happens; thumbnails and refusals
//! are kept in the in-memory [`cache::ThumbnailCache`] (its docs argue why memory rather than
//! the vault). Every download and every thumbnail served (rendered or from the cache) is audited
//! (object `person`, the unified number, the purpose) before a byte leaves.
//!
//! Build cost of `image` 0.25 (features `png`, `jpeg`, `webp`, `gif`; no rayon, AVIF, TIFF or
//! EXR): 17 crates new to the tree; a clean debug build of `image` with all its dependencies
//! took 67 CPU-seconds (70 s on the 2-core machine), about 57 of them for the new crates, the
//! largest `moxcms` and `pxfm` (colour management, which image 0.25 always brings) and `image`
//! itself; a release build about the same; nothing on incremental builds. PDFs add nothing:
//! `miniz_oxide` (inflate) is already built for `png`; why not `hayro` is in [`pdf`].

use std::io::Cursor;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{StreamExt as _, TryStreamExt as _};
use http_body_util::LengthLimitError;
use marsad_store::{
    Attachment, AttachmentId, Dossier, DossierId, EntryId, NewAttachment, Store, Timestamp,
};
use marsad_vault::{
    check_claimed_name, sniff, AllowList, BlobId, ContentKind, PutOptions, StoredBlob, Vault,
    VaultError, SNIFF_LEN,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::caller::Caller;
use crate::dossiers::{admitted, change_error, event};
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub mod cache;
mod pdf;

/// Default largest attachment: 100 MiB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 100 << 20;
/// Default most attachments (not withdrawn) per dossier.
pub const DEFAULT_MAX_ATTACHMENTS_PER_DOSSIER: u64 = 200;
/// Room for the multipart framing around the file.
const MULTIPART_OVERHEAD: u64 = 64 << 10;
/// Longest file name, in characters.
const MAX_NAME_CHARS: usize = 255;
/// Thumbnails fit in this many pixels each way.
const THUMBNAIL_SIZE: u32 = 256;
/// Images larger than this (encoded) get no thumbnail.
const MAX_THUMBNAIL_SOURCE_BYTES: u64 = 40 << 20;
/// Images wider or taller than this get no thumbnail (a decompression bomb declares more).
const MAX_THUMBNAIL_SOURCE_PIXELS: u32 = 12_000;
/// Memory the decoder may take for one thumbnail.
const MAX_THUMBNAIL_DECODE_BYTES: u64 = 256 << 20;
/// A thumbnail not rendered within this time is answered `no_thumbnail` (the bounds of the
/// decoders keep the work far below it; this is the last guard).
pub const RENDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How much the attachments of dossiers may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// The largest file, in bytes (one more byte is refused with 413 and nothing is kept).
    pub max_bytes: u64,
    /// The most attachments a dossier holds, withdrawn ones not counted (409 beyond).
    pub max_per_dossier: u64,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_per_dossier: DEFAULT_MAX_ATTACHMENTS_PER_DOSSIER,
        }
    }
}

fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An attachment's description (never its content).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub dossier: i64,
    /// The entry it belongs to, if any.
    pub entry: Option<i64>,
    /// The name it was uploaded with.
    pub file_name: String,
    /// The media type detected from the content (what a download is served as).
    pub content_type: String,
    /// The detected kind's short name (`pdf`, `png`, `jpeg`, ...).
    pub kind: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    pub uploaded_by: String,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
    /// Where to download it.
    pub href: String,
    /// Where its thumbnail is, for images and PDFs.
    pub thumbnail: Option<String>,
    /// Set once the attachment was withdrawn (it is kept, no longer served).
    pub withdrawn: Option<WithdrawalDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalDto {
    pub by: String,
    #[schema(format = DateTime)]
    pub at: String,
    pub reason: Option<String>,
}

impl From<Attachment> for AttachmentDto {
    fn from(a: Attachment) -> Self {
        let kind = ContentKind::from_name(&a.content_kind);
        let href = format!("/api/v1/dossiers/{}/attachments/{}", a.dossier.0, a.id.0);
        AttachmentDto {
            id: a.id.0,
            dossier: a.dossier.0,
            entry: a.entry.map(|e| e.0),
            file_name: a.file_name,
            content_type: kind
                .map(|k| k.mime())
                .unwrap_or("application/octet-stream")
                .to_string(),
            kind: a.content_kind,
            size: a.size,
            sha256: data_encoding::HEXLOWER.encode(&a.sha256),
            uploaded_by: a.uploaded_by,
            uploaded_at: time(a.uploaded_at),
            thumbnail: kind
                .and_then(thumbnail_source)
                .map(|_| format!("{href}/thumbnail")),
            href,
            withdrawn: a.withdrawn.map(|w| WithdrawalDto {
                by: w.by,
                at: time(w.at),
                reason: w.reason,
            }),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (needed for a raw body; for multipart, used when the part has none).
    pub name: Option<String>,
    /// Attach to this entry of the dossier.
    pub entry: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawalRequest {
    /// Why (kept with the attachment).
    pub reason: Option<String>,
}

/// The multipart form of an upload (for the API description).
#[derive(ToSchema)]
#[allow(dead_code)] // Describes the request body only.
pub struct AttachmentForm {
    /// The file, with its name as the part's `filename`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

// ---------------------------------------------------------------------------------------------
// Names and errors

/// Characters that reorder text and can disguise an extension (`invoice` U+202E `fdp.exe`
/// shows as `invoiceexe.pdf`).
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Checks an uploaded file's name: kept as given (any script), refused when it could act as a
/// path or hide what it is.
fn check_name(name: Option<&str>) -> Result<String, ApiError> {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(ApiError::bad_request(
            "the file has no name: give it as the multipart part's filename or as ?name=",
        ));
    };
    if name.contains(['/', '\\']) {
        return Err(ApiError::bad_request(
            "the file name must not hold path separators ('/' or '\\'): give the name alone",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "the file name must not hold control characters",
        ));
    }
    if name.chars().any(is_bidi_override) {
        return Err(ApiError::bad_request(
            "the file name must not hold bidirectional override characters (they can disguise its extension)",
        ));
    }
    if name.trim().is_empty() || name.trim_matches(['.', ' ']).is_empty() {
        return Err(ApiError::bad_request(
            "the file name must hold more than dots and spaces",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "the file name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

/// The errors in `e`'s chain, the error itself first (an `io::Error`'s own `source` skips the
/// error it wraps).
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(e);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

/// Why reading the upload failed: over the server's body limit (413), an unreadable multipart
/// body (400), or the client went away or stopped half way (400).
fn read_error(e: &std::io::Error) -> ApiError {
    for c in chain(e) {
        if c.is::<LengthLimitError>() {
            return ApiError::new(
                Code::PayloadTooLarge,
                "the request body is larger than the server accepts",
            );
        }
        if let Some(m) = c.downcast_ref::<axum::extract::multipart::MultipartError>() {
            return match m.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    Code::PayloadTooLarge,
                    "the request body is larger than the server accepts",
                ),
                StatusCode::BAD_REQUEST => ApiError::bad_request(format!(
                    "the multipart body could not be read: {}",
                    m.body_text()
                )),
                _ => interrupted(),
            };
        }
    }
    interrupted()
}

fn interrupted() -> ApiError {
    ApiError::bad_request("the upload was interrupted before its end: nothing was kept")
}

/// The vault's errors as answers (their texts name no secret and no path).
fn vault_error(e: VaultError) -> ApiError {
    match e {
        e @ VaultError::TooLarge { .. } => {
            ApiError::new(Code::PayloadTooLarge, format!("{e}: nothing was kept"))
        }
        e @ (VaultError::TypeNotAllowed { .. } | VaultError::TypeMismatch { .. }) => {
            ApiError::new(Code::AttachmentRefused, format!("{e}: nothing was kept"))
        }
        VaultError::Read(io) => read_error(&io),
        VaultError::NotFound(_) => {
            tracing::error!("an attachment's blob is missing from the vault");
            ApiError::new(
                Code::Internal,
                "the attachment's file is missing from the storage",
            )
        }
        e @ VaultError::Backend(_) => {
            tracing::error!(error = %e, "attachment storage failed");
            ApiError::new(
                Code::StoreUnavailable,
                "the attachment storage is unavailable",
            )
        }
        e => ApiError::internal("reading or writing an attachment", &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Upload

/// Reads the first bytes, refuses what must not be stored, and streams the rest into the vault.
async fn store_stream<R>(
    vault: &Vault,
    mut reader: R,
    name: &str,
    max_bytes: u64,
) -> Result<StoredBlob, ApiError>
where
    R: AsyncRead + Unpin + Send,
{
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .await
        .map_err(|e| read_error(&e))?;
    let kind = sniff(&head);
    if kind == ContentKind::Empty {
        return Err(ApiError::bad_request(
            "the file is empty (0 bytes): nothing was kept",
        ));
    }
    let allow = AllowList::documents();
    allow.check(kind).map_err(vault_error)?;
    check_claimed_name(kind, name).map_err(vault_error)?;
    let options = PutOptions::limit(max_bytes).allowing(allow);
    vault
        .put_stream(Cursor::new(head).chain(reader), &options)
        .await
        .map_err(vault_error)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Streams the request's file into the vault: the stored blob and the file's name.
async fn receive(
    vault: &Vault,
    request: Request,
    query_name: Option<&str>,
    max_bytes: u64,
) -> Result<(StoredBlob, String), ApiError> {
    let essence = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| read_error(&std::io::Error::other(e)))?;
            let Some(field) = field else {
                return Err(ApiError::bad_request(
                    "the multipart body has no part named 'file'",
                ));
            };
            if field.name() != Some("file") {
                // Other parts are read past and ignored.
                let mut other = field;
                while let Some(chunk) = other.next().await {
                    chunk.map_err(|e| read_error(&std::io::Error::other(e)))?;
                }
                continue;
            }
            let name = check_name(field.file_name().or(query_name))?;
            let reader = tokio_util::io::StreamReader::new(field.map_err(std::io::Error::other));
            let stored = store_stream(vault, reader, &name, max_bytes).await?;
            return Ok((stored, name));
        }
    }
    let name = check_name(query_name)?;
    let body = request.into_body().into_data_stream();
    let reader = tokio_util::io::StreamReader::new(body.map_err(std::io::Error::other));
    let stored = store_stream(vault, reader, &name, max_bytes).await?;
    Ok((stored, name))
}

/// Removes a blob that this upload created and that no attachment refers to (the upload was
/// refused after the blob was written). A blob another upload shares is left; anything left by
/// a crash here is the vault's orphan cleanup's.
async fn discard(state: &AppState, vault: &Vault, stored: &StoredBlob) {
    if stored.deduplicated {
        return;
    }
    let hex = stored.id.to_hex();
    let referenced = state
        .blocking(move |store, _| Ok(store.blob_referenced(&hex)?))
        .await;
    match referenced {
        Ok(false) => {
            if let Err(e) = vault.delete(&stored.id).await {
                tracing::warn!(error = %e, "cannot remove the blob of a refused attachment");
            }
        }
        Ok(true) => {}
        Err(e) => tracing::warn!(
            code = e.code.as_str(),
            "cannot check whether a refused attachment's blob is in use; left for cleanup"
        ),
    }
}

/// Checks before reading the body that the dossier takes an attachment from this caller.
fn check_upload(
    store: &dyn Store,
    permit: &Permit,
    id: DossierId,
    entry: Option<EntryId>,
    max_per_dossier: u64,
) -> Result<Dossier, ApiError> {
    let (dossier, _) = admitted(store, permit, id)?;
    if dossier.status != marsad_store::DossierStatus::Open {
        return Err(ApiError::new(
            Code::Conflict,
            format!(
                "dossier {} is closed: reopen it before attaching files",
                id.0
            ),
        ));
    }
    if let Some(e) = entry {
        let entry = store.entry(e)?;
        if entry.dossier != id {
            return Err(ApiError::not_found(format!(
                "dossier {} has no entry {}",
                id.0, e.0
            )));
        }
    }
    let active = store
        .dossier_attachments(id)?
        .iter()
        .filter(|a| a.withdrawn.is_none())
        .count() as u64;
    if active >= max_per_dossier {
        return Err(ApiError::new(
            Code::Conflict,
            format!(
                "dossier {} already holds {active} attachments, the most allowed; withdraw one first",
                id.0
            ),
        ));
    }
    Ok(dossier)
}

/// Attaches a file to a dossier (or one of its entries), streaming it into the encrypted vault.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/attachments", tag = "dossiers",
    params(("id" = i64, Path), UploadQuery),
    request_body(description = "multipart/form-data with part `file`, or the raw file (any media type) with `?name=`",
        content(
            (AttachmentForm = "multipart/form-data"),
            (crate::dto::RawFile = "application/octet-stream"),
        )),
    responses(
        (status = 201, description = "Stored; `Location` names the download", body = AttachmentDto),
        (status = 400, description = "Empty file, bad name, interrupted upload", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dossier is closed or holds the most attachments allowed", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A type not accepted, or not what the name claims", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No vault is configured, or it is unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let vault = state.vault()?.clone();
    let limits = state.attachment_limits;
    if content_length(request.headers())
        .is_some_and(|l| l > limits.max_bytes.saturating_add(MULTIPART_OVERHEAD))
    {
        return Err(ApiError::new(
            Code::PayloadTooLarge,
            format!(
                "the file is larger than the limit of {} bytes: nothing was kept",
                limits.max_bytes
            ),
        ));
    }
    let dossier_id = DossierId(id);
    let entry = query.entry.map(EntryId);
    let checker = permit.clone();
    let dossier = state
        .blocking(move |store, _| {
            check_upload(store, &checker, dossier_id, entry, limits.max_per_dossier)
        })
        .await?;

    let (stored, name) = receive(&vault, request, query.name.as_deref(), limits.max_bytes).await?;

    let st = state.clone();
    let blob_hex = stored.id.to_hex();
    let record = stored.clone();
    let recorded = state
        .blocking(move |store, _| {
            let audit = event(
                &st,
                &caller,
                &permit,
                format!("dossier.attach {} (dossier {id})", record.content.name()),
                dossier.person,
            );
            store
                .add_attachment(
                    &NewAttachment {
                        dossier: dossier_id,
                        entry,
                        blob_id: &blob_hex,
                        size: record.size,
                        sha256: record.plaintext_sha256,
                        content_kind: record.content.name(),
                        file_name: &name,
                        uploaded_by: &caller.name,
                        uploaded_at: st.now(),
                    },
                    limits.max_per_dossier,
                    &audit,
                )
                .map_err(change_error)
        })
        .await;
    let attachment = match recorded {
        Ok(a) => a,
        Err(e) => {
            discard(&state, &vault, &stored).await;
            return Err(e);
        }
    };
    let dto = AttachmentDto::from(attachment);
    let mut response = (StatusCode::CREATED, Json(&dto)).into_response();
    if let Ok(value) = HeaderValue::from_str(&dto.href) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Download and thumbnails

/// Loads an attachment of dossier `id` that may be served, and admits its dossier.
fn servable(
    store: &dyn Store,
    permit: &Permit,
    id: i64,
    attachment: i64,
) -> Result<(Attachment, Dossier, String), ApiError> {
    let (dossier, rule) = admitted(store, permit, DossierId(id))?;
    let a = store.attachment(AttachmentId(attachment))?;
    if a.dossier != dossier.id {
        return Err(ApiError::not_found(format!(
            "dossier {id} has no attachment {attachment}"
        )));
    }
    if let Some(w) = &a.withdrawn {
        return Err(ApiError::not_found(format!(
            "attachment {attachment} was withdrawn at {} and is no longer served",
            time(w.at)
        )));
    }
    Ok((a, dossier, rule))
}

fn blob_id(a: &Attachment) -> Result<BlobId, ApiError> {
    BlobId::parse(&a.blob_id).ok_or_else(|| {
        tracing::error!(
            attachment = a.id.0,
            "an attachment row holds a malformed blob id"
        );
        ApiError::new(Code::Internal, "the attachment's record is damaged")
    })
}

/// `attr-char` of RFC 8187: the bytes `filename*` keeps as they are.
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>` (RFC 6266).
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if is_attr_char(b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Headers of every served file: never sniffed, never cached, never run.
fn protect(headers: &mut HeaderMap) {
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
}

/// Downloads an attachment as it was uploaded.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/attachments/{attachment}", tag = "dossiers",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses(
        (status = 200, description = "The file, with its detected type and original name", body = crate::dto::RawFile, content_type = "application/octet-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or withdrawn", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let vault = state.vault()?.clone();
    let checker = permit.clone();
    let (a, dossier, rule) = state
        .blocking(move |store, _| servable(store, &checker, id, attachment))
        .await?;
    let stream = vault.get_stream(&blob_id(&a)?).await.map_err(vault_error)?;
    // On the record before a byte leaves.
    let st = state.clone();
    let action = format!("dossier.download (dossier {id}, attachment {attachment}, {rule})");
    state
        .blocking(move |store, _| {
            AppState::audit_all(
                store,
                &[event(&st, &caller, &permit, action, dossier.person)],
            )
        })
        .await?;
    let kind = ContentKind::from_name(&a.content_kind);
    let mime = kind.map(|k| k.mime()).unwrap_or("application/octet-stream");
    let size = stream.size();
    let body = Body::from_stream(stream.inspect_err(|e| {
        tracing::error!(error = %e, "an attachment could not be read to its end; the download was aborted");
    }));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    let digest = format!("sha-256=:{}:", data_encoding::BASE64.encode(&a.sha256));
    if let Ok(v) = HeaderValue::from_str(&digest) {
        headers.insert(HeaderName::from_static("repr-digest"), v);
    }
    protect(headers);
    Ok(response)
}

/// What a thumbnail is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ThumbnailSource {
    Image(image::ImageFormat),
    Pdf,
}

/// How a kind that has thumbnails is read.
fn thumbnail_source(kind: ContentKind) -> Option<ThumbnailSource> {
    Some(ThumbnailSource::Image(match kind {
        ContentKind::Png => image::ImageFormat::Png,
        ContentKind::Jpeg => image::ImageFormat::Jpeg,
        ContentKind::WebP => image::ImageFormat::WebP,
        ContentKind::Gif => image::ImageFormat::Gif,
        ContentKind::Pdf => return Some(ThumbnailSource::Pdf),
        _ => return None,
    }))
}

fn refused(text: String) -> cache::Rendered {
    Err((Code::NoThumbnail, text))
}

/// Decodes an image under limits, or draws a PDF's first page, and renders the thumbnail as
/// PNG. The inner error is a refusal (kept in the cache); the outer one a failure of the server.
fn render_thumbnail(bytes: Vec<u8>, source: ThumbnailSource) -> Result<cache::Rendered, ApiError> {
    let image = match source {
        ThumbnailSource::Image(format) => {
            let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(MAX_THUMBNAIL_SOURCE_PIXELS);
            limits.max_image_height = Some(MAX_THUMBNAIL_SOURCE_PIXELS);
            limits.max_alloc = Some(MAX_THUMBNAIL_DECODE_BYTES);
            reader.limits(limits);
            match reader.decode() {
                Ok(image) => image,
                Err(image::ImageError::Limits(l)) => return Ok(refused(format!(
                    "no thumbnail: the image is larger than a thumbnail is made from (at most {MAX_THUMBNAIL_SOURCE_PIXELS} × {MAX_THUMBNAIL_SOURCE_PIXELS} pixels and {} MiB decoded): {l}",
                    MAX_THUMBNAIL_DECODE_BYTES >> 20
                ))),
                Err(e) => return Ok(refused(format!(
                    "no thumbnail: the image could not be decoded ({e})"
                ))),
            }
        }
        ThumbnailSource::Pdf => match pdf::render_first_page(&bytes, THUMBNAIL_SIZE) {
            Ok(page) => image::DynamicImage::ImageRgb8(page),
            Err(e) => return Ok(refused(format!("no thumbnail: {e}"))),
        },
    };
    // Small images keep their size (never scaled up).
    let fitted = if image.width() <= THUMBNAIL_SIZE && image.height() <= THUMBNAIL_SIZE {
        image
    } else {
        image.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    };
    let thumb = image::DynamicImage::ImageRgba8(fitted.to_rgba8());
    let mut out = Cursor::new(Vec::new());
    thumb
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| ApiError::internal("encoding a thumbnail", &e))?;
    Ok(Ok(Arc::from(out.into_inner())))
}

/// Reads the blob and renders its thumbnail on the blocking pool (at most
/// [`cache::RENDERERS`] at a time, answered as refused after [`RENDER_TIMEOUT`]).
async fn rendered(
    state: &AppState,
    vault: &Vault,
    id: BlobId,
    source: ThumbnailSource,
) -> Result<cache::Rendered, ApiError> {
    let too_slow = || {
        tracing::warn!("a thumbnail took longer than its time limit");
        refused(format!(
            "no thumbnail: rendering took longer than {} s",
            RENDER_TIMEOUT.as_secs()
        ))
    };
    let work = async {
        let permit = state
            .thumbnails
            .renderers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal("waiting to render a thumbnail", &e))?;
        let bytes = vault
            .get_stream(&id)
            .await
            .map_err(vault_error)?
            .to_vec()
            .await
            .map_err(vault_error)?;
        tokio::task::spawn_blocking(move || {
            // Held until the rendering ends, even if the request gave up waiting.
            let _permit = permit;
            render_thumbnail(bytes, source)
        })
        .await
        .map_err(|e| ApiError::internal("making a thumbnail", &e))?
    };
    match tokio::time::timeout(RENDER_TIMEOUT, work).await {
        Ok(result) => result,
        Err(_) => Ok(too_slow()),
    }
}

/// A PNG thumbnail (at most 256 × 256) of an image attachment or of a PDF's first page.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/attachments/{attachment}/thumbnail", tag = "dossiers",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses(
        (status = 200, description = "PNG", body = crate::dto::RawFile, content_type = "image/png"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, withdrawn, or a type without thumbnails", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No thumbnail can be made: an image or PDF too large to decode safely (a bomb), damaged, encrypted, or with nothing drawable on its first page", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let vault = state.vault()?.clone();
    let checker = permit.clone();
    let (a, dossier, rule) = state
        .blocking(move |store, _| servable(store, &checker, id, attachment))
        .await?;
    let kind = ContentKind::from_name(&a.content_kind);
    let Some(source) = kind.and_then(thumbnail_source) else {
        return Err(ApiError::not_found(match kind {
            Some(k) => format!("no thumbnail for {} files", k.short_name()),
            None => "no thumbnail for this file".to_string(),
        }));
    };
    if a.size > MAX_THUMBNAIL_SOURCE_BYTES {
        return Err(ApiError::new(
            Code::NoThumbnail,
            format!(
                "no thumbnail: the file is larger than {} MiB",
                MAX_THUMBNAIL_SOURCE_BYTES >> 20
            ),
        ));
    }
    let blob = blob_id(&a)?;
    let png = match state.thumbnails.get(&blob) {
        Some(kept) => kept,
        None => {
            let fresh = rendered(&state, &vault, blob, source).await?;
            state.thumbnails.put(blob, fresh.clone());
            fresh
        }
    }
    .map_err(|(code, detail)| ApiError::new(code, detail))?;
    let st = state.clone();
    let action = format!("dossier.thumbnail (dossier {id}, attachment {attachment}, {rule})");
    state
        .blocking(move |store, _| {
            AppState::audit_all(
                store,
                &[event(&st, &caller, &permit, action, dossier.person)],
            )
        })
        .await?;
    let mut response = png.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    protect(headers);
    Ok(response)
}

/// Withdraws an attachment: it is kept (row and file), marked with who, when and why, and no
/// longer served.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/attachments/{attachment}/withdrawal", tag = "dossiers",
    params(("id" = i64, Path), ("attachment" = i64, Path)), request_body = WithdrawalRequest,
    responses(
        (status = 200, body = AttachmentDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<WithdrawalRequest>,
) -> Result<Json<AttachmentDto>, ApiError> {
    let reason = body
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason
        .as_deref()
        .is_some_and(|r| r.chars().any(char::is_control) || r.chars().count() > 2_000)
    {
        return Err(ApiError::bad_request(
            "the reason must be one line of at most 2000 characters",
        ));
    }
    let st = state.clone();
    let withdrawn = state
        .blocking(move |store, _| {
            let (dossier, _) = admitted(store, &permit, DossierId(id))?;
            let a = store.attachment(AttachmentId(attachment))?;
            if a.dossier != dossier.id {
                return Err(ApiError::not_found(format!(
                    "dossier {id} has no attachment {attachment}"
                )));
            }
            let audit = event(
                &st,
                &caller,
                &permit,
                format!("dossier.withdraw (dossier {id}, attachment {attachment})"),
                dossier.person,
            );
            store
                .withdraw_attachment(a.id, &caller.name, reason.as_deref(), st.now(), &audit)
                .map_err(change_error)
        })
        .await?;
    Ok(Json(withdrawn.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, ok: bool) {
        assert_eq!(check_name(Some(name)).is_ok(), ok, "{name:?}");
    }

    #[test]
    fn file_names_are_checked_not_rewritten() {
        check("passport.pdf", true);
        check("جواز سفر.pdf", true);
        check("contrat de travail (signé).docx", true);
        check("../../etc/passwd", false);
        check("C:\\scans\\x.pdf", false);
        check("a\nb.pdf", false);
        check("a\u{7f}b.pdf", false);
        check("invoice\u{202e}fdp.exe", false);
        check("..", false);
        check(" . ", false);
        check(&"x".repeat(256), false);
        assert!(check_name(None).is_err());
        assert_eq!(check_name(Some("scan 1.png")).unwrap(), "scan 1.png");
    }

    #[test]
    fn content_disposition_follows_rfc_6266() {
        assert_eq!(
            content_disposition("scan.pdf"),
            "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"
        );
        assert_eq!(
            content_disposition("جواز \"1\".pdf"),
            "attachment; filename=\"____ _1_.pdf\"; filename*=UTF-8''%D8%AC%D9%88%D8%A7%D8%B2%20%221%22.pdf"
        );
    }
}
