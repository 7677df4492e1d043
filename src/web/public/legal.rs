//! The legal notices and the accessibility statement (RGAA), linked from
//! every footer.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use tower_sessions::Session;

use super::public_layout;
use crate::app::AppState;
use crate::config::LegalNotice;
use crate::error::AppResult;
use crate::web::layout::Layout;

/// The pages the browser suite checks with axe-core on every CI run (its
/// test fails if one is not checked, or has a serious or critical
/// violation): the statement lists them as the measured state.
pub const AXE_CHECKED_PAGES: &[(&str, &str)] = &[
    ("home", "Accueil"),
    ("find-school", "Signaler : recherche de l'établissement"),
    ("report-form", "Formulaire de signalement"),
    ("report-sent", "Signalement envoyé (code de suivi)"),
    ("follow-up", "Suivi d'un signalement"),
    ("dashboard", "Tableau de bord de l'établissement"),
    ("inbox", "Signalements reçus par l'établissement"),
    ("report", "Un signalement reçu"),
    ("case-form", "Ouverture d'un dossier"),
    (
        "case-form-errors",
        "Ouverture d'un dossier, avec des erreurs de saisie",
    ),
    ("case", "Page d'un dossier (établissement)"),
    ("case-correction", "Correction d'un dossier"),
    ("queue", "File d'attente d'e-Enfance"),
    ("helpline-case", "Page d'un dossier (e-Enfance)"),
    ("intervention-answer", "Réponse à une intervention proposée"),
    (
        "bulk-result",
        "Traitement d'une sélection de dossiers (e-Enfance)",
    ),
    (
        "supervision",
        "Supervision de la file d'e-Enfance (graphique)",
    ),
    ("platforms", "Réponses des plateformes (graphique)"),
    ("school-figures", "Chiffres d'un établissement (graphique)"),
    ("admin-schools", "Administration : établissements"),
    ("admin-accounts", "Administration : comptes"),
    (
        "admin-account",
        "Administration : un compte (accès, établissements)",
    ),
    (
        "admin-school",
        "Administration : un établissement (modifier, fermer)",
    ),
    (
        "admin-school-import",
        "Administration : import du fichier des établissements",
    ),
    ("admin-mail", "Administration : courriels"),
    ("admin-audit", "Administration : journal d'audit"),
    (
        "admin-statistics",
        "Administration : statistiques (graphiques, tableaux)",
    ),
    (
        "admin-overview",
        "Administration : vue d'ensemble et intégrité des pièces",
    ),
    ("verification", "Vérification d'un dossier exporté"),
    (
        "account",
        "Mon compte (mot de passe, deuxième facteur, sessions)",
    ),
    ("forgot-password", "Mot de passe oublié"),
    ("invite", "Administration : inviter une personne"),
    ("invitation", "Activation d'un compte invité (mot de passe)"),
    (
        "enrol",
        "Enregistrement d'une application d'authentification",
    ),
    ("recovery-codes", "Codes de secours"),
    ("second-factor", "Code de connexion (deuxième étape)"),
    ("accessibility", "Déclaration d'accessibilité"),
    ("legal", "Mentions légales"),
];

/// The date the statement was last reviewed.
const STATEMENT_DATE: &str = "23 novembre 2026";

/// The legal notices.
#[derive(Template, WebTemplate)]
#[template(path = "public/legal.html")]
pub struct LegalPage {
    layout: Layout,
    legal: LegalNotice,
}

pub(super) async fn legal_notices(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<LegalPage> {
    Ok(LegalPage {
        layout: public_layout(&session).await?,
        legal: state.config.legal.clone(),
    })
}

/// The accessibility statement.
#[derive(Template, WebTemplate)]
#[template(path = "public/accessibility.html")]
pub struct AccessibilityPage {
    layout: Layout,
    legal: LegalNotice,
    pages: &'static [(&'static str, &'static str)],
    date: &'static str,
}

pub(super) async fn accessibility(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<AccessibilityPage> {
    Ok(AccessibilityPage {
        layout: public_layout(&session).await?,
        legal: state.config.legal.clone(),
        pages: AXE_CHECKED_PAGES,
        date: STATEMENT_DATE,
    })
}
