//! Cases, their alleged authors and online targets. Every function is scoped.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Tx;
use crate::auth::CaseScope;
use crate::domain::case::{AuthorKind, CaseOutcome, HarassmentKind, Platform, Urgency, VictimKind};
use crate::domain::ids::{AccountId, CaseId, SchoolId, TargetId};
use crate::domain::status::CaseStatus;

/// A validated new case.
pub struct NewCase {
    /// The school that owns it (must be in the caller's scope).
    pub school: SchoolId,
    /// Urgency.
    pub urgency: Urgency,
    /// Pupil or staff.
    pub victim_kind: VictimKind,
    /// Name or initials.
    pub victim_name: String,
    /// Class (pupil) or function (staff).
    pub victim_group: String,
    /// What happens.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Where.
    pub platforms: Vec<Platform>,
    /// What kinds.
    pub kinds: Vec<HarassmentKind>,
    /// The guide's checklist: victim secured, evidence preserved, families
    /// informed, authorities told.
    pub checklist: [bool; 4],
}

/// A new alleged author.
pub struct NewAuthor {
    /// Kind.
    pub kind: AuthorKind,
    /// Name, if known.
    pub name: String,
    /// Class, if a pupil.
    pub group: String,
}

/// Inserts a case for a school in scope; returns its id and reference.
pub async fn insert_case(
    tx: &mut Tx<'_>,
    scope: &CaseScope,
    case: &NewCase,
) -> sqlx::Result<(CaseId, String)> {
    if !scope.covers_school(case.school) {
        return Err(sqlx::Error::RowNotFound);
    }
    let platforms: Vec<String> = case.platforms.iter().map(|p| p.code().to_owned()).collect();
    let kinds: Vec<String> = case.kinds.iter().map(|k| k.code().to_owned()).collect();
    let row = sqlx::query!(
        r#"insert into cases (id, reference, school_id, urgency, victim_kind, victim_name, victim_group,
                              description, started_on, platforms, kinds, victim_secured,
                              evidence_preserved, families_informed, authorities_told, created_by)
           values ($1, to_char(now(), 'YYYY') || '-' || reference_number(nextval('case_reference_seq')),
                   $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           returning id as "id: CaseId", reference"#,
        CaseId::new().0,
        case.school.0,
        case.urgency as Urgency,
        case.victim_kind as VictimKind,
        case.victim_name,
        case.victim_group,
        case.description,
        case.started_on as Option<NaiveDate>,
        &platforms,
        &kinds,
        case.checklist[0],
        case.checklist[1],
        case.checklist[2],
        case.checklist[3],
        scope.actor().0,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.id, row.reference))
}

