//! The school's inbox of public reports: read, answer, decline, or turn into
//! a case.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, inbox::InboxCursor};
use crate::domain::case::ReportStatus;
use crate::domain::ids::ReportId;
use crate::domain::values::TextRule;
use crate::error::AppResult;
use crate::ops;
use crate::web::evidence::{disposition, served};
use crate::web::extract::{CsrfForm, Ids, SchoolStaff};
use crate::web::forms::FormState;
use crate::web::layout::Layout;

/// The inbox's query string: a status, and where the page starts.
#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    etat: String,
    #[serde(default)]
    apres: String,
}

/// The inbox: every report, page by page, with counts per status.
#[derive(Template, WebTemplate)]
#[template(path = "school/inbox.html")]
pub struct InboxPage {
    layout: Layout,
    rows: Vec<db::inbox::InboxRow>,
    counts: Vec<(ReportStatus, i64)>,
    flood: i64,
    status: Option<ReportStatus>,
    next: Option<String>,
    statuses: &'static [ReportStatus],
}

impl InboxPage {
    fn count(&self, status: &ReportStatus) -> i64 {
        let found = self.counts.iter().find(|(s, _)| s == status);
        found.map(|(_, n)| *n).unwrap_or(0)
    }

    fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Query(query): Query<InboxQuery>,
) -> AppResult<InboxPage> {
    let scope = staff.scope();
    let status = ReportStatus::parse(&query.etat);
    let after = InboxCursor::decode(&query.apres);
    let (rows, (counts, flood)) = tokio::try_join!(
        db::inbox::list(&state.db, &scope, status, after),
        db::inbox::counts(&state.db, &scope),
    )?;
    let next = (rows.len() as i64 == db::inbox::INBOX_PAGE)
        .then(|| rows.last().map(|r| r.cursor().encode()))
        .flatten();
    Ok(InboxPage {
        layout: Layout::for_actor(&staff.0),
        rows,
        counts,
        flood,
        status,
        next,
        statuses: ReportStatus::ALL,
    })
}

/// One report.
#[derive(Template, WebTemplate)]
#[template(path = "school/report.html")]
pub struct ReportPage {
    layout: Layout,
    report: db::inbox::ReportDetail,
    files: Vec<db::report_thread::ReportEvidence>,
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
    let record = ops::reads::report(&state.ops(), &staff.0, id).await?;
    Ok(ReportPage {
        layout: Layout::for_actor(&staff.0),
        report: record.report,
        files: record.files,
        messages: record.messages,
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

pub(super) async fn show_report(
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

const REASON: TextRule = TextRule {
    min: 5,
    max: 5_000,
    empty: "Expliquez en une phrase pourquoi le signalement n'est pas retenu : la personne qui l'a envoyé lira ce motif.",
    long: "5 000 caractères au plus.",
};
const MESSAGE: TextRule =
    TextRule::required(5_000, "Écrivez votre message.", "5 000 caractères au plus.");

pub(super) async fn decline(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<ReportId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    match REASON.parse(&form.text) {
        Ok(reason) => {
            ops::reports::decline(&state.ops(), &staff.0, id, &reason).await?;
            Ok(Redirect::to(&format!("/school/reports/{id}")).into_response())
        }
        Err(e) => {
            let forms = FormState::error("reason", e.0).keep("reason", form.text);
            report_page_with_errors(&state, &staff, id, forms).await
        }
    }
}

pub(super) async fn write_to_reporter(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<ReportId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    match MESSAGE.parse(&form.text) {
        Ok(body) => {
            ops::reports::message_reporter(&state.ops(), &staff.0, id, &body).await?;
            Ok(Redirect::to(&format!("/school/reports/{id}#messages")).into_response())
        }
        Err(e) => {
            let forms = FormState::error("message", e.0).keep("message", form.text);
            report_page_with_errors(&state, &staff, id, forms).await
        }
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids((id, file)): Ids<(ReportId, uuid::Uuid)>,
) -> AppResult<Response> {
    let (f, body) = ops::reads::report_file(&state.ops(), &staff.0, id, file).await?;
    let disposition = disposition("attachment", &f.original_name);
    Ok(served(&f.mime_type, disposition, f.size_bytes, body))
}
