//! National and académie statistics for administrators, read from the
//! rollups the purge never touches: cases per month over three years, and
//! for a year the cases by académie, platform, kind, school type, victim,
//! urgency, origin and outcome, the share referred, the helpline's delays
//! (median and 90th percentile, on its service clock) and what became of
//! public reports. Charts drawn on the server, tables, CSV; every count of
//! 1 to 4 shown as "< 5".

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::statistics::{self, Count, MONTHS, Month, Period};
use crate::domain::format::{shown_count, small_count};
use crate::error::AppResult;
use crate::web::charts::{BarChart, csv_download};

use super::stat_tables::{
    Delay, TABLES, Table, delays, label, month_label, report_lines, share, sum, tables,
};
use crate::web::extract::Admin;
use crate::web::layout::Layout;

/// `annee` (default this year) and `academie` (default: all those managed).
#[derive(Deserialize, Default)]
pub struct StatsQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    academie: String,
}

/// What the page covers.
struct Choice {
    year: i32,
    years: Vec<i32>,
    /// The académie chosen, if one.
    academie: Option<String>,
    /// Those one may choose.
    options: Vec<String>,
    /// The académies counted (`None`: the whole country).
    counted: Option<Vec<String>>,
}

async fn choice(
    state: &AppState,
    admin: &Admin,
    q: &StatsQuery,
    today: NaiveDate,
) -> AppResult<Choice> {
    let scope = admin.scope();
    let options = match scope.academies() {
        None => {
            let db = &state.db;
            state
                .academies
                .get(async || crate::db::queue::academies(db).await)
                .await?
        }
        Some(mine) => mine.to_vec(),
    };
    let academie = options.iter().find(|a| **a == q.academie).cloned();
    let counted = match (&academie, scope.academies()) {
        (Some(a), _) => Some(vec![a.clone()]),
        (None, mine) => mine.map(<[String]>::to_vec),
    };
    let year = q
        .annee
        .parse()
        .ok()
        .filter(|y| (today.year() - 2..=today.year()).contains(y))
        .unwrap_or(today.year());
    Ok(Choice {
        year,
        years: (today.year() - 2..=today.year()).rev().collect(),
        academie,
        options,
        counted,
    })
}

fn first_of(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month")
}

/// Everything counted.
struct Figures {
    months: Vec<Month>,
    counts: Vec<Count>,
    delays: Vec<(String, i64, i64)>,
    reports: Vec<Count>,
    refreshed_at: DateTime<Utc>,
}

async fn figures(state: &AppState, c: &Choice, today: NaiveDate) -> AppResult<Figures> {
    let this_month = first_of(today.year(), today.month());
    let chart = Period {
        from: this_month - chrono::Months::new(MONTHS as u32 - 1),
        until: this_month + chrono::Months::new(1),
    };
    let year = Period {
        from: first_of(c.year, 1),
        until: first_of(c.year + 1, 1),
    };
    let a = c.counted.as_deref();
    let db = &state.db;
    let (months, counts, delays, reports, refreshed_at) = tokio::try_join!(
        statistics::per_month(db, a, chart),
        statistics::breakdown(db, a, year),
        statistics::delays(db, a, year),
        statistics::reports(db, a, year),
        statistics::refreshed_at(db),
    )?;
    Ok(Figures {
        months,
        counts,
        delays,
        reports,
        refreshed_at,
    })
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "admin/statistics.html")]
pub struct StatisticsPage {
    layout: Layout,
    /// "la France entière", "l'académie de Lyon"…
    scope_label: String,
    year: i32,
    years: Vec<i32>,
    academie: Option<String>,
    options: Vec<String>,
    /// Whether the administrator is national (links to the helpline's pages).
    national: bool,
    total: String,
    referred: String,
    referred_share: Option<i64>,
    months: Vec<(String, String, String)>,
    month_chart: BarChart,
    tables: Vec<Table>,
    delays: Vec<Delay>,
    reports: Vec<(String, i64, Option<i64>)>,
    refreshed_at: DateTime<Utc>,
    query: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<StatsQuery>,
) -> AppResult<StatisticsPage> {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let c = choice(&state, &admin, &q, today).await?;
    let f = figures(&state, &c, today).await?;
    let national = c.counted.is_none();
    let scope_label = match (&c.academie, &c.counted) {
        (Some(a), _) => format!("l'académie {a}"),
        (None, None) => "la France entière".to_owned(),
        (None, Some(list)) => format!("vos académies ({})", list.join(", ")),
    };
    let total = sum(&f.counts, "referred", None);
    let referred = sum(&f.counts, "referred", Some("true"));
    let month_chart = month_chart(&f);
    Ok(StatisticsPage {
        layout: Layout::for_actor(&admin.0),
        scope_label,
        query: query_string(c.year, c.academie.as_deref()),
        year: c.year,
        years: c.years,
        academie: c.academie,
        options: c.options,
        national: admin.scope().national(),
        total: shown_count(total),
        referred: shown_count(referred),
        referred_share: share(referred, total),
        months: f
            .months
            .iter()
            .map(|m| {
                (
                    month_label(m),
                    shown_count(m.cases),
                    shown_count(m.referred),
                )
            })
            .collect(),
        month_chart,
        tables: tables(&f.counts, national),
        delays: delays(&f.delays),
        reports: report_lines(&f.reports),
        refreshed_at: f.refreshed_at,
    })
}

impl StatisticsPage {
    /// A count as shown on the page ("< 5", "298 017").
    fn count(&self, n: &i64) -> String {
        shown_count(*n)
    }
}

/// Cases filed and referred per month over three years.
fn month_chart(f: &Figures) -> BarChart {
    BarChart {
        id: "mois",
        title: format!("Dossiers ouverts et transmis par mois, {MONTHS} derniers mois"),
        series: vec!["Dossiers ouverts", "Transmis à e-Enfance"],
        groups: f
            .months
            .iter()
            .map(|m| (month_label(m), vec![m.cases, m.referred]))
            .collect(),
        mask_small: true,
    }
}

fn query_string(year: i32, academie: Option<&str>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("annee", &year.to_string());
    if let Some(a) = academie {
        q.append_pair("academie", a);
    }
    q.finish()
}

pub(super) async fn csv(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let c = choice(&state, &admin, &q, today).await?;
    let f = figures(&state, &c, today).await?;
    let mut out = String::from("rubrique;valeur;nombre\r\n");
    let mut line = |a: &str, b: &str, n: String| out.push_str(&format!("{a};{b};{n}\r\n"));
    for m in &f.months {
        let month = m.first.format("%Y-%m").to_string();
        line("dossiers par mois", &month, small_count(m.cases));
        line("transmis par mois", &month, small_count(m.referred));
    }
    let national = c.counted.is_none();
    for (dim, _) in TABLES
        .into_iter()
        .filter(|(d, _)| national || *d != "academie")
    {
        for x in f.counts.iter().filter(|x| x.dim == dim) {
            line(
                &format!("{dim} {}", c.year),
                &label(dim, &x.code),
                small_count(x.n),
            );
        }
    }
    for d in delays(&f.delays) {
        line(&format!("délai médian {}", c.year), d.what, d.median);
        line(&format!("délai 90e centile {}", c.year), d.what, d.p90);
    }
    for (what, n, _) in report_lines(&f.reports) {
        line(&format!("signalements {}", c.year), &what, small_count(n));
    }
    Ok(csv_download(&format!("statistiques-{}.csv", c.year), out))
}
