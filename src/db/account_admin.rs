//! What administrators read and change of an account: its state and its
//! schools. Every change is made in the caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;

/// An account as its administrator sees it.
pub struct ManagedAccount {
    /// Id.
    pub id: AccountId,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether it can sign in.
    pub active: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

/// One account, active or not.
pub async fn get(pool: &PgPool, id: AccountId) -> sqlx::Result<Option<ManagedAccount>> {
    sqlx::query_as!(
        ManagedAccount,
        r#"select id as "id: AccountId", email, display_name, role as "role: Role", active,
                  created_at as "created_at: DateTime<Utc>"
           from accounts where id = $1"#,
        id.0
    )
    .fetch_optional(pool)
    .await
}

/// Turns the account on or off; turning it off ends its sessions at once.
pub async fn set_active(
    tx: &mut Tx<'_>,
    id: AccountId,
    active: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set active = $2,
                sessions_valid_after = case when $2 then sessions_valid_after else $3 end
         where id = $1 and active <> $2",
        id.0,
        active,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Detaches the account from a school; whether it was attached.
pub async fn detach_school(tx: &mut Tx<'_>, id: AccountId, school: SchoolId) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from account_schools where account_id = $1 and school_id = $2",
        id.0,
        school.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
