//! Administrators: schools, accounts and national counts; no case content.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::layout::Layout;
use crate::app::AppState;
use crate::auth::Admin;
use crate::db;
use crate::domain::status::CaseStatus;
use crate::error::AppResult;

/// Admin routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(overview))
}

/// The overview.
#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
pub struct OverviewPage {
    layout: Layout,
    schools: Vec<db::stats::SchoolStats>,
    accounts: Vec<db::stats::AccountRow>,
    counts: Vec<(CaseStatus, i64)>,
}

impl OverviewPage {
    fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

async fn overview(State(state): State<AppState>, admin: Admin) -> AppResult<OverviewPage> {
    let (schools, accounts, counts) = tokio::try_join!(
        db::stats::schools(&state.db),
        db::stats::accounts(&state.db),
        db::stats::cases_by_status(&state.db),
    )?;
    Ok(OverviewPage {
        layout: Layout::for_actor(&admin.0),
        schools,
        accounts,
        counts,
    })
}
