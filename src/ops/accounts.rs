//! Signing in: the password check (as slow for an unknown address as for a
//! known one) and its audit record.

use super::Ops;
use crate::auth::password;
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;
use crate::domain::values::EmailAddress;
use crate::error::AppResult;

/// The account and role `typed` and `secret` sign in as, if they match
/// (each attempt is audited, refused ones too).
pub async fn log_in(
    ops: &Ops,
    typed: &str,
    secret: String,
) -> AppResult<Option<(AccountId, Role)>> {
    let found = match EmailAddress::parse(typed) {
        Ok(email) => db::accounts::find_for_login(&ops.db, &email).await?,
        Err(_) => None,
    };
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let verified = password::verify_password(secret, hash).await?;
    let id = found.map(|(id, _)| id);
    let login = AuditAction::Login;
    let Some(account) = id.filter(|_| verified) else {
        db::audit::record(&ops.db, id, login, id.map(|id| id.0), Outcome::Denied).await?;
        return Ok(None);
    };
    db::audit::record(&ops.db, Some(account), login, Some(account.0), Outcome::Ok).await?;
    let role = db::accounts::load_actor(&ops.db, account)
        .await?
        .filter(|a| a.admits(chrono::Utc::now()))
        .map(|a| a.role);
    Ok(role.map(|r| (account, r)))
}
