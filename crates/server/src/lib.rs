//! The HTTP face of marsad: the JSON API under `/api/v1/` (described at
//! `/api/v1/openapi.json`), `/healthz`, `/metrics` (Prometheus text) and the portal's pages (`portal/`).
//!
//! Only this crate knows HTTP. It holds no business rules: every request becomes calls to
//! `marsad-store` and `marsad-ingest`, which are synchronous, so each of those calls runs on
//! tokio's blocking pool (`spawn_blocking`), never on a worker thread.
//!
//! Invariants:
//! - every JSON body is a DTO of [`dto`]; store types never reach the wire directly;
//! - every error answer is RFC 9457 problem+json produced by [`error`], with a stable code; driver
//!   and SQL messages are logged, never shown;
//! - uploads are streamed to a temporary file under `data_dir/incoming` (never held in memory),
//!   bounded by `max_upload_bytes`, and the file is deleted when the request ends, whatever
//!   happens;
//! - logs name the method, route template, status and latency of each request; never the query
//!   string, path values or row contents, which can hold personal data.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use marsad_model::Clock;
use marsad_store::Store;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

pub mod access;
mod admin;
mod api;
mod attachments;
mod auth_api;
pub mod caller;
mod dossiers;
pub mod dto;
pub mod error;
mod extract;
mod fingerprints;
pub mod gcm;
mod jobs;
pub mod metrics;
pub mod microdata;
pub mod oidc;
pub mod openapi;
mod passkeys;
mod portal;
mod records;
mod reviews;
mod signin;
mod statistics;
mod upload;

pub use access::{Access, AccessConfig, Endpoint, Need, Target};
pub use attachments::AttachmentLimits;
pub use caller::Caller;
pub use error::{ApiError, Code, Problem};
pub use metrics::Metrics;
pub use openapi::ApiDoc;

/// Default upload limit: 4 GiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 << 30;

/// Room for multipart framing and the mapping part on top of the file itself.
const MULTIPART_OVERHEAD: u64 = 2 << 20;

/// What the server needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Data folder; uploads are spooled under `data_dir/incoming`.
    pub data_dir: PathBuf,
    /// Largest accepted upload (the file itself), in bytes.
    pub max_upload_bytes: u64,
    /// The origins browsers reach the server at (`https://marsad.gov.example`). Empty: the
    /// listen address over plain HTTP, for local use (then cookies are not `Secure`).
    pub origins: Vec<String>,
    /// OpenID Connect sign-in (a national e-ID), when configured.
    pub oidc: Option<oidc::OidcConfig>,
    /// Size and count limits of dossier attachments.
    pub attachments: AttachmentLimits,
    /// The release level of research microdata extracts.
    pub microdata: microdata::MicrodataLevel,
}

impl ServerConfig {
    /// A configuration with the default upload limit.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            listen,
            data_dir,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            origins: Vec::new(),
            oidc: None,
            attachments: AttachmentLimits::default(),
            microdata: microdata::MicrodataLevel::default(),
        }
    }

    /// What the access layer needs: the policy folder `data_dir/policies`, the origins, and
    /// secure cookies unless the server is only reached over plain HTTP on this machine.
    pub fn access(&self) -> AccessConfig {
        let local = self.origins.is_empty();
        let origins = if local {
            let port = self.listen.port();
            vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ]
        } else {
            self.origins.clone()
        };
        let mut session = marsad_auth::SessionPolicy::DEFAULT;
        if local || origins.iter().all(|o| o.starts_with("http://")) {
            session.cookie_mode = marsad_auth::CookieMode::PlainHttpLocalDev;
        }
        AccessConfig {
            session,
            origins,
            policy_dir: Some(self.data_dir.join("policies")),
            oidc: self.oidc.clone(),
        }
    }
}

