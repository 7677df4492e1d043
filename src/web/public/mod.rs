//! What anyone can reach without an account: home, login, the guide, the
//! privacy notice, the report form and the follow-up of a report.

mod follow_up;
mod home;
mod invitation;
mod legal;
mod password;
mod report;
mod report_form;
mod second_factor;
mod verification;

use axum::Router;
use axum::routing::{get, post};
use tower_sessions::Session;

pub use home::not_found;
pub use legal::AXE_CHECKED_PAGES;

use crate::app::AppState;
use crate::auth::csrf;
use crate::error::AppResult;
use crate::web::layout::Layout;

/// Public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(home::healthz))
        .route("/readyz", get(home::readyz))
        .route("/login", get(home::show_login).post(home::log_in))
        .route("/logout", post(home::log_out))
        .route(
            "/connexion/code",
            get(second_factor::show_code).post(second_factor::check_code),
        )
        .route(
            "/connexion/activation",
            get(second_factor::show_enrol).post(second_factor::enrol),
        )
        .route(
            "/mot-de-passe-oublie",
            get(password::show_forgot).post(password::forgot),
        )
        .route("/static/{*path}", get(crate::web::assets::serve))
        .route("/guide", get(home::guide))
        .route("/confidentialite", get(home::privacy))
        .route("/mentions-legales", get(legal::legal_notices))
        .route(
            "/verification",
            get(verification::show).post(verification::check),
        )
        .route("/accessibilite", get(legal::accessibility))
        .route("/signaler", get(report::find_school))
        .route("/signaler/etablissements", get(report::school_suggestions))
        .route(
            "/signaler/{uai}",
            get(report::report_form).post(report::submit_report),
        )
        .route(
            "/suivi",
            get(follow_up::follow_up_form).post(follow_up::open_follow_up),
        )
        .route(
            "/suivi/signalement",
            get(follow_up::follow_up).post(follow_up::add_information),
        )
        .route("/suivi/fermer", post(follow_up::close_follow_up))
}

/// Public routes that change an account: a new password ends its other
/// sessions, an accepted invitation opens it.
pub fn account_router() -> Router<AppState> {
    Router::new()
        .route(
            "/mot-de-passe/{token}",
            get(password::show_reset).post(password::reset),
        )
        .route(
            "/invitation/{token}",
            get(invitation::show).post(invitation::accept),
        )
}

/// The layout of a page seen without an account (its forms still carry the
/// session's CSRF token).
async fn public_layout(session: &Session) -> AppResult<Layout> {
    Ok(Layout {
        user: None,
        csrf: csrf::token(session).await?,
    })
}
