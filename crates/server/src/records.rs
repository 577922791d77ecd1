//! Reading records through the policy: each row is admitted (or not) by where it came from,
//! sensitive fields are removed, direct identifiers are replaced by the person's unified number
//! when the caller's grant is pseudonymised, and every row of personal data that leaves the
//! server is written to the audit trail first (by person when the record is linked to one, so
//! "who saw this person's file" has an answer).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_auth::{AuditEvent, AuditObject, Outcome};
use marsad_model::RecordKind;
use marsad_policy::Origin;
use marsad_store::{RecordKey, RecordVersion, Store};

use crate::access::Permit;
use crate::api::limit;
use crate::caller::Caller;
use crate::dto::{RecordDto, RecordList, RecordsQuery};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// Rows read per page of an export.
const EXPORT_PAGE: u32 = 2_000;

/// Each institution's kind, by name.
pub(crate) struct Institutions(Vec<(String, String)>);

impl Institutions {
    pub(crate) fn load(store: &dyn Store) -> Result<Institutions, ApiError> {
        Ok(Institutions(
            store
                .institutions()?
                .into_iter()
                .map(|i| (i.name, i.kind))
                .collect(),
        ))
    }

    /// The origin of data submitted by `institution` (none: a source registered without one,
    /// which only grants that name no institution admit).
    pub(crate) fn origin<'a>(&'a self, institution: Option<&'a str>) -> Origin<'a> {
        let name = institution.unwrap_or("");
        let kind = self
            .0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| k.as_str())
            .unwrap_or("");
        Origin {
            institution: name,
            institution_kind: kind,
        }
    }
}

/// Whether records of `kind` are about an identifiable person.
fn personal(kind: RecordKind) -> bool {
    kind == RecordKind::Person || kind == RecordKind::CensusPerson || kind.has_person()
}

/// The rows the caller may see, shaped by their view, and the audit entries their reading makes.
pub(crate) fn shape(
    store: &dyn Store,
    state: &AppState,
    caller: &Caller,
    permit: &Permit,
    kind: RecordKind,
    versions: Vec<RecordVersion>,
    action: &str,
) -> Result<(Vec<RecordDto>, Vec<AuditEvent>), ApiError> {
    let institutions = Institutions::load(store)?;
    let grant = permit.grant();
    let purpose_given = permit.purpose().is_some();
    let now = state.now();
    let mut rows = Vec::with_capacity(versions.len());
    let mut events = Vec::new();
    for v in versions {
        let Some(view) = grant.view(
            Some(institutions.origin(v.institution.as_deref())),
            purpose_given,
        ) else {
            continue;
        };
        let number = if kind == RecordKind::Person {
            store
                .person_of(&RecordKey::new(v.source_id, &v.kind, &v.record_id))?
                .map(|n| format!("{:012}", n.0))
        } else {
            None
        };
        let object = match number.clone() {
            Some(n) => AuditObject {
                kind: "person".into(),
                id: n.clone(),
            },
            None => AuditObject {
                kind: "record".into(),
                id: format!("{}/{}/{}", v.source_name, v.kind, v.record_id),
            },
        };
        let mut dto = RecordDto::from_version(v)?;
        if let Some(fields) = dto.payload.as_object_mut() {
            for f in grant.hidden_fields(&view) {
                fields.remove(f);
            }
            if let Some(n) = number {
                fields.insert("unified_number".into(), n.into());
            }
        }
        if personal(kind) {
            events.push(AuditEvent {
                at: now,
                actor: caller.actor(),
                institution: caller.institution().map(str::to_string),
                action: format!("{action} {} ({})", kind.as_str(), view.rule),
                object: Some(object),
                purpose: permit.purpose().cloned(),
                outcome: Outcome::Success,
            });
        }
        rows.push(dto);
    }
    if !personal(kind) {
        events.push(AuditEvent {
            at: now,
            actor: caller.actor(),
            institution: caller.institution().map(str::to_string),
            action: format!("{action} {} ({} rows)", kind.as_str(), rows.len()),
            object: Some(AuditObject {
                kind: "records".into(),
                id: kind.as_str().into(),
            }),
            purpose: permit.purpose().cloned(),
            outcome: Outcome::Success,
        });
    }
    Ok((rows, events))
}

