//! The case page, shared by the school and the helpline: what it shows, the
//! forms it offers each audience, and the guard every case action passes.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::FieldErrors;
use super::layout::Layout;
use crate::app::AppState;
use crate::auth::{Actor, CaseScope};
use crate::db::{self, Tx, audit::Outcome};
use crate::domain::case::EventKind;
use crate::domain::case::{
    AdviceKind, CaseOutcome, HarassmentKind, Platform, RequestKind, RequestOutcome, SanctionKind,
};
use crate::domain::ids::{AccountId, CaseId};
use crate::domain::status::{self, CaseAction, CaseStatus, Role};
use crate::error::{AppError, AppResult};

/// A case with everything recorded on it.
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
    /// Requests to platforms.
    pub requests: Vec<db::records::PlatformRequest>,
    /// Escalations to Pharos/OCLCTIC.
    pub escalations: Vec<db::records::Escalation>,
    /// Interventions proposed.
    pub interventions: Vec<db::records::Intervention>,
    /// Sanctions decided.
    pub sanctions: Vec<db::records::Sanction>,
    /// The actions the status machine allows the caller's role now.
    pub actions: Vec<CaseAction>,
    /// Whether the caller is the claiming agent.
    pub claimed_by_caller: bool,
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
        let db = &state.db;
        let (authors, targets, evidence, events, requests, escalations, interventions, sanctions) =
            tokio::try_join!(
                db::cases::list_authors(db, &scope, id),
                db::cases::list_targets(db, &scope, id),
                db::evidence::list(db, &scope, id),
                db::events::list(db, &scope, id),
                db::records::list_requests(db, &scope, id),
                db::records::list_escalations(db, &scope, id),
                db::records::list_interventions(db, &scope, id),
                db::records::list_sanctions(db, &scope, id),
            )?;
        db::audit::record(
            db,
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
        let claimed_by_caller = case.claimed_by == Some(actor.id);
        Ok(CaseView {
            case,
            authors,
            targets,
            evidence,
            events,
            requests,
            escalations,
            interventions,
            sanctions,
            actions,
            claimed_by_caller,
        })
    }

    /// Whether the caller may take `action` now (for the helpline's own
    /// actions: only the claiming agent, but anyone may claim or reassign).
    pub fn can(&self, action: CaseAction) -> bool {
        self.actions.contains(&action) && (!needs_claimer(action) || self.claimed_by_caller)
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

/// Helpline actions only the claiming agent may take.
fn needs_claimer(action: CaseAction) -> bool {
    matches!(
        action,
        CaseAction::Release
            | CaseAction::AskSchool
            | CaseAction::Return
            | CaseAction::HelplineRecord
    )
}

/// Locks the case in the caller's scope and checks the status machine (and,
/// for the helpline's own actions, that the caller holds the case). Returns
/// the locked case and the status it moves to.
pub async fn begin_action(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: CaseId,
    action: CaseAction,
) -> AppResult<(db::cases::Locked, CaseStatus)> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let locked = db::cases::lock(tx, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if action == CaseAction::Claim
        && locked.status != CaseStatus::Referred
        && let Some(holder) = locked.claimed_by
        && let Some(name) = db::cases::account_name(tx, holder).await?
    {
        return Err(AppError::Conflict(format!(
            "Ce dossier vient d'être pris en charge par {name}."
        )));
    }
    let next = status::transition(locked.status, action, actor.role).map_err(|_| {
        AppError::Conflict(
            "Cette action n'est plus possible : le dossier a changé d'état entre-temps. Rechargez la page du dossier."
                .into(),
        )
    })?;
    if needs_claimer(action) && locked.claimed_by != Some(actor.id) {
        return Err(AppError::Forbidden(
            "Seul l'écoutant qui a pris en charge ce dossier peut faire cette action. Prenez-le en charge d'abord ou demandez qu'il vous soit confié.",
        ));
    }
    Ok((locked, next))
}

/// Appends the timeline entry of an action on a case and its audit record
/// (action = the event kind), in the action's transaction.
pub async fn log_action(
    tx: &mut Tx<'_>,
    actor: AccountId,
    case: CaseId,
    kind: EventKind,
    note: Option<&str>,
    data: serde_json::Value,
) -> AppResult<()> {
    db::events::append(tx, case, Some(actor), kind, note, data).await?;
    db::audit::record(
        &mut **tx,
        Some(actor),
        kind.code(),
        "case",
        Some(case.0),
        Outcome::Ok,
    )
    .await?;
    Ok(())
}

/// Typed values and errors of the case page's forms, kept when one comes back.
#[derive(Default)]
pub struct FormState {
    /// Errors by field id.
    pub errors: FieldErrors,
    values: HashMap<&'static str, String>,
}

impl FormState {
    /// A state with these errors.
    pub fn with(errors: FieldErrors) -> FormState {
        FormState {
            errors,
            values: HashMap::new(),
        }
    }

    /// A state with one error on `field`.
    pub fn error(field: &'static str, message: impl Into<String>) -> FormState {
        let mut f = FormState::default();
        f.errors.add(field, message);
        f
    }

    /// Keeps a typed value.
    pub fn keep(mut self, field: &'static str, value: impl Into<String>) -> FormState {
        self.values.insert(field, value.into());
        self
    }

    /// A typed value, or "".
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
}

/// The case page, for the school or the helpline.
#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    layout: Layout,
    view: CaseView,
    forms: FormState,
    audience: Role,
    agents: Vec<db::accounts::Agent>,
    platforms: &'static [Platform],
    outcomes: &'static [CaseOutcome],
    sanction_kinds: &'static [SanctionKind],
    request_kinds: &'static [RequestKind],
    request_outcomes: &'static [RequestOutcome],
    advice_kinds: &'static [AdviceKind],
    max_file_mb: usize,
    max_files: usize,
    request_days: i32,
    today: String,
}

