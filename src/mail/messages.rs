//! The mails Vigie sends, written from askama text templates. They carry the
//! minimum: a reference, the urgency and a link; never a name or the facts.

use super::body::{Action, MailBody, NO_DETAIL};

use crate::config::Config;
use crate::db::{self, Tx};
use crate::domain::case::Urgency;
use crate::domain::ids::{AccountId, CaseId, SchoolId};

/// What a mail needs to know about the deployment.
pub struct MailContext<'a> {
    /// `PUBLIC_URL`, for links.
    pub public_url: &'a str,
    /// The host part of Message-IDs.
    pub message_domain: &'a str,
}

impl<'a> MailContext<'a> {
    /// The context of this deployment.
    pub fn of(config: &'a Config) -> MailContext<'a> {
        MailContext {
            public_url: &config.public_url,
            message_domain: config.message_domain(),
        }
    }
}

/// The case (or report) as mails name it.
pub struct CaseRef<'a> {
    /// Id, for the link.
    pub id: uuid::Uuid,
    /// Reference.
    pub reference: &'a str,
    /// Urgency.
    pub urgency: Urgency,
}

/// Queues the referral mail to the desk address.
pub async fn queue_referral(
    tx: &mut Tx<'_>,
    ctx: &MailContext<'_>,
    desk: &str,
    case: &CaseRef<'_>,
    school_name: &str,
    uai: &str,
) -> anyhow::Result<()> {
    let danger = case.urgency == Urgency::Danger;
    let prefix = if danger { "[DANGER] " } else { "" };
    let subject = format!(
        "{prefix}Dossier transmis {} – {}",
        case.reference, school_name
    );
    let body = MailBody {
        intro: vec!["Un établissement vous transmet un dossier de cyberharcèlement.".into()],
        facts: vec![
            ("Référence", case.reference.to_owned()),
            ("Établissement", format!("{school_name} ({uai})")),
            ("Urgence", case.urgency.label().to_owned()),
        ],
        warning: danger.then(|| "ce dossier signale un danger (risque pour la vie ou la sécurité, menaces, chantage sexuel).".to_owned()),
        action: Some(Action {
            sentence: "Le dossier est dans votre file d'attente :".into(),
            label: format!("Ouvrir le dossier {}", case.reference),
            url: format!("{}/helpline/cases/{}", ctx.public_url, case.id),
        }),
        closing: NO_DETAIL.into(),
        subject,
    }
    .render()?;
    let mail = body.mail("referral", desk, Some(CaseId(case.id)));
    db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    Ok(())
}

/// A mail about a case or report to the people who work on it: why, the
/// reference, the urgency, the link.
fn case_notice(subject: String, intro: &str, case: &CaseRef<'_>, link: String) -> MailBody {
    MailBody {
        intro: vec![intro.to_owned()],
        facts: vec![
            ("Référence", case.reference.to_owned()),
            ("Urgence", case.urgency.label().to_owned()),
        ],
        warning: None,
        action: Some(Action {
            sentence: "Consultez-le sur Vigie :".into(),
            label: format!("Ouvrir {}", case.reference),
            url: link,
        }),
        closing: NO_DETAIL.into(),
        subject,
    }
}

/// Why the school is written to.
#[derive(Clone, Copy)]
pub enum SchoolNotice {
    /// The helpline asked a question.
    Question,
    /// The question is still unanswered past the configured delay.
    QuestionReminder,
    /// The helpline returned the case.
    Returned,
    /// A parent or victim sent a report.
    NewReport,
    /// Many reports came within an hour: one digest instead of one mail each.
    FloodDigest,
}

