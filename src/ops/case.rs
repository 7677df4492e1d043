//! Every change to an existing case is a [`CaseCommand`], applied by
//! [`apply`] in one transaction: lock the case in the caller's scope, ask the
//! status machine (the only place a status is decided), write, append the
//! timeline event, write the audit record, queue the mail.

use chrono::NaiveDate;

use super::Ops;
use super::case_writes::{Entry, write};
use super::files::CheckedFile;
use crate::auth::{Actor, CaseScope};
use crate::db::{self, Tx, audit::Outcome, cases::LockedCase, cases::NewAuthor};
use crate::domain::audit::AuditAction;
use crate::domain::case::{
    AdviceKind, CaseOutcome, Platform, RequestKind, RequestOutcome, SanctionKind,
};
use crate::domain::correction::Facts;
use crate::domain::ids::{AccountId, CaseId, RequestId, TargetId};
use crate::domain::status::{self, CaseAction, CaseStatus};
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, AgentNotice, CaseRef, MailContext};

/// The account or post a platform request is about.
pub enum RequestTarget {
    /// One of the case's online targets.
    Existing(TargetId),
    /// A new one, added to the case with the request.
    New(Platform, String),
}

/// Something a reporter added to the report a case was opened from.
pub enum ReportItem {
    /// A message (its id in the report's thread).
    Message(i64),
    /// A file.
    File(uuid::Uuid),
}

/// A change to a case, with its validated values.
pub enum CaseCommand {
    /// School: a note on the timeline.
    Note(String),
    /// School: an online target (account or post).
    Target(Platform, String),
    /// School: an alleged author.
    Author(NewAuthor),
    /// School: evidence files.
    Evidence(Vec<CheckedFile>),
    /// School: an educational sanction.
    Sanction {
        /// The alleged author it concerns, if named.
        author: Option<uuid::Uuid>,
        /// Which.
        kind: SanctionKind,
        /// Decided on.
        on: NaiveDate,
        /// Details.
        note: String,
    },
    /// School: close with an outcome.
    Close(CaseOutcome, Option<String>),
    /// School: reopen a closed case.
    Reopen(Option<String>),
    /// School: refer to e-Enfance (mails the desk).
    Refer(Option<String>),
    /// School: take back an unclaimed referral.
    Withdraw(Option<String>),
    /// School: answer the helpline's question.
    Answer(String),
    /// School: attach to the case what the reporter added to its report.
    Attach(ReportItem),
    /// School: put under legal hold (true) or lift it.
    LegalHold(bool),
    /// School: correct the case's facts (all of them, as they should now be).
    Correct(Facts),
    /// School: answer a proposed intervention.
    AnswerIntervention {
        /// Which intervention.
        id: uuid::Uuid,
        /// Accepted for this date, or declined (`None`).
        scheduled_on: Option<NaiveDate>,
        /// The school's comment.
        note: String,
    },
    /// Helpline: take the case.
    Claim,
    /// Helpline: give it back to the queue.
    Release,
    /// Helpline: give it to another agent.
    Reassign(AccountId),
    /// Helpline: advice given.
    Advice(AdviceKind, String),
    /// Helpline: a request sent to a platform.
    Request {
        /// About what.
        target: RequestTarget,
        /// Closure, removal, preservation.
        kind: RequestKind,
        /// Sent on.
        sent_on: NaiveDate,
        /// The platform's reference.
        reference: String,
    },
    /// Helpline: a platform's answer to a request.
    Outcome(RequestId, RequestOutcome, NaiveDate),
    /// Helpline: hand-over to Pharos/OCLCTIC.
    Escalate(String, NaiveDate),
    /// Helpline: an intervention proposed to the school.
    Intervene(NaiveDate, String),
    /// Helpline: a question to the school (mails the school).
    Ask(String),
    /// Helpline: return to the school with conclusions (mails the school).
    Return(String),
    /// Helpline: a note only the helpline reads.
    InternalNote(String),
    /// Helpline: files the claiming agent attaches (a platform's answer, a
    /// Pharos receipt).
    HelplineEvidence(Vec<CheckedFile>),
}

