//! The case form's values as typed and their validation into a new case,
//! its alleged authors and online targets.

use chrono::Utc;

use crate::db::{self, cases::NewAuthor, cases::NewCase, schools::School};
use crate::domain::case::{
    AuthorKind, HarassmentKind, Platform, ReporterKind, Urgency, VictimKind,
};
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::values::{TextRule, optional_past_date};
use crate::web::forms::FieldErrors;
use crate::web::upload::MultipartForm;

const VICTIM_NAME: TextRule = TextRule::required(
    200,
    "Indiquez le nom ou les initiales de la victime.",
    "Le nom est limité à 200 caractères.",
);
pub(super) const PUPIL_GROUP: TextRule = TextRule::required(
    100,
    "Indiquez la classe de la victime (ex. 4e B).",
    "Ce champ est limité à 100 caractères.",
);
pub(super) const STAFF_GROUP: TextRule = TextRule::required(
    100,
    "Indiquez la fonction de la victime (ex. professeur de mathématiques).",
    "Ce champ est limité à 100 caractères.",
);
pub(super) const DESCRIPTION: TextRule = TextRule {
    min: 10,
    max: 20_000,
    empty: "Décrivez les faits en quelques phrases (10 caractères au moins).",
    long: "La description est limitée à 20 000 caractères.",
};

/// An author row as typed.
#[derive(Default, Clone)]
pub struct AuthorRow {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) group: String,
}

/// A target row as typed.
#[derive(Default, Clone)]
pub struct TargetRow {
    pub(super) platform: String,
    pub(super) value: String,
}

/// Rows shown for authors and targets; more can be added on the case page
/// (and with JavaScript, on the form).
const FORM_ROWS: usize = 3;

/// A validated case form: the case, its alleged authors, its online targets.
type ParsedCase = (NewCase, Vec<NewAuthor>, Vec<(Platform, String)>);

/// The most author or target rows one form may send.
const MAX_ROWS: usize = 20;

/// The case form's values as typed, kept when it comes back with errors.
#[derive(Default)]
pub struct CaseForm {
    pub(super) school: String,
    pub(super) urgency: String,
    pub(super) victim_kind: String,
    pub(super) victim_name: String,
    pub(super) victim_group: String,
    pub(super) description: String,
    pub(super) started_on: String,
    pub(super) platforms: Vec<String>,
    pub(super) kinds: Vec<String>,
    pub(super) checklist: Vec<String>,
    /// Leadership accounts a staff-victim case is limited to (ids).
    pub(super) restricted_to: Vec<String>,
    pub(super) authors: Vec<AuthorRow>,
    pub(super) targets: Vec<TargetRow>,
    /// The report this case is opened from, if any.
    pub(super) report: String,
}

impl CaseForm {
    pub(super) fn blank() -> CaseForm {
        CaseForm {
            urgency: "normal".into(),
            authors: vec![AuthorRow::default(); FORM_ROWS],
            targets: vec![TargetRow::default(); FORM_ROWS],
            ..CaseForm::default()
        }
    }

