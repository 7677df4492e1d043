//! Public reports: a parent, victim or witness sends one and follows it with
//! a code; the school declines it or writes to the reporter (opening a case
//! from it is `open_case`). What a reporter adds stays in the report's
//! thread: nothing anonymous lands in a case by itself.

use chrono::{NaiveDate, Utc};

use super::Ops;
use super::files::{CheckedFile, PendingFiles, with_pending_files};
use crate::auth::{Actor, CaseScope};
use crate::config::ReportSettings;
use crate::db::inbox::LockedReport;
use crate::db::reports::{NewReport, ReportFile, ReporterAccess};
use crate::db::{self, Tx, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::case::{HarassmentKind, Platform, ReportStatus, ReporterKind, Urgency};
use crate::domain::deadline::report_due;
use crate::domain::followup::FollowUpCode;
use crate::domain::holidays::Calendar;
use crate::domain::ids::{ReportId, SchoolId};
use crate::domain::values::{EmailAddress, Phone};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, CaseRef, MailContext, ReporterNotice, SchoolNotice};

/// A report as validated from the public form.
pub struct ReportInput {
    /// The school concerned.
    pub school: SchoolId,
    /// Who reports.
    pub reporter_kind: ReporterKind,
    /// Whether someone is in danger.
    pub danger: bool,
    /// What happens.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Where.
    pub platforms: Vec<Platform>,
    /// What.
    pub kinds: Vec<HarassmentKind>,
    /// The victim's first name.
    pub victim_first_name: String,
    /// The victim's class.
    pub victim_class: String,
    /// Where to write to the reporter.
    pub contact_email: Option<EmailAddress>,
    /// Where to call the reporter.
    pub contact_phone: Option<Phone>,
}

/// A report that was stored: its reference, and the follow-up code shown
/// once (only its hash is kept).
pub struct Sent {
    /// Reference.
    pub reference: String,
    /// The code, shown once.
    pub code: FollowUpCode,
}

/// Stores a report with its files, mails the school's leadership and the
/// reporter's receipt, in one transaction.
pub async fn submit(ops: &Ops, input: ReportInput, files: Vec<CheckedFile>) -> AppResult<Sent> {
    let ops = ops.clone();
    super::detached(async move { submit_here(&ops, input, &files).await }).await
}

async fn submit_here(ops: &Ops, input: ReportInput, files: &[CheckedFile]) -> AppResult<Sent> {
    let code = FollowUpCode::generate();
    let uai = db::schools::list_by_ids(&ops.db, &[input.school])
        .await?
        .pop()
        .map(|s| s.uai)
        .unwrap_or_default();
    let calendar = Calendar::of_uai(&uai);
    let mut report = new_report(input, &code, &ops.config.reports, calendar);
    let reference = with_pending_files(ops, async |pending| {
        let mut tx = ops.db.begin().await?;
        let hour_ago = Utc::now() - chrono::TimeDelta::hours(1);
        let recent = db::reports::count_since(&mut tx, report.school, hour_ago).await?;
        report.suspected_flood = recent >= ops.config.reports.flood_per_hour;
        let (id, reference) = db::reports::insert(&mut tx, &report).await?;
        store_files(&mut tx, pending, id, files).await?;
        mail_on_submit(ops, &mut tx, &report, id, &reference).await?;
        let submit = AuditAction::SubmitReport;
        db::audit::record(&mut *tx, None, submit, Some(id.0), Outcome::Ok).await?;
        tx.commit().await?;
        Ok(reference)
    })
    .await?;
    Ok(Sent { reference, code })
}

/// The mails of a new report: the school's leadership (one digest an hour
/// during a suspected flood), the reporter's receipt (one an hour at most to
/// one address, whoever typed it).
async fn mail_on_submit(
    ops: &Ops,
    tx: &mut Tx<'_>,
    report: &NewReport,
    id: ReportId,
    reference: &str,
) -> AppResult<()> {
    let ctx = MailContext::of(&ops.config);
    let urgency = if report.danger {
        Urgency::Danger
    } else {
        Urgency::Normal
    };
    let about = CaseRef {
        id: id.0,
        reference,
        urgency,
    };
    // A report in danger is always mailed at once, flood or not.
    let notice = if !report.suspected_flood || report.danger {
        Some(SchoolNotice::NewReport)
    } else if db::reports::claim_digest(tx, report.school).await? {
        Some(SchoolNotice::FloodDigest)
    } else {
        None
    };
    if let Some(notice) = notice {
        messages::queue_to_school(tx, &ctx, report.school, &about, notice).await?;
    }
    if let Some(to) = &report.contact_email
        && !db::reports::receipt_sent_recently(tx, to).await?
    {
        messages::queue_to_reporter(tx, &ctx, to, reference, ReporterNotice::Receipt).await?;
    }
    Ok(())
}

