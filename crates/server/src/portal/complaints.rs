//! The complaint form (issue 9): a migrant files a complaint in Arabic, French or English
//! without an account and gets a reference number to follow it with; the follow page shows its
//! status and nothing of its content. The same checks and storage as `POST /api/v1/complaints`
//! (`crate::gcm::file`); a mistake shows the form again with what was typed and the field named.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Form;
use marsad_portal::page::{document, Chrome, Section};
use maud::{html, Markup};
use serde::Deserialize;

use super::{chrome, page, PageLang};
use crate::access::{Endpoint, Need};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::gcm::{ComplaintRequest, COMPLAINT_CATEGORIES};
use crate::AppState;

/// The complaint pages' routes.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use axum::http::Method;
    use marsad_policy::{Action, Resource};
    vec![
        (
            Endpoint {
                method: Method::GET,
                path: "/{lang}/complaints/",
                need: Need::Public,
            },
            get(form_page),
        ),
        (
            Endpoint {
                method: Method::POST,
                path: "/{lang}/complaints/",
                need: Need::Allow(
                    Action::Submit,
                    crate::access::Target::Resource(Resource::Complaint),
                ),
            },
            post(submit),
        ),
        (
            Endpoint {
                method: Method::GET,
                path: "/{lang}/complaints/follow",
                need: Need::Public,
            },
            get(follow),
        ),
    ]
}

/// What the form sends.
#[derive(Debug, Default, Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    contact: String,
}

/// The form, with what was typed and the mistake to mend, if any. `csrf`: the session's token
/// when the reader is signed in (a signed-in post must carry it), empty otherwise.
fn form(c: &Chrome, csrf: &str, typed: &ComplaintForm, error: Option<&ApiError>) -> Markup {
    let tr = c.tr();
    let field = error.and_then(|e| e.field.as_deref());
    let invalid = |name: &str| (field == Some(name)).then_some("true");
    html! {
        p { (tr.t("complaint-intro")) }
        @if let Some(e) = error {
            div.error role="alert" id="complaint-error" {
                p { strong { (tr.t("complaint-error")) } }
                p lang="en" dir="ltr" { (e.detail) }
            }
        }
        form method="post" action=(c.href("complaints/")) {
            @if !csrf.is_empty() {
                input type="hidden" name=(crate::caller::CSRF_FIELD) value=(csrf);
            }
            div {
                label for="category" { (tr.t("complaint-category")) }
                select #category name="category" required aria-invalid=[invalid("category")] {
                    @for code in COMPLAINT_CATEGORIES {
                        option value=(code) selected[typed.category == code] { (tr.t(&format!("complaint-category-{code}"))) }
                    }
                }
            }
            div {
                label for="text" { (tr.t("complaint-text")) }
                textarea #text name="text" rows="8" cols="60" required aria-invalid=[invalid("text")] aria-describedby="text-hint" { (typed.text) }
                p.muted id="text-hint" { (tr.t("complaint-text-hint")) }
            }
            div {
                label for="contact" { (tr.t("complaint-contact")) }
                input #contact name="contact" type="text" value=(typed.contact) aria-invalid=[invalid("contact")] aria-describedby="contact-hint";
                p.muted id="contact-hint" { (tr.t("complaint-contact-hint")) }
            }
            button type="submit" { (tr.t("complaint-send")) }
        }
        h2 { (tr.t("complaint-follow-title")) }
        (follow_form(c, ""))
    }
}

fn follow_form(c: &Chrome, reference: &str) -> Markup {
    let tr = c.tr();
    html! {
        form.inline method="get" action=(c.href("complaints/follow")) {
            div {
                label for="reference" { (tr.t("complaint-reference")) }
                input #reference name="reference" type="text" value=(reference) placeholder="CMP-XXXX-XXXX" autocomplete="off" spellcheck="false" dir="ltr";
            }
            button type="submit" { (tr.t("complaint-follow")) }
        }
    }
}