/// The kind, opening sentence and subject of a mail to a school.
fn notice_text(notice: SchoolNotice, case: &CaseRef<'_>) -> (&'static str, &'static str, String) {
    match notice {
        SchoolNotice::Question => (
            "question",
            "L'association e-Enfance (3018) vous pose une question sur un dossier de votre établissement. Votre réponse lui permettra de poursuivre.",
            format!("Question d'e-Enfance sur le dossier {}", case.reference),
        ),
        SchoolNotice::QuestionReminder => (
            "question_reminder",
            "Rappel : l'association e-Enfance (3018) attend toujours votre réponse à sa question sur un dossier de votre établissement. Elle ne peut pas avancer sans elle.",
            format!(
                "Rappel : question d'e-Enfance sur le dossier {}",
                case.reference
            ),
        ),
        SchoolNotice::Returned => (
            "returned",
            "L'association e-Enfance (3018) a terminé son intervention et vous retourne le dossier avec ses conclusions.",
            format!("Dossier {} retourné par e-Enfance", case.reference),
        ),
        SchoolNotice::FloodDigest => (
            "report_digest",
            "Votre établissement reçoit en ce moment beaucoup de signalements en peu de temps : il peut s'agir d'un envoi massif. Pour ne pas vous submerger, vous recevrez au plus un courriel par heure tant que cela dure. Chaque signalement reste dans votre boîte de réception : lisez-les, un vrai signalement peut s'y trouver.",
            "Afflux de signalements : votre boîte de réception".to_owned(),
        ),
        SchoolNotice::NewReport => (
            "report_received",
            "Une famille, une victime ou un témoin vient d'envoyer un signalement de cyberharcèlement concernant votre établissement. Merci de le traiter sans attendre : ouvrir un dossier ou répondre.",
            format!(
                "{}Nouveau signalement {}",
                if case.urgency == Urgency::Danger {
                    "[DANGER] "
                } else {
                    ""
                },
                case.reference
            ),
        ),
    }
}

/// Queues one mail per active leadership account of `school`.
pub async fn queue_to_school(
    tx: &mut Tx<'_>,
    ctx: &MailContext<'_>,
    school: SchoolId,
    case: &CaseRef<'_>,
    notice: SchoolNotice,
) -> anyhow::Result<usize> {
    let (kind, intro, subject) = notice_text(notice, case);
    let link = match notice {
        SchoolNotice::NewReport => format!("{}/school/reports/{}", ctx.public_url, case.id),
        SchoolNotice::FloodDigest => format!("{}/school/reports", ctx.public_url),
        _ => format!("{}/school/cases/{}", ctx.public_url, case.id),
    };
    let body = case_notice(subject, intro, case, link).render()?;
    let about = matches!(
        notice,
        SchoolNotice::Question | SchoolNotice::QuestionReminder | SchoolNotice::Returned
    )
    .then_some(CaseId(case.id));
    // A restricted case is mailed only to the accounts it is open to.
    let recipients = db::accounts::school_staff_emails(&mut **tx, school, about).await?;
    for to in &recipients {
        let mail = body.mail(kind, to, about);
        db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    }
    Ok(recipients.len())
}

/// Why the agent holding a case is written to.
#[derive(Clone, Copy)]
pub enum AgentNotice {
    /// The school answered the agent's question.
    Answered,
    /// The school added to the case (note, file, account, author,
    /// correction, answer to an intervention).
    Added,
}

/// Queues a mail to the agent who holds the case (none if the account is
/// no longer an active agent).
pub async fn queue_to_agent(
    tx: &mut Tx<'_>,
    ctx: &MailContext<'_>,
    agent: AccountId,
    case: &CaseRef<'_>,
    notice: AgentNotice,
) -> anyhow::Result<()> {
    let Some(to) = db::accounts::agent_email(&mut **tx, agent).await? else {
        return Ok(());
    };
    let (kind, intro, subject) = match notice {
        AgentNotice::Answered => (
            "school_answered",
            "L'établissement a répondu à votre question sur un dossier que vous suivez.",
            format!(
                "Réponse de l'établissement sur le dossier {}",
                case.reference
            ),
        ),
        AgentNotice::Added => (
            "school_added",
            "L'établissement a complété un dossier que vous suivez.",
            format!("Dossier {} complété par l'établissement", case.reference),
        ),
    };
    let link = format!("{}/helpline/cases/{}", ctx.public_url, case.id);
    let body = case_notice(subject, intro, case, link).render()?;
    let mail = body.mail(kind, &to, Some(CaseId(case.id)));
    db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    Ok(())
}

/// Why the reporter is written to.
#[derive(Clone, Copy)]
pub enum ReporterNotice {
    /// Receipt of the report.
    Receipt,
    /// The school opened a case or declined the report.
    Decision,
    /// The school wrote a message.
    Message,
}

