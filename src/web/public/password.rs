//! "Mot de passe oublié ?": the address typed (the same answer whether an
//! account has it or not, attempts limited per address and per IP), then
//! the link from the mail, which opens a form; only its POST uses the link.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

use super::public_layout;
use crate::app::AppState;
use crate::auth::ratelimit::ip_key;
use crate::error::{AppError, AppResult};
use crate::ops::passwords::{self, NewPassword};
use crate::web::extract::{ClientIp, CsrfForm};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "public/forgot.html")]
pub struct ForgotPage {
    layout: Layout,
    /// After the POST: the same sentence for every address.
    sent: bool,
    refused: Option<&'static str>,
}

pub(super) async fn show_forgot(session: Session) -> AppResult<ForgotPage> {
    Ok(ForgotPage {
        layout: public_layout(&session).await?,
        sent: false,
        refused: None,
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn forgot(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    let typed: String = form.email.trim().to_lowercase().chars().take(254).collect();
    let ip_key = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    let limits = &state.limiters;
    let ip_ok = state.allow(&limits.reset_ip, &ip_key).await?;
    let address_ok = state.allow(&limits.reset_account, &typed).await?;
    let layout = public_layout(&session).await?;
    if !(ip_ok && address_ok) {
        let page = ForgotPage {
            layout,
            sent: false,
            refused: Some("Trop de demandes. Patientez quelques minutes avant de réessayer."),
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    passwords::request_reset(&state.ops(), &typed, Utc::now()).await?;
    let page = ForgotPage {
        layout,
        sent: true,
        refused: None,
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public/reset.html")]
pub struct ResetPage {
    layout: Layout,
    token: String,
    /// The link is used or expired.
    gone: bool,
    errors: FieldErrors,
}

impl ResetPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["password", "confirm"])
    }
}

pub(super) async fn show_reset(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid =
        token.len() <= 64 && passwords::reset_link_valid(&state.ops(), &token, Utc::now()).await?;
    let page = ResetPage {
        layout: public_layout(&session).await?,
        token,
        gone: !valid,
        errors: FieldErrors::default(),
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn reset(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let new = NewPassword {
        password: form.password,
        confirm: form.confirm,
    };
    let layout = public_layout(&session).await?;
    let page = |gone: bool, errors: FieldErrors| ResetPage {
        layout,
        token: token.clone(),
        gone,
        errors,
    };
    if token.len() > 64 {
        return Ok((StatusCode::GONE, page(true, FieldErrors::default())).into_response());
    }
    match passwords::reset(&state.ops(), &token, new, Utc::now()).await {
        Ok(_) => Ok(super::home::login_with_notice(&session, "Votre mot de passe est enregistré ; vos autres sessions sont fermées. Connectez-vous avec le nouveau.").await?),
        Err(AppError::NotFound) => {
            Ok((StatusCode::GONE, page(true, FieldErrors::default())).into_response())
        }
        Err(AppError::Field(field, why)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(false, errors)).into_response())
        }
        Err(e) => Err(e),
    }
}
