//! What is recorded on a case besides its timeline: platform requests,
//! escalations to Pharos/OCLCTIC, interventions, sanctions. Reads are scoped.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use crate::auth::CaseScope;
use crate::domain::case::{RequestKind, RequestOutcome, SanctionKind};
use crate::domain::ids::{AccountId, CaseId, RequestId, TargetId};

/// A platform request as shown on the case page.
pub struct PlatformRequest {
    /// Id.
    pub id: RequestId,
    /// Platform code of the target.
    pub platform: String,
    /// The account or post.
    pub target: String,
    /// What was asked.
    pub kind: RequestKind,
    /// When it was sent.
    pub sent_on: NaiveDate,
    /// The platform's reference.
    pub platform_reference: String,
    /// Outcome.
    pub outcome: RequestOutcome,
    /// When the outcome came.
    pub outcome_on: Option<NaiveDate>,
}

impl PlatformRequest {
    /// Days waited (pending) or taken (answered).
    pub fn days(&self) -> i64 {
        let end = self.outcome_on.unwrap_or_else(|| Utc::now().date_naive());
        (end - self.sent_on).num_days().max(0)
    }

    /// Whether the request still waits past `days`.
    pub fn overdue(&self, days: &i32) -> bool {
        self.outcome == RequestOutcome::Pending && self.days() > i64::from(*days)
    }

    /// French label of the platform.
    pub fn platform_label(&self) -> &str {
        crate::domain::case::Platform::label_of(&self.platform)
    }

    /// Whether the outcome is still to come.
    pub fn pending(&self) -> bool {
        self.outcome == RequestOutcome::Pending
    }
}

