//! Who is calling: the authentication layer. Every request passes [`authenticate`] first, which
//! turns an API token (`Authorization: Bearer marsad_<id>_<secret>`) or a session cookie into a
//! [`Caller`] in the request's extensions; no credentials make an anonymous caller, and bad ones
//! (unknown, expired, revoked token; expired session) a 401 whatever the route. State-changing
//! requests authenticated by the cookie must come from the server's own origin and carry the
//! session's CSRF token (`X-CSRF-Token`); token-authenticated ones are not exposed to CSRF.
//! A portal page's HTML form cannot set a header: on page routes (`/{lang}/...`) the token is
//! also accepted as the form field `csrf` of a URL-encoded body (read here, at most
//! [`MAX_FORM_BYTES`], and handed on unchanged) or, for a file upload form (multipart, streamed),
//! as `csrf` in the form's action URL. It is checked the same way, by the same key.
//!
//! What the caller may do is not decided here: that is [`crate::access`]'s one job.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marsad_auth::{
    authenticate_token, check_origin, session_id_hash, ActionSet, Actor, OriginCheck,
    PresentedToken, SessionCheck, SessionRecord, TokenRecord, TokenScope,
};
use marsad_policy::{Action, Principal};
use marsad_store::{Store, UserId};

use crate::error::{ApiError, Code};
use crate::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials.
    Anonymous,
    /// A signed-in user (password, and the second factor when enrolled).
    User { id: UserId, session: [u8; 32] },
    /// A user who gave the password but not yet the second factor: may only finish signing in.
    Pending { id: UserId, session: [u8; 32] },
    /// A machine account.
    Token { id: String },
}

/// The identity recorded as `submitted_by`, in the audit trail and in decisions. Never holds data
/// about migrants.
#[derive(Debug, Clone)]
pub struct Caller {
    /// A user's login, `token:<id>` or `anonymous`.
    pub name: String,
    pub identity: Identity,
    /// What the policy sees; `None` when anonymous or pending.
    pub principal: Option<Arc<Principal>>,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller {
            name: "anonymous".into(),
            identity: Identity::Anonymous,
            principal: None,
        }
    }

    /// The actor of audit entries.
    pub fn actor(&self) -> Actor {
        match &self.identity {
            Identity::User { id, .. } | Identity::Pending { id, .. } => {
                Actor::User(id.0.to_string())
            }
            Identity::Token { id } => Actor::Token(id.clone()),
            Identity::Anonymous => Actor::System("anonymous".into()),
        }
    }

    /// The caller's institution's name, when signed in.
    pub fn institution(&self) -> Option<&str> {
        self.principal.as_deref().map(|p| p.institution.as_str())
    }

    /// The session's hash for a signed-in or pending user.
    pub fn session(&self) -> Option<&[u8; 32]> {
        match &self.identity {
            Identity::User { session, .. } | Identity::Pending { session, .. } => Some(session),
            _ => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Caller::anonymous))
    }
}

/// The header a page sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field (or, for uploads, the query parameter) a page's form sends its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

/// The largest URL-encoded form body a page route takes.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::new(Code::Unauthenticated, detail)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Maps a token's actions onto the policy's (`administer` is never given to tokens).
fn token_actions(set: ActionSet) -> Vec<Action> {
    set.iter()
        .filter_map(|a| Action::parse(a.as_str()))
        .collect()
}

fn institution_kind(store: &dyn Store, name: &str) -> Result<String, ApiError> {
    store
        .institutions()?
        .into_iter()
        .find(|i| i.name == name)
        .map(|i| i.kind)
        .ok_or_else(|| unauthenticated("the account's institution no longer exists"))
}

