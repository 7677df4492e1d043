//! What is read of cases: a case page's facts, its authors and targets, the
//! school dashboard. Every function takes a `CaseScope` and filters with it.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::auth::CaseScope;
use crate::domain::case::{AuthorKind, Platform, Urgency, VictimKind};
use crate::domain::ids::{AccountId, CaseId, SchoolId, TargetId};
use crate::domain::status::CaseStatus;

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
    /// When the case is restricted: the names of those it is open to.
    pub access_names: Option<String>,
    /// Revision of what is recorded on the case (migration 0028).
    pub revision: i64,
    /// Revision of people's names.
    pub names_revision: i64,
}

impl CaseDetail {
    /// The revisions its lists are kept with (`db::kept`).
    pub fn lists_revision(&self) -> (i64, i64) {
        (self.revision, self.names_revision)
    }
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
                  c.legal_hold,
                  (select string_agg(x.display_name, ', ' order by x.display_name)
                   from case_access ca join accounts x on x.id = ca.account_id
                   where ca.case_id = c.id) as "access_names?",
                  coalesce((select r.revision from case_revisions r where r.case_id = c.id), 0) as "revision!",
                  (select n.revision from name_revision n) as "names_revision!"
           from cases c
           join schools s on s.id = c.school_id
           left join accounts a on a.id = c.claimed_by
           where c.id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school')))"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_optional(pool)
    .await
}