fn kind_of(name: &str) -> Result<RecordKind, ApiError> {
    RecordKind::parse(name)
        .filter(|k| k.as_str() == name)
        .ok_or_else(|| {
            ApiError::not_found("no record kind has this name (see docs/record-kinds.md)")
        })
}

/// Current records of one kind, with provenance: only rows within the caller's scope, shaped by
/// the policy (hidden fields, pseudonymised identifiers), every row's reading audited.
#[utoipa::path(get, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = "Record kind, e.g. person"), RecordsQuery),
    responses(
        (status = 200, body = RecordList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn records(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(query): ApiQuery<RecordsQuery>,
) -> Result<Json<RecordList>, ApiError> {
    let limit = limit(query.limit, 100, 10_000)?;
    let kind = kind_of(&kind)?;
    let st = state.clone();
    let (records, next_after) = state
        .blocking(move |store, _| {
            let (versions, next) = store.records(kind.as_str(), query.after, limit)?;
            let (rows, events) = shape(store, &st, &caller, &permit, kind, versions, "read")?;
            AppState::audit_all(store, &events)?;
            Ok((rows, next))
        })
        .await?;
    Ok(Json(RecordList {
        records,
        next_after,
    }))
}

fn csv_line(out: &mut Vec<u8>, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if c.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(c.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(c.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Every current record of one kind within the caller's scope, as CSV (UTF-8, header row; the
/// canonical fields, then `unified_number`, `source`, `institution`). Streamed page by page;
/// each page is audited before it is sent.
#[utoipa::path(get, path = "/api/v1/records/{kind}/export", tag = "records",
    params(("kind" = String, Path, description = "Record kind, e.g. person")),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(kind): ApiPath<String>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    permit.grant();
    let mut columns: Vec<String> = kind.fields().iter().map(|f| f.name.to_string()).collect();
    columns.extend(kind.derived_fields().iter().map(|f| f.to_string()));
    {
        let grant = permit.grant();
        // Columns no row can show are left out (hidden fields, identifiers of a pseudonymised
        // grant without any identity clause).
        let identity_possible = grant.clauses.iter().any(|c| c.rule.identity);
        columns.retain(|c| {
            !grant.hidden.contains(&c.as_str())
                && (identity_possible || !grant.identifiers.iter().any(|i| i == c))
        });
    }
    columns.extend(["unified_number", "source", "institution"].map(String::from));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        let Some(store) = st.store.get() else { return };
        let mut head = Vec::new();
        csv_line(&mut head, &columns);
        if tx.blocking_send(Ok(head)).is_err() {
            return;
        }
        let mut after = None;
        loop {
            let page = store
                .records(kind.as_str(), after, EXPORT_PAGE)
                .map_err(ApiError::from)
                .and_then(|(versions, next)| {
                    let (rows, events) = shape(
                        store.as_ref(),
                        &st,
                        &caller,
                        &permit,
                        kind,
                        versions,
                        "export",
                    )?;
                    AppState::audit_all(store.as_ref(), &events)?;
                    Ok((rows, next))
                });
            let (rows, next) = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(code = e.code.as_str(), "export stopped");
                    let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
                    return;
                }
            };
            let mut chunk = Vec::new();
            for r in rows {
                let cells: Vec<String> = columns
                    .iter()
                    .map(|c| match c.as_str() {
                        "source" => r.provenance.source.clone(),
                        "institution" => r.provenance.institution.clone().unwrap_or_default(),
                        other => match r.payload.get(other) {
                            None | Some(serde_json::Value::Null) => String::new(),
                            Some(serde_json::Value::String(s)) => s.clone(),
                            Some(v) => v.to_string(),
                        },
                    })
                    .collect();
                csv_line(&mut chunk, &cells);
            }
            if tx.blocking_send(Ok(chunk)).is_err() {
                return;
            }
            match next {
                Some(n) => after = Some(n),
                None => return,
            }
        }
    });
    let stream = futures_stream(rx);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", kind.as_str()),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The receiving end of the export channel as a body stream.
fn futures_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    struct Rx(tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Rx {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0.poll_recv(cx)
        }
    }
    let _ = &mut rx;
    Rx(rx)
}
