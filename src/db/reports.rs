//! Public reports. The school reads them through its `CaseScope`; the
//! reporter through a `ReporterAccess`, which only a follow-up code gives.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use crate::auth::CaseScope;
use crate::domain::case::{Platform, ReportStatus, ReporterKind};
use crate::domain::ids::{AccountId, CaseId, ReportId, SchoolId};
use crate::domain::status::CaseStatus;

/// A validated new report.
pub struct NewReport {
    /// The school concerned.
    pub school: SchoolId,
    /// Who reports.
    pub reporter_kind: ReporterKind,
    /// Whether someone is in danger.
    pub danger: bool,
    /// What happens.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Platform codes.
    pub platforms: Vec<String>,
    /// Kind codes.
    pub kinds: Vec<String>,
    /// The victim's first name.
    pub victim_first_name: String,
    /// The victim's class.
    pub victim_class: String,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// SHA-256 of the follow-up code.
    pub code_hash: Vec<u8>,
    /// When the school must have handled it.
    pub due_at: DateTime<Utc>,
}

/// Inserts a report; returns its id and reference.
pub async fn insert(tx: &mut Tx<'_>, r: &NewReport) -> sqlx::Result<(ReportId, String)> {
    let row = sqlx::query!(
        r#"insert into reports (id, reference, school_id, reporter_kind, danger, description, started_on, platforms,
                                kinds, victim_first_name, victim_class, contact_email, contact_phone, code_hash, due_at)
           values ($1, 'S' || to_char(now(), 'YYYY') || '-' || reference_number(nextval('report_reference_seq')),
                   $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           returning id as "id: ReportId", reference"#,
        ReportId::new().0,
        r.school.0,
        r.reporter_kind as ReporterKind,
        r.danger,
        r.description,
        r.started_on as Option<NaiveDate>,
        &r.platforms,
        &r.kinds,
        r.victim_first_name,
        r.victim_class,
        r.contact_email,
        r.contact_phone,
        r.code_hash,
        r.due_at as DateTime<Utc>
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.id, row.reference))
}

/// A stored evidence file of a report.
pub struct ReportFile<'a> {
    /// Storage key.
    pub storage_key: &'a str,
    /// Original name.
    pub original_name: &'a str,
    /// Detected MIME type.
    pub mime_type: &'a str,
    /// Size.
    pub size: i64,
    /// SHA-256.
    pub sha256: &'a str,
}

