//! The national GCM plan in the workspace (issue 9): the committee adds actions, an owner
//! institution updates its own (every change a new version, the history kept), records
//! indicator measurements and evaluations. Each form calls the JSON API's handler (the same
//! validation naming the field, the same scope: the committee, or the owner for its actions); a
//! mistake shows the form again with what was typed. The public report of the plan is
//! `/{lang}/gcm/`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_gcm::catalogue::{ObjectiveId, Step};
use marsad_gcm::plan::Status;
use maud::{html, Markup};
use serde::Deserialize;

use super::{on_mistake, see_other, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::gcm::{ActionDto, ActionRequest, BudgetDto, EvaluationDto, MeasurementDto};
use crate::portal::PageLang;
use crate::AppState;

/// What the action form sends (as typed).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ActionForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    /// Objective numbers, comma- or space-separated.
    #[serde(default)]
    objectives: String,
    #[serde(default)]
    owner: String,
    /// Partners, comma-separated.
    #[serde(default)]
    partners: String,
    #[serde(default)]
    budget: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: String,
}

impl ActionForm {
    fn of(a: &ActionDto) -> ActionForm {
        ActionForm {
            id: a.id.clone(),
            title: a.title.clone(),
            objectives: a
                .objectives
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            owner: a.owner.clone(),
            partners: a.partners.join(", "),
            budget: a
                .budget
                .as_ref()
                .map(|b| b.amount.to_string())
                .unwrap_or_default(),
            currency: a
                .budget
                .as_ref()
                .map(|b| b.currency.clone())
                .unwrap_or_default(),
            start: a.start.clone(),
            end: a.end.clone().unwrap_or_default(),
            status: a.status.clone(),
            step: a.step.clone(),
            version: a.version.to_string(),
        }
    }

