//! The helpline queue: referred cases of every school, danger first then the
//! oldest referral, paged by keyset so that any page costs the same.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::CaseScope;
use crate::config::QueueDelays;
use crate::domain::case::Urgency;
use crate::domain::ids::{AccountId, CaseId};
use crate::domain::status::CaseStatus;

/// Where the next page starts: the sort key of the last row shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    /// `urgency <> 'danger'`.
    pub not_danger: bool,
    /// Referral time.
    pub referred_at: DateTime<Utc>,
    /// Case id.
    pub id: Uuid,
}

impl Cursor {
    /// The cursor as a URL parameter.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            u8::from(self.not_danger),
            self.referred_at.timestamp_micros(),
            self.id.simple()
        )
    }

    /// Parses [`Cursor::encode`]; anything else is ignored (first page).
    pub fn decode(s: &str) -> Option<Cursor> {
        let mut parts = s.split('.');
        let not_danger = match parts.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let referred_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        let id = Uuid::parse_str(parts.next()?).ok()?;
        parts.next().is_none().then_some(Cursor {
            not_danger,
            referred_at,
            id,
        })
    }
}

/// The queue's filters.
#[derive(Default, Debug)]
pub struct QueueFilter {
    /// Statuses shown (the active ones when empty).
    pub statuses: Vec<CaseStatus>,
    /// Only this urgency.
    pub urgency: Option<Urgency>,
    /// Only cases on this platform (code).
    pub platform: Option<String>,
    /// Only schools of this académie.
    pub academie: Option<String>,
    /// Only this school (UAI).
    pub school_uai: Option<String>,
    /// Only cases claimed by this agent.
    pub claimed_by: Option<AccountId>,
    /// Only unclaimed cases.
    pub unassigned: bool,
    /// A case reference, or a school's UAI or part of its name or town.
    pub search: Option<String>,
    /// Start after this row.
    pub after: Option<Cursor>,
}

impl QueueFilter {
    /// Whether any filter narrows the queue (beyond the page cursor).
    pub fn is_filtered(&self) -> bool {
        !self.statuses.is_empty()
            || self.urgency.is_some()
            || self.platform.is_some()
            || self.academie.is_some()
            || self.school_uai.is_some()
            || self.claimed_by.is_some()
            || self.unassigned
            || super::search_words(self.search.as_deref()).is_some()
    }
}

/// One row of the queue.
#[derive(Clone)]
pub struct QueueRow {
    /// Id.
    pub id: CaseId,
    /// Reference.
    pub reference: String,
    /// School name.
    pub school_name: String,
    /// School UAI.
    pub school_uai: String,
    /// Académie.
    pub academie: String,
    /// Status.
    pub status: CaseStatus,
    /// Urgency.
    pub urgency: Urgency,
    /// Platform codes.
    pub platforms: Vec<String>,
    /// Referred at.
    pub referred_at: DateTime<Utc>,
    /// Claiming agent.
    pub claimed_by_name: Option<String>,
    /// Last event.
    pub last_activity_at: DateTime<Utc>,
    /// The oldest request to a platform still waiting for its answer.
    pub pending_since: Option<NaiveDate>,
    /// The helpline's service clock up to `service_since`.
    pub service_seconds: i64,
    /// Since when the service clock runs, if it does.
    pub service_since: Option<DateTime<Utc>>,
    /// Referred and unclaimed past the delay.
    pub unclaimed_overdue: bool,
    /// A platform request waits for an answer past the delay.
    pub request_overdue: bool,
    /// In the helpline's hands for longer than the delay, on its service
    /// clock (paused while the school or a platform is waited for).
    pub service_overdue: bool,
}

impl QueueRow {
    /// Works out the flags that depend on the time: a row read a while ago
    /// (the first page is kept in memory) is flagged as of `now`.
    fn flag(&mut self, delays: &QueueDelays, now: DateTime<Utc>) {
        let unclaimed = match self.urgency {
            Urgency::Danger => delays.danger_unclaimed,
            _ => delays.unclaimed,
        };
        let waited = (now - self.referred_at).to_std().unwrap_or_default();
        self.unclaimed_overdue = self.status == CaseStatus::Referred && waited > unclaimed;
        let today = now.date_naive();
        self.request_overdue = self
            .pending_since
            .is_some_and(|d| (today - d).num_days() > i64::from(delays.request_days));
        let running = self
            .service_since
            .map_or(0, |t| (now - t).num_seconds().max(0));
        let clock = self.service_seconds + running;
        self.service_overdue =
            self.status == CaseStatus::InProgress && clock > delays.service.as_secs() as i64;
    }

