//! Fingerprints through the API: enrolment (`POST /api/v1/persons/{number}/fingerprints`,
//! the body a PNG, WSQ or ISO/IEC 19794-4 image, or an ISO/IEC 19794-2 / ANSI INCITS 378
//! template), the captures of a person, 1:1 verification against a person's enrolled fingers,
//! 1:N identification over everyone enrolled, and withdrawal of a capture.
//!
//! What is kept: the capture as received and the ISO/IEC 19794-2:2005 template extracted from
//! it, both encrypted in the vault (so templates can be extracted again when the algorithm
//! improves), and a row per capture in the store. The matcher is `marsad_biometrics`' own
//! ABIS ([`Gallery`], MOSIP's insert / identify / verify / delete shape), held in memory and
//! loaded from the vault on first use.
//!
//! Access: every route acts on the resource `biometrics`. A capture's origin is the institution
//! that enrolled it: the gallery keeps one reference per person *and* institution
//! (`{number}@{institution}`), so a search only ever answers with captures the caller's permit
//! admits — a victim enrolled at a shelter is not found by a border post's search.
//!
//! Enrolment tells at once whether the person is already known under another number: the new
//! fingers are searched 1:N first, and every other person they match (within the caller's
//! permit) is answered and sent to clerical review as a pair of their records, with the
//! fingerprint score as the reason.
//!
//! Audit: an enrolment's event is written with the capture in one transaction; a verification,
//! an identification (naming every person it answered) and a listing are appended before the
//! answer leaves; the images and templates themselves are never logged.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::{AuditEvent, Outcome};
use marsad_biometrics::extract::{extract, quality_gate, ExtractOptions};
use marsad_biometrics::formats::{self, Format};
use marsad_biometrics::index::{Abis, Candidate, Gallery, IndexParams};
use marsad_biometrics::matcher::Calibration;
use marsad_biometrics::template::{FingerPosition, Template};
use marsad_store::{
    Fingerprint, FingerprintId, FingerprintState, NewFingerprint, NewTemplate, PersonNumber, Store,
    StoreError,
};
use marsad_vault::{BlobId, PutOptions, Vault};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::caller::Caller;
use crate::dossiers::{digits, event, parse_number, person_error, time};
use crate::error::{ApiError, Code, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::records::Institutions;
use crate::AppState;

/// Largest capture accepted (a 500 ppi rolled print as PNG is well under 1 MiB).
pub const MAX_CAPTURE_BYTES: usize = 8 << 20;
/// Default image quality (0–100) below which a capture is refused with advice.
pub const DEFAULT_QUALITY_THRESHOLD: u8 = 25;
/// The extractor's name, kept with every template (a better one re-extracts from the original).
const EXTRACTOR: &str = "marsad-extract/1";
/// Target false-positive identification rate of the search made at enrolment.
const ENROLMENT_FPIR: f64 = 0.001;
/// A verification decides "same finger" at this false-match rate.
const VERIFY_FMR: f64 = 1e-4;
/// Largest `max_results` of an identification.
const MAX_RESULTS: usize = 50;

/// The in-memory matcher and what it was loaded from.
pub struct Biometrics {
    state: RwLock<Option<Loaded>>,
    load: Mutex<()>,
    quality_threshold: u8,
}

struct Loaded {
    gallery: Gallery,
    /// The templates of each gallery reference (`{number}@{institution}`), with their capture.
    references: HashMap<String, Vec<(FingerprintId, Template)>>,
    /// The template blob each held capture was read from (a re-extraction changes it).
    blobs: HashMap<FingerprintId, String>,
    /// The store's state the gallery was last brought up to date with ([`loaded`]).
    synced: FingerprintState,
}

impl Loaded {
    /// Puts the reference's current fingers (those in `references`) back into the gallery, or
    /// drops the reference when it has none left: the gallery's insert refuses a known id, so a
    /// change of fingers is a delete and an insert.
    fn reindex(&mut self, key: &str) -> Result<(), ApiError> {
        let _ = self.gallery.delete(key);
        match self.references.get(key) {
            Some(fingers) if !fingers.is_empty() => {
                let templates = fingers.iter().map(|(_, t)| t.clone()).collect();
                self.gallery
                    .insert(key, templates)
                    .map_err(|e| ApiError::internal("updating the fingerprint gallery", &e))
            }
            _ => {
                self.references.remove(key);
                Ok(())
            }
        }
    }
}

/// The loaded gallery behind a read guard ([`loaded`] ran before).
fn gallery_of(state: &Option<Loaded>) -> Result<&Loaded, ApiError> {
    state
        .as_ref()
        .ok_or_else(|| ApiError::internal("the fingerprint gallery", &Inconsistent("not loaded")))
}

impl Default for Biometrics {
    fn default() -> Self {
        Biometrics::new(DEFAULT_QUALITY_THRESHOLD)
    }
}

impl Biometrics {
    pub fn new(quality_threshold: u8) -> Self {
        Biometrics {
            state: RwLock::new(None),
            load: Mutex::new(()),
            quality_threshold: quality_threshold.min(100),
        }
    }
}

/// Something that should hold did not (a stored id or template unreadable, the gallery gone).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Inconsistent(&'static str);

fn reference(person: PersonNumber, institution: &str) -> String {
    format!("{}@{institution}", digits(person))
}

/// `(person, institution)` of a gallery reference.
fn parse_reference(reference: &str) -> Option<(PersonNumber, &str)> {
    let (number, institution) = reference.split_once('@')?;
    Some((PersonNumber(number.parse().ok()?), institution))
}

fn gallery() -> Gallery {
    Gallery::new(IndexParams::default(), Calibration::default())
}

fn vault_error(e: marsad_vault::VaultError) -> ApiError {
    ApiError::internal("reading or writing the vault", &e)
}

/// Reads a stored template back from the vault.
async fn stored_template(vault: &Vault, f: &Fingerprint) -> Result<Template, ApiError> {
    let id = BlobId::parse(&f.template.blob_id).ok_or_else(|| {
        ApiError::internal("reading a template id", &Inconsistent("not a blob id"))
    })?;
    let bytes = vault
        .get_stream(&id)
        .await
        .map_err(vault_error)?
        .to_vec()
        .await
        .map_err(vault_error)?;
    let (_, templates) = formats::read_template(&bytes)
        .map_err(|e| ApiError::internal("reading a stored template", &e))?;
    let mut template = templates.into_iter().next().ok_or_else(|| {
        ApiError::internal("reading a stored template", &Inconsistent("no finger view"))
    })?;
    if let Some(p) = FingerPosition::from_code(f.position) {
        template.position = p;
    }
    Ok(template)
}

/// The active captures with an id above `after`, every page.
async fn active_after(
    state: &AppState,
    after: FingerprintId,
) -> Result<Vec<Fingerprint>, ApiError> {
    let mut out: Vec<Fingerprint> = Vec::new();
    let mut after = after;
    loop {
        let page = state
            .blocking(move |store, _| Ok(store.active_fingerprints(after, 1_000)?))
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        out.extend(page);
    }
    Ok(out)
}

/// The gallery, current with the store. Loaded from the store and the vault the first time it
/// is needed; then, before each use, the store's [`FingerprintState`] (one small query) tells
/// whether captures were added, withdrawn, re-extracted or their persons merged since — by this
/// server or by another one sharing the store and the vault, as a national deployment runs
/// several. New captures alone are read and added; anything else re-reads the captures' rows
/// and re-indexes the references that changed, reading from the vault only the templates not
/// held yet.
async fn loaded(state: &AppState) -> Result<&Biometrics, ApiError> {
    let bio = state.biometrics();
    let read_state = || state.blocking(|store, _| Ok(store.fingerprint_state()?));
    let now = read_state().await?;
    if bio
        .state
        .read()
        .await
        .as_ref()
        .is_some_and(|l| l.synced == now)
    {
        return Ok(bio);
    }
    let _one = bio.load.lock().await;
    // Read before the captures: what changes meanwhile is caught by the next use.
    let now = read_state().await?;
    let held = bio.state.read().await.as_ref().map(|l| l.synced);
    if held == Some(now) {
        return Ok(bio);
    }
    let vault = state.vault()?.clone();
    if let Some(h) = held.filter(|h| {
        h.withdrawn == now.withdrawn && h.merged == now.merged && now.last_id >= h.last_id
    }) {
        let fresh = active_after(state, FingerprintId(h.last_id)).await?;
        // Each new capture has one template: more versions mean a re-extraction (below).
        if now.templates.checked_sub(h.templates) == Some(fresh.len() as u64) {
            let new: Vec<&Fingerprint> = {
                let guard = bio.state.read().await;
                let l = gallery_of(&guard)?;
                fresh
                    .iter()
                    .filter(|f| !l.blobs.contains_key(&f.id))
                    .collect()
            };
            let mut read = Vec::with_capacity(new.len());
            for f in new {
                read.push((f, stored_template(&vault, f).await?));
            }
            let mut guard = bio.state.write().await;
            let l = guard.as_mut().ok_or_else(|| {
                ApiError::internal("the fingerprint gallery", &Inconsistent("not loaded"))
            })?;
            let mut keys = Vec::new();
            for (f, template) in read {
                if l.blobs.contains_key(&f.id) {
                    continue;
                }
                let key = reference(f.person, &f.institution);
                l.blobs.insert(f.id, f.template.blob_id.clone());
                l.references
                    .entry(key.clone())
                    .or_default()
                    .push((f.id, template));
                keys.push(key);
            }
            for key in &keys {
                l.reindex(key)?;
            }
            l.synced = now;
            tracing::info!(added = keys.len(), "fingerprint gallery caught up");
            return Ok(bio);
        }
    }
    // Everything again: the rows are cheap; templates come from the vault only when not held.
    let rows = active_after(state, FingerprintId(0)).await?;
    let missing: Vec<&Fingerprint> = {
        let guard = bio.state.read().await;
        rows.iter()
            .filter(|f| {
                guard
                    .as_ref()
                    .is_none_or(|l| l.blobs.get(&f.id) != Some(&f.template.blob_id))
            })
            .collect()
    };
    let mut read: HashMap<FingerprintId, Template> = HashMap::with_capacity(missing.len());
    for f in missing {
        read.insert(f.id, stored_template(&vault, f).await?);
    }
    let mut guard = bio.state.write().await;
    let mut l = guard.take().unwrap_or_else(|| Loaded {
        gallery: gallery(),
        references: HashMap::new(),
        blobs: HashMap::new(),
        synced: FingerprintState::default(),
    });
    let before: HashMap<String, Vec<FingerprintId>> = l
        .references
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|(id, _)| *id).collect()))
        .collect();
    let mut templates: HashMap<FingerprintId, Template> =
        l.references.drain().flat_map(|(_, v)| v).collect();
    let mut references: HashMap<String, Vec<(FingerprintId, Template)>> = HashMap::new();
    let mut changed: Vec<String> = Vec::new();
    l.blobs.clear();
    for f in &rows {
        let key = reference(f.person, &f.institution);
        let template = match read.remove(&f.id) {
            Some(t) => {
                changed.push(key.clone());
                t
            }
            None => templates.remove(&f.id).ok_or_else(|| {
                ApiError::internal("the fingerprint gallery", &Inconsistent("a template lost"))
            })?,
        };
        l.blobs.insert(f.id, f.template.blob_id.clone());
        references.entry(key).or_default().push((f.id, template));
    }
    for (key, fingers) in &references {
        let ids: Vec<FingerprintId> = fingers.iter().map(|(id, _)| *id).collect();
        if before.get(key) != Some(&ids) {
            changed.push(key.clone());
        }
    }
    for key in before.keys().filter(|k| !references.contains_key(*k)) {
        changed.push(key.clone());
    }
    changed.sort();
    changed.dedup();
    l.references = references;
    for key in &changed {
        l.reindex(key)?;
    }
    l.synced = now;
    tracing::info!(
        references = l.references.len(),
        reindexed = changed.len(),
        "fingerprint gallery loaded"
    );
    *guard = Some(l);
    Ok(bio)
}