/// What the server could not do at start or while serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot prepare the upload folder {path}: {source}")]
    Incoming {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
    #[error("cannot load the access policy: {0}")]
    Policy(#[from] marsad_policy::PolicyFileError),
    #[error("cannot record the policy in the audit trail: {0}")]
    Audit(#[source] marsad_store::StoreError),
}

/// Owns the server's reference to the store. Synchronous drivers (the `postgres` crate) block
/// when their connections close, which panics on a runtime thread; when the last copy of the
/// state goes away on one (at shutdown), the store reference is dropped on a plain thread.
struct StoreHandle(Option<Arc<dyn Store>>);

impl StoreHandle {
    fn get(&self) -> Option<Arc<dyn Store>> {
        self.0.clone()
    }
}

impl Drop for StoreHandle {
    fn drop(&mut self) {
        let Some(store) = self.0.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            // Joined so the connections are closed before shutdown completes.
            let _ = std::thread::spawn(move || drop(store)).join();
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    store: Arc<StoreHandle>,
    clock: Arc<dyn Clock>,
    incoming: PathBuf,
    max_upload_bytes: u64,
    metrics: Arc<Metrics>,
    jobs: Arc<jobs::Jobs>,
    extract_jobs: Arc<jobs::ExtractJobs>,
    access: Arc<Access>,
    oidc_cache: Arc<oidc::ProviderCache>,
    vault: Option<Arc<marsad_vault::Vault>>,
    attachment_limits: AttachmentLimits,
    biometrics: Arc<fingerprints::Biometrics>,
    thumbnails: Arc<attachments::cache::ThumbnailCache>,
    figures: Arc<statistics::Figures>,
    microdata: microdata::MicrodataLevel,
}

impl AppState {
    /// `incoming` is the folder uploads are spooled to (created on first use).
    ///
    /// `access` holds the policy and the session settings.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        incoming: PathBuf,
        max_upload_bytes: u64,
        access: Arc<Access>,
    ) -> AppState {
        AppState {
            store: Arc::new(StoreHandle(Some(store))),
            clock,
            incoming,
            max_upload_bytes,
            metrics: Arc::new(Metrics::new()),
            jobs: Arc::new(jobs::Jobs::default()),
            extract_jobs: Arc::default(),
            access,
            oidc_cache: Arc::new(oidc::ProviderCache::default()),
            vault: None,
            attachment_limits: AttachmentLimits::default(),
            biometrics: Arc::new(fingerprints::Biometrics::default()),
            thumbnails: Arc::default(),
            figures: Arc::default(),
            microdata: microdata::MicrodataLevel::default(),
        }
    }

    /// The release level of research microdata extracts.
    pub fn with_microdata_level(mut self, level: microdata::MicrodataLevel) -> AppState {
        self.microdata = level;
        self
    }

    pub(crate) fn microdata_level(&self) -> microdata::MicrodataLevel {
        self.microdata
    }

    /// The published statistics the server answers from.
    pub(crate) fn figures(&self) -> &statistics::Figures {
        &self.figures
    }

    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Attachments are kept in `vault` (without one, attachment endpoints answer 503).
    pub fn with_vault(mut self, vault: Arc<marsad_vault::Vault>) -> AppState {
        self.vault = Some(vault);
        self
    }

    /// Limits of dossier attachments (size of one file, files per dossier).
    pub fn with_attachment_limits(mut self, limits: AttachmentLimits) -> AppState {
        self.attachment_limits = limits;
        self
    }

    /// The fingerprint matcher (its gallery is loaded from the vault on first use).
    pub(crate) fn biometrics(&self) -> &fingerprints::Biometrics {
        &self.biometrics
    }

    /// The encrypted blob vault, when the server has one.
    pub fn vault(&self) -> Result<&Arc<marsad_vault::Vault>, ApiError> {
        self.vault.as_ref().ok_or_else(|| {
            ApiError::new(
                Code::StoreUnavailable,
                "this server keeps no attachments (no vault is configured)",
            )
        })
    }

    pub(crate) fn oidc_cache(&self) -> &oidc::ProviderCache {
        &self.oidc_cache
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The operating system's generator, for `marsad-auth`'s functions.
    pub(crate) fn rng() -> marsad_auth::rand_core::UnwrapErr<getrandom::SysRng> {
        marsad_auth::rand_core::UnwrapErr(getrandom::SysRng)
    }

    /// Appends to the audit trail; a failure is logged (for refusals, which must not turn into
    /// errors). Reads of personal data use [`AppState::audit_all`], which fails the request.
    pub(crate) async fn audit(&self, event: marsad_auth::AuditEvent) {
        let r = self
            .blocking(move |store, _| Ok(store.audit_append(&event)?))
            .await;
        if let Err(e) = r {
            tracing::error!(code = e.code.as_str(), "cannot write an audit entry");
        }
    }

    /// Appends every event, or fails: personal data is not served unless its reading is on record.
    pub(crate) fn audit_all(
        store: &dyn Store,
        events: &[marsad_auth::AuditEvent],
    ) -> Result<(), ApiError> {
        store.audit_append_all(events)?;
        Ok(())
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Imports running or recently finished.
    pub(crate) fn jobs(&self) -> &jobs::Jobs {
        &self.jobs
    }

    /// Research extracts being built after their approval.
    pub(crate) fn extract_jobs(&self) -> &Arc<jobs::ExtractJobs> {
        &self.extract_jobs
    }

    /// Runs a store or ingest call on the blocking pool (the store is synchronous).
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store, &dyn Clock) -> Result<T, ApiError> + Send + 'static,
    {
        let store = self
            .store
            .get()
            .ok_or_else(|| ApiError::new(Code::StoreUnavailable, "the store is closed"))?;
        let clock = self.clock.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref(), clock.as_ref()))
            .await
            .map_err(|e| ApiError::internal("running a store task", &e))?
    }
}

/// The route template a request matched, carried on the response for logs and metrics.
#[derive(Clone)]
struct RouteTag(MatchedPath);

async fn tag_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(m) = matched {
        response.extensions_mut().insert(RouteTag(m));
    }
    response
}

