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

use super::{count, see_other, when, Work};
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
}

/// `GET /{lang}/work/referrals/`: the institution's referrals, the late ones first.
pub(super) async fn referrals(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let institution = caller.institution().unwrap_or_default().to_owned();
    let w = Work::new(&state, lang, &headers, &caller, "work/referrals/");
    let tr = w.tr();
    let l = w.locale();
    let late_only = q.show.as_deref() == Some("late");
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
        Ok(request) => {
            crate::gcm::create_incident(State(state.clone()), caller.clone(), ApiJson(request))
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(created) => {
            let body = axum::body::to_bytes(created.into_body(), 1 << 20)
                .await
                .map_err(|e| ApiError::internal("reading a recorded incident", &e))?;
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let id = v["incident"]["id"].as_i64().unwrap_or(0);
            let duplicates = v["duplicates"].as_array().map_or(0, Vec::len);
            Ok(see_other(&format!(
                "/{}/work/incidents/?recorded={id}&duplicates={duplicates}",
                lang.as_str()
            )))
        }
        Err(e) if e.code.status().is_client_error() => {
            let w = Work::new(&state, lang, &headers, &caller, "work/incidents/");
            let status = e.code.status();
            let range = RangeQuery {
                from: None,
                to: None,
            };
            let mut r = incidents_page(&state, w, range, None, &typed, Some(&e)).await?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e),
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
