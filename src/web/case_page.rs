//! The case page, shared by the school and the helpline: what it shows, the
//! forms it offers each audience, and the path of every case action from a
//! handler (command → `ops::case::apply` → back to the page).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::forms::FormState;
use super::layout::Layout;
use crate::app::AppState;
use crate::auth::Actor;
use crate::db;
use crate::domain::case::{
    AdviceKind, AuthorKind, CaseOutcome, EventKind, HarassmentKind, Platform, RequestKind,
    RequestOutcome, SanctionKind, Urgency,
};
use crate::domain::ids::CaseId;
use crate::domain::status::{self, CaseAction, CaseStatus, Role};
use crate::error::{AppError, AppResult};
use crate::ops::{self, Ops, case::CaseCommand, reads::CaseRecord};

/// A case as the caller reads it, with the actions open to them now.
pub struct CaseView {
    /// The case and everything recorded on it.
    pub record: CaseRecord,
    /// The actions the status machine allows the caller's role now.
    pub actions: Vec<CaseAction>,
    /// Whether the caller is the claiming agent.
    pub claimed_by_caller: bool,
}

impl std::ops::Deref for CaseView {
    type Target = CaseRecord;

    fn deref(&self) -> &CaseRecord {
        &self.record
    }
}

impl CaseView {
    /// Reads the case (audited) and works out what the caller may do.
    pub async fn load(ops: &Ops, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
        let record = ops::reads::case(ops, actor, id).await?;
        let actions = CaseAction::ALL
            .into_iter()
            .filter(|a| status::allowed(record.case.status, *a, actor.role))
            .collect();
        let claimed_by_caller = record.case.claimed_by == Some(actor.id);
        Ok(CaseView {
            record,
            actions,
            claimed_by_caller,
        })
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

/// The case page, for the school or the helpline.
#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    layout: Layout,
    view: CaseView,
    /// The timeline and files, rendered.
    fragments: Arc<super::case_lists::Fragments>,
    forms: FormState,
    audience: Role,
    agents: Vec<db::accounts::Agent>,
    platforms: &'static [Platform],
    outcomes: &'static [CaseOutcome],
    sanction_kinds: &'static [SanctionKind],
    request_kinds: &'static [RequestKind],
    request_outcomes: &'static [RequestOutcome],
    advice_kinds: &'static [AdviceKind],
    author_kinds: &'static [AuthorKind],
    urgencies: &'static [Urgency],
    harassment_kinds: &'static [HarassmentKind],
    /// Other cases of the school sharing an author or an account (school only).
    related: Vec<db::cases::RelatedCase>,
    max_file_mb: usize,
    max_files: usize,
    request_days: i32,
    today: String,
    /// Retention of a closed case without, then with a follow-up, as said.
    kept: (String, String),
}

/// Field ids of the case page's forms, in page order, for the error summary.
const FIELDS: &[&str] = &[
    "correction",
    "fix_urgency",
    "fix_victim_group",
    "fix_started_on",
    "fix_platforms",
    "fix_kinds",
    "fix_description",
    "author_kind",
    "target_platform",
    "target_value",
    "evidence",
    "note",
    "internal_note",
    "answer",
    "sanction_kind",
    "sanction_author",
    "sanction_date",
    "sanction_note",
    "outcome",
    "close_note",
    "advice_kind",
    "advice",
    "request_target",
    "request_platform",
    "request_value",
    "request_kind",
    "request_sent_on",
    "request_reference",
    "request_outcome",
    "iv_answer",
    "iv_date",
    "iv_note",
    "escalation_reference",
    "escalation_date",
    "intervention_date",
    "intervention_topic",
    "question",
    "conclusions",
    "agent",
];

impl CasePage {
    /// Loads the page for `actor`.
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        id: CaseId,
        forms: FormState,
    ) -> AppResult<CasePage> {
        let view = CaseView::load(&state.ops(), actor, id).await?;
        let helpline = actor.role == Role::Helpline;
        let fragments =
            super::case_lists::fragments(&state.case_fragments, &view, helpline).await?;
        let (agents, related) = match actor.role {
            Role::Helpline => (state.helpline_agents().await?, Vec::new()),
            _ => {
                let scope = crate::auth::CaseScope::of(actor).ok_or(AppError::NotFound)?;
                let related = db::cases::related_cases(
                    &state.db,
                    &scope,
                    &view.case,
                    &view.authors,
                    &view.targets,
                )
                .await?;
                (Vec::new(), related)
            }
        };
        Ok(CasePage {
            layout: Layout::for_actor(actor),
            view,
            fragments,
            forms,
            audience: actor.role,
            agents,
            platforms: Platform::ALL,
            outcomes: CaseOutcome::ALL,
            sanction_kinds: SanctionKind::ALL,
            request_kinds: RequestKind::ALL,
            request_outcomes: &RequestOutcome::ALL[1..],
            advice_kinds: AdviceKind::ALL,
            author_kinds: AuthorKind::ALL,
            urgencies: Urgency::ALL,
            harassment_kinds: HarassmentKind::ALL,
            related,
            max_file_mb: state.config.uploads.max_file_bytes / (1024 * 1024),
            max_files: state.config.uploads.max_files,
            request_days: state.config.queue.request_days,
            kept: (
                crate::domain::format::delay_days(state.config.retention.closed_no_follow_up_days),
                crate::domain::format::delay_days(
                    state.config.retention.closed_with_follow_up_days,
                ),
            ),
            today: chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
        })
    }

