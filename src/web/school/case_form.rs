//! The guided form that opens a case (blank, or pre-filled from a report).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, cases::NewAuthor, cases::NewCase, schools::School};
use crate::domain::case::{
    AuthorKind, HarassmentKind, Platform, ReportStatus, ReporterKind, Urgency, VictimKind,
};
use crate::domain::ids::ReportId;
use crate::domain::values::{TextRule, optional_past_date};
use crate::error::{AppError, AppResult};
use crate::ops::files::{CheckedFile, check_files};
use crate::ops::{self, open_case::OpenCase};
use crate::web::extract::{CsrfMultipart, SchoolStaff};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::upload::MultipartForm;

const VICTIM_NAME: TextRule = TextRule::required(
    200,
    "Indiquez le nom ou les initiales de la victime.",
    "Le nom est limité à 200 caractères.",
);
const PUPIL_GROUP: TextRule = TextRule::required(
    100,
    "Indiquez la classe de la victime (ex. 4e B).",
    "Ce champ est limité à 100 caractères.",
);
const STAFF_GROUP: TextRule = TextRule::required(
    100,
    "Indiquez la fonction de la victime (ex. professeur de mathématiques).",
    "Ce champ est limité à 100 caractères.",
);
const DESCRIPTION: TextRule = TextRule {
    min: 10,
    max: 20_000,
    empty: "Décrivez les faits en quelques phrases (10 caractères au moins).",
    long: "La description est limitée à 20 000 caractères.",
};

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
    fn from_report(r: &db::inbox::ReportDetail) -> CaseForm {
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
    fn parse(&self, schools: &[School], e: &mut FieldErrors) -> Option<ParsedCase> {
        let school = match schools {
            [only] => Some(only.id),
            _ => e.require(
                "school",
                schools
                    .iter()
                    .find(|s| s.id.to_string() == self.school)
                    .map(|s| s.id),
                "Choisissez l'établissement concerné.",
            ),
        };
        let urgency = e.require(
            "urgency",
            Urgency::parse(&self.urgency),
            "Indiquez le niveau d'urgence.",
        );
        let victim_kind = e.require(
            "victim_kind",
            VictimKind::parse(&self.victim_kind),
            "Indiquez si la victime est un élève ou un membre du personnel.",
        );
        let group = if victim_kind == Some(VictimKind::Staff) {
            STAFF_GROUP
        } else {
            PUPIL_GROUP
        };
        let victim_name = e.check("victim_name", VICTIM_NAME.parse(&self.victim_name));
        let victim_group = e.check("victim_group", group.parse(&self.victim_group));
        let description = e.check("description", DESCRIPTION.parse(&self.description));
        let today = Utc::now().date_naive();
        let started_on = e.check("started_on", optional_past_date(&self.started_on, today));
        let platforms = Platform::parse_set(&self.platforms);
        if platforms.is_empty() {
            e.add("platforms", "Cochez au moins une plateforme ou un moyen (cochez « Autre » si aucun ne convient).");
        }
        let kinds = HarassmentKind::parse_set(&self.kinds);
        if kinds.is_empty() {
            e.add(
                "kinds",
                "Cochez au moins un type de faits (cochez « Autre » si aucun ne convient).",
            );
        }
        let authors = self.parse_authors(e);
        let targets = self.parse_targets(e);
        let checklist = ["secured", "evidence", "families", "authorities"].map(|c| self.checked(c));
        if !e.is_empty() {
            return None;
        }
        let case = NewCase {
            school: school?,
            urgency: urgency?,
            victim_kind: victim_kind?,
            victim_name: victim_name?,
            victim_group: victim_group?,
            description: description?,
            started_on: started_on?,
            platforms,
            kinds,
            checklist,
        };
        Some((case, authors, targets))
    }

    fn parse_authors(&self, e: &mut FieldErrors) -> Vec<NewAuthor> {
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
                Some(_) => e.add(format!("author_{i}"), "Le nom est limité à 200 caractères, la classe à 100."),
                None => e.add(format!("author_{i}"), "Précisez qui est l'auteur présumé (élève, inconnu, adulte, personne extérieure)."),
            }
        }
        authors
    }

    fn parse_targets(&self, e: &mut FieldErrors) -> Vec<(Platform, String)> {
        let mut targets = Vec::new();
        for (i, row) in self.targets.iter().enumerate() {
            let value = row.value.trim();
            if row.platform.is_empty() && value.is_empty() {
                continue;
            }
            match (Platform::parse(&row.platform), value) {
                (Some(p), v) if !v.is_empty() && v.chars().count() <= 2000 => targets.push((p, v.to_owned())),
                (None, _) => e.add(format!("target_{i}"), "Choisissez la plateforme de ce compte ou de cette publication."),
                _ => e.add(format!("target_{i}"), "Indiquez l'adresse (URL) ou l'identifiant du compte (2 000 caractères au plus)."),
            }
        }
        targets
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

pub(super) async fn new_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<NewCaseQuery>,
) -> AppResult<Response> {
    let schools = db::schools::list_by_ids(&state.db, &staff.0.schools).await?;
    let form = match query.report.parse::<ReportId>() {
        Ok(id) => {
            let report = db::inbox::get(&state.db, &staff.scope(), id)
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

pub(super) async fn create_case(
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
    let open = OpenCase {
        case,
        authors,
        targets,
        files,
        from_report: typed.report.parse::<ReportId>().ok(),
    };
    let id = ops::open_case::open_case(&state.ops(), &staff.0, open).await?;
    Ok(Redirect::to(&format!("/school/cases/{id}")).into_response())
}

/// The evidence files of a form, checked; `None` (with a message on the
/// `evidence` field) if any was refused.
pub(super) fn checked_evidence(
    form: &MultipartForm,
    errors: &mut FieldErrors,
) -> Option<Vec<CheckedFile>> {
    if let Some(msg) = form.file_errors.get("evidence") {
        errors.add("evidence", msg.clone());
        return None;
    }
    let files = form
        .files_of("evidence")
        .map(|f| (f.file_name.as_str(), &f.bytes));
    check_files(files)
        .map_err(|m| errors.add("evidence", m))
        .ok()
}
