//! Administration through the API: users (created with a one-time password, reset by an
//! administrator, roles, disabling), API tokens (issued once, stored hashed, revoked), the policy
//! in force and the audit trail (by person, by user, by token, or in order). Each object belongs
//! to an institution, and each is admitted through the request's permit: an institution's
//! administrator sees and manages only its own accounts; the observatory's, every account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::{
    issue_token as draw_token, Actor, AuditEntry, AuditEvent, AuditObject, Outcome, PasswordPolicy,
    Secret,
};
use marsad_policy::Origin;
use marsad_store::{ApiToken, NewUser, Store, ThrottleKind, User, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::api::limit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

/// Longest token lifetime.
const MAX_TOKEN_DAYS: i64 = 366;
/// Characters of a one-time password.
const ONE_TIME_PASSWORD_CHARS: usize = 20;

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub institution: String,
    pub roles: Vec<String>,
    pub totp_enrolled: bool,
    pub disabled: bool,
    pub created_at: String,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto {
            id: u.id.0,
            login: u.login,
            display_name: u.display_name,
            institution: u.institution,
            roles: u.roles,
            totp_enrolled: u.totp_secret.is_some(),
            disabled: u.disabled,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub login: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub institution: String,
    pub roles: Vec<String>,
}

/// A user and the one-time password to hand over (shown once).
#[derive(Serialize, ToSchema)]
pub struct UserWithPassword {
    pub user: UserDto,
    pub one_time_password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RolesRequest {
    pub roles: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct DisabledRequest {
    pub disabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: String,
    pub institution: String,
    pub actions: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        TokenDto {
            id: t.id,
            institution: t.institution,
            actions: t.actions,
            expires_at: t.expires_at.to_rfc3339(),
            revoked_at: t.revoked_at.map(|t| t.to_rfc3339()),
            created_by: t.created_by,
            created_at: t.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub institution: String,
    /// Comma-separated: submit, read, correct, export, link-review, publish.
    pub actions: String,
    /// Days until it expires (1 to 366).
    pub days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedTokenDto {
    pub token: TokenDto,
    /// `marsad_<id>_<secret>`: shown once, stored only hashed.
    pub secret: String,
}

#[derive(Deserialize, IntoParams)]
pub struct InstitutionQuery {
    /// Only this institution's.
    pub institution: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyDto {
    pub version: u32,
    pub title: String,
    pub sha256: String,
    /// The rules and the per-role matrix, as in docs/access.md.
    pub markdown: String,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// With `object_id`: entries about one object (`person` and a unified number: who saw this
    /// person's file).
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// Entries of one user (by id).
    pub user: Option<i64>,
    /// Entries of one API token (by id).
    pub token: Option<String>,
    /// In order, after this sequence number.
    pub after: Option<u64>,
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: u64,
    pub at: String,
    pub actor_kind: String,
    pub actor_id: String,
    pub institution: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub purpose: Option<String>,
    pub outcome: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        AuditEntryDto {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            actor_kind: e.actor.kind().to_string(),
            actor_id: e.actor.id().to_string(),
            institution: e.institution,
            action: e.action,
            object_kind: e.object.as_ref().map(|o| o.kind.clone()),
            object_id: e.object.map(|o| o.id),
            purpose: e.purpose,
            outcome: e.outcome.as_str().to_string(),
            hash: marsad_auth::hex32(&e.hash),
        }
    }
}

/// The kind of each institution, by name.
fn kinds(store: &dyn Store) -> Result<Vec<(String, String)>, ApiError> {
    Ok(store
        .institutions()?
        .into_iter()
        .map(|i| (i.name, i.kind))
        .collect())
}

fn kind_of<'a>(kinds: &'a [(String, String)], institution: &str) -> Result<&'a str, ApiError> {
    kinds
        .iter()
        .find(|(n, _)| n == institution)
        .map(|(_, k)| k.as_str())
        .ok_or_else(|| ApiError::not_found(format!("no institution is named '{institution}'")))
}

fn admit(permit: &Permit, kinds: &[(String, String)], institution: &str) -> Result<(), ApiError> {
    permit
        .admit(Origin {
            institution,
            institution_kind: kind_of(kinds, institution)?,
        })
        .map(|_| ())
}

fn event(state: &AppState, caller: &Caller, action: &str, kind: &str, id: &str) -> AuditEvent {
    AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action: action.into(),
        object: Some(AuditObject {
            kind: kind.into(),
            id: id.into(),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

fn check_roles(roles: &[String]) -> Result<(), ApiError> {
    if roles.is_empty() {
        return Err(ApiError::bad_request("give at least one role"));
    }
    for r in roles {
        if !marsad_policy::vocab::is_role(r) {
            let known: Vec<_> = marsad_policy::ROLES.iter().map(|(r, _)| *r).collect();
            return Err(ApiError::bad_request(format!(
                "unknown role '{r}' (known: {})",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// A random password for a new or reset account (shown once).
fn one_time_password() -> Secret<String> {
    marsad_auth::one_time_password(&mut AppState::rng(), ONE_TIME_PASSWORD_CHARS)
}

/// Accounts the caller administers.
#[utoipa::path(get, path = "/api/v1/users", tag = "administration", params(InstitutionQuery),
    responses((status = 200, body = [UserDto])))]
pub async fn users(
    State(state): State<AppState>,
    permit: Permit,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> Result<Json<Vec<UserDto>>, ApiError> {
    let users = state
        .blocking(move |store, _| {
            let kinds = kinds(store)?;
            let mut out = Vec::new();
            for u in store.users()? {
                if q.institution.as_ref().is_some_and(|i| *i != u.institution) {
                    continue;
                }
                if admit(&permit, &kinds, &u.institution).is_ok() {
                    out.push(UserDto::from(u));
                }
            }
            permit.grant();
            Ok(out)
        })
        .await?;
    Ok(Json(users))
}

/// Creates an account with a one-time password (answered once).
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", request_body = NewUserRequest,
    responses((status = 201, body = UserWithPassword)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> Result<Response, ApiError> {
    check_roles(&body.roles)?;
    let now = state.now();
    let st = state.clone();
    let created = state
        .blocking(move |store, _| {
            admit(&permit, &kinds(store)?, &body.institution)?;
            let password = one_time_password();
            let hash = PasswordPolicy::OWASP
                .hash(&password, &mut AppState::rng())
                .map_err(|e| ApiError::internal("hashing the password", &e))?;
            let user = store.create_user(&NewUser {
                login: body.login.trim(),
                display_name: body.display_name.as_deref().unwrap_or(body.login.trim()),
                institution: &body.institution,
                roles: &body.roles,
                password_hash: &hash,
                created_at: now,
            })?;
            store.audit_append(&event(
                &st,
                &caller,
                "user.create",
                "user",
                &user.id.0.to_string(),
            ))?;
            Ok(UserWithPassword {
                user: user.into(),
                one_time_password: password.expose().clone(),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Loads a user and admits it through the permit.
fn managed(store: &dyn Store, permit: &Permit, id: i64) -> Result<User, ApiError> {
    let user = store.user(UserId(id))?;
    admit(permit, &kinds(store)?, &user.institution)?;
    Ok(user)
}

/// Sets a new one-time password, ends the account's sessions and lifts a lockout.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "administration",
    params(("id" = i64, Path)), responses((status = 200, body = UserWithPassword)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserWithPassword>, ApiError> {
    let st = state.clone();
    let out = state
        .blocking(move |store, _| {
            let user = managed(store, &permit, id)?;
            let password = one_time_password();
            let hash = PasswordPolicy::OWASP
                .hash(&password, &mut AppState::rng())
                .map_err(|e| ApiError::internal("hashing the password", &e))?;
            store.set_user_password(user.id, &hash)?;
            store.delete_user_sessions(user.id)?;
            store.delete_throttle(ThrottleKind::Account, &user.login.trim().to_lowercase())?;
            store.delete_throttle(ThrottleKind::Account, &format!("2fa:{}", user.id.0))?;
            store.audit_append(&event(
                &st,
                &caller,
                "user.password-reset",
                "user",
                &id.to_string(),
            ))?;
            Ok(UserWithPassword {
                user: user.into(),
                one_time_password: password.expose().clone(),
            })
        })
        .await?;
    Ok(Json(out))
}

/// Replaces an account's roles.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "administration",
    params(("id" = i64, Path)), request_body = RolesRequest, responses((status = 200, body = UserDto)))]
pub async fn set_roles(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RolesRequest>,
) -> Result<Json<UserDto>, ApiError> {
    check_roles(&body.roles)?;
    let st = state.clone();
    let user = state
        .blocking(move |store, _| {
            let user = managed(store, &permit, id)?;
            store.set_user_roles(user.id, &body.roles)?;
            store.audit_append(&event(
                &st,
                &caller,
                &format!("user.roles {}", body.roles.join(",")),
                "user",
                &id.to_string(),
            ))?;
            Ok(store.user(user.id)?)
        })
        .await?;
    Ok(Json(user.into()))
}

/// Disables (and signs out) or re-enables an account.
#[utoipa::path(put, path = "/api/v1/users/{id}/disabled", tag = "administration",
    params(("id" = i64, Path)), request_body = DisabledRequest, responses((status = 200, body = UserDto)))]
pub async fn set_disabled(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DisabledRequest>,
) -> Result<Json<UserDto>, ApiError> {
    let st = state.clone();
    let user = state
        .blocking(move |store, _| {
            let user = managed(store, &permit, id)?;
            store.set_user_disabled(user.id, body.disabled)?;
            if body.disabled {
                store.delete_user_sessions(user.id)?;
            }
            let action = if body.disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            store.audit_append(&event(&st, &caller, action, "user", &id.to_string()))?;
            Ok(store.user(user.id)?)
        })
        .await?;
    Ok(Json(user.into()))
}

/// API tokens of the institutions the caller administers.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "administration", params(InstitutionQuery),
    responses((status = 200, body = [TokenDto])))]
pub async fn tokens(
    State(state): State<AppState>,
    permit: Permit,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    let tokens = state
        .blocking(move |store, _| {
            let kinds = kinds(store)?;
            let mut out = Vec::new();
            for (name, _) in &kinds {
                if q.institution.as_ref().is_some_and(|i| i != name) {
                    continue;
                }
                if admit(&permit, &kinds, name).is_ok() {
                    out.extend(store.tokens(name)?.into_iter().map(TokenDto::from));
                }
            }
            permit.grant();
            Ok(out)
        })
        .await?;
    Ok(Json(tokens))
}

/// Issues a token for an institution's system (answered once).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "administration", request_body = TokenRequest,
    responses((status = 201, body = IssuedTokenDto)))]
pub async fn issue_token(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    let actions: marsad_auth::ActionSet = body
        .actions
        .parse()
        .map_err(|e: marsad_auth::UnknownAction| ApiError::bad_request(e.to_string()))?;
    if actions.is_empty() {
        return Err(ApiError::bad_request("give at least one action"));
    }
    if !(1..=MAX_TOKEN_DAYS).contains(&body.days) {
        return Err(ApiError::bad_request(format!(
            "days must be between 1 and {MAX_TOKEN_DAYS}"
        )));
    }
    let now = state.now();
    let st = state.clone();
    let issued = state
        .blocking(move |store, _| {
            admit(&permit, &kinds(store)?, &body.institution)?;
            let t = draw_token(&mut AppState::rng());
            let row = ApiToken {
                id: t.id.clone(),
                secret_hash: t.secret_hash,
                institution: body.institution.clone(),
                actions: actions.to_string(),
                expires_at: now + chrono::Duration::days(body.days),
                revoked_at: None,
                created_by: caller.name.clone(),
                created_at: now,
            };
            store.create_token(&row)?;
            store.audit_append(&event(&st, &caller, "token.issue", "token", &t.id))?;
            Ok(IssuedTokenDto {
                token: row.into(),
                secret: t.token.expose().clone(),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "administration",
    params(("id" = String, Path)), responses((status = 204)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let st = state.clone();
    state
        .blocking(move |store, _| {
            let token = store
                .token(&id)?
                .ok_or_else(|| ApiError::not_found("no token has this id"))?;
            admit(&permit, &kinds(store)?, &token.institution)?;
            store.revoke_token(&id, now)?;
            store.audit_append(&event(&st, &caller, "token.revoke", "token", &id))?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The policy in force.
#[utoipa::path(get, path = "/api/v1/policy", tag = "administration", responses((status = 200, body = PolicyDto)))]
pub async fn policy(State(state): State<AppState>) -> Json<PolicyDto> {
    let p = state.access().policy();
    Json(PolicyDto {
        version: p.version,
        title: p.title.clone(),
        sha256: p.sha256.clone(),
        markdown: marsad_policy::table::markdown(&p),
    })
}

/// The audit trail: about one object, of one user or token, or in order.
#[utoipa::path(get, path = "/api/v1/audit", tag = "administration", params(AuditQuery),
    responses((status = 200, body = [AuditEntryDto])))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntryDto>>, ApiError> {
    let limit = limit(q.limit, 100, 10_000)?;
    let st = state.clone();
    let entries = state
        .blocking(move |store, _| {
            let entries = match (&q.object_kind, &q.object_id, q.user, &q.token) {
                (Some(k), Some(i), None, None) => store.audit_by_object(k, i, limit)?,
                (None, None, Some(u), None) => store.audit_by_actor(&Actor::User(u.to_string()), limit)?,
                (None, None, None, Some(t)) => store.audit_by_actor(&Actor::Token(t.clone()), limit)?,
                (None, None, None, None) => store.audit_entries(q.after.unwrap_or(0), limit)?,
                _ => return Err(ApiError::bad_request(
                    "ask for one of: object_kind with object_id, user, token, or none (in order, with after)",
                )),
            };
            // Reading the trail is itself on the trail.
            let mut e = event(&st, &caller, "audit.read", "audit", &format!("{} entries", entries.len()));
            e.purpose = permit.purpose().cloned();
            store.audit_append(&e)?;
            Ok(entries)
        })
        .await?;
    Ok(Json(entries.into_iter().map(AuditEntryDto::from).collect()))
}
