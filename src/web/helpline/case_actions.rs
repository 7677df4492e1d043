//! The helpline's actions on a case (claim, advice, platform requests,
//! Pharos, interventions, questions, return): each handler turns its form
//! into a command and hands it to `ops::case::apply`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::case::{AdviceKind, Platform, RequestKind, RequestOutcome};
use crate::domain::ids::{AccountId, CaseId, RequestId, TargetId};
use crate::domain::values::{TextRule, date, past_date};
use crate::error::AppResult;
use crate::ops::case::{CaseCommand, RequestTarget};
use crate::web::case_page::{CasePage, apply};
use crate::web::extract::{CsrfForm, Empty, HelplineAgent, Ids};
use crate::web::forms::FormState;

const ADVICE: TextRule = TextRule::required(
    10_000,
    "Décrivez le conseil donné.",
    "10 000 caractères au plus.",
);
const TARGET: TextRule = TextRule::required(
    2000,
    "Indiquez l'adresse (URL) ou l'identifiant.",
    "2 000 caractères au plus.",
);
const PLATFORM_REFERENCE: TextRule = TextRule::optional(200, "200 caractères au plus.");
const PHAROS_REFERENCE: TextRule = TextRule::required(
    200,
    "Indiquez la référence Pharos du signalement.",
    "200 caractères au plus.",
);
const TOPIC: TextRule = TextRule::required(
    500,
    "Indiquez le thème de l'intervention.",
    "500 caractères au plus.",
);
const QUESTION: TextRule = TextRule::required(
    10_000,
    "Écrivez la question à poser à l'établissement.",
    "10 000 caractères au plus.",
);
const CONCLUSIONS: TextRule = TextRule::required(
    20_000,
    "Écrivez vos conclusions pour l'établissement.",
    "20 000 caractères au plus.",
);

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(super) async fn show_case(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
) -> AppResult<CasePage> {
    CasePage::load(&state, &agent.0, id, FormState::default()).await
}

pub(super) async fn claim(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    apply(
        &state,
        &agent.0,
        id,
        CaseCommand::Claim,
        "actions",
        FormState::default(),
    )
    .await
}

pub(super) async fn release(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    apply(
        &state,
        &agent.0,
        id,
        CaseCommand::Release,
        "actions",
        FormState::default(),
    )
    .await
}

/// The reassignment form.
#[derive(Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    agent: String,
}

pub(super) async fn reassign(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<ReassignForm>,
) -> AppResult<Response> {
    let Ok(to) = form.agent.parse::<AccountId>() else {
        let forms = FormState::error("agent", "Choisissez l'écoutant à qui confier le dossier.");
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Reassign(to);
    apply(
        &state,
        &agent.0,
        id,
        command,
        "actions",
        FormState::default(),
    )
    .await
}

/// The advice form.
#[derive(Deserialize)]
pub struct AdviceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    advice: String,
}

