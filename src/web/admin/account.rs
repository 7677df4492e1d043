//! One account, for administrators: its state and schools, and the changes
//! they make to it (through `ops::account_admin`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};
use crate::ops::account_admin::{self, AccountChange};
use crate::web::extract::{Admin, CsrfForm, Empty, Ids};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "admin/account.html")]
pub struct AccountPage {
    layout: Layout,
    account: db::account_admin::ManagedAccount,
    schools: Vec<db::schools::School>,
    errors: FieldErrors,
    uai: String,
    roles: [Role; 3],
    /// National administrators viewing an administrator: every académie,
    /// to choose theirs.
    all_academies: Vec<String>,
    /// The viewer manages every académie.
    national: bool,
}

impl AccountPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors
            .in_order(&["active", "role", "second_factor", "uai"])
    }
}

async fn page(
    state: &AppState,
    admin: &Admin,
    id: AccountId,
    errors: FieldErrors,
    uai: String,
) -> AppResult<AccountPage> {
    let scope = admin.scope();
    let account = db::account_admin::get(&state.db, &scope, id).await?;
    let account = account.ok_or(AppError::NotFound)?;
    let all_academies = match scope.national() && account.role == Role::Admin {
        true => {
            let db = &state.db;
            let load = async || db::queue::academies(db).await;
            state.academies.get(load).await?
        }
        false => Vec::new(),
    };
    let ids = db::accounts::school_ids(&state.db, id).await?;
    let schools = db::schools::list_by_ids(&state.db, &ids).await?;
    Ok(AccountPage {
        layout: Layout::for_actor(&admin.0),
        account,
        schools,
        errors,
        uai,
        roles: Role::ALL,
        all_academies,
        national: scope.national(),
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
) -> AppResult<AccountPage> {
    page(&state, &admin, id, FieldErrors::default(), String::new()).await
}

/// Applies a change, then back to the account's page; a refusal is shown
/// on the page with what was typed.
async fn apply(
    state: &AppState,
    admin: &Admin,
    id: AccountId,
    change: AccountChange,
    typed: String,
) -> AppResult<Response> {
    match account_admin::change(&state.ops(), &admin.scope(), id, change, Utc::now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/accounts/{id}")).into_response()),
        Err(AppError::Field(field, why)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            let page = page(state, admin, id, errors, typed).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn deactivate(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    apply(&state, &admin, id, AccountChange::Deactivate, String::new()).await
}

pub(super) async fn reactivate(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    apply(&state, &admin, id, AccountChange::Reactivate, String::new()).await
}

#[derive(Deserialize)]
pub(super) struct AttachForm {
    #[serde(default)]
    uai: String,
}

pub(super) async fn attach(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(form): CsrfForm<AttachForm>,
) -> AppResult<Response> {
    let typed: String = form.uai.trim().chars().take(20).collect();
    let change = AccountChange::Attach(typed.clone());
    apply(&state, &admin, id, change, typed).await
}

pub(super) async fn detach(
    State(state): State<AppState>,
    admin: Admin,
    Ids((id, school)): Ids<(AccountId, SchoolId)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let change = AccountChange::Detach(school);
    apply(&state, &admin, id, change, String::new()).await
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    role: String,
}

pub(super) async fn role(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> AppResult<Response> {
    let change = AccountChange::Role(form.role.chars().take(20).collect());
    apply(&state, &admin, id, change, String::new()).await
}

pub(super) async fn reset_second_factor(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let change = AccountChange::ResetSecondFactor;
    apply(&state, &admin, id, change, String::new()).await
}

#[derive(Deserialize)]
pub(super) struct AcademiesForm {
    #[serde(default)]
    academies: Vec<String>,
}

pub(super) async fn academies(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<AccountId>,
    CsrfForm(form): CsrfForm<AcademiesForm>,
) -> AppResult<Response> {
    let chosen: Vec<String> = form.academies.into_iter().take(40).collect();
    let change = AccountChange::Academies(chosen);
    apply(&state, &admin, id, change, String::new()).await
}
