//! The e-Enfance helpline desk: the queue of referred cases and the actions
//! of the 2011 procedure (advice, platform requests, Pharos, interventions,
//! questions to the school, return).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;

use super::Ids;
use super::case_view::{CasePage, FormState, back_to, begin_action, log_action};
use super::layout::Layout;
use super::school::parse_past_date;
use crate::app::AppState;
use crate::auth::HelplineAgent;
use crate::auth::csrf::CsrfForm;
use crate::db::{self, audit::Outcome, queue::Cursor, queue::QueueFilter};
use crate::domain::case::{AdviceKind, EventKind, Platform, RequestKind, RequestOutcome, Urgency};
use crate::domain::ids::{CaseId, TargetId};
use crate::domain::status::{CaseAction, CaseStatus};
use crate::domain::values::{Uai, bounded_text};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, CaseRef, SchoolNotice};

const BASE: &str = "/helpline/cases";

/// Helpline routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/helpline", get(queue))
        .route("/helpline/cases/{id}", get(show_case))
        .route("/helpline/cases/{id}/claim", post(claim))
        .route("/helpline/cases/{id}/release", post(release))
        .route("/helpline/cases/{id}/reassign", post(reassign))
        .route("/helpline/cases/{id}/advice", post(advise))
        .route("/helpline/cases/{id}/requests", post(add_request))
        .route(
            "/helpline/cases/{id}/requests/{request}/outcome",
            post(record_outcome),
        )
        .route("/helpline/cases/{id}/escalation", post(escalate))
        .route(
            "/helpline/cases/{id}/intervention",
            post(propose_intervention),
        )
        .route("/helpline/cases/{id}/question", post(ask_school))
        .route("/helpline/cases/{id}/return", post(return_case))
}

// ---------------------------------------------------------------- queue

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
}

async fn queue(
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
    let (rows, academies) = tokio::try_join!(
        db::queue::list(&state.db, &scope, &filter, &state.config.queue),
        db::queue::academies(&state.db),
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
        statuses: &CaseStatus::ALL,
        platforms: Platform::ALL,
        urgencies: Urgency::ALL,
    })
}

// ---------------------------------------------------------------- case

async fn show_case(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
) -> AppResult<CasePage> {
    CasePage::load(&state, &agent.0, id, FormState::default()).await
}

/// An empty form (the token only).
#[derive(Deserialize)]
pub struct Empty {}

async fn claim(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (_, next) = begin_action(&mut tx, &agent.0, id, CaseAction::Claim).await?;
    db::cases::assign(&mut tx, id, agent.0.id, next).await?;
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::Claimed,
        None,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "actions"))
}

async fn release(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::Release).await?;
    db::cases::release(&mut tx, id).await?;
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::Released,
        None,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "actions"))
}

/// The reassignment form.
#[derive(Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    agent: String,
}

async fn reassign(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<ReassignForm>,
) -> AppResult<Response> {
    let agents = db::accounts::helpline_agents(&state.db).await?;
    let Some(to) = agents.iter().find(|a| a.id.to_string() == form.agent) else {
        return CasePage::with_errors(
            &state,
            &agent.0,
            id,
            FormState::error("agent", "Choisissez l'écoutant à qui confier le dossier."),
        )
        .await;
    };
    let mut tx = state.db.begin().await?;
    let (_, next) = begin_action(&mut tx, &agent.0, id, CaseAction::Reassign).await?;
    db::cases::assign(&mut tx, id, to.id, next).await?;
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::Reassigned,
        Some(&format!("Confié à {}", to.display_name)),
        serde_json::json!({ "to": to.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "actions"))
}

/// Appends an event for a helpline record, after the guard, with the audit.
async fn record(
    state: &AppState,
    agent: &HelplineAgent,
    id: CaseId,
    kind: EventKind,
    note: &str,
    data: serde_json::Value,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::HelplineRecord).await?;
    log_action(&mut tx, agent.0.id, id, kind, Some(note), data).await?;
    tx.commit().await?;
    Ok(())
}

/// The advice form.
#[derive(Deserialize)]
pub struct AdviceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    advice: String,
}

async fn advise(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<AdviceForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("advice_kind", &form.kind)
        .keep("advice", &form.advice);
    let kind = AdviceKind::parse(&form.kind);
    if kind.is_none() {
        forms.errors.add(
            "advice_kind",
            "Choisissez le type de conseil (technique, juridique, psychologique).",
        );
    }
    let text = bounded_text(
        &form.advice,
        1,
        10_000,
        "Décrivez le conseil donné.",
        "10 000 caractères au plus.",
    )
    .map_err(|e| forms.errors.add("advice", e.0))
    .ok();
    let (Some(kind), Some(text)) = (kind, text) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let note = format!("Conseil {} : {text}", kind.label().to_lowercase());
    record(
        &state,
        &agent,
        id,
        EventKind::Advice,
        &note,
        serde_json::json!({ "kind": kind.code() }),
    )
    .await?;
    Ok(back_to(BASE, id, "historique"))
}

