//! Bulk triage from the queue: claim several cases, or give them to an
//! agent, each through the same operation as one by one (each case in its
//! own transaction: one refused case does not undo the others, and the
//! page says which and why).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::domain::ids::{AccountId, CaseId};
use crate::error::{AppError, AppResult};
use crate::ops::case::{CaseCommand, apply};
use crate::web::extract::{CsrfForm, HelplineAgent};
use crate::web::layout::Layout;

/// The most cases one bulk action takes: one queue page.
const BULK_MAX: usize = db::queue::QUEUE_PAGE as usize;

/// The queue's selection form.
#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    cases: Vec<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    agent: String,
}

/// What became of each selected case.
#[derive(Template, WebTemplate)]
#[template(path = "helpline/bulk_result.html")]
pub struct BulkResultPage {
    layout: Layout,
    /// What was asked, in words.
    asked: String,
    /// Cases done: id, reference.
    done: Vec<(CaseId, String)>,
    /// Cases refused: id, reference, why.
    refused: Vec<(CaseId, String, String)>,
}

pub(super) async fn bulk(
    State(state): State<AppState>,
    agent: HelplineAgent,
    CsrfForm(form): CsrfForm<BulkForm>,
) -> AppResult<BulkResultPage> {
    if form.cases.len() > BULK_MAX {
        return Err(AppError::Field(
            "cases",
            format!("Sélectionnez au plus {BULK_MAX} dossiers à la fois."),
        ));
    }
    let mut ids: Vec<CaseId> = form.cases.iter().filter_map(|c| c.parse().ok()).collect();
    ids.dedup();
    let (asked, to) = match form.action.as_str() {
        "claim" => ("Prise en charge".to_owned(), None),
        "assign" => {
            let to: AccountId = form.agent.parse().map_err(|_| {
                AppError::Field(
                    "agent",
                    "Choisissez l'écoutant à qui confier la sélection.".into(),
                )
            })?;
            let name = db::accounts::helpline_agent(&state.db, to)
                .await?
                .map(|a| a.display_name)
                .ok_or_else(|| AppError::Field("agent", "Cet écoutant n'est plus actif.".into()))?;
            (format!("Confiés à {name}"), Some(to))
        }
        _ => return Err(AppError::BadRequest("unknown bulk action")),
    };
    let references = db::queue::references(&state.db, &ids).await?;
    let reference = |id: CaseId| {
        references
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| "(dossier introuvable)".to_owned())
    };
    let (mut done, mut refused) = (Vec::new(), Vec::new());
    for id in ids {
        let command = to.map_or(CaseCommand::Claim, CaseCommand::Reassign);
        match apply(&state.ops(), &agent.0, id, command).await {
            Ok(()) => done.push((id, reference(id))),
            Err(e) => refused.push((id, reference(id), why(e)?)),
        }
    }
    Ok(BulkResultPage {
        layout: Layout::for_actor(&agent.0),
        asked,
        done,
        refused,
    })
}

/// Why one case of the selection was refused; a failure of the service
/// itself stops the whole action.
fn why(e: AppError) -> AppResult<String> {
    Ok(match e {
        AppError::Conflict(m) | AppError::Field(_, m) => m,
        AppError::Forbidden(m) => m.to_owned(),
        AppError::NotFound => {
            "Ce dossier n'est plus transmis à e-Enfance (retiré ou retourné).".to_owned()
        }
        other => return Err(other),
    })
}
