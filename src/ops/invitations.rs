//! Invitations: an administrator creates an account without a password;
//! its owner gets a single-use link (valid seven days, kept only as a hash)
//! where they choose a password, then enrol their second factor at once.
//! Resending makes a new link (the earlier one stops working); cancelling
//! turns the account off. Each step is audited.

use chrono::{DateTime, TimeDelta, Utc};

use super::Ops;
use super::passwords::{self, NewPassword};
use crate::auth::session::AdminScope;
use crate::db::{self, account_tokens::Purpose, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;
use crate::domain::values::{EmailAddress, Uai};
use crate::error::{AppError, AppResult};
use crate::mail::account_mails;

/// How long an invitation link works.
pub const INVITATION_VALID: TimeDelta = TimeDelta::days(7);

/// What an administrator types to invite someone.
pub struct Invitation {
    /// Their professional address.
    pub email: String,
    /// Their name as shown to colleagues.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// School staff: the UAIs of their schools, separated by spaces or commas.
    pub schools: String,
}

/// A checked invitation: the address, the name, the role and the schools.
type Checked = (EmailAddress, String, Role, Vec<db::schools::School>);

/// Checks every field within `scope`; the first refusal as a `Field` error.
async fn check(ops: &Ops, scope: &AdminScope, form: &Invitation) -> AppResult<Checked> {
    let field = |name: &'static str, why: &str| AppError::Field(name, why.into());
    let email = EmailAddress::parse(form.email.trim()).map_err(|e| field("email", e.0))?;
    let name = form.display_name.trim();
    if name.chars().count() < 2 || name.chars().count() > 120 {
        return Err(field(
            "display_name",
            "Indiquez le nom de la personne (2 à 120 caractères).",
        ));
    }
    let role = Role::parse(&form.role).ok_or_else(|| field("role", "Choisissez un rôle."))?;
    if role != Role::SchoolStaff && !scope.national() {
        let why = "Un administrateur d'académie invite des comptes d'établissement ; les autres rôles sont créés par un administrateur national.";
        return Err(field("role", why));
    }
    let typed: Vec<&str> = form
        .schools
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    let mut schools = Vec::new();
    if role == Role::SchoolStaff {
        if typed.is_empty() || typed.len() > 20 {
            return Err(field(
                "schools",
                "Indiquez l'UAI d'au moins un établissement (20 au plus).",
            ));
        }
        for t in typed {
            let uai = Uai::parse(t).map_err(|e| field("schools", e.0))?;
            let found = db::schools::find_by_uai(&ops.db, &uai).await?;
            let found = found.filter(|s| scope.covers(&s.academie));
            let why = format!("Aucun établissement de votre périmètre n'a l'UAI {uai}.");
            schools.push(found.ok_or(AppError::Field("schools", why))?);
        }
    } else if !typed.is_empty() {
        return Err(field(
            "schools",
            "Seuls les comptes d'établissement sont rattachés à des établissements.",
        ));
    }
    Ok((email, name.to_owned(), role, schools))
}

/// A new link for invited account `id` to `email`, queued in `tx`.
async fn send_link(
    ops: &Ops,
    tx: &mut db::Tx<'_>,
    id: AccountId,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let token = passwords::new_token();
    let expires = now + INVITATION_VALID;
    let purpose = Purpose::Invitation;
    db::account_tokens::create(tx, id, purpose, &passwords::digest(&token), now, expires).await?;
    let link = format!("{}/invitation/{token}", ops.config.public_url);
    account_mails::queue_invitation(tx, &ops.config, email, role.label(), &link, expires).await?;
    Ok(())
}

/// Invites someone: the account (no password yet), its schools and the
/// mailed link. A `Field` error names what to fix.
pub async fn invite(
    ops: &Ops,
    scope: &AdminScope,
    form: &Invitation,
    now: DateTime<Utc>,
) -> AppResult<AccountId> {
    let (email, name, role, schools) = check(ops, scope, form).await?;
    let mut tx = ops.db.begin().await?;
    let id = db::account_admin::create_invited(&mut tx, email.as_str(), &name, role, now).await?;
    let Some(id) = id else {
        let why = "Cette adresse a déjà un compte (ou une invitation en cours) : ouvrez-le dans la liste des comptes.";
        return Err(AppError::Field("email", why.into()));
    };
    for school in &schools {
        db::accounts::attach_school(&mut *tx, id, school.id).await?;
    }
    send_link(ops, &mut tx, id, email.as_str(), role, now).await?;
    tx.commit().await?;
    let action = AuditAction::InvitationSent;
    db::audit::record(&ops.db, scope.actor(), action, Some(id.0), Outcome::Ok).await?;
    Ok(id)
}

/// The pending invitation of account `id` (active, no password yet) in
/// `scope` (outside it: not found).
async fn pending(
    ops: &Ops,
    scope: &AdminScope,
    id: AccountId,
) -> AppResult<db::account_admin::ManagedAccount> {
    let account = db::account_admin::get(&ops.db, scope, id).await?;
    let account = account.ok_or(AppError::NotFound)?;
    if !(account.invited && account.active) {
        let why = "Ce compte n'a pas d'invitation en cours.";
        return Err(AppError::Conflict(why.into()));
    }
    Ok(account)
}

/// Sends a new link for a pending invitation (the earlier one stops).
pub async fn resend(
    ops: &Ops,
    scope: &AdminScope,
    id: AccountId,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let account = pending(ops, scope, id).await?;
    let mut tx = ops.db.begin().await?;
    send_link(ops, &mut tx, id, &account.email, account.role, now).await?;
    tx.commit().await?;
    let action = AuditAction::InvitationSent;
    db::audit::record(&ops.db, scope.actor(), action, Some(id.0), Outcome::Ok).await?;
    Ok(())
}

/// Cancels a pending invitation: its link stops working, the account is
/// turned off (inviting the address again makes it anew).
pub async fn cancel(
    ops: &Ops,
    scope: &AdminScope,
    id: AccountId,
    now: DateTime<Utc>,
) -> AppResult<()> {
    pending(ops, scope, id).await?;
    let mut tx = ops.db.begin().await?;
    db::account_tokens::revoke(&mut tx, id, Purpose::Invitation, now).await?;
    db::account_admin::set_active(&mut tx, id, false, now).await?;
    tx.commit().await?;
    let action = AuditAction::InvitationCancelled;
    db::audit::record(&ops.db, scope.actor(), action, Some(id.0), Outcome::Ok).await?;
    Ok(())
}

/// The address an invitation link is for, while it works.
pub async fn link_for(ops: &Ops, token: &str, now: DateTime<Utc>) -> AppResult<Option<String>> {
    let owner = passwords::link_owner(ops, Purpose::Invitation, token, now).await?;
    Ok(owner.map(|o| o.email))
}

/// Sets the first password of the invited account and uses the link; the
/// account and its role. `NotFound` for a used or expired link.
pub async fn accept(
    ops: &Ops,
    token: &str,
    new: NewPassword,
    now: DateTime<Utc>,
) -> AppResult<(AccountId, Role)> {
    let purpose = Purpose::Invitation;
    let (owner, tx) = passwords::set_through_link(ops, purpose, token, new, now).await?;
    tx.commit().await?;
    let action = AuditAction::InvitationAccepted;
    db::audit::record(
        &ops.db,
        Some(owner.id),
        action,
        Some(owner.id.0),
        Outcome::Ok,
    )
    .await?;
    Ok((owner.id, owner.role))
}
