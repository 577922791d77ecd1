//! The case worker's workspace: person search by name (Arabic or Latin script: names are
//! compared by their phonetic key, which both scripts reach) or by unified number, and the
//! person's file: records by source, dossiers with their attachments, fingerprints enrolled.
//!
//! Rows are shown through `records::shape` (the same admission, hidden fields, pseudonymised
//! identifiers and audit entries as `GET /api/v1/records/{kind}`); dossiers and fingerprints
//! through the API's own handlers, each with a permit the policy gives for that resource. A
//! name is only searched in rows whose view shows names: a pseudonymised reader cannot learn
//! that a name exists.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marsad_model::RecordKind;
use marsad_policy::{Action, Resource};
use marsad_portal::i18n::Arg;
use marsad_portal::page::encode_component;
use marsad_store::RecordKey;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::{count, kind_name, see_other, spaced, text, when, Work};
use crate::access::Permit;
use crate::caller::Caller;
use crate::dossiers::{parse_number, DossierQuery};
use crate::dto::RecordDto;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::portal::PageLang;
use crate::records::{shape, Institutions};
use crate::AppState;

/// Persons shown for one search at most.
const MAX_RESULTS: usize = 50;
/// Rows read per page of the scan, and at most in all.
const SCAN_PAGE: u32 = 5_000;
const SCAN_MAX: usize = 500_000;

/// The name fields searched (both scripts).
const NAME_FIELDS: [&str; 8] = [
    "given_name",
    "family_name",
    "father_name",
    "mother_name",
    "given_name_script",
    "family_name_script",
    "father_name_script",
    "mother_name_script",
];

#[derive(Debug, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    purpose: Option<String>,
}

/// `&purpose=…` to carry a stated purpose from page to page.
fn purpose_param(purpose: Option<&str>) -> String {
    match purpose.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => format!("purpose={}", encode_component(p)),
        None => String::new(),
    }
}

fn search_box(w: &Work, q: &str, purpose: Option<&str>) -> Markup {
    let tr = w.tr();
    html! {
        form.search method="get" action=(w.c.href("work/persons/search")) role="search" {
            label for="q" { (tr.t("work-search-label")) }
            input #q name="q" type="search" value=(q) dir="auto" required;
            label for="purpose" { (tr.t("work-purpose")) }
            input #purpose name="purpose" value=(purpose.unwrap_or("")) dir="auto";
            p.hint { (tr.t("work-purpose-hint")) }
            p.actions { button type="submit" { (tr.t("work-search")) } }
        }
    }
}

/// `GET /{lang}/work/persons/`: the search form (reads nothing).
pub(super) async fn search_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
) -> Response {
    let w = Work::new(&state, lang, &headers, &caller, "work/persons/");
    let tr = w.tr();
    let body = html! {
        p { (tr.t("work-persons-text")) }
        (search_box(&w, "", None))
    };
    w.finish(tr.t("work-persons"), body)
}

