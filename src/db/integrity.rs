//! Evidence integrity (system work, no caller scope): when files were last
//! found intact, the alerts for files found missing or altered, and the
//! runs of the full verification.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What is wrong with a stored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The store does not have it.
    Missing,
    /// Its bytes no longer have the SHA-256 recorded at upload.
    Altered,
}

impl Problem {
    fn code(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Altered => "altered",
        }
    }
}

/// The files of `keys` were found intact at `at`: recorded, and any alert
/// about them withdrawn (a file restored from a backup).
pub async fn intact(pool: &PgPool, keys: &[String], at: DateTime<Utc>) -> sqlx::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"insert into file_checks (storage_key, verified_at) select unnest($1::text[]), $2
           on conflict (storage_key) do update set verified_at = excluded.verified_at"#,
        keys,
        at as DateTime<Utc>
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from integrity_alerts where storage_key = any($1)",
        keys
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The file is gone from the store: its check record goes too.
pub async fn forget(db: impl sqlx::PgExecutor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query!("delete from file_checks where storage_key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}

/// Raises (or refreshes) the alert for a file found missing or altered.
pub async fn alert(
    pool: &PgPool,
    key: &str,
    problem: Problem,
    by_download: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into integrity_alerts (storage_key, case_id, report_id, problem, found_by)
           select $1, (select case_id from evidence where storage_key = $1),
                  (select report_id from report_evidence where storage_key = $1), $2, $3
           on conflict (storage_key) do update
           set problem = excluded.problem, found_by = excluded.found_by, detected_at = now()"#,
        key,
        problem.code(),
        if by_download {
            "download"
        } else {
            "verification"
        }
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// An alert as administrators see it: where, what, when — no content, no
/// file name.
pub struct Alert {
    /// The case's reference, if the file is a case's.
    pub case_reference: Option<String>,
    /// The school's UAI.
    pub uai: Option<String>,
    /// `missing` or `altered`.
    pub problem: String,
    /// `download` or `verification`.
    pub found_by: String,
    /// When.
    pub detected_at: DateTime<Utc>,
}

impl Alert {
    /// French label of the problem.
    pub fn problem_label(&self) -> &'static str {
        if self.problem == "missing" {
            "fichier introuvable"
        } else {
            "contenu modifié"
        }
    }

    /// French label of how it was found.
    pub fn found_label(&self) -> &'static str {
        if self.found_by == "download" {
            "au téléchargement"
        } else {
            "à la vérification"
        }
    }
}

/// The most recent alerts, and how many there are.
pub async fn alerts(pool: &PgPool, n: i64) -> sqlx::Result<(Vec<Alert>, i64)> {
    let list = sqlx::query_as!(
        Alert,
        r#"select c.reference as "case_reference?", s.uai as "uai?", a.problem, a.found_by,
                  a.detected_at as "detected_at: DateTime<Utc>"
           from integrity_alerts a
           left join cases c on c.id = a.case_id
           left join reports r on r.id = a.report_id
           left join schools s on s.id = coalesce(c.school_id, r.school_id)
           order by a.detected_at desc limit $1"#,
        n
    )
    .fetch_all(pool)
    .await?;
    let count = sqlx::query_scalar!(r#"select count(*) as "n!" from integrity_alerts"#)
        .fetch_one(pool)
        .await?;
    Ok((list, count))
}

/// A finished run of the full verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Files checked.
    pub checked: i32,
    /// Files missing.
    pub missing: i32,
    /// Files altered.
    pub altered: i32,
}

/// Records a run.
pub async fn record_run(pool: &PgPool, run: &Run) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into verification_runs (started_at, checked, missing, altered) values ($1, $2, $3, $4)",
        run.started_at as DateTime<Utc>,
        run.checked,
        run.missing,
        run.altered
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The last run, if any.
pub async fn last_run(pool: &PgPool) -> sqlx::Result<Option<Run>> {
    sqlx::query_as!(
        Run,
        r#"select started_at as "started_at: DateTime<Utc>", checked, missing, altered
           from verification_runs order by started_at desc limit 1"#
    )
    .fetch_optional(pool)
    .await
}

/// Takes the verification for this process if no other holds it (a
/// session-level advisory lock on `conn`, released by `release`).
pub async fn try_hold(conn: &mut sqlx::PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"select pg_try_advisory_lock(7482001) as "held!""#)
        .fetch_one(conn)
        .await
}

/// Releases what `try_hold` took.
pub async fn release(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    sqlx::query_scalar!(r#"select pg_advisory_unlock(7482001) as "released!""#)
        .fetch_one(conn)
        .await?;
    Ok(())
}
