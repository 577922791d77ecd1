//! The administrator's workspace: institutions, users and tokens (`admin::users`,
//! `admin::tokens`, `api::institutions`) with a user's account disabled or enabled
//! (`admin::set_disabled`) and a token revoked (`admin::revoke_token`), the policy in force
//! (`admin::policy`) and the audit search (`admin::audit`, itself audited): the JSON API's
//! handlers.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_policy::{Action, Resource};
use marsad_portal::i18n::Arg;
use maud::html;
use serde::Deserialize;

use super::{see_other, when, Work};
use crate::access::Permit;
use crate::admin::{AuditQuery, InstitutionQuery};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::portal::PageLang;
use crate::AppState;

/// `GET /{lang}/work/admin/`: institutions, users and API tokens within the reader's scope.
pub(super) async fn accounts(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/admin/");
    let tr = w.tr();
    let l = w.locale();
    let institutions = crate::api::institutions(State(state.clone())).await?.0;
    let users = crate::admin::users(
        State(state.clone()),
        permit.clone(),
        ApiQuery(InstitutionQuery { institution: None }),
    )
    .await?
    .0;
    // Buttons only where the policy lets the reader administer accounts (the routes ask again).
    let administer = state
        .access()
        .allows(&caller, Action::Administer, Resource::Accounts);
    let tokens = crate::admin::tokens(
        State(state.clone()),
        permit,
        ApiQuery(InstitutionQuery { institution: None }),
    )
    .await?
    .0;
    let body = html! {
        section #institutions {
            h2 { (tr.t("work-institutions")) }
            table {
                thead { tr { th scope="col" { (tr.t("work-name")) } th scope="col" { (tr.t("work-title-col")) } th scope="col" { (tr.t("work-institution-kind")) } } }
                tbody {
                    @for i in &institutions {
                        tr { td dir="ltr" { (i.name) } td dir="auto" { (i.title) } td dir="ltr" { (i.kind) } }
                    }
                }
            }
        }
        section #users {
            h2 { (tr.t("work-users")) }
            table {
                thead { tr {
                    th scope="col" { (tr.t("work-login")) }
                    th scope="col" { (tr.t("work-name")) }
                    th scope="col" { (tr.t("work-institution")) }
                    th scope="col" { (tr.t("work-roles")) }
                    th scope="col" { (tr.t("work-second-factor")) }
                    th scope="col" { (tr.t("work-state")) }
                    @if administer { th scope="col" {} }
                } }
                tbody {
                    @for u in &users {
                        tr {
                            td dir="ltr" { (u.login) }
                            td dir="auto" { (u.display_name) }
                            td dir="ltr" { (u.institution) }
                            td dir="ltr" { (u.roles.join(", ")) }
                            td { (tr.t(if u.totp_enrolled { "work-yes" } else { "work-no" })) }
                            td { (tr.t(if u.disabled { "work-disabled" } else { "work-active" })) }
                            @if administer {
                                td {
                                    form.inline method="post" action=(w.c.href(&format!("work/admin/users/{}", u.id))) {
                                        (w.csrf_field())
                                        input type="hidden" name="disabled" value=(if u.disabled { "false" } else { "true" });
                                        button type="submit" id=(format!("user-{}", u.id)) { (tr.t(if u.disabled { "work-enable" } else { "work-disable" })) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section #tokens {
            h2 { (tr.t("work-tokens")) }
            @if tokens.is_empty() {
                p { (tr.t("work-none-yet")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { "id" }
                        th scope="col" { (tr.t("work-institution")) }
                        th scope="col" { (tr.t("work-actions")) }
                        th scope="col" { (tr.t("work-expires")) }
                        th scope="col" { (tr.t("work-state")) }
                        @if administer { th scope="col" {} }
                    } }
                    tbody {
                        @for t in &tokens {
                            tr {
                                td dir="ltr" { (t.id) }
                                td dir="ltr" { (t.institution) }
                                td dir="ltr" { (t.actions) }
                                td { (when(l, &t.expires_at)) }
                                td { @if let Some(r) = &t.revoked_at { (tr.t("work-revoked")) " " (when(l, r)) } @else { (tr.t("work-active")) } }
                                @if administer {
                                    td {
                                        @if t.revoked_at.is_none() {
                                            form.inline method="post" action=(w.c.href(&format!("work/admin/tokens/{}", t.id))) {
                                                (w.csrf_field())
                                                button type="submit" id=(format!("token-{}", t.id)) { (tr.t("work-revoke")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-accounts"), body))
}

#[derive(Debug, Deserialize)]
pub(super) struct DisabledForm {
    disabled: bool,
}

/// `POST /{lang}/work/admin/users/{id}` with `disabled=true|false`, as
/// `PUT /api/v1/users/{id}/disabled`; then the accounts page.
pub(super) async fn set_disabled(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
    Form(form): Form<DisabledForm>,
) -> Result<Response, ApiError> {
    let _user = crate::admin::set_disabled(
        State(state),
        caller,
        permit,
        ApiPath(id),
        ApiJson(crate::admin::DisabledRequest {
            disabled: form.disabled,
        }),
    )
    .await?;
    Ok(see_other(&format!("/{}/work/admin/", lang.as_str())))
}

/// `POST /{lang}/work/admin/tokens/{id}`: revokes the token, as `DELETE /api/v1/tokens/{id}`;
/// then the accounts page.
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let _revoked = crate::admin::revoke_token(State(state), caller, permit, ApiPath(id)).await?;
    Ok(see_other(&format!("/{}/work/admin/", lang.as_str())))
}

/// `GET /{lang}/work/admin/policy`: the policy in force, as its tables.
pub(super) async fn policy(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/admin/policy");
    let tr = w.tr();
    let l = w.locale();
    let p = crate::admin::policy(State(state.clone())).await.0;
    let body = html! {
        dl.facts {
            dt { (tr.t("work-policy-version")) } dd { (l.digits_of(&p.version.to_string())) }
            dt { (tr.t("work-title-col")) } dd dir="auto" { (p.title) }
            dt { "SHA-256" } dd dir="ltr" { code { (p.sha256) } }
        }
        // The policy's tables are written in English by the policy crate.
        pre.policy lang="en" dir="ltr" { (p.markdown) }
    };
    Ok(w.finish(tr.t("work-policy"), body))
}

#[derive(Debug, Deserialize)]
pub(super) struct AuditPageQuery {
    object_kind: Option<String>,
    object_id: Option<String>,
    user: Option<i64>,
    after: Option<u64>,
}

/// `GET /{lang}/work/admin/audit`: the trail about one object (a person's number, a user), of
/// one user, or in order.
pub(super) async fn audit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<AuditPageQuery>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/admin/audit");
    let tr = w.tr();
    let l = w.locale();
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (kind, id) = (nonempty(&q.object_kind), nonempty(&q.object_id));
    // A unified number may be typed with spaces.
    let id = id.map(|i| {
        if kind.as_deref() == Some("person") {
            i.replace(' ', "")
        } else {
            i
        }
    });
    let (kind, id, user, after) = match (kind, id, q.user) {
        (Some(k), Some(i), _) => (Some(k), Some(i), None, None),
        (_, _, Some(u)) => (None, None, Some(u), None),
        _ => (None, None, None, q.after),
    };
    let entries = crate::admin::audit(
        State(state.clone()),
        caller,
        permit,
        ApiQuery(AuditQuery {
            object_kind: kind.clone(),
            object_id: id.clone(),
            user,
            token: None,
            after,
            limit: Some(200),
        }),
    )
    .await?
    .0;
    let body = html! {
        form.search method="get" action=(w.c.href("work/admin/audit")) {
            label for="object_kind" { (tr.t("work-audit-object-kind")) }
            select #object_kind name="object_kind" {
                @for k in ["person", "user", "dossier", "quarantine", "policy"] {
                    option value=(k) selected[kind.as_deref() == Some(k)] { (k) }
                }
            }
            label for="object_id" { (tr.t("work-audit-object-id")) }
            input #object_id name="object_id" value=(id.as_deref().unwrap_or("")) dir="ltr";
            p.actions { button type="submit" { (tr.t("work-search")) } }
        }
        h2 { (tr.t_with("work-results", &[("count", Arg::Num(entries.len() as i64))])) }
        table #audit {
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (tr.t("work-when")) }
                th scope="col" { (tr.t("work-who")) }
                th scope="col" { (tr.t("work-institution")) }
                th scope="col" { (tr.t("work-action")) }
                th scope="col" { (tr.t("work-object")) }
                th scope="col" { (tr.t("work-purpose")) }
                th scope="col" { (tr.t("work-outcome")) }
            } }
            tbody {
                @for e in &entries {
                    tr {
                        td.n { (l.digits_of(&e.seq.to_string())) }
                        td { (when(l, &e.at)) }
                        td dir="ltr" { (e.actor_kind) ":" (e.actor_id) }
                        td dir="ltr" { (e.institution.as_deref().unwrap_or("")) }
                        td dir="ltr" { (e.action) }
                        td dir="ltr" { (e.object_kind.as_deref().unwrap_or("")) " " (e.object_id.as_deref().unwrap_or("")) }
                        td dir="auto" { (e.purpose.as_deref().unwrap_or("")) }
                        td dir="ltr" { (e.outcome) }
                    }
                }
            }
        }
        @if kind.is_none() && user.is_none() {
            @if let Some(last) = entries.last() {
                p { a href=(w.c.href(&format!("work/admin/audit?after={}", last.seq))) { (tr.t("work-next-page")) } }
            }
        }
    };
    Ok(w.finish(tr.t("work-audit"), body))
}
