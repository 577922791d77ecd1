//! Signing in and out: password (throttled per account and per source address, locked after
//! repeated failures), the TOTP second factor or a recovery code, the session cookie and its
//! CSRF token, changing one's own password and enrolling an authenticator app. Every attempt,
//! good or bad, is written to the audit trail (never the password or the login name typed for
//! an unknown account: it can be a password typed in the wrong field).
//!
//! **TOTP secrets are sealed at rest** by the vault ([`marsad_vault::Vault::seal`], purpose
//! `totp/user/<id>`, so a sealed value copied into another user's row does not open): the column
//! holds `vault-sealed:v1:…`, never the secret. Enrolment is refused with `vault_unavailable`
//! when the server runs without its vault (a secret is never stored in clear any more); a sealed
//! secret cannot be checked without the vault either (the same answer; recovery codes and
//! passkeys still work). Secrets enrolled before sealing existed (base32 in clear) keep working
//! and are sealed when the server starts with its vault ([`seal_clear_totp_secrets`], called by
//! [`crate::serve`]; without a vault it only warns). Vault key rotation needs nothing here: the
//! sealing key derives from the vault's own secret, which rotation re-wraps.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::{
    check_new_password, generate_recovery_codes, verify_recovery_code, Actor, AuditEvent,
    AuditObject, Outcome, Secret, ThrottleState, TotpConfig, TotpSecret, TotpVerdict,
};
use marsad_store::{SessionRow, Store, ThrottleKind, User, UserId};
use marsad_vault::Vault;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::caller::{Caller, Identity};
use crate::error::{ApiError, Code};
use crate::extract::ApiJson;
use crate::AppState;

/// Recovery codes issued at TOTP enrolment.
const RECOVERY_CODES: usize = 10;

/// What a user's TOTP secret is sealed for: binds the sealed value to its row.
fn totp_purpose(id: UserId) -> String {
    format!("totp/user/{}", id.0)
}

fn no_vault() -> ApiError {
    ApiError::new(
        Code::VaultUnavailable,
        "this server runs without its key vault, which keeps second factors sealed",
    )
}

/// Seals a TOTP secret for the users table.
fn seal_totp(vault: &Vault, id: UserId, secret: &TotpSecret) -> Result<String, ApiError> {
    vault
        .seal(&totp_purpose(id), secret.as_bytes())
        .map_err(|e| ApiError::internal("sealing a second factor", &e))
}

/// The TOTP secret of a users row: sealed (opened with the vault) or, enrolled before sealing
/// existed, base32 in clear.
pub(crate) fn stored_totp_secret(
    vault: Option<&Vault>,
    id: UserId,
    stored: &str,
) -> Result<TotpSecret, ApiError> {
    let damaged = || {
        tracing::error!(user = id.0, "a stored second factor does not open");
        ApiError::new(Code::Internal, "the stored second factor is unreadable")
    };
    if !marsad_vault::is_sealed(stored) {
        return TotpSecret::from_base32(stored).map_err(|_| damaged());
    }
    let vault = vault.ok_or_else(no_vault)?;
    let bytes = vault
        .open_sealed(&totp_purpose(id), stored)
        .map_err(|_| damaged())?;
    TotpSecret::from_bytes(bytes.to_vec()).map_err(|_| damaged())
}