/// What [`resolve`] found, and whether the answer must clear the session cookie.
struct Resolved {
    caller: Caller,
    clear_cookie: bool,
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Resolved, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let text = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                unauthenticated("the Authorization header must be `Bearer marsad_...`")
            })?;
        let presented = PresentedToken::parse(text)
            .map_err(|_| unauthenticated("the Authorization header holds no marsad API token"))?;
        return state
            .blocking(move |store, clock| {
                let now = clock.now();
                let record = store.token(presented.id())?.and_then(|t| {
                    Some(TokenRecord {
                        scope: TokenScope {
                            institution: t.institution.clone(),
                            actions: t.actions.parse().ok()?,
                            expires_at: t.expires_at,
                        },
                        id: t.id,
                        secret_hash: t.secret_hash,
                        revoked_at: t.revoked_at,
                    })
                });
                let scope = authenticate_token(&presented, record.as_ref(), now).map_err(|_| {
                    unauthenticated("the API token is not valid (unknown, revoked or expired)")
                })?;
                let kind = institution_kind(store, &scope.institution)?;
                let principal = Principal {
                    institution: scope.institution.clone(),
                    institution_kind: kind,
                    roles: vec!["service".into()],
                    actions: Some(token_actions(scope.actions)),
                };
                Ok(Resolved {
                    caller: Caller {
                        name: format!("token:{}", presented.id()),
                        identity: Identity::Token {
                            id: presented.id().to_string(),
                        },
                        principal: Some(Arc::new(principal)),
                    },
                    clear_cookie: false,
                })
            })
            .await;
    }
    let policy = state.access().session_policy();
    let Some(value) = cookie(headers, policy.cookie_name()) else {
        return Ok(Resolved {
            caller: Caller::anonymous(),
            clear_cookie: false,
        });
    };
    let Some(hash) = session_id_hash(value) else {
        return Ok(Resolved {
            caller: Caller::anonymous(),
            clear_cookie: true,
        });
    };
    state
        .blocking(move |store, clock| {
            let now = clock.now();
            let Some(row) = store.session(&hash)? else {
                return Ok(Resolved {
                    caller: Caller::anonymous(),
                    clear_cookie: true,
                });
            };
            let record = SessionRecord {
                id_hash: row.id_hash,
                created_at: row.created_at,
                last_seen_at: row.last_seen_at,
            };
            match policy.check(&record, now) {
                SessionCheck::Active { refreshed } => {
                    // One write a minute at most per session, not one per request.
                    if refreshed.last_seen_at - row.last_seen_at >= chrono::Duration::seconds(60) {
                        store.touch_session(&hash, refreshed.last_seen_at)?;
                    }
                }
                SessionCheck::IdleExpired | SessionCheck::AbsoluteExpired => {
                    store.delete_session(&hash)?;
                    return Err(unauthenticated("the session has ended; sign in again"));
                }
            }
            let user = store.user(row.user)?;
            if user.disabled {
                store.delete_session(&hash)?;
                return Err(unauthenticated("the account is disabled"));
            }
            let pending = user.totp_secret.is_some() && !row.second_factor_done;
            let principal = (!pending)
                .then(|| -> Result<Principal, ApiError> {
                    Ok(Principal {
                        institution_kind: institution_kind(store, &user.institution)?,
                        institution: user.institution.clone(),
                        roles: user.roles.clone(),
                        actions: None,
                    })
                })
                .transpose()?;
            Ok(Resolved {
                caller: Caller {
                    name: user.login.clone(),
                    identity: if pending {
                        Identity::Pending {
                            id: user.id,
                            session: hash,
                        }
                    } else {
                        Identity::User {
                            id: user.id,
                            session: hash,
                        }
                    },
                    principal: principal.map(Arc::new),
                },
                clear_cookie: false,
            })
        })
        .await
}

/// Checks a cookie-authenticated, state-changing request: same origin and a valid CSRF token.
fn check_csrf(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    session: &[u8; 32],
    from_form: Option<&str>,
) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let origins = state.access().origins();
    let origins: Vec<&str> = origins.iter().map(String::as_str).collect();
    match check_origin(
        method.as_str(),
        header("sec-fetch-site"),
        header("origin"),
        &origins,
    ) {
        OriginCheck::CrossSite => {
            return Err(ApiError::new(
                Code::CsrfRejected,
                "a state-changing request from another site was refused",
            ))
        }
        OriginCheck::Allowed | OriginCheck::NoBrowserHeaders => {}
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let presented = header(CSRF_HEADER).or(from_form).unwrap_or("");
    if state.access().csrf().verify(session, presented) {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::CsrfRejected,
            "the X-CSRF-Token header is missing or does not match the session",
        ))
    }
}

/// Middleware: establishes the [`Caller`] of every request.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let resolved = match resolve(&state, request.headers()).await {
        Ok(r) => r,
        Err(e) => {
            let mut response = e.into_response();
            if request.headers().get(AUTHORIZATION).is_none() {
                clear(&state, &mut response);
            }
            return response;
        }
    };
    if let Some(session) = resolved.caller.session() {
        let (form_token, rebuilt) = match page_form_token(request).await {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        };
        request = rebuilt;
        if let Err(e) = check_csrf(
            &state,
            request.method(),
            request.headers(),
            session,
            form_token.as_deref(),
        ) {
            return e.into_response();
        }
    }
    request.extensions_mut().insert(resolved.caller);
    let mut response = next.run(request).await;
    if resolved.clear_cookie {
        clear(&state, &mut response);
    }
    response
}

/// The CSRF token a page's form sent instead of the header: the query's `csrf` (upload forms),
/// or the `csrf` field of a URL-encoded body, which is read and put back. Only on page routes
/// and state-changing methods without the header; anything else passes untouched.
async fn page_form_token(request: Request) -> Result<(Option<String>, Request), ApiError> {
    let method = request.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || request.headers().contains_key(CSRF_HEADER)
        || !crate::access::is_page_path(request.uri().path())
    {
        return Ok((None, request));
    }
    let field = |text: &str| -> Option<String> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(text)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v)
    };
    if let Some(token) = request.uri().query().and_then(field) {
        return Ok((Some(token), request));
    }
    let form = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Ok((None, request));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| ApiError::bad_request("the form is too large"))?;
    let token = std::str::from_utf8(&bytes).ok().and_then(field);
    Ok((
        token,
        Request::from_parts(parts, axum::body::Body::from(bytes)),
    ))
}

fn clear(state: &AppState, response: &mut Response) {
    if let Ok(v) = HeaderValue::from_str(&state.access().session_policy().clear_cookie()) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}
