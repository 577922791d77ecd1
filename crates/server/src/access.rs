//! The one enforcement point. Every route is registered with an [`Endpoint`] that says what it
//! needs ([`Need`]); [`enforce`] runs before the handler and asks the policy
//! (`marsad-policy`) whether the [`Caller`] may take that action on that resource, answering
//! 401 (nobody signed in) or 403 (signed in, not allowed) with no data in the body. Allowed
//! requests carry a [`Permit`] to the handler; handlers that serve rows from several
//! institutions ask the permit about each row's origin (the same policy, the same decision) —
//! no handler decides access on its own. A route whose object is only known once loaded
//! ([`Target::Object`]) must consult its permit before answering successfully: [`enforce`]
//! turns a success that consulted nothing into a 500, so a forgotten check fails closed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marsad_auth::{
    AuditEvent, AuditObject, CsrfKey, Outcome, PasswordPolicy, Purpose, SessionPolicy,
    ThrottlePolicy,
};
use marsad_model::RecordKind;
use marsad_policy::{
    Action, Decision, Denial, Grant, Origin, Policy, PolicyDir, Principal, Resource, Subject, View,
};

use crate::caller::{Caller, Identity};
use crate::error::{ApiError, Code};
use crate::AppState;

/// The header carrying the purpose of an access.
pub const PURPOSE_HEADER: &str = "x-marsad-purpose";

/// What a route needs before its handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not (health, public portal pages, the API description, sign-in).
    Public,
    /// A signed-in user or token, whatever the policy (their own account: `me`, sign-out).
    SignedIn,
    /// A user between password and second factor (or fully signed in).
    SecondFactorStep,
    /// The policy must allow `action` on the target.
    Allow(Action, Target),
    /// Anyone; the handler gets a [`Permit`] (as `Option<Permit>`) only when the policy
    /// allows `action` on the resource (a public page that shows more to those entitled).
    PublicOr(Action, Resource),
}

/// Which resource an [`Need::Allow`] route acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Always this resource.
    Resource(Resource),
    /// The record kind named by the route's `{kind}` path parameter.
    KindParam,
    /// An object of this resource whose owner is known once loaded: the handler must call
    /// [`Permit::admit`] with its origin before answering.
    Object(Resource),
    /// Records of a kind known once the request is read (an upload's mapping): allowed here
    /// when the action is allowed on some record kind; the handler must call [`Permit::also`]
    /// for each kind before acting.
    AnyRecord,
}

/// One route and its need: the router is built from a list of these, and a test walks the list.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
}

impl Endpoint {
    /// A portal page (`/{lang}/...`): HTML for people, not described in the OpenAPI document.
    pub fn is_page(&self) -> bool {
        self.path == "/{lang}" || self.path.starts_with("/{lang}/")
    }

    /// Answers HTML or assets for browsers (pages, the sign-in page, the redirect at `/`,
    /// stylesheets): not part of the JSON API's description.
    pub fn is_html(&self) -> bool {
        self.is_page() || matches!(self.path, "/" | "/signin" | "/digits" | "/static/{file}")
    }
}

/// Access settings shared by every request.
pub struct Access {
    policy: RwLock<Arc<Policy>>,
    dir: Option<PolicyDir>,
    checked: RwLock<(Instant, Option<SystemTime>)>,
    session: SessionPolicy,
    csrf: CsrfKey,
    origins: Vec<String>,
    password: PasswordPolicy,
    oidc: Option<crate::oidc::OidcConfig>,
}

/// How the server authenticates and where its policy lives.
#[derive(Debug, Clone)]
pub struct AccessConfig {
    pub session: SessionPolicy,
    /// Origins the server is reached at (`https://marsad.gov.example`): state-changing browser
    /// requests from any other are refused; passkeys are bound to them.
    pub origins: Vec<String>,
    /// The data folder's `policies` directory; `None` enforces the built-in default policy.
    pub policy_dir: Option<PathBuf>,
    /// OpenID Connect sign-in (a national e-ID), when configured.
    pub oidc: Option<crate::oidc::OidcConfig>,
}

