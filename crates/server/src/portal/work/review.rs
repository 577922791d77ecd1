//! The analyst's match review: the queue of pairs the linkage could not decide, one pair side by
//! side (both records' fields in two columns, the weight each comparison contributed as a bar),
//! and the decision (`reviews::review`, `reviews::decide`: the same checks, audit and effects
//! as the JSON API).

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marsad_model::RecordKind;
use marsad_portal::i18n::Arg;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::{kind_name, see_other, text, when, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::portal::PageLang;
use crate::reviews::{Decision, ReviewDto, ReviewQuery};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub(super) struct QueueQuery {
    after: Option<i64>,
}

/// `GET /{lang}/work/reviews/`: open pairs, oldest first.
pub(super) async fn queue(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ApiError> {
    let w = Work::new(&state, lang, &headers, &caller, "work/reviews/");
    let tr = w.tr();
    let l = w.locale();
    let list = crate::reviews::reviews(
        State(state.clone()),
        caller,
        permit,
        ApiQuery(ReviewQuery {
            status: None,
            after: q.after,
            limit: Some(50),
        }),
    )
    .await?
    .0;
    let body = html! {
        p { (tr.t("work-reviews-text")) }
        @if list.reviews.is_empty() {
            p #reviews-empty { (tr.t("work-reviews-empty")) }
        } @else {
            table #reviews {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (tr.t("work-left")) }
                    th scope="col" { (tr.t("work-right")) }
                    th scope="col" { (tr.t("work-weight")) }
                    th scope="col" { (tr.t("work-created")) }
                } }
                tbody {
                    @for r in &list.reviews {
                        tr {
                            td { a href=(w.c.href(&format!("work/reviews/{}", r.id))) { (l.digits_of(&r.id.to_string())) } }
                            td dir="auto" { (side_label(&r.left.record, &r.left.source)) }
                            td dir="auto" { (side_label(&r.right.record, &r.right.source)) }
                            td.n { (l.decimal(r.weight, 1)) }
                            td { (when(l, &r.created_at)) }
                        }
                    }
                }
            }
            @if let Some(after) = list.next_after {
                p { a href=(w.c.href(&format!("work/reviews/?after={after}"))) { (tr.t("work-next-page")) } }
            }
        }
    };
    Ok(w.finish(tr.t("work-reviews"), body))
}

/// A short label of one side: its names (when shown) and its source.
fn side_label(record: &Option<Value>, source: &str) -> String {
    let names: Vec<&str> = ["given_name", "family_name"]
        .iter()
        .filter_map(|f| record.as_ref()?.get(*f)?.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        source.to_owned()
    } else {
        format!("{} ({source})", names.join(" "))
    }
}

/// The fields of both sides, the record kind's own order first.
fn field_order(dto: &ReviewDto) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let kind = RecordKind::parse(&dto.left.kind).unwrap_or(RecordKind::Person);
    let known: Vec<String> = kind.fields().iter().map(|f| f.name.to_string()).collect();
    let present = |f: &str| {
        [&dto.left.record, &dto.right.record].iter().any(|r| {
            r.as_ref()
                .and_then(|r| r.get(f))
                .is_some_and(|v| !v.is_null())
        })
    };
    for f in known.iter() {
        if present(f) && seen.insert(f.clone()) {
            order.push(f.clone());
        }
    }
    for r in [&dto.left.record, &dto.right.record].into_iter().flatten() {
        if let Some(o) = r.as_object() {
            for (f, v) in o {
                if !v.is_null() && seen.insert(f.clone()) {
                    order.push(f.clone());
                }
            }
        }
    }
    order
}