/// Seals every TOTP secret still kept in clear (enrolled before sealing existed), keeping each
/// user's last used step (replay refusal survives). Returns how many were sealed; each is
/// audited (`auth.totp-seal`, system actor, object the user). Run at start-up, before serving
/// ([`crate::serve`]); without a vault, logs a warning naming how many remain in clear.
pub fn seal_clear_totp_secrets(
    store: &dyn Store,
    vault: Option<&Vault>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, ApiError> {
    let clear: Vec<User> = store
        .users()?
        .into_iter()
        .filter(|u| {
            u.totp_secret
                .as_deref()
                .is_some_and(|s| !marsad_vault::is_sealed(s))
        })
        .collect();
    let Some(vault) = vault else {
        if !clear.is_empty() {
            tracing::warn!(
                users = clear.len(),
                "TOTP secrets are kept in clear: start the server with its vault keys to seal them"
            );
        }
        return Ok(0);
    };
    let mut sealed = 0;
    for user in clear {
        let Some(text) = user.totp_secret.as_deref() else {
            continue;
        };
        let secret = stored_totp_secret(None, user.id, text)?;
        let value = seal_totp(vault, user.id, &secret)?;
        store.set_user_totp(user.id, Some(&value))?;
        if let Some(step) = user.totp_last_step {
            store.advance_totp_step(user.id, step)?;
        }
        store.audit_append(&AuditEvent {
            object: Some(AuditObject {
                kind: "user".into(),
                id: user.id.0.to_string(),
            }),
            ..audit(
                now,
                Actor::System("server".into()),
                Some(user.institution.clone()),
                "auth.totp-seal",
                Outcome::Success,
            )
        })?;
        sealed += 1;
    }
    if sealed > 0 {
        tracing::info!(users = sealed, "TOTP secrets kept in clear were sealed");
    }
    Ok(sealed)
}

/// A secret read from a JSON body: redacted in `Debug`, zeroed when dropped.
pub struct SecretText(Secret<String>);

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| SecretText(Secret::new(s)))
    }
}