impl Access {
    /// Loads the policy in force (installing the default on first start) and draws the CSRF key.
    pub fn new(
        config: AccessConfig,
        csrf: CsrfKey,
    ) -> Result<(Access, Option<marsad_policy::Installed>), marsad_policy::PolicyFileError> {
        let dir = config.policy_dir.map(PolicyDir::new);
        let (policy, installed) = match &dir {
            Some(d) => d.load_or_install(marsad_policy::DEFAULT_POLICY)?,
            None => (marsad_policy::default_policy()?, None),
        };
        let mtime = dir
            .as_ref()
            .and_then(|d| std::fs::metadata(d.current_path()).ok())
            .and_then(|m| m.modified().ok());
        Ok((
            Access {
                policy: RwLock::new(Arc::new(policy)),
                dir,
                checked: RwLock::new((Instant::now(), mtime)),
                session: config.session,
                csrf,
                origins: config.origins,
                password: PasswordPolicy::OWASP,
                oidc: config.oidc,
            },
            installed,
        ))
    }

    /// The policy in force. A policy installed by `marsad policy apply` while the server runs is
    /// picked up within a second; a file that no longer parses keeps the previous policy (and is
    /// logged), never an empty one.
    pub fn policy(&self) -> Arc<Policy> {
        if let Some(dir) = &self.dir {
            let due = self
                .checked
                .read()
                .map(|c| c.0.elapsed() >= Duration::from_secs(1))
                .unwrap_or(true);
            if due {
                self.reload(dir);
            }
        }
        self.policy
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn reload(&self, dir: &PolicyDir) {
        let mtime = std::fs::metadata(dir.current_path())
            .ok()
            .and_then(|m| m.modified().ok());
        let Ok(mut checked) = self.checked.write() else {
            return;
        };
        let changed = mtime != checked.1;
        *checked = (Instant::now(), mtime);
        drop(checked);
        if !changed {
            return;
        }
        match dir.current() {
            Ok(Some(p)) => {
                tracing::info!(sha256 = %p.sha256, "access policy reloaded");
                if let Ok(mut slot) = self.policy.write() {
                    *slot = Arc::new(p);
                }
            }
            Ok(None) => tracing::error!("the policy file disappeared; the previous policy stays"),
            Err(e) => {
                tracing::error!(error = %e, "the new policy file is not valid; the previous policy stays")
            }
        }
    }

    /// Whether the policy in force lets `caller` take `action` on `resource` (on some rows at
    /// least): what a page asks before linking to another page, never a comparison of roles.
    pub fn allows(&self, caller: &Caller, action: Action, resource: Resource) -> bool {
        let subject = match caller.principal.as_deref() {
            Some(p) => Subject::Member(p),
            None => Subject::Anonymous,
        };
        self.policy().decide(subject, action, resource).is_allowed()
    }

    pub fn session_policy(&self) -> SessionPolicy {
        self.session
    }

    pub fn csrf(&self) -> &CsrfKey {
        &self.csrf
    }

    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    pub fn oidc(&self) -> Option<&crate::oidc::OidcConfig> {
        self.oidc.as_ref()
    }

    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.password
    }

    pub fn throttle_account(&self) -> ThrottlePolicy {
        ThrottlePolicy::ACCOUNT
    }

    pub fn throttle_address(&self) -> ThrottlePolicy {
        ThrottlePolicy::SOURCE_ADDRESS
    }
}

/// What [`enforce`] hands the handler of an allowed request.
#[derive(Clone)]
pub struct Permit(Arc<PermitInner>);

struct PermitInner {
    policy: Arc<Policy>,
    principal: Option<Arc<Principal>>,
    action: Action,
    resource: Resource,
    purpose: Option<Purpose>,
    consulted: AtomicBool,
}

impl Permit {
    pub fn action(&self) -> Action {
        self.0.action
    }

    pub fn resource(&self) -> Resource {
        self.0.resource
    }

    /// The purpose the request stated (`X-Marsad-Purpose`), if any.
    pub fn purpose(&self) -> Option<&Purpose> {
        self.0.purpose.as_ref()
    }

