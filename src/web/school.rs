//! School leadership: dashboard, opening a case, the case page and its actions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::case_view::{CasePage, FormState, back_to, begin_action, log_action};
use super::evidence::{CheckedFile, check_files, with_pending_files};
use super::layout::Layout;
use super::upload::MultipartForm;
use super::{FieldErrors, Ids};
use crate::app::AppState;
use crate::auth::SchoolStaff;
use crate::auth::csrf::{CsrfForm, CsrfMultipart};
use crate::db::{self, audit::Outcome, cases::NewAuthor, cases::NewCase, schools::School};
use crate::domain::case::{
    AuthorKind, CaseOutcome, EventKind, HarassmentKind, Platform, ReportStatus, ReporterKind,
    SanctionKind, Urgency, VictimKind,
};
use crate::domain::ids::{CaseId, ReportId};
use crate::domain::status::{CaseAction, CaseStatus};
use crate::domain::values::bounded_text;
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, CaseRef, ReporterNotice};

/// School routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/school", get(dashboard).post(search_dashboard))
        .route("/school/cases/new", get(new_case))
        .route("/school/cases", post(create_case))
        .route("/school/cases/{id}", get(show_case))
        .route("/school/cases/{id}/notes", post(add_note))
        .route("/school/cases/{id}/evidence", post(add_evidence))
        .route("/school/cases/{id}/targets", post(add_target))
        .route("/school/cases/{id}/close", post(close_case))
        .route("/school/cases/{id}/reopen", post(reopen_case))
        .route("/school/cases/{id}/refer", post(refer_case))
        .route("/school/cases/{id}/withdraw", post(withdraw_case))
        .route("/school/cases/{id}/answer", post(answer_question))
        .route("/school/cases/{id}/sanctions", post(add_sanction))
        .route("/school/cases/{id}/legal-hold", post(set_legal_hold))
}

// ---------------------------------------------------------------- dashboard

/// Dashboard query string.
#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

/// The school's cases.
#[derive(Template, WebTemplate)]
#[template(path = "school/dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    schools: Vec<School>,
    cases: Vec<db::cases::CaseListRow>,
    counts: Vec<(CaseStatus, i64)>,
    reports_waiting: i64,
    status: String,
    q: String,
    statuses: &'static [CaseStatus],
}

impl DashboardPage {
    fn count(&self, s: &CaseStatus) -> i64 {
        self.counts
            .iter()
            .find(|(k, _)| k == s)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    fn waiting(&self) -> i64 {
        self.count(&CaseStatus::AwaitingSchool) + self.count(&CaseStatus::Returned)
    }

    fn filtered(&self) -> bool {
        !self.status.is_empty() || !self.q.trim().is_empty()
    }
}

/// The dashboard with a status filter (a GET, shareable).
async fn dashboard(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<DashboardQuery>,
) -> AppResult<DashboardPage> {
    // A victim's name never travels in a URL: searches come by POST.
    let query = DashboardQuery {
        q: String::new(),
        ..query
    };
    dashboard_page(&state, &staff, query).await
}

/// The dashboard searched by reference or victim name (a POST, so the name
/// stays out of URLs, browser history and proxy logs).
async fn search_dashboard(
    State(state): State<AppState>,
    staff: SchoolStaff,
    CsrfForm(query): CsrfForm<DashboardQuery>,
) -> AppResult<DashboardPage> {
    dashboard_page(&state, &staff, query).await
}

async fn dashboard_page(
    state: &AppState,
    staff: &SchoolStaff,
    query: DashboardQuery,
) -> AppResult<DashboardPage> {
    let scope = staff.scope();
    let filter = db::cases::SchoolFilter {
        status: CaseStatus::parse(&query.status),
        search: Some(query.q.clone()),
    };
    let (schools, cases, counts, reports_waiting) = tokio::try_join!(
        db::schools::list_by_ids(&state.db, &staff.0.schools),
        db::cases::list_for_school(&state.db, &scope, &filter),
        db::cases::count_by_status(&state.db, &scope),
        db::reports::count_waiting(&state.db, &scope),
    )?;
    Ok(DashboardPage {
        layout: Layout::for_actor(&staff.0),
        schools,
        cases,
        counts,
        reports_waiting,
        status: filter
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        q: query.q,
        statuses: &CaseStatus::ALL,
    })
}

// ---------------------------------------------------------------- case form

/// An author row as typed.
#[derive(Default, Clone)]
pub struct AuthorRow {
    kind: String,
    name: String,
    group: String,
}

/// A target row as typed.
#[derive(Default, Clone)]
pub struct TargetRow {
    platform: String,
    value: String,
}

/// Rows shown for authors and targets; more can be added on the case page
/// (and with JavaScript, on the form).
const FORM_ROWS: usize = 3;

/// A validated case form: the case, its alleged authors, its online targets.
type ParsedCase = (NewCase, Vec<NewAuthor>, Vec<(Platform, String)>);

/// The most author or target rows one form may send.
const MAX_ROWS: usize = 20;

/// The case form's values as typed, kept when it comes back with errors.
#[derive(Default)]
pub struct CaseForm {
    school: String,
    urgency: String,
    victim_kind: String,
    victim_name: String,
    victim_group: String,
    description: String,
    started_on: String,
    platforms: Vec<String>,
    kinds: Vec<String>,
    checklist: Vec<String>,
    authors: Vec<AuthorRow>,
    targets: Vec<TargetRow>,
    /// The report this case is opened from, if any.
    report: String,
}

impl CaseForm {
    fn blank() -> CaseForm {
        CaseForm {
            urgency: "normal".into(),
            authors: vec![AuthorRow::default(); FORM_ROWS],
            targets: vec![TargetRow::default(); FORM_ROWS],
            ..CaseForm::default()
        }
    }

