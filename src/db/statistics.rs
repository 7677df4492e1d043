//! National and académie statistics, read from the rollups (migration
//! 0019) that the retention purge never touches: counts by month and
//! dimension, no case, no name. Changes reach them through
//! [`refresh`], run by the background jobs (and by the purge for the cases
//! it deletes).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// Months of the monthly chart (three years).
pub const MONTHS: i32 = 36;

/// Cases and reports folded per round of [`refresh`].
const BATCH: i32 = 500;

/// Folds every marked change into the counts, a batch per transaction (a
/// case being changed right now waits for the next call). Returns how many
/// cases and reports were looked at again.
pub async fn refresh(pool: &PgPool) -> sqlx::Result<i64> {
    let mut total = 0;
    loop {
        let n = sqlx::query_scalar!(r#"select stat_refresh_dirty($1) as "n!""#, BATCH)
            .fetch_one(pool)
            .await?;
        total += i64::from(n);
        if n < BATCH {
            return Ok(total);
        }
    }
}

/// Counts at once every case, report and request not counted yet (after a
/// bulk seeding).
pub async fn fold_new(pool: &PgPool) -> sqlx::Result<i64> {
    let n = sqlx::query_scalar!(r#"select stat_fold_new() as "n!""#)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Folds the last state of `cases` and `reports` into the counts before the
/// purge deletes them in the same transaction (which holds their rows).
pub async fn fold_purged(
    tx: &mut super::Tx<'_>,
    cases: &[uuid::Uuid],
    reports: &[uuid::Uuid],
) -> sqlx::Result<()> {
    sqlx::query_scalar!(r#"select stat_fold_purged($1, $2) as "n!""#, cases, reports)
        .fetch_one(&mut **tx)
        .await?;
    Ok(())
}

/// When the counts were last brought up to date.
pub async fn refreshed_at(pool: &PgPool) -> sqlx::Result<DateTime<Utc>> {
    sqlx::query_scalar!(r#"select refreshed_at as "t: DateTime<Utc>" from stat_state"#)
        .fetch_one(pool)
        .await
}

/// Months `[from, until)`: a calendar year, or the chart's three years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day of the first month.
    pub from: NaiveDate,
    /// First day of the month after the last.
    pub until: NaiveDate,
}

/// Cases filed in one month.
pub struct Month {
    /// Its first day (Paris time).
    pub first: NaiveDate,
    /// Cases filed.
    pub cases: i64,
    /// Of which referred to e-Enfance.
    pub referred: i64,
}

/// Cases per month of `period` in `academies` (all when `None`), every
/// month listed (zero when none).
pub async fn per_month(
    pool: &PgPool,
    academies: Option<&[String]>,
    period: Period,
) -> sqlx::Result<Vec<Month>> {
    sqlx::query_as!(
        Month,
        r#"select m.first::date as "first!: NaiveDate",
                  coalesce(sum(s.cases), 0)::bigint as "cases!",
                  coalesce(sum(s.cases) filter (where s.code = 'true'), 0)::bigint as "referred!"
           from generate_series($1::date, $2::date - 1, interval '1 month') as m(first)
           left join stat_case_counts s on s.month = m.first::date and s.dim = 'referred'
                                       and ($3::text[] is null or s.academie = any($3))
           group by m.first order by m.first"#,
        period.from as NaiveDate,
        period.until as NaiveDate,
        academies as Option<&[String]>
    )
    .fetch_all(pool)
    .await
}

/// One count of a breakdown: what is counted (`academie`, `school_type`,
/// `victim_kind`, `urgency`, `origin`, `outcome`, `referred`, `platform`,
/// `kind`), its value's code, how many cases.
pub struct Count {
    /// The dimension.
    pub dim: String,
    /// The value's code.
    pub code: String,
    /// Cases.
    pub n: i64,
}

/// Cases filed in `period` in `academies`, counted along every dimension
/// (largest first); a case names several platforms and kinds.
pub async fn breakdown(
    pool: &PgPool,
    academies: Option<&[String]>,
    period: Period,
) -> sqlx::Result<Vec<Count>> {
    sqlx::query_as!(
        Count,
        r#"select dim as "dim!", code as "code!", sum(cases)::bigint as "n!"
           from stat_case_counts
           where month >= $1 and month < $2 and ($3::text[] is null or academie = any($3))
           group by dim, code having sum(cases) > 0
           union all
           select 'academie', academie, sum(cases)::bigint
           from stat_case_counts
           where month >= $1 and month < $2 and ($3::text[] is null or academie = any($3))
             and dim = 'referred'
           group by academie having sum(cases) > 0
           order by 1, 3 desc, 2"#,
        period.from as NaiveDate,
        period.until as NaiveDate,
        academies as Option<&[String]>
    )
    .fetch_all(pool)
    .await
}

/// The helpline's delays for cases filed in `period`: (measure `claim` or
/// `return`, minutes on its service clock, cases).
pub async fn delays(
    pool: &PgPool,
    academies: Option<&[String]>,
    period: Period,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query!(
        r#"select measure as "measure!", minutes::bigint as "minutes!", sum(cases)::bigint as "n!"
           from stat_delays
           where month >= $1 and month < $2 and ($3::text[] is null or academie = any($3))
           group by measure, minutes"#,
        period.from as NaiveDate,
        period.until as NaiveDate,
        academies as Option<&[String]>
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.measure, r.minutes, r.n))
        .collect())
}

/// Reports sent in `period` to schools of `academies`, along `status`
/// (`received`, `case_opened`, `declined`), `overdue` (`true` when the
/// school's deadline passed undecided) and `origin` (who reported).
pub async fn reports(
    pool: &PgPool,
    academies: Option<&[String]>,
    period: Period,
) -> sqlx::Result<Vec<Count>> {
    sqlx::query_as!(
        Count,
        r#"select case when grouping(status) = 0 then 'status'
                       when grouping(overdue) = 0 then 'overdue'
                       else 'origin' end as "dim!",
                  coalesce(status::text, overdue::text, origin::text) as "code!",
                  sum(reports)::bigint as "n!"
           from stat_reports
           where month >= $1 and month < $2 and ($3::text[] is null or academie = any($3))
           group by grouping sets ((status), (overdue), (origin))
           order by 1, 3 desc"#,
        period.from as NaiveDate,
        period.until as NaiveDate,
        academies as Option<&[String]>
    )
    .fetch_all(pool)
    .await
}