    fn subject(&self) -> Subject<'_> {
        match &self.0.principal {
            Some(p) => Subject::Member(p),
            None => Subject::Anonymous,
        }
    }

    /// The grant (the same decision [`enforce`] took). Consulting it counts as checking.
    pub fn grant(&self) -> Grant<'_> {
        self.0.consulted.store(true, Ordering::Relaxed);
        match self
            .0
            .policy
            .decide(self.subject(), self.0.action, self.0.resource)
        {
            Decision::Allow(g) => g,
            // `enforce` only issues permits for allowed requests, on this very policy.
            Decision::Deny(_) => Grant {
                action: self.0.action,
                resource: self.0.resource,
                institution: None,
                clauses: Vec::new(),
                denied_from: Vec::new(),
                hidden: Vec::new(),
                identifiers: &[],
            },
        }
    }

    /// The decision on one object submitted by `origin`: its view, or 403.
    pub fn admit(&self, origin: Origin<'_>) -> Result<View<'_>, ApiError> {
        self.grant()
            .view(Some(origin), self.0.purpose.is_some())
            .ok_or_else(|| forbidden(self.0.action, self.0.resource))
    }

    /// The decision on the same action over another resource (e.g. each record kind of a
    /// quarantined row), through the same policy.
    pub fn also(
        &self,
        action: Action,
        resource: Resource,
        origin: Option<Origin<'_>>,
    ) -> Result<(), ApiError> {
        self.0.consulted.store(true, Ordering::Relaxed);
        match self.0.policy.decide(self.subject(), action, resource) {
            Decision::Allow(g) if g.view(origin, self.0.purpose.is_some()).is_some() => Ok(()),
            _ => Err(forbidden(action, resource)),
        }
    }

    /// A permit for `action` on `resource` for the same caller under the same policy, when the
    /// policy allows it (the decision [`enforce`] would take on a route with that need,
    /// including a stated purpose where the grant requires one). A page that shows several
    /// resources (a person's records, dossiers and fingerprints) hands each handler its own.
    pub(crate) fn derive(&self, action: Action, resource: Resource) -> Option<Permit> {
        self.0.consulted.store(true, Ordering::Relaxed);
        match self.0.policy.decide(self.subject(), action, resource) {
            Decision::Allow(g) if !g.requires_purpose() || self.0.purpose.is_some() => {
                Some(Permit(Arc::new(PermitInner {
                    policy: self.0.policy.clone(),
                    principal: self.0.principal.clone(),
                    action,
                    resource,
                    purpose: self.0.purpose.clone(),
                    consulted: AtomicBool::new(false),
                })))
            }
            _ => None,
        }
    }

    /// Records that the handler filtered rows through [`Permit::grant`] itself.
    pub fn consulted(&self) -> bool {
        self.0.consulted.load(Ordering::Relaxed)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Permit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Permit>().cloned())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Permit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Permit>().cloned().ok_or_else(|| {
            tracing::error!("a handler asked for a permit on a route without a policy need");
            ApiError::new(Code::Internal, "the server failed while checking access")
        })
    }
}

fn forbidden(action: Action, resource: Resource) -> ApiError {
    ApiError::new(
        Code::Forbidden,
        format!("{action} on {resource} is not within your scope of competence"),
    )
}

fn unauthenticated() -> ApiError {
    ApiError::new(Code::Unauthenticated, "sign in or send an API token")
}

fn purpose_of(parts: &axum::http::HeaderMap) -> Result<Option<Purpose>, ApiError> {
    match parts.get(PURPOSE_HEADER) {
        None => Ok(None),
        Some(v) => {
            let text = v
                .to_str()
                .map_err(|_| ApiError::bad_request("the purpose must be UTF-8 text"))?;
            let text = percent_decode(text);
            Purpose::parse(&text).map(Some).map_err(|e| {
                ApiError::bad_request(format!("the purpose header is not usable: {e}"))
            })
        }
    }
}

/// Whether `path` is a portal page (`/ar/...`, `/fr/...`, `/en/...`).
pub(crate) fn is_page_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    marsad_model::Lang::parse(first).is_some_and(|l| l.as_str() == first)
}

/// A page states its purpose in its form (`purpose=` in the query string), as browsers send no
/// custom header with a link or a form.
fn page_purpose(query: Option<&str>) -> Result<Option<Purpose>, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    match pairs.into_iter().find(|(k, _)| k == "purpose") {
        Some((_, v)) if !v.trim().is_empty() => Purpose::parse(v.trim())
            .map(Some)
            .map_err(|e| ApiError::bad_request(format!("the purpose is not usable: {e}"))),
        _ => Ok(None),
    }
}

/// Header values are ASCII; a purpose in Arabic or French arrives percent-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The resource of a `{kind}` route, from the matched path's parameters.
fn kind_param(parts: &Parts) -> Option<Resource> {
    let matched = parts.extensions.get::<MatchedPath>()?.as_str();
    let at = matched.split('/').position(|s| s == "{kind}")?;
    let kind = parts.uri.path().split('/').nth(at)?;
    RecordKind::parse(kind)
        .filter(|k| k.as_str() == kind)
        .map(Resource::Record)
}

