//! The public side: parents, victims and witnesses report without an account,
//! get a follow-up code, and follow their report with it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::evidence::{CheckedFile, PendingFiles, check_files, with_pending_files};
use super::layout::Layout;
use super::upload::MultipartForm;
use super::{ClientIp, FieldErrors, Ids};
use crate::app::AppState;
use crate::auth::csrf::{self, CsrfForm, CsrfMultipart};
use crate::auth::ratelimit::ip_key;
use crate::db::{
    self, reports::NewReport, reports::ReportFile, reports::ReporterAccess, schools::School,
};
use crate::domain::case::{
    EventKind, HarassmentKind, Platform, ReportStatus, ReporterKind, Urgency,
};
use crate::domain::deadline::report_due;
use crate::domain::followup::FollowUpCode;
use crate::domain::ids::{ReportId, SchoolId};
use crate::domain::status::CaseStatus;
use crate::domain::values::{EmailAddress, Uai, bounded_text};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, CaseRef, ReporterNotice, SchoolNotice};

/// Public report routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signaler", get(find_school))
        .route("/signaler/etablissements", get(school_suggestions))
        .route("/signaler/{uai}", get(report_form).post(submit_report))
        .route("/suivi", get(follow_up_form).post(open_follow_up))
        .route("/suivi/signalement", get(follow_up).post(add_information))
        .route("/suivi/fermer", post(close_follow_up))
        .route("/guide", get(guide))
        .route("/confidentialite", get(privacy))
}

async fn public_layout(session: &Session) -> AppResult<Layout> {
    Ok(Layout {
        user: None,
        csrf: csrf::token(session).await?,
    })
}

// ---------------------------------------------------------------- school search

/// The search query.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Step 1: find the school.
#[derive(Template, WebTemplate)]
#[template(path = "public/find_school.html")]
pub struct FindSchoolPage {
    layout: Layout,
    q: String,
    results: Vec<School>,
    searched: bool,
}

