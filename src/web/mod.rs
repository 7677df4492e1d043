//! HTTP handlers, one folder per audience (public, school, helpline,
//! admin), and what their pages share: extractors, forms, the layout, the
//! case page, evidence downloads and the error page.

pub mod account;
pub mod admin;
pub mod assets;
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

use crate::app::AppState;

/// Every audience's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(public::router())
        .merge(account::router())
        .merge(school::router())
        .merge(evidence::router())
        .merge(helpline::router())
        .merge(admin::router())
        .fallback(public::not_found)
}
