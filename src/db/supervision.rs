//! What the helpline's supervision reads: the queue now (unclaimed cases by
//! age, danger first; each agent's load) and claims and returns per week.
//! Counts only, never case contents.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// Unclaimed cases by how long they have waited since referral.
pub struct QueueHealth {
    /// Less than 4 hours.
    pub under_4h: i64,
    /// 4 to 24 hours.
    pub under_24h: i64,
    /// 1 to 3 days.
    pub under_3d: i64,
    /// More than 3 days.
    pub older: i64,
    /// Of all these, flagged danger.
    pub danger: i64,
    /// When the oldest unclaimed danger case was referred.
    pub danger_oldest: Option<DateTime<Utc>>,
}

/// The unclaimed cases now, as of `now`.
pub async fn queue_health(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<QueueHealth> {
    sqlx::query_as!(
        QueueHealth,
        r#"select count(*) filter (where referred_at > $1::timestamptz - interval '4 hours') as "under_4h!",
                  count(*) filter (where referred_at <= $1::timestamptz - interval '4 hours'
                                     and referred_at > $1::timestamptz - interval '24 hours') as "under_24h!",
                  count(*) filter (where referred_at <= $1::timestamptz - interval '24 hours'
                                     and referred_at > $1::timestamptz - interval '3 days') as "under_3d!",
                  count(*) filter (where referred_at <= $1::timestamptz - interval '3 days') as "older!",
                  count(*) filter (where urgency = 'danger') as "danger!",
                  min(referred_at) filter (where urgency = 'danger') as "danger_oldest: DateTime<Utc>"
           from cases where status = 'referred'"#,
        now as DateTime<Utc>
    )
    .fetch_one(pool)
    .await
}

/// One agent's cases in hand.
pub struct AgentLoad {
    /// Name shown.
    pub name: String,
    /// Cases claimed and open (in progress or waiting for the school).
    pub open: i64,
    /// Of which flagged danger.
    pub danger: i64,
    /// Of which waiting for the school's answer.
    pub awaiting_school: i64,
}

/// Every active agent's load, heaviest first.
pub async fn agent_loads(pool: &PgPool) -> sqlx::Result<Vec<AgentLoad>> {
    sqlx::query_as!(
        AgentLoad,
        r#"select a.display_name as name,
                  count(c.claimed_by) as "open!",
                  count(c.claimed_by) filter (where c.urgency = 'danger') as "danger!",
                  count(c.claimed_by) filter (where c.status = 'awaiting_school') as "awaiting_school!"
           from accounts a
           left join cases c on c.claimed_by = a.id and c.status in ('in_progress', 'awaiting_school')
           where a.role = 'helpline' and a.active
           group by a.id, a.display_name
           order by count(c.claimed_by) desc, a.display_name"#
    )
    .fetch_all(pool)
    .await
}

/// Claims and returns in one week.
pub struct Week {
    /// Its Monday (Paris time).
    pub monday: NaiveDate,
    /// Cases claimed.
    pub claims: i64,
    /// Cases returned to their school.
    pub returns: i64,
}

/// The last `weeks` weeks up to the one of `now`, oldest first (weeks with
/// nothing are listed with zeros).
pub async fn weekly(pool: &PgPool, weeks: i32, now: DateTime<Utc>) -> sqlx::Result<Vec<Week>> {
    sqlx::query_as!(
        Week,
        r#"with bounds as (
               select date_trunc('week', ($1::timestamptz) at time zone 'Europe/Paris') as this_week
           ),
           series as (
               select (this_week - make_interval(weeks => n))::date as monday
               from bounds, generate_series(0, $2 - 1) as n
           ),
           counted as (
               select (date_trunc('week', e.created_at at time zone 'Europe/Paris'))::date as monday,
                      count(*) filter (where e.kind = 'claimed') as claims,
                      count(*) filter (where e.kind = 'returned') as returns
               from case_events e, bounds
               where e.kind in ('claimed', 'returned')
                 and e.created_at >= (this_week - make_interval(weeks => $2 - 1)) at time zone 'Europe/Paris'
               group by 1
           )
           select s.monday as "monday!: NaiveDate", coalesce(c.claims, 0) as "claims!", coalesce(c.returns, 0) as "returns!"
           from series s left join counted c using (monday)
           order by s.monday"#,
        now as DateTime<Utc>,
        weeks
    )
    .fetch_all(pool)
    .await
}
