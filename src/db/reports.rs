//! Public reports. The school reads them through its `CaseScope`; the
//! reporter through a `ReporterAccess`, which only a follow-up code gives.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use crate::domain::case::{ReportStatus, ReporterKind};
use crate::domain::ids::{ReportId, SchoolId};
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
    /// Sent in a burst to this school.
    pub suspected_flood: bool,
}

/// Inserts a report; returns its id and reference.
pub async fn insert(tx: &mut Tx<'_>, r: &NewReport) -> sqlx::Result<(ReportId, String)> {
    let row = sqlx::query!(
        r#"insert into reports (id, reference, school_id, reporter_kind, danger, description, started_on, platforms,
                                kinds, victim_first_name, victim_class, contact_email, contact_phone, code_hash, due_at,
                                suspected_flood)
           values ($1, 'S' || to_char(now(), 'YYYY') || '-' || reference_number(nextval('report_reference_seq')),
                   $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
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
        r.due_at as DateTime<Utc>,
        r.suspected_flood
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
    /// Id.
    pub id: i64,
    /// Attached to the case by the school (a reporter's message).
    pub attached: bool,
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

pub(super) async fn messages(pool: &PgPool, id: ReportId) -> sqlx::Result<Vec<Message>> {
    sqlx::query_as!(
        Message,
        r#"select id, (attached_at is not null) as "attached!", (account_id is not null) as "from_school!",
                  body, created_at as "created_at: DateTime<Utc>"
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

/// Locks the report the reporter follows and gives its status (for their
/// additions).
pub async fn lock_for_reporter(
    tx: &mut Tx<'_>,
    access: &ReporterAccess,
) -> sqlx::Result<ReportStatus> {
    sqlx::query_scalar!(
        r#"select status as "status: ReportStatus" from reports where id = $1 for update"#,
        access.report().0
    )
    .fetch_one(&mut **tx)
    .await
}

/// How many reports `school` received since `since` (flood detection).
pub async fn count_since(
    tx: &mut Tx<'_>,
    school: SchoolId,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from reports where school_id = $1 and created_at >= $2"#,
        school.0,
        since as DateTime<Utc>
    )
    .fetch_one(&mut **tx)
    .await
}

/// Takes the hourly flood digest of `school`: true (and recorded) when none
/// went out within the last hour.
pub async fn claim_digest(tx: &mut Tx<'_>, school: SchoolId) -> sqlx::Result<bool> {
    let claimed = sqlx::query_scalar!(
        r#"insert into school_digests (school_id, last_sent_at) values ($1, now())
           on conflict (school_id) do update set last_sent_at = now()
             where school_digests.last_sent_at < now() - interval '1 hour'
           returning true as "claimed!""#,
        school.0
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(claimed.is_some())
}

/// Whether a receipt went to `address` within the last hour.
pub async fn receipt_sent_recently(tx: &mut Tx<'_>, address: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from outbox where kind = 'report_receipt' and to_address = $1
                         and created_at > now() - interval '1 hour') as "sent!""#,
        address
    )
    .fetch_one(&mut **tx)
    .await
}

/// The files a report holds in all: (count, bytes).
pub async fn file_totals(tx: &mut Tx<'_>, access: &ReporterAccess) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"select count(*) as "n!", coalesce(sum(size_bytes), 0)::bigint as "bytes!"
           from report_evidence where report_id = $1"#,
        access.report().0
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((r.n, r.bytes))
}
