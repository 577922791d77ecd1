//! The public portal's pages (no sign-in): home dashboard, indicator pages, the data explorer,
//! maps and downloads. Only published, disclosure-protected figures appear.

use axum::routing::MethodRouter;

use crate::access::Endpoint;
use crate::AppState;

/// The public pages' routes, added to the server's route table.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    Vec::new()
}
