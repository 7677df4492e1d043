//! The mail outbox: mails are written in the transaction of the change that
//! causes them, and delivered later by the worker (`crate::mail::worker`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::domain::ids::CaseId;

/// A mail to queue.
pub struct NewMail<'a> {
    /// What the mail is about (`referral`, `question`, …).
    pub kind: &'a str,
    /// Recipient address.
    pub to: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Plain-text part.
    pub text: &'a str,
    /// HTML part.
    pub html: &'a str,
    /// The case it is about.
    pub case: Option<CaseId>,
}

/// Queues a mail in the caller's transaction, with its Message-ID made now.
pub async fn enqueue(
    tx: &mut Tx<'_>,
    mail: &NewMail<'_>,
    message_domain: &str,
) -> sqlx::Result<()> {
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), message_domain);
    sqlx::query!(
        "insert into outbox (message_id, kind, to_address, subject, body_text, body_html, case_id) values ($1, $2, $3, $4, $5, $6, $7)",
        message_id,
        mail.kind,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        mail.case.map(|c| c.0)
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A mail taken for delivery.
pub struct Claimed {
    /// Row id.
    pub id: i64,
    /// Message-ID header.
    pub message_id: String,
    /// Recipient.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body_text: String,
    /// HTML part (none for mails queued before it existed).
    pub body_html: Option<String>,
    /// Attempts before this one.
    pub attempts: i32,
}

/// Takes the next due mail, locked for the rest of `tx`; other workers skip it.
pub async fn claim_due(tx: &mut Tx<'_>, now: DateTime<Utc>) -> sqlx::Result<Option<Claimed>> {
    sqlx::query_as!(
        Claimed,
        r#"select id, message_id, to_address, subject, body_text, body_html, attempts from outbox
           where status = 'queued' and next_attempt_at <= $1
           order by next_attempt_at, id
           limit 1
           for update skip locked"#,
        now as DateTime<Utc>
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Records a successful delivery.
pub async fn mark_sent(tx: &mut Tx<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        // A sent reset or invitation link is not kept: only the mail carried it.
        "update outbox set status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = null,
                body_text = case when kind in ('password_reset', 'invitation') then '' else body_text end,
                body_html = case when kind in ('password_reset', 'invitation') then '' else body_html end
         where id = $1",
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `None`.
pub async fn mark_failed(
    tx: &mut Tx<'_>,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update outbox set attempts = attempts + 1, last_error = $2,
               status = case when $3::timestamptz is null then 'dead'::mail_status else 'queued'::mail_status end,
               next_attempt_at = coalesce($3, next_attempt_at)
           where id = $1"#,
        id,
        error,
        retry_at as Option<DateTime<Utc>>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A mail as listed for administrators (no body: it may name a school only,
/// but the list stays minimal).
pub struct MailRow {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Recipient.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Status code.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// Next attempt.
    pub next_attempt_at: DateTime<Utc>,
    /// Last error.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
}

impl MailRow {
    /// The recipient as administrators may see it: a reporter's own address
    /// stays hidden (administrators see no case or report content).
    pub fn recipient_shown(&self) -> &str {
        if matches!(
            self.kind.as_str(),
            "report_receipt" | "report_decision" | "report_message"
        ) {
            "la personne qui a signalé (adresse masquée)"
        } else {
            &self.to_address
        }
    }
}

impl MailRow {
    /// The last error without the addresses it quotes.
    pub fn error_shown(&self) -> Option<String> {
        self.last_error
            .as_deref()
            .map(crate::domain::format::mask_emails)
    }
}

/// One page of the mails not yet sent (queued and dead), oldest first,
/// after mail `after`.
pub async fn list_unsent(
    pool: &PgPool,
    after: Option<i64>,
    page: i64,
) -> sqlx::Result<Vec<MailRow>> {
    sqlx::query_as!(
        MailRow,
        r#"select id, kind, to_address, subject, status::text as "status!", attempts,
                  next_attempt_at as "next_attempt_at: DateTime<Utc>", last_error,
                  created_at as "created_at: DateTime<Utc>"
           from outbox
           where status <> 'sent'
             and ($1::bigint is null
                  or (created_at, id) > (select created_at, id from outbox where id = $1))
           order by created_at, id limit $2"#,
        after,
        page
    )
    .fetch_all(pool)
    .await
}

/// Number of mails in each status.
pub async fn counts(pool: &PgPool) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(r#"select status::text as "status!", count(*) as "n!" from outbox group by status order by 1"#)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}

/// Puts a dead (or waiting) mail back at the head of the queue with a fresh
/// attempt budget. Returns whether a mail was changed.
pub async fn retry(pool: &PgPool, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update outbox set status = 'queued', attempts = 0, next_attempt_at = now() where id = $1 and status <> 'sent'",
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