    /// The cursor after this row.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            not_danger: self.urgency != Urgency::Danger,
            referred_at: self.referred_at,
            id: self.id.0,
        }
    }

    /// Labels of the platforms.
    pub fn platform_labels(&self) -> String {
        self.platforms
            .iter()
            .map(|p| crate::domain::case::Platform::label_of(p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Rows per page.
pub const QUEUE_PAGE: i64 = 50;

/// The statuses in which the helpline holds a case: from its referral until
/// it is returned or withdrawn (the scope of every helpline read).
pub const ACTIVE: [CaseStatus; 3] = [
    CaseStatus::Referred,
    CaseStatus::InProgress,
    CaseStatus::AwaitingSchool,
];

/// One page of the queue (at most [`QUEUE_PAGE`] rows). Only the helpline
/// scope sees anything.
pub async fn list(
    pool: &PgPool,
    kept: &FirstPage,
    scope: &CaseScope,
    filter: &QueueFilter,
    delays: &QueueDelays,
) -> sqlx::Result<Vec<QueueRow>> {
    if !scope.helpline() {
        return Ok(Vec::new());
    }
    if !filter.is_filtered() && filter.after.is_none() {
        return kept.rows(pool, delays).await;
    }
    filtered_page(pool, filter, delays).await
}

/// A page of the queue with filters or past the first.
async fn filtered_page(
    pool: &PgPool,
    filter: &QueueFilter,
    delays: &QueueDelays,
) -> sqlx::Result<Vec<QueueRow>> {
    // The helpline holds a case from its referral until it is returned or
    // withdrawn: a filter cannot reach past that.
    let statuses: Vec<CaseStatus> = ACTIVE
        .into_iter()
        .filter(|s| filter.statuses.is_empty() || filter.statuses.contains(s))
        .collect();
    // The search box: a case reference, or the schools whose UAI, name or
    // town match, resolved first on their own (trigram) indexes.
    let search = super::search_words(filter.search.as_deref());
    let schools = match search {
        Some(q) => super::schools::matching_ids(pool, q, 2000).await?,
        None => Vec::new(),
    };
    let after = filter.after.as_ref();
    // Planned with its values: a generic plan could walk the whole queue
    // for a filter that keeps a few rows.
    let mut tx = super::planned_with_values(pool).await?;
    let rows = sqlx::query_as!(
        QueueRow,
        r#"select q.id as "id!: CaseId", q.reference as "reference!", q.school_name as "school_name!",
                  q.school_uai as "school_uai!", q.academie as "academie!", q.status as "status!: CaseStatus",
                  q.urgency as "urgency!: Urgency", q.platforms as "platforms!",
                  q.referred_at as "referred_at!: DateTime<Utc>", q.claimed_by_name,
                  q.last_activity_at as "last_activity_at!: DateTime<Utc>",
                  q.pending_since as "pending_since: NaiveDate", q.service_seconds as "service_seconds!",
                  q.service_since as "service_since: DateTime<Utc>",
                  false as "unclaimed_overdue!", false as "request_overdue!", false as "service_overdue!"
           from queue_rows q
           where q.status = any($1)
             and ($2::urgency is null or q.urgency = $2)
             and ($3::text is null or q.platforms @> array[$3::text])
             and ($4::text is null or q.academie = $4)
             and ($5::text is null or q.school_uai = $5)
             and ($6::uuid is null or q.claimed_by = $6)
             and (not $7 or q.claimed_by is null)
             and ($8::text is null or q.reference = $8 or q.school_id = any($9))
             and ($10::bool is null or ((q.urgency <> 'danger'), q.referred_at, q.id) > ($10, $11, $12))
           order by (q.urgency <> 'danger'), q.referred_at, q.id
           limit $13"#,
        &statuses as &[CaseStatus],
        filter.urgency as Option<Urgency>,
        filter.platform,
        filter.academie,
        filter.school_uai,
        filter.claimed_by.map(|a| a.0),
        filter.unassigned,
        search,
        &schools,
        after.map(|c| c.not_danger),
        after.map(|c| c.referred_at) as Option<DateTime<Utc>>,
        after.map(|c| c.id),
        QUEUE_PAGE
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(flagged(rows, delays))
}

fn flagged(mut rows: Vec<QueueRow>, delays: &QueueDelays) -> Vec<QueueRow> {
    let now = Utc::now();
    rows.iter_mut().for_each(|r| r.flag(delays, now));
    rows
}

/// The queue's first page as last read, with the version of the queue it
/// was read at (migration 0025: every change that can alter the page moves
/// the version in its own transaction). Shared by every agent of the
/// process; read again as soon as the version moved, so it is never staler
/// than a read of its own would be.
pub struct FirstPage {
    kept: super::kept::Kept<(), i64, Vec<QueueRow>>,
}

impl Default for FirstPage {
    fn default() -> FirstPage {
        // One page of 50 rows.
        FirstPage {
            kept: super::kept::Kept::new(1 << 20),
        }
    }
}

impl super::kept::Weigh for Vec<QueueRow> {
    fn weight(&self) -> usize {
        256 * self.len()
    }
}

impl FirstPage {
    async fn rows(&self, pool: &PgPool, delays: &QueueDelays) -> sqlx::Result<Vec<QueueRow>> {
        let version = sqlx::query_scalar!("select version from queue_version")
            .fetch_one(pool)
            .await?;
        let rows = self.kept.get((), version, || first_page(pool)).await?;
        Ok(flagged(rows.as_ref().clone(), delays))
    }
}

/// The first page of the whole queue, most of the traffic: a statement
/// with no optional condition, whose plan (an index walk of
/// cases_queue_idx) PostgreSQL prepares once and reuses. The statuses are
/// written out: the index holds those only, and a generic plan cannot
/// tell that a parameter names no other.
async fn first_page(pool: &PgPool) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as!(
        QueueRow,
        r#"select q.id as "id!: CaseId", q.reference as "reference!", q.school_name as "school_name!",
                  q.school_uai as "school_uai!", q.academie as "academie!", q.status as "status!: CaseStatus",
                  q.urgency as "urgency!: Urgency", q.platforms as "platforms!",
                  q.referred_at as "referred_at!: DateTime<Utc>", q.claimed_by_name,
                  q.last_activity_at as "last_activity_at!: DateTime<Utc>",
                  q.pending_since as "pending_since: NaiveDate", q.service_seconds as "service_seconds!",
                  q.service_since as "service_since: DateTime<Utc>",
                  false as "unclaimed_overdue!", false as "request_overdue!", false as "service_overdue!"
           from queue_rows q
           where q.status in ('referred', 'in_progress', 'awaiting_school')
           order by (q.urgency <> 'danger'), q.referred_at, q.id
           limit $1"#,
        QUEUE_PAGE
    )
    .fetch_all(pool)
    .await
}

/// The académies, for the filter (a skip scan over the index: ~30 probes).
pub async fn academies(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"with recursive a(v) as (
               select min(academie) from schools
               union all
               select (select min(academie) from schools where academie > a.v) from a where a.v is not null
           )
           select v as "v!" from a where v is not null"#
    )
    .fetch_all(pool)
    .await
}

/// The references of the cases `ids` that the helpline sees, for the
/// result of a bulk action.
pub async fn references(pool: &PgPool, ids: &[CaseId]) -> sqlx::Result<Vec<(CaseId, String)>> {
    let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    let rows = sqlx::query!(
        r#"select id as "id: CaseId", reference from cases
           where id = any($1) and status in ('referred', 'in_progress', 'awaiting_school')"#,
        &ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.reference)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_refuses_junk() {
        let c = Cursor {
            not_danger: true,
            referred_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for junk in [
            "",
            "2.1.x",
            "1.abc.00000000000000000000000000000000",
            "1.1.1.1",
        ] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
