//! The analysts' data-quality overview per source and the publishing page (issue 8).
//!
//! - `GET /{lang}/work/quality/`: for every source the reader may see (as the imports page,
//!   each admitted by its owner through the permit), what its latest submissions brought —
//!   rows, accepted, unchanged, rejected, the share rejected as a chart, warnings, the last
//!   import — and which fields the rejections were about (from the import reports: field names
//!   and reasons only, never a row's values).
//! - `GET /{lang}/work/publish`: when the published statistics were last refreshed and how many
//!   cells they hold; `POST` refreshes them (incremental, or full) as
//!   `POST /api/v1/statistics/refresh` does, and shows what the refresh did.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_portal::chart::{self, Chart, Data, Datum, Kind, Series};
use marsad_portal::i18n::Arg;
use maud::html;
use serde::Deserialize;

use super::{count, when, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::portal::PageLang;
use crate::AppState;

/// Submissions read per source.
const PER_SOURCE: u32 = 50;
/// Import reports read per source for the fields at fault.
const REPORTS_PER_SOURCE: usize = 5;
/// Fields named per source.
const TOP_FIELDS: usize = 5;

/// One source's quality figures.
struct SourceQuality {
    name: String,
    submissions: usize,
    rows: u64,
    accepted: u64,
    unchanged: u64,
    rejected: u64,
    warnings: u64,
    last: Option<(String, String)>,
    /// Field → rejected-row problems in the latest reports.
    fields: Vec<(String, u64)>,
}

impl SourceQuality {
    fn rejected_share(&self) -> Option<f64> {
        (self.rows > 0).then(|| self.rejected as f64 * 100.0 / self.rows as f64)
    }
}

/// `GET /{lang}/work/quality/`.
pub(super) async fn overview(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/quality/");
    let tr = w.tr();
    let l = w.locale();
    let sources = state
        .blocking(move |store, _| {
            permit.grant();
            let mut out = Vec::new();
            for source in store.sources()? {
                if crate::api::admit_source(store, &permit, &source).is_err() {
                    continue;
                }
                let subs = store.submissions(Some(source.id), PER_SOURCE)?;
                let mut q = SourceQuality {
                    name: source.name.clone(),
                    submissions: subs.len(),
                    rows: 0,
                    accepted: 0,
                    unchanged: 0,
                    rejected: 0,
                    warnings: 0,
                    last: subs
                        .first()
                        .map(|s| (s.started_at.to_rfc3339(), s.status.as_str().to_owned())),
                    fields: Vec::new(),
                };
                let mut fields: BTreeMap<String, u64> = BTreeMap::new();
                for (i, s) in subs.iter().enumerate() {
                    q.rows += s.rows_read;
                    q.accepted += s.accepted;
                    q.unchanged += s.unchanged;
                    q.rejected += s.rejected;
                    q.warnings += s.warnings;
                    if i < REPORTS_PER_SOURCE && s.rejected > 0 {
                        for issue in store.report(s.id)?.rejected {
                            let field = issue.field.unwrap_or_else(|| "—".into());
                            *fields.entry(field).or_default() += 1;
                        }
                    }
                }
                let mut fields: Vec<(String, u64)> = fields.into_iter().collect();
                fields.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                fields.truncate(TOP_FIELDS);
                q.fields = fields;
                out.push(q);
            }
            Ok(out)
        })
        .await?;
    let data = Data {
        categories: sources.iter().map(|s| s.name.clone()).collect(),
        series: vec![Series {
            name: tr.t("work-quality-rejected-share"),
            values: sources
                .iter()
                .map(|s| s.rejected_share().map_or(Datum::Missing, Datum::Value))
                .collect(),
        }],
    };
    let title = tr.t("work-quality-chart");
    let body = html! {
        p { (tr.t("work-quality-text")) }
        @if sources.is_empty() {
            p { (tr.t("work-none-yet")) }
        } @else {
            figure {
                (chart::render(&Chart { id: "quality", kind: Kind::Bars, title: &title, data: &data, locale: l, places: 1, small: false }))
                figcaption { (title) }
            }
            div.table-wrap {
                table #quality {
                    thead { tr {
                        th scope="col" { (tr.t("work-source")) }
                        th.n scope="col" { (tr.t("work-submissions")) }
                        th.n scope="col" { (tr.t("work-quality-rows")) }
                        th.n scope="col" { (tr.t("work-accepted")) }
                        th.n scope="col" { (tr.t("work-quality-unchanged")) }
                        th.n scope="col" { (tr.t("work-rejected")) }
                        th.n scope="col" { (tr.t("work-quality-rejected-share")) }
                        th.n scope="col" { (tr.t("work-quality-warnings")) }
                        th scope="col" { (tr.t("work-quality-last")) }
                        th scope="col" { (tr.t("work-quality-fields")) }
                    } }
                    tbody {
                        @for s in &sources {
                            tr {
                                th scope="row" dir="ltr" { (s.name) }
                                td.n { (count(l, s.submissions as u64)) }
                                td.n { (count(l, s.rows)) }
                                td.n { (count(l, s.accepted)) }
                                td.n { (count(l, s.unchanged)) }
                                td.n { (count(l, s.rejected)) }
                                td.n { @if let Some(p) = s.rejected_share() { (l.percent(p, 1)) } }
                                td.n { (count(l, s.warnings)) }
                                td { @if let Some((at, status)) = &s.last { (when(l, at)) " · " (tr.t(&format!("work-status-{status}"))) } }
                                td {
                                    @for (field, n) in &s.fields {
                                        span dir="ltr" { code { (field) } } " " (count(l, *n)) br;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(tr.t("work-data-quality"), body))
}

/// `GET /{lang}/work/publish`.
pub(super) async fn publish_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/publish");
    let body = publish_body(&state, &w, None).await?;
    let title = w.tr().t("work-publish");
    Ok(w.finish(title, body))
}

#[derive(Debug, Deserialize)]
pub(super) struct PublishForm {
    #[serde(default)]
    full: Option<String>,
}

/// `POST /{lang}/work/publish`: refreshes and shows what it did.
pub(super) async fn publish(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Form(form): Form<PublishForm>,
) -> Result<Response, ApiError> {
    let full = form.full.is_some();
    let done = crate::statistics::run_refresh(&state, full).await?;
    let w = Work::new(&state, lang, &headers, &caller, "work/publish");
    let body = publish_body(&state, &w, Some(done)).await?;
    let title = w.tr().t("work-publish");
    Ok(w.finish(title, body))
}

async fn publish_body(
    state: &AppState,
    w: &Work,
    done: Option<crate::statistics::RefreshDto>,
) -> Result<maud::Markup, ApiError> {
    let tr = w.tr();
    let l = w.locale();
    let (refreshed, cells) = crate::statistics::published_state(state).await?;
    Ok(html! {
        p { (tr.t("work-publish-text")) }
        @if let Some(d) = &done {
            p.ok role="status" #refreshed {
                (tr.t_with("work-publish-done", &[
                    ("changed", Arg::Str(&count(l, d.cells_changed))),
                    ("cells", Arg::Str(&count(l, d.cells))),
                    ("records", Arg::Str(&count(l, d.records))),
                    ("seconds", Arg::Str(&l.decimal(d.seconds, 1))),
                ]))
            }
        }
        table {
            tbody {
                tr { th scope="row" { (tr.t("work-publish-last")) } td { @match &refreshed { Some(t) => (when(l, t)), None => (tr.t("work-publish-never")) } } }
                tr { th scope="row" { (tr.t("work-publish-cells")) } td.n { (count(l, cells)) } }
            }
        }
        form method="post" action=(w.c.href("work/publish")) {
            (w.csrf_field())
            p {
                input #full type="checkbox" name="full" value="1";
                " "
                label for="full" { (tr.t("work-publish-full")) }
            }
            button type="submit" { (tr.t("work-publish-button")) }
        }
    })
}
