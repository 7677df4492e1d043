//! HTTP handlers, one folder per audience (public, school, helpline,
//! admin), and what their pages share: extractors, forms, the layout, the
//! case page, evidence downloads and the error page.

pub mod account;
pub mod admin;
pub mod assets;
pub mod case_lists;
pub mod case_page;
pub mod charts;
pub mod error_page;
pub mod evidence;
pub mod extract;
pub mod forms;
pub mod helpline;
pub mod layout;
pub mod public;
pub mod school;
pub mod upload;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;

use crate::app::AppState;

/// Every audience's routes. Those that change what an account may do
/// answer once this process has heard the change (`auth::cache`): the next
/// request, anyone's, sees it.
pub fn router(state: &AppState) -> Router<AppState> {
    let heard = || from_fn_with_state(state.clone(), account_changes_heard);
    Router::new()
        .merge(public::router())
        .merge(public::account_router().layer(heard()))
        .merge(account::router().layer(heard()))
        .merge(school::router())
        .merge(evidence::router())
        .merge(helpline::router())
        .merge(admin::router().layer(heard()))
        .fallback(public::not_found)
}

/// After a request that may have changed accounts, waits until this
/// process's caches have heard every change committed so far.
async fn account_changes_heard(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD);
    let response = next.run(req).await;
    if write {
        state.auth.sync(&state.db).await;
    }
    response
}