fn route_of(response: &Response) -> &str {
    response
        .extensions()
        .get::<RouteTag>()
        .map(|t| t.0.as_str())
        .unwrap_or("unmatched")
}

async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe_request(
        method.as_str(),
        route_of(&response),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Every route with what it needs. The router is built from this list alone (see [`router`]),
/// so no route can be served without passing the enforcement point; a test walks the list.
pub fn endpoints() -> Vec<Endpoint> {
    routes().into_iter().map(|(e, _)| e).collect()
}

fn routes() -> Vec<(Endpoint, axum::routing::MethodRouter<AppState>)> {
    use access::Need::{Allow, Public, PublicOr, SecondFactorStep, SignedIn};
    use access::Target::{AnyRecord, KindParam, Object, Resource as Fixed};
    use axum::http::Method;
    use axum::routing::delete;
    use marsad_model::RecordKind;
    use marsad_policy::Action::{Administer, Correct, Export, LinkReview, Publish, Read, Submit};
    use marsad_policy::Resource as R;
    let e = |method: Method, path: &'static str, need: Need| Endpoint { method, path, need };
    let mut routes = vec![
        (e(Method::GET, "/", Public), get(portal::root)),
        (e(Method::GET, "/digits", Public), get(portal::digits)),
        (e(Method::GET, "/static/{file}", Public), get(portal::asset)),
        (e(Method::GET, "/{lang}", Public), get(portal::lang_root)),
        (e(Method::GET, "/healthz", Public), get(api::healthz)),
        (
            e(Method::GET, "/api/v1/openapi.json", Public),
            get(openapi::openapi_json),
        ),
        (
            e(Method::POST, "/api/v1/auth/login", Public),
            post(auth_api::login),
        ),
        (
            e(Method::POST, "/api/v1/auth/totp", SecondFactorStep),
            post(auth_api::totp),
        ),
        (
            e(Method::POST, "/api/v1/auth/logout", SecondFactorStep),
            post(auth_api::logout),
        ),
        (
            e(Method::GET, "/api/v1/auth/me", SecondFactorStep),
            get(auth_api::me),
        ),
        (
            e(Method::POST, "/api/v1/auth/password", SignedIn),
            post(auth_api::change_password),
        ),
        (
            e(Method::POST, "/api/v1/auth/totp/enrol", SignedIn),
            post(auth_api::totp_enrol),
        ),
        (
            e(Method::POST, "/api/v1/auth/totp/confirm", SignedIn),
            post(auth_api::totp_confirm),
        ),
        (e(Method::GET, "/signin", Public), get(signin::page)),
        (e(Method::GET, "/api/v1/auth/oidc", Public), get(oidc::info)),
        (
            e(Method::GET, "/api/v1/auth/oidc/start", Public),
            get(oidc::start),
        ),
        (
            e(Method::GET, "/api/v1/auth/oidc/callback", Public),
            get(oidc::callback),
        ),
        (
            e(Method::POST, "/api/v1/auth/passkeys/login/start", Public),
            post(passkeys::login_start),
        ),
        (
            e(Method::POST, "/api/v1/auth/passkeys/login/finish", Public),
            post(passkeys::login_finish),
        ),
        (
            e(Method::GET, "/api/v1/auth/passkeys", SignedIn),
            get(passkeys::list),
        ),
        (
            e(Method::DELETE, "/api/v1/auth/passkeys/{id}", SignedIn),
            delete(passkeys::remove),
        ),
        (
            e(
                Method::POST,
                "/api/v1/auth/passkeys/register/start",
                SignedIn,
            ),
            post(passkeys::register_start),
        ),
        (
            e(
                Method::POST,
                "/api/v1/auth/passkeys/register/finish",
                SignedIn,
            ),
            post(passkeys::register_finish),
        ),
        (
            e(Method::GET, "/metrics", Allow(Read, Fixed(R::System))),
            get(api::metrics),
        ),
        (
            e(
                Method::GET,
                "/api/v1/institutions",
                Allow(Read, Fixed(R::Catalogue)),
            ),
            get(api::institutions),
        ),
        (
            e(
                Method::GET,
                "/api/v1/sources",
                Allow(Read, Fixed(R::Catalogue)),
            ),
            get(api::sources),
        ),
        (
            e(
                Method::GET,
                "/api/v1/sources/{name}",
                Allow(Read, Fixed(R::Catalogue)),
            ),
            get(api::source),
        ),
        (
            e(
                Method::GET,
                "/api/v1/sources/{name}/submissions",
                Allow(Read, Object(R::Submissions)),
            ),
            get(api::submissions),
        ),
        (
            e(
                Method::POST,
                "/api/v1/sources/{name}/submissions",
                Allow(Submit, AnyRecord),
            ),
            // The upload handler enforces its own limit while streaming.
            post(upload::submit).layer(DefaultBodyLimit::disable()),
        ),
        (
            e(
                Method::POST,
                "/api/v1/sources/{name}/quarantine/resubmit",
                Allow(Correct, Object(R::Quarantine)),
            ),
            post(api::resubmit),
        ),
        (
            e(
                Method::GET,
                "/api/v1/imports",
                Allow(Read, Object(R::Submissions)),
            ),
            get(api::imports),
        ),
        (
            e(
                Method::GET,
                "/api/v1/imports/{id}",
                Allow(Read, Object(R::Submissions)),
            ),
            get(api::import_job),
        ),
        (
            e(
                Method::GET,
                "/api/v1/submissions/{id}",
                Allow(Read, Object(R::Submissions)),
            ),
            get(api::submission),
        ),
        (
            e(
                Method::GET,
                "/api/v1/submissions/{id}/report",
                Allow(Read, Object(R::Submissions)),
            ),
            get(api::report),
        ),
        (
            e(
                Method::GET,
                "/api/v1/quarantine",
                Allow(Read, Object(R::Quarantine)),
            ),
            get(api::quarantine),
        ),
        (
            e(
                Method::GET,
                "/api/v1/quarantine/{id}",
                Allow(Read, Object(R::Quarantine)),
            ),
            get(api::quarantine_entry),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/quarantine/{id}/correction",
                Allow(Correct, Object(R::Quarantine)),
            ),
            put(api::correct),
        ),
        (
            e(
                Method::GET,
                "/api/v1/reviews",
                Allow(LinkReview, Object(R::Record(RecordKind::Person))),
            ),
            get(reviews::reviews),
        ),
        (
            e(
                Method::GET,
                "/api/v1/reviews/{id}",
                Allow(LinkReview, Object(R::Record(RecordKind::Person))),
            ),
            get(reviews::review),
        ),
        (
            e(
                Method::POST,
                "/api/v1/reviews/{id}/decision",
                Allow(LinkReview, Object(R::Record(RecordKind::Person))),
            ),
            post(reviews::decide),
        ),
        (
            e(
                Method::GET,
                "/api/v1/records/{kind}",
                Allow(Read, KindParam),
            ),
            get(records::records),
        ),
        (
            e(
                Method::GET,
                "/api/v1/records/{kind}/export",
                Allow(Export, KindParam),
            ),
            get(records::export),
        ),
        (
            e(
                Method::GET,
                "/api/v1/stats/records",
                Allow(Read, Fixed(R::Catalogue)),
            ),
            get(api::record_stats),
        ),
        (
            e(
                Method::GET,
                "/api/v1/users",
                Allow(Read, Object(R::Accounts)),
            ),
            get(admin::users),
        ),
        (
            e(
                Method::POST,
                "/api/v1/users",
                Allow(Administer, Object(R::Accounts)),
            ),
            post(admin::create_user),
        ),
        (
            e(
                Method::POST,
                "/api/v1/users/{id}/password-reset",
                Allow(Administer, Object(R::Accounts)),
            ),
            post(admin::reset_password),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/users/{id}/roles",
                Allow(Administer, Object(R::Accounts)),
            ),
            put(admin::set_roles),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/users/{id}/disabled",
                Allow(Administer, Object(R::Accounts)),
            ),
            put(admin::set_disabled),
        ),
        (
            e(
                Method::GET,
                "/api/v1/tokens",
                Allow(Read, Object(R::Accounts)),
            ),
            get(admin::tokens),
        ),
        (
            e(
                Method::POST,
                "/api/v1/tokens",
                Allow(Administer, Object(R::Accounts)),
            ),
            post(admin::issue_token),
        ),
        (
            e(
                Method::DELETE,
                "/api/v1/tokens/{id}",
                Allow(Administer, Object(R::Accounts)),
            ),
            delete(admin::revoke_token),
        ),
        (
            e(Method::GET, "/api/v1/policy", Allow(Read, Fixed(R::Policy))),
            get(admin::policy),
        ),
        (
            e(Method::GET, "/api/v1/audit", Allow(Read, Fixed(R::Audit))),
            get(admin::audit),
        ),
        (
            e(
                Method::GET,
                "/api/v1/persons/{number}/dossiers",
                Allow(Read, Object(R::Dossier)),
            ),
            get(dossiers::person_dossiers),
        ),
        (
            e(
                Method::POST,
                "/api/v1/persons/{number}/dossiers",
                Allow(Submit, Object(R::Dossier)),
            ),
            post(dossiers::create_dossier),
        ),
        (
            e(
                Method::GET,
                "/api/v1/dossiers/{id}",
                Allow(Read, Object(R::Dossier)),
            ),
            get(dossiers::dossier),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/dossiers/{id}/status",
                Allow(Correct, Object(R::Dossier)),
            ),
            put(dossiers::set_status),
        ),
        (
            e(
                Method::POST,
                "/api/v1/dossiers/{id}/entries",
                Allow(Submit, Object(R::Dossier)),
            ),
            post(dossiers::add_entry),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/dossiers/{id}/entries/{entry}",
                Allow(Correct, Object(R::Dossier)),
            ),
            put(dossiers::change_entry),
        ),
        (
            e(
                Method::GET,
                "/api/v1/dossiers/{id}/entries/{entry}/history",
                Allow(Read, Object(R::Dossier)),
            ),
            get(dossiers::entry_history),
        ),
        (
            e(
                Method::POST,
                "/api/v1/dossiers/{id}/attachments",
                Allow(Submit, Object(R::Dossier)),
            ),
            // The handler streams into the vault and enforces the attachment limit itself.
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        ),
        (
            e(
                Method::GET,
                "/api/v1/dossiers/{id}/attachments/{attachment}",
                Allow(Read, Object(R::Dossier)),
            ),
            get(attachments::download),
        ),
        (
            e(
                Method::GET,
                "/api/v1/dossiers/{id}/attachments/{attachment}/thumbnail",
                Allow(Read, Object(R::Dossier)),
            ),
            get(attachments::thumbnail),
        ),
        (
            e(
                Method::POST,
                "/api/v1/dossiers/{id}/attachments/{attachment}/withdrawal",
                Allow(Correct, Object(R::Dossier)),
            ),
            post(attachments::withdraw),
        ),
        (
            e(
                Method::GET,
                "/api/v1/persons/{number}/fingerprints",
                Allow(Read, Object(R::Biometrics)),
            ),
            get(fingerprints::list),
        ),
        (
            e(
                Method::GET,
                "/sdmx/2.1/{*path}",
                PublicOr(Read, R::Statistics),
            ),
            get(statistics::sdmx),
        ),
        (
            e(
                Method::GET,
                "/api/v1/indicators",
                PublicOr(Read, R::Statistics),
            ),
            get(statistics::indicators),
        ),
        (
            e(
                Method::GET,
                "/api/v1/indicators/{id}",
                PublicOr(Read, R::Statistics),
            ),
            get(statistics::indicator),
        ),
        (
            e(
                Method::POST,
                "/api/v1/persons/{number}/fingerprints",
                Allow(Submit, Object(R::Biometrics)),
            ),
            post(fingerprints::enrol).layer(DefaultBodyLimit::max(fingerprints::MAX_CAPTURE_BYTES)),
        ),
        (
            e(
                Method::POST,
                "/api/v1/persons/{number}/fingerprints/verification",
                Allow(Read, Object(R::Biometrics)),
            ),
            post(fingerprints::verify)
                .layer(DefaultBodyLimit::max(fingerprints::MAX_CAPTURE_BYTES)),
        ),
        (
            e(
                Method::POST,
                "/api/v1/fingerprints/identification",
                Allow(Read, Object(R::Biometrics)),
            ),
            post(fingerprints::identify)
                .layer(DefaultBodyLimit::max(fingerprints::MAX_CAPTURE_BYTES)),
        ),
        (
            e(
                Method::POST,
                "/api/v1/fingerprints/{id}/withdrawal",
                Allow(Correct, Object(R::Biometrics)),
            ),
            post(fingerprints::withdraw),
        ),
        (
            e(
                Method::POST,
                "/api/v1/statistics/refresh",
                Allow(Publish, Fixed(R::Statistics)),
            ),
            post(statistics::refresh),
        ),
        (
            e(
                Method::GET,
                "/api/v1/statistics/inputs",
                Allow(Publish, Fixed(R::Statistics)),
            ),
            get(statistics::inputs),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/statistics/inputs/{code}/{period}",
                Allow(Publish, Fixed(R::Statistics)),
            ),
            put(statistics::put_input),
        ),
        (
            e(Method::GET, "/api/v1/gcm/objectives", Public),
            get(gcm::objectives),
        ),
        (
            e(
                Method::GET,
                "/api/v1/gcm/plan/actions",
                Allow(Read, Fixed(R::Plan)),
            ),
            get(gcm::actions),
        ),
        (
            e(
                Method::POST,
                "/api/v1/gcm/plan/actions",
                Allow(Submit, Object(R::Plan)),
            ),
            post(gcm::create_action),
        ),
        (
            e(
                Method::GET,
                "/api/v1/gcm/plan/actions/{id}",
                Allow(Read, Fixed(R::Plan)),
            ),
            get(gcm::action),
        ),
        (
            e(
                Method::PUT,
                "/api/v1/gcm/plan/actions/{id}",
                Allow(Correct, Object(R::Plan)),
            ),
            put(gcm::change_action),
        ),
        (
            e(
                Method::GET,
                "/api/v1/gcm/plan/actions/{id}/history",
                Allow(Read, Fixed(R::Plan)),
            ),
            get(gcm::action_history),
        ),
        (
            e(
                Method::POST,
                "/api/v1/gcm/plan/actions/{id}/indicators",
                Allow(Submit, Object(R::Plan)),
            ),
            post(gcm::add_indicator),
        ),
        (
            e(
                Method::POST,
                "/api/v1/gcm/plan/actions/{id}/indicators/{code}/measurements",
                Allow(Submit, Object(R::Plan)),
            ),
            post(gcm::add_measurement),
        ),
        (
            e(
                Method::POST,
                "/api/v1/gcm/plan/actions/{id}/evaluations",
                Allow(Submit, Object(R::Plan)),
            ),
            post(gcm::add_evaluation),
        ),
        (
            e(
                Method::POST,
                "/api/v1/gcm/plan/actions/{id}/evidence",
                Allow(Submit, Object(R::Plan)),
            ),
            post(gcm::add_evidence),
        ),
        (
            e(
                Method::GET,
                "/api/v1/gcm/progress",
                Allow(Read, Fixed(R::Plan)),
            ),
            get(gcm::progress),
        ),
        (
            e(
                Method::POST,
                "/api/v1/incidents",
                Allow(Submit, Fixed(R::Incident)),
            ),
            post(gcm::create_incident),
        ),
        (
            e(
                Method::GET,
                "/api/v1/incidents",
                Allow(Read, Fixed(R::Incident)),
            ),
            get(gcm::incidents_list),
        ),
        (
            e(
                Method::GET,
                "/api/v1/incidents/sdg-10-7-3",
                Allow(Read, Fixed(R::Statistics)),
            ),
            get(gcm::sdg_10_7_3),
        ),
        (
            e(
                Method::GET,
                "/api/v1/incidents/{id}",
                Allow(Read, Fixed(R::Incident)),
            ),
            get(gcm::incident),
        ),
        (
            e(
                Method::POST,
                "/api/v1/incidents/{id}/persons",
                Allow(Correct, Fixed(R::Incident)),
            ),
            post(gcm::link_person),
        ),
        (
            e(
                Method::POST,
                "/api/v1/referrals/cases",
                Allow(Submit, Object(R::Referral)),
            ),
            post(gcm::create_case),
        ),
        (
            e(
                Method::GET,
                "/api/v1/referrals",
                Allow(Read, Object(R::Referral)),
            ),
            get(gcm::referrals),
        ),
        (
            e(
                Method::POST,
                "/api/v1/referrals",
                Allow(Submit, Object(R::Referral)),
            ),
            post(gcm::propose),
        ),
        (
            e(
                Method::GET,
                "/api/v1/referrals/overdue",
                Allow(Read, Object(R::Referral)),
            ),
            get(gcm::overdue),
        ),
        (
            e(
                Method::GET,
                "/api/v1/referrals/statistics",
                Allow(Read, Fixed(R::Statistics)),
            ),
            get(gcm::statistics),
        ),
        (
            e(
                Method::GET,
                "/api/v1/referrals/{id}",
                Allow(Read, Object(R::Referral)),
            ),
            get(gcm::referral),
        ),
        (
            e(
                Method::POST,
                "/api/v1/referrals/{id}/transitions",
                Allow(Correct, Object(R::Referral)),
            ),
            post(gcm::transition),
        ),
        (
            e(
                Method::POST,
                "/api/v1/complaints",
                Allow(Submit, Fixed(R::Complaint)),
            ),
            post(gcm::file_complaint),
        ),
        (
            e(
                Method::GET,
                "/api/v1/complaints",
                Allow(Read, Object(R::Complaint)),
            ),
            get(gcm::complaints),
        ),
        (
            e(Method::GET, "/api/v1/complaints/{reference}", Public),
            get(gcm::complaint_status),
        ),
        (
            e(
                Method::POST,
                "/api/v1/complaints/{reference}/transitions",
                Allow(Correct, Object(R::Complaint)),
            ),
            post(gcm::complaint_transition),
        ),
        (
            e(
                Method::GET,
                "/api/v1/microdata/variables",
                Allow(Submit, Fixed(R::Microdata)),
            ),
            get(microdata::catalogue),
        ),
        (
            e(
                Method::POST,
                "/api/v1/microdata/requests",
                Allow(Submit, Fixed(R::Microdata)),
            ),
            post(microdata::create),
        ),
        (
            e(
                Method::GET,
                "/api/v1/microdata/requests",
                Allow(Read, Object(R::Microdata)),
            ),
            get(microdata::list),
        ),
        (
            e(
                Method::GET,
                "/api/v1/microdata/requests/{id}",
                Allow(Read, Object(R::Microdata)),
            ),
            get(microdata::show),
        ),
        (
            e(
                Method::POST,
                "/api/v1/microdata/requests/{id}/decision",
                Allow(Correct, Object(R::Microdata)),
            ),
            post(microdata::decide),
        ),
        (
            e(
                Method::POST,
                "/api/v1/microdata/requests/{id}/withdrawal",
                Allow(Submit, Object(R::Microdata)),
            ),
            post(microdata::withdraw),
        ),
        (
            e(
                Method::GET,
                "/api/v1/microdata/requests/{id}/extract",
                Allow(Export, Object(R::Microdata)),
            ),
            get(microdata::download),
        ),
    ];
    routes.extend(portal::public::routes());
    routes.extend(portal::work::routes());
    routes.extend(portal::gcm::routes());
    routes.extend(portal::complaints::routes());
    // Last: any other address under a language is a page saying there is no such page.
    routes.push((
        e(Method::GET, "/{lang}/{*rest}", Public),
        get(portal::no_such_page),
    ));
    routes
}

