//! Optional OpenID Connect sign-in (a national e-ID): `GET /api/v1/auth/oidc/start` sends the
//! browser to the provider with state, nonce and PKCE (kept in the ceremony store for five
//! minutes); the provider sends it back to `/api/v1/auth/oidc/callback`, where the code is
//! exchanged, the ID token checked (`marsad_auth::oidc`) and the person signed in as the
//! **existing** account whose login equals the configured claim — the e-ID proves who someone
//! is, an administrator decides what they may do. The provider's discovery document and keys
//! are fetched on first use and again when a token names a key not yet seen (key rotation).

use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::oidc::{self, Discovery, Jwks, OidcError, Pending};
use marsad_auth::{Actor, AuditEvent, Outcome, Secret};
use marsad_store::Ceremony;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Code};
use crate::extract::ApiQuery;
use crate::AppState;

/// How long a person may take at the provider.
const CEREMONY_MINUTES: i64 = 5;

/// A provider, as configured (`[oidc]` in `DATA/marsad.toml`).
#[derive(Clone)]
pub struct OidcConfig {
    /// `https://eid.gov.example` (its `/.well-known/openid-configuration` is read).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret<String>,
    /// The ID token claim holding the marsad login (`preferred_username`, `email`, ...).
    pub login_claim: String,
    /// What the sign-in page calls it ("e-ID").
    pub label: String,
    /// Plain `http://` provider URLs (tests on one machine only).
    pub allow_http: bool,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("login_claim", &self.login_claim)
            .finish_non_exhaustive()
    }
}

/// The provider's documents, fetched once and refreshed on an unknown key.
#[derive(Default)]
pub(crate) struct ProviderCache(tokio::sync::Mutex<Option<(Discovery, Jwks)>>);

#[derive(Serialize, ToSchema)]
pub struct OidcInfo {
    pub enabled: bool,
    pub label: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's error code, when the person cancelled or was refused.
    pub error: Option<String>,
}

fn fail(detail: impl Into<String>) -> ApiError {
    ApiError::new(Code::Unauthenticated, detail)
}

fn client() -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ApiError::internal("preparing the e-ID client", &e))
}

async fn get_json<T: serde::de::DeserializeOwned>(
    url: &str,
    config: &OidcConfig,
) -> Result<T, ApiError> {
    if !config.allow_http && !url.starts_with("https://") {
        return Err(fail(format!(
            "the e-ID provider's address {url} is not https"
        )));
    }
    let response = client()?
        .get(url)
        .send()
        .await
        .map_err(|e| ApiError::internal("reaching the e-ID provider", &e))?;
    if !response.status().is_success() {
        return Err(fail(format!(
            "the e-ID provider answered {} at {url}",
            response.status()
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ApiError::internal("reading the e-ID provider's answer", &e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        fail(format!(
            "the e-ID provider's answer at {url} is not what OpenID Connect says: {e}"
        ))
    })
}

async fn provider(
    state: &AppState,
    config: &OidcConfig,
    refresh: bool,
) -> Result<(Discovery, Jwks), ApiError> {
    let cache = state.oidc_cache();
    let mut slot = cache.0.lock().await;
    if let (Some(found), false) = (slot.as_ref(), refresh) {
        return Ok(found.clone());
    }
    let url = format!(
        "{}/.well-known/openid-configuration",
        config.issuer.trim_end_matches('/')
    );
    let discovery: Discovery = get_json(&url, config).await?;
    if discovery.issuer.trim_end_matches('/') != config.issuer.trim_end_matches('/') {
        return Err(fail(
            "the e-ID provider's discovery document names another issuer",
        ));
    }
    let jwks: Jwks = get_json(&discovery.jwks_uri, config).await?;
    *slot = Some((discovery.clone(), jwks.clone()));
    Ok((discovery, jwks))
}

fn redirect_uri(state: &AppState) -> String {
    let origin = state
        .access()
        .origins()
        .first()
        .cloned()
        .unwrap_or_else(|| "http://localhost".into());
    format!("{}/api/v1/auth/oidc/callback", origin.trim_end_matches('/'))
}

fn ceremony_hash(state: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(state.as_bytes()).into()
}

/// Whether e-ID sign-in is configured, and its name.
#[utoipa::path(get, path = "/api/v1/auth/oidc", tag = "auth", responses((status = 200, body = OidcInfo)))]
pub async fn info(State(state): State<AppState>) -> Json<OidcInfo> {
    let config = state.access().oidc();
    Json(OidcInfo {
        enabled: config.is_some(),
        label: config.map(|c| c.label.clone()),
    })
}

/// Sends the browser to the e-ID provider.
#[utoipa::path(get, path = "/api/v1/auth/oidc/start", tag = "auth",
    responses((status = 303, description = "To the provider"), (status = 404, body = crate::error::Problem)))]
pub async fn start(State(state): State<AppState>) -> Result<Response, ApiError> {
    let config = state
        .access()
        .oidc()
        .cloned()
        .ok_or_else(|| ApiError::not_found("e-ID sign-in is not configured on this server"))?;
    let (discovery, _) = provider(&state, &config, false).await?;
    let (url, pending) = oidc::start(
        &discovery,
        &config.client_id,
        &redirect_uri(&state),
        "openid profile",
        &mut AppState::rng(),
    );
    let now = state.now();
    let text =
        serde_json::to_string(&pending).map_err(|e| ApiError::internal("saving a sign-in", &e))?;
    let hash = ceremony_hash(&pending.state);
    state
        .blocking(move |store, _| {
            store.put_ceremony(&Ceremony {
                id_hash: hash,
                user: None,
                kind: "oidc".into(),
                state: text,
                expires_at: now + chrono::Duration::minutes(CEREMONY_MINUTES),
            })?;
            Ok(())
        })
        .await?;
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        LOCATION,
        HeaderValue::from_str(&url)
            .map_err(|e| ApiError::internal("redirecting to the provider", &e))?,
    );
    Ok(r)
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

/// The provider's answer: checks it and signs the person in (cookie, then to `/signin`).
#[utoipa::path(get, path = "/api/v1/auth/oidc/callback", tag = "auth", params(Callback),
    responses((status = 303, description = "Signed in; to the sign-in page"), (status = 401, body = crate::error::Problem)))]
