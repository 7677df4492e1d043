//! What each [`CaseCommand`] writes on a locked case, after the guard, and
//! the timeline entry (and mail) it leaves.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::Ops;
use super::case::{CaseCommand, ReportItem, RequestTarget};
use super::files::PendingFiles;
use crate::auth::Actor;
use crate::db::{self, Tx, cases::LockedCase};
use crate::domain::case::{EventKind, Platform, RequestKind};
use crate::domain::format::date;
use crate::domain::ids::{AccountId, TargetId};
use crate::domain::status::CaseStatus;
use crate::error::{AppError, AppResult};
use crate::mail::messages::{self, CaseRef, MailContext, SchoolNotice};

/// The timeline entry a command leaves, and the mail it sends.
pub struct Entry {
    /// Kind of event.
    pub kind: EventKind,
    /// Free text shown on the timeline.
    pub note: Option<String>,
    /// Structured details.
    pub data: Value,
    /// The mail to queue in the same transaction.
    pub mail: Option<Mail>,
}

impl Entry {
    pub(super) fn new(kind: EventKind, note: Option<String>) -> Entry {
        Entry {
            kind,
            note,
            data: json!({}),
            mail: None,
        }
    }

    pub(super) fn data(mut self, data: Value) -> Entry {
        self.data = data;
        self
    }

    fn mail(mut self, mail: Mail) -> Entry {
        self.mail = Some(mail);
        self
    }
}

/// A mail a command sends.
pub enum Mail {
    /// To the helpline desk: a case was referred.
    Referral,
    /// To the school's leadership.
    School(SchoolNotice),
}

impl Mail {
    /// Queues the mail about `locked` in `tx`.
    pub async fn queue(self, ops: &Ops, tx: &mut Tx<'_>, locked: &LockedCase) -> AppResult<()> {
        let ctx = MailContext::of(&ops.config);
        let case = CaseRef {
            id: locked.id().0,
            reference: &locked.reference,
            urgency: locked.urgency,
        };
        match self {
            Mail::Referral => {
                let desk = &ops.config.mail.helpline_desk;
                let (name, uai) = (&locked.school_name, &locked.school_uai);
                messages::queue_referral(tx, &ctx, desk, &case, name, uai).await?;
            }
            Mail::School(notice) => {
                messages::queue_to_school(tx, &ctx, locked.school_id, &case, notice).await?;
            }
        }
        Ok(())
    }
}

/// Writes what `command` changes on `locked`, which moves to `next`.
pub async fn write(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    next: CaseStatus,
    command: CaseCommand,
    pending: &mut PendingFiles,
) -> AppResult<Entry> {
    use CaseCommand as C;
    use EventKind as K;
    Ok(match command {
        C::Note(text) => Entry::new(K::Note, Some(text)),
        C::Target(platform, value) => add_target(tx, actor, locked, platform, &value).await?.1,
        C::Evidence(files) => evidence(tx, actor, locked, pending, files, None).await?,
        C::HelplineEvidence(files) => {
            let by = Some("Pièces ajoutées par e-Enfance");
            evidence(tx, actor, locked, pending, files, by).await?
        }
        record @ (C::Author(_)
        | C::Sanction { .. }
        | C::Correct(_)
        | C::AnswerIntervention { .. }) => {
            super::school_writes::record(tx, actor, locked, record).await?
        }
        C::Close(outcome, note) => {
            db::cases::close(tx, locked, next, outcome).await?;
            Entry::new(K::Closed, note).data(json!({ "outcome": outcome.code() }))
        }
        C::Reopen(note) => {
            db::cases::reopen(tx, locked, next).await?;
            Entry::new(K::Reopened, note)
        }
        C::Refer(note) => {
            db::cases::refer(tx, locked, next).await?;
            Entry::new(K::Referred, note).mail(Mail::Referral)
        }
        C::Withdraw(note) => {
            db::cases::withdraw(tx, locked, next).await?;
            Entry::new(K::Withdrawn, note)
        }
        C::Answer(text) => {
            db::cases::set_status(tx, locked, next).await?;
            Entry::new(K::Answer, Some(text))
        }
        C::Attach(item) => attach(tx, actor, locked, item, pending).await?,
        C::LegalHold(hold) => {
            db::cases::set_legal_hold(tx, locked, hold).await?;
            Entry::new(
                if hold {
                    K::LegalHold
                } else {
                    K::LegalHoldLifted
                },
                None,
            )
        }
        helpline => write_helpline(tx, actor, locked, next, helpline).await?,
    })
}

/// The helpline's commands.
async fn write_helpline(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    next: CaseStatus,
    command: CaseCommand,
) -> AppResult<Entry> {
    use CaseCommand as C;
    use EventKind as K;
    Ok(match command {
        C::Claim => {
            db::cases::assign(tx, locked, actor.id, next).await?;
            Entry::new(K::Claimed, None)
        }
        C::Release => {
            db::cases::release(tx, locked, next).await?;
            Entry::new(K::Released, None)
        }
        C::Reassign(to) => reassign(tx, locked, to, next).await?,
        C::Advice(kind, text) => {
            let note = format!("Conseil {} : {text}", kind.label().to_lowercase());
            Entry::new(K::Advice, Some(note)).data(json!({ "kind": kind.code() }))
        }
        C::Request {
            target,
            kind,
            sent_on,
            reference,
        } => {
            let target = request_target(tx, actor, locked, target).await?;
            write_request(tx, actor, locked, target, (kind, sent_on, &reference)).await?
        }
        C::Outcome(request, outcome, on) => {
            if !db::records::set_request_outcome(tx, locked, request, outcome, on).await? {
                return Err(AppError::NotFound);
            }
            let note = format!("{} le {}", outcome.label(), date(on));
            let data = json!({ "request": request, "outcome": outcome.code() });
            Entry::new(K::PlatformOutcome, Some(note)).data(data)
        }
        C::Escalate(reference, on) => {
            db::records::insert_escalation(tx, locked, &reference, on, actor.id).await?;
            Entry::new(
                K::Escalation,
                Some(format!("Référence {reference}, le {}", date(on))),
            )
        }
        C::Intervene(on, topic) => {
            db::records::insert_intervention(tx, locked, on, &topic, actor.id).await?;
            let note = format!("{topic} — proposée pour le {}", date(on));
            Entry::new(K::Intervention, Some(note))
        }
        C::InternalNote(text) => Entry::new(K::InternalNote, Some(text)),
        C::Ask(text) => to_school(tx, locked, next, SchoolNotice::Question, text).await?,
        C::Return(text) => to_school(tx, locked, next, SchoolNotice::Returned, text).await?,
        _ => return Err(AppError::BadRequest("not a helpline command")),
    })
}

