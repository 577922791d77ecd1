//! Clerical review over HTTP: the pairs the linkage engine could not decide, each shown side by
//! side with both records and the weight every comparison contributed, and the analyst's
//! decision: stored once, applied to the persons at once (`marsad_unify::apply_decision`:
//! accepting merges two persons, the older number surviving; rejecting splits a record off when
//! the pair was the only evidence joining them), and used as a label by the next linkage runs.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use marsad_store::{LinkReview, RecordKey, ReviewId, ReviewStatus, SourceId, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::Permit;
use crate::caller::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::records::Institutions;
use crate::AppState;

/// One side of a review pair, with the record as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRecordDto {
    pub source: String,
    pub kind: String,
    pub record_id: String,
    /// The record's current canonical values (null if it is no longer visible).
    #[schema(value_type = Object)]
    pub record: Option<serde_json::Value>,
}

/// A pair in the review queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    pub id: i64,
    /// open, accepted or rejected.
    pub status: String,
    /// The pair's match weight (log2 likelihood ratio).
    pub weight: f64,
    /// The weight each comparison contributed, as the linkage engine explained it.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
    pub left: ReviewRecordDto,
    pub right: ReviewRecordDto,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// What the decision changed (only in the answer to a decision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<AppliedDto>,
}

/// What a decision changed in the persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedDto {
    /// merged, split, joined, created, unchanged or not_split (the records stay one person
    /// because other records still join them: a person splits them by hand).
    pub action: String,
    /// The unified numbers involved (12 digits): merged: survivor then alias; split: from then
    /// new; joined and created: the person.
    pub numbers: Vec<String>,
    /// As logged in the persons' history.
    pub reason: String,
}

fn applied_dto(d: &marsad_unify::Decision) -> AppliedDto {
    use marsad_unify::Applied;
    let digits = |n: marsad_store::PersonNumber| format!("{:012}", n.0);
    let (action, numbers) = match &d.applied {
        Applied::Merged { keep, absorb } => ("merged", vec![digits(*keep), digits(*absorb)]),
        Applied::Split {
            from, new_number, ..
        } => ("split", vec![digits(*from), digits(*new_number)]),
        Applied::Joined { number, .. } => ("joined", vec![digits(*number)]),
        Applied::Created { number } => ("created", vec![digits(*number)]),
        Applied::Unchanged => ("unchanged", vec![]),
        Applied::NotSplit => ("not_split", vec![]),
    };
    AppliedDto {
        action: action.to_string(),
        numbers,
        reason: d.reason.clone(),
    }
}

/// Unified numbers for splits and new persons, from the operating system's generator.
fn system_random() -> impl FnMut() -> u64 {
    // A failing OS generator is not expected; a clock-free fallback keeps the handler from
    // panicking, and the store refuses a number issued before anyway.
    let mut fallback = 0x9e37_79b9_7f4a_7c15_u64;
    move || {
        getrandom::u64().unwrap_or_else(|_| {
            fallback = fallback
                .wrapping_mul(0x5851_f42d_4c95_7f2d)
                .wrapping_add(0x1405_7b7e_f767_814f);
            fallback
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    pub reviews: Vec<ReviewDto>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// open (default), accepted or rejected.
    pub status: Option<String>,
    pub after: Option<i64>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
}

/// The analyst's decision on a pair.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    /// true: the two records are the same person; false: they are not.
    pub accepted: bool,
}

/// Who may see a pair: both records must be within the reviewer's scope (a record of the
/// anti-trafficking authority never appears to anyone else, even in a pair).
struct Seen<'a> {
    permit: &'a Permit,
    institutions: Institutions,
    names: HashMap<SourceId, String>,
    caller: &'a Caller,
    at: marsad_store::Timestamp,
    /// The audit entries of the records shown.
    events: Vec<marsad_auth::AuditEvent>,
}

impl<'a> Seen<'a> {
    fn new(
        store: &dyn Store,
        permit: &'a Permit,
        caller: &'a Caller,
        at: marsad_store::Timestamp,
    ) -> Result<Seen<'a>, ApiError> {
        Ok(Seen {
            permit,
            institutions: Institutions::load(store)?,
            names: source_names(store)?,
            caller,
            at,
            events: Vec::new(),
        })
    }

    /// One side, or a 403 when its record is outside the caller's scope.
    fn side(&mut self, store: &dyn Store, key: RecordKey) -> Result<ReviewRecordDto, ApiError> {
        let version = store.record(key.source, &key.kind, &key.record_id)?;
        let institution = version.as_ref().and_then(|v| v.institution.clone());
        self.permit
            .admit(self.institutions.origin(institution.as_deref()))?;
        let object = match store.person_of(&key)? {
            Some(n) => marsad_auth::AuditObject {
                kind: "person".into(),
                id: format!("{:012}", n.0),
            },
            None => marsad_auth::AuditObject {
                kind: "record".into(),
                id: format!(
                    "{}/{}/{}",
                    self.names.get(&key.source).cloned().unwrap_or_default(),
                    key.kind,
                    key.record_id
                ),
            },
        };
        self.events.push(marsad_auth::AuditEvent {
            at: self.at,
            actor: self.caller.actor(),
            institution: self.caller.institution().map(str::to_string),
            action: "link-review person".into(),
            object: Some(object),
            purpose: self.permit.purpose().cloned(),
            outcome: marsad_auth::Outcome::Success,
        });
        Ok(ReviewRecordDto {
            source: self.names.get(&key.source).cloned().unwrap_or_default(),
            kind: key.kind,
            record_id: key.record_id,
            record: version.and_then(|v| serde_json::from_str(&v.payload).ok()),
        })
    }

    fn review(&mut self, store: &dyn Store, r: LinkReview) -> Result<ReviewDto, ApiError> {
        let mark = self.events.len();
        let sides = self
            .side(store, r.left)
            .and_then(|left| Ok((left, self.side(store, r.right)?)));
        let (left, right) = match sides {
            Ok(s) => s,
            Err(e) => {
                // Nothing of a refused pair is shown, so nothing of it is on the record.
                self.events.truncate(mark);
                return Err(e);
            }
        };
        Ok(ReviewDto {
            id: r.id.0,
            status: r.status.as_str().to_string(),
            weight: r.weight,
            explanation: serde_json::from_str(&r.explanation).unwrap_or(serde_json::Value::Null),
            left,
            right,
            created_at: r.created_at.to_rfc3339(),
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(|t| t.to_rfc3339()),
            applied: None,
        })
    }
}