/// Queues a mail to the reporter's address (never with the report's content).
pub async fn queue_to_reporter(
    tx: &mut Tx<'_>,
    ctx: &MailContext<'_>,
    to: &str,
    reference: &str,
    notice: ReporterNotice,
) -> anyhow::Result<()> {
    let (kind, intro, subject) = match notice {
        ReporterNotice::Receipt => (
            "report_receipt",
            "Votre signalement a bien été reçu et transmis à l'équipe de direction de l'établissement.",
            format!("Signalement {reference} reçu"),
        ),
        ReporterNotice::Decision => (
            "report_decision",
            "L'établissement a pris une décision sur votre signalement.",
            format!("Signalement {reference} : décision de l'établissement"),
        ),
        ReporterNotice::Message => (
            "report_message",
            "L'établissement vous a écrit au sujet de votre signalement.",
            format!("Signalement {reference} : nouveau message"),
        ),
    };
    let body = MailBody {
        intro: vec![intro.to_owned()],
        facts: vec![("Référence de votre signalement", reference.to_owned())],
        warning: None,
        action: Some(Action {
            sentence: "Pour suivre votre signalement, rendez-vous sur la page de suivi et saisissez le code de suivi qui vous a été donné lors de l'envoi :".into(),
            label: "Suivre mon signalement".into(),
            url: format!("{}/suivi", ctx.public_url),
        }),
        closing: "Ce message ne contient volontairement aucun détail. Si vous êtes en danger, appelez le 17 ou le 112 ; pour être aidé face au cyberharcèlement, appelez le 3018 (gratuit, anonyme, 7 jours sur 7).".into(),
        subject,
    }
    .render()?;
    let mail = body.mail(kind, to, None);
    db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    Ok(())
}

/// Tells the helpline desk, once, about every report past its deadline.
/// Returns how many were flagged.
pub async fn flag_overdue_reports(
    pool: &sqlx::PgPool,
    ctx: &MailContext<'_>,
    desk: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let overdue = db::system::claim_overdue(&mut tx, now).await?;
    for r in &overdue {
        let subject = format!(
            "{}Signalement {} non traité – {}",
            if r.danger { "[DANGER] " } else { "" },
            r.reference,
            r.school_name
        );
        let body = MailBody {
            intro: vec!["Un signalement envoyé par une famille ou une victime n'a pas été traité par l'établissement dans le délai prévu.".into()],
            facts: vec![
                ("Référence", r.reference.clone()),
                ("Établissement", format!("{} ({})", r.school_name, r.uai)),
            ],
            warning: r.danger.then(|| "le signalement indique un danger.".to_owned()),
            action: None,
            closing: "Aucun signalement ne doit rester sans réponse : merci de prendre contact avec l'établissement.".into(),
            subject,
        }
        .render()?;
        let mail = body.mail("report_overdue", desk, None);
        db::outbox::enqueue(&mut tx, &mail, ctx.message_domain).await?;
        db::system::mark_notified(&mut tx, r.id).await?;
    }
    tx.commit().await?;
    if !overdue.is_empty() {
        tracing::info!(
            count = overdue.len(),
            "overdue reports flagged to the helpline"
        );
    }
    Ok(overdue.len())
}

/// Writes the audit chain's head to the log and, when `AUDIT_ANCHOR_EMAIL`
/// is set, mails it there, once a day (the first process to get there):
/// kept outside Vigie, it shows whether the chain was rewritten since.
pub async fn anchor_audit_head(
    pool: &sqlx::PgPool,
    config: &Config,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let Some((seq, hash)) = db::audit::anchor_today(pool, today).await? else {
        return Ok(());
    };
    let hash = hex::encode(hash);
    tracing::info!(day = %today, seq, hash = %hash, "audit chain head");
    let Some(to) = &config.audit_anchor_email else {
        return Ok(());
    };
    let body = MailBody {
        subject: format!("Vigie : empreinte du journal d'audit du {today}"),
        intro: vec![
            "Voici l'empreinte du journal d'audit de Vigie à ce jour. Conservez ce message : s'il ne correspond plus à ce que `vigie audit verify` retrouve, le journal a été réécrit.".into(),
        ],
        facts: vec![
            ("Jour", today.to_string()),
            ("Entrées enchaînées", seq.to_string()),
            ("Empreinte SHA-256", hash),
            ("Clé publique Ed25519", config.seal.public_base64()),
        ],
        warning: None,
        action: None,
        closing: NO_DETAIL.into(),
    }
    .render()?;
    let mail = body.mail("audit_anchor", to, None);
    let mut tx = pool.begin().await?;
    db::outbox::enqueue(&mut tx, &mail, config.message_domain()).await?;
    tx.commit().await?;
    Ok(())
}
