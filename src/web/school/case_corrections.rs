//! The school's corrections and additions to what a case says: correcting
//! its facts, adding an author after opening, answering an intervention.

use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::case_form::{DESCRIPTION, PUPIL_GROUP, STAFF_GROUP, parse_author};
use crate::app::AppState;
use crate::domain::case::{HarassmentKind, Platform, Urgency, VictimKind};
use crate::domain::correction::Facts;
use crate::domain::ids::CaseId;
use crate::domain::values::{TextRule, date, optional_past_date};
use crate::error::{AppError, AppResult};
use crate::ops::case::CaseCommand;
use crate::web::case_page::{CasePage, apply};
use crate::web::extract::{CsrfForm, Ids, SchoolStaff};
use crate::web::forms::FormState;

const INTERVENTION_NOTE: TextRule =
    TextRule::optional(2_000, "Le commentaire est limité à 2 000 caractères.");

/// The correction form: every correctable fact, as it should now be.
#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    victim_kind: String,
    #[serde(default)]
    victim_group: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    platforms: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

impl CorrectionForm {
    /// What was typed, to show again with the errors.
    fn typed(&self) -> FormState {
        FormState::default()
            .keep("fix_urgency", &self.urgency)
            .keep("fix_victim_group", &self.victim_group)
            .keep("fix_description", &self.description)
            .keep("fix_started_on", &self.started_on)
            .keep("fix_platforms", self.platforms.join(","))
            .keep("fix_kinds", self.kinds.join(","))
    }
}

pub(super) async fn correct_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<CorrectionForm>,
) -> AppResult<Response> {
    let mut forms = form.typed();
    let e = &mut forms.errors;
    let urgency = e.require(
        "fix_urgency",
        Urgency::parse(&form.urgency),
        "Indiquez le niveau d'urgence.",
    );
    let group = match VictimKind::parse(&form.victim_kind) {
        Some(VictimKind::Staff) => STAFF_GROUP,
        _ => PUPIL_GROUP,
    };
    let victim_group = e.check("fix_victim_group", group.parse(&form.victim_group));
    let description = e.check("fix_description", DESCRIPTION.parse(&form.description));
    let today = Utc::now().date_naive();
    let started_on = e.check(
        "fix_started_on",
        optional_past_date(&form.started_on, today),
    );
    let platforms = Platform::parse_set(&form.platforms);
    if platforms.is_empty() {
        e.add(
            "fix_platforms",
            "Cochez au moins une plateforme ou un moyen.",
        );
    }
    let kinds = HarassmentKind::parse_set(&form.kinds);
    if kinds.is_empty() {
        e.add("fix_kinds", "Cochez au moins un type de faits.");
    }
    let (Some(urgency), Some(victim_group), Some(description), Some(started_on), true) =
        (urgency, victim_group, description, started_on, e.is_empty())
    else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let facts = Facts {
        urgency,
        victim_group,
        description,
        started_on,
        platforms,
        kinds,
    };
    let command = CaseCommand::Correct(facts);
    apply(&state, &staff.0, id, command, "historique", forms).await
}

/// The form that adds an alleged author.
#[derive(Deserialize)]
pub struct AuthorForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    group: String,
}

pub(super) async fn add_author(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<AuthorForm>,
) -> AppResult<Response> {
    let forms = FormState::default()
        .keep("author_kind", &form.kind)
        .keep("author_name", &form.name)
        .keep("author_group", &form.group);
    match parse_author(&form.kind, &form.name, &form.group) {
        Ok(author) => {
            let command = CaseCommand::Author(author);
            apply(&state, &staff.0, id, command, "auteurs", forms).await
        }
        Err(message) => {
            let mut forms = forms;
            forms.errors.add("author_kind", message);
            CasePage::with_errors(&state, &staff.0, id, forms).await
        }
    }
}

/// The answer to a proposed intervention.
#[derive(Deserialize)]
pub struct InterventionAnswerForm {
    #[serde(default)]
    intervention: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    scheduled_on: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn answer_intervention(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<InterventionAnswerForm>,
) -> AppResult<Response> {
    let Ok(intervention) = form.intervention.parse() else {
        return Err(AppError::BadRequest("no intervention"));
    };
    let mut forms = FormState::default()
        .keep("iv_id", &form.intervention)
        .keep("iv_answer", &form.answer)
        .keep("iv_date", &form.scheduled_on)
        .keep("iv_note", &form.note);
    let e = &mut forms.errors;
    let scheduled_on = match form.answer.as_str() {
        "accept" => e.check("iv_date", date(&form.scheduled_on)).map(Some),
        "decline" => Some(None),
        _ => {
            e.add("iv_answer", "Choisissez : accepter ou décliner.");
            None
        }
    };
    let note = e.check("iv_note", INTERVENTION_NOTE.parse(&form.note));
    let (Some(scheduled_on), Some(note)) = (scheduled_on, note) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let command = CaseCommand::AnswerIntervention {
        id: intervention,
        scheduled_on,
        note,
    };
    apply(&state, &staff.0, id, command, "demandes", forms).await
}
