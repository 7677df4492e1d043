//! Pages anyone can reach: home, health check, login, logout, static assets.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::ClientIp;
use super::layout::Layout;
use crate::app::AppState;
use crate::auth::csrf::{self, CsrfForm};
use crate::auth::password;
use crate::auth::ratelimit::ip_key;
use crate::auth::session;
use crate::db;
use crate::db::audit::Outcome;
use crate::domain::status::Role;
use crate::domain::values::EmailAddress;
use crate::error::{AppError, AppResult};

/// Public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/login", get(show_login).post(log_in))
        .route("/logout", post(log_out))
        .route("/static/{*path}", get(static_file))
}

/// The home page.
#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    layout: Layout,
}

async fn home(session: Session) -> AppResult<HomePage> {
    Ok(HomePage {
        layout: Layout {
            user: None,
            csrf: csrf::token(&session).await?,
        },
    })
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
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
}

async fn show_login(session: Session) -> AppResult<LoginPage> {
    Ok(LoginPage {
        layout: Layout {
            user: None,
            csrf: csrf::token(&session).await?,
        },
        email: String::new(),
        error: None,
    })
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

async fn log_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let typed = form.email.trim().to_lowercase();
    let again = |status: StatusCode, error: &'static str, csrf: String| {
        (
            status,
            LoginPage {
                layout: Layout { user: None, csrf },
                email: form.email.trim().to_owned(),
                error: Some(error),
            },
        )
            .into_response()
    };
    // Both budgets are spent whether or not the account exists.
    let ip_ok = state
        .limiters
        .login_ip
        .check(&ip.map(ip_key).unwrap_or_else(|| "unknown".into()));
    let account_ok = state.limiters.login_account.check(&typed);
    let csrf = csrf::token(&session).await?;
    if !(ip_ok && account_ok) {
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, TOO_MANY, csrf));
    }
    let found = match EmailAddress::parse(&typed) {
        Ok(email) => db::accounts::find_for_login(&state.db, &email).await?,
        Err(_) => None,
    };
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let verified = password::verify_password(form.password.clone(), hash).await?;
    let account = match (found, verified) {
        (Some((id, _)), true) => id,
        (found, _) => {
            let id = found.map(|(id, _)| id);
            db::audit::record(
                &state.db,
                id,
                "login",
                "account",
                id.map(|id| id.0),
                Outcome::Denied,
            )
            .await?;
            return Ok(again(StatusCode::UNAUTHORIZED, BAD_LOGIN, csrf));
        }
    };
    session::log_in(&session, account).await?;
    db::audit::record(
        &state.db,
        Some(account),
        "login",
        "account",
        Some(account.0),
        Outcome::Ok,
    )
    .await?;
    let role = db::accounts::load_actor(&state.db, account)
        .await?
        .map(|a| a.role)
        .ok_or(AppError::Unauthenticated)?;
    Ok(Redirect::to(home_of(role)).into_response())
}

/// Where a role lands after login.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::SchoolStaff => "/school",
        Role::Helpline => "/helpline",
        Role::Admin => "/admin",
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn log_out(session: Session, CsrfForm(_): CsrfForm<Empty>) -> AppResult<Redirect> {
    session::log_out(&session).await?;
    Ok(Redirect::to("/login"))
}

/// The fallback: a French 404.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Assets are compiled into the binary: one file to deploy.
const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "css/vigie.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/vigie.css"),
    ),
    (
        "js/vigie.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/vigie.js"),
    ),
];

async fn static_file(Path(path): Path<String>) -> Response {
    match STATIC_FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}
