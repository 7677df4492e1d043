//! Following a report with its code: the status in the reporter's words,
//! the school's messages, and adding information (to the report's thread).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::public_layout;
use crate::app::AppState;
use crate::auth;
use crate::auth::ratelimit::ip_key;
use crate::db::{self, reports::ReporterAccess};
use crate::domain::case::ReportStatus;
use crate::domain::ids::ReportId;
use crate::domain::status::CaseStatus;
use crate::domain::values::TextRule;
use crate::error::{AppError, AppResult};
use crate::ops;
use crate::web::extract::{ClientIp, CsrfForm, CsrfMultipart, Empty, session_of};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

const ADDITION: TextRule = TextRule::optional(
    10_000,
    "Votre texte est trop long : 10 000 caractères au plus.",
);
const BAD_CODE: &str = "Ce code ne correspond à aucun signalement. Vérifiez-le : il compte 20 caractères, par groupes de 4.";

const ACCESS_KEY: &str = "reporter_access";

/// The page where the code is typed.
#[derive(Template, WebTemplate)]
#[template(path = "public/follow_up_code.html")]
pub struct CodePage {
    layout: Layout,
    error: Option<&'static str>,
}

pub(super) async fn follow_up_form(session: Session) -> AppResult<CodePage> {
    Ok(CodePage {
        layout: public_layout(&session).await?,
        error: None,
    })
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn open_follow_up(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let again = |status: StatusCode, error: &'static str, layout: Layout| {
        (
            status,
            CodePage {
                layout,
                error: Some(error),
            },
        )
            .into_response()
    };
    let key = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    if !state.allow(&state.limiters.lookup_ip, &key).await? {
        let layout = public_layout(&session).await?;
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de codes essayés depuis votre connexion. Patientez quelques minutes avant de réessayer.",
            layout,
        ));
    }
    let Some(access) = ops::reports::follow_up(&state.ops(), &form.code).await? else {
        let layout = public_layout(&session).await?;
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, BAD_CODE, layout));
    };
    // A new session id: the access is bound to this browser from now on.
    session.cycle_id().await?;
    session.insert(ACCESS_KEY, access.report()).await?;
    auth::session::mark_active(&session).await?;
    Ok(Redirect::to("/suivi/signalement").into_response())
}

/// The report this browser opened with its code, unless the session went
/// unused past the idle timeout (the access is then forgotten).
pub(super) async fn reporter_access(
    state: &AppState,
    session: &Session,
) -> AppResult<Option<ReporterAccess>> {
    let Some(id) = session.get::<ReportId>(ACCESS_KEY).await? else {
        return Ok(None);
    };
    if !auth::session::still_active(session, state.config.session_idle).await? {
        session.remove::<ReportId>(ACCESS_KEY).await?;
        return Ok(None);
    }
    Ok(Some(ReporterAccess::from_session(id)))
}

/// What the reporter sees of their report.
#[derive(Template, WebTemplate)]
#[template(path = "public/follow_up.html")]
pub struct FollowUpPage {
    layout: Layout,
    report: db::reports::FollowUp,
    messages: Vec<db::reports::Message>,
    errors: FieldErrors,
    text: String,
    max_file_mb: usize,
    max_files: usize,
}

impl FollowUpPage {
    /// The status in the reporter's words.
    fn status_label(&self) -> &'static str {
        let r = &self.report;
        match r.status {
            ReportStatus::Declined => "Non retenu par l'établissement",
            ReportStatus::CaseOpened if r.case_status == Some(CaseStatus::Closed) => {
                "Dossier ouvert, puis clos par l'établissement"
            }
            ReportStatus::CaseOpened if r.case_referred => {
                "Dossier ouvert et transmis à e-Enfance (3018)"
            }
            ReportStatus::CaseOpened => "Dossier ouvert par l'établissement",
            ReportStatus::Received if r.seen_at.is_some() => "Pris en compte par l'établissement",
            ReportStatus::Received => "Reçu, en attente de lecture par l'établissement",
        }
    }

    fn summary(&self) -> Vec<(String, String)> {
        self.errors.in_order(&["text", "evidence"])
    }

    fn can_add(&self) -> bool {
        self.report.status != ReportStatus::Declined
    }
}

async fn follow_up_page(
    state: &AppState,
    session: &Session,
    access: ReporterAccess,
    errors: FieldErrors,
    text: String,
) -> AppResult<FollowUpPage> {
    let report = db::reports::follow_up(&state.db, &access)
        .await?
        .ok_or(AppError::NotFound)?;
    let messages = db::reports::messages_for_reporter(&state.db, &access).await?;
    Ok(FollowUpPage {
        layout: public_layout(session).await?,
        report,
        messages,
        errors,
        text,
        max_file_mb: state.config.uploads.max_file_bytes / (1024 * 1024),
        max_files: state.config.uploads.max_files,
    })
}

pub(super) async fn follow_up(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Response> {
    let Some(access) = reporter_access(&state, &session).await? else {
        return Ok(Redirect::to("/suivi").into_response());
    };
    Ok(follow_up_page(
        &state,
        &session,
        access,
        FieldErrors::default(),
        String::new(),
    )
    .await?
    .into_response())
}

/// A reporter allowed to add to their report now: the session holds the
/// access, and neither their IP nor the report has used up its additions.
/// Checked before the body is read, so a refused request costs no upload.
pub struct Addition(ReporterAccess);

impl FromRequestParts<AppState> for Addition {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = session_of(parts, state)
            .await
            .map_err(|e| e.into_response())?;
        let Some(access) = reporter_access(state, &session)
            .await
            .map_err(|e| e.into_response())?
        else {
            return Err(Redirect::to("/suivi").into_response());
        };
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp(None));
        let ip = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
        let limits = &state.limiters;
        let report = access.report().to_string();
        let allowed = state
            .allow(&limits.addition_ip, &ip)
            .await
            .map_err(|e| e.into_response())?
            && state
                .allow(&limits.addition_report, &report)
                .await
                .map_err(|e| e.into_response())?;
        if !allowed {
            return Err(AppError::TooManyRequests.into_response());
        }
        Ok(Addition(access))
    }
}

pub(super) async fn add_information(
    State(state): State<AppState>,
    session: Session,
    Addition(access): Addition,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let text = form.get("text");
    let body = errors.check("text", ADDITION.parse_optional(&text));
    let files = form.checked_files("evidence", &mut errors);
    if matches!((&body, &files), (Some(None), Some(f)) if f.is_empty()) {
        errors.add("text", "Écrivez un message ou joignez au moins un fichier.");
    }
    let result = match (body, files) {
        (Some(body), Some(files)) if errors.is_empty() => {
            ops::reports::add_information(&state.ops(), &access, body, files).await
        }
        _ => Err(AppError::Field("text", String::new())),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/suivi/signalement#messages").into_response()),
        Err(AppError::Field(field, message)) => {
            if !message.is_empty() {
                errors.add(field, message);
            }
            let page = follow_up_page(&state, &session, access, errors, text).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn close_follow_up(
    session: Session,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Redirect> {
    session.remove::<ReportId>(ACCESS_KEY).await?;
    Ok(Redirect::to("/"))
}