/// Field ids of the case page's forms, in page order, for the error summary.
const FIELDS: &[&str] = &[
    "target_platform",
    "target_value",
    "evidence",
    "note",
    "answer",
    "sanction_kind",
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
        let view = CaseView::load(state, actor, id).await?;
        let agents = if actor.role == Role::Helpline {
            db::accounts::helpline_agents(&state.db).await?
        } else {
            Vec::new()
        };
        Ok(CasePage {
            layout: Layout::for_actor(actor),
            view,
            forms,
            audience: actor.role,
            agents,
            platforms: Platform::ALL,
            outcomes: CaseOutcome::ALL,
            sanction_kinds: SanctionKind::ALL,
            request_kinds: RequestKind::ALL,
            request_outcomes: &RequestOutcome::ALL[1..],
            advice_kinds: AdviceKind::ALL,
            max_file_mb: state.config.uploads.max_file_bytes / (1024 * 1024),
            max_files: state.config.uploads.max_files,
            request_days: state.config.queue.request_days,
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
        match self.audience {
            Role::Helpline => format!("/helpline/cases/{}", self.view.case.id),
            _ => format!("/school/cases/{}", self.view.case.id),
        }
    }

    fn home(&self) -> (&'static str, &'static str) {
        match self.audience {
            Role::Helpline => ("/helpline", "File d'attente"),
            _ => ("/school", "Tableau de bord"),
        }
    }

    fn can(&self, action: &str) -> bool {
        let a = match action {
            "refer" => CaseAction::Refer,
            "withdraw" => CaseAction::Withdraw,
            "claim" => CaseAction::Claim,
            "release" => CaseAction::Release,
            "reassign" => CaseAction::Reassign,
            "ask" => CaseAction::AskSchool,
            "answer" => CaseAction::Answer,
            "return" => CaseAction::Return,
            "close" => CaseAction::Close,
            "reopen" => CaseAction::Reopen,
            "school_record" => CaseAction::SchoolRecord,
            "helpline_record" => CaseAction::HelplineRecord,
            _ => return false,
        };
        self.view.can(a)
    }

    fn no_action(&self) -> bool {
        ![
            "refer",
            "withdraw",
            "claim",
            "release",
            "reassign",
            "ask",
            "answer",
            "return",
            "close",
            "reopen",
            "school_record",
            "helpline_record",
        ]
        .iter()
        .any(|a| self.can(a))
    }

    fn error_list(&self) -> Vec<(String, String)> {
        self.forms.errors.in_order(FIELDS)
    }

    fn err(&self, field: &str) -> bool {
        self.forms.errors.has(field)
    }

    fn question(&self) -> Option<&str> {
        self.view
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "question")
            .and_then(|e| e.note.as_deref())
    }
}

/// Back to the case page of `base`, at `anchor`.
pub fn back_to(base: &str, id: CaseId, anchor: &str) -> Response {
    Redirect::to(&format!("{base}/{id}#{anchor}")).into_response()
}
