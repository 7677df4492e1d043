//! The case page's longest parts, its timeline and its files, rendered once
//! per revision of the case's lists and audience and kept beside them
//! (`db::kept`): a page of 200 events and 50 files is mostly these.

use std::sync::Arc;

use askama::Template;

use super::case_page::CaseView;
use crate::db::events::Event;
use crate::db::evidence::Evidence;
use crate::db::kept::{Kept, Weigh};
use crate::domain::ids::CaseId;
use crate::error::{AppError, AppResult};

#[derive(Template)]
#[template(path = "partials/timeline_list.html")]
struct TimelineList<'a> {
    events: &'a [Event],
}

#[derive(Template)]
#[template(path = "partials/evidence_list.html")]
struct EvidenceList<'a> {
    case_id: CaseId,
    evidence: &'a [Evidence],
}

/// A case's timeline and files as HTML, escaped.
pub struct Fragments {
    /// The timeline.
    pub timeline: String,
    /// The files.
    pub evidence: String,
}

impl Weigh for Fragments {
    fn weight(&self) -> usize {
        self.timeline.len() + self.evidence.len()
    }
}

/// Fragments kept per case and audience (the helpline reads internal
/// notes).
pub type KeptFragments = Kept<(CaseId, bool), (i64, i64), Fragments>;

/// `view`'s timeline and files, as kept if rendered at its revision.
pub async fn fragments(
    kept: &KeptFragments,
    view: &CaseView,
    helpline: bool,
) -> AppResult<Arc<Fragments>> {
    let key = (view.case.id, helpline);
    kept.get(key, view.case.lists_revision(), || async {
        let failed = |e: askama::Error| AppError::Internal(e.into());
        Ok(Fragments {
            timeline: TimelineList {
                events: &view.events,
            }
            .render()
            .map_err(failed)?,
            evidence: EvidenceList {
                case_id: view.case.id,
                evidence: &view.evidence,
            }
            .render()
            .map_err(failed)?,
        })
    })
    .await
}