    pub(super) fn from_multipart(f: &MultipartForm) -> CaseForm {
        let rows = |n: usize| n.clamp(FORM_ROWS, MAX_ROWS);
        let (kinds, names, groups) = (
            f.all("author_kind"),
            f.all("author_name"),
            f.all("author_group"),
        );
        let authors = (0..rows(kinds.len()))
            .map(|i| AuthorRow {
                kind: kinds.get(i).cloned().unwrap_or_default(),
                name: names.get(i).cloned().unwrap_or_default(),
                group: groups.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        let (platforms, values) = (f.all("target_platform"), f.all("target_value"));
        let targets = (0..rows(platforms.len()))
            .map(|i| TargetRow {
                platform: platforms.get(i).cloned().unwrap_or_default(),
                value: values.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        CaseForm {
            school: f.get("school"),
            urgency: f.get("urgency"),
            victim_kind: f.get("victim_kind"),
            victim_name: f.get("victim_name"),
            victim_group: f.get("victim_group"),
            description: f.get("description"),
            started_on: f.get("started_on"),
            platforms: f.all("platforms"),
            kinds: f.all("kinds"),
            checklist: f.all("checklist"),
            restricted_to: f.all("restricted_to"),
            authors,
            targets,
            report: f.get("report"),
        }
    }

    /// The form pre-filled from a report.
    pub(super) fn from_report(r: &db::inbox::ReportDetail) -> CaseForm {
        CaseForm {
            school: r.school_id.to_string(),
            urgency: if r.danger { "danger" } else { "normal" }.into(),
            victim_kind: if r.reporter_kind == ReporterKind::StaffVictim {
                "staff"
            } else {
                "pupil"
            }
            .into(),
            victim_name: r.victim_first_name.clone(),
            victim_group: r.victim_class.clone(),
            description: r.description.clone(),
            started_on: r
                .started_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            platforms: r.platforms.clone(),
            kinds: r.kinds.clone(),
            report: r.id.to_string(),
            ..CaseForm::blank()
        }
    }

    pub(super) fn has_platform(&self, code: &str) -> bool {
        self.platforms.iter().any(|p| p == code)
    }

    pub(super) fn has_kind(&self, code: &str) -> bool {
        self.kinds.iter().any(|k| k == code)
    }

    pub(super) fn checked(&self, item: &str) -> bool {
        self.checklist.iter().any(|c| c == item)
    }

    pub(super) fn restricted_for(&self, account: &AccountId) -> bool {
        let id = account.to_string();
        self.restricted_to.contains(&id)
    }

    /// The accounts a staff-victim case is limited to (none: open to the
    /// school's leadership).
    fn parse_restriction(&self, victim: Option<VictimKind>, e: &mut FieldErrors) -> Vec<AccountId> {
        let ids: Vec<AccountId> = self
            .restricted_to
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect();
        if !ids.is_empty() && victim == Some(VictimKind::Pupil) {
            e.add(
                "restricted_to",
                "Seul un dossier dont la victime est un membre du personnel peut être limité à certains comptes : décochez les noms, ou indiquez que la victime est un membre du personnel.",
            );
        }
        ids
    }

    /// Validates into a new case, its authors and targets.
    pub(super) fn parse(&self, schools: &[School], e: &mut FieldErrors) -> Option<ParsedCase> {
        let school = self.parse_school(schools, e);
        let urgency = e.require(
            "urgency",
            Urgency::parse(&self.urgency),
            "Indiquez le niveau d'urgence.",
        );
        let victim_kind = e.require(
            "victim_kind",
            VictimKind::parse(&self.victim_kind),
            "Indiquez si la victime est un élève ou un membre du personnel.",
        );
        let group = if victim_kind == Some(VictimKind::Staff) {
            STAFF_GROUP
        } else {
            PUPIL_GROUP
        };
        let victim_name = e.check("victim_name", VICTIM_NAME.parse(&self.victim_name));
        let victim_group = e.check("victim_group", group.parse(&self.victim_group));
        let description = e.check("description", DESCRIPTION.parse(&self.description));
        let today = Utc::now().date_naive();
        let started_on = e.check("started_on", optional_past_date(&self.started_on, today));
        let platforms = Platform::parse_set(&self.platforms);
        if platforms.is_empty() {
            e.add("platforms", "Cochez au moins une plateforme ou un moyen (cochez « Autre » si aucun ne convient).");
        }
        let kinds = HarassmentKind::parse_set(&self.kinds);
        if kinds.is_empty() {
            e.add(
                "kinds",
                "Cochez au moins un type de faits (cochez « Autre » si aucun ne convient).",
            );
        }
        let authors = self.parse_authors(e);
        let targets = self.parse_targets(e);
        let checklist = ["secured", "evidence", "families", "authorities"].map(|c| self.checked(c));
        let restricted_to = self.parse_restriction(victim_kind, e);
        if !e.is_empty() {
            return None;
        }
        let case = NewCase {
            school: school?,
            urgency: urgency?,
            victim_kind: victim_kind?,
            victim_name: victim_name?,
            victim_group: victim_group?,
            description: description?,
            started_on: started_on?,
            platforms,
            kinds,
            checklist,
            restricted_to,
        };
        Some((case, authors, targets))
    }

    /// The school chosen among the caller's (the only one, if just one).
    fn parse_school(&self, schools: &[School], e: &mut FieldErrors) -> Option<SchoolId> {
        if let [only] = schools {
            return Some(only.id);
        }
        let chosen = schools.iter().find(|s| s.id.to_string() == self.school);
        let message = "Choisissez l'établissement concerné.";
        e.require("school", chosen.map(|s| s.id), message)
    }

    fn parse_authors(&self, e: &mut FieldErrors) -> Vec<NewAuthor> {
        let mut authors = Vec::new();
        for (i, row) in self.authors.iter().enumerate() {
            if row.kind.is_empty() && row.name.trim().is_empty() && row.group.trim().is_empty() {
                continue;
            }
            match parse_author(&row.kind, &row.name, &row.group) {
                Ok(author) => authors.push(author),
                Err(message) => e.add(format!("author_{i}"), message),
            }
        }
        authors
    }

    fn parse_targets(&self, e: &mut FieldErrors) -> Vec<(Platform, String)> {
        let mut targets = Vec::new();
        for (i, row) in self.targets.iter().enumerate() {
            let value = row.value.trim();
            if row.platform.is_empty() && value.is_empty() {
                continue;
            }
            match (Platform::parse(&row.platform), value) {
                (Some(p), v) if !v.is_empty() && v.chars().count() <= 2000 => targets.push((p, v.to_owned())),
                (None, _) => e.add(format!("target_{i}"), "Choisissez la plateforme de ce compte ou de cette publication."),
                _ => e.add(format!("target_{i}"), "Indiquez l'adresse (URL) ou l'identifiant du compte (2 000 caractères au plus)."),
            }
        }
        targets
    }
}

/// Field ids in the order of the form, for the error summary.
pub(super) const CASE_FIELDS: &[&str] = &[
    "school",
    "victim_kind",
    "victim_name",
    "victim_group",
    "restricted_to",
    "urgency",
    "description",
    "started_on",
    "platforms",
    "kinds",
    "author_0",
    "author_1",
    "author_2",
    "target_0",
    "target_1",
    "target_2",
    "evidence",
];

/// An alleged author as typed: kind, name (optional, 200 characters at
/// most), class (optional, 100).
pub(super) fn parse_author(kind: &str, name: &str, group: &str) -> Result<NewAuthor, &'static str> {
    match AuthorKind::parse(kind) {
        Some(kind) if name.chars().count() <= 200 && group.chars().count() <= 100 => {
            Ok(NewAuthor {
                kind,
                name: name.trim().to_owned(),
                group: group.trim().to_owned(),
            })
        }
        Some(_) => Err("Le nom est limité à 200 caractères, la classe à 100."),
        None => {
            Err("Précisez qui est l'auteur présumé (élève, inconnu, adulte, personne extérieure).")
        }
    }
}
