//! Files to delete from storage once their rows are gone (system work, no
//! caller scope): queued in the transaction that drops the rows, taken by
//! the background jobs with `FOR UPDATE SKIP LOCKED`, retried with back-off
//! until the file is gone.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

use super::Tx;

/// Queues storage keys for deletion now (in the caller's transaction, or
/// alone); a key already queued becomes due now.
pub async fn queue<'e>(db: impl PgExecutor<'e>, keys: &[String]) -> sqlx::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        r#"insert into pending_deletions (storage_key) select unnest($1::text[])
           on conflict (storage_key) do update
           set next_attempt_at = least(pending_deletions.next_attempt_at, now())"#,
        keys
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records, before files are written, that they are to be deleted after
/// `grace` unless the rows that use them commit first (and `withdraw` this).
pub async fn intend(
    pool: &PgPool,
    keys: &[String],
    grace: std::time::Duration,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into pending_deletions (storage_key, next_attempt_at)
           select unnest($1::text[]), now() + make_interval(secs => $2)"#,
        keys,
        grace.as_secs_f64()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The rows using the files are written in `tx`: the files stay.
pub async fn withdraw(tx: &mut Tx<'_>, keys: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from pending_deletions where storage_key = any($1)",
        keys
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes up to `n` deletions due at `now` that no other worker holds.
pub async fn claim_due(tx: &mut Tx<'_>, now: DateTime<Utc>, n: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select storage_key from pending_deletions where next_attempt_at <= greatest($1, now())
           order by next_attempt_at limit $2 for update skip locked"#,
        now as DateTime<Utc>,
        n
    )
    .fetch_all(&mut **tx)
    .await
}

/// The file is gone (or kept): forget it.
pub async fn done<'e>(db: impl PgExecutor<'e>, key: &str) -> sqlx::Result<()> {
    sqlx::query!("delete from pending_deletions where storage_key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}

/// The deletion failed: try again later (the delay doubles, up to a day).
pub async fn failed(tx: &mut Tx<'_>, key: &str, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update pending_deletions set attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + least(interval '1 day', interval '30 seconds' * power(2, attempts))
           where storage_key = $1"#,
        key,
        error
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many deletions wait.
pub async fn pending(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from pending_deletions"#)
        .fetch_one(pool)
        .await
}
