//! How platforms answered the helpline's requests, per platform and kind
//! of request, for a year or a month of sending: the view e-Enfance reports
//! as a trusted flagger (DSA). Chart, table and CSV; for the desk and
//! national administrators.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::supervisor;
use crate::app::AppState;
use crate::auth::Actor;
use crate::db::accountability::{self, PlatformRow};
use crate::domain::case::Platform;
use crate::error::AppResult;
use crate::web::charts::{BarChart, csv_download};
use crate::web::layout::Layout;

/// The period asked: `annee` (default this year) and `mois` (1–12, or the
/// whole year).
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    mois: String,
}

/// A period of sending.
struct Period {
    year: i32,
    month: Option<u32>,
}

impl Period {
    fn of(q: &PeriodQuery, today: NaiveDate) -> Period {
        let year = q
            .annee
            .parse()
            .ok()
            .filter(|y| (2020..=today.year()).contains(y))
            .unwrap_or(today.year());
        let month = q.mois.parse().ok().filter(|m| (1..=12).contains(m));
        Period { year, month }
    }

    /// First day, and the first day after.
    fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month");
        match self.month {
            None => (first(self.year, 1), first(self.year + 1, 1)),
            Some(12) => (first(self.year, 12), first(self.year + 1, 1)),
            Some(m) => (first(self.year, m), first(self.year, m + 1)),
        }
    }

    fn label(&self) -> String {
        match self.month {
            None => format!("année {}", self.year),
            Some(m) => format!("{} {}", MONTHS[m as usize - 1], self.year),
        }
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "helpline/platforms.html")]
pub struct PlatformsPage {
    layout: Layout,
    rows: Vec<PlatformRow>,
    period: String,
    year: i32,
    years: Vec<i32>,
    /// (number, name, chosen).
    months: Vec<(u32, &'static str, bool)>,
    late_days: i32,
    chart: BarChart,
    query: String,
}

impl PlatformsPage {
    fn days(&self, d: &Option<f64>) -> String {
        days(*d)
    }
}

fn days(d: Option<f64>) -> String {
    d.map_or("—".to_owned(), |d| format!("{d:.1}").replace('.', ","))
}

async fn rows(state: &AppState, period: &Period) -> AppResult<Vec<PlatformRow>> {
    let (from, until) = period.bounds();
    let late = state.config.queue.request_days;
    let today = Utc::now().date_naive();
    Ok(accountability::by_platform(&state.db, from, until, late, today).await?)
}

pub(super) async fn show(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<PeriodQuery>,
) -> AppResult<PlatformsPage> {
    supervisor(&actor)?;
    let today = Utc::now().date_naive();
    let period = Period::of(&q, today);
    let rows = rows(&state, &period).await?;
    let mut platforms: Vec<(String, Vec<i64>)> = Vec::new();
    for r in &rows {
        let label = Platform::label_of(&r.platform).to_owned();
        let values = [r.done, r.refused, r.no_answer + r.pending];
        match platforms.iter_mut().find(|(p, _)| *p == label) {
            Some((_, v)) => v.iter_mut().zip(values).for_each(|(a, b)| *a += b),
            None => platforms.push((label, values.to_vec())),
        }
    }
    let chart = BarChart {
        id: "plateformes",
        title: format!(
            "Réponses des plateformes aux demandes envoyées, {}",
            period.label()
        ),
        series: vec!["Obtenues", "Refusées", "Sans réponse ou en attente"],
        groups: platforms,
        mask_small: false,
    };
    let query = match period.month {
        Some(m) => format!("annee={}&mois={m}", period.year),
        None => format!("annee={}", period.year),
    };
    Ok(PlatformsPage {
        layout: Layout::for_actor(&actor),
        period: period.label(),
        year: period.year,
        years: (2020..=today.year()).rev().collect(),
        months: (1..=12)
            .map(|m| (m, MONTHS[m as usize - 1], period.month == Some(m)))
            .collect(),
        late_days: state.config.queue.request_days,
        rows,
        chart,
        query,
    })
}

pub(super) async fn csv(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    supervisor(&actor)?;
    let period = Period::of(&q, Utc::now().date_naive());
    let rows = rows(&state, &period).await?;
    let late = state.config.queue.request_days;
    let mut out = format!(
        "période;plateforme;demande;envoyées;obtenues;refusées;sans réponse;en attente;en attente depuis plus de {late} jours;délai médian (jours);délai 90e centile (jours)\r\n"
    );
    for r in &rows {
        out.push_str(&format!(
            "{};{};{};{};{};{};{};{};{};{};{}\r\n",
            period.label(),
            Platform::label_of(&r.platform),
            r.kind.label(),
            r.sent,
            r.done,
            r.refused,
            r.no_answer,
            r.pending,
            r.pending_late,
            days(r.median_days),
            days(r.p90_days)
        ));
    }
    Ok(csv_download("plateformes.csv", out))
}
