//! What operators watch, read at scrape time: mail, queue, deletions, purge,
//! evidence verification.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The figures `/metrics` reports from the database.
pub struct Health {
    /// Mails by outbox status (`queued`, `sent`, `dead`).
    pub outbox: Vec<(String, i64)>,
    /// Cases in the helpline's queue (referred, in progress, awaiting the
    /// school) by urgency.
    pub queue: Vec<(String, i64)>,
    /// Referred cases in danger nobody has claimed.
    pub danger_unclaimed: i64,
    /// Files whose rows are gone and that wait to be deleted.
    pub pending_deletions: i64,
    /// The last purge: when, and what it deleted (cases, files).
    pub last_purge: Option<(DateTime<Utc>, i64, i64)>,
    /// The last full verification of the evidence files.
    pub last_verification: Option<super::integrity::Run>,
    /// Files found missing or altered, not found intact since.
    pub integrity_alerts: i64,
}

/// Reads every figure (seven small queries on indexed columns).
pub async fn read(pool: &PgPool) -> sqlx::Result<Health> {
    let outbox = super::outbox::counts(pool).await?;
    let queue = sqlx::query!(
        r#"select urgency::text as "urgency!", count(*) as "n!" from cases
           where status in ('referred', 'in_progress', 'awaiting_school') group by urgency order by 1"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.urgency, r.n))
    .collect();
    let danger_unclaimed = sqlx::query_scalar!(
        r#"select count(*) as "n!" from cases where status = 'referred' and urgency = 'danger'"#
    )
    .fetch_one(pool)
    .await?;
    let pending_deletions =
        sqlx::query_scalar!(r#"select count(*) as "n!" from pending_deletions"#)
            .fetch_one(pool)
            .await?;
    let last_purge = sqlx::query!(
        r#"select ran_at as "ran_at: DateTime<Utc>", cases_deleted::bigint as "cases!", files_deleted::bigint as "files!"
           from purge_runs order by ran_at desc limit 1"#
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.ran_at, r.cases, r.files));
    let last_verification = super::integrity::last_run(pool).await?;
    let integrity_alerts = sqlx::query_scalar!(r#"select count(*) as "n!" from integrity_alerts"#)
        .fetch_one(pool)
        .await?;
    Ok(Health {
        outbox,
        queue,
        danger_unclaimed,
        pending_deletions,
        last_purge,
        last_verification,
        integrity_alerts,
    })
}
