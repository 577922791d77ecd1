//! The protection officers' pages (issue 9): the trafficking referral mechanism as the
//! institution's worklist — referrals it sent or received, what is awaited and from whom, the
//! late ones flagged, and the moves this institution may make now as buttons — and the
//! missing-migrant register (incidents, each report counted once, and the form to record one).
//!
//! The pages call the JSON API's handlers (`gcm::referrals`, `gcm::transition`,
//! `gcm::incidents_list`): the same scope (only the referral's two institutions), the same
//! state machine, the same audit entries.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_gcm::referral::{self, ReferralKind, ReferralState};
use marsad_portal::i18n::Arg;
use maud::{html, Markup};
use serde::Deserialize;

use super::{count, on_mistake, see_other, when, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::gcm::{RangeQuery, ReferralDto, TransitionRequest};
use crate::portal::PageLang;
use crate::AppState;

/// The moves the pages offer, in the order they are shown.
const MOVES: [&str; 6] = [
    "accept",
    "decline",
    "start",
    "complete",
    "interrupt",
    "cancel",
];

/// The moves `institution` may make on `r` now (the state machine's table and its side).
fn moves_for(r: &ReferralDto, institution: &str) -> Vec<&'static str> {
    let Some(state) = ReferralState::ALL.into_iter().find(|s| s.code() == r.state) else {
        return Vec::new();
    };
    let side = if r.receiving == institution {
        referral::Side::Receiving
    } else if r.referring == institution {
        referral::Side::Referring
    } else {
        referral::Side::Other
    };
    MOVES
        .into_iter()
        .filter(|code| {
            crate::gcm::referral_action(code, Some("-"))
                .ok()
                .and_then(|a| referral::rule(state, &a))
                .is_some_and(|(_, mover)| match (mover, side) {
                    (referral::Mover::Receiving, referral::Side::Receiving)
                    | (referral::Mover::Referring, referral::Side::Referring) => true,
                    (referral::Mover::Either, s) => s != referral::Side::Other,
                    _ => false,
                })
        })
        .collect()
}

fn needs_reason(code: &str) -> bool {
    matches!(code, "decline" | "interrupt" | "cancel")
}

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    /// `late`: only the overdue ones.
    show: Option<String>,
    /// Set after a case was opened: its number.
    case: Option<i64>,
}

/// `GET /{lang}/work/referrals/`: the institution's referrals, the late ones first, and for a
/// referring institution the forms to open a case and to refer a victim.
pub(super) async fn referrals(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/referrals/");
    let late_only = q.show.as_deref() == Some("late");
    let notice = q.case.map(Notice::CaseOpened);
    let forms = (NewCaseForm::default(), NewReferralForm::default());
    referrals_page(&state, w, caller, permit, late_only, notice, &forms).await
}

/// What a referral page says above its lists.
enum Notice {
    CaseOpened(i64),
    /// A mistake in one of the forms (shown above them, what was typed kept).
    Mistake(ApiError),
}

/// What the "open a case" form sends.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NewCaseForm {
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age_group: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    exploitation: String,
}

/// What the "refer a victim" form sends.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NewReferralForm {
    #[serde(default)]
    case: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    receiving: String,
    #[serde(default)]
    note: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `POST /{lang}/work/referrals/cases`: opens a victim's case (as `POST
/// /api/v1/referrals/cases`), then back to the worklist saying its number.
pub(super) async fn open_case(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Form(typed): Form<NewCaseForm>,
) -> Result<Response, ApiError> {
    let request = crate::gcm::CaseRequest {
        person: None,
        sex: optional(&typed.sex),
        age_group: optional(&typed.age_group),
        nationality: optional(&typed.nationality),
        exploitation: typed.exploitation.trim().to_owned(),
    };
    let outcome =
        crate::gcm::open_case(state.clone(), caller.clone(), permit.clone(), request).await;
    match outcome {
        Ok(case) => {
            let id = case.id;
            Ok(see_other(&format!(
                "/{}/work/referrals/?case={id}",
                lang.as_str()
            )))
        }
        Err(e) => {
            on_mistake(e, |e| async {
                let w = Work::new(&state, lang, &headers, &caller, "work/referrals/");
                let forms = (typed, NewReferralForm::default());
                let notice = Some(Notice::Mistake(e));
                referrals_page(&state, w, caller, permit, false, notice, &forms).await
            })
            .await
        }
    }
}

