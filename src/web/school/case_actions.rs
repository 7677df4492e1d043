//! The school's actions on a case: each handler turns its form into a
//! command and hands it to `ops::case::apply`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::case::{CaseOutcome, Platform, SanctionKind};
use crate::domain::ids::CaseId;
use crate::domain::values::{TextRule, past_date};
use crate::error::{AppError, AppResult};
use crate::ops::case::{CaseCommand, ReportItem};
use crate::web::case_page::{CasePage, apply, apply_files};
use crate::web::extract::{CsrfForm, CsrfMultipart, Ids, SchoolStaff};
use crate::web::forms::FormState;

const NOTE: TextRule = TextRule::required(
    10_000,
    "Écrivez la note avant de l'ajouter.",
    "La note est limitée à 10 000 caractères.",
);
const ANSWER: TextRule = TextRule::required(
    10_000,
    "Écrivez votre réponse à e-Enfance.",
    "La réponse est limitée à 10 000 caractères.",
);
const OPTIONAL_NOTE: TextRule = TextRule::optional(
    10_000,
    "Ce texte est limité à 10 000 caractères : raccourcissez-le.",
);
const CLOSE_NOTE: TextRule = TextRule::optional(10_000, "La note est limitée à 10 000 caractères.");
const SANCTION_NOTE: TextRule =
    TextRule::optional(5_000, "La note est limitée à 5 000 caractères.");
const TARGET: TextRule = TextRule::required(
    2000,
    "Indiquez l'adresse (URL) ou l'identifiant du compte.",
    "2 000 caractères au plus.",
);

/// A form with one free text.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// Checks a text, then applies the command made of it; a refused text
/// comes back next to `field`, as typed.
async fn with_text(
    state: &AppState,
    staff: &SchoolStaff,
    id: CaseId,
    (typed, rule, field): (&str, TextRule, &'static str),
    command: impl FnOnce(String) -> CaseCommand,
    anchor: &str,
) -> AppResult<Response> {
    match rule.parse(typed) {
        Ok(text) => {
            apply(
                state,
                &staff.0,
                id,
                command(text),
                anchor,
                FormState::default(),
            )
            .await
        }
        Err(e) => {
            let forms = FormState::error(field, e.0).keep(field, typed);
            CasePage::with_errors(state, &staff.0, id, forms).await
        }
    }
}

/// An optional note: empty means none.
fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

pub(super) async fn add_note(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let text = (form.note.as_str(), NOTE, "note");
    with_text(&state, &staff, id, text, CaseCommand::Note, "historique").await
}

pub(super) async fn answer_question(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let text = (form.note.as_str(), ANSWER, "answer");
    with_text(&state, &staff, id, text, CaseCommand::Answer, "historique").await
}

pub(super) async fn refer_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let text = (form.note.as_str(), OPTIONAL_NOTE, "refer_note");
    let command = |t| CaseCommand::Refer(optional(t));
    with_text(&state, &staff, id, text, command, "historique").await
}

pub(super) async fn withdraw_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let text = (form.note.as_str(), OPTIONAL_NOTE, "withdraw_note");
    let command = |t| CaseCommand::Withdraw(optional(t));
    with_text(&state, &staff, id, text, command, "historique").await
}

pub(super) async fn reopen_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let text = (form.note.as_str(), OPTIONAL_NOTE, "reopen_note");
    let command = |t| CaseCommand::Reopen(optional(t));
    with_text(&state, &staff, id, text, command, "historique").await
}

pub(super) async fn add_evidence(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    apply_files(&state, &staff.0, id, &form, CaseCommand::Evidence).await
}

/// An online target form.
#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    platform: String,
    #[serde(default)]
    target: String,
}

pub(super) async fn add_target(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TargetForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("target_platform", &form.platform)
        .keep("target_value", &form.target);
    let e = &mut forms.errors;
    let platform = e.require(
        "target_platform",
        Platform::parse(&form.platform),
        "Choisissez la plateforme.",
    );
    let target = e.check("target_value", TARGET.parse(&form.target));
    let (Some(platform), Some(target)) = (platform, target) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let command = CaseCommand::Target(platform, target);
    apply(&state, &staff.0, id, command, "cibles", forms).await
}

/// The closing form.
#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn close_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("outcome", &form.outcome)
        .keep("close_note", &form.note);
    let e = &mut forms.errors;
    let outcome = e.require(
        "outcome",
        CaseOutcome::parse(&form.outcome),
        "Choisissez l'issue du dossier.",
    );
    let note = e.check("close_note", CLOSE_NOTE.parse_optional(&form.note));
    let (Some(outcome), Some(note)) = (outcome, note) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let command = CaseCommand::Close(outcome, note);
    apply(&state, &staff.0, id, command, "historique", forms).await
}

/// The sanction form.
#[derive(Deserialize)]
pub struct SanctionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    author: String,
}

pub(super) async fn add_sanction(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<SanctionForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("sanction_kind", &form.kind)
        .keep("sanction_date", &form.decided_on)
        .keep("sanction_note", &form.note)
        .keep("sanction_author", &form.author);
    let today = chrono::Utc::now().date_naive();
    let e = &mut forms.errors;
    let kind = e.require(
        "sanction_kind",
        SanctionKind::parse(&form.kind),
        "Choisissez la sanction décidée.",
    );
    let on = e.check("sanction_date", past_date(&form.decided_on, today));
    let note = e.check("sanction_note", SANCTION_NOTE.parse(&form.note));
    let (Some(kind), Some(on), Some(note)) = (kind, on, note) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let Ok(author) = (!form.author.is_empty())
        .then(|| form.author.parse())
        .transpose()
    else {
        forms
            .errors
            .add("sanction_author", "Choisissez l'auteur dans la liste.");
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let command = CaseCommand::Sanction {
        author,
        kind,
        on,
        note,
    };
    apply(&state, &staff.0, id, command, "sanctions", forms).await
}

/// What the reporter added, to attach: a message or a file.
#[derive(Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    message: String,
    #[serde(default)]
    file: String,
}

/// Attaches to the case a message or a file the reporter added to its
/// report (nothing anonymous lands in a case unless the school chooses).
pub(super) async fn attach_from_report(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<AttachForm>,
) -> AppResult<Response> {
    let item = match (form.message.parse(), form.file.parse()) {
        (Ok(m), _) => ReportItem::Message(m),
        (_, Ok(f)) => ReportItem::File(f),
        _ => return Err(AppError::BadRequest("nothing to attach")),
    };
    let command = CaseCommand::Attach(item);
    apply(
        &state,
        &staff.0,
        id,
        command,
        "historique",
        FormState::default(),
    )
    .await
}

/// The legal-hold form.
#[derive(Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    hold: String,
}

/// Keeps a case out of the retention purge while proceedings run, or lifts
/// that.
pub(super) async fn set_legal_hold(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<HoldForm>,
) -> AppResult<Response> {
    let command = CaseCommand::LegalHold(form.hold == "on");
    apply(
        &state,
        &staff.0,
        id,
        command,
        "conservation",
        FormState::default(),
    )
    .await
}

pub(super) async fn show_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
) -> AppResult<CasePage> {
    CasePage::load(&state, &staff.0, id, FormState::default()).await
}
