//! Reads that the audit trail records (README, "How it is built": who read which case, report
//! or file — reads included, denied ones too). A read outside the caller's
//! scope is recorded as denied and is a `NotFound`.

use std::sync::Arc;

use uuid::Uuid;

use super::Ops;
use super::integrity::{Expected, checked_open};
use crate::auth::{Actor, CaseScope};
use crate::db::kept::{Kept, Weigh};
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{CaseId, EvidenceId, ReportId};
use crate::error::{AppError, AppResult};
use crate::storage::ByteStream;

/// A case with everything recorded on it, as its scope lets the caller see.
pub struct CaseRecord {
    /// The case.
    pub case: db::cases::CaseDetail,
    /// What is recorded on it (kept while its revision holds).
    pub lists: Arc<CaseLists>,
}

impl std::ops::Deref for CaseRecord {
    type Target = CaseLists;

    fn deref(&self) -> &CaseLists {
        &self.lists
    }
}

/// What is recorded on a case.
pub struct CaseLists {
    /// Alleged authors.
    pub authors: Vec<db::cases::Author>,
    /// Online targets.
    pub targets: Vec<db::cases::Target>,
    /// Evidence files.
    pub evidence: Vec<db::evidence::Evidence>,
    /// Timeline.
    pub events: Vec<db::events::Event>,
    /// Requests to platforms.
    pub requests: Vec<db::records::PlatformRequest>,
    /// Escalations to Pharos/OCLCTIC.
    pub escalations: Vec<db::records::Escalation>,
    /// Interventions proposed.
    pub interventions: Vec<db::records::Intervention>,
    /// Sanctions decided.
    pub sanctions: Vec<db::records::Sanction>,
}

impl Weigh for CaseLists {
    fn weight(&self) -> usize {
        // Rows at a few hundred bytes, plus the texts people wrote.
        let rows = self.authors.len()
            + self.targets.len()
            + self.evidence.len()
            + self.events.len()
            + self.requests.len()
            + self.escalations.len()
            + self.interventions.len()
            + self.sanctions.len();
        let texts: usize = self
            .events
            .iter()
            .map(|e| e.note.as_ref().map_or(0, String::len) + e.data.to_string().len())
            .sum();
        256 * rows + texts
    }
}

/// Case lists kept per case and audience (the helpline reads internal
/// notes).
pub type KeptCaseLists = Kept<(CaseId, bool), (i64, i64), CaseLists>;

async fn audit(
    ops: &Ops,
    actor: &Actor,
    action: AuditAction,
    id: Uuid,
    outcome: Outcome,
) -> AppResult<()> {
    let entry = db::audit::NewEntry {
        actor: Some(actor.id),
        action,
        record_id: Some(id),
        outcome,
    };
    match &ops.read_audits {
        Some(writer) => writer.record(entry).await?,
        None => db::audit::record_many(&ops.db, &[entry]).await?,
    }
    Ok(())
}

