//! The HTTP face of marsad: the JSON API under `/api/v1/` (described at
//! `/api/v1/openapi.json`), `/healthz`, `/metrics` (Prometheus text) and a minimal landing page.
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

mod api;
pub mod caller;
pub mod dto;
pub mod error;
mod extract;
mod jobs;
mod landing;
pub mod metrics;
pub mod openapi;
mod reviews;
mod upload;

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
}

impl ServerConfig {
    /// A configuration with the default upload limit.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            listen,
            data_dir,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
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
}

impl AppState {
    /// `incoming` is the folder uploads are spooled to (created on first use).
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        incoming: PathBuf,
        max_upload_bytes: u64,
    ) -> AppState {
        AppState {
            store: Arc::new(StoreHandle(Some(store))),
            clock,
            incoming,
            max_upload_bytes,
            metrics: Arc::new(Metrics::new()),
            jobs: Arc::new(jobs::Jobs::default()),
        }
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Imports running or recently finished.
    pub(crate) fn jobs(&self) -> &jobs::Jobs {
        &self.jobs
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

/// The whole HTTP interface.
pub fn router(state: AppState) -> Router {
    let body_limit = usize::try_from(state.max_upload_bytes.saturating_add(MULTIPART_OVERHEAD))
        .unwrap_or(usize::MAX);
    let metrics = state.metrics.clone();
    let api = Router::new()
        .route("/", get(landing::index))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/api/v1/institutions", get(api::institutions))
        .route("/api/v1/sources", get(api::sources))
        .route("/api/v1/sources/{name}", get(api::source))
        .route(
            "/api/v1/sources/{name}/submissions",
            get(api::submissions)
                .post(upload::submit)
                // The upload handler enforces its own limit while streaming.
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/sources/{name}/quarantine/resubmit",
            post(api::resubmit),
        )
        .route("/api/v1/imports", get(api::imports))
        .route("/api/v1/imports/{id}", get(api::import_job))
        .route("/api/v1/submissions/{id}", get(api::submission))
        .route("/api/v1/submissions/{id}/report", get(api::report))
        .route("/api/v1/quarantine", get(api::quarantine))
        .route("/api/v1/quarantine/{id}", get(api::quarantine_entry))
        .route("/api/v1/quarantine/{id}/correction", put(api::correct))
        .route("/api/v1/reviews", get(reviews::reviews))
        .route("/api/v1/reviews/{id}", get(reviews::review))
        .route("/api/v1/reviews/{id}/decision", post(reviews::decide))
        .route("/api/v1/records/{kind}", get(api::records))
        .route("/api/v1/stats/records", get(api::record_stats))
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Serve)
}

/// Prepares `data_dir/incoming` (removing uploads left by an earlier crash), binds
/// `config.listen`, logs the address and serves until `shutdown` completes; requests in flight
/// are finished before it returns.
pub async fn serve(
    config: ServerConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
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
    let state = AppState::new(store, clock, incoming, config.max_upload_bytes);
    serve_on(listener, state, shutdown).await
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
