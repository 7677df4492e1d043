//! The append-only timeline of a case.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use crate::auth::CaseScope;
use crate::domain::case::EventKind;
use crate::domain::ids::{AccountId, CaseId};

/// Appends an event to a locked case and marks it as active now.
pub async fn append(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    actor: Option<AccountId>,
    kind: EventKind,
    note: Option<&str>,
    data: Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into case_events (case_id, actor_id, kind, note, data, internal) values ($1, $2, $3, $4, $5, $6)",
        case.id().0,
        actor.map(|a| a.0),
        kind.code(),
        note,
        data,
        kind.is_internal()
    )
    .execute(&mut **tx)
    .await?;
    // Not again within one transaction (now() is its start): a case filed
    // with its events is written once, not once per event.
    sqlx::query!(
        "update cases set last_activity_at = now() where id = $1 and last_activity_at <> now()",
        case.id().0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One timeline entry.
pub struct Event {
    /// When.
    pub created_at: DateTime<Utc>,
    /// What kind (code of [`EventKind`]).
    pub kind: String,
    /// Who (name), if a person.
    pub actor_name: Option<String>,
    /// Free text.
    pub note: Option<String>,
    /// Structured details.
    pub data: Value,
    /// Only the helpline reads it.
    pub internal: bool,
}

impl Event {
    /// French label of the kind.
    pub fn label(&self) -> &str {
        EventKind::label_of(&self.kind)
    }
}

/// The timeline of a case in scope, oldest first; the helpline's internal
/// notes only for the helpline.
pub async fn list(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as!(
        Event,
        r#"with ev as materialized (
               select e.id, e.created_at, e.kind, e.actor_id, e.note, e.data, e.internal
               from case_events e
               -- The case is checked once, not once per event.
               where e.case_id = $1
                 and exists (select 1 from cases c where c.id = $1
                             and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4)))
                                  or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school'))))
                 and (not e.internal or $3)),
           -- The names of the few people who wrote, looked up once each (a
           -- look-up per event was two thirds of the query at 200 events).
           names as materialized (
               select a.id, a.display_name from accounts a where a.id in (select actor_id from ev))
           select ev.created_at as "created_at!: DateTime<Utc>", ev.kind as "kind!",
                  n.display_name as "actor_name?", ev.note, ev.data as "data!", ev.internal as "internal!"
           from ev left join names n on n.id = ev.actor_id
           order by ev.id"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// A question of the helpline that waits for the school's answer.
pub struct OpenQuestion {
    /// The case.
    pub case_id: CaseId,
    /// Its reference.
    pub reference: String,
    /// When it was asked.
    pub asked_at: DateTime<Utc>,
    /// The question.
    pub question: Option<String>,
}

impl OpenQuestion {
    /// Whole days it has waited.
    pub fn days_waiting(&self) -> i64 {
        (Utc::now() - self.asked_at).num_days()
    }

    /// Whether it has waited `days` or more (then it is reminded by mail).
    pub fn late(&self, days: &i32) -> bool {
        self.days_waiting() >= i64::from(*days)
    }
}

/// The most open questions the dashboard lists at its top.
pub const OPEN_QUESTIONS_MAX: i64 = 20;

/// The helpline's open questions on the cases in scope, oldest first.
pub async fn open_questions(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
) -> sqlx::Result<Vec<OpenQuestion>> {
    sqlx::query_as!(
        OpenQuestion,
        r#"select c.id as "case_id!: CaseId", c.reference as "reference!",
                  q.created_at as "asked_at!: DateTime<Utc>", q.note as question
           from cases c
           cross join lateral (select e.created_at, e.note from case_events e
                               where e.case_id = c.id and e.kind = 'question'
                               order by e.id desc limit 1) q
           where c.school_id = any($1) and c.status = 'awaiting_school'
             and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $2))
           order by q.created_at
           limit $3"#,
        scope.school_ids() as &[Uuid],
        scope.actor().0,
        OPEN_QUESTIONS_MAX
    )
    .fetch_all(pool)
    .await
}