/// Adds an alleged author to a locked case.
pub async fn insert_author(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    author: &NewAuthor,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into case_authors (id, case_id, position, kind, name, group_name)
           values ($1, $2, (select coalesce(max(position), 0) + 1 from case_authors where case_id = $2), $3, $4, $5)"#,
        Uuid::new_v4(),
        case.id.0,
        author.kind.code(),
        author.name,
        author.group
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds an online target to a locked case.
pub async fn insert_target(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    actor: AccountId,
    platform: Platform,
    target: &str,
) -> sqlx::Result<TargetId> {
    sqlx::query_scalar!(
        r#"insert into online_targets (id, case_id, platform, target, added_by) values ($1, $2, $3, $4, $5)
           returning id as "id: TargetId""#,
        TargetId::new().0,
        case.id.0,
        platform.code(),
        target,
        actor.0
    )
    .fetch_one(&mut **tx)
    .await
}

/// Everything shown at the top of a case page.
pub struct CaseDetail {
    /// Id.
    pub id: CaseId,
    /// Reference.
    pub reference: String,
    /// School.
    pub school_id: SchoolId,
    /// School name.
    pub school_name: String,
    /// School UAI.
    pub school_uai: String,
    /// Status.
    pub status: CaseStatus,
    /// Urgency.
    pub urgency: Urgency,
    /// Pupil or staff.
    pub victim_kind: VictimKind,
    /// Name or initials.
    pub victim_name: String,
    /// Class or function.
    pub victim_group: String,
    /// Facts.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Platform codes.
    pub platforms: Vec<String>,
    /// Kind codes.
    pub kinds: Vec<String>,
    /// Checklist as ticked at opening.
    pub victim_secured: bool,
    /// Checklist.
    pub evidence_preserved: bool,
    /// Checklist.
    pub families_informed: bool,
    /// Checklist.
    pub authorities_told: bool,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Last event at.
    pub last_activity_at: DateTime<Utc>,
    /// Referred at, if referred.
    pub referred_at: Option<DateTime<Utc>>,
    /// Claiming agent.
    pub claimed_by: Option<AccountId>,
    /// Claiming agent's name.
    pub claimed_by_name: Option<String>,
    /// Closed at.
    pub closed_at: Option<DateTime<Utc>>,
    /// Outcome code, if closed.
    pub outcome: Option<String>,
    /// Kept for disciplinary or judicial proceedings: never purged.
    pub legal_hold: bool,
}

/// One case in scope.
pub async fn get_case(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    id: CaseId,
) -> sqlx::Result<Option<CaseDetail>> {
    sqlx::query_as!(
        CaseDetail,
        r#"select c.id as "id: CaseId", c.reference, c.school_id as "school_id: SchoolId",
                  s.name as school_name, s.uai as school_uai,
                  c.status as "status: CaseStatus", c.urgency as "urgency: Urgency",
                  c.victim_kind as "victim_kind: VictimKind", c.victim_name, c.victim_group,
                  c.description, c.started_on as "started_on: NaiveDate", c.platforms, c.kinds,
                  c.victim_secured, c.evidence_preserved, c.families_informed, c.authorities_told,
                  c.created_at as "created_at: DateTime<Utc>", c.last_activity_at as "last_activity_at: DateTime<Utc>",
                  c.referred_at as "referred_at: DateTime<Utc>", c.claimed_by as "claimed_by: AccountId",
                  a.display_name as "claimed_by_name?", c.closed_at as "closed_at: DateTime<Utc>", c.outcome,
                  c.legal_hold
           from cases c
           join schools s on s.id = c.school_id
           left join accounts a on a.id = c.claimed_by
           where c.id = $1 and (c.school_id = any($2) or ($3 and c.referred_at is not null))"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline()
    )
    .fetch_optional(pool)
    .await
}

/// An alleged author as listed.
pub struct Author {
    /// Kind code.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Class.
    pub group_name: String,
}

impl Author {
    /// French label of the kind.
    pub fn kind_label(&self) -> &str {
        AuthorKind::label_of(&self.kind)
    }
}

/// The alleged authors of a case in scope.
pub async fn list_authors(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    id: CaseId,
) -> sqlx::Result<Vec<Author>> {
    sqlx::query_as!(
        Author,
        r#"select a.kind, a.name, a.group_name from case_authors a join cases c on c.id = a.case_id
           where a.case_id = $1 and (c.school_id = any($2) or ($3 and c.referred_at is not null))
           order by a.position"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline()
    )
    .fetch_all(pool)
    .await
}

/// An online target as listed.
pub struct Target {
    /// Id.
    pub id: TargetId,
    /// Platform code.
    pub platform: String,
    /// URL or handle.
    pub target: String,
    /// Added at.
    pub added_at: DateTime<Utc>,
}

impl Target {
    /// French label of the platform.
    pub fn platform_label(&self) -> &str {
        Platform::label_of(&self.platform)
    }
}

/// The online targets of a case in scope.
pub async fn list_targets(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    id: CaseId,
) -> sqlx::Result<Vec<Target>> {
    sqlx::query_as!(
        Target,
        r#"select t.id as "id: TargetId", t.platform, t.target, t.added_at as "added_at: DateTime<Utc>"
           from online_targets t join cases c on c.id = t.case_id
           where t.case_id = $1 and (c.school_id = any($2) or ($3 and c.referred_at is not null))
           order by t.seq"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline()
    )
    .fetch_all(pool)
    .await
}

/// A case locked (`FOR UPDATE`) in the caller's scope for the rest of a
/// transaction. Only [`lock`] makes one, and every write to a case takes
/// one: no write can reach a case outside the caller's scope.
pub struct LockedCase {
    id: CaseId,
    /// Reference.
    pub reference: String,
    /// School.
    pub school_id: SchoolId,
    /// School name.
    pub school_name: String,
    /// School UAI.
    pub school_uai: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Current status.
    pub status: CaseStatus,
    /// Claiming agent.
    pub claimed_by: Option<AccountId>,
    /// Kept for proceedings.
    pub legal_hold: bool,
}

impl LockedCase {
    /// The case's id.
    pub fn id(&self) -> CaseId {
        self.id
    }
}

/// Locks a case in scope for the rest of the transaction.
pub async fn lock(
    tx: &mut Tx<'_>,
    scope: &CaseScope,
    id: CaseId,
) -> sqlx::Result<Option<LockedCase>> {
    sqlx::query_as!(
        LockedCase,
        r#"select c.id as "id: CaseId", c.reference, c.school_id as "school_id: SchoolId", s.name as school_name, s.uai as school_uai,
                  c.urgency as "urgency: Urgency", c.status as "status: CaseStatus",
                  c.claimed_by as "claimed_by: AccountId", c.legal_hold
           from cases c
           join schools s on s.id = c.school_id
           where c.id = $1 and (c.school_id = any($2) or ($3 and c.referred_at is not null))
           for update of c"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline()
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The name of an account (after a lock wait, joined rows are not re-read,
/// so names are fetched on their own).
pub async fn account_name(tx: &mut Tx<'_>, id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("select display_name from accounts where id = $1", id.0)
        .fetch_optional(&mut **tx)
        .await
}

/// Moves a locked case to `status` (decided by the status machine).
pub async fn set_status(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    status: CaseStatus,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2 where id = $1",
        case.id.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Refers a locked case to the helpline, unclaimed, as `status`.
pub async fn refer(tx: &mut Tx<'_>, case: &LockedCase, status: CaseStatus) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2, referred_at = now(), claimed_by = null, claimed_at = null where id = $1",
        case.id.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes back an unclaimed referral: the helpline no longer sees the case.
pub async fn withdraw(tx: &mut Tx<'_>, case: &LockedCase, status: CaseStatus) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2, referred_at = null where id = $1",
        case.id.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives a locked case to `agent` (claim or reassignment), as `status`.
pub async fn assign(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    agent: AccountId,
    status: CaseStatus,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $3, claimed_by = $2, claimed_at = now() where id = $1",
        case.id.0,
        agent.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts a locked case back in the queue, unclaimed, as `status`.
pub async fn release(tx: &mut Tx<'_>, case: &LockedCase, status: CaseStatus) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2, claimed_by = null, claimed_at = null where id = $1",
        case.id.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes a locked case with an outcome, as `status`.
pub async fn close(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    status: CaseStatus,
    outcome: CaseOutcome,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2, closed_at = now(), outcome = $3 where id = $1",
        case.id.0,
        status as CaseStatus,
        outcome.code()
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reopens a locked, closed case, as `status`.
pub async fn reopen(tx: &mut Tx<'_>, case: &LockedCase, status: CaseStatus) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set status = $2, closed_at = null, outcome = null where id = $1",
        case.id.0,
        status as CaseStatus
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Puts a locked case under legal hold (never purged) or lifts it.
pub async fn set_legal_hold(tx: &mut Tx<'_>, case: &LockedCase, hold: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update cases set legal_hold = $2 where id = $1",
        case.id.0,
        hold
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Filters of the school dashboard.
#[derive(Default)]
pub struct SchoolFilter {
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Reference or part of the victim's name.
    pub search: Option<String>,
}

/// A case as listed on the dashboard.
pub struct CaseListRow {
    /// Id.
    pub id: CaseId,
    /// Reference.
    pub reference: String,
    /// School name.
    pub school_name: String,
    /// Status.
    pub status: CaseStatus,
    /// Urgency.
    pub urgency: Urgency,
    /// Pupil or staff.
    pub victim_kind: VictimKind,
    /// Name or initials.
    pub victim_name: String,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Last event at.
    pub last_activity_at: DateTime<Utc>,
}

/// The most cases one dashboard page shows.
pub const DASHBOARD_PAGE: i64 = 100;

/// The school's cases: those waiting for the school first, then danger, then
/// by last activity.
pub async fn list_for_school(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    filter: &SchoolFilter,
) -> sqlx::Result<Vec<CaseListRow>> {
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let pattern = search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    sqlx::query_as!(
        CaseListRow,
        r#"select c.id as "id: CaseId", c.reference, s.name as school_name,
                  c.status as "status: CaseStatus", c.urgency as "urgency: Urgency",
                  c.victim_kind as "victim_kind: VictimKind", c.victim_name,
                  c.created_at as "created_at: DateTime<Utc>", c.last_activity_at as "last_activity_at: DateTime<Utc>"
           from cases c join schools s on s.id = c.school_id
           where c.school_id = any($1)
             and ($2::case_status is null or c.status = $2)
             and ($3::text is null or c.reference = $3 or c.victim_name ilike $4)
           order by (c.status in ('awaiting_school', 'returned')) desc,
                    (c.status = 'closed') asc,
                    (c.urgency = 'danger') desc,
                    c.last_activity_at desc, c.id
           limit $5"#,
        scope.school_ids() as &[Uuid],
        filter.status as Option<CaseStatus>,
        search,
        pattern,
        DASHBOARD_PAGE
    )
    .fetch_all(pool)
    .await
}

/// How many cases of the scope's schools are in each status.
pub async fn count_by_status(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
) -> sqlx::Result<Vec<(CaseStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select status as "status: CaseStatus", count(*) as "n!" from cases
           where school_id = any($1) group by status"#,
        scope.school_ids() as &[Uuid]
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}
