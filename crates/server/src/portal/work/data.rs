//! The data officer's workspace: imports and their reports, uploads with live progress, the
//! quarantine with in-place correction and resubmission. Every page calls the JSON API's handler
//! for what it shows (`api::submission`, `api::report`, `api::quarantine`, `api::correct`,
//! `api::resubmit`, `upload::submit`), with the request's own permit.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::Form;
use marsad_model::RecordKind;
use marsad_policy::{Action, Resource};
use marsad_portal::i18n::Arg;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::{count, see_other, text, when, Work};
use crate::access::Permit;
use crate::api::{admit_source, find_source};
use crate::caller::Caller;
use crate::dto::{Correction, QuarantineQuery, UploadQuery};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::portal::PageLang;
use crate::records::Institutions;
use crate::AppState;

/// Submissions listed on the imports page.
const LISTED: u32 = 200;

/// A table of submissions, each linked to its report page.
pub(super) fn submissions_table<'a>(
    w: &Work,
    submissions: impl Iterator<Item = &'a marsad_store::Submission>,
    with_by: bool,
) -> Markup {
    let tr = w.tr();
    let l = w.locale();
    html! {
        table.submissions {
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (tr.t("work-source")) }
                th scope="col" { (tr.t("work-file")) }
                th scope="col" { (tr.t("work-status")) }
                th scope="col" { (tr.t("work-accepted")) }
                th scope="col" { (tr.t("work-unchanged")) }
                th scope="col" { (tr.t("work-rejected")) }
                @if with_by { th scope="col" { (tr.t("work-submitted-by")) } }
                th scope="col" { (tr.t("work-started")) }
            } }
            tbody {
                @for s in submissions {
                    tr {
                        td { a href=(w.c.href(&format!("work/imports/{}", s.id.0))) { (l.digits_of(&s.id.0.to_string())) } }
                        td dir="ltr" { (s.source_name) }
                        td dir="auto" { (s.file_name) }
                        td { (status_name(w, s.status.as_str())) }
                        td.n { (count(l, s.accepted)) }
                        td.n { (count(l, s.unchanged)) }
                        td.n { (count(l, s.rejected)) }
                        @if with_by { td dir="ltr" { (s.submitted_by) } }
                        td { (when(l, &s.started_at.to_rfc3339())) }
                    }
                }
            }
        }
    }
}

fn status_name(w: &Work, status: &str) -> String {
    let tr = w.tr();
    let key = format!("work-status-{status}");
    if tr.has(&key) {
        tr.t(&key)
    } else {
        status.to_owned()
    }
}

/// `GET /{lang}/work/imports/`: the submissions of the sources within the reader's scope.
pub(super) async fn imports(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/imports/");
    let tr = w.tr();
    // As `GET /api/v1/sources/{name}/submissions`: each source admitted by its owner, its
    // latest submissions read; the newest of them all shown.
    let shown = state
        .blocking(move |store, _| {
            permit.grant();
            let mut shown = Vec::new();
            for source in store.sources()? {
                if admit_source(store, &permit, &source).is_ok() {
                    shown.extend(store.submissions(Some(source.id), LISTED)?);
                }
            }
            shown.sort_by_key(|s| std::cmp::Reverse(s.id.0));
            shown.truncate(LISTED as usize);
            Ok(shown)
        })
        .await?;
    let body = html! {
        p { a href=(w.c.href("work/upload/")) { (tr.t("work-upload")) } " · " a href=(w.c.href("work/quarantine/")) { (tr.t("work-quarantine")) } }
        @if shown.is_empty() {
            p { (tr.t("work-none-yet")) }
        } @else {
            (submissions_table(&w, shown.iter(), true))
        }
    };
    Ok(w.finish(tr.t("work-imports"), body))
}