/// Reads a case in the caller's scope.
pub async fn case(ops: &Ops, actor: &Actor, id: CaseId) -> AppResult<CaseRecord> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let Some(case) = db::cases::get_case(&ops.db, &scope, id).await? else {
        audit(ops, actor, AuditAction::ViewCase, id.0, Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    // The entry is appended while the rest is read; the page waits for both.
    let (record, ()) = tokio::try_join!(
        record_of(ops, &scope, case),
        audit(ops, actor, AuditAction::ViewCase, id.0, Outcome::Ok)
    )?;
    Ok(record)
}

/// Everything recorded on a case already read in `scope` (not audited:
/// the caller audits what it does with it); the lists as kept if they were
/// read at the case's revision.
pub(super) async fn record_of(
    ops: &Ops,
    scope: &CaseScope,
    case: db::cases::CaseDetail,
) -> AppResult<CaseRecord> {
    let lists = match &ops.case_lists {
        Some(kept) => {
            let key = (case.id, scope.helpline());
            kept.get(key, case.lists_revision(), || lists_of(ops, scope, case.id))
                .await?
        }
        None => Arc::new(lists_of(ops, scope, case.id).await?),
    };
    Ok(CaseRecord { case, lists })
}

async fn lists_of(ops: &Ops, scope: &CaseScope, id: CaseId) -> AppResult<CaseLists> {
    let db = &ops.db;
    let (authors, targets, evidence, events, requests, escalations, interventions, sanctions) = tokio::try_join!(
        db::cases::list_authors(db, scope, id),
        db::cases::list_targets(db, scope, id),
        db::evidence::list(db, scope, id),
        db::events::list(db, scope, id),
        db::records::list_requests(db, scope, id),
        db::records::list_escalations(db, scope, id),
        db::records::list_interventions(db, scope, id),
        db::records::list_sanctions(db, scope, id),
    )?;
    Ok(CaseLists {
        authors,
        targets,
        evidence,
        events,
        requests,
        escalations,
        interventions,
        sanctions,
    })
}

/// Opens an evidence file of a case in the caller's scope, as a stream;
/// `action` says whether it is downloaded or previewed.
pub async fn evidence(
    ops: &Ops,
    actor: &Actor,
    case: CaseId,
    id: EvidenceId,
    action: AuditAction,
) -> AppResult<(db::evidence::Evidence, ByteStream)> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let Some(ev) = db::evidence::get(&ops.db, &scope, case, id).await? else {
        audit(ops, actor, action, id.0, Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    let expected = Expected {
        key: &ev.storage_key,
        sha256: &ev.sha256,
        size: ev.size_bytes,
    };
    let bytes = checked_open(ops, actor, &expected, id.0).await?;
    audit(ops, actor, action, id.0, Outcome::Ok).await?;
    Ok((ev, bytes))
}

/// A report with its files and messages, as the school reads it.
pub struct ReportRecord {
    /// The report.
    pub report: db::inbox::ReportDetail,
    /// Its files.
    pub files: Vec<db::report_thread::ReportEvidence>,
    /// The thread with the reporter.
    pub messages: Vec<db::reports::Message>,
}

/// Reads a report of the caller's schools (and marks it seen).
pub async fn report(ops: &Ops, actor: &Actor, id: ReportId) -> AppResult<ReportRecord> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let Some(report) = db::inbox::get(&ops.db, &scope, id).await? else {
        audit(ops, actor, AuditAction::ViewReport, id.0, Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    let (files, messages) = tokio::try_join!(
        db::report_thread::evidence(&ops.db, &scope, id),
        db::report_thread::messages_for_school(&ops.db, &scope, id),
    )?;
    db::inbox::mark_seen(&ops.db, &scope, id).await?;
    audit(ops, actor, AuditAction::ViewReport, id.0, Outcome::Ok).await?;
    Ok(ReportRecord {
        report,
        files,
        messages,
    })
}

/// Opens one file of a report of the caller's schools, as a stream.
pub async fn report_file(
    ops: &Ops,
    actor: &Actor,
    id: ReportId,
    file: Uuid,
) -> AppResult<(db::report_thread::ReportEvidence, ByteStream)> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let files = db::report_thread::evidence(&ops.db, &scope, id).await?;
    let action = AuditAction::DownloadReportEvidence;
    let Some(f) = files.into_iter().find(|f| f.id == file) else {
        audit(ops, actor, action, id.0, Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    let expected = Expected {
        key: &f.storage_key,
        sha256: &f.sha256,
        size: f.size_bytes,
    };
    let bytes = checked_open(ops, actor, &expected, f.id).await?;
    audit(ops, actor, action, id.0, Outcome::Ok).await?;
    Ok((f, bytes))
}

/// Who opened a case of the caller's schools and its files (the newest
/// 500), read by its school's leadership; reading it is audited too.
pub async fn case_access(
    ops: &Ops,
    actor: &Actor,
    id: CaseId,
) -> AppResult<(db::cases::CaseDetail, Vec<db::audit::Access>)> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let action = AuditAction::ViewAccessLog;
    let Some(case) = db::cases::get_case(&ops.db, &scope, id).await? else {
        audit(ops, actor, action, id.0, Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    let accesses = db::audit::case_access(&ops.db, id.0, 500).await?;
    audit(ops, actor, action, id.0, Outcome::Ok).await?;
    Ok((case, accesses))
}