/// An alleged author as listed.
pub struct Author {
    /// Id.
    pub id: Uuid,
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
        r#"select a.id, a.kind, a.name, a.group_name from case_authors a join cases c on c.id = a.case_id
           where a.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school')))
           order by a.position"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
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
           where t.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school')))
           order by t.seq"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// Filters of the school dashboard.
#[derive(Default)]
pub struct SchoolFilter {
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Reference or part of the victim's name.
    pub search: Option<String>,
    /// Start after this row.
    pub after: Option<DashboardCursor>,
}

impl SchoolFilter {
    /// The first page of all cases: no status, no search, no cursor.
    pub fn is_first_page(&self) -> bool {
        self.status.is_none()
            && crate::db::search_words(self.search.as_deref()).is_none()
            && self.after.is_none()
    }
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
    /// Place in the dashboard order.
    pub rank: i32,
}

impl CaseListRow {
    /// Where the next page starts if this is the last row of a page.
    pub fn cursor(&self) -> DashboardCursor {
        DashboardCursor {
            rank: self.rank,
            at: self.last_activity_at,
            id: self.id,
        }
    }
}

/// Where a dashboard page starts (what waits for the school first, closed
/// last, danger first, then the most recently active).
pub type DashboardCursor = crate::db::RankCursor<CaseId>;

/// The most cases one dashboard page shows.
pub const DASHBOARD_PAGE: i64 = 100;

/// The school's cases: those waiting for the school first, then danger, then
/// by last activity.
pub async fn list_for_school(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    filter: &SchoolFilter,
) -> sqlx::Result<Vec<CaseListRow>> {
    if filter.is_first_page() {
        return first_page_for_school(pool, scope).await;
    }
    let search = crate::db::search_words(filter.search.as_deref());
    let pattern = search.map(crate::db::contains_pattern);
    // Planned with its values: with its optional filters, a generic plan
    // expects a few rows and sorts them all instead of reading in order.
    let mut tx = crate::db::planned_with_values(pool).await?;
    let rows = sqlx::query_as!(
        CaseListRow,
        r#"select c.id as "id!: CaseId", c.reference as "reference!", s.name as school_name,
                  c.status as "status!: CaseStatus", c.urgency as "urgency!: Urgency",
                  c.victim_kind as "victim_kind!: VictimKind", c.victim_name as "victim_name!",
                  c.created_at as "created_at!: DateTime<Utc>", c.last_activity_at as "last_activity_at!: DateTime<Utc>",
                  c.rank as "rank!"
           -- Each school's first page read in order on cases_dashboard_idx
           -- (no sort of all its cases), then the schools' pages merged.
           from unnest($1::uuid[]) as sid
           join schools s on s.id = sid
           cross join lateral (
               select * from (
                   select c.id, c.reference, c.status, c.urgency, c.victim_kind, c.victim_name,
                          c.created_at, c.last_activity_at,
                          (c.status not in ('awaiting_school', 'returned'))::int * 4
                            + (c.status = 'closed')::int * 2 + (c.urgency <> 'danger')::int as rank
                   from cases c
                   where c.school_id = sid and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $9))
                     and ($2::case_status is null or c.status = $2)
                     and ($3::text is null or c.reference = $3 or c.victim_name ilike $4)) ranked
               where ($6::int is null or rank > $6
                      or (rank = $6 and (last_activity_at < $7 or (last_activity_at = $7 and id > $8))))
               order by rank, last_activity_at desc, id
               limit $5) c
           order by c.rank, c.last_activity_at desc, c.id
           limit $5"#,
        scope.school_ids() as &[Uuid],
        filter.status as Option<CaseStatus>,
        search,
        pattern,
        DASHBOARD_PAGE,
        filter.after.map(|c| c.rank),
        filter.after.map(|c| c.at) as Option<DateTime<Utc>>,
        filter.after.map(|c| c.id.0),
        scope.actor().0
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// The dashboard's first page, unfiltered (most of its traffic): a statement
/// with no optional condition, whose plan reads each school's cases in
/// order from cases_dashboard_idx and is prepared once.
async fn first_page_for_school(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
) -> sqlx::Result<Vec<CaseListRow>> {
    sqlx::query_as!(
        CaseListRow,
        r#"select c.id as "id!: CaseId", c.reference as "reference!", s.name as school_name,
                  c.status as "status!: CaseStatus", c.urgency as "urgency!: Urgency",
                  c.victim_kind as "victim_kind!: VictimKind", c.victim_name as "victim_name!",
                  c.created_at as "created_at!: DateTime<Utc>", c.last_activity_at as "last_activity_at!: DateTime<Utc>",
                  c.rank as "rank!"
           from unnest($1::uuid[]) as sid
           join schools s on s.id = sid
           cross join lateral (
               select c.id, c.reference, c.status, c.urgency, c.victim_kind, c.victim_name,
                      c.created_at, c.last_activity_at,
                      (c.status not in ('awaiting_school', 'returned'))::int * 4
                        + (c.status = 'closed')::int * 2 + (c.urgency <> 'danger')::int as rank
               from cases c
               where c.school_id = sid and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $3))
               order by rank, c.last_activity_at desc, c.id
               limit $2) c
           order by c.rank, c.last_activity_at desc, c.id
           limit $2"#,
        scope.school_ids() as &[Uuid],
        DASHBOARD_PAGE,
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// Folds the differences appended by every change of a case into the
/// counts per school and status (migration 0026); how many were folded.
pub async fn fold_status_counts(pool: &sqlx::PgPool) -> sqlx::Result<i64> {
    let n = sqlx::query_scalar!(r#"select fold_school_status_changes() as "n!""#)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// How many cases of the scope's schools are in each status: the kept
/// counts and the differences not folded yet, and the restricted cases the
/// caller may see, counted live.
pub async fn count_by_status(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
) -> sqlx::Result<Vec<(CaseStatus, i64)>> {
    let rows = sqlx::query!(
        r#"select t.status as "status!: CaseStatus", sum(t.n)::bigint as "n!"
           from (select k.status, k.cases as n from school_status_counts k where k.school_id = any($1)
                 union all
                 select d.status, d.delta from school_status_changes d where d.school_id = any($1)
                 union all
                 select c.status, 1 from cases c
                 where c.school_id = any($1) and c.restricted
                   and exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $2)) t
           group by t.status
           having sum(t.n) > 0"#,
        scope.school_ids() as &[Uuid],
        scope.actor().0
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}
