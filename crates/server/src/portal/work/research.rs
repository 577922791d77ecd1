//! The research microdata workspace: researchers request extracts (purpose, project, population,
//! variables) and follow their institution's requests, with the risk report and, once released,
//! the download of their own; the data-protection officer sees every request and approves or
//! refuses it (never one of their own). An approved request shows its extract being built
//! (phase, rows) until it is released or refused, or the error of a failed build.
//!
//! The pages call the JSON API's functions (`microdata::request`, `requests`, `decision`): the
//! same scope, the same workflow rules, the same audit entries with the request's purpose.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_policy::{Action, Resource};
use marsad_portal::i18n::Arg;
use maud::html;
use serde::Deserialize;

use super::{on_mistake, see_other, when, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::microdata::{MicrodataDecisionBody, MicrodataRequestBody, MicrodataRequestDto};
use crate::portal::PageLang;
use crate::AppState;

/// What the request form sends, as typed (lists comma-separated).
#[derive(Debug, Default, Deserialize)]
pub(super) struct RequestForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    first_year: String,
    #[serde(default)]
    last_year: String,
    #[serde(default)]
    variables: String,
    #[serde(default)]
    k: String,
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '،', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn year(field: &str, text: &str) -> Result<i32, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::field(field, format!("{field}: '{text}' is not a year")))
}

impl RequestForm {
    fn body(&self) -> Result<MicrodataRequestBody, ApiError> {
        Ok(MicrodataRequestBody {
            purpose: self.purpose.clone(),
            project: self.project.clone(),
            kinds: list(&self.kinds),
            first_year: year("first_year", &self.first_year)?,
            last_year: year("last_year", &self.last_year)?,
            variables: list(&self.variables),
            quasi_identifiers: Vec::new(),
            k: match self.k.trim() {
                "" => None,
                k => Some(k.parse().map_err(|_| {
                    ApiError::field("k", format!("k: '{k}' is not a whole number"))
                })?),
            },
        })
    }
}

/// `GET /{lang}/work/microdata/`.
pub(super) async fn page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/microdata/");
    draw(&state, w, &caller, &permit, &RequestForm::default(), None).await
}

async fn draw(
    state: &AppState,
    w: Work,
    caller: &Caller,
    permit: &Permit,
    typed: &RequestForm,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let tr = w.tr();
    let mut requests = crate::microdata::requests(state, permit).await?.requests;
    requests.reverse();
    let can_request = state
        .access()
        .allows(caller, Action::Submit, Resource::Microdata);
    let can_decide = state
        .access()
        .allows(caller, Action::Correct, Resource::Microdata);
    let level = state.microdata_level();
    let field = error.and_then(|e| e.field.as_deref());
    let invalid = |name: &str| (field == Some(name)).then_some("true");
    let value = |typed: &str, default: &str| {
        if typed.is_empty() && error.is_none() {
            default.to_string()
        } else {
            typed.to_string()
        }
    };
    let kinds: Vec<&str> = marsad_figures::microdata::POPULATION_KINDS
        .iter()
        .map(|k| k.as_str())
        .collect();
    let variables: Vec<&str> = marsad_figures::microdata::VARIABLES
        .iter()
        .map(|v| v.name)
        .collect();
    let body = html! {
        p { (tr.t("work-microdata-text")) }
        p { (tr.t_with("work-microdata-level", &[
            ("k", Arg::Num(i64::from(level.k))),
            ("percent", Arg::Num((level.max_suppressed * 100.0).round() as i64)),
        ])) }
        @if can_request {
            details open[error.is_some()] {
                summary { (tr.t("work-microdata-request")) }
                @if let Some(e) = error {
                    div.error role="alert" { p lang="en" dir="ltr" { (e.detail) } }
                }
                form method="post" action=(w.c.href("work/microdata/")) {
                    (w.csrf_field())
                    p {
                        label for="m-purpose" { (tr.t("work-microdata-purpose")) }
                        textarea #m-purpose name="purpose" required aria-invalid=[invalid("purpose")] { (typed.purpose) }
                    }
                    p {
                        label for="m-project" { (tr.t("work-microdata-project")) }
                        input #m-project name="project" type="text" required value=(typed.project) aria-invalid=[invalid("project")];
                    }
                    p {
                        label for="m-kinds" { (tr.t("work-microdata-kinds")) }
                        input #m-kinds name="kinds" type="text" dir="ltr" required value=(value(&typed.kinds, "labour_placement")) aria-invalid=[invalid("kinds")];
                        small dir="ltr" { (kinds.join(", ")) }
                    }
                    p {
                        label for="m-first" { (tr.t("work-microdata-first-year")) }
                        input #m-first name="first_year" type="number" required value=(typed.first_year) aria-invalid=[invalid("first_year")];
                        label for="m-last" { (tr.t("work-microdata-last-year")) }
                        input #m-last name="last_year" type="number" required value=(typed.last_year) aria-invalid=[invalid("last_year")];
                    }
                    p {
                        label for="m-variables" { (tr.t("work-microdata-variables")) }
                        input #m-variables name="variables" type="text" dir="ltr" required value=(value(&typed.variables, "sex, age_group, citizenship, destination, occupation, placements")) aria-invalid=[invalid("variables")];
                        small dir="ltr" { (variables.join(", ")) }
                    }
                    p {
                        label for="m-k" { (tr.t("work-microdata-k")) }
                        input #m-k name="k" type="number" min=(level.k) value=(typed.k) aria-invalid=[invalid("k")];
                    }
                    button type="submit" { (tr.t("work-microdata-send")) }
                }
            }
        }
        @if requests.is_empty() {
            p { (tr.t("work-none-yet")) }
        }
        @for r in &requests {
            (card(&w, r, caller, can_decide))
        }
        @if !requests.is_empty() {
            p.muted { (tr.t_with("work-microdata-count", &[("count", Arg::Num(i64::try_from(requests.len()).unwrap_or(0)))])) }
        }
    };
    Ok(w.finish(tr.t("work-microdata"), body))
}

