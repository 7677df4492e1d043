//! Who opened a case and its files: for the school's leadership, from the
//! audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::app::AppState;
use crate::db;
use crate::domain::ids::CaseId;
use crate::domain::status::Role;
use crate::error::AppResult;
use crate::ops;
use crate::web::extract::{Ids, SchoolStaff};
use crate::web::layout::Layout;

/// The list of readings of one case.
#[derive(Template, WebTemplate)]
#[template(path = "school/access_log.html")]
pub struct AccessLogPage {
    layout: Layout,
    case: db::cases::CaseDetail,
    accesses: Vec<db::audit::Access>,
}

impl AccessLogPage {
    fn role(&self, a: &db::audit::Access) -> &'static str {
        a.role
            .as_deref()
            .and_then(Role::parse)
            .map_or("compte supprimé", Role::label)
    }

    fn what(&self, a: &db::audit::Access) -> String {
        let file = a.file.as_deref().unwrap_or("pièce retirée");
        match a.action.as_str() {
            "view_case" => "a ouvert le dossier".to_owned(),
            "export_dossier" => "a exporté le dossier scellé (toutes les pièces)".to_owned(),
            "export_dossier_pdf" => "a généré le dossier PDF".to_owned(),
            "download_evidence" => format!("a téléchargé « {file} »"),
            _ => format!("a affiché l'aperçu de « {file} »"),
        }
    }
}

pub(super) async fn access_log(
    State(state): State<AppState>,
    staff: SchoolStaff,
    Ids(id): Ids<CaseId>,
) -> AppResult<AccessLogPage> {
    let (case, accesses) = ops::reads::case_access(&state.ops(), &staff.0, id).await?;
    Ok(AccessLogPage {
        layout: Layout::for_actor(&staff.0),
        case,
        accesses,
    })
}
