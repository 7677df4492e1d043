//! The school's side of public reports: the inbox, a report read in scope,
//! and the decisions on a locked report. Every function is scoped.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use crate::auth::CaseScope;
use crate::domain::case::{Platform, ReportStatus, ReporterKind};
use crate::domain::ids::{CaseId, ReportId, SchoolId};

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
    /// Sent in a burst to this school: perhaps not genuine.
    pub suspected_flood: bool,
    /// Received at.
    pub created_at: DateTime<Utc>,
    /// Place in the inbox order.
    pub rank: i32,
}

impl InboxRow {
    /// Where the next page starts if this is the last row of a page.
    pub fn cursor(&self) -> InboxCursor {
        InboxCursor {
            rank: self.rank,
            at: self.created_at,
            id: self.id,
        }
    }
}

/// Where an inbox page starts (undecided first; danger, then genuine
/// before suspected floods; oldest first).
pub type InboxCursor = super::RankCursor<ReportId>;

/// Rows per inbox page.
pub const INBOX_PAGE: i64 = 50;

/// One page of the scope's reports, in the given status or all: undecided
/// first, danger first among them, suspected floods after genuine reports,
/// oldest first; then decided ones.
pub async fn list(
    pool: &PgPool,
    scope: &CaseScope,
    status: Option<ReportStatus>,
    after: Option<InboxCursor>,
) -> sqlx::Result<Vec<InboxRow>> {
    sqlx::query_as!(
        InboxRow,
        r#"select * from (
             select r.id as "id: ReportId", r.reference, s.name as school_name,
                    r.reporter_kind as "reporter_kind: ReporterKind",
                    r.danger, r.status as "status: ReportStatus", (r.seen_at is not null) as "seen!",
                    (r.status = 'received' and r.due_at < now()) as "overdue!", r.suspected_flood,
                    r.created_at as "created_at: DateTime<Utc>",
                    ((r.status <> 'received')::int * 4 + (not r.danger)::int * 2 + r.suspected_flood::int) as "rank!"
             from reports r join schools s on s.id = r.school_id
             where r.school_id = any($1) and ($2::report_status is null or r.status = $2)
           ) page
           where ($3::int is null or ("rank!", "created_at: DateTime<Utc>", "id: ReportId") > ($3, $4, $5))
           order by "rank!", "created_at: DateTime<Utc>", "id: ReportId"
           limit $6"#,
        scope.school_ids() as &[Uuid],
        status as Option<ReportStatus>,
        after.map(|c| c.rank),
        after.map(|c| c.at) as Option<DateTime<Utc>>,
        after.map(|c| c.id.0),
        INBOX_PAGE
    )
    .fetch_all(pool)
    .await
}

/// How many of the scope's reports are in each status, and how many
/// undecided ones are suspected floods.
pub async fn counts(
    pool: &PgPool,
    scope: &CaseScope,
) -> sqlx::Result<(Vec<(ReportStatus, i64)>, i64)> {
    let rows = sqlx::query!(
        r#"select status as "status: ReportStatus", count(*) as "n!",
                  count(*) filter (where suspected_flood) as "flood!"
           from reports where school_id = any($1) group by status"#,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await?;
    let flood = rows
        .iter()
        .filter(|r| r.status == ReportStatus::Received)
        .map(|r| r.flood)
        .sum();
    Ok((rows.into_iter().map(|r| (r.status, r.n)).collect(), flood))
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
