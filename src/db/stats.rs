//! Aggregate counts for administrators: numbers, never case contents.

use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::session::AdminScope;
use crate::domain::status::CaseStatus;

/// Rows on one administrator's list page.
pub const ADMIN_PAGE: i64 = 100;

/// A school with its number of accounts and cases.
pub struct SchoolStats {
    /// Id (the next page starts after it).
    pub id: Uuid,
    /// UAI.
    pub uai: String,
    /// Name.
    pub name: String,
    /// Town.
    pub town: String,
    /// Académie.
    pub academie: String,
    /// Attached accounts.
    pub accounts: i64,
    /// Cases (all statuses).
    pub cases: i64,
    /// Closed.
    pub closed: bool,
}

/// One page of the schools `scope` manages, with counts, by académie and
/// name, after school `after`; `q` keeps those whose UAI is `q` or whose
/// name or town contains it. Also returns how many schools match in all.
pub async fn schools(
    pool: &PgPool,
    scope: &AdminScope,
    q: &str,
    after: Option<Uuid>,
) -> sqlx::Result<(Vec<SchoolStats>, i64)> {
    let academies = scope.academies();
    let q: String = q.trim().chars().take(super::schools::MAX_SEARCH).collect();
    let (q, pattern) = match q.is_empty() {
        true => (None, None),
        false => (Some(q.clone()), Some(super::contains_pattern(&q))),
    };
    let rows = sqlx::query_as!(
        SchoolStats,
        r#"select s.id, s.uai, s.name, s.town, s.academie,
                  (select count(*) from account_schools a where a.school_id = s.id) as "accounts!",
                  (select count(*) from cases c where c.school_id = s.id) as "cases!",
                  s.closed_at is not null as "closed!"
           from schools s
           where ($1::text is null or s.uai = upper($1) or s.name ilike $2 or s.town ilike $2)
             and ($3::uuid is null
                  or (s.academie, s.name, s.id) > (select academie, name, id from schools where id = $3))
             and ($5::text[] is null or s.academie = any($5))
           order by s.academie, s.name, s.id limit $4"#,
        q,
        pattern,
        after,
        ADMIN_PAGE,
        academies as Option<&[String]>
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from schools s
           where ($1::text is null or s.uai = upper($1) or s.name ilike $2 or s.town ilike $2)
             and ($3::text[] is null or s.academie = any($3))"#,
        q,
        pattern,
        academies as Option<&[String]>
    )
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// How many schools `scope` manages.
pub async fn count_schools(pool: &PgPool, scope: &AdminScope) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from schools where ($1::text[] is null or academie = any($1))"#,
        scope.academies() as Option<&[String]>
    )
    .fetch_one(pool)
    .await
}

/// How many active accounts `scope` manages.
pub async fn count_accounts(pool: &PgPool, scope: &AdminScope) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from accounts a
           where active and ($1::text[] is null
                 or (a.role = 'school_staff'
                     and exists (select 1 from account_schools x join schools s on s.id = x.school_id
                                 where x.account_id = a.id and s.academie = any($1))))"#,
        scope.academies() as Option<&[String]>
    )
    .fetch_one(pool)
    .await
}

/// Number of cases in each status, in the schools `scope` manages.
pub async fn cases_by_status(
    pool: &PgPool,
    scope: &AdminScope,
) -> sqlx::Result<Vec<(CaseStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select c.status as "status: CaseStatus", count(*) as "n!" from cases c
           where $1::text[] is null
              or c.school_id in (select id from schools where academie = any($1))
           group by c.status"#,
        scope.academies() as Option<&[String]>
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}

/// An account as listed for administrators.
pub struct AccountRow {
    /// Id (the next page starts after it).
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Schools' UAIs.
    pub schools: Vec<String>,
    /// Whether it can sign in.
    pub active: bool,
    /// Invited, no password chosen yet.
    pub invited: bool,
}

impl AccountRow {
    /// French label of the role.
    pub fn role_label(&self) -> &'static str {
        crate::domain::status::Role::parse(&self.role)
            .map(|r| r.label())
            .unwrap_or("Inconnu")
    }
}

/// One page of accounts (deactivated ones too) with their schools, by role and address,
/// after account `after`, those whose address or name contains `q` or that
/// are attached to the school of UAI `q`, among those `scope` manages; and
/// how many active accounts it manages.
pub async fn accounts(
    pool: &PgPool,
    scope: &AdminScope,
    q: &str,
    after: Option<Uuid>,
) -> sqlx::Result<(Vec<AccountRow>, i64)> {
    let q: String = q.trim().chars().take(super::schools::MAX_SEARCH).collect();
    let (q, pattern) = match q.is_empty() {
        true => (None, None),
        false => (Some(q.clone()), Some(super::contains_pattern(&q))),
    };
    let rows = sqlx::query_as!(
        AccountRow,
        r#"select a.id, a.email, a.display_name, a.role::text as "role!",
                  coalesce((select array_agg(s.uai order by s.uai) from account_schools x
                            join schools s on s.id = x.school_id where x.account_id = a.id), '{}') as "schools!",
                  a.active, a.password_hash is null as "invited!"
           from accounts a
           where ($1::text is null or a.email ilike $2 or a.display_name ilike $2
                  or a.id in (select x.account_id from account_schools x
                              join schools s on s.id = x.school_id where s.uai = upper($1)))
             and ($3::uuid is null
                  or (a.role, a.email, a.id) > (select role, email, id from accounts where id = $3))
             and ($5::text[] is null
                  or (a.role = 'school_staff'
                      and exists (select 1 from account_schools x join schools s on s.id = x.school_id
                                  where x.account_id = a.id and s.academie = any($5))))
           order by a.role, a.email, a.id limit $4"#,
        q,
        pattern,
        after,
        ADMIN_PAGE,
        scope.academies() as Option<&[String]>
    )
    .fetch_all(pool)
    .await?;
    Ok((rows, count_accounts(pool, scope).await?))
}