    fn from_multipart(f: &MultipartForm) -> CaseForm {
        let rows = |n: usize| n.clamp(FORM_ROWS, MAX_ROWS);
        let (kinds, names, groups) = (
            f.all("author_kind"),
            f.all("author_name"),
            f.all("author_group"),
        );
        let authors = (0..rows(kinds.len()))
            .map(|i| AuthorRow {
                kind: kinds.get(i).cloned().unwrap_or_default(),
                name: names.get(i).cloned().unwrap_or_default(),
                group: groups.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        let (platforms, values) = (f.all("target_platform"), f.all("target_value"));
        let targets = (0..rows(platforms.len()))
            .map(|i| TargetRow {
                platform: platforms.get(i).cloned().unwrap_or_default(),
                value: values.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        CaseForm {
            school: f.get("school"),
            urgency: f.get("urgency"),
            victim_kind: f.get("victim_kind"),
            victim_name: f.get("victim_name"),
            victim_group: f.get("victim_group"),
            description: f.get("description"),
            started_on: f.get("started_on"),
            platforms: f.all("platforms"),
            kinds: f.all("kinds"),
            checklist: f.all("checklist"),
            authors,
            targets,
            report: f.get("report"),
        }
    }

    /// The form pre-filled from a report.
    fn from_report(r: &db::reports::ReportDetail) -> CaseForm {
        CaseForm {
            school: r.school_id.to_string(),
            urgency: if r.danger { "danger" } else { "normal" }.into(),
            victim_kind: if r.reporter_kind == ReporterKind::StaffVictim {
                "staff"
            } else {
                "pupil"
            }
            .into(),
            victim_name: r.victim_first_name.clone(),
            victim_group: r.victim_class.clone(),
            description: r.description.clone(),
            started_on: r
                .started_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            platforms: r.platforms.clone(),
            kinds: r.kinds.clone(),
            report: r.id.to_string(),
            ..CaseForm::blank()
        }
    }

    fn has_platform(&self, code: &str) -> bool {
        self.platforms.iter().any(|p| p == code)
    }

    fn has_kind(&self, code: &str) -> bool {
        self.kinds.iter().any(|k| k == code)
    }

    fn checked(&self, item: &str) -> bool {
        self.checklist.iter().any(|c| c == item)
    }

    /// Validates into a new case, its authors and targets.
    fn parse(&self, schools: &[School], errors: &mut FieldErrors) -> Option<ParsedCase> {
        let school = if schools.len() == 1 {
            Some(schools[0].id)
        } else {
            let s = schools
                .iter()
                .find(|s| s.id.to_string() == self.school)
                .map(|s| s.id);
            if s.is_none() {
                errors.add("school", "Choisissez l'établissement concerné.");
            }
            s
        };
        let urgency = Urgency::parse(&self.urgency);
        if urgency.is_none() {
            errors.add("urgency", "Indiquez le niveau d'urgence.");
        }
        let victim_kind = VictimKind::parse(&self.victim_kind);
        if victim_kind.is_none() {
            errors.add(
                "victim_kind",
                "Indiquez si la victime est un élève ou un membre du personnel.",
            );
        }
        let victim_name = bounded_text(
            &self.victim_name,
            1,
            200,
            "Indiquez le nom ou les initiales de la victime.",
            "Le nom est limité à 200 caractères.",
        )
        .map_err(|e| errors.add("victim_name", e.0))
        .ok();
        let group_empty = if victim_kind == Some(VictimKind::Staff) {
            "Indiquez la fonction de la victime (ex. professeur de mathématiques)."
        } else {
            "Indiquez la classe de la victime (ex. 4e B)."
        };
        let victim_group = bounded_text(
            &self.victim_group,
            1,
            100,
            group_empty,
            "Ce champ est limité à 100 caractères.",
        )
        .map_err(|e| errors.add("victim_group", e.0))
        .ok();
        let description = bounded_text(
            &self.description,
            10,
            20_000,
            "Décrivez les faits en quelques phrases (10 caractères au moins).",
            "La description est limitée à 20 000 caractères.",
        )
        .map_err(|e| errors.add("description", e.0))
        .ok();
        let started_on = match self.started_on.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d <= Utc::now().date_naive() => Some(d),
                Ok(_) => {
                    errors.add(
                        "started_on",
                        "La date de début ne peut pas être dans le futur.",
                    );
                    None
                }
                Err(_) => {
                    errors.add("started_on", "Saisissez une date au format jj/mm/aaaa.");
                    None
                }
            },
        };
        let platforms: Vec<Platform> = self
            .platforms
            .iter()
            .filter_map(|p| Platform::parse(p))
            .collect();
        if platforms.is_empty() {
            errors.add("platforms", "Cochez au moins une plateforme ou un moyen (cochez « Autre » si aucun ne convient).");
        }
        let kinds: Vec<HarassmentKind> = self
            .kinds
            .iter()
            .filter_map(|k| HarassmentKind::parse(k))
            .collect();
        if kinds.is_empty() {
            errors.add(
                "kinds",
                "Cochez au moins un type de faits (cochez « Autre » si aucun ne convient).",
            );
        }
        let mut authors = Vec::new();
        for (i, row) in self.authors.iter().enumerate() {
            if row.kind.is_empty() && row.name.trim().is_empty() && row.group.trim().is_empty() {
                continue;
            }
            match AuthorKind::parse(&row.kind) {
                Some(kind) if row.name.chars().count() <= 200 && row.group.chars().count() <= 100 => authors.push(NewAuthor {
                    kind,
                    name: row.name.trim().to_owned(),
                    group: row.group.trim().to_owned(),
                }),
                Some(_) => errors.add(format!("author_{i}"), "Le nom est limité à 200 caractères, la classe à 100."),
                None => errors.add(format!("author_{i}"), "Précisez qui est l'auteur présumé (élève, inconnu, adulte, personne extérieure)."),
            }
        }
        let mut targets = Vec::new();
        for (i, row) in self.targets.iter().enumerate() {
            let value = row.value.trim();
            if row.platform.is_empty() && value.is_empty() {
                continue;
            }
            match (Platform::parse(&row.platform), value) {
                (Some(p), v) if !v.is_empty() && v.chars().count() <= 2000 => targets.push((p, v.to_owned())),
                (None, _) => errors.add(format!("target_{i}"), "Choisissez la plateforme de ce compte ou de cette publication."),
                _ => errors.add(format!("target_{i}"), "Indiquez l'adresse (URL) ou l'identifiant du compte (2 000 caractères au plus)."),
            }
        }
        let checklist = ["secured", "evidence", "families", "authorities"].map(|c| self.checked(c));
        if !errors.is_empty() {
            return None;
        }
        Some((
            NewCase {
                school: school?,
                urgency: urgency?,
                victim_kind: victim_kind?,
                victim_name: victim_name?,
                victim_group: victim_group?,
                description: description?,
                started_on,
                platforms,
                kinds,
                checklist,
            },
            authors,
            targets,
        ))
    }
}

/// Field ids in the order of the form, for the error summary.
const CASE_FIELDS: &[&str] = &[
    "school",
    "victim_kind",
    "victim_name",
    "victim_group",
    "urgency",
    "description",
    "started_on",
    "platforms",
    "kinds",
    "author_0",
    "author_1",
    "author_2",
    "target_0",
    "target_1",
    "target_2",
    "evidence",
];

/// The guided form that opens a case.
#[derive(Template, WebTemplate)]
#[template(path = "school/case_form.html")]
pub struct CaseFormPage {
    layout: Layout,
    schools: Vec<School>,
    form: CaseForm,
    errors: FieldErrors,
    max_file_mb: usize,
    max_files: usize,
    platforms: &'static [Platform],
    kinds: &'static [HarassmentKind],
    author_kinds: &'static [AuthorKind],
}

impl CaseFormPage {
    fn new(
        state: &AppState,
        staff: &SchoolStaff,
        schools: Vec<School>,
        form: CaseForm,
        errors: FieldErrors,
    ) -> CaseFormPage {
        CaseFormPage {
            layout: Layout::for_actor(&staff.0),
            schools,
            form,
            errors,
            max_file_mb: state.config.uploads.max_file_bytes / (1024 * 1024),
            max_files: state.config.uploads.max_files,
            platforms: Platform::ALL,
            kinds: HarassmentKind::ALL,
            author_kinds: AuthorKind::ALL,
        }
    }

    fn summary(&self) -> Vec<(String, String)> {
        self.errors.in_order(CASE_FIELDS)
    }

    fn author_error(&self, row: &usize) -> Option<&str> {
        self.errors.get(&format!("author_{row}"))
    }

    fn target_error(&self, row: &usize) -> Option<&str> {
        self.errors.get(&format!("target_{row}"))
    }
}

/// The query string of the case form.
#[derive(Deserialize, Default)]
pub struct NewCaseQuery {
    #[serde(default)]
    report: String,
}

async fn new_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<NewCaseQuery>,
) -> AppResult<Response> {
    let schools = db::schools::list_by_ids(&state.db, &staff.0.schools).await?;
    let form = match query.report.parse::<ReportId>() {
        Ok(id) => {
            let report = db::reports::get(&state.db, &staff.scope(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            if report.status != ReportStatus::Received {
                return Ok(Redirect::to(&format!("/school/reports/{id}")).into_response());
            }
            CaseForm::from_report(&report)
        }
        Err(_) => CaseForm::blank(),
    };
    Ok(CaseFormPage::new(&state, &staff, schools, form, FieldErrors::default()).into_response())
}

async fn create_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let schools = db::schools::list_by_ids(&state.db, &staff.0.schools).await?;
    let typed = CaseForm::from_multipart(&form);
    let mut errors = FieldErrors::default();
    let parsed = typed.parse(&schools, &mut errors);
    let files = checked_evidence(&form, &mut errors);
    let (Some((case, authors, targets)), Some(files)) = (parsed, files) else {
        let page = CaseFormPage::new(&state, &staff, schools, typed, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let scope = staff.scope();
    let actor = staff.0.id;
    let from_report = typed.report.parse::<ReportId>().ok();
    let id = with_pending_files(&state, async |pending| {
        let mut tx = state.db.begin().await?;
        let report = match from_report {
            Some(r) => {
                let locked = db::reports::lock(&mut tx, &scope, r).await?.ok_or(AppError::NotFound)?;
                if locked.status != ReportStatus::Received {
                    return Err(AppError::Conflict(
                        "Ce signalement a déjà reçu une décision : un dossier en a peut-être déjà été ouvert.".into(),
                    ));
                }
                Some((r, locked))
            }
            None => None,
        };
        // A case opened from a report belongs to the school the report was sent to.
        if let Some((_, locked)) = &report
            && locked.school_id != case.school
        {
            return Err(AppError::Conflict(
                "Ce signalement a été envoyé à un autre de vos établissements : ouvrez le dossier pour cet établissement-là.".into(),
            ));
        }
        let (id, _reference) = db::cases::insert_case(&mut tx, &scope, &case).await?;
        let opened_from = report.as_ref().map(|(_, l)| format!("Ouvert à partir du signalement {}", l.reference));
        db::events::append(&mut tx, id, Some(actor), EventKind::Created, opened_from.as_deref(), serde_json::json!({})).await?;
        if let Some((report_id, locked)) = &report {
            // The report's files are copied: evidence rows are never moved.
            let files = db::reports::evidence_of_locked(&mut tx, *report_id).await?;
            for f in &files {
                let bytes = state.storage.get(&f.storage_key).await?;
                let key = pending.put(&bytes).await?;
                let file_type = crate::domain::upload::FileType::from_mime(&f.mime_type)
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown stored type")))?;
                let new = db::evidence::NewEvidence {
                    storage_key: &key,
                    original_name: &f.original_name,
                    file_type,
                    size: f.size_bytes,
                    sha256: &f.sha256,
                };
                db::evidence::insert(&mut tx, id, None, &new).await?;
            }
            if !files.is_empty() {
                let data = serde_json::json!({ "count": files.len() });
                db::events::append(&mut tx, id, None, EventKind::EvidenceAdded, Some("Pièces jointes au signalement"), data).await?;
            }
            db::reports::link_case(&mut tx, *report_id, id).await?;
            if let Some(to) = &locked.contact_email {
                let ctx = state.config.mail_context();
                messages::queue_to_reporter(&mut tx, &ctx, to, &locked.reference, ReporterNotice::Decision).await?;
            }
        }
        for a in &authors {
            db::cases::insert_author(&mut tx, id, a).await?;
        }
        for (platform, target) in &targets {
            db::cases::insert_target(&mut tx, id, actor, *platform, target).await?;
        }
        pending.store(&mut tx, id, Some(actor), &files).await?;
        db::audit::record(
            &mut *tx,
            Some(actor),
            "create_case",
            "case",
            Some(id.0),
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    })
    .await?;
    Ok(Redirect::to(&format!("/school/cases/{id}")).into_response())
}

/// The evidence files of a form, checked; `None` (with a message on the
/// `evidence` field) if any was refused.
fn checked_evidence(form: &MultipartForm, errors: &mut FieldErrors) -> Option<Vec<CheckedFile>> {
    if let Some(msg) = form.file_errors.get("evidence") {
        errors.add("evidence", msg.clone());
        return None;
    }
    match check_files(form.files_of("evidence")) {
        Ok(files) => Some(files),
        Err(msg) => {
            errors.add("evidence", msg);
            None
        }
    }
}

// ---------------------------------------------------------------- case page

const BASE: &str = "/school/cases";

async fn show_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
) -> AppResult<CasePage> {
    CasePage::load(&state, &staff.0, id, FormState::default()).await
}

/// A form with one free text.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// Appends a timeline entry after the action guard, in one transaction.
async fn record_event(
    state: &AppState,
    staff: &SchoolStaff,
    id: CaseId,
    action: CaseAction,
    kind: EventKind,
    note: Option<&str>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, action).await?;
    log_action(&mut tx, staff.0.id, id, kind, note, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

async fn add_note(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    match bounded_text(
        &form.note,
        1,
        10_000,
        "Écrivez la note avant de l'ajouter.",
        "La note est limitée à 10 000 caractères.",
    ) {
        Ok(note) => {
            record_event(
                &state,
                &staff,
                id,
                CaseAction::SchoolRecord,
                EventKind::Note,
                Some(&note),
            )
            .await?;
            Ok(back_to(BASE, id, "historique"))
        }
        Err(e) => {
            CasePage::with_errors(
                &state,
                &staff.0,
                id,
                FormState::error("note", e.0).keep("note", form.note),
            )
            .await
        }
    }
}

async fn add_evidence(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let files = checked_evidence(&form, &mut errors).filter(|f| !f.is_empty());
    let Some(files) = files else {
        if errors.is_empty() {
            errors.add("evidence", "Choisissez au moins un fichier à ajouter.");
        }
        let forms = FormState::with(errors);
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let actor = staff.0.id;
    with_pending_files(&state, async |pending| {
        let mut tx = state.db.begin().await?;
        begin_action(&mut tx, &staff.0, id, CaseAction::SchoolRecord).await?;
        pending.store(&mut tx, id, Some(actor), &files).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    Ok(back_to(BASE, id, "pieces"))
}

/// An online target form.
#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    platform: String,
    #[serde(default)]
    target: String,
}

async fn add_target(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<TargetForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("target_platform", &form.platform)
        .keep("target_value", &form.target);
    let platform = Platform::parse(&form.platform);
    if platform.is_none() {
        forms
            .errors
            .add("target_platform", "Choisissez la plateforme.");
    }
    let target = bounded_text(
        &form.target,
        1,
        2000,
        "Indiquez l'adresse (URL) ou l'identifiant du compte.",
        "2 000 caractères au plus.",
    )
    .map_err(|e| forms.errors.add("target_value", e.0))
    .ok();
    let (Some(platform), Some(target)) = (platform, target) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, CaseAction::SchoolRecord).await?;
    let target_id = db::cases::insert_target(&mut tx, id, staff.0.id, platform, &target).await?;
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::TargetAdded,
        None,
        serde_json::json!({ "platform": platform.code(), "target_id": target_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "cibles"))
}

/// The closing form.
#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn close_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> AppResult<Response> {
    let outcome = CaseOutcome::parse(&form.outcome);
    let note = bounded_text(
        &form.note,
        0,
        10_000,
        "",
        "La note est limitée à 10 000 caractères.",
    );
    let (Some(outcome), Ok(note)) = (outcome, note.clone()) else {
        let mut forms = FormState::default()
            .keep("outcome", &form.outcome)
            .keep("close_note", &form.note);
        if outcome.is_none() {
            forms
                .errors
                .add("outcome", "Choisissez l'issue du dossier.");
        }
        if let Err(e) = note {
            forms.errors.add("close_note", e.0);
        }
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, CaseAction::Close).await?;
    db::cases::close(&mut tx, id, outcome.code()).await?;
    let note = (!note.is_empty()).then_some(note);
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::Closed,
        note.as_deref(),
        serde_json::json!({ "outcome": outcome.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

async fn reopen_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let note = match optional_note(&state, &staff, id, &form.note, "reopen_note").await? {
        Ok(n) => n,
        Err(page) => return Ok(page),
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, CaseAction::Reopen).await?;
    db::cases::reopen(&mut tx, id).await?;
    let note = (!note.is_empty()).then_some(note);
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::Reopened,
        note.as_deref(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

async fn refer_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let note = match optional_note(&state, &staff, id, &form.note, "refer_note").await? {
        Ok(n) => n,
        Err(page) => return Ok(page),
    };
    let mut tx = state.db.begin().await?;
    let (locked, _) = begin_action(&mut tx, &staff.0, id, CaseAction::Refer).await?;
    db::cases::refer(&mut tx, id).await?;
    let note = (!note.is_empty()).then_some(note);
    db::events::append(
        &mut tx,
        id,
        Some(staff.0.id),
        EventKind::Referred,
        note.as_deref(),
        serde_json::json!({}),
    )
    .await?;
    let config = &state.config;
    let case = CaseRef {
        id: id.0,
        reference: &locked.reference,
        urgency: locked.urgency,
    };
    messages::queue_referral(
        &mut tx,
        &config.mail_context(),
        &config.mail.helpline_desk,
        &case,
        &locked.school_name,
        &locked.school_uai,
    )
    .await?;
    db::audit::record(
        &mut *tx,
        Some(staff.0.id),
        "refer_case",
        "case",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

async fn withdraw_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let note = match optional_note(&state, &staff, id, &form.note, "withdraw_note").await? {
        Ok(n) => n,
        Err(page) => return Ok(page),
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, CaseAction::Withdraw).await?;
    db::cases::withdraw(&mut tx, id).await?;
    let note = (!note.is_empty()).then_some(note);
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::Withdrawn,
        note.as_deref(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
}

async fn answer_question(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let answer = match bounded_text(
        &form.note,
        1,
        10_000,
        "Écrivez votre réponse à e-Enfance.",
        "La réponse est limitée à 10 000 caractères.",
    ) {
        Ok(a) => a,
        Err(e) => {
            return CasePage::with_errors(
                &state,
                &staff.0,
                id,
                FormState::error("answer", e.0).keep("answer", form.note),
            )
            .await;
        }
    };
    let mut tx = state.db.begin().await?;
    let (_, next) = begin_action(&mut tx, &staff.0, id, CaseAction::Answer).await?;
    db::cases::set_status(&mut tx, id, next).await?;
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::Answer,
        Some(&answer),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "historique"))
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
}

async fn add_sanction(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<SanctionForm>,
) -> AppResult<Response> {
    let mut forms = FormState::default()
        .keep("sanction_kind", &form.kind)
        .keep("sanction_date", &form.decided_on)
        .keep("sanction_note", &form.note);
    let kind = SanctionKind::parse(&form.kind);
    if kind.is_none() {
        forms
            .errors
            .add("sanction_kind", "Choisissez la sanction décidée.");
    }
    let on = parse_past_date(&form.decided_on)
        .map_err(|e| forms.errors.add("sanction_date", e))
        .ok();
    let note = bounded_text(
        &form.note,
        0,
        5_000,
        "",
        "La note est limitée à 5 000 caractères.",
    )
    .map_err(|e| forms.errors.add("sanction_note", e.0))
    .ok();
    let (Some(kind), Some(on), Some(note)) = (kind, on, note) else {
        return CasePage::with_errors(&state, &staff.0, id, forms).await;
    };
    let mut tx = state.db.begin().await?;
    begin_action(&mut tx, &staff.0, id, CaseAction::SchoolRecord).await?;
    db::records::insert_sanction(&mut tx, id, kind, on, &note, staff.0.id).await?;
    let summary = format!(
        "{} (décidée le {})",
        kind.label(),
        crate::web::format::date(on)
    );
    log_action(
        &mut tx,
        staff.0.id,
        id,
        EventKind::Sanction,
        Some(&summary),
        serde_json::json!({ "kind": kind.code() }),
    )
    .await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "sanctions"))
}

/// An optional free text of at most 10,000 characters; a longer one brings
/// the case page back with the message next to `field` and the text kept.
async fn optional_note(
    state: &AppState,
    staff: &SchoolStaff,
    id: CaseId,
    text: &str,
    field: &'static str,
) -> AppResult<Result<String, Response>> {
    match bounded_text(
        text,
        0,
        10_000,
        "",
        "Ce texte est limité à 10 000 caractères : raccourcissez-le.",
    ) {
        Ok(t) => Ok(Ok(t)),
        Err(e) => {
            let forms = FormState::error(field, e.0).keep(field, text);
            Ok(Err(CasePage::with_errors(state, &staff.0, id, forms).await?))
        }
    }
}

/// The legal-hold form.
#[derive(Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    hold: String,
}

/// Keeps a case out of the retention purge while proceedings run, or lifts
/// that. Possible in every status, closed included: that is when it matters.
async fn set_legal_hold(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
    CsrfForm(form): CsrfForm<HoldForm>,
) -> AppResult<Response> {
    let hold = form.hold == "on";
    let mut tx = state.db.begin().await?;
    if !db::purge::set_legal_hold(&mut tx, &staff.scope(), id, hold).await? {
        return Err(AppError::NotFound);
    }
    let kind = if hold {
        EventKind::LegalHold
    } else {
        EventKind::LegalHoldLifted
    };
    log_action(&mut tx, staff.0.id, id, kind, None, serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(back_to(BASE, id, "conservation"))
}

/// Parses a date typed in a date field, not in the future.
pub fn parse_past_date(input: &str) -> Result<NaiveDate, &'static str> {
    match NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        Ok(d) if d <= Utc::now().date_naive() => Ok(d),
        Ok(_) => Err("La date ne peut pas être dans le futur."),
        Err(_) if input.trim().is_empty() => Err("Indiquez la date."),
        Err(_) => Err("Saisissez une date au format jj/mm/aaaa."),
    }
}
