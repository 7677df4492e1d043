//! The retention purge (system job, no caller scope): deletes what the
//! retention rules say is past its time, and records counts of what it did.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub use crate::config::Retention;

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    /// Cases deleted (with their timeline, targets, records, evidence rows).
    pub cases: i64,
    /// Reports deleted with the cases opened from them.
    pub reports: i64,
    /// Audit entries deleted.
    pub audit: i64,
    /// Sent or dead mails deleted.
    pub mail: i64,
}

/// Deletes, in one transaction, the cases past their retention (never one
/// under legal hold), the reports they came from, and old audit entries.
/// Returns the counts and the storage keys of the files to delete once
/// committed.
pub async fn run(
    pool: &PgPool,
    now: DateTime<Utc>,
    r: &Retention,
) -> sqlx::Result<(PurgeCounts, Vec<String>)> {
    let mut tx = pool.begin().await?;
    // Lets the append-only triggers accept these deletions, in this transaction only.
    sqlx::query_scalar!("select set_config('vigie.purge', 'on', true)")
        .fetch_one(&mut *tx)
        .await?;
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar!(
        r#"select id from cases
           where status = 'closed' and not legal_hold and closed_at < $1::timestamptz - make_interval(days =>
                 case when outcome in ('no_follow_up', 'out_of_scope') then $2::int else $3::int end)
           for update skip locked"#,
        now as DateTime<Utc>,
        r.closed_no_follow_up_days,
        r.closed_with_follow_up_days
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut keys: Vec<String> = sqlx::query_scalar!(
        "select storage_key from evidence where case_id = any($1)",
        &ids
    )
    .fetch_all(&mut *tx)
    .await?;
    keys.extend(
        sqlx::query_scalar!(
            "select e.storage_key from report_evidence e join reports r on r.id = e.report_id where r.case_id = any($1)",
            &ids
        )
        .fetch_all(&mut *tx)
        .await?,
    );
    let reports = sqlx::query!("delete from reports where case_id = any($1)", &ids)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    sqlx::query!(
        "update outbox set case_id = null where case_id = any($1)",
        &ids
    )
    .execute(&mut *tx)
    .await?;
    let cases = sqlx::query!("delete from cases where id = any($1)", &ids)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    let audit = sqlx::query!(
        "delete from audit_log where at < $1::timestamptz - make_interval(days => $2::int)",
        now as DateTime<Utc>,
        r.audit_days
    )
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    let mail = sqlx::query!(
        "delete from outbox where status <> 'queued' and created_at < $1::timestamptz - make_interval(days => $2::int)",
        now as DateTime<Utc>,
        r.mail_days
    )
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    sqlx::query!(
        "insert into purge_runs (ran_at, cases_deleted, reports_deleted, files_deleted, audit_deleted, mail_deleted) values ($1, $2, $3, $4, $5, $6)",
        now as DateTime<Utc>,
        cases as i32,
        reports as i32,
        keys.len() as i32,
        audit as i32,
        mail as i32
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        PurgeCounts {
            cases,
            reports,
            audit,
            mail,
        },
        keys,
    ))
}

/// When the purge last ran.
pub async fn last_run(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(r#"select max(ran_at) as "at: DateTime<Utc>" from purge_runs"#)
        .fetch_one(pool)
        .await
}