impl CaseCommand {
    /// The lifecycle action this command is, for the status machine.
    pub fn action(&self) -> CaseAction {
        use CaseCommand as C;
        match self {
            C::Note(_)
            | C::Target(..)
            | C::Author(_)
            | C::Evidence(_)
            | C::Sanction { .. }
            | C::Attach(_)
            | C::Correct(_)
            | C::AnswerIntervention { .. } => CaseAction::SchoolRecord,
            C::Close(..) => CaseAction::Close,
            C::Reopen(_) => CaseAction::Reopen,
            C::Refer(_) => CaseAction::Refer,
            C::Withdraw(_) => CaseAction::Withdraw,
            C::Answer(_) => CaseAction::Answer,
            C::LegalHold(_) => CaseAction::LegalHold,
            C::Claim => CaseAction::Claim,
            C::Release => CaseAction::Release,
            C::Reassign(_) => CaseAction::Reassign,
            C::Advice(..)
            | C::Request { .. }
            | C::Outcome(..)
            | C::Escalate(..)
            | C::Intervene(..)
            | C::InternalNote(_)
            | C::HelplineEvidence(_) => CaseAction::HelplineRecord,
            C::Ask(_) => CaseAction::AskSchool,
            C::Return(_) => CaseAction::Return,
        }
    }
}

/// Applies `command` to case `id` for `actor`, in one transaction. A case
/// outside the actor's scope is `NotFound`; an action the status machine
/// refuses now is `Conflict`; a helpline action by an agent who does not
/// hold the case is `Forbidden`. Files stored on the way are deleted again
/// if anything fails.
pub async fn apply(ops: &Ops, actor: &Actor, id: CaseId, command: CaseCommand) -> AppResult<()> {
    let (ops, actor) = (ops.clone(), actor.clone());
    super::detached(async move { apply_here(&ops, &actor, id, command).await }).await
}

async fn apply_here(ops: &Ops, actor: &Actor, id: CaseId, command: CaseCommand) -> AppResult<()> {
    super::files::with_pending_files(ops, async |pending| {
        let mut tx = ops.db.begin().await?;
        let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
        let locked = db::cases::lock(&mut tx, &scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let action = command.action();
        let next = guard(&mut tx, actor, &locked, action).await?;
        let entry = write(&mut tx, actor, &locked, next, command, pending).await?;
        record(ops, &mut tx, actor, &locked, entry).await?;
        notify_agent(ops, &mut tx, &locked, action, next).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Asks the status machine, and for the helpline's own actions checks that
/// the caller holds the case. Returns the status the case moves to.
async fn guard(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    action: CaseAction,
) -> AppResult<CaseStatus> {
    if action == CaseAction::Claim
        && locked.status != CaseStatus::Referred
        && let Some(holder) = locked.claimed_by
        && let Some(name) = db::cases::account_name(tx, holder).await?
    {
        return Err(AppError::Conflict(format!(
            "Ce dossier vient d'être pris en charge par {name}."
        )));
    }
    let next = status::transition(locked.status, action, actor.role).map_err(|_| {
        AppError::Conflict(
            "Cette action n'est plus possible : le dossier a changé d'état entre-temps. Rechargez la page du dossier."
                .into(),
        )
    })?;
    if action.needs_claimer() && locked.claimed_by != Some(actor.id) {
        return Err(AppError::Forbidden(
            "Seul l'écoutant qui a pris en charge ce dossier peut faire cette action. Prenez-le en charge d'abord ou demandez qu'il vous soit confié.",
        ));
    }
    Ok(next)
}

/// Appends the timeline event, the audit record and the mail of a write.
async fn record(
    ops: &Ops,
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    entry: Entry,
) -> AppResult<()> {
    db::events::append(
        tx,
        locked,
        Some(actor.id),
        entry.kind,
        entry.note.as_deref(),
        entry.data,
    )
    .await?;
    db::audit::record(
        &mut **tx,
        Some(actor.id),
        AuditAction::Case(entry.kind),
        Some(locked.id().0),
        Outcome::Ok,
    )
    .await?;
    if let Some(mail) = entry.mail {
        mail.queue(ops, tx, locked).await?;
    }
    Ok(())
}

/// When the school answers or adds to a case the helpline holds, the
/// agent holding it is mailed.
async fn notify_agent(
    ops: &Ops,
    tx: &mut Tx<'_>,
    locked: &LockedCase,
    action: CaseAction,
    next: CaseStatus,
) -> AppResult<()> {
    let notice = match action {
        CaseAction::Answer => AgentNotice::Answered,
        CaseAction::SchoolRecord => AgentNotice::Added,
        _ => return Ok(()),
    };
    let held = matches!(next, CaseStatus::InProgress | CaseStatus::AwaitingSchool);
    let Some(agent) = locked.claimed_by.filter(|_| held) else {
        return Ok(());
    };
    let case = CaseRef {
        id: locked.id().0,
        reference: &locked.reference,
        urgency: locked.urgency,
    };
    let ctx = MailContext::of(&ops.config);
    messages::queue_to_agent(tx, &ctx, agent, &case, notice).await?;
    Ok(())
}
