//! "Mon compte", for every logged-in role: who the account is, changing the
//! password (the current one required), the second factor (new recovery
//! codes with a current code; enrolling where it is optional) and ending
//! every session.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

use super::extract::{CsrfForm, Empty};
use super::forms::FieldErrors;
use super::layout::Layout;
use crate::app::AppState;
use crate::auth::{Actor, session};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ops::passwords::{self, NewPassword};
use crate::ops::two_factor;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/compte", get(show))
        .route("/compte/mot-de-passe", post(change_password))
        .route("/compte/sessions", post(end_sessions))
        .route("/compte/codes-de-secours", post(renew_codes))
        .route("/compte/deux-etapes", post(enrol))
}

/// Recovery codes, shown once (after enrolment, or renewed here).
#[derive(Template, WebTemplate)]
#[template(path = "public/recovery_codes.html")]
pub struct RecoveryCodesPage {
    /// The page's layout.
    pub layout: Layout,
    /// The codes.
    pub codes: Vec<String>,
    /// Where "continue" goes.
    pub next: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    actor: Actor,
    email: String,
    schools: Vec<db::schools::School>,
    errors: FieldErrors,
    changed: bool,
    factor: Option<db::two_factor::Factor>,
}

impl AccountPage {
    async fn load(state: &AppState, actor: Actor, errors: FieldErrors) -> AppResult<AccountPage> {
        let owner = db::accounts::owner(&state.db, Some(actor.id), None).await?;
        let owner = owner.ok_or(AppError::Unauthenticated)?;
        let schools = db::schools::list_by_ids(&state.db, &actor.schools).await?;
        let factor = db::two_factor::factor(&state.db, actor.id).await?;
        Ok(AccountPage {
            factor: factor.filter(|f| f.enrolled_at.is_some()),
            layout: Layout::for_actor(&actor),
            actor,
            email: owner.email,
            schools,
            errors,
            changed: false,
        })
    }

    /// The page again with `why` on `field` (nothing was changed).
    async fn refused(
        state: &AppState,
        actor: Actor,
        field: &'static str,
        why: String,
    ) -> AppResult<Response> {
        let mut errors = FieldErrors::default();
        errors.add(field, why);
        let page = AccountPage::load(state, actor, errors).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    }

    fn error_list(&self) -> Vec<(String, String)> {
        self.errors
            .in_order(&["current", "password", "confirm", "code"])
    }
}

async fn show(State(state): State<AppState>, actor: Actor) -> AppResult<AccountPage> {
    AccountPage::load(&state, actor, FieldErrors::default()).await
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    session: Session,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    let new = NewPassword {
        password: form.password,
        confirm: form.confirm,
    };
    let done = passwords::change(&state.ops(), &actor, form.current, new, Utc::now()).await;
    match done {
        Ok(()) => {
            // Every other session ended; this one starts again.
            session::log_in(&session, actor.id).await?;
            let mut actor = actor;
            actor.csrf = crate::auth::csrf::token(&session).await?;
            let mut page = AccountPage::load(&state, actor, FieldErrors::default()).await?;
            page.changed = true;
            Ok(page.into_response())
        }
        Err(AppError::Field(field, why)) => AccountPage::refused(&state, actor, field, why).await,
        Err(e) => Err(e),
    }
}

async fn end_sessions(
    State(state): State<AppState>,
    actor: Actor,
    session: Session,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    passwords::end_all_sessions(&state.ops(), &actor, Utc::now()).await?;
    session::log_out(&session).await?;
    Ok(Redirect::to("/login"))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn renew_codes(
    State(state): State<AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let typed: String = form.code.chars().take(32).collect();
    let allowed = state
        .allow(&state.limiters.code_account, &actor.id.0.to_string())
        .await?;
    let done = match allowed {
        true => two_factor::renew_recovery_codes(&state.ops(), actor.id, &typed, Utc::now()).await,
        false => Err(AppError::Field("code", TOO_MANY.into())),
    };
    match done {
        Ok(codes) => {
            let layout = Layout::for_actor(&actor);
            let next = "/compte";
            Ok(RecoveryCodesPage {
                layout,
                codes,
                next,
            }
            .into_response())
        }
        Err(AppError::Field(field, why)) => AccountPage::refused(&state, actor, field, why).await,
        Err(e) => Err(e),
    }
}

/// The refusal when too many codes were tried.
pub(crate) const TOO_MANY: &str =
    "Trop de codes essayés. Patientez quelques minutes avant de réessayer.";

/// Enrolling where the second factor is optional: the session goes back
/// to the second step of a login, which enrols and signs in again.
async fn enrol(
    actor: Actor,
    session: Session,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    session::begin_second_step(&session, actor.id).await?;
    Ok(Redirect::to("/connexion/activation"))
}
