//! Passkeys (WebAuthn): a signed-in user registers one; anyone signs in with one, without a
//! user name (the browser offers the passkeys it holds for this site). A passkey with user
//! verification counts as both factors. Ceremony state lives in the store between the two
//! requests of a ceremony (the server can restart or run on several nodes), keyed by the
//! SHA-256 of a random id the page carries, used once and expiring after five minutes. The
//! verification itself is `marsad_auth::webauthn` (pure Rust: ES256, EdDSA, RS256).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use data_encoding::BASE64URL_NOPAD;
use marsad_auth::webauthn::{
    finish_authentication, finish_registration, generate_user_handle, start_authentication,
    start_registration, AuthenticationResponse, AuthenticationState, Passkey, RegistrationResponse,
    RegistrationState, RelyingParty, WebauthnError,
};
use marsad_auth::{Actor, AuditEvent, AuditObject, Outcome};
use marsad_store::{Ceremony, PasskeyRow, Store, ThrottleKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::caller::{Caller, Identity};
use crate::error::{ApiError, Code};
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

/// How long a ceremony may take.
const CEREMONY_MINUTES: i64 = 5;

/// The relying party the server is: its host (never an IP address: WebAuthn refuses those) and
/// the exact origins pages are served from.
pub(crate) fn relying_party(origins: &[String]) -> RelyingParty {
    let host = |o: &String| {
        o.split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .map(str::to_string)
    };
    let id = origins
        .iter()
        .filter_map(host)
        .find(|h| h.parse::<std::net::IpAddr>().is_err() && !h.starts_with('['))
        .unwrap_or_else(|| "localhost".into());
    RelyingParty::new(id, "marsad", origins.to_vec())
}

#[derive(Serialize, ToSchema)]
pub struct CeremonyStart {
    /// Send it back with the finishing request.
    pub ceremony: String,
    /// `PublicKeyCredentialCreationOptionsJSON` or `…RequestOptionsJSON` (binary as base64url).
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterFinish {
    pub ceremony: String,
    /// What the user calls this passkey ("office laptop").
    #[serde(default)]
    pub name: Option<String>,
    /// The `RegistrationResponseJSON` of `navigator.credentials.create`.
    #[schema(value_type = Object)]
    pub credential: RegistrationResponse,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginFinish {
    pub ceremony: String,
    /// The `AuthenticationResponseJSON` of `navigator.credentials.get`.
    #[schema(value_type = Object)]
    pub credential: AuthenticationResponse,
}

#[derive(Serialize, ToSchema)]
pub struct PasskeyDto {
    /// The credential id, base64url.
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// May be synced to the user's other devices.
    pub synced: bool,
}

impl From<PasskeyRow> for PasskeyDto {
    fn from(p: PasskeyRow) -> Self {
        PasskeyDto {
            id: BASE64URL_NOPAD.encode(&p.credential_id),
            name: p.name,
            created_at: p.created_at.to_rfc3339(),
            last_used_at: p.last_used_at.map(|t| t.to_rfc3339()),
            synced: p.backup_eligible,
        }
    }
}

fn passkey_of(row: &PasskeyRow) -> Passkey {
    let mut aaguid = [0u8; 16];
    if row.aaguid.len() == 16 {
        aaguid.copy_from_slice(&row.aaguid);
    }
    Passkey {
        credential_id: row.credential_id.clone(),
        public_key_cose: row.public_key_cose.clone(),
        algorithm: row.algorithm,
        sign_count: row.sign_count,
        user_handle: row.user_handle.clone(),
        aaguid,
        backup_eligible: row.backup_eligible,
        backed_up: row.backed_up,
        user_verified: true,
        transports: row
            .transports
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// A new ceremony id and the hash it is stored under.
fn new_ceremony() -> (String, [u8; 32]) {
    use marsad_auth::rand_core::Rng as _;
    let mut raw = [0u8; 32];
    AppState::rng().fill_bytes(&mut raw);
    let id = BASE64URL_NOPAD.encode(&raw);
    (id.clone(), ceremony_hash(&id))
}

fn ceremony_hash(id: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(id.as_bytes()).into()
}

fn refused(e: &WebauthnError) -> ApiError {
    ApiError::new(
        Code::Unauthenticated,
        format!("the passkey was refused: {e}"),
    )
}

fn signed_in_user(caller: &Caller) -> Result<marsad_store::UserId, ApiError> {
    match caller.identity {
        Identity::User { id, .. } => Ok(id),
        _ => Err(ApiError::new(
            Code::Conflict,
            "only a signed-in person registers a passkey",
        )),
    }
}

/// Starts registering a passkey for the signed-in user.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/start", tag = "auth",
    responses((status = 200, body = CeremonyStart)))]
pub async fn register_start(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CeremonyStart>, ApiError> {
    let id = signed_in_user(&caller)?;
    let rp = relying_party(state.access().origins());
    let now = state.now();
    let out = state
        .blocking(move |store, _| {
            let user = store.user(id)?;
            let existing: Vec<Passkey> = store.passkeys(id)?.iter().map(passkey_of).collect();
            let handle = existing
                .first()
                .map(|p| p.user_handle.clone())
                .unwrap_or_else(|| generate_user_handle(&mut AppState::rng()));
            let (options, reg) = start_registration(
                &rp,
                &handle,
                &user.login,
                &user.display_name,
                &existing,
                &mut AppState::rng(),
            )
            .map_err(|e| ApiError::internal("starting a passkey registration", &e))?;
            let (ceremony, hash) = new_ceremony();
            store.put_ceremony(&Ceremony {
                id_hash: hash,
                user: Some(id),
                kind: "register".into(),
                state: serde_json::to_string(&reg)
                    .map_err(|e| ApiError::internal("saving a ceremony", &e))?,
                expires_at: now + chrono::Duration::minutes(CEREMONY_MINUTES),
            })?;
            Ok(CeremonyStart {
                ceremony,
                options: serde_json::to_value(&options)
                    .map_err(|e| ApiError::internal("writing options", &e))?,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Checks the browser's new credential and stores the passkey.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/finish", tag = "auth", request_body = RegisterFinish,
    responses((status = 201, body = PasskeyDto), (status = 400, body = crate::error::Problem)))]
pub async fn register_finish(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RegisterFinish>,
) -> Result<Response, ApiError> {
    let id = signed_in_user(&caller)?;
    let rp = relying_party(state.access().origins());
    let now = state.now();
    let dto = state
        .blocking(move |store, _| {
            let user = store.user(id)?;
            let ceremony = store
                .take_ceremony(&ceremony_hash(&body.ceremony), now)?
                .filter(|c| c.kind == "register" && c.user == Some(id))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "no passkey registration is in progress (it may have expired): start again",
                    )
                })?;
            let reg: RegistrationState = serde_json::from_str(&ceremony.state)
                .map_err(|e| ApiError::internal("reading a ceremony", &e))?;
            let passkey = finish_registration(&rp, &reg, &body.credential)
                .map_err(|e| ApiError::bad_request(format!("the passkey was refused: {e}")))?;
            let row = PasskeyRow {
                credential_id: passkey.credential_id.clone(),
                user: id,
                user_handle: passkey.user_handle.clone(),
                public_key_cose: passkey.public_key_cose.clone(),
                algorithm: passkey.algorithm,
                sign_count: passkey.sign_count,
                aaguid: passkey.aaguid.to_vec(),
                backup_eligible: passkey.backup_eligible,
                backed_up: passkey.backed_up,
                transports: passkey.transports.join(","),
                name: body
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .unwrap_or("passkey")
                    .chars()
                    .take(100)
                    .collect(),
                created_at: now,
                last_used_at: None,
            };
            store.add_passkey(&row)?;
            store.audit_append(&AuditEvent {
                object: Some(AuditObject {
                    kind: "user".into(),
                    id: id.0.to_string(),
                }),
                ..crate::auth_api::audit(
                    now,
                    Actor::User(id.0.to_string()),
                    Some(user.institution),
                    "auth.passkey-register",
                    Outcome::Success,
                )
            })?;
            Ok(PasskeyDto::from(row))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

/// The signed-in user's passkeys.
#[utoipa::path(get, path = "/api/v1/auth/passkeys", tag = "auth", responses((status = 200, body = [PasskeyDto])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PasskeyDto>>, ApiError> {
    let id = signed_in_user(&caller)?;
    let rows = state
        .blocking(move |store, _| Ok(store.passkeys(id)?))
        .await?;
    Ok(Json(rows.into_iter().map(PasskeyDto::from).collect()))
}

/// Removes one of the signed-in user's passkeys.
#[utoipa::path(delete, path = "/api/v1/auth/passkeys/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(credential): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = signed_in_user(&caller)?;
    let credential = BASE64URL_NOPAD
        .decode(credential.as_bytes())
        .map_err(|_| ApiError::bad_request("the passkey id is base64url"))?;
    let now = state.now();
    let institution = caller.institution().map(str::to_string);
    state
        .blocking(move |store, _| {
            if !store.delete_passkey(id, &credential)? {
                return Err(ApiError::not_found("you have no passkey with this id"));
            }
            store.audit_append(&crate::auth_api::audit(
                now,
                Actor::User(id.0.to_string()),
                institution,
                "auth.passkey-remove",
                Outcome::Success,
            ))?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Starts a sign-in with a passkey (no user name: the browser offers the passkeys it holds).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/start", tag = "auth", responses((status = 200, body = CeremonyStart)))]
pub async fn login_start(State(state): State<AppState>) -> Result<Json<CeremonyStart>, ApiError> {
    let rp = relying_party(state.access().origins());
    let now = state.now();
    let out = state
        .blocking(move |store, _| {
            let (options, auth) = start_authentication(&rp, &[], &mut AppState::rng());
            let (ceremony, hash) = new_ceremony();
            store.put_ceremony(&Ceremony {
                id_hash: hash,
                user: None,
                kind: "login".into(),
                state: serde_json::to_string(&auth)
                    .map_err(|e| ApiError::internal("saving a ceremony", &e))?,
                expires_at: now + chrono::Duration::minutes(CEREMONY_MINUTES),
            })?;
            Ok(CeremonyStart {
                ceremony,
                options: serde_json::to_value(&options)
                    .map_err(|e| ApiError::internal("writing options", &e))?,
            })
        })
        .await?;
    Ok(Json(out))
}

/// Finishes a passkey sign-in: the session cookie and the account, as after a password and
/// second factor.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/finish", tag = "auth", request_body = LoginFinish,
    responses((status = 200, body = crate::auth_api::Me), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login_finish(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginFinish>,
) -> Result<Response, ApiError> {
    let rp = relying_party(state.access().origins());
    let now = state.now();
    let st = state.clone();
    let (cookie, me) = state
        .blocking(move |store, _| {
            let throttle = st.access().throttle_address();
            let address = peer.ip().to_string();
            let t = store.throttle(ThrottleKind::Address, &address)?;
            if !matches!(throttle.check(&t, now), marsad_auth::Decision::Allow) {
                return Err(ApiError::new(
                    Code::TooManyAttempts,
                    "too many failed sign-ins from this address; wait",
                ));
            }
            let fail = |store: &dyn Store,
                        actor: Actor,
                        why: ApiError|
             -> Result<(String, crate::auth_api::Me), ApiError> {
                store.put_throttle(
                    ThrottleKind::Address,
                    &address,
                    &throttle.record_failure(&t, now),
                )?;
                store.audit_append(&crate::auth_api::audit(
                    now,
                    actor,
                    None,
                    "auth.passkey-login",
                    Outcome::Denied,
                ))?;
                Err(why)
            };
            let ceremony = store
                .take_ceremony(&ceremony_hash(&body.ceremony), now)?
                .filter(|c| c.kind == "login");
            let Some(ceremony) = ceremony else {
                return Err(ApiError::bad_request(
                    "no passkey sign-in is in progress (it may have expired): start again",
                ));
            };
            let auth: AuthenticationState = serde_json::from_str(&ceremony.state)
                .map_err(|e| ApiError::internal("reading a ceremony", &e))?;
            let row = match body.credential.credential_id() {
                Ok(cid) => store.passkey(&cid)?,
                Err(_) => None,
            };
            let Some(row) = row else {
                return fail(
                    store,
                    Actor::System("unknown-passkey".into()),
                    ApiError::new(Code::Unauthenticated, "this passkey is not registered here"),
                );
            };
            let actor = Actor::User(row.user.0.to_string());
            let result =
                match finish_authentication(&rp, &auth, &body.credential, &passkey_of(&row)) {
                    Ok(r) => r,
                    Err(e) => {
                        if matches!(e, WebauthnError::CounterRegression { .. }) {
                            tracing::warn!(
                            "a passkey's counter went backwards: possibly a cloned authenticator"
                        );
                        }
                        return fail(store, actor, refused(&e));
                    }
                };
            let user = store.user(row.user)?;
            if user.disabled {
                return fail(
                    store,
                    actor,
                    ApiError::new(Code::Unauthenticated, "the account is disabled"),
                );
            }
            store.use_passkey(
                &row.credential_id,
                result.new_sign_count,
                result.backed_up,
                now,
            )?;
            store.audit_append(&crate::auth_api::audit(
                now,
                actor,
                Some(user.institution.clone()),
                "auth.login (passkey)",
                Outcome::Success,
            ))?;
            let (cookie, me) = crate::auth_api::open_session(&st, store, &user, true, now)?;
            Ok((cookie.expose().clone(), me))
        })
        .await?;
    let mut r = Json(me).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(r)
}