/// `POST /{lang}/work/referrals/`: proposes a referral (as `POST /api/v1/referrals`).
pub(super) async fn propose(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Form(typed): Form<NewReferralForm>,
) -> Result<Response, ApiError> {
    let outcome = match typed.case.trim().parse::<i64>() {
        Ok(case) => {
            let request = crate::gcm::ReferralRequest {
                case,
                kind: typed.kind.trim().to_owned(),
                receiving: typed.receiving.trim().to_owned(),
                note: optional(&typed.note),
            };
            crate::gcm::propose_referral(state.clone(), caller.clone(), permit.clone(), request)
                .await
        }
        Err(_) => Err(ApiError::field(
            "case",
            format!("case: '{}' is not a case number", typed.case.trim()),
        )),
    };
    match outcome {
        Ok(referral) => {
            let id = referral.id;
            Ok(see_other(&format!(
                "/{}/work/referrals/#referral-{id}",
                lang.as_str()
            )))
        }
        Err(e) => {
            on_mistake(e, |e| async {
                let w = Work::new(&state, lang, &headers, &caller, "work/referrals/");
                let forms = (NewCaseForm::default(), typed);
                let notice = Some(Notice::Mistake(e));
                referrals_page(&state, w, caller, permit, false, notice, &forms).await
            })
            .await
        }
    }
}

/// The two forms of the referring side: open a case, refer a victim to a service.
fn referral_forms(
    w: &Work,
    institutions: &[String],
    (case, referral): &(NewCaseForm, NewReferralForm),
    mistake: Option<&ApiError>,
) -> Markup {
    use marsad_model::codes::EXPLOITATION_FORM;
    let tr = w.tr();
    let lang = w.locale().lang;
    let field = mistake.and_then(|e| e.field.as_deref());
    let invalid = |name: &str| (field == Some(name)).then_some("true");
    html! {
        @if let Some(e) = mistake {
            div.error role="alert" { p lang="en" dir="ltr" { (e.detail) } }
        }
        details open[mistake.is_some()] {
            summary { (tr.t("work-case-open")) }
            form method="post" action=(w.c.href("work/referrals/cases")) {
                (w.csrf_field())
                div.form-grid {
                    div {
                        label for="c-exploitation" { (tr.t("work-case-exploitation")) }
                        select #c-exploitation name="exploitation" required aria-invalid=[invalid("exploitation")] {
                            @for c in EXPLOITATION_FORM.codes { option value=(c.code) selected[case.exploitation == c.code] { (c.label(lang)) } }
                        }
                    }
                    div {
                        label for="c-sex" { (tr.t("work-case-sex")) }
                        select #c-sex name="sex" aria-invalid=[invalid("sex")] {
                            option value="" { "—" }
                            @for (code, key) in [("F", "work-case-sex-f"), ("M", "work-case-sex-m"), ("X", "work-case-sex-x")] {
                                option value=(code) selected[case.sex == code] { (tr.t(key)) }
                            }
                        }
                    }
                    div {
                        label for="c-age" { (tr.t("work-case-age")) }
                        select #c-age name="age_group" aria-invalid=[invalid("age_group")] {
                            option value="" { "—" }
                            @for code in crate::gcm::VICTIM_AGE_GROUPS {
                                option value=(code) selected[case.age_group == code] { (tr.t(&format!("work-age-{code}"))) }
                            }
                        }
                    }
                    div {
                        label for="c-nationality" { (tr.t("work-case-nationality")) }
                        input #c-nationality name="nationality" type="text" value=(case.nationality) placeholder="NGA" aria-invalid=[invalid("nationality")];
                    }
                }
                button type="submit" { (tr.t("work-case-open-button")) }
            }
        }
        details open[mistake.is_some()] {
            summary { (tr.t("work-referral-propose")) }
            form method="post" action=(w.c.href("work/referrals/")) {
                (w.csrf_field())
                div.form-grid {
                    div {
                        label for="r-case" { (tr.t("work-referral-case")) }
                        input #r-case name="case" type="number" min="1" required value=(referral.case) aria-invalid=[invalid("case")];
                    }
                    div {
                        label for="r-kind" { (tr.t("work-referral-kind")) }
                        select #r-kind name="kind" aria-invalid=[invalid("kind")] {
                            @for k in ReferralKind::ALL { option value=(k.code()) selected[referral.kind == k.code()] { (k.label().get(lang)) } }
                        }
                    }
                    div {
                        label for="r-receiving" { (tr.t("work-referral-receiving")) }
                        select #r-receiving name="receiving" aria-invalid=[invalid("receiving")] {
                            @for name in institutions { option value=(name) selected[&referral.receiving == name] { (name) } }
                        }
                    }
                    div {
                        label for="r-note" { (tr.t("work-referral-note")) }
                        input #r-note name="note" type="text" value=(referral.note);
                    }
                }
                button type="submit" { (tr.t("work-referral-propose-button")) }
            }
        }
    }
}