    /// The page again with the typed values and errors, status 422.
    pub async fn with_errors(
        state: &AppState,
        actor: &Actor,
        id: CaseId,
        forms: FormState,
    ) -> AppResult<Response> {
        let page = CasePage::load(state, actor, id, forms).await?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    }

    fn is_helpline(&self) -> bool {
        self.audience == Role::Helpline
    }

    /// Where this audience's case pages and actions live.
    fn base(&self) -> String {
        format!("{}/{}", base_of(self.audience), self.view.case.id)
    }

    fn home(&self) -> (&'static str, &'static str) {
        match self.audience {
            Role::Helpline => ("/helpline", "File d'attente"),
            _ => ("/school", "Tableau de bord"),
        }
    }

    /// Whether the caller may take `action` now (the helpline's own actions:
    /// only the claiming agent).
    fn can(&self, action: CaseAction) -> bool {
        self.view.actions.contains(&action)
            && (!action.needs_claimer() || self.view.claimed_by_caller)
    }

    fn no_action(&self) -> bool {
        !CaseAction::ALL.into_iter().any(|a| self.can(a))
    }

    fn error_list(&self) -> Vec<(String, String)> {
        self.forms.errors.in_order(FIELDS)
    }

    fn err(&self, field: &str) -> bool {
        self.forms.errors.has(field)
    }

    /// The correction form's value: as typed if it came back, else as stored.
    fn fix_value(&self, field: &str, stored: impl std::fmt::Display) -> String {
        if self.forms.typed(field) {
            self.forms.value(field).to_owned()
        } else {
            stored.to_string()
        }
    }

    /// Whether a box of the correction form is ticked: as typed if it came
    /// back, else as stored.
    fn fix_has(&self, field: &str, stored: &[String], code: &str) -> bool {
        if self.forms.typed(field) {
            self.forms.value(field).split(',').any(|c| c == code)
        } else {
            stored.iter().any(|c| c == code)
        }
    }

    fn started_on_input(&self) -> String {
        self.view
            .case
            .started_on
            .map(crate::domain::format::iso_date)
            .unwrap_or_default()
    }

    fn question(&self) -> Option<&str> {
        self.view
            .events
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::Question.code())
            .and_then(|e| e.note.as_deref())
    }
}

/// The correction form's fields, to open it when one has an error.
const CORRECTION_FIELDS: &[&str] = &[
    "correction",
    "fix_urgency",
    "fix_victim_group",
    "fix_started_on",
    "fix_platforms",
    "fix_kinds",
    "fix_description",
];

/// Applies `command` for `actor`, then goes back to the case page at
/// `anchor`; a value only the operation could refuse comes back next to its
/// field, with what was typed (`forms`).
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    id: CaseId,
    command: CaseCommand,
    anchor: &str,
    forms: FormState,
) -> AppResult<Response> {
    // A returned case is no longer the helpline's: back to the queue.
    let leaves = matches!(command, CaseCommand::Return(_));
    match ops::case::apply(&state.ops(), actor, id, command).await {
        Ok(()) if leaves => Ok(Redirect::to("/helpline").into_response()),
        Ok(()) => {
            let base = base_of(actor.role);
            Ok(Redirect::to(&format!("{base}/{id}#{anchor}")).into_response())
        }
        Err(AppError::Field(field, message)) => {
            let mut forms = forms;
            forms.errors.add(field, message);
            CasePage::with_errors(state, actor, id, forms).await
        }
        Err(e) => Err(e),
    }
}

/// Checks the uploaded evidence files, then applies the command made of
/// them (school or helpline files); no file, or a refused one, comes back
/// next to the upload field.
pub async fn apply_files(
    state: &AppState,
    actor: &Actor,
    id: CaseId,
    form: &crate::web::upload::MultipartForm,
    command: impl FnOnce(Vec<crate::ops::files::CheckedFile>) -> CaseCommand,
) -> AppResult<Response> {
    let mut errors = super::forms::FieldErrors::default();
    let files = form
        .checked_files("evidence", &mut errors)
        .filter(|f| !f.is_empty());
    let Some(files) = files else {
        if errors.is_empty() {
            errors.add("evidence", "Choisissez au moins un fichier à ajouter.");
        }
        return CasePage::with_errors(state, actor, id, FormState::with(errors)).await;
    };
    apply(
        state,
        actor,
        id,
        command(files),
        "pieces",
        FormState::default(),
    )
    .await
}

/// Where an audience's case pages live.
fn base_of(role: Role) -> &'static str {
    match role {
        Role::Helpline => "/helpline/cases",
        _ => "/school/cases",
    }
}
