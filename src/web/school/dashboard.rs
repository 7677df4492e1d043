//! The school's dashboard: its cases, what waits for it first, and new
//! reports.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, cases::DashboardCursor, school_overview::Overview};
use crate::domain::status::CaseStatus;
use crate::error::AppResult;
use crate::web::extract::{CsrfForm, SchoolStaff};
use crate::web::layout::Layout;

/// Dashboard query string.
#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    apres: String,
}

/// The school's cases.
#[derive(Template, WebTemplate)]
#[template(path = "school/dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    /// Schools, cases, counts, reports waiting and the helpline's
    /// questions waiting for an answer (shown first).
    overview: Arc<Overview>,
    /// Days after which an unanswered question is flagged (and reminded).
    question_days: i32,
    status: String,
    q: String,
    statuses: &'static [CaseStatus],
    /// The next page (status filter kept); searches show one page.
    next: Option<String>,
}

impl std::ops::Deref for DashboardPage {
    type Target = Overview;

    fn deref(&self) -> &Overview {
        &self.overview
    }
}

impl DashboardPage {
    fn count(&self, s: &CaseStatus) -> i64 {
        self.counts
            .iter()
            .find(|(k, _)| k == s)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn waiting(&self) -> i64 {
        self.count(&CaseStatus::AwaitingSchool) + self.count(&CaseStatus::Returned)
    }

    fn filtered(&self) -> bool {
        !self.status.is_empty() || !self.q.trim().is_empty()
    }
}

/// The dashboard with a status filter (a GET, shareable).
pub(super) async fn dashboard(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<DashboardQuery>,
) -> AppResult<DashboardPage> {
    // A victim's name never travels in a URL: searches come by POST.
    let query = DashboardQuery {
        q: String::new(),
        ..query
    };
    dashboard_page(&state, &staff, query).await
}

/// The dashboard searched by reference or victim name (a POST, so the name
/// stays out of URLs, browser history and proxy logs).
pub(super) async fn search_dashboard(
    State(state): State<AppState>,
    staff: SchoolStaff,
    CsrfForm(query): CsrfForm<DashboardQuery>,
) -> AppResult<DashboardPage> {
    dashboard_page(&state, &staff, query).await
}

async fn dashboard_page(
    state: &AppState,
    staff: &SchoolStaff,
    query: DashboardQuery,
) -> AppResult<DashboardPage> {
    let scope = staff.scope();
    let filter = db::cases::SchoolFilter {
        status: CaseStatus::parse(&query.status),
        search: Some(query.q.clone()),
        after: DashboardCursor::decode(&query.apres),
    };
    let overview = db::school_overview::read(&state.db, &state.overviews, &scope, &filter).await?;
    let full = overview.cases.len() as i64 == db::cases::DASHBOARD_PAGE;
    let next = (overview.cases.last())
        .filter(|_| full)
        .map(|c| c.cursor().encode());
    Ok(DashboardPage {
        layout: Layout::for_actor(&staff.0),
        next,
        overview,
        question_days: state.config.queue.question_days,
        status: filter
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        q: query.q,
        statuses: &CaseStatus::ALL,
    })
}