/// Stores evidence files on the case; `note` says who added them when it
/// is not the school.
async fn evidence(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    pending: &mut PendingFiles,
    files: Vec<super::files::CheckedFile>,
    note: Option<&str>,
) -> AppResult<Entry> {
    let (names, audits) = pending.store(tx, locked, Some(actor.id), &files).await?;
    db::audit::record_many(&mut **tx, &audits).await?;
    let data = json!({ "count": names.len(), "files": names, "from": note.map(|_| "helpline") });
    Ok(Entry::new(EventKind::EvidenceAdded, note.map(str::to_owned)).data(data))
}

/// Asks the school a question or returns the case: the case moves to the
/// school, which is mailed.
async fn to_school(
    tx: &mut Tx<'_>,
    locked: &LockedCase,
    next: CaseStatus,
    notice: SchoolNotice,
    text: String,
) -> AppResult<Entry> {
    db::cases::set_status(tx, locked, next).await?;
    let kind = match notice {
        SchoolNotice::Question => EventKind::Question,
        _ => EventKind::Returned,
    };
    Ok(Entry::new(kind, Some(text)).mail(Mail::School(notice)))
}

/// Gives the case to another active agent.
async fn reassign(
    tx: &mut Tx<'_>,
    locked: &LockedCase,
    to: AccountId,
    next: CaseStatus,
) -> AppResult<Entry> {
    let agent = db::accounts::helpline_agent(&mut **tx, to)
        .await?
        .ok_or_else(|| {
            AppError::Field(
                "agent",
                "Choisissez l'écoutant à qui confier le dossier.".into(),
            )
        })?;
    db::cases::assign(tx, locked, agent.id, next).await?;
    let note = format!("Confié à {}", agent.display_name);
    Ok(Entry::new(EventKind::Reassigned, Some(note)).data(json!({ "to": agent.id })))
}

/// Records a platform request about one of the case's targets.
async fn write_request(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    target: TargetId,
    (kind, sent_on, reference): (RequestKind, NaiveDate, &str),
) -> AppResult<Entry> {
    let stale = || {
        AppError::Field(
            "request_target",
            "Ce compte ou cette publication ne fait plus partie du dossier : choisissez-en un autre.".into(),
        )
    };
    let request =
        db::records::insert_request(tx, locked, target, kind, sent_on, reference, actor.id)
            .await?
            .ok_or_else(stale)?;
    let note = format!("{} demandée le {}", kind.label(), date(sent_on));
    Ok(Entry::new(EventKind::PlatformRequest, Some(note))
        .data(json!({ "request": request, "kind": kind.code() })))
}

/// The target of a platform request: an existing one, or a new one added
/// to the case (with its own timeline entry).
async fn request_target(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    target: RequestTarget,
) -> AppResult<TargetId> {
    Ok(match target {
        RequestTarget::Existing(t) => t,
        RequestTarget::New(platform, value) => {
            let (t, entry) = add_target(tx, actor, locked, platform, &value).await?;
            let added = Some(actor.id);
            db::events::append(tx, locked, added, entry.kind, None, entry.data).await?;
            t
        }
    })
}

/// Adds an online target to the case; returns it and its timeline entry.
async fn add_target(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    platform: Platform,
    value: &str,
) -> AppResult<(TargetId, Entry)> {
    let t = db::cases::insert_target(tx, locked, actor.id, platform, value).await?;
    let data = json!({ "platform": platform.code(), "target_id": t });
    Ok((t, Entry::new(EventKind::TargetAdded, None).data(data)))
}

/// Attaches to the case a message or a file the reporter added to the
/// report it was opened from (each once); the timeline says who did.
async fn attach(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    item: ReportItem,
    pending: &mut PendingFiles,
) -> AppResult<Entry> {
    let gone = || {
        AppError::Conflict(
            "Cet élément est déjà joint au dossier, ou ne vient pas du signalement de ce dossier."
                .into(),
        )
    };
    Ok(match item {
        ReportItem::Message(id) => {
            let body = db::report_thread::take_message(tx, locked, id)
                .await?
                .ok_or_else(gone)?;
            let note = format!("Complément de la personne qui a signalé : {body}");
            Entry::new(EventKind::Note, Some(note))
                .data(json!({ "from": "reporter", "message": id }))
        }
        ReportItem::File(id) => {
            let file = db::report_thread::take_file(tx, locked, id)
                .await?
                .ok_or_else(gone)?;
            pending.copy_into(tx, locked, Some(actor.id), &file).await?;
            let note = Some("Pièce envoyée par la personne qui a signalé".to_owned());
            let data = json!({ "count": 1, "files": [file.original_name], "from": "reporter" });
            Entry::new(EventKind::EvidenceAdded, note).data(data)
        }
    })
}
