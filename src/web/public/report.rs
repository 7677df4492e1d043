//! Sending a report without an account: find the school, fill the form,
//! get the follow-up code.

use std::net::IpAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::public_layout;
use super::report_form::{ReportForm, ReportFormPage, form_page};
use crate::app::AppState;
use crate::auth::ratelimit::ip_key;
use crate::db::{self, schools::MAX_SEARCH, schools::School};
use crate::domain::values::Uai;
use crate::error::{AppError, AppResult};
use crate::ops;
use crate::web::extract::{ClientIp, CsrfMultipart, Ids};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

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

/// Schools matching what was typed (nothing under 2 characters); searches
/// are limited per IP.
async fn search(state: &AppState, ip: Option<IpAddr>, q: &str) -> AppResult<Vec<School>> {
    if q.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let key = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    if !state.allow(&state.limiters.search_ip, &key).await? {
        return Err(AppError::TooManyRequests);
    }
    Ok(db::schools::search(&state.db, q).await?)
}

pub(super) async fn find_school(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Query(query): Query<SearchQuery>,
) -> AppResult<FindSchoolPage> {
    let q: String = query.q.trim().chars().take(MAX_SEARCH).collect();
    let results = search(&state, ip, &q).await?;
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

pub(super) async fn school_suggestions(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<SearchQuery>,
) -> AppResult<Json<Vec<Suggestion>>> {
    let schools = search(&state, ip, &query.q).await?;
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

async fn school_by_uai(state: &AppState, uai: &str) -> AppResult<School> {
    let uai = Uai::parse(uai).map_err(|_| AppError::NotFound)?;
    // A closed school is not offered to the public.
    db::schools::find_by_uai(&state.db, &uai)
        .await?
        .filter(|s| !s.closed)
        .ok_or(AppError::NotFound)
}

pub(super) async fn report_form(
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

pub(super) async fn submit_report(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Ids(uai): Ids<String>,
    CsrfMultipart(multipart): CsrfMultipart,
) -> AppResult<Response> {
    let school = school_by_uai(&state, &uai).await?;
    let layout = public_layout(&session).await?;
    let form = ReportForm::from_multipart(&multipart);
    let refused = |status: StatusCode, why: &'static str, layout, school, form| {
        let page = form_page(
            &state,
            layout,
            school,
            form,
            FieldErrors::default(),
            Some(why),
        );
        Ok((status, page).into_response())
    };
    // A field people never see: only robots fill it.
    if !multipart.get("website").is_empty() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            ROBOT,
            layout,
            school,
            form,
        );
    }
    let ip = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    if !state.allow(&state.limiters.report_ip, &ip).await? {
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            TOO_MANY,
            layout,
            school,
            form,
        );
    }
    let mut errors = FieldErrors::default();
    let input = form.parse(school.id, &mut errors);
    let files = multipart.checked_files("evidence", &mut errors);
    let (Some(input), Some(files)) = (input, files) else {
        let page = form_page(&state, layout, school, form, errors, None);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (danger, email_given) = (input.danger, input.contact_email.is_some());
    let sent = ops::reports::submit(&state.ops(), input, files).await?;
    Ok(ReportSentPage {
        layout,
        reference: sent.reference,
        code: sent.code.grouped(),
        school_name: school.name,
        danger,
        email_given,
    }
    .into_response())
}

const ROBOT: &str = "Votre envoi n'a pas pu être accepté. Si vous êtes une personne, rechargez la page et recommencez.";
const TOO_MANY: &str = "Trop de signalements ont été envoyés depuis votre connexion en peu de temps. Patientez quelques minutes puis envoyez de nouveau : ce que vous avez écrit est conservé ci-dessous (les fichiers sont à choisir de nouveau). En cas d'urgence, appelez le 17, le 112 ou le 3018.";
