//! The public portal's pages (no sign-in): home dashboard, indicator pages, the data explorer,
//! maps and downloads. Only published, disclosure-protected figures appear.
//!
//! - `GET /{lang}/`: headline figures (latest year, a small chart and a link each) and the
//!   date of the last update;
//! - `GET /{lang}/indicators/`: the catalogue by theme;
//! - `GET /{lang}/indicators/{id}?by=DIM&period=YYYY`: chart, protected table (suppressed cells
//!   flagged and explained), definition, concept, source, unit, GCM objectives and SDG target,
//!   a map when the table is by place, downloads;
//! - `GET /{lang}/indicators/{id}.csv` and `.xlsx` (same `by` and `period`): the table with
//!   codes and names in the page's language, flags and a note on protection;
//! - `GET /{lang}/explore?indicator=ID&by=DIM&by2=DIM&period=…`: up to two disaggregations and
//!   any periods, chart and table, the same downloads.
//!
//! Every page needs `PublicOr(Read, Statistics)` like `/api/v1/indicators`: without the permit
//! (the policy does not publish statistics to this reader) the page says the figures are not
//! public here. Tables come from `Published::table` (each request protected on its own); a
//! suppressed cell has no value and is shown as such, never as zero. Forms are plain GET forms
//! (no JavaScript).

mod download;
pub(crate) mod labels;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use marsad_figures::{ProtectedCell, ProtectedTable, TableRequest};
use marsad_model::Lang;
use marsad_portal::chart::{self, Chart, Data, Datum, Kind, Series};
use marsad_portal::format::Locale;
use marsad_portal::i18n::{Arg, Tr};
use marsad_portal::map::{self, Place};
use marsad_portal::page::{document, encode_component, Chrome, Section};
use marsad_stats::catalogue::{Indicator, IndicatorId, Measure, Unit};
use marsad_stats::dims::{Dim, Period, TOTAL, UNKNOWN};
use marsad_stats::disclosure::ConfStatus;
use maud::{html, Markup};

use super::{chrome, page, PageLang};
use crate::access::{Endpoint, Permit};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::statistics::{snapshot, Snapshot};
use crate::AppState;

/// The public pages' routes, added to the server's route table.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    use crate::access::Need::PublicOr;
    use marsad_policy::Action::Read;
    use marsad_policy::Resource as R;
    let e = |path: &'static str| Endpoint {
        method: Method::GET,
        path,
        need: PublicOr(Read, R::Statistics),
    };
    vec![
        (e("/{lang}/"), get(home)),
        (e("/{lang}/indicators/"), get(indicators)),
        (e("/{lang}/indicators/{id}"), get(indicator)),
        (e("/{lang}/explore"), get(explore)),
    ]
}

/// The indicators by theme, as the catalogue page lists them.
pub(crate) const THEMES: [(&str, &[IndicatorId]); 5] = {
    use IndicatorId::*;
    [
        (
            "theme-stocks",
            &[
                ImmigrantStock,
                ForeignPopulation,
                EmigrantStock,
                ConsularRegistrations,
            ],
        ),
        (
            "theme-flows",
            &[
                ImmigrationLt,
                EmigrationLt,
                ImmigrationSt,
                EmigrationSt,
                BorderCrossings,
                Returns,
            ],
        ),
        ("theme-labour", &[WorkersPlaced, RecruitmentCost]),
        (
            "theme-remittances",
            &[
                RemittancesIn,
                RemittancesOut,
                RemittanceCost,
                RemittancesGdp,
            ],
        ),
        (
            "theme-protection",
            &[
                TraffickingVictims,
                DeadMigrants,
                MissingMigrants,
                ResidencePermits,
                RefugeesRecognised,
            ],
        ),
    ]
};

/// The home page's headline figures, in order (those with data are shown).
const HEADLINES: [IndicatorId; 9] = [
    IndicatorId::EmigrantStock,
    IndicatorId::ImmigrantStock,
    IndicatorId::ImmigrationLt,
    IndicatorId::EmigrationLt,
    IndicatorId::WorkersPlaced,
    IndicatorId::RemittancesIn,
    IndicatorId::TraffickingVictims,
    IndicatorId::DeadMigrants,
    IndicatorId::MissingMigrants,
];

/// Categories a chart shows at most (the table has them all).
const CHART_CATEGORIES: usize = 20;

/// Decimals of an indicator's values.
fn places(def: &Indicator) -> usize {
    match def.unit {
        Unit::Percent => 1,
        Unit::Persons | Unit::Usd => 0,
    }
}

/// The unit as the reader reads it (with its multiplier).
fn unit_text(tr: &Tr<'_>, def: &Indicator) -> String {
    let unit = match def.unit {
        Unit::Persons => tr.t("unit-persons"),
        Unit::Usd => tr.t("unit-usd"),
        Unit::Percent => tr.t("unit-percent"),
    };
    match def.unit_mult {
        3 => tr.t_with("unit-thousands", &[("unit", Arg::Str(&unit))]),
        6 => tr.t_with("unit-millions", &[("unit", Arg::Str(&unit))]),
        _ => unit,
    }
}

