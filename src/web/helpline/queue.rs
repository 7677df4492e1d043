//! The helpline's national queue of referred cases: danger first, then the
//! oldest referral; filters, search and keyset pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, queue::Cursor, queue::QueueFilter};
use crate::domain::case::{Platform, Urgency};
use crate::domain::status::CaseStatus;
use crate::domain::values::Uai;
use crate::error::AppResult;
use crate::web::extract::HelplineAgent;
use crate::web::layout::Layout;

/// The queue's query string.
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    academie: String,
    #[serde(default)]
    uai: String,
    #[serde(default)]
    assigned: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

impl QueueQuery {
    /// The query string of these filters (without the cursor).
    fn filters(&self) -> String {
        serde_html_form::to_string([
            ("status", &self.status),
            ("urgency", &self.urgency),
            ("platform", &self.platform),
            ("academie", &self.academie),
            ("uai", &self.uai),
            ("assigned", &self.assigned),
            ("q", &self.q),
        ])
        .unwrap_or_default()
    }

    fn filtered(&self) -> bool {
        [
            &self.status,
            &self.urgency,
            &self.platform,
            &self.academie,
            &self.uai,
            &self.assigned,
            &self.q,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

/// The queue page.
#[derive(Template, WebTemplate)]
#[template(path = "helpline/queue.html")]
pub struct QueuePage {
    layout: Layout,
    rows: Vec<db::queue::QueueRow>,
    query: QueueQuery,
    academies: Vec<String>,
    next: Option<String>,
    statuses: &'static [CaseStatus],
    platforms: &'static [Platform],
    urgencies: &'static [Urgency],
    /// Active agents, for giving the selection to one.
    agents: Vec<db::accounts::Agent>,
}

pub(super) async fn queue(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Query(query): Query<QueueQuery>,
) -> AppResult<QueuePage> {
    let filter = QueueFilter {
        statuses: CaseStatus::parse(&query.status).into_iter().collect(),
        urgency: Urgency::parse(&query.urgency),
        platform: Platform::parse(&query.platform).map(|p| p.code().to_owned()),
        academie: Some(query.academie.trim().to_owned()).filter(|a| !a.is_empty()),
        school_uai: Uai::parse(&query.uai).ok().map(|u| u.as_str().to_owned()),
        claimed_by: (query.assigned == "mine").then_some(agent.0.id),
        unassigned: query.assigned == "unassigned",
        search: Some(query.q.clone()),
        after: Cursor::decode(&query.after),
    };
    let scope = agent.scope();
    let (rows, academies, agents) = tokio::try_join!(
        db::queue::list(
            &state.db,
            &state.queue_first_page,
            &scope,
            &filter,
            &state.config.queue
        ),
        state
            .academies
            .get(async || db::queue::academies(&state.db).await),
        state.helpline_agents(),
    )?;
    let next = (rows.len() as i64 == db::queue::QUEUE_PAGE)
        .then(|| rows.last().map(|r| r.cursor().encode()))
        .flatten();
    Ok(QueuePage {
        layout: Layout::for_actor(&agent.0),
        rows,
        query,
        academies,
        next,
        statuses: &db::queue::ACTIVE,
        platforms: Platform::ALL,
        urgencies: Urgency::ALL,
        agents,
    })
}