/// The whole HTTP interface: [`routes`], each behind [`access::enforce`] with its need, all
/// behind [`caller::authenticate`].
pub fn router(state: AppState) -> Router {
    build_router(state, true)
}

/// The same routes without the enforcement layer, for the benchmark that measures what the
/// policy check costs (`bench/access`). Only built with the `bench` feature; never served.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub fn router_without_policy_check_for_benchmarks(state: AppState) -> Router {
    build_router(state, false)
}

fn build_router(state: AppState, enforce: bool) -> Router {
    // The largest body any route takes: a submission or an attachment (each route also enforces
    // its own limit while streaming).
    let largest = state
        .max_upload_bytes
        .max(state.attachment_limits.max_bytes);
    let body_limit =
        usize::try_from(largest.saturating_add(MULTIPART_OVERHEAD)).unwrap_or(usize::MAX);
    let metrics = state.metrics.clone();
    let mut api = Router::new();
    for (endpoint, handler) in routes() {
        let handler = if enforce {
            handler.layer(middleware::from_fn_with_state(
                (state.clone(), endpoint.need),
                access::enforce,
            ))
        } else {
            handler
        };
        // Pages answer errors as pages in their language (outside the enforcement layer, so
        // its 401 and 403 become the sign-in page and a page saying why).
        let handler = if endpoint.is_page() {
            handler.layer(middleware::from_fn(portal::html_errors))
        } else {
            handler
        };
        api = api.route(endpoint.path, handler);
    }
    let api = api
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            caller::authenticate,
        ))
        .route_layer(middleware::from_fn(tag_route))
        .with_state(state);
    api.layer(RequestBodyLimitLayer::new(body_limit))
        .layer(middleware::from_fn(error::problem_layer))
        .layer(middleware::from_fn_with_state(metrics, observe))
        .layer(
            TraceLayer::new_for_http()
                // Method only: the path and query can hold identifiers; the route is recorded
                // once known.
                .make_span_with(|request: &Request| {
                    tracing::info_span!(
                        "http",
                        method = %request.method(),
                        route = tracing::field::Empty
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, span: &Span| {
                    let route = route_of(response);
                    span.record("route", route);
                    tracing::info!(
                        status = response.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "answered"
                    );
                })
                .on_failure(()),
        )
}

/// Serves on an already bound listener until `shutdown` completes, then waits for the requests in
/// flight. Used by [`serve`] and by tests that bind `127.0.0.1:0`.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(address = %addr, "marsad is listening");
    }
    // Extracts approved but not built when the server last stopped are built again (in the
    // background: serving does not wait for it).
    microdata::resume(&state);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(ServerError::Serve)
}