pub async fn callback(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<Callback>,
) -> Result<Response, ApiError> {
    let config = state
        .access()
        .oidc()
        .cloned()
        .ok_or_else(|| ApiError::not_found("e-ID sign-in is not configured on this server"))?;
    if let Some(error) = q.error {
        return Err(fail(format!(
            "the e-ID provider did not sign you in ({error})"
        )));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return Err(ApiError::bad_request("the callback needs code and state"));
    };
    let now = state.now();
    let hash = ceremony_hash(&st);
    let ceremony = state
        .blocking(move |store, _| Ok(store.take_ceremony(&hash, now)?))
        .await?
        .filter(|c| c.kind == "oidc")
        .ok_or_else(|| fail("this e-ID sign-in is unknown or expired: start again"))?;
    let pending: Pending = serde_json::from_str(&ceremony.state)
        .map_err(|e| ApiError::internal("reading a sign-in", &e))?;
    let (discovery, jwks) = provider(&state, &config, false).await?;
    if !config.allow_http && !discovery.token_endpoint.starts_with("https://") {
        return Err(fail("the e-ID provider's token endpoint is not https"));
    }
    let body = oidc::token_request_body(
        &code,
        &redirect_uri(&state),
        &config.client_id,
        config.client_secret.expose(),
        &pending,
    );
    let response = client()?
        .post(&discovery.token_endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| ApiError::internal("reaching the e-ID provider", &e))?;
    if !response.status().is_success() {
        return Err(fail(format!(
            "the e-ID provider refused the code ({})",
            response.status()
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ApiError::internal("reading the e-ID provider's answer", &e))?;
    let answer: TokenAnswer = serde_json::from_slice(&bytes)
        .map_err(|_| fail("the e-ID provider's token answer has no id_token"))?;
    let check = |jwks: &Jwks| {
        oidc::verify_id_token(
            &answer.id_token,
            jwks,
            &config.issuer,
            &config.client_id,
            &pending.nonce,
            &config.login_claim,
            now,
        )
    };
    let claims = match check(&jwks) {
        Err(OidcError::UnknownKey(_)) => check(&provider(&state, &config, true).await?.1),
        other => other,
    };
    let st2 = state.clone();
    let outcome = state
        .blocking(move |store, _| {
            let claims = match claims {
                Ok(c) => c,
                Err(e) => {
                    store.audit_append(&AuditEvent {
                        at: now,
                        actor: Actor::System("oidc".into()),
                        institution: None,
                        action: "auth.login (e-ID)".into(),
                        object: None,
                        purpose: None,
                        outcome: Outcome::Denied,
                    })?;
                    return Err(fail(format!("the e-ID sign-in was refused: {e}")));
                }
            };
            let user = match claims.login.as_deref() {
                Some(login) => store.user_by_login(login)?,
                None => None,
            };
            let Some(user) = user.filter(|u| !u.disabled) else {
                store.audit_append(&AuditEvent {
                    at: now,
                    actor: Actor::System("oidc".into()),
                    institution: None,
                    action: "auth.login (e-ID, no account)".into(),
                    object: None,
                    purpose: None,
                    outcome: Outcome::Denied,
                })?;
                return Err(fail(
                    "no active marsad account matches this e-ID; ask your administrator",
                ));
            };
            store.audit_append(&AuditEvent {
                at: now,
                actor: Actor::User(user.id.0.to_string()),
                institution: Some(user.institution.clone()),
                action: "auth.login (e-ID)".into(),
                object: None,
                purpose: None,
                outcome: Outcome::Success,
            })?;
            let (cookie, _) = crate::auth_api::open_session(&st2, store, &user, true, now)?;
            Ok(cookie.expose().clone())
        })
        .await?;
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/signin"));
    if let Ok(v) = HeaderValue::from_str(&outcome) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(r)
}
