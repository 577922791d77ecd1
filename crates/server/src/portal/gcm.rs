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
    // The protection figures are statistics: shown when the policy publishes statistics to
    // this reader (the same decision as their API routes).
    let protection = if state.access().allows(
        &caller,
        marsad_policy::Action::Read,
        marsad_policy::Resource::Statistics,
    ) {
        Some(protection_figures(&state, year).await?)
    } else {
        None
    };
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
        @if let Some(figures) = &protection {
            (protection_section(&c, year, figures))
        }
    };
    Ok(page(document(&c, body)))
}

/// The year's protection figures, as published (disclosure-protected): the referral mechanism
/// by form of exploitation and SDG 10.7.3 by route.
struct Protection {
    referrals: crate::gcm::ReferralStatistics,
    sdg: crate::gcm::SdgTable,
}

async fn protection_figures(state: &AppState, year: i32) -> Result<Protection, ApiError> {
    let referrals = crate::gcm::statistics(
        State(state.clone()),
        crate::extract::ApiQuery(crate::gcm::PeriodQuery { period: year }),
    )
    .await?
    .0;
    let range = crate::gcm::RangeQuery {
        from: chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        to: chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    };
    let sdg = crate::gcm::sdg_10_7_3(State(state.clone()), crate::extract::ApiQuery(range))
        .await?
        .0;
    Ok(Protection { referrals, sdg })
}

fn protection_section(c: &marsad_portal::page::Chrome, year: i32, p: &Protection) -> maud::Markup {
    use marsad_model::codes::{EXPLOITATION_FORM, ROUTE};
    let tr = c.tr();
    let l = c.locale;
    let lang = l.lang;
    let cell = |cell: Option<&crate::gcm::StatCellDto>| match cell {
        Some(x) if x.status == "F" => x
            .value
            .map(|v| l.integer(i64::try_from(v).unwrap_or(i64::MAX)))
            .unwrap_or_default(),
        Some(_) => tr.t("gcm-suppressed"),
        None => String::new(),
    };
    let table = |measure: &str| {
        p.referrals
            .tables
            .iter()
            .find(|t| t.measure == measure && t.by == "exploitation")
    };
    let (identified, assisted) = (table("identified"), table("assisted"));
    let codes: Vec<&str> = identified
        .map(|t| t.cells.iter().map(|c| c.code.as_str()).collect())
        .unwrap_or_default();
    let label = |code: &str| {
        if code == "_T" {
            tr.t("gcm-total")
        } else {
            EXPLOITATION_FORM
                .get(code)
                .map_or_else(|| code.to_owned(), |c| c.label(lang).to_owned())
        }
    };
    let rows: Vec<&crate::gcm::SdgRowDto> = p.sdg.rows.iter().filter(|r| r.year == year).collect();
    html! {
        section #protection {
            h2 { (tr.t_with("gcm-protection-title", &[("year", marsad_portal::i18n::Arg::Str(&l.year(year)))])) }
            p { (tr.t("gcm-protection-text")) }
            @if codes.is_empty() {
                p { (tr.t("gcm-no-figures")) }
            } @else {
                table #referral-figures {
                    caption { (tr.t("gcm-referrals-caption")) }
                    thead { tr {
                        th scope="col" { (tr.t("gcm-exploitation")) }
                        th.n scope="col" { (tr.t("gcm-identified")) }
                        th.n scope="col" { (tr.t("gcm-assisted")) }
                    } }
                    tbody {
                        @for code in &codes {
                            tr {
                                th scope="row" { (label(code)) }
                                td.n { (cell(identified.and_then(|t| t.cells.iter().find(|c| c.code == *code)))) }
                                td.n { (cell(assisted.and_then(|t| t.cells.iter().find(|c| c.code == *code)))) }
                            }
                        }
                    }
                }
                p.note { (tr.t_with("gcm-suppressed-note", &[("threshold", marsad_portal::i18n::Arg::Num(i64::try_from(p.referrals.threshold).unwrap_or(0)))])) }
            }
            @if rows.is_empty() {
                p { (tr.t("gcm-no-incidents")) }
            } @else {
                table #sdg-10-7-3 {
                    caption { (tr.t("gcm-sdg-caption")) }
                    thead { tr {
                        th scope="col" { (tr.t("gcm-route")) }
                        th.n scope="col" { (tr.t("gcm-incidents")) }
                        th.n scope="col" { (tr.t("gcm-dead")) }
                        th.n scope="col" { (tr.t("gcm-missing")) }
                        th.n scope="col" { (tr.t("gcm-total")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                th scope="row" { (r.route.as_deref().and_then(|c| ROUTE.get(c)).map_or_else(|| r.route.clone().unwrap_or_else(|| "—".into()), |c| c.label(lang).to_owned())) @if let Some(region) = &r.region { " · " bdi { (region) } } }
                                td.n { (l.integer(i64::from(r.incidents))) }
                                td.n { (l.integer(i64::from(r.dead))) }
                                td.n { (l.integer(i64::from(r.missing))) }
                                td.n { (l.integer(i64::from(r.total))) }
                            }
                        }
                    }
                }
            }
        }
    }
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