fn card(w: &Work, r: &MicrodataRequestDto, caller: &Caller, can_decide: bool) -> maud::Markup {
    let tr = w.tr();
    let l = w.locale();
    let status = tr.t(&format!("work-microdata-status-{}", r.status));
    let mine = r.requester == caller.name;
    let report = r.report.as_ref();
    html! {
        article.card id=(format!("request-{}", r.id)) {
            h2 { "#" (r.id) " · " bdi { (r.project) } " · " (status) }
            p.muted { (when(l, &r.requested_at)) " · " bdi { (r.requester) } " · " bdi { (r.institution) } }
            p { (tr.t("work-microdata-purpose")) " " bdi { (r.purpose) } }
            p dir="ltr" { (r.kinds.join(", ")) " · " (r.first_year) "–" (r.last_year) " · " (r.variables.join(", ")) " · k = " (r.k) }
            @if let Some(rep) = report {
                p {
                    (tr.t_with("work-microdata-report", &[
                        ("records", Arg::Num(rep["records"].as_i64().unwrap_or(0))),
                        ("before", Arg::Num(rep["before"]["k_anonymity"].as_i64().unwrap_or(0))),
                        ("after", Arg::Num(rep["after"]["k_anonymity"].as_i64().unwrap_or(0))),
                    ]))
                }
            }
            @if !r.events.is_empty() {
                ol {
                    @for e in &r.events {
                        li {
                            (when(l, &e.at)) " · " bdi { (e.by) } " · "
                            (tr.t(&format!("work-microdata-status-{}", e.to)))
                            @if let Some(why) = &e.reasons { " — " bdi { (why) } }
                        }
                    }
                }
            }
            @if r.status == "approved" {
                (progress(w, r, can_decide && !mine))
            }
            @if r.status == "released" && mine {
                @if let Some(href) = &r.extract {
                    p { a href=(href) download { (tr.t("work-microdata-download")) } }
                }
            }
            @if r.status == "requested" && can_decide && !mine {
                form method="post" action=(w.c.href(&format!("work/microdata/{}", r.id))) {
                    (w.csrf_field())
                    @let id = format!("reasons-{}", r.id);
                    label for=(id) { (tr.t("work-microdata-reasons")) }
                    input id=(id) name="reasons" type="text";
                    button type="submit" name="decision" value="approve" { (tr.t("work-microdata-approve")) }
                    button type="submit" name="decision" value="refuse" { (tr.t("work-microdata-refuse")) }
                }
            }
        }
    }
}

/// An approved request's build: its phase and rows while it runs, its error (and, for a
/// decider, a button to build it again) when it failed. The decision answered before the
/// extract was built: the page shows where it stands, reloading shows the outcome.
fn progress(w: &Work, r: &MicrodataRequestDto, can_rebuild: bool) -> maud::Markup {
    let tr = w.tr();
    html! {
        @match &r.job {
            None => { p.muted role="status" { (tr.t("work-microdata-job-waiting")) } }
            Some(job) => { @if let Some(error) = &job.error {
                div.error role="alert" {
                    p { (tr.t("work-microdata-job-failed")) " " span lang="en" dir="ltr" { (error) } }
                    @if can_rebuild {
                        form method="post" action=(w.c.href(&format!("work/microdata/{}", r.id))) {
                            (w.csrf_field())
                            button type="submit" name="decision" value="approve" { (tr.t("work-microdata-rebuild")) }
                        }
                    }
                }
            } @else {
                p role="status" {
                    (tr.t_with("work-microdata-job", &[(
                        "phase",
                        Arg::Str(&tr.t(&format!("work-microdata-phase-{}", job.phase.replace(' ', "-")))),
                    )]))
                    @if let Some(rows) = job.rows {
                        " " (tr.t_with("work-microdata-job-rows", &[("rows", Arg::Num(i64::try_from(rows).unwrap_or(i64::MAX)))]))
                    }
                }
            } }
        }
    }
}

/// `POST /{lang}/work/microdata/`: a request, then back to it.
pub(super) async fn request(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Form(typed): Form<RequestForm>,
) -> Result<Response, ApiError> {
    let sent = match typed.body() {
        Ok(body) => crate::microdata::request(&state, &caller, &permit, &body).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(r) => Ok(see_other(&format!(
            "/{}/work/microdata/#request-{}",
            lang.as_str(),
            r.id
        ))),
        Err(e) => {
            on_mistake(e, |e| async move {
                let w = Work::new(&state, lang, &headers, &caller, "work/microdata/");
                let read = permit
                    .derive(Action::Read, Resource::Microdata)
                    .unwrap_or_else(|| permit.clone());
                draw(&state, w, &caller, &read, &typed, Some(&e)).await
            })
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reasons: String,
}

/// `POST /{lang}/work/microdata/{id}`: a decision, then back to the request.
pub(super) async fn decide(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, ApiError> {
    let body = MicrodataDecisionBody {
        decision: form.decision,
        reasons: Some(form.reasons).filter(|r| !r.trim().is_empty()),
    };
    let r = crate::microdata::decision(&state, &caller, &permit, id, &body).await?;
    Ok(see_other(&format!(
        "/{}/work/microdata/#request-{}",
        lang.as_str(),
        r.id
    )))
}
