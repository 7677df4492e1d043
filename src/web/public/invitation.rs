//! The link of an invitation: a form to choose a first password (opening
//! it changes nothing; only its POST uses the link), then straight to
//! enrolling the second factor.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

use super::home::home_of;
use super::public_layout;
use crate::app::AppState;
use crate::auth::session;
use crate::error::{AppError, AppResult};
use crate::ops::invitations;
use crate::ops::passwords::NewPassword;
use crate::ops::two_factor::{self, SecondStep};
use crate::web::extract::CsrfForm;
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "public/invitation.html")]
pub struct InvitationPage {
    layout: Layout,
    token: String,
    /// The address invited; none when the link is used or expired.
    email: Option<String>,
    errors: FieldErrors,
}

impl InvitationPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["password", "confirm"])
    }
}

/// Tokens are 43 characters; anything much longer is not one.
const MAX_TOKEN: usize = 64;

pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let email = match token.len() <= MAX_TOKEN {
        true => invitations::link_for(&state.ops(), &token, Utc::now()).await?,
        false => None,
    };
    let status = match email {
        Some(_) => StatusCode::OK,
        None => StatusCode::GONE,
    };
    let page = InvitationPage {
        layout: public_layout(&session).await?,
        token,
        email,
        errors: FieldErrors::default(),
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn accept(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> AppResult<Response> {
    let ops = state.ops();
    let now = Utc::now();
    let gone = async |session: &Session, token: String| -> AppResult<Response> {
        let layout = public_layout(session).await?;
        let page = InvitationPage {
            layout,
            token,
            email: None,
            errors: FieldErrors::default(),
        };
        Ok((StatusCode::GONE, page).into_response())
    };
    if token.len() > MAX_TOKEN {
        return gone(&session, token).await;
    }
    let new = NewPassword {
        password: form.password,
        confirm: form.confirm,
    };
    let (id, role) = match invitations::accept(&ops, &token, new, now).await {
        Ok(accepted) => accepted,
        Err(AppError::NotFound) => return gone(&session, token).await,
        Err(AppError::Field(field, why)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            let email = invitations::link_for(&ops, &token, now).await?;
            let layout = public_layout(&session).await?;
            let page = InvitationPage {
                layout,
                token,
                email,
                errors,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e),
    };
    if two_factor::after_password(&ops, id, role).await? == SecondStep::None {
        session::log_in(&session, id).await?;
        return Ok(Redirect::to(home_of(role)).into_response());
    }
    session::begin_second_step(&session, id).await?;
    Ok(Redirect::to("/connexion/activation").into_response())
}
