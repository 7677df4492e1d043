//! Everything a case page shows, loaded once for any role with a scope.

use crate::app::AppState;
use crate::auth::{Actor, CaseScope};
use crate::db::{self, audit::Outcome};
use crate::domain::case::{CaseOutcome, HarassmentKind, Platform};
use crate::domain::ids::CaseId;
use crate::domain::status::{self, CaseAction};
use crate::error::{AppError, AppResult};

/// A case with its authors, targets, evidence and timeline.
pub struct CaseView {
    /// The case.
    pub case: db::cases::CaseDetail,
    /// Alleged authors.
    pub authors: Vec<db::cases::Author>,
    /// Online targets.
    pub targets: Vec<db::cases::Target>,
    /// Evidence files.
    pub evidence: Vec<db::evidence::Evidence>,
    /// Timeline.
    pub events: Vec<db::events::Event>,
    /// The caller's role may take these actions now.
    pub actions: Vec<CaseAction>,
}

impl CaseView {
    /// Loads a case in the caller's scope, and records the read in the audit
    /// trail (a read outside the scope is recorded as denied and is a 404).
    pub async fn load(state: &AppState, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
        let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
        let Some(case) = db::cases::get_case(&state.db, &scope, id).await? else {
            db::audit::record(
                &state.db,
                Some(actor.id),
                "view_case",
                "case",
                Some(id.0),
                Outcome::Denied,
            )
            .await?;
            return Err(AppError::NotFound);
        };
        let (authors, targets, evidence, events) = tokio::try_join!(
            db::cases::list_authors(&state.db, &scope, id),
            db::cases::list_targets(&state.db, &scope, id),
            db::evidence::list(&state.db, &scope, id),
            db::events::list(&state.db, &scope, id),
        )?;
        db::audit::record(
            &state.db,
            Some(actor.id),
            "view_case",
            "case",
            Some(id.0),
            Outcome::Ok,
        )
        .await?;
        let actions = CaseAction::ALL
            .into_iter()
            .filter(|a| status::allowed(case.status, *a, actor.role))
            .collect();
        Ok(CaseView {
            case,
            authors,
            targets,
            evidence,
            events,
            actions,
        })
    }

    /// Whether the caller may take `action` now.
    pub fn can(&self, action: CaseAction) -> bool {
        self.actions.contains(&action)
    }

    /// Labels of the case's platforms.
    pub fn platform_labels(&self) -> Vec<&str> {
        self.case
            .platforms
            .iter()
            .map(|p| Platform::label_of(p))
            .collect()
    }

    /// Labels of the case's kinds of harassment.
    pub fn kind_labels(&self) -> Vec<&str> {
        self.case
            .kinds
            .iter()
            .map(|k| HarassmentKind::label_of(k))
            .collect()
    }

    /// Label of the closing outcome.
    pub fn outcome_label(&self) -> &str {
        self.case
            .outcome
            .as_deref()
            .map(CaseOutcome::label_of)
            .unwrap_or("")
    }
}
