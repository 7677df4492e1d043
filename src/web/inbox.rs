//! The school's inbox of public reports: read, answer, decline, or turn into
//! a case.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::Ids;
use super::case_view::FormState;
use super::layout::Layout;
use crate::app::AppState;
use crate::auth::SchoolStaff;
use crate::auth::csrf::CsrfForm;
use crate::db::{self, audit::Outcome};
use crate::domain::case::ReportStatus;
use crate::domain::ids::ReportId;
use crate::domain::values::bounded_text;
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, ReporterNotice};

/// Inbox routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/school/reports", get(inbox))
        .route("/school/reports/{id}", get(show_report))
        .route("/school/reports/{id}/decline", post(decline))
        .route("/school/reports/{id}/messages", post(write_to_reporter))
        .route("/school/reports/{id}/evidence/{file}", get(download))
}

/// The inbox.
#[derive(Template, WebTemplate)]
#[template(path = "school/inbox.html")]
pub struct InboxPage {
    layout: Layout,
    rows: Vec<db::reports::InboxRow>,
}

async fn inbox(State(state): State<AppState>, staff: SchoolStaff) -> AppResult<InboxPage> {
    let rows = db::reports::inbox(&state.db, &staff.scope()).await?;
    Ok(InboxPage {
        layout: Layout::for_actor(&staff.0),
        rows,
    })
}

/// One report.
#[derive(Template, WebTemplate)]
#[template(path = "school/report.html")]
pub struct ReportPage {
    layout: Layout,
    report: db::reports::ReportDetail,
    files: Vec<db::reports::ReportEvidence>,
    messages: Vec<db::reports::Message>,
    forms: FormState,
}

impl ReportPage {
    fn waiting(&self) -> bool {
        self.report.status == ReportStatus::Received
    }

    fn error_list(&self) -> Vec<(String, String)> {
        self.forms.errors.in_order(&["message", "reason"])
    }

    fn overdue(&self) -> bool {
        self.waiting() && self.report.due_at < chrono::Utc::now()
    }
}

async fn report_page(
    state: &AppState,
    staff: &SchoolStaff,
    id: ReportId,
    forms: FormState,
) -> AppResult<ReportPage> {
    let scope = staff.scope();
    let Some(report) = db::reports::get(&state.db, &scope, id).await? else {
        db::audit::record(
            &state.db,
            Some(staff.0.id),
            "view_report",
            "report",
            Some(id.0),
            Outcome::Denied,
        )
        .await?;
        return Err(AppError::NotFound);
    };
    let (files, messages) = tokio::try_join!(
        db::reports::evidence(&state.db, &scope, id),
        db::reports::messages_for_school(&state.db, &scope, id),
    )?;
    db::reports::mark_seen(&state.db, &scope, id).await?;
    db::audit::record(
        &state.db,
        Some(staff.0.id),
        "view_report",
        "report",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    Ok(ReportPage {
        layout: Layout::for_actor(&staff.0),
        report,
        files,
        messages,
        forms,
    })
}

/// The report page again with the typed text and its error, status 422.
async fn report_page_with_errors(
    state: &AppState,
    staff: &SchoolStaff,
    id: ReportId,
    forms: FormState,
) -> AppResult<Response> {
    let page = report_page(state, staff, id, forms).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn show_report(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<ReportId>,
) -> AppResult<ReportPage> {
    report_page(&state, &staff, id, FormState::default()).await
}

/// A form with one text.
#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

async fn decline(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<ReportId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let reason = match bounded_text(
        &form.text,
        5,
        5_000,
        "Expliquez en une phrase pourquoi le signalement n'est pas retenu : la personne qui l'a envoyé lira ce motif.",
        "5 000 caractères au plus.",
    ) {
        Ok(r) => r,
        Err(e) => {
            let forms = FormState::error("reason", e.0).keep("reason", form.text);
            return report_page_with_errors(&state, &staff, id, forms).await;
        }
    };
    let mut tx = state.db.begin().await?;
    let report = db::reports::lock(&mut tx, &staff.scope(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if report.status != ReportStatus::Received {
        return Err(AppError::Conflict(
            "Ce signalement a déjà reçu une décision : rechargez sa page pour la voir.".into(),
        ));
    }
    if let Some(to) = &report.contact_email {
        messages::queue_to_reporter(
            &mut tx,
            &state.config.mail_context(),
            to,
            &report.reference,
            ReporterNotice::Decision,
        )
        .await?;
    }
    let keys = db::reports::decline(&mut tx, id, &reason).await?;
    db::audit::record(
        &mut *tx,
        Some(staff.0.id),
        "decline_report",
        "report",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    // Declined reports keep no content: their files go once the decision is stored.
    for key in keys {
        if let Err(e) = state.storage.delete(&key).await {
            tracing::error!(error = %format!("{e:#}"), "could not delete a declined report's file");
        }
    }
    Ok(Redirect::to(&format!("/school/reports/{id}")).into_response())
}

async fn write_to_reporter(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<ReportId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let body = match bounded_text(
        &form.text,
        1,
        5_000,
        "Écrivez votre message.",
        "5 000 caractères au plus.",
    ) {
        Ok(b) => b,
        Err(e) => {
            let forms = FormState::error("message", e.0).keep("message", form.text);
            return report_page_with_errors(&state, &staff, id, forms).await;
        }
    };
    let mut tx = state.db.begin().await?;
    let report = db::reports::lock(&mut tx, &staff.scope(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::reports::add_school_message(&mut tx, id, staff.0.id, &body).await?;
    if let Some(to) = &report.contact_email {
        messages::queue_to_reporter(
            &mut tx,
            &state.config.mail_context(),
            to,
            &report.reference,
            ReporterNotice::Message,
        )
        .await?;
    }
    db::audit::record(
        &mut *tx,
        Some(staff.0.id),
        "message_reporter",
        "report",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/school/reports/{id}#messages")).into_response())
}

async fn download(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids((id, file)): Ids<(ReportId, uuid::Uuid)>,
) -> AppResult<Response> {
    let files = db::reports::evidence(&state.db, &staff.scope(), id).await?;
    let Some(f) = files.into_iter().find(|f| f.id == file) else {
        db::audit::record(
            &state.db,
            Some(staff.0.id),
            "download_report_evidence",
            "report",
            Some(id.0),
            Outcome::Denied,
        )
        .await?;
        return Err(AppError::NotFound);
    };
    let bytes = state.storage.get(&f.storage_key).await?;
    db::audit::record(
        &state.db,
        Some(staff.0.id),
        "download_report_evidence",
        "report",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, f.mime_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                super::evidence::disposition("attachment", &f.original_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