async fn referrals_page(
    state: &AppState,
    w: Work,
    caller: Caller,
    permit: Permit,
    late_only: bool,
    notice: Option<Notice>,
    forms: &(NewCaseForm, NewReferralForm),
) -> Result<Response, ApiError> {
    let institution = caller.institution().unwrap_or_default().to_owned();
    let lang = w.locale().lang;
    let tr = w.tr();
    let l = w.locale();
    let refers = state.access().allows(
        &caller,
        marsad_policy::Action::Submit,
        marsad_policy::Resource::Referral,
    );
    let institutions: Vec<String> = if refers {
        let own = institution.clone();
        state
            .blocking(move |store, _| {
                Ok(store
                    .institutions()?
                    .into_iter()
                    .map(|i| i.name)
                    .filter(|n| *n != own)
                    .collect())
            })
            .await?
    } else {
        Vec::new()
    };

    let (opened, mistake) = match notice {
        Some(Notice::CaseOpened(id)) => (Some(id), None),
        Some(Notice::Mistake(e)) => (None, Some(e)),
        None => (None, None),
    };
    let mut list = if late_only {
        crate::gcm::overdue(State(state.clone()), caller, permit)
            .await?
            .0
    } else {
        crate::gcm::referrals(State(state.clone()), caller, permit)
            .await?
            .0
    }
    .referrals;
    list.sort_by_key(|r| (r.overdue.is_none(), std::cmp::Reverse(r.id)));
    let late = list.iter().filter(|r| r.overdue.is_some()).count();
    let kind = |code: &str| {
        ReferralKind::parse(code)
            .map_or_else(|| code.to_owned(), |k| k.label().get(lang).to_owned())
    };
    let state_name = |code: &str| {
        ReferralState::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .map_or_else(|| code.to_owned(), |s| s.label().get(lang).to_owned())
    };
    let body = html! {
        p { (tr.t("work-referrals-text")) }
        @if let Some(id) = opened {
            p.ok role="status" #case-opened { (tr.t_with("work-case-opened", &[("id", Arg::Str(&l.digits_of(&id.to_string())))])) }
        }
        @if refers {
            (referral_forms(&w, &institutions, forms, mistake.as_ref()))
        }
        p {
            (tr.t_with("work-referrals-late", &[("count", Arg::Num(i64::try_from(late).unwrap_or(0)))]))
            " · "
            @if late_only {
                a href=(w.c.href("work/referrals/")) { (tr.t("work-referrals-all")) }
            } @else {
                a href=(w.c.href("work/referrals/?show=late")) { (tr.t("work-referrals-only-late")) }
            }
        }
        @if list.is_empty() {
            p #referrals-empty { (tr.t("work-none-yet")) }
        } @else {
            div.table-wrap {
                table #referrals {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (tr.t("work-referral-case")) }
                        th scope="col" { (tr.t("work-referral-kind")) }
                        th scope="col" { (tr.t("work-referral-from-to")) }
                        th scope="col" { (tr.t("work-referral-state")) }
                        th scope="col" { (tr.t("work-referral-due")) }
                        th scope="col" { (tr.t("work-referral-moves")) }
                    } }
                    tbody {
                        @for r in &list {
                            tr id=(format!("referral-{}", r.id)) {
                                td { (l.digits_of(&r.id.to_string())) }
                                td { (l.digits_of(&r.case.to_string())) }
                                td { (kind(&r.kind)) }
                                td { bdi { (r.referring) } " → " bdi { (r.receiving) } }
                                td { (state_name(&r.state)) }
                                td {
                                    @if let Some(due) = &r.due { (when(l, due)) }
                                    @if let Some(o) = &r.overdue {
                                        br;
                                        span.flag { (tr.t_with("work-referral-overdue", &[
                                            ("hours", Arg::Str(&count(l, u64::try_from(o.late_by_hours).unwrap_or(0)))),
                                            ("who", Arg::Str(&o.waiting_for)),
                                        ])) }
                                    }
                                }
                                td { (move_forms(&w, r, &institution)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-referrals"), body))
}

/// One small form per move this institution may make on `r` (a reason asked where the state
/// machine needs one).
fn move_forms(w: &Work, r: &ReferralDto, institution: &str) -> Markup {
    let tr = w.tr();
    let moves = moves_for(r, institution);
    html! {
        @for code in moves {
            form.inline method="post" action=(w.c.href(&format!("work/referrals/{}", r.id))) {
                (w.csrf_field())
                input type="hidden" name="action" value=(code);
                @if needs_reason(code) {
                    @let id = format!("reason-{}-{code}", r.id);
                    label.visually-hidden for=(id) { (tr.t("work-referral-reason")) }
                    input id=(id) name="reason" type="text" required placeholder=(tr.t("work-referral-reason"));
                }
                button type="submit" { (tr.t(&format!("work-referral-move-{code}"))) }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct MoveForm {
    action: String,
    #[serde(default)]
    reason: String,
}

/// `POST /{lang}/work/referrals/{id}`: one move, then back to the list.
pub(super) async fn move_referral(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, ApiError> {
    let request = TransitionRequest {
        action: form.action,
        reason: Some(form.reason).filter(|r| !r.trim().is_empty()),
    };
    let _moved =
        crate::gcm::transition(State(state), caller, permit, ApiPath(id), ApiJson(request)).await?;
    Ok(see_other(&format!(
        "/{}/work/referrals/#referral-{id}",
        lang.as_str()
    )))
}

#[derive(Debug, Deserialize)]
pub(super) struct IncidentsQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    /// Set after a report was recorded: its id.
    recorded: Option<i64>,
    /// With `recorded`: how many earlier reports it duplicates.
    duplicates: Option<usize>,
}

/// `GET /{lang}/work/incidents/`: the register over a range (default: since last year), each
/// incident once with the reports it merges, and the form to record a report.
pub(super) async fn incidents(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Query(q): Query<IncidentsQuery>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/incidents/");
    let notice = q.recorded.map(|id| (id, q.duplicates.unwrap_or(0)));
    let range = RangeQuery {
        from: q.from,
        to: q.to,
    };
    incidents_page(&state, w, range, notice, &IncidentForm::default(), None).await
}

/// What the incident form sends (as typed: numbers are read here, with the field named when
/// one is not a number).
#[derive(Debug, Default, Deserialize)]
pub(super) struct IncidentForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    dead: String,
    #[serde(default)]
    missing: String,
    #[serde(default)]
    survivors: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    reliability: String,
}

impl IncidentForm {
    fn request(&self) -> Result<crate::gcm::IncidentRequest, ApiError> {
        let number = |field: &str, text: &str, required: bool| -> Result<Option<u32>, ApiError> {
            let t = text.trim();
            if t.is_empty() {
                return if required { Ok(Some(0)) } else { Ok(None) };
            }
            t.parse::<u32>().map(Some).map_err(|_| {
                ApiError::field(field, format!("{field}: '{t}' is not a whole number"))
            })
        };
        let date =
            chrono::NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::field(
                    "date",
                    format!("date: '{}' is not a date (YYYY-MM-DD)", self.date.trim()),
                )
            })?;
        let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(crate::gcm::IncidentRequest {
            date,
            latitude: None,
            longitude: None,
            route: text(&self.route),
            region: text(&self.region),
            country: text(&self.country),
            dead: number("dead", &self.dead, true)?.unwrap_or(0),
            missing: number("missing", &self.missing, true)?.unwrap_or(0),
            survivors: number("survivors", &self.survivors, false)?,
            females: None,
            males: None,
            children: None,
            cause: text(&self.cause),
            sources: vec![crate::gcm::SourceDto {
                name: self.source.trim().to_owned(),
                reliability: self.reliability.trim().to_owned(),
            }],
        })
    }
}

/// `POST /{lang}/work/incidents/`: records a report; a mistake shows the form again with what
/// was typed and the field named.
pub(super) async fn record_incident(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Form(typed): Form<IncidentForm>,
) -> Result<Response, ApiError> {
    let outcome = match typed.request() {
        Ok(request) => crate::gcm::record_report(state.clone(), caller.clone(), request).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(recorded) => {
            let id = recorded.incident.id;
            let duplicates = recorded.duplicates.len();
            Ok(see_other(&format!(
                "/{}/work/incidents/?recorded={id}&duplicates={duplicates}",
                lang.as_str()
            )))
        }
        Err(e) => {
            on_mistake(e, |e| async move {
                let w = Work::new(&state, lang, &headers, &caller, "work/incidents/");
                let range = RangeQuery {
                    from: None,
                    to: None,
                };
                incidents_page(&state, w, range, None, &typed, Some(&e)).await
            })
            .await
        }
    }
}

/// The incident form, with what was typed and the mistake to mend.
fn incident_form(w: &Work, typed: &IncidentForm, error: Option<&ApiError>) -> Markup {
    use marsad_model::codes::{CAUSE_OF_DEATH, ROUTE};
    let tr = w.tr();
    let lang = w.locale().lang;
    let field = error.and_then(|e| e.field.as_deref());
    let invalid = |name: &str| {
        (field == Some(name) || field.is_some_and(|f| f.starts_with(&format!("{name}["))))
            .then_some("true")
    };
    html! {
        details open[error.is_some()] {
            summary { (tr.t("work-incident-record")) }
            @if let Some(e) = error {
                div.error role="alert" { p lang="en" dir="ltr" { (e.detail) } }
            }
            form method="post" action=(w.c.href("work/incidents/")) {
                (w.csrf_field())
                div.form-grid {
                    div { label for="i-date" { (tr.t("work-incident-date")) } input #i-date name="date" type="date" required value=(typed.date) aria-invalid=[invalid("date")]; }
                    div {
                        label for="i-route" { (tr.t("work-incident-route")) }
                        select #i-route name="route" aria-invalid=[invalid("route")] {
                            option value="" { "—" }
                            @for c in ROUTE.codes { option value=(c.code) selected[typed.route == c.code] { (c.label(lang)) } }
                        }
                    }
                    div { label for="i-region" { (tr.t("work-incident-region")) } input #i-region name="region" type="text" value=(typed.region) aria-invalid=[invalid("region")]; }
                    div { label for="i-country" { (tr.t("work-incident-country")) } input #i-country name="country" type="text" value=(typed.country) placeholder="LBY" aria-invalid=[invalid("country")]; }
                    div { label for="i-dead" { (tr.t("work-incident-dead")) } input #i-dead name="dead" type="number" min="0" value=(typed.dead) aria-invalid=[invalid("dead")]; }
                    div { label for="i-missing" { (tr.t("work-incident-missing")) } input #i-missing name="missing" type="number" min="0" value=(typed.missing) aria-invalid=[invalid("missing")]; }
                    div { label for="i-survivors" { (tr.t("work-incident-survivors")) } input #i-survivors name="survivors" type="number" min="0" value=(typed.survivors) aria-invalid=[invalid("survivors")]; }
                    div {
                        label for="i-cause" { (tr.t("work-incident-cause")) }
                        select #i-cause name="cause" aria-invalid=[invalid("cause")] {
                            option value="" { "—" }
                            @for c in CAUSE_OF_DEATH.codes { option value=(c.code) selected[typed.cause == c.code] { (c.label(lang)) } }
                        }
                    }
                    div { label for="i-source" { (tr.t("work-incident-source")) } input #i-source name="source" type="text" required value=(typed.source) aria-invalid=[invalid("sources")]; }
                    div {
                        label for="i-reliability" { (tr.t("work-incident-reliability")) }
                        select #i-reliability name="reliability" aria-invalid=[invalid("sources")] {
                            @for r in marsad_gcm::incidents::Reliability::ALL { option value=(r.code()) selected[typed.reliability == r.code()] { (r.label().get(lang)) } }
                        }
                    }
                }
                button type="submit" { (tr.t("work-incident-save")) }
            }
        }
    }
}

async fn incidents_page(
    state: &AppState,
    w: Work,
    range: RangeQuery,
    notice: Option<(i64, usize)>,
    typed: &IncidentForm,
    error: Option<&ApiError>,
) -> Result<Response, ApiError> {
    let tr = w.tr();
    let l = w.locale();
    let list = crate::gcm::incidents_list(State(state.clone()), ApiQuery(range))
        .await?
        .0;
    let dead: u64 = list
        .incidents
        .iter()
        .map(|m| u64::from(m.incident.dead))
        .sum();
    let missing: u64 = list
        .incidents
        .iter()
        .map(|m| u64::from(m.incident.missing))
        .sum();
    let body = html! {
        p { (tr.t("work-incidents-text")) }
        @if let Some((id, duplicates)) = notice {
            p.ok role="status" #recorded {
                (tr.t_with("work-incident-recorded", &[
                    ("id", Arg::Str(&l.digits_of(&id.to_string()))),
                    ("duplicates", Arg::Num(i64::try_from(duplicates).unwrap_or(0))),
                ]))
            }
        }
        (incident_form(&w, typed, error))
        p {
            (tr.t_with("work-incidents-summary", &[
                ("incidents", Arg::Num(i64::try_from(list.incidents.len()).unwrap_or(0))),
                ("reports", Arg::Num(i64::try_from(list.reports.len()).unwrap_or(0))),
                ("dead", Arg::Str(&count(l, dead))),
                ("missing", Arg::Str(&count(l, missing))),
            ]))
        }
        @if list.incidents.is_empty() {
            p { (tr.t("work-none-yet")) }
        } @else {
            div.table-wrap {
                table #incidents {
                    thead { tr {
                        th scope="col" { (tr.t("work-incident-date")) }
                        th scope="col" { (tr.t("work-incident-route")) }
                        th scope="col" { (tr.t("work-incident-place")) }
                        th.n scope="col" { (tr.t("work-incident-dead")) }
                        th.n scope="col" { (tr.t("work-incident-missing")) }
                        th.n scope="col" { (tr.t("work-incident-survivors")) }
                        th scope="col" { (tr.t("work-incident-reports")) }
                    } }
                    tbody {
                        @for m in &list.incidents {
                            @let i = &m.incident;
                            tr {
                                td { (chrono::NaiveDate::parse_from_str(&i.date, "%Y-%m-%d").map(|d| l.date(d)).unwrap_or_else(|_| i.date.clone())) }
                                td { bdi { (i.route.clone().unwrap_or_default()) } }
                                td { bdi { (i.region.clone().unwrap_or_default()) } @if let Some(c) = &i.country { " · " bdi { (c) } } }
                                td.n { (count(l, u64::from(i.dead))) }
                                td.n { (count(l, u64::from(i.missing))) }
                                td.n { @if let Some(s) = i.survivors { (count(l, u64::from(s))) } }
                                td {
                                    (count(l, m.reports.len() as u64))
                                    @if m.reports.len() > 1 { " " span.muted { (tr.t("work-incident-merged")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-incidents"), body))
}

/// `GET /{lang}/work/complaints/`: the complaints this institution handles, newest first, each
/// with what it says, its history and the moves its workflow allows now.
pub(super) async fn complaints(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    use marsad_gcm::complaints::ComplaintState;
    let w = Work::new(&state, lang, &headers, &caller, "work/complaints/");
    let tr = w.tr();
    let l = w.locale();
    let mut list = crate::gcm::complaints(State(state.clone()), caller, permit)
        .await?
        .0
        .complaints;
    list.sort_by(|a, b| b.received_at.cmp(&a.received_at));
    let status = |code: &str| ComplaintState::parse(code);
    let open = list
        .iter()
        .filter(|c| status(&c.status) != Some(ComplaintState::Closed))
        .count();
    let body = html! {
        p { (tr.t("work-complaints-text")) }
        p { (tr.t_with("work-complaints-open", &[("count", Arg::Num(i64::try_from(open).unwrap_or(0)))])) }
        @if list.is_empty() {
            p { (tr.t("work-none-yet")) }
        }
        @for c in &list {
            @let state_now = status(&c.status);
            article.card id=(format!("complaint-{}", c.reference)) {
                h2 {
                    span dir="ltr" { (c.reference) } " · "
                    (state_now.map_or_else(|| c.status.clone(), |s| s.label().get(lang).to_owned()))
                }
                p.muted {
                    (when(l, &c.received_at)) " · "
                    (tr.t(&format!("complaint-category-{}", c.category))) " · "
                    (tr.t_with("work-complaint-channel", &[("channel", Arg::Str(&c.channel))]))
                }
                // What the complainant wrote, in the language they wrote it in.
                blockquote lang=(c.lang) dir="auto" { (c.text) }
                @if let Some(contact) = &c.contact {
                    p { (tr.t("work-complaint-contact")) " " bdi { (contact) } }
                }
                @if !c.events.is_empty() {
                    ol {
                        @for e in &c.events {
                            li {
                                (when(l, &e.at)) " · " bdi { (e.by) } " · "
                                (status(&e.to).map_or_else(|| e.to.clone(), |s| s.label().get(lang).to_owned()))
                                @if let Some(n) = &e.note { " — " bdi { (n) } }
                            }
                        }
                    }
                }
                @if let Some(s) = state_now {
                    @for next in s.next() {
                        form.inline method="post" action=(w.c.href(&format!("work/complaints/{}", c.reference))) {
                            (w.csrf_field())
                            input type="hidden" name="to" value=(next.code());
                            @let id = format!("note-{}-{}", c.reference, next.code());
                            label.visually-hidden for=(id) { (tr.t("work-complaint-note")) }
                            input id=(id) name="note" type="text" placeholder=(tr.t("work-complaint-note"));
                            button type="submit" { (next.label().get(lang)) }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-complaints"), body))
}

#[derive(Debug, Deserialize)]
pub(super) struct ComplaintMoveForm {
    to: String,
    #[serde(default)]
    note: String,
}

/// `POST /{lang}/work/complaints/{reference}`: one move, then back to the complaint.
pub(super) async fn move_complaint(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, reference)): ApiPath<(String, String)>,
    Form(form): Form<ComplaintMoveForm>,
) -> Result<Response, ApiError> {
    let request = crate::gcm::ComplaintTransitionRequest {
        to: form.to,
        note: Some(form.note).filter(|n| !n.trim().is_empty()),
    };
    let moved = crate::gcm::complaint_transition(
        State(state),
        caller,
        permit,
        ApiPath(reference),
        ApiJson(request),
    )
    .await?
    .0;
    Ok(see_other(&format!(
        "/{}/work/complaints/#complaint-{}",
        lang.as_str(),
        moved.reference
    )))
}