/// The platform request form: an existing target, or a new one.
#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sent_on: String,
    #[serde(default)]
    reference: String,
}

async fn add_request(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("request_target", &form.target)
        .keep("request_platform", &form.platform)
        .keep("request_value", &form.value)
        .keep("request_kind", &form.kind)
        .keep("request_sent_on", &form.sent_on)
        .keep("request_reference", &form.reference);
    enum Target {
        Existing(TargetId),
        New(Platform, String),
    }
    let target = if form.target == "new" {
        let platform = Platform::parse(&form.platform);
        if platform.is_none() {
            forms.errors.add(
                "request_platform",
                "Choisissez la plateforme du nouveau compte ou de la publication.",
            );
        }
        let value = bounded_text(
            &form.value,
            1,
            2000,
            "Indiquez l'adresse (URL) ou l'identifiant.",
            "2 000 caractères au plus.",
        )
        .map_err(|e| forms.errors.add("request_value", e.0))
        .ok();
        platform.zip(value).map(|(p, v)| Target::New(p, v))
    } else {
        let t = form.target.parse::<TargetId>().ok().map(Target::Existing);
        if t.is_none() {
            forms.errors.add(
                "request_target",
                "Choisissez le compte ou la publication visé, ou « Nouveau ».",
            );
        }
        t
    };
    let kind = RequestKind::parse(&form.kind);
    if kind.is_none() {
        forms
            .errors
            .add("request_kind", "Choisissez le type de demande.");
    }
    let sent_on = parse_past_date(&form.sent_on)
        .map_err(|e| forms.errors.add("request_sent_on", e))
        .ok();
    let reference = bounded_text(&form.reference, 0, 200, "", "200 caractères au plus.")
        .map_err(|e| forms.errors.add("request_reference", e.0))
        .ok();
    let (Some(target), Some(kind), Some(sent_on), Some(reference)) =
        (target, kind, sent_on, reference)
    else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::HelplineRecord).await?;
    let target_id = match target {
        Target::Existing(t) => t,
        Target::New(platform, value) => {
            let t = db::cases::insert_target(&mut tx, id, agent.0.id, platform, &value).await?;
            db::events::append(
                &mut tx,
                id,
                Some(agent.0.id),
                EventKind::TargetAdded,
                None,
                serde_json::json!({ "platform": platform.code(), "target_id": t }),
            )
            .await?;
            t
        }
    };
    let Some(request) = db::records::insert_request(
        &mut tx, id, target_id, kind, sent_on, &reference, agent.0.id,
    )
    .await?
    else {
        drop(tx);
        let mut forms = forms.keep("request_target", "");
        forms.errors.add("request_target", "Ce compte ou cette publication ne fait plus partie du dossier : choisissez-en un autre.");
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let note = format!(
        "{} demandée le {}",
        kind.label(),
        crate::web::format::date(sent_on)
    );
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::PlatformRequest,
        Some(&note),
        serde_json::json!({ "request": request, "kind": kind.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "demandes"))
}

/// The outcome form of a platform request.
#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    outcome_on: String,
}

async fn record_outcome(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids((id, request)): Ids<(CaseId, uuid::Uuid)>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default();
    let outcome = RequestOutcome::parse(&form.outcome).filter(|o| *o != RequestOutcome::Pending);
    if outcome.is_none() {
        forms
            .errors
            .add("request_outcome", "Choisissez la réponse de la plateforme.");
    }
    let on = parse_past_date(&form.outcome_on)
        .map_err(|e| forms.errors.add("request_outcome", e))
        .ok();
    let (Some(outcome), Some(on)) = (outcome, on) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::HelplineRecord).await?;
    if !db::records::set_request_outcome(&mut tx, id, request, outcome, on).await? {
        return Err(AppError::NotFound);
    }
    let note = format!("{} le {}", outcome.label(), crate::web::format::date(on));
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::PlatformOutcome,
        Some(&note),
        serde_json::json!({ "request": request, "outcome": outcome.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "demandes"))
}

/// The escalation form.
#[derive(Deserialize)]
pub struct EscalationForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    escalated_on: String,
}

