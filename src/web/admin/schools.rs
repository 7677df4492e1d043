//! Schools for administrators: the national CSV uploaded (all rows or
//! none), one school's page to edit, close or reopen it (through
//! `ops::schools`, within the administrator's scope).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::domain::ids::SchoolId;
use crate::domain::school_csv;
use crate::error::{AppError, AppResult};
use crate::ops::schools::{self, SchoolEdit};
use crate::storage::Blob;
use crate::web::extract::{Admin, CsrfForm, CsrfMultipart, Empty, Ids};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

/// The result of an upload: how many schools, or what is wrong.
#[derive(Template, WebTemplate)]
#[template(path = "admin/school_import.html")]
pub struct ImportPage {
    layout: Layout,
    imported: Option<usize>,
    errors: FieldErrors,
}

impl ImportPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["file"])
    }
}

pub(super) async fn show_import(admin: Admin) -> ImportPage {
    ImportPage {
        layout: Layout::for_actor(&admin.0),
        imported: None,
        errors: FieldErrors::default(),
    }
}

pub(super) async fn import(
    State(state): State<AppState>,
    admin: Admin,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let rows = match form.files_of("file").next() {
        None => Err(AppError::Field(
            "file",
            form.file_errors
                .get("file")
                .cloned()
                .unwrap_or_else(|| "Choisissez le fichier CSV des établissements.".into()),
        )),
        Some(file) => {
            let content = file.content.clone();
            tokio::task::spawn_blocking(move || match content.blob() {
                Blob::Memory(b) => school_csv::parse(b),
                Blob::File(path, _) => match std::fs::File::open(path) {
                    Ok(f) => school_csv::parse(std::io::BufReader::new(f)),
                    Err(_) => Err(school_csv::BadLine {
                        line: 1,
                        why: "le fichier reçu n'a pas pu être relu".into(),
                    }),
                },
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
            .map_err(schools::bad_line)
        }
    };
    let done = match rows {
        Ok(rows) => schools::import(&state.ops(), &admin.scope(), &rows).await,
        Err(e) => Err(e),
    };
    let mut page = show_import(admin).await;
    match done {
        Ok(n) => {
            page.imported = Some(n);
            Ok(page.into_response())
        }
        Err(AppError::Field(field, why)) => {
            page.errors.add(field, why);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// One school.
#[derive(Template, WebTemplate)]
#[template(path = "admin/school.html")]
pub struct SchoolPage {
    layout: Layout,
    school: db::schools::School,
    form: EditForm,
    errors: FieldErrors,
}

impl SchoolPage {
    fn error_list(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["name", "town", "academie"])
    }
}

/// The edit form.
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    academie: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<SchoolId>,
) -> AppResult<SchoolPage> {
    let school = schools::get(&state.ops(), &admin.scope(), id).await?;
    let form = EditForm {
        name: school.name.clone(),
        town: school.town.clone(),
        academie: school.academie.clone(),
    };
    Ok(SchoolPage {
        layout: Layout::for_actor(&admin.0),
        school,
        form,
        errors: FieldErrors::default(),
    })
}

pub(super) async fn edit(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<SchoolId>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> AppResult<Response> {
    let cut = |s: &str| s.chars().take(300).collect::<String>();
    let edit = SchoolEdit {
        name: cut(&form.name),
        town: cut(&form.town),
        academie: cut(&form.academie),
    };
    let ops = state.ops();
    match schools::edit(&ops, &admin.scope(), id, edit).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/schools/{id}")).into_response()),
        Err(AppError::Field(field, why)) => {
            let school = schools::get(&ops, &admin.scope(), id).await?;
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            let layout = Layout::for_actor(&admin.0);
            let page = SchoolPage {
                layout,
                school,
                form,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn close(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<SchoolId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    schools::set_closed(&state.ops(), &admin.scope(), id, true, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/schools/{id}")))
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    admin: Admin,
    Ids(id): Ids<SchoolId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    schools::set_closed(&state.ops(), &admin.scope(), id, false, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/schools/{id}")))
}
