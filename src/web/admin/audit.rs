//! The audit viewer: who did what, when, on which kind of record — by
//! account, by dates, by action, newest first, 100 per page. Never a case's
//! content (a case is named by its reference).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::{self, audit::TrailFilter};
use crate::domain::audit;
use crate::error::AppResult;
use crate::web::extract::Admin;
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;

const PAGE: i64 = 100;

/// The viewer's query string, as typed.
#[derive(Deserialize, Default)]
pub struct TrailQuery {
    #[serde(default)]
    compte: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    avant: String,
}

/// The viewer.
#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    layout: Layout,
    q: TrailQuery,
    errors: FieldErrors,
    rows: Vec<db::audit::TrailEntry>,
    next: Option<i64>,
    choices: Vec<(&'static str, &'static str)>,
}

impl AuditPage {
    fn label(&self, code: &str) -> String {
        audit::label_of(code).to_owned()
    }

    /// The record, in French: a case by its reference, else its kind.
    fn record(&self, r: &db::audit::TrailEntry) -> String {
        if let Some(reference) = &r.case_reference {
            return format!("dossier {reference}");
        }
        match r.record_type.as_str() {
            "account" => "compte",
            "case" => "dossier (effacé)",
            "evidence" => "pièce",
            "report" => "signalement",
            _ => "courriel",
        }
        .to_owned()
    }

    /// The query string of this search, for the next page's link.
    fn search(&self) -> String {
        serde_html_form::to_string([
            ("compte", &self.q.compte),
            ("du", &self.q.du),
            ("au", &self.q.au),
            ("action", &self.q.action),
        ])
        .unwrap_or_default()
    }
}

fn day(text: &str, field: &'static str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    if text.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.add(field, "Saisissez une date au format AAAA-MM-JJ.".to_owned());
    }
    parsed
}

pub(super) async fn trail(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<TrailQuery>,
) -> AppResult<AuditPage> {
    admin.national()?;
    let mut errors = FieldErrors::default();
    let mut filter = TrailFilter {
        from: day(&q.du, "du", &mut errors),
        to: day(&q.au, "au", &mut errors),
        action: audit::choices()
            .iter()
            .find(|(code, _)| *code == q.action)
            .map(|(code, _)| (*code).to_owned()),
        before: q.avant.parse().ok(),
        ..TrailFilter::default()
    };
    let email = q.compte.trim();
    if !email.is_empty() {
        filter.account = db::accounts::account_by_email(&state.db, email).await?;
        if filter.account.is_none() {
            errors.add("compte", "Aucun compte n'a cette adresse.".to_owned());
        }
    }
    let rows = if errors.is_empty() {
        db::audit::trail(&state.db, &filter, PAGE).await?
    } else {
        Vec::new()
    };
    let next = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.chain_seq))
        .flatten();
    Ok(AuditPage {
        layout: Layout::for_actor(&admin.0),
        q,
        errors,
        rows,
        next,
        choices: audit::choices(),
    })
}
