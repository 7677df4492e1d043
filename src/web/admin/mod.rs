//! Administrators: schools, accounts and national counts; no case content.

mod account;
mod audit;
mod invitations;
mod lists;
mod schools;
mod stat_tables;
mod statistics;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::db;
use crate::domain::status::CaseStatus;
use crate::error::AppResult;
use crate::ops;
use crate::web::extract::{Admin, CsrfForm, Empty, Ids};
use crate::web::layout::Layout;

/// Admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/schools", get(lists::schools))
        .route(
            "/admin/schools/import",
            get(schools::show_import).post(schools::import),
        )
        .route(
            "/admin/schools/{id}",
            get(schools::show).post(schools::edit),
        )
        .route("/admin/schools/{id}/close", post(schools::close))
        .route("/admin/schools/{id}/reopen", post(schools::reopen))
        .route("/admin/audit", get(audit::trail))
        .route("/admin/statistiques", get(statistics::show))
        .route("/admin/statistiques.csv", get(statistics::csv))
        .route("/admin/accounts", get(lists::accounts))
        .route(
            "/admin/accounts/new",
            get(invitations::show).post(invitations::invite),
        )
        .route("/admin/accounts/{id}", get(account::show))
        .route("/admin/accounts/{id}/invitation", post(invitations::resend))
        .route(
            "/admin/accounts/{id}/invitation/cancel",
            post(invitations::cancel),
        )
        .route("/admin/accounts/{id}/role", post(account::role))
        .route("/admin/accounts/{id}/academies", post(account::academies))
        .route(
            "/admin/accounts/{id}/second-factor/reset",
            post(account::reset_second_factor),
        )
        .route("/admin/accounts/{id}/deactivate", post(account::deactivate))
        .route("/admin/accounts/{id}/reactivate", post(account::reactivate))
        .route("/admin/accounts/{id}/schools", post(account::attach))
        .route(
            "/admin/accounts/{id}/schools/{school}/detach",
            post(account::detach),
        )
        .route("/admin/mail", get(mail))
        .route("/admin/mail/{id}/retry", post(retry_mail))
}

/// The overview.
#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
pub struct OverviewPage {
    layout: Layout,
    /// The académies managed (none: national).
    academies: Vec<String>,
    schools: i64,
    accounts: i64,
    counts: Vec<(CaseStatus, i64)>,
    alerts: Vec<db::integrity::Alert>,
    alert_count: i64,
    last_verification: Option<db::integrity::Run>,
}

impl OverviewPage {
    fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

async fn overview(State(state): State<AppState>, admin: Admin) -> AppResult<OverviewPage> {
    let scope = admin.scope();
    let (schools, accounts, counts, (alerts, alert_count), last_verification) = tokio::try_join!(
        db::stats::count_schools(&state.db, &scope),
        db::stats::count_accounts(&state.db, &scope),
        db::stats::cases_by_status(&state.db, &scope),
        db::integrity::alerts(&state.db, 50),
        db::integrity::last_run(&state.db),
    )?;
    // The evidence store's integrity is the national administrators' concern.
    let national = scope.national();
    let (alerts, alert_count) = match national {
        true => (alerts, alert_count),
        false => (Vec::new(), 0),
    };
    Ok(OverviewPage {
        layout: Layout::for_actor(&admin.0),
        academies: admin.0.academies.clone(),
        schools,
        accounts,
        counts,
        alerts,
        alert_count,
        last_verification: last_verification.filter(|_| national),
    })
}

/// Mail waiting or dead, with retry.
#[derive(Template, WebTemplate)]
#[template(path = "admin/mail.html")]
pub struct MailPage {
    layout: Layout,
    counts: Vec<(String, i64)>,
    rows: Vec<db::outbox::MailRow>,
    /// The mail the next page starts after.
    next: Option<i64>,
    paged: bool,
}

impl MailPage {
    fn count(&self, status: &str) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// The mail list's query string: where the page starts.
#[derive(serde::Deserialize, Default)]
pub struct MailQuery {
    #[serde(default)]
    apres: String,
}

async fn mail(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<MailQuery>,
) -> AppResult<MailPage> {
    admin.national()?;
    let after = query.apres.parse().ok();
    let page = db::stats::ADMIN_PAGE;
    let (counts, rows) = tokio::try_join!(
        db::outbox::counts(&state.db),
        db::outbox::list_unsent(&state.db, after, page)
    )?;
    let next = (rows.len() as i64 == page)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(MailPage {
        layout: Layout::for_actor(&admin.0),
        counts,
        rows,
        next,
        paged: after.is_some(),
    })
}

async fn retry_mail(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    ops::admin::retry_mail(&state.ops(), admin.national()?, id).await?;
    Ok(Redirect::to("/admin/mail"))
}