/// A period as the reader reads it: `2024`, `mars 2024`, `T1 2024`.
fn period_label(p: Period, locale: Locale) -> String {
    match p {
        Period::Year(y) => locale.year(y),
        Period::Month(m) => locale.month(m.year(), m.month()),
        Period::Quarter(y, q) => {
            let prefix = match locale.lang {
                Lang::Ar => "الربع ",
                Lang::Fr => "T",
                Lang::En => "Q",
            };
            format!(
                "{prefix}{} {}",
                locale.digits_of(&q.to_string()),
                locale.year(y)
            )
        }
    }
}

/// What a cell shows: its value, or that it is suppressed, or that there is none.
fn datum(cell: Option<&ProtectedCell>) -> Datum {
    match cell {
        Some(c) if c.conf_status != ConfStatus::Free => Datum::Suppressed,
        Some(c) => c.value.map_or(Datum::Missing, Datum::Value),
        None => Datum::Missing,
    }
}

/// The protected table of `req` (computed off the async threads: secondary suppression can
/// take a moment).
async fn protected(
    snap: Arc<Snapshot>,
    req: TableRequest,
) -> Result<Arc<ProtectedTable>, ApiError> {
    tokio::task::spawn_blocking(move || snap.table(&req))
        .await
        .map_err(|e| ApiError::internal("protecting a table", &e))?
        .map_err(ApiError::from)
}

/// The codes of the table's `k`-th dimension: the total first, then in codelist order (sex,
/// age, …) or by the latest period's value (places, occupations, routes, …), unknown last.
fn codes_of(table: &ProtectedTable, k: usize) -> Vec<String> {
    let Some(&dim) = table.dims.get(k) else {
        return Vec::new();
    };
    let mut codes: Vec<String> = Vec::new();
    for c in &table.cells {
        if let Some(code) = c.codes.get(k) {
            if !codes.contains(code) {
                codes.push(code.clone());
            }
        }
    }
    let latest = table.periods.last().copied();
    let value_of = |code: &str| -> f64 {
        table
            .cells
            .iter()
            .filter(|c| Some(c.period) == latest)
            .filter(|c| {
                c.codes.get(k).map(String::as_str) == Some(code)
                    && c.codes
                        .iter()
                        .enumerate()
                        .all(|(i, x)| i == k || x == TOTAL)
            })
            .find_map(|c| c.value)
            .unwrap_or(f64::NEG_INFINITY)
    };
    let by_codelist = matches!(
        dim,
        Dim::Sex | Dim::Age | Dim::Flow | Dim::Residence | Dim::Occupation
    );
    codes.sort_by(|a, b| {
        let rank = |c: &str| match c {
            TOTAL => 0,
            UNKNOWN => 2,
            _ => 1,
        };
        rank(a).cmp(&rank(b)).then_with(|| {
            if by_codelist {
                labels::code_rank(dim, a)
                    .unwrap_or(usize::MAX)
                    .cmp(&labels::code_rank(dim, b).unwrap_or(usize::MAX))
                    .then_with(|| a.cmp(b))
            } else {
                value_of(b)
                    .partial_cmp(&value_of(a))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| a.cmp(b))
            }
        })
    });
    codes
}

/// The cell of `period` with `codes` (one per dimension of the table).
fn cell<'t>(
    table: &'t ProtectedTable,
    period: Period,
    codes: &[&str],
) -> Option<&'t ProtectedCell> {
    table.get(period, codes)
}

/// What a reader asked for in the query string: `by` (a dimension id, or two separated by a
/// comma), `by2`, `period` (repeated or comma-separated), `indicator`.
#[derive(Debug, Default, Clone)]
struct Ask {
    indicator: Option<String>,
    by: Vec<String>,
    periods: Vec<String>,
}

impl Ask {
    fn parse(query: Option<&str>) -> Ask {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
        let mut ask = Ask::default();
        for (k, v) in pairs {
            let parts = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            match k.as_str() {
                "indicator" if !v.trim().is_empty() => ask.indicator = Some(v.trim().to_owned()),
                "by" | "by2" => {
                    for p in parts {
                        if !ask.by.contains(&p) && ask.by.len() < 2 {
                            ask.by.push(p);
                        }
                    }
                }
                "period" => {
                    for p in parts {
                        if !ask.periods.contains(&p) {
                            ask.periods.push(p);
                        }
                    }
                }
                _ => {}
            }
        }
        ask
    }

