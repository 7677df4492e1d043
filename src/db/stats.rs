//! Aggregate counts for administrators: numbers, never case contents.

use sqlx::PgPool;

use crate::domain::status::CaseStatus;

/// A school with its number of accounts and cases.
pub struct SchoolStats {
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
}

/// Schools with counts, by académie and name.
pub async fn schools(pool: &PgPool) -> sqlx::Result<Vec<SchoolStats>> {
    sqlx::query_as!(
        SchoolStats,
        r#"select s.uai, s.name, s.town, s.academie,
                  (select count(*) from account_schools a where a.school_id = s.id) as "accounts!",
                  (select count(*) from cases c where c.school_id = s.id) as "cases!"
           from schools s order by s.academie, s.name limit 500"#
    )
    .fetch_all(pool)
    .await
}

/// Number of cases in each status, nationally.
pub async fn cases_by_status(pool: &PgPool) -> sqlx::Result<Vec<(CaseStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select status as "status: CaseStatus", count(*) as "n!" from cases group by status"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}

/// An account as listed for administrators.
pub struct AccountRow {
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Schools' UAIs.
    pub schools: Vec<String>,
}

impl AccountRow {
    /// French label of the role.
    pub fn role_label(&self) -> &'static str {
        crate::domain::status::Role::parse(&self.role)
            .map(|r| r.label())
            .unwrap_or("Inconnu")
    }
}

/// Accounts with their schools.
pub async fn accounts(pool: &PgPool) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as!(
        AccountRow,
        r#"select a.email, a.display_name, a.role::text as "role!",
                  coalesce(array_agg(s.uai order by s.uai) filter (where s.uai is not null), '{}') as "schools!"
           from accounts a left join account_schools x on x.account_id = a.id left join schools s on s.id = x.school_id
           where a.active group by a.id order by a.role, a.email limit 500"#
    )
    .fetch_all(pool)
    .await
}