/// The row of a validated report, with its code's hash and deadline.
fn new_report(
    input: ReportInput,
    code: &FollowUpCode,
    cfg: &ReportSettings,
    calendar: Calendar,
) -> NewReport {
    let due_at = report_due(
        Utc::now(),
        input.danger,
        cfg.due_working_days,
        cfg.danger_due_hours,
        calendar,
    );
    NewReport {
        school: input.school,
        reporter_kind: input.reporter_kind,
        danger: input.danger,
        description: input.description,
        started_on: input.started_on,
        platforms: input
            .platforms
            .iter()
            .map(|p| p.code().to_owned())
            .collect(),
        kinds: input.kinds.iter().map(|k| k.code().to_owned()).collect(),
        victim_first_name: input.victim_first_name,
        victim_class: input.victim_class,
        contact_email: input.contact_email.map(|e| e.as_str().to_owned()),
        contact_phone: input.contact_phone.map(Phone::into_string),
        code_hash: code.hash(),
        due_at,
        suspected_flood: false,
    }
}

/// Stores a report's files and records them, in the report's transaction.
async fn store_files(
    tx: &mut Tx<'_>,
    pending: &mut PendingFiles,
    report: ReportId,
    files: &[CheckedFile],
) -> AppResult<()> {
    for f in files {
        let key = pending.put(tx, f.content.blob()).await?;
        let file = ReportFile {
            storage_key: &key,
            original_name: &f.name,
            mime_type: f.file_type.mime(),
            size: f.size(),
            sha256: &f.content.sha256,
        };
        db::reports::insert_evidence(tx, report, &file).await?;
    }
    Ok(())
}

/// The report a typed follow-up code opens, if any (the attempt is audited).
pub async fn follow_up(ops: &Ops, typed: &str) -> AppResult<Option<ReporterAccess>> {
    let access = match FollowUpCode::parse(typed) {
        Some(code) => db::reports::access_by_code(&ops.db, &code.hash()).await?,
        None => None,
    };
    let (id, outcome) = match &access {
        Some(a) => (Some(a.report().0), Outcome::Ok),
        None => (None, Outcome::Denied),
    };
    db::audit::record(&ops.db, None, AuditAction::FollowUp, id, outcome).await?;
    Ok(access)
}

/// Adds what the reporter wrote and sent to the report's thread; the school
/// decides what to attach to a case.
pub async fn add_information(
    ops: &Ops,
    access: &ReporterAccess,
    text: Option<String>,
    files: Vec<CheckedFile>,
) -> AppResult<()> {
    let (ops, access) = (ops.clone(), *access);
    super::detached(async move { add_here(&ops, &access, text, &files).await }).await
}