async fn escalate(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<EscalationForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("escalation_reference", &form.reference)
        .keep("escalation_date", &form.escalated_on);
    let reference = bounded_text(
        &form.reference,
        1,
        200,
        "Indiquez la référence Pharos du signalement.",
        "200 caractères au plus.",
    )
    .map_err(|e| forms.errors.add("escalation_reference", e.0))
    .ok();
    let on = parse_past_date(&form.escalated_on)
        .map_err(|e| forms.errors.add("escalation_date", e))
        .ok();
    let (Some(reference), Some(on)) = (reference, on) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::HelplineRecord).await?;
    db::records::insert_escalation(&mut tx, id, &reference, on, agent.0.id).await?;
    let note = format!("Référence {reference}, le {}", crate::web::format::date(on));
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::Escalation,
        Some(&note),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

/// The intervention form.
#[derive(Deserialize)]
pub struct InterventionForm {
    #[serde(default)]
    proposed_on: String,
    #[serde(default)]
    topic: String,
}

async fn propose_intervention(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<InterventionForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("intervention_date", &form.proposed_on)
        .keep("intervention_topic", &form.topic);
    let on = NaiveDate::parse_from_str(form.proposed_on.trim(), "%Y-%m-%d")
        .map_err(|_| {
            forms.errors.add(
                "intervention_date",
                "Indiquez la date proposée (jj/mm/aaaa).",
            )
        })
        .ok();
    let topic = bounded_text(
        &form.topic,
        1,
        500,
        "Indiquez le thème de l'intervention.",
        "500 caractères au plus.",
    )
    .map_err(|e| forms.errors.add("intervention_topic", e.0))
    .ok();
    let (Some(on), Some(topic)) = (on, topic) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &agent.0, id, CaseAction::HelplineRecord).await?;
    db::records::insert_intervention(&mut tx, id, on, &topic, agent.0.id).await?;
    let note = format!(
        "{topic} — proposée pour le {}",
        crate::web::format::date(on)
    );
    log_action(
        &mut tx,
        agent.0.id,
        id,
        EventKind::Intervention,
        Some(&note),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

/// A form with one text.
#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// Asks the school a question or returns the case: a status change, an event
/// and a mail to the school's leadership, in one transaction.
async fn to_school(
    state: &AppState,
    agent: &HelplineAgent,
    id: CaseId,
    text: &str,
    notice: SchoolNotice,
) -> AppResult<()> {
    let (action, kind, audit) = match notice {
        SchoolNotice::NewReport => return Err(AppError::BadRequest("not a helpline notice")),
        SchoolNotice::Question => (CaseAction::AskSchool, EventKind::Question, "ask_school"),
        SchoolNotice::Returned => (CaseAction::Return, EventKind::Returned, "return_case"),
    };
    let mut tx = state.db.begin().await?;
    let (locked, next) = begin_action(&mut tx, &agent.0, id, action).await?;
    db::cases::set_status(&mut tx, id, next).await?;
    db::events::append(
        &mut tx,
        id,
        Some(agent.0.id),
        kind,
        Some(text),
        serde_json::json!({}),
    )
    .await?;
    let case = CaseRef {
        id: id.0,
        reference: &locked.reference,
        urgency: locked.urgency,
    };
    messages::queue_to_school(
        &mut tx,
        &state.config.mail_context(),
        locked.school_id,
        &case,
        notice,
    )
    .await?;
    db::audit::record(
        &mut *tx,
        Some(agent.0.id),
        audit,
        "case",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The question or the conclusions, checked, then sent to the school.
async fn text_to_school(
    state: &AppState,
    agent: &HelplineAgent,
    id: CaseId,
    text: String,
    notice: SchoolNotice,
) -> AppResult<Response> {
    let (field, max, empty, long) = match notice {
        SchoolNotice::Returned => (
            "conclusions",
            20_000,
            "Écrivez vos conclusions pour l'établissement.",
            "20 000 caractères au plus.",
        ),
        _ => (
            "question",
            10_000,
            "Écrivez la question à poser à l'établissement.",
            "10 000 caractères au plus.",
        ),
    };
    match bounded_text(&text, 1, max, empty, long) {
        Ok(t) => {
            to_school(state, agent, id, &t, notice).await?;
            Ok(back_to(BASE, id, "historique"))
        }
        Err(e) => {
            CasePage::with_errors(
                state,
                &agent.0,
                id,
                FormState::error(field, e.0).keep(field, text),
            )
            .await
        }
    }
}

async fn ask_school(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    text_to_school(&state, &agent, id, form.text, SchoolNotice::Question).await
}

async fn return_case(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    text_to_school(&state, &agent, id, form.text, SchoolNotice::Returned).await
}