/// Records a file on a report.
pub async fn insert_evidence(
    tx: &mut Tx<'_>,
    report: ReportId,
    f: &ReportFile<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into report_evidence (id, report_id, storage_key, original_name, mime_type, size_bytes, sha256)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        Uuid::new_v4(),
        report.0,
        f.storage_key,
        f.original_name,
        f.mime_type,
        f.size,
        f.sha256
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Proof that the caller typed the report's follow-up code.
#[derive(Clone, Copy, Debug)]
pub struct ReporterAccess(ReportId);

impl ReporterAccess {
    /// The report.
    pub fn report(&self) -> ReportId {
        self.0
    }

    /// Rebuilds the access remembered in the reporter's session (it was
    /// granted by [`access_by_code`] in that session).
    pub fn from_session(id: ReportId) -> ReporterAccess {
        ReporterAccess(id)
    }
}

/// The report whose code hashes to `hash`.
pub async fn access_by_code(pool: &PgPool, hash: &[u8]) -> sqlx::Result<Option<ReporterAccess>> {
    let id = sqlx::query_scalar!(
        r#"select id as "id: ReportId" from reports where code_hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await?;
    Ok(id.map(ReporterAccess))
}

/// What the reporter sees.
pub struct FollowUp {
    /// Reference.
    pub reference: String,
    /// School name.
    pub school_name: String,
    /// Status.
    pub status: ReportStatus,
    /// When the school first opened it.
    pub seen_at: Option<DateTime<Utc>>,
    /// Why it was declined.
    pub decline_reason: Option<String>,
    /// Status of the case opened from it.
    pub case_status: Option<CaseStatus>,
    /// Whether the case went to e-Enfance.
    pub case_referred: bool,
    /// Received at.
    pub created_at: DateTime<Utc>,
    /// Decided at.
    pub decided_at: Option<DateTime<Utc>>,
}

/// The report as its reporter follows it.
pub async fn follow_up(pool: &PgPool, access: &ReporterAccess) -> sqlx::Result<Option<FollowUp>> {
    sqlx::query_as!(
        FollowUp,
        r#"select r.reference, s.name as school_name, r.status as "status: ReportStatus",
                  r.seen_at as "seen_at: DateTime<Utc>", r.decline_reason,
                  c.status as "case_status?: CaseStatus", (c.referred_at is not null) as "case_referred!",
                  r.created_at as "created_at: DateTime<Utc>", r.decided_at as "decided_at: DateTime<Utc>"
           from reports r join schools s on s.id = r.school_id left join cases c on c.id = r.case_id
           where r.id = $1"#,
        access.report().0
    )
    .fetch_optional(pool)
    .await
}

/// A message between the school and the reporter.
pub struct Message {
    /// From the school (true) or the reporter.
    pub from_school: bool,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The messages of a report the reporter follows.
pub async fn messages_for_reporter(
    pool: &PgPool,
    access: &ReporterAccess,
) -> sqlx::Result<Vec<Message>> {
    messages(pool, access.report()).await
}

async fn messages(pool: &PgPool, id: ReportId) -> sqlx::Result<Vec<Message>> {
    sqlx::query_as!(
        Message,
        r#"select (account_id is not null) as "from_school!", body, created_at as "created_at: DateTime<Utc>"
           from report_messages where report_id = $1 order by id"#,
        id.0
    )
    .fetch_all(pool)
    .await
}

/// Adds the reporter's information to their report.
pub async fn add_reporter_message(
    tx: &mut Tx<'_>,
    access: &ReporterAccess,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into report_messages (report_id, body) values ($1, $2)",
        access.report().0,
        body
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "update reports set last_activity_at = now() where id = $1",
        access.report().0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The case opened from a report, and the report's status (for the reporter's additions).
pub async fn reporter_state(
    tx: &mut Tx<'_>,
    access: &ReporterAccess,
) -> sqlx::Result<(ReportStatus, Option<CaseId>, Option<String>)> {
    let r = sqlx::query!(
        r#"select status as "status: ReportStatus", case_id as "case_id: CaseId", contact_email from reports where id = $1 for update"#,
        access.report().0
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((r.status, r.case_id, r.contact_email))
}

// ---------------------------------------------------------------- school side

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
pub async fn inbox(pool: &PgPool, scope: &CaseScope) -> sqlx::Result<Vec<InboxRow>> {
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
    /// Size for people.
    pub fn size_label(&self) -> String {
        crate::web::format::bytes(self.size_bytes)
    }

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

/// A report of the scope locked for a decision: its status and contact.
pub struct LockedReport {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: ReportStatus,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// School.
    pub school_id: SchoolId,
}

/// Locks a report of the scope.
pub async fn lock(
    tx: &mut Tx<'_>,
    scope: &CaseScope,
    id: ReportId,
) -> sqlx::Result<Option<LockedReport>> {
    sqlx::query_as!(
        LockedReport,
        r#"select reference, status as "status: ReportStatus", contact_email, school_id as "school_id: SchoolId"
           from reports where id = $1 and school_id = any($2) for update"#,
        id.0,
        scope.school_ids() as &[Uuid]
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Declines a locked report: the reason stays, what the reporter wrote and
/// sent does not (the storage keys of its files are returned for deletion).
pub async fn decline(tx: &mut Tx<'_>, id: ReportId, reason: &str) -> sqlx::Result<Vec<String>> {
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
pub async fn link_case(tx: &mut Tx<'_>, id: ReportId, case: CaseId) -> sqlx::Result<()> {
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
    id: ReportId,
    author: AccountId,
    body: &str,
) -> sqlx::Result<()> {
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
    id: ReportId,
) -> sqlx::Result<Vec<ReportEvidence>> {
    sqlx::query_as!(
        ReportEvidence,
        r#"select id, storage_key, original_name, mime_type, size_bytes, sha256, added_at as "added_at: DateTime<Utc>"
           from report_evidence where report_id = $1 order by seq"#,
        id.0
    )
    .fetch_all(&mut **tx)
    .await
}

// ---------------------------------------------------------------- overdue job

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
