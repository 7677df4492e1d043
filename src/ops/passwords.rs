//! An account's owner and their password: forgotten (a single-use link by
//! mail, valid an hour, the same answer whether the address exists or not),
//! changed (the current one required), and every session ended. A new
//! password ends all the account's sessions; each change is audited and
//! mailed to the owner.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Ops;
use crate::auth::{Actor, password};
use crate::db::{self, account_tokens::Purpose, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::values::EmailAddress;
use crate::error::{AppError, AppResult};
use crate::mail::account_mails;

/// How long a reset link works.
pub const RESET_VALID: TimeDelta = TimeDelta::hours(1);

/// What is stored of a link's token: its SHA-256.
pub(super) fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new token for a mailed link (256 random bits, 43 characters).
pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The active account a still-valid link of `purpose` is for (opening a
/// link changes nothing).
pub(super) async fn link_owner(
    ops: &Ops,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<db::accounts::Owner>> {
    match db::account_tokens::peek(&ops.db, purpose, &digest(token), now).await? {
        Some(id) => Ok(db::accounts::owner(&ops.db, Some(id), None).await?),
        None => Ok(None),
    }
}

/// Sets the password chosen through the link `token` of `purpose` and uses
/// the link, in a transaction left open for the caller's mail; the owner.
/// `NotFound` for a used or expired link, `Field` for a refused password.
pub(super) async fn set_through_link(
    ops: &Ops,
    purpose: Purpose,
    token: &str,
    new: NewPassword,
    now: DateTime<Utc>,
) -> AppResult<(db::accounts::Owner, db::Tx<'static>)> {
    let owner = link_owner(ops, purpose, token, now).await?;
    let owner = owner.ok_or(AppError::NotFound)?;
    new.check(&owner)?;
    let password_hash = password::hash_password(new.password).await?;
    let mut tx = ops.db.begin().await?;
    if db::account_tokens::take(&mut tx, purpose, &digest(token), now).await? != Some(owner.id) {
        return Err(AppError::NotFound);
    }
    db::accounts::set_password(&mut tx, owner.id, &password_hash, now).await?;
    Ok((owner, tx))
}

/// Sends a reset link to the active account of `typed`, if there is one;
/// says nothing either way (the caller shows the same page).
pub async fn request_reset(ops: &Ops, typed: &str, now: DateTime<Utc>) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(typed) else {
        return Ok(());
    };
    let Some(owner) = db::accounts::owner(&ops.db, None, Some(&email)).await? else {
        return Ok(());
    };
    let token = new_token();
    let link = format!("{}/mot-de-passe/{token}", ops.config.public_url);
    let mut tx = ops.db.begin().await?;
    let expires = now + RESET_VALID;
    let purpose = Purpose::PasswordReset;
    db::account_tokens::create(&mut tx, owner.id, purpose, &digest(&token), now, expires).await?;
    account_mails::queue_reset_link(&mut tx, &ops.config, &owner.email, &link).await?;
    tx.commit().await?;
    let action = AuditAction::PasswordResetAsked;
    db::audit::record(&ops.db, None, action, Some(owner.id.0), Outcome::Ok).await?;
    Ok(())
}

/// Whether a reset link still works (opening it changes nothing).
pub async fn reset_link_valid(ops: &Ops, token: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let owner = link_owner(ops, Purpose::PasswordReset, token, now).await?;
    Ok(owner.is_some())
}

/// A new password typed twice: `Field` errors name the field to fix.
pub struct NewPassword {
    /// The password.
    pub password: String,
    /// Typed again.
    pub confirm: String,
}

impl NewPassword {
    /// Checks it for the account `owner`; the French reason otherwise.
    pub(super) fn check(&self, owner: &db::accounts::Owner) -> AppResult<()> {
        password::acceptable(&self.password, &owner.email, &owner.display_name)
            .map_err(|why| AppError::Field("password", why.into()))?;
        if self.password != self.confirm {
            let why = "Les deux saisies ne sont pas identiques.";
            return Err(AppError::Field("confirm", why.into()));
        }
        Ok(())
    }
}

/// Sets the password a reset link was sent for and uses the link; every
/// session of the account ends. `NotFound` for a used or expired link.
pub async fn reset(
    ops: &Ops,
    token: &str,
    new: NewPassword,
    now: DateTime<Utc>,
) -> AppResult<AccountId> {
    let purpose = Purpose::PasswordReset;
    let (owner, mut tx) = set_through_link(ops, purpose, token, new, now).await?;
    account_mails::queue_password_changed(&mut tx, &ops.config, &owner.email, now).await?;
    tx.commit().await?;
    audit(ops, owner.id, AuditAction::PasswordReset, Outcome::Ok).await?;
    Ok(owner.id)
}

/// Changes the caller's password (their current one required); every
/// other session of the account ends, the caller logs in again.
pub async fn change(
    ops: &Ops,
    actor: &Actor,
    current: String,
    new: NewPassword,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let owner = db::accounts::owner(&ops.db, Some(actor.id), None).await?;
    let owner = owner.ok_or(AppError::Unauthenticated)?;
    let action = AuditAction::PasswordChanged;
    let verified = match owner.password_hash.clone() {
        Some(hash) => password::verify_password(current, hash).await?,
        None => false,
    };
    if !verified {
        audit(ops, owner.id, action, Outcome::Denied).await?;
        let why = "Ce n'est pas votre mot de passe actuel.";
        return Err(AppError::Field("current", why.into()));
    }
    new.check(&owner)?;
    let password_hash = password::hash_password(new.password).await?;
    store(ops, ops.db.begin().await?, &owner, &password_hash, now).await?;
    audit(ops, owner.id, action, Outcome::Ok).await?;
    Ok(())
}

/// Stores a new password in `tx` (which ends the account's sessions),
/// queues the owner's notice and commits.
async fn store(
    ops: &Ops,
    mut tx: db::Tx<'_>,
    owner: &db::accounts::Owner,
    password_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    db::accounts::set_password(&mut tx, owner.id, password_hash, now).await?;
    account_mails::queue_password_changed(&mut tx, &ops.config, &owner.email, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Audits an action of an account on itself.
async fn audit(ops: &Ops, id: AccountId, action: AuditAction, outcome: Outcome) -> AppResult<()> {
    db::audit::record(&ops.db, Some(id), action, Some(id.0), outcome).await?;
    Ok(())
}

/// Ends every session of the caller's account, this one included.
pub async fn end_all_sessions(ops: &Ops, actor: &Actor, now: DateTime<Utc>) -> AppResult<()> {
    db::accounts::end_sessions(&ops.db, actor.id, now).await?;
    let action = AuditAction::SessionsEnded;
    audit(ops, actor.id, action, Outcome::Ok).await?;
    Ok(())
}