impl std::ops::Deref for SecretText {
    type Target = Secret<String>;
    fn deref(&self) -> &Secret<String> {
        &self.0
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub login: String,
    #[schema(value_type = String)]
    pub password: SecretText,
}

#[derive(Deserialize, ToSchema)]
pub struct SecondFactorRequest {
    /// The 6-digit code of the authenticator app…
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub code: Option<SecretText>,
    /// …or one unused recovery code.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub recovery_code: Option<SecretText>,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(value_type = String)]
    pub current: SecretText,
    #[schema(value_type = String)]
    pub new: SecretText,
}

#[derive(Deserialize, ToSchema)]
pub struct TotpConfirm {
    /// The secret `enrol` returned.
    #[schema(value_type = String)]
    pub secret: SecretText,
    /// A code the app shows for it.
    #[schema(value_type = String)]
    pub code: SecretText,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub display_name: String,
    pub institution: String,
    pub roles: Vec<String>,
    /// True until the second factor is given.
    pub second_factor_required: bool,
    pub totp_enrolled: bool,
    /// Send it as `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret, to type into the app if the URI cannot be scanned.
    pub secret: String,
    /// `otpauth://totp/...`, for a QR code.
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodeList {
    /// Shown once: each signs in once when the authenticator is lost.
    pub recovery_codes: Vec<String>,
}

fn account_key(login: &str) -> String {
    login.trim().to_lowercase()
}

pub(crate) fn audit(
    at: chrono::DateTime<chrono::Utc>,
    actor: Actor,
    institution: Option<String>,
    action: &str,
    outcome: Outcome,
) -> AuditEvent {
    AuditEvent {
        at,
        actor,
        institution,
        action: action.into(),
        object: None,
        purpose: None,
        outcome,
    }
}

fn retry_after(
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let secs = (until - now).num_seconds().max(1);
    let mut r = ApiError::new(
        Code::TooManyAttempts,
        format!("too many failed attempts; try again in {secs} s"),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    r
}

/// What a sign-in step decided (computed on the blocking pool, answered on the runtime).
enum Step {
    Refused(ApiError),
    Wait(chrono::DateTime<chrono::Utc>),
    Locked,
    SignedIn { cookie: Secret<String>, me: Me },
}

fn me_of(
    state: &AppState,
    store: &dyn Store,
    user: &User,
    session: &[u8; 32],
    pending: bool,
) -> Result<Me, ApiError> {
    let _ = store;
    Ok(Me {
        login: user.login.clone(),
        display_name: user.display_name.clone(),
        institution: user.institution.clone(),
        roles: user.roles.clone(),
        second_factor_required: pending,
        totp_enrolled: user.totp_secret.is_some(),
        csrf_token: state.access().csrf().token(session),
    })
}

/// Starts a session for `user` (fully signed in when `second_factor_done`).
fn start_session(
    state: &AppState,
    store: &dyn Store,
    user: &User,
    second_factor_done: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Step, ApiError> {
    let (cookie, me) = open_session(state, store, user, second_factor_done, now)?;
    Ok(Step::SignedIn { cookie, me })
}

/// Starts a session for `user` (fully signed in when `second_factor_done`): the `Set-Cookie`
/// value and the account as answered. Every way of signing in ends here.
pub(crate) fn open_session(
    state: &AppState,
    store: &dyn Store,
    user: &User,
    second_factor_done: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Secret<String>, Me), ApiError> {
    let policy = state.access().session_policy();
    let new = policy.start(&mut AppState::rng(), now);
    store.create_session(&SessionRow {
        id_hash: new.record.id_hash,
        user: user.id,
        created_at: now,
        last_seen_at: now,
        second_factor_done,
    })?;
    let pending = user.totp_secret.is_some() && !second_factor_done;
    Ok((
        policy.set_cookie(&new.id),
        me_of(state, store, user, &new.record.id_hash, pending)?,
    ))
}

fn answer(step: Step, now: chrono::DateTime<chrono::Utc>) -> Response {
    match step {
        Step::Refused(e) => e.into_response(),
        Step::Wait(until) => retry_after(until, now),
        Step::Locked => ApiError::new(
            Code::TooManyAttempts,
            "the account is locked after repeated failures; an administrator unlocks it",
        )
        .into_response(),
        Step::SignedIn { cookie, me } => {
            let mut r = Json(me).into_response();
            if let Ok(v) = HeaderValue::from_str(cookie.expose()) {
                r.headers_mut().insert(SET_COOKIE, v);
            }
            r
        }
    }
}

/// Signs in with login and password. Answers the account (and sets the session cookie); when a
/// second factor is enrolled, the session can only give it (`second_factor_required`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem),
        (status = 503, description = "The secret is sealed and the server runs without its key vault", body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Response {
    let now = state.now();
    let st = state.clone();
    let step = state
        .blocking(move |store, _| {
            let access = st.access();
            let (pa, pi) = (access.throttle_account(), access.throttle_address());
            let account = account_key(&body.login);
            let address = peer.ip().to_string();
            let sa = store.throttle(ThrottleKind::Account, &account)?;
            let si = store.throttle(ThrottleKind::Address, &address)?;
            match pa.check(&sa, now).stricter(pi.check(&si, now)) {
                marsad_auth::Decision::Allow => {}
                marsad_auth::Decision::RetryAfter(until) => return Ok(Step::Wait(until)),
                marsad_auth::Decision::Locked { until: Some(until) } => {
                    return Ok(Step::Wait(until))
                }
                marsad_auth::Decision::Locked { until: None } => return Ok(Step::Locked),
            }
            let user = store.user_by_login(body.login.trim())?;
            let passwords = access.password_policy();
            let ok = match &user {
                Some(u) => passwords
                    .verify(&body.password, &u.password_hash)
                    .unwrap_or(false),
                None => passwords.verify_unknown_account(&body.password),
            };
            let user = match (ok, user) {
                (true, Some(u)) if !u.disabled => u,
                (_, user) => {
                    store.put_throttle(
                        ThrottleKind::Account,
                        &account,
                        &pa.record_failure(&sa, now),
                    )?;
                    store.put_throttle(
                        ThrottleKind::Address,
                        &address,
                        &pi.record_failure(&si, now),
                    )?;
                    let actor = match &user {
                        Some(u) => Actor::User(u.id.0.to_string()),
                        None => Actor::System("unknown-login".into()),
                    };
                    store.audit_append(&audit(
                        now,
                        actor,
                        user.map(|u| u.institution),
                        "auth.login",
                        Outcome::Denied,
                    ))?;
                    return Ok(Step::Refused(ApiError::new(
                        Code::Unauthenticated,
                        "wrong login or password (or the account is disabled)",
                    )));
                }
            };
            store.delete_throttle(ThrottleKind::Account, &account)?;
            if passwords.needs_rehash(&user.password_hash) {
                if let Ok(h) = passwords.hash(&body.password, &mut AppState::rng()) {
                    store.set_user_password(user.id, &h)?;
                }
            }
            store.audit_append(&audit(
                now,
                Actor::User(user.id.0.to_string()),
                Some(user.institution.clone()),
                if user.totp_secret.is_some() {
                    "auth.password"
                } else {
                    "auth.login"
                },
                Outcome::Success,
            ))?;
            let done = user.totp_secret.is_none();
            start_session(&st, store, &user, done, now)
        })
        .await;
    match step {
        Ok(step) => answer(step, now),
        Err(e) => e.into_response(),
    }
}

/// Gives the second factor (a TOTP code or a recovery code). The half-signed-in session is
/// replaced by a new one (a new cookie), so an id seen before the second factor is worth nothing.
#[utoipa::path(post, path = "/api/v1/auth/totp", tag = "auth", request_body = SecondFactorRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem),
        (status = 503, description = "The secret is sealed and the server runs without its key vault", body = crate::error::Problem)))]
pub async fn totp(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SecondFactorRequest>,
) -> Response {
    let now = state.now();
    let Identity::Pending { id, session } = caller.identity else {
        return ApiError::new(Code::Conflict, "this session needs no second factor")
            .into_response();
    };
    let st = state.clone();
    let step = state
        .blocking(move |store, _| {
            let pa = st.access().throttle_account();
            let user = store.user(id)?;
            let key = format!("2fa:{}", user.id.0);
            let state0 = store.throttle(ThrottleKind::Account, &key)?;
            match pa.check(&state0, now) {
                marsad_auth::Decision::Allow => {}
                marsad_auth::Decision::RetryAfter(u)
                | marsad_auth::Decision::Locked { until: Some(u) } => return Ok(Step::Wait(u)),
                marsad_auth::Decision::Locked { until: None } => return Ok(Step::Locked),
            }
            let accepted = match (&body.code, &body.recovery_code, &user.totp_secret) {
                (Some(code), _, Some(secret)) => {
                    let secret = stored_totp_secret(st.vault.as_deref(), user.id, secret)?;
                    match TotpConfig::DEFAULT.verify(
                        &secret,
                        code.expose(),
                        now,
                        user.totp_last_step,
                    ) {
                        TotpVerdict::Accepted { step } => store.advance_totp_step(user.id, step)?,
                        _ => false,
                    }
                }
                (None, Some(code), Some(_)) => {
                    let unused = store.unused_recovery_codes(user.id)?;
                    match verify_recovery_code(code.expose(), &unused) {
                        Some(i) => store.consume_recovery_code(user.id, &unused[i], now)?,
                        None => false,
                    }
                }
                _ => false,
            };
            let actor = Actor::User(user.id.0.to_string());
            if !accepted {
                store.put_throttle(
                    ThrottleKind::Account,
                    &key,
                    &pa.record_failure(&state0, now),
                )?;
                store.audit_append(&audit(
                    now,
                    actor,
                    Some(user.institution.clone()),
                    "auth.second-factor",
                    Outcome::Denied,
                ))?;
                return Ok(Step::Refused(ApiError::new(
                    Code::SecondFactorRequired,
                    "the code is wrong, expired or already used",
                )));
            }
            store.put_throttle(ThrottleKind::Account, &key, &ThrottleState::default())?;
            store.delete_session(&session)?;
            store.audit_append(&audit(
                now,
                actor,
                Some(user.institution.clone()),
                "auth.login",
                Outcome::Success,
            ))?;
            start_session(&st, store, &user, true, now)
        })
        .await;
    match step {
        Ok(step) => answer(step, now),
        Err(e) => e.into_response(),
    }
}

/// Ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let now = state.now();
    if let Some(session) = caller.session().copied() {
        let actor = caller.actor();
        let institution = caller.institution().map(str::to_string);
        state
            .blocking(move |store, _| {
                store.delete_session(&session)?;
                store.audit_append(&audit(
                    now,
                    actor,
                    institution,
                    "auth.logout",
                    Outcome::Success,
                ))?;
                Ok(())
            })
            .await?;
    }
    let mut r = axum::http::StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&state.access().session_policy().clear_cookie()) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(r)
}

