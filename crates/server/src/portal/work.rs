//! The workspaces of signed-in users, per role and scope (data officers, analysts, case workers,
//! administrators).

use axum::routing::MethodRouter;

use crate::access::Endpoint;
use crate::AppState;

/// The workspace pages' routes, added to the server's route table.
pub(crate) fn routes() -> Vec<(Endpoint, MethodRouter<AppState>)> {
    Vec::new()
}
