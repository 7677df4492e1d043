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
use crate::db::{self, schools::School};
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
    let id = ops::open_case::open_case(&state.ops(), &staff.0, open).await?;
    Ok(Redirect::to(&format!("/school/cases/{id}")).into_response())
}