/// `GET /{lang}/work/imports/{id}`: one submission and its import report.
pub(super) async fn import(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let w = Work::new(
        &state,
        lang,
        &headers,
        &caller,
        &format!("work/imports/{id}"),
    );
    let tr = w.tr();
    let l = w.locale();
    let submission = crate::api::submission(State(state.clone()), permit.clone(), ApiPath(id))
        .await?
        .0;
    let report = crate::api::report(State(state.clone()), permit, ApiPath(id))
        .await?
        .0;
    let issues = |key: &str| -> Vec<Value> {
        report
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let rejected = issues("rejected");
    let warnings = issues("warnings");
    let n = |key: &str| report.get(key).and_then(Value::as_u64).unwrap_or(0);
    let body = html! {
        section #report data-submission=(id) data-status=(submission.status) {
            dl.facts {
                dt { (tr.t("work-source")) } dd dir="ltr" { (submission.source) }
                dt { (tr.t("work-file")) } dd dir="auto" { (submission.file_name) }
                dt { (tr.t("work-status")) } dd { (status_name(&w, &submission.status)) }
                dt { (tr.t("work-rows")) } dd.n { (count(l, n("rows"))) }
                dt { (tr.t("work-accepted")) } dd.n #accepted { (count(l, n("accepted"))) }
                dt { (tr.t("work-unchanged")) } dd.n { (count(l, n("unchanged"))) }
                dt { (tr.t("work-rejected")) } dd.n #rejected { (count(l, n("rejected_rows"))) }
                dt { (tr.t("work-submitted-by")) } dd dir="ltr" { (submission.submitted_by) }
                dt { (tr.t("work-started")) } dd { (when(l, &submission.started_at)) }
                @if let Some(e) = &submission.error {
                    dt { (tr.t("work-error")) } dd lang="en" dir="ltr" { (e) }
                }
            }
            h2 { (tr.t("work-rejected-rows")) }
            @if rejected.is_empty() {
                p { (tr.t("work-no-rejected")) }
            } @else {
                (issue_table(&w, &rejected))
                p { a href=(w.c.href(&format!("work/quarantine/?submission={id}"))) { (tr.t("work-correct-them")) } }
            }
            h2 { (tr.t("work-warnings")) }
            @if warnings.is_empty() {
                p { (tr.t("work-no-warnings")) }
            } @else {
                (issue_table(&w, &warnings))
            }
        }
    };
    Ok(w.finish(
        tr.t_with("work-import-title", &[("id", Arg::Num(id))]),
        body,
    ))
}

