//! Pages anyone can reach: home, health check, login, logout, static
//! assets, the guide and the privacy notice.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::public_layout;
use crate::app::AppState;
use crate::auth::ratelimit::ip_key;
use crate::auth::{csrf, session};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};
use crate::ops;
use crate::ops::two_factor::SecondStep;
use crate::web::extract::{ClientIp, CsrfForm, Empty};
use crate::web::layout::Layout;

/// The home page.
#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    layout: Layout,
}

pub(super) async fn home(session: Session) -> AppResult<HomePage> {
    Ok(HomePage {
        layout: public_layout(&session).await?,
    })
}

/// 200 when the database answers, 503 otherwise.
/// Ready to serve: the database and the evidence store answer (a load
/// balancer takes the node out while either does not).
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let db = sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(&state.db)
        .await;
    let storage = state.storage.check().await;
    match (db, storage) {
        (Ok(_), Ok(())) => (StatusCode::OK, "ready").into_response(),
        (db, storage) => {
            if let Err(e) = db {
                tracing::error!(error = %e, "readiness: database unreachable");
            }
            if let Err(e) = storage {
                tracing::error!(error = %format!("{e:#}"), "readiness: evidence store unreachable");
            }
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

/// Alive: the process answers and reaches its database.
pub(super) async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(&state.db)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The login page.
#[derive(Template, WebTemplate)]
#[template(path = "public/login.html")]
pub struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

pub(super) async fn show_login(session: Session) -> AppResult<LoginPage> {
    Ok(LoginPage {
        layout: public_layout(&session).await?,
        email: String::new(),
        error: None,
        notice: None,
    })
}

/// The login page with a notice above the form (after a new password).
pub(super) async fn login_with_notice(
    session: &Session,
    notice: &'static str,
) -> AppResult<Response> {
    let page = LoginPage {
        layout: public_layout(session).await?,
        email: String::new(),
        error: None,
        notice: Some(notice),
    };
    Ok(page.into_response())
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

const BAD_LOGIN: &str = "Adresse électronique ou mot de passe incorrect.";
const TOO_MANY: &str =
    "Trop de tentatives de connexion. Patientez quelques minutes avant de réessayer.";

pub(super) async fn log_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let typed = form.email.trim().to_lowercase();
    let again = |status: StatusCode, error: &'static str, csrf: String| {
        let email: String = form.email.trim().chars().take(MAX_EMAIL).collect();
        let page = LoginPage {
            layout: Layout { user: None, csrf },
            email,
            error: Some(error),
            notice: None,
        };
        (status, page).into_response()
    };
    // Budgets are spent whether or not the account exists, the wider one
    // only when the narrower ones allow the attempt: one address guessing
    // an account is slowed at once, and cannot by itself empty the
    // account's budget for every address (which a few addresses could, for
    // 15 minutes at most after they stop). The typed address is keyed by
    // its hash: whatever its length, a key is 64 bytes.
    let ip_key = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    let limits = &state.limiters;
    let account = account_key(&typed);
    let allowed = state.allow(&limits.login_ip, &ip_key).await?
        && state
            .allow(&limits.login_account, &format!("{account}|{ip_key}"))
            .await?
        && state.allow(&limits.login_account_all, &account).await?;
    let csrf = csrf::token(&session).await?;
    if !allowed {
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, TOO_MANY, csrf));
    }
    let typed = if typed.len() > MAX_EMAIL {
        ""
    } else {
        typed.as_str()
    };
    let Some((account, role)) = ops::accounts::log_in(&state.ops(), typed, form.password).await?
    else {
        return Ok(again(StatusCode::UNAUTHORIZED, BAD_LOGIN, csrf));
    };
    let next = match ops::two_factor::after_password(&state.ops(), account, role).await? {
        SecondStep::None => {
            session::log_in(&session, account).await?;
            return Ok(Redirect::to(home_of(role)).into_response());
        }
        SecondStep::Code => "/connexion/code",
        SecondStep::Enrol => "/connexion/activation",
    };
    session::begin_second_step(&session, account).await?;
    Ok(Redirect::to(next).into_response())
}

/// The longest address a login form takes (RFC 5321 allows 254).
const MAX_EMAIL: usize = 254;

/// The limiter key of a typed address: its SHA-256, so that a key's size
/// does not depend on what was typed.
fn account_key(typed: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(typed.as_bytes()))
}

/// Where a role lands after login.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::SchoolStaff => "/school",
        Role::Helpline => "/helpline",
        Role::Admin => "/admin",
    }
}

pub(super) async fn log_out(session: Session, CsrfForm(_): CsrfForm<Empty>) -> AppResult<Redirect> {
    session::log_out(&session).await?;
    Ok(Redirect::to("/login"))
}

/// The fallback: a French 404.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The guide for head teachers.
#[derive(Template, WebTemplate)]
#[template(path = "public/guide.html")]
pub struct GuidePage {
    layout: Layout,
    due_working_days: u32,
    danger_due_hours: u32,
    /// Days after which an unanswered question of e-Enfance is reminded.
    question_days: i32,
}

pub(super) async fn guide(State(state): State<AppState>, session: Session) -> AppResult<GuidePage> {
    Ok(GuidePage {
        layout: public_layout(&session).await?,
        due_working_days: state.config.reports.due_working_days,
        danger_due_hours: state.config.reports.danger_due_hours,
        question_days: state.config.queue.question_days,
    })
}

/// The privacy notice.
#[derive(Template, WebTemplate)]
#[template(path = "public/privacy.html")]
pub struct PrivacyPage {
    layout: Layout,
    /// Closed with no follow-up, then closed with one, as said.
    kept: (String, String),
}

pub(super) async fn privacy(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<PrivacyPage> {
    let r = &state.config.retention;
    Ok(PrivacyPage {
        layout: public_layout(&session).await?,
        kept: (
            crate::domain::format::delay_days(r.closed_no_follow_up_days),
            crate::domain::format::delay_days(r.closed_with_follow_up_days),
        ),
    })
}