/// The comparisons' weights as bars (`meter`), agreeing ones and disagreeing ones told apart.
fn weights(w: &Work, explanation: &Value) -> Markup {
    let tr = w.tr();
    let l = w.locale();
    let terms: Vec<(String, f64, i64)> = explanation
        .get("terms")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(name, t)| {
                    (
                        name.clone(),
                        t.get("weight").and_then(Value::as_f64).unwrap_or(0.0),
                        t.get("level").and_then(Value::as_i64).unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let max = terms
        .iter()
        .map(|(_, w, _)| w.abs())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    html! {
        table #weights {
            caption { (tr.t("work-weights")) }
            thead { tr {
                th scope="col" { (tr.t("work-comparison")) }
                th scope="col" { (tr.t("work-level")) }
                th scope="col" { (tr.t("work-weight")) }
                th scope="col" { span.visually-hidden { (tr.t("work-bar")) } }
            } }
            tbody {
                @for (name, weight, level) in &terms {
                    tr class=[if *weight > 0.0 { Some("agree") } else if *weight < 0.0 { Some("disagree") } else { None }] {
                        th scope="row" dir="ltr" { (name) }
                        td.n { (l.digits_of(&level.to_string())) }
                        td.n { (l.decimal(*weight, 2)) }
                        td { meter min="0" max=(format!("{max:.3}")) value=(format!("{:.3}", weight.abs())) { (l.decimal(*weight, 2)) } }
                    }
                }
            }
            tfoot {
                @if let Some(prior) = explanation.get("prior").and_then(Value::as_f64) {
                    tr { th scope="row" { (tr.t("work-prior")) } td {} td.n { (l.decimal(prior, 2)) } td {} }
                }
                @if let Some(score) = explanation.get("score").and_then(Value::as_f64) {
                    tr { th scope="row" { (tr.t("work-score")) } td {} td.n { strong { (l.decimal(score, 2)) } } td {} }
                }
            }
        }
    }
}

/// `GET /{lang}/work/reviews/{id}`: one pair side by side, with the decision's buttons.
pub(super) async fn pair(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let path = format!("work/reviews/{id}");
    let w = Work::new(&state, lang, &headers, &caller, &path);
    let tr = w.tr();
    let l = w.locale();
    let dto = crate::reviews::review(State(state.clone()), caller, permit, ApiPath(id))
        .await?
        .0;
    let fields = field_order(&dto);
    let cell = |r: &Option<Value>, f: &str| -> String {
        r.as_ref()
            .and_then(|r| r.get(f))
            .map(text)
            .unwrap_or_default()
    };
    let body = html! {
        p #review-status data-status=(dto.status) {
            (tr.t(match dto.status.as_str() { "accepted" => "work-review-accepted", "rejected" => "work-review-rejected", _ => "work-review-open" }))
            @if let (Some(by), Some(at)) = (&dto.decided_by, &dto.decided_at) { " · " span dir="ltr" { (by) } " · " (when(l, at)) }
        }
        table #pair {
            thead { tr {
                th scope="col" { (tr.t("work-field")) }
                th scope="col" { (tr.t("work-left")) br; small dir="ltr" { (dto.left.source) " · " (kind_name(&tr, &dto.left.kind)) " · " (dto.left.record_id) } }
                th scope="col" { (tr.t("work-right")) br; small dir="ltr" { (dto.right.source) " · " (kind_name(&tr, &dto.right.kind)) " · " (dto.right.record_id) } }
            } }
            tbody {
                @for f in &fields {
                    @let (a, b) = (cell(&dto.left.record, f), cell(&dto.right.record, f));
                    tr class=[(a != b).then_some("differ")] {
                        th scope="row" dir="ltr" { (f) }
                        td dir="auto" { (a) }
                        td dir="auto" { (b) }
                    }
                }
            }
        }
        (weights(&w, &dto.explanation))
        @if dto.status == "open" {
            form #decision method="post" action=(w.c.href(&path)) {
                (w.csrf_field())
                p.actions {
                    button #accept type="submit" name="decision" value="accept" { (tr.t("work-accept")) }
                    button #reject type="submit" name="decision" value="reject" { (tr.t("work-reject")) }
                }
            }
        }
        p { a href=(w.c.href("work/reviews/")) { (tr.t("work-reviews")) } }
    };
    Ok(w.finish(
        tr.t_with("work-review-title", &[("id", Arg::Num(id))]),
        body,
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    decision: String,
}

/// `POST /{lang}/work/reviews/{id}`: `decision=accept|reject`, as
/// `POST /api/v1/reviews/{id}/decision`; then the pair again, decided.
pub(super) async fn decide(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    caller: Caller,
    permit: Permit,
    ApiPath((_, id)): ApiPath<(String, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, ApiError> {
    let accepted = match form.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(ApiError::bad_request("decision must be accept or reject")),
    };
    // The decided pair is shown by the page it goes back to.
    let _decided = crate::reviews::decide(
        State(state),
        caller,
        permit,
        ApiPath(id),
        ApiJson(Decision { accepted }),
    )
    .await?;
    Ok(see_other(&format!("/{}/work/reviews/{id}", lang.as_str())))
}