fn user_of(caller: &Caller) -> Result<(UserId, [u8; 32]), ApiError> {
    match caller.identity {
        Identity::User { id, session } | Identity::Pending { id, session } => Ok((id, session)),
        _ => Err(ApiError::new(
            Code::Conflict,
            "API tokens have no account to show or change",
        )),
    }
}

/// The signed-in account and the session's CSRF token.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let (id, session) = user_of(&caller)?;
    let pending = matches!(caller.identity, Identity::Pending { .. });
    let st = state.clone();
    let me = state
        .blocking(move |store, _| me_of(&st, store, &store.user(id)?, &session, pending))
        .await?;
    Ok(Json(me))
}

/// Changes one's own password (the current one is asked again). Other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    let (id, session) = user_of(&caller)?;
    let now = state.now();
    let st = state.clone();
    state
        .blocking(move |store, _| {
            let user = store.user(id)?;
            let passwords = st.access().password_policy();
            if !passwords
                .verify(&body.current, &user.password_hash)
                .unwrap_or(false)
            {
                return Err(ApiError::new(
                    Code::Unauthenticated,
                    "the current password is wrong",
                ));
            }
            check_new_password(&body.new, &[&user.login, &user.display_name])
                .map_err(|w| ApiError::bad_request(w.to_string()))?;
            let hash = passwords
                .hash(&body.new, &mut AppState::rng())
                .map_err(|e| ApiError::internal("hashing the password", &e))?;
            store.set_user_password(id, &hash)?;
            store.delete_user_sessions(id)?;
            store.create_session(&SessionRow {
                id_hash: session,
                user: id,
                created_at: now,
                last_seen_at: now,
                second_factor_done: true,
            })?;
            store.audit_append(&audit(
                now,
                Actor::User(id.0.to_string()),
                Some(user.institution),
                "auth.password-change",
                Outcome::Success,
            ))?;
            Ok(())
        })
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Draws a new TOTP secret for the signed-in user. Nothing is stored until
/// `POST /api/v1/auth/totp/confirm` proves the app has it.
#[utoipa::path(post, path = "/api/v1/auth/totp/enrol", tag = "auth", responses((status = 200, body = TotpEnrolment),
    (status = 503, description = "The server runs without its key vault", body = crate::error::Problem)))]