fn issue_table(w: &Work, issues: &[Value]) -> Markup {
    let tr = w.tr();
    let l = w.locale();
    html! {
        table.issues {
            thead { tr {
                th scope="col" { (tr.t("work-row")) }
                th scope="col" { (tr.t("work-field")) }
                th scope="col" { (tr.t("work-reason")) }
            } }
            tbody {
                @for i in issues {
                    tr {
                        td.n { (i.get("row").and_then(Value::as_u64).map(|r| count(l, r)).unwrap_or_default()) }
                        td dir="ltr" { (i.get("field").map(text).unwrap_or_default()) }
                        // Reasons are written by the validator in English.
                        td lang="en" dir="ltr" { (i.get("reason").map(text).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// The sources the reader may submit to (some record kind, for the source's owner).
async fn submittable(state: &AppState, permit: Permit) -> Result<Vec<String>, ApiError> {
    state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            Ok(store
                .sources()?
                .into_iter()
                .filter(|s| {
                    let origin = institutions.origin(s.institution.as_deref());
                    RecordKind::ALL.into_iter().any(|k| {
                        permit
                            .also(Action::Submit, Resource::Record(k), Some(origin))
                            .is_ok()
                    })
                })
                .map(|s| s.name)
                .collect())
        })
        .await
}

/// `GET /{lang}/work/upload/`: the sources the reader may send a file to.
pub(super) async fn upload_sources(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/upload/");
    let tr = w.tr();
    let sources = submittable(&state, permit).await?;
    let body = html! {
        p { (tr.t("work-upload-choose")) }
        @if sources.is_empty() {
            p { (tr.t("work-no-sources")) }
        } @else {
            ul.sources {
                @for s in &sources {
                    li { a dir="ltr" href=(w.c.href(&format!("work/upload/{}", marsad_portal::page::encode_component(s)))) { (s) } }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-upload"), body))
}

/// `GET /{lang}/work/upload/{source}`: the upload form. Without JavaScript it posts to this
/// page's address; `portal.js` sends it to the API instead, shows the bytes sent, then the
/// import's phases, then the report.
pub(super) async fn upload_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, source)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let sources = submittable(&state, permit.clone()).await?;
    if !sources.contains(&source) {
        // Unknown source: 404; a source of another institution: 403, as the API answers.
        let name = source.clone();
        state
            .blocking(move |store, _| {
                let s = find_source(store, &name)?;
                admit_source(store, &permit, &s)
            })
            .await?;
        return Err(ApiError::new(
            crate::error::Code::Forbidden,
            "submit on this source is not within your scope of competence",
        ));
    }
    let encoded = marsad_portal::page::encode_component(&source);
    let path = format!("work/upload/{encoded}");
    let w = Work::new(&state, lang, &headers, &caller, &path);
    let tr = w.tr();
    let action = format!(
        "{}?{}={}",
        w.c.href(&path),
        crate::caller::CSRF_FIELD,
        w.csrf
    );
    let body = html! {
        form #upload method="post" enctype="multipart/form-data" action=(action)
            data-api=(format!("/api/v1/sources/{encoded}/submissions?wait=false"))
            data-csrf=(w.csrf)
            data-report=(w.c.href("work/imports/"))
            data-msg-sending=(tr.t("work-upload-sending"))
            data-msg-importing=(tr.t("work-upload-importing"))
            data-msg-done=(tr.t("work-upload-done"))
            data-msg-failed=(tr.t("work-upload-failed"))
            data-phase-queued=(tr.t("work-phase-queued"))
            data-phase-hashing=(tr.t("work-phase-hashing"))
            data-phase-importing=(tr.t("work-phase-importing"))
            data-phase-finalizing=(tr.t("work-phase-finalizing"))
            data-phase-done=(tr.t("work-phase-done"))
            data-rows=(tr.t("work-rows")) {
            p { (tr.t("work-source")) ": " strong dir="ltr" { (source) } }
            label for="file" { (tr.t("work-upload-file")) }
            input #file type="file" name="file" required accept=".csv,.xlsx,.jsonl,.ndjson,.txt";
            label for="mapping" { (tr.t("work-upload-mapping")) }
            input #mapping type="file" name="mapping" accept=".toml,.txt";
            p.actions { button type="submit" { (tr.t("work-upload-send")) } }
        }
        div #upload-status .hidden aria-live="polite" {
            progress #upload-progress max="100" value="0" {}
            p #upload-phase {}
        }
        div #upload-result {}
    };
    Ok(w.finish(tr.t("work-upload"), body))
}

/// `POST /{lang}/work/upload/{source}` (the form without JavaScript): the upload API's handler,
/// waiting for the import; then the report page.
pub(super) async fn upload(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, source)): ApiPath<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let response = crate::upload::submit(
        State(state),
        caller,
        permit,
        ApiPath(source),
        ApiQuery(UploadQuery {
            file_name: None,
            wait: None,
        }),
        request,
    )
    .await?;
    if !response.status().is_success() {
        return Ok(response);
    }
    let id = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.strip_prefix("/api/v1/submissions/"))
        .and_then(|id| id.parse::<i64>().ok());
    Ok(match id {
        Some(id) => see_other(&format!("/{}/work/imports/{id}", lang.as_str())),
        None => see_other(&format!("/{}/work/imports/", lang.as_str())),
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct QuarantinePageQuery {
    source: Option<String>,
    submission: Option<i64>,
    after: Option<i64>,
}

/// `GET /{lang}/work/quarantine/`: open quarantined rows (as `GET /api/v1/quarantine`).
pub(super) async fn quarantine(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<QuarantinePageQuery>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/quarantine/");
    let tr = w.tr();
    let l = w.locale();
    let list = crate::api::quarantine(
        State(state.clone()),
        caller,
        permit,
        ApiQuery(QuarantineQuery {
            source: q.source.clone(),
            submission: q.submission,
            status: Some("open".into()),
            after: q.after,
            limit: Some(100),
        }),
    )
    .await?
    .0;
    let body = html! {
        p { (tr.t("work-quarantine-text")) }
        @if list.entries.is_empty() {
            p #quarantine-empty { (tr.t("work-quarantine-empty")) }
        } @else {
            table.quarantine {
                thead { tr {
                    th scope="col" { (tr.t("work-source")) }
                    th scope="col" { (tr.t("work-submission")) }
                    th scope="col" { (tr.t("work-row")) }
                    th scope="col" { (tr.t("work-reason")) }
                    th scope="col" { (tr.t("work-corrected")) }
                    th scope="col" {}
                } }
                tbody {
                    @for e in &list.entries {
                        tr {
                            td dir="ltr" { (e.source) }
                            td.n { a href=(w.c.href(&format!("work/imports/{}", e.submission))) { (l.digits_of(&e.submission.to_string())) } }
                            td.n { (count(l, e.row)) }
                            td lang="en" dir="ltr" {
                                @for i in &e.issues { (i.field.as_deref().unwrap_or("")) ": " (i.reason) br; }
                            }
                            td { @if e.corrected.is_some() { (tr.t("work-yes")) } }
                            td { a href=(w.c.href(&format!("work/quarantine/{}", e.id))) { (tr.t("work-correct")) } }
                        }
                    }
                }
            }
            @if let Some(after) = list.next_after {
                p { a href=(w.c.href(&format!("work/quarantine/?after={after}{}{}",
                    q.source.as_deref().map(|s| format!("&source={}", marsad_portal::page::encode_component(s))).unwrap_or_default(),
                    q.submission.map(|s| format!("&submission={s}")).unwrap_or_default()))) { (tr.t("work-next-page")) } }
            }
        }
    };
    Ok(w.finish(tr.t("work-quarantine"), body))
}

/// `GET /{lang}/work/quarantine/{id}`: one rejected row, each field editable in place, the
/// fields with an issue marked; saving stores the correction, resubmitting re-validates it.
pub(super) async fn quarantine_entry(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let path = format!("work/quarantine/{id}");
    let w = Work::new(&state, lang, &headers, &caller, &path);
    let tr = w.tr();
    let l = w.locale();
    let e = crate::api::quarantine_entry(State(state.clone()), caller, permit, ApiPath(id))
        .await?
        .0;
    let empty = serde_json::Map::new();
    let raw = e.raw.as_object().unwrap_or(&empty);
    let corrected = e.corrected.as_ref().and_then(Value::as_object);
    let open = e.status == "open";
    let body = html! {
        dl.facts {
            dt { (tr.t("work-source")) } dd dir="ltr" { (e.source) }
            dt { (tr.t("work-submission")) } dd { a href=(w.c.href(&format!("work/imports/{}", e.submission))) { (l.digits_of(&e.submission.to_string())) } }
            dt { (tr.t("work-row")) } dd.n { (count(l, e.row)) }
            dt { (tr.t("work-status")) } dd #entry-status data-status=(e.status) { (status_name(&w, &e.status)) }
            @if let Some(by) = e.resolved_by {
                dt { (tr.t("work-resolved-by")) } dd { a href=(w.c.href(&format!("work/imports/{by}"))) { (l.digits_of(&by.to_string())) } }
            }
        }
        h2 { (tr.t("work-issues")) }
        ul.issues {
            @for i in &e.issues {
                li { strong dir="ltr" { (i.field.as_deref().unwrap_or("—")) } " " span lang="en" dir="ltr" { (i.reason) } }
            }
        }
        form #correction method="post" action=(w.c.href(&path)) {
            (w.csrf_field())
            table.fields {
                thead { tr {
                    th scope="col" { (tr.t("work-field")) }
                    th scope="col" { (tr.t("work-as-sent")) }
                    th scope="col" { (tr.t("work-correction")) }
                } }
                tbody {
                    @for (column, value) in raw {
                        @let flagged = e.issues.iter().any(|i| i.field.as_deref() == Some(column.as_str()));
                        @let current = corrected.and_then(|c| c.get(column)).unwrap_or(value);
                        tr class=[flagged.then_some("issue")] {
                            th scope="row" dir="ltr" { label for=(format!("f-{column}")) { (column) } }
                            td dir="auto" { (text(value)) }
                            td { input id=(format!("f-{column}")) name=(format!("f.{column}")) value=(text(current)) dir="auto" disabled[!open] aria-invalid=[flagged.then_some("true")]; }
                        }
                    }
                }
            }
            @if open {
                p.actions {
                    button type="submit" name="then" value="resubmit" { (tr.t("work-save-resubmit")) }
                    button type="submit" name="then" value="save" { (tr.t("work-save")) }
                }
            }
        }
        p { a href=(w.c.href("work/quarantine/")) { (tr.t("work-quarantine")) } }
    };
    Ok(w.finish(tr.t_with("work-entry-title", &[("id", Arg::Num(id))]), body))
}

/// `POST /{lang}/work/quarantine/{id}`: the form's fields (`f.{column}`) become the correction
/// (`PUT /api/v1/quarantine/{id}/correction`); with `then=resubmit` the entry is resubmitted
/// (`POST /api/v1/sources/{name}/quarantine/resubmit`) and the new submission's report shown.
pub(super) async fn correct(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    permit: Permit,
    caller: Caller,
    ApiPath((_, id)): ApiPath<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let mut columns = serde_json::Map::new();
    let mut then = "save";
    for (name, value) in &fields {
        if let Some(column) = name.strip_prefix("f.") {
            columns.insert(column.to_owned(), Value::String(value.trim().to_owned()));
        } else if name == "then" && value == "resubmit" {
            then = "resubmit";
        }
    }
    let entry = crate::api::correct(
        State(state.clone()),
        permit.clone(),
        ApiPath(id),
        ApiJson(Correction(columns)),
    )
    .await?
    .0;
    let lang = lang.as_str();
    if then != "resubmit" {
        return Ok(see_other(&format!("/{lang}/work/quarantine/{id}")));
    }
    let body = serde_json::json!({ "ids": [id] }).to_string();
    let result = crate::api::resubmit(
        State(state),
        caller,
        permit,
        ApiPath(entry.source),
        axum::body::Bytes::from(body),
    )
    .await?
    .0;
    let submission = result
        .reports
        .first()
        .and_then(|r| r.get("submission"))
        .and_then(Value::as_i64);
    Ok(match submission {
        Some(s) => see_other(&format!("/{lang}/work/imports/{s}")),
        None => see_other(&format!("/{lang}/work/quarantine/{id}")),
    })
}
