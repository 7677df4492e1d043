//! The school's side of public reports: the inbox, a report read in scope,
//! and the decisions on a locked report. Every function is scoped.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use super::reports::Message;
use crate::auth::CaseScope;
use crate::domain::case::{Platform, ReportStatus, ReporterKind};
use crate::domain::ids::{AccountId, CaseId, ReportId, SchoolId};

/// A report in the school's inbox.
pub struct InboxRow {
    /// Id.
    pub id: ReportId,
    /// Reference.
    pub reference: String,
    /// School name.
    pub school_name: String,
    /// Who reported.
    pub reporter_kind: ReporterKind,
    /// Danger.
    pub danger: bool,
    /// Status.
    pub status: ReportStatus,
    /// Opened by the school already.
    pub seen: bool,
    /// Past its deadline and not handled.
    pub overdue: bool,
    /// Received at.
    pub created_at: DateTime<Utc>,
}

/// The scope's reports: those to handle first (danger, oldest), then the rest.
pub async fn list(pool: &PgPool, scope: &CaseScope) -> sqlx::Result<Vec<InboxRow>> {
    sqlx::query_as!(
        InboxRow,
        r#"select r.id as "id: ReportId", r.reference, s.name as school_name, r.reporter_kind as "reporter_kind: ReporterKind",
                  r.danger, r.status as "status: ReportStatus", (r.seen_at is not null) as "seen!",
                  (r.status = 'received' and r.due_at < now()) as "overdue!", r.created_at as "created_at: DateTime<Utc>"
           from reports r join schools s on s.id = r.school_id
           where r.school_id = any($1)
           order by (r.status = 'received') desc, r.danger desc, r.created_at
           limit 200"#,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await
}

/// Number of reports waiting for a decision.
pub async fn count_waiting(pool: &PgPool, scope: &CaseScope) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from reports where school_id = any($1) and status = 'received'"#,
        scope.school_ids() as &[Uuid]
    )
    .fetch_one(pool)
    .await
}

/// A report as the school reads it.
pub struct ReportDetail {
    /// Id.
    pub id: ReportId,
    /// Reference.
    pub reference: String,
    /// School.
    pub school_id: SchoolId,
    /// School name.
    pub school_name: String,
    /// Who reported.
    pub reporter_kind: ReporterKind,
    /// Danger.
    pub danger: bool,
    /// Facts.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Platforms.
    pub platforms: Vec<String>,
    /// Kinds.
    pub kinds: Vec<String>,
    /// Victim's first name.
    pub victim_first_name: String,
    /// Victim's class.
    pub victim_class: String,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Status.
    pub status: ReportStatus,
    /// Decline reason.
    pub decline_reason: Option<String>,
    /// Linked case.
    pub case_id: Option<CaseId>,
    /// Received at.
    pub created_at: DateTime<Utc>,
    /// Deadline.
    pub due_at: DateTime<Utc>,
}

impl ReportDetail {
    /// Labels of the platforms.
    pub fn platform_labels(&self) -> String {
        self.platforms
            .iter()
            .map(|p| Platform::label_of(p))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Labels of the kinds.
    pub fn kind_labels(&self) -> String {
        self.kinds
            .iter()
            .map(|k| crate::domain::case::HarassmentKind::label_of(k))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One report of the scope's schools.
pub async fn get(
    pool: &PgPool,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Option<ReportDetail>> {
    sqlx::query_as!(
        ReportDetail,
        r#"select r.id as "id: ReportId", r.reference, r.school_id as "school_id: SchoolId", s.name as school_name,
                  r.reporter_kind as "reporter_kind: ReporterKind", r.danger, r.description,
                  r.started_on as "started_on: NaiveDate", r.platforms, r.kinds, r.victim_first_name, r.victim_class,
                  r.contact_email, r.contact_phone, r.status as "status: ReportStatus", r.decline_reason,
                  r.case_id as "case_id: CaseId", r.created_at as "created_at: DateTime<Utc>", r.due_at as "due_at: DateTime<Utc>"
           from reports r join schools s on s.id = r.school_id
           where r.id = $1 and r.school_id = any($2)"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_optional(pool)
    .await
}

/// The messages of a report of the scope's schools.
pub async fn messages_for_school(
    pool: &PgPool,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Vec<Message>> {
    sqlx::query_as!(
        Message,
        r#"select (m.account_id is not null) as "from_school!", m.body, m.created_at as "created_at: DateTime<Utc>"
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
        r#"select e.id, e.storage_key, e.original_name, e.mime_type, e.size_bytes, e.sha256, e.added_at as "added_at: DateTime<Utc>"
           from report_evidence e join reports r on r.id = e.report_id
           where e.report_id = $1 and r.school_id = any($2) order by e.seq"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await
}

/// Marks a report of the scope as opened by the school (first time only).
pub async fn mark_seen(pool: &PgPool, scope: &CaseScope, id: ReportId) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set seen_at = now() where id = $1 and school_id = any($2) and seen_at is null",
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A report of the caller's scope locked (`FOR UPDATE`) for a decision.
/// Only [`lock`] makes one; every school-side write to a report takes it.
pub struct LockedReport {
    id: ReportId,
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: ReportStatus,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// School.
    pub school_id: SchoolId,
}

impl LockedReport {
    /// The report's id.
    pub fn id(&self) -> ReportId {
        self.id
    }
}

/// Locks a report of the scope.
pub async fn lock(
    tx: &mut Tx<'_>,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Option<LockedReport>> {
    sqlx::query_as!(
        LockedReport,
        r#"select id as "id: ReportId", reference, status as "status: ReportStatus", contact_email, school_id as "school_id: SchoolId"
           from reports where id = $1 and school_id = any($2) for update"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Declines a locked report: the reason stays, what the reporter wrote and
/// sent does not (the storage keys of its files are returned for deletion).
pub async fn decline(
    tx: &mut Tx<'_>,
    report: &LockedReport,
    reason: &str,
) -> sqlx::Result<Vec<String>> {
    let id = report.id;
    let keys = sqlx::query_scalar!(
        "delete from report_evidence where report_id = $1 returning storage_key",
        id.0
    )
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query!(
        r#"update reports set status = 'declined', decided_at = now(), decline_reason = $2, last_activity_at = now(),
               description = '', victim_first_name = '', victim_class = '', platforms = '{}', kinds = '{}',
               started_on = null, contact_email = null, contact_phone = null
           where id = $1"#,
        id.0,
        reason
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from report_messages where report_id = $1", id.0)
        .execute(&mut **tx)
        .await?;
    Ok(keys)
}

/// Links a locked report to the case opened from it.
pub async fn link_case(
    tx: &mut Tx<'_>,
    report: &LockedReport,
    case: &LockedCase,
) -> sqlx::Result<()> {
    let (id, case) = (report.id, case.id());
    sqlx::query!(
        "update reports set status = 'case_opened', case_id = $2, decided_at = now(), last_activity_at = now() where id = $1",
        id.0,
        case.0
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "update cases set report_id = $1 where id = $2",
        id.0,
        case.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The school writes to the reporter.
pub async fn add_school_message(
    tx: &mut Tx<'_>,
    report: &LockedReport,
    author: AccountId,
    body: &str,
) -> sqlx::Result<()> {
    let id = report.id;
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
    let id = report.id;
    sqlx::query_as!(
        ReportEvidence,
        r#"select id, storage_key, original_name, mime_type, size_bytes, sha256, added_at as "added_at: DateTime<Utc>"
           from report_evidence where report_id = $1 order by seq"#,
        id.0
    )
    .fetch_all(&mut **tx)
    .await
}
