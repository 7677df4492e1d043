//! Accounts and the schools they are attached to.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

use crate::domain::ids::{AccountId, CaseId, SchoolId};
use crate::domain::status::Role;
use crate::domain::values::EmailAddress;

/// What a request needs to know about its caller.
pub struct ActorRow {
    /// Account id.
    pub id: AccountId,
    /// Role.
    pub role: Role,
    /// Display name.
    pub display_name: String,
    /// Attached schools.
    pub schools: Vec<SchoolId>,
    /// Administrators: their académies (none: national).
    pub academies: Vec<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Sessions opened before this instant were ended by the owner or an
    /// administrator.
    pub sessions_valid_after: DateTime<Utc>,
}

impl ActorRow {
    /// Whether a session that logged in at `login_at` may act as this
    /// account.
    pub fn admits(&self, login_at: DateTime<Utc>) -> bool {
        self.active && self.sessions_valid_after <= login_at
    }
}

/// Loads an account with its schools and académies (see
/// [`ActorRow::admits`] for whether a session may use it).
pub async fn load_actor(pool: &PgPool, id: AccountId) -> sqlx::Result<Option<ActorRow>> {
    let row = sqlx::query!(
        r#"select a.id as "id: AccountId", a.role as "role: Role", a.display_name, a.active,
                  -- '-infinity' (never ended) as a date chrono can hold.
                  greatest(a.sessions_valid_after, 'epoch') as "sessions_valid_after!: DateTime<Utc>",
                  coalesce(array_agg(s.school_id) filter (where s.school_id is not null), '{}') as "schools!: Vec<uuid::Uuid>",
                  coalesce((select array_agg(y.academie order by y.academie) from account_academies y
                            where y.account_id = a.id), '{}') as "academies!"
           from accounts a left join account_schools s on s.account_id = a.id
           where a.id = $1
           group by a.id"#,
        id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| ActorRow {
        id: r.id,
        role: r.role,
        display_name: r.display_name,
        schools: r.schools.into_iter().map(SchoolId).collect(),
        academies: r.academies,
        active: r.active,
        sessions_valid_after: r.sessions_valid_after,
    }))
}

/// The id and password hash of an active account, by e-mail.
pub async fn find_for_login(
    pool: &PgPool,
    email: &EmailAddress,
) -> sqlx::Result<Option<(AccountId, String)>> {
    let row = sqlx::query!(
        r#"select id as "id: AccountId", password_hash as "password_hash!" from accounts
           where email = $1 and active and password_hash is not null"#,
        email.as_str()
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

/// An active account as its owner manages it.
pub struct Owner {
    /// Id.
    pub id: AccountId,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// PHC string of the password (none yet for an invitation).
    pub password_hash: Option<String>,
}

/// An active account, by id or by e-mail.
pub async fn owner(
    pool: &PgPool,
    id: Option<AccountId>,
    email: Option<&EmailAddress>,
) -> sqlx::Result<Option<Owner>> {
    sqlx::query_as!(
        Owner,
        r#"select id as "id: AccountId", email, display_name, role as "role: Role", password_hash
           from accounts where active and (id = $1 or email = $2)"#,
        id.map(|i| i.0),
        email.map(|e| e.as_str())
    )
    .fetch_optional(pool)
    .await
}

/// Sets a new password and ends every session logged in before `now`.
pub async fn set_password(
    tx: &mut super::Tx<'_>,
    id: AccountId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set password_hash = $2, sessions_valid_after = $3 where id = $1",
        id.0,
        password_hash,
        now as DateTime<Utc>
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends every session of the account logged in before `now`.
pub async fn end_sessions(pool: &PgPool, id: AccountId, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set sessions_valid_after = $2 where id = $1",
        id.0,
        now as DateTime<Utc>
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates an account, or updates the name, role and password of the account
/// with that e-mail. Returns its id.
pub async fn upsert_account<'e>(
    db: impl PgExecutor<'e>,
    email: &EmailAddress,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> sqlx::Result<AccountId> {
    sqlx::query_scalar!(
        r#"insert into accounts (id, email, display_name, role, password_hash)
           values ($1, $2, $3, $4, $5)
           on conflict (email) do update set display_name = excluded.display_name,
               role = excluded.role, password_hash = excluded.password_hash, active = true
           returning id as "id: AccountId""#,
        AccountId::new().0,
        email.as_str(),
        display_name,
        role as Role,
        password_hash
    )
    .fetch_one(db)
    .await
}

/// The schools an account is attached to.
pub async fn school_ids(pool: &PgPool, id: AccountId) -> sqlx::Result<Vec<SchoolId>> {
    sqlx::query_scalar!(
        r#"select school_id as "id: SchoolId" from account_schools where account_id = $1"#,
        id.0
    )
    .fetch_all(pool)
    .await
}

/// Attaches an account to a school (no-op if already attached).
pub async fn attach_school<'e>(
    db: impl PgExecutor<'e>,
    account: AccountId,
    school: SchoolId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into account_schools (account_id, school_id) values ($1, $2) on conflict do nothing",
        account.0,
        school.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The addresses of the active leadership accounts of a school.
pub async fn school_staff_emails<'e>(
    db: impl PgExecutor<'e>,
    school: SchoolId,
    case: Option<CaseId>,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select a.email from accounts a join account_schools s on s.account_id = a.id
           where s.school_id = $1 and a.active and a.role = 'school_staff'
             and ($2::uuid is null or exists (select 1 from cases c where c.id = $2 and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = a.id))))
           order by a.email"#,
        school.0,
        case.map(|c| c.0)
    )
    .fetch_all(db)
    .await
}

