//! The statistics page's parts: French labels of the counted values, the
//! tables of each dimension with a bar per row (drawn as SVG, hidden from
//! screen readers, which read the table), delays and report lines, with
//! small counts masked.

use crate::db::statistics::{Count, Month};
use crate::domain::case::{
    CaseOutcome, HarassmentKind, Platform, ReporterKind, Urgency, VictimKind,
};
use crate::domain::format::shown_count;
use crate::domain::histogram::percentile;

/// The French label of a value of a dimension.
pub(super) fn label(dim: &str, code: &str) -> String {
    match (dim, code) {
        ("school_type", "college") => "Collège".into(),
        ("school_type", "lycee") => "Lycée".into(),
        ("school_type", "ecole") => "École".into(),
        ("school_type", _) => "Autre".into(),
        ("victim_kind", c) => VictimKind::label_of(c).into(),
        ("urgency", c) => Urgency::label_of(c).into(),
        ("origin", "school") => "L'établissement".into(),
        ("origin", c) => ReporterKind::label_of(c).into(),
        ("outcome", "") => "En cours".into(),
        ("outcome", c) => CaseOutcome::label_of(c).into(),
        ("referred", "true") => "Transmis à e-Enfance".into(),
        ("referred", _) => "Non transmis".into(),
        ("platform", c) => Platform::label_of(c).into(),
        ("kind", c) => HarassmentKind::label_of(c).into(),
        (_, c) => c.into(),
    }
}

/// The dimensions shown as tables, with their captions.
pub(super) const TABLES: [(&str, &str); 9] = [
    ("academie", "Par académie"),
    (
        "platform",
        "Par plateforme (un dossier peut en citer plusieurs)",
    ),
    (
        "kind",
        "Par forme de harcèlement (un dossier peut en citer plusieurs)",
    ),
    ("school_type", "Par type d'établissement"),
    ("victim_kind", "Par victime"),
    ("urgency", "Par urgence"),
    ("origin", "Par origine (qui a signalé)"),
    ("outcome", "Par issue"),
    ("referred", "Transmission à e-Enfance"),
];

/// One table: its id, caption and rows (label, count shown).
pub struct Table {
    pub(super) id: &'static str,
    pub(super) caption: &'static str,
    pub(super) rows: Vec<Row>,
}

/// A row of a table: its value's label, its count as shown, and the
/// length of its bar in percent of the largest (none for a masked count).
pub struct Row {
    pub(super) label: String,
    pub(super) shown: String,
    pub(super) bar: Option<f64>,
}

/// The rows of `dim`, each with its bar.
fn rows(counts: &[Count], dim: &str) -> Vec<Row> {
    let counted: Vec<&Count> = counts.iter().filter(|c| c.dim == dim).collect();
    let small = |n: i64| (1..=4).contains(&n);
    let max = counted
        .iter()
        .map(|c| c.n)
        .filter(|n| !small(*n))
        .max()
        .unwrap_or(0);
    counted
        .into_iter()
        .map(|c| Row {
            label: label(dim, &c.code),
            shown: shown_count(c.n),
            bar: (max > 0 && c.n > 0 && !small(c.n)).then(|| c.n as f64 * 100.0 / max as f64),
        })
        .collect()
}

/// A delay: what, how many cases measured, median and 90th percentile.
pub struct Delay {
    pub(super) what: &'static str,
    pub(super) cases: i64,
    pub(super) median: String,
    pub(super) p90: String,
}

/// A share in whole percent, unless a part is a small count.
pub(super) fn share(part: i64, total: i64) -> Option<i64> {
    let small = |n: i64| (1..=4).contains(&n);
    (total > 0 && !small(part) && !small(total - part)).then(|| (part * 100 + total / 2) / total)
}

pub(super) fn sum(counts: &[Count], dim: &str, code: Option<&str>) -> i64 {
    counts
        .iter()
        .filter(|c| c.dim == dim && code.is_none_or(|k| c.code == k))
        .map(|c| c.n)
        .sum()
}

pub(super) fn delays(rows: &[(String, i64, i64)]) -> Vec<Delay> {
    [
        ("claim", "De la transmission à la prise en charge"),
        ("return", "De la transmission au retour à l'établissement"),
    ]
    .into_iter()
    .map(|(measure, what)| {
        let counts: Vec<(i64, i64)> = rows
            .iter()
            .filter(|r| r.0 == measure)
            .map(|r| (r.1, r.2))
            .collect();
        let shown = |p: f64| {
            percentile(&counts, p).map_or("—".to_owned(), |m| {
                crate::domain::format::duration(chrono::TimeDelta::minutes(m.round() as i64))
            })
        };
        Delay {
            what,
            cases: counts.iter().map(|c| c.1).sum(),
            median: shown(0.5),
            p90: shown(0.9),
        }
    })
    .collect()
}

/// What became of the public reports: (label, count shown, share).
pub(super) fn report_lines(r: &[Count]) -> Vec<(String, i64, Option<i64>)> {
    let total = sum(r, "status", None);
    let line = |label: &str, n: i64| (label.to_owned(), n, share(n, total));
    vec![
        ("Signalements reçus".to_owned(), total, None),
        line("Dossier ouvert", sum(r, "status", Some("case_opened"))),
        line(
            "Écartés par l'établissement",
            sum(r, "status", Some("declined")),
        ),
        line("En attente de décision", sum(r, "status", Some("received"))),
        line(
            "Délai de l'établissement dépassé",
            sum(r, "overdue", Some("true")),
        ),
    ]
}

pub(super) fn month_label(m: &Month) -> String {
    m.first.format("%m/%Y").to_string()
}

pub(super) fn tables(counts: &[Count], national: bool) -> Vec<Table> {
    TABLES
        .into_iter()
        .filter(|(dim, _)| national || *dim != "academie")
        .map(|(dim, caption)| Table {
            id: dim,
            caption,
            rows: rows(counts, dim),
        })
        .collect()
}
