//! The audit trail: who read or changed which record, when, with what result.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;

/// What the audited request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused, or the record was out of the caller's scope.
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
        }
    }
}

/// Appends one audit entry.
pub async fn record<'e>(
    db: impl PgExecutor<'e>,
    actor: Option<AccountId>,
    action: AuditAction,
    record_id: Option<Uuid>,
    outcome: Outcome,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into audit_log (actor_id, action, record_type, record_id, result) values ($1, $2, $3, $4, $5)",
        actor.map(|a| a.0),
        action.code(),
        action.record_type().code(),
        record_id,
        outcome.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One audit entry, for tests and the administrators' views.
#[derive(Debug)]
pub struct AuditEntry {
    /// Who.
    pub actor_id: Option<Uuid>,
    /// What.
    pub action: String,
    /// Which kind of record.
    pub record_type: String,
    /// Which record.
    pub record_id: Option<Uuid>,
    /// Result.
    pub result: String,
}

/// The entries about one record, oldest first.
pub async fn list_for_record<'e>(
    db: impl PgExecutor<'e>,
    record_id: Uuid,
) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as!(
        AuditEntry,
        "select actor_id, action, record_type, record_id, result from audit_log where record_id = $1 order by id",
        record_id
    )
    .fetch_all(db)
    .await
}
