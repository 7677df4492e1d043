//! The e-Enfance helpline desk: the queue of referred cases and the actions
//! of the 2011 procedure (advice, platform requests, Pharos, interventions,
//! questions to the school, return).

mod bulk;
mod case_actions;
mod case_notes;
mod platforms;
mod queue;
mod supervision;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::auth::Actor;
use crate::auth::session::AdminScope;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// The desk's pages about the whole service (supervision, platforms):
/// helpline agents and national administrators; others get a 404.
fn supervisor(actor: &Actor) -> AppResult<()> {
    let national_admin = AdminScope::of(actor).is_some_and(|s| s.national());
    match actor.role == Role::Helpline || national_admin {
        true => Ok(()),
        false => Err(AppError::NotFound),
    }
}

/// Helpline routes.
pub fn router() -> Router<AppState> {
    use case_actions as a;
    Router::new()
        .route("/helpline", get(queue::queue))
        .route("/helpline/selection", post(bulk::bulk))
        .route("/helpline/supervision", get(supervision::show))
        .route("/helpline/supervision.csv", get(supervision::csv))
        .route("/helpline/plateformes", get(platforms::show))
        .route("/helpline/plateformes.csv", get(platforms::csv))
        .route("/helpline/cases/{id}", get(a::show_case))
        .route("/helpline/cases/{id}/claim", post(a::claim))
        .route("/helpline/cases/{id}/release", post(a::release))
        .route("/helpline/cases/{id}/reassign", post(a::reassign))
        .route("/helpline/cases/{id}/advice", post(a::advise))
        .route("/helpline/cases/{id}/requests", post(a::add_request))
        .route(
            "/helpline/cases/{id}/requests/{request}/outcome",
            post(a::record_outcome),
        )
        .route("/helpline/cases/{id}/escalation", post(a::escalate))
        .route(
            "/helpline/cases/{id}/intervention",
            post(a::propose_intervention),
        )
        .route("/helpline/cases/{id}/question", post(a::ask_school))
        .route("/helpline/cases/{id}/return", post(a::return_case))
        .route(
            "/helpline/cases/{id}/internal-notes",
            post(case_notes::add_internal_note),
        )
        .route(
            "/helpline/cases/{id}/evidence",
            post(case_notes::add_evidence),
        )
}