/// A capture read from a request body.
struct Capture {
    template: Template,
    /// The format it arrived in, as the store names it.
    format: &'static str,
    quality: u8,
}

fn unreadable(message: String) -> ApiError {
    ApiError::new(Code::FingerprintUnreadable, message)
}

/// Reads a body as a template (any supported format) or an image to extract one from, under
/// the quality gate; `position` (when given) names the finger.
fn read_capture(
    body: &[u8],
    position: Option<FingerPosition>,
    threshold: u8,
) -> Result<Capture, ApiError> {
    if body.is_empty() {
        return Err(unreadable(
            "the body is empty: send the image or the template".into(),
        ));
    }
    let mut capture = if formats::sniff_template(body).is_some() || body.starts_with(b"FMR\0") {
        let (format, templates) =
            formats::read_template(body).map_err(|e| unreadable(e.to_string()))?;
        let template = match position {
            Some(p) => templates
                .iter()
                .find(|t| t.position == p)
                .or(templates.first())
                .cloned(),
            None => templates.first().cloned(),
        }
        .ok_or_else(|| unreadable("the template holds no finger view".into()))?;
        let quality = template.quality;
        Capture {
            template,
            format: match format {
                Format::Iso2005 => "iso19794_2_2005",
                Format::Iso2011 => "iso19794_2_2011",
                Format::Ansi378 => "ansi378",
            },
            quality,
        }
    } else {
        let format = if body.starts_with(b"\x89PNG") {
            "png"
        } else if body.starts_with(&[0xFF, 0xA0]) {
            "wsq"
        } else if body.starts_with(b"FIR\0") {
            "iso19794_4"
        } else {
            "image"
        };
        let image = formats::decode_image(body).map_err(|e| unreadable(e.to_string()))?;
        let extraction =
            extract(&image, &ExtractOptions::default()).map_err(|e| unreadable(e.to_string()))?;
        quality_gate(&extraction.quality, threshold)
            .map_err(|low| ApiError::new(Code::FingerprintQualityLow, low.to_string()))?;
        Capture {
            quality: extraction.quality.score,
            template: extraction.template,
            format,
        }
    };
    if let Some(p) = position {
        capture.template.position = p;
    }
    if capture.template.minutiae.is_empty() {
        return Err(ApiError::new(
            Code::FingerprintQualityLow,
            "no minutiae were found: take a new impression of the finger",
        ));
    }
    Ok(capture)
}

