//! Inviting someone to Vigie (the form, then the account's page), sending
//! an invitation again and cancelling it (through `ops::invitations`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};
use crate::ops::invitations::{self, Invitation};
use crate::web::extract::{Admin, CsrfForm, Empty, Ids};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

/// The invitation form.
#[derive(Template, WebTemplate)]
#[template(path = "admin/invite.html")]
pub struct InvitePage {
    layout: Layout,
    form: InviteForm,
    errors: FieldErrors,
    roles: [Role; 3],
}

impl InvitePage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors
            .in_order(&["email", "display_name", "role", "schools"])
    }
}

/// What the form sends.
#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    schools: String,
}

pub(super) async fn show(admin: Admin) -> InvitePage {
    InvitePage {
        layout: Layout::for_actor(&admin.0),
        form: InviteForm {
            role: Role::SchoolStaff.as_str().into(),
            ..InviteForm::default()
        },
        errors: FieldErrors::default(),
        roles: Role::ALL,
    }
}

pub(super) async fn invite(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let form = InviteForm {
        email: cut(&form.email, 254),
        display_name: cut(&form.display_name, 200),
        role: cut(&form.role, 20),
        schools: cut(&form.schools, 400),
    };
    let invitation = Invitation {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        schools: form.schools.clone(),
    };
    match invitations::invite(&state.ops(), &admin.scope(), &invitation, Utc::now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/accounts/{id}")).into_response()),
        Err(AppError::Field(field, why)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            let page = InvitePage {
                layout: Layout::for_actor(&admin.0),
                form,
                errors,
                roles: Role::ALL,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn resend(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    invitations::resend(&state.ops(), &admin.scope(), id, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}

pub(super) async fn cancel(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    invitations::cancel(&state.ops(), &admin.scope(), id, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/accounts/{id}")))
}
