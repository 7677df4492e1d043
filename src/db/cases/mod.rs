//! Cases, their alleged authors and online targets. Every function is scoped.

use chrono::NaiveDate;
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
    /// Staff victim: the leadership accounts the case is limited to (none:
    /// open to all the school's leadership). The opener is always added.
    pub restricted_to: Vec<AccountId>,
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

/// Limits a locked case to `accounts` (active leadership accounts of its
/// school; others are ignored). Returns how many accounts it is open to.
pub async fn restrict(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    accounts: &[AccountId],
) -> sqlx::Result<usize> {
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.0).collect();
    let added = sqlx::query!(
        r#"insert into case_access (case_id, account_id)
           select $1, a.id from accounts a join account_schools s on s.account_id = a.id
           where a.id = any($2) and s.school_id = $3 and a.active and a.role = 'school_staff'
           on conflict do nothing"#,
        case.id.0,
        &ids,
        case.school_id.0
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update cases set restricted = true where id = $1",
        case.id.0
    )
    .execute(&mut **tx)
    .await?;
    Ok(added as usize)
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
           where c.id = $1 and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4))) or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school')))
           for update of c"#,
        id.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
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

mod facts;
mod related;
mod views;

pub use facts::*;
pub use related::*;
pub use views::*;
