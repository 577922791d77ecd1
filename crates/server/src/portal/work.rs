//! The workspaces of signed-in users, per role and scope (data officers, analysts, case workers,
//! administrators), under `/{lang}/work/`.
//!
//! Each page is a route of the one route table with the same [`Need`] as the JSON API it shows,
//! and its handler calls that API's handler (the same store calls, the same [`Permit`] checks,
//! the same audit entries for every row of personal data read): a page can show nothing the
//! API would not answer to the same caller. A page that shows several resources (a person's
//! records, dossiers and fingerprints) asks the policy for each through [`Permit::derive`].
//! The workspace home links only to pages the policy lets the reader open
//! ([`crate::Access::allows`]): no role names are compared here.
//!
//! Forms post to page routes with the session's CSRF token as a hidden field (checked by
//! [`crate::caller`] like the header); the file upload is a plain form that `portal.js` turns
//! into a request with live progress.
//!
//! - `data`: imports (list, report), upload, quarantine (list, correction, resubmission);
//! - `cases`: person search and the person's file;
//! - `review`: the match review queue, side by side;
//! - `quality`: the data-quality overview per source and publishing the statistics;
//! - `plan`: the national GCM plan's actions, their changes, measurements and evaluations;
//! - `admin`: institutions, users, tokens, the policy in force, audit search;
//! - `protection`: the trafficking referrals an institution sent or received (moves as buttons,
//!   the late ones flagged), the missing-migrant register, and the complaints an institution
//!   handles (their workflow's moves as buttons).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use marsad_model::{Lang, RecordKind};
use marsad_policy::{Action, Resource};
use marsad_portal::format::Locale;
use marsad_portal::i18n::{Arg, Tr};
use marsad_portal::page::{document, Chrome, Section};
use maud::{html, Markup};

use crate::access::{Endpoint, Need, Target};
use crate::caller::{Caller, CSRF_FIELD};
use crate::error::ApiError;
use crate::portal::{chrome, page, PageLang};
use crate::AppState;

mod admin;
mod cases;
mod data;
mod plan;
mod protection;
mod quality;
mod research;
mod review;

