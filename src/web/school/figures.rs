//! "Nos chiffres": a school's own figures for its leadership — cases per
//! month over three years (chart and table), by platform and kind of
//! harassment, the share referred to e-Enfance — with counts of 1 to 4
//! shown as "< 5" everywhere (page, chart and CSV), as they could identify
//! a pupil.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;

use crate::app::AppState;
use crate::db::school_figures::{self, MONTHS, Month, Totals};
use crate::domain::case::{HarassmentKind, Platform};
use crate::domain::format::small_count;
use crate::error::AppResult;
use crate::web::charts::{BarChart, csv_download};
use crate::web::extract::SchoolStaff;
use crate::web::layout::Layout;

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "school/figures.html")]
pub struct FiguresPage {
    layout: Layout,
    months: Vec<Month>,
    totals: Totals,
    chart: BarChart,
    /// Share referred, in whole percent (`None` while it could identify).
    referred_share: Option<i64>,
}

impl FiguresPage {
    fn count(&self, n: &i64) -> String {
        small_count(*n)
    }
}

fn month_label(m: &Month) -> String {
    m.first.format("%m/%Y").to_string()
}

/// The figures of the caller's schools.
async fn load(state: &AppState, staff: &SchoolStaff) -> AppResult<(Vec<Month>, Totals)> {
    let scope = staff.scope();
    let schools = scope.school_ids();
    Ok(tokio::try_join!(
        school_figures::per_month(&state.db, schools, Utc::now()),
        school_figures::totals(&state.db, schools),
    )?)
}

pub(super) async fn show(
    State(state): State<AppState>,
    staff: SchoolStaff,
) -> AppResult<FiguresPage> {
    let (months, totals) = load(&state, &staff).await?;
    let chart = BarChart {
        id: "mois",
        title: format!("Dossiers ouverts par mois, {MONTHS} derniers mois"),
        series: vec!["Dossiers ouverts"],
        groups: months
            .iter()
            .map(|m| (month_label(m), vec![m.cases]))
            .collect(),
        mask_small: true,
    };
    // A share is shown only when neither of its parts is a small count.
    let small = |n: i64| (1..=4).contains(&n);
    let referred_share =
        (totals.cases > 0 && !small(totals.referred) && !small(totals.cases - totals.referred))
            .then(|| (totals.referred * 100 + totals.cases / 2) / totals.cases);
    Ok(FiguresPage {
        layout: Layout::for_actor(&staff.0),
        months,
        totals,
        chart,
        referred_share,
    })
}

pub(super) async fn csv(State(state): State<AppState>, staff: SchoolStaff) -> AppResult<Response> {
    let (months, totals) = load(&state, &staff).await?;
    let mut out = String::from("rubrique;valeur;dossiers\r\n");
    for m in &months {
        out.push_str(&format!(
            "mois;{};{}\r\n",
            m.first.format("%Y-%m"),
            small_count(m.cases)
        ));
    }
    for (code, n) in &totals.platforms {
        out.push_str(&format!(
            "plateforme;{};{}\r\n",
            Platform::label_of(code),
            small_count(*n)
        ));
    }
    for (code, n) in &totals.kinds {
        out.push_str(&format!(
            "forme;{};{}\r\n",
            HarassmentKind::label_of(code),
            small_count(*n)
        ));
    }
    out.push_str(&format!("total;dossiers;{}\r\n", small_count(totals.cases)));
    out.push_str(&format!(
        "total;transmis à e-Enfance;{}\r\n",
        small_count(totals.referred)
    ));
    Ok(csv_download("nos-chiffres.csv", out))
}