/// The address of an active helpline agent.
pub async fn agent_email<'e>(
    db: impl PgExecutor<'e>,
    id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select email from accounts where id = $1 and role = 'helpline' and active",
        id.0
    )
    .fetch_optional(db)
    .await
}

/// A leadership colleague a restricted case can be limited to.
pub struct Colleague {
    /// Id.
    pub id: AccountId,
    /// Name.
    pub display_name: String,
    /// The school they are attached to (one row per school).
    pub school_id: SchoolId,
}

/// The active leadership accounts of `schools`, by name.
pub async fn colleagues(pool: &PgPool, schools: &[SchoolId]) -> sqlx::Result<Vec<Colleague>> {
    let ids: Vec<uuid::Uuid> = schools.iter().map(|s| s.0).collect();
    sqlx::query_as!(
        Colleague,
        r#"select a.id as "id: AccountId", a.display_name, s.school_id as "school_id: SchoolId"
           from accounts a join account_schools s on s.account_id = a.id
           where s.school_id = any($1) and a.active and a.role = 'school_staff'
           order by a.display_name, a.id"#,
        &ids
    )
    .fetch_all(pool)
    .await
}

/// A helpline agent, for the reassignment list.
#[derive(Clone)]
pub struct Agent {
    /// Id.
    pub id: AccountId,
    /// Name.
    pub display_name: String,
}

/// The active helpline agents.
pub async fn helpline_agents(pool: &PgPool) -> sqlx::Result<Vec<Agent>> {
    sqlx::query_as!(
        Agent,
        r#"select id as "id: AccountId", display_name from accounts where role = 'helpline' and active order by display_name"#
    )
    .fetch_all(pool)
    .await
}

/// One active helpline agent.
pub async fn helpline_agent<'e>(
    db: impl PgExecutor<'e>,
    id: AccountId,
) -> sqlx::Result<Option<Agent>> {
    sqlx::query_as!(
        Agent,
        r#"select id as "id: AccountId", display_name from accounts
           where id = $1 and role = 'helpline' and active"#,
        id.0
    )
    .fetch_optional(db)
    .await
}

/// The account with this e-mail (any role), for the audit viewer's filter.
pub async fn account_by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<uuid::Uuid>> {
    sqlx::query_scalar!(
        "select id from accounts where lower(email) = lower($1)",
        email
    )
    .fetch_optional(pool)
    .await
}