/// [`read_capture`] off the runtime (extraction takes tens of milliseconds).
async fn read_probe(
    bio: &Biometrics,
    body: Bytes,
    position: Option<FingerPosition>,
) -> Result<(Capture, Bytes), ApiError> {
    let threshold = bio.quality_threshold;
    tokio::task::spawn_blocking(move || read_capture(&body, position, threshold).map(|c| (c, body)))
        .await
        .map_err(|e| ApiError::internal("reading a fingerprint", &e))?
}

fn finger(name: Option<&str>) -> Result<Option<FingerPosition>, ApiError> {
    match name {
        None | Some("") => Ok(None),
        Some(n) => FingerPosition::from_name(n).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown finger '{n}' (right_thumb, right_index, right_middle, right_ring, \
                 right_little, left_thumb, left_index, left_middle, left_ring, left_little)"
            ))
        }),
    }
}

/// One capture, without the image or the template.
#[derive(Debug, Serialize, ToSchema)]
pub struct FingerprintDto {
    pub id: i64,
    /// The person's unified number (the survivor, after a merge).
    pub person: String,
    /// The capturing institution's short name.
    pub institution: String,
    /// `right_index`, ... (`unknown` when not given).
    pub finger: String,
    /// The format it arrived in (`png`, `wsq`, `iso19794_4`, `iso19794_2_2005`, ...).
    pub format: String,
    /// Image quality, 0–100.
    pub quality: u8,
    pub minutiae: u32,
    /// The template's version (1 at enrolment; a re-extraction adds one).
    pub template_version: u32,
    pub enrolled_by: String,
    #[schema(format = DateTime)]
    pub enrolled_at: String,
    /// Set when the capture was withdrawn (it is then out of every search).
    #[schema(format = DateTime)]
    pub withdrawn_at: Option<String>,
}

