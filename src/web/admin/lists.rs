//! Administrators' lists that can grow — schools (about 60,000), accounts —
//! paged in list order, with the total.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::AppState;
use crate::db::{self, stats::ADMIN_PAGE};
use crate::error::AppResult;
use crate::web::extract::Admin;
use crate::web::layout::Layout;

/// A list's query string: a search and where the page starts.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    apres: String,
}

impl ListQuery {
    fn after(&self) -> Option<Uuid> {
        self.apres.parse().ok()
    }
}

/// The id the next page starts after, when this one is full.
fn next<T>(rows: &[T], id: impl Fn(&T) -> Uuid) -> Option<Uuid> {
    (rows.len() as i64 == ADMIN_PAGE)
        .then(|| rows.last().map(id))
        .flatten()
}

/// The schools.
#[derive(Template, WebTemplate)]
#[template(path = "admin/schools.html")]
pub struct SchoolsPage {
    layout: Layout,
    rows: Vec<db::stats::SchoolStats>,
    total: i64,
    q: String,
    next: Option<Uuid>,
    paged: bool,
}

pub(super) async fn schools(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<ListQuery>,
) -> AppResult<SchoolsPage> {
    let (rows, total) =
        db::stats::schools(&state.db, &admin.scope(), &query.q, query.after()).await?;
    Ok(SchoolsPage {
        layout: Layout::for_actor(&admin.0),
        next: next(&rows, |s| s.id),
        paged: query.after().is_some(),
        rows,
        total,
        q: query.q,
    })
}

/// The accounts.
#[derive(Template, WebTemplate)]
#[template(path = "admin/accounts.html")]
pub struct AccountsPage {
    layout: Layout,
    rows: Vec<db::stats::AccountRow>,
    total: i64,
    q: String,
    next: Option<Uuid>,
    paged: bool,
}

pub(super) async fn accounts(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<ListQuery>,
) -> AppResult<AccountsPage> {
    let (rows, total) =
        db::stats::accounts(&state.db, &admin.scope(), &query.q, query.after()).await?;
    Ok(AccountsPage {
        layout: Layout::for_actor(&admin.0),
        next: next(&rows, |a| a.id),
        paged: query.after().is_some(),
        rows,
        total,
        q: query.q,
    })
}
