//! The portal's GCM page (issue 9): the national implementation plan's progress report for a
//! year, per objective, in the page's language — the same report `marsad report gcm` writes —
//! and the report as a self-contained HTML file to keep or print.
//!
//! The plan and its review are public documents under the default policy (rule `plan-read`); a
//! policy that keeps the plan internal makes the page ask anonymous readers to sign in.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use chrono::Datelike as _;
use marsad_model::Lang;
use marsad_portal::gcm_report::{report_body, report_document, title, ReportInput};
use marsad_portal::page::{document, Section};
use maud::html;
use serde::Deserialize;

use super::{chrome, page, PageLang};
use crate::access::{Endpoint, Need, Permit};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::AppState;

/// The GCM pages' routes.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use axum::http::Method;
    use marsad_policy::{Action, Resource};
    let need = Need::PublicOr(Action::Read, Resource::Plan);
    vec![
        (
            Endpoint {
                method: Method::GET,
                path: "/{lang}/gcm/",
                need,
            },
            get(report_page),
        ),
        (
            Endpoint {
                method: Method::GET,
                path: "/{lang}/gcm/report.html",
                need,
            },
            get(report_file),
        ),
    ]
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

/// The reporting year asked for (default: the last full year), 1900 to 9999.
fn year_of(q: &YearQuery, today: chrono::NaiveDate) -> Result<i32, ApiError> {
    match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(today.year() - 1),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .ok_or_else(|| {
                ApiError::field(
                    "year",
                    format!("year: {y} is not a year between 1900 and 9999"),
                )
            }),
    }
}

struct Loaded {
    plan: marsad_gcm::plan::Plan,
    country: String,
    today: chrono::NaiveDate,
}

async fn load(state: &AppState, lang: Lang) -> Result<Loaded, ApiError> {
    state
        .blocking(move |store, clock| {
            Ok(Loaded {
                plan: crate::gcm::load_plan(store)?,
                country: crate::gcm::report_country(store, lang)?,
                today: clock.now().date_naive(),
            })
        })
        .await
}

/// `GET /{lang}/gcm/?year=YYYY`.
async fn report_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Option<Permit>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let mut c = chrome(lang, &headers, &caller, "gcm/", Section::Gcm);
    let tr = c.tr();
    if permit.is_none() {
        c.title = tr.t("nav-gcm");
        let body = html! {
            p { (tr.t("gcm-page-not-public")) }
            p { a href=(format!("/signin?lang={}&next=/{}/gcm/", lang.as_str(), lang.as_str())) { (tr.t("nav-sign-in")) } }
        };
        return Ok(page(document(&c, body)));
    }
    let loaded = load(&state, lang).await?;
    let year = year_of(&q, loaded.today)?;
    c.query = Some(format!("year={year}"));
    let input = ReportInput {
        plan: &loaded.plan,
        year,
        country: &loaded.country,
        made: loaded.today,
    };
    c.title = title(&tr, c.locale, &input);
    let first = loaded
        .plan
        .actions
        .iter()
        .map(|a| a.start.year())
        .min()
        .unwrap_or(year)
        .min(year);
    let last = loaded.today.year().max(year);
    let body = html! {
        form.inline method="get" action=(c.href("gcm/")) {
            div {
                label for="year" { (tr.t("gcm-page-year")) }
                select #year name="year" {
                    @for y in (first..=last).rev() {
                        option value=(y) selected[y == year] { (c.locale.year(y)) }
                    }
                }
            }
            button type="submit" { (tr.t("gcm-page-show")) }
        }
        p {
            a href=(format!("{}?year={year}", c.href("gcm/report.html"))) download { (tr.t("gcm-page-download")) }
            " · "
            span.muted { (tr.t("gcm-page-pdf-hint")) }
        }
        (report_body(c.locale, &input))
    };
    Ok(page(document(&c, body)))
}

/// `GET /{lang}/gcm/report.html?year=YYYY`: the report as a file.
async fn report_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    permit: Option<Permit>,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    if permit.is_none() {
        return Err(ApiError::new(
            crate::error::Code::Forbidden,
            "the GCM plan is not published to readers who are not signed in",
        ));
    }
    let loaded = load(&state, lang).await?;
    let year = year_of(&q, loaded.today)?;
    let input = ReportInput {
        plan: &loaded.plan,
        year,
        country: &loaded.country,
        made: loaded.today,
    };
    let html = report_document(super::locale(lang, &headers), &input).into_string();
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"gcm-report-{year}-{}.html\"",
        lang.as_str()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    response.extensions_mut().insert(crate::error::Passthrough);
    Ok(response)
}