    fn request(&self) -> Result<ActionRequest, ApiError> {
        let date = |field: &str, text: &str| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::field(
                    field,
                    format!("{field}: '{}' is not a date (YYYY-MM-DD)", text.trim()),
                )
            })
        };
        let list = |text: &str| -> Vec<String> {
            text.split([',', ';', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let budget = match self.budget.trim() {
            "" => None,
            amount => Some(BudgetDto {
                amount: amount.parse().map_err(|_| {
                    ApiError::field(
                        "budget",
                        format!("budget: '{amount}' is not a whole amount"),
                    )
                })?,
                currency: self.currency.trim().to_owned(),
            }),
        };
        Ok(ActionRequest {
            id: Some(self.id.trim().to_owned()).filter(|x| !x.is_empty()),
            title: self.title.trim().to_owned(),
            objectives: list(&self.objectives),
            owner: self.owner.trim().to_owned(),
            partners: self
                .partners
                .split([',', ';'])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect(),
            budget,
            start: date("start", &self.start)?,
            end: match self.end.trim() {
                "" => None,
                end => Some(date("end", end)?),
            },
            status: self.status.trim().to_owned(),
            step: self.step.trim().to_owned(),
            version: self.version.trim().parse().ok(),
        })
    }
}

fn action_form(w: &Work, typed: &ActionForm, new: bool, error: Option<&ApiError>) -> Markup {
    let tr = w.tr();
    let lang = w.locale().lang;
    let field = error.and_then(|e| e.field.as_deref());
    let invalid = |name: &str| (field == Some(name)).then_some("true");
    let action = if new {
        w.c.href("work/plan/")
    } else {
        w.c.href(&format!("work/plan/{}", typed.id))
    };
    html! {
        @if let Some(e) = error {
            div.error role="alert" id="plan-error" { p lang="en" dir="ltr" { (e.detail) } }
        }
        form method="post" action=(action) {
            (w.csrf_field())
            input type="hidden" name="version" value=(typed.version);
            div.form-grid {
                @if new {
                    div { label for="a-id" { (tr.t("work-plan-id")) } input #a-id name="id" type="text" required value=(typed.id) placeholder="A-07-1" aria-invalid=[invalid("id")]; }
                } @else {
                    input type="hidden" name="id" value=(typed.id);
                }
                div { label for="a-title" { (tr.t("work-plan-title-field")) } input #a-title name="title" type="text" required value=(typed.title) aria-invalid=[invalid("title")]; }
                div { label for="a-objectives" { (tr.t("work-plan-objectives")) } input #a-objectives name="objectives" type="text" required value=(typed.objectives) placeholder="7, 14" aria-invalid=[invalid("objectives")]; }
                div { label for="a-owner" { (tr.t("work-plan-owner")) } input #a-owner name="owner" type="text" required value=(typed.owner) aria-invalid=[invalid("owner")]; }
                div { label for="a-partners" { (tr.t("work-plan-partners")) } input #a-partners name="partners" type="text" value=(typed.partners) aria-invalid=[invalid("partners")]; }
                div { label for="a-budget" { (tr.t("work-plan-budget")) } input #a-budget name="budget" type="number" min="0" value=(typed.budget) aria-invalid=[invalid("budget")]; }
                div { label for="a-currency" { (tr.t("work-plan-currency")) } input #a-currency name="currency" type="text" value=(typed.currency) placeholder="TND" aria-invalid=[invalid("budget.currency")]; }
                div { label for="a-start" { (tr.t("work-plan-start")) } input #a-start name="start" type="date" required value=(typed.start) aria-invalid=[invalid("start")]; }
                div { label for="a-end" { (tr.t("work-plan-end")) } input #a-end name="end" type="date" value=(typed.end) aria-invalid=[invalid("end")]; }
                div {
                    label for="a-status" { (tr.t("work-plan-status")) }
                    select #a-status name="status" aria-invalid=[invalid("status")] {
                        @for s in Status::ALL { option value=(s.code()) selected[typed.status == s.code()] { (s.label().get(lang)) } }
                    }
                }
                div {
                    label for="a-step" { (tr.t("work-plan-step")) }
                    select #a-step name="step" aria-invalid=[invalid("step")] {
                        @for s in Step::ALL { option value=(s.code()) selected[typed.step == s.code()] { (s.name().get(lang)) } }
                    }
                }
            }
            button type="submit" { (tr.t(if new { "work-plan-add" } else { "work-plan-save" })) }
        }
    }
}

/// `GET /{lang}/work/plan/`: the actions, and the form to add one.
pub(super) async fn actions(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/plan/");
    actions_page(&state, w, &ActionForm::default(), None).await
}

async fn actions_page(
    state: &AppState,
    w: Work,
    typed: &ActionForm,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let tr = w.tr();
    let lang = w.locale().lang;
    let l = w.locale();
    let list = crate::gcm::actions(State(state.clone())).await?.0.actions;
    let status = |code: &str| {
        Status::parse(code).map_or_else(|| code.to_owned(), |s| s.label().get(lang).to_owned())
    };
    let body = html! {
        p { (tr.t("work-plan-text")) " " a href=(w.c.href("gcm/")) { (tr.t("work-plan-report")) } }
        details open[error.is_some()] {
            summary { (tr.t("work-plan-new")) }
            (action_form(&w, typed, true, error))
        }
        div.table-wrap {
            table #actions {
                thead { tr {
                    th scope="col" { (tr.t("work-plan-id")) }
                    th scope="col" { (tr.t("work-plan-title-field")) }
                    th scope="col" { (tr.t("work-plan-objectives")) }
                    th scope="col" { (tr.t("work-plan-owner")) }
                    th scope="col" { (tr.t("work-plan-status")) }
                    th.n scope="col" { (tr.t("work-plan-version")) }
                } }
                tbody {
                    @for a in &list {
                        tr {
                            td { a href=(w.c.href(&format!("work/plan/{}", a.id))) { bdi { (a.id) } } }
                            td { bdi { (a.title) } }
                            td { (a.objectives.iter().map(|o| l.digits_of(&o.to_string())).collect::<Vec<_>>().join(", ")) }
                            td { bdi { (a.owner) } }
                            td { (status(&a.status)) }
                            td.n { (l.digits_of(&a.version.to_string())) }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-plan"), body))
}

/// `POST /{lang}/work/plan/`: adds an action.
pub(super) async fn add(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Form(typed): Form<ActionForm>,
) -> Result<Response, ApiError> {
    let outcome = match typed.request() {
        Ok(request) => crate::gcm::create_action(
            State(state.clone()),
            caller.clone(),
            permit,
            ApiJson(request),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/{}/work/plan/{}",
            lang.as_str(),
            typed.id.trim()
        ))),
        Err(e) => {
            on_mistake(e, |e| async move {
                let w = Work::new(&state, lang, &headers, &caller, "work/plan/");
                actions_page(&state, w, &typed, Some(&e)).await
            })
            .await
        }
    }
}

/// What the measurement form sends.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MeasurementForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    source: String,
}

/// What the evaluation form sends.
#[derive(Debug, Default, Deserialize)]
pub(super) struct EvaluationForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    learned: String,
    /// One obstacle per line.
    #[serde(default)]
    obstacles: String,
}

/// `GET /{lang}/work/plan/{id}`: one action, its change form, its indicators (with the form to
/// record a value) and evaluations (with the form to record one).
pub(super) async fn action(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    ApiPath((_, id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, &format!("work/plan/{id}"));
    action_page(&state, w, &id, None, None).await
}

/// Which form a mistake belongs to, with what was typed.
enum Typed {
    Action(ActionForm),
    Measurement(MeasurementForm),
    Evaluation(EvaluationForm),
}

async fn action_page(
    state: &AppState,
    w: Work,
    id: &str,
    typed: Option<Typed>,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let tr = w.tr();
    let l = w.locale();
    let view = crate::gcm::action(State(state.clone()), ApiPath(id.to_owned()))
        .await?
        .0;
    // Which form the mistake belongs to: 0 the action, 1 a measurement, 2 an evaluation.
    let which = match &typed {
        Some(Typed::Action(_)) => Some(0),
        Some(Typed::Measurement(_)) => Some(1),
        Some(Typed::Evaluation(_)) => Some(2),
        None => None,
    };
    let error_for = |form: u8| error.filter(|_| which == Some(form));
    let (action_typed, measurement_typed, evaluation_typed) = match typed {
        Some(Typed::Action(a)) => (a, MeasurementForm::default(), EvaluationForm::default()),
        Some(Typed::Measurement(m)) => (ActionForm::of(&view.action), m, EvaluationForm::default()),
        Some(Typed::Evaluation(e)) => (ActionForm::of(&view.action), MeasurementForm::default(), e),
        None => (
            ActionForm::of(&view.action),
            MeasurementForm::default(),
            EvaluationForm::default(),
        ),
    };
    let objectives: Vec<String> = view
        .action
        .objectives
        .iter()
        .filter_map(|n| ObjectiveId::new(u64::from(*n)).ok())
        .map(|o| {
            format!(
                "{}. {}",
                l.digits_of(&o.number().to_string()),
                o.objective().title.get(l.lang)
            )
        })
        .collect();
    let body = html! {
        p { (tr.t("work-plan-version")) " " (l.digits_of(&view.action.version.to_string())) " · " bdi { (view.action.changed_by) } }
        ul { @for o in &objectives { li { (o) } } }
        h2 { (tr.t("work-plan-change")) }
        (action_form(&w, &action_typed, false, error_for(0)))
        h2 { (tr.t("work-plan-indicators")) }
        @if view.indicators.is_empty() {
            p { (tr.t("work-none-yet")) }
        } @else {
            table {
                thead { tr { th scope="col" { (tr.t("work-plan-indicator")) } th.n scope="col" { (tr.t("work-plan-baseline")) } th.n scope="col" { (tr.t("work-plan-target")) } th scope="col" { (tr.t("work-plan-measured")) } } }
                tbody {
                    @for i in &view.indicators {
                        tr {
                            td { bdi { (i.code) } }
                            td.n { (l.decimal(i.baseline.value, 1)) }
                            td.n { (l.decimal(i.target.value, 1)) }
                            td { @for m in &i.measurements { (l.year(chrono::Datelike::year(&m.end))) ": " (l.decimal(m.value, 1)) br; } }
                        }
                    }
                }
            }
            @let e = error_for(1);
            @if let Some(e) = e { div.error role="alert" { p lang="en" dir="ltr" { (e.detail) } } }
            form method="post" action=(w.c.href(&format!("work/plan/{id}/measurements"))) {
                (w.csrf_field())
                div.form-grid {
                    div {
                        label for="m-code" { (tr.t("work-plan-indicator")) }
                        select #m-code name="code" { @for i in &view.indicators { option value=(i.code) selected[measurement_typed.code == i.code] { (i.code) } } }
                    }
                    div { label for="m-year" { (tr.t("work-plan-year")) } input #m-year name="year" type="number" min="1900" max="9999" required value=(measurement_typed.year); }
                    div { label for="m-value" { (tr.t("work-plan-value")) } input #m-value name="value" type="text" inputmode="decimal" required value=(measurement_typed.value); }
                    div { label for="m-source" { (tr.t("work-plan-source")) } input #m-source name="source" type="text" required value=(measurement_typed.source); }
                }
                button type="submit" { (tr.t("work-plan-record-value")) }
            }
        }
        h2 { (tr.t("work-plan-evaluations")) }
        @for e in &view.evaluations {
            article {
                p { strong { (l.date(e.date)) } " · " bdi { (e.author) } }
                p { bdi { (e.learned) } }
                @if !e.obstacles.is_empty() { ul { @for o in &e.obstacles { li { bdi { (o) } } } } }
            }
        }
        @if let Some(e) = error_for(2) { div.error role="alert" { p lang="en" dir="ltr" { (e.detail) } } }
        form method="post" action=(w.c.href(&format!("work/plan/{id}/evaluations"))) {
            (w.csrf_field())
            div.form-grid {
                div { label for="e-date" { (tr.t("work-plan-date")) } input #e-date name="date" type="date" required value=(evaluation_typed.date); }
                div { label for="e-author" { (tr.t("work-plan-author")) } input #e-author name="author" type="text" required value=(evaluation_typed.author); }
            }
            div { label for="e-learned" { (tr.t("work-plan-learned")) } textarea #e-learned name="learned" rows="3" cols="60" { (evaluation_typed.learned) } }
            div { label for="e-obstacles" { (tr.t("work-plan-obstacles")) } textarea #e-obstacles name="obstacles" rows="3" cols="60" { (evaluation_typed.obstacles) } }
            button type="submit" { (tr.t("work-plan-record-evaluation")) }
        }
    };
    Ok(w.finish(format!("{} · {}", view.action.id, view.action.title), body))
}

/// After a form of the action's page: back to the page, or after a mistake the page again with
/// what was typed (`on_mistake`).
async fn after(
    state: &AppState,
    lang: marsad_model::Lang,
    headers: &HeaderMap,
    caller: &Caller,
    id: &str,
    typed: Typed,
    outcome: Result<(), ApiError>,
) -> Result<Response, ApiError> {
    let Err(e) = outcome else {
        return Ok(see_other(&format!("/{}/work/plan/{id}", lang.as_str())));
    };
    on_mistake(e, |e| async move {
        let w = Work::new(state, lang, headers, caller, &format!("work/plan/{id}"));
        action_page(state, w, id, Some(typed), Some(&e)).await
    })
    .await
}

/// `POST /{lang}/work/plan/{id}`: a change of the action (a new version).
pub(super) async fn change(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, String)>,
    Form(typed): Form<ActionForm>,
) -> Result<Response, ApiError> {
    let outcome = match typed.request() {
        Ok(request) => crate::gcm::change_action(
            State(state.clone()),
            caller.clone(),
            permit,
            ApiPath(id.clone()),
            ApiJson(request),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    after(
        &state,
        lang,
        &headers,
        &caller,
        &id,
        Typed::Action(typed),
        outcome,
    )
    .await
}

/// `POST /{lang}/work/plan/{id}/measurements`: a measured value of one of its indicators for a
/// year.
pub(super) async fn measure(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, String)>,
    Form(typed): Form<MeasurementForm>,
) -> Result<Response, ApiError> {
    let parsed = (|| {
        let year: i32 = typed.year.trim().parse().map_err(|_| {
            ApiError::field(
                "year",
                format!("year: '{}' is not a year", typed.year.trim()),
            )
        })?;
        let value: f64 = typed.value.trim().replace(',', ".").parse().map_err(|_| {
            ApiError::field(
                "value",
                format!("value: '{}' is not a number", typed.value.trim()),
            )
        })?;
        let period = marsad_gcm::plan::Period::year(year)
            .ok_or_else(|| ApiError::field("year", format!("year: {year} is out of range")))?;
        Ok::<_, ApiError>(MeasurementDto {
            start: period.start,
            end: period.end,
            value,
            source: typed.source.trim().to_owned(),
        })
    })();
    let outcome = match parsed {
        Ok(m) => crate::gcm::add_measurement(
            State(state.clone()),
            caller.clone(),
            permit,
            ApiPath((id.clone(), typed.code.trim().to_owned())),
            ApiJson(m),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    after(
        &state,
        lang,
        &headers,
        &caller,
        &id,
        Typed::Measurement(typed),
        outcome,
    )
    .await
}

/// `POST /{lang}/work/plan/{id}/evaluations`: what was learned, the obstacles met.
pub(super) async fn evaluate(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, String)>,
    Form(typed): Form<EvaluationForm>,
) -> Result<Response, ApiError> {
    let outcome = match chrono::NaiveDate::parse_from_str(typed.date.trim(), "%Y-%m-%d") {
        Ok(date) => crate::gcm::add_evaluation(
            State(state.clone()),
            caller.clone(),
            permit,
            ApiPath(id.clone()),
            ApiJson(EvaluationDto {
                id: 0,
                date,
                author: typed.author.trim().to_owned(),
                learned: typed.learned.trim().to_owned(),
                obstacles: typed
                    .obstacles
                    .lines()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }),
        )
        .await
        .map(|_| ()),
        Err(_) => Err(ApiError::field(
            "date",
            format!("date: '{}' is not a date (YYYY-MM-DD)", typed.date.trim()),
        )),
    };
    after(
        &state,
        lang,
        &headers,
        &caller,
        &id,
        Typed::Evaluation(typed),
        outcome,
    )
    .await
}
