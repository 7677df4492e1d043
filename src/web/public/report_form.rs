//! The public report form: its values as typed, their validation, and the
//! page that shows them (again, with messages, when something is missing).

use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use crate::app::AppState;
use crate::db::schools::School;
use crate::domain::case::{HarassmentKind, Platform, ReporterKind};
use crate::domain::ids::SchoolId;
use crate::domain::values::{EmailAddress, Invalid, Phone, TextRule, optional_past_date};
use crate::ops::reports::ReportInput;
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::upload::MultipartForm;

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
    pub(super) fn from_multipart(f: &MultipartForm) -> ReportForm {
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

pub(super) fn form_page(
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

impl ReportForm {
    /// Validates the typed report for `school`.
    pub(super) fn parse(&self, school: SchoolId, e: &mut FieldErrors) -> Option<ReportInput> {
        let kind = e.require(
            "reporter_kind",
            ReporterKind::parse(&self.reporter_kind),
            "Dites-nous qui vous êtes : parent, élève victime, personnel victime ou témoin.",
        );
        let danger = match self.danger.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let danger = e.require(
            "danger",
            danger,
            "Répondez à la question sur le danger : oui ou non.",
        );
        let description = e.check("description", DESCRIPTION.parse(&self.description));
        let platforms = Platform::parse_set(&self.platforms);
        if platforms.is_empty() {
            e.add(
                "platforms",
                "Cochez au moins un réseau ou moyen utilisé (ou « Autre »).",
            );
        }
        let kinds = HarassmentKind::parse_set(&self.kinds);
        if kinds.is_empty() {
            e.add("kinds", "Cochez au moins ce qui se passe (ou « Autre »).");
        }
        let today = Utc::now().date_naive();
        let started_on = e.check("started_on", optional_past_date(&self.started_on, today));
        let (first_name, class) = self.parse_victim(kind, e);
        let (email, phone) = self.parse_contact(e);
        if !e.is_empty() {
            return None;
        }
        Some(ReportInput {
            school,
            reporter_kind: kind?,
            danger: danger?,
            description: description?,
            started_on: started_on?,
            platforms,
            kinds,
            victim_first_name: first_name?,
            victim_class: class?,
            contact_email: email?,
            contact_phone: phone?,
        })
    }
}

impl ReportForm {
    /// The victim's first name and class: a witness may not know them, a
    /// member of staff has no class.
    fn parse_victim(
        &self,
        kind: Option<ReporterKind>,
        e: &mut FieldErrors,
    ) -> (Option<String>, Option<String>) {
        let witness = kind == Some(ReporterKind::Witness);
        let name_rule = if witness {
            FIRST_NAME.or_empty()
        } else {
            FIRST_NAME
        };
        let first_name = e.check(
            "victim_first_name",
            name_rule.parse(&self.victim_first_name),
        );
        let class_optional = witness || kind == Some(ReporterKind::StaffVictim);
        let class_rule = if class_optional {
            CLASS.or_empty()
        } else {
            CLASS
        };
        let class = e.check("victim_class", class_rule.parse(&self.victim_class));
        (first_name, class)
    }

    /// The optional e-mail and phone (`Some(None)`: left empty).
    #[allow(clippy::type_complexity)]
    fn parse_contact(
        &self,
        e: &mut FieldErrors,
    ) -> (Option<Option<EmailAddress>>, Option<Option<Phone>>) {
        let email = match self.contact_email.trim() {
            "" => Some(None),
            typed => {
                let parsed = EmailAddress::parse(typed).map_err(|_| Invalid(BAD_EMAIL));
                e.check("contact_email", parsed.map(Some))
            }
        };
        let phone = match self.contact_phone.trim() {
            "" => Some(None),
            typed => e.check("contact_phone", Phone::parse(typed).map(Some)),
        };
        (email, phone)
    }
}

const DESCRIPTION: TextRule = TextRule {
    min: 10,
    max: 10_000,
    empty: "Racontez ce qui se passe en quelques phrases (10 caractères au moins).",
    long: "Votre texte est trop long : 10 000 caractères au plus.",
};
const FIRST_NAME: TextRule = TextRule::required(
    100,
    "Indiquez le prénom de la victime.",
    "Le prénom est limité à 100 caractères.",
);
const CLASS: TextRule = TextRule::required(
    100,
    "Indiquez la classe de l'élève (par exemple 4e B).",
    "La classe est limitée à 100 caractères.",
);
const BAD_EMAIL: &str = "Cette adresse ne semble pas valide (exemple : prenom.nom@exemple.fr). Vous pouvez aussi la laisser vide.";
