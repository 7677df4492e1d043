//! A school's own figures for its leadership: its cases per month over
//! three years, by platform and kind of harassment, and how many were
//! referred. Counts only, read from the rollups the purge never touches
//! (`db::statistics`); the page masks small ones.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Months shown (three years).
pub const MONTHS: i32 = 36;

/// Cases opened in one month.
pub struct Month {
    /// Its first day (Paris time).
    pub first: NaiveDate,
    /// Cases opened.
    pub cases: i64,
}

/// Cases opened per month in `schools`, the last [`MONTHS`] months up to the
/// one of `now`, oldest first (months with none listed with zero).
pub async fn per_month(
    pool: &PgPool,
    schools: &[Uuid],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Month>> {
    sqlx::query_as!(
        Month,
        r#"with bounds as (
               select date_trunc('month', ($2::timestamptz) at time zone 'Europe/Paris')::date as this_month
           )
           select m.first::date as "first!: NaiveDate", coalesce(sum(s.cases), 0)::bigint as "cases!"
           from bounds,
                generate_series(this_month - make_interval(months => $3 - 1), this_month, interval '1 month') as m(first)
           left join stat_school_months s on s.school_id = any($1) and s.month = m.first::date
           group by m.first order by m.first"#,
        schools,
        now as DateTime<Utc>,
        MONTHS
    )
    .fetch_all(pool)
    .await
}

/// The school's cases in all: how many, how many referred to e-Enfance, and
/// the counts per platform and per kind (a case may name several).
pub struct Totals {
    /// Cases.
    pub cases: i64,
    /// Of which referred at least once.
    pub referred: i64,
    /// (platform code, cases).
    pub platforms: Vec<(String, i64)>,
    /// (kind code, cases).
    pub kinds: Vec<(String, i64)>,
}

/// The totals of `schools`.
pub async fn totals(pool: &PgPool, schools: &[Uuid]) -> sqlx::Result<Totals> {
    let head = sqlx::query!(
        r#"select coalesce(sum(cases), 0)::bigint as "cases!",
                  coalesce(sum(cases) filter (where referred), 0)::bigint as "referred!"
           from stat_school_months where school_id = any($1)"#,
        schools
    )
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query!(
        r#"select dim as "dim!", code as "code!", sum(cases)::bigint as "n!"
           from stat_school_tags where school_id = any($1)
           group by dim, code having sum(cases) > 0
           order by 1, 3 desc, 2"#,
        schools
    )
    .fetch_all(pool)
    .await?;
    let (platforms, kinds): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.dim == "platform");
    Ok(Totals {
        cases: head.cases,
        referred: head.referred,
        platforms: platforms.into_iter().map(|r| (r.code, r.n)).collect(),
        kinds: kinds.into_iter().map(|r| (r.code, r.n)).collect(),
    })
}