impl From<&Fingerprint> for FingerprintDto {
    fn from(f: &Fingerprint) -> Self {
        FingerprintDto {
            id: f.id.0,
            person: digits(f.person),
            institution: f.institution.clone(),
            finger: FingerPosition::from_code(f.position)
                .unwrap_or(FingerPosition::UNKNOWN)
                .name()
                .to_string(),
            format: f.original_format.clone(),
            quality: f.template.quality,
            minutiae: f.template.minutiae,
            template_version: f.template.version,
            enrolled_by: f.enrolled_by.clone(),
            enrolled_at: time(f.enrolled_at),
            withdrawn_at: f.withdrawn.as_ref().map(|w| time(w.at)),
        }
    }
}

/// A person found by a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchDto {
    /// The unified number.
    pub person: String,
    /// The institution whose captures matched.
    pub institution: String,
    /// `-10 · log10(false-match rate)`, 0–100: 40 means one chance in 10,000 that another
    /// person's finger scores this high.
    pub score: f32,
    /// The estimated false-match rate of this score.
    pub false_match_rate: f64,
}

fn match_dto(c: &Candidate, person: PersonNumber, institution: &str) -> MatchDto {
    MatchDto {
        person: digits(person),
        institution: institution.to_string(),
        score: c.score,
        false_match_rate: 10f64.powf(f64::from(c.log10_fmr)),
    }
}

