//! Who is calling. The single place where authentication will plug in: today every caller is
//! the anonymous API client `api`; a later issue replaces [`Caller::from_request_parts`] with
//! token and session checks, and every handler that records a caller already takes a [`Caller`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;

/// The identity recorded as `submitted_by` (a user or token name, never data about migrants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller {
            name: "api".to_string(),
        })
    }
}
