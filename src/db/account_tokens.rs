//! Single-use links sent by mail, kept as the SHA-256 of their token: a
//! token is valid until it expires or is used, whichever comes first.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::domain::ids::AccountId;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Choosing a new password after "forgotten password".
    PasswordReset,
    /// Choosing a first password after an administrator's invitation.
    Invitation,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::Invitation => "invitation",
        }
    }
}

/// Records a new token for `account`, valid until `expires_at`; the
/// account's earlier unused tokens of the same purpose stop working.
pub async fn create(
    tx: &mut Tx<'_>,
    account: AccountId,
    purpose: Purpose,
    hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    revoke(tx, account, purpose, now).await?;
    sqlx::query!(
        "insert into account_tokens (token_hash, account_id, purpose, created_at, expires_at)
         values ($1, $2, $3, $4, $5)",
        hash,
        account.0,
        purpose.code(),
        now as DateTime<Utc>,
        expires_at as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stops the account's unused tokens of `purpose`.
pub async fn revoke(
    tx: &mut Tx<'_>,
    account: AccountId,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update account_tokens set used_at = $3
         where account_id = $1 and purpose = $2 and used_at is null",
        account.0,
        purpose.code(),
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The active account a still-valid token is for (nothing is changed).
pub async fn peek(
    pool: &PgPool,
    purpose: Purpose,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"select t.account_id as "id: AccountId" from account_tokens t
           join accounts a on a.id = t.account_id
           where t.token_hash = $1 and t.purpose = $2 and t.used_at is null
             and t.expires_at > $3 and a.active"#,
        hash,
        purpose.code(),
        now as DateTime<Utc>
    )
    .fetch_optional(pool)
    .await
}

/// Uses a still-valid token: the account it was for, once; `None` after.
pub async fn take(
    tx: &mut Tx<'_>,
    purpose: Purpose,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"update account_tokens t set used_at = $3
           from accounts a
           where a.id = t.account_id and t.token_hash = $1 and t.purpose = $2
             and t.used_at is null and t.expires_at > $3 and a.active
           returning t.account_id as "id: AccountId""#,
        hash,
        purpose.code(),
        now as DateTime<Utc>
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Forgets tokens expired for a day; returns how many.
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    let done =
        sqlx::query!("delete from account_tokens where expires_at < now() - interval '1 day'")
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}
