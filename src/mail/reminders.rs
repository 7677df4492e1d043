//! Reminders: a question of e-Enfance the school leaves unanswered past
//! `QUESTION_REMINDER_DAYS` is reminded once, by mail to the case's
//! leadership accounts (the dashboard flags it too).

use chrono::{DateTime, TimeDelta, Utc};

use super::messages::{CaseRef, MailContext, SchoolNotice, queue_to_school};
use crate::db;

/// Most reminders queued in one round (the next round takes the rest).
const PER_ROUND: i64 = 200;

/// Queues the reminders due at `now`; returns how many questions were
/// reminded. Each is recorded in the same transaction as its mails.
pub async fn remind_unanswered_questions(
    pool: &sqlx::PgPool,
    ctx: &MailContext<'_>,
    days: i32,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let due =
        db::reminders::take_due(&mut tx, now - TimeDelta::days(days.into()), PER_ROUND).await?;
    for q in &due {
        let case = CaseRef {
            id: q.case_id.0,
            reference: &q.reference,
            urgency: q.urgency,
        };
        queue_to_school(
            &mut tx,
            ctx,
            q.school_id,
            &case,
            SchoolNotice::QuestionReminder,
        )
        .await?;
        db::reminders::record(&mut tx, q, now).await?;
    }
    tx.commit().await?;
    if !due.is_empty() {
        tracing::info!(count = due.len(), "unanswered questions reminded");
    }
    Ok(due.len())
}