fn source_names(store: &dyn Store) -> Result<HashMap<SourceId, String>, ApiError> {
    Ok(store
        .sources()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Pairs in the review queue, oldest first.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "linkage",
    params(ReviewQuery),
    responses(
        (status = 200, body = ReviewList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiQuery(query): ApiQuery<ReviewQuery>,
) -> Result<Json<ReviewList>, ApiError> {
    let status = match query.status.as_deref() {
        None => ReviewStatus::Open,
        Some(s) => ReviewStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!("status '{s}' is not open, accepted or rejected"))
        })?,
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let at = state.now();
    let list = state
        .blocking(move |store, _| {
            permit.grant();
            let mut seen = Seen::new(store, &permit, &caller, at)?;
            let page = store.reviews(Some(status), query.after.map(ReviewId), limit + 1)?;
            let more = page.len() > limit as usize;
            let mut last = None;
            let mut reviews = Vec::new();
            for r in page.into_iter().take(limit as usize) {
                last = Some(r.id.0);
                // Pairs outside the reviewer's scope are skipped, not refused.
                if let Ok(dto) = seen.review(store, r) {
                    reviews.push(dto);
                }
            }
            AppState::audit_all(store, &seen.events)?;
            Ok(ReviewList {
                reviews,
                next_after: if more { last } else { None },
            })
        })
        .await?;
    Ok(Json(list))
}

/// One pair, both records side by side with the comparison weights.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "linkage",
    params(("id" = i64, Path, description = "Review id")),
    responses(
        (status = 200, body = ReviewDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReviewDto>, ApiError> {
    let at = state.now();
    let dto = state
        .blocking(move |store, _| {
            let mut seen = Seen::new(store, &permit, &caller, at)?;
            let dto = seen.review(store, store.review(ReviewId(id))?)?;
            AppState::audit_all(store, &seen.events)?;
            Ok(dto)
        })
        .await?;
    Ok(Json(dto))
}

/// Decides a pair: the same person (`accepted: true`) or not, and applies the decision to the
/// persons (merge, split, or nothing; `applied` says which). A pair is decided once.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/decision", tag = "linkage",
    params(("id" = i64, Path, description = "Review id")),
    request_body = Decision,
    responses(
        (status = 200, body = ReviewDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    permit: Permit,
    ApiPath(id): ApiPath<i64>,
    crate::extract::ApiJson(decision): crate::extract::ApiJson<Decision>,
) -> Result<Json<ReviewDto>, ApiError> {
    let at = state.now();
    let dto = state
        .blocking(move |store, clock| {
            // Deciding needs seeing both records first.
            Seen::new(store, &permit, &caller, at)?.review(store, store.review(ReviewId(id))?)?;
            let mut random = system_random();
            let decided = marsad_unify::apply_decision(
                store,
                ReviewId(id),
                decision.accepted,
                &caller.name,
                clock,
                &mut random,
            )
            .map_err(|e| match e {
                marsad_unify::UnifyError::Store(e) => ApiError::from(e),
                other => ApiError::internal("applying a review decision", &other),
            })?;
            let mut seen = Seen::new(store, &permit, &caller, at)?;
            let mut dto = seen.review(store, decided.review.clone())?;
            dto.applied = Some(applied_dto(&decided));
            AppState::audit_all(store, &seen.events)?;
            Ok(dto)
        })
        .await?;
    Ok(Json(dto))
}