/// The workspace pages' routes, added to the server's route table.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use Need::{Allow, Public, SecondFactorStep, SignedIn};
    use Target::{AnyRecord, Object, Resource as Fixed};
    let e = |method: Method, path: &'static str, need: Need| Endpoint { method, path, need };
    let person = Resource::Record(RecordKind::Person);
    vec![
        (
            e(Method::GET, "/{lang}/signin", Public),
            get(crate::signin::lang_page),
        ),
        (e(Method::GET, "/{lang}/work/", SignedIn), get(home)),
        (e(Method::GET, "/{lang}/work", SignedIn), get(home_slash)),
        (
            e(Method::POST, "/{lang}/work/signout", SecondFactorStep),
            post(signout),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/imports/",
                Allow(Action::Read, Object(Resource::Submissions)),
            ),
            get(data::imports),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/imports/{id}",
                Allow(Action::Read, Object(Resource::Submissions)),
            ),
            get(data::import),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/upload/",
                Allow(Action::Submit, AnyRecord),
            ),
            get(data::upload_sources),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/upload/{source}",
                Allow(Action::Submit, AnyRecord),
            ),
            get(data::upload_form),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/upload/{source}",
                Allow(Action::Submit, AnyRecord),
            ),
            // The upload handler enforces its own limit while streaming.
            post(data::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/quarantine/",
                Allow(Action::Read, Object(Resource::Quarantine)),
            ),
            get(data::quarantine),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/quarantine/{id}",
                Allow(Action::Read, Object(Resource::Quarantine)),
            ),
            get(data::quarantine_entry),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/quarantine/{id}",
                Allow(Action::Correct, Object(Resource::Quarantine)),
            ),
            post(data::correct),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/reviews/",
                Allow(Action::LinkReview, Object(person)),
            ),
            get(review::queue),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/reviews/{id}",
                Allow(Action::LinkReview, Object(person)),
            ),
            get(review::pair),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/reviews/{id}",
                Allow(Action::LinkReview, Object(person)),
            ),
            post(review::decide),
        ),
        (
            e(Method::GET, "/{lang}/work/persons/", SignedIn),
            get(cases::search_form),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/persons/search",
                Allow(Action::Read, Object(person)),
            ),
            get(cases::search),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/persons/{number}",
                Allow(Action::Read, Object(person)),
            ),
            get(cases::file),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/admin/",
                Allow(Action::Read, Object(Resource::Accounts)),
            ),
            get(admin::accounts),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/admin/users/{id}",
                Allow(Action::Administer, Object(Resource::Accounts)),
            ),
            post(admin::set_disabled),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/admin/tokens/{id}",
                Allow(Action::Administer, Object(Resource::Accounts)),
            ),
            post(admin::revoke_token),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/admin/policy",
                Allow(Action::Read, Fixed(Resource::Policy)),
            ),
            get(admin::policy),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/admin/audit",
                Allow(Action::Read, Fixed(Resource::Audit)),
            ),
            get(admin::audit),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/referrals/",
                Allow(Action::Read, Object(Resource::Referral)),
            ),
            get(protection::referrals),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/referrals/{id}",
                Allow(Action::Correct, Object(Resource::Referral)),
            ),
            post(protection::move_referral),
        ),
        (
            // The plan is public (`/{lang}/gcm/`); its workspace pages are for signed-in
            // users, and each form's route asks the policy.
            e(Method::GET, "/{lang}/work/plan/", SignedIn),
            get(plan::actions),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/plan/",
                Allow(Action::Submit, Object(Resource::Plan)),
            ),
            post(plan::add),
        ),
        (
            // The plan is public (`/{lang}/gcm/`); its workspace pages are for signed-in
            // users, and each form's route asks the policy.
            e(Method::GET, "/{lang}/work/plan/{id}", SignedIn),
            get(plan::action),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/plan/{id}",
                Allow(Action::Correct, Object(Resource::Plan)),
            ),
            post(plan::change),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/plan/{id}/measurements",
                Allow(Action::Submit, Object(Resource::Plan)),
            ),
            post(plan::measure),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/plan/{id}/evaluations",
                Allow(Action::Submit, Object(Resource::Plan)),
            ),
            post(plan::evaluate),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/referrals/",
                Allow(Action::Submit, Object(Resource::Referral)),
            ),
            post(protection::propose),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/referrals/cases",
                Allow(Action::Submit, Object(Resource::Referral)),
            ),
            post(protection::open_case),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/incidents/",
                Allow(Action::Read, Fixed(Resource::Incident)),
            ),
            get(protection::incidents),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/incidents/",
                Allow(Action::Submit, Fixed(Resource::Incident)),
            ),
            post(protection::record_incident),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/complaints/",
                Allow(Action::Read, Object(Resource::Complaint)),
            ),
            get(protection::complaints),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/complaints/{reference}",
                Allow(Action::Correct, Object(Resource::Complaint)),
            ),
            post(protection::move_complaint),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/microdata/",
                Allow(Action::Read, Object(Resource::Microdata)),
            ),
            get(research::page),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/microdata/",
                Allow(Action::Submit, Fixed(Resource::Microdata)),
            ),
            post(research::request),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/microdata/{id}",
                Allow(Action::Correct, Object(Resource::Microdata)),
            ),
            post(research::decide),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/quality/",
                Allow(Action::Read, Object(Resource::Submissions)),
            ),
            get(quality::overview),
        ),
        (
            e(
                Method::GET,
                "/{lang}/work/publish",
                Allow(Action::Publish, Fixed(Resource::Statistics)),
            ),
            get(quality::publish_page),
        ),
        (
            e(
                Method::POST,
                "/{lang}/work/publish",
                Allow(Action::Publish, Fixed(Resource::Statistics)),
            ),
            post(quality::publish),
        ),
    ]
}

/// What every workspace page is drawn with: the chrome (language, reader, stylesheet) and the
/// session's CSRF token for its forms.
pub(crate) struct Work {
    pub c: Chrome,
    pub csrf: String,
}

impl Work {
    pub fn new(
        state: &AppState,
        lang: Lang,
        headers: &HeaderMap,
        caller: &Caller,
        path: &str,
    ) -> Work {
        let mut c = chrome(lang, headers, caller, path, Section::Workspace);
        c.script = Some(crate::portal::asset_url("portal.js"));
        let csrf = caller
            .session()
            .map(|s| state.access().csrf().token(s))
            .unwrap_or_default();
        Work { c, csrf }
    }

    pub fn tr(&self) -> Tr<'static> {
        self.c.tr()
    }

    pub fn locale(&self) -> Locale {
        self.c.locale
    }

    /// The hidden field carrying the CSRF token in a form.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf); }
    }

    /// The page, with the workspace's own bar (back to the workspace home, sign out).
    pub fn finish(mut self, title: String, body: Markup) -> Response {
        let tr = self.tr();
        self.c.title = title;
        let bar = html! {
            nav.workbar aria-label=(tr.t("work-bar-label")) {
                a href=(self.c.href("work/")) { (tr.t("work-home")) }
                @if let Some(r) = &self.c.reader {
                    span.who { (r.name) @if let Some(i) = &r.institution { " · " (i) } }
                }
                form.inline method="post" action=(self.c.href("work/signout")) {
                    (self.csrf_field())
                    button type="submit" { (tr.t("work-sign-out")) }
                }
            }
        };
        page(document(&self.c, html! { (bar) (body) }))
    }
}

