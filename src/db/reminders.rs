//! Questions of the helpline left unanswered: which are due a reminder, and
//! the record that it was sent (once per question).

use chrono::{DateTime, Utc};

use super::Tx;
use crate::domain::case::Urgency;
use crate::domain::ids::{CaseId, SchoolId};

/// A case whose latest question waits past the delay, not yet reminded.
pub struct DueQuestion {
    /// The question's event.
    pub event_id: i64,
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: String,
    /// Its school.
    pub school_id: SchoolId,
    /// Its urgency.
    pub urgency: Urgency,
}

/// Takes up to `n` cases awaiting the school whose latest question was
/// asked before `asked_before` and has no reminder yet; their rows stay
/// locked (others skip them) until the caller's transaction ends.
pub async fn take_due(
    tx: &mut Tx<'_>,
    asked_before: DateTime<Utc>,
    n: i64,
) -> sqlx::Result<Vec<DueQuestion>> {
    sqlx::query_as!(
        DueQuestion,
        r#"select q.id as "event_id!", c.id as "case_id: CaseId", c.reference,
                  c.school_id as "school_id: SchoolId", c.urgency as "urgency: Urgency"
           from cases c
           cross join lateral (select e.id, e.created_at from case_events e
                               where e.case_id = c.id and e.kind = 'question'
                               order by e.id desc limit 1) q
           where c.status = 'awaiting_school' and q.created_at <= $1
             and not exists (select 1 from question_reminders r where r.event_id = q.id)
           order by q.created_at
           limit $2
           for update of c skip locked"#,
        asked_before as DateTime<Utc>,
        n
    )
    .fetch_all(&mut **tx)
    .await
}

/// Records that the question's reminder is queued.
pub async fn record(tx: &mut Tx<'_>, q: &DueQuestion, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into question_reminders (event_id, case_id, sent_at) values ($1, $2, $3)
         on conflict do nothing",
        q.event_id,
        q.case_id.0,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
