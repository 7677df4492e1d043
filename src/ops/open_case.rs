//! Opening a case: from the guided form, or from a parent's report (whose
//! files are copied into the case and whose reporter is told).

use serde_json::json;

use super::Ops;
use super::files::{CheckedFile, PendingFiles, with_pending_files};
use crate::auth::{Actor, CaseScope};
use crate::db::cases::{LockedCase, NewAuthor, NewCase};
use crate::db::inbox::LockedReport;
use crate::db::{self, Tx};
use crate::domain::audit::AuditAction;
use crate::domain::case::{EventKind, Platform, ReportStatus, VictimKind};
use crate::domain::ids::{CaseId, ReportId, SchoolId};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, MailContext, ReporterNotice};

/// A case to open, validated.
pub struct OpenCase {
    /// The case itself.
    pub case: NewCase,
    /// Alleged authors.
    pub authors: Vec<NewAuthor>,
    /// Online targets.
    pub targets: Vec<(Platform, String)>,
    /// Evidence files.
    pub files: Vec<CheckedFile>,
    /// The report it is opened from, if any.
    pub from_report: Option<ReportId>,
}

/// Refuses a closed school: it takes no new case.
async fn ensure_open(tx: &mut Tx<'_>, school: SchoolId) -> AppResult<()> {
    let school = db::schools::get(&mut **tx, school).await?;
    if school.is_none_or(|s| s.closed) {
        let why = "Cet établissement est fermé : aucun dossier ne peut plus y être ouvert.";
        return Err(AppError::Field("school", why.into()));
    }
    Ok(())
}

/// Opens a case for `actor` (school staff), in one transaction with its
/// authors, targets, files and, when opened from a report, the report's
/// files, the link to the report and the reporter's mail.
pub async fn open_case(ops: &Ops, actor: &Actor, open: OpenCase) -> AppResult<CaseId> {
    let (ops, actor) = (ops.clone(), actor.clone());
    super::detached(async move { open_here(&ops, &actor, open).await }).await
}

async fn open_here(ops: &Ops, actor: &Actor, open: OpenCase) -> AppResult<CaseId> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    with_pending_files(ops, async |pending| {
        let keys = pending.write(&open.files).await?;
        let mut tx = ops.db.begin().await?;
        ensure_open(&mut tx, open.case.school).await?;
        let report = match open.from_report {
            Some(r) => Some(lock_report(&mut tx, &scope, r, &open.case).await?),
            None => None,
        };
        let (id, _) = db::cases::insert_case(&mut tx, &scope, &open.case).await?;
        let locked = db::cases::lock(&mut tx, &scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !open.case.restricted_to.is_empty() {
            restrict(&mut tx, actor, &locked, &open.case).await?;
        }
        let opened_from = report
            .as_ref()
            .map(|r| format!("Ouvert à partir du signalement {}", r.reference));
        let created = EventKind::Created;
        db::events::append(
            &mut tx,
            &locked,
            Some(actor.id),
            created,
            opened_from.as_deref(),
            json!({}),
        )
        .await?;
        if let Some(report) = &report {
            take_report(ops, &mut tx, pending, &locked, report).await?;
        }
        for a in &open.authors {
            db::cases::insert_author(&mut tx, &locked, a).await?;
        }
        for (platform, target) in &open.targets {
            db::cases::insert_target(&mut tx, &locked, actor.id, *platform, target).await?;
        }
        let (names, mut audits) = pending
            .record(&mut tx, &locked, Some(actor.id), &open.files, &keys)
            .await?;
        if !names.is_empty() {
            let data = json!({ "count": names.len(), "files": names });
            db::events::append(
                &mut tx,
                &locked,
                Some(actor.id),
                EventKind::EvidenceAdded,
                None,
                data,
            )
            .await?;
        }
        // Last: the chain's head is held from here to the commit.
        let create = AuditAction::CreateCase;
        audits.push(db::audit::NewEntry::done(Some(actor.id), create, id.0));
        db::audit::record_many(&mut *tx, &audits).await?;
        tx.commit().await?;
        Ok(id)
    })
    .await
}

/// Limits a staff-victim case to the named leadership accounts of its
/// school and the person opening it.
async fn restrict(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    case: &NewCase,
) -> AppResult<()> {
    if case.victim_kind != VictimKind::Staff {
        return Err(AppError::Field(
            "restricted_to",
            "Seul un dossier dont la victime est un membre du personnel peut être limité à certains comptes.".into(),
        ));
    }
    let mut accounts = case.restricted_to.clone();
    accounts.push(actor.id);
    accounts.sort_by_key(|a| a.0);
    accounts.dedup();
    if db::cases::restrict(tx, locked, &accounts).await? != accounts.len() {
        return Err(AppError::Field(
            "restricted_to",
            "Un des comptes choisis n'est plus un compte de direction actif de cet établissement : choisissez de nouveau.".into(),
        ));
    }
    Ok(())
}

/// Locks the report a case is opened from: still undecided, and sent to the
/// school the case is opened for.
async fn lock_report(
    tx: &mut Tx<'_>,
    scope: &CaseScope,
    id: ReportId,
    case: &NewCase,
) -> AppResult<LockedReport> {
    let locked = db::inbox::lock(tx, scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if locked.status != ReportStatus::Received {
        return Err(AppError::Conflict(
            "Ce signalement a déjà reçu une décision : un dossier en a peut-être déjà été ouvert."
                .into(),
        ));
    }
    if locked.school_id != case.school {
        return Err(AppError::Conflict(
            "Ce signalement a été envoyé à un autre de vos établissements : ouvrez le dossier pour cet établissement-là.".into(),
        ));
    }
    Ok(locked)
}

/// Copies the report's files into the case (evidence rows are never moved),
/// links the two and tells the reporter.
async fn take_report(
    ops: &Ops,
    tx: &mut Tx<'_>,
    pending: &mut PendingFiles,
    locked: &LockedCase,
    report: &LockedReport,
) -> AppResult<()> {
    let files = db::report_thread::evidence_of_locked(tx, report).await?;
    for f in &files {
        pending.copy_into(tx, locked, None, f).await?;
    }
    db::report_thread::mark_files_attached(tx, report).await?;
    if !files.is_empty() {
        let data = json!({ "count": files.len() });
        let note = Some("Pièces jointes au signalement");
        db::events::append(tx, locked, None, EventKind::EvidenceAdded, note, data).await?;
    }
    db::inbox::link_case(tx, report, locked).await?;
    if let Some(to) = &report.contact_email {
        let ctx = MailContext::of(&ops.config);
        messages::queue_to_reporter(tx, &ctx, to, &report.reference, ReporterNotice::Decision)
            .await?;
    }
    Ok(())
}