pub async fn totp_enrol(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TotpEnrolment>, ApiError> {
    user_of(&caller)?;
    // Refused before a secret is shown: it could not be stored sealed.
    state.vault.as_ref().ok_or_else(no_vault)?;
    let secret = TotpSecret::generate(&mut AppState::rng());
    Ok(Json(TotpEnrolment {
        uri: TotpConfig::DEFAULT
            .otpauth_uri(&secret, &caller.name)
            .expose()
            .clone(),
        secret: secret.to_base32().expose().clone(),
    }))
}

/// Stores the TOTP secret once a code from the app matches, and answers ten recovery codes
/// (shown once).
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodeList), (status = 400, body = crate::error::Problem),
        (status = 503, description = "The server runs without its key vault", body = crate::error::Problem)))]
pub async fn totp_confirm(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<TotpConfirm>,
) -> Result<Json<RecoveryCodeList>, ApiError> {
    let (id, _) = user_of(&caller)?;
    let vault = state.vault.clone().ok_or_else(no_vault)?;
    let now = state.now();
    let secret = TotpSecret::from_base32(body.secret.expose())
        .map_err(|_| ApiError::bad_request("the secret is not the base32 text enrol returned"))?;
    let step = match TotpConfig::DEFAULT.verify(&secret, body.code.expose(), now, None) {
        TotpVerdict::Accepted { step } => step,
        _ => {
            return Err(ApiError::bad_request(
                "the code does not match the secret (check the phone's clock)",
            ))
        }
    };
    let codes = generate_recovery_codes(&mut AppState::rng(), RECOVERY_CODES);
    let hashes = codes.hashes.clone();
    let text = seal_totp(&vault, id, &secret)?;
    state
        .blocking(move |store, _| {
            let user = store.user(id)?;
            store.set_user_totp(id, Some(&text))?;
            store.advance_totp_step(id, step)?;
            store.set_recovery_codes(id, &hashes, now)?;
            store.audit_append(&AuditEvent {
                object: Some(AuditObject {
                    kind: "user".into(),
                    id: id.0.to_string(),
                }),
                ..audit(
                    now,
                    Actor::User(id.0.to_string()),
                    Some(user.institution),
                    "auth.totp-enrol",
                    Outcome::Success,
                )
            })?;
            Ok(())
        })
        .await?;
    Ok(Json(RecoveryCodeList {
        recovery_codes: codes.codes.iter().map(|c| c.expose().clone()).collect(),
    }))
}