/// What an enrolment did.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentDto {
    pub fingerprint: FingerprintDto,
    /// Other persons these fingers match (within what the caller may see), best first: each
    /// pair was sent to clerical review.
    pub matches: Vec<MatchDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnrolQuery {
    /// The finger: `right_thumb` ... `left_little`. Required for images; a template's own
    /// finger position is used when absent.
    pub finger: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdentifyQuery {
    /// At most this many persons (default 10, at most 50).
    pub max_results: Option<usize>,
    /// Target false-positive identification rate over the whole gallery (default 0.001).
    pub target_fpir: Option<f64>,
    /// The probe's finger, when known.
    pub finger: Option<String>,
}

/// The result of a 1:1 verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationDto {
    pub person: String,
    /// Whether the probe matches one of the person's enrolled fingers at a false-match rate of
    /// at most 1 in 10,000.
    pub matched: bool,
    pub score: f32,
    pub false_match_rate: f64,
}

/// The persons an identification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentificationDto {
    pub candidates: Vec<MatchDto>,
    /// Captures searched (those the caller may see and others alike: the search is one).
    pub enrolled_fingers: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FingerprintWithdrawal {
    /// Why (kept in the store and the audit trail).
    pub reason: Option<String>,
}

/// Candidates the permit admits, as (candidate, person, institution), best first.
fn admitted_candidates<'c>(
    candidates: &'c [Candidate],
    institutions: &Institutions,
    permit: &Permit,
    except: Option<PersonNumber>,
) -> Vec<(&'c Candidate, PersonNumber, String)> {
    let grant = permit.grant();
    let purpose = permit.purpose().is_some();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for c in candidates {
        let Some((person, institution)) = parse_reference(&c.reference_id) else {
            continue;
        };
        if Some(person) == except || seen.contains(&person) {
            continue;
        }
        if grant
            .view(Some(institutions.origin(Some(institution))), purpose)
            .is_some()
        {
            seen.push(person);
            out.push((c, person, institution.to_string()));
        }
    }
    out
}

