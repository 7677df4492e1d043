//! Opening a case: the guided form page (blank, or pre-filled from a
//! report) and its submission.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::case_form::{CASE_FIELDS, CaseForm};
use crate::app::AppState;
use crate::db::{self, accounts::Colleague, schools::School};
use crate::domain::case::{AuthorKind, HarassmentKind, Platform, ReportStatus};
use crate::domain::ids::ReportId;
use crate::error::{AppError, AppResult};
use crate::ops::{self, open_case::OpenCase};
use crate::web::extract::{CsrfMultipart, SchoolStaff};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

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
    /// The leadership colleagues a staff-victim case can be limited to.
    colleagues: Vec<Colleague>,
}

impl CaseFormPage {
    fn new(
        state: &AppState,
        staff: &SchoolStaff,
        (schools, colleagues): (Vec<School>, Vec<Colleague>),
        form: CaseForm,
        errors: FieldErrors,
    ) -> CaseFormPage {
        CaseFormPage {
            colleagues,
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

    /// The school's name of a colleague, when the caller has several schools.
    fn colleague_school(&self, c: &Colleague) -> &str {
        match self.schools.as_slice() {
            [_] => "",
            all => all
                .iter()
                .find(|s| s.id == c.school_id)
                .map(|s| s.name.as_str())
                .unwrap_or(""),
        }
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

/// The caller's schools, and their leadership colleagues (the caller aside).
async fn schools_and_colleagues(
    state: &AppState,
    staff: &SchoolStaff,
) -> AppResult<(Vec<School>, Vec<Colleague>)> {
    let schools = db::schools::list_by_ids(&state.db, &staff.0.schools).await?;
    let mut colleagues = db::accounts::colleagues(&state.db, &staff.0.schools).await?;
    colleagues.retain(|c| c.id != staff.0.id);
    Ok((schools, colleagues))
}

pub(super) async fn new_case(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<NewCaseQuery>,
) -> AppResult<Response> {
    let schools = schools_and_colleagues(&state, &staff).await?;
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
    let schools = schools_and_colleagues(&state, &staff).await?;
    let typed = CaseForm::from_multipart(&form);
    let mut errors = FieldErrors::default();
    let parsed = typed.parse(&schools.0, &mut errors);
    let files = form.checked_files("evidence", &mut errors);
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
    match ops::open_case::open_case(&state.ops(), &staff.0, open).await {
        Ok(id) => Ok(Redirect::to(&format!("/school/cases/{id}")).into_response()),
        Err(AppError::Field(field, message)) => {
            errors.add(field, message);
            let page = CaseFormPage::new(&state, &staff, schools, typed, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