/// Records a request to a platform about a target of the same case.
/// Returns `None` when the target is not one of the case's.
pub async fn insert_request(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    target: TargetId,
    kind: RequestKind,
    sent_on: NaiveDate,
    platform_reference: &str,
    actor: AccountId,
) -> sqlx::Result<Option<RequestId>> {
    sqlx::query_scalar!(
        r#"insert into platform_requests (id, case_id, target_id, kind, sent_on, platform_reference, created_by)
           select $1, $2, t.id, $4, $5, $6, $7 from online_targets t where t.id = $3 and t.case_id = $2
           returning id as "id: RequestId""#,
        RequestId::new().0,
        case.id().0,
        target.0,
        kind as RequestKind,
        sent_on as NaiveDate,
        platform_reference,
        actor.0
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Records the outcome of a pending request of the case. Returns whether a
/// request was changed.
pub async fn set_request_outcome(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    request: RequestId,
    outcome: RequestOutcome,
    outcome_on: NaiveDate,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update platform_requests set outcome = $3, outcome_on = $4 where id = $2 and case_id = $1 and outcome = 'pending'",
        case.id().0,
        request.0,
        outcome as RequestOutcome,
        outcome_on as NaiveDate
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The platform requests of a case in scope.
pub async fn list_requests(
    pool: &PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<PlatformRequest>> {
    sqlx::query_as!(
        PlatformRequest,
        r#"select r.id as "id: RequestId", t.platform, t.target, r.kind as "kind: RequestKind", r.sent_on as "sent_on: NaiveDate",
                  r.platform_reference, r.outcome as "outcome: RequestOutcome", r.outcome_on as "outcome_on: NaiveDate"
           from platform_requests r
           join online_targets t on t.id = r.target_id
           join cases c on c.id = r.case_id
           where r.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school')))
           order by r.seq"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// An escalation to Pharos/OCLCTIC.
pub struct Escalation {
    /// Pharos reference.
    pub reference: String,
    /// Date.
    pub escalated_on: NaiveDate,
}

/// Records an escalation.
pub async fn insert_escalation(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    reference: &str,
    on: NaiveDate,
    actor: AccountId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into escalations (id, case_id, reference, escalated_on, created_by) values ($1, $2, $3, $4, $5)",
        Uuid::new_v4(),
        case.id().0,
        reference,
        on as NaiveDate,
        actor.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The escalations of a case in scope.
pub async fn list_escalations(
    pool: &PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<Escalation>> {
    sqlx::query_as!(
        Escalation,
        r#"select e.reference, e.escalated_on as "escalated_on: NaiveDate" from escalations e join cases c on c.id = e.case_id
           where e.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school'))) order by e.seq"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// An intervention proposed to the school, and the school's answer.
pub struct Intervention {
    /// Id.
    pub id: Uuid,
    /// Proposed date.
    pub proposed_on: NaiveDate,
    /// Topic.
    pub topic: String,
    /// `accepted`, `declined`, or none yet.
    pub answer: Option<String>,
    /// The date agreed, when accepted.
    pub scheduled_on: Option<NaiveDate>,
    /// The school's comment.
    pub answer_note: String,
    /// Who answered.
    pub answered_by_name: Option<String>,
}

impl Intervention {
    /// Whether the school has not answered yet.
    pub fn unanswered(&self) -> bool {
        self.answer.is_none()
    }

    /// Whether the school accepted it.
    pub fn accepted(&self) -> bool {
        self.answer.as_deref() == Some("accepted")
    }
}

/// Records an intervention proposal.
pub async fn insert_intervention(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    on: NaiveDate,
    topic: &str,
    actor: AccountId,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into interventions (id, case_id, proposed_on, topic, created_by) values ($1, $2, $3, $4, $5)",
        Uuid::new_v4(),
        case.id().0,
        on as NaiveDate,
        topic,
        actor.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the school's answer to an intervention of a locked case that
/// has none yet: accepted for `scheduled_on`, or declined (`None`). False
/// if there is no such unanswered intervention.
pub async fn answer_intervention(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    id: Uuid,
    scheduled_on: Option<NaiveDate>,
    note: &str,
    actor: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update interventions
           set answer = case when $3::date is null then 'declined' else 'accepted' end,
               scheduled_on = $3, answer_note = $4, answered_by = $5, answered_at = now()
           where id = $1 and case_id = $2 and answer is null
           returning topic"#,
        id,
        case.id().0,
        scheduled_on as Option<NaiveDate>,
        note,
        actor.0
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The interventions of a case in scope.
pub async fn list_interventions(
    pool: &PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<Intervention>> {
    sqlx::query_as!(
        Intervention,
        r#"select i.id, i.proposed_on as "proposed_on: NaiveDate", i.topic, i.answer,
                  i.scheduled_on as "scheduled_on: NaiveDate", i.answer_note, a.display_name as "answered_by_name?"
           from interventions i join cases c on c.id = i.case_id left join accounts a on a.id = i.answered_by
           where i.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school'))) order by i.seq"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// A sanction decided by the school.
pub struct Sanction {
    /// Kind.
    pub kind: SanctionKind,
    /// Date of the decision.
    pub decided_on: NaiveDate,
    /// Note.
    pub note: String,
    /// Recorded at.
    pub created_at: DateTime<Utc>,
    /// The author it concerns: kind code and name.
    pub author_kind: Option<String>,
    /// Name of the author it concerns.
    pub author_name: Option<String>,
}

impl Sanction {
    /// Who the sanction concerns, as shown.
    pub fn concerns(&self) -> Option<String> {
        let kind = crate::domain::case::AuthorKind::label_of(self.author_kind.as_deref()?);
        Some(match self.author_name.as_deref() {
            Some(name) if !name.is_empty() => format!("{name} ({})", kind.to_lowercase()),
            _ => kind.to_owned(),
        })
    }
}

/// Records a sanction, about one of the case's authors if `author` is
/// given. False (nothing written) if that author is not one of the case's.
pub async fn insert_sanction(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    (kind, on, note): (SanctionKind, NaiveDate, &str),
    author: Option<Uuid>,
    actor: AccountId,
) -> sqlx::Result<bool> {
    if let Some(author) = author {
        let known = sqlx::query_scalar!(
            r#"select exists (select 1 from case_authors where id = $1 and case_id = $2) as "known!""#,
            author,
            case.id().0
        )
        .fetch_one(&mut **tx)
        .await?;
        if !known {
            return Ok(false);
        }
    }
    sqlx::query!(
        "insert into sanctions (id, case_id, kind, decided_on, note, created_by, author_id) values ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::new_v4(),
        case.id().0,
        kind as SanctionKind,
        on as NaiveDate,
        note,
        actor.0,
        author
    )
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The sanctions of a case in scope.
pub async fn list_sanctions(
    pool: &PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<Sanction>> {
    sqlx::query_as!(
        Sanction,
        r#"select s.kind as "kind: SanctionKind", s.decided_on as "decided_on: NaiveDate", s.note,
                  s.created_at as "created_at: DateTime<Utc>", au.kind as "author_kind?", au.name as "author_name?"
           from sanctions s join cases c on c.id = s.case_id left join case_authors au on au.id = s.author_id
           where s.case_id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school'))) order by s.seq"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}