/// A count in the reader's digits.
pub(crate) fn count(l: Locale, n: u64) -> String {
    l.integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// An RFC 3339 time as the reader's date and `HH:MM` UTC.
pub(crate) fn when(l: Locale, text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => {
            let t = t.with_timezone(&chrono::Utc);
            format!(
                "{} {}",
                l.date(t.date_naive()),
                l.digits_of(&t.format("%H:%M").to_string())
            )
        }
        Err(_) => text.to_owned(),
    }
}

/// A unified number as people read it: `1234 5678 9012`.
pub(crate) fn spaced(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A JSON value as text (strings as they are, null as empty).
pub(crate) fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `/{lang}/work`: the same with its slash.
async fn home_slash(PageLang(lang): PageLang) -> Redirect {
    Redirect::permanent(&format!("/{}/work/", lang.as_str()))
}

/// One place of a workspace: the page, its title's key, what the policy must allow.
struct Place {
    path: &'static str,
    key: &'static str,
    text: &'static str,
    allowed: fn(&AppState, &Caller) -> bool,
}

fn allows(state: &AppState, caller: &Caller, action: Action, resource: Resource) -> bool {
    state.access().allows(caller, action, resource)
}

const PLACES: [Place; 16] = [
    Place {
        path: "work/upload/",
        key: "work-upload",
        text: "work-upload-text",
        allowed: |s, c| {
            RecordKind::ALL
                .into_iter()
                .any(|k| allows(s, c, Action::Submit, Resource::Record(k)))
        },
    },
    Place {
        path: "work/imports/",
        key: "work-imports",
        text: "work-imports-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Submissions),
    },
    Place {
        path: "work/quarantine/",
        key: "work-quarantine",
        text: "work-quarantine-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Quarantine),
    },
    Place {
        path: "work/reviews/",
        key: "work-reviews",
        text: "work-reviews-text",
        allowed: |s, c| {
            allows(
                s,
                c,
                Action::LinkReview,
                Resource::Record(RecordKind::Person),
            )
        },
    },
    Place {
        path: "work/persons/",
        key: "work-persons",
        text: "work-persons-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Record(RecordKind::Person)),
    },
    Place {
        path: "work/quality/",
        key: "work-data-quality",
        text: "work-quality-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Submissions),
    },
    Place {
        path: "work/publish",
        key: "work-publish",
        text: "work-publish-text",
        allowed: |s, c| allows(s, c, Action::Publish, Resource::Statistics),
    },
    Place {
        path: "work/plan/",
        key: "work-plan",
        text: "work-plan-text",
        allowed: |s, c| allows(s, c, Action::Submit, Resource::Plan),
    },
    Place {
        path: "work/referrals/",
        key: "work-referrals",
        text: "work-referrals-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Referral),
    },
    Place {
        path: "work/incidents/",
        key: "work-incidents",
        text: "work-incidents-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Incident),
    },
    Place {
        path: "work/complaints/",
        key: "work-complaints",
        text: "work-complaints-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Complaint),
    },
    Place {
        path: "work/microdata/",
        key: "work-microdata",
        text: "work-microdata-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Microdata),
    },
    Place {
        path: "work/admin/",
        key: "work-accounts",
        text: "work-accounts-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Accounts),
    },
    Place {
        path: "work/admin/policy",
        key: "work-policy",
        text: "work-policy-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Policy),
    },
    Place {
        path: "work/admin/audit",
        key: "work-audit",
        text: "work-audit-text",
        allowed: |s, c| allows(s, c, Action::Read, Resource::Audit),
    },
    Place {
        path: "signin",
        key: "work-account",
        text: "work-account-text",
        allowed: |_, _| true,
    },
];

/// Submissions read for the per-source totals of the overview.
const SUBMISSIONS_READ: u32 = 1000;
/// Submissions listed as recent.
const RECENT: usize = 10;

/// What the catalogue shows: records per kind, submissions per source, recent submissions.
struct Overview {
    kinds: Vec<marsad_store::KindCount>,
    sources: Vec<marsad_store::Source>,
    submissions: Vec<marsad_store::Submission>,
}

/// `GET /{lang}/work/`: what this reader can do here, and for catalogue readers the overview.
async fn home(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/");
    let tr = w.tr();
    let places: Vec<&Place> = PLACES
        .iter()
        .filter(|p| (p.allowed)(&state, &caller))
        .collect();
    // The same decision as `GET /api/v1/stats/records` and the catalogue routes.
    let overview = if allows(&state, &caller, Action::Read, Resource::Catalogue) {
        Some(
            state
                .blocking(|store, _| {
                    Ok(Overview {
                        kinds: store.count_records()?,
                        sources: store.sources()?,
                        submissions: store.submissions(None, SUBMISSIONS_READ)?,
                    })
                })
                .await?,
        )
    } else {
        None
    };
    let body = html! {
        p { (tr.t("work-intro")) }
        ul.places {
            @for p in &places {
                li {
                    a href=(w.c.href(p.path)) { (tr.t(p.key)) }
                    " — " (tr.t(p.text))
                }
            }
        }
        @if let Some(o) = &overview { (overview_markup(&w, o)) }
    };
    Ok(w.finish(tr.t("work-title"), body))
}

fn overview_markup(w: &Work, o: &Overview) -> Markup {
    let tr = w.tr();
    let l = w.locale();
    let mut per_source: BTreeMap<&str, (u64, u64, u64)> = o
        .sources
        .iter()
        .map(|s| (s.name.as_str(), (0, 0, 0)))
        .collect();
    for s in &o.submissions {
        let e = per_source.entry(s.source_name.as_str()).or_default();
        e.0 += 1;
        e.1 += s.accepted;
        e.2 += s.rejected;
    }
    html! {
        section #overview {
            h2 { (tr.t("work-overview-records")) }
            @if o.kinds.is_empty() {
                p { (tr.t("work-none-yet")) }
            } @else {
                table {
                    thead { tr { th scope="col" { (tr.t("work-kind")) } th scope="col" { (tr.t("work-records")) } } }
                    tbody {
                        @for k in &o.kinds {
                            tr { td { (kind_name(&tr, &k.kind)) } td.n { (count(l, k.records)) } }
                        }
                    }
                }
            }
            h2 { (tr.t("work-overview-sources")) }
            @if per_source.is_empty() {
                p { (tr.t("work-none-yet")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (tr.t("work-source")) }
                        th scope="col" { (tr.t("work-submissions")) }
                        th scope="col" { (tr.t("work-accepted")) }
                        th scope="col" { (tr.t("work-rejected")) }
                    } }
                    tbody {
                        @for (name, (n, accepted, rejected)) in &per_source {
                            tr {
                                td dir="ltr" { (name) }
                                td.n { (count(l, *n)) }
                                td.n { (count(l, *accepted)) }
                                td.n { (count(l, *rejected)) }
                            }
                        }
                    }
                }
                @if o.submissions.len() as u64 >= u64::from(SUBMISSIONS_READ) {
                    p.note { (tr.t_with("work-totals-over", &[("count", Arg::Num(i64::from(SUBMISSIONS_READ)))])) }
                }
            }
            h2 { (tr.t("work-overview-recent")) }
            @if o.submissions.is_empty() {
                p { (tr.t("work-none-yet")) }
            } @else {
                (data::submissions_table(w, o.submissions.iter().take(RECENT), false))
            }
        }
    }
}

