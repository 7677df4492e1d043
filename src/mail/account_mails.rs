//! Mails to an account's owner about the account itself: an invitation, a
//! link to choose a new password, and the notices of changes.

use chrono::{DateTime, Utc};

use super::body::{Action, MailBody};
use crate::config::Config;
use crate::db::{self, Tx};
use crate::domain::format;

async fn queue(
    tx: &mut Tx<'_>,
    config: &Config,
    kind: &str,
    to: &str,
    body: MailBody,
) -> anyhow::Result<()> {
    let body = body.render()?;
    let mail = body.mail(kind, to, None);
    db::outbox::enqueue(tx, &mail, config.message_domain()).await?;
    Ok(())
}

/// The single-use link to choose a new password (valid an hour).
pub async fn queue_reset_link(
    tx: &mut Tx<'_>,
    config: &Config,
    to: &str,
    link: &str,
) -> anyhow::Result<()> {
    let body = MailBody {
        subject: "Vigie : choisir un nouveau mot de passe".into(),
        intro: vec![
            "Quelqu'un, sans doute vous, a demandé à choisir un nouveau mot de passe pour votre compte Vigie.".into(),
        ],
        facts: vec![("Compte", to.to_owned()), ("Lien valable", "une heure, une seule fois".into())],
        warning: Some("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.".into()),
        action: Some(Action {
            sentence: "Pour choisir votre nouveau mot de passe, ouvrez ce lien :".into(),
            label: "Choisir un nouveau mot de passe".into(),
            url: link.to_owned(),
        }),
        closing: "Vigie ne vous demandera jamais votre mot de passe par courriel.".into(),
    };
    queue(tx, config, "password_reset", to, body).await
}

/// The notice that the account's password changed and its sessions ended.
pub async fn queue_password_changed(
    tx: &mut Tx<'_>,
    config: &Config,
    to: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let body = MailBody {
        subject: "Vigie : votre mot de passe a été changé".into(),
        intro: vec![
            "Le mot de passe de votre compte Vigie vient d'être changé ; toutes les sessions ouvertes avec l'ancien ont été fermées.".into(),
        ],
        facts: vec![("Compte", to.to_owned()), ("Le", format::datetime(at))],
        warning: Some("Si vous n'êtes pas à l'origine de ce changement, choisissez tout de suite un nouveau mot de passe avec « Mot de passe oublié ? » et prévenez votre administrateur.".into()),
        action: Some(Action {
            sentence: "Pour vous connecter :".into(),
            label: "Se connecter à Vigie".into(),
            url: format!("{}/login", config.public_url),
        }),
        closing: "Ce message vous est envoyé à chaque changement de mot de passe.".into(),
    };
    queue(tx, config, "password_changed", to, body).await
}

/// The notice that an administrator changed the account (`what` says how).
pub async fn queue_account_changed(
    tx: &mut Tx<'_>,
    config: &Config,
    to: &str,
    what: &str,
) -> anyhow::Result<()> {
    let body = MailBody {
        subject: "Vigie : votre compte a été modifié".into(),
        intro: vec![what.to_owned()],
        facts: vec![("Compte", to.to_owned())],
        warning: Some("Si ce changement vous surprend, adressez-vous à l'administrateur de votre académie.".into()),
        action: None,
        closing: "Ce message vous est envoyé à chaque modification de votre compte par un administrateur.".into(),
    };
    queue(tx, config, "account_changed", to, body).await
}

/// The invitation to an account: a link (valid `days` days, once) where the
/// person chooses a password and enrols their second factor.
pub async fn queue_invitation(
    tx: &mut Tx<'_>,
    config: &Config,
    to: &str,
    role: &str,
    link: &str,
    expires: DateTime<Utc>,
) -> anyhow::Result<()> {
    let body = MailBody {
        subject: "Vigie : votre compte vous attend".into(),
        intro: vec![
            "Un administrateur de Vigie, la plateforme de suivi des situations de cyberharcèlement, vous a créé un compte.".into(),
            "Pour l'activer, choisissez votre mot de passe puis enregistrez une application d'authentification sur votre téléphone.".into(),
        ],
        facts: vec![
            ("Compte", to.to_owned()),
            ("Rôle", role.to_owned()),
            ("Lien valable jusqu'au", format::datetime(expires)),
        ],
        warning: Some("Si vous ne vous attendiez pas à ce message, ignorez-le : sans votre mot de passe, le compte reste inutilisable.".into()),
        action: Some(Action {
            sentence: "Pour activer votre compte, ouvrez ce lien (il ne sert qu'une fois) :".into(),
            label: "Activer mon compte".into(),
            url: link.to_owned(),
        }),
        closing: "Vigie ne vous demandera jamais votre mot de passe par courriel.".into(),
    };
    queue(tx, config, "invitation", to, body).await
}
