//! The mails Vigie sends, written from askama text templates. They carry the
//! minimum: a reference, the urgency and a link; never a name or the facts.

use askama::Template;

use crate::db::{self, Tx, outbox::NewMail};
use crate::domain::case::Urgency;
use crate::domain::ids::{CaseId, SchoolId};

/// What a mail needs to know about the deployment.
pub struct MailContext<'a> {
    /// `PUBLIC_URL`, for links.
    pub public_url: &'a str,
    /// The host part of Message-IDs.
    pub message_domain: &'a str,
}

/// The case as mails name it.
pub struct CaseRef<'a> {
    /// Id, for the link.
    pub id: CaseId,
    /// Reference.
    pub reference: &'a str,
    /// Urgency.
    pub urgency: Urgency,
}

/// The mail to the helpline desk when a school refers a case.
#[derive(Template)]
#[template(path = "mail/referral.txt")]
struct ReferralMail<'a> {
    reference: &'a str,
    school: &'a str,
    uai: &'a str,
    urgency: &'a str,
    danger: bool,
    link: String,
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
    let body = ReferralMail {
        reference: case.reference,
        school: school_name,
        uai,
        urgency: case.urgency.label(),
        danger: case.urgency == Urgency::Danger,
        link: format!("{}/helpline/cases/{}", ctx.public_url, case.id),
    }
    .render()?;
    let prefix = if case.urgency == Urgency::Danger {
        "[DANGER] "
    } else {
        ""
    };
    let subject = format!(
        "{prefix}Dossier transmis {} – {}",
        case.reference, school_name
    );
    let mail = NewMail {
        kind: "referral",
        to: desk,
        subject: &subject,
        body: &body,
        case: Some(case.id),
    };
    db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    Ok(())
}

/// The mail to a school's leadership.
#[derive(Template)]
#[template(path = "mail/to_school.txt")]
struct ToSchoolMail<'a> {
    intro: &'a str,
    reference: &'a str,
    urgency: &'a str,
    link: String,
}

/// Why the school is written to.
#[derive(Clone, Copy)]
pub enum SchoolNotice {
    /// The helpline asked a question.
    Question,
    /// The helpline returned the case.
    Returned,
}

/// Queues one mail per active leadership account of `school`.
pub async fn queue_to_school(
    tx: &mut Tx<'_>,
    ctx: &MailContext<'_>,
    school: SchoolId,
    case: &CaseRef<'_>,
    notice: SchoolNotice,
) -> anyhow::Result<usize> {
    let (kind, intro, subject) = match notice {
        SchoolNotice::Question => (
            "question",
            "L'association e-Enfance (3018) vous pose une question sur un dossier de votre établissement. Votre réponse lui permettra de poursuivre.",
            format!("Question d'e-Enfance sur le dossier {}", case.reference),
        ),
        SchoolNotice::Returned => (
            "returned",
            "L'association e-Enfance (3018) a terminé son intervention et vous retourne le dossier avec ses conclusions.",
            format!("Dossier {} retourné par e-Enfance", case.reference),
        ),
    };
    let body = ToSchoolMail {
        intro,
        reference: case.reference,
        urgency: case.urgency.label(),
        link: format!("{}/school/cases/{}", ctx.public_url, case.id),
    }
    .render()?;
    let recipients = db::accounts::school_staff_emails(&mut **tx, school).await?;
    for to in &recipients {
        let mail = NewMail {
            kind,
            to,
            subject: &subject,
            body: &body,
            case: Some(case.id),
        };
        db::outbox::enqueue(tx, &mail, ctx.message_domain).await?;
    }
    Ok(recipients.len())
}