/// Prepares `data_dir/incoming` (removing uploads left by an earlier crash), binds
/// `config.listen`, seals the TOTP secrets still kept in clear (with the vault; without one it
/// warns), logs the address and serves until `shutdown` completes; requests in flight are
/// finished before it returns.
pub async fn serve(
    config: ServerConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    vault: Option<Arc<marsad_vault::Vault>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let incoming = config.data_dir.join("incoming");
    upload::prepare_incoming(&incoming)
        .await
        .map_err(|source| ServerError::Incoming {
            path: incoming.clone(),
            source,
        })?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    // The store is synchronous (the PostgreSQL client must not run on a runtime thread).
    let access = {
        let (config, store, clock) = (config.clone(), store.clone(), clock.clone());
        tokio::task::spawn_blocking(move || start_access(&config, store.as_ref(), clock.as_ref()))
            .await
            .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??
    };
    // TOTP secrets enrolled before they were sealed are sealed before anything is served.
    let sealing = {
        let (store, vault, now) = (store.clone(), vault.clone(), clock.now());
        tokio::task::spawn_blocking(move || {
            auth_api::seal_clear_totp_secrets(store.as_ref(), vault.as_deref(), now)
        })
        .await
        .map_err(|e| ServerError::Serve(std::io::Error::other(e)))?
    };
    if let Err(e) = sealing {
        tracing::error!(
            code = e.code.as_str(),
            "sealing TOTP secrets kept in clear failed; they stay in clear until the next start"
        );
    }
    let mut state = AppState::new(store, clock, incoming, config.max_upload_bytes, access)
        .with_attachment_limits(config.attachments)
        .with_microdata_level(config.microdata);
    if let Some(v) = vault {
        state = state.with_vault(v);
    }
    serve_on(listener, state, shutdown).await
}

/// Loads the policy in force (installing the default on first start, which the audit trail
/// records) and draws a fresh CSRF key (sessions outlive it: the page asks for the token again
/// at `GET /api/v1/auth/me`).
pub fn start_access(
    config: &ServerConfig,
    store: &dyn Store,
    clock: &dyn Clock,
) -> Result<Arc<Access>, ServerError> {
    let csrf = marsad_auth::CsrfKey::generate(&mut AppState::rng());
    let (access, installed) = Access::new(config.access(), csrf)?;
    if let Some(installed) = installed {
        store
            .audit_append(&marsad_auth::AuditEvent {
                at: clock.now(),
                actor: marsad_auth::Actor::System("server".into()),
                institution: None,
                action: "policy.install".into(),
                object: Some(marsad_auth::AuditObject {
                    kind: "policy".into(),
                    id: format!("{} {}", installed.number, installed.sha256),
                }),
                purpose: None,
                outcome: marsad_auth::Outcome::Success,
            })
            .map_err(ServerError::Audit)?;
    }
    Ok(Arc::new(access))
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
