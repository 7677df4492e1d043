//! What administrators read and change of an account: its state and its
//! schools. Every change is made in the caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Tx;
use crate::auth::session::AdminScope;
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
    /// Invited and no password chosen yet.
    pub invited: bool,
    /// Until when the latest invitation link works, if one does.
    pub invitation_expires: Option<DateTime<Utc>>,
    /// Since when a second factor is enrolled.
    pub two_factor_since: Option<DateTime<Utc>>,
    /// Administrators: the académies they manage (none: national).
    pub academies: Vec<String>,
}

/// One account, active or not, if `scope` manages it: national
/// administrators every account, académie ones the school staff of their
/// académies' schools.
pub async fn get(
    pool: &PgPool,
    scope: &AdminScope,
    id: AccountId,
) -> sqlx::Result<Option<ManagedAccount>> {
    sqlx::query_as!(
        ManagedAccount,
        r#"select id as "id: AccountId", email, display_name, role as "role: Role", active,
                  created_at as "created_at: DateTime<Utc>",
                  password_hash is null as "invited!",
                  (select max(t.expires_at) from account_tokens t
                   where t.account_id = a.id and t.purpose = 'invitation'
                     and t.used_at is null and t.expires_at > now()) as "invitation_expires: DateTime<Utc>",
                  totp_enrolled_at as "two_factor_since: DateTime<Utc>",
                  coalesce((select array_agg(y.academie order by y.academie) from account_academies y
                            where y.account_id = a.id), '{}') as "academies!"
           from accounts a
           where id = $1
             and ($2::text[] is null
                  or (a.role = 'school_staff'
                      and exists (select 1 from account_schools x join schools s on s.id = x.school_id
                                  where x.account_id = a.id and s.academie = any($2))))"#,
        id.0,
        scope.academies() as Option<&[String]>
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

/// Makes the account an invitation to `email` (no password yet): a new
/// account, or a cancelled invitation to the same address made again (its
/// schools cleared). `None` when the address has an account or a pending
/// invitation.
pub async fn create_invited(
    tx: &mut Tx<'_>,
    email: &str,
    display_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<AccountId>> {
    let id = sqlx::query_scalar!(
        r#"insert into accounts (id, email, display_name, role, password_hash, invited_at, created_at)
           values ($1, $2, $3, $4, null, $5, $5)
           on conflict (email) do update
               set display_name = excluded.display_name, role = excluded.role,
                   active = true, invited_at = excluded.invited_at
               where accounts.password_hash is null and not accounts.active
           returning id as "id: AccountId""#,
        uuid::Uuid::new_v4(),
        email,
        display_name,
        role as Role,
        now as DateTime<Utc>
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = id {
        sqlx::query!("delete from account_schools where account_id = $1", id.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

/// Changes the account's role (its schools go when it leaves school staff)
/// and ends its sessions: it signs in again under the new role's rules.
pub async fn set_role(
    tx: &mut Tx<'_>,
    id: AccountId,
    role: Role,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set role = $2, sessions_valid_after = $3 where id = $1 and role <> $2",
        id.0,
        role as Role,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    if role != Role::SchoolStaff {
        sqlx::query!("delete from account_schools where account_id = $1", id.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(done.rows_affected() == 1)
}

/// Makes `academies` the administrator's only académies (none: national).
pub async fn set_academies(
    tx: &mut Tx<'_>,
    id: AccountId,
    academies: &[String],
) -> sqlx::Result<()> {
    sqlx::query!("delete from account_academies where account_id = $1", id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query!(
        "insert into account_academies (account_id, academie) select $1, unnest($2::text[])",
        id.0,
        academies
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