pub(super) async fn advise(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<AdviceForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("advice_kind", &form.kind)
        .keep("advice", &form.advice);
    let e = &mut forms.errors;
    let kind = e.require(
        "advice_kind",
        AdviceKind::parse(&form.kind),
        "Choisissez le type de conseil (technique, juridique, psychologique).",
    );
    let text = e.check("advice", ADVICE.parse(&form.advice));
    let (Some(kind), Some(text)) = (kind, text) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Advice(kind, text);
    apply(&state, &agent.0, id, command, "historique", forms).await
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

impl RequestForm {
    /// The values as typed, to show again.
    fn kept(&self) -> FormState {
        FormState::default()
            .keep("request_target", &self.target)
            .keep("request_platform", &self.platform)
            .keep("request_value", &self.value)
            .keep("request_kind", &self.kind)
            .keep("request_sent_on", &self.sent_on)
            .keep("request_reference", &self.reference)
    }

    /// The target chosen, or a new one typed.
    fn target(&self, forms: &mut FormState) -> Option<RequestTarget> {
        let e = &mut forms.errors;
        if self.target != "new" {
            let existing = self.target.parse::<TargetId>().ok();
            let message = "Choisissez le compte ou la publication visé, ou « Nouveau ».";
            return e
                .require("request_target", existing, message)
                .map(RequestTarget::Existing);
        }
        let platform = e.require(
            "request_platform",
            Platform::parse(&self.platform),
            "Choisissez la plateforme du nouveau compte ou de la publication.",
        );
        let value = e.check("request_value", TARGET.parse(&self.value));
        platform.zip(value).map(|(p, v)| RequestTarget::New(p, v))
    }
}

pub(super) async fn add_request(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> AppResult<Response> {
    let mut forms = form.kept();
    let target = form.target(&mut forms);
    let e = &mut forms.errors;
    let kind = e.require(
        "request_kind",
        RequestKind::parse(&form.kind),
        "Choisissez le type de demande.",
    );
    let sent_on = e.check("request_sent_on", past_date(&form.sent_on, today()));
    let reference = e.check(
        "request_reference",
        PLATFORM_REFERENCE.parse(&form.reference),
    );
    let (Some(target), Some(kind), Some(sent_on), Some(reference)) =
        (target, kind, sent_on, reference)
    else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Request {
        target,
        kind,
        sent_on,
        reference,
    };
    // A target removed meanwhile comes back with the choice emptied.
    let forms = forms.keep("request_target", "");
    apply(&state, &agent.0, id, command, "demandes", forms).await
}

/// The outcome form of a platform request.
#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    outcome_on: String,
}

pub(super) async fn record_outcome(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids((id, request)): Ids<(CaseId, RequestId)>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default();
    let e = &mut forms.errors;
    let outcome = RequestOutcome::parse(&form.outcome).filter(|o| *o != RequestOutcome::Pending);
    let outcome = e.require(
        "request_outcome",
        outcome,
        "Choisissez la réponse de la plateforme.",
    );
    let on = e.check("request_outcome", past_date(&form.outcome_on, today()));
    let (Some(outcome), Some(on)) = (outcome, on) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Outcome(request, outcome, on);
    apply(&state, &agent.0, id, command, "demandes", forms).await
}

/// The escalation form.
#[derive(Deserialize)]
pub struct EscalationForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    escalated_on: String,
}

pub(super) async fn escalate(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<EscalationForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("escalation_reference", &form.reference)
        .keep("escalation_date", &form.escalated_on);
    let e = &mut forms.errors;
    let reference = e.check(
        "escalation_reference",
        PHAROS_REFERENCE.parse(&form.reference),
    );
    let on = e.check("escalation_date", past_date(&form.escalated_on, today()));
    let (Some(reference), Some(on)) = (reference, on) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Escalate(reference, on);
    apply(&state, &agent.0, id, command, "historique", forms).await
}

/// The intervention form.
#[derive(Deserialize)]
pub struct InterventionForm {
    #[serde(default)]
    proposed_on: String,
    #[serde(default)]
    topic: String,
}

pub(super) async fn propose_intervention(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<InterventionForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("intervention_date", &form.proposed_on)
        .keep("intervention_topic", &form.topic);
    let e = &mut forms.errors;
    let on = e.check("intervention_date", date(&form.proposed_on));
    let topic = e.check("intervention_topic", TOPIC.parse(&form.topic));
    let (Some(on), Some(topic)) = (on, topic) else {
        return CasePage::with_errors(&state, &agent.0, id, forms).await;
    };
    let command = CaseCommand::Intervene(on, topic);
    apply(&state, &agent.0, id, command, "historique", forms).await
}

/// A form with one text.
#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// Checks the question or the conclusions, then sends them to the school.
async fn to_school(
    state: &AppState,
    agent: &HelplineAgent,
    id: CaseId,
    (typed, rule, field): (String, TextRule, &'static str),
    command: impl FnOnce(String) -> CaseCommand,
) -> AppResult<Response> {
    match rule.parse(&typed) {
        Ok(t) => {
            apply(
                state,
                &agent.0,
                id,
                command(t),
                "historique",
                FormState::default(),
            )
            .await
        }
        Err(e) => {
            let forms = FormState::error(field, e.0).keep(field, typed);
            CasePage::with_errors(state, &agent.0, id, forms).await
        }
    }
}

pub(super) async fn ask_school(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let text = (form.text, QUESTION, "question");
    to_school(&state, &agent, id, text, CaseCommand::Ask).await
}

pub(super) async fn return_case(
    State(state): State<AppState>,
    agent: HelplineAgent,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let text = (form.text, CONCLUSIONS, "conclusions");
    to_school(&state, &agent, id, text, CaseCommand::Return).await
}
