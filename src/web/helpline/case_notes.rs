//! What the claiming agent adds to a case for the helpline's own record:
//! internal notes the school never reads, and files (a platform's answer,
//! a Pharos receipt).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ids::CaseId;
use crate::domain::values::TextRule;
use crate::error::AppResult;
use crate::ops::case::CaseCommand;
use crate::web::case_page::{CasePage, apply, apply_files};
use crate::web::extract::{CsrfForm, CsrfMultipart, HelplineAgent, Ids};
use crate::web::forms::FormState;

const INTERNAL_NOTE: TextRule = TextRule::required(
    10_000,
    "Écrivez la note interne avant de l'ajouter.",
    "La note est limitée à 10 000 caractères.",
);

/// A form with one free text.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// A note only the helpline reads.
pub(super) async fn add_internal_note(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let forms = FormState::default().keep("internal_note", &form.note);
    match INTERNAL_NOTE.parse(&form.note) {
        Ok(text) => {
            let command = CaseCommand::InternalNote(text);
            apply(&state, &agent.0, id, command, "historique", forms).await
        }
        Err(e) => {
            let mut forms = forms;
            forms.errors.add("internal_note", e.0);
            CasePage::with_errors(&state, &agent.0, id, forms).await
        }
    }
}

/// Files the claiming agent attaches (a platform's answer, a Pharos
/// receipt), with the school's upload rules.
pub(super) async fn add_evidence(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    apply_files(&state, &agent.0, id, &form, CaseCommand::HelplineEvidence).await
}
