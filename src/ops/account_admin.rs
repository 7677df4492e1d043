//! Administrators change accounts: deactivate and reactivate (sessions end
//! at once), attach and detach schools (the dashboard follows at the next
//! request), change the role, reset the second factor. Each change is
//! audited and mailed to the account's owner.

use chrono::{DateTime, Utc};

use super::Ops;
use crate::auth::session::AdminScope;
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;
use crate::domain::values::Uai;
use crate::error::{AppError, AppResult};
use crate::mail::account_mails;

/// A change an administrator makes to an account.
pub enum AccountChange {
    /// It can no longer sign in; its sessions end.
    Deactivate,
    /// It can sign in again.
    Reactivate,
    /// School staff: one more school (typed UAI).
    Attach(String),
    /// School staff: one school less.
    Detach(SchoolId),
    /// Another role (typed code); sessions end, schools go when it leaves
    /// school staff.
    Role(String),
    /// Forget its second factor: it enrols a new app at its next login;
    /// sessions end.
    ResetSecondFactor,
    /// Administrators: the académies they manage (none: national).
    Academies(Vec<String>),
}

impl AccountChange {
    fn action(&self) -> AuditAction {
        match self {
            AccountChange::Deactivate => AuditAction::AccountDeactivated,
            AccountChange::Reactivate => AuditAction::AccountReactivated,
            AccountChange::Attach(_) => AuditAction::SchoolAttached,
            AccountChange::Detach(_) => AuditAction::SchoolDetached,
            AccountChange::Role(_) => AuditAction::RoleChanged,
            AccountChange::ResetSecondFactor => AuditAction::TwoFactorReset,
            AccountChange::Academies(_) => AuditAction::AcademiesChanged,
        }
    }
}

/// Applies `change` to account `id` within the administrator's `scope` (an
/// account outside it does not exist for them). A refused change is a
/// `Field` error in French (nothing changed).
pub async fn change(
    ops: &Ops,
    scope: &AdminScope,
    id: AccountId,
    change: AccountChange,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let by = scope.actor();
    let account = db::account_admin::get(&ops.db, scope, id).await?;
    let account = account.ok_or(AppError::NotFound)?;
    let action = change.action();
    let mut tx = ops.db.begin().await?;
    let told = match change {
        AccountChange::Deactivate if by == Some(id) => {
            let why = "Vous ne pouvez pas désactiver votre propre compte.";
            return Err(AppError::Field("active", why.into()));
        }
        AccountChange::Deactivate => {
            db::account_admin::set_active(&mut tx, id, false, now).await?;
            "Votre compte Vigie a été désactivé : vous ne pouvez plus vous connecter et vos sessions ont été fermées.".to_owned()
        }
        AccountChange::Reactivate => {
            db::account_admin::set_active(&mut tx, id, true, now).await?;
            "Votre compte Vigie a été réactivé : vous pouvez de nouveau vous connecter.".to_owned()
        }
        AccountChange::Attach(typed) => {
            let school = school_to_attach(ops, scope, account.role, &typed).await?;
            db::accounts::attach_school(&mut *tx, id, school.id).await?;
            format!(
                "Votre compte Vigie donne maintenant accès aux dossiers de l'établissement {} ({}).",
                school.name, school.uai
            )
        }
        AccountChange::Detach(school) => {
            let found = db::schools::list_by_ids(&mut *tx, &[school]).await?;
            let found = found.into_iter().find(|s| scope.covers(&s.academie));
            let found = found.ok_or(AppError::NotFound)?;
            if !db::account_admin::detach_school(&mut tx, id, school).await? {
                return Err(AppError::NotFound);
            }
            format!(
                "Votre compte Vigie ne donne plus accès aux dossiers de l'établissement {} ({}).",
                found.name, found.uai
            )
        }
        AccountChange::Academies(chosen) => {
            set_academies(ops, &mut tx, scope, &account, &chosen).await?
        }
        AccountChange::Role(typed) => new_role(&mut tx, scope, id, &typed, now).await?,
        AccountChange::ResetSecondFactor => {
            db::two_factor::reset(&mut tx, id, now).await?;
            "Le deuxième facteur de votre compte Vigie a été réinitialisé et vos sessions ont été fermées : à votre prochaine connexion, vous enregistrerez une nouvelle application d'authentification.".to_owned()
        }
    };
    account_mails::queue_account_changed(&mut tx, &ops.config, &account.email, &told).await?;
    tx.commit().await?;
    db::audit::record(&ops.db, by, action, Some(id.0), Outcome::Ok).await?;
    Ok(())
}

/// Changes the role of `id` in `tx`; what the owner is told.
async fn new_role(
    tx: &mut db::Tx<'_>,
    scope: &AdminScope,
    id: AccountId,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    if !scope.national() {
        let why = "Seul un administrateur national change le rôle d'un compte.";
        return Err(AppError::Field("role", why.into()));
    }
    let role =
        Role::parse(typed).ok_or_else(|| AppError::Field("role", "Choisissez un rôle.".into()))?;
    if scope.actor() == Some(id) {
        let why = "Vous ne pouvez pas changer le rôle de votre propre compte.";
        return Err(AppError::Field("role", why.into()));
    }
    if !db::account_admin::set_role(tx, id, role, now).await? {
        let why = "Le compte a déjà ce rôle.";
        return Err(AppError::Field("role", why.into()));
    }
    Ok(format!(
        "Votre compte Vigie a désormais le rôle « {} » ; vos sessions ont été fermées, reconnectez-vous.",
        role.label()
    ))
}

/// Sets the académies of an administrator account (national
/// administrators only); what its owner is told.
async fn set_academies(
    ops: &Ops,
    tx: &mut db::Tx<'_>,
    scope: &AdminScope,
    account: &db::account_admin::ManagedAccount,
    chosen: &[String],
) -> AppResult<String> {
    if !scope.national() || account.role != Role::Admin {
        let why =
            "Seul un administrateur national choisit les académies d'un compte d'administration.";
        return Err(AppError::Field("academies", why.into()));
    }
    if scope.actor() == Some(account.id) {
        let why = "Vous ne pouvez pas changer les académies de votre propre compte.";
        return Err(AppError::Field("academies", why.into()));
    }
    let known = db::queue::academies(&ops.db).await?;
    if let Some(unknown) = chosen.iter().find(|a| !known.contains(a)) {
        let why = format!("Aucun établissement n'est dans l'académie « {unknown} ».");
        return Err(AppError::Field("academies", why));
    }
    db::account_admin::set_academies(tx, account.id, chosen).await?;
    Ok(match chosen {
        [] => "Votre compte Vigie administre désormais toutes les académies (national).".to_owned(),
        _ => format!(
            "Votre compte Vigie administre désormais les établissements et comptes de : {}.",
            chosen.join(", ")
        ),
    })
}

/// The school a typed UAI names within `scope`, for a school staff account.
async fn school_to_attach(
    ops: &Ops,
    scope: &AdminScope,
    role: Role,
    typed: &str,
) -> AppResult<db::schools::School> {
    if role != Role::SchoolStaff {
        let why = "Seuls les comptes d'établissement sont rattachés à des établissements.";
        return Err(AppError::Field("uai", why.into()));
    }
    let uai = Uai::parse(typed).map_err(|e| AppError::Field("uai", e.0.into()))?;
    let school = db::schools::find_by_uai(&ops.db, &uai).await?;
    school.filter(|s| scope.covers(&s.academie)).ok_or_else(|| {
        AppError::Field(
            "uai",
            "Aucun établissement de votre académie n'a cet UAI.".into(),
        )
    })
}