/// Middleware applied to each route with its [`Need`].
pub async fn enforce(
    State((state, need)): State<(AppState, Need)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = parts
        .extensions
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(Caller::anonymous);
    let (action, target) = match need {
        Need::Public => return next.run(Request::from_parts(parts, body)).await,
        Need::SecondFactorStep => {
            return match caller.identity {
                Identity::Pending { .. } | Identity::User { .. } => {
                    next.run(Request::from_parts(parts, body)).await
                }
                _ => unauthenticated().into_response(),
            }
        }
        Need::SignedIn => {
            return match caller.principal {
                Some(_) => next.run(Request::from_parts(parts, body)).await,
                None if matches!(caller.identity, Identity::Pending { .. }) => ApiError::new(
                    Code::SecondFactorRequired,
                    "give the second factor before using the API",
                )
                .into_response(),
                None => unauthenticated().into_response(),
            }
        }
        Need::Allow(action, target) => (action, target),
        Need::PublicOr(action, resource) => {
            let policy = state.access().policy();
            let subject = match caller.principal.as_deref() {
                Some(p) => Subject::Member(p),
                None => Subject::Anonymous,
            };
            if policy.decide(subject, action, resource).is_allowed() {
                parts.extensions.insert(Permit(Arc::new(PermitInner {
                    policy,
                    principal: caller.principal.clone(),
                    action,
                    resource,
                    purpose: None,
                    consulted: AtomicBool::new(true),
                })));
            }
            return next.run(Request::from_parts(parts, body)).await;
        }
    };
    let resource = match target {
        Target::Resource(r) | Target::Object(r) => r,
        Target::AnyRecord => {
            let subject = match caller.principal.as_deref() {
                Some(p) => Subject::Member(p),
                None => Subject::Anonymous,
            };
            let policy = state.access().policy();
            RecordKind::ALL
                .into_iter()
                .map(Resource::Record)
                .find(|r| policy.decide(subject, action, *r).is_allowed())
                .unwrap_or(Resource::Record(RecordKind::Person))
        }
        Target::KindParam => match kind_param(&parts) {
            Some(r) => r,
            None => {
                return ApiError::not_found(
                    "no record kind has this name (see docs/record-kinds.md)",
                )
                .into_response()
            }
        },
    };
    let purpose = match purpose_of(&parts.headers) {
        Ok(None) if is_page_path(parts.uri.path()) => match page_purpose(parts.uri.query()) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let policy = state.access().policy();
    let subject = match caller.principal.as_deref() {
        Some(p) => Subject::Member(p),
        None => Subject::Anonymous,
    };
    let decision = policy.decide(subject, action, resource);
    let denial = match &decision {
        Decision::Allow(g) if g.requires_purpose() && purpose.is_none() => {
            return ApiError::new(
                Code::PurposeRequired,
                format!("{action} on {resource} needs a stated purpose"),
            )
            .into_response()
        }
        Decision::Allow(_) => None,
        Decision::Deny(d) => Some(d.clone()),
    };
    if let Some(denial) = denial {
        if caller.principal.is_none() {
            return match caller.identity {
                Identity::Pending { .. } => ApiError::new(
                    Code::SecondFactorRequired,
                    "give the second factor before using the API",
                )
                .into_response(),
                _ => unauthenticated().into_response(),
            };
        }
        audit_denial(&state, &caller, action, resource, &denial).await;
        return forbidden(action, resource).into_response();
    }
    let permit = Permit(Arc::new(PermitInner {
        policy,
        principal: caller.principal.clone(),
        action,
        resource,
        purpose,
        consulted: AtomicBool::new(false),
    }));
    parts.extensions.insert(permit.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    if matches!(
        target,
        Target::Object(_) | Target::KindParam | Target::AnyRecord
    ) && response.status().is_success()
        && !permit.consulted()
    {
        tracing::error!(action = %action, resource = %resource, "a handler answered without consulting its permit");
        return ApiError::new(Code::Internal, "the server failed while checking access")
            .into_response();
    }
    response
}

/// Refusals of signed-in callers are audited (who tried what); the denying rule is not shown to
/// the caller but kept in the log.
async fn audit_denial(
    state: &AppState,
    caller: &Caller,
    action: Action,
    resource: Resource,
    denial: &Denial,
) {
    let event = AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action: format!("{action}"),
        object: Some(AuditObject {
            kind: resource.as_str().to_string(),
            id: format!("denied: {denial}"),
        }),
        purpose: None,
        outcome: Outcome::Denied,
    };
    state.audit(event).await;
}