    /// The query string of the downloads: `by=A,B&period=…`.
    fn download_query(&self) -> String {
        let mut q = Vec::new();
        if !self.by.is_empty() {
            q.push(format!("by={}", encode_component(&self.by.join(","))));
        }
        if !self.periods.is_empty() {
            q.push(format!(
                "period={}",
                encode_component(&self.periods.join(","))
            ));
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }
}

/// The page shown when the access policy does not publish statistics to this reader.
fn not_public(c: &mut Chrome) -> Response {
    let tr = c.tr();
    c.title = tr.t("not-public-title");
    let body = html! {
        p { (tr.t("not-public-text")) }
        p { a href="/signin" { (tr.t("nav-sign-in")) } }
    };
    page(document(c, body))
}

/// The last update, as a sentence.
fn updated(tr: &Tr<'_>, locale: Locale, snap: &Snapshot) -> Markup {
    html! {
        @match snap.published.refreshed_at {
            Some(t) => { p.updated { (tr.t_with("last-update", &[("date", Arg::Str(&locale.date(t.date_naive())))])) } }
            None => { p.updated { (tr.t("never-updated")) } }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Home

/// `GET /{lang}/`: the headline figures.
pub async fn home(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Option<Permit>,
) -> Result<Response, ApiError> {
    let mut c = chrome(lang, &headers, &caller, "", Section::Home);
    if permit.is_none() {
        return Ok(not_public(&mut c));
    }
    let tr = c.tr();
    let locale = c.locale;
    let snap = snapshot(&state).await?;
    let mut cards = Vec::new();
    for id in HEADLINES {
        if snap.published.years(id).is_empty() {
            continue;
        }
        let req = TableRequest {
            indicator: id,
            dims: Vec::new(),
            periods: Vec::new(),
        };
        let table = protected(snap.clone(), req).await?;
        cards.push(card(&c, id, &table));
    }
    let body = html! {
        p.lead { (tr.t("home-intro")) }
        (updated(&tr, locale, &snap))
        @if cards.is_empty() {
            p.note { (tr.t("no-figures-yet")) }
        } @else {
            h2 { (tr.t("home-headlines")) }
            ul.cards { @for card in cards { (card) } }
        }
        h2 { (tr.t("home-more")) }
        ul {
            li { a href=(c.href("indicators/")) { (tr.t("home-all-indicators")) } }
            li { a href=(c.href("explore")) { (tr.t("home-explore")) } }
        }
    };
    Ok(page(document(&c, body)))
}

/// A headline card: the latest year's figure, a small chart of every year, the table.
fn card(c: &Chrome, id: IndicatorId, table: &ProtectedTable) -> Markup {
    let tr = c.tr();
    let locale = c.locale;
    let def = id.def();
    let label = def.label.get(locale.lang);
    let data = Data {
        categories: table
            .periods
            .iter()
            .map(|p| period_label(*p, locale))
            .collect(),
        series: vec![Series {
            name: label.to_owned(),
            values: table
                .periods
                .iter()
                .map(|p| datum(cell(table, *p, &[])))
                .collect(),
        }],
    };
    let latest = table.periods.last().copied();
    let value = latest.map_or(Datum::Missing, |p| datum(cell(table, p, &[])));
    let chart_id = format!("h-{}", id.as_str().to_ascii_lowercase());
    let href = c.href(&format!("indicators/{}", id.as_str()));
    html! {
        li.card {
            h3 { a href=(href) { (label) } }
            p.value {
                @match value {
                    Datum::Value(v) => { (locale.decimal(v, places(def))) }
                    _ => { span.flag { (chart::datum_text(value, locale, places(def))) } }
                }
            }
            @if let Some(p) = latest {
                p.muted { (unit_text(&tr, def)) " · " (period_label(p, locale)) }
            }
            figure.small {
                (chart::render(&Chart { id: &chart_id, kind: Kind::Columns, title: label, data: &data, locale, places: places(def), small: true }))
            }
            details {
                summary { (tr.t("show-table")) }
                (chart::data_table(&data, locale, label, &tr.t("col-period"), places(def)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The catalogue

/// `GET /{lang}/indicators/`: every indicator by theme, with the years published.
pub async fn indicators(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Option<Permit>,
) -> Result<Response, ApiError> {
    let mut c = chrome(lang, &headers, &caller, "indicators/", Section::Indicators);
    if permit.is_none() {
        return Ok(not_public(&mut c));
    }
    let tr = c.tr();
    c.title = tr.t("indicators-title");
    let locale = c.locale;
    let snap = snapshot(&state).await?;
    let body = html! {
        p { (tr.t("indicators-intro")) }
        (updated(&tr, locale, &snap))
        @for (theme, ids) in THEMES {
            section aria-labelledby=(theme) {
                h2 id=(theme) { (tr.t(theme)) }
                ul.indicators {
                    @for id in ids.iter() {
                        @let def = id.def();
                        @let years = snap.published.years(*id);
                        li {
                            a href=(c.href(&format!("indicators/{}", id.as_str()))) { (def.label.get(lang)) }
                            " "
                            span.muted {
                                "(" (unit_text(&tr, def)) " · "
                                @match (years.first(), years.last()) {
                                    (Some(a), Some(b)) if a == b => { (locale.year(*a)) }
                                    (Some(a), Some(b)) => { (locale.year(*a)) "–" (locale.year(*b)) }
                                    _ => { (tr.t("no-data-yet")) }
                                }
                                ")"
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(document(&c, body)))
}

// ---------------------------------------------------------------------------------------------
// One indicator

/// `GET /{lang}/indicators/{id}` (a page) and `{id}.csv`, `{id}.xlsx` (its downloads).
pub async fn indicator(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path((_, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    caller: Caller,
    permit: Option<Permit>,
) -> Result<Response, ApiError> {
    let (stem, format) = match id.rsplit_once('.') {
        Some((stem, ext)) if ext.eq_ignore_ascii_case("csv") => {
            (stem.to_owned(), Some(download::Format::Csv))
        }
        Some((stem, ext)) if ext.eq_ignore_ascii_case("xlsx") => {
            (stem.to_owned(), Some(download::Format::Xlsx))
        }
        _ => (id.clone(), None),
    };
    let mut c = chrome(
        lang,
        &headers,
        &caller,
        format!("indicators/{}", encode_component(&id)),
        Section::Indicators,
    );
    c.query = query.clone();
    let ind = IndicatorId::parse(&stem)
        .ok_or_else(|| ApiError::not_found(format!("there is no indicator '{stem}'")))?;
    if permit.is_none() {
        if format.is_some() {
            return Err(ApiError::new(
                crate::error::Code::Forbidden,
                "the access policy does not publish statistics to this caller",
            ));
        }
        return Ok(not_public(&mut c));
    }
    let ask = Ask::parse(query.as_deref());
    let by: Vec<&str> = ask.by.iter().map(String::as_str).collect();
    let periods: Vec<&str> = ask.periods.iter().map(String::as_str).collect();
    let req = TableRequest::parse(ind.as_str(), &by, &periods)?;
    let snap = snapshot(&state).await?;
    if let Some(format) = format {
        let table = protected(snap.clone(), req).await?;
        return download::respond(format, &table, c.locale, &snap);
    }
    let def = ind.def();
    let tr = c.tr();
    let locale = c.locale;
    c.title = def.label.get(lang).to_owned();
    let years = snap.published.years(ind);
    let by_dim = req.dims.first().copied();
    // An indicator over an input the records do not hold (remittances as a share of GDP) is
    // not computed until the input is given for a year with data.
    let derived = matches!(def.measure, Measure::PerInput { .. }) && years.is_empty();
    let table = if derived || (years.is_empty() && req.periods.is_empty()) {
        None
    } else {
        Some(protected(snap.clone(), req.clone()).await?)
    };
    // The map: the table itself when it is by place, else the indicator's governorates (or
    // its first place dimension) for the latest period.
    let map_dim = by_dim
        .filter(|d| labels::map_layout(*d).is_some())
        .or_else(|| {
            // The governorates first (the country's own map), else countries.
            let mut places: Vec<Dim> = def
                .dims
                .iter()
                .copied()
                .filter(|d| labels::map_layout(*d).is_some())
                .collect();
            places.sort_by_key(|d| *d != Dim::Governorate);
            places.first().copied()
        });
    let map_table = match (map_dim, &table) {
        (Some(d), Some(t)) if Some(d) == by_dim => Some(t.clone()),
        (Some(d), Some(t)) => match t.periods.last() {
            Some(p) => Some(
                protected(
                    snap.clone(),
                    TableRequest {
                        indicator: ind,
                        dims: vec![d],
                        periods: vec![*p],
                    },
                )
                .await?,
            ),
            None => None,
        },
        _ => None,
    };
    let base = format!("indicators/{}", ind.as_str());
    let dl = ask.download_query();
    let body = html! {
        p.lead { (def.description.get(lang)) }
        (updated(&tr, locale, &snap))
        form.inline method="get" action=(c.href(&base)) {
            div {
                label for="by" { (tr.t("form-by")) }
                select #by name="by" {
                    option value="" selected[by_dim.is_none()] { (tr.t("form-by-none")) }
                    @for d in def.dims.iter() {
                        option value=(d.id()) selected[by_dim == Some(*d)] { (labels::dim_name(*d, lang)) }
                    }
                }
            }
            div {
                label for="period" { (tr.t("form-period")) }
                select #period name="period" {
                    option value="" selected[ask.periods.is_empty()] { (tr.t("form-all-years")) }
                    @for y in &years {
                        option value=(y) selected[ask.periods.len() == 1 && ask.periods[0] == y.to_string()] { (locale.year(*y)) }
                    }
                }
            }
            button type="submit" { (tr.t("form-show")) }
        }
        @match &table {
            None if derived => { p.note { (tr.t("needs-input")) } }
            None => { p.note { (tr.t("no-data-yet-long")) } }
            Some(t) => {
                (figure_and_table(&c, def, t, "chart"))
                @if let (Some(d), Some(mt)) = (map_dim, &map_table) {
                    (map_section(&c, def, d, mt))
                }
            }
        }
        @if !derived { (downloads(&c, ind, &dl, !years.is_empty())) }
        (metadata(&c, def, &years, &snap))
    };
    Ok(page(document(&c, body)))
}

/// The chart of a table and the table under it, with the notes on flags.
fn figure_and_table(c: &Chrome, def: &Indicator, t: &ProtectedTable, id: &str) -> Markup {
    let tr = c.tr();
    let locale = c.locale;
    let lang = locale.lang;
    let (kind, data, note) = chart_of(c, def, t);
    let title = match t.dims.as_slice() {
        [] => def.label.get(lang).to_owned(),
        dims => format!(
            "{} — {}",
            def.label.get(lang),
            dims.iter()
                .map(|d| labels::dim_name(*d, lang))
                .collect::<Vec<_>>()
                .join(" × ")
        ),
    };
    let flagged = t.cells.iter().any(|x| x.conf_status != ConfStatus::Free);
    let perturbed = t.cells.iter().any(|x| x.perturbed);
    html! {
        figure {
            (chart::render(&Chart { id, kind, title: &title, data: &data, locale, places: places(def), small: false }))
            figcaption {
                (title) " (" (unit_text(&tr, def)) ")"
                @if let Some(n) = note { " " (n) }
            }
        }
        (full_table(c, def, t, &title))
        @if flagged || perturbed {
            div.notes {
                @if flagged {
                    p { span.flag { (tr.t("flag-c")) } " " (tr.t("flag-c-text")) }
                    p { span.flag { (tr.t("flag-d")) } " " (tr.t("flag-d-text")) }
                }
                @if perturbed {
                    p.perturbed { (tr.t("perturbed-text")) }
                }
            }
        }
    }
}

/// The chart of a protected table: periods as categories (series by a dimension of few codes),
/// or the codes of the first dimension for the latest period (series by the second).
fn chart_of(c: &Chrome, def: &Indicator, t: &ProtectedTable) -> (Kind, Data, Option<String>) {
    let locale = c.locale;
    let lang = locale.lang;
    let tr = c.tr();
    let period_names: Vec<String> = t.periods.iter().map(|p| period_label(*p, locale)).collect();
    let over_time = |n: usize| if n > 8 { Kind::Line } else { Kind::Columns };
    match t.dims.as_slice() {
        [] => (
            over_time(t.periods.len()),
            Data {
                categories: period_names,
                series: vec![Series {
                    name: def.label.get(lang).to_owned(),
                    values: t.periods.iter().map(|p| datum(cell(t, *p, &[]))).collect(),
                }],
            },
            None,
        ),
        [d] => {
            let codes: Vec<String> = codes_of(t, 0).into_iter().filter(|x| x != TOTAL).collect();
            if codes.len() <= 3 && matches!(d, Dim::Sex | Dim::Flow | Dim::Residence) {
                let series = codes
                    .iter()
                    .map(|code| Series {
                        name: labels::code_name(*d, code, lang),
                        values: t
                            .periods
                            .iter()
                            .map(|p| datum(cell(t, *p, &[code.as_str()])))
                            .collect(),
                    })
                    .collect();
                (
                    over_time(t.periods.len()),
                    Data {
                        categories: period_names,
                        series,
                    },
                    None,
                )
            } else {
                let latest = t.periods.last().copied();
                let shown: Vec<&String> = codes.iter().take(CHART_CATEGORIES).collect();
                let data = Data {
                    categories: shown
                        .iter()
                        .map(|code| labels::code_name(*d, code, lang))
                        .collect(),
                    series: vec![Series {
                        name: latest.map(|p| period_label(p, locale)).unwrap_or_default(),
                        values: shown
                            .iter()
                            .map(|code| {
                                latest
                                    .map_or(Datum::Missing, |p| datum(cell(t, p, &[code.as_str()])))
                            })
                            .collect(),
                    }],
                };
                let kind = if *d == Dim::Age {
                    Kind::Columns
                } else {
                    Kind::Bars
                };
                let mut note = latest.map(|p| {
                    tr.t_with(
                        "chart-latest",
                        &[("period", Arg::Str(&period_label(p, locale)))],
                    )
                });
                if codes.len() > CHART_CATEGORIES {
                    let more = tr.t_with(
                        "chart-first",
                        &[("count", Arg::Num(CHART_CATEGORIES as i64))],
                    );
                    note = Some(note.map_or(more.clone(), |n| format!("{n} {more}")));
                }
                (kind, data, note)
            }
        }
        [d1, d2, ..] => {
            let latest = t.periods.last().copied();
            let rows: Vec<String> = codes_of(t, 0)
                .into_iter()
                .filter(|x| x != TOTAL)
                .take(12)
                .collect();
            let cols: Vec<String> = codes_of(t, 1)
                .into_iter()
                .filter(|x| x != TOTAL)
                .take(6)
                .collect();
            let series = cols
                .iter()
                .map(|b| Series {
                    name: labels::code_name(*d2, b, lang),
                    values: rows
                        .iter()
                        .map(|a| {
                            latest.map_or(Datum::Missing, |p| {
                                datum(cell(t, p, &[a.as_str(), b.as_str()]))
                            })
                        })
                        .collect(),
                })
                .collect();
            let data = Data {
                categories: rows
                    .iter()
                    .map(|a| labels::code_name(*d1, a, lang))
                    .collect(),
                series,
            };
            let note = latest.map(|p| {
                tr.t_with(
                    "chart-latest",
                    &[("period", Arg::Str(&period_label(p, locale)))],
                )
            });
            (Kind::Columns, data, note)
        }
    }
}

/// Every row (combination of codes, totals first) by every period; suppressed cells flagged
/// with their status, provisional and estimated values marked.
fn full_table(c: &Chrome, def: &Indicator, t: &ProtectedTable, caption: &str) -> Markup {
    let tr = c.tr();
    let locale = c.locale;
    let lang = locale.lang;
    let per_dim: Vec<Vec<String>> = (0..t.dims.len()).map(|k| codes_of(t, k)).collect();
    let mut rows: Vec<Vec<String>> = vec![Vec::new()];
    for codes in &per_dim {
        rows = rows
            .into_iter()
            .flat_map(|r| {
                codes.iter().map(move |code| {
                    let mut r = r.clone();
                    r.push(code.clone());
                    r
                })
            })
            .collect();
    }
    // Rows the table does not have at all (no cell in any period) are left out.
    rows.retain(|r| {
        t.periods.iter().any(|p| {
            let codes: Vec<&str> = r.iter().map(String::as_str).collect();
            cell(t, *p, &codes).is_some()
        })
    });
    html! {
        div.table-wrap {
            table.data {
                caption { (caption) " (" (unit_text(&tr, def)) ")" }
                thead { tr {
                    @if t.dims.is_empty() { td {} }
                    @for d in &t.dims { th scope="col" { (labels::dim_name(*d, lang)) } }
                    @for p in &t.periods { th.n scope="col" { (period_label(*p, locale)) } }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            @if t.dims.is_empty() { th scope="row" { (tr.t("label-total")) } }
                            @for (k, code) in r.iter().enumerate() {
                                th scope="row" { (labels::code_name(t.dims[k], code, lang)) }
                            }
                            @for p in &t.periods {
                                @let codes: Vec<&str> = r.iter().map(String::as_str).collect();
                                @let x = cell(t, *p, &codes);
                                (value_cell(&tr, locale, def, x))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A table cell: the value (with `p` or `e` when provisional or estimated), or a flag.
fn value_cell(tr: &Tr<'_>, locale: Locale, def: &Indicator, x: Option<&ProtectedCell>) -> Markup {
    use marsad_stats::cube::ObsStatus;
    match x {
        Some(x) if x.conf_status == ConfStatus::Primary => html! {
            td.n.flag data-conf="C" { (tr.t("chart-suppressed-short")) " " (tr.t("flag-c")) }
        },
        Some(x) if x.conf_status != ConfStatus::Free => html! {
            td.n.flag data-conf="D" { (tr.t("chart-suppressed-short")) " " (tr.t("flag-d")) }
        },
        Some(x) => match x.value {
            Some(v) => html! {
                td.n {
                    (locale.decimal(v, places(def)))
                    @match x.obs_status {
                        ObsStatus::Provisional => { " " abbr title=(tr.t("obs-provisional")) { (tr.t("obs-p")) } }
                        ObsStatus::Estimated => { " " abbr title=(tr.t("obs-estimated")) { (tr.t("obs-e")) } }
                        _ => {}
                    }
                }
            },
            None => html! { td.n.muted { (tr.t("chart-no-data")) } },
        },
        None => html! { td.n.muted { (tr.t("chart-no-data")) } },
    }
}

/// The map of a table by place (latest period), with its table.
fn map_section(c: &Chrome, def: &Indicator, dim: Dim, t: &ProtectedTable) -> Markup {
    let tr = c.tr();
    let locale = c.locale;
    let lang = locale.lang;
    let Some(layout) = labels::map_layout(dim) else {
        return html! {};
    };
    let Some(latest) = t.periods.last().copied() else {
        return html! {};
    };
    let k = t.dims.iter().position(|d| *d == dim).unwrap_or(0);
    let places_: Vec<Place> = codes_of(t, k)
        .into_iter()
        .filter(|code| code != TOTAL)
        .map(|code| {
            let codes: Vec<&str> = t
                .dims
                .iter()
                .enumerate()
                .map(|(i, _)| if i == k { code.as_str() } else { TOTAL })
                .collect();
            Place {
                name: labels::code_name(dim, &code, lang),
                datum: datum(cell(t, latest, &codes)),
                code,
            }
        })
        .collect();
    let title = format!(
        "{} — {} ({})",
        def.label.get(lang),
        labels::dim_name(dim, lang),
        period_label(latest, locale)
    );
    let data = Data {
        categories: places_.iter().map(|p| p.name.clone()).collect(),
        series: vec![Series {
            name: period_label(latest, locale),
            values: places_.iter().map(|p| p.datum).collect(),
        }],
    };
    html! {
        section.map aria-labelledby="map-h" {
            h2 #map-h { (tr.t("map-title")) }
            figure {
                (map::render(&map::Map { id: "map", layout, title: &title, places: &places_, locale, decimals: places(def) }))
                figcaption { (title) " (" (unit_text(&tr, def)) ")" }
            }
            details {
                summary { (tr.t("show-table")) }
                (chart::data_table(&data, locale, &title, &labels::dim_name(dim, lang), places(def)))
            }
        }
    }
}

/// Download links: CSV and XLSX of the table shown, SDMX of the whole dataflow.
fn downloads(c: &Chrome, id: IndicatorId, query: &str, has_data: bool) -> Markup {
    let tr = c.tr();
    let sdmx = has_data;
    let flow = format!("/sdmx/2.1/data/{}", id.as_str());
    html! {
        section.downloads aria-labelledby="dl-h" {
            h2 #dl-h { (tr.t("downloads")) }
            ul {
                li { a href=(format!("{}{query}", c.href(&format!("indicators/{}.csv", id.as_str())))) download { (tr.t("download-csv")) } }
                li { a href=(format!("{}{query}", c.href(&format!("indicators/{}.xlsx", id.as_str())))) download { (tr.t("download-xlsx")) } }
                @if sdmx {
                    li { a href=(format!("{flow}?format=csv")) { (tr.t("download-sdmx-csv")) } }
                    li { a href=(format!("{flow}?format=structurespecificdata")) { (tr.t("download-sdmx-ml")) } }
                }
            }
            p.note { (tr.t("download-note")) }
        }
    }
}

/// Definition, concept, source, unit, GCM and SDG links, protection rule, last update.
fn metadata(c: &Chrome, def: &Indicator, years: &[i32], snap: &Snapshot) -> Markup {
    let tr = c.tr();
    let locale = c.locale;
    let lang = locale.lang;
    let freq = match def.freq.code() {
        "M" => tr.t("freq-monthly"),
        "Q" => tr.t("freq-quarterly"),
        _ => tr.t("freq-annual"),
    };
    html! {
        section.about aria-labelledby="about-h" {
            h2 #about-h { (tr.t("about-indicator")) }
            dl {
                dt { (tr.t("meta-definition")) } dd { (def.description.get(lang)) }
                dt { (tr.t("meta-concept")) } dd lang="en" dir="ltr" { (def.concept) }
                dt { (tr.t("meta-source")) } dd lang="en" dir="ltr" { (def.source) }
                dt { (tr.t("meta-unit")) } dd { (unit_text(&tr, def)) }
                dt { (tr.t("meta-frequency")) } dd { (freq) }
                dt { (tr.t("meta-dimensions")) }
                dd { (def.dims.iter().map(|d| labels::dim_name(*d, lang)).collect::<Vec<_>>().join(if lang == Lang::Ar { "، " } else { ", " })) }
                @if !def.gcm.is_empty() {
                    dt { (tr.t("meta-gcm")) }
                    dd { (def.gcm.iter().map(|n| tr.t_with("gcm-objective", &[("number", Arg::Num(i64::from(*n)))])).collect::<Vec<_>>().join(if lang == Lang::Ar { "، " } else { ", " })) }
                }
                @if let Some(sdg) = def.sdg {
                    dt { (tr.t("meta-sdg")) } dd { (tr.t_with("sdg-indicator", &[("code", Arg::Str(sdg))])) }
                }
                dt { (tr.t("meta-protection")) }
                dd { (tr.t_with("protection-rule", &[("count", Arg::Num(i64::from(def.disclosure.min_frequency)))])) }
                dt { (tr.t("meta-years")) }
                dd {
                    @if years.is_empty() { (tr.t("no-data-yet")) }
                    @else { (years.iter().map(|y| locale.year(*y)).collect::<Vec<_>>().join(if lang == Lang::Ar { "، " } else { ", " })) }
                }
                dt { (tr.t("meta-updated")) }
                dd {
                    @match snap.published.refreshed_at {
                        Some(t) => { (locale.date(t.date_naive())) }
                        None => { (tr.t("never-updated")) }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The explorer

/// `GET /{lang}/explore?indicator=ID&by=DIM&by2=DIM&period=YYYY&period=…`.
pub async fn explore(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    caller: Caller,
    permit: Option<Permit>,
) -> Result<Response, ApiError> {
    let mut c = chrome(lang, &headers, &caller, "explore", Section::Explore);
    c.query = query.clone();
    if permit.is_none() {
        return Ok(not_public(&mut c));
    }
    let tr = c.tr();
    let locale = c.locale;
    c.title = tr.t("explore-title");
    let snap = snapshot(&state).await?;
    let mut ask = Ask::parse(query.as_deref());
    let with_data: Vec<IndicatorId> = IndicatorId::ALL
        .into_iter()
        .filter(|id| !snap.published.years(*id).is_empty())
        .collect();
    let chosen = ask
        .indicator
        .as_deref()
        .and_then(IndicatorId::parse)
        .filter(|id| with_data.contains(id))
        .or_else(|| with_data.first().copied());
    // Disaggregations the chosen indicator does not have (after a change of indicator) are
    // dropped, and said so.
    let mut dropped = Vec::new();
    if let Some(id) = chosen {
        ask.by.retain(|d| {
            let ok = Dim::parse(d).is_some_and(|x| id.def().allows(x));
            if !ok {
                dropped.push(d.clone());
            }
            ok
        });
    }
    let years = chosen
        .map(|id| snap.published.years(id))
        .unwrap_or_default();
    let table = match chosen {
        Some(id) if !years.is_empty() => {
            let by: Vec<&str> = ask.by.iter().map(String::as_str).collect();
            let periods: Vec<&str> = ask.periods.iter().map(String::as_str).collect();
            let req = TableRequest::parse(id.as_str(), &by, &periods)?;
            Some(protected(snap.clone(), req).await?)
        }
        _ => None,
    };
    let dims: &[Dim] = chosen.map(|id| id.def().dims).unwrap_or(&[]);
    let by1 = ask.by.first().cloned().unwrap_or_default();
    let by2 = ask.by.get(1).cloned().unwrap_or_default();
    let dl = ask.download_query();
    let body = html! {
        p { (tr.t("explore-intro")) }
        @if with_data.is_empty() {
            p.note { (tr.t("no-figures-yet")) }
        }
        form.explore method="get" action=(c.href("explore")) {
            div {
                label for="indicator" { (tr.t("form-indicator")) }
                select #indicator name="indicator" {
                    @for id in &with_data {
                        option value=(id.as_str()) selected[chosen == Some(*id)] { (id.def().label.get(lang)) }
                    }
                }
            }
            div {
                label for="by" { (tr.t("form-by")) }
                select #by name="by" {
                    option value="" selected[by1.is_empty()] { (tr.t("form-by-none")) }
                    @for d in dims { option value=(d.id()) selected[by1 == d.id()] { (labels::dim_name(*d, lang)) } }
                }
            }
            div {
                label for="by2" { (tr.t("form-by2")) }
                select #by2 name="by2" {
                    option value="" selected[by2.is_empty()] { (tr.t("form-by-none")) }
                    @for d in dims { option value=(d.id()) selected[by2 == d.id()] { (labels::dim_name(*d, lang)) } }
                }
            }
            fieldset {
                legend { (tr.t("form-periods")) }
                @for y in &years {
                    @let id = format!("p{y}");
                    span.check {
                        input type="checkbox" id=(id) name="period" value=(y) checked[ask.periods.contains(&y.to_string())];
                        label for=(id) { (locale.year(*y)) }
                    }
                }
                @if years.is_empty() { span.muted { (tr.t("no-data-yet")) } }
                p.muted { (tr.t("form-periods-hint")) }
            }
            button type="submit" { (tr.t("form-show")) }
        }
        @if !dropped.is_empty() {
            p.note { (tr.t_with("explore-dropped", &[("dims", Arg::Str(&dropped.join(", ")))])) }
        }
        @if let (Some(id), Some(t)) = (chosen, &table) {
            h2 { (id.def().label.get(lang)) }
            (figure_and_table(&c, id.def(), t, "explore-chart"))
            @if let Some(d) = t.dims.iter().copied().find(|d| labels::map_layout(*d).is_some()) {
                (map_section(&c, id.def(), d, t))
            }
            p { a href=(c.href(&format!("indicators/{}", id.as_str()))) { (tr.t("explore-about")) } }
            (downloads(&c, id, &dl, true))
        }
    };
    Ok(page(document(&c, body)))
}

/// The cells of a table as rows for downloads: codes per dimension, in table order.
pub(crate) fn rows(t: &ProtectedTable) -> Vec<(Period, Vec<String>, &ProtectedCell)> {
    let mut order: BTreeMap<(Period, Vec<String>), &ProtectedCell> = BTreeMap::new();
    for c in &t.cells {
        order.insert((c.period, c.codes.clone()), c);
    }
    let per_dim: Vec<Vec<String>> = (0..t.dims.len()).map(|k| codes_of(t, k)).collect();
    let rank = |k: usize, code: &String| {
        per_dim
            .get(k)
            .and_then(|v| v.iter().position(|x| x == code))
            .unwrap_or(usize::MAX)
    };
    let mut out: Vec<(Period, Vec<String>, &ProtectedCell)> = order
        .into_iter()
        .map(|((p, codes), c)| (p, codes, c))
        .collect();
    out.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let ka: Vec<usize> = a.1.iter().enumerate().map(|(k, c)| rank(k, c)).collect();
            let kb: Vec<usize> = b.1.iter().enumerate().map(|(k, c)| rank(k, c)).collect();
            ka.cmp(&kb)
        })
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indicator_is_in_one_theme() {
        for id in IndicatorId::ALL {
            let n = THEMES.iter().filter(|(_, ids)| ids.contains(&id)).count();
            assert_eq!(n, 1, "{id}");
        }
    }

    #[test]
    fn the_query_string_is_read_as_a_reader_writes_it() {
        let a = Ask::parse(Some(
            "indicator=WORKERS_PLACED&by=SEX&by2=AGE&period=2023&period=2024,2025&by=X",
        ));
        assert_eq!(a.indicator.as_deref(), Some("WORKERS_PLACED"));
        assert_eq!(a.by, ["SEX", "AGE"]);
        assert_eq!(a.periods, ["2023", "2024", "2025"]);
        assert_eq!(
            a.download_query(),
            "?by=SEX%2CAGE&period=2023%2C2024%2C2025"
        );
        let empty = Ask::parse(Some("by=&period="));
        assert!(empty.by.is_empty() && empty.periods.is_empty());
        assert_eq!(empty.download_query(), "");
    }

    #[test]
    fn periods_are_named_per_language() {
        let q = Period::parse("2024-Q2").unwrap();
        assert_eq!(period_label(q, Locale::new(Lang::Fr)), "T2 2024");
        assert_eq!(period_label(q, Locale::new(Lang::En)), "Q2 2024");
        let m = Period::parse("2024-03").unwrap();
        assert_eq!(period_label(m, Locale::new(Lang::Fr)), "mars 2024");
    }
}
