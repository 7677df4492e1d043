//! Reads and writes of the background jobs, which act for no caller and so
//! have no scope: overdue reports. Nothing here is reachable from a request.

use chrono::{DateTime, Utc};

use super::Tx;
use crate::domain::ids::ReportId;

/// A report past its deadline that nobody was told about yet.
pub struct Overdue {
    /// Id.
    pub id: ReportId,
    /// Reference.
    pub reference: String,
    /// School name.
    pub school_name: String,
    /// School UAI.
    pub uai: String,
    /// Danger.
    pub danger: bool,
}

/// Takes the overdue reports not yet notified (skipping those another worker holds).
pub async fn claim_overdue(tx: &mut Tx<'_>, now: DateTime<Utc>) -> sqlx::Result<Vec<Overdue>> {
    sqlx::query_as!(
        Overdue,
        r#"select r.id as "id: ReportId", r.reference, s.name as school_name, s.uai, r.danger
           from reports r join schools s on s.id = r.school_id
           where r.status = 'received' and r.overdue_notified_at is null and r.due_at <= $1
           order by r.due_at limit 100
           for update of r skip locked"#,
        now as DateTime<Utc>
    )
    .fetch_all(&mut **tx)
    .await
}

/// Records that the helpline was told about an overdue report.
pub async fn mark_notified(tx: &mut Tx<'_>, id: ReportId) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set overdue_notified_at = now() where id = $1",
        id.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored file as the database knows it.
pub struct StoredFile {
    /// Its storage key.
    pub storage_key: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size_bytes: i64,
}

/// Stored files (evidence of cases and of reports) after `after` in key
/// order, `n` at most: every file walked once, page by page.
pub async fn stored_files(
    pool: &sqlx::PgPool,
    after: &str,
    n: i64,
) -> sqlx::Result<Vec<StoredFile>> {
    sqlx::query_as!(
        StoredFile,
        r#"select storage_key as "storage_key!", sha256 as "sha256!", size_bytes as "size_bytes!" from (
               select storage_key, sha256, size_bytes from evidence where storage_key > $1
               union all
               select storage_key, sha256, size_bytes from report_evidence where storage_key > $1
           ) f order by storage_key limit $2"#,
        after,
        n
    )
    .fetch_all(pool)
    .await
}