/// Enrols one finger of a person for the caller's institution.
#[utoipa::path(post, path = "/api/v1/persons/{number}/fingerprints", tag = "fingerprints",
    params(("number" = String, Path, description = "The person's 12-digit unified number"), EnrolQuery),
    request_body(content = Vec<u8>, description = "A PNG, WSQ or ISO/IEC 19794-4 image at 500 ppi, or an ISO/IEC 19794-2 (2005, 2011) / ANSI INCITS 378 template", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Enrolled; `Location` names it", body = EnrolmentDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No person has this number", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a fingerprint, or too poor to use: the answer says what to do", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(number): ApiPath<String>,
    ApiQuery(query): ApiQuery<EnrolQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let number = parse_number(&number)?;
    let position = finger(query.finger.as_deref())?;
    let Some(institution) = caller.institution().map(str::to_string) else {
        return Err(ApiError::new(
            Code::Forbidden,
            "only members of an institution enrol fingerprints",
        ));
    };
    let bio = loaded(&state).await?;
    // Admitted for the caller's own institution before anything is read or kept.
    let (person, institutions) = {
        let permit = permit.clone();
        let institution = institution.clone();
        state
            .blocking(move |store, _| {
                let institutions = Institutions::load(store)?;
                permit.admit(institutions.origin(Some(&institution)))?;
                let person = store.resolve_number(number).map_err(person_error(number))?;
                Ok((person, institutions))
            })
            .await?
    };
    let (capture, body) = read_probe(bio, body, position).await?;
    // 1:N first: is this finger known under another number?
    let candidates = {
        let guard = bio.state.read().await;
        let loaded = gallery_of(&guard)?;
        loaded
            .gallery
            .identify(
                std::slice::from_ref(&capture.template),
                MAX_RESULTS,
                ENROLMENT_FPIR,
            )
            .map_err(|e| ApiError::internal("searching the fingerprint gallery", &e))?
    };
    let matches: Vec<(Candidate, PersonNumber, String)> =
        admitted_candidates(&candidates, &institutions, &permit, Some(person))
            .into_iter()
            .map(|(c, p, i)| (c.clone(), p, i))
            .collect();
    // The capture and its template, encrypted in the vault.
    let vault = state.vault()?.clone();
    let options = PutOptions::limit(MAX_CAPTURE_BYTES as u64);
    let original = vault
        .put_stream(&body[..], &options)
        .await
        .map_err(vault_error)?;
    let template_bytes = formats::write_template_exact(&capture.template);
    let stored_template = vault
        .put_stream(&template_bytes[..], &options)
        .await
        .map_err(vault_error)?;
    let minutiae = capture.template.minutiae.len() as u32;
    let st = state.clone();
    let template = capture.template.clone();
    let fingerprint = {
        let caller = caller.clone();
        let permit = permit.clone();
        let institution = institution.clone();
        let matches = matches.clone();
        state
            .blocking(move |store, _| {
                let original_id = original.id.to_string();
                let template_id = stored_template.id.to_string();
                let audit = event(&st, &caller, &permit, "fingerprint.enrol".into(), person);
                let f = store
                    .enrol_fingerprint(
                        &NewFingerprint {
                            person,
                            institution: &institution,
                            position: capture.template.position.code(),
                            original_blob: &original_id,
                            original_format: capture.format,
                            template: NewTemplate {
                                blob_id: &template_id,
                                extractor: EXTRACTOR,
                                quality: capture.quality,
                                minutiae,
                            },
                            actor: &caller.name,
                            at: st.now(),
                        },
                        &audit,
                    )
                    .map_err(person_error(number))?;
                // Each person the fingers match goes to clerical review (their first records).
                let mut events = Vec::new();
                for (c, other, _) in &matches {
                    review_pair(store, person, *other, c, &st)?;
                    events.push(event(
                        &st,
                        &caller,
                        &permit,
                        format!("fingerprint.match (enrolment of {})", digits(person)),
                        *other,
                    ));
                }
                AppState::audit_all(store, &events)?;
                Ok(f)
            })
            .await?
    };
    {
        let mut guard = bio.state.write().await;
        if let Some(loaded) = guard.as_mut() {
            let key = reference(fingerprint.person, &fingerprint.institution);
            // Held now: the next catch-up skips it (and counts its template as expected).
            loaded
                .blobs
                .insert(fingerprint.id, fingerprint.template.blob_id.clone());
            loaded
                .references
                .entry(key.clone())
                .or_default()
                .push((fingerprint.id, template));
            loaded.reindex(&key)?;
        }
    }
    let body = EnrolmentDto {
        fingerprint: FingerprintDto::from(&fingerprint),
        matches: matches
            .iter()
            .map(|(c, p, i)| match_dto(c, *p, i))
            .collect(),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/fingerprints/{}", fingerprint.id.0)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Sends the pair of two persons' first records to clerical review with the fingerprint
/// evidence (nothing when either has no record, or the pair is already open).
fn review_pair(
    store: &dyn Store,
    a: PersonNumber,
    b: PersonNumber,
    candidate: &Candidate,
    state: &AppState,
) -> Result<(), ApiError> {
    let (Some(left), Some(right)) = (
        store.person_records(a)?.into_iter().next(),
        store.person_records(b)?.into_iter().next(),
    ) else {
        return Ok(());
    };
    let explanation = serde_json::json!({
        "reason": "fingerprints match",
        "score": candidate.score,
        "log10_false_match_rate": candidate.log10_fmr,
        "fingers": candidate.fingers.iter().map(|f| serde_json::json!({
            "finger": f.position.name(),
            "score": f.score,
        })).collect::<Vec<_>>(),
    })
    .to_string();
    store.add_review(
        &left,
        &right,
        f64::from(candidate.score),
        &explanation,
        state.now(),
    )?;
    Ok(())
}

/// The captures of a person the caller may see.
#[utoipa::path(get, path = "/api/v1/persons/{number}/fingerprints", tag = "fingerprints",
    params(("number" = String, Path, description = "The person's 12-digit unified number")),
    responses(
        (status = 200, body = Vec<FingerprintDto>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Vec<FingerprintDto>>, ApiError> {
    let number = parse_number(&number)?;
    let st = state.clone();
    let list = state
        .blocking(move |store, _| {
            let all = store
                .person_fingerprints(number)
                .map_err(person_error(number))?;
            let person = store.resolve_number(number)?;
            let institutions = Institutions::load(store)?;
            let grant = permit.grant();
            let purpose = permit.purpose().is_some();
            let seen: Vec<FingerprintDto> = all
                .iter()
                .filter(|f| {
                    grant
                        .view(Some(institutions.origin(Some(&f.institution))), purpose)
                        .is_some()
                })
                .map(FingerprintDto::from)
                .collect();
            let action = format!("fingerprint.list ({} shown)", seen.len());
            AppState::audit_all(store, &[event(&st, &caller, &permit, action, person)])?;
            Ok(seen)
        })
        .await?;
    Ok(Json(list))
}

/// 1:1: does the probe match one of the person's enrolled fingers?
#[utoipa::path(post, path = "/api/v1/persons/{number}/fingerprints/verification", tag = "fingerprints",
    params(("number" = String, Path, description = "The person's 12-digit unified number"), EnrolQuery),
    request_body(content = Vec<u8>, description = "The probe: an image or a template", content_type = "application/octet-stream"),
    responses(
        (status = 200, body = VerificationDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person, or none of their fingers the caller may see is enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(number): ApiPath<String>,
    ApiQuery(query): ApiQuery<EnrolQuery>,
    body: Bytes,
) -> Result<Json<VerificationDto>, ApiError> {
    let number = parse_number(&number)?;
    let position = finger(query.finger.as_deref())?;
    let bio = loaded(&state).await?;
    let (capture, _) = read_probe(bio, body, position).await?;
    let (person, institutions) = state
        .blocking(move |store, _| {
            let person = store.resolve_number(number).map_err(person_error(number))?;
            Ok((person, Institutions::load(store)?))
        })
        .await?;
    let best = {
        let guard = bio.state.read().await;
        let loaded = gallery_of(&guard)?;
        let grant = permit.grant();
        let purpose = permit.purpose().is_some();
        let prefix = format!("{}@", digits(person));
        let mut best: Option<Candidate> = None;
        for key in loaded.references.keys().filter(|k| k.starts_with(&prefix)) {
            let institution = &key[prefix.len()..];
            if grant
                .view(Some(institutions.origin(Some(institution))), purpose)
                .is_none()
            {
                continue;
            }
            let c = loaded
                .gallery
                .verify(key, std::slice::from_ref(&capture.template))
                .map_err(|e| ApiError::internal("verifying a fingerprint", &e))?;
            if best.as_ref().is_none_or(|b| c.log10_fmr < b.log10_fmr) {
                best = Some(c);
            }
        }
        best
    };
    let Some(best) = best else {
        return Err(ApiError::not_found(format!(
            "person {} has no enrolled fingerprints you may compare with",
            digits(person)
        )));
    };
    let matched = f64::from(best.log10_fmr) <= VERIFY_FMR.log10();
    let st = state.clone();
    state
        .blocking(move |store, _| {
            let action = format!(
                "fingerprint.verify ({})",
                if matched { "match" } else { "no match" }
            );
            AppState::audit_all(store, &[event(&st, &caller, &permit, action, person)])
        })
        .await?;
    Ok(Json(VerificationDto {
        person: digits(person),
        matched,
        score: best.score,
        false_match_rate: 10f64.powf(f64::from(best.log10_fmr)),
    }))
}

/// 1:N: who, among the enrolled persons the caller may see, has this finger?
#[utoipa::path(post, path = "/api/v1/fingerprints/identification", tag = "fingerprints",
    params(IdentifyQuery),
    request_body(content = Vec<u8>, description = "The probe: an image or a template", content_type = "application/octet-stream"),
    responses(
        (status = 200, body = IdentificationDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn identify(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiQuery(query): ApiQuery<IdentifyQuery>,
    body: Bytes,
) -> Result<Json<IdentificationDto>, ApiError> {
    let position = finger(query.finger.as_deref())?;
    let max_results = query.max_results.unwrap_or(10).clamp(1, MAX_RESULTS);
    let fpir = query.target_fpir.unwrap_or(ENROLMENT_FPIR);
    if !(fpir > 0.0 && fpir <= 1.0) {
        return Err(ApiError::bad_request(
            "target_fpir must be a rate above 0 and at most 1",
        ));
    }
    let bio = loaded(&state).await?;
    let (capture, _) = read_probe(bio, body, position).await?;
    let (candidates, fingers) = {
        let guard = bio.state.read().await;
        let loaded = gallery_of(&guard)?;
        let c = loaded
            .gallery
            // Ask for more than shown: some may be outside the caller's permit.
            .identify(
                std::slice::from_ref(&capture.template),
                MAX_RESULTS * 4,
                fpir,
            )
            .map_err(|e| ApiError::internal("searching the fingerprint gallery", &e))?;
        (c, loaded.gallery.fingers())
    };
    let st = state.clone();
    let found = state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            let found: Vec<MatchDto> =
                admitted_candidates(&candidates, &institutions, &permit, None)
                    .into_iter()
                    .take(max_results)
                    .map(|(c, p, i)| match_dto(c, p, &i))
                    .collect();
            let mut events: Vec<AuditEvent> = found
                .iter()
                .filter_map(|m| m.person.parse().ok().map(PersonNumber))
                .map(|p| {
                    event(
                        &st,
                        &caller,
                        &permit,
                        "fingerprint.identify (found)".into(),
                        p,
                    )
                })
                .collect();
            if events.is_empty() {
                events.push(AuditEvent {
                    at: st.now(),
                    actor: caller.actor(),
                    institution: caller.institution().map(str::to_string),
                    action: "fingerprint.identify (none)".into(),
                    object: None,
                    purpose: permit.purpose().cloned(),
                    outcome: Outcome::Success,
                });
            }
            AppState::audit_all(store, &events)?;
            Ok(found)
        })
        .await?;
    Ok(Json(IdentificationDto {
        candidates: found,
        enrolled_fingers: fingers,
    }))
}

/// Withdraws a capture (kept, but out of every search).
#[utoipa::path(post, path = "/api/v1/fingerprints/{id}/withdrawal", tag = "fingerprints",
    params(("id" = i64, Path, description = "The capture's id")),
    request_body = FingerprintWithdrawal,
    responses(
        (status = 200, body = FingerprintDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    body: Option<axum::Json<FingerprintWithdrawal>>,
) -> Result<Json<FingerprintDto>, ApiError> {
    let reason = body
        .and_then(|b| b.0.reason)
        .filter(|r| !r.trim().is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > 1_000 || r.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(
            "the reason must be at most 1,000 characters, without control characters",
        ));
    }
    let bio = loaded(&state).await?;
    let st = state.clone();
    let f = state
        .blocking(move |store, _| {
            let current = store.fingerprint(FingerprintId(id))?;
            let institutions = Institutions::load(store)?;
            permit.admit(institutions.origin(Some(&current.institution)))?;
            let audit = event(
                &st,
                &caller,
                &permit,
                "fingerprint.withdraw".into(),
                current.person,
            );
            store
                .withdraw_fingerprint(
                    FingerprintId(id),
                    &caller.name,
                    reason.as_deref(),
                    st.now(),
                    &audit,
                )
                .map_err(|e| match e {
                    StoreError::Invalid(r) => ApiError::new(Code::Conflict, r),
                    e => e.into(),
                })
        })
        .await?;
    let mut guard = bio.state.write().await;
    if let Some(loaded) = guard.as_mut() {
        let key = reference(f.person, &f.institution);
        if let Some(fingers) = loaded.references.get_mut(&key) {
            fingers.retain(|(fid, _)| *fid != f.id);
        }
        loaded.reindex(&key)?;
        if loaded.blobs.remove(&f.id).is_some() {
            // This withdrawal is held: another server's would still differ from the store's.
            loaded.synced.withdrawn += 1;
        }
    }
    Ok(Json(FingerprintDto::from(&f)))
}
