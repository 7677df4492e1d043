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