/// The unified number typed, if `q` is one (spaces and dashes allowed).
fn as_number(q: &str) -> Option<String> {
    let digits: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 12 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// The phonetic key parts of every name field of a payload.
fn name_parts(payload: &Value) -> Vec<String> {
    let mut parts = Vec::new();
    for f in NAME_FIELDS {
        if let Some(s) = payload.get(f).and_then(Value::as_str) {
            parts.extend(marsad_names::name_key(s).parts().map(str::to_owned));
        }
    }
    parts
}

/// Whether every part of the query's key is one of the record's name parts.
fn matches(query: &[String], record: &[String]) -> bool {
    !query.is_empty() && query.iter().all(|q| record.iter().any(|r| r == q))
}

/// `GET /{lang}/work/persons/search?q=…`: by unified number, straight to the file; by name,
/// the persons whose records carry every part of it.
pub(super) async fn search(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let purpose = purpose_param(q.purpose.as_deref());
    if let Some(n) = as_number(&q.q) {
        permit.grant();
        let sep = if purpose.is_empty() { "" } else { "?" };
        return Ok(see_other(&format!(
            "/{}/work/persons/{n}{sep}{purpose}",
            lang.as_str()
        )));
    }
    let w = Work::new(&state, lang, &headers, &caller, "work/persons/search");
    let tr = w.tr();
    let l = w.locale();
    let wanted: Vec<String> = marsad_names::name_key(&q.q)
        .parts()
        .map(str::to_owned)
        .collect();
    let st = state.clone();
    let found: Vec<RecordDto> = state
        .blocking(move |store, _| {
            let institutions = Institutions::load(store)?;
            let grant = permit.grant();
            let purpose_given = permit.purpose().is_some();
            let mut matched = Vec::new();
            let mut after = None;
            let mut scanned = 0usize;
            while !wanted.is_empty() && matched.len() < MAX_RESULTS && scanned < SCAN_MAX {
                let (page, next) = store.records(RecordKind::Person.as_str(), after, SCAN_PAGE)?;
                scanned += page.len();
                for v in page {
                    let Some(view) = grant.view(
                        Some(institutions.origin(v.institution.as_deref())),
                        purpose_given,
                    ) else {
                        continue;
                    };
                    // Only where names are shown to this reader.
                    if !view.identity {
                        continue;
                    }
                    let Ok(payload) = serde_json::from_str::<Value>(&v.payload) else {
                        continue;
                    };
                    let hidden: Vec<&str> = grant.hidden_fields(&view).collect();
                    let mut visible = payload;
                    if let Some(o) = visible.as_object_mut() {
                        for h in hidden {
                            o.remove(h);
                        }
                    }
                    if matches(&wanted, &name_parts(&visible)) && matched.len() < MAX_RESULTS {
                        matched.push(v);
                    }
                }
                match next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            let (rows, events) = shape(
                store,
                &st,
                &caller,
                &permit,
                RecordKind::Person,
                matched,
                "search",
            )?;
            AppState::audit_all(store, &events)?;
            Ok(rows)
        })
        .await?;
    let purpose_q = if purpose.is_empty() {
        String::new()
    } else {
        format!("?{purpose}")
    };
    let body = html! {
        (search_box(&w, &q.q, q.purpose.as_deref()))
        h2 { (tr.t_with("work-results", &[("count", Arg::Num(found.len() as i64))])) }
        @if found.is_empty() {
            p #no-results { (tr.t("work-no-results")) }
        } @else {
            table #results {
                thead { tr {
                    th scope="col" { (tr.t("work-number")) }
                    th scope="col" { (tr.t("work-name")) }
                    th scope="col" { (tr.t("work-birth-date")) }
                    th scope="col" { (tr.t("work-nationality")) }
                    th scope="col" { (tr.t("work-source")) }
                } }
                tbody {
                    @for r in &found {
                        @let number = r.payload.get("unified_number").and_then(Value::as_str);
                        tr {
                            td dir="ltr" {
                                @if let Some(n) = number {
                                    a href=(w.c.href(&format!("work/persons/{n}{purpose_q}"))) { (l.digits_of(&spaced(n))) }
                                } @else {
                                    (tr.t("work-not-numbered"))
                                }
                            }
                            td dir="auto" { (full_name(&r.payload)) }
                            td dir="ltr" { (r.payload.get("birth_date").map(text).unwrap_or_default()) }
                            td dir="ltr" { (r.payload.get("nationality").map(text).unwrap_or_default()) }
                            td dir="ltr" { (r.provenance.source) }
                        }
                    }
                }
            }
            @if found.len() >= MAX_RESULTS { p.note { (tr.t("work-more-results")) } }
        }
    };
    Ok(w.finish(tr.t("work-persons"), body))
}

/// Given, father's and family names as recorded (in the script they were recorded in).
fn full_name(payload: &Value) -> String {
    ["given_name", "father_name", "family_name"]
        .iter()
        .filter_map(|f| payload.get(*f).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Deserialize)]
pub(super) struct FileQuery {
    purpose: Option<String>,
}

/// `GET /{lang}/work/persons/{number}`: the person's file.
pub(super) async fn file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    permit: Permit,
    ApiPath((_, number)): ApiPath<(String, String)>,
    Query(fq): Query<FileQuery>,
) -> Result<Response, ApiError> {
    let asked = parse_number(&number)?;
    let path = format!("work/persons/{number}");
    let mut w = Work::new(&state, lang, &headers, &caller, &path);
    let purpose = purpose_param(fq.purpose.as_deref());
    w.c.query = (!purpose.is_empty()).then(|| purpose.clone());
    let tr = w.tr();
    let l = w.locale();

    // Records by source: each kind through a permit for reading that kind.
    let st = state.clone();
    let (person, records) = {
        let (caller, permit) = (caller.clone(), permit.clone());
        state
            .blocking(move |store, _| {
                let person = store
                    .resolve_number(asked)
                    .map_err(crate::dossiers::person_error(asked))?;
                let keys = store.person_records(person)?;
                let mut by_kind: BTreeMap<String, Vec<RecordKey>> = BTreeMap::new();
                for k in keys {
                    by_kind.entry(k.kind.clone()).or_default().push(k);
                }
                permit.grant();
                let mut rows = Vec::new();
                let mut events = Vec::new();
                for (kind, keys) in by_kind {
                    let Some(k) = RecordKind::parse(&kind).filter(|k| k.as_str() == kind) else {
                        continue;
                    };
                    let kind_permit = if k == RecordKind::Person {
                        Some(permit.clone())
                    } else {
                        permit.derive(Action::Read, Resource::Record(k))
                    };
                    let Some(kind_permit) = kind_permit else {
                        continue;
                    };
                    let mut versions = Vec::new();
                    for key in keys {
                        if let Some(v) = store.record(key.source, &key.kind, &key.record_id)? {
                            versions.push(v);
                        }
                    }
                    let (r, e) = shape(store, &st, &caller, &kind_permit, k, versions, "read")?;
                    rows.extend(r);
                    events.extend(e);
                }
                AppState::audit_all(store, &events)?;
                Ok((person, rows))
            })
            .await?
    };
    let digits = crate::dossiers::digits(person);

    // Dossiers and their attachments, when the policy lets the reader read dossiers.
    let dossiers = match permit.derive(Action::Read, Resource::Dossier) {
        None => None,
        Some(p) => {
            match crate::dossiers::person_dossiers(
                State(state.clone()),
                caller.clone(),
                p.clone(),
                ApiPath(digits.clone()),
            )
            .await
            {
                Ok(list) => {
                    let mut views = Vec::new();
                    for d in list.0.dossiers {
                        let view = crate::dossiers::dossier(
                            State(state.clone()),
                            caller.clone(),
                            p.clone(),
                            ApiPath(d.id),
                            ApiQuery(DossierQuery { all: None }),
                        )
                        .await?;
                        views.push(view.0);
                    }
                    Some(views)
                }
                Err(e) if e.code.status().as_u16() == 403 => None,
                Err(e) => return Err(e),
            }
        }
    };
    // Fingerprints enrolled (the list only).
    let fingerprints = match permit.derive(Action::Read, Resource::Biometrics) {
        None => None,
        Some(p) => match crate::fingerprints::list(
            State(state.clone()),
            caller.clone(),
            p,
            ApiPath(digits.clone()),
        )
        .await
        {
            Ok(list) => Some(list.0),
            Err(e) if e.code.status().as_u16() == 403 => None,
            Err(e) => return Err(e),
        },
    };

    let mut by_source: BTreeMap<String, Vec<&RecordDto>> = BTreeMap::new();
    for r in &records {
        by_source
            .entry(r.provenance.source.clone())
            .or_default()
            .push(r);
    }
    let body = html! {
        p #person-number { (tr.t("work-number")) ": " strong dir="ltr" { (l.digits_of(&spaced(&digits))) }
            @if digits != number.chars().filter(char::is_ascii_digit).collect::<String>() {
                " " span.note { (tr.t("work-number-alias")) }
            }
        }
        section #records {
            h2 { (tr.t("work-records-by-source")) }
            @if records.is_empty() {
                p { (tr.t("work-nothing-in-scope")) }
            }
            @for (source, rows) in &by_source {
                h3 dir="ltr" { (source) }
                @for r in rows { (record_table(&w, r)) }
            }
        }
        section #dossiers {
            h2 { (tr.t("work-dossiers")) }
            @match &dossiers {
                None => p { (tr.t("work-not-in-scope")) },
                Some(list) if list.is_empty() => p { (tr.t("work-no-dossiers")) },
                Some(list) => {
                    @for d in list {
                        article.dossier {
                            h3 dir="auto" { (d.dossier.title) }
                            p { (d.dossier.institution) " · " (tr.t(if d.dossier.status == "open" { "work-dossier-open" } else { "work-dossier-closed" })) " · " (when(l, &d.dossier.created_at)) }
                            @if d.attachments.is_empty() {
                                p { (tr.t("work-no-attachments")) }
                            } @else {
                                ul.attachments {
                                    @for a in &d.attachments {
                                        li {
                                            @if let Some(t) = &a.thumbnail {
                                                img src=(t) alt="" width="96" height="96";
                                            }
                                            a href=(a.href) download=(a.file_name) dir="auto" { (a.file_name) }
                                            " · " (a.kind) " · " (tr.t_with("work-bytes", &[("size", Arg::Num(i64::try_from(a.size).unwrap_or(i64::MAX)))]))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section #fingerprints {
            h2 { (tr.t("work-fingerprints")) }
            @match &fingerprints {
                None => p { (tr.t("work-not-in-scope")) },
                Some(list) if list.is_empty() => p { (tr.t("work-no-fingerprints")) },
                Some(list) => {
                    table {
                        thead { tr {
                            th scope="col" { (tr.t("work-finger")) }
                            th scope="col" { (tr.t("work-quality")) }
                            th scope="col" { (tr.t("work-institution")) }
                            th scope="col" { (tr.t("work-enrolled")) }
                        } }
                        tbody {
                            @for f in list {
                                tr {
                                    td dir="ltr" { (f.finger) }
                                    td.n { (count(l, u64::from(f.quality))) }
                                    td dir="ltr" { (f.institution) }
                                    td { (when(l, &f.enrolled_at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(w.finish(
        tr.t_with("work-file-title", &[("number", Arg::Str(&spaced(&digits)))]),
        body,
    ))
}

/// One record's fields as shown to this reader (hidden ones are already gone).
fn record_table(w: &Work, r: &RecordDto) -> Markup {
    let tr = w.tr();
    let l = w.locale();
    html! {
        table.record {
            caption { (kind_name(&tr, &r.kind)) " · " span dir="ltr" { (r.record_id) } " · " (when(l, &r.provenance.stored_at)) }
            tbody {
                @if let Some(o) = r.payload.as_object() {
                    @for (field, value) in o {
                        @if !value.is_null() && field != "unified_number" {
                            tr { th scope="row" dir="ltr" { (field) } td dir="auto" { (text(value)) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_recognised_with_spaces() {
        assert_eq!(as_number("1234 5678 9012").as_deref(), Some("123456789012"));
        assert_eq!(as_number("1234-5678-9012").as_deref(), Some("123456789012"));
        assert_eq!(as_number("Amina"), None);
        assert_eq!(as_number("12345"), None);
    }

    #[test]
    fn names_match_across_scripts() {
        let record = serde_json::json!({"given_name": "محمد", "family_name": "العلي"});
        let parts = name_parts(&record);
        let q = |s: &str| -> Vec<String> {
            marsad_names::name_key(s)
                .parts()
                .map(str::to_owned)
                .collect()
        };
        assert!(matches(&q("Mohamed"), &parts), "{parts:?}");
        assert!(matches(&q("محمد العلي"), &parts));
        assert!(!matches(&q("Sara"), &parts));
        assert!(!matches(&q(""), &parts));
    }
}
