//! The e-Enfance helpline desk: the queue of referred cases.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::layout::Layout;
use crate::app::AppState;
use crate::auth::HelplineAgent;
use crate::db;
use crate::error::AppResult;

/// Helpline routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/helpline", get(queue))
}

/// The queue.
#[derive(Template, WebTemplate)]
#[template(path = "helpline/queue.html")]
pub struct QueuePage {
    layout: Layout,
    rows: Vec<db::cases::QueueRow>,
}

async fn queue(State(state): State<AppState>, agent: HelplineAgent) -> AppResult<QueuePage> {
    let rows = db::cases::list_queue(&state.db, &agent.scope()).await?;
    Ok(QueuePage {
        layout: Layout::for_actor(&agent.0),
        rows,
    })
}
