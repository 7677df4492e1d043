//! School leadership: dashboard, opening a case, the case page and its
//! actions, the inbox of public reports.

mod access_log;
mod case_actions;
mod case_corrections;
mod case_form;
mod dashboard;
mod figures;
mod inbox;
mod open_case;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// School routes.
pub fn router() -> Router<AppState> {
    use case_actions as a;
    use case_corrections as c;
    Router::new()
        .route(
            "/school",
            get(dashboard::dashboard).post(dashboard::search_dashboard),
        )
        .route("/school/chiffres", get(figures::show))
        .route("/school/chiffres.csv", get(figures::csv))
        .route("/school/cases/new", get(open_case::new_case))
        .route("/school/cases", post(open_case::create_case))
        .route("/school/cases/{id}", get(a::show_case))
        .route(
            "/school/cases/{id}/consultations",
            get(access_log::access_log),
        )
        .route("/school/cases/{id}/notes", post(a::add_note))
        .route("/school/cases/{id}/evidence", post(a::add_evidence))
        .route("/school/cases/{id}/targets", post(a::add_target))
        .route("/school/cases/{id}/close", post(a::close_case))
        .route("/school/cases/{id}/reopen", post(a::reopen_case))
        .route("/school/cases/{id}/refer", post(a::refer_case))
        .route("/school/cases/{id}/withdraw", post(a::withdraw_case))
        .route("/school/cases/{id}/answer", post(a::answer_question))
        .route("/school/cases/{id}/sanctions", post(a::add_sanction))
        .route("/school/cases/{id}/legal-hold", post(a::set_legal_hold))
        .route("/school/cases/{id}/attach", post(a::attach_from_report))
        .route("/school/cases/{id}/correct", post(c::correct_case))
        .route("/school/cases/{id}/authors", post(c::add_author))
        .route(
            "/school/cases/{id}/interventions",
            post(c::answer_intervention),
        )
        .route("/school/reports", get(inbox::inbox))
        .route("/school/reports/{id}", get(inbox::show_report))
        .route("/school/reports/{id}/decline", post(inbox::decline))
        .route(
            "/school/reports/{id}/messages",
            post(inbox::write_to_reporter),
        )
        .route("/school/reports/{id}/evidence/{file}", get(inbox::download))
}