fn complaint_chrome(
    lang: marsad_model::Lang,
    headers: &HeaderMap,
    caller: &Caller,
    path: &str,
) -> Chrome {
    let mut c = chrome(lang, headers, caller, path, Section::Complaints);
    c.title = c.tr().t("complaint-title");
    c
}

/// The session's CSRF token for a signed-in reader, empty for anyone else.
fn csrf(state: &AppState, caller: &Caller) -> String {
    caller
        .session()
        .map(|s| state.access().csrf().token(s))
        .unwrap_or_default()
}

/// `GET /{lang}/complaints/`.
async fn form_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Response {
    let c = complaint_chrome(lang, &headers, &caller, "complaints/");
    let token = csrf(&state, &caller);
    page(document(
        &c,
        form(&c, &token, &ComplaintForm::default(), None),
    ))
}

/// `POST /{lang}/complaints/`: files it and shows the reference, or the form again.
async fn submit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Form(typed): Form<ComplaintForm>,
) -> Response {
    let c = complaint_chrome(lang, &headers, &caller, "complaints/");
    let tr = c.tr();
    let token = csrf(&state, &caller);
    let request = ComplaintRequest {
        lang: lang.as_str().into(),
        category: typed.category.clone(),
        text: typed.text.clone(),
        contact: Some(typed.contact.clone()).filter(|s| !s.trim().is_empty()),
        channel: Some("form".into()),
        institution: None,
    };
    match crate::gcm::file(&state, request).await {
        Ok(receipt) => {
            let body = html! {
                div role="status" {
                    p { (tr.t("complaint-received")) }
                    p.card { span.value dir="ltr" { (receipt.reference) } }
                    p { (tr.t("complaint-keep")) }
                    p { a href=(format!("{}?reference={}", c.href("complaints/follow"), receipt.reference)) { (tr.t("complaint-follow")) } }
                }
            };
            page(document(&c, body))
        }
        // A mistake: the form again, nothing typed lost.
        Err(e) if e.code.status().is_client_error() => {
            let mut r = page(document(&c, form(&c, &token, &typed, Some(&e))));
            *r.status_mut() = e.code.status();
            r
        }
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "a complaint could not be stored");
            let mut r = page(document(&c, form(&c, &token, &typed, Some(&e))));
            *r.status_mut() = e.code.status();
            r
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct FollowQuery {
    #[serde(default)]
    reference: String,
}

/// `GET /{lang}/complaints/follow?reference=CMP-…`: the status only.
async fn follow(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Query(q): Query<FollowQuery>,
) -> Response {
    let mut c = complaint_chrome(lang, &headers, &caller, "complaints/follow");
    let tr = c.tr();
    c.title = tr.t("complaint-follow-title");
    let reference = q.reference.trim().to_owned();
    if reference.is_empty() {
        return page(document(&c, follow_form(&c, "")));
    }
    let body = match crate::gcm::status_of(&state, &reference).await {
        Ok(s) => {
            let status = marsad_gcm::complaints::ComplaintState::ALL
                .into_iter()
                .find(|x| x.code() == s.status)
                .map(|x| x.label().get(lang).to_owned())
                .unwrap_or(s.status_label);
            html! {
                table {
                    tbody {
                        tr { th scope="row" { (tr.t("complaint-reference")) } td dir="ltr" { (s.reference) } }
                        tr { th scope="row" { (tr.t("complaint-status")) } td { strong { (status) } } }
                        tr { th scope="row" { (tr.t("complaint-updated")) } td dir="ltr" { (s.updated_at) } }
                    }
                }
                (follow_form(&c, ""))
            }
        }
        Err(e) => {
            let body = html! {
                p.error role="alert" { (tr.t(if e.code.status().as_u16() == 404 { "complaint-unknown" } else { "complaint-mistyped" })) }
                (follow_form(&c, &reference))
            };
            let mut r = page(document(&c, body));
            *r.status_mut() = e.code.status();
            return r;
        }
    };
    page(document(&c, body))
}
