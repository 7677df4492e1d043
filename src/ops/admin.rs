//! What administrators change: never a case, only the machinery around it.

use super::Ops;
use crate::auth::Actor;
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// Puts a queued or dead mail back for delivery now (audited).
pub async fn retry_mail(ops: &Ops, actor: &Actor, id: i64) -> AppResult<()> {
    if actor.role != Role::Admin || !db::outbox::retry(&ops.db, id).await? {
        return Err(AppError::NotFound);
    }
    let action = AuditAction::RetryMail;
    db::audit::record(&ops.db, Some(actor.id), action, None, Outcome::Ok).await?;
    Ok(())
}