/// A record kind's name in the reader's language (the key `work-kind-{kind}`), or the kind itself.
pub(crate) fn kind_name(tr: &Tr<'_>, kind: &str) -> String {
    let key = format!("work-kind-{kind}");
    if tr.has(&key) {
        tr.t(&key)
    } else {
        kind.to_owned()
    }
}

/// `POST /{lang}/work/signout`: ends the session (as `POST /api/v1/auth/logout`) and goes to
/// the home page.
async fn signout(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
) -> Result<Response, ApiError> {
    let logout = crate::auth_api::logout(State(state), caller).await?;
    let mut r = Redirect::to(&format!("/{}/", lang.as_str())).into_response();
    if let Some(cookie) = logout.headers().get(axum::http::header::SET_COOKIE) {
        r.headers_mut()
            .insert(axum::http::header::SET_COOKIE, cookie.clone());
    }
    Ok(r)
}

/// After a form's request failed: a mistake in what was sent (4xx) shows the form's page
/// again, drawn by `again` (what was typed kept, the mistake named), with the error's status;
/// anything else is the error itself (an error page).
pub(crate) async fn on_mistake<Fut>(
    e: ApiError,
    again: impl FnOnce(ApiError) -> Fut,
) -> Result<Response, ApiError>
where
    Fut: std::future::Future<Output = Result<Response, ApiError>>,
{
    let status = e.code.status();
    if !status.is_client_error() {
        return Err(e);
    }
    let mut r = again(e).await?;
    *r.status_mut() = status;
    Ok(r)
}

/// A 303 to another page after a form (the browser then GETs it).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_numbers_are_shown_in_groups_of_four() {
        assert_eq!(spaced("123456789012"), "1234 5678 9012");
        assert_eq!(spaced("1234"), "1234");
        assert_eq!(spaced(""), "");
    }

    #[test]
    fn times_follow_the_locale() {
        let l = Locale::new(Lang::Fr);
        assert_eq!(
            when(l, "2026-11-30T09:05:00+00:00"),
            "30 novembre 2026 09:05"
        );
        assert_eq!(when(l, "not a time"), "not a time");
    }
}
