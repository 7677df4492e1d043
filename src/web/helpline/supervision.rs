//! Helpline supervision, for the desk's agents and national
//! administrators: the queue now (unclaimed cases by age, danger, each
//! agent's load) and claims and returns per week (chart, table, CSV).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;

use super::supervisor;
use crate::app::AppState;
use crate::auth::Actor;
use crate::db::supervision::{self, AgentLoad, QueueHealth, Week};
use crate::error::AppResult;
use crate::web::charts::{BarChart, csv_download};
use crate::web::layout::Layout;

/// Weeks shown.
const WEEKS: i32 = 12;

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "helpline/supervision.html")]
pub struct SupervisionPage {
    layout: Layout,
    health: QueueHealth,
    loads: Vec<AgentLoad>,
    weeks: Vec<Week>,
    chart: BarChart,
}

impl SupervisionPage {
    fn unclaimed(&self) -> i64 {
        let h = &self.health;
        h.under_4h + h.under_24h + h.under_3d + h.older
    }
}

fn week_label(w: &Week) -> String {
    w.monday.format("%d/%m").to_string()
}

pub(super) async fn show(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<SupervisionPage> {
    supervisor(&actor)?;
    let now = Utc::now();
    let (health, loads, weeks) = tokio::try_join!(
        supervision::queue_health(&state.db, now),
        supervision::agent_loads(&state.db),
        supervision::weekly(&state.db, WEEKS, now),
    )?;
    let chart = BarChart {
        id: "semaines",
        title: format!("Prises en charge et retours par semaine, {WEEKS} dernières semaines"),
        series: vec!["Prises en charge", "Retours à l'établissement"],
        groups: weeks
            .iter()
            .map(|w| (week_label(w), vec![w.claims, w.returns]))
            .collect(),
        mask_small: false,
    };
    Ok(SupervisionPage {
        layout: Layout::for_actor(&actor),
        health,
        loads,
        weeks,
        chart,
    })
}

/// The weeks as CSV.
pub(super) async fn csv(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    supervisor(&actor)?;
    let weeks = supervision::weekly(&state.db, WEEKS, Utc::now()).await?;
    let mut out = String::from("semaine du;prises en charge;retours à l'établissement\r\n");
    for w in &weeks {
        out.push_str(&format!(
            "{};{};{}\r\n",
            w.monday.format("%Y-%m-%d"),
            w.claims,
            w.returns
        ));
    }
    Ok(csv_download("supervision-semaines.csv", out))
}
