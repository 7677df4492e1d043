//! The second step of signing in: a code from the owner's authenticator app
//! (each accepted once) or one of their recovery codes (each usable once);
//! enrolling an app (a secret sealed at rest, confirmed by a first code,
//! then ten recovery codes shown once); new recovery codes. Each attempt is
//! audited; enrolment is mailed to the owner.

use chrono::{DateTime, Utc};

use super::Ops;
use crate::auth::totp;
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};
use crate::mail::account_mails;

/// What comes after a right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    /// Type a code from the enrolled app.
    Code,
    /// Enrol an app first (required for the role, none enrolled yet).
    Enrol,
    /// Nothing: signed in (school staff where the operator turned it off).
    None,
}

/// The step account `id` of `role` goes through after its password.
pub async fn after_password(ops: &Ops, id: AccountId, role: Role) -> AppResult<SecondStep> {
    let factor = db::two_factor::factor(&ops.db, id).await?;
    let enrolled = factor.is_some_and(|f| f.enrolled_at.is_some());
    Ok(if enrolled {
        SecondStep::Code
    } else if ops.config.two_factor.required_for(role) {
        SecondStep::Enrol
    } else {
        SecondStep::None
    })
}

/// The secret of `factor` opened with the installation's key.
fn open(ops: &Ops, id: AccountId, sealed: Option<&[u8]>) -> AppResult<Vec<u8>> {
    let sealed = sealed.ok_or(AppError::NotFound)?;
    ops.config.two_factor.key.open(id.0, sealed).ok_or_else(|| {
        tracing::error!("a second-factor secret does not open with TWO_FACTOR_KEY");
        AppError::Internal(anyhow::anyhow!("second-factor secret unreadable"))
    })
}

/// A right code.
pub struct Verified {
    /// Where the account lands.
    pub role: Role,
    /// Recovery codes left, when one was used.
    pub recovery_left: Option<i64>,
}

/// Checks `typed` (six digits, or a recovery code) for the enrolled account
/// `id`; `None` when refused (wrong, already used, or not enrolled).
pub async fn verify(
    ops: &Ops,
    id: AccountId,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Verified>> {
    let factor = db::two_factor::factor(&ops.db, id).await?;
    let factor = factor.filter(|f| f.enrolled_at.is_some());
    let verified = match factor {
        None => None,
        Some(f) if totp::is_recovery_code(typed) => {
            let hash = totp::recovery_hash(typed);
            let used = db::two_factor::use_recovery_code(&ops.db, id, &hash, now).await?;
            used.then(|| Verified {
                role: f.role,
                recovery_left: Some(f.recovery_left - 1),
            })
        }
        Some(f) => {
            let secret = open(ops, id, f.sealed.as_deref())?;
            let accepted = match totp::matching_step(&secret, typed, now.timestamp()) {
                Some(step) => db::two_factor::accept_step(&ops.db, id, step).await?,
                None => false,
            };
            accepted.then_some(Verified {
                role: f.role,
                recovery_left: None,
            })
        }
    };
    let outcome = if verified.is_some() {
        Outcome::Ok
    } else {
        Outcome::Denied
    };
    let action = AuditAction::SecondFactor;
    db::audit::record(&ops.db, Some(id), action, Some(id.0), outcome).await?;
    Ok(verified)
}

/// What the enrolment page shows.
pub struct Enrolment {
    /// The secret in base32, grouped by four, for an app without camera.
    pub secret_text: String,
    /// The QR code (SVG) of the `otpauth://` address.
    pub qr_svg: String,
}

/// The secret account `id` is enrolling (made and sealed on first call,
/// the same on reload); `None` when it is enrolled already.
pub async fn enrolment(ops: &Ops, id: AccountId) -> AppResult<Option<Enrolment>> {
    let factor = db::two_factor::factor(&ops.db, id).await?;
    let factor = factor.ok_or(AppError::NotFound)?;
    if factor.enrolled_at.is_some() {
        return Ok(None);
    }
    let secret = match factor.sealed {
        Some(sealed) => open(ops, id, Some(&sealed))?,
        None => {
            let secret = totp::new_secret();
            let sealed = ops.config.two_factor.key.seal(id.0, &secret);
            if !db::two_factor::set_pending(&ops.db, id, &sealed).await? {
                return Ok(None);
            }
            secret
        }
    };
    let owner = db::accounts::owner(&ops.db, Some(id), None).await?;
    let owner = owner.ok_or(AppError::NotFound)?;
    let text = totp::secret_text(&secret);
    let grouped: Vec<String> = text
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    Ok(Some(Enrolment {
        secret_text: grouped.join(" "),
        qr_svg: totp::qr_svg(&totp::enrolment_url(&secret, &owner.email)),
    }))
}

/// Confirms the enrolment of `id` with a first code; its role and new
/// recovery codes (shown once), or a `Field` error for a wrong code.
pub async fn confirm(
    ops: &Ops,
    id: AccountId,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<(Role, Vec<String>)> {
    let factor = db::two_factor::factor(&ops.db, id).await?;
    let factor = factor.filter(|f| f.enrolled_at.is_none());
    let factor = factor.ok_or(AppError::NotFound)?;
    let secret = open(ops, id, factor.sealed.as_deref())?;
    let action = AuditAction::TwoFactorEnrolled;
    let Some(step) = totp::matching_step(&secret, typed, now.timestamp()) else {
        db::audit::record(&ops.db, Some(id), action, Some(id.0), Outcome::Denied).await?;
        let why = "Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et saisissez le code affiché maintenant.";
        return Err(AppError::Field("code", why.into()));
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let owner = db::accounts::owner(&ops.db, Some(id), None).await?;
    let owner = owner.ok_or(AppError::NotFound)?;
    let mut tx = ops.db.begin().await?;
    if !db::two_factor::confirm(&mut tx, id, step, &hashes, now).await? {
        return Err(AppError::NotFound);
    }
    let told = "Une application d'authentification a été enregistrée pour votre compte Vigie : elle vous sera demandée à chaque connexion, avec votre mot de passe.";
    account_mails::queue_account_changed(&mut tx, &ops.config, &owner.email, told).await?;
    tx.commit().await?;
    db::audit::record(&ops.db, Some(id), action, Some(id.0), Outcome::Ok).await?;
    Ok((factor.role, codes))
}

/// New recovery codes for the enrolled account `id` (the earlier ones stop
/// working), given a current code from its app.
pub async fn renew_recovery_codes(
    ops: &Ops,
    id: AccountId,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    let factor = db::two_factor::factor(&ops.db, id).await?;
    let factor = factor.filter(|f| f.enrolled_at.is_some());
    let factor = factor.ok_or(AppError::NotFound)?;
    let secret = open(ops, id, factor.sealed.as_deref())?;
    let action = AuditAction::RecoveryCodesRenewed;
    let step = totp::matching_step(&secret, typed, now.timestamp());
    let accepted = match step {
        Some(step) => db::two_factor::accept_step(&ops.db, id, step).await?,
        None => false,
    };
    if !accepted {
        db::audit::record(&ops.db, Some(id), action, Some(id.0), Outcome::Denied).await?;
        let why = "Ce code ne correspond pas (ou vient d'être utilisé) : saisissez le code affiché maintenant par votre application.";
        return Err(AppError::Field("code", why.into()));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let mut tx = ops.db.begin().await?;
    db::two_factor::replace_recovery_codes(&mut tx, id, &hashes, now).await?;
    tx.commit().await?;
    db::audit::record(&ops.db, Some(id), action, Some(id.0), Outcome::Ok).await?;
    Ok(codes)
}
