//! What the school and a reporter exchange about a report: messages both
//! ways, the report's files, and attaching what the reporter added to the
//! case opened from it. Every function is scoped (a `CaseScope`, or a
//! locked report or case).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use super::inbox::LockedReport;
use super::reports::Message;
use crate::auth::CaseScope;
use crate::domain::ids::{AccountId, ReportId};

/// The messages of a report of the scope's schools.
pub async fn messages_for_school(
    pool: &PgPool,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Vec<Message>> {
    sqlx::query_as!(
        Message,
        r#"select m.id, (m.attached_at is not null) as "attached!", (m.account_id is not null) as "from_school!",
                  m.body, m.created_at as "created_at: DateTime<Utc>"
           from report_messages m join reports r on r.id = m.report_id
           where m.report_id = $1 and r.school_id = any($2) order by m.id"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await
}

/// A report file as listed.
pub struct ReportEvidence {
    /// Id.
    pub id: Uuid,
    /// Storage key.
    pub storage_key: String,
    /// Name.
    pub original_name: String,
    /// MIME.
    pub mime_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256.
    pub sha256: String,
    /// Added at.
    pub added_at: DateTime<Utc>,
    /// Copied into the case opened from the report.
    pub attached: bool,
}

impl ReportEvidence {
    /// Type label.
    pub fn type_label(&self) -> &'static str {
        crate::domain::upload::FileType::from_mime(&self.mime_type)
            .map(|t| t.label())
            .unwrap_or("Fichier")
    }
}

/// The files of a report of the scope's schools.
pub async fn evidence(
    pool: &PgPool,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Vec<ReportEvidence>> {
    sqlx::query_as!(
        ReportEvidence,
        r#"select e.id, e.storage_key, e.original_name, e.mime_type, e.size_bytes, e.sha256, e.added_at as "added_at: DateTime<Utc>",
                  (e.attached_at is not null) as "attached!"
           from report_evidence e join reports r on r.id = e.report_id
           where e.report_id = $1 and r.school_id = any($2) order by e.seq"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await
}

/// The school writes to the reporter.
pub async fn add_school_message(
    tx: &mut Tx<'_>,
    report: &LockedReport,
    author: AccountId,
    body: &str,
) -> sqlx::Result<()> {
    let id = report.id();
    sqlx::query!(
        "insert into report_messages (report_id, account_id, body) values ($1, $2, $3)",
        id.0,
        author.0,
        body
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "update reports set last_activity_at = now() where id = $1",
        id.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The files of a report, for copying into the case opened from it (locked report).
pub async fn evidence_of_locked(
    tx: &mut Tx<'_>,
    report: &LockedReport,
) -> sqlx::Result<Vec<ReportEvidence>> {
    let id = report.id();
    sqlx::query_as!(
        ReportEvidence,
        r#"select id, storage_key, original_name, mime_type, size_bytes, sha256, added_at as "added_at: DateTime<Utc>",
                  (attached_at is not null) as "attached!"
           from report_evidence where report_id = $1 order by seq"#,
        id.0
    )
    .fetch_all(&mut **tx)
    .await
}

/// Marks a report's files as copied into the case opened from it.
pub async fn mark_files_attached(tx: &mut Tx<'_>, report: &LockedReport) -> sqlx::Result<()> {
    sqlx::query!(
        "update report_evidence set attached_at = now() where report_id = $1 and attached_at is null",
        report.id().0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a message the reporter added to the report the locked case was
/// opened from, to attach it to the case (once): its text, or `None` when
/// there is no such message left to attach.
pub async fn take_message(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update report_messages m set attached_at = now()
           from reports r
           where m.id = $1 and r.id = m.report_id and r.case_id = $2
             and m.account_id is null and m.attached_at is null
           returning m.body"#,
        id,
        case.id().0
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Takes a file the reporter added to the report the locked case was opened
/// from, to copy it into the case (once).
pub async fn take_file(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    id: Uuid,
) -> sqlx::Result<Option<ReportEvidence>> {
    sqlx::query_as!(
        ReportEvidence,
        r#"update report_evidence e set attached_at = now()
           from reports r
           where e.id = $1 and r.id = e.report_id and r.case_id = $2 and e.attached_at is null
           returning e.id, e.storage_key, e.original_name, e.mime_type, e.size_bytes, e.sha256,
                     e.added_at as "added_at: DateTime<Utc>", true as "attached!""#,
        id,
        case.id().0
    )
    .fetch_optional(&mut **tx)
    .await
}
