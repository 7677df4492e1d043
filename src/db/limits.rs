//! Attempt limits shared by every process: one row per limited key holding
//! its GCRA "theoretical arrival time" (an unlogged table: a crash forgets
//! budgets, which only gives attempts back).

use sqlx::PgPool;

use crate::auth::ratelimit::Limiter;

/// Takes one attempt for `key` under `limit`; false when none is left
/// (nothing is taken then). One statement: safe with any number of
/// processes.
pub async fn take(pool: &PgPool, limit: &Limiter, key: &str) -> sqlx::Result<bool> {
    let taken = sqlx::query_scalar!(
        r#"insert into rate_limits (key, tat) values ($1, now() + make_interval(secs => $2))
           on conflict (key) do update
             set tat = greatest(rate_limits.tat, now()) + make_interval(secs => $2)
             where greatest(rate_limits.tat, now()) + make_interval(secs => $2)
                   <= now() + make_interval(secs => $3)
           returning 1 as "taken!""#,
        limit.digest(key),
        limit.interval_secs(),
        limit.window_secs()
    )
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some())
}

/// Forgets the keys whose budget is full again; returns how many.
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!("delete from rate_limits where tat < now()")
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