async fn find_school(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> AppResult<FindSchoolPage> {
    let q = query.q.trim().to_owned();
    let results = if q.chars().count() >= 2 {
        db::schools::search(&state.db, &q).await?
    } else {
        Vec::new()
    };
    Ok(FindSchoolPage {
        layout: public_layout(&session).await?,
        searched: !q.is_empty(),
        q,
        results,
    })
}

/// A school suggestion for the type-ahead.
#[derive(Serialize)]
pub struct Suggestion {
    uai: String,
    name: String,
    town: String,
}

async fn school_suggestions(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> AppResult<Json<Vec<Suggestion>>> {
    let q = query.q.trim();
    if q.chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let schools = db::schools::search(&state.db, q).await?;
    Ok(Json(
        schools
            .into_iter()
            .map(|s| Suggestion {
                uai: s.uai,
                name: s.name,
                town: s.town,
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------- the form

/// The report form's values as typed.
#[derive(Default)]
pub struct ReportForm {
    reporter_kind: String,
    danger: String,
    description: String,
    started_on: String,
    platforms: Vec<String>,
    kinds: Vec<String>,
    victim_first_name: String,
    victim_class: String,
    contact_email: String,
    contact_phone: String,
}

impl ReportForm {
    fn from_multipart(f: &MultipartForm) -> ReportForm {
        ReportForm {
            reporter_kind: f.get("reporter_kind"),
            danger: f.get("danger"),
            description: f.get("description"),
            started_on: f.get("started_on"),
            platforms: f.all("platforms"),
            kinds: f.all("kinds"),
            victim_first_name: f.get("victim_first_name"),
            victim_class: f.get("victim_class"),
            contact_email: f.get("contact_email"),
            contact_phone: f.get("contact_phone"),
        }
    }

    fn has_platform(&self, code: &str) -> bool {
        self.platforms.iter().any(|p| p == code)
    }

    fn has_kind(&self, code: &str) -> bool {
        self.kinds.iter().any(|k| k == code)
    }
}

/// Field ids of the report form, in page order.
const REPORT_FIELDS: &[&str] = &[
    "reporter_kind",
    "danger",
    "description",
    "platforms",
    "kinds",
    "started_on",
    "victim_first_name",
    "victim_class",
    "evidence",
    "contact_email",
    "contact_phone",
];

/// Step 2: the report form for one school.
#[derive(Template, WebTemplate)]
#[template(path = "public/report_form.html")]
pub struct ReportFormPage {
    layout: Layout,
    school: School,
    form: ReportForm,
    errors: FieldErrors,
    general_error: Option<&'static str>,
    max_file_mb: usize,
    max_files: usize,
    platforms: &'static [Platform],
    kinds: &'static [HarassmentKind],
    reporter_kinds: &'static [ReporterKind],
}

impl ReportFormPage {
    fn summary(&self) -> Vec<(String, String)> {
        self.errors.in_order(REPORT_FIELDS)
    }
}

async fn school_by_uai(state: &AppState, uai: &str) -> AppResult<School> {
    let uai = Uai::parse(uai).map_err(|_| AppError::NotFound)?;
    db::schools::find_by_uai(&state.db, &uai)
        .await?
        .ok_or(AppError::NotFound)
}

fn form_page(
    state: &AppState,
    layout: Layout,
    school: School,
    form: ReportForm,
    errors: FieldErrors,
    general_error: Option<&'static str>,
) -> ReportFormPage {
    ReportFormPage {
        layout,
        school,
        form,
        errors,
        general_error,
        max_file_mb: state.config.uploads.max_file_bytes / (1024 * 1024),
        max_files: state.config.uploads.max_files,
        platforms: Platform::ALL,
        kinds: HarassmentKind::ALL,
        reporter_kinds: ReporterKind::ALL,
    }
}

async fn report_form(
    State(state): State<AppState>,
    session: Session,
    Ids(uai): Ids<String>,
) -> AppResult<ReportFormPage> {
    let school = school_by_uai(&state, &uai).await?;
    let layout = public_layout(&session).await?;
    Ok(form_page(
        &state,
        layout,
        school,
        ReportForm::default(),
        FieldErrors::default(),
        None,
    ))
}

/// The confirmation page: the follow-up code, shown this once.
#[derive(Template, WebTemplate)]
#[template(path = "public/report_sent.html")]
pub struct ReportSentPage {
    layout: Layout,
    reference: String,
    code: String,
    school_name: String,
    danger: bool,
    email_given: bool,
}

/// Validates the typed report.
fn parse_report(
    form: &ReportForm,
    school: SchoolId,
    errors: &mut FieldErrors,
) -> Option<(NewReport, FollowUpCode)> {
    let kind = ReporterKind::parse(&form.reporter_kind);
    if kind.is_none() {
        errors.add(
            "reporter_kind",
            "Dites-nous qui vous êtes : parent, élève victime, personnel victime ou témoin.",
        );
    }
    let danger = match form.danger.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "danger",
                "Répondez à la question sur le danger : oui ou non.",
            );
            None
        }
    };
    let description = bounded_text(
        &form.description,
        10,
        10_000,
        "Racontez ce qui se passe en quelques phrases (10 caractères au moins).",
        "Votre texte est trop long : 10 000 caractères au plus.",
    )
    .map_err(|e| errors.add("description", e.0))
    .ok();
    let platforms: Vec<String> = form
        .platforms
        .iter()
        .filter_map(|p| Platform::parse(p))
        .map(|p| p.code().to_owned())
        .collect();
    if platforms.is_empty() {
        errors.add(
            "platforms",
            "Cochez au moins un réseau ou moyen utilisé (ou « Autre »).",
        );
    }
    let kinds: Vec<String> = form
        .kinds
        .iter()
        .filter_map(|k| HarassmentKind::parse(k))
        .map(|k| k.code().to_owned())
        .collect();
    if kinds.is_empty() {
        errors.add("kinds", "Cochez au moins ce qui se passe (ou « Autre »).");
    }
    let started_on = match form.started_on.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if d <= Utc::now().date_naive() => Some(d),
            Ok(_) => {
                errors.add("started_on", "La date ne peut pas être dans le futur.");
                None
            }
            Err(_) => {
                errors.add(
                    "started_on",
                    "Indiquez une date valide, par exemple 15/09/2026.",
                );
                None
            }
        },
    };
    let witness = kind == Some(ReporterKind::Witness);
    let first_name = bounded_text(
        &form.victim_first_name,
        if witness { 0 } else { 1 },
        100,
        "Indiquez le prénom de la victime.",
        "Le prénom est limité à 100 caractères.",
    )
    .map_err(|e| errors.add("victim_first_name", e.0))
    .ok();
    let class = bounded_text(
        &form.victim_class,
        if witness || kind == Some(ReporterKind::StaffVictim) {
            0
        } else {
            1
        },
        100,
        "Indiquez la classe de l'élève (par exemple 4e B).",
        "La classe est limitée à 100 caractères.",
    )
    .map_err(|e| errors.add("victim_class", e.0))
    .ok();
    let email = match form.contact_email.trim() {
        "" => Some(None),
        e => match EmailAddress::parse(e) {
            Ok(e) => Some(Some(e.as_str().to_owned())),
            Err(_) => {
                errors.add("contact_email", "Cette adresse ne semble pas valide (exemple : prenom.nom@exemple.fr). Vous pouvez aussi la laisser vide.");
                None
            }
        },
    };
    let phone = match form.contact_phone.trim() {
        "" => Some(None),
        p => {
            let digits: String = p
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            let only_allowed = p
                .chars()
                .all(|c| c.is_ascii_digit() || " .+-()".contains(c));
            if only_allowed && (10..=15).contains(&digits.len()) {
                Some(Some(digits))
            } else {
                errors.add("contact_phone", "Ce numéro ne semble pas valide (exemple : 06 12 34 56 78). Vous pouvez aussi le laisser vide.");
                None
            }
        }
    };
    if !errors.is_empty() {
        return None;
    }
    let code = FollowUpCode::generate();
    let report = NewReport {
        school,
        reporter_kind: kind?,
        danger: danger?,
        description: description?,
        started_on,
        platforms,
        kinds,
        victim_first_name: first_name?,
        victim_class: class?,
        contact_email: email?,
        contact_phone: phone?,
        code_hash: code.hash(),
        due_at: Utc::now(),
    };
    Some((report, code))
}

fn checked_files(form: &MultipartForm, errors: &mut FieldErrors) -> Option<Vec<CheckedFile>> {
    if let Some(msg) = form.file_errors.get("evidence") {
        errors.add("evidence", msg.clone());
        return None;
    }
    check_files(form.files_of("evidence"))
        .map_err(|m| errors.add("evidence", m))
        .ok()
}

/// Stores a report's files and records them, in the report's transaction.
async fn store_report_files(
    tx: &mut db::Tx<'_>,
    pending: &mut PendingFiles,
    report: ReportId,
    files: &[CheckedFile],
) -> AppResult<()> {
    for f in files {
        let key = pending.put(&f.bytes).await?;
        let file = ReportFile {
            storage_key: &key,
            original_name: &f.name,
            mime_type: f.file_type.mime(),
            size: f.bytes.len() as i64,
            sha256: &f.sha256,
        };
        db::reports::insert_evidence(tx, report, &file).await?;
    }
    Ok(())
}

async fn submit_report(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Ids(uai): Ids<String>,
    CsrfMultipart(multipart): CsrfMultipart,
) -> AppResult<Response> {
    let school = school_by_uai(&state, &uai).await?;
    let layout = public_layout(&session).await?;
    let form = ReportForm::from_multipart(&multipart);
    // A field people never see: only robots fill it.
    if !multipart.get("website").is_empty() {
        let page = form_page(
            &state,
            layout,
            school,
            form,
            FieldErrors::default(),
            Some(
                "Votre envoi n'a pas pu être accepté. Si vous êtes une personne, rechargez la page et recommencez.",
            ),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if !state
        .limiters
        .report_ip
        .check(&ip.map(ip_key).unwrap_or_else(|| "unknown".into()))
    {
        let page = form_page(
            &state,
            layout,
            school,
            form,
            FieldErrors::default(),
            Some(
                "Trop de signalements ont été envoyés depuis votre connexion en peu de temps. Patientez quelques minutes puis envoyez de nouveau : ce que vous avez écrit est conservé ci-dessous (les fichiers sont à choisir de nouveau). En cas d'urgence, appelez le 17, le 112 ou le 3018.",
            ),
        );
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    let mut errors = FieldErrors::default();
    let parsed = parse_report(&form, school.id, &mut errors);
    let files = checked_files(&multipart, &mut errors);
    let (Some((mut report, code)), Some(files)) = (parsed, files) else {
        let page = form_page(&state, layout, school, form, errors, None);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let cfg = &state.config;
    report.due_at = report_due(
        Utc::now(),
        report.danger,
        cfg.reports.due_working_days,
        cfg.reports.danger_due_hours,
    );
    let (danger, email) = (report.danger, report.contact_email.clone());
    let reference = with_pending_files(&state, async |pending| {
        let mut tx = state.db.begin().await?;
        let (id, reference) = db::reports::insert(&mut tx, &report).await?;
        store_report_files(&mut tx, pending, id, &files).await?;
        let ctx = cfg.mail_context();
        let urgency = if danger {
            Urgency::Danger
        } else {
            Urgency::Normal
        };
        let about = CaseRef {
            id: id.0,
            reference: &reference,
            urgency,
        };
        messages::queue_to_school(&mut tx, &ctx, school.id, &about, SchoolNotice::NewReport)
            .await?;
        if let Some(to) = &email {
            messages::queue_to_reporter(&mut tx, &ctx, to, &reference, ReporterNotice::Receipt)
                .await?;
        }
        db::audit::record(
            &mut *tx,
            None,
            "submit_report",
            "report",
            Some(id.0),
            db::audit::Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(reference)
    })
    .await?;
    Ok(ReportSentPage {
        layout,
        reference,
        code: code.grouped(),
        school_name: school.name,
        danger,
        email_given: email.is_some(),
    }
    .into_response())
}

// ---------------------------------------------------------------- follow-up

const ACCESS_KEY: &str = "reporter_access";

/// The page where the code is typed.
#[derive(Template, WebTemplate)]
#[template(path = "public/follow_up_code.html")]
pub struct CodePage {
    layout: Layout,
    error: Option<&'static str>,
}

async fn follow_up_form(session: Session) -> AppResult<CodePage> {
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

async fn open_follow_up(
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
    if !state
        .limiters
        .lookup_ip
        .check(&ip.map(ip_key).unwrap_or_else(|| "unknown".into()))
    {
        let layout = public_layout(&session).await?;
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de codes essayés depuis votre connexion. Patientez quelques minutes avant de réessayer.",
            layout,
        ));
    }
    let access = match FollowUpCode::parse(&form.code) {
        Some(code) => db::reports::access_by_code(&state.db, &code.hash()).await?,
        None => None,
    };
    let Some(access) = access else {
        db::audit::record(
            &state.db,
            None,
            "follow_up",
            "report",
            None,
            db::audit::Outcome::Denied,
        )
        .await?;
        let layout = public_layout(&session).await?;
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ce code ne correspond à aucun signalement. Vérifiez-le : il compte 20 caractères, par groupes de 4.",
            layout,
        ));
    };
    // A new session id: the access is bound to this browser from now on.
    session.cycle_id().await?;
    session.insert(ACCESS_KEY, access.report()).await?;
    db::audit::record(
        &state.db,
        None,
        "follow_up",
        "report",
        Some(access.report().0),
        db::audit::Outcome::Ok,
    )
    .await?;
    Ok(Redirect::to("/suivi/signalement").into_response())
}

async fn reporter_access(session: &Session) -> AppResult<Option<ReporterAccess>> {
    Ok(session
        .get::<ReportId>(ACCESS_KEY)
        .await?
        .map(ReporterAccess::from_session))
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

async fn follow_up(State(state): State<AppState>, session: Session) -> AppResult<Response> {
    let Some(access) = reporter_access(&session).await? else {
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

async fn add_information(
    State(state): State<AppState>,
    session: Session,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let Some(access) = reporter_access(&session).await? else {
        return Ok(Redirect::to("/suivi").into_response());
    };
    let mut errors = FieldErrors::default();
    let text = form.get("text");
    let body = bounded_text(
        &text,
        0,
        10_000,
        "",
        "Votre texte est trop long : 10 000 caractères au plus.",
    )
    .map_err(|e| errors.add("text", e.0))
    .ok();
    let files = checked_files(&form, &mut errors);
    let (Some(body), Some(files)) = (body, files) else {
        let page = follow_up_page(&state, &session, access, errors, text).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if body.is_empty() && files.is_empty() {
        errors.add("text", "Écrivez un message ou joignez au moins un fichier.");
        let page = follow_up_page(&state, &session, access, errors, text).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    with_pending_files(&state, async |pending| {
        let mut tx = state.db.begin().await?;
        let (status, case, _) = db::reports::reporter_state(&mut tx, &access).await?;
        if status == ReportStatus::Declined {
            return Err(AppError::Conflict("Ce signalement n'a pas été retenu : il ne peut plus être complété. En cas de besoin, appelez le 3018.".into()));
        }
        let summary = if body.is_empty() { format!("{} fichier(s) ajouté(s)", files.len()) } else { body.clone() };
        db::reports::add_reporter_message(&mut tx, &access, &summary).await?;
        store_report_files(&mut tx, pending, access.report(), &files).await?;
        // Once a case exists, what the reporter adds goes on its timeline too.
        let open_case = match case {
            Some(c) => db::cases::status_of(&mut tx, c).await?.filter(|s| *s != CaseStatus::Closed).map(|_| c),
            None => None,
        };
        if let Some(case) = open_case {
            db::events::append(&mut tx, case, None, EventKind::Note, Some(&format!("Complément du signalant : {summary}")), serde_json::json!({ "from": "reporter" })).await?;
            pending.store(&mut tx, case, None, &files).await?;
        }
        db::audit::record(&mut *tx, None, "add_information", "report", Some(access.report().0), db::audit::Outcome::Ok).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/suivi/signalement#messages").into_response())
}

/// The token-only form.
#[derive(Deserialize)]
pub struct Empty {}

async fn close_follow_up(session: Session, CsrfForm(_): CsrfForm<Empty>) -> AppResult<Redirect> {
    session.remove::<ReportId>(ACCESS_KEY).await?;
    Ok(Redirect::to("/"))
}

// ---------------------------------------------------------------- static pages

/// The guide for head teachers.
#[derive(Template, WebTemplate)]
#[template(path = "public/guide.html")]
pub struct GuidePage {
    layout: Layout,
}

async fn guide(session: Session) -> AppResult<GuidePage> {
    Ok(GuidePage {
        layout: public_layout(&session).await?,
    })
}

/// The privacy notice.
#[derive(Template, WebTemplate)]
#[template(path = "public/privacy.html")]
pub struct PrivacyPage {
    layout: Layout,
}

async fn privacy(session: Session) -> AppResult<PrivacyPage> {
    Ok(PrivacyPage {
        layout: public_layout(&session).await?,
    })
}
