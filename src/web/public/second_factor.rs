//! The second step of signing in, after a right password: a code from the
//! authenticator app (or a recovery code), or, for an account that has none
//! yet, enrolling one (QR code and secret, a first code, then the recovery
//! codes shown once). Code attempts are limited per account and per IP.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

use super::home::home_of;
use super::public_layout;
use crate::app::AppState;
use crate::auth::ratelimit::ip_key;
use crate::auth::session;
use crate::domain::ids::AccountId;
use crate::error::{AppError, AppResult};
use crate::ops::two_factor;
use crate::web::account::RecoveryCodesPage;
use crate::web::extract::{ClientIp, CsrfForm};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

/// The code page.
#[derive(Template, WebTemplate)]
#[template(path = "public/second_factor.html")]
pub struct CodePage {
    layout: Layout,
    errors: FieldErrors,
}

impl CodePage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["code"])
    }
}

/// The account waiting for its second step; otherwise `Unauthenticated`,
/// which sends back to the login page.
async fn waiting(session: &Session) -> AppResult<AccountId> {
    session::second_step(session)
        .await?
        .ok_or(AppError::Unauthenticated)
}

pub(super) async fn show_code(session: Session) -> AppResult<Response> {
    waiting(&session).await?;
    let page = CodePage {
        layout: public_layout(&session).await?,
        errors: FieldErrors::default(),
    };
    Ok(page.into_response())
}

/// The code form (enrolment and login).
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Whether a code may be tried now for `account` from `ip`.
async fn allowed(
    state: &AppState,
    account: AccountId,
    ip: Option<std::net::IpAddr>,
) -> AppResult<bool> {
    let ip = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    let limits = &state.limiters;
    Ok(state.allow(&limits.code_ip, &ip).await?
        && state
            .allow(&limits.code_account, &account.0.to_string())
            .await?)
}

use crate::web::account::TOO_MANY;

pub(super) async fn check_code(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let id = waiting(&session).await?;
    let again = async |status: StatusCode, why: &str| -> AppResult<Response> {
        let mut errors = FieldErrors::default();
        errors.add("code", why);
        let layout = public_layout(&session).await?;
        Ok((status, CodePage { layout, errors }).into_response())
    };
    if !allowed(&state, id, ip).await? {
        return again(StatusCode::TOO_MANY_REQUESTS, TOO_MANY).await;
    }
    let typed: String = form.code.chars().take(32).collect();
    let Some(verified) = two_factor::verify(&state.ops(), id, &typed, Utc::now()).await? else {
        let why = "Ce code n'est pas valable (erreur de saisie, code expiré ou déjà utilisé). Saisissez le code affiché maintenant par votre application.";
        return again(StatusCode::UNAUTHORIZED, why).await;
    };
    session::log_in(&session, id).await?;
    let home = home_of(verified.role);
    match verified.recovery_left {
        None => Ok(Redirect::to(home).into_response()),
        Some(left) => {
            let layout = public_layout(&session).await?;
            let page = RecoveryUsedPage { layout, left, home };
            Ok(page.into_response())
        }
    }
}

/// After a recovery code: how many are left and what to do.
#[derive(Template, WebTemplate)]
#[template(path = "public/recovery_used.html")]
pub struct RecoveryUsedPage {
    layout: Layout,
    left: i64,
    home: &'static str,
}

/// The enrolment page.
#[derive(Template, WebTemplate)]
#[template(path = "public/enrol.html")]
pub struct EnrolPage {
    layout: Layout,
    enrolment: two_factor::Enrolment,
    errors: FieldErrors,
}

impl EnrolPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["code"])
    }

    /// The QR code's SVG element, without its XML declaration.
    fn qr(&self) -> &str {
        let svg = &self.enrolment.qr_svg;
        svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..])
    }
}

/// The enrolment page of `id` with `errors`; to the code page when it is
/// enrolled already.
async fn enrol_page(
    state: &AppState,
    session: &Session,
    id: AccountId,
    status: StatusCode,
    errors: FieldErrors,
) -> AppResult<Response> {
    let Some(enrolment) = two_factor::enrolment(&state.ops(), id).await? else {
        return Ok(Redirect::to("/connexion/code").into_response());
    };
    let layout = public_layout(session).await?;
    let page = EnrolPage {
        layout,
        enrolment,
        errors,
    };
    Ok((status, page).into_response())
}

pub(super) async fn show_enrol(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Response> {
    let id = waiting(&session).await?;
    enrol_page(&state, &session, id, StatusCode::OK, FieldErrors::default()).await
}

pub(super) async fn enrol(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let id = waiting(&session).await?;
    let mut errors = FieldErrors::default();
    if !allowed(&state, id, ip).await? {
        errors.add("code", TOO_MANY);
        return enrol_page(&state, &session, id, StatusCode::TOO_MANY_REQUESTS, errors).await;
    }
    let typed: String = form.code.chars().take(32).collect();
    let ops = state.ops();
    match two_factor::confirm(&ops, id, &typed, Utc::now()).await {
        Ok((role, codes)) => {
            session::log_in(&session, id).await?;
            let layout = public_layout(&session).await?;
            let next = home_of(role);
            Ok(RecoveryCodesPage {
                layout,
                codes,
                next,
            }
            .into_response())
        }
        Err(AppError::Field(field, why)) => {
            errors.add(field, why);
            enrol_page(
                &state,
                &session,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(AppError::NotFound) => Ok(Redirect::to("/connexion/code").into_response()),
        Err(e) => Err(e),
    }
}
