//! What a school's dashboard shows around its list of cases: its schools,
//! the counts per status, reports waiting and the helpline's open
//! questions. The unfiltered first page, most of the dashboard's traffic, is
//! kept with the schools' revision (migration 0028).

use std::sync::Arc;

use uuid::Uuid;

use super::cases::{CaseListRow, SchoolFilter};
use super::events::OpenQuestion;
use super::kept::{Kept, Weigh};
use super::schools::School;
use crate::auth::CaseScope;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::CaseStatus;

/// A dashboard's content.
pub struct Overview {
    /// The reader's schools.
    pub schools: Vec<School>,
    /// The page of cases.
    pub cases: Vec<CaseListRow>,
    /// Cases per status.
    pub counts: Vec<(CaseStatus, i64)>,
    /// Reports waiting for a decision.
    pub reports_waiting: i64,
    /// The helpline's questions waiting for an answer.
    pub questions: Vec<OpenQuestion>,
}

impl Weigh for Overview {
    fn weight(&self) -> usize {
        let questions: usize = self
            .questions
            .iter()
            .map(|q| 128 + q.question.as_ref().map_or(0, String::len))
            .sum();
        256 * (self.schools.len() + self.cases.len() + self.counts.len()) + questions
    }
}

/// Dashboards' first pages kept per reader and schools.
pub type KeptOverviews = Kept<(AccountId, Vec<Uuid>), i64, Overview>;

/// The dashboard of `scope`'s schools with `filter`'s page of cases; the
/// first page unfiltered as kept if the schools did not move since.
pub async fn read(
    pool: &sqlx::PgPool,
    kept: &KeptOverviews,
    scope: &CaseScope,
    filter: &SchoolFilter,
) -> sqlx::Result<Arc<Overview>> {
    if !filter.is_first_page() {
        return Ok(Arc::new(read_now(pool, scope, filter).await?));
    }
    let revision = sqlx::query_scalar!(
        r#"select coalesce(sum(n), 0)::bigint as "n!" from school_touches where school_id = any($1)"#,
        scope.school_ids() as &[Uuid]
    )
    .fetch_one(pool)
    .await?;
    let key = (scope.actor(), scope.school_ids().to_vec());
    kept.get(key, revision, || read_now(pool, scope, filter))
        .await
}

async fn read_now(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    filter: &SchoolFilter,
) -> sqlx::Result<Overview> {
    let ids: Vec<SchoolId> = scope.school_ids().iter().copied().map(SchoolId).collect();
    let (schools, cases, counts, reports_waiting, questions) = tokio::try_join!(
        super::schools::list_by_ids(pool, &ids),
        super::cases::list_for_school(pool, scope, filter),
        super::cases::count_by_status(pool, scope),
        super::inbox::count_waiting(pool, scope),
        super::events::open_questions(pool, scope),
    )?;
    Ok(Overview {
        schools,
        cases,
        counts,
        reports_waiting,
        questions,
    })
}

/// Folds the schools' touches (their revisions do not move); how many rows
/// are left.
pub async fn fold_touches(pool: &sqlx::PgPool) -> sqlx::Result<i64> {
    let n = sqlx::query_scalar!(r#"select fold_school_touches() as "n!""#)
        .fetch_one(pool)
        .await?;
    Ok(n)
}
