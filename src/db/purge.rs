//! The retention purge (system job, no caller scope): deletes what the
//! retention rules say is past its time, and records counts of what it did.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::domain::seal::{Seal, checkpoint_message};

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
    /// Files deleted from storage by this run (those of this purge and any
    /// other deletion due); set by `jobs::purge`.
    pub files_deleted: usize,
    /// Files whose deletion failed this time (retried later).
    pub files_pending: usize,
}

/// Deletes, in one transaction, the cases past their retention (never one
/// under legal hold), the reports they came from, and old audit entries
/// (leaving a checkpoint signed with `seal`).
/// Returns the counts and the storage keys of the files to delete once
/// committed.
pub async fn run(
    pool: &PgPool,
    now: DateTime<Utc>,
    r: &Retention,
    seal: &Seal,
) -> sqlx::Result<(PurgeCounts, Vec<String>)> {
    let mut tx = pool.begin().await?;
    // Lets the append-only triggers accept these deletions, in this transaction only.
    sqlx::query_scalar!("select set_config('vigie.purge', 'on', true)")
        .fetch_one(&mut *tx)
        .await?;
    let (cases, case_reports, mut keys) = purge_cases(&mut tx, now, r).await?;
    let (undecided, report_keys) = purge_undecided_reports(&mut tx, now, r).await?;
    keys.extend(report_keys);
    let (audit, mail) = purge_trail(&mut tx, now, r, seal).await?;
    // The files go once the rows are gone, by the background jobs, retried
    // until done: a deletion that fails is never forgotten.
    super::deletions::queue(&mut *tx, &keys).await?;
    let counts = PurgeCounts {
        cases,
        reports: case_reports + undecided,
        audit,
        mail,
        ..PurgeCounts::default()
    };
    sqlx::query!(
        "insert into purge_runs (ran_at, cases_deleted, reports_deleted, files_deleted, audit_deleted, mail_deleted) values ($1, $2, $3, $4, $5, $6)",
        now as DateTime<Utc>,
        counts.cases as i32,
        counts.reports as i32,
        keys.len() as i32,
        counts.audit as i32,
        counts.mail as i32
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((counts, keys))
}

/// Closed cases past their time (never under legal hold), with the reports
/// they were opened from: (cases, reports, storage keys of their files).
async fn purge_cases(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    r: &Retention,
) -> sqlx::Result<(i64, i64, Vec<String>)> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar!(
        r#"select id from cases
           where status = 'closed' and not legal_hold and closed_at < $1::timestamptz - make_interval(days =>
                 case when outcome in ('no_follow_up', 'out_of_scope') then $2::int else $3::int end)
           for update skip locked"#,
        now as DateTime<Utc>,
        r.closed_no_follow_up_days,
        r.closed_with_follow_up_days
    )
    .fetch_all(&mut **tx)
    .await?;
    let report_ids: Vec<uuid::Uuid> = sqlx::query_scalar!(
        "select id from reports where case_id = any($1) for update",
        &ids
    )
    .fetch_all(&mut **tx)
    .await?;
    super::statistics::fold_purged(tx, &ids, &report_ids).await?;
    let mut keys: Vec<String> = sqlx::query_scalar!(
        "select storage_key from evidence where case_id = any($1)",
        &ids
    )
    .fetch_all(&mut **tx)
    .await?;
    // Deleted with `returning`: a file a reporter adds meanwhile is either
    // deleted here with its key, or added after, to a report already gone.
    keys.extend(
        sqlx::query_scalar!(
            "delete from report_evidence where report_id in (select id from reports where case_id = any($1)) returning storage_key",
            &ids
        )
        .fetch_all(&mut **tx)
        .await?,
    );
    let reports = sqlx::query!("delete from reports where case_id = any($1)", &ids)
        .execute(&mut **tx)
        .await?
        .rows_affected() as i64;
    sqlx::query!(
        "update outbox set case_id = null where case_id = any($1)",
        &ids
    )
    .execute(&mut **tx)
    .await?;
    let cases = sqlx::query!("delete from cases where id = any($1)", &ids)
        .execute(&mut **tx)
        .await?
        .rows_affected() as i64;
    Ok((cases, reports, keys))
}

/// Reports nobody ever decided on, past their time: (reports, storage keys).
async fn purge_undecided_reports(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    r: &Retention,
) -> sqlx::Result<(i64, Vec<String>)> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar!(
        r#"select id from reports where status = 'received'
             and created_at < $1::timestamptz - make_interval(days => $2::int)
           for update skip locked"#,
        now as DateTime<Utc>,
        r.undecided_report_days
    )
    .fetch_all(&mut **tx)
    .await?;
    super::statistics::fold_purged(tx, &[], &ids).await?;
    let keys: Vec<String> = sqlx::query_scalar!(
        "delete from report_evidence where report_id = any($1) returning storage_key",
        &ids
    )
    .fetch_all(&mut **tx)
    .await?;
    let reports = sqlx::query!("delete from reports where id = any($1)", &ids)
        .execute(&mut **tx)
        .await?
        .rows_affected() as i64;
    Ok((reports, keys))
}

/// The audit trail and delivered or dead mail past their time.
/// Deletes the longest start of the audit chain older than `days` and
/// leaves a signed checkpoint (the last deleted place and hash), so the
/// rest stays verifiable. Rows are deleted only here.
async fn purge_audit(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    days: i32,
    seal: &Seal,
) -> sqlx::Result<i64> {
    let last = sqlx::query!(
        r#"select l.chain_seq, l.hash from audit_log l
           where l.chain_seq = (select coalesce(min(chain_seq), (select seq + 1 from audit_head)) - 1
                                from audit_log where at >= $1::timestamptz - make_interval(days => $2::int))"#,
        now as DateTime<Utc>,
        days
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(last) = last else { return Ok(0) };
    let deleted = sqlx::query!(
        "delete from audit_log where chain_seq <= $1",
        last.chain_seq
    )
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    let signature = seal.sign(&checkpoint_message(last.chain_seq, &last.hash));
    sqlx::query!(
        "insert into audit_checkpoints (up_to_seq, hash, rows_deleted, signature) values ($1, $2, $3, $4)",
        last.chain_seq,
        last.hash,
        deleted,
        signature
    )
    .execute(&mut **tx)
    .await?;
    Ok(deleted)
}

async fn purge_trail(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    r: &Retention,
    seal: &Seal,
) -> sqlx::Result<(i64, i64)> {
    let audit = purge_audit(tx, now, r.audit_days, seal).await?;
    let mail = sqlx::query!(
        "delete from outbox where status <> 'queued' and created_at < $1::timestamptz - make_interval(days => $2::int)",
        now as DateTime<Utc>,
        r.mail_days
    )
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    Ok((audit, mail))
}

/// When the purge last ran.
pub async fn last_run(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(r#"select max(ran_at) as "at: DateTime<Utc>" from purge_runs"#)
        .fetch_one(pool)
        .await
}