async fn add_here(
    ops: &Ops,
    access: &ReporterAccess,
    text: Option<String>,
    files: &[CheckedFile],
) -> AppResult<()> {
    with_pending_files(ops, async |pending| {
        let mut tx = ops.db.begin().await?;
        let status = db::reports::lock_for_reporter(&mut tx, access).await?;
        if status == ReportStatus::Declined {
            return Err(AppError::Conflict(
                "Ce signalement n'a pas été retenu : il ne peut plus être complété. En cas de besoin, appelez le 3018.".into(),
            ));
        }
        if !files.is_empty() {
            check_quota(ops, &mut tx, access, files).await?;
        }
        let summary = text.unwrap_or_else(|| format!("{} fichier(s) ajouté(s)", files.len()));
        db::reports::add_reporter_message(&mut tx, access, &summary).await?;
        store_files(&mut tx, pending, access.report(), files).await?;
        let add = AuditAction::AddInformation;
        db::audit::record(&mut *tx, None, add, Some(access.report().0), Outcome::Ok).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Refuses files that would take a report past its quota (files and bytes
/// in all, whatever was sent before).
async fn check_quota(
    ops: &Ops,
    tx: &mut Tx<'_>,
    access: &ReporterAccess,
    files: &[CheckedFile],
) -> AppResult<()> {
    let cfg = &ops.config.reports;
    let (count, bytes) = db::reports::file_totals(tx, access).await?;
    let added: i64 = files.iter().map(CheckedFile::size).sum();
    if count + files.len() as i64 > cfg.max_files_per_report
        || bytes + added > cfg.max_bytes_per_report
    {
        let message = format!(
            "Ce signalement ne peut pas recevoir plus de {} fichiers ni plus de {} Mo en tout ; il en contient déjà {} ({} Mo). Ce qui est déjà envoyé est conservé. Pour transmettre d'autres éléments, écrivez-les ici ou appelez le 3018.",
            cfg.max_files_per_report,
            cfg.max_bytes_per_report / (1024 * 1024),
            count,
            bytes / (1024 * 1024),
        );
        return Err(AppError::Field("evidence", message));
    }
    Ok(())
}

/// Declines an undecided report of the caller's schools: the reason stays
/// for the reporter, the content and files are erased.
pub async fn decline(ops: &Ops, actor: &Actor, id: ReportId, reason: &str) -> AppResult<()> {
    let (ops, actor, reason) = (ops.clone(), actor.clone(), reason.to_owned());
    super::detached(async move { decline_here(&ops, &actor, id, &reason).await }).await
}

async fn decline_here(ops: &Ops, actor: &Actor, id: ReportId, reason: &str) -> AppResult<()> {
    let mut tx = ops.db.begin().await?;
    let report = lock(&mut tx, actor, id).await?;
    if report.status != ReportStatus::Received {
        return Err(AppError::Conflict(
            "Ce signalement a déjà reçu une décision : rechargez sa page pour la voir.".into(),
        ));
    }
    if let Some(to) = &report.contact_email {
        let ctx = MailContext::of(&ops.config);
        messages::queue_to_reporter(
            &mut tx,
            &ctx,
            to,
            &report.reference,
            ReporterNotice::Decision,
        )
        .await?;
    }
    let keys = db::inbox::decline(&mut tx, &report, reason).await?;
    db::deletions::queue(&mut *tx, &keys).await?;
    let action = AuditAction::DeclineReport;
    db::audit::record(&mut *tx, Some(actor.id), action, Some(id.0), Outcome::Ok).await?;
    tx.commit().await?;
    // Declined reports keep no content: their files go now, or are retried
    // by the background jobs.
    // The decision is stored: a deletion error is the background jobs' to retry.
    if let Err(e) =
        super::files::delete_pending(&ops.db, ops.storage.as_ref(), chrono::Utc::now()).await
    {
        tracing::warn!(error = %e, "declined report's files left to the background jobs");
    }
    Ok(())
}

/// The school writes to the reporter of a report of its own, undecided or
/// turned into a case (a declined report takes no more messages).
pub async fn message_reporter(ops: &Ops, actor: &Actor, id: ReportId, body: &str) -> AppResult<()> {
    let (ops, actor, body) = (ops.clone(), actor.clone(), body.to_owned());
    super::detached(async move { message_here(&ops, &actor, id, &body).await }).await
}

async fn message_here(ops: &Ops, actor: &Actor, id: ReportId, body: &str) -> AppResult<()> {
    let mut tx = ops.db.begin().await?;
    let report = lock(&mut tx, actor, id).await?;
    if report.status == ReportStatus::Declined {
        return Err(AppError::Conflict(
            "Ce signalement n'a pas été retenu : son contenu a été effacé et il ne reçoit plus de message. Si la personne vous recontacte, ouvrez un dossier à partir de son nouveau signalement.".into(),
        ));
    }
    db::report_thread::add_school_message(&mut tx, &report, actor.id, body).await?;
    if let Some(to) = &report.contact_email {
        let ctx = MailContext::of(&ops.config);
        messages::queue_to_reporter(
            &mut tx,
            &ctx,
            to,
            &report.reference,
            ReporterNotice::Message,
        )
        .await?;
    }
    let action = AuditAction::MessageReporter;
    db::audit::record(&mut *tx, Some(actor.id), action, Some(id.0), Outcome::Ok).await?;
    tx.commit().await?;
    Ok(())
}

/// Locks a report of the caller's schools (outside them: not found).
async fn lock(tx: &mut Tx<'_>, actor: &Actor, id: ReportId) -> AppResult<LockedReport> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    db::inbox::lock(tx, &scope, id)
        .await?
        .ok_or(AppError::NotFound)
}
