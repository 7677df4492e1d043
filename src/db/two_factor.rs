//! The second factor of an account: its sealed TOTP secret, the last time
//! step accepted (a code is never accepted twice, even by two requests at
//! once: the step only moves forward in one UPDATE) and its recovery codes.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;

/// What is stored of an account's second factor.
pub struct Factor {
    /// The account's role (where it lands once signed in).
    pub role: Role,
    /// The sealed secret (confirmed or waiting for a first code).
    pub sealed: Option<Vec<u8>>,
    /// When the secret was confirmed; `None`: not enrolled.
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

/// The second factor of `account`, `None` for no such account.
pub async fn factor(pool: &PgPool, account: AccountId) -> sqlx::Result<Option<Factor>> {
    sqlx::query_as!(
        Factor,
        r#"select role as "role: Role", totp_secret as sealed, totp_enrolled_at as "enrolled_at: DateTime<Utc>",
                  (select count(*) from recovery_codes r
                   where r.account_id = a.id and r.used_at is null) as "recovery_left!"
           from accounts a where id = $1 and active"#,
        account.0
    )
    .fetch_optional(pool)
    .await
}

/// Keeps `sealed` as the secret `account` is enrolling, unless it is
/// enrolled already (then nothing changes); whether it was kept.
pub async fn set_pending(pool: &PgPool, account: AccountId, sealed: &[u8]) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set totp_secret = $2 where id = $1 and totp_enrolled_at is null",
        account.0,
        sealed
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts time step `step` for `account` if no later or equal step was
/// accepted before; whether it was.
pub async fn accept_step<'e>(
    exec: impl sqlx::PgExecutor<'e>,
    account: AccountId,
    step: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set totp_last_step = $2 where id = $1 and totp_last_step < $2",
        account.0,
        step
    )
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms the pending secret (its first code matched `step`) and keeps
/// `codes` (hashes) as the account's only recovery codes.
pub async fn confirm(
    tx: &mut Tx<'_>,
    account: AccountId,
    step: i64,
    codes: &[Vec<u8>],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set totp_enrolled_at = $3, totp_last_step = greatest(totp_last_step, $2)
         where id = $1 and totp_enrolled_at is null and totp_secret is not null",
        account.0,
        step,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    replace_recovery_codes(tx, account, codes, now).await?;
    Ok(true)
}

/// Makes `codes` (hashes) the account's only recovery codes.
pub async fn replace_recovery_codes(
    tx: &mut Tx<'_>,
    account: AccountId,
    codes: &[Vec<u8>],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from recovery_codes where account_id = $1",
        account.0
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into recovery_codes (account_id, code_hash, created_at)
         select $1, unnest($2::bytea[]), $3",
        account.0,
        codes,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses the recovery code of hash `hash`, once; whether it was valid.
pub async fn use_recovery_code(
    pool: &PgPool,
    account: AccountId,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update recovery_codes set used_at = $3
         where account_id = $1 and code_hash = $2 and used_at is null",
        account.0,
        hash,
        now as DateTime<Utc>
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the account's second factor and recovery codes, and ends its
/// sessions: it enrols again at its next login.
pub async fn reset(tx: &mut Tx<'_>, account: AccountId, now: DateTime<Utc>) -> sqlx::Result<bool> {
    sqlx::query!(
        "delete from recovery_codes where account_id = $1",
        account.0
    )
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query!(
        "update accounts set totp_secret = null, totp_enrolled_at = null,
                sessions_valid_after = greatest(sessions_valid_after, $2)
         where id = $1",
        account.0,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enrols `account` with `sealed` at once (the demo accounts' published
/// secret; the test harness).
pub async fn enrol_directly(
    pool: &PgPool,
    account: AccountId,
    sealed: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set totp_secret = $2, totp_enrolled_at = $3 where id = $1",
        account.0,
        sealed,
        now as DateTime<Utc>
    )
    .execute(pool)
    .await?;
    Ok(())
}
